/**
 * Derived results as they are shown to people and programs (the HTTP API, `pledge report --json`):
 * every instant is an ISO 8601 string in UTC, never epoch milliseconds. The core computes and the
 * store keeps instants as epoch ms (cheap to compare and add); this is the one place that turns the
 * instants inside a compliance result or a settlement into text, so no answer mixes the two.
 *
 * Only presentation: fields are passed through as computed, except the instants, and the grace
 * window's `startMs`/`endMs`, which are shown as `start`/`end` (they are no longer milliseconds).
 */
import type { TargetEvaluation } from '../core/metrics/compliance.ts';
import type { Settlement } from '../core/penalties/index.ts';

/** An instant (epoch ms) as ISO 8601 in UTC, e.g. 2026-10-01T08:00:00.000Z. */
export const isoInstant = (ms: number): string => new Date(ms).toISOString();

/** A span [from, to) of instants, with whatever else it carries (label, zone, days). */
function span<T extends { from: number; to: number }>(w: T): Omit<T, 'from' | 'to'> & { from: string; to: string } {
  return { ...w, from: isoInstant(w.from), to: isoInstant(w.to) };
}

/** A stored compliance result (src/core/metrics/compliance.ts), its window's instants as ISO. */
export function presentEvaluation(e: TargetEvaluation) {
  const { figures, ...measurement } = e.measurement;
  const monitoring = figures?.monitoring;
  const shown = figures && {
    downtimeMs: figures.downtimeMs,
    eligibleMs: figures.eligibleMs,
    excludedMs: figures.excludedMs,
    ...(monitoring ? { monitoring: { from: monitoring.from === null ? null : isoInstant(monitoring.from), text: monitoring.text } } : {}),
  };
  return { ...e, window: span(e.window), measurement: { ...measurement, ...(shown ? { figures: shown } : {}) } };
}

export type EvaluationView = ReturnType<typeof presentEvaluation>;

/** A settlement (src/core/penalties), its instants as ISO: period, grace window, contract years, windows and due dates. */
export function presentSettlement(s: Settlement) {
  const grace =
    s.grace === null ? null : (({ startMs, endMs, ...rest }) => ({ ...rest, start: isoInstant(startMs), end: isoInstant(endMs) }))(s.grace);
  return {
    ...s,
    period: span(s.period),
    grace,
    contractYear: s.contractYear === null ? null : span(s.contractYear),
    lines: s.lines.map((l) => ({
      ...l,
      compliance: l.compliance === null ? null : { ...l.compliance, window: span(l.compliance.window) },
      due: l.due === null ? null : { ...l.due, from: isoInstant(l.due.from) },
    })),
    caps: s.caps.map((c) => ({ ...c, year: c.year === null ? null : span(c.year) })),
  };
}

export type SettlementView = ReturnType<typeof presentSettlement>;
