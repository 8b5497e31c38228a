/**
 * Agreements: apply (create or update from YAML or JSON), read, versions, diff and lifecycle.
 *
 * The rules are the core's (src/core/agreements/lifecycle): a draft is edited in place; a change to
 * an approved, active, suspended or expired agreement is an amendment and becomes a new version; an
 * agreement in review or terminated cannot change; transitions follow the state machine. This file
 * only reads the stored history, asks the core, and writes the answer back with the store's
 * compare-and-set on the ETag, so no update is lost.
 *
 * The stored document is the document as written (after YAML/JSON parsing, before defaults), so a
 * diff shows what people changed, not defaults filled in.
 */
import { z } from 'zod';
import { authorize, type Action, type Principal } from '../../core/access/policy.ts';
import { agreementFromText } from '../../core/agreements/load.ts';
import { agreementSpec } from '../../core/agreements/schema.ts';
import {
  currentTerm,
  diffVersions,
  legalTransitions,
  LIFECYCLE_STATES,
  monitoredIntervals,
  renderDiff,
  SIGNING_PARTIES,
  type Transition,
  type Version,
} from '../../core/agreements/lifecycle/index.ts';
import type { Issue } from '../../core/validation/issues.ts';
import type { StoredAgreement } from '../../store/types.ts';
import { HttpError, invalid } from '../errors.ts';
import {
  compact,
  defineOperation,
  DOCUMENT_BODY,
  header,
  idParam,
  instant,
  iso,
  pageQuery,
  parseJsonBody,
  type Deps,
  type Operation,
} from '../operation.ts';
import { DOCUMENT_MEDIA } from './calendars.ts';
import { ifMatchOf } from './preconditions.ts';
import { AgreementPage, Agreement, ApplyDryRun, ApplyResult, Diff, Lifecycle, TransitionResult, VersionList } from '../schemas.ts';
import { applyAgreement, checkAgainstStored, transitionAgreement } from '../../app/agreements.ts';

export const agreementParams = z.strictObject({ id: idParam });
export const agreementListQuery = z.strictObject({
  customer: z.string().min(1).max(200).optional(),
  state: z.enum(LIFECYCLE_STATES).optional(),
  ...pageQuery,
});
export const diffQuery = z.strictObject({
  from: z.coerce.number().int().min(1).max(1_000_000).describe('Version number'),
  to: z.coerce.number().int().min(1).max(1_000_000).describe('Version number'),
});
export const transitionBody = z.strictObject({
  to: z.enum(LIFECYCLE_STATES).describe('The state to move to; the action follows from the current state.'),
  at: instant
    .optional()
    .describe(
      'When the new state begins (ISO 8601 with offset); now when absent. In the past: a back-dated transition ' +
        '(a contract signed before it was entered), for admin and manager tokens only, not before the previous ' +
        'transition, marked as back-dated in the lifecycle and the audit log.',
    ),
  reason: z.string().min(1).max(2000).optional().describe('Required to suspend or terminate.'),
  signatures: z
    .array(
      z.strictObject({
        party: z.enum(SIGNING_PARTIES),
        name: z.string().min(1).max(200),
        title: z.string().min(1).max(200).optional(),
        at: instant,
      }),
    )
    .max(20)
    .optional()
    .describe('Approval: who signed for the provider and the customer, and when.'),
  term: z
    .strictObject({ start: instant, end: instant.optional() })
    .optional()
    .describe('Approval: the signed term (its start is the effective instant); renewal: the new term.'),
});

type Doc = Record<string, unknown>;

function presentAgreement(a: StoredAgreement, withDocument: boolean) {
  const d = (a.document ?? {}) as { name?: unknown; kind?: unknown; level?: unknown; services?: unknown };
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return compact({
    id: a.id,
    state: a.state,
    customer: a.customer,
    name: text(d.name),
    kind: text(d.kind),
    level: text(d.level),
    services: Array.isArray(d.services) ? d.services.filter((x): x is string => typeof x === 'string') : undefined,
    etag: a.etag,
    versionCount: a.versionCount,
    transitionCount: a.transitionCount,
    reviewCount: a.reviewCount,
    createdAt: iso(a.createdAt),
    createdBy: a.createdBy,
    updatedAt: iso(a.updatedAt),
    updatedBy: a.updatedBy,
    // Stored documents are objects: apply refuses anything else.
    document: withDocument ? (a.document as Record<string, unknown>) : undefined,
  });
}

function presentVersion(v: Version) {
  const document = v.document as Record<string, unknown>;
  return compact({
    version: v.version,
    effective: iso(v.effective),
    effectiveDate: v.effectiveDate,
    createdAt: iso(v.createdAt),
    createdBy: v.createdBy,
    note: v.note,
    document,
  });
}

function presentTransition(t: Transition) {
  return compact({
    from: t.from,
    to: t.to,
    action: t.action,
    at: iso(t.at),
    by: t.by,
    reason: t.reason,
    signatures: t.signatures?.map((s) => compact({ party: s.party, name: s.name, title: s.title, at: iso(s.at) })),
    term: t.term ? compact({ start: iso(t.term.start), end: iso(t.term.end) }) : undefined,
    requestedAt: iso(t.requestedAt),
    recordedAt: iso(t.recordedAt),
    backdated: t.backdated,
  });
}

/** The core names request fields `request.signatures[0].at`; the client sent `signatures[0].at`. */
function bodyIssues(issues: Issue[]): Issue[] {
  return issues.map((i) => ({ ...i, path: i.path.replace(/^request\.?/, '') }));
}

/** The agreement if it exists and the principal may act on it; 404 otherwise (existence is not revealed). */
function checkAccess(p: Principal, action: Action, a: StoredAgreement | undefined, id: string): StoredAgreement {
  if (!a) throw new HttpError('not_found', `no agreement ${id}`);
  const d = authorize(p, action, { tenant: p.tenant, ...(a.customer !== undefined ? { customer: a.customer } : {}) });
  if (!d.allowed)
    throw d.code === 'forbidden' ? new HttpError('forbidden', d.reason, { action }) : new HttpError('not_found', `no agreement ${id}`);
  return a;
}

export const applyQuery = z.strictObject({
  dryRun: z.enum(['true', 'false']).optional().describe('true: check the document and answer what would change, writing nothing.'),
});

export function agreementOperations(deps: Deps): Operation[] {
  const { store } = deps;
  return [
    defineOperation({
      method: 'PUT',
      url: '/v1/agreements/:id',
      operationId: 'applyAgreement',
      tag: 'agreements',
      summary: 'Apply an agreement document (create or update)',
      description:
        'YAML or JSON (docs/agreements.md); the id in the document must be the one in the path. Creating needs no precondition; ' +
        'updating needs If-Match with the current ETag (428 without, 412 when stale). A draft is edited in place; an approved, active, ' +
        'suspended or expired agreement is amended (a new version, effective at `effective` in the agreement timezone, or now); ' +
        'an agreement in review or terminated cannot change (409). The answer lists the changes. With dryRun=true nothing is ' +
        'written: the answer says what would happen ({ dryRun, result, changes }).',
      action: 'agreements.write',
      params: agreementParams,
      query: applyQuery,
      headers: [{ name: 'If-Match', description: 'The ETag of the agreement being updated (required for updates).' }],
      body: { media: DOCUMENT_MEDIA, schema: agreementSpec, required: true, limit: DOCUMENT_BODY },
      responses: {
        200: {
          description: '{ result: updated | amended | unchanged, agreement, changes }; with dryRun=true, { dryRun, result, changes }',
          schema: z.union([ApplyResult, ApplyDryRun]),
        },
        201: { description: '{ result: created, agreement, changes }', schema: ApplyResult },
      },
      errors: {
        409: 'conflict: the agreement is in review or terminated',
        412: 'precondition_failed: If-Match is stale',
        428: 'precondition_required: an update without If-Match',
      },
      async handler(c) {
        const { tenant } = c.principal;
        const id = c.params.id;
        const existing = await store.getAgreement<Doc>(tenant, id);
        if (existing) checkAccess(c.principal, 'agreements.write', existing, id);
        const ifMatchHeader = header(c, 'if-match');
        const loaded = agreementFromText(c.body!, `agreements/${id}`);
        if (!loaded.ok) throw invalid(loaded.issues, 'body');
        const spec = loaded.value.spec;
        if (spec.id !== id)
          throw invalid(
            [
              {
                path: 'id',
                message: `the document is agreement ${JSON.stringify(spec.id)}, but the path names ${JSON.stringify(id)}`,
                expected: JSON.stringify(id),
                received: JSON.stringify(spec.id),
              },
            ],
            'body',
          );
        if (existing === undefined && ifMatchHeader !== undefined)
          throw new HttpError('precondition_failed', `agreement ${id} does not exist; leave out If-Match to create it`);
        if (existing !== undefined && ifMatchHeader === undefined)
          throw new HttpError(
            'precondition_required',
            `agreement ${id} exists: send If-Match with its ETag (GET /v1/agreements/${id}) to update it`,
            { etag: existing.etag },
          );
        const ifMatch = existing ? ifMatchOf(ifMatchHeader, existing.etag) : undefined;
        // Across documents: the parent exists among the stored agreements, and the merged terms are valid.
        const across = await checkAgainstStored(store, tenant, [loaded.value]);
        if (across.length > 0)
          throw invalid(
            across.map(({ source: _s, ...i }) => i),
            'body',
          );
        const dryRun = c.query.dryRun === 'true';
        const r = await applyAgreement(
          { store, tenant, actor: c.principal.actor, now: c.now },
          { loaded: loaded.value, dryRun, ...(ifMatch !== undefined ? { ifMatch } : {}) },
        );
        if (!r.ok) {
          if (r.code === 'invalid') throw invalid(r.issues ?? [], 'body');
          throw new HttpError(r.code, r.message, { ...(r.details ?? {}), ...(r.issues ? { issues: r.issues } : {}) });
        }
        if (dryRun)
          return {
            body: { dryRun: true, result: r.result, changes: r.changes, ...(r.version ? { version: presentVersion(r.version) } : {}) },
          };
        const agreement = r.agreement!;
        return {
          ...(r.result === 'created' ? { status: 201 } : {}),
          body: {
            result: r.result,
            agreement: presentAgreement(agreement, true),
            changes: r.changes,
            ...(r.version ? { version: presentVersion(r.version) } : {}),
          },
          headers: { etag: agreement.etag },
        };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/agreements',
      operationId: 'listAgreements',
      tag: 'agreements',
      summary: 'List agreements',
      description: 'By id, paginated, without their documents. A customer token sees only its own.',
      action: 'agreements.read',
      query: agreementListQuery,
      responses: { 200: { description: '{ items, next? }, without documents', schema: AgreementPage } },
      async handler(c) {
        const p = c.principal;
        const customer = c.query.customer ?? p.customer;
        // A customer asking for another customer's list gets the policy's answer (not found).
        const d = authorize(p, 'agreements.read', { tenant: p.tenant, ...(customer !== undefined ? { customer } : {}) });
        if (!d.allowed) throw new HttpError(d.code, d.code === 'not_found' ? `no agreements for customer ${customer}` : d.reason);
        const page = await store.listAgreements(
          p.tenant,
          compact({ customer, state: c.query.state, after: c.query.after, limit: c.query.limit }),
        );
        return { body: compact({ items: page.items.map((a) => presentAgreement(a, false)), next: page.next }) };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/agreements/:id',
      operationId: 'getAgreement',
      tag: 'agreements',
      summary: 'Get an agreement (working document, state, ETag)',
      action: 'agreements.read',
      params: agreementParams,
      responses: { 200: { description: 'The agreement, with an ETag header', schema: Agreement } },
      async handler(c) {
        const a = checkAccess(c.principal, 'agreements.read', await store.getAgreement(c.principal.tenant, c.params.id), c.params.id);
        return { body: presentAgreement(a, true), headers: { etag: a.etag } };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/agreements/:id/versions',
      operationId: 'listAgreementVersions',
      tag: 'agreements',
      summary: 'The versions of an agreement (1 is the approved document, then amendments)',
      action: 'agreements.read',
      params: agreementParams,
      responses: { 200: { description: '{ items }', schema: VersionList } },
      async handler(c) {
        checkAccess(c.principal, 'agreements.read', await store.getAgreement(c.principal.tenant, c.params.id), c.params.id);
        const versions = await store.listVersions(c.principal.tenant, c.params.id);
        return { body: { items: versions.map(presentVersion) } };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/agreements/:id/diff',
      operationId: 'diffAgreementVersions',
      tag: 'agreements',
      summary: 'What changed between two versions',
      action: 'agreements.read',
      params: agreementParams,
      query: diffQuery,
      responses: { 200: { description: '{ from, to, changes, text }', schema: Diff } },
      async handler(c) {
        checkAccess(c.principal, 'agreements.read', await store.getAgreement(c.principal.tenant, c.params.id), c.params.id);
        const versions = await store.listVersions(c.principal.tenant, c.params.id);
        const r = diffVersions(versions, c.query.from, c.query.to);
        if (!r.ok)
          throw new HttpError('not_found', r.issues.map((i) => `${i.path}: ${i.message}`).join('; '), { in: 'query', issues: r.issues });
        return { body: { from: c.query.from, to: c.query.to, changes: r.value, text: renderDiff(r.value) } };
      },
    }),
    defineOperation({
      method: 'POST',
      url: '/v1/agreements/:id/transitions',
      operationId: 'transitionAgreement',
      tag: 'agreements',
      summary: 'Move an agreement through its lifecycle',
      description:
        'draft -> in_review -> approved (both signatures and the term) -> active; suspend/resume, expire, renew, terminate (docs: lifecycle). ' +
        'An illegal move is 409 illegal_transition with the legal ones in details.legal. Approval records the working document as version 1. ' +
        'If-Match is optional here (the document cannot change while in review, and the state machine refuses stale moves), ' +
        'and honoured when sent. A past `at` records a transition back-dated (admin and manager only, 403 otherwise; never ' +
        'before the previous transition, 422): the transition is marked `backdated` with its `recordedAt`, the audit entry ' +
        'keeps both instants, and the derived results are recomputed.',
      action: 'agreements.transition',
      params: agreementParams,
      headers: [{ name: 'If-Match', description: 'Optional: the ETag the transition is based on.' }],
      body: { media: ['application/json'], schema: transitionBody, required: true, limit: DOCUMENT_BODY },
      responses: { 200: { description: '{ agreement, transition }', schema: TransitionResult } },
      errors: {
        409: 'illegal_transition (details.legal lists the legal moves) or conflict',
        412: 'precondition_failed: If-Match is stale',
      },
      async handler(c) {
        const { tenant, actor, role } = c.principal;
        const id = c.params.id;
        const a = checkAccess(c.principal, 'agreements.transition', await store.getAgreement<Doc>(tenant, id), id);
        const ifMatchHeader = header(c, 'if-match');
        const ifMatch = ifMatchHeader === undefined ? undefined : ifMatchOf(ifMatchHeader, a.etag)!;
        const b = parseJsonBody(transitionBody, c.body);
        const input = compact({ id, ifMatch, to: b.to, at: b.at, reason: b.reason, signatures: b.signatures, term: b.term });
        const r = await transitionAgreement({ store, tenant, actor, role, now: c.now }, input);
        if (!r.ok) {
          const issues = bodyIssues(r.issues ?? []);
          if (r.code === 'invalid') throw invalid(issues, 'body');
          throw new HttpError(r.code, r.code === 'illegal_transition' ? (issues[0]?.message ?? r.message) : r.message, {
            ...(r.details ?? {}),
            ...(r.code === 'illegal_transition' ? { issues } : {}),
          });
        }
        return {
          body: { agreement: presentAgreement(r.agreement, false), transition: presentTransition(r.transition) },
          headers: { etag: r.agreement.etag },
        };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/agreements/:id/lifecycle',
      operationId: 'getAgreementLifecycle',
      tag: 'agreements',
      summary: 'State, transitions, legal moves, term and monitored intervals',
      action: 'agreements.read',
      params: agreementParams,
      responses: { 200: { description: '{ state, legal, term, transitions, monitored }', schema: Lifecycle } },
      async handler(c) {
        const a = checkAccess(c.principal, 'agreements.read', await store.getAgreement(c.principal.tenant, c.params.id), c.params.id);
        const history = await store.getLifecycle(c.principal.tenant, c.params.id);
        if (!history) throw new HttpError('not_found', `no agreement ${c.params.id}`);
        const term = currentTerm(history);
        // A customer sees every move, its date and its reason, but not which of the provider's
        // people made it (issue 10: never agents' names in the portal).
        const internal = c.principal.role !== 'customer';
        return {
          body: {
            state: a.state,
            legal: legalTransitions(a.state),
            term: term ? compact({ start: iso(term.start), end: iso(term.end) }) : null,
            createdAt: iso(history.createdAt),
            ...(internal ? { createdBy: history.createdBy } : {}),
            transitions: history.transitions.map((t) => {
              const shown = presentTransition(t);
              if (internal) return shown;
              const { by: _by, ...rest } = shown;
              return rest;
            }),
            // `to: null` while still monitored.
            monitored: monitoredIntervals(history).map((m) => compact({ from: iso(m.from), to: iso(m.to) ?? null, endedBy: m.endedBy })),
          },
          headers: { etag: a.etag },
        };
      },
    }),
  ] as Operation[];
}
