/**
 * If-Match, read the way RFC 9110 says: `*` matches any current representation, a list matches if
 * any member is the current ETag (strong comparison: weak ETags never match).
 */
import { HttpError } from '../errors.ts';

/**
 * The ETag to hand the store's compare-and-set: the current one when the header matches it, else
 * the first one given (the store then answers stale). Undefined without the header.
 */
export function ifMatchOf(value: string | undefined, current: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.length > 1000)
    throw new HttpError('invalid_parameter', 'the If-Match header is too long', { in: 'header', header: 'If-Match' });
  const tags = value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (tags.length === 0)
    throw new HttpError('invalid_parameter', 'the If-Match header is empty; send the ETag of the version you read', {
      in: 'header',
      header: 'If-Match',
    });
  if (tags.includes('*')) {
    if (current === undefined) throw new HttpError('precondition_failed', 'If-Match: * needs an existing resource', {});
    return current;
  }
  if (current !== undefined && tags.includes(current)) return current;
  return tags[0]!;
}
