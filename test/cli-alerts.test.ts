/**
 * `pledge alerts`, `silences`, `channels` and `notifications` as a user runs them: the real binary
 * on a SQLite database (--db), and the same commands against a running server (--url), printing
 * the same JSON; bad input exits 2 naming the option. Each command's first use runs as a real
 * process; the others run the same build in this process (`pledgeHere`, test/helpers.ts).
 * `pledge report-schedules` too: put from flags and from a file, show, run, delete with If-Match.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/index.ts';
import type { Store } from '../src/store/types.ts';
import { spawn } from 'node:child_process';
import { pledgeHereWith, pledgeWith, root } from './helpers.ts';
import { coreAlert, openAlerts } from './http/alerts-fixtures.ts';
import { agreementYaml, newTenant, T0, type Tenant } from './http/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'pledge-cli-alerts-'));
const db = join(dir, 'pledge.db');
let store: Store;
let server: Tenant;
let url: string;

const local = { PLEDGE_URL: undefined, PLEDGE_TOKEN: undefined, USER: 'ann' };
const run = (...args: string[]) => pledgeWith(local, ...args);
/** As run, in this process (test/helpers.ts). */
const runHere = (...args: string[]) => pledgeHereWith(local, ...args);
const json = (r: { code: number; out: string; err: string }) => {
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
};

before(async () => {
  store = await openStore({ kind: 'sqlite', path: db });
  await store.createTenant({ id: 'default', name: 'Default', createdAt: T0 });
  await openAlerts(
    store,
    'default',
    [
      coreAlert({ agreement: 'gold', at: T0 }),
      coreAlert({ agreement: 'gold', ticket: 'T-2', level: 'breach', kind: 'breach', severity: 'critical', at: T0 + 1000 }),
    ],
    T0 + 1000,
  );
  server = await newTenant(store);
  await server.req('manager', {
    method: 'PUT',
    url: '/v1/agreements/gold',
    headers: { 'content-type': 'application/yaml' },
    payload: agreementYaml('gold'),
  });
  await openAlerts(store, server.tenant, [coreAlert({ agreement: 'gold', at: T0 })], T0);
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const a = server.app.server.address();
  url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
after(async () => {
  await server.app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('pledge alerts on a database', () => {
  test('list, show, ack, resolve; the history says who', async () => {
    const list = json(run('alerts', '--db', db, '--json'));
    assert.equal(list.items.length, 2);
    assert.equal(list.items[0].severity, 'critical', 'newest first');
    const text = await runHere('alerts', '--db', db);
    assert.match(text.out, /FIRING\s+critical .* gold#response ticket T-2 breach/);
    const id = list.items[1].id as string;
    const ack = json(run('alerts', 'ack', id, '--db', db, '--comment', 'mine', '--json'));
    assert.deepEqual([ack.result, ack.alert.acknowledgedBy, ack.notified], ['acknowledged', 'cli:ann', 1]);
    assert.equal(json(await runHere('alerts', '--db', db, '--state', 'acknowledged', '--json')).items.length, 1);
    const res = json(await runHere('alerts', 'resolve', id, '--reason', 'fixed by hand', '--db', db, '--json'));
    assert.deepEqual([res.result, res.alert.resolvedReason], ['resolved', 'fixed by hand']);
    const shown = json(await runHere('alerts', 'show', id, '--db', db, '--json'));
    assert.deepEqual(
      shown.history.map((h: { state: string; by: string }) => `${h.state} ${h.by}`),
      ['firing pledge', 'acknowledged cli:ann', 'resolved cli:ann'],
    );
    const late = await runHere('alerts', 'ack', id, '--db', db);
    assert.equal(late.code, 2);
    assert.match(late.err, /resolved/);
    const none = await runHere('alerts', 'resolve', id, '--db', db);
    assert.equal(none.code, 2, 'no --reason');
    assert.equal((await runHere('alerts', '--db', db, '--state', 'burning')).code, 2);
  });

  test('silences add, list, expire', async () => {
    const made = json(
      run(
        'silences',
        'add',
        '--match',
        'agreement=gold',
        '--match',
        'severity!=critical',
        '--for',
        '2h',
        '--comment',
        'upgrade',
        '--db',
        db,
        '--json',
      ),
    );
    assert.deepEqual(made.silence.matchers, [
      { field: 'agreement', op: '=', values: ['gold'] },
      { field: 'severity', op: '!=', values: ['critical'] },
    ]);
    assert.equal(json(await runHere('silences', 'list', '--active', '--db', db, '--json')).items.length, 1);
    const bad = await runHere('silences', 'add', '--match', 'colour=red', '--for', '1h', '--db', db);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /matchers\[0\]\.field/);
    assert.equal(json(await runHere('silences', 'expire', made.silence.id, '--db', db, '--json')).result, 'expired');
    assert.equal(json(await runHere('silences', 'list', '--active', '--db', db, '--json')).items.length, 0);
  });

  test('channels apply a file, list redacted, disable, delete; notifications list, show, replay', async () => {
    const file = join(dir, 'channels.yaml');
    writeFileSync(file, 'channels:\n  - id: ops-mail\n    kind: slack\n    settings:\n      url: env:SLACK_URL\n');
    assert.deepEqual(json(run('channels', 'apply', file, '--db', db, '--json')).channels, [{ id: 'ops-mail', result: 'created' }]);
    assert.equal(json(await runHere('channels', 'list', '--db', db, '--json')).items[0].settings.url, 'env:SLACK_URL');
    assert.equal(json(await runHere('channels', 'disable', 'ops-mail', '--reason', 'noisy', '--db', db, '--json')).channel.enabled, false);
    assert.match((await runHere('channels', 'list', '--db', db)).out, /DISABLED ops-mail.*noisy/);
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'channels:\n  - id: x\n    kind: slack\n    settings:\n      url: https://hooks.slack.com/services/SECRET\n');
    const b = await runHere('channels', 'apply', broken, '--db', db);
    assert.equal(b.code, 2);
    assert.doesNotMatch(b.err, /SECRET/);

    const notes = json(run('notifications', 'list', '--db', db, '--json')).items;
    assert.equal(notes.length, 2, 'the acknowledgement and the resolution notices');
    const [c] = await store.claimNotifications({ worker: 'w', at: T0 + 10 ** 10, leaseMs: 1000, tenant: 'default', limit: 1 });
    await store.completeNotification(
      'default',
      c!.id,
      { worker: 'w', attempt: 1 },
      { outcome: 'failed', at: T0 + 10 ** 10, error: 'HTTP 404' },
    );
    const shown = json(await runHere('notifications', 'show', String(c!.id), '--db', db, '--json'));
    assert.equal(shown.attempts[0].error, 'HTTP 404');
    assert.equal(json(await runHere('notifications', 'replay', String(c!.id), '--db', db, '--json')).notification.state, 'pending');
    assert.equal((await runHere('notifications', 'replay', String(c!.id), '--db', db)).code, 2, 'pending: delivered anyway');
    assert.equal(json(await runHere('channels', 'delete', 'ops-mail', '--db', db, '--json')).result, 'deleted');
  });
});

/** As pledgeWith, without blocking this process: the server answering the CLI runs in it. */
function pledgeAsync(env: Record<string, string>, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, ['bin/pledge.js', ...args], { cwd: root, env: { ...process.env, TZ: 'UTC', ...env } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => done({ code: code ?? -1, out, err }));
  });
}

describe('pledge alerts against a server', () => {
  test('the same commands through the API, with the token of a role', async () => {
    const as = (role: 'agent' | 'viewer') => ({ PLEDGE_URL: url, PLEDGE_TOKEN: server.tokens[role], USER: 'ann' });
    const list = await pledgeAsync(as('viewer'), 'alerts', '--json');
    assert.equal(list.code, 0, list.err);
    const id = JSON.parse(list.out).items[0].id as string;
    const refused = await pledgeAsync(as('viewer'), 'alerts', 'ack', id);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /403 forbidden|may not/);
    const ack = await pledgeHereWith(as('agent'), 'alerts', 'ack', id, '--json');
    assert.equal(ack.code, 0, ack.err);
    assert.equal(JSON.parse(ack.out).alert.acknowledgedBy, 'agent-user');
    const s = await pledgeHereWith(as('agent'), 'silences', 'add', '--match', 'agreement=gold', '--for', '1h', '--json');
    assert.equal(s.code, 0, s.err);
    assert.equal(JSON.parse((await pledgeHereWith(as('viewer'), 'silences', 'list', '--json')).out).items.length, 1);
    const res = await pledgeHereWith(as('agent'), 'alerts', 'resolve', id, '--reason', 'done', '--json');
    assert.equal(JSON.parse(res.out).alert.state, 'resolved');
  });
});

describe('pledge monitors', () => {
  test('put from options and from a file, list, pause, resume, delete on a database; bad input names the field; the same through a server', async () => {
    const put = json(
      await runHere(
        'monitors',
        'put',
        'web',
        '--db',
        db,
        '--kind',
        'http',
        '--service',
        'cloud-pbx',
        '--target',
        'https://pbx.example.com/health',
        '--interval',
        '30s',
        '--json',
      ),
    );
    assert.deepEqual([put.result, put.monitor.spec.kind, put.monitor.state.status], ['created', 'http', 'unknown']);
    const file = join(dir, 'nightly.yaml');
    writeFileSync(file, 'kind: heartbeat\nservice: billing\ninterval: 1d\ngrace: 1h\n');
    const hb = await runHere('monitors', 'put', 'nightly', '--db', db, '-f', file);
    assert.equal(hb.code, 0, hb.err);
    assert.match(hb.out, /created: nightly \(heartbeat, service billing\)\npush token \(shown once, keep it secret\): pledge_hb_/);
    const listed = json(await runHere('monitors', 'list', '--db', db, '--json'));
    assert.deepEqual(
      listed.items.map((m: { id: string }) => m.id),
      ['nightly', 'web'],
    );
    assert.match((await runHere('monitors', 'pause', 'web', '--db', db)).out, /^paused\s+web\s+http\s+cloud-pbx/);
    assert.equal(json(await runHere('monitors', 'resume', 'web', '--db', db, '--json')).paused, false);
    const bad = await runHere('monitors', 'put', 'tcp1', '--db', db, '--kind', 'tcp', '--service', 's', '--host', 'h', '--port', '99999');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /port/);
    assert.equal((await runHere('monitors', 'delete', 'web', '--db', db)).code, 0);
    assert.equal((await runHere('monitors', 'pause', 'web', '--db', db)).code, 2);
    const remote = { PLEDGE_URL: url, PLEDGE_TOKEN: server.tokens.manager, USER: 'ann' };
    const args = [
      'monitors',
      'put',
      'db',
      '--kind',
      'tcp',
      '--service',
      'cloud-pbx',
      '--host',
      'db.example.com',
      '--port',
      '5432',
      '--json',
    ];
    assert.equal(json(await pledgeHereWith(remote, ...args)).result, 'created');
    assert.equal(json(await pledgeHereWith(remote, ...args, '--retries', '2')).result, 'updated', 'replaced with the ETag it read');
    assert.equal(json(await pledgeHereWith(remote, 'monitors', 'list', '--json')).items.length, 1);
  });
});

describe('pledge report-schedules', () => {
  const mailChannels = (port: number) =>
    `channels:\n  - id: reports-mail\n    kind: email\n    settings:\n      from: Reports <reports@provider.test>\n      to: [ops@provider.test]\n      smtp: { host: 127.0.0.1, port: ${port}, security: none }\n`;

  test('on a database: put from flags, change one field, a file, run a period, delete with If-Match; errors name the flag', async () => {
    const file = join(dir, 'mail.yaml');
    writeFileSync(file, mailChannels(2525));
    assert.equal((await runHere('channels', 'apply', file, '--db', db)).code, 0);
    // The first use as a real process: the command manifest (dist/cli/commands.json) knows the command.
    const made = json(
      run(
        ...['report-schedules', 'put', 'acme-monthly', '--customer', 'acme', '--day', '3', '--zone', 'Europe/Berlin'],
        ...['--channel', 'reports-mail', '--recipient', 'cto@acme.test,vendor@acme.test', '--format', 'pdf', '--format', 'csv'],
        ...['--db', db, '--json'],
      ),
    );
    assert.equal(made.result, 'created');
    assert.deepEqual(made.schedule.spec.recipients, ['cto@acme.test', 'vendor@acme.test']);
    assert.deepEqual(made.schedule.spec.formats, ['pdf', 'csv']);
    assert.match(made.schedule.next.at, /T0[45]:00:00\.000Z$/, '06:00 in Berlin');
    // One flag changes one field; the rest is kept.
    const changed = json(await runHere('report-schedules', 'put', 'acme-monthly', '--day', '5', '--db', db, '--json'));
    assert.deepEqual([changed.result, changed.schedule.spec.day, changed.schedule.spec.recipients.length], ['updated', 5, 2]);
    // Bad input names the flag, and nothing changes.
    const bad = async (path: RegExp, ...args: string[]) => {
      const r = await runHere('report-schedules', ...args, '--db', db);
      assert.equal(r.code, 2, r.out);
      assert.match(r.err, path);
    };
    await bad(/--day: .*28/, 'put', 'acme-monthly', '--day', '40');
    await bad(/--recipient\[1\]: expected an e-mail address/, 'put', 'acme-monthly', '--recipient', 'a@acme.test', '--recipient', 'nobody');
    await bad(
      /--if-match: report schedule acme-monthly has changed/,
      'put',
      'acme-monthly',
      '--day',
      '7',
      '--if-match',
      made.schedule.etag,
    );
    await bad(/--day: /, 'put', 'fresh', '--customer', 'acme', '--channel', 'reports-mail', '--recipient', 'a@acme.test');
    await bad(/--period: the schedule reports a month, not a quarter/, 'run', 'acme-monthly', '--period', '2026-Q3');
    const spec = join(dir, 'quarterly.yaml');
    writeFileSync(spec, 'customer: acme\nevery: quarter\nday: 2\ntime: "25:00"\nchannel: reports-mail\nrecipients: [cfo@acme.test]\n');
    await bad(/quarterly\.yaml.*time: expected a time HH:MM/, 'put', 'acme-quarterly', '-f', spec);
    // The flags override the file.
    const q = json(await runHere('report-schedules', 'put', 'acme-quarterly', '-f', spec, '--time', '07:30', '--db', db, '--json'));
    assert.deepEqual([q.schedule.spec.every, q.schedule.spec.time, q.schedule.next.period.includes('Q')], ['quarter', '07:30', true]);

    const ran = json(await runHere('report-schedules', 'run', 'acme-monthly', '--period', '2026-10', '--db', db, '--json'));
    assert.deepEqual([ran.schedule, ran.period], ['acme-monthly', '2026-10']);
    const shown = json(await runHere('report-schedules', 'show', 'acme-monthly', '--db', db, '--json'));
    assert.deepEqual(
      shown.schedule.pending.map((p: { period: string }) => p.period),
      ['2026-10'],
    );
    assert.deepEqual(shown.deliveries, []);
    assert.match(
      (await runHere('report-schedules', '--db', db)).out,
      /acme-monthly +customer acme; day 5 06:00 Europe\/Berlin every month/,
    );

    await bad(/--if-match: report schedule acme-monthly has changed/, 'delete', 'acme-monthly', '--if-match', made.schedule.etag);
    const deleted = json(
      await runHere(
        'report-schedules',
        'delete',
        'acme-monthly',
        '--if-match',
        shown.schedule.etag.replace(/"/g, ''),
        '--db',
        db,
        '--json',
      ),
    );
    assert.deepEqual(deleted, { result: 'deleted', id: 'acme-monthly' });
    await bad(/ID: no report schedule acme-monthly/, 'show', 'acme-monthly');
    for (const sub of ['list', 'show', 'put', 'delete', 'run']) {
      const help = await runHere('report-schedules', sub, '--help');
      assert.equal(help.code, 0, sub);
      assert.match(help.out, /--json/, sub);
    }
    assert.deepEqual(
      json(await runHere('report-schedules', 'list', '--db', db, '--json')).items.map((s: { id: string }) => s.id),
      ['acme-quarterly'],
    );
  });

  test('against a server: the token decides; the server refusing a field names the flag', async () => {
    const as = (role: 'manager' | 'viewer' | 'auditor') => ({ PLEDGE_URL: url, PLEDGE_TOKEN: server.tokens[role], USER: 'ann' });
    const r = await server.req('manager', {
      method: 'POST',
      url: '/v1/channels/apply',
      headers: { 'content-type': 'application/yaml' },
      payload: mailChannels(2525),
    });
    assert.equal(r.statusCode, 200, r.body);
    const args = ['report-schedules', 'put', 'gold-monthly', '--agreement', 'gold', '--day', '1', '--recipient', 'cto@acme.test'];
    const missing = await pledgeHereWith(as('manager'), ...args, '--channel', 'nowhere');
    assert.equal(missing.code, 2);
    assert.match(missing.err, /--channel: no channel nowhere/);
    const made = await pledgeHereWith(as('manager'), ...args, '--channel', 'reports-mail', '--json');
    assert.equal(made.code, 0, made.err);
    assert.equal(JSON.parse(made.out).schedule.createdBy, 'manager-user');
    const viewer = await pledgeHereWith(as('viewer'), 'report-schedules', 'list');
    assert.equal(viewer.code, 2, 'a viewer may not read where reports go');
    const listed = await pledgeHereWith(as('auditor'), 'report-schedules', 'list', '--agreement', 'gold', '--json');
    assert.deepEqual(
      JSON.parse(listed.out).items.map((s: { id: string }) => s.id),
      ['gold-monthly'],
    );
    assert.equal((await pledgeHereWith(as('auditor'), 'report-schedules', 'delete', 'gold-monthly')).code, 2);
    const deleted = await pledgeHereWith(as('manager'), 'report-schedules', 'delete', 'gold-monthly', '--json');
    assert.equal(deleted.code, 0, deleted.err);
    assert.equal((await server.req('auditor', { method: 'GET', url: '/v1/report-schedules/gold-monthly' })).statusCode, 404);
  });
});
