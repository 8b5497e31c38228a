/**
 * `pledge status-pages` and `pledge incidents` as a user runs them on a SQLite database (--db),
 * the forms docs/status-page.md shows: a page put from examples/status-pages/demo.yaml, an incident
 * opened, updated and resolved, each printing JSON with --json; bad input exits 2 naming the
 * field. The first command runs as a real process; the others in this process (`pledgeHereWith`).
 * The same use cases over HTTP are test/http/status-pages.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openStore } from '../src/store/index.ts';
import { pledgeHereWith, pledgeWith } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'pledge-cli-status-'));
const db = join(dir, 'pledge.db');
const local = { PLEDGE_URL: undefined, PLEDGE_TOKEN: undefined, USER: 'ann', PLEDGE_STATUS_PREFIX: undefined };
const json = (r: { code: number; out: string; err: string }) => {
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
};

before(async () => {
  const store = await openStore({ kind: 'sqlite', path: db });
  await store.createTenant({ id: 'default', name: 'Default', createdAt: Date.UTC(2026, 9, 1) });
  await store.close();
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a page put from the example file, an incident opened, updated and resolved; bad input names the field', async () => {
  const put = json(pledgeWith(local, 'status-pages', 'put', 'demo', 'examples/status-pages/demo.yaml', '--db', db, '--json'));
  assert.equal(put.result, 'created');
  assert.equal(put.page.url, '/status/demo');
  assert.equal(put.page.spec.services.length, 2);
  const listed = await pledgeHereWith(local, 'status-pages', '--db', db);
  assert.equal(listed.code, 0, listed.err);
  assert.match(listed.out, /^demo\s+\/status\/demo {2}Northwind service status\n$/);

  const opened = json(
    await pledgeHereWith(
      local,
      ...['incidents', 'open', '--title', 'Slow checkout', '--services', 'checkout', '--level', 'degraded'],
      ...['--message', 'Pages load slowly; we are looking into it.', '--id', 'inc-1', '--db', db, '--json'],
    ),
  );
  assert.deepEqual([opened.id, opened.open, opened.updates[0].by], ['inc-1', true, 'cli:ann']);
  const updated = json(
    await pledgeHereWith(
      local,
      'incidents',
      'update',
      'inc-1',
      '--status',
      'identified',
      '--message',
      'A database index was missing.',
      '--db',
      db,
      '--json',
    ),
  );
  assert.equal(updated.updates.length, 2);
  const resolved = json(await pledgeHereWith(local, 'incidents', 'resolve', 'inc-1', '--message', 'Fixed.', '--db', db, '--json'));
  assert.equal(resolved.open, false);
  assert.deepEqual(json(await pledgeHereWith(local, 'incidents', 'list', '--open', '--db', db, '--json')).items, []);

  const bad = await pledgeHereWith(
    local,
    'incidents',
    'open',
    '--title',
    'x',
    '--services',
    'checkout',
    '--level',
    'bad',
    '--message',
    'y',
    '--db',
    db,
  );
  assert.equal(bad.code, 2);
  assert.match(bad.err, /level: .*expected one of "degraded"/);
  const missing = await pledgeHereWith(local, 'incidents', 'update', 'nope', '--message', 'x', '--db', db);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /no incident nope/);
});
