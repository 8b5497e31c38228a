/**
 * The demo's monitored endpoint: a small HTTP server on 127.0.0.1 that `pledge serve --demo` starts
 * and its built-in monitor `demo-web` checks (docs/monitors.md), so a newcomer sees uptime measured
 * by Pledge itself: it answers `200 ok`, except for one minute in every ten (by the wall clock:
 * minutes 3, 13, 23... of the hour), when it answers `503`. Each such minute is an outage of the
 * demo's `checkout` service, measured by its agreements like any probe's.
 *
 * Invariants: it binds to loopback only; it is stopped with the server. The monitor is put again
 * at every live start (its port is new each time) and paused by a start without live activity, so
 * a stopped endpoint is never checked and taken for downtime.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pauseMonitor, putMonitor } from '../app/monitors/manage.ts';
import type { Store } from '../store/types.ts';

export const DEMO_MONITOR_ID = 'demo-web';
export const DEMO_MONITOR_SERVICE = 'checkout';
const MINUTE = 60_000;

/** Down in the minute `downMinute` of every `everyMinutes` (by the wall clock). */
export function demoEndpointDown(now: number, everyMinutes = 10, downMinute = 3): boolean {
  return Math.floor(now / MINUTE) % everyMinutes === downMinute;
}

export interface DemoEndpoint {
  url: string;
  close(): Promise<void>;
}

export async function startDemoEndpoint(now: () => number = Date.now): Promise<DemoEndpoint> {
  const server: Server = createServer((_req, res) => {
    const down = demoEndpointDown(now());
    res.writeHead(down ? 503 : 200, { 'content-type': 'text/plain' }).end(down ? 'down for its minute in ten\n' : 'ok\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/health`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Puts the demo monitor on the endpoint (checked every 15 s, at once first). */
export async function putDemoMonitor(store: Store, tenant: string, url: string, now: number): Promise<void> {
  const r = await putMonitor(
    { store, tenant, now, actor: 'pledge serve --demo', minIntervalMs: 1_000 },
    {
      id: DEMO_MONITOR_ID,
      spec: {
        kind: 'http',
        service: DEMO_MONITOR_SERVICE,
        url,
        interval: '15s',
        timeout: '5s',
        expectBody: 'ok',
        description: 'The demo endpoint: down one minute in ten',
      },
    },
  );
  if (!r.ok) throw new Error(`the demo monitor was refused: ${JSON.stringify(r.issues)}`);
}

/** A start without live activity: the endpoint is not running, so its monitor is paused. */
export async function pauseDemoMonitor(store: Store, tenant: string, now: number): Promise<void> {
  if (!(await store.getMonitor(tenant, DEMO_MONITOR_ID))?.paused)
    await pauseMonitor({ store, tenant, now, actor: 'pledge serve --demo' }, { id: DEMO_MONITOR_ID, paused: true });
}
