/**
 * Two `pledge serve` processes on one PostgreSQL database (issue 8, point 5): a calendar changed
 * through one server while the other recomputes the tenant's results in full is never lost. The
 * property: once the change is acknowledged, a later read, on either server, never returns results
 * computed from the old calendar.
 *
 * The interleaving is exact, not left to timing: server A runs with the test hook
 * PLEDGE_TEST_HOLD_DERIVED_WRITES (src/store/testing/hold-derived-writes.ts), so its recomputation
 * reads everything, then waits at the gate before writing; the test changes the calendar through
 * server B (answered 200), then opens the gate. Before the fix, A's write went through (the
 * watermark was 0 before and after the change) and both servers served the old calendar's figures
 * as current until the next change.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe, type ServeProcess } from './serve-process.ts';
import { root } from './helpers.ts';
import { rebuildDerived } from '../src/app/derive.ts';
import { createApiToken } from '../src/app/tokens.ts';
import { parseEvent } from '../src/core/events/parse.ts';
import type { Timed } from '../src/core/events/schema.ts';
import { unwrap } from '../src/core/validation/issues.ts';
import { demoEvents, seedDemo } from '../src/demo/seed.ts';
import { openStore } from '../src/store/index.ts';
import { skipBanner, startPostgres } from '../src/store/testing/pg-harness.ts';
import type { ClockRow, Store } from '../src/store/types.ts';

const TENANT = 'twoproc';
/** Not a timed assertion: only so that a server that hangs fails the test instead of blocking the run. */
const HANG = 300_000;
const SEEDED_AT = Date.parse('2026-11-23T12:00:00Z');
const CALENDAR = 'printer-workdays';
const WORKDAYS = readFileSync(join(root, 'examples', 'calendars', `${CALENDAR}.yaml`), 'utf8');
const ROUND_THE_CLOCK = 'name: Printer support hours\ntimezone: America/New_York\nhours: always\n';

const dirs: string[] = [];
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const pg = await startPostgres();
if (!pg.ok) {
  if (process.env.PLEDGE_REQUIRE_POSTGRES === '1' || process.env.PLEDGE_TEST_DATABASE_URL)
    test('PostgreSQL is available for the two-process test', () => assert.fail(pg.reason));
  else console.error(skipBanner(pg.reason));
}
after(async () => {
  if (pg.ok) await pg.harness.stop();
});

async function server(env: Record<string, string>): Promise<ServeProcess> {
  // No background scheduler: its refreshes would pass the gate this test places exactly.
  const s = await startServe({ env: { PLEDGE_WORKERS: 'off', ...env } });
  children.add(s.child);
  return s;
}

/** Waits for `ok`, failing at once when the server ends or the request it waits on was answered already. */
async function until(what: string, ok: () => boolean, s: ServeProcess, answered: () => string | undefined): Promise<void> {
  while (!ok()) {
    assert.equal(s.child.exitCode, null, `${what}: the server ended: ${s.stderr()}`);
    const early = answered();
    assert.equal(early, undefined, `${what}: the request was answered without waiting: ${early}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every clock of the printer agreement that has stopped (those do not depend on when they are computed). */
async function stoppedPrinterClocks(store: Store): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  let after: string | undefined;
  do {
    const p = await store.listClocks<{ stop: number | null }>(TENANT, {
      agreementId: 'initech-printers',
      limit: 1000,
      ...(after ? { after } : {}),
    });
    for (const c of p.items as ClockRow<{ stop: number | null }>[])
      if (c.value.stop !== null) out[`${c.target} ${c.ticket} ${c.cycle}`] = c.value;
    after = p.next;
  } while (after);
  return out;
}

test("two servers on one PostgreSQL: a calendar change during the other server's full recomputation is never lost", {
  skip: pg.ok ? false : pg.reason,
  timeout: HANG,
}, async () => {
  const harness = (pg as Extract<typeof pg, { ok: true }>).harness;
  const schema = harness.freshSchema();
  const url = `${harness.url}${harness.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const gate = mkdtempSync(join(tmpdir(), 'pledge-gate-'));
  dirs.push(gate);

  // The tenant: the demo's agreements and calendars, the printer and checkout tickets; results
  // computed with the working-day calendar, then invalidated without a change of figure (the
  // calendar stored again as it is), so the next read recomputes in full from watermark 0.
  const store = await openStore({ kind: 'postgres', url: harness.url, schema });
  let token: string;
  let oldClocks: Record<string, unknown>;
  try {
    // Two customers' events; follow-ups of a ticket name only the ticket (the documented form).
    const all = demoEvents(SEEDED_AT);
    const theirs = (e: (typeof all)[number]) => e.customer === 'initech' || e.customer === 'acme';
    const ticketOf = (e: (typeof all)[number]) => ('ticket' in e ? e.ticket : undefined);
    const tickets = new Set(all.filter(theirs).map(ticketOf));
    const events = all
      .filter((e) => theirs(e) || (ticketOf(e) !== undefined && tickets.has(ticketOf(e))))
      .map((e) => unwrap(parseEvent(e)) as Timed);
    await seedDemo(store, SEEDED_AT, TENANT, { events });
    // The demo's own token expires a week after the seeding instant, which is fixed: the servers
    // read the real clock, so the test makes a token of its own that does not expire.
    token = unwrap(
      await createApiToken(
        { store, now: SEEDED_AT, actor: 'test' },
        { tenant: TENANT, user: 'admin', name: 'two-process test', role: 'admin' },
      ),
    ).secret;
    await rebuildDerived({ store, tenant: TENANT, now: SEEDED_AT });
    oldClocks = await stoppedPrinterClocks(store);
    assert.ok(Object.keys(oldClocks).length > 10, 'printer tickets were measured');
    await store.putCalendar(TENANT, { name: CALENDAR, format: 'yaml', source: WORKDAYS, at: SEEDED_AT, by: 'test' });
    assert.equal(await store.getDerivedWatermark(TENANT), 0);
  } finally {
    await store.close();
  }

  const a = await server({ DATABASE_URL: url, PLEDGE_TEST_HOLD_DERIVED_WRITES: gate });
  const b = await server({ DATABASE_URL: url });
  const auth = { authorization: `Bearer ${token}` };
  const get = async (s: ServeProcess, path: string) => {
    const r = await fetch(`${s.url}${path}`, { headers: auth });
    return { status: r.status, body: await r.text() };
  };
  try {
    // A reader on A: A recomputes in full and stops at the gate, having read the old calendar.
    const reading = get(a, '/v1/compliance?agreement=initech-printers&limit=1000');
    let early: string | undefined;
    void reading.then((r) => {
      early = `${r.status} ${r.body.slice(0, 300)}`;
    });
    await until(
      'A reaches its write',
      () => existsSync(join(gate, 'held-1.json')),
      a,
      () => early,
    );
    const held = JSON.parse(readFileSync(join(gate, 'held-1.json'), 'utf8')) as { from: number; generation: number };
    assert.equal(held.from, 0, 'a full recomputation from watermark 0');

    // Meanwhile, through B: the printer calendar becomes round the clock. Acknowledged.
    const current = await fetch(`${b.url}/v1/calendars/${CALENDAR}`, { headers: auth });
    assert.equal(current.status, 200);
    const put = await fetch(`${b.url}/v1/calendars/${CALENDAR}`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/yaml', 'if-match': current.headers.get('etag')! },
      body: ROUND_THE_CLOCK,
    });
    assert.equal(put.status, 200, await put.text());

    // A may write now, and answers.
    writeFileSync(join(gate, 'release'), '');
    const answered = await reading;
    assert.equal(answered.status, 200, answered.body);

    // Later reads on both servers, and the results themselves: those of the new calendar.
    const check = await openStore({ kind: 'postgres', url: harness.url, schema });
    try {
      const rows = (await check.listCompliance(TENANT, { limit: 1000 })).items;
      const computedAt = new Set(rows.map((r) => r.updatedAt));
      assert.equal(computedAt.size, 1, 'one full recomputation');
      const newClocks = await stoppedPrinterClocks(check);
      assert.notDeepEqual(newClocks, oldClocks, 'the stored clocks are not those of the old calendar');
      const fromA = await get(a, '/v1/compliance?agreement=initech-printers&limit=1000');
      const fromB = await get(b, '/v1/compliance?agreement=initech-printers&limit=1000');
      assert.equal(fromA.body, answered.body);
      assert.equal(fromB.body, answered.body);
      // The reference: everything recomputed now from the stored inputs, at the same instant.
      const r = await rebuildDerived({ store: check, tenant: TENANT, now: [...computedAt][0]! });
      assert.equal(r.stale, undefined);
      assert.deepEqual(await stoppedPrinterClocks(check), newClocks);
      const reference = await get(b, '/v1/compliance?agreement=initech-printers&limit=1000');
      assert.deepEqual(
        JSON.parse(answered.body),
        JSON.parse(reference.body),
        'what A answered after the change is what the new calendar gives',
      );
    } finally {
      await check.close();
    }
    // How: A's first write was refused, since the calendar changed after A read it; A computed again.
    assert.deepEqual(
      JSON.parse(readFileSync(join(gate, 'done-1.json'), 'utf8')),
      { status: 'stale', watermark: 0, generation: held.generation + 1 },
      'the write computed from the old calendar is refused',
    );
    assert.equal(JSON.parse(readFileSync(join(gate, 'done-2.json'), 'utf8')).status, 'replaced', 'computed again and written');
  } finally {
    for (const s of [a, b]) assert.equal(await s.stop(), 0, `pledge serve should stop cleanly: ${s.stderr()}`);
  }
});
