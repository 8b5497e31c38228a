/**
 * `pledge sources`: service desks that send events by webhook (docs/sources.md). List, put and
 * delete a source on a database (or a server with --url), and backfill a desk's history from its
 * JSON export through the same mapping its webhook uses, so that history and live deliveries give
 * the same event ids (importing twice, or a delivery of a change already backfilled, finds
 * duplicates). `--format export` reads the desk's own export as the deliveries it stands for
 * (core/sources/exports.ts). `deliveries` shows a source's delivery log: what arrived, and why a
 * delivery was refused.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import {
  DELIVERY_LOG_KEEP,
  backfillEvents,
  deleteSource,
  exportRecords,
  presentDelivery,
  presentSource,
  putSource,
  sourceMapping,
  type SourceConfig,
  type SourceDeliveryView,
  type SourceView,
} from '../app/sources.ts';
import { readText } from '../app/files.ts';
import { VENDORS, type Vendor } from '../core/sources/defaults.ts';
import { exportDeliveries } from '../core/sources/exports.ts';
import { formatIssue, type Issue } from '../core/validation/issues.ts';
import { withSender, withStore } from './db.ts';
import { badInput, must, printJson, UsageError } from './output.ts';
import { Api } from './remote.ts';
import { actor, onDb, whereOptions, type Where } from './where.ts';

const collect = (v: string, prev: string[]) => [...prev, v];

function vendorOf(v: string): Vendor {
  if (!(VENDORS as readonly string[]).includes(v)) badInput('vendor', 'not a vendor Pledge reads', JSON.stringify(v), VENDORS.join(', '));
  return v as Vendor;
}

function headersOf(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of list) {
    const i = h.indexOf('=');
    if (i < 1) badInput('--header', 'expected name=value, e.g. x-github-event=issues', JSON.stringify(h));
    out[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  return out;
}

export function registerSources(program: Command): void {
  const sources = program
    .command('sources')
    .description('Service desks sending events by webhook: list, put, delete, backfill (docs/sources.md)');

  whereOptions(sources.command('list').description('List sources with their webhook paths (secrets never shown)')).action(
    async (o: Where) => {
      const api = Api.from(o);
      const items: SourceView[] = api
        ? (await api.json<{ items: SourceView[] }>('GET', '/v1/sources')).items
        : await withStore(o.db, async (store) => {
            const last = await store.lastSourceDeliveries(o.tenant);
            return (await store.listSources<SourceConfig>(o.tenant)).map((s) => presentSource(s, last.get(s.id) ?? null));
          });
      if (o.json) return printJson({ items });
      if (items.length === 0) process.stdout.write('no sources\n');
      for (const s of items) {
        const last = s.lastDelivery ? `  last: ${s.lastDelivery.at} ${s.lastDelivery.outcome} ${s.lastDelivery.status}` : '  last: none';
        process.stdout.write(`${s.id.padEnd(20)} ${s.vendor.padEnd(13)} ${s.webhook}${last}\n`);
      }
    },
  );

  whereOptions(
    sources
      .command('deliveries')
      .description("A source's recent deliveries, newest first: stored, duplicate or refused, the status answered and why")
      .argument('<id>', 'the source id')
      .option('--limit <n>', `entries to show (at most ${DELIVERY_LOG_KEEP}, the log keeps no more)`, String(DELIVERY_LOG_KEEP)),
  ).action(async (id: string, o: Where & { limit: string }) => {
    const limit = Number(o.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > DELIVERY_LOG_KEEP)
      badInput('--limit', `expected a whole number from 1 to ${DELIVERY_LOG_KEEP}`, JSON.stringify(o.limit));
    const api = Api.from(o);
    const items: SourceDeliveryView[] = api
      ? (await api.json<{ items: SourceDeliveryView[] }>('GET', `/v1/sources/${encodeURIComponent(id)}/deliveries?limit=${limit}`)).items
      : await onDb(o, async (store) => {
          if (!(await store.getSource(o.tenant, id)))
            throw new UsageError([{ path: 'id', message: `no source ${id}`, received: JSON.stringify(id) }]);
          return (await store.listSourceDeliveryLog(o.tenant, id, limit)).map(presentDelivery);
        });
    if (o.json) return printJson({ items });
    if (items.length === 0) process.stdout.write(`no deliveries to source ${id} yet\n`);
    for (const d of items) {
      const counts = d.outcome === 'refused' ? '' : ` accepted ${d.accepted}, duplicates ${d.duplicates}, rejected ${d.rejected}`;
      process.stdout.write(`${d.at} ${d.outcome.padEnd(9)} ${d.status} ${d.delivery ?? '-'}${counts}${d.detail ? ` — ${d.detail}` : ''}\n`);
    }
  });

  whereOptions(
    sources
      .command('put')
      .description('Create or replace a source; the secret is read from an environment variable (never a command-line argument)')
      .argument('<id>', 'the source id')
      .requiredOption('--vendor <vendor>', VENDORS.join(', '))
      .option('--secret-env <name>', 'the environment variable holding the webhook secret or token (needed to create)')
      .option('--mapping <file>', "a mapping file (default: the vendor's, examples/sources/<vendor>.mapping.yaml)")
      .option('--customer <id>', 'customer of the tickets it creates, unless the mapping says')
      .option('--service <id>', 'service of the tickets it creates, unless the mapping says')
      .option('--region <id>', 'region of the tickets it creates, unless the mapping says'),
  ).action(
    async (
      id: string,
      o: Where & { vendor: string; secretEnv?: string; mapping?: string; customer?: string; service?: string; region?: string },
    ) => {
      const secret = o.secretEnv !== undefined ? process.env[o.secretEnv] : undefined;
      if (o.secretEnv !== undefined && !secret) badInput('--secret-env', `the variable ${o.secretEnv} is not set`, o.secretEnv);
      const defaults = Object.fromEntries(
        Object.entries({ customer: o.customer, service: o.service, region: o.region }).filter(([, v]) => v !== undefined),
      );
      const body = {
        vendor: vendorOf(o.vendor),
        ...(secret ? { secret } : {}),
        ...(o.mapping !== undefined ? { mapping: must(readText(o.mapping)).text } : {}),
        ...(Object.keys(defaults).length ? { defaults } : {}),
      };
      const api = Api.from(o);
      const out = api
        ? (
            await api.request<{ result: string; source: SourceView }>('PUT', `/v1/sources/${encodeURIComponent(id)}`, {
              body: JSON.stringify(body),
              type: 'application/json',
            })
          ).body
        : await withStore(o.db, async (store) => {
            const r = await putSource(
              {
                store,
                tenant: o.tenant,
                now: Date.now(),
                actor: actor(),
                ...(process.env.PLEDGE_SECRET_KEY ? { secretKeys: process.env.PLEDGE_SECRET_KEY } : {}),
              },
              id,
              body,
            );
            if (r.status === 'invalid') throw new UsageError(r.issues);
            return { result: r.status, source: presentSource(r.source, (await store.listSourceDeliveryLog(o.tenant, id, 1))[0] ?? null) };
          });
      if (o.json) return printJson(out);
      process.stdout.write(`${out.result} source ${id}: point the desk's webhook at <server>${out.source.webhook}\n`);
    },
  );

  whereOptions(
    sources.command('delete').description('Delete a source: its webhook URL answers 404 from then on').argument('<id>', 'the source id'),
  ).action(async (id: string, o: Where) => {
    const api = Api.from(o);
    if (api) await api.json('DELETE', `/v1/sources/${encodeURIComponent(id)}`);
    else {
      const r = await withStore(o.db, (store) => deleteSource({ store, tenant: o.tenant, now: Date.now(), actor: actor() }, id));
      if (r === 'not_found') throw new UsageError([{ path: 'id', message: `no source ${id}`, received: JSON.stringify(id) }]);
    }
    if (o.json) return printJson({ result: 'deleted', id });
    process.stdout.write(`deleted source ${id}\n`);
  });

  whereOptions(
    sources
      .command('backfill')
      .description("Store a desk's history from its JSON export through the same mapping as its webhook")
      .argument('<vendor>', VENDORS.join(', '))
      .argument('<file>', 'a JSON array of records (payloads, or {headers, payload} deliveries), or an object holding one such array')
      .option('--mapping <file>', "a mapping file (default: the vendor's)")
      .option(
        '--format <format>',
        "deliveries: webhook payloads or recorded deliveries; export: the desk's own export (Zendesk ticket_events, Jira search with expand=changelog, GitHub issue events or issues, Freshservice tickets with include=stats, ServiceNow Table API incidents), read as the deliveries it would have sent",
        'deliveries',
      )
      .option('--header <name=value>', 'a request header every record is read with, e.g. x-github-event=issues (repeatable)', collect, [])
      .option('--customer <id>', 'customer of the tickets created, unless the mapping says')
      .option('--service <id>', 'service of the tickets created, unless the mapping says')
      .option('--print-events', 'print the events as NDJSON instead of storing them (to check a mapping)')
      .option('--batch <n>', 'events per transaction', '5000')
      .addHelpText(
        'after',
        `
Examples:
  pledge sources backfill github deliveries.json --header x-github-event=issues --customer acme
  pledge sources backfill zendesk examples/sources/zendesk-deliveries.json --print-events
  pledge sources backfill jira examples/sources/jira-search.json --format export --print-events
  pledge sources backfill zendesk ticket_events.json --format export --customer acme
  pledge sources backfill servicenow examples/sources/servicenow-incidents.json --format export --print-events

A record that does not map is reported (with its index and the payload field) and none of its events
is stored; the others are. Backfilling again, or a webhook delivering a change already backfilled,
finds duplicates: event ids come from the payload, not from the file.`,
      ),
  ).action(
    async (
      vendorName: string,
      file: string,
      o: Where & {
        mapping?: string;
        format: string;
        header: string[];
        customer?: string;
        service?: string;
        printEvents?: boolean;
        batch: string;
      },
    ) => {
      const vendor = vendorOf(vendorName);
      if (o.format !== 'deliveries' && o.format !== 'export')
        badInput('--format', 'not a backfill format', JSON.stringify(o.format), 'deliveries or export');
      if (!/^\d+$/.test(o.batch) || Number(o.batch) < 1 || Number(o.batch) > 100_000)
        badInput('--batch', 'expected a whole number from 1 to 100000', JSON.stringify(o.batch));
      const mappingText = o.mapping !== undefined ? must(readText(o.mapping)) : undefined;
      const mapping = sourceMapping(vendor, mappingText?.text, mappingText?.source);
      if (!mapping.ok) throw new UsageError(mapping.issues);
      let value: unknown;
      try {
        value = JSON.parse(readFileSync(file, 'utf8'));
      } catch (e) {
        throw new UsageError([{ path: file, message: `cannot read the export as JSON: ${(e as Error).message}` }]);
      }
      const recs = o.format === 'export' ? exportDeliveries(vendor, value) : exportRecords(value);
      if (!recs.ok) throw new UsageError(recs.issues.map((i) => ({ ...i, source: file })));
      const defaults = Object.fromEntries(Object.entries({ customer: o.customer, service: o.service }).filter(([, v]) => v !== undefined));
      const b = backfillEvents(mapping.value, recs.records, { headers: headersOf(o.header), defaults });
      if (o.printEvents) {
        for (const e of b.events) process.stdout.write(`${JSON.stringify(e)}\n`);
        for (const p of b.problems) for (const i of p.issues) process.stderr.write(`${formatIssue(i)}\n`);
        return;
      }
      const summary = {
        records: b.records,
        recordsRejected: b.problems.length,
        skipped: b.skipped,
        events: b.events.length,
        accepted: 0,
        duplicates: 0,
        conflicts: 0,
        rejected: 0,
      };
      const problems: Issue[] = b.problems.flatMap((p) => p.issues);
      const size = Number(o.batch);
      await withSender({ ...o, file, format: 'json' } as never, Api.from(o), size, async (send) => {
        for (let i = 0; i < b.events.length; i += size) {
          const r = await send({ body: JSON.stringify(b.events.slice(i, i + size)), format: 'json' });
          if (!r.ok) throw new UsageError([{ path: file, message: r.error.message }]);
          summary.accepted += r.report.accepted;
          summary.duplicates += r.report.duplicates;
          summary.conflicts += r.report.conflicts;
          summary.rejected += r.report.rejected;
          for (const it of r.report.results)
            if (it.status === 'rejected') problems.push(...it.issues);
            else if (it.status === 'conflict') problems.push({ path: it.id, message: it.reason });
        }
      });
      if (o.json) printJson({ summary, problems });
      else {
        process.stdout.write(
          `${summary.records} records: ${summary.events} events, ${summary.accepted} accepted, ${summary.duplicates} duplicates, ${summary.rejected + summary.conflicts} refused; ${summary.recordsRejected} records did not map, ${summary.skipped} rows left out\n`,
        );
        for (const p of problems.slice(0, 50)) process.stdout.write(`  ${formatIssue(p)}\n`);
      }
      if (problems.length > 0) process.exitCode = 1;
    },
  );
}
