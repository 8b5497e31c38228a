/**
 * What a built-in monitor is (docs/monitors.md): an HTTP(S) check, a TCP connect, or a heartbeat
 * that a cron job or batch service pushes. Validated here with zod, so the API, the CLI and the
 * runner hold the same rules and every error names its field by path.
 *
 * Invariants:
 * - Durations are written as plain durations (`30s`, `200ms`, `PT1M`) and held in ms. The floor of
 *   the interval is the operator's (config `monitors.minIntervalMs`, 10 s by default), not the
 *   tenant's: a monitor is outbound traffic from the server, and a tenant must not make the server
 *   hammer someone else's host. It is checked by the use case (app/monitors/manage.ts).
 * - The timeout is below the interval (a check ends before the next is due), so a monitor never has
 *   two checks of its own in flight.
 * - The results are about `service` (and `region`, `customer` when given), under `source`
 *   (`pledge-monitor` by default) and check name `check` (the monitor's id by default): the same
 *   scope an agreement's availability target selects events by, so an agreement measures them
 *   unchanged.
 */
import { z } from 'zod';
import { parseDuration } from '../time/duration.ts';
import { slug } from '../validation/common.ts';
import { validate } from '../validation/zod.ts';
import type { Result } from '../validation/issues.ts';

export const MONITOR_KINDS = ['http', 'tcp', 'heartbeat'] as const;
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'] as const;
export const DEFAULT_MONITOR_SOURCE = 'pledge-monitor';
/** A check (two attempts with `confirm`) ends well within the runner's claim (app/monitors/runner.ts). */
export const MAX_TIMEOUT_MS = 60_000;
/** The longest interval: a heartbeat of a monthly batch job. Longer (or 1e308) is a typo, and no instant could hold it. */
export const MAX_INTERVAL_MS = 31 * 86_400_000;

/** A plain duration in ms (`30s`, `500ms`, `PT1M`); a bare number is seconds. */
const ms = (what: string, max = MAX_INTERVAL_MS) =>
  z
    .union([z.string().max(40), z.number()])
    .transform((v, ctx) => {
      const d = parseDuration(v);
      if (d.ok && d.value.kind === 'fixed' && d.value.ms > 0 && d.value.ms <= max) return Math.round(d.value.ms);
      ctx.addIssue({
        code: 'custom',
        message:
          d.ok && d.value.kind === 'fixed' && d.value.ms > max
            ? `expected ${what} of at most ${max / 86_400_000 >= 1 ? `${max / 86_400_000} days` : `${max / 1000} s`}`
            : `expected ${what} as a plain duration such as 30s, 500ms or PT1M`,
      });
      return z.NEVER;
    })
    .describe(`${what}: 30s, 500ms, 2m, PT1M (a bare number is seconds).`);

const name = z.string().min(1).max(200);

const common = {
  /** What the results are about: the service (and region, customer) an agreement's target selects. */
  service: name.describe("The service the results are about, as the agreements' availability targets name it."),
  region: name.optional(),
  customer: name.optional(),
  source: name.default(DEFAULT_MONITOR_SOURCE).describe("The events' source; pledge-monitor by default."),
  check: name.optional().describe("The check name of its check.result events; the monitor's id by default."),
  interval: ms('the interval').default(60_000),
  /** Failed checks in a row, beyond the first, before the service is declared down. */
  retries: z.number().int().min(0).max(10).default(0),
  description: z.string().max(1000).optional(),
};

const http = z.strictObject({
  kind: z.literal('http'),
  ...common,
  url: z
    .string()
    .max(2000)
    .refine((u) => {
      try {
        const p = new URL(u);
        return (p.protocol === 'http:' || p.protocol === 'https:') && p.hostname !== '';
      } catch {
        return false;
      }
    }, 'expected an http:// or https:// URL'),
  method: z.enum(HTTP_METHODS).default('GET'),
  /** Statuses that count as up; 200-399 when absent. */
  expectStatus: z.array(z.number().int().min(100).max(599)).min(1).max(50).optional(),
  /** Text the body must contain (read up to 1 MiB). */
  expectBody: z.string().min(1).max(1000).optional(),
  headers: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'expected a header name')
        .max(100),
      z.string().max(4000),
    )
    .optional(),
  timeout: ms('the timeout').default(10_000),
  /** A failing first attempt is tried again at once; only two failures in a row make a failed check. */
  confirm: z.boolean().default(true),
  /** HTTPS: warn (state.tls.warning) when the certificate expires within this many days. */
  tlsExpiryWarnDays: z.number().int().min(0).max(365).default(14),
  /** HTTPS: certificates (PEM) trusted for this check besides the public ones, e.g. an internal CA. */
  ca: z
    .string()
    .max(50_000)
    .refine((s) => s.includes('-----BEGIN CERTIFICATE-----'), 'expected one or more PEM certificates (-----BEGIN CERTIFICATE-----)')
    .optional(),
});

const tcp = z.strictObject({
  kind: z.literal('tcp'),
  ...common,
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535),
  timeout: ms('the timeout').default(10_000),
  confirm: z.boolean().default(true),
});

const heartbeat = z.strictObject({
  kind: z.literal('heartbeat'),
  ...common,
  /** How late a push may be before the beat counts as missed. */
  grace: ms('the grace period').default(60_000),
});

export const monitorSpec = z
  .discriminatedUnion('kind', [http, tcp, heartbeat])
  .superRefine((m, ctx) => {
    if (m.kind !== 'heartbeat' && m.timeout >= m.interval)
      ctx.addIssue({ code: 'custom', path: ['timeout'], message: `the timeout must be shorter than the interval (${m.interval} ms)` });
    if (m.kind !== 'heartbeat' && m.timeout > MAX_TIMEOUT_MS)
      ctx.addIssue({ code: 'custom', path: ['timeout'], message: `the timeout is at most ${MAX_TIMEOUT_MS / 1000}s` });
  })
  .describe('A built-in monitor (docs/monitors.md)');

export type MonitorSpec = z.output<typeof monitorSpec>;
export type HttpMonitorSpec = Extract<MonitorSpec, { kind: 'http' }>;
export type TcpMonitorSpec = Extract<MonitorSpec, { kind: 'tcp' }>;

export const monitorId = slug;

export function parseMonitorSpec(input: unknown): Result<MonitorSpec> {
  return validate(monitorSpec, input);
}

/**
 * What an HTTP monitor's header values are shown as: they often carry credentials (an
 * Authorization header for a health endpoint), so the API and the CLI never give them back.
 */
export const REDACTED = '[redacted]';

/** The spec as shown: every header value replaced by REDACTED, the names kept. */
export function redactMonitorSpec<S>(spec: S): S {
  const headers = (spec as { headers?: unknown }).headers;
  if (!headers || typeof headers !== 'object') return spec;
  return { ...spec, headers: Object.fromEntries(Object.keys(headers).map((k) => [k, REDACTED])) };
}

/**
 * A replacement that sends back a header as REDACTED (read, changed elsewhere, put again) keeps
 * the stored value of that header; REDACTED for a header that has no stored value is an error
 * naming it. Other values are taken as given.
 */
export function restoreRedacted(input: unknown, stored: unknown): Result<unknown> {
  const headers = (input as { headers?: unknown } | null)?.headers;
  if (!headers || typeof headers !== 'object' || Array.isArray(headers)) return { ok: true, value: input };
  const before = ((stored as { headers?: Record<string, unknown> } | undefined)?.headers ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
    if (v !== REDACTED) out[k] = v;
    else if (typeof before[k] === 'string') out[k] = before[k];
    else
      return {
        ok: false,
        issues: [
          {
            path: `headers.${k}`,
            message: `"${REDACTED}" stands for the stored value of this header, and this monitor has none: give the value`,
            received: JSON.stringify(v),
          },
        ],
      };
  }
  return { ok: true, value: { ...(input as object), headers: out } };
}
