/**
 * `pledge worker`: the background work without the HTTP server, for deployments that run API
 * instances and workers apart (docs/operations.md, "Delivery workers"): the delivery loop and,
 * unless --tenant confines it to one tenant, the alert scheduler (docs/alerts.md, "Running it");
 * any number of workers may share one PostgreSQL (claims partition the outbox and the timers).
 *
 * Runs until SIGTERM or SIGINT, then stops gracefully: the deliveries in flight finish and are
 * recorded, nothing new is claimed, the store is closed, exit 0. `--once` delivers what is due
 * now (retries due later wait) and exits. Settings come from the environment (PLEDGE_DELIVERY_*,
 * PLEDGE_SECRET_KEY, PLEDGE_PUBLIC_URL), the database from --db or the environment.
 */
import type { Command } from 'commander';
import { loadConfig } from '../app/config.ts';
import { startScheduler } from '../app/alerts/scheduler.ts';
import { createDeliveryWorker, DELIVERY_OUTCOMES, type TickReport } from '../app/delivery/worker.ts';
import { openStore } from '../store/index.ts';
import { DB_HELP, storeConfig } from './db.ts';
import { printJson, UsageError } from './output.ts';

function summary(r: TickReport): string {
  const parts = DELIVERY_OUTCOMES.filter((o) => r.counts[o] > 0).map((o) => `${r.counts[o]} ${o}`);
  return `${r.claimed} claimed${parts.length ? `: ${parts.join(', ')}` : ''}${r.groups ? `; ${r.groups} grouped messages written` : ''}${
    r.disabled.length ? `; disabled: ${r.disabled.join(', ')}` : ''
  }`;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('Deliver alert notifications from the outbox until stopped (SIGTERM/SIGINT); --once delivers what is due and exits')
    .option('--db <database>', DB_HELP)
    .option('--once', 'deliver what is due now, then exit')
    .option('--tenant <id>', "only this tenant's notifications (default: every tenant's)")
    .option('--name <name>', "this worker's name in the delivery log (default: host:pid:random)")
    .option('--json', 'print the counts as JSON (with --once), or one JSON line per event')
    .action(async (o: { db?: string; once?: boolean; tenant?: string; name?: string; json?: boolean }) => {
      const c = loadConfig(process.env);
      if (!c.ok) throw new UsageError(c.issues);
      const store = await openStore(storeConfig(o.db));
      const log = (level: string, message: string, fields: Record<string, unknown> = {}) =>
        process.stderr.write(
          o.json ? `${JSON.stringify({ level, message, ...fields })}\n` : `${level}: ${message} ${JSON.stringify(fields)}\n`,
        );
      const worker = createDeliveryWorker({
        store,
        config: c.value.delivery,
        env: process.env,
        log,
        ...(o.tenant ? { tenant: o.tenant } : {}),
        ...(o.name ? { name: o.name } : {}),
      });
      if (o.once) {
        try {
          const r = await worker.drain();
          if (o.json) printJson({ worker: worker.name, ...r });
          else process.stdout.write(`${summary(r)}\n`);
        } finally {
          await store.close();
        }
        return;
      }
      // The scheduler serves every tenant: a worker confined to one tenant leaves it to the others.
      const logger = {
        error: (f: object, m: string) => log('error', m, { ...f }),
        warn: (f: object, m: string) => log('warn', m, { ...f }),
      };
      const scheduler = o.tenant ? undefined : startScheduler({ store, config: c.value, logger });
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = () => {
          if (stopping) return;
          stopping = true;
          void Promise.all([worker.stop(), scheduler?.stop()])
            .then(() => store.close())
            .then(resolve);
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        worker.start();
        const where = store.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL';
        if (o.json) process.stdout.write(`${JSON.stringify({ event: 'started', worker: worker.name, store: store.kind })}\n`);
        else process.stdout.write(`delivery worker ${worker.name} running on ${where}; stop with Ctrl-C or SIGTERM\n`);
      });
      if (o.json) process.stdout.write(`${JSON.stringify({ event: 'stopped', worker: worker.name })}\n`);
      else process.stdout.write('stopped\n');
    });
}
