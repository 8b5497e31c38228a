/**
 * `pledge monitors`: built-in monitors (docs/monitors.md) on a database (--db) or a server (--url),
 * the same use cases as /v1/monitors. A spec is given by options (--kind, --service, --url...) or
 * as a JSON or YAML file (--file); either way it is validated by the one schema
 * (core/monitors/spec.ts), so errors name the same fields as the API's.
 * A heartbeat's push token is printed once, when the monitor is created or given a new token.
 */
import { actor, onDb, whereOptions, type Where } from './where.ts';
import { redactMonitorSpec } from '../core/monitors/spec.ts';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { readText } from '../app/files.ts';
import { pauseMonitor, putMonitor } from '../app/monitors/manage.ts';
import type { MonitorState } from '../core/monitors/decide.ts';
import type { Store, StoredMonitor } from '../store/types.ts';
import { badInput, must, printJson, UsageError } from './output.ts';
import { Api } from './remote.ts';

interface SpecOptions {
  file?: string;
  kind?: string;
  service?: string;
  target?: string;
  host?: string;
  port?: string;
  method?: string;
  interval?: string;
  timeout?: string;
  grace?: string;
  retries?: string;
  expectStatus?: string;
  expectBody?: string;
  check?: string;
  region?: string;
  customer?: string;
  noConfirm?: boolean;
  newToken?: boolean;
}

/** A monitor as the API shows it (the CLI prints the same from a database). */
interface View {
  id: string;
  spec: { kind: string; service: string };
  paused: boolean;
  state: { status: string; lastCheckAt: string | null; lastError: string | null };
  nextCheckAt: string | null;
}

const enc = encodeURIComponent;

async function viewOf(store: Store, tenant: string, m: StoredMonitor<unknown, MonitorState>): Promise<View> {
  const timer = m.paused ? undefined : await store.getTimer(tenant, `monitor:${m.id}`);
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    id: m.id,
    spec: redactMonitorSpec(m.spec as View['spec']),
    paused: m.paused,
    state: { status: m.state?.status ?? 'unknown', lastCheckAt: iso(m.state?.lastCheckAt), lastError: m.state?.lastError ?? null },
    nextCheckAt: iso(timer?.fireAt),
  };
}

function line(m: View): string {
  const status = m.paused ? 'paused' : m.state.status;
  return `${status.padEnd(8)} ${m.id.padEnd(24)} ${m.spec.kind.padEnd(10)} ${m.spec.service}${m.state.lastError ? `  (${m.state.lastError})` : ''}\n`;
}

/** The spec from --file, or from the options (numbers where the schema wants numbers). */
function specOf(o: SpecOptions): unknown {
  if (o.file) {
    const { text } = must(readText(o.file));
    try {
      return parseYaml(text) as unknown;
    } catch (e) {
      return badInput('--file', `not JSON or YAML: ${(e as Error).message}`, o.file);
    }
  }
  const num = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : badInput(flag, 'expected a number', JSON.stringify(v));
  };
  const spec: Record<string, unknown> = {
    kind: o.kind,
    service: o.service,
    ...(o.kind === 'http' ? { url: o.target } : {}),
    ...(o.host !== undefined ? { host: o.host } : {}),
    ...(o.port !== undefined ? { port: num('--port', o.port) } : {}),
    ...(o.method !== undefined ? { method: o.method.toUpperCase() } : {}),
    ...(o.interval !== undefined ? { interval: o.interval } : {}),
    ...(o.timeout !== undefined ? { timeout: o.timeout } : {}),
    ...(o.grace !== undefined ? { grace: o.grace } : {}),
    ...(o.retries !== undefined ? { retries: num('--retries', o.retries) } : {}),
    ...(o.expectStatus !== undefined ? { expectStatus: o.expectStatus.split(',').map((s) => num('--expect-status', s.trim())) } : {}),
    ...(o.expectBody !== undefined ? { expectBody: o.expectBody } : {}),
    ...(o.check !== undefined ? { check: o.check } : {}),
    ...(o.region !== undefined ? { region: o.region } : {}),
    ...(o.customer !== undefined ? { customer: o.customer } : {}),
    ...(o.noConfirm ? { confirm: false } : {}),
  };
  return spec;
}

export function registerMonitors(program: Command): void {
  const monitors = program
    .command('monitors')
    .description('Built-in monitors (HTTP, TCP, heartbeat) whose results Pledge records as events (docs/monitors.md)');

  whereOptions(monitors.command('list').description('List monitors with their state')).action(async (o: Where) => {
    const api = Api.from(o);
    const items = api
      ? (await api.json<{ items: View[] }>('GET', '/v1/monitors')).items
      : await onDb(o, async (store) => {
          const out: View[] = [];
          for (const m of await store.listMonitors<unknown, MonitorState>(o.tenant)) out.push(await viewOf(store, o.tenant, m));
          return out;
        });
    if (o.json) return printJson({ items });
    if (items.length === 0) process.stdout.write('no monitors\n');
    for (const m of items) process.stdout.write(line(m));
  });

  whereOptions(monitors.command('show').description('One monitor: its spec and state').argument('<id>', 'monitor id')).action(
    async (id: string, o: Where) => {
      const api = Api.from(o);
      const m = api
        ? await api.json<unknown>('GET', `/v1/monitors/${enc(id)}`)
        : await onDb(o, async (store) => {
            const found = await store.getMonitor<unknown, MonitorState>(o.tenant, id);
            return found ? { ...found, tokenHash: undefined } : badInput('ID', `no monitor ${id}`, JSON.stringify(id));
          });
      printJson(m);
    },
  );

  whereOptions(
    monitors
      .command('put')
      .description('Create or replace a monitor, from options or --file (a heartbeat prints its push token once)')
      .argument('<id>', 'monitor id')
      .option('-f, --file <file>', 'the spec as JSON or YAML (docs/monitors.md "Fields"); instead of the options below')
      .option('--kind <kind>', 'http, tcp or heartbeat')
      .option('--service <name>', 'the service its results are about (as the agreements name it)')
      .option('--target <url>', 'http: the URL to check')
      .option('--host <host>', 'tcp: the host')
      .option('--port <port>', 'tcp: the port')
      .option('--method <method>', 'http: GET (default), HEAD, POST, PUT, OPTIONS')
      .option('--interval <duration>', 'how often: 30s, 5m (default 60s)')
      .option('--timeout <duration>', 'http, tcp: how long a check may take (default 10s)')
      .option('--grace <duration>', 'heartbeat: how late a beat may be (default 60s)')
      .option('--retries <n>', 'failed checks in a row, beyond the first, before down (default 0)')
      .option('--expect-status <list>', 'http: statuses that count as up, e.g. 200,204 (default 200-399)')
      .option('--expect-body <text>', 'http: text the body must contain')
      .option('--check <name>', "the check name of its events (default: the monitor's id)")
      .option('--region <name>', 'the region of its events')
      .option('--customer <id>', 'the customer of its events')
      .option('--no-confirm', 'http, tcp: do not try a failed check again at once')
      .option('--new-token', 'heartbeat: a new push token (the old one stops working)'),
  ).action(async (id: string, o: Where & SpecOptions & { confirm?: boolean }) => {
    const spec = specOf({ ...o, noConfirm: o.confirm === false });
    const api = Api.from(o);
    let out: { result: string; monitor: View; token?: string };
    if (api) {
      const current = await api.request('GET', `/v1/monitors/${enc(id)}`, { okStatuses: [404] });
      const etag = current.status === 200 ? (current.headers.get('etag') ?? undefined) : undefined;
      out = (
        await api.request<{ result: string; monitor: View; token?: string }>(
          'PUT',
          `/v1/monitors/${enc(id)}${o.newToken ? '?newToken=true' : ''}`,
          { body: JSON.stringify(spec), type: 'application/json', ...(etag ? { headers: { 'if-match': etag } } : {}) },
        )
      ).body;
    } else {
      out = await onDb(o, async (store, now) => {
        const r = await putMonitor({ store, tenant: o.tenant, now, actor: actor() }, { id, spec, newToken: o.newToken === true });
        if (!r.ok) throw new UsageError(r.issues);
        if (r.value.status === 'stale') return badInput('ID', `monitor ${id} changed meanwhile: try again`, JSON.stringify(id));
        return {
          result: r.value.status,
          monitor: await viewOf(store, o.tenant, r.value.monitor),
          ...(r.value.token ? { token: r.value.token } : {}),
        };
      });
    }
    if (o.json) return printJson(out);
    process.stdout.write(`${out.result}: ${out.monitor.id} (${out.monitor.spec.kind}, service ${out.monitor.spec.service})\n`);
    if (out.token)
      process.stdout.write(
        `push token (shown once, keep it secret): ${out.token}\n` + `push with: curl -fsS -X POST <server>/v1/heartbeats/${out.token}\n`,
      );
  });

  for (const [name, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    whereOptions(
      monitors
        .command(name)
        .description(paused ? 'Pause a monitor: no checks until resumed' : 'Resume a paused monitor: checked from now')
        .argument('<id>', 'monitor id'),
    ).action(async (id: string, o: Where) => {
      const api = Api.from(o);
      const m = api
        ? await api.json<View>('POST', `/v1/monitors/${enc(id)}/${name}`)
        : await onDb(o, async (store, now) => {
            const r = await pauseMonitor({ store, tenant: o.tenant, now, actor: actor() }, { id, paused });
            if (r === 'not_found') return badInput('ID', `no monitor ${id}`, JSON.stringify(id));
            if (typeof r === 'string') return badInput('ID', `monitor ${id} could not be ${name}d (${r})`, JSON.stringify(id));
            return viewOf(store, o.tenant, r);
          });
      if (o.json) return printJson(m);
      process.stdout.write(line(m));
    });
  }

  whereOptions(monitors.command('delete').description('Delete a monitor (its events stay)').argument('<id>', 'monitor id')).action(
    async (id: string, o: Where) => {
      const api = Api.from(o);
      if (api) await api.json('DELETE', `/v1/monitors/${enc(id)}`);
      else
        await onDb(o, async (store, now) => {
          const r = await store.deleteMonitor(o.tenant, id, undefined, {
            at: now,
            actor: actor(),
            action: 'monitor.delete',
            subject: `monitor:${id}`,
          });
          if (r === 'not_found') badInput('ID', `no monitor ${id}`, JSON.stringify(id));
        });
      if (o.json) return printJson({ result: 'deleted', id });
      process.stdout.write(`deleted: ${id}\n`);
    },
  );
}
