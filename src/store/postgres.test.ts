/**
 * The store contract on PostgreSQL: a throwaway cluster started for this file (or the server in
 * PLEDGE_TEST_DATABASE_URL), a fresh schema per database the contract asks for. Without either, the
 * tests are skipped with a loud warning, or fail when PLEDGE_REQUIRE_POSTGRES=1 (CI) or when the
 * given URL does not work.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
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
