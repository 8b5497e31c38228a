/**
 * Scheduled report e-mails end to end, in one process on the demo data (SQLite): a schedule put
 * over HTTP, its occurrence run by the report runner on a test clock, the e-mails sent by the
 * delivery loop to a real SMTP server (smtp-server), the attachment read back (a PDF made by
 * Chromium starts with %PDF; without Chromium, HTML, and the e-mail and the log say so), the
 * deliveries listed with their status. Exactly once per (schedule, period, recipient): two runners
 * at once, a second run of the period, a run by hand. Bad input names the field; the roles that may
 * not change schedules are refused.
 * The two-process case (PostgreSQL, SIGKILL) is test/report-email-processes.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { DEFAULT_DELIVERY } from '../../src/app/config.ts';
import { createDeliveryWorker } from '../../src/app/delivery/worker.ts';
import { findChromium, PdfUnavailableError } from '../../src/app/pdf.ts';
import { createReportRunner } from '../../src/app/reports/runner.ts';
import { leaves, parseMime, type MimePart } from '../../src/delivery/testing/mime.ts';
import { closeDemo, openDemo, type DemoTenant } from './demo-tenant.ts';
import type { TestStore } from './helpers.ts';

interface Mail {
  to: string[];
  raw: string;
  mime: MimePart;
}

let d: { ts: TestStore; t: DemoTenant };
let smtp: SMTPServer;
let port = 0;
const mails: Mail[] = [];

before(async () => {
  d = await openDemo();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw, mime: parseMime(raw) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  port = ((smtp as unknown as { server: { address(): AddressInfo } }).server.address() as AddressInfo).port;
});
after(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await closeDemo(d);
});

const json = (payload: unknown, etag?: string) => ({
  headers: { 'content-type': 'application/json', ...(etag ? { 'if-match': etag } : {}) },
  payload: JSON.stringify(payload),
});
const attachmentsOf = (m: Mail) => leaves(m.mime).filter((p) => /attachment/i.test(p.header('content-disposition') ?? ''));
const textOf = (m: Mail) =>
  leaves(m.mime)
    .filter((p) => /^text\/plain/i.test(p.contentType))
    .map((p) => p.body)
    .join('\n');
const filenameOf = (p: MimePart) => /filename="?([^";]+)"?/.exec(p.header('content-disposition') ?? '')?.[1];

describe('scheduled report e-mails', () => {
  test('a schedule runs at its instant, once, and each recipient gets one e-mail with the report attached', async () => {
    const { t, ts } = d;
    const store = ts.store;
    const channel = {
      kind: 'email',
      settings: {
        from: 'Pledge <reports@provider.example>',
        to: ['ops@provider.example'],
        smtp: { host: '127.0.0.1', port, security: 'none' },
      },
    };
    assert.equal((await t.req('manager', { method: 'PUT', url: '/v1/channels/mail', ...json(channel) })).statusCode, 201);
    const hook = { kind: 'webhook', settings: { url: 'https://hooks.example/x', secrets: ['env:HOOK'] } };
    assert.equal((await t.req('manager', { method: 'PUT', url: '/v1/channels/hook', ...json(hook) })).statusCode, 201);

    const spec = {
      agreement: 'acme-checkout',
      day: 1,
      time: '09:00',
      zone: 'UTC',
      channel: 'mail',
      recipients: ['cto@acme.example', 'vendor.manager@acme.example'],
      formats: ['pdf', 'csv'],
    };
    // Bad input names the field; the wrong roles are refused.
    for (const [body, path] of [
      [{ ...spec, day: 31 }, 'day'],
      [{ ...spec, channel: 'hook' }, 'channel'],
      [{ ...spec, channel: 'nowhere' }, 'channel'],
      [{ ...spec, agreement: 'no-such' }, 'agreement'],
      [{ ...spec, recipients: ['not an address'] }, 'recipients[0]'],
      [{ ...spec, zone: 'Mars/Olympus' }, 'zone'],
    ] as const) {
      const r = await t.req('manager', { method: 'PUT', url: '/v1/report-schedules/acme-monthly', ...json(body) });
      assert.equal(r.statusCode, 422, r.body);
      assert.ok(
        (r.json().details.issues as Array<{ path: string }>).some((i) => i.path === path),
        `${path}: ${r.body}`,
      );
    }
    for (const role of ['viewer', 'agent', 'auditor', 'customer'] as const)
      assert.equal((await t.req(role, { method: 'PUT', url: '/v1/report-schedules/acme-monthly', ...json(spec) })).statusCode, 403, role);
    for (const role of ['viewer', 'agent', 'customer'] as const) {
      assert.equal((await t.req(role, { method: 'GET', url: '/v1/report-schedules' })).statusCode, 403, role);
      assert.equal((await t.req(role, { method: 'GET', url: '/v1/report-deliveries' })).statusCode, 403, role);
    }

    const ghost = await t.req('manager', { method: 'PUT', url: '/v1/report-schedules/acme-monthly', ...json(spec, '"read-elsewhere"') });
    assert.equal(ghost.statusCode, 412, 'If-Match of a schedule that does not exist: refused, not created');
    const put = await t.req('manager', { method: 'PUT', url: '/v1/report-schedules/acme-monthly', ...json(spec) });
    assert.equal(put.statusCode, 201, put.body);
    // The demo clock is 2026-10-01T08:00Z: the first occurrence is today at 09:00 and sends September.
    assert.deepEqual(put.json().schedule.next, { at: '2026-10-01T09:00:00.000Z', period: '2026-09' });
    assert.equal((await t.req('manager', { method: 'PUT', url: '/v1/report-schedules/acme-monthly', ...json(spec) })).statusCode, 428);

    // Not due yet: nothing. Then at 09:00, two runners at once: one occurrence, two deliveries.
    const clock = { now: Date.parse('2026-10-01T08:59:00Z') };
    const testClock = { now: () => clock.now, setTimer: () => () => {} };
    const warnings: string[] = [];
    const logger = { error: (_o: object, m: string) => warnings.push(m), warn: (_o: object, m: string) => warnings.push(m) };
    const chromium = findChromium() !== null;
    const runner = (name: string) => createReportRunner({ store, clock: testClock, logger, worker: name });
    assert.deepEqual(await runner('early').tick(), { ran: 0, enqueued: 0, withoutPdf: 0 });
    clock.now = Date.parse('2026-10-01T09:00:00Z');
    const [a, b] = await Promise.all([runner('a').tick(), runner('b').tick()]);
    assert.equal(a.ran + b.ran, 1);
    assert.equal(a.enqueued + b.enqueued, 2);
    assert.equal(a.withoutPdf + b.withoutPdf, chromium ? 0 : 1);
    // The timer moved to the next month; running again sends nothing.
    const view = (await t.req('auditor', { method: 'GET', url: '/v1/report-schedules/acme-monthly' })).json();
    assert.deepEqual(view.next, { at: '2026-11-01T09:00:00.000Z', period: '2026-10' });
    assert.deepEqual(await runner('c').tick(), { ran: 0, enqueued: 0, withoutPdf: 0 });

    const worker = createDeliveryWorker({
      store,
      config: DEFAULT_DELIVERY,
      env: {},
      clock: { now: () => clock.now, sleep: async () => {} },
      timeoutMs: 10_000,
    });
    await worker.drain();
    assert.deepEqual(mails.map((m) => m.to).sort(), [['cto@acme.example'], ['vendor.manager@acme.example']]);
    const revision = (await store.getServiceReport(t.tenant, { agreementId: 'acme-checkout', period: '2026-09' }))!.revision;
    for (const m of mails) {
      assert.match(m.mime.header('subject') ?? '', /^Service report 2026-09: /);
      assert.match(textOf(m), /Attached: the service report for 2026-09/);
      const files = attachmentsOf(m);
      const names = files.map(filenameOf).sort();
      if (chromium) {
        assert.deepEqual(names, [`acme-checkout-2026-09-r${revision}-en.pdf`, `acme-checkout-2026-09-r${revision}.csv`].sort());
        const pdf = files.find((f) => /pdf/.test(f.contentType))!;
        assert.ok(pdf.body.startsWith('%PDF'), pdf.body.slice(0, 20));
      } else {
        assert.deepEqual(names, [`acme-checkout-2026-09-r${revision}-en.html`, `acme-checkout-2026-09-r${revision}.csv`].sort());
        assert.match(textOf(m), /Chromium is not installed/);
      }
      const csv = files.find((f) => /csv/.test(f.contentType))!;
      assert.match(csv.body, /^agreement,period,target,/);
      assert.match(csv.body, /\nacme-checkout,2026-09,/);
    }
    // Two e-mails, two Message-IDs.
    assert.equal(new Set(mails.map((m) => m.mime.header('message-id'))).size, 2);

    const listed = (await t.req('auditor', { method: 'GET', url: '/v1/report-deliveries?schedule=acme-monthly' })).json();
    assert.deepEqual(
      listed.items.map((x: { recipient: string; status: string; period: string }) => [x.recipient, x.status, x.period]).sort(),
      [
        ['cto@acme.example', 'delivered', '2026-09'],
        ['vendor.manager@acme.example', 'delivered', '2026-09'],
      ],
    );
    const reports = (await t.req('manager', { method: 'GET', url: '/v1/agreements/acme-checkout/reports' })).json();
    assert.equal(reports.deliveries.length, 2);
    const forCustomer = (await t.req('customer', { method: 'GET', url: '/v1/agreements/acme-checkout/reports' })).json();
    assert.equal(forCustomer.deliveries, undefined, 'the recipients are not shown to the customer');

    // A recipient added, the period run by hand: only the new recipient gets it.
    const etag = (await t.req('manager', { method: 'GET', url: '/v1/report-schedules/acme-monthly' })).headers.etag as string;
    const spec2 = { ...spec, recipients: [...spec.recipients, 'cfo@acme.example'] };
    assert.equal(
      (await t.req('manager', { method: 'PUT', url: '/v1/report-schedules/acme-monthly', ...json(spec2, etag) })).statusCode,
      200,
    );
    const bad = await t.req('manager', { method: 'POST', url: '/v1/report-schedules/acme-monthly/runs', ...json({ period: '2026-Q3' }) });
    assert.equal(bad.statusCode, 422);
    assert.equal(bad.json().details.issues[0].path, 'period');
    const run = await t.req('manager', { method: 'POST', url: '/v1/report-schedules/acme-monthly/runs', ...json({ period: '2026-09' }) });
    assert.equal(run.statusCode, 202, run.body);
    assert.equal((await runner('d').tick()).enqueued, 1);
    await worker.drain();
    assert.equal(mails.length, 3);
    assert.deepEqual(mails[2]!.to, ['cfo@acme.example']);
    assert.equal(warnings.filter((w) => !/Chromium/.test(w)).length, 0, warnings.join('\n'));
  });

  test("without Chromium the report goes as HTML, in Arabic, and the e-mail and the log say so; a customer's agreements in one e-mail", async () => {
    const { t, ts } = d;
    const store = ts.store;
    const before = mails.length;
    const spec = {
      customer: 'globex',
      day: 2,
      time: '07:30',
      zone: 'Asia/Riyadh',
      channel: 'mail',
      recipients: ['hank@globex.example'],
      language: 'ar',
    };
    const put = await t.req('admin', { method: 'PUT', url: '/v1/report-schedules/globex-all', ...json(spec) });
    assert.equal(put.statusCode, 201, put.body);
    assert.deepEqual(put.json().schedule.next, { at: '2026-10-02T04:30:00.000Z', period: '2026-09' });
    const warned: Array<{ fields: object; message: string }> = [];
    const clock = { now: Date.parse('2026-10-02T04:30:00Z') };
    const runner = createReportRunner({
      store,
      clock: { now: () => clock.now, setTimer: () => () => {} },
      logger: { error: (f, m) => warned.push({ fields: f, message: m }), warn: (f, m) => warned.push({ fields: f, message: m }) },
      pdf: async () => {
        throw new PdfUnavailableError('no Chromium here');
      },
    });
    const r = await runner.tick();
    assert.deepEqual(r, { ran: 1, enqueued: 1, withoutPdf: 1 });
    assert.ok(warned.some((w) => /no Chromium, the report is sent as HTML/.test(w.message)));
    const worker = createDeliveryWorker({
      store,
      config: DEFAULT_DELIVERY,
      env: {},
      clock: { now: () => clock.now, sleep: async () => {} },
    });
    await worker.drain();
    assert.equal(mails.length, before + 1);
    const m = mails.at(-1)!;
    assert.deepEqual(m.to, ['hank@globex.example']);
    assert.match(m.mime.header('subject') ?? '', /^تقرير الخدمة 2026-09: /);
    assert.match(textOf(m), /لم يُثبَّت Chromium/);
    const files = attachmentsOf(m);
    const globex = (await store.listAgreements(t.tenant, { customer: 'globex', limit: 1000 })).items.map((a) => a.id);
    assert.ok(globex.length >= 2, 'the demo customer globex has several agreements');
    const named = files.map(filenameOf);
    for (const id of globex)
      assert.ok(
        named.some((n) => n?.startsWith(`${id}-2026-09-r`) && n.endsWith('-ar.html')),
        `${id} is attached: ${named.join(', ')}`,
      );
    for (const f of files) {
      assert.match(f.contentType, /^text\/html/);
      assert.match(f.body, /<html[^>]*dir="rtl"/);
    }
    const listed = (await t.req('manager', { method: 'GET', url: '/v1/report-deliveries?schedule=globex-all' })).json().items;
    assert.equal(listed.length, 1);
    assert.equal(listed[0].status, 'delivered');
    assert.match(listed[0].note, /Chromium/);
    // Deleted: its deliveries stay, as history.
    assert.equal((await t.req('manager', { method: 'DELETE', url: '/v1/report-schedules/globex-all' })).statusCode, 200);
    assert.equal((await t.req('manager', { method: 'GET', url: '/v1/report-deliveries?schedule=globex-all' })).json().items.length, 1);
  });
});
