/**
 * What Slack and Teams document about the payloads they accept, as checks for test receivers
 * (no maintained schema package for either is a dependency): each returns the problems found,
 * by path, so a receiver can answer 400 as the service would.
 *
 * Slack (Block Kit reference): `text` or `blocks`; at most 50 blocks; header: plain_text of at
 * most 150; section: `text` (at most 3000) and/or `fields` (at most 10, each at most 2000);
 * actions: 1 to 25 elements, a button's text plain_text of at most 75 and url at most 3000;
 * context: 1 to 10 elements.
 * Teams (Workflows webhook, Adaptive Card schema 1.4/1.5): `type: "message"`, `attachments` with
 * contentType application/vnd.microsoft.card.adaptive and `content` an AdaptiveCard with `version`
 * and `body`; TextBlock needs `text`; FactSet needs `facts` of {title, value}; Action.OpenUrl
 * needs `url`.
 */
type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, max = Number.POSITIVE_INFINITY) => typeof v === 'string' && v.length > 0 && v.length <= max;

export function slackProblems(p: unknown): string[] {
  const out: string[] = [];
  if (!isObj(p)) return ['payload: expected an object'];
  if (!str(p.text, 40_000)) out.push('text: expected the fallback text');
  if (!Array.isArray(p.blocks)) return [...out, 'blocks: expected a list'];
  if (p.blocks.length > 50) out.push(`blocks: at most 50, got ${p.blocks.length}`);
  const plain = (v: unknown, max: number, path: string) => {
    if (!isObj(v) || v.type !== 'plain_text' || !str(v.text, max)) out.push(`${path}: expected plain_text of 1 to ${max} characters`);
  };
  const mrkdwn = (v: unknown, max: number, path: string) => {
    if (!isObj(v) || (v.type !== 'mrkdwn' && v.type !== 'plain_text') || !str(v.text, max))
      out.push(`${path}: expected text of 1 to ${max} characters`);
  };
  for (const [i, b] of p.blocks.entries()) {
    const path = `blocks[${i}]`;
    if (!isObj(b)) {
      out.push(`${path}: expected an object`);
      continue;
    }
    switch (b.type) {
      case 'header':
        plain(b.text, 150, `${path}.text`);
        break;
      case 'section':
        if (b.text === undefined && b.fields === undefined) out.push(`${path}: text or fields required`);
        if (b.text !== undefined) mrkdwn(b.text, 3000, `${path}.text`);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields) || b.fields.length === 0 || b.fields.length > 10) out.push(`${path}.fields: 1 to 10`);
          else for (const [j, f] of b.fields.entries()) mrkdwn(f, 2000, `${path}.fields[${j}]`);
        }
        break;
      case 'actions':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 25) out.push(`${path}.elements: 1 to 25`);
        else
          for (const [j, e] of b.elements.entries()) {
            if (!isObj(e) || e.type !== 'button') {
              out.push(`${path}.elements[${j}]: expected a button`);
              continue;
            }
            plain(e.text, 75, `${path}.elements[${j}].text`);
            if (e.url !== undefined && !str(e.url, 3000)) out.push(`${path}.elements[${j}].url: at most 3000`);
          }
        break;
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10) out.push(`${path}.elements: 1 to 10`);
        else for (const [j, e] of b.elements.entries()) mrkdwn(e, 3000, `${path}.elements[${j}]`);
        break;
      default:
        out.push(`${path}.type: unknown block type ${JSON.stringify(b.type)}`);
    }
  }
  return out;
}

const CARD_ELEMENTS = new Set([
  'TextBlock',
  'FactSet',
  'Image',
  'Container',
  'ColumnSet',
  'ActionSet',
  'RichTextBlock',
  'ImageSet',
  'Table',
]);

export function teamsProblems(p: unknown): string[] {
  const out: string[] = [];
  if (!isObj(p)) return ['payload: expected an object'];
  if (p.type !== 'message') out.push('type: expected "message"');
  if (!Array.isArray(p.attachments) || p.attachments.length === 0) return [...out, 'attachments: expected a non-empty list'];
  for (const [i, a] of p.attachments.entries()) {
    const path = `attachments[${i}]`;
    if (!isObj(a)) {
      out.push(`${path}: expected an object`);
      continue;
    }
    if (a.contentType !== 'application/vnd.microsoft.card.adaptive')
      out.push(`${path}.contentType: expected application/vnd.microsoft.card.adaptive`);
    const c = a.content;
    if (!isObj(c)) {
      out.push(`${path}.content: expected an Adaptive Card`);
      continue;
    }
    if (c.type !== 'AdaptiveCard') out.push(`${path}.content.type: expected "AdaptiveCard"`);
    if (typeof c.version !== 'string' || !/^1\.[0-5]$/.test(c.version)) out.push(`${path}.content.version: expected 1.0 to 1.5`);
    if (!Array.isArray(c.body)) {
      out.push(`${path}.content.body: expected a list`);
      continue;
    }
    for (const [j, e] of c.body.entries()) {
      const ep = `${path}.content.body[${j}]`;
      if (!isObj(e) || !CARD_ELEMENTS.has(String(e.type))) {
        out.push(`${ep}.type: unknown element`);
        continue;
      }
      if (e.type === 'TextBlock' && typeof e.text !== 'string') out.push(`${ep}.text: required`);
      if (e.type === 'FactSet') {
        if (!Array.isArray(e.facts)) out.push(`${ep}.facts: required`);
        else
          for (const [k, f] of e.facts.entries()) {
            if (!isObj(f) || typeof f.title !== 'string' || typeof f.value !== 'string') out.push(`${ep}.facts[${k}]: title and value`);
          }
      }
    }
    if (c.actions !== undefined) {
      if (!Array.isArray(c.actions)) out.push(`${path}.content.actions: expected a list`);
      else
        for (const [j, x] of c.actions.entries()) {
          if (!isObj(x) || x.type !== 'Action.OpenUrl' || !str(x.url))
            out.push(`${path}.content.actions[${j}]: expected Action.OpenUrl with a url`);
        }
    }
  }
  return out;
}
