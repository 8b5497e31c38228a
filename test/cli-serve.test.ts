/** `pledge serve --demo`: the first run a new user gets from `npm start`, end to end over HTTP. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe } from './serve-process.ts';

interface DemoInfo {
  url: string;
  token: string;
  tenant: string;
  tokenId: string;
  tokenExpiresAt: string;
  revokedTokens: string[];
}

function start(dataDir: string): Promise<{ info: DemoInfo; stop: () => Promise<number | null> }> {
  return startServe({ args: ['--demo'], env: { PLEDGE_DATA_DIR: dataDir } }).then((s) => ({ info: s.info as DemoInfo, stop: s.stop }));
}

const get = (url: string, token: string) => fetch(url, { headers: { authorization: `Bearer ${token}` } });

test('serve --demo: seeded tenant, admin token, API answering; each restart keeps the data, rotates the token and audits it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-serve-'));
  const runs: DemoInfo[] = [];
  try {
    const first = await start(dir);
    try {
      const { url, token, tenant } = first.info;
      runs.push(first.info);
      assert.equal(tenant, 'demo');
      assert.match(token, /^pledge_/);
      assert.deepEqual(first.info.revokedTokens, []);
      // A week, not for ever.
      const week = Date.parse(first.info.tokenExpiresAt) - Date.now();
      assert.ok(week > 6.9 * 86_400_000 && week <= 7 * 86_400_000, first.info.tokenExpiresAt);
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      assert.equal((await fetch(`${url}/v1/agreements`)).status, 401);
      const list = (await (await get(`${url}/v1/agreements?limit=100`, token)).json()) as { items: Array<{ state: string }> };
      assert.equal(list.items.length, 10);
      assert.ok(list.items.every((a: { state: string }) => a.state === 'active'));
    } finally {
      assert.equal(await first.stop(), 0);
    }
    // Two restarts on the same data directory.
    for (let i = 0; i < 2; i++) {
      const again = await start(dir);
      try {
        const { url, token, tokenId } = again.info;
        const previous = runs.at(-1)!;
        runs.push(again.info);
        assert.notEqual(token, previous.token);
        assert.deepEqual(again.info.revokedTokens, [previous.tokenId], 'the previous demo token, and only it, was still active');
        const events = (await (await get(`${url}/v1/events?limit=1`, token)).json()) as { items: unknown[] };
        assert.equal(events.items.length, 1, 'the data is kept');
        // Only the newest token works; every earlier one is refused as revoked.
        for (const old of runs.slice(0, -1)) {
          const res = await get(`${url}/v1/agreements`, old.token);
          assert.equal(res.status, 401, `token of run ${runs.indexOf(old) + 1}`);
          assert.equal(((await res.json()) as { details: { reason: string } }).details.reason, 'revoked_token');
        }
        const tokens = (await (await get(`${url}/v1/tokens`, token)).json()) as { items: Array<{ id: string; status: string }> };
        assert.deepEqual(
          tokens.items.filter((t) => t.status === 'active').map((t) => t.id),
          [tokenId],
        );
        // The audit log records the rotation: the new token's creation and the old one's revocation, naming its successor.
        const audit = (await (await get(`${url}/v1/audit?subject=${encodeURIComponent(`token:${previous.tokenId}`)}`, token)).json()) as {
          items: Array<{ action: string; actor: string; after?: { replacedBy?: string; reason?: string } }>;
        };
        const revoke = audit.items.find((e) => e.action === 'token.revoke');
        assert.equal(revoke?.actor, 'pledge serve --demo');
        assert.equal(revoke?.after?.replacedBy, tokenId);
        assert.equal(revoke?.after?.reason, 'demo token rotated');
        const created = (await (await get(`${url}/v1/audit?subject=${encodeURIComponent(`token:${tokenId}`)}`, token)).json()) as {
          items: Array<{ action: string; actor: string }>;
        };
        assert.deepEqual(
          created.items.map((e) => [e.action, e.actor]),
          [['token.create', 'pledge serve --demo']],
        );
      } finally {
        assert.equal(await again.stop(), 0);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
