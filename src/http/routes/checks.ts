/**
 * Portfolio checks over the tenant's stored agreements (src/core/agreements/checks.ts): every
 * (customer, service) pair is covered, and OLA/UC targets can back the customer targets. As
 * `pledge agreements check`, with the stored calendars for the length of a working day.
 */
import { z } from 'zod';
import { checkPortfolio } from '../../core/agreements/checks.ts';
import type { AgreementSpec } from '../../core/agreements/schema.ts';
import { formatIssue } from '../../core/validation/issues.ts';
import { tenantAgreements, tenantCalendarLoader } from '../../app/derive.ts';
import { defineOperation, type Deps, type Operation } from '../operation.ts';
import { PortfolioChecks } from '../schemas.ts';

export const checksQuery = z.strictObject({
  events: z
    .enum(['true', 'false'])
    .optional()
    .describe(
      'true: also require coverage of every (customer, service) pair named by a stored event (reads every event). false by default.',
    ),
  severity: z.enum(['problem', 'note', 'ok']).optional().describe('Only findings of this severity; all by default.'),
});

const DAY = 86_400_000;

export function checkOperations(deps: Deps): Operation[] {
  const { store } = deps;
  return [
    defineOperation({
      method: 'GET',
      url: '/v1/checks',
      operationId: 'checkPortfolio',
      tag: 'agreements',
      summary: 'Portfolio checks: coverage, and OLAs/UCs that can back each customer target',
      description:
        'Over every stored agreement of the tenant (their working documents). Coverage pairs come from the SLAs themselves and, with ' +
        'events=true, from the (customer, service) pairs of the stored events. `ok` is false when any finding is a problem. ' +
        '`unreadable` lists stored documents that could not be loaded (they are left out of the checks).',
      action: 'checks.read',
      query: checksQuery,
      responses: {
        200: { description: '{ ok, agreements, counts: { problem, note, ok }, findings, unreadable }', schema: PortfolioChecks },
      },
      async handler(c) {
        const tenant = c.principal.tenant;
        const { loaded, issues } = await tenantAgreements(store, tenant);
        const pairs = new Map<string, { customer: string; service: string }>();
        if (c.query.events === 'true') {
          let after: string | undefined;
          do {
            const page = await store.queryEvents(tenant, { limit: 1000, ...(after ? { after } : {}) });
            for (const e of page.items)
              if (e.customer !== undefined && e.service !== undefined)
                pairs.set(`${e.customer}\u0000${e.service}`, { customer: e.customer, service: e.service });
            after = page.next;
          } while (after);
        }
        // `wd` durations count as the day length of the calendar they are measured in.
        const calendar = await tenantCalendarLoader(store, tenant);
        const dayLengthMs = (a: AgreementSpec, name: string | undefined): number => {
          if (name === undefined || name === '24x7') return DAY;
          const ref = a.calendars[name];
          const cal = ref !== undefined ? calendar(ref) : undefined;
          return cal?.ok ? cal.value.dayLengthMs : 8 * 3_600_000;
        };
        const findings = checkPortfolio({ portfolio: loaded, pairs: [...pairs.values()], dayLengthMs });
        const counts = { problem: 0, note: 0, ok: 0 };
        for (const f of findings) counts[f.severity]++;
        const shown = c.query.severity === undefined ? findings : findings.filter((f) => f.severity === c.query.severity);
        return {
          body: { ok: counts.problem === 0, agreements: loaded.length, counts, findings: shown, unreadable: issues.map(formatIssue) },
        };
      },
    }),
  ] as Operation[];
}
