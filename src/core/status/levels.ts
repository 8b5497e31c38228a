/**
 * The current status of a service on a public status page, and of the page as a whole.
 *
 * A service's status is the worst of what is true now (the clock is an argument):
 * - each open incident that names it, at the level the provider gave it;
 * - each outage open now: a full one (weight 1) is a major outage, a partial one a partial outage;
 * - each maintenance window in progress: under maintenance. An outage open now inside a maintenance
 *   window in progress is taken to be that maintenance (services are down during their maintenance:
 *   docs/availability.md), so it shows as maintenance, not as an outage; an incident still shows
 *   at its own level.
 * Worst means later in STATUS_LEVELS. The page's status is the worst of its services'.
 */
import type { MaintenanceWindow, OutageInterval } from '../availability/types.ts';

/** From best to worst. */
export const STATUS_LEVELS = ['operational', 'under_maintenance', 'degraded', 'partial_outage', 'major_outage'] as const;
export type StatusLevel = (typeof STATUS_LEVELS)[number];
/** The levels an incident can be opened or updated with (operational is what resolving says). */
export const INCIDENT_LEVELS = ['degraded', 'partial_outage', 'major_outage', 'under_maintenance'] as const;
export type IncidentLevel = (typeof INCIDENT_LEVELS)[number];

const RANK: Record<StatusLevel, number> = Object.fromEntries(STATUS_LEVELS.map((l, i) => [l, i])) as Record<StatusLevel, number>;

export function worst(levels: Iterable<StatusLevel>): StatusLevel {
  let w: StatusLevel = 'operational';
  for (const l of levels) if (RANK[l] > RANK[w]) w = l;
  return w;
}

export interface CurrentStatusInput {
  now: number;
  /** The service's open incidents (resolved ones play no part). */
  incidents: ReadonlyArray<{ level: IncidentLevel }>;
  /** The service's outage intervals and maintenance windows (availability/events.ts). */
  outages: readonly OutageInterval[];
  maintenance: readonly MaintenanceWindow[];
}

export interface CurrentStatus {
  level: StatusLevel;
  /** Why, in the order found: `incident`, `outage`, `maintenance` (empty when operational). */
  because: Array<'incident' | 'outage' | 'maintenance'>;
}

const covers = (x: { start: number; end: number }, t: number) => x.start <= t && t < x.end;

export function currentStatus(input: CurrentStatusInput): CurrentStatus {
  const { now } = input;
  const levels: StatusLevel[] = [];
  const because = new Set<'incident' | 'outage' | 'maintenance'>();
  for (const i of input.incidents) {
    levels.push(i.level);
    because.add('incident');
  }
  const inMaintenance = input.maintenance.some((m) => covers(m, now));
  if (inMaintenance) {
    levels.push('under_maintenance');
    because.add('maintenance');
  } else {
    for (const o of input.outages) {
      if (!covers(o, now)) continue;
      levels.push((o.weight ?? 1) >= 1 ? 'major_outage' : 'partial_outage');
      because.add('outage');
    }
  }
  return { level: worst(levels), because: [...because] };
}
