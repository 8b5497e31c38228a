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
  inbox?: { page: string; webhook: string; smtp: { host: string; port: number }; dir: string };
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
      assert.equal(list.items.length, 11, 'the ten example agreements and the live desk');
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

test("serve --demo has live activity: the live desk's first warning reaches the demo inbox, signed, and by e-mail", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-live-'));
  try {
    const s = await start(dir);
    try {
      const inbox = s.info.inbox;
      assert.ok(inbox, 'the JSON names the inbox');
      assert.equal(inbox.dir, join(dir, 'demo-inbox'));
      type Received = { webhooks: Array<{ type: string; summary: string }>; mails: Array<{ to: string; subject: string }> };
      let got: Received = { webhooks: [], mails: [] };
      // The backlog ticket is at 75% of its response time at the start: its warnings go out at once
      // (the scheduler refreshes on the desk's events, the delivery loop polls every second).
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        got = (await (await fetch(`${inbox.page}received.json`)).json()) as Received;
        if (got.webhooks.some((w) => /NOC-.*75%/.test(w.summary)) && got.mails.some((m) => /75%/.test(m.subject))) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const warning = got.webhooks.find((w) => /NOC-.*75%/.test(w.summary));
      assert.ok(warning, `no 75% warning arrived in two minutes: ${JSON.stringify(got)}`);
      assert.equal(warning.type, 'alert.firing');
      assert.ok(got.mails.some((m) => m.to === 'oncall@localhost' && /75%/.test(m.subject)));
      // The inbox verified the signature (it refuses what does not verify) and wrote it down.
      const page = await (await fetch(inbox.page)).text();
      assert.match(page, /signatures verified/);
      // The demo's built-in monitor has checked its local endpoint (up, or in its minute down).
      const mon = (await (await get(`${s.info.url}/v1/monitors/demo-web`, s.info.token)).json()) as {
        spec: { service: string };
        state: { status: string; lastCheckAt: string | null };
      };
      assert.equal(mon.spec.service, 'checkout');
      assert.ok(mon.state.lastCheckAt !== null && mon.state.status !== 'unknown', JSON.stringify(mon.state));
    } finally {
      assert.equal(await s.stop(), 0);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
