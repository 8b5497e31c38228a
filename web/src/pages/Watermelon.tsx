/**
 * "SLA met, customers unhappy" (GET /v1/watermelon): per customer and service, for one month, the
 * SLA's verdict beside CSAT, the mean rating, the reopen rate and how long customers waited for a
 * resolution; the pairs whose SLA is met while customers are unhappy first, with the reasons.
 * The month is kept in the URL (?period=2026-11); the previous month by default.
 *
 * The reasons are said in the page's language from each reason's code and figures; a code the page
 * does not know (a newer server) is shown by its English `message`, marked as English.
 */
import { api, enc, type WatermelonAnswer } from '../api';
import type { WatermelonReason } from '../api-budget';
import { ErrorBox, Loading, StateBadge } from '../components/ui';
import { useLoad } from '../hooks';
import { type I18n, useI18n } from '../i18n';
import { navigate, usePageTitle, useLocation } from '../router';

/** The last 12 months, newest first, as labels (2026-11), starting with the previous month. */
export function lastMonths(now = new Date()): string[] {
  const out: string[] = [];
  for (let k = 1; k <= 12; k++) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - k, 1));
    out.push(`${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`);
  }
  return out;
}

/** A reason the row is flagged, in the page's language from its code and figures; null for a code this app does not know. */
function reason(i: I18n, w: WatermelonReason): string | null {
  switch (w.code) {
    case 'csat_below':
      return i.t('watermelon.whyCsat', { csat: i.pct(w.params.csat, 1), below: i.pct(w.params.csatBelow, 1) });
    case 'reopen_above':
      return i.t('watermelon.whyReopen', { rate: i.pct(w.params.reopenRate, 1), above: i.pct(w.params.reopenAbove, 1) });
    default:
      return null;
  }
}

export function Watermelon() {
  const i = useI18n();
  const { t } = i;
  usePageTitle(t('watermelon.title'));
  const { search } = useLocation();
  const months = lastMonths();
  const period = search.get('period') ?? months[0]!;
  const { data, error, loading, reload } = useLoad(
    (signal) => api.get<WatermelonAnswer>(`/v1/watermelon?period=${enc(period)}`, signal),
    [period],
  );
  const rows = [...(data?.rows ?? [])].sort((a, b) => Number(b.watermelon) - Number(a.watermelon));
  const dash = '–';
  const pct = (v: number | null) => (v === null ? dash : i.pct(v, 1));
  const hours = (v: number | null) => (v === null ? dash : i.duration(v * 3_600_000));

  return (
    <>
      <h1>{t('watermelon.title')}</h1>
      <p className="lede">{t('watermelon.lede')}</p>
      <form className="filters" aria-label={t('overview.filters')} onSubmit={(e) => e.preventDefault()}>
        <label>
          {t('watermelon.month')}
          <select value={period} onChange={(e) => navigate(`/watermelon?period=${enc(e.target.value)}`, { replace: true })}>
            {(months.includes(period) ? months : [period, ...months]).map((m) => (
              <option key={m} value={m}>
                {i.month(m)}
              </option>
            ))}
          </select>
        </label>
      </form>
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && <Loading />}
      {data && (
        <section className="card" aria-labelledby="wm-h">
          <h2 id="wm-h">{t('watermelon.table', { period: i.month(data.period.label) })}</h2>
          <p className="muted">
            {t('watermelon.thresholds', { csat: i.pct(data.thresholds.csatBelow, 1), reopen: i.pct(data.thresholds.reopenAbove, 1) })}
          </p>
          {rows.length === 0 ? (
            <p>{t('watermelon.none')}</p>
          ) : (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">{t('watermelon.pair')}</th>
                    <th scope="col">{t('watermelon.sla')}</th>
                    <th scope="col" className="num">
                      {t('watermelon.csat')}
                    </th>
                    <th scope="col" className="num">
                      {t('watermelon.rating')}
                    </th>
                    <th scope="col" className="num">
                      {t('watermelon.reopen')}
                    </th>
                    <th scope="col" className="num">
                      {t('watermelon.tickets')}
                    </th>
                    <th scope="col" className="num">
                      {t('watermelon.waited')}
                    </th>
                    <th scope="col">{t('watermelon.verdict')}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => {
                    return (
                      <tr key={`${r.customer}/${r.service}`} className={r.watermelon ? 'row-flagged' : undefined}>
                        <th scope="row">
                          <bdi>{r.customer}</bdi>
                          <span className="muted block">
                            <bdi>{r.service}</bdi>
                          </span>
                        </th>
                        <td>
                          <StateBadge state={r.sla} />
                        </td>
                        <td className="num">{pct(r.csat)}</td>
                        <td className="num">{pct(r.meanRating)}</td>
                        <td className="num">{pct(r.reopenRate)}</td>
                        <td className="num">
                          {t('watermelon.ticketCounts', { created: i.num(r.tickets.created, 0), resolved: i.num(r.tickets.resolved, 0) })}
                        </td>
                        <td className="num">
                          {r.waitedHours.median === null
                            ? dash
                            : t('watermelon.waitedValue', { median: hours(r.waitedHours.median), p90: hours(r.waitedHours.p90) })}
                        </td>
                        <td>
                          {r.watermelon ? (
                            <>
                              <strong className="flag">{t('watermelon.flag')}</strong>
                              <ul className="reasons">
                                {r.why.map((w) => {
                                  const said = reason(i, w);
                                  return said !== null ? (
                                    <li key={w.code}>{said}</li>
                                  ) : (
                                    <li key={w.code} lang="en" dir="ltr">
                                      {w.message}
                                    </li>
                                  );
                                })}
                              </ul>
                            </>
                          ) : (
                            <span className="muted">{t('watermelon.noFlag')}</span>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </>
  );
}
