/**
 * Authentication: `Authorization: Bearer <secret>`. The secret is hashed (SHA-256, see
 * store/tokens.ts) and looked up; the token names the tenant, so a principal can never reach
 * another tenant's rows. Refusals say why (unknown, revoked, expired, user disabled): the reason
 * helps the owner of a token and tells an attacker nothing a 401 does not.
 */
import type { Principal } from '../core/access/policy.ts';
import { hashTokenSecret } from '../store/tokens.ts';
import type { Store } from '../store/types.ts';
import { HttpError } from './errors.ts';

/** Last use is recorded at most this often per token: a write per request would cost more than it tells. */
const TOUCH_INTERVAL_MS = 60_000;
/** Real secrets are ~50 characters; anything far longer is not one, and is not worth hashing. */
const MAX_SECRET_LENGTH = 512;

export interface Authenticator {
  authenticate(authorization: string | undefined, now: number): Promise<Principal & { tokenId: string }>;
}

function unauthenticated(reason: string, message: string): HttpError {
  return new HttpError(
    'unauthenticated',
    message,
    { reason },
    { 'www-authenticate': `Bearer realm="pledge", error="invalid_token", error_description="${reason}"` },
  );
}

export function createAuthenticator(store: Store): Authenticator {
  // Per process: several server processes each touch once a minute, which is still cheap.
  const lastTouch = new Map<string, number>();
  return {
    async authenticate(authorization, now) {
      if (authorization === undefined || authorization.trim() === '') {
        throw new HttpError(
          'unauthenticated',
          'send an API token: Authorization: Bearer <token>',
          { reason: 'missing_token' },
          { 'www-authenticate': 'Bearer realm="pledge"' },
        );
      }
      const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
      if (!m || m[1]!.length > MAX_SECRET_LENGTH)
        throw unauthenticated('malformed_authorization', 'the Authorization header must be "Bearer <token>"');
      const found = await store.findTokenByHash(hashTokenSecret(m[1]!));
      if (!found) throw unauthenticated('unknown_token', 'the API token is not known');
      const { token, user } = found;
      if (token.revokedAt !== undefined) throw unauthenticated('revoked_token', 'the API token has been revoked');
      if (token.expiresAt !== undefined && token.expiresAt <= now) throw unauthenticated('expired_token', 'the API token has expired');
      if (user.disabledAt !== undefined) throw unauthenticated('disabled_user', 'the user of this API token is disabled');
      const key = `${token.tenant}\u0000${token.id}`;
      const last = lastTouch.get(key);
      if (last === undefined || now - last >= TOUCH_INTERVAL_MS) {
        lastTouch.set(key, now);
        await store.touchToken(token.tenant, token.id, now);
      }
      const principal: Principal & { tokenId: string } = { tenant: token.tenant, role: token.role, actor: user.id, tokenId: token.id };
      if (token.customer !== undefined) principal.customer = token.customer;
      return principal;
    },
  };
}
