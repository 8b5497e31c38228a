/**
 * `pledge validate`, `explain` and `check` on the example agreements and on broken files. Each
 * test's first command (and check's exit 1) runs as a real process (`pledge`); the others run the
 * same build in this process (`pledgeHere`, test/helpers.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, copyFileSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { pledge, pledgeHere } from './helpers.ts';
import { epochInstants } from './http/documented.ts';
import { openStore } from '../src/store/index.ts';
import { addVersion } from '../src/core/agreements/lifecycle/index.ts';
import { unwrap } from '../src/core/validation/issues.ts';

test('validate: every example is valid', async () => {
  const r = pledge('validate', 'examples/agreements');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /10 files, 0 problems/);
  const j = JSON.parse((await pledgeHere('validate', 'examples/agreements', '--json')).out);
  assert.equal(j.valid, true);
  assert.equal(j.agreements.length, 10);
});

test('validate: every problem in every file at once, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-agr-'));
  writeFileSync(join(dir, 'one.yaml'), 'id: one\nname: One\nkind: sla\nparties:\n  provider: { id: p, name: P }\ntargts: []\n');
  writeFileSync(
    join(dir, 'two.yaml'),
    'id: two\nname: Two\nkind: sla\nparties:\n  provider: { id: p, name: P }\ntargets:\n  - { id: up, metric: availability, value: 99.9, window: fortnight }\n',
  );
  writeFileSync(join(dir, 'three.json'), '{"id": "three", ');
  const r = pledge('validate', dir);
  assert.equal(r.code, 2);
  assert.match(r.err, /one\.yaml:6:1: targts: unknown field; did you mean "targets"\?/);
  assert.match(r.err, /two\.yaml:7:58: targets\[0\]\.window: /);
  assert.match(r.err, /three\.json:1:\d+: not valid YAML or JSON/);
  assert.match(r.out, /3 files, 3 problems/);
});

test('validate: parents, cycles, inherited references and calendars are checked across files, each at its line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-chain-'));
  for (const f of ['corporate.yaml', 'enterprise-customer.yaml'])
    writeFileSync(
      join(dir, f),
      readFileSync(join('examples/agreements', f), 'utf8').replace('../calendars/', join(process.cwd(), 'examples/calendars/')),
    );
  const head = (id: string, parent: string) =>
    `id: ${id}\nname: ${id}\nkind: sla\nlevel: service\nparent: ${parent}\nparties:\n  provider: { id: northwind, name: N }\n  customer: { id: globex, name: G }\nservices: [${id}]\n`;
  writeFileSync(join(dir, 'typo-parent.yaml'), head('chat', 'globex-enterprse'));
  writeFileSync(
    join(dir, 'inherits.yaml'),
    `${head('web', 'globex-enterprise')}targets:\n  - { id: resolution, metric: resolution_time, value: 90, calendar: ofice }\n`,
  );
  writeFileSync(join(dir, 'calendar.yaml'), `${head('ftp', 'globex-enterprise')}calendars: { night: ./no-such-calendar.yaml }\n`);
  const r = pledge('validate', dir);
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    /typo-parent\.yaml:5:9: parent: the parent agreement "globex-enterprse" is not in the portfolio; did you mean "globex-enterprise"\?/,
  );
  assert.match(
    r.err,
    /inherits\.yaml:11:69: targets\[0\]\.calendar: in the effective terms of northwind-corporate \+ globex-enterprise \+ web: no calendar with this name; did you mean "office"\?/,
  );
  assert.match(r.err, /calendar\.yaml:10:21: calendars\.night: the calendar "\.\/no-such-calendar\.yaml" cannot be used: .*no such file/);
  assert.match(r.out, /5 files, 3 problems/);
  assert.doesNotMatch(r.out, /ok {2}.*typo-parent/);
  assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  // A file given alone finds its parents in its folder, as settle does.
  const alone = await pledgeHere('validate', 'examples/agreements/enterprise-email-service.yaml');
  assert.equal(alone.code, 0, alone.err);
  assert.match(alone.out, /1 file, 0 problems/);
});

test('explain: effective terms with the level each came from', async () => {
  const r = pledge('explain', 'examples/agreements', '--customer', 'globex', '--service', 'email');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Layers: northwind-corporate \(corporate\) <- globex-enterprise \(customer\) <- globex-email \(service\)/);
  assert.match(r.out, /support\.channels\[phone\]\.plans +\["enterprise"\] +from globex-enterprise \(customer\)/);
  assert.match(r.out, /support\.channels\[chat\]\.hours +24x7 +from northwind-corporate \(corporate\)/);
  const j = JSON.parse((await pledgeHere('explain', 'examples/agreements', '--customer', 'globex', '--service', 'email', '--json')).out);
  assert.equal(j.terms.targets.find((t: { id: string }) => t.id === 'response').value, 95);
  const none = await pledgeHere('explain', 'examples/agreements', '--customer', 'acme', '--service', 'nothing');
  assert.equal(none.code, 0); // the corporate level covers every customer and service
  assert.match(none.out, /Layers: northwind-corporate \(corporate\)\n/);
});

test('explain says what each availability target allows, in the form its agreement states it', async () => {
  // The fine example states "52 min 36 s a year": a fixed allowance, whatever the year's length.
  const fine = pledge('explain', 'examples/agreements', '--customer', 'umbrella', '--service', 'cloud-pbx');
  assert.equal(fine.code, 0, fine.err);
  assert.match(fine.out, /targets\[uptime\]\.allowance +52m36s +from umbrella-pbx-uptime \(service\)/);
  assert.match(fine.out, /\nDowntime allowed:\n {2}uptime: at most 52m 36s of downtime a year, however long the year \(a fixed allowance/);
  // A bare percentage: the share of each real month, the same figures settlement uses.
  const pct = await pledgeHere('explain', 'examples/agreements', '--customer', 'acme', '--service', 'checkout');
  assert.match(
    pct.out,
    /uptime: 99\.95% of the time measured in each month: downtime up to 20m 9\.6s in 28 days, 21m 36s in 30 days, 22m 19\.2s in 31 days/,
  );
  const j = JSON.parse(
    (await pledgeHere('explain', 'examples/agreements', '--customer', 'umbrella', '--service', 'cloud-pbx', '--json')).out,
  );
  assert.deepEqual(
    j.downtime.map((d: { target: string; form: string; allowance: string | null }) => [d.target, d.form, d.allowance]),
    [['uptime', 'fixed', '52m36s']],
  );
});

test('check: the examples pass; a broken chain fails with the numbers, exit 1', () => {
  const ok = pledge('check', 'examples/agreements', '--all');
  assert.equal(ok.code, 0, ok.out + ok.err);
  assert.match(ok.out, /2h \(ola-network#p1-restore\) \+ 1h \(uc-cloud#p1-response\) = 3h fits within 4h/);
  const dir = mkdtempSync(join(tmpdir(), 'pledge-chk-'));
  for (const f of readdirSync('examples/agreements')) copyFileSync(join('examples/agreements', f), join(dir, f));
  writeFileSync(
    join(dir, 'uc-cloud.yaml'),
    'id: uc-cloud\nname: Cloud\nkind: uc\nparties:\n  provider: { id: n, name: N }\nservices: [compute]\ntargets:\n  - { id: uptime, metric: availability, value: 99.9 }\n  - { id: p1-response, metric: response_time, value: 99, clock: { byPriority: { P1: 3h } } }\n',
  );
  const bad = pledge('check', dir);
  assert.equal(bad.code, 1);
  assert.match(
    bad.out,
    /FAIL {2}acme-checkout#uptime promises 99\.95% but its serial dependencies allow at most 99\.995% x 99\.9% = 99\.895%/,
  );
  assert.match(
    bad.out,
    /FAIL {2}acme-checkout#p1-resolution for P1: 2h \(ola-network#p1-restore\) \+ 3h \(uc-cloud#p1-response\) = 5h does not fit within 4h/,
  );
});

test('diff: what an amendment changes; reviews: overdue reviews and expiring evidence', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-diff-'));
  const text = readFileSync('examples/agreements/enterprise-email-service.yaml', 'utf8');
  writeFileSync(
    join(dir, 'new.yaml'),
    text.replace('value: 99.9\n', 'value: 99.95\n').replace('{ below: 99.0, credit: 25% }', '{ below: 99.0, credit: 30% }'),
  );
  const d = pledge('diff', 'examples/agreements/enterprise-email-service.yaml', join(dir, 'new.yaml'));
  assert.equal(d.code, 0, d.err);
  assert.match(d.out, /~ targets\[uptime\]\.value: 99\.9 -> 99\.95/);
  assert.match(d.out, /~ penalties\.rules\[0\]\.tiers\[1\]\.credit: "25%" -> "30%"/);
  assert.equal((await pledgeHere('diff', 'examples/agreements/uc-cloud.yaml', 'examples/agreements/uc-cloud.yaml')).out, 'no changes\n');
  const r = JSON.parse((await pledgeHere('reviews', 'examples/agreements', '--today', '2027-03-15', '--json')).out);
  assert.ok(r.overdue.some((x: { agreementId: string; due: string }) => x.agreementId === 'northwind-corporate' && x.due === '2027-01-15'));
  assert.deepEqual(
    r.evidence.map((e: { securityId: string; daysLeft: number }) => `${e.securityId}:${e.daysLeft}`),
    ['iso27001:16'],
  );
  assert.equal((await pledgeHere('reviews', 'examples/agreements', '--today', '2027-02-30')).code, 2);
});

test('diff: a file against a stored version, and two stored versions; bad versions and databases are named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-vdiff-'));
  const db = join(dir, 'pledge.db');
  const file = 'examples/agreements/uptime-fine.yaml';
  const v1 = JSON.parse(JSON.stringify(parse(readFileSync(file, 'utf8'))));
  const v2 = structuredClone(v1);
  v2.targets[0].value = 99.95;
  const store = await openStore({ kind: 'sqlite', path: db });
  try {
    await store.createTenant({ id: 'default', name: 'default', createdAt: 0 });
    const created = await store.createAgreement('default', { id: v1.id, document: v1, createdAt: 0, createdBy: 'ann' });
    assert.equal(created.status, 'created');
    let versions = unwrap(addVersion([], { effective: 1_000, document: v1, createdAt: 1_000, createdBy: 'ann' }));
    versions = unwrap(addVersion(versions, { effective: 2_000, document: v2, createdAt: 2_000, createdBy: 'ann' }));
    const current = (await store.getAgreement('default', v1.id))!;
    const r = await store.updateAgreement('default', v1.id, current.etag, { document: v2, versions, at: 2_000, by: 'ann' });
    assert.equal(r.status, 'updated');
  } finally {
    await store.close();
  }
  // The file (as written: 99.99) against version 2 (99.95).
  const fv = pledge('diff', file, '--stored', '2', '--db', db);
  assert.equal(fv.code, 0, fv.err);
  assert.equal(fv.out, `umbrella-pbx-uptime: version 2 -> ${file}\n~ targets[uptime].value: 99.95 -> 99.99\n`);
  assert.equal(
    (await pledgeHere('diff', file, '--stored', '1', '--db', db)).out,
    `umbrella-pbx-uptime: version 1 -> ${file}\nno changes\n`,
  );
  const vv = JSON.parse(
    (await pledgeHere('diff', '--agreement', 'umbrella-pbx-uptime', '--from', '1', '--to', '2', '--db', db, '--json')).out,
  );
  assert.deepEqual(vv.changes, [{ path: 'targets[uptime].value', kind: 'changed', before: 99.99, after: 99.95 }]);
  for (const [args, message] of [
    [
      [file, '--stored', '3', '--db', db],
      /--stored: agreement umbrella-pbx-uptime: no such version \(expected a version from 1 to 2, got 3\)/,
    ],
    [
      ['--agreement', 'umbrella-pbx-uptime', '--from', '1', '--to', '9', '--db', db],
      /--to: agreement umbrella-pbx-uptime: no such version/,
    ],
    [
      ['--agreement', 'nobody', '--from', '1', '--to', '2', '--db', db],
      /--agreement: no agreement nobody in tenant default, nor in any other tenant of this database/,
    ],
    [[file, '--stored', 'two', '--db', db], /--stored: expected a version number/],
    [[file, '--stored', '1', '--db', join(dir, 'typo.db')], /--db: no database at this path/],
    [[file], /<new>: expected a second agreement file/],
  ] as const) {
    const bad = await pledgeHere('diff', ...args);
    assert.equal(bad.code, 2, args.join(' '));
    assert.match(bad.err, message);
  }
  assert.equal(existsSync(join(dir, 'typo.db')), false, 'a mistyped database is not created');
});

test('review: recording a review in the database (who, when, outcome, notes) moves the next review date', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-review-'));
  const db = join(dir, 'pledge.db');
  const applied = pledge('apply', '-f', 'examples/agreements/uptime-fine.yaml', 'examples/agreements/sla-checkout.yaml', '--db', db);
  assert.equal(applied.code, 0, applied.err);
  // Both terms start on 2026-01-01: a yearly review is due on 2027-01-01.
  const before = JSON.parse((await pledgeHere('reviews', '--db', db, '--today', '2027-01-20', '--json')).out);
  assert.deepEqual(before.overdue.map((r: { agreementId: string; due: string }) => `${r.agreementId}:${r.due}`).sort(), [
    'acme-checkout:2027-01-01',
    'umbrella-pbx-uptime:2027-01-01',
  ]);
  const rec = await pledgeHere(
    'review',
    'umbrella-pbx-uptime',
    '--outcome',
    'kept',
    '--by',
    'Jo Vendor',
    '--at',
    '2026-02-10',
    '--notes',
    'targets still realistic',
    '--db',
    db,
  );
  assert.equal(rec.code, 0, rec.err);
  assert.equal(
    rec.out,
    'umbrella-pbx-uptime: review of 2026-02-10 by Jo Vendor recorded (kept); 1 review on record; next review due 2027-02-10\n',
  );
  const after = JSON.parse((await pledgeHere('reviews', '--db', db, '--today', '2027-01-20', '--json')).out);
  assert.deepEqual(
    after.overdue.map((r: { agreementId: string }) => r.agreementId),
    ['acme-checkout'],
  );
  const umbrella = after.reviews.find((r: { agreement: string }) => r.agreement === 'umbrella-pbx-uptime');
  assert.equal(umbrella.due, '2027-02-10');
  assert.deepEqual(umbrella.lastReview, { at: '2026-02-10', by: 'Jo Vendor', outcome: 'kept', notes: 'targets still realistic' });
  assert.match(
    (await pledgeHere('reviews', '--db', db, '--today', '2027-01-20')).out,
    /2027-02-10 {2}umbrella-pbx-uptime \(Northwind service manager\); last reviewed 2026-02-10 by Jo Vendor \(kept\)/,
  );
  for (const [args, message] of [
    [
      ['umbrella-pbx-uptime', '--outcome', 'ok', '--by', 'ann', '--at', '2026-03-01'],
      /--outcome: not a review outcome \(expected one of kept, amended, got "ok"\)/,
    ],
    [
      ['umbrella-pbx-uptime', '--outcome', 'kept', '--by', 'ann', '--at', '2026-01-05'],
      /--at: .*before the last recorded review \(2026-02-10\)/,
    ],
    [['umbrella-pbx-uptime', '--outcome', 'kept', '--by', 'ann', '--at', '2026-02-30'], /--at: impossible date/],
    [
      ['umbrella-pbx-uptime', '--outcome', 'kept', '--by', 'ann', '--at', '2999-01-01'],
      /--at: a review is recorded once it has been held: the date is in the future/,
    ],
    [
      ['umbrella-pbx-uptime', '--outcome', 'amended', '--by', 'ann', '--at', '2026-03-01', '--amendment', '4'],
      /--amendment: agreement umbrella-pbx-uptime has no version 4/,
    ],
    [['nobody', '--outcome', 'kept', '--by', 'ann'], /<agreement>: no agreement nobody/],
  ] as const) {
    const bad = await pledgeHere('review', ...args, '--db', db);
    assert.equal(bad.code, 2, args.join(' '));
    assert.match(bad.err, message);
  }
  assert.equal((await pledgeHere('reviews', '--db', join(dir, 'nope.db'))).code, 2);
});

test('settle: a billing period from files, with amounts, due dates and reasons', async () => {
  const args = [
    'settle',
    '--agreement',
    'examples/agreements/sla-checkout.yaml',
    '--events',
    'examples/events/portfolio-2026-h2.ndjson',
    '--period',
    '2026-10',
    '--now',
    '2026-11-15T00:00:00Z',
  ];
  const r = pledge(...args);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Settlement of acme-checkout \(Acme checkout service\) for 2026-10, UTC/);
  assert.match(r.out, /uptime +USD 150\.00 +service credit, with the next invoice/);
  const j = JSON.parse((await pledgeHere(...args, '--json')).out);
  assert.equal(j.settlement.totals[0].amountMinor, 15_000);
  assert.equal(j.measured[0].state, 'breached');
  // Instants as ISO 8601, as in the API's answers: the period, the grace window, the contract year.
  assert.deepEqual(epochInstants(j), []);
  assert.equal(j.settlement.period.from, '2026-10-01T00:00:00.000Z');
  // A parent chain is read from the agreement's folder.
  const g = JSON.parse(
    (
      await pledgeHere(
        'settle',
        '--agreement',
        'examples/agreements/enterprise-email-service.yaml',
        '--events',
        'examples/events/portfolio-2026-h2.ndjson',
        '--period',
        '2026-12',
        '--now',
        '2027-01-05T00:00:00Z',
        '--json',
      )
    ).out,
  );
  assert.deepEqual(
    g.measured.map((m: { target: string }) => m.target),
    ['response', 'resolution', 'csat', 'uptime'],
  );
  for (const [opt, val, message] of [
    ['--period', '2026-13', /--period: no month 13/],
    ['--period', '30d', /--period: not a billing period/],
    [
      '--period',
      '2026-W10',
      /--period: not a billing period \(expected a month 2026-10, a quarter 2026-Q4 or a year 2026, got "2026-W10"\)/,
    ],
    ['--now', 'yesterday', /--now: not an ISO 8601 date-time/],
    ['--events', 'no/such/events.ndjson', /no\/such\/events\.ndjson: cannot read the file: no such file/],
  ] as const) {
    const bad = await pledgeHere(...args.map((a, i) => (args[i - 1] === opt ? val : a)));
    assert.equal(bad.code, 2, `${opt} ${val}`);
    assert.match(bad.err, message);
    assert.doesNotMatch(bad.err, /\n\s+at |internal error/, 'no stack trace');
  }
});

test('settle with amendments: each period with the version in force when it began', async () => {
  const base = [
    'settle',
    '--agreement',
    'examples/agreements/sla-checkout.yaml',
    'examples/amendments/sla-checkout-v2.yaml',
    '--events',
    'examples/events/portfolio-2026-h2.ndjson',
    '--now',
    '2027-01-20T00:00:00Z',
    '--json',
  ];
  const sep = JSON.parse(pledge(...base, '--period', '2026-09').out);
  const dec = JSON.parse((await pledgeHere(...base, '--period', '2026-12')).out);
  assert.equal(sep.version, 'examples/agreements/sla-checkout.yaml, in force from 2026-01-01');
  assert.equal(dec.version, 'examples/amendments/sla-checkout-v2.yaml, in force from 2026-10-01');
  // September: 99.88% is below the original 99.95% (5%); December: 99.79% is below the amended 99.9% (10%).
  const uptime = (j: { settlement: { lines: Array<{ targetId: string; amount: string; band: { credit: number } }> } }) =>
    j.settlement.lines.find((l) => l.targetId === 'uptime')!;
  assert.deepEqual([uptime(sep).amount, uptime(sep).band.credit], ['USD 150.00', 5]);
  assert.deepEqual([uptime(dec).amount, uptime(dec).band.credit], ['USD 300.00', 10]);
  // Versions of two different agreements are refused.
  const mixed = await pledgeHere(
    'settle',
    '--agreement',
    'examples/agreements/sla-checkout.yaml',
    'examples/agreements/uc-cloud.yaml',
    '--events',
    'examples/events/portfolio-2026-h2.ndjson',
    '--period',
    '2026-10',
  );
  assert.equal(mixed.code, 2);
  assert.match(mixed.err, /--agreement: the files are versions of one agreement, but name 2 ids: acme-checkout, uc-cloud/);
});

test('backtest: how often proposed targets would have been breached, and what they would have cost', async () => {
  const j = JSON.parse(
    pledge(
      'backtest',
      'examples/agreements/sla-checkout.yaml',
      '--events',
      'examples/events/portfolio-2026-h2.ndjson',
      '--from',
      '2026-07-01',
      '--to',
      '2027-01-01',
      '--json',
    ).out,
  );
  const up = j.targets.find((t: { target: string }) => t.target === 'uptime');
  assert.equal(up.windows, 6);
  assert.deepEqual(up.breachedWindows, ['2026-07', '2026-08', '2026-09', '2026-10', '2026-12']);
  // 5% of the fee for September, October and December; the 60 days' grace from 1 July end on
  // 29 August, so of August only its last two days are charged (5% of USD 3,000 x 2/31 = USD 9.68).
  assert.equal(up.owed[0].amount, 'USD 459.68');
  const text = (
    await pledgeHere(
      'backtest',
      'examples/agreements/printer-support.yaml',
      '--events',
      'examples/events/portfolio-2026-h2.ndjson',
      '--from',
      '2026-07-01',
      '--to',
      '2027-01-01',
    )
  ).out;
  assert.match(text, /fix-rural +2 of 2 windows breached/);
  const back = await pledgeHere(
    'backtest',
    'examples/agreements/sla-checkout.yaml',
    '--events',
    'examples/events/portfolio-2026-h2.ndjson',
    '--from',
    '2027-01-01',
    '--to',
    '2026-07-01',
  );
  assert.equal(back.code, 2);
  assert.match(
    back.err,
    /--to: the range must end after it starts \(--to is the day after the last\) \(expected a date after 2027-01-01, got "2026-07-01"\)/,
  );
});

test('output piped into a reader that stops early (| head) ends quietly, without a stack trace', async () => {
  const { spawn } = await import('node:child_process');
  // Many files, one line each: the reader is gone long before the last line is written.
  const dir = mkdtempSync(join(tmpdir(), 'pledge-pipe-'));
  for (let i = 0; i < 3000; i++)
    writeFileSync(join(dir, `a${i}.yaml`), `id: a${i}\nname: A${i}\nkind: sla\nparties:\n  provider: { id: p, name: P }\n`);
  const child = spawn(process.execPath, ['bin/pledge.js', 'validate', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += String(d)));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((done) => child.on('close', done));
  assert.doesNotMatch(err, /EPIPE|\n\s+at /);
  assert.equal(code, 0);
});

test('import openslo and export openslo: the example files, the report on standard error, bad input exit 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-openslo-'));
  const out = join(dir, 'checkout.yaml');
  // A real process: the YAML to --out, the report to standard error.
  const r = pledge(
    'import',
    'openslo',
    'examples/openslo/checkout-slos.yaml',
    '--provider',
    'northwind',
    '--provider-name',
    'Northwind Services',
    '--out',
    out,
  );
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, '');
  assert.match(r.err, /no_equivalent +AlertPolicy\/checkout-fast-burn: /);
  const committed = readFileSync('examples/openslo/checkout-agreement.yaml', 'utf8').replace(/^(#.*\n)+/, '');
  assert.equal(readFileSync(out, 'utf8'), committed);
  assert.equal((await pledgeHere('validate', out)).code, 0);

  const exported = await pledgeHere('export', 'openslo', out, '--json');
  assert.equal(exported.code, 0, exported.err);
  const j = JSON.parse(exported.out);
  assert.deepEqual(
    j.documents.map((d: { kind: string; metadata: { name: string } }) => `${d.kind}/${d.metadata.name}`),
    ['Service/checkout', 'SLO/checkout-availability', 'SLO/checkout-availability-28d'],
  );
  assert.deepEqual(j.report, []);
  const yaml = await pledgeHere('export', 'openslo', 'examples/agreements/sla-checkout.yaml');
  assert.equal(yaml.code, 0, yaml.err);
  assert.match(yaml.err, /targets\[[^\]]+\] metric: availability is measured from Pledge's events/);

  const imported = JSON.parse(
    (await pledgeHere('import', 'openslo', 'examples/openslo/spec/budgeting-method-ratio-timeslices.yaml', '--json')).out,
  );
  assert.equal(imported.agreements[0].targets[0].window, '14d');
  assert.ok(imported.report.some((g: { path: string }) => g.path === 'spec.budgetingMethod'));

  writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: openslo/v1\nkind: SLO\nmetadata: { name: a }\nspec:\n  service: s\n  objectivs: []\n');
  const bad = await pledgeHere('import', 'openslo', join(dir, 'bad.yaml'), '--kind', 'contract');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--kind: unknown kind/);
  assert.match(bad.err, /bad\.yaml:6:3: \[0\]\.spec\.objectivs: unknown field; did you mean "objectives"\?/);
});
