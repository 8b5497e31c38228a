import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judged, month, settle } from '../penalties/testkit.ts';
import { CODES, type Kind, LANGS, sayClauses, sayWhy, type Why } from './settlement.ts';
import { sample } from './testkit.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
const ARABIC = /[\u0600-\u06FF]/;

test('every code has an English and an Arabic message, each using every param and no other', () => {
  for (const [code, entry] of Object.entries(CODES)) {
    const names = Object.keys(entry.params).sort();
    for (const lang of LANGS) {
      const message: string = entry[lang];
      assert.ok(message.trim().length > 0, `${code} (${lang}) is empty`);
      assert.deepEqual([...new Set(placeholders(message))], names, `${code} (${lang}) uses exactly its params`);
    }
    // Arabic is Arabic, unless the message is only figures and signs (e.g. "{tickets} ({ids}) × {each} = {amount}").
    const words = entry.ar.replace(/\{\w+\}/g, '');
    assert.ok(ARABIC.test(words) || !/\p{L}/u.test(words), `${code}: the Arabic message has Latin words`);
  }
});

test('every code is said in both languages from its params, figures formatted and nothing left unfilled', () => {
  for (const [code, entry] of Object.entries(CODES)) {
    const params = Object.fromEntries(Object.entries(entry.params).map(([k, kind]) => [k, sample(kind as Kind)]));
    for (const lang of LANGS) {
      const said = sayWhy({ code, params }, lang);
      assert.ok(said !== null, `${code} (${lang})`);
      assert.doesNotMatch(said, /\{\w+\}|undefined|NaN|\[object/, `${code} (${lang}): ${said}`);
      if (lang === 'ar') assert.ok(ARABIC.test(said), `${code}: ${said}`);
    }
  }
});

test('an unknown code or params of the wrong shape are not guessed at: null, so the English sentence is shown', () => {
  assert.equal(sayWhy({ code: 'owe.from_the_future', params: {} }, 'ar'), null);
  assert.equal(sayWhy({ code: 'owe.fine', params: { amount: '$500' } }, 'ar'), null);
  assert.equal(sayWhy({ code: 'owe.fine', params: {} }, 'en'), null);
  assert.equal(sayWhy({ code: 'due.after_period', params: { date: '31/10/2026', days: 15, periodLastDay: '2026-10-31' } }, 'en'), null);
  assert.equal(sayWhy({ code: 'toString', params: {} }, 'en'), null);
  const fine: Why = { code: 'owe.fine', params: { amount: { minor: 50_000, currency: 'USD' } } };
  assert.equal(sayClauses([fine, { code: 'owe.from_the_future', params: {} }], 'ar'), null);
  assert.equal(sayClauses([], 'ar'), null);
  assert.equal(sayClauses(undefined, 'ar'), null);
});

test('a settlement in Arabic: the same facts as the English sentence, figures through Intl, clauses joined by the Arabic semicolon', () => {
  const s = settle({
    pricing: { currency: 'USD', fee: { amount: '1000', per: 'month' } },
    term: { start: '2025-01-01' },
    period: month(2026, 10),
    zone: 'UTC',
    penalties: {
      rules: [
        {
          type: 'credit_tiers',
          target: 'uptime',
          tiers: [
            { below: 99.99, credit: '10%' },
            { below: 99, credit: '30%' },
          ],
        },
        { type: 'fine', target: 'uptime', amount: '500', currency: 'USD', due: { days: 15, after: 'period_end' } },
      ],
    },
    targets: [judged('uptime', 98.5)],
  });
  const [credit, fine] = s.lines.map((l) => sayClauses(l.reasonWhy, 'ar', { locale: 'ar' })!);
  const n = (x: number, o?: Intl.NumberFormatOptions) => new Intl.NumberFormat('ar', o).format(x);
  const usd = (x: number) => new Intl.NumberFormat('ar', { style: 'currency', currency: 'USD' }).format(x);
  assert.ok(credit!.includes(`تنطبق الشريحة ${n(2)}`), credit);
  assert.ok(credit!.includes(`${usd(1000)} = ${usd(300)}`), credit);
  assert.ok(credit!.includes('(مُخالَف)؛ '), credit);
  assert.ok(credit!.includes('يُطبَّق خصمًا على الفاتورة التالية'), credit);
  const day = new Intl.DateTimeFormat('ar', { dateStyle: 'medium', timeZone: 'UTC' }).format(Date.UTC(2026, 10, 15, 12));
  assert.ok(fine!.includes(`غرامة قدرها ${usd(500)}`), fine);
  assert.ok(fine!.includes(`يُستحق في ${day}`), fine);
  assert.ok(fine!.includes(`${n(15)} يومًا`), fine); // Arabic's plural for 11 to 99
  const summary = sayClauses(s.summaryWhy, 'ar', { sentence: true })!;
  assert.ok(summary.includes(`مستحق ${usd(800)}`), summary);
  assert.ok(summary.includes('بندين') && summary.includes('قاعدتين'), summary); // the dual
  assert.equal(sayClauses(s.summaryWhy, 'en', { locale: 'en-US', sentence: true }), '2026-10: $800.00 owed on 2 of 2 lines (2 rules).');
});
