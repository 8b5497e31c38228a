import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  classifyHttpAnswer,
  classifyNoAnswer,
  classifySmtpProblem,
  MAX_ATTEMPTS,
  MAX_RETRY_AFTER_MS,
  nextAttemptAt,
  parseRetryAfter,
  RETRY_DELAYS_MS,
} from './retry.ts';
import type { AttemptLog } from './outcome.ts';

const log: AttemptLog = { channel: 'c', kind: 'webhook', attempt: 1, at: 0 };
const NOW = Date.parse('2026-11-23T10:00:00Z');
const ctx = (attempt = 1, random = 0.5) => ({ attempt, now: NOW, random });

test("the schedule is the specification's: ten attempts over 75h35m5s without jitter", () => {
  assert.equal(MAX_ATTEMPTS, 10);
  const total = RETRY_DELAYS_MS.reduce((a, b) => a + b, 0);
  assert.equal(total, ((75 * 60 + 35) * 60 + 5) * 1000);
  // With jitter 0.5 (none), each attempt comes exactly at its delay.
  let t = NOW;
  for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
    const next = nextAttemptAt(attempt, t, 0.5);
    assert.equal(next, t + RETRY_DELAYS_MS[attempt - 1]!);
    t = next!;
  }
  assert.equal(nextAttemptAt(MAX_ATTEMPTS, t, 0.5), undefined);
});

test('jitter stays within ±10% of each delay, and the whole within about 3 days', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 9, maxLength: 9 }), (randoms) => {
      let t = 0;
      for (let i = 0; i < 9; i++) {
        const next = nextAttemptAt(i + 1, t, randoms[i]!)!;
        const d = next - t;
        const base = RETRY_DELAYS_MS[i]!;
        assert.ok(d >= Math.floor(base * 0.9) && d <= Math.ceil(base * 1.1), `attempt ${i + 2}: ${d} vs ${base}`);
        t = next;
      }
      assert.ok(t >= 68 * 3_600_000 && t <= 84 * 3_600_000);
    }),
  );
});

test('Retry-After is a floor, capped at a day', () => {
  assert.equal(nextAttemptAt(1, NOW, 0.5, 120_000), NOW + 120_000);
  assert.equal(nextAttemptAt(3, NOW, 0.5, 1000), NOW + RETRY_DELAYS_MS[2]!);
  assert.equal(nextAttemptAt(1, NOW, 0.5, 30 * 86_400_000), NOW + MAX_RETRY_AFTER_MS);
  assert.throws(() => nextAttemptAt(0, NOW, 0.5), RangeError);
});

test('parseRetryAfter: seconds, HTTP dates, and nothing else', () => {
  const table: Array<[string | null | undefined, number | undefined]> = [
    ['120', 120_000],
    [' 0 ', 0],
    [new Date(NOW + 90_000).toUTCString(), 90_000],
    [new Date(NOW - 90_000).toUTCString(), 0],
    ['-5', undefined],
    ['1.5', undefined],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
    [undefined, undefined],
  ];
  for (const [input, expected] of table) assert.equal(parseRetryAfter(input, NOW), expected, String(input));
});

test('HTTP statuses: what each one leads to', () => {
  const table: Array<[number, string, string?]> = [
    [200, 'delivered'],
    [202, 'delivered'],
    [204, 'delivered'],
    [301, 'failed', 'redirect'],
    [307, 'failed', 'redirect'],
    [400, 'failed', 'rejected'],
    [401, 'failed', 'rejected'],
    [403, 'failed', 'rejected'],
    [404, 'failed', 'rejected'],
    [409, 'failed', 'rejected'],
    [413, 'failed', 'rejected'],
    [422, 'failed', 'rejected'],
    [408, 'retry', 'timeout'],
    [425, 'retry', 'timeout'],
    [429, 'retry', 'rate_limited'],
    [410, 'disabled'],
    [500, 'retry', 'server_error'],
    [501, 'retry', 'server_error'],
    [502, 'retry', 'unavailable'],
    [503, 'retry', 'unavailable'],
    [504, 'retry', 'unavailable'],
    [101, 'failed', 'unexpected_status'],
  ];
  for (const [status, kind, reason] of table) {
    const out = classifyHttpAnswer({ status }, ctx(), { ...log, status });
    assert.equal(out.kind, kind, String(status));
    if (reason) assert.equal((out as { reason: string }).reason, reason, String(status));
  }
});

test('retries end at the 10th attempt with the last answer named', () => {
  const out = classifyHttpAnswer({ status: 503 }, ctx(10), { ...log, status: 503 });
  assert.ok(out.kind === 'failed');
  assert.equal(out.reason, 'exhausted');
  assert.match(out.detail, /after 10 attempts \(last answer 503\)/);
  const noAnswer = classifyNoAnswer('network', ctx(10), { ...log, error: 'ECONNREFUSED' });
  assert.ok(noAnswer.kind === 'failed');
  assert.match(noAnswer.detail, /ECONNREFUSED/);
  assert.equal(classifyNoAnswer('timeout', ctx(9), log).kind, 'retry');
});

test('a 429 with Retry-After on a later attempt: the later of the two', () => {
  const out = classifyHttpAnswer({ status: 429, retryAfter: '3600' }, ctx(2), log);
  assert.ok(out.kind === 'retry');
  assert.equal(out.at, NOW + 3_600_000);
  const sooner = classifyHttpAnswer({ status: 503, retryAfter: '1' }, ctx(4), log);
  assert.ok(sooner.kind === 'retry');
  assert.equal(sooner.at, NOW + RETRY_DELAYS_MS[3]!);
});

test('SMTP problems: 4xx retried, 5xx and login/TLS failures are permanent, no connection is retried', () => {
  const table: Array<[Parameters<typeof classifySmtpProblem>[0], string, string]> = [
    [{ responseCode: 421, message: 'closing' }, 'retry', 'smtp_transient'],
    [{ responseCode: 451, code: 'EMESSAGE', message: 'greylisted' }, 'retry', 'smtp_transient'],
    [{ responseCode: 452, code: 'EENVELOPE', message: 'mailbox full' }, 'retry', 'smtp_transient'],
    [{ responseCode: 550, code: 'EENVELOPE', message: 'no such user' }, 'failed', 'smtp_rejected'],
    [{ responseCode: 554, message: 'spam' }, 'failed', 'smtp_rejected'],
    [{ responseCode: 535, code: 'EAUTH', message: 'bad credentials' }, 'failed', 'smtp_auth'],
    [{ responseCode: 530, message: 'auth required' }, 'failed', 'smtp_auth'],
    [{ code: 'EAUTH', message: 'no mechanism' }, 'failed', 'smtp_auth'],
    [{ code: 'ETLS', responseCode: 502, message: 'STARTTLS not recognized' }, 'failed', 'tls'],
    [{ code: 'ESOCKET', message: 'self-signed certificate', certificate: true }, 'failed', 'tls'],
    [{ code: 'ECONNECTION', message: 'refused' }, 'retry', 'network'],
    [{ code: 'ESOCKET', message: 'reset' }, 'retry', 'network'],
    [{ code: 'EDNS', message: 'ENOTFOUND' }, 'retry', 'network'],
    [{ code: 'ETIMEDOUT', message: 'Greeting never received' }, 'retry', 'timeout'],
  ];
  for (const [problem, kind, reason] of table) {
    const out = classifySmtpProblem(problem, ctx(), log);
    assert.equal(out.kind, kind, JSON.stringify(problem));
    assert.equal((out as { reason: string }).reason, reason, JSON.stringify(problem));
  }
});
