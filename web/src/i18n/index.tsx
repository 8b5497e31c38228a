/**
 * Languages: English and Arabic. The choice is kept in localStorage; Arabic sets lang="ar" and
 * dir="rtl" on <html>. Numbers, percentages, money, dates and durations go through Intl with the
 * language's locale, never hand-formatted.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { ar } from './ar';
import { type Dict, en, type Key } from './en';

export type Lang = 'en' | 'ar';
const DICTS: Record<Lang, Dict> = { en, ar };
const STORAGE_KEY = 'pledge.lang';

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'en' || saved === 'ar') return saved;
  } catch {
    // storage may be unavailable (privacy mode): fall back to the browser's language
  }
  return navigator.language.toLowerCase().startsWith('ar') ? 'ar' : 'en';
}

export interface I18n {
  lang: Lang;
  setLang: (l: Lang) => void;
  t: (key: Key, vars?: Record<string, string | number>) => string;
  num: (n: number, digits?: number) => string;
  pct: (n: number, digits?: number) => string;
  money: (minor: number, currency: string) => string;
  date: (iso: string | number) => string;
  dateTime: (iso: string | number) => string;
  time: (iso: string | number) => string;
  duration: (ms: number) => string;
  /** A month label (2026-11) as its name and year ("November 2026"); any other label as it is. */
  month: (label: string) => string;
}

const Ctx = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);

  useEffect(() => {
    const html = document.documentElement;
    html.lang = lang;
    html.dir = lang === 'ar' ? 'rtl' : 'ltr';
  }, [lang]);

  const setLang = useCallback((l: Lang) => {
    setLangState(l);
    try {
      localStorage.setItem(STORAGE_KEY, l);
    } catch {
      // not persisted; the choice still holds for this page
    }
  }, []);

  const value = useMemo<I18n>(() => {
    const dict = DICTS[lang];
    const locale = lang === 'ar' ? 'ar' : 'en-GB';
    const nf = new Map<number, Intl.NumberFormat>();
    const numFmt = (digits: number) => {
      let f = nf.get(digits);
      if (!f) {
        f = new Intl.NumberFormat(locale, { maximumFractionDigits: digits });
        nf.set(digits, f);
      }
      return f;
    };
    // Intl formatters cost far more to make than to use: one per kind, kept (a list of a thousand
    // agreements formats thousands of figures).
    const made = new Map<string, Intl.NumberFormat>();
    const fmt = (key: string, opts: Intl.NumberFormatOptions) => {
      let f = made.get(key);
      if (!f) {
        f = new Intl.NumberFormat(locale, opts);
        made.set(key, f);
      }
      return f;
    };
    const dateF = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
    const dateTimeF = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
    const timeF = new Intl.DateTimeFormat(locale, { timeStyle: 'medium' });
    const monthF = new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' });
    const listF = new Intl.ListFormat(locale, { style: 'narrow', type: 'unit' });
    const t = (key: Key, vars?: Record<string, string | number>) => {
      const s: string = dict[key] ?? en[key] ?? key;
      // Each value is isolated (FSI … PDI) so that a Latin name or a label like 2026-12 keeps its own
      // direction inside Arabic text instead of being reordered by the surrounding sentence.
      return vars ? s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? `\u2068${vars[k]}\u2069` : m)) : s;
    };
    const duration = (ms: number) => {
      const neg = ms < 0;
      let s = Math.round(Math.abs(ms) / 1000);
      const d = Math.floor(s / 86400);
      s -= d * 86400;
      const h = Math.floor(s / 3600);
      s -= h * 3600;
      const m = Math.floor(s / 60);
      s -= m * 60;
      const parts: string[] = [];
      const unit = (n: number, u: 'day' | 'hour' | 'minute' | 'second') =>
        fmt(`unit:${u}`, { style: 'unit', unit: u, unitDisplay: 'narrow' }).format(n);
      if (d) parts.push(unit(d, 'day'));
      if (h) parts.push(unit(h, 'hour'));
      if (m && d === 0) parts.push(unit(m, 'minute'));
      if (s && d === 0 && h === 0) parts.push(unit(s, 'second'));
      if (parts.length === 0) parts.push(unit(0, 'second'));
      const text = listF.format(parts);
      return neg ? `−${text}` : text;
    };
    return {
      lang,
      setLang,
      t,
      num: (n, digits = 2) => numFmt(digits).format(n),
      pct: (n, digits = 2) => fmt(`pct:${digits}`, { style: 'percent', maximumFractionDigits: digits }).format(n / 100),
      money: (minor, currency) => {
        const f = fmt(`cur:${currency}`, { style: 'currency', currency });
        const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
        return f.format(minor / 10 ** digits);
      },
      date: (iso) => dateF.format(new Date(iso)),
      dateTime: (iso) => dateTimeF.format(new Date(iso)),
      time: (iso) => timeF.format(new Date(iso)),
      duration,
      month: (label) => {
        const m = /^(\d{4})-(\d{2})$/.exec(label);
        return m ? monthF.format(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)) : label;
      },
    };
  }, [lang, setLang]);

  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}

export type { Key };
