/**
 * `pledge rebuild`, `status` and `report` on a database seeded with the demo data set. rebuild,
 * status, a text report and a bad period run as real processes (`pledge`); the other cases run the
 * same build in this process (`pledgeHere`, test/helpers.ts).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pledge, pledgeHere } from './helpers.ts';
import { openStore } from '../src/store/index.ts';
import { seedDemo } from '../src/demo/seed.ts';

let db: string;
before(async () => {
  db = join(mkdtempSync(join(tmpdir(), 'pledge-derived-')), 'pledge.db');
  const store = await openStore({ kind: 'sqlite', path: db });
  await seedDemo(store, Date.parse('2026-11-23T12:00:00Z'), 'demo');
  await store.close();
});

test('rebuild, then a report in text, JSON and CSV', async () => {
  const r = JSON.parse(pledge('rebuild', '--tenant', 'demo', '--db', db, '--json').out);
  assert.equal(r.agreements, 10);
  assert.ok(r.settlements > 0);
  const json = JSON.parse(
    (await pledgeHere('report', '--agreement', 'acme-checkout', '--period', '2026-09', '--format', 'json', '--tenant', 'demo', '--db', db))
      .out,
  );
  assert.deepEqual(
    json.lines.map((l: { target: string }) => l.target),
    ['uptime', 'p1-resolution'],
  );
  const csv = (
    await pledgeHere('report', '--agreement', 'acme-checkout', '--period', '2026-09', '--format', 'csv', '--tenant', 'demo', '--db', db)
  ).out.split('\n');
  // Agreement and period on every line, so the reports of several agreements can be concatenated.
  assert.equal(csv[0], 'agreement,period,target,metric,window,state,value,promised,margin,owed,due,reason,note');
  assert.match(csv[1]!, /^acme-checkout,2026-09,uptime,availability,2026-09,/);
  const text = pledge('report', '--agreement', 'acme-checkout', '--period', '2026-09', '--tenant', 'demo', '--db', db);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /^Report for acme-checkout \(.+\), 2026-09/);
});

test('status lists what is at risk or breached now; bad report options exit 2', async () => {
  const s = pledge('status', '--tenant', 'demo', '--db', db, '--json');
  assert.equal(s.code, 0, s.err);
  const j = JSON.parse(s.out);
  assert.ok(Array.isArray(j.tickets) && Array.isArray(j.targets));
  assert.equal((await pledgeHere('report', '--agreement', 'nope', '--period', '2026-09', '--tenant', 'demo', '--db', db)).code, 2);
  assert.equal((await pledgeHere('report', '--agreement', 'acme-checkout', '--period', '1999-01', '--tenant', 'demo', '--db', db)).code, 2);
  assert.equal(
    (await pledgeHere('report', '--agreement', 'acme-checkout', '--period', '2026-09', '--format', 'pdf', '--tenant', 'demo', '--db', db))
      .code,
    2,
  );
  const month13 = pledge('report', '--agreement', 'acme-checkout', '--period', '2026-13', '--tenant', 'demo', '--db', db);
  assert.equal(month13.code, 2);
  assert.match(month13.err, /--period/);
});

test('a tenant that does not exist is bad input naming --tenant, for every command on results', async () => {
  for (const args of [['rebuild'], ['status'], ['report', '--agreement', 'acme-checkout', '--period', '2026-09']]) {
    const r = await pledgeHere(...args, '--tenant', 'dmeo', '--db', db);
    assert.equal(r.code, 2, `${args[0]}: ${r.err}`);
    if (args[0] === 'report')
      assert.match(
        r.err,
        /--tenant: no agreement acme-checkout in tenant dmeo: there is no tenant dmeo in this database; it exists in tenant demo, pass --tenant demo/,
      );
    else assert.match(r.err, /--tenant: no tenant dmeo in this database \(expected one of demo, got "dmeo"\)/);
    assert.doesNotMatch(r.err, /internal error/);
  }
});
