/**
 * Mapping a service desk's webhook payload (or one record of its JSON export) to Pledge events
 * through the CSV import's event-per-row mapping (core/events/csv-mapping.ts), where a "column" is
 * a path into the payload. There is one mapper: the payload is turned into rows of cells (one per
 * path the mapping names) and those rows go through the very code that maps CSV rows, so a
 * webhook, a JSON backfill and a CSV import of the same desk validate, translate and derive ids
 * alike. Pure: a parsed payload and headers in, events or issues naming the payload field out.
 *
 * Paths: `issue.number`, `changelog.items[0].field`; `item.<path>` reads the element of `json.each`;
 * `@header.<name>` a request header (lower-case name); `@<name>` a column of `json.columns`.
 *
 * Invariants:
 * - Event ids are a function of the payload (the mapping's id path, else `<ticket>:<kind>:<instant>`),
 *   never of the delivery: a redelivery, or the same change in a webhook and in a backfill, gives
 *   the same ids, so storing it again finds duplicates.
 * - A payload is all or nothing: one bad row rejects the whole delivery (a ticket never appears
 *   half-changed), with issues naming the payload path.
 */
import { bindHeader, type RowOutcome } from '../events/csv.ts';
import type { EventPerRowMapping, FieldPlan, TimePlan } from '../events/csv-mapping.ts';
import type { Timed } from '../events/schema.ts';
import type { Issue } from '../validation/issues.ts';

export type PayloadMapped = { status: 'mapped'; events: Timed[]; skipped: string[] } | { status: 'rejected'; issues: Issue[] };

/** The paths a mapping reads, in a stable order (the "header" of a payload's rows). */
export function mappingPaths(m: EventPerRowMapping): string[] {
  const out = new Set<string>();
  const field = (p: FieldPlan) => {
    if (p.kind === 'column') out.add(p.column);
  };
  const time = (p: TimePlan) => {
    out.add(p.column);
    if (p.kind === 'time' && p.zoneColumn) out.add(p.zoneColumn);
  };
  if (m.id) field(m.id);
  field(m.type);
  time(m.at);
  if (m.ticket) field(m.ticket);
  for (const f of m.fields) {
    if (f.plan.kind === 'time' || f.plan.kind === 'elapsed') time(f.plan as TimePlan);
    else field(f.plan as FieldPlan);
  }
  for (const a of m.attributes) field(a.plan);
  for (const s of m.skip) out.add(s.column);
  return [...out];
}

const SEGMENT = /([^.[\]]+)|\[(\d+)\]/g;

/** The value at a dotted path, or undefined. */
export function valueAt(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const m of path.matchAll(SEGMENT)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    const key = m[1] ?? m[2]!;
    cur = Array.isArray(cur) ? (/^\d+$/.test(key) ? cur[Number(key)] : undefined) : (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** A payload value as a cell: text as is, numbers and booleans written out, nothing (null, objects) as ''. */
function cellOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

export interface PayloadInput {
  payload: unknown;
  /** Request headers, names in lower case (webhooks); none for an export. */
  headers?: Readonly<Record<string, string | undefined>>;
}

/** The rows of one payload: one per element of `json.each` (one when there is none). */
export function payloadRows(m: EventPerRowMapping, input: PayloadInput): { header: string[]; rows: string[][] } {
  const header = mappingPaths(m);
  const each = m.json?.each !== undefined ? valueAt(input.payload, m.json.each) : undefined;
  const items: unknown[] = Array.isArray(each) && each.length > 0 ? each : [undefined];
  const rows = items.map((item) => {
    const read = (path: string): string => {
      if (path.startsWith('@header.')) return input.headers?.[path.slice('@header.'.length).toLowerCase()] ?? '';
      if (path.startsWith('@')) {
        const c = m.json?.columns.find((x) => x.name === path.slice(1));
        if (!c) return '';
        const values = (c.join ?? c.first ?? []).map(read).filter((v) => v !== '');
        return c.join ? values.join(':') : (values[0] ?? '');
      }
      if (path === 'item') return cellOf(item);
      if (path.startsWith('item.') || path.startsWith('item[')) return cellOf(valueAt(item, path.slice(4)));
      return cellOf(valueAt(input.payload, path));
    };
    return header.map(read);
  });
  return { header, rows };
}

/** Unknown `@name` columns in a mapping: a mistake of the mapping, reported before any payload. */
export function unknownColumns(m: EventPerRowMapping): Issue[] {
  const names = new Set(m.json?.columns.map((c) => c.name) ?? []);
  const paths = [...mappingPaths(m), ...(m.json?.columns.flatMap((c) => c.join ?? c.first ?? []) ?? [])];
  return paths
    .filter((p) => p.startsWith('@') && !p.startsWith('@header.') && !names.has(p.slice(1)))
    .map((p) => ({
      path: 'json.columns',
      message: `the mapping reads ${JSON.stringify(p)} but json.columns defines no ${JSON.stringify(p.slice(1))}`,
      expected: names.size ? `one of ${[...names].map((n) => `@${n}`).join(', ')}` : 'a json.columns entry',
    }));
}

/**
 * A payload's events through the mapping. Issues name the payload path (`column "issue.created_at"`)
 * and, for payloads with several rows, the element (`changelog.items[1]`).
 */
export function mapPayload(m: EventPerRowMapping, input: PayloadInput): PayloadMapped {
  const bad = unknownColumns(m);
  if (bad.length) return { status: 'rejected', issues: bad };
  const { header, rows } = payloadRows(m, input);
  const bound = bindHeader(m, header);
  if (!bound.ok) return { status: 'rejected', issues: bound.issues };
  const events: Timed[] = [];
  const skipped: string[] = [];
  const issues: Issue[] = [];
  // A made column (@when) is named with the payload paths it is made of: those are what the sender can check.
  const made = new Map((m.json?.columns ?? []).map((c) => [`@${c.name}`, c]));
  const fieldPath = (path: string) =>
    path.replace(/^column "(@[^"]+)"/, (all, name: string) => {
      const c = made.get(name);
      const from = c?.first ?? c?.join ?? [];
      if (!from.length) return all;
      return `payload field ${JSON.stringify(name)} (${c?.first ? 'the first of' : 'made of'} ${from.join(', ')})`;
    });
  rows.forEach((cells, i) => {
    const out: RowOutcome = bound.value.map(cells, i + 1);
    const where = rows.length > 1 && m.json?.each ? `${m.json.each}[${i}]: ` : '';
    if (out.status === 'mapped') events.push(...out.events);
    else if (out.status === 'skipped') skipped.push(`${where}${out.reason}`);
    else
      for (const { line: _line, ...issue } of out.issues)
        issues.push({
          ...issue,
          path: fieldPath(issue.path).replace(/^column /, 'payload field '),
          ...(where ? { message: `${where}${issue.message}` } : {}),
        });
  });
  if (issues.length) return { status: 'rejected', issues };
  return { status: 'mapped', events, skipped };
}
