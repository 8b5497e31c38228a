/**
 * Running the server as a process: open the store (applying migrations), listen, start the
 * background workers (the alert scheduler, the delivery loop, report schedules, monitors and Prometheus measurements, unless PLEDGE_WORKERS=off), and on
 * SIGINT/SIGTERM stop them, close the server and the store, so in-flight requests and deliveries
 * finish and SQLite checkpoints its WAL. For `pledge serve`.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../app/config.ts';
import { openStore } from '../store/index.ts';
import { holdDerivedWrites } from '../store/testing/hold-derived-writes.ts';
import type { Store } from '../store/types.ts';
import { startScheduler, type Scheduler } from '../app/alerts/scheduler.ts';
import { createDeliveryWorker, type DeliveryWorker } from '../app/delivery/worker.ts';
import { startReportRunner, type ReportRunner } from '../app/reports/runner.ts';
import { startMonitorRunner, type MonitorRunner } from '../app/monitors/runner.ts';
import { startPrometheusRunner, type PrometheusRunner } from '../app/prometheus/runner.ts';
import { createMetrics } from './metrics.ts';
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
  const metrics = createMetrics();
  const app = buildServer({ store, config, metrics, logger: config.logLevel === 'silent' ? false : { level: config.logLevel } });
  let delivery: DeliveryWorker | undefined;
  let closed = false;
  let scheduler: Scheduler | undefined;
  let reports: ReportRunner | undefined;
  let monitors: MonitorRunner | undefined;
  let prometheus: PrometheusRunner | undefined;
  const close = async () => {
    if (closed) return;
    closed = true;
    await scheduler?.stop();
    await reports?.stop();
    await monitors?.stop();
    await prometheus?.stop();
    await delivery?.stop();
    await app.close();
    await store.close();
  };
  try {
    const url = await app.listen({ host: opts.host ?? config.host, port: opts.port ?? config.port });
    // The alert scheduler (docs/alerts.md, "Running it"), unless this instance serves the API only.
    if (config.workers === 'on') scheduler = startScheduler({ store, config, logger: app.log });
    // Report schedules (docs/operations.md, "Scheduled reports"): on the scheduler's poll and lease.
    if (config.workers === 'on')
      reports = startReportRunner({
        store,
        logger: app.log,
        ...(config.scheduler ? { pollMs: config.scheduler.pollMs, leaseMs: config.scheduler.leaseMs ?? 60_000 } : {}),
      });
    // Built-in monitors (docs/monitors.md): each check once per interval across instances.
    if (config.workers === 'on')
      monitors = startMonitorRunner({
        store,
        logger: app.log,
        ...(config.scheduler ? { pollMs: config.scheduler.pollMs } : {}),
        ...(config.monitors?.leaseMs ? { leaseMs: config.monitors.leaseMs } : {}),
      });
    // Ratio targets measured from Prometheus (docs/prometheus.md): each tenant once per interval across instances.
    if (config.workers === 'on' && config.prometheus)
      prometheus = startPrometheusRunner({
        store,
        prometheus: config.prometheus,
        limits: config.limits,
        logger: app.log,
        ...(config.scheduler ? { pollMs: config.scheduler.pollMs } : {}),
      });
    if (config.workers === 'on') {
      delivery = createDeliveryWorker({
        store,
        config: config.delivery,
        env: process.env,
        onCount: (o, n) => metrics.countDelivery(o, n),
        log: (level, message, fields) => app.log[level]({ ...fields, worker: 'delivery' }, message),
      });
      delivery.start();
    }
    if (opts.handleSignals !== false) {
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void close().then(() => process.exit(0)));
    }
    return { app, store, url, close };
  } catch (e) {
    await close();
    throw e;
  }
}
