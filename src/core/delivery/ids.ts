/**
 * Identifiers a receiver dedupes and threads on, derived from the message alone, so that a retry,
 * a replay or a redelivery after a crash carries exactly the same ones (ARCHITECTURE.md: each
 * delivery carries an idempotency key the receiver can dedupe on).
 *
 * - webhook-id: the idempotency key itself when it is safe in the signed content
 *   `{id}.{timestamp}.{payload}`, which Standard Webhooks requires free of full stops; otherwise
 *   (a key with `.` or another character outside [A-Za-z0-9_:-]) `msg_` and a hash of the key.
 * - Message-ID: `<pledge.{hash of tenant and key}@{domain}>`: a mail id's left part is a dot-atom,
 *   and the tenant is in the hash so two tenants' keys can never collide in one mailbox.
 * - Thread root: `<pledge.thread.{hash of tenant and thread key}@{domain}>`, put in In-Reply-To and
 *   References of every message of the thread: mail clients that thread by References group them
 *   even though no message carries that id itself (none has to be "first").
 */
import { createHash } from 'node:crypto';

const SAFE_WEBHOOK_ID = /^[A-Za-z0-9_:-]{1,200}$/;

function digest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url').slice(0, 32);
}

export function webhookId(idempotencyKey: string): string {
  return SAFE_WEBHOOK_ID.test(idempotencyKey) ? idempotencyKey : `msg_${digest(idempotencyKey)}`;
}

function hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 40);
}

export function emailMessageId(tenant: string, idempotencyKey: string, domain: string): string {
  return `<pledge.${hex(`${tenant}\n${idempotencyKey}`)}@${domain}>`;
}

export function emailThreadId(tenant: string, threadKey: string, domain: string): string {
  return `<pledge.thread.${hex(`${tenant}\n${threadKey}`)}@${domain}>`;
}
