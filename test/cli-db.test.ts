/**
 * `pledge migrate`, `token create`, `invite` and `ingest` on a real SQLite file. Each test's first command
 * (and the first migrate, token create and ingest) runs as a real process (`pledge`); the others
 * run the same build in this process (`pledgeHere`, test/helpers.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pledge, pledgeHere, pledgeHereWith, pledgeWith } from './helpers.ts';
import { openStore } from '../src/store/index.ts';
import { hashTokenSecret } from '../src/store/tokens.ts';
import { loadMigrations } from '../src/store/migrate.ts';
import { acceptInvite, signIn } from '../src/app/sign-in.ts';

test('migrate, token create and ingest work on a fresh database, and re-ingesting changes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-db-'));
  const db = join(dir, 'sub', 'pledge.db');
  // Every migration shipped, in order (the list grows with each schema change).
  const shipped = loadMigrations('sqlite').map((m) => m.name);
  assert.equal(shipped[0], '20261123_001_initial');
  assert.equal(pledge('migrate', '--db', db).out, `applied: ${shipped.join(', ')}\n`);
  assert.deepEqual(JSON.parse((await pledgeHere('migrate', '--db', db, '--json')).out).applied, []);
  const t = JSON.parse(pledge('token', 'create', '--role', 'agent', '--user', 'desk', '--tenant', 'acme-corp', '--db', db, '--json').out);
  assert.match(t.secret, /^pledge_[A-Za-z0-9_-]{43}$/);
  const first = JSON.parse(
    pledge('ingest', '-f', 'examples/tickets/ticket-1001.ndjson', '--tenant', 'acme-corp', '--db', db, '--json').out,
  );
  assert.deepEqual([first.received, first.accepted, first.duplicates], [11, 11, 0]);
  const again = JSON.parse(
    (await pledgeHere('ingest', '-f', 'examples/tickets/ticket-1001.ndjson', '--tenant', 'acme-corp', '--db', db, '--json')).out,
  );
  assert.deepEqual([again.accepted, again.duplicates], [0, 11]);
  const store = await openStore({ kind: 'sqlite', path: db });
  try {
    const found = await store.findTokenByHash(hashTokenSecret(t.secret));
    assert.equal(found?.token.role, 'agent');
    assert.equal(found?.token.tenant, 'acme-corp');
    assert.equal(await store.countEvents('acme-corp'), 11);
    const audit = await store.listAudit('acme-corp');
    assert.ok(audit.items.some((a) => a.action === 'token.create'));
    // The batch that stored events is audited (in its own transaction); the one that changed nothing is not.
    const ingests = audit.items.filter((a) => a.action === 'events.ingest');
    assert.equal(ingests.length, 1);
    assert.match(ingests[0]!.actor, /^cli:/);
    assert.deepEqual(ingests[0]!.after, { accepted: 11, duplicates: 0, conflicts: 0, rejected: 0, lastSeq: 11 });
  } finally {
    await store.close();
  }
});

test('bad input: unknown role, customer without customer id, missing file, bad events named by line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-db-'));
  const db = join(dir, 'pledge.db');
  let r = pledge('token', 'create', '--role', 'emperor', '--db', db);
  assert.equal(r.code, 2);
  assert.match(r.err, /role: unknown role/);
  r = await pledgeHere('token', 'create', '--role', 'customer', '--db', db);
  assert.match(r.err, /customer: a customer token must name the customer/);
  r = await pledgeHere('ingest', '-f', join(dir, 'none.ndjson'), '--db', db);
  assert.equal(r.code, 2);
  assert.match(r.err, /--file: no such file/);
  writeFileSync(
    join(dir, 'bad.ndjson'),
    '# a comment\n{"id":"a","type":"ticket.created","ticket":"T","at":"2026-01-01T00:00:00Z"}\n\n{"id":"b","type":"ticket.created","ticket":"T","at":"2026-02-30T00:00:00Z"}\n',
  );
  r = await pledgeHere('ingest', '-f', join(dir, 'bad.ndjson'), '--db', db);
  assert.equal(r.code, 2);
  assert.match(r.err, /bad\.ndjson:4: rejected: .*at: impossible date or time/);
  assert.match(r.out, /2 events read: 1 accepted, 0 duplicates, 0 conflicts, 1 rejected/);
});

test("ingest holds events to the same rules as the server, against this machine's clock (PLEDGE_MAX_CLOCK_SKEW)", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-db-'));
  const db = join(dir, 'pledge.db');
  const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();
  const ev = (id: string, extra: Record<string, unknown>) =>
    JSON.stringify({ id, type: 'check.result', at: inDays(-1), up: true, ...extra });
  writeFileSync(
    join(dir, 'events.ndjson'),
    [
      ev('good', {}),
      ev('ahead', { at: inDays(10) }),
      ev('old', { at: '1999-06-01T00:00:00Z' }),
      ev('leap', { at: '2025-12-31T23:59:60Z' }),
      ev('nul', { service: 'a\u0000' }),
      ev('deep', { attributes: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) }),
    ].join('\n'),
  );
  let r = pledge('ingest', '-f', join(dir, 'events.ndjson'), '--db', db, '--json');
  assert.equal(r.code, 2, r.err);
  const out = JSON.parse(r.out);
  assert.deepEqual([out.accepted, out.rejected], [1, 5]);
  const problems = out.problems.join('\n');
  assert.match(problems, /events\.ndjson:2: rejected: \[1\]\.at: in the future: more than 1 day after the receiving clock/);
  assert.match(problems, /events\.ndjson:3: rejected: \[2\]\.at: before 2000-01-01/);
  assert.match(problems, /events\.ndjson:4: rejected: \[3\]\.at: no leap second at this instant/);
  assert.match(problems, /events\.ndjson:5: rejected: \[4\]\.service: contains U\+0000/);
  assert.match(problems, /events\.ndjson:6: rejected: \[5\]\.attributes(\.a){32}: nested too deep/);
  // A wider skew lets the event ten days ahead in; the others stay out.
  r = await pledgeHereWith({ PLEDGE_MAX_CLOCK_SKEW: '30d' }, 'ingest', '-f', join(dir, 'events.ndjson'), '--db', db, '--json');
  assert.deepEqual([JSON.parse(r.out).accepted, JSON.parse(r.out).duplicates, JSON.parse(r.out).rejected], [1, 1, 4]);
  r = pledgeWith({ PLEDGE_MAX_CLOCK_SKEW: 'a while' }, 'ingest', '-f', join(dir, 'events.ndjson'), '--db', db);
  assert.equal(r.code, 2);
  assert.match(r.err, /PLEDGE_MAX_CLOCK_SKEW: expected a duration/);
});

test('apply: creates, shows the diff of a change (dry run writes nothing), amends an active agreement', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-apply-'));
  const db = join(dir, 'pledge.db');
  const created = JSON.parse(pledge('apply', '-f', 'examples/agreements', '--db', db, '--json').out);
  assert.equal(created.agreements.length, 10);
  assert.ok(created.agreements.every((a: { result: string }) => a.result === 'created'));
  writeFileSync(
    join(dir, 'email.yaml'),
    readFileSync('examples/agreements/enterprise-email-service.yaml', 'utf8').replace('value: 99.9\n', 'value: 99.95\n'),
  );
  const dry = await pledgeHere('apply', '-f', join(dir, 'email.yaml'), '--db', db, '--dry-run');
  assert.match(dry.out, /globex-email: would be updated\n {2}~ targets\[uptime\]\.value: 99\.9 -> 99\.95/);
  assert.match((await pledgeHere('apply', '-f', join(dir, 'email.yaml'), '--db', db, '--dry-run')).out, /would be updated/); // still: nothing was written
  // Activate it through the store, then a change is an amendment: a new version.
  const store = await openStore({ kind: 'sqlite', path: db });
  try {
    const a = (await store.getAgreement('default', 'globex-email'))!;
    const { createHistory, applyTransition } = await import('../src/core/agreements/lifecycle/state.ts');
    const { unwrap } = await import('../src/core/validation/issues.ts');
    // Every step a few milliseconds after creation, so all of it lies before the `apply` below
    // (whose clock is the real one): the amendment takes effect after version 1 whatever the timing.
    let h = unwrap(createHistory({ agreementId: 'globex-email', at: a.createdAt, by: 't' }));
    h = unwrap(applyTransition(h, { to: 'in_review', at: a.createdAt, by: 't' }));
    const at = a.createdAt + 1;
    h = unwrap(
      applyTransition(h, {
        to: 'approved',
        at: at + 2,
        by: 't',
        signatures: [
          { party: 'provider', name: 'P', at: at },
          { party: 'customer', name: 'C', at: at + 1 },
        ],
        term: { start: at + 2 },
      }),
    );
    await store.updateAgreement('default', 'globex-email', a.etag, {
      transitions: h.transitions,
      versions: [{ version: 1, effective: at + 2, document: a.document, createdAt: at + 2, createdBy: 't' }],
      at: at + 2,
      by: 't',
    });
  } finally {
    await store.close();
  }
  const amended = JSON.parse((await pledgeHere('apply', '-f', join(dir, 'email.yaml'), '--db', db, '--json')).out);
  assert.equal(amended.agreements[0].result, 'amended');
  assert.equal(amended.agreements[0].version, 2);
});

test('apply checks documents against the stored ones: a missing parent is refused naming the file and field; a folder applies parents first', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-apply-'));
  const db = join(dir, 'pledge.db');
  writeFileSync(join(dir, 'orphan.yaml'), readFileSync('examples/agreements/enterprise-email-service.yaml', 'utf8'));
  const r = pledge('apply', '-f', join(dir, 'orphan.yaml'), '--db', db);
  assert.equal(r.code, 2);
  assert.match(r.err, /orphan\.yaml:\d+:\d+: parent: the parent agreement "globex-enterprise" is not in the portfolio/);
  // A folder where the service level comes before its parents in file order: applied parents first.
  const chain = join(dir, 'chain');
  mkdirSync(chain);
  writeFileSync(join(chain, 'a-email.yaml'), readFileSync('examples/agreements/enterprise-email-service.yaml', 'utf8'));
  writeFileSync(join(chain, 'm-customer.yaml'), readFileSync('examples/agreements/enterprise-customer.yaml', 'utf8'));
  writeFileSync(join(chain, 'z-corporate.yaml'), readFileSync('examples/agreements/corporate.yaml', 'utf8'));
  const all = JSON.parse((await pledgeHere('apply', '-f', chain, '--db', db, '--json')).out);
  assert.ok(all.agreements.every((a: { result: string }) => a.result === 'created'));
  const order = all.agreements.map((a: { id: string }) => a.id);
  assert.ok(
    order.indexOf('northwind-corporate') < order.indexOf('globex-enterprise') &&
      order.indexOf('globex-enterprise') < order.indexOf('globex-email'),
    order.join(),
  );
  // Now the parent is stored: the file alone applies.
  assert.match((await pledgeHere('apply', '-f', join(dir, 'orphan.yaml'), '--db', db)).out, /globex-email: unchanged/);
});

test('transition: from draft to active on a database, refusing what the lifecycle does not allow', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-transition-'));
  const db = join(dir, 'pledge.db');
  assert.equal(pledge('apply', '-f', 'examples/agreements/uptime-fine.yaml', '--db', db).code, 0);
  const id = 'umbrella-pbx-uptime';
  assert.match(
    (await pledgeHere('transition', id, '--to', 'in_review', '--db', db)).out,
    /^umbrella-pbx-uptime: draft -> in_review \(submit\) at \d{4}-.*Z\n$/,
  );
  // Back-dated before the submission just recorded: the past is not rewritten.
  const signed = ['--sign', 'provider:P', 'customer:C', '--term-start', '2020-02-01T00:00:00Z'];
  const early = await pledgeHere('transition', id, '--to', 'approved', '--at', '2020-01-01T00:00:00Z', ...signed, '--db', db);
  assert.equal(early.code, 2);
  assert.match(early.err, /--at: too early: the last transition \(submit to in_review\).*a back-dated transition cannot come before it/);
  const start = new Date(Date.now() + 86_400_000).toISOString();
  const noSign = await pledgeHere('transition', id, '--to', 'approved', '--term-start', start, '--db', db);
  assert.equal(noSign.code, 2);
  assert.match(noSign.err, /--sign/);
  const approved = JSON.parse(
    (
      await pledgeHere(
        'transition',
        id,
        '--to',
        'approved',
        '--sign',
        'provider:Jane Doe',
        'customer:John Roe',
        '--term-start',
        start,
        '--db',
        db,
        '--json',
      )
    ).out,
  );
  assert.deepEqual([approved.state, approved.transition.action], ['approved', 'approve']);
  assert.match((await pledgeHere('transition', id, '--to', 'active', '--at', start, '--db', db)).out, /approved -> active \(activate\)/);
  const back = await pledgeHere('transition', id, '--to', 'draft', '--db', db);
  assert.equal(back.code, 2);
  assert.match(back.err, /--to: .*expected one of .*suspended.* from active/);
  const noReason = await pledgeHere('transition', id, '--to', 'terminated', '--db', db);
  assert.equal(noReason.code, 2);
  assert.match(noReason.err, /--reason/);
  assert.match((await pledgeHere('transition', id, '--to', 'sleeping', '--db', db)).err, /--to: not a lifecycle state/);
  assert.match((await pledgeHere('transition', 'nope', '--to', 'active', '--db', db)).err, /no agreement nope/);
  assert.match(
    (await pledgeHere('transition', id, '--to', 'active', '--sign', 'boss:X', '--db', db)).err,
    /--sign\[0\]: not a signing party/,
  );
  assert.equal(JSON.parse((await pledgeHere('rebuild', '--db', db, '--json')).out).agreements, 1, 'active, so measured');
});

test('invite prints a one-time sign-in link that works once; bad options are named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-invite-'));
  const db = join(dir, 'pledge.db');
  pledge('token', 'create', '--role', 'admin', '--tenant', 'acme-corp', '--db', db);
  const text = pledge(
    'invite',
    '--email',
    'Jo@Example.com',
    '--role',
    'manager',
    '--tenant',
    'acme-corp',
    '--db',
    db,
    '--base-url',
    'https://pledge.example.com/',
  );
  assert.match(
    text.out,
    /^https:\/\/pledge\.example\.com\/invite\/pledge_i_[A-Za-z0-9_-]{43}\n\(invite for jo@example\.com, role manager, valid until \d{4}-/,
  );
  const made = JSON.parse(
    (
      await pledgeHere(
        'invite',
        '--email',
        'it@acme.example',
        '--role',
        'customer',
        '--customer',
        'acme',
        '--tenant',
        'acme-corp',
        '--db',
        db,
        '--json',
      )
    ).out,
  );
  assert.equal(made.user, 'it_acme.example');
  assert.equal(made.customer, 'acme');
  assert.equal(made.link, made.path);
  const secret = String(made.path).replace('/invite/', '');
  const store = await openStore({ kind: 'sqlite', path: db });
  try {
    const now = Date.now();
    const accepted = await acceptInvite(store, { secret, password: 'a long enough passphrase', now });
    assert.equal(accepted.ok, true);
    assert.equal((await acceptInvite(store, { secret, password: 'a long enough passphrase', now })).ok, false);
    const signedIn = await signIn(store, { email: 'IT@acme.example', password: 'a long enough passphrase', now });
    assert.ok(signedIn.ok && signedIn.login.customer === 'acme' && signedIn.login.role === 'customer');
  } finally {
    await store.close();
  }
  const bad = await pledgeHere('invite', '--email', 'nope', '--role', 'boss', '--customer', 'x', '--tenant', 'missing', '--db', db);
  assert.equal(bad.code, 2);
  for (const option of ['--email', '--role', '--customer', '--tenant']) assert.match(bad.err, new RegExp(`${option}: `));
  const taken = await pledgeHere(
    'invite',
    '--email',
    'jo@example.com',
    '--role',
    'viewer',
    '--user',
    'someone',
    '--tenant',
    'acme-corp',
    '--db',
    db,
  );
  assert.equal(taken.code, 2);
  assert.match(taken.err, /--email: this e-mail signs in to another user/);
});
