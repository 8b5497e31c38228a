/** `pledge calc ...`: business-time and budget arithmetic on files, no server needed. */
import type { Command } from 'commander';
import { formatInstant } from '../core/time/instant.ts';
import { compactMs, exactDuration, parseDuration, workingMs, humanSeconds } from '../core/time/duration.ts';
import { mergeIntervals, addWorkingWithPauses, elapsedWithPauses, type Interval } from '../core/calendar/pauses.ts';
import { periodLength, NOMINAL_WINDOWS } from './periods.ts';
import { downtimeBudget } from '../core/availability/budget.ts';
import { badInput, must, printJsonLine } from './output.ts';
import { registerClock } from './clock.ts';
import { registerAvailability } from './availability.ts';

const collect = (v: string, prev: string[]) => [...prev, v];

/**
 * What reading a calendar takes (its schema, YAML and iCalendar parsers): hundreds of modules that
 * `calc downtime` does without, so they are loaded by the commands that read one (start-up time).
 */
async function calendarTools() {
  const [{ loadCalendarFile }, { calendarInstant }] = await Promise.all([import('../app/files.ts'), import('./options.ts')]);
  return { loadCalendarFile, calendarInstant };
}

function parsePauses(list: string[], calendarInstant: (text: string, path: string) => number): Interval[] {
  return mergeIntervals(
    list.map((p, i) => {
      const parts = p.split('/');
      if (parts.length !== 2) badInput(`--pause[${i}]`, 'expected FROM/TO, two ISO 8601 instants separated by /', JSON.stringify(p));
      const a = calendarInstant(parts[0]!, `--pause[${i}] (from)`);
      const b = calendarInstant(parts[1]!, `--pause[${i}] (to)`);
      if (b < a) badInput(`--pause[${i}]`, 'the end is before the start', JSON.stringify(p));
      return [a, b] as const;
    }),
  );
}

export function registerCalc(program: Command): void {
  const calc = program.command('calc').description('Business-time and downtime-budget arithmetic on files (no server needed)');

  calc
    .command('downtime')
    .description('Downtime allowed by an availability target over a window')
    .requiredOption('--target <percent>', 'availability target in percent, e.g. 99.99')
    .option(
      '--window <window>',
      `${Object.keys(NOMINAL_WINDOWS).join(', ')} (year, quarter and month of an average 365.25-day year: ` +
        'the figure contracts quote as a fixed allowance), or a real period: 2028, 2026-Q4, 2026-10 (what a percentage target allows in it)',
      'year',
    )
    .option('--days <n>', 'a window of N days (overrides --window)')
    .option('--timezone <zone>', 'time zone of a real period (its length changes with daylight saving)', 'UTC')
    .option('--json', 'print {"seconds": ..., "text": ..., "window": ..., "allowance": ...}')
    .addHelpText(
      'after',
      '\nAn availability target states its allowance in one of two forms (docs/availability.md):\n' +
        '  a percentage (value: 99.99): the share of each real period measured, 52m 33.6s in 2026, 52m 42.24s in 2028;\n' +
        '  a fixed allowance (allowance: 52m36s): the same downtime every year, as "at most 52 min 36 s a year" says.\n' +
        '\nExamples:\n  pledge calc downtime --target 99.99 --window year      # 52m 36s, an average year: allowance: 52m36s\n' +
        '  pledge calc downtime --target 99.99 --window 2026 --json # what 99.99% of 2026 allows: 3153.6 s',
    )
    .action((o: { target: string; window: string; days?: string; timezone: string; json?: boolean }) => {
      const target = Number(o.target);
      if (!/^\d+(\.\d+)?$/.test(o.target.trim()) || !(target > 0 && target <= 100))
        badInput('--target', 'expected a percentage above 0 and at most 100', JSON.stringify(o.target), 'e.g. 99.99');
      let period: { ms: number; label: string; nominal: boolean };
      if (o.days !== undefined) {
        const days = Number(o.days);
        if (!/^\d+(\.\d+)?$/.test(o.days.trim()) || !(days > 0))
          badInput('--days', 'expected a positive number of days', JSON.stringify(o.days));
        period = { ms: days * 86_400_000, label: `${days} days`, nominal: false };
      } else {
        period = must(periodLength(o.window, o.timezone));
      }
      const ms = downtimeBudget(target, period.ms);
      const seconds = ms / 1000;
      const text = humanSeconds(seconds);
      // An average period's figure is what a contract writes as a fixed allowance, to the second;
      // a real period's is what a percentage target allows in it, exactly (settlement uses the same).
      const allowance = period.nominal ? compactMs(Math.round(seconds) * 1000) : null;
      const why = period.nominal
        ? `${target}% of ${period.label}; as a fixed allowance, the same every ${o.window} however long: allowance: ${allowance}`
        : `${target}% of ${period.label}${seconds === Math.round(seconds) ? '' : `: ${exactDuration(ms)} exactly`}`;
      if (o.json) printJsonLine({ seconds, text, window: period.label, allowance });
      else process.stdout.write(`${text}  (${why})\n`);
    });

  calc
    .command('due')
    .description('The deadline: when a working duration has passed after a start, in a calendar')
    .requiredOption('--calendar <file>', 'calendar file (YAML or JSON)')
    .requiredOption('--start <instant>', 'ISO 8601 with offset, e.g. 2026-03-27T16:00:00+01:00')
    .requiredOption('--duration <duration>', '90s, 45m, 4h, 1h30m, PT4H, 2d (24h), 1wd (one working day), 1eod (end of next working day)')
    .option('--pause <from/to>', 'a pause during which time does not count (repeatable)', collect, [])
    .option('--json', 'print {"due": "<ISO 8601 with offset>"}')
    .action(async (o: { calendar: string; start: string; duration: string; pause: string[]; json?: boolean }) => {
      const { loadCalendarFile, calendarInstant } = await calendarTools();
      const cal = must(loadCalendarFile(o.calendar));
      const start = calendarInstant(o.start, '--start');
      const dur = must(parseDuration(o.duration, '--duration'));
      const pauses = parsePauses(o.pause, calendarInstant);
      const due = addWorkingWithPauses(cal, start, workingMs(dur, cal, start), pauses);
      const text = formatInstant(due, cal.zone);
      if (o.json) printJsonLine({ due: Number.isFinite(due) ? text : null });
      // Infinity: no working time at all, or not before the end of the supported range (2400).
      else process.stdout.write(`${Number.isFinite(due) ? text : 'never (the calendar has no working time left before the year 2400)'}\n`);
    });

  calc
    .command('elapsed')
    .description('Working time between two instants in a calendar')
    .requiredOption('--calendar <file>', 'calendar file (YAML or JSON)')
    .requiredOption('--from <instant>', 'ISO 8601 with offset')
    .requiredOption('--to <instant>', 'ISO 8601 with offset')
    .option('--pause <from/to>', 'a pause during which time does not count (repeatable)', collect, [])
    .option('--json', 'print {"seconds": N} (exact, fractions kept)')
    .action(async (o: { calendar: string; from: string; to: string; pause: string[]; json?: boolean }) => {
      const { loadCalendarFile, calendarInstant } = await calendarTools();
      const cal = must(loadCalendarFile(o.calendar));
      const from = calendarInstant(o.from, '--from');
      const to = calendarInstant(o.to, '--to');
      if (to < from) badInput('--to', 'is before --from', JSON.stringify(o.to));
      const ms = elapsedWithPauses(cal, from, to, parsePauses(o.pause, calendarInstant));
      if (o.json) printJsonLine({ seconds: ms / 1000 });
      else process.stdout.write(`${humanSeconds(ms / 1000)} (${ms / 1000} s)\n`);
    });

  registerClock(calc);
  registerAvailability(calc);
}
