/**
 * The writer for the SQLite crash and multi-process tests: appends numbered batches to a store as
 * fast as it can and prints `ack N ACCEPTED` for each batch only after appendEvents has returned
 * (its transaction committed). The crash test kills it with SIGKILL at some point and checks that
 * every acknowledged batch is there; the concurrency test runs two of them over the same batches.
 *
 * Usage: node --import tsx crash-child.ts DB_PATH TENANT BATCH_SIZE [BATCHES [reverse]]
 * (without BATCHES it goes on until killed; `reverse` sends the batches last to first)
 */
import { openStore } from '../index.ts';
import type { EventInput } from '../types.ts';

export function crashBatch(batch: number, batchSize: number): EventInput[] {
  const start = Date.UTC(2026, 9, 1);
  return Array.from({ length: batchSize }, (_, i) => {
    const atMs = start + (batch * batchSize + i) * 1000;
    return {
      id: `b${batch}-e${i}`,
      type: 'check.result',
      source: 'probe',
      at: new Date(atMs).toISOString(),
      atMs,
      service: 'pbx',
      check: 'https',
      up: i % 7 !== 0,
      latencyMs: i % 300,
    };
  });
}

// Run as a program (the test imports only crashBatch).
if (process.argv[1]?.endsWith('crash-child.ts')) {
  const [path, tenant, size, batches, order] = process.argv.slice(2);
  if (!path || !tenant || !size) throw new Error('usage: crash-child.ts DB_PATH TENANT BATCH_SIZE [BATCHES]');
  const store = await openStore({ kind: 'sqlite', path });
  const end = batches === undefined ? Infinity : Number(batches);
  const pauseMs = Number(process.env.PLEDGE_CHILD_PAUSE_MS ?? 0);
  if (process.env.PLEDGE_CHILD_WAIT === '1') {
    // Say ready and wait for the go, so that two writers really start together.
    process.stdout.write('ready\n');
    await new Promise((resolve) => process.stdin.once('data', resolve));
    process.stdin.pause();
  }
  for (let i = 0; i < end; i++) {
    const batch = order === 'reverse' ? end - 1 - i : i;
    const r = await store.appendEvents(tenant, crashBatch(batch, Number(size)), { receivedAt: Date.now() });
    // Written only now, after the commit: an ack is a promise that the batch is durable.
    process.stdout.write(`ack ${batch} ${r.accepted}\n`);
    // Between batches, let the other writer in: SQLite's busy handler sleeps while it waits, and a
    // writer that never pauses would finish before the other wakes.
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  await store.close();
}
