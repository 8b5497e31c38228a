/**
 * Input robustness at the edge, on SQLite and on PostgreSQL alike (issue 8, points 2, 3 and 9):
 * nesting beyond the documented depth, text PostgreSQL cannot hold (NUL, unpaired surrogates), and
 * events that cannot be true (a score off its scale, an instant far in the future or before 2000, a
 * leap second on a day without one). A bad event is rejected by itself with its path and reason,
 * the good ones beside it are stored, and nothing a client sends gives a 500.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { connect, type AddressInfo } from 'node:net';
import { openStore } from '../../src/store/index.ts';
import { StoreError } from '../../src/store/errors.ts';
import type { Store } from '../../src/store/types.ts';
import { generateTokenSecret, hashTokenSecret } from '../../src/store/tokens.ts';
import { toHttpError } from '../../src/http/errors.ts';
import { skipBanner, startPostgres } from '../../src/store/testing/pg-harness.ts';
import { agreementYaml, CALENDAR_YAML, event, isErrorBody, newTenant, openTestStore, T0, type Tenant } from './helpers.ts';

const started = await startPostgres();
const harness = started.ok ? started.harness : undefined;
if (!started.ok) {
  if (process.env.PLEDGE_REQUIRE_POSTGRES === '1' || process.env.PLEDGE_TEST_DATABASE_URL)
    test('PostgreSQL is available for the edge-input tests', () => assert.fail(started.reason));
  else console.error(skipBanner(started.reason));
}
after(async () => {
  await harness?.stop();
});

const json = (payload: unknown) => ({
  headers: { 'content-type': 'application/json' },
  payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
});
const ndjson = (lines: string[]) => ({ headers: { 'content-type': 'application/x-ndjson' }, payload: lines.join('\n') });

/** A value nested `depth` levels: {"a": {"a": ... 1}}. */
function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** The same as JSON text, for depths JSON.stringify itself cannot write. */
const nestedText = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

type Result = { index: number; id: string | null; status: string; reason?: string; issues?: Array<{ path: string; message: string }> };

const BACKENDS = [
  { name: 'SQLite', skip: false as string | false, open: async () => openTestStore() },
  {
    name: 'PostgreSQL',
    skip: (started.ok ? false : started.reason) as string | false,
    open: async () => {
      const store = await openStore({ kind: 'postgres', url: harness!.url, schema: harness!.freshSchema() });
      return { store, close: () => store.close() };
    },
  },
];

for (const backend of BACKENDS) {
  describe(`input at the edge on ${backend.name}`, { skip: backend.skip }, () => {
    let store: Store;
    let close: () => Promise<void>;
    let t: Tenant;
    before(async () => {
      const s = await backend.open();
      store = s.store;
      close = s.close;
      t = await newTenant(store);
    });
    after(async () => {
      await t?.app.close();
      await close?.();
    });

    const stored = async () =>
      (await t.req('viewer', { method: 'GET', url: '/v1/events?limit=1000' }))
        .json()
        .items.map((e: { id: string }) => e.id)
        .sort();

    test('an event whose attributes nest 2,300 levels is rejected by itself; the good ones are stored', async () => {
      const deep = { ...event('deep-1'), attributes: nested(2300) };
      const r = await t.req('agent', { method: 'POST', url: '/v1/events', ...json([event('good-1'), deep, event('good-2')]) });
      assert.equal(r.statusCode, 200, r.body.slice(0, 300));
      const results = r.json().results as Result[];
      assert.deepEqual(
        results.map((x) => x.status),
        ['accepted', 'rejected', 'accepted'],
      );
      const issue = results[1]!.issues![0]!;
      assert.equal(issue.path, `[1].attributes${'.a'.repeat(32)}`, 'the path leads to the first level too deep');
      assert.match(issue.message, /attributes may nest at most 32 levels/);
      // Exactly at the limit is fine: 32 levels of attributes.
      const limit = await t.req('agent', {
        method: 'POST',
        url: '/v1/events',
        ...json([{ ...event('at-limit'), attributes: nested(31) }]),
      });
      assert.equal(limit.json().results[0].status, 'accepted', limit.body.slice(0, 300));
      // NDJSON, and an event sent alone (not in an array): the same.
      const nd = await t.req('agent', {
        method: 'POST',
        url: '/v1/events',
        ...ndjson([JSON.stringify(event('good-3')), JSON.stringify(event('deep-2')).replace(/}$/, `,"attributes":${nestedText(5000)}}`)]),
      });
      assert.deepEqual(
        (nd.json().results as Result[]).map((x) => x.status),
        ['accepted', 'rejected'],
      );
      assert.match(nd.json().results[1].issues[0].path, /^\[1\]\.attributes\.a/);
      const alone = await t.req('agent', {
        method: 'POST',
        url: '/v1/events',
        ...json({ ...event('deep-3'), attributes: { x: [nested(100)] } }),
      });
      assert.equal(alone.json().results[0].status, 'rejected');
      assert.equal(alone.json().results[0].issues[0].path, `[0].attributes.x[0]${'.a'.repeat(30)}`);
      assert.deepEqual(await stored(), ['at-limit', 'good-1', 'good-2', 'good-3']);
    });

    test('text PostgreSQL cannot hold: the event naming it is rejected with its path, the good ones are stored', async () => {
      const r = await t.req('agent', {
        method: 'POST',
        url: '/v1/events',
        ...json([
          event('nul-1', { customer: 'a\u0000b' }),
          event('txt-ok'),
          event('sur-1', { attributes: { note: ['fine', 'bad \ud800 high'] } }),
          event('sur-2', { attributes: { 'key \udc00': 1 } }),
          event('nul-2', { attributes: { deep: { deeper: 'x\u0000' } } }),
        ]),
      });
      assert.equal(r.statusCode, 200, r.body.slice(0, 300));
      const results = r.json().results as Result[];
      assert.deepEqual(
        results.map((x) => x.status),
        ['rejected', 'accepted', 'rejected', 'rejected', 'rejected'],
      );
      assert.deepEqual(
        results.filter((x) => x.status === 'rejected').map((x) => x.issues![0]!.path),
        ['[0].customer', '[2].attributes.note[1]', '[3].attributes.key \udc00', '[4].attributes.deep.deeper'],
      );
      assert.match(results[0]!.reason!, /U\+0000/);
      assert.match(results[2]!.reason!, /unpaired surrogate/);
      // The same as NDJSON, where the escapes are in the text.
      const nd = await t.req('agent', {
        method: 'POST',
        url: '/v1/events',
        ...ndjson([JSON.stringify(event('nd-ok')), JSON.stringify(event('nd-nul', { service: 'p\u0000' }))]),
      });
      assert.deepEqual(
        (nd.json().results as Result[]).map((x) => x.status),
        ['accepted', 'rejected'],
      );
      const ids = await stored();
      assert.ok(ids.includes('txt-ok') && ids.includes('nd-ok') && !ids.includes('nul-1') && !ids.includes('nd-nul'));
    });

    test('any text at all, in events, parameters and bodies: never a 500, and the good events beside it are stored', async () => {
      const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('a\u0000b', '\ud800', 'x\udc00', '\u0000'));
      let n = 0;
      // Every byte percent-encoded (a URL carries bytes: a lone surrogate reaches the server as U+FFFD).
      const enc = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
      await fc.assert(
        fc.asyncProperty(text, text, text, async (a, b, c) => {
          n++;
          const r = await t.req('agent', {
            method: 'POST',
            url: '/v1/events',
            ...json([event(`p${n}-good`), event(`p${n}-x`, { customer: a || 'c', attributes: { [b]: c, list: [a, { c }] } })]),
          });
          assert.equal(r.statusCode, 200, `${JSON.stringify([a, b, c])}: ${r.body.slice(0, 200)}`);
          assert.equal(r.json().results[0].status, 'accepted');
          for (const url of [`/v1/events?customer=${enc(a || 'c')}`, `/v1/tickets/${enc(b || 'b')}`, `/v1/audit?actor=${enc(c || 'c')}`]) {
            const q = await t.req('admin', { method: 'GET', url });
            assert.ok(q.statusCode < 500, `${url}: ${q.statusCode} ${q.body.slice(0, 200)}`);
          }
          const tok = await t.req('admin', {
            method: 'POST',
            url: '/v1/tokens',
            ...json({ name: a || 'n', role: 'viewer', user: { id: 'fuzz', name: b || 'n' } }),
          });
          assert.ok(tok.statusCode < 500, `token ${JSON.stringify([a, b])}: ${tok.statusCode} ${tok.body.slice(0, 200)}`);
        }),
        { numRuns: 40 },
      );
    });

    test('query and path parameters with NUL are a 400 naming the parameter', async () => {
      for (const [url, name] of [
        ['/v1/events?customer=a%00b', 'customer'],
        ['/v1/events?service=%00', 'service'],
        ['/v1/tickets/T%00-1', 'ticket'],
        ['/v1/audit?subject=x%00', 'subject'],
      ] as const) {
        const r = await t.req('admin', { method: 'GET', url });
        assert.equal(r.statusCode, 400, `${url}: ${r.body.slice(0, 200)}`);
        assert.ok(isErrorBody(r.json()));
        assert.equal(r.json().code, 'invalid_parameter');
        assert.equal(r.json().details.issues[0].path, name, url);
      }
    });

    test('token names, review notes, transitions and documents with NUL or a lone surrogate: 422 naming the field', async () => {
      const tok = await t.req('admin', {
        method: 'POST',
        url: '/v1/tokens',
        ...json({ name: 'bot\u0000', role: 'viewer', user: { id: 'bot' } }),
      });
      assert.equal(tok.statusCode, 422, tok.body);
      assert.equal(tok.json().details.issues[0].path, 'name');
      const user = await t.req('admin', {
        method: 'POST',
        url: '/v1/tokens',
        ...json({ name: 'bot', role: 'viewer', user: { id: 'bot', name: 'B\ud83d' } }),
      });
      assert.equal(user.statusCode, 422, user.body);
      assert.equal(user.json().details.issues[0].path, 'user.name');
      const put = await t.req('manager', {
        method: 'PUT',
        url: '/v1/agreements/nul-doc',
        headers: { 'content-type': 'application/yaml' },
        payload: agreementYaml('nul-doc'),
      });
      assert.equal(put.statusCode, 201, put.body);
      const review = await t.req('manager', {
        method: 'POST',
        url: '/v1/agreements/nul-doc/reviews',
        ...json({ outcome: 'kept', notes: 'fine\u0000' }),
      });
      assert.equal(review.statusCode, 422, review.body);
      assert.equal(review.json().details.issues[0].path, 'notes');
      const transition = await t.req('manager', {
        method: 'POST',
        url: '/v1/agreements/nul-doc/transitions',
        ...json({ to: 'in_review', reason: 'x\udfff' }),
      });
      assert.equal(transition.statusCode, 422, transition.body);
      assert.equal(transition.json().details.issues[0].path, 'reason');
      // A document: an escape in YAML or JSON, and a raw NUL character in the text.
      const escaped = await t.req('manager', {
        method: 'PUT',
        url: '/v1/agreements/nul-2',
        headers: { 'content-type': 'application/yaml' },
        payload: agreementYaml('nul-2').replace('name: Agreement nul-2', 'name: "Agreement \\0"'),
      });
      assert.equal(escaped.statusCode, 422, escaped.body);
      assert.equal(escaped.json().details.issues[0].path, 'name');
      assert.ok(escaped.json().details.issues[0].line > 0, 'documents say where');
      const asJson = await t.req('manager', {
        method: 'PUT',
        url: '/v1/calendars/nul-cal',
        headers: { 'content-type': 'application/json' },
        payload: '{"name":"Office\\ud800","timezone":"Europe/Berlin","hours":"always"}',
      });
      assert.equal(asJson.statusCode, 422, asJson.body);
      assert.equal(asJson.json().details.issues[0].path, 'name');
      const rawNul = await t.req('manager', {
        method: 'PUT',
        url: '/v1/calendars/raw-nul',
        headers: { 'content-type': 'application/yaml' },
        payload: CALENDAR_YAML.replace('# office hours', '# office\u0000hours'),
      });
      assert.equal(rawNul.statusCode, 422, rawNul.body);
      assert.match(rawNul.json().message, /U\+0000/);
      assert.equal(rawNul.json().details.issues[0].line, 1);
      assert.equal((await t.req('viewer', { method: 'GET', url: '/v1/calendars' })).json().items.length, 0, 'nothing stored');
    });

    test('JSON bodies and documents nested too deep are refused whole, without a 500', async () => {
      const deepJson = `{"name":"x","role":"viewer","user":${'['.repeat(60_000)}${']'.repeat(60_000)}}`;
      for (const url of ['/v1/tokens', '/v1/agreements/nul-doc/reviews', '/v1/agreements/nul-doc/transitions']) {
        const r = await t.req('admin', { method: 'POST', url, ...json(deepJson) });
        assert.equal(r.statusCode, 400, `${url}: ${r.body.slice(0, 200)}`);
        assert.equal(r.json().code, 'malformed_body');
        assert.match(r.json().message, /nests deeper than 64 levels/);
      }
      const docs = [
        `name: x\ntimezone: UTC\nhours: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`,
        `name: x\ntimezone: UTC\nhours: ${'[ "]" '.repeat(500)}\n`,
        `name: x\ntimezone: UTC\nhours:\n${'- '.repeat(5000)}x\n`,
        `{"name":"x","timezone":"UTC","hours":${'{"a":'.repeat(70)}1${'}'.repeat(70)}}`,
      ];
      for (const [i, doc] of docs.entries()) {
        const r = await t.req('manager', {
          method: 'PUT',
          url: `/v1/calendars/deep-${i}`,
          headers: { 'content-type': i === 3 ? 'application/json' : 'application/yaml' },
          payload: doc,
        });
        assert.equal(r.statusCode, 422, `document ${i}: ${r.body.slice(0, 300)}`);
        assert.match(r.json().details.issues[0].message, /nested too deep: a document may nest at most 64 levels/);
        assert.ok(r.json().details.issues[0].line >= 1);
      }
      // Aliases: a chain of anchors, each nesting the one before (13 KB of text, 6,000 levels of
      // value), and an alias inside its own anchor.
      let chain = 'name: x\ntimezone: UTC\nhours: always\nx0: &a0 [[[[[[[[[[]]]]]]]]]]\n';
      for (let i = 1; i < 100; i++) chain += `x${i}: &a${i} ${'['.repeat(60)}*a${i - 1}${']'.repeat(60)}\n`;
      for (const [name, doc] of [
        ['chain', chain],
        ['cycle', 'name: x\ntimezone: UTC\nhours: &h [*h]\n'],
      ]) {
        const r = await t.req('manager', {
          method: 'PUT',
          url: `/v1/calendars/alias-${name}`,
          headers: { 'content-type': 'application/yaml' },
          payload: doc,
        });
        assert.equal(r.statusCode, 422, `${name}: ${r.body.slice(0, 300)}`);
        assert.match(r.json().details.issues[0].message, name === 'chain' ? /aliases included/ : /would contain itself/);
      }
      const agreement = await t.req('manager', {
        method: 'PUT',
        url: '/v1/agreements/deep-doc',
        headers: { 'content-type': 'application/yaml' },
        payload: `${agreementYaml('deep-doc')}description: ${'['.repeat(3000)}${']'.repeat(3000)}\n`,
      });
      assert.equal(agreement.statusCode, 422, agreement.body.slice(0, 300));
      assert.equal((await t.req('viewer', { method: 'GET', url: '/v1/agreements/nul-doc' })).statusCode, 200, 'still serving');
    });

    test('events that cannot be true: score off its scale, far future, before 2000, a leap second on a day without one', async () => {
      // The server's clock is T0 = 2026-10-01T08:00:00Z; the default skew is one day.
      const sat = (id: string, score: number, scale?: number) => ({
        id,
        type: 'ticket.satisfaction',
        source: 'desk',
        ticket: 'S-1',
        at: '2026-10-01T07:00:00Z',
        score,
        ...(scale ? { scale } : {}),
      });
      const r = await t.req('agent', {
        method: 'POST',
        url: '/v1/events',
        ...json([
          sat('sat-ok', 4),
          sat('sat-high', 6),
          sat('sat-neg', -1, 10),
          sat('sat-10', 10, 10),
          event('soon', { at: '2026-10-02T07:59:59Z' }),
          event('future', { at: '2026-10-02T08:00:01Z' }),
          event('y2k', { at: '2000-01-01T00:00:00Z' }),
          event('old', { at: '1999-12-31T23:59:59Z' }),
          event('leap-no', { at: '2026-06-30T23:59:60Z' }),
          event('leap-yes', { at: '2016-12-31T23:59:60Z' }),
          event('leap-offset', { source: 'probe-2', at: '2017-01-01T00:59:60.5+01:00' }),
          event('leap-wrong-minute', { at: '2016-12-31T22:59:60Z' }),
        ]),
      });
      assert.equal(r.statusCode, 200, r.body.slice(0, 300));
      const by = new Map((r.json().results as Result[]).map((x) => [x.id, x]));
      const status = (id: string) => by.get(id)?.status;
      for (const id of ['sat-ok', 'sat-10', 'soon', 'y2k', 'leap-yes', 'leap-offset'])
        assert.equal(status(id), 'accepted', `${id}: ${JSON.stringify(by.get(id))}`);
      for (const id of ['sat-high', 'sat-neg', 'future', 'old', 'leap-no', 'leap-wrong-minute']) assert.equal(status(id), 'rejected', id);
      assert.match(by.get('sat-high')!.reason!, /\[1\]\.score: outside its scale: a score from 0 to 5/);
      assert.match(by.get('sat-neg')!.reason!, /score: outside its scale: a score from 0 to 10/);
      assert.match(
        by.get('future')!.reason!,
        /\[5\]\.at: in the future: more than 1 day after the receiving clock \(2026-10-01T08:00:00Z\)/,
      );
      assert.match(by.get('old')!.reason!, /before 2000-01-01/);
      assert.match(by.get('leap-no')!.reason!, /no leap second at this instant/);
      assert.match(by.get('leap-wrong-minute')!.reason!, /no leap second at this instant/);
      // A real leap second is the last millisecond of its UTC day, whatever the offset it was written in.
      const leaps = (await t.req('viewer', { method: 'GET', url: '/v1/events?from=2016-12-31T23:59:59Z&to=2017-01-01T00:00:00Z' })).json()
        .items;
      assert.deepEqual(
        leaps.map((e: { id: string; at: string }) => [e.id, e.at]),
        [
          ['leap-yes', '2016-12-31T23:59:59.999Z'],
          ['leap-offset', '2016-12-31T23:59:59.999Z'],
        ],
      );
      // The skew moves with the server's clock.
      t.clock.now = T0 + 2 * 86_400_000;
      const later = await t.req('agent', { method: 'POST', url: '/v1/events', ...json([event('future', { at: '2026-10-02T08:00:01Z' })]) });
      assert.equal(later.json().results[0].status, 'accepted');
      t.clock.now = T0;
    });

    test('a refusal of the database caused by the data is a 4xx, never a 500', async () => {
      // The edges check first; this is the mapping behind them, with the database's own refusal.
      const silent = { warn() {}, error() {} } as unknown as Parameters<typeof toHttpError>[1];
      await store.createUser(t.tenant, { id: 'db-user', name: 'x', createdAt: T0 });
      const refused = await store
        .createToken(t.tenant, {
          id: 'db-tok',
          userId: 'db-user',
          name: 'x',
          role: 'customer',
          tokenHash: hashTokenSecret(generateTokenSecret()),
          createdAt: T0,
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(refused instanceof StoreError && refused.data === 'invalid', String(refused));
      const e = toHttpError(refused, silent);
      assert.equal(e.status, 422);
      assert.equal(e.code, 'invalid_input');
      assert.ok(!/tokens_|violates|failed/i.test(e.message), `the driver's words stay in the log: ${e.message}`);
    });
  });
}

describe('a 10 MB body of nested brackets', () => {
  let ts: Awaited<ReturnType<typeof openTestStore>>;
  let t: Tenant;
  let port: number;
  before(async () => {
    ts = await openTestStore();
    t = await newTenant(ts.store);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  after(async () => {
    await t.app.close();
    await ts.close();
  });

  /** One request on its own connection; resolves with the status line's code and the body. */
  function send(method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const sock = connect(port, '127.0.0.1', () => {
        const head = `${method} ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.tokens.agent}\r\nConnection: close\r\n`;
        if (body === undefined) sock.write(`${head}\r\n`);
        else sock.end(`${head}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      });
      let data = '';
      sock.on('data', (d) => (data += d));
      sock.on('close', () =>
        resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0), body: data.slice(data.indexOf('\r\n\r\n') + 4) }),
      );
      sock.on('error', (e) =>
        reject(new Error(`${method} ${path} (${body?.length ?? 0} characters): ${e.message}; got ${data.slice(0, 200)}`)),
      );
    });
  }

  test('is refused with a 400 before it is parsed, and /healthz is answered meanwhile', async () => {
    const half = 5 * 1024 * 1024;
    const [deep, health] = await Promise.all([send('POST', '/v1/events', '['.repeat(half) + ']'.repeat(half)), send('GET', '/healthz')]);
    assert.equal(health.status, 200);
    assert.equal(deep.status, 400, deep.body.slice(0, 300));
    const b = JSON.parse(deep.body);
    assert.equal(b.code, 'malformed_body');
    assert.match(b.message, /not a batch of events: element \[0\] is not an event and nests deeper than 33 levels/);
    // Never closed: JSON.parse would call it unexpected end of input; the scan refuses it unread.
    const open = await send('POST', '/v1/events', '['.repeat(2 * half));
    assert.equal(open.status, 400);
    assert.match(JSON.parse(open.body).message, /nests deeper than 33 levels/);
    // An event holding the depth is rejected by itself, its neighbours stored.
    const inEvent = await send(
      'POST',
      '/v1/events',
      `[${JSON.stringify(event('nb-1'))},{"id":"x","attributes":${'['.repeat(half - 1000)}${']'.repeat(half - 1000)}},${JSON.stringify(event('nb-2'))}]`,
    );
    assert.equal(inEvent.status, 200, inEvent.body.slice(0, 300));
    assert.deepEqual(
      JSON.parse(inEvent.body).results.map((x: Result) => x.status),
      ['accepted', 'rejected', 'accepted'],
    );
    assert.equal((await send('GET', '/healthz')).status, 200);
  });
});
