/**
 * A public status page as server-rendered HTML, in English or Arabic (right-to-left): no script,
 * one inline style sheet whose SHA-256 goes into the page's CSP (STATUS_STYLE), so it works with
 * the app's CSP rules and without JavaScript. Accessible without colour: every status is written
 * out, every daily bar carries its date and figure as text (visually hidden, and as a tooltip),
 * and the bars are a list a screen reader can count.
 *
 * The page is a function of the view and the language alone: the same view renders the same bytes
 * (so its ETag changes only when what it shows changes).
 */
import { escapeHtml as esc } from '../../core/delivery/escape.ts';
import type { BarState, StatusLevel } from '../../core/status/index.ts';
import type { UpdateStatus } from './spec.ts';
import type { PageView } from './view.ts';

export type PageLanguage = 'en' | 'ar';

const TEXT = {
  en: {
    levels: {
      operational: 'Operational',
      under_maintenance: 'Under maintenance',
      degraded: 'Degraded performance',
      partial_outage: 'Partial outage',
      major_outage: 'Major outage',
    } as Record<StatusLevel, string>,
    overall: {
      operational: 'All systems operational',
      under_maintenance: 'Maintenance in progress',
      degraded: 'Some systems are degraded',
      partial_outage: 'Partial outage',
      major_outage: 'Major outage',
    } as Record<StatusLevel, string>,
    bars: {
      no_data: 'no data',
      not_measured: 'nothing measured (maintenance or outside service hours)',
      up: 'no downtime',
      degraded: 'some downtime',
      down: 'below target',
    } as Record<BarState, string>,
    updates: {
      investigating: 'Investigating',
      identified: 'Identified',
      monitoring: 'Monitoring',
      update: 'Update',
      resolved: 'Resolved',
    } as Record<UpdateStatus, string>,
    services: 'Services',
    uptime: 'uptime',
    last90: 'Uptime over the last 90 days',
    ago: '90 days ago',
    today: 'Today',
    down: 'down',
    maintenance: 'Scheduled maintenance',
    noMaintenance: 'No maintenance is scheduled.',
    incidents: 'Incidents',
    noIncidents: 'No incidents reported recently.',
    affects: 'Affects',
    resolved: 'Resolved',
    subscribe: 'Subscribe',
    atom: 'Incidents feed (Atom)',
    ics: 'Maintenance calendar (.ics)',
    updated: 'Updated',
    language: 'العربية',
    other: 'ar',
    measured: 'Uptime is measured by the rules of the service agreement: maintenance announced in time is not counted as downtime.',
  },
  ar: {
    levels: {
      operational: 'تعمل بشكل طبيعي',
      under_maintenance: 'تحت الصيانة',
      degraded: 'أداء متراجع',
      partial_outage: 'انقطاع جزئي',
      major_outage: 'انقطاع كبير',
    } as Record<StatusLevel, string>,
    overall: {
      operational: 'جميع الأنظمة تعمل بشكل طبيعي',
      under_maintenance: 'صيانة جارية',
      degraded: 'بعض الأنظمة أداؤها متراجع',
      partial_outage: 'انقطاع جزئي',
      major_outage: 'انقطاع كبير',
    } as Record<StatusLevel, string>,
    bars: {
      no_data: 'لا توجد بيانات',
      not_measured: 'لم يُقَس شيء (صيانة أو خارج ساعات الخدمة)',
      up: 'بلا توقف',
      degraded: 'بعض التوقف',
      down: 'دون المستهدف',
    } as Record<BarState, string>,
    updates: {
      investigating: 'قيد التحقيق',
      identified: 'تم تحديد السبب',
      monitoring: 'قيد المراقبة',
      update: 'تحديث',
      resolved: 'تم الحل',
    } as Record<UpdateStatus, string>,
    services: 'الخدمات',
    uptime: 'مدة التشغيل',
    last90: 'مدة التشغيل خلال آخر 90 يومًا',
    ago: 'قبل 90 يومًا',
    today: 'اليوم',
    down: 'توقف',
    maintenance: 'الصيانة المجدولة',
    noMaintenance: 'لا توجد صيانة مجدولة.',
    incidents: 'الحوادث',
    noIncidents: 'لم يُبلَّغ عن حوادث مؤخرًا.',
    affects: 'يؤثر على',
    resolved: 'تم الحل',
    subscribe: 'اشترك',
    atom: 'موجز الحوادث (Atom)',
    ics: 'تقويم الصيانة (.ics)',
    updated: 'آخر تحديث',
    language: 'English',
    other: 'en',
    measured: 'تُقاس مدة التشغيل وفق قواعد اتفاقية الخدمة: الصيانة المعلنة في وقتها لا تُحتسب توقفًا.',
  },
};

/** The page's style sheet: inline, so its SHA-256 goes into the page's CSP (htmlPageCsp). */
export const STATUS_STYLE = `
:root { color: #1d2433; background: #fff; font: 15px/1.5 "Noto Sans", "Noto Naskh Arabic", "DejaVu Sans", Arial, sans-serif; }
body { margin: 0 auto; max-width: 900px; padding: 24px 16px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; }
h3 { font-size: 16px; margin: 0; }
a { color: #1f4fb8; }
.meta, .note { color: #4a5468; font-size: 13px; }
.overall { border-radius: 6px; padding: 12px 16px; margin: 16px 0; font-weight: 600; }
.service { border: 1px solid #d5d9e2; border-radius: 6px; padding: 12px 16px; margin: 0 0 12px; }
.head { display: flex; justify-content: space-between; gap: 8px; flex-wrap: wrap; }
.bars { display: flex; gap: 2px; list-style: none; margin: 8px 0 4px; padding: 0; height: 32px; direction: ltr; }
.bars li { flex: 1; display: flex; }
.bar { flex: 1; border-radius: 2px; }
.ends { display: flex; justify-content: space-between; color: #4a5468; font-size: 12px; direction: ltr; }
.b-up { background: #2f9e55; } .b-degraded { background: #e0a400; } .b-down { background: #c9302c; }
.b-no_data, .b-not_measured { background: #c5cad3; }
.l-operational { background: #e3f4e8; color: #17612f; } .l-under_maintenance { background: #e3ecfb; color: #1f4fb8; }
.l-degraded { background: #fff2d6; color: #7a4b00; } .l-partial_outage { background: #ffe6d5; color: #8a3a00; }
.l-major_outage { background: #fde2e1; color: #9b1c1c; }
.level { border-radius: 3px; padding: 1px 8px; font-size: 13px; font-weight: 600; white-space: nowrap; }
.incident { border-inline-start: 4px solid #d5d9e2; padding: 4px 12px; margin: 0 0 16px; }
.updates { list-style: none; margin: 8px 0 0; padding: 0; }
.updates li { margin: 0 0 8px; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (prefers-color-scheme: dark) { :root { color: #e6e9ef; background: #14171d; } .service { border-color: #353b47; } a { color: #8fb2ff; } .meta, .note, .ends { color: #aab2c0; } }
`;

function when(ms: number, lang: PageLanguage): string {
  return `${new Intl.DateTimeFormat(lang === 'ar' ? 'ar' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'UTC',
  }).format(ms)} UTC`;
}

function percent(x: number, lang: PageLanguage): string {
  return new Intl.NumberFormat(lang === 'ar' ? 'ar' : 'en-GB', {
    style: 'percent',
    maximumFractionDigits: 2,
    minimumFractionDigits: 2,
  }).format(x);
}

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m} min`;
  return m % 60 === 0 ? `${m / 60} h` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** The page. `base` is its own path (prefix and path), for the feed and language links. */
export function renderStatusPage(v: PageView, lang: PageLanguage, base: string): string {
  const t = TEXT[lang];
  const title = (lang === 'ar' && v.titleAr) || v.title;
  const description = (lang === 'ar' && v.descriptionAr) || v.description;
  const level = (l: StatusLevel) => `<span class="level l-${l}">${esc(t.levels[l])}</span>`;
  const out: string[] = [];
  out.push(
    `<!doctype html><html lang="${lang}" dir="${lang === 'ar' ? 'rtl' : 'ltr'}"><head><meta charset="utf-8">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<link rel="alternate" type="application/atom+xml" title="${esc(t.atom)}" href="${esc(base)}/feed.atom">`,
    `<style>${STATUS_STYLE}</style></head><body>`,
    `<header><h1>${esc(title)}</h1>`,
    description ? `<p>${esc(description)}</p>` : '',
    `<p class="meta"><a href="${esc(base)}?lang=${t.other}" hreflang="${t.other}" lang="${t.other}">${esc(t.language)}</a></p></header>`,
    `<main><p class="overall l-${v.status}" role="status">${esc(t.overall[v.status])}</p>`,
    `<section aria-labelledby="services"><h2 id="services">${esc(t.services)}</h2>`,
  );
  for (const s of v.services) {
    const name = (lang === 'ar' && s.nameAr) || s.name;
    const uptime = s.uptime === null ? t.bars.no_data : `${percent(s.uptime, lang)} ${t.uptime}`;
    out.push(
      `<article class="service"><div class="head"><h3 dir="auto">${esc(name)}</h3>${level(s.status)}</div>`,
      `<ol class="bars" aria-label="${esc(`${t.last90}: ${name}`)}">`,
    );
    for (const b of s.bars) {
      const figure =
        b.availability === null
          ? t.bars[b.state]
          : `${percent(b.availability, lang)}, ${t.bars[b.state]}${b.downtimeMs > 0 ? `, ${minutes(b.downtimeMs)} ${t.down}` : ''}`;
      const label = `${b.date}: ${figure}`;
      out.push(`<li><span class="bar b-${b.state}" title="${esc(label)}"><span class="sr">${esc(label)}</span></span></li>`);
    }
    out.push(
      `</ol><div class="ends" aria-hidden="true"><span>${esc(t.ago)}</span><span>${esc(uptime)}</span><span>${esc(t.today)}</span></div>`,
    );
    out.push(`<p class="sr">${esc(uptime)}</p></article>`);
  }
  out.push(`<p class="note">${esc(t.measured)}</p></section>`);

  const upcoming = v.maintenance.filter((m) => m.end > v.now);
  out.push(`<section aria-labelledby="maintenance"><h2 id="maintenance">${esc(t.maintenance)}</h2>`);
  if (upcoming.length === 0) out.push(`<p>${esc(t.noMaintenance)}</p>`);
  else {
    out.push('<ul>');
    for (const m of upcoming)
      out.push(
        `<li><time datetime="${new Date(m.start).toISOString()}">${esc(when(m.start, lang))}</time> – <time datetime="${new Date(m.end).toISOString()}">${esc(when(m.end, lang))}</time>: ${esc(m.services.join(', '))}${m.start <= v.now ? ` ${level('under_maintenance')}` : ''}</li>`,
      );
    out.push('</ul>');
  }
  out.push(`</section><section aria-labelledby="incidents"><h2 id="incidents">${esc(t.incidents)}</h2>`);
  if (v.incidents.length === 0) out.push(`<p>${esc(t.noIncidents)}</p>`);
  for (const i of v.incidents) {
    out.push(
      `<article class="incident"><div class="head"><h3 dir="auto">${esc(i.title)}</h3>${i.resolvedAt === undefined ? level(i.level) : `<span class="level l-operational">${esc(t.resolved)}</span>`}</div>`,
      `<p class="meta">${esc(t.affects)}: ${esc(i.services.join(', '))}</p><ol class="updates" reversed>`,
    );
    for (const u of i.updates)
      out.push(
        `<li><strong>${esc(t.updates[u.status])}</strong> <span class="meta"><time datetime="${new Date(u.at).toISOString()}">${esc(when(u.at, lang))}</time></span><br><bdi>${esc(u.message)}</bdi></li>`,
      );
    out.push('</ol></article>');
  }
  out.push(
    `</section></main><footer><h2>${esc(t.subscribe)}</h2><ul><li><a href="${esc(base)}/feed.atom">${esc(t.atom)}</a></li>`,
    `<li><a href="${esc(base)}/maintenance.ics">${esc(t.ics)}</a></li></ul>`,
    `<p class="meta">${esc(t.updated)}: <time datetime="${new Date(v.now).toISOString()}">${esc(when(v.now, lang))}</time></p></footer></body></html>\n`,
  );
  return out.join('');
}
