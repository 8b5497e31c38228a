/**
 * The demo's receivers: where `pledge serve --demo` sends its notifications, so a newcomer sees a
 * warning arrive without configuring anything. Both are real receivers on 127.0.0.1:
 *
 * - a webhook endpoint that verifies every delivery's Standard Webhooks signature with the
 *   maintained `standardwebhooks` verifier, as a customer's endpoint would, and refuses (401) what
 *   does not verify; it dedupes on `webhook-id` as the specification asks receivers to, counting
 *   redeliveries instead of showing them twice;
 * - Slack and Teams endpoints that take what an incoming webhook or a Teams workflow takes and keep
 *   its text (the fallback `text` of Slack's blocks, the first TextBlock of the Adaptive Card);
 * - a mailbox: an SMTP server (the `smtp-server` package) that keeps each message as an .eml file
 *   any mail program opens.
 *
 * What arrived is kept in a folder (webhooks.ndjson, mail/*.eml) and shown on a small page that
 * refreshes itself. Everything shown is escaped: it comes from agreements and tickets.
 *
 * The receivers are for the demo only: they bind to loopback, accept any sender (the mailbox has
 * no authentication and no TLS, which the channel's `security: none` to localhost allows), and
 * keep the last 200 of each in memory.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';

const KEEP = 200;
const MAX_BODY = 1_000_000;

export interface ReceivedWebhook {
  id: string;
  receivedAt: number;
  /** Deliveries of the same webhook-id after the first (retries, replays). */
  redeliveries: number;
  type: string;
  summary: string;
  payload: unknown;
}

export interface ReceivedChat {
  receivedAt: number;
  kind: 'slack' | 'teams';
  text: string;
  payload: unknown;
}

export interface ReceivedMail {
  receivedAt: number;
  file: string;
  subject: string;
  to: string;
  messageId: string;
}

export interface DemoInbox {
  /** Where the demo webhook channel posts. */
  webhookUrl: string;
  /** Where the demo's Slack and Teams channels post. */
  slackUrl: string;
  teamsUrl: string;
  /** The page that lists what arrived. */
  pageUrl: string;
  smtp: { host: string; port: number };
  /** The folder with webhooks.ndjson and mail/. */
  dir: string;
  webhooks(): readonly ReceivedWebhook[];
  mails(): readonly ReceivedMail[];
  chats(): readonly ReceivedChat[];
  close(): Promise<void>;
}

export interface InboxOptions {
  dir: string;
  /** The demo webhook channel's signing secret (`whsec_...`). */
  secret: string;
  /** Ports to listen on (0: any free one). */
  httpPort?: number;
  smtpPort?: number;
  now?: () => number;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** A line for the page from a payload of Pledge's webhook (its `type` and `data`), whatever its shape. */
function summarize(payload: unknown): { type: string; summary: string } {
  if (typeof payload !== 'object' || payload === null) return { type: 'unknown', summary: '' };
  const p = payload as Record<string, unknown>;
  const type = typeof p.type === 'string' ? p.type : 'unknown';
  const data = (typeof p.data === 'object' && p.data !== null ? p.data : {}) as Record<string, unknown>;
  const pick = (...keys: string[]) => keys.map((k) => data[k]).find((v) => typeof v === 'string') as string | undefined;
  return { type, summary: pick('title', 'subject', 'summary', 'text') ?? JSON.stringify(data).slice(0, 200) };
}

/** What a chat message says: Slack's fallback `text`; the first TextBlock of a Teams card. */
function chatText(kind: 'slack' | 'teams', payload: unknown): string {
  const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
  if (kind === 'slack') return typeof p.text === 'string' ? p.text : '';
  const att = Array.isArray(p.attachments) ? (p.attachments[0] as Record<string, unknown> | undefined) : undefined;
  const body = (att?.content as { body?: unknown[] } | undefined)?.body ?? [];
  const texts: string[] = [];
  const walk = (items: unknown[]) => {
    for (const it of items) {
      if (typeof it !== 'object' || it === null) continue;
      const o = it as Record<string, unknown>;
      if (o.type === 'TextBlock' && typeof o.text === 'string') texts.push(o.text);
      if (Array.isArray(o.items)) walk(o.items);
    }
  };
  walk(body);
  return texts.slice(0, 2).join(': ');
}

/** The Subject, To and Message-ID of a raw message (unfolded headers; encoded words left as they are). */
export function mailHeaders(raw: string): { subject: string; to: string; messageId: string } {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const get = (name: string) => {
    const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(unfolded);
    return m ? m[1]!.trim() : '';
  };
  return { subject: decodeWords(get('Subject')), to: get('To'), messageId: get('Message-ID') };
}

/** RFC 2047 encoded words (=?utf-8?B?...?= and =?utf-8?Q?...?=), as nodemailer writes non-ASCII subjects. */
function decodeWords(s: string): string {
  return s.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=\s*/g, (_all, _charset: string, enc: string, text: string) => {
    try {
      if (enc.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
      const bytes = text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
      return Buffer.from(bytes, 'latin1').toString('utf8');
    } catch {
      return text;
    }
  });
}

export async function startDemoInbox(o: InboxOptions): Promise<DemoInbox> {
  const now = o.now ?? Date.now;
  const mailDir = join(o.dir, 'mail');
  mkdirSync(mailDir, { recursive: true });
  const hooksFile = join(o.dir, 'webhooks.ndjson');
  const verifier = new Webhook(o.secret);
  const hooks: ReceivedWebhook[] = [];
  const byId = new Map<string, ReceivedWebhook>();
  const mails: ReceivedMail[] = [];
  const chats: ReceivedChat[] = [];
  let mailCount = 0;

  const onChat = (kind: 'slack' | 'teams', res: ServerResponse, body: string) => {
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('expected JSON\n');
      return;
    }
    chats.push({ receivedAt: now(), kind, text: chatText(kind, payload), payload });
    if (chats.length > KEEP) chats.shift();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  };

  const onHook = (req: IncomingMessage, res: ServerResponse, body: string) => {
    let payload: unknown;
    try {
      payload = verifier.verify(body, req.headers as Record<string, string>);
    } catch (e) {
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end(`signature does not verify: ${(e as Error).message}\n`);
      return;
    }
    const id = String(req.headers['webhook-id']);
    const seen = byId.get(id);
    if (seen) {
      seen.redeliveries++;
    } else {
      const entry: ReceivedWebhook = { id, receivedAt: now(), redeliveries: 0, ...summarize(payload), payload };
      hooks.push(entry);
      byId.set(id, entry);
      if (hooks.length > KEEP) byId.delete(hooks.shift()!.id);
      appendFileSync(hooksFile, `${JSON.stringify({ id, receivedAt: new Date(entry.receivedAt).toISOString(), payload })}\n`);
    }
    res.writeHead(204);
    res.end();
  };

  const page = () => {
    const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
    const hookRows = [...hooks]
      .reverse()
      .map(
        (h) =>
          `<tr><td>${when(h.receivedAt)}</td><td>${escapeHtml(h.type)}</td><td>${escapeHtml(h.summary)}</td><td>${h.redeliveries || ''}</td></tr>`,
      )
      .join('');
    const mailRows = [...mails]
      .reverse()
      .map(
        (m) =>
          `<tr><td>${when(m.receivedAt)}</td><td>${escapeHtml(m.to)}</td><td>${escapeHtml(m.subject)}</td><td>${escapeHtml(m.file)}</td></tr>`,
      )
      .join('');
    const chatRows = [...chats]
      .reverse()
      .map((c) => `<tr><td>${when(c.receivedAt)}</td><td>${c.kind}</td><td>${escapeHtml(c.text)}</td></tr>`)
      .join('');
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>Pledge demo inbox</title><style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse;width:100%;margin-bottom:2em}
td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}</style></head><body>
<h1>Pledge demo inbox</h1><p>What <code>pledge serve --demo</code> sent, newest first. Refreshes every 5 seconds.
Files: <code>${escapeHtml(o.dir)}</code></p>
<h2>Webhooks (${hooks.length}, signatures verified)</h2><table><thead><tr><th>Received</th><th>Type</th><th>Subject</th><th>Redeliveries</th></tr></thead><tbody>${hookRows}</tbody></table>
<h2>Chat (${chats.length}: Slack and Teams)</h2><table><thead><tr><th>Received</th><th>Kind</th><th>Text</th></tr></thead><tbody>${chatRows}</tbody></table>
<h2>E-mail (${mails.length})</h2><table><thead><tr><th>Received</th><th>To</th><th>Subject</th><th>File</th></tr></thead><tbody>${mailRows}</tbody></table>
</body></html>`;
  };

  const http: Server = createServer((req, res) => {
    const post = req.method === 'POST' ? ({ '/hooks': 'hooks', '/slack': 'slack', '/teams': 'teams' } as const)[req.url ?? ''] : undefined;
    if (post) {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          res.writeHead(413);
          res.end();
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => {
        if (res.writableEnded) return;
        const body = Buffer.concat(chunks).toString('utf8');
        if (post === 'hooks') onHook(req, res, body);
        else onChat(post, res, body);
      });
      return;
    }
    if (req.method === 'GET' && (req.url === '/' || req.url === '/index.html')) {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
        'cache-control': 'no-store',
      });
      res.end(page());
      return;
    }
    if (req.method === 'GET' && req.url === '/received.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ webhooks: hooks, chats, mails }));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(o.httpPort ?? 0, '127.0.0.1', () => resolve());
  });
  const httpPort = (http.address() as AddressInfo).port;

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    banner: 'Pledge demo mailbox',
    size: 10_000_000,
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const at = now();
        const file = `${new Date(at).toISOString().replace(/[:.]/g, '-')}-${++mailCount}.eml`;
        try {
          writeFileSync(join(mailDir, file), raw);
        } catch (e) {
          callback(e as Error);
          return;
        }
        mails.push({ receivedAt: at, file: join('mail', file), ...mailHeaders(raw.toString('utf8')) });
        if (mails.length > KEEP) mails.shift();
        callback();
      });
    },
  });
  smtp.on('error', () => {
    // A client that drops the connection: nothing to keep, and the demo goes on.
  });
  await new Promise<void>((resolve, reject) => {
    smtp.server.once('error', reject);
    smtp.listen(o.smtpPort ?? 0, '127.0.0.1', () => resolve());
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  return {
    webhookUrl: `http://127.0.0.1:${httpPort}/hooks`,
    slackUrl: `http://127.0.0.1:${httpPort}/slack`,
    teamsUrl: `http://127.0.0.1:${httpPort}/teams`,
    pageUrl: `http://127.0.0.1:${httpPort}/`,
    smtp: { host: '127.0.0.1', port: smtpPort },
    dir: o.dir,
    webhooks: () => hooks,
    mails: () => mails,
    chats: () => chats,
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    },
  };
}
