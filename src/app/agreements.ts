/**
 * Applying an agreement document (create or change), the use case behind `PUT /v1/agreements/{id}`
 * and `pledge apply`. The rules are the core's: a draft is edited in place; a change to an approved,
 * active, suspended or expired agreement is an amendment (a new version, effective at the
 * document's `effective` date in its timezone, or now); in review or terminated it cannot change.
 * The store's compare-and-set on the ETag makes sure no update is lost.
 */
import type { LoadedAgreement } from '../core/agreements/load.ts';
import { checkDocuments } from '../core/agreements/layering.ts';
import { tenantAgreements } from './derive.ts';
import {
  addVersion,
  applyTransition,
  changeKind,
  diffDocuments,
  legalTransitions,
  type Change,
  type EffectiveInput,
  type LifecycleState,
  type Transition,
  type TransitionRequest,
  type Version,
} from '../core/agreements/lifecycle/index.ts';
import type { Issue } from '../core/validation/issues.ts';
import { authorize, type Role } from '../core/access/policy.ts';
import type { Store, StoredAgreement } from '../store/types.ts';

export type Doc = Record<string, unknown>;

export type ApplyResult =
  | {
      ok: true;
      result: 'created' | 'updated' | 'amended' | 'unchanged';
      agreement: StoredAgreement<Doc> | null;
      changes: Change[];
      version?: Version<Doc>;
      dryRun: boolean;
    }
  | {
      ok: false;
      code: 'invalid' | 'precondition_failed' | 'conflict' | 'not_found';
      message: string;
      issues?: Issue[];
      details?: Record<string, unknown>;
    };

export interface ApplyContext {
  store: Store;
  tenant: string;
  actor: string;
  now: number;
}

export interface ApplyInput {
  loaded: LoadedAgreement;
  /**
   * The ETag the caller read (compare-and-set). Undefined: apply to whatever is stored now (the
   * CLI's `apply`, which shows the diff against it); HTTP requires it for updates itself.
   */
  ifMatch?: string;
  /** Work out and report the changes, write nothing. */
  dryRun?: boolean;
}

export async function applyAgreement(ctx: ApplyContext, input: ApplyInput): Promise<ApplyResult> {
  const { store, tenant, actor, now } = ctx;
  const spec = input.loaded.spec;
  const id = spec.id;
  // JSON round trip: the stored document is plain JSON whatever YAML produced.
  const document = JSON.parse(JSON.stringify(input.loaded.raw)) as Doc;
  const customer = spec.parties.customer?.id;
  const existing = await store.getAgreement<Doc>(tenant, id);

  if (!existing) {
    if (input.ifMatch !== undefined)
      return { ok: false, code: 'precondition_failed', message: `agreement ${id} does not exist; leave out If-Match to create it` };
    const changes = diffDocuments(undefined, document);
    if (input.dryRun) return { ok: true, result: 'created', agreement: null, changes, dryRun: true };
    const r = await store.createAgreement(
      tenant,
      { id, document, ...(customer !== undefined ? { customer } : {}), createdAt: now, createdBy: actor },
      {
        at: now,
        actor,
        action: 'agreement.create',
        subject: `agreement:${id}`,
        after: { document, ...(customer !== undefined ? { customer } : {}) },
      },
    );
    if (r.status === 'exists')
      return {
        ok: false,
        code: 'precondition_failed',
        message: `agreement ${id} was created meanwhile: read it and apply again`,
        details: { etag: r.value.etag },
      };
    return { ok: true, result: 'created', agreement: r.value, changes, dryRun: false };
  }

  const ifMatch = input.ifMatch ?? existing.etag;
  if (ifMatch !== existing.etag)
    return {
      ok: false,
      code: 'precondition_failed',
      message: `agreement ${id} has changed since it was read`,
      details: { etag: existing.etag },
    };
  const changes = diffDocuments(existing.document, document);
  if (changes.length === 0) return { ok: true, result: 'unchanged', agreement: existing, changes, dryRun: input.dryRun === true };
  const kind = changeKind(existing.state);
  if (!kind.ok)
    return { ok: false, code: 'conflict', message: kind.issues[0]!.message, issues: kind.issues, details: { state: existing.state } };

  let versions: Version<Doc>[] | undefined;
  if (kind.value === 'amendment') {
    const effective: EffectiveInput = spec.effective !== undefined ? { date: spec.effective, zone: spec.timezone ?? 'UTC' } : now;
    const added = addVersion(await store.listVersions<Doc>(tenant, id), { effective, document, createdAt: now, createdBy: actor });
    if (!added.ok) return { ok: false, code: 'invalid', message: added.issues.map((i) => i.message).join('; '), issues: added.issues };
    versions = [added.value[added.value.length - 1]!];
  }
  const result = kind.value === 'amendment' ? 'amended' : 'updated';
  if (input.dryRun) return { ok: true, result, agreement: existing, changes, ...(versions ? { version: versions[0]! } : {}), dryRun: true };
  const r = await store.updateAgreement<Doc>(
    tenant,
    id,
    ifMatch,
    { document, customer: customer ?? null, ...(versions ? { versions } : {}), at: now, by: actor },
    {
      at: now,
      actor,
      action: kind.value === 'amendment' ? 'agreement.amend' : 'agreement.update',
      subject: `agreement:${id}`,
      before: { document: existing.document, ...(existing.customer !== undefined ? { customer: existing.customer } : {}) },
      after: { document, ...(customer !== undefined ? { customer } : {}), ...(versions ? { version: versions[0]!.version } : {}) },
    },
  );
  if (r.status === 'not_found') return { ok: false, code: 'not_found', message: `no agreement ${id}` };
  if (r.status === 'stale')
    return {
      ok: false,
      code: 'precondition_failed',
      message: `agreement ${id} has changed since it was read`,
      details: { etag: r.current.etag },
    };
  return { ok: true, result, agreement: r.agreement, changes, ...(versions ? { version: versions[0]! } : {}), dryRun: false };
}

/**
 * The checks across documents (src/core/agreements/layering.ts checkDocuments) for documents about
 * to be applied, against the tenant's stored agreements: every parent exists (given or stored), is
 * a more general level and forms no cycle, and each chain's effective terms are valid as a whole.
 * A stored agreement with the id of one being applied is replaced by it for the check.
 */
export async function checkAgainstStored(store: Store, tenant: string, docs: readonly LoadedAgreement[]): Promise<Issue[]> {
  const ids = new Set(docs.map((d) => d.spec.id));
  const { loaded } = await tenantAgreements(store, tenant);
  return checkDocuments(
    docs,
    loaded.filter((a) => !ids.has(a.spec.id)),
  );
}

/** Parents before their children, so each document's parent exists when it is applied. */
export function parentsFirst(docs: readonly LoadedAgreement[]): LoadedAgreement[] {
  const byId = new Map(docs.map((d) => [d.spec.id, d] as const));
  const out: LoadedAgreement[] = [];
  const placed = new Set<LoadedAgreement>();
  const place = (d: LoadedAgreement, depth: number) => {
    if (placed.has(d) || depth > docs.length) return;
    const parent = d.spec.parent !== undefined ? byId.get(d.spec.parent) : undefined;
    if (parent && parent !== d) place(parent, depth + 1);
    if (!placed.has(d)) {
      placed.add(d);
      out.push(d);
    }
  };
  for (const d of docs) place(d, 0);
  return out;
}

export type TransitionResult =
  | { ok: true; agreement: StoredAgreement<Doc>; transition: Transition; version?: Version<Doc> }
  | {
      ok: false;
      code: 'not_found' | 'precondition_failed' | 'illegal_transition' | 'invalid' | 'forbidden';
      message: string;
      issues?: Issue[];
      details?: Record<string, unknown>;
    };

export interface TransitionContext extends ApplyContext {
  /** The caller's role, for the access policy: a back-dated transition needs `agreements.backdate`. */
  role: Role;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Moves an agreement through its lifecycle (the core's state machine decides what is legal), the
 * use case behind POST /v1/agreements/{id}/transitions and `pledge transition`. Approval records
 * the working document as version 1, in force from the signed term's start. `ifMatch`: the ETag
 * the move is based on; without it, the agreement as stored now.
 *
 * Back-dated (`at` before now: a contract signed in the past, entered today): only for the roles
 * with `agreements.backdate` (admin, manager), never before the previous transition (the core
 * refuses), and marked in the audit log with both instants, when it takes effect and when and by
 * whom it was recorded. Like every transition it invalidates the tenant's derived results in the
 * same transaction (the store does), so the next report recomputes the periods it changes.
 */
export async function transitionAgreement(
  ctx: TransitionContext,
  input: {
    id: string;
    ifMatch?: string;
    to: LifecycleState;
    at?: number;
    reason?: string;
    signatures?: TransitionRequest['signatures'];
    term?: TransitionRequest['term'];
  },
): Promise<TransitionResult> {
  const { store, tenant, actor, now, role } = ctx;
  const a = await store.getAgreement<Doc>(tenant, input.id);
  if (!a) return { ok: false, code: 'not_found', message: `no agreement ${input.id}` };
  const etag = input.ifMatch ?? a.etag;
  if (etag !== a.etag)
    return {
      ok: false,
      code: 'precondition_failed',
      message: `agreement ${input.id} has changed since it was read`,
      details: { etag: a.etag },
    };
  const history = await store.getLifecycle(tenant, input.id);
  if (!history) return { ok: false, code: 'not_found', message: `no agreement ${input.id}` };
  const request: TransitionRequest = { to: input.to, at: input.at ?? now, by: actor, recordedAt: now };
  if (input.reason !== undefined) request.reason = input.reason;
  if (input.signatures !== undefined) request.signatures = input.signatures;
  if (input.term !== undefined) request.term = input.term;
  const next = applyTransition(history, request);
  if (!next.ok) {
    const legal = legalTransitions(a.state);
    if (!legal.some((m) => m.to === input.to))
      return {
        ok: false,
        code: 'illegal_transition',
        message: next.issues[0]?.message ?? `illegal transition from ${a.state} to ${input.to}`,
        issues: next.issues,
        details: { state: a.state, requested: input.to, legal },
      };
    return { ok: false, code: 'invalid', message: next.issues.map((i) => i.message).join('; '), issues: next.issues };
  }
  const t = next.value.transitions[next.value.transitions.length - 1]!;
  if (t.backdated) {
    const resource = { tenant, ...(a.customer !== undefined ? { customer: a.customer } : {}) };
    if (!authorize({ tenant, role, actor }, 'agreements.backdate', resource).allowed) {
      const message = `the ${role} role may not record a back-dated transition (taking effect at ${iso(t.at)}, before now): only admin and manager may`;
      const issue = { path: 'at', message, expected: 'no --at (now), or an admin or manager token', received: iso(t.at) };
      return { ok: false, code: 'forbidden', message, issues: [issue] };
    }
  }
  let version: Version<Doc> | undefined;
  if (t.action === 'approve') {
    const added = addVersion<Doc>(await store.listVersions<Doc>(tenant, input.id), {
      effective: t.term!.start,
      document: a.document,
      createdAt: now,
      createdBy: actor,
      note: 'approved',
    });
    if (!added.ok) return { ok: false, code: 'invalid', message: added.issues.map((i) => i.message).join('; '), issues: added.issues };
    version = added.value[added.value.length - 1]!;
  }
  const r = await store.updateAgreement(
    tenant,
    input.id,
    etag,
    { transitions: [t], ...(version ? { versions: [version] } : {}), at: now, by: actor },
    {
      at: now,
      actor,
      action: 'agreement.transition',
      subject: `agreement:${input.id}`,
      before: { state: a.state },
      after: {
        state: t.to,
        action: t.action,
        at: iso(t.at),
        ...(t.requestedAt !== undefined ? { requestedAt: iso(t.requestedAt) } : {}),
        // Back-dated: the effective instant above, and who recorded it when (the entry's own actor and instant, repeated here).
        ...(t.backdated ? { backdated: true, recordedAt: iso(now), recordedBy: actor } : {}),
        ...(version ? { version: version.version } : {}),
      },
    },
  );
  if (r.status === 'not_found') return { ok: false, code: 'not_found', message: `no agreement ${input.id}` };
  if (r.status === 'stale')
    return {
      ok: false,
      code: 'precondition_failed',
      message: `agreement ${input.id} changed while the transition was being made; read it again`,
      details: { etag: r.current.etag },
    };
  return { ok: true, agreement: r.agreement, transition: t, ...(version ? { version } : {}) };
}
