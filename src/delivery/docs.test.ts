/**
 * docs/alerts.md shows a channels file, a retry schedule and a receiver that verifies signatures:
 * this test reads them from the document and runs them, so the docs cannot drift from the code.
 * The receiver snippet runs as written, as a Node process, and is sent real deliveries.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { channelsFromText, type Channel } from '../core/delivery/channel.ts';
import { formatIssue } from '../core/validation/issues.ts';
import { RETRY_DELAYS_MS } from '../core/delivery/retry.ts';
import { parseDuration } from '../core/time/duration.ts';
import { sampleMessage } from '../core/delivery/testing/sample-message.ts';
import { deliver } from './deliver.ts';
import { generateWebhookSecret } from './secrets.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const doc = readFileSync(join(root, 'docs/alerts.md'), 'utf8');

function blocks(lang: string): string[] {
  return [...doc.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]!);
}

test('the channels file in the docs is valid, with every kind', () => {
  // The channels file is the YAML block that starts with `channels:` (the page has agreement snippets too).
  const yaml = blocks('yaml').find((b) => /^channels:/m.test(b));
  assert.ok(yaml, 'a channels file in docs/alerts.md');
  const r = channelsFromText(yaml, 'docs/alerts.md');
  assert.ok(r.ok, r.ok ? '' : r.issues.map(formatIssue).join('\n'));
  assert.deepEqual(
    r.value.map((c) => c.kind),
    ['webhook', 'email', 'slack', 'teams'],
  );
});

test('the retry schedule in the docs is the one the code follows', () => {
  const section = doc.slice(doc.indexOf('## Retries and guarantees'));
  const rows = [...section.matchAll(/^\| (\d+) \| (\S+) \| [^|]+ \|$/gm)].map((m) => [Number(m[1]), m[2]!] as const);
  assert.equal(rows.length, RETRY_DELAYS_MS.length + 1);
  rows.forEach(([attempt, delay], i) => {
    assert.equal(attempt, i + 1);
    const d = parseDuration(delay);
    assert.ok(d.ok && d.value.kind === 'fixed', delay);
    assert.equal(d.value.ms, i === 0 ? 0 : RETRY_DELAYS_MS[i - 1], `attempt ${attempt}`);
  });
});

let child: ChildProcess | undefined;
let dir: string | undefined;
after(() => {
  if (child && child.exitCode === null) child.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

test('the receiver snippet in the docs verifies real deliveries, refuses a forged one and dedupes by webhook-id', async () => {
  const [snippet] = blocks('js');
  assert.ok(snippet);
  // Inside the repository, so that `standardwebhooks` resolves as in a receiver's project.
  mkdirSync(join(root, '.tmp'), { recursive: true });
  dir = mkdtempSync(join(root, '.tmp', 'docs-receiver-'));
  writeFileSync(join(dir, 'receiver.mjs'), snippet);
  const secret = generateWebhookSecret();
  const port = await freePort();
  child = spawn(process.execPath, [join(dir, 'receiver.mjs')], {
    env: { ...process.env, PORT: String(port), PLEDGE_WEBHOOK_SECRET: secret },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c));
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  const url = `http://127.0.0.1:${port}/pledge`;
  // Wait until it listens: an unsigned request is answered 401.
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(url, { method: 'POST', body: '{}' });
      assert.equal(res.status, 401);
      break;
    } catch (e) {
      if (i > 200 || child.exitCode !== null) throw new Error(`the receiver did not start: ${stderr || (e as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const channel: Channel = { id: 'docs', kind: 'webhook', enabled: true, audience: 'internal', settings: { url, secrets: ['env:S'] } };
  const message = sampleMessage();
  const first = await deliver(channel, message, { now: Date.now(), env: { S: secret } });
  assert.equal(first.kind, 'delivered', JSON.stringify(first));
  assert.equal(first.log.status, 204);
  const replay = await deliver(channel, message, { now: Date.now(), env: { S: secret } });
  assert.equal(replay.kind, 'delivered');
  const forged = await deliver(channel, sampleMessage({ idempotencyKey: 'forged' }), {
    now: Date.now(),
    env: { S: generateWebhookSecret() },
  });
  assert.ok(forged.kind === 'failed');
  assert.equal(forged.log.status, 401);
  const other = await deliver(channel, sampleMessage({ idempotencyKey: 'another', eventType: 'alert.resolved' }), {
    now: Date.now(),
    env: { S: secret },
  });
  assert.equal(other.kind, 'delivered');
  // The receiver logs before it answers; the lines may reach this process a moment after the answer.
  for (let i = 0; i < 200 && stdout.trim().split('\n').length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  const lines = stdout.trim().split('\n');
  assert.deepEqual(lines, [`alert.firing ${JSON.stringify(message.data)}`, `alert.resolved ${JSON.stringify(message.data)}`]);
});
