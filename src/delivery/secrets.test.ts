import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  decryptSecret,
  encryptSecret,
  generateSecretKey,
  generateWebhookSecret,
  parseSecretKeys,
  resolveChannel,
  sealChannel,
  secretContext,
  type Keyring,
} from './secrets.ts';
import { parseChannel, secretValueProblem, type Channel } from '../core/delivery/channel.ts';

function keyring(text = generateSecretKey()): Keyring {
  const r = parseSecretKeys(text);
  assert.ok(r.ok);
  return r.value;
}

test('PLEDGE_SECRET_KEY: 32 bytes in hex or base64, several for rotation; anything else named', () => {
  const hex = randomBytes(32).toString('hex');
  const b64 = randomBytes(32).toString('base64');
  const both = parseSecretKeys(`${hex}, ${b64}`);
  assert.ok(both.ok);
  assert.equal(both.value.byId.size, 2);
  assert.equal(both.value.current.key.toString('hex'), hex);
  for (const bad of ['', 'short', randomBytes(16).toString('hex'), randomBytes(31).toString('base64')]) {
    const r = parseSecretKeys(bad);
    assert.ok(!r.ok, bad);
    assert.equal(r.issues[0]!.path, 'PLEDGE_SECRET_KEY');
    assert.ok(!JSON.stringify(r.issues).includes(bad) || bad === '', 'the key is not repeated');
  }
  const second = parseSecretKeys(`${hex},nope`);
  assert.ok(!second.ok);
  assert.equal(second.issues[0]!.path, 'PLEDGE_SECRET_KEY[1]');
});

test('encryption: versioned format, round trip, bound to tenant, channel and kind, tamper-evident', () => {
  const k = keyring();
  const ctx = secretContext('acme', 'ops-slack', 'slack_url');
  const sealed = encryptSecret('https://hooks.slack.com/services/T/B/X', k, ctx);
  assert.match(sealed, /^enc:v1:[A-Za-z0-9_-]{8}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
  assert.notEqual(encryptSecret('https://hooks.slack.com/services/T/B/X', k, ctx), sealed, 'a fresh IV each time');
  assert.deepEqual(decryptSecret(sealed, k, ctx), { ok: true, value: 'https://hooks.slack.com/services/T/B/X' });
  for (const other of [
    secretContext('globex', 'ops-slack', 'slack_url'),
    secretContext('acme', 'other', 'slack_url'),
    secretContext('acme', 'ops-slack', 'teams_url'),
  ]) {
    const r = decryptSecret(sealed, k, other);
    assert.ok(!r.ok);
    assert.match(r.message, /does not open/);
  }
  const parts = sealed.split(':');
  const data = Buffer.from(parts[4]!, 'base64url');
  data[0]! ^= 1;
  const tampered = [...parts.slice(0, 4), data.toString('base64url')].join(':');
  assert.ok(!decryptSecret(tampered, k, ctx).ok);
  const wrongKey = decryptSecret(sealed, keyring(), ctx);
  assert.ok(!wrongKey.ok);
  assert.match(wrongKey.message, /not in PLEDGE_SECRET_KEY/);
  const noKey = decryptSecret(sealed, undefined, ctx);
  assert.ok(!noKey.ok);
  assert.match(noKey.message, /needs PLEDGE_SECRET_KEY/);
});

function apiInput(): Channel {
  const r = parseChannel(
    { id: 'ops-hook', kind: 'webhook', settings: { url: 'https://x.example/h', secrets: [generateWebhookSecret(), 'env:OLD_SECRET'] } },
    { plainSecrets: true },
  );
  assert.ok(r.ok);
  return r.value;
}

test('sealing: plain secrets encrypted, env references kept; the sealed channel passes the stored schema', () => {
  const k = keyring();
  const input = apiInput();
  const sealed = sealChannel(input, { tenant: 'acme', keyring: k });
  assert.ok(sealed.ok);
  assert.ok(sealed.value.kind === 'webhook' && input.kind === 'webhook');
  assert.match(sealed.value.settings.secrets[0]!, /^enc:v1:/);
  assert.equal(sealed.value.settings.secrets[1], 'env:OLD_SECRET');
  assert.ok(parseChannel(sealed.value).ok);
  const resolved = resolveChannel(sealed.value, { tenant: 'acme', keyring: k, env: { OLD_SECRET: generateWebhookSecret() } });
  assert.ok(resolved.ok);
  assert.ok(resolved.value.kind === 'webhook');
  assert.equal(resolved.value.settings.secrets[0], input.settings.secrets[0]);
});

test('key rotation: a new key first re-seals old values; without the old key they no longer open', () => {
  const oldKey = generateSecretKey();
  const newKey = generateSecretKey();
  const before = sealChannel(apiInput(), { tenant: 'acme', keyring: keyring(oldKey) });
  assert.ok(before.ok);
  const rotated = sealChannel(before.value, { tenant: 'acme', keyring: keyring(`${newKey},${oldKey}`) });
  assert.ok(rotated.ok);
  assert.ok(rotated.value.kind === 'webhook' && before.value.kind === 'webhook');
  assert.notEqual(rotated.value.settings.secrets[0], before.value.settings.secrets[0]);
  const env = { OLD_SECRET: generateWebhookSecret() };
  assert.ok(
    resolveChannel(rotated.value, { tenant: 'acme', keyring: keyring(newKey), env }).ok,
    'the new key alone opens the re-sealed value',
  );
  const stale = resolveChannel(before.value, { tenant: 'acme', keyring: keyring(newKey), env });
  assert.ok(!stale.ok);
  assert.equal(stale.issues[0]!.path, 'settings.secrets[0]');
  // Re-sealing a value already under the current key changes nothing.
  const again = sealChannel(rotated.value, { tenant: 'acme', keyring: keyring(`${newKey},${oldKey}`) });
  assert.ok(again.ok);
  assert.deepEqual(again.value, rotated.value);
});

test('resolving: a missing variable or a malformed secret named by path, never shown', () => {
  const c: Channel = {
    id: 'h',
    kind: 'webhook',
    enabled: true,
    audience: 'internal',
    settings: { url: 'https://x.example', secrets: ['env:A', 'env:B'] },
  };
  const r = resolveChannel(c, { tenant: 'acme', env: { B: 'whsec_tooshort' } });
  assert.ok(!r.ok);
  assert.deepEqual(
    r.issues.map((i) => i.path),
    ['settings.secrets[0]', 'settings.secrets[1]'],
  );
  assert.match(r.issues[0]!.message, /A is not set/);
  assert.match(r.issues[1]!.message, /whsec_.*\(in B\)/);
  assert.ok(!JSON.stringify(r.issues).includes('tooshort'));
  assert.equal(secretValueProblem('webhook_secret', generateWebhookSecret()), undefined);
});
