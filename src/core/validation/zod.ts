/**
 * Turns zod's issues into Pledge issues: a path users can read, what was expected, what was given,
 * and "did you mean" for unknown fields and for values close to an allowed one.
 */
import type { z } from 'zod';
import { describeValue, didYouMean, joinPath, type Issue, type Result } from './issues.ts';
import { placeIssues, type ParsedSource } from './source.ts';

type Segments = Array<string | number>;

function valueAt(root: unknown, segments: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = root;
  for (const s of segments) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[s as string];
  }
  return v;
}

/** Peels wrappers (optional, default, pipe, lazy...) off a schema. */
function unwrapSchema(s: unknown): unknown {
  let cur = s as { _zod?: { def?: Record<string, unknown> } } | undefined;
  for (let i = 0; i < 20 && cur?._zod?.def; i++) {
    const def = cur._zod.def as Record<string, unknown> & { type?: string };
    if (def.innerType) cur = def.innerType as typeof cur;
    else if (def.type === 'pipe' && def.in) cur = def.in as typeof cur;
    else if (def.type === 'lazy' && typeof def.getter === 'function') cur = (def.getter as () => typeof cur)();
    else break;
  }
  return cur;
}

/** The object schemas a path can lead to (several through unions). */
function schemasAt(schema: unknown, segments: ReadonlyArray<string | number>): unknown[] {
  let current: unknown[] = [schema];
  for (const seg of segments) {
    const next: unknown[] = [];
    const expand = (s: unknown, depth: number): void => {
      const u = unwrapSchema(s) as { _zod?: { def?: Record<string, unknown> & { type?: string } } } | undefined;
      const def = u?._zod?.def;
      if (!def || depth > 5) return;
      if (def.type === 'union') for (const o of def.options as unknown[]) expand(o, depth + 1);
      else if (def.type === 'object' && typeof seg === 'string') {
        const shape = def.shape as Record<string, unknown>;
        if (shape[seg]) next.push(shape[seg]);
      } else if (def.type === 'array' && typeof seg === 'number') next.push(def.element);
      else if (def.type === 'record') next.push(def.valueType);
    };
    for (const s of current) expand(s, 0);
    current = next;
  }
  return current;
}

/** Known keys of the object schemas at a path, for "did you mean" suggestions. */
export function schemaKeysAt(schema: unknown, segments: ReadonlyArray<string | number>): string[] {
  const keys = new Set<string>();
  const collect = (s: unknown, depth: number): void => {
    const u = unwrapSchema(s) as { _zod?: { def?: Record<string, unknown> & { type?: string } } } | undefined;
    const def = u?._zod?.def;
    if (!def || depth > 5) return;
    if (def.type === 'object') for (const k of Object.keys(def.shape as object)) keys.add(k);
    else if (def.type === 'union') for (const o of def.options as unknown[]) collect(o, depth + 1);
  };
  for (const s of schemasAt(schema, segments)) collect(s, 0);
  return [...keys];
}

/** "; did you mean ..." for a text close to one of the allowed values. */
function hintFor(given: unknown, values: readonly unknown[]): string {
  if (typeof given !== 'string') return '';
  const texts = values.filter((v): v is string => typeof v === 'string');
  // Close in spelling, or a part of exactly one allowed value ("maintenance": announced_maintenance).
  const within = given.length >= 4 ? texts.filter((v) => v.toLowerCase().includes(given.toLowerCase())) : [];
  const hint = didYouMean(given, texts) ?? (within.length === 1 ? within[0] : undefined);
  return hint !== undefined && hint !== given ? `; did you mean "${hint}"?` : '';
}

export function zodIssues(
  error: z.ZodError,
  input: unknown,
  keysAt?: (segments: Segments) => string[] | undefined,
): Array<Issue & { segments: Segments; atKey?: boolean }> {
  const out: Array<Issue & { segments: Segments; atKey?: boolean }> = [];
  const visit = (issues: readonly z.core.$ZodIssue[], prefix: Segments) => {
    for (const issue of issues) {
      const segments = [...prefix, ...(issue.path as Array<string | number>)];
      const given = valueAt(input, segments);
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const known = keysAt?.(segments) ?? [];
          const hint = didYouMean(key, known);
          out.push({
            path: joinPath([...segments, key]),
            segments: [...segments, key],
            atKey: true,
            message: `unknown field${hint ? `; did you mean "${hint}"?` : ''}`,
            ...(known.length ? { expected: `one of ${known.join(', ')}` } : {}),
            received: JSON.stringify(key),
          });
        }
        continue;
      }
      if (
        issue.code === 'invalid_union' &&
        issue.errors.length === 0 &&
        'discriminator' in issue &&
        Array.isArray((issue as { options?: unknown }).options)
      ) {
        // A discriminated union whose tag matches no option: name the tag's allowed values.
        const options = (issue as { options: unknown[] }).options.map(String);
        const hint = typeof given === 'string' ? didYouMean(given, options) : undefined;
        out.push({
          path: joinPath(segments),
          segments,
          message: `unknown value${hint ? `; did you mean "${hint}"?` : ''}`,
          expected: `one of ${options.join(', ')}`,
          received: describeValue(given),
        });
        continue;
      }
      if (issue.code === 'invalid_union' && issue.errors.length > 0) {
        // An alternative that rejected the value's very type (a list where a string was wanted,
        // "always" where a map was given) says nothing useful. Report the alternative that took
        // the value's type and got furthest (fewest issues): its issues name the inner field
        // (`holidays[1].name`, `hours.mon`). When every alternative rejected the type, say which
        // types would have done.
        const typeMismatch = (e: readonly z.core.$ZodIssue[]) =>
          e.length > 0 && e.every((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value'));
        const candidates = issue.errors.filter((e) => !typeMismatch(e));
        if (candidates.length > 0) {
          visit([...candidates].sort((a, b) => a.length - b.length)[0]!, segments);
          continue;
        }
        // A union with a message of its own (`z.union([...], { error })`) says best what it takes.
        const custom = issue.message !== '' && issue.message !== 'Invalid input';
        const alternatives: string[] = [];
        for (const e of issue.errors) {
          for (const i of e) {
            const text =
              i.code === 'invalid_type'
                ? i.expected === 'array'
                  ? 'a list'
                  : i.expected === 'object'
                    ? 'a map of fields'
                    : `a ${i.expected}`
                : i.code === 'invalid_value'
                  ? i.values.map((v) => JSON.stringify(v)).join(', ')
                  : i.message;
            if (!alternatives.includes(text)) alternatives.push(text);
          }
        }
        const expected =
          alternatives.length > 1
            ? `${alternatives.slice(0, -1).join(', ')} or ${alternatives[alternatives.length - 1]}`
            : (alternatives[0] ?? 'another value');
        if (!custom) {
          out.push({
            path: joinPath(segments),
            segments,
            message: given === undefined ? 'required field is missing' : 'not an allowed value',
            expected,
            received: describeValue(given),
          });
          continue;
        }
      }
      const item: Issue & { segments: Segments } = {
        path: joinPath(segments),
        segments,
        message: issue.message,
        received: describeValue(given),
      };
      if (issue.code === 'invalid_type') {
        item.expected = issue.expected;
        item.message = given === undefined ? 'required field is missing' : `expected ${issue.expected}`;
      } else if (issue.code === 'invalid_value') {
        item.expected = `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
        item.message = `not an allowed value${hintFor(given, issue.values)}`;
      }
      out.push(item);
    }
  };
  visit(error.issues, []);
  return out;
}

/** Validates a plain value against a schema. */
export function validate<S extends z.ZodType>(
  schema: S,
  input: unknown,
  keysAt?: (segments: Segments) => string[] | undefined,
): Result<z.output<S>> {
  const r = schema.safeParse(input);
  if (r.success) return { ok: true, value: r.data };
  return {
    ok: false,
    issues: zodIssues(r.error, input, keysAt ?? ((seg) => schemaKeysAt(schema, seg))).map(({ segments: _s, atKey: _k, ...i }) => i),
  };
}

/** Validates a parsed source document, placing every issue at its line and column. */
export function validateSource<S extends z.ZodType>(
  schema: S,
  src: ParsedSource,
  keysAt?: (segments: Segments) => string[] | undefined,
): Result<z.output<S>> {
  const r = schema.safeParse(src.value);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, issues: placeIssues(zodIssues(r.error, src.value, keysAt ?? ((seg) => schemaKeysAt(schema, seg))), src) };
}
