/**
 * An alert as an e-mail: subject, text and HTML parts, and the headers that make redelivery and
 * threading work. Pure; src/delivery/email.ts hands the result to nodemailer.
 *
 * Invariants:
 * - Every user-provided string is HTML-escaped in the HTML part (escape.ts); links are http(s) or
 *   mailto (message.ts), so no href can run script. `message.html` is the trusted exception.
 * - Same message, same e-mail: the Message-ID comes from the tenant and the idempotency key and
 *   the Date header is the event's instant, so a redelivery after a crash is the same message
 *   (clients and many servers drop a second copy with a known Message-ID).
 * - Same thread key, same thread: In-Reply-To and References name the thread's root id (ids.ts).
 * - Auto-Submitted: auto-generated (RFC 3834) and X-Auto-Response-Suppress keep out-of-office
 *   robots from answering alerts.
 */
import type { DeliveryMessage, Severity } from './message.ts';
import { emailMessageId, emailThreadId } from './ids.ts';
import { escapeHtml } from './escape.ts';

export interface EmailContent {
  messageId: string;
  subject: string;
  text: string;
  html: string;
  date: Date;
  inReplyTo?: string;
  references?: string[];
  priority: 'high' | 'normal';
  headers: Record<string, string>;
}

/** The domain part of an address written `a@example.com` or `Name <a@example.com>`. */
export function addressDomain(address: string): string | undefined {
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(address.trim());
  return m?.[1]?.toLowerCase();
}

const COLORS: Record<Severity, string> = { info: '#0969da', warning: '#9a6700', critical: '#cf222e' };
const LABELS: Record<Severity, string> = { info: 'Info', warning: 'Warning', critical: 'Critical' };

function textPart(m: DeliveryMessage): string {
  const parts: string[] = [m.text.trim()];
  if (m.fields.length > 0) parts.push(m.fields.map((f) => `${f.label}: ${f.value}`).join('\n'));
  if (m.links.length > 0) parts.push(m.links.map((l) => `${l.label}: ${l.url}`).join('\n'));
  parts.push(`-- \nSent by Pledge (${m.eventType}, severity ${m.severity}).`);
  return `${parts.filter((p) => p !== '').join('\n\n')}\n`;
}

function paragraphs(text: string): string {
  return text
    .trim()
    .split(/\n\s*\n/)
    .filter((p) => p.trim() !== '')
    .map((p) => `<p style="margin:0 0 12px">${escapeHtml(p.trim()).replace(/\r?\n/g, '<br>')}</p>`)
    .join('\n');
}

function htmlPart(m: DeliveryMessage): string {
  const color = COLORS[m.severity];
  const fields =
    m.fields.length === 0
      ? ''
      : `<table style="border-collapse:collapse;margin:0 0 12px">\n${m.fields
          .map(
            (f) =>
              `<tr><th style="text-align:left;padding:2px 12px 2px 0;vertical-align:top">${escapeHtml(f.label)}</th>` +
              `<td style="padding:2px 0">${escapeHtml(f.value).replace(/\r?\n/g, '<br>')}</td></tr>`,
          )
          .join('\n')}\n</table>`;
  const links =
    m.links.length === 0
      ? ''
      : `<p style="margin:0 0 12px">${m.links.map((l) => `<a href="${escapeHtml(l.url)}">${escapeHtml(l.label)}</a>`).join(' &middot; ')}</p>`;
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8">',
    `<title>${escapeHtml(m.subject)}</title></head>`,
    '<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f2328;font-size:14px">',
    `<div style="border-left:4px solid ${color};padding:4px 12px">`,
    `<p style="margin:0 0 4px;font-size:12px;color:${color};font-weight:bold">${LABELS[m.severity]}</p>`,
    `<h1 style="font-size:18px;margin:0 0 12px">${escapeHtml(m.subject)}</h1>`,
    m.html ?? paragraphs(m.text),
    fields,
    links,
    '</div>',
    `<p style="font-size:12px;color:#59636e">Sent by Pledge (${escapeHtml(m.eventType)}).</p>`,
    '</body></html>',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

/** `domain` names the sender's domain in the Message-ID (usually the From address's). */
export function emailContent(m: DeliveryMessage, domain: string): EmailContent {
  const out: EmailContent = {
    messageId: emailMessageId(m.tenant, m.idempotencyKey, domain),
    subject: m.subject,
    text: textPart(m),
    html: htmlPart(m),
    date: new Date(m.occurredAt),
    priority: m.severity === 'critical' ? 'high' : 'normal',
    headers: {
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
      'X-Pledge-Event': m.eventType,
      'X-Pledge-Severity': m.severity,
    },
  };
  if (m.threadKey !== undefined) {
    const root = emailThreadId(m.tenant, m.threadKey, domain);
    out.inReplyTo = root;
    out.references = [root];
  }
  return out;
}
