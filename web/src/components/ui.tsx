import type { ReactNode } from 'react';
import type { ApiError } from '../api';
import { type Key, useI18n } from '../i18n';

const STATE_KEYS: Record<string, Key> = {
  met: 'state.met',
  at_risk: 'state.at_risk',
  breached: 'state.breached',
  no_data: 'state.no_data',
  running: 'state.running',
  paused: 'state.paused',
};

/** A state as a word with an icon-like mark and colour: colour is never the only signal. */
export function StateBadge({ state }: { state: string }) {
  const { t } = useI18n();
  const key = STATE_KEYS[state];
  const mark = state === 'met' ? '✓' : state === 'breached' ? '✕' : state === 'at_risk' ? '!' : state === 'no_data' ? '–' : '•';
  return (
    <span className={`badge badge-${state.replace('_', '-')}`}>
      <span aria-hidden="true" className="badge-mark">
        {mark}
      </span>
      {key ? t(key) : state}
    </span>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="loading" role="status">
      {t('app.loading')}
    </p>
  );
}

export function ErrorBox({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const { t } = useI18n();
  if (error.status === 404)
    // Absent, or not visible to this user: the API answers the same, and so does the page.
    return (
      <div className="alert alert-warn" role="alert">
        <p className="alert-title">{t('app.notFound')}</p>
        <p>{t('app.notFoundText')}</p>
      </div>
    );
  return (
    <div className="alert alert-error" role="alert">
      <p className="alert-title">{t('app.error')}</p>
      <p>
        {error.message} {error.code && <code>({error.code})</code>}
      </p>
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          {t('app.retry')}
        </button>
      )}
    </div>
  );
}

export function Section({ title, children, id }: { title: string; children: ReactNode; id?: string }) {
  const hid = id ? `${id}-h` : undefined;
  return (
    <section className="card" aria-labelledby={hid} id={id}>
      <h2 id={hid}>{title}</h2>
      {children}
    </section>
  );
}
