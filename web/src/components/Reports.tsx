/**
 * An agreement's service reports (GET /v1/agreements/{id}/reports): every frozen revision with
 * links to its HTML, PDF and CSV in English and Arabic (plain same-origin links: the session
 * cookie authenticates them), and, for those who answer for agreements (admin, manager), a form
 * that produces the report of a month (POST .../reports): a new revision only if a figure changed.
 */
import { type FormEvent, useState } from 'react';
import { api, ApiError, enc, type ReportRevision } from '../api';
import { lastMonths } from '../pages/Watermelon';
import { useLoad } from '../hooks';
import { useI18n } from '../i18n';
import { useSession } from '../session';
import { ErrorBox, Loading, Section } from './ui';

export function Reports({ id }: { id: string }) {
  const i = useI18n();
  const { t } = i;
  const { user } = useSession();
  const mayProduce = user?.role === 'admin' || user?.role === 'manager';
  const base = `/v1/agreements/${enc(id)}/reports`;
  const { data, error, loading, reload } = useLoad((signal) => api.get<{ items: ReportRevision[] }>(base, signal), [id]);
  const months = lastMonths();
  const [period, setPeriod] = useState(months[0]!);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);

  const produce = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setOutcome(null);
    try {
      const r = await api.post<{ status: 'created' | 'same'; revision: ReportRevision }>(base, { period });
      const vars = { revision: i.num(r.revision.revision, 0), period: r.revision.period };
      setOutcome({ ok: true, text: r.status === 'created' ? t('reports.created', vars) : t('reports.same', vars) });
      reload();
    } catch (err) {
      setOutcome({ ok: false, text: err instanceof ApiError ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  };

  const link = (r: ReportRevision, format: string, lang: string) =>
    `${base}/${enc(r.period)}?revision=${r.revision}&format=${format}&lang=${lang}`;

  return (
    <Section title={t('reports.title')} id="reports">
      {mayProduce && (
        <form className="produce" onSubmit={produce} aria-labelledby="produce-h" aria-describedby="produce-help">
          <h3 id="produce-h">{t('reports.produce')}</h3>
          <p id="produce-help" className="muted">
            {t('reports.produceHelp')}
          </p>
          <div className="filters inline-fields">
            <label>
              {t('reports.period')}
              <select value={period} onChange={(e) => setPeriod(e.target.value)}>
                {months.map((m) => (
                  <option key={m} value={m}>
                    {i.month(m)}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
              {t('reports.produceButton')}
            </button>
          </div>
        </form>
      )}
      {outcome && (
        <p className={outcome.ok ? 'alert alert-ok' : 'alert alert-warn'} role="status">
          {outcome.text}
        </p>
      )}
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && <Loading />}
      {data &&
        (data.items.length === 0 ? (
          <p>{t('reports.none')}</p>
        ) : (
          <div className="table-wrap">
            <table className="table table-compact">
              <thead>
                <tr>
                  <th scope="col">{t('reports.period')}</th>
                  <th scope="col" className="num">
                    {t('reports.revision')}
                  </th>
                  <th scope="col">{t('reports.made')}</th>
                  <th scope="col" className="num">
                    {t('reports.events')}
                  </th>
                  <th scope="col">{t('reports.hash')}</th>
                  <th scope="col">{t('reports.open')}</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((r) => (
                  <tr key={`${r.period}/${r.revision}`}>
                    <th scope="row">
                      <bdi>{r.period}</bdi>
                    </th>
                    <td className="num">{i.num(r.revision, 0)}</td>
                    <td>
                      {i.dateTime(r.createdAt)} <span className="muted">({r.createdBy})</span>
                    </td>
                    <td className="num">{i.num(r.eventSeq, 0)}</td>
                    <td>
                      <span className="hash" title={r.sha256} dir="ltr">
                        {r.sha256.slice(0, 12)}…
                      </span>
                      <span className="visually-hidden">{r.sha256}</span>
                    </td>
                    <td className="report-links">
                      {(['en', 'ar'] as const).map((lang) => (
                        <span key={lang} className="block">
                          <span className="visually-hidden">{t('reports.formats', { lang: lang === 'en' ? 'English' : 'العربية' })}</span>
                          <span aria-hidden="true">{lang === 'en' ? 'EN' : 'ع'} </span>
                          <a href={link(r, 'html', lang)} lang={lang}>
                            HTML
                          </a>
                          <a href={link(r, 'pdf', lang)} lang={lang} download>
                            PDF
                          </a>
                          <a href={link(r, 'csv', lang)} download>
                            CSV
                          </a>
                        </span>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </Section>
  );
}
