/**
 * The store contract for status pages and incidents: a page written under its ETag, found by its
 * public path whatever the tenant, and a path never served by two pages (of one tenant or two); an
 * incident replaced whole under its ETag, so of two updates made from the same version one is
 * stale, and listed open-or-recently-resolved, newest first.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Store } from './types.ts';

const T0 = Date.UTC(2026, 11, 1);
const H = 3_600_000;

async function tenantOf(store: Store): Promise<string> {
  const tenant = `sp-${randomBytes(5).toString('hex')}`;
  await store.createTenant({ id: tenant, name: tenant, createdAt: T0 });
  return tenant;
}

export function statusPagesContract(ctx: { store: () => Store }): void {
  describe('status pages and incidents', () => {
    test('a page is created, replaced under its ETag, found by its path, and deleted', async () => {
      const store = ctx.store();
      const tenant = await tenantOf(store);
      const path = `acme-${randomBytes(4).toString('hex')}`;
      const created = await store.putStatusPage(tenant, { id: 'acme', path, spec: { title: 'Acme' }, at: T0, by: 'jo' }, null, {
        at: T0,
        actor: 'jo',
        action: 'status-page.put',
        subject: 'status-page:acme',
      });
      assert.equal(created.status, 'created');
      assert.ok(created.status === 'created');
      assert.equal((await store.putStatusPage(tenant, { id: 'acme', path, spec: {}, at: T0, by: 'jo' }, null)).status, 'stale');
      assert.equal((await store.putStatusPage(tenant, { id: 'acme', path, spec: {}, at: T0, by: 'jo' }, '"nope"')).status, 'stale');
      const moved = `${path}-2`;
      const updated = await store.putStatusPage(
        tenant,
        { id: 'acme', path: moved, spec: { title: 'Acme Inc' }, at: T0 + 1, by: 'al' },
        created.page.etag,
      );
      assert.ok(updated.status === 'updated');
      assert.notEqual(updated.page.etag, created.page.etag);
      assert.deepEqual(updated.page.spec, { title: 'Acme Inc' });
      assert.equal(updated.page.createdBy, 'jo');
      assert.equal(updated.page.updatedBy, 'al');
      assert.equal(await store.findStatusPageByPath(path), undefined, 'the old path is free once the page moved');
      const found = await store.findStatusPageByPath(moved);
      assert.equal(found?.tenant, tenant);
      assert.equal(found?.page.id, 'acme');
      assert.deepEqual(
        (await store.listStatusPages(tenant)).map((p) => p.id),
        ['acme'],
      );
      assert.equal(await store.deleteStatusPage(tenant, 'acme', '"nope"'), 'stale');
      assert.equal(await store.deleteStatusPage(tenant, 'acme', updated.page.etag), 'deleted');
      assert.equal(await store.deleteStatusPage(tenant, 'acme'), 'not_found');
      assert.equal(await store.findStatusPageByPath(moved), undefined);
      const audit = await store.listAudit(tenant);
      assert.ok(audit.items.some((a) => a.action === 'status-page.put'));
    });

    test('a path serves one page: another page of the same or another tenant cannot take it', async () => {
      const store = ctx.store();
      const a = await tenantOf(store);
      const b = await tenantOf(store);
      const path = `shared-${randomBytes(4).toString('hex')}`;
      assert.equal((await store.putStatusPage(a, { id: 'one', path, spec: {}, at: T0, by: 'jo' })).status, 'created');
      assert.equal((await store.putStatusPage(a, { id: 'two', path, spec: {}, at: T0, by: 'jo' })).status, 'path_taken');
      assert.equal((await store.putStatusPage(b, { id: 'one', path, spec: {}, at: T0, by: 'jo' })).status, 'path_taken');
      assert.equal(await store.getStatusPage(b, 'one'), undefined, 'path_taken wrote nothing');
      assert.equal((await store.findStatusPageByPath(path))?.tenant, a);
      assert.deepEqual(await store.listStatusPages(b), []);
    });

    test('an incident is replaced whole under its ETag; of two updates from one version the second is stale', async () => {
      const store = ctx.store();
      const tenant = await tenantOf(store);
      const doc = { title: 'Slow logins', services: ['web'], updates: [{ at: T0, text: 'Investigating' }] };
      const created = await store.putIncident(tenant, { id: 'inc-1', doc, openedAt: T0, at: T0, by: 'jo' }, null);
      assert.ok(created.status === 'created');
      assert.equal(created.incident.resolvedAt, undefined);
      const next = { ...doc, updates: [...doc.updates, { at: T0 + H, text: 'Fixed' }] };
      const first = await store.putIncident(
        tenant,
        { id: 'inc-1', doc: next, openedAt: T0, resolvedAt: T0 + H, at: T0 + H, by: 'al' },
        created.incident.etag,
      );
      assert.ok(first.status === 'updated');
      assert.equal(first.incident.resolvedAt, T0 + H);
      assert.deepEqual(first.incident.doc, next);
      const second = await store.putIncident(tenant, { id: 'inc-1', doc, openedAt: T0, at: T0 + H, by: 'jo' }, created.incident.etag);
      assert.equal(second.status, 'stale');
      assert.deepEqual((await store.getIncident(tenant, 'inc-1'))?.doc, next, 'the stale write changed nothing');
      assert.equal(await store.getIncident(tenant, 'nope'), undefined);
    });

    test('incidents are listed open or resolved since, newest opened first', async () => {
      const store = ctx.store();
      const tenant = await tenantOf(store);
      const put = (id: string, openedAt: number, resolvedAt?: number) =>
        store.putIncident(tenant, {
          id,
          doc: { id },
          openedAt,
          ...(resolvedAt !== undefined ? { resolvedAt } : {}),
          at: openedAt,
          by: 'jo',
        });
      await put('old', T0, T0 + H);
      await put('recent', T0 + 10 * H, T0 + 11 * H);
      await put('open', T0 + 5 * H);
      assert.deepEqual(
        (await store.listIncidents(tenant)).map((i) => i.id),
        ['recent', 'open', 'old'],
      );
      assert.deepEqual(
        (await store.listIncidents(tenant, { resolvedSince: T0 + 11 * H })).map((i) => i.id),
        ['recent', 'open'],
      );
      assert.deepEqual(
        (await store.listIncidents(tenant, { limit: 1 })).map((i) => i.id),
        ['recent'],
      );
    });
  });
}
