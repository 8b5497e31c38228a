/**
 * Service reports over HTTP (app/service-report.ts, routes/service-reports.ts) on the demo data:
 * frozen revisions whose bytes never change, a new revision when a late event changes a figure,
 * HTML in English and Arabic, CSV, and a PDF printed by Debian's Chromium whose text is read back
 * (pdftotext). Without Chromium the PDF answers 503 naming what to install and the other forms
 * work. A customer reads its own reports only and produces none.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findChromium } from '../../src/app/pdf.ts';
import { closeDemo, openDemo, type DemoTenant } from './demo-tenant.ts';
import type { TestStore } from './helpers.ts';

let d: { ts: TestStore; t: DemoTenant };
before(async () => {
  d = await openDemo();
});
after(async () => {
  await closeDemo(d);
});

const json = { 'content-type': 'application/json' };
const URL_ = '/v1/agreements/acme-checkout/reports';
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

const chromium = findChromium();
const pdftotext = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const requirePdf = process.env.PLEDGE_REQUIRE_CHROMIUM === '1';
const pdfSkip =
  chromium && pdftotext
    ? false
    : `needs Chromium and pdftotext (poppler-utils): ${chromium ? '' : 'no Chromium '}${pdftotext ? '' : 'no pdftotext'}`;
if (pdfSkip && !requirePdf) console.error(`\n*** SKIPPING the PDF report test: ${pdfSkip}. .ci/run installs both. ***\n`);

function pdfText(bytes: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-pdftext-'));
  try {
    writeFileSync(join(dir, 'r.pdf'), bytes);
    return execFileSync('pdftotext', ['-enc', 'UTF-8', join(dir, 'r.pdf'), '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('service reports', () => {
  test('a report is frozen: produced again it is the same revision, and its JSON is the same bytes every time', async () => {
    const { t } = d;
    const made = await t.req('manager', { method: 'POST', url: URL_, headers: json, payload: JSON.stringify({ period: '2026-09' }) });
    assert.equal(made.statusCode, 201, made.body);
    const rev = made.json().revision;
    assert.equal(rev.revision, 1);
    assert.match(rev.sha256, /^[0-9a-f]{64}$/);
    const again = await t.req('manager', { method: 'POST', url: URL_, headers: json, payload: JSON.stringify({ period: '2026-09' }) });
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json(), { status: 'same', revision: rev });
    const a = await t.req('viewer', { method: 'GET', url: `${URL_}/2026-09` });
    const b = await t.req('customer', { method: 'GET', url: `${URL_}/2026-09?format=json` });
    assert.equal(sha(a.rawPayload), rev.sha256);
    assert.deepEqual(a.rawPayload, b.rawPayload);
    assert.equal(a.headers['x-pledge-report-sha256'], rev.sha256);
    const report = a.json();
    assert.equal(report.kind, 'pledge.service-report');
    assert.equal(report.period.label, '2026-09');
    assert.equal(report.previousPeriod, '2026-08');
    // Each target against its promise, with the misses behind a breach and the trend.
    const uptime = report.lines.find((l: { target: string }) => l.target === 'uptime');
    assert.equal(uptime.state, 'breached');
    assert.equal(uptime.misses.kind, 'outages');
    assert.ok(uptime.misses.total >= 1);
    assert.equal(uptime.previous.window, '2026-08');
    assert.ok(['better', 'worse', 'same'].includes(uptime.trend));
    const higher = uptime.value > uptime.previous.value;
    assert.equal(uptime.trend, uptime.value === uptime.previous.value ? 'same' : higher ? 'better' : 'worse');
    const listed = await t.req('customer', { method: 'GET', url: URL_ });
    assert.deepEqual(listed.json().items, [rev]);
  });

  test('a late event that changes a figure makes a new revision; the earlier one stays exactly as it was', async () => {
    const { t } = d;
    const before = await t.req('viewer', { method: 'GET', url: `${URL_}/2026-09` });
    const first = before.json();
    const late = [
      { id: 'late-out-1', type: 'outage.started', source: 'monitor', at: '2026-09-20T10:00:00Z', service: 'checkout', outage: 'late-1' },
      { id: 'late-out-2', type: 'outage.ended', source: 'monitor', at: '2026-09-20T12:00:00Z', service: 'checkout', outage: 'late-1' },
    ];
    const posted = await t.req('agent', { method: 'POST', url: '/v1/events', headers: json, payload: JSON.stringify(late) });
    assert.ok(posted.statusCode < 300, posted.body);
    const made = await t.req('manager', { method: 'POST', url: URL_, headers: json, payload: JSON.stringify({ period: '2026-09' }) });
    assert.equal(made.statusCode, 201, made.body);
    assert.equal(made.json().revision.revision, 2);
    assert.ok(made.json().revision.eventSeq > 0);
    const latest = (await t.req('viewer', { method: 'GET', url: `${URL_}/2026-09` })).json();
    const upNow = latest.lines.find((l: { target: string }) => l.target === 'uptime');
    const upThen = first.lines.find((l: { target: string }) => l.target === 'uptime');
    assert.ok(upNow.value < upThen.value, 'two more hours down');
    assert.ok(upNow.misses.ids.includes('late-1'));
    const r1 = await t.req('viewer', { method: 'GET', url: `${URL_}/2026-09?revision=1` });
    assert.deepEqual(r1.rawPayload, before.rawPayload, 'revision 1 is unchanged');
    assert.equal((await t.req('viewer', { method: 'GET', url: `${URL_}/2026-09?revision=3` })).statusCode, 404);
  });

  test('HTML in English and Arabic (right to left), with no script and its style allowed by hash; CSV per target', async () => {
    const { t } = d;
    const en = await t.req('customer', { method: 'GET', url: `${URL_}/2026-09?format=html` });
    assert.equal(en.statusCode, 200);
    assert.match(String(en.headers['content-type']), /^text\/html/);
    assert.match(en.body, /<html lang="en" dir="ltr">/);
    assert.match(en.body, /Service review: <bdi>Acme checkout service<\/bdi>/);
    assert.doesNotMatch(en.body, /<script/i);
    assert.match(String(en.headers['content-security-policy']), /style-src 'sha256-/);
    const ar = await t.req('customer', { method: 'GET', url: `${URL_}/2026-09?format=html&lang=ar` });
    assert.match(ar.body, /<html lang="ar" dir="rtl">/);
    assert.match(ar.body, /مراجعة الخدمة/);
    // Each target's reason (and note) from the compliance engine is said in Arabic too: no English left in those rows.
    const reasons = [...ar.body.matchAll(/<tr><td colspan="9" class="meta">(.*?)<\/td><\/tr>/g)].map((m) => m[1]!);
    assert.ok(reasons.length > 0 && reasons.every((x) => !x.includes('lang="en"') && /[\u0600-\u06FF]/.test(x)), reasons.join('\n'));
    // The settlement's summary and amounts are said in Arabic, from the same catalogue as the web app's.
    const summary = /<h2>الملخص<\/h2>\n<p>(.*?)<\/p>/.exec(ar.body)?.[1] ?? '';
    assert.doesNotMatch(summary, /lang="en"/, summary);
    assert.match(summary, /^\u2068?2026-09\u2069?: مستحق .+ عن .+ من أصل .+\.$/u, summary);
    assert.match(en.body, /<h2>Summary<\/h2>\n<p>2026-09: .+ owed on \d+ of \d+ lines? \(\d+ rules?\)\.<\/p>/);
    const owedCells = [...ar.body.matchAll(/<td class="num">([^<]*(?:<span[^>]*>[^<]*<\/span>)?[^<]*)<\/td>/g)].map((m) => m[1]!);
    assert.ok(
      owedCells.every((c) => !c.includes('lang="en"')),
      'amounts owed are written by Intl for Arabic, not as the engine wrote them',
    );
    const csv = await t.req('customer', { method: 'GET', url: `${URL_}/2026-09?format=csv` });
    const rows = csv.body.trim().split('\n');
    assert.equal(rows[0], 'agreement,period,target,name,metric,window,state,value,promised,previous,trend,owed,due,misses,reason');
    assert.equal(rows.length, 1 + (await t.req('viewer', { method: 'GET', url: `${URL_}/2026-09` })).json().lines.length);
    assert.match(csv.body, /outages: .*late-1/);
    assert.equal((await t.req('viewer', { method: 'GET', url: `${URL_}/2026-09?format=docx` })).statusCode, 400);
    assert.equal((await t.req('viewer', { method: 'GET', url: `${URL_}/2026-13` })).statusCode, 400);
  });

  test('who may: a customer reads its own reports only and produces none; an unproduced period is 404 saying how to produce it', async () => {
    const { t } = d;
    assert.equal(
      (await t.req('customer', { method: 'POST', url: URL_, headers: json, payload: JSON.stringify({ period: '2026-09' }) })).statusCode,
      403,
    );
    for (const role of ['viewer', 'agent', 'auditor'] as const)
      assert.equal(
        (await t.req(role, { method: 'POST', url: URL_, headers: json, payload: JSON.stringify({ period: '2026-09' }) })).statusCode,
        403,
        role,
      );
    assert.equal(
      (await t.req('admin', { method: 'POST', url: URL_, headers: json, payload: JSON.stringify({ period: '2026-09' }) })).statusCode,
      200,
    );
    assert.equal((await t.req('customer', { method: 'GET', url: '/v1/agreements/globex-email/reports' })).statusCode, 404);
    const none = await t.req('viewer', { method: 'GET', url: `${URL_}/2026-07` });
    assert.equal(none.statusCode, 404);
    assert.match(none.json().message, /POST \/v1\/agreements\/acme-checkout\/reports/);
    const bad = await t.req('manager', { method: 'POST', url: URL_, headers: json, payload: JSON.stringify({ period: 'last month' }) });
    assert.equal(bad.statusCode, 422);
    assert.equal(bad.json().details.issues[0].path, 'period');
  });

  test('without Chromium the PDF answers 503 naming what to install, and HTML still works', async () => {
    const { t } = d;
    const saved = process.env.PLEDGE_CHROMIUM;
    process.env.PLEDGE_CHROMIUM = '/nonexistent/chromium';
    try {
      const r = await t.req('customer', { method: 'GET', url: `${URL_}/2026-09?format=pdf&lang=ar` });
      assert.equal(r.statusCode, 503);
      assert.equal(r.json().code, 'unavailable');
      assert.match(r.json().message, /apt-get install chromium/);
      assert.equal((await t.req('customer', { method: 'GET', url: `${URL_}/2026-09?format=html&lang=ar` })).statusCode, 200);
    } finally {
      if (saved === undefined) delete process.env.PLEDGE_CHROMIUM;
      else process.env.PLEDGE_CHROMIUM = saved;
    }
  });

  test("the PDF, printed by Chromium in English and Arabic, has the report's text and is the same bytes on every download", {
    skip: requirePdf ? false : pdfSkip,
  }, async () => {
    const { t } = d;
    const en = await t.req('customer', { method: 'GET', url: `${URL_}/2026-09?format=pdf` });
    assert.equal(en.statusCode, 200, en.body.slice(0, 300));
    assert.equal(en.headers['content-type'], 'application/pdf');
    assert.match(String(en.headers['content-disposition']), /acme-checkout-2026-09-r2-en\.pdf/);
    assert.equal(en.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
    const text = pdfText(en.rawPayload);
    for (const s of ['Service review', 'Acme checkout service', 'Acme Corp', 'breached', 'late-1'])
      assert.ok(text.includes(s), `${s} in the PDF`);
    const again = await t.req('customer', { method: 'GET', url: `${URL_}/2026-09?format=pdf` });
    assert.deepEqual(again.rawPayload, en.rawPayload);
    assert.equal(again.headers['x-pledge-file-sha256'], sha(en.rawPayload));
    const ar = await t.req('customer', { method: 'GET', url: `${URL_}/2026-09?format=pdf&lang=ar` });
    assert.equal(ar.statusCode, 200);
    const arText = pdfText(ar.rawPayload);
    // Shaped Arabic is extracted in logical order word by word; each word of the title is there.
    for (const w of ['مراجعة', 'الخدمة', 'الأهداف', 'مستحق']) assert.ok(arText.includes(w), `${w} in the Arabic PDF`);
  });
});
