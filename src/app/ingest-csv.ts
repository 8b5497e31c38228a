/**
 * Ingesting a CSV ticket export through a column mapping: the file is streamed through csv-parse,
 * each row is turned into events by the pure mapper (core/events/csv.ts), and the events are
 * stored through the same use case as NDJSON (ingestBatch), so validation, duplicates, conflicts
 * and all-or-nothing mean exactly the same.
 *
 * - A row is all or nothing (see csv.ts). Good rows are stored even when others are bad, unless
 *   `allOrNothing`: then the whole file is mapped first and nothing is written if any row is bad
 *   (and each transaction is still all-or-nothing about conflicts, as for NDJSON).
 * - Transactions hold whole rows, about `batch` events each.
 * - A header that does not fit the mapping stops everything before anything is written.
 */
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { CsvEventReader, normalizeLineBreaks, type RowOutcome } from '../core/events/csv.ts';
import type { CsvMapping } from '../core/events/csv-mapping.ts';
import type { Timed } from '../core/events/schema.ts';
import type { Issue } from '../core/validation/issues.ts';
import type { BatchSender } from './ingest.ts';

export type CsvRow = RowOutcome | { line: number; status: 'fatal'; issues: Issue[] };

/**
 * The decoded text of a byte stream, with line breaks normalized to \n (a \r\n split between two
 * chunks included). Invalid UTF-8 is an error rather than silently replaced characters: it is
 * almost always a file in another encoding, which the mapping can name.
 */
async function* decodeText(input: AsyncIterable<Uint8Array | string>, encoding: CsvMapping['csv']['encoding']): AsyncGenerator<string> {
  const decoder = new TextDecoder(encoding, { fatal: encoding === 'utf-8' || encoding === 'utf-16le' });
  let carry = '';
  for await (const chunk of input) {
    let text = carry + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    carry = '';
    if (text.endsWith('\r')) {
      carry = '\r';
      text = text.slice(0, -1);
    }
    if (text) yield normalizeLineBreaks(text);
  }
  const rest = carry + decoder.decode();
  if (rest) yield normalizeLineBreaks(rest);
}

class DecodeError extends Error {}

/**
 * The rows of a CSV stream as the mapping reads them, in file order. A header that does not fit
 * the mapping, an empty file, or bytes that are not text in the mapping's encoding end the stream
 * with one `fatal` item.
 */
export async function* csvRows(input: AsyncIterable<Uint8Array | string>, mapping: CsvMapping, file: string): AsyncGenerator<CsvRow> {
  const reader = new CsvEventReader(mapping, file);
  const parser = parse(reader.parserOptions());
  const decoded = Readable.from(
    (async function* () {
      try {
        yield* decodeText(input, mapping.csv.encoding);
      } catch (e) {
        // TextDecoder's own error for bad bytes; anything else (the file vanished) is not the user's input.
        if (e instanceof TypeError && /decode|encoding|invalid/i.test(e.message)) throw new DecodeError(e.message);
        throw e;
      }
    })(),
  );
  decoded.on('error', (e) => parser.destroy(e));
  decoded.pipe(parser);
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const out = reader.record(item.record, item.info.lines);
      if (reader.fatal) {
        yield { line: 1 + mapping.csv.skipLines, status: 'fatal', issues: reader.fatal };
        decoded.destroy();
        return;
      }
      yield* reader.takeUnreadable();
      if (out) yield out;
    }
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    const hint =
      mapping.csv.encoding === 'utf-8' ? ': exports from Excel on Windows are often windows-1252; set csv.encoding in the mapping' : '';
    yield {
      line: 0,
      status: 'fatal',
      issues: [
        {
          path: 'csv.encoding',
          source: file,
          message: `the file is not valid ${mapping.csv.encoding} text${hint}`,
          received: mapping.csv.encoding,
        },
      ],
    };
    return;
  }
  reader.finish();
  if (reader.fatal) {
    yield { line: 0, status: 'fatal', issues: reader.fatal };
    return;
  }
  yield* reader.takeUnreadable();
}

export interface CsvSummary {
  /** Data rows read (the header and blank lines not counted). */
  rows: number;
  /** Rows left out on purpose: skip rules, types mapped to null, rows with every cell empty. */
  skipped: number;
  /** Rows with a bad cell: none of their events is stored. */
  rowsRejected: number;
  /** Events the good rows gave, and what became of them (as for NDJSON). */
  received: number;
  accepted: number;
  duplicates: number;
  conflicts: number;
  rejected: number;
  /** Events of good rows not written because the import was all-or-nothing. */
  notWritten: number;
  batches: number;
}

export interface CsvProblem {
  line: number;
  status: 'rejected' | 'conflict';
  /** The event concerned, for a conflict. */
  eventId?: string;
  issues: Issue[];
}

export interface CsvIngestContext {
  /** Where the batches go (a store, or a server). */
  send: BatchSender;
}

export interface CsvIngestInput {
  rows: AsyncIterable<CsvRow>;
  /** Events per transaction (whole rows; a transaction may hold a few more). */
  batch: number;
  allOrNothing?: boolean;
  /** At most this many problems are kept (all are counted). */
  maxProblems?: number;
  onProgress?: (s: Readonly<CsvSummary>) => void;
}

export type CsvIngestResult =
  | { ok: true; summary: CsvSummary; problems: CsvProblem[]; problemsOmitted: number }
  | { ok: false; issues: Issue[]; summary: CsvSummary };

export async function ingestCsv(ctx: CsvIngestContext, input: CsvIngestInput): Promise<CsvIngestResult> {
  const summary: CsvSummary = {
    rows: 0,
    skipped: 0,
    rowsRejected: 0,
    received: 0,
    accepted: 0,
    duplicates: 0,
    conflicts: 0,
    rejected: 0,
    notWritten: 0,
    batches: 0,
  };
  const problems: CsvProblem[] = [];
  const maxProblems = input.maxProblems ?? 1000;
  let omitted = 0;
  const note = (p: CsvProblem) => {
    if (problems.length < maxProblems) problems.push(p);
    else omitted++;
  };
  let pending: Array<{ line: number; events: Timed[] }> = [];
  let pendingEvents = 0;

  const flush = async (rows: Array<{ line: number; events: Timed[] }>) => {
    const lines: number[] = [];
    const events: Array<Record<string, unknown>> = [];
    for (const r of rows)
      for (const e of r.events) {
        const { atMs: _atMs, ...plain } = e;
        events.push(plain);
        lines.push(r.line);
      }
    if (events.length === 0) return undefined;
    const r = await ctx.send({ body: JSON.stringify(events), format: 'json', allOrNothing: input.allOrNothing === true });
    // The body is built here from validated events: only a limit (a server's, smaller than the
    // batch) can refuse it as a whole.
    if (!r.ok)
      return { ok: false as const, issues: [{ path: '--batch', message: `the batch was refused as a whole: ${r.error.message}` }] };
    const rep = r.report;
    summary.batches++;
    summary.received += rep.received;
    summary.accepted += rep.accepted;
    summary.duplicates += rep.duplicates;
    summary.conflicts += rep.conflicts;
    summary.rejected += rep.rejected;
    for (const it of rep.results) {
      if (it.status === 'not_written') summary.notWritten++;
      else if (it.status === 'rejected') note({ line: lines[it.index]!, status: 'rejected', issues: it.issues });
      else if (it.status === 'conflict') {
        // Another customer's ticket (`owner`): the ingest result says whose; else a cell changed since the first import.
        const message =
          it.owner !== undefined
            ? it.reason
            : `the event ${JSON.stringify(it.id)} is stored already with other content: a cell it comes from changed since the first import; the stored fact stays (import a correction as a new event, e.g. a priority or status change)`;
        note({ line: lines[it.index]!, status: 'conflict', eventId: it.id, issues: [{ path: '', message }] });
      }
    }
    input.onProgress?.(summary);
    return undefined;
  };

  for await (const row of input.rows) {
    if (row.status === 'fatal') return { ok: false, issues: row.issues, summary };
    summary.rows++;
    if (row.status === 'skipped') summary.skipped++;
    else if (row.status === 'rejected') {
      summary.rowsRejected++;
      note({ line: row.line, status: 'rejected', issues: row.issues });
    } else {
      pending.push({ line: row.line, events: row.events });
      pendingEvents += row.events.length;
      if (!input.allOrNothing && pendingEvents >= input.batch) {
        const refused = await flush(pending);
        if (refused) return { ...refused, summary };
        pending = [];
        pendingEvents = 0;
      }
    }
    if (input.onProgress && summary.rows % 1000 === 0) input.onProgress(summary);
  }
  if (input.allOrNothing && summary.rowsRejected > 0) {
    summary.notWritten += pendingEvents;
  } else {
    // All-or-nothing imports arrive here with every good row still pending: store them in batches.
    let chunk: typeof pending = [];
    let n = 0;
    for (const r of pending) {
      chunk.push(r);
      n += r.events.length;
      if (n >= input.batch) {
        const refused = await flush(chunk);
        if (refused) return { ...refused, summary };
        chunk = [];
        n = 0;
      }
    }
    const refused = await flush(chunk);
    if (refused) return { ...refused, summary };
  }
  problems.sort((a, b) => a.line - b.line);
  return { ok: true, summary, problems, problemsOmitted: omitted };
}
