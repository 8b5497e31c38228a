/**
 * The live board: open tickets at risk or breached (GET /v1/status), soonest breach first, and
 * the targets at risk or breached in their current window. It refreshes when an alert event
 * arrives on /v1/alerts/stream (alert-stream.ts: EventSource, with the same-origin session cookie),
 * and every 15 seconds while the stream is not connected (every minute while it is: time passing
 * alone moves a ticket closer to its deadline); the toolbar says which. A search box opens any ticket by its id (/tickets/{id}),
 * whether or not it is on the board.
 */
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { useAlertStream } from '../alert-stream';
import { api, enc, type Status, type StatusTicket } from '../api';
import { ErrorBox, Loading, StateBadge } from '../components/ui';
import { useLoad } from '../hooks';
import { useI18n } from '../i18n';
import { formatValue } from '../model';
import { Link, navigate, usePageTitle } from '../router';

/** Opens a ticket by its id: the ticket page says which desks to choose from when the id is on more than one. */
function TicketSearch() {
  const { t } = useI18n();
  const [id, setId] = useState('');
  const open = (e: FormEvent) => {
    e.preventDefault();
    const v = id.trim();
    if (v) navigate(`/tickets/${enc(v)}`);
  };
  return (
    <search aria-label={t('ticket.search')}>
      <form className="filters inline-fields" onSubmit={open}>
        <label>
          {t('ticket.searchLabel')}
          <input
            type="search"
            value={id}
            onChange={(e) => setId(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            dir="ltr"
            required
          />
        </label>
        <button type="submit" className="button">
          {t('ticket.open')}
        </button>
      </form>
    </search>
  );
}

const when = (x: StatusTicket) => Date.parse(x.breachAt ?? x.deadline ?? '') || Number.POSITIVE_INFINITY;

export function Live() {
  const i = useI18n();
  const { t } = i;
  usePageTitle(t('live.title'));
  const { data, error, loading, reload } = useLoad((signal) => api.get<Status>('/v1/status', signal), []);
  const [updated, setUpdated] = useState<number | null>(null);
  const stream = useAlertStream(reload);

  useEffect(() => {
    if (data) setUpdated(Date.now());
  }, [data]);

  const tickets = useMemo(() => [...(data?.tickets ?? [])].sort((a, b) => when(a) - when(b)), [data]);
  const now = data ? Date.parse(data.now) : Date.now();

  return (
    <>
      <h1>{t('live.title')}</h1>
      <div className="toolbar">
        <p className="muted">{t('live.intro')}</p>
        <p className="live-status" role="status" aria-live="polite">
          <span className={stream === 'live' ? 'dot dot-live' : 'dot'} aria-hidden="true" />
          {stream === 'live'
            ? t('live.connection.live')
            : stream === 'connecting'
              ? t('live.connection.connecting')
              : t('live.connection.polling')}
          {updated !== null && <> · {t('live.updated', { time: i.time(updated) })}</>}
        </p>
        <button type="button" className="button" onClick={reload}>
          {t('live.refresh')}
        </button>
      </div>
      <TicketSearch />
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && <Loading />}
      {data && (
        <>
          <section className="card" aria-labelledby="tickets-h">
            <h2 id="tickets-h">{t('live.tickets', { n: i.num(tickets.length, 0) })}</h2>
            {tickets.length === 0 ? (
              <p>{t('live.none')}</p>
            ) : (
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">{t('live.ticket')}</th>
                      <th scope="col">{t('live.agreement')}</th>
                      <th scope="col">{t('live.target')}</th>
                      <th scope="col">{t('live.state')}</th>
                      <th scope="col" className="num">
                        {t('live.used')}
                      </th>
                      <th scope="col">{t('live.breach')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {tickets.map((x) => {
                      const at = when(x);
                      const q = x.source ? `?source=${enc(x.source)}` : '';
                      return (
                        <tr
                          key={`${x.source}/${x.ticket}/${x.agreement}/${x.target}/${x.cycle}`}
                          className={`row-${x.state.replace('_', '-')}`}
                        >
                          <th scope="row">
                            <Link to={`/tickets/${enc(x.ticket)}${q}`}>{x.ticket}</Link>
                            {x.source && <span className="muted block">{x.source}</span>}
                          </th>
                          <td>
                            <Link to={`/agreements/${enc(x.agreement)}`}>{x.agreement}</Link>
                          </td>
                          <td>{x.target}</td>
                          <td>
                            <StateBadge state={x.state} />
                          </td>
                          <td className="num">
                            <meter
                              className="meter"
                              min={0}
                              max={1}
                              low={0.75}
                              high={0.99}
                              optimum={0}
                              value={Math.min(x.consumed, 1)}
                              aria-hidden="true"
                            />{' '}
                            {i.pct(x.consumed * 100, 0)}
                          </td>
                          <td>
                            {Number.isFinite(at) ? (
                              <>
                                <time dateTime={new Date(at).toISOString()}>{i.dateTime(at)}</time>
                                <span className="muted block">
                                  {at > now ? t('live.in', { d: i.duration(at - now) }) : t('live.ago', { d: i.duration(now - at) })}
                                </span>
                              </>
                            ) : (
                              '—'
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
          <section className="card" aria-labelledby="targets-h">
            <h2 id="targets-h">{t('live.targetsTitle')}</h2>
            {data.targets.length === 0 ? (
              <p>{t('live.noTargets')}</p>
            ) : (
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">{t('live.agreement')}</th>
                      <th scope="col">{t('live.target')}</th>
                      <th scope="col">{t('live.window')}</th>
                      <th scope="col">{t('live.state')}</th>
                      <th scope="col" className="num">
                        {t('live.value')}
                      </th>
                      <th scope="col">{t('live.promised')}</th>
                      <th scope="col">{t('live.reason')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.targets.map((x) => (
                      <tr key={`${x.agreement}/${x.target}/${x.window}`}>
                        <th scope="row">
                          <Link to={`/agreements/${enc(x.agreement)}`}>{x.agreement}</Link>
                        </th>
                        <td>{x.target}</td>
                        <td>{x.window}</td>
                        <td>
                          <StateBadge state={x.state} />
                        </td>
                        <td className="num">{x.value === null ? '—' : formatValue(i, x.value, 'number')}</td>
                        <td>
                          <bdi>{x.promised}</bdi>
                        </td>
                        <td className="reason">{x.reason}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}
    </>
  );
}
