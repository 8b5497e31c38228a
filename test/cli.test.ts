/** The `pledge` command as a user runs it: real process, real files, exit codes and output. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const BERLIN = 'examples/calendars/berlin-office.yaml';

export function pledge(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/pledge.js', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('pledge calc downtime', () => {
  test('99.99% over a year (365.25 days) allows 52m 36s', () => {
    assert.deepEqual(pledge('calc', 'downtime', '--target', '99.99', '--window', 'year'), { code: 0, out: '52m 36s\n', err: '' });
    const j = JSON.parse(pledge('calc', 'downtime', '--target', '99.99', '--window', 'year', '--json').out);
    assert.equal(j.seconds, 3155.76);
    assert.equal(j.text, '52m 36s');
  });
  test('a given calendar year uses its real length; windows and --days', () => {
    assert.equal(JSON.parse(pledge('calc', 'downtime', '--target', '99.99', '--window', '2028', '--json').out).seconds, 3162.24); // 366 days
    assert.equal(JSON.parse(pledge('calc', 'downtime', '--target', '99.99', '--window', '2026', '--json').out).seconds, 3153.6); // 365 days
    assert.equal(pledge('calc', 'downtime', '--target', '99.9', '--window', 'month').out, '43m 50s\n');
    assert.equal(pledge('calc', 'downtime', '--target', '99.9', '--window', 'quarter').out, '2h 11m 29s\n');
    assert.equal(pledge('calc', 'downtime', '--target', '99.9', '--window', 'week').out, '10m 5s\n');
    assert.equal(pledge('calc', 'downtime', '--target', '99.9', '--window', 'day').out, '1m 26s\n');
    assert.equal(pledge('calc', 'downtime', '--target', '99', '--days', '30').out, '7h 12m\n');
    // October 2026 in Berlin has 745 hours (the clocks go back).
    assert.equal(JSON.parse(pledge('calc', 'downtime', '--target', '99.9', '--window', '2026-10', '--timezone', 'Europe/Berlin', '--json').out).seconds, 2682);
  });
  test('bad input exits 2 with the option named', () => {
    for (const args of [['--target', '101'], ['--target', 'abc'], ['--target', '99', '--window', 'fortnight'], ['--target', '99', '--days', '-3']]) {
      const r = pledge('calc', 'downtime', ...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, /^pledge: --(target|window|days): /);
      assert.doesNotMatch(r.err, /at .*\.ts:\d+/); // no stack trace
    }
  });
});

describe('pledge calc due and elapsed', () => {
  test('the documented example: Friday 16:00 + 4h is Monday 12:00 (summer time)', () => {
    const r = pledge('calc', 'due', '--calendar', BERLIN, '--start', '2026-03-27T16:00:00+01:00', '--duration', '4h');
    assert.deepEqual(r, { code: 0, out: '2026-03-30T12:00:00+02:00\n', err: '' });
    assert.deepEqual(JSON.parse(pledge('calc', 'due', '--calendar', BERLIN, '--start', '2026-03-27T16:00:00+01:00', '--duration', 'PT4H', '--json').out), { due: '2026-03-30T12:00:00+02:00' });
  });
  test('duration forms and pauses', () => {
    const due = (d: string, ...extra: string[]) => JSON.parse(pledge('calc', 'due', '--calendar', BERLIN, '--start', '2026-03-30T09:00:00+02:00', '--duration', d, '--json', ...extra).out).due;
    assert.equal(due('90s'), '2026-03-30T09:01:30+02:00');
    assert.equal(due('45m'), '2026-03-30T09:45:00+02:00');
    assert.equal(due('1h30m'), '2026-03-30T10:30:00+02:00');
    assert.equal(due('1wd'), '2026-03-30T17:00:00+02:00');
    assert.equal(due('1eod'), '2026-03-31T17:00:00+02:00');
    assert.equal(due('4h', '--pause', '2026-03-30T10:00:00+02:00/2026-03-30T11:00:00+02:00'), '2026-03-30T14:00:00+02:00');
  });
  test('elapsed is exact in seconds, with fractions kept', () => {
    assert.deepEqual(JSON.parse(pledge('calc', 'elapsed', '--calendar', BERLIN, '--from', '2026-03-27T16:00:00+01:00', '--to', '2026-03-30T12:00:00+02:00', '--json').out), { seconds: 14400 });
    assert.deepEqual(JSON.parse(pledge('calc', 'elapsed', '--calendar', BERLIN, '--from', '2026-03-30T09:00:00.250+02:00', '--to', '2026-03-30T09:00:01+02:00', '--json').out), { seconds: 0.75 });
  });
  test('bad input: malformed calendar, unknown zone, impossible time, unknown unit, missing file', () => {
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
      const r = pledge('calc', 'due', ...Object.entries(o).flat());
      assert.equal(r.code, 2, `${over.join(' ')}: ${r.err}`);
      assert.match(r.err, re);
      assert.doesNotMatch(r.err, /internal error|\n\s+at /);
    }
  });
});

test('every command has --help', () => {
  for (const cmd of [[], ['calc'], ['calc', 'due'], ['calc', 'elapsed'], ['calc', 'downtime'], ['calc', 'clock'], ['demo']]) {
    const r = pledge(...cmd, '--help');
    assert.equal(r.code, 0, cmd.join(' '));
    assert.match(r.out, /Usage: pledge/);
  }
});
