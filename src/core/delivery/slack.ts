/**
 * An alert as a Slack incoming-webhook message: Block Kit blocks for the channel, and a top-level
 * `text` that Slack shows where blocks cannot be shown (notifications, screen readers, old clients).
 *
 * Invariants:
 * - Every user-provided string is escaped for mrkdwn (escape.ts), so no title can mention
 *   `<!channel>` or hide a link; headers and button labels are plain_text (shown as written).
 * - Slack's documented limits hold whatever the message: header text 150 characters, section
 *   text 3000, section fields 10 per block and 2000 characters each, button text 75 and URL 3000,
 *   at most 25 elements per actions block and 50 blocks per message. Longer texts are cut with an
 *   ellipsis rather than refused by Slack (which would answer 400 `invalid_blocks`).
 */
import type { DeliveryMessage, Severity } from './message.ts';
import { clip, clipEscaped, escapeSlack } from './escape.ts';

export const SLACK_LIMITS = {
  headerText: 150,
  sectionText: 3000,
  fieldsPerSection: 10,
  fieldText: 2000,
  buttonText: 75,
  buttonUrl: 3000,
  actionsElements: 25,
  blocks: 50,
  fallbackText: 3000,
} as const;

type PlainText = { type: 'plain_text'; text: string; emoji?: boolean };
type Mrkdwn = { type: 'mrkdwn'; text: string };
export type SlackBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text: Mrkdwn }
  | { type: 'section'; fields: Mrkdwn[] }
  | { type: 'actions'; elements: Array<{ type: 'button'; text: PlainText; url: string }> }
  | { type: 'context'; elements: Mrkdwn[] };

export interface SlackPayload {
  text: string;
  blocks: SlackBlock[];
}

const ICONS: Record<Severity, string> = { info: ':information_source:', warning: ':warning:', critical: ':rotating_light:' };

export function slackPayload(m: DeliveryMessage): SlackPayload {
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(m.subject, SLACK_LIMITS.headerText), emoji: false } },
  ];
  if (m.text.trim() !== '') {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clipEscaped(m.text.trim(), SLACK_LIMITS.sectionText, escapeSlack) } });
  }
  for (let i = 0; i < m.fields.length; i += SLACK_LIMITS.fieldsPerSection) {
    blocks.push({
      type: 'section',
      fields: m.fields.slice(i, i + SLACK_LIMITS.fieldsPerSection).map((f) => {
        const label = `*${clipEscaped(f.label, 200, escapeSlack)}*\n`;
        return { type: 'mrkdwn', text: `${label}${clipEscaped(f.value, SLACK_LIMITS.fieldText - label.length, escapeSlack)}` };
      }),
    });
  }
  for (let i = 0; i < m.links.length; i += SLACK_LIMITS.actionsElements) {
    const elements = m.links
      .slice(i, i + SLACK_LIMITS.actionsElements)
      .filter((l) => l.url.length <= SLACK_LIMITS.buttonUrl)
      .map((l) => ({
        type: 'button' as const,
        text: { type: 'plain_text' as const, text: clip(l.label, SLACK_LIMITS.buttonText) },
        url: l.url,
      }));
    if (elements.length > 0) blocks.push({ type: 'actions', elements });
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `${ICONS[m.severity]} ${m.severity} · ${escapeSlack(m.eventType)} · <!date^${Math.floor(m.occurredAt / 1000)}^{date_short_pretty} {time}|${new Date(m.occurredAt).toISOString()}>`,
      },
    ],
  });
  // The header stays first and the context last; what does not fit in between is dropped.
  const kept = blocks.length > SLACK_LIMITS.blocks ? [...blocks.slice(0, SLACK_LIMITS.blocks - 1), blocks[blocks.length - 1]!] : blocks;
  const summary = `${m.subject}${m.text.trim() !== '' ? ` — ${m.text.trim()}` : ''}`;
  const icon = `${ICONS[m.severity]} `;
  return { text: `${icon}${clipEscaped(summary, SLACK_LIMITS.fallbackText - icon.length, escapeSlack)}`, blocks: kept };
}
