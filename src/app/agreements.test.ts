/**
 * The transition use case on both databases: a contract signed in the past, entered today, is
 * recorded with its real dates (back-dated), only by the roles allowed to, never before the
 * previous transition, marked in the lifecycle and the audit log, and the derived results are
 * recomputed so a report for a past period has its figures. SQLite always; PostgreSQL from a
 * throwaway cluster (skipped loudly without one, a failure when PLEDGE_REQUIRE_POSTGRES=1).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agreementFromText } from '../core/agreements/load.ts';
import { unwrap } from '../core/validation/issues.ts';
import { openStore } from '../store/index.ts';
import { skipBanner, startPostgres } from '../store/testing/pg-harness.ts';
import type { Store, StoreConfig } from '../store/types.ts';
import { applyAgreement, transitionAgreement, type TransitionContext } from './agreements.ts';
import { ingestBatch } from './ingest.ts';
import { DEFAULT_MAX_CLOCK_SKEW_MS } from './config.ts';
import { agreementReport } from './results.ts';

const started = await startPostgres();
const harness = started.ok ? started.harness : undefined;
if (!started.ok) {
  if (process.env.PLEDGE_REQUIRE_POSTGRES === '1' || process.env.PLEDGE_TEST_DATABASE_URL)
    test('PostgreSQL is available for the transition tests', () => assert.fail(started.reason));
  else console.error(skipBanner(started.reason));
}
after(async () => {
  await harness?.stop();
});

const example = (path: string) => readFileSync(fileURLToPath(new URL(`../../examples/${path}`, import.meta.url)), 'utf8');
const iso = (s: string) => Date.parse(s);
/** "Today" for these tests: the contract below was signed a year before it is entered. */
const NOW = iso('2026-12-04T16:00:00Z');
const TENANT = 'acme';

function backdating(name: string, open: () => Promise<{ store: Store; close(): Promise<void> }>, skip?: string) {
  describe(`back-dated transitions on ${name}`, { skip: skip ?? false }, () => {
    test('recorded with their real dates by a manager, refused to an agent and before the previous step; audited; past reports get figures', async () => {
      const { store, close } = await open();
      try {
        await store.createTenant({ id: TENANT, name: TENANT, createdAt: NOW });
        const loaded = unwrap(agreementFromText(example('agreements/sla-checkout.yaml'), 'sla-checkout.yaml'));
        assert.equal((await applyAgreement({ store, tenant: TENANT, actor: 'mia', now: NOW }, { loaded })).ok, true);
        const ingested = await ingestBatch(
          {
            tenant: TENANT,
            store,
            now: NOW,
            limits: { batchEvents: 100_000, batchBytes: 1 << 30, maxClockSkewMs: DEFAULT_MAX_CLOCK_SKEW_MS },
          },
          { body: example('events/portfolio-2026-h2.ndjson'), format: 'ndjson' },
        );
        assert.ok(ingested.ok && ingested.report.accepted > 4000 && ingested.report.rejected === 0);
        const manager: TransitionContext = { store, tenant: TENANT, actor: 'mia', role: 'manager', now: NOW };
        const move = (ctx: TransitionContext, to: 'in_review' | 'approved' | 'active' | 'suspended', at: string, extra: object = {}) =>
          transitionAgreement(ctx, { id: 'acme-checkout', to, at: iso(at), ...extra });
        // A draft is not measured: no report for October yet.
        const before = await agreementReport({ store, tenant: TENANT, now: NOW }, { agreement: 'acme-checkout', period: '2026-10' });
        assert.ok(!before.ok && 'notFound' in before && /not measured/.test(before.notFound));

        // Back-dating is for admin and manager: an agent is refused, and nothing is written.
        const agent = await move({ ...manager, actor: 'desk', role: 'agent' }, 'in_review', '2025-12-01T09:00:00Z');
        assert.equal(agent.ok, false);
        assert.ok(
          !agent.ok && agent.code === 'forbidden' && /the agent role may not record a back-dated transition/.test(agent.message),
          JSON.stringify(agent),
        );
        assert.equal((await store.getAgreement(TENANT, 'acme-checkout'))!.state, 'draft');

        // Submitted, signed and started before it was entered (the draft was created NOW).
        assert.equal((await move(manager, 'in_review', '2025-12-01T09:00:00Z')).ok, true);
        const signatures = [
          { party: 'provider' as const, name: 'Jane Doe', at: iso('2025-12-10T10:00:00Z') },
          { party: 'customer' as const, name: 'John Roe', at: iso('2025-12-12T15:00:00Z') },
        ];
        // A signature dated after the moment of recording is not a fact yet.
        const unsigned = await move(manager, 'approved', '2025-12-15T10:00:00Z', {
          signatures: [signatures[0], { ...signatures[1], at: NOW + 60_000 }],
          term: { start: iso('2026-01-01T00:00:00Z') },
        });
        assert.ok(
          !unsigned.ok && unsigned.code === 'invalid' && unsigned.issues![0]!.path === 'request.signatures[1].at',
          JSON.stringify(unsigned),
        );
        const approved = await move(manager, 'approved', '2025-12-15T10:00:00Z', {
          signatures,
          term: { start: iso('2026-01-01T00:00:00Z') },
        });
        assert.ok(
          approved.ok && approved.version?.version === 1 && approved.version.effective === iso('2026-01-01T00:00:00Z'),
          JSON.stringify(approved),
        );
        // Before activation the results are computed and up to date with every event, with nothing for
        // this agreement; the back-dated activation must make them stale, or October stays empty.
        await agreementReport({ store, tenant: TENANT, now: NOW }, { agreement: 'acme-checkout', period: '2026-10' });
        assert.equal(await store.getCompliance(TENANT, { agreementId: 'acme-checkout', target: 'uptime', window: '2026-10' }), undefined);
        const active = await move(manager, 'active', '2026-01-01T00:00:00Z');
        assert.ok(active.ok && active.transition.backdated === true && active.transition.recordedAt === NOW);

        // Never before the previous transition: history is not rewritten.
        const rewrite = await move(manager, 'suspended', '2025-12-31T00:00:00Z', { reason: 'unpaid invoice' });
        assert.ok(!rewrite.ok && rewrite.code === 'invalid', JSON.stringify(rewrite));
        assert.equal(rewrite.issues![0]!.path, 'request.at');
        assert.match(
          rewrite.message,
          /too early: the last transition \(activate to active\) takes effect at 2026-01-01T00:00:00Z; a back-dated transition cannot come before it/,
        );

        // The report for a past period now has its figures, recomputed on read (no rebuild asked for).
        const report = await agreementReport({ store, tenant: TENANT, now: NOW }, { agreement: 'acme-checkout', period: '2026-10' });
        assert.ok(report.ok, JSON.stringify(report));
        assert.ok(await store.getCompliance(TENANT, { agreementId: 'acme-checkout', target: 'uptime', window: '2026-10' }));
        const uptime = report.value.lines.find((l) => l.target === 'uptime')!;
        assert.equal(typeof uptime.value, 'number');
        assert.ok(uptime.state === 'met' || uptime.state === 'breached', uptime.state);

        // The lifecycle keeps both instants on each step, as stored (JSON on SQLite, jsonb on PostgreSQL).
        const history = (await store.getLifecycle(TENANT, 'acme-checkout'))!;
        assert.deepEqual(
          history.transitions.map((t) => [t.action, new Date(t.at).toISOString(), t.backdated, t.recordedAt, t.by]),
          [
            ['submit', '2025-12-01T09:00:00.000Z', true, NOW, 'mia'],
            ['approve', '2025-12-15T10:00:00.000Z', true, NOW, 'mia'],
            ['activate', '2026-01-01T00:00:00.000Z', true, NOW, 'mia'],
          ],
        );
        // The audit log says it was back-dated, who recorded it and when, and when it takes effect.
        const audit = (await store.listAudit(TENANT, { subject: 'agreement:acme-checkout' })).items.filter(
          (e) => e.action === 'agreement.transition',
        );
        assert.deepEqual(
          audit.map((e) => [e.at, e.actor, e.after]),
          [
            [
              NOW,
              'mia',
              {
                state: 'in_review',
                action: 'submit',
                at: '2025-12-01T09:00:00.000Z',
                backdated: true,
                recordedAt: '2026-12-04T16:00:00.000Z',
                recordedBy: 'mia',
              },
            ],
            [
              NOW,
              'mia',
              {
                state: 'approved',
                action: 'approve',
                at: '2025-12-15T10:00:00.000Z',
                backdated: true,
                recordedAt: '2026-12-04T16:00:00.000Z',
                recordedBy: 'mia',
                version: 1,
              },
            ],
            [
              NOW,
              'mia',
              {
                state: 'active',
                action: 'activate',
                at: '2026-01-01T00:00:00.000Z',
                backdated: true,
                recordedAt: '2026-12-04T16:00:00.000Z',
                recordedBy: 'mia',
              },
            ],
          ],
        );
        // A transition recorded now is not marked.
        const now = await transitionAgreement(manager, { id: 'acme-checkout', to: 'suspended', reason: 'customer asked for a pause' });
        assert.ok(now.ok && now.transition.backdated === undefined && now.transition.at === NOW);
      } finally {
        await close();
      }
    });
  });
}

backdating('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-backdate-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'pledge.db') });
  return {
    store,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

backdating(
  'PostgreSQL',
  async () => {
    const config: StoreConfig = { kind: 'postgres', url: harness!.url, schema: harness!.freshSchema() };
    const store = await openStore(config);
    return { store, close: () => store.close() };
  },
  started.ok ? undefined : started.reason,
);
