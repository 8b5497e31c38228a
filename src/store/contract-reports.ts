/**
 * The store contract for service reports: revisions numbered once per change (also when two
 * processes produce at once), never rewritten; rendered files stored once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { sha256Hex } from './internal.ts';
import type { ServiceReportRevision, Store } from './types.ts';

const T0 = Date.UTC(2026, 9, 1);

function rev(content: string, eventSeq = 10): Omit<ServiceReportRevision, 'revision'> {
  return { agreementId: 'gold', period: '2026-09', eventSeq, sha256: sha256Hex(content), content, createdAt: T0, createdBy: 'jo' };
}

export function reportsContract(ctx: { store: () => Store }): void {
  describe('service reports', () => {
    test('a revision per change: the same content is the same revision, even produced twice at once; a change is the next', async () => {
      const store = ctx.store();
      const tenant = `sr-${randomBytes(5).toString('hex')}`;
      await store.createTenant({ id: tenant, name: tenant, createdAt: T0 });
      const both = await Promise.all([
        store.appendServiceReport(tenant, rev('{"a":1}')),
        store.appendServiceReport(tenant, rev('{"a":1}')),
      ]);
      assert.deepEqual(both.map((r) => r.status).sort(), ['created', 'same']);
      assert.deepEqual(
        both.map((r) => r.value.revision),
        [1, 1],
      );
      const changed = await Promise.all([
        store.appendServiceReport(tenant, rev('{"a":2}', 12)),
        store.appendServiceReport(tenant, rev('{"a":2}', 12)),
      ]);
      assert.deepEqual(
        changed.map((r) => r.value.revision),
        [2, 2],
      );
      const latest = await store.getServiceReport(tenant, { agreementId: 'gold', period: '2026-09' });
      assert.equal(latest?.revision, 2);
      assert.equal(latest?.content, '{"a":2}');
      assert.equal((await store.getServiceReport(tenant, { agreementId: 'gold', period: '2026-09', revision: 1 }))?.content, '{"a":1}');
      assert.equal(await store.getServiceReport(tenant, { agreementId: 'gold', period: '2026-08' }), undefined);
      assert.deepEqual(
        (await store.listServiceReports(tenant, 'gold')).map((r) => [r.period, r.revision, r.eventSeq]),
        [
          ['2026-09', 2, 12],
          ['2026-09', 1, 10],
        ],
      );
      // A file is stored once: a second put keeps the first bytes.
      const key = { agreementId: 'gold', period: '2026-09', revision: 1, variant: 'pdf:en' };
      const first = await store.putServiceReportFile(tenant, key, {
        mediaType: 'application/pdf',
        bytes: Buffer.from('%PDF-1'),
        createdAt: T0,
      });
      const second = await store.putServiceReportFile(tenant, key, {
        mediaType: 'application/pdf',
        bytes: Buffer.from('%PDF-2'),
        createdAt: T0 + 1,
      });
      assert.equal(second.bytes.toString(), '%PDF-1');
      assert.equal(first.sha256, sha256Hex(Buffer.from('%PDF-1')));
      assert.deepEqual((await store.getServiceReportFile(tenant, key))?.bytes, Buffer.from('%PDF-1'));
      assert.equal(await store.getServiceReportFile(tenant, { ...key, variant: 'pdf:ar' }), undefined);
    });
  });
}
