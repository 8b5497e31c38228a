/**
 * OpenAPI 3.1 from the operations: parameters and bodies are the zod schemas the handlers validate
 * with (z.toJSONSchema, draft 2020-12, which OpenAPI 3.1 uses as is), so the document cannot drift.
 * And /docs: a self-contained HTML page rendered from the same document (no script, no CDN), so it
 * works on a closed network and under a Content-Security-Policy that allows only its own style.
 */
import { z } from 'zod';
import { ERROR_STATUS } from './errors.ts';
import type { Operation } from './operation.ts';

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

const ERROR_SCHEMA: Json = {
  type: 'object',
  required: ['code', 'message', 'details', 'requestId'],
  properties: {
    code: { type: 'string', enum: Object.keys(ERROR_STATUS) },
    message: { type: 'string' },
    details: { type: 'object', description: 'For bad input: `issues`, each with `path`, `message`, `expected`, `received` (and `line`, `column` for documents).' },
    requestId: { type: 'string' },
  },
};

export function openApiDocument(ops: readonly Operation[], info: { version: string }): Json {
  const paths: Record<string, Json> = {};
  for (const op of ops) {
    const path = op.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const errorStatuses = new Set<number>();
    if (op.action) [401, 403, 429].forEach((s) => errorStatuses.add(s));
    if (op.query || op.params) errorStatuses.add(400);
    if (op.body) [400, 413, 415, 422].forEach((s) => errorStatuses.add(s));
    if (op.params) errorStatuses.add(404);
    const responses: Json = {};
    for (const [status, description] of Object.entries(op.responses)) responses[status] = { description, content: { 'application/json': { schema: {} } } };
    for (const s of [...errorStatuses].sort()) {
      if (responses[s]) continue;
      const codes = Object.entries(ERROR_STATUS).filter(([, st]) => st === s).map(([c]) => c);
      responses[s] = { description: `Error: ${codes.join(' or ')}`, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    const operation: Json = {
      operationId: op.operationId,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: [op.tag],
      parameters: [
        ...parameters(op.params, 'path'),
        ...parameters(op.query, 'query'),
        ...(op.headers ?? []).map((h) => ({ name: h.name, in: 'header', required: h.required === true, description: h.description, schema: { type: 'string' } })),
      ],
      responses,
      ...(op.action ? { security: [{ bearer: [] }], 'x-pledge-action': op.action } : { security: [] }),
    };
    if (op.body) {
      const content: Json = {};
      for (const media of op.body.media) {
        const isJsonLike = media === 'application/json' || media.includes('yaml');
        content[media] = isJsonLike && op.body.schema ? { schema: jsonSchema(op.body.schema) } : { schema: { type: 'string', description: op.body.description ?? 'text' } };
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
      description: 'Service level agreements as code. Every /v1 route needs `Authorization: Bearer <token>`. Errors are `{ code, message, details, requestId }`. See docs/api.md.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token (pledge_...), created with POST /v1/tokens or `pledge token create`.' } },
      schemas: { Error: ERROR_SCHEMA },
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

/** A page listing every operation of the document, with parameters, bodies and schemas. */
export function docsPage(doc: Json): string {
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const sections: string[] = [];
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters as Json[]).map((p) => `<li><code>${escapeHtml(String(p.name))}</code> <small>(${escapeHtml(String(p.in))}${p.required ? ', required' : ''})</small>${p.description ? ` — ${escapeHtml(String(p.description))}` : ''}</li>`).join('');
      const body = op.requestBody as Json | undefined;
      const bodyHtml = body
        ? `<details><summary>Body: ${Object.keys(body.content as Json).map((m) => `<code>${escapeHtml(m)}</code>`).join(', ')}</summary><pre>${escapeHtml(JSON.stringify(Object.values(body.content as Record<string, Json>)[0]?.schema ?? {}, null, 2))}</pre></details>`
        : '';
      const responses = Object.entries(op.responses as Record<string, Json>).map(([s, r]) => `<li><code>${s}</code> ${escapeHtml(String(r.description))}</li>`).join('');
      const action = op['x-pledge-action'] ? `<p class="auth">Needs a token whose role may <code>${escapeHtml(String(op['x-pledge-action']))}</code>.</p>` : '<p class="auth">No token needed.</p>';
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
</body></html>
`;
}
