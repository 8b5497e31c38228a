/** `pledge serve --demo`: the first run a new user gets from `npm start`, end to end over HTTP. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe } from './serve-process.ts';

function start(dataDir: string): Promise<{ info: { url: string; token: string; tenant: string }; stop: () => Promise<number | null> }> {
  return startServe({ args: ['--demo'], env: { PLEDGE_DATA_DIR: dataDir } }).then((s) => ({ info: s.info as { url: string; token: string; tenant: string }, stop: s.stop }));
}

test('serve --demo: seeded tenant, admin token, API answering; a second start keeps the data and prints a new token', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-serve-'));
  const first = await start(dir);
  try {
    const { url, token, tenant } = first.info;
    assert.equal(tenant, 'demo');
    assert.match(token, /^pledge_/);
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.equal((await fetch(`${url}/v1/agreements`)).status, 401);
    const list = (await (await fetch(`${url}/v1/agreements?limit=100`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: Array<{ state: string }> };
    assert.equal(list.items.length, 10);
    assert.ok(list.items.every((a: { state: string }) => a.state === 'active'));
  } finally {
    assert.equal(await first.stop(), 0);
  }
  const second = await start(dir);
  try {
    assert.notEqual(second.info.token, first.info.token);
    const events = (await (await fetch(`${second.info.url}/v1/events?limit=1`, { headers: { authorization: `Bearer ${second.info.token}` } })).json()) as { items: unknown[] };
    assert.equal(events.items.length, 1);
  } finally {
    await second.stop();
  }
});
