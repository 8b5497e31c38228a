/**
 * An agreement's versions (1 is the approved document, then amendments) and, once there are two,
 * what changed between any two of them (GET .../diff?from&to): one row per change with where,
 * what kind, the value before and after. Paths and values are the document's own words (JSON),
 * kept left to right inside an Arabic page.
 */
import { type FormEvent, useId, useState } from 'react';
import type { ApiError, Version } from '../api';
import { agreementApi, type Change, type DiffAnswer } from '../api-agreement';
import { type I18n, useI18n } from '../i18n';
import { asApiError } from './ActionError';
import { ErrorBox, Section } from './ui';

function show(v: unknown): string {
  if (v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function kindName(i: I18n, k: Change['kind']): string {
  return i.t(k === 'added' ? 'diff.kind.added' : k === 'removed' ? 'diff.kind.removed' : 'diff.kind.changed');
}

export function VersionsDiff({ id, versions }: { id: string; versions: Version[] }) {
  const i = useI18n();
  const { t } = i;
  const uid = useId();
  const numbers = versions.map((v) => v.version).sort((a, b) => a - b);
  const latest = numbers[numbers.length - 1] ?? 1;
  // Until someone picks, the last two versions (the list can grow while the page is open).
  const [picked, setPicked] = useState<{ from?: number; to?: number }>({});
  const from = picked.from ?? numbers[numbers.length - 2] ?? 1;
  const to = picked.to ?? latest;
  const setFrom = (n: number) => setPicked((p) => ({ ...p, from: n }));
  const setTo = (n: number) => setPicked((p) => ({ ...p, to: n }));
  const [diff, setDiff] = useState<DiffAnswer | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [same, setSame] = useState(false);
  const [busy, setBusy] = useState(false);

  const compare = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSame(from === to);
    if (from === to) {
      setDiff(null);
      return;
    }
    setBusy(true);
    try {
      setDiff(await agreementApi.diff(id, from, to));
    } catch (err) {
      setDiff(null);
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  const select = (name: string, value: number, set: (n: number) => void, label: string) => (
    <label htmlFor={`${uid}-${name}`}>
      {label}
      <select id={`${uid}-${name}`} value={value} onChange={(e) => set(Number(e.target.value))}>
        {numbers.map((n) => (
          <option key={n} value={n}>
            {i.num(n, 0)}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <Section title={t('agreement.versions')} id="versions">
      {versions.length === 0 ? (
        <p className="muted">{t('diff.noVersions')}</p>
      ) : (
        <div className="table-wrap">
          <table className="table table-compact">
            <thead>
              <tr>
                <th scope="col">{t('agreement.version')}</th>
                <th scope="col">{t('agreement.effective')}</th>
                <th scope="col">{t('agreement.createdBy')}</th>
                <th scope="col">{t('agreement.note')}</th>
              </tr>
            </thead>
            <tbody>
              {versions.map((v) => (
                <tr key={v.version}>
                  <th scope="row">{i.num(v.version, 0)}</th>
                  <td>
                    <time dateTime={v.effective}>{i.dateTime(v.effective)}</time>
                  </td>
                  <td>
                    {v.createdBy} <span className="muted">({i.date(v.createdAt)})</span>
                  </td>
                  <td>{v.note ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {versions.length === 1 && <p className="muted">{t('diff.oneVersion')}</p>}
      {versions.length > 1 && (
        <form className="vd-compare" onSubmit={compare} aria-labelledby={`${uid}-h`}>
          <h3 id={`${uid}-h`}>{t('diff.compare')}</h3>
          <div className="filters inline-fields">
            {select('from', from, setFrom, t('diff.from'))}
            {select('to', to, setTo, t('diff.to'))}
            <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
              {t('diff.show')}
            </button>
          </div>
        </form>
      )}
      <div aria-live="polite">
        {same && <p className="alert alert-warn">{t('diff.same')}</p>}
        {error && <ErrorBox error={error} />}
        {diff &&
          (diff.changes.length === 0 ? (
            <p>{t('diff.none', { from: i.num(diff.from, 0), to: i.num(diff.to, 0) })}</p>
          ) : (
            <div className="table-wrap">
              <table className="table table-compact vd-table">
                <caption>{t('diff.caption', { from: i.num(diff.from, 0), to: i.num(diff.to, 0) })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('diff.where')}</th>
                    <th scope="col">{t('diff.change')}</th>
                    <th scope="col">{t('diff.before')}</th>
                    <th scope="col">{t('diff.after')}</th>
                  </tr>
                </thead>
                <tbody>
                  {diff.changes.map((c) => (
                    <tr key={`${c.kind}:${c.path}`} className={`vd-${c.kind}`}>
                      <th scope="row">
                        {c.path === '' ? (
                          t('diff.document')
                        ) : (
                          <code dir="ltr" className="vd-path">
                            {c.path}
                          </code>
                        )}
                      </th>
                      <td>
                        <span aria-hidden="true" className="vd-mark">
                          {c.kind === 'added' ? '+' : c.kind === 'removed' ? '−' : '~'}
                        </span>{' '}
                        {kindName(i, c.kind)}
                      </td>
                      <td>
                        {'before' in c && (
                          <code dir="ltr" className="vd-value vd-before">
                            {show(c.before)}
                          </code>
                        )}
                      </td>
                      <td>
                        {'after' in c && (
                          <code dir="ltr" className="vd-value vd-after">
                            {show(c.after)}
                          </code>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
      </div>
    </Section>
  );
}
