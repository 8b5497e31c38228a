/** Parsing events from values and from NDJSON text, with every problem named by line and field. */
import { validate } from '../validation/zod.ts';
import { joinPath, type Issue, type Result } from '../validation/issues.ts';
import { parseInstant } from '../time/instant.ts';
import { pledgeEvent, type PledgeEvent, type Timed } from './schema.ts';

export function parseEvent(value: unknown, path = ''): Result<Timed> {
  const r = validate(pledgeEvent, value);
  if (!r.ok) return { ok: false, issues: r.issues.map((i) => ({ ...i, path: i.path ? (path ? `${path}.${i.path}` : i.path) : path })) };
  const at = parseInstant(r.value.at, path ? `${path}.at` : 'at');
  if (!at.ok) return at;
  const ev = r.value as PledgeEvent;
  if (ev.type === 'maintenance.scheduled') {
    const s = parseInstant(ev.start, joinPath([path, 'start'].filter(Boolean)));
    const e = parseInstant(ev.end, joinPath([path, 'end'].filter(Boolean)));
    if (!s.ok) return s;
    if (!e.ok) return e;
    if (e.value <= s.value) return { ok: false, issues: [{ path: joinPath([path, 'end'].filter(Boolean)), message: 'must be after start', received: ev.end }] };
  }
  return { ok: true, value: { ...ev, atMs: at.value } };
}

/** Parses NDJSON (one JSON event per line; blank lines and lines starting with # are skipped). */
export function parseNdjson(text: string, source?: string): { events: Timed[]; issues: Issue[] } {
  const events: Timed[] = [];
  const issues: Issue[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      issues.push({ path: '', line: i + 1, message: `not valid JSON: ${(e as Error).message}`, ...(source ? { source } : {}) });
      continue;
    }
    const r = parseEvent(value);
    if (r.ok) events.push(r.value);
    else for (const is of r.issues) issues.push({ ...is, line: i + 1, ...(source ? { source } : {}) });
  }
  return { events, issues };
}
