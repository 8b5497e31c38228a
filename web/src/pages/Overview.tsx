/**
 * The overview: every agreement the user can see with its state now, each target in its current
 * window against the promise (with the downtime budget left where the API gives one), and what
 * is owed this billing period; filters by customer and service, totals per customer.
 *
 * The API has no portfolio route yet, so this reads the list of agreements, then each one's
 * effective terms, and all compliance results and settlements, and aggregates here (model.ts).
 */
import { useMemo } from 'react';
import { type AgreementSummary, api, type ComplianceItem, type EffectiveTerms, enc, getAll, type SettlementItem } from '../api';
import { ErrorBox, Loading, StateBadge } from '../components/ui';
import { mapLimit, useLoad } from '../hooks';
import { useI18n } from '../i18n';
import { currentResults, currentSettlement, formatPromise, formatValue, type Row, totalsByCustomer, worst } from '../model';
import { Link, navigate, usePageTitle, useLocation } from '../router';
import { isProvider, useSession } from '../session';

async function loadRows(signal: AbortSignal): Promise<{ rows: Row[]; partial: string[] }> {
  const now = Date.now();
  const [agreements, compliance, settlements] = await Promise.all([
    getAll<AgreementSummary>('/v1/agreements', 5000, signal),
    getAll<ComplianceItem>('/v1/compliance', 100_000, signal),
    getAll<SettlementItem>('/v1/settlements', 100_000, signal),
  ]);
  const partial: string[] = [];
  const effective = await mapLimit(agreements, 6, (a) =>
    api.get<EffectiveTerms>(`/v1/agreements/${enc(a.id)}/effective`, signal).catch(() => {
      partial.push(a.id);
      return undefined;
    }),
  );
  const compBy = new Map<string, ComplianceItem[]>();
  for (const c of compliance) compBy.set(c.agreement, [...(compBy.get(c.agreement) ?? []), c]);
  const setBy = new Map<string, SettlementItem[]>();
  for (const s of settlements) setBy.set(s.agreement, [...(setBy.get(s.agreement) ?? []), s]);

  const rows = agreements.map((a, k): Row => {
    const e = effective[k];
    const cur = currentResults(compBy.get(a.id) ?? [], now);
    const targetIds = e?.terms.targets?.map((t) => t.id) ?? [...cur.keys()];
    const targets = targetIds.map((id) => ({
      id,
      name: e?.terms.targets?.find((t) => t.id === id)?.name ?? id,
      item: cur.get(id),
    }));
    return {
      id: a.id,
      name: e?.terms.name ?? a.id,
      customer: a.customer ?? e?.customer ?? null,
      customerName: e?.terms.parties?.customer?.name ?? null,
      services: e?.service ? [e.service] : (e?.terms.services ?? []),
      kind: e?.terms.kind ?? '',
      state: worst(targets.map((t) => t.item?.result.state ?? 'no_data')),
      targets,
      settlement: currentSettlement(setBy.get(a.id) ?? [], now),
      problems: [],
    };
  });
  return { rows, partial };
}

export function Overview() {
  const i = useI18n();
  const { t } = i;
  const { user } = useSession();
  const provider = isProvider(user);
  const { search } = useLocation();
  const title = provider ? t('overview.title') : t('overview.customerTitle');
  usePageTitle(title);
  const { data, error, loading, reload } = useLoad(loadRows, []);

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
    const all = data?.rows ?? [];
    const customers = [...new Set(all.map((r) => r.customer).filter((c): c is string => !!c))].sort();
    const services = [...new Set(all.flatMap((r) => r.services))].sort();
    const rows = all.filter(
      (r) => (!customerFilter || r.customer === customerFilter) && (!serviceFilter || r.services.includes(serviceFilter)),
    );
    return { customers, services, rows, totals: totalsByCustomer(rows) };
  }, [data, customerFilter, serviceFilter]);

  const counts = { met: 0, at_risk: 0, breached: 0, no_data: 0 };
  for (const r of rows) counts[r.state]++;

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

          {data.partial.length > 0 && (
            <p className="alert alert-warn" role="status">
              {t('overview.partial', { list: data.partial.join(', ') })}
            </p>
          )}

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
                    {rows.map((r) => (
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
                          <StateBadge state={r.state} />
                        </td>
                        <td>
                          <ul className="targets">
                            {r.targets.map((tg) => (
                              <li key={tg.id}>
                                <StateBadge state={tg.item?.result.state ?? 'no_data'} /> <bdi className="target-name">{tg.name}</bdi>{' '}
                                {tg.item ? (
                                  <span className="muted">
                                    {tg.item.result.value === null
                                      ? t('target.noValue')
                                      : t('target.value', {
                                          value: formatValue(i, tg.item.result.value, tg.item.result.unit),
                                          promise: formatPromise(i, tg.item.result),
                                        })}
                                    {' · '}
                                    {t('target.window', { window: tg.item.window })}
                                    {tg.item.result.budget && (
                                      <>
                                        {' · '}
                                        {tg.item.result.budget.remainingMs >= 0
                                          ? t('target.budgetLeft', { left: i.duration(tg.item.result.budget.remainingMs) })
                                          : t('target.budgetOver', { over: i.duration(-tg.item.result.budget.remainingMs) })}
                                      </>
                                    )}
                                  </span>
                                ) : null}
                              </li>
                            ))}
                          </ul>
                        </td>
                        <td className="num">
                          {r.settlement ? (
                            <>
                              {r.settlement.settlement.totals.length === 0
                                ? t('overview.nothingOwed')
                                : r.settlement.settlement.totals.map((tt) => (
                                    <span key={tt.currency} className="block">
                                      {i.money(tt.amountMinor, tt.currency)}
                                    </span>
                                  ))}
                              <span className="muted block">{t('overview.period', { period: r.settlement.period })}</span>
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
