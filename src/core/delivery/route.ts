/**
 * Where one recipient of an alert is sent: the tenant's channel that serves it. Pure: the
 * channels are an argument (the worker reads them from the store for each batch).
 *
 * A recipient (src/core/alerts/types.ts) comes from the escalation matrix (`to`, `how` + `who`),
 * from `support.notices`, or from the default route. Resolution, first rule that applies:
 *
 * 1. `destination` names a channel (`to: [ops-slack]`): that channel, by id. `default` (the
 *    default route) is the channel whose id is `default`.
 * 2. A `medium` without a destination (`how: [email]` for a `who`):
 *    - email: the tenant's e-mail channel for the recipient's audience, sent to the contact's
 *      address when the agreement gives one (the channel's own `to` and `cc` otherwise);
 *    - chat: the tenant's Slack or Teams channel for the audience;
 *    - webhook: the tenant's webhook channel for the audience;
 *    - sms, phone, pager: no channel kind sends them yet: unresolved, and said so.
 *    "The tenant's channel for a medium" is the channel whose id is the medium's name (`email`,
 *    `chat`, `webhook`) if it has that kind and audience, else the first by id that has them.
 * 3. Neither: unresolved.
 *
 * Unresolved is a value with the reason; the worker records it as a failed delivery (an operator
 * adds the channel, then replays). A disabled channel still resolves: `deliver` reports it disabled,
 * so the delivery log says why nothing was sent rather than that nothing was found.
 *
 * Audiences are checked again when sending (an internal message never reaches a customer channel),
 * whatever this returns.
 */
import type { Channel } from './channel.ts';
import type { ChannelKind } from './outcome.ts';

/** As src/core/alerts/types.ts Recipient; repeated here so delivery does not depend on the alerts core. */
export interface RouteRecipient {
  audience: 'internal' | 'customer';
  who: string;
  medium: string | null;
  destination: string | null;
  contact?: { name: string; email?: string; phone?: string };
}

export type Route =
  | {
      ok: true;
      channel: Channel;
      /** E-mail only: the contact's address, instead of the channel's `to` and `cc`. */
      to?: string[];
      /** What grouping counts as one recipient: the channel, and the address when it is overridden. */
      targetKey: string;
    }
  | { ok: false; reason: string };

const KINDS_OF_MEDIUM: Record<string, readonly ChannelKind[]> = {
  email: ['email'],
  chat: ['slack', 'teams'],
  webhook: ['webhook'],
};

export function channelFor(recipient: RouteRecipient, channels: readonly Channel[]): Route {
  if (recipient.destination !== null && recipient.destination !== '') {
    const c = channels.find((x) => x.id === recipient.destination);
    if (!c) {
      return {
        ok: false,
        reason:
          recipient.destination === 'default'
            ? 'the default route needs a channel with id "default", and the tenant has none'
            : `no channel with id "${recipient.destination}"`,
      };
    }
    return { ok: true, channel: c, targetKey: c.id };
  }
  if (recipient.medium !== null && recipient.medium !== '') {
    const kinds = KINDS_OF_MEDIUM[recipient.medium];
    if (!kinds) return { ok: false, reason: `no channel kind sends ${recipient.medium} (to ${recipient.who})` };
    const fits = (c: Channel) => kinds.includes(c.kind) && c.audience === recipient.audience;
    const sorted = [...channels].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const c = sorted.find((x) => x.id === recipient.medium && fits(x)) ?? sorted.find(fits);
    if (!c) {
      return {
        ok: false,
        reason: `no ${recipient.audience} ${kinds.join(' or ')} channel to reach ${recipient.who} by ${recipient.medium}`,
      };
    }
    const email = recipient.contact?.email;
    if (c.kind === 'email' && email) return { ok: true, channel: c, to: [email], targetKey: `${c.id}>${email}` };
    return { ok: true, channel: c, targetKey: c.id };
  }
  return { ok: false, reason: `the recipient ${recipient.who} names neither a destination nor a medium` };
}

/** The channel as sent to: for an e-mail with a contact's address, that address alone. */
export function routedChannel(route: Extract<Route, { ok: true }>): Channel {
  const c = route.channel;
  if (c.kind !== 'email' || !route.to) return c;
  const { cc: _cc, ...settings } = c.settings;
  return { ...c, settings: { ...settings, to: route.to } };
}
