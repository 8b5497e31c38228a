/**
 * The neutral message an alert becomes before it is sent: one shape for every channel (webhook,
 * e-mail, Slack, Teams), built by whoever decides what to say (the alerts core) and rendered here
 * by whoever knows how to say it on a channel. Pure: no I/O.
 *
 * Invariants:
 * - `idempotencyKey` names the notification, not the attempt: every retry and every replay of the
 *   same message carries the same key, so the receiver can dedupe (it becomes the webhook-id and
 *   the e-mail Message-ID, see ids.ts). Two different notifications never share one.
 * - Everything in `subject`, `text`, `fields` and `links` may come from users (ticket titles,
 *   agreement names): each renderer escapes it for its medium. `html`, when given, is the one
 *   exception: a fragment made by Pledge's own templates, which escaped what they put in.
 * - `links` are http(s) or mailto only, so no renderer can be made to carry `javascript:`.
 * - `data` is the JSON sent to webhooks as the payload's `data`, as given.
 */
import { z } from 'zod';
import { validate } from '../validation/zod.ts';
import type { Result } from '../validation/issues.ts';

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const AUDIENCES = ['internal', 'customer'] as const;
export type Audience = (typeof AUDIENCES)[number];

export interface MessageField {
  label: string;
  value: string;
}
export interface MessageLink {
  label: string;
  url: string;
}

export interface DeliveryMessage {
  /** Same for every attempt and replay of this notification (see above). */
  idempotencyKey: string;
  tenant: string;
  /** Full-stop delimited, as Standard Webhooks recommends: alert.firing, alert.resolved, alert.acknowledged. */
  eventType: string;
  subject: string;
  /** Plain text; line breaks kept. */
  text: string;
  /** Optional HTML fragment made by Pledge's templates (trusted, see above); otherwise made from `text`. */
  html?: string;
  severity: Severity;
  audience: Audience;
  fields: MessageField[];
  links: MessageLink[];
  /** Groups messages into one conversation (e.g. the ticket): e-mail threading headers. */
  threadKey?: string;
  /** When the event happened, epoch milliseconds (not when it is sent). */
  occurredAt: number;
  /** The JSON sent to webhooks. */
  data: unknown;
  /** Files attached to an e-mail (scheduled reports); other channels do not send them. */
  attachments?: MessageAttachment[];
}

export interface MessageAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

/** Printable ASCII without spaces: it travels in HTTP and mail headers. */
const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;
const EVENT_TYPE_PATTERN = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/;

function isSafeUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:' || u.protocol === 'mailto:';
  } catch {
    return false;
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const ONE_LINE = /^[^\x00-\x1f\x7f]*$/;
/** One line of text: no control characters (they would break headers and chat titles). */
const oneLine = (max: number) => z.string().min(1).max(max).regex(ONE_LINE, 'expected one line of text (no line breaks)');

export const deliveryMessageSchema = z.strictObject({
  idempotencyKey: z.string().regex(KEY_PATTERN, 'expected 1 to 200 printable ASCII characters without spaces'),
  tenant: z.string().min(1).max(100),
  eventType: z.string().max(100).regex(EVENT_TYPE_PATTERN, 'expected a full-stop delimited type such as alert.firing'),
  subject: oneLine(500),
  text: z.string().max(20_000),
  html: z.string().max(100_000).optional(),
  severity: z.enum(SEVERITIES),
  audience: z.enum(AUDIENCES),
  fields: z.array(z.strictObject({ label: oneLine(200), value: z.string().max(2000) })).max(50),
  links: z
    .array(z.strictObject({ label: oneLine(200), url: z.string().max(2000).refine(isSafeUrl, 'expected an http(s) or mailto URL') }))
    .max(20),
  threadKey: z.string().regex(KEY_PATTERN, 'expected 1 to 200 printable ASCII characters without spaces').optional(),
  occurredAt: z.number().int().min(0).max(8_640_000_000_000_000),
  data: z.unknown(),
  attachments: z
    .array(
      z.strictObject({
        filename: oneLine(200).regex(/^[^/\\]+$/, 'expected a file name without a folder'),
        contentType: z.string().regex(/^[a-z]+\/[a-z0-9.+-]+(; ?charset=[a-z0-9-]+)?$/, 'expected a media type'),
        content: z.instanceof(Buffer),
      }),
    )
    .max(20)
    .optional(),
});

/**
 * Checks a message before it is rendered. A producer's mistake becomes a value (the delivery
 * fails permanently with these issues), never an exception in a worker.
 */
export function validateMessage(input: unknown): Result<DeliveryMessage> {
  const r = validate(deliveryMessageSchema, input);
  if (!r.ok) return r;
  if (r.value.data === undefined)
    return { ok: false, issues: [{ path: 'data', message: 'required field is missing', received: 'nothing' }] };
  try {
    JSON.stringify(r.value.data);
  } catch (e) {
    return { ok: false, issues: [{ path: 'data', message: `expected JSON-serializable data (${(e as Error).message})` }] };
  }
  return r as Result<DeliveryMessage>;
}
