/**
 * Sending one alert e-mail over SMTP with nodemailer, one connection per attempt (an outbox
 * worker sends few e-mails per channel, and a fresh connection never carries a broken state from
 * the previous attempt).
 *
 * SMTP settings (core/delivery/channel.ts): `host`, `port` (default 465 with `tls`, 587 with
 * `starttls`, 25 with `none`), `security`:
 * - `tls`: TLS from the first byte (SMTPS, port 465).
 * - `starttls` (default): plain connection upgraded with STARTTLS, which is required: a server that
 *   does not offer it fails the delivery (`tls`) instead of receiving the message in clear.
 * - `none`: no TLS at all, even if offered (a relay on this host); a password is refused with it
 *   unless the host is a loopback address.
 * `auth` { user, pass } logs in (PLAIN or LOGIN, whichever the server offers); `ca` adds trusted
 * certificate authorities (PEM) for a server with a private certificate; certificates are always
 * verified. The timeout bounds connecting, the greeting and each later exchange.
 *
 * Outcome: accepted by the server (for at least one recipient): delivered, with recipients the
 * server refused listed in the log. Otherwise classifySmtpProblem (retry.ts) decides.
 */
import { createTransport } from 'nodemailer';
import type { DeliveryMessage } from '../core/delivery/message.ts';
import { trimForLog, type AttemptLog, type DeliveryOutcome } from '../core/delivery/outcome.ts';
import { addressDomain, emailContent } from '../core/delivery/email-content.ts';
import { classifySmtpProblem, type AttemptContext } from '../core/delivery/retry.ts';
import type { EmailChannel } from '../core/delivery/channel.ts';

export const DEFAULT_SMTP_PORT = { tls: 465, starttls: 587, none: 25 } as const;

export interface EmailSendOptions extends AttemptContext {
  timeoutMs: number;
}

/** OpenSSL's and Node's codes for a certificate that cannot be trusted. */
const CERTIFICATE_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH/;

/** The domain in Message-IDs: the configured one, or the From address's. */
export function messageIdDomain(channel: EmailChannel): string {
  return channel.settings.messageIdDomain ?? addressDomain(channel.settings.from) ?? 'pledge.invalid';
}

/** `channel` with its secrets resolved (secrets.ts). */
export async function sendEmail(channel: EmailChannel, message: DeliveryMessage, opts: EmailSendOptions): Promise<DeliveryOutcome> {
  const { smtp } = channel.settings;
  const content = emailContent(message, messageIdDomain(channel));
  const log: AttemptLog = { channel: channel.id, kind: 'email', attempt: opts.attempt, at: opts.now, deliveryId: content.messageId };
  const transport = createTransport({
    host: smtp.host,
    port: smtp.port ?? DEFAULT_SMTP_PORT[smtp.security],
    secure: smtp.security === 'tls',
    requireTLS: smtp.security === 'starttls',
    ignoreTLS: smtp.security === 'none',
    ...(smtp.auth ? { auth: { user: smtp.auth.user, pass: smtp.auth.pass } } : {}),
    ...(smtp.clientName ? { name: smtp.clientName } : {}),
    tls: { minVersion: 'TLSv1.2', rejectUnauthorized: true, ...(smtp.ca ? { ca: smtp.ca } : {}) },
    connectionTimeout: opts.timeoutMs,
    greetingTimeout: opts.timeoutMs,
    socketTimeout: opts.timeoutMs,
    dnsTimeout: opts.timeoutMs,
    // Nothing in a message may make the sender read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  try {
    const info = await transport.sendMail({
      from: channel.settings.from,
      to: channel.settings.to,
      ...(channel.settings.cc?.length ? { cc: channel.settings.cc } : {}),
      ...(channel.settings.replyTo ? { replyTo: channel.settings.replyTo } : {}),
      subject: content.subject,
      text: content.text,
      html: content.html,
      messageId: content.messageId,
      date: content.date,
      ...(content.inReplyTo ? { inReplyTo: content.inReplyTo } : {}),
      ...(content.references ? { references: content.references } : {}),
      priority: content.priority,
      headers: content.headers,
      ...(message.attachments?.length
        ? { attachments: message.attachments.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })) }
        : {}),
    });
    const response = typeof info.response === 'string' ? info.response : '';
    const code = Number(/^\d{3}/.exec(response)?.[0]);
    const rejected = ((info.rejected ?? []) as Array<string | { address: string }>).map((r) => (typeof r === 'string' ? r : r.address));
    const body = `${response}${rejected.length ? ` (refused recipients: ${rejected.join(', ')})` : ''}`;
    return {
      kind: 'delivered',
      log: { ...log, ...(Number.isFinite(code) ? { status: code } : {}), ...(body ? { body: trimForLog(body) } : {}) },
    };
  } catch (e) {
    const err = e as {
      code?: string;
      originalCode?: string;
      responseCode?: number;
      response?: string;
      message?: string;
      cause?: { code?: string };
    };
    const message = err.response ?? err.message ?? String(e);
    const certCode = [err.originalCode, err.cause?.code].find((c) => typeof c === 'string' && CERTIFICATE_CODES.test(c));
    const certificate = certCode !== undefined || /certificate/i.test(err.message ?? '');
    const failedLog: AttemptLog = {
      ...log,
      ...(typeof err.responseCode === 'number' ? { status: err.responseCode } : {}),
      error: trimForLog(`${err.code ?? 'Error'}${certCode ? ` (${certCode})` : ''}: ${err.message ?? String(e)}`),
    };
    return classifySmtpProblem(
      {
        message,
        ...(err.code ? { code: err.code } : {}),
        ...(typeof err.responseCode === 'number' ? { responseCode: err.responseCode } : {}),
        certificate,
      },
      opts,
      failedLog,
    );
  } finally {
    transport.close();
  }
}
