/**
 * The demo's people, for the web app: an admin of the provider and a customer (Acme) who sees only
 * its own agreements. Their passwords are stored only as hashes, so they cannot be shown again on
 * the next start: each start gives both a fresh random password, through the same invite and
 * acceptance as a real person's (src/app/sign-in.ts), which also signs out their earlier sessions.
 */
import { randomBytes } from 'node:crypto';
import type { Role } from '../core/access/policy.ts';
import { acceptInvite, invite } from '../app/sign-in.ts';
import type { Store } from '../store/types.ts';

export interface DemoSignIn {
  role: Role;
  customer?: string;
  email: string;
  password: string;
}

const PEOPLE: Array<{ email: string; name: string; user: string; role: Role; customer?: string }> = [
  { email: 'admin@demo.example', name: 'Demo admin', user: 'admin', role: 'admin' },
  { email: 'service.manager@acme.example', name: 'Acme service manager', user: 'acme-portal', role: 'customer', customer: 'acme' },
];

/** A password people can type: 4 groups of 4 letters and digits (about 95 bits). */
function readablePassword(): string {
  const alphabet = 'abcdefghijkmnopqrstuvwxyz23456789';
  const bytes = randomBytes(16);
  let out = '';
  for (let i = 0; i < 16; i++) out += (i > 0 && i % 4 === 0 ? '-' : '') + alphabet[bytes[i]! % alphabet.length];
  return out;
}

export async function issueDemoSignIns(store: Store, opts: { tenant: string; now: number; actor: string }): Promise<DemoSignIn[]> {
  const out: DemoSignIn[] = [];
  for (const p of PEOPLE) {
    const inv = await invite(store, opts.tenant, {
      email: p.email,
      name: p.name,
      userId: p.user,
      role: p.role,
      ...(p.customer !== undefined ? { customer: p.customer } : {}),
      now: opts.now,
      actor: opts.actor,
    });
    if (!inv.ok) throw new Error(`demo sign-in for ${p.email}: ${inv.reason}`);
    const password = readablePassword();
    const r = await acceptInvite(store, { secret: inv.secret, password, now: opts.now });
    if (!r.ok) throw new Error(`demo sign-in for ${p.email}: ${r.reason}`);
    out.push({ role: p.role, ...(p.customer !== undefined ? { customer: p.customer } : {}), email: p.email, password });
  }
  return out;
}
