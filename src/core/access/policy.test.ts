import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTIONS, ROLES, authorize, grantsOf, type Principal } from './policy.ts';

const p = (role: Principal['role'], extra: Partial<Principal> = {}): Principal => ({ tenant: 't1', role, actor: `${role}@t1`, ...extra });

test('every role against every action: the matrix', () => {
  const expected: Record<string, string[]> = {
    admin: [...ACTIONS],
    manager: [
      'agreements.read',
      'agreements.write',
      'agreements.transition',
      'agreements.backdate',
      'calendars.read',
      'calendars.write',
      'events.read',
      'tickets.read',
      'compliance.read',
      'settlements.read',
      'checks.read',
      'audit.read',
      'metrics.read',
      'alerts.read',
      'alerts.write',
      'channels.read',
      'channels.write',
    ],
    agent: [
      'agreements.read',
      'calendars.read',
      'events.write',
      'events.read',
      'tickets.read',
      'compliance.read',
      'settlements.read',
      'checks.read',
      'metrics.read',
      'alerts.read',
      'alerts.write',
    ],
    viewer: [
      'agreements.read',
      'calendars.read',
      'events.read',
      'tickets.read',
      'compliance.read',
      'settlements.read',
      'checks.read',
      'metrics.read',
      'alerts.read',
    ],
    auditor: [
      'agreements.read',
      'calendars.read',
      'events.read',
      'tickets.read',
      'compliance.read',
      'settlements.read',
      'checks.read',
      'audit.read',
      'metrics.read',
      'alerts.read',
      'channels.read',
    ],
    customer: ['agreements.read', 'tickets.read', 'compliance.read', 'settlements.read', 'alerts.read'],
  };
  for (const role of ROLES) {
    assert.deepEqual(grantsOf(role).sort(), [...expected[role]!].sort(), role);
    const principal = role === 'customer' ? p(role, { customer: 'acme' }) : p(role);
    for (const action of ACTIONS) {
      const d = authorize(principal, action, { tenant: 't1', customer: 'acme' });
      assert.equal(d.allowed, expected[role]!.includes(action), `${role} ${action}`);
      if (!d.allowed) assert.equal(d.code, 'forbidden');
    }
  }
});

test('another tenant is never visible, whatever the role', () => {
  for (const role of ROLES) {
    for (const action of ACTIONS) {
      const d = authorize(p(role, { customer: 'acme' }), action, { tenant: 't2', customer: 'acme' });
      assert.deepEqual(d, { allowed: false, code: 'not_found', reason: 'no such resource in this tenant' });
    }
  }
});

test("a customer sees only its own resources, and another customer's do not exist for it", () => {
  const acme = p('customer', { customer: 'acme' });
  assert.equal(authorize(acme, 'agreements.read', { tenant: 't1', customer: 'acme' }).allowed, true);
  assert.deepEqual(authorize(acme, 'agreements.read', { tenant: 't1', customer: 'globex' }), {
    allowed: false,
    code: 'not_found',
    reason: 'no such resource for this customer',
  });
  assert.equal(authorize(acme, 'agreements.read', { tenant: 't1' }).allowed, false); // an OLA or UC: internal
  assert.equal(authorize(p('customer'), 'agreements.read', { tenant: 't1', customer: 'acme' }).allowed, false);
});
