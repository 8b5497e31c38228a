/** Shared checks for the metrics tests (not part of the public API). */
import assert from 'node:assert/strict';
import { LANGS, sayClauses, type Why } from '../i18n/settlement.ts';
import type { Verdict } from './compliance.ts';

function sayable(clauses: Why[] | undefined, english: string, where: string): void {
  assert.ok(Array.isArray(clauses) && clauses.length > 0, `${where}: no clauses for ${JSON.stringify(english)}`);
  for (const lang of LANGS) assert.ok(sayClauses(clauses, lang) !== null, `${where} (${lang}): ${JSON.stringify(clauses)}`);
}

/**
 * A verdict's reason, and its note when it has one, have clauses that can be said in every
 * language (known codes, params of the right shape); a note's clauses exist exactly when the
 * note does; so do each subject's. Run on every evaluation the compliance tests make.
 */
export function assertSayable(v: Verdict & { subjects?: Verdict[] }, where = 'evaluation'): void {
  sayable(v.reasonWhy, v.reason, `${where}.reason`);
  if (v.note === undefined) assert.equal(v.noteWhy, undefined, `${where}: clauses for a note that is not there`);
  else sayable(v.noteWhy, v.note, `${where}.note`);
  for (const [k, s] of (v.subjects ?? []).entries()) assertSayable(s, `${where}.subjects[${k}]`);
}
