/**
 * POST /v1/measurements/prometheus: measures the tenant's ratio targets from the server's
 * Prometheus now (src/app/prometheus/measure-targets.ts), each over its current window, and records
 * the measurements as ratio.measured events; the answer says per target what was measured and what
 * could not be, and whether a retry helps. Writing events is what it does, so it takes the same
 * right as POST /v1/events. Without PLEDGE_PROMETHEUS_URL it answers 503 unavailable, naming it.
 */
import { z } from 'zod';
import { measurePrometheusTargets } from '../../app/prometheus/measure-targets.ts';
import { HttpError } from '../errors.ts';
import { defineOperation, type Deps, type Operation } from '../operation.ts';

const where = { agreement: z.string(), target: z.string(), window: z.string() };
export const PrometheusMeasurements = z.object({
  measured: z.array(z.object({ ...where, value: z.number().nullable(), event: z.string() })),
  failed: z.array(z.object({ ...where, error: z.string(), retryable: z.boolean() })),
});

export function prometheusOperations(deps: Deps): Operation[] {
  const { store, config } = deps;
  return [
    defineOperation({
      method: 'POST',
      url: '/v1/measurements/prometheus',
      operationId: 'measurePrometheusTargets',
      tag: 'events',
      summary: "Measure the ratio targets' current windows from Prometheus now",
      description:
        "For each ratio target (metric: ratio) of the tenant, good / total over the window that contains now, from the server's " +
        'Prometheus (PLEDGE_PROMETHEUS_URL; docs/prometheus.md), recorded as a ratio.measured event with the queries and answers as ' +
        'evidence, so compliance, budgets and alerts show it. `measured` lists what was recorded (value null: nothing scraped, no data); ' +
        '`failed` what could not be measured now, with the reason and whether a retry helps: those windows keep their previous figure.',
      action: 'events.write',
      responses: { 200: { description: '{ measured, failed }', schema: PrometheusMeasurements } },
      errors: { 503: 'unavailable: the server has no Prometheus configured (PLEDGE_PROMETHEUS_URL).' },
      async handler(c) {
        if (!config.prometheus)
          throw new HttpError('unavailable', 'no Prometheus is configured: set PLEDGE_PROMETHEUS_URL (docs/prometheus.md)');
        const r = await measurePrometheusTargets({
          store,
          tenant: c.principal.tenant,
          now: c.now,
          prometheus: config.prometheus,
          limits: config.limits,
          audit: { actor: c.principal.actor, requestId: c.requestId },
        });
        return { status: 200, body: r };
      },
    }),
  ];
}
