/**
 * One rule for the text a client sends, whatever the database: no string (object keys included)
 * may contain U+0000 (NUL) or an unpaired UTF-16 surrogate.
 *
 * Why: PostgreSQL refuses both (NUL in TEXT and JSONB; a lone surrogate has no UTF-8 encoding), so
 * such text used to fail the whole write with a 500 and lose the good events beside it, while
 * SQLite stored it. Checking at the edges (events, JSON bodies, documents, query and path
 * parameters) refuses the one bad value by its path and keeps the two databases equal.
 *
 * The walk keeps its own stack, so a deep value cannot overflow the call stack, and it visits each
 * object once (YAML aliases can share or even cycle).
 */
import { describeValue, joinPath, type Issue } from './issues.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is this rule's purpose.
const SUSPECT = /[\u0000\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What is wrong with a string, or undefined when it is acceptable text. */
export function textProblem(s: string): string | undefined {
  if (!SUSPECT.test(s)) return undefined;
  if (s.includes('\u0000')) return 'contains U+0000 (NUL), which text may not contain';
  const m = LONE_SURROGATE.exec(s);
  if (m) return `contains an unpaired surrogate (U+${m[0].charCodeAt(0).toString(16).toUpperCase()}), which is not valid Unicode text`;
  return undefined;
}

/** The first offending character of a text and what is wrong with it, or undefined. */
export function textProblemAt(s: string): { index: number; message: string } | undefined {
  if (!SUSPECT.test(s)) return undefined;
  const nul = s.indexOf('\u0000');
  const m = LONE_SURROGATE.exec(s);
  if (nul >= 0 && (!m || nul < m.index)) return { index: nul, message: 'contains U+0000 (NUL), which text may not contain' };
  if (m) return { index: m.index, message: textProblem(m[0])! };
  return undefined;
}

export type TextIssue = Issue & { segments: Array<string | number>; atKey?: boolean };

/**
 * Every string in a value (keys included) that breaks the rule, as issues named by path under
 * `prefix`; at most `max` of them (one bad field is enough to refuse, and a list stays short).
 */
export function textIssues(value: unknown, prefix: ReadonlyArray<string | number> = [], max = 20): TextIssue[] {
  const issues: TextIssue[] = [];
  const seen = new Set<object>();
  // Paths as parent links, built into arrays only for an issue: no copying per node, whatever the depth.
  type Link = { up: Link | undefined; seg: string | number } | undefined;
  const segmentsOf = (link: Link, last?: string | number): Array<string | number> => {
    const out: Array<string | number> = last === undefined ? [] : [last];
    for (let l = link; l; l = l.up) out.push(l.seg);
    return [...prefix, ...out.reverse()];
  };
  const stack: Array<{ v: unknown; at: Link }> = [{ v: value, at: undefined }];
  while (stack.length > 0 && issues.length < max) {
    const { v, at } = stack.pop()!;
    if (typeof v === 'string') {
      const p = textProblem(v);
      if (p) {
        const segments = segmentsOf(at);
        issues.push({ path: joinPath(segments), segments, message: p, received: describeValue(v) });
      }
      continue;
    }
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], at: { up: at, seg: i } });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      const p = textProblem(k);
      if (p) {
        const segments = segmentsOf(at, k);
        issues.push({ path: joinPath(segments), segments, atKey: true, message: `the field name ${p}`, received: describeValue(k) });
        continue;
      }
      stack.push({ v: (v as Record<string, unknown>)[k], at: { up: at, seg: k } });
    }
  }
  return issues;
}
