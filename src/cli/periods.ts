/** Window lengths for `calc downtime`: nominal ones, or a real period resolved in a time zone. */
import { WINDOW_MS } from '../core/availability/budget.ts';
import { parseWindow, resolveWindow } from '../core/metrics/window.ts';
import { fail, ok, type Result } from '../core/validation/issues.ts';

export const NOMINAL_WINDOWS: Record<string, number> = WINDOW_MS;

/** Length of a nominal window (a year is 365.25 days), or of a real period (2028, 2026-Q4, 2026-10) in a zone. */
export function periodLength(window: string, zone: string): Result<{ ms: number; label: string }> {
  const nominal = NOMINAL_WINDOWS[window];
  if (nominal !== undefined) return ok({ ms: nominal, label: window === 'year' ? 'year (365.25 days)' : window });
  const w = parseWindow(window, '--window');
  if (!w.ok) return fail({ ...w.issues[0]!, expected: `${Object.keys(NOMINAL_WINDOWS).join(', ')}, or a period such as 2028, 2026-Q4, 2026-10` });
  const r = resolveWindow(w.value, zone, '--window');
  if (!r.ok) return fail(...r.issues.map((i) => (i.path === 'zone' ? { ...i, path: '--timezone' } : i)));
  return ok({ ms: r.value.to - r.value.from, label: `${r.value.label} in ${zone}` });
}
