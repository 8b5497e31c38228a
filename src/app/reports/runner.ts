/**
 * The report runner: runs report schedules at their instants. Started by `pledge serve` and
 * `pledge worker` beside the alert scheduler and the delivery loop, on an injectable clock.
 *
 * One occurrence, exactly once per (schedule, period, recipient), with several processes and crashes:
 * 1. Claim: the schedule's timer (`report:<id>`, or `report:<id>@<period>` for a run asked for by
 *    hand) is claimed with store.claimTimers, keys `report:` only: the same lease and fencing
 *    revision as the alert scheduler's timers (FOR UPDATE SKIP LOCKED on PostgreSQL). Two runners
 *    never hold one occurrence at once; a runner that dies leaves its claim to run out, and
 *    another takes the occurrence over.
 * 2. Skip who has it: recipients with a delivery recorded for (schedule, period) are done.
 * 3. Produce (idempotent): each agreement's report for the period is produced as a revision
 *    (produceServiceReport: the same figures are the same revision), and its files rendered and
 *    stored once per revision and variant (putServiceReportFile keeps the first bytes), so a
 *    runner taking over produces the same revision and attaches the same bytes. Without
 *    Chromium, the PDF is replaced by the HTML rendering, and the e-mail and the log say so.
 * 4. Enqueue and record: per recipient, one outbox row (idempotency key derived from schedule,
 *    period and recipient, so also its Message-ID) and one delivery, in one transaction
 *    (store.recordReportDeliveries); recorded before is left alone. Nothing is sent here: the
 *    delivery loop sends the outbox row, claimed, exactly once as far as the SMTP server can tell
 *    (a resend after a crash mid-send carries the same Message-ID).
 * 5. Complete the timer (only the claim's holder can): the next occurrence, or deleted for a run by
 *    hand. A runner that died after 4 leaves the timer to be claimed again: step 2 finds every
 *    recipient recorded and only 5 is done.
 * A runner down for a while catches up: the timer's next instant is counted from the one it
 * fired, so each missed period is sent, oldest first.
 */
import { createHash } from 'node:crypto';
import type { ReportPayload } from '../../core/delivery/outbox.ts';
import { nextOccurrence, parseReportScheduleSpec, type ReportScheduleSpec } from '../../core/reports/schedule.ts';
import { formatIssue } from '../../core/validation/issues.ts';
import {
  REPORT_TIMER_PREFIX,
  type ClaimedTimer,
  type NewReportDelivery,
  type ReportAttachmentRef,
  type Store,
  type TenantId,
} from '../../store/types.ts';
import { systemClock, timerLoop, type LoopClock } from '../timer-loop.ts';
import { htmlToPdf, PDF_INSTALL_HINT, PdfUnavailableError } from '../pdf.ts';
import { renderServiceReportHtml, type ReportLanguage } from '../report-html.ts';
import { produceServiceReport, serviceReportCsv, type ServiceReport } from '../service-report.ts';
import { reportMail } from './mail.ts';
import { isReportTimerPayload, scheduleTimerKey, scheduleZone, type ReportTimerPayload } from './schedules.ts';

export interface RunnerLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
}

export interface ReportRunnerOptions {
  store: Store;
  clock?: LoopClock;
  logger?: RunnerLogger;
  /** Names this runner in claims. */
  worker?: string;
  /** How long a claim lasts (rendering PDFs takes seconds: keep it well above). Default 60 s. */
  leaseMs?: number;
  /** Longest sleep between looks for due timers. Default 5 s. */
  pollMs?: number;
  /** HTML to PDF; Chromium (app/pdf.ts) by default. Throws PdfUnavailableError when it cannot. */
  pdf?: (html: string) => Promise<Buffer>;
}

export interface RunReport {
  /** Occurrences completed. */
  ran: number;
  /** Deliveries recorded (e-mails enqueued). */
  enqueued: number;
  /** Occurrences whose PDF was replaced by HTML. */
  withoutPdf: number;
}

export interface ReportRunner {
  tick(): Promise<RunReport>;
  notify(): void;
  stop(): Promise<void>;
}

const wakers = new Set<() => void>();
/** Wakes the runners of this process (a run asked for by hand); other processes find it at their poll. */
export function wakeReportRunners(): void {
  for (const w of wakers) w();
}

/** The outbox key of one recipient's e-mail: schedule, period and address (case-insensitive), nothing else. */
export function reportNotificationKey(schedule: string, period: string, recipient: string): string {
  const h = createHash('sha256').update(`${schedule}\u0000${period}\u0000${recipient.toLowerCase()}`).digest('base64url').slice(0, 32);
  return `rpt_${h}`;
}

const VARIANT_MEDIA: Record<'pdf' | 'html' | 'csv', string> = {
  pdf: 'application/pdf',
  html: 'text/html; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

export function startReportRunner(opts: ReportRunnerOptions): ReportRunner {
  return createReportRunner(opts, true);
}

export function createReportRunner(opts: ReportRunnerOptions, loop = false): ReportRunner {
  const { store } = opts;
  const clock = opts.clock ?? systemClock;
  const worker = opts.worker ?? `reports-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const leaseMs = opts.leaseMs ?? 60_000;
  const pollMs = opts.pollMs ?? 5_000;
  const pdf = opts.pdf ?? ((html: string) => htmlToPdf(html));

  /** The stored files of one report for the schedule's formats; `pdfMissing` when the PDF became HTML. */
  async function filesOf(
    tenant: TenantId,
    report: ServiceReport,
    rev: { agreementId: string; period: string; revision: number; eventSeq: number; sha256: string; createdAt: number; createdBy: string },
    spec: ReportScheduleSpec,
    now: number,
  ): Promise<{ refs: Array<ReportAttachmentRef & { filename: string }>; pdfMissing: boolean }> {
    const lang = spec.language as ReportLanguage;
    const base = `${rev.agreementId}-${rev.period}-r${rev.revision}`;
    let html: string | undefined;
    const htmlOf = () => (html ??= renderServiceReportHtml(report, rev, lang));
    const refs: Array<ReportAttachmentRef & { filename: string }> = [];
    let pdfMissing = false;
    const put = async (variant: string, kind: 'pdf' | 'html' | 'csv', bytes: () => Promise<Buffer>, filename: string) => {
      const key = { agreementId: rev.agreementId, period: rev.period, revision: rev.revision, variant };
      if (!(await store.getServiceReportFile(tenant, key)))
        await store.putServiceReportFile(tenant, key, { mediaType: VARIANT_MEDIA[kind], bytes: await bytes(), createdAt: now });
      refs.push({
        agreement: rev.agreementId,
        period: rev.period,
        revision: rev.revision,
        variant,
        mediaType: VARIANT_MEDIA[kind],
        filename,
      });
    };
    const formats = new Set(spec.formats);
    if (formats.has('pdf')) {
      try {
        await put(`pdf:${lang}`, 'pdf', () => pdf(htmlOf()), `${base}-${lang}.pdf`);
      } catch (e) {
        if (!(e instanceof PdfUnavailableError)) throw e;
        pdfMissing = true;
        formats.add('html');
      }
    }
    if (formats.has('html')) await put(`html:${lang}`, 'html', async () => Buffer.from(htmlOf(), 'utf8'), `${base}-${lang}.html`);
    if (formats.has('csv')) await put('csv', 'csv', async () => Buffer.from(serviceReportCsv(report), 'utf8'), `${base}.csv`);
    return { refs, pdfMissing };
  }

  async function agreementsOf(tenant: TenantId, spec: ReportScheduleSpec): Promise<string[]> {
    if (spec.agreement !== undefined) return [spec.agreement];
    const ids: string[] = [];
    let after: string | undefined;
    do {
      const page = await store.listAgreements(tenant, { customer: spec.customer!, limit: 1000, ...(after ? { after } : {}) });
      ids.push(...page.items.map((a) => a.id));
      after = page.next;
    } while (after);
    return ids;
  }

  /** Steps 2 to 4 for one (schedule, period). */
  async function deliverPeriod(tenant: TenantId, id: string, spec: ReportScheduleSpec, period: string, report: RunReport): Promise<void> {
    const done = new Set<string>();
    let after: string | undefined;
    do {
      const page = await store.listReportDeliveries(tenant, { scheduleId: id, period, limit: 1000, ...(after ? { after } : {}) });
      for (const d of page.items) done.add(d.recipient.toLowerCase());
      after = page.next;
    } while (after);
    const todo = spec.recipients.filter((r) => !done.has(r.toLowerCase()));
    if (todo.length === 0) return;
    const now = clock.now();
    const attachments: Array<ReportAttachmentRef & { filename: string }> = [];
    const agreements: Array<{ id: string; name: string; revision: number }> = [];
    let pdfMissing = false;
    for (const agreement of await agreementsOf(tenant, spec)) {
      const r = await produceServiceReport({ store, tenant, now, actor: `report-schedule:${id}` }, { agreement, period });
      if (!r.ok) {
        opts.logger?.warn(
          { tenant, schedule: id, period, agreement, reason: 'notFound' in r ? r.notFound : r.issues.map(formatIssue).join('; ') },
          'report schedule: no report for this agreement; it is left out of the e-mail',
        );
        continue;
      }
      const { content, ...rev } = r.value.revision;
      const content_ = JSON.parse(content) as ServiceReport;
      const files = await filesOf(tenant, content_, rev, spec, now);
      pdfMissing ||= files.pdfMissing;
      attachments.push(...files.refs);
      agreements.push({ id: agreement, name: content_.agreement.name, revision: rev.revision });
    }
    if (agreements.length === 0) {
      opts.logger?.error({ tenant, schedule: id, period }, 'report schedule: no agreement had a report for the period; nothing was sent');
      return;
    }
    if (pdfMissing) {
      report.withoutPdf++;
      opts.logger?.warn(
        { tenant, schedule: id, period, hint: PDF_INSTALL_HINT },
        'report schedule: no Chromium, the report is sent as HTML',
      );
    }
    const mail = reportMail(spec.language as ReportLanguage, { schedule: id, period, agreements, pdfMissing });
    const deliveries: NewReportDelivery[] = todo.map((recipient) => {
      const key = reportNotificationKey(id, period, recipient);
      const payload: ReportPayload = {
        v: 1,
        kind: 'report',
        channel: spec.channel,
        to: [recipient],
        schedule: id,
        period,
        language: spec.language,
        subject: mail.subject,
        text: mail.text,
        attachments,
        createdAt: now,
      };
      return {
        scheduleId: id,
        period,
        recipient,
        notification: { idempotencyKey: key, channelId: spec.channel, recipient, payload, notBefore: now },
        reports: attachments.map(({ filename: _f, ...ref }) => ref),
        ...(pdfMissing ? { note: 'no Chromium: the PDF was replaced by the HTML rendering' } : {}),
        createdAt: now,
      };
    });
    report.enqueued += await store.recordReportDeliveries(tenant, deliveries);
  }

  async function runTimer(t: ClaimedTimer<ReportTimerPayload>, report: RunReport): Promise<void> {
    const lease = { worker, revision: t.revision };
    const s = await store.getReportSchedule<unknown>(t.tenant, t.payload.schedule);
    const spec = s ? parseReportScheduleSpec(s.spec) : null;
    if (!s || !spec?.ok) {
      // Deleted since (its timers go with it), or a spec this version cannot read: nothing to run.
      if (spec && !spec.ok)
        opts.logger?.error({ tenant: t.tenant, schedule: t.payload.schedule }, 'report schedule: its spec cannot be read');
      await store.completeTimer(t.tenant, t.key, lease);
      return;
    }
    const recurring = t.key === scheduleTimerKey(s.id);
    if (!recurring || spec.value.enabled) await deliverPeriod(t.tenant, s.id, spec.value, t.payload.period, report);
    let next: { fireAt: number; payload: ReportTimerPayload } | undefined;
    if (recurring && spec.value.enabled) {
      const o = nextOccurrence(spec.value, await scheduleZone(store, t.tenant, spec.value), t.fireAt);
      next = { fireAt: o.at, payload: { schedule: s.id, period: o.period } };
    }
    if ((await store.completeTimer(t.tenant, t.key, lease, next)) === 'completed') report.ran++;
  }

  async function runRound(claimed: ClaimedTimer<unknown>[], report: RunReport): Promise<void> {
    for (const t of claimed) {
      try {
        if (!isReportTimerPayload(t.payload)) {
          await store.completeTimer(t.tenant, t.key, { worker, revision: t.revision });
          continue;
        }
        await runTimer(t as ClaimedTimer<ReportTimerPayload>, report);
      } catch (e) {
        opts.logger?.error(
          { err: e, tenant: t.tenant, timer: t.key },
          'report schedule: running failed; its claim runs out and it is tried again',
        );
      }
    }
  }

  // The shared timer loop (app/timer-loop.ts), on report timers only: it sleeps until the earliest
  // report timer of any tenant (one store query), never paging through every tenant's timers.
  const timers = timerLoop<RunReport>({
    store,
    clock,
    name: 'report runner',
    worker,
    kind: { keyPrefix: REPORT_TIMER_PREFIX },
    leaseMs,
    batch: 20,
    maxRounds: 100,
    pollMs,
    loop,
    ...(opts.logger ? { logger: opts.logger } : {}),
    report: () => ({ ran: 0, enqueued: 0, withoutPdf: 0 }),
    run: runRound,
    busy: (r) => r.ran > 0,
  });
  const notify = timers.notify;

  if (loop) wakers.add(notify);

  return {
    tick: timers.tick,
    notify,
    async stop() {
      wakers.delete(notify);
      await timers.stop();
    },
  };
}
