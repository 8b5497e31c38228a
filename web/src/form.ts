/**
 * A form that creates something on the server and shows it once (an invitation's link, a token's
 * secret): busy while it is sent; a refusal split into messages beside the fields that hold them
 * (`fieldOf` maps an issue's path to one of `order`, or null for the form's general alert) with the
 * first refused field, in `order`, focused; what was created focused when it shows, so that the
 * keyboard and a screen reader land on the one-time value.
 */
import { type FormEvent, type RefObject, useEffect, useId, useRef, useState } from 'react';
import { splitIssues } from './api-admin';

export type CreateForm<R> = {
  /** The prefix of the fields' element ids: `${id}-${field}`. */
  id: string;
  busy: boolean;
  fields: Record<string, string>;
  general: string[];
  created: R | null;
  doneRef: RefObject<HTMLDivElement | null>;
  submit: (e: FormEvent) => Promise<void>;
};

export function useCreateForm<R>(opts: {
  order: readonly string[];
  fieldOf: (path: string) => string | null;
  send: () => Promise<R>;
  /** After a success: clear the inputs, reload the list. */
  onCreated: (r: R) => void;
}): CreateForm<R> {
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [created, setCreated] = useState<R | null>(null);
  const doneRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (created) doneRef.current?.focus();
  }, [created]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFields({});
    setGeneral([]);
    setCreated(null);
    try {
      const r = await opts.send();
      setCreated(r);
      opts.onCreated(r);
    } catch (err) {
      const { fields: f, rest } = splitIssues(err, opts.fieldOf);
      setFields(f);
      setGeneral(rest);
      const first = opts.order.find((k) => f[k]);
      if (first) document.getElementById(`${id}-${first}`)?.focus();
    } finally {
      setBusy(false);
    }
  };

  return { id, busy, fields, general, created, doneRef, submit };
}
