/**
 * Events to the engine's inputs: outage intervals, maintenance windows and check samples.
 *
 * Events may arrive late, out of order or twice; the result depends only on the set of events
 * (deduplicated by source and id) and their instants, never on arrival order.
 *
 * Outages (per outage id, in time order):
 * - `outage.started` opens the outage with its impact (full = weight 1; partial = its `weight`, or
 *   `defaultPartialWeight` when none is given) and cause.
 * - another `outage.started` while open is an impact change: the interval so far is closed at that
 *   instant and a new one opens with the new impact (same id). A repeated start with the same
 *   impact and cause changes nothing.
 * - `outage.ended` closes it; a later `outage.started` with the same id reopens it.
 * - an outage still open runs until `windowEnd` (the window's end, or now).
 * - `outage.ended` with nothing open is reported as an issue and ignored, never thrown.
 * - at one instant, an open outage applies its end before any new start (end then reopen), a
 *   closed one its start before its end (a zero-length blip, not an orphan end).
 *
 * Maintenance (per maintenance id): the latest event by `at` wins. `maintenance.scheduled` sets
 * the window and its announcement (`announcedAt`, or the event's `at`), so a rescheduled window is
 * judged by when the new schedule was announced. `maintenance.cancelled` removes it; a later
 * `maintenance.scheduled` brings it back. At equal `at`, cancellation wins.
 *
 * Checks: every `check.result` becomes a sample; outagesFromSamples turns them into downtime.
 */
import { parseInstant } from '../time/instant.ts';
import type { Issue } from '../validation/issues.ts';
import type { Timed } from '../events/schema.ts';
import type { CheckSample, MaintenanceWindow, OutageCause, OutageInterval } from './types.ts';

export interface EventIntervals {
  outages: OutageInterval[];
  maintenance: MaintenanceWindow[];
  samples: CheckSample[];
  issues: Issue[];
}

export interface EventIntervalOptions {
  /** Weight of a partial outage whose event gives none. Default 0.5. */
  defaultPartialWeight?: number;
  /** Path prefix for issues, default `events`. */
  path?: string;
}

type OutageEvent = Timed<Extract<Timed, { type: 'outage.started' | 'outage.ended' }>>;
type MaintenanceEvent = Timed<Extract<Timed, { type: 'maintenance.scheduled' | 'maintenance.cancelled' }>>;

interface Indexed<E> {
  ev: E;
  index: number;
}

function byInstantThenId<E extends { atMs: number; id: string }>(a: Indexed<E>, b: Indexed<E>): number {
  return a.ev.atMs - b.ev.atMs || (a.ev.id < b.ev.id ? -1 : a.ev.id > b.ev.id ? 1 : a.index - b.index);
}

export function intervalsFromEvents(events: readonly Timed[], windowEnd: number, options: EventIntervalOptions = {}): EventIntervals {
  const path = options.path ?? 'events';
  const issues: Issue[] = [];
  const partialDefault = options.defaultPartialWeight ?? 0.5;
  if (!(partialDefault > 0 && partialDefault <= 1)) {
    issues.push({ path: 'defaultPartialWeight', message: 'must be more than 0 and at most 1', received: String(partialDefault) });
  }
  const fallbackWeight = partialDefault > 0 && partialDefault <= 1 ? partialDefault : 0.5;
  if (typeof windowEnd !== 'number' || !Number.isFinite(windowEnd)) {
    issues.push({ path: 'windowEnd', message: 'expected an instant in epoch milliseconds', received: String(windowEnd) });
    return { outages: [], maintenance: [], samples: [], issues };
  }
  if (!Array.isArray(events)) {
    issues.push({ path, message: 'expected a list of events' });
    return { outages: [], maintenance: [], samples: [], issues };
  }

  const seen = new Set<string>();
  const outageEvents = new Map<string, Indexed<OutageEvent>[]>();
  const maintenanceEvents = new Map<string, Indexed<MaintenanceEvent>[]>();
  const samples: CheckSample[] = [];
  for (let index = 0; index < events.length; index++) {
    const ev = events[index];
    if (ev === null || typeof ev !== 'object' || typeof ev.type !== 'string') {
      issues.push({ path: `${path}[${index}]`, message: 'expected an event' });
      continue;
    }
    if (!ev.type.startsWith('outage.') && !ev.type.startsWith('maintenance.') && ev.type !== 'check.result') continue;
    if (typeof ev.atMs !== 'number' || !Number.isFinite(ev.atMs)) {
      issues.push({
        path: `${path}[${index}].at`,
        message: 'event has no parsed instant (atMs); parse events with parseEvent first',
        received: String(ev.atMs),
      });
      continue;
    }
    // The same fact delivered twice counts once; ids are unique per source.
    const key = `${ev.source ?? ''}\u0000${ev.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    switch (ev.type) {
      case 'outage.started':
      case 'outage.ended': {
        const list = outageEvents.get(ev.outage) ?? [];
        list.push({ ev: ev as OutageEvent, index });
        outageEvents.set(ev.outage, list);
        break;
      }
      case 'maintenance.scheduled':
      case 'maintenance.cancelled': {
        const list = maintenanceEvents.get(ev.maintenance) ?? [];
        list.push({ ev: ev as MaintenanceEvent, index });
        maintenanceEvents.set(ev.maintenance, list);
        break;
      }
      case 'check.result':
        samples.push({ at: ev.atMs, up: ev.up, ...(ev.check !== undefined ? { check: ev.check } : {}), id: ev.id });
        break;
    }
  }

  const outages: OutageInterval[] = [];
  for (const [outage, list] of outageEvents) {
    list.sort(byInstantThenId);
    let open: (OutageInterval & { weight: number; cause: OutageCause }) | null = null;
    for (let k = 0; k < list.length; ) {
      const t = list[k]!.ev.atMs;
      let j = k;
      while (j < list.length && list[j]!.ev.atMs === t) j++;
      const group = list.slice(k, j);
      const ends = group.filter((g) => g.ev.type === 'outage.ended');
      const starts = group.filter((g) => g.ev.type === 'outage.started');
      const ordered: Indexed<OutageEvent>[] = open ? [...ends, ...starts] : [...starts, ...ends];
      for (const { ev, index } of ordered) {
        if (ev.type === 'outage.ended') {
          if (!open) {
            issues.push({
              path: `${path}[${index}]`,
              message: `outage.ended for outage "${outage}" with no open outage.started before it; ignored`,
              received: ev.id,
            });
            continue;
          }
          open.end = t;
          open.evidence!.push(ev.id);
          outages.push(open);
          open = null;
        } else {
          const weight: number = ev.impact === 'partial' ? (ev.weight ?? fallbackWeight) : 1;
          const cause = ev.cause ?? 'provider';
          if (open && open.weight === weight && open.cause === cause) {
            open.evidence!.push(ev.id);
            continue;
          }
          // An impact change: close what came before, unless it began at this very instant (then
          // it carried no time and only its evidence is kept).
          let evidence = [ev.id];
          if (open && open.start < t) {
            open.end = t;
            outages.push(open);
          } else if (open) evidence = [...open.evidence!, ev.id];
          open = { id: outage, start: t, end: NaN, weight, cause, evidence };
        }
      }
      k = j;
    }
    if (open) {
      // Still open: it lasts until the window end (or now). One starting later is empty.
      open.end = Math.max(windowEnd, open.start);
      outages.push(open);
    }
  }
  outages.sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const maintenance: MaintenanceWindow[] = [];
  for (const [id, list] of maintenanceEvents) {
    // Latest by `at`; at equal instants a cancellation wins, then the larger event id.
    list.sort((a, b) => a.ev.atMs - b.ev.atMs || rank(a.ev) - rank(b.ev) || (a.ev.id < b.ev.id ? -1 : a.ev.id > b.ev.id ? 1 : 0));
    const last = list[list.length - 1]!;
    if (last.ev.type === 'maintenance.cancelled') continue;
    const ev = last.ev;
    const start = parseInstant(ev.start, `${path}[${last.index}].start`);
    const end = parseInstant(ev.end, `${path}[${last.index}].end`);
    const announced =
      ev.announcedAt === undefined
        ? { ok: true as const, value: ev.atMs }
        : parseInstant(ev.announcedAt, `${path}[${last.index}].announcedAt`);
    if (!start.ok || !end.ok || !announced.ok) {
      for (const r of [start, end, announced]) if (!r.ok) issues.push(...r.issues);
      continue;
    }
    maintenance.push({ id, start: start.value, end: end.value, announcedAt: announced.value });
  }
  maintenance.sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  samples.sort((a, b) => a.at - b.at || ((a.id ?? '') < (b.id ?? '') ? -1 : (a.id ?? '') > (b.id ?? '') ? 1 : 0));
  return { outages, maintenance, samples, issues };
}

function rank(ev: MaintenanceEvent): number {
  return ev.type === 'maintenance.cancelled' ? 1 : 0;
}
