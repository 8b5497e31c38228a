/**
 * Reliability: the real server process (`pledge serve`) killed with SIGKILL while batches are in
 * flight, on SQLite and on PostgreSQL.
 *
 * What an acknowledgement promises (docs/events.md, issue 4): an event answered `accepted` in a 200
 * is committed. So after a restart on the same database:
 * - every event of every acknowledged batch is stored;
 * - a batch is one transaction: each batch that was in flight is stored whole or not at all;
 * - re-sending every batch, acknowledged or not, answers `duplicate` for exactly the events that
 *   are stored and `accepted` for the rest, and the number stored is then the number of distinct
 *   events sent: nothing is counted twice.
 *
 * The kill is made deterministic in what matters without timing: several clients send batches
 * back to back, and the server is killed when the Nth acknowledgement arrives, while the other
 * clients' requests are still unanswered (the test checks that some were). Where in its work the
 * server dies varies from run to run; every outcome is one the assertions accept.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe, type ServeProcess } from './serve-process.ts';
import { openStore } from '../src/store/index.ts';
import type { StoreConfig } from '../src/store/types.ts';
import { createApiToken } from '../src/app/tokens.ts';
import { unwrap } from '../src/core/validation/issues.ts';
import { skipBanner, startPostgres } from '../src/store/testing/pg-harness.ts';

const TENANT = 'reliab';
const BATCH = 400;
const CLIENTS = 4;
/** The server is killed when this many batches have been acknowledged. */
const KILL_AFTER = 12;
/** A bound on the batches sent, so a server that is never killed cannot make the loop endless. */
const MAX_BATCHES = 500;
/** Not a timed assertion: only so that a server that hangs fails the test instead of blocking the run. */
const HANG = 300_000;

const dirs: string[] = [];
const children = new Set<ChildProcess>();
after(() => {
  // A failed assertion may leave a server running: end it, so the test process can end.
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function batchEvents(batch: number): Array<Record<string, unknown>> {
  const start = Date.UTC(2026, 9, 1);
  return Array.from({ length: BATCH }, (_, i) => ({
    id: `b${batch}-e${i}`,
    type: 'check.result',
    source: 'probe',
    at: new Date(start + (batch * BATCH + i) * 1000).toISOString(),
    service: 'pbx',
    check: 'https',
    up: i % 7 !== 0,
    latencyMs: i % 300,
  }));
}
const ndjson = (batch: number) =>
  `${batchEvents(batch)
    .map((e) => JSON.stringify(e))
    .join('\n')}\n`;
const idsOf = (batch: number) => batchEvents(batch).map((e) => e.id as string);

/** Starts `pledge serve` (test/serve-process.ts), killed at the end if a test left it running. */
async function startServer(env: Record<string, string>): Promise<ServeProcess> {
  const s = await startServe({ env });
  children.add(s.child);
  return s;
}

async function stopServer(s: ServeProcess): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  assert.equal(await s.stop(), 0, `pledge serve should stop cleanly on SIGTERM: ${s.stderr()}`);
}

type Result = { index: number; id: string | null; status: string };
type Report = { committed: boolean; received: number; accepted: number; duplicates: number; results: Result[] };

async function post(url: string, token: string, batch: number): Promise<{ status: number; body: Report }> {
  const r = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
    body: ndjson(batch),
  });
  return { status: r.status, body: (await r.json()) as Report };
}

/** Every stored event id, through the API (all pages), in the order listed. */
async function listIds(url: string, token: string): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const r = await fetch(`${url}/v1/events?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(r.status, 200);
    const page = (await r.json()) as { items: Array<{ id: string }>; next?: string };
    ids.push(...page.items.map((e) => e.id));
    after = page.next;
  } while (after);
  return ids;
}

/**
 * Clients send numbered batches back to back; at the KILL_AFTER-th acknowledgement the server gets
 * SIGKILL. Returns the batches acknowledged (200 with every event accepted) and those sent without
 * an answer.
 */
async function ingestUntilKilled(
  server: ServeProcess,
  token: string,
): Promise<{ acked: Set<number>; unanswered: Set<number>; inFlightAtKill: number }> {
  const acked = new Set<number>();
  const unanswered = new Set<number>();
  const pending = new Set<number>();
  let next = 0;
  let killed = false;
  let inFlightAtKill = -1;
  const client = async () => {
    while (!killed && next < MAX_BATCHES) {
      const b = next++;
      pending.add(b);
      let answer: { status: number; body: Report } | undefined;
      try {
        answer = await post(server.url, token, b);
      } catch {
        // The connection died with the server (reset, refused, or a body cut short): no answer.
      }
      pending.delete(b);
      if (!answer) {
        assert.ok(killed, `batch ${b} failed before the server was killed: ${server.stderr()}`);
        unanswered.add(b);
        continue;
      }
      // An answer may still arrive just after kill() was called (it was in the socket already):
      // it is an acknowledgement like any other.
      assert.equal(answer.status, 200, `batch ${b}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.results.length, BATCH);
      assert.ok(
        answer.body.results.every((r) => r.status === 'accepted'),
        `batch ${b} is new, so every event is accepted`,
      );
      acked.add(b);
      if (acked.size === KILL_AFTER && !killed) {
        killed = true;
        inFlightAtKill = pending.size;
        server.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const how = await server.exited;
  assert.equal(how.signal, 'SIGKILL', `the server should have been killed, not ended by itself: ${server.stderr()}`);
  return { acked, unanswered, inFlightAtKill };
}

async function crashAndRecover(store: StoreConfig, env: Record<string, string>, note: (s: string) => void): Promise<void> {
  // The tenant and an agent token, made on the database before the server starts.
  const setup = await openStore(store);
  const token = unwrap(
    await createApiToken(
      { store: setup, now: Date.now(), actor: 'reliability test' },
      { tenant: TENANT, user: 'sender', name: 'reliability', role: 'agent' },
    ),
  ).secret;
  await setup.close();

  const first = await startServer(env);
  const { acked, unanswered, inFlightAtKill } = await ingestUntilKilled(first, token);
  assert.ok(acked.size >= KILL_AFTER);
  assert.ok(inFlightAtKill >= 1, 'some requests were in flight when the server was killed');
  assert.ok(unanswered.size >= 1, 'some batches were sent and never answered');
  const sent = [...acked, ...unanswered].sort((a, b) => a - b);

  const second = await startServer(env);
  try {
    const listed = await listIds(second.url, token);
    const stored = new Set(listed);
    assert.equal(stored.size, listed.length, 'no event is stored twice');
    for (const b of acked) for (const id of idsOf(b)) assert.ok(stored.has(id), `event ${id} of acknowledged batch ${b} is stored`);
    // A batch is one transaction: in full or not at all; and nothing was stored that was not sent.
    const storedBatches = sent.filter((b) => idsOf(b).some((id) => stored.has(id)));
    for (const b of storedBatches)
      assert.ok(
        idsOf(b).every((id) => stored.has(id)),
        `batch ${b} is stored whole or not at all`,
      );
    assert.equal(stored.size, storedBatches.length * BATCH, 'only events that were sent are stored');
    const committedUnanswered = [...unanswered].filter((b) => stored.has(idsOf(b)[0]!)).length;
    note(
      `${acked.size} batches acknowledged, ${unanswered.size} sent without an answer (${committedUnanswered} of those committed), ${inFlightAtKill} in flight at the kill`,
    );

    // Re-send every batch that was sent, and one that never was: duplicates for what is stored,
    // accepted for the rest, never a conflict.
    const again = [...sent, Math.max(...sent) + 1];
    for (const b of again) {
      const r = await post(second.url, token, b);
      assert.equal(r.status, 200);
      const expected = stored.has(idsOf(b)[0]!) ? 'duplicate' : 'accepted';
      assert.ok(
        r.body.results.every((x) => x.status === expected),
        `batch ${b} re-sent: every event ${expected}, got ${[...new Set(r.body.results.map((x) => x.status))].join(', ')}`,
      );
    }
    const afterResend = await listIds(second.url, token);
    assert.equal(afterResend.length, again.length * BATCH, 'every distinct event once: nothing counted twice');
    assert.equal(new Set(afterResend).size, afterResend.length);

    // Once more, all of it: only duplicates, and the count stays.
    for (const b of again) {
      const r = await post(second.url, token, b);
      assert.equal(r.body.duplicates, BATCH, `batch ${b} a third time: all duplicates`);
      assert.equal(r.body.accepted, 0);
    }
    assert.equal((await listIds(second.url, token)).length, again.length * BATCH);
  } finally {
    await stopServer(second);
  }

  // The store agrees, read directly: the count and the event sequence match.
  const check = await openStore(store);
  try {
    assert.equal(await check.countEvents(TENANT), (sent.length + 1) * BATCH);
    assert.equal(await check.lastEventSeq(TENANT), (sent.length + 1) * BATCH, 'no sequence number was taken twice or skipped');
  } finally {
    await check.close();
  }
}

test('SQLite: pledge serve killed with SIGKILL during ingestion keeps every acknowledged event; re-sending gives duplicates, not double counting', {
  timeout: HANG,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-reliab-'));
  dirs.push(dir);
  await crashAndRecover({ kind: 'sqlite', path: join(dir, 'pledge.db') }, { PLEDGE_DATA_DIR: dir }, (m) => t.diagnostic(m));
});

const pg = await startPostgres();
if (!pg.ok) {
  if (process.env.PLEDGE_REQUIRE_POSTGRES === '1' || process.env.PLEDGE_TEST_DATABASE_URL) {
    test('PostgreSQL is available for the reliability test', () => assert.fail(pg.reason));
  } else {
    console.error(skipBanner(pg.reason));
  }
}
after(async () => {
  if (pg.ok) await pg.harness.stop();
});

test('PostgreSQL: pledge serve killed with SIGKILL during ingestion keeps every acknowledged event; re-sending gives duplicates, not double counting', {
  skip: pg.ok ? false : pg.reason,
  timeout: HANG,
}, async (t) => {
  const harness = (pg as Extract<typeof pg, { ok: true }>).harness;
  // A schema of its own: opening a store there creates and migrates it; the server then finds it
  // through search_path in its DATABASE_URL.
  const schema = harness.freshSchema();
  const url = `${harness.url}${harness.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  await crashAndRecover({ kind: 'postgres', url: harness.url, schema }, { DATABASE_URL: url }, (m) => t.diagnostic(m));
});
