/**
 * Built-in monitors as use cases (docs/monitors.md): create or replace (ETag), pause and resume,
 * delete, view, and a heartbeat's push. The HTTP routes and the CLI are edges over these; the
 * runner (runner.ts) runs the checks.
 *
 * Invariants:
 * - The spec is stored as it was written (durations as text), and parsed again wherever it is
 *   read, so a spec always reads back the way its author wrote it.
 * - A monitor and its timer (`monitor:<id>`) are written in one transaction: a running monitor has
 *   its next check scheduled (at once for a new HTTP or TCP monitor; one interval plus the grace
 *   for a heartbeat), a paused one has none.
 * - A heartbeat monitor's push token is 256 random bits, shown once (in the answer that created
 *   it, or that asked for a new one) and stored only as its SHA-256, as API tokens are.
 * - A replacement that changes what is checked (the kind, the URL, the host or port, the service)
 *   starts the state afresh; otherwise the state (up or down, failures so far) carries over.
 * - Check results reach the store as events through ingestion (ingestBatch), so they are held to
 *   the rules every event is, audited, and signal the alert scheduler like any other batch.
 */
import { createHash, randomBytes } from 'node:crypto';
import { heartbeatPush, type MonitorEvent, type MonitorState } from '../../core/monitors/decide.ts';
import { monitorId, parseMonitorSpec, restoreRedacted, type MonitorSpec } from '../../core/monitors/spec.ts';
import { fail, formatIssue, ok, type Result } from '../../core/validation/issues.ts';
import { validate } from '../../core/validation/zod.ts';
import { MONITOR_TIMER_PREFIX, type Store, type StoredMonitor, type TenantId, type TimerInput } from '../../store/types.ts';
import { ingestBatch, type IngestLimits } from '../ingest.ts';

export interface MonitorContext {
  store: Store;
  tenant: TenantId;
  now: number;
  actor: string;
  /** The operator's floor on intervals (PLEDGE_MONITOR_MIN_INTERVAL); 10 s by default. */
  minIntervalMs?: number;
}

export interface MonitorTimerPayload {
  monitor: string;
}

export const HEARTBEAT_TOKEN_PREFIX = 'pledge_hb_';
export const DEFAULT_MIN_INTERVAL_MS = 10_000;
export const monitorTimerKey = (id: string): string => `${MONITOR_TIMER_PREFIX}${id}`;
export const hashHeartbeatToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Events written by monitors are ingested with these limits (a handful of events per batch). */
export const MONITOR_INGEST_LIMITS: IngestLimits = { batchEvents: 100, batchBytes: 256 * 1024, maxClockSkewMs: 5 * 60_000 };

export function isMonitorTimerPayload(p: unknown): p is MonitorTimerPayload {
  return typeof p === 'object' && p !== null && typeof (p as MonitorTimerPayload).monitor === 'string';
}

/** The first check of a running monitor: at once, or for a heartbeat, when its first beat is overdue. */
export function firstTimer(id: string, spec: MonitorSpec, now: number): TimerInput {
  const fireAt = spec.kind === 'heartbeat' ? now + spec.interval + spec.grace : now;
  return { key: monitorTimerKey(id), fireAt, payload: { monitor: id } satisfies MonitorTimerPayload };
}

function sameTarget(a: MonitorSpec, b: MonitorSpec): boolean {
  if (a.kind !== b.kind || a.service !== b.service || a.region !== b.region || a.customer !== b.customer || a.source !== b.source)
    return false;
  if (a.kind === 'http' && b.kind === 'http') return a.url === b.url && a.method === b.method;
  if (a.kind === 'tcp' && b.kind === 'tcp') return a.host === b.host && a.port === b.port;
  return true;
}

export type PutMonitorOutcome =
  | { status: 'created' | 'updated'; monitor: StoredMonitor<unknown, MonitorState>; token?: string }
  | { status: 'stale'; current?: StoredMonitor };

/**
 * Creates or replaces a monitor. `ifMatch`: null = create only, a string = replace only that
 * version, absent = either. `newToken`: a heartbeat monitor gets a new push token (the old one
 * stops working); a new heartbeat monitor always gets one.
 */
export async function putMonitor(
  ctx: MonitorContext,
  input: { id: string; spec: unknown; ifMatch?: string | null; newToken?: boolean },
): Promise<Result<PutMonitorOutcome>> {
  const id = validate(monitorId, input.id);
  if (!id.ok) return fail(...id.issues.map((i) => ({ ...i, path: 'id' })));
  const current = await ctx.store.getMonitor<unknown, MonitorState>(ctx.tenant, id.value);
  // A spec read back from the API has its header values redacted: those keep the stored ones.
  const given = restoreRedacted(input.spec, current?.spec);
  if (!given.ok) return given;
  const parsed = parseMonitorSpec(given.value);
  if (!parsed.ok) return parsed;
  const spec = parsed.value;
  const floor = ctx.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
  if (spec.interval < floor)
    return fail({
      path: 'interval',
      message: `the interval is at least ${floor} ms on this server (PLEDGE_MONITOR_MIN_INTERVAL)`,
      received: `${spec.interval} ms`,
    });
  const was = current ? parseMonitorSpec(current.spec) : null;
  const paused = current?.paused ?? false;
  let token: string | undefined;
  let tokenHash: string | null | undefined;
  if (spec.kind === 'heartbeat') {
    if (input.newToken || !current?.tokenHash) {
      token = HEARTBEAT_TOKEN_PREFIX + randomBytes(32).toString('base64url');
      tokenHash = hashHeartbeatToken(token);
    }
  } else tokenHash = null;
  const fresh = !was?.ok || !sameTarget(was.value, spec);
  const r = await ctx.store.putMonitor(
    ctx.tenant,
    {
      id: id.value,
      spec: given.value,
      paused,
      ...(tokenHash !== undefined ? { tokenHash } : {}),
      ...(fresh ? { state: null } : {}),
      at: ctx.now,
      by: ctx.actor,
    },
    paused ? null : firstTimer(id.value, spec, ctx.now),
    input.ifMatch,
    { at: ctx.now, actor: ctx.actor, action: current ? 'monitor.update' : 'monitor.create', subject: `monitor:${id.value}` },
  );
  if (r.status === 'stale') return ok(r);
  return ok({ status: r.status, monitor: r.monitor as StoredMonitor<unknown, MonitorState>, ...(token ? { token } : {}) });
}

/** Pauses (no checks, no timer) or resumes (checked from now) a monitor. */
export async function pauseMonitor(
  ctx: MonitorContext,
  input: { id: string; paused: boolean; ifMatch?: string },
): Promise<'not_found' | 'stale' | 'invalid' | StoredMonitor<unknown, MonitorState>> {
  const current = await ctx.store.getMonitor<unknown, MonitorState>(ctx.tenant, input.id);
  if (!current) return 'not_found';
  const spec = parseMonitorSpec(current.spec);
  if (!spec.ok) return 'invalid';
  const r = await ctx.store.putMonitor(
    ctx.tenant,
    { id: current.id, spec: current.spec, paused: input.paused, at: ctx.now, by: ctx.actor },
    input.paused ? null : firstTimer(current.id, spec.value, ctx.now),
    input.ifMatch ?? current.etag,
    { at: ctx.now, actor: ctx.actor, action: input.paused ? 'monitor.pause' : 'monitor.resume', subject: `monitor:${current.id}` },
  );
  if (r.status === 'stale') return 'stale';
  return r.monitor as StoredMonitor<unknown, MonitorState>;
}

/** Writes a monitor's events through ingestion; throws when the store refuses them (the check is tried again). */
export async function writeMonitorEvents(
  store: Store,
  tenant: TenantId,
  monitor: string,
  events: readonly MonitorEvent[],
  now: number,
): Promise<void> {
  if (events.length === 0) return;
  const body = JSON.stringify(events.map(({ atMs, ...e }) => ({ ...e, at: new Date(atMs).toISOString() })));
  const r = await ingestBatch(
    { tenant, store, now, limits: MONITOR_INGEST_LIMITS, audit: { actor: `monitor:${monitor}` } },
    { body, format: 'json' },
  );
  if (!r.ok) throw new Error(`monitor ${monitor}: its events were refused: ${r.error.message}`);
  const bad = r.report.results.find((x) => x.status === 'rejected');
  if (bad && bad.status === 'rejected')
    throw new Error(`monitor ${monitor}: an event was refused: ${bad.issues.map(formatIssue).join('; ')}`);
}

/** Pushes closer together than this are recorded once (the first): see recordHeartbeat. */
export const PUSH_COALESCE_MS = 1_000;

export type HeartbeatOutcome = { status: 'recorded'; monitor: string; up: boolean } | { status: 'unknown_token' } | { status: 'paused' };

/**
 * A push to a heartbeat monitor: the job ran. The service is up from now (an up event when it was
 * not), and the next beat is due within the interval and the grace: the timer moves there.
 */
export async function recordHeartbeat(ctx: { store: Store; now: number; token: string }): Promise<HeartbeatOutcome> {
  if (!ctx.token.startsWith(HEARTBEAT_TOKEN_PREFIX) || ctx.token.length > 200) return { status: 'unknown_token' };
  const hash = hashHeartbeatToken(ctx.token);
  const found = await ctx.store.monitorByTokenHash<unknown, MonitorState>(hash);
  if (!found) return { status: 'unknown_token' };
  const { tenant } = found;
  let monitor: StoredMonitor<unknown, MonitorState> | undefined = found.monitor;
  // Compare and set: the runner may record a missed beat meanwhile; then this push is decided
  // again over what it wrote (heartbeatPush dates the up after its down), never over it.
  for (let attempt = 0; ; attempt++) {
    if (!monitor || monitor.tokenHash !== hash) return { status: 'unknown_token' };
    const spec = parseMonitorSpec(monitor.spec);
    if (!spec.ok || spec.value.kind !== 'heartbeat') return { status: 'unknown_token' };
    if (monitor.paused) return { status: 'paused' };
    // A job that pushes in a loop costs a lookup, not writes: a beat within PUSH_COALESCE_MS of the
    // last one recorded, while up, is that beat again (its deadline moves by less than that).
    const last = monitor.state?.lastPushAt;
    if (monitor.state?.status === 'up' && last !== undefined && ctx.now >= last && ctx.now - last < PUSH_COALESCE_MS)
      return { status: 'recorded', monitor: monitor.id, up: true };
    const { state, events } = heartbeatPush(monitor.id, spec.value, monitor.state, ctx.now);
    await writeMonitorEvents(ctx.store, tenant, monitor.id, events, ctx.now);
    if (await ctx.store.setMonitorState(tenant, monitor.id, state, { state: monitor.state })) {
      await ctx.store.scheduleTimers(tenant, [
        { key: monitorTimerKey(monitor.id), fireAt: ctx.now + spec.value.interval + spec.value.grace, payload: { monitor: monitor.id } },
      ]);
      return { status: 'recorded', monitor: monitor.id, up: state.status === 'up' };
    }
    if (attempt >= 9) throw new Error(`monitor ${monitor.id}: its state kept changing while a heartbeat was recorded`);
    monitor = await ctx.store.getMonitor<unknown, MonitorState>(tenant, monitor.id);
  }
}
