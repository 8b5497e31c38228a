/**
 * OpenSLO v1 documents (https://github.com/OpenSLO/OpenSLO, README "Specification"), as Pledge
 * reads them: every kind of the specification, with the fields it defines and no others, so a
 * misspelt field is an error naming its path rather than a promise silently lost. Only a metric
 * source's `spec` and a DataSource's `connectionDetails` are free-form, as the specification says.
 *
 * What is accepted here is not what Pledge can measure: convert.ts says, field by field, what has
 * an equivalent in the agreement format and reports the rest.
 */
import { z } from 'zod';

/** RFC 1123 names at least; the specification's own examples use capitals too (AlertPolicy). */
export const objectName = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/,
    'expected a name of letters, digits, ".", "-" or "_", starting and ending with a letter or digit',
  );

/** duration-shorthand: a positive integer and one of m h d w M Q Y. */
export const durationShorthand = z.string().regex(/^[1-9]\d{0,5}[mhdwMQY]$/, 'expected a duration shorthand such as 30d, 4w, 1M, 1Q or 1Y');

const text = (max: number) => z.string().max(max);

export const metadata = z.strictObject({
  name: objectName,
  displayName: text(1050).optional(),
  labels: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export const metricSource = z.strictObject({
  metricSourceRef: objectName.optional(),
  type: z.string().min(1).max(200).optional(),
  /** Free-form per source type; a Prometheus source has `query`. */
  spec: z.record(z.string(), z.unknown()).default({}),
});

const metricRef = z.strictObject({ metricSource });

export const sliSpec = z.strictObject({
  description: text(1050).optional(),
  thresholdMetric: metricRef.optional(),
  ratioMetric: z
    .strictObject({
      counter: z.boolean().optional(),
      good: metricRef.optional(),
      bad: metricRef.optional(),
      total: metricRef.optional(),
      rawType: z.enum(['success', 'failure']).optional(),
      raw: metricRef.optional(),
    })
    .optional(),
});

export const inlineSli = z.strictObject({ metadata, spec: sliSpec });

/** An hour of day written as the specification does (2020-01-21 12:30:00) or as a YAML timestamp. */
const startTime = z.preprocess(
  (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString().slice(0, 19).replace('T', ' ') : v),
  z.string().regex(/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}$/, 'expected a date and time without zone, such as 2026-01-01 00:00:00'),
);

export const timeWindow = z.strictObject({
  duration: durationShorthand,
  isRolling: z.boolean().optional(),
  calendar: z.strictObject({ startTime, timeZone: z.string().min(1).max(64) }).optional(),
});

export const objective = z.strictObject({
  displayName: text(1050).optional(),
  op: z.enum(['lte', 'gte', 'lt', 'gt']).optional(),
  value: z.number().finite().optional(),
  target: z.number().min(0).lt(1, 'a target is below 1 (0.999 is 99.9%)').optional(),
  targetPercent: z.number().min(0).lt(100).optional(),
  timeSliceTarget: z.number().gt(0).max(1).optional(),
  timeSliceWindow: z.union([z.number().positive(), durationShorthand]).optional(),
  indicator: inlineSli.optional(),
  indicatorRef: objectName.optional(),
  compositeWeight: z.number().positive().optional(),
});

export const alertConditionSpec = z.strictObject({
  description: text(1050).optional(),
  severity: z.string().min(1).max(200),
  condition: z.strictObject({
    kind: z.string().min(1).max(100).default('burnrate'),
    op: z.enum(['lte', 'gte', 'lt', 'gt']),
    threshold: z.number().finite(),
    lookbackWindow: durationShorthand,
    alertAfter: durationShorthand.optional(),
  }),
});

const alertConditionDoc = z.strictObject({ kind: z.literal('AlertCondition'), metadata, spec: alertConditionSpec });
const notificationTargetSpec = z.strictObject({ target: z.string().min(1).max(200), description: text(1050).optional() });

export const alertPolicySpec = z.strictObject({
  description: text(1050).optional(),
  alertWhenNoData: z.boolean().optional(),
  alertWhenResolved: z.boolean().optional(),
  alertWhenBreaching: z.boolean().optional(),
  conditions: z.array(z.union([z.strictObject({ conditionRef: objectName }), alertConditionDoc])).max(1),
  notificationTargets: z.array(
    z.union([
      z.strictObject({ targetRef: objectName }),
      z.strictObject({ kind: z.literal('AlertNotificationTarget'), metadata, spec: notificationTargetSpec }),
    ]),
  ),
});

export const sloSpec = z.strictObject({
  description: text(1050).optional(),
  service: z.string().min(1).max(253),
  indicator: inlineSli.optional(),
  indicatorRef: objectName.optional(),
  timeWindow: z.array(timeWindow).length(1, 'exactly one time window').optional(),
  /** Required by the specification, yet its README's own SLO example has none: read as Occurrences, and reported. */
  budgetingMethod: z.enum(['Occurrences', 'Timeslices', 'RatioTimeslices']).optional(),
  objectives: z.array(objective).min(1),
  /** Inline policies or references; the specification's examples leave it empty (null). */
  alertPolicies: z
    .array(
      z.union([
        z.strictObject({ alertPolicyRef: objectName }),
        z.strictObject({ kind: z.literal('AlertPolicy'), metadata, spec: alertPolicySpec }),
      ]),
    )
    .nullish(),
});

const doc = <K extends string, S extends z.ZodType>(kind: K, spec: S) =>
  z.strictObject({ apiVersion: z.literal('openslo/v1'), kind: z.literal(kind), metadata, spec });

export const openSloDocument = z.discriminatedUnion('kind', [
  doc('SLO', sloSpec),
  doc('SLI', sliSpec),
  doc(
    'DataSource',
    z.strictObject({ description: text(1050).optional(), type: z.string().min(1).max(200), connectionDetails: z.unknown() }),
  ),
  doc('Service', z.strictObject({ description: text(1050).optional() })),
  doc('AlertPolicy', alertPolicySpec),
  doc('AlertCondition', alertConditionSpec),
  doc('AlertNotificationTarget', notificationTargetSpec),
]);

export type OpenSloDocument = z.output<typeof openSloDocument>;
export type SloDoc = Extract<OpenSloDocument, { kind: 'SLO' }>;
export type SliSpec = z.output<typeof sliSpec>;
export const OPENSLO_KINDS = ['SLO', 'SLI', 'DataSource', 'Service', 'AlertPolicy', 'AlertCondition', 'AlertNotificationTarget'] as const;
