/**
 * Whether a window was monitored at all, and from when: no data is not perfect availability.
 *
 * An availability figure is uptime over the time measured. With no outage reported, a window is
 * 100% available only if someone was watching; a month before the probes were installed, or one in
 * which the feed was silent, has no evidence either way, so it is `no_data`, never met (and owes
 * nothing). The evidence, in order of authority (docs/availability.md, "Was the window monitored?"):
 *
 * 1. A declared start (the agreement's `monitoring.since`): monitored from then on, continuously;
 *    nothing before it is measured, whatever the events say. The declaration is the contract's
 *    word, so it wins over events.
 * 2. A `monitoring.started` event in scope: monitored from its instant on, continuously.
 * 3. Check results: a probe's state is known from its first sample (samples.ts), so the window that
 *    holds the first sample is monitored from it, and a later window is monitored when a check
 *    reported in it. A window in which no check reported is not: a silent probe is no evidence.
 * 4. Outage and maintenance reports (an outage or maintenance window overlapping the window): the
 *    service was operated and watched in that window, so the whole window is presumed monitored.
 *    Taking the first report's instant as the start instead would make every outage-only feed
 *    start its monitoring with an outage. The presumption gives way to a monitoring.started inside
 *    the window: then the window is monitored from it, or from an earlier report's start. (A first
 *    check result dates its probe, not the watching, so it does not cut a reported window.)
 *
 * Without 1 or 2 a window is monitored only with evidence inside it (3 or 4), so a quiet month of a
 * feed that reports only failures is no_data: declare the start, or send monitoring.started, to
 * have quiet months measured. The coverage of a window is a suffix [from, window end) (the term's
 * end is cut by settlement) less the gaps in it: `monitoring.gap` events say nobody watched from
 * one instant to another (Pledge's own monitors, when Pledge was not running). Gap time is not
 * monitored: no data, neither up nor down, so the state known before a gap (a check that was
 * down) does not carry across it; only an outage report covering part of a gap makes that part
 * watched (its reporter watched it), and down. A gap is one fact with both
 * ends rather than a stopped/started pair: it is only known once it is over, so it is written
 * whole, and a lost half could never leave a scope unmonitored for good. A window entirely in
 * gaps is not monitored.
 *
 * Pure: instants are epoch ms, the evidence is built once per target and asked per window.
 */
import { type Why, why } from '../i18n/settlement.ts';
import { formatInstant, parseInstant } from '../time/instant.ts';
import type { Timed } from '../events/schema.ts';
import type { CheckSample, MaintenanceWindow, OutageInterval } from './types.ts';

export type MonitoringBasis = 'declared' | 'monitoring_started' | 'checks' | 'reports' | 'none';

export interface MonitoringEvidence {
  /** The agreement's declared start, epoch ms. */
  declaredFrom?: number;
  /** The earliest monitoring.started in scope, or null. */
  started: number | null;
  /** Check sample instants, ascending. */
  checks: number[];
  /** Outage intervals and maintenance windows, as [start, end) pairs. */
  reports: Array<{ start: number; end: number }>;
  /** Stretches nobody watched (monitoring.gap), [start, end), sorted, disjoint. */
  gaps: Array<{ start: number; end: number }>;
}

export interface MonitoringCoverage {
  /** The window is monitored from this instant (at or after its start) to its end; null: not at all. */
  from: number | null;
  basis: MonitoringBasis;
  /** The evidence in words, for reasons and notes. */
  text: string;
  /** `text` as one clause, to say in any language (src/core/i18n/compliance.ts). */
  textWhy: Why[];
  /** Stretches of [from, window end) nobody watched (monitoring.gap): not measured. Empty when none. */
  gaps: Array<{ start: number; end: number }>;
}

/** The evidence of a target's scope, from its (already scoped) events and the intervals built from them. */
export function monitoringEvidence(
  events: readonly Timed[],
  intervals: { outages: readonly OutageInterval[]; maintenance: readonly MaintenanceWindow[]; samples: readonly CheckSample[] },
  declaredFrom?: number,
): MonitoringEvidence {
  let started: number | null = null;
  for (const e of events) if (e.type === 'monitoring.started' && (started === null || e.atMs < started)) started = e.atMs;
  const checks = intervals.samples.map((s) => s.at).sort((a, b) => a - b);
  const reports = [...intervals.outages, ...intervals.maintenance].map((x) => ({ start: x.start, end: x.end }));
  return {
    ...(declaredFrom !== undefined ? { declaredFrom } : {}),
    started,
    checks,
    reports,
    gaps: lessReported(gapsOf(events), intervals.outages),
  };
}

/**
 * The gaps less the time an outage report covers. A gap says Pledge's own monitors were not
 * watching; whoever reported an outage then (a person, a service desk, a status page incident)
 * was, so that time is measured, and down, rather than set aside with the gap. Pledge's monitors
 * write check results, never outage reports, so a gap never hides behind its own monitor's data.
 * Both lists sorted by start; gaps disjoint.
 */
function lessReported(
  gaps: Array<{ start: number; end: number }>,
  outages: readonly OutageInterval[],
): Array<{ start: number; end: number }> {
  if (gaps.length === 0 || outages.length === 0) return gaps;
  const cover = outages
    .filter((o) => o.end > o.start)
    .map((o) => ({ start: o.start, end: o.end }))
    .sort((a, b) => a.start - b.start);
  const out: Array<{ start: number; end: number }> = [];
  let j = 0;
  for (const g of gaps) {
    let s = g.start;
    while (j < cover.length && cover[j]!.end <= s) j++;
    for (let k = j; k < cover.length && cover[k]!.start < g.end && s < g.end; k++) {
      const c = cover[k]!;
      if (c.end <= s) continue;
      if (c.start > s) out.push({ start: s, end: c.start });
      s = Math.max(s, c.end);
    }
    if (s < g.end) out.push({ start: s, end: g.end });
  }
  return out;
}

/** The monitoring.gap stretches of the events, merged (overlapping or touching gaps are one). */
function gapsOf(events: readonly Timed[]): Array<{ start: number; end: number }> {
  const raw: Array<{ start: number; end: number }> = [];
  for (const e of events) {
    if (e.type !== 'monitoring.gap') continue;
    const start = parseInstant(e.from);
    const end = parseInstant(e.to);
    if (start.ok && end.ok && end.value > start.value) raw.push({ start: start.value, end: end.value });
  }
  raw.sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Array<{ start: number; end: number }> = [];
  for (const g of raw) {
    const last = out[out.length - 1];
    if (last && g.start <= last.end) last.end = Math.max(last.end, g.end);
    else out.push({ ...g });
  }
  return out;
}

/**
 * The coverage less the gaps inside [coverage.from, to): the gaps cut to it, each said in a clause
 * of its own, and a window left with nothing monitored is not monitored at all (no_data). Gaps are
 * merged, so such a window lies in one gap.
 */
function lessGaps(c: MonitoringCoverage, gaps: MonitoringEvidence['gaps'], to: number, zone: string): MonitoringCoverage {
  if (c.from === null || gaps.length === 0) return c;
  const from = c.from;
  const at = (ms: number) => formatInstant(ms, zone);
  const instant = (ms: number) => ({ at: formatInstant(ms), zone });
  const inside = gaps
    .filter((g) => g.start < to && g.end > from)
    .map((g) => ({ start: Math.max(g.start, from), end: Math.min(g.end, to) }));
  if (inside.length === 0) return c;
  const gapMs = inside.reduce((n, g) => n + g.end - g.start, 0);
  if (gapMs >= to - from) {
    return {
      from: null,
      basis: 'none',
      text: `not monitored: nobody watched from ${at(from)} to ${at(to)} (monitoring.gap)`,
      textWhy: [why('monitoring.gap_whole', { from: instant(from), to: instant(to) })],
      gaps: [],
    };
  }
  return {
    ...c,
    text: [c.text, ...inside.map((g) => `not monitored from ${at(g.start)} to ${at(g.end)} (monitoring.gap)`)].join('; '),
    textWhy: [...c.textWhy, ...inside.map((g) => why('monitoring.gap', { from: instant(g.start), to: instant(g.end) }))],
    gaps: inside,
  };
}

/** First index i with a[i] >= x (a ascending). */
function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** From when, if at all, the window [from, to) was monitored (see the module comment). */
export function monitoringCoverage(ev: MonitoringEvidence, window: { from: number; to: number }, zone = 'UTC'): MonitoringCoverage {
  return lessGaps(coverageFromStart(ev, window, zone), ev.gaps ?? [], window.to, zone);
}

/** From when the window was monitored, gaps aside. */
function coverageFromStart(ev: MonitoringEvidence, window: { from: number; to: number }, zone: string): MonitoringCoverage {
  const { from, to } = window;
  const at = (ms: number) => formatInstant(ms, zone);
  // Clause params: the instant in UTC and the zone to show it in (never the formatted text).
  const instant = (ms: number) => ({ at: formatInstant(ms), zone });
  const clause = (start: number, basis: MonitoringBasis, evidence: 'first_check' | 'checks' | 'report' | 'reports'): Why => {
    const whole = start <= from;
    if (basis === 'declared')
      return whole
        ? why('monitoring.throughout_declared', { declared: instant(ev.declaredFrom!) })
        : why('monitoring.from_declared', { from: instant(start), declared: instant(ev.declaredFrom!) });
    if (basis === 'monitoring_started')
      return whole
        ? why('monitoring.throughout_started', { started: instant(ev.started!) })
        : why('monitoring.from_started', { from: instant(start), started: instant(ev.started!) });
    return whole ? why('monitoring.throughout', { evidence }) : why('monitoring.from', { from: instant(start), evidence });
  };
  const said = (
    start: number,
    basis: MonitoringBasis,
    why: string,
    evidence: 'first_check' | 'checks' | 'report' | 'reports' = 'checks',
  ): MonitoringCoverage => ({
    from: start,
    basis,
    text: start > from ? `monitored from ${at(start)} (${why})` : `monitored throughout (${why})`,
    textWhy: [clause(start, basis, evidence)],
    gaps: [],
  });
  if (ev.declaredFrom !== undefined) {
    if (ev.declaredFrom >= to) {
      return {
        from: null,
        basis: 'none',
        text: `not monitored: monitoring is declared to start ${at(ev.declaredFrom)}, after this window`,
        textWhy: [why('monitoring.declared_after', { declared: instant(ev.declaredFrom) })],
        gaps: [],
      };
    }
    return said(Math.max(from, ev.declaredFrom), 'declared', `monitoring declared from ${at(ev.declaredFrom)}`);
  }
  const candidates: MonitoringCoverage[] = [];
  if (ev.started !== null && ev.started < to) {
    candidates.push(said(Math.max(from, ev.started), 'monitoring_started', `monitoring.started ${at(ev.started)}`));
  }
  const i = lowerBound(ev.checks, from);
  if (i < ev.checks.length && ev.checks[i]! < to) {
    const first = ev.checks[0]!;
    const evidence = first >= from ? 'first_check' : 'checks';
    candidates.push(
      said(Math.max(from, first), 'checks', first >= from ? 'the first check result' : 'check results in the window', evidence),
    );
  }
  // Reports that touch the window (a zero-length one counts where it lies).
  let firstReport = Infinity;
  for (const r of ev.reports) {
    if (r.start < to && (r.end > from || (r.start >= from && r.end === r.start))) firstReport = Math.min(firstReport, r.start);
  }
  if (firstReport < Infinity) {
    // A monitoring.started inside the window says the time before it was not watched, unless a
    // report proves otherwise. (A first check result does not: it dates the probe, not the watch.)
    const known = ev.started ?? Infinity;
    const start = known > from && known < to ? Math.max(from, firstReport) : from;
    candidates.push(
      said(
        start,
        'reports',
        start > from ? 'an outage or maintenance report' : 'outage or maintenance reports in the window',
        start > from ? 'report' : 'reports',
      ),
    );
  }
  if (candidates.length === 0) {
    return {
      from: null,
      basis: 'none',
      text:
        'not monitored: no check result, outage, maintenance or monitoring.started event in this window, ' +
        'and no monitoring start declared (monitoring.since)',
      textWhy: [why('monitoring.none', {})],
      gaps: [],
    };
  }
  // The earliest start wins; at equal starts the more explicit evidence names it (stable sort).
  candidates.sort((a, b) => a.from! - b.from!);
  return candidates[0]!;
}
