import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  addVersion,
  changeKind,
  checkVersions,
  getVersion,
  resolveEffective,
  versionInForce,
  versionsOverlapping,
  type Version,
} from './versions.ts';
import { unwrap } from '../../validation/issues.ts';

const iso = (s: string) => Date.parse(s);

const v1doc = { id: 'acme-pbx', targets: [{ id: 'uptime', metric: 'availability', value: 99.9 }] };
const v2doc = { id: 'acme-pbx', targets: [{ id: 'uptime', metric: 'availability', value: 99.95 }] };
const v3doc = { id: 'acme-pbx', targets: [{ id: 'uptime', metric: 'availability', value: 99.99 }] };

/** v1 from 2026-01-01 (Berlin), amended from 2026-07-01 (Berlin) and again from 2027-01-01. */
function sample(): Version<typeof v1doc>[] {
  let vs = unwrap(
    addVersion([], {
      effective: { date: '2026-01-01', zone: 'Europe/Berlin' },
      document: v1doc,
      createdAt: iso('2025-12-15T10:00:00Z'),
      createdBy: 'ada',
      note: 'signed',
    }),
  );
  vs = unwrap(
    addVersion(vs, {
      effective: { date: '2026-07-01', zone: 'Europe/Berlin' },
      document: v2doc,
      createdAt: iso('2026-06-01T10:00:00Z'),
      createdBy: 'ada',
      note: 'uptime raised',
    }),
  );
  vs = unwrap(
    addVersion(vs, { effective: '2027-01-01T00:00:00+01:00', document: v3doc, createdAt: iso('2026-11-20T10:00:00Z'), createdBy: 'carl' }),
  );
  return vs;
}

test('effective dates: a civil date is local midnight in its zone; an instant is taken as is', () => {
  const rows: Array<[unknown, number]> = [
    [{ date: '2026-07-01', zone: 'Europe/Berlin' }, iso('2026-06-30T22:00:00Z')],
    [{ date: '2026-01-01', zone: 'Europe/Berlin' }, iso('2025-12-31T23:00:00Z')],
    [{ date: '2026-03-08', zone: 'America/New_York' }, iso('2026-03-08T05:00:00Z')],
    // Leap day exists in 2028.
    [{ date: '2028-02-29', zone: 'UTC' }, iso('2028-02-29T00:00:00Z')],
    // Midnight skipped by a DST change (Santiago, 2026-09-06 00:00 -> 01:00): the day starts at 01:00.
    [{ date: '2026-09-06', zone: 'America/Santiago' }, iso('2026-09-06T04:00:00Z')],
    ['2026-07-01T00:00:00+02:00', iso('2026-06-30T22:00:00Z')],
    [iso('2026-07-01T12:00:00Z'), iso('2026-07-01T12:00:00Z')],
  ];
  for (const [input, want] of rows) assert.equal(unwrap(resolveEffective(input)).effective, want, JSON.stringify(input));
  const bad: Array<[unknown, string, RegExp]> = [
    ['2026-07-01', 'effective', /a date alone does not name an instant/],
    [{ date: '2027-02-29', zone: 'UTC' }, 'effective.date', /impossible date/],
    [{ date: '2026-07-01', zone: 'Mars/Olympus' }, 'effective.zone', /unknown time zone/],
    [{ date: '2026-07-01' }, 'effective.zone', /required/],
    [Number.NaN, 'effective', /expected an instant/],
    [null, 'effective', /expected an effective date/],
  ];
  for (const [input, path, message] of bad) {
    const r = resolveEffective(input);
    assert.ok(!r.ok, JSON.stringify(input));
    assert.equal(r.issues[0]!.path, path);
    assert.match(r.issues[0]!.message, message);
  }
});

test('adding versions: numbered in order, a new list each time, older versions kept', () => {
  const vs = sample();
  assert.deepEqual(
    vs.map((v) => v.version),
    [1, 2, 3],
  );
  assert.deepEqual(vs[0]!.effectiveDate, { date: '2026-01-01', zone: 'Europe/Berlin' });
  assert.equal(vs[2]!.effective, iso('2026-12-31T23:00:00Z'));
  const before = structuredClone(vs);
  const more = unwrap(
    addVersion(vs, { effective: iso('2027-06-01T00:00:00Z'), document: v1doc, createdAt: iso('2027-05-01T00:00:00Z'), createdBy: 'ada' }),
  );
  assert.equal(more.length, 4);
  assert.deepEqual(vs, before, 'the given list is untouched');
  assert.deepEqual(unwrap(getVersion(more, 2)).document, v2doc);
  assert.ok(checkVersions(more).ok);
});

test('an amendment takes effect no earlier than the latest version, and never in the past', () => {
  const vs = sample();
  const rows: Array<{ effective: unknown; createdAt: number; path: string; message: RegExp }> = [
    {
      effective: iso('2026-12-01T00:00:00Z'),
      createdAt: iso('2026-11-25T00:00:00Z'),
      path: 'effective',
      message: /cannot take effect before version 3 does \(2026-12-31T23:00:00Z\)/,
    },
    {
      effective: iso('2027-02-01T00:00:00Z'),
      createdAt: iso('2027-03-01T00:00:00Z'),
      path: 'effective',
      message: /cannot take effect in the past \(it is created at 2027-03-01T00:00:00Z\)/,
    },
    {
      effective: iso('2027-02-01T00:00:00Z'),
      createdAt: iso('2026-11-01T00:00:00Z'),
      path: 'createdAt',
      message: /created before version 3/,
    },
  ];
  for (const row of rows) {
    const r = addVersion(vs, { effective: row.effective as number, document: v1doc, createdAt: row.createdAt, createdBy: 'ada' });
    assert.ok(!r.ok);
    assert.equal(r.issues[0]!.path, row.path);
    assert.match(r.issues[0]!.message, row.message);
  }
  // Bad fields are named; nothing throws.
  const bad = addVersion(vs, { effective: 'soon', document: undefined, createdAt: Number.NaN, createdBy: '' } as never);
  assert.ok(!bad.ok);
  assert.deepEqual(bad.issues.map((i) => i.path).sort(), ['createdAt', 'createdBy', 'document', 'effective']);
  // The first version may take effect before it is recorded (an agreement imported after its start).
  assert.ok(
    addVersion([], { effective: iso('2020-01-01T00:00:00Z'), document: {}, createdAt: iso('2026-01-01T00:00:00Z'), createdBy: 'import' })
      .ok,
  );
  // Two versions with one effective instant: allowed before it, and the later one wins there.
  const tie = unwrap(
    addVersion(vs, {
      effective: vs[2]!.effective,
      document: v1doc,
      createdAt: iso('2026-12-01T00:00:00Z'),
      createdBy: 'ada',
      note: 'correction before it applies',
    }),
  );
  assert.equal(versionInForce(tie, vs[2]!.effective)!.version, 4);
  assert.deepEqual(
    unwrap(versionsOverlapping(tie, iso('2026-12-01T00:00:00Z'), iso('2027-02-01T00:00:00Z'))).map((p) => p.version.version),
    [2, 4],
  );
});

test('checkVersions names what is wrong in a stored list', () => {
  const vs = sample();
  const rows: Array<[unknown, string]> = [
    [[{ ...vs[0]!, version: 2 }], 'versions[0].version'],
    [[vs[0], { ...vs[1]!, effective: vs[0]!.effective - 1 }], 'versions[1].effective'],
    [[vs[0], { ...vs[1]!, createdBy: '' }], 'versions[1].createdBy'],
    [[vs[0], 'v2'], 'versions[1]'],
    ['all of them', 'versions'],
  ];
  for (const [input, path] of rows) {
    const r = checkVersions(input);
    assert.ok(!r.ok, path);
    assert.equal(r.issues[0]!.path, path);
  }
  const r = addVersion('nope' as never, { effective: 0, document: {}, createdAt: 0, createdBy: 'x' });
  assert.ok(!r.ok);
});

test('versionInForce at the boundaries: the new version applies from its effective instant exactly', () => {
  const vs = sample();
  const e2 = iso('2026-06-30T22:00:00Z');
  const rows: Array<[number, number | undefined]> = [
    [iso('2025-12-31T22:59:59.999Z'), undefined],
    [iso('2025-12-31T23:00:00Z'), 1],
    [e2 - 1, 1],
    [e2, 2],
    [e2 + 1, 2],
    [iso('2026-12-31T22:59:59.999Z'), 2],
    [iso('2026-12-31T23:00:00Z'), 3],
    [iso('2040-01-01T00:00:00Z'), 3],
  ];
  for (const [t, want] of rows) assert.equal(versionInForce(vs, t)?.version, want, new Date(t).toISOString());
  assert.equal(versionInForce(vs, Number.NaN), undefined);
  assert.equal(versionInForce([], 0), undefined);
  assert.equal(versionInForce('x' as never, 0), undefined);
});

test('a period split by an amendment is evaluated piece by piece with the version in force', () => {
  const vs = sample();
  // Q3 2026 in Berlin wholly under v2; June-July 2026 split at the amendment.
  const june = iso('2026-05-31T22:00:00Z');
  const aug = iso('2026-07-31T22:00:00Z');
  const e2 = iso('2026-06-30T22:00:00Z');
  const pieces = unwrap(versionsOverlapping(vs, june, aug));
  assert.deepEqual(
    pieces.map((p) => ({ from: p.from, to: p.to, v: p.version.version })),
    [
      { from: june, to: e2, v: 1 },
      { from: e2, to: aug, v: 2 },
    ],
  );
  assert.equal(pieces[1]!.version.document.targets[0]!.value, 99.95);
  // A year spanning all three versions; and a period starting before the first version.
  assert.deepEqual(
    unwrap(versionsOverlapping(vs, iso('2025-06-01T00:00:00Z'), iso('2027-06-01T00:00:00Z'))).map((p) => [
      p.version.version,
      new Date(p.from).toISOString(),
    ]),
    [
      [1, '2025-12-31T23:00:00.000Z'],
      [2, '2026-06-30T22:00:00.000Z'],
      [3, '2026-12-31T23:00:00.000Z'],
    ],
  );
  assert.deepEqual(unwrap(versionsOverlapping(vs, iso('2025-01-01T00:00:00Z'), iso('2025-02-01T00:00:00Z'))), []);
  // A period ending exactly at an amendment is not split.
  assert.deepEqual(
    unwrap(versionsOverlapping(vs, june, e2)).map((p) => p.version.version),
    [1],
  );
  const bad = versionsOverlapping(vs, aug, june);
  assert.ok(!bad.ok);
  assert.equal(bad.issues[0]!.path, 'to');
});

test('changeKind: drafts are edited, signed agreements amended, reviews and terminated ones refused', () => {
  assert.equal(unwrap(changeKind('draft')), 'draft_edit');
  for (const s of ['approved', 'active', 'suspended', 'expired'] as const) assert.equal(unwrap(changeKind(s)), 'amendment');
  const inReview = changeKind('in_review');
  assert.ok(!inReview.ok);
  assert.match(inReview.issues[0]!.message, /request changes/);
  assert.ok(!changeKind('terminated').ok);
  assert.ok(!changeKind('bogus' as never).ok);
});

const versionsArb = fc
  .array(fc.record({ gap: fc.integer({ min: 0, max: 5 }), extra: fc.integer({ min: 0, max: 3 }) }), { minLength: 0, maxLength: 12 })
  .map((steps) => {
    let vs: Version<number>[] = [];
    let eff = 100;
    let created = 0;
    for (const [i, s] of steps.entries()) {
      eff += s.gap; // gap 0: the same effective instant as the previous version
      created = Math.min(eff, created + s.extra);
      const r = addVersion(vs, { effective: eff, document: i, createdAt: i === 0 ? 0 : created, createdBy: 'p' });
      if (r.ok) vs = r.value;
    }
    return vs;
  });

test('property: versionInForce is the latest version whose effective instant is at or before t', () => {
  fc.assert(
    fc.property(versionsArb, fc.integer({ min: 90, max: 200 }), (vs, t) => {
      const eligible = vs.filter((v) => v.effective <= t);
      const want =
        eligible.length === 0
          ? undefined
          : eligible.reduce((a, b) => (b.effective > a.effective || (b.effective === a.effective && b.version > a.version) ? b : a));
      assert.equal(versionInForce(vs, t), want);
      // With the rules kept, that is also the highest-numbered version in effect.
      assert.equal(versionInForce(vs, t)?.version, eligible.length === 0 ? undefined : Math.max(...eligible.map((v) => v.version)));
    }),
  );
});

test('property: the pieces of a period tile it from the first effective instant, each with the version in force', () => {
  fc.assert(
    fc.property(versionsArb, fc.integer({ min: 90, max: 200 }), fc.integer({ min: 1, max: 100 }), (vs, from, len) => {
      const to = from + len;
      const pieces = unwrap(versionsOverlapping(vs, from, to));
      const first = vs.length > 0 ? Math.min(...vs.map((v) => v.effective)) : Infinity;
      const start = Math.max(from, first);
      if (start >= to) return assert.deepEqual(pieces, []);
      assert.equal(pieces[0]!.from, start);
      assert.equal(pieces.at(-1)!.to, to);
      for (let i = 0; i < pieces.length; i++) {
        const p = pieces[i]!;
        assert.ok(p.from < p.to);
        if (i > 0) assert.equal(p.from, pieces[i - 1]!.to);
        for (const t of [p.from, p.to - 1]) assert.equal(versionInForce(vs, t), p.version);
      }
    }),
  );
});

test('bad input never throws: queries skip junk, updates refuse it', () => {
  const junk = fc.anything({ withNullPrototype: true, withBoxedValues: true, withSparseArray: true });
  fc.assert(
    fc.property(
      fc.array(fc.oneof(junk, fc.record({ version: junk, effective: fc.oneof(fc.integer(), junk) })), { maxLength: 5 }),
      junk,
      fc.integer(),
      (versions, input, t) => {
        const vs = versions as Version[];
        versionInForce(vs, t);
        versionsOverlapping(vs, t, t + 10);
        getVersion(vs, 1);
        checkVersions(vs);
        assert.equal(typeof addVersion(vs, input as never).ok, 'boolean');
        resolveEffective(input);
      },
    ),
    { numRuns: 300 },
  );
});
