/**
 * `pledge ingest --format csv`: ticket exports through a column mapping, into a real SQLite file.
 * Each test's first import, and standard input with --print-events, run as real processes
 * (`pledge`); the others run the same build in this process (`pledgeHere`, test/helpers.ts). Also
 * `pledge sources deliveries`, on a delivery log written through the store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pledge, pledgeHere, root } from './helpers.ts';
import { openStore } from '../src/store/index.ts';
import { parseEvent } from '../src/core/events/parse.ts';

const TICKETS = [
  '--format',
  'csv',
  '--mapping',
  'examples/imports/helpdesk-tickets.mapping.yaml',
  '-f',
  'examples/imports/helpdesk-tickets.csv',
];
const HISTORY = [
  '--format',
  'csv',
  '--mapping',
  'examples/imports/helpdesk-history.mapping.yaml',
  '-f',
  'examples/imports/helpdesk-history.csv',
];

test('the example export and its history go into a fresh database; importing them again finds duplicates', async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'pledge-csv-')), 'pledge.db');
  const first = pledge('ingest', ...TICKETS, '--tenant', 'northwind', '--db', db);
  assert.equal(first.code, 0, first.err);
  assert.equal(first.out, '7 rows read (1 skipped, 0 rejected): 20 events, 20 accepted, 0 duplicates, 0 conflicts, 0 rejected\n');
  const history = JSON.parse((await pledgeHere('ingest', ...HISTORY, '--tenant', 'northwind', '--db', db, '--json')).out);
  assert.deepEqual([history.rows, history.skipped, history.accepted], [6, 1, 5]);
  const again = await pledgeHere('ingest', ...TICKETS, '--tenant', 'northwind', '--db', db, '--json');
  assert.equal(again.code, 0);
  const summary = JSON.parse(again.out);
  assert.deepEqual(
    [summary.format, summary.rows, summary.received, summary.accepted, summary.duplicates, summary.problems],
    ['csv', 7, 20, 0, 20, []],
  );
  const store = await openStore({ kind: 'sqlite', path: db });
  try {
    assert.equal(await store.countEvents('northwind'), 25);
    const t = await store.ticketEvents('northwind', 'helpdesk', '4101');
    assert.deepEqual(
      t.map((e) => e.id),
      [
        '4101:created',
        '4101:responded',
        '4101:status_changed:2026-03-02T09:30:00Z',
        '4101:status_changed:2026-03-02T10:15:00Z',
        '4101:resolved',
        '4101:closed',
        '4101:satisfaction',
      ],
    );
    const created = t[0]!.payload;
    assert.deepEqual(
      [created.customer, created.service, created.priority, created.at, created.source],
      ['globex', 'email', 'P2', '2026-03-02T09:14:05+01:00', 'helpdesk'],
    );
  } finally {
    await store.close();
  }
});

test('bad rows are reported by line and column and not stored; the good rows are; --all-or-nothing stores none', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-csv-'));
  const db = join(dir, 'pledge.db');
  const lines = readFileSync(join(root, 'examples/imports/helpdesk-tickets.csv'), 'utf8').split('\r\n');
  // Line 5 (ticket 4103) gets an impossible creation date, line 8 (ticket 4106) an unknown priority.
  const bad = lines
    .map((l) => l.replace('2026-03-03 07:55:00', '2026-02-30 07:55:00').replace('Open,Low,Incident', 'Open,Whenever,Incident'))
    .join('\r\n');
  writeFileSync(join(dir, 'export.csv'), bad);
  const args = [
    'ingest',
    '--format',
    'csv',
    '--mapping',
    'examples/imports/helpdesk-tickets.mapping.yaml',
    '-f',
    join(dir, 'export.csv'),
    '--db',
    db,
  ];
  const none = pledge(...args, '--all-or-nothing');
  assert.equal(none.code, 2);
  assert.match(none.out, /7 rows read \(1 skipped, 2 rejected\): 0 events, 0 accepted, .*, 14 not written \(all-or-nothing\)/);
  const r = await pledgeHere(...args);
  assert.equal(r.code, 2);
  const problems = r.err.trim().split('\n');
  assert.deepEqual(problems, [
    `${join(dir, 'export.csv')}:5: rejected: column "Created at": impossible date or time (expected yyyy-MM-dd HH:mm:ss, got "2026-02-30 07:55:00")`,
    `${join(dir, 'export.csv')}:8: rejected: column "Priority": a value the mapping's fields.priority.map does not name (add it to the map, or set unmapped: keep) (expected one of "Urgent", "High", "Normal", "Low", got "Whenever")`,
  ]);
  assert.equal(r.out, '7 rows read (1 skipped, 2 rejected): 14 events, 14 accepted, 0 duplicates, 0 conflicts, 0 rejected\n');
  const store = await openStore({ kind: 'sqlite', path: db });
  try {
    assert.equal(await store.countEvents('default'), 14);
    assert.deepEqual(await store.ticketEvents('default', 'helpdesk', '4103'), []);
  } finally {
    await store.close();
  }
  // The same ticket changed in a later export: the stored fact stays, the change is a conflict.
  writeFileSync(
    join(dir, 'later.csv'),
    lines.map((l) => l.replace('"Outbound mail delayed', '"Outbound mail delayed (again)')).join('\r\n'),
  );
  const later = JSON.parse(
    (
      await pledgeHere(
        'ingest',
        '--format',
        'csv',
        '--mapping',
        'examples/imports/helpdesk-tickets.mapping.yaml',
        '-f',
        join(dir, 'later.csv'),
        '--db',
        db,
        '--json',
      )
    ).out,
  );
  assert.deepEqual([later.accepted, later.conflicts], [6, 1]);
  assert.match(later.problems[0], /later\.csv:2: conflict: the event "4101:created" is stored already with other content/);
});

test('a bad mapping, a missing mapping or a header that does not fit: exit 2 with the field path, nothing written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-csv-'));
  const db = join(dir, 'pledge.db');
  writeFileSync(
    join(dir, 'm.yaml'),
    'source: desk\nlayout: ticket-per-row\nticket: Ticket ID\nevents:\n  created: { column: Created at, formt: iso }\n',
  );
  let r = pledge('ingest', '--format', 'csv', '--mapping', join(dir, 'm.yaml'), '-f', 'examples/imports/helpdesk-tickets.csv', '--db', db);
  assert.equal(r.code, 2);
  assert.equal(
    r.err,
    `pledge: ${join(dir, 'm.yaml')}:5:34: events.created.formt: unknown field; did you mean "format"? (expected one of column, elapsed, unit, format, timezone, timezoneColumn, by, got "formt")\n`,
  );
  r = await pledgeHere('ingest', '--format', 'csv', '-f', 'examples/imports/helpdesk-tickets.csv', '--db', db);
  assert.equal(r.code, 2);
  assert.match(r.err, /--mapping: required with --format csv/);
  r = await pledgeHere('ingest', '--format', 'xml', '-f', 'x', '--db', db);
  assert.match(r.err, /--format: not a format ingest reads \(expected ndjson or csv, got "xml"\)/);
  r = await pledgeHere(
    'ingest',
    '--format',
    'csv',
    '--mapping',
    join(dir, 'nope.yaml'),
    '-f',
    'examples/imports/helpdesk-tickets.csv',
    '--db',
    db,
  );
  assert.equal(r.code, 2);
  assert.match(r.err, /--mapping: cannot read the file: no such file/);
  writeFileSync(
    join(dir, 'm.yaml'),
    'source: desk\nlayout: ticket-per-row\ntime: { timezone: Europe/Berlin }\nticket: Ticket ID\nevents:\n  created: Created at\n  resolved: Resolved at\n',
  );
  r = await pledgeHere(
    'ingest',
    '--format',
    'csv',
    '--mapping',
    join(dir, 'm.yaml'),
    '-f',
    'examples/imports/helpdesk-tickets.csv',
    '--db',
    db,
    '--json',
  );
  assert.equal(r.code, 2);
  const err = JSON.parse(r.err);
  assert.equal(err.error.code, 'invalid_input');
  assert.equal(err.error.issues[0].path, 'events.resolved');
  assert.match(
    err.error.issues[0].message,
    /^no column "Resolved at" in the header of examples\/imports\/helpdesk-tickets\.csv; did you mean "Solved at"\?/,
  );
  const store = await openStore({ kind: 'sqlite', path: db });
  try {
    assert.equal(await store.countEvents('default'), 0);
  } finally {
    await store.close();
  }
});

test('--print-events writes the events as NDJSON from standard input, storing nothing; --help explains the options', async () => {
  const r = spawnSync(
    process.execPath,
    [
      'bin/pledge.js',
      'ingest',
      '--format',
      'csv',
      '--mapping',
      'examples/imports/helpdesk-tickets.mapping.yaml',
      '-f',
      '-',
      '--print-events',
    ],
    {
      cwd: root,
      encoding: 'utf8',
      input: readFileSync(join(root, 'examples/imports/helpdesk-tickets.csv')),
    },
  );
  assert.equal(r.status, 0, r.stderr);
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(events.length, 20);
  assert.ok(events.every((e) => parseEvent(e).ok));
  assert.equal(r.stderr, '7 rows read (1 skipped, 0 rejected): 20 events printed, nothing stored\n');
  const help = (await pledgeHere('ingest', '--help')).out;
  for (const word of [
    '--format <format>',
    '--mapping <file>',
    '--print-events',
    'Importing ticket exports',
    'helpdesk-tickets.mapping.yaml',
  ])
    assert.ok(help.includes(word), word);
});

test("a row naming another customer for a ticket is a conflict that says whose the ticket is; the row's other events are stored", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-csv-'));
  const db = join(dir, 'pledge.db');
  assert.equal(pledge('ingest', ...TICKETS, '--db', db).code, 0);
  // A history export that names the organisation on each change: 4101 is Globex's ticket.
  writeFileSync(
    join(dir, 'history.csv'),
    [
      'Ticket ID,Changed at,Field,New value,Organization',
      '4101,2026-03-02T10:30:00+01:00,Status,Pending,initech',
      '4101,2026-03-02T11:15:00+01:00,Status,Open,globex',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'history.yaml'),
    [
      'source: helpdesk',
      'layout: event-per-row',
      'ticket: Ticket ID',
      'at: Changed at',
      'type: { column: Field, map: { Status: ticket.status_changed } }',
      'fields:',
      '  status: New value',
      '  customer: Organization',
    ].join('\n'),
  );
  const r = await pledgeHere(
    'ingest',
    '--format',
    'csv',
    '--mapping',
    join(dir, 'history.yaml'),
    '-f',
    join(dir, 'history.csv'),
    '--db',
    db,
  );
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    /history\.csv:2: conflict: ticket "4101" of source "helpdesk" belongs to customer "globex", and this event names customer "initech": a ticket never changes owner/,
  );
  assert.match(r.out, /2 rows read \(0 skipped, 0 rejected\): 2 events, 1 accepted, 0 duplicates, 1 conflicts, 0 rejected/);
});

test('pledge sources backfill: a desk export through the webhook mapping; again, duplicates; a record that does not map is named by index and payload field', async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'pledge-backfill-')), 'pledge.db');
  const args = [
    'sources',
    'backfill',
    'zendesk',
    'examples/sources/zendesk-deliveries.json',
    '--customer',
    'acme',
    '--tenant',
    'northwind',
    '--db',
    db,
    '--json',
  ];
  const first = pledge(...args);
  assert.equal(first.code, 0, first.err);
  assert.deepEqual(JSON.parse(first.out).summary, {
    records: 6,
    recordsRejected: 0,
    skipped: 0,
    events: 6,
    accepted: 6,
    duplicates: 0,
    conflicts: 0,
    rejected: 0,
  });
  const again = JSON.parse((await pledgeHere(...args)).out).summary;
  assert.deepEqual([again.accepted, again.duplicates], [0, 6]);
  // The desk's own export of the same history (Zendesk's ticket_events) meets the deliveries as duplicates.
  const fromExport = await pledgeHere(
    ...['sources', 'backfill', 'zendesk', 'examples/sources/zendesk-ticket-events.json', '--format', 'export'],
    ...['--customer', 'acme', '--tenant', 'northwind', '--db', db, '--json'],
  );
  assert.equal(fromExport.code, 0, fromExport.err);
  const exported = JSON.parse(fromExport.out).summary;
  // 7 deliveries it stands for: the private note is left out (skipped), the 6 others are stored already.
  assert.deepEqual([exported.records, exported.skipped, exported.events, exported.accepted, exported.duplicates], [7, 1, 6, 0, 6]);
  const store = await openStore({ kind: 'sqlite', path: db });
  try {
    const t = await store.ticketEvents('northwind', 'zendesk', '5158');
    assert.deepEqual(
      t.map((e) => e.type),
      ['ticket.created', 'ticket.priority_changed', 'ticket.responded', 'ticket.status_changed', 'ticket.resolved', 'ticket.reopened'],
    );
    assert.equal(t[0]!.payload.customer, 'acme');
  } finally {
    await store.close();
  }
  const dir = mkdtempSync(join(tmpdir(), 'pledge-backfill-'));
  const records = JSON.parse(readFileSync(join(root, 'examples/sources/zendesk-deliveries.json'), 'utf8'));
  records[1].time = 'later';
  writeFileSync(join(dir, 'bad.json'), JSON.stringify(records));
  const bad = await pledgeHere('sources', 'backfill', 'zendesk', join(dir, 'bad.json'), '--tenant', 'northwind', '--db', db, '--json');
  assert.equal(bad.code, 1);
  const out = JSON.parse(bad.out);
  assert.equal(out.summary.recordsRejected, 1);
  assert.equal(out.problems[0].path, '[1] payload field "time"');
});

test('pledge sources deliveries: a source delivery log newest first, as text and --json, --limit; an unknown source is named', async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'pledge-deliveries-')), 'pledge.db');
  const store = await openStore({ kind: 'sqlite', path: db });
  const at = Date.UTC(2026, 11, 9, 10);
  try {
    await store.createTenant({ id: 'northwind', name: 'Northwind', createdAt: at });
    await store.putSource('northwind', { id: 'desk', vendor: 'github', hook: 'src_cli_test', config: {}, at, by: 'jo' });
    const entry = { accepted: 0, duplicates: 0, rejected: 0 };
    await store.appendSourceDeliveryLog(
      'northwind',
      'desk',
      { at, delivery: null, outcome: 'refused', status: 401, ...entry, detail: 'bad signature: X-Hub-Signature-256 does not match' },
      100,
    );
    await store.appendSourceDeliveryLog(
      'northwind',
      'desk',
      { at: at + 60_000, delivery: 'g-1', outcome: 'stored', status: 200, ...entry, accepted: 2, detail: '' },
      100,
    );
  } finally {
    await store.close();
  }
  const where = ['--tenant', 'northwind', '--db', db];
  const text = await pledgeHere('sources', 'deliveries', 'desk', ...where);
  assert.equal(text.code, 0, text.err);
  assert.equal(
    text.out,
    '2026-12-09T10:01:00.000Z stored    200 g-1 accepted 2, duplicates 0, rejected 0\n' +
      '2026-12-09T10:00:00.000Z refused   401 - — bad signature: X-Hub-Signature-256 does not match\n',
  );
  const json = JSON.parse((await pledgeHere('sources', 'deliveries', 'desk', ...where, '--limit', '1', '--json')).out);
  assert.deepEqual(
    json.items.map((e: { outcome: string; delivery: string | null }) => [e.outcome, e.delivery]),
    [['stored', 'g-1']],
  );
  const list = await pledgeHere('sources', 'list', ...where, '--json');
  assert.deepEqual(JSON.parse(list.out).items[0].lastDelivery, {
    at: '2026-12-09T10:01:00.000Z',
    outcome: 'stored',
    status: 200,
    detail: '',
  });
  const unknown = await pledgeHere('sources', 'deliveries', 'nope', ...where);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.err, /no source nope/);
  const badLimit = await pledgeHere('sources', 'deliveries', 'desk', ...where, '--limit', '0');
  assert.notEqual(badLimit.code, 0);
  assert.match(badLimit.err, /--limit/);
});
