/**
 * API tokens (admin only). A token belongs to a user and carries a role (and, for the customer
 * role, the one customer it may see). The secret is returned once, at creation; only its hash is
 * stored. Revoking is permanent.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ROLES } from '../../core/access/policy.ts';
import { generateTokenSecret, hashTokenSecret } from '../../store/tokens.ts';
import type { ApiToken } from '../../store/types.ts';
import { HttpError } from '../errors.ts';
import { compact, defineOperation, DOCUMENT_BODY, idParam, instant, iso, parseJsonBody, type Deps, type Operation } from '../operation.ts';
import { CreatedToken, Token, TokenList } from '../schemas.ts';

export const createTokenBody = z
  .strictObject({
    name: z.string().min(1).max(200).describe('What the token is for, e.g. "zendesk webhook".'),
    role: z.enum(ROLES),
    customer: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Required for the customer role, refused for the others: the customer id it may see.'),
    user: z
      .strictObject({
        id: idParam.describe('The user the token acts for; created if it does not exist.'),
        name: z.string().min(1).max(200).optional().describe('For a new user; the id when absent.'),
        email: z.email().max(320).optional(),
      })
      .describe('Who the token acts for (the audit log names this user).'),
    expiresAt: instant.optional(),
  })
  .superRefine((b, ctx) => {
    if (b.role === 'customer' && b.customer === undefined)
      ctx.addIssue({ code: 'custom', path: ['customer'], message: 'a customer token names the customer it may see' });
    if (b.role !== 'customer' && b.customer !== undefined)
      ctx.addIssue({ code: 'custom', path: ['customer'], message: `only customer tokens name a customer, not ${b.role} tokens` });
  });

export const tokenIdParams = z.strictObject({ id: z.string().min(1).max(100) });
export const tokenListQuery = z.strictObject({ user: idParam.optional().describe('Only the tokens of this user.') });

export function presentToken(t: ApiToken, now: number) {
  const status: 'revoked' | 'expired' | 'active' =
    t.revokedAt !== undefined ? 'revoked' : t.expiresAt !== undefined && t.expiresAt <= now ? 'expired' : 'active';
  return compact({
    id: t.id,
    name: t.name,
    user: t.userId,
    role: t.role,
    customer: t.customer,
    status,
    createdAt: iso(t.createdAt),
    expiresAt: iso(t.expiresAt),
    lastUsedAt: iso(t.lastUsedAt),
    revokedAt: iso(t.revokedAt),
  });
}

export function tokenOperations(deps: Deps): Operation[] {
  const { store } = deps;
  return [
    defineOperation({
      method: 'POST',
      url: '/v1/tokens',
      operationId: 'createToken',
      tag: 'tokens',
      summary: 'Create an API token',
      description: 'Returns the secret once; store it. Creates the user if needed.',
      action: 'tokens.manage',
      body: { media: ['application/json'], schema: createTokenBody, required: true, limit: DOCUMENT_BODY },
      responses: { 201: { description: '{ token, secret }', schema: CreatedToken } },
      errors: { 409: 'conflict: the user is disabled' },
      async handler(c) {
        const b = parseJsonBody(createTokenBody, c.body);
        const tenant = c.principal.tenant;
        if (b.expiresAt !== undefined && b.expiresAt <= c.now)
          throw new HttpError('invalid_input', 'expiresAt: must be in the future', {
            in: 'body',
            issues: [{ path: 'expiresAt', message: 'must be in the future', received: iso(b.expiresAt) }],
          });
        const existing = await store.getUser(tenant, b.user.id);
        if (existing?.disabledAt !== undefined)
          throw new HttpError('conflict', `the user ${b.user.id} is disabled; its tokens would not work`, { user: b.user.id });
        if (!existing) {
          const user = compact({ id: b.user.id, name: b.user.name ?? b.user.id, email: b.user.email, createdAt: c.now });
          await store.createUser(tenant, user, {
            at: c.now,
            actor: c.principal.actor,
            action: 'user.create',
            subject: `user:${user.id}`,
            after: user,
          });
        }
        const secret = generateTokenSecret();
        const id = `tok_${randomBytes(9).toString('base64url')}`;
        const input = compact({
          id,
          userId: b.user.id,
          name: b.name,
          role: b.role,
          customer: b.customer,
          tokenHash: hashTokenSecret(secret),
          createdAt: c.now,
          expiresAt: b.expiresAt,
        });
        const { tokenHash: _h, ...shown } = input;
        const r = await store.createToken(tenant, input, {
          at: c.now,
          actor: c.principal.actor,
          action: 'token.create',
          subject: `token:${id}`,
          after: shown,
        });
        // The user was created or found just above; ids are random, so neither refusal can happen
        // short of a concurrent deletion, which the store does not offer.
        if (r.status !== 'created') throw new Error(`createToken answered ${r.status}`);
        return { status: 201, body: { token: presentToken(r.value, c.now), secret } };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/tokens',
      operationId: 'listTokens',
      tag: 'tokens',
      summary: 'List API tokens (never their secrets)',
      action: 'tokens.manage',
      query: tokenListQuery,
      responses: { 200: { description: '{ items }', schema: TokenList } },
      async handler(c) {
        const list = await store.listTokens(c.principal.tenant, compact({ userId: c.query.user }));
        return { body: { items: list.map((t) => presentToken(t, c.now)) } };
      },
    }),
    defineOperation({
      method: 'DELETE',
      url: '/v1/tokens/:id',
      operationId: 'revokeToken',
      tag: 'tokens',
      summary: 'Revoke an API token',
      description: 'Permanent. Revoking a revoked token changes nothing and answers 200 again.',
      action: 'tokens.manage',
      params: tokenIdParams,
      responses: { 200: { description: 'The token, revoked', schema: Token } },
      async handler(c) {
        const tenant = c.principal.tenant;
        const before = (await store.listTokens(tenant)).find((t) => t.id === c.params.id);
        if (!before) throw new HttpError('not_found', `no token ${c.params.id}`);
        const r = await store.revokeToken(tenant, c.params.id, c.now, {
          at: c.now,
          actor: c.principal.actor,
          action: 'token.revoke',
          subject: `token:${c.params.id}`,
          before: presentToken(before, c.now),
          after: { ...presentToken(before, c.now), status: 'revoked', revokedAt: iso(c.now) },
        });
        if (r === 'not_found') throw new HttpError('not_found', `no token ${c.params.id}`);
        const after = (await store.listTokens(tenant)).find((t) => t.id === c.params.id)!;
        return { body: presentToken(after, c.now) };
      },
    }),
  ] as Operation[];
}
