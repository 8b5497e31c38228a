/**
 * Alerts for HTTP tests, made the way the evaluation makes them: a core record (src/core/alerts)
 * turned into the store's change by the same mapping the shell uses (src/app/alerts/records.ts),
 * written with store.applyAlertChanges.
 */
import { alertId, dedupeKey, recipientKey, subjectKey } from '../../src/core/alerts/keys.ts';
import type { Alert, AlertSubject, Recipient } from '../../src/core/alerts/types.ts';
import { alertOpenOf } from '../../src/app/alerts/records.ts';
import type { Store } from '../../src/store/types.ts';

export const OPS: Recipient = { audience: 'internal', who: 'Shift lead', medium: 'email', destination: 'ops-mail' };
export const ACME_DESK: Recipient = { audience: 'customer', who: 'Acme desk', medium: null, destination: 'acme-teams' };

export function coreAlert(o: {
  agreement: string;
  target?: string;
  ticket?: string;
  level?: string;
  audience?: 'internal' | 'customer';
  severity?: 'info' | 'warning' | 'critical';
  kind?: Alert['kind'];
  at: number;
  notified?: boolean;
}): Alert {
  const subject: AlertSubject = {
    kind: 'clock',
    agreement: o.agreement,
    target: o.target ?? 'response',
    source: 'desk',
    ticket: o.ticket ?? 'T-1',
    cycle: 1,
  };
  const level = o.level ?? 'consumed-75';
  const key = dedupeKey(subject, level);
  const audience = o.audience ?? 'internal';
  const recipients = [audience === 'internal' ? OPS : ACME_DESK];
  return {
    id: alertId(key, 1),
    dedupeKey: key,
    occurrence: 1,
    subject,
    subjectKey: subjectKey(subject),
    level,
    kind: o.kind ?? (audience === 'customer' ? 'notice' : 'warning'),
    severity: o.severity ?? 'warning',
    audience,
    escalation: audience === 'internal' ? 1 : null,
    summary: `${o.agreement} ${subject.target} ticket ${subject.ticket}: ${level}`,
    details: { consumed: 0.75, deadline: '2026-10-01T12:00:00.000Z' },
    recipients,
    state: 'firing',
    startsAt: o.at,
    openedAt: o.at,
    updatedAt: o.at,
    acknowledged: null,
    resolved: null,
    inhibitedBy: null,
    silencedBy: [],
    notified: o.notified === false ? [] : recipients.map(recipientKey),
    heldUntil: null,
    resolveWhenSent: null,
    rearmed: false,
  };
}

/** Opens the alerts (as the evaluation would) and returns them. */
export async function openAlerts(store: Store, tenant: string, alerts: Alert[], at: number): Promise<Alert[]> {
  await store.applyAlertChanges(tenant, { at, by: 'pledge', alerts: alerts.map(alertOpenOf) });
  return alerts;
}
