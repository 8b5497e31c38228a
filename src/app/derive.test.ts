import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { agreementFromText } from '../core/agreements/load.ts';
import { applyAgreement } from './agreements.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/index.ts';
import { demoEvents, seedDemo } from '../demo/seed.ts';
import { parseEvent } from '../core/events/parse.ts';
import { unwrap } from '../core/validation/issues.ts';
import type { Store } from '../store/types.ts';
import { rebuildDerived, refreshDerived } from './derive.ts';

test('rebuild computes clocks, compliance and settlements from the stored events, the same every time', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-derive-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'pledge.db') });
  try {
    const now = Date.parse('2026-11-23T12:00:00Z');
    const seeded = await seedDemo(store, now);
    const r = await rebuildDerived({ store, tenant: 'demo', now });
    assert.deepEqual(r.problems, []);
    assert.equal(r.agreements, 10);
    assert.equal(r.events, seeded.events);
    assert.equal(r.watermark, seeded.events);
    assert.ok(r.clocks > 500 && r.compliance > 20 && r.settlements > 10, JSON.stringify(r));
    const oct = await store.getSettlement<{ period: { label: string }; totals: unknown[] }>('demo', {
      agreementId: 'acme-checkout',
      period: '2026-09',
    });
    assert.equal(oct?.value.period.label, '2026-09');
    // A finished window is met, breached or no_data: at_risk warns about the future only.
    type Row = { window: string; value: { state: string; windowClosed: boolean } };
    const rows = Object.values(await snapshot(store, 'demo')).filter((x): x is Row => typeof x === 'object' && x !== null && 'window' in x);
    const closed = rows.filter((x) => x.value.windowClosed);
    assert.ok(closed.length > 10, `${closed.length} closed windows`);
    assert.deepEqual(
      closed.filter((x) => x.value.state === 'at_risk').map((x) => x.window),
      [],
    );
    const again = await rebuildDerived({ store, tenant: 'demo', now });
    assert.deepEqual({ ...again }, { ...r });
    assert.equal(await store.getDerivedWatermark('demo'), seeded.events);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Every derived row of a tenant, without the instant it was computed at, by key. */
async function snapshot(store: Store, tenant: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const all = async <T extends { updatedAt: number }>(
    fetch: (after?: string) => Promise<{ items: T[]; next?: string }>,
    key: (r: T) => string,
  ) => {
    let after: string | undefined;
    do {
      const p = await fetch(after);
      for (const r of p.items) out[key(r)] = { ...r, updatedAt: undefined };
      after = p.next;
    } while (after);
  };
  await all(
    (after) => store.listClocks(tenant, { limit: 1000, ...(after ? { after } : {}) }),
    (r) => `clock ${r.agreementId} ${r.target} ${r.ticket} ${r.cycle}`,
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

test('refresh after late and out-of-order events recomputes what they touch, and equals a rebuild', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-derive-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'pledge.db') });
  try {
    const now = Date.parse('2026-11-23T12:00:00Z');
    // The demo without its last 300 events (in time), computed; then those arrive, latest first.
    const events = demoEvents(now).map((e) => unwrap(parseEvent(e)));
    const byTime = [...events].sort((a, b) => a.atMs - b.atMs);
    const late = byTime.slice(-300).reverse();
    const early = byTime.slice(0, -300);
    await seedDemo(store, now, 'demo', { events: early });
    const first = await refreshDerived({ store, tenant: 'demo', now });
    assert.equal(first.full, true, 'never computed: a rebuild');
    assert.equal((await refreshDerived({ store, tenant: 'demo', now })).status, 'fresh');
    // A late ticket event of acme, on its own: only the agreements measuring it are recomputed.
    const acme = late.find((e) => e.customer === 'acme' && 'ticket' in e)!;
    await store.appendEvents('demo', [acme], { receivedAt: now });
    const one = await refreshDerived({ store, tenant: 'demo', now });
    assert.equal(one.status, 'refreshed');
    assert.equal(one.full, false);
    assert.equal(one.newEvents, 1);
    assert.ok(one.agreements.includes('acme-checkout'), one.agreements.join());
    assert.ok(!one.agreements.includes('globex-email'), 'an agreement of another customer is not touched');
    // The rest, out of order, in two batches.
    const rest = late.filter((e) => e !== acme);
    await store.appendEvents('demo', rest.slice(0, 150), { receivedAt: now });
    await store.appendEvents('demo', rest.slice(150), { receivedAt: now });
    const more = await refreshDerived({ store, tenant: 'demo', now });
    assert.equal(more.newEvents, 299);
    const refreshed = await snapshot(store, 'demo');
    await rebuildDerived({ store, tenant: 'demo', now });
    const rebuilt = await snapshot(store, 'demo');
    assert.ok(Object.keys(rebuilt).length > 1000);
    assert.deepEqual(refreshed, rebuilt);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a refresh computed from a watermark that moved meanwhile writes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-derive-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'pledge.db') });
  try {
    const now = Date.parse('2026-11-23T12:00:00Z');
    await seedDemo(store, now);
    const r = await rebuildDerived({ store, tenant: 'demo', now, from: { watermark: 7, generation: 0 } });
    assert.equal(r.stale, true);
    assert.equal(await store.getDerivedWatermark('demo'), 0);
    assert.equal((await store.listClocks('demo')).items.length, 0);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an amended agreement: each billing period is settled with the version in force when it began', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-derive-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'pledge.db') });
  try {
    const now = Date.parse('2026-11-23T12:00:00Z');
    await seedDemo(store, now);
    // The amendment (99.9% from 1 September), applied in August.
    const text = readFileSync(fileURLToPath(new URL('../../examples/amendments/sla-checkout-v2.yaml', import.meta.url)), 'utf8').replace(
      'effective: 2026-10-01',
      'effective: 2026-09-01',
    );
    const loaded = unwrap(agreementFromText(text, 'v2.yaml'));
    const applied = await applyAgreement({ store, tenant: 'demo', actor: 'test', now: Date.parse('2026-08-15T12:00:00Z') }, { loaded });
    assert.ok(applied.ok && applied.result === 'amended', JSON.stringify(applied));
    assert.equal(await store.getDerivedWatermark('demo'), 0, 'the amendment made the results stale');
    const r = await refreshDerived({ store, tenant: 'demo', now });
    assert.equal(r.full, true);
    const target = async (window: string) =>
      (await store.getCompliance<{ target: number }>('demo', { agreementId: 'acme-checkout', target: 'uptime', window }))?.value.target;
    assert.equal(await target('2026-08'), 99.95, 'August: version 1');
    assert.equal(await target('2026-09'), 99.9, 'September: version 2');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
