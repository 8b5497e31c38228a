/**
 * `pledge import openslo FILE...` and `pledge export openslo AGREEMENT`: OpenSLO v1 documents to
 * agreement files and back (src/core/openslo/convert.ts, docs/openslo.md). Files in, files out:
 * no database, no server. The YAML goes to standard output (or --out), the report of what has no
 * equivalent to standard error (or into --json's answer), so `> agreement.yaml` keeps only the YAML.
 * Nothing is written when a file cannot be read: every problem is printed, with its path, and the
 * command exits 2.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { readText } from '../app/files.ts';
import { agreementFromText } from '../core/agreements/load.ts';
import { exportOpenSlo, importOpenSlo, parseOpenSloText, toYamlStream, type Gap, type SourceDocument } from '../core/openslo/convert.ts';
import { slug } from '../core/validation/common.ts';
import type { Issue } from '../core/validation/issues.ts';
import { badInput, must, printJson, UsageError } from './output.ts';

const KINDS = ['sla', 'ola', 'uc'] as const;

function printGaps(gaps: readonly Gap[]): void {
  if (gaps.length === 0) return;
  process.stderr.write(`${gaps.length} thing${gaps.length === 1 ? '' : 's'} without an equivalent or read differently:\n`);
  for (const g of gaps) process.stderr.write(`  ${g.kind.padEnd(13)} ${g.document}${g.path ? ` ${g.path}` : ''}: ${g.message}\n`);
}

function write(text: string, out: string | undefined): void {
  if (out === undefined) process.stdout.write(text);
  else {
    try {
      writeFileSync(out, text);
    } catch (e) {
      badInput('--out', `cannot write the file: ${(e as Error).message}`, out);
    }
  }
}

export function registerOpenSlo(program: Command): void {
  program
    .command('import')
    .description('Turn documents of other tools into Pledge agreements (openslo)')
    .command('openslo')
    .description('OpenSLO v1 SLO, SLI, Service, DataSource and alert documents to agreement YAML; prints what has no equivalent')
    .argument('<files...>', 'OpenSLO YAML or JSON files (several documents per file, separated by ---)')
    .option('--id <id>', "the agreement's id (when the SLOs name one service; default: the service's name)")
    .option('--kind <kind>', 'sla, ola or uc', 'sla')
    .option('--provider <id>', "the provider's id (OpenSLO names none)")
    .option('--provider-name <name>', "the provider's name (default: its id)")
    .option('--out <file>', 'write the agreements there instead of standard output')
    .option('--json', 'print {agreements, report} as JSON')
    .action((files: string[], o: { id?: string; kind: string; provider?: string; providerName?: string; out?: string; json?: boolean }) => {
      const issues: Issue[] = [];
      for (const [path, value] of [
        ['--id', o.id],
        ['--provider', o.provider],
      ] as const) {
        if (value !== undefined && !slug.safeParse(value).success)
          issues.push({ path, message: 'expected an id of letters, digits, ".", "-" or "_"', received: value });
      }
      if (!(KINDS as readonly string[]).includes(o.kind))
        issues.push({ path: '--kind', message: 'unknown kind', expected: KINDS.join(', '), received: o.kind });
      const docs: SourceDocument[] = [];
      for (const f of files) {
        const text = readText(f);
        if (!text.ok) {
          issues.push(...text.issues);
          continue;
        }
        const parsed = parseOpenSloText(text.value.text, f);
        if (parsed.ok) docs.push(...parsed.value);
        else issues.push(...parsed.issues);
      }
      if (issues.length > 0) throw new UsageError(issues);
      const r = must(
        importOpenSlo(docs, {
          ...(o.id !== undefined ? { id: o.id } : {}),
          kind: o.kind as (typeof KINDS)[number],
          ...(o.provider !== undefined ? { provider: { id: o.provider, name: o.providerName ?? o.provider } } : {}),
        }),
      );
      if (o.json) {
        if (o.out !== undefined) write(toYamlStream(r.agreements), o.out);
        printJson({ agreements: r.agreements, report: r.gaps });
        return;
      }
      if (r.agreements.length === 0) process.stderr.write('no SLO with a good/total ratio: no agreement made\n');
      else write(r.agreements.map((a) => stringify(a, { lineWidth: 0 })).join('---\n'), o.out);
      printGaps(r.gaps);
    });

  program
    .command('export')
    .description("Write an agreement's measurable targets in other tools' formats (openslo)")
    .command('openslo')
    .description(
      "An agreement file's ratio targets (measured from Prometheus) as OpenSLO v1 Service and SLO documents; prints what has no equivalent",
    )
    .argument('<agreement>', 'an agreement file (YAML or JSON)')
    .option('--out <file>', 'write the documents there instead of standard output')
    .option('--json', 'print {documents, report} as JSON')
    .action((file: string, o: { out?: string; json?: boolean }) => {
      const text = must(readText(file));
      const loaded = must(agreementFromText(text.text, file));
      const r = exportOpenSlo(loaded.spec);
      if (o.json) {
        if (o.out !== undefined) write(toYamlStream(r.documents), o.out);
        printJson({ documents: r.documents, report: r.gaps });
        return;
      }
      write(toYamlStream(r.documents), o.out);
      printGaps(r.gaps);
    });
}
