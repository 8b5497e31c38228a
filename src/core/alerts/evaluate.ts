/**
 * One evaluation step: (alerts known, subject reports, silences, now) -> alerts to open, update and
 * resolve, and the notifications they cause. Pure and deterministic: the same input gives the same
 * records, ids and idempotency keys in any process, so two evaluators racing on the same facts
 * write the same rows (a unique constraint makes the second a no-op) and never two notifications.
 *
 * Input contract: `current` holds, for every subject reported, the latest alert of each of its
 * dedupe keys (active or resolved: one-offs and manual resolutions depend on it), and every active
 * alert of the tenant (silences, quiet times and inhibition are re-applied to them even without a
 * report). Subjects not reported are left as they are: the evaluation is incremental in the
 * subjects that changed.
 *
 * Rules (docs/alerts.md, "Lifecycle"):
 * - A condition that holds with no active alert opens one (occurrence + 1 after a resolved one);
 *   one that no longer holds resolves its active alert with the report's reason ("by pledge").
 *   A level no longer routed for a reported subject resolves its alert.
 * - One-off conditions (a breach first seen after the clock stopped, a customer notice) open once:
 *   the alert resolves as soon as its firing notification has gone out, and never opens again
 *   once announced (an earlier occurrence that ended without anyone told, silenced throughout, is
 *   not an announcement: the one-off opens anew).
 * - Resolved by a person while its condition still held: not opened again until an evaluation has
 *   seen the condition end (the alert is `rearmed` then).
 * - Inhibition: an active breach silences the warnings of the same subject (its clock cycle or its
 *   window): they stay recorded, marked inhibitedBy, and are not notified. A breach is never
 *   inhibited; "breached for" reminders and customer notices are not either.
 * - Silences in force hold notifications back (the alert is marked silencedBy); when the silence
 *   expires while the alert fires, the firing notification goes out then.
 * - Quiet times: a non-urgent firing notification outside the working time of the agreement's
 *   quiet calendar waits for its next working instant (heldUntil); urgent ones (critical, or to a
 *   pager, phone or sms) go at once.
 * - A firing notification goes to each recipient once (`notified`); an acknowledged alert notifies
 *   no one new. An acknowledgement and a resolution are notified to the internal recipients that
 *   were told it fired (customers get only the notice itself); an alert never announced (held,
 *   silenced, inhibited throughout) resolves silently, and so does a one-off born and resolved in
 *   the same step (its message already says it is over).
 */
import { describeValue, fail, ok, type Result } from '../validation/issues.ts';
import { alertId, dedupeKey, recipientKey, subjectKey } from './keys.ts';
import { intentFor } from './messages.ts';
import { inForce, silencedBy } from './silences.ts';
import {
  INHIBITED_BY_BREACH,
  type Alert,
  type AlertSubject,
  type Condition,
  type EvaluationResult,
  type Medium,
  type NotificationIntent,
  type QuietPolicy,
  type Severity,
  type Silence,
  type SubjectReport,
} from './types.ts';

export interface EvaluateInput {
  now: number;
  current: readonly Alert[];
  reports: readonly SubjectReport[];
  silences?: readonly Silence[];
  /** The quiet-time policy of an agreement, if it has one. */
  quiet?: (agreement: string) => QuietPolicy | undefined;
}

const DEFAULT_URGENT: readonly Severity[] = ['critical'];
const DEFAULT_URGENT_MEDIA: readonly Medium[] = ['pager', 'phone', 'sms'];

const clone = (a: Alert): Alert => structuredClone(a);
const same = (a: Alert, b: Alert) => JSON.stringify(a) === JSON.stringify(b);
const active = (a: Alert) => a.state !== 'resolved';

function openAlert(subject: AlertSubject, c: Condition, occurrence: number, now: number): Alert {
  const key = dedupeKey(subject, c.level);
  return {
    id: alertId(key, occurrence),
    dedupeKey: key,
    occurrence,
    subject,
    subjectKey: subjectKey(subject),
    level: c.level,
    kind: c.kind,
    severity: c.severity,
    audience: c.audience,
    escalation: c.escalation,
    summary: c.summary,
    details: c.details,
    recipients: c.recipients,
    state: 'firing',
    startsAt: c.startsAt,
    openedAt: now,
    updatedAt: now,
    acknowledged: null,
    resolved: null,
    inhibitedBy: null,
    silencedBy: [],
    notified: [],
    heldUntil: null,
    resolveWhenSent: c.ongoing ? null : (c.endReason ?? 'over'),
    rearmed: false,
  };
}

/** Takes over what a condition says now (its facts may move: consumed share, budget left, recipients). */
function refresh(a: Alert, c: Condition): void {
  a.summary = c.summary;
  a.details = c.details;
  a.severity = c.severity;
  a.escalation = c.escalation;
  a.recipients = c.recipients;
  if (!c.ongoing && a.resolveWhenSent === null) a.resolveWhenSent = c.endReason ?? 'over';
}

function resolve(a: Alert, by: string, why: string, now: number): void {
  a.state = 'resolved';
  a.resolved = { by, at: now, why };
  a.heldUntil = null;
}

export function evaluateAlerts(input: EvaluateInput): EvaluationResult {
  const { now } = input;
  const silences = input.silences ?? [];

  // The latest alert of each dedupe key; earlier occurrences are resolved and play no part.
  const latest = new Map<string, Alert>();
  for (const a of input.current) {
    const l = latest.get(a.dedupeKey);
    if (!l || a.occurrence > l.occurrence) latest.set(a.dedupeKey, a);
  }
  const bySubject = new Map<string, Alert[]>();
  for (const a of latest.values()) {
    const l = bySubject.get(a.subjectKey);
    if (l) l.push(a);
    else bySubject.set(a.subjectKey, [a]);
  }
  const work = new Map<string, Alert>();
  const edit = (a: Alert): Alert => {
    let w = work.get(a.id);
    if (!w) {
      w = clone(a);
      work.set(a.id, w);
    }
    return w;
  };
  const opened: Alert[] = [];

  // 1. Conditions against alerts.
  for (const r of input.reports) {
    const sk = subjectKey(r.subject);
    const seen = new Set<string>();
    for (const l of r.levels) {
      seen.add(l.level);
      const last = latest.get(dedupeKey(r.subject, l.level)) ?? null;
      const live = last && active(last) ? last : null;
      const manual = last !== null && last.resolved !== null && last.resolved.by !== 'pledge';
      const c = l.condition;
      if (c) {
        if (live) refresh(edit(live), c);
        else if (last && manual && !last.rearmed) continue;
        else if (last && !c.ongoing && (manual || last.notified.length > 0 || last.recipients.length === 0)) continue;
        else opened.push(openAlert(r.subject, c, (last?.occurrence ?? 0) + 1, now));
      } else if (live) resolve(edit(live), 'pledge', l.reason, now);
      else if (last && manual && !last.rearmed) edit(last).rearmed = true;
    }
    for (const a of bySubject.get(sk) ?? []) {
      if (!seen.has(a.level) && active(a)) resolve(edit(a), 'pledge', 'the level is no longer routed for this target', now);
    }
  }

  // The alerts as they stand now: the latest of each key (edited where edited), and the new ones.
  const live: Alert[] = [];
  for (const a of latest.values()) {
    const w = work.get(a.id) ?? a;
    if (active(w)) live.push(w);
  }
  for (const a of opened) live.push(a);
  const isNew = new Set(opened.map((a) => a.id));
  const touch = (a: Alert): Alert => (isNew.has(a.id) ? a : edit(a));

  // 2. Inhibition: an active breach silences its own subject's warnings.
  const breachOf = new Map<string, string>();
  for (const a of live) if (a.kind === 'breach') breachOf.set(a.subjectKey, breachOf.get(a.subjectKey) ?? a.id);
  for (const a of live) {
    const want = INHIBITED_BY_BREACH.has(a.kind) ? (breachOf.get(a.subjectKey) ?? null) : null;
    if (a.inhibitedBy !== want) touch(a).inhibitedBy = want;
  }

  // 3. Silences in force.
  for (const a of live) {
    const ids = silencedBy(a, silences, now);
    if (ids.join('\u0000') !== a.silencedBy.join('\u0000')) touch(a).silencedBy = ids;
  }

  // 4. Firing notifications, quiet times, one-offs done.
  const notify: NotificationIntent[] = [];
  for (const x of live) {
    let a = work.get(x.id) ?? x;
    if (a.state !== 'firing' || a.inhibitedBy !== null || a.silencedBy.length > 0) continue;
    const pending = a.recipients.filter((r) => !a.notified.includes(recipientKey(r)));
    const quiet = pending.length > 0 ? input.quiet?.(a.subject.agreement) : undefined;
    const urgentSeverity = (quiet?.urgent ?? DEFAULT_URGENT).includes(a.severity);
    const working = quiet === undefined || urgentSeverity || quiet.calendar.isWorking(now);
    const send = pending.filter((r) => working || (r.medium !== null && (quiet?.urgentMedia ?? DEFAULT_URGENT_MEDIA).includes(r.medium)));
    const held = pending.length > send.length ? quiet!.calendar.nextWorking(now) : null;
    const heldUntil = held !== null && Number.isFinite(held) ? held : null;
    if (send.length > 0 || heldUntil !== a.heldUntil) {
      a = touch(a);
      for (const r of send) {
        a.notified.push(recipientKey(r));
        notify.push(intentFor(a, 'firing', r, now));
      }
      a.heldUntil = heldUntil;
    }
    if (a.resolveWhenSent !== null && held === null) resolve(touch(a), 'pledge', a.resolveWhenSent, now);
  }

  // 5. Resolutions are notified to the internal recipients told before this step that it fired.
  const before = new Map(input.current.map((a) => [a.id, a]));
  for (const w of work.values()) {
    const was = before.get(w.id);
    if (!was || was.state === 'resolved' || w.state !== 'resolved' || w.audience !== 'internal') continue;
    for (const r of w.recipients) if (was.notified.includes(recipientKey(r))) notify.push(intentFor(w, 'resolved', r, now));
  }

  const open = opened.map((a) => work.get(a.id) ?? a);
  const update: Alert[] = [];
  const resolved: Alert[] = [];
  for (const w of work.values()) {
    const was = before.get(w.id);
    if (!was || isNew.has(w.id)) continue;
    if (same(w, was)) continue;
    w.updatedAt = now;
    if (w.state === 'resolved' && was.state !== 'resolved') resolved.push(w);
    else update.push(w);
  }
  for (const a of open) {
    if (a.state === 'resolved') a.updatedAt = now;
  }
  const all = [...live.map((a) => work.get(a.id) ?? a)];
  return { open, update, resolve: resolved, notify, wakeAt: wakeAtOf(all, silences, now) };
}

/**
 * The next instant an evaluation has something to do without new facts: a held notification's
 * quiet time ending, or a silence ending over an alert still to be announced. Null when nothing waits.
 */
export function wakeAtOf(alerts: readonly Alert[], silences: readonly Silence[], now: number): number | null {
  let best: number | null = null;
  const take = (t: number) => {
    if (t > now && Number.isFinite(t) && (best === null || t < best)) best = t;
  };
  const byId = new Map(silences.map((s) => [s.id, s]));
  for (const a of alerts) {
    if (a.state !== 'firing') continue;
    if (a.heldUntil !== null) take(a.heldUntil);
    const waiting = a.recipients.some((r) => !a.notified.includes(recipientKey(r)));
    if (!waiting || a.inhibitedBy !== null) continue;
    for (const id of a.silencedBy) {
      const s = byId.get(id);
      if (s && inForce(s, now)) take(s.endsAt);
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// People acting on alerts

export interface Action {
  by: string;
  at: number;
  why?: string;
}

function checkAction(act: Action, needWhy: boolean): Result<Action> {
  const issues = [];
  if (typeof act?.by !== 'string' || act.by.trim() === '' || act.by.length > 200)
    issues.push({
      path: 'by',
      message: 'expected who acts',
      expected: 'a non-empty name of at most 200 characters',
      received: describeValue(act?.by),
    });
  if (act?.by === 'pledge')
    issues.push({ path: 'by', message: '"pledge" is reserved for resolutions by Pledge itself', received: '"pledge"' });
  if (typeof act?.at !== 'number' || !Number.isFinite(act.at))
    issues.push({ path: 'at', message: 'expected an instant in epoch milliseconds', received: describeValue(act?.at) });
  if (needWhy ? !(typeof act?.why === 'string' && act.why.trim() !== '') : act?.why !== undefined && typeof act.why !== 'string')
    issues.push({ path: 'why', message: needWhy ? 'say why it is resolved' : 'expected a text', received: describeValue(act?.why) });
  else if (typeof act?.why === 'string' && act.why.length > 2000)
    issues.push({ path: 'why', message: 'at most 2000 characters', received: `${act.why.length} characters` });
  return issues.length > 0 ? fail(...issues) : ok(act);
}

const toldInternal = (a: Alert) => (a.audience === 'internal' ? a.recipients.filter((r) => a.notified.includes(recipientKey(r))) : []);

/**
 * A person acknowledges a firing alert: it stays until resolved, nobody new is told it fires, and
 * those who were told hear who took it. Acknowledging twice changes nothing; a resolved alert
 * cannot be acknowledged (an issue at `state`).
 */
export function acknowledgeAlert(alert: Alert, act: Action): Result<{ alert: Alert; notify: NotificationIntent[] }> {
  const v = checkAction(act, false);
  if (!v.ok) return v;
  if (alert.state === 'resolved')
    return fail({ path: 'state', message: 'the alert is resolved: nothing to acknowledge', received: `resolved by ${alert.resolved?.by}` });
  if (alert.state === 'acknowledged') return ok({ alert, notify: [] });
  const a = clone(alert);
  a.state = 'acknowledged';
  a.acknowledged = { by: act.by, at: act.at, ...(act.why !== undefined ? { why: act.why } : {}) };
  a.heldUntil = null;
  a.updatedAt = act.at;
  return ok({ alert: a, notify: toldInternal(a).map((r) => intentFor(a, 'acknowledged', r, act.at)) });
}

/**
 * A person resolves an alert, saying why. Its condition may still hold: the alert is then not
 * opened again until the condition has ended once (see the module comment). Resolving a resolved
 * alert changes nothing.
 */
export function resolveAlert(alert: Alert, act: Action): Result<{ alert: Alert; notify: NotificationIntent[] }> {
  const v = checkAction(act, true);
  if (!v.ok) return v;
  if (alert.state === 'resolved') return ok({ alert, notify: [] });
  const a = clone(alert);
  resolve(a, act.by, act.why!, act.at);
  a.rearmed = false;
  a.updatedAt = act.at;
  return ok({ alert: a, notify: toldInternal(a).map((r) => intentFor(a, 'resolved', r, act.at)) });
}
