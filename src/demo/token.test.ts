/**
 * The demo admin token rotates: each issue makes a fresh token that expires after a week and
 * revokes the earlier demo tokens (including a never-expiring one from an older Pledge), with the
 * rotation in the audit log; other tokens of the same user are left alone. On SQLite and on
 * PostgreSQL (skipped loudly without it, a failure when PLEDGE_REQUIRE_POSTGRES=1).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/index.ts';
import { skipBanner, startPostgres } from '../store/testing/pg-harness.ts';
import { generateTokenSecret, hashTokenSecret } from '../store/tokens.ts';
import type { Store, StoreConfig } from '../store/types.ts';
import { DEMO_TOKEN_TTL_MS, DEMO_USER, issueDemoToken } from './token.ts';

const started = await startPostgres();
if (!started.ok) {
  if (process.env.PLEDGE_REQUIRE_POSTGRES === '1' || process.env.PLEDGE_TEST_DATABASE_URL)
    test('PostgreSQL is available for the demo token tests', () => assert.fail(started.reason));
  else console.error(skipBanner(started.reason));
}
after(async () => {
  if (started.ok) await started.harness.stop();
});

const T = Date.parse('2026-11-23T12:00:00Z');
const HOUR = 3_600_000;

function rotation(name: string, config: () => StoreConfig, skip?: string) {
  describe(`the demo token on ${name}`, { skip: skip ?? false }, () => {
    test('each issue revokes the earlier demo tokens, expires after a week, and is audited', async () => {
      const store: Store = await openStore(config());
      try {
        // A Pledge before rotation left a never-expiring demo token; an admin made another token
        // for the same user, and one demo token has expired already.
        const legacy = await issueLegacy(store, 'demo admin', undefined);
        const other = await issueLegacy(store, 'ci pipeline', undefined);
        const stale = await issueLegacy(store, 'demo admin 2026-01-01T00:00:00.000Z', T - HOUR);

        const first = await issueDemoToken(store, { tenant: 'demo', now: T, actor: 'pledge serve --demo' });
        assert.equal(first.expiresAt, T + DEMO_TOKEN_TTL_MS);
        assert.deepEqual(first.revoked, [legacy]);
        const second = await issueDemoToken(store, { tenant: 'demo', now: T + HOUR, actor: 'pledge serve --demo' });
        const third = await issueDemoToken(store, { tenant: 'demo', now: T + 2 * HOUR, actor: 'pledge serve --demo' });
        assert.deepEqual(second.revoked, [first.id]);
        assert.deepEqual(third.revoked, [second.id]);

        const byId = new Map((await store.listTokens('demo')).map((t) => [t.id, t]));
        for (const id of [legacy, first.id, second.id]) assert.ok(byId.get(id)!.revokedAt !== undefined, `${id} revoked`);
        assert.equal(byId.get(third.id)!.revokedAt, undefined);
        assert.equal(byId.get(third.id)!.expiresAt, T + 2 * HOUR + DEMO_TOKEN_TTL_MS);
        assert.equal(byId.get(other)!.revokedAt, undefined, 'not a demo token: left alone');
        assert.equal(byId.get(stale)!.revokedAt, undefined, 'expired already: left alone');
        // Only the newest secret is one the server would accept.
        const found = await store.findTokenByHash(hashTokenSecret(third.secret));
        assert.equal(found?.token.id, third.id);
        assert.equal((await store.findTokenByHash(hashTokenSecret(first.secret)))?.token.revokedAt, T + HOUR);

        // The audit log: the revocation of each earlier token names its successor and who rotated it.
        const revocation = (await store.listAudit('demo', { subject: `token:${first.id}` })).items.map((e) => [
          e.action,
          e.actor,
          (e.after as { replacedBy?: string }).replacedBy ?? null,
        ]);
        assert.deepEqual(revocation, [
          ['token.create', 'pledge serve --demo', null],
          ['token.revoke', 'pledge serve --demo', second.id],
        ]);
        assert.equal((await store.listAudit('demo', { subject: `token:${legacy}` })).items.at(-1)?.action, 'token.revoke');
        assert.deepEqual((await store.listAudit('demo', { subject: `token:${stale}` })).items, []);
      } finally {
        await store.close();
      }
    });
  });
}

/** A token made the way older code (or an admin) made them, straight in the store. */
async function issueLegacy(store: Store, name: string, expiresAt: number | undefined): Promise<string> {
  if (!(await store.getTenant('demo'))) await store.createTenant({ id: 'demo', name: 'demo', createdAt: T - 10 * HOUR });
  if (!(await store.getUser('demo', DEMO_USER)))
    await store.createUser('demo', { id: DEMO_USER, name: DEMO_USER, createdAt: T - 10 * HOUR });
  const id = `tok_${name.replace(/[^a-z0-9]/gi, '').slice(0, 20)}`;
  const created = await store.createToken('demo', {
    id,
    userId: DEMO_USER,
    name,
    role: 'admin',
    tokenHash: hashTokenSecret(generateTokenSecret()),
    createdAt: T - 10 * HOUR,
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  });
  assert.equal(created.status, 'created');
  return id;
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
rotation('SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-demo-token-'));
  dirs.push(dir);
  return { kind: 'sqlite', path: join(dir, 'pledge.db') };
});
rotation(
  'PostgreSQL',
  () =>
    started.ok
      ? { kind: 'postgres', url: started.harness.url, schema: started.harness.freshSchema() }
      : { kind: 'sqlite', path: ':never:' },
  started.ok ? undefined : started.reason,
);
