/**
 * A ticket: each clock that measures it (across the SLA and the OLAs and UCs behind it) as a
 * timeline on one shared time axis: when it ran, paused (when the segments are stored), its
 * deadline and the time after it, and when it stopped; then its facts and the ticket's events.
 */
import { api, type Clock, enc, type Ticket as TicketT } from '../api';
import { ambiguousSources } from '../api-budget';
import { ErrorBox, Loading, Section, StateBadge } from '../components/ui';
import { useLoad } from '../hooks';
import { useI18n } from '../i18n';
import { Link, usePageTitle } from '../router';

const W = 640;
const BAR_Y = 14;
const BAR_H = 18;
const H = 58;
const PAD = 8;

function span(c: Clock, now: number): [number, number] {
  const start = Date.parse(c.start);
  const end = Math.max(
    c.stop ? Date.parse(c.stop) : now,
    c.deadline ? Date.parse(c.deadline) : start,
    c.breachAt ? Date.parse(c.breachAt) : start,
  );
  return [start, end];
}

function ClockTimeline({ c, from, to, now, eventsAt }: { c: Clock; from: number; to: number; now: number; eventsAt: Map<string, number> }) {
  const i = useI18n();
  const { t } = i;
  const x = (ms: number) => PAD + ((ms - from) / Math.max(1, to - from)) * (W - 2 * PAD);
  const start = Date.parse(c.start);
  const end = c.stop ? Date.parse(c.stop) : now;
  const deadline = c.deadline ? Date.parse(c.deadline) : null;
  const breach = c.breachAt ? Date.parse(c.breachAt) : null;
  const label = t('ticket.timelineLabel', { target: `${c.agreement} · ${c.target}` });
  const tip = (a: number, b: number, what: string) => `${what}: ${i.dateTime(a)} – ${i.dateTime(b)}`;
  return (
    <svg className="chart timeline" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
      <title>{label}</title>
      <rect className="tl-track" x={PAD} y={BAR_Y} width={W - 2 * PAD} height={BAR_H} rx={3} />
      {c.timeline && c.timeline.length > 0 ? (
        c.timeline.map((s) => {
          const a = Date.parse(s.from);
          const b = Date.parse(s.to);
          const cls =
            s.kind === 'counted'
              ? breach !== null && a >= breach
                ? 'tl-overdue'
                : 'tl-counted'
              : s.kind === 'paused'
                ? 'tl-paused'
                : 'tl-outside';
          const what =
            s.kind === 'counted'
              ? t('ticket.legend.counted')
              : s.kind === 'paused'
                ? t('ticket.legend.paused')
                : t('ticket.legend.outside');
          return (
            <rect key={`${s.from}-${s.kind}`} className={cls} x={x(a)} y={BAR_Y} width={Math.max(1, x(b) - x(a))} height={BAR_H}>
              <title>{`${tip(a, b, what)} (${s.reason})`}</title>
            </rect>
          );
        })
      ) : (
        <>
          <rect
            className="tl-counted"
            x={x(start)}
            y={BAR_Y}
            width={Math.max(1, x(Math.min(end, breach ?? end)) - x(start))}
            height={BAR_H}
          >
            <title>{tip(start, Math.min(end, breach ?? end), t('ticket.legend.counted'))}</title>
          </rect>
          {breach !== null && end > breach && (
            <rect className="tl-overdue" x={x(breach)} y={BAR_Y} width={Math.max(1, x(end) - x(breach))} height={BAR_H}>
              <title>{tip(breach, end, t('ticket.legend.overdue'))}</title>
            </rect>
          )}
        </>
      )}
      {c.eventIds.map((id) => {
        const at = eventsAt.get(id);
        return at === undefined ? null : (
          <line key={id} className="tl-event" x1={x(at)} x2={x(at)} y1={BAR_Y + BAR_H} y2={BAR_Y + BAR_H + 6}>
            <title>{`${id} · ${i.dateTime(at)}`}</title>
          </line>
        );
      })}
      {deadline !== null && (
        <g>
          <line className="tl-deadline" x1={x(deadline)} x2={x(deadline)} y1={4} y2={BAR_Y + BAR_H + 4} />
          <text className="chart-tick" x={x(deadline)} y={H - 4} textAnchor={x(deadline) > W - 80 ? 'end' : 'middle'}>
            {t('ticket.legend.deadline')}
          </text>
        </g>
      )}
    </svg>
  );
}

export function Ticket({ id, source }: { id: string; source: string | null }) {
  const i = useI18n();
  const { t } = i;
  usePageTitle(t('ticket.title', { id }));
  const q = source !== null ? `?source=${enc(source)}` : '';
  const { data, error, loading, reload } = useLoad((s) => api.get<TicketT>(`/v1/tickets/${enc(id)}${q}`, s), [id, q]);
  const now = Date.now();

  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const c of data?.clocks ?? []) {
    const [a, b] = span(c, now);
    from = Math.min(from, a);
    to = Math.max(to, b);
  }
  const eventsAt = new Map((data?.events ?? []).map((e) => [e.id, Date.parse(e.at)]));
  const anySegments = data?.clocks.some((c) => c.timeline && c.timeline.length > 0);
  // Several desks have a ticket with this id: the API answers 400 with them in details.sources.
  const desks = ambiguousSources(error);

  return (
    <>
      <h1>{t('ticket.title', { id })}</h1>
      {desks ? (
        <>
          <p>{t('ticket.whichDesk', { id })}</p>
          <ul>
            {desks.map((d) => (
              <li key={d}>
                <Link to={`/tickets/${enc(id)}?source=${enc(d)}`}>{d === '' ? t('ticket.noDesk') : <bdi>{d}</bdi>}</Link>
              </li>
            ))}
          </ul>
        </>
      ) : (
        error && <ErrorBox error={error} onRetry={reload} />
      )}
      {loading && !data && <Loading />}
      {data && (
        <>
          <dl className="facts facts-inline">
            {data.customer && (
              <>
                <dt>{t('ticket.customer')}</dt>
                <dd>{data.customer}</dd>
              </>
            )}
            {data.service && (
              <>
                <dt>{t('ticket.service')}</dt>
                <dd>{data.service}</dd>
              </>
            )}
            {data.source && (
              <>
                <dt>{t('ticket.source')}</dt>
                <dd>{data.source}</dd>
              </>
            )}
          </dl>
          <Section title={t('ticket.clocks')} id="clocks">
            {data.clocks.length === 0 ? (
              <p>{t('ticket.noClocks')}</p>
            ) : (
              <>
                <ul className="legend" aria-hidden="true">
                  {anySegments ? (
                    <>
                      <li>
                        <span className="swatch tl-counted" /> {t('ticket.legend.counted')}
                      </li>
                      <li>
                        <span className="swatch tl-paused" /> {t('ticket.legend.paused')}
                      </li>
                      <li>
                        <span className="swatch tl-outside" /> {t('ticket.legend.outside')}
                      </li>
                    </>
                  ) : (
                    <li>
                      <span className="swatch tl-span" /> {t('ticket.legend.span')}
                    </li>
                  )}
                  <li>
                    <span className="swatch tl-overdue" /> {t('ticket.legend.overdue')}
                  </li>
                  <li>
                    <span className="swatch swatch-line" /> {t('ticket.legend.deadline')}
                  </li>
                </ul>
                {!anySegments && <p className="muted">{t('ticket.noSegments')}</p>}
                <ul className="clocks">
                  {data.clocks.map((c) => (
                    <li key={`${c.agreement}/${c.target}/${c.cycle}`} className="clock">
                      <h3>
                        <Link to={`/agreements/${enc(c.agreement)}`}>{c.agreement}</Link> · {c.target}{' '}
                        <span className="muted">
                          ({t(c.kind === 'response' ? 'ticket.kind.response' : 'ticket.kind.resolution')}
                          {c.priority ? `, ${c.priority}` : ''}
                          {c.cycle > 1 ? `, #${c.cycle}` : ''})
                        </span>{' '}
                        <StateBadge state={c.state} />
                      </h3>
                      <ClockTimeline c={c} from={from} to={to} now={now} eventsAt={eventsAt} />
                      <dl className="facts facts-grid">
                        <dt>{t('ticket.started')}</dt>
                        <dd>
                          <time dateTime={c.start}>{i.dateTime(c.start)}</time>
                        </dd>
                        <dt>{t('ticket.deadline')}</dt>
                        <dd>{c.deadline ? <time dateTime={c.deadline}>{i.dateTime(c.deadline)}</time> : t('ticket.never')}</dd>
                        <dt>{t('ticket.breachAt')}</dt>
                        <dd>{c.breachAt ? <time dateTime={c.breachAt}>{i.dateTime(c.breachAt)}</time> : t('ticket.never')}</dd>
                        <dt>{t('ticket.stopped')}</dt>
                        <dd>{c.stop ? <time dateTime={c.stop}>{i.dateTime(c.stop)}</time> : t('ticket.stillRunning')}</dd>
                        <dt>{t('ticket.elapsed')}</dt>
                        <dd>{i.duration(c.elapsedMs)}</dd>
                        <dt>{t('ticket.paused')}</dt>
                        <dd>{i.duration(c.pausedMs)}</dd>
                        <dt>{t('ticket.targetTime')}</dt>
                        <dd>{i.duration(c.targetMs)}</dd>
                        <dt>{t('ticket.used')}</dt>
                        <dd>{i.pct(c.consumed * 100, 0)}</dd>
                      </dl>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </Section>
          <Section title={t('ticket.events')} id="events">
            <div className="table-wrap">
              <table className="table table-compact">
                <thead>
                  <tr>
                    <th scope="col">{t('ticket.at')}</th>
                    <th scope="col">{t('ticket.event')}</th>
                    <th scope="col">{t('ticket.details')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.events.map((e) => (
                    <tr key={e.seq}>
                      <td>
                        <time dateTime={e.at}>{i.dateTime(e.at)}</time>
                      </td>
                      <th scope="row">
                        <code>{e.type}</code>
                      </th>
                      <td className="reason">
                        {Object.entries(e.payload ?? {})
                          .filter(([k]) => !['id', 'at', 'type', 'ticket'].includes(k))
                          .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
                          .join(' · ')}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Section>
        </>
      )}
    </>
  );
}
