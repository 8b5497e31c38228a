import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/index.ts';
import type { Store } from '../store/types.ts';
import { ingestBatch, type IngestContext } from './ingest.ts';

let store: Store;
let dir: string;
const limits = { batchEvents: 5, batchBytes: 4096, maxClockSkewMs: 86_400_000 };
let n = 0;
const ctx = async (): Promise<IngestContext> => {
  const tenant = `t${++n}`;
  await store.createTenant({ id: tenant, name: tenant, createdAt: 0 });
  return { tenant, store, now: Date.parse('2026-11-23T12:00:00Z'), limits };
};
const ev = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'ticket.created',
  ticket: 'T1',
  at: '2026-11-23T10:00:00Z',
  priority: 'P2',
  ...extra,
});

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pledge-ingest-'));
  store = await openStore({ kind: 'sqlite', path: join(dir, 'pledge.db') });
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('per event: accepted, duplicate, conflict, rejected with the field named; good events kept', async () => {
  const c = await ctx();
  const first = await ingestBatch(c, { body: JSON.stringify([ev('e1'), ev('e2')]), format: 'json' });
  assert.ok(first.ok);
  assert.deepEqual(
    first.report.results.map((r) => r.status),
    ['accepted', 'accepted'],
  );
  const body = [
    JSON.stringify(ev('e1')),
    JSON.stringify(ev('e2', { priority: 'P1' })),
    JSON.stringify({ ...ev('e3'), at: '2026-02-30T10:00:00Z' }),
    '{"id": "e4", ',
    JSON.stringify(ev('e5')),
  ].join('\n');
  const r = await ingestBatch(c, { body, format: 'ndjson' });
  assert.ok(r.ok);
  assert.deepEqual(
    r.report.results.map((x) => x.status),
    ['duplicate', 'conflict', 'rejected', 'rejected', 'accepted'],
  );
  const bad = r.report.results[2]!;
  assert.ok(bad.status === 'rejected' && /\[2\]\.at: impossible date or time/.test(bad.reason));
  assert.equal(await store.countEvents(c.tenant), 3);
  assert.deepEqual([r.report.accepted, r.report.duplicates, r.report.conflicts, r.report.rejected], [1, 1, 1, 2]);
});

test('all-or-nothing: one bad event and nothing is written', async () => {
  const c = await ctx();
  const r = await ingestBatch(c, {
    body: JSON.stringify([ev('a'), { id: 'b', type: 'ticket.nope', at: 'x' }]),
    format: 'json',
    allOrNothing: true,
  });
  assert.ok(r.ok);
  assert.equal(r.report.committed, false);
  assert.deepEqual(
    r.report.results.map((x) => x.status),
    ['not_written', 'rejected'],
  );
  assert.equal(await store.countEvents(c.tenant), 0);
});

test('limits and unreadable bodies refuse the whole batch', async () => {
  const c = await ctx();
  const many = await ingestBatch(c, { body: JSON.stringify([1, 2, 3, 4, 5, 6].map((i) => ev(`x${i}`))), format: 'json' });
  assert.ok(!many.ok && many.error.code === 'batch_too_large');
  const big = await ingestBatch(c, { body: JSON.stringify([ev('y', { attributes: { note: 'z'.repeat(5000) } })]), format: 'json' });
  assert.ok(!big.ok && big.error.code === 'batch_too_large');
  const broken = await ingestBatch(c, { body: '[{"id": ', format: 'json' });
  assert.ok(!broken.ok && broken.error.code === 'bad_batch');
  assert.equal(await store.countEvents(c.tenant), 0);
});

test('the same batch sent twice changes nothing the second time', async () => {
  const c = await ctx();
  const body = JSON.stringify([ev('d1'), ev('d2'), ev('d3')]);
  await ingestBatch(c, { body, format: 'json' });
  const again = await ingestBatch(c, { body, format: 'json' });
  assert.ok(again.ok);
  assert.deepEqual(
    again.report.results.map((x) => x.status),
    ['duplicate', 'duplicate', 'duplicate'],
  );
  assert.equal(await store.countEvents(c.tenant), 3);
});

test("an event naming another customer than its ticket's is a conflict that names the owner; nothing of it is stored", async () => {
  const c = await ctx();
  const batch = [
    ev('c', { customer: 'acme' }),
    ev('x', { type: 'ticket.closed', priority: undefined, customer: 'globex' }),
    ev('y', { source: 'jira', customer: 'globex' }),
  ];
  const r = await ingestBatch(c, { body: JSON.stringify(batch), format: 'json' });
  assert.ok(r.ok);
  assert.deepEqual(
    r.report.results.map((x) => x.status),
    ['accepted', 'conflict', 'accepted'],
    "another desk's T1 is another ticket",
  );
  const conflict = r.report.results[1]!;
  assert.ok(conflict.status === 'conflict');
  assert.equal(conflict.owner, 'acme');
  assert.equal(conflict.seq, undefined);
  assert.equal(
    conflict.reason,
    'ticket "T1" belongs to customer "acme", and this event names customer "globex": ' +
      "a ticket never changes owner (another desk's ticket needs its own source)",
  );
  assert.deepEqual([r.report.accepted, r.report.conflicts], [2, 1]);
  assert.equal(await store.countEvents(c.tenant), 2);
});

test('a batch that stores events is audited in the transaction of its events, never by a second write', async () => {
  const c = await ctx();
  // A store on which a separate audit write fails: ingestion must not need one.
  const noSeparateAudit = new Proxy(store, {
    get: (s, k) =>
      k === 'appendAudit' ? () => Promise.reject(new Error('the audit line must be written with the events')) : Reflect.get(s, k, s),
  });
  const audited = { ...c, store: noSeparateAudit, audit: { actor: 'agent-1', requestId: 'req-1' } };
  const r = await ingestBatch(audited, {
    body: JSON.stringify([ev('a'), ev('b'), { id: 'bad', type: 'ticket.nope', at: 'x' }]),
    format: 'json',
  });
  assert.ok(r.ok);
  await ingestBatch(audited, { body: JSON.stringify([ev('a')]), format: 'json' });
  await ingestBatch(audited, { body: JSON.stringify([ev('c'), ev('a', { priority: 'P9' })]), format: 'json', allOrNothing: true });
  const entries = (await store.listAudit(c.tenant)).items;
  assert.deepEqual(
    entries.map((e) => [e.actor, e.action, e.subject, e.after]),
    [['agent-1', 'events.ingest', 'events', { accepted: 2, duplicates: 0, conflicts: 0, rejected: 1, lastSeq: 2, requestId: 'req-1' }]],
    'one line for the batch that stored events; none for duplicates only, nor for a batch not committed',
  );
  assert.equal(entries[0]!.at, c.now);
});
