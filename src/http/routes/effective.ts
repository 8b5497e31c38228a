/**
 * The effective terms of an agreement: its chain of parents (corporate, customer, service level)
 * merged by the core (src/core/agreements/layering.ts), with the agreement and level each term
 * came from. Computed from the stored working documents on every request.
 */
import { z } from 'zod';
import { chainOf, mergeChain } from '../../core/agreements/layering.ts';
import { formatIssue } from '../../core/validation/issues.ts';
import { tenantAgreements } from '../../app/derive.ts';
import { HttpError } from '../errors.ts';
import { defineOperation, idParam, type Deps, type Operation } from '../operation.ts';
import { visibleAgreement } from './derived-access.ts';
import { EffectiveTerms } from '../schemas.ts';

export const effectiveParams = z.strictObject({ id: idParam });

export function effectiveOperations(deps: Deps): Operation[] {
  const { store } = deps;
  return [
    defineOperation({
      method: 'GET',
      url: '/v1/agreements/:id/effective',
      operationId: 'getEffectiveTerms',
      tag: 'agreements',
      summary: 'The effective terms of an agreement (its chain merged), with provenance',
      description:
        "The agreement's working document merged onto its parents (most general first), as the evaluation uses it. " +
        '`provenance` names, for every term, the agreement and level it came from. 409 when the chain cannot be merged ' +
        '(a missing parent, a cycle, merged terms that do not validate), with the issues.',
      action: 'agreements.read',
      params: effectiveParams,
      responses: {
        200: {
          description: '{ agreement, customer, service, chain: [{ id, level }], terms, provenance: [{ path, agreement, level }] }',
          schema: EffectiveTerms,
        },
      },
      errors: { 409: 'conflict: the chain cannot be merged (details.issues)' },
      async handler(c) {
        const p = c.principal;
        const id = c.params.id;
        await visibleAgreement(store, p, 'agreements.read', id);
        const { loaded, issues } = await tenantAgreements(store, p.tenant);
        const chain = chainOf(loaded, id);
        if (!chain.ok) {
          const own = issues.filter((i) => i.source === `agreement:${id}`);
          const all = own.length > 0 ? own : chain.issues;
          throw new HttpError('conflict', `the effective terms of ${id} cannot be computed: ${all.map(formatIssue).join('; ')}`, {
            issues: all,
          });
        }
        const leaf = chain.value[chain.value.length - 1]!.spec;
        const customer = leaf.parties.customer?.id ?? '';
        const service = leaf.services[0] ?? '';
        const eff = mergeChain(chain.value, customer, service);
        if (!eff.ok)
          throw new HttpError('conflict', `the effective terms of ${id} cannot be computed: ${eff.issues.map(formatIssue).join('; ')}`, {
            issues: eff.issues,
          });
        const e = eff.value;
        return {
          body: {
            agreement: id,
            customer: e.customer || null,
            service: e.service || null,
            chain: e.chain.map((x) => ({ id: x.id, level: x.level })),
            terms: e.terms,
            provenance: e.provenance,
          },
        };
      },
    }),
  ] as Operation[];
}
