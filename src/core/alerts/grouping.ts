/**
 * Storm grouping: turning pending notification intents into the messages actually sent, at most
 * `burst` messages per recipient (a channel, a mailbox) in any `intervalMs`. When the intents
 * waiting for a recipient are more than it may still receive in the current interval, they all go
 * as one grouped message ("200 breaches at once: one message"); when it may receive none, they
 * wait until the interval frees a slot (wakeAt). A quiet recipient gets each notification on its
 * own, at once.
 *
 * Pure: the caller (the delivery worker) passes the intents waiting in the outbox and the instants
 * of the messages recently sent to each recipient, and records what this returns in the same
 * transaction as it claims them. A grouped message's key is derived from its recipient and the
 * keys of the intents it carries, so planning the same batch again gives the same key (a redelivery
 * is recognisable), and each intent is carried by exactly one message.
 */
import { groupKey } from './keys.ts';
import type { Message, NotificationIntent, Recipient, Severity } from './types.ts';

export interface GroupingPolicy {
  /** Default 60 s. */
  intervalMs?: number;
  /** Messages a recipient may receive per interval before intents are grouped. Default 3. */
  burst?: number;
  /** Lines listed in a grouped message before "and N more". Default 20. */
  maxLines?: number;
}

export interface OutboundMessage {
  /** The intent's own key for a single message; `grp_...` for a grouped one. */
  key: string;
  recipient: Recipient;
  recipientKey: string;
  /** Keys of the intents this message carries (one, or the group). */
  intents: string[];
  grouped: boolean;
  message: Message;
}

export interface DeliveryPlan {
  messages: OutboundMessage[];
  /** Intents that wait for the recipient's next free slot. */
  held: NotificationIntent[];
  /** When the earliest held intent may go. */
  wakeAt: number | null;
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

export function planDelivery(
  pending: readonly NotificationIntent[],
  recent: ReadonlyMap<string, readonly number[]>,
  now: number,
  policy: GroupingPolicy = {},
): DeliveryPlan {
  const interval = policy.intervalMs ?? 60_000;
  const burst = Math.max(1, policy.burst ?? 3);
  const maxLines = policy.maxLines ?? 20;
  const byRecipient = new Map<string, NotificationIntent[]>();
  for (const i of [...pending].sort((a, b) => a.createdAt - b.createdAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    const l = byRecipient.get(i.recipientKey);
    if (l) l.push(i);
    else byRecipient.set(i.recipientKey, [i]);
  }
  const messages: OutboundMessage[] = [];
  const held: NotificationIntent[] = [];
  let wakeAt: number | null = null;
  for (const [rk, list] of [...byRecipient.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const sent = (recent.get(rk) ?? []).filter((t) => t > now - interval && t <= now).sort((a, b) => a - b);
    const free = burst - sent.length;
    if (free <= 0) {
      held.push(...list);
      const at = sent[sent.length - burst]! + interval;
      if (wakeAt === null || at < wakeAt) wakeAt = at;
      continue;
    }
    if (list.length <= free) {
      for (const i of list)
        messages.push({ key: i.key, recipient: i.recipient, recipientKey: rk, intents: [i.key], grouped: false, message: i.message });
      continue;
    }
    messages.push({
      key: groupKey(
        rk,
        list.map((i) => i.key),
      ),
      recipient: list[0]!.recipient,
      recipientKey: rk,
      intents: list.map((i) => i.key),
      grouped: true,
      message: groupMessage(rk, list, maxLines),
    });
  }
  return { messages, held, wakeAt };
}

function groupMessage(rk: string, list: readonly NotificationIntent[], maxLines: number): Message {
  const severity = list.reduce<Severity>((s, i) => (RANK[i.severity] > RANK[s] ? i.severity : s), 'info');
  const counts = new Map<string, number>();
  for (const i of list) {
    const what = i.transition === 'firing' ? i.severity : i.transition;
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  const order = ['critical', 'warning', 'info', 'acknowledged', 'resolved'];
  const tally = order.filter((k) => counts.has(k)).map((k) => `${counts.get(k)} ${k}`);
  const lines = list.slice(0, maxLines).map((i) => `- ${i.message.subject}`);
  if (list.length > maxLines) lines.push(`- and ${list.length - maxLines} more`);
  const internal = list[0]!.audience === 'internal';
  return {
    subject: `[${severity.toUpperCase()}] ${list.length} notifications: ${tally.join(', ')}`,
    text: [`${list.length} notifications at once (${tally.join(', ')}):`, ...lines].join('\n'),
    fields: tally.map((t) => {
      const [n, k] = t.split(' ');
      return { label: k!, value: n! };
    }),
    severity,
    links: internal ? [{ label: 'Alerts firing', href: '/v1/alerts?state=firing' }] : [],
    threadKey: `group/${encodeURIComponent(rk)}`,
  };
}
