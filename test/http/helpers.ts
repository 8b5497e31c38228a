/**
 * HTTP tests run the real server (Fastify's inject, no socket) on a real SQLite store in a temporary
 * folder. One store per test file; every test gets a fresh tenant with one token per role, so tests
 * never share data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { openStore, generateTokenSecret, hashTokenSecret } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { ROLES, type Role } from '../../src/core/access/policy.ts';
import { DEFAULT_DELIVERY, DEFAULT_MAX_CLOCK_SKEW_MS, DEFAULT_TIMEOUTS, type Config } from '../../src/app/config.ts';
import { buildServer } from '../../src/http/server.ts';
import type { ScryptParams } from '../../src/app/passwords.ts';
import { sharedChecker } from './documented.ts';

export const T0 = Date.UTC(2026, 9, 1, 8, 0, 0);

export interface TestStore {
  store: Store;
  close(): Promise<void>;
}

export async function openTestStore(): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-http-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'pledge.db') });
  return {
    store,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The server's configuration in tests. The failed-authentication limit is out of reach unless a
 * test sets one: the security matrix presents hundreds of bad tokens from one address on purpose.
 */
export function testConfig(limits: Partial<Config['limits']> = {}, more: Partial<Omit<Config, 'limits'>> = {}): Config {
  return {
    store: { kind: 'sqlite', path: ':unused:' },
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    limits: { batchEvents: 10_000, batchBytes: 10 * 1024 * 1024, maxClockSkewMs: DEFAULT_MAX_CLOCK_SKEW_MS, ...limits },
    timeouts: DEFAULT_TIMEOUTS,
    corsOrigins: [],
    authFailures: { limit: 1_000_000, windowSeconds: 60 },
    trustProxy: [],
    workers: 'off',
    delivery: DEFAULT_DELIVERY,
    ...more,
  };
}

export interface Tenant {
  app: FastifyInstance;
  tenant: string;
  /** A token secret per role; the customer token is for customer `acme`. */
  tokens: Record<Role, string>;
  clock: { now: number };
  /** Adds a token (e.g. for another customer, or an expired one) and returns its secret. */
  token(role: Role, opts?: { customer?: string; expiresAt?: number; user?: string }): Promise<string>;
  /** inject with the token of a role (or a secret, or none); the answer is checked against /openapi.json (documented.ts) */
  req(as: Role | { secret: string } | null, opts: InjectOptions): Promise<LightMyRequestResponse>;
}

export async function newTenant(
  store: Store,
  opts: { limits?: Partial<Config['limits']>; config?: Partial<Omit<Config, 'limits'>>; scrypt?: ScryptParams } = {},
): Promise<Tenant> {
  const tenant = `t-${randomUUID().slice(0, 8)}`;
  await store.createTenant({ id: tenant, name: `Test ${tenant}`, createdAt: T0 });
  const clock = { now: T0 };
  const app = buildServer({
    store,
    config: testConfig(opts.limits, opts.config),
    now: () => clock.now,
    ...(opts.scrypt ? { scrypt: opts.scrypt } : {}),
  });
  const token = async (role: Role, o: { customer?: string; expiresAt?: number; user?: string } = {}) => {
    const userId = o.user ?? `${role}-user`;
    if (!(await store.getUser(tenant, userId))) await store.createUser(tenant, { id: userId, name: `${role} person`, createdAt: T0 });
    const secret = generateTokenSecret();
    const customer = o.customer ?? (role === 'customer' ? 'acme' : undefined);
    await store.createToken(tenant, {
      id: `tok-${randomUUID().slice(0, 8)}`,
      userId,
      name: `${role} token`,
      role,
      ...(customer !== undefined ? { customer } : {}),
      tokenHash: hashTokenSecret(secret),
      createdAt: T0,
      ...(o.expiresAt !== undefined ? { expiresAt: o.expiresAt } : {}),
    });
    return secret;
  };
  const tokens = {} as Record<Role, string>;
  for (const role of ROLES) tokens[role] = await token(role);
  const req = async (as: Role | { secret: string } | null, o: InjectOptions) => {
    const secret = as === null ? undefined : typeof as === 'string' ? tokens[as] : as.secret;
    const res = await app.inject({ ...o, headers: { ...(secret ? { authorization: `Bearer ${secret}` } : {}), ...(o.headers ?? {}) } });
    await assertDocumented(app, o, res);
    return res;
  };
  return { app, tenant, tokens, clock, token, req };
}

/** A valid agreement for customer `customer` as YAML. */
export function agreementYaml(id: string, customer = 'acme', extra = ''): string {
  return `id: ${id}
name: Agreement ${id}
kind: sla
level: service
parties:
  provider: { id: northwind, name: Northwind Services }
  customer: { id: ${customer}, name: Customer ${customer} }
services: [cloud-pbx]
targets:
  - id: uptime
    name: Monthly availability
    metric: availability
    value: 99.9
    window: month
${extra}`;
}

export const CALENDAR_YAML = `# office hours
name: Office
timezone: Europe/Berlin
hours:
  mon: ["09:00-17:00"]
  tue: ["09:00-17:00"]
holidays:
  - { yearly: "12-25", name: Christmas Day }
`;

export function event(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, type: 'check.result', source: 'probe', at: '2026-10-01T10:00:00Z', service: 'pbx', customer: 'acme', up: true, ...extra };
}

/** The error shape every 4xx and 5xx has. */
export function isErrorBody(body: unknown): body is { code: string; message: string; details: Record<string, unknown>; requestId: string } {
  const b = body as Record<string, unknown> | null;
  return (
    !!b &&
    typeof b.code === 'string' &&
    typeof b.message === 'string' &&
    typeof b.requestId === 'string' &&
    b.requestId.length > 0 &&
    typeof b.details === 'object' &&
    b.details !== null
  );
}

/** Fails the calling test when an answer is not what /openapi.json documents (see documented.ts). */
/** The path with `.` and `..` segments resolved as the server resolves them (`/../v1/tokens` is /v1/tokens). */
function withoutDotSegments(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const out: string[] = [];
  for (const s of path.split('/').slice(1)) {
    if (s === '..') out.pop();
    else if (s !== '.') out.push(s);
  }
  return `/${out.join('/')}${q < 0 ? '' : url.slice(q)}`;
}

export async function assertDocumented(app: FastifyInstance, o: InjectOptions, res: LightMyRequestResponse): Promise<void> {
  const checker = await sharedChecker(async () => (await app.inject({ method: 'GET', url: '/openapi.json' })).json());
  const method = String(o.method ?? 'GET').toUpperCase();
  const url = String(o.url ?? (o as { path?: string }).path ?? '/');
  const r = checker.check(method, withoutDotSegments(url), res);
  if (r.problems.length > 0) {
    throw new Error(`the answer to ${method} ${url} is not what /openapi.json documents:\n  ${r.problems.join('\n  ')}`);
  }
}
