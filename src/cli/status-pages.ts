/**
 * `pledge status-pages` and `pledge incidents`: public status pages and the incidents they show, on
 * the command line (docs/status-page.md). Each works on a database (`--db`, the same use cases as
 * the server, acting as `cli:$USER`) or against a running server (`--url`, the token's tenant and
 * role), and prints the same JSON either way with `--json` (app/status-pages/present.ts).
 * Edges only: parse options, call the use case or the API, print.
 */
import type { Command } from 'commander';
import { readText } from '../app/files.ts';
import {
  openIncident,
  presentIncident,
  presentStatusPage,
  putStatusPage,
  updateIncident,
  type IncidentDoc,
  type IncidentView,
  type StatusPageSpec,
  type StatusPageView,
} from '../app/status-pages/index.ts';
import { parseSourceText } from '../core/validation/source.ts';
import type { Store } from '../store/types.ts';
import { DB_HELP, withStore } from './db.ts';
import { badInput, must, printJson, UsageError } from './output.ts';
import { Api, URL_HELP } from './remote.ts';
import { existingTenant } from './tenant.ts';

interface Where {
  tenant: string;
  db?: string;
  url?: string;
  json?: boolean;
}

const actor = () => `cli:${process.env.USER ?? 'local'}`;
const enc = encodeURIComponent;
/** As the server's PLEDGE_STATUS_PREFIX (the URL shown for a page on a database). */
const prefix = () => process.env.PLEDGE_STATUS_PREFIX ?? '/status';

function common(c: Command): Command {
  return c
    .option('--tenant <id>', "tenant (on a database; a server takes the token's)", 'default')
    .option('--db <database>', DB_HELP)
    .option('--url <url>', URL_HELP)
    .option('--json', 'print as JSON');
}

async function onDb<T>(o: Where, fn: (store: Store, now: number) => Promise<T>): Promise<T> {
  return withStore(o.db, async (store) => {
    await existingTenant(store, o.tenant);
    return fn(store, Date.now());
  });
}

function pageLine(p: StatusPageView): string {
  return `${p.id.padEnd(20)} ${p.url}  ${String(p.spec.title)}${p.spec.enabled === false ? '  (disabled)' : ''}`;
}

function incidentLine(i: IncidentView): string {
  return `${(i.open ? i.level : 'resolved').padEnd(18)} ${i.openedAt}  ${i.id}  ${i.title} [${i.services.join(', ')}]`;
}

function printIncident(i: IncidentView, json: boolean | undefined): void {
  if (json) {
    printJson(i);
    return;
  }
  process.stdout.write(`${incidentLine(i)}\n`);
  for (const u of i.updates) process.stdout.write(`  ${u.at}  ${u.status}${u.level ? ` (${u.level})` : ''}: ${u.message}\n`);
}

export function registerStatusPages(program: Command): void {
  const pages = program.command('status-pages').description('Public status pages: list, show, put, delete (docs/status-page.md)');
  common(pages.command('list', { isDefault: true }).description('List the status pages and where each is served')).action(
    async (o: Where) => {
      const api = Api.from(o);
      const items = api
        ? (await api.json<{ items: StatusPageView[] }>('GET', '/v1/status-pages')).items
        : await onDb(o, async (store) =>
            (await store.listStatusPages<StatusPageSpec>(o.tenant)).map((p) => presentStatusPage(p, prefix())),
          );
      if (o.json) return printJson({ items });
      process.stdout.write(items.length === 0 ? 'no status pages\n' : `${items.map(pageLine).join('\n')}\n`);
    },
  );
  common(pages.command('show').description('Show a status page').argument('<id>', 'page id')).action(async (id: string, o: Where) => {
    const api = Api.from(o);
    const page = api
      ? await api.json<StatusPageView>('GET', `/v1/status-pages/${enc(id)}`)
      : await onDb(o, async (store) => {
          const p = await store.getStatusPage<StatusPageSpec>(o.tenant, id);
          return p ? presentStatusPage(p, prefix()) : badInput('ID', `no status page ${id}`, JSON.stringify(id));
        });
    if (o.json) return printJson(page);
    process.stdout.write(`${pageLine(page)}\n${JSON.stringify(page.spec, null, 2)}\n`);
  });
  common(
    pages
      .command('put')
      .description('Create or replace a status page from a YAML or JSON file')
      .argument('<id>', 'page id: lower-case letters, digits and dashes')
      .argument('<file>', 'the page (docs/status-page.md "Setting up a page")'),
  ).action(async (id: string, file: string, o: Where) => {
    const text = must(readText(file));
    const spec = must(parseSourceText(text.text, file)).value;
    const api = Api.from(o);
    let result: { result: string; page: StatusPageView };
    if (api) {
      const cur = await api.request<StatusPageView>('GET', `/v1/status-pages/${enc(id)}`, { okStatuses: [404] });
      const etag = cur.status === 200 ? (cur.headers.get('etag') ?? undefined) : undefined;
      result = (
        await api.request<{ result: string; page: StatusPageView }>('PUT', `/v1/status-pages/${enc(id)}`, {
          body: JSON.stringify(spec),
          type: 'application/json',
          ...(etag ? { headers: { 'if-match': etag } } : {}),
        })
      ).body;
    } else
      result = await onDb(o, async (store, now) => {
        const r = must(await putStatusPage({ store, tenant: o.tenant, now, actor: actor() }, { id, spec }));
        if (r.status === 'path_taken') return badInput('path', 'another status page is served at that path: choose another', undefined);
        if (r.status === 'stale')
          throw new UsageError([{ path: 'ID', message: `status page ${id} changed while it was written: try again` }]);
        return { result: r.status, page: presentStatusPage(r.page, prefix()) };
      });
    if (o.json) return printJson(result);
    process.stdout.write(`${result.result}: ${pageLine(result.page)}\n`);
  });
  common(
    pages.command('delete').description('Delete a status page (its path serves nothing from then on)').argument('<id>', 'page id'),
  ).action(async (id: string, o: Where) => {
    const api = Api.from(o);
    if (api) await api.json('DELETE', `/v1/status-pages/${enc(id)}`);
    else
      await onDb(o, async (store, now) => {
        const r = await store.deleteStatusPage(o.tenant, id, undefined, {
          at: now,
          actor: actor(),
          action: 'status-page.delete',
          subject: `status-page:${id}`,
        });
        if (r === 'not_found') badInput('ID', `no status page ${id}`, JSON.stringify(id));
      });
    if (o.json) return printJson({ result: 'deleted', id });
    process.stdout.write(`deleted: ${id}\n`);
  });
}

export function registerIncidents(program: Command): void {
  const inc = program
    .command('incidents')
    .description('Incidents shown on status pages: list, show, open, update, resolve (docs/status-page.md)');
  common(
    inc
      .command('list', { isDefault: true })
      .description('List incidents, newest opened first')
      .option('--open', 'only the open ones')
      .option('--limit <n>', 'at most this many', '100'),
  ).action(async (o: Where & { open?: boolean; limit: string }) => {
    const limit = Number(o.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) badInput('--limit', 'expected 1 to 1000', JSON.stringify(o.limit));
    const api = Api.from(o);
    const items = api
      ? (await api.json<{ items: IncidentView[] }>('GET', `/v1/incidents?limit=${limit}${o.open ? '&open=true' : ''}`)).items
      : await onDb(o, async (store) =>
          (await store.listIncidents<IncidentDoc>(o.tenant, { limit }))
            .filter((i) => !o.open || i.resolvedAt === undefined)
            .map(presentIncident),
        );
    if (o.json) return printJson({ items });
    process.stdout.write(items.length === 0 ? 'no incidents\n' : `${items.map(incidentLine).join('\n')}\n`);
  });
  common(inc.command('show').description('Show an incident with its updates').argument('<id>', 'incident id')).action(
    async (id: string, o: Where) => {
      const api = Api.from(o);
      const i = api
        ? await api.json<IncidentView>('GET', `/v1/incidents/${enc(id)}`)
        : await onDb(o, async (store) => {
            const x = await store.getIncident<IncidentDoc>(o.tenant, id);
            return x ? presentIncident(x) : badInput('ID', `no incident ${id}`, JSON.stringify(id));
          });
      printIncident(i, o.json);
    },
  );
  common(
    inc
      .command('open')
      .description('Open an incident on services, at a status level')
      .requiredOption('--title <text>', 'what the public reads')
      .requiredOption('--services <ids>', 'the services it concerns, comma-separated')
      .requiredOption('--level <level>', 'degraded, partial_outage, major_outage or under_maintenance')
      .requiredOption('--message <text>', 'the first update')
      .option('--status <status>', 'investigating, identified or monitoring', 'investigating')
      .option('--id <id>', 'its id (chosen for you when absent)'),
  ).action(async (o: Where & { title: string; services: string; level: string; message: string; status: string; id?: string }) => {
    const body = {
      ...(o.id !== undefined ? { id: o.id } : {}),
      title: o.title,
      services: o.services
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
      level: o.level,
      status: o.status,
      message: o.message,
    };
    const api = Api.from(o);
    const i = api
      ? await api.json<IncidentView>('POST', '/v1/incidents', body)
      : await onDb(o, async (store, now) => {
          const r = must(await openIncident({ store, tenant: o.tenant, now, actor: actor() }, body));
          return r === 'exists' ? badInput('--id', 'an incident with that id exists', JSON.stringify(o.id)) : presentIncident(r);
        });
    printIncident(i, o.json);
  });
  const update = (name: 'update' | 'resolve') =>
    common(
      inc
        .command(name)
        .description(name === 'update' ? 'Post an update to an incident' : 'Resolve an incident')
        .argument('<id>', 'incident id')
        .option('--message <text>', 'what the public reads', name === 'resolve' ? 'This incident has been resolved.' : undefined)
        .option(
          '--status <status>',
          'investigating, identified, monitoring, update or resolved',
          name === 'resolve' ? 'resolved' : 'update',
        )
        .option('--level <level>', 'a new level: degraded, partial_outage, major_outage or under_maintenance'),
    ).action(async (id: string, o: Where & { message?: string; status: string; level?: string }) => {
      if (o.message === undefined) badInput('--message', 'required: what the public reads', undefined);
      const body = { status: o.status, message: o.message, ...(o.level !== undefined ? { level: o.level } : {}) };
      const api = Api.from(o);
      const i = api
        ? await api.json<IncidentView>('POST', `/v1/incidents/${enc(id)}/updates`, body)
        : await onDb(o, async (store, now) => {
            const r = must(await updateIncident({ store, tenant: o.tenant, now, actor: actor() }, id, body));
            return r === 'not_found' ? badInput('ID', `no incident ${id}`, JSON.stringify(id)) : presentIncident(r);
          });
      printIncident(i, o.json);
    });
  update('update');
  update('resolve');
}
