/** The normal path: each route doing its job for a caller allowed to use it. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { recordLag } from '../../src/app/alerts/signals.ts';
import { agreementYaml, CALENDAR_YAML, event, newTenant, openTestStore, T0, type TestStore } from './helpers.ts';

let ts: TestStore;
before(async () => {
  ts = await openTestStore();
});
after(async () => {
  await ts.close();
});

const json = (payload: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
const yaml = (payload: string, etag?: string) => ({
  headers: { 'content-type': 'application/yaml', ...(etag ? { 'if-match': etag } : {}) },
  payload,
});

describe('probes and documents', () => {
  test('healthz, readyz, metrics, openapi and docs answer without a token; the tenant metrics with one', async () => {
    const t = await newTenant(ts.store);
    const h = await t.req(null, { method: 'GET', url: '/healthz' });
    assert.equal(h.statusCode, 200);
    assert.deepEqual(h.json(), { status: 'ok' });
    const r = await t.req(null, { method: 'GET', url: '/readyz' });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { status: 'ready' });

    await t.req('agent', { method: 'POST', url: '/v1/events', ...json([event('m1'), event('m1'), { id: 'bad' }]) });
    const m = await t.req(null, { method: 'GET', url: '/metrics' });
    assert.equal(m.statusCode, 200);
    assert.match(String(m.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(m.body, /pledge_http_requests_total\{method="POST",route="\/v1\/events",status="200"\} 1\n/);
    assert.match(m.body, /process_resident_memory_bytes \d+\n/);
    // The tenant's own figures need the tenant's token (security.test.ts has who may and may not).
    const mt = await t.req('viewer', { method: 'GET', url: '/v1/metrics' });
    assert.equal(mt.statusCode, 200);
    assert.match(mt.body, /pledge_events_ingested_total\{outcome="accepted"\} 1\n/);
    assert.match(mt.body, /pledge_events_ingested_total\{outcome="duplicate"\} 1\n/);
    assert.match(mt.body, /pledge_events_ingested_total\{outcome="rejected"\} 1\n/);
    assert.match(mt.body, /pledge_evaluation_lag_events \d+\n/);
    assert.match(mt.body, /pledge_outbox_pending_notifications 0\n/);
    assert.match(mt.body, /pledge_outbox_oldest_pending_age_seconds 0\n/);
    // The live lag appears once this process's scheduler has observed one (src/app/alerts/signals.ts).
    assert.doesNotMatch(mt.body, /pledge_alert_lag_seconds/);
    recordLag(t.tenant, 1500);
    const lagged = await t.req('viewer', { method: 'GET', url: '/v1/metrics' });
    assert.match(lagged.body, /pledge_alert_lag_seconds 1\.5\n/);

    const o = await t.req(null, { method: 'GET', url: '/openapi.json' });
    assert.equal(o.statusCode, 200);
    const doc = o.json();
    assert.equal(doc.openapi, '3.1.0');
    // Every operation of the server is documented, with the schemas it validates with.
    for (const [path, method] of [
      ['/v1/events', 'post'],
      ['/v1/events', 'get'],
      ['/v1/agreements/{id}', 'put'],
      ['/v1/agreements/{id}/transitions', 'post'],
      ['/v1/calendars/{name}', 'put'],
      ['/v1/audit', 'get'],
      ['/v1/tokens', 'post'],
      ['/v1/tokens/{id}', 'delete'],
    ] as const) {
      assert.ok(doc.paths[path]?.[method], `${method} ${path} documented`);
    }
    const agreementBody = doc.paths['/v1/agreements/{id}'].put.requestBody.content['application/yaml'].schema;
    assert.ok(agreementBody.properties.targets, 'the agreement schema comes from the core');
    const params = doc.paths['/v1/events'].get.parameters.map((p: { name: string }) => p.name);
    assert.deepEqual(params.sort(), ['after', 'customer', 'from', 'limit', 'service', 'source', 'ticket', 'to', 'type']);

    const d = await t.req(null, { method: 'GET', url: '/docs' });
    assert.equal(d.statusCode, 200);
    assert.match(String(d.headers['content-type']), /^text\/html/);
    assert.match(d.body, /\/v1\/agreements\/\{id\}\/transitions/);
    assert.doesNotMatch(d.body, /<script|https?:\/\/(?!json-schema)/, 'self-contained: no script, no remote resource');
    await t.app.close();
  });

  test('every answer carries a request id, the client one when it is sane', async () => {
    const t = await newTenant(ts.store);
    const a = await t.req(null, { method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    assert.equal(a.headers['x-request-id'], 'abc-123');
    const b = await t.req(null, { method: 'GET', url: '/v1/events', headers: { 'x-request-id': 'bad id\u0001' } });
    assert.notEqual(b.headers['x-request-id'], 'bad id\u0001');
    assert.equal(b.json().requestId, b.headers['x-request-id']);
    await t.app.close();
  });
});

describe('events', () => {
  test('a JSON batch is answered per event; good events are kept beside bad ones', async () => {
    const t = await newTenant(ts.store);
    const r = await t.req('agent', {
      method: 'POST',
      url: '/v1/events',
      ...json([
        event('e1'),
        event('e2', { up: 'yes' }),
        event('e3', { type: 'ticket.created', ticket: 'T-1', up: undefined, priority: 'P1' }),
      ]),
    });
    assert.equal(r.statusCode, 200);
    const rep = r.json();
    assert.equal(rep.committed, true);
    assert.deepEqual([rep.accepted, rep.rejected, rep.duplicates], [2, 1, 0]);
    assert.deepEqual(
      rep.results.map((x: { status: string }) => x.status),
      ['accepted', 'rejected', 'accepted'],
    );
    assert.equal(rep.results[1].issues[0].path, '[1].up');

    const again = await t.req('agent', { method: 'POST', url: '/v1/events', ...json([event('e1')]) });
    assert.equal(again.json().results[0].status, 'duplicate');
    const conflict = await t.req('agent', { method: 'POST', url: '/v1/events', ...json([event('e1', { up: false })]) });
    assert.equal(conflict.json().results[0].status, 'conflict');
    await t.app.close();
  });

  test('NDJSON (application/x-ndjson and text/plain), and all-or-nothing', async () => {
    const t = await newTenant(ts.store);
    const nd = `${[event('n1'), event('n2')].map((e) => JSON.stringify(e)).join('\n')}\n`;
    for (const type of ['application/x-ndjson', 'text/plain; charset=utf-8']) {
      const r = await t.req('agent', { method: 'POST', url: '/v1/events', headers: { 'content-type': type }, payload: nd });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().received, 2);
    }
    const aon = await t.req('agent', {
      method: 'POST',
      url: '/v1/events?mode=all_or_nothing',
      headers: { 'content-type': 'application/x-ndjson' },
      payload: `${JSON.stringify(event('n3'))}\n{not json\n`,
    });
    assert.equal(aon.statusCode, 200);
    assert.equal(aon.json().committed, false);
    assert.deepEqual(
      aon.json().results.map((x: { status: string }) => x.status),
      ['not_written', 'rejected'],
    );
    const list = await t.req('viewer', { method: 'GET', url: '/v1/events' });
    assert.deepEqual(
      list.json().items.map((e: { id: string }) => e.id),
      ['n1', 'n2'],
    );
    await t.app.close();
  });

  test('a batch and its audit line are one commit: the route writes no audit line of its own', async () => {
    // The store refuses separate audit writes: the line has to come with the events.
    const store = new Proxy(ts.store, {
      get: (s, k) =>
        k === 'appendAudit' ? () => Promise.reject(new Error('the audit line must be written with the events')) : Reflect.get(s, k, s),
    });
    const t = await newTenant(store);
    const headers = { 'content-type': 'application/json', 'x-request-id': 'batch-1' };
    const r = await t.req('agent', { method: 'POST', url: '/v1/events', headers, payload: JSON.stringify([event('a1'), event('a2')]) });
    assert.equal(r.statusCode, 200, r.body);
    const lines = (await ts.store.listAudit(t.tenant, { limit: 1000 })).items.filter((e) => e.action === 'events.ingest');
    assert.deepEqual(
      lines.map((e) => [e.actor, e.subject, e.after]),
      [['agent-user', 'events', { accepted: 2, duplicates: 0, conflicts: 0, rejected: 0, lastSeq: 2, requestId: 'batch-1' }]],
    );
    await t.app.close();
  });

  test('limits: too many events or bytes is 413', async () => {
    const ts2 = ts;
    const t = await newTenant(ts2.store, { limits: { batchEvents: 3, batchBytes: 2048 } });
    const many = await t.req('agent', { method: 'POST', url: '/v1/events', ...json([event('a'), event('b'), event('c'), event('d')]) });
    assert.equal(many.statusCode, 413);
    assert.equal(many.json().code, 'payload_too_large');
    assert.equal(many.json().details.limit, 3);
    const big = await t.req('agent', {
      method: 'POST',
      url: '/v1/events',
      ...json([event('a', { attributes: { note: 'x'.repeat(4000) } })]),
    });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().code, 'payload_too_large');
    await t.app.close();
  });

  test('listing filters by time, type, service, customer and ticket, and pages with after/limit', async () => {
    const t = await newTenant(ts.store);
    const evs = [
      event('x1', { at: '2026-10-01T10:00:00Z' }),
      event('x2', { at: '2026-10-02T10:00:00Z', customer: 'globex' }),
      event('x3', { at: '2026-10-03T10:00:00Z', service: 'mail' }),
      { id: 'x4', type: 'ticket.created', ticket: 'T-9', at: '2026-10-04T10:00:00Z', customer: 'acme', priority: 'P2' },
    ];
    // Sent after they happened (events more than a day ahead of the server's clock are refused).
    t.clock.now = Date.UTC(2026, 9, 5);
    const sent = await t.req('agent', { method: 'POST', url: '/v1/events', ...json(evs) });
    assert.equal(sent.json().accepted, 4, sent.body);
    const ids = async (qs: string) =>
      (await t.req('viewer', { method: 'GET', url: `/v1/events?${qs}` })).json().items.map((e: { id: string }) => e.id);
    assert.deepEqual(await ids('from=2026-10-02T00:00:00Z&to=2026-10-04T00:00:00Z'), ['x2', 'x3']);
    assert.deepEqual(await ids('type=ticket.'), ['x4']);
    assert.deepEqual(await ids('service=mail'), ['x3']);
    assert.deepEqual(await ids('customer=globex'), ['x2']);
    assert.deepEqual(await ids('ticket=T-9'), ['x4']);
    const p1 = (await t.req('viewer', { method: 'GET', url: '/v1/events?limit=3' })).json();
    assert.equal(p1.items.length, 3);
    assert.ok(p1.next);
    const p2 = (await t.req('viewer', { method: 'GET', url: `/v1/events?limit=3&after=${encodeURIComponent(p1.next)}` })).json();
    assert.deepEqual(
      p2.items.map((e: { id: string }) => e.id),
      ['x4'],
    );
    assert.equal(p2.next, undefined);
    await t.app.close();
  });
});

describe('agreements', () => {
  test('create, read with ETag, update with If-Match, 428 without, 412 when stale, unchanged is not a write', async () => {
    const t = await newTenant(ts.store);
    const created = await t.req('manager', { method: 'PUT', url: '/v1/agreements/gold', ...yaml(agreementYaml('gold')) });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().result, 'created');
    const etag1 = String(created.headers.etag);
    const got = await t.req('viewer', { method: 'GET', url: '/v1/agreements/gold' });
    assert.equal(got.statusCode, 200);
    assert.equal(got.headers.etag, etag1);
    assert.equal(got.json().customer, 'acme');
    assert.equal(got.json().document.targets[0].value, 99.9);

    const changed = agreementYaml('gold').replace('99.9', '99.95');
    assert.equal((await t.req('manager', { method: 'PUT', url: '/v1/agreements/gold', ...yaml(changed) })).statusCode, 428);
    const upd = await t.req('manager', { method: 'PUT', url: '/v1/agreements/gold', ...yaml(changed, etag1) });
    assert.equal(upd.statusCode, 200, upd.body);
    assert.equal(upd.json().result, 'updated');
    assert.deepEqual(upd.json().changes, [{ path: 'targets[uptime].value', kind: 'changed', before: 99.9, after: 99.95 }]);
    const etag2 = String(upd.headers.etag);
    assert.notEqual(etag2, etag1);
    const stale = await t.req('manager', { method: 'PUT', url: '/v1/agreements/gold', ...yaml(agreementYaml('gold'), etag1) });
    assert.equal(stale.statusCode, 412);
    assert.equal(stale.json().code, 'precondition_failed');
    const same = await t.req('manager', { method: 'PUT', url: '/v1/agreements/gold', ...yaml(changed, etag2) });
    assert.equal(same.json().result, 'unchanged');
    assert.equal(same.headers.etag, etag2);
    // JSON bodies work the same way.
    const asJson = await t.req('manager', {
      method: 'PUT',
      url: '/v1/agreements/silver',
      ...json({ id: 'silver', name: 'Silver', kind: 'ola', parties: { provider: { id: 'it', name: 'IT' } } }),
    });
    assert.equal(asJson.statusCode, 201, asJson.body);
    await t.app.close();
  });

  test('lifecycle: submit, approve (version 1), activate, amend (version 2), diff; illegal moves are 409 naming the legal ones', async () => {
    const t = await newTenant(ts.store);
    await t.req('manager', { method: 'PUT', url: '/v1/agreements/gold', ...yaml(agreementYaml('gold')) });
    const illegal = await t.req('manager', { method: 'POST', url: '/v1/agreements/gold/transitions', ...json({ to: 'active' }) });
    assert.equal(illegal.statusCode, 409);
    assert.equal(illegal.json().code, 'illegal_transition');
    assert.deepEqual(illegal.json().details.legal, [{ to: 'in_review', action: 'submit' }]);
    assert.match(illegal.json().message, /in_review \(submit\)/);

    assert.equal(
      (await t.req('manager', { method: 'POST', url: '/v1/agreements/gold/transitions', ...json({ to: 'in_review' }) })).statusCode,
      200,
    );
    // In review, the document cannot change.
    const etag = String((await t.req('manager', { method: 'GET', url: '/v1/agreements/gold' })).headers.etag);
    const frozen = await t.req('manager', {
      method: 'PUT',
      url: '/v1/agreements/gold',
      ...yaml(agreementYaml('gold').replace('99.9', '98'), etag),
    });
    assert.equal(frozen.statusCode, 409);
    assert.equal(frozen.json().code, 'conflict');

    t.clock.now = T0 + 3_600_000;
    const missingSig = await t.req('manager', {
      method: 'POST',
      url: '/v1/agreements/gold/transitions',
      ...json({
        to: 'approved',
        signatures: [{ party: 'provider', name: 'P', at: '2026-10-01T08:30:00Z' }],
        term: { start: '2026-11-01T00:00:00Z' },
      }),
    });
    assert.equal(missingSig.statusCode, 422);
    assert.equal(missingSig.json().details.issues[0].path, 'signatures');
    const approved = await t.req('manager', {
      method: 'POST',
      url: '/v1/agreements/gold/transitions',
      ...json({
        to: 'approved',
        signatures: [
          { party: 'provider', name: 'P', at: '2026-10-01T08:30:00Z' },
          { party: 'customer', name: 'C', at: '2026-10-01T08:40:00+00:00' },
        ],
        term: { start: '2026-11-01T00:00:00Z', end: '2027-11-01T00:00:00Z' },
      }),
    });
    assert.equal(approved.statusCode, 200, approved.body);
    assert.equal(approved.json().agreement.state, 'approved');
    assert.equal(approved.json().agreement.versionCount, 1);
    const active = await t.req('admin', { method: 'POST', url: '/v1/agreements/gold/transitions', ...json({ to: 'active' }) });
    assert.equal(active.statusCode, 200, active.body);
    // Activation before the term start is scheduled at the start.
    assert.equal(active.json().transition.at, '2026-11-01T00:00:00.000Z');

    t.clock.now = Date.UTC(2026, 11, 1);
    const etag2 = String((await t.req('manager', { method: 'GET', url: '/v1/agreements/gold' })).headers.etag);
    const amended = await t.req('manager', {
      method: 'PUT',
      url: '/v1/agreements/gold',
      ...yaml(agreementYaml('gold').replace('99.9', '99.95'), etag2),
    });
    assert.equal(amended.statusCode, 200, amended.body);
    assert.equal(amended.json().result, 'amended');
    assert.equal(amended.json().version.version, 2);
    const versions = (await t.req('customer', { method: 'GET', url: '/v1/agreements/gold/versions' })).json().items;
    assert.deepEqual(
      versions.map((v: { version: number; effective: string }) => [v.version, v.effective]),
      [
        [1, '2026-11-01T00:00:00.000Z'],
        [2, '2026-12-01T00:00:00.000Z'],
      ],
    );
    const diff = await t.req('viewer', { method: 'GET', url: '/v1/agreements/gold/diff?from=1&to=2' });
    assert.equal(diff.statusCode, 200);
    assert.equal(diff.json().text, '~ targets[uptime].value: 99.9 -> 99.95');
    assert.equal((await t.req('viewer', { method: 'GET', url: '/v1/agreements/gold/diff?from=1&to=7' })).statusCode, 404);

    const lc = (await t.req('customer', { method: 'GET', url: '/v1/agreements/gold/lifecycle' })).json();
    assert.equal(lc.state, 'active');
    assert.deepEqual(
      lc.transitions.map((x: { action: string }) => x.action),
      ['submit', 'approve', 'activate'],
    );
    assert.deepEqual(lc.monitored, [{ from: '2026-11-01T00:00:00.000Z', to: null }]);
    assert.ok(lc.legal.some((m: { action: string }) => m.action === 'suspend'));
    const noReason = await t.req('manager', { method: 'POST', url: '/v1/agreements/gold/transitions', ...json({ to: 'suspended' }) });
    assert.equal(noReason.statusCode, 422);
    assert.equal(noReason.json().details.issues[0].path, 'reason');
    await t.app.close();
  });

  test('lifecycle back-dated: a contract signed before it was entered keeps its dates, marked in the lifecycle and the audit log', async () => {
    const t = await newTenant(ts.store);
    await t.req('manager', { method: 'PUT', url: '/v1/agreements/gold', ...yaml(agreementYaml('gold')) });
    t.clock.now = Date.UTC(2026, 11, 4, 16);
    const post = (payload: unknown) => t.req('manager', { method: 'POST', url: '/v1/agreements/gold/transitions', ...json(payload) });
    const submitted = await post({ to: 'in_review', at: '2025-12-01T09:00:00Z' });
    assert.equal(submitted.statusCode, 200, submitted.body);
    assert.deepEqual(submitted.json().transition, {
      from: 'draft',
      to: 'in_review',
      action: 'submit',
      at: '2025-12-01T09:00:00.000Z',
      by: 'manager-user',
      recordedAt: '2026-12-04T16:00:00.000Z',
      backdated: true,
    });
    const sigs = [
      { party: 'provider', name: 'P', at: '2025-12-10T10:00:00Z' },
      { party: 'customer', name: 'C', at: '2025-12-12T10:00:00Z' },
    ];
    assert.equal(
      (await post({ to: 'approved', at: '2025-12-15T10:00:00Z', signatures: sigs, term: { start: '2026-01-01T00:00:00Z' } })).statusCode,
      200,
    );
    // Not before the previous transition: 422 naming `at`, nothing written.
    const early = await post({ to: 'active', at: '2025-12-14T00:00:00Z' });
    assert.equal(early.statusCode, 422, early.body);
    assert.equal(early.json().details.issues[0].path, 'at');
    assert.match(early.json().details.issues[0].message, /a back-dated transition cannot come before it/);
    const active = await post({ to: 'active', at: '2026-01-01T00:00:00Z' });
    assert.equal(active.statusCode, 200, active.body);
    assert.equal(active.json().transition.backdated, true);
    const lc = (await t.req('viewer', { method: 'GET', url: '/v1/agreements/gold/lifecycle' })).json();
    assert.deepEqual(lc.monitored, [{ from: '2026-01-01T00:00:00.000Z', to: null }]);
    assert.deepEqual(
      lc.transitions.map((x: { backdated?: boolean }) => x.backdated),
      [true, true, true],
    );
    const audit = (await t.req('auditor', { method: 'GET', url: '/v1/audit?subject=agreement:gold&order=newest&limit=1' })).json().items[0];
    const after = {
      state: 'active',
      action: 'activate',
      at: '2026-01-01T00:00:00.000Z',
      backdated: true,
      recordedAt: '2026-12-04T16:00:00.000Z',
      recordedBy: 'manager-user',
    };
    assert.deepEqual([audit.at, audit.actor, audit.after], ['2026-12-04T16:00:00.000Z', 'manager-user', after]);
    await t.app.close();
  });

  test('list: paginated, filtered by customer and state', async () => {
    const t = await newTenant(ts.store);
    for (const [id, c] of [
      ['a1', 'acme'],
      ['a2', 'globex'],
      ['a3', 'acme'],
    ] as const)
      await t.req('manager', { method: 'PUT', url: `/v1/agreements/${id}`, ...yaml(agreementYaml(id, c)) });
    await t.req('manager', { method: 'POST', url: '/v1/agreements/a3/transitions', ...json({ to: 'in_review' }) });
    const ids = async (qs: string, as: 'viewer' | 'customer' = 'viewer') =>
      (await t.req(as, { method: 'GET', url: `/v1/agreements?${qs}` })).json().items.map((a: { id: string }) => a.id);
    assert.deepEqual(await ids(''), ['a1', 'a2', 'a3']);
    assert.deepEqual(await ids('customer=acme'), ['a1', 'a3']);
    assert.deepEqual(await ids('state=in_review'), ['a3']);
    assert.deepEqual(await ids('', 'customer'), ['a1', 'a3']);
    const p = (await t.req('viewer', { method: 'GET', url: '/v1/agreements?limit=2' })).json();
    assert.equal(p.items.length, 2);
    assert.equal(p.items[0].document, undefined, 'lists leave documents out');
    const p2 = (await t.req('viewer', { method: 'GET', url: `/v1/agreements?limit=2&after=${encodeURIComponent(p.next)}` })).json();
    assert.deepEqual(
      p2.items.map((a: { id: string }) => a.id),
      ['a3'],
    );
    await t.app.close();
  });
});

describe('calendars', () => {
  test('create, read, replace with If-Match, extends another stored calendar, refuse ics', async () => {
    const t = await newTenant(ts.store);
    const c = await t.req('manager', { method: 'PUT', url: '/v1/calendars/office', ...yaml(CALENDAR_YAML) });
    assert.equal(c.statusCode, 201, c.body);
    const etag = String(c.headers.etag);
    const got = await t.req('agent', { method: 'GET', url: '/v1/calendars/office' });
    assert.equal(got.json().source, CALENDAR_YAML, 'stored as written, comments included');
    assert.equal(got.headers.etag, etag);
    const replaced = CALENDAR_YAML.replace('17:00', '18:00');
    assert.equal((await t.req('manager', { method: 'PUT', url: '/v1/calendars/office', ...yaml(replaced) })).statusCode, 428);
    const r = await t.req('manager', { method: 'PUT', url: '/v1/calendars/office', ...yaml(replaced, etag) });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal((await t.req('manager', { method: 'PUT', url: '/v1/calendars/office', ...yaml(CALENDAR_YAML, etag) })).statusCode, 412);

    const child = await t.req('manager', {
      method: 'PUT',
      url: '/v1/calendars/munich',
      ...yaml('extends: office\nholidays:\n  - { yearly: "01-06", name: Epiphany }\n'),
    });
    assert.equal(child.statusCode, 201, child.body);
    const orphan = await t.req('manager', { method: 'PUT', url: '/v1/calendars/orphan', ...yaml('extends: nowhere\n') });
    assert.equal(orphan.statusCode, 422);
    assert.equal(orphan.json().details.issues[0].path, 'extends');
    const ics = await t.req('manager', { method: 'PUT', url: '/v1/calendars/ics', ...yaml('timezone: UTC\nics: [holidays.ics]\n') });
    assert.equal(ics.statusCode, 422);
    assert.equal(ics.json().details.issues[0].path, 'ics');
    const list = (await t.req('viewer', { method: 'GET', url: '/v1/calendars' })).json().items.map((x: { name: string }) => x.name);
    assert.deepEqual(list, ['munich', 'office']);
    await t.app.close();
  });
});

describe('tokens and audit', () => {
  test('an admin creates a token (secret once), it works, is listed without secret, and revoking stops it', async () => {
    const t = await newTenant(ts.store);
    const created = await t.req('admin', {
      method: 'POST',
      url: '/v1/tokens',
      ...json({ name: 'desk', role: 'customer', customer: 'acme', user: { id: 'jo', name: 'Jo' } }),
    });
    assert.equal(created.statusCode, 201, created.body);
    const { token, secret } = created.json();
    assert.match(secret, /^pledge_/);
    assert.equal(token.role, 'customer');
    assert.equal(token.customer, 'acme');
    await t.req('manager', { method: 'PUT', url: '/v1/agreements/gold', ...yaml(agreementYaml('gold')) });
    assert.equal((await t.req({ secret }, { method: 'GET', url: '/v1/agreements/gold' })).statusCode, 200);
    const list = await t.req('admin', { method: 'GET', url: '/v1/tokens?user=jo' });
    assert.equal(list.json().items.length, 1);
    assert.doesNotMatch(list.body, new RegExp(secret));
    assert.doesNotMatch(list.body, /tokenHash|token_hash/);
    const del = await t.req('admin', { method: 'DELETE', url: `/v1/tokens/${token.id}` });
    assert.equal(del.statusCode, 200);
    assert.equal(del.json().status, 'revoked');
    const after = await t.req({ secret }, { method: 'GET', url: '/v1/agreements/gold' });
    assert.equal(after.statusCode, 401);
    assert.equal(after.json().details.reason, 'revoked_token');
    assert.equal((await t.req('admin', { method: 'DELETE', url: '/v1/tokens/tok_nope' })).statusCode, 404);
    await t.app.close();
  });

  test('a token records its last use at most once a minute', async () => {
    const t = await newTenant(ts.store);
    const lastUsed = async () => (await ts.store.listTokens(t.tenant, { userId: 'viewer-user' }))[0]!.lastUsedAt;
    await t.req('viewer', { method: 'GET', url: '/v1/calendars' });
    assert.equal(await lastUsed(), T0);
    t.clock.now = T0 + 30_000;
    await t.req('viewer', { method: 'GET', url: '/v1/calendars' });
    assert.equal(await lastUsed(), T0);
    t.clock.now = T0 + 61_000;
    await t.req('viewer', { method: 'GET', url: '/v1/calendars' });
    assert.equal(await lastUsed(), T0 + 61_000);
    await t.app.close();
  });

  test('every change is in the audit log: who, when, what, before and after', async () => {
    const t = await newTenant(ts.store);
    await t.req('manager', { method: 'PUT', url: '/v1/agreements/gold', ...yaml(agreementYaml('gold')) });
    t.clock.now = T0 + 1000;
    const etag = String((await t.req('manager', { method: 'GET', url: '/v1/agreements/gold' })).headers.etag);
    await t.req('manager', { method: 'PUT', url: '/v1/agreements/gold', ...yaml(agreementYaml('gold').replace('99.9', '99.8'), etag) });
    await t.req('manager', { method: 'POST', url: '/v1/agreements/gold/transitions', ...json({ to: 'in_review' }) });
    await t.req('manager', { method: 'PUT', url: '/v1/calendars/office', ...yaml(CALENDAR_YAML) });
    await t.req('agent', { method: 'POST', url: '/v1/events', ...json([event('a1')]) });
    const tok = (
      await t.req('admin', { method: 'POST', url: '/v1/tokens', ...json({ name: 'n', role: 'viewer', user: { id: 'viewer-user' } }) })
    ).json();
    await t.req('admin', { method: 'DELETE', url: `/v1/tokens/${tok.token.id}` });

    const entries = (await t.req('auditor', { method: 'GET', url: '/v1/audit' })).json().items;
    assert.deepEqual(
      entries.map((e: { action: string }) => e.action),
      ['agreement.create', 'agreement.update', 'agreement.transition', 'calendar.create', 'events.ingest', 'token.create', 'token.revoke'],
    );
    const update = entries[1];
    assert.equal(update.actor, 'manager-user');
    assert.equal(update.at, new Date(T0 + 1000).toISOString());
    assert.equal(update.subject, 'agreement:gold');
    assert.equal(update.before.document.targets[0].value, 99.9);
    assert.equal(update.after.document.targets[0].value, 99.8);
    assert.equal(entries[2].before.state, 'draft');
    assert.equal(entries[2].after.state, 'in_review');
    assert.doesNotMatch(JSON.stringify(entries), new RegExp(tok.secret), 'no secret in the audit log');
    const newest = (await t.req('auditor', { method: 'GET', url: '/v1/audit?order=newest&limit=1&subject=agreement:gold' })).json();
    assert.equal(newest.items[0].action, 'agreement.transition');
    assert.ok(newest.next);
    await t.app.close();
  });
});

describe('serve', () => {
  test('opens the store, listens on a real socket and closes cleanly', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { serve } = await import('../../src/http/serve.ts');
    const { testConfig } = await import('./helpers.ts');
    const dir = mkdtempSync(join(tmpdir(), 'pledge-serve-'));
    const running = await serve(
      { ...testConfig(), store: { kind: 'sqlite', path: join(dir, 'pledge.db') } },
      { port: 0, handleSignals: false },
    );
    try {
      const res = await fetch(`${running.url}/readyz`);
      assert.equal(res.status, 200);
      const unauth = await fetch(`${running.url}/v1/agreements`);
      assert.equal(unauth.status, 401);
      assert.ok(unauth.headers.get('x-request-id'));
    } finally {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
