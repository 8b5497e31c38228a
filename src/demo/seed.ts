/**
 * The first-run demo data set, built into a store by code (never a checked-in database): a tenant,
 * an admin token, the example calendars and agreements (approved by both parties and active), and
 * three generated months of ticket, outage, check, satisfaction and KPI events, up to now, for several customers,
 * regions and priorities, breaches included. Tests use the same code.
 */
import { putStatusPage } from '../app/status-pages/pages.ts';
import { parseSourceText } from '../core/validation/source.ts';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agreementFromText } from '../core/agreements/load.ts';
import { applyTransition, createHistory, type LifecycleHistory } from '../core/agreements/lifecycle/state.ts';
import { addVersion, type Version } from '../core/agreements/lifecycle/versions.ts';
import { compileCalendar } from '../core/calendar/compile.ts';
import { parseEvent } from '../core/events/parse.ts';
import type { PledgeEvent, Timed } from '../core/events/schema.ts';
import { resolveWindow, windowContaining, previous, type CalendarWindow } from '../core/metrics/window.ts';
import { unwrap } from '../core/validation/issues.ts';
import type { Store } from '../store/types.ts';
import { generateAvailabilityEvents, generateKpiEvents, generateTicketEvents } from './generate.ts';
import { issueDemoToken } from './token.ts';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const DAY = 86_400_000;

export interface SeedResult {
  tenant: string;
  /** The demo admin token's secret (it expires after a week: src/demo/token.ts). */
  adminToken: string;
  adminTokenId: string;
  adminTokenExpiresAt: number;
  agreements: string[];
  events: number;
  /** The months the generated events cover, e.g. 2026-10..2026-12. */
  window: string;
}

/**
 * The demo's three months: from the start of the month two months before `now`'s (UTC) up to
 * `now`, so the demo has closed months to report on and a month under way, with tickets still
 * open (at risk or breached now) and a downtime budget being spent.
 */
export function demoWindow(now: number): { from: number; to: number; label: string } {
  const cur = unwrap(windowContaining('month', now, 'UTC')) as CalendarWindow;
  const first = unwrap(previous(unwrap(previous(cur, 'UTC')), 'UTC'));
  const from = unwrap(resolveWindow(first, 'UTC'));
  return { from: from.from, to: now, label: `${from.label}..${unwrap(resolveWindow(cur, 'UTC')).label}` };
}

/** The generated events of the demo window, none after `now` (what happens next is unknown yet). */
export function demoEvents(now: number): PledgeEvent[] {
  const q = demoWindow(now);
  const berlin = unwrap(
    compileCalendar({
      timezone: 'Europe/Berlin',
      hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] },
    }),
  );
  const ny = unwrap(
    compileCalendar({
      timezone: 'America/New_York',
      hours: { mon: ['08:00-17:00'], tue: ['08:00-17:00'], wed: ['08:00-17:00'], thu: ['08:00-17:00'], fri: ['08:00-17:00'] },
    }),
  );
  const tag = (p: string, evs: PledgeEvent[]) =>
    evs.map((e) => ({ ...e, id: `${p}-${e.id}`, ...('ticket' in e ? { ticket: `${p}-${e.ticket}` } : {}) }) as PledgeEvent);
  const months = [0, 1, 2].map((k) => ({ at: q.from + (k + 1) * 30 * DAY - DAY, label: `m${k + 1}` }));
  return [
    ...tag(
      'acme',
      generateTicketEvents({
        seed: 101,
        from: q.from,
        to: q.to,
        calendar: berlin,
        ticketsPerWorkingDay: 2,
        customers: ['acme'],
        services: ['checkout'],
        regions: ['city'],
      }),
    ),
    ...tag(
      'globex',
      generateTicketEvents({
        seed: 102,
        from: q.from,
        to: q.to,
        calendar: berlin,
        ticketsPerWorkingDay: 2,
        customers: ['globex'],
        services: ['email'],
        regions: ['city', 'rural'],
      }),
    ),
    ...tag(
      'initech',
      generateTicketEvents({
        seed: 103,
        from: q.from,
        to: q.to,
        calendar: ny,
        ticketsPerWorkingDay: 2,
        customers: ['initech'],
        services: ['printers'],
        regions: ['city', 'rural'],
      }),
    ),
    ...generateAvailabilityEvents({ seed: 201, from: q.from, to: q.to, service: 'checkout' }),
    ...generateAvailabilityEvents({ seed: 202, from: q.from, to: q.to, service: 'email' }),
    // Umbrella's PBX only blips (never a minute, under its agreement's minOutage: no downtime counts)
    // and its maintenance is announced in time, yet its users rate the desk poorly: the SLA is met
    // while customers are unhappy (the watermelon view flags it).
    ...generateAvailabilityEvents({ seed: 203, from: q.from, to: q.to, service: 'cloud-pbx', blipsOnly: true }),
    ...tag(
      'umbrella',
      generateTicketEvents({
        seed: 105,
        from: q.from,
        to: q.to,
        calendar: berlin,
        ticketsPerWorkingDay: 1,
        customers: ['umbrella'],
        services: ['cloud-pbx'],
        regions: ['city'],
        unhappy: true,
      }),
    ),
    // The cloud provider's services behind the UC, and the HR requests the IT OLA measures.
    ...generateAvailabilityEvents({ seed: 204, from: q.from, to: q.to, service: 'compute' }),
    ...generateAvailabilityEvents({ seed: 205, from: q.from, to: q.to, service: 'object-storage' }),
    ...tag(
      'hr',
      generateTicketEvents({
        seed: 104,
        from: q.from,
        to: q.to,
        calendar: berlin,
        ticketsPerWorkingDay: 2,
        customers: ['hr'],
        services: ['workplace-it'],
        regions: ['city'],
      }),
    ),
    ...generateKpiEvents({ seed: 301, months, service: 'revenue', conferences: true }),
  ].filter((e) => Date.parse(e.at) <= now);
}

/** `events`: store these instead of the generated months (tests that hold some back). */
export async function seedDemo(store: Store, now: number, tenant = 'demo', opts: { events?: readonly Timed[] } = {}): Promise<SeedResult> {
  const actor = 'demo-seed';
  const token = await issueDemoToken(store, { tenant, now, actor });
  // Calendars, as written, by file name.
  for (const f of readdirSync(join(EXAMPLES, 'calendars'))
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()) {
    const name = f.replace(/\.ya?ml$/, '');
    await store.putCalendar(
      tenant,
      { name, format: 'yaml', source: readFileSync(join(EXAMPLES, 'calendars', f), 'utf8'), at: now, by: actor },
      undefined,
      { at: now, actor, action: 'calendar.put', subject: `calendar:${name}` },
    );
  }
  // Agreements: created as drafts, submitted, signed by both parties and activated from their term start.
  const ids: string[] = [];
  for (const f of readdirSync(join(EXAMPLES, 'agreements'))
    .filter((n) => n.endsWith('.yaml'))
    .sort()) {
    const path = join(EXAMPLES, 'agreements', f);
    ids.push(await seedAgreement(store, tenant, readFileSync(path, 'utf8'), path, now, actor));
  }
  const events = opts.events ?? (demoEvents(now).map((e) => unwrap(parseEvent(e))) as Timed[]);
  for (let i = 0; i < events.length; i += 5000) await store.appendEvents(tenant, events.slice(i, i + 5000), { receivedAt: now });
  // The public status page of examples/status-pages/demo.yaml (served at /status/demo). Its path is
  // one per server: a second demo tenant on the same database (tests) goes without.
  const pageFile = join(EXAMPLES, 'status-pages', 'demo.yaml');
  await putStatusPage(
    { store, tenant, now, actor },
    { id: 'demo', spec: unwrap(parseSourceText(readFileSync(pageFile, 'utf8'), pageFile)).value },
  );
  return {
    tenant,
    adminToken: token.secret,
    adminTokenId: token.id,
    adminTokenExpiresAt: token.expiresAt,
    agreements: ids,
    events: events.length,
    window: demoWindow(now).label,
  };
}

/**
 * Stores one agreement as the demo does: created as a draft, submitted, signed by both parties and
 * activated from its term start (a month before `now` when it states none). An agreement that
 * exists is left as it is. Returns its id.
 */
export async function seedAgreement(store: Store, tenant: string, text: string, path: string, now: number, actor: string): Promise<string> {
  const doc = unwrap(agreementFromText(text, path));
  const spec = doc.spec;
  const start = spec.term ? Date.parse(`${spec.term.start}T00:00:00Z`) : now - 365 * DAY;
  const t0 = Math.min(start, now) - 30 * DAY;
  const created = await store.createAgreement(
    tenant,
    {
      id: spec.id,
      document: doc.raw,
      ...(spec.parties.customer ? { customer: spec.parties.customer.id } : {}),
      createdAt: t0 - DAY,
      createdBy: actor,
    },
    { at: now, actor, action: 'agreement.create', subject: `agreement:${spec.id}`, after: doc.raw },
  );
  if (created.status === 'exists') return spec.id;
  let h: LifecycleHistory = unwrap(createHistory({ agreementId: spec.id, at: t0 - DAY, by: actor }));
  h = unwrap(applyTransition(h, { to: 'in_review', at: t0, by: actor }));
  const signatures = [
    { party: 'provider' as const, name: spec.parties.provider.name, at: t0 + DAY },
    { party: 'customer' as const, name: spec.parties.customer?.name ?? 'internal', at: t0 + 2 * DAY },
  ];
  h = unwrap(
    applyTransition(h, { to: 'approved', at: t0 + 3 * DAY, by: actor, signatures, term: { start: Math.max(start, t0 + 3 * DAY) } }),
  );
  h = unwrap(applyTransition(h, { to: 'active', at: Math.max(start, t0 + 3 * DAY), by: actor }));
  const versions: Version<unknown>[] = unwrap(
    addVersion<unknown>([], {
      effective: Math.max(start, t0 + 3 * DAY),
      document: doc.raw,
      createdAt: t0 + 3 * DAY,
      createdBy: actor,
      note: 'signed',
    }),
  );
  const r = await store.updateAgreement(
    tenant,
    spec.id,
    created.value.etag,
    { transitions: h.transitions, versions, at: now, by: actor },
    { at: now, actor, action: 'agreement.activate', subject: `agreement:${spec.id}` },
  );
  if (r.status !== 'updated') throw new Error(`seeding ${spec.id}: ${r.status}`);
  return spec.id;
}
