/**
 * Exactly once across processes (issue 9, §6): real `pledge worker` processes on one database,
 * delivering to a real HTTP receiver that verifies every request with the maintained
 * `standardwebhooks` verifier and counts webhook-ids, as a customer's endpoint deduping on them
 * would.
 *
 * - PostgreSQL, two workers on one outbox: every notification arrives, each with its own
 *   webhook-id, exactly once.
 * - PostgreSQL, one of two workers killed with SIGKILL while a delivery of its hangs at the
 *   receiver: the other worker takes the dead one's claims over when their leases end; the
 *   notification in flight arrives again with the SAME webhook-id (at most one redelivery), none is
 *   lost, none arrives under a second id, and each is completed exactly once.
 * - SQLite, one worker killed the same way and restarted: the same.
 *
 * Which process sent a hanging request is read from the store (the row's lease names its worker),
 * so the kill lands on the right process whatever the scheduling. No timing is asserted: the waits
 * only end a run that would otherwise hang.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { root } from './helpers.ts';
import { startServe } from './serve-process.ts';
import { sampleIntent } from '../src/core/delivery/testing/intents.ts';
import { outboxRowOf } from '../src/core/delivery/outbox.ts';
import { generateWebhookSecret } from '../src/delivery/secrets.ts';
import { startReceiver, type Received } from '../src/delivery/testing/receiver.ts';
import { openStore } from '../src/store/index.ts';
import { skipBanner, startPostgres } from '../src/store/testing/pg-harness.ts';
import type { Store } from '../src/store/types.ts';

const TENANT = 'deliveries';
const SECRET = generateWebhookSecret();
/** Not a timed assertion: a deadline so that a fault fails the run instead of hanging it. */
const HANG = 180_000;
const LEASE = '3s';

const children = new Set<ChildProcess>();
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const f of cleanups.reverse()) await f();
});

const pg = await startPostgres();
if (!pg.ok) {
  if (process.env.PLEDGE_REQUIRE_POSTGRES === '1' || process.env.PLEDGE_TEST_DATABASE_URL)
    test('PostgreSQL is available for the worker process tests', () => assert.fail(pg.reason));
  else console.error(skipBanner(pg.reason));
}
after(async () => {
  if (pg.ok) await pg.harness.stop();
});

interface Worker {
  name: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

function startWorker(db: string, name: string): Worker {
  const child = spawn(process.execPath, ['bin/pledge.js', 'worker', '--db', db, '--name', name, '--json'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: '',
      PLEDGE_DATA_DIR: '',
      HOOK_SECRET: SECRET,
      PLEDGE_DELIVERY_BATCH: '5',
      PLEDGE_DELIVERY_LEASE: LEASE,
      PLEDGE_DELIVERY_POLL: '50ms',
      // One message per notification: this test counts notifications, grouping has its own.
      PLEDGE_DELIVERY_GROUP_BURST: '1000000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { name, child, exited, stderr: () => err };
}

/** The receiver: verifies, counts webhook-ids, and hangs the requests `hang` picks (a stalled network). */
async function receiver(hang: (req: Received, verifiedIndex: number) => boolean) {
  const ids: string[] = [];
  const hung: string[] = [];
  const r = await startReceiver((req) => {
    try {
      new Webhook(SECRET).verify(req.body, req.headers as Record<string, string>);
    } catch (e) {
      return { status: 401, body: (e as Error).message };
    }
    const id = String(req.headers['webhook-id']);
    ids.push(id);
    if (hang(req, ids.length - 1)) {
      hung.push(id);
      return 'hang';
    }
    return { status: 204 };
  });
  cleanups.push(() => r.close());
  return { url: r.url, ids, hung };
}

async function seed(store: Store, url: string, keys: string[]): Promise<void> {
  if (!(await store.getTenant(TENANT))) await store.createTenant({ id: TENANT, name: TENANT, createdAt: 0 });
  await store.putChannel(TENANT, {
    id: 'default',
    kind: 'webhook',
    config: { settings: { url, secrets: ['env:HOOK_SECRET'] } },
    at: 0,
    by: 'test',
  });
  const now = Date.now();
  await store.applyAlertChanges(TENANT, {
    at: now,
    by: 'pledge',
    notifications: keys.map((k) => outboxRowOf(sampleIntent(k, { createdAt: now }))),
  });
}

async function waitFor(what: string, ok: () => Promise<boolean> | boolean, workers: Worker[] = []): Promise<void> {
  const deadline = Date.now() + HANG;
  while (!(await ok())) {
    assert.ok(Date.now() < deadline, `${what}: ${workers.map((w) => `${w.name}: ${w.stderr()}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function allDone(store: Store): Promise<boolean> {
  return (await store.listNotifications(TENANT, { state: ['pending', 'claimed'], limit: 1 })).items.length === 0;
}

/**
 * What the receiver and the delivery log must show: every notification delivered and completed
 * exactly once; at the receiver, its key and no other, at most once more per abandoned attempt.
 */
async function checkExactlyOnce(store: Store, ids: string[]): Promise<{ redelivered: string[] }> {
  const rows = (await store.listNotifications(TENANT, { limit: 1000 })).items;
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  assert.deepEqual(new Set(counts.keys()), new Set(rows.map((r) => r.idempotencyKey)), 'the receiver saw exactly the stored keys');
  const redelivered: string[] = [];
  for (const n of rows) {
    assert.equal(n.state, 'delivered', `${n.idempotencyKey} delivered`);
    const attempts = await store.listNotificationAttempts(TENANT, n.id);
    assert.equal(attempts.filter((a) => a.outcome === 'delivered').length, 1, `${n.idempotencyKey} completed exactly once`);
    const abandoned = attempts.filter((a) => a.outcome === 'abandoned').length;
    const seen = counts.get(n.idempotencyKey)!;
    assert.ok(seen <= 1 + abandoned, `${n.idempotencyKey} arrived ${seen} times with ${abandoned} abandoned attempts`);
    if (seen > 1) redelivered.push(n.idempotencyKey);
  }
  return { redelivered };
}

test('PostgreSQL: two worker processes deliver every notification exactly once; one killed mid-delivery costs at most a redelivery with the same webhook-id', {
  skip: pg.ok ? false : pg.reason,
  timeout: HANG * 2,
}, async () => {
  const harness = (pg as Extract<typeof pg, { ok: true }>).harness;
  const schema = harness.freshSchema();
  const db = `${harness.url}${harness.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const store = await openStore({ kind: 'postgres', url: harness.url, schema });
  cleanups.push(() => store.close());

  // Phase 1: two workers, 100 notifications, a receiver that answers at once.
  let phase2 = false;
  const r = await receiver(() => phase2 && r.hung.length === 0);
  const first = Array.from({ length: 100 }, (_, i) => `P-${i}`);
  await seed(store, r.url, first);
  const a = startWorker(db, 'A');
  const b = startWorker(db, 'B');
  await waitFor('phase 1 delivered', () => allDone(store), [a, b]);
  const one = await checkExactlyOnce(store, r.ids);
  assert.deepEqual(one.redelivered, [], 'no worker died: nothing arrived twice');
  assert.equal(new Set(r.ids).size, 100);

  // Phase 2: 40 more; the first request of the phase hangs at the receiver; its sender is killed.
  phase2 = true;
  await seed(
    store,
    r.url,
    Array.from({ length: 40 }, (_, i) => `Q-${i}`),
  );
  await waitFor('a delivery hangs', () => r.hung.length === 1, [a, b]);
  const hungRow = (await store.listNotifications(TENANT, { state: 'claimed', limit: 1000 })).items.find(
    (n) => n.idempotencyKey === r.hung[0] || `msg_${n.idempotencyKey}` === r.hung[0],
  );
  assert.ok(hungRow?.lease, 'the hanging notification is claimed');
  const victim = hungRow.lease.worker === 'A' ? a : b;
  const survivor = victim === a ? b : a;
  victim.child.kill('SIGKILL');
  assert.equal((await victim.exited).signal, 'SIGKILL');
  await waitFor('phase 2 delivered by the survivor', () => allDone(store), [survivor]);
  const two = await checkExactlyOnce(store, r.ids);
  assert.ok(two.redelivered.includes(hungRow.idempotencyKey), 'the notification in flight was delivered again, with the same webhook-id');
  assert.equal(new Set(r.ids).size, 140, 'never a second distinct id');
  const attempts = await store.listNotificationAttempts(TENANT, hungRow.id);
  assert.deepEqual(
    attempts.map((x) => [x.worker, x.outcome]),
    [
      [victim.name, 'abandoned'],
      [survivor.name, 'delivered'],
    ],
  );

  // Graceful stop: SIGTERM ends the survivor with 0.
  survivor.child.kill('SIGTERM');
  assert.equal((await survivor.exited).code, 0, survivor.stderr());
});

test('SQLite: one worker killed mid-delivery and restarted: nothing lost, the one in flight redelivered with the same webhook-id', {
  timeout: HANG * 2,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-workers-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'pledge.db');
  const store = await openStore({ kind: 'sqlite', path: db });
  const r = await receiver((_req, i) => i === 9);
  await seed(
    store,
    r.url,
    Array.from({ length: 30 }, (_, i) => `S-${i}`),
  );
  await store.close();
  const w1 = startWorker(db, 'first');
  await waitFor('a delivery hangs', () => r.hung.length === 1, [w1]);
  w1.child.kill('SIGKILL');
  assert.equal((await w1.exited).signal, 'SIGKILL');
  const w2 = startWorker(db, 'second');
  const check = await openStore({ kind: 'sqlite', path: db });
  cleanups.push(() => check.close());
  await waitFor('everything delivered after the restart', () => allDone(check), [w2]);
  const { redelivered } = await checkExactlyOnce(check, r.ids);
  assert.equal(new Set(r.ids).size, 30, 'never a second distinct id');
  const hungKey = (await check.listNotifications(TENANT, { limit: 1000 })).items.find(
    (n) => r.hung[0] === n.idempotencyKey,
  )?.idempotencyKey;
  assert.ok(hungKey && redelivered.includes(hungKey), 'the notification in flight arrived again with its id');
  w2.child.kill('SIGTERM');
  assert.equal((await w2.exited).code, 0, w2.stderr());
});

test('pledge serve runs the delivery loop (counted in /metrics), and not with PLEDGE_WORKERS=off', { timeout: HANG }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-serve-workers-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const r = await receiver(() => false);
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'pledge.db') });
  await seed(store, r.url, ['V-1']);
  await store.close();
  const env = { PLEDGE_DATA_DIR: dir, HOOK_SECRET: SECRET, PLEDGE_DELIVERY_POLL: '50ms' };

  const off = await startServe({ env: { ...env, PLEDGE_WORKERS: 'off' } });
  children.add(off.child);
  // Readiness answered, so a loop would have claimed at once; the metric shows it did not run.
  const idle = await (await fetch(`${off.url}/metrics`)).text();
  assert.match(idle, /pledge_deliveries_total\{outcome="delivered"\} 0/);
  assert.equal(await off.stop(), 0);
  assert.deepEqual(r.ids, []);

  const on = await startServe({ env });
  children.add(on.child);
  await waitFor('delivered by the server', () => r.ids.length === 1);
  await waitFor('counted', async () =>
    /pledge_deliveries_total\{outcome="delivered"\} 1/.test(await (await fetch(`${on.url}/metrics`)).text()),
  );
  assert.equal(await on.stop(), 0, on.stderr());
  const check = await openStore({ kind: 'sqlite', path: join(dir, 'pledge.db') });
  cleanups.push(() => check.close());
  assert.equal((await check.listNotifications(TENANT)).items[0]!.state, 'delivered');
});
