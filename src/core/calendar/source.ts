/**
 * Loading calendar documents from text, following `extends` and `ics` references through a reader
 * the caller supplies (the shell reads files; tests pass a map). Pure apart from that reader.
 */
import { parseSourceText } from '../validation/source.ts';
import { validateSource } from '../validation/zod.ts';
import type { Issue, Result } from '../validation/issues.ts';
import { calendarSpec } from './spec.ts';
import { buildDefinition, type CalendarDefinition } from './definition.ts';
import { compileDefinition } from './compile.ts';
import type { BusinessCalendar } from './types.ts';

/** Reads a referenced file: `ref` as written in the document, `from` the referring source. */
export type RefReader = (ref: string, from: string) => { source: string; text: string } | { error: string };

export function calendarDefinitionFromText(text: string, source: string, read: RefReader, seen: string[] = []): Result<CalendarDefinition> {
  if (seen.includes(source)) {
    return {
      ok: false,
      issues: [
        {
          path: 'extends',
          source: seen[seen.length - 1],
          message: `calendars extend each other in a cycle: ${[...seen, source].join(' -> ')}`,
        },
      ],
    };
  }
  const parsed = parseSourceText(text, source);
  if (!parsed.ok) return parsed;
  if (parsed.value.value === null || parsed.value.value === undefined) {
    // An empty file (or one with only comments) parses to null; "expected object" would puzzle.
    return {
      ok: false,
      issues: [
        {
          path: '',
          source,
          message: 'the calendar is empty',
          expected: 'at least timezone and hours, e.g. "timezone: Europe/Berlin" and "hours: always"',
        },
      ],
    };
  }
  const v = validateSource(calendarSpec, parsed.value);
  if (!v.ok) return v;
  const spec = v.value;
  const at = (path: Array<string | number>): Partial<Issue> => ({ source, ...(parsed.value.locate(path) ?? {}) });

  let parent: CalendarDefinition | undefined;
  if (spec.extends !== undefined) {
    const r = read(spec.extends, source);
    if ('error' in r)
      return {
        ok: false,
        issues: [
          {
            path: 'extends',
            message: `cannot read the calendar it extends: ${r.error}`,
            received: JSON.stringify(spec.extends),
            ...at(['extends']),
          },
        ],
      };
    const p = calendarDefinitionFromText(r.text, r.source, read, [...seen, source]);
    if (!p.ok) return p;
    parent = p.value;
  }
  const icsTexts: Array<{ source: string; text: string }> = [];
  const issues: Issue[] = [];
  (spec.ics ?? []).forEach((ref, i) => {
    const r = read(ref, source);
    if ('error' in r)
      issues.push({
        path: `ics[${i}]`,
        message: `cannot read the iCalendar file: ${r.error}`,
        received: JSON.stringify(ref),
        ...at(['ics', i]),
      });
    else icsTexts.push(r);
  });
  if (issues.length) return { ok: false, issues };
  const def = buildDefinition(spec, { ...(parent ? { parent } : {}), icsTexts });
  if (!def.ok) {
    // Place semantic issues (unknown zone, impossible date) at their line in the file.
    return {
      ok: false,
      issues: def.issues.map((i) => (i.source ? i : { ...i, ...at(pathSegments(i.path)) })),
    };
  }
  return def;
}

export function calendarFromText(text: string, source: string, read: RefReader): Result<BusinessCalendar> {
  const d = calendarDefinitionFromText(text, source, read);
  return d.ok ? { ok: true, value: compileDefinition(d.value) } : d;
}

/** "holidays[2].date" -> ["holidays", 2, "date"] */
export function pathSegments(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}
