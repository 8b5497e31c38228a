/**
 * The store contract on SQLite (a new file per database in a temporary folder), and what only
 * SQLite has: the file's settings, triggers seen through a raw connection, and a writer killed
 * with SIGKILL in the middle of ingestion.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { storeContract } from './contract.ts';
import { StoreError } from './errors.ts';
import { openStore } from './index.ts';
import { crashBatch } from './testing/crash-child.ts';
import { loadMigrations } from './migrate.ts';

const dir = mkdtempSync(join(tmpdir(), 'pledge-sqlite-'));
let files = 0;
const freshPath = () => join(dir, `store-${++files}.db`);
const childScript = fileURLToPath(new URL('./testing/crash-child.ts', import.meta.url));
after(() => rmSync(dir, { recursive: true, force: true }));

storeContract({ name: 'sqlite', freshConfig: () => ({ kind: 'sqlite', path: freshPath() }) });

describe('sqlite adapter', () => {
  test('creates the folder and the file, in WAL mode', async () => {
    const path = join(dir, 'nested', 'deeper', 'pledge.db');
    const store = await openStore({ kind: 'sqlite', path });
    await store.close();
    const raw = new Database(path, { readonly: true });
    try {
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(raw.prepare('SELECT count(*) AS n FROM schema_migrations').get() && true, true);
    } finally {
      raw.close();
    }
  });

  test('append-only tables refuse UPDATE and DELETE even through raw SQL', async () => {
    const path = freshPath();
    const store = await openStore({ kind: 'sqlite', path });
    await store.createTenant({ id: 't', name: 'T', createdAt: 0 });
    await store.appendEvents(
      't',
      [{ id: 'e', type: 'ticket.created', ticket: 'T-1', at: '2026-10-01T00:00:00Z', atMs: Date.UTC(2026, 9, 1) }],
      { receivedAt: 0 },
    );
    await store.appendAudit('t', { at: 0, actor: 'a', action: 'x', subject: 'y' });
    await store.close();
    const raw = new Database(path);
    try {
      assert.throws(() => raw.prepare("UPDATE events SET type = 'ticket.closed'").run(), /append-only/);
      assert.throws(() => raw.prepare('DELETE FROM events').run(), /append-only/);
      assert.throws(() => raw.prepare("UPDATE audit_log SET actor = 'mallory'").run(), /append-only/);
      assert.throws(() => raw.prepare('DELETE FROM audit_log').run(), /append-only/);
      assert.equal((raw.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n, 1);
    } finally {
      raw.close();
    }
  });

  test('the ticket registry refuses a change of owner, and deletion, even through raw SQL', async () => {
    const path = freshPath();
    const store = await openStore({ kind: 'sqlite', path });
    await store.createTenant({ id: 't', name: 'T', createdAt: 0 });
    const e = { id: 'e', type: 'ticket.created', at: '2026-10-01T00:00:00Z', atMs: Date.UTC(2026, 9, 1) };
    await store.appendEvents(
      't',
      [
        { ...e, ticket: 'T-1', customer: 'acme' },
        { ...e, id: 'f', ticket: 'T-2' },
      ],
      { receivedAt: 0 },
    );
    await store.close();
    const raw = new Database(path);
    try {
      assert.throws(() => raw.prepare("UPDATE tickets SET customer = 'mallory' WHERE ticket = 'T-1'").run(), /never changes/);
      assert.throws(() => raw.prepare("UPDATE tickets SET ticket = 'T-3' WHERE ticket = 'T-2'").run(), /never changes/);
      assert.throws(() => raw.prepare('DELETE FROM tickets').run(), /never deleted/);
      // Setting the customer of a ticket that has none is how a ticket gets its owner.
      raw.prepare("UPDATE tickets SET customer = 'acme', customer_seq = 2 WHERE ticket = 'T-2'").run();
    } finally {
      raw.close();
    }
  });

  test('alert history, attempts and resolved alerts refuse rewriting even through raw SQL', async () => {
    const path = freshPath();
    const store = await openStore({ kind: 'sqlite', path });
    await store.createTenant({ id: 't', name: 'T', createdAt: 0 });
    const alert = { kind: 'k', severity: 's', audience: 'internal', agreementId: 'g', target: 'r', level: 'l', firedAt: 0, details: {} };
    await store.applyAlertChanges('t', {
      at: 0,
      by: 'pledge',
      alerts: [
        { op: 'open', id: 'a1', dedupeKey: 'k1', ...alert },
        { op: 'open', id: 'a2', dedupeKey: 'k2', ...alert },
        { op: 'resolve', dedupeKey: 'k1', resolvedAt: 1, reason: 'met' },
      ],
      notifications: [{ idempotencyKey: 'n', channelId: 'c', recipient: '', payload: {} }],
    });
    const [n] = await store.claimNotifications({ worker: 'w', at: 0, leaseMs: 1000 });
    await store.completeNotification('t', n!.id, n!.lease, { outcome: 'delivered', at: 1 });
    await store.close();
    const raw = new Database(path);
    try {
      assert.throws(
        () => raw.prepare("UPDATE alerts SET state = 'firing', resolved_at = NULL WHERE id = 'a1'").run(),
        /resolved alert never changes/,
      );
      assert.throws(() => raw.prepare("DELETE FROM alerts WHERE id = 'a2'").run(), /never deleted/);
      assert.throws(() => raw.prepare("UPDATE alert_history SET actor = 'mallory'").run(), /append-only/);
      assert.throws(() => raw.prepare('DELETE FROM alert_history').run(), /append-only/);
      assert.throws(() => raw.prepare("UPDATE notification_attempts SET outcome = 'dead'").run(), /append-only/);
      assert.throws(() => raw.prepare('DELETE FROM notification_attempts').run(), /append-only/);
      // An open alert may change; a second open alert of one dedupe key may not exist.
      raw.prepare("UPDATE alerts SET level = 'l2' WHERE id = 'a2'").run();
      assert.throws(
        () =>
          raw
            .prepare(
              "INSERT INTO alerts (tenant, id, dedupe_key, kind, severity, audience, agreement_id, target, level, state, fired_at, details, updated_at) VALUES ('t', 'a3', 'k2', 'k', 's', 'i', 'g', 'r', 'l', 'firing', 0, '{}', 0)",
            )
            .run(),
        /UNIQUE/,
      );
    } finally {
      raw.close();
    }
  });

  test('migrating a database with events: each ticket gets the owner its first event naming a customer names; derived results are recomputed', async () => {
    const path = freshPath();
    const raw = new Database(path);
    const initial = loadMigrations('sqlite')[0]!;
    raw.exec('CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT');
    raw.exec(initial.sql);
    raw.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(initial.name, initial.checksum);
    raw.exec(
      "INSERT INTO tenants (id, name, created_at, derived_seq) VALUES ('t', 'T', 0, 4); INSERT INTO tenant_sequences VALUES ('t', 'events', 4), ('t', 'audit', 0)",
    );
    const put = raw.prepare(
      `INSERT INTO events (tenant, seq, source, event_id, type, at, ticket, customer, payload, payload_hash, received_at)
       VALUES ('t', ?, ?, ?, 'ticket.created', 0, ?, ?, '{}', 'h', 0)`,
    );
    // Before owners existed: a follow-up first, then the customer, then an event naming another one.
    put.run(1, '', 'a', 'T-1', null);
    put.run(2, '', 'b', 'T-1', 'acme');
    put.run(3, '', 'c', 'T-1', 'globex');
    put.run(4, 'jira', 'a', 'T-1', 'globex');
    raw.exec(`INSERT INTO derived_clocks VALUES ('t', 'gold', 'resolve', 'T-1', 1, '{}', 0)`);
    raw.close();
    const store = await openStore({ kind: 'sqlite', path });
    try {
      assert.deepEqual(
        store.migrations.applied,
        loadMigrations('sqlite')
          .map((m) => m.name)
          .slice(1),
        'every migration after the initial one',
      );
      assert.deepEqual(await store.findTickets('t', 'T-1'), [
        { source: '', ticket: 'T-1', customer: 'acme', firstSeq: 1, customerSeq: 2 },
        { source: 'jira', ticket: 'T-1', customer: 'globex', firstSeq: 4, customerSeq: 4 },
      ]);
      assert.equal(await store.getDerivedWatermark('t'), 0, 'every result is recomputed at the next read');
      assert.deepEqual((await store.listClocks('t')).items, []);
      const r = await store.appendEvents(
        't',
        [{ id: 'd', type: 'ticket.closed', at: '2026-10-01T00:00:00Z', atMs: 1, ticket: 'T-1', customer: 'globex' }],
        { receivedAt: 0 },
      );
      assert.deepEqual(r.outcomes, [{ status: 'conflict', owner: { source: '', ticket: 'T-1', customer: 'acme' } }]);
    } finally {
      await store.close();
    }
  });

  test('a database migrated by a newer Pledge, or with an edited migration, is refused', async () => {
    const newer = freshPath();
    await (await openStore({ kind: 'sqlite', path: newer })).close();
    const raw = new Database(newer);
    raw.prepare("INSERT INTO schema_migrations (name, checksum, applied_at) VALUES ('29990101_001_future', 'x', 0)").run();
    raw.close();
    await assert.rejects(
      openStore({ kind: 'sqlite', path: newer }),
      (e: unknown) => e instanceof StoreError && !e.retryable && /newer Pledge/.test(e.message),
    );

    const edited = freshPath();
    await (await openStore({ kind: 'sqlite', path: edited })).close();
    const raw2 = new Database(edited);
    raw2.prepare("UPDATE schema_migrations SET checksum = 'changed'").run();
    raw2.close();
    await assert.rejects(
      openStore({ kind: 'sqlite', path: edited }),
      (e: unknown) => e instanceof StoreError && /changed after it was applied/.test(e.message),
    );
  });

  test('a path that cannot be opened is a StoreError that says retrying will not help', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a folder');
    await assert.rejects(
      openStore({ kind: 'sqlite', path: join(file, 'pledge.db') }),
      (e: unknown) => e instanceof StoreError && e.retryable === false && e.cause !== undefined,
    );
    const notDb = join(dir, 'not-a-database.db');
    writeFileSync(notDb, 'this is not an SQLite file, but it is long enough to have a header...........................');
    await assert.rejects(openStore({ kind: 'sqlite', path: notDb }), (e: unknown) => e instanceof StoreError && e.retryable === false);
  });

  test('two processes appending the same batches at once: each event accepted exactly once', async () => {
    const path = freshPath();
    const tenant = 'race';
    const setup = await openStore({ kind: 'sqlite', path });
    await setup.createTenant({ id: tenant, name: 'Race', createdAt: 0 });
    await setup.close();
    const batchSize = 50;
    const batches = 40;
    // One writer goes first to last, the other last to first, so that they meet in the middle
    // rather than one trailing the other through batches it has already written.
    const writer = (order: 'forward' | 'reverse') => {
      const child = spawn(process.execPath, ['--import', 'tsx', childScript, path, tenant, String(batchSize), String(batches), order], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, PLEDGE_CHILD_WAIT: '1', PLEDGE_CHILD_PAUSE_MS: '5' },
      });
      let out = '';
      let err = '';
      let markReady: () => void;
      const ready = new Promise<void>((resolve) => (markReady = resolve));
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.startsWith('ready\n')) markReady();
      });
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const done = new Promise<number>((resolve, reject) =>
        child.on('exit', (code) => {
          if (code !== 0) return reject(new Error(`writer exited with ${code}: ${err}`));
          const acks = out
            .trim()
            .split('\n')
            .slice(1)
            .map((l) => Number(l.split(' ')[2]));
          assert.equal(acks.length, batches);
          resolve(acks.reduce((x, y) => x + y, 0));
        }),
      );
      return { ready, go: () => child.stdin.end('go\n'), done };
    };
    const writers = [writer('forward'), writer('reverse')];
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.go();
    const [a = 0, b = 0] = await Promise.all(writers.map((w) => w.done));
    assert.equal(a + b, batchSize * batches, `accepted ${a} + ${b}: each event exactly once`);
    const store = await openStore({ kind: 'sqlite', path });
    try {
      assert.equal(await store.countEvents(tenant), batchSize * batches);
      assert.equal(await store.lastEventSeq(tenant), batchSize * batches);
    } finally {
      await store.close();
    }
  });

  test('killed with SIGKILL during ingestion: every acknowledged batch is there, re-sending counts nothing twice', async () => {
    const path = freshPath();
    const tenant = 'crash';
    const setup = await openStore({ kind: 'sqlite', path });
    await setup.createTenant({ id: tenant, name: 'Crash', createdAt: 0 });
    await setup.close();

    const batchSize = 400;
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, path, tenant, String(batchSize)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: number[] = [];
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    let buffered = '';
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const m = /^ack (\d+) (\d+)$/.exec(line);
        if (m) {
          acked.push(Number(m[1]));
          assert.equal(Number(m[2]), batchSize);
        }
        // Kill it while it is writing: after some batches, at no particular point of the next one.
        if (acked.length === 15) child.kill('SIGKILL');
      }
    });
    const how = await exited;
    assert.equal(how, 'SIGKILL', `the writer should have been killed, not ended by itself: ${stderr}`);
    assert.ok(acked.length >= 15);

    const store = await openStore({ kind: 'sqlite', path });
    try {
      const last = await store.lastEventSeq(tenant);
      const count = await store.countEvents(tenant);
      assert.equal(count, last, 'the counter and the rows agree');
      // Every acknowledged batch is there in full; the batch in flight is there in full or not at all.
      assert.ok(count >= acked.length * batchSize, `${count} events stored, ${acked.length} batches acknowledged`);
      assert.equal(count % batchSize, 0, 'no batch was half written');
      for (const b of acked) {
        const again = await store.appendEvents(tenant, crashBatch(b, batchSize), { receivedAt: 0 });
        assert.equal(again.duplicates, batchSize, `batch ${b} was acknowledged, so re-sending it is all duplicates`);
      }
      const inFlight = Math.max(...acked) + 1;
      const resent = await store.appendEvents(tenant, crashBatch(inFlight, batchSize), { receivedAt: 0 });
      assert.ok(resent.accepted === batchSize || resent.duplicates === batchSize, 'the interrupted batch is all or nothing');
      assert.equal(await store.countEvents(tenant), (inFlight + 1) * batchSize, 'nothing counted twice');
    } finally {
      await store.close();
    }
  });
});
