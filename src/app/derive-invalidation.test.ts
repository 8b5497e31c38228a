/**
 * An invalidation during a recomputation always wins (issue 8, point 5), on SQLite and on
 * PostgreSQL: a calendar changed between a recomputation's reads and its write makes the write
 * refused (stale), and the reader computes again from the new calendar, instead of keeping
 * results of the old one as current. The interleaving is made exact by a store whose
 * replaceDerived first lets "another process" change the calendar (on the same database).
 *
 * The printer calendar (08:00-17:00 on working days) becomes round the clock: the printer
 * agreement's response clocks, compliance and settlements change with it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEvent } from '../core/events/parse.ts';
import type { Timed } from '../core/events/schema.ts';
import { unwrap } from '../core/validation/issues.ts';
import { demoEvents, seedDemo } from '../demo/seed.ts';
import { isStoreError } from '../store/errors.ts';
import { openStore } from '../store/index.ts';
import { skipBanner, startPostgres } from '../store/testing/pg-harness.ts';
import type { DerivedReplaced, DerivedReplacement, Store, StoreConfig, TenantId } from '../store/types.ts';
import { rebuildDerived } from './derive.ts';
import { freshResults } from './results.ts';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const CALENDAR = 'printer-workdays';
const WORKDAYS = readFileSync(fileURLToPath(new URL(`../../examples/calendars/${CALENDAR}.yaml`, import.meta.url)), 'utf8');
const ROUND_THE_CLOCK = 'name: Printer support hours\ntimezone: America/New_York\nhours: always\n';
/** The demo's printer tickets and the checkout ones: enough to measure, quick to recompute. */
const EVENTS = demoEvents(NOW)
  .filter((e) => e.customer === 'initech' || e.customer === 'acme')
  .map((e) => unwrap(parseEvent(e)) as Timed);

const putCalendar = (store: Store, tenant: TenantId, source: string) =>
  store.putCalendar(tenant, { name: CALENDAR, format: 'yaml', source, at: NOW, by: 'other process' });

/**
 * The store, but its n-th replaceDerived first runs `between(n)` on the same database (a change by
 * "another process" after the recomputation read everything), then writes; the outcomes in order.
 */
function interleaved(
  store: Store,
  between: (n: number) => Promise<unknown> | undefined,
): { store: Store; outcomes: Array<DerivedReplaced['status']> } {
  const outcomes: Array<DerivedReplaced['status']> = [];
  const replaceDerived = async (tenant: TenantId, change: DerivedReplacement) => {
    await between(outcomes.length + 1);
    const r = await store.replaceDerived(tenant, change);
    outcomes.push(r.status);
    return r;
  };
  const wrapped = new Proxy(store, {
    get(target, key) {
      if (key === 'replaceDerived') return replaceDerived;
      const v: unknown = Reflect.get(target, key, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { store: wrapped, outcomes };
}

/** Every derived row of a tenant, by key. */
async function snapshot(store: Store, tenant: TenantId): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const all = async <T>(fetch: (after?: string) => Promise<{ items: T[]; next?: string }>, key: (r: T) => string) => {
    let after: string | undefined;
    do {
      const p = await fetch(after);
      for (const r of p.items) out[key(r)] = r;
      after = p.next;
    } while (after);
  };
  await all(
    (after) => store.listClocks(tenant, { limit: 1000, ...(after ? { after } : {}) }),
    (r) => `clock ${r.agreementId} ${r.target} ${r.ticket} ${r.cycle}`,
  );
  await all(
    (after) => store.listCompliance(tenant, { limit: 1000, ...(after ? { after } : {}) }),
    (r) => `compliance ${r.agreementId} ${r.target} ${r.window}`,
  );
  await all(
    (after) => store.listSettlements(tenant, { limit: 1000, ...(after ? { after } : {}) }),
    (r) => `settlement ${r.agreementId} ${r.period}`,
  );
  return out;
}

/** A demo tenant whose results were computed with the working-day calendar, then invalidated without a change of figure. */
async function computedThenInvalidated(store: Store, tenant: TenantId): Promise<Record<string, unknown>> {
  await seedDemo(store, NOW, tenant, { events: EVENTS });
  assert.equal((await rebuildDerived({ store, tenant, now: NOW })).stale, undefined);
  const old = await snapshot(store, tenant);
  assert.ok(
    Object.keys(old).some((k) => k.startsWith(`clock initech-printers response-city`)),
    'the printer agreement is measured',
  );
  await putCalendar(store, tenant, WORKDAYS);
  assert.equal(await store.getDerivedWatermark(tenant), 0, 'invalidated, as after any change of a calendar');
  return old;
}

/** The results of the current inputs at NOW, computed afresh (the reference). */
async function reference(store: Store, tenant: TenantId): Promise<Record<string, unknown>> {
  const r = await rebuildDerived({ store, tenant, now: NOW });
  assert.equal(r.stale, undefined);
  return snapshot(store, tenant);
}

function suite(name: string, config: () => Promise<StoreConfig> | StoreConfig, skip?: string): void {
  describe(`invalidation during a recomputation: ${name}`, { skip: skip ?? false }, () => {
    let store: Store;
    let n = 0;
    const tenant = () => `inv${++n}`;
    before(async () => {
      store = await openStore(await config());
    });
    after(async () => {
      await store?.close();
    });

    test('a reader whose full recomputation is overtaken by a calendar change computes again from the new calendar', async () => {
      const t = tenant();
      const old = await computedThenInvalidated(store, t);
      // The watermark is 0 before and after the change: only the generation tells them apart.
      const hooked = interleaved(store, (k) => (k === 1 ? putCalendar(store, t, ROUND_THE_CLOCK) : undefined));
      await freshResults(hooked.store, t, NOW);
      assert.deepEqual(
        hooked.outcomes,
        ['stale', 'replaced'],
        'the write computed from the old calendar was refused, the next one written',
      );
      assert.equal(await store.getDerivedWatermark(t), await store.lastEventSeq(t));
      const got = await snapshot(store, t);
      assert.notDeepEqual(got, old, 'the new calendar changes figures');
      assert.deepEqual(got, await reference(store, t), 'the results are those of the new calendar');
    });

    test('a reader never answers with invalidated results: when every recomputation is overtaken it fails, retryable, and the results stay invalidated', async () => {
      const t = tenant();
      await computedThenInvalidated(store, t);
      const hooked = interleaved(store, (k) => putCalendar(store, t, k % 2 ? ROUND_THE_CLOCK : WORKDAYS));
      await assert.rejects(
        freshResults(hooked.store, t, NOW),
        (e: unknown) => isStoreError(e) && e.retryable && /invalidated/.test(e.message),
      );
      assert.ok(hooked.outcomes.length > 1 && hooked.outcomes.every((o) => o === 'stale'), hooked.outcomes.join());
      assert.equal(await store.getDerivedWatermark(t), 0, 'still invalidated: the next read recomputes');
      // Once the changes stop, the next read brings them up to date.
      await freshResults(store, t, NOW);
      assert.equal(await store.getDerivedWatermark(t), await store.lastEventSeq(t));
    });

    test('pledge rebuild overtaken by a calendar change computes again; when every attempt is overtaken it says so', async () => {
      const t = tenant();
      await computedThenInvalidated(store, t);
      const once = interleaved(store, (k) => (k === 1 ? putCalendar(store, t, ROUND_THE_CLOCK) : undefined));
      const r = await rebuildDerived({ store: once.store, tenant: t, now: NOW });
      assert.deepEqual(once.outcomes, ['stale', 'replaced']);
      assert.equal(r.stale, undefined);
      const got = await snapshot(store, t);
      assert.deepEqual(got, await reference(store, t));

      const always = interleaved(store, (k) => putCalendar(store, t, k % 2 ? WORKDAYS : ROUND_THE_CLOCK));
      const s = await rebuildDerived({ store: always.store, tenant: t, now: NOW });
      assert.equal(s.stale, true);
      assert.ok(always.outcomes.length > 1 && always.outcomes.every((o) => o === 'stale'), always.outcomes.join());
      assert.equal(await store.getDerivedWatermark(t), 0);
    });

    test('an incremental refresh overtaken by a calendar change is refused too, and the reader recomputes in full', async () => {
      const t = tenant();
      const held = EVENTS.slice(-50);
      await seedDemo(store, NOW, t, { events: EVENTS.slice(0, -50) });
      await freshResults(store, t, NOW);
      await store.appendEvents(t, held, { receivedAt: NOW });
      const hooked = interleaved(store, (k) => (k === 1 ? putCalendar(store, t, ROUND_THE_CLOCK) : undefined));
      await freshResults(hooked.store, t, NOW);
      assert.deepEqual(hooked.outcomes, ['stale', 'replaced']);
      assert.deepEqual(await snapshot(store, t), await reference(store, t));
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'pledge-invalidation-'));
after(() => rmSync(dir, { recursive: true, force: true }));
suite('sqlite', () => ({ kind: 'sqlite', path: join(dir, 'pledge.db') }));

const pg = await startPostgres();
if (!pg.ok) {
  if (process.env.PLEDGE_REQUIRE_POSTGRES === '1' || process.env.PLEDGE_TEST_DATABASE_URL)
    test('PostgreSQL is available for the invalidation tests', () => assert.fail(pg.reason));
  else console.error(skipBanner(pg.reason));
}
after(async () => {
  if (pg.ok) await pg.harness.stop();
});
suite(
  'postgres',
  () => (pg.ok ? { kind: 'postgres', url: pg.harness.url, schema: pg.harness.freshSchema() } : assert.fail('no PostgreSQL')),
  pg.ok ? undefined : pg.reason,
);
