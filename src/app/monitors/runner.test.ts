/**
 * The monitor runner end to end, in process, on a real SQLite store: a local HTTP server that
 * answers 200, then 500 and closes connections, then 200 again; a TCP listener closed and
 * reopened; a heartbeat pushed, missed, pushed again. Intervals of 200 ms (the server's floor
 * lowered by configuration). The outages are asserted where they are kept, in the stored events,
 * and the availability the engine computes from them; states are polled for, never slept on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { availability, intervalsFromEvents, monitoringCoverage, monitoringEvidence } from '../../core/availability/index.ts';
import type { Timed } from '../../core/events/schema.ts';
import { gapEvent, type MonitorState } from '../../core/monitors/decide.ts';
import { parseMonitorSpec } from '../../core/monitors/spec.ts';
import { openStore } from '../../store/index.ts';
import type { Store } from '../../store/types.ts';
import { pauseMonitor, putMonitor, recordHeartbeat, writeMonitorEvents } from './manage.ts';
import { createMonitorRunner, startMonitorRunner, type MonitorRunner } from './runner.ts';

let store: Store;
let dir: string;
let runner: MonitorRunner;
const TENANT = 'mon';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pledge-monitors-'));
  store = await openStore({ kind: 'sqlite', path: join(dir, 'pledge.db') });
  await store.createTenant({ id: TENANT, name: TENANT, createdAt: 0 });
  runner = startMonitorRunner({
    store,
    pollMs: 100,
    logger: { error: (o, m) => console.error(m, o), warn: (o, m) => console.error(m, o) },
  });
});
after(async () => {
  await runner.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const ctx = () => ({ store, tenant: TENANT, now: Date.now(), actor: 'test', minIntervalMs: 100 });

async function until(what: string, cond: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await cond()) return;
    runner.notify();
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const status = async (id: string) => (await store.getMonitor<unknown, MonitorState>(TENANT, id))?.state?.status;

async function eventsOf(check: string): Promise<Timed[]> {
  const page = await store.queryEvents(TENANT, { service: 'shop', limit: 1000 });
  return page.items
    .filter(
      (e) =>
        (e.payload as { check?: string; monitor?: string }).check === check ||
        (e.payload as { monitor?: string }).monitor === `pledge:${check}`,
    )
    .map((e) => ({ ...(e.payload as object), atMs: e.at }) as unknown as Timed);
}

test('an HTTP endpoint and a TCP listener that go down and come back: outages opened and closed in the events, measured by the engine', async () => {
  let mode: 'ok' | 'fail' | 'close' = 'ok';
  const web = http.createServer((req, res) => {
    if (mode === 'close') return req.socket.destroy();
    res.writeHead(mode === 'ok' ? 200 : 500).end(mode === 'ok' ? 'all good' : 'broken');
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  const webPort = (web.address() as net.AddressInfo).port;
  const listen = (port: number) =>
    new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer((c) => c.end());
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve(s));
    });
  let tcp = await listen(0);
  const tcpPort = (tcp.address() as net.AddressInfo).port;
  try {
    const common = { service: 'shop', interval: '200ms', timeout: '150ms' };
    const h = await putMonitor(ctx(), {
      id: 'web',
      spec: { kind: 'http', url: `http://127.0.0.1:${webPort}/health`, expectBody: 'good', ...common },
    });
    assert.ok(h.ok && h.value.status === 'created', JSON.stringify(h));
    const t = await putMonitor(ctx(), { id: 'db', spec: { kind: 'tcp', host: '127.0.0.1', port: tcpPort, ...common } });
    assert.ok(t.ok && t.value.status === 'created');
    runner.notify();
    await until('both up', async () => (await status('web')) === 'up' && (await status('db')) === 'up');

    mode = 'fail';
    await new Promise<void>((r) => tcp.close(() => r()));
    await until('both down', async () => (await status('web')) === 'down' && (await status('db')) === 'down');
    mode = 'close';
    const down = await store.getMonitor<unknown, MonitorState>(TENANT, 'web');
    await until(
      'a check of the closing server',
      async () => ((await store.getMonitor<unknown, MonitorState>(TENANT, 'web'))?.state?.lastCheckAt ?? 0) > down!.state!.lastCheckAt!,
    );
    assert.equal(await status('web'), 'down');
    assert.match((await store.getMonitor<unknown, MonitorState>(TENANT, 'web'))!.state!.lastError!, /ECONNRESET|socket hang up/);
    mode = 'ok';
    tcp = await listen(tcpPort);
    await until('both up again', async () => (await status('web')) === 'up' && (await status('db')) === 'up');
    const end = Date.now();

    for (const check of ['web', 'db']) {
      const events = await eventsOf(check);
      const results = events.filter((e) => e.type === 'check.result').sort((a, b) => a.atMs - b.atMs);
      // Only changes are written: up, down, up; monitoring began once, at the first check.
      assert.deepEqual(
        results.map((e) => (e as { up?: boolean }).up),
        [true, false, true],
        check,
      );
      const started = events.filter((e) => e.type === 'monitoring.started');
      assert.equal(started.length, 1);
      assert.equal(started[0]!.atMs, results[0]!.atMs);
      const from = results[0]!.atMs;
      const intervals = intervalsFromEvents(events, end);
      const r = availability({ samples: intervals.samples }, { from, to: end });
      // The outage is from the first failed check to the check that saw the service back.
      assert.equal(r.downtimeMs, results[2]!.atMs - results[1]!.atMs, check);
      assert.ok(r.availability !== null && r.availability > 0 && r.availability < 1);
    }
    const web_ = await store.getMonitor<unknown, MonitorState>(TENANT, 'web');
    assert.equal(web_?.state?.failures, 0);
    assert.equal(web_?.state?.gaps, 0);

    // Paused: no timer, no checks; resumed: checked again.
    const paused = await pauseMonitor(ctx(), { id: 'web', paused: true });
    assert.ok(typeof paused === 'object' && paused.paused);
    assert.equal(await store.getTimer(TENANT, 'monitor:web'), undefined);
    const resumed = await pauseMonitor(ctx(), { id: 'web', paused: false });
    assert.ok(typeof resumed === 'object' && !resumed.paused);
    assert.ok(await store.getTimer(TENANT, 'monitor:db'));
  } finally {
    await store.deleteMonitor(TENANT, 'web');
    await store.deleteMonitor(TENANT, 'db');
    await new Promise((r) => web.close(r));
    await new Promise((r) => tcp.close(r));
  }
});

test('a heartbeat: pushed is up, a missed beat is down from its deadline, the next push is up; a wrong token is refused', async () => {
  const r = await putMonitor(ctx(), { id: 'nightly', spec: { kind: 'heartbeat', service: 'shop', interval: '200ms', grace: '100ms' } });
  assert.ok(r.ok && r.value.status === 'created' && r.value.token);
  const token = r.value.token;
  assert.equal((await store.getMonitor(TENANT, 'nightly'))?.tokenHash?.length, 64);
  assert.equal((await recordHeartbeat({ store, now: Date.now(), token: `${token}x` })).status, 'unknown_token');
  const pushed = await recordHeartbeat({ store, now: Date.now(), token });
  assert.deepEqual(pushed, { status: 'recorded', monitor: 'nightly', up: true });
  const lastPush = (await store.getMonitor<unknown, MonitorState>(TENANT, 'nightly'))!.state!.lastPushAt!;
  runner.notify();
  await until('the missed beat', async () => (await status('nightly')) === 'down');
  assert.deepEqual((await recordHeartbeat({ store, now: Date.now(), token })).status, 'recorded');
  assert.equal(await status('nightly'), 'up');
  const results = (await eventsOf('nightly')).filter((e) => e.type === 'check.result').sort((a, b) => a.atMs - b.atMs);
  assert.deepEqual(
    results.map((e) => (e as { up?: boolean }).up),
    [true, false, true],
  );
  assert.equal(results[1]!.atMs, lastPush + 300, 'down from the deadline: the last push, the interval and the grace');
  // A new token replaces the old one.
  const again = await putMonitor(ctx(), {
    id: 'nightly',
    spec: { kind: 'heartbeat', service: 'shop', interval: '200ms', grace: '100ms' },
    newToken: true,
  });
  assert.ok(again.ok && again.value.status === 'updated' && again.value.token && again.value.token !== token);
  assert.equal((await recordHeartbeat({ store, now: Date.now(), token })).status, 'unknown_token');
  await store.deleteMonitor(TENANT, 'nightly');
});

test("bad specs are refused with the field by path; the interval floor is the operator's", async () => {
  const bad = await putMonitor(ctx(), { id: 'x', spec: { kind: 'http', service: 'shop', url: 'ftp://h/', interval: '1s', timeout: '2s' } });
  assert.ok(!bad.ok);
  assert.deepEqual(bad.issues.map((i) => i.path).sort(), ['timeout', 'url']);
  const floor = await putMonitor(
    { ...ctx(), minIntervalMs: 10_000 },
    { id: 'x', spec: { kind: 'tcp', service: 's', host: 'h', port: 1, interval: '5s', timeout: '1s' } },
  );
  assert.ok(!floor.ok);
  assert.equal(floor.issues[0]?.path, 'interval');
  const kind = await putMonitor(ctx(), { id: 'x', spec: { kind: 'ping', service: 's' } });
  assert.ok(!kind.ok);
  assert.equal(kind.issues[0]?.path, 'kind');
  const id = await putMonitor(ctx(), { id: '../x', spec: {} });
  assert.ok(!id.ok);
  assert.equal(id.issues[0]?.path, 'id');
});

test('Pledge itself away: a check taken up long after it was due records a gap, never downtime; a heartbeat overdue meanwhile gets a fresh chance', async () => {
  // A store of its own: the live runner of the other tests must not take these checks.
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'gaps.db') });
  await store.createTenant({ id: TENANT, name: TENANT, createdAt: 0 });
  const status = async (id: string) => (await store.getMonitor<unknown, MonitorState>(TENANT, id))?.state?.status;
  const t0 = Date.now();
  const clock = { t: t0, now: () => clock.t, setTimer: () => () => {} };
  let up = true;
  const r = createMonitorRunner({
    store,
    clock,
    worker: 'gaps',
    probe: async () => ({ at: clock.t, ok: up, ...(up ? {} : { error: 'refused' }) }),
  });
  const c = { ...ctx(), store, now: t0 };
  assert.ok(
    (await putMonitor(c, { id: 'g-tcp', spec: { kind: 'tcp', service: 'gaps', host: 'h', port: 1, interval: '1s', timeout: '500ms' } })).ok,
  );
  const hb = await putMonitor(c, { id: 'g-hb', spec: { kind: 'heartbeat', service: 'gaps', interval: '1s', grace: '1s' } });
  assert.ok(hb.ok && hb.value.status !== 'stale' && hb.value.token);
  await recordHeartbeat({ store, now: t0, token: hb.value.token });
  await r.tick();
  // Pledge is away for an hour: nothing runs. Then the checks are taken up, an hour late.
  clock.t = t0 + 3_600_000;
  const report = await r.tick();
  assert.equal(report.gaps, 2);
  for (const id of ['g-tcp', 'g-hb']) {
    const m = await store.getMonitor<unknown, MonitorState>(TENANT, id);
    assert.equal(m?.state?.status, 'up', id);
    assert.equal(m?.state?.gaps, 1, id);
    assert.ok(m?.state?.lastGap && m.state.lastGap.to === clock.t, id);
  }
  const down = (await store.queryEvents(TENANT, { service: 'gaps', limit: 100 })).items.filter(
    (e) => (e.payload as { up?: boolean }).up === false,
  );
  assert.deepEqual(down, [], 'no downtime for the hour nobody checked');
  // The next check is one interval from now (no burst of missed ones), and a real failure still counts.
  assert.equal((await store.getTimer(TENANT, 'monitor:g-tcp'))?.fireAt, clock.t + 1_000);
  up = false;
  clock.t += 1_000;
  await r.tick();
  assert.equal(await status('g-tcp'), 'down');
  // Away again for an hour while the service is down; it is still down when the check is taken up.
  const downAt = clock.t;
  clock.t += 3_600_000;
  const gapEnd = clock.t;
  assert.equal((await r.tick()).gaps, 2);
  assert.equal(await status('g-tcp'), 'down');
  const all = async () =>
    (await store.queryEvents(TENANT, { service: 'gaps', limit: 100 })).items
      .map((e) => ({ ...(e.payload as object), atMs: e.at }) as unknown as Timed)
      .filter((e) => e.type !== 'check.result' || (e as { check?: string }).check === 'g-tcp')
      .filter((e) => !('monitor' in e) || e.monitor === 'pledge:g-tcp');
  // The stored gaps: each a fact with both ends, dated by the check that found it.
  const gaps = (await all()).filter((e) => e.type === 'monitoring.gap');
  assert.deepEqual(
    gaps.map((e) => e.type === 'monitoring.gap' && { id: e.id, from: Date.parse(e.from), to: Date.parse(e.to), at: e.atMs }),
    [
      { id: `monitor:g-tcp:${t0 + 1_000}-${t0 + 3_600_000}:gap`, from: t0 + 1_000, to: t0 + 3_600_000, at: t0 + 3_600_000 },
      { id: `monitor:g-tcp:${downAt + 1_000}-${gapEnd}:gap`, from: downAt + 1_000, to: gapEnd, at: gapEnd },
    ],
  );
  // Writing the same gap again (a check run twice) stores nothing new.
  const spec = parseMonitorSpec((await store.getMonitor(TENANT, 'g-tcp'))?.spec);
  assert.ok(spec.ok);
  await writeMonitorEvents(store, TENANT, 'g-tcp', [gapEvent('g-tcp', spec.value, { from: downAt + 1_000, to: gapEnd })], gapEnd);
  assert.equal((await all()).filter((e) => e.type === 'monitoring.gap').length, 2);
  // The figure: down from downAt, and still down when the gap ended; only the time watched counts
  // (one interval before the gap, and up to the end of the window after it).
  const events = await all();
  const end = gapEnd + 10_000;
  const iv = intervalsFromEvents(events, end);
  const cov = monitoringCoverage(monitoringEvidence(events, iv), { from: t0, to: end });
  assert.deepEqual(cov.gaps, [
    { start: t0 + 1_000, end: t0 + 3_600_000 },
    { start: downAt + 1_000, end: gapEnd },
  ]);
  const fig = availability({ samples: iv.samples }, { from: cov.from!, to: end }, { unmonitored: cov.gaps });
  assert.equal(fig.unmonitoredMs, 2 * 3_600_000 - 2_000);
  assert.equal(fig.downtimeMs, 1_000 + 10_000, 'down the interval before the gap and the 10 s after it, never during it');
  assert.equal(fig.serviceMs, end - t0 - (2 * 3_600_000 - 2_000));
  await store.close();
});

test('a push and a missed beat racing never overwrite each other: whichever writes its state first, the facts end up, never down for good', async () => {
  // A store of its own, with a test clock: the live runner of the other tests must not take these checks.
  const base = await openStore({ kind: 'sqlite', path: join(dir, 'race.db') });
  await base.createTenant({ id: TENANT, name: TENANT, createdAt: 0 });
  const t0 = Date.UTC(2026, 11, 6, 9);
  const clock = { t: t0, now: () => clock.t, setTimer: () => () => {} };
  // The other writer runs right before the first state write it is armed for: the read-compute-write
  // of the one writing then is interleaved with it, as two processes would be.
  let before: { who: 'runner' | 'push'; run: () => Promise<unknown> } | undefined;
  let writer: 'runner' | 'push' = 'runner';
  const store = new Proxy(base, {
    get(target, prop, recv) {
      if (prop === 'setMonitorState')
        return async (...args: Parameters<Store['setMonitorState']>) => {
          const armed = before;
          if (armed && armed.who === writer) {
            before = undefined;
            await armed.run();
          }
          return target.setMonitorState(...args);
        };
      const v = Reflect.get(target, prop, recv) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as Store;
  const runner = createMonitorRunner({ store, clock, worker: 'race' });
  const push = async (at: number, token: string) => {
    const was = writer;
    writer = 'push';
    try {
      return await recordHeartbeat({ store, now: at, token });
    } finally {
      writer = was;
    }
  };
  const results = async (service: string) =>
    (await base.queryEvents(TENANT, { service, limit: 100 })).items
      .filter((e) => e.type === 'check.result')
      .map((e) => ({ at: e.at - t0, up: (e.payload as { up: boolean }).up }))
      .sort((a, b) => a.at - b.at || Number(a.up) - Number(b.up));
  const downtime = async (service: string, to: number) => {
    const events = (await base.queryEvents(TENANT, { service, limit: 100 })).items.map((e) => ({
      ...(e.payload as object),
      type: e.type,
      atMs: e.at,
      id: e.id,
    })) as unknown as Timed[];
    const iv = intervalsFromEvents(events, to);
    return availability(iv, { from: t0, to }, {}).downtimeMs;
  };
  try {
    const spec = (service: string) => ({ kind: 'heartbeat', service, interval: '10s', grace: '5s' });
    for (const [service, first] of [
      ['push-first', 'push'],
      ['runner-first', 'runner'],
    ] as const) {
      const made = await putMonitor({ ...ctx(), store: base, now: t0 }, { id: service, spec: spec(service) });
      assert.ok(made.ok && made.value.status === 'created' && made.value.token);
      const token = made.value.token;
      await push(t0, token); // up from t0; the next beat is due by t0 + 15 s
      // The beat comes in time (t0 + 14.9 s), but is recorded while the runner, at the deadline,
      // has already read the state without it and is deciding that it was missed.
      clock.t = t0 + 15_000;
      if (first === 'push') {
        // The push's state is written first: the runner's compare-and-set fails, and its down is answered.
        before = { who: 'runner', run: () => push(t0 + 14_900, token) };
        await runner.tick();
      } else {
        // The runner's down is written first: the push is decided again over it, up 1 ms after it.
        before = { who: 'push', run: () => runner.tick() };
        await push(t0 + 14_900, token);
      }
      assert.equal(before, undefined, `${service}: the race was run`);
      const m = await base.getMonitor<unknown, MonitorState>(TENANT, service);
      assert.equal(m?.state?.status, 'up', service);
      assert.equal(m?.state?.lastPushAt, t0 + 14_900, service);
      assert.deepEqual(
        await results(service),
        [
          { at: 0, up: true },
          { at: 15_000, up: false },
          { at: 15_001, up: true },
        ],
        service,
      );
      // One millisecond down, not down for good.
      assert.equal(await downtime(service, t0 + 3_600_000), 1, service);
      clock.t = t0;
    }
    // A push later than its deadline writes its up even when the state says up: the runner may have
    // written the deadline's down and died before recording it.
    const made = await putMonitor({ ...ctx(), store: base, now: t0 }, { id: 'late', spec: spec('late') });
    assert.ok(made.ok && made.value.status === 'created' && made.value.token);
    await push(t0, made.value.token);
    await writeMonitorEvents(
      base,
      TENANT,
      'late',
      [
        {
          id: `monitor:late:${t0 + 15_000}:down`,
          type: 'check.result',
          atMs: t0 + 15_000,
          source: 'pledge-monitor',
          service: 'late',
          check: 'late',
          up: false,
        },
      ],
      t0 + 15_000,
    );
    await push(t0 + 20_000, made.value.token);
    assert.deepEqual(await results('late'), [
      { at: 0, up: true },
      { at: 15_000, up: false },
      { at: 20_000, up: true },
    ]);
  } finally {
    await runner.stop();
    await base.close();
  }
});

test('a job pushing in a loop costs no writes: pushes within a second of the last one recorded are that one', async () => {
  const r = await putMonitor(ctx(), { id: 'loop', spec: { kind: 'heartbeat', service: 'loop', interval: '1h', grace: '1m' } });
  assert.ok(r.ok && r.value.status === 'created' && r.value.token);
  const t1 = Date.now();
  const token = r.value.token;
  try {
    assert.equal((await recordHeartbeat({ store, now: t1, token })).status, 'recorded');
    const first = await store.getMonitor<unknown, MonitorState>(TENANT, 'loop');
    const timer = await store.getTimer(TENANT, 'monitor:loop');
    for (const dt of [1, 500, 999])
      assert.deepEqual(await recordHeartbeat({ store, now: t1 + dt, token }), { status: 'recorded', monitor: 'loop', up: true });
    assert.deepEqual((await store.getMonitor(TENANT, 'loop'))?.state, first?.state, 'nothing written');
    assert.equal((await store.getTimer(TENANT, 'monitor:loop'))?.revision, timer?.revision, 'the timer not moved');
    await recordHeartbeat({ store, now: t1 + 1_000, token });
    assert.equal((await store.getMonitor<unknown, MonitorState>(TENANT, 'loop'))?.state?.lastPushAt, t1 + 1_000);
    assert.equal((await store.getTimer(TENANT, 'monitor:loop'))?.fireAt, t1 + 1_000 + 3_660_000);
  } finally {
    await store.deleteMonitor(TENANT, 'loop');
  }
});
