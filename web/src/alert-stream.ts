/**
 * Live refresh from GET /v1/alerts/stream (server-sent events; EventSource sends the same-origin
 * session cookie, which authenticates the stream like any GET). Every alert event (opened,
 * acknowledged, resolved) calls `refresh`, bursts coalesced into one call; `onEvent` sees each
 * event. While the stream is not connected (refused, dropped, not supported) `refresh` runs every
 * `pollMs`; while it is, every `liveMs` (time passing alone changes what a page shows).
 * EventSource reconnects by itself with Last-Event-ID after a drop; a refusal (an HTTP error)
 * closes it for good, and the page keeps polling.
 */
import { useEffect, useRef, useState } from 'react';
import type { AlertEvent } from './api-alerts';

export type StreamState = 'connecting' | 'live' | 'polling';

const EVENTS = ['alert.opened', 'alert.acknowledged', 'alert.resolved'] as const;
const COALESCE_MS = 250;

export function useAlertStream(
  refresh: () => void,
  opts: { onEvent?: (type: (typeof EVENTS)[number], e: AlertEvent) => void; pollMs?: number; liveMs?: number } = {},
): StreamState {
  const [state, setState] = useState<StreamState>(typeof EventSource === 'undefined' ? 'polling' : 'connecting');
  const refreshRef = useRef(refresh);
  refreshRef.current = refresh;
  const onEventRef = useRef(opts.onEvent);
  onEventRef.current = opts.onEvent;
  const pollMs = opts.pollMs ?? 15_000;
  const liveMs = opts.liveMs ?? 60_000;

  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    const es = new EventSource('/v1/alerts/stream');
    let pending: number | undefined;
    const onMessage = (type: (typeof EVENTS)[number]) => (m: MessageEvent<string>) => {
      try {
        onEventRef.current?.(type, JSON.parse(m.data) as AlertEvent);
      } catch {
        // an event whose data is not JSON still says something changed
      }
      if (pending === undefined)
        pending = window.setTimeout(() => {
          pending = undefined;
          refreshRef.current();
        }, COALESCE_MS);
    };
    es.onopen = () => setState('live');
    es.onerror = () => setState(es.readyState === EventSource.CLOSED ? 'polling' : es.readyState === EventSource.OPEN ? 'live' : 'polling');
    const handlers = EVENTS.map((type) => [type, onMessage(type)] as const);
    for (const [type, h] of handlers) es.addEventListener(type, h as EventListener);
    return () => {
      window.clearTimeout(pending);
      for (const [type, h] of handlers) es.removeEventListener(type, h as EventListener);
      es.close();
    };
  }, []);

  useEffect(() => {
    const id = window.setInterval(() => refreshRef.current(), state === 'live' ? liveMs : pollMs);
    return () => window.clearInterval(id);
  }, [state, pollMs, liveMs]);

  return state;
}
