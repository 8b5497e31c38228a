/**
 * The tenant's alert gauges for GET /v1/metrics: alerts firing by severity, and acknowledged ones.
 * Counted from the store at scrape time (open alerts only, a page of 1000 at a time), so every
 * instance answers the same figures whichever process opened the alerts. Severities are the core's
 * fixed list (bounded labels); one outside it is counted under `other`.
 */
import { SEVERITIES } from '../../core/alerts/types.ts';
import type { Store, TenantId } from '../../store/types.ts';

export interface AlertGauge {
  name: string;
  help: string;
  value: number;
  labels?: Record<string, string>;
}

export async function alertGauges(store: Store, tenant: TenantId): Promise<AlertGauge[]> {
  const firing = new Map<string, number>([...SEVERITIES, 'other'].map((s) => [s, 0]));
  let acknowledged = 0;
  let after: string | undefined;
  do {
    const page = await store.listAlerts(tenant, { state: ['firing', 'acknowledged'], limit: 1000, ...(after ? { after } : {}) });
    for (const a of page.items) {
      if (a.state === 'acknowledged') acknowledged++;
      else {
        const s = firing.has(a.severity) ? a.severity : 'other';
        firing.set(s, firing.get(s)! + 1);
      }
    }
    after = page.next;
  } while (after);
  return [
    ...[...firing].map(([severity, value]) => ({
      name: 'pledge_alerts_firing',
      help: 'Alerts of this tenant firing now (not acknowledged, not resolved), by severity.',
      value,
      labels: { severity },
    })),
    { name: 'pledge_alerts_acknowledged', help: 'Alerts of this tenant acknowledged and not yet resolved.', value: acknowledged },
  ];
}
