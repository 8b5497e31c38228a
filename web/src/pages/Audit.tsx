/**
 * The audit log (GET /v1/audit: admin, manager, auditor): who did what, when, on what, newest
 * first by default, filtered by subject and actor (the filters the API has), paged by its cursor
 * ("show more"). Each entry reads as a sentence-like row; the state before and after opens as a
 * table of the fields that were recorded, changed ones marked, never as raw JSON (a nested value
 * deeper than the table shows is written compactly in its cell).
 */
import { type FormEvent, useState } from 'react';
import { enc } from '../api';
import { type AuditEntry, mayReadAudit, pagesOf } from '../api-alerts';
import { ErrorBox, Loading } from '../components/ui';
import { useLoad } from '../hooks';
import { type Key, useI18n } from '../i18n';
import { en } from '../i18n/en';
import { Link, navigate, useLocation, usePageTitle } from '../router';
import { useSession } from '../session';

const MAX_DEPTH = 3;

/** A recorded state as dotted paths and their scalar values ("after.role": "viewer"). */
function flatten(v: unknown, prefix = '', depth = 0, out = new Map<string, string>()): Map<string, string> {
  if (v === undefined) return out;
  if (v === null || typeof v !== 'object') {
    out.set(prefix || '·', v === null ? '—' : String(v));
    return out;
  }
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) {
    out.set(prefix || '·', v.map((x) => String(x)).join(', '));
    return out;
  }
  const entries = Array.isArray(v) ? v.map((x, k) => [String(k), x] as const) : Object.entries(v);
  if (depth >= MAX_DEPTH || entries.length === 0) {
    out.set(prefix || '·', JSON.stringify(v));
    return out;
  }
  for (const [k, x] of entries) flatten(x, prefix ? `${prefix}.${k}` : k, depth + 1, out);
  return out;
}

function Changes({ e }: { e: AuditEntry }) {
  const i = useI18n();
  const { t } = i;
  const before = flatten(e.before);
  const after = flatten(e.after);
  const keys = [...new Set([...before.keys(), ...after.keys()])];
  if (keys.length === 0) return null;
  return (
    <details className="audit-details">
      <summary>{t('audit.details', { n: i.num(keys.length, 0) })}</summary>
      <div className="table-wrap">
        <table className="table table-compact">
          <thead>
            <tr>
              <th scope="col">{t('audit.field')}</th>
              <th scope="col">{t('audit.before')}</th>
              <th scope="col">{t('audit.after')}</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => {
              const b = before.get(k);
              const a = after.get(k);
              const changed = e.before !== undefined && e.after !== undefined && b !== a;
              return (
                <tr key={k} className={changed ? 'audit-changed' : undefined}>
                  <th scope="row">
                    <bdi className="hash">{k}</bdi>
                    {changed && <span className="visually-hidden"> ({t('audit.changed')})</span>}
                  </th>
                  <td className="audit-value">
                    <bdi>{b ?? '—'}</bdi>
                  </td>
                  <td className="audit-value">
                    <bdi>{a ?? '—'}</bdi>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </details>
  );
}

/** "agreement:acme-gold" as a link to the agreement; other subjects as they are. */
function Subject({ s }: { s: string }) {
  const m = /^agreement:(.+)$/.exec(s);
  if (m?.[1]) return <Link to={`/agreements/${enc(m[1])}`}>{s}</Link>;
  return <bdi className="hash">{s}</bdi>;
}

function actionText(t: (k: Key) => string, action: string): string | null {
  const key = `audit.action.${action}`;
  return key in en ? t(key as Key) : null;
}

/** For admin, manager and auditor; any other role gets what an absent page says (the API answers it 403). */
export function Audit() {
  const { user } = useSession();
  return mayReadAudit(user?.role) ? <AuditLog /> : <NoAudit />;
}

function NoAudit() {
  const { t } = useI18n();
  usePageTitle(t('app.notFound'));
  return (
    <>
      <h1>{t('app.notFound')}</h1>
      <p>{t('app.notFoundText')}</p>
    </>
  );
}

function AuditLog() {
  const i = useI18n();
  const { t } = i;
  usePageTitle(t('audit.title'));
  const { search } = useLocation();
  const subject = search.get('subject') ?? '';
  const actor = search.get('actor') ?? '';
  const order = search.get('order') === 'oldest' ? 'oldest' : 'newest';
  const [pages, setPages] = useState(1);
  const [form, setForm] = useState({ subject, actor, order });

  const q = new URLSearchParams({ order });
  if (subject) q.set('subject', subject);
  if (actor) q.set('actor', actor);
  const query = q.toString();
  const { data, error, loading, reload } = useLoad(
    (signal) => pagesOf<AuditEntry>(`/v1/audit?${query}`, pages, signal, 50),
    [query, pages],
  );

  const apply = (e: FormEvent) => {
    e.preventDefault();
    const n = new URLSearchParams();
    if (form.subject.trim()) n.set('subject', form.subject.trim());
    if (form.actor.trim()) n.set('actor', form.actor.trim());
    if (form.order === 'oldest') n.set('order', 'oldest');
    setPages(1);
    navigate(`/audit${n.size ? `?${n}` : ''}`, { replace: true });
  };

  return (
    <>
      <h1>{t('audit.title')}</h1>
      <p className="muted lede">{t('audit.intro')}</p>
      <search aria-label={t('audit.filters')}>
        <form className="filters inline-fields" onSubmit={apply}>
          <label>
            {t('audit.subject')}
            <input
              type="search"
              value={form.subject}
              onChange={(e) => setForm({ ...form, subject: e.target.value })}
              placeholder="agreement:acme-gold"
              dir="ltr"
              autoComplete="off"
              spellCheck={false}
              maxLength={300}
            />
          </label>
          <label>
            {t('audit.actor')}
            <input
              type="search"
              value={form.actor}
              onChange={(e) => setForm({ ...form, actor: e.target.value })}
              dir="ltr"
              autoComplete="off"
              spellCheck={false}
              maxLength={200}
            />
          </label>
          <label>
            {t('audit.order')}
            <select value={form.order} onChange={(e) => setForm({ ...form, order: e.target.value === 'oldest' ? 'oldest' : 'newest' })}>
              <option value="newest">{t('audit.newest')}</option>
              <option value="oldest">{t('audit.oldest')}</option>
            </select>
          </label>
          <button type="submit" className="button">
            {t('alerts.apply')}
          </button>
        </form>
      </search>
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && <Loading />}
      {data && (
        <section className="card" aria-labelledby="audit-h">
          <h2 id="audit-h">
            {t('audit.entries', { n: i.num(data.items.length, 0) })}
            {data.next ? '+' : ''}
          </h2>
          {data.items.length === 0 ? (
            <p>{t('audit.none')}</p>
          ) : (
            <div className="table-wrap">
              <table className="table audit-table">
                <thead>
                  <tr>
                    <th scope="col">{t('audit.when')}</th>
                    <th scope="col">{t('audit.who')}</th>
                    <th scope="col">{t('audit.what')}</th>
                    <th scope="col">{t('audit.on')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((e) => {
                    const label = actionText(t, e.action);
                    return (
                      <tr key={e.seq} data-seq={e.seq}>
                        <td>
                          <time dateTime={e.at}>{i.dateTime(e.at)}</time>
                        </td>
                        <td>
                          <bdi>{e.actor}</bdi>
                        </td>
                        <th scope="row">
                          {label ?? <code>{e.action}</code>}
                          {label && (
                            <span className="muted block">
                              <code>{e.action}</code>
                            </span>
                          )}
                          <Changes e={e} />
                        </th>
                        <td>
                          <Subject s={e.subject} />
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          {data.next && (
            <p>
              <button type="button" className="button" onClick={() => setPages((p) => p + 1)} disabled={loading}>
                {t('alerts.more')}
              </button>
            </p>
          )}
        </section>
      )}
    </>
  );
}
