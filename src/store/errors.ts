/**
 * Infrastructure failures of the store (ARCHITECTURE.md, tier 2): the database is gone, busy, full
 * or refuses. A `StoreError` says whether trying again can help (`retryable`) and keeps the
 * driver's error as `cause`. Edges map it to 503 (retryable) or 500, and the CLI to a message.
 *
 * Expected outcomes (a duplicate event, a stale ETag) are never StoreErrors: they are values.
 *
 * `data` marks a refusal caused by the values sent rather than by the database's state: a value
 * out of range or in the wrong form (PostgreSQL SQLSTATE class 22, SQLite MISMATCH), a constraint
 * (class 23, SQLITE_CONSTRAINT), a value too large to store (54000, SQLITE_TOOBIG). The edges then
 * answer as for bad input (4xx), never 500: the same request will fail again, another need not.
 * The edges validate first (validation/text.ts and the schemas), so this is the last line.
 */
export type DataProblem = 'invalid' | 'conflict' | 'too_large';

export class StoreError extends Error {
  readonly code = 'store_unavailable';
  readonly retryable: boolean;
  /** The store operation that failed, e.g. `appendEvents`. */
  readonly operation: string;
  /** Set when the database refused the data itself (see above). */
  readonly data?: DataProblem;
  /** The driver's code: a SQLSTATE or an SQLite result code. */
  readonly driverCode?: string;

  constructor(
    message: string,
    options: { retryable: boolean; operation: string; cause?: unknown; data?: DataProblem; driverCode?: string },
  ) {
    super(message, { cause: options.cause });
    this.name = 'StoreError';
    this.retryable = options.retryable;
    this.operation = options.operation;
    if (options.data) this.data = options.data;
    if (options.driverCode) this.driverCode = options.driverCode;
  }
}

export function isStoreError(e: unknown): e is StoreError {
  return e instanceof StoreError;
}

/** The SQLite result codes after which the same call can succeed later without anyone acting. */
const SQLITE_RETRYABLE = /^SQLITE_(BUSY|LOCKED)/;

/**
 * SQLite refusals caused by the data. The append-only triggers (SQLITE_CONSTRAINT_TRIGGER) are not
 * among them: they fire only when code tries to rewrite history, which is a bug.
 */
function sqliteData(code: string): DataProblem | undefined {
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'conflict';
  if (code === 'SQLITE_CONSTRAINT_TRIGGER') return undefined;
  if (code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH') return 'invalid';
  if (code === 'SQLITE_TOOBIG') return 'too_large';
  return undefined;
}

/** PostgreSQL refusals caused by the data, by SQLSTATE. */
function postgresData(code: string): DataProblem | undefined {
  if (code === '23505' || code === '23P01') return 'conflict';
  if (code.startsWith('22') || code.startsWith('23')) return 'invalid';
  if (code === '54000') return 'too_large'; // program_limit_exceeded: e.g. a value too long for an index
  return undefined;
}

/** Wraps a better-sqlite3 error. Other errors (our own bugs) pass through unchanged. */
export function fromSqlite(e: unknown, operation: string): unknown {
  if (e instanceof StoreError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  if (!(e instanceof Error) || typeof code !== 'string' || !code.startsWith('SQLITE_')) return e;
  // BUSY: another process held the write lock longer than busy_timeout. FULL, IOERR, CANTOPEN,
  // READONLY, CORRUPT need an operator; constraint errors we did not expect are bugs, but the
  // caller still needs the database's word for it.
  const retryable = SQLITE_RETRYABLE.test(code);
  const data = sqliteData(code);
  return new StoreError(`SQLite ${operation} failed (${code}): ${e.message}`, {
    retryable,
    operation,
    cause: e,
    driverCode: code,
    ...(data ? { data } : {}),
  });
}

/**
 * PostgreSQL SQLSTATE classes and codes after which a retry can help: connection trouble (08),
 * serialization failures and deadlocks (40001, 40P01), too many connections or out of resources
 * (53), the server shutting down or starting (57P01-57P03), lock timeouts (55P03).
 */
const PG_RETRYABLE_CODES = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '57014']);
const PG_RETRYABLE_CLASSES = new Set(['08', '53']);
/** Node socket errors: the server is unreachable or went away. */
const NET_RETRYABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/** Wraps a pg error (a server error with a SQLSTATE, or a connection error). */
export function fromPostgres(e: unknown, operation: string): unknown {
  if (e instanceof StoreError) return e;
  if (!(e instanceof Error)) return e;
  const code = (e as { code?: unknown }).code;
  const fromServer = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
  const fromNet = typeof code === 'string' && NET_RETRYABLE.has(code);
  // pg reports a dropped connection or a pool timeout without a code.
  const connectionLost =
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended/i.test(
      e.message,
    );
  if (!fromServer && !fromNet && !connectionLost) return e;
  const retryable =
    fromNet || connectionLost || (fromServer && (PG_RETRYABLE_CODES.has(code) || PG_RETRYABLE_CLASSES.has(code.slice(0, 2))));
  const data = fromServer ? postgresData(code) : undefined;
  return new StoreError(`PostgreSQL ${operation} failed${fromServer || fromNet ? ` (${code})` : ''}: ${e.message}`, {
    retryable,
    operation,
    cause: e,
    ...(typeof code === 'string' ? { driverCode: code } : {}),
    ...(data ? { data } : {}),
  });
}
