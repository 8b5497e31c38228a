/** What every benchmark's run() returns; bench/run.ts prints it and writes BENCHMARKS.md. */
export type BenchResult = { name: string; value: number; unit: string; note?: string };
