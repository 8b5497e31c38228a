/**
 * People and API tokens (/people), for the admin only (src/core/access/policy.ts: tokens.manage,
 * which GET /v1/logins, POST /v1/invites and the token routes require):
 *
 * - who may sign in (GET /v1/logins): e-mail, user, role, customer, whether the invitation was
 *   accepted, a lock after failed sign-ins;
 * - inviting a person (POST /v1/invites): the one-time link is shown once, to copy and pass on;
 * - API tokens (GET /v1/tokens): creating one shows its secret once, revoking one asks first.
 *
 * The server's validation errors are shown beside the field they name.
 */
import { useEffect, useRef, useState } from 'react';
import { ApiError, type Role } from '../api';
import {
  type ApiToken,
  type CreatedInvite,
  type CreatedToken,
  createInvite,
  createToken,
  listLogins,
  listTokens,
  revokeToken,
} from '../api-admin';
import { ErrorBox, Loading, Section } from '../components/ui';
import { useCreateForm } from '../form';
import { useLoad } from '../hooks';
import { useI18n } from '../i18n';
import { usePageTitle } from '../router';
import { useSession } from '../session';
import { CopyBox } from '../components/CopyBox';
import { describedBy, Field } from '../components/Field';

const ROLES: Role[] = ['admin', 'manager', 'agent', 'viewer', 'auditor', 'customer'];
const EXPIRY_DAYS = [0, 7, 30, 90, 365];

export function People() {
  const { t } = useI18n();
  usePageTitle(t('people.title'));
  return (
    <>
      <h1>{t('people.title')}</h1>
      <p className="lede">{t('people.lede')}</p>
      <Logins />
      <Tokens />
    </>
  );
}

function GeneralErrors({ messages, title }: { messages: string[]; title: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (messages.length > 0) ref.current?.focus();
  }, [messages]);
  if (messages.length === 0) return null;
  return (
    <div className="alert alert-error" role="alert" tabIndex={-1} ref={ref}>
      <p className="alert-title">{title}</p>
      {messages.map((m) => (
        <p key={m}>{m}</p>
      ))}
    </div>
  );
}

function Logins() {
  const i = useI18n();
  const { t } = i;
  const { data, error, loading, reload } = useLoad((s) => listLogins(s), []);
  return (
    <Section title={t('people.logins')} id="people-logins">
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && <Loading />}
      {data && (
        <div className="table-wrap">
          <table className="table table-compact">
            <caption className="visually-hidden">{t('people.logins')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('people.email')}</th>
                <th scope="col">{t('people.user')}</th>
                <th scope="col">{t('people.role')}</th>
                <th scope="col">{t('people.customer')}</th>
                <th scope="col">{t('people.state')}</th>
                <th scope="col">{t('people.since')}</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((l) => (
                <tr key={l.email} data-email={l.email}>
                  <th scope="row" dir="ltr" className="cell-ltr">
                    {l.email}
                  </th>
                  <td>
                    <code dir="ltr">{l.user}</code>
                  </td>
                  <td>{t(`role.${l.role}`)}</td>
                  <td>{l.customer ?? '–'}</td>
                  <td>
                    {l.lockedUntil
                      ? t('people.lockedUntil', { when: i.dateTime(l.lockedUntil) })
                      : l.passwordSet
                        ? t('people.active')
                        : t('people.invited')}
                  </td>
                  <td>{i.dateTime(l.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">{t('people.noLastSignIn')}</p>
        </div>
      )}
      <InviteForm onInvited={reload} />
    </Section>
  );
}

function InviteForm({ onInvited }: { onInvited: () => void }) {
  const i = useI18n();
  const { t } = i;
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [customer, setCustomer] = useState('');
  const { id, busy, fields, general, created, doneRef, submit } = useCreateForm<CreatedInvite>({
    order: ['email', 'name', 'role', 'customer'],
    fieldOf: (p) => (['email', 'name', 'role', 'customer'].includes(p) ? p : null),
    send: () =>
      createInvite({
        email: email.trim(),
        role,
        ...(name.trim() ? { name: name.trim() } : {}),
        ...(role === 'customer' && customer.trim() ? { customer: customer.trim() } : {}),
      }),
    onCreated: () => {
      setEmail('');
      setName('');
      setCustomer('');
      onInvited();
    },
  });

  return (
    <div className="admin-block">
      <h3>{t('people.invite')}</h3>
      <p className="muted">{t('people.inviteHelp')}</p>
      {created && (
        <div className="alert alert-ok" tabIndex={-1} ref={doneRef} role="status">
          <p className="alert-title">{t('people.inviteDone', { email: created.invite.email })}</p>
          <CopyBox value={`${window.location.origin}${created.path}`} label={t('people.inviteLink')} />
          <p>{t('people.inviteOnce', { when: i.dateTime(created.invite.expiresAt) })}</p>
        </div>
      )}
      <GeneralErrors messages={general} title={t('people.refused')} />
      <form className="form admin-form" onSubmit={submit} noValidate>
        <Field id={`${id}-email`} label={t('people.email')} error={fields.email}>
          <input
            id={`${id}-email`}
            type="email"
            dir="ltr"
            autoComplete="off"
            required
            value={email}
            aria-invalid={fields.email ? true : undefined}
            aria-describedby={describedBy(`${id}-email`, fields.email)}
            onChange={(e) => setEmail(e.target.value)}
          />
        </Field>
        <Field id={`${id}-name`} label={t('people.name')} error={fields.name}>
          <input
            id={`${id}-name`}
            autoComplete="off"
            value={name}
            aria-invalid={fields.name ? true : undefined}
            aria-describedby={describedBy(`${id}-name`, fields.name)}
            onChange={(e) => setName(e.target.value)}
          />
        </Field>
        <RoleAndCustomer
          id={id}
          role={role}
          customer={customer}
          setRole={setRole}
          setCustomer={setCustomer}
          fields={fields}
          customerHint={t('people.customerHint')}
        />
        <button type="submit" className="button button-primary" disabled={busy}>
          {t('people.inviteButton')}
        </button>
      </form>
    </div>
  );
}

function RoleAndCustomer({
  id,
  role,
  customer,
  setRole,
  setCustomer,
  fields,
  customerHint,
}: {
  id: string;
  role: Role;
  customer: string;
  setRole: (r: Role) => void;
  setCustomer: (c: string) => void;
  fields: Record<string, string>;
  customerHint: string;
}) {
  const { t } = useI18n();
  return (
    <>
      <Field id={`${id}-role`} label={t('people.role')} error={fields.role}>
        <select
          id={`${id}-role`}
          value={role}
          aria-invalid={fields.role ? true : undefined}
          aria-describedby={describedBy(`${id}-role`, fields.role)}
          onChange={(e) => setRole(e.target.value as Role)}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`role.${r}`)}
            </option>
          ))}
        </select>
      </Field>
      {role === 'customer' && (
        <Field id={`${id}-customer`} label={t('people.customer')} error={fields.customer} hint={customerHint}>
          <input
            id={`${id}-customer`}
            dir="ltr"
            autoComplete="off"
            required
            value={customer}
            aria-invalid={fields.customer ? true : undefined}
            aria-describedby={describedBy(`${id}-customer`, fields.customer, true)}
            onChange={(e) => setCustomer(e.target.value)}
          />
        </Field>
      )}
    </>
  );
}

function Tokens() {
  const i = useI18n();
  const { t } = i;
  const { data, error, loading, reload } = useLoad((s) => listTokens(s), []);
  const [confirm, setConfirm] = useState<ApiToken | null>(null);
  const [busy, setBusy] = useState(false);
  const [revokeError, setRevokeError] = useState<string[]>([]);
  const [revoked, setRevoked] = useState<string | null>(null);
  const confirmRef = useRef<HTMLElement>(null);

  useEffect(() => {
    if (confirm) confirmRef.current?.focus();
  }, [confirm]);

  const revoke = async (tok: ApiToken) => {
    setBusy(true);
    setRevokeError([]);
    try {
      await revokeToken(tok.id);
      setRevoked(t('people.revoked', { name: tok.name }));
      setConfirm(null);
      reload();
    } catch (e) {
      setRevokeError([e instanceof ApiError ? e.message : String(e)]);
    } finally {
      setBusy(false);
    }
  };

  const sorted = data ? [...data.items].sort((a, b) => b.createdAt.localeCompare(a.createdAt)) : [];
  return (
    <Section title={t('people.tokens')} id="people-tokens">
      <p className="muted">{t('people.tokensHelp')}</p>
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && <Loading />}
      {revoked && (
        <div className="alert alert-ok" role="status">
          <p>{revoked}</p>
        </div>
      )}
      <GeneralErrors messages={revokeError} title={t('people.refused')} />
      {data && (
        <div className="table-wrap">
          <table className="table table-compact">
            <caption className="visually-hidden">{t('people.tokens')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('people.tokenName')}</th>
                <th scope="col">{t('people.user')}</th>
                <th scope="col">{t('people.role')}</th>
                <th scope="col">{t('people.status')}</th>
                <th scope="col">{t('people.created')}</th>
                <th scope="col">{t('people.expires')}</th>
                <th scope="col">{t('people.lastUsed')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('people.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sorted.length === 0 && (
                <tr>
                  <td colSpan={8} className="muted">
                    {t('people.noTokens')}
                  </td>
                </tr>
              )}
              {sorted.map((tok) => (
                <tr key={tok.id} data-token={tok.id}>
                  <th scope="row">
                    {tok.name}
                    <span className="block muted">
                      <code dir="ltr">{tok.id}</code>
                    </span>
                  </th>
                  <td>
                    <code dir="ltr">{tok.user}</code>
                  </td>
                  <td>
                    {t(`role.${tok.role}`)}
                    {tok.customer && <span className="muted"> · {tok.customer}</span>}
                  </td>
                  <td>
                    <span className={`pill token-${tok.status}`}>{t(`people.status.${tok.status}`)}</span>
                  </td>
                  <td>{i.dateTime(tok.createdAt)}</td>
                  <td>{tok.expiresAt ? i.dateTime(tok.expiresAt) : t('people.never')}</td>
                  <td>{tok.lastUsedAt ? i.dateTime(tok.lastUsedAt) : t('people.notUsed')}</td>
                  <td>
                    {tok.status === 'active' && (
                      <button
                        type="button"
                        className="button"
                        aria-label={t('people.revokeNamed', { name: tok.name })}
                        onClick={() => {
                          setRevoked(null);
                          setConfirm(tok);
                        }}
                      >
                        {t('people.revoke')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {confirm && (
        <section className="alert alert-warn admin-confirm" aria-labelledby="revoke-confirm" tabIndex={-1} ref={confirmRef}>
          <p id="revoke-confirm" className="alert-title">
            {t('people.revokeConfirm', { name: confirm.name, user: confirm.user })}
          </p>
          <p>{t('people.revokeEffect')}</p>
          <div className="admin-actions">
            <button type="button" className="button button-primary" disabled={busy} onClick={() => void revoke(confirm)}>
              {t('people.revokeYes')}
            </button>
            <button type="button" className="button" disabled={busy} onClick={() => setConfirm(null)}>
              {t('people.cancel')}
            </button>
          </div>
        </section>
      )}
      <TokenForm onCreated={reload} />
    </Section>
  );
}

function TokenForm({ onCreated }: { onCreated: () => void }) {
  const { t, num } = useI18n();
  const { user } = useSession();
  const [name, setName] = useState('');
  const [userId, setUserId] = useState(user?.id ?? '');
  const [role, setRole] = useState<Role>('viewer');
  const [customer, setCustomer] = useState('');
  const [days, setDays] = useState(90);
  const { id, busy, fields, general, created, doneRef, submit } = useCreateForm<CreatedToken>({
    order: ['name', 'user', 'role', 'customer', 'days'],
    fieldOf: (p) =>
      p === 'user.id' || p === 'user' ? 'user' : p === 'expiresAt' ? 'days' : ['name', 'role', 'customer'].includes(p) ? p : null,
    send: () =>
      createToken({
        name: name.trim(),
        role,
        user: { id: userId.trim() },
        ...(role === 'customer' && customer.trim() ? { customer: customer.trim() } : {}),
        ...(days > 0 ? { expiresAt: new Date(Date.now() + days * 86_400_000).toISOString() } : {}),
      }),
    onCreated: () => {
      setName('');
      setCustomer('');
      onCreated();
    },
  });

  return (
    <div className="admin-block">
      <h3>{t('people.newToken')}</h3>
      {created && (
        <div className="alert alert-ok" tabIndex={-1} ref={doneRef} role="status">
          <p className="alert-title">{t('people.tokenCreated', { name: created.token.name })}</p>
          <CopyBox value={created.secret} label={t('people.secret')} />
          <p>
            <strong>{t('people.secretOnce')}</strong>
          </p>
        </div>
      )}
      <GeneralErrors messages={general} title={t('people.refused')} />
      <form className="form admin-form" onSubmit={submit} noValidate>
        <Field id={`${id}-name`} label={t('people.tokenName')} error={fields.name} hint={t('people.tokenNameHint')}>
          <input
            id={`${id}-name`}
            autoComplete="off"
            required
            value={name}
            aria-invalid={fields.name ? true : undefined}
            aria-describedby={describedBy(`${id}-name`, fields.name, true)}
            onChange={(e) => setName(e.target.value)}
          />
        </Field>
        <Field id={`${id}-user`} label={t('people.tokenUser')} error={fields.user} hint={t('people.tokenUserHint')}>
          <input
            id={`${id}-user`}
            dir="ltr"
            autoComplete="off"
            required
            value={userId}
            aria-invalid={fields.user ? true : undefined}
            aria-describedby={describedBy(`${id}-user`, fields.user, true)}
            onChange={(e) => setUserId(e.target.value)}
          />
        </Field>
        <RoleAndCustomer
          id={id}
          role={role}
          customer={customer}
          setRole={setRole}
          setCustomer={setCustomer}
          fields={fields}
          customerHint={t('people.tokenCustomerHint')}
        />
        <Field id={`${id}-days`} label={t('people.expiresIn')} error={fields.days}>
          <select
            id={`${id}-days`}
            value={days}
            aria-invalid={fields.days ? true : undefined}
            aria-describedby={describedBy(`${id}-days`, fields.days)}
            onChange={(e) => setDays(Number(e.target.value))}
          >
            {EXPIRY_DAYS.map((d) => (
              <option key={d} value={d}>
                {d === 0 ? t('people.never') : t('people.days', { n: num(d, 0) })}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" className="button button-primary" disabled={busy}>
          {t('people.createToken')}
        </button>
      </form>
    </div>
  );
}
