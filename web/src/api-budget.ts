/**
 * Shapes of the answers about error budgets, watermelon reasons and ambiguous tickets (issue 10),
 * kept apart from api.ts so the pages added beside them do not all edit one file. See
 * /openapi.json (WindowBudget, Watermelon, the error of GET /v1/tickets/{id}) and docs/api.md.
 */
import { ApiError } from './api';

/** A window's error budget (src/core/alerts/health.ts windowBudget), as of `asOf`. */
export interface WindowBudget {
  asOf: string;
  /** Share of the allowance left: 1 untouched, 0 used up, negative once overspent; null without one. */
  left: number | null;
  /** Over the window so far: 1 spends the budget exactly by the window end; null for targets not in percent. */
  burnRate: number | null;
  /** Availability: downtime allowed, used and left, ms. */
  downtime: { allowedMs: number; usedMs: number; remainingMs: number } | null;
  /** A percentage over tickets: bad and counted so far, and how many more may miss (null: no limit). */
  items: { bad: number; total: number; more: number | null } | null;
}

/** Why a watermelon row is flagged (src/app/watermelon.ts WatermelonReason). */
export type WatermelonReason =
  | { code: 'csat_below'; params: { csat: number; csatBelow: number }; message: string }
  | { code: 'reopen_above'; params: { reopenRate: number; reopenAbove: number }; message: string };

/**
 * The desks (sources) that share a ticket id, from the 400 GET /v1/tickets/{id} answers when it is
 * ambiguous (`details.sources`); null for any other error.
 */
export function ambiguousSources(e: unknown): string[] | null {
  if (!(e instanceof ApiError) || e.status !== 400) return null;
  const d = e.details as { sources?: unknown } | undefined;
  if (!d || !Array.isArray(d.sources) || d.sources.length === 0 || !d.sources.every((s) => typeof s === 'string')) return null;
  return d.sources as string[];
}
