/**
 * The store contract for alerts, the outbox of their notifications, channels, silences and timers:
 * part of the one suite every adapter passes (storeContract in contract.ts registers it), kept in
 * a file of its own because it is long.
 *
 * What it holds the adapters to: alerts are deduplicated among the open ones and final once
 * resolved; a change set is written whole or not at all, also inside replaceDerived and under its
 * guard; a notification's key is written once; a claim is a lease with a fencing token, so two
 * claimers never hold one row and a stale holder cannot complete; a lease that runs out makes the
 * row claimable again with the same key. Instants are the caller's: the tests move time by passing
 * later instants, never by waiting.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { InvalidInputError } from '../core/validation/issues.ts';
import { StoreError } from './errors.ts';
import type {
  AlertChangeSet,
  AlertOpen,
  AuditInput,
  ClaimedNotification,
  NewNotification,
  Store,
  StoreConfig,
  StoredNotification,
} from './types.ts';

export interface AlertsContractContext {
  /** The suite's shared store (opened in its `before`). */
  store(): Store;
  /** Opens a store on a configuration; closed with the suite. */
  open(config: StoreConfig): Promise<Store>;
  freshConfig(): Promise<StoreConfig> | StoreConfig;
}

const T0 = Date.UTC(2026, 9, 1);
const MIN = 60_000;
const LEASE = 30_000;

let counter = 0;
async function newTenant(store: Store): Promise<string> {
  const id = `a${++counter}-${randomBytes(4).toString('hex')}`;
  assert.equal((await store.createTenant({ id, name: 'Tenant', createdAt: T0 })).status, 'created');
  return id;
}

async function allPages<T>(fetch: (after: string | undefined) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const items: T[] = [];
  let next: string | undefined;
  let pages = 0;
  do {
    const p = await fetch(next);
    items.push(...p.items);
    next = p.next;
    assert.ok(++pages < 10_000, 'paging does not end');
  } while (next !== undefined);
  return items;
}

function open(dedupeKey: string, id: string, extra: Partial<AlertOpen> = {}): AlertOpen {
  return {
    op: 'open',
    id,
    dedupeKey,
    kind: 'ticket.threshold',
    severity: 'warning',
    audience: 'internal',
    agreementId: 'gold',
    target: 'resolve',
    subject: { source: 'jira', ticket: 'T-1', cycle: 0 },
    level: '75%',
    firedAt: T0,
    details: { consumed: 0.75 },
    ...extra,
  };
}

function note(key: string, extra: Partial<NewNotification> = {}): NewNotification {
  return { idempotencyKey: key, channelId: 'ops-hook', recipient: '', payload: { text: key }, ...extra };
}

const set = (at: number, rest: Omit<AlertChangeSet, 'at' | 'by'>): AlertChangeSet => ({ at, by: 'pledge', ...rest });
const audit = (action: string, subject: string, at = T0): AuditInput => ({ at, actor: 'ann', action, subject });
const dataError = (kind: string) => (e: unknown) => e instanceof StoreError && e.data === kind && !e.retryable;

export function alertsContract(ctx: AlertsContractContext): void {
  describe('alerts', () => {
    test('opened, updated and resolved by dedupe key; a set applied twice changes nothing; a resolved alert fires again as a new record', async () => {
      const store = ctx.store();
      const tenant = await newTenant(store);
      const first = set(T0, {
        alerts: [open('gold/resolve/T-1/0/75', 'al-1'), open('gold/resolve/T-2/0/75', 'al-2', { subject: { ticket: 'T-2' } })],
      });
      const applied = await store.applyAlertChanges(tenant, first);
      assert.deepEqual(
        applied.alerts.map((o) => o.status),
        ['opened', 'opened'],
      );
      const a1 = await store.getAlert(tenant, 'al-1');
      assert.deepEqual(a1, {
        id: 'al-1',
        dedupeKey: 'gold/resolve/T-1/0/75',
        kind: 'ticket.threshold',
        severity: 'warning',
        audience: 'internal',
        agreementId: 'gold',
        target: 'resolve',
        subject: { source: 'jira', ticket: 'T-1', cycle: 0 },
        level: '75%',
        state: 'firing',
        firedAt: T0,
        details: { consumed: 0.75 },
        updatedAt: T0,
      });
      assert.deepEqual((await store.getAlert(tenant, 'al-2'))?.subject, { ticket: 'T-2' });

      // The same set again (a retry, a second evaluation): nothing new.
      const again = await store.applyAlertChanges(tenant, { ...first, at: T0 + MIN });
      assert.deepEqual(
        again.alerts.map((o) => o.status),
        ['unchanged', 'unchanged'],
      );
      assert.equal((await store.listAlerts(tenant)).items.length, 2);
      assert.equal((await store.getAlert(tenant, 'al-1'))?.updatedAt, T0, 'nothing was written');

      // Another id for an open key: the open alert is kept, its fields brought up to date.
      const reopened = await store.applyAlertChanges(
        tenant,
        set(T0 + 2 * MIN, { alerts: [open('gold/resolve/T-1/0/75', 'al-other', { severity: 'major', details: { consumed: 0.8 } })] }),
      );
      const ro = reopened.alerts[0]!;
      assert.ok(ro.status === 'updated', ro.status);
      assert.equal(ro.alert.id, 'al-1');
      assert.equal(await store.getAlert(tenant, 'al-other'), undefined);
      assert.deepEqual(
        (
          await store.applyAlertChanges(
            tenant,
            set(T0 + 3 * MIN, {
              alerts: [
                { op: 'update', dedupeKey: 'gold/resolve/T-1/0/75', details: { consumed: 0.85 } },
                { op: 'update', dedupeKey: 'gold/resolve/T-1/0/75', details: { consumed: 0.85 } },
                { op: 'update', dedupeKey: 'nope', level: 'x' },
              ],
            }),
          )
        ).alerts.map((o) => o.status),
        ['updated', 'unchanged', 'not_found'],
      );
      const updated = (await store.getAlert(tenant, 'al-1'))!;
      assert.deepEqual([updated.severity, updated.details, updated.updatedAt], ['major', { consumed: 0.85 }, T0 + 3 * MIN]);

      const resolved = await store.applyAlertChanges(tenant, {
        at: T0 + 10 * MIN,
        by: 'pledge',
        alerts: [
          { op: 'resolve', dedupeKey: 'gold/resolve/T-1/0/75', resolvedAt: T0 + 9 * MIN, reason: 'ticket closed' },
          { op: 'resolve', dedupeKey: 'gold/resolve/T-1/0/75', resolvedAt: T0 + 9 * MIN, reason: 'ticket closed' },
        ],
      });
      assert.deepEqual(
        resolved.alerts.map((o) => o.status),
        ['resolved', 'not_found'],
      );
      const r1 = (await store.getAlert(tenant, 'al-1'))!;
      assert.deepEqual([r1.state, r1.resolvedAt, r1.resolvedBy, r1.resolvedReason], ['resolved', T0 + 9 * MIN, 'pledge', 'ticket closed']);
      // An update or an open of the first id after resolution: the record stays as it was.
      const late = await store.applyAlertChanges(
        tenant,
        set(T0 + 11 * MIN, { alerts: [{ op: 'update', dedupeKey: 'gold/resolve/T-1/0/75', level: '90%' }] }),
      );
      assert.deepEqual(late.alerts, [{ status: 'not_found' }]);

      // It fires again: a new record with the same key.
      const refire = await store.applyAlertChanges(
        tenant,
        set(T0 + 20 * MIN, { alerts: [open('gold/resolve/T-1/0/75', 'al-3', { firedAt: T0 + 20 * MIN })] }),
      );
      assert.equal(refire.alerts[0]!.status, 'opened');
      const replayed = await store.applyAlertChanges(tenant, set(T0 + 21 * MIN, { alerts: [open('gold/resolve/T-1/0/75', 'al-1')] }));
      assert.equal(replayed.alerts[0]!.status, 'unchanged', 'the open one of the key (al-3) is unchanged');
      assert.deepEqual(
        (await store.listAlerts(tenant, { state: 'firing' })).items.map((a) => a.id),
        ['al-2', 'al-3'],
      );
      assert.equal((await store.getAlert(tenant, 'al-1'))!.state, 'resolved');

      assert.deepEqual(
        (await store.listAlertHistory(tenant, 'al-1')).map((h) => [h.state, h.at, h.by, h.reason]),
        [
          ['firing', T0, 'pledge', undefined],
          ['resolved', T0 + 9 * MIN, 'pledge', 'ticket closed'],
        ],
      );
      assert.deepEqual(await store.listAlertHistory(tenant, 'nope'), []);

      // An id that is another key's alert: a caller bug, refused, and the set written not at all.
      await assert.rejects(
        store.applyAlertChanges(tenant, set(T0, { alerts: [open('k-new', 'al-new'), open('k-other', 'al-2')] })),
        dataError('conflict'),
      );
      assert.equal(await store.getAlert(tenant, 'al-new'), undefined);
      await assert.rejects(store.applyAlertChanges(`no-such-${tenant}`, set(T0, { alerts: [open('k', 'x')] })), /unknown tenant/);
    });

    test('acknowledging is a compare-and-set on the state, with its history and its audit entry', async () => {
      const store = ctx.store();
      const tenant = await newTenant(store);
      await store.applyAlertChanges(tenant, set(T0, { alerts: [open('k1', 'al-1')] }));
      const ack = await store.acknowledgeAlert(
        tenant,
        'al-1',
        { at: T0 + MIN, by: 'ann' },
        audit('alert.acknowledge', 'alert:al-1', T0 + MIN),
      );
      assert.equal(ack.status, 'acknowledged');
      assert.deepEqual(ack.status === 'acknowledged' && [ack.alert.state, ack.alert.acknowledgedAt, ack.alert.acknowledgedBy], [
        'acknowledged',
        T0 + MIN,
        'ann',
      ]);
      const twice = await store.acknowledgeAlert(tenant, 'al-1', { at: T0 + 2 * MIN, by: 'bob' }, audit('alert.acknowledge', 'alert:al-1'));
      assert.equal(twice.status, 'conflict');
      assert.equal(twice.status === 'conflict' && twice.current.acknowledgedBy, 'ann', 'the first acknowledgement stays');
      assert.deepEqual(await store.acknowledgeAlert(tenant, 'nope', { at: T0, by: 'ann' }, audit('alert.acknowledge', 'alert:nope')), {
        status: 'not_found',
      });

      // Evaluated again while acknowledged: the same record, still acknowledged.
      const again = await store.applyAlertChanges(
        tenant,
        set(T0 + 3 * MIN, { alerts: [open('k1', 'al-9', { details: { consumed: 0.8 } })] }),
      );
      assert.equal(again.alerts[0]!.status, 'updated');
      assert.equal((await store.getAlert(tenant, 'al-1'))!.state, 'acknowledged');
      assert.equal(await store.getAlert(tenant, 'al-9'), undefined);

      await store.applyAlertChanges(
        tenant,
        set(T0 + 5 * MIN, { alerts: [{ op: 'resolve', dedupeKey: 'k1', resolvedAt: T0 + 5 * MIN, reason: 'met' }] }),
      );
      const resolved = (await store.getAlert(tenant, 'al-1'))!;
      assert.deepEqual([resolved.state, resolved.acknowledgedBy], ['resolved', 'ann']);
      assert.equal((await store.acknowledgeAlert(tenant, 'al-1', { at: T0 + 6 * MIN, by: 'bob' })).status, 'conflict');

      assert.deepEqual(
        (await store.listAlertHistory(tenant, 'al-1')).map((h) => `${h.state} by ${h.by}`),
        ['firing by pledge', 'acknowledged by ann', 'resolved by pledge'],
      );
      const log = (await store.listAudit(tenant)).items;
      assert.deepEqual(
        log.map((e) => [e.action, e.subject]),
        [['alert.acknowledge', 'alert:al-1']],
        'one audit entry: refused acknowledgements write none',
      );
    });

    test('an acknowledgement writes its notices in its transaction, only when it takes effect', async () => {
      const store = ctx.store();
      const tenant = await newTenant(store);
      await store.applyAlertChanges(tenant, set(T0, { alerts: [open('k1', 'al-1')] }));
      const ack = await store.acknowledgeAlert(tenant, 'al-1', { at: T0 + MIN, by: 'ann', notify: [note('ack-1'), note('ack-2')] });
      assert.equal(ack.status, 'acknowledged');
      const written = (await store.listNotifications(tenant)).items;
      assert.deepEqual(
        written.map((n) => [n.idempotencyKey, n.alertId, n.createdAt]),
        [
          ['ack-1', 'al-1', T0 + MIN],
          ['ack-2', 'al-1', T0 + MIN],
        ],
      );
      const again = await store.acknowledgeAlert(tenant, 'al-1', { at: T0 + 2 * MIN, by: 'bob', notify: [note('ack-3')] });
      assert.equal(again.status, 'conflict');
      assert.equal((await store.listNotifications(tenant)).items.length, 2, 'a refused acknowledgement notifies no one');
    });

    test('the activity feed lists every alert history entry of the tenant after a sequence number', async () => {
      const store = ctx.store();
      const tenant = await newTenant(store);
      const other = await newTenant(store);
      await store.applyAlertChanges(tenant, set(T0, { alerts: [open('k1', 'al-1'), open('k2', 'al-2')] }));
      await store.applyAlertChanges(other, set(T0, { alerts: [open('k1', 'al-1')] }));
      await store.acknowledgeAlert(tenant, 'al-2', { at: T0 + MIN, by: 'ann' });
      await store.applyAlertChanges(
        tenant,
        set(T0 + 2 * MIN, { alerts: [{ op: 'resolve', dedupeKey: 'k1', resolvedAt: T0 + 2 * MIN, reason: 'met' }] }),
      );
      const all = await store.listAlertActivity(tenant);
      assert.deepEqual(
        all.map((h) => `${h.alertId} ${h.state} by ${h.by}`),
        ['al-1 firing by pledge', 'al-2 firing by pledge', 'al-2 acknowledged by ann', 'al-1 resolved by pledge'],
      );
      assert.ok(
        all.every((h, i) => i === 0 || h.seq > all[i - 1]!.seq),
        'by seq',
      );
      const after = await store.listAlertActivity(tenant, { afterSeq: all[1]!.seq, limit: 1 });
      assert.deepEqual(
        after.map((h) => h.seq),
        [all[2]!.seq],
      );
      assert.deepEqual(await store.listAlertActivity(tenant, { afterSeq: all[3]!.seq }), []);
      assert.deepEqual(
        (await store.listAlertActivity(tenant, { newestFirst: true, limit: 2 })).map((h) => h.seq),
        [all[3]!.seq, all[2]!.seq],
      );
      assert.equal((await store.listAlertActivity(other)).length, 1, 'another tenant sees only its own');
    });

    test('listed by filters and pages, oldest or newest first; another tenant sees none', async () => {
      const store = ctx.store();
      const tenant = await newTenant(store);
      const other = await newTenant(store);
      const rows: AlertOpen[] = [
        open('k1', 'a1', { firedAt: T0 + 1, severity: 'warning' }),
        open('k2', 'a2', { firedAt: T0 + 2, severity: 'critical', agreementId: 'silver' }),
        open('k3', 'a3', { firedAt: T0 + 3, severity: 'critical', audience: 'customer' }),
        open('k4', 'a4', { firedAt: T0 + 3, severity: 'warning' }),
        open('k5', 'a5', { firedAt: T0 + 5, severity: 'warning', agreementId: 'silver' }),
      ];
      await store.applyAlertChanges(tenant, set(T0, { alerts: rows }));
      await store.acknowledgeAlert(tenant, 'a2', { at: T0 + 10, by: 'ann' });
      await store.applyAlertChanges(
        tenant,
        set(T0 + 10, { alerts: [{ op: 'resolve', dedupeKey: 'k3', resolvedAt: T0 + 10, reason: 'met' }] }),
      );
      const ids = async (f: Parameters<Store['listAlerts']>[1] = {}) =>
        (await allPages((after) => store.listAlerts(tenant, { ...f, limit: 2, ...(after ? { after } : {}) }))).map((a) => a.id);
      assert.deepEqual(await ids(), ['a1', 'a2', 'a3', 'a4', 'a5']);
      assert.deepEqual(await ids({ newestFirst: true }), ['a5', 'a4', 'a3', 'a2', 'a1']);
      assert.deepEqual(await ids({ state: 'firing' }), ['a1', 'a4', 'a5']);
      assert.deepEqual(await ids({ state: ['firing', 'acknowledged'] }), ['a1', 'a2', 'a4', 'a5']);
      assert.deepEqual(await ids({ state: [] }), []);
      assert.deepEqual(await ids({ agreementId: 'silver' }), ['a2', 'a5']);
      assert.deepEqual(await ids({ severity: 'critical' }), ['a2', 'a3']);
      assert.deepEqual(await ids({ audience: 'customer' }), ['a3']);
      assert.deepEqual(await ids({ since: T0 + 3, newestFirst: true }), ['a5', 'a4', 'a3']);
      assert.deepEqual(await ids({ since: T0 + 3, severity: 'warning', state: 'firing' }), ['a4', 'a5']);
      assert.deepEqual((await store.listAlerts(other)).items, []);
      assert.equal(await store.getAlert(other, 'a1'), undefined);
      assert.deepEqual(await store.listAlertHistory(other, 'a1'), []);
      assert.equal((await store.acknowledgeAlert(other, 'a1', { at: T0, by: 'mallory' })).status, 'not_found');
      assert.equal((await store.getAlert(tenant, 'a1'))!.state, 'firing');
      await assert.rejects(store.listAlerts(tenant, { after: 'not-a-cursor' }), InvalidInputError);
    });

    test('two stores opening the same alerts at once: one record per dedupe key, its notifications written once', async () => {
      const config = await ctx.freshConfig();
      const s1 = await ctx.open(config);
      const s2 = await ctx.open(config);
      const tenant = await newTenant(s1);
      const keys = Array.from({ length: 30 }, (_, i) => `k-${i}`);
      const opening = (who: string) => set(T0, { alerts: keys.map((k) => open(k, `${k}-${who}`, { notify: [note(`${k}:fired`)] })) });
      const [a, b] = await Promise.all([s1.applyAlertChanges(tenant, opening('one')), s2.applyAlertChanges(tenant, opening('two'))]);
      keys.forEach((k, i) => {
        const statuses = [a.alerts[i]!.status, b.alerts[i]!.status].sort();
        assert.deepEqual(statuses, ['opened', 'unchanged'], k);
      });
      assert.equal(a.notified + b.notified, keys.length);
      const stored = await allPages((after) => s1.listAlerts(tenant, { limit: 7, ...(after ? { after } : {}) }));
      assert.deepEqual(stored.map((x) => x.dedupeKey).sort(), [...keys].sort());
      assert.equal((await s2.listNotifications(tenant, { limit: 1000 })).items.length, keys.length);
    });

    test('a change set is written whole or not at all: a refused notification takes the alerts and timers with it', async () => {
      const store = ctx.store();
      const tenant = await newTenant(store);
      await assert.rejects(
        store.applyAlertChanges(tenant, {
          at: T0,
          by: 'pledge',
          alerts: [open('k1', 'al-1', { notify: [note('n-nested')] })],
          notifications: [note('n-ok'), note('n-bad', { channelId: '' })],
          timers: { schedule: [{ key: 'tm-1', fireAt: T0 + MIN, payload: {} }] },
        }),
        dataError('invalid'),
      );
      assert.equal(await store.getAlert(tenant, 'al-1'), undefined);
      assert.deepEqual(await store.listAlertHistory(tenant, 'al-1'), []);
      assert.deepEqual((await store.listNotifications(tenant)).items, []);
      assert.equal(await store.getTimer(tenant, 'tm-1'), undefined);
      // The same set without the bad notification is written in full.
      const ok = await store.applyAlertChanges(tenant, {
        at: T0,
        by: 'pledge',
        alerts: [open('k1', 'al-1', { notify: [note('n-nested')] })],
        notifications: [note('n-ok')],
        timers: { schedule: [{ key: 'tm-1', fireAt: T0 + MIN, payload: {} }] },
      });
      assert.equal(ok.notified, 2);
      assert.ok(await store.getTimer(tenant, 'tm-1'));
    });
  });

  describe('the outbox', () => {
    test('a notification key is written once: writing it again is a no-op, the first payload stays', async () => {
      const store = ctx.store();
      const tenant = await newTenant(store);
      const r = await store.applyAlertChanges(
        tenant,
        set(T0, {
          notifications: [
            note('n1'),
            note('n1', { payload: { text: 'other' } }),
            note('n2', { notBefore: T0 + MIN, recipient: 'ann@example.com' }),
          ],
        }),
      );
      assert.deepEqual(
        r.notifications.map((n) => n.status),
        ['created', 'duplicate', 'created'],
      );
      assert.equal(r.notifications[0]!.id, r.notifications[1]!.id);
      assert.equal(r.notified, 2);
      const again = await store.applyAlertChanges(tenant, set(T0 + MIN, { notifications: [note('n2'), note('n1')] }));
      assert.deepEqual(
        again.notifications.map((n) => [n.status, n.id]),
        [
          ['duplicate', r.notifications[2]!.id],
          ['duplicate', r.notifications[0]!.id],
        ],
      );
      assert.equal(again.notified, 0);
      const n1 = await store.getNotificationByKey(tenant, 'n1');
      assert.deepEqual(n1, {
        tenant,
        id: r.notifications[0]!.id,
        idempotencyKey: 'n1',
        channelId: 'ops-hook',
        recipient: '',
        payload: { text: 'n1' },
        state: 'pending',
        attempts: 0,
        nextAttemptAt: T0,
        createdAt: T0,
        updatedAt: T0,
      });
      assert.deepEqual(await store.getNotification(tenant, r.notifications[2]!.id), {
        ...n1,
        id: r.notifications[2]!.id,
        idempotencyKey: 'n2',
        recipient: 'ann@example.com',
        payload: { text: 'n2' },
        nextAttemptAt: T0 + MIN,
      });
      assert.equal((await store.listNotifications(tenant)).items.length, 2);
    });

    test("an alert change's notifications are written only when it takes effect, linked to the alert", async () => {
      const store = ctx.store();
      const tenant = await newTenant(store);
      const opening = set(T0, {
        alerts: [open('k1', 'al-1', { notify: [note('k1:fired:ann', { recipient: 'ann' }), note('k1:fired:ops')] })],
      });
      assert.equal((await store.applyAlertChanges(tenant, opening)).notified, 2);
      assert.equal(
        (await store.applyAlertChanges(tenant, { ...opening, alerts: [open('k1', 'al-1', { notify: [note('k1:fired-again')] })] }))
          .notified,
        0,
      );
      const updating = set(T0 + MIN, { alerts: [{ op: 'update', dedupeKey: 'k1', level: '90%', notify: [note('k1:90')] }] });
      assert.equal((await store.applyAlertChanges(tenant, updating)).notified, 1);
      assert.equal(
        (await store.applyAlertChanges(tenant, { ...updating, alerts: [{ ...updating.alerts![0]!, notify: [note('k1:90-again')] }] }))
          .notified,
        0,
      );
      const resolving = set(T0 + 2 * MIN, {
        alerts: [{ op: 'resolve', dedupeKey: 'k1', resolvedAt: T0 + 2 * MIN, reason: 'met', notify: [note('k1:resolved')] }],
      });
      assert.equal((await store.applyAlertChanges(tenant, resolving)).notified, 1);
      assert.equal((await store.applyAlertChanges(tenant, resolving)).notified, 0);
      const linked = await allPages((after) => store.listNotifications(tenant, { alertId: 'al-1', limit: 2, ...(after ? { after } : {}) }));
      assert.deepEqual(
        linked.map((n) => n.idempotencyKey),
        ['k1:fired:ann', 'k1:fired:ops', 'k1:90', 'k1:resolved'],
      );
      assert.deepEqual((await store.listNotifications(tenant, { channelId: 'nope' })).items, []);
    });

    test('a set mixing new alerts with changes to open ones: each outcome in its place, history and notifications for those that took effect, in order', async () => {
      const store = ctx.store();
      const tenant = await newTenant(store);
      await store.applyAlertChanges(tenant, set(T0, { alerts: [open('b', 'al-b'), open('c', 'al-c')] }));
      const mixed = await store.applyAlertChanges(
        tenant,
        set(T0 + MIN, {
          alerts: [
            open('a', 'al-a', { firedAt: T0 + MIN, notify: [note('a:fired')] }),
            open('b', 'al-b2', { severity: 'major', notify: [note('b:again')] }),
            { op: 'resolve', dedupeKey: 'c', resolvedAt: T0 + MIN, reason: 'met', notify: [note('c:resolved')] },
            open('d', 'al-d', { firedAt: T0 + MIN, subject: { window: '2026-11' }, notify: [note('d:fired')] }),
            open('c', 'al-c2', { firedAt: T0 + MIN, notify: [note('c:fired-again')] }),
          ],
        }),
      );
      assert.deepEqual(
        mixed.alerts.map((o) => (o.status === 'not_found' ? o.status : `${o.status} ${o.alert.id}`)),
        ['opened al-a', 'updated al-b', 'resolved al-c', 'opened al-d', 'opened al-c2'],
      );
      assert.equal(mixed.notified, 4, 'b was not opened again: its note is not written');
      assert.deepEqual(
        (await store.listNotifications(tenant)).items.map((n) => [n.idempotencyKey, n.alertId]),
        [
          ['a:fired', 'al-a'],
          ['c:resolved', 'al-c'],
          ['d:fired', 'al-d'],
          ['c:fired-again', 'al-c2'],
        ],
      );
      assert.deepEqual((await store.getAlert(tenant, 'al-d'))?.subject, { window: '2026-11' });
      assert.equal((await store.getAlert(tenant, 'al-b'))?.severity, 'major');
      for (const id of ['al-a', 'al-d', 'al-c2'])
        assert.deepEqual(
          (await store.listAlertHistory(tenant, id)).map((h) => [h.state, h.at, h.by]),
          [['firing', T0 + MIN, 'pledge']],
          id,
        );
      // Each key once (the PostgreSQL store then writes the new ones in one statement): the same.
      const once = await store.applyAlertChanges(
        tenant,
        set(T0 + 2 * MIN, {
          alerts: [
            open('e', 'al-e', { firedAt: T0 + 2 * MIN, notify: [note('e:fired')] }),
            open('b', 'al-b3', { severity: 'major', notify: [note('b:third')] }),
            { op: 'resolve', dedupeKey: 'a', resolvedAt: T0 + 2 * MIN, reason: 'met', notify: [note('a:resolved')] },
            { op: 'update', dedupeKey: 'nope', level: 'x' },
            open('f', 'al-f', { firedAt: T0 + 2 * MIN, notify: [note('f:fired')] }),
          ],
        }),
      );
      assert.deepEqual(
        once.alerts.map((o) => (o.status === 'not_found' ? o.status : `${o.status} ${o.alert.id}`)),
        ['opened al-e', 'unchanged al-b', 'resolved al-a', 'not_found', 'opened al-f'],
      );
      assert.deepEqual(
        (await store.listNotifications(tenant)).items.slice(4).map((n) => [n.idempotencyKey, n.alertId]),
        [
          ['e:fired', 'al-e'],
          ['a:resolved', 'al-a'],
          ['f:fired', 'al-f'],
        ],
      );
      assert.deepEqual(await store.getAlert(tenant, 'al-e'), {
        id: 'al-e',
        dedupeKey: 'e',
        kind: 'ticket.threshold',
        severity: 'warning',
        audience: 'internal',
        agreementId: 'gold',
        target: 'resolve',
        subject: { source: 'jira', ticket: 'T-1', cycle: 0 },
        level: '75%',
        state: 'firing',
        firedAt: T0 + 2 * MIN,
        details: { consumed: 0.75 },
        updatedAt: T0 + 2 * MIN,
      });
      for (const id of ['al-e', 'al-f'])
        assert.deepEqual(
          (await store.listAlertHistory(tenant, id)).map((h) => [h.state, h.at, h.by]),
          [['firing', T0 + 2 * MIN, 'pledge']],
          id,
        );
    });

    test('a claim takes due rows, oldest first, under a lease; when the lease runs out another worker takes them over with the same key, and the first one cannot complete', async () => {
      const store = ctx.store();
      const tenant = await newTenant(store);
      await store.applyAlertChanges(
        tenant,
        set(T0, { notifications: [note('late', { notBefore: T0 + 5 }), note('first'), note('second', { notBefore: T0 + 1 })] }),
      );
      const w1 = await store.claimNotifications({ worker: 'w1', at: T0 + 2, leaseMs: LEASE, tenant });
      assert.deepEqual(
        w1.map((n) => [n.idempotencyKey, n.state, n.attempts, n.lease]),
        [
          ['first', 'claimed', 1, { worker: 'w1', attempt: 1, claimedAt: T0 + 2, until: T0 + 2 + LEASE }],
          ['second', 'claimed', 1, { worker: 'w1', attempt: 1, claimedAt: T0 + 2, until: T0 + 2 + LEASE }],
        ],
      );
      assert.deepEqual(
        await store.claimNotifications({ worker: 'w2', at: T0 + 3, leaseMs: LEASE, tenant }),
        [],
        'held, and `late` not due',
      );
      const late = await store.claimNotifications({ worker: 'w2', at: T0 + 5, leaseMs: LEASE, tenant });
      assert.deepEqual(
        late.map((n) => n.idempotencyKey),
        ['late'],
      );
      // w1 hangs; its lease runs out; w2 takes its rows over.
      const taken = await store.claimNotifications({ worker: 'w2', at: T0 + 2 + LEASE, leaseMs: LEASE, tenant });
      assert.deepEqual(
        taken.map((n) => [n.idempotencyKey, n.id, n.lease.worker, n.lease.attempt]),
        w1.map((n) => [n.idempotencyKey, n.id, 'w2', 2]),
      );
      const [first] = w1 as [ClaimedNotification];
      const stale = await store.completeNotification(
        tenant,
        first.id,
        { worker: 'w1', attempt: 1 },
        { outcome: 'delivered', at: T0 + 3 + LEASE },
      );
      assert.equal(stale.status, 'stale');
      assert.deepEqual(stale.status === 'stale' && stale.current.lease?.worker, 'w2');
      const done = await store.completeNotification(
        tenant,
        first.id,
        { worker: 'w2', attempt: 2 },
        { outcome: 'delivered', at: T0 + 4 + LEASE, response: { status: 204 } },
      );
      assert.equal(done.status, 'completed');
      const delivered = done.status === 'completed' ? done.notification : undefined;
      assert.deepEqual(
        [delivered?.state, delivered?.deliveredAt, delivered?.lease, delivered?.nextAttemptAt],
        ['delivered', T0 + 4 + LEASE, undefined, undefined],
      );
      assert.deepEqual(await store.listNotificationAttempts(tenant, first.id), [
        {
          notificationId: first.id,
          attempt: 1,
          worker: 'w1',
          startedAt: T0 + 2,
          finishedAt: T0 + 2 + LEASE,
          outcome: 'abandoned',
          error: 'the lease ran out before the attempt was completed',
        },
        {
          notificationId: first.id,
          attempt: 2,
          worker: 'w2',
          startedAt: T0 + 2 + LEASE,
          finishedAt: T0 + 4 + LEASE,
          outcome: 'delivered',
          response: { status: 204 },
        },
      ]);
      // Delivered: never claimed again; completing it again is stale.
      assert.deepEqual(
        (await store.claimNotifications({ worker: 'w3', at: T0 + 10 * LEASE, leaseMs: LEASE, tenant })).map((n) => n.idempotencyKey),
        ['late', 'second'],
        'only the rows whose leases ran out, oldest due first',
      );
      assert.equal(
        (await store.completeNotification(tenant, first.id, { worker: 'w2', attempt: 2 }, { outcome: 'delivered', at: T0 })).status,
        'stale',
      );
      assert.equal(
        (await store.completeNotification(tenant, 999_999_999, { worker: 'w2', attempt: 2 }, { outcome: 'delivered', at: T0 })).status,
        'not_found',
      );
    });

    test('a lease that ran out while nobody took the row over still completes', async () => {
      const store = ctx.store();
      const tenant = await newTenant(store);
      await store.applyAlertChanges(tenant, set(T0, { notifications: [note('n')] }));
      const [n] = (await store.claimNotifications({ worker: 'w1', at: T0, leaseMs: LEASE, tenant })) as [ClaimedNotification];
      const r = await store.completeNotification(tenant, n.id, { worker: 'w1', attempt: 1 }, { outcome: 'delivered', at: T0 + 5 * LEASE });
      assert.equal(r.status, 'completed');
      assert.deepEqual(await store.claimNotifications({ worker: 'w2', at: T0 + 6 * LEASE, leaseMs: LEASE, tenant }), []);
    });

    test('retry, failed and dead; the attempt log; a replay is a new attempt with the same key', async () => {
      const store = ctx.store();
      const tenant = await newTenant(store);
      const { notifications } = await store.applyAlertChanges(tenant, set(T0, { notifications: [note('n'), note('refused')] }));
      const id = notifications[0]!.id;
      const claim = async (at: number) => store.claimNotifications({ worker: 'w', at, leaseMs: LEASE, tenant, limit: 1 });
      const complete = (n: StoredNotification, c: Parameters<Store['completeNotification']>[3]) =>
        store.completeNotification(tenant, n.id, { worker: 'w', attempt: n.attempts }, c);

      let [n] = (await claim(T0)) as [ClaimedNotification];
      assert.equal(n.id, id);
      const retry = await complete(n, { outcome: 'retry', at: T0 + 1, retryAt: T0 + 100, error: 'HTTP 503', response: { status: 503 } });
      assert.equal(retry.status, 'completed');
      const pending = retry.status === 'completed' ? retry.notification : undefined;
      assert.deepEqual(
        [pending?.state, pending?.nextAttemptAt, pending?.lastError, pending?.attempts],
        ['pending', T0 + 100, 'HTTP 503', 1],
      );
      assert.equal((await claim(T0 + 50)).length, 1, 'the other one');
      const [refused] = (await store.claimNotifications({ worker: 'w', at: T0 + 50, leaseMs: LEASE, tenant })) as ClaimedNotification[];
      assert.equal(refused, undefined, 'both are held or not due');
      [n] = (await claim(T0 + 100)) as [ClaimedNotification];
      assert.deepEqual([n.id, n.attempts], [id, 2]);
      assert.equal((await complete(n, { outcome: 'dead', at: T0 + 101, error: 'gave up' })).status, 'completed');
      assert.deepEqual(await claim(T0 + 10 * LEASE).then((c) => c.map((x) => x.idempotencyKey)), ['refused']);
      const failed = (await store.getNotificationByKey(tenant, 'refused'))!;
      assert.equal(
        (await store.completeNotification(tenant, failed.id, { worker: 'w', attempt: 2 }, { outcome: 'failed', at: T0, error: 'HTTP 400' }))
          .status,
        'completed',
      );
      assert.deepEqual(
        [(await store.getNotification(tenant, failed.id))?.state, (await store.getNotification(tenant, id))?.state],
        ['failed', 'dead'],
      );
      assert.deepEqual(await claim(T0 + 100 * LEASE), [], 'final rows are not claimed');

      // Replayed: pending again, the same key; the attempts go on counting.
      const replay = await store.replayNotification(
        tenant,
        id,
        { at: T0 + 200, by: 'ann' },
        audit('notification.replay', `notification:${id}`),
      );
      assert.equal(replay.status, 'replayed');
      const again = replay.status === 'replayed' ? replay.notification : undefined;
      assert.deepEqual([again?.state, again?.idempotencyKey, again?.nextAttemptAt, again?.attempts], ['pending', 'n', T0 + 200, 2]);
      assert.equal(
        (await store.replayNotification(tenant, id, { at: T0 + 201, by: 'ann' }, audit('notification.replay', 'x'))).status,
        'conflict',
      );
      [n] = (await claim(T0 + 200)) as [ClaimedNotification];
      assert.deepEqual([n.idempotencyKey, n.attempts], ['n', 3]);
      assert.equal((await store.replayNotification(tenant, id, { at: T0 + 201, by: 'ann' })).status, 'conflict', 'claimed: not replayed');
      assert.equal((await complete(n, { outcome: 'delivered', at: T0 + 202 })).status, 'completed');
      // A delivered one replayed (the delivery log's "send again").
      assert.equal((await store.replayNotification(tenant, id, { at: T0 + 300, by: 'ann' })).status, 'replayed');
      [n] = (await claim(T0 + 300)) as [ClaimedNotification];
      assert.deepEqual([n.idempotencyKey, n.attempts, n.deliveredAt], ['n', 4, T0 + 202]);
      assert.deepEqual(
        (await store.listNotificationAttempts(tenant, id)).map((a) => [a.attempt, a.outcome, a.error]),
        [
          [1, 'retry', 'HTTP 503'],
          [2, 'dead', 'gave up'],
          [3, 'delivered', undefined],
        ],
      );
      assert.deepEqual(
        (await store.listAudit(tenant)).items.map((e) => e.action),
        ['notification.replay'],
        'refused replays write no audit entry',
      );
      assert.deepEqual(await store.replayNotification(tenant, 999_999_999, { at: T0, by: 'ann' }), { status: 'not_found' });
      assert.deepEqual(
        (await store.listNotifications(tenant, { state: ['failed', 'claimed'] })).items.map((x) => x.idempotencyKey),
        ['n', 'refused'],
      );
      // A completion with a worker name or attempt that is not the current claim's.
      assert.equal(
        (await store.completeNotification(tenant, id, { worker: 'w', attempt: 3 }, { outcome: 'delivered', at: T0 })).status,
        'stale',
      );
      assert.equal(
        (await store.completeNotification(tenant, id, { worker: 'x', attempt: 4 }, { outcome: 'delivered', at: T0 })).status,
        'stale',
      );
    });

    test('claims serve every tenant (each row names its own), or one; other calls stay within their tenant', async () => {
      const config = await ctx.freshConfig();
      const own = await ctx.open(config);
      const a = await newTenant(own);
      const b = await newTenant(own);
      await own.applyAlertChanges(
        a,
        set(T0, { notifications: [note('same-key')], timers: { schedule: [{ key: 'tm', fireAt: T0, payload: 1 }] } }),
      );
      await own.applyAlertChanges(
        b,
        set(T0 + 1, { notifications: [note('same-key')], timers: { schedule: [{ key: 'tm', fireAt: T0 + 1, payload: 2 }] } }),
      );
      const onlyB = await own.claimNotifications({ worker: 'w', at: T0 + 5, leaseMs: LEASE, tenant: b });
      assert.deepEqual(
        onlyB.map((n) => n.tenant),
        [b],
      );
      const all = await own.claimNotifications({ worker: 'w', at: T0 + 5 + LEASE, leaseMs: LEASE });
      assert.deepEqual(
        all.map((n) => [n.tenant, n.idempotencyKey]),
        [
          [a, 'same-key'],
          [b, 'same-key'],
        ],
      );
      const timers = await own.claimTimers({ worker: 'w', at: T0 + 5, leaseMs: LEASE });
      assert.deepEqual(
        timers.map((t) => [t.tenant, t.key, t.payload]),
        [
          [a, 'tm', 1],
          [b, 'tm', 2],
        ],
      );
      const [na] = all as [ClaimedNotification];
      assert.equal(await own.getNotification(b, na.id), undefined);
      assert.equal(
        (await own.completeNotification(b, na.id, { worker: 'w', attempt: na.attempts }, { outcome: 'delivered', at: T0 })).status,
        'not_found',
      );
      assert.equal((await own.replayNotification(b, na.id, { at: T0, by: 'x' })).status, 'not_found');
      assert.deepEqual(await own.listNotificationAttempts(b, na.id), []);
      assert.equal(await own.completeTimer(a, 'tm', { worker: 'w', revision: timers[1]!.revision + 100 }), 'stale');
      assert.equal(await own.completeTimer(a, 'tm', { worker: 'w', revision: timers[0]!.revision }), 'completed');
      assert.ok(await own.getTimer(b, 'tm'), "a's timer done, b's still there");
    });

    test('two stores claiming at once never get the same notification or timer, and between them get every one', async () => {
      const config = await ctx.freshConfig();
      const s1 = await ctx.open(config);
      const s2 = await ctx.open(config);
      const tenant = await newTenant(s1);
      const count = 120;
      await s1.applyAlertChanges(tenant, {
        at: T0,
        by: 'pledge',
        notifications: Array.from({ length: count }, (_, i) => note(`n-${i}`, { notBefore: T0 + (i % 7) })),
        timers: { schedule: Array.from({ length: count }, (_, i) => ({ key: `t-${i}`, fireAt: T0 + (i % 5), payload: i })) },
      });
      const seen = { n: new Map<number, string>(), t: new Map<string, string>() };
      for (let round = 0; round < 200; round++) {
        const at = T0 + 10 + round;
        const [n1, n2, t1, t2] = await Promise.all([
          s1.claimNotifications({ worker: 'one', at, leaseMs: 10 * 60 * MIN, limit: 4 }),
          s2.claimNotifications({ worker: 'two', at, leaseMs: 10 * 60 * MIN, limit: 3 }),
          s1.claimTimers({ worker: 'one', at, leaseMs: 10 * 60 * MIN, limit: 4 }),
          s2.claimTimers({ worker: 'two', at, leaseMs: 10 * 60 * MIN, limit: 3 }),
        ]);
        for (const n of [...n1, ...n2]) {
          assert.equal(seen.n.get(n.id), undefined, `notification ${n.idempotencyKey} claimed twice`);
          seen.n.set(n.id, n.lease.worker);
        }
        for (const t of [...t1, ...t2]) {
          assert.equal(seen.t.get(t.key), undefined, `timer ${t.key} claimed twice`);
          seen.t.set(t.key, t.lease.worker);
        }
        if (n1.length + n2.length + t1.length + t2.length === 0) break;
      }
      assert.equal(seen.n.size, count);
      assert.equal(seen.t.size, count);
      assert.ok(new Set(seen.n.values()).size === 2 && new Set(seen.t.values()).size === 2, 'both stores claimed some');
    });
  });

  describe('derived results with their alerts', () => {
    const clock = (ticket: string, v: string) => ({
      agreementId: 'gold',
      target: 'resolve',
      ticket,
      cycle: 0,
      value: { v },
      updatedAt: T0,
    });
    const alerts = (key: string): AlertChangeSet =>
      set(T0, {
        alerts: [open(key, `al-${key}`, { notify: [note(`${key}:fired`)] })],
        timers: { schedule: [{ key: `tm-${key}`, fireAt: T0 + MIN, payload: {} }] },
      });

    test('replaceDerived writes the alerts, their notifications and timers with the results; refused as stale it writes none of them', async () => {
      const store = ctx.store();
      const tenant = await newTenant(store);
      const r = await store.replaceDerived(tenant, { generation: 0, watermark: 5, clocks: [clock('T-1', 'a')], alerts: alerts('k1') });
      assert.equal(r.status, 'replaced');
      assert.deepEqual(r.status === 'replaced' && r.alerts?.alerts.map((o) => o.status), ['opened']);
      assert.equal(r.status === 'replaced' && r.alerts?.notified, 1);
      assert.equal((await store.getAlert(tenant, 'al-k1'))?.state, 'firing');
      assert.ok(await store.getNotificationByKey(tenant, 'k1:fired'));
      assert.ok(await store.getTimer(tenant, 'tm-k1'));

      // Computed from a watermark that moved on.
      const byWatermark = await store.replaceDerived(tenant, {
        generation: 0,
        from: 3,
        watermark: 9,
        clocks: [clock('T-2', 'b')],
        alerts: alerts('k2'),
      });
      assert.deepEqual(byWatermark, { status: 'stale', watermark: 5, generation: 0 });
      // Computed from inputs that changed since (a calendar stored meanwhile).
      await store.putCalendar(tenant, { name: 'office', format: 'yaml', source: 'timezone: UTC', at: T0, by: 'ann' });
      const byGeneration = await store.replaceDerived(tenant, {
        generation: 0,
        watermark: 9,
        clocks: [clock('T-2', 'b')],
        alerts: alerts('k3'),
      });
      assert.deepEqual(byGeneration, { status: 'stale', watermark: 0, generation: 1 });
      for (const key of ['k2', 'k3']) {
        assert.equal(await store.getAlert(tenant, `al-${key}`), undefined);
        assert.equal(await store.getNotificationByKey(tenant, `${key}:fired`), undefined);
        assert.equal(await store.getTimer(tenant, `tm-${key}`), undefined);
      }
      assert.deepEqual(
        (await store.listClocks(tenant)).items.map((c) => c.ticket),
        ['T-1'],
      );
      // Without alerts, the answer is as before.
      assert.deepEqual(await store.replaceDerived(tenant, { generation: 1, watermark: 1 }), { status: 'replaced' });
    });

    test('a failure in the alerts of a replacement writes no results either', async () => {
      const store = ctx.store();
      const tenant = await newTenant(store);
      await store.replaceDerived(tenant, { generation: 0, watermark: 5, clocks: [clock('T-1', 'a')] });
      await assert.rejects(
        store.replaceDerived(tenant, {
          generation: 0,
          from: 5,
          watermark: 7,
          everything: true,
          clocks: [clock('T-9', 'new')],
          alerts: set(T0, { alerts: [open('k1', 'al-1')], notifications: [note('bad', { channelId: '' })] }),
        }),
        dataError('invalid'),
      );
      assert.deepEqual(
        (await store.listClocks(tenant)).items.map((c) => `${c.ticket}=${JSON.stringify(c.value)}`),
        ['T-1={"v":"a"}'],
      );
      assert.equal(await store.getDerivedWatermark(tenant), 5);
      assert.equal(await store.getAlert(tenant, 'al-1'), undefined);
    });
  });

  describe('channels', () => {
    test('stored with ETags, disabled with a reason and enabled again, deleted; each change audited', async () => {
      const store = ctx.store();
      const tenant = await newTenant(store);
      const input = {
        id: 'ops-hook',
        kind: 'webhook',
        config: { url: 'https://example.com/hook', secret: { enc: 'v1:abc' } },
        at: T0,
        by: 'ann',
      };
      const created = await store.putChannel(tenant, input, null, audit('channel.create', 'channel:ops-hook'));
      assert.equal(created.status, 'created');
      const c1 = created.status === 'created' ? created.channel : undefined;
      assert.deepEqual(
        { ...c1, etag: undefined },
        {
          id: 'ops-hook',
          kind: 'webhook',
          config: input.config,
          enabled: true,
          etag: undefined,
          createdAt: T0,
          createdBy: 'ann',
          updatedAt: T0,
          updatedBy: 'ann',
        },
      );
      assert.equal((await store.putChannel(tenant, input, null)).status, 'stale', 'create-only: exists');
      assert.equal(
        (await store.putChannel(tenant, { ...input, id: 'other' }, '"1.x"')).status,
        'stale',
        'an ETag for a channel that does not exist',
      );
      const updated = await store.putChannel(
        tenant,
        { ...input, config: { url: 'https://example.com/v2' }, at: T0 + 1, by: 'bob' },
        c1!.etag,
      );
      assert.equal(updated.status, 'updated');
      assert.equal((await store.putChannel(tenant, { ...input, at: T0 + 2 }, c1!.etag)).status, 'stale', 'an old ETag');

      const disabled = await store.setChannelEnabled(
        tenant,
        'ops-hook',
        { enabled: false, reason: 'the endpoint answered 410 Gone', at: T0 + 3, by: 'worker' },
        audit('channel.disable', 'channel:ops-hook'),
      );
      assert.equal(disabled.status, 'changed');
      const d = disabled.status === 'changed' ? disabled.channel : undefined;
      assert.deepEqual([d?.enabled, d?.disabledAt, d?.disabledReason], [false, T0 + 3, 'the endpoint answered 410 Gone']);
      assert.notEqual(d?.etag, updated.status === 'updated' && updated.channel.etag);
      assert.equal(
        (await store.setChannelEnabled(tenant, 'ops-hook', { enabled: false, reason: 'again', at: T0 + 4, by: 'w' })).status,
        'unchanged',
      );
      // A new configuration does not enable it.
      const reconfigured = await store.putChannel(tenant, { ...input, at: T0 + 5 });
      assert.equal(reconfigured.status === 'updated' && reconfigured.channel.enabled, false);
      const enabled = await store.setChannelEnabled(
        tenant,
        'ops-hook',
        { enabled: true, at: T0 + 6, by: 'ann' },
        audit('channel.enable', 'channel:ops-hook'),
      );
      assert.deepEqual(
        enabled.status === 'changed' && [enabled.channel.enabled, enabled.channel.disabledAt, enabled.channel.disabledReason],
        [true, undefined, undefined],
      );
      assert.deepEqual(await store.setChannelEnabled(tenant, 'nope', { enabled: false, at: T0, by: 'ann' }), { status: 'not_found' });

      await store.putChannel(tenant, { ...input, id: 'mail', kind: 'email', config: { to: ['ops@example.com'] } });
      assert.deepEqual(
        (await store.listChannels(tenant)).map((c) => c.id),
        ['mail', 'ops-hook'],
      );
      assert.equal(await store.deleteChannel(tenant, 'ops-hook', '"1.0"'), 'stale');
      const current = (await store.getChannel(tenant, 'ops-hook'))!;
      assert.equal(await store.deleteChannel(tenant, 'ops-hook', current.etag, audit('channel.delete', 'channel:ops-hook')), 'deleted');
      assert.equal(await store.deleteChannel(tenant, 'ops-hook'), 'not_found');
      // Created again: the old ETag does not match the new channel.
      const recreated = await store.putChannel(tenant, { ...input, at: T0 + 7 });
      assert.equal(recreated.status, 'created');
      assert.notEqual(recreated.status === 'created' && recreated.channel.etag, c1!.etag);
      assert.deepEqual(
        (await store.listAudit(tenant)).items.map((e) => e.action),
        ['channel.create', 'channel.disable', 'channel.enable', 'channel.delete'],
      );
      assert.deepEqual(await store.listChannels(await newTenant(store)), []);
    });
  });

  describe('silences', () => {
    test('created once, listed when active at an instant, expired early; audited; an end before the start is refused', async () => {
      const store = ctx.store();
      const tenant = await newTenant(store);
      const s = (id: string, startsAt: number, endsAt: number) => ({
        id,
        matchers: [{ field: 'agreementId', equals: 'gold' }],
        startsAt,
        endsAt,
        createdAt: T0,
        createdBy: 'ann',
      });
      const created = await store.createSilence(
        tenant,
        { ...s('s1', T0, T0 + 60 * MIN), comment: 'maintenance' },
        audit('silence.create', 'silence:s1'),
      );
      assert.deepEqual(created, {
        status: 'created',
        value: { ...s('s1', T0, T0 + 60 * MIN), comment: 'maintenance' },
      });
      const again = await store.createSilence(tenant, s('s1', T0, T0 + 1), audit('silence.create', 'silence:s1'));
      assert.deepEqual(again, created.status === 'created' ? { status: 'exists', value: created.value } : undefined);
      await store.createSilence(tenant, s('s2', T0 + 30 * MIN, T0 + 90 * MIN));
      await store.createSilence(tenant, s('s3', T0 - 60 * MIN, T0));
      const active = async (at: number) =>
        (await allPages((after) => store.listSilences(tenant, { activeAt: at, limit: 1, ...(after ? { after } : {}) }))).map((x) => x.id);
      assert.deepEqual(await active(T0 - 1), ['s3']);
      assert.deepEqual(await active(T0), ['s1'], 'the end is exclusive, the start inclusive');
      assert.deepEqual(await active(T0 + 45 * MIN), ['s1', 's2']);
      assert.deepEqual(await active(T0 + 90 * MIN), []);
      assert.deepEqual(
        (await store.listSilences(tenant)).items.map((x) => x.id),
        ['s1', 's2', 's3'],
      );

      const expired = await store.expireSilence(tenant, 's1', { at: T0 + 40 * MIN, by: 'bob' }, audit('silence.expire', 'silence:s1'));
      assert.equal(expired.status, 'expired');
      assert.deepEqual(expired.status === 'expired' && [expired.silence.expiredAt, expired.silence.expiredBy, expired.silence.endsAt], [
        T0 + 40 * MIN,
        'bob',
        T0 + 60 * MIN,
      ]);
      assert.deepEqual(await active(T0 + 39 * MIN), ['s1', 's2'], 'history: active before it was expired');
      assert.deepEqual(await active(T0 + 45 * MIN), ['s2']);
      assert.equal(
        (await store.expireSilence(tenant, 's1', { at: T0 + 41 * MIN, by: 'bob' }, audit('silence.expire', 'silence:s1'))).status,
        'ended',
      );
      assert.equal((await store.expireSilence(tenant, 's3', { at: T0 + 41 * MIN, by: 'bob' })).status, 'ended', 'over already');
      assert.deepEqual(await store.expireSilence(tenant, 'nope', { at: T0, by: 'bob' }), { status: 'not_found' });
      // A silence that has not started yet can be expired too: it never becomes active.
      assert.equal((await store.expireSilence(tenant, 's2', { at: T0 + 10 * MIN, by: 'bob' })).status, 'expired');
      assert.deepEqual(await active(T0 + 45 * MIN), []);
      assert.deepEqual(
        (await store.listAudit(tenant)).items.map((e) => `${e.action} ${e.subject}`),
        ['silence.create silence:s1', 'silence.expire silence:s1'],
      );
      await assert.rejects(store.createSilence(tenant, s('bad', T0, T0)), dataError('invalid'));
      assert.equal(await store.getSilence(tenant, 'bad'), undefined);
      assert.equal(await store.getSilence(await newTenant(store), 's1'), undefined);
    });
  });

  describe('timers', () => {
    test('upserted by key, claimed when due under a lease, completed only by the current holder; rescheduling a fired timer keeps the new instant', async () => {
      const store = ctx.store();
      const tenant = await newTenant(store);
      const at = (m: number) => T0 + m * MIN;
      assert.equal(
        await store.scheduleTimers(tenant, [
          { key: 'T-1/75', fireAt: at(10), payload: { level: '75%' } },
          { key: 'T-1/90', fireAt: at(20), payload: { level: '90%' } },
          { key: 'T-2/75', fireAt: at(5), payload: { level: '75%' } },
        ]),
        3,
      );
      assert.equal(
        await store.scheduleTimers(tenant, [{ key: 'T-1/75', fireAt: at(10), payload: { level: '75%' } }]),
        0,
        'the same: nothing changes',
      );
      const t175 = (await store.getTimer(tenant, 'T-1/75'))!;
      assert.equal(
        await store.scheduleTimers(tenant, [{ key: 'T-1/75', fireAt: at(12), payload: { level: '75%' } }]),
        1,
        'paused: rescheduled',
      );
      assert.ok((await store.getTimer(tenant, 'T-1/75'))!.revision > t175.revision);
      const list = async (f: { dueBy?: number } = {}) =>
        (await allPages((after) => store.listTimers(tenant, { ...f, limit: 2, ...(after ? { after } : {}) }))).map(
          (t) => `${t.key}@${(t.fireAt - T0) / MIN}`,
        );
      assert.deepEqual(await list(), ['T-2/75@5', 'T-1/75@12', 'T-1/90@20']);
      assert.deepEqual(await list({ dueBy: at(12) }), ['T-2/75@5', 'T-1/75@12']);

      const claim = (worker: string, instant: number, limit = 1) =>
        store.claimTimers({ worker, at: instant, leaseMs: LEASE, tenant, limit });
      const [due] = await claim('w1', at(12));
      assert.deepEqual(
        [due?.key, due?.tenant, due?.payload, due?.lease],
        ['T-2/75', tenant, { level: '75%' }, { worker: 'w1', claimedAt: at(12), until: at(12) + LEASE }],
      );
      assert.deepEqual(
        (await claim('w1', at(12))).map((t) => t.key),
        ['T-1/75'],
      );
      assert.deepEqual(await claim('w2', at(12) + 1000, 10), [], 'held, and T-1/90 not due');
      // The leases run out; w2 takes both over; w1 is stale.
      const taken = await claim('w2', at(12) + LEASE, 10);
      assert.deepEqual(
        taken.map((t) => [t.key, t.lease.worker]),
        [
          ['T-1/75', 'w2'],
          ['T-2/75', 'w2'],
        ],
      );
      const over = taken[1]!;
      assert.equal(await store.completeTimer(tenant, 'T-2/75', { worker: 'w1', revision: due!.revision }), 'stale');
      assert.equal(await store.completeTimer(tenant, 'T-2/75', { worker: 'w2', revision: over.revision }), 'completed');
      assert.equal(await store.getTimer(tenant, 'T-2/75'), undefined, 'done: deleted');
      assert.equal(await store.completeTimer(tenant, 'T-2/75', { worker: 'w2', revision: over.revision }), 'not_found');

      // Rescheduled while being fired (a late event moved the instant): the holder cannot delete it.
      const fired = await claim('w1', at(20), 10);
      assert.deepEqual(
        fired.map((t) => t.key),
        ['T-1/75', 'T-1/90'],
        'the lapsed one first',
      );
      assert.equal(await store.scheduleTimers(tenant, [{ key: 'T-1/90', fireAt: at(30), payload: { level: '90%' } }]), 1);
      assert.equal(await store.completeTimer(tenant, 'T-1/90', { worker: 'w1', revision: fired[1]!.revision }), 'stale');
      const rescheduled = (await store.getTimer(tenant, 'T-1/90'))!;
      assert.deepEqual([rescheduled.fireAt, rescheduled.lease], [at(30), undefined]);
      // Completed with a next instant: "breached for N" repeats.
      assert.equal(
        await store.completeTimer(
          tenant,
          'T-1/75',
          { worker: 'w1', revision: fired[0]!.revision },
          { fireAt: at(60), payload: { level: 'breached+1h' } },
        ),
        'completed',
      );
      assert.deepEqual(await list(), ['T-1/90@30', 'T-1/75@60']);
      assert.deepEqual((await store.getTimer(tenant, 'T-1/75'))?.payload, { level: 'breached+1h' });
      assert.equal(await store.cancelTimers(tenant, ['T-1/90', 'T-1/75', 'nope']), 2);
      assert.deepEqual(await list(), []);
      assert.equal(await store.cancelTimers(tenant, []), 0);
    });

    test('a claim names its worker and a positive lease: anything else is a bug', async () => {
      const store = ctx.store();
      await assert.rejects(store.claimTimers({ worker: '', at: T0, leaseMs: LEASE }), /worker/);
      await assert.rejects(store.claimNotifications({ worker: 'w', at: T0, leaseMs: 0 }), /leaseMs/);
    });
  });
}
