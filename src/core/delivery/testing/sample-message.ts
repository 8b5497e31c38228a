/** A message as the alerts core would make one, for delivery tests; override any field. */
import type { DeliveryMessage } from '../message.ts';

export function sampleMessage(over: Partial<DeliveryMessage> = {}): DeliveryMessage {
  return {
    idempotencyKey: 'alrt_01J9Z8K4T1-acme-P1-response-75',
    tenant: 'acme',
    eventType: 'alert.firing',
    subject: 'Ticket T-1042: 75% of the P1 response target used',
    text: 'Ticket T-1042 (printer on fire) has used 75% of its 4h response target.\nIt breaches at 11:00 unless someone answers.',
    severity: 'warning',
    audience: 'internal',
    fields: [
      { label: 'Agreement', value: 'acme-cloud-pbx' },
      { label: 'Target', value: 'P1 response within 4h' },
    ],
    links: [{ label: 'Open in Pledge', url: 'https://pledge.example.com/tickets/T-1042' }],
    threadKey: 'ticket:T-1042',
    occurredAt: Date.parse('2026-11-23T10:00:00Z'),
    data: { alert: { id: 'alrt_01J9Z8K4T1', level: 'warning', threshold: 0.75 }, ticket: 'T-1042' },
    ...over,
  };
}
