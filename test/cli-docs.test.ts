/**
 * The documentation's command sequences run as written: the README's database sequence (apply, a
 * back-dated signing and activation, ingest, rebuild, status, a report for a past period, reviews)
 * and docs/agreements.md's lifecycle example, each through the real `pledge` command on a fresh
 * SQLite database in a temporary folder (PLEDGE_DATA_DIR, as a user's ./data). The commands are
 * read from the markdown (test/docs-commands.ts), so a change to the docs is a change to this
 * test; each marked block names this file in the comment above it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docBlocks, shellWords, type DocCommand } from './docs-commands.ts';
import { pledgeWith } from './helpers.ts';

const THIS = 'test/cli-docs.test.ts';

/** Runs every command of the file's marked blocks in order on a fresh data folder; answers each command's output. */
function runDocs(file: string): Array<DocCommand & { out: string }> {
  const blocks = docBlocks(file, THIS);
  assert.ok(blocks.length > 0, `${file} has no block marked for ${THIS}`);
  // A data folder that does not exist yet, as ./data on a fresh clone; no server, no PostgreSQL.
  const env = {
    PLEDGE_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'pledge-docs-')), 'data'),
    DATABASE_URL: '',
    PLEDGE_URL: '',
    PLEDGE_TOKEN: '',
  };
  const ran: Array<DocCommand & { out: string }> = [];
  for (const line of blocks.flat()) {
    assert.equal(line.kind, 'command', `${line.where}: only commands run on a database`);
    if (line.kind !== 'command') continue;
    const r = pledgeWith(env, ...line.args);
    assert.equal(r.code, 0, `${line.where}: ${line.text}\nexit ${r.code}\n${r.err}${r.out}`);
    const printed = r.out.split('\n');
    for (const expected of line.output)
      assert.ok(printed.includes(expected), `${line.where}: ${line.text}\nexpected the line\n  ${expected}\nin\n${r.out}`);
    ran.push({ ...line, out: r.out });
  }
  return ran;
}

test('the shell words of the docs: quotes, escapes, comments; what needs a shell is refused', () => {
  assert.deepEqual(
    shellWords(`npx pledge transition a --sign "provider:Jane Doe" 'customer:John Roe' --reason "say \\"no\\"" x\\ y   # a comment`),
    ['npx', 'pledge', 'transition', 'a', '--sign', 'provider:Jane Doe', 'customer:John Roe', '--reason', 'say "no"', 'x y'],
  );
  assert.deepEqual(shellWords('npx pledge diff a#b'), ['npx', 'pledge', 'diff', 'a#b']);
  assert.throws(() => shellWords('npx pledge ingest -f - < events.ndjson', 'x.md:1'), /x\.md:1: "<" needs a shell/);
  assert.throws(() => shellWords('npx pledge status --tenant "acme', 'x.md:2'), /unclosed "/);
});

test('README: the database sequence runs as written and the report for a past period has figures', () => {
  const ran = runDocs('README.md');
  const at = (name: string) => ran.filter((c) => c.args[0] === name);
  // Back-dated: the contract was signed and started before it was entered.
  const transitions = at('transition');
  assert.deepEqual(
    transitions.map((c) => c.args[2] === '--to' && c.args[3]),
    ['in_review', 'approved', 'active'],
  );
  for (const t of transitions) assert.match(t.out, /\(back-dated, recorded \d{4}-\d\d-\d\dT/, t.where);
  // The report (CSV): October's lines, measured, with figures.
  const report = at('report').at(-1)!;
  assert.ok(report.args.includes('--period'), report.where);
  const period = report.args[report.args.indexOf('--period') + 1]!;
  assert.ok(Date.parse(`${period}-01T00:00:00Z`) < Date.now(), `${report.where}: a past period`);
  const [header, ...rows] = report.out.trim().split('\n');
  assert.match(header!, /^agreement,period,target,metric,window,state,value,/);
  const uptime = rows.map((r) => r.split(',')).find((r) => r[2] === 'uptime');
  assert.ok(uptime, report.out);
  assert.equal(uptime[1], period);
  assert.ok(['met', 'breached'].includes(uptime[5]!), `measured, not ${uptime[5]}: ${report.out}`);
  assert.ok(Number.isFinite(Number.parseFloat(uptime[6]!)), `a figure: ${report.out}`);
  // The review recorded is in the listing from the database.
  assert.match(at('reviews').at(-1)!.out, /acme-checkout\b.*last reviewed \d{4}-\d\d-\d\d by Ada \(kept\)/);
});

test('docs/agreements.md: the lifecycle example runs as written, from the back-dated signing to the termination', () => {
  const ran = runDocs('docs/agreements.md');
  const report = ran.find((c) => c.args[0] === 'report')!;
  assert.ok(report, 'the example reports on a past period');
  assert.match(report.out, /^uptime\s+(met|breached)\s+\d+(\.\d+)?\s/m, report.out);
  const last = ran.at(-1)!;
  assert.deepEqual(last.args.slice(0, 4), ['transition', 'acme-checkout', '--to', 'terminated']);
  assert.match(last.out, /^acme-checkout: active -> terminated \(terminate\) at /);
});
