/**
 * The CLI against a running server: `--url` (or $PLEDGE_URL) with the API token in $PLEDGE_TOKEN.
 * Commands that work on a database (`--db`) do the same through the REST API, so a team can run
 * Pledge on one machine and use the CLI from anywhere. The tenant is the token's.
 *
 * Errors: the server's answer `{ code, message, details }` is printed as it is. A 4xx is bad input
 * (exit 2, the request was refused and nothing changed); a 5xx or a server that cannot be reached
 * is a failure (exit 1).
 */
import { EXIT_BAD_INPUT, EXIT_FAILURE, UsageError } from './output.ts';

export const URL_HELP = 'a running Pledge server, e.g. http://127.0.0.1:8080 (default: $PLEDGE_URL); the token is read from $PLEDGE_TOKEN';

/** A refusal or failure answered by the server, or a server that could not be reached. */
export class RemoteError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly body?: { code: string; message: string; details?: Record<string, unknown> },
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

export interface ApiAnswer<T> {
  status: number;
  headers: Headers;
  body: T;
}

export class Api {
  private constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  /**
   * The server to talk to when --url or $PLEDGE_URL is set; undefined to work on a database.
   * Both --url and --db is bad input, as is a URL without a token.
   */
  static from(o: { url?: string; db?: string }, env: NodeJS.ProcessEnv = process.env): Api | undefined {
    const url = o.url ?? (o.db === undefined ? env.PLEDGE_URL : undefined);
    if (url === undefined || url === '') return undefined;
    if (o.url !== undefined && o.db !== undefined)
      throw new UsageError([{ path: '--url', message: 'give either --url (a server) or --db (a database), not both', received: o.url }]);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError([
        {
          path: o.url !== undefined ? '--url' : 'PLEDGE_URL',
          message: 'not a URL',
          expected: 'e.g. http://127.0.0.1:8080',
          received: JSON.stringify(url),
        },
      ]);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new UsageError([
        { path: o.url !== undefined ? '--url' : 'PLEDGE_URL', message: 'expected an http or https URL', received: JSON.stringify(url) },
      ]);
    const token = env.PLEDGE_TOKEN;
    if (token === undefined || token.trim() === '')
      throw new UsageError([
        { path: 'PLEDGE_TOKEN', message: 'set PLEDGE_TOKEN to an API token to talk to a server (pledge token create prints one)' },
      ]);
    return new Api(parsed.href.replace(/\/+$/, ''), token.trim());
  }

  async request<T = unknown>(
    method: string,
    path: string,
    opts: { body?: string; type?: string; headers?: Record<string, string>; okStatuses?: number[] } = {},
  ): Promise<ApiAnswer<T>> {
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/json',
          ...(opts.type ? { 'content-type': opts.type } : {}),
          ...(opts.headers ?? {}),
        },
        ...(opts.body !== undefined ? { body: opts.body } : {}),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new RemoteError(
        `cannot reach the server at ${this.url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`,
        EXIT_FAILURE,
      );
    }
    const text = await res.text();
    const isJson = (res.headers.get('content-type') ?? '').includes('json');
    let body: unknown = text;
    if (isJson && text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        throw new RemoteError(`the server at ${this.url} answered ${res.status} with a body that is not JSON`, EXIT_FAILURE);
      }
    }
    if (res.ok || opts.okStatuses?.includes(res.status)) return { status: res.status, headers: res.headers, body: body as T };
    const b = body as { code?: unknown; message?: unknown; details?: Record<string, unknown> } | string;
    const err =
      typeof b === 'object' && b !== null && typeof b.code === 'string' && typeof b.message === 'string'
        ? { code: b.code, message: b.message, ...(b.details ? { details: b.details } : {}) }
        : undefined;
    const message = err ? `${err.message} (${res.status} ${err.code})` : `${method} ${path}: the server answered ${res.status}`;
    throw new RemoteError(message, res.status >= 400 && res.status < 500 ? EXIT_BAD_INPUT : EXIT_FAILURE, err);
  }

  async json<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.request<T>(method, path, body === undefined ? {} : { body: JSON.stringify(body), type: 'application/json' })).body;
  }
}
