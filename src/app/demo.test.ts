import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDemo } from './demo.ts';

test('the demo runs on the example files and gives the same figures every time', () => {
  let text = '';
  const a = runDemo({ json: false, out: (s) => (text += s) });
  const b = runDemo({ json: true, out: () => {} });
  assert.deepEqual(a, b);
  assert.deepEqual(a.dueExample, { start: '2026-03-27T16:00:00+01:00', duration: '4h', due: '2026-03-30T12:00:00+02:00' });
  // Q4 2026 in the Berlin office: 66 weekdays; Tuesdays have a lunch break; 24 and 31 Dec close at 12:00; 25 Dec is a holiday.
  assert.equal(a.q4WorkingHours, 497);
  assert.deepEqual(a.availability, {
    percent: ((2_678_400 - 9_000 - 10_200) / (2_678_400 - 9_000)) * 100,
    downtimeSeconds: 10_200,
    excludedSeconds: 9_000,
    budgetState: 'breached',
  });
  const compliance = a.compliance as Array<{ label: string; state: string }>;
  assert.equal(compliance.length, 13);
  assert.ok(compliance.every((c) => ['met', 'at_risk', 'breached', 'no_data'].includes(c.state)));
  assert.match(text, /4\. A month of a service desk/);
  assert.match(text, /INC-318 +too short/);
});
