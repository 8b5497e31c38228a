/**
 * Silences: matchers with a start and an expiry. An alert matching every matcher of a silence that
 * is in force is still opened, updated and resolved as usual (the record is the truth), but its
 * notifications wait: when the silence expires while the alert still fires, the firing
 * notification goes out then; an alert resolved while silenced is never announced, and so its
 * resolution is not either.
 *
 * Matchers compare exact values (no patterns, so a silence from an API client cannot be made
 * slow): `=` one of the values, `!=` none of them. Fields: agreement, target, ticket, source,
 * window (label), level, kind, severity, audience. A field an alert does not have reads as ''.
 */
import { parseInstant } from '../time/instant.ts';
import { describeValue, didYouMean, fail, ok, type Issue, type Result } from '../validation/issues.ts';
import { MATCH_FIELDS, type Alert, type Matcher, type MatchField, type Silence } from './types.ts';

/** The longest a silence may last: a year. Longer ones are almost always a mistake (a forgotten mute). */
export const MAX_SILENCE_MS = 366 * 86_400_000;

export function fieldOf(a: Pick<Alert, 'subject' | 'level' | 'kind' | 'severity' | 'audience'>, f: MatchField): string {
  const s = a.subject;
  switch (f) {
    case 'agreement':
      return s.agreement;
    case 'target':
      return s.kind === 'notice' ? (s.target ?? '') : s.target;
    case 'ticket':
      return s.kind === 'clock' ? s.ticket : '';
    case 'source':
      return s.kind === 'clock' ? s.source : '';
    case 'window':
      return s.kind === 'window' ? s.window : '';
    case 'level':
      return a.level;
    case 'kind':
      return a.kind;
    case 'severity':
      return a.severity;
    case 'audience':
      return a.audience;
  }
}

export function matches(
  silence: Pick<Silence, 'matchers'>,
  a: Pick<Alert, 'subject' | 'level' | 'kind' | 'severity' | 'audience'>,
): boolean {
  return silence.matchers.every((m) => m.values.includes(fieldOf(a, m.field)) === (m.op === '='));
}

export function inForce(silence: Pick<Silence, 'startsAt' | 'endsAt'>, now: number): boolean {
  return silence.startsAt <= now && now < silence.endsAt;
}

/** Ids of the silences in force at `now` that match the alert, sorted. */
export function silencedBy(a: Alert, silences: readonly Silence[], now: number): string[] {
  return silences
    .filter((s) => inForce(s, now) && matches(s, a))
    .map((s) => s.id)
    .sort();
}

const str = (v: unknown, max: number): v is string => typeof v === 'string' && v.trim().length > 0 && v.length <= max;

/**
 * Checks a silence given as data (API, CLI, YAML): instants as epoch ms or ISO 8601 with offset.
 * Every problem is reported with its path; nothing throws.
 */
export function checkSilence(input: unknown, path = ''): Result<Silence> {
  const at = (k: string) => (path ? `${path}.${k}` : k);
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    return fail({
      path,
      message: 'expected a silence object',
      expected: '{ id, matchers, startsAt, endsAt, createdBy, comment }',
      received: describeValue(input),
    });
  const o = input as Record<string, unknown>;
  const issues: Issue[] = [];
  for (const k of Object.keys(o)) {
    if (['id', 'matchers', 'startsAt', 'endsAt', 'createdBy', 'comment'].includes(k)) continue;
    const hint = didYouMean(k, ['id', 'matchers', 'startsAt', 'endsAt', 'createdBy', 'comment']);
    issues.push({ path: at(k), message: `unknown field${hint ? `; did you mean "${hint}"?` : ''}`, received: JSON.stringify(k) });
  }
  if (!str(o.id, 200))
    issues.push({
      path: at('id'),
      message: 'expected an id',
      expected: 'a non-empty string of at most 200 characters',
      received: describeValue(o.id),
    });
  if (!str(o.createdBy, 200))
    issues.push({
      path: at('createdBy'),
      message: 'expected who creates the silence',
      expected: 'a non-empty string of at most 200 characters',
      received: describeValue(o.createdBy),
    });
  if (o.comment !== undefined && !(typeof o.comment === 'string' && o.comment.length <= 2000))
    issues.push({
      path: at('comment'),
      message: 'expected a comment',
      expected: 'a string of at most 2000 characters',
      received: describeValue(o.comment),
    });
  const instant = (k: 'startsAt' | 'endsAt'): number | null => {
    const v = o[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string') {
      const r = parseInstant(v, at(k));
      if (r.ok) return r.value;
      issues.push(...r.issues);
      return null;
    }
    issues.push({
      path: at(k),
      message: 'expected an instant',
      expected: 'epoch milliseconds or ISO 8601 with offset',
      received: describeValue(v),
    });
    return null;
  };
  const startsAt = instant('startsAt');
  const endsAt = instant('endsAt');
  if (startsAt !== null && endsAt !== null) {
    if (!(endsAt > startsAt)) issues.push({ path: at('endsAt'), message: 'must be after startsAt', received: describeValue(o.endsAt) });
    else if (endsAt - startsAt > MAX_SILENCE_MS)
      issues.push({
        path: at('endsAt'),
        message: 'a silence lasts at most a year (366 days); renew it when it expires',
        received: describeValue(o.endsAt),
      });
  }
  const matchers: Matcher[] = [];
  if (!Array.isArray(o.matchers) || o.matchers.length === 0 || o.matchers.length > 20) {
    issues.push({
      path: at('matchers'),
      message: 'expected a list of matchers (a silence that matches everything is refused)',
      expected: '1 to 20 matchers such as { field: agreement, op: "=", values: [acme-sla] }',
      received: describeValue(o.matchers),
    });
  } else {
    o.matchers.forEach((m, i) => {
      const mp = at(`matchers[${i}]`);
      if (m === null || typeof m !== 'object' || Array.isArray(m)) {
        issues.push({ path: mp, message: 'expected a matcher', expected: '{ field, op, values }', received: describeValue(m) });
        return;
      }
      const x = m as Record<string, unknown>;
      let ok = true;
      if (!(MATCH_FIELDS as readonly unknown[]).includes(x.field)) {
        const hint = typeof x.field === 'string' ? didYouMean(x.field, MATCH_FIELDS) : null;
        issues.push({
          path: `${mp}.field`,
          message: `unknown field${hint ? `; did you mean "${hint}"?` : ''}`,
          expected: MATCH_FIELDS.join(', '),
          received: describeValue(x.field),
        });
        ok = false;
      }
      if (x.op !== '=' && x.op !== '!=') {
        issues.push({ path: `${mp}.op`, message: 'unknown operator', expected: '= or !=', received: describeValue(x.op) });
        ok = false;
      }
      const values = typeof x.values === 'string' ? [x.values] : x.values;
      if (
        !Array.isArray(values) ||
        values.length === 0 ||
        values.length > 100 ||
        !values.every((v) => typeof v === 'string' && v.length <= 200)
      ) {
        issues.push({
          path: `${mp}.values`,
          message: 'expected the values to compare with',
          expected: '1 to 100 strings of at most 200 characters',
          received: describeValue(x.values),
        });
        ok = false;
      }
      for (const k of Object.keys(x)) {
        if (!['field', 'op', 'values'].includes(k))
          issues.push({ path: `${mp}.${k}`, message: 'unknown field', expected: 'field, op, values', received: JSON.stringify(k) });
      }
      if (ok) matchers.push({ field: x.field as MatchField, op: x.op as '=' | '!=', values: [...(values as string[])] });
    });
  }
  if (issues.length > 0) return fail(...issues);
  return ok({
    id: o.id as string,
    matchers,
    startsAt: startsAt!,
    endsAt: endsAt!,
    createdBy: o.createdBy as string,
    comment: typeof o.comment === 'string' ? o.comment : '',
  });
}
