/**
 * GET /v1/alerts/stream over a real socket: a client (Node's fetch) reads the event stream while
 * alerts are opened, acknowledged and resolved through the store (as the evaluation and another
 * instance would), resumes with Last-Event-ID without missing or repeating an event, a customer's
 * stream carries only its own notices, and the server stops following a client that went away.
 * No timing is asserted: the test waits for events, never for a duration.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { coreAlert, openAlerts } from './alerts-fixtures.ts';
import { agreementYaml, newTenant, openTestStore, T0, type Tenant, type TestStore } from './helpers.ts';

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/** Reads events from a text/event-stream body, one at a time. */
function reader(body: ReadableStream<Uint8Array>) {
  const it = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const comments: string[] = [];
  return {
    comments,
    async next(): Promise<SseEvent> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const e: SseEvent = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line);
            const m = /^(id|event|data): (.*)$/.exec(line);
            if (m) e[m[1] as keyof SseEvent] = m[2];
          }
          if (e.event) return e;
          continue;
        }
        const { value, done } = await it.read();
        if (done) throw new Error('the stream ended');
        buffer += value;
      }
    },
    cancel: () => it.cancel(),
  };
}

let ts: TestStore;
let t: Tenant;
let base: string;
before(async () => {
  ts = await openTestStore();
  t = await newTenant(ts.store);
  for (const [id, customer] of [
    ['gold', 'acme'],
    ['blue', 'globex'],
  ] as const)
    await t.req('manager', {
      method: 'PUT',
      url: `/v1/agreements/${id}`,
      headers: { 'content-type': 'application/yaml' },
      payload: agreementYaml(id, customer),
    });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = t.app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
after(async () => {
  await t.app.close();
  await ts.close();
});

const open = (secret: string, headers: Record<string, string> = {}, query = '') =>
  fetch(`${base}/v1/alerts/stream${query}`, { headers: { authorization: `Bearer ${secret}`, ...headers } });

describe('the alert stream', () => {
  test('a live view sees alerts open, be acknowledged and resolve as they are written, and resumes after the last event it saw', async () => {
    const [before1] = await openAlerts(ts.store, t.tenant, [coreAlert({ agreement: 'gold', ticket: 'OLD', at: T0 })], T0);
    const res = await open(t.tokens.viewer);
    assert.equal(res.status, 200);
    assert.match(String(res.headers.get('content-type')), /^text\/event-stream/);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const r = reader(res.body!);

    const [a] = await openAlerts(ts.store, t.tenant, [coreAlert({ agreement: 'gold', ticket: 'T-9', at: T0 + 1000 })], T0 + 1000);
    const opened = await r.next();
    assert.equal(opened.event, 'alert.opened');
    const data = JSON.parse(opened.data!);
    assert.deepEqual([data.alert.id, data.state, data.by, data.alert.subject.ticket], [a!.id, 'firing', 'pledge', 'T-9']);
    assert.notEqual(data.alert.id, before1!.id, 'a new live view starts from now');
    assert.equal(opened.id, String(data.seq));

    await ts.store.acknowledgeAlert(t.tenant, a!.id, { at: T0 + 2000, by: 'ann' });
    const acked = await r.next();
    assert.deepEqual([acked.event, JSON.parse(acked.data!).by], ['alert.acknowledged', 'ann']);
    await r.cancel();

    // Meanwhile (nobody listening): resolved, and another opened. Resuming misses neither.
    await ts.store.applyAlertChanges(t.tenant, {
      at: T0 + 3000,
      by: 'pledge',
      alerts: [{ op: 'resolve', dedupeKey: a!.dedupeKey, resolvedAt: T0 + 3000, reason: 'the clock stopped (met)' }],
    });
    const [b] = await openAlerts(ts.store, t.tenant, [coreAlert({ agreement: 'gold', ticket: 'T-10', at: T0 + 4000 })], T0 + 4000);
    const again = reader((await open(t.tokens.viewer, { 'last-event-id': acked.id! })).body!);
    const resolved = await again.next();
    assert.deepEqual(
      [resolved.event, JSON.parse(resolved.data!).reason, JSON.parse(resolved.data!).alert.state],
      ['alert.resolved', 'the clock stopped (met)', 'resolved'],
    );
    const next = await again.next();
    assert.deepEqual([next.event, JSON.parse(next.data!).alert.id], ['alert.opened', b!.id]);
    assert.ok(Number(next.id) > Number(resolved.id) && Number(resolved.id) > Number(acked.id));
    await again.cancel();
  });

  test("a customer's stream carries its own notices only; follow=false ends after the backlog", async () => {
    const start = (await ts.store.listAlertActivity(t.tenant, { newestFirst: true, limit: 1 }))[0]?.seq ?? 0;
    const live = reader((await open(t.tokens.customer)).body!);
    const [, mine] = await openAlerts(
      ts.store,
      t.tenant,
      [
        coreAlert({ agreement: 'gold', ticket: 'C-1', at: T0 }),
        coreAlert({ agreement: 'gold', ticket: 'C-1', level: 'notice-breach', audience: 'customer', at: T0 }),
        coreAlert({ agreement: 'blue', ticket: 'C-2', level: 'notice-breach', audience: 'customer', at: T0 }),
      ],
      T0 + 5000,
    );
    const e = await live.next();
    assert.deepEqual([e.event, JSON.parse(e.data!).alert.id], ['alert.opened', mine!.id]);
    assert.equal(JSON.parse(e.data!).alert.routing, undefined);
    await live.cancel();

    const backlog = await open(t.tokens.customer, {}, `?after=${start}&follow=false`);
    const text = await backlog.text();
    const events = text.split('\n').filter((l) => l.startsWith('data: '));
    assert.equal(events.length, 1, text);
    assert.match(events[0]!, new RegExp(mine!.id));

    const viewer = await (await open(t.tokens.viewer, {}, `?after=${start}&follow=false`)).text();
    assert.equal(viewer.split('\n').filter((l) => l.startsWith('event: alert.opened')).length, 3);
  });

  test('a bad Last-Event-ID is 400; no token is 401; the stream is refused to nobody else', async () => {
    const bad = await open(t.tokens.viewer, { 'last-event-id': 'yesterday' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { details: { header: string } }).details.header, 'Last-Event-ID');
    const none = await fetch(`${base}/v1/alerts/stream`);
    assert.equal(none.status, 401);
    await none.text();
  });
});
