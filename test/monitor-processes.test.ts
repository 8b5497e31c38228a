/**
 * Built-in monitors across real processes (issue 11: "each check runs once per interval however many
 * instances run"): two `pledge serve` processes on one PostgreSQL database run the HTTP checks of
 * four monitors (1 s interval) against a local HTTP server that counts the requests per monitor.
 *
 * - Both alive: no monitor is ever requested twice at once (each answer takes 200 ms, so a check
 *   run by both instances for one instant would overlap), no more requests than one per interval
 *   over the span (a second runner would double them), and both instances take part (the claim on
 *   each monitor's timer names the process holding it while its request is at the server).
 * - One instance killed with SIGKILL while its check of a monitor hangs at the server: its claim
 *   runs out (PLEDGE_MONITOR_LEASE, 2 s here) and the survivor runs that check, then every check
 *   of every monitor, alone; still never two requests for one monitor at once.
 * - The service was up throughout: each monitor wrote one `monitoring.started` and one up result,
 *   no down result (the killed instance is not the service's downtime).
 *
 * Nothing is timed: the deadlines only end a run that would otherwise hang; the one-per-interval
 * bound is on counts over the span the requests themselves cover.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { putMonitor } from '../src/app/monitors/manage.ts';
import { openStore } from '../src/store/index.ts';
import { skipBanner, startPostgres } from '../src/store/testing/pg-harness.ts';
import type { Store } from '../src/store/types.ts';
import { startServe, type ServeProcess } from './serve-process.ts';

/** Not a timed assertion: a deadline so that a fault fails the run instead of hanging it. */
const HANG = 120_000;
const TENANT = 'watch';
const MONITORS = ['m0', 'm1', 'm2', 'm3'];
const INTERVAL = 1_000;
/** How long the local server takes to answer a check. */
const ANSWER_MS = 200;

const cleanups: Array<() => Promise<unknown> | unknown> = [];
after(async () => {
  for (const f of cleanups.reverse()) await f();
});

const pg = await startPostgres();
if (!pg.ok) {
  if (process.env.PLEDGE_REQUIRE_POSTGRES === '1' || process.env.PLEDGE_TEST_DATABASE_URL)
    test('PostgreSQL is available for the monitor process test', () => assert.fail(pg.reason));
  else console.error(skipBanner(pg.reason));
}
after(async () => {
  if (pg.ok) await pg.harness.stop();
});

interface Hit {
  monitor: string;
  at: number;
  /** The pid in the claim of the monitor's timer while the request was at the server. */
  pid: number | undefined;
}

/** The checked endpoint: counts requests per monitor, the most in flight at once, who sent each. */
function target(store: Store) {
  const hits: Hit[] = [];
  const inflight = new Map<string, number>();
  const maxInflight = new Map<string, number>();
  let stall: { monitor: string; seen: (h: Hit) => void } | undefined;
  const held: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const monitor = (req.url ?? '/').slice(1);
    const at = Date.now();
    const n = (inflight.get(monitor) ?? 0) + 1;
    inflight.set(monitor, n);
    maxInflight.set(monitor, Math.max(maxInflight.get(monitor) ?? 0, n));
    let closed = false;
    res.once('close', () => {
      closed = true;
      inflight.set(monitor, (inflight.get(monitor) ?? 1) - 1);
    });
    void (async () => {
      const timer = await store.getTimer(TENANT, `monitor:${monitor}`);
      const pid = /^monitors-(\d+)-/.exec(timer?.lease?.worker ?? '')?.[1];
      const hit: Hit = { monitor, at, pid: pid === undefined ? undefined : Number(pid) };
      hits.push(hit);
      if (stall?.monitor === monitor) {
        const s = stall;
        stall = undefined;
        held.push(res);
        s.seen(hit);
        return; // never answered: its sender is killed meanwhile
      }
      setTimeout(() => {
        if (!closed) res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      }, ANSWER_MS);
    })();
  });
  return {
    hits,
    maxInflight,
    server,
    /** Resolves with the next request for `monitor`, which is held unanswered. */
    stallNext: (monitor: string) => new Promise<Hit>((seen) => (stall = { monitor, seen })),
    release: () => {
      for (const r of held.splice(0)) r.destroy();
    },
  };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, deadline = Date.now() + HANG): Promise<void> {
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** At most one request per interval over the span they cover (+2: the first one's lateness, and rounding). */
function assertOnePerInterval(hits: Hit[], label: string): void {
  for (const m of MONITORS) {
    const own = hits.filter((h) => h.monitor === m);
    const span = own[own.length - 1]!.at - own[0]!.at;
    assert.ok(
      own.length <= span / INTERVAL + 2,
      `${label}: ${m} was requested ${own.length} times in ${span} ms (interval ${INTERVAL} ms)`,
    );
  }
}

test('two pledge serve processes on one PostgreSQL run each check once; one killed mid-check, the other takes its checks over', {
  skip: pg.ok ? false : 'no PostgreSQL',
  timeout: HANG * 2,
}, async () => {
  if (!pg.ok) return;
  const schema = pg.harness.freshSchema();
  const db = `${pg.harness.url}${pg.harness.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const store = await openStore({ kind: 'postgres', url: pg.harness.url, schema });
  cleanups.push(() => store.close());
  const t = target(store);
  await new Promise<void>((r) => t.server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => t.server.close(r)));
  cleanups.push(() => t.server.closeAllConnections());
  const base = `http://127.0.0.1:${(t.server.address() as AddressInfo).port}`;

  const now = Date.now();
  await store.createTenant({ id: TENANT, name: TENANT, createdAt: now });
  for (const id of MONITORS) {
    const r = await putMonitor(
      { store, tenant: TENANT, now, actor: 'test', minIntervalMs: INTERVAL },
      { id, spec: { kind: 'http', service: 'shop', url: `${base}/${id}`, interval: '1s', timeout: '800ms' } },
    );
    assert.ok(r.ok, JSON.stringify(r));
  }

  const env = { DATABASE_URL: db, PLEDGE_SCHEDULER_POLL: '100ms', PLEDGE_MONITOR_LEASE: '2s' };
  const servers: ServeProcess[] = [];
  cleanups.push(() => Promise.all(servers.map((s) => s.stop())));
  servers.push(await startServe({ env }), await startServe({ env }));
  const pids = servers.map((s) => s.child.pid!);

  // Both alive: every monitor checked a few times, by both instances between them.
  const count = (m: string, from = 0) => t.hits.filter((h) => h.monitor === m && h.at >= from).length;
  await until('eight checks of every monitor', () => MONITORS.every((m) => count(m) >= 8));
  const before = t.hits.slice();
  assertOnePerInterval(before, 'both alive');
  assert.deepEqual(new Set(before.map((h) => h.pid).filter((p) => p !== undefined)), new Set(pids), 'both instances ran checks');

  // Kill the instance whose check of m0 hangs at the server.
  const hung = await t.stallNext('m0');
  const victim = servers.find((s) => s.child.pid === hung.pid);
  assert.ok(victim, `the hanging check's claim names one of the servers (${hung.pid}; ${pids.join(', ')})`);
  const survivor = servers.find((s) => s !== victim)!;
  victim.child.kill('SIGKILL');
  assert.equal((await victim.exited).signal, 'SIGKILL');
  t.release();
  const killed = Date.now();

  // The survivor runs m0 again once the dead claim runs out, and every check from then on.
  await until('six checks of every monitor after the kill', () => MONITORS.every((m) => count(m, killed) >= 6));
  const afterKill = t.hits.filter((h) => h.at >= killed);
  assert.deepEqual(
    new Set(afterKill.map((h) => h.pid).filter((p) => p !== undefined)),
    new Set([survivor.child.pid]),
    'only the survivor checks',
  );
  assertOnePerInterval(afterKill, 'after the kill');
  for (const m of MONITORS) assert.equal(t.maxInflight.get(m), 1, `${m} was never requested twice at once`);

  // Up throughout: one start and one up result per monitor; the kill is nobody's downtime.
  for (const m of MONITORS) {
    const events = (await store.queryEvents(TENANT, { service: 'shop', limit: 1000 })).items.filter((e) =>
      e.id.startsWith(`monitor:${m}:`),
    );
    assert.deepEqual(events.map((e) => e.type).sort(), ['check.result', 'monitoring.started'], `${m}: ${JSON.stringify(events)}`);
    assert.ok(events.every((e) => e.type !== 'check.result' || e.id.endsWith(':up')));
  }
  assert.equal(await survivor.stop(), 0, survivor.stderr());
});
