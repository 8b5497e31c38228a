/**
 * The shapes of the API's answers, as zod schemas: the one description of what each route sends
 * back. Operations name them in their `responses` (src/http/operation.ts), so
 * - /openapi.json publishes them (openapi.ts), shared shapes once under `components.schemas`
 *   (every schema registered here with `component` is referenced with `$ref`);
 * - a handler's return type is checked against them by the compiler;
 * - the HTTP tests validate every answer they get against the published document, so the
 *   documentation cannot drift from the answers (test/http/documented.ts).
 *
 * Rules: objects are strict (a field the schema does not name fails the tests: document it here);
 * every instant is an `Instant` (ISO 8601 text, never epoch milliseconds); civil days are
 * `CivilDate`. Enumerations that mirror a union type of the core are listed once here and checked
 * against the core type at compile time (`members`): a state added to the core (e.g. a new target
 * state) fails the typecheck here until it is added to the one list.
 */
import { z } from 'zod';
import type { IngestItem } from '../app/ingest.ts';
import { ROLES } from '../core/access/policy.ts';
import type { FindingKind } from '../core/agreements/checks.ts';
import { LIFECYCLE_ACTIONS, LIFECYCLE_STATES, SIGNING_PARTIES } from '../core/agreements/lifecycle/index.ts';
import { REVIEW_CADENCES, REVIEW_OUTCOMES } from '../core/agreements/lifecycle/reviews.ts';
import type { ClockKind, ClockState, SegmentKind } from '../core/clock/types.ts';
import { METRIC_NAMES, type MetricUnit } from '../core/metrics/catalogue.ts';
import type { Comparator, TargetState } from '../core/metrics/compliance.ts';
import type { LineForm, NothingOwedBecause } from '../core/penalties/types.ts';
import { parseInstant } from '../core/time/instant.ts';
import type { CalendarFormat } from '../store/types.ts';
import { ERROR_STATUS } from './errors.ts';

/** The registry of shared shapes: each becomes `#/components/schemas/<id>` in /openapi.json. */
export const components = z.registry<{ id: string }>();

export function component<S extends z.ZodType>(id: string, schema: S): S {
  components.add(schema, { id });
  return schema;
}

/**
 * The members of a union type of the core, as a list for z.enum; the compiler refuses a list that
 * misses a member (the error names it) or has one the type lacks.
 */
const members =
  <T extends string>() =>
  <const L extends readonly [T, ...T[]]>(
    list: L & ([Exclude<T, L[number]>] extends [never] ? unknown : { missing: Exclude<T, L[number]> }),
  ): L =>
    list;

// ---------------------------------------------------------------------------------------------
// Common pieces

export const Instant = component(
  'Instant',
  z
    .string()
    .refine((s) => parseInstant(s, '').ok, 'expected an ISO 8601 instant with an offset')
    .meta({ format: 'date-time', description: 'An instant: ISO 8601 with an offset, in UTC in answers (2026-10-01T08:00:00.000Z).' }),
);

export const CivilDate = component(
  'CivilDate',
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .meta({ format: 'date', description: "A civil day, YYYY-MM-DD (in the agreement's time zone where it matters)." }),
);

export const Issue = component(
  'Issue',
  z
    .strictObject({
      path: z.string().describe('The field, e.g. targets[0].value; empty for the whole input.'),
      message: z.string(),
      expected: z.string().optional(),
      received: z.string().optional(),
      line: z.number().int().optional().describe('1-based, for YAML or JSON documents.'),
      column: z.number().int().optional(),
      source: z.string().optional().describe('The document the input came from.'),
    })
    .describe('What is wrong with one field of the input.'),
);

export const ErrorBody = component(
  'Error',
  z
    .strictObject({
      code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...Array<keyof typeof ERROR_STATUS>]),
      message: z.string(),
      details: z
        .looseObject({
          in: z.string().optional().describe('Where the bad input is: body, query, path or header.'),
          issues: z.array(Issue).optional(),
        })
        .describe(
          'For bad input: `in` and `issues`. Otherwise what helps ' +
            '(e.g. `etag` on 412, `legal` on 409 illegal_transition, `accepted` on 415, ' +
            '`sources` on 400 from GET /v1/tickets/{ticket} when several desks share the id).',
        ),
      requestId: z.string().describe('Also in the X-Request-Id header.'),
    })
    .describe('Every error answer.'),
);

/** A JSON object whose shape is described elsewhere (a document as written, an event as sent). */
const document = (description: string) => z.record(z.string(), z.unknown()).describe(description);

/** A page of a list: `next` is the cursor to pass as `after`, absent on the last page. */
export function page<S extends z.ZodType>(id: string, item: S) {
  return component(
    id,
    z.strictObject({
      items: z.array(item),
      next: z.string().optional().describe('Pass as ?after= for the next page; absent on the last page.'),
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Events

export const Event = component(
  'Event',
  z.strictObject({
    seq: z.number().int().describe('Per tenant, in commit order.'),
    source: z.string().describe('Empty when the event named none.'),
    id: z.string(),
    type: z.string(),
    at: Instant,
    ticket: z.string().optional(),
    service: z.string().optional(),
    customer: z.string().optional(),
    region: z.string().optional(),
    receivedAt: Instant,
    payload: document('The event as received (docs/events.md).'),
  }),
);
export const EventPage = page('EventPage', Event);

export const INGEST_STATUSES = members<IngestItem['status']>()(['accepted', 'duplicate', 'conflict', 'rejected', 'not_written']);

export const IngestResult = component(
  'IngestResult',
  z
    .strictObject({
      index: z.number().int().describe('Position in the batch, from 0.'),
      id: z.string().nullable().describe('The event id; null when it could not be read.'),
      status: z.enum(INGEST_STATUSES),
      seq: z
        .number()
        .int()
        .optional()
        .describe("accepted and duplicate: the stored event's sequence number; conflict: the stored event's with this source and id."),
      owner: z
        .string()
        .optional()
        .describe("conflict: the customer the event's ticket belongs to, when the event names another (a ticket never changes owner)."),
      reason: z.string().optional().describe('conflict, rejected, not_written: why.'),
      issues: z.array(Issue).optional().describe('rejected: each field that is wrong.'),
    })
    .describe('What happened to one event of a batch.'),
);

export const IngestReport = component(
  'IngestReport',
  z.strictObject({
    committed: z.boolean().describe('False when an all_or_nothing batch was refused: nothing was written.'),
    received: z.number().int(),
    accepted: z.number().int(),
    duplicates: z.number().int(),
    conflicts: z.number().int(),
    rejected: z.number().int(),
    lastSeq: z.number().int().nullable(),
    results: z.array(IngestResult).describe('One per event, in the order sent.'),
  }),
);

// ---------------------------------------------------------------------------------------------
// Agreements

export const LifecycleState = component('LifecycleState', z.enum(LIFECYCLE_STATES));
export const LifecycleAction = component('LifecycleAction', z.enum(LIFECYCLE_ACTIONS));
export const AgreementLevel = component('AgreementLevel', z.enum(['corporate', 'customer', 'service']));
const AgreementDocument = component(
  'AgreementDocument',
  document('An agreement document (docs/agreements.md; the request body of PUT /v1/agreements/{id}).'),
);

export const Agreement = component(
  'Agreement',
  z.strictObject({
    id: z.string(),
    state: LifecycleState,
    customer: z.string().optional().describe('Absent for provider-internal agreements.'),
    name: z.string().optional().describe("The document's name (absent when it has none)."),
    kind: z.string().optional().describe("The document's kind: sla, ola or uc."),
    level: z.string().optional(),
    services: z
      .array(z.string())
      .optional()
      .describe('The services it covers, as its document lists them; absent when it lists none (it covers all).'),
    etag: z.string(),
    versionCount: z.number().int(),
    transitionCount: z.number().int(),
    reviewCount: z.number().int(),
    createdAt: Instant,
    createdBy: z.string(),
    updatedAt: Instant,
    updatedBy: z.string(),
    document: AgreementDocument.optional().describe('The working document as written; absent in lists and transition answers.'),
  }),
);
export const AgreementPage = page('AgreementPage', Agreement);

export const Change = component(
  'Change',
  z.strictObject({
    path: z.string().describe('e.g. targets[uptime].value; empty for the whole document.'),
    kind: z.enum(['added', 'removed', 'changed']),
    before: z.unknown().optional().describe('Any JSON value; absent when added.'),
    after: z.unknown().optional().describe('Any JSON value; absent when removed.'),
  }),
);

export const Version = component(
  'Version',
  z.strictObject({
    version: z.number().int(),
    effective: Instant.describe('In force from this instant.'),
    effectiveDate: z
      .strictObject({ date: CivilDate, zone: z.string() })
      .optional()
      .describe('The civil date and zone the effective instant was given as.'),
    createdAt: Instant,
    createdBy: z.string(),
    note: z.string().optional(),
    document: AgreementDocument,
  }),
);

export const Term = component('Term', z.strictObject({ start: Instant, end: Instant.optional().describe('Absent: open-ended.') }));

export const Transition = component(
  'Transition',
  z.strictObject({
    from: LifecycleState,
    to: LifecycleState,
    action: LifecycleAction,
    at: Instant.describe('When the new state begins.'),
    by: z.string().optional().describe("Who made the move; not given to customer tokens (the provider's staff stay internal)."),
    reason: z.string().optional(),
    signatures: z
      .array(z.strictObject({ party: z.enum(SIGNING_PARTIES), name: z.string(), title: z.string().optional(), at: Instant }))
      .optional(),
    term: Term.optional(),
    requestedAt: Instant.optional().describe('A scheduled transition: when it was asked for.'),
    recordedAt: Instant.optional().describe('When it was recorded.'),
    backdated: z
      .literal(true)
      .optional()
      .describe('Recorded after it took effect (`at` before `recordedAt`): it changed a past already measured.'),
  }),
);

const applied = {
  result: z.enum(['created', 'updated', 'amended', 'unchanged']),
  changes: z.array(Change),
  version: Version.optional().describe('An amendment (or an approval) recorded a version.'),
};
export const ApplyResult = component('ApplyResult', z.strictObject({ ...applied, agreement: Agreement }));
export const ApplyDryRun = component(
  'ApplyDryRun',
  z.strictObject({ dryRun: z.literal(true), ...applied }).describe('What applying would do; nothing was written.'),
);

export const VersionList = z.strictObject({ items: z.array(Version) });
export const Diff = z.strictObject({
  from: z.number().int(),
  to: z.number().int(),
  changes: z.array(Change),
  text: z.string().describe('As `pledge diff` prints it.'),
});
export const TransitionResult = z.strictObject({ agreement: Agreement, transition: Transition });
export const Lifecycle = z.strictObject({
  state: LifecycleState,
  legal: z.array(z.strictObject({ to: LifecycleState, action: LifecycleAction })),
  term: Term.nullable(),
  createdAt: Instant,
  createdBy: z.string().optional().describe('Not given to customer tokens, as `by` in transitions.'),
  transitions: z.array(Transition),
  monitored: z.array(
    z.strictObject({
      from: Instant,
      to: Instant.nullable().describe('null while still monitored.'),
      endedBy: z.enum(['suspended', 'expired', 'terminated']).optional(),
    }),
  ),
});

export const EffectiveTerms = z.strictObject({
  agreement: z.string(),
  customer: z.string().nullable(),
  service: z.string().nullable(),
  chain: z.array(z.strictObject({ id: z.string(), level: AgreementLevel })).describe('Most general first.'),
  terms: document('The merged agreement, with defaults (docs/agreements.md).'),
  provenance: z.array(z.strictObject({ path: z.string(), agreement: z.string(), level: AgreementLevel })),
});

const FINDING_KINDS = members<FindingKind>()([
  'coverage_gap',
  'coverage_conflict',
  'dangling_dependency',
  'time_does_not_fit',
  'share_too_low',
  'availability_too_low',
  'not_checkable',
  'fits',
]);
export const Finding = component(
  'Finding',
  z.strictObject({
    kind: z.enum(FINDING_KINDS),
    severity: z.enum(['problem', 'note', 'ok']),
    message: z.string(),
    agreement: z.string().optional(),
    target: z.string().optional(),
    customer: z.string().optional(),
    service: z.string().optional(),
    figures: z
      .record(z.string(), z.union([z.number(), z.string()]))
      .optional()
      .describe('The numbers behind the verdict.'),
  }),
);
export const PortfolioChecks = z.strictObject({
  ok: z.boolean(),
  agreements: z.number().int(),
  counts: z.strictObject({ problem: z.number().int(), note: z.number().int(), ok: z.number().int() }),
  findings: z.array(Finding),
  unreadable: z.array(z.string()),
});

// ---------------------------------------------------------------------------------------------
// Reviews

const ReviewCadence = z.enum(REVIEW_CADENCES);
export const Review = component(
  'Review',
  z.strictObject({
    at: CivilDate,
    by: z.string(),
    outcome: z.enum(REVIEW_OUTCOMES),
    notes: z.string().optional(),
    version: z.number().int().optional(),
  }),
);
const nextReview = {
  due: CivilDate,
  reason: z.enum(['cadence', 'service_change']),
  basis: CivilDate,
  basisKind: z.enum(['last_review', 'term_start']),
  cadence: ReviewCadence,
};
export const NextReview = component('NextReview', z.strictObject(nextReview));
export const AgreementReviews = component(
  'AgreementReviews',
  z.strictObject({
    agreement: z.string(),
    owner: z.string().nullable(),
    cadence: z.string(),
    next: NextReview.nullable(),
    problem: z.string().nullable().describe('Why there is no next date.'),
    reviews: z.array(Review),
  }),
);
export const RecordedReview = z.strictObject({ review: Review, state: AgreementReviews });
export const PortfolioReviews = z.strictObject({
  today: CivilDate,
  overdue: z.array(z.strictObject({ ...nextReview, agreementId: z.string(), owner: z.string().optional(), daysOverdue: z.number().int() })),
  evidence: z.array(
    z.strictObject({
      agreementId: z.string(),
      securityId: z.string(),
      standard: z.string(),
      evidence: z.string(),
      validUntil: CivilDate,
      daysLeft: z.number().int(),
      status: z.enum(['expired', 'expiring']),
    }),
  ),
  schedule: z.array(
    z.strictObject({
      agreement: z.string(),
      owner: z.string().nullable(),
      due: CivilDate.nullable(),
      reason: z.string(),
      lastReview: Review.nullable().describe('The latest review recorded in Pledge, if any.'),
    }),
  ),
  problems: z.array(Issue),
});

// ---------------------------------------------------------------------------------------------
// Results: compliance, settlements, clocks, status, reports

/** The states of a target in a window: the one list (extend it here when the core gains a state). */
export const TARGET_STATES = members<TargetState>()(['met', 'at_risk', 'breached', 'no_data']);
export const TargetStateSchema = component('TargetState', z.enum(TARGET_STATES).describe('docs/metrics.md, "Compliance".'));
export const CLOCK_STATES = members<ClockState>()(['running', 'paused', 'at_risk', 'met', 'breached']);
export const ClockStateSchema = component('ClockState', z.enum(CLOCK_STATES));
const ComparatorSchema = z.enum(members<Comparator>()(['>=', '<=', '>', '<']));
const Unit = z.enum(members<MetricUnit>()(['percent', 'seconds', 'count', 'number']));

export const Window = component(
  'Window',
  z.strictObject({
    from: Instant,
    to: Instant.describe('Exclusive.'),
    label: z.string().describe('e.g. 2026-10, 2026-Q4, rolling-30d@2026-11-01'),
    zone: z.string(),
  }),
);

const ids = (description: string) => z.array(z.string()).describe(description);
const Measurement = component(
  'Measurement',
  z.strictObject({
    metric: z.enum(METRIC_NAMES),
    stat: z.string().nullable(),
    value: z.number().nullable(),
    unit: Unit,
    sampleSize: z.number().describe('Items in the sample; for availability, the eligible time in ms.'),
    contributors: ids('Ids the value came from: tickets, outages or events.'),
    numerator: ids('Ratios: the ids on the numerator side.').optional(),
    breached: ids('Clock metrics: tickets whose counted clock breached.').optional(),
    openBreaches: ids('Clock metrics: counted because they breached while still open.').optional(),
    inFlight: ids('Clock metrics: still running and not breached: not counted.').optional(),
    excluded: z.array(z.strictObject({ id: z.string(), reason: z.string() })).optional(),
    basis: z.string().describe('How the value was obtained, in one line.'),
    monotone: z.enum(['increasing', 'decreasing']).nullable(),
    subjects: z
      .array(
        z.strictObject({ subject: z.string(), value: z.number().nullable(), sampleSize: z.number(), contributors: z.array(z.string()) }),
      )
      .optional(),
    figures: z
      .strictObject({
        downtimeMs: z.number(),
        eligibleMs: z.number(),
        excludedMs: z.number(),
        monitoring: z
          .strictObject({
            from: Instant.nullable().describe('Monitored from this instant to the window end; null: not monitored at all.'),
            text: z.string().describe('The evidence, in words (docs/availability.md, "No data is not perfect").'),
          })
          .optional()
          .describe('Absent: monitored throughout the window.'),
      })
      .optional()
      .describe('Availability: durations in ms.'),
  }),
);

/** One clause of a sentence the settlement or compliance engine wrote: src/core/i18n/settlement.ts, docs/penalties.md "Reasons in any language". */
export const WhyClause = component(
  'WhyClause',
  z
    .strictObject({
      code: z.string().describe('From the closed list in docs/penalties.md; a client that does not know it shows the English sentence.'),
      params: z
        .record(z.string(), z.unknown())
        .describe(
          'Its figures, never pre-formatted: numbers, civil dates (YYYY-MM-DD), money as { minor, currency }, instants as { at (ISO 8601, UTC), zone }, identifiers and labels as written.',
        ),
    })
    .describe('A clause of an English sentence of the engine, as a code and params to say in any language.'),
);
const Clauses = (of: string) =>
  z.array(WhyClause).optional().describe(`${of} as clauses, in order (absent when stored by an older version).`);

const verdict = {
  state: TargetStateSchema,
  margin: z.number().nullable().describe("Signed distance to the target in the metric's unit: positive = passing."),
  consumed: z.number().nullable().describe('Share of the allowance used; null when there is none.'),
  reason: z.string(),
  reasonWhy: Clauses('reason'),
  note: z.string().optional().describe('A remark that is not a state, e.g. a closed window met with little margin.'),
  noteWhy: Clauses('note'),
};

export const ComplianceResult = component(
  'ComplianceResult',
  z
    .strictObject({
      metric: z.enum(METRIC_NAMES),
      stat: z.string().nullable(),
      value: z.number().nullable(),
      unit: Unit,
      target: z.number(),
      comparator: ComparatorSchema,
      warn: z.number(),
      window: Window,
      windowClosed: z.boolean(),
      sampleSize: z.number(),
      contributors: z.array(z.string()),
      measurement: Measurement,
      subjects: z
        .array(
          z.strictObject({
            subject: z.string(),
            value: z.number().nullable(),
            sampleSize: z.number(),
            contributors: z.array(z.string()),
            ...verdict,
          }),
        )
        .optional(),
      worstSubject: z.string().optional(),
      budget: z
        .strictObject({
          allowedMs: z.number(),
          usedMs: z.number(),
          remainingMs: z.number(),
          basis: z
            .enum(['percentage', 'fixed'])
            .optional()
            .describe('percentage: a share of the time measured; fixed: the allowance the agreement states (`allowance:`).'),
        })
        .optional()
        .describe('Availability: the downtime budget, ms.'),
      ...verdict,
    })
    .describe('One target judged over one window (src/core/metrics/compliance.ts).'),
);

export const ComplianceRow = component(
  'ComplianceRow',
  z.strictObject({
    agreement: z.string(),
    target: z.string(),
    window: z.string(),
    updatedAt: Instant.describe('When it was computed.'),
    result: ComplianceResult,
  }),
);
export const CompliancePage = page('CompliancePage', ComplianceRow);

const ContractYear = component(
  'ContractYear',
  z.strictObject({
    index: z.number().int().describe('1 for the year starting on the term start; 0 before it.'),
    from: Instant,
    to: Instant,
    firstDay: CivilDate,
    lastDay: CivilDate,
  }),
);
const FeeFigure = z.strictObject({ minor: z.number().int(), currency: z.string(), amount: z.string(), basis: z.string() });
const NOTHING_OWED = members<NothingOwedBecause>()([
  'met',
  'at_risk',
  'no_data',
  'no_result',
  'not_in_band',
  'within_budget',
  'no_breached_tickets',
  'excluded',
  'grace_period',
  'before_term',
  'other_period',
  'cap_reached',
  'zero_amount',
]);
const LINE_FORMS = members<LineForm>()(['service_credit', 'refund', 'fee_waiver', 'fine', 'penalty']);
export const CurrencyTotal = component(
  'CurrencyTotal',
  z.strictObject({
    currency: z.string(),
    amountMinor: z.number().int(),
    amount: z.string(),
    beforeCapsMinor: z.number().int(),
    reducedByCapsMinor: z.number().int(),
    owingLines: z.number().int(),
  }),
);

export const SettlementLine = component(
  'SettlementLine',
  z.strictObject({
    rule: z.strictObject({
      index: z.number().int(),
      id: z.string().nullable(),
      type: z.enum(['credit_tiers', 'fine', 'per_unit']),
      path: z.string(),
    }),
    targetId: z.string(),
    compliance: z
      .strictObject({
        state: TargetStateSchema,
        value: z.number().nullable(),
        target: z.number(),
        comparator: ComparatorSchema,
        unit: Unit,
        window: z.strictObject({ from: Instant, to: Instant, label: z.string() }),
        text: z.string(),
        reason: z.string().optional(),
      })
      .nullable(),
    applied: z.string(),
    band: z
      .strictObject({
        index: z.number().int(),
        below: z.number().optional(),
        above: z.number().optional(),
        credit: z.number().optional(),
        amount: z.string().optional(),
      })
      .nullable(),
    units: z
      .strictObject({
        unit: z.enum(['hour_over_budget', 'breached_ticket']),
        count: z.number(),
        overMs: z.number().optional(),
        tickets: z.array(z.string()).optional(),
      })
      .nullable(),
    form: z.enum(LINE_FORMS),
    currency: z.string(),
    computedMinor: z.number().int(),
    amountMinor: z.number().int(),
    amount: z.string(),
    cap: z
      .strictObject({
        cap: z.enum(['per_period', 'per_year']),
        reducedByMinor: z.number().int(),
        remainingBeforeMinor: z.number().int(),
        limitMinor: z.number().int(),
      })
      .nullable(),
    due: z
      .strictObject({
        date: CivilDate.describe('The last day on which paying is on time.'),
        from: Instant.describe('What the count starts from.'),
        days: z.number().int(),
        basis: z.enum(['period_end', 'breach']),
      })
      .nullable(),
    nothingOwed: z.enum(NOTHING_OWED).nullable(),
    excluded: z.array(z.strictObject({ id: z.string(), reason: z.string() })),
    reason: z.string(),
    reasonWhy: Clauses('reason'),
    notes: z.array(z.string()),
    notesWhy: Clauses('notes, one clause per note,'),
  }),
);

export const Settlement = component(
  'Settlement',
  z
    .strictObject({
      agreementId: z.string().nullable(),
      customerId: z.string().nullable(),
      period: z.strictObject({ from: Instant, to: Instant, label: z.string(), zone: z.string(), firstDay: CivilDate, lastDay: CivilDate }),
      fee: z.strictObject({ period: FeeFigure.nullable(), year: FeeFigure.nullable() }),
      grace: z
        .strictObject({
          start: Instant.describe('The term start.'),
          end: Instant.describe('The end of the grace period (exclusive).'),
          firstDay: CivilDate,
          lastDay: CivilDate,
          text: z.string(),
          applies: z.enum(['whole_period', 'partly', 'no']),
          reason: z.string(),
          reasonWhy: Clauses('reason'),
        })
        .nullable(),
      contractYear: ContractYear.nullable(),
      lines: z.array(SettlementLine),
      totals: z.array(CurrencyTotal),
      caps: z.array(
        z.strictObject({
          cap: z.enum(['per_period', 'per_year']),
          currency: z.string(),
          limitMinor: z.number().int(),
          limit: z.string(),
          basis: z.string(),
          earlierMinor: z.number().int(),
          usedMinor: z.number().int(),
          reducedByMinor: z.number().int(),
          reached: z.boolean(),
          year: ContractYear.nullable(),
        }),
      ),
      termination: z.array(
        z.strictObject({
          rightId: z.string(),
          target: z.string(),
          description: z.string().nullable(),
          rule: z.enum(['consecutive', 'in_year']),
          threshold: z.number().int(),
          count: z.number().int(),
          triggered: z.boolean(),
          periods: z.array(z.string()),
          reason: z.string(),
          reasonWhy: Clauses('reason'),
        }),
      ),
      summary: z.string(),
      summaryWhy: Clauses('summary'),
      notes: z.array(z.string()),
      notesWhy: Clauses('notes, one clause per note,'),
    })
    .describe('What is owed for one billing period, and why (docs/penalties.md).'),
);

export const SettlementRow = component(
  'SettlementRow',
  z.strictObject({ agreement: z.string(), period: z.string(), updatedAt: Instant, settlement: Settlement }),
);
export const SettlementPage = page('SettlementPage', SettlementRow);

export const Clock = component(
  'Clock',
  z.strictObject({
    agreement: z.string(),
    target: z.string(),
    cycle: z.number().int(),
    kind: z.enum(members<ClockKind>()(['response', 'resolution'])),
    priority: z.string().nullable(),
    state: ClockStateSchema,
    start: Instant,
    stop: Instant.nullable().describe('null while running.'),
    deadline: Instant.nullable().describe('null when it can never run out.'),
    breachAt: Instant.nullable(),
    elapsedMs: z.number(),
    pausedMs: z.number(),
    targetMs: z.number(),
    consumed: z.number().describe('elapsedMs / targetMs.'),
    eventIds: z.array(z.string()),
    timeline: z
      .array(
        z.strictObject({
          from: Instant,
          to: Instant,
          kind: z.enum(members<SegmentKind>()(['counted', 'paused', 'outside_hours', 'stopped'])),
          countedMs: z.number(),
          reason: z.string(),
        }),
      )
      .optional()
      .describe(
        "The timeline: counted, paused (and why), outside working hours, stopped; recomputed from the ticket's events as of updatedAt.",
      ),
    updatedAt: Instant,
  }),
);

export const Ticket = z.strictObject({
  ticket: z.string(),
  source: z.string().describe("The ticket's source (desk); empty when its events name none. A ticket is its source and id."),
  customer: z.string().optional(),
  service: z.string().optional(),
  events: z.array(Event),
  clocks: z.array(Clock),
});

const atRiskOrBreached = z.enum(['at_risk', 'breached']);
export const Status = component(
  'Status',
  z.strictObject({
    now: Instant,
    tickets: z.array(
      z.strictObject({
        agreement: z.string(),
        target: z.string(),
        ticket: z.string(),
        source: z.string().describe("The ticket's source (desk); empty when its events name none."),
        cycle: z.number().int(),
        state: atRiskOrBreached,
        consumed: z.number(),
        deadline: Instant.nullable(),
        breachAt: Instant.nullable(),
      }),
    ),
    targets: z.array(
      z.strictObject({
        agreement: z.string(),
        target: z.string(),
        window: z.string(),
        state: atRiskOrBreached,
        value: z.number().nullable(),
        promised: z.string(),
        reason: z.string(),
      }),
    ),
  }),
);

export const Report = component(
  'Report',
  z.strictObject({
    agreement: z.string(),
    name: z.string(),
    customer: z.string().nullable(),
    period: z.strictObject({ label: z.string(), from: Instant, to: Instant, zone: z.string() }),
    lines: z.array(
      z.strictObject({
        target: z.string(),
        name: z.string(),
        metric: z.string(),
        window: z.string(),
        state: z.enum([...TARGET_STATES, 'not_measured']),
        value: z.number().nullable(),
        promised: z.string(),
        margin: z.number().nullable(),
        reason: z.string(),
        reasonWhy: Clauses('reason'),
        note: z.string().nullable().describe('A remark that is not a state, e.g. a finished window met with little margin.'),
        noteWhy: Clauses('note'),
        contributors: z.number().int().describe('How many tickets or outages the figure came from.'),
        owed: z.string().nullable(),
        due: CivilDate.nullable(),
      }),
    ),
    totals: z.array(CurrencyTotal),
    summary: z.string(),
    settlement: Settlement.nullable().describe('null when the agreement sets no penalties.'),
  }),
);

export const RebuildReport = z.strictObject({
  agreements: z.number().int(),
  events: z.number().int(),
  clocks: z.number().int(),
  compliance: z.number().int(),
  settlements: z.number().int(),
  watermark: z.number().int(),
  problems: z.array(z.string()).describe('Agreements that could not be evaluated, and why.'),
  stale: z
    .boolean()
    .optional()
    .describe('Every attempt was overtaken by a change to the agreements or calendars: nothing was written; the next read recomputes.'),
});

// ---------------------------------------------------------------------------------------------
// Calendars, audit, tokens, system

export const Calendar = component(
  'Calendar',
  z.strictObject({
    name: z.string(),
    format: z.enum(members<CalendarFormat>()(['yaml', 'json'])),
    source: z.string().describe('The document as written.'),
    etag: z.string(),
    updatedAt: Instant,
    updatedBy: z.string(),
  }),
);
export const CalendarWrite = z.strictObject({ result: z.enum(['created', 'updated', 'unchanged']), calendar: Calendar });
export const CalendarList = z.strictObject({ items: z.array(Calendar) });

export const AuditEntry = component(
  'AuditEntry',
  z.strictObject({
    seq: z.number().int(),
    at: Instant,
    actor: z.string(),
    action: z.string().describe('e.g. agreement.amend, token.create, events.ingest'),
    subject: z.string().describe('e.g. agreement:gold, token:tok_123'),
    before: z.unknown().optional().describe('The state before (any JSON; instants in it as ISO 8601).'),
    after: z.unknown().optional().describe('The state after (any JSON; instants in it as ISO 8601).'),
  }),
);
export const AuditPage = page('AuditPage', AuditEntry);

const MoneyFigure = z.strictObject({
  currency: z.string(),
  amountMinor: z.number().int().describe("In the currency's minor unit (cents)."),
  amount: z.string(),
});
const PortfolioTally = {
  agreements: z.number().int(),
  breached: z.number().int(),
  atRisk: z.number().int(),
  met: z.number().int(),
  noData: z.number().int(),
  owed: z.array(MoneyFigure).describe("What the agreements' latest settled periods owe, per currency."),
};
/** A window's error budget (src/core/alerts/health.ts windowBudget): what is left of it and how fast it burns. */
const WindowBudgetSchema = component(
  'WindowBudget',
  z
    .strictObject({
      asOf: Instant.describe('The instant the figures were computed as of (the last time the window was brought up to date).'),
      left: z
        .number()
        .nullable()
        .describe(
          "Share of the allowance left: 1 - the compliance result's `consumed` (1 untouched, 0 used up, negative once overspent); " +
            'null when the target has no allowance.',
        ),
      burnRate: z
        .number()
        .nullable()
        .describe(
          'Over the window so far: the bad share measured (downtime over eligible time, or bad tickets over tickets counted) divided by ' +
            'the bad share the target allows. 1 spends the budget exactly by the window end, 2 by its middle; 0 when nothing bad was ' +
            'measured; null for a target not in percent or allowing nothing bad.',
        ),
      downtime: z
        .strictObject({
          allowedMs: z.number(),
          usedMs: z.number(),
          remainingMs: z.number().describe('Negative once exceeded.'),
        })
        .nullable()
        .describe("Availability: the downtime budget, ms (the compliance result's `budget`)."),
      items: z
        .strictObject({
          bad: z.number().int().describe('Tickets (items) that missed so far.'),
          total: z.number().int().describe('Tickets (items) counted so far.'),
          more: z
            .number()
            .int()
            .nullable()
            .describe('How many more may miss with the target still kept, if no good one comes in between; 0 once missed; null: no limit.'),
        })
        .nullable()
        .describe('A percentage over tickets (share within target, other ratios): the budget in tickets.'),
    })
    .describe('The error budget of a window as of `asOf`.'),
);

export const Portfolio = component(
  'Portfolio',
  z.strictObject({
    now: Instant,
    agreements: z.array(
      z.strictObject({
        id: z.string(),
        name: z.string(),
        kind: z.string(),
        level: z.string().nullable(),
        customer: z.string().nullable(),
        customerName: z.string().nullable(),
        services: z.array(z.string()),
        lifecycle: z.string(),
        health: z
          .enum(['breached', 'at_risk', 'met', 'no_data'])
          .describe("The worst state among its targets' current windows (breached, at_risk, met); no_data when none is measured yet."),
        targets: z.array(
          z.strictObject({
            target: z.string(),
            name: z.string(),
            metric: z.string().nullable(),
            unit: z.enum(['percent', 'seconds', 'count', 'number']),
            window: z.string(),
            from: Instant,
            to: Instant,
            state: z.string(),
            value: z.number().nullable(),
            comparator: z.string().nullable(),
            goal: z.number().nullable(),
            reason: z.string().nullable(),
            budget: WindowBudgetSchema.nullable().describe('The error budget of this window; null when none is stored yet.'),
          }),
        ),
        period: z.strictObject({ label: z.string(), owed: z.array(MoneyFigure) }).nullable(),
      }),
    ),
    customers: z.array(z.strictObject({ customer: z.string(), name: z.string().nullable(), ...PortfolioTally })),
    totals: z.strictObject(PortfolioTally),
  }),
);

export const Watermelon = component(
  'Watermelon',
  z.strictObject({
    period: z.strictObject({ label: z.string(), from: z.string(), to: z.string(), zone: z.string() }),
    thresholds: z.strictObject({ csatBelow: z.number(), reopenAbove: z.number() }),
    rows: z.array(
      z.strictObject({
        customer: z.string(),
        service: z.string(),
        agreements: z.array(z.string()),
        sla: z.enum(['met', 'at_risk', 'breached', 'no_data']),
        targets: z.strictObject({ met: z.number().int(), atRisk: z.number().int(), breached: z.number().int(), noData: z.number().int() }),
        tickets: z.strictObject({ created: z.number().int(), resolved: z.number().int(), reopened: z.number().int() }),
        reopenRate: z.number().nullable(),
        ratings: z.number().int(),
        csat: z.number().nullable(),
        meanRating: z.number().nullable(),
        waitedHours: z.strictObject({ median: z.number().nullable(), p90: z.number().nullable() }),
        watermelon: z.boolean().describe('SLA met while customers are unhappy (see why).'),
        why: z
          .array(
            z.discriminatedUnion('code', [
              z.strictObject({
                code: z.literal('csat_below'),
                params: z.strictObject({ csat: z.number(), csatBelow: z.number() }),
                message: z.string().describe('The reason in English.'),
              }),
              z.strictObject({
                code: z.literal('reopen_above'),
                params: z.strictObject({ reopenRate: z.number(), reopenAbove: z.number() }),
                message: z.string().describe('The reason in English.'),
              }),
            ]),
          )
          .describe(
            'Why it is flagged (empty when it is not): csat_below (CSAT, percent, under the csatBelow threshold) or reopen_above ' +
              '(the reopen rate, percent, over reopenAbove), each with its figures and an English message.',
          ),
      }),
    ),
  }),
);

export const AgreementHistory = component(
  'AgreementHistory',
  z.strictObject({
    agreement: z.string(),
    targets: z.array(
      z.strictObject({
        target: z.string(),
        metric: z.string().nullable(),
        unit: z.enum(['percent', 'seconds', 'count', 'number']),
        windows: z.array(
          z.strictObject({
            window: z.string(),
            from: Instant,
            to: Instant,
            state: z.string(),
            value: z.number().nullable(),
            comparator: z.string().nullable(),
            goal: z.number().nullable(),
            reason: z.string().nullable(),
            budget: WindowBudgetSchema.nullable().describe('The error budget of this window as of when it was last computed.'),
          }),
        ),
      }),
    ),
  }),
);

export const Token = component(
  'Token',
  z.strictObject({
    id: z.string(),
    name: z.string(),
    user: z.string(),
    role: z.enum(ROLES),
    customer: z.string().optional(),
    status: z.enum(['active', 'expired', 'revoked']),
    createdAt: Instant,
    expiresAt: Instant.optional(),
    lastUsedAt: Instant.optional(),
    revokedAt: Instant.optional(),
  }),
);
export const CreatedToken = z.strictObject({ token: Token, secret: z.string().describe('Shown only this once.') });
export const TokenList = z.strictObject({ items: z.array(Token) });

export const Health = z.strictObject({ status: z.literal('ok') });
export const Ready = z.strictObject({ status: z.literal('ready') });
export const OpenApiDocument = z
  .looseObject({
    openapi: z.string(),
    info: z.looseObject({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.unknown()),
  })
  .describe('This document (OpenAPI 3.1).');
export const Text = z.string();
