/**
 * The admin pages' API: calendars (GET/PUT /v1/calendars), the people who sign in (GET /v1/logins,
 * POST /v1/invites) and API tokens (GET/POST /v1/tokens, DELETE /v1/tokens/{id}). Shapes follow
 * src/http/routes/calendars.ts, sessions.ts and tokens.ts.
 */
import { ApiError, api, enc, getAll, type Role, request } from './api';

export interface StoredCalendar {
  name: string;
  format: 'yaml' | 'json';
  source: string;
  etag: string;
  updatedAt: string;
  updatedBy: string;
}

export interface CalendarWrite {
  result: 'created' | 'updated' | 'unchanged';
  calendar: StoredCalendar;
}

export interface LoginRow {
  email: string;
  user: string;
  role: Role;
  customer?: string;
  passwordSet: boolean;
  lockedUntil?: string;
  createdAt: string;
}

export interface CreatedInvite {
  invite: { email: string; name: string; user: string; role: Role; customer?: string; expiresAt: string };
  /** The one-time link, relative to the server: /invite/pledge_i_... */
  path: string;
}

export interface ApiToken {
  id: string;
  name: string;
  user: string;
  role: Role;
  customer?: string;
  status: 'active' | 'expired' | 'revoked';
  createdAt: string;
  expiresAt?: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

export interface CreatedToken {
  token: ApiToken;
  secret: string;
}

export const listCalendars = (signal?: AbortSignal) => api.get<{ items: StoredCalendar[] }>('/v1/calendars', signal);
export const getCalendar = (name: string, signal?: AbortSignal) => api.get<StoredCalendar>(`/v1/calendars/${enc(name)}`, signal);

/** Replaces a stored calendar with `source`, in its own format, only if it is still at `etag`. */
export const putCalendar = (cal: Pick<StoredCalendar, 'name' | 'format' | 'etag'>, source: string) =>
  request<CalendarWrite>('PUT', `/v1/calendars/${enc(cal.name)}`, source, {
    contentType: cal.format === 'json' ? 'application/json' : 'application/yaml',
    headers: { 'If-Match': cal.etag },
  });

export const listLogins = (signal?: AbortSignal) => api.get<{ items: LoginRow[] }>('/v1/logins', signal);

export const createInvite = (body: { email: string; name?: string; role: Role; customer?: string }) =>
  api.post<CreatedInvite>('/v1/invites', body);

export const listTokens = (signal?: AbortSignal) => api.get<{ items: ApiToken[] }>('/v1/tokens', signal);

export const createToken = (body: { name: string; role: Role; customer?: string; user: { id: string }; expiresAt?: string }) =>
  api.post<CreatedToken>('/v1/tokens', body);

export const revokeToken = (id: string) => api.del<ApiToken>(`/v1/tokens/${enc(id)}`);

/** Every agreement id of the tenant (GET /v1/agreements, paged). */
export const agreementIds = async (signal?: AbortSignal) =>
  (await getAll<{ id: string; name?: string }>('/v1/agreements', 5000, signal)).map((a) => ({ id: a.id, name: a.name }));

export interface Issue {
  path: string;
  message: string;
}

/** The validation issues of an invalid_input answer (docs/api.md "Errors"), or none. */
export function issuesOf(e: unknown): Issue[] {
  if (!(e instanceof ApiError) || e.code !== 'invalid_input') return [];
  const d = e.details as { issues?: unknown } | undefined;
  if (!d || !Array.isArray(d.issues)) return [];
  return d.issues
    .filter((x): x is { path: unknown; message: unknown } => typeof x === 'object' && x !== null)
    .map((x) => ({
      path: typeof x.path === 'string' ? x.path : '',
      message: typeof x.message === 'string' ? x.message : String(x.message),
    }));
}

/**
 * Splits an error into messages per form field (`fieldOf` maps an issue's path to a field, or
 * null when no field of the form holds it) and what is left for the form's general alert.
 */
export function splitIssues(e: unknown, fieldOf: (path: string) => string | null): { fields: Record<string, string>; rest: string[] } {
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  const issues = issuesOf(e);
  if (issues.length === 0) {
    rest.push(e instanceof Error ? e.message : String(e));
    return { fields, rest };
  }
  for (const i of issues) {
    const f = fieldOf(i.path);
    if (f !== null) fields[f] = fields[f] ? `${fields[f]}; ${i.message}` : i.message;
    else rest.push(i.path ? `${i.path}: ${i.message}` : i.message);
  }
  return { fields, rest };
}
