/**
 * Configuration: one schema, read once at start-up from the environment and passed down. Nothing
 * reads the environment at import time, and no secret has a default.
 */
import { z } from 'zod';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { validate } from '../core/validation/zod.ts';
import type { Result } from '../core/validation/issues.ts';

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

export const configSchema = z.object({
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
  PLEDGE_MAX_BATCH_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(10 * 1024 * 1024),
  /**
   * Pledge's own tests only, never in production: a folder where the server's writes of derived
   * results wait to be released (src/store/testing/hold-derived-writes.ts).
   */
  PLEDGE_TEST_HOLD_DERIVED_WRITES: z.string().min(1).optional(),
  /** Web origins whose pages may call the API from a browser (CORS); none by default (docs/api.md). */
  PLEDGE_CORS_ORIGINS: z.string().default('').transform(list).pipe(z.array(z.string().refine(isOrigin, originMessage))),
  /** Failed authentications a client address may make per window before it is refused with 429. */
  PLEDGE_AUTH_FAILURE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(10),
  PLEDGE_AUTH_FAILURE_WINDOW: z.coerce.number().int().min(1).max(86_400).default(60),
  /** Reverse proxies whose X-Forwarded-For is believed (addresses, CIDR ranges, or loopback/linklocal/uniquelocal). */
  PLEDGE_TRUST_PROXY: z.string().default('').transform(list).pipe(z.array(z.string().refine(isProxy, proxyMessage))),
});

export type RawConfig = z.output<typeof configSchema>;

export interface Config {
  store: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };
  host: string;
  port: number;
  logLevel: RawConfig['PLEDGE_LOG_LEVEL'];
  limits: { batchEvents: number; batchBytes: number };
  /** Hooks for Pledge's own process tests (PLEDGE_TEST_*); absent in production. */
  testHooks?: { holdDerivedWrites?: string };
  /** Origins allowed to call the API from a browser; empty: cross-origin calls are refused. `*`: any. */
  corsOrigins: string[];
  /** Failed authentications per client address and window before 429 (src/http/security.ts). */
  authFailures: { limit: number; windowSeconds: number };
  /** Proxies trusted to name the client (X-Forwarded-For); empty: the socket's peer is the client. */
  trustProxy: string[];
}

/** Reads the configuration from an environment (process.env at the edge). */
export function loadConfig(env: Record<string, string | undefined>): Result<Config> {
  const picked = Object.fromEntries(Object.keys(configSchema.shape).filter((k) => env[k] !== undefined && env[k] !== '').map((k) => [k, env[k]]));
  const r = validate(configSchema, picked);
  if (!r.ok) return r;
  const c = r.value;
  return {
    ok: true,
    value: {
      store: c.DATABASE_URL ? { kind: 'postgres', url: c.DATABASE_URL } : { kind: 'sqlite', path: resolve(c.PLEDGE_DATA_DIR, 'pledge.db') },
      host: c.PLEDGE_HOST,
      port: c.PLEDGE_PORT,
      logLevel: c.PLEDGE_LOG_LEVEL,
      limits: { batchEvents: c.PLEDGE_MAX_BATCH_EVENTS, batchBytes: c.PLEDGE_MAX_BATCH_BYTES },
      ...(c.PLEDGE_TEST_HOLD_DERIVED_WRITES ? { testHooks: { holdDerivedWrites: c.PLEDGE_TEST_HOLD_DERIVED_WRITES } } : {}),
      corsOrigins: c.PLEDGE_CORS_ORIGINS,
      authFailures: { limit: c.PLEDGE_AUTH_FAILURE_LIMIT, windowSeconds: c.PLEDGE_AUTH_FAILURE_WINDOW },
      trustProxy: c.PLEDGE_TRUST_PROXY,
    },
  };
}
