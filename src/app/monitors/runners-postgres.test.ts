/**
 * Each check once per interval, however many instances: two monitor runners on one PostgreSQL
 * database through two stores (two pools), ticking at once on one test clock, with a probe that
 * answers at once. Every (monitor, scheduled instant) is checked by exactly one of them, none is
 * skipped, and both take part. (The claims' SQL is the store contract's; this is the runner on it.)
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { openStore } from '../../store/index.ts';
import { skipBanner, startPostgres } from '../../store/testing/pg-harness.ts';
import { putMonitor } from './manage.ts';
import { createMonitorRunner } from './runner.ts';

const pg = await startPostgres();
if (!pg.ok) {
  if (process.env.PLEDGE_REQUIRE_POSTGRES === '1' || process.env.PLEDGE_TEST_DATABASE_URL)
    test('PostgreSQL is available for the monitor runners', () => assert.fail(pg.reason));
  else console.error(skipBanner(pg.reason));
}
after(async () => {
  if (pg.ok) await pg.harness.stop();
});

describe('two monitor runners on one PostgreSQL', { skip: pg.ok ? false : 'no PostgreSQL' }, () => {
  test('every check of every monitor runs once, by one of them; none is skipped', async () => {
    if (!pg.ok) return;
    const schema = pg.harness.freshSchema();
    const a = await openStore({ kind: 'postgres', url: pg.harness.url, schema });
    const b = await openStore({ kind: 'postgres', url: pg.harness.url, schema });
    try {
      const t0 = Date.UTC(2026, 11, 8, 9);
      const clock = { t: t0, now: () => clock.t, setTimer: () => () => {} };
      await a.createTenant({ id: 'pair', name: 'pair', createdAt: t0 });
      const MONITORS = 12;
      const INTERVAL = 1_000;
      for (let i = 0; i < MONITORS; i++) {
        const r = await putMonitor(
          { store: a, tenant: 'pair', now: t0, actor: 'test', minIntervalMs: 100 },
          { id: `m${i}`, spec: { kind: 'tcp', service: 'shop', host: '127.0.0.1', port: 1, interval: '1s', timeout: '100ms' } },
        );
        assert.ok(r.ok);
      }
      const seen = new Map<string, string>();
      const runner = (store: typeof a, name: string) =>
        createMonitorRunner({
          store,
          clock,
          worker: name,
          batch: 5,
          probe: async () => ({ at: clock.t, ok: true, latencyMs: 1 }),
          onCheck: (c) => {
            const key = `${c.monitor}@${c.scheduled}`;
            assert.equal(seen.get(key), undefined, `${key} checked twice`);
            seen.set(key, name);
          },
        });
      const [ra, rb] = [runner(a, 'a'), runner(b, 'b')];
      const STEPS = 5;
      for (let step = 0; step < STEPS; step++) {
        await Promise.all([ra.tick(), rb.tick(), ra.tick()]);
        clock.t += INTERVAL;
      }
      // Checked at t0, t0 + 1 s, ... each exactly once.
      for (let i = 0; i < MONITORS; i++)
        for (let k = 0; k < STEPS; k++) assert.ok(seen.has(`m${i}@${t0 + k * INTERVAL}`), `m${i} at +${k} s was not checked`);
      assert.equal(seen.size, MONITORS * STEPS);
      assert.deepEqual(new Set(seen.values()), new Set(['a', 'b']), 'both runners took part');
      // One state change (up) per monitor and one monitoring.started: the repeats wrote nothing.
      assert.equal(await a.countEvents('pair', { service: 'shop' }), MONITORS * 2);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
