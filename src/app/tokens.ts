/** Creating API tokens: the user and tenant made on demand, the secret shown once, the hash stored. */
import { randomBytes } from 'node:crypto';
import { ROLES, type Role } from '../core/access/policy.ts';
import { describeValue, fail, ok, type Result } from '../core/validation/issues.ts';
import { generateTokenSecret, hashTokenSecret } from '../store/tokens.ts';
import type { ApiToken, Store } from '../store/types.ts';

export interface CreateTokenInput {
  tenant: string;
  /** The user the token belongs to (created when missing). */
  user: string;
  name: string;
  role: string;
  customer?: string;
  expiresAt?: number;
}

export async function createApiToken(
  ctx: { store: Store; now: number; actor: string },
  input: CreateTokenInput,
): Promise<Result<{ token: ApiToken; secret: string }>> {
  if (!(ROLES as readonly string[]).includes(input.role))
    return fail({ path: 'role', message: 'unknown role', expected: ROLES.join(', '), received: describeValue(input.role) });
  const role = input.role as Role;
  if (role === 'customer' && !input.customer)
    return fail({ path: 'customer', message: 'a customer token must name the customer it may see', received: 'nothing' });
  if (role !== 'customer' && input.customer)
    return fail({ path: 'customer', message: 'only customer tokens are confined to a customer', received: describeValue(input.customer) });
  if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/.test(input.tenant))
    return fail({
      path: 'tenant',
      message: 'expected a tenant id of letters, digits, ".", "-", "_" or "@"',
      received: describeValue(input.tenant),
    });
  if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,199}$/.test(input.user))
    return fail({
      path: 'user',
      message: 'expected a user id of letters, digits, ".", "-", "_" or "@"',
      received: describeValue(input.user),
    });
  const { store, now, actor } = ctx;
  await store.createTenant(
    { id: input.tenant, name: input.tenant, createdAt: now },
    { at: now, actor, action: 'tenant.create', subject: `tenant:${input.tenant}` },
  );
  await store.createUser(
    input.tenant,
    { id: input.user, name: input.user, createdAt: now },
    { at: now, actor, action: 'user.create', subject: `user:${input.user}` },
  );
  const secret = generateTokenSecret();
  const id = `tok_${randomBytes(8).toString('hex')}`;
  const created = await store.createToken(
    input.tenant,
    {
      id,
      userId: input.user,
      name: input.name,
      role,
      ...(input.customer ? { customer: input.customer } : {}),
      tokenHash: hashTokenSecret(secret),
      createdAt: now,
      ...(input.expiresAt !== undefined ? { expiresAt: input.expiresAt } : {}),
    },
    {
      at: now,
      actor,
      action: 'token.create',
      subject: `token:${id}`,
      after: { id, userId: input.user, name: input.name, role, customer: input.customer ?? null },
    },
  );
  if (created.status !== 'created')
    return fail({ path: 'user', message: 'the user could not be found or created', received: describeValue(input.user) });
  return ok({ token: created.value, secret });
}
