/**
 * The answers are what /openapi.json says they are. Every answer an HTTP test gets through
 * `Tenant.req` (helpers.ts) is checked here against the published document, with a JSON Schema
 * validator (Ajv, draft 2020-12, with formats, so an instant is checked to be a date-time):
 * - a success answer's status is documented for its operation, its media type is one the
 *   operation documents for that status, and its JSON body validates against that schema;
 * - an error answer (4xx, 5xx) validates against the Error component, whatever the route;
 * - no instant in an answer is a number (`epochInstants`): a number that reads as epoch
 *   milliseconds between 2000 and 2100 is reported, outside fields people write (documents,
 *   event payloads) and durations and money (keys ending in Ms or Minor).
 * So the documentation cannot drift from the answers: a field added to an answer without its
 * schema, or a schema changed without the answer, fails the test that produced the answer.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { LightMyRequestResponse } from 'fastify';

type Json = Record<string, unknown>;
type OpenApi = {
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, { content?: Record<string, { schema: Json }> }> }>>;
  components: Json;
};

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const BASE = 'https://pledge.invalid/openapi.json';

/** Epoch milliseconds of 2000-01-01 and 2100-01-01: a number between them in an answer is an instant shown as a number. */
const EPOCH_2000 = Date.UTC(2000, 0, 1);
const EPOCH_2100 = Date.UTC(2100, 0, 1);
/** Subtrees written by people (documents, events as sent, document diffs): their numbers are theirs. */
const FREE_FORM = new Set(['payload', 'document', 'terms', 'changes']);

/** Paths (e.g. `settlement.period.from`) of numbers in a body that look like instants in epoch milliseconds. */
export function epochInstants(body: unknown, path = ''): string[] {
  const found: string[] = [];
  const walk = (v: unknown, p: string, key: string) => {
    if (typeof v === 'number') {
      if (Number.isInteger(v) && v >= EPOCH_2000 && v < EPOCH_2100 && !/(Ms|Minor)$/.test(key)) found.push(`${p || '(body)'} = ${v}`);
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => {
        walk(x, `${p}[${i}]`, key);
      });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) if (!FREE_FORM.has(k)) walk(x, p ? `${p}.${k}` : k, k);
    }
  };
  walk(body, path, '');
  return found;
}

export interface Checked {
  operationId: string | undefined;
  status: number;
  problems: string[];
}

export interface DocumentChecker {
  doc: OpenApi;
  /** What is wrong with an answer to `method url`; operationId is undefined for paths the document does not have. */
  check(method: string, url: string, res: Pick<LightMyRequestResponse, 'statusCode' | 'headers' | 'body'>): Checked;
}

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const baseMedia = (m: string) => m.split(';')[0]!.trim().toLowerCase();

export function documentChecker(doc: OpenApi): DocumentChecker {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema({ ...doc, $id: BASE } as Json);
  const compiled = new Map<string, ValidateFunction>();
  const validator = (pointer: string) => {
    let v = compiled.get(pointer);
    if (!v) {
      v = ajv.compile({ $ref: `${BASE}#${pointer}` });
      compiled.set(pointer, v);
    }
    return v;
  };
  const routes = Object.keys(doc.paths).map((template) => ({
    template,
    re: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
  }));

  return {
    doc,
    check(method, url, res) {
      const problems: string[] = [];
      const status = res.statusCode;
      const path = url.split('?')[0] ?? '';
      const route = routes.find((r) => r.re.test(path));
      const op = route ? doc.paths[route.template]?.[method.toLowerCase()] : undefined;
      const type = String(res.headers['content-type'] ?? '');
      const validate = (pointer: string, what: string) => {
        let body: unknown;
        try {
          body = JSON.parse(res.body);
        } catch {
          problems.push(`${what}: the body is not JSON: ${res.body.slice(0, 200)}`);
          return;
        }
        const v = validator(pointer);
        if (!v(body)) {
          for (const e of (v.errors ?? []).slice(0, 10))
            problems.push(`${what}: ${e.instancePath || '(body)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
        }
        for (const p of epochInstants(body)) problems.push(`${what}: an instant as epoch milliseconds at ${p}`);
      };
      if (method === 'HEAD' || method === 'OPTIONS') return { operationId: op?.operationId, status, problems };
      if (status >= 400) {
        validate('/components/schemas/Error', `${method} ${path} ${status}`);
        return { operationId: op?.operationId, status, problems };
      }
      if (!route || !op) {
        problems.push(`${method} ${path} answered ${status} but is not in the document`);
        return { operationId: undefined, status, problems };
      }
      const what = `${op.operationId} ${status}`;
      const response = op.responses[String(status)];
      if (!response) {
        problems.push(`${what}: status ${status} is not documented (documented: ${Object.keys(op.responses).join(', ')})`);
        return { operationId: op.operationId, status, problems };
      }
      const media = Object.keys(response.content ?? {}).find((m) => baseMedia(m) === baseMedia(type));
      if (media === undefined) {
        problems.push(`${what}: content type ${type} is not documented (documented: ${Object.keys(response.content ?? {}).join(', ')})`);
      } else if (baseMedia(media) === 'application/json') {
        validate(
          `/paths/${escapePointer(route.template)}/${method.toLowerCase()}/responses/${status}/content/${escapePointer(media)}/schema`,
          what,
        );
      }
      return { operationId: op.operationId, status, problems };
    },
  };
}

let shared: Promise<DocumentChecker> | undefined;

/** One checker per test process, built from the document a server serves (it is the same for every server). */
export function sharedChecker(fetchDocument: () => Promise<OpenApi>): Promise<DocumentChecker> {
  shared ??= fetchDocument().then(documentChecker);
  return shared;
}
