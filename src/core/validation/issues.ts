/**
 * Validation issues: the expected-outcome tier of errors. Bad input is a value, not an exception,
 * until an edge (CLI, HTTP) decides how to present it. Every issue names the field by its path
 * (`targets[2].window`), says what was expected and what was given, and, when the input came from
 * a YAML or JSON file, where in the file.
 */
export interface Issue {
  /** Field path in the input, e.g. `hours.mon[1]`; '' for the document itself. */
  path: string;
  message: string;
  expected?: string;
  received?: string;
  /** 1-based line and column in the source file, when known. */
  line?: number;
  column?: number;
  /** The file the input came from, when known. */
  source?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; issues: Issue[] };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(...issues: Issue[]): Result<T> => ({ ok: false, issues });

/** Thrown only by edges' helpers that prefer exceptions; carries the issues unchanged. */
export class InvalidInputError extends Error {
  readonly code = 'invalid_input';
  constructor(readonly issues: Issue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'InvalidInputError';
  }
}

/** Unwraps a result or throws InvalidInputError (for edges and tests). */
export function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  throw new InvalidInputError(r.issues);
}

/** Joins path segments the way users write them: a.b[2].c */
export function joinPath(segments: ReadonlyArray<string | number | symbol>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? String(s) : `.${String(s)}`;
  }
  return out;
}

/** Short, printable rendering of a given value for `received`. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  return typeof v;
}

/** One line per issue: `file:line:col: path: message (expected X, got Y)`. */
export function formatIssue(i: Issue): string {
  const where = i.source
    ? `${i.source}${i.line ? `:${i.line}:${i.column ?? 1}` : ''}: `
    : i.line
      ? `line ${i.line}, column ${i.column ?? 1}: `
      : '';
  const path = i.path ? `${i.path}: ` : '';
  const parts: string[] = [];
  if (i.expected && !i.message.includes('expected')) parts.push(`expected ${i.expected}`);
  if (i.received) parts.push(`got ${i.received}`);
  const tail = parts.length ? ` (${parts.join(', ')})` : '';
  return `${where}${path}${i.message}${tail}`;
}

/** Levenshtein distance, for "did you mean" suggestions on unknown names. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev = new Array<number>(n + 1);
  let cur = new Array<number>(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[n]!;
}

/** The closest candidate within a small distance, or undefined. */
export function didYouMean(given: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const g = given.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(g, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const limit = Math.max(2, Math.ceil(given.length / 3));
  if (best !== undefined && bestD <= limit && bestD < given.length) return best;
  // A known name that the given one starts with ("mondays" -> "mon") is a likely intent too.
  for (const c of candidates) if (g.startsWith(c.toLowerCase()) || c.toLowerCase().startsWith(g)) return c;
  return undefined;
}
