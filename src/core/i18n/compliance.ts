/**
 * What the compliance engine says (src/core/metrics/compliance.ts: a target evaluation's `reason`
 * and `note`; src/core/availability/monitoring.ts: whether a window was monitored), in English and
 * Arabic: the same shape as the settlement catalogue (settlement.ts), which merges these codes into
 * its own, so `why`, `sayWhy` and `sayClauses` say both. docs/penalties.md, "Reasons in any
 * language", lists the codes.
 *
 * The engine returns, beside each English sentence, the same sentence as clauses (`reasonWhy`,
 * `noteWhy`, and `textWhy` for the monitoring evidence). Params are never pre-formatted: durations
 * in ms, shares in percent, instants as ISO 8601 in UTC with the zone to show them in.
 *
 * Invariant: this module imports only types (the web bundle pulls in no server code through it);
 * every code has a message in each language using each of its params (compliance.test.ts).
 */
import type { Kind } from './settlement.ts';

interface Entry {
  params: Record<string, Kind>;
  en: string;
  ar: string;
}

const ALLOWANCE = { used: 'duration', allowed: 'duration' } as const;

export const COMPLIANCE_CODES = {
  // A target evaluation's reason (its state, and why).
  'compliance.no_data': {
    params: {},
    en: 'no data in the window: neither met nor breached',
    ar: 'لا بيانات في النافذة: ليست مُحقَّقة ولا مُخالَفة',
  },
  'compliance.closed_missed': {
    params: {},
    en: 'the window is closed and the value misses the target',
    ar: 'النافذة مغلقة والقيمة لا تبلغ الهدف',
  },
  'compliance.closed_over_allowance': {
    params: ALLOWANCE,
    en: 'the window is closed and the downtime {used} against an allowance of {allowed} exceeds it',
    ar: 'النافذة مغلقة والتوقف {used} مقابل سماح قدره {allowed} يتجاوزه',
  },
  'compliance.over_allowance': {
    params: ALLOWANCE,
    en: 'the downtime {used} against an allowance of {allowed} already exceeds it',
    ar: 'التوقف {used} مقابل سماح قدره {allowed} يتجاوزه بالفعل',
  },
  'compliance.over_budget': {
    params: {},
    en: 'the downtime so far already exceeds what the target allows for the whole window',
    ar: 'التوقف حتى الآن يتجاوز بالفعل ما يسمح به الهدف للنافذة كلها',
  },
  'compliance.cannot_recover': {
    params: {},
    en: 'the window is open, but the value can only move further from the target',
    ar: 'النافذة مفتوحة، لكن القيمة لا يمكن إلا أن تبتعد أكثر عن الهدف',
  },
  'compliance.missing_so_far': {
    params: {},
    en: 'the window is open and the value misses the target so far',
    ar: 'النافذة مفتوحة والقيمة لا تبلغ الهدف حتى الآن',
  },
  'compliance.already_reached': {
    params: {},
    en: 'the target is already reached and cannot be lost before the window ends',
    ar: 'الهدف مُحقَّق بالفعل ولا يمكن أن يُفقد قبل انتهاء النافذة',
  },
  'compliance.closed_met': {
    params: {},
    en: 'the window is closed and the value meets the target',
    ar: 'النافذة مغلقة والقيمة تبلغ الهدف',
  },
  'compliance.closed_within_allowance': {
    params: ALLOWANCE,
    en: 'the window is closed and the downtime {used} against an allowance of {allowed} is within it',
    ar: 'النافذة مغلقة والتوقف {used} مقابل سماح قدره {allowed} ضمن حدوده',
  },
  'compliance.met_so_far': {
    params: {},
    en: 'the value meets the target so far',
    ar: 'القيمة تبلغ الهدف حتى الآن',
  },
  'compliance.within_allowance_so_far': {
    params: ALLOWANCE,
    en: 'the downtime {used} against an allowance of {allowed} is within it so far',
    ar: 'التوقف {used} مقابل سماح قدره {allowed} ضمن حدوده حتى الآن',
  },
  'compliance.allowance_used': {
    params: { used: 'percent', warn: 'percent' },
    en: '{used} of the allowance is used (warning at {warn})',
    ar: 'استُخدم {used} من السماح (التنبيه عند {warn})',
  },
  'compliance.not_measured': {
    params: {},
    en: 'not measured in this period (outside the time the agreement is monitored, or before the first event)',
    ar: 'لم يُقس في هذه الفترة (خارج الوقت الذي يُراقَب فيه الاتفاق، أو قبل أول حدث)',
  },
  'compliance.no_subject': {
    params: {},
    en: 'no subject reported a value in the window',
    ar: 'لم تُبلغ أي جهة عن قيمة في النافذة',
  },
  // Per-subject targets: the subject that sets the state comes first, the tally last.
  'compliance.subject': { params: { subject: 'text' }, en: 'for {subject}', ar: 'لـ {subject}' },
  'compliance.subjects_in_state': {
    params: { count: 'number', subjects: 'count:subject', state: 'state' },
    en: '{count} of {subjects} {state}',
    ar: '{count} من {subjects} في حالة {state}',
  },
  // Notes.
  'compliance.little_margin': {
    params: { used: 'percent', warn: 'percent' },
    en: 'met with little margin: {used} of the allowance is used (warning at {warn})',
    ar: 'مُحقَّق بهامش ضئيل: استُخدم {used} من السماح (التنبيه عند {warn})',
  },
  'compliance.partly_measured': {
    params: {},
    en: 'only part of the window is measured',
    ar: 'لا يُقاس إلا جزء من النافذة',
  },
  // Whether the window was monitored (the reason of a window with no data, or the note of one measured in part).
  'monitoring.declared_after': {
    params: { declared: 'instant' },
    en: 'not monitored: monitoring is declared to start {declared}, after this window',
    ar: 'غير مراقَبة: أُعلن أن المراقبة تبدأ {declared}، بعد هذه النافذة',
  },
  'monitoring.not_in_part': {
    params: {},
    en: 'not monitored in this part of the window',
    ar: 'غير مراقَبة في هذا الجزء من النافذة',
  },
  'monitoring.gap': {
    params: { from: 'instant', to: 'instant' },
    en: 'not monitored from {from} to {to} (monitoring.gap)',
    ar: 'غير مراقَبة من {from} إلى {to} (monitoring.gap)',
  },
  'monitoring.gap_whole': {
    params: { from: 'instant', to: 'instant' },
    en: 'not monitored: nobody watched from {from} to {to} (monitoring.gap)',
    ar: 'غير مراقَبة: لم يراقبها أحد من {from} إلى {to} (monitoring.gap)',
  },
  'monitoring.none': {
    params: {},
    en: 'not monitored: no check result, outage, maintenance or monitoring.started event in this window, and no monitoring start declared (monitoring.since)',
    ar: 'غير مراقَبة: لا نتيجة فحص ولا انقطاع ولا صيانة ولا حدث بدء مراقبة (monitoring.started) في هذه النافذة، ولم يُعلَن بدء للمراقبة (monitoring.since)',
  },
  'monitoring.from_declared': {
    params: { from: 'instant', declared: 'instant' },
    en: 'monitored from {from} (monitoring declared from {declared})',
    ar: 'مراقَبة ابتداءً من {from} (أُعلنت المراقبة ابتداءً من {declared})',
  },
  'monitoring.throughout_declared': {
    params: { declared: 'instant' },
    en: 'monitored throughout (monitoring declared from {declared})',
    ar: 'مراقَبة طوال النافذة (أُعلنت المراقبة ابتداءً من {declared})',
  },
  'monitoring.from_started': {
    params: { from: 'instant', started: 'instant' },
    en: 'monitored from {from} (monitoring.started {started})',
    ar: 'مراقَبة ابتداءً من {from} (بدأت المراقبة في {started})',
  },
  'monitoring.throughout_started': {
    params: { started: 'instant' },
    en: 'monitored throughout (monitoring.started {started})',
    ar: 'مراقَبة طوال النافذة (بدأت المراقبة في {started})',
  },
  'monitoring.from': {
    params: { from: 'instant', evidence: 'evidence' },
    en: 'monitored from {from} ({evidence})',
    ar: 'مراقَبة ابتداءً من {from} ({evidence})',
  },
  'monitoring.throughout': {
    params: { evidence: 'evidence' },
    en: 'monitored throughout ({evidence})',
    ar: 'مراقَبة طوال النافذة ({evidence})',
  },
} as const satisfies Record<string, Entry>;
