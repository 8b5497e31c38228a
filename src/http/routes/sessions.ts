/**
 * Signing in to the web app (src/app/sign-in.ts): sessions, invites and the people who may sign in.
 *
 * The session's secret travels in an HttpOnly, SameSite=Strict cookie that scripts cannot read;
 * every write made with it must repeat the session's CSRF token in `X-CSRF-Token` (the page gets
 * it from `POST /v1/session` or `GET /v1/session`), and a write whose Origin is another site is
 * refused outright. Sign-in takes JSON only, which a form on another site cannot send without a
 * CORS preflight, and CORS never allows credentials: no other site can sign a browser in or out.
 */
import { fastifyCookie } from '@fastify/cookie';
import { z } from 'zod';
import { ROLES, type Principal } from '../../core/access/policy.ts';
import {
  acceptInvite,
  checkSession,
  csrfMatches,
  invite,
  lookUpInvite,
  SESSION_MAX_MS,
  signIn,
  signOut,
  type SignedIn,
} from '../../app/sign-in.ts';
import type { Login, User } from '../../store/types.ts';
import { HttpError } from '../errors.ts';
import { component, Instant } from '../schemas.ts';
import {
  compact,
  defineOperation,
  DOCUMENT_BODY,
  header,
  idParam,
  iso,
  parseJsonBody,
  type Call,
  type Deps,
  type Operation,
} from '../operation.ts';

export const SESSION_COOKIE = 'pledge_session';

const SessionUser = component(
  'SessionUser',
  z.strictObject({
    id: z.string(),
    name: z.string(),
    email: z.string(),
    tenant: z.string(),
    role: z.enum(ROLES),
    customer: z.string().optional(),
  }),
);
const SessionAnswer = component(
  'Session',
  z.strictObject({
    user: SessionUser,
    csrfToken: z.string().describe('Send it back in X-CSRF-Token with every write made with the session cookie.'),
    expiresAt: Instant,
  }),
);
const InviteAnswer = component(
  'Invite',
  z.strictObject({
    email: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    customer: z.string().optional(),
    expiresAt: Instant,
  }),
);
const CreatedInvite = z.strictObject({
  invite: InviteAnswer.extend({ user: z.string() }),
  path: z.string().describe('The one-time link, relative to the server (e.g. /invite/pledge_i_...); shown only this once.'),
});
const LoginList = z.strictObject({
  items: z.array(
    z.strictObject({
      email: z.string(),
      user: z.string(),
      role: z.enum(ROLES),
      customer: z.string().optional(),
      passwordSet: z.boolean(),
      lockedUntil: Instant.optional(),
      createdAt: Instant,
    }),
  ),
});

const signInBody = z.strictObject({
  email: z.string().min(1).max(320),
  password: z.string().min(1).max(1024),
});
const acceptBody = z.strictObject({
  password: z.string().min(1).max(1024),
});
const inviteBody = z
  .strictObject({
    email: z.email().max(320),
    name: z.string().min(1).max(200).optional(),
    user: idParam.optional().describe('The user id; from the e-mail address when absent.'),
    role: z.enum(ROLES),
    customer: z.string().min(1).max(200).optional().describe('Required for the customer role, refused for the others.'),
  })
  .superRefine((b, ctx) => {
    if (b.role === 'customer' && b.customer === undefined)
      ctx.addIssue({ code: 'custom', path: ['customer'], message: 'a customer login names the customer it may see' });
    if (b.role !== 'customer' && b.customer !== undefined)
      ctx.addIssue({ code: 'custom', path: ['customer'], message: `only customer logins name a customer, not ${b.role} logins` });
  });
const secretParams = z.strictObject({ secret: z.string().min(1).max(200) });

/** The session cookie's secret in a request, if any. */
export function sessionSecret(headers: Record<string, string | string[] | undefined>): string | undefined {
  const raw = headers.cookie;
  const text = Array.isArray(raw) ? raw.join('; ') : raw;
  if (!text) return undefined;
  const v = fastifyCookie.parse(text)[SESSION_COOKIE];
  return v && v.length <= 200 ? v : undefined;
}

function secureRequest(c: Pick<Call<unknown, unknown>, 'headers'>): boolean {
  return header(c, 'x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}

function sessionCookie(secret: string, secure: boolean): string {
  return fastifyCookie.serialize(SESSION_COOKIE, secret, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure,
    maxAge: Math.floor(SESSION_MAX_MS / 1000),
  });
}

function clearedCookie(secure: boolean): string {
  return fastifyCookie.serialize(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/', secure, maxAge: 0 });
}

function presentUser(login: Login, user: User) {
  return compact({ id: user.id, name: user.name, email: login.email, tenant: login.tenant, role: login.role, customer: login.customer });
}

function sessionBody(s: Pick<SignedIn, 'session' | 'login' | 'user'>) {
  return { user: presentUser(s.login, s.user), csrfToken: s.session.csrf, expiresAt: iso(s.session.expiresAt) };
}

function unauthenticated(reason: string, message: string): HttpError {
  return new HttpError('unauthenticated', message, { reason });
}

/**
 * The principal of a request that carries the session cookie and no Authorization header, for
 * server.ts: refuses an unknown, signed-out or expired session (401), and a write without the
 * session's CSRF token or from another site's page (403).
 */
export async function sessionPrincipal(
  deps: Pick<Deps, 'store'>,
  req: { method: string; headers: Record<string, string | string[] | undefined> },
  secret: string,
  now: number,
): Promise<Principal> {
  const r = await checkSession(deps.store, secret, now);
  if (!r.ok) throw unauthenticated(r.reason, `sign in again: the session is ${r.reason.replace(/_session$/, '').replace('_', ' ')}`);
  if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method)) {
    const origin = header(req, 'origin');
    const host = header(req, 'host');
    if (origin !== undefined && origin !== 'null' && host !== undefined) {
      let sameHost = false;
      try {
        sameHost = new URL(origin).host === host;
      } catch {
        sameHost = false;
      }
      if (!sameHost)
        throw new HttpError('forbidden', 'a write with the session cookie must come from a page of this server', { reason: 'cross_site' });
    }
    if (!csrfMatches(r.session, header(req, 'x-csrf-token')))
      throw new HttpError('forbidden', "send the session's CSRF token in X-CSRF-Token with every write (GET /v1/session gives it)", {
        reason: 'csrf_token',
      });
  }
  return r.principal;
}

export function sessionOperations(deps: Deps): Operation[] {
  const { store } = deps;
  return [
    defineOperation({
      method: 'POST',
      url: '/v1/session',
      operationId: 'signIn',
      tag: 'sessions',
      summary: 'Sign in with e-mail and password',
      description:
        'Sets the session cookie (HttpOnly, SameSite=Strict) and answers the CSRF token that every write made with it must repeat in X-CSRF-Token. A wrong e-mail or password is 401 `invalid_credentials`; five in a row lock the login for 15 minutes (429 with Retry-After).',
      body: { media: ['application/json'], schema: signInBody, required: true, limit: 8 * 1024 },
      responses: { 200: { description: 'Signed in.', schema: SessionAnswer } },
      errors: { 401: 'invalid_credentials or disabled_user', 429: 'the login is locked after repeated failures (Retry-After)' },
      async handler(c) {
        const b = parseJsonBody(signInBody, c.body);
        const r = await signIn(store, { email: b.email, password: b.password, now: c.now });
        if (!r.ok) {
          if (r.reason === 'locked') {
            const seconds = Math.max(1, Math.ceil(r.retryAfterMs / 1000));
            throw new HttpError(
              'too_many_requests',
              `too many failed sign-ins: this login is locked, try again in ${Math.ceil(seconds / 60)} min`,
              { reason: 'locked', retryAfterSeconds: seconds },
              { 'retry-after': String(seconds) },
            );
          }
          throw unauthenticated(r.reason, r.reason === 'disabled_user' ? 'this user is disabled' : 'the e-mail or the password is wrong');
        }
        return {
          status: 200,
          body: sessionBody(r),
          headers: { 'set-cookie': sessionCookie(r.secret, secureRequest(c)), 'cache-control': 'no-store' },
        };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/session',
      operationId: 'getSession',
      tag: 'sessions',
      summary: "The signed-in user and the session's CSRF token",
      responses: { 200: { description: 'Signed in.', schema: SessionAnswer } },
      errors: { 401: 'not signed in (no cookie, or a session signed out or expired)' },
      async handler(c) {
        const secret = sessionSecret(c.headers);
        if (!secret) throw unauthenticated('no_session', 'not signed in');
        const r = await checkSession(store, secret, c.now);
        if (!r.ok) throw unauthenticated(r.reason, 'not signed in: sign in again');
        return { status: 200, body: sessionBody(r), headers: { 'cache-control': 'no-store' } };
      },
    }),
    defineOperation({
      method: 'DELETE',
      url: '/v1/session',
      operationId: 'signOut',
      tag: 'sessions',
      summary: 'Sign out',
      description: 'Needs X-CSRF-Token. The session is ended in the database, not only forgotten by the browser.',
      responses: {
        200: { description: 'Signed out (the cookie is cleared too).', schema: z.strictObject({ status: z.literal('signed_out') }) },
      },
      errors: { 401: 'not signed in', 403: 'no or wrong X-CSRF-Token' },
      async handler(c) {
        const secret = sessionSecret(c.headers);
        if (!secret) throw unauthenticated('no_session', 'not signed in');
        const p = await sessionPrincipal(deps, { method: 'DELETE', headers: c.headers }, secret, c.now);
        await signOut(store, secret, c.now, p.actor);
        return { status: 200, body: { status: 'signed_out' }, headers: { 'set-cookie': clearedCookie(secureRequest(c)) } };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/invites/:secret',
      operationId: 'getInvite',
      tag: 'sessions',
      summary: "An invite, by its link's secret (to greet the person before they choose a password)",
      params: secretParams,
      responses: { 200: { description: 'A valid invite.', schema: InviteAnswer } },
      errors: { 409: 'conflict: the invite was used already', 404: 'no such invite, or it expired (details.reason)' },
      async handler(c) {
        const r = await lookUpInvite(store, c.params.secret, c.now);
        if (!r.ok) throw inviteRefused(r.reason);
        const i = r.invite;
        return {
          status: 200,
          body: compact({ email: i.email, name: i.user.name, role: i.login.role, customer: i.login.customer, expiresAt: iso(i.expiresAt) }),
          headers: { 'cache-control': 'no-store' },
        };
      },
    }),
    defineOperation({
      method: 'POST',
      url: '/v1/invites/:secret/accept',
      operationId: 'acceptInvite',
      tag: 'sessions',
      summary: 'Accept an invite: choose a password and sign in',
      description: `A password of at least 12 characters, not the e-mail address. Signs every earlier session of the user out.`,
      params: secretParams,
      body: { media: ['application/json'], schema: acceptBody, required: true, limit: 8 * 1024 },
      responses: { 200: { description: 'Signed in.', schema: SessionAnswer } },
      errors: { 409: 'conflict: the invite was used already', 404: 'no such invite, or it expired (details.reason)' },
      async handler(c) {
        const b = parseJsonBody(acceptBody, c.body);
        const r = await acceptInvite(
          store,
          { secret: c.params.secret, password: b.password, now: c.now },
          deps.scrypt ? { scrypt: deps.scrypt } : {},
        );
        if (!r.ok) {
          if (r.reason === 'weak_password')
            throw new HttpError('invalid_input', `password: ${r.problem}`, {
              in: 'body',
              issues: [{ path: 'password', message: r.problem }],
            });
          throw inviteRefused(r.reason);
        }
        return {
          status: 200,
          body: sessionBody(r),
          headers: { 'set-cookie': sessionCookie(r.secret, secureRequest(c)), 'cache-control': 'no-store' },
        };
      },
    }),
    defineOperation({
      method: 'POST',
      url: '/v1/invites',
      operationId: 'createInvite',
      tag: 'sessions',
      summary: 'Invite a person to sign in (a one-time link, valid 7 days)',
      description:
        'Creates the user and its login with the role given (and the customer, for the customer role). Inviting an e-mail again renews the link and sets the role: how a forgotten password is reset.',
      action: 'tokens.manage',
      body: { media: ['application/json'], schema: inviteBody, required: true, limit: DOCUMENT_BODY },
      responses: { 201: { description: 'The invite and its one-time link.', schema: CreatedInvite } },
      errors: { 409: 'conflict: the e-mail signs in to another user, or the user signs in with another e-mail' },
      async handler(c) {
        const b = parseJsonBody(inviteBody, c.body);
        const r = await invite(store, c.principal.tenant, {
          email: b.email,
          ...(b.name !== undefined ? { name: b.name } : {}),
          ...(b.user !== undefined ? { userId: b.user } : {}),
          role: b.role,
          ...(b.customer !== undefined ? { customer: b.customer } : {}),
          now: c.now,
          actor: c.principal.actor,
        });
        if (!r.ok)
          throw new HttpError(
            'conflict',
            r.reason === 'email_taken' ? `${b.email} signs in to another user` : `this user signs in as ${r.email}: invite that address`,
            { reason: r.reason },
          );
        return {
          status: 201,
          body: {
            invite: compact({
              email: r.login.email,
              name: r.user.name,
              user: r.user.id,
              role: r.login.role,
              customer: r.login.customer,
              expiresAt: iso(r.invite.expiresAt),
            }),
            path: `/invite/${r.secret}`,
          },
          headers: { 'cache-control': 'no-store' },
        };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/logins',
      operationId: 'listLogins',
      tag: 'sessions',
      summary: 'The people who may sign in to the web app',
      action: 'tokens.manage',
      responses: { 200: { description: 'Every login of the tenant, by e-mail.', schema: LoginList } },
      async handler(c) {
        const items = (await store.listLogins(c.principal.tenant)).map((l) =>
          compact({
            email: l.email,
            user: l.userId,
            role: l.role,
            customer: l.customer,
            passwordSet: l.passwordHash !== undefined,
            lockedUntil: l.lockedUntil !== undefined && l.lockedUntil > c.now ? iso(l.lockedUntil) : undefined,
            createdAt: iso(l.createdAt),
          }),
        );
        return { status: 200, body: { items } };
      },
    }),
  ];
}

function inviteRefused(reason: 'not_found' | 'used' | 'expired' | 'disabled_user'): HttpError {
  if (reason === 'used') return new HttpError('conflict', 'this invite was used already: ask for a new one', { reason });
  if (reason === 'disabled_user') return new HttpError('conflict', 'the invited user is disabled', { reason });
  return new HttpError('not_found', reason === 'expired' ? 'this invite has expired: ask for a new one' : 'no such invite', { reason });
}
