/** Password hashing (passwords.ts): scrypt hashes that verify only their password, name their parameters, and refuse what is not theirs. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SCRYPT, hashPassword, needsRehash, passwordProblem, verifyPassword } from './passwords.ts';

const FAST = { log2N: 11, r: 8, p: 1 };

describe('passwords', () => {
  test('a hash verifies its password only, with a fresh salt each time; NFKC forms of one password are one password', async () => {
    const a = await hashPassword('correct horse battery', FAST);
    const b = await hashPassword('correct horse battery', FAST);
    assert.notEqual(a, b, 'salted');
    assert.equal(await verifyPassword('correct horse battery', a), true);
    assert.equal(await verifyPassword('correct horse batterY', a), false);
    assert.equal(await verifyPassword('', a), false);
    const composed = await hashPassword('caf\u00e9 au lait!', FAST);
    assert.equal(await verifyPassword('cafe\u0301 au lait!', composed), true);
  });

  test("the production parameters are OWASP's and are named in the hash; weaker hashes ask to be renewed", async () => {
    assert.deepEqual(DEFAULT_SCRYPT, { log2N: 17, r: 8, p: 1 });
    const h = await hashPassword('a long enough passphrase');
    assert.match(h, /^scrypt\$17\$8\$1\$/);
    assert.equal(needsRehash(h), false);
    assert.equal(needsRehash(await hashPassword('x', FAST)), true);
  });

  test('what is not a hash of ours verifies nothing', async () => {
    for (const stored of [
      '',
      'plain',
      'scrypt$17$8$1$abc',
      'scrypt$40$8$1$c2FsdA$aGFzaA',
      '$2b$10$abcdefghijklmnopqrstuv',
      'scrypt$11$8$1$c2FsdA$c2hvcnQ',
    ])
      assert.equal(await verifyPassword('anything', stored), false, stored);
  });

  test('new passwords: at least 12 characters, at most 256, not the e-mail, not one character repeated', () => {
    assert.match(passwordProblem('short', 'a@b.c')!, /at least 12/);
    assert.match(passwordProblem(`${'x'.repeat(257)}abc`, 'a@b.c')!, /at most 256/);
    assert.match(passwordProblem('Jo@Example.com', 'jo@example.com')!, /at least 12|e-mail/);
    assert.match(passwordProblem('jo.long@example.com', 'JO.LONG@example.com ')!, /e-mail/);
    assert.match(passwordProblem('aaaaaaaaaaaaaaa', 'a@b.c')!, /4 different/);
    assert.equal(passwordProblem('correct horse battery', 'a@b.c'), null);
    assert.equal(passwordProblem('🔐🔑🗝️🔒 emoji only!', 'a@b.c'), null, 'characters, not UTF-16 units');
  });
});
