/**
 * Parsing YAML or JSON text into a plain value while keeping a map from field paths to positions,
 * so validation issues can say `calendar.yaml:4:9: hours.mon[0]: ...`. Pure: takes text, not files.
 */
import { LineCounter, parseDocument, isMap, isSeq, isScalar, isPair, type Node } from 'yaml';
import { joinPath, type Issue, type Result } from './issues.ts';

export interface ParsedSource {
  value: unknown;
  /**
   * Position of the node at a path (as segments), or of its nearest existing ancestor. With `key`,
   * the position of the last segment's key rather than its value (for "unknown field").
   */
  locate(path: ReadonlyArray<string | number>, opts?: { key?: boolean }): { line: number; column: number } | undefined;
  source?: string;
}

/** Parses YAML (a superset of JSON, so JSON files work too). Syntax errors become issues. */
export function parseSourceText(text: string, source?: string): Result<ParsedSource> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
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
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { ok: false, issues: [{ path: '', message: `could not read the document: ${(e as Error).message}`, ...(source ? { source } : {}) }] };
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
  return { ok: true, value: parsed };
}

/** Adds positions and the file name to issues whose paths are given as segment lists. */
export function placeIssues(issues: Array<Issue & { segments?: ReadonlyArray<string | number>; atKey?: boolean }>, src: ParsedSource): Issue[] {
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
