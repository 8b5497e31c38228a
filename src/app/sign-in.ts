/**
 * Signing in to the web app: invites, passwords, sessions and lock-out. The HTTP edge
 * (src/http/routes/sessions.ts) turns these outcomes into answers and cookies; the principal a
 * session yields is the same shape an API token yields, so the access policy
 * (core/access/policy.ts) decides for both alike.
 *
 * - A person is invited by an admin (`POST /v1/invites`, `pledge users invite`): a one-time link,
 *   valid INVITE_MS, whose secret is stored only as a hash. Accepting it sets the password and
 *   signs in. Inviting the same e-mail again is how a forgotten password is reset; accepting a new
 *   password signs every earlier session of the user out.
 * - A wrong password (or an unknown e-mail: the same answer, after the same work, so the answer
 *   does not tell which e-mails have a login) counts against the login; FAILURE_LIMIT failures in a
 *   row lock it for LOCK_MS, during which even the right password is refused. A success clears
 *   the count.
 * - A session lasts SESSION_IDLE_MS after its last use, and never longer than SESSION_MAX_MS
 *   after sign-in. Its cookie's secret is stored only as a hash; its CSRF token must come back in
 *   `X-CSRF-Token` with every write made with the cookie.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ROLES, type Principal, type Role } from '../core/access/policy.ts';
import { InvalidInputError, type Issue } from '../core/validation/issues.ts';
import { generateTokenSecret, hashTokenSecret } from '../store/tokens.ts';
import type { AuditInput, Invite, Login, Store, TenantId, User, WebSession } from '../store/types.ts';
import { decoyHash, hashPassword, passwordProblem, verifyPassword, type ScryptParams, DEFAULT_SCRYPT } from './passwords.ts';

export const FAILURE_LIMIT = 5;
export const LOCK_MS = 15 * 60_000;
export const SESSION_IDLE_MS = 12 * 3_600_000;
export const SESSION_MAX_MS = 7 * 86_400_000;
export const INVITE_MS = 7 * 86_400_000;
/** A session's last use is recorded at most this often (a write per request would cost more than it tells). */
const TOUCH_MS = 60_000;

export interface SignInOptions {
  /** scrypt's parameters for new password hashes (DEFAULT_SCRYPT; tests of many sign-ins may lower them). */
  scrypt?: ScryptParams;
}

export interface SignedIn {
  /** The cookie's value: shown to the browser once, stored only as its hash. */
  secret: string;
  session: WebSession;
  login: Login;
  user: User;
}

export type SignInResult =
  | ({ ok: true } & SignedIn)
  | { ok: false; reason: 'invalid_credentials' }
  | { ok: false; reason: 'locked'; retryAfterMs: number }
  | { ok: false; reason: 'disabled_user' };

async function newSession(store: Store, login: Login, user: User, now: number, action: string): Promise<SignedIn> {
  const secret = `pledge_s_${randomBytes(32).toString('base64url')}`;
  const session = await store.createSession(
    login.email,
    {
      idHash: hashTokenSecret(secret),
      tenant: login.tenant,
      userId: login.userId,
      csrf: randomBytes(24).toString('base64url'),
      createdAt: now,
      expiresAt: Math.min(now + SESSION_IDLE_MS, now + SESSION_MAX_MS),
    },
    { at: now, actor: login.userId, action, subject: `user:${login.userId}` },
  );
  return { secret, session, login, user };
}

export async function signIn(store: Store, input: { email: string; password: string; now: number }): Promise<SignInResult> {
  const { email, password, now } = input;
  const found = await store.findLogin(email);
  if (found?.login.lockedUntil !== undefined && found.login.lockedUntil > now)
    return { ok: false, reason: 'locked', retryAfterMs: found.login.lockedUntil - now };
  const stored = found?.login.passwordHash;
  // The same work whether or not the e-mail has a login with a password.
  const right = await verifyPassword(password, stored ?? (await decoyHash()));
  if (!found || stored === undefined || !right) {
    if (found) {
      const after = await store.signInFailed(email, now, { limit: FAILURE_LIMIT, lockMs: LOCK_MS });
      if (after?.lockedUntil !== undefined && after.lockedUntil > now)
        return { ok: false, reason: 'locked', retryAfterMs: after.lockedUntil - now };
    }
    return { ok: false, reason: 'invalid_credentials' };
  }
  if (found.user.disabledAt !== undefined) return { ok: false, reason: 'disabled_user' };
  return { ok: true, ...(await newSession(store, found.login, found.user, now, 'session.sign_in')) };
}

export type SessionCheck =
  | { ok: true; principal: Principal & { sessionId: string }; session: WebSession; login: Login; user: User }
  | { ok: false; reason: 'unknown_session' | 'signed_out' | 'expired_session' | 'disabled_user' };

/** The principal of a session cookie's secret, as of `now`; records the use (sliding the expiry). */
export async function checkSession(store: Store, secret: string, now: number): Promise<SessionCheck> {
  const idHash = hashTokenSecret(secret);
  const found = await store.findSession(idHash);
  if (!found) return { ok: false, reason: 'unknown_session' };
  const { session, login, user } = found;
  if (session.revokedAt !== undefined) return { ok: false, reason: 'signed_out' };
  if (session.expiresAt <= now) return { ok: false, reason: 'expired_session' };
  if (user.disabledAt !== undefined) return { ok: false, reason: 'disabled_user' };
  if (now - session.lastSeenAt >= TOUCH_MS) {
    const expiresAt = Math.min(now + SESSION_IDLE_MS, session.createdAt + SESSION_MAX_MS);
    await store.touchSession(idHash, now, expiresAt);
    session.lastSeenAt = now;
    session.expiresAt = Math.max(session.expiresAt, expiresAt);
  }
  const principal: Principal & { sessionId: string } = { tenant: login.tenant, role: login.role, actor: login.userId, sessionId: idHash };
  if (login.customer !== undefined) principal.customer = login.customer;
  return { ok: true, principal, session, login, user };
}

/** Whether a write's X-CSRF-Token is the session's (constant-time). */
export function csrfMatches(session: WebSession, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function signOut(store: Store, secret: string, now: number, actor: string): Promise<boolean> {
  const idHash = hashTokenSecret(secret);
  const found = await store.findSession(idHash);
  return store.revokeSession(
    idHash,
    now,
    found ? { at: now, actor, action: 'session.sign_out', subject: `user:${found.login.userId}` } : undefined,
  );
}

/** A user id from an e-mail address, for invites that name none: its characters outside the id alphabet become "_". */
export function userIdFromEmail(email: string): string {
  const id = email
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._-]/g, '_')
    .replace(/^[^a-z0-9]+/, '');
  return (id || 'user').slice(0, 100);
}

export type InviteResult =
  | { ok: true; secret: string; invite: Invite; login: Login; user: User }
  | { ok: false; reason: 'email_taken' }
  | { ok: false; reason: 'user_has_login'; email: string };

export async function invite(
  store: Store,
  tenant: TenantId,
  input: { email: string; name?: string; userId?: string; role: Role; customer?: string; now: number; actor: string },
): Promise<InviteResult> {
  const secret = generateTokenSecret().replace(/^pledge_/, 'pledge_i_');
  const userId = input.userId ?? userIdFromEmail(input.email);
  const email = input.email.trim().toLowerCase();
  const audit: AuditInput = {
    at: input.now,
    actor: input.actor,
    action: 'user.invite',
    subject: `user:${userId}`,
    after: { email, role: input.role, ...(input.customer !== undefined ? { customer: input.customer } : {}) },
  };
  const r = await store.createInvite(
    tenant,
    {
      tokenHash: hashTokenSecret(secret),
      user: { id: userId, name: input.name ?? email, email },
      role: input.role,
      ...(input.customer !== undefined ? { customer: input.customer } : {}),
      createdBy: input.actor,
      createdAt: input.now,
      expiresAt: input.now + INVITE_MS,
    },
    audit,
  );
  if (r.status === 'email_taken') return { ok: false, reason: 'email_taken' };
  if (r.status === 'user_has_login') return { ok: false, reason: 'user_has_login', email: r.email };
  return { ok: true, secret, invite: r.invite, login: r.login, user: r.user };
}

export type AcceptResult =
  | ({ ok: true } & SignedIn)
  | { ok: false; reason: 'weak_password'; problem: string }
  | { ok: false; reason: 'not_found' | 'used' | 'expired' | 'disabled_user' };

export async function acceptInvite(
  store: Store,
  input: { secret: string; password: string; now: number },
  options: SignInOptions = {},
): Promise<AcceptResult> {
  const tokenHash = hashTokenSecret(input.secret);
  const inv = await store.findInvite(tokenHash);
  if (!inv) return { ok: false, reason: 'not_found' };
  if (inv.usedAt !== undefined) return { ok: false, reason: 'used' };
  if (inv.expiresAt <= input.now) return { ok: false, reason: 'expired' };
  const problem = passwordProblem(input.password, inv.email);
  if (problem) return { ok: false, reason: 'weak_password', problem };
  const hash = await hashPassword(input.password, options.scrypt ?? DEFAULT_SCRYPT);
  const r = await store.acceptInvite(tokenHash, hash, input.now, {
    at: input.now,
    actor: inv.login.userId,
    action: 'user.set_password',
    subject: `user:${inv.login.userId}`,
  });
  if (r.status !== 'accepted') return { ok: false, reason: r.status };
  return { ok: true, ...(await newSession(store, r.login, r.user, input.now, 'session.sign_in')) };
}

/** The invite behind a link's secret, to greet the person before they choose a password. */
export async function lookUpInvite(store: Store, secret: string, now: number) {
  const inv = await store.findInvite(hashTokenSecret(secret));
  if (!inv) return { ok: false as const, reason: 'not_found' as const };
  if (inv.usedAt !== undefined) return { ok: false as const, reason: 'used' as const };
  if (inv.expiresAt <= now) return { ok: false as const, reason: 'expired' as const };
  return { ok: true as const, invite: inv };
}

/**
 * An invite made on a database (`pledge invite --db`), checked as the HTTP route checks it: the
 * tenant must exist, the role be known, and only the customer role name a customer (and must).
 * Bad input is an InvalidInputError naming the option.
 */
export async function inviteOnStore(
  store: Store,
  tenant: TenantId,
  b: { email: string; role: string; customer?: string; name?: string; user?: string },
): Promise<{ invite: { email: string; user: string; role: Role; customer?: string; expiresAt: string }; path: string }> {
  const issues: Issue[] = [];
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(b.email) || b.email.length > 320)
    issues.push({ path: '--email', message: 'expected an e-mail address', received: JSON.stringify(b.email) });
  if (!(ROLES as readonly string[]).includes(b.role))
    issues.push({ path: '--role', message: `expected one of ${ROLES.join(', ')}`, received: JSON.stringify(b.role) });
  if (b.role === 'customer' && b.customer === undefined)
    issues.push({ path: '--customer', message: 'a customer login names the customer it may see' });
  if (b.role !== 'customer' && b.customer !== undefined)
    issues.push({ path: '--customer', message: `only customer logins name a customer, not ${b.role} logins` });
  if (b.user !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(b.user))
    issues.push({ path: '--user', message: 'expected an id of letters, digits, ".", "-" or "_"', received: JSON.stringify(b.user) });
  if (!(await store.getTenant(tenant))) issues.push({ path: '--tenant', message: 'no such tenant', received: JSON.stringify(tenant) });
  if (issues.length > 0) throw new InvalidInputError(issues);
  const r = await invite(store, tenant, {
    email: b.email,
    role: b.role as Role,
    ...(b.customer !== undefined ? { customer: b.customer } : {}),
    ...(b.name !== undefined ? { name: b.name } : {}),
    ...(b.user !== undefined ? { userId: b.user } : {}),
    now: Date.now(),
    actor: `cli:${process.env.USER ?? 'local'}`,
  });
  if (!r.ok)
    throw new InvalidInputError([
      {
        path: '--email',
        message:
          r.reason === 'email_taken' ? 'this e-mail signs in to another user' : `this user signs in as ${r.email}: invite that address`,
        received: JSON.stringify(b.email),
      },
    ]);
  return {
    invite: {
      email: r.login.email,
      user: r.user.id,
      role: r.login.role,
      ...(r.login.customer !== undefined ? { customer: r.login.customer } : {}),
      expiresAt: new Date(r.invite.expiresAt).toISOString(),
    },
    path: `/invite/${r.secret}`,
  };
}
