/**
 * One HTTP POST of a delivery (webhooks, Slack, Teams), bounded in time and in what it reads.
 *
 * - One deadline, `timeoutMs`, covers connecting, sending and reading the answer: a receiver that
 *   accepts the connection and then says nothing cannot hold a worker.
 * - Redirects are not followed (`redirect: 'manual'`): a 3xx is an answer like any other (the
 *   retry policy fails it), so a delivery never lands somewhere its channel does not name.
 * - At most READ_LIMIT bytes of the answer are read, for the delivery log; the rest is dropped.
 * - The result is a value: an answer (any status), or no answer and why. Errors describe the
 *   failure without the URL, which for Slack and Teams is the credential.
 */
import { trimForLog } from '../core/delivery/outcome.ts';

export const READ_LIMIT = 16 * 1024;

export type HttpResult =
  | { kind: 'answer'; status: number; retryAfter: string | null; body: string }
  | { kind: 'timeout'; error: string }
  | { kind: 'network'; error: string };

export interface PostOptions {
  timeoutMs: number;
  fetch?: typeof fetch;
}

async function readSome(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks).subarray(0, limit));
}

function describe(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const cause = err?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return err?.message ?? String(e);
}

export async function postJson(url: string, body: string, headers: Record<string, string>, opts: PostOptions): Promise<HttpResult> {
  const doFetch = opts.fetch ?? fetch;
  const signal = AbortSignal.timeout(opts.timeoutMs);
  try {
    const res = await doFetch(url, { method: 'POST', body, headers: { 'user-agent': 'Pledge', ...headers }, redirect: 'manual', signal });
    let text = '';
    try {
      text = await readSome(res, READ_LIMIT);
    } catch (e) {
      // The status came: it decides. A body cut by the deadline is logged as such.
      text = `(answer not read: ${signal.aborted ? `no complete answer within ${opts.timeoutMs} ms` : describe(e)})`;
    }
    return { kind: 'answer', status: res.status, retryAfter: res.headers.get('retry-after'), body: trimForLog(text) };
  } catch (e) {
    if (signal.aborted || (e as { name?: string })?.name === 'TimeoutError') {
      return { kind: 'timeout', error: `no answer within ${opts.timeoutMs} ms` };
    }
    return { kind: 'network', error: describe(e) };
  }
}
