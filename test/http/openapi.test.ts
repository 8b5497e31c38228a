/**
 * /openapi.json is a valid OpenAPI 3.1 document whose every answer has a real schema, and the
 * answers are what it says: one representative request per documented success status of every
 * operation, on the demo data, each answer validated against the published schema (by
 * `Tenant.req`, see documented.ts), with no instant shown as a number.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { acmeTicket, closeDemo, openDemo, type DemoTenant } from './demo-tenant.ts';
import { agreementYaml, CALENDAR_YAML, event, newTenant, type TestStore } from './helpers.ts';
import { documentChecker, epochInstants } from './documented.ts';
import { coreAlert, openAlerts } from './alerts-fixtures.ts';

type Json = Record<string, any>;

let d: { ts: TestStore; t: DemoTenant };
let doc: Json;
before(async () => {
  d = await openDemo();
  doc = (await d.t.req(null, { method: 'GET', url: '/openapi.json' })).json();
});
after(async () => {
  await closeDemo(d);
});

/** Every (path, method, operation) of the document. */
function operationsOf(document: Json): Array<{ path: string; method: string; op: Json }> {
  return Object.entries(document.paths as Json).flatMap(([path, methods]) =>
    Object.entries(methods as Json).map(([method, op]) => ({ path, method, op: op as Json })),
  );
}

/** Every schema object in a JSON Schema tree, with the property name it sits under. */
function* schemasIn(s: unknown, key = ''): Generator<{ key: string; schema: Json }> {
  if (Array.isArray(s)) for (const x of s) yield* schemasIn(x, key);
  else if (s !== null && typeof s === 'object') {
    yield { key, schema: s as Json };
    for (const [k, v] of Object.entries(s)) {
      if (k === 'properties') for (const [name, p] of Object.entries(v as Json)) yield* schemasIn(p, name);
      else if (typeof v === 'object') yield* schemasIn(v, key);
    }
  }
}

describe('the OpenAPI document', () => {
  test('validates as OpenAPI 3.1 with a maintained validator', async () => {
    const r = await new Validator().validate(structuredClone(doc));
    assert.equal(r.valid, true, JSON.stringify(r.errors, null, 2)?.slice(0, 3000));
    assert.equal(doc.openapi, '3.1.0');
  });

  test('every answer has a real schema; shared shapes are components, referenced', () => {
    const empty: string[] = [];
    const refs = new Map<string, number>();
    for (const { path, method, op } of operationsOf(doc)) {
      const success = Object.keys(op.responses).filter((s) => s.startsWith('2'));
      assert.ok(success.length > 0, `${method} ${path} documents a success answer`);
      for (const [status, r] of Object.entries(op.responses as Json)) {
        assert.ok(r.content && Object.keys(r.content).length > 0, `${method} ${path} ${status} has content`);
        for (const [media, c] of Object.entries(r.content as Json)) {
          const s = (c as Json).schema as Json;
          if (!s || Object.keys(s).length === 0) empty.push(`${method} ${path} ${status} ${media}`);
          if (Number(status) >= 400)
            assert.deepEqual(s, { $ref: '#/components/schemas/Error' }, `${method} ${path} ${status}: errors are the Error component`);
        }
      }
    }
    assert.deepEqual(empty, [], 'no answer is documented as {} (anything)');
    for (const m of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) refs.set(m[1]!, (refs.get(m[1]!) ?? 0) + 1);
    for (const id of refs.keys()) assert.ok(doc.components.schemas[id], `$ref to ${id} resolves`);
    for (const shared of [
      'Error',
      'Issue',
      'Instant',
      'Event',
      'Agreement',
      'Version',
      'Transition',
      'ComplianceRow',
      'ComplianceResult',
      'Settlement',
      'SettlementRow',
      'Clock',
      'Review',
      'Token',
      'AuditEntry',
      'Status',
      'Report',
      'TargetState',
    ]) {
      assert.ok(doc.components.schemas[shared], `${shared} is a component`);
      assert.ok((refs.get(shared) ?? 0) >= 1, `${shared} is referenced`);
    }
    assert.ok((refs.get('Instant') ?? 0) > 20, 'instants share one definition');
    assert.ok((refs.get('Settlement') ?? 0) >= 2, 'a settlement is one shape in settlements and reports');
  });

  test('no field that is an instant is documented as a number', () => {
    const instantName = /^(at|now|start|end|stop|deadline|effective)$|At$/;
    const numeric: string[] = [];
    for (const { key, schema } of schemasIn(doc.components.schemas)) {
      const types = [schema.type].flat();
      if (instantName.test(key) && (types.includes('number') || types.includes('integer'))) numeric.push(key);
    }
    for (const { path, method, op } of operationsOf(doc)) {
      for (const r of Object.values(op.responses as Json))
        for (const c of Object.values((r as Json).content ?? {})) {
          for (const { key, schema } of schemasIn((c as Json).schema)) {
            const types = [schema.type].flat();
            if (instantName.test(key) && (types.includes('number') || types.includes('integer'))) numeric.push(`${method} ${path}: ${key}`);
          }
        }
    }
    assert.deepEqual(numeric, []);
    assert.equal(doc.components.schemas.Instant.format, 'date-time');
  });
});

describe('the answers are what the document says', () => {
  test('the checker finds undocumented fields, statuses and instants as numbers', () => {
    const checker = documentChecker(structuredClone(doc) as never);
    const answer = (statusCode: number, body: unknown) => ({
      statusCode,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
    });
    assert.deepEqual(checker.check('GET', '/healthz', answer(200, { status: 'ok' })).problems, []);
    assert.match(checker.check('GET', '/healthz', answer(200, { status: 'ok', extra: 1 })).problems.join(), /additional/);
    assert.match(checker.check('GET', '/healthz', answer(202, { status: 'ok' })).problems.join(), /status 202 is not documented/);
    assert.match(checker.check('GET', '/v1/events', answer(404, { code: 'not_found' })).problems.join(), /required/);
    const ev = {
      seq: 1,
      source: '',
      id: 'e',
      type: 'check.result',
      at: Date.UTC(2026, 9, 1),
      receivedAt: '2026-10-01T00:00:00.000Z',
      payload: {},
    };
    const bad = checker.check('GET', '/v1/events', answer(200, { items: [ev] })).problems.join('\n');
    assert.match(bad, /items\/0\/at must be string/);
    assert.match(bad, /epoch milliseconds at items\[0\]\.at/);
    assert.deepEqual(
      epochInstants({ elapsedMs: 1_790_000_000_000, amountMinor: 1_790_000_000_000, payload: { at: 1_790_000_000_000 }, to: 2 }),
      [],
      'durations, money, payloads and small numbers are not instants',
    );
  });

  test('one representative request per documented success answer of every operation, on the demo data', async () => {
    const { t } = d;
    const seen = new Set<string>();
    const json = (payload: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
    const yaml = (payload: string, etag?: string) => ({
      headers: { 'content-type': 'application/yaml', ...(etag ? { 'if-match': etag } : {}) },
      payload,
    });
    const checker = documentChecker(structuredClone(doc) as never);
    /** `t.req` validates the answer against the document; this records which operation and status it was. */
    const call = async (as: Parameters<typeof t.req>[0], o: Parameters<typeof t.req>[1], expect?: number) => {
      const res = await t.req(as, o);
      if (expect !== undefined) assert.equal(res.statusCode, expect, `${o.method} ${o.url}: ${res.body.slice(0, 300)}`);
      const r = checker.check(String(o.method), String(o.url), res);
      if (res.statusCode < 300) seen.add(`${r.operationId} ${res.statusCode}`);
      return res;
    };

    for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']) await call(null, { method: 'GET', url }, 200);

    // Results first, on the demo's own data: every stored result of the tenant is validated.
    await call('viewer', { method: 'GET', url: '/v1/status' }, 200);
    await call('viewer', { method: 'GET', url: '/v1/portfolio' }, 200);
    await call('viewer', { method: 'GET', url: '/v1/agreements/acme-checkout/history' }, 200);
    await call('viewer', { method: 'GET', url: '/v1/watermelon?period=2026-09' }, 200);
    await call('viewer', { method: 'GET', url: '/v1/metrics' }, 200);
    await call('viewer', { method: 'GET', url: '/v1/compliance?limit=1000' }, 200);
    await call('viewer', { method: 'GET', url: '/v1/agreements/acme-checkout/compliance?window=2026-08' }, 200);
    await call('viewer', { method: 'GET', url: '/v1/settlements?limit=1000' }, 200);
    await call('viewer', { method: 'GET', url: '/v1/agreements/acme-checkout/settlements/2026-08' }, 200);
    const agreements = (await call('viewer', { method: 'GET', url: '/v1/agreements?limit=1000' }, 200)).json().items as Array<{
      id: string;
    }>;
    assert.ok(agreements.length >= 10);
    let reports = 0;
    for (const a of agreements) {
      for (const period of ['2026-08', '2026-Q3']) {
        const r = await call('viewer', { method: 'GET', url: `/v1/agreements/${a.id}/report?period=${period}` });
        assert.ok([200, 404].includes(r.statusCode), r.body.slice(0, 300));
        if (r.statusCode === 200) reports++;
      }
      await call('viewer', { method: 'GET', url: `/v1/agreements/${a.id}/lifecycle` }, 200);
      await call('viewer', { method: 'GET', url: `/v1/agreements/${a.id}/effective` }, 200);
      await call('viewer', { method: 'GET', url: `/v1/agreements/${a.id}/reviews` }, 200);
    }
    assert.ok(reports > 10, 'reports with and without settlements');
    const csv = await call('viewer', { method: 'GET', url: '/v1/agreements/acme-checkout/report?period=2026-08&format=csv' }, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    await call('viewer', { method: 'GET', url: `/v1/tickets/${encodeURIComponent(await acmeTicket(d.ts.store, t.tenant))}` }, 200);
    await call('admin', { method: 'POST', url: '/v1/rebuild' }, 200);
    await call('viewer', { method: 'GET', url: '/v1/checks?events=true' }, 200);
    await call('viewer', { method: 'GET', url: '/v1/reviews?today=2027-03-15&within=400' }, 200);
    await call('viewer', { method: 'GET', url: '/v1/events?limit=1000' }, 200);

    // Events, agreements and their lifecycle.
    await call('agent', { method: 'POST', url: '/v1/events', ...json([event('doc-1'), event('doc-1'), event('doc-2', { up: 'x' })]) }, 200);
    const created = await call('manager', { method: 'PUT', url: '/v1/agreements/doc-sla', ...yaml(agreementYaml('doc-sla')) }, 201);
    await call(
      'manager',
      {
        method: 'PUT',
        url: '/v1/agreements/doc-sla?dryRun=true',
        ...yaml(agreementYaml('doc-sla').replace('99.9', '99.5'), created.headers.etag as string),
      },
      200,
    );
    await call(
      'manager',
      {
        method: 'PUT',
        url: '/v1/agreements/doc-sla',
        ...yaml(agreementYaml('doc-sla').replace('99.9', '99.5'), created.headers.etag as string),
      },
      200,
    );
    await call('manager', { method: 'POST', url: '/v1/agreements/doc-sla/transitions', ...json({ to: 'in_review' }) }, 200);
    const current = (await call('viewer', { method: 'GET', url: '/v1/agreements/acme-checkout' }, 200)).json();
    const amended = await call(
      'manager',
      {
        method: 'PUT',
        url: '/v1/agreements/acme-checkout',
        ...json({ ...current.document, name: 'Acme checkout service (amended)' }),
        headers: { 'content-type': 'application/json', 'if-match': current.etag },
      },
      200,
    );
    assert.equal(amended.json().result, 'amended');
    await call('viewer', { method: 'GET', url: '/v1/agreements/acme-checkout/versions' }, 200);
    await call('viewer', { method: 'GET', url: '/v1/agreements/acme-checkout/diff?from=1&to=2' }, 200);
    await call(
      'manager',
      { method: 'POST', url: '/v1/agreements/acme-checkout/reviews', ...json({ outcome: 'amended', version: 2, notes: 'renamed' }) },
      201,
    );

    // Calendars, audit, tokens.
    const cal = await call('manager', { method: 'PUT', url: '/v1/calendars/doc-office', ...yaml(CALENDAR_YAML) }, 201);
    await call(
      'manager',
      { method: 'PUT', url: '/v1/calendars/doc-office', ...yaml(CALENDAR_YAML.replace('Office', 'Office 2'), cal.headers.etag as string) },
      200,
    );
    await call('viewer', { method: 'GET', url: '/v1/calendars/doc-office' }, 200);
    await call('viewer', { method: 'GET', url: '/v1/calendars' }, 200);
    const token = await call(
      'admin',
      {
        method: 'POST',
        url: '/v1/tokens',
        ...json({ name: 'docs', role: 'customer', customer: 'acme', user: { id: 'doc-user' }, expiresAt: '2027-01-01T00:00:00Z' }),
      },
      201,
    );
    await call('admin', { method: 'GET', url: '/v1/tokens' }, 200);
    await call('admin', { method: 'DELETE', url: `/v1/tokens/${token.json().token.id}` }, 200);
    const audit = await call('auditor', { method: 'GET', url: '/v1/audit?limit=1000' }, 200);
    assert.ok(
      audit
        .json()
        .items.some(
          (e: { action: string; after?: { createdAt?: unknown } }) => e.action === 'user.create' && typeof e.after?.createdAt === 'string',
        ),
      'instants recorded in the audit log are shown as ISO 8601',
    );
    // After the changes: the results recomputed, validated again.
    await call('customer', { method: 'GET', url: '/v1/settlements?limit=1000' }, 200);

    // Alerts, silences, channels and the delivery log (issue 9).
    const [fired] = await openAlerts(
      d.ts.store,
      t.tenant,
      [coreAlert({ agreement: 'acme-checkout', at: Date.UTC(2026, 9, 1) })],
      Date.UTC(2026, 9, 1),
    );
    await call('viewer', { method: 'GET', url: '/v1/alerts?state=open' }, 200);
    await call('viewer', { method: 'GET', url: '/v1/alerts/stream?after=0&follow=false' }, 200);
    await call('viewer', { method: 'GET', url: `/v1/alerts/${fired!.id}` }, 200);
    await call('agent', { method: 'POST', url: `/v1/alerts/${fired!.id}/acknowledge`, ...json({ comment: 'mine' }) }, 200);
    await call('agent', { method: 'POST', url: `/v1/alerts/${fired!.id}/resolve`, ...json({ reason: 'fixed' }) }, 200);
    const silence = { id: 'doc-silence', matchers: [{ field: 'agreement', op: '=', values: ['acme-checkout'] }], duration: '1h' };
    await call('manager', { method: 'POST', url: '/v1/silences', ...json(silence) }, 201);
    await call('manager', { method: 'POST', url: '/v1/silences', ...json(silence) }, 200);
    await call('viewer', { method: 'GET', url: '/v1/silences' }, 200);
    await call('viewer', { method: 'GET', url: '/v1/silences/doc-silence' }, 200);
    await call('manager', { method: 'POST', url: '/v1/silences/doc-silence/expire' }, 200);
    const hook = 'kind: webhook\nsettings:\n  url: https://hooks.example.com/pledge\n  secrets: [env:DOC_WEBHOOK_SECRET]\n';
    const ch = await call('manager', { method: 'PUT', url: '/v1/channels/doc-hook', ...yaml(hook) }, 201);
    await call(
      'manager',
      { method: 'PUT', url: '/v1/channels/doc-hook', ...yaml(`${hook}description: docs\n`, ch.headers.etag as string) },
      200,
    );
    await call(
      'manager',
      {
        method: 'POST',
        url: '/v1/channels/apply',
        ...yaml(`channels:\n  - id: doc-slack\n    kind: slack\n    settings:\n      url: env:DOC_SLACK_URL\n`),
      },
      200,
    );
    await call('auditor', { method: 'GET', url: '/v1/channels' }, 200);
    await call('auditor', { method: 'GET', url: '/v1/channels/doc-hook' }, 200);
    await call('manager', { method: 'POST', url: '/v1/channels/doc-hook/disable', ...json({ reason: 'maintenance' }) }, 200);
    await call('manager', { method: 'POST', url: '/v1/channels/doc-hook/enable' }, 200);
    await call('manager', { method: 'DELETE', url: '/v1/channels/doc-slack' }, 200);
    const sent = await d.ts.store.listNotifications(t.tenant, { alertId: fired!.id });
    assert.ok(sent.items.length > 0, 'acknowledging and resolving notified the shift lead');
    const [claimed] = await d.ts.store.claimNotifications({
      worker: 'doc',
      at: Date.UTC(2027, 0, 1),
      leaseMs: 60_000,
      tenant: t.tenant,
      limit: 1,
    });
    await d.ts.store.completeNotification(
      t.tenant,
      claimed!.id,
      { worker: 'doc', attempt: claimed!.lease.attempt },
      { outcome: 'failed', at: Date.UTC(2027, 0, 1), error: 'HTTP 404', response: { status: 404 } },
    );
    await call('auditor', { method: 'GET', url: '/v1/notifications' }, 200);
    await call('auditor', { method: 'GET', url: `/v1/notifications/${claimed!.id}` }, 200);
    await call('manager', { method: 'POST', url: `/v1/notifications/${claimed!.id}/replay` }, 200);

    // Service reports: produced (a new revision, then the same), listed, read.
    await call('manager', { method: 'POST', url: '/v1/agreements/acme-checkout/reports', ...json({ period: '2026-08' }) }, 201);
    await call('manager', { method: 'POST', url: '/v1/agreements/acme-checkout/reports', ...json({ period: '2026-08' }) }, 200);
    await call('customer', { method: 'GET', url: '/v1/agreements/acme-checkout/reports' }, 200);
    await call('customer', { method: 'GET', url: '/v1/agreements/acme-checkout/reports/2026-08' }, 200);
    for (const format of ['html', 'csv'])
      await call('customer', { method: 'GET', url: `/v1/agreements/acme-checkout/reports/2026-08?format=${format}&lang=ar` }, 200);

    // Report schedules (issue 10): created, replaced, read, run by hand, deliveries listed, deleted.
    const mail = { kind: 'email', settings: { from: 'r@example.com', to: ['o@example.com'], smtp: { host: 'smtp.example.com' } } };
    await call('manager', { method: 'PUT', url: '/v1/channels/doc-mail', ...json(mail) }, 201);
    const sched = { agreement: 'acme-checkout', day: 2, channel: 'doc-mail', recipients: ['cto@acme.example'] };
    const made = await call('manager', { method: 'PUT', url: '/v1/report-schedules/doc-monthly', ...json(sched) }, 201);
    await call(
      'manager',
      {
        method: 'PUT',
        url: '/v1/report-schedules/doc-monthly',
        headers: { 'content-type': 'application/json', 'if-match': made.headers.etag as string },
        payload: JSON.stringify({ ...sched, formats: ['pdf', 'csv'] }),
      },
      200,
    );
    await call('auditor', { method: 'GET', url: '/v1/report-schedules' }, 200);
    await call('auditor', { method: 'GET', url: '/v1/report-schedules/doc-monthly' }, 200);
    await call('manager', { method: 'POST', url: '/v1/report-schedules/doc-monthly/runs', ...json({ period: '2026-08' }) }, 202);
    await call('auditor', { method: 'GET', url: '/v1/report-deliveries?agreement=acme-checkout' }, 200);
    await call('manager', { method: 'DELETE', url: '/v1/report-schedules/doc-monthly' }, 200);

    // Built-in monitors (issue 11): created, replaced, read, paused, resumed, a heartbeat pushed, deleted.
    const mon = { kind: 'heartbeat', service: 'checkout', interval: '1h' };
    const mMade = await call('manager', { method: 'PUT', url: '/v1/monitors/doc-nightly', ...json(mon) }, 201);
    await call(
      'manager',
      {
        method: 'PUT',
        url: '/v1/monitors/doc-nightly',
        headers: { 'content-type': 'application/json', 'if-match': mMade.headers.etag as string },
        payload: JSON.stringify({ ...mon, grace: '5m' }),
      },
      200,
    );
    await call(null, { method: 'POST', url: `/v1/heartbeats/${mMade.json().token as string}` }, 200);
    await call('auditor', { method: 'GET', url: '/v1/monitors' }, 200);
    await call('auditor', { method: 'GET', url: '/v1/monitors/doc-nightly' }, 200);
    await call('manager', { method: 'POST', url: '/v1/monitors/doc-nightly/pause' }, 200);
    await call('manager', { method: 'POST', url: '/v1/monitors/doc-nightly/resume' }, 200);
    await call('manager', { method: 'DELETE', url: '/v1/monitors/doc-nightly' }, 200);
    // Service desk sources and one webhook delivery (docs/sources.md).
    const deskToken = 'a-jira-token-for-the-docs';
    const src = await call('admin', { method: 'PUT', url: '/v1/sources/doc-desk', ...json({ vendor: 'jira', secret: deskToken }) }, 201);
    await call('admin', { method: 'PUT', url: '/v1/sources/doc-desk', ...json({ vendor: 'jira', defaults: { customer: 'acme' } }) }, 200);
    await call('auditor', { method: 'GET', url: '/v1/sources' }, 200);
    await call('auditor', { method: 'GET', url: '/v1/sources/doc-desk' }, 200);
    const issue = { webhookEvent: 'jira:issue_created', issue: { key: 'DOC-1', fields: { updated: '2026-09-30T10:00:00.000+0000' } } };
    await call(null, { method: 'POST', url: `${src.json().source.webhook}?token=${deskToken}`, ...json(issue) }, 200);
    await call('auditor', { method: 'GET', url: '/v1/sources/doc-desk/deliveries' }, 200);
    await call('admin', { method: 'DELETE', url: '/v1/sources/doc-desk' }, 200);
    // Status pages and incidents (issue 11): a page created, replaced, read, deleted; an incident opened, updated, resolved.
    const page = { title: 'Doc status', path: 'doc-status', services: [{ id: 'checkout' }] };
    const pg = await call('manager', { method: 'PUT', url: '/v1/status-pages/doc-status', ...json(page) }, 201);
    await call(
      'manager',
      {
        method: 'PUT',
        url: '/v1/status-pages/doc-status',
        headers: { 'content-type': 'application/json', 'if-match': pg.headers.etag as string },
        payload: JSON.stringify({ ...page, title: 'Doc status page' }),
      },
      200,
    );
    await call('auditor', { method: 'GET', url: '/v1/status-pages' }, 200);
    await call('auditor', { method: 'GET', url: '/v1/status-pages/doc-status' }, 200);
    const incident = { id: 'doc-inc', title: 'Slow checkout', services: ['checkout'], level: 'degraded', message: 'Looking into it.' };
    await call('agent', { method: 'POST', url: '/v1/incidents', ...json(incident) }, 201);
    await call(
      'agent',
      { method: 'POST', url: '/v1/incidents/doc-inc/updates', ...json({ status: 'identified', message: 'Found.' }) },
      200,
    );
    await call('agent', { method: 'POST', url: '/v1/incidents/doc-inc/resolve', ...json({ message: 'Fixed.' }) }, 200);
    await call('viewer', { method: 'GET', url: '/v1/incidents?open=false' }, 200);
    await call('viewer', { method: 'GET', url: '/v1/incidents/doc-inc' }, 200);
    await call('manager', { method: 'DELETE', url: '/v1/status-pages/doc-status' }, 200);

    // Signing in to the web app: an invite, its acceptance, a sign-in, the session, sign-out.
    const inv = (
      await call('admin', { method: 'POST', url: '/v1/invites', ...json({ email: 'doc.person@example.com', role: 'viewer' }) }, 201)
    ).json();
    const secret = String(inv.path).split('/').pop();
    await call(null, { method: 'GET', url: `/v1/invites/${secret}` }, 200);
    await call(null, { method: 'POST', url: `/v1/invites/${secret}/accept`, ...json({ password: 'correct horse battery' }) }, 200);
    const signedIn = await call(
      null,
      { method: 'POST', url: '/v1/session', ...json({ email: 'Doc.Person@example.com', password: 'correct horse battery' }) },
      200,
    );
    const cookie = String(signedIn.headers['set-cookie']).split(';')[0]!;
    const session = (await call(null, { method: 'GET', url: '/v1/session', headers: { cookie } }, 200)).json();
    await call('admin', { method: 'GET', url: '/v1/logins' }, 200);
    await call(null, { method: 'DELETE', url: '/v1/session', headers: { cookie, 'x-csrf-token': session.csrfToken } }, 200);

    // Measuring from Prometheus (test/http/prometheus.test.ts measures for real): a tenant whose
    // server has one configured, and no ratio target, so nothing is asked of it.
    const measuring = await newTenant(d.ts.store, { config: { prometheus: { url: 'http://127.0.0.1:9', timeoutMs: 1000 } } });
    try {
      const res = await measuring.req('agent', { method: 'POST', url: '/v1/measurements/prometheus' });
      assert.deepEqual([res.statusCode, res.json()], [200, { measured: [], failed: [] }], res.body);
      const r = checker.check('POST', '/v1/measurements/prometheus', res);
      seen.add(`${r.operationId} ${res.statusCode}`);
    } finally {
      await measuring.app.close();
    }

    const documented = operationsOf(doc).flatMap(({ op }) =>
      Object.keys(op.responses)
        .filter((s) => s.startsWith('2'))
        .map((s) => `${op.operationId} ${s}`),
    );
    assert.deepEqual([...documented].filter((x) => !seen.has(x)).sort(), [], 'every documented success answer was produced and checked');
  });

  test('results show their instants as ISO 8601, the same instants as before', async () => {
    const { t } = d;
    const row = (await t.req('viewer', { method: 'GET', url: '/v1/agreements/acme-checkout/settlements/2026-08' })).json();
    assert.deepEqual([row.settlement.period.from, row.settlement.period.to], ['2026-08-01T00:00:00.000Z', '2026-09-01T00:00:00.000Z']);
    assert.equal(row.settlement.contractYear.from, '2026-01-01T00:00:00.000Z');
    assert.deepEqual([row.settlement.grace.start, row.settlement.grace.startMs], ['2026-01-01T00:00:00.000Z', undefined]);
    for (const l of row.settlement.lines) if (l.compliance) assert.equal(l.compliance.window.from, '2026-08-01T00:00:00.000Z');
    const c = (await t.req('viewer', { method: 'GET', url: '/v1/agreements/acme-checkout/compliance?window=2026-08' })).json();
    assert.ok(c.items.length > 0);
    for (const i of c.items)
      assert.deepEqual([i.result.window.from, i.result.window.to], ['2026-08-01T00:00:00.000Z', '2026-09-01T00:00:00.000Z']);
    const report = (await t.req('viewer', { method: 'GET', url: '/v1/agreements/acme-checkout/report?period=2026-08' })).json();
    assert.deepEqual(report.settlement, row.settlement, 'the report carries the same settlement as the settlements route');
  });
});
