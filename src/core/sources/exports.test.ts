/**
 * The vendors' own exports (test/fixtures/exports/, shapes from the documentation pages cited in
 * its README) read as deliveries and mapped by the vendors' default mappings: the events they
 * give, and that they are the very events (in every field: a duplicate, not a conflict) the webhook deliveries of the same history
 * give, so a backfill and the live webhook meet as duplicates.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseCsvMapping, type EventPerRowMapping } from '../events/csv-mapping.ts';
import { DEFAULT_MAPPINGS, type Vendor } from './defaults.ts';
import { exportDeliveries } from './exports.ts';
import { mapPayload } from './payload.ts';

const read = (path: string) => JSON.parse(readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8'));

function mapping(v: Vendor): EventPerRowMapping {
  const m = parseCsvMapping(DEFAULT_MAPPINGS[v], 'mapping');
  assert.ok(m.ok && m.value.layout === 'event-per-row');
  return m.value as EventPerRowMapping;
}

/** Events of records through the vendor's default mapping, as backfill maps them (`full`: as stored, else the table's fields). */
function mapped(
  v: Vendor,
  records: Array<{ payload: unknown; headers?: Record<string, string> }>,
  full = false,
): Array<Record<string, unknown>> {
  return records.flatMap((r) => {
    const m = mapPayload(mapping(v), { payload: r.payload, headers: r.headers ?? {} });
    assert.equal(m.status, 'mapped', JSON.stringify(m));
    if (m.status !== 'mapped') return [];
    return m.events.map(({ atMs: _a, attributes, source, at, ...e }) => (full ? { ...e, attributes, source, at } : e));
  });
}

function fromExport(v: Vendor, path: string, full = false) {
  const r = exportDeliveries(v, read(path));
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
  return r.ok ? mapped(v, r.records, full) : [];
}

/** The webhook deliveries of an example file ({headers, payload} or bare payloads). */
function fromDeliveries(v: Vendor, path: string) {
  const value = read(path);
  const list: unknown[] = Array.isArray(value) ? value : (Object.values(value).find(Array.isArray) as unknown[]);
  return mapped(
    v,
    list.map((r) => {
      const o = r as { payload?: unknown; headers?: Record<string, string> };
      return o.payload !== undefined ? { payload: o.payload, headers: o.headers ?? {} } : { payload: r };
    }),
    true,
  );
}

/** Events as the store compares them: a duplicate must be the same event in every field, else it is a conflict. */
const byId = (events: Array<Record<string, unknown>>) => [...events].sort((a, b) => String(a.id).localeCompare(String(b.id)));

describe('service desk exports read as the deliveries they stand for', () => {
  test('the fixtures are the examples docs/sources.md runs', () => {
    for (const [fixture, example] of [
      ['zendesk/ticket_events', 'zendesk-ticket-events'],
      ['jira/search', 'jira-search'],
      ['github/issue-events', 'github-issue-events'],
      ['freshservice/tickets', 'freshservice-tickets'],
      ['servicenow/incidents', 'servicenow-incidents'],
    ])
      assert.deepEqual(read(`test/fixtures/exports/${fixture}.json`), read(`examples/sources/${example}.json`));
  });

  test('Zendesk ticket_events: the very events (every field) of the webhook deliveries of the same history; the description and a private note are no reply', () => {
    assert.deepEqual(fromExport('zendesk', 'test/fixtures/exports/zendesk/ticket_events.json'), [
      {
        id: '5158:created:2026-03-10T08:12:00Z',
        type: 'ticket.created',
        ticket: '5158',
        priority: 'P2',
        channel: 'web_form',
        group: '8447320466430',
        assignee: '8447388090494',
      },
      { id: '5158:priority_changed:2026-03-10T08:20:00Z', type: 'ticket.priority_changed', ticket: '5158', priority: 'P1' },
      { id: '5158:responded:2026-03-10T08:31:00Z', type: 'ticket.responded', ticket: '5158' },
      { id: '5158:status_changed:2026-03-10T09:00:00Z', type: 'ticket.status_changed', ticket: '5158', status: 'waiting_on_customer' },
      { id: '5158:resolved:2026-03-10T11:00:00Z', type: 'ticket.resolved', ticket: '5158', by: 'provider' },
      { id: '5158:reopened:2026-03-11T10:00:00Z', type: 'ticket.reopened', ticket: '5158' },
    ]);
    assert.deepEqual(
      byId(fromExport('zendesk', 'test/fixtures/exports/zendesk/ticket_events.json', true)),
      byId(fromDeliveries('zendesk', 'examples/sources/zendesk-deliveries.json')),
    );
  });

  test('Jira search with changelog: created with the priority it had then, histories oldest first, comments; the very events of the webhook', () => {
    assert.deepEqual(
      fromExport('jira', 'test/fixtures/exports/jira/search.json').map((e) => [e.id, e.priority ?? e.status ?? e.by ?? '']),
      [
        ['SD-42:created:2026-03-10T08:12:00Z', 'P2'],
        ['SD-42:priority_changed:2026-03-10T09:00:00Z', 'P1'],
        ['SD-42:status_changed:2026-03-10T09:00:00Z', 'waiting_on_customer'],
        ['SD-42:resolved:2026-03-10T11:00:00Z', 'provider'],
        ['SD-42:responded:2026-03-10T08:30:00Z', 'Ari Agent'],
      ],
    );
    assert.deepEqual(
      byId(fromExport('jira', 'test/fixtures/exports/jira/search.json', true)),
      byId(fromDeliveries('jira', 'examples/sources/jira-deliveries.json')),
    );
  });

  test('GitHub issue events: opened once per issue, each event at its own time; the issues list: opening, priority labels, closing; no pull requests', () => {
    assert.deepEqual(
      fromExport('github', 'test/fixtures/exports/github/issue-events.json').map((e) => [e.id, e.priority ?? e.status ?? '']),
      [
        ['7:created:2026-03-10T08:00:00Z', ''],
        ['7:priority_changed:2026-03-10T08:05:00Z', 'P2'],
        ['7:status_changed:2026-03-10T09:00:00Z', 'waiting_on_customer'],
        ['7:status_changed:2026-03-10T11:00:00Z', 'in_progress'],
        ['7:resolved:2026-03-10T15:00:00Z', ''],
      ],
    );
    assert.deepEqual(
      fromExport('github', 'test/fixtures/exports/github/issues.json').map((e) => [e.id, e.priority ?? '']),
      [
        ['8:created:2026-03-11T07:00:00Z', ''],
        ['8:priority_changed:2026-03-11T07:00:00Z', 'P1'],
        ['8:resolved:2026-03-11T09:30:00Z', ''],
        ['9:created:2026-03-12T10:00:00Z', ''],
        ['9:priority_changed:2026-03-12T10:00:00Z', 'P4'],
      ],
    );
    const pr = { number: 11, created_at: '2026-03-12T11:00:00Z', pull_request: { url: 'https://api.github.com/repos/o/r/pulls/11' } };
    const prEvents = exportDeliveries('github', [{ id: 2, event: 'closed', created_at: '2026-03-12T12:00:00Z', issue: pr }]);
    assert.deepEqual(prEvents.ok && prEvents.records, []);
    // A closing delivered live by the webhook is the very event its issue event gives (the repository from `repository_url`).
    const delivery = read('test/fixtures/webhooks/github/issues.closed.json');
    const live = mapped('github', [{ payload: delivery, headers: { 'x-github-event': 'issues' } }], true);
    const issue = delivery.issue;
    const exported = exportDeliveries('github', [{ id: 1, event: 'closed', created_at: issue.updated_at, issue }]);
    assert.ok(exported.ok);
    assert.deepEqual(mapped('github', exported.records, true).at(-1), live[0]);
  });

  test('Freshservice tickets list with stats: created (Open, the priority it has now), first response, pending, resolved, closed; codes as names; the very events of the webhook where both have the change', () => {
    assert.deepEqual(
      fromExport('freshservice', 'test/fixtures/exports/freshservice/tickets.json').map((e) => [
        e.id,
        e.priority ?? e.status ?? e.by ?? '',
      ]),
      [
        ['2291:created:2026-03-10T03:30:00Z', 'P2'],
        ['2291:responded:2026-03-10T04:10:00Z', ''],
        ['2291:resolved:2026-03-10T06:30:00Z', 'provider'],
        ['2291:closed:2026-03-11T06:30:00Z', ''],
        ['2292:created:2026-03-12T08:00:00Z', 'P1'],
        ['2292:responded:2026-03-12T08:50:00Z', ''],
        ['2292:status_changed:2026-03-12T09:00:00Z', 'waiting_on_customer'],
      ],
    );
    // Ticket 2291's deliveries (test/fixtures/webhooks/freshservice/): its creation and resolution
    // are in the export too, field for field; its pending spell is not (a list has no past states).
    const exported = new Map(fromExport('freshservice', 'test/fixtures/exports/freshservice/tickets.json', true).map((e) => [e.id, e]));
    const live = ['created', 'status_changed.pending', 'status_changed.resolved'].flatMap((f) =>
      mapped('freshservice', [{ payload: read(`test/fixtures/webhooks/freshservice/${f}.json`) }], true),
    );
    assert.deepEqual(
      live.map((e) => [e.id, exported.has(String(e.id)) ? 'same' : 'not in the export']),
      [
        ['2291:created:2026-03-10T03:30:00Z', 'same'],
        ['2291:status_changed:2026-03-10T04:30:00Z', 'not in the export'],
        ['2291:resolved:2026-03-10T06:30:00Z', 'same'],
      ],
    );
    for (const e of live) if (exported.has(String(e.id))) assert.deepEqual(exported.get(String(e.id)), e);
    // Without stats, only the creation: the list has no instant for a status.
    const bare = exportDeliveries('freshservice', { ticket: { id: 7, status: 4, priority: 1, created_at: '2026-03-01T10:00:00Z' } });
    assert.ok(bare.ok);
    assert.deepEqual(mapped('freshservice', bare.records), [
      { id: '7:created:2026-03-01T10:00:00Z', type: 'ticket.created', ticket: '7', priority: 'P4', status: 'in_progress' },
    ]);
  });

  test('ServiceNow Table API incidents (display values and values): inserted New at sys_created_on, resolved, closed; the resolution is the very event of the business rule delivery', () => {
    const events = fromExport('servicenow', 'test/fixtures/exports/servicenow/incidents.json');
    assert.deepEqual(events, [
      {
        id: 'INC0010023:created:2026-03-10T08:00:00Z',
        type: 'ticket.created',
        ticket: 'INC0010023',
        priority: 'P1',
        status: 'new',
        group: 'Network',
      },
      { id: 'INC0010023:resolved:2026-03-10T11:00:00Z', type: 'ticket.resolved', ticket: 'INC0010023', by: 'provider' },
      { id: 'INC0010023:closed:2026-03-13T11:00:00Z', type: 'ticket.closed', ticket: 'INC0010023' },
      {
        id: 'INC0010031:created:2026-03-12T09:15:00Z',
        type: 'ticket.created',
        ticket: 'INC0010031',
        priority: 'P3',
        status: 'new',
        group: 'Service Desk',
      },
    ]);
    const exported = new Map(fromExport('servicenow', 'test/fixtures/exports/servicenow/incidents.json', true).map((e) => [e.id, e]));
    const [insert, , resolved] = ['insert', 'update.priority', 'update.state.resolved'].map(
      (f) => mapped('servicenow', [{ payload: read(`test/fixtures/webhooks/servicenow/${f}.json`) }], true)[0]!,
    );
    assert.deepEqual(exported.get(String(resolved!.id)), resolved);
    // The insert has the same id but was priority 2 then; the list only knows it is 1 now: a conflict, documented.
    assert.equal(exported.get(String(insert!.id))?.priority, 'P1');
    assert.equal(insert!.priority, 'P2');
    // The default answer (raw values, reference fields as { link, value }) and display values read alike but for the group.
    const raw = exportDeliveries('servicenow', {
      result: {
        number: 'INC1',
        priority: '2',
        state: '6',
        assignment_group: { link: 'https://i.service-now.com/api/now/table/sys_user_group/abc', value: 'abc' },
        sys_created_on: '2026-03-01 10:00:00',
        resolved_at: '2026-03-01 12:00:00',
        closed_at: '',
      },
    });
    const shown = exportDeliveries('servicenow', {
      result: [
        {
          number: 'INC1',
          priority: '2 - High',
          assignment_group: 'Network',
          opened_at: '2026-03-01 10:00:00',
          resolved_at: '2026-03-01 12:00:00',
        },
      ],
    });
    assert.ok(raw.ok && shown.ok);
    assert.deepEqual(
      [mapped('servicenow', raw.records), mapped('servicenow', shown.records)].map((l) =>
        l.map((e) => [e.id, e.priority ?? e.by, e.group ?? '']),
      ),
      [
        [
          ['INC1:created:2026-03-01T10:00:00Z', 'P2', 'abc'],
          ['INC1:resolved:2026-03-01T12:00:00Z', 'provider', ''],
        ],
        [
          ['INC1:created:2026-03-01T10:00:00Z', 'P2', 'Network'],
          ['INC1:resolved:2026-03-01T12:00:00Z', 'provider', ''],
        ],
      ],
    );
  });

  test('a file that is not the export is refused naming what was expected; a record that does not map names its place in the export', () => {
    const wrong = exportDeliveries('jira', [{ key: 'SD-1' }]);
    assert.deepEqual(wrong.ok ? [] : wrong.issues.map((i) => [i.path, i.received]), [['issues', 'an array']]);
    const z = exportDeliveries('zendesk', { tickets: [] });
    assert.equal(z.ok ? '' : z.issues[0]!.received, 'an object with tickets');
    const none = exportDeliveries('servicenow', []);
    assert.deepEqual(none.ok ? [] : none.issues.map((i) => [i.path, i.received]), [['result', 'an array']]);
    const fs = exportDeliveries('freshservice', { ticket: 'x' });
    assert.equal(fs.ok ? '' : fs.issues[0]!.received, 'an object with ticket');
    const search = read('test/fixtures/exports/jira/search.json');
    search.issues[0].changelog.histories[1].created = 'yesterday';
    const r = exportDeliveries('jira', search);
    assert.ok(r.ok);
    const bad = r.records
      .map((x) => ({ origin: x.origin, m: mapPayload(mapping('jira'), { payload: x.payload }) }))
      .filter((x) => x.m.status === 'rejected');
    assert.deepEqual(
      bad.map((x) => [x.origin, x.m.status === 'rejected' ? x.m.issues[0]!.path : '']),
      [['issues[0].changelog.histories[1]', 'payload field "issue.fields.updated"']],
    );
    // Not an object at all: no throw, the record is refused by the mapping.
    const junk = exportDeliveries('zendesk', { ticket_events: [null, 7] });
    assert.ok(junk.ok);
    assert.deepEqual(
      junk.records.map((x) => x.origin),
      ['ticket_events[0]', 'ticket_events[1]'],
    );
  });
});
