/**
 * Error budgets (issue 10): a compact line for the overview (BudgetLine) and, on the agreement page,
 * a burn-down of each target's current window (BudgetBurnDown), from the `budget` the API gives per
 * window (GET /v1/portfolio, GET /v1/agreements/{id}/history; src/core/alerts/health.ts
 * windowBudget). Nothing is computed here that the API does not give: the chart only places its
 * figures on the window's time axis.
 *
 * The burn-down is an inline SVG (like HistoryChart) with a <title> and a <desc>, and the same
 * figures as text beside it. The API gives one measurement per window (as of `asOf`), not a series,
 * so the chart draws what that says: the budget starts whole at the window's start; the solid line
 * is the average pace to `asOf`; the dotted line goes on at the burn rate to the window's end,
 * where 1 - burnRate of the budget is left (the same share of misses, or downtime at the same
 * rate); the dashed line spends the budget evenly. State is never colour alone: every figure is
 * said in words, and the lines differ by their dash.
 */
import { api, enc, type AgreementHistory } from '../api';
import type { WindowBudget } from '../api-budget';
import { useLoad } from '../hooks';
import { type I18n, useI18n } from '../i18n';

/** ok: a quarter or more left; low: less; over: overspent. */
function level(left: number): 'ok' | 'low' | 'over' {
  return left < 0 ? 'over' : left < 0.25 ? 'low' : 'ok';
}

/** The budget left as words: the share, and the unit's figure when there is one. */
function leftText(i: I18n, b: WindowBudget): string[] {
  const out: string[] = [];
  if (b.left !== null)
    out.push(
      b.left < 0 ? i.t('budget.overspent', { share: i.pct(-b.left * 100, 0) }) : i.t('budget.left', { share: i.pct(b.left * 100, 0) }),
    );
  if (b.downtime)
    out.push(
      b.downtime.remainingMs < 0
        ? i.t('budget.downtimeOver', { duration: i.duration(-b.downtime.remainingMs) })
        : i.t('budget.downtimeLeft', { duration: i.duration(b.downtime.remainingMs) }),
    );
  // With few items a window can have its whole budget left and still no miss to spare (95% of 10
  // tickets allows none): "100% left" beside "0 allowed" read as a contradiction, so say what it means.
  if (b.items && b.items.more === 0 && b.left !== null && b.left >= 0)
    out.push(i.t('budget.nextMissBreaches', { n: i.num(b.items.total, 0) }));
  else if (b.items && b.items.more !== null) out.push(i.t('budget.itemsLeft', { n: i.num(b.items.more, 0) }));
  return out;
}

const burnText = (i: I18n, rate: number) => i.t('budget.burn', { rate: i.num(rate, 2) });

/** One line for a target in the overview: what is left of the budget and how fast it burns. */
export function BudgetLine({ budget }: { budget: WindowBudget | null | undefined }) {
  const i = useI18n();
  if (!budget || budget.left === null) return null;
  const parts = leftText(i, budget);
  if (budget.burnRate !== null) parts.push(burnText(i, budget.burnRate));
  return <span className={`budget budget-${level(budget.left)} block`}>{parts.join(' · ')}</span>;
}

/**
 * A date inside the chart, which runs left to right in both languages (as HistoryChart): isolated
 * (FSI … PDI) so that an Arabic date keeps its own order instead of being reordered by the axis.
 */
const isolate = (s: string) => `\u2068${s}\u2069`;

const W = 640;
const H = 180;
const PAD = { l: 56, r: 16, t: 14, b: 30 };

interface Current {
  target: string;
  window: string;
  from: number;
  to: number;
  budget: WindowBudget & { left: number };
}

function Chart({ c, label }: { c: Current; label: string }) {
  const i = useI18n();
  const { t } = i;
  const b = c.budget;
  const at = Math.min(Math.max(Date.parse(b.asOf), c.from), c.to);
  const end = b.burnRate === null ? null : 1 - b.burnRate;
  const lo = Math.max(-1, Math.min(0, b.left, end ?? 0));
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const x = (ms: number) => PAD.l + ((ms - c.from) / (c.to - c.from || 1)) * iw;
  const y = (share: number) => PAD.t + ((1 - Math.max(lo, share)) / (1 - lo)) * ih;
  const ticks = lo < 0 ? [1, 0, lo] : [1, 0.5, 0];
  const id = `bd-${c.target}`.replace(/[^\w-]/g, '_');
  return (
    <svg className="chart budget-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-t ${id}-d`}>
      <title id={`${id}-t`}>{label}</title>
      <desc id={`${id}-d`}>{t('budget.chartDesc')}</desc>
      {ticks.map((v) => (
        <g key={v}>
          <line className="chart-grid" x1={PAD.l} x2={W - PAD.r} y1={y(v)} y2={y(v)} />
          <text className="chart-tick" x={PAD.l - 6} y={y(v) + 4} textAnchor="end">
            {i.pct(v * 100, 0)}
          </text>
        </g>
      ))}
      <line className="budget-even" x1={x(c.from)} y1={y(1)} x2={x(c.to)} y2={y(0)} />
      <line className="budget-actual" x1={x(c.from)} y1={y(1)} x2={x(at)} y2={y(b.left)} />
      {end !== null && <line className="budget-pace" x1={x(at)} y1={y(b.left)} x2={x(c.to)} y2={y(end)} />}
      <circle className={`budget-now budget-now-${level(b.left)}`} cx={x(at)} cy={y(b.left)} r={4.5} />
      <text className="chart-tick" x={x(c.from)} y={H - 10} textAnchor="start">
        {isolate(i.date(c.from))}
      </text>
      <text className="chart-tick" x={x(c.to)} y={H - 10} textAnchor="end">
        {isolate(i.date(c.to))}
      </text>
    </svg>
  );
}

/** The current window of each target that has a budget, from the agreement's history. */
function currentWindows(h: AgreementHistory, now: number): Current[] {
  const out: Current[] = [];
  for (const tg of h.targets)
    for (const w of tg.windows) {
      const from = Date.parse(w.from);
      const to = Date.parse(w.to);
      const b = w.budget;
      if (from <= now && now < to && b && b.left !== null)
        out.push({ target: tg.target, window: w.window, from, to, budget: { ...b, left: b.left } });
    }
  return out;
}

/** The burn-down of each target's current window, with its figures in words; nothing when no target has a budget. */
export function BudgetBurnDown({ agreement, names = {} }: { agreement: string; names?: Record<string, string> }) {
  const i = useI18n();
  const { t } = i;
  const { data } = useLoad((s) => api.get<AgreementHistory>(`/v1/agreements/${enc(agreement)}/history`, s), [agreement]);
  const list = data ? currentWindows(data, Date.now()) : [];
  if (list.length === 0) return null;
  return (
    <section className="card" aria-labelledby="budget-h" id="budget">
      <h2 id="budget-h">{t('budget.title')}</h2>
      <ul className="budget-legend muted" aria-hidden="true">
        <li className="legend-even">{t('budget.legend.even')}</li>
        <li className="legend-actual">{t('budget.legend.actual')}</li>
        <li className="legend-pace">{t('budget.legend.pace')}</li>
      </ul>
      {list.map((c) => {
        const name = names[c.target] ?? c.target;
        const b = c.budget;
        const words = leftText(i, b);
        const end = b.burnRate === null ? null : 1 - b.burnRate;
        return (
          <div className="budget-target" key={`${c.target}/${c.window}`}>
            <h3>{t('budget.of', { target: name, window: c.window })}</h3>
            <Chart c={c} label={t('budget.chartLabel', { target: name, window: c.window, left: words[0] ?? '' })} />
            <dl className="facts facts-inline">
              <dt>{t('budget.figure.left')}</dt>
              <dd className={`budget budget-${level(b.left)}`}>{words.join(' · ')}</dd>
              {b.burnRate !== null && (
                <>
                  <dt>{t('budget.figure.burn')}</dt>
                  <dd>{burnText(i, b.burnRate)}</dd>
                </>
              )}
              {end !== null && (
                <>
                  <dt>{t('budget.figure.end')}</dt>
                  <dd>
                    {end < 0 ? t('budget.endOver', { share: i.pct(-end * 100, 0) }) : t('budget.endLeft', { share: i.pct(end * 100, 0) })}
                  </dd>
                </>
              )}
              <dt>{t('budget.figure.asOf')}</dt>
              <dd>{i.dateTime(b.asOf)}</dd>
            </dl>
          </div>
        );
      })}
    </section>
  );
}
