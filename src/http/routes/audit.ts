/** The audit log: every change, who made it, when, and the state before and after. */
import { z } from 'zod';
import type { AuditEntry } from '../../store/types.ts';
import { compact, defineOperation, iso, pageQuery, type Deps, type Operation } from '../operation.ts';
import { AuditPage } from '../schemas.ts';

export const auditQuery = z.strictObject({
  subject: z.string().min(1).max(300).optional().describe('e.g. agreement:acme-gold, token:tok_123'),
  actor: z.string().min(1).max(200).optional(),
  order: z.enum(['oldest', 'newest']).optional().describe('oldest first by default'),
  ...pageQuery,
});

/**
 * The state before and after as recorded, with its instants as ISO 8601 like every instant the API
 * shows: changes record some as epoch ms (a token's createdAt, a transition's at). An instant is a
 * finite number under a key `at` or ending in `At`; documents (`document`) are shown as written.
 */
function presentState(v: unknown, key = ''): unknown {
  if (typeof v === 'number') return Number.isFinite(v) && (key === 'at' || key.endsWith('At')) ? iso(v) : v;
  if (Array.isArray(v)) return v.map((x) => presentState(x));
  if (v === null || typeof v !== 'object' || key === 'document') return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, presentState(x, k)]));
}

function presentAudit(e: AuditEntry) {
  const { seq, actor, action, subject } = e;
  return compact({ seq, at: iso(e.at), actor, action, subject, before: presentState(e.before), after: presentState(e.after) });
}

export function auditOperations(deps: Deps): Operation[] {
  const { store } = deps;
  return [
    defineOperation({
      method: 'GET',
      url: '/v1/audit',
      operationId: 'listAudit',
      tag: 'audit',
      summary: 'Read the audit log',
      description: 'For auditors, managers and admins.',
      action: 'audit.read',
      query: auditQuery,
      responses: { 200: { description: 'A page of audit entries: { items, next? }', schema: AuditPage } },
      async handler(c) {
        const q = c.query;
        const page = await store.listAudit(
          c.principal.tenant,
          compact({
            subject: q.subject,
            actor: q.actor,
            newestFirst: q.order === 'newest' ? true : undefined,
            after: q.after,
            limit: q.limit,
          }),
        );
        return { body: compact({ items: page.items.map(presentAudit), next: page.next }) };
      },
    }),
  ] as Operation[];
}
