/**
 * The `pledge` command as a user runs it: real files, exit codes and output. Each command's first
 * case (the documented examples among them) runs as a real process (`pledge`); the other cases run
 * the same build in this process (`pledgeHere`, test/helpers.ts), a process costing far more than
 * the command.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pledge, pledgeHere } from './helpers.ts';

const BERLIN = 'examples/calendars/berlin-office.yaml';

describe('pledge calc downtime', () => {
  test('99.99% over an average year (365.25 days) allows 52m 36s: the figure a fixed allowance quotes', async () => {
    assert.deepEqual(pledge('calc', 'downtime', '--target', '99.99', '--window', 'year'), {
      code: 0,
      out: '52m 36s  (99.99% of an average year of 365.25 days; as a fixed allowance, the same every year however long: allowance: 52m36s)\n',
      err: '',
    });
    const j = JSON.parse((await pledgeHere('calc', 'downtime', '--target', '99.99', '--window', 'year', '--json')).out);
    assert.equal(j.seconds, 3155.76);
    assert.equal(j.text, '52m 36s');
    // Exactly the documented shape, on one line.
    assert.equal(
      (await pledgeHere('calc', 'downtime', '--target', '99.99', '--window', 'year', '--json')).out,
      '{"seconds": 3155.76, "text": "52m 36s", "window": "an average year of 365.25 days", "allowance": "52m36s"}\n',
    );
  });
  test('a given calendar year uses its real length, as a percentage target is settled; windows and --days', async () => {
    // 366 days
    assert.equal(
      JSON.parse((await pledgeHere('calc', 'downtime', '--target', '99.99', '--window', '2028', '--json')).out).seconds,
      3162.24,
    );
    const y2026 = JSON.parse((await pledgeHere('calc', 'downtime', '--target', '99.99', '--window', '2026', '--json')).out);
    assert.deepEqual(y2026, { seconds: 3153.6, text: '52m 34s', window: '2026 in UTC, 365 days', allowance: null }); // 365 days
    assert.equal(
      (await pledgeHere('calc', 'downtime', '--target', '99.99', '--window', '2026')).out,
      '52m 34s  (99.99% of 2026 in UTC, 365 days: 52m 33.6s exactly)\n',
    );
    const first = async (args: string[]) => (await pledgeHere('calc', 'downtime', ...args)).out.split('  (')[0];
    assert.equal(await first(['--target', '99.9', '--window', 'month']), '43m 50s');
    assert.equal(await first(['--target', '99.9', '--window', 'quarter']), '2h 11m 29s');
    assert.equal(await first(['--target', '99.9', '--window', 'week']), '10m 5s');
    assert.equal(await first(['--target', '99.9', '--window', 'day']), '1m 26s');
    assert.equal((await pledgeHere('calc', 'downtime', '--target', '99', '--days', '30')).out, '7h 12m  (99% of 30 days)\n');
    // October 2026 in Berlin has 745 hours (the clocks go back).
    assert.equal(
      JSON.parse(
        (await pledgeHere('calc', 'downtime', '--target', '99.9', '--window', '2026-10', '--timezone', 'Europe/Berlin', '--json')).out,
      ).seconds,
      2682,
    );
  });
  test('bad input exits 2 with the option named', async () => {
    for (const args of [
      ['--target', '101'],
      ['--target', 'abc'],
      ['--target', '99', '--window', 'fortnight'],
      ['--target', '99', '--days', '-3'],
    ]) {
      const r = await pledgeHere('calc', 'downtime', ...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, /^pledge: --(target|window|days): /);
      assert.doesNotMatch(r.err, /at .*\.ts:\d+/); // no stack trace
    }
  });
});

describe('pledge calc due and elapsed', () => {
  test('the documented example: Friday 16:00 + 4h is Monday 12:00 (summer time)', async () => {
    const r = pledge('calc', 'due', '--calendar', BERLIN, '--start', '2026-03-27T16:00:00+01:00', '--duration', '4h');
    assert.deepEqual(r, { code: 0, out: '2026-03-30T12:00:00+02:00\n', err: '' });
    assert.deepEqual(
      JSON.parse(
        (await pledgeHere('calc', 'due', '--calendar', BERLIN, '--start', '2026-03-27T16:00:00+01:00', '--duration', 'PT4H', '--json')).out,
      ),
      { due: '2026-03-30T12:00:00+02:00' },
    );
    assert.equal(
      (await pledgeHere('calc', 'due', '--calendar', BERLIN, '--start', '2026-03-27T16:00:00+01:00', '--duration', '4h', '--json')).out,
      '{"due": "2026-03-30T12:00:00+02:00"}\n',
    );
  });
  test('instants outside the years calendars cover are refused, not read as closed time', async () => {
    for (const args of [
      ['due', '--calendar', BERLIN, '--start', '1899-06-01T09:00:00Z', '--duration', '4h'],
      ['elapsed', '--calendar', BERLIN, '--from', '2026-01-01T00:00:00Z', '--to', '2500-01-01T00:00:00Z'],
      [
        'due',
        '--calendar',
        BERLIN,
        '--start',
        '2026-03-27T16:00:00+01:00',
        '--duration',
        '4h',
        '--pause',
        '2026-03-30T10:00:00+02:00/2400-06-01T00:00:00Z',
      ],
    ]) {
      const r = await pledgeHere('calc', ...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(
        r.err,
        /^pledge: --(start|to|pause\[0\] \(to\)): outside the years business calendars cover \(expected an instant from 1900-01-02 to 2399-12-30, got "/,
      );
    }
  });
  test('a deadline past the supported range is "never", not a guess', async () => {
    // Late in the range, so that reaching its end takes a year of the calendar, not 370 of them.
    const late = ['calc', 'due', '--calendar', BERLIN, '--start', '2399-12-01T16:00:00+01:00', '--duration', '1000h'];
    const never = 'never (the calendar has no working time left before the year 2400)\n';
    assert.deepEqual(await pledgeHere(...late), { code: 0, out: never, err: '' });
    assert.equal((await pledgeHere(...late, '--json')).out, '{"due": null}\n');
  });
  test('duration forms and pauses', async () => {
    const due = async (d: string, ...extra: string[]) =>
      JSON.parse(
        (await pledgeHere('calc', 'due', '--calendar', BERLIN, '--start', '2026-03-30T09:00:00+02:00', '--duration', d, '--json', ...extra))
          .out,
      ).due;
    assert.equal(await due('90s'), '2026-03-30T09:01:30+02:00');
    assert.equal(await due('45m'), '2026-03-30T09:45:00+02:00');
    assert.equal(await due('1h30m'), '2026-03-30T10:30:00+02:00');
    assert.equal(await due('1wd'), '2026-03-30T17:00:00+02:00');
    assert.equal(await due('1eod'), '2026-03-31T17:00:00+02:00');
    assert.equal(await due('4h', '--pause', '2026-03-30T10:00:00+02:00/2026-03-30T11:00:00+02:00'), '2026-03-30T14:00:00+02:00');
  });
  test('elapsed is exact in seconds, with fractions kept', async () => {
    assert.deepEqual(
      JSON.parse(
        pledge(
          'calc',
          'elapsed',
          '--calendar',
          BERLIN,
          '--from',
          '2026-03-27T16:00:00+01:00',
          '--to',
          '2026-03-30T12:00:00+02:00',
          '--json',
        ).out,
      ),
      { seconds: 14400 },
    );
    assert.deepEqual(
      JSON.parse(
        (
          await pledgeHere(
            'calc',
            'elapsed',
            '--calendar',
            BERLIN,
            '--from',
            '2026-03-30T09:00:00.250+02:00',
            '--to',
            '2026-03-30T09:00:01+02:00',
            '--json',
          )
        ).out,
      ),
      { seconds: 0.75 },
    );
    assert.equal(
      (
        await pledgeHere(
          'calc',
          'elapsed',
          '--calendar',
          BERLIN,
          '--from',
          '2026-03-27T16:00:00+01:00',
          '--to',
          '2026-03-30T12:00:00+02:00',
          '--json',
        )
      ).out,
      '{"seconds": 14400}\n',
    );
  });
  test('bad input: malformed calendar, unknown zone, impossible time, unknown unit, missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pledge-cli-'));
    writeFileSync(join(dir, 'zone.yaml'), 'timezone: Mars/Olympus\nhours: always\n');
    writeFileSync(join(dir, 'broken.yaml'), 'timezone: UTC\nhours: [\n');
    const cases: Array<[string[], RegExp]> = [
      [['--calendar', join(dir, 'zone.yaml')], /zone\.yaml:1:11: timezone: unknown time zone/],
      [['--calendar', join(dir, 'broken.yaml')], /broken\.yaml:\d+:\d+: not valid YAML or JSON/],
      [['--calendar', join(dir, 'missing.yaml')], /cannot read the file: no such file/],
      [['--calendar', BERLIN, '--start', '2026-02-30T10:00:00Z'], /--start: impossible date or time/],
      [['--calendar', BERLIN, '--start', '2026-03-29T02:30:00'], /--start: .*offset is missing/],
      [['--calendar', BERLIN, '--duration', '4 fortnights'], /--duration: /],
      [['--calendar', BERLIN, '--duration', '4x'], /--duration: unknown unit "x"/],
    ];
    for (const [over, re] of cases) {
      const o: Record<string, string> = { '--calendar': BERLIN, '--start': '2026-03-27T16:00:00+01:00', '--duration': '4h' };
      for (let i = 0; i < over.length; i += 2) o[over[i]!] = over[i + 1]!;
      const r = await pledgeHere('calc', 'due', ...Object.entries(o).flat());
      assert.equal(r.code, 2, `${over.join(' ')}: ${r.err}`);
      assert.match(r.err, re);
      assert.doesNotMatch(r.err, /internal error|\n\s+at /);
    }
  });
});

test('every command has --help', async () => {
  for (const cmd of [
    [],
    ['calc'],
    ['calc', 'due'],
    ['calc', 'elapsed'],
    ['calc', 'downtime'],
    ['calc', 'clock'],
    ['calc', 'availability'],
    ['demo'],
  ]) {
    // The top-level help (stand-ins from dist/cli/commands.json) through a real process.
    const r = cmd.length === 0 ? pledge('--help') : await pledgeHere(...cmd, '--help');
    assert.equal(r.code, 0, cmd.join(' '));
    assert.match(r.out, /Usage: pledge/);
  }
});

test('calc clock: a target is a response clock when a word of its name says so', async () => {
  const { namesResponse } = await import('../src/cli/clock.ts');
  for (const name of ['response', 'first-reply', 'p1_response', 'firstResponse', 'ack', 'acknowledgement', 'responded.p2'])
    assert.equal(namesResponse(name), true, name);
  for (const name of ['resolution', 'backlog', 'feedback', 'fix', 'p1-resolution', 'irresponsible'])
    assert.equal(namesResponse(name), false, name);
});

describe('pledge calc clock', () => {
  const args = [
    'calc',
    'clock',
    '--calendar',
    BERLIN,
    '--events',
    'examples/tickets/ticket-1001.ndjson',
    '--target',
    'response=4h',
    '--target',
    'resolution=P2:2wd,P3:3wd',
    '--pause-on',
    'waiting_on_customer',
    '--now',
    '2026-04-30T12:00:00+02:00',
  ];
  test('each target with its state and a readable timeline', () => {
    const r = pledge(...args);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Ticket T-1001, target "response" \(response\), cycle 1, priority P3/);
    assert.match(r.out, /paused +1d3h not counted: waiting_on_customer/);
    assert.match(r.out, /stopped +5h not counted: resolved/);
  });
  test('--json gives states, elapsed seconds and the timeline', async () => {
    const j = JSON.parse((await pledgeHere(...args, '--json')).out);
    const [response, resolution] = j.tickets[0].clocks;
    assert.deepEqual(
      [response.state, response.elapsedSeconds, response.targetSeconds, response.stop],
      ['met', 9000, 14400, '2026-03-30T10:30:00+02:00'],
    );
    assert.deepEqual(
      [resolution.state, resolution.priority, resolution.elapsedSeconds, resolution.pausedSeconds, resolution.targetSeconds],
      ['met', 'P2', 36000, 36000, 57600],
    );
    const counted = resolution.timeline
      .filter((s: { kind: string }) => s.kind === 'counted')
      .reduce((a: number, s: { countedSeconds: number }) => a + s.countedSeconds, 0);
    assert.equal(counted, 36000);
  });
  test('bad targets and events are named', async () => {
    let r = pledge(
      'calc',
      'clock',
      '--calendar',
      BERLIN,
      '--events',
      'examples/tickets/ticket-1001.ndjson',
      '--target',
      'resolution=2 parsecs',
    );
    assert.equal(r.code, 2);
    assert.match(r.err, /--target\[0\]: /);
    const dir = mkdtempSync(join(tmpdir(), 'pledge-cli-'));
    writeFileSync(
      join(dir, 'bad.ndjson'),
      '{"id":"1","type":"ticket.created","ticket":"T","at":"2026-13-01T00:00:00Z"}\n{"id":"2","type":"ticket.teleported","ticket":"T","at":"2026-01-01T00:00:00Z"}\nnot json\n',
    );
    r = await pledgeHere('calc', 'clock', '--calendar', BERLIN, '--events', join(dir, 'bad.ndjson'), '--target', 'response=4h');
    assert.equal(r.code, 2);
    assert.match(r.err, /bad\.ndjson:1:1: at: impossible date or time/);
    assert.match(r.err, /bad\.ndjson:2:1: type: /);
    assert.match(r.err, /bad\.ndjson:3:1: not valid JSON/);
  });
});

describe('pledge calc availability', () => {
  const args = [
    'calc',
    'availability',
    '--events',
    'examples/outages/checkout-2026-10.ndjson',
    '--window',
    '2026-10',
    '--notice',
    '5d',
    '--exclude',
    'customer',
    '--min-outage',
    '60s',
    '--target',
    '99.9',
    '--now',
    '2026-11-05T00:00:00Z',
  ];
  test('figures with every outage accounted for', async () => {
    const j = JSON.parse((await pledgeHere(...args, '--json')).out);
    assert.equal(j.seconds.downtime, 10_200);
    assert.equal(j.seconds.excluded, 9_000);
    assert.deepEqual(
      j.outages.map((o: { id: string }) => o.id),
      ['INC-301', 'INC-307', 'MW-25', 'c1'],
    );
    assert.deepEqual(
      j.excluded.map((o: { id: string; reason: string }) => `${o.id}:${o.reason}`),
      ['INC-312:customer_caused', 'MW-18:announced_maintenance'],
    );
    assert.deepEqual(
      j.ignored.map((o: { id: string; reason: string }) => `${o.id}:${o.reason}`),
      ['INC-318:too_short'],
    );
    assert.equal(j.budget.state, 'breached');
    const text = pledge(...args).out;
    assert.match(text, /^Availability 2026-10 \(UTC\): 99\.6179%/);
  });
  test('an open window is measured up to now, with burn rate', async () => {
    const j = JSON.parse(
      (
        await pledgeHere(
          'calc',
          'availability',
          '--events',
          'examples/outages/checkout-2026-10.ndjson',
          '--window',
          '2026-10',
          '--target',
          '99',
          '--now',
          '2026-10-16T00:00:00Z',
          '--json',
        )
      ).out,
    );
    assert.equal(j.window.measuredTo, '2026-10-16T00:00:00Z');
    assert.equal(j.budget.state, 'met');
    assert.ok(j.budget.burnRate > 0 && j.budget.burnRate < 1);
  });
  test('a service no event names is noted, not silently 100%', async () => {
    const base = [
      'calc',
      'availability',
      '--events',
      'examples/outages/checkout-2026-10.ndjson',
      '--window',
      '2026-10',
      '--now',
      '2026-11-05T00:00:00Z',
    ];
    const r = await pledgeHere(...base, '--service', 'chekout');
    assert.equal(r.code, 0);
    assert.match(r.out, /^note: --service: no event in the file is for service "chekout" \(services in it: checkout\)$/m);
    // Nothing says anyone watched that service: no data, not 100%.
    assert.match(
      r.out,
      /^Availability 2026-10 \(UTC\): no data \(not monitored: no check result, outage, maintenance or monitoring\.started event in this window/,
    );
    assert.equal(JSON.parse((await pledgeHere(...base, '--service', 'chekout', '--json')).out).availabilityPercent, null);
    assert.equal(JSON.parse((await pledgeHere(...base, '--service', 'chekout', '--json')).out).issues[0].path, '--service');
    assert.doesNotMatch((await pledgeHere(...base, '--service', 'checkout')).out, /note: --service/);
  });
  test('a window before monitoring started is no data; a declared start measures from it', async () => {
    const base = [
      'calc',
      'availability',
      '--events',
      'examples/outages/checkout-2026-10.ndjson',
      '--window',
      '2026-09',
      '--now',
      '2026-11-05T00:00:00Z',
      '--target',
      '99.9',
    ];
    const before = JSON.parse((await pledgeHere(...base, '--json')).out);
    assert.equal(before.availabilityPercent, null);
    assert.equal(before.budget, null);
    assert.deepEqual([before.monitoring.from, before.monitoring.basis], [null, 'none']);
    const declared = JSON.parse((await pledgeHere(...base, '--monitored-since', '2026-09-20', '--json')).out);
    assert.equal(declared.availabilityPercent, 100);
    assert.equal(declared.window.measuredFrom, '2026-09-20T00:00:00Z');
    assert.equal(declared.seconds.eligible, 11 * 86_400);
    assert.equal(declared.budget.budgetMs, 950_400); // 0.1% of the 11 days measured
    const note =
      /^note: only part of the window is measured: monitored from 2026-09-20T00:00:00Z \(monitoring declared from 2026-09-20T00:00:00Z\)$/m;
    assert.match((await pledgeHere(...base, '--monitored-since', '2026-09-20')).out, note);
    assert.equal((await pledgeHere(...base, '--monitored-since', 'last week')).code, 2);
  });
  test('bad options exit 2', async () => {
    for (const [opt, val] of [
      ['--exclude', 'aliens'],
      ['--window', '2026-13'],
      ['--notice', '1eod'],
      ['--excluded-time', 'ignored'],
      ['--timezone', 'Mars/Base'],
    ]) {
      const r = await pledgeHere(
        'calc',
        'availability',
        '--events',
        'examples/outages/checkout-2026-10.ndjson',
        '--window',
        '2026-10',
        opt!,
        val!,
      );
      assert.equal(r.code, 2, `${opt} ${val}: ${r.err}`);
      assert.doesNotMatch(r.err, /internal error/);
    }
  });
});

test('pledge demo runs and --json prints its figures', () => {
  const r = pledge('demo', '--json');
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).q4WorkingHours, 497);
});

test('every command has a description, --help and --json', async () => {
  const { buildProgram } = await import('../src/cli/main.ts');
  type Cmd = { name(): string; description(): string; commands: Cmd[]; options: Array<{ long?: string }>; helpInformation(): string };
  const leaves = (c: Cmd, path: string[] = []): Array<[string, Cmd]> =>
    c.commands.length === 0 ? [[path.join(' '), c]] : c.commands.flatMap((s) => leaves(s, [...path, s.name()]));
  const all = leaves((await buildProgram()) as unknown as Cmd);
  assert.ok(all.length >= 20, String(all.length));
  for (const [name, c] of all) {
    assert.ok(c.description().length > 10, `${name}: description`);
    assert.ok(
      c.options.some((o) => o.long === '--json'),
      `${name}: --json`,
    );
    assert.match(c.helpInformation(), /Usage: /, name);
  }
});
