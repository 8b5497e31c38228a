/**
 * The lifecycle of an agreement as a state machine over an append-only history of transitions.
 *
 *   draft --submit--> in_review --approve (both parties sign)--> approved --activate--> active
 *   in_review --request_changes--> draft
 *   active --suspend--> suspended --resume--> active
 *   active|suspended --expire (term end reached)--> expired --renew (new term)--> active
 *   active --renew (new term)--> active
 *   approved|active|suspended --terminate (reason)--> terminated   (final)
 *
 * Rules (see README.md for the reasons):
 * - A transition's `at` is the instant the new state begins. Transitions are kept in time order:
 *   a request earlier than the last recorded transition is refused, so the past is never
 *   rewritten. `at` may lie before the moment it is recorded (a termination letter dated last
 *   week) or after it (a termination at the end of the notice period); `recordedAt` keeps the
 *   moment of recording for the audit trail.
 * - Back-dated: a transition that takes effect before its `recordedAt` records what happened
 *   before it was entered (a contract signed last year, entered today), and is marked `backdated`.
 *   It may precede the agreement's creation in Pledge (that is when the draft was typed in, not
 *   when it was written), but never the previous transition. Signatures are facts already given: none may be
 *   dated after the moment of recording. Who may back-date is the access policy's business
 *   (src/core/access/policy.ts, `agreements.backdate`), not this module's.
 * - Approval records the signatures of both parties (who, when) and the signed term, whose start
 *   is the effective instant. Activation before that instant is accepted and *scheduled*: the
 *   transition takes effect at the term start, and `requestedAt` keeps when it was asked for. So
 *   an agreement is never active before its effective date, and signing and activating on the same
 *   day needs no job to flip the state later. Renewing an expired agreement is scheduled the same
 *   way at its new term start.
 * - Suspension and termination require a reason. Expiry requires a term end that has been reached;
 *   an open-ended term never expires (terminate it instead).
 * - Renewal starts a new term: from active, the new term starts after the current one starts and
 *   no later than its end (no gap while active); from expired, at or after the expiry.
 *
 * Pure: no clock is read; instants are epoch milliseconds given by the caller.
 */
import { describeValue, fail, ok, type Issue, type Result } from '../../validation/issues.ts';
import { checkInstant, checkOptionalText, checkText, isInstant, isPlainObject, showInstant } from './internal.ts';

export const LIFECYCLE_STATES = ['draft', 'in_review', 'approved', 'active', 'suspended', 'expired', 'terminated'] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

export const LIFECYCLE_ACTIONS = [
  'submit',
  'request_changes',
  'approve',
  'activate',
  'suspend',
  'resume',
  'expire',
  'terminate',
  'renew',
] as const;
export type LifecycleAction = (typeof LIFECYCLE_ACTIONS)[number];

export const SIGNING_PARTIES = ['provider', 'customer'] as const;
export type SigningParty = (typeof SIGNING_PARTIES)[number];

/** One signature on the agreement: which side, the person who signed, and when. */
export interface Signature {
  party: SigningParty;
  name: string;
  /** Role or title of the signer, e.g. "Head of Service Delivery". */
  title?: string;
  at: number;
}

/** A term of the agreement as instants: [start, end). No end means open-ended. */
export interface Term {
  start: number;
  end?: number;
}

export interface Transition {
  from: LifecycleState;
  to: LifecycleState;
  action: LifecycleAction;
  /** The instant the new state begins. */
  at: number;
  /** Who performed it (a user id or name). */
  by: string;
  reason?: string;
  /** approve: who signed for each party, and when. */
  signatures?: Signature[];
  /** approve: the signed term (its start is the effective instant); renew: the new term. */
  term?: Term;
  /** Set when a scheduled transition (activate, renew from expired) was asked for before it took effect. */
  requestedAt?: number;
  /** When the caller recorded the transition, for the audit trail. */
  recordedAt?: number;
  /** Recorded after it took effect (`at` before `recordedAt`): it changes a past already measured. */
  backdated?: true;
}

export interface LifecycleHistory {
  agreementId: string;
  /** When the agreement was created as a draft, and by whom. */
  createdAt: number;
  createdBy: string;
  /** In time order (non-decreasing `at`), each legal from the state the previous one left. */
  transitions: readonly Transition[];
}

export interface TransitionRequest {
  to: LifecycleState;
  at: number;
  by: string;
  /** The state the caller believes the agreement is in; refused when it is not (a stale view). */
  from?: LifecycleState;
  reason?: string;
  signatures?: Signature[];
  term?: Term;
  /** When the request is recorded (the caller's clock). With an earlier `at`, the transition is back-dated. */
  recordedAt?: number;
}

interface Rule {
  from: LifecycleState;
  to: LifecycleState;
  action: LifecycleAction;
}

/** The legal transitions. (from, to) identifies the action, so requests only name the target state. */
const RULES: readonly Rule[] = [
  { from: 'draft', to: 'in_review', action: 'submit' },
  { from: 'in_review', to: 'draft', action: 'request_changes' },
  { from: 'in_review', to: 'approved', action: 'approve' },
  { from: 'approved', to: 'active', action: 'activate' },
  // A signed agreement can be called off before it starts; it was never monitored.
  { from: 'approved', to: 'terminated', action: 'terminate' },
  { from: 'active', to: 'suspended', action: 'suspend' },
  { from: 'active', to: 'expired', action: 'expire' },
  { from: 'active', to: 'terminated', action: 'terminate' },
  { from: 'active', to: 'active', action: 'renew' },
  { from: 'suspended', to: 'active', action: 'resume' },
  // The term can run out while suspended; resuming just to let it expire would add a monitored gap.
  { from: 'suspended', to: 'expired', action: 'expire' },
  { from: 'suspended', to: 'terminated', action: 'terminate' },
  // A late renewal of a lapsed agreement; the lapse itself stays unmonitored.
  { from: 'expired', to: 'active', action: 'renew' },
];

/** The moves allowed from a state, in a fixed order. Terminated has none. */
export function legalTransitions(from: LifecycleState): Array<{ to: LifecycleState; action: LifecycleAction }> {
  return RULES.filter((r) => r.from === from).map(({ to, action }) => ({ to, action }));
}

export function isLifecycleState(v: unknown): v is LifecycleState {
  return typeof v === 'string' && (LIFECYCLE_STATES as readonly string[]).includes(v);
}

/** A new history: the agreement exists as a draft from `at`. */
export function createHistory(input: { agreementId: string; at: number; by: string }): Result<LifecycleHistory> {
  const issues: Issue[] = [];
  if (!isPlainObject(input))
    return fail({ path: '', message: 'expected an object', expected: '{ agreementId, at, by }', received: describeValue(input) });
  checkText(input.agreementId, 'agreementId', issues, 'an agreement id', 200);
  checkInstant(input.at, 'at', issues);
  checkText(input.by, 'by', issues, 'who created the agreement', 200);
  if (issues.length > 0) return fail(...issues);
  return ok({ agreementId: input.agreementId, createdAt: input.at, createdBy: input.by, transitions: [] });
}

/** The state after the last transition: the one the next transition starts from. */
export function currentState(history: LifecycleHistory): LifecycleState {
  const ts = transitionsOf(history);
  return ts.length > 0 ? ts[ts.length - 1]!.to : 'draft';
}

/**
 * The state at an instant (a transition at exactly t already applies); undefined before the
 * agreement is known to exist: its creation, or its first transition when that was back-dated
 * before the creation.
 */
export function stateAt(history: LifecycleHistory, instant: number): LifecycleState | undefined {
  if (!isInstant(instant) || !isPlainObject(history) || !isInstant(history.createdAt)) return undefined;
  const ts = transitionsOf(history);
  const known = Math.min(history.createdAt, ts[0]?.at ?? Infinity);
  if (instant < known) return undefined;
  let state: LifecycleState = 'draft';
  for (const t of ts) {
    if (t.at > instant) break;
    state = t.to;
  }
  return state;
}

/** The term in force after the last transition: from the approval, or the latest renewal. */
export function currentTerm(history: LifecycleHistory): Term | undefined {
  return latestTerm(transitionsOf(history));
}

/** The effective instant signed at approval (the first term's start), once approved. */
export function effectiveFrom(history: LifecycleHistory): number | undefined {
  const approval = transitionsOf(history).find((t) => t.action === 'approve');
  return approval?.term?.start;
}

/**
 * Appends a transition if it is legal from the current state. The given history is left
 * untouched; a new one is returned. A refusal names the current state, the requested one and the
 * legal ones, or the field of the request that is missing or wrong.
 */
export function applyTransition(history: LifecycleHistory, request: TransitionRequest): Result<LifecycleHistory> {
  const checked = checkHistory(history);
  if (!checked.ok) return checked;
  const step = nextTransition(checked.value, request, 'request');
  if (!step.ok) return step;
  return ok({ ...checked.value, transitions: [...checked.value.transitions, step.value] });
}

/**
 * Validates a stored history by replaying every transition through the machine: the shape of each
 * field, the order, the legality of each step and the recorded derived values (from, action, at).
 * Issues are named `transitions[3].to` and so on.
 */
export function checkHistory(history: unknown): Result<LifecycleHistory> {
  if (!isPlainObject(history))
    return fail({
      path: 'history',
      message: 'expected a lifecycle history',
      expected: '{ agreementId, createdAt, createdBy, transitions }',
      received: describeValue(history),
    });
  const created = createHistory({
    agreementId: history.agreementId as string,
    at: history.createdAt as number,
    by: history.createdBy as string,
  });
  if (!created.ok)
    return fail(...created.issues.map((i) => ({ ...i, path: i.path === 'at' ? 'createdAt' : i.path === 'by' ? 'createdBy' : i.path })));
  const list = history.transitions;
  if (!Array.isArray(list))
    return fail({ path: 'transitions', message: 'expected a list of transitions', expected: 'a list', received: describeValue(list) });
  let replay: LifecycleHistory = created.value;
  const out: Transition[] = [];
  for (let i = 0; i < list.length; i++) {
    const path = `transitions[${i}]`;
    const recorded: unknown = list[i];
    if (!isPlainObject(recorded))
      return fail({ path, message: 'expected a transition', expected: '{ from, to, at, by, ... }', received: describeValue(recorded) });
    // Replay the request that produced it: a scheduled transition was asked for at `requestedAt`.
    const request = {
      ...recorded,
      at: recorded.requestedAt !== undefined ? recorded.requestedAt : recorded.at,
    } as unknown as TransitionRequest;
    const step = nextTransition(replay, request, path);
    if (!step.ok) return step;
    const t = step.value;
    const issues: Issue[] = [];
    if (recorded.action !== t.action)
      issues.push({
        path: `${path}.action`,
        message: `does not match the transition from ${t.from} to ${t.to}`,
        expected: JSON.stringify(t.action),
        received: describeValue(recorded.action),
      });
    if (recorded.at !== t.at)
      issues.push({
        path: `${path}.at`,
        message: `the transition takes effect at ${showInstant(t.at)}`,
        expected: String(t.at),
        received: describeValue(recorded.at),
      });
    if (issues.length > 0) return fail(...issues);
    out.push(t);
    replay = { ...replay, transitions: out };
  }
  return ok({ ...created.value, transitions: out });
}

/** The intervals [from, to) during which the agreement is monitored; `to` is Infinity while it still is. */
export interface MonitoredInterval {
  from: number;
  to: number;
  /** What ended it: suspended, expired or terminated; absent while still monitored or cut by the window. */
  endedBy?: 'suspended' | 'expired' | 'terminated';
}

/**
 * When the agreement is monitored: only while active, and never before its effective instant (the
 * signed term start; activation is scheduled so this holds by construction, and is enforced here
 * again for histories built by hand). Suspension pauses monitoring; termination and expiry stop
 * it from their instant, and everything before stays. A renewal does not interrupt it. With a
 * window, intervals are clipped to [window.from, window.to).
 */
export function monitoredIntervals(history: LifecycleHistory, window?: { from: number; to: number }): MonitoredInterval[] {
  const ts = transitionsOf(history);
  const effective = effectiveFrom(history) ?? Infinity;
  const out: MonitoredInterval[] = [];
  let openFrom: number | undefined;
  for (const t of ts) {
    if (t.to === 'active' && openFrom === undefined) openFrom = Math.max(t.at, effective);
    else if (t.to !== 'active' && openFrom !== undefined) {
      if (t.at > openFrom) out.push({ from: openFrom, to: t.at, endedBy: t.to as 'suspended' | 'expired' | 'terminated' });
      openFrom = undefined;
    }
  }
  if (openFrom !== undefined) out.push({ from: openFrom, to: Infinity });
  if (!window) return out;
  if (!isInstant(window.from) || !(window.to > window.from)) return [];
  const clipped: MonitoredInterval[] = [];
  for (const iv of out) {
    const from = Math.max(iv.from, window.from);
    const to = Math.min(iv.to, window.to);
    if (from >= to) continue;
    const piece: MonitoredInterval = { from, to };
    if (iv.endedBy && to === iv.to) piece.endedBy = iv.endedBy;
    clipped.push(piece);
  }
  return clipped;
}

/** Whether the agreement is monitored at an instant. */
export function isMonitoredAt(history: LifecycleHistory, instant: number): boolean {
  return isInstant(instant) && monitoredIntervals(history).some((iv) => iv.from <= instant && instant < iv.to);
}

// ---------------------------------------------------------------------------------------------

/**
 * The transitions of a history for the queries. A history from applyTransition or checkHistory is
 * returned as is; from anywhere else, entries that are not even shaped like transitions are
 * skipped, so that a query on a bad value answers something instead of throwing.
 */
function transitionsOf(history: LifecycleHistory): readonly Transition[] {
  if (!isPlainObject(history) || !Array.isArray(history.transitions)) return [];
  const ts = history.transitions as readonly unknown[];
  const wellShaped = (t: unknown): t is Transition =>
    isPlainObject(t) &&
    isInstant(t.at) &&
    isLifecycleState(t.to) &&
    (t.term === undefined || (isPlainObject(t.term) && isInstant(t.term.start)));
  return ts.every(wellShaped) ? (ts as readonly Transition[]) : ts.filter(wellShaped);
}

function latestTerm(ts: readonly Transition[]): Term | undefined {
  for (let i = ts.length - 1; i >= 0; i--) {
    const t = ts[i]!;
    if (t.term && (t.action === 'approve' || t.action === 'renew')) return t.term;
  }
  return undefined;
}

function describeMoves(from: LifecycleState): string {
  const moves = legalTransitions(from);
  return moves.map((m) => `${m.to} (${m.action})`).join(', ');
}

/** Checks a request against a (valid) history and builds the transition it records. */
function nextTransition(history: LifecycleHistory, request: TransitionRequest, path: string): Result<Transition> {
  if (!isPlainObject(request))
    return fail({ path, message: 'expected a transition request', expected: '{ to, at, by, ... }', received: describeValue(request) });
  const r = request as unknown as Record<string, unknown>;
  const p = (field: string) => `${path}.${field}`;
  const ts = history.transitions;
  const last = ts[ts.length - 1];
  const current: LifecycleState = last ? last.to : 'draft';
  const issues: Issue[] = [];

  if (!isLifecycleState(r.to)) {
    return fail({
      path: p('to'),
      message: r.to === undefined ? 'required field is missing' : 'not a lifecycle state',
      expected: `one of ${LIFECYCLE_STATES.join(', ')}`,
      received: describeValue(r.to),
    });
  }
  const to = r.to;
  if (r.from !== undefined && r.from !== current) {
    return fail({
      path: p('from'),
      message: `the agreement is ${current}, not ${describeValue(r.from)}: it changed since it was read`,
      expected: JSON.stringify(current),
      received: describeValue(r.from),
    });
  }
  const rule = RULES.find((x) => x.from === current && x.to === to);
  if (!rule) {
    const moves = legalTransitions(current);
    const message =
      moves.length === 0
        ? `illegal transition from ${current} to ${to}: ${current} is final, no transition leaves it`
        : `illegal transition from ${current} to ${to}: from ${current} the agreement can go to ${describeMoves(current)}`;
    return fail({
      path: p('to'),
      message,
      expected: moves.length === 0 ? 'no transition' : `one of ${moves.map((m) => m.to).join(', ')}`,
      received: JSON.stringify(to),
    });
  }

  checkInstant(r.at, p('at'), issues);
  checkText(r.by, p('by'), issues, 'who performs the transition', 200);
  if (r.recordedAt !== undefined) checkInstant(r.recordedAt, p('recordedAt'), issues);
  const needsReason = rule.action === 'suspend' || rule.action === 'terminate';
  if (needsReason)
    checkText(r.reason, p('reason'), issues, `the reason for the ${rule.action === 'suspend' ? 'suspension' : 'termination'}`);
  else checkOptionalText(r.reason, p('reason'), issues);
  if (r.signatures !== undefined && rule.action !== 'approve') {
    issues.push({
      path: p('signatures'),
      message: `signatures belong to an approval, not to ${rule.action}`,
      received: describeValue(r.signatures),
    });
  }
  if (r.term !== undefined && rule.action !== 'approve' && rule.action !== 'renew') {
    issues.push({
      path: p('term'),
      message: `a term is given on approval or renewal, not on ${rule.action}`,
      received: describeValue(r.term),
    });
  }
  if (issues.length > 0) return fail(...issues);
  const at = r.at as number;
  const recordedAt = r.recordedAt as number | undefined;
  const backdated = recordedAt !== undefined && at < recordedAt;

  // Time order: the history only grows forward. A back-dated first transition may precede the
  // creation (the moment the draft was entered), never a transition already on record.
  if (last ? at < last.at : at < history.createdAt && !backdated) {
    const previousAt = last ? last.at : history.createdAt;
    const what = last
      ? `the last transition (${last.action} to ${last.to}) takes effect at ${showInstant(previousAt)}`
      : `the agreement was created at ${showInstant(previousAt)}`;
    const why = backdated ? 'a back-dated transition cannot come before it: ' : '';
    const message = `too early: ${what}; ${why}transitions are recorded in time order and the past is not rewritten`;
    return fail({ path: p('at'), message, expected: `an instant at or after ${showInstant(previousAt)}`, received: showInstant(at) });
  }

  const t: Transition = { from: current, to, action: rule.action, at, by: r.by as string };
  if (typeof r.reason === 'string' && r.reason.length > 0) t.reason = r.reason;
  if (recordedAt !== undefined) t.recordedAt = recordedAt;

  switch (rule.action) {
    case 'approve': {
      // The submission the signatures answer: signatures given before it signed another draft.
      const submittedAt = last!.at;
      const sigs = checkSignatures(r.signatures, p('signatures'), submittedAt, at, recordedAt, issues);
      const term = checkTerm(r.term, p('term'), issues);
      if (issues.length > 0) return fail(...issues);
      t.signatures = sigs!;
      t.term = term!;
      break;
    }
    case 'activate': {
      const start = effectiveFrom(history)!;
      if (at < start) {
        t.at = start;
        t.requestedAt = at;
      }
      break;
    }
    case 'renew': {
      const term = checkTerm(r.term, p('term'), issues, 'the new term');
      if (!term) return fail(...issues);
      if (current === 'active') {
        const cur = latestTerm(ts)!;
        if (!(term.start > cur.start))
          issues.push({
            path: p('term.start'),
            message: `a renewal starts a new term, after the current one starts (${showInstant(cur.start)})`,
            expected: `an instant after ${showInstant(cur.start)}`,
            received: showInstant(term.start),
          });
        else if (cur.end !== undefined && term.start > cur.end) {
          issues.push({
            path: p('term.start'),
            message: `the new term would leave a gap after the current term ends (${showInstant(cur.end)}); let it expire and renew from expired instead`,
            expected: `an instant at or before ${showInstant(cur.end)}`,
            received: showInstant(term.start),
          });
        }
      } else {
        // From expired: the lapse is on record and stays unmonitored.
        if (term.start < last!.at)
          issues.push({
            path: p('term.start'),
            message: `the agreement expired at ${showInstant(last!.at)}; a renewal cannot start a term inside the lapse`,
            expected: `an instant at or after ${showInstant(last!.at)}`,
            received: showInstant(term.start),
          });
        else if (at < term.start) {
          t.at = term.start;
          t.requestedAt = at;
        }
      }
      if (issues.length > 0) return fail(...issues);
      t.term = term;
      break;
    }
    case 'expire': {
      const term = latestTerm(ts);
      if (!term || term.end === undefined) {
        return fail({
          path: p('to'),
          message: 'the term has no end, so the agreement cannot expire; terminate it instead',
          expected: 'a term with an end (given on approval or renewal)',
          received: 'an open-ended term',
        });
      }
      if (at < term.end)
        return fail({
          path: p('at'),
          message: `the term runs until ${showInstant(term.end)}; the agreement cannot expire before its end`,
          expected: `an instant at or after ${showInstant(term.end)}`,
          received: showInstant(at),
        });
      break;
    }
    default:
      break;
  }
  // Back-dated in effect: a scheduled activation asked for in the past but starting later is not.
  if (recordedAt !== undefined && t.at < recordedAt) t.backdated = true;
  return ok(t);
}

function checkSignatures(
  v: unknown,
  path: string,
  submittedAt: number,
  approvedAt: number,
  recordedAt: number | undefined,
  issues: Issue[],
): Signature[] | undefined {
  if (!Array.isArray(v) || v.length === 0) {
    issues.push({
      path,
      message: 'approval requires the signatures of both parties (provider and customer): who signed and when',
      expected: 'a list of { party, name, at }',
      received: describeValue(v),
    });
    return undefined;
  }
  const out: Signature[] = [];
  const before = issues.length;
  v.forEach((s: unknown, i) => {
    const sp = `${path}[${i}]`;
    if (!isPlainObject(s)) {
      issues.push({ path: sp, message: 'expected a signature', expected: '{ party, name, at }', received: describeValue(s) });
      return;
    }
    const n = issues.length;
    if (!(SIGNING_PARTIES as readonly unknown[]).includes(s.party))
      issues.push({
        path: `${sp}.party`,
        message: s.party === undefined ? 'required field is missing' : 'not a signing party',
        expected: `one of ${SIGNING_PARTIES.join(', ')}`,
        received: describeValue(s.party),
      });
    checkText(s.name, `${sp}.name`, issues, 'the name of the person who signed', 200);
    checkOptionalText(s.title, `${sp}.title`, issues, 200);
    if (checkInstant(s.at, `${sp}.at`, issues)) {
      if (s.at < submittedAt)
        issues.push({
          path: `${sp}.at`,
          message: `signed before the agreement was submitted for review (${showInstant(submittedAt)}): that signature is for an earlier draft`,
          expected: `an instant from ${showInstant(submittedAt)} to ${showInstant(approvedAt)}`,
          received: showInstant(s.at),
        });
      else if (s.at > approvedAt)
        issues.push({
          path: `${sp}.at`,
          message: `signed after the approval (${showInstant(approvedAt)}): an approval records signatures already given`,
          expected: `an instant from ${showInstant(submittedAt)} to ${showInstant(approvedAt)}`,
          received: showInstant(s.at),
        });
      else if (recordedAt !== undefined && s.at > recordedAt) {
        const message = `dated in the future (it is recorded at ${showInstant(recordedAt)}): a signature is recorded once it has been given`;
        issues.push({
          path: `${sp}.at`,
          message,
          expected: `an instant from ${showInstant(submittedAt)} to ${showInstant(recordedAt)}`,
          received: showInstant(s.at),
        });
      }
    }
    if (issues.length === n) {
      const sig: Signature = { party: s.party as SigningParty, name: s.name as string, at: s.at as number };
      if (typeof s.title === 'string' && s.title.length > 0) sig.title = s.title;
      out.push(sig);
    }
  });
  if (issues.length > before) return undefined;
  for (const party of SIGNING_PARTIES) {
    if (!out.some((s) => s.party === party)) {
      issues.push({
        path,
        message: `the ${party} has not signed: approval requires the signatures of both parties`,
        expected: `a signature with party "${party}"`,
        received: `signatures of ${[...new Set(out.map((s) => s.party))].join(', ')} only`,
      });
    }
  }
  return issues.length > before ? undefined : out;
}

function checkTerm(v: unknown, path: string, issues: Issue[], what = 'the signed term'): Term | undefined {
  if (!isPlainObject(v)) {
    issues.push({
      path,
      message: v === undefined ? `required: ${what} ({ start, end? }; its start is when it takes effect)` : 'expected a term',
      expected: '{ start, end? } in epoch milliseconds',
      received: describeValue(v),
    });
    return undefined;
  }
  const n = issues.length;
  checkInstant(v.start, `${path}.start`, issues);
  if (v.end !== undefined && checkInstant(v.end, `${path}.end`, issues) && isInstant(v.start) && !(v.end > v.start)) {
    issues.push({
      path: `${path}.end`,
      message: 'the term must end after it starts',
      expected: `an instant after ${showInstant(v.start)}`,
      received: showInstant(v.end),
    });
  }
  if (issues.length > n) return undefined;
  return v.end === undefined ? { start: v.start as number } : { start: v.start as number, end: v.end as number };
}
