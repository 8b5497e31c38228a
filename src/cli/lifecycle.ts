/** `pledge diff` and `pledge reviews`: history and upkeep of agreements, from files. */
import type { Command } from 'commander';
import { loadAgreements } from '../app/agreement-files.ts';
import { diffDocuments, renderDiff } from '../core/agreements/lifecycle/diff.ts';
import { overdueReviews, expiringEvidence, nextReview } from '../core/agreements/lifecycle/reviews.ts';
import { parseCivilDate } from '../core/time/instant.ts';
import { formatCivil } from '../core/time/zone.ts';
import { badInput, must, printJson, UsageError } from './output.ts';

export function registerLifecycle(program: Command): void {
  program
    .command('diff')
    .description('What changes between two versions of an agreement (targets and other lists matched by id)')
    .argument('<old>', 'the agreement as it was (file)')
    .argument('<new>', 'the agreement as it is to be (file)')
    .option('--json', 'print the changes as JSON')
    .action((oldPath: string, newPath: string, o: { json?: boolean }) => {
      const a = loadAgreements([oldPath]);
      const b = loadAgreements([newPath]);
      const issues = [...a.issues, ...b.issues];
      if (issues.length) throw new UsageError(issues);
      if (a.agreements.length !== 1 || b.agreements.length !== 1) badInput('<old> <new>', 'expected two agreement files');
      // Compare the documents as written, so a default made explicit is not a change.
      const changes = diffDocuments(a.agreements[0]!.raw, b.agreements[0]!.raw);
      if (o.json) printJson({ changes });
      else process.stdout.write(changes.length ? `${renderDiff(changes)}\n` : 'no changes\n');
    });

  program
    .command('reviews')
    .description('Reviews due or overdue, and security evidence expired or expiring within 30 days')
    .argument('<paths...>', 'agreement files or folders')
    .option('--today <date>', 'YYYY-MM-DD (default: today, UTC)')
    .option('--within <days>', 'how far ahead evidence expiry is listed', '30')
    .option('--json', 'print {reviews, overdue, evidence} as JSON')
    .action((paths: string[], o: { today?: string; within: string; json?: boolean }) => {
      const { agreements, issues } = loadAgreements(paths);
      if (issues.length) throw new UsageError(issues);
      const today = o.today ?? formatCivil(Math.floor(Date.now() / 86_400_000));
      must(parseCivilDate(today, '--today'));
      const within = Number(o.within);
      if (!/^\d+$/.test(o.within)) badInput('--within', 'expected a whole number of days', JSON.stringify(o.within));
      const specs = agreements.map((a) => a.spec);
      const overdue = must(overdueReviews(specs, today));
      const evidence = must(expiringEvidence(specs, today, within));
      const schedule = specs.map((s) => {
        const input: Parameters<typeof nextReview>[0] = {};
        if (s.review?.cadence) input.cadence = s.review.cadence;
        if (s.review?.last) input.last = s.review.last;
        if (s.term?.start) input.termStart = s.term.start;
        const n = nextReview(input);
        return { agreement: s.id, owner: s.review?.owner ?? null, due: n.ok ? n.value.due : null, basis: n.ok ? n.value.reason : n.issues.map((i) => i.message).join('; ') };
      });
      if (o.json) {
        printJson({ today, reviews: schedule, overdue: overdue.items, evidence: evidence.items, problems: [...overdue.problems, ...evidence.problems] });
        return;
      }
      const out: string[] = [`As of ${today}:`];
      if (overdue.items.length === 0) out.push('No review is overdue.');
      for (const r of overdue.items) out.push(`OVERDUE  ${r.agreementId}: review was due ${r.due} (${r.daysOverdue} days ago)${r.owner ? `, owner ${r.owner}` : ''}`);
      for (const e of evidence.items) out.push(`${e.status === 'expired' ? 'EXPIRED ' : 'EXPIRING'} ${e.agreementId}: ${e.standard} evidence "${e.evidence}" ${e.status === 'expired' ? `expired on ${e.validUntil}` : `valid until ${e.validUntil} (${e.daysLeft} days left)`}`);
      out.push('', 'Next reviews:');
      for (const s of schedule.filter((x) => x.due !== null).sort((x, y) => (x.due! < y.due! ? -1 : 1))) out.push(`  ${s.due}  ${s.agreement}${s.owner ? ` (${s.owner})` : ''}`);
      for (const s of schedule.filter((x) => x.due === null)) out.push(`  (none)      ${s.agreement}: ${s.basis}`);
      process.stdout.write(out.join('\n') + '\n');
    });
}
