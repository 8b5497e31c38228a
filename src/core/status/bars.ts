/**
 * The daily uptime bars of a public status page: one bar per civil day of the agreement's zone,
 * the last `days` days up to `now`, each measured by the agreement's own availability rules
 * (availabilityOptionsFor: maintenance excluded only where announced with the notice it requires,
 * the exclusions it names, its service hours) with the same engine as its windows.
 *
 * - A day is a civil day of the zone, so it has 23 or 25 hours on a daylight-saving change; today
 *   is measured up to `now`.
 * - A day is measured only where there is evidence that the service was watched (the same rule as
 *   the agreement: availability/monitoring.ts), and only from then on: a day before the service had
 *   any data is `no_data`, never 100%.
 * - A day monitored but with no eligible time (all of it in announced maintenance, or outside the
 *   service hours) is `not_measured`: nothing to count, not 100%.
 * - `up`: no downtime; `degraded`: downtime, still at or above the target; `down`: below it.
 * Pure: the events, the rules, the zone and `now` are arguments.
 */
import { availability } from '../availability/compute.ts';
import { intervalsFromEvents } from '../availability/events.ts';
import { monitoringCoverage, monitoringEvidence } from '../availability/monitoring.ts';
import type { AvailabilityOptions } from '../availability/types.ts';
import type { Timed } from '../events/schema.ts';
import { formatCivil, zoneTable } from '../time/zone.ts';

export type BarState = 'no_data' | 'not_measured' | 'up' | 'degraded' | 'down';

export interface DayBar {
  /** YYYY-MM-DD in the zone. */
  date: string;
  from: number;
  /** The day's end, or `now` for today. */
  to: number;
  state: BarState;
  /** 0..1, null when nothing was measured. */
  availability: number | null;
  downtimeMs: number;
  /** Announced maintenance and excluded outages in the day's service time. */
  excludedMs: number;
  /** Eligible time measured. */
  eligibleMs: number;
}

export interface DailyBarsInput {
  /** The service's availability events in the target's scope (those after `now` are ignored). */
  events: readonly Timed[];
  now: number;
  zone: string;
  options: AvailabilityOptions;
  /** The target, in percent (99.9); decides degraded from down. */
  targetPercent: number;
  /** The agreement's declared start of monitoring (monitoring.since), epoch ms. */
  declaredFrom?: number;
  /** Default 90. */
  days?: number;
}

export interface DailyBars {
  bars: DayBar[];
  /** Uptime over the measured days (sum of uptime / sum of eligible time), null when none was. */
  uptime: number | null;
}

export function dailyBars(input: DailyBarsInput): DailyBars {
  const { now, zone, options } = input;
  const days = input.days ?? 90;
  const events = input.events.filter((e) => e.atMs <= now);
  const iv = intervalsFromEvents(events, now);
  const evidence = monitoringEvidence(events, iv, input.declaredFrom);
  const table = zoneTable(zone);
  const today = table.localDay(now);
  const bars: DayBar[] = [];
  let up = 0;
  let eligible = 0;
  for (let d = today - days + 1; d <= today; d++) {
    const from = table.startOfLocalDay(d);
    const dayEnd = table.startOfLocalDay(d + 1);
    const to = Math.min(dayEnd, now);
    const bar: DayBar = {
      date: formatCivil(d),
      from,
      to,
      state: 'no_data',
      availability: null,
      downtimeMs: 0,
      excludedMs: 0,
      eligibleMs: 0,
    };
    bars.push(bar);
    // Evidence over the whole day (a report at 15:00 shows the day was watched), measured up to now.
    const cov = monitoringCoverage(evidence, { from, to: dayEnd }, zone);
    if (cov.from === null) continue;
    if (cov.from >= to) {
      // Watched from before the day began, but none of it has passed (today at midnight): nothing to count yet.
      if (cov.from <= from) bar.state = 'not_measured';
      continue;
    }
    const r = availability(
      { outages: iv.outages, maintenance: iv.maintenance, samples: iv.samples },
      { from: cov.from, to },
      {
        ...options,
        ...(cov.gaps.length ? { unmonitored: cov.gaps } : {}),
      },
    );
    bar.availability = r.availability;
    bar.downtimeMs = r.downtimeMs;
    bar.excludedMs = r.excludedMs;
    bar.eligibleMs = r.eligibleMs;
    if (r.availability === null) {
      bar.state = 'not_measured';
      continue;
    }
    up += r.uptimeMs;
    eligible += r.eligibleMs;
    bar.state = r.downtimeMs === 0 ? 'up' : r.availability * 100 >= input.targetPercent ? 'degraded' : 'down';
  }
  return { bars, uptime: eligible > 0 ? up / eligible : null };
}
