/**
 * A small History-API router: the path is state, links push it, the back button pops it. Routes
 * are matched in app.tsx. Focus moves to the new page's heading after a navigation so screen
 * readers and keyboard users land on the new content.
 */
import { type AnchorHTMLAttributes, type MouseEvent, useEffect, useSyncExternalStore } from 'react';

const listeners = new Set<() => void>();

function subscribe(fn: () => void): () => void {
  listeners.add(fn);
  window.addEventListener('popstate', fn);
  return () => {
    listeners.delete(fn);
    window.removeEventListener('popstate', fn);
  };
}

const snapshot = () => window.location.pathname + window.location.search;

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.scrollTo(0, 0);
  for (const l of listeners) l();
}

/** The current path and query, e.g. "/agreements/acme-checkout?x=1". */
export function useLocation(): { path: string; search: URLSearchParams } {
  const s = useSyncExternalStore(subscribe, snapshot);
  const q = s.indexOf('?');
  return { path: q < 0 ? s : s.slice(0, q), search: new URLSearchParams(q < 0 ? '' : s.slice(q)) };
}

export function Link({ to, children, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    rest.onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a {...rest} href={to} onClick={onClick}>
      {children}
    </a>
  );
}

/** Sets the document title and, after client-side navigations, moves focus to the page's h1. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Pledge`;
  }, [title]);
}

let firstRender = true;
export function useFocusHeadingOnNavigate(path: string): void {
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every path change on purpose
  useEffect(() => {
    if (firstRender) {
      firstRender = false;
      return;
    }
    const h1 = document.querySelector<HTMLElement>('main h1');
    if (h1) {
      h1.tabIndex = -1;
      h1.focus({ preventScroll: true });
    }
  }, [path]);
}
