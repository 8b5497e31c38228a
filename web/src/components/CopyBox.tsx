/**
 * A value shown once (an invitation link, a token's secret, a heartbeat's push URL) with a copy
 * button: copied to the clipboard, or where the clipboard is refused, selected for the person to
 * copy; what happened is said in a status line a screen reader announces.
 */
import { useId, useRef, useState } from 'react';
import { useI18n } from '../i18n';

export function CopyBox({ value, label }: { value: string; label: string }) {
  const { t } = useI18n();
  const id = useId();
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const ref = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      ref.current?.select();
      setCopied('no');
    }
  };
  return (
    <div className="copy-box">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        <input id={id} ref={ref} readOnly value={value} dir="ltr" className="secret" onFocus={(e) => e.target.select()} />
        <button type="button" className="button" onClick={() => void copy()}>
          {t('people.copy')}
        </button>
      </div>
      <p role="status" className="muted copy-status">
        {copied === 'yes' ? t('people.copied') : copied === 'no' ? t('people.copyManually') : ''}
      </p>
    </div>
  );
}
