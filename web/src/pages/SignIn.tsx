/**
 * Sign-in: e-mail and password to POST /v1/session. A wrong pair and a lock-out (429 with
 * Retry-After) are announced in an alert region tied to the form, and focus goes to it.
 */
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api';
import { useI18n } from '../i18n';
import { usePageTitle } from '../router';
import { useSession } from '../session';

export function SignIn() {
  const i = useI18n();
  const { t } = i;
  const { signIn, ended } = useSession();
  usePageTitle(t('signin.title'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const errRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (message) errRef.current?.focus();
  }, [message]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!email || !password) {
      setMessage(t('signin.required'));
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      await signIn(email.trim(), password);
    } catch (err) {
      setPassword('');
      if (err instanceof ApiError && err.status === 429)
        setMessage(err.retryAfter ? t('signin.locked', { wait: i.duration(err.retryAfter * 1000) }) : t('signin.lockedNoWait'));
      else if (err instanceof ApiError && err.status === 401) setMessage(t('signin.wrong'));
      else setMessage(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="auth">
      <h1>{t('signin.title')}</h1>
      {ended && !message && (
        <p className="alert alert-warn" role="status">
          {t('app.sessionEnded')}
        </p>
      )}
      {message && (
        <div className="alert alert-error" role="alert" id="signin-error" tabIndex={-1} ref={errRef}>
          <p className="alert-title">{t('signin.errorTitle')}</p>
          <p>{message}</p>
        </div>
      )}
      <form className="form" onSubmit={submit} noValidate aria-describedby={message ? 'signin-error' : undefined}>
        <label htmlFor="email">{t('signin.email')}</label>
        <input
          id="email"
          name="email"
          type="email"
          autoComplete="username"
          required
          dir="ltr"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          aria-invalid={message ? true : undefined}
        />
        <label htmlFor="password">{t('signin.password')}</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          aria-invalid={message ? true : undefined}
        />
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? t('signin.submitting') : t('signin.submit')}
        </button>
      </form>
    </div>
  );
}
