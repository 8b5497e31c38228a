/**
 * The vocabulary of alerts: levels and where they lie, who is told and how, the alert record and
 * its lifecycle, silences, quiet times, and the notification intents an evaluation hands to
 * delivery. Pure data: no type here holds a function or a calendar, so every record can be stored
 * and compared as JSON (except the inputs that say so: calendars for quiet times).
 *
 * Invariants the rest of src/core/alerts keeps (docs/alerts.md explains them for readers):
 * - An alert is identified by its dedupe key and its occurrence: the key names the condition
 *   (agreement, target, ticket source and id, cycle, level; or agreement, target, window, level),
 *   the occurrence counts how often that condition fired again after being resolved. At most one
 *   alert per key is active (firing or acknowledged) at a time.
 * - Ids and idempotency keys are derived from those fields only (keys.ts), never from clocks or
 *   counters, so two processes evaluating the same facts produce the same records and the same
 *   notification keys, and a store's unique constraint turns a race into a no-op.
 * - Internal alerts have only internal recipients; customer notices only customer recipients.
 *   Nothing converts one into the other (routing.ts builds them apart).
 *
 * The storage and delivery helpers define their own DTOs; these are the shapes the pure functions
 * take and return.
 */
import type { BusinessCalendar } from '../calendar/types.ts';

// ---------------------------------------------------------------------------------------------
// Levels

/** How urgent a level is. Quiet times hold back the non-urgent ones (default: all but critical). */
export type Severity = 'info' | 'warning' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];

/** Who may receive an alert: the provider's own people, or the customer (explicit notices only). */
export type Audience = 'internal' | 'customer';

/** The media an escalation matrix names (agreement schema `support.escalation[].how`). */
export type Medium = 'email' | 'chat' | 'sms' | 'phone' | 'webhook' | 'pager';
export const MEDIA: readonly Medium[] = ['email', 'chat', 'sms', 'phone', 'webhook', 'pager'];

/**
 * Where a level lies on a ticket clock, as elapsed working time (thresholds.ts turns it into an
 * instant on the clock's calendar):
 * - consumed: a share of the target used (0.75: 3 h of a 4 h target);
 * - before_breach: `ms` of working time left before the breach ("30 business minutes left");
 * - at_breach: the breach, the first counted millisecond beyond the target;
 * - after_breach: breached for `ms` of working time ("breached for 2 h", counted like the clock).
 */
export type ClockRule =
  | { kind: 'consumed'; share: number }
  | { kind: 'before_breach'; ms: number }
  | { kind: 'at_breach' }
  | { kind: 'after_breach'; ms: number };

/**
 * A multiwindow burn-rate rule in the style of the SRE workbook: it fires when the error budget
 * burns at least fast enough to use `budgetShare` of the period's budget within `longMs`, over the
 * long window and over the short confirmation window alike (the short one makes it stop soon after
 * the burning stops). The burn-rate threshold is budgetShare * period / longMs (14.4 for 2% of a
 * 30-day budget in 1 h).
 */
export interface BurnRule {
  /** Stable name, part of the level id (`burn-fast`). */
  id: string;
  budgetShare: number;
  longMs: number;
  shortMs: number;
  severity: Severity;
}

/**
 * Where a level lies on a window target (uptime, share of tickets in time, KPIs):
 * - budget: a share of the allowance used (compliance's `consumed`: downtime used / allowed, the
 *   error budget of a percentage, value / target for an upper bound);
 * - burn_rate: a burn-rate rule fires;
 * - exhaustion: at the recent burn rate the budget runs out before the window ends (and within
 *   `withinMs` of now, when given: the matrix's `beforeBreach`);
 * - projection: a KPI's projected end value misses the target;
 * - breach: the target is breached in this window;
 * - after_breach: breached for `ms` of wall-clock time.
 */
export type WindowRule =
  | { kind: 'budget'; share: number }
  | { kind: 'burn_rate'; rule: BurnRule }
  | { kind: 'exhaustion'; withinMs?: number }
  | { kind: 'projection' }
  | { kind: 'breach' }
  | { kind: 'after_breach'; ms: number };

/** A level with its stable id (part of dedupe keys: `consumed-75`, `left-30m`, `breach`...). */
export interface Level<R> {
  id: string;
  rule: R;
  severity: Severity;
}
export type ClockLevel = Level<ClockRule>;
export type WindowLevel = Level<WindowRule>;

// ---------------------------------------------------------------------------------------------
// Routing

/**
 * One addressee of an alert. Delivery resolves it: a `destination` is a tenant-configured channel
 * (a webhook, a Slack or Teams channel, a mailbox) by id, with `default` the tenant's default
 * internal destination; a `medium` without a destination goes to `contact` by that medium (its
 * e-mail for email, its phone for sms and phone) or, without a contact, to the tenant's
 * destination for that medium and audience.
 */
export interface Recipient {
  audience: Audience;
  /** As the agreement names them ("Shift lead"), or "default" for the default route. */
  who: string;
  medium: Medium | null;
  destination: string | null;
  /** The agreement's contact that `who` names (provider contacts for internal, customer contacts for customer). */
  contact?: { name: string; email?: string; phone?: string };
}

/** A level with the people it goes to and the escalation step (matrix `level`) it came from. */
export interface RoutedLevel<R> {
  level: Level<R>;
  /** The matrix's escalation level (1, 2, 3...); null for default routes. */
  escalation: number | null;
  recipients: Recipient[];
}

/** The kinds of customer-facing notices (agreement schema `support.notices[].notice`). */
export type NoticeKind = 'breach' | 'credit_owed' | 'maintenance';
export const NOTICE_KINDS: readonly NoticeKind[] = ['breach', 'credit_owed', 'maintenance'];

/** How one target of an agreement is watched. */
export interface TargetRoute {
  agreement: string;
  target: string;
  /** Levels of each ticket clock (time targets only; empty for others), by ascending elapsed time. */
  clock: RoutedLevel<ClockRule>[];
  /** Levels of the target's current window. */
  window: RoutedLevel<WindowRule>[];
  /** Customer recipients of breach notices for this target (empty: none are sent). */
  breachNotice: Recipient[];
}

export interface AgreementRoutes {
  agreement: string;
  targets: Record<string, TargetRoute>;
  /** Customer recipients of the other notices. */
  notices: { credit_owed: Recipient[]; maintenance: Recipient[] };
  /** Routes dropped because a destination's audience differs from the route's (see routing.ts). */
  issues: Array<{ path: string; message: string }>;
}

// ---------------------------------------------------------------------------------------------
// Alerts

/** What an alert is about. */
export type AlertSubject =
  | { kind: 'clock'; agreement: string; target: string; source: string; ticket: string; cycle: number }
  | { kind: 'window'; agreement: string; target: string; window: string; from: number; to: number }
  | { kind: 'notice'; agreement: string; notice: NoticeKind; ref: string; target?: string };

/**
 * - warning: a ticket clock level before its breach (consumed share, time left);
 * - breach / overdue: a ticket or window target breached / breached for some time;
 * - budget, burn_rate, exhaustion, projection: window warnings;
 * - notice: a customer-facing notice (breach, credit owed, maintenance).
 */
export type AlertKind = 'warning' | 'breach' | 'overdue' | 'budget' | 'burn_rate' | 'exhaustion' | 'projection' | 'notice';

/** Kinds a breach of the same subject inhibits (its own warnings); overdue and notices go on. */
export const INHIBITED_BY_BREACH: ReadonlySet<AlertKind> = new Set(['warning', 'budget', 'burn_rate', 'exhaustion', 'projection']);

export type AlertState = 'firing' | 'acknowledged' | 'resolved';

/** Facts shown with an alert (in messages as fields, in the API as they are). */
export type AlertDetails = Record<string, string | number | boolean | null>;

export interface Alert {
  /** `al_` + 32 hex digits, from (dedupeKey, occurrence): the same in every process. */
  id: string;
  dedupeKey: string;
  /** 1 for the first alert of its key; one more each time the condition fires again after a resolution. */
  occurrence: number;
  subject: AlertSubject;
  /** The subject's key (the dedupe key without the level): alerts of one clock or one window share it. */
  subjectKey: string;
  /** Level id (`consumed-75`, `breach`, `burn-fast`...). */
  level: string;
  kind: AlertKind;
  severity: Severity;
  audience: Audience;
  /** Matrix escalation level it was routed by; null for default routes. */
  escalation: number | null;
  /** One line: what happened to what. Customer notices hold only customer-facing facts. */
  summary: string;
  details: AlertDetails;
  recipients: Recipient[];
  state: AlertState;
  /** When the condition began: the threshold instant (e.g. the instant 75% was reached), or the evaluation instant when unknown. */
  startsAt: number;
  /** The evaluation instant that opened it (openedAt - startsAt is the lateness). */
  openedAt: number;
  updatedAt: number;
  acknowledged: { by: string; at: number; why?: string } | null;
  /** `by` is "pledge" when the condition ended, else the person who resolved it. */
  resolved: { by: string; at: number; why: string } | null;
  /** The breach alert (id) of the same subject that silences this warning, if any. */
  inhibitedBy: string | null;
  /** Ids of the silences that matched it at the last evaluation. */
  silencedBy: string[];
  /** Recipient keys (keys.ts) that were sent the firing notification. */
  notified: string[];
  /** Quiet time: the firing notification waits until this instant (the next working instant). */
  heldUntil: number | null;
  /**
   * A one-off condition (a breach first seen on a stopped clock, a customer notice): the alert is
   * resolved with this reason once its firing notification has gone out; null otherwise.
   */
  resolveWhenSent: string | null;
  /**
   * Resolved by a person while its condition still held: it is not opened again until an
   * evaluation has seen the condition end (rearmed true), so a manual resolution is not undone
   * at the next evaluation.
   */
  rearmed: boolean;
}

// ---------------------------------------------------------------------------------------------
// Evaluation input

/** A condition that holds now for one level of a subject, as reports.ts builds it. */
export interface Condition {
  level: string;
  kind: AlertKind;
  severity: Severity;
  audience: Audience;
  escalation: number | null;
  recipients: Recipient[];
  summary: string;
  details: AlertDetails;
  startsAt: number;
  /**
   * false for one-off conditions (a breach first seen after the clock stopped, a notice): the alert
   * is opened once, notified, and resolved with `endReason`; it is never opened again.
   */
  ongoing: boolean;
  /** For one-off conditions: why it is over (the resolution's `why`). */
  endReason?: string;
}

/** Every level considered for one subject: the condition when it holds, else why not. */
export interface SubjectReport {
  subject: AlertSubject;
  levels: Array<{ level: string; condition: Condition | null; reason: string }>;
}

/** A silence: alerts matching every matcher are recorded but not notified from startsAt to endsAt. */
export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

export const MATCH_FIELDS = ['agreement', 'target', 'ticket', 'source', 'window', 'level', 'kind', 'severity', 'audience'] as const;
export type MatchField = (typeof MATCH_FIELDS)[number];

/** `=`: the field equals one of the values; `!=`: it equals none of them. */
export interface Matcher {
  field: MatchField;
  op: '=' | '!=';
  values: string[];
}

/**
 * Quiet times: a non-urgent firing notification that falls outside the calendar's working time
 * waits until its next working instant. Urgent: a severity in `urgent` (default critical) or a
 * recipient reached by a medium in `urgentMedia` (default pager, phone, sms: those exist to wake
 * people).
 */
export interface QuietPolicy {
  calendar: BusinessCalendar;
  urgent?: readonly Severity[];
  urgentMedia?: readonly Medium[];
}

// ---------------------------------------------------------------------------------------------
// Notifications

/**
 * A message neutral of channels, which each channel renders (e-mail text and HTML, Slack blocks,
 * a Teams card, a webhook body). Links are paths relative to the server's public base URL.
 */
export interface Message {
  subject: string;
  /** Plain text, several lines; the first says what happened. */
  text: string;
  fields: Array<{ label: string; value: string }>;
  severity: Severity;
  links: Array<{ label: string; href: string }>;
  /** Messages with the same thread key belong to one thread (an e-mail thread, a chat thread). */
  threadKey: string;
}

export type Transition = 'firing' | 'acknowledged' | 'resolved';

/**
 * One notification to one recipient, written to the outbox in the same transaction as the
 * evaluation that caused it. `key` is its idempotency key: the same for a redelivery, different
 * for any other notification (keys.ts).
 */
export interface NotificationIntent {
  key: string;
  alertId: string;
  dedupeKey: string;
  occurrence: number;
  transition: Transition;
  recipient: Recipient;
  recipientKey: string;
  audience: Audience;
  severity: Severity;
  message: Message;
  createdAt: number;
}

/** What one evaluation step decides. The store writes all of it in one transaction. */
export interface EvaluationResult {
  /** New alerts, in their state after this step (a one-off may already be resolved). */
  open: Alert[];
  /** Existing alerts that changed but are not resolved (details, inhibition, silences, notified...). */
  update: Alert[];
  /** Existing alerts resolved in this step. */
  resolve: Alert[];
  notify: NotificationIntent[];
  /** The next instant at which an evaluation has something to do without new facts (quiet time or a silence ending). */
  wakeAt: number | null;
}
