/**
 * A test hook for real server processes, never for production: the store's writes of derived
 * results wait at a gate, so a test can change an agreement or a calendar through another process
 * between a recomputation's reads and its write, deterministically and without timing. `pledge
 * serve` installs it only when PLEDGE_TEST_HOLD_DERIVED_WRITES names a folder (src/app/config.ts).
 *
 * Protocol, in that folder (one folder per process): before the n-th replaceDerived of the process
 * (n = 1, 2, ...) it writes `held-<n>.json` ({ tenant, generation, from, watermark }) and waits
 * until a file `release` exists; then it writes and records the store's answer in `done-<n>.json`.
 * Once `release` exists, later writes pass at once (and are still recorded), so a recomputation
 * that was refused and computes again is seen as `held-2`, `done-2`.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DerivedReplaced, DerivedReplacement, Store, TenantId } from '../types.ts';

/** How often the gate looks for `release`: polling a file, so that any process can open it. */
const POLL_MS = 20;

export function holdDerivedWrites(store: Store, dir: string): Store {
  let count = 0;
  const release = join(dir, 'release');
  const replaceDerived = async (tenant: TenantId, change: DerivedReplacement): Promise<DerivedReplaced> => {
    const n = ++count;
    writeFileSync(
      join(dir, `held-${n}.json`),
      JSON.stringify({ tenant, generation: change.generation, from: change.from ?? null, watermark: change.watermark }),
    );
    while (!existsSync(release)) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const r = await store.replaceDerived(tenant, change);
    writeFileSync(join(dir, `done-${n}.json`), JSON.stringify(r));
    return r;
  };
  return new Proxy(store, {
    get(target, key) {
      if (key === 'replaceDerived') return replaceDerived;
      const v: unknown = Reflect.get(target, key, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
