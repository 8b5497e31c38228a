/** `pledge calc availability`: availability, exclusions and the downtime budget from an event file. */
import type { Command } from 'commander';
import { parseInstant, formatInstant } from '../core/time/instant.ts';
import { parseDuration, humanSeconds } from '../core/time/duration.ts';
import {
  availability,
  intervalsFromEvents,
  budgetStatus,
  monitoringCoverage,
  monitoringEvidence,
  type AvailabilityOptions,
  type CheckRule,
  type ExcludedTimePolicy,
} from '../core/availability/index.ts';
import { parseWindow, resolveWindow } from '../core/metrics/window.ts';
import { badInput, must, printJson, UsageError } from './output.ts';
import type { Issue } from '../core/validation/issues.ts';

const EXCLUSIONS = ['customer', 'force_majeure', 'third_party'] as const;

function fixedMs(text: string, path: string): number {
  const d = must(parseDuration(text, path));
  if (d.kind !== 'fixed') badInput(path, 'expected a plain duration (s, m, h, d)', JSON.stringify(text));
  return d.ms;
}

export function registerAvailability(calc: Command): void {
  calc
    .command('availability')
    .description('Availability of a service over a window from outage, maintenance and check events')
    .requiredOption('--events <file>', 'NDJSON events: outage.started/ended, maintenance.scheduled/cancelled, check.result')
    .requiredOption('--window <window>', 'a month (2026-10), quarter (2026-Q4), year (2026), rolling (30d, needs --now) or FROM/TO')
    .option('--timezone <zone>', 'time zone the window is read in', 'UTC')
    .option('--service <name>', 'only events of this service')
    .option('--calendar <file>', 'service hours: measure only inside this calendar (default 24x7)')
    .option('--notice <duration>', 'notice a maintenance window needs to be excluded, e.g. 48h', '0s')
    .option('--exclude <classes>', `outage causes to exclude, comma-separated: ${EXCLUSIONS.join(', ')}`, '')
    .option('--excluded-time <policy>', 'removed (excluded time leaves the denominator) or counted_as_up', 'removed')
    .option('--min-outage <duration>', 'ignore downtime stretches shorter than this, e.g. 60s', '0s')
    .option('--checks <rule>', 'how several checks combine: any, majority, all', 'any')
    .option('--target <percent>', 'availability target in percent: adds the downtime budget and its state')
    .option(
      '--monitored-since <date>',
      'when monitoring began (YYYY-MM-DD in --timezone, or an instant); without it, the events say (docs/availability.md)',
    )
    .option('--now <instant>', 'evaluate as of this instant (default: the current time)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  pledge calc availability --events examples/outages/checkout-2026-10.ndjson --window 2026-10 \\\n    --notice 5d --exclude customer --min-outage 60s --target 99.9',
    )
    .action(
      async (o: {
        events: string;
        window: string;
        timezone: string;
        service?: string;
        calendar?: string;
        notice: string;
        exclude: string;
        excludedTime: string;
        minOutage: string;
        checks: string;
        target?: string;
        monitoredSince?: string;
        now?: string;
        json?: boolean;
      }) => {
        // Loaded here, not on start-up: the schemas and parsers behind them are most of a calc command's modules.
        const [{ loadCalendarFile, readText }, { parseNdjson }, { startOfDate }, { isRealDate }] = await Promise.all([
          import('../app/files.ts'),
          import('../core/events/parse.ts'),
          import('../core/penalties/periods.ts'),
          import('../core/validation/common.ts'),
        ]);
        const now = o.now !== undefined ? must(parseInstant(o.now, '--now')) : Date.now();
        const w = must(resolveWindow(must(parseWindow(o.window, '--window', { now })), o.timezone, '--window'));
        const exclude = o.exclude
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        exclude.forEach((c, i) => {
          if (!(EXCLUSIONS as readonly string[]).includes(c))
            badInput(`--exclude[${i}]`, 'unknown outage cause', JSON.stringify(c), EXCLUSIONS.join(', '));
        });
        if (!['removed', 'counted_as_up'].includes(o.excludedTime))
          badInput('--excluded-time', 'not a policy', JSON.stringify(o.excludedTime), 'removed or counted_as_up');
        if (!['any', 'majority', 'all'].includes(o.checks))
          badInput('--checks', 'not a rule', JSON.stringify(o.checks), 'any, majority or all');
        let target: number | undefined;
        if (o.target !== undefined) {
          target = Number(o.target);
          if (!/^\d+(\.\d+)?$/.test(o.target.trim()) || !(target > 0 && target <= 100))
            badInput('--target', 'expected a percentage above 0 and at most 100', JSON.stringify(o.target));
        }
        const options: AvailabilityOptions = {
          maintenanceNoticeMs: fixedMs(o.notice, '--notice'),
          minOutageMs: fixedMs(o.minOutage, '--min-outage'),
          exclude: {
            customerCaused: exclude.includes('customer'),
            forceMajeure: exclude.includes('force_majeure'),
            thirdParty: exclude.includes('third_party'),
          },
          excludedTime: o.excludedTime as ExcludedTimePolicy,
          checks: o.checks as CheckRule,
        };
        if (o.calendar) options.calendar = must(loadCalendarFile(o.calendar));

        const file = must(readText(o.events));
        const parsed = parseNdjson(file.text, file.source);
        if (parsed.issues.length) throw new UsageError(parsed.issues);
        // As of now: events stamped later have not happened yet.
        const events = parsed.events.filter((e) => e.atMs <= now && (o.service === undefined || e.service === o.service));
        // Measured up to now when the window is still open: the future has no downtime yet.
        const end = Math.min(w.to, Math.max(w.from, now));
        // A service no event names is most often a typo, and would read as 100% available: say so.
        const notes: Issue[] = [];
        if (o.service !== undefined && !parsed.events.some((e) => e.service === o.service)) {
          const names = [...new Set(parsed.events.map((e) => e.service).filter((x): x is string => x !== undefined))].sort();
          notes.push({
            path: '--service',
            message: `no event in the file is for service ${JSON.stringify(o.service)}${names.length ? ` (services in it: ${names.join(', ')})` : ''}`,
          });
        }
        const iv = intervalsFromEvents(events, end);
        // Only what was monitored is measured: a window without evidence is no data, not 100%.
        let declared: number | undefined;
        if (o.monitoredSince !== undefined) {
          const d = o.monitoredSince.trim();
          declared =
            /^\d{4}-\d{2}-\d{2}$/.test(d) && isRealDate(d) ? startOfDate(d, o.timezone) : must(parseInstant(d, '--monitored-since'));
        }
        const coverage = monitoringCoverage(monitoringEvidence(events, iv, declared), { from: w.from, to: w.to }, o.timezone);
        const mFrom = coverage.from ?? w.from;
        const measuredTo = Math.max(mFrom, end);
        const inputs = { outages: iv.outages, maintenance: iv.maintenance, samples: iv.samples };
        // Stretches nobody watched (monitoring.gap) are not measured: neither up nor down.
        const measured = availability(
          inputs,
          { from: mFrom, to: measuredTo },
          coverage.gaps.length ? { ...options, unmonitored: coverage.gaps } : options,
        );
        const monitored = coverage.from !== null;
        const zone = o.timezone;
        const iso = (ms: number) => formatInstant(ms, zone);
        const budget =
          target === undefined || !monitored
            ? null
            : must(
                budgetStatus({
                  targetPercent: target,
                  window: { from: mFrom, to: w.to },
                  downtimeMs: measured.downtimeMs,
                  eligibleMs: measured.eligibleMs,
                  now: end,
                  ...(options.calendar ? { calendar: options.calendar } : {}),
                }),
              );
        if (o.json) {
          printJson({
            window: { label: w.label, from: iso(w.from), to: iso(w.to), measuredFrom: iso(mFrom), measuredTo: iso(measuredTo), zone },
            monitoring: { from: coverage.from === null ? null : iso(coverage.from), basis: coverage.basis, text: coverage.text },
            availabilityPercent: !monitored || measured.availability === null ? null : measured.availability * 100,
            seconds: {
              window: measured.windowMs / 1000,
              service: measured.serviceMs / 1000,
              excluded: measured.excludedMs / 1000,
              eligible: measured.eligibleMs / 1000,
              downtime: measured.downtimeMs / 1000,
              uptime: measured.uptimeMs / 1000,
            },
            outages: measured.outages.map((x) => ({
              ...x,
              start: iso(x.start),
              end: iso(x.end),
              countedSeconds: x.countedMs / 1000,
              downtimeSeconds: x.downtimeMs / 1000,
            })),
            excluded: measured.excluded.map((x) => ({ ...x, start: iso(x.start), end: iso(x.end), excludedSeconds: x.excludedMs / 1000 })),
            ignored: measured.ignored.map((x) => ({
              ...x,
              start: Number.isFinite(x.start) ? iso(x.start) : null,
              end: Number.isFinite(x.end) ? iso(x.end) : null,
            })),
            settings: measured.settings,
            budget: budget && { ...budget, exhaustedAt: budget.exhaustedAt === null ? null : iso(budget.exhaustedAt) },
            issues: [...notes, ...iv.issues, ...measured.issues],
          });
          return;
        }
        if (!monitored) {
          const lines = [`Availability ${w.label} (${zone}): no data (${coverage.text})`];
          for (const i of [...notes, ...iv.issues]) lines.push(`note: ${i.path ? `${i.path}: ` : ''}${i.message}`);
          process.stdout.write(`${lines.join('\n')}\n`);
          return;
        }
        const pct = measured.availability === null ? 'no service time to measure' : `${(measured.availability * 100).toFixed(4)}%`;
        const lines = [
          `Availability ${w.label} (${zone})${mFrom > w.from ? `, measured from ${iso(mFrom)}` : ''}` +
            `${end < w.to ? `, measured up to ${iso(end)}` : ''}: ${pct}`,
          `  service time ${humanSeconds(measured.serviceMs / 1000)}, excluded ${humanSeconds(measured.excludedMs / 1000)}, eligible ${humanSeconds(measured.eligibleMs / 1000)}, downtime ${humanSeconds(measured.downtimeMs / 1000)}`,
        ];
        if (measured.outages.length) lines.push('Counted as downtime:');
        for (const x of measured.outages)
          lines.push(
            `  ${x.id.padEnd(14)} ${iso(x.start)} .. ${iso(x.end)}  ${humanSeconds(x.downtimeMs / 1000)}${x.weight < 1 ? ` (partial, weight ${x.weight})` : ''}${x.note ? ` - ${x.note}` : ''}`,
          );
        if (measured.excluded.length) lines.push('Excluded:');
        for (const x of measured.excluded)
          lines.push(
            `  ${x.id.padEnd(14)} ${iso(x.start)} .. ${iso(x.end)}  ${humanSeconds(x.excludedMs / 1000)} (${x.reason.replace(/_/g, ' ')})`,
          );
        if (measured.ignored.length) lines.push('Ignored:');
        for (const x of measured.ignored)
          lines.push(`  ${x.id.padEnd(14)} ${x.reason.replace(/_/g, ' ')}${x.detail ? `: ${x.detail}` : ''}`);
        if (budget) {
          lines.push(
            `Budget for ${target}%: ${humanSeconds(budget.budgetMs / 1000)}; used ${humanSeconds(budget.consumedMs / 1000)}${budget.consumedShare !== null ? ` (${(budget.consumedShare * 100).toFixed(1)}%)` : ''}; remaining ${humanSeconds(budget.remainingMs / 1000)}; state ${budget.state}${budget.note ? ` (${budget.note})` : ''}`,
          );
          if (budget.burnRate !== null)
            lines.push(
              `  burn rate ${budget.burnRate.toFixed(2)}${budget.exhaustedAt !== null ? `; at this pace the budget runs out ${iso(budget.exhaustedAt)}` : ''}`,
            );
        }
        if (mFrom > w.from) lines.push(`note: only part of the window is measured: ${coverage.text}`);
        for (const i of [...notes, ...iv.issues, ...measured.issues]) lines.push(`note: ${i.path ? `${i.path}: ` : ''}${i.message}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      },
    );
}
