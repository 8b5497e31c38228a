/**
 * Parsing YAML or JSON text into a plain value while keeping a map from field paths to positions,
 * so validation issues can say `calendar.yaml:4:9: hours.mon[0]: ...`. Pure: takes text, not files.
 *
 * Documents come from clients too (PUT /v1/agreements, /v1/calendars), so reading one must stay
 * cheap and safe whatever the text:
 * - Nesting is bounded (MAX_DOCUMENT_DEPTH). The yaml library builds its syntax tree iteratively
 *   but turns it into nodes recursively, which overflowed the stack (and once aborted the process)
 *   on a few thousand levels. So the text is first scanned for brackets (linear; refuses a
 *   `[[[[...` body before the slower tokenizer sees it), then the syntax tree is measured exactly,
 *   and only a document within the bound is composed. What aliases stand for is measured too,
 *   before the value is built (`aliasProblem`).
 * - Duplicate keys are found with one set per map: the library's own check compares every key
 *   with every other (a 1 MB map took minutes).
 * - Text follows the rule of validation/text.ts (no NUL, no unpaired surrogate), raw or escaped.
 */
import {
  Composer,
  LineCounter,
  Parser,
  YAMLParseError,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type CST,
  type Document,
  type Node,
} from 'yaml';
import { joinPath, type Issue, type Result } from './issues.ts';
import { textIssues, textProblemAt } from './text.ts';

/** How deep a document may nest: far beyond any agreement or calendar (about 8 levels). */
export const MAX_DOCUMENT_DEPTH = 64;
/**
 * Brackets open at once, counted without reading quotes or comments, beyond which a text is
 * refused before it is tokenized. Far above MAX_DOCUMENT_DEPTH so brackets inside strings cannot
 * refuse a sane document; the exact check comes after.
 */
const MAX_OPEN_BRACKETS = 1000;

export interface ParsedSource {
  value: unknown;
  /**
   * Position of the node at a path (as segments), or of its nearest existing ancestor. With `key`,
   * the position of the last segment's key rather than its value (for "unknown field").
   */
  locate(path: ReadonlyArray<string | number>, opts?: { key?: boolean }): { line: number; column: number } | undefined;
  source?: string;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let from = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    from = i + 1;
  }
  return { line, column: offset - from + 1 };
}

/** The deepest collection of a syntax tree deeper than `limit`, by its offset; iterative. */
function tooDeepIn(tokens: readonly CST.Token[], limit: number): number | undefined {
  const stack: Array<{ t: CST.Token | null | undefined; depth: number }> = tokens.map((t) => ({ t, depth: 0 }));
  while (stack.length > 0) {
    const { t, depth } = stack.pop()!;
    if (!t) continue;
    if (t.type === 'document') {
      stack.push({ t: t.value, depth });
      continue;
    }
    if (t.type !== 'block-map' && t.type !== 'block-seq' && t.type !== 'flow-collection') continue;
    if (depth + 1 > limit) return t.offset;
    for (const item of t.items) {
      const it = item as { key?: CST.Token | null; value?: CST.Token };
      stack.push({ t: it.key, depth: depth + 1 }, { t: it.value, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * Whether the value a document describes nests deeper than `limit`, or would contain itself.
 * Aliases can make either from a shallow text (`&a [*a]`, or a chain of anchors each nesting the
 * previous one: 13 KB made 6,000 levels), and building such a value costs the library seconds, so
 * this is decided on the syntax tree first: in document order, an alias standing for the node of
 * the latest anchor of its name before it, each node measured once.
 */
function aliasProblem(doc: Document.Parsed, limit: number): 'deep' | 'cycle' | undefined {
  type Frame = { node: unknown; children: unknown[]; next: number; height: number };
  const anchors = new Map<string, unknown>();
  const height = new Map<unknown, number>();
  const onPath = new Set<unknown>();
  const open = (node: unknown): Frame | undefined => {
    if (!isMap(node) && !isSeq(node)) return undefined;
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) anchors.set(anchor, node);
    const children = isMap(node) ? node.items.flatMap((p) => (isPair(p) ? [p.key, p.value] : [])) : node.items;
    onPath.add(node);
    return { node, children, next: 0, height: 0 };
  };
  const first = open(doc.contents);
  if (!first) return undefined;
  const stack: Frame[] = [first];
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.next < f.children.length) {
      let c = f.children[f.next++];
      if (isAlias(c)) {
        c = anchors.get(c.source);
        if (onPath.has(c)) return 'cycle';
      } else if (isScalar(c)) {
        const anchor = (c as { anchor?: string }).anchor;
        if (anchor) anchors.set(anchor, c);
      }
      const known = height.get(c);
      if (known !== undefined) f.height = Math.max(f.height, known);
      else if (isMap(c) || isSeq(c)) {
        if (stack.length + 1 > limit) return 'deep';
        stack.push(open(c)!);
      }
      continue;
    }
    stack.pop();
    onPath.delete(f.node);
    const h = f.height + 1;
    if (h > limit) return 'deep';
    height.set(f.node, h);
    const parent = stack[stack.length - 1];
    if (parent) parent.height = Math.max(parent.height, h);
  }
  return undefined;
}

/** Maps with a key given twice (by its text), as parse errors at the second one; iterative. */
function duplicateKeys(doc: Document.Parsed): YAMLParseError[] {
  const errors: YAMLParseError[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0 && errors.length < 20) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        if (isScalar(pair.key)) {
          const k = String(pair.key.value);
          const range = (pair.key as Node).range;
          if (seen.has(k) && range) errors.push(new YAMLParseError([range[0], range[1]], 'DUPLICATE_KEY', 'Map keys must be unique'));
          seen.add(k);
        } else if (pair.key && !isAlias(pair.key)) stack.push(pair.key);
        if (pair.value && !isAlias(pair.value)) stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) if (item && !isAlias(item)) stack.push(item);
    }
  }
  return errors;
}

/** Parses YAML (a superset of JSON, so JSON files work too). Syntax errors become issues. */
export function parseSourceText(text: string, source?: string): Result<ParsedSource> {
  const fail = (message: string, offset?: number): Result<ParsedSource> => ({
    ok: false,
    issues: [{ path: '', message, ...(offset !== undefined ? lineAndColumn(text, offset) : {}), ...(source ? { source } : {}) }],
  });
  const raw = textProblemAt(text);
  if (raw) return fail(`the text ${raw.message}`, raw.index);
  let open = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 91 || c === 123) {
      if (++open > MAX_OPEN_BRACKETS) return fail(`nested too deep: a document may nest at most ${MAX_DOCUMENT_DEPTH} levels`, i);
    } else if ((c === 93 || c === 125) && open > 0) open--;
  }
  const lineCounter = new LineCounter();
  const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(text));
  const deep = tooDeepIn(tokens, MAX_DOCUMENT_DEPTH);
  if (deep !== undefined) return fail(`nested too deep: a document may nest at most ${MAX_DOCUMENT_DEPTH} levels`, deep);
  // As the library's parseDocument does, from the tokens already read.
  const composer = new Composer({ prettyErrors: false, uniqueKeys: false, strict: true });
  let composed: Document.Parsed | undefined;
  for (const d of composer.compose(tokens, true, text.length)) {
    if (!composed) composed = d;
    else {
      composed.errors.push(
        new YAMLParseError(
          [d.range[0], d.range[1]],
          'MULTIPLE_DOCS',
          'Source contains multiple documents; please use YAML.parseAllDocuments()',
        ),
      );
      break;
    }
  }
  if (!composed) return fail('not valid YAML or JSON: no document');
  const doc = composed;
  if (doc.errors.length === 0) doc.errors.push(...duplicateKeys(doc));
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? (e.pos ? lineCounter.linePos(e.pos[0]) : undefined);
        const issue: Issue = { path: '', message: `not valid YAML or JSON: ${e.message.split('\n')[0]}` };
        if (pos) {
          issue.line = pos.line;
          issue.column = pos.col;
        }
        if (source) issue.source = source;
        return issue;
      }),
    };
  }
  const shape = aliasProblem(doc, MAX_DOCUMENT_DEPTH);
  if (shape === 'cycle') return fail('an alias stands for a node that contains it: the document would contain itself');
  if (shape === 'deep') return fail(`nested too deep: a document may nest at most ${MAX_DOCUMENT_DEPTH} levels (aliases included)`);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return {
      ok: false,
      issues: [{ path: '', message: `could not read the document: ${(e as Error).message}`, ...(source ? { source } : {}) }],
    };
  }
  const locate = (path: ReadonlyArray<string | number>, opts: { key?: boolean } = {}) => {
    let node: unknown = doc.contents;
    let found: Node | undefined = node as Node | undefined;
    for (let k = 0; k < path.length; k++) {
      const seg = path[k]!;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        // Point at the value when there is one, else at the key (always the key when asked).
        const v = pair.value as Node | null;
        const target = (opts.key && k === path.length - 1) || !v ? (pair.key as Node) : v;
        node = target;
        found = target;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as Node | undefined;
        if (!item) break;
        node = item;
        found = item;
      } else break;
    }
    const range = found?.range;
    if (!range) return undefined;
    const p = lineCounter.linePos(range[0]);
    return { line: p.line, column: p.col };
  };
  const parsed: ParsedSource = { value, locate };
  if (source) parsed.source = source;
  // Escapes ("\0", "\ud800") can make what the raw text cannot carry.
  const bad = textIssues(value);
  if (bad.length > 0) return { ok: false, issues: placeIssues(bad, parsed) };
  return { ok: true, value: parsed };
}

/** Adds positions and the file name to issues whose paths are given as segment lists. */
export function placeIssues(
  issues: Array<Issue & { segments?: ReadonlyArray<string | number>; atKey?: boolean }>,
  src: ParsedSource,
): Issue[] {
  return issues.map(({ segments, atKey, ...i }) => {
    const pos = src.locate(segments ?? [], { key: atKey === true });
    const out: Issue = { ...i };
    if (pos) {
      out.line = pos.line;
      out.column = pos.column;
    }
    if (src.source) out.source = src.source;
    if (!out.path && segments) out.path = joinPath(segments);
    return out;
  });
}
