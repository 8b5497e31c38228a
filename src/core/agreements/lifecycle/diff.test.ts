import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diffDocuments, diffVersions, renderDiff, renderValue, type Change } from './diff.ts';
import { addVersion } from './versions.ts';
import { unwrap } from '../../validation/issues.ts';

const base = {
  id: 'acme-pbx',
  name: 'Cloud PBX for ACME',
  services: ['pbx', 'conferencing'],
  targets: [
    { id: 'uptime', metric: 'availability', value: 99.9, window: 'month' },
    {
      id: 'response',
      metric: 'response_time',
      value: 3600,
      clock: { byPriority: { P1: '15m', P2: '1h' }, pauseOn: ['waiting_on_customer'] },
    },
  ],
  security: [{ id: 'iso27001', standard: 'ISO 27001', evidence: 'cert-2025.pdf', validUntil: '2026-10-31' }],
};
const clone = <T>(v: T): T => structuredClone(v);

test('reordering targets is not a change: arrays of objects with ids are matched by id', () => {
  const after = clone(base);
  after.targets.reverse();
  assert.deepEqual(diffDocuments(base, after), []);
  // Key order inside objects does not matter either.
  const reordered = { security: base.security, targets: base.targets, services: base.services, name: base.name, id: base.id };
  assert.deepEqual(diffDocuments(base, reordered), []);
});

test('nested changes, added and removed targets, by id path', () => {
  const after = clone(base) as typeof base & { targets: Array<Record<string, unknown>> };
  after.targets.reverse();
  after.targets.find((t) => t.id === 'uptime')!.value = 99.95;
  (after.targets.find((t) => t.id === 'response')!.clock as { byPriority: Record<string, string> }).byPriority.P1 = '10m';
  after.targets.push({ id: 'csat', metric: 'satisfaction', value: 4.5 });
  after.security = [];
  after.services = ['pbx', 'recording', 'conferencing'];
  const changes = diffDocuments(base, after);
  assert.deepEqual(changes, [
    { path: 'security[iso27001]', kind: 'removed', before: base.security[0] },
    { path: 'services[1]', kind: 'changed', before: 'conferencing', after: 'recording' },
    { path: 'services[2]', kind: 'added', after: 'conferencing' },
    { path: 'targets[csat]', kind: 'added', after: { id: 'csat', metric: 'satisfaction', value: 4.5 } },
    { path: 'targets[response].clock.byPriority.P1', kind: 'changed', before: '15m', after: '10m' },
    { path: 'targets[uptime].value', kind: 'changed', before: 99.9, after: 99.95 },
  ]);
  assert.equal(
    renderDiff(changes),
    [
      '- security[iso27001]: {"evidence":"cert-2025.pdf","id":"iso27001","standard":"ISO 27001","validUntil":"2026-10-31"}',
      '~ services[1]: "conferencing" -> "recording"',
      '+ services[2]: "conferencing"',
      '+ targets[csat]: {"id":"csat","metric":"satisfaction","value":4.5}',
      '~ targets[response].clock.byPriority.P1: "15m" -> "10m"',
      '~ targets[uptime].value: 99.9 -> 99.95',
    ].join('\n'),
  );
  assert.equal(renderDiff([]), 'no changes');
});

test('edge cases: type changes, absent versus undefined, awkward keys and ids, whole documents', () => {
  const rows: Array<{ a: unknown; b: unknown; want: Change[] }> = [
    { a: { x: 1 }, b: { x: 1, y: undefined }, want: [] },
    { a: { x: [1] }, b: { x: { 0: 1 } }, want: [{ path: 'x', kind: 'changed', before: [1], after: { 0: 1 } }] },
    { a: { x: 1 }, b: { x: '1' }, want: [{ path: 'x', kind: 'changed', before: 1, after: '1' }] },
    { a: { x: null }, b: { x: 0 }, want: [{ path: 'x', kind: 'changed', before: null, after: 0 }] },
    {
      a: { 'a.b': 1, 'with space': 2 },
      b: { 'a.b': 2 },
      want: [
        { path: '["a.b"]', kind: 'changed', before: 1, after: 2 },
        { path: '["with space"]', kind: 'removed', before: 2 },
      ],
    },
    {
      a: { calendars: { 'business-hours': 'a.yaml' } },
      b: { calendars: { 'business-hours': 'b.yaml' } },
      want: [{ path: 'calendars.business-hours', kind: 'changed', before: 'a.yaml', after: 'b.yaml' }],
    },
    // All-digit and odd ids are quoted, so they cannot be read as indexes.
    { a: { t: [{ id: '7', v: 1 }] }, b: { t: [{ id: '7', v: 2 }] }, want: [{ path: 't["7"].v', kind: 'changed', before: 1, after: 2 }] },
    {
      a: { t: [{ id: 'a b', v: 1 }] },
      b: { t: [{ id: 'a b', v: 2 }] },
      want: [{ path: 't["a b"].v', kind: 'changed', before: 1, after: 2 }],
    },
    // Duplicate or missing ids fall back to indexes.
    {
      a: {
        t: [
          { id: 'x', v: 1 },
          { id: 'x', v: 2 },
        ],
      },
      b: {
        t: [
          { id: 'x', v: 2 },
          { id: 'x', v: 2 },
        ],
      },
      want: [{ path: 't[0].v', kind: 'changed', before: 1, after: 2 }],
    },
    { a: { t: [{ v: 1 }] }, b: { t: [{ v: 1 }, { v: 2 }] }, want: [{ path: 't[1]', kind: 'added', after: { v: 2 } }] },
    // An empty list matches an id list: the added item is named by id.
    { a: { t: [] }, b: { t: [{ id: 'new' }] }, want: [{ path: 't[new]', kind: 'added', after: { id: 'new' } }] },
    { a: undefined, b: { id: 'x' }, want: [{ path: '', kind: 'added', after: { id: 'x' } }] },
    { a: 1, b: 2, want: [{ path: '', kind: 'changed', before: 1, after: 2 }] },
    { a: { d: new Date('2026-01-01T00:00:00Z') }, b: { d: new Date('2026-01-01T00:00:00Z') }, want: [] },
    { a: { n: 0 }, b: { n: -0 }, want: [] },
  ];
  for (const row of rows) assert.deepEqual(diffDocuments(row.a, row.b), row.want, `${JSON.stringify(row.a)} vs ${JSON.stringify(row.b)}`);
  assert.equal(renderDiff([{ path: '', kind: 'changed', before: 1, after: 2 }]), '~ (document): 1 -> 2');
  assert.equal(renderValue({ b: [1, 'x', null], a: true }), '{"a":true,"b":[1,"x",null]}');
});

test('cycles (impossible in JSON) neither loop nor throw', () => {
  const a: Record<string, unknown> = { id: 'a' };
  a.self = a;
  const b: Record<string, unknown> = { id: 'a' };
  b.self = b;
  const changes = diffDocuments(a, b);
  assert.deepEqual(
    changes.map((c) => c.path),
    ['self'],
  );
  assert.match(renderDiff(changes), /\[cycle\]/);
});

test('diffVersions compares two stored versions by number', () => {
  let vs = unwrap(addVersion([], { effective: 0, document: base, createdAt: 0, createdBy: 'ada' }));
  const amended = clone(base);
  amended.targets[0]!.value = 99.95;
  vs = unwrap(addVersion(vs, { effective: 10, document: amended, createdAt: 5, createdBy: 'ada' }));
  assert.equal(renderDiff(unwrap(diffVersions(vs, 1, 2))), '~ targets[uptime].value: 99.9 -> 99.95');
  const missing = diffVersions(vs, 1, 3);
  assert.ok(!missing.ok);
  assert.equal(missing.issues[0]!.path, 'to');
  assert.match(missing.issues[0]!.expected!, /from 1 to 2/);
});

/** JSON-like documents with id-keyed lists, to exercise both array modes. */
const docArb = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, 1, 99.9, 'a', 'b'),
    tie('object'),
    tie('list'),
    tie('idList'),
  ),
  object: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'value', 'window'), tie('value'), { maxKeys: 4 }),
  list: fc.array(tie('value'), { maxLength: 4 }),
  idList: fc.uniqueArray(fc.record({ id: fc.constantFrom('uptime', 'response', 'csat', 'p1'), v: tie('value') }), {
    maxLength: 4,
    selector: (x) => x.id,
  }),
}));

function shuffleIdLists(v: unknown, seed: number): unknown {
  if (Array.isArray(v)) {
    const items = v.map((x) => shuffleIdLists(x, seed + 1));
    const byId =
      items.length > 0 &&
      items.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x) && typeof (x as { id?: unknown }).id === 'string');
    if (byId && new Set(items.map((x) => (x as { id: string }).id)).size === items.length)
      return items
        .map((x, i) => [x, (i * 7 + seed) % 13] as const)
        .sort((p, q) => p[1] - q[1])
        .map((p) => p[0]);
    return items;
  }
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .reverse()
        .map(([k, x]) => [k, shuffleIdLists(x, seed + 1)]),
    );
  return v;
}

/** Rendered with id lists sorted by id: equal exactly when the documents mean the same. */
function canonical(v: unknown): string {
  const sortIds = (x: unknown): unknown => {
    if (Array.isArray(x)) {
      const items = x.map(sortIds);
      const ids = items.map((i) => (i !== null && typeof i === 'object' && !Array.isArray(i) ? (i as { id?: unknown }).id : undefined));
      if (ids.every((id) => typeof id === 'string' && id !== '') && new Set(ids).size === ids.length)
        return items.slice().sort((p, q) => ((p as { id: string }).id < (q as { id: string }).id ? -1 : 1));
      return items;
    }
    if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, sortIds(y)]));
    return x;
  };
  return renderValue(sortIds(v));
}

test('property: a document equals itself, even with its id lists and keys shuffled', () => {
  fc.assert(
    fc.property(docArb.value, fc.nat(100), (doc, seed) => {
      assert.deepEqual(diffDocuments(doc, structuredClone(doc)), []);
      assert.deepEqual(diffDocuments(doc, shuffleIdLists(doc, seed)), []);
    }),
  );
});

test('property: diff(b, a) mirrors diff(a, b); no change means deep equality', () => {
  const mirror = (c: Change): Change =>
    c.kind === 'added'
      ? { path: c.path, kind: 'removed', before: c.after }
      : c.kind === 'removed'
        ? { path: c.path, kind: 'added', after: c.before }
        : { path: c.path, kind: 'changed', before: c.after, after: c.before };
  fc.assert(
    fc.property(docArb.value, docArb.value, (a, b) => {
      const ab = diffDocuments(a, b);
      assert.deepEqual(diffDocuments(b, a), ab.map(mirror));
      const paths = ab.map((c) => c.path);
      assert.equal(new Set(paths).size, paths.length, 'each path once');
      if (ab.length === 0) assert.equal(canonical(a), canonical(b));
      else assert.notEqual(canonical(a), canonical(b));
    }),
  );
});

test('bad input never throws: any two values diff and render', () => {
  const any = fc.anything({
    withNullPrototype: true,
    withBoxedValues: true,
    withSparseArray: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withBigInt: true,
    withTypedArray: true,
  });
  fc.assert(
    fc.property(any, any, (a, b) => {
      assert.equal(typeof renderDiff(diffDocuments(a, b)), 'string');
      assert.deepEqual(diffDocuments(a, a), []);
    }),
    { numRuns: 300 },
  );
});

test('support channels and named items are matched by channel and name, like layering', () => {
  const a = {
    support: {
      channels: [
        { channel: 'chat', hours: '24x7' },
        { channel: 'email', hours: 'office' },
      ],
    },
  };
  const b = {
    support: {
      channels: [
        { channel: 'email', hours: '24x7' },
        { channel: 'chat', hours: '24x7' },
      ],
    },
  };
  assert.deepEqual(diffDocuments(a, b), [{ path: 'support.channels[email].hours', kind: 'changed', before: 'office', after: '24x7' }]);
});
