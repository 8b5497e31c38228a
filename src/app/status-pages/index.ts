/**
 * Public status pages (issue 11): configuration, incidents, the page and its feeds.
 * docs/status-page.md says what is shown and how it is computed.
 */
export { putStatusPage, publicStatusPage, type PublicFormat, type PublicAnswer, type StatusPageContext } from './pages.ts';
export { openIncident, updateIncident, type IncidentContext } from './incidents.ts';
export { STATUS_STYLE, type PageLanguage } from './html.ts';
export {
  statusPageSpec,
  openIncidentBody,
  incidentUpdateBody,
  UPDATE_STATUSES,
  type StatusPageSpec,
  type IncidentDoc,
  type IncidentUpdate,
} from './spec.ts';
export { presentStatusPage, presentIncident, type StatusPageView, type IncidentView } from './present.ts';
