/**
 * Public status pages, the pure part: daily uptime bars by an agreement's rules and the current
 * status of a service (docs/status-page.md).
 */
export { dailyBars, type BarState, type DayBar, type DailyBars, type DailyBarsInput } from './bars.ts';
export {
  STATUS_LEVELS,
  INCIDENT_LEVELS,
  currentStatus,
  worst,
  type StatusLevel,
  type IncidentLevel,
  type CurrentStatus,
  type CurrentStatusInput,
} from './levels.ts';
