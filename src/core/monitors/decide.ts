/**
 * From check outcomes to the service's state and the events that record it: pure, the clock is an
 * argument. The runner (app/monitors/runner.ts) runs a probe and asks `step` what it means.
 *
 * Invariants:
 * - Up and down are declared, not sampled: a failed check makes the service down only after
 *   `retries` more failed checks in a row (a check already confirmed its failure by a second
 *   attempt when `confirm` is on); one good check makes it up again. Only a change of the
 *   declared state writes an event, so storage grows with the changes, not with the checks.
 * - The downtime starts when the failure was first seen, not when it was declared: the down
 *   event's instant is the first failed check of the run (`failingSince`), so retries do not
 *   shorten an outage. An up event is dated by the check that saw the service back.
 * - The first check says monitoring began (a monitoring.started event at its instant): from then
 *   on a window without outages is measured as available (docs/availability.md, "Was the window
 *   monitored?"), and the first check's result is recorded whatever it is.
 * - Event ids are derived from the monitor and the instant, so a check run twice (a runner that
 *   died after writing, its claim taken over) writes the same events, and the store keeps one.
 * - A gap (the check ran much later than scheduled: Pledge itself was not running) is recorded in
 *   the state (`gaps`, `lastGap`) and as a monitoring.gap event (`gapEvent`): that time is not
 *   monitored, neither up nor down, so a service last seen down is not counted down through
 *   Pledge's own absence (docs/availability.md, "Was the window monitored?"). Its id is derived
 *   from the monitor and both ends, like the other events' ids from their instants.
 */
import type { MonitorSpec } from './spec.ts';

export type MonitorStatus = 'unknown' | 'up' | 'down';

export interface MonitorState {
  status: MonitorStatus;
  /** Failed checks in a row (0 while up). */
  failures: number;
  /** The first failed check of the current run of failures. */
  failingSince?: number;
  lastCheckAt?: number;
  lastChangeAt?: number;
  lastLatencyMs?: number;
  lastError?: string;
  /** Heartbeats: the last push. */
  lastPushAt?: number;
  /** When monitoring.started was recorded. */
  startedAt?: number;
  /** HTTPS: the certificate's expiry, and whether it is within the warning period. */
  tls?: { expiresAt: number; warning: boolean };
  /** Times Pledge itself did not check when it should have (the runner was down), and the last such stretch. */
  gaps: number;
  lastGap?: { from: number; to: number };
}

export interface CheckOutcome {
  at: number;
  ok: boolean;
  latencyMs?: number;
  error?: string;
  tls?: { expiresAt: number };
}

/** A check.result, monitoring.started or monitoring.gap, in the event vocabulary (docs/events.md). */
export interface MonitorEvent {
  id: string;
  type: 'check.result' | 'monitoring.started' | 'monitoring.gap';
  atMs: number;
  source: string;
  service: string;
  region?: string;
  customer?: string;
  check?: string;
  up?: boolean;
  latencyMs?: number;
  monitor?: string;
  /** monitoring.gap: the stretch nobody watched, ISO instants. */
  from?: string;
  to?: string;
  attributes?: Record<string, unknown>;
}

export const initialState = (): MonitorState => ({ status: 'unknown', failures: 0, gaps: 0 });

function scope(spec: MonitorSpec) {
  return {
    source: spec.source,
    service: spec.service,
    ...(spec.region !== undefined ? { region: spec.region } : {}),
    ...(spec.customer !== undefined ? { customer: spec.customer } : {}),
  };
}

/** The event saying the service is up or down from `at`. */
export function checkEvent(id: string, spec: MonitorSpec, at: number, up: boolean, latencyMs?: number, error?: string): MonitorEvent {
  return {
    id: `monitor:${id}:${at}:${up ? 'up' : 'down'}`,
    type: 'check.result',
    atMs: at,
    ...scope(spec),
    check: spec.check ?? id,
    up,
    ...(latencyMs !== undefined ? { latencyMs: Math.max(0, Math.round(latencyMs)) } : {}),
    attributes: { monitor: id, ...(error ? { error: error.slice(0, 500) } : {}) },
  };
}

function startedEvent(id: string, spec: MonitorSpec, at: number): MonitorEvent {
  return { id: `monitor:${id}:${at}:started`, type: 'monitoring.started', atMs: at, ...scope(spec), monitor: `pledge:${id}` };
}

/** The event saying nobody watched the monitor's scope over `gap` (Pledge was not checking), dated by its end. */
export function gapEvent(id: string, spec: MonitorSpec, gap: { from: number; to: number }): MonitorEvent {
  return {
    id: `monitor:${id}:${gap.from}-${gap.to}:gap`,
    type: 'monitoring.gap',
    atMs: gap.to,
    ...scope(spec),
    monitor: `pledge:${id}`,
    from: new Date(gap.from).toISOString(),
    to: new Date(gap.to).toISOString(),
  };
}

/** What one check outcome makes of the state, and the events to write (in this order, before the state). */
export function step(
  id: string,
  spec: MonitorSpec,
  prior: MonitorState | null,
  o: CheckOutcome,
): { state: MonitorState; events: MonitorEvent[] } {
  const s: MonitorState = { ...(prior ?? initialState()) };
  const events: MonitorEvent[] = [];
  if (s.startedAt === undefined) {
    s.startedAt = o.at;
    events.push(startedEvent(id, spec, o.at));
  }
  s.lastCheckAt = o.at;
  if (o.latencyMs !== undefined) s.lastLatencyMs = Math.round(o.latencyMs);
  if (o.tls) {
    const warnMs = (spec.kind === 'http' ? spec.tlsExpiryWarnDays : 0) * 86_400_000;
    s.tls = { expiresAt: o.tls.expiresAt, warning: o.tls.expiresAt - o.at <= warnMs };
  }
  if (o.ok) {
    s.failures = 0;
    delete s.failingSince;
    delete s.lastError;
    if (s.status !== 'up') {
      s.status = 'up';
      s.lastChangeAt = o.at;
      events.push(checkEvent(id, spec, o.at, true, o.latencyMs));
    }
    return { state: s, events };
  }
  s.failures += 1;
  s.failingSince ??= o.at;
  if (o.error !== undefined) s.lastError = o.error.slice(0, 500);
  if (s.status !== 'down' && s.failures > spec.retries) {
    s.status = 'down';
    s.lastChangeAt = s.failingSince;
    events.push(checkEvent(id, spec, s.failingSince, false, undefined, o.error));
  }
  return { state: s, events };
}

/**
 * A heartbeat push at `at`: the job ran, the service is up from then (step with a success), and
 * the beat is recorded (`lastPushAt`). Two rules keep the facts right when a push and the runner's
 * "no beat in time" race (app/monitors: both compare-and-set the state and try again):
 * - an up is never dated at or before the down the state records (a miss the runner dated after
 *   this push began): it is dated 1 ms after it, so the facts read down, then up;
 * - a push later than its deadline writes an up event even when the state says up: the runner may
 *   have written that deadline's down without recording it in the state (it died in between, or
 *   lost the race), and an up after it is what makes the facts end up.
 */
export function heartbeatPush(
  id: string,
  spec: MonitorSpec,
  prior: MonitorState | null,
  at: number,
): { state: MonitorState; events: MonitorEvent[] } {
  const upAt = prior?.status === 'down' && prior.lastChangeAt !== undefined ? Math.max(at, prior.lastChangeAt + 1) : at;
  const r = step(id, spec, prior, { at: upAt, ok: true });
  const grace = spec.kind === 'heartbeat' ? spec.grace : 0;
  const late = prior?.lastPushAt !== undefined && at > prior.lastPushAt + spec.interval + grace;
  if (late && !r.events.some((e) => e.type === 'check.result')) r.events.push(checkEvent(id, spec, upAt, true));
  r.state.lastPushAt = at;
  return r;
}

/** Lateness below this is the runner being busy, not Pledge being away: no gap is recorded for it. */
export const GAP_FLOOR_MS = 5_000;

/**
 * When the next check is due after one scheduled at `scheduled` ran at `now`: one interval on, or,
 * when that is past already (the runner was down or far behind), one interval from now, so a
 * runner coming back does not run the missed checks in a burst. `gap`: the stretch nobody checked,
 * when the check is later than an interval and GAP_FLOOR_MS both.
 */
export function nextCheck(scheduled: number, now: number, intervalMs: number): { at: number; gap?: { from: number; to: number } } {
  const next = scheduled + intervalMs;
  if (next > now) return { at: next };
  return { at: now + intervalMs, ...(now - scheduled > Math.max(intervalMs, GAP_FLOOR_MS) ? { gap: { from: scheduled, to: now } } : {}) };
}

/** Records a gap in the state (Pledge did not check from `from` to `to`): counted, never downtime (its event: gapEvent). */
export function withGap(s: MonitorState | null, gap: { from: number; to: number }): MonitorState {
  const base = s ?? initialState();
  return { ...base, gaps: base.gaps + 1, lastGap: gap };
}
