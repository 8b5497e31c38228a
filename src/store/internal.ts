/** Helpers shared by the adapters: JSON, cursors, page sizes, event payloads. Not public API. */
import { hash } from 'node:crypto';
import { InvalidInputError } from '../core/validation/issues.ts';
import type {
  AgreementChange,
  AppendResult,
  DerivedReplaced,
  DerivedReplacement,
  DerivedState,
  EventInput,
  EventOutcome,
  Page,
} from './types.ts';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.max(1, Math.min(MAX_LIMIT, Math.floor(limit)));
}

export { canonicalJson } from '../core/json.ts';
import { canonicalJson } from '../core/json.ts';

/** The payload stored for an event: every field but the derived `atMs`. */
export function eventPayload(e: EventInput): Record<string, unknown> {
  const { atMs: _atMs, ...rest } = e;
  return rest;
}

export function payloadHash(payload: Record<string, unknown>): string {
  return hash('sha256', canonicalJson(payload), 'hex');
}

/**
 * The payload as stored (its canonical JSON, keys sorted) and its hash, serialised once: ingestion
 * does this for every event, so it is not done twice.
 */
export function storedPayload(e: EventInput): { json: string; hash: string } {
  // The payload is every field but atMs (eventPayload), written without copying the event first.
  const text = canonicalJson(e, 'atMs');
  return { json: text, hash: hash('sha256', text, 'hex') };
}

/**
 * Cursors are the sort key of the last row of a page, as base64url JSON: opaque to clients, and
 * stable under inserts (keyset paging, not offsets).
 */
export function encodeCursor(key: ReadonlyArray<string | number>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decodes a cursor whose parts have the given kinds, or refuses it as bad input. */
export function decodeCursor(cursor: string, kinds: ReadonlyArray<'string' | 'number'>): Array<string | number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== kinds.length ||
    !parsed.every((p, i) => typeof p === kinds[i] && (typeof p !== 'number' || Number.isSafeInteger(p)))
  ) {
    throw new InvalidInputError([
      {
        path: 'after',
        message: 'not a cursor from a previous page',
        expected: 'the `next` value of a previous page',
        received: JSON.stringify(cursor.length > 40 ? `${cursor.slice(0, 37)}...` : cursor),
      },
    ]);
  }
  return parsed as Array<string | number>;
}

/** A quoted entity tag from a row version, ready for an HTTP ETag header. */
export function etagOf(rowVersion: number): string {
  return `"${rowVersion}"`;
}

/**
 * Calendars can be deleted and created again, which starts the row version at 1 again; the time
 * of the write in the tag keeps an old ETag from matching the new calendar.
 */
export function calendarEtag(rowVersion: number, updatedAt: number): string {
  return `"${rowVersion}.${updatedAt.toString(36)}"`;
}

/** Checks that appended version numbers continue the stored list; a mismatch is a caller bug. */
export function checkVersionNumbers(stored: number, appended: ReadonlyArray<{ version: number }>, agreementId: string): void {
  appended.forEach((v, i) => {
    if (v.version !== stored + i + 1) {
      throw new Error(
        `agreement ${agreementId}: appended version ${v.version} does not continue the stored versions (expected ${stored + i + 1}); build versions with addVersion from the stored list`,
      );
    }
  });
}

export function unknownTenant(tenant: string): Error {
  return new Error(`unknown tenant ${JSON.stringify(tenant)}: create it before writing to it`);
}

/** Optional string columns: absent rather than null in results. */
export function opt<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return (value === null || value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Cuts the extra row fetched to know whether there is a next page. */
export function page<T>(items: T[], limit: number, key: (t: T) => Array<string | number>): Page<T> {
  if (items.length <= limit) return { items };
  const kept = items.slice(0, limit);
  return { items: kept, next: encodeCursor(key(kept[kept.length - 1]!)) };
}

export function summarise(outcomes: EventOutcome[], committed: boolean, lastSeq: number): AppendResult {
  let accepted = 0;
  let duplicates = 0;
  let conflicts = 0;
  for (const o of outcomes) {
    if (o.status === 'accepted') accepted++;
    else if (o.status === 'duplicate') duplicates++;
    else if (o.status === 'conflict') conflicts++;
  }
  return { committed, outcomes, accepted, duplicates, conflicts, lastSeq };
}

/** eventsSince pages are for jobs catching up, so they may be larger than listing pages. */
export function sinceLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.max(1, Math.min(10_000, Math.floor(limit))) : 1000;
}

/** Keeps the last row for each key, in first-seen order of the keys. */
export function lastByKey<T>(rows: readonly T[], key: (t: T) => ReadonlyArray<string | number>): T[] {
  const m = new Map<string, T>();
  for (const r of rows) m.set(JSON.stringify(key(r)), r);
  return [...m.values()];
}

// --- derived results: what invalidates them, and when a write of them is refused -------------

/**
 * Whether an agreement change touches an input of the derived results (see DerivedState): its
 * document, versions or lifecycle transitions (back-dated ones included). A review or a change of
 * the customer column alone changes no figure. Both adapters ask this, so they agree.
 */
export function agreementChangeInvalidates(c: Pick<AgreementChange, 'document' | 'versions' | 'transitions'>): boolean {
  return c.document !== undefined || (c.versions?.length ?? 0) > 0 || (c.transitions?.length ?? 0) > 0;
}

/**
 * replaceDerived's compare-and-set, run inside its transaction on the stored state: undefined when
 * the change may be written; else the `stale` answer, when an input changed since the change was
 * computed (the generation moved), or the watermark is not the `from` it was computed from.
 */
export function staleDerived(stored: DerivedState, change: DerivedReplacement): DerivedReplaced | undefined {
  if (!Number.isSafeInteger(change.generation)) {
    const given = String(change.generation);
    throw new Error(`replaceDerived: generation ${given} is not a generation; read it with getDerivedState before reading the inputs`);
  }
  const moved = stored.generation !== change.generation || (change.from !== undefined && stored.watermark !== change.from);
  return moved ? { status: 'stale', ...stored } : undefined;
}
