/**
 * Escaping user-provided text for each medium. Every renderer passes every user-provided string
 * through one of these; none builds markup from raw text.
 */

/** HTML text and attribute values (double-quoted attributes). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

/**
 * Slack mrkdwn: `&`, `<` and `>` are the control characters Slack asks senders to escape. It is
 * what keeps a ticket title such as `<!channel>` from pinging everyone, or `<https://x|y>` from
 * becoming a disguised link. (Slack has no escape for `*`, `_`, `~`: such text may show formatted.)
 */
export function escapeSlack(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** Cuts a text to `max` characters (code points), marking the cut with an ellipsis. */
export function clip(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : s;
}

/**
 * Cuts a text so that, once escaped, it fits in `max` characters, without cutting an escape in
 * two (`&am…`): the longest prefix of the raw text whose escaped form and the ellipsis fit.
 */
export function clipEscaped(s: string, max: number, escapeFor: (s: string) => string): string {
  const full = escapeFor(s);
  if (full.length <= max) return full;
  const chars = Array.from(s);
  let lo = 0;
  let hi = chars.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (escapeFor(chars.slice(0, mid).join('')).length + 1 <= max) lo = mid;
    else hi = mid - 1;
  }
  return `${escapeFor(chars.slice(0, lo).join(''))}…`;
}
