/**
 * POST /v1/measurements/prometheus: measures the tenant's ratio targets from the server's
 * Prometheus now (src/app/prometheus/measure-targets.ts), each over its current window, and records
 * the measurements as ratio.measured events; the answer says per target what was measured and what
 * could not be, and whether a retry helps. Writing events is what it does, so it takes the same
 * right as POST /v1/events. Without PLEDGE_PROMETHEUS_URL it answers 503 unavailable, naming it.
 * A body `{ "from": instant }` also backfills: each calendar window that ended after `from` and
 * has no final figure gets one. `from` goes back at most MAX_BACKFILL_MS (a year and a month of
 * windows: a request stays a few dozen queries per target) and is before now; anything else is a
 * 422 naming `from`.
 */
import { z } from 'zod';
import { measurePrometheusTargets } from '../../app/prometheus/measure-targets.ts';
import { formatInstant } from '../../core/time/instant.ts';
import { HttpError, invalid } from '../errors.ts';
import { defineOperation, instant, parseJsonBody, type Deps, type Operation } from '../operation.ts';

const where = { agreement: z.string(), target: z.string(), window: z.string() };
export const PrometheusMeasurements = z.object({
  measured: z.array(z.object({ ...where, value: z.number().nullable(), event: z.string() })),
  failed: z.array(z.object({ ...where, error: z.string(), retryable: z.boolean() })),
});

/** How far back `from` may go: 400 days, every month of the past year and more. */
export const MAX_BACKFILL_MS = 400 * 86_400_000;

const measureBody = z.strictObject({
  from: instant
    .optional()
    .describe(
      'Backfill: each calendar window (month, quarter, year) that ended after this instant, at most 400 days ago, and has no final figure yet is measured over all of it, as of its end.',
    ),
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
        '`failed` what could not be measured now, with the reason and whether a retry helps: those windows keep their previous figure. ' +
        "With `from`, also the final figure of each calendar window that ended since then and has none (backfill); past Prometheus' " +
        'retention that is no data (value null), never 0%.',
      action: 'events.write',
      body: { media: ['application/json'], schema: measureBody, required: false },
      responses: { 200: { description: '{ measured, failed }', schema: PrometheusMeasurements } },
      errors: { 503: 'unavailable: the server has no Prometheus configured (PLEDGE_PROMETHEUS_URL).' },
      async handler(c) {
        if (!config.prometheus)
          throw new HttpError('unavailable', 'no Prometheus is configured: set PLEDGE_PROMETHEUS_URL (docs/prometheus.md)');
        const body = c.body === undefined || c.body.trim() === '' ? {} : parseJsonBody(measureBody, c.body);
        if (body.from !== undefined && (body.from >= c.now || body.from < c.now - MAX_BACKFILL_MS))
          throw invalid(
            [
              {
                path: 'from',
                message: `expected an instant in the past, at most 400 days ago (after ${formatInstant(c.now - MAX_BACKFILL_MS)}); got ${formatInstant(body.from)}`,
                expected: `an instant from ${formatInstant(c.now - MAX_BACKFILL_MS)} to ${formatInstant(c.now)}`,
                received: formatInstant(body.from),
              },
            ],
            'body',
          );
        const r = await measurePrometheusTargets({
          store,
          tenant: c.principal.tenant,
          now: c.now,
          prometheus: config.prometheus,
          limits: config.limits,
          audit: { actor: c.principal.actor, requestId: c.requestId },
          ...(body.from !== undefined ? { from: body.from } : {}),
        });
        return { status: 200, body: r };
      },
    }),
  ];
}
