/**
 * Multi-level agreements: the effective terms for a (customer, service) pair are the corporate,
 * customer and service levels merged, the more specific overriding, with the level every term
 * came from.
 *
 * Merge rules (on the documents as written, so defaults never override anything):
 * - objects merge key by key;
 * - lists of items with an identity merge item by item: targets, security, termination rights and
 *   priorities by `id`, support channels by `channel`, escalation by `level`, contact points and
 *   maintenance windows by `name`; a more specific item overrides the fields it gives;
 * - any other list, and every plain value, is replaced by the more specific level's;
 * - `support.quietHours` is replaced whole (a calendar and what is urgent on it are one policy);
 * - identity (id, name, kind, level, parties) is the most specific document's.
 */
import { validate } from '../validation/zod.ts';
import { describeValue, didYouMean, joinPath, type Issue, type Result } from '../validation/issues.ts';
import { pathSegments } from '../calendar/source.ts';
import { agreementSpec, type AgreementSpec } from './schema.ts';
import { checkAgreement, LEVEL_RANK, type LoadedAgreement } from './load.ts';

export interface Provenance {
  /** Path of a term, e.g. `targets[response].clock.byPriority.P1`. */
  path: string;
  /** The agreement (id) and level it came from. */
  agreement: string;
  level: AgreementSpec['level'];
}

export interface EffectiveTerms {
  customer: string;
  service: string;
  /** The documents merged, most general first. */
  chain: Array<{ id: string; level: AgreementSpec['level']; source: string }>;
  terms: AgreementSpec;
  /** Where each leaf term came from. */
  provenance: Provenance[];
  /** The document (source file) that declared each calendar, to resolve its relative path. */
  calendarSources: Record<string, string>;
}

const KEYS: Record<string, string> = {
  targets: 'id',
  security: 'id',
  terminationRights: 'id',
  priorities: 'id',
  channels: 'channel',
  escalation: 'level',
  contactPoints: 'name',
  windows: 'name',
};

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Objects a more specific level replaces whole instead of merging key by key: its quiet hours are
 * one policy (a calendar and what is urgent on it), not a set of independent terms.
 */
const WHOLE = new Set(['quietHours']);

/** Merges `over` onto `base`, recording the origin of every leaf `over` sets. */
function merge(base: Json, over: Json, path: string, field: string, origin: Map<string, string>, from: string): Json {
  if (WHOLE.has(field)) {
    record(over, path, field, origin, from);
    return over;
  }
  if (isObject(over) && isObject(base)) {
    const out: Record<string, Json> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v, path ? `${path}.${k}` : k, k, origin, from);
    return out;
  }
  const key = KEYS[field];
  if (key && Array.isArray(over) && Array.isArray(base) && over.every((x) => isObject(x) && x[key] !== undefined)) {
    const out = base.map((x) => x);
    for (const item of over as Array<Record<string, Json>>) {
      const i = out.findIndex((x) => isObject(x) && x[key] === item[key]);
      const itemPath = `${path}[${String(item[key])}]`;
      if (i >= 0) out[i] = merge(out[i], item, itemPath, '', origin, from);
      else {
        out.push(item);
        record(item, itemPath, '', origin, from);
      }
    }
    return out;
  }
  record(over, path, field, origin, from);
  return over;
}

/** Records `from` as the origin of every leaf of v (list items with an identity by that identity). */
function record(v: Json, path: string, field: string, origin: Map<string, string>, from: string): void {
  // Forget finer origins under a replaced path, then record the new leaves.
  for (const k of [...origin.keys()]) if (k === path || k.startsWith(`${path}.`) || k.startsWith(`${path}[`)) origin.delete(k);
  const key = KEYS[field];
  if (isObject(v) && Object.keys(v).length > 0) {
    for (const [k, x] of Object.entries(v)) record(x, path ? `${path}.${k}` : k, k, origin, from);
  } else if (key && Array.isArray(v) && v.length > 0 && v.every((x) => isObject(x) && x[key] !== undefined)) {
    for (const item of v as Array<Record<string, Json>>) record(item, `${path}[${String(item[key])}]`, '', origin, from);
  } else origin.set(path, from);
}

function covers(a: AgreementSpec, customer: string, service: string): boolean {
  const customerOk = a.parties.customer === undefined || a.level === 'corporate' || a.parties.customer.id === customer;
  const serviceOk = a.services.length === 0 || a.services.includes(service);
  return customerOk && serviceOk;
}

/** The most specific agreement for the pair, and its chain of parents (most general first). */
export function chainFor(portfolio: readonly LoadedAgreement[], customer: string, service: string): Result<LoadedAgreement[]> {
  const byId = new Map<string, LoadedAgreement>();
  const issues: Issue[] = [];
  for (const a of portfolio) {
    if (byId.has(a.spec.id))
      issues.push({
        path: 'id',
        source: a.source,
        message: `two documents have the id "${a.spec.id}" (also ${byId.get(a.spec.id)!.source})`,
        received: describeValue(a.spec.id),
      });
    byId.set(a.spec.id, a);
  }
  if (issues.length) return { ok: false, issues };
  // A customer- or service-level document of any kind names its customer: an SLA its customer,
  // an OLA the internal team it serves, a UC the provider itself as the supplier's customer. The
  // corporate level is the provider's terms for every customer, so only a corporate SLA is the
  // fallback; an internal team or a supplier pair without its own OLA or UC falls back to it too.
  const forPair = (level: AgreementSpec['level']) =>
    portfolio.filter(
      (a) =>
        a.spec.level === level &&
        covers(a.spec, customer, service) &&
        (level === 'corporate' ? a.spec.kind === 'sla' : a.spec.parties.customer?.id === customer),
    );
  let leaf: LoadedAgreement | undefined;
  for (const level of ['service', 'customer', 'corporate'] as const) {
    const found = forPair(level);
    if (found.length > 1) {
      return {
        ok: false,
        issues: [
          {
            path: '',
            message: `${found.length} ${level}-level agreements cover customer "${customer}" and service "${service}": ${found.map((f) => f.spec.id).join(', ')}; exactly one may`,
          },
        ],
      };
    }
    if (found.length === 1) {
      leaf = found[0];
      break;
    }
  }
  if (!leaf) return { ok: false, issues: [{ path: '', message: `no agreement covers customer "${customer}" and service "${service}"` }] };
  return parentsOf(byId, leaf);
}

/** An agreement and its parents, most general first. */
export function chainOf(portfolio: readonly LoadedAgreement[], id: string): Result<LoadedAgreement[]> {
  const byId = new Map(portfolio.map((a) => [a.spec.id, a] as const));
  const leaf = byId.get(id);
  if (!leaf) return { ok: false, issues: [{ path: '', message: `no agreement with id "${id}"` }] };
  return parentsOf(byId, leaf);
}

function parentsOf(byId: ReadonlyMap<string, LoadedAgreement>, leaf: LoadedAgreement): Result<LoadedAgreement[]> {
  const chain = [leaf];
  for (let cur = leaf; cur.spec.parent !== undefined; ) {
    const parent = byId.get(cur.spec.parent);
    if (!parent) {
      const hint = didYouMean(cur.spec.parent, byId.keys());
      return {
        ok: false,
        issues: [
          {
            path: 'parent',
            source: cur.source,
            message: `the parent agreement "${cur.spec.parent}" is not in the portfolio${hint ? `; did you mean "${hint}"?` : ''}`,
            expected: 'the id of a more general agreement among the files (or in the same folder)',
            received: describeValue(cur.spec.parent),
          },
        ],
      };
    }
    if (chain.includes(parent))
      return {
        ok: false,
        issues: [
          {
            path: 'parent',
            source: cur.source,
            message: `agreements name each other as parents in a cycle: ${[...chain, parent].map((c) => c.spec.id).join(' -> ')}`,
          },
        ],
      };
    if (LEVEL_RANK[parent.spec.level] >= LEVEL_RANK[cur.spec.level]) {
      return {
        ok: false,
        issues: [
          {
            path: 'parent',
            source: cur.source,
            message: `a ${cur.spec.level}-level agreement's parent must be a more general level, but "${parent.spec.id}" is ${parent.spec.level}-level`,
          },
        ],
      };
    }
    chain.push(parent);
    cur = parent;
  }
  return { ok: true, value: chain.reverse() };
}

/** Merges a chain (most general first) into the effective terms. */
export function mergeChain(chain: readonly LoadedAgreement[], customer: string, service: string): Result<EffectiveTerms> {
  const origin = new Map<string, string>();
  const calendarSources: Record<string, string> = {};
  let merged: Json = {};
  for (const doc of chain) {
    merged = merge(merged, doc.raw, '', '', origin, doc.spec.id);
    for (const name of Object.keys(doc.spec.calendars)) calendarSources[name] = doc.source;
  }
  const m = merged as Record<string, Json>;
  delete m.parent;
  origin.delete('parent');
  const leaf = chain[chain.length - 1]!;
  // A problem of the merged terms is placed in the document that wrote the term: its file, its
  // own path there (targets[2] in the parent may be targets[0] in the child), line and column.
  const place = (i: Issue): Issue => {
    const at = placeInChain(chain, m, origin, i.path);
    const message = `in the effective terms of ${chain.map((c) => c.spec.id).join(' + ')}: ${i.message}`;
    if (!at) return { ...i, source: leaf.source, message };
    return { ...i, path: at.path, source: at.doc.source, ...(at.pos ?? {}), message };
  };
  const v = validate(agreementSpec, m);
  if (!v.ok) return { ok: false, issues: v.issues.map(place) };
  const problems = checkAgreement(v.value, { inherits: false });
  if (problems.length) return { ok: false, issues: problems.map(place) };
  const levelOf = new Map(chain.map((c) => [c.spec.id, c.spec.level] as const));
  const provenance = [...origin.entries()]
    .map(([path, agreement]) => ({ path, agreement, level: levelOf.get(agreement)! }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    ok: true,
    value: {
      customer,
      service,
      chain: chain.map((c) => ({ id: c.spec.id, level: c.spec.level, source: c.source })),
      terms: v.value,
      provenance,
      calendarSources,
    },
  };
}

/**
 * The document of a chain that wrote the term at `path` of the merged terms (the most specific
 * one when several wrote parts of it), the same term's path in that document, and its position.
 */
function placeInChain(
  chain: readonly LoadedAgreement[],
  merged: Json,
  origin: ReadonlyMap<string, string>,
  path: string,
): { doc: LoadedAgreement; path: string; pos?: { line: number; column: number } } | undefined {
  const segments = pathSegments(path);
  // The path as provenance writes it: list items with an identity by that identity.
  const names: string[] = [];
  let cur: Json = merged;
  let field = '';
  for (const seg of segments) {
    if (typeof seg === 'number' && Array.isArray(cur)) {
      const item: Json = cur[seg];
      const key = KEYS[field];
      names.push(key && isObject(item) && item[key] !== undefined ? `[${String(item[key])}]` : `[${seg}]`);
      cur = item;
      field = '';
    } else {
      names.push(names.length ? `.${seg}` : String(seg));
      cur = isObject(cur) ? cur[String(seg)] : undefined;
      field = String(seg);
    }
  }
  const rank = new Map(chain.map((c, i) => [c.spec.id, i] as const));
  let id: string | undefined;
  for (let n = names.length; n > 0 && id === undefined; n--) {
    const p = names.slice(0, n).join('');
    id = origin.get(p);
    if (id === undefined) {
      // A term made of several leaves (a target): the most specific document that wrote any of them.
      for (const [k, from] of origin)
        if ((k.startsWith(`${p}.`) || k.startsWith(`${p}[`)) && (id === undefined || rank.get(from)! > rank.get(id)!)) id = from;
    }
  }
  const doc = chain.find((c) => c.spec.id === id) ?? chain[chain.length - 1];
  if (!doc) return undefined;
  // The same term in that document: an item with an identity found by it, other lists as they are.
  const own: Array<string | number> = [];
  let m: Json = merged;
  let r: Json = doc.raw;
  field = '';
  for (const seg of segments) {
    if (typeof seg === 'number') {
      if (!Array.isArray(m) || !Array.isArray(r)) break;
      const item: Json = m[seg];
      const key = KEYS[field];
      const idx = key && isObject(item) ? r.findIndex((x) => isObject(x) && x[key] === item[key]) : seg;
      if (idx < 0 || idx >= r.length) break;
      own.push(idx);
      m = item;
      r = r[idx];
      field = '';
    } else {
      if (!isObject(r) || !(String(seg) in r)) break;
      own.push(seg);
      m = isObject(m) ? m[String(seg)] : undefined;
      r = r[String(seg)];
      field = String(seg);
    }
  }
  const complete = own.length === segments.length;
  const pos = doc.locate?.(own);
  return { doc, path: complete ? joinPath(own) : path, ...(pos ? { pos } : {}) };
}

/**
 * The checks that span documents, for `pledge validate`: ids are unique (or the documents are
 * versions of one agreement, with different effective dates), every parent exists, is a
 * more general level and forms no cycle, and each chain's effective terms are valid as a whole (a
 * child may name a target or calendar its parent declares). `context` holds documents that may be
 * parents but are not validated themselves (the folder of a file given alone). Every issue names
 * the file, the path, the line and the column.
 */
export function checkDocuments(docs: readonly LoadedAgreement[], context: readonly LoadedAgreement[] = []): Issue[] {
  const issues: Issue[] = [];
  const all = [...docs, ...context.filter((c) => !docs.some((d) => d.source === c.source))];
  const bySource = new Map(all.map((d) => [d.source, d] as const));
  // Two documents with one id are two versions of one agreement when they take effect on
  // different dates (an amendment names its `effective` date); otherwise one of them is a mistake.
  const firstWithId = new Map<string, LoadedAgreement>();
  const seenVersion = new Map<string, LoadedAgreement>();
  for (const d of docs) {
    const when = d.spec.effective ?? d.spec.term?.start ?? '';
    const other = seenVersion.get(`${d.spec.id}\u0000${when}`);
    if (other)
      issues.push({
        path: d.spec.effective !== undefined ? 'effective' : 'id',
        source: d.source,
        message: `another document has the id "${d.spec.id}" (${other.source})${when ? ` and takes effect on the same day, ${when}` : ''}; ids are unique in a portfolio, and versions of one agreement need their own effective dates`,
        received: describeValue(d.spec.effective ?? d.spec.id),
      });
    else seenVersion.set(`${d.spec.id}\u0000${when}`, d);
    if (!firstWithId.has(d.spec.id)) firstWithId.set(d.spec.id, d);
  }
  // Siblings that repeat an id given on the command line do not count as its parents.
  const portfolio = all.filter((d) => docs.includes(d) || !firstWithId.has(d.spec.id));
  for (const d of docs) {
    if (d.spec.parent === undefined || d.spec.level === 'corporate') continue;
    const chain = chainOf(
      portfolio.filter((x) => x === d || x.spec.id !== d.spec.id),
      d.spec.id,
    );
    if (!chain.ok) {
      issues.push(...chain.issues);
      continue;
    }
    const eff = mergeChain(chain.value, d.spec.parties.customer?.id ?? '', d.spec.services[0] ?? '');
    if (!eff.ok) issues.push(...eff.issues);
  }
  const seen = new Set<string>();
  return issues
    .map((i) => {
      if (i.line !== undefined || !i.source) return i;
      const pos = bySource.get(i.source)?.locate?.(pathSegments(i.path));
      return pos ? { ...i, ...pos } : i;
    })
    .filter((i) => {
      const k = `${i.source}\u0000${i.path}\u0000${i.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
}

export function effectiveTerms(portfolio: readonly LoadedAgreement[], customer: string, service: string): Result<EffectiveTerms> {
  const chain = chainFor(portfolio, customer, service);
  return chain.ok ? mergeChain(chain.value, customer, service) : chain;
}
