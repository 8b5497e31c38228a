/**
 * Where a command acts: on a database (`--db`, the same use cases as the server, acting as
 * `cli:$USER` in the audit log) or against a running server (`--url`, the token's tenant and role).
 * The commands that offer both (alerts, silences, channels, notifications, report-schedules,
 * sources) take the same four options, described once here.
 */
import type { Command } from 'commander';
import type { Store } from '../store/types.ts';
import { DB_HELP, withStore } from './db.ts';
import { URL_HELP } from './remote.ts';
import { existingTenant } from './tenant.ts';

export interface Where {
  tenant: string;
  db?: string;
  url?: string;
  json?: boolean;
}

/** The actor a change made on a database is recorded under. */
export const actor = () => `cli:${process.env.USER ?? 'local'}`;

/** --tenant, --db, --url and --json. */
export function whereOptions(c: Command): Command {
  return c
    .option('--tenant <id>', "tenant (on a database; a server takes the token's)", 'default')
    .option('--db <database>', DB_HELP)
    .option('--url <url>', URL_HELP)
    .option('--json', 'print as JSON');
}

/** Runs `fn` on the database's store, once the tenant is known to exist there. */
export async function onDb<T>(o: Where, fn: (store: Store, now: number) => Promise<T>): Promise<T> {
  return withStore(o.db, async (store) => {
    await existingTenant(store, o.tenant);
    return fn(store, Date.now());
  });
}
