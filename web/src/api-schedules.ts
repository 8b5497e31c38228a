/**
 * Scheduled report e-mails over the API (docs/api.md "Report schedules"): the schedules
 * (GET/PUT/DELETE /v1/report-schedules/{id}), a period sent now (POST .../runs), the deliveries
 * (GET /v1/report-deliveries) and the e-mail channels a schedule can send through (GET
 * /v1/channels). Shapes follow src/app/reports/present.ts. Replacing and deleting send the
 * schedule's ETag (If-Match): a schedule someone else changed since the page read it is refused
 * (412), never overwritten.
 */
import { api, enc, request } from './api';

export const SCHEDULE_PERIODS = ['month', 'quarter', 'year'] as const;
export type SchedulePeriod = (typeof SCHEDULE_PERIODS)[number];
export const REPORT_FORMATS = ['pdf', 'html', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ScheduleSpec {
  agreement?: string;
  customer?: string;
  every: SchedulePeriod;
  day: number;
  time: string;
  zone?: string;
  channel: string;
  recipients: string[];
  language: 'en' | 'ar';
  formats: ReportFormat[];
  enabled: boolean;
}

export interface ReportSchedule {
  id: string;
  spec: ScheduleSpec;
  /** When it runs next and the period it sends; null when disabled. */
  next: { at: string; period: string } | null;
  /** Periods asked for by hand, not sent yet. */
  pending: Array<{ at: string; period: string }>;
  etag: string;
  updatedAt: string;
  updatedBy: string;
}

export type DeliveryStatus = 'pending' | 'claimed' | 'delivered' | 'failed' | 'dead' | 'unknown';

export interface ReportDelivery {
  schedule: string;
  period: string;
  recipient: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  deliveredAt: string | null;
  note: string | null;
  createdAt: string;
}

export interface ChannelSummary {
  id: string;
  kind: string;
  enabled: boolean;
  description?: string;
}

const base = '/v1/report-schedules';

export const scheduleApi = {
  list: (signal?: AbortSignal) => api.get<{ items: ReportSchedule[] }>(base, signal),
  /** The latest deliveries that attach this agreement's report, newest first. */
  deliveries: (agreement: string, signal?: AbortSignal) =>
    api.get<{ items: ReportDelivery[] }>(`/v1/report-deliveries?agreement=${enc(agreement)}&limit=200`, signal),
  /** The tenant's e-mail channels (a report is sent by e-mail). */
  emailChannels: async (signal?: AbortSignal) =>
    (await api.get<{ items: ChannelSummary[] }>('/v1/channels', signal)).items.filter((c) => c.kind === 'email'),
  /** Creates (etag undefined) or replaces (the ETag read) a schedule. */
  put: (id: string, spec: Record<string, unknown>, etag?: string) =>
    request<{ result: 'created' | 'updated'; schedule: ReportSchedule }>(
      'PUT',
      `${base}/${enc(id)}`,
      spec,
      etag ? { headers: { 'If-Match': etag } } : {},
    ),
  remove: (id: string, etag: string) =>
    request<{ result: 'deleted'; id: string }>('DELETE', `${base}/${enc(id)}`, undefined, { headers: { 'If-Match': etag } }),
  run: (id: string, period: string) => api.post<{ schedule: string; period: string; at: string }>(`${base}/${enc(id)}/runs`, { period }),
};

/** The periods a schedule of this kind can send, newest first: the last 12 months, 8 quarters or 3 years before now. */
export function recentPeriods(every: SchedulePeriod, now = new Date()): string[] {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth(); // 0-11
  const out: string[] = [];
  if (every === 'month')
    for (let k = 1; k <= 12; k++) {
      const d = new Date(Date.UTC(y, m - k, 1));
      out.push(`${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`);
    }
  else if (every === 'quarter') {
    let q = Math.floor(m / 3); // the current quarter, 0-3
    let qy = y;
    for (let k = 1; k <= 8; k++) {
      q -= 1;
      if (q < 0) {
        q = 3;
        qy -= 1;
      }
      out.push(`${qy}-Q${q + 1}`);
    }
  } else for (let k = 1; k <= 3; k++) out.push(String(y - k));
  return out;
}
