/**
 * Turning the rows of a CSV export into Pledge events, as a mapping (csv-mapping.ts) says. Pure:
 * records in, events and per-row problems out. The shell streams the file through csv-parse with
 * the options given here; `readCsvText` does the same on a string (tests, small inputs).
 *
 * Invariants:
 * - A row is all or nothing: when any of its cells is bad, none of its events is produced, so a
 *   ticket never appears half imported (created without its resolution would look open and late).
 * - Every event produced has passed parseEvent.
 * - Ids are a function of the row's content: ticket-per-row ids are `<ticket>:<kind>`
 *   (`T-1001:created`, `T-1001:resolved`...), so the same export imported twice yields duplicates;
 *   event-per-row ids come from the id column, else `<subject>:<type>:<instant>` with `#2`, `#3`
 *   for repeats within the file.
 * - Line numbers are those of the file (1-based, the header being line 1 unless lines are skipped),
 *   counting line breaks inside quoted cells.
 */
import { parse as parseCsvSync } from 'csv-parse/sync';
import type { Options as CsvParseOptions } from 'csv-parse';
import { parseEvent } from './parse.ts';
import { EVENT_TYPES, type EventType, type Timed } from './schema.ts';
import { describeValue, didYouMean, type Issue, type Result } from '../validation/issues.ts';
import { isValidZone, canonicalZone } from '../time/zone.ts';
import { wallToInstant, type WallTime } from '../time/pattern.ts';
import {
  fieldKind,
  fieldsOfType,
  mapKey,
  parseBoolean,
  parseNumber,
  type CsvMapping,
  type CsvOptions,
  type FieldPlan,
  type Scalar,
  type Segments,
  type TimePlan,
} from './csv-mapping.ts';

export type RowOutcome =
  | { line: number; status: 'mapped'; events: Timed[] }
  | { line: number; status: 'skipped'; reason: string }
  | { line: number; status: 'rejected'; issues: Issue[] };

export interface RowMapper {
  /** The header as read (trimmed). */
  readonly header: readonly string[];
  map(cells: readonly string[], line: number): RowOutcome;
}

// ---------------------------------------------------------------------------------------------
// Reading CSV text.

/** csv-parse options for a mapping's CSV settings. Line breaks must be normalized to \n first. */
export function csvParseOptions(csv: CsvOptions): CsvParseOptions {
  return {
    delimiter: csv.delimiter,
    quote: csv.quote,
    escape: csv.quote,
    bom: true,
    // A stray quote inside an unquoted cell (5" screen) is kept as text rather than failing the
    // rest of the file; an unclosed quoted cell still fails (it swallows everything after it).
    relax_quotes: true,
    // Rows with too many or too few cells are reported per row here, with both counts.
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    from_line: csv.skipLines + 1,
    max_record_size: 1 << 20,
    info: true,
  };
}

/**
 * \r\n and \r become \n. csv-parse counts a \r\n inside a quoted cell as two lines, which would
 * shift every later line number; after this, its counts are the file's.
 */
export function normalizeLineBreaks(text: string): string {
  return text.indexOf('\r') < 0 ? text : text.replace(/\r\n?/g, '\n');
}

/** The line a record starts on, from the line csv-parse says it ends on. */
export function recordStartLine(endLine: number, cells: readonly string[]): number {
  let breaks = 0;
  for (const c of cells) for (let i = c.indexOf('\n'); i >= 0; i = c.indexOf('\n', i + 1)) breaks++;
  return endLine - breaks;
}

/** An error csv-parse reports for a record it could not read, as an issue. */
export function csvErrorIssue(err: { code?: string; message?: string }, line: number): Issue {
  if (err.code === 'CSV_QUOTE_NOT_CLOSED')
    return {
      path: '',
      line,
      message:
        'a quoted cell starting on this line is never closed (an unmatched quote character), so the rest of the file could not be read',
    };
  if (err.code === 'CSV_MAX_RECORD_SIZE')
    return { path: '', line, message: 'a row longer than 1 MiB: probably an unmatched quote character' };
  return { path: '', line, message: `cannot read this row as CSV: ${(err.message ?? String(err)).split('\n')[0]}` };
}

/**
 * Feeds records to a mapping: the first record is the header, then each row gives an outcome.
 * Shared by the streaming reader of the shell and `readCsvText`.
 */
export class CsvEventReader {
  private mapper: RowMapper | undefined;
  /** The line the last record csv-parse read ends on (kept at parse time, for skipped records). */
  private parsedEnd = 0;
  private skips: RowOutcome[] = [];
  /** Set when the header does not fit the mapping: then no row is read. */
  fatal: Issue[] | undefined;

  constructor(
    readonly mapping: CsvMapping,
    readonly file?: string,
  ) {}

  get header(): readonly string[] | undefined {
    return this.mapper?.header;
  }

  /** csv-parse options for this mapping, with the hooks that place unreadable records. */
  parserOptions(): CsvParseOptions {
    return {
      ...csvParseOptions(this.mapping.csv),
      on_record: (record: unknown, context: { lines: number }) => {
        this.parsedEnd = context.lines;
        return record;
      },
      on_skip: (err: { code?: string; message?: string } | undefined) => {
        if (!err) return undefined;
        const line = this.parsedEnd + 1;
        this.skips.push({ line, status: 'rejected', issues: [csvErrorIssue(err, line)] });
        return undefined;
      },
    } as CsvParseOptions;
  }

  /** Records csv-parse could not read since the last call, as rejected rows. */
  takeUnreadable(): RowOutcome[] {
    const out = this.skips;
    this.skips = [];
    return out;
  }

  /** A record as csv-parse gives it, with the line it ends on. Returns the outcome of a data row. */
  record(cells: readonly string[], endLine: number): RowOutcome | undefined {
    if (this.fatal) return undefined;
    if (!this.mapper) {
      if (this.mapping.layout === 'event-per-row' && this.mapping.json) {
        this.fatal = [
          {
            path: 'json',
            message: 'applies to JSON payloads (webhooks, JSON exports: docs/sources.md), not to a CSV file',
            ...this.mapping.locate(['json']),
          },
        ];
        return undefined;
      }
      const b = bindHeader(this.mapping, cells, this.file);
      if (!b.ok) this.fatal = b.issues;
      else this.mapper = b.value;
      return undefined;
    }
    return this.mapper.map(cells, recordStartLine(endLine, cells));
  }

  /** After the last record: an empty file has no header to read. */
  finish(): void {
    if (!this.mapper && !this.fatal)
      this.fatal = [
        { path: '', message: 'the file is empty: expected a header line naming the columns', ...(this.file ? { source: this.file } : {}) },
      ];
  }
}

/** Reads a whole CSV text (tests and small inputs); the shell streams with the same reader. */
export function readCsvText(
  text: string,
  mapping: CsvMapping,
  file?: string,
): { outcomes: RowOutcome[]; fatal?: Issue[]; header?: readonly string[] } {
  const reader = new CsvEventReader(mapping, file);
  const outcomes: RowOutcome[] = [];
  const records = parseCsvSync(normalizeLineBreaks(text), reader.parserOptions()) as unknown as Array<{
    record: string[];
    info: { lines: number };
  }>;
  for (const { record, info } of records) {
    const o = reader.record(record, info.lines);
    if (o) outcomes.push(o);
  }
  reader.finish();
  if (!reader.fatal) outcomes.push(...reader.takeUnreadable());
  outcomes.sort((a, b) => a.line - b.line);
  return { outcomes, ...(reader.fatal ? { fatal: reader.fatal } : {}), ...(reader.header ? { header: reader.header } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Binding a mapping to a header.

type BoundField =
  | { kind: 'constant'; value: Scalar; label: string }
  | { kind: 'column'; index: number; label: string; plan: Extract<FieldPlan, { kind: 'column' }> };
type BoundTime = { plan: TimePlan; index: number; zoneIndex?: number; label: string };

const colLabel = (name: string) => `column ${JSON.stringify(name)}`;

/** Resolves the mapping's column names against a header; unknown names are errors of the mapping. */
export function bindHeader(mapping: CsvMapping, rawHeader: readonly string[], file?: string): Result<RowMapper> {
  const header = rawHeader.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h).trim());
  const exact = new Map<string, number[]>();
  const loose = new Map<string, number[]>();
  header.forEach((h, i) => {
    exact.set(h, [...(exact.get(h) ?? []), i]);
    loose.set(mapKey(h), [...(loose.get(mapKey(h)) ?? []), i]);
  });
  const issues: Issue[] = [];
  const where = file ? ` of ${file}` : '';
  const resolve = (name: string, segments: Segments, path: string): number => {
    const hits = exact.get(name) ?? loose.get(mapKey(name));
    if (hits && hits.length === 1) return hits[0]!;
    if (hits && hits.length > 1) {
      issues.push({
        path,
        message: `the header${where} has the column ${JSON.stringify(name)} ${hits.length} times (columns ${hits.map((h) => h + 1).join(', ')}): rename them apart in the export`,
        ...mapping.locate(segments),
      });
      return -1;
    }
    const hint = didYouMean(
      name,
      header.filter((h) => h !== ''),
    );
    const shown =
      header.length > 12
        ? [...header.slice(0, 12).map((h) => JSON.stringify(h)), `... (${header.length} in all)`]
        : header.map((h) => JSON.stringify(h));
    issues.push({
      path,
      message: `no column ${JSON.stringify(name)} in the header${where}${hint ? `; did you mean ${JSON.stringify(hint)}?` : ''}`,
      expected: `one of ${shown.join(', ')}`,
      received: JSON.stringify(name),
      ...mapping.locate(segments),
    });
    return -1;
  };
  const field = (p: FieldPlan): BoundField =>
    p.kind === 'constant'
      ? { kind: 'constant', value: p.value, label: p.path }
      : { kind: 'column', index: resolve(p.column, p.segments, p.path), label: colLabel(p.column), plan: p };
  const time = (p: TimePlan): BoundTime => ({
    plan: p,
    index: resolve(p.column, p.segments, p.path),
    ...(p.kind === 'time' && p.zoneColumn
      ? { zoneIndex: resolve(p.zoneColumn, [...p.segments.slice(0, -1), 'timezoneColumn'], `${p.path}.timezoneColumn`) }
      : {}),
    label: colLabel(p.column),
  });
  const skip = mapping.skip.map((r) => ({
    index: resolve(r.column, r.segments, r.path),
    values: r.values,
    label: colLabel(r.column),
    path: r.path,
  }));
  const attributes = mapping.attributes.map((a) => ({ name: a.name, f: field(a.plan) }));
  if (mapping.layout === 'ticket-per-row') {
    const m = mapping;
    const bound = {
      ticket: field(m.ticket),
      fields: m.fields.map((f) => ({ name: f.name, f: field(f.plan) })),
      created: time(m.created),
      ...(m.responded ? { responded: { at: time(m.responded.at), ...(m.responded.by ? { by: field(m.responded.by) } : {}) } } : {}),
      ...(m.resolved ? { resolved: { at: time(m.resolved.at), ...(m.resolved.by ? { by: field(m.resolved.by) } : {}) } } : {}),
      ...(m.closed ? { closed: { at: time(m.closed.at) } } : {}),
      ...(m.satisfaction
        ? { satisfaction: { score: field(m.satisfaction.score), ...(m.satisfaction.at ? { at: time(m.satisfaction.at) } : {}) } }
        : {}),
    };
    if (issues.length) return { ok: false, issues };
    return { ok: true, value: new TicketRowMapper(m, header, skip, attributes, bound) };
  }
  const m = mapping;
  const bound = {
    ...(m.id ? { id: field(m.id) } : {}),
    type: field(m.type),
    at: time(m.at),
    ...(m.ticket ? { ticket: field(m.ticket) } : {}),
    fields: m.fields.map((f) => ({
      name: f.name,
      time: f.plan.kind === 'time' || f.plan.kind === 'elapsed' ? time(f.plan as TimePlan) : undefined,
      f: f.plan.kind === 'time' || f.plan.kind === 'elapsed' ? undefined : field(f.plan as FieldPlan),
    })),
  };
  if (issues.length) return { ok: false, issues };
  return { ok: true, value: new EventRowMapper(m, header, skip, attributes, bound) };
}

// ---------------------------------------------------------------------------------------------
// Reading cells.

type Read<T> = { ok: true; value: T | undefined } | { ok: false; issue: Issue };

function cellOf(cells: readonly string[], index: number): string {
  return (cells[index] ?? '').trim();
}

function readScalar(b: BoundField, cells: readonly string[]): Read<Scalar> {
  if (b.kind === 'constant') return { ok: true, value: b.value };
  const raw = cellOf(cells, b.index);
  const p = b.plan;
  if (p.map) {
    const k = mapKey(raw);
    if (p.map.has(k)) {
      const v = p.map.get(k)!;
      return { ok: true, value: v === null ? undefined : v };
    }
    if (raw !== '' && p.patterns)
      for (const pat of p.patterns) if (pat.re.test(k)) return { ok: true, value: pat.value === null ? undefined : pat.value };
  }
  if (raw === '') return { ok: true, value: p.default };
  if (p.map && p.unmapped === 'skip') return { ok: true, value: undefined };
  if (p.map && p.unmapped === 'error') {
    const keys = p.mapKeys ?? [];
    const hint = didYouMean(raw, keys);
    const shown = keys.length > 15 ? [...keys.slice(0, 15).map((k) => JSON.stringify(k)), '...'] : keys.map((k) => JSON.stringify(k));
    return {
      ok: false,
      issue: {
        path: b.label,
        message: `a value the mapping's ${p.path}.map does not name${hint ? `; did you mean ${JSON.stringify(hint)}?` : ''} (add it to the map, or set unmapped: keep)`,
        expected: `one of ${shown.join(', ')}`,
        received: describeValue(raw),
      },
    };
  }
  return { ok: true, value: raw };
}

/** A scalar converted to what the event field holds (numbers for score, booleans for up...). */
function readFieldValue(b: BoundField, cells: readonly string[], name: string): Read<Scalar> {
  const r = readScalar(b, cells);
  if (!r.ok || r.value === undefined) return r;
  const kind = fieldKind(name);
  const v = r.value;
  if (kind === 'number') {
    const n = typeof v === 'number' ? v : typeof v === 'string' ? parseNumber(v) : undefined;
    if (n === undefined)
      return {
        ok: false,
        issue: {
          path: b.label,
          message: `not a number (${name})`,
          expected: b.kind === 'column' && !b.plan.map ? 'a number such as 4 or 4.5, or a map to numbers' : 'a number such as 4 or 4.5',
          received: describeValue(v),
        },
      };
    return { ok: true, value: n };
  }
  if (kind === 'boolean') {
    const x = typeof v === 'boolean' ? v : typeof v === 'string' ? parseBoolean(v) : undefined;
    if (x === undefined)
      return {
        ok: false,
        issue: {
          path: b.label,
          message: `not true or false (${name})`,
          expected: 'true/false, yes/no, 1/0, or a map such as { Up: true, Down: false }',
          received: describeValue(v),
        },
      };
    return { ok: true, value: x };
  }
  return { ok: true, value: String(v) };
}

const zoneCache = new Map<string, string | null>();
function zoneOf(name: string): string | null {
  let z = zoneCache.get(name);
  if (z === undefined) {
    z = isValidZone(name) ? canonicalZone(name) : null;
    if (zoneCache.size < 1000) zoneCache.set(name, z);
  }
  return z;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** ISO 8601 of an instant at a fixed UTC offset (minutes): the offset the source wrote or implied. */
export function isoAtOffset(ms: number, offsetMin: number): string {
  const d = new Date(ms + offsetMin * 60_000);
  const frac = d.getUTCMilliseconds();
  const base = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${frac ? `.${pad(frac, 3)}` : ''}`;
  if (offsetMin === 0) return `${base}Z`;
  const a = Math.abs(offsetMin);
  return `${base}${offsetMin < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

interface Instant {
  ms: number;
  /** The UTC offset in minutes the value was written in (kept in the event's `at`). */
  offsetMin: number;
}

function wallText(w: WallTime): string {
  return `${pad(w.y, 4)}-${pad(w.mo)}-${pad(w.d)} ${pad(w.h)}:${pad(w.mi)}`;
}

function expectedFormats(p: Extract<TimePlan, { kind: 'time' }>): string {
  return p.formats.map((f) => (f.text === 'iso' ? 'an ISO 8601 date-time such as 2026-03-12T10:15:00+01:00' : f.text)).join(' or ');
}

function readTime(b: BoundTime, cells: readonly string[], created?: Instant): Read<Instant> {
  const raw = cellOf(cells, b.index);
  if (raw === '') return { ok: true, value: undefined };
  const p = b.plan;
  if (p.kind === 'elapsed') {
    const n = parseNumber(raw);
    if (n === undefined || n < 0)
      return {
        ok: false,
        issue: {
          path: b.label,
          message: `not a number of ${p.unit} after the creation`,
          expected: `a number such as 90 or 12.5 (${p.unit})`,
          received: describeValue(raw),
        },
      };
    if (!created) return { ok: true, value: undefined };
    return { ok: true, value: { ms: created.ms + Math.round(n * p.unitMs), offsetMin: created.offsetMin } };
  }
  let zone = p.zone;
  if (b.zoneIndex !== undefined) {
    const zraw = cellOf(cells, b.zoneIndex);
    const z = zraw === '' ? null : zoneOf(zraw);
    if (z === null)
      return {
        ok: false,
        issue: {
          path: colLabel(p.zoneColumn!),
          message: zraw === '' ? 'empty: the time zone of this row is needed to read its times' : 'unknown time zone',
          expected: 'an IANA zone such as Europe/Berlin, or UTC',
          received: describeValue(zraw),
        },
      };
    zone = z;
  }
  let impossible = false;
  for (const f of p.formats) {
    const r = f.parse(raw);
    if (!r.ok) {
      if (r.reason === 'impossible') impossible = true;
      continue;
    }
    const w = r.value;
    const inst = wallToInstant(w, zone, p.ambiguous);
    if (inst.ok) {
      const wallMs = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s, w.ms);
      return { ok: true, value: { ms: inst.value, offsetMin: Math.round((wallMs - inst.value) / 60_000) } };
    }
    if (inst.reason === 'no_zone')
      return {
        ok: false,
        issue: {
          path: b.label,
          message: 'the time has no offset and the mapping names no time zone for it',
          expected: 'an offset in the value (Z, +01:00) or time.timezone in the mapping',
          received: describeValue(raw),
        },
      };
    if (inst.reason === 'skipped')
      return {
        ok: false,
        issue: {
          path: b.label,
          message: `${wallText(w)} does not exist in ${zone} (the clocks skip that hour when summer time starts): the export's zone is probably another`,
          received: describeValue(raw),
        },
      };
    return {
      ok: false,
      issue: {
        path: b.label,
        message: `${wallText(w)} happens twice in ${zone} (the clocks go back): time.ambiguous is reject; set it to earlier or later`,
        received: describeValue(raw),
      },
    };
  }
  return {
    ok: false,
    issue: {
      path: b.label,
      message: impossible ? 'impossible date or time' : 'not a date-time in the expected format',
      expected: expectedFormats(p),
      received: describeValue(raw),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Rows to events.

type Skip = Array<{ index: number; values: Set<string>; label: string; path: string }>;
type Attrs = Array<{ name: string; f: BoundField }>;

abstract class BaseMapper implements RowMapper {
  constructor(
    readonly mapping: CsvMapping,
    readonly header: readonly string[],
    private readonly skipRules: Skip,
    private readonly attrs: Attrs,
  ) {}

  abstract mapRow(cells: readonly string[], line: number, issues: Issue[]): RowOutcome;

  map(cells: readonly string[], line: number): RowOutcome {
    if (cells.every((c) => c.trim() === '')) return { line, status: 'skipped', reason: 'empty row' };
    if (cells.length !== this.header.length) {
      return {
        line,
        status: 'rejected',
        issues: [
          {
            path: '',
            line,
            message: `the row has ${cells.length} cells, the header ${this.header.length}: a delimiter inside a cell that is not quoted?`,
            expected: `${this.header.length} cells separated by ${JSON.stringify(this.mapping.csv.delimiter)}`,
          },
        ],
      };
    }
    for (const r of this.skipRules) {
      const v = cellOf(cells, r.index);
      if (r.values.has(mapKey(v))) return { line, status: 'skipped', reason: `${r.label} is ${JSON.stringify(v)} (${r.path})` };
    }
    const issues: Issue[] = [];
    const out = this.mapRow(cells, line, issues);
    if (out.status === 'rejected') return { ...out, issues: out.issues.map((i) => ({ ...i, line })) };
    return out;
  }

  protected attributes(cells: readonly string[], issues: Issue[]): Record<string, Scalar> | undefined {
    if (this.attrs.length === 0) return undefined;
    const out: Record<string, Scalar> = {};
    for (const a of this.attrs) {
      const r = readScalar(a.f, cells);
      if (!r.ok) issues.push(r.issue);
      else if (r.value !== undefined) out[a.name] = r.value;
    }
    return Object.keys(out).length ? out : undefined;
  }

  /** Validates the events of a row; an invalid one rejects the row, its issue named by column. */
  protected finish(events: Array<{ value: Record<string, unknown>; labels: Record<string, string> }>, line: number): RowOutcome {
    const parsed: Timed[] = [];
    const issues: Issue[] = [];
    for (const { value, labels } of events) {
      const r = parseEvent(value);
      if (r.ok) parsed.push(r.value);
      else
        for (const i of r.issues) {
          const head = i.path.split(/[.[]/)[0]!;
          const label = labels[head];
          issues.push({ ...i, path: label ? (i.path === head ? label : `${label} (${i.path})`) : `${value.type as string} ${i.path}` });
        }
    }
    return issues.length ? { line, status: 'rejected', issues } : { line, status: 'mapped', events: parsed };
  }
}

interface TicketBound {
  ticket: BoundField;
  fields: Array<{ name: string; f: BoundField }>;
  created: BoundTime;
  responded?: { at: BoundTime; by?: BoundField };
  resolved?: { at: BoundTime; by?: BoundField };
  closed?: { at: BoundTime };
  satisfaction?: { score: BoundField; at?: BoundTime };
}

class TicketRowMapper extends BaseMapper {
  constructor(
    private readonly m: Extract<CsvMapping, { layout: 'ticket-per-row' }>,
    header: readonly string[],
    skip: Skip,
    attrs: Attrs,
    private readonly b: TicketBound,
  ) {
    super(m, header, skip, attrs);
  }

  mapRow(cells: readonly string[], line: number, issues: Issue[]): RowOutcome {
    const b = this.b;
    const t = readFieldValue(b.ticket, cells, 'ticket');
    if (!t.ok) issues.push(t.issue);
    else if (t.value === undefined) issues.push({ path: b.ticket.label, message: 'empty: every row needs the ticket id' });
    const c = readTime(b.created, cells);
    if (!c.ok) issues.push(c.issue);
    else if (c.value === undefined) issues.push({ path: b.created.label, message: 'empty: every row needs the creation time' });
    const created = c.ok ? c.value : undefined;

    const fields: Record<string, Scalar> = {};
    const labels: Record<string, string> = { id: b.ticket.label, ticket: b.ticket.label, at: b.created.label };
    for (const f of b.fields) {
      const r = readFieldValue(f.f, cells, f.name);
      if (!r.ok) issues.push(r.issue);
      else if (r.value !== undefined) fields[f.name] = r.value;
      labels[f.name] = f.f.label;
    }
    const attributes = this.attributes(cells, issues);
    const when = (bt: BoundTime | undefined): Instant | undefined => {
      if (!bt) return undefined;
      const r = readTime(bt, cells, created);
      if (!r.ok) {
        issues.push(r.issue);
        return undefined;
      }
      return r.value;
    };
    const by = (bf: BoundField | undefined, name: string): Scalar | undefined => {
      if (!bf) return undefined;
      const r = readFieldValue(bf, cells, name);
      if (!r.ok) issues.push(r.issue);
      return r.ok ? r.value : undefined;
    };
    const responded = when(b.responded?.at);
    const respondedBy = by(b.responded?.by, 'by');
    const resolved = when(b.resolved?.at);
    const resolvedBy = by(b.resolved?.by, 'by');
    const closed = when(b.closed?.at);
    let score: Scalar | undefined;
    let rated: Instant | undefined;
    if (b.satisfaction) {
      score = by(b.satisfaction.score, 'score');
      rated = when(b.satisfaction.at);
    }
    if (issues.length || t.ok === false || t.value === undefined || !created) return { line, status: 'rejected', issues };

    const ticket = String(t.value);
    const source = this.m.source;
    const at = (i: Instant) => isoAtOffset(i.ms, i.offsetMin);
    const events: Array<{ value: Record<string, unknown>; labels: Record<string, string> }> = [];
    events.push({
      value: {
        id: `${ticket}:created`,
        type: 'ticket.created',
        ticket,
        at: at(created),
        source,
        ...fields,
        ...(attributes ? { attributes } : {}),
      },
      labels,
    });
    const lifecycle = (
      kind: string,
      i: Instant | undefined,
      bt: BoundTime | undefined,
      extra: Record<string, unknown> = {},
      extraLabels: Record<string, string> = {},
    ) => {
      if (i && bt)
        events.push({
          value: { id: `${ticket}:${kind}`, type: `ticket.${kind}`, ticket, at: at(i), source, ...extra },
          labels: { id: b.ticket.label, ticket: b.ticket.label, at: bt.label, ...extraLabels },
        });
    };
    lifecycle(
      'responded',
      responded,
      b.responded?.at,
      respondedBy !== undefined ? { by: respondedBy } : {},
      b.responded?.by ? { by: b.responded.by.label } : {},
    );
    lifecycle(
      'resolved',
      resolved,
      b.resolved?.at,
      resolvedBy !== undefined ? { by: resolvedBy } : {},
      b.resolved?.by ? { by: b.resolved.by.label } : {},
    );
    lifecycle('closed', closed, b.closed?.at);
    if (b.satisfaction && score !== undefined) {
      // Rated when the export says; else at the close, else the resolution, else the row's last time.
      const ratedAt =
        rated ?? closed ?? resolved ?? [created, responded].filter((x): x is Instant => x !== undefined).sort((x, y) => y.ms - x.ms)[0]!;
      const scale = this.m.satisfaction?.scale;
      events.push({
        value: {
          id: `${ticket}:satisfaction`,
          type: 'ticket.satisfaction',
          ticket,
          at: at(ratedAt),
          source,
          score,
          ...(scale !== undefined ? { scale } : {}),
        },
        labels: {
          id: b.ticket.label,
          ticket: b.ticket.label,
          at: b.satisfaction.at?.label ?? b.closed?.at.label ?? b.resolved?.at.label ?? b.created.label,
          score: b.satisfaction.score.label,
          scale: 'events.satisfaction.scale',
        },
      });
    }
    return this.finish(events, line);
  }
}

interface EventBound {
  id?: BoundField;
  type: BoundField;
  at: BoundTime;
  ticket?: BoundField;
  fields: Array<{ name: string; f?: BoundField; time?: BoundTime }>;
}

const SUBJECT_FIELDS = ['outage', 'maintenance', 'check', 'kpi'] as const;

class EventRowMapper extends BaseMapper {
  /** Derived ids seen so far, to number repeats (two status changes in one second). */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly m: Extract<CsvMapping, { layout: 'event-per-row' }>,
    header: readonly string[],
    skip: Skip,
    attrs: Attrs,
    private readonly b: EventBound,
  ) {
    super(m, header, skip, attrs);
  }

  mapRow(cells: readonly string[], line: number, issues: Issue[]): RowOutcome {
    const b = this.b;
    const tr = readScalar(b.type, cells);
    if (!tr.ok) return { line, status: 'rejected', issues: [tr.issue] };
    if (tr.value === undefined) {
      if (b.type.kind === 'column' && cellOf(cells, b.type.index) !== '')
        return {
          line,
          status: 'skipped',
          reason: `${b.type.label} is ${JSON.stringify(cellOf(cells, b.type.index))}, which the mapping maps to no event`,
        };
      return { line, status: 'rejected', issues: [{ path: b.type.label, message: 'empty: every row needs the event type' }] };
    }
    const type = String(tr.value);
    if (!(EVENT_TYPES as string[]).includes(type)) {
      const hint = didYouMean(type, EVENT_TYPES);
      return {
        line,
        status: 'rejected',
        issues: [
          {
            path: b.type.label,
            message: `not an event type${hint ? `; did you mean "${hint}"?` : ''} (map the export's values to event types with type.map)`,
            expected: `one of ${EVENT_TYPES.join(', ')}`,
            received: describeValue(type),
          },
        ],
      };
    }
    const has = fieldsOfType(type as EventType);
    const labels: Record<string, string> = { type: b.type.label, at: b.at.label };
    const value: Record<string, unknown> = { type, source: this.m.source };
    const a = readTime(b.at, cells);
    if (!a.ok) issues.push(a.issue);
    else if (a.value === undefined) issues.push({ path: b.at.label, message: 'empty: every row needs the time of its event' });
    else value.at = isoAtOffset(a.value.ms, a.value.offsetMin);
    if (has.has('ticket')) {
      if (!b.ticket) issues.push({ path: 'ticket', message: `${type} needs a ticket id: the mapping names no ticket column` });
      else {
        const t = readFieldValue(b.ticket, cells, 'ticket');
        if (!t.ok) issues.push(t.issue);
        else if (t.value === undefined) issues.push({ path: b.ticket.label, message: `empty: a ${type} row needs the ticket id` });
        else value.ticket = t.value;
        labels.ticket = b.ticket.label;
      }
    }
    for (const f of b.fields) {
      if (!has.has(f.name)) continue;
      if (f.time) {
        const r = readTime(f.time, cells);
        if (!r.ok) issues.push(r.issue);
        else if (r.value !== undefined) value[f.name] = isoAtOffset(r.value.ms, r.value.offsetMin);
        labels[f.name] = f.time.label;
      } else if (f.f) {
        const r = readFieldValue(f.f, cells, f.name);
        if (!r.ok) issues.push(r.issue);
        else if (r.value !== undefined) value[f.name] = r.value;
        labels[f.name] = f.f.label;
      }
    }
    const attributes = this.attributes(cells, issues);
    if (attributes) value.attributes = attributes;
    if (b.id) {
      const r = readFieldValue(b.id, cells, 'id');
      if (!r.ok) issues.push(r.issue);
      else if (r.value === undefined) issues.push({ path: b.id.label, message: 'empty: every row needs its event id' });
      else value.id = r.value;
      labels.id = b.id.label;
    }
    if (issues.length) return { line, status: 'rejected', issues };
    if (!b.id) {
      const subject = (value.ticket ?? SUBJECT_FIELDS.map((k) => value[k]).find((v) => v !== undefined)) as string | undefined;
      const kind = type.startsWith('ticket.') ? type.slice('ticket.'.length) : type;
      const key = `${subject !== undefined ? `${subject}:` : ''}${kind}:${a.ok && a.value ? isoAtOffset(a.value.ms, 0) : ''}`;
      const n = (this.seen.get(key) ?? 0) + 1;
      this.seen.set(key, n);
      value.id = n === 1 ? key : `${key}#${n}`;
      labels.id = labels.ticket ?? labels.at!;
    }
    return this.finish([{ value, labels }], line);
  }
}
