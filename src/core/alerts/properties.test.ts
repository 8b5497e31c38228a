/**
 * Properties of the evaluation step over random histories: random conditions holding or not for
 * two subjects (warnings, a breach that may be one-off, a reminder, a customer notice), silences
 * coming and going, people acknowledging and resolving, every step applied as a store would.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { acknowledgeAlert, evaluateAlerts, resolveAlert } from './evaluate.ts';
import { recipientKey } from './keys.ts';
import {
  INHIBITED_BY_BREACH,
  type Alert,
  type AlertKind,
  type AlertSubject,
  type Condition,
  type Recipient,
  type Silence,
  type SubjectReport,
} from './types.ts';

const ops: Recipient = { audience: 'internal', who: 'Ops', medium: 'chat', destination: null };
const boss: Recipient = { audience: 'internal', who: 'Boss', medium: 'phone', destination: null };
const cust: Recipient = { audience: 'customer', who: 'C IT', medium: 'email', destination: null };

const LEVELS: Array<{ level: string; kind: AlertKind; recipients: Recipient[] }> = [
  { level: 'consumed-50', kind: 'warning', recipients: [ops] },
  { level: 'consumed-75', kind: 'warning', recipients: [ops, boss] },
  { level: 'breach', kind: 'breach', recipients: [boss] },
  { level: 'breached-2h', kind: 'overdue', recipients: [boss] },
  { level: 'notice-breach', kind: 'notice', recipients: [cust] },
];
const SUBJECTS: AlertSubject[] = [
  { kind: 'clock', agreement: 'a', target: 'response', source: '', ticket: 'T1', cycle: 1 },
  { kind: 'window', agreement: 'a', target: 'uptime', window: '2026-03', from: 0, to: 1e13 },
];

interface Step {
  holds: boolean[][]; // per subject, per level
  oneOff: boolean[]; // per subject: the breach is one-off (the clock stopped)
  silence: boolean;
  act: 'none' | 'ack' | 'resolve';
  pick: number;
}
const arbStep: fc.Arbitrary<Step> = fc.record({
  holds: fc.array(fc.array(fc.boolean(), { minLength: LEVELS.length, maxLength: LEVELS.length }), { minLength: 2, maxLength: 2 }),
  oneOff: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
  silence: fc.boolean(),
  act: fc.constantFrom('none' as const, 'none' as const, 'ack' as const, 'resolve' as const),
  pick: fc.nat(),
});

function reportsOf(s: Step): SubjectReport[] {
  return SUBJECTS.map((subject, si) => ({
    subject,
    levels: LEVELS.map((l, li) => {
      const oneOff = (l.kind === 'breach' && s.oneOff[si]) || l.kind === 'notice';
      const c: Condition | null = s.holds[si]![li]
        ? {
            level: l.level,
            kind: l.kind,
            severity: l.kind === 'breach' ? 'critical' : 'warning',
            audience: l.kind === 'notice' ? 'customer' : 'internal',
            escalation: null,
            recipients: l.recipients,
            summary: `${l.level} holds`,
            details: {},
            startsAt: 0,
            ongoing: !oneOff,
            ...(oneOff ? { endReason: 'over' } : {}),
          }
        : null;
      return { level: l.level, condition: c, reason: 'does not hold' };
    }),
  }));
}

const SILENCE: Silence = {
  id: 's',
  matchers: [{ field: 'kind', op: '=', values: ['breach'] }],
  startsAt: 0,
  endsAt: 1e15,
  createdBy: 'x',
  comment: '',
};

describe('evaluation properties', () => {
  test('exactly once, never inhibited breaches, inhibited warnings silent, audiences kept, deterministic', () => {
    fc.assert(
      fc.property(fc.array(arbStep, { minLength: 1, maxLength: 12 }), (steps) => {
        const store = new Map<string, Alert>();
        const firing = new Set<string>();
        let now = 1_000_000;
        for (const s of steps) {
          now += 60_000;
          // People act between evaluations.
          const actives = [...store.values()].filter((a) => a.state !== 'resolved' && a.audience === 'internal');
          if (s.act !== 'none' && actives.length > 0) {
            const a = actives[s.pick % actives.length]!;
            const r =
              s.act === 'ack'
                ? acknowledgeAlert(a, { by: 'ana', at: now - 1 })
                : resolveAlert(a, { by: 'ana', at: now - 1, why: 'handled' });
            assert.ok(r.ok);
            store.set(r.value.alert.id, r.value.alert);
            for (const n of r.value.notify) assert.ok(a.notified.includes(n.recipientKey), 'people actions notify only those told');
          }
          const input = { now, current: [...store.values()], reports: reportsOf(s), silences: s.silence ? [SILENCE] : [] };
          const r = evaluateAlerts(input);
          assert.deepEqual(evaluateAlerts(input), r, 'deterministic');
          for (const a of [...r.open, ...r.update, ...r.resolve]) store.set(a.id, a);

          for (const n of r.notify) {
            if (n.transition === 'firing') {
              assert.ok(!firing.has(n.key), 'a firing notification is sent once');
              firing.add(n.key);
            }
            assert.equal(n.recipient.audience, n.audience, 'an alert reaches only its own audience');
            const alert = store.get(n.alertId)!;
            assert.equal(alert.audience, n.audience);
            if (n.audience === 'customer') assert.equal(n.transition, 'firing', 'customers get the notice, nothing else');
          }
          const all = [...store.values()];
          const activeByKey = new Map<string, number>();
          for (const a of all) if (a.state !== 'resolved') activeByKey.set(a.dedupeKey, (activeByKey.get(a.dedupeKey) ?? 0) + 1);
          assert.ok(
            [...activeByKey.values()].every((n) => n === 1),
            'one active alert per dedupe key',
          );

          SUBJECTS.forEach((subject, si) => {
            const mine = all.filter((a) => a.subject.kind === subject.kind);
            const breach = mine.find((a) => a.kind === 'breach' && a.state !== 'resolved');
            for (const a of mine) if (a.kind === 'breach') assert.equal(a.inhibitedBy, null, 'a breach is never inhibited');
            if (breach) {
              for (const a of mine) {
                if (a.state === 'resolved' || !INHIBITED_BY_BREACH.has(a.kind)) continue;
                assert.equal(a.inhibitedBy, breach.id);
                assert.ok(!r.notify.some((n) => n.alertId === a.id && n.transition === 'firing'), 'an inhibited warning is not notified');
              }
            }
            // Inhibition never hides a breach: when it holds and nothing deliberate holds it back, everyone is told.
            const breachHolds = s.holds[si]![2]!;
            if (breachHolds && !s.silence) {
              const latest = mine.filter((a) => a.level === 'breach').sort((a, b) => b.occurrence - a.occurrence)[0];
              assert.ok(latest, 'a breach that holds has an alert');
              const byHand = latest.resolved !== null && latest.resolved.by !== 'pledge';
              if (!byHand && latest.acknowledged === null) assert.deepEqual(latest.notified, [recipientKey(boss)]);
            }
          });
        }
      }),
      { numRuns: 300 },
    );
  });
});
