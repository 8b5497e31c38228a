/**
 * Running the server as a process: open the store (applying migrations), listen, and close both
 * on SIGINT/SIGTERM so in-flight requests finish and SQLite checkpoints its WAL. For `pledge serve`.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../app/config.ts';
import { openStore } from '../store/index.ts';
import { holdDerivedWrites } from '../store/testing/hold-derived-writes.ts';
import type { Store } from '../store/types.ts';
import { startScheduler, type Scheduler } from '../app/alerts/scheduler.ts';
import { buildServer } from './server.ts';

export interface Running {
  app: FastifyInstance;
  store: Store;
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  close(): Promise<void>;
}

export async function serve(config: Config, opts: { port?: number; host?: string; handleSignals?: boolean } = {}): Promise<Running> {
  const opened = await openStore(config.store);
  // A test hook (PLEDGE_TEST_HOLD_DERIVED_WRITES), absent in production.
  const store = config.testHooks?.holdDerivedWrites ? holdDerivedWrites(opened, config.testHooks.holdDerivedWrites) : opened;
  const app = buildServer({ store, config, logger: config.logLevel === 'silent' ? false : { level: config.logLevel } });
  let closed = false;
  let scheduler: Scheduler | undefined;
  const close = async () => {
    if (closed) return;
    closed = true;
    await scheduler?.stop();
    await app.close();
    await store.close();
  };
  try {
    const url = await app.listen({ host: opts.host ?? config.host, port: opts.port ?? config.port });
    // The alert scheduler (docs/alerts.md, "Running it"), unless this instance serves the API only.
    if (config.workers !== 'off') scheduler = startScheduler({ store, config, logger: app.log });
    if (opts.handleSignals !== false) {
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void close().then(() => process.exit(0)));
    }
    return { app, store, url, close };
  } catch (e) {
    await close();
    throw e;
  }
}
