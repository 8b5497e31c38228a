/**
 * Incidents told to the public: opened on services at a level, updated, resolved; each change
 * audited. An incident is one document replaced whole under its ETag (store: putIncident), so an
 * update is read-modify-write: when someone else's update lands in between, the write is stale and
 * is made again on the new document (up to a few times), so no update is ever lost.
 */
import { randomBytes } from 'node:crypto';
import { fail, ok, type Result } from '../../core/validation/issues.ts';
import { validate } from '../../core/validation/zod.ts';
import type { Store, StoredIncident } from '../../store/types.ts';
import { incidentUpdateBody, openIncidentBody, type IncidentDoc } from './spec.ts';

export interface IncidentContext {
  store: Store;
  tenant: string;
  now: number;
  actor: string;
}

export async function openIncident(ctx: IncidentContext, body: unknown): Promise<Result<StoredIncident<IncidentDoc> | 'exists'>> {
  const r = validate(openIncidentBody, body);
  if (!r.ok) return r;
  const b = r.value;
  const id = b.id ?? `inc-${ctx.now.toString(36)}-${randomBytes(3).toString('hex')}`;
  const doc: IncidentDoc = {
    title: b.title,
    services: [...new Set(b.services)],
    level: b.level,
    updates: [{ at: ctx.now, status: b.status, level: b.level, message: b.message, by: ctx.actor }],
  };
  const put = await ctx.store.putIncident<IncidentDoc>(ctx.tenant, { id, doc, openedAt: ctx.now, at: ctx.now, by: ctx.actor }, null, {
    at: ctx.now,
    actor: ctx.actor,
    action: 'incident.open',
    subject: `incident:${id}`,
    after: doc,
  });
  return ok(put.status === 'stale' ? 'exists' : put.incident);
}

/** Posts an update; `status: resolved` resolves it. Updating a resolved incident reopens it unless the update resolves it again. */
export async function updateIncident(
  ctx: IncidentContext,
  id: string,
  body: unknown,
): Promise<Result<StoredIncident<IncidentDoc> | 'not_found'>> {
  const r = validate(incidentUpdateBody, body);
  if (!r.ok) return r;
  const u = r.value;
  for (let attempt = 0; attempt < 5; attempt++) {
    const cur = await ctx.store.getIncident<IncidentDoc>(ctx.tenant, id);
    if (!cur) return ok('not_found');
    const level = u.level ?? cur.doc.level;
    const doc: IncidentDoc = {
      ...cur.doc,
      level,
      updates: [
        ...cur.doc.updates,
        { at: ctx.now, status: u.status, ...(u.level ? { level: u.level } : {}), message: u.message, by: ctx.actor },
      ],
    };
    const resolved = u.status === 'resolved';
    const put = await ctx.store.putIncident<IncidentDoc>(
      ctx.tenant,
      { id, doc, openedAt: cur.openedAt, ...(resolved ? { resolvedAt: ctx.now } : {}), at: ctx.now, by: ctx.actor },
      cur.etag,
      {
        at: ctx.now,
        actor: ctx.actor,
        action: resolved ? 'incident.resolve' : 'incident.update',
        subject: `incident:${id}`,
        after: doc.updates.at(-1),
      },
    );
    if (put.status !== 'stale') return ok(put.incident);
  }
  return fail({ path: '', message: `incident ${id} is being updated by others at this moment: try again` });
}
