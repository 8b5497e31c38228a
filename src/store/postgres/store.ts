/**
 * The PostgreSQL adapter: node-postgres (pg) with a pool, from a connection URL.
 *
 * Several Pledge processes may share the database: migrations take an advisory lock; event and
 * audit sequence numbers come from a per-tenant counter row locked inside the writing transaction
 * (see the migration for why not a SEQUENCE); agreements are updated under a row lock after
 * comparing the ETag. Durability is PostgreSQL's: a COMMIT that returned is in the WAL on disk
 * (with the default `synchronous_commit = on`).
 *
 * BIGINT columns are read as JavaScript numbers (instants and sequence numbers stay far below
 * 2^53); JSON goes in as text cast to JSONB, because pg would turn a JS array into a SQL array.
 */
import pg from 'pg';
import type { LifecycleHistory, LifecycleState, Transition } from '../../core/agreements/lifecycle/state.ts';
import type { Version } from '../../core/agreements/lifecycle/versions.ts';
import type { ReviewRecord } from '../../core/agreements/lifecycle/reviews.ts';
import { StoreError, fromPostgres } from '../errors.ts';
import { loadMigrations, pendingMigrations } from '../migrate.ts';
import {
  agreementChangeInvalidates,
  alertFieldChanges,
  alertHistoryOf,
  alertIdTaken,
  alertOf,
  attemptOf,
  changeTookEffect,
  channelOf,
  claimLimit,
  clockColumns,
  completionColumns,
  complianceColumns,
  decodeComplianceValue,
  encodeComplianceValue,
  notificationOf,
  silenceEnded,
  silenceOf,
  timerOf,
  timersByKey,
  calendarEtag,
  checkVersionNumbers,
  decodeCursor,
  etagOf,
  lastByKey,
  opt,
  loginOf,
  inviteOf,
  webSessionOf,
  normalEmail,
  serviceReportOf,
  reportFileOf,
  sha256Hex,
  windowGlanceRow,
  totalsOf,
  page,
  pageLimit,
  storedPayload,
  sinceLimit,
  staleDerived,
  summarise,
  unknownTenant,
  reportScheduleOf,
  statusPageOf,
  incidentOf,
  monitorOf,
  sourceOf,
  sourceDeliveryEntryOf,
  reportDeliveryOf,
  DELIVERY_NOTIFICATION_COLUMNS,
} from '../internal.ts';
import { MONITOR_TIMER_PREFIX, REPORT_TIMER_PREFIX } from '../types.ts';
import { ticketKey } from '../../core/clock/tickets.ts';
import type {
  AgreementChange,
  AgreementFilter,
  AgreementUpdate,
  AlertAcknowledged,
  AlertChange,
  AlertChangesApplied,
  AlertChangeSet,
  AlertFilter,
  AlertHistoryEntry,
  AlertOutcome,
  AlertState,
  ApiToken,
  AppendOptions,
  AppendResult,
  AuditEntry,
  AuditFilter,
  AuditInput,
  CalendarInput,
  CalendarPut,
  ChannelEnabled,
  ChannelInput,
  ChannelPut,
  ClaimedNotification,
  ClaimedTimer,
  ClaimRequest,
  TimerKindFilter,
  ClockGlance,
  ClockKey,
  ClockRow,
  ComplianceKey,
  ComplianceRow,
  Created,
  DerivedReplaced,
  DerivedReplacement,
  DerivedState,
  EventFilter,
  EventInput,
  EventOutcome,
  MigrationReport,
  NewAgreement,
  NewApiToken,
  NewNotification,
  NewSilence,
  NewUser,
  NewInvite,
  ServiceReportRevision,
  InviteCreated,
  Invite,
  InviteAccepted,
  Login,
  NewWebSession,
  WebSession,
  NotificationAttempt,
  NotificationCompleted,
  NotificationCompletion,
  NotificationFilter,
  NotificationOutcome,
  NotificationReplayed,
  Page,
  PageRequest,
  RevokeResult,
  SettlementKey,
  SettlementRow,
  SilenceExpired,
  Store,
  StoredAgreement,
  StoredAlert,
  StoredCalendar,
  StoredChannel,
  StoredEvent,
  StoredNotification,
  StoredSilence,
  StoredTicket,
  StoredTimer,
  Tenant,
  TimerCompleted,
  TimerInput,
  TokenCreated,
  User,
  WindowGlance,
  NewReportDelivery,
  ReportDeliveryFilter,
  ReportScheduleInput,
  MonitorInput,
  StoredMonitor,
  SourceInput,
  StoredSource,
  SourceDeliveryEntry,
  StoredReportDelivery,
  StoredReportSchedule,
  StatusPageInput,
  StatusPagePut,
  StoredStatusPage,
  IncidentInput,
  StoredIncident,
} from '../types.ts';

type Row = Record<string, unknown>;
type Queryable = pg.Pool | pg.PoolClient;

class Rollback extends Error {}

const INT8_OID = 20;
/** Per pool, not pg's global type registry, so other pg users in the process are unaffected. */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresOptions {
  url: string;
  schema?: string;
  poolSize?: number;
  /** statement_timeout of every connection, in ms; 0 or absent: the server's setting. */
  statementTimeoutMs?: number;
}

/**
 * The pool's settings. The statement timeout is a startup parameter of each connection (pg's
 * `statement_timeout`), so it holds on every pooled connection from its first query, with no
 * extra round trip; a statement running longer is cancelled by the server (SQLSTATE 57014, which
 * the store reports as retryable).
 */
export function poolConfig(o: PostgresOptions): pg.PoolConfig {
  return {
    connectionString: o.url,
    max: o.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
    types,
    ...(o.schema ? { options: `-c search_path=${o.schema}` } : {}),
    ...(o.statementTimeoutMs ? { statement_timeout: o.statementTimeoutMs } : {}),
  };
}

function createPool(o: PostgresOptions): pg.Pool {
  if (o.schema !== undefined && !SCHEMA_NAME.test(o.schema)) {
    throw new StoreError(`invalid PostgreSQL schema name ${JSON.stringify(o.schema)}: use lower-case letters, digits and _`, {
      retryable: false,
      operation: 'open',
    });
  }
  const pool = new pg.Pool(poolConfig(o));
  // An idle client whose connection dies emits 'error' on the pool; unhandled, that would crash the
  // process. The pool discards the client and the next query opens a new connection, so there is
  // nothing else to do here.
  pool.on('error', () => {});
  return pool;
}

/** Applies pending migrations under an advisory lock, so concurrent starts apply them once. */
export async function migratePostgres(pool: pg.Pool, schema: string | undefined): Promise<MigrationReport> {
  const operation = 'migrate';
  const known = loadMigrations('postgres');
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (e) {
    throw fromPostgres(e, operation);
  }
  try {
    await client.query('BEGIN');
    // A migration may rightly take long (an index on a big table): no statement timeout here.
    await client.query('SET LOCAL statement_timeout = 0');
    // Transaction-scoped: released by COMMIT or ROLLBACK, even if this process dies.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`pledge.migrate:${schema ?? 'public'}`]);
    if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)',
    );
    const applied = (await client.query('SELECT name, checksum FROM schema_migrations ORDER BY name')).rows as Array<{
      name: string;
      checksum: string;
    }>;
    const pending = pendingMigrations(known, applied, operation);
    // The clock is read here only to record when a migration ran, for operators.
    const now = Date.now();
    for (const m of pending) {
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (name, checksum, applied_at) VALUES ($1, $2, $3)', [m.name, m.checksum, now]);
    }
    await client.query('COMMIT');
    return { applied: pending.map((m) => m.name), current: [...applied.map((a) => a.name), ...pending.map((m) => m.name)] };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw fromPostgres(e, operation);
  } finally {
    client.release();
  }
}

/** Connects, applies pending migrations and returns the store. */
export async function openPostgresStore(o: PostgresOptions): Promise<Store> {
  const pool = createPool(o);
  try {
    const report = await migratePostgres(pool, o.schema);
    return new PostgresStore(pool, report);
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw e;
  }
}

const json = (v: unknown): string => JSON.stringify(v);
const jsonOrNull = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
/** pg has parsed JSONB columns already. */
const asIs = (v: unknown): unknown => v;

function tenantOf(r: Row): Tenant {
  return { id: r.id as string, name: r.name as string, createdAt: r.created_at as number };
}
function userOf(r: Row): User {
  return {
    id: r.id as string,
    name: r.name as string,
    ...opt('email', r.email as string | null),
    createdAt: r.created_at as number,
    ...opt('disabledAt', r.disabled_at as number | null),
  };
}
function tokenOf(r: Row): ApiToken {
  return {
    tenant: r.tenant as string,
    id: r.id as string,
    userId: r.user_id as string,
    name: r.name as string,
    role: r.role as ApiToken['role'],
    ...opt('customer', r.customer as string | null),
    tokenHash: r.token_hash as string,
    createdAt: r.created_at as number,
    ...opt('expiresAt', r.expires_at as number | null),
    ...opt('lastUsedAt', r.last_used_at as number | null),
    ...opt('revokedAt', r.revoked_at as number | null),
  };
}
function agreementOf<D>(r: Row): StoredAgreement<D> {
  return {
    id: r.id as string,
    document: r.document as D,
    state: r.state as LifecycleState,
    ...opt('customer', r.customer as string | null),
    etag: etagOf(r.row_version as number),
    createdAt: r.created_at as number,
    createdBy: r.created_by as string,
    updatedAt: r.updated_at as number,
    updatedBy: r.updated_by as string,
    versionCount: r.version_count as number,
    transitionCount: r.transition_count as number,
    reviewCount: r.review_count as number,
  };
}
function versionOf<D>(r: Row): Version<D> {
  const v: Version<D> = {
    version: r.version as number,
    effective: r.effective as number,
    document: r.document as D,
    createdAt: r.created_at as number,
    createdBy: r.created_by as string,
  };
  if (r.effective_date !== null) v.effectiveDate = r.effective_date as { date: string; zone: string };
  if (r.note !== null) v.note = r.note as string;
  return v;
}
function calendarOf(r: Row): StoredCalendar {
  return {
    name: r.name as string,
    format: r.format as StoredCalendar['format'],
    source: r.source as string,
    etag: calendarEtag(r.row_version as number, r.updated_at as number),
    updatedAt: r.updated_at as number,
    updatedBy: r.updated_by as string,
  };
}
function eventOf(r: Row): StoredEvent {
  return {
    seq: r.seq as number,
    source: r.source as string,
    id: r.event_id as string,
    type: r.type as string,
    at: r.at as number,
    ...opt('ticket', r.ticket as string | null),
    ...opt('service', r.service as string | null),
    ...opt('customer', r.customer as string | null),
    ...opt('region', r.region as string | null),
    receivedAt: r.received_at as number,
    payload: r.payload as Record<string, unknown>,
  };
}
function ticketOf(r: Row): StoredTicket {
  return {
    source: r.source as string,
    ticket: r.ticket as string,
    ...opt('customer', r.customer as string | null),
    firstSeq: r.first_seq as number,
    ...opt('customerSeq', r.customer_seq as number | null),
  };
}
function auditOf(r: Row): AuditEntry {
  const e: AuditEntry = {
    seq: r.seq as number,
    tenant: r.tenant as string,
    at: r.at as number,
    actor: r.actor as string,
    action: r.action as string,
    subject: r.subject as string,
  };
  // pg reads both SQL NULL and JSON null as null: absent either way, as in the SQLite adapter.
  if (r.before !== null && r.before !== undefined) e.before = r.before;
  if (r.after !== null && r.after !== undefined) e.after = r.after;
  return e;
}
function clockOf<V>(r: Row): ClockRow<V> {
  const source = r.source === '' ? {} : { source: r.source as string };
  return {
    agreementId: r.agreement_id as string,
    target: r.target as string,
    ticket: r.ticket as string,
    ...source,
    cycle: r.cycle as number,
    value: r.value as V,
    updatedAt: r.updated_at as number,
  };
}
function complianceOf<V>(r: Row): ComplianceRow<V> {
  return {
    agreementId: r.agreement_id as string,
    target: r.target as string,
    window: r.window_label as string,
    value: decodeComplianceValue<V>(r.value),
    updatedAt: r.updated_at as number,
  };
}
function settlementOf<V>(r: Row): SettlementRow<V> {
  return {
    agreementId: r.agreement_id as string,
    period: r.period_label as string,
    value: r.value as V,
    updatedAt: r.updated_at as number,
  };
}

function checkEventInput(e: EventInput, i: number): void {
  if (typeof e?.id !== 'string' || e.id === '' || typeof e.type !== 'string' || !Number.isSafeInteger(e.atMs)) {
    throw new TypeError(`events[${i}]: expected a parsed event with id, type and atMs (validate events before storing them)`);
  }
}

/** Builds `WHERE` clauses with numbered parameters. */
class Where {
  readonly clauses: string[] = [];
  readonly params: unknown[] = [];
  constructor(tenant: string, column = 'tenant') {
    this.add(`${column} = ?`, tenant);
  }
  /** `?` marks are numbered in order. */
  add(clause: string, ...values: unknown[]): this {
    let i = 0;
    this.clauses.push(clause.replace(/\?/g, () => `$${this.params.length + ++i}`));
    this.params.push(...values);
    return this;
  }
  get sql(): string {
    return this.clauses.join(' AND ');
  }
  /** The next parameter's placeholder, for LIMIT. */
  next(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

class PostgresStore implements Store {
  readonly kind = 'postgres' as const;

  constructor(
    private readonly pool: pg.Pool,
    readonly migrations: MigrationReport,
  ) {}

  private async rows(operation: string, sql: string, params: unknown[] = [], on: Queryable = this.pool): Promise<Row[]> {
    try {
      return (await on.query(sql, params)).rows as Row[];
    } catch (e) {
      throw fromPostgres(e, operation);
    }
  }
  private async one(operation: string, sql: string, params: unknown[] = [], on: Queryable = this.pool): Promise<Row | undefined> {
    return (await this.rows(operation, sql, params, on))[0];
  }

  /** One transaction on one pooled connection; errors roll it back. */
  private async tx<T>(operation: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw fromPostgres(e, operation);
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      // If the connection drops during COMMIT the outcome is unknown; callers retry, and every
      // write is idempotent or guarded (event ids, ETags), so a retry cannot double anything.
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw fromPostgres(e, operation);
    } finally {
      // A connection that could not even roll back is discarded rather than reused.
      client.release(broken);
    }
  }

  /**
   * Agreements and calendars are what derived results are computed with: changing one makes them
   * all stale, in the same transaction as the change (the next read recomputes them). The new
   * generation makes a recomputation that read the old inputs unable to write, in this process or
   * another (see DerivedState): the UPDATE holds the tenant row until COMMIT, and replaceDerived
   * checks the generation under a lock on the same row. Call it in the writing transaction of every
   * change of an input, and of nothing else.
   */
  private async invalidateDerived(c: pg.PoolClient, tenant: string): Promise<void> {
    await c.query('UPDATE tenants SET derived_seq = 0, derived_generation = derived_generation + 1 WHERE id = $1', [tenant]);
  }

  private async audit(c: pg.PoolClient, tenant: string, a: AuditInput | undefined): Promise<AuditEntry | undefined> {
    if (!a) return undefined;
    const op = 'audit';
    const counter = await this.one(
      op,
      "UPDATE tenant_sequences SET value = value + 1 WHERE tenant = $1 AND name = 'audit' RETURNING value",
      [tenant],
      c,
    );
    if (!counter) throw unknownTenant(tenant);
    const row = await this.one(
      op,
      'INSERT INTO audit_log (tenant, seq, at, actor, action, subject, before, after) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb) RETURNING *',
      [tenant, counter.value, a.at, a.actor, a.action, a.subject, jsonOrNull(a.before), jsonOrNull(a.after)],
      c,
    );
    return auditOf(row!);
  }

  async ping(): Promise<void> {
    await this.rows('ping', 'SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  // --- tenants -------------------------------------------------------------------------------

  createTenant(t: Tenant, audit?: AuditInput): Promise<Created<Tenant>> {
    return this.tx('createTenant', async (c) => {
      const ins = await this.one(
        'createTenant',
        'INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING RETURNING *',
        [t.id, t.name, t.createdAt],
        c,
      );
      if (!ins)
        return {
          status: 'exists' as const,
          value: tenantOf((await this.one('createTenant', 'SELECT * FROM tenants WHERE id = $1', [t.id], c))!),
        };
      await c.query("INSERT INTO tenant_sequences (tenant, name, value) VALUES ($1, 'events', 0), ($1, 'audit', 0)", [t.id]);
      await this.audit(c, t.id, audit);
      return { status: 'created' as const, value: tenantOf(ins) };
    });
  }

  async getTenant(id: string): Promise<Tenant | undefined> {
    const r = await this.one('getTenant', 'SELECT * FROM tenants WHERE id = $1', [id]);
    return r && tenantOf(r);
  }

  async listTenants(): Promise<Tenant[]> {
    return (await this.rows('listTenants', 'SELECT * FROM tenants ORDER BY id')).map(tenantOf);
  }

  // --- users and tokens ------------------------------------------------------------------------

  createUser(tenant: string, u: NewUser, audit?: AuditInput): Promise<Created<User>> {
    return this.tx('createUser', async (c) => {
      const ins = await this.one(
        'createUser',
        'INSERT INTO users (tenant, id, name, email, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING *',
        [tenant, u.id, u.name, u.email ?? null, u.createdAt],
        c,
      );
      if (!ins)
        return {
          status: 'exists' as const,
          value: userOf((await this.one('createUser', 'SELECT * FROM users WHERE tenant = $1 AND id = $2', [tenant, u.id], c))!),
        };
      await this.audit(c, tenant, audit);
      return { status: 'created' as const, value: userOf(ins) };
    });
  }

  async getUser(tenant: string, id: string): Promise<User | undefined> {
    const r = await this.one('getUser', 'SELECT * FROM users WHERE tenant = $1 AND id = $2', [tenant, id]);
    return r && userOf(r);
  }

  async listUsers(tenant: string): Promise<User[]> {
    return (await this.rows('listUsers', 'SELECT * FROM users WHERE tenant = $1 ORDER BY id', [tenant])).map(userOf);
  }

  disableUser(tenant: string, id: string, at: number, audit?: AuditInput): Promise<'disabled' | 'already_disabled' | 'not_found'> {
    return this.tx('disableUser', async (c) => {
      const r = await this.one('disableUser', 'SELECT disabled_at FROM users WHERE tenant = $1 AND id = $2 FOR UPDATE', [tenant, id], c);
      if (!r) return 'not_found' as const;
      if (r.disabled_at !== null) return 'already_disabled' as const;
      await c.query('UPDATE users SET disabled_at = $1 WHERE tenant = $2 AND id = $3', [at, tenant, id]);
      await this.audit(c, tenant, audit);
      return 'disabled' as const;
    });
  }

  createToken(tenant: string, t: NewApiToken, audit?: AuditInput): Promise<TokenCreated> {
    return this.tx('createToken', async (c) => {
      if (!(await this.one('createToken', 'SELECT 1 FROM users WHERE tenant = $1 AND id = $2', [tenant, t.userId], c)))
        return { status: 'unknown_user' as const };
      const ins = await this.one(
        'createToken',
        'INSERT INTO api_tokens (tenant, id, user_id, name, role, customer, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING *',
        [tenant, t.id, t.userId, t.name, t.role, t.customer ?? null, t.tokenHash, t.createdAt, t.expiresAt ?? null],
        c,
      );
      if (ins) {
        await this.audit(c, tenant, audit);
        return { status: 'created' as const, value: tokenOf(ins) };
      }
      const r = await this.one('createToken', 'SELECT * FROM api_tokens WHERE tenant = $1 AND id = $2', [tenant, t.id], c);
      // No row and no insert: the hash belongs to another token, i.e. a reused secret (a bug).
      if (!r) throw new Error('createToken: this token hash is already in use by another token; generate a fresh secret');
      return { status: 'exists' as const, value: tokenOf(r) };
    });
  }

  async findTokenByHash(tokenHash: string): Promise<{ token: ApiToken; user: User } | undefined> {
    const r = await this.one(
      'findTokenByHash',
      `SELECT t.*, u.name AS u_name, u.email AS u_email, u.created_at AS u_created_at, u.disabled_at AS u_disabled_at
         FROM api_tokens t JOIN users u ON u.tenant = t.tenant AND u.id = t.user_id
        WHERE t.token_hash = $1`,
      [tokenHash],
    );
    if (!r) return undefined;
    return {
      token: tokenOf(r),
      user: userOf({ id: r.user_id, name: r.u_name, email: r.u_email, created_at: r.u_created_at, disabled_at: r.u_disabled_at }),
    };
  }

  async listTokens(tenant: string, filter: { userId?: string } = {}): Promise<ApiToken[]> {
    const rows =
      filter.userId === undefined
        ? await this.rows('listTokens', 'SELECT * FROM api_tokens WHERE tenant = $1 ORDER BY id', [tenant])
        : await this.rows('listTokens', 'SELECT * FROM api_tokens WHERE tenant = $1 AND user_id = $2 ORDER BY id', [tenant, filter.userId]);
    return rows.map(tokenOf);
  }

  async touchToken(tenant: string, id: string, at: number): Promise<void> {
    // A write per request: callers should touch at most every minute or so per token.
    await this.rows(
      'touchToken',
      'UPDATE api_tokens SET last_used_at = $1 WHERE tenant = $2 AND id = $3 AND (last_used_at IS NULL OR last_used_at < $1)',
      [at, tenant, id],
    );
  }

  revokeToken(tenant: string, id: string, at: number, audit?: AuditInput): Promise<RevokeResult> {
    return this.tx('revokeToken', async (c) => {
      const r = await this.one(
        'revokeToken',
        'SELECT revoked_at FROM api_tokens WHERE tenant = $1 AND id = $2 FOR UPDATE',
        [tenant, id],
        c,
      );
      if (!r) return 'not_found' as const;
      if (r.revoked_at !== null) return 'already_revoked' as const;
      await c.query('UPDATE api_tokens SET revoked_at = $1 WHERE tenant = $2 AND id = $3', [at, tenant, id]);
      await this.audit(c, tenant, audit);
      return 'revoked' as const;
    });
  }

  // --- service reports -------------------------------------------------------------------------

  appendServiceReport(
    tenant: string,
    r: Omit<ServiceReportRevision, 'revision'>,
    audit?: AuditInput,
  ): Promise<{ status: 'created' | 'same'; value: ServiceReportRevision }> {
    return this.tx('appendServiceReport', async (c) => {
      const op = 'appendServiceReport';
      // One producer at a time per agreement and period (a transaction-scoped advisory lock): two
      // processes producing the same change make one revision.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`service_report/${tenant}/${r.agreementId}/${r.period}`]);
      const last = await this.one(
        op,
        'SELECT * FROM service_reports WHERE tenant = $1 AND agreement_id = $2 AND period_label = $3 ORDER BY revision DESC LIMIT 1',
        [tenant, r.agreementId, r.period],
        c,
      );
      if (last && last.sha256 === r.sha256) return { status: 'same' as const, value: serviceReportOf(last) };
      const revision = (last ? Number(last.revision) : 0) + 1;
      await c.query(
        'INSERT INTO service_reports (tenant, agreement_id, period_label, revision, event_seq, sha256, content, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
        [tenant, r.agreementId, r.period, revision, r.eventSeq, r.sha256, r.content, r.createdAt, r.createdBy],
      );
      await this.audit(c, tenant, audit);
      return { status: 'created' as const, value: { ...r, revision } };
    });
  }

  async getServiceReport(
    tenant: string,
    key: { agreementId: string; period: string; revision?: number },
  ): Promise<ServiceReportRevision | undefined> {
    const r =
      key.revision === undefined
        ? await this.one(
            'getServiceReport',
            'SELECT * FROM service_reports WHERE tenant = $1 AND agreement_id = $2 AND period_label = $3 ORDER BY revision DESC LIMIT 1',
            [tenant, key.agreementId, key.period],
          )
        : await this.one(
            'getServiceReport',
            'SELECT * FROM service_reports WHERE tenant = $1 AND agreement_id = $2 AND period_label = $3 AND revision = $4',
            [tenant, key.agreementId, key.period, key.revision],
          );
    return r && serviceReportOf(r);
  }

  async listServiceReports(tenant: string, agreementId: string): Promise<Array<Omit<ServiceReportRevision, 'content'>>> {
    const rows = await this.rows(
      'listServiceReports',
      `SELECT tenant, agreement_id, period_label, revision, event_seq, sha256, '' AS content, created_at, created_by FROM service_reports
        WHERE tenant = $1 AND agreement_id = $2 ORDER BY period_label DESC, revision DESC`,
      [tenant, agreementId],
    );
    return rows.map((r) => {
      const { content: _c, ...rest } = serviceReportOf(r);
      return rest;
    });
  }

  async putServiceReportFile(
    tenant: string,
    key: { agreementId: string; period: string; revision: number; variant: string },
    file: { mediaType: string; bytes: Buffer; createdAt: number },
  ): Promise<{ mediaType: string; bytes: Buffer; sha256: string }> {
    await this.rows(
      'putServiceReportFile',
      `INSERT INTO service_report_files (tenant, agreement_id, period_label, revision, variant, media_type, sha256, bytes, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
      [tenant, key.agreementId, key.period, key.revision, key.variant, file.mediaType, sha256Hex(file.bytes), file.bytes, file.createdAt],
    );
    return (await this.getServiceReportFile(tenant, key))!;
  }

  async getServiceReportFile(
    tenant: string,
    key: { agreementId: string; period: string; revision: number; variant: string },
  ): Promise<{ mediaType: string; bytes: Buffer; sha256: string } | undefined> {
    const r = await this.one(
      'getServiceReportFile',
      'SELECT * FROM service_report_files WHERE tenant = $1 AND agreement_id = $2 AND period_label = $3 AND revision = $4 AND variant = $5',
      [tenant, key.agreementId, key.period, key.revision, key.variant],
    );
    return r && reportFileOf(r);
  }

  // --- signing in: logins, invites, sessions -------------------------------------------------

  createInvite(tenant: string, i: NewInvite, audit?: AuditInput): Promise<InviteCreated> {
    return this.tx('createInvite', async (c) => {
      const op = 'createInvite';
      const email = normalEmail(i.user.email);
      if (!(await this.one(op, 'SELECT 1 FROM tenants WHERE id = $1', [tenant], c))) throw unknownTenant(tenant);
      await this.one(
        op,
        'INSERT INTO users (tenant, id, name, email, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
        [tenant, i.user.id, i.user.name, email, i.createdAt],
        c,
      );
      // The user's row is held until COMMIT: two invites of one user are taken one after the other.
      await this.one(op, 'SELECT 1 FROM users WHERE tenant = $1 AND id = $2 FOR UPDATE', [tenant, i.user.id], c);
      const other = await this.one(op, 'SELECT email FROM logins WHERE tenant = $1 AND user_id = $2', [tenant, i.user.id], c);
      if (other && other.email !== email) return { status: 'user_has_login' as const, email: other.email as string };
      if (!other) {
        const ins = await this.one(
          op,
          'INSERT INTO logins (email, tenant, user_id, role, customer, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (email) DO NOTHING RETURNING email',
          [email, tenant, i.user.id, i.role, i.customer ?? null, i.createdAt],
          c,
        );
        if (!ins) return { status: 'email_taken' as const };
      } else await c.query('UPDATE logins SET role = $1, customer = $2 WHERE email = $3', [i.role, i.customer ?? null, email]);
      const inv = await this.one(
        op,
        'INSERT INTO invites (token_hash, tenant, email, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *',
        [i.tokenHash, tenant, email, i.createdBy, i.createdAt, i.expiresAt],
        c,
      );
      await this.audit(c, tenant, audit);
      const l = await this.one(op, 'SELECT * FROM logins WHERE email = $1', [email], c);
      const u = await this.one(op, 'SELECT * FROM users WHERE tenant = $1 AND id = $2', [tenant, i.user.id], c);
      return { status: 'created' as const, invite: inviteOf(inv!), login: loginOf(l!), user: userOf(u!) };
    });
  }

  async findInvite(tokenHash: string): Promise<(Invite & { login: Login; user: User }) | undefined> {
    const r = await this.one('findInvite', 'SELECT * FROM invites WHERE token_hash = $1', [tokenHash]);
    if (!r) return undefined;
    const found = await this.findLogin(r.email as string);
    return found && { ...inviteOf(r), ...found };
  }

  acceptInvite(tokenHash: string, passwordHash: string, at: number, audit?: AuditInput): Promise<InviteAccepted> {
    return this.tx('acceptInvite', async (c) => {
      const op = 'acceptInvite';
      // Held until COMMIT: an invite is used once, however many requests race for it.
      const r = await this.one(op, 'SELECT * FROM invites WHERE token_hash = $1 FOR UPDATE', [tokenHash], c);
      if (!r) return { status: 'not_found' as const };
      if (r.used_at !== null) return { status: 'used' as const };
      if (Number(r.expires_at) <= at) return { status: 'expired' as const };
      const email = r.email as string;
      const l = (await this.one(op, 'SELECT * FROM logins WHERE email = $1', [email], c))!;
      const u = (await this.one(op, 'SELECT * FROM users WHERE tenant = $1 AND id = $2', [l.tenant, l.user_id], c))!;
      if (u.disabled_at !== null) return { status: 'disabled_user' as const };
      await c.query('UPDATE invites SET used_at = $1 WHERE token_hash = $2', [at, tokenHash]);
      const updated = await this.one(
        op,
        'UPDATE logins SET password_hash = $1, password_set_at = $2, failed_count = 0, locked_until = NULL WHERE email = $3 RETURNING *',
        [passwordHash, at, email],
        c,
      );
      // A new password signs every earlier session out (a reset after a lost laptop means it).
      await c.query('UPDATE sessions SET revoked_at = $1 WHERE tenant = $2 AND user_id = $3 AND revoked_at IS NULL', [
        at,
        l.tenant,
        l.user_id,
      ]);
      await this.audit(c, l.tenant as string, audit);
      return { status: 'accepted' as const, login: loginOf(updated!), user: userOf(u) };
    });
  }

  async findLogin(email: string): Promise<{ login: Login; user: User } | undefined> {
    const l = await this.one('findLogin', 'SELECT * FROM logins WHERE email = $1', [normalEmail(email)]);
    if (!l) return undefined;
    const u = await this.one('findLogin', 'SELECT * FROM users WHERE tenant = $1 AND id = $2', [l.tenant, l.user_id]);
    return { login: loginOf(l), user: userOf(u!) };
  }

  async signInFailed(email: string, at: number, policy: { limit: number; lockMs: number }): Promise<Login | undefined> {
    // One statement: concurrent failures each count (the row is locked by the UPDATE).
    const r = await this.one(
      'signInFailed',
      `UPDATE logins SET
         failed_count = CASE WHEN failed_count + 1 >= $2 THEN 0 ELSE failed_count + 1 END,
         locked_until = CASE WHEN failed_count + 1 >= $2 THEN $3::bigint ELSE locked_until END
       WHERE email = $1 RETURNING *`,
      [normalEmail(email), policy.limit, at + policy.lockMs],
    );
    return r && loginOf(r);
  }

  createSession(email: string, s: NewWebSession, audit?: AuditInput): Promise<WebSession> {
    return this.tx('createSession', async (c) => {
      await c.query('UPDATE logins SET failed_count = 0, locked_until = NULL WHERE email = $1', [normalEmail(email)]);
      const r = await this.one(
        'createSession',
        'INSERT INTO sessions (id_hash, tenant, user_id, csrf, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING *',
        [s.idHash, s.tenant, s.userId, s.csrf, s.createdAt, s.expiresAt],
        c,
      );
      await this.audit(c, s.tenant, audit);
      return webSessionOf(r!);
    });
  }

  async findSession(idHash: string): Promise<{ session: WebSession; login: Login; user: User } | undefined> {
    const s = await this.one('findSession', 'SELECT * FROM sessions WHERE id_hash = $1', [idHash]);
    if (!s) return undefined;
    const l = await this.one('findSession', 'SELECT * FROM logins WHERE tenant = $1 AND user_id = $2', [s.tenant, s.user_id]);
    const u = await this.one('findSession', 'SELECT * FROM users WHERE tenant = $1 AND id = $2', [s.tenant, s.user_id]);
    if (!l || !u) return undefined;
    return { session: webSessionOf(s), login: loginOf(l), user: userOf(u) };
  }

  async touchSession(idHash: string, at: number, expiresAt: number): Promise<void> {
    await this.rows(
      'touchSession',
      'UPDATE sessions SET last_seen_at = GREATEST(last_seen_at, $1), expires_at = GREATEST(expires_at, $2) WHERE id_hash = $3 AND revoked_at IS NULL',
      [at, expiresAt, idHash],
    );
  }

  revokeSession(idHash: string, at: number, audit?: AuditInput): Promise<boolean> {
    return this.tx('revokeSession', async (c) => {
      const s = await this.one(
        'revokeSession',
        'UPDATE sessions SET revoked_at = $2 WHERE id_hash = $1 AND revoked_at IS NULL AND expires_at > $2 RETURNING tenant',
        [idHash, at],
        c,
      );
      if (!s) return false;
      await this.audit(c, s.tenant as string, audit);
      return true;
    });
  }

  async listLogins(tenant: string): Promise<Login[]> {
    return (await this.rows('listLogins', 'SELECT * FROM logins WHERE tenant = $1 ORDER BY email', [tenant])).map(loginOf);
  }

  // --- agreements ------------------------------------------------------------------------------

  createAgreement<D>(tenant: string, a: NewAgreement<D>, audit?: AuditInput): Promise<Created<StoredAgreement<D>>> {
    return this.tx('createAgreement', async (c) => {
      const ins = await this.one(
        'createAgreement',
        `INSERT INTO agreements (tenant, id, document, state, customer, row_version, created_at, created_by, updated_at, updated_by)
         VALUES ($1, $2, $3::jsonb, 'draft', $4, 1, $5, $6, $5, $6) ON CONFLICT DO NOTHING RETURNING *`,
        [tenant, a.id, json(a.document), a.customer ?? null, a.createdAt, a.createdBy],
        c,
      );
      if (!ins)
        return {
          status: 'exists' as const,
          value: agreementOf<D>(
            (await this.one('createAgreement', 'SELECT * FROM agreements WHERE tenant = $1 AND id = $2', [tenant, a.id], c))!,
          ),
        };
      await this.invalidateDerived(c, tenant);
      await this.audit(c, tenant, audit);
      return { status: 'created' as const, value: agreementOf<D>(ins) };
    });
  }

  async getAgreement<D = unknown>(tenant: string, id: string): Promise<StoredAgreement<D> | undefined> {
    const r = await this.one('getAgreement', 'SELECT * FROM agreements WHERE tenant = $1 AND id = $2', [tenant, id]);
    return r && agreementOf<D>(r);
  }

  async listAgreements<D = unknown>(tenant: string, f: AgreementFilter = {}): Promise<Page<StoredAgreement<D>>> {
    const w = new Where(tenant);
    if (f.customer !== undefined) w.add('customer = ?', f.customer);
    if (f.state !== undefined) w.add('state = ?', f.state);
    if (f.after !== undefined) w.add('id > ?', decodeCursor(f.after, ['string'])[0]);
    const limit = pageLimit(f.limit);
    const rows = await this.rows(
      'listAgreements',
      `SELECT * FROM agreements WHERE ${w.sql} ORDER BY id LIMIT ${w.next(limit + 1)}`,
      w.params,
    );
    return page(
      rows.map((r) => agreementOf<D>(r)),
      limit,
      (a) => [a.id],
    );
  }

  updateAgreement<D>(tenant: string, id: string, ifMatch: string, ch: AgreementChange<D>, audit?: AuditInput): Promise<AgreementUpdate<D>> {
    const op = 'updateAgreement';
    return this.tx(op, async (c) => {
      // The row lock makes compare-and-set atomic: a concurrent update waits, then sees a new ETag.
      const row = await this.one(op, 'SELECT * FROM agreements WHERE tenant = $1 AND id = $2 FOR UPDATE', [tenant, id], c);
      if (!row) return { status: 'not_found' as const };
      const current = agreementOf<D>(row);
      if (current.etag !== ifMatch) return { status: 'stale' as const, current };
      const versions = ch.versions ?? [];
      const transitions = ch.transitions ?? [];
      const reviews = ch.reviews ?? [];
      checkVersionNumbers(current.versionCount, versions, id);
      for (const v of versions) {
        await c.query(
          'INSERT INTO agreement_versions (tenant, agreement_id, version, effective, effective_date, document, created_at, created_by, note) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9)',
          [
            tenant,
            id,
            v.version,
            v.effective,
            v.effectiveDate ? json(v.effectiveDate) : null,
            json(v.document),
            v.createdAt,
            v.createdBy,
            v.note ?? null,
          ],
        );
      }
      for (let i = 0; i < transitions.length; i++) {
        const t = transitions[i]!;
        await c.query('INSERT INTO agreement_transitions (tenant, agreement_id, seq, at, transition) VALUES ($1, $2, $3, $4, $5::jsonb)', [
          tenant,
          id,
          current.transitionCount + i + 1,
          t.at,
          json(t),
        ]);
      }
      for (let i = 0; i < reviews.length; i++) {
        await c.query('INSERT INTO agreement_reviews (tenant, agreement_id, seq, review, recorded_at) VALUES ($1, $2, $3, $4::jsonb, $5)', [
          tenant,
          id,
          current.reviewCount + i + 1,
          json(reviews[i]),
          ch.at,
        ]);
      }
      const state = transitions.length > 0 ? transitions[transitions.length - 1]!.to : current.state;
      const updated = await this.one(
        op,
        `UPDATE agreements SET document = COALESCE($1::jsonb, document), customer = CASE WHEN $2 THEN $3 ELSE customer END, state = $4,
                row_version = row_version + 1, updated_at = $5, updated_by = $6,
                version_count = version_count + $7, transition_count = transition_count + $8, review_count = review_count + $9
          WHERE tenant = $10 AND id = $11 RETURNING *`,
        [
          ch.document !== undefined ? json(ch.document) : null,
          ch.customer !== undefined,
          ch.customer ?? null,
          state,
          ch.at,
          ch.by,
          versions.length,
          transitions.length,
          reviews.length,
          tenant,
          id,
        ],
        c,
      );
      if (agreementChangeInvalidates(ch)) await this.invalidateDerived(c, tenant);
      await this.audit(c, tenant, audit);
      return { status: 'updated' as const, agreement: agreementOf<D>(updated!) };
    });
  }

  async listVersions<D = unknown>(tenant: string, id: string): Promise<Version<D>[]> {
    return (
      await this.rows('listVersions', 'SELECT * FROM agreement_versions WHERE tenant = $1 AND agreement_id = $2 ORDER BY version', [
        tenant,
        id,
      ])
    ).map((r) => versionOf<D>(r));
  }

  async getVersion<D = unknown>(tenant: string, id: string, version: number): Promise<Version<D> | undefined> {
    const r = await this.one('getVersion', 'SELECT * FROM agreement_versions WHERE tenant = $1 AND agreement_id = $2 AND version = $3', [
      tenant,
      id,
      version,
    ]);
    return r && versionOf<D>(r);
  }

  async getLifecycle(tenant: string, id: string): Promise<LifecycleHistory | undefined> {
    // One statement, so the agreement and its transitions come from the same snapshot.
    const rows = await this.rows(
      'getLifecycle',
      `SELECT a.created_at, a.created_by, t.transition
         FROM agreements a LEFT JOIN agreement_transitions t ON t.tenant = a.tenant AND t.agreement_id = a.id
        WHERE a.tenant = $1 AND a.id = $2 ORDER BY t.seq`,
      [tenant, id],
    );
    const first = rows[0];
    if (!first) return undefined;
    const transitions = rows.filter((r) => r.transition !== null).map((r) => r.transition as Transition);
    return { agreementId: id, createdAt: first.created_at as number, createdBy: first.created_by as string, transitions };
  }

  async listReviews(tenant: string, id: string): Promise<ReviewRecord[]> {
    return (
      await this.rows('listReviews', 'SELECT review FROM agreement_reviews WHERE tenant = $1 AND agreement_id = $2 ORDER BY seq', [
        tenant,
        id,
      ])
    ).map((r) => r.review as ReviewRecord);
  }

  // --- calendars -------------------------------------------------------------------------------

  putCalendar(tenant: string, cal: CalendarInput, ifMatch?: string | null, audit?: AuditInput): Promise<CalendarPut> {
    const op = 'putCalendar';
    return this.tx(op, async (c): Promise<CalendarPut> => {
      const select = () => this.one(op, 'SELECT * FROM calendars WHERE tenant = $1 AND name = $2', [tenant, cal.name], c);
      let row: Row | undefined;
      let created = false;
      if (ifMatch === null) {
        // Create only: concurrent creators race on the primary key, and exactly one wins.
        row = await this.one(
          op,
          'INSERT INTO calendars (tenant, name, format, source, row_version, updated_at, updated_by) VALUES ($1, $2, $3, $4, 1, $5, $6) ON CONFLICT DO NOTHING RETURNING *',
          [tenant, cal.name, cal.format, cal.source, cal.at, cal.by],
          c,
        );
        if (!row) return { status: 'stale', current: calendarOf((await select())!) };
        created = true;
      } else if (typeof ifMatch === 'string') {
        const cur = await this.one(op, 'SELECT * FROM calendars WHERE tenant = $1 AND name = $2 FOR UPDATE', [tenant, cal.name], c);
        if (!cur) return { status: 'stale' };
        if (calendarOf(cur).etag !== ifMatch) return { status: 'stale', current: calendarOf(cur) };
        row = await this.one(
          op,
          'UPDATE calendars SET format = $3, source = $4, row_version = row_version + 1, updated_at = $5, updated_by = $6 WHERE tenant = $1 AND name = $2 RETURNING *',
          [tenant, cal.name, cal.format, cal.source, cal.at, cal.by],
          c,
        );
      } else {
        row = await this.one(
          op,
          `INSERT INTO calendars (tenant, name, format, source, row_version, updated_at, updated_by) VALUES ($1, $2, $3, $4, 1, $5, $6)
           ON CONFLICT (tenant, name) DO UPDATE SET format = excluded.format, source = excluded.source, row_version = calendars.row_version + 1,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by
           RETURNING *`,
          [tenant, cal.name, cal.format, cal.source, cal.at, cal.by],
          c,
        );
        created = row!.row_version === 1;
      }
      await this.invalidateDerived(c, tenant);
      await this.audit(c, tenant, audit);
      return { status: created ? 'created' : 'updated', calendar: calendarOf(row!) };
    });
  }

  async getCalendar(tenant: string, name: string): Promise<StoredCalendar | undefined> {
    const r = await this.one('getCalendar', 'SELECT * FROM calendars WHERE tenant = $1 AND name = $2', [tenant, name]);
    return r && calendarOf(r);
  }

  async listCalendars(tenant: string): Promise<StoredCalendar[]> {
    return (await this.rows('listCalendars', 'SELECT * FROM calendars WHERE tenant = $1 ORDER BY name', [tenant])).map(calendarOf);
  }

  deleteCalendar(tenant: string, name: string, ifMatch?: string, audit?: AuditInput): Promise<'deleted' | 'not_found' | 'stale'> {
    return this.tx('deleteCalendar', async (c) => {
      const r = await this.one(
        'deleteCalendar',
        'SELECT row_version, updated_at FROM calendars WHERE tenant = $1 AND name = $2 FOR UPDATE',
        [tenant, name],
        c,
      );
      if (!r) return 'not_found' as const;
      if (ifMatch !== undefined && calendarEtag(r.row_version as number, r.updated_at as number) !== ifMatch) return 'stale' as const;
      await c.query('DELETE FROM calendars WHERE tenant = $1 AND name = $2', [tenant, name]);
      await this.invalidateDerived(c, tenant);
      await this.audit(c, tenant, audit);
      return 'deleted' as const;
    });
  }

  // --- events ----------------------------------------------------------------------------------

  async appendEvents(tenant: string, events: readonly EventInput[], options: AppendOptions): Promise<AppendResult> {
    events.forEach(checkEventInput);
    const op = 'appendEvents';
    const prepared = events.map((e) => {
      const source = e.source ?? '';
      const { json: payload, hash } = storedPayload(e);
      const ticket = strOrNull(e.ticket);
      const customer = strOrNull(e.customer);
      const tkey = ticket === null ? null : ticketKey(source, ticket);
      return { e, source, key: `${source}\u0000${e.id}`, payload, hash, ticket, customer, ticketKey: tkey };
    });
    let outcomes: EventOutcome[] = [];
    let first = 0;
    try {
      return await this.tx(op, async (c) => {
        // The counter row lock serialises this tenant's appends until COMMIT: numbers are handed
        // out in commit order, and the existence checks below (events, tickets) cannot race another writer.
        const counter = await this.one(
          op,
          "SELECT value FROM tenant_sequences WHERE tenant = $1 AND name = 'events' FOR UPDATE",
          [tenant],
          c,
        );
        if (!counter) throw unknownTenant(tenant);
        first = counter.value as number;
        const keys = [...new Map(prepared.map((p) => [p.key, p])).values()];
        const existing = new Map<string, { seq: number; hash: string }>();
        if (keys.length > 0) {
          const found = await this.rows(
            op,
            `SELECT e.source, e.event_id, e.seq, e.payload_hash FROM events e
               JOIN unnest($2::text[], $3::text[]) AS k(source, event_id) ON e.source = k.source AND e.event_id = k.event_id
              WHERE e.tenant = $1`,
            [tenant, keys.map((k) => k.source), keys.map((k) => k.e.id)],
            c,
          );
          for (const r of found)
            existing.set(`${r.source as string}\u0000${r.event_id as string}`, { seq: r.seq as number, hash: r.payload_hash as string });
        }
        // The tickets the batch touches: customer null while none is named.
        // `created`: the ticket's first event is in this batch; `claimed`: the event of this batch that named its customer.
        type Ticket = {
          source: string;
          ticket: string;
          customer: string | null;
          stored: boolean;
          created?: { firstSeq: number };
          claimed?: number;
        };
        const tickets = new Map<string, Ticket>();
        for (const p of prepared) {
          if (p.ticket === null || tickets.has(p.ticketKey!)) continue;
          tickets.set(p.ticketKey!, { source: p.source, ticket: p.ticket, customer: null, stored: false });
        }
        if (tickets.size > 0) {
          const list = [...tickets.values()];
          const found = await this.rows(
            op,
            `SELECT t.source, t.ticket, t.customer FROM tickets t
               JOIN unnest($2::text[], $3::text[]) AS k(source, ticket) ON t.source = k.source AND t.ticket = k.ticket
              WHERE t.tenant = $1`,
            [tenant, list.map((t) => t.source), list.map((t) => t.ticket)],
            c,
          );
          for (const r of found) {
            const t = tickets.get(ticketKey(r.source as string, r.ticket as string))!;
            t.stored = true;
            t.customer = r.customer as string | null;
          }
        }
        let seq = first;
        let conflicts = 0;
        const fresh: Array<(typeof prepared)[number] & { seq: number }> = [];
        outcomes = prepared.map((p): EventOutcome => {
          const prior = existing.get(p.key);
          if (prior) {
            if (prior.hash === p.hash) return { status: 'duplicate', seq: prior.seq };
            conflicts++;
            return { status: 'conflict', seq: prior.seq };
          }
          const t = p.ticketKey === null ? undefined : tickets.get(p.ticketKey)!;
          if (t && p.customer !== null && t.customer !== null && p.customer !== t.customer) {
            // Another customer's ticket: a ticket never changes owner.
            conflicts++;
            return { status: 'conflict', owner: { source: t.source, ticket: t.ticket, customer: t.customer } };
          }
          seq++;
          existing.set(p.key, { seq, hash: p.hash });
          fresh.push({ ...p, seq });
          if (t) {
            if (!t.stored && !t.created) t.created = { firstSeq: seq };
            if (t.customer === null && p.customer !== null) {
              t.customer = p.customer;
              t.claimed = seq;
            }
          }
          return { status: 'accepted', seq };
        });
        if (options.allOrNothing && conflicts > 0) throw new Rollback();
        if (fresh.length > 0) {
          // One statement for the whole batch: arrays of columns, unnested into rows.
          await this.rows(
            op,
            `INSERT INTO events (tenant, seq, source, event_id, type, at, ticket, service, customer, region, payload, payload_hash, received_at)
             SELECT $1, u.seq, u.source, u.event_id, u.type, u.at, u.ticket, u.service, u.customer, u.region, u.payload::jsonb, u.payload_hash, $13
               FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
                 AS u(seq, source, event_id, type, at, ticket, service, customer, region, payload, payload_hash)`,
            [
              tenant,
              fresh.map((f) => f.seq),
              fresh.map((f) => f.source),
              fresh.map((f) => f.e.id),
              fresh.map((f) => f.e.type),
              fresh.map((f) => f.e.atMs),
              fresh.map((f) => f.ticket),
              fresh.map((f) => strOrNull(f.e.service)),
              fresh.map((f) => f.customer),
              fresh.map((f) => strOrNull(f.e.region)),
              fresh.map((f) => f.payload),
              fresh.map((f) => f.hash),
              options.receivedAt,
            ],
            c,
          );
          await c.query("UPDATE tenant_sequences SET value = $2 WHERE tenant = $1 AND name = 'events'", [tenant, seq]);
          // The registry: new tickets, and stored ones that got their customer now.
          const created = [...tickets.values()].filter((t) => t.created);
          if (created.length > 0) {
            await c.query(
              `INSERT INTO tickets (tenant, source, ticket, customer, first_seq, customer_seq)
               SELECT $1, u.source, u.ticket, u.customer, u.first_seq, u.customer_seq
                 FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])
                   AS u(source, ticket, customer, first_seq, customer_seq)`,
              [
                tenant,
                created.map((t) => t.source),
                created.map((t) => t.ticket),
                created.map((t) => t.customer),
                created.map((t) => t.created!.firstSeq),
                created.map((t) => t.claimed ?? null),
              ],
            );
          }
          const claimed = [...tickets.values()].filter((t) => t.stored && t.claimed !== undefined);
          if (claimed.length > 0) {
            await c.query(
              `UPDATE tickets t SET customer = u.customer, customer_seq = u.customer_seq
                 FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[]) AS u(source, ticket, customer, customer_seq)
                WHERE t.tenant = $1 AND t.source = u.source AND t.ticket = u.ticket`,
              [tenant, ...(['source', 'ticket', 'customer'] as const).map((k) => claimed.map((t) => t[k])), claimed.map((t) => t.claimed!)],
            );
          }
        }
        const result = summarise(outcomes, true, seq);
        await this.audit(c, tenant, options.audit?.(result));
        return result;
      });
    } catch (e) {
      if (!(e instanceof Rollback)) throw e;
      return summarise(
        outcomes.map((o) => (o.status === 'accepted' ? { status: 'not_written' as const } : o)),
        false,
        first,
      );
    }
  }

  async getEvent(tenant: string, source: string, id: string): Promise<StoredEvent | undefined> {
    const r = await this.one('getEvent', 'SELECT * FROM events WHERE tenant = $1 AND source = $2 AND event_id = $3', [tenant, source, id]);
    return r && eventOf(r);
  }

  async ticketEvents(tenant: string, source: string, ticket: string): Promise<StoredEvent[]> {
    const sql = 'SELECT * FROM events WHERE tenant = $1 AND ticket = $2 AND source = $3 ORDER BY at, seq';
    const rows = await this.rows('ticketEvents', sql, [tenant, ticket, source]);
    return rows.map(eventOf);
  }

  async getTicket(tenant: string, source: string, ticket: string): Promise<StoredTicket | undefined> {
    const r = await this.one('getTicket', 'SELECT * FROM tickets WHERE tenant = $1 AND source = $2 AND ticket = $3', [
      tenant,
      source,
      ticket,
    ]);
    return r && ticketOf(r);
  }

  async findTickets(tenant: string, ticket: string): Promise<StoredTicket[]> {
    const rows = await this.rows('findTickets', 'SELECT * FROM tickets WHERE tenant = $1 AND ticket = $2 ORDER BY source', [
      tenant,
      ticket,
    ]);
    return rows.map(ticketOf);
  }

  async queryEvents(tenant: string, q: EventFilter & PageRequest = {}): Promise<Page<StoredEvent>> {
    const w = eventWhere(tenant, q);
    if (q.after !== undefined) {
      const [at, seq] = decodeCursor(q.after, ['number', 'number']);
      w.add('(at, seq) > (?, ?)', at, seq);
    }
    const limit = pageLimit(q.limit);
    const rows = await this.rows(
      'queryEvents',
      `SELECT * FROM events WHERE ${w.sql} ORDER BY at, seq LIMIT ${w.next(limit + 1)}`,
      w.params,
    );
    return page(rows.map(eventOf), limit, (e) => [e.at, e.seq]);
  }

  async eventsSince(tenant: string, afterSeq: number, limit = 1000): Promise<StoredEvent[]> {
    return (
      await this.rows('eventsSince', 'SELECT * FROM events WHERE tenant = $1 AND seq > $2 ORDER BY seq LIMIT $3', [
        tenant,
        afterSeq,
        sinceLimit(limit),
      ])
    ).map(eventOf);
  }

  async eventPayloadsSince(
    tenant: string,
    afterSeq: number,
    limit = 10_000,
  ): Promise<Array<{ seq: number; at: number; payload: Record<string, unknown> }>> {
    const rows = await this.rows(
      'eventPayloadsSince',
      'SELECT seq, at, payload FROM events WHERE tenant = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      [tenant, afterSeq, sinceLimit(limit)],
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      at: Number(r.at),
      payload: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>,
    }));
  }

  async eventPayloadsFor(
    tenant: string,
    q: { since: number; tickets?: ReadonlyArray<{ source: string; ticket: string }> },
  ): Promise<Array<{ seq: number; at: number; payload: Record<string, unknown> }>> {
    const tickets = q.tickets ?? [];
    const rows = await this.rows(
      'eventPayloadsFor',
      `WITH wanted(ticket, source) AS (
         SELECT ticket, source FROM events WHERE tenant = $1 AND at >= $2 AND ticket IS NOT NULL
         UNION SELECT ticket, source FROM derived_clocks WHERE tenant = $1 AND open_state IS NOT NULL
           AND (breach_at IS NULL OR breach_at >= $2)
         UNION SELECT u.k, u.s FROM unnest($3::text[], $4::text[]) AS u(s, k)
       )
       SELECT e.seq, e.at, e.payload FROM wanted w JOIN events e ON e.tenant = $1 AND e.ticket = w.ticket AND e.source = w.source
       UNION ALL
       SELECT seq, at, payload FROM events WHERE tenant = $1 AND ticket IS NULL
       ORDER BY 1`,
      [tenant, Number.isFinite(q.since) ? q.since : -8.64e15, tickets.map((t) => t.source), tickets.map((t) => t.ticket)],
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      at: Number(r.at),
      payload: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>,
    }));
  }

  async lastEventSeq(tenant: string): Promise<number> {
    const r = await this.one('lastEventSeq', "SELECT value FROM tenant_sequences WHERE tenant = $1 AND name = 'events'", [tenant]);
    return (r?.value as number | undefined) ?? 0;
  }

  async countEvents(tenant: string, filter: EventFilter = {}): Promise<number> {
    const w = eventWhere(tenant, filter);
    return (await this.one('countEvents', `SELECT count(*) AS n FROM events WHERE ${w.sql}`, w.params))!.n as number;
  }

  // --- derived results -------------------------------------------------------------------------

  /** Upserts in statements of at most 5,000 rows (one array parameter per column). */
  private async upsertClocks(c: pg.PoolClient, tenant: string, input: readonly ClockRow[]): Promise<void> {
    // ON CONFLICT DO UPDATE cannot touch one row twice in a statement: the last row of a key wins.
    const all = lastByKey(input, (r) => [r.agreementId, r.target, r.ticket, r.source ?? '', r.cycle]);
    for (let i = 0; i < all.length; i += 5000) {
      const rows = all.slice(i, i + 5000);
      const cols = rows.map((r) => clockColumns(r.value));
      await c.query(
        `INSERT INTO derived_clocks (tenant, agreement_id, target, ticket, source, cycle, value, updated_at, open_state, open_deadline, consumed, breach_at)
         SELECT $1, u.a, u.t, u.k, u.s, u.c, u.v::jsonb, u.u, u.os, u.od, u.cs, u.ba
           FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::bigint[], $9::text[], $10::float8[], $11::float8[], $12::float8[])
             AS u(a, t, k, s, c, v, u, os, od, cs, ba)
         ON CONFLICT (tenant, agreement_id, target, ticket, source, cycle) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
           open_state = excluded.open_state, open_deadline = excluded.open_deadline, consumed = excluded.consumed, breach_at = excluded.breach_at`,
        [
          tenant,
          rows.map((r) => r.agreementId),
          rows.map((r) => r.target),
          rows.map((r) => r.ticket),
          rows.map((r) => r.source ?? ''),
          rows.map((r) => r.cycle),
          rows.map((r) => json(r.value)),
          rows.map((r) => r.updatedAt),
          // The columns "at risk now" reads, written beside the value (20261205_004).
          cols.map((k) => k.openState),
          cols.map((k) => k.openDeadline),
          cols.map((k) => k.consumed),
          cols.map((k) => k.breachAt),
        ],
      );
    }
  }

  async replaceDerived(tenant: string, change: DerivedReplacement): Promise<DerivedReplaced> {
    return this.tx('replaceDerived', async (c) => {
      // The tenant row, locked: concurrent replacements of one tenant take turns, and the check of
      // the generation and of `from` cannot race another writer or an invalidation (which updates
      // this row, so it waits for this transaction or this one waits for it and sees its generation).
      const lock = 'SELECT derived_seq, derived_generation FROM tenants WHERE id = $1 FOR UPDATE';
      const cur = (await c.query(lock, [tenant])).rows[0] as Row | undefined;
      if (!cur) throw unknownTenant(tenant);
      const stale = staleDerived({ watermark: Number(cur.derived_seq), generation: Number(cur.derived_generation) }, change);
      if (stale) return stale;
      if (change.everything) {
        for (const t of ['derived_clocks', 'derived_compliance', 'derived_settlements'])
          await c.query(`DELETE FROM ${t} WHERE tenant = $1`, [tenant]);
      }
      for (const w of change.windowsFrom ?? []) {
        await c.query('DELETE FROM derived_compliance WHERE tenant = $1 AND agreement_id = $2 AND window_to > $3', [
          tenant,
          w.agreementId,
          w.from,
        ]);
        await c.query('DELETE FROM derived_settlements WHERE tenant = $1 AND agreement_id = $2 AND period_label = ANY($3::text[])', [
          tenant,
          w.agreementId,
          [...w.periods],
        ]);
      }
      const agreements = change.agreements ?? [];
      if (agreements.length > 0) {
        await c.query('DELETE FROM derived_compliance WHERE tenant = $1 AND agreement_id = ANY($2::text[])', [tenant, agreements]);
        await c.query('DELETE FROM derived_settlements WHERE tenant = $1 AND agreement_id = ANY($2::text[])', [tenant, agreements]);
      }
      const tickets = change.tickets ?? [];
      for (let i = 0; i < tickets.length; i += 5000) {
        const part = tickets.slice(i, i + 5000);
        await c.query(
          'DELETE FROM derived_clocks d USING unnest($2::text[], $3::text[], $4::text[]) AS u(a, k, s) WHERE d.tenant = $1 AND d.agreement_id = u.a AND d.ticket = u.k AND d.source = u.s',
          [tenant, part.map((t) => t.agreementId), part.map((t) => t.ticket), part.map((t) => t.source ?? '')],
        );
      }
      await this.upsertClocks(c, tenant, change.clocks ?? []);
      await this.upsertCompliance(c, tenant, change.compliance ?? []);
      await this.upsertSettlements(c, tenant, change.settlements ?? []);
      // The outbox: alerts and their notifications in the same transaction as the results.
      const alerts = change.alerts && (await this.writeAlertChanges(c, tenant, change.alerts));
      await c.query('UPDATE tenants SET derived_seq = $2 WHERE id = $1', [tenant, change.watermark]);
      return alerts ? { status: 'replaced' as const, alerts } : { status: 'replaced' as const };
    });
  }

  async getClock<V = unknown>(tenant: string, k: ClockKey): Promise<ClockRow<V> | undefined> {
    const r = await this.one(
      'getClock',
      'SELECT * FROM derived_clocks WHERE tenant = $1 AND agreement_id = $2 AND target = $3 AND ticket = $4 AND source = $5 AND cycle = $6',
      [tenant, k.agreementId, k.target, k.ticket, k.source ?? '', k.cycle],
    );
    return r && clockOf<V>(r);
  }

  async listClocks<V = unknown>(
    tenant: string,
    f: { agreementId?: string; target?: string; ticket?: string; source?: string } & PageRequest = {},
  ): Promise<Page<ClockRow<V>>> {
    const w = new Where(tenant);
    if (f.agreementId !== undefined) w.add('agreement_id = ?', f.agreementId);
    if (f.target !== undefined) w.add('target = ?', f.target);
    if (f.ticket !== undefined) w.add('ticket = ?', f.ticket);
    if (f.source !== undefined) w.add('source = ?', f.source);
    if (f.after !== undefined)
      w.add(
        '(agreement_id, target, ticket, source, cycle) > (?, ?, ?, ?, ?)',
        ...decodeCursor(f.after, ['string', 'string', 'string', 'string', 'number']),
      );
    const limit = pageLimit(f.limit);
    const rows = await this.rows(
      'listClocks',
      `SELECT * FROM derived_clocks WHERE ${w.sql} ORDER BY agreement_id, target, ticket, source, cycle LIMIT ${w.next(limit + 1)}`,
      w.params,
    );
    return page(
      rows.map((r) => clockOf<V>(r)),
      limit,
      (c) => [c.agreementId, c.target, c.ticket, c.source ?? '', c.cycle],
    );
  }

  async countOpenBreaches(tenant: string, now: number): Promise<{ tickets: number; targets: number }> {
    const t = await this.one(
      'countOpenBreaches',
      `SELECT COUNT(*) AS n FROM derived_clocks WHERE tenant = $1 AND open_state IS NOT NULL
         AND (open_state = 'breached' OR (open_state IN ('running', 'at_risk') AND open_deadline <= $2))`,
      [tenant, now],
    );
    const w = await this.one(
      'countOpenBreaches',
      `SELECT COUNT(*) AS n FROM derived_compliance WHERE tenant = $1 AND state = 'breached' AND window_from <= $2 AND window_to > $2`,
      [tenant, now],
    );
    return { tickets: Number(t!.n), targets: Number(w!.n) };
  }

  async complianceStates(
    tenant: string,
    agreementId: string,
    until: number,
  ): Promise<Array<{ target: string; window: string; from: number; to: number; state: string }>> {
    const rows = await this.rows(
      'complianceStates',
      `SELECT target, window_label, window_from, window_to, state FROM derived_compliance
        WHERE tenant = $1 AND agreement_id = $2 AND window_to <= $3 ORDER BY target, window_label`,
      [tenant, agreementId, until],
    );
    return rows.map((r) => ({
      target: r.target as string,
      window: r.window_label as string,
      from: Number(r.window_from),
      to: Number(r.window_to),
      state: r.state as string,
    }));
  }

  async derivedComputedAt(tenant: string): Promise<Map<string, number>> {
    const rows = await this.rows(
      'derivedComputedAt',
      `SELECT agreement_id, MAX(at) AS at FROM (
         SELECT agreement_id, MAX(updated_at) AS at FROM derived_compliance WHERE tenant = $1 GROUP BY agreement_id
         UNION ALL SELECT agreement_id, MAX(updated_at) FROM derived_settlements WHERE tenant = $1 GROUP BY agreement_id
       ) m GROUP BY agreement_id`,
      [tenant],
    );
    return new Map(rows.map((r) => [r.agreement_id as string, Number(r.at)]));
  }

  async atRiskNow(tenant: string, now: number): Promise<{ clocks: ClockRow<ClockGlance>[]; compliance: ComplianceRow<WindowGlance>[] }> {
    // Both by the partial indexes (only open clocks, only compliance at risk or breached), from the plain
    // columns written at upsert (20261205_004): no JSON is read.
    const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    const clocks = await this.rows(
      'atRiskNow',
      `SELECT agreement_id, target, ticket, source, cycle, updated_at, open_state, open_deadline, consumed, breach_at
         FROM derived_clocks
        WHERE tenant = $1 AND open_state IS NOT NULL AND (open_state IN ('at_risk', 'breached') OR (open_state = 'running' AND open_deadline <= $2))
        ORDER BY agreement_id, target, ticket, source, cycle`,
      [tenant, now],
    );
    const compliance = await this.rows(
      'atRiskNow',
      `SELECT agreement_id, target, window_label, updated_at, state, window_from, window_to, figure AS v, comparator, goal, reason
         FROM derived_compliance
        WHERE tenant = $1 AND state IN ('at_risk', 'breached') AND window_to > $2 AND window_from <= $2
        ORDER BY agreement_id, target, window_label`,
      [tenant, now],
    );
    return {
      clocks: clocks.map((r) => {
        const source = r.source === '' ? {} : { source: r.source as string };
        return {
          agreementId: r.agreement_id as string,
          target: r.target as string,
          ticket: r.ticket as string,
          ...source,
          cycle: Number(r.cycle),
          value: {
            state: r.open_state as string,
            stop: null,
            consumed: num(r.consumed),
            deadline: num(r.open_deadline),
            breachAt: num(r.breach_at),
          },
          updatedAt: Number(r.updated_at),
        };
      }),
      compliance: compliance.map((r) => ({
        agreementId: r.agreement_id as string,
        target: r.target as string,
        window: r.window_label as string,
        value: {
          state: r.state as string,
          value: num(r.v),
          comparator: (r.comparator as string | null) ?? null,
          target: num(r.goal),
          reason: (r.reason as string | null) ?? null,
          window: { from: Number(r.window_from), to: Number(r.window_to) },
        },
        updatedAt: Number(r.updated_at),
      })),
    };
  }

  async currentWindows(tenant: string, now: number): Promise<ComplianceRow<WindowGlance>[]> {
    const rows = await this.rows(
      'currentWindows',
      `SELECT agreement_id, target, window_label, updated_at, state, window_from, window_to, figure AS v, comparator, goal, reason, budget
         FROM derived_compliance
        WHERE tenant = $1 AND window_to > $2 AND window_from <= $2
        ORDER BY agreement_id, target, window_label`,
      [tenant, now],
    );
    return rows.map(windowGlanceRow);
  }

  async complianceHistory(tenant: string, agreementId: string): Promise<ComplianceRow<WindowGlance>[]> {
    const rows = await this.rows(
      'complianceHistory',
      `SELECT agreement_id, target, window_label, updated_at, state, window_from, window_to, figure AS v, comparator, goal, reason, budget
         FROM derived_compliance WHERE tenant = $1 AND agreement_id = $2
        ORDER BY target, window_from, window_label`,
      [tenant, agreementId],
    );
    return rows.map(windowGlanceRow);
  }

  async latestSettlementTotals(
    tenant: string,
  ): Promise<Array<{ agreementId: string; period: string; totals: Array<{ currency: string; amountMinor: number; amount: string }> }>> {
    const rows = await this.rows(
      'latestSettlementTotals',
      `SELECT DISTINCT ON (agreement_id) agreement_id, period_label, value->'totals' AS totals
         FROM derived_settlements WHERE tenant = $1
        ORDER BY agreement_id, period_label DESC`,
      [tenant],
    );
    return rows.map((r) => ({ agreementId: r.agreement_id as string, period: r.period_label as string, totals: totalsOf(r.totals) }));
  }

  private async upsertCompliance(c: pg.PoolClient, tenant: string, input: readonly ComplianceRow[]): Promise<void> {
    const rows = lastByKey(input, (r) => [r.agreementId, r.target, r.window]);
    if (rows.length === 0) return;
    const cols = rows.map((r) => complianceColumns(r.value));
    await c.query(
      `INSERT INTO derived_compliance (tenant, agreement_id, target, window_label, value, updated_at,
           state, window_from, window_to, figure, comparator, goal, reason, budget)
         SELECT $1, u.a, u.t, u.w, u.v::jsonb, u.u, u.st, u.wf, u.wt, u.fg, u.cp, u.gl, u.rs, u.bg
           FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[],
                       $7::text[], $8::float8[], $9::float8[], $10::float8[], $11::text[], $12::float8[], $13::text[], $14::text[])
             AS u(a, t, w, v, u, st, wf, wt, fg, cp, gl, rs, bg)
         ON CONFLICT (tenant, agreement_id, target, window_label) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
           state = excluded.state, window_from = excluded.window_from, window_to = excluded.window_to, figure = excluded.figure,
           comparator = excluded.comparator, goal = excluded.goal, reason = excluded.reason, budget = excluded.budget`,
      [
        tenant,
        rows.map((r) => r.agreementId),
        rows.map((r) => r.target),
        rows.map((r) => r.window),
        rows.map((r) => json(encodeComplianceValue(r.value))),
        rows.map((r) => r.updatedAt),
        // The columns "at risk now" and later settlements read, written beside the value (20261205_004).
        cols.map((k) => k.state),
        cols.map((k) => k.windowFrom),
        cols.map((k) => k.windowTo),
        cols.map((k) => k.figure),
        cols.map((k) => k.comparator),
        cols.map((k) => k.goal),
        cols.map((k) => k.reason),
        cols.map((k) => k.budget),
      ],
    );
  }

  async getCompliance<V = unknown>(tenant: string, k: ComplianceKey): Promise<ComplianceRow<V> | undefined> {
    const r = await this.one(
      'getCompliance',
      'SELECT * FROM derived_compliance WHERE tenant = $1 AND agreement_id = $2 AND target = $3 AND window_label = $4',
      [tenant, k.agreementId, k.target, k.window],
    );
    return r && complianceOf<V>(r);
  }

  async listCompliance<V = unknown>(
    tenant: string,
    f: { agreementId?: string; target?: string } & PageRequest = {},
  ): Promise<Page<ComplianceRow<V>>> {
    const w = new Where(tenant);
    if (f.agreementId !== undefined) w.add('agreement_id = ?', f.agreementId);
    if (f.target !== undefined) w.add('target = ?', f.target);
    if (f.after !== undefined)
      w.add('(agreement_id, target, window_label) > (?, ?, ?)', ...decodeCursor(f.after, ['string', 'string', 'string']));
    const limit = pageLimit(f.limit);
    const rows = await this.rows(
      'listCompliance',
      `SELECT * FROM derived_compliance WHERE ${w.sql} ORDER BY agreement_id, target, window_label LIMIT ${w.next(limit + 1)}`,
      w.params,
    );
    return page(
      rows.map((r) => complianceOf<V>(r)),
      limit,
      (c) => [c.agreementId, c.target, c.window],
    );
  }

  private async upsertSettlements(c: pg.PoolClient, tenant: string, input: readonly SettlementRow[]): Promise<void> {
    const rows = lastByKey(input, (r) => [r.agreementId, r.period]);
    if (rows.length === 0) return;
    await c.query(
      `INSERT INTO derived_settlements (tenant, agreement_id, period_label, value, updated_at)
         SELECT $1, u.a, u.p, u.v::jsonb, u.u FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[]) AS u(a, p, v, u)
         ON CONFLICT (tenant, agreement_id, period_label) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [tenant, rows.map((r) => r.agreementId), rows.map((r) => r.period), rows.map((r) => json(r.value)), rows.map((r) => r.updatedAt)],
    );
  }

  async getSettlement<V = unknown>(tenant: string, k: SettlementKey): Promise<SettlementRow<V> | undefined> {
    const r = await this.one(
      'getSettlement',
      'SELECT * FROM derived_settlements WHERE tenant = $1 AND agreement_id = $2 AND period_label = $3',
      [tenant, k.agreementId, k.period],
    );
    return r && settlementOf<V>(r);
  }

  async listSettlements<V = unknown>(tenant: string, f: { agreementId?: string } & PageRequest = {}): Promise<Page<SettlementRow<V>>> {
    const w = new Where(tenant);
    if (f.agreementId !== undefined) w.add('agreement_id = ?', f.agreementId);
    if (f.after !== undefined) w.add('(agreement_id, period_label) > (?, ?)', ...decodeCursor(f.after, ['string', 'string']));
    const limit = pageLimit(f.limit);
    const rows = await this.rows(
      'listSettlements',
      `SELECT * FROM derived_settlements WHERE ${w.sql} ORDER BY agreement_id, period_label LIMIT ${w.next(limit + 1)}`,
      w.params,
    );
    return page(
      rows.map((r) => settlementOf<V>(r)),
      limit,
      (s) => [s.agreementId, s.period],
    );
  }

  async getDerivedWatermark(tenant: string): Promise<number> {
    const r = await this.one('getDerivedWatermark', 'SELECT derived_seq FROM tenants WHERE id = $1', [tenant]);
    return (r?.derived_seq as number | undefined) ?? 0;
  }

  async getDerivedState(tenant: string): Promise<DerivedState> {
    // One statement: the watermark and the generation of the same committed state.
    const r = await this.one('getDerivedState', 'SELECT derived_seq, derived_generation FROM tenants WHERE id = $1', [tenant]);
    return r ? { watermark: r.derived_seq as number, generation: r.derived_generation as number } : { watermark: 0, generation: 0 };
  }

  // --- alerts, the outbox, channels, silences, timers ------------------------------------------
  // Claims select due rows with FOR UPDATE SKIP LOCKED: a row another transaction is claiming or
  // completing is skipped, not waited for, and a row claimed since is re-checked against its new
  // due instant (READ COMMITTED re-reads it), so concurrent claimers in any number of processes
  // never take the same row. A completion locks its row and checks the fencing token (attempt or
  // revision) under that lock, so it cannot race a claim that takes the row over.

  /** An alert change set, inside the caller's transaction (applyAlertChanges or replaceDerived). */
  private async writeAlertChanges(c: pg.PoolClient, tenant: string, set: AlertChangeSet): Promise<AlertChangesApplied> {
    const changes = set.alerts ?? [];
    // New alerts in a few statements (a rebuild opens thousands: one round trip or three each cost
    // seconds); the rest, and whatever the batch could not insert, one at a time as before.
    const opened = await this.openAlertsAtOnce(c, tenant, changes, set);
    const alerts: AlertOutcome[] = [];
    const toWrite: NewNotification[] = [];
    for (const [i, change] of changes.entries()) {
      const outcome = opened.get(i) ?? (await this.applyAlertChange(c, tenant, change, set));
      alerts.push(outcome);
      if (change.notify && outcome.status !== 'not_found' && changeTookEffect(change, outcome))
        for (const n of change.notify) toWrite.push({ ...n, alertId: outcome.alert.id });
    }
    const nested = toWrite.length;
    toWrite.push(...(set.notifications ?? []));
    const written = await this.insertNotifications(c, tenant, toWrite, set.at);
    await this.writeTimers(c, tenant, set.timers?.schedule ?? []);
    await this.deleteTimers(c, tenant, set.timers?.cancel ?? []);
    return {
      alerts,
      notifications: written.slice(nested),
      notified: written.filter((w) => w.status === 'created').length,
    };
  }

  /**
   * The `open` changes of a set whose dedupe key has no open alert, inserted in one statement with
   * their history in another; their outcomes by index in `changes`. Only when every dedupe key and
   * id appears once in the set (otherwise the order of the changes matters: none is taken here).
   * A change the insert skips (an id or an open alert committed meanwhile) is left to
   * applyAlertChange, which sorts it out as it always has.
   */
  private async openAlertsAtOnce(
    c: pg.PoolClient,
    tenant: string,
    changes: readonly AlertChange[],
    set: AlertChangeSet,
  ): Promise<Map<number, AlertOutcome>> {
    const out = new Map<number, AlertOutcome>();
    const candidates = changes.flatMap((ch, i) => (ch.op === 'open' ? [{ ch, i }] : []));
    if (candidates.length < 2) return out;
    const keys = new Set(changes.map((ch) => ch.dedupeKey));
    const ids = new Set(candidates.map(({ ch }) => ch.id));
    if (keys.size !== changes.length || ids.size !== candidates.length) return out;
    const op = 'applyAlertChanges';
    const open = new Set(
      (
        await this.rows(
          op,
          "SELECT dedupe_key FROM alerts WHERE tenant = $1 AND dedupe_key = ANY($2::text[]) AND state <> 'resolved' FOR UPDATE",
          [tenant, candidates.map(({ ch }) => ch.dedupeKey)],
          c,
        )
      ).map((r) => r.dedupe_key as string),
    );
    const fresh = candidates.filter(({ ch }) => !open.has(ch.dedupeKey)) as Array<{
      ch: Extract<AlertChange, { op: 'open' }>;
      i: number;
    }>;
    for (let from = 0; from < fresh.length; from += 2000) {
      const part = fresh.slice(from, from + 2000);
      const col = <T>(f: (ch: Extract<AlertChange, { op: 'open' }>) => T) => part.map(({ ch }) => f(ch));
      const inserted = await this.rows(
        op,
        `INSERT INTO alerts (tenant, id, dedupe_key, kind, severity, audience, agreement_id, target, subject_source, subject_ticket,
           subject_cycle, subject_window, level, state, fired_at, details, updated_at)
         SELECT $1, u.id, u.k, u.kind, u.sev, u.aud, u.ag, u.tg, u.src, u.tk, u.cy, u.win, u.lvl, 'firing', u.fired, u.det::jsonb, $15
           FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                       $11::int[], $12::text[], $13::text[], $14::bigint[], $16::text[])
             WITH ORDINALITY AS u(id, k, kind, sev, aud, ag, tg, src, tk, cy, win, lvl, fired, det, n)
          ORDER BY u.n
         ON CONFLICT DO NOTHING RETURNING *`,
        [
          tenant,
          col((ch) => ch.id),
          col((ch) => ch.dedupeKey),
          col((ch) => ch.kind),
          col((ch) => ch.severity),
          col((ch) => ch.audience),
          col((ch) => ch.agreementId),
          col((ch) => ch.target),
          col((ch) => ch.subject?.source ?? null),
          col((ch) => ch.subject?.ticket ?? null),
          col((ch) => ch.subject?.cycle ?? null),
          col((ch) => ch.subject?.window ?? null),
          col((ch) => ch.level),
          col((ch) => ch.firedAt),
          set.at,
          col((ch) => json(ch.details)),
        ],
        c,
      );
      const byId = new Map(inserted.map((r) => [r.id as string, r]));
      const done = part.filter(({ ch }) => byId.has(ch.id));
      if (done.length === 0) continue;
      await c.query(
        `INSERT INTO alert_history (tenant, alert_id, at, state, actor, reason)
         SELECT $1, u.id, u.at, 'firing', $2, NULL FROM unnest($3::text[], $4::bigint[]) WITH ORDINALITY AS u(id, at, n) ORDER BY u.n`,
        [tenant, set.by, done.map(({ ch }) => ch.id), done.map(({ ch }) => ch.firedAt)],
      );
      for (const { ch, i } of done) out.set(i, { status: 'opened', alert: alertOf(byId.get(ch.id)!, asIs) });
    }
    return out;
  }

  private async alertHistory(
    c: pg.PoolClient,
    tenant: string,
    alertId: string,
    at: number,
    state: AlertState,
    by: string,
    reason?: string,
  ): Promise<void> {
    await c.query('INSERT INTO alert_history (tenant, alert_id, at, state, actor, reason) VALUES ($1, $2, $3, $4, $5, $6)', [
      tenant,
      alertId,
      at,
      state,
      by,
      reason ?? null,
    ]);
  }

  private async applyAlertChange(c: pg.PoolClient, tenant: string, ch: AlertChange, set: AlertChangeSet): Promise<AlertOutcome> {
    const op = 'applyAlertChanges';
    if (ch.op === 'resolve') {
      const r = await this.one(
        op,
        `UPDATE alerts SET state = 'resolved', resolved_at = $1, resolved_by = $2, resolved_reason = $3, updated_at = $4
          WHERE tenant = $5 AND dedupe_key = $6 AND state <> 'resolved' RETURNING *`,
        [ch.resolvedAt, set.by, ch.reason, set.at, tenant, ch.dedupeKey],
        c,
      );
      if (!r) return { status: 'not_found' };
      await this.alertHistory(c, tenant, r.id as string, ch.resolvedAt, 'resolved', set.by, ch.reason);
      return { status: 'resolved', alert: alertOf(r, asIs) };
    }
    // Twice at most: an open alert of this key resolved by another transaction between the insert
    // that found it and the read of it leaves the key free, and the insert is tried again.
    for (let round = 0; round < 3; round++) {
      const current = await this.one(
        op,
        "SELECT * FROM alerts WHERE tenant = $1 AND dedupe_key = $2 AND state <> 'resolved' FOR UPDATE",
        [tenant, ch.dedupeKey],
        c,
      );
      if (current) {
        const stored = alertOf(current, asIs);
        const changes = alertFieldChanges(stored, ch);
        if (!changes) return { status: 'unchanged', alert: stored };
        const r = await this.one(
          op,
          'UPDATE alerts SET severity = $1, level = $2, details = $3::jsonb, updated_at = $4 WHERE tenant = $5 AND id = $6 RETURNING *',
          [changes.severity, changes.level, json(changes.details), set.at, tenant, stored.id],
          c,
        );
        return { status: 'updated', alert: alertOf(r!, asIs) };
      }
      if (ch.op === 'update') return { status: 'not_found' };
      const s = ch.subject ?? {};
      // DO NOTHING on either key: the id (a batch applied again) or an open alert of this dedupe
      // key committed by another transaction since the read above.
      const r = await this.one(
        op,
        `INSERT INTO alerts (tenant, id, dedupe_key, kind, severity, audience, agreement_id, target, subject_source, subject_ticket,
           subject_cycle, subject_window, level, state, fired_at, details, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'firing', $14, $15::jsonb, $16)
         ON CONFLICT DO NOTHING RETURNING *`,
        [
          tenant,
          ch.id,
          ch.dedupeKey,
          ch.kind,
          ch.severity,
          ch.audience,
          ch.agreementId,
          ch.target,
          s.source ?? null,
          s.ticket ?? null,
          s.cycle ?? null,
          s.window ?? null,
          ch.level,
          ch.firedAt,
          json(ch.details),
          set.at,
        ],
        c,
      );
      if (r) {
        await this.alertHistory(c, tenant, ch.id, ch.firedAt, 'firing', set.by);
        return { status: 'opened', alert: alertOf(r, asIs) };
      }
      const byId = await this.one(op, 'SELECT * FROM alerts WHERE tenant = $1 AND id = $2', [tenant, ch.id], c);
      if (byId) {
        if (byId.dedupe_key !== ch.dedupeKey) throw alertIdTaken(ch.id, op);
        if (byId.state === 'resolved') return { status: 'unchanged', alert: alertOf(byId, asIs) };
      }
    }
    throw new StoreError(`${op}: the open alert of dedupe key ${JSON.stringify(ch.dedupeKey)} kept changing; try again`, {
      retryable: true,
      operation: op,
    });
  }

  /** Inserts in one statement; per notification, in order: created, or duplicate of a stored key (or of one earlier in the list). */
  private async insertNotifications(
    c: pg.PoolClient,
    tenant: string,
    list: readonly NewNotification[],
    at: number,
  ): Promise<NotificationOutcome[]> {
    if (list.length === 0) return [];
    const op = 'insertNotifications';
    const ids = new Map<string, number>();
    for (let i = 0; i < list.length; i += 5000) {
      const part = list.slice(i, i + 5000);
      const inserted = await this.rows(
        op,
        `INSERT INTO notifications (tenant, idempotency_key, channel_id, recipient, alert_id, payload, state, attempts, due_at, created_at, updated_at)
         SELECT $1, u.k, u.c, u.r, u.a, u.p::jsonb, 'pending', 0, u.d, $7, $7
           FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $8::bigint[]) WITH ORDINALITY AS u(k, c, r, a, p, d, n)
          ORDER BY u.n
         ON CONFLICT (tenant, idempotency_key) DO NOTHING RETURNING id, idempotency_key`,
        [
          tenant,
          part.map((n) => n.idempotencyKey),
          part.map((n) => n.channelId),
          part.map((n) => n.recipient),
          part.map((n) => n.alertId ?? null),
          part.map((n) => json(n.payload)),
          at,
          part.map((n) => n.notBefore ?? at),
        ],
        c,
      );
      for (const r of inserted) ids.set(r.idempotency_key as string, r.id as number);
    }
    const created = new Set(ids.keys());
    const missing = [...new Set(list.map((n) => n.idempotencyKey))].filter((k) => !ids.has(k));
    if (missing.length > 0) {
      const found = await this.rows(
        op,
        'SELECT id, idempotency_key FROM notifications WHERE tenant = $1 AND idempotency_key = ANY($2::text[])',
        [tenant, missing],
        c,
      );
      for (const r of found) ids.set(r.idempotency_key as string, r.id as number);
    }
    return list.map((n) => {
      const id = ids.get(n.idempotencyKey)!;
      // The first of the list with a key it inserted is the one created; later ones are duplicates.
      const first = created.delete(n.idempotencyKey);
      return { status: first ? 'created' : 'duplicate', id };
    });
  }

  private async writeTimers(c: pg.PoolClient, tenant: string, input: readonly TimerInput[]): Promise<number> {
    const all = timersByKey(input);
    let changed = 0;
    for (let i = 0; i < all.length; i += 5000) {
      const part = all.slice(i, i + 5000);
      const r = await this.rows(
        'scheduleTimers',
        `INSERT INTO timers (tenant, key, fire_at, payload, revision, due_at)
         SELECT $1, u.k, u.f, u.p::jsonb, 1, u.f FROM unnest($2::text[], $3::bigint[], $4::text[]) AS u(k, f, p)
         ON CONFLICT (tenant, key) DO UPDATE SET fire_at = excluded.fire_at, payload = excluded.payload, revision = timers.revision + 1,
           due_at = excluded.fire_at, claimed_by = NULL, claimed_at = NULL
         WHERE timers.fire_at <> excluded.fire_at OR timers.payload <> excluded.payload
         RETURNING 1`,
        [tenant, part.map((t) => t.key), part.map((t) => t.fireAt), part.map((t) => json(t.payload))],
        c,
      );
      changed += r.length;
    }
    return changed;
  }

  private async deleteTimers(c: pg.PoolClient, tenant: string, keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const r = await this.rows(
      'cancelTimers',
      'DELETE FROM timers WHERE tenant = $1 AND key = ANY($2::text[]) RETURNING 1',
      [tenant, keys],
      c,
    );
    return r.length;
  }

  applyAlertChanges(tenant: string, changes: AlertChangeSet, audit?: AuditInput): Promise<AlertChangesApplied> {
    return this.tx('applyAlertChanges', async (c) => {
      if (!(await this.one('applyAlertChanges', 'SELECT 1 FROM tenants WHERE id = $1', [tenant], c))) throw unknownTenant(tenant);
      const applied = await this.writeAlertChanges(c, tenant, changes);
      await this.audit(c, tenant, audit);
      return applied;
    });
  }

  acknowledgeAlert(
    tenant: string,
    id: string,
    ack: { at: number; by: string; notify?: readonly NewNotification[] },
    audit?: AuditInput,
  ): Promise<AlertAcknowledged> {
    const op = 'acknowledgeAlert';
    return this.tx(op, async (c): Promise<AlertAcknowledged> => {
      // One statement: the check of the state and the change cannot be split by another writer.
      const r = await this.one(
        op,
        "UPDATE alerts SET state = 'acknowledged', acknowledged_at = $1, acknowledged_by = $2, updated_at = $1 WHERE tenant = $3 AND id = $4 AND state = 'firing' RETURNING *",
        [ack.at, ack.by, tenant, id],
        c,
      );
      if (!r) {
        const current = await this.one(op, 'SELECT * FROM alerts WHERE tenant = $1 AND id = $2', [tenant, id], c);
        return current ? { status: 'conflict', current: alertOf(current, asIs) } : { status: 'not_found' };
      }
      await this.alertHistory(c, tenant, id, ack.at, 'acknowledged', ack.by);
      await this.insertNotifications(
        c,
        tenant,
        (ack.notify ?? []).map((n) => ({ ...n, alertId: id })),
        ack.at,
      );
      await this.audit(c, tenant, audit);
      return { status: 'acknowledged', alert: alertOf(r, asIs) };
    });
  }

  async getAlert<D = unknown>(tenant: string, id: string): Promise<StoredAlert<D> | undefined> {
    const r = await this.one('getAlert', 'SELECT * FROM alerts WHERE tenant = $1 AND id = $2', [tenant, id]);
    return r && alertOf<D>(r, asIs);
  }

  async listAlerts<D = unknown>(tenant: string, f: AlertFilter = {}): Promise<Page<StoredAlert<D>>> {
    const w = new Where(tenant);
    if (f.state !== undefined) w.add('state = ANY(?::text[])', typeof f.state === 'string' ? [f.state] : [...f.state]);
    if (f.agreementId !== undefined) w.add('agreement_id = ?', f.agreementId);
    if (f.severity !== undefined) w.add('severity = ?', f.severity);
    if (f.audience !== undefined) w.add('audience = ?', f.audience);
    if (f.since !== undefined) w.add('fired_at >= ?', f.since);
    if (f.after !== undefined)
      w.add(f.newestFirst ? '(fired_at, id) < (?, ?)' : '(fired_at, id) > (?, ?)', ...decodeCursor(f.after, ['number', 'string']));
    const dir = f.newestFirst ? 'DESC' : 'ASC';
    const limit = pageLimit(f.limit);
    const rows = await this.rows(
      'listAlerts',
      `SELECT * FROM alerts WHERE ${w.sql} ORDER BY fired_at ${dir}, id ${dir} LIMIT ${w.next(limit + 1)}`,
      w.params,
    );
    return page(
      rows.map((r) => alertOf<D>(r, asIs)),
      limit,
      (a) => [a.firedAt, a.id],
    );
  }

  async listAlertActivity(
    tenant: string,
    f: { afterSeq?: number; limit?: number; newestFirst?: boolean } = {},
  ): Promise<AlertHistoryEntry[]> {
    const dir = f.newestFirst ? 'DESC' : 'ASC';
    const rows = await this.rows(
      'listAlertActivity',
      `SELECT * FROM alert_history WHERE seq > $1 AND tenant = $2 ORDER BY seq ${dir} LIMIT $3`,
      [f.afterSeq ?? 0, tenant, pageLimit(f.limit)],
    );
    return rows.map(alertHistoryOf);
  }

  async listAlertHistory(tenant: string, id: string): Promise<AlertHistoryEntry[]> {
    const rows = await this.rows('listAlertHistory', 'SELECT * FROM alert_history WHERE tenant = $1 AND alert_id = $2 ORDER BY seq', [
      tenant,
      id,
    ]);
    return rows.map(alertHistoryOf);
  }

  claimNotifications<P = unknown>(claim: ClaimRequest): Promise<ClaimedNotification<P>[]> {
    const op = 'claimNotifications';
    return this.tx(op, async (c) => {
      const limit = claimLimit(claim, op);
      const byTenant = claim.tenant === undefined ? '' : 'AND tenant = $3';
      const due = await this.rows(
        op,
        `SELECT id, tenant, state, attempts, claimed_by, claimed_at FROM notifications WHERE due_at <= $1 ${byTenant}
          ORDER BY due_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        claim.tenant === undefined ? [claim.at, limit] : [claim.at, limit, claim.tenant],
        c,
      );
      if (due.length === 0) return [];
      // Rows whose lease ran out: the worker that held them died or hung; the delivery log says so.
      const lapsed = due.filter((r) => r.state === 'claimed');
      if (lapsed.length > 0)
        await c.query(
          `INSERT INTO notification_attempts (notification_id, attempt, tenant, worker, started_at, finished_at, outcome, error)
           SELECT u.id, u.attempt, u.tenant, u.worker, u.started, $1, 'abandoned', 'the lease ran out before the attempt was completed'
             FROM unnest($2::bigint[], $3::int[], $4::text[], $5::text[], $6::bigint[]) AS u(id, attempt, tenant, worker, started)`,
          [
            claim.at,
            lapsed.map((r) => r.id),
            lapsed.map((r) => r.attempts),
            lapsed.map((r) => r.tenant),
            lapsed.map((r) => r.claimed_by),
            lapsed.map((r) => r.claimed_at),
          ],
        );
      const claimed = await this.rows(
        op,
        `UPDATE notifications SET state = 'claimed', attempts = attempts + 1, claimed_by = $1, claimed_at = $2, due_at = $3, updated_at = $2
          WHERE id = ANY($4::bigint[]) RETURNING *`,
        [claim.worker, claim.at, claim.at + claim.leaseMs, due.map((r) => r.id)],
        c,
      );
      const order = new Map(due.map((r, i) => [r.id as number, i]));
      return claimed
        .sort((a, b) => order.get(a.id as number)! - order.get(b.id as number)!)
        .map((r) => notificationOf<P>(r, asIs) as ClaimedNotification<P>);
    });
  }

  completeNotification<P = unknown>(
    tenant: string,
    id: number,
    lease: { worker: string; attempt: number },
    done: NotificationCompletion,
  ): Promise<NotificationCompleted<P>> {
    const op = 'completeNotification';
    return this.tx(op, async (c): Promise<NotificationCompleted<P>> => {
      const cols = completionColumns(done);
      // Locked: a claim taking the row over waits for this, or this waits and sees its attempt.
      const r = await this.one(op, 'SELECT * FROM notifications WHERE tenant = $1 AND id = $2 FOR UPDATE', [tenant, id], c);
      if (!r) return { status: 'not_found' };
      if (r.state !== 'claimed' || r.claimed_by !== lease.worker || r.attempts !== lease.attempt)
        return { status: 'stale', current: notificationOf<P>(r, asIs) };
      await c.query(
        `INSERT INTO notification_attempts (notification_id, attempt, tenant, worker, started_at, finished_at, outcome, error, response)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)`,
        [
          id,
          lease.attempt,
          tenant,
          lease.worker,
          r.claimed_at,
          done.at,
          done.outcome,
          done.outcome === 'delivered' ? null : done.error,
          jsonOrNull(done.response),
        ],
      );
      const updated = await this.one(
        op,
        `UPDATE notifications SET state = $1, due_at = $2, claimed_by = NULL, claimed_at = NULL, last_error = $3,
           delivered_at = COALESCE($4, delivered_at), updated_at = $5 WHERE id = $6 RETURNING *`,
        [cols.state, cols.dueAt, cols.lastError, cols.deliveredAt, done.at, id],
        c,
      );
      return { status: 'completed', notification: notificationOf<P>(updated!, asIs) };
    });
  }

  replayNotification<P = unknown>(
    tenant: string,
    id: number,
    replay: { at: number; by: string },
    audit?: AuditInput,
  ): Promise<NotificationReplayed<P>> {
    const op = 'replayNotification';
    return this.tx(op, async (c): Promise<NotificationReplayed<P>> => {
      const r = await this.one(
        op,
        `UPDATE notifications SET state = 'pending', due_at = $1, last_error = NULL, updated_at = $1
          WHERE tenant = $2 AND id = $3 AND state IN ('delivered', 'failed', 'dead') RETURNING *`,
        [replay.at, tenant, id],
        c,
      );
      if (!r) {
        const current = await this.one(op, 'SELECT * FROM notifications WHERE tenant = $1 AND id = $2', [tenant, id], c);
        return current ? { status: 'conflict', current: notificationOf<P>(current, asIs) } : { status: 'not_found' };
      }
      await this.audit(c, tenant, audit);
      return { status: 'replayed', notification: notificationOf<P>(r, asIs) };
    });
  }

  async getNotification<P = unknown>(tenant: string, id: number): Promise<StoredNotification<P> | undefined> {
    const r = await this.one('getNotification', 'SELECT * FROM notifications WHERE tenant = $1 AND id = $2', [tenant, id]);
    return r && notificationOf<P>(r, asIs);
  }

  async getNotificationByKey<P = unknown>(tenant: string, key: string): Promise<StoredNotification<P> | undefined> {
    const r = await this.one('getNotificationByKey', 'SELECT * FROM notifications WHERE tenant = $1 AND idempotency_key = $2', [
      tenant,
      key,
    ]);
    return r && notificationOf<P>(r, asIs);
  }

  async listNotifications<P = unknown>(tenant: string, f: NotificationFilter = {}): Promise<Page<StoredNotification<P>>> {
    const w = new Where(tenant);
    if (f.state !== undefined) w.add('state = ANY(?::text[])', typeof f.state === 'string' ? [f.state] : [...f.state]);
    if (f.channelId !== undefined) w.add('channel_id = ?', f.channelId);
    if (f.alertId !== undefined) w.add('alert_id = ?', f.alertId);
    if (f.after !== undefined) w.add('id > ?', decodeCursor(f.after, ['number'])[0]);
    const limit = pageLimit(f.limit);
    const rows = await this.rows(
      'listNotifications',
      `SELECT * FROM notifications WHERE ${w.sql} ORDER BY id LIMIT ${w.next(limit + 1)}`,
      w.params,
    );
    return page(
      rows.map((r) => notificationOf<P>(r, asIs)),
      limit,
      (n) => [n.id],
    );
  }

  // --- sources (service desk webhooks) ---------------------------------------------------------

  putSource<C>(
    tenant: string,
    src: SourceInput<C>,
    audit?: AuditInput,
  ): Promise<{ status: 'created' | 'updated'; source: StoredSource<C> }> {
    const op = 'putSource';
    return this.tx(op, async (c) => {
      if (!(await this.one(op, 'SELECT 1 FROM tenants WHERE id = $1', [tenant], c))) throw unknownTenant(tenant);
      const row = (await this.one(
        op,
        `INSERT INTO sources (tenant, id, vendor, hook, config, row_version, created_at, created_by, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5::jsonb, 1, $6, $7, $6, $7)
         ON CONFLICT (tenant, id) DO UPDATE SET vendor = excluded.vendor, config = excluded.config,
           row_version = sources.row_version + 1, updated_at = excluded.updated_at, updated_by = excluded.updated_by
         RETURNING *`,
        [tenant, src.id, src.vendor, src.hook, json(src.config), src.at, src.by],
        c,
      ))!;
      await this.audit(c, tenant, audit);
      return { status: Number(row.row_version) === 1 ? ('created' as const) : ('updated' as const), source: sourceOf<C>(row, asIs) };
    });
  }

  async getSource<C = unknown>(tenant: string, id: string): Promise<StoredSource<C> | undefined> {
    const r = await this.one('getSource', 'SELECT * FROM sources WHERE tenant = $1 AND id = $2', [tenant, id]);
    return r && sourceOf<C>(r, asIs);
  }

  async listSources<C = unknown>(tenant: string): Promise<StoredSource<C>[]> {
    const rows = await this.rows('listSources', 'SELECT * FROM sources WHERE tenant = $1 ORDER BY id', [tenant]);
    return rows.map((r) => sourceOf<C>(r, asIs));
  }

  deleteSource(tenant: string, id: string, audit?: AuditInput): Promise<'deleted' | 'not_found'> {
    const op = 'deleteSource';
    return this.tx(op, async (c) => {
      const gone = await this.one(op, 'DELETE FROM sources WHERE tenant = $1 AND id = $2 RETURNING id', [tenant, id], c);
      if (!gone) return 'not_found' as const;
      await this.audit(c, tenant, audit);
      return 'deleted' as const;
    });
  }

  async findSourceByHook<C = unknown>(hook: string): Promise<{ tenant: string; source: StoredSource<C> } | undefined> {
    const r = await this.one('findSourceByHook', 'SELECT * FROM sources WHERE hook = $1', [hook]);
    return r && { tenant: r.tenant as string, source: sourceOf<C>(r, asIs) };
  }

  async recordSourceDelivery(tenant: string, source: string, delivery: string, at: number, events: number): Promise<'new' | 'seen'> {
    const r = await this.one(
      'recordSourceDelivery',
      `INSERT INTO source_deliveries (tenant, source_id, delivery, received_at, events) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant, source_id, delivery) DO NOTHING RETURNING delivery`,
      [tenant, source, delivery, at, events],
    );
    return r ? 'new' : 'seen';
  }

  async hasSourceDelivery(tenant: string, source: string, delivery: string): Promise<boolean> {
    const r = await this.one(
      'hasSourceDelivery',
      'SELECT 1 FROM source_deliveries WHERE tenant = $1 AND source_id = $2 AND delivery = $3',
      [tenant, source, delivery],
    );
    return r !== undefined;
  }

  appendSourceDeliveryLog(tenant: string, source: string, e: SourceDeliveryEntry, keep: number): Promise<'appended' | 'not_found'> {
    const op = 'appendSourceDeliveryLog';
    return this.tx(op, async (c) => {
      // The source's row locked: appends to one source take turns, so the prune keeps exactly `keep`.
      if (!(await this.one(op, 'SELECT 1 FROM sources WHERE tenant = $1 AND id = $2 FOR NO KEY UPDATE', [tenant, source], c)))
        return 'not_found' as const;
      await this.one(
        op,
        `INSERT INTO source_delivery_log (tenant, source_id, at, delivery, outcome, status, accepted, duplicates, rejected, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [tenant, source, e.at, e.delivery, e.outcome, e.status, e.accepted, e.duplicates, e.rejected, e.detail],
        c,
      );
      await this.one(
        op,
        `DELETE FROM source_delivery_log WHERE tenant = $1 AND source_id = $2 AND seq <=
           (SELECT seq FROM source_delivery_log WHERE tenant = $1 AND source_id = $2 ORDER BY seq DESC LIMIT 1 OFFSET $3)`,
        [tenant, source, Math.max(1, keep)],
        c,
      );
      return 'appended' as const;
    });
  }

  async listSourceDeliveryLog(tenant: string, source: string, limit: number): Promise<SourceDeliveryEntry[]> {
    const rows = await this.rows(
      'listSourceDeliveryLog',
      'SELECT * FROM source_delivery_log WHERE tenant = $1 AND source_id = $2 ORDER BY seq DESC LIMIT $3',
      [tenant, source, Math.max(0, limit)],
    );
    return rows.map(sourceDeliveryEntryOf);
  }

  async lastSourceDeliveries(tenant: string): Promise<Map<string, SourceDeliveryEntry>> {
    const rows = await this.rows(
      'lastSourceDeliveries',
      'SELECT DISTINCT ON (source_id) * FROM source_delivery_log WHERE tenant = $1 ORDER BY source_id, seq DESC',
      [tenant],
    );
    return new Map(rows.map((r) => [r.source_id as string, sourceDeliveryEntryOf(r)]));
  }

  // --- status pages and incidents --------------------------------------------------------------

  putStatusPage<S>(tenant: string, pg: StatusPageInput<S>, ifMatch?: string | null, audit?: AuditInput): Promise<StatusPagePut<S>> {
    const op = 'putStatusPage';
    return this.tx(op, async (c) => {
      if (!(await this.one(op, 'SELECT 1 FROM tenants WHERE id = $1', [tenant], c))) throw unknownTenant(tenant);
      const cur = await this.one(op, 'SELECT * FROM status_pages WHERE tenant = $1 AND id = $2 FOR UPDATE', [tenant, pg.id], c);
      const current = cur && statusPageOf<S>(cur, asIs);
      if (ifMatch === null && current) return { status: 'stale' as const, current };
      if (typeof ifMatch === 'string' && current?.etag !== ifMatch) return { status: 'stale' as const, ...(current ? { current } : {}) };
      // Two tenants racing for one free path: the unique index lets one in, the other's insert fails
      // (a conflict, answered 409 by the edge like any other).
      const owner = await this.one(op, 'SELECT tenant, id FROM status_pages WHERE path = $1', [pg.path], c);
      if (owner && (owner.tenant !== tenant || owner.id !== pg.id)) return { status: 'path_taken' as const };
      const row = (await this.one(
        op,
        `INSERT INTO status_pages (tenant, id, path, spec, row_version, created_at, created_by, updated_at, updated_by)
         VALUES ($1, $2, $3, $4::jsonb, 1, $5, $6, $5, $6)
         ON CONFLICT (tenant, id) DO UPDATE SET path = excluded.path, spec = excluded.spec, row_version = status_pages.row_version + 1,
           updated_at = excluded.updated_at, updated_by = excluded.updated_by
         RETURNING *`,
        [tenant, pg.id, pg.path, json(pg.spec), pg.at, pg.by],
        c,
      ))!;
      await this.audit(c, tenant, audit);
      return { status: row.row_version === 1 ? ('created' as const) : ('updated' as const), page: statusPageOf<S>(row, asIs) };
    });
  }

  async getStatusPage<S = unknown>(tenant: string, id: string): Promise<StoredStatusPage<S> | undefined> {
    const r = await this.one('getStatusPage', 'SELECT * FROM status_pages WHERE tenant = $1 AND id = $2', [tenant, id]);
    return r && statusPageOf<S>(r, asIs);
  }

  async listStatusPages<S = unknown>(tenant: string): Promise<StoredStatusPage<S>[]> {
    const rows = await this.rows('listStatusPages', 'SELECT * FROM status_pages WHERE tenant = $1 ORDER BY id', [tenant]);
    return rows.map((r) => statusPageOf<S>(r, asIs));
  }

  deleteStatusPage(tenant: string, id: string, ifMatch?: string, audit?: AuditInput): Promise<'deleted' | 'not_found' | 'stale'> {
    const op = 'deleteStatusPage';
    return this.tx(op, async (c) => {
      const r = await this.one(op, 'SELECT * FROM status_pages WHERE tenant = $1 AND id = $2 FOR UPDATE', [tenant, id], c);
      if (!r) return 'not_found' as const;
      if (ifMatch !== undefined && statusPageOf(r, asIs).etag !== ifMatch) return 'stale' as const;
      await c.query('DELETE FROM status_pages WHERE tenant = $1 AND id = $2', [tenant, id]);
      await this.audit(c, tenant, audit);
      return 'deleted' as const;
    });
  }

  async findStatusPageByPath<S = unknown>(path: string): Promise<{ tenant: string; page: StoredStatusPage<S> } | undefined> {
    const r = await this.one('findStatusPageByPath', 'SELECT * FROM status_pages WHERE path = $1', [path]);
    return r && { tenant: r.tenant as string, page: statusPageOf<S>(r, asIs) };
  }

  putIncident<D>(
    tenant: string,
    inc: IncidentInput<D>,
    ifMatch?: string | null,
    audit?: AuditInput,
  ): Promise<{ status: 'created' | 'updated'; incident: StoredIncident<D> } | { status: 'stale'; current?: StoredIncident<D> }> {
    const op = 'putIncident';
    return this.tx(op, async (c) => {
      if (!(await this.one(op, 'SELECT 1 FROM tenants WHERE id = $1', [tenant], c))) throw unknownTenant(tenant);
      const cur = await this.one(op, 'SELECT * FROM incidents WHERE tenant = $1 AND id = $2 FOR UPDATE', [tenant, inc.id], c);
      const current = cur && incidentOf<D>(cur, asIs);
      if (ifMatch === null && current) return { status: 'stale' as const, current };
      if (typeof ifMatch === 'string' && current?.etag !== ifMatch) return { status: 'stale' as const, ...(current ? { current } : {}) };
      const row = (await this.one(
        op,
        `INSERT INTO incidents (tenant, id, doc, opened_at, resolved_at, row_version, created_at, created_by, updated_at, updated_by)
         VALUES ($1, $2, $3::jsonb, $4, $5, 1, $6, $7, $6, $7)
         ON CONFLICT (tenant, id) DO UPDATE SET doc = excluded.doc, opened_at = excluded.opened_at, resolved_at = excluded.resolved_at,
           row_version = incidents.row_version + 1, updated_at = excluded.updated_at, updated_by = excluded.updated_by
         RETURNING *`,
        [tenant, inc.id, json(inc.doc), inc.openedAt, inc.resolvedAt ?? null, inc.at, inc.by],
        c,
      ))!;
      await this.audit(c, tenant, audit);
      return { status: row.row_version === 1 ? ('created' as const) : ('updated' as const), incident: incidentOf<D>(row, asIs) };
    });
  }

  async getIncident<D = unknown>(tenant: string, id: string): Promise<StoredIncident<D> | undefined> {
    const r = await this.one('getIncident', 'SELECT * FROM incidents WHERE tenant = $1 AND id = $2', [tenant, id]);
    return r && incidentOf<D>(r, asIs);
  }

  async listIncidents<D = unknown>(tenant: string, filter: { resolvedSince?: number; limit?: number } = {}): Promise<StoredIncident<D>[]> {
    const rows = await this.rows(
      'listIncidents',
      `SELECT * FROM incidents WHERE tenant = $1 AND (resolved_at IS NULL OR resolved_at >= $2)
       ORDER BY opened_at DESC, id LIMIT $3`,
      [tenant, filter.resolvedSince ?? Number.MIN_SAFE_INTEGER, filter.limit ?? 1000],
    );
    return rows.map((r) => incidentOf<D>(r, asIs));
  }

  // --- report schedules ------------------------------------------------------------------------

  putReportSchedule<S>(
    tenant: string,
    sc: ReportScheduleInput<S>,
    timer: TimerInput | null,
    ifMatch?: string | null,
    audit?: AuditInput,
  ): Promise<
    { status: 'created' | 'updated'; schedule: StoredReportSchedule<S> } | { status: 'stale'; current?: StoredReportSchedule<S> }
  > {
    const op = 'putReportSchedule';
    return this.tx(op, async (c) => {
      if (!(await this.one(op, 'SELECT 1 FROM tenants WHERE id = $1', [tenant], c))) throw unknownTenant(tenant);
      // Locked (or, when absent, raced for by the insert below: one creator wins, the other updates).
      const cur = await this.one(op, 'SELECT * FROM report_schedules WHERE tenant = $1 AND id = $2 FOR UPDATE', [tenant, sc.id], c);
      const current = cur && reportScheduleOf<S>(cur, asIs);
      if (ifMatch === null && current) return { status: 'stale' as const, current };
      if (typeof ifMatch === 'string' && current?.etag !== ifMatch) return { status: 'stale' as const, ...(current ? { current } : {}) };
      const row = (await this.one(
        op,
        `INSERT INTO report_schedules (tenant, id, spec, row_version, created_at, created_by, updated_at, updated_by)
         VALUES ($1, $2, $3::jsonb, 1, $4, $5, $4, $5)
         ON CONFLICT (tenant, id) DO UPDATE SET spec = excluded.spec, row_version = report_schedules.row_version + 1,
           updated_at = excluded.updated_at, updated_by = excluded.updated_by
         RETURNING *`,
        [tenant, sc.id, json(sc.spec), sc.at, sc.by],
        c,
      ))!;
      if (timer) await this.writeTimers(c, tenant, [timer]);
      else await c.query('DELETE FROM timers WHERE tenant = $1 AND key = $2', [tenant, `${REPORT_TIMER_PREFIX}${sc.id}`]);
      await this.audit(c, tenant, audit);
      return { status: row.row_version === 1 ? ('created' as const) : ('updated' as const), schedule: reportScheduleOf<S>(row, asIs) };
    });
  }

  async getReportSchedule<S = unknown>(tenant: string, id: string): Promise<StoredReportSchedule<S> | undefined> {
    const r = await this.one('getReportSchedule', 'SELECT * FROM report_schedules WHERE tenant = $1 AND id = $2', [tenant, id]);
    return r && reportScheduleOf<S>(r, asIs);
  }

  async listReportSchedules<S = unknown>(tenant: string): Promise<StoredReportSchedule<S>[]> {
    const rows = await this.rows('listReportSchedules', 'SELECT * FROM report_schedules WHERE tenant = $1 ORDER BY id', [tenant]);
    return rows.map((r) => reportScheduleOf<S>(r, asIs));
  }

  deleteReportSchedule(tenant: string, id: string, ifMatch?: string, audit?: AuditInput): Promise<'deleted' | 'not_found' | 'stale'> {
    const op = 'deleteReportSchedule';
    return this.tx(op, async (c) => {
      const r = await this.one(op, 'SELECT * FROM report_schedules WHERE tenant = $1 AND id = $2 FOR UPDATE', [tenant, id], c);
      if (!r) return 'not_found' as const;
      if (ifMatch !== undefined && reportScheduleOf(r, asIs).etag !== ifMatch) return 'stale' as const;
      await c.query('DELETE FROM report_schedules WHERE tenant = $1 AND id = $2', [tenant, id]);
      const key = `${REPORT_TIMER_PREFIX}${id}`;
      await c.query('DELETE FROM timers WHERE tenant = $1 AND (key = $2 OR left(key, length($3)) = $3)', [tenant, key, `${key}@`]);
      await this.audit(c, tenant, audit);
      return 'deleted' as const;
    });
  }

  // --- built-in monitors -----------------------------------------------------------------------

  putMonitor<S>(
    tenant: string,
    m: MonitorInput<S>,
    timer: TimerInput | null,
    ifMatch?: string | null,
    audit?: AuditInput,
  ): Promise<{ status: 'created' | 'updated'; monitor: StoredMonitor<S> } | { status: 'stale'; current?: StoredMonitor<S> }> {
    const op = 'putMonitor';
    return this.tx(op, async (c) => {
      if (!(await this.one(op, 'SELECT 1 FROM tenants WHERE id = $1', [tenant], c))) throw unknownTenant(tenant);
      // Locked (or, when absent, raced for by the insert below: one creator wins, the other updates).
      const cur = await this.one(op, 'SELECT * FROM monitors WHERE tenant = $1 AND id = $2 FOR UPDATE', [tenant, m.id], c);
      const current = cur && monitorOf<S, unknown>(cur, asIs);
      if (ifMatch === null && current) return { status: 'stale' as const, current };
      if (typeof ifMatch === 'string' && current?.etag !== ifMatch) return { status: 'stale' as const, ...(current ? { current } : {}) };
      const tokenHash = m.tokenHash === undefined ? ((cur?.token_hash as string | null) ?? null) : m.tokenHash;
      const state = m.state === null || cur?.state === null || cur?.state === undefined ? null : json(cur.state);
      const row = (await this.one(
        op,
        `INSERT INTO monitors (tenant, id, spec, paused, token_hash, state, row_version, created_at, created_by, updated_at, updated_by)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6::jsonb, 1, $7, $8, $7, $8)
         ON CONFLICT (tenant, id) DO UPDATE SET spec = excluded.spec, paused = excluded.paused, token_hash = excluded.token_hash,
           state = excluded.state, row_version = monitors.row_version + 1, updated_at = excluded.updated_at, updated_by = excluded.updated_by
         RETURNING *`,
        [tenant, m.id, json(m.spec), m.paused, tokenHash, state, m.at, m.by],
        c,
      ))!;
      if (timer) await this.writeTimers(c, tenant, [timer]);
      else await c.query('DELETE FROM timers WHERE tenant = $1 AND key = $2', [tenant, `${MONITOR_TIMER_PREFIX}${m.id}`]);
      await this.audit(c, tenant, audit);
      return {
        status: Number(row.row_version) === 1 ? ('created' as const) : ('updated' as const),
        monitor: monitorOf<S, unknown>(row, asIs),
      };
    });
  }

  async getMonitor<S = unknown, R = unknown>(tenant: string, id: string): Promise<StoredMonitor<S, R> | undefined> {
    const r = await this.one('getMonitor', 'SELECT * FROM monitors WHERE tenant = $1 AND id = $2', [tenant, id]);
    return r && monitorOf<S, R>(r, asIs);
  }

  async listMonitors<S = unknown, R = unknown>(tenant: string): Promise<StoredMonitor<S, R>[]> {
    const rows = await this.rows('listMonitors', 'SELECT * FROM monitors WHERE tenant = $1 ORDER BY id', [tenant]);
    return rows.map((r) => monitorOf<S, R>(r, asIs));
  }

  deleteMonitor(tenant: string, id: string, ifMatch?: string, audit?: AuditInput): Promise<'deleted' | 'not_found' | 'stale'> {
    const op = 'deleteMonitor';
    return this.tx(op, async (c) => {
      const r = await this.one(op, 'SELECT * FROM monitors WHERE tenant = $1 AND id = $2 FOR UPDATE', [tenant, id], c);
      if (!r) return 'not_found' as const;
      if (ifMatch !== undefined && monitorOf(r, asIs).etag !== ifMatch) return 'stale' as const;
      await c.query('DELETE FROM monitors WHERE tenant = $1 AND id = $2', [tenant, id]);
      await c.query('DELETE FROM timers WHERE tenant = $1 AND key = $2', [tenant, `${MONITOR_TIMER_PREFIX}${id}`]);
      await this.audit(c, tenant, audit);
      return 'deleted' as const;
    });
  }

  async setMonitorState(tenant: string, id: string, state: unknown, expected?: { state: unknown }): Promise<boolean> {
    const r = expected
      ? await this.one(
          'setMonitorState',
          // jsonb equality is by value, whatever the key order.
          'UPDATE monitors SET state = $3::jsonb WHERE tenant = $1 AND id = $2 AND state IS NOT DISTINCT FROM $4::jsonb RETURNING 1',
          [tenant, id, json(state), expected.state === null || expected.state === undefined ? null : json(expected.state)],
        )
      : await this.one('setMonitorState', 'UPDATE monitors SET state = $3::jsonb WHERE tenant = $1 AND id = $2 RETURNING 1', [
          tenant,
          id,
          json(state),
        ]);
    return r !== undefined;
  }

  async monitorByTokenHash<S = unknown, R = unknown>(
    tokenHash: string,
  ): Promise<{ tenant: string; monitor: StoredMonitor<S, R> } | undefined> {
    const r = await this.one('monitorByTokenHash', 'SELECT * FROM monitors WHERE token_hash = $1', [tokenHash]);
    return r && { tenant: r.tenant as string, monitor: monitorOf<S, R>(r, asIs) };
  }

  recordReportDeliveries(tenant: string, deliveries: readonly NewReportDelivery[]): Promise<number> {
    const op = 'recordReportDeliveries';
    return this.tx(op, async (c) => {
      if (!(await this.one(op, 'SELECT 1 FROM tenants WHERE id = $1', [tenant], c))) throw unknownTenant(tenant);
      let n = 0;
      for (const d of deliveries) {
        const added = await this.one(
          op,
          `INSERT INTO report_deliveries (tenant, schedule_id, period_label, recipient, notification_key, reports, note, created_at)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8) ON CONFLICT (tenant, schedule_id, period_label, recipient) DO NOTHING RETURNING seq`,
          [tenant, d.scheduleId, d.period, d.recipient, d.notification.idempotencyKey, json(d.reports), d.note ?? null, d.createdAt],
          c,
        );
        // Only a delivery recorded now writes its outbox row: one recorded before has its own.
        if (!added) continue;
        await this.insertNotifications(c, tenant, [d.notification], d.createdAt);
        n++;
      }
      return n;
    });
  }

  async listReportDeliveries(tenant: string, f: ReportDeliveryFilter = {}): Promise<Page<StoredReportDelivery>> {
    const where = ['d.tenant = $1'];
    const p: unknown[] = [tenant];
    if (f.scheduleId !== undefined) {
      p.push(f.scheduleId);
      where.push(`d.schedule_id = $${p.length}`);
    }
    if (f.period !== undefined) {
      p.push(f.period);
      where.push(`d.period_label = $${p.length}`);
    }
    if (f.agreementId !== undefined) {
      p.push(JSON.stringify([{ agreement: f.agreementId }]));
      where.push(`d.reports @> $${p.length}::jsonb`);
    }
    if (f.after !== undefined) {
      p.push(decodeCursor(f.after, ['number'])[0]);
      where.push(`d.seq < $${p.length}`);
    }
    const limit = pageLimit(f.limit);
    p.push(limit + 1);
    const rows = await this.rows(
      'listReportDeliveries',
      `SELECT d.*, ${DELIVERY_NOTIFICATION_COLUMNS} FROM report_deliveries d
         LEFT JOIN notifications n ON n.tenant = d.tenant AND n.idempotency_key = d.notification_key
        WHERE ${where.join(' AND ')} ORDER BY d.seq DESC LIMIT $${p.length}`,
      p,
    );
    return page(
      rows.map((r) => reportDeliveryOf(r, asIs)),
      limit,
      (d) => [d.seq],
    );
  }

  async listNotificationAttempts(tenant: string, id: number): Promise<NotificationAttempt[]> {
    const rows = await this.rows(
      'listNotificationAttempts',
      'SELECT * FROM notification_attempts WHERE tenant = $1 AND notification_id = $2 ORDER BY attempt',
      [tenant, id],
    );
    return rows.map((r) => attemptOf(r, asIs));
  }

  putChannel(tenant: string, ch: ChannelInput, ifMatch?: string | null, audit?: AuditInput): Promise<ChannelPut> {
    const op = 'putChannel';
    return this.tx(op, async (c): Promise<ChannelPut> => {
      const select = () => this.one(op, 'SELECT * FROM channels WHERE tenant = $1 AND id = $2', [tenant, ch.id], c);
      let row: Row | undefined;
      if (ifMatch === null) {
        // Create only: concurrent creators race on the primary key, and exactly one wins.
        row = await this.one(
          op,
          `INSERT INTO channels (tenant, id, kind, config, row_version, created_at, created_by, updated_at, updated_by)
           VALUES ($1, $2, $3, $4::jsonb, 1, $5, $6, $5, $6) ON CONFLICT DO NOTHING RETURNING *`,
          [tenant, ch.id, ch.kind, json(ch.config), ch.at, ch.by],
          c,
        );
        if (!row) return { status: 'stale', current: channelOf((await select())!, asIs) };
      } else if (typeof ifMatch === 'string') {
        const cur = await this.one(op, 'SELECT * FROM channels WHERE tenant = $1 AND id = $2 FOR UPDATE', [tenant, ch.id], c);
        if (!cur) return { status: 'stale' };
        if (channelOf(cur, asIs).etag !== ifMatch) return { status: 'stale', current: channelOf(cur, asIs) };
        row = await this.one(
          op,
          'UPDATE channels SET kind = $3, config = $4::jsonb, row_version = row_version + 1, updated_at = $5, updated_by = $6 WHERE tenant = $1 AND id = $2 RETURNING *',
          [tenant, ch.id, ch.kind, json(ch.config), ch.at, ch.by],
          c,
        );
      } else {
        row = await this.one(
          op,
          `INSERT INTO channels (tenant, id, kind, config, row_version, created_at, created_by, updated_at, updated_by)
           VALUES ($1, $2, $3, $4::jsonb, 1, $5, $6, $5, $6)
           ON CONFLICT (tenant, id) DO UPDATE SET kind = excluded.kind, config = excluded.config, row_version = channels.row_version + 1,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by
           RETURNING *`,
          [tenant, ch.id, ch.kind, json(ch.config), ch.at, ch.by],
          c,
        );
      }
      await this.audit(c, tenant, audit);
      return { status: row!.row_version === 1 ? 'created' : 'updated', channel: channelOf(row!, asIs) };
    });
  }

  async getChannel<C = unknown>(tenant: string, id: string): Promise<StoredChannel<C> | undefined> {
    const r = await this.one('getChannel', 'SELECT * FROM channels WHERE tenant = $1 AND id = $2', [tenant, id]);
    return r && channelOf<C>(r, asIs);
  }

  async listChannels<C = unknown>(tenant: string): Promise<StoredChannel<C>[]> {
    const rows = await this.rows('listChannels', 'SELECT * FROM channels WHERE tenant = $1 ORDER BY id', [tenant]);
    return rows.map((r) => channelOf<C>(r, asIs));
  }

  deleteChannel(tenant: string, id: string, ifMatch?: string, audit?: AuditInput): Promise<'deleted' | 'not_found' | 'stale'> {
    const op = 'deleteChannel';
    return this.tx(op, async (c) => {
      const r = await this.one(
        op,
        'SELECT row_version, updated_at FROM channels WHERE tenant = $1 AND id = $2 FOR UPDATE',
        [tenant, id],
        c,
      );
      if (!r) return 'not_found' as const;
      if (ifMatch !== undefined && calendarEtag(r.row_version as number, r.updated_at as number) !== ifMatch) return 'stale' as const;
      await c.query('DELETE FROM channels WHERE tenant = $1 AND id = $2', [tenant, id]);
      await this.audit(c, tenant, audit);
      return 'deleted' as const;
    });
  }

  setChannelEnabled(
    tenant: string,
    id: string,
    change: { enabled: boolean; reason?: string; at: number; by: string },
    audit?: AuditInput,
  ): Promise<ChannelEnabled> {
    const op = 'setChannelEnabled';
    return this.tx(op, async (c): Promise<ChannelEnabled> => {
      const row = await this.one(op, 'SELECT * FROM channels WHERE tenant = $1 AND id = $2 FOR UPDATE', [tenant, id], c);
      if (!row) return { status: 'not_found' };
      const current = channelOf(row, asIs);
      if (current.enabled === change.enabled) return { status: 'unchanged', channel: current };
      const r = await this.one(
        op,
        'UPDATE channels SET disabled_at = $1, disabled_reason = $2, row_version = row_version + 1, updated_at = $3, updated_by = $4 WHERE tenant = $5 AND id = $6 RETURNING *',
        [change.enabled ? null : change.at, change.enabled ? null : (change.reason ?? null), change.at, change.by, tenant, id],
        c,
      );
      await this.audit(c, tenant, audit);
      return { status: 'changed', channel: channelOf(r!, asIs) };
    });
  }

  createSilence<M>(tenant: string, s: NewSilence<M>, audit?: AuditInput): Promise<Created<StoredSilence<M>>> {
    const op = 'createSilence';
    return this.tx(op, async (c) => {
      const ins = await this.one(
        op,
        `INSERT INTO silences (tenant, id, matchers, starts_at, ends_at, created_at, created_by, comment)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8) ON CONFLICT (tenant, id) DO NOTHING RETURNING *`,
        [tenant, s.id, json(s.matchers), s.startsAt, s.endsAt, s.createdAt, s.createdBy, s.comment ?? null],
        c,
      );
      if (!ins) {
        const r = await this.one(op, 'SELECT * FROM silences WHERE tenant = $1 AND id = $2', [tenant, s.id], c);
        return { status: 'exists' as const, value: silenceOf<M>(r!, asIs) };
      }
      await this.audit(c, tenant, audit);
      return { status: 'created' as const, value: silenceOf<M>(ins, asIs) };
    });
  }

  async getSilence<M = unknown>(tenant: string, id: string): Promise<StoredSilence<M> | undefined> {
    const r = await this.one('getSilence', 'SELECT * FROM silences WHERE tenant = $1 AND id = $2', [tenant, id]);
    return r && silenceOf<M>(r, asIs);
  }

  async listSilences<M = unknown>(tenant: string, f: { activeAt?: number } & PageRequest = {}): Promise<Page<StoredSilence<M>>> {
    const w = new Where(tenant);
    if (f.activeAt !== undefined)
      w.add('starts_at <= ? AND ends_at > ? AND (expired_at IS NULL OR expired_at > ?)', f.activeAt, f.activeAt, f.activeAt);
    if (f.after !== undefined) w.add('id > ?', decodeCursor(f.after, ['string'])[0]);
    const limit = pageLimit(f.limit);
    const rows = await this.rows('listSilences', `SELECT * FROM silences WHERE ${w.sql} ORDER BY id LIMIT ${w.next(limit + 1)}`, w.params);
    return page(
      rows.map((r) => silenceOf<M>(r, asIs)),
      limit,
      (s) => [s.id],
    );
  }

  expireSilence(tenant: string, id: string, expire: { at: number; by: string }, audit?: AuditInput): Promise<SilenceExpired> {
    const op = 'expireSilence';
    return this.tx(op, async (c): Promise<SilenceExpired> => {
      const row = await this.one(op, 'SELECT * FROM silences WHERE tenant = $1 AND id = $2 FOR UPDATE', [tenant, id], c);
      if (!row) return { status: 'not_found' };
      const current = silenceOf(row, asIs);
      if (silenceEnded(current, expire.at)) return { status: 'ended', silence: current };
      const r = await this.one(
        op,
        'UPDATE silences SET expired_at = $1, expired_by = $2 WHERE tenant = $3 AND id = $4 RETURNING *',
        [expire.at, expire.by, tenant, id],
        c,
      );
      await this.audit(c, tenant, audit);
      return { status: 'expired', silence: silenceOf(r!, asIs) };
    });
  }

  scheduleTimers(tenant: string, timers: readonly TimerInput[]): Promise<number> {
    return this.tx('scheduleTimers', (c) => this.writeTimers(c, tenant, timers));
  }

  cancelTimers(tenant: string, keys: readonly string[]): Promise<number> {
    return this.tx('cancelTimers', (c) => this.deleteTimers(c, tenant, keys));
  }

  async getTimer<P = unknown>(tenant: string, key: string): Promise<StoredTimer<P> | undefined> {
    const r = await this.one('getTimer', 'SELECT * FROM timers WHERE tenant = $1 AND key = $2', [tenant, key]);
    return r && timerOf<P>(r, asIs);
  }

  async listTimers<P = unknown>(tenant: string, f: { dueBy?: number } & PageRequest = {}): Promise<Page<StoredTimer<P>>> {
    const w = new Where(tenant);
    if (f.dueBy !== undefined) w.add('fire_at <= ?', f.dueBy);
    if (f.after !== undefined) w.add('(fire_at, key) > (?, ?)', ...decodeCursor(f.after, ['number', 'string']));
    const limit = pageLimit(f.limit);
    const rows = await this.rows(
      'listTimers',
      `SELECT * FROM timers WHERE ${w.sql} ORDER BY fire_at, key LIMIT ${w.next(limit + 1)}`,
      w.params,
    );
    return page(
      rows.map((r) => timerOf<P>(r, asIs)),
      limit,
      (t) => [t.fireAt, t.key],
    );
  }

  async earliestTimer(filter: TimerKindFilter = {}): Promise<number | null> {
    const where = ['TRUE'];
    const params: unknown[] = [];
    if (filter.tenant !== undefined) {
      params.push(filter.tenant);
      where.push(`tenant = $${params.length}`);
    }
    timerKindWhere(filter, where, params);
    // timers_due (due_at, tenant, key) is read in order and stops at the first timer of the kind.
    const r = await this.one('earliestTimer', `SELECT due_at FROM timers WHERE ${where.join(' AND ')} ORDER BY due_at LIMIT 1`, params);
    return r ? Number(r.due_at) : null;
  }

  claimTimers<P = unknown>(claim: ClaimRequest): Promise<ClaimedTimer<P>[]> {
    const op = 'claimTimers';
    return this.tx(op, async (c) => {
      const limit = claimLimit(claim, op);
      // Timers of one kind: keys with (or without) a prefix, compared as text (no LIKE wildcards).
      const where = ['due_at <= $1'];
      const params: unknown[] = [claim.at, limit];
      if (claim.tenant !== undefined) {
        params.push(claim.tenant);
        where.push(`tenant = $${params.length}`);
      }
      timerKindWhere(claim, where, params);
      const due = await this.rows(
        op,
        `SELECT tenant, key FROM timers WHERE ${where.join(' AND ')} ORDER BY due_at, tenant, key LIMIT $2 FOR UPDATE SKIP LOCKED`,
        params,
        c,
      );
      if (due.length === 0) return [];
      const claimed = await this.rows(
        op,
        `UPDATE timers t SET revision = t.revision + 1, due_at = $1, claimed_by = $2, claimed_at = $3
           FROM unnest($4::text[], $5::text[]) AS u(tenant, key) WHERE t.tenant = u.tenant AND t.key = u.key RETURNING t.*`,
        [claim.at + claim.leaseMs, claim.worker, claim.at, due.map((d) => d.tenant), due.map((d) => d.key)],
        c,
      );
      const order = new Map(due.map((d, i) => [`${d.tenant as string}\u0000${d.key as string}`, i]));
      const pos = (r: Row) => order.get(`${r.tenant as string}\u0000${r.key as string}`)!;
      return claimed
        .sort((a, b) => pos(a) - pos(b))
        .map((r) => ({ tenant: r.tenant as string, ...timerOf<P>(r, asIs) }) as ClaimedTimer<P>);
    });
  }

  completeTimer(
    tenant: string,
    key: string,
    lease: { worker: string; revision: number },
    next?: { fireAt: number; payload?: unknown },
  ): Promise<TimerCompleted> {
    const op = 'completeTimer';
    return this.tx(op, async (c): Promise<TimerCompleted> => {
      // One statement each: the fencing check and the change happen under the row's lock.
      const done = next
        ? await this.rows(
            op,
            `UPDATE timers SET fire_at = $5, payload = COALESCE($6::jsonb, payload), revision = revision + 1, due_at = $5,
               claimed_by = NULL, claimed_at = NULL
             WHERE tenant = $1 AND key = $2 AND claimed_by = $3 AND revision = $4 RETURNING 1`,
            [tenant, key, lease.worker, lease.revision, next.fireAt, jsonOrNull(next.payload)],
            c,
          )
        : await this.rows(
            op,
            'DELETE FROM timers WHERE tenant = $1 AND key = $2 AND claimed_by = $3 AND revision = $4 RETURNING 1',
            [tenant, key, lease.worker, lease.revision],
            c,
          );
      if (done.length > 0) return 'completed';
      return (await this.one(op, 'SELECT 1 FROM timers WHERE tenant = $1 AND key = $2', [tenant, key], c)) ? 'stale' : 'not_found';
    });
  }

  // --- audit -----------------------------------------------------------------------------------

  async appendAudit(tenant: string, entry: AuditInput): Promise<AuditEntry> {
    return this.tx('appendAudit', async (c) => (await this.audit(c, tenant, entry))!);
  }

  async listAudit(tenant: string, f: AuditFilter = {}): Promise<Page<AuditEntry>> {
    const w = new Where(tenant);
    if (f.subject !== undefined) w.add('subject = ?', f.subject);
    if (f.actor !== undefined) w.add('actor = ?', f.actor);
    if (f.after !== undefined) w.add(f.newestFirst ? 'seq < ?' : 'seq > ?', decodeCursor(f.after, ['number'])[0]);
    const limit = pageLimit(f.limit);
    const rows = await this.rows(
      'listAudit',
      `SELECT * FROM audit_log WHERE ${w.sql} ORDER BY seq ${f.newestFirst ? 'DESC' : 'ASC'} LIMIT ${w.next(limit + 1)}`,
      w.params,
    );
    return page(rows.map(auditOf), limit, (a) => [a.seq]);
  }
}

function eventWhere(tenant: string, f: EventFilter): Where {
  const w = new Where(tenant);
  if (f.from !== undefined) w.add('at >= ?', f.from);
  if (f.to !== undefined) w.add('at < ?', f.to);
  if (f.typePrefix !== undefined && f.typePrefix !== '') w.add('substr(type, 1, ?) = ?', [...f.typePrefix].length, f.typePrefix);
  if (f.service !== undefined) w.add('service = ?', f.service);
  if (f.customer !== undefined) w.add('customer = ?', f.customer);
  if (f.ticket !== undefined) w.add('ticket = ?', f.ticket);
  if (f.source !== undefined) w.add('source = ?', f.source);
  return w;
}

/** Timers of one kind: keys with (or without) a prefix, compared as text (no LIKE wildcards). */
function timerKindWhere(f: TimerKindFilter, where: string[], params: unknown[]): void {
  if (f.keyPrefix !== undefined) {
    params.push(f.keyPrefix);
    where.push(`left(key, length($${params.length})) = $${params.length}`);
  }
  const except = typeof f.exceptKeyPrefix === 'string' ? [f.exceptKeyPrefix] : (f.exceptKeyPrefix ?? []);
  for (const x of except) {
    params.push(x);
    where.push(`left(key, length($${params.length})) <> $${params.length}`);
  }
}
