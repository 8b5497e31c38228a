/**
 * The store contract: one suite of node:test tests that every adapter must pass, on a real
 * database. `storeContract` registers them for an adapter; sqlite.test.ts and postgres.test.ts
 * call it.
 *
 * Isolation: most tests share one database per file and create a fresh tenant each (that is also
 * how tenants share a database in production). Tests about opening, reopening and migrating get a
 * database of their own from `freshConfig`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  addVersion,
  applyTransition,
  createHistory,
  currentState,
  type Transition,
  type Version,
} from '../core/agreements/lifecycle/index.ts';
import { InvalidInputError } from '../core/validation/issues.ts';
import { alertsContract } from './contract-alerts.ts';
import { signInContract } from './contract-sign-in.ts';
import { reportsContract } from './contract-reports.ts';
import { reportSchedulesContract } from './contract-report-schedules.ts';
import { monitorsContract } from './contract-monitors.ts';
import { statusPagesContract } from './contract-status-pages.ts';
import { sourcesContract } from './contract-sources.ts';
import { StoreError } from './errors.ts';
import { migrate, openStore } from './index.ts';
import { generateTokenSecret, hashTokenSecret } from './tokens.ts';
import type { AppendResult, AuditInput, DerivedReplacement, EventInput, Store, StoreConfig, StoredEvent } from './types.ts';

export interface ContractTarget {
  name: string;
  /** Configuration of a new database that has never been opened. */
  freshConfig(): Promise<StoreConfig> | StoreConfig;
  /** Set to skip every test (with the reason shown). */
  skip?: string;
}

const T0 = Date.UTC(2026, 9, 1); // 2026-10-01T00:00:00Z
const MIN = 60_000;

let tenantCounter = 0;
function tenantId(): string {
  return `t${++tenantCounter}-${randomBytes(4).toString('hex')}`;
}

async function newTenant(store: Store, name = 'Tenant'): Promise<string> {
  const id = tenantId();
  const r = await store.createTenant({ id, name, createdAt: T0 });
  assert.equal(r.status, 'created');
  return id;
}

/** A ticket event as the parser would produce it (payload fields plus atMs). */
function ev(id: string, atMin: number, extra: Partial<EventInput> = {}): EventInput {
  const atMs = T0 + atMin * MIN;
  return { id, type: 'ticket.created', at: new Date(atMs).toISOString(), ticket: 'T-1', atMs, ...extra };
}

async function allPages<T>(
  fetch: (after: string | undefined) => Promise<{ items: T[]; next?: string }>,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let next: string | undefined;
  let pages = 0;
  do {
    const p = await fetch(next);
    items.push(...p.items);
    next = p.next;
    pages++;
    assert.ok(pages < 10_000, 'paging does not end');
  } while (next !== undefined);
  return { items, pages };
}

function unwrap<T>(r: { ok: true; value: T } | { ok: false; issues: unknown[] }): T {
  if (!r.ok) assert.fail(`unexpected issues: ${JSON.stringify(r.issues)}`);
  return r.value;
}

/** Builds an approval the way the use case will: through the core lifecycle functions. */
function approval(id: string): { transitions: Transition[]; versions: Version<{ name: string; v: number }>[] } {
  const h0 = unwrap(createHistory({ agreementId: id, at: T0, by: 'ann' }));
  const h1 = unwrap(applyTransition(h0, { to: 'in_review', at: T0 + MIN, by: 'ann' }));
  const h2 = unwrap(
    applyTransition(h1, {
      to: 'approved',
      at: T0 + 2 * MIN,
      by: 'ann',
      signatures: [
        { party: 'provider', name: 'Ann', at: T0 + 2 * MIN },
        { party: 'customer', name: 'Carl', at: T0 + 2 * MIN },
      ],
      term: { start: T0 + 10 * MIN },
    }),
  );
  const versions = unwrap(
    addVersion<{ name: string; v: number }>([], {
      effective: T0 + 10 * MIN,
      document: { name: 'Gold', v: 1 },
      createdAt: T0 + 2 * MIN,
      createdBy: 'ann',
      note: 'signed',
    }),
  );
  return { transitions: [...h2.transitions], versions };
}

/** replaceDerived with the current generation, for tests about what is written rather than when. */
async function putDerived(store: Store, tenant: string, change: Omit<DerivedReplacement, 'generation'>) {
  return store.replaceDerived(tenant, { generation: (await store.getDerivedState(tenant)).generation, ...change });
}

export function storeContract(target: ContractTarget): void {
  describe(`store contract: ${target.name}`, { skip: target.skip ?? false }, () => {
    let store: Store;
    const opened: Store[] = [];
    const open = async (config: StoreConfig) => {
      const s = await openStore(config);
      opened.push(s);
      return s;
    };

    before(async () => {
      store = await open(await target.freshConfig());
    });
    after(async () => {
      for (const s of opened) await s.close().catch(() => undefined);
    });

    describe('opening and migrations', () => {
      test('a new database gets every migration once; reopening applies none', async () => {
        const config = await target.freshConfig();
        const first = await open(config);
        assert.ok(first.migrations.applied.length >= 1);
        assert.ok(first.migrations.applied.includes('20261123_001_initial'));
        assert.deepEqual(first.migrations.current, first.migrations.applied);
        await first.ping();
        await first.close();
        const again = await open(config);
        assert.deepEqual(again.migrations.applied, []);
        assert.deepEqual(again.migrations.current, first.migrations.current);
        await again.close();
        const report = await migrate(config);
        assert.deepEqual(report.applied, []);
      });

      test('two processes opening a new database at once apply the migrations once', async () => {
        const config = await target.freshConfig();
        const [a, b] = await Promise.all([open(config), open(config)]);
        assert.equal(a.migrations.applied.length + b.migrations.applied.length, a.migrations.current.length);
        assert.deepEqual(a.migrations.current, b.migrations.current);
        await a.close();
        await b.close();
      });

      test('committed data survives closing and reopening', async () => {
        const config = await target.freshConfig();
        const s1 = await open(config);
        const tenant = await newTenant(s1);
        const r = await s1.appendEvents(tenant, [ev('a', 1), ev('b', 2)], { receivedAt: T0 });
        assert.equal(r.accepted, 2);
        await s1.createAgreement(tenant, { id: 'gold', document: { name: 'Gold' }, createdAt: T0, createdBy: 'ann' });
        await s1.appendAudit(tenant, { at: T0, actor: 'ann', action: 'test', subject: 'x' });
        await s1.close();
        const s2 = await open(config);
        assert.deepEqual(s2.migrations.applied, []);
        assert.equal(await s2.countEvents(tenant), 2);
        assert.equal(await s2.lastEventSeq(tenant), 2);
        assert.deepEqual((await s2.getAgreement(tenant, 'gold'))?.document, { name: 'Gold' });
        assert.equal((await s2.listAudit(tenant)).items.length, 1);
        const again = await s2.appendEvents(tenant, [ev('a', 1), ev('b', 2), ev('c', 3)], { receivedAt: T0 });
        assert.deepEqual(
          again.outcomes.map((o) => o.status),
          ['duplicate', 'duplicate', 'accepted'],
        );
        assert.equal(again.lastSeq, 3);
        await s2.close();
      });
    });

    describe('tenants', () => {
      test('create, get, list; creating twice reports exists and keeps the first', async () => {
        const id = tenantId();
        const c = await store.createTenant(
          { id, name: 'Acme', createdAt: T0 },
          { at: T0, actor: 'op', action: 'tenant.create', subject: `tenant:${id}` },
        );
        assert.deepEqual(c, { status: 'created', value: { id, name: 'Acme', createdAt: T0 } });
        const again = await store.createTenant({ id, name: 'Other', createdAt: T0 + 1 });
        assert.deepEqual(again, { status: 'exists', value: { id, name: 'Acme', createdAt: T0 } });
        assert.deepEqual(await store.getTenant(id), { id, name: 'Acme', createdAt: T0 });
        assert.equal(await store.getTenant(`nope-${id}`), undefined);
        assert.ok((await store.listTenants()).some((t) => t.id === id));
        const audit = await store.listAudit(id);
        assert.equal(audit.items.length, 1);
        assert.equal(audit.items[0]!.action, 'tenant.create');
      });

      test('writing events for a tenant that does not exist, or events never validated, is a bug and throws', async () => {
        await assert.rejects(store.appendEvents(`no-such-tenant-${tenantId()}`, [ev('a', 1)], { receivedAt: T0 }), /unknown tenant/);
        const tenant = await newTenant(store);
        await assert.rejects(store.appendEvents(tenant, [ev('a', 1), { ...ev('b', 2), atMs: Number.NaN }], { receivedAt: T0 }), TypeError);
        assert.equal(await store.countEvents(tenant), 0);
      });
    });

    describe('users and tokens', () => {
      test('tokens are found by hash only, with their tenant, role, user and scope', async () => {
        const tenant = await newTenant(store);
        assert.equal(
          (await store.createUser(tenant, { id: 'ann', name: 'Ann', email: 'ann@example.com', createdAt: T0 })).status,
          'created',
        );
        assert.equal((await store.createUser(tenant, { id: 'ann', name: 'Other', createdAt: T0 })).status, 'exists');
        assert.deepEqual(await store.getUser(tenant, 'ann'), { id: 'ann', name: 'Ann', email: 'ann@example.com', createdAt: T0 });
        assert.equal(
          (
            await store.createToken(tenant, {
              id: 'k0',
              userId: 'bob',
              name: 'x',
              role: 'admin',
              tokenHash: hashTokenSecret(generateTokenSecret()),
              createdAt: T0,
            })
          ).status,
          'unknown_user',
        );

        const secret = generateTokenSecret();
        assert.match(secret, /^pledge_[A-Za-z0-9_-]{43}$/);
        const hash = hashTokenSecret(secret);
        assert.match(hash, /^[0-9a-f]{64}$/);
        const created = await store.createToken(
          tenant,
          { id: 'k1', userId: 'ann', name: 'CI', role: 'agent', tokenHash: hash, createdAt: T0, expiresAt: T0 + 1000 },
          { at: T0, actor: 'ann', action: 'token.create', subject: 'token:k1' },
        );
        assert.equal(created.status, 'created');
        const found = await store.findTokenByHash(hashTokenSecret(secret));
        assert.ok(found);
        assert.equal(found.token.tenant, tenant);
        assert.equal(found.token.role, 'agent');
        assert.equal(found.token.expiresAt, T0 + 1000);
        assert.equal(found.user.id, 'ann');
        assert.equal(found.token.customer, undefined);
        // The secret itself is nowhere in what the store returns.
        assert.ok(!JSON.stringify(found).includes(secret));
        assert.equal(await store.findTokenByHash(hashTokenSecret(`${secret}x`)), undefined);

        assert.equal((await store.createUser(tenant, { id: 'cust', name: 'Customer user', createdAt: T0 })).status, 'created');
        const scoped = await store.createToken(tenant, {
          id: 'k2',
          userId: 'cust',
          name: 'portal',
          role: 'customer',
          customer: 'acme',
          tokenHash: hashTokenSecret(generateTokenSecret()),
          createdAt: T0,
        });
        assert.equal(scoped.status, 'created');
        if (scoped.status === 'created') assert.equal(scoped.value.customer, 'acme');
        // A customer token must say which customer; other roles must not have one. The database's
        // refusal is marked as caused by the data (an edge answers 4xx for it, not 500).
        const refusedForData = (e: unknown) =>
          e instanceof StoreError && e.data === 'invalid' && !e.retryable && typeof e.driverCode === 'string';
        await assert.rejects(
          store.createToken(tenant, {
            id: 'k3',
            userId: 'cust',
            name: 'x',
            role: 'customer',
            tokenHash: hashTokenSecret(generateTokenSecret()),
            createdAt: T0,
          }),
          refusedForData,
        );
        await assert.rejects(
          store.createToken(tenant, {
            id: 'k4',
            userId: 'ann',
            name: 'x',
            role: 'viewer',
            customer: 'acme',
            tokenHash: hashTokenSecret(generateTokenSecret()),
            createdAt: T0,
          }),
          refusedForData,
        );

        assert.deepEqual(
          (await store.listTokens(tenant)).map((t) => t.id),
          ['k1', 'k2'],
        );
        assert.deepEqual(
          (await store.listTokens(tenant, { userId: 'cust' })).map((t) => t.id),
          ['k2'],
        );
      });

      test('last use only moves forward; revoking and disabling are recorded once', async () => {
        const tenant = await newTenant(store);
        await store.createUser(tenant, { id: 'ann', name: 'Ann', createdAt: T0 });
        const hash = hashTokenSecret(generateTokenSecret());
        await store.createToken(tenant, { id: 'k1', userId: 'ann', name: 'CI', role: 'admin', tokenHash: hash, createdAt: T0 });
        await store.touchToken(tenant, 'k1', T0 + 5000);
        await store.touchToken(tenant, 'k1', T0 + 1000);
        assert.equal((await store.findTokenByHash(hash))?.token.lastUsedAt, T0 + 5000);
        assert.equal(
          await store.revokeToken(tenant, 'k1', T0 + 6000, { at: T0 + 6000, actor: 'ann', action: 'token.revoke', subject: 'token:k1' }),
          'revoked',
        );
        assert.equal(await store.revokeToken(tenant, 'k1', T0 + 7000), 'already_revoked');
        assert.equal(await store.revokeToken(tenant, 'nope', T0), 'not_found');
        assert.equal((await store.findTokenByHash(hash))?.token.revokedAt, T0 + 6000);
        assert.equal(await store.disableUser(tenant, 'ann', T0 + 8000), 'disabled');
        assert.equal(await store.disableUser(tenant, 'ann', T0 + 9000), 'already_disabled');
        assert.equal(await store.disableUser(tenant, 'bob', T0), 'not_found');
        assert.equal((await store.findTokenByHash(hash))?.user.disabledAt, T0 + 8000);
        assert.deepEqual(
          (await store.listAudit(tenant)).items.map((a) => a.action),
          ['token.revoke'],
        );
      });
    });

    describe('agreements', () => {
      test('updates are compare-and-set on the ETag; a stale ETag writes nothing', async () => {
        const tenant = await newTenant(store);
        const created = await store.createAgreement(tenant, {
          id: 'gold',
          document: { name: 'Gold', v: 0 },
          customer: 'acme',
          createdAt: T0,
          createdBy: 'ann',
        });
        assert.equal(created.status, 'created');
        const a0 = created.value;
        assert.equal(a0.state, 'draft');
        assert.equal(a0.versionCount, 0);
        assert.equal(
          (await store.createAgreement(tenant, { id: 'gold', document: { other: true }, createdAt: T0, createdBy: 'bob' })).status,
          'exists',
        );
        assert.deepEqual((await store.getAgreement(tenant, 'gold'))?.document, { name: 'Gold', v: 0 });

        const edit = await store.updateAgreement(tenant, 'gold', a0.etag, { document: { name: 'Gold', v: 0.5 }, at: T0 + 1, by: 'ann' });
        assert.equal(edit.status, 'updated');
        if (edit.status !== 'updated') return;
        assert.notEqual(edit.agreement.etag, a0.etag);
        assert.equal(edit.agreement.customer, 'acme');

        // Someone who read a0 tries to write: refused, and shown the current state.
        const stale = await store.updateAgreement(
          tenant,
          'gold',
          a0.etag,
          { document: { lost: true }, transitions: [], versions: [], at: T0 + 2, by: 'bob' },
          { at: T0 + 2, actor: 'bob', action: 'agreement.edit', subject: 'agreement:gold' },
        );
        assert.equal(stale.status, 'stale');
        if (stale.status === 'stale') assert.equal(stale.current.etag, edit.agreement.etag);
        assert.deepEqual((await store.getAgreement(tenant, 'gold'))?.document, { name: 'Gold', v: 0.5 });
        assert.equal((await store.listAudit(tenant)).items.length, 0, 'a refused change leaves no audit entry');
        assert.equal((await store.updateAgreement(tenant, 'nope', a0.etag, { at: T0, by: 'x' })).status, 'not_found');
      });

      test('two writers with the same ETag at once: exactly one wins', async () => {
        const tenant = await newTenant(store);
        const a = (await store.createAgreement(tenant, { id: 'gold', document: { n: 0 }, createdAt: T0, createdBy: 'ann' })).value;
        const results = await Promise.all(
          [1, 2, 3, 4].map((n) => store.updateAgreement(tenant, 'gold', a.etag, { document: { n }, at: T0 + n, by: `w${n}` })),
        );
        assert.equal(results.filter((r) => r.status === 'updated').length, 1);
        assert.equal(results.filter((r) => r.status === 'stale').length, 3);
      });

      test('versions, transitions and reviews are appended, kept in order, and drive the state', async () => {
        const tenant = await newTenant(store);
        let a = (await store.createAgreement(tenant, { id: 'gold', document: { name: 'Gold', v: 0 }, createdAt: T0, createdBy: 'ann' }))
          .value;
        const { transitions, versions } = approval('gold');
        const approved = await store.updateAgreement(
          tenant,
          'gold',
          a.etag,
          { document: { name: 'Gold', v: 1 }, versions, transitions, at: T0 + 2 * MIN, by: 'ann' },
          { at: T0 + 2 * MIN, actor: 'ann', action: 'agreement.approve', subject: 'agreement:gold', after: { state: 'approved' } },
        );
        assert.equal(approved.status, 'updated');
        if (approved.status !== 'updated') return;
        a = approved.agreement;
        assert.equal(a.state, 'approved');
        assert.equal(a.versionCount, 1);
        assert.equal(a.transitionCount, 2);

        // The stored lifecycle goes straight back into the core, which continues from it.
        const history = await store.getLifecycle(tenant, 'gold');
        assert.ok(history);
        assert.equal(currentState(history), 'approved');
        assert.deepEqual(history.transitions, transitions);
        const activated = unwrap(applyTransition(history, { to: 'active', at: T0 + 10 * MIN, by: 'ann' }));
        const stored = await store.listVersions<{ name: string; v: number }>(tenant, 'gold');
        assert.deepEqual(stored, versions);
        const amended = unwrap(
          addVersion(stored, { effective: T0 + 20 * MIN, document: { name: 'Gold', v: 2 }, createdAt: T0 + 11 * MIN, createdBy: 'bob' }),
        );
        const r2 = await store.updateAgreement(tenant, 'gold', a.etag, {
          transitions: activated.transitions.slice(history.transitions.length),
          versions: amended.slice(stored.length),
          reviews: [{ at: '2026-10-01', by: 'bob', outcome: 'amended', version: 2 }],
          at: T0 + 11 * MIN,
          by: 'bob',
        });
        assert.equal(r2.status, 'updated');
        if (r2.status !== 'updated') return;
        assert.equal(r2.agreement.state, 'active');
        assert.deepEqual(r2.agreement.document, { name: 'Gold', v: 1 }, 'the document is kept when the change does not replace it');
        assert.deepEqual(
          (await store.listVersions(tenant, 'gold')).map((v) => v.version),
          [1, 2],
        );
        assert.deepEqual(await store.getVersion(tenant, 'gold', 1), versions[0]);
        assert.equal((await store.getVersion(tenant, 'gold', 2))?.createdBy, 'bob');
        assert.equal(await store.getVersion(tenant, 'gold', 3), undefined);
        assert.deepEqual(await store.listReviews(tenant, 'gold'), [{ at: '2026-10-01', by: 'bob', outcome: 'amended', version: 2 }]);
        assert.equal((await store.getLifecycle(tenant, 'gold'))?.transitions.length, 3);

        // Version numbers that do not continue the list are a bug in the caller: refused, nothing written.
        await assert.rejects(
          store.updateAgreement(tenant, 'gold', r2.agreement.etag, { versions: [versions[0]!], at: T0, by: 'x' }),
          /does not continue/,
        );
        assert.equal((await store.getAgreement(tenant, 'gold'))?.etag, r2.agreement.etag);
        assert.equal((await store.listAudit(tenant)).items.length, 1);
        assert.deepEqual((await store.listAudit(tenant)).items[0]!.after, { state: 'approved' });
      });

      test('listing by customer and state, paged by id', async () => {
        const tenant = await newTenant(store);
        for (let i = 0; i < 7; i++) {
          await store.createAgreement(tenant, {
            id: `a${i}`,
            document: { i },
            ...(i % 2 === 0 ? { customer: 'acme' } : {}),
            createdAt: T0,
            createdBy: 'ann',
          });
        }
        const all = await allPages((after) => store.listAgreements(tenant, { limit: 3, ...(after ? { after } : {}) }));
        assert.deepEqual(
          all.items.map((a) => a.id),
          ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6'],
        );
        assert.equal(all.pages, 3);
        assert.deepEqual(
          (await store.listAgreements(tenant, { customer: 'acme' })).items.map((a) => a.id),
          ['a0', 'a2', 'a4', 'a6'],
        );
        assert.equal((await store.listAgreements(tenant, { state: 'active' })).items.length, 0);
        assert.equal((await store.listAgreements(tenant, { state: 'draft' })).items.length, 7);
        await assert.rejects(store.listAgreements(tenant, { after: 'garbage!' }), InvalidInputError);
      });
    });

    describe('calendars', () => {
      test('put with and without preconditions, get, list, delete', async () => {
        const tenant = await newTenant(store);
        const yaml = 'zone: Europe/Berlin\nhours: { mon: ["08:00-17:00"] }\n';
        const c1 = await store.putCalendar(tenant, { name: 'berlin', format: 'yaml', source: yaml, at: T0, by: 'ann' }, null);
        assert.equal(c1.status, 'created');
        if (c1.status !== 'created') return;
        assert.equal(c1.calendar.source, yaml);
        // Create-only on an existing name: refused.
        assert.equal(
          (await store.putCalendar(tenant, { name: 'berlin', format: 'json', source: '{}', at: T0, by: 'bob' }, null)).status,
          'stale',
        );
        assert.equal(
          (await store.putCalendar(tenant, { name: 'berlin', format: 'json', source: '{}', at: T0, by: 'bob' }, '"999"')).status,
          'stale',
        );
        assert.equal(
          (await store.putCalendar(tenant, { name: 'nope', format: 'json', source: '{}', at: T0, by: 'bob' }, '"1"')).status,
          'stale',
        );
        const c2 = await store.putCalendar(
          tenant,
          { name: 'berlin', format: 'json', source: '{"zone":"UTC"}', at: T0 + 1, by: 'bob' },
          c1.calendar.etag,
        );
        assert.equal(c2.status, 'updated');
        const c3 = await store.putCalendar(tenant, { name: 'berlin', format: 'yaml', source: yaml, at: T0 + 2, by: 'bob' });
        assert.equal(c3.status, 'updated');
        const c4 = await store.putCalendar(tenant, {
          name: 'austin',
          format: 'yaml',
          source: 'zone: America/Chicago\n',
          at: T0 + 2,
          by: 'bob',
        });
        assert.equal(c4.status, 'created');
        assert.deepEqual(
          (await store.listCalendars(tenant)).map((c) => c.name),
          ['austin', 'berlin'],
        );
        const got = await store.getCalendar(tenant, 'berlin');
        assert.equal(got?.format, 'yaml');
        assert.equal(got?.updatedBy, 'bob');
        assert.equal(await store.deleteCalendar(tenant, 'berlin', c1.calendar.etag), 'stale');
        assert.equal(await store.deleteCalendar(tenant, 'berlin', got!.etag), 'deleted');
        assert.equal(await store.deleteCalendar(tenant, 'berlin'), 'not_found');
        assert.equal(await store.getCalendar(tenant, 'berlin'), undefined);
        // Created again: an ETag of the deleted calendar does not match the new one.
        const again = await store.putCalendar(tenant, { name: 'berlin', format: 'yaml', source: yaml, at: T0 + 3, by: 'ann' }, null);
        assert.equal(again.status, 'created');
        assert.equal(
          (await store.putCalendar(tenant, { name: 'berlin', format: 'yaml', source: 'x', at: T0 + 4, by: 'ann' }, c1.calendar.etag))
            .status,
          'stale',
        );
      });
    });

    describe('events', () => {
      test('the same event twice is a duplicate and changes nothing', async () => {
        const tenant = await newTenant(store);
        const batch = [ev('e1', 1), ev('e2', 2, { type: 'ticket.responded' }), ev('e3', 3, { source: 'zendesk' })];
        const r1 = await store.appendEvents(tenant, batch, { receivedAt: T0 });
        assert.deepEqual(r1.outcomes, [
          { status: 'accepted', seq: 1 },
          { status: 'accepted', seq: 2 },
          { status: 'accepted', seq: 3 },
        ]);
        assert.equal(r1.committed, true);
        const before = await store.queryEvents(tenant);
        const r2 = await store.appendEvents(tenant, batch, { receivedAt: T0 + 99 });
        assert.deepEqual(r2.outcomes, [
          { status: 'duplicate', seq: 1 },
          { status: 'duplicate', seq: 2 },
          { status: 'duplicate', seq: 3 },
        ]);
        assert.equal(r2.accepted, 0);
        assert.equal(r2.duplicates, 3);
        assert.equal(r2.lastSeq, 3);
        assert.deepEqual(await store.queryEvents(tenant), before, 'nothing changed, not even the received time');
        assert.equal(await store.countEvents(tenant), 3);
        // Key order does not make another payload.
        const reordered = Object.fromEntries(Object.entries(ev('e1', 1)).reverse()) as EventInput;
        assert.equal((await store.appendEvents(tenant, [reordered], { receivedAt: T0 })).outcomes[0]!.status, 'duplicate');
      });

      test('the same id with another payload is a conflict; the stored event stays', async () => {
        const tenant = await newTenant(store);
        await store.appendEvents(tenant, [ev('e1', 1, { priority: 'P2' })], { receivedAt: T0 });
        const r = await store.appendEvents(tenant, [ev('e1', 1, { priority: 'P1' }), ev('e2', 2)], { receivedAt: T0 });
        assert.deepEqual(r.outcomes, [
          { status: 'conflict', seq: 1 },
          { status: 'accepted', seq: 2 },
        ]);
        assert.equal(r.conflicts, 1);
        assert.equal((await store.getEvent(tenant, '', 'e1'))?.payload.priority, 'P2');
        // Within one batch too: the first wins, the second is a duplicate or a conflict.
        const inBatch = await store.appendEvents(tenant, [ev('e3', 3), ev('e3', 3), ev('e3', 3, { priority: 'P9' })], { receivedAt: T0 });
        assert.deepEqual(
          inBatch.outcomes.map((o) => o.status),
          ['accepted', 'duplicate', 'conflict'],
        );
        assert.equal(await store.countEvents(tenant), 3);
      });

      test('all-or-nothing: a conflict writes nothing of the batch', async () => {
        const tenant = await newTenant(store);
        await store.appendEvents(tenant, [ev('e1', 1)], { receivedAt: T0 });
        const r = await store.appendEvents(tenant, [ev('e2', 2), ev('e1', 1, { priority: 'P1' }), ev('e1', 1)], {
          receivedAt: T0,
          allOrNothing: true,
        });
        assert.equal(r.committed, false);
        assert.deepEqual(r.outcomes, [{ status: 'not_written' }, { status: 'conflict', seq: 1 }, { status: 'duplicate', seq: 1 }]);
        assert.equal(r.lastSeq, 1);
        assert.equal(await store.countEvents(tenant), 1);
        assert.equal(await store.lastEventSeq(tenant), 1);
        const ok = await store.appendEvents(tenant, [ev('e2', 2), ev('e1', 1)], { receivedAt: T0, allOrNothing: true });
        assert.equal(ok.committed, true);
        assert.deepEqual(ok.outcomes, [
          { status: 'accepted', seq: 2 },
          { status: 'duplicate', seq: 1 },
        ]);
      });

      test('source is part of the identity; absent source is the empty source', async () => {
        const tenant = await newTenant(store);
        const r = await store.appendEvents(tenant, [ev('x', 1), ev('x', 1, { source: 'jira' }), ev('x', 1)], { receivedAt: T0 });
        assert.deepEqual(
          r.outcomes.map((o) => o.status),
          ['accepted', 'accepted', 'duplicate'],
        );
        assert.equal((await store.getEvent(tenant, 'jira', 'x'))?.source, 'jira');
        const plain = await store.getEvent(tenant, '', 'x');
        assert.equal(plain?.source, '');
        assert.equal('source' in plain!.payload, false);
      });

      test('payloads round-trip exactly, scope fields become columns', async () => {
        const tenant = await newTenant(store);
        const e = ev('p1', 5, {
          type: 'ticket.satisfaction',
          service: 'pbx',
          customer: 'acme',
          region: 'eu',
          score: 4.5,
          scale: 5,
          attributes: { note: 'naïve \u2603 "quoted" \\ back', list: [1, 'two', null, { deep: [true] }] },
        });
        await store.appendEvents(tenant, [e], { receivedAt: T0 + 7 });
        const got = await store.getEvent(tenant, '', 'p1');
        const { atMs, ...payload } = e;
        assert.deepEqual(got, {
          seq: 1,
          source: '',
          id: 'p1',
          type: 'ticket.satisfaction',
          at: atMs,
          ticket: 'T-1',
          service: 'pbx',
          customer: 'acme',
          region: 'eu',
          receivedAt: T0 + 7,
          payload,
        } satisfies StoredEvent);
      });

      test('ordered by when they happened, whatever the arrival order; paging sees each event once', async () => {
        const tenant = await newTenant(store);
        // Arrive in reverse, some at the same instant.
        const batch: EventInput[] = [];
        for (let i = 24; i >= 0; i--) batch.push(ev(`e${i}`, Math.floor(i / 2), { ticket: `T-${i % 3}` }));
        await store.appendEvents(tenant, batch.slice(0, 10), { receivedAt: T0 });
        await store.appendEvents(tenant, batch.slice(10), { receivedAt: T0 });
        const paged = await allPages((after) => store.queryEvents(tenant, { limit: 4, ...(after ? { after } : {}) }));
        assert.equal(paged.items.length, 25);
        assert.equal(paged.pages, 7);
        const keys = paged.items.map((e) => [e.at, e.seq] as const);
        for (let i = 1; i < keys.length; i++) {
          const [a, b] = [keys[i - 1]!, keys[i]!];
          assert.ok(a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]), `ordered by (at, seq) at ${i}`);
        }
        assert.equal(new Set(paged.items.map((e) => e.id)).size, 25);
        // A page boundary is stable while new events arrive before it.
        const first = await store.queryEvents(tenant, { limit: 5 });
        await store.appendEvents(tenant, [ev('early', -100, { ticket: 'T-early' })], { receivedAt: T0 });
        const second = await store.queryEvents(tenant, { limit: 5, after: first.next! });
        assert.ok(!second.items.some((e) => first.items.some((f) => f.id === e.id)));
        // Ticket timelines.
        const t1 = await store.ticketEvents(tenant, '', 'T-1');
        assert.deepEqual(
          t1.map((e) => e.id),
          paged.items.filter((e) => e.ticket === 'T-1').map((e) => e.id),
        );
      });

      test('filters: time range, type prefix, service, customer, ticket; counts agree', async () => {
        const tenant = await newTenant(store);
        await store.appendEvents(
          tenant,
          [
            ev('a', 0, { service: 'pbx', customer: 'acme' }),
            ev('b', 10, { type: 'ticket.resolved', service: 'pbx', customer: 'acme' }),
            { id: 'c', type: 'outage.started', atMs: T0 + 20 * MIN, at: 'x', outage: 'o1', service: 'pbx' },
            { id: 'd', type: 'outage.ended', atMs: T0 + 30 * MIN, at: 'x', outage: 'o1', service: 'pbx' },
            ev('e', 40, { service: 'mail', customer: 'beta', ticket: 'T-9' }),
            { id: 'f', type: 'ticket_like.custom', atMs: T0 + 50 * MIN, at: 'x' },
          ],
          { receivedAt: T0 },
        );
        const ids = async (f: Parameters<Store['queryEvents']>[1]) => (await store.queryEvents(tenant, f)).items.map((e) => e.id);
        assert.deepEqual(await ids({ from: T0 + 10 * MIN, to: T0 + 30 * MIN }), ['b', 'c'], 'half-open [from, to)');
        assert.deepEqual(await ids({ typePrefix: 'outage.' }), ['c', 'd']);
        assert.deepEqual(await ids({ typePrefix: 'ticket.' }), ['a', 'b', 'e'], 'a prefix is literal: _ is not a wildcard');
        assert.deepEqual(await ids({ typePrefix: 'ticket_' }), ['f']);
        assert.deepEqual(await ids({ service: 'pbx', customer: 'acme' }), ['a', 'b']);
        assert.deepEqual(await ids({ ticket: 'T-9' }), ['e']);
        assert.deepEqual(await ids({ service: 'pbx', from: T0 + 15 * MIN }), ['c', 'd']);
        assert.equal(await store.countEvents(tenant, { service: 'pbx' }), 4);
        assert.equal(await store.countEvents(tenant, { typePrefix: 'ticket.', customer: 'acme' }), 2);
        assert.equal(await store.countEvents(tenant), 6);
        await assert.rejects(store.queryEvents(tenant, { after: Buffer.from('["x",1]').toString('base64url') }), InvalidInputError);
      });

      test('sequence numbers: dense per tenant, in commit order; what changed since', async () => {
        const tenant = await newTenant(store);
        assert.equal(await store.lastEventSeq(tenant), 0);
        await store.appendEvents(tenant, [ev('a', 5), ev('b', 1)], { receivedAt: T0 });
        await store.appendEvents(tenant, [ev('a', 5), ev('c', 3)], { receivedAt: T0 });
        await store.appendEvents(tenant, [ev('d', 0)], { receivedAt: T0 });
        assert.equal(await store.lastEventSeq(tenant), 4);
        assert.deepEqual(
          (await store.eventsSince(tenant, 0)).map((e) => [e.seq, e.id]),
          [
            [1, 'a'],
            [2, 'b'],
            [3, 'c'],
            [4, 'd'],
          ],
        );
        assert.deepEqual(
          (await store.eventsSince(tenant, 2)).map((e) => e.id),
          ['c', 'd'],
        );
        assert.deepEqual(
          (await store.eventsSince(tenant, 0, 1)).map((e) => e.id),
          ['a'],
        );
        assert.deepEqual(await store.eventsSince(tenant, 4), []);
        // The same through the payload scan: seq, instant and payload, as eventsSince has them.
        const full = await store.eventsSince(tenant, 0);
        assert.deepEqual(
          await store.eventPayloadsSince(tenant, 0),
          full.map((e) => ({ seq: e.seq, at: e.at, payload: e.payload })),
        );
        assert.deepEqual(
          (await store.eventPayloadsSince(tenant, 2, 1)).map((e) => e.seq),
          [3],
        );
        assert.deepEqual(await store.eventPayloadsSince(tenant, 4), []);
      });

      test('events a recomputation from an instant needs: plain events, tickets active since, open clocks, listed tickets, whole histories', async () => {
        const tenant = await newTenant(store);
        const plain = (id: string, at: number) => ev(id, at, { type: 'outage.started', ticket: undefined, service: 'web' });
        await store.appendEvents(
          tenant,
          [
            ev('old-1', 1, { ticket: 'OLD' }),
            ev('act-1', 2, { ticket: 'ACT' }),
            plain('out-1', 3),
            ev('open-1', 4, { ticket: 'OPEN' }),
            ev('list-1', 5, { ticket: 'LIST', source: 'desk' }),
            ev('list-2', 6, { ticket: 'LIST' }),
            ev('act-2', 50, { ticket: 'ACT' }),
            plain('out-2', 60),
            ev('oth-1', 7, { ticket: 'ACT', source: 'other' }),
          ],
          { receivedAt: T0 },
        );
        await store.replaceDerived(tenant, {
          generation: 0,
          watermark: 9,
          clocks: [
            {
              agreementId: 'gold',
              target: 'resolve',
              ticket: 'OPEN',
              cycle: 0,
              value: { state: 'running', stop: null, deadline: T0 },
              updatedAt: T0,
            },
            {
              agreementId: 'gold',
              target: 'resolve',
              ticket: 'OLD',
              cycle: 0,
              value: { state: 'met', stop: T0, deadline: T0 },
              updatedAt: T0,
            },
            {
              agreementId: 'gold',
              target: 'resolve',
              ticket: 'OLD',
              cycle: 1,
              value: { state: 'breached', stop: null, breachAt: T0 + 30 * MIN, deadline: T0 },
              updatedAt: T0,
            },
          ],
        });
        const all = await store.eventsSince(tenant, 0);
        const want = (ids: string[]) => all.filter((e) => ids.includes(e.id)).map((e) => ({ seq: e.seq, at: e.at, payload: e.payload }));
        assert.deepEqual(
          await store.eventPayloadsFor(tenant, { since: T0 + 40 * MIN, tickets: [{ source: 'desk', ticket: 'LIST' }] }),
          want(['act-1', 'out-1', 'open-1', 'list-1', 'act-2', 'out-2']),
          'by seq; ACT of source other and LIST of no source are other tickets',
        );
        assert.deepEqual(await store.eventPayloadsFor(tenant, { since: T0 + 100 * MIN }), want(['out-1', 'open-1', 'out-2']));
        assert.deepEqual(
          await store.eventPayloadsFor(tenant, { since: T0 + 20 * MIN }),
          want(['old-1', 'act-1', 'out-1', 'open-1', 'act-2', 'out-2']),
          'an open clock breached at or after since counts; one breached before it (OLD at T0 + 100 min) does not',
        );
        assert.deepEqual(await store.eventPayloadsFor(tenant, { since: -Infinity }), want(all.map((e) => e.id)));
        assert.deepEqual(await store.eventPayloadsFor(await newTenant(store), { since: -Infinity }), []);
      });

      test('two connections appending the same events at once: each event accepted exactly once', async () => {
        const tenant = await newTenant(store);
        const config = await target.freshConfig();
        // Two stores (two pools, or two SQLite connections) on one new database.
        const a = await open(config);
        const b = await open(config);
        const t = await newTenant(a);
        const events = Array.from({ length: 300 }, (_, i) => ev(`e${i}`, i % 17, { ticket: `T-${i % 11}` }));
        const chunks = (list: EventInput[], n: number) =>
          Array.from({ length: Math.ceil(list.length / n) }, (_, i) => list.slice(i * n, i * n + n));
        // Overlapping batches in different orders from both sides, all in flight together.
        const fromA = chunks(events, 50).map((c) => a.appendEvents(t, c, { receivedAt: T0 }));
        const fromB = chunks([...events].reverse(), 30).map((c) => b.appendEvents(t, c, { receivedAt: T0 }));
        const results = await Promise.all([...fromA, ...fromB]);
        const accepted = results.flatMap((r) => r.outcomes.filter((o) => o.status === 'accepted'));
        assert.equal(accepted.length, events.length);
        assert.equal(
          results.reduce((n, r) => n + r.duplicates, 0),
          events.length,
        );
        assert.equal(
          results.reduce((n, r) => n + r.conflicts, 0),
          0,
        );
        assert.deepEqual(
          accepted.map((o) => (o.status === 'accepted' ? o.seq : 0)).sort((x, y) => x - y),
          Array.from({ length: events.length }, (_, i) => i + 1),
          'sequence numbers 1..n, none lost, none twice',
        );
        assert.equal(await a.countEvents(t), events.length);
        assert.equal(await b.lastEventSeq(t), events.length);
        await a.close();
        await b.close();
        assert.equal(await store.countEvents(tenant), 0);
      });
    });

    describe('tickets: owner, source and the registry', () => {
      const owners = async (tenant: string, ticket: string) =>
        (await store.findTickets(tenant, ticket)).map((t) => `${t.source}/${t.ticket}=${t.customer ?? '-'}`);

      test('a ticket belongs to the customer its first event names; an event naming another customer is a conflict and nothing of it is written', async () => {
        const tenant = await newTenant(store);
        const r = await store.appendEvents(
          tenant,
          [
            ev('c', 0, { customer: 'acme', service: 'mail' }),
            ev('r', 5, { type: 'ticket.responded' }),
            ev('x', 6, { type: 'ticket.status_changed', status: 'open', customer: 'globex' }),
            ev('s', 7, { type: 'ticket.resolved', customer: 'acme' }),
          ],
          { receivedAt: T0 },
        );
        assert.deepEqual(r.outcomes, [
          { status: 'accepted', seq: 1 },
          { status: 'accepted', seq: 2 },
          { status: 'conflict', owner: { source: '', ticket: 'T-1', customer: 'acme' } },
          { status: 'accepted', seq: 3 },
        ]);
        assert.deepEqual([r.accepted, r.conflicts, r.lastSeq], [3, 1, 3]);
        assert.deepEqual(await store.getTicket(tenant, '', 'T-1'), {
          source: '',
          ticket: 'T-1',
          customer: 'acme',
          firstSeq: 1,
          customerSeq: 1,
        });
        assert.equal(await store.getEvent(tenant, '', 'x'), undefined);
        assert.deepEqual(
          (await store.ticketEvents(tenant, '', 'T-1')).map((e) => e.id),
          ['c', 'r', 's'],
        );
        // Later batches too; the same refused event again is refused again.
        const crafted = ev('x', 6, { type: 'ticket.status_changed', status: 'open', customer: 'globex' });
        const again = await store.appendEvents(tenant, [crafted, ev('c', 0, { customer: 'acme', service: 'mail' })], { receivedAt: T0 });
        assert.deepEqual(again.outcomes, [
          { status: 'conflict', owner: { source: '', ticket: 'T-1', customer: 'acme' } },
          { status: 'duplicate', seq: 1 },
        ]);
        assert.deepEqual(await owners(tenant, 'T-1'), ['/T-1=acme']);
        assert.equal(await store.countEvents(tenant), 3);
      });

      test('events that name no customer neither set nor contest the owner: the first one naming a customer does, in any order of arrival', async () => {
        const tenant = await newTenant(store);
        // The follow-up arrives first, then the creation that names the customer.
        await store.appendEvents(tenant, [ev('r', 5, { type: 'ticket.responded' })], { receivedAt: T0 });
        assert.deepEqual(await store.getTicket(tenant, '', 'T-1'), { source: '', ticket: 'T-1', firstSeq: 1 });
        const r = await store.appendEvents(
          tenant,
          [ev('c', 0, { customer: 'acme' }), ev('x', 6, { type: 'ticket.closed', customer: 'globex' })],
          { receivedAt: T0 },
        );
        assert.deepEqual(r.outcomes, [
          { status: 'accepted', seq: 2 },
          { status: 'conflict', owner: { source: '', ticket: 'T-1', customer: 'acme' } },
        ]);
        assert.deepEqual(await store.getTicket(tenant, '', 'T-1'), {
          source: '',
          ticket: 'T-1',
          customer: 'acme',
          firstSeq: 1,
          customerSeq: 2,
        });
      });

      test('two sources with one ticket number are two tickets, each with its owner and its events', async () => {
        const tenant = await newTenant(store);
        const r = await store.appendEvents(
          tenant,
          [
            ev('c1', 0, { source: 'zendesk', ticket: '1001', customer: 'acme' }),
            ev('c1', 1, { source: 'jira', ticket: '1001', customer: 'globex' }),
            ev('r1', 2, { source: 'jira', ticket: '1001', type: 'ticket.responded' }),
            ev('c1', 3, { ticket: '1001' }),
          ],
          { receivedAt: T0 },
        );
        assert.deepEqual(
          r.outcomes.map((o) => o.status),
          ['accepted', 'accepted', 'accepted', 'accepted'],
        );
        assert.deepEqual(await owners(tenant, '1001'), ['/1001=-', 'jira/1001=globex', 'zendesk/1001=acme']);
        assert.deepEqual(
          (await store.ticketEvents(tenant, 'jira', '1001')).map((e) => `${e.source}:${e.id}`),
          ['jira:c1', 'jira:r1'],
        );
        assert.deepEqual(
          (await store.ticketEvents(tenant, 'zendesk', '1001')).map((e) => `${e.source}:${e.id}`),
          ['zendesk:c1'],
        );
        assert.deepEqual(
          (await store.ticketEvents(tenant, '', '1001')).map((e) => e.id),
          ['c1'],
        );
        assert.deepEqual(await store.ticketEvents(tenant, 'servicenow', '1001'), []);
        assert.equal(await store.getTicket(tenant, 'servicenow', '1001'), undefined);
        assert.deepEqual(await store.findTickets(tenant, '1002'), []);
        const q = async (f: Parameters<Store['queryEvents']>[1]) =>
          (await store.queryEvents(tenant, f)).items.map((e) => `${e.source}:${e.id}`);
        assert.deepEqual(await q({ ticket: '1001', source: 'jira' }), ['jira:c1', 'jira:r1']);
        assert.deepEqual(await q({ ticket: '1001', source: '' }), [':c1']);
        assert.equal(await store.countEvents(tenant, { source: 'zendesk' }), 1);
        // Each desk's ticket keeps its own owner.
        const closed = (id: string, source: string) => ev(id, 9, { source, ticket: '1001', type: 'ticket.closed', customer: 'globex' });
        const later = await store.appendEvents(tenant, [closed('x', 'zendesk'), closed('y', 'jira')], { receivedAt: T0 });
        assert.deepEqual(later.outcomes, [
          { status: 'conflict', owner: { source: 'zendesk', ticket: '1001', customer: 'acme' } },
          { status: 'accepted', seq: 5 },
        ]);
      });

      test('all-or-nothing: an owner conflict writes nothing, neither events nor tickets', async () => {
        const tenant = await newTenant(store);
        const batch = [
          ev('c', 0, { ticket: 'N-1', customer: 'acme' }),
          ev('a', 1, { ticket: 'T-2' }),
          ev('x', 2, { ticket: 'N-1', type: 'ticket.closed', customer: 'globex' }),
        ];
        const r = await store.appendEvents(tenant, batch, { receivedAt: T0, allOrNothing: true });
        assert.equal(r.committed, false);
        assert.deepEqual(r.outcomes, [
          { status: 'not_written' },
          { status: 'not_written' },
          { status: 'conflict', owner: { source: '', ticket: 'N-1', customer: 'acme' } },
        ]);
        assert.equal(await store.countEvents(tenant), 0);
        assert.deepEqual([await store.findTickets(tenant, 'N-1'), await store.findTickets(tenant, 'T-2')], [[], []]);
        // Without the offending event, the same batch goes in whole.
        const ok = await store.appendEvents(tenant, [ev('c', 0, { ticket: 'N-1', customer: 'acme' }), ev('a', 1, { ticket: 'T-2' })], {
          receivedAt: T0,
          allOrNothing: true,
        });
        assert.deepEqual(ok.outcomes, [
          { status: 'accepted', seq: 1 },
          { status: 'accepted', seq: 2 },
        ]);
        assert.deepEqual(await owners(tenant, 'N-1'), ['/N-1=acme']);
      });

      test('two connections claiming one ticket for two customers at once: exactly one owns it, the other is refused', async () => {
        const config = await target.freshConfig();
        const a = await open(config);
        const b = await open(config);
        const t = await newTenant(a);
        const batch = (customer: string) => Array.from({ length: 20 }, (_, i) => ev(`${customer}-${i}`, i, { ticket: `T-${i}`, customer }));
        const [ra, rb] = await Promise.all([
          a.appendEvents(t, batch('acme'), { receivedAt: T0 }),
          b.appendEvents(t, batch('globex'), { receivedAt: T0 }),
        ]);
        for (let i = 0; i < 20; i++) {
          const owner = (await a.getTicket(t, '', `T-${i}`))!.customer!;
          const [mine, theirs] = owner === 'acme' ? [ra, rb] : [rb, ra];
          assert.equal(mine.outcomes[i]!.status, 'accepted');
          assert.deepEqual(theirs.outcomes[i], { status: 'conflict', owner: { source: '', ticket: `T-${i}`, customer: owner } });
        }
        assert.equal(await a.countEvents(t), 20);
        await a.close();
        await b.close();
      });

      test('the audit entry of a batch is written in its transaction, from its result; none when the callback gives none or nothing is committed', async () => {
        const tenant = await newTenant(store);
        const audit = (r: AppendResult): AuditInput | undefined =>
          r.accepted === 0
            ? undefined
            : { at: T0, actor: 'agent', action: 'events.ingest', subject: 'events', after: { accepted: r.accepted, lastSeq: r.lastSeq } };
        await store.appendEvents(tenant, [ev('a', 0), ev('b', 1)], { receivedAt: T0, audit });
        await store.appendEvents(tenant, [ev('a', 0)], { receivedAt: T0, audit });
        const never = () => ({ at: T0, actor: 'agent', action: 'never', subject: 'events' });
        const refused = await store.appendEvents(tenant, [ev('c', 2), ev('a', 0, { priority: 'P1' })], {
          receivedAt: T0,
          allOrNothing: true,
          audit: never,
        });
        assert.equal(refused.committed, false);
        assert.deepEqual(
          (await store.listAudit(tenant)).items.map((e) => [e.actor, e.action, e.after]),
          [['agent', 'events.ingest', { accepted: 2, lastSeq: 2 }]],
        );
        // An audit entry that cannot be written takes the events with it: one transaction.
        const unwritable = () => ({ at: T0, actor: 'agent', action: 'x', subject: 'events', after: { n: 1n } });
        await assert.rejects(
          store.appendEvents(tenant, [ev('d', 3, { ticket: 'T-9', customer: 'acme' })], { receivedAt: T0, audit: unwritable }),
        );
        assert.equal(await store.countEvents(tenant), 2);
        assert.equal(await store.lastEventSeq(tenant), 2);
        assert.equal(await store.getTicket(tenant, '', 'T-9'), undefined);
        assert.equal((await store.listAudit(tenant)).items.length, 1);
      });
    });

    describe('tenant isolation', () => {
      test('every read and write stays within its tenant', async () => {
        const A = await newTenant(store, 'A');
        const B = await newTenant(store, 'B');
        // The same ids in both tenants.
        for (const t of [A, B]) {
          await store.createUser(t, { id: 'ann', name: `Ann of ${t}`, createdAt: T0 });
          await store.createAgreement(t, { id: 'gold', document: { owner: t }, customer: 'acme', createdAt: T0, createdBy: 'ann' });
          await store.putCalendar(t, { name: 'cal', format: 'json', source: `{"owner":"${t}"}`, at: T0, by: 'ann' });
          await putDerived(store, t, {
            watermark: 0,
            clocks: [{ agreementId: 'gold', target: 'resp', ticket: 'T-1', cycle: 0, value: { owner: t }, updatedAt: T0 }],
            compliance: [{ agreementId: 'gold', target: 'resp', window: '2026-10', value: { owner: t }, updatedAt: T0 }],
            settlements: [{ agreementId: 'gold', period: '2026-10', value: { owner: t }, updatedAt: T0 }],
          });
          await store.appendAudit(t, { at: T0, actor: 'ann', action: 'x', subject: 'agreement:gold', after: { owner: t } });
        }
        const hashA = hashTokenSecret(generateTokenSecret());
        await store.createToken(A, { id: 'k', userId: 'ann', name: 'a', role: 'admin', tokenHash: hashA, createdAt: T0 });
        const rA = await store.appendEvents(A, [ev('e1', 1, { customer: 'acme', service: 'pbx' })], { receivedAt: T0 });
        // The same event id in another tenant is another event, not a duplicate.
        const rB = await store.appendEvents(B, [ev('e1', 1, { customer: 'acme', service: 'pbx', priority: 'P1' }), ev('e2', 2)], {
          receivedAt: T0,
        });
        assert.deepEqual(rA.outcomes, [{ status: 'accepted', seq: 1 }]);
        assert.deepEqual(
          rB.outcomes,
          [
            { status: 'accepted', seq: 1 },
            { status: 'accepted', seq: 2 },
          ],
          'sequence numbers are per tenant',
        );

        assert.equal((await store.getUser(A, 'ann'))?.name, `Ann of ${A}`);
        assert.deepEqual(
          (await store.listUsers(B)).map((u) => u.name),
          [`Ann of ${B}`],
        );
        assert.equal((await store.listTokens(B)).length, 0);
        assert.equal((await store.findTokenByHash(hashA))?.token.tenant, A);
        assert.equal(await store.revokeToken(B, 'k', T0), 'not_found');
        assert.deepEqual((await store.getAgreement(A, 'gold'))?.document, { owner: A });
        assert.deepEqual(
          (await store.listAgreements(B, { customer: 'acme' })).items.map((a) => a.document),
          [{ owner: B }],
        );
        const etagA = (await store.getAgreement(A, 'gold'))!.etag;
        const etagB = (await store.getAgreement(B, 'gold'))!.etag;
        assert.equal(etagA, etagB, 'both at row version 1');
        const upd = await store.updateAgreement(B, 'gold', etagA, { document: { hijacked: true }, at: T0, by: 'mallory' });
        assert.equal(upd.status, 'updated');
        assert.deepEqual((await store.getAgreement(A, 'gold'))?.document, { owner: A }, 'writing B never touches A');
        assert.equal((await store.getLifecycle(A, 'gold'))?.transitions.length, 0);
        assert.equal((await store.getCalendar(B, 'cal'))?.source, `{"owner":"${B}"}`);
        assert.deepEqual(
          (await store.listCalendars(A)).map((c) => c.source),
          [`{"owner":"${A}"}`],
        );
        assert.equal(await store.countEvents(A), 1);
        assert.equal(await store.countEvents(B), 2);
        assert.deepEqual(
          (await store.queryEvents(A, { customer: 'acme' })).items.map((e) => e.payload.priority),
          [undefined],
        );
        assert.deepEqual(
          (await store.ticketEvents(A, '', 'T-1')).map((e) => e.id),
          ['e1'],
        );
        assert.deepEqual(
          (await store.eventsSince(A, 0)).map((e) => e.id),
          ['e1'],
        );
        assert.equal(await store.getEvent(A, '', 'e2'), undefined);
        assert.equal(await store.lastEventSeq(A), 1);
        assert.deepEqual((await store.getClock(A, { agreementId: 'gold', target: 'resp', ticket: 'T-1', cycle: 0 }))?.value, { owner: A });
        assert.deepEqual(
          (await store.listClocks(B)).items.map((c) => c.value),
          [{ owner: B }],
        );
        assert.deepEqual(
          (await store.listCompliance(B)).items.map((c) => c.value),
          [{ owner: B }],
        );
        assert.deepEqual(
          (await store.listSettlements(A)).items.map((c) => c.value),
          [{ owner: A }],
        );
        assert.deepEqual(
          (await store.listAudit(A)).items.map((e) => e.after),
          [{ owner: A }],
        );
        await putDerived(store, A, { watermark: 1 });
        assert.equal(await store.getDerivedWatermark(B), 0);
        await putDerived(store, B, { everything: true, watermark: 0 });
        assert.deepEqual(
          [(await store.listClocks(B)).items, (await store.listCompliance(B)).items, (await store.listSettlements(B)).items],
          [[], [], []],
        );
        assert.equal((await store.listClocks(A)).items.length, 1, 'deleting B left A alone');
        assert.equal((await store.getSettlement(A, { agreementId: 'gold', period: '2026-10' }))?.updatedAt, T0);
        assert.equal(await store.getDerivedWatermark(A), 1);
      });
    });

    describe('derived results', () => {
      test('rows given for agreements and tickets not named are upserted by key; everything deletes every derived row of the tenant', async () => {
        const tenant = await newTenant(store);
        const put = (rows: Partial<Pick<DerivedReplacement, 'clocks' | 'compliance' | 'settlements'>>) =>
          store.replaceDerived(tenant, { generation: 0, watermark: 0, ...rows });
        const clocks = Array.from({ length: 7 }, (_, i) => ({
          agreementId: i < 4 ? 'gold' : 'silver',
          target: 'resolve',
          ticket: `T-${i}`,
          cycle: 0,
          value: { elapsed: i },
          updatedAt: T0,
        }));
        await put({ clocks });
        await put({
          clocks: [
            { ...clocks[2]!, value: { elapsed: 99 }, updatedAt: T0 + 5 },
            { ...clocks[2]!, cycle: 1, value: { elapsed: 1 }, updatedAt: T0 + 5 },
          ],
        });
        // The same key twice in one call: the last one wins.
        await put({
          clocks: [
            { ...clocks[3]!, value: { elapsed: 'first' } },
            { ...clocks[3]!, value: { elapsed: 'last' } },
          ],
        });
        await put({ clocks: [] });
        assert.deepEqual(await store.getClock(tenant, { agreementId: 'gold', target: 'resolve', ticket: 'T-2', cycle: 0 }), {
          ...clocks[2]!,
          value: { elapsed: 99 },
          updatedAt: T0 + 5,
        });
        assert.deepEqual((await store.getClock(tenant, clocks[3]!))?.value, { elapsed: 'last' });
        const paged = await allPages((after) => store.listClocks(tenant, { limit: 3, ...(after ? { after } : {}) }));
        assert.equal(paged.items.length, 8);
        assert.deepEqual(
          paged.items.map((c) => `${c.agreementId}/${c.ticket}/${c.cycle}`),
          ['gold/T-0/0', 'gold/T-1/0', 'gold/T-2/0', 'gold/T-2/1', 'gold/T-3/0', 'silver/T-4/0', 'silver/T-5/0', 'silver/T-6/0'],
        );
        assert.equal((await store.listClocks(tenant, { agreementId: 'silver' })).items.length, 3);
        assert.equal((await store.listClocks(tenant, { ticket: 'T-2' })).items.length, 2);

        await put({
          compliance: [
            { agreementId: 'gold', target: 'uptime', window: '2026-10', value: { status: 'met', percent: 99.95 }, updatedAt: T0 },
            { agreementId: 'gold', target: 'uptime', window: '2026-11', value: { status: 'at_risk' }, updatedAt: T0 },
          ],
        });
        await put({
          compliance: [{ agreementId: 'gold', target: 'uptime', window: '2026-10', value: { status: 'breached' }, updatedAt: T0 + 1 }],
        });
        assert.deepEqual((await store.getCompliance(tenant, { agreementId: 'gold', target: 'uptime', window: '2026-10' }))?.value, {
          status: 'breached',
        });
        assert.deepEqual(
          (await store.listCompliance(tenant, { agreementId: 'gold', target: 'uptime' })).items.map((c) => c.window),
          ['2026-10', '2026-11'],
        );
        await put({
          settlements: [{ agreementId: 'gold', period: '2026-10', value: { owedMinor: 50000, currency: 'EUR', lines: [] }, updatedAt: T0 }],
        });
        assert.deepEqual((await store.getSettlement(tenant, { agreementId: 'gold', period: '2026-10' }))?.value, {
          owedMinor: 50000,
          currency: 'EUR',
          lines: [],
        });
        assert.equal((await store.listSettlements(tenant, { agreementId: 'gold' })).items.length, 1);

        await store.replaceDerived(tenant, { generation: 0, watermark: 42 });
        assert.equal(await store.getDerivedWatermark(tenant), 42);
        await store.replaceDerived(tenant, { generation: 0, everything: true, watermark: 0 });
        assert.equal(await store.getDerivedWatermark(tenant), 0);
        assert.deepEqual(
          [(await store.listClocks(tenant)).items, (await store.listCompliance(tenant)).items, (await store.listSettlements(tenant)).items],
          [[], [], []],
        );
        // Rebuilt: the same rows can be written again.
        await put({ clocks });
        assert.equal((await store.listClocks(tenant)).items.length, 7);
      });

      test('a compliance value reads back as it was written, its lists of tickets included (they are stored compactly)', async () => {
        const tenant = await newTenant(store);
        const contributors = Array.from({ length: 200 }, (_, i) => `T-${i}`);
        const measurement = { metric: 'response_time', contributors, numerator: contributors.filter((_, i) => i % 7 !== 3), basis: 'b' };
        const value = { metric: 'response_time', contributors, measurement, state: 'met', value: 85.5, window: { from: T0, to: T0 + 1 } };
        const odd = { contributors: ['x'], measurement: { contributors: ['y', 'y'], numerator: ['y'] }, state: 'met' };
        await store.replaceDerived(tenant, {
          generation: 0,
          watermark: 0,
          compliance: [
            { agreementId: 'gold', target: 'response', window: '2026-10', value, updatedAt: T0 },
            { agreementId: 'gold', target: 'response', window: '2026-11', value: odd, updatedAt: T0 },
          ],
        });
        assert.deepStrictEqual(
          (await store.getCompliance(tenant, { agreementId: 'gold', target: 'response', window: '2026-10' }))?.value,
          value,
        );
        assert.deepStrictEqual(
          (await store.listCompliance(tenant, { agreementId: 'gold' })).items.map((c) => c.value),
          [value, odd],
        );
      });
    });

    describe('derived results replaced in one transaction', () => {
      const clock = (agreementId: string, ticket: string, cycle: number, v: unknown) => ({
        agreementId,
        target: 'resolve',
        ticket,
        cycle,
        value: { v },
        updatedAt: T0,
      });
      const comp = (agreementId: string, window: string, v: unknown) => ({
        agreementId,
        target: 'uptime',
        window,
        value: { v },
        updatedAt: T0,
      });
      const clockKeys = async (tenant: string) =>
        (await allPages((after) => store.listClocks(tenant, { limit: 1000, ...(after ? { after } : {}) }))).items.map(
          (c) => `${c.agreementId}/${c.ticket}/${c.cycle}=${JSON.stringify(c.value)}`,
        );

      test('replaces the clocks of the tickets and the results of the agreements named, leaves the rest, sets the watermark', async () => {
        const tenant = await newTenant(store);
        assert.deepEqual(
          await store.replaceDerived(tenant, {
            generation: 0,
            everything: true,
            watermark: 10,
            clocks: [
              clock('gold', 'T-1', 1, 'a'),
              clock('gold', 'T-1', 2, 'a'),
              clock('gold', 'T-2', 1, 'a'),
              clock('silver', 'T-1', 1, 'a'),
            ],
            compliance: [comp('gold', '2026-09', 'a'), comp('gold', '2026-10', 'a'), comp('silver', '2026-10', 'a')],
            settlements: [{ agreementId: 'gold', period: '2026-10', value: { v: 'a' }, updatedAt: T0 }],
          }),
          { status: 'replaced' },
        );
        assert.equal(await store.getDerivedWatermark(tenant), 10);
        // gold's T-1 now has one cycle, not two; gold's compliance is only 2026-10; silver is untouched.
        const r = await store.replaceDerived(tenant, {
          generation: 0,
          from: 10,
          watermark: 12,
          tickets: [{ agreementId: 'gold', ticket: 'T-1' }],
          agreements: ['gold'],
          clocks: [clock('gold', 'T-1', 1, 'b')],
          compliance: [comp('gold', '2026-10', 'b')],
          settlements: [],
        });
        assert.deepEqual(r, { status: 'replaced' });
        assert.deepEqual(await clockKeys(tenant), ['gold/T-1/1={"v":"b"}', 'gold/T-2/1={"v":"a"}', 'silver/T-1/1={"v":"a"}']);
        assert.deepEqual(
          (await store.listCompliance(tenant)).items.map((c) => `${c.agreementId}/${c.window}=${JSON.stringify(c.value)}`),
          ['gold/2026-10={"v":"b"}', 'silver/2026-10={"v":"a"}'],
        );
        assert.deepEqual((await store.listSettlements(tenant)).items, []);
        assert.equal(await store.getDerivedWatermark(tenant), 12);
      });

      test('computed from a watermark that has moved on: nothing is written (stale)', async () => {
        const tenant = await newTenant(store);
        await store.replaceDerived(tenant, { generation: 0, watermark: 5, clocks: [clock('gold', 'T-1', 1, 'a')] });
        assert.deepEqual(
          await store.replaceDerived(tenant, {
            generation: 0,
            from: 3,
            watermark: 9,
            everything: true,
            clocks: [clock('gold', 'T-9', 1, 'x')],
          }),
          { status: 'stale', watermark: 5, generation: 0 },
        );
        assert.deepEqual(await clockKeys(tenant), ['gold/T-1/1={"v":"a"}']);
        assert.equal(await store.getDerivedWatermark(tenant), 5);
      });

      test("clocks are per ticket and source: two desks' tickets with one id are two rows, read and replaced apart", async () => {
        const tenant = await newTenant(store);
        const of = (source: string | undefined, v: string) => ({
          ...clock('gold', '1001', 1, v),
          ...(source !== undefined ? { source } : {}),
        });
        await store.replaceDerived(tenant, {
          generation: 0,
          watermark: 1,
          clocks: [of(undefined, 'plain'), of('jira', 'j'), of('zendesk', 'z')],
        });
        const keys = async () =>
          (await allPages((after) => store.listClocks(tenant, { limit: 2, ...(after ? { after } : {}) }))).items.map(
            (c) => `${c.source ?? ''}/${c.ticket}=${JSON.stringify(c.value)}`,
          );
        assert.deepEqual(await keys(), ['/1001={"v":"plain"}', 'jira/1001={"v":"j"}', 'zendesk/1001={"v":"z"}']);
        assert.deepEqual(
          (await store.getClock(tenant, { agreementId: 'gold', target: 'resolve', ticket: '1001', source: 'jira', cycle: 1 }))?.value,
          { v: 'j' },
        );
        assert.deepEqual((await store.getClock(tenant, { agreementId: 'gold', target: 'resolve', ticket: '1001', cycle: 1 }))?.value, {
          v: 'plain',
        });
        assert.deepEqual(
          (await store.listClocks(tenant, { ticket: '1001', source: 'zendesk' })).items.map((c) => c.value),
          [{ v: 'z' }],
        );
        assert.deepEqual(
          (await store.listClocks(tenant, { ticket: '1001', source: '' })).items.map((c) => c.value),
          [{ v: 'plain' }],
        );
        assert.equal((await store.listClocks(tenant, { ticket: '1001' })).items.length, 3);
        await store.replaceDerived(tenant, {
          generation: 0,
          watermark: 2,
          tickets: [{ agreementId: 'gold', ticket: '1001', source: 'jira' }],
          clocks: [],
        });
        assert.deepEqual(await keys(), ['/1001={"v":"plain"}', 'zendesk/1001={"v":"z"}']);
        await store.replaceDerived(tenant, {
          generation: 0,
          watermark: 3,
          tickets: [{ agreementId: 'gold', ticket: '1001' }],
          clocks: [of('zendesk', 'z2')],
        });
        assert.deepEqual(await keys(), ['zendesk/1001={"v":"z2"}']);
      });

      test('an input changed between reading the state and writing the results: the write is refused (stale), also when the watermark was 0 already', async () => {
        const tenant = await newTenant(store);
        await store.appendEvents(tenant, [ev('e1', 1), ev('e2', 2)], { receivedAt: T0 });
        // A recomputation reads the state first: never computed (watermark 0, as after an invalidation).
        const read = await store.getDerivedState(tenant);
        assert.deepEqual(read, { watermark: 0, generation: 0 });
        // Meanwhile a calendar changes (another process): the watermark stays 0, the generation moves.
        await store.putCalendar(tenant, { name: 'office', format: 'yaml', source: 'timezone: UTC', at: T0, by: 'ann' });
        const oldInputs = { everything: true, watermark: 2, clocks: [clock('gold', 'T-1', 1, 'old calendar')] } as const;
        assert.deepEqual(await store.replaceDerived(tenant, { ...oldInputs, generation: read.generation, from: read.watermark }), {
          status: 'stale',
          watermark: 0,
          generation: 1,
        });
        // Without `from` (a rebuild asked for) too: the generation alone decides.
        assert.deepEqual(await store.replaceDerived(tenant, { ...oldInputs, generation: read.generation }), {
          status: 'stale',
          watermark: 0,
          generation: 1,
        });
        assert.deepEqual(await clockKeys(tenant), [], 'nothing of the old inputs was written');
        assert.deepEqual(await store.getDerivedState(tenant), { watermark: 0, generation: 1 }, 'still invalidated');
        // Computed again from the new state: written.
        const again = await store.getDerivedState(tenant);
        assert.deepEqual(
          await store.replaceDerived(tenant, {
            everything: true,
            watermark: 2,
            clocks: [clock('gold', 'T-1', 1, 'new')],
            generation: again.generation,
            from: again.watermark,
          }),
          { status: 'replaced' },
        );
        assert.deepEqual(await store.getDerivedState(tenant), { watermark: 2, generation: 1 });

        // An incremental refresh from watermark 2, overtaken by an agreement change and then by
        // another process's full recomputation that brought the watermark back to 2: the watermark
        // alone would match; the generation does not.
        const incremental = await store.getDerivedState(tenant);
        await store.createAgreement(tenant, { id: 'gold', document: { v: 1 }, createdAt: T0, createdBy: 'ann' });
        const other = await store.getDerivedState(tenant);
        assert.deepEqual(other, { watermark: 0, generation: 2 });
        assert.equal(
          (
            await store.replaceDerived(tenant, {
              everything: true,
              watermark: 2,
              clocks: [clock('gold', 'T-1', 1, 'other')],
              generation: other.generation,
              from: other.watermark,
            })
          ).status,
          'replaced',
        );
        const late = await store.replaceDerived(tenant, {
          generation: incremental.generation,
          from: incremental.watermark,
          watermark: 3,
          tickets: [{ agreementId: 'gold', ticket: 'T-1' }],
          clocks: [clock('gold', 'T-1', 1, 'late')],
        });
        assert.deepEqual(late, { status: 'stale', watermark: 2, generation: 2 });
        assert.deepEqual(await clockKeys(tenant), ['gold/T-1/1={"v":"other"}']);

        // A write that names no generation is a caller bug, not a write regardless.
        await assert.rejects(store.replaceDerived(tenant, { watermark: 9 } as unknown as DerivedReplacement), /generation/);
        assert.equal(await store.getDerivedWatermark(tenant), 2);
      });

      test('what invalidates: agreement, version, transition and calendar changes; never users, tokens, reviews, audit or events', async () => {
        const tenant = await newTenant(store);
        let etag = '';
        const agreementChange = async (change: Parameters<Store['updateAgreement']>[3], expect = 'updated') => {
          const r = await store.updateAgreement(tenant, 'gold', etag, change);
          assert.equal(r.status, expect);
          if (r.status === 'updated') etag = r.agreement.etag;
        };
        const steps: Array<[name: string, invalidates: boolean, run: () => Promise<unknown>]> = [
          ['a user created', false, () => store.createUser(tenant, { id: 'ann', name: 'Ann', createdAt: T0 })],
          ['the same user again (exists)', false, () => store.createUser(tenant, { id: 'ann', name: 'Ann', createdAt: T0 })],
          [
            'a token created for a new user',
            false,
            async () => {
              await store.createUser(tenant, { id: 'bob', name: 'Bob', createdAt: T0 });
              return store.createToken(tenant, {
                id: 'k1',
                userId: 'bob',
                name: 'cli',
                role: 'admin',
                tokenHash: hashTokenSecret(generateTokenSecret()),
                createdAt: T0,
              });
            },
          ],
          ['a token used', false, () => store.touchToken(tenant, 'k1', T0 + MIN)],
          ['a token revoked', false, () => store.revokeToken(tenant, 'k1', T0 + MIN)],
          ['a user disabled', false, () => store.disableUser(tenant, 'bob', T0 + MIN)],
          ['an audit entry', false, () => store.appendAudit(tenant, { at: T0, actor: 'ann', action: 'x', subject: 'tenant' })],
          [
            'events appended (they leave the watermark behind instead)',
            false,
            () => store.appendEvents(tenant, [ev('e1', 1)], { receivedAt: T0 }),
          ],
          ['another tenant created', false, () => newTenant(store)],
          [
            'an agreement created',
            true,
            async () => {
              const r = await store.createAgreement(tenant, {
                id: 'gold',
                document: { name: 'Gold', v: 0 },
                createdAt: T0,
                createdBy: 'ann',
              });
              etag = r.value.etag;
            },
          ],
          [
            'the same agreement again (exists)',
            false,
            () => store.createAgreement(tenant, { id: 'gold', document: { other: true }, createdAt: T0, createdBy: 'ann' }),
          ],
          [
            'an update refused (stale ETag)',
            false,
            () => store.updateAgreement(tenant, 'gold', '"0"', { document: { lost: true }, at: T0, by: 'ann' }),
          ],
          ['the customer column changed', false, () => agreementChange({ customer: 'acme', at: T0, by: 'ann' })],
          [
            'a review recorded',
            false,
            () => agreementChange({ reviews: [{ at: '2026-10-01', by: 'ann', outcome: 'kept' }], at: T0, by: 'ann' }),
          ],
          ['the document changed', true, () => agreementChange({ document: { name: 'Gold', v: 1 }, at: T0, by: 'ann' })],
          ['an approval (transitions and version 1)', true, () => agreementChange({ ...approval('gold'), at: T0 + 2 * MIN, by: 'ann' })],
          [
            'a transition alone (activated)',
            true,
            async () => {
              const history = (await store.getLifecycle(tenant, 'gold'))!;
              const activated = unwrap(applyTransition(history, { to: 'active', at: T0 + 10 * MIN, by: 'ann' }));
              await agreementChange({ transitions: activated.transitions.slice(history.transitions.length), at: T0 + 10 * MIN, by: 'ann' });
            },
          ],
          [
            'a version alone (an amendment recorded)',
            true,
            async () => {
              const stored = await store.listVersions<{ name: string; v: number }>(tenant, 'gold');
              const amended = unwrap(
                addVersion(stored, {
                  effective: T0 + 20 * MIN,
                  document: { name: 'Gold', v: 2 },
                  createdAt: T0 + 11 * MIN,
                  createdBy: 'ann',
                }),
              );
              await agreementChange({ versions: amended.slice(stored.length), at: T0 + 11 * MIN, by: 'ann' });
            },
          ],
          [
            'a calendar stored',
            true,
            () => store.putCalendar(tenant, { name: 'office', format: 'yaml', source: 'timezone: UTC', at: T0, by: 'ann' }),
          ],
          [
            'a calendar replaced',
            true,
            () => store.putCalendar(tenant, { name: 'office', format: 'yaml', source: 'timezone: Europe/Berlin', at: T0 + 1, by: 'ann' }),
          ],
          [
            'a calendar put refused (exists already)',
            false,
            () => store.putCalendar(tenant, { name: 'office', format: 'yaml', source: 'timezone: UTC', at: T0 + 2, by: 'ann' }, null),
          ],
          ['a calendar deleted', true, () => store.deleteCalendar(tenant, 'office')],
          ['a missing calendar deleted', false, () => store.deleteCalendar(tenant, 'office')],
        ];
        for (const [name, invalidates, run] of steps) {
          // Current results at watermark 7, then the change.
          assert.equal((await putDerived(store, tenant, { watermark: 7 })).status, 'replaced', name);
          const before = await store.getDerivedState(tenant);
          await run();
          const expected = invalidates ? { watermark: 0, generation: before.generation + 1 } : before;
          assert.deepEqual(
            await store.getDerivedState(tenant),
            expected,
            `${name}: ${invalidates ? 'invalidates' : 'leaves the results current'}`,
          );
        }
      });

      test('open breaches: breached open clocks, running ones past their deadline, breached current windows', async () => {
        const tenant = await newTenant(store);
        const c = (ticket: string, v: Record<string, unknown>) => ({
          agreementId: 'gold',
          target: 'resolve',
          ticket,
          cycle: 1,
          value: v,
          updatedAt: T0,
        });
        const w = (window: string, state: string, from: number, to: number) => ({
          agreementId: 'gold',
          target: 'uptime',
          window,
          value: { state, window: { from, to } },
          updatedAt: T0,
        });
        await store.replaceDerived(tenant, {
          generation: 0,
          watermark: 1,
          clocks: [
            c('open-breached', { state: 'breached', stop: null, deadline: T0 - 10 }),
            c('open-late', { state: 'running', stop: null, deadline: T0 - 1 }),
            c('open-ok', { state: 'running', stop: null, deadline: T0 + 1 }),
            c('open-never', { state: 'running', stop: null, deadline: null }),
            c('paused-late', { state: 'paused', stop: null, deadline: T0 - 1 }),
            c('closed-breached', { state: 'breached', stop: T0 - 5, deadline: T0 - 10 }),
          ],
          compliance: [
            w('now', 'breached', T0 - 100, T0 + 100),
            w('past', 'breached', T0 - 300, T0 - 100),
            w('ok', 'met', T0 - 100, T0 + 100),
          ],
        });
        assert.deepEqual(await store.countOpenBreaches(tenant, T0), { tickets: 2, targets: 1 });
        assert.deepEqual(await store.countOpenBreaches(await newTenant(store), T0), { tickets: 0, targets: 0 });
      });

      test('at risk now: open clocks at risk, breached or past their deadline; current windows at risk or breached; by key', async () => {
        const tenant = await newTenant(store);
        const c = (ticket: string, v: Record<string, unknown>) => ({
          agreementId: 'gold',
          target: 'resolve',
          ticket,
          cycle: 1,
          value: v,
          updatedAt: T0,
        });
        const w = (target: string, window: string, state: string, from: number, to: number) => ({
          agreementId: 'gold',
          target,
          window,
          value: { state, window: { from, to } },
          updatedAt: T0,
        });
        await store.replaceDerived(tenant, {
          generation: 0,
          watermark: 1,
          clocks: [
            c('a-open-risk', { state: 'at_risk', stop: null, deadline: T0 + 50 }),
            c('a-open-risk-2', { state: 'at_risk', stop: null, consumed: 0.8, deadline: T0 + 50, breachAt: null, segments: [1, 2, 3] }),
            c('b-open-breached', { state: 'breached', stop: null, deadline: T0 - 10 }),
            c('c-open-late', { state: 'running', stop: null, deadline: T0 }),
            c('d-open-ok', { state: 'running', stop: null, deadline: T0 + 1 }),
            c('e-open-never', { state: 'running', stop: null, deadline: null }),
            c('f-paused-late', { state: 'paused', stop: null, deadline: T0 - 1 }),
            c('g-closed-breached', { state: 'breached', stop: T0 - 5, deadline: T0 - 10 }),
            c('h-closed-met', { state: 'met', stop: T0 - 5, deadline: T0 + 10 }),
          ],
          compliance: [
            w('uptime', 'now', 'breached', T0 - 100, T0 + 100),
            w('uptime', 'past', 'breached', T0 - 300, T0 - 100),
            w('uptime', 'next', 'at_risk', T0 + 100, T0 + 300),
            {
              ...w('response', 'now', 'at_risk', T0, T0 + 100),
              value: {
                state: 'at_risk',
                value: 96.5,
                comparator: '>=',
                target: 95,
                reason: 'close',
                contributors: ['a', 'b'],
                window: { from: T0, to: T0 + 100 },
              },
            },
            w('resolve', 'now', 'met', T0 - 100, T0 + 100),
            w('resolve', 'ended', 'breached', T0 - 100, T0),
          ],
        });
        const r = await store.atRiskNow(tenant, T0);
        assert.deepEqual(
          r.clocks.map((x) => x.ticket),
          ['a-open-risk', 'a-open-risk-2', 'b-open-breached', 'c-open-late'],
        );
        assert.deepEqual(r.clocks[1]!.value, { state: 'at_risk', stop: null, consumed: 0.8, deadline: T0 + 50, breachAt: null });
        assert.deepEqual(r.clocks[2]!.value, { state: 'breached', stop: null, consumed: null, deadline: T0 - 10, breachAt: null });
        // Only what a listing shows of each value (a clock's state, consumption and instants; a window's figure and why).
        assert.deepEqual(
          r.clocks[0],
          c('a-open-risk', { state: 'at_risk', stop: null, consumed: null, deadline: T0 + 50, breachAt: null }),
        );
        assert.deepEqual(
          r.compliance.map((x) => `${x.target}/${x.window}`),
          ['response/now', 'uptime/now'],
        );
        assert.deepEqual(r.compliance[0]!.value, {
          state: 'at_risk',
          value: 96.5,
          comparator: '>=',
          target: 95,
          reason: 'close',
          window: { from: T0, to: T0 + 100 },
        });
        assert.deepEqual(r.compliance[1], {
          ...w('uptime', 'now', 'breached', T0 - 100, T0 + 100),
          value: { state: 'breached', value: null, comparator: null, target: null, reason: null, window: { from: T0 - 100, to: T0 + 100 } },
        });
        // A ticket that stops is no longer open; another tenant sees nothing.
        await store.replaceDerived(tenant, {
          generation: 0,
          watermark: 2,
          clocks: [c('a-open-risk', { state: 'met', stop: T0, deadline: T0 + 50 })],
        });
        assert.deepEqual(
          (await store.atRiskNow(tenant, T0)).clocks.map((x) => x.ticket),
          ['a-open-risk-2', 'b-open-breached', 'c-open-late'],
        );
        // An upsert rewrites what the listing reads beside the value: a clock's figures, a window's state.
        await store.replaceDerived(tenant, {
          generation: 0,
          watermark: 3,
          clocks: [c('a-open-risk-2', { state: 'at_risk', stop: null, consumed: 0.9, deadline: T0 + 40, breachAt: T0 + 40 })],
          compliance: [w('uptime', 'now', 'met', T0 - 100, T0 + 100)],
        });
        const again = await store.atRiskNow(tenant, T0);
        assert.deepEqual(again.clocks[0]!.value, { state: 'at_risk', stop: null, consumed: 0.9, deadline: T0 + 40, breachAt: T0 + 40 });
        assert.deepEqual(
          again.compliance.map((x) => `${x.target}/${x.window}`),
          ['response/now'],
        );
        assert.deepEqual(await store.countOpenBreaches(tenant, T0), { tickets: 2, targets: 0 });
        assert.deepEqual(await store.atRiskNow(await newTenant(store), T0), { clocks: [], compliance: [] });
      });

      test("the current windows and an agreement's history carry each window's error budget, written beside the value", async () => {
        const tenant = await newTenant(store);
        // An availability evaluation: 500 ms down of 1,000,000 eligible against 99.9% (1,000 ms allowed).
        const evaluation = {
          metric: 'availability',
          unit: 'percent',
          state: 'met',
          value: 99.95,
          target: 99.9,
          comparator: '>=',
          consumed: 0.5,
          sampleSize: 0,
          reason: 'fine',
          window: { from: T0 - 100, to: T0 + 100 },
          measurement: { figures: { downtimeMs: 500, eligibleMs: 1_000_000, excludedMs: 0 } },
          budget: { allowedMs: 1000, usedMs: 500, remainingMs: 500, basis: 'percentage' },
        };
        await store.replaceDerived(tenant, {
          generation: 0,
          watermark: 1,
          compliance: [
            { agreementId: 'gold', target: 'uptime', window: 'now', value: evaluation, updatedAt: T0 },
            // Not an evaluation's shape: no budget.
            {
              agreementId: 'gold',
              target: 'plain',
              window: 'now',
              value: { state: 'met', window: { from: T0 - 100, to: T0 + 100 } },
              updatedAt: T0,
            },
          ],
        });
        const expected = { left: 0.5, burnRate: 0.5, downtime: { allowedMs: 1000, usedMs: 500, remainingMs: 500 }, items: null };
        const current = await store.currentWindows(tenant, T0);
        assert.deepEqual(
          current.map((r) => [r.target, r.value.budget]),
          [
            ['plain', null],
            ['uptime', expected],
          ],
        );
        const history = await store.complianceHistory(tenant, 'gold');
        assert.deepEqual(history.find((r) => r.target === 'uptime')?.value.budget, expected);
        // An upsert rewrites it.
        await store.replaceDerived(tenant, {
          generation: 0,
          watermark: 2,
          compliance: [
            {
              agreementId: 'gold',
              target: 'uptime',
              window: 'now',
              value: { ...evaluation, consumed: 1, budget: { ...evaluation.budget, usedMs: 1000, remainingMs: 0 } },
              updatedAt: T0 + 1,
            },
          ],
        });
        const after = (await store.currentWindows(tenant, T0)).find((r) => r.target === 'uptime');
        assert.equal(after?.value.budget?.left, 0);
        assert.deepEqual(after?.value.budget?.downtime, { allowedMs: 1000, usedMs: 1000, remainingMs: 0 });
      });

      test('replacing windows from an instant keeps earlier windows and other periods; when each agreement was computed', async () => {
        const tenant = await newTenant(store);
        const w = (agreementId: string, window: string, from: number, to: number, at: number) => ({
          agreementId,
          target: 'uptime',
          window,
          value: { state: 'met', window: { from, to } },
          updatedAt: at,
        });
        const s = (agreementId: string, period: string, at: number) => ({ agreementId, period, value: { period }, updatedAt: at });
        await store.replaceDerived(tenant, {
          generation: 0,
          watermark: 1,
          compliance: [
            w('gold', 'm1', 0, 100, 100),
            w('gold', 'm2', 100, 200, 150),
            w('gold', 'q1', 0, 300, 150),
            w('silver', 'm2', 100, 200, 150),
          ],
          settlements: [s('gold', 'm1', 100), s('gold', 'm2', 150), s('silver', 'm2', 120)],
        });
        assert.deepEqual(
          await store.derivedComputedAt(tenant),
          new Map([
            ['gold', 150],
            ['silver', 150],
          ]),
        );
        await store.replaceDerived(tenant, {
          generation: 0,
          watermark: 2,
          windowsFrom: [{ agreementId: 'gold', from: 100, periods: ['m2'] }],
          compliance: [w('gold', 'm2', 100, 200, 170)],
        });
        const gold = (await store.listCompliance(tenant, { agreementId: 'gold' })).items;
        assert.deepEqual(
          gold.map((c) => [c.window, c.updatedAt]),
          [
            ['m1', 100],
            ['m2', 170],
          ],
          'the window ending at `from` stays; those ending after it are replaced (q1 not given: gone)',
        );
        assert.deepEqual(
          (await store.listSettlements(tenant)).items.map((x) => `${x.agreementId}/${x.period}`),
          ['gold/m1', 'silver/m2'],
        );
        assert.equal((await store.listCompliance(tenant, { agreementId: 'silver' })).items.length, 1);
        assert.equal((await store.derivedComputedAt(tenant)).get('gold'), 170);
        assert.deepEqual(await store.complianceStates(tenant, 'gold', 150), [
          { target: 'uptime', window: 'm1', from: 0, to: 100, state: 'met' },
        ]);
        assert.deepEqual(
          (await store.complianceStates(tenant, 'gold', 200)).map((x) => x.window),
          ['m1', 'm2'],
        );
        assert.deepEqual(await store.derivedComputedAt(await newTenant(store)), new Map());
      });

      test('many rows in one replacement', async () => {
        const tenant = await newTenant(store);
        const many = Array.from({ length: 12_001 }, (_, i) => clock('gold', `T-${String(i).padStart(5, '0')}`, 1, i));
        await store.replaceDerived(tenant, { generation: 0, watermark: 1, everything: true, clocks: many });
        await store.replaceDerived(tenant, {
          generation: 0,
          watermark: 2,
          tickets: many.map((c) => ({ agreementId: 'gold', ticket: c.ticket })),
          clocks: many.slice(0, 3),
        });
        assert.equal((await clockKeys(tenant)).length, 3);
      });
    });

    alertsContract({ store: () => store, open, freshConfig: () => target.freshConfig() });
    signInContract({ store: () => store });
    reportsContract({ store: () => store });
    statusPagesContract({ store: () => store });
    reportSchedulesContract({ store: () => store });
    monitorsContract({ store: () => store });
    sourcesContract({ store: () => store });

    describe('audit log', () => {
      test('appended with dense per-tenant numbers; paged both ways and filtered', async () => {
        const tenant = await newTenant(store);
        for (let i = 0; i < 9; i++) {
          const e = await store.appendAudit(tenant, {
            at: T0 + i,
            actor: i % 2 ? 'ann' : 'bob',
            action: 'agreement.edit',
            subject: `agreement:a${i % 3}`,
            before: { v: i },
            after: { v: i + 1 },
          });
          assert.equal(e.seq, i + 1);
          assert.equal(e.tenant, tenant);
        }
        const asc = await allPages((after) => store.listAudit(tenant, { limit: 4, ...(after ? { after } : {}) }));
        assert.deepEqual(
          asc.items.map((e) => e.seq),
          [1, 2, 3, 4, 5, 6, 7, 8, 9],
        );
        assert.deepEqual(asc.items[0], {
          seq: 1,
          tenant,
          at: T0,
          actor: 'bob',
          action: 'agreement.edit',
          subject: 'agreement:a0',
          before: { v: 0 },
          after: { v: 1 },
        });
        const desc = await allPages((after) => store.listAudit(tenant, { limit: 4, newestFirst: true, ...(after ? { after } : {}) }));
        assert.deepEqual(
          desc.items.map((e) => e.seq),
          [9, 8, 7, 6, 5, 4, 3, 2, 1],
        );
        assert.deepEqual(
          (await store.listAudit(tenant, { subject: 'agreement:a1' })).items.map((e) => e.seq),
          [2, 5, 8],
        );
        assert.deepEqual(
          (await store.listAudit(tenant, { actor: 'ann', subject: 'agreement:a1' })).items.map((e) => e.seq),
          [2, 8],
        );
        const bare = await store.appendAudit(tenant, { at: T0, actor: 'sys', action: 'rebuild', subject: 'tenant' });
        assert.equal('before' in bare || 'after' in bare, false);
      });
    });
  });
}
