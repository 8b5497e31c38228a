/**
 * One agreement: its effective terms (the layered document as the evaluation uses it), each
 * target's history per window as a chart with the figures as a table, the settlements with
 * their reasoning, its lifecycle and its versions.
 */
import { useEffect, useRef, useState } from 'react';
import {
  type AgreementHistory,
  type AgreementSummary,
  api,
  type ComplianceItem,
  type ComplianceResult,
  type EffectiveTerms,
  enc,
  getAll,
  type Lifecycle,
  type SettlementItem,
  type Version,
} from '../api';
import { BudgetBurnDown } from '../components/BudgetBurnDown';
import { HistoryChart } from '../components/HistoryChart';
import { AgreementLifecycle, stateName } from '../components/Lifecycle';
import { Reports } from '../components/Reports';
import { ReportSchedules } from '../components/ReportSchedules';
import { Reviews } from '../components/Reviews';
import { Said } from '../components/Said';
import { VersionsDiff } from '../components/VersionsDiff';
import { ErrorBox, Loading, Section, StateBadge } from '../components/ui';
import { useLoad } from '../hooks';
import { type I18n, useI18n } from '../i18n';
import { formatPromise, formatValue } from '../model';
import { Link, usePageTitle } from '../router';

interface Data {
  summary: AgreementSummary;
  effective: EffectiveTerms | null;
  lifecycle: Lifecycle | null;
  versions: Version[];
  compliance: ComplianceItem[];
  settlements: SettlementItem[];
}

/** The history's windows as the chart and table read them (the result fields they use). */
function historyItems(h: AgreementHistory): ComplianceItem[] {
  return h.targets.flatMap((t) =>
    t.windows.map(
      (w): ComplianceItem => ({
        agreement: h.agreement,
        target: t.target,
        window: w.window,
        updatedAt: '',
        result: {
          metric: t.metric ?? '',
          unit: t.unit,
          target: w.goal ?? 0,
          comparator: (w.comparator ?? '>=') as ComplianceItem['result']['comparator'],
          window: { from: w.from, to: w.to, label: w.window },
          windowClosed: Date.parse(w.to) <= Date.now(),
          value: w.value,
          state: w.state,
          margin: null,
          reason: w.reason ?? '',
        },
      }),
    ),
  );
}

async function load(id: string, signal: AbortSignal): Promise<Data> {
  const p = `/v1/agreements/${enc(id)}`;
  // The agreement itself first: a 404 (absent, or not visible to this user) ends the page.
  const summary = await api.get<AgreementSummary>(p, signal);
  const soft = <T,>(x: Promise<T>) => x.catch(() => null);
  const [effective, lifecycle, versions, compliance, settlements] = await Promise.all([
    soft(api.get<EffectiveTerms>(`${p}/effective`, signal)),
    soft(api.get<Lifecycle>(`${p}/lifecycle`, signal)),
    soft(api.get<{ items: Version[] }>(`${p}/versions`, signal)),
    // The history per target from the index (GET .../history): not every window's contributing tickets.
    api.get<AgreementHistory>(`${p}/history`, signal).then(historyItems),
    getAll<SettlementItem>(`/v1/settlements?agreement=${enc(id)}`, 10_000, signal),
  ]);
  return { summary, effective, lifecycle, versions: versions?.items ?? [], compliance, settlements };
}

/**
 * The history comes from an index that keeps each window's English reason only (no JSON read per
 * window); the reasons as clauses, to say them in the page's language, are in the full results,
 * read for a target when its table is first opened (GET .../compliance?target=). Until they come,
 * or if reading them fails, the English is shown, marked as English (Said).
 */
function useReasons(id: string) {
  const [got, setGot] = useState<Map<string, ComplianceResult>>(() => new Map());
  const asked = useRef(new Set<string>());
  const current = useRef(id);
  useEffect(() => {
    current.current = id;
    asked.current = new Set();
    setGot(new Map());
  }, [id]);
  const key = (target: string, window: string) => `${target}\u0000${window}`;
  const want = (target: string) => {
    if (asked.current.has(target)) return;
    asked.current.add(target);
    getAll<ComplianceItem>(`/v1/agreements/${enc(id)}/compliance?target=${enc(target)}`).then(
      (items) => {
        if (current.current !== id) return;
        setGot((m) => new Map([...m, ...items.map((c): [string, ComplianceResult] => [key(c.target, c.window), c.result])]));
      },
      () => asked.current.delete(target),
    );
  };
  return { want, of: (target: string, window: string) => got.get(key(target, window)) };
}

function fee(i: I18n, e: EffectiveTerms): string | null {
  const f = e.terms.pricing?.fee;
  const cur = e.terms.pricing?.currency;
  if (!f || !cur) return null;
  const per =
    f.per === 'month' ? 'agreement.perMonth' : f.per === 'quarter' ? 'agreement.perQuarter' : f.per === 'year' ? 'agreement.perYear' : null;
  const amount = new Intl.NumberFormat(i.lang === 'ar' ? 'ar' : 'en-GB', { style: 'currency', currency: cur }).format(Number(f.amount));
  return per ? `${amount} ${i.t(per)}` : `${amount} / ${f.per}`;
}

export function Agreement({ id }: { id: string }) {
  const i = useI18n();
  const { t } = i;
  const { data, error, loading, reload } = useLoad((s) => load(id, s), [id]);
  const reasons = useReasons(id);
  const name = data?.effective?.terms.name;
  usePageTitle(name ?? t('agreement.title', { id }));

  if (error) {
    return (
      <>
        <h1>{t('agreement.title', { id })}</h1>
        <ErrorBox error={error} onRetry={reload} />
      </>
    );
  }
  if (loading && !data) {
    return (
      <>
        <h1>{t('agreement.title', { id })}</h1>
        <Loading />
      </>
    );
  }
  if (!data) return null;
  const e = data.effective;
  const targets = e?.terms.targets ?? [];
  const byTarget = new Map<string, ComplianceItem[]>();
  for (const c of data.compliance) byTarget.set(c.target, [...(byTarget.get(c.target) ?? []), c]);
  const targetIds = [...new Set([...targets.map((x) => x.id), ...byTarget.keys()])];
  const settlements = [...data.settlements].sort((a, b) => Date.parse(b.settlement.period.from) - Date.parse(a.settlement.period.from));
  const term = data.lifecycle?.term ?? e?.terms.term;

  return (
    <>
      <h1>
        <bdi>{name ?? id}</bdi> <span className="muted h1-sub">{id}</span>
      </h1>
      <p className="lede">
        {t('agreement.state')}: <span className="pill">{stateName(i, data.summary.state)}</span>
        {data.summary.customer && (
          <>
            {' · '}
            {t('agreement.customer')}: <Link to={`/?customer=${enc(data.summary.customer)}`}>{data.summary.customer}</Link>
          </>
        )}
      </p>

      <AgreementLifecycle id={id} etag={data.summary.etag} onChanged={reload} />

      <Section title={t('agreement.terms')} id="terms">
        {e ? (
          <dl className="facts">
            <dt>{t('agreement.kind')}</dt>
            <dd>
              {e.terms.kind} · {t('agreement.level')}: {e.terms.level}
            </dd>
            {e.terms.parties?.provider && (
              <>
                <dt>{t('agreement.provider')}</dt>
                <dd>{e.terms.parties.provider.name ?? e.terms.parties.provider.id}</dd>
              </>
            )}
            {e.terms.parties?.customer && (
              <>
                <dt>{t('agreement.customer')}</dt>
                <dd>{e.terms.parties.customer.name ?? e.terms.parties.customer.id}</dd>
              </>
            )}
            {(e.terms.services?.length ?? 0) > 0 && (
              <>
                <dt>{t('agreement.services')}</dt>
                <dd>{e.terms.services?.join(', ')}</dd>
              </>
            )}
            {term?.start && (
              <>
                <dt>{t('agreement.term')}</dt>
                <dd>
                  {t('agreement.from', { from: i.date(term.start) })}{' '}
                  {term.end ? t('agreement.until', { to: i.date(term.end) }) : `(${t('agreement.openEnded')})`}
                </dd>
              </>
            )}
            {fee(i, e) && (
              <>
                <dt>{t('agreement.fee')}</dt>
                <dd>{fee(i, e)}</dd>
              </>
            )}
            {e.terms.penalties?.gracePeriod && (
              <>
                <dt>{t('agreement.grace')}</dt>
                <dd>{e.terms.penalties.gracePeriod}</dd>
              </>
            )}
            {(e.terms.penalties?.exclusions?.length ?? 0) > 0 && (
              <>
                <dt>{t('agreement.exclusions')}</dt>
                <dd>{e.terms.penalties?.exclusions?.join(', ')}</dd>
              </>
            )}
            {e.chain.length > 1 && (
              <>
                <dt>{t('agreement.chain')}</dt>
                <dd>
                  <ol className="chain">
                    {e.chain.map((c) => (
                      <li key={c.id}>
                        {c.id === id ? c.id : <Link to={`/agreements/${enc(c.id)}`}>{c.id}</Link>}{' '}
                        <span className="muted">({c.level})</span>
                      </li>
                    ))}
                  </ol>
                </dd>
              </>
            )}
          </dl>
        ) : (
          <p className="muted">—</p>
        )}
        {targets.length > 0 && (
          <div className="table-wrap">
            <table className="table">
              <caption>{t('agreement.targets')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('agreement.target')}</th>
                  <th scope="col">{t('agreement.metric')}</th>
                  <th scope="col">{t('agreement.promise')}</th>
                  <th scope="col">{t('agreement.window')}</th>
                </tr>
              </thead>
              <tbody>
                {targets.map((tg) => {
                  const r = byTarget.get(tg.id)?.[0]?.result;
                  return (
                    <tr key={tg.id}>
                      <th scope="row">
                        <bdi>{tg.name ?? tg.id}</bdi>
                        {tg.name && <span className="muted block">{tg.id}</span>}
                      </th>
                      <td>{tg.metric}</td>
                      <td>
                        {r ? formatPromise(i, r) : String(tg.value)}
                        {tg.clock?.byPriority && (
                          <span className="muted block">
                            {Object.entries(tg.clock.byPriority)
                              .map(([p, d]) => `${p}: ${d}`)
                              .join(' · ')}
                          </span>
                        )}
                      </td>
                      <td>{tg.window ?? '—'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Section>

      <BudgetBurnDown agreement={id} names={Object.fromEntries(targets.map((x) => [x.id, x.name ?? x.id]))} />
      <Section title={t('agreement.history')} id="history">
        {targetIds.length === 0 || data.compliance.length === 0 ? (
          <p>{t('agreement.noHistory')}</p>
        ) : (
          targetIds.map((tid) => {
            const items = [...(byTarget.get(tid) ?? [])].sort(
              (a, b) => Date.parse(a.result.window.from) - Date.parse(b.result.window.from),
            );
            const tname = targets.find((x) => x.id === tid)?.name ?? tid;
            const first = items[0];
            return (
              <div className="history" key={tid}>
                <h3>{t('agreement.historyOf', { target: tname })}</h3>
                {!first ? (
                  <p className="muted">{t('agreement.noHistory')}</p>
                ) : (
                  <>
                    <HistoryChart
                      items={items}
                      label={t('agreement.chartLabel', { target: tname, promise: formatPromise(i, first.result) })}
                    />
                    <details onToggle={(e) => e.currentTarget.open && reasons.want(tid)}>
                      <summary>{t('agreement.tableToggle')}</summary>
                      <div className="table-wrap">
                        <table className="table table-compact">
                          <thead>
                            <tr>
                              <th scope="col">{t('agreement.window')}</th>
                              <th scope="col">{t('live.state')}</th>
                              <th scope="col" className="num">
                                {t('live.value')}
                              </th>
                              <th scope="col">{t('live.reason')}</th>
                            </tr>
                          </thead>
                          <tbody>
                            {items.map((c) => (
                              <tr key={c.window}>
                                <th scope="row">{c.window}</th>
                                <td>
                                  <StateBadge state={c.result.state} />
                                </td>
                                <td className="num">{formatValue(i, c.result.value, c.result.unit)}</td>
                                <td className="reason">
                                  <Said clauses={reasons.of(tid, c.window)?.reasonWhy} english={c.result.reason} />
                                  {(reasons.of(tid, c.window)?.note ?? c.result.note) && (
                                    <span className="muted block">
                                      <Said
                                        clauses={reasons.of(tid, c.window)?.noteWhy}
                                        english={reasons.of(tid, c.window)?.note ?? c.result.note ?? ''}
                                      />
                                    </span>
                                  )}
                                </td>
                              </tr>
                            ))}
                          </tbody>
                        </table>
                      </div>
                    </details>
                  </>
                )}
              </div>
            );
          })
        )}
      </Section>

      <Section title={t('agreement.settlements')} id="settlements">
        {settlements.length === 0 ? (
          <p>{t('agreement.noSettlements')}</p>
        ) : (
          <ul className="settlements">
            {settlements.map((s) => {
              const owed = s.settlement.totals.filter((x) => x.amountMinor > 0);
              return (
                <li key={s.period} className="settlement">
                  <h3>
                    {t('agreement.period')} {s.period}
                    <span className="settlement-total">
                      {owed.length === 0 ? t('overview.nothingOwed') : owed.map((x) => i.money(x.amountMinor, x.currency)).join(' + ')}
                    </span>
                  </h3>
                  <p className="settlement-summary">
                    <Said clauses={s.settlement.summaryWhy} english={s.settlement.summary} sentence />
                  </p>
                  {s.settlement.grace && s.settlement.grace.applies !== 'no' && (
                    <p className="muted">
                      <Said clauses={s.settlement.grace.reasonWhy} english={s.settlement.grace.reason} />
                    </p>
                  )}
                  {s.settlement.lines.length > 0 && (
                    <details>
                      <summary>
                        {t('agreement.lines')} ({i.num(s.settlement.lines.length, 0)})
                      </summary>
                      <ul className="lines">
                        {s.settlement.lines.map((l) => (
                          <li key={l.rule.path}>
                            <p>
                              <strong>{l.targetId ?? '—'}</strong>
                              {l.compliance && (
                                <>
                                  {' '}
                                  <StateBadge state={l.compliance.state} />
                                </>
                              )}{' '}
                              <span className="num">{i.money(l.amountMinor, l.currency)}</span>
                              {l.due?.date && <span className="muted"> · {t('agreement.due', { date: i.date(l.due.date) })}</span>}
                            </p>
                            <p className="reason">
                              <Said clauses={l.reasonWhy} english={l.reason} />
                            </p>
                          </li>
                        ))}
                      </ul>
                    </details>
                  )}
                  {s.settlement.notes.length > 0 && (
                    <ul className="notes">
                      {s.settlement.notes.map((n, k) => (
                        <li key={n}>
                          <Said
                            clauses={s.settlement.notesWhy?.length === s.settlement.notes.length ? [s.settlement.notesWhy[k]!] : undefined}
                            english={n}
                          />
                        </li>
                      ))}
                    </ul>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </Section>

      <Reports id={id} />
      <ReportSchedules agreement={id} customer={data.summary.customer} />

      <VersionsDiff id={id} versions={data.versions} />
      <Reviews id={id} versions={data.versions} onChanged={reload} />
    </>
  );
}
