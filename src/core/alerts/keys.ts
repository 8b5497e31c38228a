/**
 * Keys of alerts and notifications, derived only from what identifies them, so every process that
 * evaluates the same facts derives the same ones:
 * - subject key: what the alert is about (a ticket clock's cycle, a window of a target, a notice);
 * - dedupe key: the subject key and the level (`clock/acme/response/desk/1001/1/consumed-75`);
 * - alert id: `al_` + SHA-256 of (dedupe key, occurrence), 128 bits in hex;
 * - idempotency key of a notification: `ntf_` + SHA-256 of (dedupe key, occurrence, transition,
 *   recipient key): a redelivery carries the same key (a receiver can drop it), any other
 *   notification a different one (the same alert to another recipient, its resolution, the same
 *   condition firing again after it was resolved).
 * Key parts are percent-encoded and joined with `/` (or NUL before hashing), so no two different
 * tuples of parts give the same key. node:crypto's hash is pure computation (no I/O).
 */
import { createHash } from 'node:crypto';
import type { AlertSubject, Recipient, Transition } from './types.ts';

const part = (s: string | number): string => encodeURIComponent(String(s));

/** The subject key: `clock/<agreement>/<target>/<source>/<ticket>/<cycle>`, `window/...`, `notice/...`. */
export function subjectKey(s: AlertSubject): string {
  switch (s.kind) {
    case 'clock':
      return ['clock', s.agreement, s.target, s.source, s.ticket, s.cycle].map(part).join('/');
    case 'window':
      return ['window', s.agreement, s.target, s.window].map(part).join('/');
    case 'notice':
      return ['notice', s.agreement, s.notice, s.ref].map(part).join('/');
  }
}

export function dedupeKey(s: AlertSubject, level: string): string {
  return `${subjectKey(s)}/${part(level)}`;
}

const digest = (parts: ReadonlyArray<string | number>): string =>
  createHash('sha256').update(parts.map(String).join('\u0000')).digest('hex').slice(0, 32);

export function alertId(dedupe: string, occurrence: number): string {
  return `al_${digest(['alert', dedupe, occurrence])}`;
}

/** Stable key of a recipient: audience, who, medium and destination. */
export function recipientKey(r: Recipient): string {
  return [r.audience, r.who, r.medium ?? '', r.destination ?? ''].map(part).join('/');
}

export function notificationKey(dedupe: string, occurrence: number, transition: Transition, recipient: string): string {
  return `ntf_${digest(['notification', dedupe, occurrence, transition, recipient])}`;
}

/** Key of a grouped message: its recipient and the notifications it carries, in any order. */
export function groupKey(recipient: string, memberKeys: readonly string[]): string {
  return `grp_${digest(['group', recipient, ...[...memberKeys].sort()])}`;
}
