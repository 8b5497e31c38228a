/**
 * An alert as a Microsoft Teams message for a Workflows webhook ("When a Teams webhook request is
 * received", the successor of Office 365 connectors): the message envelope Teams workflows accept,
 * `{ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive',
 * content: AdaptiveCard }] }`, with an Adaptive Card of version 1.4 (the highest Teams renders
 * everywhere, mobile included).
 *
 * Invariants:
 * - Only elements and properties of the Adaptive Card 1.4 schema: TextBlock, FactSet,
 *   Action.OpenUrl; every TextBlock wraps; the card has `type`, `version` and `body`.
 * - Text is shown as written; Teams renders a small markdown subset in TextBlock and FactSet
 *   values (bold, italics, lists, links), which user text could use. No HTML is rendered.
 * - Facts and actions are bounded (FACTS_LIMIT, ACTIONS_LIMIT): Teams refuses cards above 28 KB.
 */
import type { DeliveryMessage, Severity } from './message.ts';
import { clip } from './escape.ts';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
export const ADAPTIVE_CARD_VERSION = '1.4';
export const FACTS_LIMIT = 20;
export const ACTIONS_LIMIT = 6;

export type CardElement =
  | {
      type: 'TextBlock';
      text: string;
      wrap: true;
      weight?: 'Bolder';
      size?: 'Small' | 'Medium' | 'Large';
      color?: 'Default' | 'Attention' | 'Warning' | 'Accent';
      isSubtle?: boolean;
      spacing?: 'None' | 'Small' | 'Medium';
    }
  | { type: 'FactSet'; facts: Array<{ title: string; value: string }> };

export interface AdaptiveCard {
  $schema: string;
  type: 'AdaptiveCard';
  version: string;
  body: CardElement[];
  actions?: Array<{ type: 'Action.OpenUrl'; title: string; url: string }>;
  msteams?: { width: 'Full' };
}

export interface TeamsPayload {
  type: 'message';
  attachments: Array<{ contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE; contentUrl: null; content: AdaptiveCard }>;
}

const COLORS: Record<Severity, 'Accent' | 'Warning' | 'Attention'> = { info: 'Accent', warning: 'Warning', critical: 'Attention' };
const LABELS: Record<Severity, string> = { info: 'Info', warning: 'Warning', critical: 'Critical' };

export function adaptiveCard(m: DeliveryMessage): AdaptiveCard {
  const body: CardElement[] = [
    { type: 'TextBlock', text: LABELS[m.severity].toUpperCase(), wrap: true, size: 'Small', weight: 'Bolder', color: COLORS[m.severity] },
    { type: 'TextBlock', text: clip(m.subject, 500), wrap: true, size: 'Medium', weight: 'Bolder', spacing: 'None' },
  ];
  if (m.text.trim() !== '') body.push({ type: 'TextBlock', text: clip(m.text.trim(), 5000), wrap: true });
  if (m.fields.length > 0) {
    body.push({
      type: 'FactSet',
      facts: m.fields.slice(0, FACTS_LIMIT).map((f) => ({ title: clip(f.label, 200), value: clip(f.value, 1000) })),
    });
  }
  body.push({
    type: 'TextBlock',
    text: `${m.eventType} · ${new Date(m.occurredAt).toISOString()}`,
    wrap: true,
    size: 'Small',
    isSubtle: true,
  });
  const card: AdaptiveCard = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: ADAPTIVE_CARD_VERSION,
    body,
    msteams: { width: 'Full' },
  };
  const actions = m.links.slice(0, ACTIONS_LIMIT).map((l) => ({ type: 'Action.OpenUrl' as const, title: clip(l.label, 100), url: l.url }));
  if (actions.length > 0) card.actions = actions;
  return card;
}

export function teamsPayload(m: DeliveryMessage): TeamsPayload {
  return { type: 'message', attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: adaptiveCard(m) }] };
}
