/**
 * Runs every benchmark under bench/ (files named *.bench.ts exporting `run()`), prints the
 * figures and rewrites BENCHMARKS.md with them, the date and the machine.
 * Usage: npm run bench [-- name-filter...] [--no-write]
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, release } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

import type { BenchResult } from './types.ts';

const dir = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const write = !args.includes('--no-write');
const filters = args.filter((a) => !a.startsWith('--'));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const sections: Array<{ file: string; results: BenchResult[]; seconds: number }> = [];
for (const f of files) {
  process.stdout.write(`== ${f}\n`);
  const mod = (await import(pathToFileURL(join(dir, f)).href)) as { run: () => Promise<BenchResult[]> };
  const t0 = performance.now();
  const results = await mod.run();
  const seconds = (performance.now() - t0) / 1000;
  for (const r of results) process.stdout.write(`   ${r.name}: ${fmt(r.value)} ${r.unit}${r.note ? `  (${r.note})` : ''}\n`);
  sections.push({ file: f, results, seconds });
}

function fmt(v: number): string {
  if (v >= 100) return Math.round(v).toLocaleString('en-US');
  return v.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

if (write && filters.length === 0) {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const machine = `${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}, Node.js ${process.version}`;
  const date = new Date().toISOString().slice(0, 10);
  const lines = [
    '# Benchmarks',
    '',
    'Produced by `npm run bench` (bench/run.ts), which rewrites this file. Each figure stands beside the',
    'peer or ceiling it is compared with, measured in the same run on the same inputs. Timing lives',
    'here, never in tests. One core: the benchmarks are single-threaded.',
    '',
    `- Date: ${date}`,
    `- Machine: ${machine}`,
    '',
  ];
  for (const s of sections) {
    lines.push(`## ${s.file.replace('.bench.ts', '')}`, '', '| What | Figure | Unit | Notes |', '| --- | ---: | --- | --- |');
    for (const r of s.results) lines.push(`| ${r.name} | ${fmt(r.value)} | ${r.unit} | ${r.note ?? ''} |`);
    lines.push('', `(whole section: ${s.seconds.toFixed(1)} s)`, '');
  }
  writeFileSync(join(dir, '..', 'BENCHMARKS.md'), lines.join('\n'));
  process.stdout.write('BENCHMARKS.md written\n');
}
