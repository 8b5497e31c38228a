/** File access for the shell: reading documents and the files they reference. */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { RefReader } from '../core/calendar/source.ts';
import { calendarFromText } from '../core/calendar/source.ts';
import type { BusinessCalendar } from '../core/calendar/types.ts';
import type { Result } from '../core/validation/issues.ts';

/** Resolves references relative to the referring file. */
export const fileReader: RefReader = (ref, from) => {
  const path = isAbsolute(ref) ? ref : resolve(dirname(from), ref);
  try {
    return { source: path, text: readFileSync(path, 'utf8') };
  } catch (e) {
    return { error: describeFsError(e, path) };
  }
};

export function describeFsError(e: unknown, path: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `no such file: ${path}`;
  if (code === 'EISDIR') return `is a folder, not a file: ${path}`;
  if (code === 'EACCES') return `permission denied: ${path}`;
  return `${(e as Error).message}`;
}

export function readText(path: string): Result<{ source: string; text: string }> {
  try {
    return { ok: true, value: { source: path, text: readFileSync(path, 'utf8') } };
  } catch (e) {
    return { ok: false, issues: [{ path: '', source: path, message: `cannot read the file: ${describeFsError(e, path)}` }] };
  }
}

export function loadCalendarFile(path: string): Result<BusinessCalendar> {
  const f = readText(path);
  if (!f.ok) return f;
  return calendarFromText(f.value.text, f.value.source, fileReader);
}
