/**
 * Public status pages over HTTP, in one process on SQLite: a page configured over the API (ETag,
 * conflicts, bad input naming the field, who may), then served without sign-in: its daily bars by
 * the agreement's rules (maintenance announced in time excluded, late counted, days before any
 * data shown as no data), the current status from an open incident, English and Arabic, cacheable
 * (ETag, 304), with no internal data; a disabled page or an unknown path is 404. The Atom feed
 * parses as XML with the incident and its updates; the .ics has the maintenance in UTC, folded at
 * 75 octets, and parses back (ical.js) to the same text.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import ICAL from 'ical.js';
import { seedAgreement } from '../../src/demo/seed.ts';
import { newTenant, openTestStore, T0, type Tenant, type TestStore } from './helpers.ts';

const AGREEMENT = `id: web-sla
name: Web shop SLA
kind: sla
level: service
parties:
  provider: { id: northwind, name: Northwind Services }
  customer: { id: globex, name: Globex }
services: [web]
maintenance:
  notice: 48h
targets:
  - id: uptime
    name: Monthly availability
    metric: availability
    value: 99.9
    window: month
`;
const NOW = Date.parse('2026-10-20T12:00:00Z');
const NAME = 'Web shop — المتجر الإلكتروني لعملائنا في كل المناطق';

let ts: TestStore;
let t: Tenant;
const json = (payload: unknown, etag?: string) => ({
  headers: { 'content-type': 'application/json', ...(etag ? { 'if-match': etag } : {}) },
  payload: JSON.stringify(payload),
});
const get = (url: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url, headers });

before(async () => {
  ts = await openTestStore();
  t = await newTenant(ts.store);
  await seedAgreement(ts.store, t.tenant, AGREEMENT, 'web-sla.yaml', T0, 'seed');
  t.clock.now = NOW;
  const e = (id: string, type: string, at: string, extra: Record<string, unknown> = {}) => ({
    id,
    type,
    at,
    service: 'web',
    source: 'ops',
    ...extra,
  });
  const ingest = await t.req('agent', {
    method: 'POST',
    url: '/v1/events',
    ...json([
      e('m0', 'monitoring.started', '2026-09-01T00:00:00Z'),
      e('o1a', 'outage.started', '2026-10-05T10:00:00Z', { outage: 'o1' }),
      e('o1b', 'outage.ended', '2026-10-05T11:00:00Z', { outage: 'o1' }),
      // Announced 15 days ahead: shown as scheduled, excluded from its day.
      e('mt1', 'maintenance.scheduled', '2026-10-10T00:00:00Z', {
        maintenance: 'CHG-4711',
        start: '2026-10-25T02:00:00Z',
        end: '2026-10-25T04:00:00Z',
      }),
      // Announced 14 hours ahead, the agreement asks 48: downtime on 12 October.
      e('mt2', 'maintenance.scheduled', '2026-10-11T12:00:00Z', {
        maintenance: 'CHG-9',
        start: '2026-10-12T02:00:00Z',
        end: '2026-10-12T03:00:00Z',
      }),
      e('tk1', 'ticket.created', '2026-10-19T09:00:00Z', { ticket: 'TCK-123', customer: 'globex', priority: 'P2' }),
    ]),
  });
  assert.equal(ingest.statusCode, 200, ingest.body);
});
after(async () => {
  await t.app.close();
  await ts.close();
});

describe('status pages', () => {
  test('configured over the API: created, read, replaced under If-Match; bad input names the field; customers cannot', async () => {
    const spec = { title: 'Shop status', titleAr: 'حالة المتجر', path: 'shop', services: [{ id: 'web', name: NAME }] };
    assert.equal(
      (await t.req('manager', { method: 'PUT', url: '/v1/status-pages/shop', ...json(spec, '"read-elsewhere"') })).statusCode,
      412,
    );
    const made = await t.req('manager', { method: 'PUT', url: '/v1/status-pages/shop', ...json(spec) });
    assert.equal(made.statusCode, 201, made.body);
    assert.equal(made.json().page.url, '/status/shop');
    assert.match(String(made.headers.etag), /^"/);
    assert.equal((await t.req('manager', { method: 'PUT', url: '/v1/status-pages/shop', ...json(spec) })).statusCode, 428);
    assert.equal((await t.req('manager', { method: 'PUT', url: '/v1/status-pages/shop', ...json(spec, '"old"') })).statusCode, 412);
    const both = await t.req('manager', {
      method: 'PUT',
      url: '/v1/status-pages/other',
      ...json({ ...spec, path: 'other', customer: 'globex' }),
    });
    assert.equal(both.statusCode, 422);
    assert.equal(both.json().details.issues[0].path, 'services');
    const bad = await t.req('manager', {
      method: 'PUT',
      url: '/v1/status-pages/other',
      ...json({ title: 'x', services: [{ id: 'web', agreement: 'nope' }] }),
    });
    assert.equal(bad.statusCode, 422);
    assert.equal(bad.json().details.issues[0].path, 'services[0].agreement');
    // Another tenant cannot take the path.
    const other = await newTenant(ts.store);
    const taken = await other.req('manager', { method: 'PUT', url: '/v1/status-pages/shop', ...json(spec) });
    assert.equal(taken.statusCode, 409);
    await other.app.close();
    assert.equal((await t.req('customer', { method: 'GET', url: '/v1/status-pages' })).statusCode, 403);
    assert.equal((await t.req('viewer', { method: 'PUT', url: '/v1/status-pages/x', ...json(spec) })).statusCode, 403);
    const list = await t.req('auditor', { method: 'GET', url: '/v1/status-pages' });
    assert.deepEqual(
      list.json().items.map((p: { id: string }) => p.id),
      ['shop'],
    );
  });

  test('incidents: opened, updated and audited', async () => {
    const opened = await t.req('agent', {
      method: 'POST',
      url: '/v1/incidents',
      ...json({
        id: 'slow-checkout',
        title: 'Slow checkout',
        services: ['web'],
        level: 'degraded',
        message: 'Pages load slowly; we are looking into it.',
      }),
    });
    assert.equal(opened.statusCode, 201, opened.body);
    assert.equal(opened.json().open, true);
    const again = await t.req('agent', {
      method: 'POST',
      url: '/v1/incidents',
      ...json({ id: 'slow-checkout', title: 'x', services: ['web'], level: 'degraded', message: 'x' }),
    });
    assert.equal(again.statusCode, 409);
    const noLevel = await t.req('agent', {
      method: 'POST',
      url: '/v1/incidents',
      ...json({ title: 'x', services: ['web'], level: 'bad', message: 'x' }),
    });
    assert.equal(noLevel.statusCode, 422);
    assert.equal(noLevel.json().details.issues[0].path, 'level');
    t.clock.now = NOW + 60_000;
    const upd = await t.req('agent', {
      method: 'POST',
      url: '/v1/incidents/slow-checkout/updates',
      ...json({ status: 'identified', message: 'A database index was missing.' }),
    });
    assert.equal(upd.statusCode, 200, upd.body);
    assert.equal(upd.json().updates.length, 2);
    assert.equal((await t.req('viewer', { method: 'POST', url: '/v1/incidents/slow-checkout/resolve' })).statusCode, 403);
    assert.equal((await t.req('agent', { method: 'POST', url: '/v1/incidents/nope/updates', ...json({ message: 'x' }) })).statusCode, 404);
    const audit = await t.req('admin', { method: 'GET', url: '/v1/audit' });
    const actions = audit.json().items.map((a: { action: string }) => a.action);
    assert.ok(
      actions.includes('incident.open') && actions.includes('incident.update') && actions.includes('status-page.put'),
      actions.join(),
    );
  });

  test('the page without sign-in: status, 90 bars by the agreement rules, maintenance, incident; no internal data; cacheable', async () => {
    const res = await get('/status/shop');
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^text\/html; charset=utf-8/);
    assert.equal(res.headers['cache-control'], 'public, max-age=60');
    assert.match(String(res.headers['content-security-policy']), /style-src 'sha256-[^']+'/);
    assert.doesNotMatch(String(res.headers['content-security-policy']), /unsafe-inline|script-src/);
    const html = res.body;
    assert.match(html, /<html lang="en" dir="ltr">/);
    assert.doesNotMatch(html, /<script/i);
    assert.match(html, /Some systems are degraded/);
    assert.match(html, /Web shop/);
    const bars = [...html.matchAll(/<span class="bar b-([a-z_]+)" title="([^"]+)"/g)].map((m) => [m[1], m[2]]);
    assert.equal(bars.length, 90);
    assert.deepEqual(bars[0], ['no_data', '2026-07-23: no data'], 'days before monitoring began are no data');
    assert.equal(bars.find((b) => b[1]!.startsWith('2026-09-01'))?.[0], 'up');
    assert.match(bars.find((b) => b[1]!.startsWith('2026-10-05'))![1]!, /^2026-10-05: 95\.83%, below target, 1 h down$/);
    assert.equal(bars.find((b) => b[1]!.startsWith('2026-10-12'))?.[0], 'down', 'maintenance announced late counts as downtime');
    assert.match(html, /<time datetime="2026-10-25T02:00:00.000Z">/, 'maintenance announced ahead');
    assert.match(html, /Slow checkout/);
    assert.match(html, /A database index was missing\./);
    for (const internal of ['CHG-4711', 'CHG-9', 'TCK-123', 'web-sla', 'globex', 'agent-user', 'northwind', 'Northwind'])
      assert.ok(!html.includes(internal), `the page shows ${internal}`);

    const again = await get('/status/shop', { 'if-none-match': String(res.headers.etag) });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    assert.equal(again.headers.etag, res.headers.etag);

    const ar = await get('/status/shop?lang=ar');
    assert.match(ar.body, /<html lang="ar" dir="rtl">/);
    assert.match(ar.body, /حالة المتجر/);
    assert.match(ar.body, /بعض الأنظمة أداؤها متراجع/);
    assert.notEqual(ar.headers.etag, res.headers.etag);
    assert.match((await get('/status/shop', { 'accept-language': 'fr;q=0.9, ar;q=0.8, en;q=0.5' })).body, /<html lang="ar"/);
    assert.match((await get('/status/shop', { 'accept-language': 'ar;q=0.4, en' })).body, /<html lang="en"/);
    const badLang = await get('/status/shop?lang=xx');
    assert.equal(badLang.statusCode, 400);
    assert.equal(badLang.json().details.parameter, 'lang');
  });

  test('the Atom feed parses as XML with the incident and its updates', async () => {
    const res = await get('/status/shop/feed.atom');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/atom\+xml/);
    assert.equal(XMLValidator.validate(res.body), true);
    const feed = new XMLParser({ ignoreAttributes: false }).parse(res.body).feed;
    assert.equal(feed['@_xmlns'], 'http://www.w3.org/2005/Atom');
    assert.equal(feed.title, 'Shop status');
    const entry = Array.isArray(feed.entry) ? feed.entry[0] : feed.entry;
    assert.equal(entry.title, 'Slow checkout');
    assert.equal(entry.published, '2026-10-20T12:00:00.000Z');
    assert.equal(entry.updated, '2026-10-20T12:01:00.000Z');
    assert.match(entry.content['#text'], /^Identified \(2026-10-20T12:01:00.000Z\): A database index was missing\.\n\nInvestigating/);
    assert.doesNotMatch(res.body, /agent-user|web-sla|CHG-|slow-checkout/, 'no internal id, not even the incident id');
  });

  test('the .ics has the announced maintenance in UTC, lines of at most 75 octets folded with CRLF', async () => {
    const res = await get('/status/shop/maintenance.ics');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/calendar/);
    assert.ok(res.body.endsWith('\r\n'));
    const lines = res.body.split('\r\n');
    assert.ok(!res.body.replace(/\r\n/g, '').includes('\n'), 'every line ends in CRLF');
    for (const l of lines) assert.ok(Buffer.byteLength(l) <= 75, `a line of ${Buffer.byteLength(l)} octets: ${l}`);
    assert.ok(
      lines.some((l) => l.startsWith(' ')),
      'the long summary was folded',
    );
    const cal = new ICAL.Component(ICAL.parse(res.body));
    const events = cal.getAllSubcomponents('vevent');
    const byStart = new Map(events.map((e) => [String(e.getFirstPropertyValue('dtstart')), e]));
    const upcoming = byStart.get('2026-10-25T02:00:00Z');
    assert.ok(upcoming, [...byStart.keys()].join());
    assert.equal(String(upcoming.getFirstPropertyValue('dtend')), '2026-10-25T04:00:00Z');
    assert.equal(String(upcoming.getFirstPropertyValue('dtstamp')), '2026-10-10T00:00:00Z');
    assert.equal(upcoming.getFirstPropertyValue('summary'), `Scheduled maintenance: ${NAME}`);
    assert.match(String(upcoming.getFirstPropertyValue('uid')), /^[0-9a-f]{32}@/);
    assert.ok(byStart.has('2026-10-12T02:00:00Z'), 'the recent one stays in the calendar');
    assert.doesNotMatch(res.body, /CHG-/);
  });

  test('a customer page shows the services of its agreements, and an incident only by the services the page shows', async () => {
    const made = await t.req('manager', {
      method: 'PUT',
      url: '/v1/status-pages/globex',
      ...json({ title: 'Globex', customer: 'globex' }),
    });
    assert.equal(made.statusCode, 201, made.body);
    await t.req('agent', {
      method: 'POST',
      url: '/v1/incidents',
      ...json({ title: 'Mail delays', services: ['web', 'secret-backend'], level: 'partial_outage', message: 'Delays.' }),
    });
    t.clock.now = NOW + 90_000;
    const html = (await get('/status/globex')).body;
    assert.match(html, /<h3 dir="auto">web<\/h3>/, "the service of globex's agreement, by its id");
    assert.match(html, /Partial outage/);
    assert.match(html, /Mail delays/);
    assert.ok(!html.includes('secret-backend'), 'a service the page does not show is not named');
    const del = await t.req('manager', { method: 'DELETE', url: '/v1/status-pages/globex' });
    assert.equal(del.statusCode, 200);
    const list = (await t.req('viewer', { method: 'GET', url: '/v1/incidents?open=true' })).json().items;
    for (const i of list) await t.req('agent', { method: 'POST', url: `/v1/incidents/${i.id}/resolve` });
  });

  test('resolving shows operational; a disabled page and an unknown path are 404', async () => {
    t.clock.now = NOW + 2 * 60_000;
    const r = await t.req('agent', { method: 'POST', url: '/v1/incidents/slow-checkout/resolve', ...json({ message: 'Fixed.' }) });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().open, false);
    t.clock.now = NOW + 3 * 60_000;
    const page = await get('/status/shop');
    assert.match(page.body, /All systems operational/);
    assert.match(page.body, /Fixed\./);
    const feed = new XMLParser().parse((await get('/status/shop/feed.atom')).body).feed;
    assert.ok(
      [feed.entry].flat().some((e: { title: string }) => e.title === 'Resolved: Slow checkout'),
      JSON.stringify(feed.entry),
    );

    const cur = await t.req('manager', { method: 'GET', url: '/v1/status-pages/shop' });
    const off = await t.req('manager', {
      method: 'PUT',
      url: '/v1/status-pages/shop',
      ...json({ ...cur.json().spec, enabled: false }, String(cur.headers.etag)),
    });
    assert.equal(off.statusCode, 200, off.body);
    for (const url of ['/status/shop', '/status/shop/feed.atom', '/status/shop/maintenance.ics', '/status/nope', '/status/Bad%20Path'])
      assert.equal((await get(url)).statusCode, 404, url);
    const del = await t.req('manager', {
      method: 'DELETE',
      url: '/v1/status-pages/shop',
      headers: { 'if-match': String(off.headers.etag) },
    });
    assert.equal(del.statusCode, 200);
  });
});
