/**
 * JSON helpers that must hold for any input a client can send, however deep.
 *
 * `canonicalJson`: JSON with object keys sorted at every level (by UTF-16 code units, as
 * Array.prototype.sort), so equal values give equal text: for hashing event payloads (a re-sent
 * event with the same content is a duplicate, whatever its key order) and for ordering conflicting
 * duplicates deterministically. The same output as JSON.stringify of the value (undefined members
 * dropped, toJSON honoured), keys sorted.
 *
 * Usually built as a sorted copy serialised by one native JSON.stringify, which is faster than
 * writing the text piece by piece (ingestion does this for every event). JavaScript objects put
 * integer-like keys ("0", "10") first whatever the order they are set in, so a value with such a
 * key is written piece by piece instead; so is a value nested deeper than FAST_DEPTH, because the
 * copy and the native serialiser recurse. The piecewise writer keeps its own stack, so no depth
 * can overflow the call stack (a 2,300-deep attribute once turned a whole batch into a 500).
 *
 * `scanJsonDepth`: how deep a JSON text nests, in one linear pass over the text without parsing
 * it, so a body nested millions of levels deep is refused before JSON.parse spends seconds
 * building it (and before any recursive code sees it).
 */

/** Nesting up to which the fast path (sorted copy + native JSON.stringify) is used. */
const FAST_DEPTH = 200;

export function canonicalJson(value: unknown, omitTopLevel?: string): string {
  const state = { slow: false };
  const copy = sortedCopy(value, state, 0, omitTopLevel);
  if (!state.slow) return JSON.stringify(copy) ?? 'null';
  return write(value, omitTopLevel) ?? 'null';
}

/**
 * `omit`: a key of this object (not of the ones inside it) to leave out. `toJsonDone`: `v` is the
 * result of a toJSON call, which JSON.stringify does not call toJSON on again.
 */
function sortedCopy(v: unknown, state: { slow: boolean }, depth: number, omit?: string, toJsonDone = false): unknown {
  if (v === null || typeof v !== 'object' || state.slow) return v;
  if (depth > FAST_DEPTH) {
    state.slow = true;
    return v;
  }
  if (!toJsonDone && typeof (v as { toJSON?: unknown }).toJSON === 'function')
    return sortedCopy((v as { toJSON: () => unknown }).toJSON(), state, depth, undefined, true);
  if (Array.isArray(v)) return v.map((x) => sortedCopy(x, state, depth + 1));
  const keys = Object.keys(v).sort();
  // No prototype: a key named __proto__ is a key like any other (on {} it would set the prototype).
  const out = Object.create(null) as Record<string, unknown>;
  for (const k of keys) {
    if (k === omit) continue;
    const c = k.charCodeAt(0);
    if (c >= 48 && c <= 57) state.slow = true;
    out[k] = sortedCopy((v as Record<string, unknown>)[k], state, depth + 1);
  }
  return out;
}

/** A container being written: its members so far, and what comes next. */
type Frame =
  | { array: true; value: object; items: readonly unknown[]; next: number; out: string[]; pending: string }
  | { array: false; value: object; obj: Record<string, unknown>; keys: string[]; next: number; out: string[]; pending: string };

const CONTAINER = Symbol('container');

/** The text of a value that is not a container, undefined when JSON leaves it out, CONTAINER otherwise. */
function leaf(v: unknown): string | undefined | typeof CONTAINER {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint': // JSON.stringify throws for it, as the fast path does
      return JSON.stringify(v);
    case 'object':
      return CONTAINER;
    default:
      return undefined; // undefined, functions, symbols: absent, as in JSON.stringify
  }
}

function withToJson(v: unknown, key: string): unknown {
  return v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function'
    ? (v as { toJSON: (k: string) => unknown }).toJSON(key)
    : v;
}

/** Iterative: the nesting lives in `stack`, not in the call stack. */
function write(root: unknown, omit?: string): string | undefined {
  const first = withToJson(root, '');
  const top = leaf(first);
  if (top !== CONTAINER) return top;
  const onStack = new Set<object>();
  const open = (v: object, omitKey?: string): Frame => {
    if (onStack.has(v)) throw new TypeError('Converting circular structure to JSON');
    onStack.add(v);
    if (Array.isArray(v)) return { array: true, value: v, items: v, next: 0, out: [], pending: '' };
    const keys = Object.keys(v)
      .sort()
      .filter((k) => k !== omitKey);
    return { array: false, value: v, obj: v as Record<string, unknown>, keys, next: 0, out: [], pending: '' };
  };
  const add = (f: Frame, key: string, text: string | undefined) => {
    if (f.array) f.out.push(text ?? 'null');
    else if (text !== undefined) f.out.push(`${JSON.stringify(key)}:${text}`);
  };
  const stack: Frame[] = [open(first as object, omit)];
  for (;;) {
    const f = stack[stack.length - 1]!;
    const done = f.array ? f.next >= f.items.length : f.next >= f.keys.length;
    if (done) {
      stack.pop();
      onStack.delete(f.value);
      const text = f.array ? `[${f.out.join(',')}]` : `{${f.out.join(',')}}`;
      const parent = stack[stack.length - 1];
      if (!parent) return text;
      add(parent, parent.pending, text);
      continue;
    }
    const key = f.array ? String(f.next) : f.keys[f.next]!;
    const child = withToJson(f.array ? f.items[f.next] : f.obj[key], key);
    f.next++;
    const text = leaf(child);
    if (text === CONTAINER) {
      f.pending = key;
      stack.push(open(child as object));
    } else add(f, key, text);
  }
}

// ---------------------------------------------------------------------------------------------
// Depth of JSON text, without parsing it

/** A place in a JSON text where nesting went deeper than allowed. */
export interface TooDeep {
  /** Path from the scanned value to the container that is one level too deep. */
  path: Array<string | number>;
  /** Offset of that container's opening bracket in the text. */
  offset: number;
}

/** An element of a top-level array that nests deeper than allowed. */
export interface DeepElement extends TooDeep {
  index: number;
  /** Its text: [start, end) in the scanned text, surrounding white space excluded. */
  start: number;
  end: number;
  /** Its first character: `{` for an object, `[` for an array. */
  opener: string;
}

export interface DepthScan {
  /** The deepest nesting seen (0 for a scalar, 1 for [] or {}). */
  depth: number;
  /** Where the text as a whole first nests deeper than `limit`. */
  tooDeep?: TooDeep;
  /**
   * When the text is an array and `elementLimit` is given: its elements nesting deeper than
   * `elementLimit` (counted from the element: `{}` is 1), each with the path inside it.
   */
  deepElements?: DeepElement[];
}

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const COMMA = 44;
const COLON = 58;

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/**
 * Measures how deep a JSON text nests, in one pass, counting brackets outside strings. It does not
 * check the syntax (JSON.parse does, afterwards, on text known to be shallow enough), so on broken
 * text the figures are approximate, never the cause of a crash. Object keys along the path are
 * decoded only for a path reported, and only down to the limit, so a path stays short.
 *
 * `stop`: return as soon as the answer is known to be a refusal of the whole text: the first
 * `tooDeep` (`'tooDeep'`), or the first deep element that is not an object (`'nonObject'`).
 */
export function scanJsonDepth(text: string, opts: { limit: number; elementLimit?: number; stop?: 'tooDeep' | 'nonObject' }): DepthScan {
  const elementLimit = opts.elementLimit;
  const keep = Math.max(opts.limit, (elementLimit ?? 0) + 1) + 1;
  // Per level 1..keep: whether it is an array, and the index or the key's text span read in it.
  const isArray: boolean[] = [];
  const seg: Array<number | [number, number]> = [];
  let depth = 0;
  let max = 0;
  let tooDeep: TooDeep | undefined;
  const n = text.length;
  let lastString: [number, number] | undefined;
  // The top-level array's current element.
  let topArray = false;
  let elementStart = -1;
  let deep: DeepElement | undefined;
  const deepElements: DeepElement[] = [];
  const first = firstNonSpace(text);
  const pathTo = (d: number): Array<string | number> => seg.slice(1, d).map((x) => (typeof x === 'number' ? x : keyText(text, x[0], x[1])));
  const closeElement = (at: number) => {
    if (deep) {
      let end = at;
      while (end > deep.start && isSpace(text.charCodeAt(end - 1))) end--;
      deep.end = end;
      deepElements.push(deep);
      deep = undefined;
    }
    elementStart = -1;
  };
  const result = (): DepthScan => {
    if (deep) closeElement(n);
    const scan: DepthScan = { depth: max };
    if (tooDeep) scan.tooDeep = tooDeep;
    if (elementLimit !== undefined && topArray) scan.deepElements = deepElements;
    return scan;
  };
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const j = stringEnd(text, i);
      if (topArray && depth === 1 && elementStart < 0) elementStart = i;
      lastString = [i, j];
      i = j;
      continue;
    }
    if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (depth === 0 && i === first) topArray = c === OPEN_ARRAY;
      else if (topArray && depth === 1 && elementStart < 0) elementStart = i;
      depth++;
      if (depth > max) max = depth;
      if (depth <= keep) {
        isArray[depth] = c === OPEN_ARRAY;
        seg[depth] = 0;
      }
      if (depth > opts.limit && !tooDeep) {
        tooDeep = { path: pathTo(depth), offset: i };
        if (opts.stop === 'tooDeep') return result();
      }
      if (elementLimit !== undefined && topArray && depth === elementLimit + 2 && !deep) {
        const start = elementStart < 0 ? i : elementStart;
        deep = { index: seg[1] as number, path: pathTo(depth).slice(1), offset: i, start, end: n, opener: text[start]! };
        if (opts.stop === 'nonObject' && deep.opener !== '{') return result();
      }
      if (depth > keep) {
        // Deeper than anything tracked: only count, until back at the last tracked level.
        let d = depth;
        for (i++; i < n; i++) {
          const k = text.charCodeAt(i);
          if (k === QUOTE) i = stringEnd(text, i);
          else if (k === OPEN_ARRAY || k === OPEN_OBJECT) {
            if (++d > max) max = d;
          } else if ((k === CLOSE_ARRAY || k === CLOSE_OBJECT) && --d === keep) break;
        }
        depth = d;
      }
      continue;
    }
    if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      if (depth > 0) depth--;
      if (topArray && depth === 0) closeElement(i);
      continue;
    }
    if (c === COMMA) {
      if (depth >= 1 && depth <= keep && isArray[depth]) seg[depth] = (seg[depth] as number) + 1;
      if (topArray && depth === 1) closeElement(i);
      continue;
    }
    if (c === COLON) {
      if (depth >= 1 && depth <= keep && !isArray[depth] && lastString) seg[depth] = lastString;
      continue;
    }
    if (topArray && depth === 1 && elementStart < 0 && !isSpace(c)) elementStart = i;
  }
  return result();
}

/** The offset of the quote closing the string opened at `open`: the next one not escaped by an odd run of backslashes. */
function stringEnd(text: string, open: number): number {
  let j = open + 1;
  for (;;) {
    const q = text.indexOf('"', j);
    if (q < 0) return text.length;
    let b = q - 1;
    while (b > open && text.charCodeAt(b) === BACKSLASH) b--;
    if ((q - 1 - b) % 2 === 0) return q;
    j = q + 1;
  }
}

function firstNonSpace(text: string): number {
  let i = 0;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

function keyText(text: string, start: number, end: number): string {
  const raw = text.slice(start, end + 1);
  try {
    const k = JSON.parse(raw) as unknown;
    return typeof k === 'string' ? k : raw;
  } catch {
    return raw;
  }
}

/**
 * The text with each of `spans` replaced by `null` padded with spaces to the same length, so a
 * parser never reads those parts and every other offset (in error messages) stays where it was.
 */
export function blankSpans(text: string, spans: ReadonlyArray<{ start: number; end: number }>): string {
  if (spans.length === 0) return text;
  const parts: string[] = [];
  let at = 0;
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    parts.push(text.slice(at, s.start), 'null'.padEnd(Math.max(4, s.end - s.start), ' '));
    at = s.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}
