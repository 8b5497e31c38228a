/**
 * JSON with object keys sorted at every level (by UTF-16 code units, as Array.prototype.sort), so
 * equal values give equal text: for hashing event payloads (a re-sent event with the same content
 * is a duplicate, whatever its key order) and for ordering conflicting duplicates
 * deterministically. The same output as JSON.stringify of the value (undefined members dropped,
 * toJSON honoured), keys sorted.
 *
 * Usually built as a sorted copy serialised by one native JSON.stringify, which is faster than
 * writing the text piece by piece (ingestion does this for every event). JavaScript objects put
 * integer-like keys ("0", "10") first whatever the order they are set in, so a value with such a
 * key is written piece by piece instead.
 */
export function canonicalJson(value: unknown, omitTopLevel?: string): string {
  const state = { integerKey: false };
  const copy = sortedCopy(value, state, omitTopLevel);
  if (!state.integerKey) return JSON.stringify(copy) ?? 'null';
  return write(value, omitTopLevel) ?? 'null';
}

/** `omit`: a key of this object (not of the ones inside it) to leave out. */
function sortedCopy(v: unknown, state: { integerKey: boolean }, omit?: string): unknown {
  if (v === null || typeof v !== 'object' || state.integerKey) return v;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return sortedCopy((v as { toJSON: () => unknown }).toJSON(), state);
  if (Array.isArray(v)) return v.map((x) => sortedCopy(x, state));
  const keys = Object.keys(v).sort();
  // No prototype: a key named __proto__ is a key like any other (on {} it would set the prototype).
  const out = Object.create(null) as Record<string, unknown>;
  for (const k of keys) {
    if (k === omit) continue;
    const c = k.charCodeAt(0);
    if (c >= 48 && c <= 57) state.integerKey = true;
    out[k] = sortedCopy((v as Record<string, unknown>)[k], state);
  }
  return out;
}

function write(v: unknown, omit?: string): string | undefined {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(v);
    case 'object': {
      const withJson = v as { toJSON?: () => unknown };
      if (typeof withJson.toJSON === 'function') return write(withJson.toJSON());
      if (Array.isArray(v)) return `[${v.map((x) => write(x) ?? 'null').join(',')}]`;
      let out = '';
      for (const k of Object.keys(v).sort()) {
        if (k === omit) continue;
        const x = write((v as Record<string, unknown>)[k]);
        if (x === undefined) continue;
        out += `${out ? ',' : ''}${JSON.stringify(k)}:${x}`;
      }
      return `{${out}}`;
    }
    default:
      return undefined; // undefined, functions, symbols: absent, as in JSON.stringify
  }
}
