/** `pledge validate` and `pledge explain`: agreements as code, checked and explained from files. */
import type { Command } from 'commander';
import { loadAgreements, validateAgreements } from '../app/agreement-files.ts';
import { effectiveTerms } from '../core/agreements/layering.ts';
import { formatIssue } from '../core/validation/issues.ts';
import { must, printJson, UsageError } from './output.ts';
import { checkPortfolio } from '../core/agreements/checks.ts';
import type { AgreementSpec } from '../core/agreements/schema.ts';
import { loadCalendarFile, readText } from '../app/files.ts';
import { parseNdjson } from '../core/events/parse.ts';
import { dirname, isAbsolute, resolve } from 'node:path';
import { allowanceText } from '../core/availability/budget.ts';
import { parseDuration } from '../core/time/duration.ts';

export function registerAgreements(program: Command): void {
  program
    .command('validate')
    .description('Check agreement files (YAML or JSON) and print every problem at once')
    .argument('<paths...>', 'agreement files or folders (searched for .yaml, .yml and .json)')
    .option('--json', 'print {valid, files, issues} as JSON')
    .action((paths: string[], o: { json?: boolean }) => {
      const { agreements, issues, files } = validateAgreements(paths);
      const broken = new Set(issues.map((i) => i.source));
      if (o.json) {
        printJson({
          valid: issues.length === 0,
          files: files.length,
          agreements: agreements.map((a) => ({ id: a.spec.id, kind: a.spec.kind, level: a.spec.level, source: a.source })),
          issues,
        });
      } else {
        for (const a of agreements.filter((x) => !broken.has(x.source)))
          process.stdout.write(
            `ok  ${a.source}  (${a.spec.kind}, ${a.spec.level} level, ${a.spec.targets.length} target${a.spec.targets.length === 1 ? '' : 's'})\n`,
          );
        for (const i of issues) process.stderr.write(`${formatIssue(i)}\n`);
        process.stdout.write(
          `${files.length} file${files.length === 1 ? '' : 's'}, ${issues.length} problem${issues.length === 1 ? '' : 's'}\n`,
        );
      }
      if (issues.length > 0) process.exitCode = 2;
    });

  program
    .command('explain')
    .description('The effective terms for a customer and a service: the levels merged, and where each term came from')
    .argument('<paths...>', 'agreement files or folders')
    .requiredOption('--customer <id>', 'customer id (parties.customer.id)')
    .requiredOption('--service <id>', 'service id')
    .option('--json', 'print {chain, terms, provenance} as JSON')
    .action((paths: string[], o: { customer: string; service: string; json?: boolean }) => {
      const { agreements, issues } = loadAgreements(paths);
      if (issues.length) throw new UsageError(issues);
      const eff = effectiveTerms(agreements, o.customer, o.service);
      if (!eff.ok) throw new UsageError(eff.issues.map((i) => ({ ...i, path: i.path || '--customer/--service' })));
      const e = eff.value;
      // What each availability target allows, in the form the agreement states it (docs/availability.md).
      const downtime = e.terms.targets
        .filter((t) => t.metric === 'availability')
        .map((t) => {
          const d = t.allowance === undefined ? null : parseDuration(t.allowance);
          const allowanceMs = d?.ok && d.value.kind === 'fixed' ? d.value.ms : undefined;
          const text = allowanceText({ value: t.value, window: t.window, ...(allowanceMs !== undefined ? { allowanceMs } : {}) });
          return { target: t.id, form: allowanceMs === undefined ? 'percentage' : 'fixed', allowance: t.allowance ?? null, text };
        });
      if (o.json) {
        printJson({ customer: e.customer, service: e.service, chain: e.chain, terms: e.terms, provenance: e.provenance, downtime });
        return;
      }
      const out: string[] = [];
      out.push(`Effective terms for customer "${e.customer}", service "${e.service}"`);
      out.push(`Layers: ${e.chain.map((c) => `${c.id} (${c.level})`).join(' <- ')}`);
      out.push('');
      const width = Math.min(60, Math.max(...e.provenance.map((p) => p.path.length)));
      const valueAt = (path: string) => lookup(e.terms as unknown, path);
      for (const p of e.provenance) {
        const v = valueAt(p.path);
        out.push(`${p.path.padEnd(width)}  ${render(v).padEnd(28)}  from ${p.agreement} (${p.level})`);
      }
      if (downtime.length > 0) {
        out.push('', 'Downtime allowed:');
        for (const d of downtime) out.push(`  ${d.target}: ${d.text}`);
      }
      process.stdout.write(`${out.join('\n')}\n`);
    });
}

function render(v: unknown): string {
  if (v === undefined) return '(not set)';
  if (typeof v === 'string') return v;
  const s = JSON.stringify(v);
  return s.length > 70 ? `${s.slice(0, 67)}...` : s;
}

/** Value at a provenance path like targets[response].clock.byPriority.P1 (list items by key). */
function lookup(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const m of path.matchAll(/([^.[\]]+)|\[([^\]]+)\]/g)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (m[2] !== undefined && Array.isArray(cur)) {
      const key = m[2];
      cur = cur.find(
        (x) =>
          x &&
          typeof x === 'object' &&
          Object.values(x as object).some((val) => String(val) === key) &&
          ['id', 'channel', 'level', 'name'].some((k) => String((x as Record<string, unknown>)[k]) === key),
      );
    } else cur = (cur as Record<string, unknown>)[m[1] ?? m[2]!];
  }
  return cur;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('Portfolio checks: coverage of every customer and service, and OLAs/UCs that can back each customer target')
    .argument('<paths...>', 'agreement files or folders')
    .option('--events <file>', 'NDJSON events: every (customer, service) pair in them must be covered')
    .option('--all', 'also list the checks that passed')
    .option('--json', 'print the findings as JSON')
    .action((paths: string[], o: { events?: string; all?: boolean; json?: boolean }) => {
      const { agreements, issues } = loadAgreements(paths);
      if (issues.length) throw new UsageError(issues);
      const pairs: Array<{ customer: string; service: string }> = [];
      if (o.events) {
        const f = must(readText(o.events));
        const parsed = parseNdjson(f.text, f.source);
        if (parsed.issues.length) throw new UsageError(parsed.issues);
        for (const e of parsed.events)
          if (e.customer !== undefined && e.service !== undefined) pairs.push({ customer: e.customer, service: e.service });
      }
      // `wd` durations count as the day length of the calendar they are measured in.
      const dayLengths = new Map<string, number>();
      const dayLengthMs = (a: AgreementSpec, calendar: string | undefined): number => {
        const key = `${a.id}\u0000${calendar ?? ''}`;
        if (!dayLengths.has(key)) {
          const doc = agreements.find((x) => x.spec.id === a.id);
          const ref = calendar !== undefined ? a.calendars[calendar] : undefined;
          const cal = doc && ref ? loadCalendarFile(isAbsolute(ref) ? ref : resolve(dirname(doc.source), ref)) : null;
          dayLengths.set(key, cal?.ok ? cal.value.dayLengthMs : calendar === undefined || calendar === '24x7' ? 86_400_000 : 8 * 3_600_000);
        }
        return dayLengths.get(key)!;
      };
      const findings = checkPortfolio({ portfolio: agreements, pairs, dayLengthMs });
      const problems = findings.filter((f) => f.severity === 'problem');
      if (o.json) printJson({ ok: problems.length === 0, findings });
      else {
        const shown = o.all ? findings : findings.filter((f) => f.severity !== 'ok');
        for (const f of shown)
          process.stdout.write(`${f.severity === 'problem' ? 'FAIL' : f.severity === 'note' ? 'note' : 'ok  '}  ${f.message}\n`);
        const passed = findings.length - problems.length - findings.filter((f) => f.severity === 'note').length;
        process.stdout.write(
          `${agreements.length} agreements: ${problems.length} problem${problems.length === 1 ? '' : 's'}, ${passed} check${passed === 1 ? '' : 's'} passed\n`,
        );
      }
      if (problems.length) process.exitCode = 1;
    });
}
