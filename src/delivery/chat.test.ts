/**
 * Slack incoming webhooks and Teams workflow webhooks against local HTTP receivers that check the
 * payload as the services document it (testing/chat-shapes.ts) and answer as they do: Slack "ok",
 * 400 invalid_blocks, 429 with Retry-After, 410 channel_is_archived; Teams 202 Accepted.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { deliver } from './deliver.ts';
import { startReceiver, type Answer, type Received, type Receiver } from './testing/receiver.ts';
import { sampleMessage } from '../core/delivery/testing/sample-message.ts';
import { slackProblems, teamsProblems } from './testing/chat-shapes.ts';
import type { Channel } from '../core/delivery/channel.ts';

const receivers: Receiver[] = [];
after(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

async function slackLike(script: (req: Received, i: number) => Answer | undefined = () => undefined) {
  const r = await startReceiver((req, i) => {
    if (req.headers['content-type'] !== 'application/json; charset=utf-8') return { status: 400, body: 'invalid_payload' };
    const problems = slackProblems(JSON.parse(req.body));
    if (problems.length > 0) return { status: 400, body: `invalid_blocks: ${problems.join('; ')}` };
    return script(req, i) ?? { status: 200, body: 'ok' };
  });
  receivers.push(r);
  return r;
}

async function teamsLike(script: (req: Received, i: number) => Answer | undefined = () => undefined) {
  const r = await startReceiver((req, i) => {
    const problems = teamsProblems(JSON.parse(req.body));
    if (problems.length > 0)
      return { status: 400, body: JSON.stringify({ error: { code: 'InvalidRequestContent', message: problems.join('; ') } }) };
    return script(req, i) ?? { status: 202 };
  });
  receivers.push(r);
  return r;
}

const slack = (): Channel => ({ id: 'ops-slack', kind: 'slack', enabled: true, audience: 'internal', settings: { url: 'env:SLACK_URL' } });
const teams = (): Channel => ({ id: 'ops-teams', kind: 'teams', enabled: true, audience: 'internal', settings: { url: 'env:TEAMS_URL' } });

test('Slack: blocks with a text fallback, user text escaped, accepted', async () => {
  const r = await slackLike();
  const message = sampleMessage({ subject: 'Ticket <!channel> & co', text: 'see <https://evil.example|your bank> now' });
  const out = await deliver(slack(), message, { now: Date.now(), env: { SLACK_URL: r.url } });
  assert.equal(out.kind, 'delivered', JSON.stringify(out));
  assert.equal(out.log.body, 'ok');
  const payload = JSON.parse(r.requests[0]!.body);
  assert.match(payload.text, /Ticket &lt;!channel&gt; &amp; co — see &lt;https:\/\/evil\.example\|your bank&gt; now/);
  const types = payload.blocks.map((b: { type: string }) => b.type);
  assert.deepEqual(types, ['header', 'section', 'section', 'actions', 'context']);
  assert.equal(payload.blocks[0].text.text, 'Ticket <!channel> & co', 'the header is plain_text: shown as written, never a mention');
  assert.equal(payload.blocks[1].text.text, 'see &lt;https://evil.example|your bank&gt; now');
  assert.deepEqual(payload.blocks[2].fields[0], { type: 'mrkdwn', text: '*Agreement*\nacme-cloud-pbx' });
  assert.equal(payload.blocks[3].elements[0].url, 'https://pledge.example.com/tickets/T-1042');
});

test('Slack: a message beyond every limit is cut to what Slack accepts', async () => {
  const r = await slackLike();
  const message = sampleMessage({
    subject: 'S'.repeat(400),
    text: '&'.repeat(10_000),
    fields: Array.from({ length: 50 }, (_, i) => ({ label: `L${i}`, value: '<'.repeat(2000) })),
    links: Array.from({ length: 20 }, (_, i) => ({ label: 'x'.repeat(150), url: `https://example.com/${i}` })),
  });
  const out = await deliver(slack(), message, { now: Date.now(), env: { SLACK_URL: r.url } });
  assert.equal(out.kind, 'delivered', JSON.stringify(out));
  const payload = JSON.parse(r.requests[0]!.body);
  assert.equal(payload.blocks[0].text.text.length, 150);
  assert.ok(payload.blocks[1].text.text.length <= 3000);
  assert.match(payload.blocks[1].text.text, /^(&amp;)+…$/, 'cut between escapes, never inside one');
});

test('Slack: 429 with Retry-After then ok; 410 channel_is_archived disables; 404 fails', async () => {
  const r = await slackLike((_q, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '30' }, body: 'rate_limited' } : undefined));
  const now = Date.now();
  const first = await deliver(slack(), sampleMessage(), { now, env: { SLACK_URL: r.url }, random: () => 0 });
  assert.ok(first.kind === 'retry', JSON.stringify(first));
  assert.equal(first.reason, 'rate_limited');
  assert.equal(first.at, now + 30_000);
  const second = await deliver(slack(), sampleMessage(), { now: now + 30_000, attempt: 2, env: { SLACK_URL: r.url } });
  assert.equal(second.kind, 'delivered');

  const archived = await slackLike(() => ({ status: 410, body: 'channel_is_archived' }));
  const gone = await deliver(slack(), sampleMessage(), { now, env: { SLACK_URL: archived.url } });
  assert.equal(gone.kind, 'disabled');
  assert.equal(gone.log.body, 'channel_is_archived');

  const missing = await slackLike(() => ({ status: 404, body: 'no_service' }));
  const nf = await deliver(slack(), sampleMessage(), { now, env: { SLACK_URL: missing.url } });
  assert.ok(nf.kind === 'failed');
  assert.equal(nf.reason, 'rejected');
});

test('Teams: an Adaptive Card in the message envelope, accepted with 202', async () => {
  const r = await teamsLike();
  const out = await deliver(teams(), sampleMessage({ severity: 'critical' }), { now: Date.now(), env: { TEAMS_URL: r.url } });
  assert.equal(out.kind, 'delivered', JSON.stringify(out));
  assert.equal(out.log.status, 202);
  const payload = JSON.parse(r.requests[0]!.body);
  const card = payload.attachments[0].content;
  assert.equal(card.version, '1.4');
  assert.deepEqual(
    card.body.map((e: { type: string }) => e.type),
    ['TextBlock', 'TextBlock', 'TextBlock', 'FactSet', 'TextBlock'],
  );
  assert.equal(card.body[0].color, 'Attention');
  assert.equal(card.body[1].text, 'Ticket T-1042: 75% of the P1 response target used');
  assert.deepEqual(card.body[3].facts[1], { title: 'Target', value: 'P1 response within 4h' });
  assert.deepEqual(card.actions, [{ type: 'Action.OpenUrl', title: 'Open in Pledge', url: 'https://pledge.example.com/tickets/T-1042' }]);
});

test('Teams: the receiver check is real (a card without a body is refused), and 5xx is retried', async () => {
  const r = await teamsLike();
  const res = await fetch(r.url, {
    method: 'POST',
    body: JSON.stringify({
      type: 'message',
      attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.4' } }],
    }),
  });
  assert.equal(res.status, 400);
  await res.text();

  const busy = await teamsLike(() => ({ status: 502 }));
  const out = await deliver(teams(), sampleMessage(), { now: Date.now(), env: { TEAMS_URL: busy.url } });
  assert.ok(out.kind === 'retry');
  assert.equal(out.reason, 'unavailable');
});

test('Slack and Teams URLs are secrets: never in an outcome', async () => {
  const r = await teamsLike(() => ({ status: 500, body: 'boom' }));
  const token = 'sig=SECRET-TOKEN-123';
  const url = `${r.url}?${token}`;
  for (const c of [slack(), teams()]) {
    const out = await deliver(c, sampleMessage(), { now: Date.now(), env: { SLACK_URL: url, TEAMS_URL: url } });
    assert.ok(!JSON.stringify(out).includes('SECRET-TOKEN'), JSON.stringify(out));
  }
  const closed = await startReceiver(() => ({ status: 200 }));
  await closed.close();
  const out = await deliver(slack(), sampleMessage(), { now: Date.now(), env: { SLACK_URL: `${closed.url}?${token}` } });
  assert.equal(out.kind, 'retry');
  assert.ok(!JSON.stringify(out).includes('SECRET-TOKEN'), JSON.stringify(out));
});
