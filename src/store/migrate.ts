/**
 * Versioned, forward-only migrations: SQL files in migrations/<database>/, named
 * `YYYYMMDD_NNN_purpose.sql` and applied in name order. Each database records what it has in
 * `schema_migrations` (name, SHA-256 of the file, when). Pending migrations are applied together in
 * one transaction, so a failure leaves the schema as it was.
 *
 * Refused, rather than guessed at: a database that has a migration this code does not know (it was
 * migrated by a newer Pledge), and an applied migration whose file has changed since (migrations
 * are never edited once released: add a new one).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StoreError } from './errors.ts';

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

const NAME = /^(\d{8}_\d{3}_[a-z0-9_]+)\.sql$/;

/** The migrations shipped for a database, in the order they apply. */
export function loadMigrations(kind: 'sqlite' | 'postgres'): Migration[] {
  const dir = fileURLToPath(new URL(`./migrations/${kind}/`, import.meta.url));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  return files.map((file) => {
    const m = NAME.exec(file);
    // A misnamed file would apply out of order; that is a mistake in the repository, not at run time.
    if (!m) throw new Error(`migration file ${kind}/${file} is not named YYYYMMDD_NNN_purpose.sql`);
    const sql = readFileSync(`${dir}${file}`, 'utf8');
    return { name: m[1]!, sql, checksum: createHash('sha256').update(sql, 'utf8').digest('hex') };
  });
}

/** Which of `known` still have to be applied, given what the database recorded. */
export function pendingMigrations(
  known: readonly Migration[],
  applied: ReadonlyArray<{ name: string; checksum: string }>,
  operation: string,
): Migration[] {
  const byName = new Map(known.map((m) => [m.name, m]));
  for (const a of applied) {
    const m = byName.get(a.name);
    if (!m) {
      throw new StoreError(
        `the database has migration ${a.name}, which this version of Pledge does not know: it was migrated by a newer Pledge; run that version (or newer)`,
        { retryable: false, operation },
      );
    }
    if (m.checksum !== a.checksum) {
      throw new StoreError(
        `migration ${a.name} was changed after it was applied to this database (checksum differs); released migrations must not be edited`,
        { retryable: false, operation },
      );
    }
  }
  const done = new Set(applied.map((a) => a.name));
  return known.filter((m) => !done.has(m.name));
}
