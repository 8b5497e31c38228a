/**
 * Check samples to downtime intervals.
 *
 * A check's state is a step function of its samples: a down sample makes the check down from its
 * instant until that check's next up sample; an up sample makes it up. Before a check's first
 * sample its state is unknown and it takes no part. A check whose last sample is down stays down
 * until `until` (the window end, or now): a probe that stops reporting while down keeps the
 * service down, on purpose, because silence from a failing service is not evidence of recovery.
 * Two samples of one check at the same instant that disagree resolve to down.
 *
 * Several checks combine by a rule (see CheckRule); `any` is the default because each check is a
 * test of the service: a failing check is a failing part of the service, and an SLA counts that.
 */
import { describeValue, type Issue } from '../validation/issues.ts';
import { argsort } from './sort.ts';
import type { CheckRule, CheckSample, OutageInterval } from './types.ts';

interface Run {
  check: string;
  start: number;
  end: number;
  id: string;
  evidence: string[];
}

function label(s: CheckSample, check: string): string {
  if (typeof s.id === 'string' && s.id !== '') return s.id;
  return `${check === '' ? 'check' : check}@${new Date(s.at).toISOString()}`;
}

/**
 * Down runs of every check, then combined by `rule`. With `any`, each check's down runs are
 * returned as they are (the availability sweep merges overlaps); with `majority` and `all`, the
 * combined runs are returned, each naming the per-check runs behind it in `evidence`.
 */
export function outagesFromSamples(
  samples: readonly CheckSample[],
  until: number,
  rule: CheckRule = 'any',
  path = 'samples',
): { outages: OutageInterval[]; issues: Issue[] } {
  const issues: Issue[] = [];
  const list = Array.isArray(samples) ? samples : [];
  if (!Array.isArray(samples) && samples !== undefined) {
    issues.push({ path, message: 'expected a list of check samples', received: describeValue(samples) });
  }
  const valid: number[] = [];
  for (let i = 0; i < list.length; i++) {
    const s = list[i] as CheckSample | undefined;
    if (s === null || typeof s !== 'object') {
      issues.push({ path: `${path}[${i}]`, message: 'expected a check sample { at, up, check? }', received: describeValue(s) });
      continue;
    }
    if (typeof s.at !== 'number' || !Number.isFinite(s.at)) {
      issues.push({ path: `${path}[${i}].at`, message: 'expected an instant in epoch milliseconds', received: describeValue(s.at) });
      continue;
    }
    if (typeof s.up !== 'boolean') {
      issues.push({ path: `${path}[${i}].up`, message: 'expected true or false', received: describeValue(s.up) });
      continue;
    }
    if (s.check !== undefined && typeof s.check !== 'string') {
      issues.push({ path: `${path}[${i}].check`, message: 'expected a check name', received: describeValue(s.check) });
      continue;
    }
    valid.push(i);
  }

  const at = new Float64Array(valid.length);
  for (let k = 0; k < valid.length; k++) at[k] = list[valid[k]!]!.at;
  const order = argsort(at);

  // One pass in time order builds every check's down runs.
  const open = new Map<string, Run>();
  const firstSeen = new Map<string, number>();
  const runs: Run[] = [];
  for (let k = 0; k < order.length; k++) {
    const s = list[valid[order[k]!]!]!;
    const check = s.check ?? '';
    if (!firstSeen.has(check)) firstSeen.set(check, s.at);
    const run = open.get(check);
    if (!s.up) {
      if (!run) open.set(check, { check, start: s.at, end: NaN, id: label(s, check), evidence: [label(s, check)] });
    } else if (run && run.start < s.at) {
      // An up sample at the very instant the run began loses: down wins ties.
      run.end = s.at;
      run.evidence.push(label(s, check));
      runs.push(run);
      open.delete(check);
    }
  }
  for (const run of open.values()) {
    run.end = Math.max(until, run.start);
    runs.push(run);
  }
  runs.sort((a, b) => a.start - b.start || (a.check < b.check ? -1 : a.check > b.check ? 1 : 0));

  if (rule === 'any') {
    return {
      outages: runs
        .filter((r) => r.end > r.start)
        .map((r) => ({ id: r.id, start: r.start, end: r.end, weight: 1, cause: 'provider' as const, evidence: r.evidence })),
      issues,
    };
  }
  return { outages: combine(runs, firstSeen, rule), issues };
}

/** Sweeps the checks' state changes and emits the stretches where the rule says "down". */
function combine(runs: Run[], firstSeen: Map<string, number>, rule: 'majority' | 'all'): OutageInterval[] {
  // Transitions: +1 known at a check's first sample; +1/-1 down at a run's start/end.
  type Change = { t: number; known: number; down: number; run: Run | null };
  const changes: Change[] = [];
  for (const t of firstSeen.values()) changes.push({ t, known: 1, down: 0, run: null });
  for (const r of runs) {
    if (!(r.end > r.start)) continue;
    changes.push({ t: r.start, known: 0, down: 1, run: r });
    changes.push({ t: r.end, known: 0, down: -1, run: null });
  }
  changes.sort((a, b) => a.t - b.t);
  const isDown = (down: number, known: number): boolean => (rule === 'all' ? known > 0 && down === known : 2 * down > known);

  const out: OutageInterval[] = [];
  let known = 0;
  let down = 0;
  let current: OutageInterval | null = null;
  const active = new Set<Run>();
  for (let k = 0; k < changes.length; ) {
    const t = changes[k]!.t;
    for (; k < changes.length && changes[k]!.t === t; k++) {
      const c = changes[k]!;
      known += c.known;
      down += c.down;
      if (c.run) {
        active.add(c.run);
        if (current) current.evidence!.push(c.run.id);
      }
    }
    for (const r of active) if (r.end <= t) active.delete(r);
    const nowDown = isDown(down, known);
    if (nowDown && !current) {
      current = {
        id: `checks@${new Date(t).toISOString()}`,
        start: t,
        end: t,
        weight: 1,
        cause: 'provider',
        evidence: [...active].map((r) => r.id),
      };
    } else if (!nowDown && current) {
      current.end = t;
      out.push(current);
      current = null;
    }
  }
  // Runs always end (open ones at `until`), so the down count returns to 0 and `current` closes.
  if (current) out.push(current);
  return out;
}
