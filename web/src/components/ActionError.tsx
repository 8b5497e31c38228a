/**
 * What a refused write says to the person who tried it (the lifecycle actions, recording a
 * review): a stale page (412) asks for a reload and offers it, an illegal move (409) and a
 * refusal for the role (403) say so, bad input (422) lists each field with its problem.
 * Also the conversions between an instant and an <input type="datetime-local"> value.
 */
import { ApiError } from '../api';
import { issueLines } from '../api-agreement';
import { useI18n } from '../i18n';

export function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, 'client', e instanceof Error ? e.message : String(e));
}

export function ActionError({ error, onReload }: { error: ApiError; onReload: () => void }) {
  const { t } = useI18n();
  const lines = issueLines(error.details);
  const title =
    error.status === 412
      ? t('actions.stale')
      : error.status === 409
        ? t('actions.conflict')
        : error.status === 403
          ? t('actions.forbidden')
          : error.status === 422
            ? t('actions.invalid')
            : t('actions.failed');
  return (
    <div className={`alert ${error.status === 412 ? 'alert-warn' : 'alert-error'}`} role="alert">
      <p className="alert-title">{title}</p>
      {lines.length > 0 ? (
        <ul className="issue-list">
          {lines.map((l) => (
            <li key={l}>{l}</li>
          ))}
        </ul>
      ) : (
        <p>
          {error.message} {error.code && <code>({error.code})</code>}
        </p>
      )}
      {(error.status === 412 || error.status === 409) && (
        <button type="button" className="button" onClick={onReload}>
          {t('actions.reload')}
        </button>
      )}
    </div>
  );
}

/** An instant as the value of a datetime-local input, in the browser's time zone, to the second. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return new Date(ms - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
}

/** A datetime-local value (the browser's time zone) as an ISO instant with an offset; undefined when empty or not a time. */
export function fromLocalInput(v: string): string | undefined {
  if (!v) return undefined;
  const ms = new Date(v).getTime();
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}
