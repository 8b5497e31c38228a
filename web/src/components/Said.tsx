/**
 * What the settlement engine wrote, in the page's language: said from its clauses with the
 * catalogue the HTML/PDF report uses too (src/core/i18n/settlement.ts, which imports nothing, so
 * no server code enters the bundle). Only when there are no clauses (a settlement stored before
 * them) or one this app does not know (a newer server) is the engine's English shown, marked as
 * English so that screen readers and the bidi algorithm read it as such.
 */
import { sayClauses, type Why } from '../../../src/core/i18n/settlement';
import { useI18n } from '../i18n';

export function Said({ clauses, english, sentence = false }: { clauses: Why[] | undefined; english: string; sentence?: boolean }) {
  const { lang } = useI18n();
  const said = sayClauses(clauses, lang, { locale: lang === 'ar' ? 'ar' : 'en-GB', sentence });
  return said !== null ? (
    <>{said}</>
  ) : (
    <span lang="en" dir="ltr" className="as-written">
      {english}
    </span>
  );
}
