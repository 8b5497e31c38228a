/**
 * Silences from people (API, CLI): listed, created with an expiry and matchers the core validates
 * (checkSilence: exact values on known fields, at most a year, never a silence matching
 * everything), and expired early. The evaluation reads them (evaluateAlerts' `silences`).
 *
 * Invariants: a silence is never changed, only expired (kept, for the record); its id is chosen
 * here (`sil_` and 16 random hex digits) unless the caller names one, so creating the same id
 * twice is `exists` with the first kept; every creation and expiry is audited.
 */
import { randomBytes } from 'node:crypto';
import { checkSilence } from '../../core/alerts/silences.ts';
import type { Matcher } from '../../core/alerts/types.ts';
import { parseDuration } from '../../core/time/duration.ts';
import type { Issue } from '../../core/validation/issues.ts';
import type { Page, Store, StoredSilence, TenantId } from '../../store/types.ts';

export interface SilenceContext {
  store: Store;
  tenant: TenantId;
  now: number;
  actor: string;
}

export interface SilenceInput {
  id?: string;
  matchers: unknown;
  /** Epoch ms or ISO 8601; now when absent. */
  startsAt?: unknown;
  /** Epoch ms or ISO 8601; or give `duration`. */
  endsAt?: unknown;
  /** A fixed duration from startsAt (`2h`, `1d`, `PT30M`) instead of endsAt. */
  duration?: string;
  comment?: string;
}

export type SilenceCreated = { status: 'created' | 'exists'; silence: StoredSilence<Matcher[]> } | { status: 'invalid'; issues: Issue[] };

export async function createSilence(ctx: SilenceContext, input: SilenceInput): Promise<SilenceCreated> {
  const issues: Issue[] = [];
  const startsAt = input.startsAt ?? ctx.now;
  let endsAt = input.endsAt;
  if (input.duration !== undefined) {
    if (input.endsAt !== undefined)
      issues.push({ path: 'duration', message: 'give endsAt or duration, not both', received: input.duration });
    const d = parseDuration(input.duration);
    if (!d.ok || d.value.kind !== 'fixed' || !Number.isFinite(d.value.ms) || d.value.ms <= 0)
      issues.push({ path: 'duration', message: 'expected a duration such as 30m, 2h or 1d', received: JSON.stringify(input.duration) });
    else {
      // An unreadable startsAt is reported by checkSilence below.
      const start = instantOf(startsAt);
      endsAt = start !== undefined ? start + d.value.ms : undefined;
    }
  } else if (endsAt === undefined) {
    issues.push({ path: 'endsAt', message: 'a silence needs an end: give endsAt or duration', expected: 'e.g. duration: 2h' });
  }
  if (issues.length > 0) return { status: 'invalid', issues };
  const checked = checkSilence({
    id: input.id ?? `sil_${randomBytes(8).toString('hex')}`,
    matchers: input.matchers,
    startsAt,
    endsAt,
    createdBy: ctx.actor,
    ...(input.comment !== undefined ? { comment: input.comment } : {}),
  });
  if (!checked.ok) return { status: 'invalid', issues: checked.issues.map((i) => (i.path === 'createdBy' ? { ...i, path: 'actor' } : i)) };
  const s = checked.value;
  const r = await ctx.store.createSilence<Matcher[]>(
    ctx.tenant,
    {
      id: s.id,
      matchers: s.matchers,
      startsAt: s.startsAt,
      endsAt: s.endsAt,
      createdAt: ctx.now,
      createdBy: s.createdBy,
      comment: s.comment,
    },
    { at: ctx.now, actor: ctx.actor, action: 'silence.create', subject: `silence:${s.id}`, after: s },
  );
  return { status: r.status, silence: r.value };
}

const probe = { id: 'x', matchers: [{ field: 'agreement', op: '=', values: ['x'] }], endsAt: 8.64e15, createdBy: 'x' };

/** An instant as checkSilence reads it (epoch ms or ISO 8601 with offset), or undefined (checkSilence then says why). */
function instantOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  const r = checkSilence({ ...probe, startsAt: v, endsAt: 8.64e15 });
  return r.ok ? r.value.startsAt : undefined;
}

export async function listSilences(
  ctx: Pick<SilenceContext, 'store' | 'tenant' | 'now'>,
  q: { active?: boolean; after?: string; limit?: number },
): Promise<Page<StoredSilence<Matcher[]>>> {
  return ctx.store.listSilences<Matcher[]>(ctx.tenant, {
    ...(q.active ? { activeAt: ctx.now } : {}),
    ...(q.after !== undefined ? { after: q.after } : {}),
    ...(q.limit !== undefined ? { limit: q.limit } : {}),
  });
}

export type SilenceExpiry = { status: 'expired' | 'ended'; silence: StoredSilence<Matcher[]> } | { status: 'not_found' };

export async function expireSilence(ctx: SilenceContext, id: string): Promise<SilenceExpiry> {
  const r = await ctx.store.expireSilence(
    ctx.tenant,
    id,
    { at: ctx.now, by: ctx.actor },
    { at: ctx.now, actor: ctx.actor, action: 'silence.expire', subject: `silence:${id}` },
  );
  return r.status === 'not_found' ? r : { status: r.status, silence: r.silence as StoredSilence<Matcher[]> };
}
