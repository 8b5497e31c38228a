/**
 * A modal dialog on the native <dialog> (showModal): the browser keeps focus inside it, Escape
 * closes it, the page behind is inert. Opened when mounted; on closing, focus goes back to what
 * had it before, or to the page's heading when that is gone (an "Acknowledge" button disappears
 * once the alert is acknowledged).
 */
import { type ReactNode, useEffect, useId, useRef } from 'react';

export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const d = ref.current;
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (d && !d.open) d.showModal();
    return () => {
      if (d?.open) d.close();
      // After React has rendered what the action changed.
      window.setTimeout(() => {
        if (before?.isConnected) before.focus();
        else document.querySelector<HTMLElement>('main h1')?.focus();
      }, 0);
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={`${id}-h`}
      onCancel={(e) => {
        e.preventDefault();
        onCloseRef.current();
      }}
    >
      <h2 id={`${id}-h`}>{title}</h2>
      {children}
    </dialog>
  );
}
