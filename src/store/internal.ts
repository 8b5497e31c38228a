/** Helpers shared by the adapters: JSON, cursors, page sizes, event payloads. Not public API. */
import { hash } from 'node:crypto';
import { InvalidInputError } from '../core/validation/issues.ts';
import { windowBudget, type WindowBudget } from '../core/alerts/health.ts';
import { StoreError } from './errors.ts';
import type {
  ServiceReportRevision,
  ComplianceRow,
  WindowGlance,
  Invite,
  Login,
  WebSession,
  AgreementChange,
  AlertChange,
  AlertHistoryEntry,
  AlertOutcome,
  AlertState,
  AppendResult,
  ClaimRequest,
  DerivedReplaced,
  DerivedReplacement,
  DerivedState,
  EventInput,
  EventOutcome,
  NotificationAttempt,
  NotificationCompletion,
  NotificationState,
  Page,
  StoredAlert,
  StoredChannel,
  StoredNotification,
  StoredSilence,
  StoredTimer,
  TimerInput,
  StoredReportSchedule,
  StoredMonitor,
  StoredStatusPage,
  StoredIncident,
  StoredSource,
  SourceDeliveryEntry,
  StoredReportDelivery,
  ReportAttachmentRef,
} from './types.ts';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.max(1, Math.min(MAX_LIMIT, Math.floor(limit)));
}

export { canonicalJson } from '../core/json.ts';
import { canonicalJson } from '../core/json.ts';

/** The payload stored for an event: every field but the derived `atMs`. */
export function eventPayload(e: EventInput): Record<string, unknown> {
  const { atMs: _atMs, ...rest } = e;
  return rest;
}

export function payloadHash(payload: Record<string, unknown>): string {
  return hash('sha256', canonicalJson(payload), 'hex');
}

/**
 * The payload as stored (its canonical JSON, keys sorted) and its hash, serialised once: ingestion
 * does this for every event, so it is not done twice.
 */
export function storedPayload(e: EventInput): { json: string; hash: string } {
  // The payload is every field but atMs (eventPayload), written without copying the event first.
  const text = canonicalJson(e, 'atMs');
  return { json: text, hash: hash('sha256', text, 'hex') };
}

/**
 * Cursors are the sort key of the last row of a page, as base64url JSON: opaque to clients, and
 * stable under inserts (keyset paging, not offsets).
 */
export function encodeCursor(key: ReadonlyArray<string | number>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decodes a cursor whose parts have the given kinds, or refuses it as bad input. */
export function decodeCursor(cursor: string, kinds: ReadonlyArray<'string' | 'number'>): Array<string | number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== kinds.length ||
    !parsed.every((p, i) => typeof p === kinds[i] && (typeof p !== 'number' || Number.isSafeInteger(p)))
  ) {
    throw new InvalidInputError([
      {
        path: 'after',
        message: 'not a cursor from a previous page',
        expected: 'the `next` value of a previous page',
        received: JSON.stringify(cursor.length > 40 ? `${cursor.slice(0, 37)}...` : cursor),
      },
    ]);
  }
  return parsed as Array<string | number>;
}

/** A quoted entity tag from a row version, ready for an HTTP ETag header. */
export function etagOf(rowVersion: number): string {
  return `"${rowVersion}"`;
}

/**
 * Calendars can be deleted and created again, which starts the row version at 1 again; the time
 * of the write in the tag keeps an old ETag from matching the new calendar.
 */
export function calendarEtag(rowVersion: number, updatedAt: number): string {
  return `"${rowVersion}.${updatedAt.toString(36)}"`;
}

/** Checks that appended version numbers continue the stored list; a mismatch is a caller bug. */
export function checkVersionNumbers(stored: number, appended: ReadonlyArray<{ version: number }>, agreementId: string): void {
  appended.forEach((v, i) => {
    if (v.version !== stored + i + 1) {
      throw new Error(
        `agreement ${agreementId}: appended version ${v.version} does not continue the stored versions (expected ${stored + i + 1}); build versions with addVersion from the stored list`,
      );
    }
  });
}

export function unknownTenant(tenant: string): Error {
  return new Error(`unknown tenant ${JSON.stringify(tenant)}: create it before writing to it`);
}

/** Optional string columns: absent rather than null in results. */
export function opt<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return (value === null || value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Cuts the extra row fetched to know whether there is a next page. */
export function page<T>(items: T[], limit: number, key: (t: T) => Array<string | number>): Page<T> {
  if (items.length <= limit) return { items };
  const kept = items.slice(0, limit);
  return { items: kept, next: encodeCursor(key(kept[kept.length - 1]!)) };
}

export function summarise(outcomes: EventOutcome[], committed: boolean, lastSeq: number): AppendResult {
  let accepted = 0;
  let duplicates = 0;
  let conflicts = 0;
  for (const o of outcomes) {
    if (o.status === 'accepted') accepted++;
    else if (o.status === 'duplicate') duplicates++;
    else if (o.status === 'conflict') conflicts++;
  }
  return { committed, outcomes, accepted, duplicates, conflicts, lastSeq };
}

/** eventsSince pages are for jobs catching up, so they may be larger than listing pages. */
export function sinceLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.max(1, Math.min(10_000, Math.floor(limit))) : 1000;
}

/** Keeps the last row for each key, in first-seen order of the keys. */
export function lastByKey<T>(rows: readonly T[], key: (t: T) => ReadonlyArray<string | number>): T[] {
  const m = new Map<string, T>();
  for (const r of rows) m.set(JSON.stringify(key(r)), r);
  return [...m.values()];
}

// --- derived results: what invalidates them, and when a write of them is refused -------------

/**
 * Whether an agreement change touches an input of the derived results (see DerivedState): its
 * document, versions or lifecycle transitions (back-dated ones included). A review or a change of
 * the customer column alone changes no figure. Both adapters ask this, so they agree.
 */
export function agreementChangeInvalidates(c: Pick<AgreementChange, 'document' | 'versions' | 'transitions'>): boolean {
  return c.document !== undefined || (c.versions?.length ?? 0) > 0 || (c.transitions?.length ?? 0) > 0;
}

/**
 * replaceDerived's compare-and-set, run inside its transaction on the stored state: undefined when
 * the change may be written; else the `stale` answer, when an input changed since the change was
 * computed (the generation moved), or the watermark is not the `from` it was computed from.
 */
export function staleDerived(stored: DerivedState, change: DerivedReplacement): DerivedReplaced | undefined {
  if (!Number.isSafeInteger(change.generation)) {
    const given = String(change.generation);
    throw new Error(`replaceDerived: generation ${given} is not a generation; read it with getDerivedState before reading the inputs`);
  }
  const moved = stored.generation !== change.generation || (change.from !== undefined && stored.watermark !== change.from);
  return moved ? { status: 'stale', ...stored } : undefined;
}

// --- alerts, the outbox, channels, silences, timers --------------------------------------------

type Row = Record<string, unknown>;
/** How an adapter reads a JSON column: SQLite parses text, pg has parsed JSONB already. */
export type JsonColumn = (value: unknown) => unknown;

export const DEFAULT_CLAIM = 10;

/**
 * Checks a claim's numbers and returns its limit (10 by default, at most 1000). A claim without a
 * worker name or with a lease that is not a positive whole number of milliseconds is a caller bug.
 */
export function claimLimit(claim: ClaimRequest, operation: string): number {
  if (typeof claim.worker !== 'string' || claim.worker === '')
    throw new Error(`${operation}: a claim needs the worker's name (it is recorded with each attempt)`);
  if (!Number.isSafeInteger(claim.at) || !Number.isSafeInteger(claim.leaseMs) || claim.leaseMs <= 0)
    throw new Error(
      `${operation}: \`at\` must be an instant and \`leaseMs\` a positive number of milliseconds (given ${claim.at}, ${claim.leaseMs})`,
    );
  const limit = claim.limit;
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_CLAIM;
  return Math.max(1, Math.min(MAX_LIMIT, Math.floor(limit)));
}

/** Whether an alert change took effect, so that its `notify` notifications are written. */
export function changeTookEffect(change: AlertChange, outcome: AlertOutcome): boolean {
  return (
    (change.op === 'open' && outcome.status === 'opened') ||
    (change.op === 'update' && outcome.status === 'updated') ||
    (change.op === 'resolve' && outcome.status === 'resolved')
  );
}

/**
 * What an open or update changes on the stored open alert: the fields given that differ (details
 * compared by canonical JSON, so key order does not count), or undefined when nothing does.
 */
export function alertFieldChanges(
  stored: StoredAlert,
  change: { severity?: string; level?: string; details?: unknown },
): { severity: string; level: string; details: unknown } | undefined {
  const severity = change.severity ?? stored.severity;
  const level = change.level ?? stored.level;
  const details = change.details === undefined ? stored.details : change.details;
  const same = severity === stored.severity && level === stored.level && canonicalJson(details) === canonicalJson(stored.details);
  return same ? undefined : { severity, level, details };
}

/** An open change whose id is another dedupe key's alert: a caller bug, refused as caused by the data. */
export function alertIdTaken(id: string, operation: string): StoreError {
  return new StoreError(`${operation}: alert id ${JSON.stringify(id)} belongs to an alert with another dedupe key`, {
    retryable: false,
    operation,
    data: 'conflict',
  });
}

/** The last schedule of each key of a batch (a batch naming a key twice means its last instant). */
export function timersByKey(timers: readonly TimerInput[]): TimerInput[] {
  return lastByKey(timers, (t) => [t.key]);
}

/** The notification states a replay starts from: final ones. */
export const REPLAYABLE: readonly NotificationState[] = ['delivered', 'failed', 'dead'];

/** The columns a completion writes, the same on both databases. */
export function completionColumns(c: NotificationCompletion): {
  state: NotificationState;
  dueAt: number | null;
  lastError: string | null;
  deliveredAt: number | null;
} {
  switch (c.outcome) {
    case 'delivered':
      return { state: 'delivered', dueAt: null, lastError: null, deliveredAt: c.at };
    case 'retry':
      if (!Number.isSafeInteger(c.retryAt)) throw new Error(`completeNotification: retryAt ${c.retryAt} is not an instant`);
      return { state: 'pending', dueAt: c.retryAt, lastError: c.error, deliveredAt: null };
    case 'failed':
    case 'dead':
      return { state: c.outcome, dueAt: null, lastError: c.error, deliveredAt: null };
    default:
      throw new Error(`completeNotification: unknown outcome ${JSON.stringify((c as { outcome?: unknown }).outcome)}`);
  }
}

export function alertOf<D>(r: Row, json: JsonColumn): StoredAlert<D> {
  const subject = {
    ...opt('source', r.subject_source as string | null),
    ...opt('ticket', r.subject_ticket as string | null),
    ...opt('cycle', r.subject_cycle as number | null),
    ...opt('window', r.subject_window as string | null),
  };
  return {
    id: r.id as string,
    dedupeKey: r.dedupe_key as string,
    kind: r.kind as string,
    severity: r.severity as string,
    audience: r.audience as string,
    agreementId: r.agreement_id as string,
    target: r.target as string,
    subject,
    level: r.level as string,
    state: r.state as AlertState,
    firedAt: r.fired_at as number,
    ...opt('acknowledgedAt', r.acknowledged_at as number | null),
    ...opt('acknowledgedBy', r.acknowledged_by as string | null),
    ...opt('resolvedAt', r.resolved_at as number | null),
    ...opt('resolvedBy', r.resolved_by as string | null),
    ...opt('resolvedReason', r.resolved_reason as string | null),
    details: json(r.details) as D,
    updatedAt: r.updated_at as number,
  };
}

export function alertHistoryOf(r: Row): AlertHistoryEntry {
  return {
    seq: r.seq as number,
    alertId: r.alert_id as string,
    at: r.at as number,
    state: r.state as AlertState,
    by: r.actor as string,
    ...opt('reason', r.reason as string | null),
  };
}

export function notificationOf<P>(r: Row, json: JsonColumn): StoredNotification<P> {
  const state = r.state as NotificationState;
  const n: StoredNotification<P> = {
    tenant: r.tenant as string,
    id: r.id as number,
    idempotencyKey: r.idempotency_key as string,
    channelId: r.channel_id as string,
    recipient: r.recipient as string,
    ...opt('alertId', r.alert_id as string | null),
    payload: json(r.payload) as P,
    state,
    attempts: r.attempts as number,
    ...opt('lastError', r.last_error as string | null),
    ...opt('deliveredAt', r.delivered_at as number | null),
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
  if (state === 'pending') n.nextAttemptAt = r.due_at as number;
  if (state === 'claimed')
    n.lease = {
      worker: r.claimed_by as string,
      attempt: r.attempts as number,
      claimedAt: r.claimed_at as number,
      until: r.due_at as number,
    };
  return n;
}

export function attemptOf(r: Row, json: JsonColumn): NotificationAttempt {
  const response = r.response === null || r.response === undefined ? undefined : json(r.response);
  return {
    notificationId: r.notification_id as number,
    attempt: r.attempt as number,
    worker: r.worker as string,
    startedAt: r.started_at as number,
    finishedAt: r.finished_at as number,
    outcome: r.outcome as NotificationAttempt['outcome'],
    ...opt('error', r.error as string | null),
    ...(response === undefined || response === null ? {} : { response }),
  };
}

/** Channels can be deleted and created again, so their ETag carries the write's instant as calendars' do. */
export function channelOf<C>(r: Row, json: JsonColumn): StoredChannel<C> {
  return {
    id: r.id as string,
    kind: r.kind as string,
    config: json(r.config) as C,
    enabled: r.disabled_at === null || r.disabled_at === undefined,
    ...opt('disabledAt', r.disabled_at as number | null),
    ...opt('disabledReason', r.disabled_reason as string | null),
    etag: calendarEtag(r.row_version as number, r.updated_at as number),
    createdAt: r.created_at as number,
    createdBy: r.created_by as string,
    updatedAt: r.updated_at as number,
    updatedBy: r.updated_by as string,
  };
}

export function silenceOf<M>(r: Row, json: JsonColumn): StoredSilence<M> {
  return {
    id: r.id as string,
    matchers: json(r.matchers) as M,
    startsAt: r.starts_at as number,
    endsAt: r.ends_at as number,
    createdAt: r.created_at as number,
    createdBy: r.created_by as string,
    ...opt('comment', r.comment as string | null),
    ...opt('expiredAt', r.expired_at as number | null),
    ...opt('expiredBy', r.expired_by as string | null),
  };
}

/** Whether a silence is over at `at` already (its end passed, or it was expired at or before). */
export function silenceEnded(s: StoredSilence, at: number): boolean {
  return s.endsAt <= at || (s.expiredAt !== undefined && s.expiredAt <= at);
}

export function timerOf<P>(r: Row, json: JsonColumn): StoredTimer<P> {
  const t: StoredTimer<P> = {
    key: r.key as string,
    fireAt: r.fire_at as number,
    payload: json(r.payload) as P,
    revision: r.revision as number,
  };
  if (r.claimed_by !== null && r.claimed_by !== undefined)
    t.lease = { worker: r.claimed_by as string, claimedAt: r.claimed_at as number, until: r.due_at as number };
  return t;
}

/** A finite number, else null (what JSON keeps of Infinity and NaN: null). */
function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * The plain columns of a clock row that "at risk now" reads (20261205_004): written with the value
 * at every upsert, so the read parses no JSON. Open means no stop; the state and deadline are kept
 * only for open clocks (the partial index holds open clocks only), the figures for every clock.
 */
export function clockColumns(value: unknown): {
  openState: string | null;
  openDeadline: number | null;
  consumed: number | null;
  breachAt: number | null;
} {
  const v = (value ?? {}) as Record<string, unknown>;
  const open = v.stop === null || v.stop === undefined;
  return {
    openState: open && typeof v.state === 'string' ? v.state : null,
    openDeadline: open ? finite(v.deadline) : null,
    consumed: finite(v.consumed),
    breachAt: finite(v.breachAt),
  };
}

/**
 * The plain columns of a compliance row (20261205_004): its state, window and figure, written at
 * upsert; and its error budget at a glance (20261207_010), as JSON text: the core's windowBudget of
 * the evaluation, so the overview and the history read it from their covering indexes without the
 * value (null for a value that is not a target's evaluation).
 */
export function complianceColumns(value: unknown): {
  state: string | null;
  windowFrom: number | null;
  windowTo: number | null;
  figure: number | null;
  comparator: string | null;
  goal: number | null;
  reason: string | null;
  budget: string | null;
} {
  const v = (value ?? {}) as Record<string, unknown>;
  const w = (typeof v.window === 'object' && v.window !== null ? v.window : {}) as Record<string, unknown>;
  return {
    state: typeof v.state === 'string' ? v.state : null,
    windowFrom: finite(w.from),
    windowTo: finite(w.to),
    figure: finite(v.value),
    comparator: typeof v.comparator === 'string' ? v.comparator : null,
    goal: finite(v.target),
    reason: typeof v.reason === 'string' ? v.reason : null,
    budget: budgetColumn(v),
  };
}

/** windowBudget of a stored evaluation, as JSON text; null when the value does not have an evaluation's shape. */
function budgetColumn(v: Record<string, unknown>): string | null {
  const m = v.measurement;
  const isEvaluation =
    typeof v.unit === 'string' &&
    typeof v.metric === 'string' &&
    typeof v.comparator === 'string' &&
    typeof v.target === 'number' &&
    typeof v.sampleSize === 'number' &&
    (v.value === null || typeof v.value === 'number') &&
    (v.consumed === null || typeof v.consumed === 'number') &&
    typeof m === 'object' &&
    m !== null;
  if (!isEvaluation) return null;
  return JSON.stringify(windowBudget(v as unknown as Parameters<typeof windowBudget>[0]));
}

/** The budget column as read back (JSON text from either adapter); null when absent (a row written before 20261207_010). */
function budgetOf(v: unknown): WindowBudget | null {
  if (typeof v !== 'string' || v === '') return null;
  return JSON.parse(v) as WindowBudget;
}

// -------------------------------------------------------------------------------------------------
// Compliance values as stored

/**
 * How a compliance value is stored. A window's evaluation lists every ticket it counted twice (its
 * `contributors` and `measurement.contributors` are the same list) and, for a share within target,
 * the tickets in its numerator, nearly all of them: at 65,000 tickets a month that is 3 MB written at
 * every refresh of the window and read back by every reader. Stored, the second list is a reference
 * to the first and the numerator is the contributors it leaves out (a few percent of them); read,
 * both are restored as they were. The encoder restores what it wrote before it keeps it, so a value
 * it could not restore exactly (or that has another shape) is stored as it is.
 */
const SAME_CONTRIBUTORS = { $pledge: 'measurement.contributors' } as const;
const NUMERATOR_EXCEPT = '$pledgeNumeratorExcept';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const sameList = (a: readonly unknown[], b: readonly unknown[]) => a === b || (a.length === b.length && a.every((x, i) => x === b[i]));

function numeratorFrom(contributors: readonly unknown[], except: readonly unknown[]): unknown[] {
  const left = new Set(except);
  return contributors.filter((c) => !left.has(c));
}

/** The stored form of a compliance value (see SAME_CONTRIBUTORS); any other value is returned as it is. */
export function encodeComplianceValue(value: unknown): unknown {
  if (!isObj(value) || !isObj(value.measurement)) return value;
  const m = value.measurement;
  const contributors = m.contributors;
  if (!Array.isArray(contributors)) return value;
  let out: Obj = value;
  if (Array.isArray(value.contributors) && sameList(value.contributors, contributors)) out = { ...out, contributors: SAME_CONTRIBUTORS };
  const numerator = m.numerator;
  if (Array.isArray(numerator) && numerator.length > 0 && !(NUMERATOR_EXCEPT in m)) {
    const inNumerator = new Set(numerator);
    const except = contributors.filter((c) => !inNumerator.has(c));
    if (except.length < numerator.length && sameList(numeratorFrom(contributors, except), numerator)) {
      // In the numerator's place among the keys, so the value reads back in the same order.
      const measurement: Obj = {};
      for (const [k, v] of Object.entries(m)) measurement[k === 'numerator' ? NUMERATOR_EXCEPT : k] = k === 'numerator' ? except : v;
      out = { ...out, measurement };
    }
  }
  return out;
}

/** A compliance value as it was before encodeComplianceValue. */
export function decodeComplianceValue<V>(stored: unknown): V {
  if (!isObj(stored) || !isObj(stored.measurement)) return stored as V;
  const m = stored.measurement;
  if (Array.isArray(m[NUMERATOR_EXCEPT]) && Array.isArray(m.contributors)) {
    const restored: Obj = {};
    for (const [k, v] of Object.entries(m)) {
      if (k === NUMERATOR_EXCEPT) restored.numerator = numeratorFrom(m.contributors, v as unknown[]);
      else restored[k] = v;
    }
    stored.measurement = restored;
  }
  if (isObj(stored.contributors) && stored.contributors.$pledge === SAME_CONTRIBUTORS.$pledge) {
    stored.contributors = (stored.measurement as Obj).contributors;
  }
  return stored as V;
}

// --- signing in: rows of logins, invites and sessions (both adapters' column names) ------------

type SignInRow = Record<string, unknown>;
const n = (v: unknown): number => Number(v);
const nOpt = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export function loginOf(r: SignInRow): Login {
  return {
    tenant: r.tenant as string,
    userId: r.user_id as string,
    email: r.email as string,
    role: r.role as Login['role'],
    ...opt('customer', r.customer as string | null),
    ...opt('passwordHash', r.password_hash as string | null),
    ...opt('passwordSetAt', nOpt(r.password_set_at)),
    failedCount: n(r.failed_count),
    ...opt('lockedUntil', nOpt(r.locked_until)),
    createdAt: n(r.created_at),
  };
}

export function inviteOf(r: SignInRow): Invite {
  return {
    tenant: r.tenant as string,
    email: r.email as string,
    createdBy: r.created_by as string,
    createdAt: n(r.created_at),
    expiresAt: n(r.expires_at),
    ...opt('usedAt', nOpt(r.used_at)),
  };
}

export function webSessionOf(r: SignInRow): WebSession {
  return {
    tenant: r.tenant as string,
    userId: r.user_id as string,
    csrf: r.csrf as string,
    createdAt: n(r.created_at),
    lastSeenAt: n(r.last_seen_at),
    expiresAt: n(r.expires_at),
    ...opt('revokedAt', nOpt(r.revoked_at)),
  };
}

/** E-mail addresses sign in case-insensitively: stored and looked up lower-cased and trimmed. */
export function normalEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A compliance row's plain columns (state, window, figure...) as a WindowGlance row, from either adapter. */
export function windowGlanceRow(r: SignInRow): ComplianceRow<WindowGlance> {
  return {
    agreementId: r.agreement_id as string,
    target: r.target as string,
    window: r.window_label as string,
    value: {
      state: r.state as string,
      value: nOpt(r.v),
      comparator: (r.comparator as string | null) ?? null,
      target: nOpt(r.goal),
      reason: (r.reason as string | null) ?? null,
      window: { from: n(r.window_from), to: n(r.window_to) },
      ...('budget' in r ? { budget: budgetOf(r.budget) } : {}),
    },
    updatedAt: n(r.updated_at),
  };
}

/** A settlement's totals (JSON text from SQLite, parsed JSON from PostgreSQL), only the fields a summary shows. */
export function totalsOf(v: unknown): Array<{ currency: string; amountMinor: number; amount: string }> {
  const list = typeof v === 'string' ? (JSON.parse(v) as unknown) : v;
  if (!Array.isArray(list)) return [];
  return list.map((t: { currency: string; amountMinor: number; amount: string }) => ({
    currency: t.currency,
    amountMinor: Number(t.amountMinor),
    amount: t.amount,
  }));
}

/** A service report revision row, from either adapter. */
export function serviceReportOf(r: SignInRow): ServiceReportRevision {
  return {
    agreementId: r.agreement_id as string,
    period: r.period_label as string,
    revision: n(r.revision),
    eventSeq: n(r.event_seq),
    sha256: r.sha256 as string,
    content: r.content as string,
    createdAt: n(r.created_at),
    createdBy: r.created_by as string,
  };
}

export function reportFileOf(r: SignInRow): { mediaType: string; bytes: Buffer; sha256: string } {
  return { mediaType: r.media_type as string, bytes: Buffer.from(r.bytes as Uint8Array), sha256: r.sha256 as string };
}

export function sha256Hex(bytes: Buffer | string): string {
  return hash('sha256', bytes, 'hex');
}

/** A stored report schedule from its row. */
export function reportScheduleOf<S>(r: Row, json: JsonColumn): StoredReportSchedule<S> {
  return {
    id: r.id as string,
    spec: json(r.spec) as S,
    etag: calendarEtag(r.row_version as number, r.updated_at as number),
    createdAt: r.created_at as number,
    createdBy: r.created_by as string,
    updatedAt: r.updated_at as number,
    updatedBy: r.updated_by as string,
  };
}

/** A stored monitor from its row. */
export function monitorOf<S, R>(r: Row, json: JsonColumn): StoredMonitor<S, R> {
  return {
    id: r.id as string,
    spec: json(r.spec) as S,
    paused: r.paused === true || r.paused === 1 || r.paused === 1n,
    ...opt('tokenHash', r.token_hash as string | null),
    state: r.state === null || r.state === undefined ? null : (json(r.state) as R),
    etag: calendarEtag(Number(r.row_version), Number(r.updated_at)),
    createdAt: Number(r.created_at),
    createdBy: r.created_by as string,
    updatedAt: Number(r.updated_at),
    updatedBy: r.updated_by as string,
  };
}

/** A report delivery from its row joined with its outbox row (columns n_*). */
export function reportDeliveryOf(r: Row, json: JsonColumn): StoredReportDelivery {
  const d: StoredReportDelivery = {
    seq: Number(r.seq),
    scheduleId: r.schedule_id as string,
    period: r.period_label as string,
    recipient: r.recipient as string,
    notificationKey: r.notification_key as string,
    reports: json(r.reports) as ReportAttachmentRef[],
    ...opt('note', r.note as string | null),
    createdAt: Number(r.created_at),
  };
  if (r.n_id !== null && r.n_id !== undefined) {
    const state = r.n_state as NotificationState;
    d.notification = {
      id: Number(r.n_id),
      channelId: r.n_channel_id as string,
      state,
      attempts: Number(r.n_attempts),
      ...opt('lastError', r.n_last_error as string | null),
      ...opt('deliveredAt', r.n_delivered_at === null || r.n_delivered_at === undefined ? null : Number(r.n_delivered_at)),
      ...(state === 'pending' ? { nextAttemptAt: Number(r.n_due_at) } : {}),
    };
  }
  return d;
}

/** The columns of a delivery's outbox row, as reportDeliveryOf reads them. */
export const DELIVERY_NOTIFICATION_COLUMNS =
  'n.id AS n_id, n.channel_id AS n_channel_id, n.state AS n_state, n.attempts AS n_attempts, n.last_error AS n_last_error, n.delivered_at AS n_delivered_at, n.due_at AS n_due_at';

/** A stored source (service desk webhook) from its row. */
export function sourceOf<C>(r: Row, json: JsonColumn): StoredSource<C> {
  return {
    id: r.id as string,
    vendor: r.vendor as string,
    hook: r.hook as string,
    config: json(r.config) as C,
    etag: calendarEtag(Number(r.row_version), Number(r.updated_at)),
    createdAt: Number(r.created_at),
    createdBy: r.created_by as string,
    updatedAt: Number(r.updated_at),
    updatedBy: r.updated_by as string,
  };
}

/** An entry of a source's delivery log from its row. */
export function sourceDeliveryEntryOf(r: Row): SourceDeliveryEntry {
  return {
    at: Number(r.at),
    delivery: (r.delivery as string | null) ?? null,
    outcome: r.outcome as SourceDeliveryEntry['outcome'],
    status: Number(r.status),
    accepted: Number(r.accepted),
    duplicates: Number(r.duplicates),
    rejected: Number(r.rejected),
    detail: r.detail as string,
  };
}

/** A status page from its row. */
export function statusPageOf<S>(r: Row, json: JsonColumn): StoredStatusPage<S> {
  return {
    id: r.id as string,
    path: r.path as string,
    spec: json(r.spec) as S,
    etag: calendarEtag(r.row_version as number, r.updated_at as number),
    createdAt: r.created_at as number,
    createdBy: r.created_by as string,
    updatedAt: r.updated_at as number,
    updatedBy: r.updated_by as string,
  };
}

/** An incident from its row. */
export function incidentOf<D>(r: Row, json: JsonColumn): StoredIncident<D> {
  return {
    id: r.id as string,
    doc: json(r.doc) as D,
    openedAt: r.opened_at as number,
    ...(r.resolved_at !== null && r.resolved_at !== undefined ? { resolvedAt: r.resolved_at as number } : {}),
    etag: calendarEtag(r.row_version as number, r.updated_at as number),
    createdAt: r.created_at as number,
    createdBy: r.created_by as string,
    updatedAt: r.updated_at as number,
    updatedBy: r.updated_by as string,
  };
}
