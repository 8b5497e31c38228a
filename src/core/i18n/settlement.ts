/**
 * What the settlement engine says, in English and Arabic: a closed list of codes, each with its
 * params (numbers, civil dates as YYYY-MM-DD, money as minor units and a currency, identifiers as
 * written; never a pre-formatted figure) and one message per language. docs/penalties.md lists
 * the codes.
 *
 * The core (src/core/penalties) returns, beside each English sentence it keeps for API clients
 * (`reason`, `summary`, `notes`), the same sentence as clauses (`reasonWhy`, `summaryWhy`,
 * `notesWhy`: arrays of `{ code, params }`). The web app (a separate bundle) and the HTML/PDF
 * service report (rendered on the server) both say them with `sayClauses` from this module, so
 * the two never word the same fact differently.
 *
 * The compliance engine's codes (a target evaluation's reason and note, the monitoring evidence)
 * live in compliance.ts and are merged into CODES here, so the same functions say both.
 *
 * Invariants: this module imports nothing but compliance.ts, which imports nothing (the web bundle
 * pulls in no server code through them); every code has a message in each language that uses each of its params (settlement.test.ts);
 * figures are formatted by Intl in the page's locale. A code this module does not know (one a
 * newer server sent to an older web app) or params of the wrong shape are never guessed at:
 * `sayClauses` answers null and the caller shows the English sentence, marked as English.
 */

import { COMPLIANCE_CODES } from './compliance.ts';

export type Lang = 'en' | 'ar';

export interface Money {
  minor: number;
  currency: string;
}

/** A measured or promised value in its metric's unit (percent, seconds, count, number). */
export interface Measure {
  value: number;
  unit: string;
}

export type ParamValue =
  | string
  | number
  | string[]
  | Money
  | Money[]
  | Measure
  | (Measure & { comparator: string })
  | (Measure & { bound: 'below' | 'above' })
  | Array<{ id: string; reason: string }>
  | { rule: 'consecutive' | 'in_year'; count: number }
  | Instant;

/** An instant (ISO 8601 in UTC) and the IANA zone it is shown in. */
export interface Instant {
  at: string;
  zone: string;
}

/** One clause of an engine sentence: a code from CODES and its params. */
export interface Why {
  code: string;
  params: Record<string, ParamValue>;
}

/** Nouns counted in messages, with their plural forms per language (Intl.PluralRules categories; # is the number). */
const NOUNS = {
  day: {
    en: { one: '# day', other: '# days' },
    ar: { zero: '# يوم', one: 'يوم واحد', two: 'يومان', few: '# أيام', many: '# يومًا', other: '# يوم' },
  },
  started_hour: {
    en: { one: '# started hour', other: '# started hours' },
    ar: { zero: '# ساعة', one: 'ساعة واحدة بدأت', two: 'ساعتان بدأتا', few: '# ساعات بدأت', many: '# ساعةً بدأت', other: '# ساعة بدأت' },
  },
  breached_ticket: {
    en: { one: '# breached ticket', other: '# breached tickets' },
    ar: {
      zero: '# تذكرة مخالفة',
      one: 'تذكرة مخالفة واحدة',
      two: 'تذكرتان مخالفتان',
      few: '# تذاكر مخالفة',
      many: '# تذكرةً مخالفة',
      other: '# تذكرة مخالفة',
    },
  },
  consecutive_breached_period: {
    en: { one: '# consecutive breached period', other: '# consecutive breached periods' },
    ar: {
      zero: '# فترة مخالفة متتالية',
      one: 'فترة مخالفة واحدة',
      two: 'فترتان مخالفتان متتاليتان',
      few: '# فترات مخالفة متتالية',
      many: '# فترةً مخالفة متتالية',
      other: '# فترة مخالفة متتالية',
    },
  },
  breached_period: {
    en: { one: '# breached period', other: '# breached periods' },
    ar: {
      zero: '# فترة مخالفة',
      one: 'فترة مخالفة واحدة',
      two: 'فترتان مخالفتان',
      few: '# فترات مخالفة',
      many: '# فترةً مخالفة',
      other: '# فترة مخالفة',
    },
  },
  breached_period_in_year: {
    en: { one: '# breached period within a year', other: '# breached periods within a year' },
    ar: {
      zero: '# فترة مخالفة خلال سنة',
      one: 'فترة مخالفة واحدة خلال سنة',
      two: 'فترتان مخالفتان خلال سنة',
      few: '# فترات مخالفة خلال سنة',
      many: '# فترةً مخالفة خلال سنة',
      other: '# فترة مخالفة خلال سنة',
    },
  },
  line: {
    en: { one: '# line', other: '# lines' },
    ar: { zero: '# بند', one: 'بند واحد', two: 'بندين', few: '# بنود', many: '# بندًا', other: '# بند' },
  },
  rule: {
    en: { one: '# rule', other: '# rules' },
    ar: { zero: '# قاعدة', one: 'قاعدة واحدة', two: 'قاعدتين', few: '# قواعد', many: '# قاعدةً', other: '# قاعدة' },
  },
  target: {
    en: { one: '# target', other: '# targets' },
    ar: { zero: '# هدف', one: 'هدف واحد', two: 'هدفين', few: '# أهداف', many: '# هدفًا', other: '# هدف' },
  },
  subject: {
    en: { one: '# subject', other: '# subjects' },
    ar: { zero: '# جهة', one: 'جهة واحدة', two: 'جهتين', few: '# جهات', many: '# جهةً', other: '# جهة' },
  },
  more: {
    en: { one: '# more', other: '# more' },
    ar: { zero: '# أخرى', one: 'واحد آخر', two: 'اثنان آخران', few: '# أخرى', many: '# أخرى', other: '# أخرى' },
  },
} as const satisfies Record<string, Record<Lang, Partial<Record<Intl.LDMLPluralRule, string>>>>;

export type Noun = keyof typeof NOUNS;

/** Words for the closed values some params take. */
const WORDS = {
  state: {
    en: { met: 'met', at_risk: 'at risk', breached: 'breached', no_data: 'no data' },
    ar: { met: 'مُحقَّق', at_risk: 'معرَّض للخطر', breached: 'مُخالَف', no_data: 'لا بيانات' },
  },
  cap: {
    en: { per_period: 'per-period', per_year: 'yearly' },
    ar: { per_period: 'للفترة', per_year: 'السنوي' },
  },
  exclusion: {
    en: {
      announced_maintenance: 'announced_maintenance',
      customer_caused: 'customer_caused',
      force_majeure: 'force_majeure',
      third_party: 'third_party',
    },
    ar: {
      announced_maintenance: 'صيانة معلنة',
      customer_caused: 'بسبب العميل',
      force_majeure: 'قوة قاهرة',
      third_party: 'طرف ثالث',
    },
  },
  bound: { en: { below: 'below', above: 'above' }, ar: { below: 'أقل من', above: 'أعلى من' } },
  evidence: {
    en: {
      first_check: 'the first check result',
      checks: 'check results in the window',
      report: 'an outage or maintenance report',
      reports: 'outage or maintenance reports in the window',
    },
    ar: {
      first_check: 'أول نتيجة فحص',
      checks: 'نتائج فحص في النافذة',
      report: 'بلاغ انقطاع أو صيانة',
      reports: 'بلاغات انقطاع أو صيانة في النافذة',
    },
  },
} as const;

/**
 * How each param is formatted: text (an identifier or label, as written), texts (a list of them),
 * date (YYYY-MM-DD), money ({ minor, currency }), moneys (a list), number, percent (a number of
 * percent), duration (milliseconds), measure ({ value, unit }), promise ({ comparator, value, unit }),
 * threshold ({ bound, value, unit }), excluded ([{ id, reason }]), need ({ rule, count }), instant
 * ({ at, zone }), a word (state, cap, exclusion, evidence), or a count of a noun (count:day...).
 */
export type Kind =
  | 'text'
  | 'texts'
  | 'date'
  | 'money'
  | 'moneys'
  | 'number'
  | 'percent'
  | 'duration'
  | 'measure'
  | 'promise'
  | 'threshold'
  | 'excluded'
  | 'need'
  | 'instant'
  | 'state'
  | 'cap'
  | 'exclusion'
  | 'evidence'
  | `count:${Noun}`;

interface Entry {
  params: Record<string, Kind>;
  en: string;
  ar: string;
}

const GRACE = { grace: 'text', firstDay: 'date', lastDay: 'date' } as const;

/** Every code the settlement engine writes, its params and its messages ({name} is a param). */
const SETTLEMENT_CODES = {
  // The head of a line: the compliance result it is based on.
  'line.measured': {
    params: { target: 'text', window: 'text', value: 'measure', promise: 'promise', state: 'state' },
    en: '{target} in {window}: measured {value} against a target of {promise} ({state})',
    ar: '{target} في {window}: القيمة المقيسة {value} مقابل هدف {promise} ({state})',
  },
  'line.no_value': {
    params: { target: 'text', window: 'text', promise: 'promise', state: 'state' },
    en: '{target} in {window}: no value against a target of {promise} ({state})',
    ar: '{target} في {window}: لا قيمة مقابل هدف {promise} ({state})',
  },
  'line.no_result': { params: { target: 'text' }, en: '{target}: no result', ar: '{target}: لا نتيجة' },
  // What the rule yields, or why nothing.
  'owe.met': { params: {}, en: 'nothing owed: the target is met', ar: 'لا شيء مستحق: الهدف مُحقَّق' },
  'owe.at_risk': {
    params: {},
    en: 'nothing owed: the target is at risk but not breached, and only a breach owes',
    ar: 'لا شيء مستحق: الهدف معرَّض للخطر لكنه لم يُخالَف، ولا يُستحق شيء إلا عند المخالفة',
  },
  'owe.no_data': {
    params: {},
    en: 'nothing owed: there is no data for the window, which is neither met nor breached (the gap should be looked into)',
    ar: 'لا شيء مستحق: لا بيانات لهذه النافذة، فهي ليست مُحقَّقة ولا مُخالَفة (ينبغي التحقق من هذه الفجوة)',
  },
  'owe.not_in_band': {
    params: { value: 'measure', mildest: 'threshold' },
    en: 'nothing owed: breached, but {value} is in no credit band (the mildest band is {mildest})',
    ar: 'لا شيء مستحق: الهدف مُخالَف، لكن {value} لا تقع في أي شريحة خصم (أخف شريحة هي {mildest})',
  },
  'owe.band_credit': {
    params: { band: 'number', threshold: 'threshold', credit: 'percent', window: 'text', fee: 'money', amount: 'money' },
    en: 'band {band} applies ({threshold}): {credit} of the fee for {window}, {fee} = {amount}',
    ar: 'تنطبق الشريحة {band} ({threshold}): {credit} من رسوم {window} البالغة {fee} = {amount}',
  },
  'owe.band_amount': {
    params: { band: 'number', threshold: 'threshold', amount: 'money' },
    en: 'band {band} applies ({threshold}): {amount}',
    ar: 'تنطبق الشريحة {band} ({threshold}): {amount}',
  },
  'owe.fine': { params: { amount: 'money' }, en: 'fine of {amount}', ar: 'غرامة قدرها {amount}' },
  'owe.within_budget': {
    params: { used: 'duration', allowed: 'duration' },
    en: 'nothing owed: downtime {used} against an allowance of {allowed}, not beyond the budget',
    ar: 'لا شيء مستحق: التوقف {used} مقابل سماح قدره {allowed}، دون تجاوز الرصيد',
  },
  'owe.hours_over': {
    params: { used: 'duration', allowed: 'duration', over: 'duration', hours: 'count:started_hour', each: 'money', amount: 'money' },
    en: 'downtime {used} against an allowance of {allowed}: {over} over, {hours} × {each} = {amount}',
    ar: 'التوقف {used} مقابل سماح قدره {allowed}: تجاوز بمقدار {over}، {hours} × {each} = {amount}',
  },
  'owe.tickets': {
    params: { tickets: 'count:breached_ticket', ids: 'texts', each: 'money', amount: 'money' },
    en: '{tickets} ({ids}) × {each} = {amount}',
    ar: '{tickets} ({ids}) × {each} = {amount}',
  },
  'owe.tickets_not_counted': { params: { items: 'excluded' }, en: 'not counted: {items}', ar: 'غير محسوبة: {items}' },
  'owe.tickets_excluded': {
    params: {},
    en: 'nothing owed: every breached ticket is excluded',
    ar: 'لا شيء مستحق: كل التذاكر المخالفة مستثناة',
  },
  'owe.no_tickets': {
    params: {},
    en: 'nothing owed: no breached tickets were given',
    ar: 'لا شيء مستحق: لم تُقدَّم أي تذاكر مخالفة',
  },
  'owe.no_result': {
    params: {},
    en: 'nothing owed: no compliance result was given for this target',
    ar: 'لا شيء مستحق: لم تُقدَّم نتيجة امتثال لهذا الهدف',
  },
  'owe.before_term': {
    params: { termStart: 'date' },
    en: 'nothing owed: the period ends before the term starts on {termStart}',
    ar: 'لا شيء مستحق: تنتهي الفترة قبل بدء مدة العقد في {termStart}',
  },
  'owe.period_in_grace': {
    params: GRACE,
    en: 'nothing owed: the period ends within the grace period ({grace} from {firstDay}, through {lastDay})',
    ar: 'لا شيء مستحق: تنتهي الفترة داخل فترة السماح ({grace} من {firstDay} حتى {lastDay})',
  },
  'owe.window_in_grace': {
    params: { window: 'text', ...GRACE },
    en: 'nothing owed: the window {window} ends within the grace period ({grace} from {firstDay}, through {lastDay})',
    ar: 'لا شيء مستحق: تنتهي النافذة {window} داخل فترة السماح ({grace} من {firstDay} حتى {lastDay})',
  },
  'owe.window_begins_in_grace': {
    params: { window: 'text', ...GRACE, from: 'date' },
    en:
      'nothing owed: the window {window} begins inside the grace period ({grace} from {firstDay}, through {lastDay}), and only what ' +
      'falls after it may be charged; measure the part from {from} on its own to settle it',
    ar:
      'لا شيء مستحق: تبدأ النافذة {window} داخل فترة السماح ({grace} من {firstDay} حتى {lastDay})، ولا يُحتسب إلا ما يقع بعدها؛ ' +
      'قِس الجزء الذي يبدأ في {from} وحده لتسويته',
  },
  'owe.would_be_owed': { params: { amount: 'money' }, en: 'without it {amount} would be owed', ar: 'لولا ذلك لاستُحق {amount}' },
  'owe.breach_other_period': {
    params: { date: 'date' },
    en: 'nothing owed in this period: the breach on {date} falls in another billing period, which owes the fine (it is owed once)',
    ar: 'لا شيء مستحق في هذه الفترة: وقعت المخالفة في {date} ضمن فترة فوترة أخرى، وهي التي تُستحق فيها الغرامة (تُستحق مرة واحدة)',
  },
  'owe.window_ended_before': {
    params: { window: 'text' },
    en: 'nothing owed in this period: the window {window} ended before this period; it was settled with the period it ended in',
    ar: 'لا شيء مستحق في هذه الفترة: انتهت النافذة {window} قبل هذه الفترة، وسُوّيت مع الفترة التي انتهت فيها',
  },
  'owe.window_ends_after': {
    params: { window: 'text', lastDay: 'date' },
    en: 'nothing owed in this period: the window {window} ends after this period (its last day is {lastDay}); its value is final only then, so it is settled in the period it ends',
    ar: 'لا شيء مستحق في هذه الفترة: تنتهي النافذة {window} بعد هذه الفترة (آخر أيامها {lastDay})؛ ولا تصبح قيمتها نهائية إلا عندئذ، فتُسوّى في الفترة التي تنتهي فيها',
  },
  'owe.window_ends_after_fine': {
    params: { window: 'text', lastDay: 'date' },
    en: 'nothing owed in this period: the window {window} ends after this period (its last day is {lastDay}); without a breach instant the fine is owed in the period the window ends',
    ar: 'لا شيء مستحق في هذه الفترة: تنتهي النافذة {window} بعد هذه الفترة (آخر أيامها {lastDay})؛ ودون معرفة لحظة المخالفة تُستحق الغرامة في الفترة التي تنتهي فيها النافذة',
  },
  // Caps.
  'cap.reached': {
    params: { cap: 'cap', limit: 'money', computed: 'money' },
    en: 'nothing owed after the {cap} cap of {limit}: it was already reached (the {computed} computed is not owed)',
    ar: 'لا شيء مستحق بعد تطبيق الحد الأقصى {cap} البالغ {limit}: فقد بُلغ من قبل (المبلغ المحسوب {computed} غير مستحق)',
  },
  'cap.reduced': {
    params: { reduced: 'money', amount: 'money', cap: 'cap', limit: 'money', remaining: 'money' },
    en: 'reduced by {reduced} to {amount} by the {cap} cap of {limit} ({remaining} was still available under it)',
    ar: 'خُفّض بمقدار {reduced} إلى {amount} بسبب الحد الأقصى {cap} البالغ {limit} (كان المتبقي تحته {remaining})',
  },
  // When it is due.
  'due.after_period': {
    params: { date: 'date', days: 'count:day', periodLastDay: 'date' },
    en: 'due {date} ({days} after the period ends on {periodLastDay})',
    ar: 'يُستحق في {date} ({days} بعد انتهاء الفترة في {periodLastDay})',
  },
  'due.after_breach': {
    params: { date: 'date', days: 'count:day', breachDay: 'date' },
    en: 'due {date} ({days} after the breach on {breachDay})',
    ar: 'يُستحق في {date} ({days} بعد المخالفة في {breachDay})',
  },
  'due.credit_next_invoice': {
    params: {},
    en: 'applied as a credit on the next invoice (the agreement sets no due date)',
    ar: 'يُطبَّق خصمًا على الفاتورة التالية (لا يحدد الاتفاق تاريخ استحقاق)',
  },
  'due.next_invoice': {
    params: {},
    en: 'settled with the next invoice (the agreement sets no due date)',
    ar: 'يُسوّى مع الفاتورة التالية (لا يحدد الاتفاق تاريخ استحقاق)',
  },
  'line.excluded': {
    params: { items: 'excluded' },
    en: 'excluded from the measurement: {items}',
    ar: 'مستثنى من القياس: {items}',
  },
  // Notes, one clause each.
  'note.exclusion_not_listed': {
    params: { id: 'text', class: 'exclusion' },
    en: "{id} was excluded from the measurement as {class}, which penalties.exclusions does not list; check the target's settings",
    ar: 'استُثني {id} من القياس بوصفه «{class}»، وهو ما لا تذكره penalties.exclusions؛ راجع إعدادات الهدف',
  },
  'note.measured_after_grace': {
    params: { from: 'date', graceLastDay: 'date' },
    en: 'measured from {from}, after the grace period (its last day was {graceLastDay})',
    ar: 'قيس ابتداءً من {from}، بعد فترة السماح (كان آخر أيامها {graceLastDay})',
  },
  'note.window_open': {
    params: {},
    en: 'the window was still open when it was evaluated; the value may still get worse',
    ar: 'كانت النافذة لا تزال مفتوحة عند تقييمها؛ وقد تسوء القيمة بعد',
  },
  'note.no_result': {
    params: { target: 'text' },
    en: 'no compliance result was given for {target}; measure it before closing the period',
    ar: 'لم تُقدَّم نتيجة امتثال لـ {target}؛ قِسه قبل إقفال الفترة',
  },
  'note.not_monitored_period': {
    params: {},
    en: 'the agreement is not monitored in this period: nothing is measured, so nothing is owed',
    ar: 'الاتفاقية غير مراقَبة في هذه الفترة: لا يُقاس شيء، فلا يُستحق شيء',
  },
  'note.amendment_next_period': {
    params: {},
    en: 'an amendment takes effect inside this period; the period is settled with the version in force when it began, and the amendment applies from the next period',
    ar: 'يسري تعديلٌ خلال هذه الفترة؛ تُسوّى الفترة بالنسخة السارية عند بدايتها، ويُطبَّق التعديل من الفترة التالية',
  },
  'line.not_monitored': {
    params: { target: 'text' },
    en: '{target}: not monitored in this period; nothing owed: there is no data, which is neither met nor breached',
    ar: '{target}: غير مراقَب في هذه الفترة؛ لا شيء مستحق: لا توجد بيانات، وهذا ليس التزامًا ولا إخلالًا',
  },
  'note.due_from_period_end': {
    params: {},
    en: 'the breach instant is not known, so the due date counts from the end of the period',
    ar: 'لحظة المخالفة غير معروفة، لذا يُحسب تاريخ الاستحقاق من نهاية الفترة',
  },
  'note.ticket_counted': {
    params: { id: 'text', class: 'exclusion' },
    en: '{id} is marked {class}, which this agreement does not exclude, so it is counted',
    ar: '{id} موسوم بـ «{class}»، وهو ما لا يستثنيه هذا الاتفاق، لذا يُحتسب',
  },
  'note.no_tickets_given': {
    params: {},
    en: 'the target is breached but no breached tickets were given',
    ar: 'الهدف مُخالَف لكن لم تُقدَّم أي تذاكر مخالفة',
  },
  'note.not_capped_currency': {
    params: { capCurrencies: 'texts', currency: 'text' },
    en: 'not capped: the caps are in {capCurrencies}, this line is in {currency}, and Pledge does not convert currencies',
    ar: 'غير خاضع لحد أقصى: الحدود القصوى بعملة {capCurrencies} وهذا البند بعملة {currency}، وPledge لا يحوّل العملات',
  },
  'note.grace_without_term': {
    params: {},
    en: 'a grace period is set, but no term start was given, so it could not be applied',
    ar: 'حُددت فترة سماح، لكن لم يُحدَّد بدء مدة العقد، فتعذّر تطبيقها',
  },
  'note.term_starts_inside': {
    params: { termStart: 'date' },
    en: 'the term starts on {termStart}, inside this period; the period is settled in full',
    ar: 'تبدأ مدة العقد في {termStart} داخل هذه الفترة؛ وتُسوّى الفترة كاملة',
  },
  'note.partly_grace': {
    params: { graceLastDay: 'date', from: 'date' },
    en: 'the grace period ended inside this period (its last day was {graceLastDay}); only what falls after it is charged: each target is settled on its measurement from {from}',
    ar: 'انتهت فترة السماح داخل هذه الفترة (كان آخر أيامها {graceLastDay})؛ ولا يُحتسب إلا ما يقع بعدها: يُسوّى كل هدف بحسب قياسه ابتداءً من {from}',
  },
  'note.yearly_cap_calendar_year': {
    params: {},
    en: 'no term start was given: the yearly cap runs over the calendar year',
    ar: 'لم يُحدَّد بدء مدة العقد: يسري الحد الأقصى السنوي على السنة الميلادية',
  },
  // The grace period of the settlement.
  'grace.ended_before': {
    params: GRACE,
    en: 'the grace period ({grace} from {firstDay}) ended on {lastDay}, before this period',
    ar: 'انتهت فترة السماح ({grace} من {firstDay}) في {lastDay}، قبل هذه الفترة',
  },
  // The summary.
  'summary.nothing_owed': { params: { period: 'text' }, en: '{period}: nothing owed', ar: '{period}: لا شيء مستحق' },
  'summary.owed': {
    params: { period: 'text', amounts: 'moneys', owing: 'number', lines: 'count:line', rules: 'count:rule' },
    en: '{period}: {amounts} owed on {owing} of {lines} ({rules})',
    ar: '{period}: مستحق {amounts} عن {owing} من أصل {lines} ({rules})',
  },
  'summary.grace_runs_through': {
    params: { lastDay: 'date' },
    en: 'the grace period runs through {lastDay}',
    ar: 'تمتد فترة السماح حتى {lastDay}',
  },
  'summary.caps_took_off': { params: { amounts: 'moneys' }, en: 'caps took off {amounts}', ar: 'خصمت الحدود القصوى {amounts}' },
  'summary.termination_consecutive': {
    params: { right: 'text', count: 'count:consecutive_breached_period', periods: 'texts' },
    en: 'termination right {right} triggered after {count} ({periods})',
    ar: 'نشأ حق الإنهاء {right} بعد {count} ({periods})',
  },
  'summary.termination_in_year': {
    params: { right: 'text', count: 'count:breached_period_in_year', periods: 'texts' },
    en: 'termination right {right} triggered after {count} ({periods})',
    ar: 'نشأ حق الإنهاء {right} بعد {count} ({periods})',
  },
  'summary.no_penalties': {
    params: { breached: 'number', targets: 'count:target' },
    en: '{breached} of {targets} breached; the agreement sets no penalties',
    ar: 'خولف {breached} من {targets}؛ ولا يحدد الاتفاق أي جزاءات',
  },
  // Termination rights.
  'termination.no_result': {
    params: { target: 'text', need: 'need' },
    en: 'not triggered: no result for {target} in this period (the right needs {need})',
    ar: 'لم ينشأ: لا نتيجة لـ {target} في هذه الفترة (يتطلب الحق {need})',
  },
  'termination.in_grace': {
    params: { window: 'text' },
    en: 'not triggered: {window} ends within the grace period, whose breaches do not count',
    ar: 'لم ينشأ: تنتهي {window} داخل فترة السماح، ومخالفاتها لا تُحتسب',
  },
  'termination.triggered_consecutive': {
    params: { count: 'count:consecutive_breached_period', periods: 'texts', need: 'need' },
    en: 'triggered: {count} ({periods}); the right arises after {need}',
    ar: 'نشأ الحق: {count} ({periods})؛ وينشأ الحق بعد {need}',
  },
  'termination.triggered_in_year': {
    params: { count: 'count:breached_period', yearTo: 'date', periods: 'texts', need: 'need' },
    en: 'triggered: {count} in the year to {yearTo} ({periods}); the right arises after {need}',
    ar: 'نشأ الحق: {count} في السنة المنتهية في {yearTo} ({periods})؛ وينشأ الحق بعد {need}',
  },
  'termination.not_breached': {
    params: { target: 'text', window: 'text', need: 'need' },
    en: 'not triggered: {target} is not breached in {window} (the right needs {need})',
    ar: 'لم ينشأ: {target} غير مُخالَف في {window} (يتطلب الحق {need})',
  },
  'termination.short_consecutive': {
    params: { count: 'count:consecutive_breached_period', periods: 'texts', need: 'need' },
    en: 'not triggered: {count} ({periods}); the right needs {need}',
    ar: 'لم ينشأ: {count} ({periods})؛ ويتطلب الحق {need}',
  },
  'termination.short_in_year': {
    params: { count: 'count:breached_period', yearTo: 'date', periods: 'texts', need: 'need' },
    en: 'not triggered: {count} in the year to {yearTo} ({periods}); the right needs {need}',
    ar: 'لم ينشأ: {count} في السنة المنتهية في {yearTo} ({periods})؛ ويتطلب الحق {need}',
  },
  'termination.counted_consecutive': {
    params: { count: 'count:consecutive_breached_period', periods: 'texts' },
    en: 'so far {count} ({periods})',
    ar: 'حتى الآن {count} ({periods})',
  },
  'termination.counted_in_year': {
    params: { count: 'count:breached_period', yearTo: 'date', periods: 'texts' },
    en: 'so far {count} in the year to {yearTo} ({periods})',
    ar: 'حتى الآن {count} في السنة المنتهية في {yearTo} ({periods})',
  },
  'termination.description': { params: { text: 'text' }, en: 'the right: {text}', ar: 'الحق: {text}' },
} as const satisfies Record<string, Entry>;

/** Every code the engines write: the settlement's and the compliance engine's (compliance.ts). */
export const CODES = { ...SETTLEMENT_CODES, ...COMPLIANCE_CODES } as const satisfies Record<string, Entry>;

export type WhyCode = keyof typeof CODES;

/** The params a code takes, by name (the shapes `ParamValue` lists, per kind). */
type KindValue<K> = K extends 'text'
  ? string
  : K extends 'texts'
    ? string[]
    : K extends 'date'
      ? string
      : K extends 'money'
        ? Money
        : K extends 'moneys'
          ? Money[]
          : K extends 'number' | 'percent' | 'duration' | `count:${string}`
            ? number
            : K extends 'measure'
              ? Measure
              : K extends 'promise'
                ? Measure & { comparator: string }
                : K extends 'threshold'
                  ? Measure & { bound: 'below' | 'above' }
                  : K extends 'excluded'
                    ? Array<{ id: string; reason: string }>
                    : K extends 'need'
                      ? { rule: 'consecutive' | 'in_year'; count: number }
                      : K extends 'instant'
                        ? Instant
                        : string;
export type ParamsOf<C extends WhyCode> = { -readonly [P in keyof (typeof CODES)[C]['params']]: KindValue<(typeof CODES)[C]['params'][P]> };

/** A clause, typed by its code (the core builds them with this, so a missing or misnamed param does not compile). */
export function why<C extends WhyCode>(code: C, params: ParamsOf<C>): Why {
  return { code, params: params as Record<string, ParamValue> };
}

export const LANGS: readonly Lang[] = ['en', 'ar'];

/** A sentence's clauses as people write them: joined by a semicolon (Arabic's own in Arabic). */
const JOIN: Record<Lang, string> = { en: '; ', ar: '؛ ' };

/** Items listed in full before "and N more" (a month may have hundreds of tickets). */
const LIST_MAX = 12;

/** How an instant is shown: its date and time to the minute, with the zone's short name (the zone is part of the fact). */
export const INSTANT: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
};

/** The formatters for one language and locale, made once and kept (Intl formatters are costly to make). */
function formatters(lang: Lang, locale: string) {
  const nf = new Intl.NumberFormat(locale, { maximumFractionDigits: 6 });
  const pf = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 6 });
  const df = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  const lf = new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' });
  const uf = new Intl.ListFormat(locale, { style: 'narrow', type: 'unit' });
  const pr = new Intl.PluralRules(locale);
  const money = new Map<string, Intl.NumberFormat>();
  const units = new Map<string, Intl.NumberFormat>();
  // Each figure is isolated (FSI … PDI) in Arabic so a Latin id or a label like 2026-12 keeps its direction.
  const iso = (s: string) => (lang === 'ar' ? `\u2068${s}\u2069` : s);
  const unit = (n: number, u: string) => {
    let f = units.get(u);
    if (!f) {
      f = new Intl.NumberFormat(locale, { style: 'unit', unit: u, unitDisplay: 'narrow' });
      units.set(u, f);
    }
    return f.format(n);
  };
  const duration = (ms: number) => {
    if (ms > 0 && ms < 1000) return unit(Math.round(ms), 'millisecond');
    let s = Math.round(Math.abs(ms) / 1000);
    const parts: string[] = [];
    for (const [u, size] of [
      ['day', 86_400],
      ['hour', 3_600],
      ['minute', 60],
      ['second', 1],
    ] as const) {
      const n = Math.floor(s / size);
      if (n > 0) parts.push(unit(n, u));
      s -= n * size;
    }
    return parts.length === 0 ? unit(0, 'second') : uf.format(parts);
  };
  const count = (n: number, noun: Noun) => {
    const forms: Partial<Record<Intl.LDMLPluralRule, string>> = NOUNS[noun][lang];
    const form = forms[pr.select(n)] ?? forms.other!;
    return form.replace('#', nf.format(n));
  };
  const measure = (m: Measure) =>
    m.unit === 'percent' ? pf.format(m.value / 100) : m.unit === 'seconds' ? duration(m.value * 1000) : nf.format(m.value);
  const list = (items: string[]) =>
    items.length === 0
      ? '–'
      : items.length <= LIST_MAX
        ? lf.format(items)
        : lf.format([...items.slice(0, LIST_MAX), count(items.length - LIST_MAX, 'more')]);
  const fmtMoney = (m: Money) => {
    let f = money.get(m.currency);
    if (!f) {
      f = new Intl.NumberFormat(locale, { style: 'currency', currency: m.currency });
      money.set(m.currency, f);
    }
    return f.format(m.minor / 10 ** (f.resolvedOptions().maximumFractionDigits ?? 2));
  };
  const word = (table: keyof typeof WORDS, v: string) => (WORDS[table][lang] as Record<string, string>)[v] ?? v;
  const cmp: Record<string, string> = { '>=': '≥', '<=': '≤', '>': '>', '<': '<' };
  const zoned = new Map<string, Intl.DateTimeFormat | null>();
  /** An instant in its zone; null for a zone Intl does not know or a text that is not an instant. */
  const instant = (at: string, zone: string): string | null => {
    let f = zoned.get(zone);
    if (f === undefined) {
      try {
        f = new Intl.DateTimeFormat(locale, { ...INSTANT, timeZone: zone });
      } catch {
        f = null;
      }
      zoned.set(zone, f);
    }
    const ms = /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(at) ? Date.parse(at) : Number.NaN;
    return f && Number.isFinite(ms) ? iso(f.format(ms)) : null;
  };
  return { nf, pf, df, iso, duration, count, measure, list, money: fmtMoney, word, cmp, instant };
}

type Formatters = ReturnType<typeof formatters>;
const made = new Map<string, Formatters>();
function formattersFor(lang: Lang, locale: string): Formatters {
  const key = `${lang}\u0000${locale}`;
  let f = made.get(key);
  if (!f) {
    f = formatters(lang, locale);
    made.set(key, f);
  }
  return f;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isMoney = (v: unknown): v is Money => isObj(v) && isNum(v.minor) && isStr(v.currency) && /^[A-Z]{3}$/.test(v.currency);
const isMeasure = (v: unknown): v is Measure => isObj(v) && isNum(v.value) && isStr(v.unit);

/** One param in words; null when it does not have the shape its kind needs. */
function param(f: Formatters, kind: Kind, v: unknown): string | null {
  if (kind.startsWith('count:')) return isNum(v) ? f.count(v, kind.slice(6) as Noun) : null;
  switch (kind) {
    case 'text':
      return isStr(v) ? f.iso(v) : null;
    case 'texts':
      return Array.isArray(v) && v.every(isStr) ? f.list(v.map(f.iso)) : null;
    case 'date': {
      const m = isStr(v) ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(v) : null;
      return m ? f.df.format(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12)) : null;
    }
    case 'money':
      return isMoney(v) ? f.money(v) : null;
    case 'moneys':
      return Array.isArray(v) && v.every(isMoney) ? f.list(v.map(f.money)) : null;
    case 'number':
      return isNum(v) ? f.nf.format(v) : null;
    case 'percent':
      return isNum(v) ? f.pf.format(v / 100) : null;
    case 'duration':
      return isNum(v) ? f.duration(v) : null;
    case 'measure':
      return isMeasure(v) ? f.measure(v) : null;
    case 'promise': {
      const c = (v as { comparator?: unknown } | null)?.comparator;
      return isMeasure(v) && isStr(c) ? f.iso(`${f.cmp[c] ?? c} ${f.measure(v)}`) : null;
    }
    case 'threshold': {
      const bound = (v as { bound?: unknown } | null)?.bound;
      return isMeasure(v) && (bound === 'below' || bound === 'above') ? `${f.word('bound', bound)} ${f.measure(v)}` : null;
    }
    case 'excluded':
      return Array.isArray(v) && v.every((x) => isObj(x) && isStr(x.id) && isStr(x.reason))
        ? f.list(v.map((x: { id: string; reason: string }) => `${f.iso(x.id)} (${f.iso(x.reason)})`))
        : null;
    case 'need': {
      if (!isObj(v) || !isNum(v.count) || (v.rule !== 'consecutive' && v.rule !== 'in_year')) return null;
      return f.count(v.count, v.rule === 'consecutive' ? 'consecutive_breached_period' : 'breached_period_in_year');
    }
    case 'instant':
      return isObj(v) && isStr(v.at) && isStr(v.zone) ? f.instant(v.at, v.zone) : null;
    case 'state':
    case 'cap':
    case 'exclusion':
    case 'evidence':
      return isStr(v) ? f.word(kind, v) : null;
    default:
      return null;
  }
}

/** Whether this module knows the code (a newer server may send one it does not). */
export function knownCode(code: string): code is WhyCode {
  return Object.hasOwn(CODES, code);
}

/**
 * One clause in the language, figures through Intl in `locale` (by default 'ar' or 'en-GB', as the
 * web app formats); null for an unknown code or params of the wrong shape.
 */
export function sayWhy(w: Why, lang: Lang, locale = lang === 'ar' ? 'ar' : 'en-GB'): string | null {
  if (!isObj(w) || !isStr(w.code) || !knownCode(w.code) || !isObj(w.params)) return null;
  const entry: Entry = CODES[w.code];
  const f = formattersFor(lang, locale);
  const said: Record<string, string> = {};
  for (const [name, kind] of Object.entries(entry.params)) {
    const s = param(f, kind, w.params[name]);
    if (s === null) return null;
    said[name] = s;
  }
  return entry[lang].replace(/\{(\w+)\}/g, (m, k: string) => said[k] ?? m);
}

/**
 * A sentence's clauses, joined as the language joins them; null when any clause cannot be said
 * (then the caller shows the engine's English sentence, marked as English) or when there are none.
 * `sentence` ends it with a full stop (a summary).
 */
export function sayClauses(
  clauses: readonly Why[] | undefined | null,
  lang: Lang,
  opts: { locale?: string; sentence?: boolean } = {},
): string | null {
  if (!Array.isArray(clauses) || clauses.length === 0) return null;
  const out: string[] = [];
  for (const c of clauses) {
    const s = sayWhy(c, lang, opts.locale);
    if (s === null) return null;
    out.push(s);
  }
  const text = out.join(JOIN[lang]);
  return opts.sentence ? `${text}.` : text;
}
