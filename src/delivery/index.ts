/**
 * Delivery channels: what the outbox worker needs to send an alert's message and to record what
 * happened. The pure parts (message model, payloads, retry policy, channel schema) live in
 * src/core/delivery/; the senders, the secrets and `deliver` here.
 */
export { deliver, DEFAULT_TIMEOUT_MS, type DeliverOptions } from './deliver.ts';
export {
  decryptSecret,
  encryptSecret,
  generateSecretKey,
  generateWebhookSecret,
  parseSecretKeys,
  resolveChannel,
  sealChannel,
  type Keyring,
} from './secrets.ts';
export { signatureHeader } from './webhook.ts';
export type { DeliveryMessage, Severity, Audience } from '../core/delivery/message.ts';
export { validateMessage } from '../core/delivery/message.ts';
export type { DeliveryOutcome, AttemptLog, FailureReason, RetryReason } from '../core/delivery/outcome.ts';
export { MAX_ATTEMPTS, RETRY_DELAYS_MS, nextAttemptAt } from '../core/delivery/retry.ts';
export { channelsFromText, parseChannel, redactChannel, REDACTED, type Channel } from '../core/delivery/channel.ts';
