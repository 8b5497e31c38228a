/**
 * `pledge report-schedules`: scheduled report e-mails (docs/api.md "Report schedules") on the
 * command line: list, show (with its latest deliveries), put, delete, run a period now. Each works
 * on a database (`--db`, the same use cases as the server, acting as `cli:$USER`) or against a
 * running server (`--url`, the token's tenant and role: channels.read to read, channels.write to
 * change), and prints the same JSON either way with `--json` (src/app/reports/present.ts).
 *
 * Invariants:
 * - A spec is given by flags, by `--file` (YAML or JSON, the API's body), or both: the flags
 *   override the file's fields. Without `--file`, the flags override the stored schedule's spec,
 *   so `put weekly --day 5` changes the day and keeps the rest. `--agreement` and `--customer`
 *   replace each other (a schedule has exactly one).
 * - Replacing and deleting are compare-and-set, as in the API: `--if-match ETAG` (as `show` prints
 *   it) is the version the change is for; without it, the ETag read just before is used, as
 *   `pledge apply` does. A schedule changed in between is refused (412 on a server), never
 *   overwritten.
 * - Bad input names the flag it came from (`--day`, `--recipient[1]`), or the file's field path,
 *   on a database and on a server alike, and exits 2.
 * Edges only: parse options, call the use case or the API, print.
 */
import type { Command } from 'commander';
import { presentDelivery, presentSchedule, type DeliveryShown, type ScheduleShown } from '../app/reports/present.ts';
import { putReportSchedule, runReportSchedule, viewReportSchedule } from '../app/reports/schedules.ts';
import { readText } from '../app/files.ts';
import { parseReportScheduleSpec, type ReportScheduleSpec } from '../core/reports/schedule.ts';
import { parseSourceText } from '../core/validation/source.ts';
import type { Issue } from '../core/validation/issues.ts';
import type { Store } from '../store/types.ts';
import { DB_HELP, withStore } from './db.ts';
import { badInput, must, printJson, UsageError } from './output.ts';
import { Api, RemoteError, URL_HELP } from './remote.ts';
import { existingTenant } from './tenant.ts';

interface Where {
  tenant: string;
  db?: string;
  url?: string;
  json?: boolean;
}

interface SpecFlags {
  file?: string;
  agreement?: string;
  customer?: string;
  every?: string;
  day?: string;
  time?: string;
  zone?: string;
  channel?: string;
  recipient?: string[];
  language?: string;
  format?: string[];
  enabled?: boolean;
  ifMatch?: string;
}

const actor = () => `cli:${process.env.USER ?? 'local'}`;
const enc = encodeURIComponent;
/** How many deliveries `show` prints. */
const SHOWN_DELIVERIES = 20;

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

/** The spec field each flag sets, to name the flag in an error about that field. */
const FLAG_OF: Record<string, string> = {
  agreement: '--agreement',
  customer: '--customer',
  every: '--every',
  day: '--day',
  time: '--time',
  zone: '--zone',
  channel: '--channel',
  recipients: '--recipient',
  language: '--language',
  formats: '--format',
  enabled: '--enabled',
};

/** An issue about a field the flags gave names the flag (`recipients[1]` -> `--recipient[1]`); others name the file's path. */
function renamer(given: ReadonlySet<string>, file: string | undefined): (i: Issue) => Issue {
  return (i) => {
    const field = /^[a-z]+/i.exec(i.path)?.[0] ?? '';
    if (given.has(field)) return { ...i, path: `${FLAG_OF[field]}${i.path.slice(field.length)}` };
    return file !== undefined && i.path !== 'id' ? { ...i, source: file } : i;
  };
}

/** A comma-separated or repeated list flag, as one list. */
const listOf = (values: string[] | undefined) =>
  values
    ?.flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');

/** The spec fields the flags give (numbers as numbers; the schema judges the values). */
function fromFlags(o: SpecFlags): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['agreement', 'customer', 'every', 'time', 'zone', 'channel', 'language'] as const) if (o[k] !== undefined) out[k] = o[k];
  if (o.day !== undefined) {
    const n = Number(o.day);
    if (o.day.trim() === '' || !Number.isInteger(n)) badInput('--day', 'expected a day of the month, 1 to 28', JSON.stringify(o.day));
    out.day = n;
  }
  const recipients = listOf(o.recipient);
  if (recipients) out.recipients = recipients;
  const formats = listOf(o.format);
  if (formats) out.formats = formats;
  if (o.enabled !== undefined) out.enabled = o.enabled;
  return out;
}

/** The file's spec: a YAML or JSON mapping, as the API's body. */
function fromFile(file: string): Record<string, unknown> {
  const { text, source } = must(readText(file));
  const parsed = parseSourceText(text, source);
  if (!parsed.ok) throw new UsageError(parsed.issues.map((i) => ({ ...i, path: i.path || '--file' })));
  const v = parsed.value.value;
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    badInput('--file', 'expected a mapping of the schedule fields (agreement, day, channel, recipients...)', source);
  return v as Record<string, unknown>;
}

/** The spec to store: the file or the stored spec, with the flags over it; validated here so errors name the flag. */
function specOf(o: SpecFlags, current: ReportScheduleSpec | undefined): { spec: Record<string, unknown>; rename: (i: Issue) => Issue } {
  const flags = fromFlags(o);
  const base: Record<string, unknown> = o.file !== undefined ? fromFile(o.file) : { ...(current ?? {}) };
  // One of agreement and customer: the one a flag names replaces the other.
  if (flags.agreement !== undefined && flags.customer === undefined) delete base.customer;
  if (flags.customer !== undefined && flags.agreement === undefined) delete base.agreement;
  const spec = { ...base, ...flags };
  // Without a file, every field is given (or kept) by a flag: a missing `day` is a missing --day.
  const rename = renamer(new Set(o.file !== undefined ? Object.keys(flags) : Object.keys(FLAG_OF)), o.file);
  const parsed = parseReportScheduleSpec(spec);
  if (!parsed.ok) throw new UsageError(parsed.issues.map(rename));
  return { spec, rename };
}

/** An ETag as the API writes it (quoted); the quotes a shell took off are put back. */
function etagOf(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (t === '') badInput('--if-match', 'expected the ETag `show` prints', JSON.stringify(v));
  return t.startsWith('"') || t.startsWith('W/') ? t : `"${t}"`;
}

/** A server's refusal with its issues named as the flags were (422 on `day` -> `--day`). */
function renamedRemote(e: unknown, rename: (i: Issue) => Issue): never {
  if (e instanceof RemoteError && e.body?.details && Array.isArray((e.body.details as { issues?: unknown }).issues)) {
    const issues = (e.body.details as { issues: Issue[] }).issues.map(rename);
    throw new RemoteError(e.message, e.exitCode, { ...e.body, details: { ...e.body.details, issues } });
  }
  throw e;
}

function describe(s: ScheduleShown): string {
  const x = s.spec;
  const what = x.agreement !== undefined ? `agreement ${x.agreement}` : `customer ${x.customer}`;
  const when = `day ${x.day} ${x.time}${x.zone ? ` ${x.zone}` : ''} every ${x.every}`;
  const next = s.next ? `next ${s.next.at} (${s.next.period})` : 'disabled';
  return `${s.id.padEnd(20)} ${what}; ${when}; ${x.channel} -> ${x.recipients.join(', ')} [${x.language}; ${x.formats.join(', ')}]; ${next}`;
}

function deliveryLine(d: DeliveryShown): string {
  return `  ${d.period.padEnd(8)} ${d.status.padEnd(9)} ${d.recipient}  ${d.attempts} attempt(s)${d.deliveredAt ? ` delivered ${d.deliveredAt}` : ''}${d.lastError ? `  [${d.lastError}]` : ''}${d.note ? `  (${d.note})` : ''}`;
}

export function registerReportSchedules(program: Command): void {
  const rs = program
    .command('report-schedules')
    .description('Scheduled report e-mails: list, show, put, delete, run a period now (docs/operations.md "Scheduled reports")');

  common(rs.command('list', { isDefault: true }).description('List report schedules, with when each runs next'))
    .option('--agreement <id>', 'only the schedules of this agreement')
    .action(async (o: Where & { agreement?: string }) => {
      const api = Api.from(o);
      let items: ScheduleShown[] = api
        ? (await api.json<{ items: ScheduleShown[] }>('GET', '/v1/report-schedules')).items
        : await onDb(o, async (store) => {
            const out: ScheduleShown[] = [];
            for (const s of await store.listReportSchedules<ReportScheduleSpec>(o.tenant))
              out.push(presentSchedule(await viewReportSchedule(store, o.tenant, s)));
            return out;
          });
      if (o.agreement !== undefined) items = items.filter((s) => s.spec.agreement === o.agreement);
      if (o.json) return printJson({ items });
      if (items.length === 0) process.stdout.write('no report schedules\n');
      for (const s of items) process.stdout.write(`${describe(s)}\n`);
    });

  common(rs.command('show').description('A report schedule, its ETag and its latest deliveries').argument('<id>', 'schedule id')).action(
    async (id: string, o: Where) => {
      const api = Api.from(o);
      const r = api
        ? {
            schedule: await api.json<ScheduleShown>('GET', `/v1/report-schedules/${enc(id)}`),
            deliveries: (
              await api.json<{ items: DeliveryShown[] }>('GET', `/v1/report-deliveries?schedule=${enc(id)}&limit=${SHOWN_DELIVERIES}`)
            ).items,
          }
        : await onDb(o, async (store) => {
            const s = await store.getReportSchedule<ReportScheduleSpec>(o.tenant, id);
            if (!s) return badInput('ID', `no report schedule ${id}`, JSON.stringify(id));
            const page = await store.listReportDeliveries(o.tenant, { scheduleId: id, limit: SHOWN_DELIVERIES });
            return { schedule: presentSchedule(await viewReportSchedule(store, o.tenant, s)), deliveries: page.items.map(presentDelivery) };
          });
      if (o.json) return printJson(r);
      process.stdout.write(
        `${describe(r.schedule)}\n  etag ${r.schedule.etag}; updated ${r.schedule.updatedAt} by ${r.schedule.updatedBy}\n`,
      );
      for (const p of r.schedule.pending) process.stdout.write(`  run asked for: ${p.period} at ${p.at}\n`);
      if (r.deliveries.length === 0) process.stdout.write('  no deliveries yet\n');
      for (const d of r.deliveries) process.stdout.write(`${deliveryLine(d)}\n`);
    },
  );

  common(
    rs
      .command('put')
      .description('Create or replace a report schedule from flags and/or a file (flags override the file, or the stored schedule)')
      .argument('<id>', 'schedule id: letters, digits, dots, dashes, underscores')
      .option('-f, --file <file>', 'the schedule as YAML or JSON (the fields of PUT /v1/report-schedules/{id})')
      .option('--agreement <id>', 'the agreement whose report is sent (or --customer)')
      .option('--customer <id>', 'every agreement of this customer (or --agreement)')
      .option('--every <period>', 'month (default), quarter or year')
      .option('--day <n>', 'day of the month it runs on, 1 to 28')
      .option('--time <HH:MM>', 'wall time it runs at (default 06:00)')
      .option('--zone <zone>', "IANA zone of day and time (default: the agreement's)")
      .option('--channel <id>', 'the e-mail channel it is sent through')
      .option('--recipient <address...>', 'who gets it (repeat, or comma-separated); replaces the list')
      .option('--language <lang>', 'en (default) or ar')
      .option('--format <format...>', 'pdf (default), html, csv (repeat, or comma-separated)')
      .option('--enabled', 'run it (the default)')
      .option('--disabled', 'keep it without running it')
      .option('--if-match <etag>', 'replace only this version (the ETag show prints); default: the one read just before'),
  ).action(async (id: string, o: Where & SpecFlags & { disabled?: boolean }) => {
    if (o.enabled && o.disabled) badInput('--disabled', 'give either --enabled or --disabled', '--enabled --disabled');
    const flags: SpecFlags = { ...o, ...(o.disabled ? { enabled: false } : {}) };
    const ifMatch = etagOf(o.ifMatch);
    const api = Api.from(o);
    let r: { result: string; schedule: ScheduleShown };
    if (api) {
      const path = `/v1/report-schedules/${enc(id)}`;
      const current = await api.request<ScheduleShown>('GET', path, { okStatuses: [404] });
      const stored = current.status === 200 ? current.body : undefined;
      const { spec, rename } = specOf(flags, stored?.spec);
      const etag = ifMatch ?? stored?.etag;
      try {
        r = (
          await api.request<{ result: string; schedule: ScheduleShown }>('PUT', path, {
            body: JSON.stringify(spec),
            type: 'application/json',
            ...(etag ? { headers: { 'if-match': etag } } : {}),
          })
        ).body;
      } catch (e) {
        renamedRemote(e, rename);
      }
    } else {
      r = await onDb(o, async (store, now) => {
        const current = await store.getReportSchedule<ReportScheduleSpec>(o.tenant, id);
        const { spec, rename } = specOf(flags, current?.spec);
        const p = await putReportSchedule(
          { store, tenant: o.tenant, now, actor: actor() },
          { id, spec, ifMatch: ifMatch ?? (current ? current.etag : null) },
        );
        if (!p.ok) throw new UsageError(p.issues.map((i) => (i.path === 'id' ? { ...i, path: 'ID' } : rename(i))));
        if (p.value.status === 'stale')
          return badInput(
            '--if-match',
            p.value.current ? `report schedule ${id} has changed since it was read` : `report schedule ${id} does not exist`,
            ifMatch,
            p.value.current ? `its current ETag ${p.value.current.etag}` : undefined,
          );
        return { result: p.value.status, schedule: presentSchedule(await viewReportSchedule(store, o.tenant, p.value.schedule)) };
      });
    }
    if (o.json) return printJson(r);
    process.stdout.write(`${r.result}: ${describe(r.schedule)}\n`);
  });

  common(
    rs
      .command('delete')
      .description('Delete a report schedule (its deliveries stay, as history)')
      .argument('<id>', 'schedule id')
      .option('--if-match <etag>', 'delete only this version (the ETag show prints); default: the one read just before'),
  ).action(async (id: string, o: Where & { ifMatch?: string }) => {
    const ifMatch = etagOf(o.ifMatch);
    const api = Api.from(o);
    if (api) {
      const path = `/v1/report-schedules/${enc(id)}`;
      const etag = ifMatch ?? (await api.request('GET', path)).headers.get('etag') ?? undefined;
      await api.request('DELETE', path, etag ? { headers: { 'if-match': etag } } : {});
    } else
      await onDb(o, async (store, now) => {
        const current = await store.getReportSchedule(o.tenant, id);
        if (!current) return badInput('ID', `no report schedule ${id}`, JSON.stringify(id));
        const d = await store.deleteReportSchedule(o.tenant, id, ifMatch ?? current.etag, {
          at: now,
          actor: actor(),
          action: 'report-schedule.delete',
          subject: `report-schedule:${id}`,
        });
        if (d === 'not_found') badInput('ID', `no report schedule ${id}`, JSON.stringify(id));
        if (d === 'stale')
          badInput('--if-match', `report schedule ${id} has changed since it was read`, ifMatch, `its current ETag ${current.etag}`);
      });
    if (o.json) return printJson({ result: 'deleted', id });
    process.stdout.write(`deleted: ${id}\n`);
  });

  common(
    rs
      .command('run')
      .description("Send a period's reports now (a missed period, or recipients added since); who had it gets no second e-mail")
      .argument('<id>', 'schedule id')
      .requiredOption('--period <period>', 'the period to send, of the schedule kind: 2026-10, 2026-Q3 or 2026'),
  ).action(async (id: string, o: Where & { period: string }) => {
    const api = Api.from(o);
    const r = api
      ? await api
          .json<{ schedule: string; period: string; at: string }>('POST', `/v1/report-schedules/${enc(id)}/runs`, { period: o.period })
          .catch((e: unknown) => renamedRemote(e, (i) => (i.path === 'period' ? { ...i, path: '--period' } : i)))
      : await onDb(o, async (store, now) => {
          const x = await runReportSchedule({ store, tenant: o.tenant, now, actor: actor() }, { id, period: o.period });
          if (!x.ok) throw new UsageError(x.issues.map((i) => (i.path === 'period' ? { ...i, path: '--period' } : i)));
          if (x.value.status === 'not_found') return badInput('ID', `no report schedule ${id}`, JSON.stringify(id));
          return { schedule: id, period: x.value.period, at: new Date(x.value.at).toISOString() };
        });
    if (o.json) return printJson(r);
    process.stdout.write(
      `scheduled: ${r.schedule} sends ${r.period} now${api ? '' : ' (a running pledge serve or pledge worker on this database sends it)'}\n`,
    );
  });
}
