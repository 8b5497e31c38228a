/**
 * The Monitoring page's API (docs/api.md "Monitors", "Sources", "Status pages and incidents"):
 * built-in monitors (GET/PUT/DELETE /v1/monitors/{id}, POST .../pause and .../resume), the
 * service desk sources (GET /v1/sources) and the status pages (GET /v1/status-pages). Shapes follow
 * src/http/routes/monitors.ts, sources.ts and status-pages.ts.
 *
 * A monitor's spec is sent back as it was read, with the form's changes on top: fields the form
 * does not show (region, customer, source, check, confirm, ca...) are kept as they were written,
 * and header values, which the API shows as "[redacted]", are sent back as that placeholder, which
 * the server replaces by the stored value (src/core/monitors/spec.ts restoreRedacted). Replacing,
 * pausing and deleting send the monitor's ETag (If-Match): a monitor changed elsewhere since the
 * page read it is refused (412), never overwritten.
 */
import { api, enc, request } from './api';

export const MONITOR_KINDS = ['http', 'tcp', 'heartbeat'] as const;
export type MonitorKind = (typeof MONITOR_KINDS)[number];
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'] as const;
/** What the API shows instead of a header value (src/core/monitors/spec.ts REDACTED). */
export const REDACTED = '[redacted]';

/** The spec as written (docs/monitors.md "Fields"); unknown keys are kept as they are. */
export type MonitorSpec = { kind: MonitorKind; service: string } & Record<string, unknown>;

export interface MonitorState {
  status: 'unknown' | 'up' | 'down';
  failures: number;
  failingSince: string | null;
  lastCheckAt: string | null;
  lastChangeAt: string | null;
  lastLatencyMs: number | null;
  lastError: string | null;
  lastPushAt: string | null;
  tls: { expiresAt: string; warning: boolean } | null;
  gaps: number;
  lastGap: { from: string; to: string } | null;
}

export interface Monitor {
  id: string;
  spec: MonitorSpec;
  paused: boolean;
  state: MonitorState;
  nextCheckAt: string | null;
  pushUrl: string | null;
  etag: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

export interface MonitorWrite {
  result: 'created' | 'updated';
  monitor: Monitor;
  /** Heartbeats: the push token, in the answer that created the monitor only. */
  token?: string;
}

export interface Source {
  id: string;
  vendor: string;
  /** The path the desk posts to, to prefix with the server's URL. */
  webhook: string;
  mapping: string | null;
  defaults: { customer?: string; service?: string; region?: string };
  updatedAt: string;
  /** The newest entry of its delivery log (GET /v1/sources/{id}/deliveries); null when none arrived. */
  lastDelivery: { at: string; outcome: 'stored' | 'duplicate' | 'refused'; status: number; detail: string } | null;
}

export interface StatusPage {
  id: string;
  path: string;
  /** Where it is served on this server (/status/<path>), without sign-in. */
  url: string;
  spec: {
    title?: string;
    titleAr?: string;
    enabled?: boolean;
    services?: Array<{ id: string; name?: string; nameAr?: string }>;
    customer?: string;
  };
  updatedAt: string;
}

const base = '/v1/monitors';
const ifMatch = (etag: string) => ({ headers: { 'If-Match': etag } });

export const monitorApi = {
  list: (signal?: AbortSignal) => api.get<{ items: Monitor[] }>(base, signal),
  /** Creates (etag undefined) or replaces (the ETag read) a monitor; `newToken`: a heartbeat's new push token (the old one is retired). */
  put: (id: string, spec: Record<string, unknown>, etag?: string, newToken = false) =>
    request<MonitorWrite>('PUT', `${base}/${enc(id)}${newToken ? '?newToken=true' : ''}`, spec, etag ? ifMatch(etag) : {}),
  pause: (m: Monitor, paused: boolean) =>
    request<Monitor>('POST', `${base}/${enc(m.id)}/${paused ? 'pause' : 'resume'}`, undefined, ifMatch(m.etag)),
  remove: (m: Monitor) => request<{ result: 'deleted'; id: string }>('DELETE', `${base}/${enc(m.id)}`, undefined, ifMatch(m.etag)),
  sources: (signal?: AbortSignal) => api.get<{ items: Source[] }>('/v1/sources', signal),
  statusPages: (signal?: AbortSignal) => api.get<{ items: StatusPage[] }>('/v1/status-pages', signal),
};

/** The roles that may read monitors, sources and status pages (channels.read, src/core/access/policy.ts). */
export const mayReadMonitors = (role: string | undefined) => role === 'admin' || role === 'manager' || role === 'auditor';
/** The roles that may change them (channels.write). */
export const mayChangeMonitors = (role: string | undefined) => role === 'admin' || role === 'manager';

/** The keys only one kind has; the rest (service, interval, retries...) every kind has. */
const KIND_KEYS: Record<MonitorKind, readonly string[]> = {
  http: ['url', 'method', 'expectStatus', 'expectBody', 'headers', 'timeout', 'confirm', 'tlsExpiryWarnDays', 'ca'],
  tcp: ['host', 'port', 'timeout', 'confirm'],
  heartbeat: ['grace'],
};

/** What the form edits, as text. */
export interface MonitorDraft {
  id: string;
  kind: MonitorKind;
  service: string;
  interval: string;
  retries: string;
  description: string;
  url: string;
  method: string;
  expectStatus: string;
  expectBody: string;
  /** One `Name: value` a line; a stored value shows as [redacted]. */
  headers: string;
  timeout: string;
  host: string;
  port: string;
  grace: string;
}

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

export function draftOf(m: Monitor | null): MonitorDraft {
  const s = (m?.spec ?? {}) as Record<string, unknown>;
  const headers = s.headers && typeof s.headers === 'object' ? Object.entries(s.headers as Record<string, unknown>) : [];
  return {
    id: m?.id ?? '',
    kind: (m?.spec.kind ?? 'http') as MonitorKind,
    service: str(s.service),
    interval: m ? str(s.interval) : '60s',
    retries: str(s.retries),
    description: str(s.description),
    url: str(s.url),
    method: str(s.method) || 'GET',
    expectStatus: Array.isArray(s.expectStatus) ? s.expectStatus.join(', ') : '',
    expectBody: str(s.expectBody),
    headers: headers.map(([k, v]) => `${k}: ${str(v)}`).join('\n'),
    timeout: str(s.timeout),
    host: str(s.host),
    port: str(s.port),
    grace: str(s.grace),
  };
}

/** A number where the text is one, else the text itself (the server says what it expected). */
const numberOr = (t: string): number | string => (t.trim() !== '' && Number.isFinite(Number(t)) ? Number(t) : t.trim());

/**
 * The spec to PUT: the stored one (when editing) without the keys of other kinds, with the form's
 * fields on top; an emptied optional field is left out (its default applies). The server judges
 * every value; nothing is checked here but the shape of the text.
 */
export function specOf(d: MonitorDraft, stored: MonitorSpec | null): Record<string, unknown> {
  const others = new Set(MONITOR_KINDS.filter((k) => k !== d.kind).flatMap((k) => KIND_KEYS[k]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(stored ?? {})) if (!others.has(k) || KIND_KEYS[d.kind].includes(k)) out[k] = v;
  const set = (k: string, v: unknown) => {
    if (v === '' || v === undefined) delete out[k];
    else out[k] = v;
  };
  out.kind = d.kind;
  out.service = d.service.trim();
  set('interval', d.interval.trim());
  set('retries', d.retries.trim() === '' ? '' : numberOr(d.retries));
  set('description', d.description.trim());
  if (d.kind === 'http') {
    out.url = d.url.trim();
    set('method', d.method === 'GET' && stored?.method === undefined ? '' : d.method);
    const statuses = d.expectStatus
      .split(/[\s,;،]+/)
      .map((x) => x.trim())
      .filter(Boolean);
    set('expectStatus', statuses.length === 0 ? '' : statuses.map(numberOr));
    set('expectBody', d.expectBody);
    const headers: Record<string, string> = {};
    for (const line of d.headers.split('\n')) {
      if (line.trim() === '') continue;
      const at = line.indexOf(':');
      // A line without a colon is a name with an empty value: the server names it if it is wrong.
      if (at < 0) headers[line.trim()] = '';
      else headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    set('headers', Object.keys(headers).length === 0 ? '' : headers);
  }
  if (d.kind === 'tcp') {
    out.host = d.host.trim();
    out.port = numberOr(d.port);
  }
  if (d.kind !== 'heartbeat') set('timeout', d.timeout.trim());
  else set('grace', d.grace.trim());
  return out;
}
