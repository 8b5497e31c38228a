/**
 * The storage interfaces: one per concern, all asynchronous (PostgreSQL is), all per tenant.
 *
 * Rules every adapter keeps (the contract suite in contract.ts checks them on both):
 * - Every call names the tenant, and no query reads or writes another tenant's rows. The
 *   exceptions: `findTokenByHash` (authentication has to find the tenant from the token), and
 *   `claimNotifications` and `claimTimers` (delivery workers and the scheduler serve every tenant;
 *   each row they return names its tenant, and every later call on it names that tenant again).
 * - Instants are epoch milliseconds (UTC). The store never reads the clock: the caller passes `at`,
 *   `createdAt`, `receivedAt`, as the use cases pass the clock from their context (only migration
 *   bookkeeping records the time it ran).
 * - Expected outcomes are values: an id that exists already (`exists`), a stale ETag (`stale`), a
 *   duplicate or conflicting event. Infrastructure failures are `StoreError` (with `retryable` and
 *   `cause`). A call that breaks the contract (an unknown tenant, version numbers that do not
 *   continue the list) is a bug and throws a plain Error.
 * - Events, agreement versions, lifecycle transitions, reviews and the audit log are append-only;
 *   the schema refuses UPDATE and DELETE on them. Derived results are rebuildable and may be
 *   replaced or deleted.
 * - Mutating calls take an optional audit entry, written in the same transaction as the change,
 *   so the audit log never misses a change that happened nor records one that did not.
 */
import type { LifecycleHistory, LifecycleState, Transition } from '../core/agreements/lifecycle/state.ts';
import type { Version } from '../core/agreements/lifecycle/versions.ts';
import type { ReviewRecord } from '../core/agreements/lifecycle/reviews.ts';
import type { WindowBudget } from '../core/alerts/health.ts';

export type TenantId = string;

// ---------------------------------------------------------------------------------------------
// Common shapes

/** A page of a list. `next` is an opaque cursor for the following page; absent on the last one. */
export interface Page<T> {
  items: T[];
  next?: string;
}

/**
 * `after`: a cursor from a previous page. `limit`: page size, 100 by default, at most 1000. A cursor
 * that is not one the store handed out is refused with `InvalidInputError` (path `after`), which
 * edges map to a 4xx like any other bad input.
 */
export interface PageRequest {
  after?: string;
  limit?: number;
}

/** The result of creating something that has an id chosen by the caller. */
export type Created<T> = { status: 'created'; value: T } | { status: 'exists'; value: T };

/** An audit entry to write together with a change (the tenant is the call's). */
export interface AuditInput {
  at: number;
  actor: string;
  /** What was done, e.g. `agreement.amend`, `token.revoke`. */
  action: string;
  /** What it was done to, e.g. `agreement:acme-gold`, `token:t_123`. */
  subject: string;
  before?: unknown;
  after?: unknown;
}

// ---------------------------------------------------------------------------------------------
// Tenants

export interface Tenant {
  id: TenantId;
  name: string;
  createdAt: number;
}

export interface TenantStore {
  createTenant(tenant: Tenant, audit?: AuditInput): Promise<Created<Tenant>>;
  getTenant(id: TenantId): Promise<Tenant | undefined>;
  /** Every tenant, by id: for operators and jobs that walk all tenants. */
  listTenants(): Promise<Tenant[]>;
}

// ---------------------------------------------------------------------------------------------
// Users and API tokens

// Roles are the access policy's (src/core/access/policy.ts); the store only keeps them.
export { ROLES, type Role } from '../core/access/policy.ts';
import type { Role } from '../core/access/policy.ts';

export interface User {
  id: string;
  name: string;
  email?: string;
  createdAt: number;
  disabledAt?: number;
}

export interface NewUser {
  id: string;
  name: string;
  email?: string;
  createdAt: number;
}

/** A token as stored: never the secret, only its hash (see tokens.ts for why SHA-256 suffices). */
export interface ApiToken {
  tenant: TenantId;
  id: string;
  userId: string;
  name: string;
  role: Role;
  /** The customer a `customer` token is confined to; only that role has (and must have) one. */
  customer?: string;
  tokenHash: string;
  createdAt: number;
  expiresAt?: number;
  lastUsedAt?: number;
  revokedAt?: number;
}

export interface NewApiToken {
  id: string;
  userId: string;
  name: string;
  role: Role;
  customer?: string;
  /** `hashTokenSecret(secret)`; the secret is shown to the user once and never stored. */
  tokenHash: string;
  createdAt: number;
  expiresAt?: number;
}

export type TokenCreated = Created<ApiToken> | { status: 'unknown_user' };
export type RevokeResult = 'revoked' | 'already_revoked' | 'not_found';

export interface UserStore {
  createUser(tenant: TenantId, user: NewUser, audit?: AuditInput): Promise<Created<User>>;
  getUser(tenant: TenantId, id: string): Promise<User | undefined>;
  listUsers(tenant: TenantId): Promise<User[]>;
  /** Disabling a user stops all of its tokens (authentication checks `user.disabledAt`). */
  disableUser(tenant: TenantId, id: string, at: number, audit?: AuditInput): Promise<'disabled' | 'already_disabled' | 'not_found'>;
  createToken(tenant: TenantId, token: NewApiToken, audit?: AuditInput): Promise<TokenCreated>;
  /**
   * Authentication: the token with this hash and its user, whatever the tenant (the token is what
   * tells the tenant). Revoked and expired tokens are returned too; the caller refuses them, so it
   * can say why.
   */
  findTokenByHash(tokenHash: string): Promise<{ token: ApiToken; user: User } | undefined>;
  listTokens(tenant: TenantId, filter?: { userId?: string }): Promise<ApiToken[]>;
  /** Records a use; last-used only moves forward, so concurrent requests cannot set it back. */
  touchToken(tenant: TenantId, id: string, at: number): Promise<void>;
  revokeToken(tenant: TenantId, id: string, at: number, audit?: AuditInput): Promise<RevokeResult>;
}

// ---------------------------------------------------------------------------------------------
// Signing in to the web app: logins, invites, sessions

/**
 * A user's way into the web app: the e-mail it signs in with (lower-cased; unique across the
 * installation, because signing in names no tenant), and the role and customer it acts with (the
 * same roles and policy as API tokens).
 */
export interface Login {
  tenant: TenantId;
  userId: string;
  email: string;
  role: Role;
  /** Only the customer role has one, and it must. */
  customer?: string;
  /** The password's hash (scrypt, src/app/passwords.ts); absent until an invite is accepted. */
  passwordHash?: string;
  passwordSetAt?: number;
  /** Failed sign-ins since the last success (lock-out). */
  failedCount: number;
  lockedUntil?: number;
  createdAt: number;
}

export interface Invite {
  tenant: TenantId;
  email: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  usedAt?: number;
}

export interface NewInvite {
  /** SHA-256 of the link's secret (hashTokenSecret): the secret itself is shown once and never stored. */
  tokenHash: string;
  user: { id: string; name: string; email: string };
  role: Role;
  customer?: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
}

export type InviteCreated =
  | { status: 'created'; invite: Invite; login: Login; user: User }
  /** The e-mail signs in to another user or tenant. */
  | { status: 'email_taken' }
  /** The user exists with another e-mail login. */
  | { status: 'user_has_login'; email: string };

export type InviteAccepted =
  | { status: 'accepted'; login: Login; user: User }
  | { status: 'not_found' | 'used' | 'expired' | 'disabled_user' };

export interface WebSession {
  tenant: TenantId;
  userId: string;
  /** Every write made with the session's cookie must repeat it (X-CSRF-Token). */
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  revokedAt?: number;
}

export interface NewWebSession {
  /** SHA-256 of the cookie's secret: the secret is never stored. */
  idHash: string;
  tenant: TenantId;
  userId: string;
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

export interface SignInStore {
  /**
   * Invites a person: the user (created when missing, with this name and e-mail), its login with
   * the role and customer given, and a one-time invite. Inviting an e-mail that already has a
   * login of the same user renews the invite (and sets the role): how a forgotten password is
   * reset. The e-mail is stored lower-cased.
   */
  createInvite(tenant: TenantId, invite: NewInvite, audit?: AuditInput): Promise<InviteCreated>;
  /** The invite with this hash (any tenant: the link names none), used or not. */
  findInvite(tokenHash: string): Promise<(Invite & { login: Login; user: User }) | undefined>;
  /** Uses the invite once, at `at`: sets the login's password hash and clears its lock-out. */
  acceptInvite(tokenHash: string, passwordHash: string, at: number, audit?: AuditInput): Promise<InviteAccepted>;
  /** The login of an e-mail (compared lower-cased) and its user, any tenant. */
  findLogin(email: string): Promise<{ login: Login; user: User } | undefined>;
  /**
   * Counts a failed sign-in at `at`; when the count reaches `limit`, the login is locked for
   * `lockMs` and the count starts again. Undefined when there is no such login.
   */
  signInFailed(email: string, at: number, policy: { limit: number; lockMs: number }): Promise<Login | undefined>;
  /** A successful sign-in: the failure count is cleared and the session stored, in one transaction. */
  createSession(email: string, session: NewWebSession, audit?: AuditInput): Promise<WebSession>;
  /** The session with this hash, with its login and user (any tenant: the cookie names none). */
  findSession(idHash: string): Promise<{ session: WebSession; login: Login; user: User } | undefined>;
  /** Records a use and slides the expiry forward (never back). */
  touchSession(idHash: string, at: number, expiresAt: number): Promise<void>;
  /** Signs a session out; false when it was not signed in (unknown, expired or already revoked). */
  revokeSession(idHash: string, at: number, audit?: AuditInput): Promise<boolean>;
  listLogins(tenant: TenantId): Promise<Login[]>;
}

// ---------------------------------------------------------------------------------------------
// Service reports: frozen revisions

export interface ServiceReportRevision {
  agreementId: string;
  period: string;
  revision: number;
  /** The last event sequence number the results it was made from had seen. */
  eventSeq: number;
  /** SHA-256 (hex) of `content`'s UTF-8 bytes. */
  sha256: string;
  /** The report as canonical JSON text: stored and served byte for byte. */
  content: string;
  createdAt: number;
  createdBy: string;
}

export interface ServiceReportStore {
  /**
   * Stores the report's content as the next revision, unless the latest revision has the same
   * SHA-256: then that one is returned (`status: 'same'`) and nothing is written. One revision
   * number per change, however many processes produce it at once.
   */
  appendServiceReport(
    tenant: TenantId,
    r: Omit<ServiceReportRevision, 'revision'>,
    audit?: AuditInput,
  ): Promise<{ status: 'created' | 'same'; value: ServiceReportRevision }>;
  /** One revision, or the latest (revision omitted). */
  getServiceReport(
    tenant: TenantId,
    key: { agreementId: string; period: string; revision?: number },
  ): Promise<ServiceReportRevision | undefined>;
  /** Every revision of every period of an agreement, newest period first, then newest revision first; without content. */
  listServiceReports(tenant: TenantId, agreementId: string): Promise<Array<Omit<ServiceReportRevision, 'content'>>>;
  /** A rendered file of a revision (e.g. variant 'pdf:en'), stored once: a second put keeps the first. */
  putServiceReportFile(
    tenant: TenantId,
    key: { agreementId: string; period: string; revision: number; variant: string },
    file: { mediaType: string; bytes: Buffer; createdAt: number },
  ): Promise<{ mediaType: string; bytes: Buffer; sha256: string }>;
  getServiceReportFile(
    tenant: TenantId,
    key: { agreementId: string; period: string; revision: number; variant: string },
  ): Promise<{ mediaType: string; bytes: Buffer; sha256: string } | undefined>;
}

// ---------------------------------------------------------------------------------------------
// Agreements

export interface StoredAgreement<D = unknown> {
  id: string;
  /** The working document: the draft, or the latest amendment as applied. */
  document: D;
  /** The lifecycle state after the last transition (`draft` before any). */
  state: LifecycleState;
  customer?: string;
  /**
   * Opaque; changes with every change to the agreement (its document, versions, transitions or
   * reviews). Quoted, so an HTTP edge can send it as the ETag header as it is.
   */
  etag: string;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
  versionCount: number;
  transitionCount: number;
  reviewCount: number;
}

export interface NewAgreement<D = unknown> {
  id: string;
  document: D;
  customer?: string;
  createdAt: number;
  createdBy: string;
}

/**
 * One change to an agreement, applied atomically: e.g. an amendment (new document and version),
 * an approval (transition and version 1), a review (review record, perhaps with an amendment).
 */
export interface AgreementChange<D = unknown> {
  /** Replaces the working document. */
  document?: D;
  /** Replaces the customer (null clears it). */
  customer?: string | null;
  /** Appended; numbers must continue the stored list (n+1, n+2...), as `addVersion` makes them. */
  versions?: readonly Version<D>[];
  /** Appended in order; the state becomes the last one's `to`. Legality is the core's job. */
  transitions?: readonly Transition[];
  /** Appended in order. */
  reviews?: readonly ReviewRecord[];
  at: number;
  by: string;
}

export type AgreementUpdate<D = unknown> =
  | { status: 'updated'; agreement: StoredAgreement<D> }
  /** The ETag given is not the current one: someone else changed the agreement. Nothing was written. */
  | { status: 'stale'; current: StoredAgreement<D> }
  | { status: 'not_found' };

export interface AgreementFilter extends PageRequest {
  customer?: string;
  state?: LifecycleState;
}

export interface AgreementStore {
  createAgreement<D>(tenant: TenantId, agreement: NewAgreement<D>, audit?: AuditInput): Promise<Created<StoredAgreement<D>>>;
  getAgreement<D = unknown>(tenant: TenantId, id: string): Promise<StoredAgreement<D> | undefined>;
  /** By id. */
  listAgreements<D = unknown>(tenant: TenantId, filter?: AgreementFilter): Promise<Page<StoredAgreement<D>>>;
  /** Compare-and-set on the ETag: applies `change` only if `ifMatch` is the current ETag. */
  updateAgreement<D>(
    tenant: TenantId,
    id: string,
    ifMatch: string,
    change: AgreementChange<D>,
    audit?: AuditInput,
  ): Promise<AgreementUpdate<D>>;
  /** Every version, numbered 1, 2, 3...; empty for a draft never approved or an unknown id. */
  listVersions<D = unknown>(tenant: TenantId, id: string): Promise<Version<D>[]>;
  getVersion<D = unknown>(tenant: TenantId, id: string, version: number): Promise<Version<D> | undefined>;
  /** The lifecycle history, as the core's lifecycle functions take it. */
  getLifecycle(tenant: TenantId, id: string): Promise<LifecycleHistory | undefined>;
  listReviews(tenant: TenantId, id: string): Promise<ReviewRecord[]>;
}

// ---------------------------------------------------------------------------------------------
// Calendars

export type CalendarFormat = 'yaml' | 'json';

export interface StoredCalendar {
  name: string;
  format: CalendarFormat;
  /** The document as written (YAML or JSON text), so it round-trips with its comments. */
  source: string;
  etag: string;
  updatedAt: number;
  updatedBy: string;
}

export interface CalendarInput {
  name: string;
  format: CalendarFormat;
  source: string;
  at: number;
  by: string;
}

/**
 * `ifMatch`: undefined writes unconditionally; null writes only if the calendar does not exist yet
 * (HTTP If-None-Match: *); a string writes only if it is the current ETag.
 */
export type CalendarPut = { status: 'created' | 'updated'; calendar: StoredCalendar } | { status: 'stale'; current?: StoredCalendar };

export interface CalendarStore {
  putCalendar(tenant: TenantId, calendar: CalendarInput, ifMatch?: string | null, audit?: AuditInput): Promise<CalendarPut>;
  getCalendar(tenant: TenantId, name: string): Promise<StoredCalendar | undefined>;
  /** By name. */
  listCalendars(tenant: TenantId): Promise<StoredCalendar[]>;
  deleteCalendar(tenant: TenantId, name: string, ifMatch?: string, audit?: AuditInput): Promise<'deleted' | 'not_found' | 'stale'>;
}

// ---------------------------------------------------------------------------------------------
// Events

/**
 * An event to store. A parsed `Timed` event fits: `atMs` is the instant; every other field is the
 * payload, stored as received. Scope fields are copied to columns for queries.
 */
export interface EventInput {
  id: string;
  type: string;
  atMs: number;
  source?: string;
  ticket?: string;
  service?: string;
  customer?: string;
  region?: string;
  [field: string]: unknown;
}

export interface StoredEvent {
  /** Per tenant, 1, 2, 3... in commit order. */
  seq: number;
  /** '' when the event named no source. */
  source: string;
  id: string;
  type: string;
  at: number;
  ticket?: string;
  service?: string;
  customer?: string;
  region?: string;
  receivedAt: number;
  /** The event as received (without `atMs`). */
  payload: Record<string, unknown>;
}

/**
 * Per event of a batch, in the batch's order:
 * - accepted: stored now, with this sequence number;
 * - duplicate: the same (source, id) with the same payload is stored already (perhaps earlier in
 *   this batch): nothing changes;
 * - conflict with `seq`: the same (source, id) is stored with another payload: nothing is written
 *   for it, the stored event stays (events are facts; a correction is a new event);
 * - conflict with `owner`: the event names another customer than the one its ticket belongs to
 *   (see StoredTicket): nothing is written for it, since a ticket never changes owner;
 * - not_written: the event would have been accepted, but the all-or-nothing batch had a conflict.
 * `seq` of a duplicate or conflict is the stored event's.
 */
export type EventOutcome =
  | { status: 'accepted'; seq: number }
  | { status: 'duplicate'; seq: number }
  | { status: 'conflict'; seq: number }
  | { status: 'conflict'; owner: TicketOwner }
  | { status: 'not_written' };

/** Whose a ticket is, as a conflict reports it. */
export interface TicketOwner {
  source: string;
  ticket: string;
  customer: string;
}

/**
 * A ticket, from the tenant's ticket registry. A ticket is its source and its id: two desks
 * (sources) that both number a ticket 1001 have two tickets. It belongs to the customer named by
 * its first stored event that names one; that never changes (an event naming another customer is
 * refused as a conflict). Events that name no customer neither set nor contest it, so follow-ups
 * may leave it out and may arrive before the event that names it. The registry is written in the
 * same transaction as the events, so it always agrees with them.
 */
export interface StoredTicket {
  /** '' when the ticket's events name no source. */
  source: string;
  ticket: string;
  /** Absent while no stored event of the ticket names a customer. */
  customer?: string;
  /** The sequence number of its first stored event. */
  firstSeq: number;
  /** The sequence number of the event that named its customer. */
  customerSeq?: number;
}

export interface AppendResult {
  /** False only for an all-or-nothing batch that had a conflict: then nothing was written. */
  committed: boolean;
  outcomes: EventOutcome[];
  accepted: number;
  duplicates: number;
  conflicts: number;
  /** The tenant's last event sequence number after this batch. */
  lastSeq: number;
}

export interface AppendOptions {
  /** The caller's clock: when the batch was received. */
  receivedAt: number;
  /** Write nothing if any event conflicts. Duplicates never prevent the rest. */
  allOrNothing?: boolean;
  /**
   * The audit entry of the batch, made from its result (what was accepted, the last sequence
   * number), or undefined for none; written in the same transaction as the events, so the log
   * never misses a batch that was stored nor records one that was not. Not called when nothing
   * is committed (an all-or-nothing batch with a conflict).
   */
  audit?: (result: AppendResult) => AuditInput | undefined;
}

/** Time range [from, to), each bound optional; the other fields filter by equality or prefix. */
export interface EventFilter {
  from?: number;
  to?: number;
  /** e.g. `ticket.` or `outage.`; matched literally. */
  typePrefix?: string;
  service?: string;
  customer?: string;
  ticket?: string;
  /** The source ('' for events that name none): with `ticket`, one desk's ticket. */
  source?: string;
}

export interface EventStore {
  /**
   * Appends a batch in one transaction; when it returns, every accepted event is committed (and
   * durable, see docs/operations.md). Unique per (tenant, source, id).
   */
  appendEvents(tenant: TenantId, events: readonly EventInput[], options: AppendOptions): Promise<AppendResult>;
  getEvent(tenant: TenantId, source: string, id: string): Promise<StoredEvent | undefined>;
  /** The events of one ticket (a source's: '' for none), by (at, seq). */
  ticketEvents(tenant: TenantId, source: string, ticket: string): Promise<StoredEvent[]>;
  /** One ticket from the registry (see StoredTicket). */
  getTicket(tenant: TenantId, source: string, ticket: string): Promise<StoredTicket | undefined>;
  /** Every source's ticket with this id, by source. */
  findTickets(tenant: TenantId, ticket: string): Promise<StoredTicket[]>;
  /** Ordered by (at, seq): the order in which events happened, arrival breaking ties. */
  queryEvents(tenant: TenantId, query?: EventFilter & PageRequest): Promise<Page<StoredEvent>>;
  /** Events with a sequence number above `afterSeq`, by seq: what arrived since the last look. */
  eventsSince(tenant: TenantId, afterSeq: number, limit?: number): Promise<StoredEvent[]>;
  /**
   * As eventsSince, only the sequence number, the instant and the payload of each (a fresh object
   * the caller may keep): for reading every event of a tenant quickly (rebuilds). Up to 10,000 a call.
   */
  eventPayloadsSince(
    tenant: TenantId,
    afterSeq: number,
    limit?: number,
  ): Promise<Array<{ seq: number; at: number; payload: Record<string, unknown> }>>;
  /**
   * The events a recomputation of the windows from `since` on needs, by seq (payloads as in
   * eventPayloadsSince): every event that belongs to no ticket (availability's evidence of
   * monitoring reaches back before any window), and every event of each ticket that has an event at
   * or after `since`, has a clock still open (no stop) among the stored derived results that did
   * not breach before `since` (a breach instant, once reached, is final without new events; one
   * before `since` counts in no window from `since` on), or is listed in `tickets`. A ticket comes
   * with its whole history: its clocks need all of it.
   */
  eventPayloadsFor(
    tenant: TenantId,
    query: { since: number; tickets?: ReadonlyArray<{ source: string; ticket: string }> },
  ): Promise<Array<{ seq: number; at: number; payload: Record<string, unknown> }>>;
  /** The last sequence number handed out (0 before any event). */
  lastEventSeq(tenant: TenantId): Promise<number>;
  countEvents(tenant: TenantId, filter?: EventFilter): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// Derived results (rebuildable from events and agreement versions)

export interface ClockKey {
  agreementId: string;
  target: string;
  ticket: string;
  /** The ticket's source ('' or absent when its events name none): two desks' 1001 are two tickets. */
  source?: string;
  /** 0 for the first cycle; a reopened ticket starts another. */
  cycle: number;
}
export interface ClockRow<V = unknown> extends ClockKey {
  value: V;
  updatedAt: number;
}

export interface ComplianceKey {
  agreementId: string;
  target: string;
  /** The window's label, e.g. `2026-10`, `2026-Q4`, `rolling-30d@2026-11-01`. */
  window: string;
}
export interface ComplianceRow<V = unknown> extends ComplianceKey {
  value: V;
  updatedAt: number;
}

export interface SettlementKey {
  agreementId: string;
  /** The billing period's label, e.g. `2026-10`. */
  period: string;
}
export interface SettlementRow<V = unknown> extends SettlementKey {
  value: V;
  updatedAt: number;
}

/**
 * Where the stored derived results stand. Both numbers are read in one statement (getDerivedState).
 *
 * Which changes invalidate (the inputs of the derived results besides events): creating an agreement
 * (even a draft can be another's parent), changing its document, appending versions or lifecycle
 * transitions, and storing or deleting a calendar. Each adds 1 to `generation` and sets `watermark`
 * to 0 in the same transaction as the change. Reviews, the customer column, tenants, users, tokens
 * and the audit log are not inputs and invalidate nothing; new events only leave the watermark
 * behind the last event sequence number.
 */
export interface DerivedState {
  /** Events up to this sequence number are reflected in the stored results; 0: none (never computed, or invalidated). */
  watermark: number;
  /** Counts invalidations: moves with every change of an input, never otherwise. */
  generation: number;
}

/**
 * A change of derived results written in one transaction, with the watermark it brings them to,
 * so readers never see results of half a recomputation, nor a watermark ahead of its results.
 */
export interface DerivedReplacement {
  /**
   * The generation the change was computed with: read (getDerivedState) before reading any input.
   * When the stored one differs, an input changed meanwhile and nothing is written (`stale`), so an
   * invalidation during a recomputation always wins. Required: every writer computes from inputs.
   */
  generation: number;
  /**
   * The watermark the change was computed from: when the stored one differs, nothing is written
   * (`stale`). Leave out to write regardless of it.
   */
  from?: number;
  /** The watermark after the change. */
  watermark: number;
  /** Delete every derived row of the tenant first (a full rebuild). */
  everything?: boolean;
  /**
   * Agreements whose results are replaced from an instant on (an incremental refresh): their
   * compliance rows of windows that end after `from` and their settlement rows of `periods` are
   * deleted, then the rows given upserted; the rows of earlier windows stay as stored.
   */
  windowsFrom?: ReadonlyArray<{ agreementId: string; from: number; periods: readonly string[] }>;
  /** Agreements whose compliance and settlement rows are replaced in full by those given. */
  agreements?: readonly string[];
  /** (agreement, ticket) pairs whose clock rows are replaced in full by those given (`source` '' when absent). */
  tickets?: ReadonlyArray<{ agreementId: string; ticket: string; source?: string }>;
  clocks?: readonly ClockRow[];
  compliance?: readonly ComplianceRow[];
  settlements?: readonly SettlementRow[];
  /**
   * The alerts, notifications and timers the evaluation derives, written in the same transaction
   * as the results and under the same guard: a replacement refused as `stale` writes none of them,
   * and a failure in any part writes nothing at all (the outbox, see AlertChangeSet).
   */
  alerts?: AlertChangeSet;
}

/**
 * `stale`: nothing was written; the stored state, which differs from the one the change was computed from.
 * `alerts`: what the replacement's `alerts` did, present when it had some.
 */
export type DerivedReplaced = { status: 'replaced'; alerts?: AlertChangesApplied } | ({ status: 'stale' } & DerivedState);

/** What the at-risk listing reads of an open clock's value (a ClockResult's fields; null when absent or infinite). */
export interface ClockGlance {
  state: string;
  stop: null;
  consumed: number | null;
  deadline: number | null;
  breachAt: number | null;
}

/** What the at-risk listing reads of a compliance value (a TargetEvaluation's fields; null when absent). */
export interface WindowGlance {
  state: string;
  value: number | null;
  comparator: string | null;
  target: number | null;
  reason: string | null;
  window: { from: number; to: number };
  /**
   * The window's error budget as of when it was computed (core/alerts/health.ts windowBudget);
   * read by currentWindows and complianceHistory only; null for a row written before 20261207_010
   * (the migration invalidates the derived results, so the next read recomputes them).
   */
  budget?: WindowBudget | null;
}

export interface DerivedStore {
  /**
   * Replaces derived results and sets the watermark in one transaction (see DerivedReplacement).
   * Rows given for an agreement or ticket not listed are upserted.
   */
  replaceDerived(tenant: TenantId, change: DerivedReplacement): Promise<DerivedReplaced>;
  getClock<V = unknown>(tenant: TenantId, key: ClockKey): Promise<ClockRow<V> | undefined>;
  /** By (agreement, target, ticket, source, cycle). */
  listClocks<V = unknown>(
    tenant: TenantId,
    filter?: { agreementId?: string; target?: string; ticket?: string; source?: string } & PageRequest,
  ): Promise<Page<ClockRow<V>>>;
  getCompliance<V = unknown>(tenant: TenantId, key: ComplianceKey): Promise<ComplianceRow<V> | undefined>;
  /** By (agreement, target, window). */
  listCompliance<V = unknown>(
    tenant: TenantId,
    filter?: { agreementId?: string; target?: string } & PageRequest,
  ): Promise<Page<ComplianceRow<V>>>;
  getSettlement<V = unknown>(tenant: TenantId, key: SettlementKey): Promise<SettlementRow<V> | undefined>;
  /** By (agreement, period). */
  listSettlements<V = unknown>(tenant: TenantId, filter?: { agreementId?: string } & PageRequest): Promise<Page<SettlementRow<V>>>;
  /**
   * Breaches open now, from the stored results (for /metrics): clocks of open tickets that are
   * breached, or running past their deadline; and targets breached in a window that contains `now`.
   */
  countOpenBreaches(tenant: TenantId, now: number): Promise<{ tickets: number; targets: number }>;
  /**
   * What is at risk now, by index rather than by listing every result (issue 9 §1): the clocks of
   * open tickets (no stop) that are at risk or breached, or running with their deadline at or before
   * `now`; and the compliance rows at risk or breached whose window contains `now`. Each by key order,
   * with only the fields a listing shows (a window's value lists every contributing ticket: parsing
   * that for every read cost more than finding the rows). Those fields are columns the adapters
   * write beside each value at upsert (internal.ts clockColumns/complianceColumns), read from the
   * partial indexes alone: no JSON at read time.
   */
  atRiskNow(tenant: TenantId, now: number): Promise<{ clocks: ClockRow<ClockGlance>[]; compliance: ComplianceRow<WindowGlance>[] }>;
  /**
   * Every target's window that contains `now`, whatever its state (the portfolio overview), by key
   * order, with the fields of WindowGlance only: read from a covering index (20261206_002), no JSON.
   */
  currentWindows(tenant: TenantId, now: number): Promise<ComplianceRow<WindowGlance>[]>;
  /** Every window of an agreement's targets, by target then window start, with the fields of WindowGlance only (a covering index, no JSON). */
  complianceHistory(tenant: TenantId, agreementId: string): Promise<ComplianceRow<WindowGlance>[]>;
  /**
   * Each agreement's latest settled billing period (the greatest label: labels sort in time order)
   * with its totals only (Settlement.totals), by agreement.
   */
  latestSettlementTotals(
    tenant: TenantId,
  ): Promise<Array<{ agreementId: string; period: string; totals: Array<{ currency: string; amountMinor: number; amount: string }> }>>;
  /**
   * The state of each of an agreement's compliance windows that end at or before `until`, without
   * their values (read from indexed columns): what later billing periods are settled with.
   */
  complianceStates(
    tenant: TenantId,
    agreementId: string,
    until: number,
  ): Promise<Array<{ target: string; window: string; from: number; to: number; state: string }>>;
  /**
   * Per agreement, the latest `updatedAt` among its compliance and settlement rows: the `now` its
   * results were last computed as of (every computation rewrites the window containing its `now`).
   */
  derivedComputedAt(tenant: TenantId): Promise<Map<string, number>>;
  /** The event sequence number up to which derived results are computed (lag = lastEventSeq - this). */
  getDerivedWatermark(tenant: TenantId): Promise<number>;
  /** The watermark and the generation, read together (see DerivedState); a recomputation starts here. */
  getDerivedState(tenant: TenantId): Promise<DerivedState>;
}

// ---------------------------------------------------------------------------------------------
// Audit log

export interface AuditEntry {
  /** Per tenant, 1, 2, 3... in commit order. */
  seq: number;
  tenant: TenantId;
  at: number;
  actor: string;
  action: string;
  subject: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditFilter extends PageRequest {
  subject?: string;
  actor?: string;
  /** Newest first; oldest first by default. */
  newestFirst?: boolean;
}

export interface AuditStore {
  appendAudit(tenant: TenantId, entry: AuditInput): Promise<AuditEntry>;
  listAudit(tenant: TenantId, filter?: AuditFilter): Promise<Page<AuditEntry>>;
}

// ---------------------------------------------------------------------------------------------
// Alerts, the outbox of their notifications, channels, silences and timers
//
// Storage shapes only, generic on purpose: typed columns for what is queried (state, agreement,
// severity, instants, keys), a JSON value for the rest (`details`, `payload`, `config`,
// `matchers`), so the alerts core (src/core/alerts/) and the delivery channels (src/delivery/)
// keep their own types and map them. Rules (contract.ts checks them on both adapters):
// - An alert is a record with a lifecycle: firing, acknowledged, resolved. Its dedupe key is
//   unique among the tenant's alerts that are not resolved, so evaluating again cannot open a
//   second one; a resolved alert is final (the schema refuses changing it) and the same key can
//   fire again as a new record. Every state change appends to the alert's history (append-only).
// - Notifications are an outbox: written in the transaction of the alert changes that cause them
//   (and of the derived results, through DerivedReplacement.alerts), delivered after commit by
//   workers that claim them. A notification's idempotency key is unique per tenant: writing it
//   again is a no-op (`duplicate`), never a second notification. The receiver sees the same key on
//   every attempt, so a redelivery after a worker died can be recognised.
// - Claims are leases: a claim takes due rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the write
//   lock on SQLite), so two workers never hold the same row, and gives each a fencing token (the
//   attempt number of a notification, the revision of a timer). Only the holder of the current
//   token completes; once another worker has claimed the row (after the lease ran out), the old
//   holder's completion is refused as `stale`. A lease that ran out makes the row claimable again:
//   delivery is at least once, with the same key, and completed exactly once.
// - Claims serve every tenant (see the header): the rows come back with their tenant.

export type AlertState = 'firing' | 'acknowledged' | 'resolved';

/** What an alert is about: a ticket's clock (source, ticket, cycle), or a window target's window. */
export interface AlertSubject {
  /** The ticket's source ('' or absent: its events name none). */
  source?: string;
  ticket?: string;
  cycle?: number;
  /** A window's label, e.g. `2026-10`. */
  window?: string;
}

export interface StoredAlert<D = unknown> {
  id: string;
  /** Unique among the tenant's alerts that are not resolved. */
  dedupeKey: string;
  /** e.g. `ticket.threshold`, `window.burn_rate` (the core's vocabulary; the store only keeps it). */
  kind: string;
  severity: string;
  /** Who may see it, e.g. `internal`, `customer` (internal alerts never reach customer audiences). */
  audience: string;
  agreementId: string;
  target: string;
  subject: AlertSubject;
  /** e.g. `75%`, `breach`, `breached+4h`. */
  level: string;
  state: AlertState;
  /** The instant the condition began (a threshold's exact instant), not when it was written. */
  firedAt: number;
  acknowledgedAt?: number;
  acknowledgedBy?: string;
  resolvedAt?: number;
  resolvedBy?: string;
  /** Why it was resolved, e.g. `recovered`, `ticket closed`, `inhibited by breach`. */
  resolvedReason?: string;
  details: D;
  updatedAt: number;
}

/** One entry of an alert's history (append-only): a state it entered, when, by whom and why. */
export interface AlertHistoryEntry {
  /** Increases with every entry of the database: the order of entries. */
  seq: number;
  alertId: string;
  at: number;
  state: AlertState;
  by: string;
  reason?: string;
}

/**
 * Opens an alert, unless one that is not resolved has this dedupe key: then that one is kept and
 * its severity, level and details are brought up to date (`updated`, or `unchanged` when they are
 * the same). An `id` that is already an alert of this dedupe key (a batch applied twice) is
 * `unchanged` too; an `id` of another dedupe key is a caller bug (StoreError `conflict`).
 */
export interface AlertOpen<D = unknown> {
  op: 'open';
  /** Chosen by the caller; kept only when the alert is opened now. */
  id: string;
  dedupeKey: string;
  kind: string;
  severity: string;
  audience: string;
  agreementId: string;
  target: string;
  subject?: AlertSubject;
  level: string;
  firedAt: number;
  details: D;
  /** Written only if the alert is opened now (outcome `opened`), with `alertId` set. */
  notify?: readonly NewNotification[];
}

/** Changes the open (firing or acknowledged) alert with this dedupe key; absent fields stay. */
export interface AlertUpdate<D = unknown> {
  op: 'update';
  dedupeKey: string;
  severity?: string;
  level?: string;
  details?: D;
  /** Written only if something changed (outcome `updated`), with `alertId` set. */
  notify?: readonly NewNotification[];
}

/** Resolves the open alert with this dedupe key (firing or acknowledged). */
export interface AlertResolve {
  op: 'resolve';
  dedupeKey: string;
  resolvedAt: number;
  reason: string;
  /** Written only if an alert is resolved now (outcome `resolved`), with `alertId` set. */
  notify?: readonly NewNotification[];
}

export type AlertChange = AlertOpen | AlertUpdate | AlertResolve;

/**
 * Alert changes and the notifications and timers that go with them, written in one transaction:
 * all of it or, if any part fails, none of it. Changes apply in order; `notifications` are written
 * whatever the outcomes (each is a no-op if its key exists), a change's `notify` only when the
 * change takes effect. Applying the same set twice changes nothing the second time.
 */
export interface AlertChangeSet {
  /** When this is written: `updatedAt` of the rows, `createdAt` of the notifications. */
  at: number;
  /** Who or what made the changes (history entries), e.g. `pledge` for the evaluation. */
  by: string;
  alerts?: readonly AlertChange[];
  notifications?: readonly NewNotification[];
  timers?: { schedule?: readonly TimerInput[]; cancel?: readonly string[] };
}

/** Per alert change, in order. `not_found`: no alert that is not resolved has the dedupe key. */
export type AlertOutcome = { status: 'opened' | 'updated' | 'unchanged' | 'resolved'; alert: StoredAlert } | { status: 'not_found' };

/** Per notification of `AlertChangeSet.notifications`, in order; `id` is the stored one's. */
export type NotificationOutcome = { status: 'created' | 'duplicate'; id: number };

export interface AlertChangesApplied {
  alerts: AlertOutcome[];
  notifications: NotificationOutcome[];
  /** Notifications written now, `notify` ones included (duplicates not counted). */
  notified: number;
}

export type AlertAcknowledged =
  | { status: 'acknowledged'; alert: StoredAlert }
  /** The alert is not firing (acknowledged already, or resolved): nothing was written. */
  | { status: 'conflict'; current: StoredAlert }
  | { status: 'not_found' };

export interface AlertFilter extends PageRequest {
  /** One state or several (e.g. firing and acknowledged: the open ones). */
  state?: AlertState | readonly AlertState[];
  agreementId?: string;
  severity?: string;
  audience?: string;
  /** Fired at or after this instant. */
  since?: number;
  /** By (firedAt, id), newest first; oldest first by default. */
  newestFirst?: boolean;
}

export interface AlertStore {
  /** Applies a change set in one transaction (see AlertChangeSet); an unknown tenant is a bug and throws. */
  applyAlertChanges(tenant: TenantId, changes: AlertChangeSet, audit?: AuditInput): Promise<AlertChangesApplied>;
  /**
   * Compare-and-set on the state: only a firing alert is acknowledged. `notify` (the core's
   * acknowledgement notices) is written in the same transaction, with `alertId` set, only when the
   * alert is acknowledged now.
   */
  acknowledgeAlert(
    tenant: TenantId,
    id: string,
    ack: { at: number; by: string; notify?: readonly NewNotification[] },
    audit?: AuditInput,
  ): Promise<AlertAcknowledged>;
  getAlert<D = unknown>(tenant: TenantId, id: string): Promise<StoredAlert<D> | undefined>;
  listAlerts<D = unknown>(tenant: TenantId, filter?: AlertFilter): Promise<Page<StoredAlert<D>>>;
  /** Oldest first; empty for an unknown id. */
  listAlertHistory(tenant: TenantId, id: string): Promise<AlertHistoryEntry[]>;
  /**
   * The tenant's history entries of every alert with `seq` greater than `afterSeq`, by seq (at most
   * `limit`, 100 by default, 1000 at most): the feed of live views (GET /v1/alerts/stream).
   * `newestFirst`: the latest entries instead, newest first (where a new live view starts).
   */
  listAlertActivity(tenant: TenantId, filter?: { afterSeq?: number; limit?: number; newestFirst?: boolean }): Promise<AlertHistoryEntry[]>;
}

// --- the outbox --------------------------------------------------------------------------------

/**
 * pending: waiting for its next attempt (`nextAttemptAt`); claimed: a worker holds it (`lease`);
 * delivered; failed: refused for good (the receiver said no, the channel is gone or disabled);
 * dead: given up after retrying. The last three are final until replayed.
 */
export type NotificationState = 'pending' | 'claimed' | 'delivered' | 'failed' | 'dead';

export interface NewNotification<P = unknown> {
  /** Unique per tenant; the receiver's dedupe key (webhook-id, Message-ID). Writing it again is a no-op. */
  idempotencyKey: string;
  channelId: string;
  /** Who on the channel: an address, a user or team, '' for the channel itself. */
  recipient: string;
  payload: P;
  /** The alert it is about; set by the store for an alert change's `notify`. */
  alertId?: string;
  /** Not to be sent before this instant (quiet hours, grouping interval); the change set's `at` by default. */
  notBefore?: number;
}

/** Who holds a claimed row and until when. `attempt` is the fencing token of a notification's claim. */
export interface NotificationLease {
  worker: string;
  attempt: number;
  claimedAt: number;
  until: number;
}

export interface StoredNotification<P = unknown> {
  tenant: TenantId;
  /** Assigned by the store, unique in the database. */
  id: number;
  idempotencyKey: string;
  channelId: string;
  recipient: string;
  alertId?: string;
  payload: P;
  state: NotificationState;
  /** Claims so far (each claim is an attempt, also one whose worker died). */
  attempts: number;
  /** When it is due, while pending. */
  nextAttemptAt?: number;
  /** While claimed. */
  lease?: NotificationLease;
  lastError?: string;
  deliveredAt?: number;
  createdAt: number;
  updatedAt: number;
}

export interface ClaimedNotification<P = unknown> extends StoredNotification<P> {
  state: 'claimed';
  lease: NotificationLease;
}

export interface ClaimRequest {
  /** The claiming worker's name (process and instance), recorded with each attempt. */
  worker: string;
  /** The worker's clock: what is due at this instant is claimed. */
  at: number;
  /** How long the claim lasts; after `at + leaseMs` another worker may claim the row. */
  leaseMs: number;
  /** At most this many rows (10 by default, at most 1000). */
  limit?: number;
  /** Only this tenant's rows; every tenant's by default. */
  tenant?: TenantId;
  /** Timers only: only keys that start with this (a worker of one kind of timer, e.g. 'report:'). */
  keyPrefix?: string;
  /** Timers only: no key that starts with this, or with any of these (the other kinds' timers are left to their workers). */
  exceptKeyPrefix?: string | readonly string[];
}

/** Which timers: one kind's (by key prefix), or all but some kinds', of every tenant or one. */
export interface TimerKindFilter {
  tenant?: TenantId;
  keyPrefix?: string;
  exceptKeyPrefix?: string | readonly string[];
}

/**
 * How an attempt ended. `response`: what the worker keeps of the receiver's answer (status code,
 * a header or two) for the delivery log.
 */
export type NotificationCompletion =
  | { outcome: 'delivered'; at: number; response?: unknown }
  /** Failed for now: pending again, due at `retryAt` (backoff, Retry-After). */
  | { outcome: 'retry'; at: number; retryAt: number; error: string; response?: unknown }
  /** Refused for good (a 4xx other than 408/429, the channel gone or disabled). */
  | { outcome: 'failed'; at: number; error: string; response?: unknown }
  /** Given up after retrying. */
  | { outcome: 'dead'; at: number; error: string; response?: unknown };

export type NotificationCompleted<P = unknown> =
  | { status: 'completed'; notification: StoredNotification<P> }
  /** The caller's claim is no longer the current one (another worker claimed it since, or it was replayed): nothing was written. */
  | { status: 'stale'; current: StoredNotification<P> }
  | { status: 'not_found' };

export type NotificationReplayed<P = unknown> =
  | { status: 'replayed'; notification: StoredNotification<P> }
  /** Pending or claimed: it will be delivered anyway; nothing was written. */
  | { status: 'conflict'; current: StoredNotification<P> }
  | { status: 'not_found' };

/**
 * One attempt, for the delivery log (append-only). `abandoned`: the worker's lease ran out before
 * it completed (it died or hung) and another claim took the row over; it may have delivered.
 */
export interface NotificationAttempt {
  notificationId: number;
  attempt: number;
  worker: string;
  startedAt: number;
  finishedAt: number;
  outcome: 'delivered' | 'retry' | 'failed' | 'dead' | 'abandoned';
  error?: string;
  response?: unknown;
}

export interface NotificationFilter extends PageRequest {
  state?: NotificationState | readonly NotificationState[];
  channelId?: string;
  alertId?: string;
}

export interface OutboxStore {
  /**
   * Claims due rows of every tenant (or of `tenant`): pending ones whose time has come, and claimed
   * ones whose lease ran out. Oldest due first. Two workers, in one process or in several, never
   * get the same row from claims whose leases overlap.
   */
  claimNotifications<P = unknown>(claim: ClaimRequest): Promise<ClaimedNotification<P>[]>;
  /** Ends an attempt, only by the holder of the current claim (`lease.attempt` is the fencing token). */
  completeNotification<P = unknown>(
    tenant: TenantId,
    id: number,
    lease: { worker: string; attempt: number },
    completion: NotificationCompletion,
  ): Promise<NotificationCompleted<P>>;
  /** A delivered, failed or dead notification becomes pending again, due at `at`, with the same key. */
  replayNotification<P = unknown>(
    tenant: TenantId,
    id: number,
    replay: { at: number; by: string },
    audit?: AuditInput,
  ): Promise<NotificationReplayed<P>>;
  getNotification<P = unknown>(tenant: TenantId, id: number): Promise<StoredNotification<P> | undefined>;
  getNotificationByKey<P = unknown>(tenant: TenantId, idempotencyKey: string): Promise<StoredNotification<P> | undefined>;
  /** By id (the order they were written in). */
  listNotifications<P = unknown>(tenant: TenantId, filter?: NotificationFilter): Promise<Page<StoredNotification<P>>>;
  /** By attempt; empty for an unknown id. */
  listNotificationAttempts(tenant: TenantId, id: number): Promise<NotificationAttempt[]>;
}

// --- channels ------------------------------------------------------------------------------------

/**
 * Where notifications go (a webhook, a mailbox, Slack, Teams). `config` is stored as given: the
 * channels code encrypts secrets or puts references to environment variables before it gets here.
 * A disabled channel keeps its configuration; storing a new configuration does not enable it.
 */
export interface StoredChannel<C = unknown> {
  id: string;
  kind: string;
  config: C;
  enabled: boolean;
  disabledAt?: number;
  /** e.g. `the endpoint answered 410 Gone`. */
  disabledReason?: string;
  /** Quoted; changes with every change (configuration, enabling, disabling). */
  etag: string;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
}

export interface ChannelInput<C = unknown> {
  id: string;
  kind: string;
  config: C;
  at: number;
  by: string;
}

/** As CalendarPut: `ifMatch` undefined writes regardless, null only creates, a string must be the current ETag. */
export type ChannelPut = { status: 'created' | 'updated'; channel: StoredChannel } | { status: 'stale'; current?: StoredChannel };

export type ChannelEnabled = { status: 'changed' | 'unchanged'; channel: StoredChannel } | { status: 'not_found' };

export interface ChannelStore {
  putChannel(tenant: TenantId, channel: ChannelInput, ifMatch?: string | null, audit?: AuditInput): Promise<ChannelPut>;
  getChannel<C = unknown>(tenant: TenantId, id: string): Promise<StoredChannel<C> | undefined>;
  /** By id. */
  listChannels<C = unknown>(tenant: TenantId): Promise<StoredChannel<C>[]>;
  deleteChannel(tenant: TenantId, id: string, ifMatch?: string, audit?: AuditInput): Promise<'deleted' | 'not_found' | 'stale'>;
  /** Enables, or disables with a reason (`unchanged` when it already was). */
  setChannelEnabled(
    tenant: TenantId,
    id: string,
    change: { enabled: boolean; reason?: string; at: number; by: string },
    audit?: AuditInput,
  ): Promise<ChannelEnabled>;
}

// --- silences ------------------------------------------------------------------------------------

export interface NewSilence<M = unknown> {
  id: string;
  /** Which alerts it silences (the alerts core decides how they match). */
  matchers: M;
  startsAt: number;
  /** After `startsAt` (else StoreError, data `invalid`). */
  endsAt: number;
  createdAt: number;
  createdBy: string;
  comment?: string;
}

/** Active at t when startsAt <= t < endsAt and not expired at or before t. */
export interface StoredSilence<M = unknown> extends NewSilence<M> {
  /** Ended early by hand. */
  expiredAt?: number;
  expiredBy?: string;
}

export type SilenceExpired =
  | { status: 'expired'; silence: StoredSilence }
  /** Over already at that instant (its end passed, or expired before): nothing was written. */
  | { status: 'ended'; silence: StoredSilence }
  | { status: 'not_found' };

export interface SilenceStore {
  createSilence<M>(tenant: TenantId, silence: NewSilence<M>, audit?: AuditInput): Promise<Created<StoredSilence<M>>>;
  getSilence<M = unknown>(tenant: TenantId, id: string): Promise<StoredSilence<M> | undefined>;
  /** By id; `activeAt`: only the silences active at that instant. */
  listSilences<M = unknown>(tenant: TenantId, filter?: { activeAt?: number } & PageRequest): Promise<Page<StoredSilence<M>>>;
  /** Ends a silence at `at` (kept, for the record). */
  expireSilence(tenant: TenantId, id: string, expire: { at: number; by: string }, audit?: AuditInput): Promise<SilenceExpired>;
}

// --- timers --------------------------------------------------------------------------------------

/** A scheduled instant: the next threshold of a clock, the end of a grouping interval. */
export interface TimerInput<P = unknown> {
  /** Unique per tenant; scheduling a key again reschedules it. */
  key: string;
  fireAt: number;
  payload: P;
}

export interface StoredTimer<P = unknown> extends TimerInput<P> {
  /** Moves with every reschedule and every claim: the fencing token of a claim. */
  revision: number;
  /** While a worker holds it. */
  lease?: { worker: string; claimedAt: number; until: number };
}

export interface ClaimedTimer<P = unknown> extends StoredTimer<P> {
  tenant: TenantId;
  lease: { worker: string; claimedAt: number; until: number };
}

export type TimerCompleted = 'completed' | 'stale' | 'not_found';

export interface TimerStore {
  /**
   * Upserts by key. A timer whose instant or payload changes is scheduled again (also one being
   * fired: its claim becomes stale, so the new instant is not lost); the same instant and payload
   * changes nothing. Returns how many were scheduled or rescheduled.
   */
  scheduleTimers(tenant: TenantId, timers: readonly TimerInput[]): Promise<number>;
  /** Deletes by key, claimed or not; returns how many there were. */
  cancelTimers(tenant: TenantId, keys: readonly string[]): Promise<number>;
  getTimer<P = unknown>(tenant: TenantId, key: string): Promise<StoredTimer<P> | undefined>;
  /** By (fireAt, key); `dueBy`: only those firing at or before it. */
  listTimers<P = unknown>(tenant: TenantId, filter?: { dueBy?: number } & PageRequest): Promise<Page<StoredTimer<P>>>;
  /** As claimNotifications: due timers (and claimed ones whose lease ran out), of every tenant or one. */
  claimTimers<P = unknown>(claim: ClaimRequest): Promise<ClaimedTimer<P>[]>;
  /**
   * When the earliest of these timers can next be claimed: its instant while scheduled, its lease's
   * end while claimed; null when there is none. One query over every tenant (the timer loops sleep
   * until it: app/timer-loop.ts), never a page through each tenant's timers.
   */
  earliestTimer(filter?: TimerKindFilter): Promise<number | null>;
  /**
   * Done with a fired timer, only by the holder of the current claim (`revision` is the fencing
   * token): deleted, or with `next`, scheduled again (e.g. "breached for N" repeats).
   */
  completeTimer(
    tenant: TenantId,
    key: string,
    lease: { worker: string; revision: number },
    next?: { fireAt: number; payload?: unknown },
  ): Promise<TimerCompleted>;
}

// --- report schedules ----------------------------------------------------------------------------

/** The timers of report schedules: `report:<id>` (the next occurrence), `report:<id>@<period>` (a run asked for by hand). */
export const REPORT_TIMER_PREFIX = 'report:';
/** The timers of built-in monitors: `monitor:<id>`, the monitor's next check (app/monitors/runner.ts). */
export const MONITOR_TIMER_PREFIX = 'monitor:';
/** The timers of Prometheus measurements: `prometheus:tenant`, the tenant's next one (app/prometheus/runner.ts). */
export const PROMETHEUS_TIMER_PREFIX = 'prometheus:';
/** Timer kinds that have their own worker: the alert scheduler claims every timer but these. */
export const OWN_WORKER_TIMER_PREFIXES: readonly string[] = [REPORT_TIMER_PREFIX, MONITOR_TIMER_PREFIX, PROMETHEUS_TIMER_PREFIX];

/** A report schedule (src/app/reports/schedules.ts holds what `spec` means). */
export interface StoredReportSchedule<S = unknown> {
  id: string;
  spec: S;
  /** Quoted; changes with every change. */
  etag: string;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
}

export interface ReportScheduleInput<S = unknown> {
  id: string;
  spec: S;
  at: number;
  by: string;
}

/** One file attached to a scheduled e-mail: a stored rendering of a service report revision. */
export interface ReportAttachmentRef {
  agreement: string;
  period: string;
  revision: number;
  /** As service_report_files: 'pdf:en', 'html:ar', 'csv'. */
  variant: string;
  mediaType: string;
}

export interface NewReportDelivery {
  scheduleId: string;
  period: string;
  recipient: string;
  /** The outbox row that sends it, written in the same transaction. */
  notification: NewNotification;
  reports: ReportAttachmentRef[];
  /** e.g. that the PDF could not be made and HTML was sent instead. */
  note?: string;
  createdAt: number;
}

export interface StoredReportDelivery {
  /** Assigned by the store: the order deliveries were recorded in. */
  seq: number;
  scheduleId: string;
  period: string;
  recipient: string;
  notificationKey: string;
  reports: ReportAttachmentRef[];
  note?: string;
  createdAt: number;
  /** Its outbox row as it is now (absent only if that row was removed). */
  notification?: Pick<StoredNotification, 'id' | 'channelId' | 'state' | 'attempts' | 'lastError' | 'deliveredAt' | 'nextAttemptAt'>;
}

export interface ReportDeliveryFilter extends PageRequest {
  scheduleId?: string;
  /** Deliveries that attach a report of this agreement. */
  agreementId?: string;
  period?: string;
}

export interface ReportScheduleStore {
  /**
   * Creates or replaces a schedule (`ifMatch` as putChannel) and, in the same transaction, sets its
   * timer `report:<id>`: scheduled at `timer.fireAt`, or deleted when `timer` is null (disabled).
   */
  putReportSchedule<S>(
    tenant: TenantId,
    s: ReportScheduleInput<S>,
    timer: TimerInput | null,
    ifMatch?: string | null,
    audit?: AuditInput,
  ): Promise<{ status: 'created' | 'updated'; schedule: StoredReportSchedule<S> } | { status: 'stale'; current?: StoredReportSchedule<S> }>;
  getReportSchedule<S = unknown>(tenant: TenantId, id: string): Promise<StoredReportSchedule<S> | undefined>;
  /** By id. */
  listReportSchedules<S = unknown>(tenant: TenantId): Promise<StoredReportSchedule<S>[]>;
  /** Deletes the schedule and its timers (`report:<id>`, `report:<id>@...`); its deliveries stay. */
  deleteReportSchedule(tenant: TenantId, id: string, ifMatch?: string, audit?: AuditInput): Promise<'deleted' | 'not_found' | 'stale'>;
  /**
   * Records deliveries and writes their outbox rows in one transaction. A delivery already recorded
   * for its (schedule, period, recipient) is left as it is, and so is its outbox row (same key).
   * Returns how many were recorded now.
   */
  recordReportDeliveries(tenant: TenantId, deliveries: readonly NewReportDelivery[]): Promise<number>;
  /** Newest first. */
  listReportDeliveries(tenant: TenantId, filter?: ReportDeliveryFilter): Promise<Page<StoredReportDelivery>>;
}

// --- status pages and incidents ------------------------------------------------------------------

/** A public status page (src/app/status-pages/ holds what `spec` means). */
export interface StoredStatusPage<S = unknown> {
  id: string;
  /** Where it is served, under the server's prefix; unique across tenants (the URL names none). */
  path: string;
  spec: S;
  /** Quoted; changes with every change. */
  etag: string;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
}

export interface StatusPageInput<S = unknown> {
  id: string;
  path: string;
  spec: S;
  at: number;
  by: string;
}

/** As ChannelPut, and `path_taken` when another page (of any tenant) is served at that path. */
export type StatusPagePut<S = unknown> =
  | { status: 'created' | 'updated'; page: StoredStatusPage<S> }
  | { status: 'stale'; current?: StoredStatusPage<S> }
  | { status: 'path_taken' };

/** An incident told to the public: its document (services, level, updates) is replaced whole under its ETag. */
export interface StoredIncident<D = unknown> {
  id: string;
  doc: D;
  openedAt: number;
  /** Absent while open. */
  resolvedAt?: number;
  etag: string;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
}

export interface IncidentInput<D = unknown> {
  id: string;
  doc: D;
  openedAt: number;
  resolvedAt?: number;
  at: number;
  by: string;
}

export interface StatusPageStore {
  /** Creates or replaces a page (`ifMatch` as putChannel); `path_taken` changes nothing. */
  putStatusPage<S>(tenant: TenantId, page: StatusPageInput<S>, ifMatch?: string | null, audit?: AuditInput): Promise<StatusPagePut<S>>;
  getStatusPage<S = unknown>(tenant: TenantId, id: string): Promise<StoredStatusPage<S> | undefined>;
  /** By id. */
  listStatusPages<S = unknown>(tenant: TenantId): Promise<StoredStatusPage<S>[]>;
  deleteStatusPage(tenant: TenantId, id: string, ifMatch?: string, audit?: AuditInput): Promise<'deleted' | 'not_found' | 'stale'>;
  /** The page served at `path`, whichever tenant it belongs to (the public route knows only the path). */
  findStatusPageByPath<S = unknown>(path: string): Promise<{ tenant: TenantId; page: StoredStatusPage<S> } | undefined>;
  /** Creates or replaces an incident (`ifMatch` as putChannel: null only creates, a string must be current). */
  putIncident<D>(
    tenant: TenantId,
    incident: IncidentInput<D>,
    ifMatch?: string | null,
    audit?: AuditInput,
  ): Promise<{ status: 'created' | 'updated'; incident: StoredIncident<D> } | { status: 'stale'; current?: StoredIncident<D> }>;
  getIncident<D = unknown>(tenant: TenantId, id: string): Promise<StoredIncident<D> | undefined>;
  /**
   * Newest opened first (then by id): the open incidents and those resolved at or after
   * `resolvedSince` (all, when it is absent), at most `limit` (default 1000).
   */
  listIncidents<D = unknown>(tenant: TenantId, filter?: { resolvedSince?: number; limit?: number }): Promise<StoredIncident<D>[]>;
}

// --- built-in monitors ---------------------------------------------------------------------------

/** A built-in monitor (src/app/monitors/ holds what `spec` and `state` mean). */
export interface StoredMonitor<S = unknown, R = unknown> {
  id: string;
  spec: S;
  paused: boolean;
  /** A heartbeat monitor's push token, hashed (SHA-256, as API tokens); never the token itself. */
  tokenHash?: string;
  /** What the checks found so far (status, consecutive failures, last check); null before the first. */
  state: R | null;
  /** Quoted; changes with every change of spec or pause (not with the state). */
  etag: string;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
}

export interface MonitorInput<S = unknown> {
  id: string;
  spec: S;
  paused: boolean;
  /** A new push token's hash; absent: keep the stored one; null: none. */
  tokenHash?: string | null;
  /** Reset the state (null) or keep it (absent). */
  state?: null;
  at: number;
  by: string;
}

export interface MonitorStore {
  /**
   * Creates or replaces a monitor (`ifMatch` as putChannel) and, in the same transaction, sets its
   * timer `monitor:<id>`: scheduled at `timer.fireAt`, or deleted when `timer` is null (paused).
   */
  putMonitor<S>(
    tenant: TenantId,
    m: MonitorInput<S>,
    timer: TimerInput | null,
    ifMatch?: string | null,
    audit?: AuditInput,
  ): Promise<{ status: 'created' | 'updated'; monitor: StoredMonitor<S> } | { status: 'stale'; current?: StoredMonitor<S> }>;
  getMonitor<S = unknown, R = unknown>(tenant: TenantId, id: string): Promise<StoredMonitor<S, R> | undefined>;
  /** By id. */
  listMonitors<S = unknown, R = unknown>(tenant: TenantId): Promise<StoredMonitor<S, R>[]>;
  /** Deletes the monitor and its timer; the events its checks wrote stay (they are facts). */
  deleteMonitor(tenant: TenantId, id: string, ifMatch?: string, audit?: AuditInput): Promise<'deleted' | 'not_found' | 'stale'>;
  /**
   * Records what a check found (the etag does not move); false when the monitor is gone, or, with
   * `expected`, when its state is no longer the one read (a push, a check or a reset wrote since:
   * compare and set, so a check and a heartbeat push never overwrite each other's state).
   */
  setMonitorState(tenant: TenantId, id: string, state: unknown, expected?: { state: unknown }): Promise<boolean>;
  /** The monitor whose push token hashes to this, of any tenant (the token names both). */
  monitorByTokenHash<S = unknown, R = unknown>(tokenHash: string): Promise<{ tenant: TenantId; monitor: StoredMonitor<S, R> } | undefined>;
}

// ---------------------------------------------------------------------------------------------
// The whole store

export interface MigrationReport {
  /** Migrations applied by this call, by name (e.g. `20261123_001_initial`). */
  applied: string[];
  /** Every migration the database has now. */
  current: string[];
}

// --- sources (service desk webhooks) ------------------------------------------------------------

/**
 * A service desk sending events (src/app/sources.ts holds what `config` means: the sealed signing
 * secret, the mapping, the defaults). `hook` is the random key of its webhook URL, unique across
 * tenants: the webhook route has no API token, and finds the tenant by it.
 */
export interface StoredSource<C = unknown> {
  id: string;
  vendor: string;
  hook: string;
  config: C;
  /** Quoted; changes with every change. */
  etag: string;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
}

export interface SourceInput<C = unknown> {
  id: string;
  vendor: string;
  /** Used when the source is created; a replacement keeps its hook (the URL set in the desk stays valid). */
  hook: string;
  config: C;
  at: number;
  by: string;
}

export interface SourceStore {
  putSource<C>(
    tenant: TenantId,
    s: SourceInput<C>,
    audit?: AuditInput,
  ): Promise<{ status: 'created' | 'updated'; source: StoredSource<C> }>;
  getSource<C = unknown>(tenant: TenantId, id: string): Promise<StoredSource<C> | undefined>;
  /** By id. */
  listSources<C = unknown>(tenant: TenantId): Promise<StoredSource<C>[]>;
  /** Its delivery records go with it. */
  deleteSource(tenant: TenantId, id: string, audit?: AuditInput): Promise<'deleted' | 'not_found'>;
  /** The source of a webhook URL, in any tenant. */
  findSourceByHook<C = unknown>(hook: string): Promise<{ tenant: TenantId; source: StoredSource<C> } | undefined>;
  /**
   * Records a delivery of a source by the vendor's delivery id: 'new' the first time, 'seen' after
   * (also when two requests record it at once: one wins). `events`: how many it stored.
   */
  recordSourceDelivery(tenant: TenantId, source: string, delivery: string, at: number, events: number): Promise<'new' | 'seen'>;
  /** Whether a delivery of the source is recorded. */
  hasSourceDelivery(tenant: TenantId, source: string, delivery: string): Promise<boolean>;
  /**
   * Appends an entry to the source's delivery log and, in the same transaction, drops all but its
   * newest `keep` entries. 'not_found' when the source does not exist (then nothing is written).
   * The log is not the idempotency record (recordSourceDelivery is).
   */
  appendSourceDeliveryLog(tenant: TenantId, source: string, entry: SourceDeliveryEntry, keep: number): Promise<'appended' | 'not_found'>;
  /** The source's delivery log, newest first (the order of appending), at most `limit` entries. */
  listSourceDeliveryLog(tenant: TenantId, source: string, limit: number): Promise<SourceDeliveryEntry[]>;
  /** The newest log entry of each of the tenant's sources that has one, by source id (one query). */
  lastSourceDeliveries(tenant: TenantId): Promise<Map<string, SourceDeliveryEntry>>;
}

/** One delivery attempt to a source, as its delivery log keeps it. */
export interface SourceDeliveryEntry {
  at: number;
  /** The vendor's delivery id (or sha256: of the body); null when refused before it was read. */
  delivery: string | null;
  outcome: 'stored' | 'duplicate' | 'refused';
  /** The HTTP status answered. */
  status: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Why it was refused (the first issue), or ''; never the body, a secret or a header value. */
  detail: string;
}

export interface Store
  extends TenantStore,
    UserStore,
    SignInStore,
    ServiceReportStore,
    AgreementStore,
    CalendarStore,
    EventStore,
    DerivedStore,
    AuditStore,
    AlertStore,
    OutboxStore,
    ChannelStore,
    SilenceStore,
    TimerStore,
    ReportScheduleStore,
    MonitorStore,
    SourceStore,
    StatusPageStore {
  readonly kind: 'sqlite' | 'postgres';
  /** For readiness probes: resolves when the database answers, else a StoreError. */
  ping(): Promise<void>;
  /** Migrations applied when this store was opened. */
  readonly migrations: MigrationReport;
  close(): Promise<void>;
}

export type StoreConfig =
  | { kind: 'sqlite'; path: string }
  /** `schema`: keep Pledge's tables in this schema (created if missing) instead of `public`. */
  /**
   * `statementTimeoutMs`: PostgreSQL's statement_timeout on every pooled connection, so a runaway
   * query cannot hold a connection (0 or absent: the server's own setting). Migrations run without it.
   */
  | { kind: 'postgres'; url: string; schema?: string; poolSize?: number; statementTimeoutMs?: number };
