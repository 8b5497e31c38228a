/** `pledge serve`: the server, and with --demo the first-run demo data set. */
import type { Command } from 'commander';
import { loadConfig, type Config } from '../app/config.ts';
import { rebuildDerived } from '../app/derive.ts';
import { seedDemo } from '../demo/seed.ts';
import { issueDemoToken } from '../demo/token.ts';
import { serve } from '../http/serve.ts';
import { openStore } from '../store/index.ts';
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
    .option('--json', 'print {url, tenant, token} as JSON once listening')
    .action(async (o: { port?: string; host?: string; demo?: boolean; json?: boolean }) => {
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
        } finally {
          await store.close();
        }
      }
      const running = await serve(config, { port, ...(o.host ? { host: o.host } : {}) });
      if (o.json) {
        printJson({
          url: running.url,
          tenant: o.demo ? 'demo' : null,
          token: token?.secret ?? null,
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
      }
      lines.push('  Stop with Ctrl-C.');
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
