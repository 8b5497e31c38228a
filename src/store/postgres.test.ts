/**
 * The store contract on PostgreSQL: a throwaway cluster started for this file (or the server in
 * PLEDGE_TEST_DATABASE_URL), a fresh schema per database the contract asks for. Without either, the
 * tests are skipped with a loud warning, or fail when PLEDGE_REQUIRE_POSTGRES=1 (CI) or when the
 * given URL does not work.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { storeContract } from './contract.ts';
import { StoreError } from './errors.ts';
import { openStore } from './index.ts';
import { poolConfig } from './postgres/store.ts';
import { skipBanner, startPostgres } from './testing/pg-harness.ts';
import { loadMigrations } from './migrate.ts';

const started = await startPostgres();
const harness = started.ok ? started.harness : undefined;
const skip = started.ok ? undefined : started.reason;
if (!started.ok) {
  // Asked for explicitly (CI, or a URL given): not having it is a failure, not a skip.
  if (process.env.PLEDGE_REQUIRE_POSTGRES === '1' || process.env.PLEDGE_TEST_DATABASE_URL) {
    test('PostgreSQL is available for the store tests', () => assert.fail(started.reason));
  } else {
    console.error(skipBanner(started.reason));
  }
}
after(async () => {
  await harness?.stop();
});

const freshConfig = () => ({ kind: 'postgres' as const, url: harness!.url, schema: harness!.freshSchema() });
const workerScript = fileURLToPath(new URL('./testing/outbox-worker.ts', import.meta.url));

storeContract({ name: 'postgres', freshConfig, ...(skip ? { skip } : {}) });

describe('postgres adapter', { skip: skip ?? false }, () => {
  async function raw(schema: string): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: harness!.url, options: `-c search_path=${schema}` });
    await c.connect();
    return c;
  }

  test('append-only tables refuse UPDATE, DELETE and TRUNCATE even through raw SQL', async () => {
    const config = freshConfig();
    const store = await openStore(config);
    await store.createTenant({ id: 't', name: 'T', createdAt: 0 });
    await store.appendEvents(
      't',
      [{ id: 'e', type: 'ticket.created', ticket: 'T-1', at: '2026-10-01T00:00:00Z', atMs: Date.UTC(2026, 9, 1) }],
      { receivedAt: 0 },
    );
    await store.appendAudit('t', { at: 0, actor: 'a', action: 'x', subject: 'y' });
    await store.close();
    const c = await raw(config.schema);
    try {
      await assert.rejects(c.query("UPDATE events SET type = 'ticket.closed'"), /append-only/);
      await assert.rejects(c.query('DELETE FROM events'), /append-only/);
      await assert.rejects(c.query('TRUNCATE events CASCADE'), /append-only/);
      await assert.rejects(c.query("UPDATE audit_log SET actor = 'mallory'"), /append-only/);
      assert.equal((await c.query('SELECT count(*)::int AS n FROM events')).rows[0].n, 1);
    } finally {
      await c.end();
    }
  });

  test('the ticket registry refuses a change of owner, deletion and truncation, even through raw SQL', async () => {
    const config = freshConfig();
    const store = await openStore(config);
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
    const c = await raw(config.schema);
    try {
      await assert.rejects(c.query("UPDATE tickets SET customer = 'mallory' WHERE ticket = 'T-1'"), /never changes/);
      await assert.rejects(c.query("UPDATE tickets SET ticket = 'T-3' WHERE ticket = 'T-2'"), /never changes/);
      await assert.rejects(c.query('DELETE FROM tickets'), /append-only/);
      await assert.rejects(c.query('TRUNCATE tickets'), /append-only/);
      // Setting the customer of a ticket that has none is how a ticket gets its owner.
      await c.query("UPDATE tickets SET customer = 'acme', customer_seq = 2 WHERE ticket = 'T-2'");
    } finally {
      await c.end();
    }
  });

  test('migrating a database with events: each ticket gets the owner its first event naming a customer names; derived results are recomputed', async () => {
    const config = freshConfig();
    const c = await raw(config.schema);
    try {
      const initial = loadMigrations('postgres')[0]!;
      await c.query(`CREATE SCHEMA ${config.schema}`);
      await c.query('CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)');
      await c.query(initial.sql);
      await c.query('INSERT INTO schema_migrations VALUES ($1, $2, 0)', [initial.name, initial.checksum]);
      await c.query(
        "INSERT INTO tenants (id, name, created_at, derived_seq) VALUES ('t', 'T', 0, 4); INSERT INTO tenant_sequences VALUES ('t', 'events', 4), ('t', 'audit', 0)",
      );
      const put = (seq: number, source: string, id: string, customer: string | null) =>
        c.query(
          `INSERT INTO events (tenant, seq, source, event_id, type, at, ticket, customer, payload, payload_hash, received_at)
           VALUES ('t', $1, $2, $3, 'ticket.created', 0, 'T-1', $4, '{}', 'h', 0)`,
          [seq, source, id, customer],
        );
      // Before owners existed: a follow-up first, then the customer, then an event naming another one.
      await put(1, '', 'a', null);
      await put(2, '', 'b', 'acme');
      await put(3, '', 'c', 'globex');
      await put(4, 'jira', 'a', 'globex');
      await c.query(`INSERT INTO derived_clocks VALUES ('t', 'gold', 'resolve', 'T-1', 1, '{}', 0)`);
    } finally {
      await c.end();
    }
    const store = await openStore(config);
    try {
      assert.deepEqual(
        store.migrations.applied,
        loadMigrations('postgres')
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

  test('alert history, attempts and resolved alerts refuse rewriting even through raw SQL', async () => {
    const config = freshConfig();
    const store = await openStore(config);
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
    const c = await raw(config.schema);
    try {
      await assert.rejects(
        c.query("UPDATE alerts SET state = 'firing', resolved_at = NULL WHERE id = 'a1'"),
        /resolved alert never changes/,
      );
      await assert.rejects(c.query("DELETE FROM alerts WHERE id = 'a2'"), /append-only/);
      await assert.rejects(c.query('TRUNCATE alerts CASCADE'), /append-only/);
      await assert.rejects(c.query("UPDATE alert_history SET actor = 'mallory'"), /append-only/);
      await assert.rejects(c.query('DELETE FROM alert_history'), /append-only/);
      await assert.rejects(c.query("UPDATE notification_attempts SET outcome = 'dead'"), /append-only/);
      await assert.rejects(c.query('DELETE FROM notification_attempts'), /append-only/);
      // An open alert may change; a second open alert of one dedupe key may not exist.
      await c.query("UPDATE alerts SET level = 'l2' WHERE id = 'a2'");
      await assert.rejects(
        c.query(
          "INSERT INTO alerts (tenant, id, dedupe_key, kind, severity, audience, agreement_id, target, level, state, fired_at, details, updated_at) VALUES ('t', 'a3', 'k2', 'k', 's', 'i', 'g', 'r', 'l', 'firing', 0, '{}', 0)",
        ),
        /alerts_open_dedupe/,
      );
    } finally {
      await c.end();
    }
  });

  test('a claim skips rows another transaction holds instead of waiting for them', async () => {
    const config = { ...freshConfig(), statementTimeoutMs: 5000 };
    const store = await openStore(config);
    const c = await raw(config.schema);
    try {
      await store.createTenant({ id: 't', name: 'T', createdAt: 0 });
      const notes = ['n1', 'n2', 'n3'].map((k) => ({ idempotencyKey: k, channelId: 'c', recipient: '', payload: {} }));
      await store.applyAlertChanges('t', {
        at: 0,
        by: 'pledge',
        notifications: notes,
        timers: {
          schedule: [
            { key: 'a', fireAt: 0, payload: {} },
            { key: 'b', fireAt: 0, payload: {} },
          ],
        },
      });
      // Another worker in the middle of its claim: it holds n1 and timer a.
      await c.query('BEGIN');
      await c.query("SELECT 1 FROM notifications WHERE idempotency_key = 'n1' FOR UPDATE");
      await c.query("SELECT 1 FROM timers WHERE key = 'a' FOR UPDATE");
      const claimed = await store.claimNotifications({ worker: 'w', at: 0, leaseMs: 1000 });
      assert.deepEqual(
        claimed.map((n) => n.idempotencyKey),
        ['n2', 'n3'],
      );
      assert.deepEqual(
        (await store.claimTimers({ worker: 'w', at: 0, leaseMs: 1000 })).map((t) => t.key),
        ['b'],
      );
      await c.query('ROLLBACK');
      assert.deepEqual(
        (await store.claimNotifications({ worker: 'w', at: 0, leaseMs: 1000 })).map((n) => n.idempotencyKey),
        ['n1'],
      );
    } finally {
      await c.end();
      await store.close();
    }
  });

  test('two worker processes on one queue, one killed with SIGKILL mid-delivery: every notification delivered at least once with its key, and completed exactly once', async () => {
    const config = freshConfig();
    const store = await openStore(config);
    try {
      const tenant = 'outbox';
      await store.createTenant({ id: tenant, name: 'Outbox', createdAt: 0 });
      const count = 150;
      const start = Date.now();
      await store.applyAlertChanges(tenant, {
        at: start,
        by: 'pledge',
        notifications: Array.from({ length: count }, (_, i) => ({
          idempotencyKey: `msg_${i}`,
          channelId: 'hook',
          recipient: '',
          payload: { i },
        })),
      });
      type Delivery = { worker: string; id: number; key: string; attempt: number };
      const deliveries: Delivery[] = [];
      const leaseMs = 3000;
      const worker = (name: string, env: Record<string, string> = {}) => {
        const child = spawn(process.execPath, ['--import', 'tsx', workerScript, harness!.url, config.schema, name, String(leaseMs), '5'], {
          stdio: ['pipe', 'pipe', 'pipe'],
          env: { ...process.env, ...env },
        });
        let err = '';
        let buffered = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
          child.on('exit', (code, signal) => resolve({ code, signal })),
        );
        const lines: string[] = [];
        child.stdout.on('data', (d: Buffer) => {
          buffered += d.toString();
          for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
            const line = buffered.slice(0, nl);
            buffered = buffered.slice(nl + 1);
            lines.push(line);
            const m = /^deliver (\d+) (\S+) (\d+)$/.exec(line);
            if (m) deliveries.push({ worker: name, id: Number(m[1]), key: m[2]!, attempt: Number(m[3]) });
            onLine(name, line);
          }
        });
        return { child, exited, lines, stderr: () => err };
      };
      let killedAt: Delivery | undefined;
      const onLine = (name: string, line: string) => {
        // The first worker hangs after its tenth delivery, sent but not completed, its claim held:
        // killed there.
        if (name === 'first' && killedAt === undefined && line.startsWith('deliver ')) {
          const mine = deliveries.filter((d) => d.worker === 'first');
          if (mine.length === 10) {
            killedAt = mine[9];
            first.child.kill('SIGKILL');
          }
        }
      };
      const first = worker('first', { PLEDGE_WORKER_HANG_AFTER: '10' });
      const second = worker('second');
      const killed = await first.exited;
      assert.equal(killed.signal, 'SIGKILL', `the first worker should have been killed: ${first.stderr()}`);
      // The second worker goes on until every notification is delivered (the first one's claims
      // come back when their leases run out); a deadline keeps a fault from hanging the run.
      const deadline = Date.now() + 120_000;
      for (;;) {
        const left = await store.listNotifications(tenant, { state: ['pending', 'claimed'], limit: 1 });
        if (left.items.length === 0) break;
        assert.ok(Date.now() < deadline, `not everything was delivered: ${second.stderr()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      second.child.stdin.end();
      const ended = await second.exited;
      assert.equal(ended.code, 0, second.stderr());

      const stored = (await store.listNotifications(tenant, { limit: 1000 })).items;
      assert.equal(stored.length, count);
      const keyOf = new Map(stored.map((n) => [n.id, n.idempotencyKey]));
      let abandonedTotal = 0;
      for (const n of stored) {
        assert.equal(n.state, 'delivered', `${n.idempotencyKey} delivered`);
        const attempts = await store.listNotificationAttempts(tenant, n.id);
        const completed = attempts.filter((a) => a.outcome === 'delivered');
        assert.equal(completed.length, 1, `${n.idempotencyKey} completed exactly once`);
        const abandoned = attempts.filter((a) => a.outcome === 'abandoned');
        abandonedTotal += abandoned.length;
        for (const a of abandoned) assert.equal(a.worker, 'first', 'only the killed worker abandoned attempts');
        const sent = deliveries.filter((d) => d.id === n.id);
        assert.ok(sent.length >= 1, `${n.idempotencyKey} delivered at least once`);
        assert.ok(sent.length <= 1 + abandoned.length, `${n.idempotencyKey}: a redelivery only after an abandoned attempt`);
        for (const d of sent) assert.equal(d.key, n.idempotencyKey, 'every delivery carries the stored key');
      }
      assert.ok(abandonedTotal >= 1, 'the killed worker held claims when it died');
      // The delivery in flight when the worker died was sent again, by the other worker, with the same key.
      const again = deliveries.filter((d) => d.id === killedAt!.id);
      assert.deepEqual(
        again.map((d) => [d.worker, d.key]),
        [
          ['first', keyOf.get(killedAt!.id)],
          ['second', keyOf.get(killedAt!.id)],
        ],
      );
      assert.ok(again[1]!.attempt > again[0]!.attempt, 'a new attempt, fenced by its number');
    } finally {
      await store.close();
    }
  });

  test('a database migrated by a newer Pledge is refused', async () => {
    const config = freshConfig();
    await (await openStore(config)).close();
    const c = await raw(config.schema);
    await c.query("INSERT INTO schema_migrations (name, checksum, applied_at) VALUES ('29990101_001_future', 'x', 0)");
    await c.end();
    await assert.rejects(openStore(config), (e: unknown) => e instanceof StoreError && !e.retryable && /newer Pledge/.test(e.message));
  });

  test('an unreachable server is a StoreError that says a retry may help', async () => {
    await assert.rejects(
      openStore({ kind: 'postgres', url: 'postgresql://postgres@127.0.0.1:1/postgres' }),
      (e: unknown) => e instanceof StoreError && e.retryable && e.cause !== undefined,
    );
  });

  test('a schema name that is not a plain identifier is refused', async () => {
    await assert.rejects(
      openStore({ kind: 'postgres', url: harness!.url, schema: 'x; DROP TABLE events' }),
      (e: unknown) => e instanceof StoreError && !e.retryable,
    );
  });

  test('text PostgreSQL cannot hold (NUL, a lone surrogate in JSON) is a StoreError marked as caused by the data', async () => {
    // The edges refuse such text first (validation/text.ts); this is the store's last line.
    const store = await openStore(freshConfig());
    try {
      await store.createTenant({ id: 't', name: 'T', createdAt: 0 });
      const data = (e: unknown) => e instanceof StoreError && e.data === 'invalid' && !e.retryable && /^22/.test(e.driverCode ?? '');
      await assert.rejects(store.createUser('t', { id: 'a\u0000b', name: 'x', createdAt: 0 }), data);
      const ev = (id: string, attributes: Record<string, unknown>) => ({
        id,
        type: 'check.result' as const,
        at: '2026-10-01T00:00:00Z',
        atMs: Date.UTC(2026, 9, 1),
        up: true,
        attributes,
      });
      await assert.rejects(store.appendEvents('t', [ev('e1', { note: 'a\u0000b' })], { receivedAt: 0 }), data);
      await assert.rejects(store.appendEvents('t', [ev('e2', { note: 'a\ud800b' })], { receivedAt: 0 }), data);
      assert.equal(await store.lastEventSeq('t'), 0, 'nothing written');
    } finally {
      await store.close();
    }
  });

  test('the statement timeout is set on every pooled connection, and a statement past it is cancelled (retryable)', async () => {
    const config = { ...freshConfig(), statementTimeoutMs: 300 };
    const store = await openStore(config);
    const pool = new pg.Pool({ ...poolConfig(config), max: 3 });
    const locker = await raw(config.schema!);
    try {
      // The same settings as the store's pool, on several connections at once.
      const shown = await Promise.all([1, 2, 3].map(() => pool.query('SHOW statement_timeout')));
      assert.deepEqual(
        shown.map((r) => r.rows[0].statement_timeout),
        ['300ms', '300ms', '300ms'],
      );
      assert.equal((await locker.query('SHOW statement_timeout')).rows[0].statement_timeout, '0', 'without the option: the server default');
      // A read that waits on a lock held elsewhere runs into the timeout instead of waiting for ever.
      await store.createTenant({ id: 't', name: 'T', createdAt: 0 });
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
      await assert.rejects(store.queryEvents('t', {}), (e: unknown) => e instanceof StoreError && e.retryable && e.driverCode === '57014');
      await locker.query('ROLLBACK');
      assert.deepEqual((await store.queryEvents('t', {})).items, []);
    } finally {
      await locker.end();
      await pool.end();
      await store.close();
    }
  });
});
