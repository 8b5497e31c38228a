/**
 * Timeouts on real sockets against a real `pledge serve`, configured through the environment with
 * short ones (PLEDGE_HEADERS_TIMEOUT, PLEDGE_REQUEST_TIMEOUT, PLEDGE_KEEP_ALIVE_TIMEOUT): a body
 * trickled in a byte at a time is cut off with a 408 in the API's error shape and the connection
 * closed before the body is complete; so are headers that never end; an idle keep-alive connection
 * is closed by the server. Nothing here measures time: each test waits for the server to act.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pledge } from '../helpers.ts';
import { startServe, type ServeProcess } from '../serve-process.ts';

let dir: string;
let server: ServeProcess;
let token: string;
let port: number;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pledge-timeouts-'));
  const made = pledge('token', 'create', '--role', 'agent', '--tenant', 'default', '--db', join(dir, 'pledge.db'), '--json');
  assert.equal(made.code, 0, made.err);
  token = JSON.parse(made.out).secret;
  server = await startServe({
    env: { PLEDGE_DATA_DIR: dir, PLEDGE_HEADERS_TIMEOUT: '500ms', PLEDGE_REQUEST_TIMEOUT: '1s', PLEDGE_KEEP_ALIVE_TIMEOUT: '2s' },
  });
  port = Number(new URL(server.url).port);
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Opens a connection, writes `head`, then one more byte of `trickle` every 50 ms until the server
 * closes the connection. Resolves with what the server sent and how many trickled bytes went out.
 */
function trickle(head: string, drip: string): Promise<{ response: string; sent: number }> {
  return new Promise((resolve, reject) => {
    let response = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const sock = connect(port, '127.0.0.1', () => {
      sock.write(head);
      timer = setInterval(() => {
        if (sent >= drip.length || sock.destroyed) return;
        sock.write(drip[sent]!);
        sent++;
      }, 50);
    });
    sock.on('data', (d) => (response += d));
    sock.on('close', () => {
      clearInterval(timer);
      resolve({ response, sent });
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      // The server may close while a byte is on its way: that is the point.
      if (e.code !== 'EPIPE' && e.code !== 'ECONNRESET') reject(e);
    });
  });
}

function statusAndBody(response: string): { status: number; body: { code?: string; message?: string; requestId?: string } } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
  const text = response.slice(response.indexOf('\r\n\r\n') + 4);
  return { status, body: text ? JSON.parse(text) : {} };
}

test('a body trickled a byte at a time is cut off with a 408 before it is complete', async () => {
  const body = `${JSON.stringify({ id: 'slow-1', type: 'check.result', at: '2026-10-01T10:00:00Z', up: true })}\n`.repeat(20);
  const head = `POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/x-ndjson\r\nContent-Length: ${body.length}\r\n\r\n`;
  const { response, sent } = await trickle(head, body);
  const r = statusAndBody(response);
  assert.equal(r.status, 408, response.slice(0, 300));
  assert.equal(r.body.code, 'request_timeout');
  assert.ok(r.body.requestId, 'the error shape of the API');
  assert.ok(sent < body.length, `closed after ${sent} of ${body.length} bytes`);
  // Nothing of the cut-off batch was stored, and the server goes on answering.
  const events = await fetch(`${server.url}/v1/events`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(events.status, 200);
  assert.deepEqual(((await events.json()) as { items: unknown[] }).items, []);
});

test('headers that never end are cut off with a 408 too', async () => {
  const { response, sent } = await trickle('GET /healthz HTTP/1.1\r\nHost: x\r\n', `X-Slow: ${'a'.repeat(10_000)}`);
  const r = statusAndBody(response);
  assert.equal(r.status, 408, response.slice(0, 300));
  assert.equal(r.body.code, 'request_timeout');
  assert.ok(sent < 10_008);
});

test('an idle keep-alive connection is closed by the server after a request, as announced', async () => {
  // `trickle` resolves only when the server closes the connection: the client never does.
  const { response } = await trickle('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n', '');
  assert.match(response, /^HTTP\/1\.1 200/);
  assert.match(response, /\r\nkeep-alive: timeout=2\r\n/i, 'the configured keep-alive timeout is announced');
});
