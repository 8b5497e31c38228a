/**
 * Measures a tenant's ratio targets (metric: ratio) from Prometheus, each over its current window
 * (the one that contains now, as the stored results give it), and records each measurement as a
 * `ratio.measured` event with its evidence (the queries as sent and Prometheus' answers), through
 * the same ingestion as every event. So the figure enters the derived results, the compliance
 * states, the budgets and the alerts exactly as other events do, and a rebuild gives it back.
 *
 * Invariants: a target Prometheus cannot measure now (unreachable, a query refused) gets no event,
 * so its window keeps its previous measurement or stays no data, never a figure made up; the
 * failure is answered per target, saying whether a retry helps. An event's id names the agreement,
 * target, window and instant, so sending the same measurement twice changes nothing.
 */
import type { PrometheusConfig } from '../config.ts';
import type { Store, TenantId } from '../../store/types.ts';
import { formatInstant } from '../../core/time/instant.ts';
import { freshResults } from '../results.ts';
import { ingestBatch } from '../ingest.ts';
import type { IngestLimits } from '../ingest.ts';
import { measureRatio, PrometheusError, type PrometheusTarget } from './measure.ts';
import type { TermsVersion } from '../../core/agreements/settlement.ts';
import { measuredAgreements } from '../derive.ts';
import { resolveWindow, windowContaining } from '../../core/metrics/window.ts';

export interface TargetMeasured {
  agreement: string;
  target: string;
  window: string;
  /** good / total in percent; null: nothing scraped in the window (no data). */
  value: number | null;
  event: string;
}

export interface TargetNotMeasured {
  agreement: string;
  target: string;
  window: string;
  error: string;
  retryable: boolean;
}

interface Doc {
  targets?: Array<{ id?: unknown; metric?: unknown; prometheus?: { good?: unknown; total?: unknown } }>;
}

export interface MeasureContext {
  store: Store;
  tenant: TenantId;
  now: number;
  prometheus: PrometheusConfig;
  limits: IngestLimits;
  audit?: { actor: string; requestId?: string };
}

/** How long after a window's end its final figure is measured: the last scrapes before the end are in by then. */
export const SETTLE_MS = 60_000;

/**
 * The current windows, and with `from` (POST /v1/measurements/prometheus, docs/prometheus.md) the
 * final figure of each calendar window that ended after `from` (and a minute before now) and has none.
 */
export async function measurePrometheusTargets(
  ctx: MeasureContext & { from?: number },
): Promise<{ measured: TargetMeasured[]; failed: TargetNotMeasured[] }> {
  const { measured, failed } = await measureTenantTargets({
    ...ctx,
    ...(ctx.from !== undefined ? { ended: { after: ctx.from, until: ctx.now - SETTLE_MS } } : {}),
  });
  return { measured, failed };
}

const CALENDAR = new Set(['month', 'quarter', 'year']);

/** The final event's id of a window: the instant is the window's last millisecond. */
const finalEventId = (agreement: string, target: string, w: { from: number; to: number }) =>
  `prometheus:${agreement}:${target}:${formatInstant(w.from)}:${formatInstant(w.to - 1)}`;

/** Orders a tenant's windows (by target, then oldest first: a target's ended windows before its current one) and names where a cut run resumes. */
const windowKey = (agreement: string, target: string, from: number) => `${agreement}#${target}#${String(from).padStart(16, '0')}`;

/**
 * measurePrometheusTargets for the runner (./runner.ts): besides the current windows, the final
 * figure of every calendar window that ended in (ended.after, ended.until], within its agreement's
 * monitored period, and has none yet (its final event, whose id is deterministic, is not stored):
 * each measured over the whole window, as of its end, with the queries of the version in force when
 * it began (a target that version did not have is skipped). So windows that ended while no one
 * measured, or before the target existed, are filled in (backfill), and none is measured twice.
 *
 * Bounded: `stop` is asked before each window (never before the first, so a run always makes
 * progress); once it says yes, the windows left are not measured and `resume` names the first of
 * them: a run given it skips the windows before it (in windowKey order). What was measured is
 * recorded either way. Also answers `nextEnd`, the earliest end after now of a calendar window
 * measured (null: none), and `targets`, how many ratio targets with queries the tenant has.
 */
export async function measureTenantTargets(
  ctx: MeasureContext & { ended?: { after: number; until: number }; stop?: () => boolean; resume?: string },
): Promise<{ measured: TargetMeasured[]; failed: TargetNotMeasured[]; nextEnd: number | null; targets: number; resume?: string }> {
  const { store, tenant, now } = ctx;
  const queries = new Map<string, PrometheusTarget>();
  let after: string | undefined;
  do {
    const page = await store.listAgreements<Doc>(tenant, { limit: 1000, ...(after ? { after } : {}) });
    for (const a of page.items)
      for (const t of a.document?.targets ?? [])
        if (
          t.metric === 'ratio' &&
          typeof t.id === 'string' &&
          typeof t.prometheus?.good === 'string' &&
          typeof t.prometheus.total === 'string'
        )
          queries.set(`${a.id}\u0000${t.id}`, { good: t.prometheus.good, total: t.prometheus.total });
    after = page.next;
  } while (after);
  // A tenant without any (most, on a server that has a Prometheus for a few): nothing to bring up to date.
  if (queries.size === 0) return { measured: [], failed: [], nextEnd: null, targets: 0 };
  await freshResults(store, tenant, now);

  const measured: TargetMeasured[] = [];
  const failed: TargetNotMeasured[] = [];
  const events: Array<Record<string, unknown>> = [];
  const windows: Array<{ agreementId: string; target: string; label: string; from: number; to: number; queries: PrometheusTarget }> = [];
  for (const w of await store.currentWindows(tenant, now)) {
    const q = queries.get(`${w.agreementId}\u0000${w.target}`);
    if (q)
      windows.push({
        agreementId: w.agreementId,
        target: w.target,
        label: w.window,
        from: w.value.window.from,
        to: w.value.window.to,
        queries: q,
      });
  }
  // A target none of whose windows is computed yet (an agreement with no event at all: the results
  // start at the first one) is measured over the calendar window that contains now, in the
  // agreement's zone, as the results will cut it; rolling windows wait for the first event.
  const seen = new Set(windows.map((w) => `${w.agreementId}\u0000${w.target}`));
  const calendar = new Set<string>();
  const ended = ctx.ended && ctx.ended.until > ctx.ended.after ? ctx.ended : undefined;
  if (seen.size < queries.size || ended) {
    for (const m of (await measuredAgreements(store, tenant)).measured) {
      for (const t of m.terms.targets) {
        const key = `${m.id}\u0000${t.id}`;
        const q = queries.get(key);
        if (!q || (t.window !== 'month' && t.window !== 'quarter' && t.window !== 'year')) continue;
        calendar.add(key);
        // The windows that ended in the span, within the agreement's monitored period: a few (the
        // shortest is a month; the runner's span is its lookback), each measured as of its end, so
        // its figure covers all of it, unless its final figure is stored already.
        for (
          let end = ended ? windowEndingBy(t.window, ended.until, m.zone) : undefined;
          end && end.to > ended!.after && end.to > m.monitored.from;
          end = windowEndingBy(t.window, end.from, m.zone)
        ) {
          if (end.to > m.monitored.to) continue;
          const then = queriesInForce(m.versions, end.from, t.id, q);
          if (!then || (await store.getEvent(tenant, 'prometheus', finalEventId(m.id, t.id, end)))) continue;
          windows.push({ agreementId: m.id, target: t.id, label: end.label, from: end.from, to: end.to, queries: then });
        }
        if (seen.has(key) || !(m.monitored.from <= now && now < m.monitored.to)) continue;
        const c = windowContaining(t.window, now, m.zone);
        const r = c.ok ? resolveWindow(c.value, m.zone) : undefined;
        if (r?.ok) windows.push({ agreementId: m.id, target: t.id, label: r.value.label, from: r.value.from, to: r.value.to, queries: q });
      }
    }
  }
  let nextEnd: number | null = null;
  for (const w of windows)
    if (w.to > now && (calendar.has(`${w.agreementId}\u0000${w.target}`) || CALENDAR.has(windowKind(w.label))))
      nextEnd = nextEnd === null ? w.to : Math.min(nextEnd, w.to);
  const ordered = windows
    .map((w) => ({ ...w, key: windowKey(w.agreementId, w.target, w.from) }))
    .filter((w) => ctx.resume === undefined || w.key >= ctx.resume)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  let resume: string | undefined;
  for (const [i, w] of ordered.entries()) {
    if (i > 0 && ctx.stop?.()) {
      resume = w.key;
      break;
    }
    const window = { from: w.from, to: w.to };
    const where = { agreement: w.agreementId, target: w.target, window: w.label };
    try {
      const m = await measureRatio({ url: ctx.prometheus.url, timeoutMs: ctx.prometheus.timeoutMs, target: w.queries, window, now });
      // Inside the window it measures, so it is that window's event (an instant at its end belongs to
      // the next), and before now: the results cover events before the instant they are computed at.
      const at = Math.max(window.from, Math.min(m.evidence.at, window.to - 1, now - 1));
      const id = `prometheus:${w.agreementId}:${w.target}:${formatInstant(window.from)}:${formatInstant(at)}`;
      events.push({
        id,
        type: 'ratio.measured',
        at: formatInstant(at),
        source: 'prometheus',
        agreement: w.agreementId,
        target: w.target,
        window: { from: formatInstant(window.from), to: formatInstant(window.to) },
        good: m.figures?.good ?? null,
        total: m.figures?.total ?? null,
        evidence: { ...m.evidence, at: formatInstant(m.evidence.at) },
      });
      const value = m.figures && m.figures.total > 0 ? Math.min(100, (m.figures.good / m.figures.total) * 100) : null;
      measured.push({ ...where, value, event: id });
    } catch (e) {
      if (!(e instanceof PrometheusError)) throw e;
      failed.push({ ...where, error: e.query ? `${e.message} (query: ${e.query})` : e.message, retryable: e.retryable });
    }
  }
  if (events.length > 0) {
    const r = await ingestBatch(
      { tenant, store, now, limits: ctx.limits, ...(ctx.audit ? { audit: ctx.audit } : {}) },
      { body: JSON.stringify(events), format: 'json', allOrNothing: true },
    );
    // Pledge makes these events itself: one refused is a bug, not bad input.
    if (!r.ok || !r.report.committed)
      throw new Error(`ratio.measured events refused: ${JSON.stringify(r.ok ? r.report.results : r.error)}`);
  }
  return { measured, failed, nextEnd, targets: queries.size, ...(resume !== undefined ? { resume } : {}) };
}

/**
 * A target's queries in the version in force when a window began (an amended agreement settles
 * each period with that version): undefined when that version had no such ratio target; `current`
 * when the agreement was never amended.
 */
function queriesInForce(versions: readonly TermsVersion[] | undefined, from: number, target: string, current: PrometheusTarget) {
  if (!versions || versions.length === 0) return current;
  let v = versions[0]!;
  for (const x of versions) if (x.effective <= from) v = x;
  const t = v.terms.targets.find((x) => x.id === target);
  return t?.metric === 'ratio' && t.prometheus ? { good: t.prometheus.good, total: t.prometheus.total } : undefined;
}

/** The last calendar window of this kind that ends at or before `t`, resolved: the one containing t - 1, or the one before it. */
function windowEndingBy(
  kind: 'month' | 'quarter' | 'year',
  t: number,
  zone: string,
): { from: number; to: number; label: string } | undefined {
  const at = (i: number) => {
    const c = windowContaining(kind, i, zone);
    const r = c.ok ? resolveWindow(c.value, zone) : undefined;
    return r?.ok ? r.value : undefined;
  };
  const w = at(t - 1);
  return w && w.to > t ? at(w.from - 1) : w;
}

/** A window label's kind: `2026-10` month, `2026-Q4` quarter, `2026` year; anything else (rolling, a range) ''. */
function windowKind(label: string): string {
  return /^\d{4}-\d{2}$/.test(label) ? 'month' : /^\d{4}-Q[1-4]$/.test(label) ? 'quarter' : /^\d{4}$/.test(label) ? 'year' : '';
}
