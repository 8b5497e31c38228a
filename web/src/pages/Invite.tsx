/**
 * Accepting an invitation (/invite/{token}): shows who is invited, as what, then sets the
 * password with POST /v1/invites/{token}/accept, which signs in (the server takes no name there: the
 * inviter gave it).
 */
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { ApiError, api, enc, type Role } from '../api';
import { Loading } from '../components/ui';
import { useLoad } from '../hooks';
import { useI18n } from '../i18n';
import { navigate, usePageTitle } from '../router';
import { useSession } from '../session';

interface InviteInfo {
  email: string;
  role: Role;
  customer?: string;
  expiresAt: string;
}

export function Invite({ token }: { token: string }) {
  const i = useI18n();
  const { t } = i;
  const { accept } = useSession();
  usePageTitle(t('invite.title'));
  const { data, error, loading } = useLoad((s) => api.get<InviteInfo>(`/v1/invites/${enc(token)}`, s), [token]);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const errRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (message) errRef.current?.focus();
  }, [message]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password !== confirm) {
      setMessage(t('invite.passwordMismatch'));
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      await accept(token, password);
      navigate('/', { replace: true });
    } catch (err) {
      setMessage(
        err instanceof ApiError && (err.status === 404 || err.status === 410)
          ? t('invite.invalid')
          : err instanceof Error
            ? err.message
            : String(err),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="auth">
      <h1>{t('invite.title')}</h1>
      {loading && <Loading />}
      {error && (
        <p className="alert alert-error" role="alert">
          {error.status === 404 || error.status === 410 || error.status === 401 ? t('invite.invalid') : error.message}
        </p>
      )}
      {data && (
        <>
          <p>
            {data.customer
              ? t('invite.introCustomer', { role: t(`role.${data.role}`), customer: data.customer, email: data.email })
              : t('invite.intro', { role: t(`role.${data.role}`), email: data.email })}
          </p>
          <p className="muted">{t('invite.expires', { date: i.dateTime(data.expiresAt) })}</p>
          {message && (
            <div className="alert alert-error" role="alert" id="invite-error" tabIndex={-1} ref={errRef}>
              <p className="alert-title">{t('invite.errorTitle')}</p>
              <p>{message}</p>
            </div>
          )}
          <form className="form" onSubmit={submit} aria-describedby={message ? 'invite-error' : undefined}>
            <input type="email" name="username" autoComplete="username" value={data.email} readOnly hidden />
            <label htmlFor="new-password">{t('invite.password')}</label>
            <input
              id="new-password"
              name="new-password"
              type="password"
              autoComplete="new-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            <label htmlFor="confirm-password">{t('invite.passwordConfirm')}</label>
            <input
              id="confirm-password"
              name="confirm-password"
              type="password"
              autoComplete="new-password"
              required
              value={confirm}
              onChange={(e) => setConfirm(e.target.value)}
            />
            <button type="submit" className="button button-primary" disabled={busy}>
              {t('invite.submit')}
            </button>
          </form>
        </>
      )}
    </div>
  );
}
