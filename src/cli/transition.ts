/**
 * `pledge transition`: moves a stored agreement through its lifecycle (submit, approve with both
 * signatures, activate, suspend, resume, expire, renew, terminate), on a database or a server. The
 * rules are the core's state machine (src/core/agreements/lifecycle); the use case is the one
 * behind POST /v1/agreements/{id}/transitions. `--at` in the past records a contract signed
 * before it was entered (back-dated: on a server, admin and manager tokens only; on a database,
 * whoever holds it acts as its administrator).
 */
import type { Command } from 'commander';
import { transitionAgreement } from '../app/agreements.ts';
import { LIFECYCLE_STATES, SIGNING_PARTIES, type LifecycleState, type Signature } from '../core/agreements/lifecycle/index.ts';
import { formatInstant, parseInstant } from '../core/time/instant.ts';
import type { Issue } from '../core/validation/issues.ts';
import { DB_HELP, withStore } from './db.ts';
import { badInput, must, printJson, UsageError } from './output.ts';
import { Api, URL_HELP } from './remote.ts';
import { agreementIn } from './tenant.ts';

/** A transition as printed: instants as ISO 8601; back-dated ones with when they were recorded. */
interface Shown {
  id: string;
  state: string;
  etag: string;
  transition: { from: string; to: string; action: string; at: string; backdated?: boolean; recordedAt?: string };
}

interface Options {
  to: string;
  at?: string;
  reason?: string;
  sign?: string[];
  termStart?: string;
  termEnd?: string;
  tenant: string;
  db?: string;
  url?: string;
  json?: boolean;
}

/** `provider:Jane Doe` or `customer:John Roe@2026-09-01T10:00:00Z` (the instant defaults to --at, or now). */
function signature(text: string, at: number, i: number): Signature {
  const m = /^([a-z]+):([^@]+)(?:@(.+))?$/.exec(text);
  const path = `--sign[${i}]`;
  if (!m)
    badInput(
      path,
      'expected PARTY:NAME or PARTY:NAME@INSTANT',
      JSON.stringify(text),
      `e.g. provider:Jane Doe or customer:John Roe@2026-09-01T10:00:00Z`,
    );
  const party = m[1]!;
  if (!(SIGNING_PARTIES as readonly string[]).includes(party))
    badInput(path, 'not a signing party', JSON.stringify(party), `one of ${SIGNING_PARTIES.join(', ')}`);
  const when = m[3] !== undefined ? must(parseInstant(m[3], path)) : at;
  return { party: party as Signature['party'], name: m[2]!.trim(), at: when };
}

export function registerTransition(program: Command): void {
  program
    .command('transition')
    .description(
      'Move a stored agreement through its lifecycle: in_review, approved (both signatures, the term), active, suspended, expired, terminated',
    )
    .argument('<id>', 'the agreement id')
    .requiredOption('--to <state>', `the state to move to: ${LIFECYCLE_STATES.join(', ')}`)
    .option(
      '--at <instant>',
      'when the new state begins (ISO 8601 with offset; default: now); in the past: back-dated (admin or manager), not before the previous transition',
    )
    .option('--reason <text>', 'why (required to suspend or terminate)')
    .option('--sign <signature...>', 'approval: PARTY:NAME[@INSTANT] per party, e.g. --sign "provider:Jane Doe" "customer:John Roe"')
    .option('--term-start <instant>', 'approval or renewal: the term start (when monitoring may begin)')
    .option('--term-end <instant>', 'approval or renewal: the term end (none: open-ended)')
    .option('--tenant <id>', "tenant (on a database; a server takes the token's)", 'default')
    .option('--db <database>', DB_HELP)
    .option('--url <url>', `${URL_HELP} (an admin or manager token)`)
    .option('--json', 'print the agreement and the transition as JSON')
    .addHelpText(
      'after',
      `
Examples:
  pledge transition acme-checkout --to in_review
  pledge transition acme-checkout --to approved --sign "provider:Jane Doe" --sign "customer:John Roe" --term-start 2026-01-01T00:00:00Z
  pledge transition acme-checkout --to active --at 2026-01-01T00:00:00Z
  pledge transition acme-checkout --to terminated --reason "3 consecutive monthly availability breaches"

A contract signed in the past, entered now: give each step its real date, in order (back-dated;
marked so in the lifecycle and the audit log, and the results are recomputed):
  pledge transition acme-checkout --to in_review --at 2025-12-01T09:00:00Z
  pledge transition acme-checkout --to approved --at 2025-12-15T10:00:00Z \
      --sign "provider:Jane Doe" "customer:John Roe" --term-start 2026-01-01T00:00:00Z
  pledge transition acme-checkout --to active --at 2026-01-01T00:00:00Z

A signature without @INSTANT is dated at --at (or now).`,
    )
    .action(async (id: string, o: Options) => {
      if (!(LIFECYCLE_STATES as readonly string[]).includes(o.to))
        badInput('--to', 'not a lifecycle state', JSON.stringify(o.to), `one of ${LIFECYCLE_STATES.join(', ')}`);
      const to = o.to as LifecycleState;
      const now = Date.now();
      const at = o.at !== undefined ? must(parseInstant(o.at, '--at')) : undefined;
      const signatures = o.sign?.map((x, i) => signature(x, at ?? now, i));
      const start = o.termStart !== undefined ? must(parseInstant(o.termStart, '--term-start')) : undefined;
      const end = o.termEnd !== undefined ? must(parseInstant(o.termEnd, '--term-end')) : undefined;
      if (end !== undefined && start === undefined) badInput('--term-end', 'needs --term-start');
      const term = start !== undefined ? { start, ...(end !== undefined ? { end } : {}) } : undefined;
      const api = Api.from(o);
      let shown: Shown;
      if (api) {
        const iso = (ms: number) => new Date(ms).toISOString();
        const r = await api.json<{ agreement: Omit<Shown, 'transition'>; transition: Shown['transition'] }>(
          'POST',
          `/v1/agreements/${encodeURIComponent(id)}/transitions`,
          {
            to,
            ...(at !== undefined ? { at: iso(at) } : {}),
            ...(o.reason !== undefined ? { reason: o.reason } : {}),
            ...(signatures ? { signatures: signatures.map((s) => ({ ...s, at: iso(s.at) })) } : {}),
            ...(term ? { term: { start: iso(term.start), ...(term.end !== undefined ? { end: iso(term.end) } : {}) } } : {}),
          },
        );
        const { from, to: reached, action, at: effective, backdated, recordedAt } = r.transition;
        const transition = { from, to: reached, action, at: effective, ...(backdated ? { backdated, recordedAt } : {}) };
        shown = { id: r.agreement.id, state: r.agreement.state, etag: r.agreement.etag, transition };
      } else {
        const r = await withStore(o.db, async (store) => {
          await agreementIn(store, o.tenant, id, '<id>');
          // Whoever holds the database acts as its administrator (as `token create` on a database does).
          const ctx = { store, tenant: o.tenant, actor: `cli:${process.env.USER ?? 'local'}`, role: 'admin' as const, now };
          const input = { id, to, ...(at !== undefined ? { at } : {}), ...(o.reason !== undefined ? { reason: o.reason } : {}) };
          return transitionAgreement(ctx, { ...input, ...(signatures ? { signatures } : {}), ...(term ? { term } : {}) });
        });
        if (!r.ok) {
          // The lifecycle names the request's fields; here they are options.
          const option: Record<string, string> = { to: '--to', at: '--at', reason: '--reason', signatures: '--sign', term: '--term-start' };
          const issues: Issue[] = (
            r.issues?.length ? r.issues : [{ path: r.code === 'not_found' ? '<id>' : '--to', message: r.message }]
          ).map((i) => {
            const m = /^(?:request\.)?([a-z]+)(.*)$/i.exec(i.path);
            return m && option[m[1]!] ? { ...i, path: option[m[1]!]! + m[2]! } : i;
          });
          const legal = (r.details?.legal as Array<{ to: string }> | undefined)?.map((m) => m.to);
          throw new UsageError(
            issues.map((i) => ({
              ...i,
              ...(legal
                ? {
                    expected: legal.length
                      ? `one of ${legal.join(', ')} from ${String(r.details?.state)}`
                      : `nothing: ${String(r.details?.state)} is final`,
                  }
                : {}),
            })),
          );
        }
        const t = r.transition;
        const marks = t.backdated ? { backdated: true, recordedAt: formatInstant(t.recordedAt!) } : {};
        const transition = { from: t.from, to: t.to, action: t.action, at: formatInstant(t.at), ...marks };
        shown = { id: r.agreement.id, state: r.agreement.state, etag: r.agreement.etag, transition };
      }
      const s = shown.transition;
      const back = s.backdated ? ` (back-dated, recorded ${s.recordedAt})` : '';
      if (o.json) printJson(shown);
      else process.stdout.write(`${shown.id}: ${s.from} -> ${s.to} (${s.action}) at ${s.at}${back}\n`);
    });
}
