/**
 * The first-run demonstration: the measurement engine on the files in examples/, explained.
 * Until the server exists this is what `npm start` runs.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadCalendarFile, readText } from './files.ts';
import { parseNdjson } from '../core/events/parse.ts';
import type { TicketEvent, Timed } from '../core/events/schema.ts';
import { unwrap } from '../core/validation/issues.ts';
import { parseInstant, formatInstant } from '../core/time/instant.ts';
import { humanSeconds } from '../core/time/duration.ts';
import { evaluateTicket } from '../core/clock/engine.ts';
import { renderTimeline } from '../core/clock/explain.ts';
import type { ClockTarget } from '../core/clock/types.ts';
import { parseDuration } from '../core/time/duration.ts';

export const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/', import.meta.url));

export interface DemoOptions {
  json: boolean;
  out: (text: string) => void;
}

function load<T>(r: { ok: true; value: T } | { ok: false; issues: unknown[] }): T {
  return unwrap(r as never) as T;
}

export function runDemo(o: DemoOptions): Record<string, unknown> {
  const ex = (p: string) => join(EXAMPLES_DIR, p);
  const office = load(loadCalendarFile(ex('calendars/berlin-office.yaml')));
  const t = (s: string) => unwrap(parseInstant(s));
  const H = 3_600_000;
  const figures: Record<string, unknown> = {};
  const lines: string[] = [];
  const say = (s = '') => lines.push(s);

  say('Pledge measurement engine: a tour of the files in examples/');
  say('');
  say('1. Business calendars (examples/calendars/berlin-office.yaml: Mon-Fri 09:00-17:00, Berlin holidays)');
  const start = t('2026-03-27T16:00:00+01:00');
  const due = office.addWorking(start, 4 * H);
  say(`   A 4h target started Friday ${formatInstant(start, office.zone)} is due ${formatInstant(due, office.zone)}`);
  say('   (1h on Friday, the weekend and the switch to summer time skipped, 3h on Monday).');
  figures.dueExample = { start: formatInstant(start, office.zone), duration: '4h', due: formatInstant(due, office.zone) };
  const q4 = office.elapsed(t('2026-10-01T00:00:00+02:00'), t('2027-01-01T00:00:00+01:00'));
  say(`   Working time in Q4 2026: ${humanSeconds(q4 / 1000)} (${q4 / H} hours).`);
  figures.q4WorkingHours = q4 / H;

  say('');
  say('2. A ticket clock explained (examples/tickets/ticket-1001.ndjson)');
  const file = load(readText(ex('tickets/ticket-1001.ndjson')));
  const { events } = parseNdjson(file.text, file.source);
  const targets: ClockTarget[] = [
    { name: 'response', kind: 'response', duration: load(parseDuration('4h')), calendar: office, pauseOn: ['waiting_on_customer'] },
    {
      name: 'resolution',
      kind: 'resolution',
      byPriority: { P2: load(parseDuration('2wd')), P3: load(parseDuration('3wd')) },
      calendar: office,
      pauseOn: ['waiting_on_customer'],
    },
  ];
  const now = t('2026-04-30T12:00:00+02:00');
  const ev = evaluateTicket(events as Timed<TicketEvent>[], targets, now, { explain: true });
  for (const c of ev.clocks) {
    for (const l of renderTimeline(c, office.zone).split('\n')) say(`   ${l}`);
    say('');
  }
  figures.clocks = ev.clocks.map((c) => ({ target: c.target, state: c.state, elapsedSeconds: c.elapsedMs / 1000, targetSeconds: c.targetMs / 1000 }));

  say('Try it yourself:');
  say('   npx pledge calc due --calendar examples/calendars/berlin-office.yaml --start 2026-03-27T16:00:00+01:00 --duration 4h');
  say('   npx pledge calc downtime --target 99.99 --window year');
  say('   npx pledge calc clock --calendar examples/calendars/berlin-office.yaml --events examples/tickets/ticket-1001.ndjson \\');
  say('        --target response=4h --target resolution=P2:2wd,P3:3wd --pause-on waiting_on_customer');
  if (o.json) o.out(JSON.stringify(figures, null, 2) + '\n');
  else o.out(lines.join('\n') + '\n');
  return figures;
}
