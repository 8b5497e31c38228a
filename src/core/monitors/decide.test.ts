import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEvent } from '../events/parse.ts';
import { GAP_FLOOR_MS, gapEvent, nextCheck, step, type MonitorState } from './decide.ts';
import { parseMonitorSpec } from './spec.ts';

const spec = (retries: number) => {
  const r = parseMonitorSpec({ kind: 'tcp', service: 'shop', host: 'h', port: 1, interval: '30s', timeout: '5s', retries });
  assert.ok(r.ok);
  return r.value;
};

/** Runs outcomes (true = ok) at 0, 30 s, 60 s... and returns the events' (instant, up) and the last state. */
function run(retries: number, outcomes: boolean[]) {
  let state: MonitorState | null = null;
  const out: Array<[string, number, boolean | undefined]> = [];
  outcomes.forEach((ok, i) => {
    const r = step('m', spec(retries), state, { at: i * 30_000, ok, ...(ok ? {} : { error: 'refused' }) });
    state = r.state;
    for (const e of r.events) out.push([e.type, e.atMs, e.up]);
  });
  return { events: out, state: state! };
}

test('only changes are events; a failure run is down from its first failed check once it outlasts the retries', () => {
  const cases: Array<[number, boolean[], Array<[string, number, boolean | undefined]>]> = [
    [
      0,
      [true, true, false, false, true],
      [
        ['monitoring.started', 0, undefined],
        ['check.result', 0, true],
        ['check.result', 60_000, false],
        ['check.result', 120_000, true],
      ],
    ],
    // Two retries: three failures in a row before down, dated by the first.
    [
      2,
      [true, false, false, true, false, false, false],
      [
        ['monitoring.started', 0, undefined],
        ['check.result', 0, true],
        ['check.result', 120_000, false],
      ],
    ],
    // A first check that fails is recorded at once (nothing to confirm it against but the retries).
    [
      0,
      [false, true],
      [
        ['monitoring.started', 0, undefined],
        ['check.result', 0, false],
        ['check.result', 30_000, true],
      ],
    ],
  ];
  for (const [retries, outcomes, want] of cases) assert.deepEqual(run(retries, outcomes).events, want, `${retries} ${outcomes}`);
  const { state } = run(2, [true, false, false]);
  assert.equal(state.status, 'up');
  assert.equal(state.failures, 2);
  assert.equal(state.failingSince, 30_000);
});

test('event ids are the monitor and the instant: the same check run twice writes the same events', () => {
  const a = step('m', spec(0), null, { at: 5, ok: false, error: 'x' });
  const b = step('m', spec(0), null, { at: 5, ok: false, error: 'x' });
  assert.deepEqual(
    a.events.map((e) => e.id),
    b.events.map((e) => e.id),
  );
  assert.deepEqual(
    a.events.map((e) => e.id),
    ['monitor:m:5:started', 'monitor:m:5:down'],
  );
});

test('the next check: one interval on; past already, one interval from now, and a gap only beyond an interval and the floor', () => {
  assert.deepEqual(nextCheck(0, 100, 30_000), { at: 30_000 });
  assert.deepEqual(nextCheck(0, 3_000, 1_000), { at: 4_000 });
  assert.deepEqual(nextCheck(0, 3_600_000, 30_000), { at: 3_630_000, gap: { from: 0, to: 3_600_000 } });
  assert.deepEqual(nextCheck(0, GAP_FLOOR_MS - 1, 200), { at: GAP_FLOOR_MS + 199 });
  assert.deepEqual(nextCheck(0, GAP_FLOOR_MS + 1, 200).gap, { from: 0, to: GAP_FLOOR_MS + 1 });
});

test('a gap is a monitoring.gap event of the monitor, with both ends, its id from the monitor and both ends, and it parses as ingested', () => {
  const g = gapEvent('m', spec(0), { from: 30_000, to: 3_600_000 });
  assert.deepEqual(g, gapEvent('m', spec(0), { from: 30_000, to: 3_600_000 }));
  assert.equal(g.id, 'monitor:m:30000-3600000:gap');
  const { atMs, ...body } = g;
  const parsed = parseEvent({ ...body, at: new Date(atMs).toISOString() });
  assert.ok(parsed.ok, JSON.stringify(parsed));
  assert.deepEqual(
    parsed.ok && [
      parsed.value.type,
      parsed.value.atMs,
      'from' in parsed.value && parsed.value.from,
      'to' in parsed.value && parsed.value.to,
    ],
    ['monitoring.gap', 3_600_000, '1970-01-01T00:00:30.000Z', '1970-01-01T01:00:00.000Z'],
  );
});

test('an interval beyond 31 days, or one no instant could hold, is refused naming the field', () => {
  for (const interval of [1e308, '32d', 32 * 86_400]) {
    const r = parseMonitorSpec({ kind: 'tcp', service: 'shop', host: 'h', port: 1, interval });
    assert.equal(r.ok, false, String(interval));
    assert.ok(!r.ok && r.issues[0]!.path === 'interval' && /at most 31 days/.test(r.issues[0]!.message), JSON.stringify(r));
  }
  assert.ok(parseMonitorSpec({ kind: 'heartbeat', service: 'batch', interval: '31d' }).ok, 'a monthly heartbeat');
});
