/**
 * The store contract for sources (service desk webhooks): a source is found by its hook from any
 * tenant, keeps its hook when replaced, and takes its deliveries with it when deleted; a delivery
 * id is recorded once per source ('new', then 'seen'), also when two requests record it at once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Store } from './types.ts';

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
  });
}
