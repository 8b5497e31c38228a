/**
 * The service desks' own exports read as the webhook deliveries they would have sent for the same
 * history (docs/sources.md, "Backfilling history"): Zendesk's incremental ticket event export,
 * Jira's search results with `expand=changelog`, GitHub's repository issue events (and its issues
 * list), Freshservice's tickets list with `include=stats` and ServiceNow's Table API incidents. Each
 * export record becomes one or more webhook-shaped payloads (with the headers the desk sends, or
 * for Freshservice and ServiceNow the body docs/sources.md has their webhook send), which then go
 * through the source's mapping like any delivery. The last two lists hold tickets as they are now:
 * they give the changes that have an instant of their own (created, first response, resolved,
 * closed), with the priority the ticket has now.
 *
 * Why deliveries rather than a second mapping per vendor: one mapping (the default, or the
 * source's own) then reads both the live webhook and the history, so a change both backfilled and
 * delivered gets the same event id (`<ticket>:<kind>:<instant>`) and is stored once; and a mapping
 * a customer adapted (status names, priorities) needs no twin for backfills.
 *
 * Invariants:
 * - Pure and total: any JSON in, payloads or issues naming the export path out; never a throw.
 * - Each payload's time is the change's own time in the export (the audit's `created_at`, the
 *   history's `created`, the issue event's `created_at`, the ticket's `stats.resolved_at`, the
 *   incident's `resolved_at`), never a time the export does not hold, placed where the webhook mapping reads
 *   its time, so ids meet those of the live deliveries of the same change.
 * - Payloads carry their `origin` (the export path they come from), so a problem names the record
 *   in the vendor's file, not a made-up index.
 */
import type { Issue } from '../validation/issues.ts';
import type { Vendor } from './defaults.ts';

export interface ExportDelivery {
  payload: unknown;
  headers: Record<string, string>;
  /** The export path the payload is made from, e.g. `issues[2].changelog.histories[0]`. */
  origin: string;
}

export type ExportRead = { ok: true; records: ExportDelivery[] } | { ok: false; issues: Issue[] };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;

function listIn(value: unknown, key: string, what: string): { ok: true; list: unknown[]; at: string } | { ok: false; issues: Issue[] } {
  if (key === '' && Array.isArray(value)) return { ok: true, list: value, at: '' };
  if (key !== '' && isObj(value) && Array.isArray(value[key])) return { ok: true, list: value[key] as unknown[], at: key };
  return {
    ok: false,
    issues: [
      {
        path: key === '' ? '' : key,
        message: `expected ${what}`,
        received: Array.isArray(value)
          ? 'an array'
          : isObj(value)
            ? `an object with ${Object.keys(value).slice(0, 6).join(', ') || 'no keys'}`
            : typeof value,
      },
    ],
  };
}

/** Jira's `2026-03-10T09:12:00.000+0100` (or any ISO 8601) as epoch ms for ordering; NaN-free (0 when unreadable). */
const instant = (v: unknown) => {
  const t = Date.parse(String(v ?? '').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(t) ? 0 : t;
};

/** A Unix time in seconds as ISO 8601 UTC, or undefined. */
const fromUnix = (v: unknown) =>
  typeof v === 'number' && Number.isFinite(v) ? new Date(v * 1000).toISOString().replace('.000Z', 'Z') : undefined;

/**
 * Zendesk: `GET /api/v2/incremental/ticket_events.json?start_time=<unix>&include=comment_events`,
 * `{ ticket_events: [ { ticket_id, created_at, timestamp, child_events: [...] } ] }`. An audit with
 * a `Create` child is the ticket's creation (subject, priority, group, assignee from its `Create`
 * children; later `Change` children update them, as a delivery's `detail` shows the ticket then);
 * a `Change` of status or priority is that change; a public `Comment` of a later audit is a reply
 * (the first comment is the ticket's description, no reply).
 */
function zendesk(value: unknown): ExportRead {
  const l = listIn(value, 'ticket_events', 'the incremental ticket event export: an object with a "ticket_events" array');
  if (!l.ok) return l;
  const out: ExportDelivery[] = [];
  // What each ticket is so far (its Create and Change children), as a delivery's `detail` shows it.
  const tickets = new Map<string, Record<string, string>>();
  const TRACKED = ['subject', 'status', 'priority', 'group_id', 'assignee_id'] as const;
  l.list.forEach((ev, i) => {
    const origin = `ticket_events[${i}]`;
    const e = isObj(ev) ? ev : {};
    const ticket = str(e.ticket_id) ?? '';
    const time = str(e.created_at) ?? fromUnix(e.timestamp) ?? '';
    const children = Array.isArray(e.child_events) ? e.child_events.filter(isObj) : [];
    // A child names its field by field_name, or by carrying it as a key (`"status": "open"`).
    const field = (c: Obj) => str(c.field_name) ?? TRACKED.find((k) => k in c);
    const valueIn = (c: Obj, f: string) => str(c.value) ?? str(c[f]);
    const state = tickets.get(ticket) ?? {};
    tickets.set(ticket, state);
    // "Web form" in the export is the delivery's via.channel "web_form".
    const channel = str(e.via)?.toLowerCase().replace(/\s+/g, '_');
    const detail = () => ({ id: ticket, ...state, ...(channel ? { via: { channel } } : {}) });
    const created = children.some((c) => c.event_type === 'Create');
    if (created) {
      for (const c of children) {
        const f = field(c);
        const v = f && c.event_type === 'Create' ? valueIn(c, f) : undefined;
        if (f && v !== undefined) state[f] = v;
      }
      out.push({ origin, headers: {}, payload: { type: 'zen:event-type:ticket.created', time, detail: detail(), event: {} } });
    }
    for (const c of children) {
      const f = field(c);
      if (c.event_type === 'Change' && f) {
        const current = valueIn(c, f) ?? '';
        state[f] = current;
        if (f === 'status' || f === 'priority')
          out.push({
            origin,
            headers: {},
            payload: {
              type: `zen:event-type:ticket.${f}_changed`,
              time,
              detail: detail(),
              event: { previous: str(c.previous_value) ?? '', current },
            },
          });
      } else if (c.event_type === 'Comment' && !created)
        out.push({
          origin,
          headers: {},
          payload: {
            type: 'zen:event-type:ticket.comment_added',
            time,
            detail: detail(),
            event: { comment: { is_public: c.public ?? c.is_public ?? true, author: { id: c.author_id } } },
          },
        });
    }
    if (!isObj(ev)) out.push({ origin, headers: {}, payload: ev });
  });
  return { ok: true, records: out };
}

/**
 * Jira: `GET /rest/api/2/search?jql=project=SD&expand=changelog&fields=*all` (or the v3 search),
 * `{ issues: [ { key, fields: { created, priority, ... , comment }, changelog: { histories } } ] }`.
 * The issue is created at `fields.created` with the priority and assignee it had then (the first
 * change's `fromString`, else the current value); each history is an update at its `created` with
 * its items; each comment in `fields.comment.comments` a comment at its `created`.
 */
function jira(value: unknown): ExportRead {
  const l = listIn(value, 'issues', 'the search results: an object with an "issues" array (search with expand=changelog)');
  if (!l.ok) return l;
  const out: ExportDelivery[] = [];
  for (const [i, raw] of l.list.entries()) {
    const origin = `issues[${i}]`;
    if (!isObj(raw)) {
      out.push({ origin, headers: {}, payload: raw });
      continue;
    }
    const fields = isObj(raw.fields) ? raw.fields : {};
    const changelog = isObj(raw.changelog) ? raw.changelog : {};
    const histories = (Array.isArray(changelog.histories) ? changelog.histories : [])
      .map((h, j) => ({ h: isObj(h) ? h : {}, j }))
      // Jira lists histories newest first in search results; the webhook saw them oldest first.
      .sort((a, b) => instant(a.h.created) - instant(b.h.created) || a.j - b.j);
    const items = (h: Obj) => (Array.isArray(h.items) ? h.items.filter(isObj) : []);
    // The fields a delivery showed then: priority and assignee as of each history (before the
    // first change of each, its `fromString`; the export holds only the current values).
    const all = histories.flatMap(({ h }) => items(h));
    const then = (f: string, key: string, current: unknown) => {
      const first = all.find((it) => it.field === f);
      return first ? (str(first.fromString) ? { [key]: first.fromString } : null) : current;
    };
    const at: Obj = { priority: then('priority', 'name', fields.priority), assignee: then('assignee', 'displayName', fields.assignee) };
    const issue = (updated: unknown) => ({ key: raw.key, id: raw.id, fields: { ...fields, ...at, updated } });
    out.push({ origin, headers: {}, payload: { webhookEvent: 'jira:issue_created', issue: issue(fields.created) } });
    for (const { h, j } of histories) {
      for (const it of items(h))
        if (it.field === 'priority') at.priority = { name: it.toString };
        else if (it.field === 'assignee') at.assignee = str(it.toString) ? { displayName: it.toString } : null;
      out.push({
        origin: `${origin}.changelog.histories[${j}]`,
        headers: {},
        payload: { webhookEvent: 'jira:issue_updated', user: h.author, changelog: { id: h.id, items: items(h) }, issue: issue(h.created) },
      });
    }
    const comments = isObj(fields.comment) && Array.isArray(fields.comment.comments) ? fields.comment.comments : [];
    for (const [j, c] of comments.entries())
      if (isObj(c))
        out.push({
          origin: `${origin}.fields.comment.comments[${j}]`,
          headers: {},
          payload: { webhookEvent: 'comment_created', comment: c, issue: issue(c.created) },
        });
  }
  return { ok: true, records: out };
}

/**
 * GitHub: `GET /repos/{owner}/{repo}/issues/events` (each event with its `issue`), and/or
 * `GET /repos/{owner}/{repo}/issues?state=all` (issues: `number`, `created_at`, `closed_at`,
 * `labels`), as one array or both concatenated. An event is the `issues` delivery of that action
 * with `issue.updated_at` the event's `created_at`; each issue gives its opening at `created_at`
 * (once per issue). An issue of the list without events gives its priority labels at
 * `created_at` and its closing at `closed_at`: the list holds no other times.
 */
function github(value: unknown): ExportRead {
  const l = listIn(
    value,
    '',
    'a JSON array of issue events (/repos/{owner}/{repo}/issues/events) or issues (/repos/{owner}/{repo}/issues)',
  );
  if (!l.ok) return l;
  const out: ExportDelivery[] = [];
  const headers = { 'x-github-event': 'issues' };
  const opened = new Set<string>();
  // A delivery names its repository; an issue names it in `repository_url` (https://api.github.com/repos/<owner>/<repo>).
  const repo = (issue: Obj) => {
    const full = str(issue.repository_url)?.match(/\/repos\/([^/]+\/[^/]+)$/)?.[1];
    return full ? { repository: { full_name: full } } : {};
  };
  const withEvents = new Set(l.list.filter((r) => isObj(r) && isObj(r.issue)).map((r) => str(((r as Obj).issue as Obj).number)));
  const open = (issue: Obj, origin: string) => {
    const n = str(issue.number) ?? '';
    if (opened.has(n)) return;
    opened.add(n);
    out.push({ origin, headers, payload: { action: 'opened', ...repo(issue), issue: { ...issue, updated_at: issue.created_at } } });
  };
  for (const [i, raw] of l.list.entries()) {
    const origin = `[${i}]`;
    if (!isObj(raw)) out.push({ origin, headers, payload: raw });
    else if (isObj(raw.issue)) {
      if (raw.issue.pull_request !== undefined) continue; // a pull request's event: no ticket (the issues webhook skips them too)
      open(raw.issue, origin);
      if (raw.event !== 'opened')
        out.push({
          origin,
          headers,
          payload: {
            action: raw.event,
            ...(raw.label ? { label: raw.label } : {}),
            ...repo(raw.issue),
            issue: { ...raw.issue, updated_at: raw.created_at },
          },
        });
    } else if (raw.pull_request === undefined) {
      // (the issues list holds pull requests too, with `pull_request`: no tickets)
      open(raw, origin);
      if (withEvents.has(str(raw.number))) continue;
      const labels = Array.isArray(raw.labels) ? raw.labels.filter(isObj) : [];
      for (const label of labels)
        if (/^p[1-4]$/i.test(str(label.name) ?? ''))
          out.push({ origin, headers, payload: { action: 'labeled', label, ...repo(raw), issue: { ...raw, updated_at: raw.created_at } } });
      if (raw.state === 'closed' && raw.closed_at)
        out.push({ origin, headers, payload: { action: 'closed', ...repo(raw), issue: { ...raw, updated_at: raw.closed_at } } });
    }
  }
  return { ok: true, records: out };
}

/** A list of records, or one record (`{ "ticket": {...} }`, `{ "result": {...} }`), under `key`. */
function recordsIn(value: unknown, list: string, one: string, what: string) {
  if (isObj(value) && isObj(value[one])) return { ok: true as const, list: [value[one]] as unknown[], at: one, single: true };
  const l = listIn(value, list, what);
  return l.ok ? { ...l, single: false } : l;
}

/** Freshservice's numeric codes (API v2, "Tickets": status 2..5, priority 1..4) as the names its placeholders give. */
const FS_STATUS: Readonly<Record<string, string>> = { '2': 'Open', '3': 'Pending', '4': 'Resolved', '5': 'Closed' };
const FS_PRIORITY: Readonly<Record<string, string>> = { '1': 'Low', '2': 'Medium', '3': 'High', '4': 'Urgent' };

/**
 * Freshservice: `GET /api/v2/tickets?include=stats&updated_since=...` ("List All Tickets"),
 * `{ tickets: [ { id, status, priority, group_id, responder_id, created_at, stats: { ... } } ] }`,
 * or one ticket (`{ ticket: {...} }`, "View a Ticket"). A list holds the ticket as it is now,
 * not its history: it is created at `created_at` (status Open, the priority it has now); with
 * `stats`, its first response at `first_responded_at`, its pending at `pending_since` (while it is
 * pending), its resolution at `resolved_at` and its closing at `closed_at`. Codes are written as
 * the names the webhook body's placeholders give (status 2 Open ... 5 Closed, priority 1 Low ... 4 Urgent).
 */
function freshservice(value: unknown): ExportRead {
  const l = recordsIn(value, 'tickets', 'ticket', 'the tickets list: an object with a "tickets" array (GET /api/v2/tickets?include=stats)');
  if (!l.ok) return l;
  const out: ExportDelivery[] = [];
  for (const [i, raw] of l.list.entries()) {
    const origin = l.single ? 'ticket' : `tickets[${i}]`;
    if (!isObj(raw)) {
      out.push({ origin, headers: {}, payload: raw });
      continue;
    }
    const stats = isObj(raw.stats) ? raw.stats : {};
    const code = (names: Readonly<Record<string, string>>, v: unknown) => names[str(v) ?? ''] ?? str(v);
    const body = (event: string, status: string | undefined, at: unknown) => ({
      ticket_id: str(raw.id),
      event,
      status,
      priority: code(FS_PRIORITY, raw.priority),
      group_id: str(raw.group_id),
      responder_id: str(raw.responder_id),
      updated_at: at,
    });
    const changes: Array<{ at: unknown; payload: Obj }> = [];
    if (str(stats.first_responded_at))
      changes.push({ at: stats.first_responded_at, payload: body('replied', code(FS_STATUS, raw.status), stats.first_responded_at) });
    if (str(stats.pending_since) && str(raw.status) === '3')
      changes.push({ at: stats.pending_since, payload: body('status_changed', 'Pending', stats.pending_since) });
    if (str(stats.resolved_at)) changes.push({ at: stats.resolved_at, payload: body('status_changed', 'Resolved', stats.resolved_at) });
    if (str(stats.closed_at)) changes.push({ at: stats.closed_at, payload: body('status_changed', 'Closed', stats.closed_at) });
    out.push({ origin, headers: {}, payload: body('created', 'Open', raw.created_at) });
    for (const c of changes.sort((a, b) => instant(a.at) - instant(b.at)))
      out.push({ origin: `${origin}.stats`, headers: {}, payload: c.payload });
  }
  return { ok: true, records: out };
}

/**
 * A Table API field in any of its forms: the value (`sysparm_display_value=false`, the default),
 * `{ link, value }` (a reference field with its link), `{ display_value, value }` (`=all`), or
 * the display value (`=true`). `display` prefers the display value (a group's name), else the value.
 */
function snField(v: unknown, prefer: 'value' | 'display'): string | undefined {
  if (!isObj(v)) return str(v);
  const [a, b] = prefer === 'display' ? [v.display_value, v.value] : [v.value, v.display_value];
  return str(a) || str(b);
}

/**
 * ServiceNow: the Table API, `GET /api/now/table/incident?sysparm_display_value=all&sysparm_query=...`,
 * `{ result: [ { number, state, priority, assignment_group, sys_created_on, resolved_at, closed_at } ] }`
 * (or one record, `{ result: {...} }`). A list holds the incident as it is now: it is inserted at
 * `sys_created_on` (state New, the priority it has now), resolved at `resolved_at` (state 6) and
 * closed at `closed_at` (state 7), as the business rule's body gives them. Dates are the values
 * (UTC, `2026-03-10 08:00:00`, also under `=all`); a priority given as its display value
 * ("1 - Critical", `=true`) is read as its code; the group as its name where the export has it.
 */
function servicenow(value: unknown): ExportRead {
  const l = recordsIn(value, 'result', 'result', 'the Table API answer: an object with a "result" array (GET /api/now/table/incident)');
  if (!l.ok) return l;
  const out: ExportDelivery[] = [];
  for (const [i, raw] of l.list.entries()) {
    const origin = l.single ? 'result' : `result[${i}]`;
    if (!isObj(raw)) {
      out.push({ origin, headers: {}, payload: raw });
      continue;
    }
    const priority = snField(raw.priority, 'value')?.match(/^\s*(\d+)/)?.[1] ?? snField(raw.priority, 'value');
    const body = (operation: string, changed: string, state: string, at: string | undefined) => ({
      number: snField(raw.number, 'value'),
      operation,
      changed,
      state,
      priority,
      assignment_group: snField(raw.assignment_group, 'display'),
      sys_updated_on: at,
    });
    out.push({
      origin,
      headers: {},
      payload: body('insert', '', '1', snField(raw.sys_created_on, 'value') || snField(raw.opened_at, 'value')),
    });
    const changes = [
      { at: snField(raw.resolved_at, 'value'), state: '6' },
      // closed_at without resolved_at: closed straight away; a cancelled incident (8) has neither.
      { at: snField(raw.closed_at, 'value'), state: '7' },
    ].filter((c) => c.at);
    for (const c of changes.sort((a, b) => instant(a.at) - instant(b.at)))
      out.push({ origin, headers: {}, payload: body('update', 'state', c.state, c.at) });
  }
  return { ok: true, records: out };
}

/** A vendor's export as webhook deliveries, or issues naming what the file is not. */
const READERS: Readonly<Record<Vendor, (value: unknown) => ExportRead>> = { zendesk, jira, github, freshservice, servicenow };

export function exportDeliveries(vendor: Vendor, value: unknown): ExportRead {
  return READERS[vendor](value);
}
