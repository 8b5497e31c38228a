/**
 * Delivery channels as configuration: one schema for a channel (webhook, e-mail over SMTP, Slack,
 * Microsoft Teams), read from YAML or JSON files and, later, from the API. Pure: no environment,
 * no keys, no network; secrets are resolved in src/delivery/secrets.ts.
 *
 * Secrets: webhook signing secrets, SMTP passwords, and the Slack and Teams URLs (whoever has one
 * can post to the channel) are never written in clear where they are stored. A secret field holds
 *   - `env:NAME`: read from the environment variable NAME when the message is sent, or
 *   - `enc:v1:<key id>:<iv>:<ciphertext>`: AES-256-GCM under PLEDGE_SECRET_KEY (secrets.ts).
 * A plain value is accepted only in the API's input form (`plainSecrets: true`), which the API
 * seals (encrypts) before storing; files must use one of the two forms above.
 *
 * `redactChannel` is what the API returns: `env:NAME` stays (a name, not a secret), everything
 * else becomes REDACTED, and a webhook URL loses any user:password. The marker is refused as
 * input, so a client that sends back what it read gets a clear error, not a channel whose
 * secret is the word "[redacted]".
 *
 * Every problem names its field by path (`channels[1].settings.smtp.auth.pass`).
 */
import { z } from 'zod';
import { slug } from '../validation/common.ts';
import { validate, validateSource } from '../validation/zod.ts';
import { parseSourceText } from '../validation/source.ts';
import { describeValue, type Issue, type Result } from '../validation/issues.ts';
import { AUDIENCES } from './message.ts';

export const CHANNEL_KINDS = ['webhook', 'email', 'slack', 'teams'] as const;
export const SMTP_SECURITY = ['starttls', 'tls', 'none'] as const;
export const REDACTED = '[redacted]';

export const ENV_REF = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;
export const ENCRYPTED = /^enc:v1:([A-Za-z0-9_-]{8}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{24,})$/;

export type SecretForm = 'env' | 'encrypted' | 'plain';
export function secretForm(value: string): SecretForm {
  if (ENV_REF.test(value)) return 'env';
  if (ENCRYPTED.test(value)) return 'encrypted';
  return 'plain';
}

/** What a secret must look like once resolved, per kind of secret. Undefined when fine. */
export type SecretKind = 'webhook_secret' | 'password' | 'slack_url' | 'teams_url';

const WHSEC = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

export function secretValueProblem(kind: SecretKind, value: string): string | undefined {
  if (value === '') return 'the secret is empty';
  if (kind === 'webhook_secret') {
    const m = WHSEC.exec(value);
    if (!m) return 'expected a signing secret such as whsec_ followed by base64 (24 to 64 random bytes)';
    const bytes = Buffer.from(m[1]!, 'base64');
    if (bytes.length < 24 || bytes.length > 64)
      return `expected 24 to 64 random bytes after whsec_ (Standard Webhooks), got ${bytes.length}`;
    return undefined;
  }
  if (kind === 'slack_url' || kind === 'teams_url') return httpUrlProblem(value);
  return undefined;
}

function httpUrlProblem(s: string): string | undefined {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return 'expected an http(s) URL';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'expected an http(s) URL';
  return undefined;
}

/** A secret field: its stored forms, and in the API's input form, a plain value checked by kind. */
function secret(kind: SecretKind, plain: boolean) {
  return z.string().superRefine((v, ctx) => {
    if (v === REDACTED) {
      ctx.addIssue({ code: 'custom', message: 'this is the redacted placeholder the API returns, not a secret: send the secret again' });
      return;
    }
    const form = secretForm(v);
    if (form !== 'plain') return;
    if (v.startsWith('env:') || v.startsWith('enc:')) {
      ctx.addIssue({
        code: 'custom',
        message: v.startsWith('env:')
          ? 'expected env: followed by an environment variable name (letters, digits, _)'
          : 'expected an encrypted value enc:v1:<key id>:<iv>:<ciphertext>, as Pledge writes it',
      });
      return;
    }
    if (!plain) {
      ctx.addIssue({
        code: 'custom',
        message: 'secrets are not stored in clear: write env:NAME (an environment variable) or an encrypted value (enc:v1:...)',
      });
      return;
    }
    const problem = secretValueProblem(kind, v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const NO_CONTROL = /^[^\x00-\x1f\x7f]*$/;
const EMAIL = /^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
export function isMailbox(s: string): boolean {
  if (!NO_CONTROL.test(s) || s.length > 320) return false;
  const named = /^([^<>]*)<([^<>]+)>\s*$/.exec(s.trim());
  return EMAIL.test(named ? named[2]!.trim() : s.trim());
}
const mailbox = z.string().refine(isMailbox, 'expected an e-mail address such as alerts@example.com or "Pledge <alerts@example.com>"');
const hostname = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[?[0-9A-Fa-f:.]+\]?)$/,
    'expected a host name or IP address such as smtp.example.com',
  );
const httpUrl = z
  .string()
  .max(2000)
  .refine((s) => httpUrlProblem(s) === undefined, 'expected an http(s) URL');

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

function schemas(plain: boolean) {
  const common = {
    id: slug,
    enabled: z.boolean().default(true),
    /** Who reads this channel: an internal message is never sent to a customer channel. */
    audience: z.enum(AUDIENCES).default('internal'),
    description: z.string().max(500).optional(),
  };
  const webhook = z.strictObject({
    ...common,
    kind: z.literal('webhook'),
    settings: z.strictObject({
      url: httpUrl,
      /** Every secret signs each delivery (rotation): the new one first, the old ones until receivers moved. */
      secrets: z.array(secret('webhook_secret', plain)).min(1).max(5),
    }),
  });
  const smtp = z
    .strictObject({
      host: hostname,
      /** Default: 465 with tls, 587 with starttls, 25 with none. */
      port: z.number().int().min(1).max(65535).optional(),
      /** tls: TLS from the first byte (port 465). starttls: plain, then upgraded, and refused if the server cannot. none: no TLS. */
      security: z.enum(SMTP_SECURITY).default('starttls'),
      auth: z
        .strictObject({ user: z.string().min(1).max(320).regex(NO_CONTROL, 'expected one line'), pass: secret('password', plain) })
        .optional(),
      /** Extra certificate authorities (PEM), for a server whose certificate a private CA issued. */
      ca: z.string().max(100_000).includes('-----BEGIN CERTIFICATE-----', { message: 'expected PEM certificates' }).optional(),
      /** The name this host gives in EHLO (default: the machine's host name). */
      clientName: hostname.optional(),
    })
    .superRefine((s, ctx) => {
      if (s.security === 'none' && s.auth !== undefined && !LOOPBACK.has(s.host)) {
        ctx.addIssue({
          code: 'custom',
          path: ['auth'],
          message: 'a password would cross the network in clear: use security starttls or tls (none is for a relay on this host)',
        });
      }
    });
  const email = z.strictObject({
    ...common,
    kind: z.literal('email'),
    settings: z.strictObject({
      from: mailbox,
      to: z.array(mailbox).min(1).max(50),
      cc: z.array(mailbox).max(50).optional(),
      replyTo: mailbox.optional(),
      /** Domain of Message-IDs and thread ids (default: the From address's domain). */
      messageIdDomain: hostname.optional(),
      smtp,
    }),
  });
  const slack = z.strictObject({ ...common, kind: z.literal('slack'), settings: z.strictObject({ url: secret('slack_url', plain) }) });
  const teams = z.strictObject({ ...common, kind: z.literal('teams'), settings: z.strictObject({ url: secret('teams_url', plain) }) });
  return z.discriminatedUnion('kind', [webhook, email, slack, teams]);
}

/** A channel as stored and as read from files: secrets as env: references or encrypted. */
export const channelSchema = schemas(false);
/** A channel as the API takes it: secrets may be plain, to be sealed before storing. */
export const channelInputSchema = schemas(true);

export type Channel = z.output<typeof channelSchema>;
export type ChannelInput = z.input<typeof channelSchema>;
export type WebhookChannel = Extract<Channel, { kind: 'webhook' }>;
export type EmailChannel = Extract<Channel, { kind: 'email' }>;
export type SlackChannel = Extract<Channel, { kind: 'slack' }>;
export type TeamsChannel = Extract<Channel, { kind: 'teams' }>;

const SECRET_PATH = /^(channels\[(\d+)\]\.)?settings\.(secrets\[\d+\]|smtp\.auth\.pass|url)$/;

/**
 * Issues never show a secret's value (`received`), even back to whoever sent it: issues are
 * logged and shown. A webhook's URL is not a secret and stays shown.
 */
function hideSecretValues(issues: Issue[], input: unknown): Issue[] {
  return issues.map((i) => {
    const m = SECRET_PATH.exec(i.path);
    if (!m || i.received === undefined || i.received === 'nothing') return i;
    const channel = m[2] !== undefined ? (input as { channels?: unknown[] } | null)?.channels?.[Number(m[2])] : input;
    const kind = (channel as { kind?: unknown } | null)?.kind;
    if (m[3] === 'url' && kind === 'webhook') return i;
    return { ...i, received: 'a value (not shown: it is a secret)' };
  });
}

export function parseChannel(input: unknown, opts: { plainSecrets?: boolean } = {}): Result<Channel> {
  const r = validate(opts.plainSecrets ? channelInputSchema : channelSchema, input) as Result<Channel>;
  return r.ok ? r : { ok: false, issues: hideSecretValues(r.issues, input) };
}

const fileSchema = z.strictObject({ channels: z.array(channelSchema).max(1000) });

/**
 * A file of channels (YAML or JSON): `channels: [ ... ]`. Issues carry line and column; two
 * channels with one id are refused at the second.
 */
export function channelsFromText(text: string, source?: string): Result<Channel[]> {
  const parsed = parseSourceText(text, source);
  if (!parsed.ok) return parsed;
  const v = validateSource(fileSchema, parsed.value);
  if (!v.ok) return { ok: false, issues: hideSecretValues(v.issues, parsed.value.value) };
  const seen = new Map<string, number>();
  const issues: Issue[] = [];
  v.value.channels.forEach((c, i) => {
    const first = seen.get(c.id);
    if (first !== undefined) {
      issues.push({
        path: `channels[${i}].id`,
        message: `another channel has this id (channels[${first}])`,
        received: describeValue(c.id),
        ...(source ? { source } : {}),
        ...(parsed.value.locate(['channels', i, 'id']) ?? {}),
      });
    } else seen.set(c.id, i);
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: v.value.channels as Channel[] };
}

/** One secret field of a channel: its path in the channel, its kind and its value. */
export interface SecretField {
  path: Array<string | number>;
  kind: SecretKind;
  value: string;
}

export function secretFields(c: Channel): SecretField[] {
  switch (c.kind) {
    case 'webhook':
      return c.settings.secrets.map((value, i) => ({ path: ['settings', 'secrets', i], kind: 'webhook_secret' as const, value }));
    case 'email':
      return c.settings.smtp.auth
        ? [{ path: ['settings', 'smtp', 'auth', 'pass'], kind: 'password', value: c.settings.smtp.auth.pass }]
        : [];
    case 'slack':
      return [{ path: ['settings', 'url'], kind: 'slack_url', value: c.settings.url }];
    case 'teams':
      return [{ path: ['settings', 'url'], kind: 'teams_url', value: c.settings.url }];
  }
}

/** A copy of the channel with each secret replaced by `fn(field)`. */
export function mapSecrets<C extends Channel>(c: C, fn: (field: SecretField) => string): C {
  const copy = structuredClone(c);
  for (const field of secretFields(c)) {
    let target = copy as unknown as Record<string | number, unknown>;
    for (const seg of field.path.slice(0, -1)) target = target[seg] as Record<string | number, unknown>;
    target[field.path[field.path.length - 1]!] = fn(field);
  }
  return copy;
}

function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

/** The channel as the API shows it: no secret, only where secrets come from. */
export function redactChannel<C extends Channel>(c: C): C {
  const out = mapSecrets(c, (f) => (secretForm(f.value) === 'env' ? f.value : REDACTED));
  if (out.kind === 'webhook') out.settings.url = withoutCredentials(out.settings.url);
  return out;
}
