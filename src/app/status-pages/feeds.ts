/**
 * The feeds of a status page: Atom 1.0 (RFC 4287) of its incidents and their updates, and
 * iCalendar (RFC 5545) of its maintenance windows.
 *
 * Both are written here in a few lines rather than with a package: ical.js (already a dependency,
 * and what the tests parse the calendar with) folds lines at 75 UTF-16 units, not 75 octets, so
 * an Arabic service name makes lines RFC 5545 says not to write; and the Atom we need is one
 * element type with escaped text, smaller than the code a feed package would bring.
 *
 * Invariants: every text is escaped for its format (XML: & < > " ', and the control characters
 * XML 1.0 cannot carry are dropped; iCalendar: \ ; , and newlines); every instant is UTC
 * (`...Z`); iCalendar lines end in CRLF and are folded at 75 octets without splitting a UTF-8
 * character; the same view gives the same bytes (DTSTAMP is when the window was announced).
 */
import type { PageView } from './view.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters XML 1.0 forbids.
const XML_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function escapeXml(s: string): string {
  return s
    .replace(XML_FORBIDDEN, '')
    .replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}

const isoZ = (ms: number) => new Date(ms).toISOString();

const UPDATE_WORDS: Record<string, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  update: 'Update',
  resolved: 'Resolved',
};

/** The Atom feed: one entry per incident, updated when it last was, its updates newest first. `feedId` identifies the page for good. */
export function renderAtom(v: PageView, base: string, feedId: string): string {
  const updated = Math.max(0, ...v.incidents.map((i) => i.updatedAt));
  const out = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">',
    `<id>urn:pledge:status:${escapeXml(feedId)}</id>`,
    `<title>${escapeXml(v.title)}</title>`,
    `<updated>${isoZ(updated || v.now)}</updated>`,
    `<author><name>${escapeXml(v.title)}</name></author>`,
    `<link rel="self" type="application/atom+xml" href="${escapeXml(base)}/feed.atom"/>`,
    `<link rel="alternate" type="text/html" href="${escapeXml(base)}"/>`,
  ];
  for (const i of v.incidents) {
    const text = i.updates.map((u) => `${UPDATE_WORDS[u.status] ?? u.status} (${isoZ(u.at)}): ${u.message}`).join('\n\n');
    out.push(
      '<entry>',
      `<id>urn:pledge:status:${escapeXml(feedId)}:incident:${escapeXml(i.id)}</id>`,
      `<title>${escapeXml(i.resolvedAt !== undefined ? `Resolved: ${i.title}` : i.title)}</title>`,
      `<published>${isoZ(i.openedAt)}</published>`,
      `<updated>${isoZ(i.updatedAt)}</updated>`,
      `<link rel="alternate" type="text/html" href="${escapeXml(base)}#incidents"/>`,
      `<category term="${escapeXml(i.level)}"/>`,
      `<summary type="text">${escapeXml(`Affects: ${i.services.join(', ')}`)}</summary>`,
      `<content type="text">${escapeXml(text)}</content>`,
      '</entry>',
    );
  }
  out.push('</feed>', '');
  return out.join('\n');
}

/** TEXT value escaping (RFC 5545 3.3.11). */
export function escapeIcsText(s: string): string {
  return s.replace(/\r\n|\r|\n/g, '\n').replace(/[\\;,\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** Folds a content line at 75 octets (RFC 5545 3.1): continuation lines start with one space, never inside a UTF-8 character. */
export function foldIcsLine(line: string): string {
  const parts: string[] = [];
  let cur = '';
  let octets = 0;
  let limit = 75;
  for (const ch of line) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (octets + n > limit) {
      parts.push(cur);
      cur = '';
      octets = 0;
      limit = 74; // the leading space is one of the 75
    }
    cur += ch;
    octets += n;
  }
  parts.push(cur);
  return parts.join('\r\n ');
}

/** UTC DATE-TIME form: 20260610T020000Z. */
const icsTime = (ms: number) =>
  isoZ(ms)
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

export function renderIcs(v: PageView, domain: string): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Pledge//Status page//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${escapeIcsText(`${v.title}: maintenance`)}`,
  ];
  for (const m of v.maintenance) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:${m.uid}@${domain}`,
      `DTSTAMP:${icsTime(m.announcedAt)}`,
      `DTSTART:${icsTime(m.start)}`,
      `DTEND:${icsTime(m.end)}`,
      `SUMMARY:${escapeIcsText(`Scheduled maintenance: ${m.services.join(', ')}`)}`,
      `DESCRIPTION:${escapeIcsText(`Scheduled maintenance of ${m.services.join(', ')}, announced ${isoZ(m.announcedAt)}.`)}`,
      'TRANSP:TRANSPARENT',
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return `${lines.map(foldIcsLine).join('\r\n')}\r\n`;
}
