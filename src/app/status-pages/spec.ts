/**
 * What a status page and an incident are (their documents as stored), and how they are read from
 * what a client sends: zod schemas, so a bad field is named by its path with what was expected.
 *
 * A page opts services in explicitly (`services`) or by customer (`customer`: the services of that
 * customer's agreements); never both, never neither. Nothing else is published: what a page shows
 * is what docs/status-page.md lists, and its spec has no switch that would show more.
 */
import { z } from 'zod';
import { INCIDENT_LEVELS } from '../../core/status/index.ts';
import { validate } from '../../core/validation/zod.ts';
import type { Result } from '../../core/validation/issues.ts';

const slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'expected lower-case letters, digits and dashes, starting with a letter or digit');
const ref = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected an id of letters, digits, ".", "-" or "_"');
const text = (max: number) => z.string().trim().min(1).max(max);

export const statusPageSpec = z
  .strictObject({
    title: text(200),
    /** Arabic title, shown on the Arabic page; the title otherwise. */
    titleAr: text(200).optional(),
    description: text(1000).optional(),
    descriptionAr: text(1000).optional(),
    /** Served at `<prefix>/<path>`; the page's id when absent. Unique across the server. */
    path: slug.optional(),
    services: z
      .array(
        z.strictObject({
          id: ref.describe('The service id, as events and agreements name it.'),
          name: text(200).optional().describe('The name shown; the id when absent.'),
          nameAr: text(200).optional(),
          agreement: ref
            .optional()
            .describe("Whose rules measure its bars; the first active agreement of the service's with an availability target when absent."),
        }),
      )
      .min(1)
      .max(50)
      .optional(),
    customer: ref.optional().describe("The services of this customer's agreements with an availability target."),
    /** false: not published (the page answers 404) but kept. */
    enabled: z.boolean().default(true),
    /** Resolved incidents are shown this many days after they were resolved. */
    incidentDays: z.number().int().min(0).max(90).default(14),
  })
  .refine((s) => (s.services === undefined) !== (s.customer === undefined), {
    message: 'name either services or a customer (one of the two)',
    path: ['services'],
  });
export type StatusPageSpec = z.output<typeof statusPageSpec>;

export function parseStatusPageSpec(value: unknown): Result<StatusPageSpec> {
  return validate(statusPageSpec, value);
}

/** What an update says of the work on an incident (as most status pages say it). */
export const UPDATE_STATUSES = ['investigating', 'identified', 'monitoring', 'update', 'resolved'] as const;
export type UpdateStatus = (typeof UPDATE_STATUSES)[number];

export interface IncidentUpdate {
  at: number;
  status: UpdateStatus;
  /** The incident's level from this update on (absent: unchanged; none once resolved). */
  level?: (typeof INCIDENT_LEVELS)[number];
  message: string;
  /** Who posted it: kept for the audit, never published. */
  by: string;
}

export interface IncidentDoc {
  title: string;
  services: string[];
  level: (typeof INCIDENT_LEVELS)[number];
  updates: IncidentUpdate[];
}

export const openIncidentBody = z.strictObject({
  id: ref.optional().describe('Chosen by the server when absent.'),
  title: text(200),
  services: z.array(ref).min(1).max(50),
  level: z.enum(INCIDENT_LEVELS),
  status: z.enum(['investigating', 'identified', 'monitoring']).default('investigating'),
  message: text(5000),
});

export const incidentUpdateBody = z.strictObject({
  status: z.enum(UPDATE_STATUSES).default('update'),
  level: z.enum(INCIDENT_LEVELS).optional(),
  message: text(5000),
});
