/**
 * Alerts (provider roles; customers never get this page): the alerts of the tenant by state (open,
 * firing, acknowledged, silenced, resolved), severity and agreement, newest first, from
 * GET /v1/alerts; and the silences in force (GET /v1/silences?active=true). "Silenced" is not a
 * state of the record: it is an open alert that an active silence matches (its notifications wait).
 *
 * Those who may act (alerts.write: admin, manager, agent) acknowledge with an optional comment,
 * resolve saying why, silence from an alert (its agreement, target, ticket or window prefilled)
 * or from scratch, and expire a silence, each through a dialog that says what will change. Viewers
 * and auditors see the same page with no action offered (the server refuses them anyway: 403).
 *
 * The page follows /v1/alerts/stream (alert-stream.ts) and polls while the stream is down.
 */
import { type FormEvent, useCallback, useId, useMemo, useState } from 'react';
import { type StreamState, useAlertStream } from '../alert-stream';
import { ApiError, enc, getAll } from '../api';
import {
  type Alert,
  type AlertEvent,
  acknowledgeAlert,
  createSilence,
  expireSilence,
  MATCH_FIELDS,
  type MatchField,
  type Matcher,
  mayActOnAlerts,
  pagesOf,
  resolveAlert,
  type Silence,
  silencesOf,
} from '../api-alerts';
import { Dialog } from '../components/Dialog';
import { ErrorBox, Loading } from '../components/ui';
import { useLoad } from '../hooks';
import { type I18n, type Key, useI18n } from '../i18n';
import { Link, navigate, useLocation, usePageTitle } from '../router';
import { useSession } from '../session';

const VIEWS = ['open', 'firing', 'acknowledged', 'silenced', 'resolved'] as const;
type View = (typeof VIEWS)[number];
const SEVERITIES = ['critical', 'warning', 'info'] as const;
const H = 3_600_000;
/** The durations offered, as the API takes them and in milliseconds (shown through Intl). */
const DURATIONS: [string, number][] = [
  ['30m', H / 2],
  ['1h', H],
  ['2h', 2 * H],
  ['4h', 4 * H],
  ['8h', 8 * H],
  ['1d', 24 * H],
  ['3d', 72 * H],
  ['7d', 168 * H],
];
const POLL_MS = 15_000;
/** The kinds of alert (src/core/alerts/types.ts AlertKind) with words of their own; another shows as its code. */
const KINDS = new Set(['warning', 'breach', 'overdue', 'budget', 'burn_rate', 'exhaustion', 'projection', 'notice']);

type Action =
  | { kind: 'acknowledge'; alert: Alert }
  | { kind: 'resolve'; alert: Alert }
  | { kind: 'silence'; alert?: Alert }
  | { kind: 'expire'; silence: Silence };

/** The message of a refused request, with every issue the server named (field and problem). */
function problemOf(e: unknown): string[] {
  if (!(e instanceof ApiError)) return [e instanceof Error ? e.message : String(e)];
  const issues = (e.details as { issues?: { path?: string; message?: string }[] } | undefined)?.issues;
  if (!Array.isArray(issues) || issues.length < 2) return [e.message];
  return issues.map((i) => `${i.path ? `${i.path}: ` : ''}${i.message ?? ''}`);
}

function Problem({ lines }: { lines: string[] | null }) {
  const { t } = useI18n();
  if (!lines) return null;
  return (
    <div className="alert alert-error" role="alert">
      <p className="alert-title">{t('alerts.refused')}</p>
      {lines.map((l) => (
        <p key={l}>{l}</p>
      ))}
    </div>
  );
}

export function SeverityBadge({ severity, kind }: { severity: string; kind?: string }) {
  const { t } = useI18n();
  const mark = severity === 'critical' ? '✕' : severity === 'warning' ? '!' : 'ℹ';
  return (
    <span className={`badge sev-${severity}`}>
      <span aria-hidden="true" className="badge-mark">
        {mark}
      </span>
      {t(`alerts.severity.${severity}` as Key)}
      {kind && <span className="sev-kind"> · {KINDS.has(kind) ? t(`alerts.kind.${kind}` as Key) : kind}</span>}
    </span>
  );
}

function StateOf({ a, silencedBy }: { a: Alert; silencedBy: string[] }) {
  const i = useI18n();
  const { t } = i;
  return (
    <>
      <span className={`badge al-${a.state}`}>{t(`alerts.state.${a.state}` as Key)}</span>
      {silencedBy.length > 0 && (
        <span className="badge al-silenced">
          <span aria-hidden="true" className="badge-mark">
            ⏸
          </span>
          {t('alerts.state.silenced')}
        </span>
      )}
      {a.state === 'acknowledged' && a.acknowledgedAt && (
        <span className="muted block">{t('alerts.ackBy', { who: a.acknowledgedBy ?? '', when: i.dateTime(a.acknowledgedAt) })}</span>
      )}
      {a.state === 'resolved' && a.resolvedAt && (
        <span className="muted block">
          {t('alerts.resolvedBy', { who: a.resolvedBy ?? '', when: i.dateTime(a.resolvedAt) })}
          {a.resolvedReason && <>: {a.resolvedReason}</>}
        </span>
      )}
      {silencedBy.length > 0 && (
        <span className="muted block">
          {t('alerts.silencedBy')} <bdi className="hash">{silencedBy.join(', ')}</bdi>
        </span>
      )}
    </>
  );
}

function matcherText(i: I18n, m: Matcher): string {
  return `${i.t(`alerts.field.${m.field}` as Key)} ${m.op === '=' ? '=' : '≠'} ${m.values.join(', ')}`;
}

function StreamStatus({ state, last }: { state: StreamState; last: string | null }) {
  const i = useI18n();
  const { t } = i;
  return (
    <p className="live-status" role="status" aria-live="polite">
      <span className={state === 'live' ? 'dot dot-live' : 'dot'} aria-hidden="true" />
      {state === 'live'
        ? t('alerts.stream.live')
        : state === 'connecting'
          ? t('live.connection.connecting')
          : t('alerts.stream.polling', { d: i.duration(POLL_MS) })}
      {last && <> · {last}</>}
    </p>
  );
}

export function Alerts() {
  const i = useI18n();
  const { t } = i;
  usePageTitle(t('alerts.title'));
  const { user } = useSession();
  const mayAct = mayActOnAlerts(user?.role);
  const { search } = useLocation();
  const view: View = (VIEWS as readonly string[]).includes(search.get('state') ?? '') ? (search.get('state') as View) : 'open';
  const severity = search.get('severity') ?? '';
  const agreement = search.get('agreement') ?? '';
  const [pages, setPages] = useState(1);
  const [action, setAction] = useState<Action | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [lastEvent, setLastEvent] = useState<string | null>(null);

  const query = useMemo(() => {
    const q = new URLSearchParams({ state: view === 'silenced' ? 'open' : view, order: 'newest' });
    if (severity) q.set('severity', severity);
    if (agreement) q.set('agreement', agreement);
    return q.toString();
  }, [view, severity, agreement]);

  const { data, error, loading, reload } = useLoad(
    async (signal) => {
      const [alerts, silences] = await Promise.all([
        // Silenced alerts are found among all the open ones; the other views are paged by the API.
        view === 'silenced'
          ? getAll<Alert>(`/v1/alerts?${query}`, 5000, signal).then((items) => ({ items, next: undefined }))
          : pagesOf<Alert>(`/v1/alerts?${query}`, pages, signal),
        getAll<Silence>('/v1/silences?active=true', 5000, signal),
      ]);
      return { alerts, silences };
    },
    [query, pages],
  );

  const onEvent = useCallback(
    (type: string, e: AlertEvent) => {
      const key: Key =
        type === 'alert.opened'
          ? 'alerts.event.opened'
          : type === 'alert.acknowledged'
            ? 'alerts.event.acknowledged'
            : 'alerts.event.resolved';
      setLastEvent(t(key, { summary: e.alert.summary, who: e.by, time: i.time(e.at) }));
    },
    [t, i],
  );
  const stream = useAlertStream(reload, { onEvent, pollMs: POLL_MS });

  const setFilter = (k: string, v: string) => {
    const q = new URLSearchParams(search);
    if (v) q.set(k, v);
    else q.delete(k);
    setPages(1);
    navigate(`/alerts${q.size ? `?${q}` : ''}`, { replace: true });
  };
  const viewLink = (v: View) => {
    const q = new URLSearchParams(search);
    if (v === 'open') q.delete('state');
    else q.set('state', v);
    return `/alerts${q.size ? `?${q}` : ''}`;
  };

  const rows = useMemo(() => {
    if (!data) return [];
    const all = data.alerts.items.map((a) => ({ a, silencedBy: silencesOf(a, data.silences) }));
    return view === 'silenced' ? all.filter((r) => r.silencedBy.length > 0) : all;
  }, [data, view]);

  const done = (text: string) => {
    setAction(null);
    setNotice(text);
    reload();
  };
  const now = Date.now();

  return (
    <>
      <h1>{t('alerts.title')}</h1>
      <div className="toolbar">
        <p className="muted">{t('alerts.intro')}</p>
        <StreamStatus state={stream} last={lastEvent} />
        <button type="button" className="button" onClick={reload}>
          {t('live.refresh')}
        </button>
      </div>
      <nav aria-label={t('alerts.views')}>
        <ul className="al-views">
          {VIEWS.map((v) => (
            <li key={v}>
              <Link to={viewLink(v)} aria-current={v === view ? 'page' : undefined} onClick={() => setPages(1)}>
                {t(`alerts.view.${v}` as Key)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <AlertFilters severity={severity} agreement={agreement} onChange={setFilter} />
      {notice && (
        <p className="alert alert-ok" role="status">
          {notice}
        </p>
      )}
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && <Loading />}
      {data && (
        <>
          <section className="card" aria-labelledby="alerts-h">
            <h2 id="alerts-h">
              {t(`alerts.view.${view}` as Key)} ({i.num(rows.length, 0)}
              {data.alerts.next ? '+' : ''})
            </h2>
            {view === 'silenced' && <p className="muted">{t('alerts.silencedHelp')}</p>}
            {rows.length === 0 ? (
              <p>{t('alerts.none')}</p>
            ) : (
              <div className="table-wrap">
                <table className="table al-table">
                  <thead>
                    <tr>
                      <th scope="col">{t('alerts.alert')}</th>
                      <th scope="col">{t('alerts.agreementTarget')}</th>
                      <th scope="col">{t('live.ticket')}</th>
                      <th scope="col">{t('alerts.since')}</th>
                      <th scope="col">{t('live.state')}</th>
                      {mayAct && <th scope="col">{t('alerts.actions')}</th>}
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map(({ a, silencedBy }) => (
                      <tr key={a.id} data-alert={a.id} className={`al-row-${a.state}`}>
                        <th scope="row">
                          <SeverityBadge severity={a.severity} kind={a.kind} />
                          <span className="block al-summary">{a.summary}</span>
                          <span className="muted hash">{a.id}</span>
                        </th>
                        <td>
                          <Link to={`/agreements/${enc(a.agreement)}`}>{a.agreement}</Link>
                          {a.target && <span className="block">{a.target}</span>}
                          {a.subject.window && <span className="muted block">{a.subject.window}</span>}
                        </td>
                        <td>
                          {a.subject.ticket ? (
                            <Link to={`/tickets/${enc(a.subject.ticket)}${a.subject.source ? `?source=${enc(a.subject.source)}` : ''}`}>
                              {a.subject.ticket}
                            </Link>
                          ) : (
                            '—'
                          )}
                        </td>
                        <td>
                          <time dateTime={a.firedAt} className="al-nowrap">
                            {i.dateTime(a.firedAt)}
                          </time>
                          {a.state !== 'resolved' && (
                            <span className="muted block">
                              {t('alerts.for', { d: i.duration(Math.max(0, now - Date.parse(a.firedAt))) })}
                            </span>
                          )}
                        </td>
                        <td>
                          <StateOf a={a} silencedBy={silencedBy} />
                        </td>
                        {mayAct && (
                          <td>
                            <div className="al-actions">
                              {a.state === 'firing' && (
                                <button type="button" className="button" onClick={() => setAction({ kind: 'acknowledge', alert: a })}>
                                  {t('alerts.acknowledge')}
                                  <span className="visually-hidden"> {a.summary}</span>
                                </button>
                              )}
                              {a.state !== 'resolved' && (
                                <>
                                  <button type="button" className="button" onClick={() => setAction({ kind: 'resolve', alert: a })}>
                                    {t('alerts.resolve')}
                                    <span className="visually-hidden"> {a.summary}</span>
                                  </button>
                                  <button type="button" className="button" onClick={() => setAction({ kind: 'silence', alert: a })}>
                                    {t('alerts.silence')}
                                    <span className="visually-hidden"> {a.summary}</span>
                                  </button>
                                </>
                              )}
                            </div>
                          </td>
                        )}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {data.alerts.next && (
              <p>
                <button type="button" className="button" onClick={() => setPages((p) => p + 1)} disabled={loading}>
                  {t('alerts.more')}
                </button>
              </p>
            )}
          </section>
          <Silences
            silences={data.silences}
            mayAct={mayAct}
            onNew={() => setAction({ kind: 'silence' })}
            onExpire={(s) => setAction({ kind: 'expire', silence: s })}
          />
        </>
      )}
      {action?.kind === 'acknowledge' && <AcknowledgeDialog alert={action.alert} onClose={() => setAction(null)} onDone={done} />}
      {action?.kind === 'resolve' && <ResolveDialog alert={action.alert} onClose={() => setAction(null)} onDone={done} />}
      {action?.kind === 'silence' && <SilenceDialog from={action.alert} onClose={() => setAction(null)} onDone={done} />}
      {action?.kind === 'expire' && <ExpireDialog silence={action.silence} onClose={() => setAction(null)} onDone={done} />}
    </>
  );
}

function AlertFilters({
  severity,
  agreement,
  onChange,
}: {
  severity: string;
  agreement: string;
  onChange: (k: string, v: string) => void;
}) {
  const { t } = useI18n();
  const [text, setText] = useState(agreement);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onChange('agreement', text.trim());
  };
  return (
    <search aria-label={t('alerts.filters')}>
      <form className="filters inline-fields" onSubmit={submit}>
        <label>
          {t('alerts.severityCol')}
          <select value={severity} onChange={(e) => onChange('severity', e.target.value)}>
            <option value="">{t('alerts.any')}</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {t(`alerts.severity.${s}` as Key)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('live.agreement')}
          <input
            type="search"
            value={text}
            onChange={(e) => setText(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            dir="ltr"
            maxLength={100}
          />
        </label>
        <button type="submit" className="button">
          {t('alerts.apply')}
        </button>
      </form>
    </search>
  );
}

function Silences({
  silences,
  mayAct,
  onNew,
  onExpire,
}: {
  silences: Silence[];
  mayAct: boolean;
  onNew: () => void;
  onExpire: (s: Silence) => void;
}) {
  const i = useI18n();
  const { t } = i;
  const now = Date.now();
  return (
    <section className="card" aria-labelledby="silences-h" id="silences">
      <div className="al-section-head">
        <h2 id="silences-h">{t('alerts.silences', { n: i.num(silences.length, 0) })}</h2>
        {mayAct && (
          <button type="button" className="button" onClick={onNew}>
            {t('alerts.newSilence')}
          </button>
        )}
      </div>
      {silences.length === 0 ? (
        <p>{t('alerts.noSilences')}</p>
      ) : (
        <div className="table-wrap">
          <table className="table table-compact">
            <thead>
              <tr>
                <th scope="col">{t('alerts.matchers')}</th>
                <th scope="col">{t('alerts.ends')}</th>
                <th scope="col">{t('alerts.comment')}</th>
                <th scope="col">{t('alerts.createdBy')}</th>
                {mayAct && <th scope="col">{t('alerts.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {silences.map((s) => (
                <tr key={s.id} data-silence={s.id}>
                  <th scope="row">
                    <ul className="al-matchers">
                      {s.matchers.map((m) => (
                        <li key={`${m.field}${m.op}${m.values.join(',')}`}>
                          <bdi>{matcherText(i, m)}</bdi>
                        </li>
                      ))}
                    </ul>
                    <span className="muted hash">{s.id}</span>
                  </th>
                  <td>
                    <time dateTime={s.endsAt}>{i.dateTime(s.endsAt)}</time>
                    <span className="muted block">{t('live.in', { d: i.duration(Math.max(0, Date.parse(s.endsAt) - now)) })}</span>
                  </td>
                  <td>{s.comment ?? '—'}</td>
                  <td>
                    {s.createdBy}
                    <span className="muted block">{i.dateTime(s.createdAt)}</span>
                  </td>
                  {mayAct && (
                    <td>
                      <button type="button" className="button" onClick={() => onExpire(s)}>
                        {t('alerts.expire')}
                        <span className="visually-hidden"> {s.id}</span>
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The alert a dialog acts on, as its first lines. */
function AlertLines({ a }: { a: Alert }) {
  const { t } = useI18n();
  return (
    <dl className="facts al-dialog-facts">
      <dt>{t('alerts.alert')}</dt>
      <dd>{a.summary}</dd>
      <dt>{t('live.agreement')}</dt>
      <dd>
        {a.agreement}
        {a.target ? ` · ${a.target}` : ''}
      </dd>
    </dl>
  );
}

function DialogButtons({ busy, confirm, onClose }: { busy: boolean; confirm: string; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <div className="dialog-buttons">
      <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
        {confirm}
      </button>
      <button type="button" className="button" onClick={onClose}>
        {t('alerts.cancel')}
      </button>
    </div>
  );
}

/** Runs a dialog's request: busy while it runs, the server's refusal shown in the dialog. */
function useSubmit(run: () => Promise<string>, onDone: (text: string) => void) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string[] | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      onDone(await run());
    } catch (err) {
      setProblem(problemOf(err));
      setBusy(false);
    }
  };
  return { busy, problem, setProblem, submit };
}

function AcknowledgeDialog({ alert, onClose, onDone }: { alert: Alert; onClose: () => void; onDone: (text: string) => void }) {
  const { t } = useI18n();
  const id = useId();
  const [comment, setComment] = useState('');
  const { busy, problem, submit } = useSubmit(async () => {
    const r = await acknowledgeAlert(alert.id, comment);
    return r.result === 'acknowledged' ? t('alerts.done.acknowledged', { summary: alert.summary }) : t('alerts.done.unchanged');
  }, onDone);
  return (
    <Dialog title={t('alerts.ackTitle')} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <AlertLines a={alert} />
        <p>{t('alerts.ackHelp')}</p>
        <label htmlFor={`${id}-c`}>{t('alerts.ackComment')}</label>
        <textarea id={`${id}-c`} value={comment} onChange={(e) => setComment(e.target.value)} maxLength={2000} rows={3} />
        <Problem lines={problem} />
        <DialogButtons busy={busy} confirm={t('alerts.acknowledge')} onClose={onClose} />
      </form>
    </Dialog>
  );
}

function ResolveDialog({ alert, onClose, onDone }: { alert: Alert; onClose: () => void; onDone: (text: string) => void }) {
  const { t } = useI18n();
  const id = useId();
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  const { busy, problem, submit } = useSubmit(async () => {
    const r = await resolveAlert(alert.id, reason.trim());
    return r.result === 'resolved' ? t('alerts.done.resolved', { summary: alert.summary }) : t('alerts.done.unchanged');
  }, onDone);
  const check = (e: FormEvent) => {
    if (reason.trim() === '') {
      e.preventDefault();
      setMissing(true);
      return;
    }
    setMissing(false);
    void submit(e);
  };
  return (
    <Dialog title={t('alerts.resolveTitle')} onClose={onClose}>
      <form className="form" onSubmit={check} noValidate>
        <AlertLines a={alert} />
        <p>{t('alerts.resolveHelp')}</p>
        <label htmlFor={`${id}-r`}>{t('alerts.reason')}</label>
        <textarea
          id={`${id}-r`}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          maxLength={2000}
          rows={3}
          required
          aria-invalid={missing || undefined}
          aria-describedby={missing ? `${id}-rm` : undefined}
        />
        {missing && (
          <p id={`${id}-rm`} className="al-field-error" role="alert">
            {t('alerts.reasonMissing')}
          </p>
        )}
        <Problem lines={problem} />
        <DialogButtons busy={busy} confirm={t('alerts.resolve')} onClose={onClose} />
      </form>
    </Dialog>
  );
}

interface MatcherRow {
  key: number;
  field: MatchField;
  op: '=' | '!=';
  values: string;
}

/** A datetime-local value (local time, minutes) for an instant. */
function localInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function prefill(a: Alert | undefined): MatcherRow[] {
  if (!a) return [{ key: 0, field: 'agreement', op: '=', values: '' }];
  const rows: MatcherRow[] = [{ key: 0, field: 'agreement', op: '=', values: a.agreement }];
  const add = (field: MatchField, v: string | undefined) => {
    if (v) rows.push({ key: rows.length, field, op: '=', values: v });
  };
  add('target', a.target);
  add('ticket', a.subject.ticket);
  add('window', a.subject.window);
  return rows;
}

function SilenceDialog({ from, onClose, onDone }: { from?: Alert; onClose: () => void; onDone: (text: string) => void }) {
  const i = useI18n();
  const { t } = i;
  const id = useId();
  const [rows, setRows] = useState<MatcherRow[]>(() => prefill(from));
  const [nextKey, setNextKey] = useState(10);
  const [mode, setMode] = useState<'for' | 'until'>('for');
  const [duration, setDuration] = useState<string>('2h');
  const [until, setUntil] = useState(() => localInput(Date.now() + 2 * 3_600_000));
  const [comment, setComment] = useState('');
  const [invalid, setInvalid] = useState<{ rows: number[]; until: boolean; none: boolean }>({ rows: [], until: false, none: false });
  const matchers = (): Matcher[] =>
    rows.map((r) => ({
      field: r.field,
      op: r.op,
      values: r.values
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== ''),
    }));
  const { busy, problem, submit } = useSubmit(async () => {
    const r = await createSilence({
      matchers: matchers(),
      ...(mode === 'for' ? { duration } : { endsAt: new Date(until).toISOString() }),
      ...(comment.trim() ? { comment: comment.trim() } : {}),
    });
    return r.result === 'created' ? t('alerts.done.silenced', { id: r.silence.id }) : t('alerts.done.unchanged');
  }, onDone);

  const check = (e: FormEvent) => {
    const empty = matchers().flatMap((m, k) => (m.values.length === 0 ? [k] : []));
    const end = Date.parse(until);
    const badUntil = mode === 'until' && !(Number.isFinite(end) && end > Date.now());
    const next = { rows: empty, until: badUntil, none: rows.length === 0 };
    setInvalid(next);
    if (next.rows.length > 0 || next.until || next.none) {
      e.preventDefault();
      return;
    }
    void submit(e);
  };
  const update = (key: number, patch: Partial<MatcherRow>) => setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const clientProblems = [
    ...(invalid.none ? [t('alerts.matcherNone')] : []),
    ...invalid.rows.map((k) => t('alerts.matcherEmpty', { n: i.num(k + 1, 0) })),
    ...(invalid.until ? [t('alerts.untilPast')] : []),
  ];

  return (
    <Dialog title={from ? t('alerts.silenceTitleFrom') : t('alerts.silenceTitle')} onClose={onClose}>
      <form className="form al-silence-form" onSubmit={check} noValidate>
        {from && <AlertLines a={from} />}
        <p>{t('alerts.silenceHelp')}</p>
        {rows.map((r, k) => (
          <fieldset key={r.key} className="al-matcher">
            <legend>{t('alerts.matcherN', { n: i.num(k + 1, 0) })}</legend>
            <label>
              {t('alerts.field')}
              <select value={r.field} onChange={(e) => update(r.key, { field: e.target.value as MatchField })}>
                {MATCH_FIELDS.map((f) => (
                  <option key={f} value={f}>
                    {t(`alerts.field.${f}` as Key)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('alerts.op')}
              <select value={r.op} onChange={(e) => update(r.key, { op: e.target.value as '=' | '!=' })}>
                <option value="=">{t('alerts.op.eq')}</option>
                <option value="!=">{t('alerts.op.ne')}</option>
              </select>
            </label>
            <label>
              {t('alerts.values')}
              <input
                type="text"
                value={r.values}
                onChange={(e) => update(r.key, { values: e.target.value })}
                dir="ltr"
                autoComplete="off"
                spellCheck={false}
                aria-invalid={invalid.rows.includes(k) || undefined}
              />
            </label>
            <button
              type="button"
              className="button"
              onClick={() => setRows((rs) => rs.filter((x) => x.key !== r.key))}
              aria-label={t('alerts.removeMatcher', { n: i.num(k + 1, 0) })}
            >
              {t('alerts.remove')}
            </button>
          </fieldset>
        ))}
        <p>
          <button
            type="button"
            className="button"
            onClick={() => {
              setRows((rs) => [...rs, { key: nextKey, field: 'agreement', op: '=', values: '' }]);
              setNextKey((n) => n + 1);
            }}
            disabled={rows.length >= 20}
          >
            {t('alerts.addMatcher')}
          </button>
        </p>
        <fieldset className="al-end">
          <legend>{t('alerts.end')}</legend>
          <label className="al-radio">
            <input type="radio" name={`${id}-end`} checked={mode === 'for'} onChange={() => setMode('for')} />
            {t('alerts.endFor')}
          </label>
          <select
            value={duration}
            onChange={(e) => setDuration(e.target.value)}
            disabled={mode !== 'for'}
            aria-label={t('alerts.duration')}
          >
            {DURATIONS.map(([d, ms]) => (
              <option key={d} value={d}>
                {i.duration(ms)}
              </option>
            ))}
          </select>
          <label className="al-radio">
            <input type="radio" name={`${id}-end`} checked={mode === 'until'} onChange={() => setMode('until')} />
            {t('alerts.endUntil')}
          </label>
          <input
            type="datetime-local"
            value={until}
            onChange={(e) => setUntil(e.target.value)}
            disabled={mode !== 'until'}
            aria-label={t('alerts.untilLabel')}
            aria-invalid={invalid.until || undefined}
          />
        </fieldset>
        <label htmlFor={`${id}-c`}>{t('alerts.comment')}</label>
        <textarea id={`${id}-c`} value={comment} onChange={(e) => setComment(e.target.value)} maxLength={2000} rows={2} />
        {clientProblems.length > 0 && (
          <div className="alert alert-error" role="alert">
            {clientProblems.map((p) => (
              <p key={p}>{p}</p>
            ))}
          </div>
        )}
        <Problem lines={problem} />
        <DialogButtons busy={busy} confirm={t('alerts.createSilence')} onClose={onClose} />
      </form>
    </Dialog>
  );
}

function ExpireDialog({ silence, onClose, onDone }: { silence: Silence; onClose: () => void; onDone: (text: string) => void }) {
  const i = useI18n();
  const { t } = i;
  const { busy, problem, submit } = useSubmit(async () => {
    const r = await expireSilence(silence.id);
    return r.result === 'expired' ? t('alerts.done.expired', { id: silence.id }) : t('alerts.done.unchanged');
  }, onDone);
  return (
    <Dialog title={t('alerts.expireTitle')} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <p>{t('alerts.expireHelp', { id: silence.id, when: i.dateTime(silence.endsAt) })}</p>
        <ul className="al-matchers">
          {silence.matchers.map((m) => (
            <li key={`${m.field}${m.op}${m.values.join(',')}`}>
              <bdi>{matcherText(i, m)}</bdi>
            </li>
          ))}
        </ul>
        <Problem lines={problem} />
        <DialogButtons busy={busy} confirm={t('alerts.expire')} onClose={onClose} />
      </form>
    </Dialog>
  );
}
