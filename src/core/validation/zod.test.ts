import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { validate } from './zod.ts';
import { formatIssue } from './issues.ts';
import { parseEvent } from '../events/parse.ts';

const messages = (schema: z.ZodType, value: unknown): string[] => {
  const r = validate(schema, value);
  assert.equal(r.ok, false, 'expected the value to be refused');
  return r.ok ? [] : r.issues.map(formatIssue);
};

// A union like the calendar's: "always", or a map whose fields are themselves unions.
const day = z.union([
  z.array(z.string().regex(/^\d\d:\d\d-\d\d:\d\d$/, 'expected a range HH:MM-HH:MM')),
  z.literal('closed'),
  z.literal('always'),
]);
const hours = z.union([z.literal('always'), z.strictObject({ mon: day.optional(), tue: day.optional() })]);
const holiday = z.union([
  z.string().regex(/^\d{4}-\d\d-\d\d$/, 'expected a date YYYY-MM-DD'),
  z.strictObject({ date: z.string(), name: z.string().optional() }),
  z.strictObject({ yearly: z.string(), observed: z.enum(['none', 'next_weekday']).optional() }),
]);
const doc = z.strictObject({ hours, holidays: z.array(holiday).optional() });

test('a union reports the alternative that took the value, at the inner field', () => {
  // The map alternative took the value; its field mon is wrong, not hours as a whole.
  assert.deepEqual(messages(doc, { hours: { mon: '09:00-17:00' } }), [
    'hours.mon: not an allowed value (expected a list, "closed" or "always", got "09:00-17:00")',
  ]);
  assert.deepEqual(messages(doc, { hours: { mon: ['09:00-17:00', 5] } }), ['hours.mon[1]: expected string (got 5)']);
  assert.deepEqual(messages(doc, { hours: { mon: ['9-17'] } }), ['hours.mon[0]: expected a range HH:MM-HH:MM (got "9-17")']);
  assert.deepEqual(messages(doc, { hours: 'always', holidays: [{ date: '2026-12-25', name: 5 }] }), [
    'holidays[0].name: expected string (got 5)',
  ]);
  assert.deepEqual(messages(doc, { hours: 'always', holidays: [{ yearly: '12-25', observed: 'sometimes' }] }), [
    'holidays[0].observed: not an allowed value (expected one of "none", "next_weekday", got "sometimes")',
  ]);
  // A string alternative that took a string reports its own check, not "expected an object".
  assert.deepEqual(messages(doc, { hours: 'always', holidays: ['25.12.2026'] }), [
    'holidays[0]: expected a date YYYY-MM-DD (got "25.12.2026")',
  ]);
});

test('a value of a type no alternative takes is told which types would do', () => {
  assert.deepEqual(messages(doc, { hours: 'sometimes' }), [
    'hours: not an allowed value (expected "always" or a map of fields, got "sometimes")',
  ]);
  assert.deepEqual(messages(doc, { hours: 'always', holidays: [42] }), [
    'holidays[0]: not an allowed value (expected a string or a map of fields, got 42)',
  ]);
  assert.deepEqual(messages(doc, { holidays: [] }), [
    'hours: required field is missing (expected "always" or a map of fields, got nothing)',
  ]);
});

test('an unknown event type names the field, the allowed types and the likely intent', () => {
  const r = parseEvent({ id: 'e1', type: 'ticket.respondd', ticket: 'T', at: '2026-03-27T16:00:00+01:00' });
  assert.equal(r.ok, false);
  if (r.ok) return;
  const text = formatIssue(r.issues[0]!);
  assert.match(
    text,
    /^type: unknown value; did you mean "ticket\.responded"\? \(expected one of ticket\.created, .*kpi\.reported, .*got "ticket\.respondd"\)$/,
  );
});
