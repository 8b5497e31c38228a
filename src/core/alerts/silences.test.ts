/** Silences: validation with paths, matching, force by instants. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { checkSilence, fieldOf, inForce, matches } from './silences.ts';
import type { Alert } from './types.ts';

const alert = (over: Partial<Alert> = {}): Pick<Alert, 'subject' | 'level' | 'kind' | 'severity' | 'audience'> => ({
  subject: { kind: 'clock', agreement: 'acme', target: 'response', source: 'zendesk', ticket: '1001', cycle: 1 },
  level: 'consumed-75',
  kind: 'warning',
  severity: 'warning',
  audience: 'internal',
  ...over,
});

describe('silences', () => {
  test('a valid silence, instants as ISO or epoch ms, values as a list or one string', () => {
    const r = checkSilence({
      id: 's1',
      matchers: [
        { field: 'agreement', op: '=', values: 'acme' },
        { field: 'severity', op: '!=', values: ['critical'] },
      ],
      startsAt: '2026-03-09T10:00:00+01:00',
      endsAt: Date.parse('2026-03-09T12:00:00+01:00'),
      createdBy: 'ana',
    });
    assert.ok(r.ok);
    assert.deepEqual(r.value.matchers[0], { field: 'agreement', op: '=', values: ['acme'] });
    assert.equal(r.value.comment, '');
    assert.equal(matches(r.value, alert()), true);
    assert.equal(matches(r.value, alert({ severity: 'critical' })), false);
    assert.equal(
      matches(r.value, alert({ subject: { kind: 'window', agreement: 'other', target: 'up', window: '2026-03', from: 0, to: 1 } })),
      false,
    );
    assert.equal(inForce(r.value, Date.parse('2026-03-09T10:00:00+01:00')), true);
    assert.equal(inForce(r.value, Date.parse('2026-03-09T12:00:00+01:00')), false, 'endsAt is exclusive');
  });

  test('bad input: every problem at its path, nothing thrown', () => {
    const r = checkSilence({
      id: '',
      matchers: [{ field: 'agrement', op: '~', values: [] }, 'x'],
      startsAt: '2026-03-09T10:00',
      endsAt: 5,
      createdBy: 'ana',
      extra: 1,
    });
    assert.equal(r.ok, false);
    const paths = r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
    assert.deepEqual(paths, [
      'extra: unknown field',
      'id: expected an id',
      'startsAt: not an ISO 8601 date-time with offset (the offset is missing: add Z or +01:00)',
      'matchers[0].field: unknown field; did you mean "agreement"?',
      'matchers[0].op: unknown operator',
      'matchers[0].values: expected the values to compare with',
      'matchers[1]: expected a matcher',
    ]);
    const long = checkSilence({
      id: 's',
      matchers: [{ field: 'level', op: '=', values: ['breach'] }],
      startsAt: 0,
      endsAt: 400 * 86_400_000,
      createdBy: 'a',
    });
    assert.deepEqual(long.ok ? [] : long.issues.map((i) => i.path), ['endsAt']);
    assert.equal(
      checkSilence({ id: 's', matchers: [], startsAt: 0, endsAt: 1, createdBy: 'a' }).ok,
      false,
      'a silence of everything is refused',
    );
    assert.equal(checkSilence(null).ok, false);
    assert.equal(checkSilence([]).ok, false);
  });

  test('fields an alert does not have read as empty', () => {
    const w = alert({ subject: { kind: 'notice', agreement: 'acme', notice: 'maintenance', ref: 'w1' } });
    assert.deepEqual(
      (['agreement', 'target', 'ticket', 'source', 'window'] as const).map((f) => fieldOf(w, f)),
      ['acme', '', '', '', ''],
    );
  });
});
