/**
 * The overview: every agreement the user can see with its health now (its worst measured target),
 * each target in its current window against the promise, and what its latest settled billing
 * period owes; filters by customer and service, totals per customer.
 *
 * One request: GET /v1/portfolio, which the server answers from an index of current windows (its
 * cost does not grow with the history). Filtering and the per-customer totals of a filtered view
 * are done here, over that one answer.
 */
import { useMemo, useState } from 'react';
import { api, enc, type Portfolio, type PortfolioAgreement } from '../api';
import { BudgetLine } from '../components/BudgetBurnDown';
import { ErrorBox, Loading, StateBadge } from '../components/ui';
import { useLoad } from '../hooks';
import { useI18n } from '../i18n';
import { formatPromise, formatValue, totalsByCustomer } from '../model';
import { Link, navigate, usePageTitle, useLocation } from '../router';
import { isProvider, useSession } from '../session';

const loadPortfolio = (signal: AbortSignal) => api.get<Portfolio>('/v1/portfolio', signal);

/** Rows listed before "show all": a portfolio of a thousand agreements opens on what needs attention. */
const FIRST_ROWS = 100;
/** Worst first: breached, at risk, not measured yet, met. */
const ATTENTION: Record<PortfolioAgreement['health'], number> = { breached: 0, at_risk: 1, no_data: 2, met: 3 };

export function Overview() {
  const i = useI18n();
  const { t } = i;
  const { user } = useSession();
  const provider = isProvider(user);
  const { search } = useLocation();
  const title = provider ? t('overview.title') : t('overview.customerTitle');
  usePageTitle(title);
  const { data, error, loading, reload } = useLoad(loadPortfolio, []);

  const customerFilter = search.get('customer') ?? '';
  const serviceFilter = search.get('service') ?? '';
  const setFilter = (key: string, value: string) => {
    const q = new URLSearchParams(search);
    if (value) q.set(key, value);
    else q.delete(key);
    const s = q.toString();
    navigate(s ? `/?${s}` : '/', { replace: true });
  };

  const { customers, services, rows, totals } = useMemo(() => {
    const all: PortfolioAgreement[] = data?.agreements ?? [];
    const customers = [...new Set(all.map((r) => r.customer).filter((c): c is string => !!c))].sort();
    const services = [...new Set(all.flatMap((r) => r.services))].sort();
    const rows = all
      .filter((r) => (!customerFilter || r.customer === customerFilter) && (!serviceFilter || r.services.includes(serviceFilter)))
      .sort((a, b) => ATTENTION[a.health] - ATTENTION[b.health] || a.name.localeCompare(b.name));
    return { customers, services, rows, totals: totalsByCustomer(rows) };
  }, [data, customerFilter, serviceFilter]);

  const [showAll, setShowAll] = useState(false);
  const shown = showAll ? rows : rows.slice(0, FIRST_ROWS);
  const counts = { met: 0, at_risk: 0, breached: 0, no_data: 0 };
  for (const r of rows) counts[r.health]++;

  return (
    <>
      <h1>{title}</h1>
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && <Loading />}
      {data && (
        <>
          <ul className="stats" aria-label={t('overview.agreements')}>
            <li className="stat">
              <span className="stat-value">{i.num(rows.length, 0)}</span>
              <span className="stat-label">{t('overview.agreementsCount')}</span>
            </li>
            <li className="stat stat-breached">
              <span className="stat-value">{i.num(counts.breached, 0)}</span>
              <span className="stat-label">{t('overview.breachedCount')}</span>
            </li>
            <li className="stat stat-at-risk">
              <span className="stat-value">{i.num(counts.at_risk, 0)}</span>
              <span className="stat-label">{t('overview.atRiskCount')}</span>
            </li>
            <li className="stat stat-met">
              <span className="stat-value">{i.num(counts.met, 0)}</span>
              <span className="stat-label">{t('overview.metCount')}</span>
            </li>
          </ul>

          <form className="filters" aria-label={t('overview.filters')} onSubmit={(e) => e.preventDefault()}>
            {provider && customers.length > 1 && (
              <label>
                {t('overview.customer')}
                <select value={customerFilter} onChange={(e) => setFilter('customer', e.target.value)}>
                  <option value="">{t('overview.all')}</option>
                  {customers.map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                </select>
              </label>
            )}
            {services.length > 1 && (
              <label>
                {t('overview.service')}
                <select value={serviceFilter} onChange={(e) => setFilter('service', e.target.value)}>
                  <option value="">{t('overview.all')}</option>
                  {services.map((s) => (
                    <option key={s} value={s}>
                      {s}
                    </option>
                  ))}
                </select>
              </label>
            )}
          </form>

          <section className="card" aria-labelledby="agreements-h">
            <h2 id="agreements-h">{t('overview.agreements')}</h2>
            {rows.length === 0 ? (
              <p>{t('overview.noAgreements')}</p>
            ) : (
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">{t('overview.agreement')}</th>
                      {provider && <th scope="col">{t('overview.customer')}</th>}
                      <th scope="col">{t('overview.state')}</th>
                      <th scope="col">{t('overview.targets')}</th>
                      <th scope="col">{t('overview.owed')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((r) => (
                      <tr key={r.id}>
                        <th scope="row">
                          <Link to={`/agreements/${enc(r.id)}`}>
                            <bdi>{r.name}</bdi>
                          </Link>
                          <span className="muted block">
                            {r.id}
                            {r.services.length > 0 && ` · ${r.services.join(', ')}`}
                          </span>
                        </th>
                        {provider && <td>{r.customer ?? <span className="muted">{t('overview.internal')}</span>}</td>}
                        <td>
                          <StateBadge state={r.health} />
                        </td>
                        <td>
                          <ul className="targets">
                            {r.targets.map((tg) => (
                              <li key={`${tg.target}/${tg.window}`}>
                                <StateBadge state={tg.state} /> <bdi className="target-name">{tg.name}</bdi>{' '}
                                <span className="muted">
                                  {tg.value === null
                                    ? t('target.noValue')
                                    : t('target.value', {
                                        value: formatValue(i, tg.value, tg.unit),
                                        promise: formatPromise(i, { comparator: tg.comparator ?? '', target: tg.goal ?? 0, unit: tg.unit }),
                                      })}
                                  {' · '}
                                  {t('target.window', { window: tg.window })}
                                </span>
                                <BudgetLine budget={tg.budget} />
                              </li>
                            ))}
                          </ul>
                        </td>
                        <td className="num">
                          {r.period ? (
                            <>
                              {r.period.owed.every((m) => m.amountMinor === 0)
                                ? t('overview.nothingOwed')
                                : r.period.owed
                                    .filter((m) => m.amountMinor !== 0)
                                    .map((m) => (
                                      <span key={m.currency} className="block">
                                        {i.money(m.amountMinor, m.currency)}
                                      </span>
                                    ))}
                              <span className="muted block">{t('overview.period', { period: r.period.label })}</span>
                            </>
                          ) : (
                            <span className="muted">—</span>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {shown.length < rows.length && (
              <p>
                <button type="button" className="button" onClick={() => setShowAll(true)}>
                  {t('overview.showAll', { shown: i.num(shown.length, 0), n: i.num(rows.length, 0) })}
                </button>
              </p>
            )}
          </section>

          {provider && (
            <section className="card" aria-labelledby="totals-h">
              <h2 id="totals-h">{t('overview.totals')}</h2>
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">{t('overview.customer')}</th>
                      <th scope="col" className="num">
                        {t('overview.agreementsCount')}
                      </th>
                      <th scope="col" className="num">
                        {t('overview.breachedCount')}
                      </th>
                      <th scope="col" className="num">
                        {t('overview.atRiskCount')}
                      </th>
                      <th scope="col" className="num">
                        {t('overview.metCount')}
                      </th>
                      <th scope="col" className="num">
                        {t('overview.owed')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {totals.map((c) => (
                      <tr key={c.customer ?? ''}>
                        <th scope="row">
                          {c.customer ?? <span className="muted">{t('overview.internal')}</span>}
                          {c.name && c.name !== c.customer && <span className="muted block">{c.name}</span>}
                        </th>
                        <td className="num">{i.num(c.agreements, 0)}</td>
                        <td className="num">{i.num(c.counts.breached, 0)}</td>
                        <td className="num">{i.num(c.counts.at_risk, 0)}</td>
                        <td className="num">{i.num(c.counts.met, 0)}</td>
                        <td className="num">
                          {c.owed.size === 0
                            ? '—'
                            : [...c.owed].map(([cur, minor]) => (
                                <span key={cur} className="block">
                                  {i.money(minor, cur)}
                                </span>
                              ))}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
          )}
        </>
      )}
    </>
  );
}
