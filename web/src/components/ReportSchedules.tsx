/**
 * An agreement's scheduled report e-mails (docs/api.md "Report schedules"): the schedules that
 * send its report (its own, and those of its customer's agreements), when each runs next, and the
 * latest period's deliveries with their state; for admin and manager a form to add or edit one,
 * delete with a confirmation, and "send now" for a past period.
 *
 * Who sees it follows the API, not the page: schedules go with the channels (they say where
 * reports are sent, to whom), so only the roles that may read channels (admin, manager, auditor)
 * see the section, and only those that may change them (admin, manager) get the form and the
 * actions; for every other role it is not rendered at all (no request is made). The server checks
 * every field: its issues are shown beside the field they name, the rest above the form.
 */
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '../api';
import { splitIssues } from '../api-admin';
import {
  REPORT_FORMATS,
  type ReportDelivery,
  type ReportFormat,
  type ReportSchedule,
  recentPeriods,
  SCHEDULE_PERIODS,
  type SchedulePeriod,
  scheduleApi,
} from '../api-schedules';
import { useLoad } from '../hooks';
import { type Key, useI18n } from '../i18n';
import { useSession } from '../session';
import { Dialog } from './Dialog';
import { ErrorBox, Loading, Section } from './ui';
import { Field as FormField } from './Field';

interface Draft {
  id: string;
  every: SchedulePeriod;
  day: string;
  time: string;
  zone: string;
  channel: string;
  recipients: string;
  language: 'en' | 'ar';
  formats: ReportFormat[];
  enabled: boolean;
}

/** The form's fields, in the order the first error gets focus. */
const FIELDS = ['id', 'every', 'day', 'time', 'zone', 'channel', 'recipients', 'language', 'formats'] as const;
type Field = (typeof FIELDS)[number];

const draftOf = (s: ReportSchedule): Draft => ({
  id: s.id,
  every: s.spec.every,
  day: String(s.spec.day),
  time: s.spec.time,
  zone: s.spec.zone ?? '',
  channel: s.spec.channel,
  recipients: s.spec.recipients.join('\n'),
  language: s.spec.language,
  formats: s.spec.formats,
  enabled: s.spec.enabled,
});

const emptyDraft = (agreement: string, channel: string): Draft => ({
  id: `${agreement}-monthly`,
  every: 'month',
  day: '3',
  time: '06:00',
  zone: '',
  channel,
  recipients: '',
  language: 'en',
  formats: ['pdf'],
  enabled: true,
});

const STATUS_CLASS: Record<string, string> = { delivered: 'met', failed: 'breached', dead: 'breached' };

export function ReportSchedules({ agreement, customer }: { agreement: string; customer?: string | undefined }) {
  const { user } = useSession();
  const role = user?.role;
  if (role !== 'admin' && role !== 'manager' && role !== 'auditor') return null;
  return <Schedules agreement={agreement} customer={customer} mayChange={role !== 'auditor'} />;
}

function Schedules({ agreement, customer, mayChange }: { agreement: string; customer?: string | undefined; mayChange: boolean }) {
  const i = useI18n();
  const { t } = i;
  const { data, error, loading, reload } = useLoad(
    async (signal) => {
      const [list, deliveries, channels] = await Promise.all([
        scheduleApi.list(signal),
        scheduleApi.deliveries(agreement, signal),
        mayChange ? scheduleApi.emailChannels(signal) : Promise.resolve([]),
      ]);
      const mine = list.items.filter((s) => s.spec.agreement === agreement || (customer !== undefined && s.spec.customer === customer));
      return { schedules: mine, deliveries: deliveries.items, channels };
    },
    [agreement, customer, mayChange],
  );
  const [editing, setEditing] = useState<ReportSchedule | 'new' | null>(null);
  const [deleting, setDeleting] = useState<ReportSchedule | null>(null);
  const [sending, setSending] = useState<ReportSchedule | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);

  // A schedule changed elsewhere (412): once reloaded, the open form or dialog takes the stored
  // version (its values and ETag), so "try again" acts on what is there now, never on a stale read.
  const [stale, setStale] = useState(false);
  useEffect(() => {
    const fresh = (s: ReportSchedule) => data?.schedules.find((x) => x.id === s.id);
    if (editing && editing !== 'new' && fresh(editing)?.etag !== editing.etag) setEditing(fresh(editing) ?? null);
    if (deleting && fresh(deleting)?.etag !== deleting.etag) setDeleting(fresh(deleting) ?? null);
  }, [data, editing, deleting]);
  const onStale = () => {
    setStale(true);
    reload();
  };

  const done = (text: string) => {
    setStale(false);
    setEditing(null);
    setDeleting(null);
    setSending(null);
    setOutcome(text);
    reload();
  };
  const scopeOf = (s: ReportSchedule) =>
    s.spec.agreement !== undefined ? t('sched.thisAgreement') : t('sched.customerScope', { customer: s.spec.customer ?? '' });

  return (
    <Section title={t('sched.title')} id="report-schedules">
      <p className="muted">{t('sched.help')}</p>
      {outcome && (
        <p className="alert alert-ok" role="status">
          {outcome}
        </p>
      )}
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && <Loading />}
      {data &&
        (data.schedules.length === 0 ? (
          <p>{t('sched.none')}</p>
        ) : (
          <div className="table-wrap">
            <table className="table table-compact sched-table">
              <caption className="visually-hidden">{t('sched.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('sched.schedule')}</th>
                  <th scope="col">{t('sched.when')}</th>
                  <th scope="col">{t('sched.sentTo')}</th>
                  <th scope="col">{t('sched.what')}</th>
                  <th scope="col">{t('sched.next')}</th>
                  <th scope="col">{t('sched.lastDeliveries')}</th>
                  {mayChange && <th scope="col">{t('sched.actions')}</th>}
                </tr>
              </thead>
              <tbody>
                {data.schedules.map((s) => {
                  const mine = data.deliveries.filter((d) => d.schedule === s.id);
                  const last = mine[0]?.period;
                  return (
                    <tr key={s.id}>
                      <th scope="row">
                        <bdi>{s.id}</bdi>
                        <span className="muted block">{scopeOf(s)}</span>
                      </th>
                      <td>
                        {t(`sched.every.${s.spec.every}` as Key)}
                        <span className="block">
                          {t('sched.onDay', { day: i.num(s.spec.day, 0), time: s.spec.time })}{' '}
                          {s.spec.zone ? <bdi dir="ltr">{s.spec.zone}</bdi> : t('sched.agreementZone')}
                        </span>
                      </td>
                      <td>
                        <span className="block">{t('sched.via', { channel: s.spec.channel })}</span>
                        <ul className="sched-recipients">
                          {s.spec.recipients.map((r) => (
                            <li key={r} dir="ltr">
                              {r}
                            </li>
                          ))}
                        </ul>
                      </td>
                      <td>
                        {t(s.spec.language === 'ar' ? 'sched.lang.ar' : 'sched.lang.en')}
                        <span className="block">{s.spec.formats.map((f) => f.toUpperCase()).join(', ')}</span>
                      </td>
                      <td>
                        {s.next ? (
                          <>
                            {i.dateTime(s.next.at)}
                            <span className="muted block">{t('sched.sends', { period: s.next.period })}</span>
                          </>
                        ) : (
                          <span className="pill">{t('sched.disabled')}</span>
                        )}
                        {s.pending.map((p) => (
                          <span key={p.period} className="muted block">
                            {t('sched.pending', { period: p.period })}
                          </span>
                        ))}
                      </td>
                      <td>
                        {last === undefined ? (
                          <span className="muted">{t('sched.noDeliveries')}</span>
                        ) : (
                          <Deliveries period={last} items={mine.filter((d) => d.period === last)} />
                        )}
                      </td>
                      {mayChange && (
                        <td>
                          <div className="sched-actions">
                            <button
                              type="button"
                              className="button"
                              aria-label={t('sched.editNamed', { id: s.id })}
                              onClick={() => {
                                setOutcome(null);
                                setStale(false);
                                setEditing(s);
                              }}
                            >
                              {t('sched.edit')}
                            </button>
                            <button
                              type="button"
                              className="button"
                              aria-label={t('sched.sendNamed', { id: s.id })}
                              onClick={() => {
                                setOutcome(null);
                                setSending(s);
                              }}
                            >
                              {t('sched.send')}
                            </button>
                            <button
                              type="button"
                              className="button"
                              aria-label={t('sched.deleteNamed', { id: s.id })}
                              onClick={() => {
                                setOutcome(null);
                                setStale(false);
                                setDeleting(s);
                              }}
                            >
                              {t('sched.delete')}
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
            setOutcome(null);
            setStale(false);
            setEditing('new');
          }}
        >
          {t('sched.add')}
        </button>
      )}
      {data && mayChange && editing !== null && (
        <ScheduleForm
          key={editing === 'new' ? '' : `${editing.id} ${editing.etag}`}
          agreement={agreement}
          schedule={editing === 'new' ? null : editing}
          channels={data.channels.map((c) => c.id)}
          onCancel={() => {
            setStale(false);
            setEditing(null);
          }}
          onDone={done}
          stale={stale}
          onStale={onStale}
        />
      )}
      {deleting && <DeleteDialog schedule={deleting} onClose={() => setDeleting(null)} onDone={done} onStale={onStale} />}
      {sending && <SendDialog schedule={sending} onClose={() => setSending(null)} onDone={done} />}
    </Section>
  );
}

function Deliveries({ period, items }: { period: string; items: ReportDelivery[] }) {
  const i = useI18n();
  const { t } = i;
  return (
    <>
      <span className="block">{t('sched.period', { period })}</span>
      <ul className="sched-deliveries">
        {items.map((d) => (
          <li key={d.recipient}>
            <span className={`badge badge-${STATUS_CLASS[d.status] ?? 'no-data'}`}>{t(`sched.status.${d.status}` as Key)}</span>{' '}
            <bdi dir="ltr">{d.recipient}</bdi>
            {d.deliveredAt && <span className="muted"> · {i.dateTime(d.deliveredAt)}</span>}
            {d.lastError && <span className="muted block">{d.lastError}</span>}
            {d.note && <span className="muted block">{d.note}</span>}
          </li>
        ))}
      </ul>
    </>
  );
}

function ScheduleForm({
  agreement,
  schedule,
  channels,
  stale,
  onCancel,
  onDone,
  onStale,
}: {
  agreement: string;
  schedule: ReportSchedule | null;
  channels: string[];
  /** The schedule was changed elsewhere: this form shows the stored version now. */
  stale: boolean;
  onCancel: () => void;
  onDone: (text: string) => void;
  onStale: () => void;
}) {
  const { t } = useI18n();
  const uid = useId();
  const [d, setD] = useState<Draft>(() => (schedule ? draftOf(schedule) : emptyDraft(agreement, channels[0] ?? '')));
  const [fields, setFields] = useState<Partial<Record<Field, string>>>({});
  const [general, setGeneral] = useState<string[]>(stale ? [t('sched.stale')] : []);
  const [busy, setBusy] = useState(false);
  const headRef = useRef<HTMLHeadingElement>(null);
  const generalRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    headRef.current?.focus();
  }, []);

  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));
  const fid = (f: Field) => `${uid}-${f}`;
  const err = (f: Field) => (fields[f] ? `${fid(f)}-err` : undefined);
  const invalid = (f: Field) => (fields[f] ? true : undefined);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFields({});
    setGeneral([]);
    const id = d.id.trim();
    if (id === '') {
      setFields({ id: t('sched.idRequired') });
      setBusy(false);
      document.getElementById(fid('id'))?.focus();
      return;
    }
    // The schedule's scope stays what it was (this agreement for a new one); the server judges every value.
    const scope = schedule
      ? { ...(schedule.spec.customer !== undefined ? { customer: schedule.spec.customer } : { agreement }) }
      : { agreement };
    const spec: Record<string, unknown> = {
      ...scope,
      every: d.every,
      day: d.day.trim() === '' || Number.isNaN(Number(d.day)) ? d.day : Number(d.day),
      time: d.time.trim(),
      ...(d.zone.trim() ? { zone: d.zone.trim() } : {}),
      channel: d.channel,
      recipients: d.recipients
        .split(/[\s,;،]+/)
        .map((r) => r.trim())
        .filter(Boolean),
      language: d.language,
      formats: d.formats,
      enabled: d.enabled,
    };
    try {
      const r = await scheduleApi.put(id, spec, schedule?.etag);
      onDone(t(r.result === 'created' ? 'sched.created' : 'sched.updated', { id }));
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) onStale();
      else if (error instanceof ApiError && error.status === 428) {
        setFields({ id: t('sched.exists', { id }) });
      } else {
        const { fields: f, rest } = splitIssues(error, (path) => {
          const head = /^[a-z]+/i.exec(path)?.[0] ?? '';
          return (FIELDS as readonly string[]).includes(head) ? head : null;
        });
        setFields(f as Partial<Record<Field, string>>);
        setGeneral(rest);
        const first = FIELDS.find((x) => f[x]);
        if (first) document.getElementById(fid(first))?.focus();
        else generalRef.current?.focus();
      }
    } finally {
      setBusy(false);
    }
  };

  const fieldError = (f: Field) =>
    fields[f] && (
      <p id={err(f)} className="field-error">
        {fields[f]}
      </p>
    );

  return (
    <div className="admin-block sched-form">
      <h3 tabIndex={-1} ref={headRef}>
        {schedule ? t('sched.editTitle', { id: schedule.id }) : t('sched.addTitle')}
      </h3>
      {general.length > 0 && (
        <div className="alert alert-error" role="alert" tabIndex={-1} ref={generalRef}>
          <p className="alert-title">{t('sched.refused')}</p>
          {general.map((g) => (
            <p key={g}>{g}</p>
          ))}
        </div>
      )}
      <form className="form admin-form" onSubmit={submit} noValidate>
        <FormField id={fid('id')} label={t('sched.id')} error={fields.id} hint={t('sched.idHint')}>
          <input
            id={fid('id')}
            dir="ltr"
            autoComplete="off"
            value={d.id}
            readOnly={schedule !== null}
            aria-invalid={invalid('id')}
            aria-describedby={[`${fid('id')}-hint`, err('id')].filter(Boolean).join(' ')}
            onChange={(e) => set('id', e.target.value)}
          />
        </FormField>

        <FormField id={fid('every')} label={t('sched.everyLabel')} error={fields.every}>
          <select
            id={fid('every')}
            value={d.every}
            aria-invalid={invalid('every')}
            aria-describedby={err('every')}
            onChange={(e) => set('every', e.target.value as SchedulePeriod)}
          >
            {SCHEDULE_PERIODS.map((p) => (
              <option key={p} value={p}>
                {t(`sched.every.${p}` as Key)}
              </option>
            ))}
          </select>
        </FormField>

        <FormField id={fid('day')} label={t('sched.day')} error={fields.day} hint={t('sched.dayHint')}>
          <input
            id={fid('day')}
            dir="ltr"
            inputMode="numeric"
            autoComplete="off"
            value={d.day}
            aria-invalid={invalid('day')}
            aria-describedby={[`${fid('day')}-hint`, err('day')].filter(Boolean).join(' ')}
            onChange={(e) => set('day', e.target.value)}
          />
        </FormField>

        <FormField id={fid('time')} label={t('sched.time')} error={fields.time}>
          <input
            id={fid('time')}
            dir="ltr"
            autoComplete="off"
            placeholder="06:00"
            value={d.time}
            aria-invalid={invalid('time')}
            aria-describedby={err('time')}
            onChange={(e) => set('time', e.target.value)}
          />
        </FormField>

        <FormField id={fid('zone')} label={t('sched.zone')} error={fields.zone} hint={t('sched.zoneHint')}>
          <input
            id={fid('zone')}
            dir="ltr"
            autoComplete="off"
            placeholder="Europe/Berlin"
            value={d.zone}
            aria-invalid={invalid('zone')}
            aria-describedby={[`${fid('zone')}-hint`, err('zone')].filter(Boolean).join(' ')}
            onChange={(e) => set('zone', e.target.value)}
          />
        </FormField>

        <label htmlFor={fid('channel')}>{t('sched.channel')}</label>
        {channels.length === 0 && (
          <span id={`${fid('channel')}-hint`} className="muted admin-hint">
            {t('sched.noChannel')}
          </span>
        )}
        <select
          id={fid('channel')}
          value={d.channel}
          aria-invalid={invalid('channel')}
          aria-describedby={
            [channels.length === 0 ? `${fid('channel')}-hint` : '', err('channel') ?? ''].filter(Boolean).join(' ') || undefined
          }
          onChange={(e) => set('channel', e.target.value)}
        >
          {[...new Set([...channels, ...(d.channel ? [d.channel] : [])])].map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        {fieldError('channel')}

        <FormField id={fid('recipients')} label={t('sched.recipients')} error={fields.recipients} hint={t('sched.recipientsHint')}>
          <textarea
            id={fid('recipients')}
            dir="ltr"
            rows={3}
            value={d.recipients}
            aria-invalid={invalid('recipients')}
            aria-describedby={[`${fid('recipients')}-hint`, err('recipients')].filter(Boolean).join(' ')}
            onChange={(e) => set('recipients', e.target.value)}
          />
        </FormField>

        <FormField id={fid('language')} label={t('sched.language')} error={fields.language}>
          <select
            id={fid('language')}
            value={d.language}
            aria-invalid={invalid('language')}
            aria-describedby={err('language')}
            onChange={(e) => set('language', e.target.value as 'en' | 'ar')}
          >
            <option value="en">{t('sched.lang.en')}</option>
            <option value="ar">{t('sched.lang.ar')}</option>
          </select>
        </FormField>

        <fieldset className="admin-choice" id={fid('formats')} tabIndex={-1} aria-describedby={err('formats')}>
          <legend>{t('sched.formats')}</legend>
          {REPORT_FORMATS.map((f) => (
            <label key={f} className="admin-radio">
              <input
                type="checkbox"
                checked={d.formats.includes(f)}
                onChange={(e) =>
                  set(
                    'formats',
                    e.target.checked ? REPORT_FORMATS.filter((x) => x === f || d.formats.includes(x)) : d.formats.filter((x) => x !== f),
                  )
                }
              />
              {f.toUpperCase()}
            </label>
          ))}
        </fieldset>
        {fieldError('formats')}

        <label className="admin-radio">
          <input type="checkbox" checked={d.enabled} onChange={(e) => set('enabled', e.target.checked)} />
          {t('sched.enabled')}
        </label>

        <div className="admin-actions">
          <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
            {t('sched.save')}
          </button>
          <button type="button" className="button" onClick={onCancel}>
            {t('sched.cancel')}
          </button>
        </div>
      </form>
    </div>
  );
}

function DeleteDialog({
  schedule,
  onClose,
  onDone,
  onStale,
}: {
  schedule: ReportSchedule;
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
      await scheduleApi.remove(schedule.id, schedule.etag);
      onDone(t('sched.deleted', { id: schedule.id }));
    } catch (error) {
      setBusy(false);
      if (error instanceof ApiError && error.status === 412) {
        setProblem(t('sched.stale'));
        onStale();
      } else setProblem(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <Dialog title={t('sched.deleteTitle', { id: schedule.id })} onClose={onClose}>
      <form className="form" onSubmit={confirm}>
        <p>{t('sched.deleteEffect')}</p>
        {problem && (
          <div className="alert alert-error" role="alert">
            <p>{problem}</p>
          </div>
        )}
        <div className="dialog-buttons">
          <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
            {t('sched.deleteYes')}
          </button>
          <button type="button" className="button" onClick={onClose}>
            {t('sched.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function SendDialog({ schedule, onClose, onDone }: { schedule: ReportSchedule; onClose: () => void; onDone: (text: string) => void }) {
  const i = useI18n();
  const { t } = i;
  const uid = useId();
  const periods = recentPeriods(schedule.spec.every);
  const [period, setPeriod] = useState(periods[0]!);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const confirm = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const r = await scheduleApi.run(schedule.id, period);
      onDone(t('sched.sent', { id: schedule.id, period: r.period }));
    } catch (error) {
      setBusy(false);
      setProblem(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <Dialog title={t('sched.sendTitle', { id: schedule.id })} onClose={onClose}>
      <form className="form" onSubmit={confirm}>
        <p>{t('sched.sendEffect')}</p>
        <label htmlFor={`${uid}-p`}>{t('sched.sendPeriod')}</label>
        <select id={`${uid}-p`} value={period} onChange={(e) => setPeriod(e.target.value)}>
          {periods.map((p) => (
            <option key={p} value={p}>
              {schedule.spec.every === 'month' ? i.month(p) : p}
            </option>
          ))}
        </select>
        {problem && (
          <div className="alert alert-error" role="alert">
            <p>{problem}</p>
          </div>
        )}
        <div className="dialog-buttons">
          <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
            {t('sched.sendYes')}
          </button>
          <button type="button" className="button" onClick={onClose}>
            {t('sched.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
