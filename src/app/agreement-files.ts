/** Reading agreement files and folders, and the calendars they name. */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve, isAbsolute } from 'node:path';
import { agreementFromText, type LoadedAgreement } from '../core/agreements/load.ts';
import { checkDocuments, type EffectiveTerms } from '../core/agreements/layering.ts';
import type { BusinessCalendar } from '../core/calendar/types.ts';
import { compileCalendar } from '../core/calendar/compile.ts';
import { formatIssue, type Issue, type Result } from '../core/validation/issues.ts';
import { describeFsError, loadCalendarFile, readText } from './files.ts';

const DOC = /\.(ya?ml|json)$/i;

/** Every agreement document under the given files and folders (folders recursively, sorted). */
export function agreementFilesUnder(paths: readonly string[]): { files: string[]; issues: Issue[] } {
  const files: string[] = [];
  const issues: Issue[] = [];
  const walk = (p: string) => {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch (e) {
      issues.push({ path: '', source: p, message: `cannot read: ${describeFsError(e, p)}` });
      return;
    }
    if (st.isDirectory()) for (const name of readdirSync(p).sort()) walk(join(p, name));
    else if (DOC.test(p) || paths.includes(p)) files.push(p);
  };
  for (const p of paths) walk(p);
  return { files, issues };
}

/** Loads and validates every document; problems of one file do not stop the others. */
export function loadAgreements(paths: readonly string[]): { agreements: LoadedAgreement[]; issues: Issue[]; files: string[] } {
  const { files, issues } = agreementFilesUnder(paths);
  const agreements: LoadedAgreement[] = [];
  for (const f of files) {
    const t = readText(f);
    if (!t.ok) {
      issues.push(...t.issues);
      continue;
    }
    const r = agreementFromText(t.value.text, f);
    if (r.ok) agreements.push(r.value);
    else issues.push(...r.issues);
  }
  return { agreements, issues, files };
}

/**
 * `pledge validate`: every document checked on its own, then across documents (unique ids,
 * parents that exist, are more general and form no cycle, valid effective terms). A parent that is
 * not among the files given is looked for in the folder of the document naming it, as `settle`
 * does; problems of those other files are theirs and not reported here.
 */
export function validateAgreements(paths: readonly string[]): { agreements: LoadedAgreement[]; issues: Issue[]; files: string[] } {
  const loaded = loadAgreements(paths);
  const ids = new Set(loaded.agreements.map((a) => a.spec.id));
  const folders = new Set<string>();
  for (const a of loaded.agreements) if (a.spec.parent !== undefined && !ids.has(a.spec.parent)) folders.add(dirname(a.source));
  const context: LoadedAgreement[] = [];
  for (const f of folders) context.push(...loadAgreements([f]).agreements);
  // A document that failed on its own is not checked again across documents.
  const issues = [...loaded.issues, ...checkDocuments(loaded.agreements, context)];
  // The calendars each document declares must load: a missing or broken file would otherwise
  // surface only when the agreement is first measured.
  for (const a of loaded.agreements) {
    for (const [name, ref] of Object.entries(a.spec.calendars)) {
      const c = loadCalendarFile(isAbsolute(ref) ? ref : resolve(dirname(a.source), ref));
      if (c.ok) continue;
      const pos = a.locate?.(['calendars', name]);
      for (const i of c.issues)
        issues.push({
          path: `calendars.${name}`,
          source: a.source,
          ...(pos ?? {}),
          message: `the calendar ${JSON.stringify(ref)} cannot be used: ${formatIssue(i)}`,
        });
    }
  }
  return { agreements: loaded.agreements, issues, files: loaded.files };
}

/** The calendars an agreement's terms name, compiled; `24x7` is built in (UTC). */
export function loadTermCalendars(eff: Pick<EffectiveTerms, 'terms' | 'calendarSources'>): Result<Map<string, BusinessCalendar>> {
  const out = new Map<string, BusinessCalendar>();
  const always = compileCalendar({ timezone: 'UTC', hours: 'always' });
  if (always.ok) out.set('24x7', always.value);
  const issues: Issue[] = [];
  for (const [name, ref] of Object.entries(eff.terms.calendars)) {
    const from = eff.calendarSources[name] ?? '.';
    const path = isAbsolute(ref) ? ref : resolve(dirname(from), ref);
    const c = loadCalendarFile(path);
    if (c.ok) out.set(name, c.value);
    else issues.push(...c.issues.map((i) => ({ ...i, path: i.path ? `calendars.${name} -> ${i.path}` : `calendars.${name}` })));
  }
  return issues.length ? { ok: false, issues } : { ok: true, value: out };
}
