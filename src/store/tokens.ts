/**
 * API token secrets and their hashes.
 *
 * A secret is 32 random bytes (256 bits), shown to its owner once and never stored; the store keeps
 * SHA-256 of it. Why not bcrypt, scrypt or argon2: those are slow on purpose to protect
 * low-entropy passwords from guessing. A 256-bit random secret cannot be guessed however fast the
 * hash is, so slowness buys nothing and would cost every API request tens of milliseconds of CPU.
 * And a salted slow hash cannot be looked up: with a deterministic hash the store finds a token by
 * a unique index on the hash, without knowing the tenant first and without a separate token id in
 * the secret.
 */
import { createHash, randomBytes } from 'node:crypto';

/** The prefix makes leaked tokens recognisable (secret scanners, logs). */
export const TOKEN_PREFIX = 'pledge_';

export function generateTokenSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** SHA-256 of the secret, lower-case hex. */
export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
