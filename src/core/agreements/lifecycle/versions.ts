/**
 * Versions and amendments. A version is the agreement document as signed or amended, with the
 * instant from which it is in force. Versions are append-only: adding one returns a new list and
 * leaves every older version readable, so a past period can always be evaluated with the version
 * that was in force then.
 *
 * Rules (see README.md):
 * - Version 1 is the approved document; drafts are edited in place before that (nothing is in
 *   force yet, so nothing can be rewritten). A change to an approved, active, suspended or expired
 *   agreement is an amendment; an agreement in review goes back to draft first, and a terminated
 *   one is final (`changeKind`).
 * - Numbers run 1, 2, 3... Effective instants never go backwards: an amendment takes effect no
 *   earlier than the latest version. An amendment also never takes effect before it is created:
 *   a retroactive amendment would change figures already reported, which is rewriting history.
 * - Two versions with the same effective instant: the later one wins from that instant, and the
 *   earlier one is never in force (it can only happen before that instant, by the rule above).
 * - An effective date given as a civil date in a zone means local midnight of that day there
 *   (the first instant of the day when midnight is skipped by a daylight-saving change).
 */
import { parseInstant } from '../../time/instant.ts';
import { describeValue, fail, ok, type Issue, type Result } from '../../validation/issues.ts';
import type { LifecycleState } from './state.ts';
import {
  checkInstant,
  checkOptionalText,
  checkText,
  checkZone,
  civilDay,
  isInstant,
  isPlainObject,
  showInstant,
  startOfCivilDay,
} from './internal.ts';

/** An instant in epoch ms, an ISO 8601 instant with offset, or a civil date in an IANA zone. */
export type EffectiveInput = number | string | { date: string; zone: string };

export interface Version<D = unknown> {
  version: number;
  /** The instant from which this version is in force. */
  effective: number;
  /** The civil date and zone the effective instant was given as, kept for display. */
  effectiveDate?: { date: string; zone: string };
  document: D;
  createdAt: number;
  createdBy: string;
  note?: string;
}

export interface NewVersion<D = unknown> {
  effective: EffectiveInput;
  document: D;
  /** The caller's clock: when this version is recorded. */
  createdAt: number;
  createdBy: string;
  note?: string;
}

/** One piece of a period and the version in force throughout it: [from, to). */
export interface VersionPiece<D = unknown> {
  from: number;
  to: number;
  version: Version<D>;
}

/** Resolves an effective date to an instant. */
export function resolveEffective(
  input: unknown,
  path = 'effective',
): Result<{ effective: number; effectiveDate?: { date: string; zone: string } }> {
  if (typeof input === 'number') {
    const issues: Issue[] = [];
    return checkInstant(input, path, issues) ? ok({ effective: input }) : fail(...issues);
  }
  if (typeof input === 'string') {
    const r = parseInstant(input, path);
    if (!r.ok) {
      // A bare date is the most likely slip: say what else is needed.
      if (/^\d{4}-\d{2}-\d{2}$/.test(input))
        return fail({
          path,
          message: 'a date alone does not name an instant: give { date, zone } or an instant with offset',
          expected: '{ date: "2026-07-01", zone: "Europe/Berlin" }',
          received: describeValue(input),
        });
      return r;
    }
    return ok({ effective: r.value });
  }
  if (isPlainObject(input)) {
    const issues: Issue[] = [];
    const day = civilDay(input.date, `${path}.date`, issues);
    const zoneOk = checkZone(input.zone, `${path}.zone`, issues);
    if (day === undefined || !zoneOk) return fail(...issues);
    return ok({
      effective: startOfCivilDay(day, input.zone as string),
      effectiveDate: { date: input.date as string, zone: input.zone as string },
    });
  }
  return fail({
    path,
    message: input === undefined ? 'required field is missing' : 'expected an effective date',
    expected: 'an instant (epoch ms or ISO 8601 with offset) or { date, zone }',
    received: describeValue(input),
  });
}

/** What a change to the agreement is, given its lifecycle state, or why it is refused. */
export function changeKind(state: LifecycleState): Result<'draft_edit' | 'amendment'> {
  switch (state) {
    case 'draft':
      return ok('draft_edit');
    case 'approved':
    case 'active':
    case 'suspended':
    case 'expired':
      return ok('amendment');
    case 'in_review':
      return fail({
        path: 'state',
        message: 'the agreement is in review: request changes (back to draft) before editing it',
        expected: 'draft, approved, active, suspended or expired',
        received: '"in_review"',
      });
    case 'terminated':
      return fail({
        path: 'state',
        message: 'the agreement is terminated: it can no longer change',
        expected: 'draft, approved, active, suspended or expired',
        received: '"terminated"',
      });
    default:
      return fail({ path: 'state', message: 'not a lifecycle state', received: describeValue(state) });
  }
}

/**
 * Appends a version (the first one, or an amendment). Returns a new list; `versions` is untouched.
 */
export function addVersion<D>(versions: readonly Version<D>[], input: NewVersion<D>): Result<Version<D>[]> {
  const checked = checkVersions(versions);
  if (!checked.ok) return checked;
  if (!isPlainObject(input))
    return fail({
      path: 'version',
      message: 'expected a new version',
      expected: '{ effective, document, createdAt, createdBy, note? }',
      received: describeValue(input),
    });
  const issues: Issue[] = [];
  const eff = resolveEffective(input.effective, 'effective');
  if (!eff.ok) issues.push(...eff.issues);
  checkInstant(input.createdAt, 'createdAt', issues);
  checkText(input.createdBy, 'createdBy', issues, 'who created the version', 200);
  checkOptionalText(input.note, 'note', issues);
  if (!('document' in input) || input.document === undefined)
    issues.push({ path: 'document', message: 'required field is missing', expected: 'the agreement document', received: 'nothing' });
  if (issues.length > 0 || !eff.ok) return fail(...issues);
  const list = checked.value as Version<D>[];
  const v: Version<D> = {
    version: list.length + 1,
    effective: eff.value.effective,
    document: input.document as D,
    createdAt: input.createdAt,
    createdBy: input.createdBy,
  };
  if (eff.value.effectiveDate) v.effectiveDate = eff.value.effectiveDate;
  if (typeof input.note === 'string' && input.note.length > 0) v.note = input.note;
  const problems = amendmentIssues(list[list.length - 1], v, '');
  if (problems.length > 0) return fail(...problems);
  return ok([...list, v]);
}

/**
 * Validates a stored list of versions: each field, numbering 1..n, and the amendment rules between
 * neighbours. Issues are named `versions[2].effective` and so on.
 */
export function checkVersions<D = unknown>(versions: unknown): Result<Version<D>[]> {
  if (!Array.isArray(versions))
    return fail({
      path: 'versions',
      message: 'expected a list of versions',
      expected: 'a list (empty for a new agreement)',
      received: describeValue(versions),
    });
  const issues: Issue[] = [];
  versions.forEach((v: unknown, i) => {
    const p = `versions[${i}]`;
    if (!isPlainObject(v)) {
      issues.push({
        path: p,
        message: 'expected a version',
        expected: '{ version, effective, document, createdAt, createdBy }',
        received: describeValue(v),
      });
      return;
    }
    if (v.version !== i + 1)
      issues.push({
        path: `${p}.version`,
        message: 'versions are numbered 1, 2, 3... in order',
        expected: String(i + 1),
        received: describeValue(v.version),
      });
    checkInstant(v.effective, `${p}.effective`, issues);
    checkInstant(v.createdAt, `${p}.createdAt`, issues);
    checkText(v.createdBy, `${p}.createdBy`, issues, 'who created the version', 200);
    checkOptionalText(v.note, `${p}.note`, issues);
    if (v.document === undefined)
      issues.push({ path: `${p}.document`, message: 'required field is missing', expected: 'the agreement document', received: 'nothing' });
    if (issues.length === 0 && i > 0) issues.push(...amendmentIssues(versions[i - 1] as Version, v as unknown as Version, p));
  });
  return issues.length > 0 ? fail(...issues) : ok(versions as Version<D>[]);
}

/** The version in force at an instant: the latest one whose effective instant is at or before it. */
export function versionInForce<D>(versions: readonly Version<D>[], instant: number): Version<D> | undefined {
  if (!Array.isArray(versions) || !isInstant(instant)) return undefined;
  let best: Version<D> | undefined;
  // A linear scan needs no ordering assumption, so even an unchecked list gives the rule's answer.
  for (const v of versions as readonly unknown[]) {
    if (!isVersionLike<D>(v) || v.effective > instant) continue;
    if (!best || v.effective > best.effective || (v.effective === best.effective && v.version > best.version)) best = v;
  }
  return best;
}

/**
 * Splits [from, to) into pieces, each with the version in force throughout it. Time before the
 * first version took effect has no version and is not returned, so the pieces cover
 * [max(from, first effective), to) exactly, in order, without gaps or overlaps.
 */
export function versionsOverlapping<D>(versions: readonly Version<D>[], from: number, to: number): Result<VersionPiece<D>[]> {
  const issues: Issue[] = [];
  checkInstant(from, 'from', issues);
  checkInstant(to, 'to', issues);
  if (issues.length === 0 && !(to > from))
    issues.push({
      path: 'to',
      message: 'the period must end after it starts',
      expected: `an instant after ${showInstant(from)}`,
      received: showInstant(to),
    });
  if (!Array.isArray(versions))
    issues.push({ path: 'versions', message: 'expected a list of versions', received: describeValue(versions) });
  if (issues.length > 0) return fail(...issues);
  const sorted = versions.filter((v: unknown) => isVersionLike<D>(v)).sort((a, b) => a.effective - b.effective || a.version - b.version);
  const pieces: VersionPiece<D>[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    const next = sorted[i + 1];
    const a = Math.max(from, v.effective);
    const b = Math.min(to, next ? next.effective : Infinity);
    if (a < b) pieces.push({ from: a, to: b, version: v });
  }
  return ok(pieces);
}

/** A version by number (1-based), or an issue naming the numbers that exist. */
export function getVersion<D>(versions: readonly Version<D>[], n: number): Result<Version<D>> {
  const found = Array.isArray(versions) ? versions.find((v) => isPlainObject(v) && v.version === n) : undefined;
  if (found) return ok(found);
  const count = Array.isArray(versions) ? versions.length : 0;
  return fail({
    path: 'version',
    message: count === 0 ? 'there are no versions yet' : 'no such version',
    expected: count === 0 ? 'a version number' : `a version from 1 to ${count}`,
    received: describeValue(n),
  });
}

/** Enough of a version to place it in time; queries skip anything else rather than throw. */
function isVersionLike<D>(v: unknown): v is Version<D> {
  return isPlainObject(v) && isInstant(v.effective) && typeof v.version === 'number';
}

function amendmentIssues(prev: Version | undefined, v: Version, path: string): Issue[] {
  if (!prev) return [];
  const p = (f: string) => (path ? `${path}.${f}` : f);
  const out: Issue[] = [];
  if (v.createdAt < prev.createdAt) {
    out.push({
      path: p('createdAt'),
      message: `created before version ${prev.version} (${showInstant(prev.createdAt)}): versions are appended in order`,
      expected: `an instant at or after ${showInstant(prev.createdAt)}`,
      received: showInstant(v.createdAt),
    });
  }
  if (v.effective < prev.effective) {
    out.push({
      path: p('effective'),
      message: `an amendment cannot take effect before version ${prev.version} does (${showInstant(prev.effective)})`,
      expected: `an instant at or after ${showInstant(prev.effective)}`,
      received: showInstant(v.effective),
    });
  } else if (v.effective < v.createdAt) {
    out.push({
      path: p('effective'),
      message: `an amendment cannot take effect in the past (it is created at ${showInstant(v.createdAt)}): periods already evaluated keep the version in force then`,
      expected: `an instant at or after ${showInstant(v.createdAt)}`,
      received: showInstant(v.effective),
    });
  }
  return out;
}
