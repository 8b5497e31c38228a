/**
 * The column-mapping file for importing ticket exports (CSV) from other service desks: which
 * column holds what, how its values translate, and in which format and zone its times are written.
 * Two layouts:
 *
 * - `ticket-per-row`: the usual export, one row per ticket with its creation, first response,
 *   resolution and closing times and its priority, customer, group... Each row becomes several
 *   events (ticket.created, ticket.responded, ticket.resolved, ticket.closed, ticket.satisfaction),
 *   with ids derived from the ticket and the event's kind, so importing the same export again finds
 *   duplicates instead of counting twice.
 * - `event-per-row`: a history or audit export, one event per row, with a column for the type.
 *
 * The format is documented in docs/events.md ("Importing ticket exports (CSV)"). Pure: takes text.
 */
import { z } from 'zod';
import { describeValue, didYouMean, type Issue, type Result } from '../validation/issues.ts';
import { parseSourceText, type ParsedSource } from '../validation/source.ts';
import { schemaKeysAt, validateSource } from '../validation/zod.ts';
import { canonicalZone, isValidZone } from '../time/zone.ts';
import { compileTimeFormat, isoFormat, type AmbiguousTime, type TimeFormat } from '../time/pattern.ts';
import { EVENT_TYPES, pledgeEvent, ticketCreated, type EventType } from './schema.ts';

// ---------------------------------------------------------------------------------------------
// What the event schema says about each field, read from the schema itself so the two never drift.

type ZodLike = { _zod: { def: { type: string; innerType?: ZodLike } } };
function unwrap(s: ZodLike): ZodLike {
  let cur = s;
  for (let i = 0; i < 10 && (cur._zod.def.type === 'optional' || cur._zod.def.type === 'default') && cur._zod.def.innerType; i++)
    cur = cur._zod.def.innerType;
  return cur;
}

/** Fields that hold instants: they are read as times, with the mapping's formats and zone. */
export const TIME_FIELDS: ReadonlySet<string> = new Set(['start', 'end', 'announcedAt']);
/** Fields every event has or that a mapping sets in its own place (id, type, at, ticket, source). */
const TOP_FIELDS = new Set(['id', 'type', 'at', 'ticket', 'source', 'attributes']);

export type FieldKind = 'string' | 'number' | 'boolean' | 'time';

const SHAPES = pledgeEvent.options.map((o) => ({
  type: o.shape.type.value as EventType,
  shape: o.shape as unknown as Record<string, ZodLike>,
}));

/** The fields the schema of an event type has. */
export function fieldsOfType(type: EventType): ReadonlySet<string> {
  return FIELDS_BY_TYPE.get(type)!;
}
const FIELDS_BY_TYPE = new Map(SHAPES.map((s) => [s.type, new Set(Object.keys(s.shape))]));

/** How a cell is converted for this field: number and boolean fields are read as such. */
export function fieldKind(name: string): FieldKind {
  let k = KINDS.get(name);
  if (k === undefined) {
    k = computeKind(name);
    KINDS.set(name, k);
  }
  return k;
}
const KINDS = new Map<string, FieldKind>();
function computeKind(name: string): FieldKind {
  if (TIME_FIELDS.has(name)) return 'time';
  const kinds = new Set(SHAPES.filter((s) => name in s.shape).map((s) => unwrap(s.shape[name]!)._zod.def.type));
  if (kinds.size === 1 && kinds.has('number')) return 'number';
  if (kinds.size === 1 && kinds.has('boolean')) return 'boolean';
  return 'string';
}

/** Whether some event type accepts the value for this field (a mapped value or a constant). */
function fieldAccepts(name: string, value: unknown, types?: readonly EventType[]): boolean {
  return SHAPES.some(
    (s) => name in s.shape && (!types || types.includes(s.type)) && (s.shape[name] as unknown as z.ZodType).safeParse(value).success,
  );
}

/** The allowed values of an enum field (kind, by, impact...), for messages; undefined for free text. */
function allowedValues(name: string, types?: readonly EventType[]): string[] | undefined {
  const out = new Set<string>();
  for (const s of SHAPES) {
    if (!(name in s.shape) || (types && !types.includes(s.type))) continue;
    const def = unwrap(s.shape[name]!)._zod.def as { type: string; entries?: Record<string, string> };
    if (def.type !== 'enum' || !def.entries) return undefined;
    for (const v of Object.values(def.entries)) out.add(v);
  }
  return out.size ? [...out] : undefined;
}

/** Fields of ticket.created that a ticket-per-row mapping can fill. */
const CREATED_FIELDS = Object.keys(ticketCreated.shape).filter((k) => !TOP_FIELDS.has(k));
/** Every field an event-per-row mapping can fill (each goes to the events whose type has it). */
const ALL_FIELDS = [...new Set(SHAPES.flatMap((s) => Object.keys(s.shape)))].filter((k) => !TOP_FIELDS.has(k));

// ---------------------------------------------------------------------------------------------
// The schema of the mapping file.

const columnName = z.string().trim().min(1, 'a column name cannot be empty').max(500);
const scalar = z.union([z.string(), z.number(), z.boolean()]);
const mapValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const fieldObject = z.strictObject({
  /** The column (header name) that holds the value. */
  column: columnName.optional(),
  /** The same value for every row, for what the export does not have. */
  value: scalar.optional(),
  /** Translation of cell values (compared without case and surrounding spaces); null = no value. */
  map: z.record(z.string(), mapValue).optional(),
  /**
   * A cell value the map does not name: `error` (default), `keep` it as written, or `skip` it (no
   * value; for `type`, the row is left out). Map keys with `*` are patterns (`*` any text), tried
   * in the order written after the exact keys.
   */
  unmapped: z.enum(['error', 'keep', 'skip']).optional(),
  /** The value for an empty cell. */
  default: scalar.optional(),
});
const fieldSpec = z.union([fieldObject, columnName], {
  error: 'expected a column name, { column: ..., map: ..., default: ... } or { value: ... }',
});

const formats = z.union(
  [z.string().min(1, 'a format cannot be empty'), z.array(z.string().min(1, 'a format cannot be empty')).min(1).max(10)],
  { error: 'expected a format (iso, or a pattern such as yyyy-MM-dd HH:mm:ss) or a list of them' },
);
const zoneName = z.string().min(1).max(64).refine(isValidZone, 'unknown time zone (expected an IANA name such as Europe/Berlin, or UTC)');

const timeObject = z.strictObject({
  /** The column that holds the time. */
  column: columnName.optional(),
  /** Or: the column holding a number of `unit`s after the creation (e.g. "First reply time in minutes"). */
  elapsed: columnName.optional(),
  unit: z.enum(['seconds', 'minutes', 'hours', 'days']).optional(),
  format: formats.optional(),
  timezone: zoneName.optional(),
  /** A column holding each row's time zone (IANA name), for exports in the requester's zone. */
  timezoneColumn: columnName.optional(),
  /** For responded and resolved: who (responded: a name; resolved: customer or provider). */
  by: fieldSpec.optional(),
});
const timeSpec = z.union([timeObject, columnName], { error: 'expected a column name or { column: ..., format: ..., timezone: ... }' });

const csvOptions = z.strictObject({
  /** One character; "\t" or "tab" for tab-separated files. Default ",". */
  delimiter: z
    .string()
    .refine((d) => d === 'tab' || d.length === 1, 'expected one character, e.g. "," or ";" or "\\t" (or tab)')
    .optional(),
  /** The quote character; default '"'. */
  quote: z.string().length(1, 'expected one character').optional(),
  /** Lines before the header to skip (a title line some exports start with). */
  skipLines: z.number().int().min(0).max(1000).optional(),
  encoding: z.enum(['utf-8', 'utf-16le', 'windows-1252', 'iso-8859-1']).optional(),
});

const timeOptions = z.strictObject({
  /** `iso` (default: ISO 8601, with or without an offset) or a pattern, or a list tried in order. */
  format: formats.optional(),
  /** The zone of times written without an offset. */
  timezone: zoneName.optional(),
  /** A time in the hour repeated when clocks go back: earlier (default), later, or reject the row. */
  ambiguous: z.enum(['earlier', 'later', 'reject']).optional(),
});

const skipRule = z.strictObject({
  column: columnName,
  /** Rows whose cell is one of these (without case and surrounding spaces) are left out. */
  values: z.array(z.string()).min(1),
});

const common = {
  /** The system the export comes from; events are unique per (source, id). */
  source: z.string().min(1).max(200),
  csv: csvOptions.optional(),
  time: timeOptions.optional(),
  skip: z.array(skipRule).optional(),
  /** Free-form values kept in the events' `attributes` (ticket-per-row: on ticket.created). */
  attributes: z.record(z.string().min(1).max(100), fieldSpec).optional(),
};

const statusRefused = z.unknown().superRefine((_v, ctx) => {
  ctx.addIssue({
    code: 'custom',
    message:
      "a ticket export's status is the status when it was exported, not when the ticket was created: put on ticket.created it would pause or resume the clocks from the creation on. Leave rows out by status with skip, or import a status history with the event-per-row layout",
  });
});

const ticketPerRow = z.strictObject({
  layout: z.literal('ticket-per-row'),
  ...common,
  /** The ticket id column. */
  ticket: fieldSpec,
  /** Values of ticket.created: scope (service, customer, region), priority, channel, group... */
  fields: z
    .strictObject({
      ...Object.fromEntries(CREATED_FIELDS.filter((k) => k !== 'status').map((k) => [k, fieldSpec.optional()])),
      status: statusRefused.optional(),
    })
    .optional(),
  events: z.strictObject({
    created: timeSpec,
    responded: timeSpec.optional(),
    resolved: timeSpec.optional(),
    closed: timeSpec.optional(),
    satisfaction: z
      .strictObject({
        score: fieldSpec,
        /** Highest possible score; 5 unless told. */
        scale: z.number().positive().finite().optional(),
        /** When it was rated; default: the closing time, else the resolution, else the last time of the row. */
        at: timeSpec.optional(),
      })
      .optional(),
  }),
});

/** A path into a JSON payload: `issue.number`, `changelog.items[0].field`, `@header.x-github-event`. */
const payloadPath = z.string().trim().min(1, 'a path cannot be empty').max(300);
const jsonOptions = z.strictObject({
  /** A path to an array: one row per element, the element read as `item.<path>`; no array, one row. */
  each: payloadPath.optional(),
  /** Columns made from several paths: `join` (the non-empty values joined by ":") or `first` (the first non-empty). */
  columns: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z][\w-]*$/, 'expected a name of letters, digits, "-" or "_" (used as @name)')
        .max(50),
      z.union([
        z.strictObject({ join: z.array(payloadPath).min(1).max(8) }),
        z.strictObject({ first: z.array(payloadPath).min(1).max(8) }),
      ]),
    )
    .optional(),
});

const eventPerRow = z.strictObject({
  layout: z.literal('event-per-row'),
  ...common,
  /** JSON payloads only (webhooks, JSON exports): columns are paths into the payload (docs/sources.md). */
  json: jsonOptions.optional(),
  /** The event id column; when absent, ids are derived from the subject, type and time. */
  id: fieldSpec.optional(),
  /** The event type: a column (usually with a map) or a constant. */
  type: fieldSpec,
  at: timeSpec,
  ticket: fieldSpec.optional(),
  /** Each field goes to the events whose type has it. */
  fields: z.strictObject(Object.fromEntries(ALL_FIELDS.map((k) => [k, (TIME_FIELDS.has(k) ? timeSpec : fieldSpec).optional()]))).optional(),
});

export const csvMappingSchema = z.discriminatedUnion('layout', [ticketPerRow, eventPerRow], {
  error: 'expected layout: ticket-per-row (one row per ticket) or event-per-row (one event per row)',
});

// ---------------------------------------------------------------------------------------------
// The validated, compiled mapping.

export type Scalar = string | number | boolean;

/** A value read from a column (with its translation) or a constant. */
export type FieldPlan =
  | { kind: 'constant'; value: Scalar; path: string; segments: Segments }
  | {
      kind: 'column';
      column: string;
      map?: Map<string, Scalar | null>;
      /** Map keys with `*`, in the order written: tried after the exact keys. */
      patterns?: Array<{ re: RegExp; value: Scalar | null }>;
      mapKeys?: string[];
      unmapped: 'error' | 'keep' | 'skip';
      default?: Scalar;
      path: string;
      segments: Segments;
    };

/** A time read from a column in some formats, or as an elapsed number of units after the creation. */
export type TimePlan =
  | {
      kind: 'time';
      column: string;
      formats: TimeFormat[];
      zone?: string;
      zoneColumn?: string;
      ambiguous: AmbiguousTime;
      path: string;
      segments: Segments;
    }
  | { kind: 'elapsed'; column: string; unitMs: number; unit: string; path: string; segments: Segments };

export type Segments = ReadonlyArray<string | number>;

export interface CsvOptions {
  delimiter: string;
  quote: string;
  skipLines: number;
  encoding: 'utf-8' | 'utf-16le' | 'windows-1252' | 'iso-8859-1';
}

interface Common {
  source: string;
  csv: CsvOptions;
  skip: Array<{ column: string; values: Set<string>; path: string; segments: Segments }>;
  attributes: Array<{ name: string; plan: FieldPlan }>;
  /** Where a mapping path is in the mapping file, for errors found when binding to a header. */
  locate: (segments: ReadonlyArray<string | number>) => Partial<Issue>;
}

export interface TicketPerRowMapping extends Common {
  layout: 'ticket-per-row';
  ticket: FieldPlan;
  fields: Array<{ name: string; plan: FieldPlan }>;
  created: TimePlan;
  responded?: { at: TimePlan; by?: FieldPlan };
  resolved?: { at: TimePlan; by?: FieldPlan };
  closed?: { at: TimePlan };
  satisfaction?: { score: FieldPlan; scale?: number; at?: TimePlan };
}

export interface JsonOptions {
  each?: string;
  columns: Array<{ name: string; join?: string[]; first?: string[] }>;
}

export interface EventPerRowMapping extends Common {
  layout: 'event-per-row';
  /** Set for JSON payloads (webhooks, JSON exports); a CSV import refuses it. */
  json?: JsonOptions;
  id?: FieldPlan;
  type: FieldPlan;
  at: TimePlan;
  ticket?: FieldPlan;
  fields: Array<{ name: string; plan: FieldPlan | TimePlan }>;
}

export type CsvMapping = TicketPerRowMapping | EventPerRowMapping;

type Spec = z.output<typeof csvMappingSchema>;
type FieldSpecIn = z.output<typeof fieldSpec>;
type TimeSpecIn = z.output<typeof timeSpec>;

const UNIT_MS = { seconds: 1000, minutes: 60_000, hours: 3_600_000, days: 86_400_000 } as const;

/** Normalized key of a cell value or map entry: values are matched without case or outer spaces. */
export const mapKey = (s: string): string => s.trim().toLowerCase();

/**
 * Reads and validates a mapping file (YAML or JSON). Every issue names the field by its path and
 * carries its line and column in the file.
 */
export function parseCsvMapping(text: string, source?: string): Result<CsvMapping> {
  const parsed = parseSourceText(text, source);
  if (!parsed.ok) return parsed;
  if (parsed.value.value === null || parsed.value.value === undefined) {
    return {
      ok: false,
      issues: [
        {
          path: '',
          message: 'the mapping file is empty',
          expected: 'at least source, layout, and the columns (see docs/events.md, "Importing ticket exports")',
          ...(source ? { source } : {}),
        },
      ],
    };
  }
  // "Did you mean" suggestions from the layout the document names, not from both.
  const layout = (parsed.value.value as { layout?: unknown } | null)?.layout;
  const keysFrom = layout === 'ticket-per-row' ? ticketPerRow : layout === 'event-per-row' ? eventPerRow : csvMappingSchema;
  const v = validateSource(csvMappingSchema, parsed.value, (segments) => schemaKeysAt(keysFrom, segments));
  if (!v.ok) return v;
  return compileMapping(v.value, parsed.value);
}

function compileMapping(spec: Spec, src: ParsedSource): Result<CsvMapping> {
  const issues: Issue[] = [];
  const locate = (segments: ReadonlyArray<string | number>): Partial<Issue> => ({
    ...(src.source ? { source: src.source } : {}),
    ...(src.locate(segments) ?? {}),
  });
  const pathOf = (segments: ReadonlyArray<string | number>) =>
    segments
      .map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : /^[A-Za-z_][\w-]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`))
      .join('');
  const problem = (segments: Array<string | number>, message: string, extra: Partial<Issue> = {}) =>
    issues.push({ path: pathOf(segments), message, ...extra, ...locate(segments) });

  const defaults = spec.time ?? {};
  const defaultFormats = compileFormats(defaults.format, ['time', 'format']);
  const ambiguous: AmbiguousTime = defaults.ambiguous ?? 'earlier';
  const defaultZone = defaults.timezone === undefined ? undefined : canonicalZone(defaults.timezone);

  function compileFormats(f: string | string[] | undefined, at: Array<string | number>): TimeFormat[] | undefined {
    if (f === undefined) return undefined;
    const list = Array.isArray(f) ? f : [f];
    const out: TimeFormat[] = [];
    list.forEach((text, k) => {
      const r = compileTimeFormat(text);
      if (r.ok) out.push(r.value);
      else
        for (const i of r.issues)
          problem(Array.isArray(f) ? [...at, k] : at, i.message, {
            ...(i.expected ? { expected: i.expected } : {}),
            ...(i.received ? { received: i.received } : {}),
          });
    });
    return out;
  }

  /** `types`: the event types the field goes to, to check mapped values and constants. */
  function field(s: FieldSpecIn, at: Array<string | number>, name?: string, types?: readonly EventType[]): FieldPlan {
    const path = pathOf(at);
    const o = typeof s === 'string' ? { column: s } : s;
    if ((o.column === undefined) === (o.value === undefined)) {
      problem(at, o.column === undefined ? 'names neither a column nor a value' : 'names both a column and a value: one or the other', {
        expected: '{ column: ... } or { value: ... }',
      });
      return { kind: 'constant', value: '', path, segments: at };
    }
    const check = (value: Scalar | null, where: Array<string | number>) => {
      if (value === null || name === undefined) return;
      if (name === 'type') {
        if (typeof value !== 'string' || !(EVENT_TYPES as string[]).includes(value)) {
          const hint = typeof value === 'string' ? didYouMean(value, EVENT_TYPES) : undefined;
          problem(where, `not an event type${hint ? `; did you mean "${hint}"?` : ''}`, {
            expected: `one of ${EVENT_TYPES.join(', ')}`,
            received: describeValue(value),
          });
        }
        return;
      }
      const kind = fieldKind(name);
      const converted =
        kind === 'number' && typeof value === 'string'
          ? parseNumber(value)
          : kind === 'boolean' && typeof value === 'string'
            ? parseBoolean(value)
            : kind === 'string' && typeof value !== 'string'
              ? String(value)
              : value;
      if (converted === undefined || !fieldAccepts(name, converted, types)) {
        const allowed = allowedValues(name, types);
        problem(where, `not a value ${name} can have`, {
          expected: allowed ? `one of ${allowed.join(', ')}` : kind === 'string' ? 'text of 1 to 200 characters' : `a ${kind}`,
          received: describeValue(value),
        });
      }
    };
    if (o.value !== undefined) {
      check(o.value, [...at, 'value']);
      return { kind: 'constant', value: o.value, path, segments: at };
    }
    if (o.map === undefined && o.unmapped !== undefined) problem([...at, 'unmapped'], 'applies only with a map');
    let map: Map<string, Scalar | null> | undefined;
    const patterns: Array<{ re: RegExp; value: Scalar | null }> = [];
    if (o.map) {
      map = new Map();
      const firstSpelling = new Map<string, string>();
      for (const [k, val] of Object.entries(o.map)) {
        const key = mapKey(k);
        const prior = firstSpelling.get(key);
        if (prior !== undefined)
          problem([...at, 'map', k], `the same value as "${prior}": values are compared without case and surrounding spaces`);
        firstSpelling.set(key, k);
        if (k.includes('*'))
          patterns.push({
            re: new RegExp(
              `^${key
                .split('*')
                .map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
                .join('.*')}$`,
              's',
            ),
            value: val,
          });
        else map.set(key, val);
        check(val, [...at, 'map', k]);
      }
    }
    if (o.default !== undefined) check(o.default, [...at, 'default']);
    return {
      kind: 'column',
      column: o.column!,
      ...(map ? { map, mapKeys: Object.keys(o.map!) } : {}),
      ...(patterns.length ? { patterns } : {}),
      unmapped: o.unmapped ?? 'error',
      ...(o.default !== undefined ? { default: o.default } : {}),
      path,
      segments: [...at, 'column'],
    };
  }

  function time(s: TimeSpecIn, at: Array<string | number>, opts: { elapsed: boolean; by: boolean }): TimePlan {
    const path = pathOf(at);
    const o = typeof s === 'string' ? { column: s } : s;
    if (o.by !== undefined && !opts.by) problem([...at, 'by'], 'applies only to responded and resolved');
    if ((o.column === undefined) === (o.elapsed === undefined)) {
      problem(at, o.column === undefined ? 'names no column' : 'names both a column and an elapsed column: one or the other', {
        expected: opts.elapsed ? '{ column: ... } or { elapsed: ..., unit: minutes }' : '{ column: ... }',
      });
      return { kind: 'elapsed', column: '', unitMs: 1, unit: 'seconds', path, segments: at };
    }
    if (o.elapsed !== undefined) {
      if (!opts.elapsed)
        problem(
          [...at, 'elapsed'],
          'an elapsed time counts from the creation: it applies to responded, resolved, closed and satisfaction.at only',
        );
      if (o.unit === undefined)
        problem([...at, 'unit'], 'required field is missing: the unit of the elapsed column', {
          expected: 'seconds, minutes, hours or days',
        });
      for (const k of ['format', 'timezone', 'timezoneColumn'] as const)
        if (o[k] !== undefined) problem([...at, k], 'does not apply to an elapsed time (a number, not a date-time)');
      return {
        kind: 'elapsed',
        column: o.elapsed,
        unitMs: UNIT_MS[o.unit ?? 'seconds'],
        unit: o.unit ?? 'seconds',
        path,
        segments: typeof s === 'string' ? at : [...at, 'elapsed'],
      };
    }
    if (o.unit !== undefined) problem([...at, 'unit'], 'applies only with elapsed');
    const fmts = compileFormats(o.format, [...at, 'format']) ?? defaultFormats ?? [isoFormat];
    const zone = o.timezone !== undefined ? canonicalZone(o.timezone) : defaultZone;
    if (o.timezone !== undefined && o.timezoneColumn !== undefined)
      problem([...at, 'timezoneColumn'], 'names both a time zone and a time-zone column: one or the other');
    if (zone === undefined && o.timezoneColumn === undefined) {
      const local = fmts.filter((f) => f.text !== 'iso' && !f.alwaysOffset);
      if (local.length > 0)
        problem(
          o.format !== undefined ? [...at, 'format'] : ['time', 'format'],
          `times in the format ${JSON.stringify(local[0]!.text)} have no offset, so they need a time zone: set time.timezone (e.g. Europe/Berlin)`,
        );
    }
    return {
      kind: 'time',
      column: o.column!,
      formats: fmts,
      ...(zone ? { zone } : {}),
      ...(o.timezoneColumn ? { zoneColumn: o.timezoneColumn } : {}),
      ambiguous,
      path,
      segments: typeof s === 'string' ? at : [...at, 'column'],
    };
  }

  const csv: CsvOptions = {
    delimiter: spec.csv?.delimiter === 'tab' ? '\t' : (spec.csv?.delimiter ?? ','),
    quote: spec.csv?.quote ?? '"',
    skipLines: spec.csv?.skipLines ?? 0,
    encoding: spec.csv?.encoding ?? 'utf-8',
  };
  if (csv.delimiter === csv.quote)
    problem(['csv', 'quote'], 'the quote and the delimiter must differ', { received: JSON.stringify(csv.quote) });
  if (csv.delimiter === '\n' || csv.delimiter === '\r') problem(['csv', 'delimiter'], 'a line break cannot be the delimiter');
  const skip = (spec.skip ?? []).map((r, k) => ({
    column: r.column,
    values: new Set(r.values.map(mapKey)),
    path: pathOf(['skip', k]),
    segments: ['skip', k, 'column'],
  }));
  const attrTypes = spec.layout === 'ticket-per-row' ? (['ticket.created'] as EventType[]) : undefined;
  const attributes = Object.entries(spec.attributes ?? {}).map(([name, s]) => ({
    name,
    plan: field(s, ['attributes', name], undefined, attrTypes),
  }));
  const base = { source: spec.source, csv, skip, attributes, locate };

  let mapping: CsvMapping;
  if (spec.layout === 'ticket-per-row') {
    const created = ['ticket.created'] as const;
    const ev = spec.events;
    const fields = Object.entries(spec.fields ?? {})
      .filter(([name, s]) => s !== undefined && name !== 'status')
      .map(([name, s]) => ({ name, plan: field(s as FieldSpecIn, ['fields', name], name, created) }));
    const withBy = (k: 'responded' | 'resolved') => {
      const s = ev[k];
      if (s === undefined) return undefined;
      const by =
        typeof s === 'object' && s.by !== undefined
          ? field(s.by, ['events', k, 'by'], 'by', [k === 'responded' ? 'ticket.responded' : 'ticket.resolved'])
          : undefined;
      return { at: time(s, ['events', k], { elapsed: true, by: true }), ...(by ? { by } : {}) };
    };
    const responded = withBy('responded');
    const resolved = withBy('resolved');
    mapping = {
      layout: 'ticket-per-row',
      ...base,
      ticket: field(spec.ticket, ['ticket'], 'ticket', created),
      fields,
      created: time(ev.created, ['events', 'created'], { elapsed: false, by: false }),
      ...(responded ? { responded } : {}),
      ...(resolved ? { resolved } : {}),
      ...(ev.closed !== undefined ? { closed: { at: time(ev.closed, ['events', 'closed'], { elapsed: true, by: false }) } } : {}),
      ...(ev.satisfaction
        ? {
            satisfaction: {
              score: field(ev.satisfaction.score, ['events', 'satisfaction', 'score'], 'score', ['ticket.satisfaction']),
              ...(ev.satisfaction.scale !== undefined ? { scale: ev.satisfaction.scale } : {}),
              ...(ev.satisfaction.at !== undefined
                ? { at: time(ev.satisfaction.at, ['events', 'satisfaction', 'at'], { elapsed: true, by: false }) }
                : {}),
            },
          }
        : {}),
    };
  } else {
    const fields = Object.entries(spec.fields ?? {})
      .filter(([, s]) => s !== undefined)
      .map(([name, s]) => ({
        name,
        plan: TIME_FIELDS.has(name)
          ? time(s as TimeSpecIn, ['fields', name], { elapsed: false, by: false })
          : field(s as FieldSpecIn, ['fields', name], name),
      }));
    mapping = {
      layout: 'event-per-row',
      ...base,
      ...(spec.json
        ? {
            json: {
              ...(spec.json.each !== undefined ? { each: spec.json.each } : {}),
              columns: Object.entries(spec.json.columns ?? {}).map(([name, c]) => ({ name, ...c })),
            },
          }
        : {}),
      ...(spec.id !== undefined ? { id: field(spec.id, ['id'], 'id') } : {}),
      type: field(spec.type, ['type'], 'type'),
      at: time(spec.at, ['at'], { elapsed: false, by: false }),
      ...(spec.ticket !== undefined ? { ticket: field(spec.ticket, ['ticket'], 'ticket') } : {}),
      fields,
    };
  }
  return issues.length ? { ok: false, issues } : { ok: true, value: mapping };
}

/** A number as exports write it: 4, 4.5, -3, or with a decimal comma (4,5). */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (/^[+-]?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (/^[+-]?\d+,\d+$/.test(t)) return Number(t.replace(',', '.'));
  return undefined;
}

const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'no', 'n', '0']);
export function parseBoolean(text: string): boolean | undefined {
  const k = mapKey(text);
  return TRUE.has(k) ? true : FALSE.has(k) ? false : undefined;
}
