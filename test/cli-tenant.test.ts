/**
 * Commands that name a stored agreement on a database say where it is when it is not in the
 * tenant asked for (the commands default to `default`, the demo lives in `demo`), or that the
 * tenant does not exist, instead of a bare "not found": review, transition, diff, report, reviews.
 * The first apply and review run as real processes (`pledge`), the others the same build in this
 * process (`pledgeHere`, test/helpers.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pledge, pledgeHere } from './helpers.ts';

test('an agreement in another tenant, or a tenant that does not exist: the message says which tenant to pass', async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'pledge-tenant-')), 'pledge.db');
  assert.equal(pledge('apply', '-f', 'examples/agreements/sla-checkout.yaml', '--tenant', 'demo', '--db', db).code, 0);

  // No tenant `default` at all yet.
  const missing = pledge('review', 'acme-checkout', '--outcome', 'kept', '--by', 'Ada', '--db', db);
  assert.equal(missing.code, 2);
  assert.equal(
    missing.err,
    'pledge: --tenant: no agreement acme-checkout in tenant default: there is no tenant default in this database; it exists in tenant demo, pass --tenant demo (got "default")\n',
  );

  // `default` exists (another agreement in it), acme-checkout is in `demo`.
  assert.equal((await pledgeHere('apply', '-f', 'examples/agreements/uptime-fine.yaml', '--db', db)).code, 0);
  const file = 'examples/amendments/sla-checkout-p1-penalty.yaml';
  for (const args of [
    ['review', 'acme-checkout', '--outcome', 'kept', '--by', 'Ada'],
    ['transition', 'acme-checkout', '--to', 'in_review'],
    ['diff', file, '--stored', '1'],
    ['diff', '--agreement', 'acme-checkout', '--from', '1', '--to', '2'],
    ['report', '--agreement', 'acme-checkout', '--period', '2026-10'],
  ]) {
    const r = await pledgeHere(...args, '--db', db);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(
      r.err,
      /^pledge: --tenant: no agreement acme-checkout in tenant default; it exists in tenant demo, pass --tenant demo \(got "default"\)\n$/,
      args.join(' '),
    );
    // --json gives the same issue, as JSON.
    const j = await pledgeHere(...args, '--db', db, '--json');
    assert.equal(
      JSON.parse(j.err).error.issues[0].message,
      'no agreement acme-checkout in tenant default; it exists in tenant demo, pass --tenant demo',
      args.join(' '),
    );
  }
  // In two other tenants: both named.
  assert.equal((await pledgeHere('apply', '-f', 'examples/agreements/sla-checkout.yaml', '--tenant', 'acme', '--db', db)).code, 0);
  assert.match(
    (await pledgeHere('review', 'acme-checkout', '--outcome', 'kept', '--by', 'Ada', '--db', db)).err,
    /--tenant: no agreement acme-checkout in tenant default; agreement acme-checkout exists in tenants acme, demo: pass --tenant with one of them/,
  );
  // Nowhere: the agreement argument is the mistake.
  assert.match(
    (await pledgeHere('review', 'acme-checkuot', '--outcome', 'kept', '--by', 'Ada', '--db', db)).err,
    /<agreement>: no agreement acme-checkuot in tenant default, nor in any other tenant of this database/,
  );
  // Passing the tenant it names works.
  const ok = await pledgeHere(
    'review',
    'acme-checkout',
    '--outcome',
    'kept',
    '--by',
    'Ada',
    '--at',
    '2026-02-10',
    '--tenant',
    'demo',
    '--db',
    db,
  );
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /^acme-checkout: review of 2026-02-10 by Ada recorded \(kept\); 1 review on record/);
  // A listing over a tenant that does not exist names the ones there are.
  const reviews = await pledgeHere('reviews', '--tenant', 'dmeo', '--db', db);
  assert.equal(reviews.code, 2);
  assert.equal(reviews.err, 'pledge: --tenant: no tenant dmeo in this database (expected one of acme, default, demo, got "dmeo")\n');
});
