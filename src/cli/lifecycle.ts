/**
 * `pledge diff`, `pledge reviews` and `pledge review`: history and upkeep of agreements, from
 * files, a database (`--db`, or the default one) or a server (`--url`, as every command that reads
 * or writes stored agreements). On a database, an agreement or tenant that is not there is
 * reported with where it is instead (src/cli/tenant.ts).
 */
import type { Command } from 'commander';
import { loadAgreements } from '../app/agreement-files.ts';
import { diffDocuments, diffVersions, renderDiff, type Change } from '../core/agreements/lifecycle/diff.ts';
import { getVersion, type Version } from '../core/agreements/lifecycle/versions.ts';
import { existsSync } from 'node:fs';
import { withStore } from './db.ts';
import {
  overdueReviews,
  expiringEvidence,
  nextReview,
  type EvidenceExpiry,
  type OverdueReview,
  type ReviewRecord,
} from '../core/agreements/lifecycle/reviews.ts';
import { portfolioReviews, recordAgreementReview, type AgreementReviews, type PortfolioReviews } from '../app/reviews.ts';
import { formatIssue, type Issue } from '../core/validation/issues.ts';
import { parseCivilDate } from '../core/time/instant.ts';
import { formatCivil } from '../core/time/zone.ts';
import { badInput, must, printJson, UsageError } from './output.ts';
import { Api, URL_HELP } from './remote.ts';
import { agreementIn, existingTenant } from './tenant.ts';

const DB_HELP = 'SQLite file or postgres:// URL (default: $DATABASE_URL, else $PLEDGE_DATA_DIR/pledge.db)';
const TENANT_HELP = "tenant (on a database; a server takes the token's)";

/** Where stored agreements are read: a database (--db, or the default one, and a tenant), or a server (--url). */
interface Source {
  tenant: string;
  db?: string;
  url?: string;
}
interface DiffOptions extends Source {
  stored?: string;
  agreement?: string;
  from?: string;
  to?: string;
  json?: boolean;
}
interface ReviewsOptions extends Source {
  today?: string;
  within: string;
  json?: boolean;
}
interface ReviewOptions extends Source {
  outcome: string;
  by: string;
  at?: string;
  notes?: string;
  amendment?: string;
  json?: boolean;
}

export function registerLifecycle(program: Command): void {
  program
    .command('diff')
    .description('What changes between two versions of an agreement: two files, a file and a stored version, or two stored versions')
    .argument('[old]', 'the agreement as it was (file); with --stored, the file to compare with that stored version')
    .argument('[new]', 'the agreement as it is to be (file)')
    .option('--stored <n>', "compare the stored version n of the file's agreement (before) with the file (after)")
    .option('--agreement <id>', 'with --from and --to: a stored agreement (a database, or a server with --url)')
    .option('--from <n>', 'with --agreement: the earlier stored version')
    .option('--to <n>', 'with --agreement: the later stored version')
    .option('--tenant <id>', TENANT_HELP, 'default')
    .option('--db <database>', DB_HELP)
    .option('--url <url>', URL_HELP)
    .option('--json', 'print the changes as JSON')
    .addHelpText(
      'after',
      `
Examples:
  pledge diff examples/agreements/sla-checkout.yaml examples/amendments/sla-checkout-v2.yaml
  pledge diff examples/amendments/sla-checkout-p1-penalty.yaml --stored 1 --tenant acme
  pledge diff --agreement acme-checkout --from 1 --to 2 --db ./data/pledge.db
  PLEDGE_URL=http://127.0.0.1:8080 PLEDGE_TOKEN=... pledge diff --agreement acme-checkout --from 1 --to 2`,
    )
    .action(async (oldPath: string | undefined, newPath: string | undefined, o: DiffOptions) => {
      const print = (changes: Change[], heading?: string) => {
        if (o.json) printJson({ changes });
        else process.stdout.write(`${heading ? `${heading}\n` : ''}${changes.length ? renderDiff(changes) : 'no changes'}\n`);
      };
      const number = (flag: string, v: string) =>
        /^[1-9]\d{0,8}$/.test(v) ? Number(v) : badInput(flag, 'expected a version number', JSON.stringify(v), '1, 2, 3...');

      if (o.agreement !== undefined) {
        // Two stored versions.
        if (oldPath !== undefined || o.stored !== undefined)
          badInput(
            '--agreement',
            'compare either files or stored versions',
            undefined,
            '--agreement ID --from N --to M, without files or --stored',
          );
        if (o.from === undefined || o.to === undefined)
          badInput(o.from === undefined ? '--from' : '--to', 'required with --agreement', 'nothing', 'a version number');
        const from = number('--from', o.from);
        const to = number('--to', o.to);
        const versions = await storedVersions(o, o.agreement, '--agreement', '--from');
        const d = diffVersions(versions, from, to);
        if (!d.ok)
          throw new UsageError(
            d.issues.map((i) => ({ ...i, path: i.path === 'from' ? '--from' : '--to', message: `agreement ${o.agreement}: ${i.message}` })),
          );
        print(d.value, `${o.agreement}: version ${from} -> version ${to}`);
        return;
      }
      if (oldPath === undefined)
        badInput('<old>', 'expected two agreement files, a file and --stored N, or --agreement with --from and --to', 'nothing');
      const a = loadAgreements([oldPath]);
      if (a.issues.length) throw new UsageError(a.issues);
      if (a.agreements.length !== 1) badInput('<old>', 'expected one agreement file', JSON.stringify(oldPath));
      const file = a.agreements[0]!;
      // Compare the documents as written (a JSON round trip, as stored), so a default made explicit is not a change.
      const written = JSON.parse(JSON.stringify(file.raw)) as unknown;

      if (o.stored !== undefined) {
        // A stored version, then the file.
        if (newPath !== undefined)
          badInput('<new>', 'with --stored, give one file: it is compared with that stored version', JSON.stringify(newPath));
        const n = number('--stored', o.stored);
        const versions = await storedVersions(o, file.spec.id, '<old>', '--stored');
        const v = getVersion(versions, n);
        if (!v.ok) badInput('--stored', `agreement ${file.spec.id}: ${v.issues[0]!.message}`, String(n), v.issues[0]!.expected);
        print(diffDocuments(v.value.document, written), `${file.spec.id}: version ${n} -> ${file.source}`);
        return;
      }
      if (newPath === undefined)
        badInput('<new>', 'expected a second agreement file (or --stored N to compare with a stored version)', 'nothing');
      const b = loadAgreements([newPath]);
      if (b.issues.length) throw new UsageError(b.issues);
      if (b.agreements.length !== 1) badInput('<new>', 'expected one agreement file', JSON.stringify(newPath));
      print(diffDocuments(written, JSON.parse(JSON.stringify(b.agreements[0]!.raw)) as unknown));
    });

  program
    .command('reviews')
    .description(
      'Reviews due or overdue, and security evidence expired or expiring within 30 days: from files, ' +
        'or the stored agreements and their recorded reviews',
    )
    .argument('[paths...]', 'agreement files or folders; without any, the stored agreements (a database, or a server with --url)')
    .option('--today <date>', 'YYYY-MM-DD (default: today, UTC)')
    .option('--within <days>', 'how far ahead evidence expiry is listed', '30')
    .option('--tenant <id>', TENANT_HELP, 'default')
    .option('--db <database>', DB_HELP)
    .option('--url <url>', URL_HELP)
    .option('--json', 'print {today, reviews, overdue, evidence, problems} as JSON')
    .addHelpText(
      'after',
      `
Examples:
  pledge reviews examples/agreements --today 2027-03-15     # from files
  pledge reviews --tenant acme                               # the stored agreements, with the reviews recorded
  PLEDGE_URL=http://127.0.0.1:8080 PLEDGE_TOKEN=... pledge reviews`,
    )
    .action(async (paths: string[], o: ReviewsOptions) => {
      const today = o.today ?? formatCivil(Math.floor(Date.now() / 86_400_000));
      must(parseCivilDate(today, '--today'));
      if (!/^\d+$/.test(o.within)) badInput('--within', 'expected a whole number of days', JSON.stringify(o.within));
      const within = Number(o.within);
      let overdue: { items: OverdueReview[]; problems: Issue[] };
      let evidence: { items: EvidenceExpiry[]; problems: Issue[] };
      let schedule: Array<{ agreement: string; owner: string | null; due: string | null; basis: string; lastReview: ReviewRecord | null }>;
      const problems: Issue[] = [];
      if (paths.length === 0) {
        // The stored agreements with the reviews recorded for them (the server's use case).
        const api = Api.from(o);
        let p: PortfolioReviews;
        if (api) p = await api.json<PortfolioReviews>('GET', `/v1/reviews?today=${encodeURIComponent(today)}&within=${within}`);
        else {
          checkDatabase(o.db);
          p = await withStore(o.db, async (store) => {
            await existingTenant(store, o.tenant);
            return must(await portfolioReviews(store, o.tenant, { today, withinDays: within }));
          });
        }
        overdue = { items: p.overdue, problems: [] };
        evidence = { items: p.evidence, problems: [] };
        problems.push(...p.problems);
        schedule = p.schedule.map((s) => ({
          agreement: s.agreement,
          owner: s.owner,
          due: s.due,
          basis: s.reason,
          lastReview: s.lastReview,
        }));
      } else {
        if (o.db !== undefined || o.url !== undefined) {
          badInput('<paths...>', 'give files, or --db/--url for the stored agreements, not both', paths.join(' '));
        }
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
          return {
            agreement: s.id,
            owner: s.review?.owner ?? null,
            due: n.ok ? n.value.due : null,
            basis: n.ok ? n.value.reason : n.issues.map((i) => i.message).join('; '),
            lastReview: null,
          };
        });
      }
      if (o.json) {
        printJson({
          today,
          reviews: schedule,
          overdue: overdue.items,
          evidence: evidence.items,
          problems: [...problems, ...overdue.problems, ...evidence.problems],
        });
        return;
      }
      const out: string[] = [`As of ${today}:`];
      if (overdue.items.length === 0) out.push('No review is overdue.');
      for (const r of overdue.items)
        out.push(`OVERDUE  ${r.agreementId}: review was due ${r.due} (${r.daysOverdue} days ago)${r.owner ? `, owner ${r.owner}` : ''}`);
      for (const e of evidence.items)
        out.push(
          `${e.status === 'expired' ? 'EXPIRED ' : 'EXPIRING'} ${e.agreementId}: ${e.standard} evidence "${e.evidence}" ${e.status === 'expired' ? `expired on ${e.validUntil}` : `valid until ${e.validUntil} (${e.daysLeft} days left)`}`,
        );
      out.push('', 'Next reviews:');
      const lastText = (s: (typeof schedule)[number]) =>
        s.lastReview ? `; last reviewed ${s.lastReview.at} by ${s.lastReview.by} (${s.lastReview.outcome})` : '';
      for (const s of schedule.filter((x) => x.due !== null).sort((x, y) => (x.due! < y.due! ? -1 : 1)))
        out.push(`  ${s.due}  ${s.agreement}${s.owner ? ` (${s.owner})` : ''}${lastText(s)}`);
      for (const s of schedule.filter((x) => x.due === null)) out.push(`  (none)      ${s.agreement}: ${s.basis}`);
      for (const p of problems) out.push(`note: ${formatIssue(p)}`);
      process.stdout.write(`${out.join('\n')}\n`);
    });

  program
    .command('review')
    .description('Record a review of a stored agreement: when, who held it, kept or amended, notes')
    .argument('<agreement>', 'the agreement id')
    .requiredOption('--outcome <outcome>', 'kept or amended')
    .requiredOption('--by <name>', 'who held the review (the audit log names who recorded it)')
    .option('--at <date>', "the day of the review, YYYY-MM-DD (default: today in the agreement's time zone)")
    .option('--notes <text>', 'what was discussed or decided')
    .option('--amendment <n>', 'amended: the version the review produced')
    .option('--tenant <id>', TENANT_HELP, 'default')
    .option('--db <database>', DB_HELP)
    .option('--url <url>', `${URL_HELP} (an admin or manager token)`)
    .option('--json', 'print the recorded review as JSON')
    .addHelpText(
      'after',
      `
Examples:
  pledge review acme-checkout --outcome kept --by Ada --tenant acme
  pledge review acme-checkout --outcome amended --amendment 2 --by "Ada" --at 2026-11-30 --notes "P1 penalty raised"
  PLEDGE_URL=http://127.0.0.1:8080 PLEDGE_TOKEN=... pledge review acme-checkout --outcome kept --by Ada`,
    )
    .action(async (id: string, o: ReviewOptions) => {
      if (o.amendment !== undefined && !/^[1-9]\d{0,8}$/.test(o.amendment))
        badInput('--amendment', 'expected a version number', JSON.stringify(o.amendment), '1, 2, 3...');
      const review = {
        outcome: o.outcome,
        by: o.by,
        ...(o.at !== undefined ? { at: o.at } : {}),
        ...(o.notes !== undefined ? { notes: o.notes } : {}),
        ...(o.amendment !== undefined ? { version: Number(o.amendment) } : {}),
      };
      const api = Api.from(o);
      let recorded: { review: ReviewRecord; state: AgreementReviews };
      if (api) recorded = await api.json<typeof recorded>('POST', `/v1/agreements/${encodeURIComponent(id)}/reviews`, review);
      else {
        checkDatabase(o.db);
        // The server's use case; who held the review is --by, who recorded it is this user.
        const actor = `cli:${process.env.USER ?? 'local'}`;
        const r = await withStore(o.db, async (store) => {
          await agreementIn(store, o.tenant, id, '<agreement>');
          return recordAgreementReview({ store, tenant: o.tenant, actor, now: Date.now() }, { id, review });
        });
        if (!r.ok) {
          if ('notFound' in r) badInput('<agreement>', r.notFound, JSON.stringify(id));
          const flags: Record<string, string> = { at: '--at', by: '--by', outcome: '--outcome', notes: '--notes', version: '--amendment' };
          throw new UsageError(r.issues.map((i) => ({ ...i, path: flags[i.path] ?? i.path })));
        }
        recorded = r.value;
      }
      const { review: done, state } = recorded;
      const count = state.reviews.length;
      if (o.json) printJson({ agreement: id, review: done, next: state.next, reviews: count });
      else {
        const what = `${done.outcome}${done.version ? `, version ${done.version}` : ''}`;
        const next = state.next ? `; next review due ${state.next.due}` : '';
        process.stdout.write(
          `${id}: review of ${done.at} by ${done.by} recorded (${what}); ${count} review${count === 1 ? '' : 's'} on record${next}\n`,
        );
      }
    });
}

/** Reading must not create an empty SQLite file where a typo named one. */
function checkDatabase(db: string | undefined): void {
  if (db !== undefined && !/^postgres(ql)?:\/\//.test(db) && !existsSync(db))
    badInput('--db', 'no database at this path', JSON.stringify(db), 'a SQLite file written by pledge migrate, apply or serve');
}

/**
 * The stored versions of an agreement, from a server (--url) or a database; an unknown agreement
 * (`notFound`: the option or argument that named it) or one without versions (`empty`) is bad
 * input, not a crash. On a database, a missing agreement is reported with where it is.
 */
async function storedVersions(o: Source, id: string, notFound: string, empty: string): Promise<Version<unknown>[]> {
  const api = Api.from(o);
  let versions: Version<unknown>[];
  if (api) {
    // The server's versions, in order; only their numbers and documents are compared here.
    versions = (await api.json<{ items: Version<unknown>[] }>('GET', `/v1/agreements/${encodeURIComponent(id)}/versions`)).items;
  } else {
    checkDatabase(o.db);
    versions = await withStore(o.db, async (store) => {
      await agreementIn(store, o.tenant, id, notFound);
      return store.listVersions(o.tenant, id);
    });
  }
  if (versions.length === 0) badInput(empty, `agreement ${id} has no versions yet: a draft gets version 1 when it is approved`, 'none');
  return versions;
}
