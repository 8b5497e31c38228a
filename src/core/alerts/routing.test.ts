/**
 * Escalation routing from agreements read by the real loader: the corporate example's matrix, the
 * form docs/agreements.md shows, defaults, merging, audiences.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { agreementFromText } from '../agreements/load.ts';
import type { AgreementSpec } from '../agreements/schema.ts';
import { unwrap } from '../validation/issues.ts';
import { routesOf } from './routing.ts';
import type { Recipient, RoutedLevel } from './types.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const load = (text: string): AgreementSpec => unwrap(agreementFromText(text, 'a.yaml')).spec;
const HEAD = `id: a\nname: A\nkind: sla\nparties:\n  provider: { id: p, name: P, contacts: [{ name: Duty Manager, email: duty@p.example }] }\n  customer: { id: c, name: C, contacts: [{ name: C IT, email: it@c.example }] }\n`;
const TARGETS = `targets:\n  - { id: response, metric: response_time, value: 90, clock: { duration: 1h } }\n  - { id: uptime, metric: availability, value: 99.9 }\n`;

const r = (x: Recipient) => `${x.who}/${x.medium ?? x.destination}`;
const levels = <R>(ls: RoutedLevel<R>[]) => ls.map((l) => [l.level.id, l.escalation, l.recipients.map(r).join(' ')]);

describe('routes from the escalation matrix', () => {
  test('the corporate example: clock levels per step; window levels of a time target to the first step', () => {
    const spec = load(readFileSync(`${root}examples/agreements/corporate.yaml`, 'utf8'));
    const routes = routesOf(spec);
    assert.deepEqual(levels(routes.targets.response!.clock), [
      ['consumed-75', 1, 'Shift lead/chat'],
      ['left-30m', 2, 'Duty manager/sms Duty manager/email'],
      ['breach', 3, 'Head of operations/phone'],
    ]);
    assert.deepEqual(
      routes.targets.response!.window.map((l) => l.level.id),
      ['budget-50', 'budget-75', 'budget-90', 'burn-fast', 'burn-slow', 'exhaustion', 'projection', 'breach'],
    );
    assert.ok(routes.targets.response!.window.every((l) => l.escalation === 1 && l.recipients.map(r).join() === 'Shift lead/chat'));
    // A satisfaction target is a window target: the matrix gives its levels, what it cannot say goes to level 1.
    assert.deepEqual(levels(routes.targets.csat!.window), [
      ['budget-75', 1, 'Shift lead/chat'],
      ['exhaustion-within-30m', 2, 'Duty manager/sms Duty manager/email'],
      ['breach', 3, 'Head of operations/phone'],
      ['burn-fast', 1, 'Shift lead/chat'],
      ['burn-slow', 1, 'Shift lead/chat'],
      ['exhaustion', 1, 'Shift lead/chat'],
      ['projection', 1, 'Shift lead/chat'],
    ]);
    assert.deepEqual(routes.targets.csat!.clock, []);
    assert.deepEqual(routes.targets.response!.breachNotice, []);
  });

  test('the form docs/agreements.md shows validates and routes', () => {
    const doc = readFileSync(`${root}docs/agreements.md`, 'utf8');
    const block = /## Escalation and customer notices[\s\S]*?```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(block, 'the docs show a support block');
    const spec = load(`${HEAD}targets:\n  - { id: uptime, metric: availability, value: 99.9 }\n${block}`);
    const routes = routesOf(spec);
    assert.deepEqual(routes.targets.uptime!.breachNotice.map(r), ['Globex IT/email']);
    assert.deepEqual(routes.notices.maintenance.map(r), ['Globex IT/globex-status-page']);
    assert.deepEqual(routes.targets.uptime!.window[0]?.recipients.map(r), ['Shift lead/chat', 'Shift lead/ops-slack']);
  });

  test('steps at the same level merge, targets narrow, a breach is always routed, contacts are found', () => {
    const spec = load(
      `${HEAD}${TARGETS}support:\n  escalation:\n` +
        `    - { level: 1, who: Desk, how: [chat], when: { consumed: 0.5 }, targets: [response] }\n` +
        `    - { level: 2, who: duty manager, how: [email], when: { consumed: 0.5 } }\n` +
        `    - { level: 4, who: CTO, how: [phone], when: { afterBreach: 2h }, targets: [uptime] }\n`,
    );
    const routes = routesOf(spec);
    assert.deepEqual(levels(routes.targets.response!.clock), [
      ['consumed-50', 2, 'Desk/chat duty manager/email'],
      ['breach', 1, 'Desk/chat'],
    ]);
    assert.equal(routes.targets.response!.clock[0]?.recipients[1]?.contact?.email, 'duty@p.example', 'names match case-insensitively');
    assert.deepEqual(levels(routes.targets.uptime!.window).slice(0, 2), [
      ['budget-50', 2, 'duty manager/email'],
      ['breached-2h', 4, 'CTO/phone'],
    ]);
    assert.ok(routes.targets.uptime!.window.some((l) => l.level.id === 'breach' && l.escalation === 2));
  });

  test('without a matrix: the defaults, to the default destination (or the recipients given)', () => {
    const routes = routesOf(load(`${HEAD}${TARGETS}`), {
      defaultRecipients: [
        { audience: 'internal', who: 'NOC', medium: null, destination: 'noc-webhook' },
        { audience: 'customer', who: 'C IT', medium: 'email', destination: null },
      ],
    });
    assert.deepEqual(levels(routes.targets.response!.clock), [
      ['consumed-50', null, 'NOC/noc-webhook'],
      ['consumed-75', null, 'NOC/noc-webhook'],
      ['consumed-90', null, 'NOC/noc-webhook'],
      ['breach', null, 'NOC/noc-webhook'],
    ]);
    assert.deepEqual(routes.issues, [{ path: 'defaultRecipients', message: 'default recipient "C IT" is not internal: dropped' }]);
  });

  test('audiences: a destination configured for the other audience is dropped and reported', () => {
    const spec = load(
      `${HEAD}${TARGETS}support:\n  escalation:\n    - { level: 1, who: Desk, how: [chat], to: [c-portal, ops], when: { atBreach: true } }\n` +
        `  notices:\n    - { notice: breach, who: C IT, how: [email], to: [ops, c-portal] }\n`,
    );
    const routes = routesOf(spec, {
      destinationAudience: (id) => (id === 'c-portal' ? 'customer' : id === 'ops' ? 'internal' : undefined),
    });
    assert.deepEqual(routes.targets.response!.clock.at(-1)?.recipients.map(r), ['Desk/chat', 'Desk/ops']);
    assert.deepEqual(routes.targets.response!.breachNotice.map(r), ['C IT/email', 'C IT/c-portal']);
    assert.equal(routes.targets.response!.breachNotice[0]?.contact?.email, 'it@c.example', 'customer contacts for customer notices');
    assert.deepEqual(
      routes.issues.map((i) => i.path),
      ['support.escalation[0].to[0]', 'support.notices[0].to[0]'],
    );
  });
});

describe('routing properties', () => {
  const arbStep = fc.record({
    level: fc.integer({ min: 1, max: 5 }),
    who: fc.constantFrom('Desk', 'Duty Manager', 'C IT', 'CTO'),
    how: fc.subarray(['email', 'chat', 'sms', 'phone', 'webhook', 'pager'] as const),
    to: fc.subarray(['ops', 'c-portal', 'noc']),
    when: fc.oneof(
      fc.integer({ min: 1, max: 100 }).map((n) => ({ consumed: n / 100 })),
      fc.constantFrom({ beforeBreach: '30m' }, { atBreach: true as const }, { afterBreach: '2h' }),
    ),
    targets: fc.option(fc.subarray(['response', 'uptime'], { minLength: 1 }), { nil: undefined }),
  });
  const arbNotice = fc.record({
    notice: fc.constantFrom('breach' as const, 'credit_owed' as const, 'maintenance' as const),
    who: fc.constantFrom('C IT', 'Duty Manager'),
    how: fc.subarray(['email', 'webhook'] as const, { minLength: 1 }),
    to: fc.subarray(['ops', 'c-portal']),
  });

  test('internal levels reach only internal recipients, notices only customer ones, and every target has a breach level', () => {
    fc.assert(
      fc.property(fc.array(arbStep, { maxLength: 6 }), fc.array(arbNotice, { maxLength: 3 }), (steps, notices) => {
        const base = load(`${HEAD}${TARGETS}`);
        const keep = steps.filter((s) => s.how.length > 0 || s.to.length > 0);
        const spec: AgreementSpec = {
          ...base,
          support: {
            contactPoints: [],
            channels: [],
            priorities: [],
            escalation: keep.map((s) => ({ ...s, how: [...s.how], ...(s.to.length ? { to: s.to } : {}) })),
            notices: notices.map((n) => ({ ...n, how: [...n.how], ...(n.to.length ? { to: n.to } : {}) })),
          },
        };
        const routes = routesOf(spec, { destinationAudience: (id) => (id === 'c-portal' ? 'customer' : 'internal') });
        for (const t of Object.values(routes.targets)) {
          for (const l of [...t.clock, ...t.window]) for (const x of l.recipients) assert.equal(x.audience, 'internal');
          for (const x of t.breachNotice) assert.equal(x.audience, 'customer');
          for (const l of [...t.clock, ...t.window]) assert.ok(l.recipients.every((x) => x.destination !== 'c-portal'));
          assert.ok(t.breachNotice.every((x) => x.destination !== 'ops'));
          assert.ok(t.window.some((l) => l.level.rule.kind === 'breach'));
          if (t.target === 'response') assert.ok(t.clock.some((l) => l.level.rule.kind === 'at_breach'));
        }
        for (const x of [...routes.notices.credit_owed, ...routes.notices.maintenance]) assert.equal(x.audience, 'customer');
      }),
      { numRuns: 300 },
    );
  });
});
