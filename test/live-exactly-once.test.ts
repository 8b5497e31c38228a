/**
 * Exactly once, end to end (issue 9, §6): tickets posted through POST /v1/events to real
 * `pledge serve` processes, their levels fired by the alert scheduler at their instants, delivered
 * by the delivery loop to a receiver that verifies Standard Webhooks signatures. What must arrive,
 * what must not, and the exactly-once checks are in test/live-run.ts.
 *
 * - PostgreSQL, two servers, tickets posted to both: every expected (ticket, level, recipient)
 *   exactly once under one webhook-id, nothing else, no redelivery. Then more tickets, a delivery
 *   stalled at the receiver and the server sending it killed with SIGKILL, tickets and reactions
 *   posted to the survivor: nothing lost, the one in flight redelivered under the same webhook-id,
 *   never a second distinct id.
 * - SQLite, one server killed with SIGKILL mid-run and restarted: the same.
 *
 * Nothing is timed: the deadlines only end a run that would otherwise hang.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/index.ts';
import { skipBanner, startPostgres } from '../src/store/testing/pg-harness.ts';
import { TENANT, seedTenant, senderOf, startRun, startServer, type Server } from './live-run.ts';

/** Not a timed assertion: a deadline so that a fault fails the run instead of hanging it. */
const HANG = Number(process.env.E2E_HANG ?? 150_000);
/** The ticket target: levels 7.5 s apart (what the reactions have to come before the next one). */
const TARGET = 30_000;
/** The scheduler's lease in live-run.ts, and a margin: when a dead scheduler's claims have been taken over. */
const TAKEOVER = 5_000 + 2_000;

const servers = new Set<Server>();
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const s of servers) if (s.alive()) s.child.kill('SIGKILL');
  for (const f of cleanups.reverse()) await f();
});

const pg = await startPostgres();
if (!pg.ok) {
  if (process.env.PLEDGE_REQUIRE_POSTGRES === '1' || process.env.PLEDGE_TEST_DATABASE_URL)
    test('PostgreSQL is available for the live exactly-once test', () => assert.fail(pg.reason));
  else console.error(skipBanner(pg.reason));
}
after(async () => {
  if (pg.ok) await pg.harness.stop();
});

async function server(name: string, env: Record<string, string>, secret: string): Promise<Server> {
  const s = await startServer(name, env, secret);
  servers.add(s);
  return s;
}

describe('live loop, exactly once', { concurrency: 2 }, () => {
  test('PostgreSQL: two servers deliver every threshold exactly once; one killed mid-delivery loses nothing and adds no second id', {
    skip: pg.ok ? false : pg.reason,
    timeout: HANG * 3,
  }, async () => {
    const harness = (pg as Extract<typeof pg, { ok: true }>).harness;
    const schema = harness.freshSchema();
    const db = `${harness.url}${harness.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const store = await openStore({ kind: 'postgres', url: harness.url, schema });
    cleanups.push(() => store.close());
    const run = await startRun({ targetMs: TARGET, prefix: 'PG' });
    cleanups.push(() => run.close());
    run.setToken(await seedTenant(store, TARGET, run.receiverUrl));
    const a = await server('A', { DATABASE_URL: db }, run.secret);
    const b = await server('B', { DATABASE_URL: db }, run.secret);
    run.servers.push(a, b);

    // Phase 1: both alive.
    await run.post(100);
    await run.settle(store, HANG);
    const one = await run.check(store, { redeliveriesAllowed: false });
    assert.equal(one.redelivered, 0);
    assert.ok(one.must >= 100, `a real run: ${JSON.stringify({ ...one, lateness: one.lateness.length })}`);

    // Phase 2: the first delivery of the phase stalls; its sender is killed; the survivor goes on.
    const stalled = run.stall();
    await run.post(60);
    const id = await stalled;
    const victim = await senderOf(store, id, [a, b]);
    const survivor = victim === a ? b : a;
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    assert.equal((await victim.exited).signal, 'SIGKILL');
    run.outage(killedAt, Date.now() + TAKEOVER);
    await run.post(40);
    await run.settle(store, HANG);
    const two = await run.check(store, { redeliveriesAllowed: true });
    const attempts = (await store.listNotifications(TENANT, { limit: 1000 })).items;
    assert.ok(two.redelivered >= 1, 'the stalled notification arrived again, under its id');
    assert.ok(attempts.length === two.notifications);
    assert.equal(await stop(survivor), 0, survivor.stderr());
  });

  test('SQLite: one server killed with SIGKILL mid-run and restarted: every threshold exactly once', { timeout: HANG * 2 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pledge-live-e2e-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const run = await startRun({ targetMs: TARGET, prefix: 'SQ' });
    cleanups.push(() => run.close());
    const setup = await openStore({ kind: 'sqlite', path: join(dir, 'pledge.db') });
    run.setToken(await seedTenant(setup, TARGET, run.receiverUrl));
    await setup.close();
    const first = await server('first', { PLEDGE_DATA_DIR: dir }, run.secret);
    run.servers.push(first);
    const check = await openStore({ kind: 'sqlite', path: join(dir, 'pledge.db') });
    cleanups.push(() => check.close());

    const stalled = run.stall();
    await run.post(150);
    await stalled;
    const killedAt = Date.now();
    first.child.kill('SIGKILL');
    assert.equal((await first.exited).signal, 'SIGKILL');
    const second = await server('second', { PLEDGE_DATA_DIR: dir }, run.secret);
    run.servers.push(second);
    run.outage(killedAt, Date.now() + TAKEOVER);
    await run.post(50);
    await run.settle(check, HANG);
    const figures = await run.check(check, { redeliveriesAllowed: true });
    assert.ok(figures.redelivered >= 1, 'the stalled notification arrived again, under its id');
    assert.equal(await stop(second), 0, second.stderr());
  });
});

async function stop(s: Server): Promise<number | null> {
  s.child.kill('SIGTERM');
  return (await s.exited).code;
}
