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
 * - identity (id, name, kind, level, parties) is the most specific document's.
 */
import { validate } from '../validation/zod.ts';
import { describeValue, type Issue, type Result } from '../validation/issues.ts';
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

/** Merges `over` onto `base`, recording the origin of every leaf `over` sets. */
function merge(base: Json, over: Json, path: string, field: string, origin: Map<string, string>, from: string): Json {
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
    if (byId.has(a.spec.id)) issues.push({ path: 'id', source: a.source, message: `two documents have the id "${a.spec.id}" (also ${byId.get(a.spec.id)!.source})`, received: describeValue(a.spec.id) });
    byId.set(a.spec.id, a);
  }
  if (issues.length) return { ok: false, issues };
  // A customer- or service-level document of any kind names its customer: an SLA its customer,
  // an OLA the internal team it serves, a UC the provider itself as the supplier's customer. The
  // corporate level is the provider's terms for every customer, so only a corporate SLA is the
  // fallback; an internal team or a supplier pair without its own OLA or UC falls back to it too.
  const forPair = (level: AgreementSpec['level']) =>
    portfolio.filter((a) => a.spec.level === level && covers(a.spec, customer, service) && (level === 'corporate' ? a.spec.kind === 'sla' : a.spec.parties.customer?.id === customer));
  let leaf: LoadedAgreement | undefined;
  for (const level of ['service', 'customer', 'corporate'] as const) {
    const found = forPair(level);
    if (found.length > 1) {
      return { ok: false, issues: [{ path: '', message: `${found.length} ${level}-level agreements cover customer "${customer}" and service "${service}": ${found.map((f) => f.spec.id).join(', ')}; exactly one may` }] };
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
    if (!parent) return { ok: false, issues: [{ path: 'parent', source: cur.source, message: `the parent agreement "${cur.spec.parent}" is not in the portfolio`, received: describeValue(cur.spec.parent) }] };
    if (chain.includes(parent)) return { ok: false, issues: [{ path: 'parent', source: cur.source, message: `agreements name each other as parents in a cycle: ${[...chain, parent].map((c) => c.spec.id).join(' -> ')}` }] };
    if (LEVEL_RANK[parent.spec.level] >= LEVEL_RANK[cur.spec.level]) {
      return { ok: false, issues: [{ path: 'parent', source: cur.source, message: `a ${cur.spec.level}-level agreement's parent must be a more general level, but "${parent.spec.id}" is ${parent.spec.level}-level` }] };
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
  const v = validate(agreementSpec, m);
  if (!v.ok) return { ok: false, issues: v.issues.map((i) => ({ ...i, message: `in the effective terms of ${chain.map((c) => c.spec.id).join(' + ')}: ${i.message}` })) };
  const problems = checkAgreement(v.value, { inherits: false });
  if (problems.length) return { ok: false, issues: problems.map((i) => ({ ...i, source: leaf.source, message: `in the effective terms of ${chain.map((c) => c.spec.id).join(' + ')}: ${i.message}` })) };
  const levelOf = new Map(chain.map((c) => [c.spec.id, c.spec.level] as const));
  const provenance = [...origin.entries()]
    .map(([path, agreement]) => ({ path, agreement, level: levelOf.get(agreement)! }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    ok: true,
    value: { customer, service, chain: chain.map((c) => ({ id: c.spec.id, level: c.spec.level, source: c.source })), terms: v.value, provenance, calendarSources },
  };
}

export function effectiveTerms(portfolio: readonly LoadedAgreement[], customer: string, service: string): Result<EffectiveTerms> {
  const chain = chainFor(portfolio, customer, service);
  return chain.ok ? mergeChain(chain.value, customer, service) : chain;
}
