/**
 * Business calendars: /calendars lists the stored ones (GET /v1/calendars); /calendars/{name} shows
 * one (GET /v1/calendars/{name}, and the calendars it extends): its zone, the working week drawn
 * per weekday, a month marking working days, holidays and closures (?month=2026-12), the holidays,
 * closures and openings of each year, and the agreements whose targets count time in it (from each
 * agreement's effective terms, when the tenant has few enough agreements to ask cheaply).
 *
 * Roles that may write calendars (admin, manager: calendars.write) add a holiday or a closure: the
 * form is reviewed and confirmed, then the whole calendar is PUT with If-Match (its ETag), in its own
 * format, its comments kept. The server's validation errors are shown beside the field they name.
 */
import { type FormEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import { ApiError, api, type EffectiveTerms } from '../api';
import { agreementIds, getCalendar, listCalendars, putCalendar, type StoredCalendar, splitIssues } from '../api-admin';
import {
  type CalendarView,
  calendarNameOf,
  type DayInfo,
  dayOf,
  holidaysIn,
  minutesOf,
  monthDays,
  type NewEntry,
  parseRange,
  type Range,
  readCalendar,
  WEEKDAYS,
  weekdayOf,
  withEntry,
  yearsOf,
} from '../calendar-model';
import { ErrorBox, Loading, Section } from '../components/ui';
import { useLoad } from '../hooks';
import { type I18n, type Key, useI18n } from '../i18n';
import { Link, navigate, useLocation, usePageTitle } from '../router';
import { useSession } from '../session';

/** The roles that may change calendars (src/core/access/policy.ts: calendars.write). */
export const mayWriteCalendars = (role: string | undefined) => role === 'admin' || role === 'manager';

/** Agreements beyond this many are not each asked for their terms to say who uses a calendar. */
const USED_BY_LIMIT = 200;
const MINUTE = 60_000;

/** Date and time formatting for civil dates and wall-clock times: in UTC, so the browser's zone never shifts a day. */
function useCivil(i: I18n) {
  return useMemo(() => {
    const locale = i.lang === 'ar' ? 'ar' : 'en-GB';
    const full = new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
    const dayNum = new Intl.DateTimeFormat(locale, { day: 'numeric', timeZone: 'UTC' });
    const hm = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });
    const hms = new Intl.DateTimeFormat(locale, {
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZone: 'UTC',
    });
    const h24 = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h24', timeZone: 'UTC' });
    const wdLong = new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' });
    const wdShort = new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' });
    const monthF = new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' });
    const yearF = new Intl.DateTimeFormat(locale, { year: 'numeric', timeZone: 'UTC' });
    // 2024-01-01 was a Monday.
    const weekday = (k: number, long = true) => (long ? wdLong : wdShort).format(Date.UTC(2024, 0, 1 + k));
    const valid = (date: string) => /^\d{4}-\d{2}-\d{2}$/.test(date) && new Date(dayOf(date) * 86_400_000).toISOString().startsWith(date);
    const time = (min: number) => (Number.isInteger(min) ? hm : hms).format(Math.round(min * MINUTE));
    return {
      date: (date: string) => (valid(date) ? full.format(dayOf(date) * 86_400_000) : date),
      dayNum: (date: string) => dayNum.format(dayOf(date) * 86_400_000),
      month: (y: number, m: number) => monthF.format(Date.UTC(y, m - 1, 1)),
      year: (y: number) => yearF.format(Date.UTC(y, 6, 1)),
      weekday,
      valid,
      /** "09:00–17:00"; an end past midnight says so. */
      range: ([s, e]: Range) => {
        const end = e === 1440 ? h24.format(0) : time(e % 1440);
        const text = `${time(s)}\u2013${end}`;
        return e > 1440 ? i.t('cal.nextDay', { range: text }) : text;
      },
    };
  }, [i]);
}

export function CalendarList() {
  const i = useI18n();
  const { t } = i;
  usePageTitle(t('cal.title'));
  const { data, error, loading, reload } = useLoad(async (signal) => {
    const { items } = await listCalendars(signal);
    const byName = new Map(items.map((c) => [c.name, c]));
    const views = await Promise.all(items.map((c) => readCalendar(c, async (n) => byName.get(n) ?? null).catch(() => null)));
    return items.map((c, k) => ({ cal: c, view: views[k] ?? null })).sort((a, b) => a.cal.name.localeCompare(b.cal.name));
  }, []);

  return (
    <>
      <h1>{t('cal.title')}</h1>
      <p className="lede">{t('cal.lede')}</p>
      {loading && !data && <Loading />}
      {error && <ErrorBox error={error} onRetry={reload} />}
      {data && data.length === 0 && <p>{t('cal.none')}</p>}
      {data && data.length > 0 && (
        <div className="table-wrap card">
          <table className="table">
            <caption>{t('cal.listCaption', { n: i.num(data.length, 0) })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('cal.calendar')}</th>
                <th scope="col">{t('cal.zone')}</th>
                <th scope="col">{t('cal.weekHours')}</th>
                <th scope="col">{t('cal.extends')}</th>
                <th scope="col">{t('cal.updated')}</th>
              </tr>
            </thead>
            <tbody>
              {data.map(({ cal, view }) => (
                <tr key={cal.name}>
                  <th scope="row">
                    <Link to={`/calendars/${encodeURIComponent(cal.name)}`}>{view?.title ?? cal.name}</Link>
                    {view?.title && (
                      <span className="block muted">
                        <code dir="ltr">{cal.name}</code>
                      </span>
                    )}
                  </th>
                  <td dir="ltr" className="cal-zone">
                    {view?.zone ?? '–'}
                  </td>
                  <td>{view ? weekSummary(view, i) : '–'}</td>
                  <td>
                    {view?.parents[0] ? <Link to={`/calendars/${encodeURIComponent(view.parents[0])}`}>{view.parents[0]}</Link> : '–'}
                  </td>
                  <td>{i.dateTime(cal.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

const hourFormats = new Map<string, Intl.NumberFormat>();
/** Working time in hours ("39h", not "1d 15h": a week of work is counted in hours). */
function hoursText(i: I18n, minutes: number): string {
  const locale = i.lang === 'ar' ? 'ar' : 'en-GB';
  let f = hourFormats.get(locale);
  if (!f) {
    f = new Intl.NumberFormat(locale, { style: 'unit', unit: 'hour', unitDisplay: 'narrow', maximumFractionDigits: 2 });
    hourFormats.set(locale, f);
  }
  return f.format(minutes / 60);
}

function weekSummary(view: CalendarView, i: I18n): string {
  if (view.alwaysOpen) return i.t('cal.always');
  return hoursText(
    i,
    view.week.reduce((n, d) => n + minutesOf(d.ranges), 0),
  );
}

function currentMonth(zone: string | undefined): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: zone ?? 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' })
      .format(new Date())
      .slice(0, 10);
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

export function CalendarPage({ name }: { name: string }) {
  const i = useI18n();
  const { t } = i;
  const { user } = useSession();
  const { search } = useLocation();
  const { data, error, loading, reload } = useLoad(
    async (signal) => {
      const cal = await getCalendar(name, signal);
      const view = await readCalendar(cal, async (n) => {
        try {
          return await getCalendar(n, signal);
        } catch (e) {
          if (e instanceof ApiError && e.status === 404) return null;
          throw e;
        }
      });
      return { cal, view };
    },
    [name],
  );
  usePageTitle(data?.view.title ?? name);
  const civil = useCivil(i);
  const [notice, setNotice] = useState<string | null>(null);

  if (error) return <ErrorBox error={error} onRetry={reload} />;
  if (!data) return loading ? <Loading /> : null;
  const { cal, view } = data;
  const today = currentMonth(view.zone);
  const monthParam = search.get('month');
  const month = monthParam && /^\d{4}-(0[1-9]|1[0-2])$/.test(monthParam) ? monthParam : today.slice(0, 7);

  return (
    <>
      <h1>
        {view.title ?? cal.name}{' '}
        {view.title && (
          <span className="h1-sub muted">
            <code dir="ltr">{cal.name}</code>
          </span>
        )}
      </h1>
      <p>
        <Link to="/calendars">{t('cal.back')}</Link>
      </p>
      {view.description && <p className="lede">{view.description}</p>}
      {notice && (
        <div className="alert alert-ok" role="status">
          <p>{notice}</p>
        </div>
      )}
      <dl className="facts facts-inline">
        <div>
          <dt>{t('cal.zone')}</dt>
          <dd dir="ltr" className="cal-zone">
            {view.zone ?? t('cal.noZone')}
          </dd>
        </div>
        {view.parents.length > 0 && (
          <div>
            <dt>{t('cal.extends')}</dt>
            <dd>
              {view.parents.map((p, k) => (
                <span key={p}>
                  {k > 0 && ' → '}
                  <Link to={`/calendars/${encodeURIComponent(p)}`}>{p}</Link>
                </span>
              ))}
            </dd>
          </div>
        )}
        {view.dayLength && (
          <div>
            <dt>{t('cal.dayLength')}</dt>
            <dd dir="ltr">{view.dayLength}</dd>
          </div>
        )}
        <div>
          <dt>{t('cal.updated')}</dt>
          <dd>{t('cal.updatedBy', { when: i.dateTime(cal.updatedAt), who: cal.updatedBy })}</dd>
        </div>
      </dl>
      {view.missingParent && (
        <div className="alert alert-warn" role="alert">
          <p>{t('cal.missingParent', { name: view.missingParent })}</p>
        </div>
      )}
      {view.ics.length > 0 && <p className="muted">{t('cal.icsNote', { files: view.ics.join(', ') })}</p>}

      <Section title={t('cal.week')} id="cal-week">
        <WeekGrid view={view} civil={civil} />
      </Section>

      <Section title={t('cal.monthView')} id="cal-month">
        <MonthView view={view} month={month} today={today} civil={civil} />
      </Section>

      <Section title={t('cal.byYear')} id="cal-years">
        <YearLists view={view} years={yearsOf(view, [Number(month.slice(0, 4))])} civil={civil} />
      </Section>

      {mayWriteCalendars(user?.role) && (
        <Section title={t('cal.add')} id="cal-add">
          {view.ownIcs ? (
            <p>{t('cal.icsReadOnly')}</p>
          ) : (
            <AddEntry
              cal={cal}
              civil={civil}
              onDone={(msg, date) => {
                setNotice(msg);
                reload();
                navigate(`/calendars/${encodeURIComponent(cal.name)}?month=${date.slice(0, 7)}`, { replace: true });
              }}
              onStale={reload}
            />
          )}
        </Section>
      )}

      <Section title={t('cal.usedBy')} id="cal-used">
        <UsedBy name={cal.name} />
      </Section>
    </>
  );
}

type Civil = ReturnType<typeof useCivil>;

function WeekGrid({ view, civil }: { view: CalendarView; civil: Civil }) {
  const i = useI18n();
  const { t } = i;
  const total = view.week.reduce((n, d) => n + minutesOf(d.ranges), 0);
  return (
    <div className="table-wrap">
      <table className="table table-compact cal-week">
        <caption className="visually-hidden">{t('cal.week')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('cal.weekday')}</th>
            <th scope="col">{t('cal.hours')}</th>
            <th scope="col" className="num">
              {t('cal.total')}
            </th>
            <th scope="col" className="cal-bar-col">
              <span className="visually-hidden">{t('cal.dayChart')}</span>
              <span aria-hidden="true" className="cal-axis" dir="ltr">
                <span>{civil.range([0, 360]).split('\u2013')[0]}</span>
                <span>{civil.range([720, 1080]).split('\u2013')[0]}</span>
                <span>{civil.range([0, 1440]).split('\u2013')[1]}</span>
              </span>
            </th>
          </tr>
        </thead>
        <tbody>
          {view.week.map((d, k) => {
            const prev = view.week[(k + 6) % 7];
            const spill = (prev?.ranges ?? []).filter(([, e]) => e > 1440).map(([, e]) => [0, e - 1440] as Range);
            const minutes = minutesOf(d.ranges);
            return (
              <tr key={WEEKDAYS[k]}>
                <th scope="row">{civil.weekday(k)}</th>
                <td>
                  {d.always ? t('cal.allDay') : d.ranges.length === 0 ? t('cal.closed') : d.ranges.map((r) => civil.range(r)).join(', ')}
                </td>
                <td className="num">{minutes > 0 ? i.duration(minutes * MINUTE) : '–'}</td>
                <td className="cal-bar-col">
                  <svg className="cal-bar" viewBox="0 0 1440 20" width="100%" height="20" preserveAspectRatio="none" aria-hidden="true">
                    <rect className="cal-bar-bg" x="0" y="0" width="1440" height="20" />
                    {[...spill, ...d.ranges].map(([s, e]) => (
                      <rect key={`${s}-${e}`} className="cal-bar-on" x={s} y="2" width={Math.min(e, 1440) - s} height="16" />
                    ))}
                    {[360, 720, 1080].map((x) => (
                      <line key={x} className="cal-bar-tick" x1={x} x2={x} y1="0" y2="20" />
                    ))}
                  </svg>
                </td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{t('cal.perWeek')}</th>
            <td />
            <td className="num">{view.alwaysOpen ? t('cal.always') : hoursText(i, total)}</td>
            <td />
          </tr>
        </tfoot>
      </table>
      <p className="muted">{t('cal.shiftNote')}</p>
    </div>
  );
}

const KIND_KEYS: Record<DayInfo['kind'], Key> = {
  working: 'cal.kind.working',
  closed: 'cal.kind.closed',
  holiday: 'cal.kind.holiday',
  closure: 'cal.kind.closure',
  opening: 'cal.kind.opening',
};
const KIND_MARKS: Record<DayInfo['kind'], string> = { working: '', closed: '', holiday: '✕', closure: '◐', opening: '★' };

function MonthView({ view, month, today, civil }: { view: CalendarView; month: string; today: string; civil: Civil }) {
  const i = useI18n();
  const { t } = i;
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  const days = monthDays(view, y, m);
  const lead = days[0] ? weekdayOf(dayOf(days[0].date)) : 0;
  const cells: (DayInfo | null)[] = [...Array.from({ length: lead }, () => null), ...days];
  while (cells.length % 7 !== 0) cells.push(null);
  const weeks: (DayInfo | null)[][] = [];
  for (let k = 0; k < cells.length; k += 7) weeks.push(cells.slice(k, k + 7));
  const go = (delta: number) => {
    const d = new Date(Date.UTC(y, m - 1 + delta, 1));
    const label = `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    navigate(`/calendars/${encodeURIComponent(view.name)}?month=${label}`, { replace: true });
  };
  const counts = { working: 0, holiday: 0, closure: 0 };
  for (const d of days) if (d.kind === 'working' || d.kind === 'opening') counts.working++;
  for (const d of days) if (d.kind === 'holiday') counts.holiday++;
  for (const d of days) if (d.kind === 'closure') counts.closure++;
  return (
    <>
      <div className="toolbar cal-month-nav">
        <button type="button" className="button" onClick={() => go(-1)}>
          {t('cal.prevMonth')}
        </button>
        <p className="cal-month-name" aria-live="polite">
          <strong>{civil.month(y, m)}</strong>
        </p>
        <button type="button" className="button" onClick={() => go(1)}>
          {t('cal.nextMonth')}
        </button>
      </div>
      <div className="table-wrap">
        <table className="cal-month">
          <caption className="visually-hidden">
            {t('cal.monthCaption', {
              month: civil.month(y, m),
              working: i.num(counts.working, 0),
              holidays: i.num(counts.holiday, 0),
              closures: i.num(counts.closure, 0),
            })}
          </caption>
          <thead>
            <tr>
              {WEEKDAYS.map((d, k) => (
                <th scope="col" key={d} abbr={civil.weekday(k)}>
                  {civil.weekday(k, false)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {weeks.map((w) => (
              <tr key={w.find((d) => d)?.date}>
                {w.map((d, k) =>
                  d ? (
                    <td
                      key={d.date}
                      className={`cal-day cal-${d.kind}`}
                      aria-current={d.date === today ? 'date' : undefined}
                      data-date={d.date}
                    >
                      <span className="cal-num">{civil.dayNum(d.date)}</span>
                      <span className="cal-what">
                        {KIND_MARKS[d.kind] && (
                          <span aria-hidden="true" className="cal-mark">
                            {KIND_MARKS[d.kind]}{' '}
                          </span>
                        )}
                        {d.kind === 'working'
                          ? i.duration(d.minutes * MINUTE)
                          : d.kind === 'closed'
                            ? t('cal.kind.closed')
                            : (d.name ?? t(KIND_KEYS[d.kind]))}
                        {(d.kind === 'closure' || d.kind === 'opening') && <span className="block">{i.duration(d.minutes * MINUTE)}</span>}
                      </span>
                    </td>
                  ) : (
                    // biome-ignore lint/suspicious/noArrayIndexKey: the blank cells before the 1st and after the last day have only their position
                    <td key={`blank-${k}`} className="cal-blank" />
                  ),
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ul className="legend cal-legend">
        {(['working', 'holiday', 'closure', 'opening', 'closed'] as const).map((k) => (
          <li key={k}>
            <span className={`swatch cal-${k}`} aria-hidden="true">
              {KIND_MARKS[k]}
            </span>{' '}
            {t(KIND_KEYS[k])}
          </li>
        ))}
      </ul>
    </>
  );
}

function YearLists({ view, years, civil }: { view: CalendarView; years: number[]; civil: Civil }) {
  const i = useI18n();
  const { t } = i;
  return (
    <>
      {years.map((y) => {
        const rows = [
          ...holidaysIn(view, y).map((h) => ({
            kind: 'holiday' as const,
            date: h.date,
            name: h.name,
            from: h.from,
            h,
            ranges: [] as Range[],
          })),
          ...view.closures
            .filter((c) => c.date.startsWith(`${y}-`))
            .map((c) => ({ kind: 'closure' as const, date: c.date, name: c.name, from: c.from, h: null, ranges: c.ranges })),
          ...view.openings
            .filter((c) => c.date.startsWith(`${y}-`))
            .map((c) => ({ kind: 'opening' as const, date: c.date, name: c.name, from: c.from, h: null, ranges: c.ranges })),
        ].sort((a, b) => a.date.localeCompare(b.date));
        return (
          <div key={y} className="table-wrap cal-year">
            <table className="table table-compact">
              <caption>{t('cal.yearCaption', { year: civil.year(y), n: i.num(rows.length, 0) })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('cal.date')}</th>
                  <th scope="col">{t('cal.what')}</th>
                  <th scope="col">{t('cal.name')}</th>
                  <th scope="col">{t('cal.notes')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.length === 0 && (
                  <tr>
                    <td colSpan={4} className="muted">
                      {t('cal.noneInYear')}
                    </td>
                  </tr>
                )}
                {rows.map((r) => (
                  <tr key={`${r.kind}-${r.date}-${r.name ?? ''}-${r.from}`}>
                    <th scope="row">{civil.date(r.date)}</th>
                    <td>
                      {t(KIND_KEYS[r.kind])}
                      {r.ranges.length > 0 && <span className="block muted">{r.ranges.map((x) => civil.range(x)).join(', ')}</span>}
                    </td>
                    <td>{r.name ?? '–'}</td>
                    <td className="muted">
                      {[
                        r.h?.yearly ? t('cal.everyYear') : null,
                        r.h?.movedFrom ? t('cal.movedFrom', { date: civil.date(r.h.movedFrom) }) : null,
                        r.from !== view.name ? t('cal.inherited', { name: r.from }) : null,
                      ]
                        .filter(Boolean)
                        .join(' · ')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
    </>
  );
}

/** Which targets of which agreements count time in this calendar, from their effective terms. */
function UsedBy({ name }: { name: string }) {
  const { t, num } = useI18n();
  const { data, error, loading } = useLoad(
    async (signal) => {
      const ids = await agreementIds(signal);
      if (ids.length > USED_BY_LIMIT) return { tooMany: ids.length, uses: [] };
      const uses: { agreement: string; name: string; targets: string[] }[] = [];
      let next = 0;
      const worker = async () => {
        while (next < ids.length) {
          const a = ids[next++]!;
          let eff: EffectiveTerms;
          try {
            eff = await api.get<EffectiveTerms>(`/v1/agreements/${encodeURIComponent(a.id)}/effective`, signal);
          } catch (e) {
            if (e instanceof ApiError && (e.status === 404 || e.status === 422 || e.status === 409)) continue;
            throw e;
          }
          const refs = (eff.terms.calendars ?? {}) as Record<string, unknown>;
          const targets = (eff.terms.targets ?? [])
            .filter((x) => {
              const alias = (x as { calendar?: unknown }).calendar;
              if (typeof alias !== 'string') return false;
              const ref = refs[alias];
              return calendarNameOf(typeof ref === 'string' ? ref : alias) === name;
            })
            .map((x) => x.name ?? x.id);
          if (targets.length > 0) uses.push({ agreement: a.id, name: eff.terms.name ?? a.name ?? a.id, targets });
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      return { tooMany: 0, uses: uses.sort((x, y) => x.agreement.localeCompare(y.agreement)) };
    },
    [name],
  );
  if (error) return <ErrorBox error={error} />;
  if (!data) return loading ? <Loading /> : null;
  if (data.tooMany > 0) return <p className="muted">{t('cal.usedByTooMany', { n: num(data.tooMany, 0) })}</p>;
  if (data.uses.length === 0) return <p>{t('cal.usedByNone')}</p>;
  return (
    <ul className="cal-used">
      {data.uses.map((u) => (
        <li key={u.agreement}>
          <Link to={`/agreements/${encodeURIComponent(u.agreement)}`}>{u.name}</Link>
          <span className="muted"> — {t('cal.usedTargets', { targets: u.targets.join(', ') })}</span>
        </li>
      ))}
    </ul>
  );
}

function AddEntry({
  cal,
  civil,
  onDone,
  onStale,
}: {
  cal: StoredCalendar;
  civil: Civil;
  onDone: (message: string, date: string) => void;
  onStale: () => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [kind, setKind] = useState<'holiday' | 'closure'>('holiday');
  const [date, setDate] = useState('');
  const [name, setName] = useState('');
  const [hours, setHours] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string[]>([]);
  const confirmRef = useRef<HTMLElement>(null);
  const errRef = useRef<HTMLDivElement>(null);
  const dateRef = useRef<HTMLInputElement>(null);
  const hoursRef = useRef<HTMLInputElement>(null);
  const nameRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  const hourList = hours
    .split(/[,،]/)
    .map((h) => h.trim())
    .filter(Boolean);

  const review = (e: FormEvent) => {
    e.preventDefault();
    setFields({});
    setGeneral([]);
    const f: Record<string, string> = {};
    if (!date.trim()) f.date = t('cal.form.dateRequired');
    if (kind === 'closure' && hourList.length === 0) f.hours = t('cal.form.hoursRequired');
    if (Object.keys(f).length > 0) {
      setFields(f);
      (f.date ? dateRef : hoursRef).current?.focus();
      return;
    }
    setConfirming(true);
  };

  const entry = (): NewEntry =>
    kind === 'holiday'
      ? { kind, date: date.trim(), ...(name.trim() ? { name: name.trim() } : {}) }
      : { kind, date: date.trim(), hours: hourList, ...(name.trim() ? { name: name.trim() } : {}) };

  const save = async () => {
    setBusy(true);
    const e = entry();
    const key = kind === 'holiday' ? 'holidays' : 'closures';
    let index = -1;
    try {
      const next = await withEntry(cal, e);
      index = next.index;
      await putCalendar(cal, next.source);
      setConfirming(false);
      setDate('');
      setName('');
      setHours('');
      onDone(
        t(kind === 'holiday' ? 'cal.form.addedHoliday' : 'cal.form.addedClosure', {
          date: civil.date(e.date),
          calendar: cal.name,
        }),
        e.date,
      );
    } catch (err) {
      setConfirming(false);
      if (err instanceof ApiError && (err.code === 'precondition_failed' || err.status === 412)) {
        setGeneral([t('cal.form.stale')]);
        onStale();
      } else {
        const prefix = `${key}[${index}]`;
        const { fields: f, rest } = splitIssues(err, (path) => {
          if (!path.startsWith(prefix)) return null;
          const field = path.slice(prefix.length).replace(/^\./, '').split(/[.[]/)[0];
          return field === 'date' || field === 'name' || field === 'hours' ? field : null;
        });
        setFields(f);
        setGeneral(rest);
        if (f.date) dateRef.current?.focus();
        else if (f.hours) hoursRef.current?.focus();
        else if (f.name) nameRef.current?.focus();
        else errRef.current?.focus();
      }
    } finally {
      setBusy(false);
    }
  };

  const err = (f: string) => (fields[f] ? `${id}-${f}-err` : undefined);
  const hint = (f: string) => `${id}-${f}-hint`;

  return (
    <>
      <p className="muted">{t('cal.form.help')}</p>
      {general.length > 0 && (
        <div className="alert alert-error" role="alert" tabIndex={-1} ref={errRef}>
          <p className="alert-title">{t('cal.form.refused')}</p>
          {general.map((g) => (
            <p key={g}>{g}</p>
          ))}
        </div>
      )}
      <form className="form admin-form" onSubmit={review} noValidate>
        <fieldset className="admin-choice">
          <legend>{t('cal.form.kind')}</legend>
          {(['holiday', 'closure'] as const).map((k) => (
            <label key={k} className="admin-radio">
              <input
                type="radio"
                name={`${id}-kind`}
                value={k}
                checked={kind === k}
                onChange={() => {
                  setKind(k);
                  setConfirming(false);
                }}
              />
              {t(k === 'holiday' ? 'cal.form.holiday' : 'cal.form.closure')}
            </label>
          ))}
        </fieldset>
        <label htmlFor={`${id}-date`}>{t('cal.date')}</label>
        <span id={hint('date')} className="muted admin-hint">
          {t('cal.form.dateHint')}
        </span>
        <input
          id={`${id}-date`}
          ref={dateRef}
          name="date"
          dir="ltr"
          inputMode="numeric"
          autoComplete="off"
          placeholder="YYYY-MM-DD"
          value={date}
          required
          aria-invalid={fields.date ? true : undefined}
          aria-describedby={[hint('date'), err('date')].filter(Boolean).join(' ')}
          onChange={(e) => {
            setDate(e.target.value);
            setConfirming(false);
          }}
        />
        {fields.date && (
          <p id={err('date')} className="field-error">
            {fields.date}
          </p>
        )}
        {kind === 'closure' && (
          <>
            <label htmlFor={`${id}-hours`}>{t('cal.form.hours')}</label>
            <span id={hint('hours')} className="muted admin-hint">
              {t('cal.form.hoursHint')}
            </span>
            <input
              id={`${id}-hours`}
              ref={hoursRef}
              name="hours"
              dir="ltr"
              autoComplete="off"
              placeholder="12:00-17:00"
              value={hours}
              required
              aria-invalid={fields.hours ? true : undefined}
              aria-describedby={[hint('hours'), err('hours')].filter(Boolean).join(' ')}
              onChange={(e) => {
                setHours(e.target.value);
                setConfirming(false);
              }}
            />
            {fields.hours && (
              <p id={err('hours')} className="field-error">
                {fields.hours}
              </p>
            )}
          </>
        )}
        <label htmlFor={`${id}-name`}>{t('cal.form.name')}</label>
        <input
          id={`${id}-name`}
          ref={nameRef}
          name="name"
          autoComplete="off"
          value={name}
          aria-invalid={fields.name ? true : undefined}
          aria-describedby={err('name')}
          onChange={(e) => {
            setName(e.target.value);
            setConfirming(false);
          }}
        />
        {fields.name && (
          <p id={err('name')} className="field-error">
            {fields.name}
          </p>
        )}
        {!confirming && (
          <button type="submit" className="button button-primary">
            {t('cal.form.review')}
          </button>
        )}
      </form>
      {confirming && (
        <section className="alert alert-warn admin-confirm" aria-labelledby={`${id}-confirm`} tabIndex={-1} ref={confirmRef}>
          <p id={`${id}-confirm`} className="alert-title">
            {kind === 'holiday'
              ? t('cal.form.confirmHoliday', { date: civil.date(date.trim()), name: name.trim() || '–', calendar: cal.name })
              : t('cal.form.confirmClosure', {
                  date: civil.date(date.trim()),
                  hours: hourList.map((h) => (parseRange(h) ? civil.range(parseRange(h)!) : h)).join(', '),
                  name: name.trim() || '–',
                  calendar: cal.name,
                })}
          </p>
          <p>{t('cal.form.confirmEffect')}</p>
          <div className="admin-actions">
            <button type="button" className="button button-primary" disabled={busy} onClick={() => void save()}>
              {t('cal.form.confirm')}
            </button>
            <button type="button" className="button" disabled={busy} onClick={() => setConfirming(false)}>
              {t('cal.form.cancel')}
            </button>
          </div>
        </section>
      )}
    </>
  );
}
