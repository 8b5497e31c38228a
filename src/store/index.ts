/**
 * Opening the store. `openStore` connects (SQLite: opens or creates the file), applies pending
 * migrations and returns the store; `migrate` does only the migrations, for `pledge migrate`.
 * See docs/operations.md for where data lives and what is guaranteed.
 */
import { openPostgresStore } from './postgres/store.ts';
import { openSqliteStore } from './sqlite/store.ts';
import type { MigrationReport, Store, StoreConfig } from './types.ts';

export type * from './types.ts';
export { ROLES } from './types.ts';
export { StoreError, isStoreError } from './errors.ts';
export { generateTokenSecret, hashTokenSecret, TOKEN_PREFIX } from './tokens.ts';

export async function openStore(config: StoreConfig): Promise<Store> {
  switch (config.kind) {
    case 'sqlite':
      return openSqliteStore(config.path);
    case 'postgres':
      return openPostgresStore(config);
    default:
      throw new Error(`unknown store kind ${JSON.stringify((config as { kind?: unknown }).kind)}`);
  }
}

/** Applies pending migrations and closes again; reports what was applied. */
export async function migrate(config: StoreConfig): Promise<MigrationReport> {
  const store = await openStore(config);
  try {
    return store.migrations;
  } finally {
    await store.close();
  }
}
