/**
 * E-mail deliveries against a real SMTP server started here (the `smtp-server` package): plain on
 * loopback, STARTTLS with a self-signed certificate made in the test (testing/self-signed.ts) and
 * a login, implicit TLS, and the server's refusals. What the server received is read back as MIME
 * (testing/mime.ts) and checked: headers, threading, both parts, escaping.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { deliver } from './deliver.ts';
import { selfSignedCertificate } from './testing/self-signed.ts';
import { leaves, parseMime } from './testing/mime.ts';
import { sampleMessage } from '../core/delivery/testing/sample-message.ts';
import type { Channel, EmailChannel } from '../core/delivery/channel.ts';

interface Mail {
  raw: string;
  from: string | undefined;
  to: string[];
  session: { secure: boolean; user: unknown };
}

const servers: SMTPServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

async function startSmtp(options: Partial<SMTPServerOptions> & { reply?: (mail: Mail) => Error | undefined } = {}) {
  const mails: Mail[] = [];
  const { reply, ...rest } = options;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    ...rest,
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const mail: Mail = {
          raw: Buffer.concat(chunks).toString('utf8'),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          session: { secure: session.secure, user: session.user },
        };
        const refusal = reply?.(mail);
        if (refusal) return callback(refusal);
        mails.push(mail);
        callback();
      });
    },
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address() as AddressInfo).port;
  return { port, mails };
}

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

function channel(
  port: number,
  smtp: Partial<EmailChannel['settings']['smtp']> = {},
  over: Partial<EmailChannel['settings']> = {},
): Channel {
  return {
    id: 'ops-mail',
    kind: 'email',
    enabled: true,
    audience: 'internal',
    settings: {
      from: 'Pledge <alerts@pledge.example.com>',
      to: ['oncall@example.com'],
      smtp: { host: '127.0.0.1', port, security: 'none', ...smtp },
      ...over,
    },
  };
}

const env = { SMTP_PASSWORD: 's3cret pass' };
const now = () => Date.now();

test('plain SMTP on loopback: text and HTML parts, Message-ID from the key, thread headers, escaping', async () => {
  const smtp = await startSmtp();
  const message = sampleMessage({
    subject: 'Ticket <b>T-1042</b> & "friends": 75% used — été',
    text: 'Customer wrote: <script>alert(1)</script>\nSecond line',
    fields: [{ label: '<i>Agreement</i>', value: 'a & b <c>' }],
    links: [{ label: 'Open "it"', url: 'https://pledge.example.com/t?a=1&b="2"' }],
  });
  const out = await deliver(channel(smtp.port), message, { now: now(), env });
  assert.equal(out.kind, 'delivered', JSON.stringify(out));
  assert.equal(out.log.status, 250);
  assert.equal(smtp.mails.length, 1);
  const mail = smtp.mails[0]!;
  assert.equal(mail.from, 'alerts@pledge.example.com');
  assert.deepEqual(mail.to, ['oncall@example.com']);

  const m = parseMime(mail.raw);
  assert.equal(m.header('subject'), message.subject);
  assert.match(m.header('message-id') ?? '', /^<pledge\.[0-9a-f]{40}@pledge\.example\.com>$/);
  assert.equal(out.log.deliveryId, m.header('message-id'));
  assert.match(m.header('in-reply-to') ?? '', /^<pledge\.thread\.[0-9a-f]{40}@pledge\.example\.com>$/);
  assert.equal(m.header('references'), m.header('in-reply-to'));
  assert.equal(m.header('auto-submitted'), 'auto-generated');
  assert.equal(m.header('x-pledge-event'), 'alert.firing');
  assert.equal(new Date(m.header('date') ?? '').getTime(), message.occurredAt);
  assert.match(m.contentType, /^multipart\/alternative/);

  const parts = leaves(m);
  const text = parts.find((p) => p.contentType.startsWith('text/plain'))!;
  const html = parts.find((p) => p.contentType.startsWith('text/html'))!;
  assert.ok(text && html, 'both parts');
  assert.match(text.body, /Customer wrote: <script>alert\(1\)<\/script>\r?\nSecond line/, 'the text part is as written');
  assert.match(text.body, /<i>Agreement<\/i>: a & b <c>/);
  assert.match(text.body, /Open "it": https:\/\/pledge\.example\.com\/t\?a=1&b="2"/);
  assert.doesNotMatch(html.body, /<script>|<b>T-1042|<i>Agreement|<c>/, 'nothing user-provided is markup in HTML');
  assert.match(html.body, /Customer wrote: &lt;script&gt;alert\(1\)&lt;\/script&gt;<br>Second line/);
  assert.match(html.body, /Ticket &lt;b&gt;T-1042&lt;\/b&gt; &amp; &quot;friends&quot;: 75% used — été/);
  assert.match(html.body, /<th[^>]*>&lt;i&gt;Agreement&lt;\/i&gt;<\/th><td[^>]*>a &amp; b &lt;c&gt;<\/td>/);
  assert.match(html.body, /<a href="https:\/\/pledge\.example\.com\/t\?a=1&amp;b=&quot;2&quot;">Open &quot;it&quot;<\/a>/);
});

test('redelivery is the same message; alerts of one ticket share one thread, another ticket or tenant does not', async () => {
  const smtp = await startSmtp();
  const c = channel(smtp.port);
  const first = sampleMessage();
  await deliver(c, first, { now: now(), env });
  await deliver(c, first, { now: now() + 60_000, attempt: 2, env });
  await deliver(c, sampleMessage({ idempotencyKey: 'alrt_breach', eventType: 'alert.firing', subject: 'Ticket T-1042 breached' }), {
    now: now(),
    env,
  });
  await deliver(c, sampleMessage({ idempotencyKey: 'alrt_other_ticket', threadKey: 'ticket:T-7' }), { now: now(), env });
  await deliver(c, sampleMessage({ tenant: 'globex' }), { now: now(), env });
  await deliver(c, sampleMessage({ idempotencyKey: 'alrt_no_thread', threadKey: undefined }), { now: now(), env });
  const [a, again, breach, other, otherTenant, unthreaded] = smtp.mails.map((mail) => parseMime(mail.raw));
  assert.equal(again!.header('message-id'), a!.header('message-id'), 'a redelivery has the same Message-ID');
  assert.equal(again!.header('date'), a!.header('date'));
  assert.notEqual(breach!.header('message-id'), a!.header('message-id'));
  assert.equal(breach!.header('references'), a!.header('references'), 'one ticket, one thread');
  assert.notEqual(other!.header('references'), a!.header('references'));
  assert.notEqual(otherTenant!.header('message-id'), a!.header('message-id'), 'tenants never share ids');
  assert.notEqual(otherTenant!.header('references'), a!.header('references'));
  assert.equal(unthreaded!.header('in-reply-to'), undefined);
  assert.equal(unthreaded!.header('references'), undefined);
});

test('STARTTLS with a self-signed certificate trusted through `ca`, and a login', async () => {
  const { key, cert } = selfSignedCertificate('localhost');
  const logins: string[] = [];
  const smtp = await startSmtp({
    key,
    cert,
    disabledCommands: [],
    authOptional: false,
    onAuth(auth, _session, callback) {
      logins.push(`${auth.username}:${auth.password}`);
      if (auth.username === 'pledge' && auth.password === 's3cret pass') return callback(null, { user: 'pledge' });
      return callback(new Error('Invalid username or password'));
    },
  });
  const secured = channel(smtp.port, {
    host: 'localhost',
    security: 'starttls',
    ca: cert,
    auth: { user: 'pledge', pass: 'env:SMTP_PASSWORD' },
  });
  const out = await deliver(secured, sampleMessage(), { now: now(), env });
  assert.equal(out.kind, 'delivered', JSON.stringify(out));
  assert.equal(smtp.mails.length, 1);
  assert.equal(smtp.mails[0]!.session.secure, true, 'upgraded before the message was sent');
  assert.equal(smtp.mails[0]!.session.user, 'pledge');
  assert.deepEqual(logins, ['pledge:s3cret pass']);

  // A wrong password: failed for good (smtp_auth), nothing sent.
  const wrong = await deliver(secured, sampleMessage(), { now: now(), env: { SMTP_PASSWORD: 'nope' } });
  assert.ok(wrong.kind === 'failed', JSON.stringify(wrong));
  assert.equal(wrong.reason, 'smtp_auth');
  assert.equal(wrong.log.status, 535);
  assert.ok(!JSON.stringify(wrong).includes('nope'), 'the password appears nowhere in the outcome');

  // The certificate is not trusted without `ca`: failed (tls), nothing sent.
  const untrusted = await deliver(
    channel(smtp.port, { host: '127.0.0.1', security: 'starttls', auth: { user: 'pledge', pass: 'env:SMTP_PASSWORD' } }),
    sampleMessage(),
    {
      now: now(),
      env,
    },
  );
  assert.ok(untrusted.kind === 'failed', JSON.stringify(untrusted));
  assert.equal(untrusted.reason, 'tls');
  assert.match(untrusted.log.error ?? '', /SELF_SIGNED/);
  assert.equal(smtp.mails.length, 1);
});

test('starttls is required: a server that does not offer it gets nothing (failed, tls)', async () => {
  const smtp = await startSmtp({ disabledCommands: ['STARTTLS'] });
  const out = await deliver(channel(smtp.port, { host: '127.0.0.1', security: 'starttls' }), sampleMessage(), { now: now(), env });
  assert.ok(out.kind === 'failed', JSON.stringify(out));
  assert.equal(out.reason, 'tls');
  assert.match(out.log.error ?? '', /ETLS/);
  assert.equal(smtp.mails.length, 0);
});

test('implicit TLS (security tls, as on port 465)', async () => {
  const { key, cert } = selfSignedCertificate('localhost');
  const smtp = await startSmtp({ secure: true, key, cert });
  const out = await deliver(channel(smtp.port, { host: '127.0.0.1', security: 'tls', ca: cert }), sampleMessage(), { now: now(), env });
  assert.equal(out.kind, 'delivered', JSON.stringify(out));
  assert.equal(smtp.mails[0]!.session.secure, true);
});

test('the server refuses: 4xx is retried, 5xx fails for good; a refused recipient among others is logged', async () => {
  const transient = await startSmtp({ reply: () => smtpError('Try again later, greylisted', 451) });
  const t = await deliver(channel(transient.port), sampleMessage(), { now: 1_000_000, env, random: () => 0.5 });
  assert.ok(t.kind === 'retry', JSON.stringify(t));
  assert.equal(t.reason, 'smtp_transient');
  assert.equal(t.at, 1_000_000 + 5000);
  assert.equal(t.log.status, 451);

  const permanent = await startSmtp({ reply: () => smtpError('Message rejected as spam', 550) });
  const p = await deliver(channel(permanent.port), sampleMessage(), { now: now(), env });
  assert.ok(p.kind === 'failed', JSON.stringify(p));
  assert.equal(p.reason, 'smtp_rejected');
  assert.equal(p.log.status, 550);

  const picky = await startSmtp({
    onRcptTo(address, _session, callback) {
      if (address.address === 'gone@example.com') return callback(smtpError('No such user', 550));
      callback();
    },
  });
  const partial = await deliver(channel(picky.port, {}, { to: ['oncall@example.com', 'gone@example.com'] }), sampleMessage(), {
    now: now(),
    env,
  });
  assert.equal(partial.kind, 'delivered', JSON.stringify(partial));
  assert.match(partial.log.body ?? '', /refused recipients: gone@example\.com/);
  assert.deepEqual(picky.mails[0]!.to, ['oncall@example.com']);

  const nobody = await deliver(channel(picky.port, {}, { to: ['gone@example.com'] }), sampleMessage(), { now: now(), env });
  assert.ok(nobody.kind === 'failed', JSON.stringify(nobody));
  assert.equal(nobody.reason, 'smtp_rejected');
});

test('no SMTP server listening: retried (network)', async () => {
  const smtp = await startSmtp();
  const port = smtp.port;
  const s = servers.pop()!;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  const out = await deliver(channel(port), sampleMessage(), { now: now(), env });
  assert.ok(out.kind === 'retry', JSON.stringify(out));
  assert.equal(out.reason, 'network');
});
