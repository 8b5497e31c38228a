import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { validateMessage, type DeliveryMessage } from './message.ts';
import { webhookId, emailMessageId, emailThreadId } from './ids.ts';
import { webhookBody, webhookHeaders } from './webhook-payload.ts';
import { addressDomain, emailContent } from './email-content.ts';
import { clipEscaped, escapeHtml, escapeSlack } from './escape.ts';
import { slackPayload } from './slack.ts';
import { teamsPayload } from './teams.ts';
import { sampleMessage } from './testing/sample-message.ts';

test('validateMessage: names the field, refuses unsafe links and header-breaking text', () => {
  assert.ok(validateMessage(sampleMessage()).ok);
  const bad = (over: Partial<DeliveryMessage> | Record<string, unknown>, path: string, message?: RegExp) => {
    const r = validateMessage({ ...sampleMessage(), ...over });
    assert.ok(!r.ok, path);
    const issue = r.issues.find((i) => i.path === path);
    assert.ok(issue, `${path} in ${JSON.stringify(r.issues)}`);
    if (message) assert.match(issue.message, message);
  };
  bad({ links: [{ label: 'x', url: 'javascript:alert(1)' }] }, 'links[0].url', /http\(s\) or mailto/);
  bad({ links: [{ label: 'x', url: 'not a url' }] }, 'links[0].url');
  bad({ subject: 'two\r\nBcc: everyone@example.com' }, 'subject', /one line/);
  bad({ fields: [{ label: 'a\nb', value: 'v' }] }, 'fields[0].label', /one line/);
  bad({ idempotencyKey: 'has space' }, 'idempotencyKey');
  bad({ idempotencyKey: '' }, 'idempotencyKey');
  bad({ eventType: 'alert firing' }, 'eventType', /full-stop delimited/);
  bad({ severity: 'urgent' as never }, 'severity');
  bad({ audience: 'public' as never }, 'audience');
  bad({ occurredAt: 1.5 }, 'occurredAt');
  bad({ data: undefined }, 'data');
  bad({ data: { n: 10n } }, 'data', /JSON-serializable/);
  bad({ extra: 1 }, 'extra', /unknown field/);
});

test('webhook-id: the key when safe in the signed content, a stable msg_ hash otherwise', () => {
  assert.equal(webhookId('alrt_01J9:acme-P1'), 'alrt_01J9:acme-P1');
  const dotted = webhookId('acme.pbx/T-1');
  assert.match(dotted, /^msg_[A-Za-z0-9_-]{32}$/);
  assert.equal(webhookId('acme.pbx/T-1'), dotted);
  assert.notEqual(webhookId('acme.pbx/T-2'), dotted);
  fc.assert(fc.property(fc.string({ minLength: 1 }), (k) => !webhookId(k).includes('.') && !/\s/.test(webhookId(k))));
});

test('e-mail ids: deterministic, per tenant, valid msg-id syntax', () => {
  const id = emailMessageId('acme', 'k1', 'example.com');
  assert.match(id, /^<pledge\.[0-9a-f]{40}@example\.com>$/);
  assert.equal(emailMessageId('acme', 'k1', 'example.com'), id);
  assert.notEqual(emailMessageId('globex', 'k1', 'example.com'), id);
  assert.notEqual(emailThreadId('acme', 'k1', 'example.com'), id, 'a thread id is never a message id');
  assert.equal(addressDomain('Pledge <Alerts@Pledge.Example.com>'), 'pledge.example.com');
  assert.equal(addressDomain('a@b.co'), 'b.co');
});

test("webhook body: the specification's shape, the same whatever the attempt time", () => {
  const m = sampleMessage();
  assert.equal(webhookBody(m), JSON.stringify({ type: 'alert.firing', timestamp: '2026-11-23T10:00:00.000Z', data: m.data }));
  const h1 = webhookHeaders(m, 1_700_000_000_999);
  const h2 = webhookHeaders(m, 1_700_000_100_000);
  assert.equal(h1['webhook-timestamp'], '1700000000');
  assert.equal(h2['webhook-timestamp'], '1700000100');
  assert.equal(h1['webhook-id'], h2['webhook-id']);
});

test('escaping: HTML and Slack control characters; a cut never splits an escape', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  assert.equal(escapeSlack('<!channel> & <@U1>'), '&lt;!channel&gt; &amp; &lt;@U1&gt;');
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), fc.integer({ min: 2, max: 200 }), (s, max) => {
      const out = clipEscaped(s, max, escapeSlack);
      assert.ok(out.length <= max);
      // What is left once complete entities are removed has no stray & from a split entity.
      const rest = out.replace(/&(amp|lt|gt);/g, '');
      assert.ok(!rest.includes('&'), out);
    }),
  );
});

test('e-mail content: HTML escapes every user-provided string; html given by templates is kept', () => {
  const hostile = '<img src=x onerror=alert(1)>';
  const m = sampleMessage({
    subject: hostile,
    text: hostile,
    fields: [{ label: hostile, value: hostile }],
    links: [{ label: hostile, url: 'https://example.com/?q="><script>' }],
  });
  const c = emailContent(m, 'example.com');
  assert.ok(!c.html.includes('<img'), c.html);
  assert.ok(!c.html.includes('"><script>'));
  assert.equal(c.html.split('&lt;img src=x onerror=alert(1)&gt;').length - 1, 6, 'title, heading, text, label, value, link');
  assert.equal(c.subject, hostile, 'the subject header is text, encoded by nodemailer');
  assert.ok(c.text.includes(hostile));
  assert.equal(c.priority, 'normal');
  assert.equal(emailContent(sampleMessage({ severity: 'critical' }), 'example.com').priority, 'high');
  const templated = emailContent(sampleMessage({ html: '<p><strong>Breach</strong> in 10 minutes</p>' }), 'example.com');
  assert.ok(templated.html.includes('<p><strong>Breach</strong> in 10 minutes</p>'));
  assert.equal(emailContent(sampleMessage({ threadKey: undefined }), 'example.com').references, undefined);
});

test('Slack: header, text, fields by tens, buttons, context; limits hold for any message', () => {
  const p = slackPayload(sampleMessage({ fields: Array.from({ length: 23 }, (_, i) => ({ label: `L${i}`, value: `v${i}` })) }));
  assert.deepEqual(
    p.blocks.map((b) => b.type),
    ['header', 'section', 'section', 'section', 'section', 'actions', 'context'],
  );
  const sections = p.blocks.filter((b): b is { type: 'section'; fields: Array<{ type: 'mrkdwn'; text: string }> } => 'fields' in b);
  assert.deepEqual(
    sections.map((s) => s.fields.length),
    [10, 10, 3],
  );
  const noText = slackPayload(sampleMessage({ text: '  ', fields: [], links: [] }));
  assert.deepEqual(
    noText.blocks.map((b) => b.type),
    ['header', 'context'],
  );
  assert.match(noText.text, /^:warning: Ticket T-1042/);
});

test('Teams: the envelope and an Adaptive Card 1.4 with the required fields', () => {
  const p = teamsPayload(sampleMessage({ links: [], fields: [] }));
  assert.equal(p.type, 'message');
  assert.equal(p.attachments.length, 1);
  const a = p.attachments[0]!;
  assert.equal(a.contentType, 'application/vnd.microsoft.card.adaptive');
  assert.equal(a.content.type, 'AdaptiveCard');
  assert.equal(a.content.version, '1.4');
  assert.equal(a.content.actions, undefined, 'no empty actions list');
  assert.ok(a.content.body.every((e) => e.type !== 'TextBlock' || (typeof e.text === 'string' && e.wrap === true)));
  assert.ok(!a.content.body.some((e) => e.type === 'FactSet'), 'no empty fact set');
});
