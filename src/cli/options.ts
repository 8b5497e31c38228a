/** Option values shared by the calc commands. */
import { checkSupportedInstant } from '../core/calendar/compile.ts';
import { parseInstant } from '../core/time/instant.ts';
import { must } from './output.ts';

/** An instant option that a business calendar can answer for (1900 to 2399), or exit 2. */
export function calendarInstant(text: string, path: string): number {
  return must(checkSupportedInstant(must(parseInstant(text, path)), path, JSON.stringify(text)));
}
