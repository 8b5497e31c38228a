/**
 * Is this delivery from the desk? Each vendor's way of proving it (docs/sources.md):
 *
 * - github: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>` under the webhook secret.
 * - zendesk: `X-Zendesk-Webhook-Signature: <base64 HMAC-SHA256 of timestamp + body>` with the
 *   timestamp in `X-Zendesk-Webhook-Signature-Timestamp`.
 * - jira, freshservice, servicenow sign nothing: the secret is a token sent with each delivery, in
 *   the `X-Pledge-Token` header or the `token` query parameter (their webhook settings take a URL
 *   and custom headers), compared with the stored one.
 *
 * Invariants: every comparison is in constant time (digests of equal length compared with
 * timingSafeEqual), and the body is the bytes as received, before any parsing. Pure apart from
 * hashing: no clock, no I/O.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Vendor } from './defaults.ts';

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing_signature' | 'bad_signature'; message: string };

export interface SignedDelivery {
  body: Buffer | string;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The `token` query parameter, if any. */
  token?: string;
}

/** Constant-time equality of two strings of any length (their SHA-256 digests are compared). */
export function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

const missing = (message: string): SignatureCheck => ({ ok: false, reason: 'missing_signature', message });
const bad = (message: string): SignatureCheck => ({ ok: false, reason: 'bad_signature', message });

export function verifyDelivery(vendor: Vendor, secret: string, d: SignedDelivery): SignatureCheck {
  const h = d.headers;
  switch (vendor) {
    case 'github': {
      const sig = h['x-hub-signature-256'];
      if (!sig) return missing('GitHub deliveries carry X-Hub-Signature-256: set the webhook secret in GitHub to the source secret');
      const mac = `sha256=${createHmac('sha256', secret).update(d.body).digest('hex')}`;
      return sameSecret(sig.trim().toLowerCase(), mac)
        ? { ok: true }
        : bad('X-Hub-Signature-256 does not match the body under the source secret');
    }
    case 'zendesk': {
      const sig = h['x-zendesk-webhook-signature'];
      const ts = h['x-zendesk-webhook-signature-timestamp'];
      if (!sig || !ts) return missing('Zendesk deliveries carry X-Zendesk-Webhook-Signature and X-Zendesk-Webhook-Signature-Timestamp');
      const mac = createHmac('sha256', secret).update(ts, 'utf8').update(d.body).digest('base64');
      return sameSecret(sig.trim(), mac)
        ? { ok: true }
        : bad('X-Zendesk-Webhook-Signature does not match the timestamp and body under the signing secret');
    }
    default: {
      const given = h['x-pledge-token'] ?? d.token;
      if (!given) return missing(`${vendor} deliveries carry the source token: the X-Pledge-Token header or ?token= in the URL`);
      return sameSecret(given, secret) ? { ok: true } : bad('the token is not the source token');
    }
  }
}

/** The vendor's id of a delivery (the same on a redelivery), or a digest of the body when it sends none. */
export function deliveryId(vendor: Vendor, d: SignedDelivery): string {
  const h = d.headers;
  const given =
    vendor === 'github'
      ? h['x-github-delivery']
      : vendor === 'zendesk'
        ? h['x-zendesk-webhook-invocation-id']
        : vendor === 'jira'
          ? h['x-atlassian-webhook-identifier']
          : h['x-pledge-delivery'];
  if (given && given.trim() !== '' && given.length <= 200) return given.trim();
  return `sha256:${createHash('sha256').update(d.body).digest('hex')}`;
}
