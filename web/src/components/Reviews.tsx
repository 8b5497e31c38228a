/**
 * An agreement's reviews (GET /v1/agreements/{id}/reviews): when the next one is due and what it
 * is counted from, the reviews recorded, and, for the roles that may record one (admin, manager:
 * `agreements.transition`), a form for POST .../reviews (src/http/routes/reviews.ts): the day it
 * was held, the outcome, who held it, the version an amendment made, notes. A customer gets the
 * reviews without their notes from the server, so none are shown to it.
 */
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import type { ApiError, Version } from '../api';
import { agreementApi, type ReviewOutcome, type ReviewToRecord } from '../api-agreement';
import { useLoad } from '../hooks';
import { type I18n, useI18n } from '../i18n';
import { useSession } from '../session';
import { ActionError, asApiError } from './ActionError';
import { ErrorBox, Loading, Section } from './ui';

/** A civil date (YYYY-MM-DD) in the page's language, read as that day and not shifted by a time zone. */
function day(i: I18n, d: string): string {
  const ms = Date.parse(`${d}T12:00:00Z`);
  return Number.isFinite(ms) ? i.date(ms) : d;
}

function cadenceName(i: I18n, c: string): string {
  if (c === 'quarterly') return i.t('reviews.cadence.quarterly');
  if (c === 'half_yearly') return i.t('reviews.cadence.half_yearly');
  if (c === 'yearly') return i.t('reviews.cadence.yearly');
  return c;
}

/** Today in the browser's time zone, as YYYY-MM-DD (the latest day a review can have been held). */
function today(): string {
  const d = new Date();
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
}

export function Reviews({ id, versions, onChanged }: { id: string; versions: Version[]; onChanged: () => void }) {
  const i = useI18n();
  const { t } = i;
  const uid = useId();
  const { user } = useSession();
  const mayRecord = user?.role === 'admin' || user?.role === 'manager';
  const { data, error, loading, reload } = useLoad((s) => agreementApi.reviews(id, s), [id]);
  const [at, setAt] = useState('');
  const [outcome, setOutcome] = useState<ReviewOutcome>('kept');
  const [by, setBy] = useState('');
  const [version, setVersion] = useState(versions[versions.length - 1]?.version ?? 0);
  const [notes, setNotes] = useState('');
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<ApiError | null>(null);
  const [recorded, setRecorded] = useState<string | null>(null);
  const status = useRef<HTMLParagraphElement>(null);
  // The versions can grow while the page is open (an approval records version 1).
  const chosen = versions.some((v) => v.version === version) ? version : versions[versions.length - 1]?.version;

  useEffect(() => {
    if (recorded) status.current?.focus();
  }, [recorded]);

  const record = async (e: FormEvent) => {
    e.preventDefault();
    const body: ReviewToRecord = { outcome };
    if (at) body.at = at;
    if (by.trim()) body.by = by.trim();
    if (notes.trim()) body.notes = notes.trim();
    if (outcome === 'amended' && chosen !== undefined) body.version = chosen;
    setBusy(true);
    setFailed(null);
    setRecorded(null);
    try {
      const r = await agreementApi.recordReview(id, body);
      setRecorded(
        r.state.next
          ? t('reviews.recorded', { day: day(i, r.review.at), due: day(i, r.state.next.due) })
          : t('reviews.recordedNoNext', { day: day(i, r.review.at) }),
      );
      setAt('');
      setBy('');
      setNotes('');
      setOutcome('kept');
      reload();
      // A review changes the agreement's ETag: the page reads it again so a lifecycle move still matches.
      onChanged();
    } catch (err) {
      setFailed(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  const next = data?.next;
  const overdue = next ? next.due < today() : false;

  return (
    <Section title={t('reviews.title')} id="reviews">
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && <Loading />}
      {data && (
        <>
          <dl className="facts">
            <dt>{t('reviews.next')}</dt>
            <dd>
              {next ? (
                <>
                  <strong>{day(i, next.due)}</strong>
                  {overdue && <span className="lc-flag"> {t('reviews.overdue')}</span>}{' '}
                  <span className="muted">
                    {next.reason === 'service_change'
                      ? t('reviews.serviceChange')
                      : t(next.basisKind === 'last_review' ? 'reviews.basis.last_review' : 'reviews.basis.term_start', {
                          date: day(i, next.basis),
                        })}
                  </span>
                </>
              ) : (
                <span className="muted">{t('reviews.noNext', { problem: data.problem ?? '—' })}</span>
              )}
            </dd>
            <dt>{t('reviews.cadence')}</dt>
            <dd>{cadenceName(i, data.cadence)}</dd>
            {data.owner && (
              <>
                <dt>{t('reviews.owner')}</dt>
                <dd>{data.owner}</dd>
              </>
            )}
          </dl>
          {data.reviews.length === 0 ? (
            <p>{t('reviews.none')}</p>
          ) : (
            <div className="table-wrap">
              <table className="table table-compact rv-table">
                <caption>{t('reviews.recordedList')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('reviews.held')}</th>
                    <th scope="col">{t('reviews.heldBy')}</th>
                    <th scope="col">{t('reviews.outcome')}</th>
                    {mayRecord || data.reviews.some((r) => r.notes) ? <th scope="col">{t('reviews.notes')}</th> : null}
                  </tr>
                </thead>
                <tbody>
                  {data.reviews
                    .map((r, n) => ({ r, seq: n + 1 }))
                    .reverse()
                    .map(({ r, seq }) => (
                      <tr key={seq}>
                        <th scope="row">
                          <time dateTime={r.at}>{day(i, r.at)}</time>
                        </th>
                        <td>{r.by}</td>
                        <td>
                          {t(r.outcome === 'amended' ? 'reviews.outcome.amended' : 'reviews.outcome.kept')}
                          {r.version !== undefined && (
                            <span className="muted"> · {t('reviews.versionN', { version: i.num(r.version, 0) })}</span>
                          )}
                        </td>
                        {mayRecord || data.reviews.some((x) => x.notes) ? <td className="rv-notes">{r.notes ?? ''}</td> : null}
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
      {recorded && (
        <p className="alert alert-ok" role="status" tabIndex={-1} ref={status}>
          {recorded}
        </p>
      )}
      {mayRecord && (
        <form className="form rv-form" onSubmit={record} aria-labelledby={`${uid}-h`}>
          <h3 id={`${uid}-h`}>{t('reviews.record')}</h3>
          <label htmlFor={`${uid}-at`}>{t('reviews.at')}</label>
          <input id={`${uid}-at`} type="date" max={today()} value={at} onChange={(e) => setAt(e.target.value)} />
          <label htmlFor={`${uid}-outcome`}>{t('reviews.outcome')}</label>
          <select id={`${uid}-outcome`} value={outcome} onChange={(e) => setOutcome(e.target.value as ReviewOutcome)}>
            <option value="kept">{t('reviews.outcome.kept')}</option>
            <option value="amended">{t('reviews.outcome.amended')}</option>
          </select>
          {outcome === 'amended' && versions.length > 0 && (
            <>
              <label htmlFor={`${uid}-version`}>{t('reviews.amendedVersion')}</label>
              <select id={`${uid}-version`} value={chosen} onChange={(e) => setVersion(Number(e.target.value))}>
                {versions.map((v) => (
                  <option key={v.version} value={v.version}>
                    {i.num(v.version, 0)}
                  </option>
                ))}
              </select>
            </>
          )}
          <label htmlFor={`${uid}-by`}>{t('reviews.by')}</label>
          <input id={`${uid}-by`} maxLength={200} autoComplete="name" value={by} onChange={(e) => setBy(e.target.value)} />
          <label htmlFor={`${uid}-notes`}>{t('reviews.notesInternal')}</label>
          <textarea id={`${uid}-notes`} rows={3} maxLength={10_000} value={notes} onChange={(e) => setNotes(e.target.value)} />
          {failed && <ActionError error={failed} onReload={reload} />}
          <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
            {t('reviews.recordButton')}
          </button>
        </form>
      )}
    </Section>
  );
}
