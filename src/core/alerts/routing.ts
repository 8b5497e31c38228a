/**
 * Escalation routing: an agreement's escalation matrix (`support.escalation`) and customer notices
 * (`support.notices`) turned into alert levels per target, each with its recipients.
 *
 * Rules (docs/alerts.md, "Escalation"):
 * - A matrix step applies to the targets it lists (all when it lists none). Its `when` is a level:
 *   on a ticket clock (response, resolution and fulfilment targets) `consumed` is a share of the
 *   ticket's target, `beforeBreach` the working time left, `atBreach` the breach, `afterBreach`
 *   "breached for" in working time; on a window target (uptime, shares, KPIs) `consumed` is the
 *   share of the allowance used, `beforeBreach` the budget running out within that time at the
 *   recent pace, `atBreach` the window's breach, `afterBreach` breached for that wall-clock time.
 *   Steps at the same level merge their recipients; the level's escalation is the highest step.
 * - Without a step for a target, its levels are the defaults (levels.ts: 50%, 75%, 90%, breach;
 *   for windows also the burn-rate rules, exhaustion and projection), sent to the default
 *   recipients (the tenant's default internal destination unless told otherwise).
 * - Levels the matrix cannot express (burn rates, exhaustion, projection, the window levels of a
 *   time target) and a breach the matrix leaves out go to the recipients of the target's lowest
 *   escalation step: a breach is always reported, to someone.
 * - Audiences: the matrix and the defaults route only to internal recipients; `support.notices`
 *   only to customer recipients. A destination whose configured audience differs from its route's
 *   (`destinationAudience`) is dropped and reported in `issues`: an internal alert never reaches a
 *   customer audience, whatever the configuration says.
 * - A `who` that is the name of one of the party's contacts (provider contacts for the matrix,
 *   customer contacts for notices; trimmed, case-insensitive) carries that contact.
 */
import type { AgreementSpec } from '../agreements/schema.ts';
import { parseDuration } from '../time/duration.ts';
import { recipientKey } from './keys.ts';
import { clockLevel, defaultClockRules, defaultWindowRules, DEFAULT_BURN_RULES, sortClockLevels, windowLevel } from './levels.ts';
import type { AgreementRoutes, Audience, BurnRule, ClockRule, Medium, Recipient, RoutedLevel, TargetRoute, WindowRule } from './types.ts';

const TIME_METRICS = new Set(['response_time', 'resolution_time', 'fulfilment_time']);

/** The tenant's default internal destination, resolved by delivery. */
export const DEFAULT_RECIPIENT: Recipient = { audience: 'internal', who: 'default', medium: null, destination: 'default' };

export interface RoutingOptions {
  /** Recipients of targets without a matrix step. Default: [DEFAULT_RECIPIENT]. Must be internal. */
  defaultRecipients?: readonly Recipient[];
  /** Clock levels of targets without a matrix step. Default: 50%, 75%, 90% (and the target's warnAt), breach. */
  clockRules?: readonly ClockRule[];
  /** Burn-rate rules of window targets. Default: DEFAULT_BURN_RULES (fast and slow). */
  burnRules?: readonly BurnRule[];
  /** The audience a destination id is configured for, when known (from the tenant's destinations). */
  destinationAudience?: (id: string) => Audience | undefined;
}

type Step = NonNullable<AgreementSpec['support']>['escalation'][number];
type Notice = NonNullable<AgreementSpec['support']>['notices'][number];
type Contact = AgreementSpec['parties']['provider']['contacts'][number];

function msOf(text: string): number {
  const d = parseDuration(text);
  return d.ok && d.value.kind === 'fixed' ? d.value.ms : 0;
}

export function routesOf(terms: AgreementSpec, opts: RoutingOptions = {}): AgreementRoutes {
  const issues: AgreementRoutes['issues'] = [];
  const audienceOf = opts.destinationAudience ?? (() => undefined);
  const burnRules = opts.burnRules ?? DEFAULT_BURN_RULES;
  const defaults = (opts.defaultRecipients ?? [DEFAULT_RECIPIENT]).filter((r) => {
    if (r.audience === 'internal') return true;
    issues.push({ path: 'defaultRecipients', message: `default recipient "${r.who}" is not internal: dropped` });
    return false;
  });

  const contactOf = (who: string, contacts: readonly Contact[]): Recipient['contact'] => {
    const want = who.trim().toLowerCase();
    const c = contacts.find((x) => x.name.trim().toLowerCase() === want);
    if (!c) return undefined;
    return { name: c.name, ...(c.email !== undefined ? { email: c.email } : {}), ...(c.phone !== undefined ? { phone: c.phone } : {}) };
  };
  const recipientsOf = (
    e: { who: string; how: readonly Medium[]; to?: readonly string[] | undefined },
    audience: Audience,
    contacts: readonly Contact[],
    path: string,
  ): Recipient[] => {
    const contact = contactOf(e.who, contacts);
    const base = { audience, who: e.who, ...(contact ? { contact } : {}) };
    const out: Recipient[] = e.how.map((m) => ({ ...base, medium: m, destination: null }));
    (e.to ?? []).forEach((d, j) => {
      const configured = audienceOf(d);
      if (configured !== undefined && configured !== audience) {
        issues.push({
          path: `${path}.to[${j}]`,
          message: `destination "${d}" is configured for the ${configured} audience; this route is ${audience}: dropped`,
        });
        return;
      }
      out.push({ ...base, medium: null, destination: d });
    });
    return out;
  };

  const steps = (terms.support?.escalation ?? []).map((s, i) => ({
    step: s,
    recipients: recipientsOf(s, 'internal', terms.parties.provider.contacts, `support.escalation[${i}]`),
  }));
  const customerContacts = terms.parties.customer?.contacts ?? [];
  const notices = (terms.support?.notices ?? []).map((n, i) => ({
    notice: n,
    recipients: recipientsOf(n, 'customer', customerContacts, `support.notices[${i}]`),
  }));
  const noticeRecipients = (pred: (n: Notice) => boolean): Recipient[] =>
    uniq(notices.filter((n) => pred(n.notice)).flatMap((n) => n.recipients));

  const targets: Record<string, TargetRoute> = {};
  for (const t of terms.targets) {
    const mine = steps.filter((s) => s.step.targets === undefined || s.step.targets.includes(t.id));
    const lowest = mine.length > 0 ? Math.min(...mine.map((s) => s.step.level)) : null;
    const fallback: { recipients: Recipient[]; escalation: number | null } =
      lowest === null
        ? { recipients: [...defaults], escalation: null }
        : { recipients: uniq(mine.filter((s) => s.step.level === lowest).flatMap((s) => s.recipients)), escalation: lowest };
    const isTime = TIME_METRICS.has(t.metric) && t.clock !== undefined;

    let clock: RoutedLevel<ClockRule>[] = [];
    if (isTime) {
      if (mine.length === 0) {
        clock = (opts.clockRules ?? defaultClockRules(t.warnAt)).map((r) => ({ level: clockLevel(r), ...fallback }));
      } else {
        clock = merge(mine.map((s) => ({ level: clockLevel(clockRuleOf(s.step)), escalation: s.step.level, recipients: s.recipients })));
        if (!clock.some((l) => l.level.rule.kind === 'at_breach')) clock.push({ level: clockLevel({ kind: 'at_breach' }), ...fallback });
      }
      sortClockLevels(clock);
    }

    let window: RoutedLevel<WindowRule>[];
    if (isTime || mine.length === 0) {
      window = defaultWindowRules(t.warnAt, burnRules).map((r) => ({ level: windowLevel(r), ...fallback }));
    } else {
      window = merge(mine.map((s) => ({ level: windowLevel(windowRuleOf(s.step)), escalation: s.step.level, recipients: s.recipients })));
      const extra: WindowRule[] = [
        ...burnRules.map((rule): WindowRule => ({ kind: 'burn_rate', rule })),
        { kind: 'exhaustion' },
        { kind: 'projection' },
      ];
      if (!window.some((l) => l.level.rule.kind === 'breach')) extra.push({ kind: 'breach' });
      for (const r of extra) {
        const level = windowLevel(r);
        if (!window.some((l) => l.level.id === level.id)) window.push({ level, ...fallback });
      }
    }

    targets[t.id] = {
      agreement: terms.id,
      target: t.id,
      clock,
      window,
      breachNotice: noticeRecipients((n) => n.notice === 'breach' && (n.targets === undefined || n.targets.includes(t.id))),
    };
  }
  return {
    agreement: terms.id,
    targets,
    notices: {
      credit_owed: noticeRecipients((n) => n.notice === 'credit_owed'),
      maintenance: noticeRecipients((n) => n.notice === 'maintenance'),
    },
    issues,
  };
}

function clockRuleOf(s: Step): ClockRule {
  const w = s.when;
  if ('consumed' in w) return { kind: 'consumed', share: w.consumed };
  if ('beforeBreach' in w) return { kind: 'before_breach', ms: msOf(w.beforeBreach) };
  if ('atBreach' in w) return { kind: 'at_breach' };
  return { kind: 'after_breach', ms: msOf(w.afterBreach) };
}

function windowRuleOf(s: Step): WindowRule {
  const w = s.when;
  if ('consumed' in w) return { kind: 'budget', share: w.consumed };
  if ('beforeBreach' in w) return { kind: 'exhaustion', withinMs: msOf(w.beforeBreach) };
  if ('atBreach' in w) return { kind: 'breach' };
  return { kind: 'after_breach', ms: msOf(w.afterBreach) };
}

/** Merges levels with the same id: recipients united (first seen first), escalation the highest. */
function merge<R>(levels: RoutedLevel<R>[]): RoutedLevel<R>[] {
  const byId = new Map<string, RoutedLevel<R>>();
  for (const l of levels) {
    const had = byId.get(l.level.id);
    if (!had) byId.set(l.level.id, { ...l, recipients: uniq(l.recipients) });
    else {
      had.recipients = uniq([...had.recipients, ...l.recipients]);
      had.escalation = Math.max(had.escalation ?? 0, l.escalation ?? 0) || null;
    }
  }
  return [...byId.values()];
}

function uniq(rs: readonly Recipient[]): Recipient[] {
  const seen = new Set<string>();
  const out: Recipient[] = [];
  for (const r of rs) {
    const k = recipientKey(r);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(r);
    }
  }
  return out;
}
