/**
 * The tenant of a CLI command on a database, and where an agreement it names really is.
 *
 * On a database the CLI is the operator, who may see every tenant: when a command names a tenant
 * that does not exist, or an agreement that is not in that tenant, it says which tenants there are
 * and where the agreement is ("no agreement acme-checkout in tenant default; it exists in tenant
 * demo, pass --tenant demo"), instead of a bare "not found" that leaves the user guessing (the
 * demo lives in tenant `demo`, the commands default to `default`). A server never says this: its
 * tenant is the token's and other tenants are not revealed (src/core/access/policy.ts).
 */
import type { Store, StoredAgreement } from '../store/types.ts';
import { UsageError } from './output.ts';

/** How many tenants a message lists, and how many are searched for an agreement. */
const SHOWN = 10;
const SEARCHED = 1000;

const list = (ids: readonly string[]) =>
  ids.length > SHOWN ? `${ids.slice(0, SHOWN).join(', ')} and ${ids.length - SHOWN} more` : ids.join(', ');

/** The tenants of the database that hold agreement `id` (other than `tenant`), by id. */
async function tenantsWith(store: Store, id: string, except: string): Promise<string[]> {
  const out: string[] = [];
  for (const t of (await store.listTenants()).slice(0, SEARCHED)) {
    if (t.id !== except && (await store.getAgreement(t.id, id))) out.push(t.id);
  }
  return out.sort();
}

/** Where to look instead: "it exists in tenant demo, pass --tenant demo" or "...tenants a, b: pass --tenant with one of them". */
function elsewhere(id: string, found: readonly string[]): string {
  return found.length === 1
    ? `it exists in tenant ${found[0]}, pass --tenant ${found[0]}`
    : `agreement ${id} exists in tenants ${list(found)}: pass --tenant with one of them`;
}

/** The tenant must exist: a typo in --tenant is bad input naming the tenants there are, not an empty answer. */
export async function existingTenant(store: Store, tenant: string): Promise<void> {
  if (await store.getTenant(tenant)) return;
  const known = (await store.listTenants()).map((t) => t.id).sort();
  throw new UsageError([
    {
      path: '--tenant',
      message: `no tenant ${tenant} in this database`,
      expected: known.length ? `one of ${list(known)}` : 'a tenant that exists (pledge apply, ingest or token create makes one)',
      received: JSON.stringify(tenant),
    },
  ]);
}

/**
 * Why agreement `id` is not found in `tenant`, as one sentence, and what is wrong: the tenant
 * (missing) or the agreement (elsewhere, or nowhere in this database).
 */
export async function whyNoAgreement(
  store: Store,
  tenant: string,
  id: string,
): Promise<{ wrong: 'tenant' | 'agreement'; message: string }> {
  const found = await tenantsWith(store, id, tenant);
  if (!(await store.getTenant(tenant))) {
    const known = (await store.listTenants()).map((t) => t.id).sort();
    const none = `no agreement ${id} in tenant ${tenant}: there is no tenant ${tenant} in this database`;
    if (found.length) return { wrong: 'tenant', message: `${none}; ${elsewhere(id, found)}` };
    return { wrong: 'tenant', message: `${none}${known.length ? ` (tenants: ${list(known)})` : ''}, and no tenant has agreement ${id}` };
  }
  if (found.length) return { wrong: 'tenant', message: `no agreement ${id} in tenant ${tenant}; ${elsewhere(id, found)}` };
  return {
    wrong: 'agreement',
    message: `no agreement ${id} in tenant ${tenant}, nor in any other tenant of this database (pledge apply stores agreement files)`,
  };
}

/**
 * The stored agreement, or bad input that says where it is instead: at `path` (the option or
 * argument naming the agreement) when it is nowhere, at --tenant when the tenant is the mistake.
 */
export async function agreementIn(store: Store, tenant: string, id: string, path: string): Promise<StoredAgreement> {
  const a = await store.getAgreement(tenant, id);
  if (a) return a;
  const why = await whyNoAgreement(store, tenant, id);
  throw new UsageError([
    why.wrong === 'tenant'
      ? { path: '--tenant', message: why.message, received: JSON.stringify(tenant) }
      : { path, message: why.message, received: JSON.stringify(id) },
  ]);
}
