/**
 * The CLI against a running server (--url or PLEDGE_URL, token in PLEDGE_TOKEN): the same
 * commands as on a database, through the REST API, with the server's refusals as bad input.
 * The server is a real process; each command's first use, an unreachable server, a refusal and
 * the README's commands run `pledge` as real processes too, the other commands the same build in
 * this process (`pledgeHereWith`, test/helpers.ts), still over HTTP to that server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { get } from 'node:http';
import { join } from 'node:path';
import { pledgeHereWith, pledgeWith, root } from './helpers.ts';
import { startServe, type ServeProcess } from './serve-process.ts';
import { demoWindow } from '../src/demo/seed.ts';
import { docBlocks } from './docs-commands.ts';

let server: ServeProcess;
let url: string;
let env: Record<string, string>;
const dir = mkdtempSync(join(tmpdir(), 'pledge-remote-'));

before(async () => {
  server = await startServe({ args: ['--demo', '--no-live'], env: { PLEDGE_DATA_DIR: dir } });
  url = server.url;
  env = { PLEDGE_URL: url, PLEDGE_TOKEN: server.info.token! };
});
after(async () => {
  await server.stop();
});

const month = () => new Date(demoWindow(Date.now()).from).toISOString().slice(0, 7);

test('status, report and rebuild through the API', async () => {
  const s = pledgeWith(env, 'status', '--json');
  assert.equal(s.code, 0, s.err);
  const status = JSON.parse(s.out);
  assert.ok(Array.isArray(status.tickets) && Array.isArray(status.targets));
  const csv = await pledgeHereWith(env, 'report', '--agreement', 'acme-checkout', '--period', month(), '--format', 'csv');
  assert.equal(csv.code, 0, csv.err);
  assert.match(csv.out, /^agreement,period,target,/);
  assert.match(csv.out.split('\n')[1]!, new RegExp(`^acme-checkout,${month()},`));
  const text = pledgeWith({ PLEDGE_TOKEN: env.PLEDGE_TOKEN }, 'report', '--url', url, '--agreement', 'acme-checkout', '--period', month());
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /^Report for acme-checkout/);
  const r = JSON.parse((await pledgeHereWith(env, 'rebuild', '--json')).out);
  assert.equal(r.agreements, 10);
});

test('apply through the API: a dry run shows the diff and writes nothing; then the amendment', async () => {
  const file = join(dir, 'email.yaml');
  writeFileSync(
    file,
    readFileSync(join(root, 'examples/agreements/enterprise-email-service.yaml'), 'utf8').replace('value: 99.9\n', 'value: 99.95\n'),
  );
  const same = pledgeWith(env, 'apply', '-f', 'examples/agreements/sla-checkout.yaml');
  assert.equal(same.code, 0, same.err);
  assert.equal(same.out, 'acme-checkout: unchanged\n');
  const dry = await pledgeHereWith(env, 'apply', '-f', file, '--dry-run');
  assert.equal(dry.code, 0, dry.err);
  assert.match(dry.out, /globex-email: would be amended \(a new version\)\n {2}~ targets\[uptime\]\.value: 99\.9 -> 99\.95/);
  assert.match((await pledgeHereWith(env, 'apply', '-f', file, '--dry-run')).out, /would be amended/, 'the dry run wrote nothing');
  const done = JSON.parse((await pledgeHereWith(env, 'apply', '-f', file, '--json')).out);
  assert.equal(done.agreements[0].result, 'amended');
  assert.equal(done.agreements[0].version, 2);
});

test('ingest through the API: NDJSON and a CSV export, again as duplicates; a batch over the server limit is refused', async () => {
  const first = JSON.parse(pledgeWith(env, 'ingest', '-f', 'examples/tickets/ticket-1001.ndjson', '--json').out);
  assert.deepEqual([first.received, first.accepted, first.duplicates], [11, 11, 0]);
  const again = await pledgeHereWith(env, 'ingest', '-f', 'examples/tickets/ticket-1001.ndjson');
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /11 events read: 0 accepted, 11 duplicates/);
  const csv = [
    '--format',
    'csv',
    '--mapping',
    'examples/imports/helpdesk-tickets.mapping.yaml',
    '-f',
    'examples/imports/helpdesk-tickets.csv',
    '--json',
  ];
  const c1 = JSON.parse((await pledgeHereWith(env, 'ingest', ...csv)).out);
  assert.ok(c1.accepted > 0, JSON.stringify(c1));
  const c2 = JSON.parse((await pledgeHereWith(env, 'ingest', ...csv)).out);
  assert.deepEqual([c2.accepted, c2.duplicates], [0, c1.accepted]);
  // 12,000 events in one request: above the server's 10,000 a request.
  const big = join(dir, 'big.ndjson');
  writeFileSync(
    big,
    Array.from({ length: 12_000 }, (_, i) =>
      JSON.stringify({ id: `big-${i}`, type: 'check.result', source: 'probe', at: '2026-10-01T10:00:00Z', service: 'checkout', up: true }),
    ).join('\n'),
  );
  const refused = await pledgeHereWith(env, 'ingest', '-f', big, '--batch', '12000');
  assert.equal(refused.code, 2);
  assert.match(refused.err, /--file: .*at most 10000 .*send smaller batches \(--batch\)/);
  const fine = JSON.parse((await pledgeHereWith(env, 'ingest', '-f', big, '--json')).out);
  assert.equal(fine.accepted, 12_000);
  assert.equal(fine.batches, 12, 'batches of 1,000 to a server');
});

test('transition through the API: suspend with a reason, resume; an illegal move is refused with the legal ones', async () => {
  const bad = pledgeWith(env, 'transition', 'acme-checkout', '--to', 'draft');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /409 illegal_transition/);
  const s = JSON.parse(
    (await pledgeHereWith(env, 'transition', 'acme-checkout', '--to', 'suspended', '--reason', 'customer asked for a pause', '--json')).out,
  );
  assert.deepEqual([s.state, s.transition.action], ['suspended', 'suspend']);
  assert.match((await pledgeHereWith(env, 'transition', 'acme-checkout', '--to', 'active')).out, /suspended -> active \(resume\)/);
});

test('token create through the API: the new token works, with its role', async () => {
  const t = pledgeWith(env, 'token', 'create', '--role', 'viewer', '--user', 'vera', '--json');
  assert.equal(t.code, 0, t.err);
  const { secret, role } = JSON.parse(t.out);
  assert.equal(role, 'viewer');
  const ok = await fetch(`${url}/v1/agreements?limit=1`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(ok.status, 200);
  // A viewer may not create tokens: the server refuses, the CLI says so and exits 2.
  const denied = await pledgeHereWith({ ...env, PLEDGE_TOKEN: secret }, 'token', 'create', '--role', 'admin');
  assert.equal(denied.code, 2);
  assert.match(denied.err, /^pledge: the viewer role may not tokens manage \(403 forbidden\)/);
});

test("invite through the API: the link is the server's, and signs the person in once; a bad role is named", async () => {
  const made = await pledgeHereWith(env, 'invite', '--email', 'remote.person@example.com', '--role', 'auditor', '--json');
  assert.equal(made.code, 0, made.err);
  const inv = JSON.parse(made.out);
  assert.equal(inv.role, 'auditor');
  assert.ok(String(inv.link).startsWith(`${url}/invite/pledge_i_`), inv.link);
  const accept = () =>
    fetch(`${url}/v1${inv.path.replace('/invite/', '/invites/')}/accept`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'a remote passphrase' }),
    });
  const first = await accept();
  assert.equal(first.status, 200);
  assert.match(first.headers.get('set-cookie') ?? '', /^pledge_session=/);
  assert.equal((await accept()).status, 409);
  const bad = await pledgeHereWith(env, 'invite', '--email', 'x@example.com', '--role', 'boss');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /role/);
});

test('refusals and failures: a wrong token, no token, both --url and --db, a bad URL, a server that is not there', async () => {
  const wrong = pledgeWith({ ...env, PLEDGE_TOKEN: 'pledge_nope' }, 'status');
  assert.equal(wrong.code, 2);
  assert.match(wrong.err, /401 unauthenticated/);
  const none = await pledgeHereWith({ PLEDGE_URL: url, PLEDGE_TOKEN: '' }, 'status');
  assert.equal(none.code, 2);
  assert.match(none.err, /PLEDGE_TOKEN: set PLEDGE_TOKEN/);
  const both = await pledgeHereWith(env, 'status', '--url', url, '--db', join(dir, 'x.db'));
  assert.equal(both.code, 2);
  assert.match(both.err, /--url: give either --url/);
  const bad = await pledgeHereWith(env, 'status', '--url', 'ftp://x');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--url: expected an http or https URL/);
  const gone = pledgeWith(env, 'status', '--url', 'http://127.0.0.1:9');
  assert.equal(gone.code, 1);
  assert.match(gone.err, /cannot reach the server at http:\/\/127\.0\.0\.1:9/);
  const report = await pledgeHereWith(env, 'report', '--agreement', 'acme-checkout', '--period', '2026-13');
  assert.equal(report.code, 2);
  assert.match(report.err, /period/);
  // --db still works beside a PLEDGE_URL in the environment: --db wins.
  const local = await pledgeHereWith(env, 'migrate', '--db', join(dir, 'local.db'));
  assert.equal(local.code, 0, local.err);
});

test('reviews, review and diff through the API: the same commands and answers as on a database', async () => {
  const listed = pledgeWith(env, 'reviews', '--json');
  assert.equal(listed.code, 0, listed.err);
  const before = JSON.parse(listed.out);
  assert.ok(
    before.reviews.some((r: { agreement: string }) => r.agreement === 'acme-checkout'),
    listed.out,
  );
  // Recorded as held by --by; the audit log names the token's user as the one who recorded it.
  const rec = pledgeWith(env, 'review', 'acme-checkout', '--outcome', 'kept', '--by', 'Jo Vendor', '--notes', 'targets still realistic');
  assert.equal(rec.code, 0, rec.err);
  assert.match(
    rec.out,
    /^acme-checkout: review of (\d{4}-\d\d-\d\d) by Jo Vendor recorded \(kept\); 1 review on record; next review due \d{4}-\d\d-\d\d\n$/,
  );
  const day = /review of (\S+)/.exec(rec.out)![1];
  assert.match((await pledgeHereWith(env, 'reviews')).out, new RegExp(`  acme-checkout; last reviewed ${day} by Jo Vendor \\(kept\\)`));
  // A connection of its own: a kept-alive one from an earlier test may be closed by the server as it is reused.
  const newest = await new Promise<string>((resolve, reject) => {
    const headers = { authorization: `Bearer ${env.PLEDGE_TOKEN}` };
    get(`${url}/v1/audit?subject=agreement:acme-checkout&order=newest&limit=1`, { headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
  const audit = JSON.parse(newest) as { items: Array<{ action: string; actor: string; after: { by: string } }> };
  const entry = audit.items[0]!;
  assert.equal(entry.action, 'agreement.review');
  assert.equal(entry.after.by, 'Jo Vendor');
  assert.notEqual(entry.actor, 'Jo Vendor');
  const refused = await pledgeHereWith(env, 'review', 'acme-checkout', '--outcome', 'maybe', '--by', 'Jo', '--json');
  assert.equal(refused.code, 2);
  assert.equal(JSON.parse(refused.err).error.code, 'invalid_input');
  const nobody = await pledgeHereWith(env, 'review', 'nobody', '--outcome', 'kept', '--by', 'Jo');
  assert.equal(nobody.code, 2);
  assert.match(nobody.err, /no agreement nobody \(404 not_found\)/);

  // A file against the stored version 1, then an amendment and the two stored versions.
  const file = 'examples/amendments/sla-checkout-p1-penalty.yaml';
  const stored = pledgeWith(env, 'diff', file, '--stored', '1');
  assert.equal(stored.code, 0, stored.err);
  assert.equal(stored.out, `acme-checkout: version 1 -> ${file}\n~ penalties.rules[1].amount: 100 -> 150\n`);
  const amended = JSON.parse((await pledgeHereWith(env, 'apply', '-f', file, '--json')).out).agreements[0];
  assert.equal(amended.result, 'amended');
  const versions = await pledgeHereWith(
    env,
    'diff',
    '--agreement',
    'acme-checkout',
    '--from',
    '1',
    '--to',
    String(amended.version),
    '--json',
  );
  assert.equal(versions.code, 0, versions.err);
  assert.deepEqual(JSON.parse(versions.out).changes, [{ path: 'penalties.rules[1].amount', kind: 'changed', before: 100, after: 150 }]);
  const missing = await pledgeHereWith(env, 'diff', file, '--stored', '99');
  assert.equal(missing.code, 2);
  assert.match(missing.err, /--stored: agreement acme-checkout: no such version/);
  const noVersion = await pledgeHereWith(env, 'diff', '--agreement', 'acme-checkout', '--from', '1', '--to', '99');
  assert.equal(noVersion.code, 2);
  assert.match(noVersion.err, /^pledge: --to: agreement acme-checkout: no such version \(expected a version from 1 to \d+, got 99\)\n$/);
});

test("README: the commands against a running server run as written (with this server's URL and token)", () => {
  const lines = docBlocks('README.md', 'test/cli-remote.test.ts').flat();
  assert.ok(lines.length > 1, 'the README has a block marked for this test');
  for (const line of lines) {
    if (line.kind === 'export') {
      // The user's own server and token: this test's take their place.
      assert.deepEqual(Object.keys(line.vars).sort(), ['PLEDGE_TOKEN', 'PLEDGE_URL'], line.where);
      continue;
    }
    const r = pledgeWith({ ...env, PLEDGE_DATA_DIR: join(dir, 'unused'), DATABASE_URL: '' }, ...line.args);
    assert.equal(r.code, 0, `${line.where}: ${line.text}\n${r.err}`);
    for (const expected of line.output) assert.ok(r.out.split('\n').includes(expected), `${line.where}: expected ${expected} in\n${r.out}`);
  }
});

test('--help for the commands that work on a server lists --url and --json', async () => {
  for (const command of ['reviews', 'review', 'diff', 'transition', 'report', 'invite']) {
    const h = await pledgeHereWith({}, command, '--help');
    assert.equal(h.code, 0, h.err);
    assert.match(h.out, /--url <url>/, command);
    assert.match(h.out, /--json/, command);
  }
});
