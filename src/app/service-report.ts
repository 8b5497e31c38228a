/**
 * Service reports: the monthly (or quarterly, yearly) service review of one agreement, frozen.
 *
 * A report is made from the stored results brought up to date (as every read is), and stored as a
 * revision: its content as canonical JSON (the same figures always give the same bytes), their
 * SHA-256, and the last event sequence number the results had seen. Producing it again stores
 * nothing when nothing changed, and a new revision when a figure did (a late event): a revision
 * is never changed, so a report sent to a customer can always be shown again exactly as sent.
 *
 * What it holds: each target against its promise in the period's window, with the misses behind a
 * shortfall (the breached tickets, the outages counted), the trend against the previous period,
 * maintenance announced for the period, and what the settlement owes (credits or fines) with due
 * dates. The HTML and PDF (report-html.ts, pdf.ts) and CSV renderings are made from this content
 * alone.
 */
import { type Money, type Why, why } from '../core/i18n/settlement.ts';
import { canonicalJson } from '../core/json.ts';
import type { TargetEvaluation } from '../core/metrics/compliance.ts';
import { parseWindow, resolveWindow, windowContaining } from '../core/metrics/window.ts';
import { fail, ok, type Result } from '../core/validation/issues.ts';
import { sha256Hex } from '../store/internal.ts';
import type { ServiceReportRevision, Store, TenantId } from '../store/types.ts';
import { agreementReport, type Report, type ReportLine } from './results.ts';

/** Misses listed per target at most (the count says how many more). */
const MISSES_SHOWN = 50;

export interface ServiceReportLine extends ReportLine {
  /** What is behind the figure when it falls short: breached tickets (time targets) or outages counted (availability). */
  misses: { kind: 'tickets' | 'outages'; ids: string[]; total: number } | null;
  previous: { window: string; state: string; value: number | null } | null;
  /** Against the previous period, in the direction the promise counts as better; null without both figures. */
  trend: 'better' | 'worse' | 'same' | null;
  /** `owed` as amounts in minor units, to write in the page's language (absent in revisions made before it). */
  owedAmounts?: Money[] | null;
}

export interface ServiceReport {
  kind: 'pledge.service-report';
  version: 1;
  agreement: {
    id: string;
    name: string;
    customer: { id: string; name: string | null } | null;
    provider: { id: string; name: string | null } | null;
    services: string[];
  };
  period: Report['period'];
  previousPeriod: string | null;
  lines: ServiceReportLine[];
  maintenance: Array<{ id: string; service: string | null; start: string; end: string; announcedAt: string }>;
  totals: Report['totals'];
  summary: string;
  /** `summary` as clauses to say in the page's language (src/core/i18n/settlement.ts); absent in revisions made before it. */
  summaryWhy?: Why[];
  due: Array<{ target: string; amount: string; date: string; money?: Money }>;
  notes: string[];
  /** `notes` as clauses, one per note; absent in revisions made before it. */
  notesWhy?: Why[];
}

interface Doc {
  name?: unknown;
  services?: unknown;
  parties?: { customer?: { id?: unknown; name?: unknown }; provider?: { id?: unknown; name?: unknown } };
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function trendOf(line: ReportLine, previous: ReportLine | undefined): ServiceReportLine['trend'] {
  if (!previous || line.value === null || previous.value === null) return null;
  if (line.value === previous.value) return 'same';
  const higherIsBetter = line.promised.startsWith('>');
  return line.value > previous.value === higherIsBetter ? 'better' : 'worse';
}

/** The report's content as of now (not stored): the agreement's report for the period, with misses, trend and maintenance. */
export async function serviceReportContent(
  ctx: { store: Store; tenant: TenantId; now: number; visible?: ReadonlySet<string> },
  input: { agreement: string; period: string },
): Promise<Result<ServiceReport> | { ok: false; notFound: string }> {
  const { store, tenant } = ctx;
  const r = await agreementReport(ctx, input);
  if (!r.ok) return r;
  const report = r.value;
  const w = parseWindow(input.period, 'period');
  if (!w.ok) return w;
  let previous: Report | null = null;
  const kind = w.value.kind;
  if (kind === 'month' || kind === 'quarter' || kind === 'year') {
    const before = windowContaining(kind, Date.parse(report.period.from) - 1, report.period.zone);
    if (before.ok) {
      const p = resolveWindow(before.value, report.period.zone);
      if (p.ok) {
        const pr = await agreementReport(ctx, { agreement: input.agreement, period: p.value.label });
        if (pr.ok) previous = pr.value;
      }
    }
  }
  const stored = await store.getAgreement<Doc>(tenant, input.agreement);
  const doc = stored?.document ?? {};
  const lines: ServiceReportLine[] = [];
  for (const l of report.lines) {
    let misses: ServiceReportLine['misses'] = null;
    if (l.state === 'breached' || l.state === 'at_risk') {
      const c = (await store.getCompliance<TargetEvaluation>(tenant, { agreementId: input.agreement, target: l.target, window: l.window }))
        ?.value;
      if (c) {
        const ids = c.metric === 'availability' ? c.contributors : (c.measurement.breached ?? []);
        if (ids.length > 0)
          misses = { kind: c.metric === 'availability' ? 'outages' : 'tickets', ids: ids.slice(0, MISSES_SHOWN), total: ids.length };
      }
    }
    const prev = previous?.lines.find((p) => p.target === l.target);
    const owedLines = report.settlement?.lines.filter((x) => x.targetId === l.target) ?? [];
    const owing = owedLines.filter((x) => x.amountMinor > 0);
    const shown = owing.length > 0 ? owing : owedLines.slice(0, 1);
    lines.push({
      ...l,
      owedAmounts: l.owed === null ? null : shown.map((x) => ({ minor: x.amountMinor, currency: x.currency })),
      misses,
      previous: prev ? { window: prev.window, state: prev.state, value: prev.value } : null,
      trend: trendOf(l, prev),
    });
  }
  const services = Array.isArray(doc.services) ? doc.services.filter((s): s is string => typeof s === 'string') : [];
  const maintenance = await maintenanceIn(store, tenant, services, Date.parse(report.period.from), Date.parse(report.period.to));
  const settlement = report.settlement;
  const due: ServiceReport['due'] = [];
  for (const line of settlement?.lines ?? [])
    if (line.amountMinor > 0 && line.due)
      due.push({
        target: line.targetId,
        amount: line.amount,
        date: line.due.date,
        money: { minor: line.amountMinor, currency: line.currency },
      });
  const customer = doc.parties?.customer;
  const provider = doc.parties?.provider;
  return ok({
    kind: 'pledge.service-report',
    version: 1,
    agreement: {
      id: report.agreement,
      name: report.name,
      customer: str(customer?.id) ? { id: str(customer?.id)!, name: str(customer?.name) } : null,
      provider: str(provider?.id) ? { id: str(provider?.id)!, name: str(provider?.name) } : null,
      services,
    },
    period: report.period,
    previousPeriod: previous?.period.label ?? null,
    lines,
    maintenance,
    totals: report.totals,
    summary: report.summary,
    summaryWhy: settlement
      ? (settlement.summaryWhy ?? [])
      : [why('summary.no_penalties', { breached: lines.filter((l) => l.state === 'breached').length, targets: lines.length })],
    due,
    notes: settlement?.notes ?? [],
    notesWhy: settlement?.notesWhy ?? [],
  });
}

async function maintenanceIn(
  store: Store,
  tenant: TenantId,
  services: readonly string[],
  from: number,
  to: number,
): Promise<ServiceReport['maintenance']> {
  const found = new Map<string, ServiceReport['maintenance'][number]>();
  const cancelled = new Set<string>();
  for (const service of services.length > 0 ? services : [undefined]) {
    let after: string | undefined;
    do {
      const page = await store.queryEvents(tenant, {
        typePrefix: 'maintenance.',
        to,
        ...(service ? { service } : {}),
        limit: 1000,
        ...(after ? { after } : {}),
      });
      for (const e of page.items) {
        const p = e.payload as {
          type?: string;
          maintenance?: string;
          start?: string;
          end?: string;
          announcedAt?: string;
          service?: string;
          at?: string;
        };
        if (!p.maintenance) continue;
        if (p.type === 'maintenance.cancelled') cancelled.add(p.maintenance);
        else if (p.type === 'maintenance.scheduled' && p.start && p.end && Date.parse(p.start) < to && Date.parse(p.end) > from)
          found.set(p.maintenance, {
            id: p.maintenance,
            service: p.service ?? null,
            start: new Date(Date.parse(p.start)).toISOString(),
            end: new Date(Date.parse(p.end)).toISOString(),
            announcedAt: new Date(Date.parse(p.announcedAt ?? p.at ?? p.start)).toISOString(),
          });
      }
      after = page.next;
    } while (after);
  }
  return [...found.values()]
    .filter((m) => !cancelled.has(m.id))
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.id < b.id ? -1 : 1));
}

export type Produced = { status: 'created' | 'same'; revision: ServiceReportRevision };

/**
 * Makes the report and stores it as a revision (a new one only when its content changed), as of
 * the results brought up to date now. Returns the revision, new or the same as before.
 */
export async function produceServiceReport(
  ctx: { store: Store; tenant: TenantId; now: number; actor: string; visible?: ReadonlySet<string> },
  input: { agreement: string; period: string },
): Promise<Result<Produced> | { ok: false; notFound: string }> {
  const { store, tenant, now, actor } = ctx;
  const c = await serviceReportContent(ctx, input);
  if (!c.ok) return c;
  const content = canonicalJson(c.value);
  const sha256 = sha256Hex(content);
  // The results read were brought up to date by the report: the watermark is the last event they saw.
  const eventSeq = (await store.getDerivedState(tenant)).watermark;
  const r = await store.appendServiceReport(
    tenant,
    { agreementId: input.agreement, period: c.value.period.label, eventSeq, sha256, content, createdAt: now, createdBy: actor },
    { at: now, actor, action: 'report.produce', subject: `agreement:${input.agreement}`, after: { period: c.value.period.label, sha256 } },
  );
  return ok({ status: r.status, revision: r.value });
}

/** A period label as a report names it (the canonical label of the month, quarter or year). */
export function reportPeriodLabel(text: string): Result<string> {
  const w = parseWindow(text, 'period');
  if (!w.ok) return w;
  if (w.value.kind !== 'month' && w.value.kind !== 'quarter' && w.value.kind !== 'year')
    return fail({
      path: 'period',
      message: 'a billing period is a month, quarter or year',
      expected: 'e.g. 2026-10, 2026-Q4 or 2026',
      received: JSON.stringify(text),
    });
  const r = resolveWindow(w.value, 'UTC');
  return r.ok ? ok(r.value.label) : r;
}

/** The report as CSV: one line per target, with its previous figure, trend and misses. */
export function serviceReportCsv(r: ServiceReport): string {
  const esc = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const header = [
    'agreement',
    'period',
    'target',
    'name',
    'metric',
    'window',
    'state',
    'value',
    'promised',
    'previous',
    'trend',
    'owed',
    'due',
    'misses',
    'reason',
  ];
  const rows = r.lines.map((l) =>
    [
      r.agreement.id,
      r.period.label,
      l.target,
      l.name,
      l.metric,
      l.window,
      l.state,
      l.value,
      l.promised,
      l.previous?.value ?? null,
      l.trend,
      l.owed,
      l.due,
      l.misses
        ? `${l.misses.total} ${l.misses.kind}: ${l.misses.ids.join(' ')}${l.misses.total > l.misses.ids.length ? ' ...' : ''}`
        : null,
      l.reason,
    ]
      .map(esc)
      .join(','),
  );
  return `${[header.join(','), ...rows].join('\n')}\n`;
}
