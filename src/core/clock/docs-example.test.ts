/** The worked example in docs/clocks.md is computed, not typed: this test keeps it true. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseNdjson } from '../events/parse.ts';
import type { TicketEvent, Timed } from '../events/schema.ts';
import { compileCalendar } from '../calendar/compile.ts';
import { unwrap } from '../validation/issues.ts';
import { evaluateTicket } from './engine.ts';
import { renderTimeline } from './explain.ts';
import type { ClockTarget } from './types.ts';
import { at, H, M } from './testkit.ts';

const doc = readFileSync(new URL('../../../docs/clocks.md', import.meta.url), 'utf8');

function block(lang: string): string {
  const m = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(doc);
  assert.ok(m, `docs/clocks.md has a ${lang} block`);
  return m[1]!;
}

const calendar = unwrap(
  compileCalendar({
    timezone: 'Europe/Berlin',
    hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] },
  }),
);
const h = (n: number) => ({ kind: 'fixed' as const, ms: n * H });
const targets: ClockTarget[] = [
  { name: 'response', kind: 'response', calendar, byPriority: { P1: h(0.5), P2: h(1), P3: h(4) } },
  { name: 'resolution', kind: 'resolution', calendar, byPriority: { P1: h(4), P2: h(8), P3: h(16) }, pauseOn: ['waiting_on_customer'] },
];
const now = at('2026-04-01T12:00:00+02:00');

function events(): Timed<TicketEvent>[] {
  const { events, issues } = parseNdjson(block('ndjson'), 'docs/clocks.md');
  assert.deepEqual(issues, []);
  return events as Timed<TicketEvent>[];
}

test('docs/clocks.md: the rendered timelines are what the engine gives', () => {
  const r = evaluateTicket(events(), targets, now, { explain: true });
  assert.deepEqual(r.issues, []);
  assert.equal(`${r.clocks.map((c) => renderTimeline(c, 'Europe/Berlin')).join('\n\n')}\n`, block('text'));
  const resolution = r.clocks[1]!;
  assert.equal(resolution.pausedMs, 9 * H);
  assert.equal(resolution.elapsedMs, 6 * H + 35 * M);
});

test('docs/clocks.md: with new_cycle the example gives two met cycles', () => {
  const r = evaluateTicket(events(), [{ ...targets[1]!, onReopen: 'new_cycle' }], now);
  assert.deepEqual(
    r.clocks.map((c) => [c.cycle, c.start, c.stop, c.elapsedMs, c.state]),
    [
      [1, at('2026-03-26T15:10:00+01:00'), at('2026-03-30T14:00:00+02:00'), 5 * H + 50 * M, 'met'],
      [2, at('2026-03-31T09:30:00+02:00'), at('2026-03-31T10:15:00+02:00'), 45 * M, 'met'],
    ],
  );
});
