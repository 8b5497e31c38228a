/**
 * What a public status page shows, computed from the tenant's agreements, events and incidents as
 * of `now`: per service its current status and 90 daily bars measured by its agreement's rules
 * (core/status), the maintenance announced, and the incidents with their updates.
 *
 * Only public facts leave this module: service names as the page names them, levels, bar figures,
 * maintenance times, incident titles and update messages with their instants. Never agreement ids,
 * customers, tickets, who posted an update, or another service's name; maintenance is identified
 * by a digest, not by the provider's own id (often a change ticket's number).
 */
import { createHash } from 'node:crypto';
import { intervalsFromEvents } from '../../core/availability/events.ts';
import type { AvailabilityOptions, MaintenanceWindow } from '../../core/availability/types.ts';
import type { AgreementSpec, TargetSpecDoc } from '../../core/agreements/schema.ts';
import { availabilityOptionsFor, availabilityScope } from '../../core/agreements/evaluate.ts';
import type { Timed } from '../../core/events/schema.ts';
import { startOfDate } from '../../core/penalties/periods.ts';
import { currentStatus, dailyBars, worst, type DayBar, type StatusLevel } from '../../core/status/index.ts';
import type { Store, StoredStatusPage } from '../../store/types.ts';
import { measuredAgreements, type Measured } from '../derive.ts';
import type { IncidentDoc, StatusPageSpec, UpdateStatus } from './spec.ts';

export const BAR_DAYS = 90;
const DAY = 86_400_000;
/** Maintenance that ended this long ago still goes into the .ics feed (calendars keep history). */
const PAST_MAINTENANCE_MS = 30 * DAY;

export interface ServiceView {
  id: string;
  name: string;
  nameAr?: string;
  status: StatusLevel;
  bars: DayBar[];
  uptime: number | null;
  /** The target the bars are judged by (percent), from the agreement; 99.9 when it has none. */
  targetPercent: number;
  zone: string;
}

export interface PublicMaintenance {
  /** A digest of the tenant, the maintenance id and its start: stable, and reveals neither. */
  uid: string;
  services: string[];
  start: number;
  end: number;
  announcedAt: number;
}

export interface PublicIncident {
  /** A digest of the tenant and the incident id: stable, and reveals neither. */
  id: string;
  title: string;
  /** Names of the page's services it concerns. */
  services: string[];
  level: StatusLevel;
  openedAt: number;
  resolvedAt?: number;
  updatedAt: number;
  updates: Array<{ at: number; status: UpdateStatus; level?: StatusLevel; message: string }>;
}

export interface PageView {
  id: string;
  path: string;
  title: string;
  titleAr?: string;
  description?: string;
  descriptionAr?: string;
  status: StatusLevel;
  services: ServiceView[];
  incidents: PublicIncident[];
  maintenance: PublicMaintenance[];
  now: number;
}

const DEFAULT_TARGET = 99.9;

function availabilityTarget(terms: AgreementSpec, service: string): TargetSpecDoc | undefined {
  return terms.targets.find((t) => {
    if (t.metric !== 'availability') return false;
    const s = t.scope?.service;
    return s === undefined || (Array.isArray(s) ? s.includes(service) : s === service);
  });
}

/** The services the page shows, each with the agreement whose rules measure it (if any). */
function servicesOf(spec: StatusPageSpec, measured: readonly Measured[]) {
  const pick = (service: string, agreement?: string, customer?: string) =>
    measured.find(
      (m) =>
        (agreement === undefined || m.id === agreement) &&
        (customer === undefined || m.terms.parties.customer?.id === customer) &&
        m.terms.services.includes(service) &&
        availabilityTarget(m.terms, service) !== undefined,
    );
  if (spec.services) return spec.services.map((s) => ({ id: s.id, name: s.name ?? s.id, nameAr: s.nameAr, m: pick(s.id, s.agreement) }));
  const out: Array<{ id: string; name: string; nameAr: string | undefined; m: Measured | undefined }> = [];
  for (const m of measured) {
    if (m.terms.parties.customer?.id !== spec.customer) continue;
    for (const s of m.terms.services)
      if (!out.some((o) => o.id === s) && availabilityTarget(m.terms, s)) out.push({ id: s, name: s, nameAr: undefined, m });
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

/** A service's availability events (outages, maintenance and monitoring of all time; checks of the bars' days). */
async function serviceEvents(store: Store, tenant: string, service: string, since: number): Promise<Timed[]> {
  const out: Timed[] = [];
  for (const [typePrefix, from] of [
    ['outage.', undefined],
    ['maintenance.', undefined],
    ['monitoring.', undefined],
    ['check.', since],
  ] as const) {
    let after: string | undefined;
    do {
      const page = await store.queryEvents(tenant, {
        service,
        typePrefix,
        ...(from !== undefined ? { from } : {}),
        limit: 1000,
        ...(after ? { after } : {}),
      });
      for (const e of page.items) out.push({ ...e.payload, atMs: e.at } as unknown as Timed);
      after = page.next;
    } while (after);
  }
  return out;
}

function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

export async function pageView(store: Store, tenant: string, page: StoredStatusPage<StatusPageSpec>, now: number): Promise<PageView> {
  const spec = page.spec;
  const { measured } = await measuredAgreements(store, tenant);
  const services = servicesOf(spec, measured);
  const names = new Map(services.map((s) => [s.id, s.name]));
  const incidents = (await store.listIncidents<IncidentDoc>(tenant, { resolvedSince: now - spec.incidentDays * DAY })).filter(
    (i) => i.openedAt <= now && i.doc.services.some((s) => names.has(s)),
  );

  const views: ServiceView[] = [];
  const maintenance = new Map<string, PublicMaintenance>();
  for (const s of services) {
    const m = s.m;
    const target = m ? availabilityTarget(m.terms, s.id) : undefined;
    const zone = m?.zone ?? 'UTC';
    const options: AvailabilityOptions = m && target ? availabilityOptionsFor(m.terms, target, m.calendars) : {};
    const inScope = target ? availabilityScope(target) : () => true;
    const since = now - (BAR_DAYS + 1) * DAY;
    const events = (await serviceEvents(store, tenant, s.id, since)).filter((e) => e.atMs <= now && inScope(e));
    const declaredFrom = m?.terms.monitoring?.since !== undefined ? startOfDate(m.terms.monitoring.since, zone) : undefined;
    const targetPercent = target?.value ?? DEFAULT_TARGET;
    const bars = dailyBars({
      events,
      now,
      zone,
      options,
      targetPercent,
      days: BAR_DAYS,
      ...(declaredFrom !== undefined ? { declaredFrom } : {}),
    });
    const iv = intervalsFromEvents(events, now);
    const open = incidents.filter((i) => i.resolvedAt === undefined && i.doc.services.includes(s.id)).map((i) => ({ level: i.doc.level }));
    const status = currentStatus({ now, incidents: open, outages: iv.outages, maintenance: iv.maintenance }).level;
    views.push({
      id: s.id,
      name: s.name,
      ...(s.nameAr ? { nameAr: s.nameAr } : {}),
      status,
      bars: bars.bars,
      uptime: bars.uptime,
      targetPercent,
      zone,
    });
    for (const w of iv.maintenance) addMaintenance(maintenance, tenant, w, s.name, now);
  }

  return {
    id: page.id,
    path: page.path,
    title: spec.title,
    ...(spec.titleAr ? { titleAr: spec.titleAr } : {}),
    ...(spec.description ? { description: spec.description } : {}),
    ...(spec.descriptionAr ? { descriptionAr: spec.descriptionAr } : {}),
    status: worst(views.map((v) => v.status)),
    services: views,
    incidents: incidents.map((i) => publicIncident(tenant, i, names)),
    maintenance: [...maintenance.values()].sort((a, b) => a.start - b.start || (a.uid < b.uid ? -1 : 1)),
    now,
  };
}

function addMaintenance(into: Map<string, PublicMaintenance>, tenant: string, w: MaintenanceWindow, service: string, now: number): void {
  // Announced (an announcement dated in the future is not one yet), and not long over.
  if (w.announcedAt > now || w.end <= now - PAST_MAINTENANCE_MS || w.end <= w.start) return;
  const uid = digest(tenant, w.id, String(w.start));
  const had = into.get(uid);
  if (had) {
    if (!had.services.includes(service)) had.services.push(service);
  } else into.set(uid, { uid, services: [service], start: w.start, end: w.end, announcedAt: w.announcedAt });
}

function publicIncident(
  tenant: string,
  i: { id: string; doc: IncidentDoc; openedAt: number; resolvedAt?: number; updatedAt: number },
  names: Map<string, string>,
): PublicIncident {
  return {
    id: digest(tenant, 'incident', i.id),
    title: i.doc.title,
    services: i.doc.services.filter((s) => names.has(s)).map((s) => names.get(s)!),
    level: i.resolvedAt === undefined ? i.doc.level : 'operational',
    openedAt: i.openedAt,
    ...(i.resolvedAt !== undefined ? { resolvedAt: i.resolvedAt } : {}),
    updatedAt: i.updatedAt,
    // Newest first, as status pages show them; `by` stays behind.
    updates: i.doc.updates
      .map((u) => ({ at: u.at, status: u.status, ...(u.level ? { level: u.level } : {}), message: u.message }))
      .reverse(),
  };
}
