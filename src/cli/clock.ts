/** `pledge calc clock`: ticket clocks from an NDJSON event file, with their timelines. */
import type { Command } from 'commander';
import { formatInstant } from '../core/time/instant.ts';
import { parseDuration, type WorkDuration } from '../core/time/duration.ts';
import { evaluateTicket } from '../core/clock/engine.ts';
import { renderTimeline } from '../core/clock/explain.ts';
import { groupByTicket, ticketRef } from '../core/clock/tickets.ts';
import type { ClockKind, ClockTarget } from '../core/clock/types.ts';
import type { BusinessCalendar } from '../core/calendar/types.ts';
import { badInput, must, printJson, UsageError } from './output.ts';

const collect = (v: string, prev: string[]) => [...prev, v];

/**
 * `response=4h`, `resolution=2d`, `first-reply:response=1h`, `resolution=P1:4h,P2:1d,8h`
 * (per priority, with an optional default). The kind is response when the name says so.
 */
/**
 * Whether a target's name says it is a response clock: one of its words (split at - _ . and
 * camelCase) starts with resp or ack, or is reply. Whole words, so "backlog" and "feedback"
 * (which contain "ack") are resolution targets.
 */
export function namesResponse(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return words.some((w) => w.startsWith('resp') || w.startsWith('ack') || w === 'reply' || w === 'replies');
}

export function parseTargetOption(text: string, index: number, calendar: BusinessCalendar, pauseOn: string[]): ClockTarget {
  const path = `--target[${index}]`;
  const m = /^([A-Za-z][\w.-]*)(?::(response|resolution))?=(.+)$/.exec(text.trim());
  if (!m) badInput(path, 'expected NAME=DURATION, e.g. response=4h or resolution=P1:4h,P2:1d', JSON.stringify(text));
  const name = m[1]!;
  const kind: ClockKind = (m[2] as ClockKind | undefined) ?? (namesResponse(name) ? 'response' : 'resolution');
  const target: ClockTarget = { name, kind, calendar, pauseOn };
  const byPriority: Record<string, WorkDuration> = {};
  for (const part of m[3]!.split(',')) {
    const pm = /^([^:=]+):(.+)$/.exec(part.trim());
    if (pm) byPriority[pm[1]!.trim()] = must(parseDuration(pm[2]!.trim(), `${path}.${pm[1]!.trim()}`));
    else target.duration = must(parseDuration(part.trim(), path));
  }
  if (Object.keys(byPriority).length) target.byPriority = byPriority;
  return target;
}

export function registerClock(calc: Command): void {
  calc
    .command('clock')
    .description("Each target's clock for the tickets in an event file: state, deadline and timeline")
    .requiredOption('--calendar <file>', 'calendar file (YAML or JSON)')
    .requiredOption('--events <file>', 'NDJSON ticket events (one or several tickets)')
    .option('--target <name=duration>', 'a target, e.g. response=4h, resolution=2d, resolution=P1:4h,P2:1d (repeatable)', collect, [])
    .option('--pause-on <status>', 'a status in which the clocks pause, e.g. waiting_on_customer (repeatable)', collect, [])
    .option('--now <instant>', 'evaluate as of this instant (default: the current time)')
    .option('--json', 'print the clocks as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  pledge calc clock --calendar examples/calendars/berlin-office.yaml \\\n    --events examples/tickets/ticket-1001.ndjson --target response=4h --target resolution=2d --pause-on waiting_on_customer',
    )
    .action(async (o: { calendar: string; events: string; target: string[]; pauseOn: string[]; now?: string; json?: boolean }) => {
      // Loaded here, not on start-up: the schemas and parsers behind them are most of a calc command's modules.
      const [{ loadCalendarFile, readText }, { parseNdjson }, { calendarInstant }] = await Promise.all([
        import('../app/files.ts'),
        import('../core/events/parse.ts'),
        import('./options.ts'),
      ]);
      const cal = must(loadCalendarFile(o.calendar));
      if (o.target.length === 0) badInput('--target', 'give at least one target', 'none', 'e.g. --target response=4h');
      const targets = o.target.map((t, i) => parseTargetOption(t, i, cal, o.pauseOn));
      const now = o.now !== undefined ? calendarInstant(o.now, '--now') : Date.now();
      const file = must(readText(o.events));
      const { events, issues } = parseNdjson(file.text, file.source);
      if (issues.length) throw new UsageError(issues);
      // By ticket: its source and its id (two desks' tickets 1001 are two tickets).
      const byTicket = groupByTicket(events).tickets;
      if (byTicket.size === 0) badInput('--events', 'the file holds no ticket events', file.source);
      const zone = cal.zone;
      const iso = (ms: number | null) => (ms === null ? null : Number.isFinite(ms) ? formatInstant(ms, zone) : null);
      const results = [...byTicket.values()].map((g) => ({
        ticket: ticketRef(g),
        ...evaluateTicket(g.events, targets, now, { explain: true }),
      }));
      if (o.json) {
        printJson({
          now: iso(now),
          tickets: results.map((r) => ({
            ticket: r.ticket,
            clocks: r.clocks.map((c) => ({
              target: c.target,
              kind: c.kind,
              cycle: c.cycle,
              priority: c.priority,
              state: c.state,
              start: iso(c.start),
              stop: iso(c.stop),
              elapsedSeconds: c.elapsedMs / 1000,
              pausedSeconds: c.pausedMs / 1000,
              targetSeconds: c.targetMs / 1000,
              consumed: c.consumed,
              deadline: iso(c.deadline),
              breachAt: iso(c.breachAt),
              eventIds: c.eventIds,
              timeline: (c.segments ?? []).map((s) => ({
                from: iso(s.from),
                to: iso(s.to),
                kind: s.kind,
                countedSeconds: s.countedMs / 1000,
                reason: s.reason,
              })),
            })),
            skipped: r.skipped,
            issues: r.issues,
          })),
        });
        return;
      }
      const out: string[] = [];
      for (const r of results) {
        for (const c of r.clocks) out.push(renderTimeline(c, zone), '');
        for (const s of r.skipped) out.push(`Ticket ${s.ticket}, target "${s.target}": not measured: ${s.message}`, '');
        for (const i of r.issues) out.push(`Ticket ${r.ticket}: note: ${i.message}${i.eventId ? ` (event ${i.eventId})` : ''}`);
      }
      process.stdout.write(`${out.join('\n').trimEnd()}\n`);
    });
}
