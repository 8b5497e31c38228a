/**
 * The shell: skip link, header (name, navigation by role, language, who is signed in, sign-out),
 * the main landmark, and the routes. Signed out, every path but /invite/{token} shows the
 * sign-in page; signed in, the path stays what it was (a deep link survives signing in).
 * A customer user gets the portal navigation only: its agreements; never the live board.
 */
import { lazy, type ReactNode, Suspense } from 'react';
import { useI18n } from './i18n';
import { mayReadAudit } from './api-alerts';
import { mayReadMonitors } from './api-monitors';
import { Agreement } from './pages/Agreement';
import { Alerts } from './pages/Alerts';
import { Audit } from './pages/Audit';
import { CalendarList, CalendarPage } from './pages/Calendars';
import { Invite } from './pages/Invite';
import { Live } from './pages/Live';
import { Overview } from './pages/Overview';
import { People } from './pages/People';
import { SignIn } from './pages/SignIn';
import { Ticket } from './pages/Ticket';
import { Watermelon } from './pages/Watermelon';
import { Link, useFocusHeadingOnNavigate, useLocation, usePageTitle } from './router';
import { isProvider, useSession } from './session';
import { ErrorBox, Loading } from './components/ui';

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// Monitoring is lazy: its page (and its form) loads when it is opened, not with the app.
const Monitoring = lazy(() => import('./pages/Monitoring').then((m) => ({ default: m.Monitoring })));

function NotFound() {
  const { t } = useI18n();
  usePageTitle(t('app.notFound'));
  return (
    <>
      <h1>{t('app.notFound')}</h1>
      <p>{t('app.notFoundText')}</p>
      <p>
        <Link to="/">{t('app.backHome')}</Link>
      </p>
    </>
  );
}

function Routes({ path, search, provider, role }: { path: string; search: URLSearchParams; provider: boolean; role?: string }) {
  if (path === '/' || path === '') return <Overview />;
  if ((path === '/calendars' || path === '/calendars/') && provider) return <CalendarList />;
  const cal = /^\/calendars\/([^/]+)\/?$/.exec(path);
  if (cal?.[1] && provider) return <CalendarPage key={cal[1]} name={decode(cal[1])} />;
  if ((path === '/people' || path === '/people/') && role === 'admin') return <People />;
  if (path === '/live' && provider) return <Live />;
  if (path === '/alerts' && provider) return <Alerts />;
  if (path === '/audit' && provider) return <Audit />; // the page itself says not found to the provider roles without audit.read
  if (path === '/monitoring' && mayReadMonitors(role))
    return (
      <Suspense fallback={<Loading />}>
        <Monitoring />
      </Suspense>
    );
  if (path === '/watermelon') return <Watermelon />;
  let m = /^\/agreements\/([^/]+)\/?$/.exec(path);
  if (m?.[1]) return <Agreement key={m[1]} id={decode(m[1])} />;
  m = /^\/tickets\/([^/]+)\/?$/.exec(path);
  if (m?.[1]) return <Ticket key={m[1]} id={decode(m[1])} source={search.get('source')} />;
  return <NotFound />;
}

function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <fieldset className="lang">
      <legend className="visually-hidden">{t('app.language')}</legend>
      <button type="button" className="link-button" lang="en" aria-pressed={lang === 'en'} onClick={() => setLang('en')}>
        English
      </button>
      <button type="button" className="link-button" lang="ar" aria-pressed={lang === 'ar'} onClick={() => setLang('ar')}>
        العربية
      </button>
    </fieldset>
  );
}

export function App() {
  const { t } = useI18n();
  const session = useSession();
  const { path, search } = useLocation();
  useFocusHeadingOnNavigate(path);
  const provider = isProvider(session.user);
  const invite = /^\/invite\/([^/]+)\/?$/.exec(path);

  const nav = session.user
    ? provider
      ? [
          { to: '/', label: t('nav.overview') },
          { to: '/live', label: t('nav.live') },
          { to: '/watermelon', label: t('nav.watermelon') },
          { to: '/alerts', label: t('nav.alerts') },
          ...(mayReadAudit(session.user?.role) ? [{ to: '/audit', label: t('nav.audit') }] : []),
          { to: '/calendars', label: t('nav.calendars') },
          ...(mayReadMonitors(session.user.role) ? [{ to: '/monitoring', label: t('nav.monitoring') }] : []),
          ...(session.user.role === 'admin' ? [{ to: '/people', label: t('nav.people') }] : []),
        ]
      : [
          { to: '/', label: t('nav.agreements') },
          { to: '/watermelon', label: t('nav.watermelon') },
        ]
    : [];
  const current = (to: string) => (to === '/' ? path === '/' : path.startsWith(to));

  let body: ReactNode;
  if (invite?.[1] && session.status !== 'loading') body = <Invite token={decode(invite[1])} />;
  else if (session.status === 'loading') body = <Loading />;
  else if (session.status === 'error' && session.error) body = <ErrorBox error={session.error} onRetry={session.retry} />;
  else if (session.status === 'signedOut') body = <SignIn />;
  else body = <Routes path={path} search={search} provider={provider} role={session.user?.role} />;

  return (
    <>
      <a className="skip-link" href="#main">
        {t('app.skip')}
      </a>
      <header className="header">
        <div className="header-inner">
          <Link to="/" className="brand">
            <span className="brand-mark" aria-hidden="true">
              ✓
            </span>
            {t('app.name')}
          </Link>
          {nav.length > 0 && (
            <nav aria-label={t('app.mainNav')}>
              <ul className="nav">
                {nav.map((n) => (
                  <li key={n.to}>
                    <Link to={n.to} aria-current={current(n.to) ? 'page' : undefined}>
                      {n.label}
                    </Link>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          <div className="header-end">
            <LanguageSwitch />
            {session.user && (
              <>
                <span className="who">
                  {t('app.signedInAs', { name: session.user.name || session.user.email, role: t(`role.${session.user.role}`) })}
                  {session.user.customer && <span className="muted"> · {session.user.customer}</span>}
                </span>
                <button type="button" className="button" onClick={() => void session.signOut()}>
                  {t('app.signOut')}
                </button>
              </>
            )}
          </div>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {body}
      </main>
    </>
  );
}
