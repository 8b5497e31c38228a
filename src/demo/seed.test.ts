import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/index.ts';
import { hashTokenSecret } from '../store/tokens.ts';
import { currentState } from '../core/agreements/lifecycle/state.ts';
import { seedDemo, demoWindow } from './seed.ts';
import { watermelon } from '../app/watermelon.ts';

test('the demo seed: a tenant with an admin token, active agreements, calendars, three months of events up to now, and a watermelon', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-seed-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'pledge.db') });
  try {
    const now = Date.parse('2026-11-23T12:00:00Z');
    assert.deepEqual(demoWindow(now), { from: Date.parse('2026-09-01T00:00:00Z'), to: now, label: '2026-09..2026-11' });
    const r = await seedDemo(store, now);
    assert.equal(r.agreements.length, 10);
    assert.ok(r.events > 2000, String(r.events));
    const tok = await store.findTokenByHash(hashTokenSecret(r.adminToken));
    assert.equal(tok?.token.role, 'admin');
    for (const id of r.agreements) {
      const h = await store.getLifecycle('demo', id);
      assert.equal(currentState(h!), 'active', id);
      assert.equal((await store.listVersions('demo', id)).length, 1);
    }
    assert.equal((await store.listCalendars('demo')).length, 7);
    assert.equal(await store.countEvents('demo'), r.events);
    // Nothing after now; some tickets still open now (created, not yet resolved).
    const all = await store.eventsSince('demo', 0, 10_000);
    assert.ok(all.every((e) => e.at <= now));
    const resolved = new Set(all.filter((e) => e.type === 'ticket.resolved' || e.type === 'ticket.closed').map((e) => e.ticket));
    assert.ok(
      all.some((e) => e.type === 'ticket.created' && !resolved.has(e.ticket)),
      'open tickets',
    );
    // The watermelon the demo shows: Umbrella's PBX SLA is met (it only blips, under its
    // agreement's minimum outage), yet its users rate the desk at best 3 of 5: flagged, CSAT low.
    for (const period of ['2026-09', '2026-10']) {
      const wm = await watermelon({ store, tenant: 'demo', now }, { period });
      assert.ok(wm.ok);
      const umbrella = wm.value.rows.find((r) => r.customer === 'umbrella' && r.service === 'cloud-pbx');
      assert.equal(umbrella?.sla, 'met', period);
      assert.equal(umbrella?.watermelon, true, period);
      assert.equal(umbrella?.csat, 0, period);
      assert.ok(
        umbrella?.why.some((w) => w.code === 'csat_below'),
        period,
      );
    }
    // Seeding again adds nothing: events are facts with ids, agreements exist already.
    const again = await seedDemo(store, now);
    assert.equal(await store.countEvents('demo'), again.events);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
