/** `pledge serve`: the server, and with --demo the first-run demo data set. */
import type { Command } from 'commander';
import { loadConfig, type Config } from '../app/config.ts';
import { rebuildDerived } from '../app/derive.ts';
import { resolve } from 'node:path';
import { ingestBatch } from '../app/ingest.ts';
import { generateWebhookSecret } from '../delivery/secrets.ts';
import { startDemoInbox, type DemoInbox } from '../demo/inbox.ts';
import { LIVE_DESK_AGREEMENT, LIVE_DESK_ID, liveDesk } from '../demo/live.ts';
import { demoChannelEnv, putDemoChannels } from '../demo/live-channels.ts';
import { DEMO_MONITOR_ID, pauseDemoMonitor, putDemoMonitor, startDemoEndpoint } from '../demo/flaky.ts';
import { seedAgreement, seedDemo } from '../demo/seed.ts';
import { issueDemoToken } from '../demo/token.ts';
import { issueDemoSignIns, type DemoSignIn } from '../demo/sign-ins.ts';
import { serve } from '../http/serve.ts';
import { openStore } from '../store/index.ts';
import type { Store } from '../store/types.ts';
import { badInput, printJson, UsageError } from './output.ts';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Start the Pledge server (REST API under /v1, OpenAPI at /openapi.json, docs at /docs)')
    .option('--port <port>', 'port (default: $PLEDGE_PORT or 8080)')
    .option('--host <host>', 'address to listen on (default: $PLEDGE_HOST or 127.0.0.1)')
    .option(
      '--demo',
      'load the demo data set (example agreements and three generated months of events) into tenant "demo" on the first start, ' +
        'and print a fresh admin token (valid for a week; each start revokes the previous one)',
    )
    .option(
      '--no-live',
      "with --demo: no live activity (by default the demo's live desk opens a ticket a minute, and its alerts go to a local inbox)",
    )
    .option('--json', 'print {url, tenant, token} as JSON once listening')
    .action(async (o: { port?: string; host?: string; demo?: boolean; live: boolean; json?: boolean }) => {
      const env = { ...process.env };
      // The demo is for a terminal: request logs only when asked for.
      if (o.demo && env.PLEDGE_LOG_LEVEL === undefined) env.PLEDGE_LOG_LEVEL = 'warn';
      const c = loadConfig(env);
      if (!c.ok) throw new UsageError(c.issues);
      const config: Config = c.value;
      let port = config.port;
      if (o.port !== undefined) {
        port = Number(o.port);
        if (!/^\d+$/.test(o.port) || port > 65535) badInput('--port', 'expected a port number from 0 to 65535', JSON.stringify(o.port));
      }
      let token: { secret: string; id: string; expiresAt: number; revoked: string[] } | null = null;
      let seeded: { events: number; agreements: number } | null = null;
      let signIns: DemoSignIn[] = [];
      if (o.demo) {
        const store = await openStore(config.store);
        try {
          const now = Date.now();
          const exists = (await store.getTenant('demo')) !== undefined;
          if (!exists) {
            const r = await seedDemo(store, now);
            seeded = { events: r.events, agreements: r.agreements.length };
            token = { secret: r.adminToken, id: r.adminTokenId, expiresAt: r.adminTokenExpiresAt, revoked: [] };
            await rebuildDerived({ store, tenant: 'demo', now });
          } else {
            // Only the hash of the last token is stored, so it cannot be shown again: rotate.
            token = await issueDemoToken(store, { tenant: 'demo', now, actor: 'pledge serve --demo' });
          }
          signIns = await issueDemoSignIns(store, { tenant: 'demo', now, actor: 'pledge serve --demo' });
          if (o.live) await seedAgreement(store, 'demo', LIVE_DESK_AGREEMENT, `${LIVE_DESK_ID}.yaml`, now, 'pledge serve --demo');
          else await pauseDemoMonitor(store, 'demo', now);
        } finally {
          await store.close();
        }
      }
      const running = await serve(config, { port, ...(o.host ? { host: o.host } : {}) });
      const live = o.demo && o.live ? await startLive(running.store, config, env, running.app.log) : null;
      if (o.json) {
        printJson({
          url: running.url,
          tenant: o.demo ? 'demo' : null,
          ...(live ? { inbox: { page: live.pageUrl, webhook: live.webhookUrl, smtp: live.smtp, dir: live.dir } } : {}),
          token: token?.secret ?? null,
          ...(o.demo ? { signIns } : {}),
          ...(token ? { tokenId: token.id, tokenExpiresAt: new Date(token.expiresAt).toISOString(), revokedTokens: token.revoked } : {}),
          store: config.store.kind,
        });
        return;
      }
      const lines = [
        `Pledge is listening on ${running.url} (${config.store.kind === 'sqlite' ? `SQLite: ${config.store.path}` : 'PostgreSQL'})`,
        `  API docs:  ${running.url}/docs   OpenAPI: ${running.url}/openapi.json   health: ${running.url}/healthz`,
      ];
      if (o.demo && token) {
        if (seeded) lines.push(`  Demo data: ${seeded.agreements} agreements and ${seeded.events} events loaded into tenant "demo".`);
        lines.push(`  Admin token for tenant "demo" (shown once, valid until ${new Date(token.expiresAt).toISOString()}): ${token.secret}`);
        const n = token.revoked.length;
        lines.push(
          n > 0
            ? `  The previous demo token${n === 1 ? ' was' : 's were'} revoked; the next start replaces this one too.`
            : '  The next start replaces it with a new one.',
        );
        lines.push('', `  Try:  curl -H "Authorization: Bearer ${token.secret}" ${running.url}/v1/agreements`);
        if (signIns.length > 0) {
          lines.push('', `  Web app: ${running.url}/   sign in as (passwords are new at every start):`);
          for (const s of signIns)
            lines.push(`    ${s.role === 'customer' ? `customer ${s.customer}` : s.role}: ${s.email}  password ${s.password}`);
        }
      }
      if (live) {
        lines.push(
          '',
          `  Live desk: agreement ${LIVE_DESK_ID} answers P1 tickets within 4 minutes and resolves them within 12, around the clock;`,
          '  a new ticket arrives every minute, some handled late. The first warning goes out now, the first breach within 2 minutes.',
          `  Notifications (signed webhooks, chat, e-mail) arrive in the demo inbox: ${live.pageUrl}`,
          `  Files: ${live.dir}/webhooks.ndjson and ${live.dir}/mail/*.eml (SMTP on ${live.smtp.host}:${live.smtp.port}).`,
          `  Built-in monitor ${DEMO_MONITOR_ID} checks ${live.monitored} every 15 s; it is down one minute in ten (checkout's availability).`,
        );
        if (config.workers === 'off') lines.push('  PLEDGE_WORKERS=off: nothing fires or is delivered until a `pledge worker` runs.');
      }
      lines.push('  Stop with Ctrl-C.');
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

/**
 * The demo's live activity: the demo inbox, the demo channels pointing at it (secrets set in this
 * process's environment, which the delivery loop reads when sending), and the live desk storing a
 * ticket's events as their instants come, through the same ingestion as POST /v1/events.
 */
async function startLive(
  store: Store,
  config: Config,
  env: NodeJS.ProcessEnv,
  log: { warn(o: object, m: string): void },
): Promise<DemoInbox & { monitored: string }> {
  const secret = generateWebhookSecret();
  const inbox = await startDemoInbox({ dir: resolve(env.PLEDGE_DATA_DIR ?? './data', 'demo-inbox'), secret });
  Object.assign(process.env, demoChannelEnv(inbox, secret));
  await putDemoChannels(store, 'demo', inbox, Date.now());
  const desk = liveDesk({
    clock: {
      now: () => Date.now(),
      sleep: (ms, signal) =>
        new Promise<void>((done) => {
          const t = setTimeout(done, ms);
          t.unref();
          signal.addEventListener('abort', () => {
            clearTimeout(t);
            done();
          });
        }),
    },
    ingest: async (events) => {
      const r = await ingestBatch(
        { tenant: 'demo', store, now: Date.now(), limits: config.limits, audit: { actor: 'demo live desk' } },
        { body: JSON.stringify(events), format: 'json' },
      );
      if (!r.ok) return { refused: [r.error.message] };
      return {
        refused: r.report.results.flatMap((x) => (x.status === 'rejected' || x.status === 'conflict' ? [`${x.id}: ${x.reason}`] : [])),
      };
    },
    onError: (e) => log.warn({ err: e }, 'demo live desk'),
  });
  void desk.run();
  // The demo's built-in monitor (docs/monitors.md) on an endpoint down one minute in ten.
  const endpoint = await startDemoEndpoint();
  await putDemoMonitor(store, 'demo', endpoint.url, Date.now());
  const close = inbox.close;
  return {
    ...inbox,
    monitored: endpoint.url,
    close: async () => {
      desk.stop();
      await endpoint.close();
      await close();
    },
  };
}
