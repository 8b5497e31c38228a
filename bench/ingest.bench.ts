/**
 * Ingestion into the stores: NDJSON through Pledge's whole path (parse, validate every event,
 * de-duplicate, one transaction per batch, durable on return) against the raw insert ceiling of
 * the same rows into an identical table with the same driver, settings and batch size. Then
 * `pledge rebuild` of every derived result from the stored events.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './types.ts';
import { openStore } from '../src/store/index.ts';
import type { Store, StoreConfig } from '../src/store/types.ts';
import { ingestBatch } from '../src/app/ingest.ts';
import { rebuildDerived } from '../src/app/derive.ts';
import { seedDemo } from '../src/demo/seed.ts';
import { generateTicketEvents } from '../src/demo/generate.ts';
import { compileCalendar } from '../src/core/calendar/compile.ts';
import { unwrap } from '../src/core/validation/issues.ts';
import { startPostgres } from '../src/store/testing/pg-harness.ts';

const EVENTS = Number(process.env.PLEDGE_BENCH_EVENTS ?? 200_000);
const BATCH = 5_000;

function makeEvents(n: number): string[] {
  const cal = unwrap(compileCalendar({ timezone: 'UTC', hours: 'always' }));
  const lines: string[] = [];
  for (let seed = 1; lines.length < n; seed++) {
    for (const e of generateTicketEvents({
      seed,
      from: Date.UTC(2026, 0, 1),
      to: Date.UTC(2026, 3, 1),
      calendar: cal,
      ticketsPerWorkingDay: 300,
    })) {
      if (lines.length >= n) break;
      lines.push(JSON.stringify({ ...e, id: `s${seed}-${e.id}`, ticket: 'ticket' in e ? `s${seed}-${e.ticket}` : undefined }));
    }
  }
  return lines;
}

/** The rows Pledge stores, computed up front so the ceiling measures inserting only. */
function rows(lines: string[]): unknown[][] {
  return lines.map((line, i) => {
    const e = JSON.parse(line) as Record<string, unknown>;
    const canonical = JSON.stringify(Object.fromEntries(Object.entries(e).sort(([a], [b]) => (a < b ? -1 : 1))));
    return [
      'bench',
      i + 1,
      '',
      e.id,
      e.type,
      Date.parse(e.at as string),
      e.ticket ?? null,
      e.service ?? null,
      e.customer ?? null,
      e.region ?? null,
      line,
      createHash('sha256').update(canonical).digest('hex'),
      Date.now(),
    ];
  });
}

async function pledgePath(store: Store, lines: string[]): Promise<number> {
  await store.createTenant({ id: 'bench', name: 'bench', createdAt: 0 });
  const t0 = performance.now();
  for (let i = 0; i < lines.length; i += BATCH) {
    const r = await ingestBatch(
      { tenant: 'bench', store, now: Date.now(), limits: { batchEvents: BATCH, batchBytes: 1 << 30, maxClockSkewMs: 86_400_000 } },
      { body: lines.slice(i, i + BATCH).join('\n'), format: 'ndjson' },
    );
    if (!r.ok || r.report.accepted !== Math.min(BATCH, lines.length - i)) throw new Error('ingestion did not accept every event');
  }
  return (performance.now() - t0) / 1000;
}

const SQLITE_DDL = readFileSync(fileURLToPath(new URL('../src/store/migrations/sqlite/20261123_001_initial.sql', import.meta.url)), 'utf8');

function sqliteCeiling(dir: string, data: unknown[][], file = 'ceiling.db'): number {
  const db = new Database(join(dir, file));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(SQLITE_DDL);
  db.prepare("INSERT INTO tenants (id, name, created_at) VALUES ('bench', 'bench', 0)").run();
  const insert = db.prepare(
    'INSERT INTO events (tenant, seq, source, event_id, type, at, ticket, service, customer, region, payload, payload_hash, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const batch = db.transaction((rs: unknown[][]) => {
    for (const r of rs) insert.run(...r);
  });
  const t0 = performance.now();
  for (let i = 0; i < data.length; i += BATCH) batch(data.slice(i, i + BATCH));
  const s = (performance.now() - t0) / 1000;
  db.close();
  return s;
}

async function pgCeiling(url: string, schema: string, data: unknown[][]): Promise<number> {
  // The same schema as the store's, made by opening a store there (it migrates), then raw inserts.
  const store = await openStore({ kind: 'postgres', url, schema });
  await store.createTenant({ id: 'bench', name: 'bench', createdAt: 0 });
  await store.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`SET search_path TO "${schema}"`);
  const t0 = performance.now();
  for (let i = 0; i < data.length; i += BATCH) {
    const chunk = data.slice(i, i + BATCH);
    const cols = 13;
    const params: unknown[] = [];
    const values = chunk.map((r, k) => {
      params.push(...r);
      return `(${Array.from({ length: cols }, (_, c) => `$${k * cols + c + 1}`).join(',')})`;
    });
    // One statement per 5,000 rows would exceed 65,535 parameters; split it.
    await client.query('BEGIN');
    for (let j = 0; j < values.length; j += 4000) {
      const part = values.slice(j, j + 4000);
      const off = j * cols;
      const renum = part.map((_row, k) => `(${Array.from({ length: cols }, (_, c) => `$${k * cols + c + 1}`).join(',')})`);
      await client.query(
        `INSERT INTO events (tenant, seq, source, event_id, type, at, ticket, service, customer, region, payload, payload_hash, received_at) VALUES ${renum.join(',')}`,
        params.slice(off, off + part.length * cols),
      );
    }
    await client.query('COMMIT');
  }
  const s = (performance.now() - t0) / 1000;
  await client.end();
  return s;
}

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const lines = makeEvents(EVENTS);
  const data = rows(lines);
  const dir = mkdtempSync(join(tmpdir(), 'pledge-bench-ingest-'));
  try {
    // Each path twice, alternately, each time into a fresh file; the better of the two counts for
    // both (the first run of either pays for warming up and for the garbage of preparing the inputs).
    const pledgeRuns: number[] = [];
    const ceilRuns: number[] = [];
    for (let k = 0; k < 2; k++) {
      const sqlite = await openStore({ kind: 'sqlite', path: join(dir, `pledge-${k}.db`) });
      pledgeRuns.push(await pledgePath(sqlite, lines));
      await sqlite.close();
      ceilRuns.push(sqliteCeiling(dir, data, `ceiling-${k}.db`));
    }
    const sPledge = Math.min(...pledgeRuns);
    const sCeil = Math.min(...ceilRuns);
    const both = (xs: number[]) => xs.map((x) => `${x.toFixed(2)} s`).join(', ');
    out.push({
      name: 'ingest NDJSON into SQLite (Pledge: parse, validate, dedupe, commit per 5,000)',
      value: Math.round(EVENTS / sPledge),
      unit: 'events/s',
      note: `${EVENTS.toLocaleString('en')} events, best of ${both(pledgeRuns)}; ${((sCeil / sPledge) * 100).toFixed(0)}% of the ceiling`,
    });
    out.push({
      name: 'ceiling: raw better-sqlite3 inserts of the same rows, same table, WAL + synchronous=FULL',
      value: Math.round(EVENTS / sCeil),
      unit: 'events/s',
      note: `best of ${both(ceilRuns)}`,
    });

    const pgStart = await startPostgres();
    if (pgStart.ok) {
      try {
        const store = await openStore({ kind: 'postgres', url: pgStart.harness.url, schema: pgStart.harness.freshSchema() } as StoreConfig);
        const pPledge = await pledgePath(store, lines);
        await store.close();
        const pCeil = await pgCeiling(pgStart.harness.url, pgStart.harness.freshSchema(), data);
        out.push({
          name: 'ingest NDJSON into PostgreSQL (Pledge path, throwaway local cluster)',
          value: Math.round(EVENTS / pPledge),
          unit: 'events/s',
          note: `${pPledge.toFixed(2)} s; ${((pCeil / pPledge) * 100).toFixed(0)}% of the ceiling; cluster runs with fsync off`,
        });
        out.push({
          name: 'ceiling: raw multi-row INSERTs of the same rows with pg, same table',
          value: Math.round(EVENTS / pCeil),
          unit: 'events/s',
          note: `${pCeil.toFixed(2)} s`,
        });
      } finally {
        await pgStart.harness.stop();
      }
    } else out.push({ name: 'ingest into PostgreSQL', value: NaN, unit: 'events/s', note: `not measured: ${pgStart.reason}` });

    // Rebuild: the demo portfolio's agreements over a quarter of its events.
    const demo = await openStore({ kind: 'sqlite', path: join(dir, 'demo.db') });
    const now = Date.parse('2026-11-23T12:00:00Z');
    const seeded = await seedDemo(demo, now);
    const t0 = performance.now();
    const r = await rebuildDerived({ store: demo, tenant: 'demo', now });
    const sRebuild = (performance.now() - t0) / 1000;
    await demo.close();
    out.push({
      name: 'pledge rebuild (demo portfolio: 10 agreements, three months of events up to now)',
      value: sRebuild,
      unit: 's',
      note: `${seeded.events.toLocaleString('en')} events -> ${r.clocks} clocks, ${r.compliance} compliance, ${r.settlements} settlements; ${Math.round(seeded.events / sRebuild).toLocaleString('en')} events/s`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run()) console.log(`${r.name}: ${r.value} ${r.unit}${r.note ? ` (${r.note})` : ''}`);
}
