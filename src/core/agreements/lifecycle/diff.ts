/**
 * A structural diff of two agreement documents (any JSON values), for `pledge diff` and for
 * showing what an amendment changes.
 *
 * Rules (see README.md):
 * - Objects are compared key by key; a key whose value is undefined counts as absent (JSON).
 * - Arrays whose items are all objects with a distinct, non-empty string `id` (targets, security
 *   commitments, termination rights...) are matched by id, so reordering them is not a change,
 *   and paths name the id: `targets[uptime].value`. An empty array matches either way. Any other
 *   array is compared by index (`services[1]`), because there order may matter (`dependsOn`
 *   lists the order work passes through).
 * - A value that changes type (object to list, number to text) is one `changed` entry holding both
 *   whole values; an added or removed key or item is one entry holding the whole value.
 * - Ordering is stable and independent of key order in the files: object keys are visited in
 *   sorted order, id-matched items in sorted id order, indexed items by index.
 * - Dates (as YAML may produce) are compared by instant. A value met again inside itself (a cycle,
 *   impossible in JSON) is compared by identity instead of recursing, so no input makes it throw.
 */
import { fail, ok, type Result } from '../../validation/issues.ts';
import { getVersion, type Version } from './versions.ts';

export type ChangeKind = 'added' | 'removed' | 'changed';

export interface Change {
  /** Where: `targets[uptime].value`, `services[1]`, `support.channels[0].hours`; '' for the whole document. */
  path: string;
  kind: ChangeKind;
  /** The value before (absent when added). */
  before?: unknown;
  /** The value after (absent when removed). */
  after?: unknown;
}

export function diffDocuments(before: unknown, after: unknown): Change[] {
  const out: Change[] = [];
  walk(before, after, '', out, new Set());
  return out;
}

/** Diffs two versions of an agreement by number (e.g. `pledge diff --from 2 --to 3`). */
export function diffVersions<D>(versions: readonly Version<D>[], from: number, to: number): Result<Change[]> {
  const a = getVersion(versions, from);
  const b = getVersion(versions, to);
  const issues = [
    ...(a.ok ? [] : a.issues.map((i) => ({ ...i, path: 'from' }))),
    ...(b.ok ? [] : b.issues.map((i) => ({ ...i, path: 'to' }))),
  ];
  if (!a.ok || !b.ok) return fail(...issues);
  return ok(diffDocuments(a.value.document, b.value.document));
}

/**
 * One line per change, for people:
 *   ~ targets[uptime].value: 99.9 -> 99.95
 *   + targets[latency]: {"id":"latency","metric":"response_time","value":300}
 *   - security[soc2]: {"evidence":"SOC2-2025.pdf","id":"soc2","standard":"SOC 2"}
 */
export function renderDiff(changes: readonly Change[]): string {
  if (changes.length === 0) return 'no changes';
  return changes
    .map((c) => {
      const where = c.path === '' ? '(document)' : c.path;
      if (c.kind === 'added') return `+ ${where}: ${renderValue(c.after)}`;
      if (c.kind === 'removed') return `- ${where}: ${renderValue(c.before)}`;
      return `~ ${where}: ${renderValue(c.before)} -> ${renderValue(c.after)}`;
    })
    .join('\n');
}

/** Compact JSON with sorted keys, so a rendered value does not depend on the order of keys in a file. */
export function renderValue(v: unknown): string {
  return render(v, new Set());
}

// ---------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
}

function isContainer(v: unknown): v is Obj | unknown[] {
  return Array.isArray(v) || isObj(v);
}

function sameLeaf(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date)
    return a.getTime() === b.getTime() || (Number.isNaN(a.getTime()) && Number.isNaN(b.getTime()));
  // 0 and -0 are one number in JSON; NaN (not JSON, but possible) equals itself.
  return a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));
}

const PLAIN_KEY = /^[A-Za-z0-9_$][A-Za-z0-9_$-]*$/;
const PLAIN_ID = /^[A-Za-z0-9._-]+$/;

function keyPath(base: string, key: string): string {
  if (PLAIN_KEY.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

function idPath(base: string, id: string): string {
  // An all-digit id would read as an index, so it is quoted, like ids with other characters.
  return PLAIN_ID.test(id) && !/^\d+$/.test(id) ? `${base}[${id}]` : `${base}[${JSON.stringify(id)}]`;
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Fields that identify list items, in order of preference: `id` (targets, security...), then
 * `channel` (support channels) and `name` (contact points, maintenance windows), as in layering.
 */
const IDENTITY_KEYS = ['id', 'channel', 'name'] as const;

/** The items' identities under `key` when every item is an object with a distinct non-empty string there. */
function idsOf(list: readonly unknown[], key: string): string[] | undefined {
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const item of list) {
    if (!isObj(item)) return undefined;
    const id = item[key];
    if (typeof id !== 'string' || id === '' || seen.has(id)) return undefined;
    seen.add(id);
    ids.push(id);
  }
  return ids;
}

function walk(a: unknown, b: unknown, path: string, out: Change[], onPath: Set<unknown>): void {
  if (!isContainer(a) || !isContainer(b) || Array.isArray(a) !== Array.isArray(b)) {
    if (a === undefined && b === undefined) return;
    if (a === undefined) out.push({ path, kind: 'added', after: b });
    else if (b === undefined) out.push({ path, kind: 'removed', before: a });
    else if (!sameLeaf(a, b)) out.push({ path, kind: 'changed', before: a, after: b });
    return;
  }
  if (a === b) return;
  if (onPath.has(a) || onPath.has(b)) {
    // A cycle: compare by identity (already known to differ) rather than recurse forever.
    out.push({ path, kind: 'changed', before: a, after: b });
    return;
  }
  onPath.add(a);
  onPath.add(b);
  if (Array.isArray(a) && Array.isArray(b)) walkArrays(a, b, path, out, onPath);
  else walkObjects(a as Obj, b as Obj, path, out, onPath);
  onPath.delete(a);
  onPath.delete(b);
}

function walkObjects(a: Obj, b: Obj, path: string, out: Change[], onPath: Set<unknown>): void {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(byCodeUnit);
  for (const k of keys) walk(a[k], b[k], keyPath(path, k), out, onPath);
}

function walkArrays(a: readonly unknown[], b: readonly unknown[], path: string, out: Change[], onPath: Set<unknown>): void {
  let key: string = 'id';
  let idsA: string[] | undefined;
  let idsB: string[] | undefined;
  for (const k of IDENTITY_KEYS) {
    idsA = idsOf(a, k);
    idsB = idsOf(b, k);
    key = k;
    if (idsA && idsB) break;
  }
  if (idsA && idsB) {
    const mapA = new Map(a.map((item) => [(item as Obj)[key] as string, item]));
    const mapB = new Map(b.map((item) => [(item as Obj)[key] as string, item]));
    const ids = [...new Set([...idsA, ...idsB])].sort(byCodeUnit);
    for (const id of ids) walk(mapA.get(id), mapB.get(id), idPath(path, id), out, onPath);
    return;
  }
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const p = `${path}[${i}]`;
    // An index past the end is absent, whatever the array holds (even an explicit undefined).
    if (i >= a.length) out.push({ path: p, kind: 'added', after: b[i] });
    else if (i >= b.length) out.push({ path: p, kind: 'removed', before: a[i] });
    else walk(a[i], b[i], p, out, onPath);
  }
}

function render(v: unknown, onPath: Set<unknown>): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(Object.is(v, -0) ? 0 : v) : String(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
  if (typeof v !== 'object') return typeof v;
  if (onPath.has(v)) return '[cycle]';
  onPath.add(v);
  let s: string;
  if (Array.isArray(v)) s = `[${v.map((x) => (x === undefined ? 'null' : render(x, onPath))).join(',')}]`;
  else {
    const o = v as Obj;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort(byCodeUnit);
    s = `{${keys.map((k) => `${JSON.stringify(k)}:${render(o[k], onPath)}`).join(',')}}`;
  }
  onPath.delete(v);
  return s;
}
