/**
 * Who is signed in. On start the app asks GET /v1/session; 401 means "show the sign-in page".
 * A 401 on any later request means the session ended (idle timeout, signed out elsewhere): the
 * app forgets the user and shows the sign-in page with a notice.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { ApiError, api, type Session, setCsrfToken, setOnUnauthenticated, type User } from './api';

interface SessionState {
  status: 'loading' | 'signedOut' | 'signedIn' | 'error';
  user: User | null;
  ended: boolean;
  error: ApiError | null;
  signIn: (email: string, password: string) => Promise<void>;
  accept: (token: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
  retry: () => void;
}

const Ctx = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<SessionState['status']>('loading');
  const [user, setUser] = useState<User | null>(null);
  const [ended, setEnded] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [attempt, setAttempt] = useState(0);

  const adopt = useCallback((s: Session) => {
    setCsrfToken(s.csrfToken);
    setUser(s.user);
    setEnded(false);
    setStatus('signedIn');
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: attempt re-runs the probe on retry
  useEffect(() => {
    let live = true;
    api
      .probe<Session>('/v1/session')
      .then((s) => live && adopt(s))
      .catch((e: unknown) => {
        if (!live) return;
        if (e instanceof ApiError && e.status === 401) setStatus('signedOut');
        else {
          setError(e instanceof ApiError ? e : new ApiError(0, 'network', String(e)));
          setStatus('error');
        }
      });
    return () => {
      live = false;
    };
  }, [adopt, attempt]);

  useEffect(() => {
    setOnUnauthenticated(() => {
      setCsrfToken(null);
      setUser(null);
      setEnded(true);
      setStatus('signedOut');
    });
    return () => setOnUnauthenticated(null);
  }, []);

  const value = useMemo<SessionState>(
    () => ({
      status,
      user,
      ended,
      error,
      signIn: async (email, password) => adopt(await api.postQuiet<Session>('/v1/session', { email, password })),
      accept: async (token, password) =>
        adopt(await api.postQuiet<Session>(`/v1/invites/${encodeURIComponent(token)}/accept`, { password })),
      signOut: async () => {
        try {
          await api.del('/v1/session');
        } finally {
          setCsrfToken(null);
          setUser(null);
          setEnded(false);
          setStatus('signedOut');
        }
      },
      retry: () => {
        setStatus('loading');
        setAttempt((a) => a + 1);
      },
    }),
    [status, user, ended, error, adopt],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useSession(): SessionState {
  const v = useContext(Ctx);
  if (!v) throw new Error('useSession outside SessionProvider');
  return v;
}

/** Provider-side roles see the portfolio, the live board and tickets across customers. */
export const isProvider = (u: User | null) => !!u && u.role !== 'customer';
