/**
 * Status pages and incidents as the API and the CLI show them to the provider (not the public
 * page): one presentation, so `pledge status-pages --json` prints what GET /v1/status-pages answers.
 * Instants are ISO 8601 UTC. Incidents show who posted each update: this is the internal view.
 */
import type { StoredIncident, StoredStatusPage } from '../../store/types.ts';
import type { IncidentDoc, StatusPageSpec } from './spec.ts';

const iso = (ms: number) => new Date(ms).toISOString();

export function presentStatusPage(p: StoredStatusPage<StatusPageSpec>, prefix: string) {
  return {
    id: p.id,
    path: p.path,
    url: `${prefix}/${p.path}`,
    spec: p.spec as unknown as Record<string, unknown>,
    etag: p.etag,
    createdAt: iso(p.createdAt),
    createdBy: p.createdBy,
    updatedAt: iso(p.updatedAt),
    updatedBy: p.updatedBy,
  };
}
export type StatusPageView = ReturnType<typeof presentStatusPage>;

export function presentIncident(i: StoredIncident<IncidentDoc>) {
  return {
    id: i.id,
    title: i.doc.title,
    services: i.doc.services,
    level: i.doc.level,
    open: i.resolvedAt === undefined,
    ...(i.resolvedAt !== undefined ? { resolvedAt: iso(i.resolvedAt) } : {}),
    openedAt: iso(i.openedAt),
    updates: i.doc.updates.map((u) => ({
      at: iso(u.at),
      status: u.status,
      ...(u.level ? { level: u.level } : {}),
      message: u.message,
      by: u.by,
    })),
    etag: i.etag,
    updatedAt: iso(i.updatedAt),
  };
}
export type IncidentView = ReturnType<typeof presentIncident>;
