/**
 * Configuration: one schema, read once at start-up from the environment and passed down. Nothing
 * reads the environment at import time, and no secret has a default.
 */
import { z } from 'zod';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { validate } from '../core/validation/zod.ts';
import type { Result } from '../core/validation/issues.ts';
import { parseDuration } from '../core/time/duration.ts';
import { parseSecretKeys, type Keyring } from '../delivery/secrets.ts';

const port = z.coerce.number().int().min(0).max(65535);

function list(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

/** `*`, or an origin exactly as browsers send it: scheme://host[:port], nothing after. */
function isOrigin(s: string): boolean {
  if (s === '*') return true;
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === s;
  } catch {
    return false;
  }
}
const originMessage =
  'expected origins such as https://app.example.com (scheme, host, optional port; no path or trailing slash), comma-separated, or *';

function isProxy(s: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(s)) return true;
  const [addr, bits, ...rest] = s.split('/');
  const v = isIP(addr ?? '');
  if (v === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (v === 4 ? 32 : 128));
}
const proxyMessage =
  'expected proxy addresses or CIDR ranges such as 10.0.0.1 or 10.0.0.0/8 (or loopback, linklocal, uniquelocal), comma-separated';

/** A fixed duration (`30s`, `2m`, `1h30m`, `1d`, `PT30S`), or `0` for none; to milliseconds. */
const duration = z.string().transform((s, ctx) => {
  if (s.trim() === '0') return 0;
  const d = parseDuration(s);
  if (d.ok && d.value.kind === 'fixed' && Number.isFinite(d.value.ms)) return Math.round(d.value.ms);
  ctx.addIssue({ code: 'custom', message: 'expected a duration such as 500ms, 30s, 2m, 1h or 1d (or 0 for none)' });
  return z.NEVER;
});

/** A timeout: Node's timers and PostgreSQL take at most 2^31-1 ms (Node turns more into 1 ms!). */
const timeout = duration.pipe(z.number().max(2_147_483_647, 'at most 24 days (2147483647 ms)'));

const fields = {
  /** PostgreSQL when set (postgres://...); SQLite in PLEDGE_DATA_DIR otherwise. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a PostgreSQL URL such as postgres://user:password@host:5432/pledge')
    .optional(),
  PLEDGE_DATA_DIR: z.string().min(1).default('./data'),
  PLEDGE_HOST: z.string().min(1).default('127.0.0.1'),
  PLEDGE_PORT: port.default(8080),
  PLEDGE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Ingestion limits per request (docs/events.md). */
  PLEDGE_MAX_BATCH_EVENTS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  PLEDGE_MAX_BATCH_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024)
    .default(10 * 1024 * 1024),
  /**
   * Pledge's own tests only, never in production: a folder where the server's writes of derived
   * results wait to be released (src/store/testing/hold-derived-writes.ts).
   */
  PLEDGE_TEST_HOLD_DERIVED_WRITES: z.string().min(1).optional(),
  /** Web origins whose pages may call the API from a browser (CORS); none by default (docs/api.md). */
  PLEDGE_CORS_ORIGINS: z
    .string()
    .default('')
    .transform(list)
    .pipe(z.array(z.string().refine(isOrigin, originMessage))),
  /** Failed authentications a client address may make per window before it is refused with 429. */
  PLEDGE_AUTH_FAILURE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(10),
  PLEDGE_AUTH_FAILURE_WINDOW: z.coerce.number().int().min(1).max(86_400).default(60),
  /** Reverse proxies whose X-Forwarded-For is believed (addresses, CIDR ranges, or loopback/linklocal/uniquelocal). */
  PLEDGE_TRUST_PROXY: z
    .string()
    .default('')
    .transform(list)
    .pipe(z.array(z.string().refine(isProxy, proxyMessage))),
  /** How far in the future an ingested event may be, after the receiving clock (docs/events.md). */
  PLEDGE_MAX_CLOCK_SKEW: duration.prefault('1d'),
  /**
   * Timeouts (docs/operations.md, "Timeouts"): so a slow or stalled client cannot hold a connection,
   * and a runaway query cannot hold a database connection.
   */
  PLEDGE_HEADERS_TIMEOUT: timeout.prefault('10s'),
  PLEDGE_REQUEST_TIMEOUT: timeout.prefault('60s'),
  PLEDGE_IDLE_TIMEOUT: timeout.prefault('120s'),
  // Not 0: Node would then keep idle connections open for ever.
  PLEDGE_KEEP_ALIVE_TIMEOUT: timeout
    .pipe(z.number().min(1, 'must be longer than 0: idle connections would never be closed'))
    .prefault('72s'),
  PLEDGE_DB_STATEMENT_TIMEOUT: timeout.prefault('30s'),
  /** `pledge serve` runs the background workers (scheduler, delivery) unless `off` (docs/operations.md). */
  PLEDGE_WORKERS: z.enum(['on', 'off']).default('on'),
  /** The alert scheduler's longest sleep: how soon it sees events and timers written by other processes (docs/alerts.md). */
  PLEDGE_SCHEDULER_POLL: timeout.pipe(z.number().min(100, 'at least 100ms')).prefault('5s'),
  /** How long a scheduler's claim on due timers lasts: how soon another takes over the timers of one that died. */
  PLEDGE_SCHEDULER_LEASE: timeout.pipe(z.number().min(1000, 'at least 1s')).prefault('60s'),
  /**
   * Delivery (docs/operations.md, "Delivery workers"). The key that decrypts channels' `enc:v1:`
   * secrets: optional, no default; without it such channels fail with a message saying so.
   */
  PLEDGE_SECRET_KEY: z.string().optional(),
  /** The server's address as users reach it: links in alert messages are made absolute against it. */
  PLEDGE_PUBLIC_URL: z
    .string()
    .refine((s) => /^https?:\/\//.test(s) && URL.canParse(s), 'expected an http(s) URL such as https://pledge.example.com')
    .optional(),
  PLEDGE_DELIVERY_BATCH: z.coerce.number().int().min(1).max(1000).default(100),
  PLEDGE_DELIVERY_LEASE: timeout.pipe(z.number().min(1000, 'at least 1s')).prefault('2m'),
  PLEDGE_DELIVERY_POLL: timeout.pipe(z.number().min(10, 'at least 10ms')).prefault('1s'),
  PLEDGE_DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(8),
  PLEDGE_DELIVERY_GROUP_INTERVAL: timeout.pipe(z.number().min(1, 'longer than 0')).prefault('1m'),
  PLEDGE_DELIVERY_GROUP_BURST: z.coerce.number().int().min(1).max(1_000_000).default(3),
  /** Where public status pages are served: `<prefix>/<path>` (docs/status-page.md). */
  PLEDGE_STATUS_PREFIX: z
    .string()
    .regex(/^(\/[a-z0-9][a-z0-9-]*)+$/, 'expected a path such as /status (lower-case segments, no trailing slash)')
    .refine((s) => !/^\/(v1|healthz|readyz|metrics|openapi\.json|docs|assets)(\/|$)/.test(s), 'must not be a path of the API or the app')
    .default('/status'),
  /** How long browsers and proxies may keep a status page (Cache-Control max-age): also how often it is recomputed. */
  PLEDGE_STATUS_MAX_AGE: timeout.pipe(z.number().min(1000, 'at least 1s').max(3_600_000, 'at most 1h')).prefault('60s'),
  /** The Prometheus that ratio targets are measured from (docs/prometheus.md); none: they are no data. */
  PLEDGE_PROMETHEUS_URL: z
    .string()
    .refine((s) => /^https?:\/\//.test(s) && URL.canParse(s), 'expected an http(s) URL such as http://prometheus:9090')
    .optional(),
  /** How long one Prometheus query may take before the measurement is given up (and retried later). */
  PLEDGE_PROMETHEUS_TIMEOUT: timeout
    .pipe(z.number().min(100, 'at least 100ms').max(240_000, 'at most 4m (a run stops at half its 10-minute lease; one query must fit)'))
    .prefault('10s'),
  /** How often the server measures each tenant's ratio targets from Prometheus (src/app/prometheus/runner.ts). */
  PLEDGE_PROMETHEUS_INTERVAL: timeout.pipe(z.number().min(1000, 'at least 1s')).prefault('5m'),
  /** How far back the server gives ended windows their missing final figure (backfill; src/app/prometheus/runner.ts). */
  PLEDGE_PROMETHEUS_LOOKBACK: duration
    .pipe(
      z
        .number()
        .min(0)
        .max(400 * 86_400_000, 'at most 400d'),
    )
    .prefault('35d'),
  /** The shortest interval a built-in monitor may have (docs/monitors.md): outbound traffic is the operator's to bound. */
  PLEDGE_MONITOR_MIN_INTERVAL: timeout.pipe(z.number().min(100, 'at least 100ms')).prefault('10s'),
  /**
   * How long an instance's claim on a monitor's check lasts: how soon another instance runs the checks
   * of one that died mid-check. Above two timeouts (a check and its confirmation), or a slow check may
   * be run again by another instance (its events are the same; only the request is repeated).
   */
  PLEDGE_MONITOR_LEASE: timeout.pipe(z.number().min(1000, 'at least 1s')).prefault('3m'),
};

export const configSchema = z
  .object(fields)
  .refine((c) => c.PLEDGE_HEADERS_TIMEOUT === 0 || c.PLEDGE_REQUEST_TIMEOUT === 0 || c.PLEDGE_HEADERS_TIMEOUT <= c.PLEDGE_REQUEST_TIMEOUT, {
    message: 'must not be longer than PLEDGE_REQUEST_TIMEOUT (the headers are part of the request)',
    path: ['PLEDGE_HEADERS_TIMEOUT'],
  });

export type RawConfig = z.output<typeof configSchema>;

export interface Config {
  store: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; statementTimeoutMs: number };
  host: string;
  port: number;
  logLevel: RawConfig['PLEDGE_LOG_LEVEL'];
  limits: { batchEvents: number; batchBytes: number; maxClockSkewMs: number };
  /** Milliseconds; 0 means none. The database's statement timeout is in `store`. */
  timeouts: Timeouts;
  /** Hooks for Pledge's own process tests (PLEDGE_TEST_*); absent in production. */
  testHooks?: { holdDerivedWrites?: string };
  /** Origins allowed to call the API from a browser; empty: cross-origin calls are refused. `*`: any. */
  corsOrigins: string[];
  /** Failed authentications per client address and window before 429 (src/http/security.ts). */
  authFailures: { limit: number; windowSeconds: number };
  /** Proxies trusted to name the client (X-Forwarded-For); empty: the socket's peer is the client. */
  trustProxy: string[];
  /** Whether `pledge serve` runs the background workers (PLEDGE_WORKERS). */
  workers: 'on' | 'off';
  delivery: DeliveryConfig;
  /** The alert scheduler (PLEDGE_SCHEDULER_POLL, PLEDGE_SCHEDULER_LEASE); absent: the defaults. */
  scheduler?: { pollMs: number; leaseMs?: number };
  /** Where ratio targets are measured (PLEDGE_PROMETHEUS_URL, _TIMEOUT, _INTERVAL); absent: no Prometheus. */
  prometheus?: PrometheusConfig;
  /** PLEDGE_SECRET_KEY as given (checked by parseSecretKeys); absent: no plain channel secrets over the API. */
  secretKeys?: string;
  /** Public status pages (PLEDGE_STATUS_PREFIX, PLEDGE_STATUS_MAX_AGE); absent: /status, 60 s. */
  statusPages?: { prefix: string; maxAgeMs: number };
  /** Built-in monitors (PLEDGE_MONITOR_MIN_INTERVAL, PLEDGE_MONITOR_LEASE); absent: the defaults. */
  monitors?: { minIntervalMs: number; leaseMs?: number };
}

/** The delivery loop (src/app/delivery/worker.ts). */
export interface PrometheusConfig {
  /** Base URL of the Prometheus HTTP API (its /api/v1/query is called). */
  url: string;
  timeoutMs: number;
  /** How often the server measures on its own (PLEDGE_PROMETHEUS_INTERVAL); absent: DEFAULT_PROMETHEUS_INTERVAL_MS. */
  intervalMs?: number;
  /** How far back ended windows get their missing final figure (PLEDGE_PROMETHEUS_LOOKBACK); absent: DEFAULT_PROMETHEUS_LOOKBACK_MS. */
  lookbackMs?: number;
}

export const DEFAULT_PROMETHEUS_INTERVAL_MS = 300_000;
/** 35 days: the previous month always, and Prometheus' default retention (15 days) with room for a longer one. */
export const DEFAULT_PROMETHEUS_LOOKBACK_MS = 35 * 86_400_000;

export interface DeliveryConfig {
  /** Decrypts `enc:v1:` channel secrets (PLEDGE_SECRET_KEY); absent: such channels fail, saying why. */
  keyring?: Keyring;
  publicUrl?: string;
  /** Notifications claimed at once. */
  batch: number;
  /** How long a claim lasts: longer than the slowest delivery (15 s HTTP, 30 s per SMTP step). */
  leaseMs: number;
  /** How often an idle worker looks for due notifications. */
  pollMs: number;
  /** Deliveries in flight at once per worker. */
  concurrency: number;
  /** Storm grouping (src/core/alerts/grouping.ts): at most `burst` messages per channel per `intervalMs`. */
  grouping: { intervalMs: number; burst: number };
}

export const DEFAULT_DELIVERY: DeliveryConfig = {
  batch: 100,
  leaseMs: 120_000,
  pollMs: 1000,
  concurrency: 8,
  grouping: { intervalMs: 60_000, burst: 3 },
};

export interface Timeouts {
  /** To receive a request's headers. */
  headersMs: number;
  /** To receive a whole request, headers and body: a body trickling in slower is cut off (408). */
  requestMs: number;
  /** A connection on which nothing is sent or received for this long is closed. */
  idleMs: number;
  /** How long an idle keep-alive connection is kept open between requests. */
  keepAliveMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { headersMs: 10_000, requestMs: 60_000, idleMs: 120_000, keepAliveMs: 72_000 };
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_CLOCK_SKEW_MS = 86_400_000;

/** Reads the configuration from an environment (process.env at the edge). */
export function loadConfig(env: Record<string, string | undefined>): Result<Config> {
  const picked = Object.fromEntries(
    Object.keys(configSchema.shape)
      .filter((k) => env[k] !== undefined && env[k] !== '')
      .map((k) => [k, env[k]]),
  );
  const r = validate(configSchema, picked);
  if (!r.ok) return r;
  const c = r.value;
  let keyring: Keyring | undefined;
  if (c.PLEDGE_SECRET_KEY !== undefined) {
    const k = parseSecretKeys(c.PLEDGE_SECRET_KEY);
    if (!k.ok) return k;
    keyring = k.value;
  }
  return {
    ok: true,
    value: {
      store: c.DATABASE_URL
        ? { kind: 'postgres', url: c.DATABASE_URL, statementTimeoutMs: c.PLEDGE_DB_STATEMENT_TIMEOUT }
        : { kind: 'sqlite', path: resolve(c.PLEDGE_DATA_DIR, 'pledge.db') },
      host: c.PLEDGE_HOST,
      port: c.PLEDGE_PORT,
      logLevel: c.PLEDGE_LOG_LEVEL,
      limits: { batchEvents: c.PLEDGE_MAX_BATCH_EVENTS, batchBytes: c.PLEDGE_MAX_BATCH_BYTES, maxClockSkewMs: c.PLEDGE_MAX_CLOCK_SKEW },
      timeouts: {
        headersMs: c.PLEDGE_HEADERS_TIMEOUT,
        requestMs: c.PLEDGE_REQUEST_TIMEOUT,
        idleMs: c.PLEDGE_IDLE_TIMEOUT,
        keepAliveMs: c.PLEDGE_KEEP_ALIVE_TIMEOUT,
      },
      ...(c.PLEDGE_TEST_HOLD_DERIVED_WRITES ? { testHooks: { holdDerivedWrites: c.PLEDGE_TEST_HOLD_DERIVED_WRITES } } : {}),
      corsOrigins: c.PLEDGE_CORS_ORIGINS,
      authFailures: { limit: c.PLEDGE_AUTH_FAILURE_LIMIT, windowSeconds: c.PLEDGE_AUTH_FAILURE_WINDOW },
      trustProxy: c.PLEDGE_TRUST_PROXY,
      workers: c.PLEDGE_WORKERS,
      scheduler: { pollMs: c.PLEDGE_SCHEDULER_POLL, leaseMs: c.PLEDGE_SCHEDULER_LEASE },
      delivery: {
        ...(keyring ? { keyring } : {}),
        ...(c.PLEDGE_PUBLIC_URL ? { publicUrl: c.PLEDGE_PUBLIC_URL } : {}),
        batch: c.PLEDGE_DELIVERY_BATCH,
        leaseMs: c.PLEDGE_DELIVERY_LEASE,
        pollMs: c.PLEDGE_DELIVERY_POLL,
        concurrency: c.PLEDGE_DELIVERY_CONCURRENCY,
        grouping: { intervalMs: c.PLEDGE_DELIVERY_GROUP_INTERVAL, burst: c.PLEDGE_DELIVERY_GROUP_BURST },
      },
      ...(c.PLEDGE_SECRET_KEY ? { secretKeys: c.PLEDGE_SECRET_KEY } : {}),
      statusPages: { prefix: c.PLEDGE_STATUS_PREFIX, maxAgeMs: c.PLEDGE_STATUS_MAX_AGE },
      ...(c.PLEDGE_PROMETHEUS_URL
        ? {
            prometheus: {
              url: c.PLEDGE_PROMETHEUS_URL,
              timeoutMs: c.PLEDGE_PROMETHEUS_TIMEOUT,
              intervalMs: c.PLEDGE_PROMETHEUS_INTERVAL,
              lookbackMs: c.PLEDGE_PROMETHEUS_LOOKBACK,
            },
          }
        : {}),
      monitors: { minIntervalMs: c.PLEDGE_MONITOR_MIN_INTERVAL, leaseMs: c.PLEDGE_MONITOR_LEASE },
    },
  };
}

/**
 * One option read alone, for the CLI commands that work on a database given with --db and need
 * one setting (the clock skew for `ingest`, the statement timeout) without the whole server
 * configuration; a bad value is an error naming the variable, as for `loadConfig`.
 */
export function loadOption<K extends keyof typeof fields>(env: Record<string, string | undefined>, key: K): Result<RawConfig[K]> {
  const given = env[key];
  const r = validate(z.object({ [key]: fields[key] }), given === undefined || given === '' ? {} : { [key]: given });
  return r.ok ? { ok: true, value: (r.value as Record<string, unknown>)[key] as RawConfig[K] } : r;
}
