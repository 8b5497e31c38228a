/** `pledge validate` and `pledge explain`: agreements as code, checked and explained from files. */
import type { Command } from 'commander';
import { loadAgreements } from '../app/agreement-files.ts';
import { effectiveTerms } from '../core/agreements/layering.ts';
import { formatIssue } from '../core/validation/issues.ts';
import { printJson, UsageError } from './output.ts';

export function registerAgreements(program: Command): void {
  program
    .command('validate')
    .description('Check agreement files (YAML or JSON) and print every problem at once')
    .argument('<paths...>', 'agreement files or folders (searched for .yaml, .yml and .json)')
    .option('--json', 'print {valid, files, issues} as JSON')
    .action((paths: string[], o: { json?: boolean }) => {
      const { agreements, issues, files } = loadAgreements(paths);
      if (o.json) {
        printJson({ valid: issues.length === 0, files: files.length, agreements: agreements.map((a) => ({ id: a.spec.id, kind: a.spec.kind, level: a.spec.level, source: a.source })), issues });
      } else {
        for (const a of agreements) process.stdout.write(`ok  ${a.source}  (${a.spec.kind}, ${a.spec.level} level, ${a.spec.targets.length} target${a.spec.targets.length === 1 ? '' : 's'})\n`);
        for (const i of issues) process.stderr.write(`${formatIssue(i)}\n`);
        process.stdout.write(`${files.length} file${files.length === 1 ? '' : 's'}, ${issues.length} problem${issues.length === 1 ? '' : 's'}\n`);
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
      if (o.json) {
        printJson({ customer: e.customer, service: e.service, chain: e.chain, terms: e.terms, provenance: e.provenance });
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
      process.stdout.write(out.join('\n') + '\n');
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
      cur = cur.find((x) => x && typeof x === 'object' && Object.values(x as object).some((val) => String(val) === key) && ['id', 'channel', 'level', 'name'].some((k) => String((x as Record<string, unknown>)[k]) === key));
    } else cur = (cur as Record<string, unknown>)[m[1] ?? m[2]!];
  }
  return cur;
}
