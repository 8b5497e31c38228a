import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  LIFECYCLE_STATES,
  applyTransition,
  checkHistory,
  createHistory,
  currentState,
  currentTerm,
  isMonitoredAt,
  legalTransitions,
  monitoredIntervals,
  stateAt,
  type LifecycleHistory,
  type LifecycleState,
  type Signature,
  type TransitionRequest,
} from './state.ts';
import { formatIssue, unwrap } from '../../validation/issues.ts';

const iso = (s: string) => Date.parse(s);
const DAY = 86_400_000;

const CREATED = iso('2026-01-05T09:00:00Z');
const SUBMITTED = iso('2026-01-10T09:00:00Z');
const EFFECTIVE = iso('2026-02-01T00:00:00Z');
const TERM_END = iso('2027-02-01T00:00:00Z');
const signatures: Signature[] = [
  { party: 'provider', name: 'Ada Provider', title: 'Head of Service Delivery', at: iso('2026-01-12T10:00:00Z') },
  { party: 'customer', name: 'Carl Customer', at: iso('2026-01-14T15:30:00Z') },
];

const fresh = () => unwrap(createHistory({ agreementId: 'acme-pbx', at: CREATED, by: 'ada' }));

function apply(h: LifecycleHistory, ...requests: TransitionRequest[]): LifecycleHistory {
  for (const r of requests) {
    const next = applyTransition(h, r);
    if (!next.ok) assert.fail(`refused ${r.to} at ${new Date(r.at).toISOString()}: ${next.issues.map(formatIssue).join('; ')}`);
    h = next.value;
  }
  return h;
}

const submit: TransitionRequest = { to: 'in_review', at: SUBMITTED, by: 'ada' };
const approve: TransitionRequest = {
  to: 'approved',
  at: iso('2026-01-15T09:00:00Z'),
  by: 'ada',
  signatures,
  term: { start: EFFECTIVE, end: TERM_END },
};
const activate: TransitionRequest = { to: 'active', at: EFFECTIVE, by: 'system' };

/** draft -> in_review -> approved -> active, effective 2026-02-01 for a year. */
const activeHistory = () => apply(fresh(), submit, approve, activate);

function refusal(h: LifecycleHistory, r: TransitionRequest) {
  const res = applyTransition(h, r);
  assert.equal(res.ok, false, `expected ${r.to} to be refused`);
  if (res.ok) throw new Error('unreachable');
  return res.issues;
}

test('every legal transition, in a life that uses them all', () => {
  let h = fresh();
  assert.equal(currentState(h), 'draft');
  h = apply(h, submit, { to: 'draft', at: iso('2026-01-11T09:00:00Z'), by: 'carl', reason: 'penalty tiers too low' });
  assert.equal(currentState(h), 'draft');
  h = apply(h, { to: 'in_review', at: iso('2026-01-12T09:00:00Z'), by: 'ada' }, approve, activate);
  assert.equal(currentState(h), 'active');
  h = apply(
    h,
    { to: 'suspended', at: iso('2026-03-01T00:00:00Z'), by: 'ada', reason: 'customer unpaid invoices' },
    { to: 'active', at: iso('2026-03-10T00:00:00Z'), by: 'ada' },
    { to: 'active', at: iso('2027-01-01T00:00:00Z'), by: 'ada', term: { start: TERM_END, end: iso('2028-02-01T00:00:00Z') } },
    { to: 'expired', at: iso('2028-02-01T00:00:00Z'), by: 'system' },
    {
      to: 'active',
      at: iso('2028-02-10T00:00:00Z'),
      by: 'ada',
      term: { start: iso('2028-02-10T00:00:00Z'), end: iso('2029-02-10T00:00:00Z') },
    },
    { to: 'suspended', at: iso('2028-05-01T00:00:00Z'), by: 'ada', reason: 'security incident at the customer' },
    { to: 'terminated', at: iso('2028-06-01T00:00:00Z'), by: 'carl', reason: 'three consecutive breaches' },
  );
  assert.deepEqual(
    h.transitions.map((t) => `${t.from}>${t.to}:${t.action}`),
    [
      'draft>in_review:submit',
      'in_review>draft:request_changes',
      'draft>in_review:submit',
      'in_review>approved:approve',
      'approved>active:activate',
      'active>suspended:suspend',
      'suspended>active:resume',
      'active>active:renew',
      'active>expired:expire',
      'expired>active:renew',
      'active>suspended:suspend',
      'suspended>terminated:terminate',
    ],
  );
  assert.ok(checkHistory(h).ok);
  // The remaining legal edges: approved -> terminated, active -> terminated, suspended -> expired.
  const called = apply(apply(fresh(), submit, approve), {
    to: 'terminated',
    at: iso('2026-01-20T00:00:00Z'),
    by: 'carl',
    reason: 'deal called off',
  });
  assert.equal(currentState(called), 'terminated');
  assert.equal(
    currentState(apply(activeHistory(), { to: 'terminated', at: iso('2026-04-01T00:00:00Z'), by: 'carl', reason: 'breach' })),
    'terminated',
  );
  const suspendedAtEnd = apply(
    activeHistory(),
    { to: 'suspended', at: iso('2027-01-15T00:00:00Z'), by: 'ada', reason: 'unpaid' },
    { to: 'expired', at: TERM_END, by: 'system' },
  );
  assert.equal(currentState(suspendedAtEnd), 'expired');
});

test('the legal moves from every state', () => {
  const table: Record<LifecycleState, string[]> = {
    draft: ['in_review'],
    in_review: ['draft', 'approved'],
    approved: ['active', 'terminated'],
    active: ['suspended', 'expired', 'terminated', 'active'],
    suspended: ['active', 'expired', 'terminated'],
    expired: ['active'],
    terminated: [],
  };
  for (const s of LIFECYCLE_STATES)
    assert.deepEqual(
      legalTransitions(s).map((m) => m.to),
      table[s],
      s,
    );
});

test('illegal transitions are refused, naming the current state, the requested one and the legal ones', () => {
  const at = iso('2026-06-01T00:00:00Z');
  const histories: Record<LifecycleState, () => LifecycleHistory> = {
    draft: fresh,
    in_review: () => apply(fresh(), submit),
    approved: () => apply(fresh(), submit, approve),
    active: activeHistory,
    suspended: () => apply(activeHistory(), { to: 'suspended', at: iso('2026-05-01T00:00:00Z'), by: 'ada', reason: 'unpaid' }),
    expired: () => apply(activeHistory(), { to: 'expired', at: TERM_END, by: 'system' }),
    terminated: () => apply(activeHistory(), { to: 'terminated', at: iso('2026-05-01T00:00:00Z'), by: 'carl', reason: 'breach' }),
  };
  const exact: Array<{ from: LifecycleState; to: LifecycleState; message: string }> = [
    {
      from: 'draft',
      to: 'approved',
      message: 'illegal transition from draft to approved: from draft the agreement can go to in_review (submit)',
    },
    {
      from: 'draft',
      to: 'active',
      message: 'illegal transition from draft to active: from draft the agreement can go to in_review (submit)',
    },
    {
      from: 'in_review',
      to: 'active',
      message:
        'illegal transition from in_review to active: from in_review the agreement can go to draft (request_changes), approved (approve)',
    },
    {
      from: 'approved',
      to: 'draft',
      message: 'illegal transition from approved to draft: from approved the agreement can go to active (activate), terminated (terminate)',
    },
    {
      from: 'active',
      to: 'approved',
      message:
        'illegal transition from active to approved: from active the agreement can go to suspended (suspend), expired (expire), terminated (terminate), active (renew)',
    },
    {
      from: 'suspended',
      to: 'suspended',
      message:
        'illegal transition from suspended to suspended: from suspended the agreement can go to active (resume), expired (expire), terminated (terminate)',
    },
    {
      from: 'expired',
      to: 'terminated',
      message: 'illegal transition from expired to terminated: from expired the agreement can go to active (renew)',
    },
    {
      from: 'terminated',
      to: 'active',
      message: 'illegal transition from terminated to active: terminated is final, no transition leaves it',
    },
  ];
  for (const row of exact) {
    const issues = refusal(histories[row.from](), { to: row.to, at: iso('2028-06-01T00:00:00Z'), by: 'x', reason: 'r' });
    assert.equal(issues.length, 1);
    assert.equal(issues[0]!.path, 'request.to');
    assert.equal(issues[0]!.message, row.message);
    assert.equal(issues[0]!.received, JSON.stringify(row.to));
  }
  // Every pair outside the legal table is refused on `to`, whatever else the request holds.
  let refused = 0;
  for (const from of LIFECYCLE_STATES) {
    const legal = new Set(legalTransitions(from).map((m) => m.to));
    for (const to of LIFECYCLE_STATES) {
      if (legal.has(to)) continue;
      const issues = refusal(histories[from](), { to, at: Math.max(at, iso('2028-06-01T00:00:00Z')), by: 'x', reason: 'r' });
      assert.equal(issues[0]!.path, 'request.to');
      assert.match(issues[0]!.message, new RegExp(`^illegal transition from ${from} to ${to}: `));
      refused++;
    }
  }
  assert.equal(refused, 7 * 7 - 13);
});

test('approval requires the signatures of both parties, who and when', () => {
  const review = apply(fresh(), submit);
  const rows: Array<{ signatures: unknown; path: string; message: RegExp }> = [
    { signatures: undefined, path: 'request.signatures', message: /requires the signatures of both parties/ },
    { signatures: [], path: 'request.signatures', message: /requires the signatures of both parties/ },
    { signatures: [signatures[0]], path: 'request.signatures', message: /the customer has not signed/ },
    { signatures: [signatures[1], signatures[1]], path: 'request.signatures', message: /the provider has not signed/ },
    {
      signatures: [signatures[0], { ...signatures[1], name: '  ' }],
      path: 'request.signatures[1].name',
      message: /name of the person who signed/,
    },
    {
      signatures: [signatures[0], { ...signatures[1], party: 'vendor' }],
      path: 'request.signatures[1].party',
      message: /not a signing party/,
    },
    {
      signatures: [{ ...signatures[0], at: 'yesterday' }, signatures[1]],
      path: 'request.signatures[0].at',
      message: /expected an instant/,
    },
    {
      signatures: [{ ...signatures[0], at: SUBMITTED - 1 }, signatures[1]],
      path: 'request.signatures[0].at',
      message: /signed before the agreement was submitted for review/,
    },
    {
      signatures: [signatures[0], { ...signatures[1], at: approve.at + 1 }],
      path: 'request.signatures[1].at',
      message: /signed after the approval/,
    },
    { signatures: 'both', path: 'request.signatures', message: /requires the signatures/ },
  ];
  for (const row of rows) {
    const issues = refusal(review, { ...approve, signatures: row.signatures as Signature[] });
    assert.equal(issues[0]!.path, row.path, JSON.stringify(row.signatures));
    assert.match(issues[0]!.message, row.message);
  }
  // The term is required too: its start is the effective instant.
  const noTerm = refusal(review, { ...approve, term: undefined });
  assert.equal(noTerm[0]!.path, 'request.term');
  const backwards = refusal(review, { ...approve, term: { start: EFFECTIVE, end: EFFECTIVE } });
  assert.equal(backwards[0]!.path, 'request.term.end');
  // Accepted: who and when are on record.
  const approved = apply(review, approve);
  assert.deepEqual(approved.transitions[1]!.signatures, signatures);
  assert.deepEqual(approved.transitions[1]!.term, { start: EFFECTIVE, end: TERM_END });
  // Signatures and terms belong to approval (and terms to renewal) only.
  assert.equal(refusal(fresh(), { ...submit, signatures })[0]!.path, 'request.signatures');
  assert.equal(refusal(fresh(), { ...submit, term: { start: 0 } })[0]!.path, 'request.term');
});

test('activation before the effective date is scheduled for it; the agreement is approved until then', () => {
  const signedAt = approve.at;
  const h = apply(fresh(), submit, approve, { to: 'active', at: signedAt, by: 'ada' });
  const t = h.transitions[2]!;
  assert.equal(t.at, EFFECTIVE);
  assert.equal(t.requestedAt, signedAt);
  assert.equal(stateAt(h, EFFECTIVE - 1), 'approved');
  assert.equal(stateAt(h, EFFECTIVE), 'active');
  assert.deepEqual(monitoredIntervals(h), [{ from: EFFECTIVE, to: Infinity }]);
  // The scheduled activation is on record: nothing may be slipped in before it.
  const early = refusal(h, { to: 'suspended', at: EFFECTIVE - DAY, by: 'ada', reason: 'x' });
  assert.equal(early[0]!.path, 'request.at');
  assert.match(early[0]!.message, /too early: the last transition \(activate to active\) takes effect at 2026-02-01T00:00:00Z/);
  // A late activation starts then (record it at the effective instant to monitor from that date).
  const late = apply(fresh(), submit, approve, { to: 'active', at: EFFECTIVE + 3 * DAY, by: 'ada' });
  assert.equal(late.transitions[2]!.at, EFFECTIVE + 3 * DAY);
  assert.equal(late.transitions[2]!.requestedAt, undefined);
  // checkHistory replays a scheduled activation to the same record.
  assert.deepEqual(unwrap(checkHistory(h)), h);
});

test('suspension and termination need a reason; expiry needs the term end reached; requests stay in time order', () => {
  const h = activeHistory();
  assert.equal(refusal(h, { to: 'suspended', at: iso('2026-03-01T00:00:00Z'), by: 'ada' })[0]!.path, 'request.reason');
  const term = refusal(h, { to: 'terminated', at: iso('2026-03-01T00:00:00Z'), by: 'ada', reason: '' });
  assert.equal(term[0]!.path, 'request.reason');
  assert.match(term[0]!.message, /the reason for the termination/);
  const early = refusal(h, { to: 'expired', at: TERM_END - 1, by: 'system' });
  assert.equal(early[0]!.path, 'request.at');
  assert.match(early[0]!.message, /the term runs until 2027-02-01T00:00:00Z/);
  const open = apply(fresh(), submit, { ...approve, term: { start: EFFECTIVE } }, activate);
  const never = refusal(open, { to: 'expired', at: TERM_END, by: 'system' });
  assert.match(never[0]!.message, /the term has no end, so the agreement cannot expire; terminate it instead/);
  const past = refusal(h, { to: 'suspended', at: EFFECTIVE - 1, by: 'ada', reason: 'x' });
  assert.equal(past[0]!.path, 'request.at');
  const missing = refusal(fresh(), { to: 'in_review', at: CREATED - 1, by: '' } as TransitionRequest);
  assert.deepEqual(
    missing.map((i) => i.path),
    ['request.by'],
  );
  const beforeCreation = refusal(fresh(), { to: 'in_review', at: CREATED - 1, by: 'ada' });
  assert.match(beforeCreation[0]!.message, /the agreement was created at 2026-01-05T09:00:00Z/);
  // A stale view of the state is refused rather than applied to a different state.
  const stale = refusal(h, { from: 'approved', to: 'active', at: iso('2026-03-01T00:00:00Z'), by: 'ada' });
  assert.equal(stale[0]!.path, 'request.from');
  assert.match(stale[0]!.message, /the agreement is active, not "approved"/);
});

test('back-dated: a contract signed last year, entered today, keeps its real dates; the past is still never rewritten', () => {
  // The draft is entered today; the contract was submitted, signed and started months ago.
  const TODAY = iso('2026-12-04T16:00:00Z');
  const entered = unwrap(createHistory({ agreementId: 'acme-pbx', at: TODAY - 60_000, by: 'ada' }));
  const rec = (r: TransitionRequest): TransitionRequest => ({ ...r, recordedAt: TODAY });
  const h = apply(entered, rec(submit), rec(approve), rec(activate));
  assert.deepEqual(
    h.transitions.map((t) => [t.action, t.at, t.backdated, t.recordedAt]),
    [
      ['submit', SUBMITTED, true, TODAY],
      ['approve', approve.at, true, TODAY],
      ['activate', EFFECTIVE, true, TODAY],
    ],
  );
  assert.deepEqual(monitoredIntervals(h), [{ from: EFFECTIVE, to: Infinity }]);
  // The state before it was entered follows the back-dated history; before its first step it is unknown.
  assert.equal(stateAt(h, SUBMITTED - 1), undefined);
  assert.equal(stateAt(h, SUBMITTED), 'in_review');
  assert.equal(stateAt(h, EFFECTIVE), 'active');
  assert.deepEqual(unwrap(checkHistory(h)), h, 'a stored back-dated history replays to itself');
  // Not before the previous transition, back-dated or not: the message says why.
  const before = refusal(h, rec({ to: 'suspended', at: EFFECTIVE - DAY, by: 'ada', reason: 'unpaid' }));
  assert.equal(before[0]!.path, 'request.at');
  assert.match(
    before[0]!.message,
    /too early: the last transition \(activate to active\) takes effect at 2026-02-01T00:00:00Z; a back-dated transition cannot come before it/,
  );
  // Without a recording time (or not back-dated) the creation still bounds the first transition.
  assert.match(refusal(entered, { ...submit })[0]!.message, /the agreement was created at 2026-12-04T15:59:00Z/);
  // Signatures are facts already given: none dated after the recording, even on a future approval.
  const review = apply(entered, { ...submit, at: TODAY - DAY, recordedAt: TODAY });
  const early = [
    { ...signatures[0]!, at: TODAY - 1000 },
    { party: 'customer' as const, name: 'Carl Customer', at: TODAY + 1 },
  ];
  const future = refusal(review, { ...approve, at: TODAY + DAY, recordedAt: TODAY, signatures: early });
  assert.deepEqual(
    future.map((i) => i.path),
    ['request.signatures[1].at'],
  );
  assert.match(future[0]!.message, /dated in the future \(it is recorded at 2026-12-04T16:00:00Z\)/);
  // Recorded now (at == recordedAt): not back-dated; a scheduled activation that starts later is not either.
  const now = apply(entered, { to: 'in_review', at: TODAY, by: 'ada', recordedAt: TODAY });
  assert.equal(now.transitions[0]!.backdated, undefined);
  const later = apply(
    now,
    {
      to: 'approved',
      at: TODAY + 1000,
      by: 'ada',
      recordedAt: TODAY + 1000,
      signatures: signatures.map((x) => ({ ...x, at: TODAY + 500 })),
      term: { start: TODAY + 30 * DAY },
    },
    { to: 'active', at: TODAY + 2000, by: 'ada', recordedAt: TODAY + 5000 },
  );
  assert.deepEqual(
    [later.transitions[2]!.at, later.transitions[2]!.requestedAt, later.transitions[2]!.backdated],
    [TODAY + 30 * DAY, TODAY + 2000, undefined],
  );
});

test('renewal starts a new term: contiguous while active, after the lapse when expired', () => {
  const h = activeHistory();
  const next = { start: TERM_END, end: iso('2028-02-01T00:00:00Z') };
  const renewed = apply(h, { to: 'active', at: iso('2027-01-10T00:00:00Z'), by: 'ada', term: next });
  assert.deepEqual(currentTerm(renewed), next);
  assert.equal(renewed.transitions.at(-1)!.action, 'renew');
  // Renewal does not interrupt monitoring, and expiry now follows the new term.
  assert.deepEqual(monitoredIntervals(renewed), [{ from: EFFECTIVE, to: Infinity }]);
  assert.equal(refusal(renewed, { to: 'expired', at: TERM_END, by: 'system' })[0]!.path, 'request.at');
  assert.equal(refusal(h, { to: 'active', at: iso('2026-06-01T00:00:00Z'), by: 'ada' })[0]!.path, 'request.term');
  assert.equal(
    refusal(h, { to: 'active', at: iso('2026-06-01T00:00:00Z'), by: 'ada', term: { start: EFFECTIVE } })[0]!.path,
    'request.term.start',
  );
  const gap = refusal(h, { to: 'active', at: iso('2026-06-01T00:00:00Z'), by: 'ada', term: { start: TERM_END + DAY } });
  assert.match(gap[0]!.message, /would leave a gap/);
  // From expired: not inside the lapse; a future start is scheduled like an activation.
  const expired = apply(h, { to: 'expired', at: TERM_END, by: 'system' });
  assert.equal(
    refusal(expired, { to: 'active', at: TERM_END + DAY, by: 'ada', term: { start: TERM_END - DAY } })[0]!.path,
    'request.term.start',
  );
  const back = apply(expired, { to: 'active', at: TERM_END + DAY, by: 'ada', term: { start: TERM_END + 10 * DAY } });
  assert.equal(back.transitions.at(-1)!.at, TERM_END + 10 * DAY);
  assert.equal(stateAt(back, TERM_END + 5 * DAY), 'expired');
  assert.deepEqual(monitoredIntervals(back), [
    { from: EFFECTIVE, to: TERM_END, endedBy: 'expired' },
    { from: TERM_END + 10 * DAY, to: Infinity },
  ]);
});

test('monitoring: only while active, from the effective date, paused by suspension, stopped by termination', () => {
  const s1 = iso('2026-03-10T08:00:00Z');
  const r1 = iso('2026-03-12T18:00:00Z');
  const end = iso('2026-05-15T00:00:00Z');
  const h = apply(
    fresh(),
    submit,
    approve,
    { to: 'active', at: approve.at, by: 'ada' },
    { to: 'suspended', at: s1, by: 'ada', reason: 'customer asked to pause during migration' },
    { to: 'active', at: r1, by: 'ada' },
    { to: 'terminated', at: end, by: 'carl', reason: 'moved to another provider' },
  );
  assert.deepEqual(monitoredIntervals(h), [
    { from: EFFECTIVE, to: s1, endedBy: 'suspended' },
    { from: r1, to: end, endedBy: 'terminated' },
  ]);
  const rows: Array<[string, LifecycleState | undefined, boolean]> = [
    ['2026-01-01T00:00:00Z', undefined, false],
    ['2026-01-05T09:00:00Z', 'draft', false],
    ['2026-01-31T23:59:59.999Z', 'approved', false],
    ['2026-02-01T00:00:00Z', 'active', true],
    ['2026-03-10T07:59:59.999Z', 'active', true],
    ['2026-03-10T08:00:00Z', 'suspended', false],
    ['2026-03-12T18:00:00Z', 'active', true],
    ['2026-05-14T23:59:59.999Z', 'active', true],
    ['2026-05-15T00:00:00Z', 'terminated', false],
    ['2030-01-01T00:00:00Z', 'terminated', false],
  ];
  for (const [at, state, monitored] of rows) {
    assert.equal(stateAt(h, iso(at)), state, at);
    assert.equal(isMonitoredAt(h, iso(at)), monitored, at);
  }
  // A window (say, the March report) gets the clipped pieces; figures before termination stay.
  assert.deepEqual(monitoredIntervals(h, { from: iso('2026-03-01T00:00:00Z'), to: iso('2026-04-01T00:00:00Z') }), [
    { from: iso('2026-03-01T00:00:00Z'), to: s1, endedBy: 'suspended' },
    { from: r1, to: iso('2026-04-01T00:00:00Z') },
  ]);
  assert.deepEqual(monitoredIntervals(h, { from: iso('2026-05-01T00:00:00Z'), to: iso('2026-06-01T00:00:00Z') }), [
    { from: iso('2026-05-01T00:00:00Z'), to: end, endedBy: 'terminated' },
  ]);
  assert.deepEqual(monitoredIntervals(h, { from: iso('2026-06-01T00:00:00Z'), to: iso('2026-07-01T00:00:00Z') }), []);
  // Never activated, or called off before the start: never monitored.
  assert.deepEqual(monitoredIntervals(apply(fresh(), submit, approve)), []);
  assert.deepEqual(
    monitoredIntervals(apply(fresh(), submit, approve, { to: 'terminated', at: approve.at, by: 'carl', reason: 'called off' })),
    [],
  );
});

test('checkHistory refuses a tampered history, naming the transition', () => {
  const h = activeHistory();
  const skipped = { ...h, transitions: [h.transitions[0]!, { ...h.transitions[2]!, from: 'in_review' as const }] };
  const r1 = checkHistory(skipped);
  assert.ok(!r1.ok);
  assert.equal(r1.issues[0]!.path, 'transitions[1].to');
  assert.match(r1.issues[0]!.message, /illegal transition from in_review to active/);
  const moved = { ...h, transitions: [h.transitions[0]!, h.transitions[1]!, { ...h.transitions[2]!, at: EFFECTIVE - DAY }] };
  const r2 = checkHistory(moved);
  assert.ok(!r2.ok);
  assert.equal(r2.issues[0]!.path, 'transitions[2].at');
  const wrongAction = { ...h, transitions: [{ ...h.transitions[0]!, action: 'approve' as const }] };
  const r3 = checkHistory(wrongAction);
  assert.ok(!r3.ok);
  assert.equal(r3.issues[0]!.path, 'transitions[0].action');
  const r4 = checkHistory({ agreementId: 'x', createdAt: 'today', createdBy: 'ada', transitions: [] });
  assert.ok(!r4.ok);
  assert.equal(r4.issues[0]!.path, 'createdAt');
  // applyTransition checks the history it is given, too.
  const r5 = applyTransition(skipped, { to: 'suspended', at: iso('2026-03-01T00:00:00Z'), by: 'ada', reason: 'x' });
  assert.ok(!r5.ok);
  assert.equal(r5.issues[0]!.path, 'transitions[1].to');
});

test('applying a transition leaves the given history untouched', () => {
  const h = apply(fresh(), submit);
  const copy = structuredClone(h);
  apply(h, approve);
  assert.deepEqual(h, copy);
});

test('bad input never throws: any history and any request give a result', () => {
  fc.assert(
    fc.property(fc.anything(), fc.anything(), (history, request) => {
      const r = applyTransition(history as LifecycleHistory, request as TransitionRequest);
      assert.equal(typeof r.ok, 'boolean');
      const r2 = applyTransition(fresh(), request as TransitionRequest);
      if (!r2.ok) assert.ok(r2.issues.length > 0 && r2.issues.every((i) => typeof i.path === 'string' && i.message.length > 0));
      monitoredIntervals(history as LifecycleHistory);
      stateAt(history as LifecycleHistory, 0);
      checkHistory(history);
    }),
    { numRuns: 300 },
  );
  // Histories that look right on the outside but hold junk, as a corrupted store might hand over.
  const junk = fc.anything({ withNullPrototype: true, withBoxedValues: true, withSparseArray: true });
  const entry = fc.oneof(
    junk,
    fc.record({
      to: fc.oneof(fc.constantFrom(...LIFECYCLE_STATES), junk),
      at: fc.oneof(fc.integer(), junk),
      term: fc.oneof(junk, fc.record({ start: junk })),
      action: junk,
    }),
  );
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 6 }), junk, fc.integer(), (transitions, createdAt, t) => {
      const h = { agreementId: 'x', createdAt, createdBy: 'y', transitions } as unknown as LifecycleHistory;
      stateAt(h, t);
      currentState(h);
      currentTerm(h);
      monitoredIntervals(h, { from: 0, to: t });
      isMonitoredAt(h, t);
      // A history with junk in it is refused as a value, never applied.
      const r = applyTransition(h, { to: 'in_review', at: t, by: 'z' });
      if (transitions.length > 0) assert.equal(r.ok, false);
    }),
    { numRuns: 300 },
  );
});

/**
 * Requests: mostly one of the moves legal from the current state (chosen when applied, by `pick`),
 * sometimes any state at all, with fields that are sometimes missing or wrong, so that long lives
 * are reached and refusals are exercised along the way.
 */
const requestArb = fc.record({
  legal: fc.constantFrom(true, true, true, false),
  pick: fc.nat(),
  to: fc.constantFrom(...LIFECYCLE_STATES),
  dt: fc.integer({ min: -2 * DAY, max: 30 * DAY }),
  reason: fc.option(fc.constantFrom('unpaid', 'breach', ''), { nil: undefined, freq: 5 }),
  signed: fc.constantFrom('both', 'both', 'both', 'provider', 'none'),
  termDays: fc.option(fc.integer({ min: -30, max: 40 }), { nil: undefined, freq: 5 }),
  termLength: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined, freq: 5 }),
});

test('property: any sequence of requests leaves a history where every step is legal and in order', () => {
  fc.assert(
    fc.property(fc.array(requestArb, { minLength: 10, maxLength: 40 }), (reqs) => {
      let h = fresh();
      let clock = CREATED;
      for (const q of reqs) {
        clock += q.dt;
        const sigs: Signature[] =
          q.signed === 'none'
            ? []
            : q.signed === 'provider'
              ? [{ party: 'provider', name: 'p', at: clock }]
              : [
                  { party: 'provider', name: 'p', at: clock },
                  { party: 'customer', name: 'c', at: clock },
                ];
        const moves = legalTransitions(currentState(h));
        const to = q.legal && moves.length > 0 ? moves[q.pick % moves.length]!.to : q.to;
        const request: TransitionRequest = { to, at: clock, by: 'fuzz' };
        if (q.reason !== undefined) request.reason = q.reason;
        if (to === 'approved') request.signatures = sigs;
        if (q.termDays !== undefined && (to === 'approved' || (to === 'active' && (currentState(h) !== 'approved' || q.pick % 5 === 0)))) {
          const start = clock + q.termDays * DAY;
          request.term = q.termLength === undefined ? { start } : { start, end: start + q.termLength * DAY };
        }
        const before = currentState(h);
        const r = applyTransition(h, request);
        if (r.ok) {
          const t = r.value.transitions.at(-1)!;
          assert.equal(t.from, before);
          assert.ok(legalTransitions(before).some((m) => m.to === to));
          h = r.value;
        } else {
          assert.ok(r.issues.length > 0);
        }
      }
      const checked = checkHistory(h);
      assert.ok(checked.ok, checked.ok ? '' : checked.issues.map(formatIssue).join('; '));
      assert.deepEqual(checked.value, h);
      let state: LifecycleState = 'draft';
      let at = h.createdAt;
      for (const t of h.transitions) {
        assert.equal(t.from, state);
        assert.ok(legalTransitions(state).some((m) => m.to === t.to && m.action === t.action));
        assert.ok(t.at >= at);
        state = t.to;
        at = t.at;
      }
      // Monitoring is exactly "active", and never before the effective instant.
      const ivs = monitoredIntervals(h);
      for (let i = 0; i < ivs.length; i++) {
        const iv = ivs[i]!;
        assert.ok(iv.from < iv.to);
        if (i > 0) assert.ok(iv.from > ivs[i - 1]!.to, 'intervals are disjoint and not adjacent');
      }
      const probes = [...h.transitions.flatMap((t) => [t.at - 1, t.at, t.at + 1]), ...ivs.flatMap((iv) => [iv.from, iv.to - 1])];
      for (const p of probes) {
        if (!Number.isFinite(p)) continue;
        assert.equal(isMonitoredAt(h, p), stateAt(h, p) === 'active', `at ${p}`);
      }
    }),
    { numRuns: 300 },
  );
});
