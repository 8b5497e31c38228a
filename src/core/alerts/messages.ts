/**
 * The neutral message of a notification, which each channel renders its own way (e-mail, Slack
 * blocks, a Teams card, a webhook body), and the intents that carry it.
 *
 * A message says only what its alert holds: the summary, the facts in `details`, and the
 * transition (acknowledged by whom, resolved why). Customer notices are built from customer-facing
 * facts only (reports.ts), and their messages add no link into the provider's tools, so nothing
 * internal (who is escalated, which levels exist) can reach a customer through a message.
 *
 * Thread keys: all notifications about one ticket of one agreement form one thread (its
 * warnings, breach and reminders, across its targets), those about one window of a target another;
 * customer notices thread apart from internal ones.
 */
import { notificationKey, recipientKey } from './keys.ts';
import type { Alert, Message, NotificationIntent, Recipient, Transition } from './types.ts';

const enc = encodeURIComponent;

export function threadKey(a: Pick<Alert, 'subject' | 'audience'>): string {
  const s = a.subject;
  const parts =
    s.kind === 'clock'
      ? ['ticket', s.agreement, s.source, s.ticket]
      : s.kind === 'window'
        ? ['window', s.agreement, s.target, s.window]
        : ['notice', s.agreement, s.notice, s.ref];
  return [a.audience, ...parts].map(enc).join('/');
}

const label = (k: string) => k.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());

export function messageFor(a: Alert, transition: Transition): Message {
  const tag = transition === 'firing' ? a.severity.toUpperCase() : transition.toUpperCase();
  const lines = [a.summary];
  if (transition === 'acknowledged' && a.acknowledged)
    lines.push(`Acknowledged by ${a.acknowledged.by}${a.acknowledged.why ? `: ${a.acknowledged.why}` : ''}.`);
  if (transition === 'resolved' && a.resolved)
    lines.push(`Resolved${a.resolved.by === 'pledge' ? '' : ` by ${a.resolved.by}`}: ${a.resolved.why}.`);
  if (transition === 'firing' && a.resolveWhenSent) lines.push(`Since then: ${a.resolveWhenSent}.`);
  const fields = Object.entries(a.details)
    .filter(([, v]) => v !== null && v !== '')
    .map(([k, v]) => ({ label: label(k), value: String(v) }));
  return {
    subject: `[${tag}] ${a.summary}`,
    text: lines.join('\n'),
    fields,
    severity: a.severity,
    links: a.audience === 'internal' ? [{ label: 'Alert', href: `/v1/alerts/${a.id}` }] : [],
    threadKey: threadKey(a),
  };
}

export function intentFor(a: Alert, transition: Transition, recipient: Recipient, now: number): NotificationIntent {
  const rk = recipientKey(recipient);
  return {
    key: notificationKey(a.dedupeKey, a.occurrence, transition, rk),
    alertId: a.id,
    dedupeKey: a.dedupeKey,
    occurrence: a.occurrence,
    transition,
    recipient,
    recipientKey: rk,
    audience: a.audience,
    severity: a.severity,
    message: messageFor(a, transition),
    createdAt: now,
  };
}
