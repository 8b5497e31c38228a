/**
 * Observations turned into subject reports: for one ticket clock, one window of a target, or one
 * customer notice, every level its route defines, with the condition when the level holds now and
 * the reason when it does not. The evaluation (evaluate.ts) compares them with the alerts it
 * knows; it never looks at clocks or windows itself.
 *
 * Ticket clocks (the clock must be live: computed as of `now`):
 * - a warning or a "breached for" reminder holds while the clock is open and has reached the level
 *   (thresholds.ts, isClockLevelDue): a clock paused at 74% does not hold its 75% warning;
 * - the breach holds once the engine found one. While the clock is open it is ongoing; on a
 *   stopped clock it is one-off: reported once (also when first seen after the ticket was
 *   resolved: late events), then resolved with the reason;
 * - a customer breach notice (the agreement's `support.notices`) is one-off, with customer-facing
 *   facts only.
 * Window targets (health.ts): budget shares, burn-rate rules, exhaustion, projection and
 * "breached for" hold only while the window is open; the breach holds while the window is open and
 * becomes one-off once it closes.
 */
import type { BusinessCalendar } from '../calendar/types.ts';
import type { ClockResult } from '../clock/types.ts';
import { ticketRef } from '../clock/tickets.ts';
import { compactMs } from '../time/duration.ts';
import { formatInstant } from '../time/instant.ts';
import { percentText } from './levels.ts';
import { clockInstants, phaseOf } from './thresholds.ts';
import type { WindowHealth } from './health.ts';
import type {
  AgreementRoutes,
  AlertDetails,
  AlertSubject,
  ClockRule,
  Condition,
  NoticeKind,
  RoutedLevel,
  SubjectReport,
  TargetRoute,
  WindowRule,
} from './types.ts';

const pct = (x: number) => `${percentText(x)}%`;
const dur = (ms: number) => (Number.isFinite(ms) ? compactMs(Math.round(ms)) : 'never');

export interface ClockObservation {
  agreement: string;
  /** The clock as of `now` (with segments, from explain, the instants levels were reached are exact). */
  clock: ClockResult;
  /** The clock target's calendar. */
  calendar: BusinessCalendar;
}

function clockLevelText(rule: ClockRule, targetMs: number): string {
  switch (rule.kind) {
    case 'consumed':
      return `reached ${pct(rule.share)} of its ${dur(targetMs)} target`;
    case 'before_breach':
      return `has ${dur(rule.ms)} or less left of its ${dur(targetMs)} target`;
    case 'at_breach':
      return `breached its ${dur(targetMs)} target`;
    case 'after_breach':
      return `has been breached for ${dur(rule.ms)} of working time`;
  }
}

export function clockReport(obs: ClockObservation, route: TargetRoute, now: number): SubjectReport {
  const c = obs.clock;
  const subject: AlertSubject = {
    kind: 'clock',
    agreement: obs.agreement,
    target: c.target,
    source: c.source ?? '',
    ticket: c.ticket,
    cycle: c.cycle,
  };
  const zone = obs.calendar.zone;
  const iso = (t: number | null) => (t === null || !Number.isFinite(t) ? null : formatInstant(t, zone));
  const phase = phaseOf(c);
  const ref = ticketRef(c);
  const stopped = phase === 'stopped';
  const stopText = stopped ? `the ticket's ${c.kind} clock stopped at ${iso(c.stop)} (${c.state})` : '';
  const details: AlertDetails = {
    ticket: ref,
    target: c.target,
    cycle: c.cycle,
    priority: c.priority,
    used: pct(c.consumed),
    elapsed: dur(c.elapsedMs),
    targetTime: dur(c.targetMs),
    deadline: iso(c.deadline),
    breachAt: iso(c.breachAt),
    state: c.state,
    phase,
  };
  const instants = clockInstants(
    c,
    route.clock.map((l) => l.level),
    obs.calendar,
    now,
  );
  const levels: SubjectReport['levels'] = route.clock.map((rl: RoutedLevel<ClockRule>, i) => {
    const inst = instants[i]!;
    const rule = rl.level.rule;
    if (inst.status !== 'due') {
      const reason = stopped
        ? stopText
        : phase === 'paused'
          ? `paused at ${pct(c.consumed)} used, below the level`
          : `${pct(c.consumed)} used, below the level`;
      return { level: rl.level.id, condition: null, reason };
    }
    const kind = rule.kind === 'at_breach' ? 'breach' : rule.kind === 'after_breach' ? 'overdue' : 'warning';
    const oneOff = kind === 'breach' && stopped;
    const condition: Condition = {
      level: rl.level.id,
      kind,
      severity: rl.level.severity,
      audience: 'internal',
      escalation: rl.escalation,
      recipients: rl.recipients,
      summary: `${obs.agreement} ${c.target}: ticket ${ref} ${clockLevelText(rule, c.targetMs)}${c.priority ? ` (${c.priority})` : ''}`,
      details: { ...details, level: rl.level.id },
      startsAt: inst.at ?? now,
      ongoing: !oneOff,
      ...(oneOff ? { endReason: stopText } : {}),
    };
    return { level: rl.level.id, condition, reason: '' };
  });
  if (route.breachNotice.length > 0) {
    const breached = c.breachAt !== null;
    levels.push({
      level: 'notice-breach',
      condition: breached
        ? {
            level: 'notice-breach',
            kind: 'notice',
            severity: 'critical',
            audience: 'customer',
            escalation: null,
            recipients: route.breachNotice,
            summary: `Ticket ${ref}: the ${c.target} target of ${dur(c.targetMs)} was missed at ${iso(c.breachAt)}`,
            details: { ticket: ref, target: c.target, priority: c.priority, targetTime: dur(c.targetMs), breachAt: iso(c.breachAt) },
            startsAt: c.breachAt!,
            ongoing: false,
            endReason: 'the customer was notified',
          }
        : null,
      reason: 'no breach',
    });
  }
  return { subject, levels };
}

// ---------------------------------------------------------------------------------------------

export interface WindowObservation {
  agreement: string;
  health: WindowHealth;
  /** Zone for instants in messages (the agreement's). Default UTC. */
  zone?: string;
}

export function windowReport(obs: WindowObservation, route: TargetRoute, now: number): SubjectReport {
  const h = obs.health;
  const zone = obs.zone ?? 'UTC';
  const iso = (t: number | null) => (t === null || !Number.isFinite(t) ? null : formatInstant(t, zone));
  const subject: AlertSubject = {
    kind: 'window',
    agreement: obs.agreement,
    target: h.target,
    window: h.window.label,
    from: h.window.from,
    to: h.window.to,
  };
  const closed = h.closed || now >= h.window.to;
  const breached = h.state === 'breached';
  const name = `${obs.agreement} ${h.target} in ${h.window.label}`;
  const details: AlertDetails = {
    target: h.target,
    window: h.window.label,
    state: h.state,
    value: h.value,
    used: h.consumed === null ? null : pct(h.consumed),
    budgetLeft: h.budget ? dur(h.budget.remainingMs) : null,
    allowance: h.allowance?.text ?? null,
    exhaustsAt: iso(h.exhaustsAt),
    breachAt: iso(h.breachAt),
  };
  const missing = (proj: typeof h.projection) => proj?.misses === true;
  const holds = (rule: WindowRule): { ok: boolean; why: string; text: string; extra?: AlertDetails } => {
    if (rule.kind === 'breach') return { ok: breached, why: `state ${h.state}`, text: `is breached` };
    if (closed) return { ok: false, why: `the window closed (${h.state})`, text: '' };
    switch (rule.kind) {
      case 'budget':
        return {
          ok: h.consumed !== null && h.consumed >= rule.share && h.state !== 'no_data',
          why: h.consumed === null ? 'no allowance to use up' : `${pct(h.consumed)} of the allowance used`,
          text: `has used ${h.consumed === null ? '?' : pct(h.consumed)} of its allowance (level ${pct(rule.share)})`,
        };
      case 'burn_rate': {
        const b = h.burn.find((x) => x.rule.id === rule.rule.id);
        const rate = (x: number) => String(Math.round(x * 100) / 100);
        return {
          ok: b?.firing === true,
          why: b
            ? `burn rate ${rate(b.long.rate)} over ${dur(rule.rule.longMs)}, ${rate(b.short.rate)} over ${dur(rule.rule.shortMs)}`
            : 'not measured',
          text: b
            ? `burns its budget ${rate(b.long.rate)}x too fast over ${dur(rule.rule.longMs)} (${rate(b.short.rate)}x over ${dur(rule.rule.shortMs)}; fires at ${rate(b.threshold)})`
            : '',
          ...(b ? { extra: { burnRate: Math.round(b.long.rate * 100) / 100, burnThreshold: Math.round(b.threshold * 100) / 100 } } : {}),
        };
      }
      case 'exhaustion': {
        const at = h.exhaustsAt;
        const ok = at !== null && (rule.withinMs === undefined || at - now <= rule.withinMs);
        return {
          ok,
          why: at === null ? 'the budget lasts the window at the recent pace' : `runs out at ${iso(at)}`,
          text: `runs out of budget at ${iso(at)} at the recent pace`,
        };
      }
      case 'projection': {
        const p = h.projection;
        return { ok: missing(p), why: p?.text ?? 'no projection', text: `is projected to miss: ${p?.text ?? ''}` };
      }
      case 'after_breach': {
        const ok = breached && h.breachAt !== null && now >= h.breachAt + rule.ms;
        return { ok, why: breached ? 'breached more recently' : `state ${h.state}`, text: `has been breached for ${dur(rule.ms)}` };
      }
    }
  };
  const levels: SubjectReport['levels'] = route.window.map((rl) => {
    const rule = rl.level.rule;
    const r = holds(rule);
    if (!r.ok) return { level: rl.level.id, condition: null, reason: r.why };
    const kind =
      rule.kind === 'breach'
        ? 'breach'
        : rule.kind === 'after_breach'
          ? 'overdue'
          : rule.kind === 'budget'
            ? 'budget'
            : rule.kind === 'burn_rate'
              ? 'burn_rate'
              : rule.kind;
    const oneOff = rule.kind === 'breach' && closed;
    const condition: Condition = {
      level: rl.level.id,
      kind,
      severity: rl.level.severity,
      audience: 'internal',
      escalation: rl.escalation,
      recipients: rl.recipients,
      summary: `${name} ${r.text}`,
      details: { ...details, ...(r.extra ?? {}), level: rl.level.id },
      startsAt: rule.kind === 'breach' ? (h.breachAt ?? now) : now,
      ongoing: !oneOff,
      ...(oneOff ? { endReason: `the window closed ${h.state}` } : {}),
    };
    return { level: rl.level.id, condition, reason: '' };
  });
  if (route.breachNotice.length > 0) {
    levels.push({
      level: 'notice-breach',
      condition: breached
        ? {
            level: 'notice-breach',
            kind: 'notice',
            severity: 'critical',
            audience: 'customer',
            escalation: null,
            recipients: route.breachNotice,
            summary: `The ${h.target} target is missed for ${h.window.label}`,
            details: { target: h.target, window: h.window.label, value: h.value, breachAt: iso(h.breachAt) },
            startsAt: h.breachAt ?? now,
            ongoing: false,
            endReason: 'the customer was notified',
          }
        : null,
      reason: 'no breach',
    });
  }
  return { subject, levels };
}

// ---------------------------------------------------------------------------------------------

export interface NoticeObservation {
  agreement: string;
  notice: Exclude<NoticeKind, 'breach'>;
  /** What it is about, stable: the billing period of a credit ("2026-03"), the maintenance window's id. */
  ref: string;
  /** Customer-facing: what the customer reads. */
  summary: string;
  details: AlertDetails;
  /** When it became due (credit settled, maintenance announced). */
  at: number;
}

/** A customer notice (credit owed, maintenance), one-off, to the agreement's notice recipients. */
export function noticeReport(obs: NoticeObservation, routes: AgreementRoutes): SubjectReport {
  const subject: AlertSubject = { kind: 'notice', agreement: obs.agreement, notice: obs.notice, ref: obs.ref };
  const recipients = routes.notices[obs.notice];
  const level = `notice-${obs.notice}`;
  if (recipients.length === 0)
    return { subject, levels: [{ level, condition: null, reason: 'the agreement names no one for these notices' }] };
  return {
    subject,
    levels: [
      {
        level,
        condition: {
          level,
          kind: 'notice',
          severity: 'info',
          audience: 'customer',
          escalation: null,
          recipients,
          summary: obs.summary,
          details: obs.details,
          startsAt: obs.at,
          ongoing: false,
          endReason: 'the customer was notified',
        },
        reason: '',
      },
    ],
  };
}
