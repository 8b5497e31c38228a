/**
 * The demo tenant's admin token. Its secret is stored only as a hash, so it cannot be shown again
 * on the next start: each start mints a fresh one and revokes the earlier ones, so at most one demo
 * token works at a time, and the audit log records each rotation (the new token's creation, and a
 * revocation naming it for each earlier token). Demo tokens also expire after a week: a demo is
 * for trying Pledge, and a token copied into a shell history or a chat should not work for ever.
 *
 * Demo tokens are those of the demo's admin user named "demo admin" (the first seed's, and every
 * start's "demo admin <instant>"); tokens an admin makes for that user with another name are left
 * alone.
 */
import { createApiToken } from '../app/tokens.ts';
import { unwrap } from '../core/validation/issues.ts';
import type { ApiToken, Store } from '../store/types.ts';

export const DEMO_TOKEN_TTL_MS = 7 * 86_400_000;
export const DEMO_USER = 'admin';
const NAME = 'demo admin';

const isDemoToken = (t: ApiToken) => t.userId === DEMO_USER && (t.name === NAME || t.name.startsWith(`${NAME} `));

export interface DemoToken {
  id: string;
  secret: string;
  expiresAt: number;
  /** The earlier demo tokens this one replaces, now revoked. */
  revoked: string[];
}

export async function issueDemoToken(store: Store, opts: { tenant: string; now: number; actor: string }): Promise<DemoToken> {
  const { tenant, now, actor } = opts;
  const expiresAt = now + DEMO_TOKEN_TTL_MS;
  const made = unwrap(
    await createApiToken(
      { store, now, actor },
      { tenant, user: DEMO_USER, name: `${NAME} ${new Date(now).toISOString()}`, role: 'admin', expiresAt },
    ),
  );
  // Made first, so that each revocation can name its successor. Tokens that no longer work
  // (revoked, expired) are left as they are.
  const earlier = (await store.listTokens(tenant, { userId: DEMO_USER })).filter(
    (t) => t.id !== made.token.id && isDemoToken(t) && t.revokedAt === undefined && (t.expiresAt === undefined || t.expiresAt > now),
  );
  const revoked: string[] = [];
  for (const t of earlier) {
    const at = new Date(now).toISOString();
    const r = await store.revokeToken(tenant, t.id, now, {
      at: now,
      actor,
      action: 'token.revoke',
      subject: `token:${t.id}`,
      before: { id: t.id, name: t.name, user: t.userId, role: t.role, status: 'active' },
      after: {
        id: t.id,
        name: t.name,
        user: t.userId,
        role: t.role,
        status: 'revoked',
        revokedAt: at,
        reason: 'demo token rotated',
        replacedBy: made.token.id,
      },
    });
    if (r === 'revoked') revoked.push(t.id);
  }
  return { id: made.token.id, secret: made.secret, expiresAt, revoked };
}
