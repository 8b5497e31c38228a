/**
 * Channel secrets at rest and at use: AES-256-GCM encryption under PLEDGE_SECRET_KEY, and the
 * resolution of `env:NAME` and `enc:v1:...` values into the secret itself just before sending.
 *
 * Format (version 1): `enc:v1:<key id>:<iv>:<ciphertext and tag>`, base64url parts: the key id is
 * 8 characters of SHA-256 over the key (which key, without revealing it), the IV 12 random bytes,
 * then the ciphertext followed by GCM's 16-byte tag. The additional authenticated data binds the
 * value to its tenant, channel and kind of secret, so a ciphertext copied into another tenant's
 * channel, or from a password field into a URL field, fails to decrypt instead of leaking.
 * (The kind, not the index: reordering a webhook's secrets during rotation keeps them readable.)
 *
 * Keys: PLEDGE_SECRET_KEY holds one or more keys, comma-separated, each 32 bytes written as 64 hex
 * digits or base64; the first encrypts, all decrypt. Rotating: put the new key first, keep the old
 * one after it, re-seal the channels (`sealChannel` re-encrypts values made under another key),
 * then drop the old key. A version 2 format, if ever needed, gets a new prefix; v1 stays readable.
 *
 * Nothing here reads the environment: the caller passes `env` (the process's, parsed once).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import {
  ENCRYPTED,
  ENV_REF,
  mapSecrets,
  secretFields,
  secretForm,
  secretValueProblem,
  type Channel,
  type SecretKind,
} from '../core/delivery/channel.ts';
import { joinPath, type Issue, type Result } from '../core/validation/issues.ts';

export interface SecretKey {
  id: string;
  key: Buffer;
}
export interface Keyring {
  /** Encrypts. */
  current: SecretKey;
  /** Decrypt, by id (the current key included). */
  byId: ReadonlyMap<string, SecretKey>;
}

export function keyId(key: Buffer): string {
  return createHash('sha256').update('pledge-secret-key\0').update(key).digest('base64url').slice(0, 8);
}

/** A new key for PLEDGE_SECRET_KEY: 32 random bytes in base64. */
export function generateSecretKey(): string {
  return randomBytes(32).toString('base64');
}

/** A new Standard Webhooks signing secret: whsec_ and 32 random bytes in base64. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Reads PLEDGE_SECRET_KEY (`path` names it in issues). */
export function parseSecretKeys(text: string, path = 'PLEDGE_SECRET_KEY'): Result<Keyring> {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0)
    return { ok: false, issues: [{ path, message: 'expected a key: 32 bytes as 64 hex digits or base64', received: 'nothing' }] };
  const keys: SecretKey[] = [];
  const issues: Issue[] = [];
  parts.forEach((p, i) => {
    const key = /^[0-9a-fA-F]{64}$/.test(p)
      ? Buffer.from(p, 'hex')
      : /^[A-Za-z0-9+/_-]{43}=?$/.test(p)
        ? Buffer.from(p, 'base64')
        : undefined;
    if (key?.length !== 32) {
      issues.push({
        path: parts.length > 1 ? `${path}[${i}]` : path,
        message: 'expected 32 bytes as 64 hex digits or base64 (e.g. from `openssl rand -base64 32`)',
        received: `${p.length} characters`,
      });
    } else keys.push({ id: keyId(key), key });
  });
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, value: { current: keys[0]!, byId: new Map(keys.map((k) => [k.id, k])) } };
}

/** What the ciphertext is bound to. */
export function secretContext(tenant: string, channelId: string, kind: SecretKind): string {
  return `pledge-secret:v1\0${tenant}\0${channelId}\0${kind}`;
}

export function encryptSecret(plain: string, keyring: Keyring, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyring.current.key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const out = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `enc:v1:${keyring.current.id}:${iv.toString('base64url')}:${out.toString('base64url')}`;
}

/** The plain secret, or why not (as a message; the caller adds the path). */
export function decryptSecret(
  value: string,
  keyring: Keyring | undefined,
  context: string,
): { ok: true; value: string } | { ok: false; message: string } {
  const m = ENCRYPTED.exec(value);
  if (!m) return { ok: false, message: 'not an encrypted value (enc:v1:...)' };
  if (!keyring) return { ok: false, message: 'an encrypted secret needs PLEDGE_SECRET_KEY, which is not set' };
  const key = keyring.byId.get(m[1]!);
  if (!key) return { ok: false, message: `encrypted under key ${m[1]}, which is not in PLEDGE_SECRET_KEY (an old key removed too early?)` };
  const iv = Buffer.from(m[2]!, 'base64url');
  const data = Buffer.from(m[3]!, 'base64url');
  if (data.length < 17 || iv.length !== 12) return { ok: false, message: 'the encrypted value is truncated' };
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, iv);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return { ok: true, value: Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8') };
  } catch {
    return { ok: false, message: 'the encrypted value does not open: altered, or written for another tenant, channel or field' };
  }
}

export interface SecretScope {
  tenant: string;
  keyring?: Keyring;
}

/**
 * The channel with every plain secret encrypted under the current key, and every value encrypted
 * under an older key re-encrypted (rotation). `env:` references stay. For the API, before storing.
 */
export function sealChannel(c: Channel, scope: SecretScope & { keyring: Keyring }): Result<Channel> {
  const issues: Issue[] = [];
  const sealed = mapSecrets(c, (f) => {
    const context = secretContext(scope.tenant, c.id, f.kind);
    const form = secretForm(f.value);
    if (form === 'env') return f.value;
    if (form === 'encrypted') {
      if (ENCRYPTED.exec(f.value)?.[1] === scope.keyring.current.id) return f.value;
      const opened = decryptSecret(f.value, scope.keyring, context);
      if (!opened.ok) {
        issues.push({ path: joinPath(f.path), message: opened.message });
        return f.value;
      }
      return encryptSecret(opened.value, scope.keyring, context);
    }
    return encryptSecret(f.value, scope.keyring, context);
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: sealed };
}

/**
 * The channel with every secret in clear, checked (a whsec_ secret of 24 to 64 bytes, an http(s)
 * URL for Slack and Teams): what senders use, for one delivery, never stored or logged.
 */
export function resolveChannel<C extends Channel>(
  c: C,
  scope: SecretScope & { env: Readonly<Record<string, string | undefined>> },
): Result<C> {
  const issues: Issue[] = [];
  const resolved = mapSecrets(c, (f) => {
    const path = joinPath(f.path);
    let value: string;
    const env = ENV_REF.exec(f.value);
    if (env) {
      const v = scope.env[env[1]!];
      if (v === undefined || v === '') {
        issues.push({ path, message: `the environment variable ${env[1]} is not set` });
        return '';
      }
      value = v.trim();
    } else if (secretForm(f.value) === 'encrypted') {
      const opened = decryptSecret(f.value, scope.keyring, secretContext(scope.tenant, c.id, f.kind));
      if (!opened.ok) {
        issues.push({ path, message: opened.message });
        return '';
      }
      value = opened.value;
    } else value = f.value;
    const problem = secretValueProblem(f.kind, value);
    // The message says what is wrong, never the value.
    if (problem) issues.push({ path, message: `${problem}${env ? ` (in ${env[1]})` : ''}` });
    return value;
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: resolved };
}

export { secretFields };
