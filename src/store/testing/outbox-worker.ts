/**
 * A delivery worker for the PostgreSQL outbox test: claims due notifications from the store on a
 * lease, "delivers" each by printing `deliver ID KEY ATTEMPT` (the line is the receiver's log: it
 * is written before the completion, as a real send happens before it is recorded), waits a little
 * as a network call would, then completes it and prints `done ID ATTEMPT STATUS`. The test runs
 * two of these on one queue and kills one with SIGKILL in the middle of a delivery; the lines of
 * both and the stored attempt log then show every notification delivered at least once, always
 * with its key, and completed exactly once.
 *
 * The worker's clock is the real one (Date.now()): it is a shell, as the lead's worker will be.
 * It stops when its stdin closes. With PLEDGE_WORKER_HANG_AFTER=N it hangs after printing its
 * N-th delivery, as a send stuck on the network would: the test kills it there, so the kill lands
 * mid-delivery whatever the machine's load.
 *
 * Usage: node --import tsx outbox-worker.ts URL SCHEMA WORKER LEASE_MS [DELIVERY_MS]
 */
import { openStore } from '../index.ts';

if (process.argv[1]?.endsWith('outbox-worker.ts')) {
  const [url, schema, worker, leaseMs, deliveryMs] = process.argv.slice(2);
  if (!url || !schema || !worker || !leaseMs) throw new Error('usage: outbox-worker.ts URL SCHEMA WORKER LEASE_MS [DELIVERY_MS]');
  const store = await openStore({ kind: 'postgres', url, schema, poolSize: 2 });
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  let stopping = false;
  process.stdin.on('end', () => {
    stopping = true;
  });
  process.stdin.resume();
  process.stdout.write('ready\n');
  const hangAfter = Number(process.env.PLEDGE_WORKER_HANG_AFTER ?? Number.POSITIVE_INFINITY);
  let delivered = 0;
  while (!stopping) {
    const claimed = await store.claimNotifications({ worker, at: Date.now(), leaseMs: Number(leaseMs), limit: 5 });
    if (claimed.length === 0) {
      await pause(20);
      continue;
    }
    for (const n of claimed) {
      process.stdout.write(`deliver ${n.id} ${n.idempotencyKey} ${n.lease.attempt}\n`);
      if (++delivered >= hangAfter) await new Promise(() => {});
      await pause(Number(deliveryMs ?? 10));
      const r = await store.completeNotification(n.tenant, n.id, n.lease, { outcome: 'delivered', at: Date.now() });
      process.stdout.write(`done ${n.id} ${n.lease.attempt} ${r.status}\n`);
    }
  }
  await store.close();
}
