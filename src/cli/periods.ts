/** Window lengths for `calc downtime`: nominal ones, or a real period resolved in a time zone. */
import { WINDOW_MS } from '../core/availability/budget.ts';
import { parseWindow, resolveWindow } from '../core/metrics/window.ts';
import { fail, ok, type Result } from '../core/validation/issues.ts';
import { compactMs } from '../core/time/duration.ts';

export const NOMINAL_WINDOWS: Record<string, number> = WINDOW_MS;

/**
 * Length of a nominal window, or of a real period (2028, 2026-Q4, 2026-10) in a zone. `nominal` is
 * true for the year, quarter and month of an average 365.25-day year: lengths no real period has,
 * which agreements quote as a fixed allowance; a week, a day and real periods are real lengths.
 */
export function periodLength(window: string, zone: string): Result<{ ms: number; label: string; nominal: boolean }> {
  const nominal = NOMINAL_WINDOWS[window];
  if (nominal !== undefined) {
    const average = window === 'year' || window === 'quarter' || window === 'month';
    const labels: Record<string, string> = {
      year: 'an average year of 365.25 days',
      quarter: 'an average quarter of 91d 7h 30m',
      month: 'an average month of 30d 10h 30m',
      week: '7 days',
      day: '1 day',
    };
    const label = labels[window] ?? window;
    return ok({ ms: nominal, label, nominal: average });
  }
  const w = parseWindow(window, '--window');
  if (!w.ok)
    return fail({ ...w.issues[0]!, expected: `${Object.keys(NOMINAL_WINDOWS).join(', ')}, or a period such as 2028, 2026-Q4, 2026-10` });
  const r = resolveWindow(w.value, zone, '--window');
  if (!r.ok) return fail(...r.issues.map((i) => (i.path === 'zone' ? { ...i, path: '--timezone' } : i)));
  const ms = r.value.to - r.value.from;
  const days = ms / 86_400_000;
  return ok({ ms, label: `${r.value.label} in ${zone}, ${Number.isInteger(days) ? `${days} days` : compactMs(ms)}`, nominal: false });
}
