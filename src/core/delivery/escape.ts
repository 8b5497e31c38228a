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
 * two (`&am…`): the cut is made on the raw text, then escaped.
 */
export function clipEscaped(s: string, max: number, escapeFor: (s: string) => string): string {
  let raw = clip(s, max);
  let out = escapeFor(raw);
  while (out.length > max) {
    raw = clip(raw, Math.max(1, Array.from(raw).length - (out.length - max)));
    out = escapeFor(raw);
    if (Array.from(raw).length <= 1) break;
  }
  return out;
}
