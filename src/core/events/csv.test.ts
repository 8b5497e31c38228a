/** CSV ticket exports to events: the mapping file, the rows, the ids, the problems. Pure. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parseCsvMapping, type CsvMapping } from './csv-mapping.ts';
import { readCsvText, type RowOutcome } from './csv.ts';
import { parseEvent } from './parse.ts';
import { formatIssue, type Issue } from '../validation/issues.ts';
import type { Timed } from './schema.ts';

function mapping(yaml: string): CsvMapping {
  const r = parseCsvMapping(yaml, 'mapping.yaml');
  if (!r.ok) throw new Error(r.issues.map(formatIssue).join('\n'));
  return r.value;
}
function mappingIssues(yaml: string): string[] {
  const r = parseCsvMapping(yaml, 'mapping.yaml');
  assert.equal(r.ok, false, 'the mapping should be refused');
  return r.ok ? [] : r.issues.map(formatIssue);
}
const plain = (e: Timed): Record<string, unknown> => {
  const { atMs: _a, ...rest } = e;
  return rest;
};
const mapped = (o: RowOutcome | undefined) => {
  assert.ok(o && o.status === 'mapped', `expected a mapped row, got ${JSON.stringify(o)}`);
  return o.events.map(plain);
};
const rejected = (o: RowOutcome | undefined): Issue[] => {
  assert.ok(o && o.status === 'rejected', `expected a rejected row, got ${JSON.stringify(o)}`);
  return o.issues;
};
const rowAt = (outcomes: RowOutcome[], line: number) => outcomes.find((o) => o.line === line);

const TICKETS = `
source: desk
layout: ticket-per-row
time: { format: yyyy-MM-dd HH:mm, timezone: Europe/Berlin }
ticket: Ticket ID
skip: [{ column: Status, values: [deleted, spam] }]
fields:
  customer: { column: Organization, map: { "Initech, Inc.": initech, Globex: globex } }
  service: { value: email }
  priority: { column: Priority, map: { Urgent: P1, High: P2, Normal: P3, Low: P4 } }
  assignee: Assignee
events:
  created: Created
  responded: { column: First reply, by: Assignee }
  resolved: Solved
  closed: Closed
  satisfaction: { score: CSAT }
attributes:
  subject: Subject
`;

// What a spreadsheet saves as "CSV UTF-8": a byte-order mark, \r\n line ends, quoted cells with
// commas, quotes and line breaks, empty optional cells; one impossible date, one deleted ticket,
// and one ticket created just after Berlin moved its clocks forward.
const EXPORT = [
  '\uFEFFTicket ID,Subject,Status,Priority,Organization,Assignee,Created,First reply,Solved,Closed,CSAT',
  'T-1,"Printer jams, tray 2",Solved,High,"Initech, Inc.",Ben,2026-03-02 09:14,2026-03-02 09:40,2026-03-02 15:02,,4',
  'T-2,"Mail ""bounces""\r\nsince this morning",Open,Urgent,Globex,,2026-03-02 10:00,,,,',
  'T-3,Bad date,Open,Normal,Globex,,2026-02-30 10:00,,,,',
  'T-4,Test,Deleted,Low,Globex,,2026-03-03 08:00,,,,',
  'T-5,After the clock change,Closed,low,Globex,Anna,2026-03-29 03:30,2026-03-30 09:00,2026-03-30 10:00,2026-04-02 09:00,5',
  '',
].join('\r\n');

test('a realistic export: BOM, quoted commas and line breaks, empty optional cells, local times in a zone', () => {
  const { outcomes, fatal, header } = readCsvText(EXPORT, mapping(TICKETS), 'export.csv');
  assert.equal(fatal, undefined);
  assert.equal(header![0], 'Ticket ID', 'the byte-order mark is not part of the first column name');
  assert.deepEqual(
    outcomes.map((o) => [o.line, o.status]),
    [
      [2, 'mapped'],
      [3, 'mapped'],
      [5, 'rejected'],
      [6, 'skipped'],
      [7, 'mapped'],
    ],
  );
  assert.deepEqual(mapped(rowAt(outcomes, 2)), [
    {
      id: 'T-1:created',
      at: '2026-03-02T09:14:00+01:00',
      source: 'desk',
      service: 'email',
      customer: 'initech',
      attributes: { subject: 'Printer jams, tray 2' },
      ticket: 'T-1',
      type: 'ticket.created',
      priority: 'P2',
      assignee: 'Ben',
    },
    { id: 'T-1:responded', at: '2026-03-02T09:40:00+01:00', source: 'desk', ticket: 'T-1', type: 'ticket.responded', by: 'Ben' },
    { id: 'T-1:resolved', at: '2026-03-02T15:02:00+01:00', source: 'desk', ticket: 'T-1', type: 'ticket.resolved', by: 'provider' },
    // No closing time: rated at the resolution.
    {
      id: 'T-1:satisfaction',
      at: '2026-03-02T15:02:00+01:00',
      source: 'desk',
      ticket: 'T-1',
      type: 'ticket.satisfaction',
      score: 4,
      scale: 5,
    },
  ]);
  // Only the creation: the empty cells make no events and no fields.
  const t2 = mapped(rowAt(outcomes, 3));
  assert.deepEqual(
    t2.map((e) => e.id),
    ['T-2:created'],
  );
  assert.equal((t2[0]!.attributes as { subject: string }).subject, 'Mail "bounces"\nsince this morning');
  assert.equal('assignee' in t2[0]!, false);
  assert.equal(t2[0]!.priority, 'P1');
  const t5 = mapped(rowAt(outcomes, 7));
  assert.equal(t5[0]!.at, '2026-03-29T03:30:00+02:00', 'summer time: +02:00');
  assert.equal(t5[0]!.priority, 'P4', 'map keys are matched without case');
  assert.deepEqual(
    t5.map((e) => e.type),
    ['ticket.created', 'ticket.responded', 'ticket.resolved', 'ticket.closed', 'ticket.satisfaction'],
  );
  assert.equal(t5[4]!.at, '2026-04-02T09:00:00+02:00', 'rated at the close');
  const skipped = rowAt(outcomes, 6);
  assert.ok(skipped?.status === 'skipped' && skipped.reason === 'column "Status" is "Deleted" (skip[0])');
});

test('a row with a bad cell is rejected whole, naming the line, the column, what was expected and the value', () => {
  const { outcomes } = readCsvText(EXPORT, mapping(TICKETS), 'export.csv');
  const issues = rejected(rowAt(outcomes, 5));
  assert.deepEqual(issues, [
    { path: 'column "Created"', line: 5, message: 'impossible date or time', expected: 'yyyy-MM-dd HH:mm', received: '"2026-02-30 10:00"' },
  ]);
  assert.equal(
    formatIssue({ ...issues[0]!, line: undefined }),
    'column "Created": impossible date or time (expected yyyy-MM-dd HH:mm, got "2026-02-30 10:00")',
  );

  // Every bad cell of the row is reported, and none of its events is produced.
  const text =
    'Ticket ID,Subject,Status,Priority,Organization,Assignee,Created,First reply,Solved,Closed,CSAT\nT-9,x,Open,Critical,Globex,,2026-03-02 10:00,2026-03-02 9:00,,,great\n';
  const bad = rejected(readCsvText(text, mapping(TICKETS)).outcomes[0]);
  assert.deepEqual(
    bad.map((i) => [i.path, i.message.split(' (')[0], i.received]),
    [
      ['column "Priority"', "a value the mapping's fields.priority.map does not name", '"Critical"'],
      ['column "First reply"', 'not a date-time in the expected format', '"2026-03-02 9:00"'],
      ['column "CSAT"', 'not a number', '"great"'],
    ],
  );
  assert.match(bad[0]!.expected!, /^one of "Urgent", "High", "Normal", "Low"$/);
});

test('ids come from the ticket and the event kind: the same export gives the same events, in any row order', () => {
  const m = mapping(TICKETS);
  const once = readCsvText(EXPORT, m).outcomes;
  const again = readCsvText(EXPORT, mapping(TICKETS)).outcomes;
  assert.deepEqual(again, once);
  const lines = EXPORT.replace(/\r\n$/, '').split('\r\n');
  // T-2 spans two lines; the others are one line each. Reversed, each ticket keeps its events.
  const rows = [lines[1]!, `${lines[2]!}\r\n${lines[3]!}`, lines[4]!, lines[5]!, lines[6]!];
  const reversed = [lines[0]!, ...rows.reverse()].join('\r\n');
  const byId = (os: RowOutcome[]) =>
    new Map(os.flatMap((o) => (o.status === 'mapped' ? o.events.map((e) => [e.id, JSON.stringify(plain(e))] as const) : [])));
  assert.deepEqual(byId(readCsvText(reversed, m).outcomes), byId(once));
  assert.deepEqual(
    [...byId(once).keys()].filter((id) => id.startsWith('T-5')),
    ['T-5:created', 'T-5:responded', 'T-5:resolved', 'T-5:closed', 'T-5:satisfaction'],
  );
});

test('every event of every row passes parseEvent, and no cell content makes the mapper throw', () => {
  const m = mapping(TICKETS);
  const header = 'Ticket ID,Subject,Status,Priority,Organization,Assignee,Created,First reply,Solved,Closed,CSAT';
  const cell = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom(
      '',
      'Urgent',
      'high',
      'Globex',
      '2026-03-02 10:00',
      '2026-03-29 02:30',
      '2026-13-01 10:00',
      '4',
      '4,5',
      '-1',
      'x'.repeat(250),
    ),
  );
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  fc.assert(
    fc.property(fc.array(fc.array(cell, { minLength: 11, maxLength: 11 }), { minLength: 1, maxLength: 5 }), (rows) => {
      const text = [header, ...rows.map((r) => r.map(quote).join(','))].join('\n');
      const { outcomes, fatal } = readCsvText(text, m);
      assert.equal(fatal, undefined);
      for (const o of outcomes) {
        if (o.status === 'mapped') for (const e of o.events) assert.ok(parseEvent(plain(e)).ok, JSON.stringify(e));
        if (o.status === 'rejected') for (const i of o.issues) assert.ok(i.message.length > 0 && i.line === o.line);
      }
    }),
    { numRuns: 300 },
  );
});

test('event-per-row: the type from a column through a map, null skips a row, fields go to the types that have them', () => {
  const m = mapping(`
source: desk
layout: event-per-row
ticket: Key
at: { column: When, format: "dd/MMM/yy h:mm a", timezone: America/New_York }
type:
  column: Field
  map: { status: ticket.status_changed, priority: ticket.priority_changed, comment: null, reopened: ticket.reopened }
fields:
  status: { column: To, map: { "Waiting for customer": waiting_on_customer }, unmapped: keep }
  priority: { column: To, map: { Highest: P1, High: P2 } }
`);
  const text = [
    'Key,Field,From,To,When',
    'SD-7,status,Open,Waiting for customer,12/Mar/26 9:05 AM',
    'SD-7,comment,,"Sent logs, see attachment",12/Mar/26 9:05 AM',
    'SD-7,priority,Medium,Highest,12/Mar/26 1:30 PM',
    'SD-7,status,Waiting for customer,In Progress,12/Mar/26 1:30 PM',
    'SD-7,status,In Progress,Done,12/Mar/26 1:30 PM',
    'SD-7,reopened,,,13/Mar/26 12:10 AM',
    'SD-7,resolution,,Fixed,13/Mar/26 12:15 AM',
  ].join('\n');
  const { outcomes } = readCsvText(text, m);
  assert.deepEqual(mapped(outcomes[0]), [
    {
      id: 'SD-7:status_changed:2026-03-12T13:05:00Z',
      at: '2026-03-12T09:05:00-04:00',
      source: 'desk',
      ticket: 'SD-7',
      type: 'ticket.status_changed',
      status: 'waiting_on_customer',
    },
  ]);
  assert.ok(outcomes[1]!.status === 'skipped' && /maps to no event/.test(outcomes[1]!.reason));
  // The priority map applies to priority changes only, the status map to status changes only.
  assert.deepEqual(
    mapped(outcomes[2]).map((e) => [e.type, e.priority, e.status]),
    [['ticket.priority_changed', 'P1', undefined]],
  );
  assert.equal(mapped(outcomes[3])[0]!.status, 'In Progress', 'unmapped: keep');
  // Two status changes in one minute: the second derived id is numbered.
  assert.deepEqual(
    [mapped(outcomes[3])[0]!.id, mapped(outcomes[4])[0]!.id],
    ['SD-7:status_changed:2026-03-12T17:30:00Z', 'SD-7:status_changed:2026-03-12T17:30:00Z#2'],
  );
  assert.deepEqual(mapped(outcomes[5]), [
    { id: 'SD-7:reopened:2026-03-13T04:10:00Z', at: '2026-03-13T00:10:00-04:00', source: 'desk', ticket: 'SD-7', type: 'ticket.reopened' },
  ]);
  const bad = rejected(outcomes[6]);
  assert.equal(bad[0]!.path, 'column "Field"');
  assert.match(bad[0]!.message, /not in the value map|does not name/);
});

test('event-per-row beyond tickets: check results from an uptime monitor export, with an id column', () => {
  const yaml = (csv: string) => `
source: monitor
layout: event-per-row
${csv}
id: Check ID
type: { value: check.result }
at: Time
fields:
  service: { value: checkout }
  check: Monitor
  up: { column: Status, map: { Up: true, Down: false } }
  latencyMs: Response time (ms)
`;
  const text =
    'Check ID;Monitor;Status;Time;Response time (ms)\n81;eu-1;Up;2026-10-03T10:00:00Z;182,5\n82;eu-1;Down;2026-10-03T10:01:00Z;\n83;eu-1;Up;2026-10-03T10:02:00Z;slow\n';
  const { outcomes } = readCsvText(text, mapping(yaml('csv: { delimiter: ";" }')));
  assert.deepEqual(mapped(outcomes[0]), [
    {
      id: '81',
      at: '2026-10-03T10:00:00Z',
      source: 'monitor',
      service: 'checkout',
      type: 'check.result',
      check: 'eu-1',
      up: true,
      latencyMs: 182.5,
    },
  ]);
  assert.equal(mapped(outcomes[1])[0]!.up, false);
  assert.equal(rejected(outcomes[2])[0]!.path, 'column "Response time (ms)"');
  // With the default delimiter the header is one column, and the mapping's columns are not found.
  const fatal = readCsvText(text, mapping(yaml('')), 'monitor.csv').fatal!;
  assert.match(formatIssue(fatal[0]!), /^mapping\.yaml:5:5: id: no column "Check ID" in the header of monitor\.csv/);
});

test('times: patterns, offsets, the zone in a column, elapsed minutes, and the hours a zone skips or repeats', () => {
  const m = mapping(`
source: desk
layout: ticket-per-row
time: { format: ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm"], timezone: Europe/Berlin, ambiguous: reject }
ticket: Id
events:
  created: Created
  responded: { elapsed: First reply minutes, unit: minutes }
  resolved: { column: Solved, format: iso }
  closed: { column: Closed, format: "MM/dd/yyyy hh:mm a", timezoneColumn: Zone }
`);
  const head = 'Id,Created,First reply minutes,Solved,Closed,Zone';
  const run = (row: string) => readCsvText(`${head}\n${row}\n`, m).outcomes[0];
  assert.deepEqual(
    mapped(run('A,2026-03-02 09:00:30,90,2026-03-02T12:00:00Z,03/02/2026 01:15 PM,America/Chicago')).map((e) => e.at),
    ['2026-03-02T09:00:30+01:00', '2026-03-02T10:30:30+01:00', '2026-03-02T12:00:00Z', '2026-03-02T13:15:00-06:00'],
  );
  assert.deepEqual(
    mapped(run('B,2026-03-02 09:00,,2026-03-02 12:00,,')).map((e) => e.at),
    ['2026-03-02T09:00:00+01:00', '2026-03-02T12:00:00+01:00'],
    'iso without an offset: in the zone',
  );
  const one = (row: string) => rejected(run(row)).map((i) => `${i.path}: ${i.message}${i.received ? ` ${i.received}` : ''}`);
  assert.deepEqual(one('C,2026-03-29 02:30,,,,'), [
    'column "Created": 2026-03-29 02:30 does not exist in Europe/Berlin (the clocks skip that hour when summer time starts): the export\'s zone is probably another "2026-03-29 02:30"',
  ]);
  assert.deepEqual(one('D,2026-10-25 02:30,,,,'), [
    'column "Created": 2026-10-25 02:30 happens twice in Europe/Berlin (the clocks go back): time.ambiguous is reject; set it to earlier or later "2026-10-25 02:30"',
  ]);
  assert.deepEqual(one('E,2026-03-02 09:00,-5,,03/02/2026 01:15 PM,Mars/Olympus'), [
    'column "First reply minutes": not a number of minutes after the creation "-5"',
    'column "Zone": unknown time zone "Mars/Olympus"',
  ]);
  assert.deepEqual(one('F,2026-03-02 24:00,,,,'), ['column "Created": impossible date or time "2026-03-02 24:00"']);
  // The repeated hour, resolved by choice.
  const later = mapping(
    `source: d\nlayout: ticket-per-row\ntime: { format: yyyy-MM-dd HH:mm, timezone: Europe/Berlin, ambiguous: later }\nticket: Id\nevents: { created: Created }\n`,
  );
  const earlier = mapping(
    `source: d\nlayout: ticket-per-row\ntime: { format: yyyy-MM-dd HH:mm, timezone: Europe/Berlin }\nticket: Id\nevents: { created: Created }\n`,
  );
  assert.equal(mapped(readCsvText('Id,Created\nX,2026-10-25 02:30\n', later).outcomes[0])[0]!.at, '2026-10-25T02:30:00+01:00');
  assert.equal(mapped(readCsvText('Id,Created\nX,2026-10-25 02:30\n', earlier).outcomes[0])[0]!.at, '2026-10-25T02:30:00+02:00');
  // ISO without an offset and no zone anywhere: the row says what is missing.
  const noZone = mapping('source: d\nlayout: ticket-per-row\nticket: Id\nevents: { created: Created }\n');
  assert.match(
    formatIssue(rejected(readCsvText('Id,Created\nX,2026-03-02 10:00\n', noZone).outcomes[0])[0]!),
    /^line 2, column 1: column "Created": the time has no offset and the mapping names no time zone for it \(expected an offset in the value \(Z, \+01:00\) or time\.timezone in the mapping/,
  );
  assert.equal(mapped(readCsvText('Id,Created\nX,2026-03-02 10:00+01:00\n', noZone).outcomes[0])[0]!.at, '2026-03-02T10:00:00+01:00');
});

test('a malformed mapping file: each problem with its path, line and column, what was expected and what was given', () => {
  const cases: Array<[string, RegExp]> = [
    [
      'source: d\nlayout: one-per-row\n',
      /^mapping\.yaml:2:9: layout: unknown value; did you mean "event-per-row"\? \(expected one of ticket-per-row, event-per-row, got "one-per-row"\)/,
    ],
    ['layout: ticket-per-row\nticket: Id\nevents: { created: C }\n', /^mapping\.yaml:1:1: source: required field is missing/],
    [
      'source: d\nlayout: ticket-per-row\nticket: Id\nevents: { created: C, resovled: R }\n',
      /^mapping\.yaml:4:23: events\.resovled: unknown field; did you mean "resolved"\?/,
    ],
    [
      'source: d\nlayout: ticket-per-row\nticket: Id\nfields: { prio: P }\nevents: { created: C }\n',
      /fields\.prio: unknown field; did you mean "priority"\? \(expected one of service, customer, region, priority, channel, kind, requestType, group, assignee, status/,
    ],
    [
      'source: d\nlayout: ticket-per-row\nticket: Id\nfields: { status: Status }\nevents: { created: C }\n',
      /fields\.status: a ticket export's status is the status when it was exported/,
    ],
    [
      'source: d\nlayout: ticket-per-row\ntime: { timezone: Europe/Berln }\nticket: Id\nevents: { created: C }\n',
      /^mapping\.yaml:3:19: time\.timezone: unknown time zone .*got "Europe\/Berln"/,
    ],
    [
      'source: d\nlayout: ticket-per-row\ntime: { format: YYYY-MM-dd HH:mm, timezone: UTC }\nticket: Id\nevents: { created: C }\n',
      /^mapping\.yaml:3:17: time\.format: "YYYY" is not a pattern letter Pledge knows; did you mean yyyy/,
    ],
    [
      'source: d\nlayout: ticket-per-row\ntime: { format: yyyy-MM-dd HH:mm }\nticket: Id\nevents: { created: C }\n',
      /time\.format: times in the format "yyyy-MM-dd HH:mm" have no offset, so they need a time zone/,
    ],
    [
      'source: d\nlayout: ticket-per-row\nticket: Id\nfields:\n  kind: { column: Type, map: { Incident: incident, Task: task } }\nevents: { created: C }\n',
      /^mapping\.yaml:5:58: fields\.kind\.map\.Task: not a value kind can have \(expected one of incident, request, got "task"\)/,
    ],
    [
      'source: d\nlayout: ticket-per-row\nticket: Id\nfields:\n  priority: { column: P, map: { High: P1, high: P2 } }\nevents: { created: C }\n',
      /fields\.priority\.map\.high: the same value as "High"/,
    ],
    [
      'source: d\nlayout: ticket-per-row\nticket: { column: Id, value: x }\nevents: { created: C }\n',
      /ticket: names both a column and a value/,
    ],
    [
      'source: d\nlayout: ticket-per-row\nticket: 5\nevents: { created: [C] }\n',
      /^mapping\.yaml:3:9: ticket: expected a column name, \{ column: \.\.\., map: \.\.\., default: \.\.\. \} or \{ value: \.\.\. \} \(got 5\)/,
    ],
    [
      'source: d\nlayout: ticket-per-row\nticket: Id\nevents: { created: { elapsed: X, unit: minutes } }\n',
      /events\.created\.elapsed: an elapsed time counts from the creation/,
    ],
    [
      'source: d\nlayout: ticket-per-row\nticket: Id\nevents: { created: C, resolved: { column: R, by: { value: robot } } }\n',
      /events\.resolved\.by\.value: not a value by can have \(expected one of customer, provider, got "robot"\)/,
    ],
    [
      'source: d\nlayout: event-per-row\nat: When\ntype: { column: F, map: { s: ticket.status_chnged } }\n',
      /type\.map\.s: not an event type; did you mean "ticket\.status_changed"\?/,
    ],
    [
      'source: d\nlayout: event-per-row\nat: When\ntype: { value: check.result }\nfields: { up: { column: S, map: { Up: yes, Down: maybe } } }\n',
      /fields\.up\.map\.Down: not a value up can have \(expected a boolean, got "maybe"\)/,
    ],
    [
      'source: d\nlayout: ticket-per-row\ncsv: { delimiter: ";;" }\nticket: Id\nevents: { created: C }\n',
      /csv\.delimiter: expected one character/,
    ],
    ['source: [d\n', /^mapping\.yaml:\d+:\d+: not valid YAML or JSON/],
    ['# nothing yet\n', /^mapping\.yaml: the mapping file is empty/],
  ];
  for (const [yaml, re] of cases) {
    const issues = mappingIssues(yaml);
    assert.ok(
      issues.some((i) => re.test(i)),
      `${JSON.stringify(yaml)}\n  gave: ${issues.join('\n  ')}\n  expected: ${re}`,
    );
  }
});

test('the header: names matched exactly, else without case; an unknown or doubled name stops the file with a suggestion', () => {
  const m = mapping(
    'source: d\nlayout: ticket-per-row\ntime: { timezone: UTC }\nticket: Ticket ID\nevents: { created: Created At, resolved: Solved at }\n',
  );
  assert.ok(mapped(readCsvText('ticket id,CREATED AT,Solved at\nX,2026-03-02 10:00,\n', m).outcomes[0]));
  const missing = readCsvText('Ticket ID,Created At,Solved\nX,2026-03-02 10:00,\n', m, 'export.csv');
  assert.deepEqual(missing.outcomes, []);
  assert.equal(
    formatIssue(missing.fatal![0]!),
    'mapping.yaml:5:42: events.resolved: no column "Solved at" in the header of export.csv; did you mean "Solved"? (expected one of "Ticket ID", "Created At", "Solved", got "Solved at")',
  );
  const twice = readCsvText('Ticket ID,Created At,Solved at,Solved at\nX,2026-03-02 10:00,,\n', m, 'export.csv');
  assert.match(
    formatIssue(twice.fatal![0]!),
    /events\.resolved: the header of export\.csv has the column "Solved at" 2 times \(columns 3, 4\)/,
  );
  assert.match(formatIssue(readCsvText('', m, 'empty.csv').fatal![0]!), /the file is empty: expected a header line/);
});

test('CSV details: tab and ; delimiters, lines before the header, wrong cell counts, rows of empty cells, an unclosed quote', () => {
  const base = 'layout: ticket-per-row\nsource: d\ntime: { timezone: UTC }\nticket: Id\nevents: { created: Created }\n';
  const tab = mapping(`${base}csv: { delimiter: tab, skipLines: 2 }\n`);
  const t = readCsvText('Report: all tickets\nexported 2026-03-05\nId\tCreated\nA\t2026-03-02 10:00\n', tab).outcomes;
  assert.deepEqual(
    t.map((o) => [o.line, o.status]),
    [[4, 'mapped']],
  );
  const m = mapping(`${base}csv: { delimiter: ";" }\n`);
  const text =
    'Id;Created\nA;2026-03-02 10:00\nB;2026-03-02 10:00;extra\n;\n\nC;"2026-03-02\n10:00"\nD;"2026-03-02 11:00\nE;2026-03-02 12:00\n';
  const { outcomes } = readCsvText(text, m);
  assert.deepEqual(
    outcomes.map((o) => [o.line, o.status]),
    [
      [2, 'mapped'],
      [3, 'rejected'],
      [4, 'skipped'],
      [6, 'rejected'],
      [8, 'rejected'],
    ],
  );
  assert.match(rejected(outcomes[1])[0]!.message, /^the row has 3 cells, the header 2/);
  assert.equal(rejected(outcomes[3])[0]!.received, '"2026-03-02\\n10:00"');
  assert.match(rejected(outcomes[4])[0]!.message, /quoted cell starting on this line is never closed/);
});

test('the examples in examples/imports map without a problem', () => {
  for (const name of ['helpdesk-tickets', 'helpdesk-history']) {
    const m = parseCsvMapping(
      readFileSync(new URL(`../../../examples/imports/${name}.mapping.yaml`, import.meta.url), 'utf8'),
      `${name}.mapping.yaml`,
    );
    assert.ok(m.ok, m.ok ? '' : m.issues.map(formatIssue).join('\n'));
    const { outcomes, fatal } = readCsvText(
      readFileSync(new URL(`../../../examples/imports/${name}.csv`, import.meta.url), 'utf8'),
      m.value,
    );
    assert.equal(fatal, undefined);
    assert.deepEqual(
      outcomes.filter((o) => o.status === 'rejected'),
      [],
    );
    assert.ok(outcomes.filter((o) => o.status === 'mapped').length >= 5);
  }
});

test('the mappings shown in docs/events.md are valid', () => {
  const doc = readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Importing ticket exports (CSV)'));
  const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.ok(blocks.length >= 2);
  for (const b of blocks) {
    const r = parseCsvMapping(b, 'docs/events.md');
    assert.ok(r.ok, r.ok ? '' : r.issues.map(formatIssue).join('\n'));
  }
});
