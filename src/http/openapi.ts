/**
 * OpenAPI 3.1 from the operations: parameters and bodies are the zod schemas the handlers validate
 * with, and answers the zod schemas of each operation's `responses` (z.toJSONSchema, draft 2020-12,
 * which OpenAPI 3.1 uses as is), so the document cannot drift. The answer shapes registered in
 * schemas.ts are `components.schemas`, referenced with `$ref`; errors are the Error component.
 * And /docs: a self-contained HTML page rendered from the same document (no script, no CDN), so it
 * works on a closed network and under a Content-Security-Policy that allows only its own style.
 */
import { z } from 'zod';
import { ERROR_STATUS } from './errors.ts';
import type { Operation, Responses } from './operation.ts';
import { components } from './schemas.ts';

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType): Json {
  const s = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Json;
  delete s.$schema;
  return s;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const s = jsonSchema(schema);
  const props = (s.properties ?? {}) as Record<string, Json>;
  const required = new Set((s.required ?? []) as string[]);
  return Object.entries(props).map(([name, p]) => {
    const { description, ...rest } = p;
    return { name, in: where, required: where === 'path' || required.has(name), schema: rest, ...(description ? { description } : {}) };
  });
}

/**
 * The response schemas of every operation, with the shared shapes of src/http/schemas.ts as
 * components. Each operation's schema is registered beside the components for the conversion (so
 * its shared parts become $refs) and then taken out again to be inlined in its response; a
 * response schema nested in another one must be a component, or the refs would dangle.
 */
function responseSchemas(ops: readonly Operation[]): { components: Record<string, Json>; inline: Map<z.ZodType, Json> } {
  const added: Array<{ schema: z.ZodType; id: string }> = [];
  for (const op of ops) {
    for (const r of Object.values(op.responses as Responses)) {
      if (components.has(r.schema) || added.some((a) => a.schema === r.schema)) continue;
      added.push({ schema: r.schema, id: `${INLINE}${added.length}` });
    }
  }
  for (const a of added) components.add(a.schema, { id: a.id });
  let out: { schemas: Record<string, Json> };
  try {
    const uri = (id: string) => `#/components/schemas/${id}`;
    const all = z.toJSONSchema(components, { target: 'draft-2020-12', io: 'output', unrepresentable: 'any', uri });
    out = all as { schemas: Record<string, Json> };
  } finally {
    for (const a of added) components.remove(a.schema);
  }
  const strip = ({ $schema: _s, $id: _i, ...rest }: Json) => rest;
  const shared: Record<string, Json> = {};
  const inline = new Map<z.ZodType, Json>();
  for (const [id, schema] of Object.entries(out.schemas)) if (!id.startsWith(INLINE)) shared[id] = strip(schema);
  for (const a of added) inline.set(a.schema, strip(out.schemas[a.id]!));
  const dangling = JSON.stringify({ shared, inline: [...inline.values()] }).match(new RegExp(`"#/components/schemas/${INLINE}\\d+"`));
  if (dangling) {
    throw new Error(`a response schema is nested in another one (${dangling[0]}): register it as a component in src/http/schemas.ts`);
  }
  return { components: shared, inline };
}

const INLINE = '~response';

export function openApiDocument(ops: readonly Operation[], info: { version: string }) {
  const schemas = responseSchemas(ops);
  const schemaOf = (s: z.ZodType): Json => {
    const id = components.get(s)?.id;
    return id !== undefined ? { $ref: `#/components/schemas/${id}` } : schemas.inline.get(s)!;
  };
  const paths: Record<string, Json> = {};
  for (const op of ops) {
    const path = op.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const errorStatuses = new Set<number>();
    if (op.action) for (const s of [401, 403, 429]) errorStatuses.add(s);
    if (op.query || op.params) errorStatuses.add(400);
    if (op.body) for (const s of [400, 413, 415, 422]) errorStatuses.add(s);
    if (op.params) errorStatuses.add(404);
    for (const s of Object.keys(op.errors ?? {})) errorStatuses.add(Number(s));
    const responses: Json = {};
    for (const [status, r] of Object.entries(op.responses as Responses)) {
      const content: Json = { [r.media ?? 'application/json']: { schema: schemaOf(r.schema) } };
      for (const [media, description] of Object.entries(r.alternatives ?? {})) content[media] = { schema: { type: 'string', description } };
      responses[status] = { description: r.description, content };
    }
    for (const s of [...errorStatuses].sort()) {
      if (responses[s]) continue;
      const codes = Object.entries(ERROR_STATUS)
        .filter(([, st]) => st === s)
        .map(([c]) => c);
      const description = op.errors?.[s] ?? `Error: ${codes.join(' or ')}`;
      responses[s] = { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    const operation: Json = {
      operationId: op.operationId,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: [op.tag],
      parameters: [
        ...parameters(op.params, 'path'),
        ...parameters(op.query, 'query'),
        ...(op.headers ?? []).map((h) => ({
          name: h.name,
          in: 'header',
          required: h.required === true,
          description: h.description,
          schema: { type: 'string' },
        })),
      ],
      responses,
      ...(op.action ? { security: [{ bearer: [] }], 'x-pledge-action': op.action } : { security: [] }),
    };
    if (op.body) {
      const content: Json = {};
      for (const media of op.body.media) {
        const isJsonLike = media === 'application/json' || media.includes('yaml');
        content[media] =
          isJsonLike && op.body.schema
            ? { schema: jsonSchema(op.body.schema) }
            : { schema: { type: 'string', description: op.body.description ?? 'text' } };
      }
      operation.requestBody = { required: op.body.required, content, ...(op.body.description ? { description: op.body.description } : {}) };
    }
    paths[path] = { ...(paths[path] ?? {}), [op.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Pledge API',
      version: info.version,
      description:
        'Service level agreements as code. Every /v1 route needs `Authorization: Bearer <token>`. Errors are `{ code, message, details, requestId }`. See docs/api.md.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API token (pledge_...), created with POST /v1/tokens or `pledge token create`.',
        },
      },
      schemas: schemas.components,
    },
    paths,
  };
}

/**
 * The page's only inline content: its style sheet. The page's Content-Security-Policy allows this
 * exact text by its hash (security.ts), and nothing else: no script, no other style, no resource.
 */
export const DOCS_STYLE = `
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
section{border-top:1px solid #ddd;padding:.5rem 0}
.m{display:inline-block;min-width:4.5em;font-size:.8em;padding:.1em .4em;border-radius:3px;color:#fff;text-align:center}
.get{background:#2a7}.post{background:#27a}.put{background:#a72}.delete{background:#a33}
pre{background:#f6f6f6;padding:.5rem;overflow:auto;max-height:30rem}.auth{color:#555;font-size:.9em}
`;

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A response's content: a link to its component, or its schema inline, per media type. */
function contentHtml(content: Record<string, Json> | undefined): string {
  const parts = Object.entries(content ?? {}).map(([media, c]) => {
    const schema = (c.schema ?? {}) as Json;
    const ref = typeof schema.$ref === 'string' ? schema.$ref.replace('#/components/schemas/', '') : undefined;
    return ref !== undefined
      ? ` <code>${escapeHtml(media)}</code>: <a href="#schema-${escapeHtml(ref)}">${escapeHtml(ref)}</a>`
      : ` <details><summary><code>${escapeHtml(media)}</code></summary><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre></details>`;
  });
  return parts.join(';');
}

/** A page listing every operation of the document, with parameters, bodies and schemas. */
export function docsPage(doc: Json): string {
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const sections: string[] = [];
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters as Json[])
        .map(
          (p) =>
            `<li><code>${escapeHtml(String(p.name))}</code> <small>(${escapeHtml(String(p.in))}${p.required ? ', required' : ''})</small>${p.description ? ` — ${escapeHtml(String(p.description))}` : ''}</li>`,
        )
        .join('');
      const body = op.requestBody as Json | undefined;
      const bodyHtml = body
        ? `<details><summary>Body: ${Object.keys(body.content as Json)
            .map((m) => `<code>${escapeHtml(m)}</code>`)
            .join(
              ', ',
            )}</summary><pre>${escapeHtml(JSON.stringify(Object.values(body.content as Record<string, Json>)[0]?.schema ?? {}, null, 2))}</pre></details>`
        : '';
      const responses = Object.entries(op.responses as Record<string, Json>)
        .map(([s, r]) => `<li><code>${s}</code> ${escapeHtml(String(r.description))}${contentHtml(r.content as Record<string, Json>)}</li>`)
        .join('');
      const action = op['x-pledge-action']
        ? `<p class="auth">Needs a token whose role may <code>${escapeHtml(String(op['x-pledge-action']))}</code>.</p>`
        : '<p class="auth">No token needed.</p>';
      sections.push(
        `<section id="${escapeHtml(String(op.operationId))}"><h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3><p><b>${escapeHtml(String(op.summary))}</b></p>` +
          `${op.description ? `<p>${escapeHtml(String(op.description))}</p>` : ''}${action}${params ? `<p>Parameters:</p><ul>${params}</ul>` : ''}${bodyHtml}<p>Responses:</p><ul>${responses}</ul></section>`,
      );
    }
  }
  const info = doc.info as Json;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(String(info.title))} ${escapeHtml(String(info.version))}</title>
<style>${DOCS_STYLE}</style></head><body>
<h1>${escapeHtml(String(info.title))} <small>${escapeHtml(String(info.version))}</small></h1>
<p>${escapeHtml(String(info.description))} The machine-readable document is at <a href="/openapi.json">/openapi.json</a>.</p>
${sections.join('\n')}
<h2 id="schemas">Schemas</h2>
${Object.entries(((doc.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>)
  .map(
    ([id, schema]) =>
      `<section id="schema-${escapeHtml(id)}"><h3><code>${escapeHtml(id)}</code></h3>` +
      `<pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre></section>`,
  )
  .join('\n')}
</body></html>
`;
}
