/**
 * The store contract for sources (service desk webhooks): a source is found by its hook from any
 * tenant, keeps its hook when replaced, and takes its deliveries with it when deleted; a delivery
 * id is recorded once per source ('new', then 'seen'), also when two requests record it at once.
 * A source's delivery log lists newest first, keeps only the newest `keep` entries (pruned as it
 * appends, also when appends race), tells nothing about idempotency, and goes with its source.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { SourceDeliveryEntry, Store } from './types.ts';

const T0 = Date.UTC(2026, 11, 1);

export function sourcesContract(ctx: { store: () => Store }): void {
  describe('sources', () => {
    test('put, find by hook, replace (hook kept), record deliveries once, delete with its deliveries', async () => {
      const store = ctx.store();
      const tenant = `src-${randomBytes(5).toString('hex')}`;
      await store.createTenant({ id: tenant, name: tenant, createdAt: T0 });
      const hook = `h_${randomBytes(8).toString('hex')}`;
      const created = await store.putSource(tenant, { id: 'desk', vendor: 'github', hook, config: { a: 1 }, at: T0, by: 'jo' });
      assert.equal(created.status, 'created');
      const found = await store.findSourceByHook<{ a: number }>(hook);
      assert.equal(found?.tenant, tenant);
      assert.deepEqual(found?.source.config, { a: 1 });
      const replaced = await store.putSource(tenant, {
        id: 'desk',
        vendor: 'zendesk',
        hook: 'ignored',
        config: { a: 2 },
        at: T0 + 1,
        by: 'al',
      });
      assert.equal(replaced.status, 'updated');
      assert.equal(replaced.source.hook, hook);
      assert.equal(replaced.source.vendor, 'zendesk');
      assert.notEqual(replaced.source.etag, created.source.etag);
      assert.equal(await store.findSourceByHook('ignored'), undefined);
      assert.deepEqual(
        (await store.listSources(tenant)).map((s) => s.id),
        ['desk'],
      );

      const both = await Promise.all([
        store.recordSourceDelivery(tenant, 'desk', 'd-1', T0, 2),
        store.recordSourceDelivery(tenant, 'desk', 'd-1', T0, 2),
      ]);
      assert.deepEqual(both.sort(), ['new', 'seen']);
      assert.equal(await store.hasSourceDelivery(tenant, 'desk', 'd-1'), true);
      assert.equal(await store.hasSourceDelivery(tenant, 'desk', 'd-2'), false);

      assert.equal(await store.deleteSource(tenant, 'desk'), 'deleted');
      assert.equal(await store.deleteSource(tenant, 'desk'), 'not_found');
      assert.equal(await store.findSourceByHook(hook), undefined);
      await store.putSource(tenant, { id: 'desk', vendor: 'github', hook: `${hook}2`, config: {}, at: T0, by: 'jo' });
      assert.equal(await store.hasSourceDelivery(tenant, 'desk', 'd-1'), false, 'a deleted source takes its deliveries');
    });

    test('the delivery log: newest first, pruned to the newest entries per source, last per source, gone with its source', async () => {
      const store = ctx.store();
      const tenant = `srl-${randomBytes(5).toString('hex')}`;
      await store.createTenant({ id: tenant, name: tenant, createdAt: T0 });
      for (const id of ['a', 'b', 'quiet'])
        await store.putSource(tenant, { id, vendor: 'github', hook: `h_${randomBytes(8).toString('hex')}`, config: {}, at: T0, by: 'jo' });
      const entry = (n: number, over: Partial<SourceDeliveryEntry> = {}): SourceDeliveryEntry => ({
        at: T0 + Math.floor(n / 2), // two entries share each millisecond: the order is the appending's
        delivery: `d-${n}`,
        outcome: 'stored',
        status: 200,
        accepted: n,
        duplicates: 0,
        rejected: 0,
        detail: '',
        ...over,
      });
      for (let n = 0; n < 7; n++) assert.equal(await store.appendSourceDeliveryLog(tenant, 'a', entry(n), 5), 'appended');
      const refused = entry(7, { delivery: null, outcome: 'refused', status: 401, accepted: 0, detail: 'signature: no match' });
      await store.appendSourceDeliveryLog(tenant, 'a', refused, 5);
      await store.appendSourceDeliveryLog(tenant, 'b', entry(0, { outcome: 'duplicate', duplicates: 3 }), 5);

      const a = await store.listSourceDeliveryLog(tenant, 'a', 100);
      assert.deepEqual(
        a.map((e) => e.delivery),
        [null, 'd-6', 'd-5', 'd-4', 'd-3'],
        'the newest 5, newest first',
      );
      assert.deepEqual(a[0], refused);
      assert.deepEqual(
        (await store.listSourceDeliveryLog(tenant, 'a', 2)).map((e) => e.delivery),
        [null, 'd-6'],
      );
      // Appends racing on one source still leave exactly the newest `keep`.
      await Promise.all([8, 9, 10, 11].map((n) => store.appendSourceDeliveryLog(tenant, 'a', entry(n), 5)));
      const raced = await store.listSourceDeliveryLog(tenant, 'a', 100);
      assert.equal(raced.length, 5);
      assert.deepEqual(raced.slice(4)[0]?.delivery, null, 'the four racers and the newest before them');

      const last = await store.lastSourceDeliveries(tenant);
      assert.deepEqual([...last.keys()].sort(), ['a', 'b']);
      assert.equal(last.get('a')?.delivery, raced[0]?.delivery);
      assert.deepEqual(last.get('b'), entry(0, { outcome: 'duplicate', duplicates: 3 }));
      assert.equal(await store.hasSourceDelivery(tenant, 'a', 'd-6'), false, 'the log is not the idempotency record');
      assert.equal(await store.appendSourceDeliveryLog(tenant, 'nope', entry(0), 5), 'not_found');
      assert.deepEqual(await store.listSourceDeliveryLog(tenant, 'nope', 10), []);

      await store.deleteSource(tenant, 'a');
      await store.putSource(tenant, {
        id: 'a',
        vendor: 'github',
        hook: `h_${randomBytes(8).toString('hex')}`,
        config: {},
        at: T0,
        by: 'jo',
      });
      assert.deepEqual(await store.listSourceDeliveryLog(tenant, 'a', 100), [], 'a deleted source takes its log');
      assert.deepEqual([...(await store.lastSourceDeliveries(tenant)).keys()], ['b']);
    });
  });
}
