/**
 * The SQLite adapter: one file, better-sqlite3, synchronous inside.
 *
 * Durability: WAL with `synchronous = FULL`. In WAL mode NORMAL skips the fsync of the WAL at
 * commit, so a power cut or OS crash can lose the last commits (an application crash cannot), and
 * an acknowledged event would be gone. FULL syncs the WAL at each commit; ingestion commits once
 * per batch, so the cost is one fsync per batch, not per event.
 *
 * Concurrency: every write runs in `BEGIN IMMEDIATE`, which takes SQLite's single write lock at
 * the start; a second process (the CLI beside a server) waits up to `busy_timeout` for it instead
 * of failing halfway. Each call is one synchronous transaction, so no other call of this process
 * can interleave with it even though the interface is async.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import Database from 'better-sqlite3';
import type { LifecycleHistory, LifecycleState, Transition } from '../../core/agreements/lifecycle/state.ts';
import type { Version } from '../../core/agreements/lifecycle/versions.ts';
import type { ReviewRecord } from '../../core/agreements/lifecycle/reviews.ts';
import { StoreError, fromSqlite } from '../errors.ts';
import { loadMigrations, pendingMigrations } from '../migrate.ts';
import {
  agreementChangeInvalidates,
  alertFieldChanges,
  alertHistoryOf,
  alertIdTaken,
  alertOf,
  attemptOf,
  canonicalJson,
  changeTookEffect,
  channelOf,
  checkVersionNumbers,
  claimLimit,
  clockColumns,
  completionColumns,
  complianceColumns,
  decodeComplianceValue,
  encodeComplianceValue,
  calendarEtag,
  notificationOf,
  silenceEnded,
  silenceOf,
  timerOf,
  timersByKey,
  decodeCursor,
  etagOf,
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
type Param = string | number | bigint | null | Buffer;

/** Thrown inside a transaction to roll it back (an all-or-nothing batch with a conflict). */
class Rollback extends Error {}

const BUSY_TIMEOUT_MS = 5000;

/** Applies pending migrations to an open database; returns the report. Exported for `migrate`. */
export function migrateSqlite(db: Database.Database): MigrationReport {
  const operation = 'migrate';
  try {
    const known = loadMigrations('sqlite');
    // IMMEDIATE: two processes opening a new file at once apply the migrations once.
    return db
      .transaction(() => {
        db.exec(
          'CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
        );
        const applied = db.prepare('SELECT name, checksum FROM schema_migrations ORDER BY name').all() as Array<{
          name: string;
          checksum: string;
        }>;
        const pending = pendingMigrations(known, applied, operation);
        // The clock is read here only to record when a migration ran, for operators.
        const now = Date.now();
        for (const m of pending) {
          db.exec(m.sql);
          db.prepare('INSERT INTO schema_migrations (name, checksum, applied_at) VALUES (?, ?, ?)').run(m.name, m.checksum, now);
        }
        return { applied: pending.map((m) => m.name), current: [...applied.map((a) => a.name), ...pending.map((m) => m.name)] };
      })
      .immediate();
  } catch (e) {
    throw fromSqlite(e, operation);
  }
}

/** Opens (creating if needed) the database file, sets it up and applies pending migrations. */
export function openSqliteStore(path: string): Store {
  let db: Database.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
  } catch (e) {
    const wrapped = fromSqlite(e, 'open');
    if (wrapped instanceof StoreError) throw wrapped;
    throw new StoreError(`cannot open SQLite database ${path}: ${(e as Error).message}`, { retryable: false, operation: 'open', cause: e });
  }
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal' && path !== ':memory:')
      throw new StoreError(`SQLite database ${path} cannot use WAL (journal_mode is ${String(mode)}); is it on a network file system?`, {
        retryable: false,
        operation: 'open',
      });
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const report = migrateSqlite(db);
    return new SqliteStore(db, report);
  } catch (e) {
    db.close();
    throw fromSqlite(e, 'open');
  }
}

const json = (v: unknown): string => JSON.stringify(v);
const parse = <T>(text: unknown): T => JSON.parse(text as string) as T;
/** JSON columns that may be NULL; JSON null reads back as absent too (see AuditEntry). */
const parseOpt = (text: unknown): unknown => (text === null || text === undefined ? undefined : (JSON.parse(text as string) ?? undefined));

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
    document: parse<D>(r.document),
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
    document: parse<D>(r.document),
    createdAt: r.created_at as number,
    createdBy: r.created_by as string,
  };
  if (r.effective_date !== null) v.effectiveDate = parse(r.effective_date);
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
    payload: parse(r.payload),
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
  const before = parseOpt(r.before);
  const after = parseOpt(r.after);
  if (before !== undefined) e.before = before;
  if (after !== undefined) e.after = after;
  return e;
}

/** Checks the fields the columns need; a caller that sends anything else has skipped validation. */
function checkEventInput(e: EventInput, i: number): void {
  if (typeof e?.id !== 'string' || e.id === '' || typeof e.type !== 'string' || !Number.isSafeInteger(e.atMs)) {
    throw new TypeError(`events[${i}]: expected a parsed event with id, type and atMs (validate events before storing them)`);
  }
}
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly statements = new Map<string, Database.Statement>();
  private payloadScan: Database.Statement | undefined;

  constructor(
    private readonly db: Database.Database,
    readonly migrations: MigrationReport,
  ) {}

  /** Prepared statements, compiled once per SQL text. */
  private s(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }
  private get(sql: string, ...p: Param[]): Row | undefined {
    return this.s(sql).get(...p) as Row | undefined;
  }
  private all(sql: string, ...p: Param[]): Row[] {
    return this.s(sql).all(...p) as Row[];
  }
  private exec(sql: string, ...p: Param[]): number {
    return this.s(sql).run(...p).changes;
  }

  /** Runs one call: synchronously, with driver errors turned into StoreErrors. */
  private run<T>(operation: string, fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(fromSqlite(e, operation));
    }
  }
  /** A write transaction that takes the write lock at once (BEGIN IMMEDIATE). */
  private write<T>(operation: string, fn: () => T): Promise<T> {
    return this.run(operation, () => this.db.transaction(fn).immediate());
  }

  /**
   * Agreements and calendars are what derived results are computed with: changing one makes them
   * all stale, in the same transaction as the change (the next read recomputes them). The new
   * generation makes a recomputation that read the old inputs unable to write (see DerivedState).
   * Call it in the writing transaction of every change of an input, and of nothing else.
   */
  private invalidateDerived(tenant: string): void {
    this.exec('UPDATE tenants SET derived_seq = 0, derived_generation = derived_generation + 1 WHERE id = ?', tenant);
  }

  private derivedState(tenant: string): DerivedState | undefined {
    const r = this.get('SELECT derived_seq, derived_generation FROM tenants WHERE id = ?', tenant);
    return r && { watermark: r.derived_seq as number, generation: r.derived_generation as number };
  }

  private audit(tenant: string, a: AuditInput | undefined): AuditEntry | undefined {
    if (!a) return undefined;
    const row = this.get("UPDATE tenant_sequences SET value = value + 1 WHERE tenant = ? AND name = 'audit' RETURNING value", tenant);
    if (!row) throw unknownTenant(tenant);
    const seq = row.value as number;
    this.exec(
      'INSERT INTO audit_log (tenant, seq, at, actor, action, subject, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      tenant,
      seq,
      a.at,
      a.actor,
      a.action,
      a.subject,
      a.before === undefined ? null : json(a.before),
      a.after === undefined ? null : json(a.after),
    );
    return auditOf(this.get('SELECT * FROM audit_log WHERE tenant = ? AND seq = ?', tenant, seq)!);
  }

  ping(): Promise<void> {
    return this.run('ping', () => {
      this.get('SELECT 1');
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  // --- tenants -------------------------------------------------------------------------------

  createTenant(t: Tenant, audit?: AuditInput): Promise<Created<Tenant>> {
    return this.write('createTenant', () => {
      const changed = this.exec(
        'INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING',
        t.id,
        t.name,
        t.createdAt,
      );
      const value = tenantOf(this.get('SELECT * FROM tenants WHERE id = ?', t.id)!);
      if (changed === 0) return { status: 'exists' as const, value };
      this.exec("INSERT INTO tenant_sequences (tenant, name, value) VALUES (?, 'events', 0), (?, 'audit', 0)", t.id, t.id);
      this.audit(t.id, audit);
      return { status: 'created' as const, value };
    });
  }

  getTenant(id: string): Promise<Tenant | undefined> {
    return this.run('getTenant', () => {
      const r = this.get('SELECT * FROM tenants WHERE id = ?', id);
      return r && tenantOf(r);
    });
  }

  listTenants(): Promise<Tenant[]> {
    return this.run('listTenants', () => this.all('SELECT * FROM tenants ORDER BY id').map(tenantOf));
  }

  // --- users and tokens ------------------------------------------------------------------------

  createUser(tenant: string, u: NewUser, audit?: AuditInput): Promise<Created<User>> {
    return this.write('createUser', () => {
      const changed = this.exec(
        'INSERT INTO users (tenant, id, name, email, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
        tenant,
        u.id,
        u.name,
        u.email ?? null,
        u.createdAt,
      );
      const value = userOf(this.get('SELECT * FROM users WHERE tenant = ? AND id = ?', tenant, u.id)!);
      if (changed === 0) return { status: 'exists' as const, value };
      this.audit(tenant, audit);
      return { status: 'created' as const, value };
    });
  }

  getUser(tenant: string, id: string): Promise<User | undefined> {
    return this.run('getUser', () => {
      const r = this.get('SELECT * FROM users WHERE tenant = ? AND id = ?', tenant, id);
      return r && userOf(r);
    });
  }

  listUsers(tenant: string): Promise<User[]> {
    return this.run('listUsers', () => this.all('SELECT * FROM users WHERE tenant = ? ORDER BY id', tenant).map(userOf));
  }

  disableUser(tenant: string, id: string, at: number, audit?: AuditInput): Promise<'disabled' | 'already_disabled' | 'not_found'> {
    return this.write('disableUser', () => {
      const r = this.get('SELECT disabled_at FROM users WHERE tenant = ? AND id = ?', tenant, id);
      if (!r) return 'not_found' as const;
      if (r.disabled_at !== null) return 'already_disabled' as const;
      this.exec('UPDATE users SET disabled_at = ? WHERE tenant = ? AND id = ?', at, tenant, id);
      this.audit(tenant, audit);
      return 'disabled' as const;
    });
  }

  createToken(tenant: string, t: NewApiToken, audit?: AuditInput): Promise<TokenCreated> {
    return this.write('createToken', () => {
      if (!this.get('SELECT 1 FROM users WHERE tenant = ? AND id = ?', tenant, t.userId)) return { status: 'unknown_user' as const };
      const changed = this.exec(
        'INSERT INTO api_tokens (tenant, id, user_id, name, role, customer, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
        tenant,
        t.id,
        t.userId,
        t.name,
        t.role,
        t.customer ?? null,
        t.tokenHash,
        t.createdAt,
        t.expiresAt ?? null,
      );
      const r = this.get('SELECT * FROM api_tokens WHERE tenant = ? AND id = ?', tenant, t.id);
      // No row and no insert: the hash belongs to another token. Secrets are random, so this is a
      // reused secret, a bug in the caller.
      if (!r) throw new Error('createToken: this token hash is already in use by another token; generate a fresh secret');
      if (changed === 0) return { status: 'exists' as const, value: tokenOf(r) };
      this.audit(tenant, audit);
      return { status: 'created' as const, value: tokenOf(r) };
    });
  }

  findTokenByHash(tokenHash: string): Promise<{ token: ApiToken; user: User } | undefined> {
    return this.run('findTokenByHash', () => {
      const t = this.get('SELECT * FROM api_tokens WHERE token_hash = ?', tokenHash);
      if (!t) return undefined;
      const u = this.get('SELECT * FROM users WHERE tenant = ? AND id = ?', t.tenant as string, t.user_id as string)!;
      return { token: tokenOf(t), user: userOf(u) };
    });
  }

  listTokens(tenant: string, filter: { userId?: string } = {}): Promise<ApiToken[]> {
    return this.run('listTokens', () =>
      (filter.userId === undefined
        ? this.all('SELECT * FROM api_tokens WHERE tenant = ? ORDER BY id', tenant)
        : this.all('SELECT * FROM api_tokens WHERE tenant = ? AND user_id = ? ORDER BY id', tenant, filter.userId)
      ).map(tokenOf),
    );
  }

  touchToken(tenant: string, id: string, at: number): Promise<void> {
    // A write per request: callers should touch at most every minute or so per token.
    return this.run('touchToken', () => {
      this.exec(
        'UPDATE api_tokens SET last_used_at = ? WHERE tenant = ? AND id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
        at,
        tenant,
        id,
        at,
      );
    });
  }

  revokeToken(tenant: string, id: string, at: number, audit?: AuditInput): Promise<RevokeResult> {
    return this.write('revokeToken', () => {
      const r = this.get('SELECT revoked_at FROM api_tokens WHERE tenant = ? AND id = ?', tenant, id);
      if (!r) return 'not_found' as const;
      if (r.revoked_at !== null) return 'already_revoked' as const;
      this.exec('UPDATE api_tokens SET revoked_at = ? WHERE tenant = ? AND id = ?', at, tenant, id);
      this.audit(tenant, audit);
      return 'revoked' as const;
    });
  }

  // --- service reports -------------------------------------------------------------------------

  appendServiceReport(
    tenant: string,
    r: Omit<ServiceReportRevision, 'revision'>,
    audit?: AuditInput,
  ): Promise<{ status: 'created' | 'same'; value: ServiceReportRevision }> {
    return this.write('appendServiceReport', () => {
      const last = this.get(
        'SELECT * FROM service_reports WHERE tenant = ? AND agreement_id = ? AND period_label = ? ORDER BY revision DESC LIMIT 1',
        tenant,
        r.agreementId,
        r.period,
      );
      if (last && last.sha256 === r.sha256) return { status: 'same' as const, value: serviceReportOf(last) };
      const revision = ((last?.revision as number | undefined) ?? 0) + 1;
      this.exec(
        'INSERT INTO service_reports (tenant, agreement_id, period_label, revision, event_seq, sha256, content, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        tenant,
        r.agreementId,
        r.period,
        revision,
        r.eventSeq,
        r.sha256,
        r.content,
        r.createdAt,
        r.createdBy,
      );
      this.audit(tenant, audit);
      return { status: 'created' as const, value: { ...r, revision } };
    });
  }

  getServiceReport(
    tenant: string,
    key: { agreementId: string; period: string; revision?: number },
  ): Promise<ServiceReportRevision | undefined> {
    return this.run('getServiceReport', () => {
      const r =
        key.revision === undefined
          ? this.get(
              'SELECT * FROM service_reports WHERE tenant = ? AND agreement_id = ? AND period_label = ? ORDER BY revision DESC LIMIT 1',
              tenant,
              key.agreementId,
              key.period,
            )
          : this.get(
              'SELECT * FROM service_reports WHERE tenant = ? AND agreement_id = ? AND period_label = ? AND revision = ?',
              tenant,
              key.agreementId,
              key.period,
              key.revision,
            );
      return r && serviceReportOf(r);
    });
  }

  listServiceReports(tenant: string, agreementId: string): Promise<Array<Omit<ServiceReportRevision, 'content'>>> {
    return this.run('listServiceReports', () =>
      this.all(
        `SELECT tenant, agreement_id, period_label, revision, event_seq, sha256, '' AS content, created_at, created_by FROM service_reports
          WHERE tenant = ? AND agreement_id = ? ORDER BY period_label DESC, revision DESC`,
        tenant,
        agreementId,
      ).map((r) => {
        const { content: _c, ...rest } = serviceReportOf(r);
        return rest;
      }),
    );
  }

  putServiceReportFile(
    tenant: string,
    key: { agreementId: string; period: string; revision: number; variant: string },
    file: { mediaType: string; bytes: Buffer; createdAt: number },
  ): Promise<{ mediaType: string; bytes: Buffer; sha256: string }> {
    return this.write('putServiceReportFile', () => {
      this.exec(
        `INSERT INTO service_report_files (tenant, agreement_id, period_label, revision, variant, media_type, sha256, bytes, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        tenant,
        key.agreementId,
        key.period,
        key.revision,
        key.variant,
        file.mediaType,
        sha256Hex(file.bytes),
        file.bytes,
        file.createdAt,
      );
      return reportFileOf(
        this.get(
          'SELECT * FROM service_report_files WHERE tenant = ? AND agreement_id = ? AND period_label = ? AND revision = ? AND variant = ?',
          tenant,
          key.agreementId,
          key.period,
          key.revision,
          key.variant,
        )!,
      );
    });
  }

  getServiceReportFile(
    tenant: string,
    key: { agreementId: string; period: string; revision: number; variant: string },
  ): Promise<{ mediaType: string; bytes: Buffer; sha256: string } | undefined> {
    return this.run('getServiceReportFile', () => {
      const r = this.get(
        'SELECT * FROM service_report_files WHERE tenant = ? AND agreement_id = ? AND period_label = ? AND revision = ? AND variant = ?',
        tenant,
        key.agreementId,
        key.period,
        key.revision,
        key.variant,
      );
      return r && reportFileOf(r);
    });
  }

  // --- signing in: logins, invites, sessions -------------------------------------------------

  createInvite(tenant: string, i: NewInvite, audit?: AuditInput): Promise<InviteCreated> {
    return this.write('createInvite', () => {
      const email = normalEmail(i.user.email);
      const taken = this.get('SELECT tenant, user_id FROM logins WHERE email = ?', email);
      if (taken && (taken.tenant !== tenant || taken.user_id !== i.user.id)) return { status: 'email_taken' as const };
      const other = this.get('SELECT email FROM logins WHERE tenant = ? AND user_id = ?', tenant, i.user.id);
      if (other && other.email !== email) return { status: 'user_has_login' as const, email: other.email as string };
      if (!this.get('SELECT 1 FROM tenants WHERE id = ?', tenant)) throw unknownTenant(tenant);
      this.exec(
        'INSERT INTO users (tenant, id, name, email, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
        tenant,
        i.user.id,
        i.user.name,
        email,
        i.createdAt,
      );
      if (taken) this.exec('UPDATE logins SET role = ?, customer = ? WHERE email = ?', i.role, i.customer ?? null, email);
      else
        this.exec(
          'INSERT INTO logins (email, tenant, user_id, role, customer, created_at) VALUES (?, ?, ?, ?, ?, ?)',
          email,
          tenant,
          i.user.id,
          i.role,
          i.customer ?? null,
          i.createdAt,
        );
      this.exec(
        'INSERT INTO invites (token_hash, tenant, email, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
        i.tokenHash,
        tenant,
        email,
        i.createdBy,
        i.createdAt,
        i.expiresAt,
      );
      this.audit(tenant, audit);
      return {
        status: 'created' as const,
        invite: inviteOf(this.get('SELECT * FROM invites WHERE token_hash = ?', i.tokenHash)!),
        login: loginOf(this.get('SELECT * FROM logins WHERE email = ?', email)!),
        user: userOf(this.get('SELECT * FROM users WHERE tenant = ? AND id = ?', tenant, i.user.id)!),
      };
    });
  }

  findInvite(tokenHash: string): Promise<(Invite & { login: Login; user: User }) | undefined> {
    return this.run('findInvite', () => {
      const r = this.get('SELECT * FROM invites WHERE token_hash = ?', tokenHash);
      if (!r) return undefined;
      const login = loginOf(this.get('SELECT * FROM logins WHERE email = ?', r.email as string)!);
      const user = userOf(this.get('SELECT * FROM users WHERE tenant = ? AND id = ?', login.tenant, login.userId)!);
      return { ...inviteOf(r), login, user };
    });
  }

  acceptInvite(tokenHash: string, passwordHash: string, at: number, audit?: AuditInput): Promise<InviteAccepted> {
    return this.write('acceptInvite', () => {
      const r = this.get('SELECT * FROM invites WHERE token_hash = ?', tokenHash);
      if (!r) return { status: 'not_found' as const };
      if (r.used_at !== null) return { status: 'used' as const };
      if ((r.expires_at as number) <= at) return { status: 'expired' as const };
      const email = r.email as string;
      const l = this.get('SELECT * FROM logins WHERE email = ?', email)!;
      const u = this.get('SELECT * FROM users WHERE tenant = ? AND id = ?', l.tenant as string, l.user_id as string)!;
      if (u.disabled_at !== null) return { status: 'disabled_user' as const };
      this.exec('UPDATE invites SET used_at = ? WHERE token_hash = ?', at, tokenHash);
      this.exec(
        'UPDATE logins SET password_hash = ?, password_set_at = ?, failed_count = 0, locked_until = NULL WHERE email = ?',
        passwordHash,
        at,
        email,
      );
      // A new password signs every earlier session out (a reset after a lost laptop means it).
      this.exec(
        'UPDATE sessions SET revoked_at = ? WHERE tenant = ? AND user_id = ? AND revoked_at IS NULL',
        at,
        l.tenant as string,
        l.user_id as string,
      );
      this.audit(l.tenant as string, audit);
      return { status: 'accepted' as const, login: loginOf(this.get('SELECT * FROM logins WHERE email = ?', email)!), user: userOf(u) };
    });
  }

  findLogin(email: string): Promise<{ login: Login; user: User } | undefined> {
    return this.run('findLogin', () => {
      const l = this.get('SELECT * FROM logins WHERE email = ?', normalEmail(email));
      if (!l) return undefined;
      const u = this.get('SELECT * FROM users WHERE tenant = ? AND id = ?', l.tenant as string, l.user_id as string)!;
      return { login: loginOf(l), user: userOf(u) };
    });
  }

  signInFailed(email: string, at: number, policy: { limit: number; lockMs: number }): Promise<Login | undefined> {
    return this.write('signInFailed', () => {
      const e = normalEmail(email);
      const l = this.get('SELECT failed_count FROM logins WHERE email = ?', e);
      if (!l) return undefined;
      const count = (l.failed_count as number) + 1;
      if (count >= policy.limit) this.exec('UPDATE logins SET failed_count = 0, locked_until = ? WHERE email = ?', at + policy.lockMs, e);
      else this.exec('UPDATE logins SET failed_count = ? WHERE email = ?', count, e);
      return loginOf(this.get('SELECT * FROM logins WHERE email = ?', e)!);
    });
  }

  createSession(email: string, s: NewWebSession, audit?: AuditInput): Promise<WebSession> {
    return this.write('createSession', () => {
      this.exec('UPDATE logins SET failed_count = 0, locked_until = NULL WHERE email = ?', normalEmail(email));
      this.exec(
        'INSERT INTO sessions (id_hash, tenant, user_id, csrf, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        s.idHash,
        s.tenant,
        s.userId,
        s.csrf,
        s.createdAt,
        s.createdAt,
        s.expiresAt,
      );
      this.audit(s.tenant, audit);
      return webSessionOf(this.get('SELECT * FROM sessions WHERE id_hash = ?', s.idHash)!);
    });
  }

  findSession(idHash: string): Promise<{ session: WebSession; login: Login; user: User } | undefined> {
    return this.run('findSession', () => {
      const s = this.get('SELECT * FROM sessions WHERE id_hash = ?', idHash);
      if (!s) return undefined;
      const l = this.get('SELECT * FROM logins WHERE tenant = ? AND user_id = ?', s.tenant as string, s.user_id as string);
      const u = this.get('SELECT * FROM users WHERE tenant = ? AND id = ?', s.tenant as string, s.user_id as string);
      if (!l || !u) return undefined;
      return { session: webSessionOf(s), login: loginOf(l), user: userOf(u) };
    });
  }

  touchSession(idHash: string, at: number, expiresAt: number): Promise<void> {
    return this.run('touchSession', () => {
      this.exec(
        'UPDATE sessions SET last_seen_at = MAX(last_seen_at, ?), expires_at = MAX(expires_at, ?) WHERE id_hash = ? AND revoked_at IS NULL',
        at,
        expiresAt,
        idHash,
      );
    });
  }

  revokeSession(idHash: string, at: number, audit?: AuditInput): Promise<boolean> {
    return this.write('revokeSession', () => {
      const s = this.get('SELECT tenant FROM sessions WHERE id_hash = ? AND revoked_at IS NULL AND expires_at > ?', idHash, at);
      if (!s) return false;
      this.exec('UPDATE sessions SET revoked_at = ? WHERE id_hash = ?', at, idHash);
      this.audit(s.tenant as string, audit);
      return true;
    });
  }

  listLogins(tenant: string): Promise<Login[]> {
    return this.run('listLogins', () => this.all('SELECT * FROM logins WHERE tenant = ? ORDER BY email', tenant).map(loginOf));
  }

  // --- agreements ------------------------------------------------------------------------------

  createAgreement<D>(tenant: string, a: NewAgreement<D>, audit?: AuditInput): Promise<Created<StoredAgreement<D>>> {
    return this.write('createAgreement', () => {
      const changed = this.exec(
        "INSERT INTO agreements (tenant, id, document, state, customer, row_version, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, 'draft', ?, 1, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        tenant,
        a.id,
        json(a.document),
        a.customer ?? null,
        a.createdAt,
        a.createdBy,
        a.createdAt,
        a.createdBy,
      );
      const value = agreementOf<D>(this.get('SELECT * FROM agreements WHERE tenant = ? AND id = ?', tenant, a.id)!);
      if (changed === 0) return { status: 'exists' as const, value };
      this.invalidateDerived(tenant);
      this.audit(tenant, audit);
      return { status: 'created' as const, value };
    });
  }

  getAgreement<D = unknown>(tenant: string, id: string): Promise<StoredAgreement<D> | undefined> {
    return this.run('getAgreement', () => {
      const r = this.get('SELECT * FROM agreements WHERE tenant = ? AND id = ?', tenant, id);
      return r && agreementOf<D>(r);
    });
  }

  listAgreements<D = unknown>(tenant: string, f: AgreementFilter = {}): Promise<Page<StoredAgreement<D>>> {
    return this.run('listAgreements', () => {
      const where = ['tenant = ?'];
      const p: Param[] = [tenant];
      if (f.customer !== undefined) {
        where.push('customer = ?');
        p.push(f.customer);
      }
      if (f.state !== undefined) {
        where.push('state = ?');
        p.push(f.state);
      }
      if (f.after !== undefined) {
        where.push('id > ?');
        p.push(decodeCursor(f.after, ['string'])[0] as string);
      }
      const limit = pageLimit(f.limit);
      const rows = this.all(`SELECT * FROM agreements WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`, ...p, limit + 1);
      return page(
        rows.map((r) => agreementOf<D>(r)),
        limit,
        (a) => [a.id],
      );
    });
  }

  updateAgreement<D>(tenant: string, id: string, ifMatch: string, c: AgreementChange<D>, audit?: AuditInput): Promise<AgreementUpdate<D>> {
    return this.write('updateAgreement', () => {
      const row = this.get('SELECT * FROM agreements WHERE tenant = ? AND id = ?', tenant, id);
      if (!row) return { status: 'not_found' as const };
      const current = agreementOf<D>(row);
      if (current.etag !== ifMatch) return { status: 'stale' as const, current };
      const versions = c.versions ?? [];
      const transitions = c.transitions ?? [];
      const reviews = c.reviews ?? [];
      checkVersionNumbers(current.versionCount, versions, id);
      for (const v of versions) {
        this.exec(
          'INSERT INTO agreement_versions (tenant, agreement_id, version, effective, effective_date, document, created_at, created_by, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          tenant,
          id,
          v.version,
          v.effective,
          v.effectiveDate ? json(v.effectiveDate) : null,
          json(v.document),
          v.createdAt,
          v.createdBy,
          v.note ?? null,
        );
      }
      transitions.forEach((t, i) => {
        this.exec(
          'INSERT INTO agreement_transitions (tenant, agreement_id, seq, at, transition) VALUES (?, ?, ?, ?, ?)',
          tenant,
          id,
          current.transitionCount + i + 1,
          t.at,
          json(t),
        );
      });
      reviews.forEach((r, i) => {
        this.exec(
          'INSERT INTO agreement_reviews (tenant, agreement_id, seq, review, recorded_at) VALUES (?, ?, ?, ?, ?)',
          tenant,
          id,
          current.reviewCount + i + 1,
          json(r),
          c.at,
        );
      });
      const state = transitions.length > 0 ? transitions[transitions.length - 1]!.to : current.state;
      this.exec(
        `UPDATE agreements SET document = ?, customer = ?, state = ?, row_version = row_version + 1, updated_at = ?, updated_by = ?,
           version_count = version_count + ?, transition_count = transition_count + ?, review_count = review_count + ?
         WHERE tenant = ? AND id = ?`,
        c.document !== undefined ? json(c.document) : (row.document as string),
        c.customer !== undefined ? c.customer : ((row.customer as string | null) ?? null),
        state,
        c.at,
        c.by,
        versions.length,
        transitions.length,
        reviews.length,
        tenant,
        id,
      );
      if (agreementChangeInvalidates(c)) this.invalidateDerived(tenant);
      this.audit(tenant, audit);
      return {
        status: 'updated' as const,
        agreement: agreementOf<D>(this.get('SELECT * FROM agreements WHERE tenant = ? AND id = ?', tenant, id)!),
      };
    });
  }

  listVersions<D = unknown>(tenant: string, id: string): Promise<Version<D>[]> {
    return this.run('listVersions', () =>
      this.all('SELECT * FROM agreement_versions WHERE tenant = ? AND agreement_id = ? ORDER BY version', tenant, id).map((r) =>
        versionOf<D>(r),
      ),
    );
  }

  getVersion<D = unknown>(tenant: string, id: string, version: number): Promise<Version<D> | undefined> {
    return this.run('getVersion', () => {
      const r = this.get('SELECT * FROM agreement_versions WHERE tenant = ? AND agreement_id = ? AND version = ?', tenant, id, version);
      return r && versionOf<D>(r);
    });
  }

  getLifecycle(tenant: string, id: string): Promise<LifecycleHistory | undefined> {
    return this.run('getLifecycle', () => {
      const a = this.get('SELECT created_at, created_by FROM agreements WHERE tenant = ? AND id = ?', tenant, id);
      if (!a) return undefined;
      const transitions = this.all(
        'SELECT transition FROM agreement_transitions WHERE tenant = ? AND agreement_id = ? ORDER BY seq',
        tenant,
        id,
      ).map((r) => parse<Transition>(r.transition));
      return { agreementId: id, createdAt: a.created_at as number, createdBy: a.created_by as string, transitions };
    });
  }

  listReviews(tenant: string, id: string): Promise<ReviewRecord[]> {
    return this.run('listReviews', () =>
      this.all('SELECT review FROM agreement_reviews WHERE tenant = ? AND agreement_id = ? ORDER BY seq', tenant, id).map((r) =>
        parse<ReviewRecord>(r.review),
      ),
    );
  }

  // --- calendars -------------------------------------------------------------------------------

  putCalendar(tenant: string, c: CalendarInput, ifMatch?: string | null, audit?: AuditInput): Promise<CalendarPut> {
    return this.write('putCalendar', () => {
      const row = this.get('SELECT * FROM calendars WHERE tenant = ? AND name = ?', tenant, c.name);
      const current = row && calendarOf(row);
      if (ifMatch === null && current) return { status: 'stale' as const, current };
      if (typeof ifMatch === 'string' && current?.etag !== ifMatch)
        return current ? { status: 'stale' as const, current } : { status: 'stale' as const };
      if (current) {
        this.exec(
          'UPDATE calendars SET format = ?, source = ?, row_version = row_version + 1, updated_at = ?, updated_by = ? WHERE tenant = ? AND name = ?',
          c.format,
          c.source,
          c.at,
          c.by,
          tenant,
          c.name,
        );
      } else {
        this.exec(
          'INSERT INTO calendars (tenant, name, format, source, row_version, updated_at, updated_by) VALUES (?, ?, ?, ?, 1, ?, ?)',
          tenant,
          c.name,
          c.format,
          c.source,
          c.at,
          c.by,
        );
      }
      this.invalidateDerived(tenant);
      this.audit(tenant, audit);
      const calendar = calendarOf(this.get('SELECT * FROM calendars WHERE tenant = ? AND name = ?', tenant, c.name)!);
      return { status: current ? ('updated' as const) : ('created' as const), calendar };
    });
  }

  getCalendar(tenant: string, name: string): Promise<StoredCalendar | undefined> {
    return this.run('getCalendar', () => {
      const r = this.get('SELECT * FROM calendars WHERE tenant = ? AND name = ?', tenant, name);
      return r && calendarOf(r);
    });
  }

  listCalendars(tenant: string): Promise<StoredCalendar[]> {
    return this.run('listCalendars', () => this.all('SELECT * FROM calendars WHERE tenant = ? ORDER BY name', tenant).map(calendarOf));
  }

  deleteCalendar(tenant: string, name: string, ifMatch?: string, audit?: AuditInput): Promise<'deleted' | 'not_found' | 'stale'> {
    return this.write('deleteCalendar', () => {
      const r = this.get('SELECT row_version, updated_at FROM calendars WHERE tenant = ? AND name = ?', tenant, name);
      if (!r) return 'not_found' as const;
      if (ifMatch !== undefined && calendarEtag(r.row_version as number, r.updated_at as number) !== ifMatch) return 'stale' as const;
      this.exec('DELETE FROM calendars WHERE tenant = ? AND name = ?', tenant, name);
      this.invalidateDerived(tenant);
      this.audit(tenant, audit);
      return 'deleted' as const;
    });
  }

  // --- events ----------------------------------------------------------------------------------

  appendEvents(tenant: string, events: readonly EventInput[], options: AppendOptions): Promise<AppendResult> {
    const outcomes: EventOutcome[] = [];
    let first = 0;
    const attempt = this.write('appendEvents', () => {
      events.forEach(checkEventInput);
      // The IMMEDIATE transaction already holds the database's write lock, so reading the counter,
      // the existing events and the tickets cannot race another writer.
      const counter = this.get("SELECT value FROM tenant_sequences WHERE tenant = ? AND name = 'events'", tenant);
      if (!counter) throw unknownTenant(tenant);
      first = counter.value as number;
      let seq = first;
      let conflicts = 0;
      // The tickets this batch touches, read once each: customer null while none is named.
      const tickets = new Map<string, { customer: string | null; stored: boolean }>();
      for (const e of events) {
        const source = e.source ?? '';
        const { json: payloadJson, hash } = storedPayload(e);
        const ticketId = strOrNull(e.ticket);
        const customer = strOrNull(e.customer);
        let ticket: { customer: string | null; stored: boolean } | undefined;
        if (ticketId !== null) {
          const key = ticketKey(source, ticketId);
          ticket = tickets.get(key);
          if (!ticket) {
            const r = this.get('SELECT customer FROM tickets WHERE tenant = ? AND source = ? AND ticket = ?', tenant, source, ticketId);
            ticket = { customer: r ? (r.customer as string | null) : null, stored: r !== undefined };
            tickets.set(key, ticket);
          }
          if (customer !== null && ticket.customer !== null && customer !== ticket.customer) {
            // Another customer's ticket: refused, unless the very event is stored already (a
            // duplicate or an id conflict says more).
            const prior = this.get(
              'SELECT seq, payload_hash FROM events WHERE tenant = ? AND source = ? AND event_id = ?',
              tenant,
              source,
              e.id,
            );
            if (prior && prior.payload_hash === hash) {
              outcomes.push({ status: 'duplicate', seq: prior.seq as number });
              continue;
            }
            conflicts++;
            if (prior) outcomes.push({ status: 'conflict', seq: prior.seq as number });
            else outcomes.push({ status: 'conflict', owner: { source, ticket: ticketId, customer: ticket.customer } });
            continue;
          }
        }
        // Insert first and look only when the key exists (in the table, or earlier in this batch):
        // new events, the common case, cost one statement.
        const inserted = this.exec(
          `INSERT INTO events (tenant, seq, source, event_id, type, at, ticket, service, customer, region, payload, payload_hash, received_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, source, event_id) DO NOTHING`,
          tenant,
          seq + 1,
          source,
          e.id,
          e.type,
          e.atMs,
          ticketId,
          strOrNull(e.service),
          customer,
          strOrNull(e.region),
          payloadJson,
          hash,
          options.receivedAt,
        );
        if (inserted === 1) {
          seq++;
          outcomes.push({ status: 'accepted', seq });
          if (ticket && ticketId !== null) {
            if (!ticket.stored) {
              const claimed = customer === null ? null : seq;
              const sql = 'INSERT INTO tickets (tenant, source, ticket, customer, first_seq, customer_seq) VALUES (?, ?, ?, ?, ?, ?)';
              this.exec(sql, tenant, source, ticketId, customer, seq, claimed);
              ticket.stored = true;
              ticket.customer = customer;
            } else if (ticket.customer === null && customer !== null) {
              this.exec(
                'UPDATE tickets SET customer = ?, customer_seq = ? WHERE tenant = ? AND source = ? AND ticket = ?',
                customer,
                seq,
                tenant,
                source,
                ticketId,
              );
              ticket.customer = customer;
            }
          }
          continue;
        }
        const prior = this.get(
          'SELECT seq, payload_hash FROM events WHERE tenant = ? AND source = ? AND event_id = ?',
          tenant,
          source,
          e.id,
        )!;
        if (prior.payload_hash === hash) outcomes.push({ status: 'duplicate', seq: prior.seq as number });
        else {
          outcomes.push({ status: 'conflict', seq: prior.seq as number });
          conflicts++;
        }
      }
      if (options.allOrNothing && conflicts > 0) throw new Rollback();
      if (seq !== first) this.exec("UPDATE tenant_sequences SET value = ? WHERE tenant = ? AND name = 'events'", seq, tenant);
      const result = summarise(outcomes, true, seq);
      this.audit(tenant, options.audit?.(result));
      return result;
    });
    return attempt.catch((e: unknown) => {
      if (!(e instanceof Rollback)) throw e;
      return summarise(
        outcomes.map((o) => (o.status === 'accepted' ? { status: 'not_written' as const } : o)),
        false,
        first,
      );
    });
  }

  getEvent(tenant: string, source: string, id: string): Promise<StoredEvent | undefined> {
    return this.run('getEvent', () => {
      const r = this.get('SELECT * FROM events WHERE tenant = ? AND source = ? AND event_id = ?', tenant, source, id);
      return r && eventOf(r);
    });
  }

  ticketEvents(tenant: string, source: string, ticket: string): Promise<StoredEvent[]> {
    return this.run('ticketEvents', () =>
      this.all('SELECT * FROM events WHERE tenant = ? AND ticket = ? AND source = ? ORDER BY at, seq', tenant, ticket, source).map(eventOf),
    );
  }

  getTicket(tenant: string, source: string, ticket: string): Promise<StoredTicket | undefined> {
    return this.run('getTicket', () => {
      const r = this.get('SELECT * FROM tickets WHERE tenant = ? AND source = ? AND ticket = ?', tenant, source, ticket);
      return r && ticketOf(r);
    });
  }

  findTickets(tenant: string, ticket: string): Promise<StoredTicket[]> {
    return this.run('findTickets', () =>
      this.all('SELECT * FROM tickets WHERE tenant = ? AND ticket = ? ORDER BY source', tenant, ticket).map(ticketOf),
    );
  }

  queryEvents(tenant: string, q: EventFilter & PageRequest = {}): Promise<Page<StoredEvent>> {
    return this.run('queryEvents', () => {
      const { where, params } = eventWhere(tenant, q);
      if (q.after !== undefined) {
        const [at, seq] = decodeCursor(q.after, ['number', 'number']) as [number, number];
        where.push('(at, seq) > (?, ?)');
        params.push(at, seq);
      }
      const limit = pageLimit(q.limit);
      const rows = this.all(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY at, seq LIMIT ?`, ...params, limit + 1);
      return page(rows.map(eventOf), limit, (e) => [e.at, e.seq]);
    });
  }

  eventsSince(tenant: string, afterSeq: number, limit = 1000): Promise<StoredEvent[]> {
    return this.run('eventsSince', () =>
      this.all('SELECT * FROM events WHERE tenant = ? AND seq > ? ORDER BY seq LIMIT ?', tenant, afterSeq, sinceLimit(limit)).map(eventOf),
    );
  }

  eventPayloadsSince(
    tenant: string,
    afterSeq: number,
    limit = 10_000,
  ): Promise<Array<{ seq: number; at: number; payload: Record<string, unknown> }>> {
    return this.run('eventPayloadsSince', () => {
      // Rows as arrays of three columns: no object per row from the driver.
      this.payloadScan ??= this.db
        .prepare('SELECT seq, at, payload FROM events WHERE tenant = ? AND seq > ? ORDER BY seq LIMIT ?')
        .raw(true);
      const rows = this.payloadScan.all(tenant, afterSeq, sinceLimit(limit)) as Array<[number, number, string]>;
      const out = new Array<{ seq: number; at: number; payload: Record<string, unknown> }>(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        out[i] = { seq: r[0], at: r[1], payload: JSON.parse(r[2]) as Record<string, unknown> };
      }
      return out;
    });
  }

  eventPayloadsFor(
    tenant: string,
    q: { since: number; tickets?: ReadonlyArray<{ source: string; ticket: string }> },
  ): Promise<Array<{ seq: number; at: number; payload: Record<string, unknown> }>> {
    return this.run('eventPayloadsFor', () => {
      // The tickets by the time index and the open-clock index, their events by the ticket index;
      // events of no ticket by their partial index (20261205_003).
      // Row by row: the payload texts are parsed as they come, never all held at once beside their objects.
      const rows = this.db
        .prepare(
          `WITH wanted(ticket, source) AS (
             SELECT ticket, source FROM events INDEXED BY events_at WHERE tenant = @tenant AND at >= @since AND ticket IS NOT NULL
             UNION SELECT ticket, source FROM derived_clocks INDEXED BY derived_clocks_open WHERE tenant = @tenant AND open_state IS NOT NULL
               AND (breach_at IS NULL OR breach_at >= @since)
             UNION SELECT json_extract(value, '$[1]'), json_extract(value, '$[0]') FROM json_each(@tickets)
           )
           SELECT e.seq, e.at, e.payload FROM wanted w JOIN events e INDEXED BY events_ticket
             ON e.tenant = @tenant AND e.ticket = w.ticket AND e.source = w.source
           UNION ALL
           SELECT seq, at, payload FROM events INDEXED BY events_plain WHERE tenant = @tenant AND ticket IS NULL
           ORDER BY 1`,
        )
        .raw(true)
        .iterate({
          tenant,
          since: Number.isFinite(q.since) ? q.since : -8.64e15,
          tickets: JSON.stringify((q.tickets ?? []).map((t) => [t.source, t.ticket])),
        }) as IterableIterator<[number, number, string]>;
      const out: Array<{ seq: number; at: number; payload: Record<string, unknown> }> = [];
      for (const r of rows) out.push({ seq: r[0], at: r[1], payload: JSON.parse(r[2]) as Record<string, unknown> });
      return out;
    });
  }

  lastEventSeq(tenant: string): Promise<number> {
    return this.run(
      'lastEventSeq',
      () => (this.get("SELECT value FROM tenant_sequences WHERE tenant = ? AND name = 'events'", tenant)?.value as number | undefined) ?? 0,
    );
  }

  countEvents(tenant: string, filter: EventFilter = {}): Promise<number> {
    return this.run('countEvents', () => {
      const { where, params } = eventWhere(tenant, filter);
      return this.get(`SELECT count(*) AS n FROM events WHERE ${where.join(' AND ')}`, ...params)!.n as number;
    });
  }

  // --- derived results -------------------------------------------------------------------------

  private upsertClocks(tenant: string, rows: readonly ClockRow[]): void {
    for (const r of rows) {
      // The columns "at risk now" reads, written beside the value (20261205_004).
      const k = clockColumns(r.value);
      this.exec(
        `INSERT INTO derived_clocks (tenant, agreement_id, target, ticket, source, cycle, value, updated_at, open_state, open_deadline, consumed, breach_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (tenant, agreement_id, target, ticket, source, cycle) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
             open_state = excluded.open_state, open_deadline = excluded.open_deadline, consumed = excluded.consumed, breach_at = excluded.breach_at`,
        tenant,
        r.agreementId,
        r.target,
        r.ticket,
        r.source ?? '',
        r.cycle,
        json(r.value),
        r.updatedAt,
        k.openState,
        k.openDeadline,
        k.consumed,
        k.breachAt,
      );
    }
  }

  getClock<V = unknown>(tenant: string, k: ClockKey): Promise<ClockRow<V> | undefined> {
    return this.run('getClock', () => {
      const r = this.get(
        'SELECT * FROM derived_clocks WHERE tenant = ? AND agreement_id = ? AND target = ? AND ticket = ? AND source = ? AND cycle = ?',
        tenant,
        k.agreementId,
        k.target,
        k.ticket,
        k.source ?? '',
        k.cycle,
      );
      return r && clockOf<V>(r);
    });
  }

  listClocks<V = unknown>(
    tenant: string,
    f: { agreementId?: string; target?: string; ticket?: string; source?: string } & PageRequest = {},
  ): Promise<Page<ClockRow<V>>> {
    return this.run('listClocks', () => {
      const where = ['tenant = ?'];
      const p: Param[] = [tenant];
      if (f.agreementId !== undefined) {
        where.push('agreement_id = ?');
        p.push(f.agreementId);
      }
      if (f.target !== undefined) {
        where.push('target = ?');
        p.push(f.target);
      }
      if (f.ticket !== undefined) {
        where.push('ticket = ?');
        p.push(f.ticket);
      }
      if (f.source !== undefined) {
        where.push('source = ?');
        p.push(f.source);
      }
      if (f.after !== undefined) {
        where.push('(agreement_id, target, ticket, source, cycle) > (?, ?, ?, ?, ?)');
        p.push(...(decodeCursor(f.after, ['string', 'string', 'string', 'string', 'number']) as Param[]));
      }
      const limit = pageLimit(f.limit);
      const rows = this.all(
        `SELECT * FROM derived_clocks WHERE ${where.join(' AND ')} ORDER BY agreement_id, target, ticket, source, cycle LIMIT ?`,
        ...p,
        limit + 1,
      );
      return page(
        rows.map((r) => clockOf<V>(r)),
        limit,
        (c) => [c.agreementId, c.target, c.ticket, c.source ?? '', c.cycle],
      );
    });
  }

  replaceDerived(tenant: string, change: DerivedReplacement): Promise<DerivedReplaced> {
    return this.write('replaceDerived', () => {
      // Inside the IMMEDIATE transaction: no invalidation can commit between this check and the write.
      const current = this.derivedState(tenant);
      if (!current) throw unknownTenant(tenant);
      const stale = staleDerived(current, change);
      if (stale) return stale;
      if (change.everything) {
        this.exec('DELETE FROM derived_clocks WHERE tenant = ?', tenant);
        this.exec('DELETE FROM derived_compliance WHERE tenant = ?', tenant);
        this.exec('DELETE FROM derived_settlements WHERE tenant = ?', tenant);
      }
      for (const w of change.windowsFrom ?? []) {
        this.exec('DELETE FROM derived_compliance WHERE tenant = ? AND agreement_id = ? AND window_to > ?', tenant, w.agreementId, w.from);
        for (const p of w.periods)
          this.exec('DELETE FROM derived_settlements WHERE tenant = ? AND agreement_id = ? AND period_label = ?', tenant, w.agreementId, p);
      }
      for (const a of change.agreements ?? []) {
        this.exec('DELETE FROM derived_compliance WHERE tenant = ? AND agreement_id = ?', tenant, a);
        this.exec('DELETE FROM derived_settlements WHERE tenant = ? AND agreement_id = ?', tenant, a);
      }
      // By the ticket index: the primary key's (tenant, agreement_id) prefix would scan every clock of the agreement per ticket.
      const byTicket =
        'DELETE FROM derived_clocks INDEXED BY derived_clocks_ticket WHERE tenant = ? AND agreement_id = ? AND ticket = ? AND source = ?';
      for (const t of change.tickets ?? []) this.exec(byTicket, tenant, t.agreementId, t.ticket, t.source ?? '');
      this.upsertClocks(tenant, change.clocks ?? []);
      this.upsertCompliance(tenant, change.compliance ?? []);
      this.upsertSettlements(tenant, change.settlements ?? []);
      // The outbox: alerts and their notifications in the same transaction as the results.
      const alerts = change.alerts && this.writeAlertChanges(tenant, change.alerts);
      this.exec('UPDATE tenants SET derived_seq = ? WHERE id = ?', change.watermark, tenant);
      return alerts ? { status: 'replaced' as const, alerts } : { status: 'replaced' as const };
    });
  }

  countOpenBreaches(tenant: string, now: number): Promise<{ tickets: number; targets: number }> {
    return this.run('countOpenBreaches', () => {
      const tickets = this.get(
        `SELECT (SELECT COUNT(*) FROM derived_clocks INDEXED BY derived_clocks_open
                   WHERE tenant = ? AND open_state IS NOT NULL AND open_state = 'breached')
              + (SELECT COUNT(*) FROM derived_clocks INDEXED BY derived_clocks_open
                   WHERE tenant = ? AND open_state IS NOT NULL AND open_state IN ('running', 'at_risk') AND open_deadline <= ?) AS n`,
        tenant,
        tenant,
        now,
      )!.n as number;
      const targets = this.get(
        `SELECT COUNT(*) AS n FROM derived_compliance INDEXED BY derived_compliance_state WHERE tenant = ? AND state = 'breached'
           AND state IN ('at_risk', 'breached') AND window_from <= ? AND window_to > ?`,
        tenant,
        now,
        now,
      )!.n as number;
      return { tickets, targets };
    });
  }

  complianceStates(
    tenant: string,
    agreementId: string,
    until: number,
  ): Promise<Array<{ target: string; window: string; from: number; to: number; state: string }>> {
    return this.run('complianceStates', () =>
      this.all(
        `SELECT target, window_label, window_from, window_to, state FROM derived_compliance
          WHERE tenant = ? AND agreement_id = ? AND window_to <= ? ORDER BY target, window_label`,
        tenant,
        agreementId,
        until,
      ).map((r) => ({
        target: r.target as string,
        window: r.window_label as string,
        from: r.window_from as number,
        to: r.window_to as number,
        state: r.state as string,
      })),
    );
  }

  derivedComputedAt(tenant: string): Promise<Map<string, number>> {
    return this.run('derivedComputedAt', () => {
      // From the (tenant, agreement_id, updated_at) indexes alone (20261205_006).
      const rows = this.all(
        `SELECT agreement_id, MAX(at) AS at FROM (
           SELECT agreement_id, MAX(updated_at) AS at FROM derived_compliance WHERE tenant = ? GROUP BY agreement_id
           UNION ALL SELECT agreement_id, MAX(updated_at) FROM derived_settlements WHERE tenant = ? GROUP BY agreement_id
         ) GROUP BY agreement_id`,
        tenant,
        tenant,
      );
      return new Map(rows.map((r) => [r.agreement_id as string, r.at as number]));
    });
  }

  atRiskNow(tenant: string, now: number): Promise<{ clocks: ClockRow<ClockGlance>[]; compliance: ComplianceRow<WindowGlance>[] }> {
    return this.run('atRiskNow', () => {
      // Both from the partial indexes alone (only open clocks, only compliance at risk or breached), their
      // plain columns written at upsert (20261205_004/005): no JSON is parsed, no table row visited.
      // Two seeks, not one OR: running clocks only up to `now`, never every open clock.
      const clocks = this.all(
        `SELECT agreement_id, target, ticket, source, cycle, updated_at, open_state, open_deadline, consumed, breach_at
           FROM derived_clocks INDEXED BY derived_clocks_open
          WHERE tenant = ? AND open_state IS NOT NULL AND open_state IN ('at_risk', 'breached')
         UNION ALL
         SELECT agreement_id, target, ticket, source, cycle, updated_at, open_state, open_deadline, consumed, breach_at
           FROM derived_clocks INDEXED BY derived_clocks_open
          WHERE tenant = ? AND open_state IS NOT NULL AND open_state = 'running' AND open_deadline <= ?
          ORDER BY agreement_id, target, ticket, source, cycle`,
        tenant,
        tenant,
        now,
      );
      const compliance = this.all(
        `SELECT agreement_id, target, window_label, updated_at, state, window_from, window_to, figure AS v, comparator, goal, reason
           FROM derived_compliance INDEXED BY derived_compliance_state
          WHERE tenant = ? AND state IN ('at_risk', 'breached') AND window_to > ? AND window_from <= ?
          ORDER BY agreement_id, target, window_label`,
        tenant,
        now,
        now,
      );
      return {
        // One object per row, built directly (a listing of every open clock at risk: no spread of a key object).
        clocks: clocks.map((r) => {
          const c: ClockRow<ClockGlance> = {
            agreementId: r.agreement_id as string,
            target: r.target as string,
            ticket: r.ticket as string,
            cycle: r.cycle as number,
            value: {
              state: r.open_state as string,
              stop: null,
              consumed: (r.consumed as number | null) ?? null,
              deadline: (r.open_deadline as number | null) ?? null,
              breachAt: (r.breach_at as number | null) ?? null,
            },
            updatedAt: r.updated_at as number,
          };
          if (r.source !== '') c.source = r.source as string;
          return c;
        }),
        compliance: compliance.map((r) => ({
          agreementId: r.agreement_id as string,
          target: r.target as string,
          window: r.window_label as string,
          value: {
            state: r.state as string,
            value: (r.v as number | null) ?? null,
            comparator: (r.comparator as string | null) ?? null,
            target: (r.goal as number | null) ?? null,
            reason: (r.reason as string | null) ?? null,
            window: { from: r.window_from as number, to: r.window_to as number },
          },
          updatedAt: r.updated_at as number,
        })),
      };
    });
  }

  currentWindows(tenant: string, now: number): Promise<ComplianceRow<WindowGlance>[]> {
    return this.run('currentWindows', () =>
      this.all(
        `SELECT agreement_id, target, window_label, updated_at, state, window_from, window_to, figure AS v, comparator, goal, reason, budget
           FROM derived_compliance INDEXED BY derived_compliance_current
          WHERE tenant = ? AND window_to > ? AND window_from <= ?
          ORDER BY agreement_id, target, window_label`,
        tenant,
        now,
        now,
      ).map(windowGlanceRow),
    );
  }

  complianceHistory(tenant: string, agreementId: string): Promise<ComplianceRow<WindowGlance>[]> {
    return this.run('complianceHistory', () =>
      this.all(
        `SELECT agreement_id, target, window_label, updated_at, state, window_from, window_to, figure AS v, comparator, goal, reason, budget
           FROM derived_compliance INDEXED BY derived_compliance_history
          WHERE tenant = ? AND agreement_id = ?
          ORDER BY target, window_from, window_label`,
        tenant,
        agreementId,
      ).map(windowGlanceRow),
    );
  }

  latestSettlementTotals(
    tenant: string,
  ): Promise<Array<{ agreementId: string; period: string; totals: Array<{ currency: string; amountMinor: number; amount: string }> }>> {
    return this.run('latestSettlementTotals', () =>
      this.all(
        `SELECT s.agreement_id, s.period_label, json_extract(s.value, '$.totals') AS totals
           FROM derived_settlements s
           JOIN (SELECT agreement_id, MAX(period_label) AS period_label FROM derived_settlements WHERE tenant = ? GROUP BY agreement_id) l
             ON l.agreement_id = s.agreement_id AND l.period_label = s.period_label
          WHERE s.tenant = ?
          ORDER BY s.agreement_id`,
        tenant,
        tenant,
      ).map((r) => ({ agreementId: r.agreement_id as string, period: r.period_label as string, totals: totalsOf(r.totals) })),
    );
  }

  private upsertCompliance(tenant: string, rows: readonly ComplianceRow[]): void {
    for (const r of rows) {
      // The columns "at risk now" and the settlement of later periods read, written beside the value (20261205_004).
      const k = complianceColumns(r.value);
      this.exec(
        `INSERT INTO derived_compliance (tenant, agreement_id, target, window_label, value, updated_at,
             state, window_from, window_to, figure, comparator, goal, reason, budget) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (tenant, agreement_id, target, window_label) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
             state = excluded.state, window_from = excluded.window_from, window_to = excluded.window_to, figure = excluded.figure,
             comparator = excluded.comparator, goal = excluded.goal, reason = excluded.reason, budget = excluded.budget`,
        tenant,
        r.agreementId,
        r.target,
        r.window,
        json(encodeComplianceValue(r.value)),
        r.updatedAt,
        k.state,
        k.windowFrom,
        k.windowTo,
        k.figure,
        k.comparator,
        k.goal,
        k.reason,
        k.budget,
      );
    }
  }

  getCompliance<V = unknown>(tenant: string, k: ComplianceKey): Promise<ComplianceRow<V> | undefined> {
    return this.run('getCompliance', () => {
      const r = this.get(
        'SELECT * FROM derived_compliance WHERE tenant = ? AND agreement_id = ? AND target = ? AND window_label = ?',
        tenant,
        k.agreementId,
        k.target,
        k.window,
      );
      return r && complianceOf<V>(r);
    });
  }

  listCompliance<V = unknown>(
    tenant: string,
    f: { agreementId?: string; target?: string } & PageRequest = {},
  ): Promise<Page<ComplianceRow<V>>> {
    return this.run('listCompliance', () => {
      const where = ['tenant = ?'];
      const p: Param[] = [tenant];
      if (f.agreementId !== undefined) {
        where.push('agreement_id = ?');
        p.push(f.agreementId);
      }
      if (f.target !== undefined) {
        where.push('target = ?');
        p.push(f.target);
      }
      if (f.after !== undefined) {
        where.push('(agreement_id, target, window_label) > (?, ?, ?)');
        p.push(...(decodeCursor(f.after, ['string', 'string', 'string']) as Param[]));
      }
      const limit = pageLimit(f.limit);
      const rows = this.all(
        `SELECT * FROM derived_compliance WHERE ${where.join(' AND ')} ORDER BY agreement_id, target, window_label LIMIT ?`,
        ...p,
        limit + 1,
      );
      return page(
        rows.map((r) => complianceOf<V>(r)),
        limit,
        (c) => [c.agreementId, c.target, c.window],
      );
    });
  }

  private upsertSettlements(tenant: string, rows: readonly SettlementRow[]): void {
    for (const r of rows) {
      this.exec(
        `INSERT INTO derived_settlements (tenant, agreement_id, period_label, value, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (tenant, agreement_id, period_label) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        tenant,
        r.agreementId,
        r.period,
        json(r.value),
        r.updatedAt,
      );
    }
  }

  getSettlement<V = unknown>(tenant: string, k: SettlementKey): Promise<SettlementRow<V> | undefined> {
    return this.run('getSettlement', () => {
      const r = this.get(
        'SELECT * FROM derived_settlements WHERE tenant = ? AND agreement_id = ? AND period_label = ?',
        tenant,
        k.agreementId,
        k.period,
      );
      return r && settlementOf<V>(r);
    });
  }

  listSettlements<V = unknown>(tenant: string, f: { agreementId?: string } & PageRequest = {}): Promise<Page<SettlementRow<V>>> {
    return this.run('listSettlements', () => {
      const where = ['tenant = ?'];
      const p: Param[] = [tenant];
      if (f.agreementId !== undefined) {
        where.push('agreement_id = ?');
        p.push(f.agreementId);
      }
      if (f.after !== undefined) {
        where.push('(agreement_id, period_label) > (?, ?)');
        p.push(...(decodeCursor(f.after, ['string', 'string']) as Param[]));
      }
      const limit = pageLimit(f.limit);
      const rows = this.all(
        `SELECT * FROM derived_settlements WHERE ${where.join(' AND ')} ORDER BY agreement_id, period_label LIMIT ?`,
        ...p,
        limit + 1,
      );
      return page(
        rows.map((r) => settlementOf<V>(r)),
        limit,
        (s) => [s.agreementId, s.period],
      );
    });
  }

  getDerivedWatermark(tenant: string): Promise<number> {
    return this.run('getDerivedWatermark', () => this.derivedState(tenant)?.watermark ?? 0);
  }

  getDerivedState(tenant: string): Promise<DerivedState> {
    return this.run('getDerivedState', () => this.derivedState(tenant) ?? { watermark: 0, generation: 0 });
  }

  // --- alerts, the outbox, channels, silences, timers ------------------------------------------
  // Every write below runs inside one IMMEDIATE transaction: the database's write lock is held
  // from the first statement, so a claim's read of due rows and its update cannot interleave with
  // another process's claim (they take turns), and an alert change set is all written or none.

  /** An alert change set, inside the caller's transaction (applyAlertChanges or replaceDerived). */
  private writeAlertChanges(tenant: string, set: AlertChangeSet): AlertChangesApplied {
    let notified = 0;
    const alerts: AlertOutcome[] = [];
    for (const change of set.alerts ?? []) {
      const outcome = this.applyAlertChange(tenant, change, set);
      alerts.push(outcome);
      if (change.notify && outcome.status !== 'not_found' && changeTookEffect(change, outcome)) {
        for (const n of change.notify)
          if (this.insertNotification(tenant, { ...n, alertId: outcome.alert.id }, set.at).status === 'created') notified++;
      }
    }
    const notifications = (set.notifications ?? []).map((n) => {
      const r = this.insertNotification(tenant, n, set.at);
      if (r.status === 'created') notified++;
      return r;
    });
    this.writeTimers(tenant, set.timers?.schedule ?? []);
    this.deleteTimers(tenant, set.timers?.cancel ?? []);
    return { alerts, notifications, notified };
  }

  private openAlert(tenant: string, dedupeKey: string): Row | undefined {
    return this.get("SELECT * FROM alerts WHERE tenant = ? AND dedupe_key = ? AND state <> 'resolved'", tenant, dedupeKey);
  }

  private alertHistory(tenant: string, alertId: string, at: number, state: AlertState, by: string, reason?: string): void {
    this.exec(
      'INSERT INTO alert_history (tenant, alert_id, at, state, actor, reason) VALUES (?, ?, ?, ?, ?, ?)',
      tenant,
      alertId,
      at,
      state,
      by,
      reason ?? null,
    );
  }

  private applyAlertChange(tenant: string, c: AlertChange, set: AlertChangeSet): AlertOutcome {
    const op = 'applyAlertChanges';
    if (c.op === 'resolve') {
      const r = this.get(
        `UPDATE alerts SET state = 'resolved', resolved_at = ?, resolved_by = ?, resolved_reason = ?, updated_at = ?
          WHERE tenant = ? AND dedupe_key = ? AND state <> 'resolved' RETURNING *`,
        c.resolvedAt,
        set.by,
        c.reason,
        set.at,
        tenant,
        c.dedupeKey,
      );
      if (!r) return { status: 'not_found' };
      this.alertHistory(tenant, r.id as string, c.resolvedAt, 'resolved', set.by, c.reason);
      return { status: 'resolved', alert: alertOf(r, parse) };
    }
    const current = this.openAlert(tenant, c.dedupeKey);
    if (current) {
      const stored = alertOf(current, parse);
      const changes = alertFieldChanges(stored, c);
      if (!changes) return { status: 'unchanged', alert: stored };
      const r = this.get(
        'UPDATE alerts SET severity = ?, level = ?, details = ?, updated_at = ? WHERE tenant = ? AND id = ? RETURNING *',
        changes.severity,
        changes.level,
        json(changes.details),
        set.at,
        tenant,
        stored.id,
      )!;
      return { status: 'updated', alert: alertOf(r, parse) };
    }
    if (c.op === 'update') return { status: 'not_found' };
    const byId = this.get('SELECT * FROM alerts WHERE tenant = ? AND id = ?', tenant, c.id);
    if (byId) {
      // A batch applied again after its alert was resolved: the record stays as it is.
      if (byId.dedupe_key !== c.dedupeKey) throw alertIdTaken(c.id, op);
      return { status: 'unchanged', alert: alertOf(byId, parse) };
    }
    const s = c.subject ?? {};
    const r = this.get(
      `INSERT INTO alerts (tenant, id, dedupe_key, kind, severity, audience, agreement_id, target, subject_source, subject_ticket,
         subject_cycle, subject_window, level, state, fired_at, details, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'firing', ?, ?, ?) RETURNING *`,
      tenant,
      c.id,
      c.dedupeKey,
      c.kind,
      c.severity,
      c.audience,
      c.agreementId,
      c.target,
      s.source ?? null,
      s.ticket ?? null,
      s.cycle ?? null,
      s.window ?? null,
      c.level,
      c.firedAt,
      json(c.details),
      set.at,
    )!;
    this.alertHistory(tenant, c.id, c.firedAt, 'firing', set.by);
    return { status: 'opened', alert: alertOf(r, parse) };
  }

  private insertNotification(tenant: string, n: NewNotification, at: number): NotificationOutcome {
    const r = this.get(
      `INSERT INTO notifications (tenant, idempotency_key, channel_id, recipient, alert_id, payload, state, attempts, due_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT (tenant, idempotency_key) DO NOTHING RETURNING id`,
      tenant,
      n.idempotencyKey,
      n.channelId,
      n.recipient,
      n.alertId ?? null,
      json(n.payload),
      n.notBefore ?? at,
      at,
      at,
    );
    if (r) return { status: 'created', id: r.id as number };
    const existing = this.get('SELECT id FROM notifications WHERE tenant = ? AND idempotency_key = ?', tenant, n.idempotencyKey)!;
    return { status: 'duplicate', id: existing.id as number };
  }

  private writeTimers(tenant: string, timers: readonly TimerInput[]): number {
    let changed = 0;
    for (const t of timersByKey(timers)) {
      // The payload as canonical JSON, so that the same payload compares equal as text.
      changed += this.exec(
        `INSERT INTO timers (tenant, key, fire_at, payload, revision, due_at) VALUES (?, ?, ?, ?, 1, ?)
         ON CONFLICT (tenant, key) DO UPDATE SET fire_at = excluded.fire_at, payload = excluded.payload, revision = timers.revision + 1,
           due_at = excluded.fire_at, claimed_by = NULL, claimed_at = NULL
         WHERE timers.fire_at <> excluded.fire_at OR timers.payload <> excluded.payload`,
        tenant,
        t.key,
        t.fireAt,
        canonicalJson(t.payload),
        t.fireAt,
      );
    }
    return changed;
  }

  private deleteTimers(tenant: string, keys: readonly string[]): number {
    let n = 0;
    for (const k of keys) n += this.exec('DELETE FROM timers WHERE tenant = ? AND key = ?', tenant, k);
    return n;
  }

  applyAlertChanges(tenant: string, changes: AlertChangeSet, audit?: AuditInput): Promise<AlertChangesApplied> {
    return this.write('applyAlertChanges', () => {
      if (!this.get('SELECT 1 FROM tenants WHERE id = ?', tenant)) throw unknownTenant(tenant);
      const applied = this.writeAlertChanges(tenant, changes);
      this.audit(tenant, audit);
      return applied;
    });
  }

  acknowledgeAlert(
    tenant: string,
    id: string,
    ack: { at: number; by: string; notify?: readonly NewNotification[] },
    audit?: AuditInput,
  ): Promise<AlertAcknowledged> {
    return this.write('acknowledgeAlert', (): AlertAcknowledged => {
      const r = this.get(
        "UPDATE alerts SET state = 'acknowledged', acknowledged_at = ?, acknowledged_by = ?, updated_at = ? WHERE tenant = ? AND id = ? AND state = 'firing' RETURNING *",
        ack.at,
        ack.by,
        ack.at,
        tenant,
        id,
      );
      if (!r) {
        const current = this.get('SELECT * FROM alerts WHERE tenant = ? AND id = ?', tenant, id);
        return current ? { status: 'conflict', current: alertOf(current, parse) } : { status: 'not_found' };
      }
      this.alertHistory(tenant, id, ack.at, 'acknowledged', ack.by);
      for (const n of ack.notify ?? []) this.insertNotification(tenant, { ...n, alertId: id }, ack.at);
      this.audit(tenant, audit);
      return { status: 'acknowledged', alert: alertOf(r, parse) };
    });
  }

  getAlert<D = unknown>(tenant: string, id: string): Promise<StoredAlert<D> | undefined> {
    return this.run('getAlert', () => {
      const r = this.get('SELECT * FROM alerts WHERE tenant = ? AND id = ?', tenant, id);
      return r && alertOf<D>(r, parse);
    });
  }

  listAlerts<D = unknown>(tenant: string, f: AlertFilter = {}): Promise<Page<StoredAlert<D>>> {
    return this.run('listAlerts', () => {
      const where = ['tenant = ?'];
      const p: Param[] = [tenant];
      if (f.state !== undefined) {
        const states = typeof f.state === 'string' ? [f.state] : [...f.state];
        where.push(`state IN (${states.map(() => '?').join(', ') || 'NULL'})`);
        p.push(...states);
      }
      for (const [column, value] of [
        ['agreement_id', f.agreementId],
        ['severity', f.severity],
        ['audience', f.audience],
      ] as const) {
        if (value === undefined) continue;
        where.push(`${column} = ?`);
        p.push(value);
      }
      if (f.since !== undefined) {
        where.push('fired_at >= ?');
        p.push(f.since);
      }
      if (f.after !== undefined) {
        where.push(f.newestFirst ? '(fired_at, id) < (?, ?)' : '(fired_at, id) > (?, ?)');
        p.push(...(decodeCursor(f.after, ['number', 'string']) as Param[]));
      }
      const dir = f.newestFirst ? 'DESC' : 'ASC';
      const limit = pageLimit(f.limit);
      const rows = this.all(
        `SELECT * FROM alerts WHERE ${where.join(' AND ')} ORDER BY fired_at ${dir}, id ${dir} LIMIT ?`,
        ...p,
        limit + 1,
      );
      return page(
        rows.map((r) => alertOf<D>(r, parse)),
        limit,
        (a) => [a.firedAt, a.id],
      );
    });
  }

  listAlertHistory(tenant: string, id: string): Promise<AlertHistoryEntry[]> {
    return this.run('listAlertHistory', () =>
      this.all('SELECT * FROM alert_history WHERE tenant = ? AND alert_id = ? ORDER BY seq', tenant, id).map(alertHistoryOf),
    );
  }

  listAlertActivity(tenant: string, f: { afterSeq?: number; limit?: number; newestFirst?: boolean } = {}): Promise<AlertHistoryEntry[]> {
    return this.run('listAlertActivity', () =>
      this.all(
        `SELECT * FROM alert_history WHERE seq > ? AND tenant = ? ORDER BY seq ${f.newestFirst ? 'DESC' : 'ASC'} LIMIT ?`,
        f.afterSeq ?? 0,
        tenant,
        pageLimit(f.limit),
      ).map(alertHistoryOf),
    );
  }

  claimNotifications<P = unknown>(claim: ClaimRequest): Promise<ClaimedNotification<P>[]> {
    const op = 'claimNotifications';
    return this.write(op, () => {
      const limit = claimLimit(claim, op);
      const until = claim.at + claim.leaseMs;
      const due =
        claim.tenant === undefined
          ? this.all('SELECT * FROM notifications WHERE due_at IS NOT NULL AND due_at <= ? ORDER BY due_at, id LIMIT ?', claim.at, limit)
          : this.all(
              'SELECT * FROM notifications WHERE tenant = ? AND due_at IS NOT NULL AND due_at <= ? ORDER BY due_at, id LIMIT ?',
              claim.tenant,
              claim.at,
              limit,
            );
      return due.map((r) => {
        // Its lease ran out: the worker that held it died or hung; the delivery log says so.
        if (r.state === 'claimed') this.abandoned(r, claim.at);
        const claimed = this.get(
          `UPDATE notifications SET state = 'claimed', attempts = attempts + 1, claimed_by = ?, claimed_at = ?, due_at = ?, updated_at = ?
            WHERE id = ? RETURNING *`,
          claim.worker,
          claim.at,
          until,
          claim.at,
          r.id as number,
        )!;
        return notificationOf<P>(claimed, parse) as ClaimedNotification<P>;
      });
    });
  }

  private abandoned(r: Row, at: number): void {
    this.exec(
      `INSERT INTO notification_attempts (notification_id, attempt, tenant, worker, started_at, finished_at, outcome, error)
       VALUES (?, ?, ?, ?, ?, ?, 'abandoned', 'the lease ran out before the attempt was completed')`,
      r.id as number,
      r.attempts as number,
      r.tenant as string,
      r.claimed_by as string,
      r.claimed_at as number,
      at,
    );
  }

  completeNotification<P = unknown>(
    tenant: string,
    id: number,
    lease: { worker: string; attempt: number },
    c: NotificationCompletion,
  ): Promise<NotificationCompleted<P>> {
    return this.write('completeNotification', (): NotificationCompleted<P> => {
      const r = this.get('SELECT * FROM notifications WHERE tenant = ? AND id = ?', tenant, id);
      if (!r) return { status: 'not_found' };
      if (r.state !== 'claimed' || r.claimed_by !== lease.worker || r.attempts !== lease.attempt)
        return { status: 'stale', current: notificationOf<P>(r, parse) };
      const cols = completionColumns(c);
      this.exec(
        `INSERT INTO notification_attempts (notification_id, attempt, tenant, worker, started_at, finished_at, outcome, error, response)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        id,
        lease.attempt,
        tenant,
        lease.worker,
        r.claimed_at as number,
        c.at,
        c.outcome,
        c.outcome === 'delivered' ? null : c.error,
        c.response === undefined ? null : json(c.response),
      );
      const updated = this.get(
        `UPDATE notifications SET state = ?, due_at = ?, claimed_by = NULL, claimed_at = NULL, last_error = ?,
           delivered_at = COALESCE(?, delivered_at), updated_at = ? WHERE id = ? RETURNING *`,
        cols.state,
        cols.dueAt,
        cols.lastError,
        cols.deliveredAt,
        c.at,
        id,
      )!;
      return { status: 'completed', notification: notificationOf<P>(updated, parse) };
    });
  }

  replayNotification<P = unknown>(
    tenant: string,
    id: number,
    replay: { at: number; by: string },
    audit?: AuditInput,
  ): Promise<NotificationReplayed<P>> {
    return this.write('replayNotification', (): NotificationReplayed<P> => {
      const r = this.get(
        `UPDATE notifications SET state = 'pending', due_at = ?, last_error = NULL, updated_at = ?
          WHERE tenant = ? AND id = ? AND state IN ('delivered', 'failed', 'dead') RETURNING *`,
        replay.at,
        replay.at,
        tenant,
        id,
      );
      if (!r) {
        const current = this.get('SELECT * FROM notifications WHERE tenant = ? AND id = ?', tenant, id);
        return current ? { status: 'conflict', current: notificationOf<P>(current, parse) } : { status: 'not_found' };
      }
      this.audit(tenant, audit);
      return { status: 'replayed', notification: notificationOf<P>(r, parse) };
    });
  }

  getNotification<P = unknown>(tenant: string, id: number): Promise<StoredNotification<P> | undefined> {
    return this.run('getNotification', () => {
      const r = this.get('SELECT * FROM notifications WHERE tenant = ? AND id = ?', tenant, id);
      return r && notificationOf<P>(r, parse);
    });
  }

  getNotificationByKey<P = unknown>(tenant: string, key: string): Promise<StoredNotification<P> | undefined> {
    return this.run('getNotificationByKey', () => {
      const r = this.get('SELECT * FROM notifications WHERE tenant = ? AND idempotency_key = ?', tenant, key);
      return r && notificationOf<P>(r, parse);
    });
  }

  listNotifications<P = unknown>(tenant: string, f: NotificationFilter = {}): Promise<Page<StoredNotification<P>>> {
    return this.run('listNotifications', () => {
      const where = ['tenant = ?'];
      const p: Param[] = [tenant];
      if (f.state !== undefined) {
        const states = typeof f.state === 'string' ? [f.state] : [...f.state];
        where.push(`state IN (${states.map(() => '?').join(', ') || 'NULL'})`);
        p.push(...states);
      }
      if (f.channelId !== undefined) {
        where.push('channel_id = ?');
        p.push(f.channelId);
      }
      if (f.alertId !== undefined) {
        where.push('alert_id = ?');
        p.push(f.alertId);
      }
      if (f.after !== undefined) {
        where.push('id > ?');
        p.push(decodeCursor(f.after, ['number'])[0] as number);
      }
      const limit = pageLimit(f.limit);
      const rows = this.all(`SELECT * FROM notifications WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`, ...p, limit + 1);
      return page(
        rows.map((r) => notificationOf<P>(r, parse)),
        limit,
        (n) => [n.id],
      );
    });
  }

  listNotificationAttempts(tenant: string, id: number): Promise<NotificationAttempt[]> {
    return this.run('listNotificationAttempts', () =>
      this.all('SELECT * FROM notification_attempts WHERE tenant = ? AND notification_id = ? ORDER BY attempt', tenant, id).map((r) =>
        attemptOf(r, parse),
      ),
    );
  }

  putChannel(tenant: string, ch: ChannelInput, ifMatch?: string | null, audit?: AuditInput): Promise<ChannelPut> {
    return this.write('putChannel', (): ChannelPut => {
      const row = this.get('SELECT * FROM channels WHERE tenant = ? AND id = ?', tenant, ch.id);
      const current = row && channelOf(row, parse);
      if (ifMatch === null && current) return { status: 'stale', current };
      if (typeof ifMatch === 'string' && current?.etag !== ifMatch) return current ? { status: 'stale', current } : { status: 'stale' };
      if (current) {
        this.exec(
          'UPDATE channels SET kind = ?, config = ?, row_version = row_version + 1, updated_at = ?, updated_by = ? WHERE tenant = ? AND id = ?',
          ch.kind,
          json(ch.config),
          ch.at,
          ch.by,
          tenant,
          ch.id,
        );
      } else {
        this.exec(
          'INSERT INTO channels (tenant, id, kind, config, row_version, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)',
          tenant,
          ch.id,
          ch.kind,
          json(ch.config),
          ch.at,
          ch.by,
          ch.at,
          ch.by,
        );
      }
      this.audit(tenant, audit);
      const channel = channelOf(this.get('SELECT * FROM channels WHERE tenant = ? AND id = ?', tenant, ch.id)!, parse);
      return { status: current ? 'updated' : 'created', channel };
    });
  }

  getChannel<C = unknown>(tenant: string, id: string): Promise<StoredChannel<C> | undefined> {
    return this.run('getChannel', () => {
      const r = this.get('SELECT * FROM channels WHERE tenant = ? AND id = ?', tenant, id);
      return r && channelOf<C>(r, parse);
    });
  }

  listChannels<C = unknown>(tenant: string): Promise<StoredChannel<C>[]> {
    return this.run('listChannels', () =>
      this.all('SELECT * FROM channels WHERE tenant = ? ORDER BY id', tenant).map((r) => channelOf<C>(r, parse)),
    );
  }

  deleteChannel(tenant: string, id: string, ifMatch?: string, audit?: AuditInput): Promise<'deleted' | 'not_found' | 'stale'> {
    return this.write('deleteChannel', () => {
      const r = this.get('SELECT row_version, updated_at FROM channels WHERE tenant = ? AND id = ?', tenant, id);
      if (!r) return 'not_found' as const;
      if (ifMatch !== undefined && calendarEtag(r.row_version as number, r.updated_at as number) !== ifMatch) return 'stale' as const;
      this.exec('DELETE FROM channels WHERE tenant = ? AND id = ?', tenant, id);
      this.audit(tenant, audit);
      return 'deleted' as const;
    });
  }

  setChannelEnabled(
    tenant: string,
    id: string,
    change: { enabled: boolean; reason?: string; at: number; by: string },
    audit?: AuditInput,
  ): Promise<ChannelEnabled> {
    return this.write('setChannelEnabled', (): ChannelEnabled => {
      const row = this.get('SELECT * FROM channels WHERE tenant = ? AND id = ?', tenant, id);
      if (!row) return { status: 'not_found' };
      const current = channelOf(row, parse);
      if (current.enabled === change.enabled) return { status: 'unchanged', channel: current };
      const r = this.get(
        'UPDATE channels SET disabled_at = ?, disabled_reason = ?, row_version = row_version + 1, updated_at = ?, updated_by = ? WHERE tenant = ? AND id = ? RETURNING *',
        change.enabled ? null : change.at,
        change.enabled ? null : (change.reason ?? null),
        change.at,
        change.by,
        tenant,
        id,
      )!;
      this.audit(tenant, audit);
      return { status: 'changed', channel: channelOf(r, parse) };
    });
  }

  createSilence<M>(tenant: string, s: NewSilence<M>, audit?: AuditInput): Promise<Created<StoredSilence<M>>> {
    return this.write('createSilence', () => {
      const changed = this.exec(
        `INSERT INTO silences (tenant, id, matchers, starts_at, ends_at, created_at, created_by, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant, id) DO NOTHING`,
        tenant,
        s.id,
        json(s.matchers),
        s.startsAt,
        s.endsAt,
        s.createdAt,
        s.createdBy,
        s.comment ?? null,
      );
      const value = silenceOf<M>(this.get('SELECT * FROM silences WHERE tenant = ? AND id = ?', tenant, s.id)!, parse);
      if (changed === 0) return { status: 'exists' as const, value };
      this.audit(tenant, audit);
      return { status: 'created' as const, value };
    });
  }

  getSilence<M = unknown>(tenant: string, id: string): Promise<StoredSilence<M> | undefined> {
    return this.run('getSilence', () => {
      const r = this.get('SELECT * FROM silences WHERE tenant = ? AND id = ?', tenant, id);
      return r && silenceOf<M>(r, parse);
    });
  }

  listSilences<M = unknown>(tenant: string, f: { activeAt?: number } & PageRequest = {}): Promise<Page<StoredSilence<M>>> {
    return this.run('listSilences', () => {
      const where = ['tenant = ?'];
      const p: Param[] = [tenant];
      if (f.activeAt !== undefined) {
        where.push('starts_at <= ? AND ends_at > ? AND (expired_at IS NULL OR expired_at > ?)');
        p.push(f.activeAt, f.activeAt, f.activeAt);
      }
      if (f.after !== undefined) {
        where.push('id > ?');
        p.push(decodeCursor(f.after, ['string'])[0] as string);
      }
      const limit = pageLimit(f.limit);
      const rows = this.all(`SELECT * FROM silences WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`, ...p, limit + 1);
      return page(
        rows.map((r) => silenceOf<M>(r, parse)),
        limit,
        (s) => [s.id],
      );
    });
  }

  expireSilence(tenant: string, id: string, expire: { at: number; by: string }, audit?: AuditInput): Promise<SilenceExpired> {
    return this.write('expireSilence', (): SilenceExpired => {
      const row = this.get('SELECT * FROM silences WHERE tenant = ? AND id = ?', tenant, id);
      if (!row) return { status: 'not_found' };
      const current = silenceOf(row, parse);
      if (silenceEnded(current, expire.at)) return { status: 'ended', silence: current };
      const r = this.get(
        'UPDATE silences SET expired_at = ?, expired_by = ? WHERE tenant = ? AND id = ? RETURNING *',
        expire.at,
        expire.by,
        tenant,
        id,
      )!;
      this.audit(tenant, audit);
      return { status: 'expired', silence: silenceOf(r, parse) };
    });
  }

  scheduleTimers(tenant: string, timers: readonly TimerInput[]): Promise<number> {
    return this.write('scheduleTimers', () => this.writeTimers(tenant, timers));
  }

  cancelTimers(tenant: string, keys: readonly string[]): Promise<number> {
    return this.write('cancelTimers', () => this.deleteTimers(tenant, keys));
  }

  getTimer<P = unknown>(tenant: string, key: string): Promise<StoredTimer<P> | undefined> {
    return this.run('getTimer', () => {
      const r = this.get('SELECT * FROM timers WHERE tenant = ? AND key = ?', tenant, key);
      return r && timerOf<P>(r, parse);
    });
  }

  listTimers<P = unknown>(tenant: string, f: { dueBy?: number } & PageRequest = {}): Promise<Page<StoredTimer<P>>> {
    return this.run('listTimers', () => {
      const where = ['tenant = ?'];
      const p: Param[] = [tenant];
      if (f.dueBy !== undefined) {
        where.push('fire_at <= ?');
        p.push(f.dueBy);
      }
      if (f.after !== undefined) {
        where.push('(fire_at, key) > (?, ?)');
        p.push(...(decodeCursor(f.after, ['number', 'string']) as Param[]));
      }
      const limit = pageLimit(f.limit);
      const rows = this.all(`SELECT * FROM timers WHERE ${where.join(' AND ')} ORDER BY fire_at, key LIMIT ?`, ...p, limit + 1);
      return page(
        rows.map((r) => timerOf<P>(r, parse)),
        limit,
        (t) => [t.fireAt, t.key],
      );
    });
  }

  earliestTimer(filter: TimerKindFilter = {}): Promise<number | null> {
    return this.run('earliestTimer', () => {
      const where: string[] = ['1 = 1'];
      const p: Param[] = [];
      if (filter.tenant !== undefined) {
        where.push('tenant = ?');
        p.push(filter.tenant);
      }
      timerKindWhere(filter, where, p);
      const r = this.get(`SELECT due_at FROM timers WHERE ${where.join(' AND ')} ORDER BY due_at LIMIT 1`, ...p);
      return r ? Number(r.due_at) : null;
    });
  }

  claimTimers<P = unknown>(claim: ClaimRequest): Promise<ClaimedTimer<P>[]> {
    const op = 'claimTimers';
    return this.write(op, () => {
      const limit = claimLimit(claim, op);
      // Timers of one kind: keys with (or without) a prefix, compared as text (no LIKE wildcards).
      const where: string[] = ['due_at <= ?'];
      const p: Param[] = [claim.at];
      if (claim.tenant !== undefined) {
        where.push('tenant = ?');
        p.push(claim.tenant);
      }
      timerKindWhere(claim, where, p);
      const due = this.all(`SELECT tenant, key FROM timers WHERE ${where.join(' AND ')} ORDER BY due_at, tenant, key LIMIT ?`, ...p, limit);
      return due.map((d) => {
        const r = this.get(
          'UPDATE timers SET revision = revision + 1, due_at = ?, claimed_by = ?, claimed_at = ? WHERE tenant = ? AND key = ? RETURNING *',
          claim.at + claim.leaseMs,
          claim.worker,
          claim.at,
          d.tenant as string,
          d.key as string,
        )!;
        return { tenant: r.tenant as string, ...timerOf<P>(r, parse) } as ClaimedTimer<P>;
      });
    });
  }

  completeTimer(
    tenant: string,
    key: string,
    lease: { worker: string; revision: number },
    next?: { fireAt: number; payload?: unknown },
  ): Promise<TimerCompleted> {
    return this.write('completeTimer', (): TimerCompleted => {
      const r = this.get('SELECT claimed_by, revision FROM timers WHERE tenant = ? AND key = ?', tenant, key);
      if (!r) return 'not_found';
      if (r.claimed_by !== lease.worker || r.revision !== lease.revision) return 'stale';
      if (!next) this.exec('DELETE FROM timers WHERE tenant = ? AND key = ?', tenant, key);
      else
        this.exec(
          `UPDATE timers SET fire_at = ?, payload = COALESCE(?, payload), revision = revision + 1, due_at = ?, claimed_by = NULL, claimed_at = NULL
            WHERE tenant = ? AND key = ?`,
          next.fireAt,
          next.payload === undefined ? null : canonicalJson(next.payload),
          next.fireAt,
          tenant,
          key,
        );
      return 'completed';
    });
  }

  // --- sources (service desk webhooks) ---------------------------------------------------------

  putSource<C>(
    tenant: string,
    src: SourceInput<C>,
    audit?: AuditInput,
  ): Promise<{ status: 'created' | 'updated'; source: StoredSource<C> }> {
    return this.write('putSource', () => {
      if (!this.get('SELECT 1 FROM tenants WHERE id = ?', tenant)) throw unknownTenant(tenant);
      const existed = this.get('SELECT 1 FROM sources WHERE tenant = ? AND id = ?', tenant, src.id) !== undefined;
      const row = this.get(
        `INSERT INTO sources (tenant, id, vendor, hook, config, row_version, created_at, created_by, updated_at, updated_by)
         VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)
         ON CONFLICT (tenant, id) DO UPDATE SET vendor = excluded.vendor, config = excluded.config,
           row_version = sources.row_version + 1, updated_at = excluded.updated_at, updated_by = excluded.updated_by
         RETURNING *`,
        tenant,
        src.id,
        src.vendor,
        src.hook,
        json(src.config),
        src.at,
        src.by,
        src.at,
        src.by,
      )!;
      this.audit(tenant, audit);
      return { status: existed ? ('updated' as const) : ('created' as const), source: sourceOf<C>(row, parse) };
    });
  }

  getSource<C = unknown>(tenant: string, id: string): Promise<StoredSource<C> | undefined> {
    return this.run('getSource', () => {
      const r = this.get('SELECT * FROM sources WHERE tenant = ? AND id = ?', tenant, id);
      return r && sourceOf<C>(r, parse);
    });
  }

  listSources<C = unknown>(tenant: string): Promise<StoredSource<C>[]> {
    return this.run('listSources', () =>
      this.all('SELECT * FROM sources WHERE tenant = ? ORDER BY id', tenant).map((r) => sourceOf<C>(r, parse)),
    );
  }

  deleteSource(tenant: string, id: string, audit?: AuditInput): Promise<'deleted' | 'not_found'> {
    return this.write('deleteSource', () => {
      if (this.exec('DELETE FROM sources WHERE tenant = ? AND id = ?', tenant, id) === 0) return 'not_found' as const;
      this.audit(tenant, audit);
      return 'deleted' as const;
    });
  }

  findSourceByHook<C = unknown>(hook: string): Promise<{ tenant: string; source: StoredSource<C> } | undefined> {
    return this.run('findSourceByHook', () => {
      const r = this.get('SELECT * FROM sources WHERE hook = ?', hook);
      return r && { tenant: r.tenant as string, source: sourceOf<C>(r, parse) };
    });
  }

  recordSourceDelivery(tenant: string, source: string, delivery: string, at: number, events: number): Promise<'new' | 'seen'> {
    return this.write('recordSourceDelivery', () =>
      this.exec(
        `INSERT INTO source_deliveries (tenant, source_id, delivery, received_at, events) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (tenant, source_id, delivery) DO NOTHING`,
        tenant,
        source,
        delivery,
        at,
        events,
      ) === 0
        ? ('seen' as const)
        : ('new' as const),
    );
  }

  hasSourceDelivery(tenant: string, source: string, delivery: string): Promise<boolean> {
    return this.run(
      'hasSourceDelivery',
      () =>
        this.get('SELECT 1 FROM source_deliveries WHERE tenant = ? AND source_id = ? AND delivery = ?', tenant, source, delivery) !==
        undefined,
    );
  }

  appendSourceDeliveryLog(tenant: string, source: string, e: SourceDeliveryEntry, keep: number): Promise<'appended' | 'not_found'> {
    return this.write('appendSourceDeliveryLog', () => {
      if (!this.get('SELECT 1 FROM sources WHERE tenant = ? AND id = ?', tenant, source)) return 'not_found' as const;
      this.exec(
        `INSERT INTO source_delivery_log (tenant, source_id, at, delivery, outcome, status, accepted, duplicates, rejected, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        tenant,
        source,
        e.at,
        e.delivery,
        e.outcome,
        e.status,
        e.accepted,
        e.duplicates,
        e.rejected,
        e.detail,
      );
      this.exec(
        `DELETE FROM source_delivery_log WHERE tenant = ? AND source_id = ? AND seq <=
           (SELECT seq FROM source_delivery_log WHERE tenant = ? AND source_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
        tenant,
        source,
        tenant,
        source,
        Math.max(1, keep),
      );
      return 'appended' as const;
    });
  }

  listSourceDeliveryLog(tenant: string, source: string, limit: number): Promise<SourceDeliveryEntry[]> {
    return this.run('listSourceDeliveryLog', () =>
      this.all(
        'SELECT * FROM source_delivery_log WHERE tenant = ? AND source_id = ? ORDER BY seq DESC LIMIT ?',
        tenant,
        source,
        Math.max(0, limit),
      ).map(sourceDeliveryEntryOf),
    );
  }

  lastSourceDeliveries(tenant: string): Promise<Map<string, SourceDeliveryEntry>> {
    return this.run('lastSourceDeliveries', () => {
      const rows = this.all(
        `SELECT l.* FROM source_delivery_log l
          WHERE l.tenant = ? AND l.seq = (SELECT MAX(seq) FROM source_delivery_log m WHERE m.tenant = l.tenant AND m.source_id = l.source_id)`,
        tenant,
      );
      return new Map(rows.map((r) => [r.source_id as string, sourceDeliveryEntryOf(r)]));
    });
  }

  // --- status pages and incidents --------------------------------------------------------------

  putStatusPage<S>(tenant: string, pg: StatusPageInput<S>, ifMatch?: string | null, audit?: AuditInput): Promise<StatusPagePut<S>> {
    return this.write('putStatusPage', () => {
      if (!this.get('SELECT 1 FROM tenants WHERE id = ?', tenant)) throw unknownTenant(tenant);
      const cur = this.get('SELECT * FROM status_pages WHERE tenant = ? AND id = ?', tenant, pg.id);
      const current = cur && statusPageOf<S>(cur, parse);
      if (ifMatch === null && current) return { status: 'stale' as const, current };
      if (typeof ifMatch === 'string' && current?.etag !== ifMatch) return { status: 'stale' as const, ...(current ? { current } : {}) };
      const owner = this.get('SELECT tenant, id FROM status_pages WHERE path = ?', pg.path);
      if (owner && (owner.tenant !== tenant || owner.id !== pg.id)) return { status: 'path_taken' as const };
      const row = this.get(
        `INSERT INTO status_pages (tenant, id, path, spec, row_version, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)
         ON CONFLICT (tenant, id) DO UPDATE SET path = excluded.path, spec = excluded.spec, row_version = status_pages.row_version + 1,
           updated_at = excluded.updated_at, updated_by = excluded.updated_by
         RETURNING *`,
        tenant,
        pg.id,
        pg.path,
        json(pg.spec),
        pg.at,
        pg.by,
        pg.at,
        pg.by,
      )!;
      this.audit(tenant, audit);
      return { status: current ? ('updated' as const) : ('created' as const), page: statusPageOf<S>(row, parse) };
    });
  }

  getStatusPage<S = unknown>(tenant: string, id: string): Promise<StoredStatusPage<S> | undefined> {
    return this.run('getStatusPage', () => {
      const r = this.get('SELECT * FROM status_pages WHERE tenant = ? AND id = ?', tenant, id);
      return r && statusPageOf<S>(r, parse);
    });
  }

  listStatusPages<S = unknown>(tenant: string): Promise<StoredStatusPage<S>[]> {
    return this.run('listStatusPages', () =>
      this.all('SELECT * FROM status_pages WHERE tenant = ? ORDER BY id', tenant).map((r) => statusPageOf<S>(r, parse)),
    );
  }

  deleteStatusPage(tenant: string, id: string, ifMatch?: string, audit?: AuditInput): Promise<'deleted' | 'not_found' | 'stale'> {
    return this.write('deleteStatusPage', () => {
      const r = this.get('SELECT * FROM status_pages WHERE tenant = ? AND id = ?', tenant, id);
      if (!r) return 'not_found' as const;
      if (ifMatch !== undefined && statusPageOf(r, parse).etag !== ifMatch) return 'stale' as const;
      this.exec('DELETE FROM status_pages WHERE tenant = ? AND id = ?', tenant, id);
      this.audit(tenant, audit);
      return 'deleted' as const;
    });
  }

  findStatusPageByPath<S = unknown>(path: string): Promise<{ tenant: string; page: StoredStatusPage<S> } | undefined> {
    return this.run('findStatusPageByPath', () => {
      const r = this.get('SELECT * FROM status_pages WHERE path = ?', path);
      return r && { tenant: r.tenant as string, page: statusPageOf<S>(r, parse) };
    });
  }

  putIncident<D>(
    tenant: string,
    inc: IncidentInput<D>,
    ifMatch?: string | null,
    audit?: AuditInput,
  ): Promise<{ status: 'created' | 'updated'; incident: StoredIncident<D> } | { status: 'stale'; current?: StoredIncident<D> }> {
    return this.write('putIncident', () => {
      if (!this.get('SELECT 1 FROM tenants WHERE id = ?', tenant)) throw unknownTenant(tenant);
      const cur = this.get('SELECT * FROM incidents WHERE tenant = ? AND id = ?', tenant, inc.id);
      const current = cur && incidentOf<D>(cur, parse);
      if (ifMatch === null && current) return { status: 'stale' as const, current };
      if (typeof ifMatch === 'string' && current?.etag !== ifMatch) return { status: 'stale' as const, ...(current ? { current } : {}) };
      const row = this.get(
        `INSERT INTO incidents (tenant, id, doc, opened_at, resolved_at, row_version, created_at, created_by, updated_at, updated_by)
         VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)
         ON CONFLICT (tenant, id) DO UPDATE SET doc = excluded.doc, opened_at = excluded.opened_at, resolved_at = excluded.resolved_at,
           row_version = incidents.row_version + 1, updated_at = excluded.updated_at, updated_by = excluded.updated_by
         RETURNING *`,
        tenant,
        inc.id,
        json(inc.doc),
        inc.openedAt,
        inc.resolvedAt ?? null,
        inc.at,
        inc.by,
        inc.at,
        inc.by,
      )!;
      this.audit(tenant, audit);
      return { status: current ? ('updated' as const) : ('created' as const), incident: incidentOf<D>(row, parse) };
    });
  }

  getIncident<D = unknown>(tenant: string, id: string): Promise<StoredIncident<D> | undefined> {
    return this.run('getIncident', () => {
      const r = this.get('SELECT * FROM incidents WHERE tenant = ? AND id = ?', tenant, id);
      return r && incidentOf<D>(r, parse);
    });
  }

  listIncidents<D = unknown>(tenant: string, filter: { resolvedSince?: number; limit?: number } = {}): Promise<StoredIncident<D>[]> {
    return this.run('listIncidents', () =>
      this.all(
        `SELECT * FROM incidents WHERE tenant = ? AND (resolved_at IS NULL OR resolved_at >= ?)
         ORDER BY opened_at DESC, id LIMIT ?`,
        tenant,
        filter.resolvedSince ?? Number.MIN_SAFE_INTEGER,
        filter.limit ?? 1000,
      ).map((r) => incidentOf<D>(r, parse)),
    );
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
    return this.write('putReportSchedule', () => {
      if (!this.get('SELECT 1 FROM tenants WHERE id = ?', tenant)) throw unknownTenant(tenant);
      const cur = this.get('SELECT * FROM report_schedules WHERE tenant = ? AND id = ?', tenant, sc.id);
      const current = cur && reportScheduleOf<S>(cur, parse);
      if (ifMatch === null && current) return { status: 'stale' as const, current };
      if (typeof ifMatch === 'string' && current?.etag !== ifMatch) return { status: 'stale' as const, ...(current ? { current } : {}) };
      const row = this.get(
        `INSERT INTO report_schedules (tenant, id, spec, row_version, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, 1, ?, ?, ?, ?)
         ON CONFLICT (tenant, id) DO UPDATE SET spec = excluded.spec, row_version = report_schedules.row_version + 1,
           updated_at = excluded.updated_at, updated_by = excluded.updated_by
         RETURNING *`,
        tenant,
        sc.id,
        json(sc.spec),
        sc.at,
        sc.by,
        sc.at,
        sc.by,
      )!;
      if (timer) this.writeTimers(tenant, [timer]);
      else this.deleteTimers(tenant, [`${REPORT_TIMER_PREFIX}${sc.id}`]);
      this.audit(tenant, audit);
      return { status: current ? ('updated' as const) : ('created' as const), schedule: reportScheduleOf<S>(row, parse) };
    });
  }

  getReportSchedule<S = unknown>(tenant: string, id: string): Promise<StoredReportSchedule<S> | undefined> {
    return this.run('getReportSchedule', () => {
      const r = this.get('SELECT * FROM report_schedules WHERE tenant = ? AND id = ?', tenant, id);
      return r && reportScheduleOf<S>(r, parse);
    });
  }

  listReportSchedules<S = unknown>(tenant: string): Promise<StoredReportSchedule<S>[]> {
    return this.run('listReportSchedules', () =>
      this.all('SELECT * FROM report_schedules WHERE tenant = ? ORDER BY id', tenant).map((r) => reportScheduleOf<S>(r, parse)),
    );
  }

  deleteReportSchedule(tenant: string, id: string, ifMatch?: string, audit?: AuditInput): Promise<'deleted' | 'not_found' | 'stale'> {
    return this.write('deleteReportSchedule', () => {
      const r = this.get('SELECT * FROM report_schedules WHERE tenant = ? AND id = ?', tenant, id);
      if (!r) return 'not_found' as const;
      if (ifMatch !== undefined && reportScheduleOf(r, parse).etag !== ifMatch) return 'stale' as const;
      this.exec('DELETE FROM report_schedules WHERE tenant = ? AND id = ?', tenant, id);
      const key = `${REPORT_TIMER_PREFIX}${id}`;
      this.exec('DELETE FROM timers WHERE tenant = ? AND (key = ? OR substr(key, 1, length(?)) = ?)', tenant, key, `${key}@`, `${key}@`);
      this.audit(tenant, audit);
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
    return this.write('putMonitor', () => {
      if (!this.get('SELECT 1 FROM tenants WHERE id = ?', tenant)) throw unknownTenant(tenant);
      const cur = this.get('SELECT * FROM monitors WHERE tenant = ? AND id = ?', tenant, m.id);
      const current = cur && monitorOf<S, unknown>(cur, parse);
      if (ifMatch === null && current) return { status: 'stale' as const, current };
      if (typeof ifMatch === 'string' && current?.etag !== ifMatch) return { status: 'stale' as const, ...(current ? { current } : {}) };
      const tokenHash = m.tokenHash === undefined ? ((cur?.token_hash as string | null) ?? null) : m.tokenHash;
      const state = m.state === null ? null : ((cur?.state as string | null) ?? null);
      const row = this.get(
        `INSERT INTO monitors (tenant, id, spec, paused, token_hash, state, row_version, created_at, created_by, updated_at, updated_by)
         VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)
         ON CONFLICT (tenant, id) DO UPDATE SET spec = excluded.spec, paused = excluded.paused, token_hash = excluded.token_hash,
           state = excluded.state, row_version = monitors.row_version + 1, updated_at = excluded.updated_at, updated_by = excluded.updated_by
         RETURNING *`,
        tenant,
        m.id,
        json(m.spec),
        m.paused ? 1 : 0,
        tokenHash,
        state,
        m.at,
        m.by,
        m.at,
        m.by,
      )!;
      if (timer) this.writeTimers(tenant, [timer]);
      else this.deleteTimers(tenant, [`${MONITOR_TIMER_PREFIX}${m.id}`]);
      this.audit(tenant, audit);
      return { status: current ? ('updated' as const) : ('created' as const), monitor: monitorOf<S, unknown>(row, parse) };
    });
  }

  getMonitor<S = unknown, R = unknown>(tenant: string, id: string): Promise<StoredMonitor<S, R> | undefined> {
    return this.run('getMonitor', () => {
      const r = this.get('SELECT * FROM monitors WHERE tenant = ? AND id = ?', tenant, id);
      return r && monitorOf<S, R>(r, parse);
    });
  }

  listMonitors<S = unknown, R = unknown>(tenant: string): Promise<StoredMonitor<S, R>[]> {
    return this.run('listMonitors', () =>
      this.all('SELECT * FROM monitors WHERE tenant = ? ORDER BY id', tenant).map((r) => monitorOf<S, R>(r, parse)),
    );
  }

  deleteMonitor(tenant: string, id: string, ifMatch?: string, audit?: AuditInput): Promise<'deleted' | 'not_found' | 'stale'> {
    return this.write('deleteMonitor', () => {
      const r = this.get('SELECT * FROM monitors WHERE tenant = ? AND id = ?', tenant, id);
      if (!r) return 'not_found' as const;
      if (ifMatch !== undefined && monitorOf(r, parse).etag !== ifMatch) return 'stale' as const;
      this.exec('DELETE FROM monitors WHERE tenant = ? AND id = ?', tenant, id);
      this.deleteTimers(tenant, [`${MONITOR_TIMER_PREFIX}${id}`]);
      this.audit(tenant, audit);
      return 'deleted' as const;
    });
  }

  setMonitorState(tenant: string, id: string, state: unknown, expected?: { state: unknown }): Promise<boolean> {
    return this.write('setMonitorState', () => {
      if (expected) {
        // Compared by value (as PostgreSQL's jsonb), inside the write transaction: nothing writes between.
        const cur = this.get('SELECT state FROM monitors WHERE tenant = ? AND id = ?', tenant, id);
        if (!cur) return false;
        const stored = cur.state === null ? null : (JSON.parse(cur.state as string) as unknown);
        if (!isDeepStrictEqual(stored, expected.state ?? null)) return false;
      }
      const r = this.get('UPDATE monitors SET state = ? WHERE tenant = ? AND id = ? RETURNING 1', json(state), tenant, id);
      return r !== undefined;
    });
  }

  monitorByTokenHash<S = unknown, R = unknown>(tokenHash: string): Promise<{ tenant: string; monitor: StoredMonitor<S, R> } | undefined> {
    return this.run('monitorByTokenHash', () => {
      const r = this.get('SELECT * FROM monitors WHERE token_hash = ?', tokenHash);
      return r && { tenant: r.tenant as string, monitor: monitorOf<S, R>(r, parse) };
    });
  }

  recordReportDeliveries(tenant: string, deliveries: readonly NewReportDelivery[]): Promise<number> {
    return this.write('recordReportDeliveries', () => {
      if (!this.get('SELECT 1 FROM tenants WHERE id = ?', tenant)) throw unknownTenant(tenant);
      let n = 0;
      for (const d of deliveries) {
        const added = this.exec(
          `INSERT INTO report_deliveries (tenant, schedule_id, period_label, recipient, notification_key, reports, note, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, schedule_id, period_label, recipient) DO NOTHING`,
          tenant,
          d.scheduleId,
          d.period,
          d.recipient,
          d.notification.idempotencyKey,
          json(d.reports),
          d.note ?? null,
          d.createdAt,
        );
        // Only a delivery recorded now writes its outbox row: one recorded before has its own.
        if (added === 0) continue;
        this.insertNotification(tenant, d.notification, d.createdAt);
        n++;
      }
      return n;
    });
  }

  listReportDeliveries(tenant: string, f: ReportDeliveryFilter = {}): Promise<Page<StoredReportDelivery>> {
    return this.run('listReportDeliveries', () => {
      const where = ['d.tenant = ?'];
      const p: Param[] = [tenant];
      if (f.scheduleId !== undefined) {
        where.push('d.schedule_id = ?');
        p.push(f.scheduleId);
      }
      if (f.period !== undefined) {
        where.push('d.period_label = ?');
        p.push(f.period);
      }
      if (f.agreementId !== undefined) {
        where.push("EXISTS (SELECT 1 FROM json_each(d.reports) j WHERE json_extract(j.value, '$.agreement') = ?)");
        p.push(f.agreementId);
      }
      if (f.after !== undefined) {
        where.push('d.seq < ?');
        p.push(decodeCursor(f.after, ['number'])[0] as number);
      }
      const limit = pageLimit(f.limit);
      const rows = this.all(
        `SELECT d.*, ${DELIVERY_NOTIFICATION_COLUMNS} FROM report_deliveries d
           LEFT JOIN notifications n ON n.tenant = d.tenant AND n.idempotency_key = d.notification_key
          WHERE ${where.join(' AND ')} ORDER BY d.seq DESC LIMIT ?`,
        ...p,
        limit + 1,
      );
      return page(
        rows.map((r) => reportDeliveryOf(r, parse)),
        limit,
        (d) => [d.seq],
      );
    });
  }

  // --- audit -----------------------------------------------------------------------------------

  appendAudit(tenant: string, entry: AuditInput): Promise<AuditEntry> {
    return this.write('appendAudit', () => this.audit(tenant, entry)!);
  }

  listAudit(tenant: string, f: AuditFilter = {}): Promise<Page<AuditEntry>> {
    return this.run('listAudit', () => {
      const where = ['tenant = ?'];
      const p: Param[] = [tenant];
      if (f.subject !== undefined) {
        where.push('subject = ?');
        p.push(f.subject);
      }
      if (f.actor !== undefined) {
        where.push('actor = ?');
        p.push(f.actor);
      }
      if (f.after !== undefined) {
        where.push(f.newestFirst ? 'seq < ?' : 'seq > ?');
        p.push(decodeCursor(f.after, ['number'])[0] as number);
      }
      const limit = pageLimit(f.limit);
      const rows = this.all(
        `SELECT * FROM audit_log WHERE ${where.join(' AND ')} ORDER BY seq ${f.newestFirst ? 'DESC' : 'ASC'} LIMIT ?`,
        ...p,
        limit + 1,
      );
      return page(rows.map(auditOf), limit, (a) => [a.seq]);
    });
  }
}

function clockOf<V>(r: Row): ClockRow<V> {
  const source = r.source === '' ? {} : { source: r.source as string };
  return {
    agreementId: r.agreement_id as string,
    target: r.target as string,
    ticket: r.ticket as string,
    ...source,
    cycle: r.cycle as number,
    value: parse<V>(r.value),
    updatedAt: r.updated_at as number,
  };
}
function complianceOf<V>(r: Row): ComplianceRow<V> {
  return {
    agreementId: r.agreement_id as string,
    target: r.target as string,
    window: r.window_label as string,
    value: decodeComplianceValue<V>(parse(r.value)),
    updatedAt: r.updated_at as number,
  };
}
function settlementOf<V>(r: Row): SettlementRow<V> {
  return {
    agreementId: r.agreement_id as string,
    period: r.period_label as string,
    value: parse<V>(r.value),
    updatedAt: r.updated_at as number,
  };
}

function eventWhere(tenant: string, f: EventFilter): { where: string[]; params: Param[] } {
  const where = ['tenant = ?'];
  const params: Param[] = [tenant];
  if (f.from !== undefined) {
    where.push('at >= ?');
    params.push(f.from);
  }
  if (f.to !== undefined) {
    where.push('at < ?');
    params.push(f.to);
  }
  if (f.typePrefix !== undefined && f.typePrefix !== '') {
    where.push('substr(type, 1, ?) = ?');
    params.push([...f.typePrefix].length, f.typePrefix);
  }
  if (f.service !== undefined) {
    where.push('service = ?');
    params.push(f.service);
  }
  if (f.customer !== undefined) {
    where.push('customer = ?');
    params.push(f.customer);
  }
  if (f.ticket !== undefined) {
    where.push('ticket = ?');
    params.push(f.ticket);
  }
  if (f.source !== undefined) {
    where.push('source = ?');
    params.push(f.source);
  }
  return { where, params };
}

/** Timers of one kind: keys with (or without) a prefix, compared as text (no LIKE wildcards). */
function timerKindWhere(f: TimerKindFilter, where: string[], p: Param[]): void {
  if (f.keyPrefix !== undefined) {
    where.push('substr(key, 1, length(?)) = ?');
    p.push(f.keyPrefix, f.keyPrefix);
  }
  const except = typeof f.exceptKeyPrefix === 'string' ? [f.exceptKeyPrefix] : (f.exceptKeyPrefix ?? []);
  for (const x of except) {
    where.push('substr(key, 1, length(?)) <> ?');
    p.push(x, x);
  }
}
