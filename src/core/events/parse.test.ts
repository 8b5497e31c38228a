import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEventTime, MAX_ATTRIBUTE_DEPTH, parseEvent, parseNdjson, readEventJson } from './parse.ts';

const check = (extra: Record<string, unknown> = {}) => ({ id: 'c1', type: 'check.result', at: '2026-10-01T10:00:00Z', up: true, ...extra });
const deepText = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

test('the rules beyond the schema hold for values too: attributes depth, text, satisfaction on its scale', () => {
  assert.ok(parseEvent(check({ attributes: JSON.parse(deepText(MAX_ATTRIBUTE_DEPTH - 1)) })).ok);
  const deep = parseEvent(check({ attributes: JSON.parse(deepText(2_300)) }), '[4]');
  assert.equal(deep.ok, false);
  if (!deep.ok) assert.equal(deep.issues[0]!.path, `[4].attributes${'.a'.repeat(MAX_ATTRIBUTE_DEPTH)}`);
  const text = parseEvent(check({ service: 'a\u0000', attributes: { '\ud800': 1 } }));
  assert.equal(text.ok, false);
  if (!text.ok) assert.deepEqual(text.issues.map((i) => i.path).sort(), ['attributes.\ud800', 'service']);
  const sat = (score: number, scale?: number) =>
    parseEvent({ id: 's', type: 'ticket.satisfaction', ticket: 'T', at: '2026-10-01T10:00:00Z', score, ...(scale ? { scale } : {}) });
  assert.ok(sat(0).ok && sat(5).ok && sat(10, 10).ok && sat(0.5, 1).ok);
  for (const r of [sat(5.5), sat(-1), sat(11, 10)]) {
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.issues[0]!.path, 'score');
  }
});

test("files read for settle and backtest keep past and future events; the time window is ingestion's (checkEventTime)", () => {
  const text = [
    JSON.stringify(check({ id: 'old', at: '1998-03-01T00:00:00Z' })),
    JSON.stringify(check({ id: 'ahead', at: '2031-01-01T00:00:00Z' })),
    JSON.stringify(check({ id: 'deep', attributes: JSON.parse(deepText(40)) })),
  ].join('\n');
  const { events, issues } = parseNdjson(text, 'f.ndjson');
  assert.deepEqual(
    events.map((e) => e.id),
    ['old', 'ahead'],
  );
  assert.deepEqual(
    issues.map((i) => [i.line, i.path]),
    [[3, `attributes${'.a'.repeat(MAX_ATTRIBUTE_DEPTH)}`]],
  );
  const now = Date.UTC(2026, 9, 1);
  const [old, ahead] = events;
  assert.match(checkEventTime(old!, now, 86_400_000, '[0]')!.message, /before 2000-01-01/);
  assert.equal(checkEventTime(old!, now, 86_400_000, '[0]')!.path, '[0].at');
  assert.match(checkEventTime(ahead!, now, 86_400_000)!.message, /more than 1 day after the receiving clock \(2026-10-01T00:00:00Z\)/);
  assert.equal(checkEventTime(ahead!, Date.UTC(2030, 11, 31, 1), 86_400_000), undefined);
});

test('one event as text: measured before parsing; too deep and not an object is not an event at all', () => {
  const r = readEventJson(`{"attributes":${deepText(5_000_000 / 5)}}`, '[0]');
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.notAnEvent, false);
  const a = readEventJson('['.repeat(1_000_000));
  assert.ok(!a.ok && a.notAnEvent);
  const bad = readEventJson('{"id":', '[2]');
  assert.ok(!bad.ok && !bad.notAnEvent && /not valid JSON/.test(bad.issues[0]!.message) && bad.issues[0]!.path === '[2]');
});
