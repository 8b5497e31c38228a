/**
 * The probes: one HTTP(S) request or one TCP connect, timed, with the reason when it fails. They
 * never throw: every failure (refused, reset, timed out, a wrong status, the text missing, a bad
 * certificate) is an outcome with an error that says what was expected and what came.
 *
 * Invariants:
 * - Bounded: each probe ends by its timeout (the socket is destroyed), and reads at most 1 MiB of
 *   a body (only when the body is checked), so a slow or endless answer cannot hold the runner.
 * - HTTPS certificates are verified (Node's defaults); the peer certificate's expiry is reported
 *   so the state can warn before it lapses. Redirects are not followed: a 3xx is a status like any
 *   other (200-399 count as up by default).
 * - `confirm`: a failed attempt is tried once more at once, and only a second failure fails the
 *   check, so one lost packet does not open an outage.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { rootCertificates, type TLSSocket } from 'node:tls';
import type { CheckOutcome } from '../../core/monitors/decide.ts';
import type { HttpMonitorSpec, MonitorSpec, TcpMonitorSpec } from '../../core/monitors/spec.ts';

const BODY_LIMIT = 1 << 20;

export type Probe = (spec: MonitorSpec, now: () => number) => Promise<CheckOutcome>;

function statusOk(spec: HttpMonitorSpec, status: number): boolean {
  return spec.expectStatus ? spec.expectStatus.includes(status) : status >= 200 && status < 400;
}

export function probeHttp(spec: HttpMonitorSpec, now: () => number): Promise<CheckOutcome> {
  const started = now();
  const t0 = performance.now();
  return new Promise<CheckOutcome>((resolve) => {
    let done = false;
    let tlsExpires: number | undefined;
    const finish = (ok: boolean, error?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve({
        at: started,
        ok,
        latencyMs: performance.now() - t0,
        ...(error !== undefined ? { error } : {}),
        ...(tlsExpires !== undefined ? { tls: { expiresAt: tlsExpires } } : {}),
      });
    };
    const url = new URL(spec.url);
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, {
      method: spec.method,
      headers: { 'user-agent': 'pledge-monitor', ...spec.headers },
      agent: false,
      // An internal CA is trusted beside the public ones, never instead of them.
      ...(spec.ca ? { ca: [...rootCertificates, spec.ca] } : {}),
    });
    const timer = setTimeout(() => finish(false, `no answer within ${spec.timeout} ms`), spec.timeout);
    req.on('socket', (socket) => {
      socket.once('secureConnect', () => {
        const cert = (socket as TLSSocket).getPeerCertificate();
        const t = cert?.valid_to ? Date.parse(cert.valid_to) : Number.NaN;
        if (Number.isFinite(t)) tlsExpires = t;
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => finish(false, `${e.code ?? 'error'}: ${e.message}`));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (!statusOk(spec, status)) {
        res.resume();
        finish(false, `status ${status}, expected ${spec.expectStatus ? spec.expectStatus.join(' or ') : '200-399'}`);
        return;
      }
      if (spec.expectBody === undefined) {
        res.resume();
        finish(true);
        return;
      }
      const want = spec.expectBody;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.includes(want)) finish(true);
        else if (body.length > BODY_LIMIT) finish(false, `the body does not contain ${JSON.stringify(want)} in its first 1 MiB`);
      });
      res.on('end', () =>
        finish(body.includes(want), body.includes(want) ? undefined : `the body does not contain ${JSON.stringify(want)}`),
      );
      res.on('error', (e) => finish(false, `reading the body failed: ${e.message}`));
    });
    req.end();
  });
}

export function probeTcp(spec: TcpMonitorSpec, now: () => number): Promise<CheckOutcome> {
  const started = now();
  const t0 = performance.now();
  return new Promise<CheckOutcome>((resolve) => {
    let done = false;
    const socket = net.connect({ host: spec.host, port: spec.port });
    const finish = (ok: boolean, error?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ at: started, ok, latencyMs: performance.now() - t0, ...(error !== undefined ? { error } : {}) });
    };
    const timer = setTimeout(() => finish(false, `no connection within ${spec.timeout} ms`), spec.timeout);
    socket.once('connect', () => finish(true));
    socket.once('error', (e: NodeJS.ErrnoException) => finish(false, `${e.code ?? 'error'}: ${e.message}`));
  });
}

/** The probe of a spec (heartbeats have none: their pushes are the checks), with `confirm` applied. */
export const defaultProbe: Probe = async (spec, now) => {
  const once = () => (spec.kind === 'http' ? probeHttp(spec, now) : spec.kind === 'tcp' ? probeTcp(spec, now) : null);
  const first = await once();
  if (!first) throw new Error('a heartbeat monitor has no probe');
  if (first.ok || spec.kind === 'heartbeat' || !spec.confirm) return first;
  const second = (await once())!;
  // Dated by the first attempt: that is when the failure was seen.
  return second.ok ? { ...second, at: first.at } : { ...second, at: first.at, error: `${first.error}; again: ${second.error}` };
};
