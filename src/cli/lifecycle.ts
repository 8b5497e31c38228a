/** `pledge diff`, `pledge reviews` and `pledge review`: history and upkeep of agreements, from files or the database. */
import type { Command } from 'commander';
import { loadAgreements } from '../app/agreement-files.ts';
import { diffDocuments, diffVersions, renderDiff, type Change } from '../core/agreements/lifecycle/diff.ts';
import { getVersion, type Version } from '../core/agreements/lifecycle/versions.ts';
import { existsSync } from 'node:fs';
import { withStore } from './db.ts';
import { overdueReviews, expiringEvidence, nextReview, type EvidenceExpiry, type OverdueReview, type ReviewRecord } from '../core/agreements/lifecycle/reviews.ts';
import { portfolioReviews, recordAgreementReview } from '../app/reviews.ts';
import { formatIssue, type Issue } from '../core/validation/issues.ts';
import { parseCivilDate } from '../core/time/instant.ts';
import { formatCivil } from '../core/time/zone.ts';
import { badInput, must, printJson, UsageError } from './output.ts';

export function registerLifecycle(program: Command): void {
  program
    .command('diff')
    .description('What changes between two versions of an agreement: two files, a file and a stored version, or two stored versions')
    .argument('[old]', 'the agreement as it was (file); with --stored, the file to compare with that stored version')
    .argument('[new]', 'the agreement as it is to be (file)')
    .option('--stored <n>', 'compare the stored version n of the file\'s agreement (before) with the file (after)')
    .option('--agreement <id>', 'with --from and --to: an agreement in the database')
    .option('--from <n>', 'with --agreement: the earlier stored version')
    .option('--to <n>', 'with --agreement: the later stored version')
    .option('--tenant <id>', 'tenant of the stored versions', 'default')
    .option('--db <database>', 'SQLite file or postgres:// URL of the stored versions (default: $DATABASE_URL, else $PLEDGE_DATA_DIR/pledge.db)')
    .option('--json', 'print the changes as JSON')
    .addHelpText('after', '\nExamples:\n  pledge diff old.yaml new.yaml\n  pledge diff uptime-fine.yaml --stored 2 --db pledge.db\n  pledge diff --agreement umbrella-pbx-uptime --from 1 --to 2 --db pledge.db')
    .action(async (oldPath: string | undefined, newPath: string | undefined, o: { stored?: string; agreement?: string; from?: string; to?: string; tenant: string; db?: string; json?: boolean }) => {
      const print = (changes: Change[], heading?: string) => {
        if (o.json) printJson({ changes });
        else process.stdout.write(`${heading ? `${heading}\n` : ''}${changes.length ? renderDiff(changes) : 'no changes'}\n`);
      };
      const number = (flag: string, v: string) => (/^[1-9]\d{0,8}$/.test(v) ? Number(v) : badInput(flag, 'expected a version number', JSON.stringify(v), '1, 2, 3...'));

      if (o.agreement !== undefined) {
        // Two stored versions.
        if (oldPath !== undefined || o.stored !== undefined) badInput('--agreement', 'compare either files or stored versions', undefined, '--agreement ID --from N --to M, without files or --stored');
        if (o.from === undefined || o.to === undefined) badInput(o.from === undefined ? '--from' : '--to', 'required with --agreement', 'nothing', 'a version number');
        const from = number('--from', o.from);
        const to = number('--to', o.to);
        const versions = await storedVersions(o.db, o.tenant, o.agreement, '--from');
        const d = diffVersions(versions, from, to);
        if (!d.ok) throw new UsageError(d.issues.map((i) => ({ ...i, path: i.path === 'from' ? '--from' : '--to', message: `agreement ${o.agreement}: ${i.message}` })));
        print(d.value, `${o.agreement}: version ${from} -> version ${to}`);
        return;
      }
      if (oldPath === undefined) badInput('<old>', 'expected two agreement files, a file and --stored N, or --agreement with --from and --to', 'nothing');
      const a = loadAgreements([oldPath]);
      if (a.issues.length) throw new UsageError(a.issues);
      if (a.agreements.length !== 1) badInput('<old>', 'expected one agreement file', JSON.stringify(oldPath));
      const file = a.agreements[0]!;
      // Compare the documents as written (a JSON round trip, as stored), so a default made explicit is not a change.
      const written = JSON.parse(JSON.stringify(file.raw)) as unknown;

      if (o.stored !== undefined) {
        // A stored version, then the file.
        if (newPath !== undefined) badInput('<new>', 'with --stored, give one file: it is compared with that stored version', JSON.stringify(newPath));
        const n = number('--stored', o.stored);
        const versions = await storedVersions(o.db, o.tenant, file.spec.id, '--stored');
        const v = getVersion(versions, n);
        if (!v.ok) badInput('--stored', `agreement ${file.spec.id}: ${v.issues[0]!.message}`, String(n), v.issues[0]!.expected);
        print(diffDocuments(v.value.document, written), `${file.spec.id}: version ${n} -> ${file.source}`);
        return;
      }
      if (newPath === undefined) badInput('<new>', 'expected a second agreement file (or --stored N to compare with a stored version)', 'nothing');
      const b = loadAgreements([newPath]);
      if (b.issues.length) throw new UsageError(b.issues);
      if (b.agreements.length !== 1) badInput('<new>', 'expected one agreement file', JSON.stringify(newPath));
      print(diffDocuments(written, JSON.parse(JSON.stringify(b.agreements[0]!.raw)) as unknown));
    });

  program
    .command('reviews')
    .description('Reviews due or overdue, and security evidence expired or expiring within 30 days, from files or the database')
    .argument('[paths...]', 'agreement files or folders (or --db for the stored agreements and their recorded reviews)')
    .option('--today <date>', 'YYYY-MM-DD (default: today, UTC)')
    .option('--within <days>', 'how far ahead evidence expiry is listed', '30')
    .option('--tenant <id>', 'with --db: the tenant', 'default')
    .option('--db <database>', 'read the stored agreements and the reviews recorded with `pledge review` (SQLite file or postgres:// URL)')
    .option('--json', 'print {reviews, overdue, evidence} as JSON')
    .action(async (paths: string[], o: { today?: string; within: string; tenant: string; db?: string; json?: boolean }) => {
      const today = o.today ?? formatCivil(Math.floor(Date.now() / 86_400_000));
      must(parseCivilDate(today, '--today'));
      if (!/^\d+$/.test(o.within)) badInput('--within', 'expected a whole number of days', JSON.stringify(o.within));
      const within = Number(o.within);
      let overdue: { items: OverdueReview[]; problems: Issue[] };
      let evidence: { items: EvidenceExpiry[]; problems: Issue[] };
      let schedule: Array<{ agreement: string; owner: string | null; due: string | null; basis: string; lastReview: ReviewRecord | null }>;
      const problems: Issue[] = [];
      if (o.db !== undefined) {
        // The stored agreements with the reviews recorded for them (the server's use case).
        if (paths.length) badInput('<paths...>', 'give files or --db, not both', paths.join(' '));
        checkDatabase(o.db);
        const r = await withStore(o.db, async (store) => {
          const p = must(await portfolioReviews(store, o.tenant, { today, withinDays: within }));
          const last = new Map<string, ReviewRecord>();
          for (const s of p.schedule) {
            const log = await store.listReviews(o.tenant, s.agreement);
            if (log.length) last.set(s.agreement, log[log.length - 1]!);
          }
          return { p, last };
        });
        overdue = { items: r.p.overdue, problems: [] };
        evidence = { items: r.p.evidence, problems: [] };
        problems.push(...r.p.problems);
        schedule = r.p.schedule.map((s) => ({ agreement: s.agreement, owner: s.owner, due: s.due, basis: s.reason, lastReview: r.last.get(s.agreement) ?? null }));
      } else {
        if (!paths.length) badInput('<paths...>', 'expected agreement files or folders (or --db)', 'nothing');
        const { agreements, issues } = loadAgreements(paths);
        if (issues.length) throw new UsageError(issues);
        const specs = agreements.map((a) => a.spec);
        overdue = must(overdueReviews(specs, today));
        evidence = must(expiringEvidence(specs, today, within));
        schedule = specs.map((s) => {
          const input: Parameters<typeof nextReview>[0] = {};
          if (s.review?.cadence) input.cadence = s.review.cadence;
          if (s.review?.last) input.last = s.review.last;
          if (s.term?.start) input.termStart = s.term.start;
          const n = nextReview(input);
          return { agreement: s.id, owner: s.review?.owner ?? null, due: n.ok ? n.value.due : null, basis: n.ok ? n.value.reason : n.issues.map((i) => i.message).join('; '), lastReview: null };
        });
      }
      if (o.json) {
        printJson({ today, reviews: schedule, overdue: overdue.items, evidence: evidence.items, problems: [...problems, ...overdue.problems, ...evidence.problems] });
        return;
      }
      const out: string[] = [`As of ${today}:`];
      if (overdue.items.length === 0) out.push('No review is overdue.');
      for (const r of overdue.items) out.push(`OVERDUE  ${r.agreementId}: review was due ${r.due} (${r.daysOverdue} days ago)${r.owner ? `, owner ${r.owner}` : ''}`);
      for (const e of evidence.items) out.push(`${e.status === 'expired' ? 'EXPIRED ' : 'EXPIRING'} ${e.agreementId}: ${e.standard} evidence "${e.evidence}" ${e.status === 'expired' ? `expired on ${e.validUntil}` : `valid until ${e.validUntil} (${e.daysLeft} days left)`}`);
      out.push('', 'Next reviews:');
      const lastText = (s: (typeof schedule)[number]) => (s.lastReview ? `; last reviewed ${s.lastReview.at} by ${s.lastReview.by} (${s.lastReview.outcome})` : '');
      for (const s of schedule.filter((x) => x.due !== null).sort((x, y) => (x.due! < y.due! ? -1 : 1))) out.push(`  ${s.due}  ${s.agreement}${s.owner ? ` (${s.owner})` : ''}${lastText(s)}`);
      for (const s of schedule.filter((x) => x.due === null)) out.push(`  (none)      ${s.agreement}: ${s.basis}`);
      for (const p of problems) out.push(`note: ${formatIssue(p)}`);
      process.stdout.write(out.join('\n') + '\n');
    });

  program
    .command('review')
    .description('Record a review of a stored agreement: when, who, kept or amended, notes')
    .argument('<agreement>', 'the agreement id')
    .requiredOption('--outcome <outcome>', 'kept or amended')
    .requiredOption('--by <name>', 'who held the review')
    .option('--at <date>', 'the day of the review, YYYY-MM-DD (default: today, UTC)')
    .option('--notes <text>', 'what was discussed or decided')
    .option('--amendment <n>', 'amended: the version the review produced')
    .option('--tenant <id>', 'tenant', 'default')
    .option('--db <database>', 'SQLite file or postgres:// URL (default: $DATABASE_URL, else $PLEDGE_DATA_DIR/pledge.db)')
    .option('--json', 'print the recorded review as JSON')
    .action(async (id: string, o: { outcome: string; by: string; at?: string; notes?: string; amendment?: string; tenant: string; db?: string; json?: boolean }) => {
      if (o.amendment !== undefined && !/^[1-9]\d{0,8}$/.test(o.amendment)) badInput('--amendment', 'expected a version number', JSON.stringify(o.amendment), '1, 2, 3...');
      const review = { outcome: o.outcome, ...(o.at !== undefined ? { at: o.at } : {}), ...(o.notes !== undefined ? { notes: o.notes } : {}), ...(o.amendment !== undefined ? { version: Number(o.amendment) } : {}) };
      checkDatabase(o.db);
      // The server's use case: whoever records the review is the one who held it.
      const r = await withStore(o.db, (store) => recordAgreementReview({ store, tenant: o.tenant, actor: o.by, now: Date.now() }, { id, review }));
      if (!r.ok) {
        if ('notFound' in r) badInput('<agreement>', r.notFound, JSON.stringify(id));
        const flags: Record<string, string> = { at: '--at', by: '--by', outcome: '--outcome', notes: '--notes', version: '--amendment' };
        throw new UsageError(r.issues.map((i) => ({ ...i, path: flags[i.path] ?? i.path })));
      }
      const count = r.value.state.reviews.length;
      if (o.json) printJson({ agreement: id, review: r.value.review, next: r.value.state.next, reviews: count });
      else process.stdout.write(`${id}: review of ${r.value.review.at} by ${r.value.review.by} recorded (${r.value.review.outcome}${r.value.review.version ? `, version ${r.value.review.version}` : ''}); ${count} review${count === 1 ? '' : 's'} on record${r.value.state.next ? `; next review due ${r.value.state.next.due}` : ''}\n`);
    });
}

/** Reading must not create an empty SQLite file where a typo named one. */
function checkDatabase(db: string | undefined): void {
  if (db !== undefined && !/^postgres(ql)?:\/\//.test(db) && !existsSync(db)) badInput('--db', 'no database at this path', JSON.stringify(db), 'a SQLite file written by pledge migrate, apply or serve');
}

/** The stored versions of an agreement; an unknown database or agreement is bad input, not a crash. */
async function storedVersions(db: string | undefined, tenant: string, id: string, flag: string): Promise<Version<unknown>[]> {
  checkDatabase(db);
  const found = await withStore(db, async (store) => {
    const agreement = await store.getAgreement(tenant, id);
    return agreement ? { versions: await store.listVersions(tenant, id) } : null;
  });
  if (!found) badInput(flag === '--stored' ? '<old>' : '--agreement', `no agreement "${id}" in tenant "${tenant}"`, JSON.stringify(id));
  if (found.versions.length === 0) badInput(flag, `agreement ${id} has no versions yet: a draft gets version 1 when it is approved`, 'none');
  return found.versions;
}
