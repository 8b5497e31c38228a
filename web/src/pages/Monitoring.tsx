/**
 * Monitoring (/monitoring): the tenant's built-in monitors (docs/monitors.md), its service desk
 * sources (docs/sources.md) and its public status pages (docs/status-page.md).
 *
 * Who sees it follows the API, not the page: all three go with the channels (they make the server
 * call out, hold webhook secrets, publish to anyone), so only the roles that may read channels
 * (admin, manager, auditor) reach the page, and only those that may change them (admin, manager)
 * get the monitor form and its actions. Sources and status pages are listed, not edited here; each
 * source shows its last delivery (stored, duplicate or refused, and why: GET /v1/sources lastDelivery).
 *
 * - A monitor's state is what the server says (GET /v1/monitors); the page computes nothing of
 *   its own. It reads the list again every 15 s, and every second while a running HTTP or TCP
 *   monitor has not been checked yet (its first check runs at once after it is saved).
 * - The form edits the spec as it was written: what the form does not show is sent back as it
 *   was, header values come back as "[redacted]" and are kept by the server when sent back so.
 * - A heartbeat monitor's push URL holds a token shown once, in the answer that created it: it is
 *   shown then, with a copy button, and never again (the table shows the URL without it).
 * - Replacing, pausing and deleting send the ETag read: a monitor changed elsewhere is refused
 *   (412); the page then reloads it and says so, and the form shows the stored version.
 */
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '../api';
import { splitIssues } from '../api-admin';
import {
  draftOf,
  HTTP_METHODS,
  MONITOR_KINDS,
  type Monitor,
  type MonitorDraft,
  type MonitorKind,
  mayChangeMonitors,
  monitorApi,
  REDACTED,
  specOf,
} from '../api-monitors';
import { CopyBox } from '../components/CopyBox';
import { Dialog } from '../components/Dialog';
import { describedBy, Field } from '../components/Field';
import { ErrorBox, Loading, Section } from '../components/ui';
import { useLoad } from '../hooks';
import { type Key, useI18n } from '../i18n';
import { usePageTitle } from '../router';
import { useSession } from '../session';

/** The form's fields, in the order the first refused one gets the focus. */
const FIELDS = [
  'id',
  'kind',
  'service',
  'url',
  'method',
  'expectStatus',
  'expectBody',
  'headers',
  'host',
  'port',
  'interval',
  'timeout',
  'grace',
  'retries',
  'description',
] as const;
type FieldName = (typeof FIELDS)[number];

export function Monitoring() {
  const { t } = useI18n();
  const { user } = useSession();
  usePageTitle(t('mon.title'));
  const mayChange = mayChangeMonitors(user?.role);
  return (
    <>
      <h1>{t('mon.title')}</h1>
      <p className="lede">{t('mon.lede')}</p>
      <Monitors mayChange={mayChange} />
      <Sources />
      <StatusPages />
    </>
  );
}

/** up, down, paused or unknown, as a word with a mark: colour is never the only signal. */
function MonitorStateBadge({ m }: { m: Monitor }) {
  const { t } = useI18n();
  // A heartbeat is not checked: before its first push it is waiting for one.
  const shown = m.paused ? 'paused' : m.state.status === 'unknown' && m.spec.kind === 'heartbeat' ? 'waiting' : m.state.status;
  const cls = { up: 'met', down: 'breached', paused: 'paused', unknown: 'no-data', waiting: 'no-data' }[shown];
  const mark = { up: '✓', down: '✕', paused: '❚❚', unknown: '–', waiting: '–' }[shown];
  return (
    <span className={`badge badge-${cls}`}>
      <span aria-hidden="true" className="badge-mark">
        {mark}
      </span>
      {t(`mon.state.${shown}` as Key)}
    </span>
  );
}

function Target({ m }: { m: Monitor }) {
  const { t } = useI18n();
  const s = m.spec as Record<string, unknown>;
  if (m.spec.kind === 'http')
    return (
      <bdi dir="ltr" className="mon-target">
        {String(s.method ?? 'GET')} {String(s.url ?? '')}
      </bdi>
    );
  if (m.spec.kind === 'tcp')
    return (
      <bdi dir="ltr" className="mon-target">
        {String(s.host ?? '')}:{String(s.port ?? '')}
      </bdi>
    );
  return (
    <>
      {t('mon.pushTo')}{' '}
      <bdi dir="ltr" className="mon-target">
        {m.pushUrl ?? '/v1/heartbeats/{token}'}
      </bdi>
    </>
  );
}

function Monitors({ mayChange }: { mayChange: boolean }) {
  const i = useI18n();
  const { t } = i;
  const { data, error, loading, reload } = useLoad((s) => monitorApi.list(s), []);
  const [editing, setEditing] = useState<Monitor | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Monitor | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [pushUrl, setPushUrl] = useState<{ id: string; url: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [stale, setStale] = useState(false);
  const doneRef = useRef<HTMLDivElement>(null);

  // The state changes with every check: read it again, soon while a first check is due.
  useEffect(() => {
    if (!data) return;
    const due = data.items.some((m) => !m.paused && m.spec.kind !== 'heartbeat' && m.state.lastCheckAt === null);
    const timer = window.setTimeout(reload, due ? 1000 : 15_000);
    return () => window.clearTimeout(timer);
  }, [data, reload]);

  // A monitor changed elsewhere (412): once reloaded, the open form or dialog takes the stored
  // version (its values and ETag), so "try again" acts on what is there now.
  useEffect(() => {
    if (!stale || !data) return;
    const fresh = (m: Monitor) => data.items.find((x) => x.id === m.id);
    if (editing && editing !== 'new' && fresh(editing)?.etag !== editing.etag) setEditing(fresh(editing) ?? null);
    if (deleting && fresh(deleting)?.etag !== deleting.etag) setDeleting(fresh(deleting) ?? null);
  }, [data, stale, editing, deleting]);

  useEffect(() => {
    if (outcome || pushUrl) doneRef.current?.focus();
  }, [outcome, pushUrl]);

  const onStale = () => {
    setStale(true);
    reload();
  };
  const start = () => {
    setOutcome(null);
    setPushUrl(null);
    setProblem(null);
    setStale(false);
  };
  const done = (text: string, token?: { id: string; token: string }) => {
    setStale(false);
    setEditing(null);
    setDeleting(null);
    setOutcome(text);
    setPushUrl(token ? { id: token.id, url: `${window.location.origin}/v1/heartbeats/${token.token}` } : null);
    reload();
  };
  const pause = async (m: Monitor) => {
    start();
    setBusy(m.id);
    try {
      await monitorApi.pause(m, !m.paused);
      done(t(m.paused ? 'mon.resumed' : 'mon.paused', { id: m.id }));
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) {
        setProblem(t('mon.stale'));
        onStale();
      } else setProblem(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <Section title={t('mon.monitors')} id="mon-monitors">
      <p className="muted">{t('mon.monitorsHelp')}</p>
      {(outcome || pushUrl) && (
        <div className="alert alert-ok" role="status" tabIndex={-1} ref={doneRef}>
          {outcome && <p className="alert-title">{outcome}</p>}
          {pushUrl && (
            <>
              <CopyBox value={pushUrl.url} label={t('mon.pushUrl', { id: pushUrl.id })} />
              <p>{t('mon.pushUrlOnce')}</p>
            </>
          )}
        </div>
      )}
      {problem && (
        <div className="alert alert-error" role="alert">
          <p>{problem}</p>
        </div>
      )}
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && <Loading />}
      {data &&
        (data.items.length === 0 ? (
          <p>{t('mon.none')}</p>
        ) : (
          <div className="table-wrap">
            <table className="table table-compact mon-table">
              <caption className="visually-hidden">{t('mon.monitors')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('mon.monitor')}</th>
                  <th scope="col">{t('mon.target')}</th>
                  <th scope="col">{t('mon.interval')}</th>
                  <th scope="col">{t('mon.stateCol')}</th>
                  <th scope="col">{t('mon.lastCheck')}</th>
                  <th scope="col">{t('mon.service')}</th>
                  {mayChange && <th scope="col">{t('mon.actions')}</th>}
                </tr>
              </thead>
              <tbody>
                {data.items.map((m) => {
                  const s = m.state;
                  const since = s.status === 'down' ? (s.failingSince ?? s.lastChangeAt) : s.lastChangeAt;
                  const last = m.spec.kind === 'heartbeat' ? s.lastPushAt : s.lastCheckAt;
                  return (
                    <tr key={m.id} data-monitor={m.id}>
                      <th scope="row">
                        <bdi>{m.id}</bdi>
                        <span className="muted block">{t(`mon.kind.${m.spec.kind}` as Key)}</span>
                        {typeof m.spec.description === 'string' && <span className="muted block">{m.spec.description}</span>}
                      </th>
                      <td>
                        <Target m={m} />
                      </td>
                      <td>
                        <bdi dir="ltr">{String(m.spec.interval ?? '60s')}</bdi>
                        {m.spec.kind === 'heartbeat' && (
                          <span className="muted block">{t('mon.graceIs', { grace: String(m.spec.grace ?? '60s') })}</span>
                        )}
                      </td>
                      <td className="mon-state">
                        <MonitorStateBadge m={m} />
                        {m.paused && s.status !== 'unknown' && (
                          <span className="muted block">{t('mon.lastKnown', { state: t(`mon.state.${s.status}` as Key) })}</span>
                        )}
                        {!m.paused && since && <span className="muted block">{t('mon.since', { when: i.dateTime(since) })}</span>}
                        {s.tls?.warning && (
                          <span className="block field-error">{t('mon.tlsWarning', { when: i.date(s.tls.expiresAt) })}</span>
                        )}
                      </td>
                      <td>
                        {last ? i.dateTime(last) : <span className="muted">{t('mon.never')}</span>}
                        {s.lastLatencyMs !== null && m.spec.kind !== 'heartbeat' && (
                          <span className="muted block">{t('mon.latency', { ms: i.num(s.lastLatencyMs, 0) })}</span>
                        )}
                        {s.lastError && (
                          <span className="muted block mon-error" dir="auto">
                            {s.lastError}
                          </span>
                        )}
                        {m.nextCheckAt && (
                          <span className="muted block">
                            {t(m.spec.kind === 'heartbeat' ? 'mon.dueBy' : 'mon.next', { when: i.dateTime(m.nextCheckAt) })}
                          </span>
                        )}
                      </td>
                      <td>
                        <bdi>{m.spec.service}</bdi>
                      </td>
                      {mayChange && (
                        <td>
                          <div className="sched-actions">
                            <button
                              type="button"
                              className="button"
                              aria-label={t('mon.editNamed', { id: m.id })}
                              onClick={() => {
                                start();
                                setEditing(m);
                              }}
                            >
                              {t('mon.edit')}
                            </button>
                            <button
                              type="button"
                              className="button"
                              disabled={busy === m.id}
                              aria-label={t(m.paused ? 'mon.resumeNamed' : 'mon.pauseNamed', { id: m.id })}
                              onClick={() => void pause(m)}
                            >
                              {t(m.paused ? 'mon.resume' : 'mon.pause')}
                            </button>
                            <button
                              type="button"
                              className="button"
                              aria-label={t('mon.deleteNamed', { id: m.id })}
                              onClick={() => {
                                start();
                                setDeleting(m);
                              }}
                            >
                              {t('mon.delete')}
                            </button>
                          </div>
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ))}
      {data && mayChange && editing === null && (
        <button
          type="button"
          className="button button-primary"
          onClick={() => {
            start();
            setEditing('new');
          }}
        >
          {t('mon.add')}
        </button>
      )}
      {data && mayChange && editing !== null && (
        <MonitorForm
          key={editing === 'new' ? '' : `${editing.id} ${editing.etag}`}
          monitor={editing === 'new' ? null : editing}
          stale={stale}
          onCancel={() => {
            setStale(false);
            setEditing(null);
          }}
          onDone={done}
          onStale={onStale}
        />
      )}
      {deleting && <DeleteDialog monitor={deleting} onClose={() => setDeleting(null)} onDone={done} onStale={onStale} />}
    </Section>
  );
}

function MonitorForm({
  monitor,
  stale,
  onCancel,
  onDone,
  onStale,
}: {
  monitor: Monitor | null;
  /** The monitor was changed elsewhere: this form shows the stored version now. */
  stale: boolean;
  onCancel: () => void;
  onDone: (text: string, token?: { id: string; token: string }) => void;
  onStale: () => void;
}) {
  const { t } = useI18n();
  const uid = useId();
  const [d, setD] = useState<MonitorDraft>(() => draftOf(monitor));
  const [fields, setFields] = useState<Partial<Record<FieldName, string>>>({});
  const [general, setGeneral] = useState<string[]>(stale ? [t('mon.stale')] : []);
  const [busy, setBusy] = useState(false);
  const [newToken, setNewToken] = useState(false);
  const headRef = useRef<HTMLHeadingElement>(null);
  const generalRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    headRef.current?.focus();
  }, []);

  const set = <K extends keyof MonitorDraft>(k: K, v: MonitorDraft[K]) => setD((x) => ({ ...x, [k]: v }));
  const fid = (f: FieldName) => `${uid}-${f}`;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFields({});
    setGeneral([]);
    const id = d.id.trim();
    if (id === '') {
      setFields({ id: t('mon.idRequired') });
      setBusy(false);
      document.getElementById(fid('id'))?.focus();
      return;
    }
    try {
      const r = await monitorApi.put(id, specOf(d, monitor?.spec ?? null), monitor?.etag, newToken && d.kind === 'heartbeat');
      onDone(t(r.result === 'created' ? 'mon.created' : 'mon.updated', { id }), r.token ? { id, token: r.token } : undefined);
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) onStale();
      else if (error instanceof ApiError && error.status === 428) setFields({ id: t('mon.exists', { id }) });
      else {
        const { fields: f, rest } = splitIssues(error, (path) => {
          const head = /^[a-z]+/i.exec(path)?.[0] ?? '';
          return (FIELDS as readonly string[]).includes(head) ? head : null;
        });
        setFields(f as Partial<Record<FieldName, string>>);
        setGeneral(rest);
        const first = FIELDS.find((x) => f[x]);
        if (first) document.getElementById(fid(first))?.focus();
        else generalRef.current?.focus();
      }
    } finally {
      setBusy(false);
    }
  };

  /** A text input laid out by Field, its error beside it. */
  const text = (f: FieldName & keyof MonitorDraft, opts: { hint?: string; placeholder?: string; numeric?: boolean } = {}) => (
    <Field id={fid(f)} label={t(`mon.f.${f}` as Key)} error={fields[f]} {...(opts.hint ? { hint: opts.hint } : {})}>
      <input
        id={fid(f)}
        dir="ltr"
        autoComplete="off"
        inputMode={opts.numeric ? 'numeric' : undefined}
        placeholder={opts.placeholder}
        value={d[f]}
        readOnly={f === 'id' && monitor !== null}
        aria-invalid={fields[f] ? true : undefined}
        aria-describedby={describedBy(fid(f), fields[f], Boolean(opts.hint))}
        onChange={(e) => set(f, e.target.value)}
      />
    </Field>
  );

  return (
    <div className="admin-block sched-form mon-form">
      <h3 tabIndex={-1} ref={headRef}>
        {monitor ? t('mon.editTitle', { id: monitor.id }) : t('mon.addTitle')}
      </h3>
      {general.length > 0 && (
        <div className="alert alert-error" role="alert" tabIndex={-1} ref={generalRef}>
          <p className="alert-title">{t('mon.refused')}</p>
          {general.map((g) => (
            <p key={g}>{g}</p>
          ))}
        </div>
      )}
      <form className="form admin-form" onSubmit={submit} noValidate>
        {text('id', { hint: t('mon.idHint') })}
        <Field id={fid('kind')} label={t('mon.f.kind')} error={fields.kind}>
          <select
            id={fid('kind')}
            value={d.kind}
            aria-invalid={fields.kind ? true : undefined}
            aria-describedby={describedBy(fid('kind'), fields.kind)}
            onChange={(e) => set('kind', e.target.value as MonitorKind)}
          >
            {MONITOR_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`mon.kind.${k}` as Key)}
              </option>
            ))}
          </select>
        </Field>
        {text('service', { hint: t('mon.serviceHint') })}
        {d.kind === 'http' && (
          <>
            {text('url', { placeholder: 'https://example.com/health' })}
            <Field id={fid('method')} label={t('mon.f.method')} error={fields.method}>
              <select
                id={fid('method')}
                value={d.method}
                aria-invalid={fields.method ? true : undefined}
                aria-describedby={describedBy(fid('method'), fields.method)}
                onChange={(e) => set('method', e.target.value)}
              >
                {[...new Set([...HTTP_METHODS, d.method])].map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </select>
            </Field>
            {text('expectStatus', { hint: t('mon.expectStatusHint'), placeholder: '200, 204' })}
            {text('expectBody', { hint: t('mon.expectBodyHint') })}
            <Field
              id={fid('headers')}
              label={t('mon.f.headers')}
              error={fields.headers}
              hint={t('mon.headersHint', { redacted: REDACTED })}
            >
              <textarea
                id={fid('headers')}
                dir="ltr"
                rows={2}
                value={d.headers}
                placeholder="Authorization: Bearer …"
                aria-invalid={fields.headers ? true : undefined}
                aria-describedby={describedBy(fid('headers'), fields.headers, true)}
                onChange={(e) => set('headers', e.target.value)}
              />
            </Field>
          </>
        )}
        {d.kind === 'tcp' && (
          <>
            {text('host', { placeholder: 'sip.example.com' })}
            {text('port', { numeric: true, placeholder: '5060' })}
          </>
        )}
        {text('interval', { hint: t(d.kind === 'heartbeat' ? 'mon.intervalHintHeartbeat' : 'mon.intervalHint'), placeholder: '60s' })}
        {d.kind !== 'heartbeat' && text('timeout', { hint: t('mon.timeoutHint'), placeholder: '10s' })}
        {d.kind === 'heartbeat' && text('grace', { hint: t('mon.graceHint'), placeholder: '60s' })}
        {text('retries', { hint: t('mon.retriesHint'), numeric: true, placeholder: '0' })}
        {text('description')}
        {monitor !== null && monitor.spec.kind === 'heartbeat' && d.kind === 'heartbeat' && (
          <label className="admin-radio">
            <input type="checkbox" checked={newToken} onChange={(e) => setNewToken(e.target.checked)} />
            {t('mon.newToken')}
          </label>
        )}
        <div className="admin-actions">
          <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
            {t('mon.save')}
          </button>
          <button type="button" className="button" onClick={onCancel}>
            {t('mon.cancel')}
          </button>
        </div>
      </form>
    </div>
  );
}

function DeleteDialog({
  monitor,
  onClose,
  onDone,
  onStale,
}: {
  monitor: Monitor;
  onClose: () => void;
  onDone: (text: string) => void;
  onStale: () => void;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const confirm = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await monitorApi.remove(monitor);
      onDone(t('mon.deleted', { id: monitor.id }));
    } catch (error) {
      setBusy(false);
      if (error instanceof ApiError && error.status === 412) {
        setProblem(t('mon.stale'));
        onStale();
      } else setProblem(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <Dialog title={t('mon.deleteTitle', { id: monitor.id })} onClose={onClose}>
      <form className="form" onSubmit={confirm}>
        <p>{t('mon.deleteEffect')}</p>
        {problem && (
          <div className="alert alert-error" role="alert">
            <p>{problem}</p>
          </div>
        )}
        <div className="dialog-buttons">
          <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
            {t('mon.deleteYes')}
          </button>
          <button type="button" className="button" onClick={onClose}>
            {t('mon.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function Sources() {
  const i = useI18n();
  const { t } = i;
  const { data, error, loading, reload } = useLoad((s) => monitorApi.sources(s), []);
  return (
    <Section title={t('mon.sources')} id="mon-sources">
      <p className="muted">{t('mon.sourcesHelp')}</p>
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && <Loading />}
      {data &&
        (data.items.length === 0 ? (
          <p>{t('mon.noSources')}</p>
        ) : (
          <div className="table-wrap">
            <table className="table table-compact">
              <caption className="visually-hidden">{t('mon.sources')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('mon.source')}</th>
                  <th scope="col">{t('mon.vendor')}</th>
                  <th scope="col">{t('mon.webhook')}</th>
                  <th scope="col">{t('mon.defaults')}</th>
                  <th scope="col">{t('mon.changed')}</th>
                  <th scope="col">{t('mon.lastDelivery')}</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((s) => {
                  const defaults = Object.entries(s.defaults).filter(([, v]) => v !== undefined);
                  return (
                    <tr key={s.id}>
                      <th scope="row">
                        <bdi>{s.id}</bdi>
                      </th>
                      <td>{s.vendor}</td>
                      <td>
                        <code dir="ltr" className="mon-target">
                          {window.location.origin}
                          {s.webhook}
                        </code>
                        <span className="muted block">{t(s.mapping === null ? 'mon.mappingDefault' : 'mon.mappingOwn')}</span>
                      </td>
                      <td>
                        {defaults.length === 0
                          ? '–'
                          : defaults.map(([k, v]) => (
                              <span key={k} className="block">
                                {t(`mon.default.${k}` as Key)}: <bdi>{v}</bdi>
                              </span>
                            ))}
                      </td>
                      <td>{i.dateTime(s.updatedAt)}</td>
                      <td>
                        {s.lastDelivery === null ? (
                          t('mon.lastDeliveryNone')
                        ) : (
                          <>
                            <span className="block">
                              {t(`mon.delivery.${s.lastDelivery.outcome}`)} ({s.lastDelivery.status})
                            </span>
                            <span className="muted block">{i.dateTime(s.lastDelivery.at)}</span>
                            {s.lastDelivery.outcome === 'refused' && s.lastDelivery.detail && (
                              <span className="block">
                                <bdi dir="ltr">{s.lastDelivery.detail}</bdi>
                              </span>
                            )}
                          </>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ))}
    </Section>
  );
}

function StatusPages() {
  const i = useI18n();
  const { t } = i;
  const { data, error, loading, reload } = useLoad((s) => monitorApi.statusPages(s), []);
  return (
    <Section title={t('mon.statusPages')} id="mon-status-pages">
      <p className="muted">{t('mon.statusPagesHelp')}</p>
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && <Loading />}
      {data &&
        (data.items.length === 0 ? (
          <p>{t('mon.noStatusPages')}</p>
        ) : (
          <div className="table-wrap">
            <table className="table table-compact">
              <caption className="visually-hidden">{t('mon.statusPages')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('mon.page')}</th>
                  <th scope="col">{t('mon.publicAt')}</th>
                  <th scope="col">{t('mon.shows')}</th>
                  <th scope="col">{t('mon.changed')}</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((p) => (
                  <tr key={p.id}>
                    <th scope="row">
                      <bdi>{(i.lang === 'ar' ? p.spec.titleAr : undefined) ?? p.spec.title ?? p.id}</bdi>
                      <span className="muted block">
                        <bdi>{p.id}</bdi>
                      </span>
                    </th>
                    <td>
                      {p.spec.enabled === false ? (
                        <>
                          <bdi dir="ltr">{p.url}</bdi>
                          <span className="pill block">{t('mon.unpublished')}</span>
                        </>
                      ) : (
                        // A plain link: the public page is served by the server, not by this app.
                        <a href={p.url} dir="ltr">
                          {p.url}
                        </a>
                      )}
                    </td>
                    <td>
                      {p.spec.customer !== undefined ? (
                        t('mon.customerServices', { customer: p.spec.customer })
                      ) : (
                        <bdi>
                          {(p.spec.services ?? []).map((s) => (i.lang === 'ar' ? s.nameAr : undefined) ?? s.name ?? s.id).join(', ')}
                        </bdi>
                      )}
                    </td>
                    <td>{i.dateTime(p.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </Section>
  );
}
