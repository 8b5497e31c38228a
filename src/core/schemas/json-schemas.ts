/** JSON Schemas published for editors and other tools, generated from the zod schemas in use. */
import { z } from 'zod';
import { calendarSpec } from '../calendar/spec.ts';
import { pledgeEvent } from '../events/schema.ts';
import { agreementSpec } from '../agreements/schema.ts';
import { JSON_INPUT_FORMS } from '../validation/common.ts';

const BASE = 'https://pledge.dev/schemas';

function publish(schema: z.ZodType, id: string, title: string, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
    // Values that may be written in more than one way (see JSON_INPUT_FORMS).
    override: (ctx) => {
      const form = JSON_INPUT_FORMS.get(ctx.zodSchema);
      if (!form) return;
      const out = ctx.jsonSchema as Record<string, unknown>;
      for (const k of Object.keys(out)) delete out[k];
      Object.assign(out, form);
    },
  }) as Record<string, unknown>;
  return {
    $schema: json.$schema,
    $id: `${BASE}/${id}`,
    title,
    ...Object.fromEntries(Object.entries(json).filter(([k]) => k !== '$schema')),
  };
}

/** File name -> schema document. */
export function jsonSchemas(): Record<string, Record<string, unknown>> {
  return {
    'calendar.schema.json': publish(calendarSpec, 'calendar.schema.json', 'Pledge business calendar'),
    'event.schema.json': publish(pledgeEvent, 'event.schema.json', 'Pledge event'),
    'agreement.schema.json': publish(agreementSpec, 'agreement.schema.json', 'Pledge agreement'),
  };
}
