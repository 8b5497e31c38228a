/**
 * `pledge worker`: the background work without the HTTP server, for deployments that run API
 * instances and workers apart (docs/operations.md, "Delivery workers"): the alert scheduler (fires
 * timers at their instant, refreshes results behind their events) and the delivery loop; any number
 * of workers may share one PostgreSQL (claims partition the timers and the outbox among them). The
 * scheduler serves every tenant, so a worker confined to one tenant (--tenant) runs delivery only.
 * With PLEDGE_PROMETHEUS_URL it also measures ratio targets from Prometheus every
 * PLEDGE_PROMETHEUS_INTERVAL (app/prometheus/runner.ts; not with --once or --tenant).
 *
 * Runs until SIGTERM or SIGINT, then stops gracefully: the deliveries in flight finish and are
 * recorded, nothing new is claimed, the store is closed, exit 0. `--once` brings results up to
 * date, fires the alert timers that are due, delivers what is due now (retries due later wait)
 * and exits. Settings come from the environment (PLEDGE_DELIVERY_*,
 * PLEDGE_SECRET_KEY, PLEDGE_PUBLIC_URL), the database from --db or the environment.
 */
import type { Command } from 'commander';
import { loadConfig } from '../app/config.ts';
import { createDeliveryWorker, DELIVERY_OUTCOMES, type TickReport } from '../app/delivery/worker.ts';
import { createScheduler, startScheduler, type Scheduler } from '../app/alerts/scheduler.ts';
import { createReportRunner, startReportRunner, type ReportRunner } from '../app/reports/runner.ts';
import { startMonitorRunner, type MonitorRunner } from '../app/monitors/runner.ts';
import { startPrometheusRunner, type PrometheusRunner } from '../app/prometheus/runner.ts';
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
    .description(
      'Fire alert timers and deliver notifications from the outbox until stopped (SIGTERM/SIGINT); --once does what is due and exits',
    )
    .option('--db <database>', DB_HELP)
    .option('--once', 'fire the timers and deliver the notifications that are due now, then exit')
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
      const schedLog = {
        error: (fields: object, message: string) => log('error', message, { ...fields, worker: 'scheduler' }),
        warn: (fields: object, message: string) => log('warn', message, { ...fields, worker: 'scheduler' }),
      };
      if (o.once) {
        try {
          // What is due now: results brought up to date, due alert timers fired, then delivered.
          if (!o.tenant) {
            const scheduler = createScheduler({ store, logger: schedLog, listen: false });
            await scheduler.tick();
            await scheduler.stop();
            // Report schedules due now: their e-mails enqueued, then delivered below.
            const reports = createReportRunner({
              store,
              logger: schedLog,
              ...(c.value.scheduler?.leaseMs ? { leaseMs: c.value.scheduler.leaseMs } : {}),
            });
            await reports.tick();
            await reports.stop();
          }
          const r = await worker.drain();
          if (o.json) printJson({ worker: worker.name, ...r });
          else process.stdout.write(`${summary(r)}\n`);
        } finally {
          await store.close();
        }
        return;
      }
      let scheduler: Scheduler | undefined;
      let reports: ReportRunner | undefined;
      let monitors: MonitorRunner | undefined;
      let prometheus: PrometheusRunner | undefined;
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = () => {
          if (stopping) return;
          stopping = true;
          void Promise.resolve(scheduler?.stop())
            .then(() => reports?.stop())
            .then(() => monitors?.stop())
            .then(() => prometheus?.stop())
            .then(() => worker.stop())
            .then(() => store.close())
            .then(resolve);
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        if (!o.tenant) scheduler = startScheduler({ store, config: c.value, logger: schedLog });
        if (!o.tenant)
          reports = startReportRunner({
            store,
            logger: schedLog,
            ...(c.value.scheduler ? { pollMs: c.value.scheduler.pollMs } : {}),
            ...(c.value.scheduler?.leaseMs ? { leaseMs: c.value.scheduler.leaseMs } : {}),
          });
        if (!o.tenant)
          monitors = startMonitorRunner({
            store,
            logger: schedLog,
            ...(c.value.scheduler ? { pollMs: c.value.scheduler.pollMs } : {}),
            ...(c.value.monitors?.leaseMs ? { leaseMs: c.value.monitors.leaseMs } : {}),
          });
        if (!o.tenant && c.value.prometheus)
          prometheus = startPrometheusRunner({
            store,
            prometheus: c.value.prometheus,
            limits: c.value.limits,
            logger: schedLog,
            ...(c.value.scheduler ? { pollMs: c.value.scheduler.pollMs } : {}),
          });
        worker.start();
        const where = store.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL';
        if (o.json) process.stdout.write(`${JSON.stringify({ event: 'started', worker: worker.name, store: store.kind })}\n`);
        else process.stdout.write(`delivery worker ${worker.name} running on ${where}; stop with Ctrl-C or SIGTERM\n`);
      });
      if (o.json) process.stdout.write(`${JSON.stringify({ event: 'stopped', worker: worker.name })}\n`);
      else process.stdout.write('stopped\n');
    });
}
