/**
 * Notification intents as the alerts core makes them (intentFor on a real Alert's shape), for
 * delivery tests: the keys are the core's own (notificationKey, recipientKey), so a test's rows
 * look exactly like the evaluation's.
 */
import { dedupeKey, notificationKey, recipientKey } from '../../alerts/keys.ts';
import type { NotificationIntent, Recipient, Transition } from '../../alerts/types.ts';

export const DEFAULT_ROUTE: Recipient = { audience: 'internal', who: 'default', medium: null, destination: 'default' };

export function sampleIntent(
  ticket: string,
  over: { recipient?: Recipient; transition?: Transition; createdAt?: number; agreement?: string; level?: string } = {},
): NotificationIntent {
  const recipient = over.recipient ?? DEFAULT_ROUTE;
  const agreement = over.agreement ?? 'acme-gold';
  const level = over.level ?? 'consumed-75';
  const transition = over.transition ?? 'firing';
  const dedupe = dedupeKey({ kind: 'clock', agreement, target: 'response', source: 'desk', ticket, cycle: 1 }, level);
  const rk = recipientKey(recipient);
  const audience = recipient.audience;
  return {
    key: notificationKey(dedupe, 1, transition, rk),
    alertId: `al_${ticket}`,
    dedupeKey: dedupe,
    occurrence: 1,
    transition,
    recipient,
    recipientKey: rk,
    audience,
    severity: 'warning',
    message: {
      subject: `[WARNING] Ticket ${ticket}: 75% of the P1 response target used`,
      text: `Ticket ${ticket} has used 75% of its 4h response target.`,
      fields: [
        { label: 'Agreement', value: agreement },
        { label: 'Used', value: '75%' },
      ],
      severity: 'warning',
      links: audience === 'internal' ? [{ label: 'Alert', href: `/v1/alerts/al_${ticket}` }] : [],
      threadKey: `${audience}/ticket/${agreement}/desk/${encodeURIComponent(ticket)}`,
    },
    createdAt: over.createdAt ?? Date.parse('2026-11-23T10:00:00Z'),
  };
}
