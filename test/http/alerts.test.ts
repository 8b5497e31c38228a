/**
 * The alerts API on SQLite and on PostgreSQL: alerts listed, filtered, shown with history,
 * acknowledged and resolved through the core's rules (the notices to those told land in the outbox
 * in the same change), silences; bad input named by field; who may see and do what (every role, a
 * customer's own notices only, another customer, another tenant). Alerts are opened through the
 * store as the evaluation opens them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROLES, type Role } from '../../src/core/access/policy.ts';
import { openStore } from '../../src/store/index.ts';
import { skipBanner, startPostgres } from '../../src/store/testing/pg-harness.ts';
import type { Store } from '../../src/store/types.ts';
import { coreAlert, openAlerts } from './alerts-fixtures.ts';
import { agreementYaml, isErrorBody, newTenant, openTestStore, T0, type Tenant } from './helpers.ts';

const MIN = 60_000;
const json = (payload: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

const started = await startPostgres();
const harness = started.ok ? started.harness : undefined;
if (!started.ok) {
  if (process.env.PLEDGE_REQUIRE_POSTGRES === '1' || process.env.PLEDGE_TEST_DATABASE_URL)
    test('PostgreSQL is available for the alerts API tests', () => assert.fail(started.reason));
  else console.error(skipBanner(started.reason));
}

/** A tenant with agreements gold (customer acme) and blue (customer globex), and alerts on both. */
async function seeded(store: Store) {
  const t = await newTenant(store);
  for (const [id, customer] of [
    ['gold', 'acme'],
    ['blue', 'globex'],
  ] as const) {
    const r = await t.req('manager', {
      method: 'PUT',
      url: `/v1/agreements/${id}`,
      headers: { 'content-type': 'application/yaml' },
      payload: agreementYaml(id, customer),
    });
    assert.equal(r.statusCode, 201, r.body);
  }
  const [warn, breach, notice, blueNotice] = await openAlerts(
    store,
    t.tenant,
    [
      coreAlert({ agreement: 'gold', at: T0 }),
      coreAlert({ agreement: 'gold', ticket: 'T-2', level: 'breach', kind: 'breach', severity: 'critical', at: T0 + MIN }),
      coreAlert({ agreement: 'gold', ticket: 'T-2', level: 'notice-breach', audience: 'customer', at: T0 + 2 * MIN }),
      coreAlert({ agreement: 'blue', ticket: 'B-1', level: 'notice-breach', audience: 'customer', at: T0 + 3 * MIN }),
    ],
    T0 + 3 * MIN,
  );
  t.clock.now = T0 + 10 * MIN;
  return { t, warn: warn!, breach: breach!, notice: notice!, blueNotice: blueNotice! };
}

const ids = (body: { items: Array<{ id: string }> }) => body.items.map((a) => a.id);

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`the alerts API on ${kind}`, {
    skip: kind === 'postgres' && !started.ok ? (started.ok ? false : started.reason) : false,
  }, () => {
    let store: Store;
    let close: () => Promise<void>;
    const apps: Tenant[] = [];
    before(async () => {
      if (kind === 'sqlite') {
        const ts = await openTestStore();
        store = ts.store;
        close = () => ts.close();
      } else {
        store = await openStore({ kind: 'postgres', url: harness!.url, schema: harness!.freshSchema() });
        close = () => store.close();
      }
    });
    after(async () => {
      for (const t of apps) await t.app.close();
      await close?.();
      if (kind === 'postgres') await harness?.stop();
    });
    const setup = async () => {
      const s = await seeded(store);
      apps.push(s.t);
      return s;
    };

    test('listed with filters and pages, shown with history', async () => {
      const { t, warn, breach, notice, blueNotice } = await setup();
      const all = await t.req('viewer', { method: 'GET', url: '/v1/alerts' });
      assert.equal(all.statusCode, 200, all.body);
      assert.deepEqual(ids(all.json()), [warn.id, breach.id, notice.id, blueNotice.id], 'oldest first');
      assert.deepEqual(ids((await t.req('viewer', { method: 'GET', url: '/v1/alerts?order=newest&limit=1' })).json()), [blueNotice.id]);
      const p1 = (await t.req('viewer', { method: 'GET', url: '/v1/alerts?limit=2' })).json();
      const p2 = (await t.req('viewer', { method: 'GET', url: `/v1/alerts?limit=2&after=${encodeURIComponent(p1.next)}` })).json();
      assert.deepEqual([...ids(p1), ...ids(p2)], [warn.id, breach.id, notice.id, blueNotice.id]);
      assert.deepEqual(ids((await t.req('viewer', { method: 'GET', url: '/v1/alerts?severity=critical' })).json()), [breach.id]);
      assert.deepEqual(ids((await t.req('viewer', { method: 'GET', url: '/v1/alerts?agreement=blue' })).json()), [blueNotice.id]);
      assert.deepEqual(ids((await t.req('viewer', { method: 'GET', url: '/v1/alerts?agreement=gold&ticket=T-2' })).json()), [
        breach.id,
        notice.id,
      ]);
      assert.deepEqual(ids((await t.req('viewer', { method: 'GET', url: '/v1/alerts?target=resolution' })).json()), []);
      assert.deepEqual(ids((await t.req('viewer', { method: 'GET', url: '/v1/alerts?since=2026-10-01T08:02:00Z' })).json()), [
        notice.id,
        blueNotice.id,
      ]);

      const shown = await t.req('viewer', { method: 'GET', url: `/v1/alerts/${breach.id}` });
      assert.equal(shown.statusCode, 200);
      const a = shown.json().alert;
      assert.deepEqual(
        [a.state, a.kind, a.severity, a.agreement, a.target, a.subject, a.level, a.firedAt, a.summary],
        [
          'firing',
          'breach',
          'critical',
          'gold',
          'response',
          { source: 'desk', ticket: 'T-2', cycle: 1 },
          'breach',
          '2026-10-01T08:01:00.000Z',
          breach.summary,
        ],
      );
      assert.deepEqual(a.facts, breach.details);
      assert.equal(a.routing.recipients[0].who, 'Shift lead');
      assert.deepEqual(shown.json().history, [
        { seq: shown.json().history[0].seq, at: '2026-10-01T08:01:00.000Z', state: 'firing', by: 'pledge' },
      ]);
    });

    test('acknowledged once (those told hear who took it), resolved with a reason; both audited, both in the history', async () => {
      const { t, warn } = await setup();
      const ack = await t.req('agent', { method: 'POST', url: `/v1/alerts/${warn.id}/acknowledge`, ...json({ comment: 'on it' }) });
      assert.equal(ack.statusCode, 200, ack.body);
      assert.deepEqual(
        [ack.json().result, ack.json().alert.state, ack.json().alert.acknowledgedBy, ack.json().notified],
        ['acknowledged', 'acknowledged', 'agent-user', 1],
      );
      const notes = (await store.listNotifications(t.tenant, { alertId: warn.id })).items;
      assert.equal(notes.length, 1, 'one notice to the shift lead, who was told it fired');
      assert.deepEqual(
        [notes[0]!.channelId, (notes[0]!.payload as { intent: { transition: string } }).intent.transition],
        ['ops-mail', 'acknowledged'],
      );

      const again = await t.req('manager', { method: 'POST', url: `/v1/alerts/${warn.id}/acknowledge` });
      assert.deepEqual([again.statusCode, again.json().result, again.json().alert.acknowledgedBy], [200, 'unchanged', 'agent-user']);

      t.clock.now += MIN;
      const res = await t.req('manager', {
        method: 'POST',
        url: `/v1/alerts/${warn.id}/resolve`,
        ...json({ reason: 'customer called back' }),
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(
        [res.json().result, res.json().alert.state, res.json().alert.resolvedBy, res.json().alert.resolvedReason, res.json().notified],
        ['resolved', 'resolved', 'manager-user', 'customer called back', 1],
      );
      const twice = await t.req('manager', { method: 'POST', url: `/v1/alerts/${warn.id}/resolve`, ...json({ reason: 'again' }) });
      assert.deepEqual([twice.statusCode, twice.json().result], [200, 'unchanged']);
      const late = await t.req('agent', { method: 'POST', url: `/v1/alerts/${warn.id}/acknowledge` });
      assert.equal(late.statusCode, 409);
      assert.equal(late.json().code, 'conflict');

      const history = (await t.req('viewer', { method: 'GET', url: `/v1/alerts/${warn.id}` })).json().history;
      assert.deepEqual(
        history.map((h: { state: string; by: string; reason?: string }) => [h.state, h.by, h.reason]),
        [
          ['firing', 'pledge', undefined],
          ['acknowledged', 'agent-user', undefined],
          ['resolved', 'manager-user', 'customer called back'],
        ],
      );
      const audit = (await store.listAudit(t.tenant, { subject: `alert:${warn.id}` })).items;
      assert.deepEqual(
        audit.map((e) => [e.action, e.actor]),
        [
          ['alert.acknowledge', 'agent-user'],
          ['alert.resolve', 'manager-user'],
        ],
      );
      assert.equal((await store.listNotifications(t.tenant, { alertId: warn.id })).items.length, 2);
    });

    test('/v1/metrics counts the alerts firing by severity and the acknowledged ones', async () => {
      const { t, warn } = await setup();
      await t.req('agent', { method: 'POST', url: `/v1/alerts/${warn.id}/acknowledge` });
      const text = (await t.req('viewer', { method: 'GET', url: '/v1/metrics' })).body;
      for (const line of [
        'pledge_alerts_firing{severity="critical"} 1',
        'pledge_alerts_firing{severity="warning"} 2',
        'pledge_alerts_firing{severity="info"} 0',
        'pledge_alerts_acknowledged 1',
      ])
        assert.ok(text.split('\n').includes(line), `${line} in\n${text}`);
      assert.equal(text.match(/# TYPE pledge_alerts_firing gauge/g)?.length, 1, 'one TYPE line for the labelled gauge');
    });

    test('an alert never announced is acknowledged and resolved silently', async () => {
      const { t } = await setup();
      const [quiet] = await openAlerts(store, t.tenant, [coreAlert({ agreement: 'gold', ticket: 'Q-1', at: T0, notified: false })], T0);
      const ack = await t.req('admin', { method: 'POST', url: `/v1/alerts/${quiet!.id}/acknowledge` });
      assert.deepEqual([ack.statusCode, ack.json().notified], [200, 0]);
      assert.equal((await store.listNotifications(t.tenant, { alertId: quiet!.id })).items.length, 0);
    });

    test('bad input is refused naming the field, and changes nothing', async () => {
      const { t, warn } = await setup();
      const cases: Array<[string, Parameters<Tenant['req']>[1], number, RegExp]> = [
        ['state', { method: 'GET', url: '/v1/alerts?state=burning' }, 400, /state/],
        ['since', { method: 'GET', url: '/v1/alerts?since=yesterday' }, 400, /since/],
        ['limit', { method: 'GET', url: '/v1/alerts?limit=0' }, 400, /limit/],
        ['unknown query', { method: 'GET', url: '/v1/alerts?colour=red' }, 400, /colour/],
        ['no reason', { method: 'POST', url: `/v1/alerts/${warn.id}/resolve`, ...json({}) }, 422, /reason/],
        ['blank reason', { method: 'POST', url: `/v1/alerts/${warn.id}/resolve`, ...json({ reason: '   ' }) }, 422, /reason/],
        [
          'not JSON',
          { method: 'POST', url: `/v1/alerts/${warn.id}/resolve`, headers: { 'content-type': 'application/json' }, payload: '{' },
          400,
          /JSON/,
        ],
        ['extra field', { method: 'POST', url: `/v1/alerts/${warn.id}/acknowledge`, ...json({ who: 'me' }) }, 422, /who/],
        ['unknown alert', { method: 'POST', url: '/v1/alerts/al_nope/acknowledge' }, 404, /al_nope/],
        ['silence without matchers', { method: 'POST', url: '/v1/silences', ...json({ matchers: [], duration: '1h' }) }, 422, /matchers/],
        [
          'silence unknown field',
          {
            method: 'POST',
            url: '/v1/silences',
            ...json({ matchers: [{ field: 'agrement', op: '=', values: ['gold'] }], duration: '1h' }),
          },
          422,
          /matchers\[0\]\.field.*agreement/,
        ],
        [
          'silence without end',
          { method: 'POST', url: '/v1/silences', ...json({ matchers: [{ field: 'agreement', op: '=', values: ['gold'] }] }) },
          422,
          /endsAt/,
        ],
        [
          'silence too long',
          {
            method: 'POST',
            url: '/v1/silences',
            ...json({ matchers: [{ field: 'agreement', op: '=', values: ['gold'] }], duration: '400d' }),
          },
          422,
          /year/,
        ],
        [
          'silence end before start',
          {
            method: 'POST',
            url: '/v1/silences',
            ...json({
              matchers: [{ field: 'agreement', op: '=', values: ['gold'] }],
              startsAt: '2026-10-02T00:00:00Z',
              endsAt: '2026-10-01T00:00:00Z',
            }),
          },
          422,
          /endsAt/,
        ],
      ];
      for (const [what, o, status, re] of cases) {
        const r = await t.req('admin', o);
        assert.equal(r.statusCode, status, `${what}: ${r.body}`);
        assert.ok(isErrorBody(r.json()), what);
        assert.match(JSON.stringify(r.json()), re, what);
      }
      assert.equal((await store.getAlert(t.tenant, warn.id))!.state, 'firing');
      assert.equal((await store.listSilences(t.tenant)).items.length, 0);
    });

    test('silences: created with a duration, listed (active now or all), expired early and kept', async () => {
      const { t } = await setup();
      const made = await t.req('manager', {
        method: 'POST',
        url: '/v1/silences',
        ...json({ matchers: [{ field: 'agreement', op: '=', values: 'gold' }], duration: '2h', comment: 'maintenance' }),
      });
      assert.equal(made.statusCode, 201, made.body);
      const s = made.json().silence;
      assert.deepEqual(
        [s.startsAt, s.endsAt, s.active, s.createdBy, s.matchers],
        ['2026-10-01T08:10:00.000Z', '2026-10-01T10:10:00.000Z', true, 'manager-user', [{ field: 'agreement', op: '=', values: ['gold'] }]],
      );
      const same = await t.req('manager', {
        method: 'POST',
        url: '/v1/silences',
        ...json({ id: s.id, matchers: [{ field: 'level', op: '=', values: ['x'] }], duration: '1h' }),
      });
      assert.deepEqual([same.statusCode, same.json().result, same.json().silence.matchers[0].field], [200, 'exists', 'agreement']);
      await t.req('manager', {
        method: 'POST',
        url: '/v1/silences',
        ...json({
          id: 'later',
          matchers: [{ field: 'severity', op: '!=', values: ['critical'] }],
          startsAt: '2026-10-05T00:00:00Z',
          endsAt: '2026-10-06T00:00:00Z',
        }),
      });
      assert.deepEqual(ids((await t.req('viewer', { method: 'GET', url: '/v1/silences' })).json()).sort(), [s.id, 'later'].sort());
      assert.deepEqual(ids((await t.req('viewer', { method: 'GET', url: '/v1/silences?active=true' })).json()), [s.id]);
      assert.equal((await t.req('viewer', { method: 'GET', url: `/v1/silences/${s.id}` })).json().comment, 'maintenance');
      t.clock.now += MIN;
      const ended = await t.req('agent', { method: 'POST', url: `/v1/silences/${s.id}/expire` });
      assert.deepEqual(
        [ended.statusCode, ended.json().result, ended.json().silence.active, ended.json().silence.expiredBy],
        [200, 'expired', false, 'agent-user'],
      );
      assert.equal((await t.req('agent', { method: 'POST', url: `/v1/silences/${s.id}/expire` })).json().result, 'ended');
      assert.equal((await t.req('agent', { method: 'POST', url: '/v1/silences/nope/expire' })).statusCode, 404);
      assert.deepEqual(
        (await store.listAudit(t.tenant)).items.filter((e) => e.subject.startsWith('silence:')).map((e) => e.action),
        ['silence.create', 'silence.create', 'silence.expire'],
      );
    });

    test('who may do what: every role, a customer sees only its own notices, another tenant sees nothing', async () => {
      const { t, warn, breach, notice, blueNotice } = await setup();
      const writers: Role[] = ['admin', 'manager', 'agent'];
      for (const role of ROLES) {
        const list = await t.req(role, { method: 'GET', url: '/v1/alerts' });
        assert.equal(list.statusCode, 200, role);
        if (role === 'customer') assert.deepEqual(ids(list.json()), [notice.id], 'acme sees its own notice only');
        else assert.equal(list.json().items.length, 4, role);
        const ack = await t.req(role, { method: 'POST', url: `/v1/alerts/${breach.id}/acknowledge` });
        if (!writers.includes(role)) {
          assert.equal(ack.statusCode, 403, `${role} may not acknowledge: ${ack.body}`);
          assert.equal(
            (await t.req(role, { method: 'POST', url: `/v1/alerts/${breach.id}/resolve`, ...json({ reason: 'x' }) })).statusCode,
            403,
          );
          assert.equal(
            (
              await t.req(role, {
                method: 'POST',
                url: '/v1/silences',
                ...json({ matchers: [{ field: 'agreement', op: '=', values: ['gold'] }], duration: '1h' }),
              })
            ).statusCode,
            403,
          );
        } else assert.equal(ack.statusCode, 200, role);
      }
      assert.equal((await store.getAlert(t.tenant, breach.id))!.acknowledgedBy, 'admin-user', 'the first writer acknowledged it');

      // The customer: internal alerts and another customer's notices do not exist for it.
      for (const id of [warn.id, breach.id, blueNotice.id]) {
        const r = await t.req('customer', { method: 'GET', url: `/v1/alerts/${id}` });
        assert.equal(r.statusCode, 404, id);
      }
      const own = (await t.req('customer', { method: 'GET', url: `/v1/alerts/${notice.id}` })).json().alert;
      assert.equal(own.routing, undefined, 'no routing for customers');
      assert.equal(own.dedupeKey, undefined);
      assert.deepEqual(ids((await t.req('customer', { method: 'GET', url: '/v1/alerts?agreement=blue' })).json()), []);
      assert.equal((await t.req('customer', { method: 'GET', url: '/v1/silences' })).statusCode, 403);
      const globex = await t.token('customer', { customer: 'globex', user: 'globex-user' });
      assert.deepEqual(ids((await t.req({ secret: globex }, { method: 'GET', url: '/v1/alerts' })).json()), [blueNotice.id]);
      assert.equal((await t.req({ secret: globex }, { method: 'GET', url: `/v1/alerts/${notice.id}` })).statusCode, 404);

      // Another tenant: nothing of this one's alerts or silences.
      const other = await newTenant(store);
      apps.push(other);
      assert.deepEqual((await other.req('admin', { method: 'GET', url: '/v1/alerts' })).json().items, []);
      for (const o of [
        { method: 'GET' as const, url: `/v1/alerts/${warn.id}` },
        { method: 'POST' as const, url: `/v1/alerts/${warn.id}/acknowledge` },
        { method: 'POST' as const, url: `/v1/alerts/${warn.id}/resolve`, ...json({ reason: 'x' }) },
      ])
        assert.equal((await other.req('admin', o)).statusCode, 404, o.url);
      assert.equal((await store.getAlert(t.tenant, warn.id))!.state, 'firing');
      for (const url of ['/v1/alerts', '/v1/silences', `/v1/alerts/${warn.id}`])
        assert.equal((await t.req(null, { method: 'GET', url })).statusCode, 401, url);
    });
  });
}
