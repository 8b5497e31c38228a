import assert from 'node:assert/strict';
import { test } from 'node:test';
import { monitoringCoverage, monitoringEvidence } from '../availability/monitoring.ts';
import { evaluateTarget, type TargetSpec } from '../metrics/compliance.ts';
import { COMPLIANCE_CODES } from './compliance.ts';
import { INSTANT, type Kind, LANGS, sayClauses, sayWhy } from './settlement.ts';
import { judged, month, settle } from '../penalties/testkit.ts';
import { sample } from './testkit.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
const ARABIC = /[\u0600-\u06FF]/;

test('every compliance code has an English and an Arabic message, each using every param and no other', () => {
  for (const [code, entry] of Object.entries(COMPLIANCE_CODES)) {
    const names = Object.keys(entry.params).sort();
    for (const lang of LANGS) {
      const message: string = entry[lang];
      assert.ok(message.trim().length > 0, `${code} (${lang}) is empty`);
      assert.deepEqual([...new Set(placeholders(message))], names, `${code} (${lang}) uses exactly its params`);
    }
    assert.ok(ARABIC.test(entry.ar), `${code}: the Arabic message is not Arabic`);
  }
});

test('every compliance code is said in both languages from its params, figures formatted and nothing left unfilled', () => {
  for (const [code, entry] of Object.entries(COMPLIANCE_CODES)) {
    const params = Object.fromEntries(Object.entries(entry.params).map(([k, kind]) => [k, sample(kind as Kind)]));
    for (const lang of LANGS) {
      const said = sayWhy({ code, params }, lang);
      assert.ok(said !== null, `${code} (${lang})`);
      assert.doesNotMatch(said, /\{\w+\}|undefined|NaN|\[object/, `${code} (${lang}): ${said}`);
      if (lang === 'ar') assert.ok(ARABIC.test(said), `${code}: ${said}`);
    }
  }
});

test('an instant is said in its zone; a zone Intl does not know, or a text that is not an instant, is not guessed at', () => {
  const at = { at: '2026-10-05T07:30:00Z', zone: 'Asia/Dubai' };
  const en = sayWhy({ code: 'monitoring.declared_after', params: { declared: at } }, 'en', 'en-GB')!;
  const expected = new Intl.DateTimeFormat('en-GB', { ...INSTANT, timeZone: 'Asia/Dubai' }).format(Date.parse(at.at));
  assert.equal(en, `not monitored: monitoring is declared to start ${expected}, after this window`);
  assert.ok(expected.includes('11:30'), expected); // 07:30 UTC is 11:30 in Dubai
  for (const declared of [{ ...at, zone: 'Mars/Olympus' }, { ...at, at: '5 October' }, '2026-10-05T07:30:00Z'])
    assert.equal(sayWhy({ code: 'monitoring.declared_after', params: { declared } }, 'ar'), null);
});

test('a breach of a fixed allowance in Arabic: the durations through Intl, the English reason kept beside it', () => {
  const r = evaluateTarget({
    metric: 'availability',
    comparator: '>=',
    target: 99.9,
    allowanceMs: 3_156_000,
    window: { kind: 'month', year: 2026, index: 10 },
    zone: 'UTC',
    now: Date.parse('2026-11-02T00:00:00Z'),
    inputs: {
      availability: { availability: 0.99, downtimeMs: 4_000_000, eligibleMs: 745 * 3_600_000, excludedMs: 0, outages: ['O1'] },
    },
  } as TargetSpec);
  assert.ok(r.ok);
  assert.equal(r.value.state, 'breached');
  assert.match(r.value.reason, /^the window is closed and the downtime 1h 6m 40s against an allowance of 52m 36s exceeds it$/);
  const unit = (n: number, u: string) => new Intl.NumberFormat('ar', { style: 'unit', unit: u, unitDisplay: 'narrow' }).format(n);
  const ar = sayClauses(r.value.reasonWhy, 'ar', { locale: 'ar' })!;
  assert.ok(ar.startsWith('النافذة مغلقة والتوقف'), ar);
  for (const part of [unit(1, 'hour'), unit(6, 'minute'), unit(40, 'second'), unit(52, 'minute'), unit(36, 'second')])
    assert.ok(ar.includes(part), `${ar} lacks ${part}`);
});

test('a window nobody monitored: its reason in Arabic names the missing evidence', () => {
  const oct = { from: Date.parse('2026-10-01T00:00:00Z'), to: Date.parse('2026-11-01T00:00:00Z') };
  const c = monitoringCoverage(monitoringEvidence([], { outages: [], maintenance: [], samples: [] }), oct);
  const r = evaluateTarget({
    metric: 'availability',
    comparator: '>=',
    target: 99.9,
    window: { kind: 'month', year: 2026, index: 10 },
    zone: 'UTC',
    now: oct.to,
    inputs: { availability: { availability: null, downtimeMs: 0, eligibleMs: 0, excludedMs: 0, outages: [], monitoring: c } },
  } as TargetSpec);
  assert.ok(r.ok);
  assert.equal(r.value.state, 'no_data');
  assert.equal(r.value.reason, c.text);
  assert.equal(sayClauses(r.value.reasonWhy, 'en'), c.text);
  assert.match(sayClauses(r.value.reasonWhy, 'ar')!, /^غير مراقَبة: لا نتيجة فحص/);
  // A settlement echoes why there is no data, in its clauses too.
  const { value, state, comparator, target, unit, reason, reasonWhy } = r.value;
  const s = settle({
    pricing: { currency: 'USD', fee: { amount: '1000', per: 'month' } },
    period: month(2026, 10),
    zone: 'UTC',
    penalties: { rules: [{ type: 'fine', target: 'uptime', amount: '500', currency: 'USD' }] },
    targets: [judged('uptime', value, { state, comparator, target, unit, reason, reasonWhy })],
  });
  const line = sayClauses(s.lines[0]!.reasonWhy, 'ar')!;
  assert.ok(line.includes('لا شيء مستحق: لا بيانات') && line.includes('غير مراقَبة: لا نتيجة فحص'), line);
});
