/**
 * What `deliver` decides before sending anything: each of these reaches no receiver (the test
 * receiver counts requests), and none throws.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { deliver } from './deliver.ts';
import { generateSecretKey, generateWebhookSecret, parseSecretKeys, sealChannel } from './secrets.ts';
import { startReceiver, type Receiver } from './testing/receiver.ts';
import { sampleMessage } from '../core/delivery/testing/sample-message.ts';
import { parseChannel, type Channel } from '../core/delivery/channel.ts';
import type { DeliveryMessage } from '../core/delivery/message.ts';

let r: Receiver;
const secret = generateWebhookSecret();
after(() => r?.close());

async function receiver() {
  r ??= await startReceiver((req) => {
    try {
      new Webhook(secret).verify(req.body, req.headers as Record<string, string>);
      return { status: 200 };
    } catch {
      return { status: 401 };
    }
  });
  return r;
}

const hook = (url: string, over: Partial<Channel> = {}): Channel =>
  ({ id: 'h', kind: 'webhook', enabled: true, audience: 'internal', settings: { url, secrets: ['env:S'] }, ...over }) as Channel;

test('refused before sending: invalid message, disabled channel, internal message to a customer channel, missing secret', async () => {
  const { url } = await receiver();
  const before = r.requests.length;
  const now = Date.now();
  const invalid = await deliver(hook(url), { ...sampleMessage(), links: [{ label: 'x', url: 'javascript:1' }] } as DeliveryMessage, {
    now,
    env: { S: secret },
  });
  assert.ok(invalid.kind === 'failed');
  assert.equal(invalid.reason, 'invalid_message');
  assert.match(invalid.detail, /links\[0\]\.url/);

  const disabled = await deliver(hook(url, { enabled: false }), sampleMessage(), { now, env: { S: secret } });
  assert.equal(disabled.kind, 'disabled');

  const customer = await deliver(hook(url, { audience: 'customer' }), sampleMessage({ audience: 'internal' }), { now, env: { S: secret } });
  assert.ok(customer.kind === 'failed');
  assert.equal(customer.reason, 'audience_mismatch');

  const missing = await deliver(hook(url), sampleMessage(), { now, env: {} });
  assert.ok(missing.kind === 'failed');
  assert.equal(missing.reason, 'configuration');
  assert.match(missing.detail, /settings\.secrets\[0\]: the environment variable S is not set/);

  assert.equal(r.requests.length, before, 'nothing reached the receiver');

  // A customer notice may go to a customer channel, and internal channels see customer notices too.
  assert.equal(
    (await deliver(hook(url, { audience: 'customer' }), sampleMessage({ audience: 'customer' }), { now, env: { S: secret } })).kind,
    'delivered',
  );
  assert.equal((await deliver(hook(url), sampleMessage({ audience: 'customer' }), { now, env: { S: secret } })).kind, 'delivered');
});

test('a channel created through the API form, sealed, stored and delivered: the secret is encrypted at rest and still signs', async () => {
  const { url } = await receiver();
  const keyring = parseSecretKeys(generateSecretKey());
  assert.ok(keyring.ok);
  const input = parseChannel({ id: 'h', kind: 'webhook', settings: { url, secrets: [secret] } }, { plainSecrets: true });
  assert.ok(input.ok);
  const sealed = sealChannel(input.value, { tenant: 'acme', keyring: keyring.value });
  assert.ok(sealed.ok);
  assert.ok(!JSON.stringify(sealed.value).includes(secret.slice(6)));
  const stored = parseChannel(JSON.parse(JSON.stringify(sealed.value)));
  assert.ok(stored.ok);
  const out = await deliver(stored.value, sampleMessage({ tenant: 'acme' }), { now: Date.now(), env: {}, keyring: keyring.value });
  assert.equal(out.kind, 'delivered', JSON.stringify(out));
  // Another tenant's message cannot use this tenant's sealed channel.
  const other = await deliver(stored.value, sampleMessage({ tenant: 'globex' }), { now: Date.now(), env: {}, keyring: keyring.value });
  assert.ok(other.kind === 'failed');
  assert.equal(other.reason, 'configuration');
});
