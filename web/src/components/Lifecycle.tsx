/**
 * An agreement's lifecycle on its page: the current state and term, the moves the server lists as
 * legal (GET .../lifecycle `legal`) as buttons for the roles that may make them (admin and
 * manager: `agreements.transition` in src/core/access/policy.ts), each behind a confirmation
 * dialog that says what will happen and asks for what the move needs (a reason; both signatures
 * and the term to approve; the new term to renew), and the timeline of transitions with who,
 * when, why, and the back-dated ones marked.
 *
 * The move is sent with If-Match: the ETag the page was read with. Someone else's change in the
 * meantime is a 412 that asks for a reload, not a move made on a state the user never saw.
 */
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import {
  agreementApi,
  type LifecycleAction,
  type LifecycleDetail,
  type LifecycleState,
  type Signature,
  type TransitionAnswer,
  type TransitionRecord,
  type TransitionRequest,
} from '../api-agreement';
import type { ApiError } from '../api';
import { useLoad } from '../hooks';
import { type I18n, type Key, useI18n } from '../i18n';
import { useSession } from '../session';
import { ActionError, asApiError, fromLocalInput, toLocalInput } from './ActionError';
import { ErrorBox, Loading, Section } from './ui';

const STATE: Record<LifecycleState, Key> = {
  draft: 'lifecycle.state.draft',
  in_review: 'lifecycle.state.in_review',
  approved: 'lifecycle.state.approved',
  active: 'lifecycle.state.active',
  suspended: 'lifecycle.state.suspended',
  expired: 'lifecycle.state.expired',
  terminated: 'lifecycle.state.terminated',
};

const ACTION: Record<LifecycleAction, Key> = {
  submit: 'lifecycle.action.submit',
  request_changes: 'lifecycle.action.request_changes',
  approve: 'lifecycle.action.approve',
  activate: 'lifecycle.action.activate',
  suspend: 'lifecycle.action.suspend',
  resume: 'lifecycle.action.resume',
  expire: 'lifecycle.action.expire',
  terminate: 'lifecycle.action.terminate',
  renew: 'lifecycle.action.renew',
};

const EXPLAIN: Record<LifecycleAction, Key> = {
  submit: 'lifecycle.explain.submit',
  request_changes: 'lifecycle.explain.request_changes',
  approve: 'lifecycle.explain.approve',
  activate: 'lifecycle.explain.activate',
  suspend: 'lifecycle.explain.suspend',
  resume: 'lifecycle.explain.resume',
  expire: 'lifecycle.explain.expire',
  terminate: 'lifecycle.explain.terminate',
  renew: 'lifecycle.explain.renew',
};

/** A state's name in the page's language; an unknown one (a newer server) as it is. */
export function stateName(i: I18n, s: string): string {
  return s in STATE ? i.t(STATE[s as LifecycleState]) : s;
}

function actionName(i: I18n, a: string): string {
  return a in ACTION ? i.t(ACTION[a as LifecycleAction]) : a;
}

type Move = { to: LifecycleState; action: LifecycleAction };

export function AgreementLifecycle({ id, etag, onChanged }: { id: string; etag: string; onChanged: () => void }) {
  const i = useI18n();
  const { t } = i;
  const { user } = useSession();
  const mayMove = user?.role === 'admin' || user?.role === 'manager';
  // Read again whenever the page's ETag changes (after a move, a review, an amendment).
  const { data, error, loading, reload } = useLoad((s) => agreementApi.lifecycle(id, s), [id, etag]);
  const [move, setMove] = useState<Move | null>(null);
  const [done, setDone] = useState<TransitionAnswer | null>(null);
  const opener = useRef<HTMLButtonElement | null>(null);
  const status = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    if (done) status.current?.focus();
  }, [done]);

  const cancel = () => {
    setMove(null);
    opener.current?.focus();
  };
  const finished = (a: TransitionAnswer) => {
    setMove(null);
    setDone(a);
    onChanged();
  };
  const reloadPage = () => {
    setMove(null);
    setDone(null);
    reload();
    onChanged();
  };

  return (
    <Section title={t('lifecycle.title')} id="lifecycle">
      {error && <ErrorBox error={error} onRetry={reload} />}
      {loading && !data && <Loading />}
      {done && (
        <p className="alert alert-ok" role="status" tabIndex={-1} ref={status}>
          {t('lifecycle.done', { action: actionName(i, done.transition.action), state: stateName(i, done.transition.to) })}
          {done.transition.requestedAt && <> {t('lifecycle.scheduled', { at: i.dateTime(done.transition.at) })}</>}
        </p>
      )}
      {data && (
        <>
          <dl className="facts">
            <dt>{t('agreement.state')}</dt>
            <dd>
              <span className={`lc-state lc-state-${data.state}`}>{stateName(i, data.state)}</span>
            </dd>
            {data.term && (
              <>
                <dt>{t('agreement.term')}</dt>
                <dd>
                  {t('agreement.from', { from: i.dateTime(data.term.start) })}{' '}
                  {data.term.end ? t('agreement.until', { to: i.dateTime(data.term.end) }) : `(${t('agreement.openEnded')})`}
                </dd>
              </>
            )}
          </dl>
          {mayMove &&
            (data.legal.length === 0 ? (
              <p className="muted">{t('lifecycle.final')}</p>
            ) : (
              <fieldset className="lc-actions">
                <legend className="visually-hidden">{t('lifecycle.actions')}</legend>
                {data.legal.map((m) => (
                  <button
                    key={`${m.action}-${m.to}`}
                    type="button"
                    className={`button ${m.action === 'terminate' ? 'button-danger' : ''}`}
                    onClick={(e) => {
                      opener.current = e.currentTarget;
                      setDone(null);
                      setMove(m);
                    }}
                  >
                    {actionName(i, m.action)}
                  </button>
                ))}
              </fieldset>
            ))}
          {mayMove && move && (
            <MoveDialog id={id} etag={etag} move={move} lifecycle={data} onCancel={cancel} onDone={finished} onReload={reloadPage} />
          )}
          <h3>{t('lifecycle.timeline')}</h3>
          <Timeline lifecycle={data} />
        </>
      )}
    </Section>
  );
}

function Timeline({ lifecycle }: { lifecycle: LifecycleDetail }) {
  const i = useI18n();
  const { t } = i;
  return (
    <ol className="lc-timeline">
      <li>
        <time dateTime={lifecycle.createdAt}>{i.dateTime(lifecycle.createdAt)}</time> <strong>{t('lifecycle.created')}</strong>{' '}
        {lifecycle.createdBy && <span className="muted">{t('lifecycle.by', { by: lifecycle.createdBy })}</span>}
      </li>
      {lifecycle.transitions.map((tr) => (
        // Transitions are append-only and in time order: when it took effect, was recorded, and what it did.
        <TimelineItem key={`${tr.at}|${tr.recordedAt ?? ''}|${tr.action}|${tr.to}`} tr={tr} />
      ))}
    </ol>
  );
}

function TimelineItem({ tr }: { tr: TransitionRecord }) {
  const i = useI18n();
  const { t } = i;
  return (
    <li className={tr.backdated ? 'lc-backdated' : undefined}>
      <time dateTime={tr.at}>{i.dateTime(tr.at)}</time> <strong>{actionName(i, tr.action)}</strong>{' '}
      <span>{t('lifecycle.fromTo', { from: stateName(i, tr.from), to: stateName(i, tr.to) })}</span>{' '}
      {tr.by && <span className="muted">{t('lifecycle.by', { by: tr.by })}</span>}
      {tr.backdated && (
        <span className="block">
          <span className="lc-flag">{t('lifecycle.backdated')}</span>{' '}
          {tr.recordedAt && <span className="muted">{t('lifecycle.recordedAt', { at: i.dateTime(tr.recordedAt) })}</span>}
        </span>
      )}
      {tr.requestedAt && <span className="block muted">{t('lifecycle.requestedAt', { at: i.dateTime(tr.requestedAt) })}</span>}
      {tr.reason && <span className="block">{t('lifecycle.reasonWas', { reason: tr.reason })}</span>}
      {tr.signatures?.map((s) => (
        <span className="block" key={`${s.party}-${s.name}`}>
          {t('lifecycle.signedBy', {
            party: t(s.party === 'provider' ? 'lifecycle.party.provider' : 'lifecycle.party.customer'),
            name: s.title ? `${s.name} (${s.title})` : s.name,
            at: i.dateTime(s.at),
          })}
        </span>
      ))}
      {tr.term && (
        <span className="block">
          {t('agreement.term')}: {t('agreement.from', { from: i.dateTime(tr.term.start) })}{' '}
          {tr.term.end ? t('agreement.until', { to: i.dateTime(tr.term.end) }) : `(${t('agreement.openEnded')})`}
        </span>
      )}
    </li>
  );
}

/** A datetime-local field's value and the exact instant it stands for until someone edits it. */
type Stamp = { input: string; iso: string };
const stamp = (ms: number): Stamp => ({ input: toLocalInput(ms), iso: new Date(ms).toISOString() });
const instantOf = (value: string, initial: Stamp) => (value === initial.input ? initial.iso : fromLocalInput(value));

function MoveDialog(props: {
  id: string;
  etag: string;
  move: Move;
  lifecycle: LifecycleDetail;
  onCancel: () => void;
  onDone: (a: TransitionAnswer) => void;
  onReload: () => void;
}) {
  const { id, etag, move, lifecycle, onCancel, onDone, onReload } = props;
  const i = useI18n();
  const { t } = i;
  const uid = useId();
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const needsReason = move.action === 'suspend' || move.action === 'terminate';
  const last = lifecycle.transitions[lifecycle.transitions.length - 1];

  // Defaults: signatures given now (never before the submission they answer), a term starting now;
  // a renewal of an active agreement starts where the current term ends.
  const [initial] = useState(() => {
    const now = Date.now();
    const submitted = last ? Date.parse(last.at) : now;
    const renewFrom = move.action === 'renew' && lifecycle.state === 'active' && lifecycle.term?.end ? Date.parse(lifecycle.term.end) : now;
    return { signed: stamp(Math.max(now, submitted)), start: stamp(move.action === 'renew' ? renewFrom : now) };
  });
  const [reason, setReason] = useState('');
  const [sig, setSig] = useState({
    provider: { name: '', title: '', at: initial.signed.input },
    customer: { name: '', title: '', at: initial.signed.input },
  });
  const [start, setStart] = useState(initial.start.input);
  const [end, setEnd] = useState('');

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => {
      if (d?.open) d.close();
    };
  }, []);
  // Closed here before the page moves focus: while a modal dialog is open the rest of the page is inert.
  const close = () => {
    if (ref.current?.open) ref.current.close();
  };
  const cancel = () => {
    close();
    onCancel();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body: TransitionRequest = { to: move.to };
    if (reason.trim()) body.reason = reason.trim();
    if (move.action === 'approve') {
      body.signatures = (['provider', 'customer'] as const).map((party) => {
        const s = sig[party];
        const out: Signature = { party, name: s.name.trim(), at: instantOf(s.at, initial.signed) ?? s.at };
        if (s.title.trim()) out.title = s.title.trim();
        return out;
      });
    }
    if (move.action === 'approve' || move.action === 'renew') {
      const endAt = fromLocalInput(end);
      body.term = { start: instantOf(start, initial.start) ?? start, ...(endAt ? { end: endAt } : {}) };
    }
    setBusy(true);
    setError(null);
    try {
      const answer = await agreementApi.transition(id, etag, body);
      close();
      onDone(answer);
    } catch (err) {
      setError(asApiError(err));
      setBusy(false);
    }
  };

  const field = (name: string) => `${uid}-${name}`;
  const signature = (party: 'provider' | 'customer') => (
    <fieldset className="lc-fieldset" key={party}>
      <legend>{t(party === 'provider' ? 'lifecycle.signedForProvider' : 'lifecycle.signedForCustomer')}</legend>
      <label htmlFor={field(`${party}-name`)}>{t('lifecycle.signer')}</label>
      <input
        id={field(`${party}-name`)}
        required
        maxLength={200}
        autoComplete="off"
        value={sig[party].name}
        onChange={(e) => setSig({ ...sig, [party]: { ...sig[party], name: e.target.value } })}
      />
      <label htmlFor={field(`${party}-title`)}>{t('lifecycle.signerTitle')}</label>
      <input
        id={field(`${party}-title`)}
        maxLength={200}
        autoComplete="off"
        value={sig[party].title}
        onChange={(e) => setSig({ ...sig, [party]: { ...sig[party], title: e.target.value } })}
      />
      <label htmlFor={field(`${party}-at`)}>{t('lifecycle.signedAt')}</label>
      <input
        id={field(`${party}-at`)}
        type="datetime-local"
        step={1}
        required
        value={sig[party].at}
        onChange={(e) => setSig({ ...sig, [party]: { ...sig[party], at: e.target.value } })}
      />
    </fieldset>
  );

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={field('h')}
      aria-describedby={field('what')}
      onCancel={(e) => {
        // Escape: the dialog is React's to close, and nothing is sent.
        e.preventDefault();
        if (!busy) cancel();
      }}
    >
      <form className="form" onSubmit={submit}>
        <h2 id={field('h')}>{t('lifecycle.confirmTitle', { action: actionName(i, move.action) })}</h2>
        <p id={field('what')}>
          {t(EXPLAIN[move.action])}{' '}
          <span className="muted">{t('lifecycle.fromTo', { from: stateName(i, lifecycle.state), to: stateName(i, move.to) })}</span>
        </p>
        {move.action === 'approve' && (['provider', 'customer'] as const).map(signature)}
        {(move.action === 'approve' || move.action === 'renew') && (
          <fieldset className="lc-fieldset">
            <legend>{t(move.action === 'renew' ? 'lifecycle.newTerm' : 'lifecycle.signedTerm')}</legend>
            <label htmlFor={field('start')}>{t('lifecycle.termStart')}</label>
            <input id={field('start')} type="datetime-local" step={1} required value={start} onChange={(e) => setStart(e.target.value)} />
            <label htmlFor={field('end')}>{t('lifecycle.termEnd')}</label>
            <input id={field('end')} type="datetime-local" step={1} value={end} onChange={(e) => setEnd(e.target.value)} />
          </fieldset>
        )}
        <label htmlFor={field('reason')}>{t(needsReason ? 'lifecycle.reason' : 'lifecycle.reasonOptional')}</label>
        <textarea
          id={field('reason')}
          rows={2}
          maxLength={2000}
          required={needsReason}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
        {error && (
          <ActionError
            error={error}
            onReload={() => {
              close();
              onReload();
            }}
          />
        )}
        <div className="dialog-buttons">
          <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
            {busy ? t('lifecycle.working') : t('lifecycle.confirm')}
          </button>
          <button type="button" className="button" onClick={cancel} disabled={busy}>
            {t('lifecycle.cancel')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
