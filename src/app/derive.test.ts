import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/index.ts';
import { seedDemo } from '../demo/seed.ts';
import { rebuildDerived } from './derive.ts';

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
    const oct = await store.getSettlement<{ period: { label: string }; totals: unknown[] }>('demo', { agreementId: 'acme-checkout', period: '2026-09' });
    assert.equal(oct?.value.period.label, '2026-09');
    const again = await rebuildDerived({ store, tenant: 'demo', now });
    assert.deepEqual({ ...again }, { ...r });
    assert.equal(await store.getDerivedWatermark('demo'), seeded.events);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
