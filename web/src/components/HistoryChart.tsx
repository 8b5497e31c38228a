/**
 * One target's value per window as an inline SVG line chart with the promise as a dashed line.
 * Each point's shape says its state (circle met, diamond at risk, cross breached) besides its
 * colour, and has a <title>; the same figures are in a table below the chart for screen readers
 * and for reading exact values. Drawn left to right in both languages (time runs that way on
 * the axis labels too).
 */
import type { ComplianceItem } from '../api';
import { useI18n } from '../i18n';
import { formatPromise, formatValue } from '../model';

const W = 640;
const H = 200;
const PAD = { l: 64, r: 16, t: 14, b: 34 };

export function HistoryChart({ items, label }: { items: ComplianceItem[]; label: string }) {
  const i = useI18n();
  const pts = [...items].sort((a, b) => Date.parse(a.result.window.from) - Date.parse(b.result.window.from));
  const first = pts[0];
  if (!first) return null;
  const unit = first.result.unit;
  const target = first.result.target;
  const values = pts.map((p) => p.result.value).filter((v): v is number => v !== null && Number.isFinite(v));
  let lo = Math.min(target, ...values);
  let hi = Math.max(target, ...values);
  if (unit === 'percent') hi = Math.min(100, hi);
  const span = hi - lo || Math.abs(hi) * 0.01 || 1;
  lo -= span * 0.15;
  hi += span * 0.15;
  if (unit === 'percent') hi = Math.min(100, hi);
  if (unit !== 'number' && lo < 0 && Math.min(target, ...values) >= 0) lo = 0;

  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const x = (k: number) => PAD.l + (pts.length === 1 ? iw / 2 : (k * iw) / (pts.length - 1));
  const y = (v: number) => PAD.t + ih - ((v - lo) / (hi - lo)) * ih;
  const ticks = [lo, (lo + hi) / 2, hi];

  // The line breaks where a window has no value.
  const segs: string[] = [];
  let cur: string[] = [];
  pts.forEach((p, k) => {
    const v = p.result.value;
    if (v === null || !Number.isFinite(v)) {
      if (cur.length) segs.push(cur.join(' '));
      cur = [];
    } else cur.push(`${x(k).toFixed(1)},${y(v).toFixed(1)}`);
  });
  if (cur.length) segs.push(cur.join(' '));
  const labelEvery = Math.max(1, Math.ceil(pts.length / 8));

  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
      <title>{label}</title>
      {ticks.map((v) => (
        <g key={v}>
          <line className="chart-grid" x1={PAD.l} x2={W - PAD.r} y1={y(v)} y2={y(v)} />
          <text className="chart-tick" x={PAD.l - 6} y={y(v) + 4} textAnchor="end">
            {formatValue(i, v, unit)}
          </text>
        </g>
      ))}
      <line className="chart-target" x1={PAD.l} x2={W - PAD.r} y1={y(target)} y2={y(target)} />
      <text className="chart-target-label" x={W - PAD.r} y={y(target) - 5} textAnchor="end">
        {formatPromise(i, first.result)}
      </text>
      {segs.map((s) => (
        <polyline key={s} className="chart-line" points={s} />
      ))}
      {pts.map((p, k) => {
        const v = p.result.value;
        const cx = x(k);
        const tip = `${p.window}: ${formatValue(i, v, unit)} — ${i.t(`state.${p.result.state}` as 'state.met')}`;
        const cls = `chart-pt chart-pt-${p.result.state.replace('_', '-')}`;
        const lbl =
          k % labelEvery === 0 || k === pts.length - 1 ? (
            <text className="chart-tick" x={cx} y={H - 12} textAnchor="middle">
              {p.window}
            </text>
          ) : null;
        if (v === null || !Number.isFinite(v))
          return (
            <g key={p.window}>
              <circle className="chart-pt chart-pt-no-data" cx={cx} cy={PAD.t + ih} r={4}>
                <title>{tip}</title>
              </circle>
              {lbl}
            </g>
          );
        const cy = y(v);
        const shape =
          p.result.state === 'breached' ? (
            <path className={cls} d={`M${cx - 5},${cy - 5}L${cx + 5},${cy + 5}M${cx + 5},${cy - 5}L${cx - 5},${cy + 5}`}>
              <title>{tip}</title>
            </path>
          ) : p.result.state === 'at_risk' ? (
            <path className={cls} d={`M${cx},${cy - 6}L${cx + 6},${cy}L${cx},${cy + 6}L${cx - 6},${cy}Z`}>
              <title>{tip}</title>
            </path>
          ) : (
            <circle className={cls} cx={cx} cy={cy} r={4.5}>
              <title>{tip}</title>
            </circle>
          );
        return (
          <g key={p.window}>
            {shape}
            {lbl}
          </g>
        );
      })}
    </svg>
  );
}
