/**
 * A service report (service-report.ts) as a standalone HTML page, in English or Arabic: one file
 * with its style inline and no script, so it opens anywhere, prints, and turns into a PDF (pdf.ts)
 * looking the same. Numbers, percentages, dates and money go through Intl in the language's
 * locale; Arabic pages are right-to-left. What the engines wrote (the settlement's summary, notes
 * and amounts owed; each target's reason and note from the compliance engine) is said in the page's
 * language from its clauses (src/core/i18n/settlement.ts and compliance.ts, the catalogue the web
 * app uses too); what has no clauses (a revision made before clauses existed, a code this version
 * does not know) is shown as written, in English, marked so (lang="en", dir="ltr").
 *
 * The page is a function of the stored content and its revision alone: the same revision renders
 * the same bytes.
 */
import { type Money, sayClauses, type Why } from '../core/i18n/settlement.ts';
import type { ServiceReportRevision } from '../store/types.ts';
import type { ServiceReport, ServiceReportLine } from './service-report.ts';

export type ReportLanguage = 'en' | 'ar';
export const REPORT_LANGUAGES: readonly ReportLanguage[] = ['en', 'ar'];

const TEXT = {
  en: {
    title: 'Service review',
    customer: 'Customer',
    provider: 'Provider',
    period: 'Period',
    revision: 'Revision',
    made: 'made',
    events: 'from the events up to number',
    targets: 'Targets',
    target: 'Target',
    window: 'Window',
    promised: 'Promised',
    value: 'Value',
    state: 'State',
    previous: 'Previous period',
    trend: 'Trend',
    owed: 'Owed',
    due: 'Due',
    misses: 'What is behind the misses',
    tickets: 'breached tickets',
    outages: 'outages counted',
    more: 'more',
    maintenance: 'Maintenance in the period',
    noMaintenance: 'No maintenance was announced for this period.',
    announced: 'announced',
    money: 'Credits and fines',
    nothingOwed: 'Nothing is owed for this period.',
    total: 'Total',
    notes: 'Notes',
    summary: 'Summary',
    integrity: 'This report is frozen: its content has the SHA-256',
    states: { met: 'met', at_risk: 'at risk', breached: 'breached', no_data: 'no data', not_measured: 'not measured' } as Record<
      string,
      string
    >,
    trends: { better: 'better', worse: 'worse', same: 'the same' } as Record<string, string>,
  },
  ar: {
    title: 'مراجعة الخدمة',
    customer: 'العميل',
    provider: 'مزوّد الخدمة',
    period: 'الفترة',
    revision: 'المراجعة',
    made: 'أُعدّت في',
    events: 'من الأحداث حتى الرقم',
    targets: 'الأهداف',
    target: 'الهدف',
    window: 'النافذة',
    promised: 'المتعهَّد به',
    value: 'القيمة',
    state: 'الحالة',
    previous: 'الفترة السابقة',
    trend: 'الاتجاه',
    owed: 'المستحق',
    due: 'تاريخ الاستحقاق',
    misses: 'ما وراء الإخفاقات',
    tickets: 'تذاكر تجاوزت المهلة',
    outages: 'انقطاعات محسوبة',
    more: 'أخرى',
    maintenance: 'الصيانة خلال الفترة',
    noMaintenance: 'لم يُعلَن عن أي صيانة لهذه الفترة.',
    announced: 'أُعلن عنها في',
    money: 'الخصومات والغرامات',
    nothingOwed: 'لا شيء مستحق عن هذه الفترة.',
    total: 'المجموع',
    notes: 'ملاحظات',
    summary: 'الملخص',
    integrity: 'هذا التقرير مجمَّد: بصمة محتواه SHA-256 هي',
    states: { met: 'مُحقَّق', at_risk: 'معرَّض للخطر', breached: 'مُخالَف', no_data: 'لا بيانات', not_measured: 'غير مقيس' } as Record<
      string,
      string
    >,
    trends: { better: 'أفضل', worse: 'أسوأ', same: 'كما هو' } as Record<string, string>,
  },
};

/** The page's style sheet: inline, so its SHA-256 goes into the page's CSP (htmlPageCsp). */
export const REPORT_STYLE = `
:root { color: #1d2433; font: 14px/1.5 "Noto Sans", "Noto Naskh Arabic", "DejaVu Sans", Arial, sans-serif; }
body { margin: 0 auto; max-width: 960px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 24px 0 8px; border-bottom: 1px solid #d5d9e2; padding-bottom: 4px; }
.meta { color: #4a5468; margin: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #e3e6ec; padding: 6px 8px; text-align: start; vertical-align: top; }
th { background: #f3f5f9; font-weight: 600; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.state { border-radius: 3px; padding: 1px 6px; white-space: nowrap; }
.s-met { background: #e3f4e8; color: #17612f; }
.s-at_risk { background: #fff2d6; color: #7a4b00; }
.s-breached { background: #fde2e1; color: #9b1c1c; }
.s-no_data, .s-not_measured { background: #eceff4; color: #4a5468; }
.ids { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; word-break: break-all; }
.foot { color: #4a5468; font-size: 12px; margin-top: 32px; word-break: break-all; }
@media print { body { padding: 0; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
`;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** English text the engine wrote, inside a page in another language. */
const asWritten = (s: string, lang: ReportLanguage) => (lang === 'en' ? esc(s) : `<span lang="en" dir="ltr">${esc(s)}</span>`);

export function renderServiceReportHtml(
  r: ServiceReport,
  rev: Omit<ServiceReportRevision, 'content'>,
  lang: ReportLanguage = 'en',
): string {
  const t = TEXT[lang];
  const locale = lang === 'ar' ? 'ar' : 'en';
  const zone = r.period.zone;
  const num = (v: number | null, unit?: string) => {
    if (v === null) return '–';
    const f = new Intl.NumberFormat(locale, { maximumFractionDigits: 3 }).format(v);
    return unit === 'percent' ? `${f}%` : f;
  };
  const day = (iso: string) => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: zone }).format(new Date(iso));
  const instant = (iso: string) =>
    new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(new Date(iso));
  const state = (s: string) => `<span class="state s-${esc(s)}">${esc(t.states[s] ?? s)}</span>`;
  const promised = (l: ServiceReportLine) => {
    const m = /^(>=|<=|>|<)\s*(-?[\d.]+)$/.exec(l.promised);
    return m ? `<bdi>${esc(m[1]!)} ${num(Number(m[2]))}</bdi>` : esc(l.promised);
  };
  const money = (minor: number, currency: string) => {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(minor / 10 ** digits);
  };
  /** The engine's sentence in the page's language from its clauses; as written (English) without them. */
  const said = (clauses: Why[] | undefined, english: string, sentence = false) => {
    const s = sayClauses(clauses, lang, { locale, sentence });
    return s === null ? asWritten(english, lang) : esc(s);
  };
  const amounts = (list: Money[] | null | undefined, english: string) =>
    list && list.length > 0 ? esc(list.map((m) => money(m.minor, m.currency)).join(' + ')) : asWritten(english, lang);

  const rows = r.lines
    .map(
      (l) => `<tr>
<th scope="row">${esc(l.name)}<br><span class="meta ids">${esc(l.target)}</span></th>
<td>${esc(l.window)}</td>
<td class="num">${promised(l)}</td>
<td class="num">${num(l.value)}</td>
<td>${state(l.state)}</td>
<td class="num">${l.previous ? `${num(l.previous.value)} ${state(l.previous.state)}` : '–'}</td>
<td>${l.trend ? esc(t.trends[l.trend] ?? l.trend) : '–'}</td>
<td class="num">${l.owed ? amounts(l.owedAmounts, l.owed) : '–'}</td>
<td class="num">${l.due ? esc(day(`${l.due}T12:00:00Z`)) : '–'}</td>
</tr>
<tr><td colspan="9" class="meta">${said(l.reasonWhy, l.reason)}${l.note ? ` — ${said(l.noteWhy, l.note)}` : ''}</td></tr>`,
    )
    .join('\n');

  const misses = r.lines
    .filter((l) => l.misses)
    .map((l) => {
      const m = l.misses!;
      const more = m.total > m.ids.length ? ` (+${num(m.total - m.ids.length)} ${t.more})` : '';
      return `<li><strong>${esc(l.name)}</strong>: ${num(m.total)} ${m.kind === 'tickets' ? t.tickets : t.outages}${more}<div class="ids" dir="ltr">${m.ids.map(esc).join(', ')}</div></li>`;
    });

  const maintenance =
    r.maintenance.length === 0
      ? `<p>${t.noMaintenance}</p>`
      : `<ul>${r.maintenance
          .map(
            (m) =>
              `<li><bdi>${esc(m.id)}</bdi>${m.service ? ` (<bdi>${esc(m.service)}</bdi>)` : ''}: ${esc(instant(m.start))} – ${esc(instant(m.end))}; ${t.announced} ${esc(instant(m.announcedAt))}</li>`,
          )
          .join('')}</ul>`;

  const owing = r.totals.filter((x) => x.amountMinor !== 0);
  const moneySection =
    owing.length === 0
      ? `<p>${t.nothingOwed}</p>`
      : `<table><thead><tr><th scope="col">${t.total}</th><th scope="col">${t.due}</th></tr></thead><tbody>${owing
          .map(
            (x) =>
              `<tr><td class="num">${esc(money(x.amountMinor, x.currency))}</td><td>${r.due.length ? r.due.map((d) => `${esc(day(`${d.date}T12:00:00Z`))} (<bdi>${esc(d.target)}</bdi>: ${amounts(d.money ? [d.money] : null, d.amount)})`).join('<br>') : '–'}</td></tr>`,
          )
          .join('')}</tbody></table>`;

  const parties = [
    r.agreement.customer ? `${t.customer}: <bdi>${esc(r.agreement.customer.name ?? r.agreement.customer.id)}</bdi>` : null,
    r.agreement.provider ? `${t.provider}: <bdi>${esc(r.agreement.provider.name ?? r.agreement.provider.id)}</bdi>` : null,
  ]
    .filter(Boolean)
    .join(' · ');

  return `<!doctype html>
<html lang="${lang}" dir="${lang === 'ar' ? 'rtl' : 'ltr'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(t.title)} — ${esc(r.agreement.name)} — ${esc(r.period.label)}</title>
<style>${REPORT_STYLE}</style>
</head>
<body>
<header>
<h1>${esc(t.title)}: <bdi>${esc(r.agreement.name)}</bdi></h1>
<p class="meta">${parties}</p>
<p class="meta">${t.period}: <bdi>${esc(r.period.label)}</bdi> (${esc(day(r.period.from))} – ${esc(day(new Date(Date.parse(r.period.to) - 1).toISOString()))}, <bdi>${esc(zone)}</bdi>)</p>
<p class="meta">${t.revision} ${num(rev.revision)}, ${t.made} ${esc(instant(new Date(rev.createdAt).toISOString()))}, ${t.events} ${num(rev.eventSeq)}</p>
</header>
<main>
<h2>${t.summary}</h2>
<p>${said(r.summaryWhy, r.summary, true)}</p>
<h2>${t.targets}</h2>
<table>
<thead><tr><th scope="col">${t.target}</th><th scope="col">${t.window}</th><th scope="col">${t.promised}</th><th scope="col">${t.value}</th><th scope="col">${t.state}</th><th scope="col">${t.previous}${r.previousPeriod ? ` (<bdi>${esc(r.previousPeriod)}</bdi>)` : ''}</th><th scope="col">${t.trend}</th><th scope="col">${t.owed}</th><th scope="col">${t.due}</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${misses.length ? `<h2>${t.misses}</h2><ul>${misses.join('')}</ul>` : ''}
<h2>${t.maintenance}</h2>
${maintenance}
<h2>${t.money}</h2>
${moneySection}
${r.notes.length ? `<h2>${t.notes}</h2><ul>${r.notes.map((n, k) => `<li>${said(r.notesWhy?.length === r.notes.length ? [r.notesWhy[k]!] : undefined, n)}</li>`).join('')}</ul>` : ''}
</main>
<footer class="foot">${t.integrity} <span dir="ltr">${esc(rev.sha256)}</span></footer>
</body>
</html>
`;
}
