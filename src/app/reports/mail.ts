/**
 * The words of a scheduled report e-mail, in the schedule's language. Plain text: the e-mail
 * renderer (core/delivery/email-content.ts) escapes it for the HTML part. Agreement names come
 * from users and are put in as they are (one line each).
 */
import type { ReportLanguage } from '../report-html.ts';

export interface ReportMailInput {
  schedule: string;
  period: string;
  agreements: Array<{ id: string; name: string; revision: number }>;
  /** The PDF could not be made (no Chromium): HTML is attached instead. */
  pdfMissing: boolean;
}

const TEXT: Record<
  ReportLanguage,
  {
    subject(period: string, names: string): string;
    intro(period: string, n: number): string;
    line(a: ReportMailInput['agreements'][number]): string;
    noPdf: string;
    footer(schedule: string): string;
  }
> = {
  en: {
    subject: (period, names) => `Service report ${period}: ${names}`,
    intro: (period, n) => `Attached: the service report${n === 1 ? '' : 's'} for ${period}.`,
    line: (a) => `- ${a.name} (${a.id}), revision ${a.revision}`,
    noPdf:
      'The PDF could not be made on this server (Chromium is not installed), so each report is attached as HTML: open it in a browser, which can also print it.',
    footer: (schedule) => `Sent by the report schedule "${schedule}". Every figure can be traced to its events in Pledge.`,
  },
  ar: {
    subject: (period, names) => `تقرير الخدمة ${period}: ${names}`,
    intro: (period, n) => (n === 1 ? `مرفق: تقرير الخدمة للفترة ${period}.` : `مرفق: تقارير الخدمة للفترة ${period}.`),
    line: (a) => `- ${a.name} (${a.id})، الإصدار ${a.revision}`,
    noPdf: 'تعذّر إنشاء ملف PDF على هذا الخادم (لم يُثبَّت Chromium)، لذا أُرفق كل تقرير بصيغة HTML: افتحه في متصفح، ويمكن طباعته منه.',
    footer: (schedule) => `أُرسل بموجب جدول التقارير "${schedule}". يمكن تتبّع كل رقم إلى أحداثه في Pledge.`,
  },
};

export function reportMail(lang: ReportLanguage, m: ReportMailInput): { subject: string; text: string } {
  const t = TEXT[lang];
  const names = m.agreements.map((a) => a.name).join(', ');
  const parts = [t.intro(m.period, m.agreements.length), m.agreements.map(t.line).join('\n')];
  if (m.pdfMissing) parts.push(t.noPdf);
  parts.push(t.footer(m.schedule));
  return { subject: t.subject(m.period, names.length > 200 ? `${names.slice(0, 199)}…` : names), text: parts.join('\n\n') };
}
