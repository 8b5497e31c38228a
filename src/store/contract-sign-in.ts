/**
 * The store contract for signing in (logins, invites, sessions): registered by storeContract for
 * every adapter, so SQLite and PostgreSQL keep the same promises, races included.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { NewInvite, Store } from './types.ts';

const T0 = Date.UTC(2026, 9, 1);
const DAY = 86_400_000;

async function newTenant(store: Store): Promise<string> {
  const id = `si-${randomBytes(5).toString('hex')}`;
  await store.createTenant({ id, name: id, createdAt: T0 });
  return id;
}

const hash = () => randomBytes(32).toString('hex');

function inviteOf(email: string, user: string, extra: Partial<NewInvite> = {}): NewInvite {
  return {
    tokenHash: hash(),
    user: { id: user, name: user, email },
    role: 'viewer',
    createdBy: 'admin',
    createdAt: T0,
    expiresAt: T0 + 7 * DAY,
    ...extra,
  };
}

export function signInContract(ctx: { store: () => Store }): void {
  describe('signing in', () => {
    test('an invite creates the user and its login; the e-mail is kept lower-cased and signs in to one user only', async () => {
      const store = ctx.store();
      const a = await newTenant(store);
      const b = await newTenant(store);
      const email = `Jo.${randomBytes(3).toString('hex')}@Example.com`;
      const r = await store.createInvite(a, inviteOf(email, 'jo'), { at: T0, actor: 'admin', action: 'user.invite', subject: 'user:jo' });
      assert.equal(r.status, 'created');
      if (r.status !== 'created') return;
      assert.equal(r.login.email, email.toLowerCase());
      assert.equal(r.login.passwordHash, undefined);
      assert.equal(r.user.id, 'jo');
      assert.equal((await store.getUser(a, 'jo'))?.name, 'jo');
      assert.deepEqual((await store.createInvite(b, inviteOf(email, 'jo'))).status, 'email_taken', 'another tenant');
      assert.deepEqual((await store.createInvite(a, inviteOf(email, 'someone-else'))).status, 'email_taken', 'another user');
      const other = await store.createInvite(a, inviteOf(`x-${email}`, 'jo'));
      assert.deepEqual(other, { status: 'user_has_login', email: email.toLowerCase() });
      // Inviting again renews the link and sets the role (a password reset).
      const again = await store.createInvite(a, inviteOf(email, 'jo', { role: 'customer', customer: 'acme' }));
      assert.equal(again.status, 'created');
      const found = await store.findLogin(email.toUpperCase());
      assert.equal(found?.login.role, 'customer');
      assert.equal(found?.login.customer, 'acme');
      assert.equal((await store.listLogins(a)).length, 1);
      assert.equal((await store.listLogins(b)).length, 0);
      assert.ok((await store.listAudit(a)).items.some((e) => e.action === 'user.invite'));
    });

    test('an invite is accepted once, even by two requests at the same time, and not after it expires', async () => {
      const store = ctx.store();
      const t = await newTenant(store);
      const email = `race-${randomBytes(3).toString('hex')}@example.com`;
      const inv = inviteOf(email, 'racer');
      await store.createInvite(t, inv);
      const both = await Promise.all([store.acceptInvite(inv.tokenHash, 'h1', T0 + 1), store.acceptInvite(inv.tokenHash, 'h2', T0 + 1)]);
      assert.deepEqual(both.map((r) => r.status).sort(), ['accepted', 'used']);
      const login = (await store.findLogin(email))!.login;
      assert.ok(login.passwordHash === 'h1' || login.passwordHash === 'h2');
      assert.equal(login.passwordSetAt, T0 + 1);
      assert.equal((await store.findInvite(inv.tokenHash))?.usedAt, T0 + 1);
      const late = inviteOf(email, 'racer');
      await store.createInvite(t, late);
      assert.equal((await store.acceptInvite(late.tokenHash, 'h3', T0 + 7 * DAY)).status, 'expired');
      assert.equal((await store.acceptInvite(hash(), 'h3', T0)).status, 'not_found');
      await store.disableUser(t, 'racer', T0 + 2);
      const fresh = inviteOf(email, 'racer');
      await store.createInvite(t, fresh);
      assert.equal((await store.acceptInvite(fresh.tokenHash, 'h4', T0 + 3)).status, 'disabled_user');
    });

    test('failed sign-ins count up to the limit, which locks the login and starts the count again; a session clears them', async () => {
      const store = ctx.store();
      const t = await newTenant(store);
      const email = `lock-${randomBytes(3).toString('hex')}@example.com`;
      const inv = inviteOf(email, 'locky');
      await store.createInvite(t, inv);
      await store.acceptInvite(inv.tokenHash, 'h', T0);
      const policy = { limit: 3, lockMs: 15 * 60_000 };
      // Concurrent failures each count.
      const firstTwo = await Promise.all([store.signInFailed(email, T0 + 1, policy), store.signInFailed(email, T0 + 1, policy)]);
      assert.deepEqual(firstTwo.map((l) => l?.failedCount).sort(), [1, 2]);
      const third = await store.signInFailed(email, T0 + 2, policy);
      assert.equal(third?.failedCount, 0);
      assert.equal(third?.lockedUntil, T0 + 2 + policy.lockMs);
      assert.equal(await store.signInFailed('nobody@example.com', T0, policy), undefined);
      await store.signInFailed(email, T0 + 3, policy);
      const s = await store.createSession(email, {
        idHash: hash(),
        tenant: t,
        userId: 'locky',
        csrf: 'c',
        createdAt: T0 + 4,
        expiresAt: T0 + 5,
      });
      assert.equal(s.lastSeenAt, T0 + 4);
      const after = (await store.findLogin(email))!.login;
      assert.equal(after.failedCount, 0);
      assert.equal(after.lockedUntil, undefined);
    });

    test('sessions: found by hash with their login, touched forward only, revoked once; a new password revokes the others', async () => {
      const store = ctx.store();
      const t = await newTenant(store);
      const email = `sess-${randomBytes(3).toString('hex')}@example.com`;
      const inv = inviteOf(email, 'sessy', { role: 'customer', customer: 'acme' });
      await store.createInvite(t, inv);
      await store.acceptInvite(inv.tokenHash, 'h', T0);
      const id = hash();
      await store.createSession(email, { idHash: id, tenant: t, userId: 'sessy', csrf: 'tok', createdAt: T0, expiresAt: T0 + DAY });
      const found = await store.findSession(id);
      assert.equal(found?.session.csrf, 'tok');
      assert.equal(found?.login.customer, 'acme');
      assert.equal(found?.user.id, 'sessy');
      await store.touchSession(id, T0 + 10, T0 + 2 * DAY);
      await store.touchSession(id, T0 + 5, T0 + DAY);
      const touched = (await store.findSession(id))!.session;
      assert.equal(touched.lastSeenAt, T0 + 10);
      assert.equal(touched.expiresAt, T0 + 2 * DAY);
      assert.equal(await store.findSession(hash()), undefined);
      assert.equal(
        await store.revokeSession(id, T0 + 20, { at: T0 + 20, actor: 'sessy', action: 'session.sign_out', subject: 'user:sessy' }),
        true,
      );
      assert.equal(await store.revokeSession(id, T0 + 21), false);
      assert.equal((await store.findSession(id))?.session.revokedAt, T0 + 20);
      const other = hash();
      await store.createSession(email, { idHash: other, tenant: t, userId: 'sessy', csrf: 'x', createdAt: T0, expiresAt: T0 + DAY });
      const reset = inviteOf(email, 'sessy', { role: 'customer', customer: 'acme' });
      await store.createInvite(t, reset);
      await store.acceptInvite(reset.tokenHash, 'h2', T0 + 30);
      assert.equal((await store.findSession(other))?.session.revokedAt, T0 + 30);
      assert.equal(await store.revokeSession(other, T0 + 31), false, 'an expired or revoked session is not signed out again');
    });
  });
}
