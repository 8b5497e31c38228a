/**
 * The default mapping of each vendor against the vendors' documented payloads
 * (test/fixtures/webhooks/<vendor>/, each folder's README cites the page): which events each
 * delivery gives, with which ids, and which deliveries are left out. Also: the mapping rules
 * webhooks added to the CSV mapping (patterns, unmapped: skip, json.each / json.columns), bad
 * payloads rejected naming the payload field, and the examples/sources files being the defaults.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseCsvMapping, type EventPerRowMapping } from '../events/csv-mapping.ts';
import { readCsvText } from '../events/csv.ts';
import { DEFAULT_MAPPINGS, VENDORS, type Vendor } from './defaults.ts';
import { mapPayload } from './payload.ts';
import { deliveryId, verifyDelivery } from './signature.ts';
import { createHmac } from 'node:crypto';

const FIXTURES = new URL('../../../test/fixtures/webhooks/', import.meta.url);
const fixture = (vendor: string, name: string) => JSON.parse(readFileSync(new URL(`${vendor}/${name}.json`, FIXTURES), 'utf8'));

function mapping(v: Vendor | string): EventPerRowMapping {
  const m = parseCsvMapping(v in DEFAULT_MAPPINGS ? DEFAULT_MAPPINGS[v as Vendor] : v, 'mapping');
  assert.ok(m.ok, JSON.stringify(!m.ok && m.issues));
  assert.equal(m.value.layout, 'event-per-row');
  return m.value as EventPerRowMapping;
}

function events(v: Vendor, name: string, headers: Record<string, string> = {}) {
  const r = mapPayload(mapping(v), { payload: fixture(v, name), headers });
  assert.equal(r.status, 'mapped', JSON.stringify(r));
  return r.status === 'mapped' ? r.events.map(({ atMs: _a, attributes: _x, source: _s, ...e }) => e) : [];
}

describe('vendor default mappings on documented payloads', () => {
  const table: Array<[Vendor, string, Record<string, string>, unknown[]]> = [
    [
      'github',
      'issues.opened',
      { 'x-github-event': 'issues' },
      [{ id: '1:created:2019-05-15T15:20:18Z', type: 'ticket.created', ticket: '1', at: '2019-05-15T15:20:18Z', assignee: 'Codertocat' }],
    ],
    [
      'github',
      'issues.closed',
      { 'x-github-event': 'issues' },
      [{ id: '1:resolved:2021-10-11T16:41:30Z', type: 'ticket.resolved', ticket: '1', at: '2021-10-11T16:41:30Z', by: 'provider' }],
    ],
    [
      'github',
      'issues.reopened',
      { 'x-github-event': 'issues' },
      [{ id: '1:reopened:2021-10-11T16:40:56Z', type: 'ticket.reopened', ticket: '1', at: '2021-10-11T16:40:56Z' }],
    ],
    ['github', 'issues.labeled', { 'x-github-event': 'issues' }, []], // the label "bug" is no priority
    [
      'github',
      'issue_comment.created',
      { 'x-github-event': 'issue_comment' },
      [{ id: '1:responded:2019-05-15T15:20:21Z', type: 'ticket.responded', ticket: '1', at: '2019-05-15T15:20:21Z', by: 'Codertocat' }],
    ],
    [
      'zendesk',
      'ticket.created',
      {},
      [
        {
          id: '5158:created:2026-03-10T08:12:00Z',
          type: 'ticket.created',
          ticket: '5158',
          at: '2026-03-10T08:12:00Z',
          priority: 'P2',
          channel: 'web_form',
          group: '8447320466430',
          assignee: '8447388090494',
        },
      ],
    ],
    [
      'zendesk',
      'ticket.priority_changed',
      {},
      [
        {
          id: '5158:priority_changed:2026-03-10T08:20:00Z',
          type: 'ticket.priority_changed',
          ticket: '5158',
          at: '2026-03-10T08:20:00Z',
          priority: 'P1',
        },
      ],
    ],
    [
      'zendesk',
      'ticket.comment_added',
      {},
      [{ id: '5158:responded:2026-03-10T08:31:00Z', type: 'ticket.responded', ticket: '5158', at: '2026-03-10T08:31:00Z' }],
    ],
    [
      'zendesk',
      'ticket.status_changed.pending',
      {},
      [
        {
          id: '5158:status_changed:2026-03-10T09:00:00Z',
          type: 'ticket.status_changed',
          ticket: '5158',
          at: '2026-03-10T09:00:00Z',
          status: 'waiting_on_customer',
        },
      ],
    ],
    [
      'zendesk',
      'ticket.status_changed.solved',
      {},
      [{ id: '5158:resolved:2026-03-10T11:00:00Z', type: 'ticket.resolved', ticket: '5158', at: '2026-03-10T11:00:00Z', by: 'provider' }],
    ],
    [
      'zendesk',
      'ticket.status_changed.reopened',
      {},
      [{ id: '5158:reopened:2026-03-11T10:00:00Z', type: 'ticket.reopened', ticket: '5158', at: '2026-03-11T10:00:00Z' }],
    ],
    [
      'jira',
      'jira.issue_created',
      {},
      [
        {
          id: 'SD-42:created:2026-03-10T08:12:00Z',
          type: 'ticket.created',
          ticket: 'SD-42',
          at: '2026-03-10T09:12:00+01:00',
          priority: 'P2',
        },
      ],
    ],
    [
      'jira',
      'jira.issue_updated.status',
      {},
      [
        {
          id: 'SD-42:priority_changed:2026-03-10T09:00:00Z',
          type: 'ticket.priority_changed',
          ticket: 'SD-42',
          at: '2026-03-10T10:00:00+01:00',
          priority: 'P1',
        },
        {
          id: 'SD-42:status_changed:2026-03-10T09:00:00Z',
          type: 'ticket.status_changed',
          ticket: 'SD-42',
          at: '2026-03-10T10:00:00+01:00',
          status: 'waiting_on_customer',
        },
      ],
    ],
    [
      'jira',
      'jira.issue_updated.resolved',
      {},
      [
        {
          id: 'SD-42:resolved:2026-03-10T11:00:00Z',
          type: 'ticket.resolved',
          ticket: 'SD-42',
          at: '2026-03-10T12:00:00+01:00',
          by: 'provider',
        },
      ],
    ],
    [
      'jira',
      'jira.comment_created',
      {},
      [
        {
          id: 'SD-42:responded:2026-03-10T08:30:00Z',
          type: 'ticket.responded',
          ticket: 'SD-42',
          at: '2026-03-10T09:30:00+01:00',
          by: 'Ari Agent',
        },
      ],
    ],
    [
      'freshservice',
      'created',
      {},
      [
        {
          id: '2291:created:2026-03-10T03:30:00Z',
          type: 'ticket.created',
          ticket: '2291',
          at: '2026-03-10T03:30:00Z',
          priority: 'P2',
          status: 'in_progress',
          group: '21000188424',
          assignee: '21000421573',
        },
      ],
    ],
    [
      'freshservice',
      'status_changed.pending',
      {},
      [
        {
          id: '2291:status_changed:2026-03-10T04:30:00Z',
          type: 'ticket.status_changed',
          ticket: '2291',
          at: '2026-03-10T04:30:00Z',
          status: 'waiting_on_customer',
        },
      ],
    ],
    [
      'freshservice',
      'status_changed.resolved',
      {},
      [
        {
          id: '2291:resolved:2026-03-10T06:30:00Z',
          type: 'ticket.resolved',
          ticket: '2291',
          at: '2026-03-10T06:30:00Z',
          by: 'provider',
        },
      ],
    ],
    [
      'servicenow',
      'insert',
      {},
      [
        {
          id: 'INC0010023:created:2026-03-10T08:00:00Z',
          type: 'ticket.created',
          ticket: 'INC0010023',
          at: '2026-03-10T08:00:00Z',
          priority: 'P2',
          status: 'new',
          group: 'Network',
        },
      ],
    ],
    [
      'servicenow',
      'update.priority',
      {},
      [
        {
          id: 'INC0010023:priority_changed:2026-03-10T08:20:00Z',
          type: 'ticket.priority_changed',
          ticket: 'INC0010023',
          at: '2026-03-10T08:20:00Z',
          priority: 'P1',
        },
      ],
    ],
    [
      'servicenow',
      'update.state.resolved',
      {},
      [
        {
          id: 'INC0010023:resolved:2026-03-10T11:00:00Z',
          type: 'ticket.resolved',
          ticket: 'INC0010023',
          at: '2026-03-10T11:00:00Z',
          by: 'provider',
        },
      ],
    ],
  ];
  for (const [vendor, name, headers, expected] of table)
    test(`${vendor} ${name}`, () => assert.deepEqual(events(vendor, name, headers), expected));

  test('a reply by the reporter, a private note and an internal comment are no response', () => {
    const gh = fixture('github', 'issue_comment.created');
    gh.comment.author_association = 'NONE';
    const zd = fixture('zendesk', 'ticket.comment_added');
    zd.event.comment.is_public = false;
    const jr = fixture('jira', 'jira.comment_created');
    jr.comment.jsdPublic = false;
    for (const [v, payload, headers] of [
      ['github', gh, { 'x-github-event': 'issue_comment' }],
      ['zendesk', zd, {}],
      ['jira', jr, {}],
    ] as const) {
      const r = mapPayload(mapping(v), { payload, headers });
      assert.ok(r.status === 'mapped' && r.events.length === 0 && r.skipped.length === 1, `${v}: ${JSON.stringify(r)}`);
    }
  });

  test('a redelivery maps to the same ids (idempotent by content, not by delivery)', () => {
    const a = events('zendesk', 'ticket.status_changed.solved');
    const b = events('zendesk', 'ticket.status_changed.solved');
    assert.deepEqual(a, b);
  });

  test('a bad payload is rejected naming the payload field, what was expected and what was given', () => {
    const p = fixture('zendesk', 'ticket.priority_changed');
    p.time = 'yesterday';
    const r = mapPayload(mapping('zendesk'), { payload: p });
    assert.equal(r.status, 'rejected');
    assert.ok(r.status === 'rejected');
    assert.equal(r.issues[0]!.path, 'payload field "time"');
    assert.match(r.issues[0]!.expected ?? '', /ISO 8601/);
    assert.equal(r.issues[0]!.received, '"yesterday"');
    const missing = fixture('jira', 'jira.issue_updated.status');
    delete missing.issue.key;
    const m = mapPayload(mapping('jira'), { payload: missing });
    assert.ok(m.status === 'rejected');
    assert.match(m.issues[0]!.message, /^changelog\.items\[0\]: empty/);
    assert.equal(m.issues[0]!.path, 'payload field "issue.key"');
    // A made column is named with the payload paths it is made of: those are what the sender can check.
    const opened = fixture('github', 'issues.opened');
    delete opened.issue.updated_at;
    const g = mapPayload(mapping('github'), { payload: opened, headers: { 'x-github-event': 'issues' } });
    assert.ok(g.status === 'rejected');
    assert.equal(g.issues[0]!.path, 'payload field "@when" (the first of comment.created_at, issue.updated_at)');
  });

  test('the examples are the defaults, and every default mapping reads', () => {
    for (const v of VENDORS) {
      assert.equal(readFileSync(new URL(`../../../examples/sources/${v}.mapping.yaml`, import.meta.url), 'utf8'), DEFAULT_MAPPINGS[v]);
      mapping(v);
    }
  });
});

describe('mapping rules for payloads', () => {
  const base = `source: s\nlayout: event-per-row\nticket: t\nat: at\n`;
  test('patterns are tried in order after exact keys; unmapped: skip gives no value', () => {
    const m = mapping(`${base}type: { column: k, map: { "a:x": ticket.closed, "a:*": ticket.reopened, "*": null } }\n`);
    const at = '2026-01-01T00:00:00Z';
    const types = ['a:x', 'a:y', 'b'].map((k) => {
      const r = mapPayload(m, { payload: { k, t: '1', at } });
      return r.status === 'mapped' ? r.events.map((e) => e.type).join() : 'rejected';
    });
    assert.deepEqual(types, ['ticket.closed', 'ticket.reopened', '']);
  });
  test('json.columns refer to known names; a CSV import refuses a json block', () => {
    const m = mapping(`${base}type: { column: "@nope", map: { "*": ticket.closed } }\n`);
    const r = mapPayload(m, { payload: {} });
    assert.ok(r.status === 'rejected' && /json\.columns defines no "nope"/.test(r.issues[0]!.message));
    const j = mapping(`${base}json: { each: xs }\ntype: { value: ticket.closed }\n`);
    const csv = readCsvText('t,at\n1,2026-01-01T00:00:00Z\n', j);
    assert.equal(csv.fatal?.[0]?.path, 'json');
  });
});

describe('signatures', () => {
  const body = '{"action":"opened"}';
  test('GitHub: sha256= hex HMAC of the body; Zendesk: base64 HMAC of timestamp + body; others: a token', () => {
    const gh = `sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`;
    assert.deepEqual(verifyDelivery('github', 's3cret', { body, headers: { 'x-hub-signature-256': gh } }), { ok: true });
    assert.equal(verifyDelivery('github', 'other', { body, headers: { 'x-hub-signature-256': gh } }).ok, false);
    assert.deepEqual(verifyDelivery('github', 's3cret', { body, headers: {} }).ok === false && 'missing', 'missing');
    const ts = '2026-03-10T08:12:00Z';
    const zd = createHmac('sha256', 'zk')
      .update(ts + body)
      .digest('base64');
    const zh = { 'x-zendesk-webhook-signature': zd, 'x-zendesk-webhook-signature-timestamp': ts };
    assert.deepEqual(verifyDelivery('zendesk', 'zk', { body, headers: zh }), { ok: true });
    assert.equal(verifyDelivery('zendesk', 'zk', { body: `${body} `, headers: zh }).ok, false);
    assert.deepEqual(verifyDelivery('jira', 'tok', { body, headers: {}, token: 'tok' }), { ok: true });
    assert.deepEqual(verifyDelivery('jira', 'tok', { body, headers: { 'x-pledge-token': 'tok' } }), { ok: true });
    const r = verifyDelivery('servicenow', 'tok', { body, headers: { 'x-pledge-token': 'to' } });
    assert.ok(!r.ok && r.reason === 'bad_signature');
  });
  test('the delivery id is the vendor header, else a digest of the body', () => {
    assert.equal(deliveryId('github', { body, headers: { 'x-github-delivery': 'd-1' } }), 'd-1');
    assert.equal(deliveryId('jira', { body, headers: { 'x-atlassian-webhook-identifier': 'j-1' } }), 'j-1');
    assert.match(deliveryId('freshservice', { body, headers: {} }), /^sha256:[0-9a-f]{64}$/);
  });
});
