/**
 * A test tenant holding the demo data set (src/demo/seed.ts: the example agreements, active, and a
 * generated three months of events up to now), with one token per role as in helpers.ts. The demo
 * clock is T0 (2026-10-01T08:00Z), so the events cover August and September, and a few hours of
 * October. Derived results are not computed by the seed: the first read of
 * a result computes them.
 */
import { seedDemo, type SeedResult } from '../../src/demo/seed.ts';
import type { Store } from '../../src/store/types.ts';
import { newTenant, openTestStore, T0, type Tenant, type TestStore } from './helpers.ts';

const DEMO_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

export type DemoTenant = Tenant & { seed: SeedResult };

export async function demoTenant(store: Store): Promise<DemoTenant> {
  // A secret key, so sources (whose secrets are sealed) can be configured on the demo data too.
  const t = await newTenant(store, { config: { secretKeys: DEMO_SECRET_KEY } });
  const seed = await seedDemo(store, T0, t.tenant);
  return { ...t, seed };
}

/** A store of its own with a demo tenant in it: what a test file of results starts from. */
export async function openDemo(): Promise<{ ts: TestStore; t: DemoTenant }> {
  const ts = await openTestStore();
  return { ts, t: await demoTenant(ts.store) };
}

export async function closeDemo(d: { ts: TestStore; t: DemoTenant }): Promise<void> {
  await d.t.app.close();
  await d.ts.close();
}

/** A P1 ticket of customer acme (acme-checkout measures P1 tickets, so it has clocks once computed). */
export async function acmeTicket(store: Store, tenant: string): Promise<string> {
  const page = await store.queryEvents(tenant, { customer: 'acme', typePrefix: 'ticket.created', limit: 1000 });
  const ticket = page.items.find((e) => e.payload.priority === 'P1')?.ticket;
  if (!ticket) throw new Error('the demo data has no acme P1 ticket');
  return ticket;
}

/** A ticket of customer globex. */
export async function globexTicket(store: Store, tenant: string): Promise<string> {
  const page = await store.queryEvents(tenant, { customer: 'globex', typePrefix: 'ticket.', limit: 1 });
  const ticket = page.items[0]?.ticket;
  if (!ticket) throw new Error('the demo data has no globex ticket');
  return ticket;
}
