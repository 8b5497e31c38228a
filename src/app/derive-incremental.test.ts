/**
 * The incremental refresh against the full rebuild, its reference: for random streams of the
 * demo's real events (its agreements and calendars), arriving in random batches, late, out of order
 * and with duplicates, refreshing after each batch gives exactly what a rebuild gives. And with
 * time passing between refreshes (months closing), what a refresh touches equals the rebuild's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { openStore } from '../store/index.ts';
import { demoEvents, seedDemo } from '../demo/seed.ts';
import { prng } from '../demo/generate.ts';
import { parseEvent } from '../core/events/parse.ts';
import type { Timed } from '../core/events/schema.ts';
import { unwrap } from '../core/validation/issues.ts';
import type { Store } from '../store/types.ts';
import { rebuildDerived, refreshDerived } from './derive.ts';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const EVENTS = demoEvents(NOW).map((e) => unwrap(parseEvent(e)) as Timed);
const TICKETS = [...new Set(EVENTS.flatMap((e) => ('ticket' in e ? [e.ticket] : [])))];
const PLAIN = EVENTS.filter((e) => !('ticket' in e));

/** Every derived row of the tenant by key, without the instant it was computed at. */
async function snapshot(store: Store, tenant: string): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  const all = async <T extends { updatedAt: number }>(
    fetch: (after?: string) => Promise<{ items: T[]; next?: string }>,
    key: (r: T) => string,
  ) => {
    let after: string | undefined;
    do {
      const p = await fetch(after);
      for (const r of p.items) out.set(key(r), { ...r, updatedAt: undefined });
      after = p.next;
    } while (after);
  };
  await all(
    (after) => store.listClocks(tenant, { limit: 1000, ...(after ? { after } : {}) }),
    (r) => `clock ${r.agreementId} ${r.target} ${r.source ?? ''} ${r.ticket} ${r.cycle}`,
  );
  await all(
    (after) => store.listCompliance(tenant, { limit: 1000, ...(after ? { after } : {}) }),
    (r) => `compliance ${r.agreementId} ${r.target} ${r.window}`,
  );
  await all(
    (after) => store.listSettlements(tenant, { limit: 1000, ...(after ? { after } : {}) }),
    (r) => `settlement ${r.agreementId} ${r.period}`,
  );
  return out;
}

function shuffled<T>(list: readonly T[], seed: number): T[] {
  const rnd = prng(seed);
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

test('property: refreshing after each random batch (late, out of order, duplicates) equals a rebuild', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-incremental-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'pledge.db') });
  let run = 0;
  let incremental = 0;
  let resident = 0;
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.constantFrom(...TICKETS), { minLength: 1, maxLength: 30 }),
        fc.subarray(PLAIN, { maxLength: 40 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 4 }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        fc.boolean(),
        async (tickets, plain, seed, cuts, dupShare, inTime) => {
          const tenant = `p${++run}`;
          const chosen = new Set(tickets);
          // In any order, or as they happen (then the later batches reach only the latest months,
          // and refreshes are measured from the resident window book).
          const picked = [...EVENTS.filter((e) => 'ticket' in e && chosen.has(e.ticket)), ...plain];
          const events = inTime ? picked.sort((a, b) => a.atMs - b.atMs) : shuffled(picked, seed);
          // The earliest event comes first, so every batch after the base is refreshed incrementally
          // (an event earlier than every stored one moves the first period: a rebuild, by design).
          const earliest = events.reduce((a, e, i) => (e.atMs < events[a]!.atMs ? i : a), 0);
          events.unshift(...events.splice(earliest, 1));
          // A base stored and computed first, then batches at random cut points, each with some
          // events of earlier batches again (duplicates change nothing).
          const points = [...new Set(cuts.map((c) => Math.max(1, Math.floor(c * events.length))))].sort((a, b) => a - b);
          const base = events.slice(0, points[0]);
          await seedDemo(store, NOW, tenant, { events: base });
          await refreshDerived({ store, tenant, now: NOW });
          const rnd = prng(seed ^ 0x5bd1e995);
          for (let i = 0; i < points.length; i++) {
            const batch = events.slice(points[i], points[i + 1] ?? events.length);
            const again = events.slice(0, points[i]).filter(() => rnd() < dupShare);
            await store.appendEvents(tenant, shuffled([...batch, ...again], seed + i), { receivedAt: NOW });
            const r = await refreshDerived({ store, tenant, now: NOW });
            assert.equal(r.status, batch.length > 0 ? 'refreshed' : 'fresh');
            assert.equal(r.full, false, 'incremental');
            if (r.status === 'refreshed') incremental++;
            if (r.resident) resident++;
          }
          const refreshed = await snapshot(store, tenant);
          await rebuildDerived({ store, tenant, now: NOW });
          const rebuilt = await snapshot(store, tenant);
          const differing = [...new Set([...refreshed.keys(), ...rebuilt.keys()])].filter(
            (k) => !isDeepStrictEqual(refreshed.get(k), rebuilt.get(k)),
          );
          assert.deepEqual(
            differing,
            [],
            `rows that differ from the rebuild (first: ${JSON.stringify([refreshed.get(differing[0]!), rebuilt.get(differing[0]!)]).slice(0, 3000)})`,
          );
        },
      ),
      { numRuns: 15 },
    );
    assert.ok(incremental >= 15, `${incremental} incremental refreshes compared`);
    // Random batches reach back to early months, so they are mostly measured from events read
    // again; the resident window book has its own tests below.
    console.log(`${resident} of ${incremental} refreshes measured from the resident window book`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('time passing between refreshes: what the last refresh touched equals a rebuild, months closed meanwhile included', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-incremental-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'pledge.db') });
  try {
    const tenant = 'moving';
    const t0 = Date.parse('2026-10-20T12:00:00Z');
    const t1 = Date.parse('2026-11-05T12:00:00Z');
    const t2 = NOW;
    const upTo = (to: number) => EVENTS.filter((e) => e.atMs <= to);
    await seedDemo(store, NOW, tenant, { events: upTo(t0) });
    assert.equal((await refreshDerived({ store, tenant, now: t0 })).full, true);
    await store.appendEvents(
      tenant,
      EVENTS.filter((e) => e.atMs > t0 && e.atMs <= t1),
      { receivedAt: t1 },
    );
    assert.equal((await refreshDerived({ store, tenant, now: t1 })).full, false);
    const last = EVENTS.filter((e) => e.atMs > t1);
    await store.appendEvents(tenant, shuffled(last, 7), { receivedAt: t2 });
    const r = await refreshDerived({ store, tenant, now: t2 });
    assert.equal(r.full, false);
    assert.ok(r.agreements.length >= 5, r.agreements.join());
    const touchedTickets = new Set(last.flatMap((e) => ('ticket' in e ? [e.ticket] : [])));
    const relevant = (key: string) => {
      const [kind, agreement, ...rest] = key.split(' ');
      if (!r.agreements.includes(agreement!)) return false;
      return kind !== 'clock' || touchedTickets.has(rest[2]!);
    };
    const refreshed = [...(await snapshot(store, tenant))].filter(([k]) => relevant(k));
    await rebuildDerived({ store, tenant, now: t2 });
    const rebuilt = [...(await snapshot(store, tenant))].filter(([k]) => relevant(k));
    assert.ok(
      rebuilt.some(([k]) => k.startsWith('compliance') && k.endsWith(' 2026-10')),
      'October, closed since, is compared',
    );
    assert.deepEqual(new Map(refreshed), new Map(rebuilt));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the resident window book: one event at a time, old tickets brought back, another writer and a rebuild in between, always what a rebuild gives', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-incremental-'));
  const path = join(dir, 'pledge.db');
  const store = await openStore({ kind: 'sqlite', path });
  const other = await openStore({ kind: 'sqlite', path });
  try {
    const tenant = 'resident';
    // The demo up to three days before NOW; then its last days one event at a time, with, now and
    // then, a late event of a ticket that finished months ago (not held: it goes in by its order).
    const cut = NOW - 3 * 86_400_000;
    const tail = EVENTS.filter((e) => e.atMs > cut);
    await seedDemo(store, NOW, tenant, { events: EVENTS.filter((e) => e.atMs <= cut) });
    assert.equal((await refreshDerived({ store, tenant, now: NOW })).full, true);
    const oldTickets = [...new Set(EVENTS.flatMap((e) => ('ticket' in e && e.atMs < cut - 60 * 86_400_000 ? [e.ticket] : [])))];
    const ways: Array<boolean | undefined> = [];
    const compare = async (what: string) => {
      const refreshed = await snapshot(store, tenant);
      await rebuildDerived({ store, tenant, now: NOW });
      const rebuilt = await snapshot(store, tenant);
      const differing = [...new Set([...refreshed.keys(), ...rebuilt.keys()])].filter(
        (k) => !isDeepStrictEqual(refreshed.get(k), rebuilt.get(k)),
      );
      assert.deepEqual(differing, [], `${what}: rows that differ from the rebuild`);
    };
    for (let i = 0; i < tail.length; i++) {
      const e = tail[i]!;
      // Every seventh: the other store (another process) appends and refreshes first.
      const writer = i % 7 === 3 ? other : store;
      await writer.appendEvents(tenant, [e], { receivedAt: NOW });
      if (writer === other) await refreshDerived({ store: other, tenant, now: NOW });
      if (i % 5 === 2 || i % 11 === 5) {
        // An event of a ticket that finished long ago, today (it joins the held tickets before the
        // newer ones, by its first event) or back then (a late event: its month is measured again).
        const t = oldTickets[i % oldTickets.length]!;
        const at = i % 5 === 2 ? NOW - 86_400_000 : NOW - 100 * 86_400_000;
        const note = unwrap(
          parseEvent({ id: `note-${i}`, type: 'ticket.assigned', ticket: t, at: new Date(at).toISOString(), assignee: 'x' }),
        ) as Timed;
        await store.appendEvents(tenant, [note], { receivedAt: NOW });
      }
      const r = await refreshDerived({ store, tenant, now: NOW });
      ways.push(r.resident);
      if (i % 30 === 29) await compare(`after ${i + 1} events`);
    }
    await compare('at the end');
    // Measured from the resident book unless something sends the refresh to the store: the other
    // writer (the state moved), an event of an old ticket (its months are measured again), and the
    // refresh after each of those (it makes the resident again).
    const resident = ways.filter((w) => w === true).length;
    assert.ok(resident >= tail.length / 3, `${resident} of ${ways.length} from the resident book`);
    assert.ok(
      ways.some((w, i) => i % 7 === 4 && w === false),
      'after the other writer, the store is read again',
    );
  } finally {
    await other.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
