/**
 * Portfolio checks: every (customer, service) pair in use is covered by an agreement (an OLA's
 * internal team and a UC's buyer count as customers of their own pairs), and every
 * customer target is backed by OLA and UC targets that can actually support it.
 *
 * How hand-offs add up: a customer target's dependencies (`dependsOn`) are the stages work passes
 * through, in series. For time targets, their durations for a priority add up and must fit within
 * the customer target's duration for that priority (OLA 2h + UC 1h = 3h fits an SLA of 4h). The
 * comparison is in working time as written: `wd` counts as its calendar's day length; `d` as 24
 * hours; `eod` depends on the start and is reported as not checkable. The promised shares must hold
 * too: a dependency promising 90% within its time cannot back a customer promise of 95%.
 * For availability, serial dependencies multiply: 99.99% x 99.995% = 99.985%, which must be at
 * least the customer's target.
 */
import { parseDuration } from '../time/duration.ts';
import type { LoadedAgreement } from './load.ts';
import { chainFor, effectiveTerms } from './layering.ts';
import type { AgreementSpec, TargetSpecDoc } from './schema.ts';

export type FindingKind =
  | 'coverage_gap'
  | 'coverage_conflict'
  | 'dangling_dependency'
  | 'time_does_not_fit'
  | 'share_too_low'
  | 'availability_too_low'
  | 'not_checkable'
  | 'fits';

export interface Finding {
  kind: FindingKind;
  /** problem: the portfolio fails; note: could not be checked or informational; ok: a check that passed. */
  severity: 'problem' | 'note' | 'ok';
  message: string;
  agreement?: string;
  target?: string;
  customer?: string;
  service?: string;
  /** The numbers behind the verdict. */
  figures?: Record<string, number | string>;
}

/** Nominal working ms of a duration for comparisons; null when it depends on the start (eod). */
function nominalMs(text: string, dayLengthMs: number): number | null {
  const d = parseDuration(text);
  if (!d.ok) return null;
  if (d.value.kind === 'fixed') return d.value.ms;
  if (d.value.kind === 'workdays') return d.value.days * dayLengthMs;
  return null;
}

const fmtH = (ms: number) => {
  const h = ms / 3_600_000;
  return Number.isInteger(h) ? `${h}h` : `${Math.round(h * 100) / 100}h`;
};

export interface CheckInput {
  portfolio: readonly LoadedAgreement[];
  /** (customer, service) pairs in use, e.g. seen in events; the SLA documents' own pairs are added. */
  pairs?: ReadonlyArray<{ customer: string; service: string }>;
  /** Day length per calendar name for `wd` durations; 8h when unknown. */
  dayLengthMs?: (agreement: AgreementSpec, calendar: string | undefined) => number;
}

export function checkPortfolio(input: CheckInput): Finding[] {
  const findings: Finding[] = [];
  const { portfolio } = input;
  const dayLength = input.dayLengthMs ?? (() => 8 * 3_600_000);

  // Coverage.
  const pairs = new Map<string, { customer: string; service: string }>();
  for (const p of input.pairs ?? []) pairs.set(`${p.customer}\u0000${p.service}`, p);
  for (const a of portfolio) {
    const c = a.spec.parties.customer?.id;
    // Every pair a customer-, service-level document names, of every kind (an OLA's team, a UC's buyer).
    if (a.spec.level !== 'corporate' && c) for (const s of a.spec.services) pairs.set(`${c}\u0000${s}`, { customer: c, service: s });
  }
  for (const { customer, service } of [...pairs.values()].sort((x, y) => (x.customer + x.service < y.customer + y.service ? -1 : 1))) {
    const chain = chainFor(portfolio, customer, service);
    if (chain.ok) {
      const terms = effectiveTerms(portfolio, customer, service);
      if (!terms.ok)
        findings.push({
          kind: 'coverage_conflict',
          severity: 'problem',
          customer,
          service,
          message: `customer "${customer}", service "${service}": the effective terms are invalid: ${terms.issues.map((i) => `${i.path ? `${i.path}: ` : ''}${i.message}`).join('; ')}`,
        });
      else
        findings.push({
          kind: 'fits',
          severity: 'ok',
          customer,
          service,
          message: `customer "${customer}", service "${service}" is covered by ${chain.value.map((c) => c.spec.id).join(' + ')}`,
        });
      continue;
    }
    const msg = chain.issues.map((i) => i.message).join('; ');
    findings.push({
      kind: /cover customer/.test(msg) && !/no agreement/.test(msg) ? 'coverage_conflict' : 'coverage_gap',
      severity: 'problem',
      customer,
      service,
      message: msg,
    });
  }

  // Underpinning.
  const byId = new Map(portfolio.map((a) => [a.spec.id, a.spec] as const));
  for (const a of portfolio) {
    for (const t of a.spec.targets) {
      if (!t.dependsOn?.length) continue;
      const deps: Array<{ agreement: AgreementSpec; target: TargetSpecDoc; ref: string }> = [];
      for (const ref of t.dependsOn) {
        const [aid, tid] = ref.split('#') as [string, string];
        const dep = byId.get(aid);
        const target = dep?.targets.find((x) => x.id === tid);
        if (!dep || !target) {
          findings.push({
            kind: 'dangling_dependency',
            severity: 'problem',
            agreement: a.spec.id,
            target: t.id,
            message: `${a.spec.id}#${t.id} depends on ${ref}, which ${dep ? `has no target "${tid}"` : `is not in the portfolio`}`,
          });
          continue;
        }
        if (dep.kind === 'sla')
          findings.push({
            kind: 'not_checkable',
            severity: 'note',
            agreement: a.spec.id,
            target: t.id,
            message: `${a.spec.id}#${t.id} depends on ${ref}, a customer SLA rather than an OLA or UC`,
          });
        deps.push({ agreement: dep, target, ref });
      }
      if (deps.length === 0) continue;
      if (t.metric === 'availability') {
        const wrong = deps.filter((d) => d.target.metric !== 'availability');
        if (wrong.length) {
          findings.push({
            kind: 'not_checkable',
            severity: 'note',
            agreement: a.spec.id,
            target: t.id,
            message: `availability ${a.spec.id}#${t.id} depends on ${wrong.map((d) => d.ref).join(', ')}, which measure something else`,
          });
          continue;
        }
        const product = deps.reduce((p, d) => p * (d.target.value / 100), 1) * 100;
        const figures = { target: t.value, combined: round(product, 6), ...Object.fromEntries(deps.map((d) => [d.ref, d.target.value])) };
        const formula = `${deps.map((d) => `${d.target.value}%`).join(' x ')} = ${round(product, 4)}%`;
        if (product + 1e-9 < t.value)
          findings.push({
            kind: 'availability_too_low',
            severity: 'problem',
            agreement: a.spec.id,
            target: t.id,
            figures,
            message: `${a.spec.id}#${t.id} promises ${t.value}% but its serial dependencies allow at most ${formula}`,
          });
        else
          findings.push({
            kind: 'fits',
            severity: 'ok',
            agreement: a.spec.id,
            target: t.id,
            figures,
            message: `${a.spec.id}#${t.id} (${t.value}%) is backed: ${formula}`,
          });
        continue;
      }
      if (!t.clock) continue;
      const priorities = new Set<string>([...Object.keys(t.clock.byPriority ?? {}), ...(t.clock.duration !== undefined ? ['*'] : [])]);
      for (const p of [...priorities].sort()) {
        const own = p === '*' ? t.clock.duration! : t.clock.byPriority![p]!;
        const ownMs = nominalMs(own, dayLength(a.spec, t.calendar));
        const parts: Array<{ ref: string; text: string; ms: number | null }> = [];
        for (const d of deps) {
          const c = d.target.clock;
          const text = c ? (p !== '*' && c.byPriority?.[p]) || c.duration : undefined;
          if (!text) {
            parts.push({ ref: d.ref, text: '(none)', ms: null });
            continue;
          }
          parts.push({ ref: d.ref, text, ms: nominalMs(text, dayLength(d.agreement, d.target.calendar)) });
        }
        const label = p === '*' ? '' : ` for ${p}`;
        const missing = parts.filter((x) => x.text === '(none)');
        if (missing.length) {
          findings.push({
            kind: 'not_checkable',
            severity: 'note',
            agreement: a.spec.id,
            target: t.id,
            message: `${a.spec.id}#${t.id}${label}: ${missing.map((m) => m.ref).join(', ')} give no time${label}`,
          });
          continue;
        }
        if (ownMs === null || parts.some((x) => x.ms === null)) {
          findings.push({
            kind: 'not_checkable',
            severity: 'note',
            agreement: a.spec.id,
            target: t.id,
            message: `${a.spec.id}#${t.id}${label}: an "eod" duration depends on the start and cannot be added up`,
          });
          continue;
        }
        const sum = parts.reduce((s, x) => s + x.ms!, 0);
        const figures = {
          target: own,
          targetHours: ownMs / 3_600_000,
          combinedHours: sum / 3_600_000,
          ...Object.fromEntries(parts.map((x) => [x.ref, x.text])),
        };
        const formula = `${parts.map((x) => `${x.text} (${x.ref})`).join(' + ')} = ${fmtH(sum)}`;
        if (sum > ownMs)
          findings.push({
            kind: 'time_does_not_fit',
            severity: 'problem',
            agreement: a.spec.id,
            target: t.id,
            figures,
            message: `${a.spec.id}#${t.id}${label}: ${formula} does not fit within ${own}`,
          });
        else
          findings.push({
            kind: 'fits',
            severity: 'ok',
            agreement: a.spec.id,
            target: t.id,
            figures,
            message: `${a.spec.id}#${t.id}${label}: ${formula} fits within ${own}`,
          });
      }
      for (const d of deps) {
        if (
          d.target.metric !== 'availability' &&
          d.target.value + 1e-9 < t.value &&
          (d.target.stat ?? 'share_within_target') === 'share_within_target'
        ) {
          findings.push({
            kind: 'share_too_low',
            severity: 'problem',
            agreement: a.spec.id,
            target: t.id,
            figures: { target: t.value, [d.ref]: d.target.value },
            message: `${a.spec.id}#${t.id} promises ${t.value}% within target but ${d.ref} promises only ${d.target.value}%`,
          });
        }
      }
    }
  }
  return findings;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
