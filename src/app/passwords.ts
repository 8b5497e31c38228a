/**
 * Password hashing for the web app's sign-in: scrypt (RFC 7914), memory-hard, from Node's own
 * crypto, so nothing native has to be built or downloaded. Parameters follow OWASP's Password
 * Storage Cheat Sheet for scrypt: N = 2^17, r = 8, p = 1 (128 MiB and about a quarter of a second
 * per hash on this project's reference machine). A stored hash names its parameters, so they can be
 * raised later: a hash made with weaker ones still verifies, and `needsRehash` tells the caller to
 * store a new one at the next successful sign-in.
 *
 * Format: `scrypt$<log2 N>$<r>$<p>$<salt, base64url>$<hash, base64url>`.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  log2N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { log2N: 17, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** Shortest password accepted (NIST SP 800-63B asks for at least 8; we ask 12) and the longest (hashing costs). */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

function scrypt(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.log2N;
  const opts: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize('NFKC'), salt, KEY_BYTES, opts, (e, key) => (e ? reject(e) : resolve(key))),
  );
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, params);
  return `scrypt$${params.log2N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

function parse(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | null {
  const m = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!m) return null;
  const params = { log2N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  // Parameters stored by this module only; anything outside these bounds is not a hash of ours.
  if (params.log2N < 10 || params.log2N > 20 || params.r < 1 || params.r > 32 || params.p < 1 || params.p > 16) return null;
  return { params, salt: Buffer.from(m[4]!, 'base64url'), key: Buffer.from(m[5]!, 'base64url') };
}

/** Whether `password` is the one `stored` was made from (constant-time comparison). A malformed hash verifies nothing. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parse(stored);
  if (!h || h.key.length !== KEY_BYTES) return false;
  const key = await scrypt(password, h.salt, h.params);
  return timingSafeEqual(key, h.key);
}

/** Whether a hash was made with weaker parameters than `params` (store a new one after the next sign-in). */
export function needsRehash(stored: string, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  const h = parse(stored);
  return !h || h.params.log2N < params.log2N || h.params.r < params.r || h.params.p < params.p;
}

/** A hash of nothing anyone knows: verified against when an e-mail has no login, so both answers take as long. */
let decoy: Promise<string> | undefined;
export function decoyHash(params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  decoy ??= hashPassword(randomBytes(24).toString('base64url'), params);
  return decoy;
}

/** Why a new password is refused, or null when it is accepted. */
export function passwordProblem(password: string, email: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return `must be at least ${PASSWORD_MIN} characters long (got ${length})`;
  if (length > PASSWORD_MAX) return `must be at most ${PASSWORD_MAX} characters long (got ${length})`;
  if (password.trim().toLowerCase() === email.trim().toLowerCase()) return 'must not be the e-mail address';
  if (new Set(password).size < 4) return 'must use at least 4 different characters';
  return null;
}
