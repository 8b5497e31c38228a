/**
 * `pledge alerts`, `pledge silences`, `pledge channels` and `pledge notifications`: the alerts API
 * on the command line. Each works on a database (`--db`, the same use cases as the server, acting
 * as `cli:$USER`) or against a running server (`--url`, the token's tenant and role), and prints
 * the same JSON either way with `--json` (the API's presentation, src/app/alerts/present.ts).
 * Edges only: parse options, call the use case or the API, print.
 */
import type { Command } from 'commander';
import { acknowledge, getAlert, listAlerts, resolve, type ActOutcome, type AlertsContext } from '../app/alerts/manage.ts';
import {
  presentAlert,
  presentAttempt,
  presentHistory,
  presentNotification,
  presentSilence,
  type AlertView,
} from '../app/alerts/present.ts';
import { createSilence, expireSilence, listSilences } from '../app/alerts/silences.ts';
import { applyChannels, deleteChannel, presentChannel, setChannelEnabled, type ChannelContext, type ChannelView } from '../app/channels.ts';
import { readText } from '../app/files.ts';
import { getNotification, listNotifications, replayNotification } from '../app/notifications.ts';
import type { Store } from '../store/types.ts';
import { badInput, must, printJson, UsageError } from './output.ts';
import { Api } from './remote.ts';
import { actor, onDb, whereOptions, type Where } from './where.ts';

const enc = encodeURIComponent;

function alertLine(a: AlertView): string {
  const subject = a.subject.ticket ? ` ticket ${a.subject.ticket}` : a.subject.window ? ` ${a.subject.window}` : '';
  return `${a.state.toUpperCase().padEnd(12)} ${a.severity.padEnd(8)} ${a.firedAt}  ${a.agreement}#${a.target}${subject} ${a.level}  ${a.id}\n    ${a.summary}`;
}

function acted(r: ActOutcome, id: string) {
  switch (r.status) {
    case 'not_found':
      return badInput('ID', `no alert ${id}`, JSON.stringify(id));
    case 'invalid':
      throw new UsageError(r.issues.map((i) => ({ ...i, path: i.path === 'reason' ? '--reason' : i.path })));
    case 'conflict':
      return badInput('ID', r.message, JSON.stringify(id));
    default:
      return { result: r.status, alert: presentAlert(r.alert, { internal: true }), notified: r.notified };
  }
}

const STATES = ['firing', 'acknowledged', 'resolved'] as const;
function statesOf(s: string | undefined): Array<(typeof STATES)[number]> | undefined {
  if (s === undefined) return undefined;
  const out = new Set<(typeof STATES)[number]>();
  for (const w of s.split(',').map((x) => x.trim())) {
    if (w === 'open') {
      out.add('firing');
      out.add('acknowledged');
    } else if ((STATES as readonly string[]).includes(w)) out.add(w as (typeof STATES)[number]);
    else badInput('--state', 'unknown state', JSON.stringify(w), 'firing, acknowledged, resolved or open (comma-separated)');
  }
  return [...out];
}

export function registerAlerts(program: Command): void {
  const alerts = program.command('alerts').description('Alerts: list, show, acknowledge, resolve (docs/alerts.md "API and CLI")');
  // `pledge alerts` lists: list is the default subcommand, so the options stay the subcommands' own.
  whereOptions(alerts.command('list', { isDefault: true }).description('List alerts (the open ones by default), newest first'))
    .option('--state <states>', 'firing, acknowledged, resolved or open (comma-separated); open by default', 'open')
    .option('--severity <severity>', 'info, warning or critical')
    .option('--agreement <id>', 'only this agreement')
    .option('--ticket <id>', 'only this ticket')
    .option('--limit <n>', 'at most this many (newest first)', '100')
    .action(async (o: Where & { state: string; severity?: string; agreement?: string; ticket?: string; limit: string }) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) badInput('--limit', 'expected 1 to 1000', JSON.stringify(o.limit));
      const state = statesOf(o.state);
      const api = Api.from(o);
      let items: AlertView[];
      if (api) {
        const q = new URLSearchParams({ order: 'newest', limit: String(limit), ...(state ? { state: state.join(',') } : {}) });
        for (const [k, v] of [
          ['severity', o.severity],
          ['agreement', o.agreement],
          ['ticket', o.ticket],
        ] as const)
          if (v !== undefined) q.set(k, v);
        items = (await api.json<{ items: AlertView[] }>('GET', `/v1/alerts?${q}`)).items;
      } else {
        items = await onDb(o, async (store, now) => {
          const ctx: AlertsContext = { store, tenant: o.tenant, now, actor: actor() };
          const page = await listAlerts(ctx, {
            newestFirst: true,
            limit,
            ...(state ? { state } : {}),
            ...(o.severity !== undefined ? { severity: o.severity } : {}),
            ...(o.agreement !== undefined ? { agreement: o.agreement } : {}),
            ...(o.ticket !== undefined ? { ticket: o.ticket } : {}),
          });
          return page.items.map((a) => presentAlert(a, { internal: true }));
        });
      }
      if (o.json) return printJson({ items });
      if (items.length === 0) process.stdout.write(`no ${o.state} alerts\n`);
      for (const a of items) process.stdout.write(`${alertLine(a)}\n`);
    });

  whereOptions(alerts.command('show').description('An alert with its history').argument('<id>', 'alert id (al_...)')).action(
    async (id: string, o: Where) => {
      const api = Api.from(o);
      const r = api
        ? await api.json<{ alert: AlertView; history: unknown[] }>('GET', `/v1/alerts/${enc(id)}`)
        : await onDb(o, async (store, now) => {
            const found = await getAlert({ store, tenant: o.tenant, now, actor: actor() }, id);
            if (!found) return badInput('ID', `no alert ${id}`, JSON.stringify(id));
            return { alert: presentAlert(found.alert, { internal: true }), history: found.history.map(presentHistory) };
          });
      if (o.json) return printJson(r);
      process.stdout.write(`${alertLine(r.alert)}\n`);
      for (const [k, v] of Object.entries(r.alert.facts)) process.stdout.write(`    ${k}: ${v}\n`);
      for (const h of r.history as Array<{ at: string; state: string; by: string; reason?: string }>)
        process.stdout.write(`  ${h.at} ${h.state} by ${h.by}${h.reason ? `: ${h.reason}` : ''}\n`);
    },
  );

  whereOptions(
    alerts
      .command('ack')
      .description('Acknowledge a firing alert (those told it fired hear who took it)')
      .argument('<id>', 'alert id')
      .option('--comment <text>', 'a note'),
  ).action(async (id: string, o: Where & { comment?: string }) => {
    const api = Api.from(o);
    const r = api
      ? await api.json<{ result: string; alert: AlertView; notified: number }>(
          'POST',
          `/v1/alerts/${enc(id)}/acknowledge`,
          o.comment !== undefined ? { comment: o.comment } : {},
        )
      : await onDb(o, async (store, now) =>
          acted(
            await acknowledge(
              { store, tenant: o.tenant, now, actor: actor() },
              { id, ...(o.comment !== undefined ? { comment: o.comment } : {}) },
            ),
            id,
          ),
        );
    if (o.json) return printJson(r);
    process.stdout.write(`${r.result}: ${r.alert.id} (by ${r.alert.acknowledgedBy}; ${r.notified} notified)\n`);
  });

  whereOptions(
    alerts
      .command('resolve')
      .description('Resolve an alert by hand, saying why')
      .argument('<id>', 'alert id')
      .requiredOption('--reason <text>', 'why it is resolved'),
  ).action(async (id: string, o: Where & { reason: string }) => {
    const api = Api.from(o);
    const r = api
      ? await api.json<{ result: string; alert: AlertView; notified: number }>('POST', `/v1/alerts/${enc(id)}/resolve`, {
          reason: o.reason,
        })
      : await onDb(o, async (store, now) =>
          acted(await resolve({ store, tenant: o.tenant, now, actor: actor() }, { id, reason: o.reason }), id),
        );
    if (o.json) return printJson(r);
    process.stdout.write(`${r.result}: ${r.alert.id} (${r.alert.resolvedReason ?? ''}; ${r.notified} notified)\n`);
  });
}

export function registerSilences(program: Command): void {
  const silences = program.command('silences').description('Silences: list, add, expire');
  whereOptions(silences.command('list').description('List silences').option('--active', 'only those in force now')).action(
    async (o: Where & { active?: boolean }) => {
      const api = Api.from(o);
      const items = api
        ? (
            await api.json<{ items: ReturnType<typeof presentSilence>[] }>(
              'GET',
              `/v1/silences?limit=1000${o.active ? '&active=true' : ''}`,
            )
          ).items
        : await onDb(o, async (store, now) =>
            (await listSilences({ store, tenant: o.tenant, now }, { limit: 1000, ...(o.active ? { active: true } : {}) })).items.map((s) =>
              presentSilence(s, now),
            ),
          );
      if (o.json) return printJson({ items });
      if (items.length === 0) process.stdout.write('no silences\n');
      for (const s of items)
        process.stdout.write(
          `${s.active ? 'ACTIVE ' : 'idle   '} ${s.id}  ${s.startsAt} .. ${s.endsAt}  ${s.matchers.map((m) => `${m.field}${m.op}${m.values.join('|')}`).join(' ')}${s.comment ? `  (${s.comment})` : ''}\n`,
        );
    },
  );
  whereOptions(
    silences
      .command('add')
      .description('Silence matching alerts: e.g. --match agreement=gold --match severity!=critical --for 2h')
      .requiredOption(
        '--match <matcher...>',
        'field=value[,value] or field!=value[,value]; fields agreement, target, ticket, source, window, level, kind, severity, audience',
      )
      .option('--for <duration>', 'how long, e.g. 30m, 2h, 1d')
      .option('--until <instant>', 'until this ISO 8601 instant (instead of --for)')
      .option('--from <instant>', 'from this ISO 8601 instant (default now)')
      .option('--comment <text>', 'why')
      .option('--id <id>', 'an id of your choice'),
  ).action(async (o: Where & { match: string[]; for?: string; until?: string; from?: string; comment?: string; id?: string }) => {
    const matchers = o.match.map((m, i) => {
      const x = /^([A-Za-z]+)\s*(!=|=)\s*(.+)$/.exec(m);
      if (!x) return badInput(`--match[${i}]`, 'expected field=value or field!=value', JSON.stringify(m));
      return { field: x[1]!, op: x[2]!, values: x[3]!.split(',').map((v) => v.trim()) };
    });
    const input = {
      matchers,
      ...(o.id !== undefined ? { id: o.id } : {}),
      ...(o.from !== undefined ? { startsAt: o.from } : {}),
      ...(o.until !== undefined ? { endsAt: o.until } : {}),
      ...(o.for !== undefined ? { duration: o.for } : {}),
      ...(o.comment !== undefined ? { comment: o.comment } : {}),
    };
    const api = Api.from(o);
    const r = api
      ? await api.json<{ result: string; silence: ReturnType<typeof presentSilence> }>('POST', '/v1/silences', input)
      : await onDb(o, async (store, now) => {
          const c = await createSilence({ store, tenant: o.tenant, now, actor: actor() }, input);
          if (c.status === 'invalid')
            throw new UsageError(
              c.issues.map((i) => ({
                ...i,
                path: i.path
                  .replace(/^duration/, '--for')
                  .replace(/^endsAt/, '--until')
                  .replace(/^startsAt/, '--from'),
              })),
            );
          return { result: c.status, silence: presentSilence(c.silence, now) };
        });
    if (o.json) return printJson(r);
    process.stdout.write(`${r.result}: ${r.silence.id} until ${r.silence.endsAt}\n`);
  });
  whereOptions(silences.command('expire').description('End a silence now').argument('<id>', 'silence id')).action(
    async (id: string, o: Where) => {
      const api = Api.from(o);
      const r = api
        ? await api.json<{ result: string; silence: ReturnType<typeof presentSilence> }>('POST', `/v1/silences/${enc(id)}/expire`)
        : await onDb(o, async (store, now) => {
            const e = await expireSilence({ store, tenant: o.tenant, now, actor: actor() }, id);
            if (e.status === 'not_found') return badInput('ID', `no silence ${id}`, JSON.stringify(id));
            return { result: e.status, silence: presentSilence(e.silence, now) };
          });
      if (o.json) return printJson(r);
      process.stdout.write(`${r.result}: ${r.silence.id}\n`);
    },
  );
}

export function registerChannels(program: Command): void {
  const channels = program
    .command('channels')
    .description('Delivery channels: list, apply a file, enable, disable, delete (secrets never shown)');
  const ctxOf = (store: Store, o: Where, now: number): ChannelContext => ({
    store,
    tenant: o.tenant,
    now,
    actor: actor(),
    ...(process.env.PLEDGE_SECRET_KEY ? { secretKeys: process.env.PLEDGE_SECRET_KEY } : {}),
  });
  whereOptions(channels.command('list').description('List channels (secrets redacted)')).action(async (o: Where) => {
    const api = Api.from(o);
    const items = api
      ? (await api.json<{ items: ChannelView[] }>('GET', '/v1/channels')).items
      : await onDb(o, async (store) => (await store.listChannels(o.tenant)).map(presentChannel));
    if (o.json) return printJson({ items });
    if (items.length === 0) process.stdout.write('no channels\n');
    for (const c of items)
      process.stdout.write(
        `${c.enabled ? 'enabled ' : 'DISABLED'} ${c.id.padEnd(20)} ${c.kind.padEnd(8)} ${c.audience}${c.disabledReason ? `  (${c.disabledReason})` : ''}\n`,
      );
  });
  whereOptions(
    channels
      .command('apply')
      .description('Create or replace the channels of a file (docs/alerts.md "Channels"); secrets as env:NAME or enc:v1: values')
      .argument('<file>', 'YAML or JSON file with `channels:`'),
  ).action(async (file: string, o: Where) => {
    const { text } = must(readText(file));
    const api = Api.from(o);
    let out: { channels: Array<{ id: string; result: string }> };
    if (api) {
      const type = /\.json$/i.test(file) ? 'application/json' : 'application/yaml';
      out = (await api.request<{ channels: Array<{ id: string; result: string }> }>('POST', '/v1/channels/apply', { body: text, type }))
        .body;
    } else {
      out = await onDb(o, async (store, now) => {
        const a = await applyChannels(ctxOf(store, o, now), text, file);
        if (a.status === 'invalid') throw new UsageError(a.issues);
        return { channels: a.channels };
      });
    }
    if (o.json) return printJson(out);
    for (const c of out.channels) process.stdout.write(`${c.result.padEnd(9)} ${c.id}\n`);
  });
  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    whereOptions(
      channels
        .command(name)
        .description(enabled ? 'Enable a channel' : 'Disable a channel: it is sent nothing until enabled')
        .argument('<id>', 'channel id')
        .option('--reason <text>', 'why (disable)'),
    ).action(async (id: string, o: Where & { reason?: string }) => {
      const api = Api.from(o);
      const r = api
        ? await api.json<{ result: string; channel: ChannelView }>(
            'POST',
            `/v1/channels/${enc(id)}/${name}`,
            !enabled && o.reason ? { reason: o.reason } : undefined,
          )
        : await onDb(o, async (store, now) => {
            const e = await setChannelEnabled(
              ctxOf(store, o, now),
              id,
              enabled,
              enabled ? undefined : (o.reason ?? `disabled by ${actor()}`),
            );
            if (e.status === 'not_found') return badInput('ID', `no channel ${id}`, JSON.stringify(id));
            return { result: e.status, channel: presentChannel(e.channel) };
          });
      if (o.json) return printJson(r);
      process.stdout.write(`${r.result}: ${r.channel.id} is ${r.channel.enabled ? 'enabled' : 'disabled'}\n`);
    });
  }
  whereOptions(channels.command('delete').description('Delete a channel').argument('<id>', 'channel id')).action(
    async (id: string, o: Where) => {
      const api = Api.from(o);
      if (api) await api.json('DELETE', `/v1/channels/${enc(id)}`);
      else
        await onDb(o, async (store, now) => {
          const d = await deleteChannel(ctxOf(store, o, now), id);
          if (d === 'not_found') badInput('ID', `no channel ${id}`, JSON.stringify(id));
        });
      if (o.json) return printJson({ result: 'deleted', id });
      process.stdout.write(`deleted: ${id}\n`);
    },
  );
}

export function registerNotifications(program: Command): void {
  const n = program.command('notifications').description('The delivery log: list, show with attempts, replay with the same key');
  whereOptions(
    n
      .command('list')
      .description('List notifications')
      .option('--state <state>', 'pending, claimed, delivered, failed or dead')
      .option('--channel <id>', 'only this channel')
      .option('--alert <id>', 'only this alert'),
  ).action(async (o: Where & { state?: string; channel?: string; alert?: string }) => {
    const states = ['pending', 'claimed', 'delivered', 'failed', 'dead'] as const;
    if (o.state !== undefined && !(states as readonly string[]).includes(o.state))
      badInput('--state', 'unknown state', JSON.stringify(o.state), states.join(', '));
    const api = Api.from(o);
    let items: ReturnType<typeof presentNotification>[];
    if (api) {
      const q = new URLSearchParams({ limit: '1000' });
      for (const [k, v] of [
        ['state', o.state],
        ['channel', o.channel],
        ['alert', o.alert],
      ] as const)
        if (v !== undefined) q.set(k, v);
      items = (await api.json<{ items: typeof items }>('GET', `/v1/notifications?${q}`)).items;
    } else {
      items = await onDb(o, async (store) =>
        (
          await listNotifications(
            { store, tenant: o.tenant },
            {
              limit: 1000,
              ...(o.state ? { state: [o.state as (typeof states)[number]] } : {}),
              ...(o.channel ? { channel: o.channel } : {}),
              ...(o.alert ? { alert: o.alert } : {}),
            },
          )
        ).items.map(presentNotification),
      );
    }
    if (o.json) return printJson({ items });
    if (items.length === 0) process.stdout.write('no notifications\n');
    for (const x of items)
      process.stdout.write(
        `${String(x.id).padStart(6)} ${x.state.padEnd(9)} ${x.channel.padEnd(16)} ${x.attempts} attempt(s)  ${x.subject ?? x.idempotencyKey}${x.lastError ? `  [${x.lastError}]` : ''}\n`,
      );
  });
  const idOf = (s: string) => {
    const id = Number(s);
    if (!Number.isSafeInteger(id) || id < 1) badInput('ID', 'expected a notification id (a positive number)', JSON.stringify(s));
    return id;
  };
  whereOptions(n.command('show').description('A notification with its attempts').argument('<id>', 'notification id')).action(
    async (s: string, o: Where) => {
      const id = idOf(s);
      const api = Api.from(o);
      const r = api
        ? await api.json<{ notification: ReturnType<typeof presentNotification>; attempts: ReturnType<typeof presentAttempt>[] }>(
            'GET',
            `/v1/notifications/${id}`,
          )
        : await onDb(o, async (store) => {
            const g = await getNotification({ store, tenant: o.tenant }, id);
            if (!g) return badInput('ID', `no notification ${id}`, JSON.stringify(s));
            return { notification: presentNotification(g.notification), attempts: g.attempts.map(presentAttempt) };
          });
      if (o.json) return printJson(r);
      const x = r.notification;
      process.stdout.write(`${x.id} ${x.state} to ${x.channel} (${x.recipient || 'the channel'}), key ${x.idempotencyKey}\n`);
      for (const a of r.attempts)
        process.stdout.write(`  #${a.attempt} ${a.startedAt} ${a.outcome} by ${a.worker}${a.error ? `: ${a.error}` : ''}\n`);
    },
  );
  whereOptions(
    n.command('replay').description('Send a notification again, with the same idempotency key').argument('<id>', 'notification id'),
  ).action(async (s: string, o: Where) => {
    const id = idOf(s);
    const api = Api.from(o);
    const r = api
      ? await api.json<{ result: string; notification: ReturnType<typeof presentNotification> }>('POST', `/v1/notifications/${id}/replay`)
      : await onDb(o, async (store, now) => {
          const p = await replayNotification({ store, tenant: o.tenant, now, actor: actor() }, id);
          if (p.status === 'not_found') return badInput('ID', `no notification ${id}`, JSON.stringify(s));
          if (p.status === 'conflict')
            return badInput('ID', `notification ${id} is ${p.notification.state}: it will be delivered anyway`, JSON.stringify(s));
          return { result: 'replayed', notification: presentNotification(p.notification) };
        });
    if (o.json) return printJson(r);
    process.stdout.write(`replayed: ${r.notification.id} (key ${r.notification.idempotencyKey}) is pending again\n`);
  });
}
