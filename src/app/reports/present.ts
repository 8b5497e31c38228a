/**
 * Report schedules and their deliveries as the API shows them (docs/api.md "Report schedules"),
 * shared by the HTTP routes and `pledge report-schedules`, so the CLI's `--json` on a database
 * prints what the server answers. Pure: instants become ISO 8601 in UTC.
 */
import type { ReportScheduleSpec } from '../../core/reports/schedule.ts';
import type { StoredReportDelivery } from '../../store/types.ts';
import type { ScheduleView } from './schedules.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

export function presentSchedule(v: ScheduleView) {
  const s = v.schedule;
  return {
    id: s.id,
    spec: s.spec,
    next: v.next ? { at: iso(v.next.at), period: v.next.period } : null,
    pending: v.pending.map((p) => ({ at: iso(p.at), period: p.period })),
    etag: s.etag,
    createdAt: iso(s.createdAt),
    createdBy: s.createdBy,
    updatedAt: iso(s.updatedAt),
    updatedBy: s.updatedBy,
  };
}

export type ScheduleShown = ReturnType<typeof presentSchedule> & { spec: ReportScheduleSpec };

export function presentDelivery(d: StoredReportDelivery) {
  return {
    schedule: d.scheduleId,
    period: d.period,
    recipient: d.recipient,
    status: d.notification?.state ?? ('unknown' as const),
    notification: d.notification?.id ?? null,
    channel: d.notification?.channelId ?? null,
    attempts: d.notification?.attempts ?? 0,
    lastError: d.notification?.lastError ?? null,
    deliveredAt: d.notification?.deliveredAt !== undefined ? iso(d.notification.deliveredAt) : null,
    reports: d.reports,
    note: d.note ?? null,
    createdAt: iso(d.createdAt),
  };
}

export type DeliveryShown = ReturnType<typeof presentDelivery>;
