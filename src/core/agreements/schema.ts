/**
 * The agreement format: one schema for YAML and JSON files, from which
 * schemas/agreement.schema.json is generated. Every section of an agreement is structured data,
 * not free text, so Pledge can measure, check and settle it. See docs/agreements.md.
 */
import { z } from 'zod';
import ICAL from 'ical.js';
import { didYouMean } from '../validation/issues.ts';
import { METRIC_NAMES } from '../metrics/catalogue.ts';
import { penaltiesSpec } from '../penalties/schema.ts';
import { isValidZone } from '../time/zone.ts';
import { amount, civilDate, contact, currency, durationText, percent, plainDuration, slug } from '../validation/common.ts';
import { parseDuration } from '../time/duration.ts';

const text = (max = 2000) => z.string().min(1).max(max);
const oneOrMany = z.union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).min(1)]);

export const party = z.strictObject({
  /** Stable id used for coverage and scoping (e.g. the customer id in events). */
  id: slug,
  name: text(200),
  contacts: z.array(contact).default([]),
});

/** Which events a target measures. Each field: a value or a list of allowed values. */
export const scope = z.strictObject({
  service: oneOrMany.optional(),
  customer: oneOrMany.optional(),
  region: oneOrMany.optional(),
  priority: oneOrMany.optional(),
  channel: oneOrMany.optional(),
  requestType: oneOrMany.optional(),
  kind: z.union([z.enum(['incident', 'request']), z.array(z.enum(['incident', 'request'])).min(1)]).optional(),
});

/** The per-ticket clock behind response, resolution and fulfilment targets. */
export const clockSpec = z.strictObject({
  /** One duration for every priority... */
  duration: durationText.optional(),
  /** ...or one per priority (wins over duration). */
  byPriority: z.record(z.string().min(1).max(50), durationText).optional(),
  /** Ticket statuses in which the clock pauses. */
  pauseOn: z.array(z.string().min(1).max(100)).default([]),
  onPriorityChange: z.enum(['keep_elapsed', 'restart']).default('keep_elapsed'),
  onReopen: z.enum(['continue', 'new_cycle']).default('continue'),
});

/** How availability is counted for this target (see docs/availability.md). */
export const availabilitySpec = z.strictObject({
  /** Measure only in the target's calendar (service hours) instead of 24x7. */
  serviceHoursOnly: z.boolean().default(false),
  excludedTime: z.enum(['removed', 'counted_as_up']).default('removed'),
  /** Downtime stretches shorter than this are ignored. */
  minOutage: plainDuration.optional(),
  checks: z.enum(['any', 'majority', 'all']).default('any'),
});

const DAY_MS = 86_400_000;
/** The shortest a window of each kind can be, for refusing an allowance that could never be used up. */
function shortestWindowMs(window: string): number {
  if (window === 'month') return 28 * DAY_MS - 3_600_000;
  if (window === 'quarter') return 90 * DAY_MS - 3_600_000;
  if (window === 'year') return 365 * DAY_MS;
  const days = /(\d+)d$/.exec(window);
  return days ? Number(days[1]) * DAY_MS - 3_600_000 : Infinity;
}

export const target = z
  .strictObject({
    id: slug,
    name: text(200).optional(),
    description: text().optional(),
    metric: z.enum(METRIC_NAMES),
    /** Statistic: share_within_target (default for times), mean, median, p90, p95; csat or mean for satisfaction; sum, count, avg, min, max for kpi. */
    stat: z.string().min(1).max(40).optional(),
    /** The promised value in the metric's unit: percent for ratios (99.9), seconds for times, a number for counts and KPIs. */
    value: z.number().finite(),
    /** Default: <= for times, >= for everything else. */
    comparator: z.enum(['>=', '<=', '>', '<']).optional(),
    /** Measurement window: month, quarter, year, or rolling like 30d. */
    window: z
      .union([
        z.enum(['month', 'quarter', 'year']),
        z.string().regex(/^(rolling:)?\d{1,4}d$/, 'expected month, quarter, year or a rolling window such as 30d'),
      ])
      .default('month'),
    /** Calendar name from `calendars` (business time for clocks, service hours for availability); 24x7 when absent. */
    calendar: slug.optional(),
    scope: scope.optional(),
    /** Shorthand for scope.region. */
    region: z.string().min(1).max(200).optional(),
    clock: clockSpec.optional(),
    availability: availabilitySpec.optional(),
    /**
     * Availability: a fixed downtime allowance per window, as the contract states it ("at most
     * 52 min 36 s of downtime a year"): the target is breached when the window's downtime exceeds it,
     * whatever the window's length. Without it the target is a percentage of the time measured in
     * each real window (99.99% of 2026's 365 days allows 52m 33.6s). See docs/availability.md.
     */
    allowance: plainDuration
      .refine((s) => {
        const d = parseDuration(s);
        return d.ok && d.value.kind === 'fixed' && d.value.ms > 0;
      }, 'expected a downtime allowance longer than 0, such as 52m36s or 4h22m48s')
      .optional()
      .describe('Availability only: a fixed downtime allowance per window, e.g. 52m36s; the target is breached when downtime exceeds it.'),
    /** kpi: the KPI name in kpi.reported events; judge each subject (e.g. sales rep) separately. */
    kpi: z.string().min(1).max(200).optional(),
    perSubject: z.boolean().optional(),
    subjects: z.array(z.string().min(1).max(200)).optional(),
    /** Share of the allowance used at which the target is at risk (0.75 unless told). */
    warnAt: z.number().gt(0).max(1).optional(),
    /** Underpinning: OLA or UC targets this one relies on, as "agreement-id#target-id", in the order work passes through them. */
    dependsOn: z
      .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*#[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected "agreement-id#target-id"'))
      .optional(),
    /**
     * ratio: measured from Prometheus as good / total over each window (the OpenSLO ratioMetric;
     * docs/prometheus.md): PromQL counters, or expressions using [$window].
     */
    prometheus: z
      .strictObject({
        good: z.string().min(1).max(2000).describe('PromQL: the good events (a counter selector, or an expression using [$window]).'),
        total: z.string().min(1).max(2000).describe('PromQL: all events, the denominator.'),
      })
      .optional(),
  })
  .superRefine((t, ctx) => {
    // ratio targets are measured from Prometheus and nothing else; the queries belong to them only.
    if (t.metric === 'ratio' && t.prometheus === undefined)
      ctx.addIssue({ code: 'custom', path: ['prometheus'], message: 'a ratio target needs its prometheus good and total queries' });
    if (t.metric !== 'ratio' && t.prometheus !== undefined)
      ctx.addIssue({ code: 'custom', path: ['prometheus'], message: `prometheus queries belong to a ratio target, not ${t.metric}` });
    // A fixed downtime allowance: only on availability, promising at least (>=, >), and usable up.
    if (t.allowance === undefined) return;
    const problem = (message: string) => ctx.addIssue({ code: 'custom', path: ['allowance'], message });
    if (t.metric !== 'availability') return problem(`a downtime allowance belongs to an availability target, not ${t.metric}`);
    if (t.comparator === '<' || t.comparator === '<=') {
      problem(`a downtime allowance promises at least so much availability: the comparator is >= or >, not ${t.comparator}`);
    }
    const d = parseDuration(t.allowance);
    if (d.ok && d.value.kind === 'fixed' && d.value.ms >= shortestWindowMs(t.window)) {
      problem(`an allowance of ${t.allowance} is not shorter than a ${t.window} window: it could never be exceeded`);
    }
  });

const medium = z.enum(['email', 'chat', 'sms', 'phone', 'webhook', 'pager']);
/** Ids of notification destinations the tenant configures (webhooks, chat channels, mailboxes). */
const destinations = z.array(slug).min(1).optional();

export const supportSpec = z.strictObject({
  contactPoints: z
    .array(z.strictObject({ name: text(200), channel: z.string().min(1).max(50), address: text(500), hours: slug.optional() }))
    .default([]),
  /** Channels with their hours (a calendar name, or 24x7) and the plans that get them. */
  channels: z
    .array(
      z.strictObject({
        channel: z.string().min(1).max(50),
        hours: slug.default('24x7'),
        plans: z.union([z.literal('all'), z.array(z.string().min(1).max(100)).min(1)]).default('all'),
        note: text(500).optional(),
      }),
    )
    .default([]),
  priorities: z
    .array(z.strictObject({ id: z.string().min(1).max(50), name: text(200), definition: text(), examples: z.array(text(500)).optional() }))
    .default([]),
  /**
   * The escalation matrix: who is told, how, and when (a share of the target used, or a time before
   * or after the breach). Internal only: its alerts never reach the customer (see `notices`).
   * docs/alerts.md says how each entry becomes alert levels and recipients.
   */
  escalation: z
    .array(
      z
        .strictObject({
          level: z.number().int().min(1).max(20),
          /** A person or team; when it is the name of one of the provider's contacts, that contact's e-mail and phone are used. */
          who: text(200),
          /** Media to reach `who` by (their contact's address, or the tenant's destination for that medium). */
          how: z.array(medium).default([]),
          /** Notification destinations configured for the tenant, by id (a webhook, a chat channel, a mailbox). */
          to: destinations,
          when: z.union([
            z.strictObject({ consumed: z.number().gt(0).max(1) }),
            z.strictObject({ beforeBreach: plainDuration }),
            z.strictObject({ atBreach: z.literal(true) }),
            z.strictObject({ afterBreach: plainDuration }),
          ]),
          targets: z.array(slug).optional(),
        })
        .refine((e) => e.how.length > 0 || (e.to?.length ?? 0) > 0, {
          message: 'say how to reach them: how (email, chat, sms, phone, webhook, pager) or to (destination ids), or both',
          path: ['how'],
        }),
    )
    .default([]),
  /**
   * Customer-facing notices, a separate and explicit audience: a breach of a target, a credit owed,
   * a maintenance window. Only these reach the customer; nothing from the escalation matrix does.
   */
  notices: z
    .array(
      z
        .strictObject({
          notice: z.enum(['breach', 'credit_owed', 'maintenance']),
          /** Who at the customer; when it is the name of one of the customer's contacts, that contact's e-mail and phone are used. */
          who: text(200),
          how: z.array(medium).default([]),
          to: destinations,
          /** Breach notices only: the targets whose breaches are notified (default: all). */
          targets: z.array(slug).optional(),
        })
        .refine((e) => e.how.length > 0 || (e.to?.length ?? 0) > 0, {
          message: 'say how to reach them: how (email, chat, sms, phone, webhook, pager) or to (destination ids), or both',
          path: ['how'],
        }),
    )
    .default([]),
  /**
   * Quiet times: outside the working time of `calendar`, a non-urgent firing notification waits for
   * the calendar's next working instant (the 50% warning reached Friday 17:30 goes out Monday
   * 09:00). Urgent ones go at once: a level of a severity in `urgent`, or a recipient reached by a
   * medium in `urgentMedia` (those exist to wake people). A more specific level's quietHours
   * replaces its parent's whole (layering.ts). docs/alerts.md "Quiet times".
   */
  quietHours: z
    .strictObject({
      /** A calendar name from `calendars` (or 24x7, which never holds anything back). */
      calendar: slug,
      /** Severities that are never held (default: critical, the breach). */
      urgent: z.array(z.enum(['info', 'warning', 'critical'])).default(['critical']),
      /** Media that are never held (default: pager, phone, sms). */
      urgentMedia: z.array(medium).default(['pager', 'phone', 'sms']),
    })
    .optional(),
});

const RRULE_PARTS = [
  'FREQ',
  'UNTIL',
  'COUNT',
  'INTERVAL',
  'BYSECOND',
  'BYMINUTE',
  'BYHOUR',
  'BYDAY',
  'BYMONTHDAY',
  'BYYEARDAY',
  'BYWEEKNO',
  'BYMONTH',
  'BYSETPOS',
  'WKST',
];

/**
 * An RFC 5545 recurrence rule. Beyond its shape, each part must be one RFC 5545 names (a
 * misspelt BYDAYS would otherwise be dropped and the window recur every week) with a valid value.
 */
const rrule = z
  .string()
  .regex(/^(RRULE:)?FREQ=(DAILY|WEEKLY|MONTHLY|YEARLY)(;[A-Z]+=[A-Za-z0-9,+-]+)*$/, 'expected an RRULE such as FREQ=WEEKLY;BYDAY=SU')
  .superRefine((text, ctx) => {
    const body = text.replace(/^RRULE:/, '');
    const names = body.split(';').map((p) => p.split('=')[0]!);
    for (const n of names) {
      if (RRULE_PARTS.includes(n)) continue;
      const hint = didYouMean(n, RRULE_PARTS);
      ctx.addIssue({
        code: 'custom',
        message: `${n} is not a part of an RRULE${hint ? `; did you mean ${hint}?` : ''} (RFC 5545: ${RRULE_PARTS.join(', ')})`,
      });
      return;
    }
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) return void ctx.addIssue({ code: 'custom', message: `${twice} is given twice` });
    if (names.includes('COUNT') && names.includes('UNTIL'))
      return void ctx.addIssue({ code: 'custom', message: 'give COUNT or UNTIL, not both' });
    try {
      ICAL.Recur.fromString(body);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `not a valid RRULE: ${(e as Error).message}` });
    }
  });

export const maintenanceSpec = z.strictObject({
  /** Recurring windows as RFC 5545 RRULEs with a local start time and a length. */
  windows: z
    .array(
      z.strictObject({
        name: text(200),
        rrule,
        start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a local time HH:MM'),
        duration: plainDuration,
        purpose: text(500).optional(),
      }),
    )
    .default([]),
  /** How long before a maintenance window customers must be told, for it to be excluded. */
  notice: plainDuration.default('0s'),
  /** IANA zone of the windows' local start times; the agreement's zone when absent. */
  timezone: z.string().min(1).max(64).refine(isValidZone, 'unknown time zone (expected an IANA name such as Europe/Berlin)').optional(),
});

export const securitySpec = z.array(
  z.strictObject({
    id: slug,
    /** e.g. ISO 27001, SOC 2, HIPAA, GDPR, FedRAMP, PCI DSS, encryption, mfa, sso, backups, monitoring, redundancy. */
    standard: text(200),
    commitment: text().optional(),
    /** Where the evidence is (a report reference or URL). */
    evidence: text(500),
    validUntil: civilDate.optional(),
  }),
);

export const pricingSpec = z.strictObject({
  currency,
  fee: z.strictObject({ amount, per: z.enum(['month', 'quarter', 'year']) }),
  extraFees: z
    .array(z.strictObject({ name: text(200), amount, when: z.enum(['once', 'month', 'quarter', 'year', 'on_request']).default('once') }))
    .default([]),
  billingMethod: z.enum(['invoice', 'card', 'direct_debit', 'internal_charge', 'none']).default('invoice'),
  paymentDays: z.number().int().min(0).max(365).default(30),
  latePayment: z.strictObject({ percentPerMonth: percent.optional(), amount: amount.optional() }).optional(),
  priceGuaranteedUntil: civilDate.optional(),
});

export const termSpec = z.strictObject({
  start: civilDate,
  end: civilDate.optional(),
  renewal: z
    .strictObject({
      mode: z.enum(['automatic', 'manual']),
      notice: plainDuration.default('30d'),
      length: z.enum(['month', 'quarter', 'year', '2y', '3y']).default('year'),
    })
    .optional(),
  earlyTerminationFee: amount.optional(),
  terminationRights: z
    .array(
      z.strictObject({
        id: slug,
        /** The customer may terminate without fee after N consecutive breached periods of a target... */
        consecutiveBreaches: z.number().int().min(1).max(100).optional(),
        /** ...or M breached periods within a year. */
        breachesInYear: z.number().int().min(1).max(366).optional(),
        target: slug,
        description: text().optional(),
      }),
    )
    .default([]),
  disputeResolution: z
    .strictObject({
      steps: z.array(z.strictObject({ name: text(200), within: plainDuration.optional() })).min(1),
      venue: text(200).optional(),
      law: text(200).optional(),
    })
    .optional(),
});

export const reviewSpec = z.strictObject({
  cadence: z.enum(['quarterly', 'half_yearly', 'yearly']).default('yearly'),
  owner: text(200),
  last: civilDate.optional(),
});

export const serviceDescription = z.strictObject({
  purpose: text(),
  capabilities: z.array(text(500)).default([]),
  networkRequirements: z.array(text(500)).default([]),
});

export const agreementSpec = z
  .strictObject({
    apiVersion: z.literal('pledge/v1').default('pledge/v1'),
    id: slug,
    name: text(200),
    kind: z.enum(['sla', 'ola', 'uc']).describe('sla: customer; ola: internal team to team; uc: underpinning contract with a supplier'),
    level: z.enum(['corporate', 'customer', 'service']).default('service'),
    /** The agreement (id) this one refines: a customer level names its corporate level, a service level its customer level. */
    parent: slug.optional(),
    /** When this version takes effect (amendments); the term start when absent. */
    effective: civilDate.optional(),
    parties: z.strictObject({ provider: party, customer: party.optional() }),
    /** IANA zone of the agreement's months, quarters and years; default: its first calendar's zone, else UTC. */
    timezone: z.string().min(1).max(64).refine(isValidZone, 'unknown time zone (expected an IANA name such as Europe/Berlin)').optional(),
    /** Plans of the customer this agreement applies to (e.g. enterprise), for per-plan support. */
    plan: z.string().min(1).max(100).optional(),
    services: z.array(slug).default([]),
    /** Calendars by name: a file path (relative to this file). `24x7` is built in. */
    calendars: z.record(slug, z.string().min(1).max(1000)).default({}),
    serviceDescription: serviceDescription.optional(),
    targets: z.array(target).default([]),
    /**
     * When monitoring of the services began (local midnight of the date, in the agreement's zone):
     * from then on every window is measured, and a window without outages is fully available;
     * before it nothing is measured (no_data), whatever the events say. Without it, monitoring is
     * known from the events (check results, monitoring.started, outage and maintenance reports).
     */
    monitoring: z.strictObject({ since: civilDate.describe('The first day monitored, YYYY-MM-DD.') }).optional(),
    support: supportSpec.optional(),
    maintenance: maintenanceSpec.optional(),
    security: securitySpec.optional(),
    pricing: pricingSpec.optional(),
    term: termSpec.optional(),
    penalties: penaltiesSpec.optional(),
    review: reviewSpec.optional(),
  })
  .describe('A Pledge agreement: SLA, OLA or underpinning contract');

export type AgreementSpec = z.output<typeof agreementSpec>;
export type TargetSpecDoc = z.output<typeof target>;
