/**
 * The demo inbox receives what the real channels send: a signed webhook through `deliver` (verified,
 * deduped on webhook-id), an e-mail through nodemailer over SMTP (kept as .eml), and refuses a
 * webhook whose signature does not verify. Its page escapes what it shows.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deliver } from '../delivery/deliver.ts';
import { generateWebhookSecret } from '../delivery/secrets.ts';
import { sampleMessage } from '../core/delivery/testing/sample-message.ts';
import { mailHeaders, startDemoInbox } from './inbox.ts';
import { demoChannelEnv, demoChannels } from './live-channels.ts';
import { parseChannel } from '../core/delivery/channel.ts';

const dir = mkdtempSync(join(tmpdir(), 'pledge-inbox-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a signed webhook and an e-mail arrive, a redelivery is counted once, a forged one is refused', async () => {
  const secret = generateWebhookSecret();
  const inbox = await startDemoInbox({ dir, secret });
  try {
    const message = sampleMessage({ subject: 'Ticket <b>42</b> at 75%' });
    const hook = {
      id: 'demo-hook',
      kind: 'webhook',
      enabled: true,
      audience: 'internal',
      settings: { url: inbox.webhookUrl, secrets: [secret] },
    };
    const ctx = { now: Date.now(), attempt: 1, env: {} };
    assert.equal((await deliver(hook as never, message, ctx)).kind, 'delivered');
    assert.equal(
      (await deliver(hook as never, message, { ...ctx, attempt: 2 })).kind,
      'delivered',
      'the receiver acknowledges a redelivery',
    );
    assert.equal(inbox.webhooks().length, 1);
    assert.equal(inbox.webhooks()[0]!.id, message.idempotencyKey);
    assert.equal(inbox.webhooks()[0]!.redeliveries, 1);

    const forged = await fetch(inbox.webhookUrl, {
      method: 'POST',
      headers: { 'webhook-id': 'msg_x', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' },
      body: '{}',
    });
    assert.equal(forged.status, 401);
    assert.equal(inbox.webhooks().length, 1);

    const mail = {
      id: 'demo-mail',
      kind: 'email',
      enabled: true,
      audience: 'internal',
      settings: {
        from: 'Pledge demo <pledge@localhost>',
        to: ['oncall@localhost'],
        smtp: { host: '127.0.0.1', port: inbox.smtp.port, security: 'none' },
      },
    };
    const sent = await deliver(mail as never, message, ctx);
    assert.equal(sent.kind, 'delivered', JSON.stringify(sent));
    assert.equal(inbox.mails().length, 1);
    const got = inbox.mails()[0]!;
    assert.match(got.subject, /Ticket <b>42<\/b> at 75%/);
    assert.equal(got.to, 'oncall@localhost');
    const raw = readFileSync(join(dir, got.file), 'utf8');
    assert.equal(mailHeaders(raw).messageId, got.messageId);
    assert.match(raw, /Auto-Submitted: auto-generated/);

    const page = await (await fetch(inbox.pageUrl)).text();
    assert.match(page, /Ticket &lt;b&gt;42&lt;\/b&gt; at 75%/);
    assert.doesNotMatch(page, /<b>42<\/b>/);
    const lines = readFileSync(join(dir, 'webhooks.ndjson'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 1);
  } finally {
    await inbox.close();
  }
});

test('encoded subjects are decoded for the page', () => {
  const raw = 'Subject: =?UTF-8?B?w5xiZXJzY2hyaXR0ZW4=?=\r\nTo: a@b\r\nMessage-ID: <x@y>\r\n\r\nbody';
  assert.deepEqual(mailHeaders(raw), { subject: 'Überschritten', to: 'a@b', messageId: '<x@y>' });
  assert.equal(mailHeaders('Subject: =?utf-8?Q?caf=C3=A9_ok?=\r\n\r\n').subject, 'café ok');
});

test('Slack and Teams messages from the real channels are kept with their text', async () => {
  const inbox = await startDemoInbox({ dir: mkdtempSync(join(dir, 'chat-')), secret: generateWebhookSecret() });
  try {
    const message = sampleMessage();
    const ctx = { now: Date.now(), attempt: 1, env: { SLACK: inbox.slackUrl, TEAMS: inbox.teamsUrl } };
    const slack = { id: 'chat', kind: 'slack', enabled: true, audience: 'internal', settings: { url: 'env:SLACK' } };
    const teams = { id: 'teams', kind: 'teams', enabled: true, audience: 'internal', settings: { url: 'env:TEAMS' } };
    assert.equal((await deliver(slack as never, message, ctx)).kind, 'delivered');
    assert.equal((await deliver(teams as never, message, ctx)).kind, 'delivered');
    assert.deepEqual(
      inbox.chats().map((c) => c.kind),
      ['slack', 'teams'],
    );
    for (const c of inbox.chats()) assert.match(c.text, /T-1042/);
    assert.equal((await fetch(inbox.slackUrl, { method: 'POST', body: 'not json' })).status, 400);
  } finally {
    await inbox.close();
  }
});

test('the demo channels are valid channels and reach the inbox: internal alerts and customer notices apart', async () => {
  const secret = generateWebhookSecret();
  const inbox = await startDemoInbox({ dir: mkdtempSync(join(dir, 'chan-')), secret });
  try {
    const env = demoChannelEnv(inbox, secret);
    const sent: string[] = [];
    for (const c of demoChannels(inbox)) {
      const parsed = parseChannel({ id: c.id, kind: c.kind, ...c.config });
      assert.ok(parsed.ok, `${c.id}: ${JSON.stringify(!parsed.ok && parsed.issues)}`);
      const message = sampleMessage({ idempotencyKey: `key-${c.id}`, audience: c.config.audience });
      const r = await deliver(parsed.value, message, { now: Date.now(), attempt: 1, env });
      assert.equal(r.kind, 'delivered', `${c.id}: ${JSON.stringify(r)}`);
      sent.push(c.id);
    }
    assert.deepEqual(sent, ['default', 'demo-webhook', 'demo-mail', 'chat', 'acme-notices']);
    assert.equal(inbox.webhooks().length, 2);
    assert.equal(inbox.chats().length, 1);
    assert.deepEqual(
      inbox.mails().map((m) => m.to),
      ['oncall@localhost', 'acme-it@localhost'],
    );
  } finally {
    await inbox.close();
  }
});
