import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { agreementFromText, type LoadedAgreement } from './load.ts';
import { effectiveTerms, chainOf, checkDocuments, mergeChain } from './layering.ts';
import { evaluateAgreement } from './evaluate.ts';
import { formatIssue, unwrap } from '../validation/issues.ts';
import { compileCalendar } from '../calendar/compile.ts';
import { resolveWindow } from '../metrics/window.ts';
import { parseEvent } from '../events/parse.ts';
import type { Timed } from '../events/schema.ts';

const dir = fileURLToPath(new URL('../../../examples/agreements/', import.meta.url));
const examples = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const load = (text: string, source = 'a.yaml') => agreementFromText(text, source);
const errors = (text: string) => {
  const r = load(text);
  assert.equal(r.ok, false, 'expected problems');
  return r.ok ? '' : r.issues.map(formatIssue).join('\n');
};
const portfolio: LoadedAgreement[] = examples.map((f) => unwrap(load(readFileSync(dir + f, 'utf8'), dir + f)));

const MIN = `id: a\nname: A\nkind: sla\nparties:\n  provider: { id: p, name: P }\n`;

describe('agreement format', () => {
  test('every example in examples/agreements validates', () => {
    assert.ok(examples.length >= 10);
    for (const a of portfolio) assert.ok(a.spec.id);
  });

  test('a problem names its path, line and column, what was expected and what was given', () => {
    const msg = errors(`${MIN}targets:\n  - id: up\n    metric: availability\n    value: 99.9\n    window: fortnight\n`);
    assert.match(msg, /a\.yaml:10:13: targets\[0\]\.window: /);
    assert.match(msg, /month, quarter, year/);
    assert.match(msg, /"fortnight"/);
  });

  test('unknown fields are errors, with a suggestion when one is close', () => {
    assert.match(errors(`${MIN}targts: []\n`), /a\.yaml:6:1: targts: unknown field; did you mean "targets"\?/);
    assert.match(
      errors(`${MIN}targets:\n  - { id: up, metric: availability, value: 99, windw: month }\n`),
      /targets\[0\]\.windw: unknown field; did you mean "window"\?/,
    );
    assert.match(
      errors(`${MIN}targets:\n  - { id: up, metric: availabilty, value: 99 }\n`),
      /a\.yaml:7:23: targets\[0\]\.metric: not an allowed value; did you mean "availability"\?/,
    );
    // Values close to an allowed one get a suggestion too: kinds, levels, rule types, exclusions.
    assert.match(errors(MIN.replace('kind: sla', 'kind: slaa')), /kind: not an allowed value; did you mean "sla"\?/);
    const rules = errors(
      `${MIN}targets:\n  - { id: up, metric: availability, value: 99 }\npenalties:\n  exclusions: [maintenance]\n  rules:\n    - { type: fines, target: up, amount: 5 }\n`,
    );
    assert.match(rules, /penalties\.exclusions\[0\]: not an allowed value; did you mean "announced_maintenance"\?/);
    assert.match(
      rules,
      /a\.yaml:11:15: penalties\.rules\[0\]\.type: unknown value; did you mean "fine"\? \(expected one of credit_tiers, fine, per_unit, got "fines"\)/,
    );
    assert.doesNotMatch(errors(MIN.replace('kind: sla', 'kind: contract')), /did you mean/);
  });

  test('every problem is reported at once', () => {
    const msg = errors(
      `id: a\nname: A\nkind: sla\nlevel: corporate\nparent: x\nparties:\n  provider: { id: p, name: P }\ntargets:\n  - { id: up, metric: availability, value: 999 }\n  - { id: up, metric: response_time, value: 95 }\npenalties:\n  rules:\n    - { type: fine, target: uptime, amount: 500 }\n`,
    );
    for (const re of [
      /parent: a corporate-level agreement/,
      /targets\[0\]\.value: this target is a percentage/,
      /targets\[1\]\.id: another target has the same id/,
      /targets\[1\]\.clock: a response_time target needs a clock/,
      /penalties\.rules\[0\]\.target: no target with this id in the agreement; did you mean "up"\?/,
    ]) {
      assert.match(msg, re);
    }
  });

  test('maintenance windows: an RRULE with a misspelt part or a wrong value is refused, at its line', () => {
    const win = (rrule: string) =>
      errors(`${MIN}maintenance:\n  windows:\n    - { name: Patching, rrule: "${rrule}", start: "02:00", duration: 2h }\n`);
    assert.match(
      win('FREQ=WEEKLY;BYDAYS=SU'),
      /a\.yaml:8:32: maintenance\.windows\[0\]\.rrule: BYDAYS is not a part of an RRULE; did you mean BYDAY\?/,
    );
    assert.match(win('FREQ=WEEKLY;BYDAY=SUNDAY'), /rrule: not a valid RRULE: invalid BYDAY value "SUNDAY"/);
    assert.match(win('FREQ=MONTHLY;BYMONTHDAY=40'), /rrule: not a valid RRULE: BYMONTHDAY/);
    assert.match(win('FREQ=DAILY;COUNT=3;UNTIL=20270101'), /rrule: give COUNT or UNTIL, not both/);
    assert.match(win('FREQ=DAILY;INTERVAL=2;INTERVAL=3'), /rrule: INTERVAL is given twice/);
    assert.match(win('every sunday'), /rrule: expected an RRULE such as FREQ=WEEKLY;BYDAY=SU/);
    assert.ok(
      load(
        `${MIN}maintenance:\n  windows:\n    - { name: Patching, rrule: "RRULE:FREQ=MONTHLY;BYDAY=1SU;BYHOUR=2", start: "02:00", duration: 2h }\n`,
      ).ok,
    );
    assert.match(errors(`${MIN}maintenance:\n  timezone: Europe/Berlln\n`), /a\.yaml:7:13: maintenance\.timezone: unknown time zone/);
  });

  test('cross-field rules: calendars declared, amounts and dates', () => {
    assert.match(
      errors(
        `${MIN}targets:\n  - { id: r, metric: response_time, value: 95, calendar: ofice, clock: { duration: 4h } }\ncalendars: { office: cal.yaml }\n`,
      ),
      /targets\[0\]\.calendar: no calendar with this name; did you mean "office"\?/,
    );
    assert.match(errors(`${MIN}term: { start: 2026-02-30 }\n`), /term\.start: impossible date/);
    assert.match(
      errors(`${MIN}pricing: { currency: usd, fee: { amount: 10, per: month } }\n`),
      /pricing\.currency: expected an ISO 4217 currency code/,
    );
    assert.match(errors(`${MIN}pricing: { currency: USD, fee: { amount: -5, per: month } }\n`), /pricing\.fee\.amount: expected an amount/);
    assert.match(errors(`${MIN}term: { start: 2026-01-01, end: 2025-12-31 }\n`), /term\.end: must be after term\.start/);
    assert.match(
      errors(`${MIN}targets:\n  - { id: r, metric: response_time, value: 95, clock: { duration: 4 hours } }\n`),
      /targets\[0\]\.clock\.duration: expected a duration/,
    );
  });

  test('a downtime allowance: a plain positive duration, on an availability target, shorter than its window', () => {
    const up = (extra: string) => `${MIN}targets:\n  - { id: up, metric: availability, value: 99.99, window: year, ${extra} }\n`;
    const ok = load(up('allowance: 52m36s'));
    assert.ok(ok.ok);
    if (ok.ok) assert.equal(ok.value.spec.targets[0]!.allowance, '52m36s');
    assert.ok(load(up('allowance: PT52M36S')).ok);
    const rows: Array<[string, RegExp]> = [
      ['allowance: 1wd', /targets\[0\]\.allowance: expected a plain duration/],
      ['allowance: 0s', /targets\[0\]\.allowance: expected a downtime allowance longer than 0/],
      ['allowance: 52 minutes', /targets\[0\]\.allowance: expected a plain duration/],
      ['allowance: 400d', /targets\[0\]\.allowance: an allowance of 400d is not shorter than a year window: it could never be exceeded/],
      [
        'allowance: 1h, comparator: "<="',
        /targets\[0\]\.allowance: a downtime allowance promises at least so much availability: the comparator is >= or >, not <=/,
      ],
    ];
    for (const [extra, re] of rows) assert.match(errors(up(extra)), re, extra);
    assert.match(
      errors(`${MIN}targets:\n  - { id: up, metric: availability, value: 99.9, allowance: 28d }\n`),
      /not shorter than a month window/,
    );
    const notAvailability = errors(`${MIN}targets:\n  - { id: n, metric: tickets_resolved, value: 5, allowance: 1h }\n`);
    assert.match(notAvailability, /targets\[0\]\.allowance: a downtime allowance belongs to an availability target, not tickets_resolved/);
  });

  test('escalation and customer notices: how or to, notices naming targets only for breaches, at their paths', () => {
    const ok = unwrap(
      load(
        `${MIN}targets:\n  - { id: up, metric: availability, value: 99.9 }\nsupport:\n  escalation:\n` +
          `    - { level: 1, who: Shift lead, to: [ops-slack], when: { consumed: 0.75 } }\n` +
          `    - { level: 2, who: Duty manager, how: [sms], to: [pager-duty], when: { atBreach: true } }\n` +
          `  notices:\n    - { notice: breach, who: Customer IT, how: [email], targets: [up] }\n` +
          `    - { notice: maintenance, who: Customer IT, to: [globex-status] }\n`,
      ),
    );
    assert.deepEqual(ok.spec.support?.escalation[0]?.how, []);
    assert.deepEqual(
      ok.spec.support?.notices.map((n) => n.notice),
      ['breach', 'maintenance'],
    );
    const msg = errors(
      `${MIN}targets:\n  - { id: up, metric: availability, value: 99.9 }\nsupport:\n  escalation:\n` +
        `    - { level: 1, who: Shift lead, when: { consumed: 0.75 } }\n` +
        `  notices:\n    - { notice: credit_owed, who: Finance, how: [email], targets: [up] }\n` +
        `    - { notice: breach, who: IT, how: [fax] }\n`,
    );
    assert.match(msg, /support\.escalation\[0\]\.how: say how to reach them/);
    assert.match(msg, /support\.notices\[1\]\.how\[0\]/);
    const cross = errors(
      `${MIN}targets:\n  - { id: up, metric: availability, value: 99.9 }\nsupport:\n` +
        `  notices:\n    - { notice: credit_owed, who: Finance, how: [email], targets: [upp] }\n`,
    );
    assert.match(cross, /support\.notices\[0\]\.targets\[0\]: no target with this id in the agreement; did you mean "up"/);
    assert.match(cross, /support\.notices\[0\]\.targets: only breach notices name targets/);
  });

  test('quiet hours: a declared calendar, urgent severities and media with their defaults, problems at their paths', () => {
    const cal = `calendars:\n  office: office.yaml\n`;
    const ok = unwrap(load(`${MIN}${cal}support:\n  quietHours: { calendar: office }\n`));
    assert.deepEqual(ok.spec.support?.quietHours, { calendar: 'office', urgent: ['critical'], urgentMedia: ['pager', 'phone', 'sms'] });
    const own = unwrap(load(`${MIN}support:\n  quietHours: { calendar: 24x7, urgent: [critical, warning], urgentMedia: [] }\n`));
    assert.deepEqual(own.spec.support?.quietHours, { calendar: '24x7', urgent: ['critical', 'warning'], urgentMedia: [] });
    assert.match(
      errors(`${MIN}${cal}support:\n  quietHours: { calendar: ofice }\n`),
      /support\.quietHours\.calendar: no calendar with this name; did you mean "office"\?/,
    );
    const bad = errors(`${MIN}${cal}support:\n  quietHours: { calendar: office, urgent: [urgent], urgentMedia: [fax], until: 9 }\n`);
    assert.match(bad, /support\.quietHours\.urgent\[0\]/);
    assert.match(bad, /support\.quietHours\.urgentMedia\[0\]/);
    assert.match(bad, /support\.quietHours.*until/);
    assert.match(errors(`${MIN}support:\n  quietHours: { urgent: [critical] }\n`), /support\.quietHours\.calendar/);
  });

  test('quiet hours as docs/alerts.md and docs/agreements.md write them validate', () => {
    const root = fileURLToPath(new URL('../../../docs/', import.meta.url));
    const alerts = /## Quiet times[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readFileSync(`${root}alerts.md`, 'utf8'))?.[1];
    assert.ok(alerts, 'docs/alerts.md shows quiet hours');
    assert.deepEqual(unwrap(load(`${MIN}${alerts}`)).spec.support?.quietHours, {
      calendar: 'office',
      urgent: ['critical'],
      urgentMedia: ['pager', 'phone', 'sms'],
    });
    const agreements = /```yaml\n(support:\n {2}quietHours[\s\S]*?)```/.exec(readFileSync(`${root}agreements.md`, 'utf8'))?.[1];
    assert.ok(agreements, 'docs/agreements.md shows quiet hours');
    const calendars = 'calendars:\n  office: office.yaml\n';
    assert.equal(unwrap(load(`${MIN}${calendars}${agreements}`)).spec.support?.quietHours?.calendar, 'office');
    const alternative = /# (quietHours: .*)\n/.exec(agreements)?.[1];
    assert.ok(alternative);
    assert.deepEqual(unwrap(load(`${MIN}${calendars}support:\n  ${alternative}\n`)).spec.support?.quietHours?.urgent, [
      'critical',
      'warning',
    ]);
  });

  test('JSON documents work too', () => {
    const r = load(
      JSON.stringify({
        id: 'j',
        name: 'J',
        kind: 'uc',
        parties: { provider: { id: 's', name: 'S' } },
        targets: [{ id: 'up', metric: 'availability', value: 99.9 }],
      }),
      'j.json',
    );
    assert.ok(r.ok);
  });
});

describe('multi-level terms', () => {
  test('globex e-mail: corporate + customer + service levels, the more specific overriding', () => {
    const e = unwrap(effectiveTerms(portfolio, 'globex', 'email'));
    assert.deepEqual(
      e.chain.map((c) => c.id),
      ['northwind-corporate', 'globex-enterprise', 'globex-email'],
    );
    // Chat 24/7 for every plan from the corporate level; phone 24/7 for enterprise from the customer level.
    const channels = e.terms.support!.channels.map((c) => `${c.channel}:${c.hours}:${c.plans === 'all' ? 'all' : c.plans.join('+')}`);
    assert.deepEqual(channels, ['chat:24x7:all', 'email:office:all', 'phone:24x7:enterprise']);
    const response = e.terms.targets.find((t) => t.id === 'response')!;
    assert.equal(response.value, 95);
    assert.equal(response.clock!.byPriority!.P1, '30m');
    assert.equal(response.name, 'First response within target'); // inherited field of an overridden target
    assert.deepEqual(
      e.terms.targets.map((t) => t.id),
      ['response', 'resolution', 'csat', 'uptime'],
    );
    const from = (path: string) => e.provenance.find((p) => p.path === path);
    assert.deepEqual(from('targets[response].value'), {
      path: 'targets[response].value',
      agreement: 'globex-enterprise',
      level: 'customer',
    });
    assert.deepEqual(from('targets[resolution].value'), {
      path: 'targets[resolution].value',
      agreement: 'northwind-corporate',
      level: 'corporate',
    });
    assert.deepEqual(from('support.channels[chat].hours')?.level, 'corporate');
    assert.equal(from('pricing.fee.amount')?.agreement, 'globex-email');
    assert.equal(e.calendarSources.office, `${dir}corporate.yaml`);
  });

  test('a pair without a service-level document takes the customer level, then the corporate one', () => {
    assert.deepEqual(
      unwrap(effectiveTerms(portfolio, 'globex', 'checkout')).chain.map((c) => c.id),
      ['northwind-corporate', 'globex-enterprise'],
    );
    const other = unwrap(effectiveTerms(portfolio, 'hooli', 'email'));
    assert.deepEqual(
      other.chain.map((c) => c.id),
      ['northwind-corporate'],
    );
    assert.equal(
      other.terms.support!.channels.some((c) => c.channel === 'phone'),
      false,
    );
  });

  test('standalone service agreements stand alone', () => {
    assert.deepEqual(
      unwrap(effectiveTerms(portfolio, 'acme', 'checkout')).chain.map((c) => c.id),
      ['acme-checkout'],
    );
  });

  test('an OLA or a UC is the agreement for its own pair, not the corporate customer terms', () => {
    // The internal team (hr) served by IT, the service desk served by the network team, and
    // Northwind as the cloud provider's customer.
    assert.deepEqual(
      unwrap(effectiveTerms(portfolio, 'hr', 'workplace-it')).chain.map((c) => c.id),
      ['ola-it-onboarding'],
    );
    assert.deepEqual(
      unwrap(effectiveTerms(portfolio, 'service-desk', 'checkout')).chain.map((c) => c.id),
      ['ola-network'],
    );
    const uc = unwrap(effectiveTerms(portfolio, 'northwind', 'compute'));
    assert.deepEqual(
      uc.chain.map((c) => c.id),
      ['uc-cloud'],
    );
    assert.equal(uc.terms.kind, 'uc');
    // A pair no document names still falls back to the corporate SLA, never to an OLA or UC.
    assert.deepEqual(
      unwrap(effectiveTerms(portfolio, 'hr', 'payroll')).chain.map((c) => c.id),
      ['northwind-corporate'],
    );
    assert.deepEqual(
      unwrap(effectiveTerms(portfolio, 'someone', 'compute')).chain.map((c) => c.id),
      ['northwind-corporate'],
    );
  });

  test('broken hierarchies are explained', () => {
    const doc = (id: string, level: string, parent?: string) =>
      unwrap(
        load(
          `id: ${id}\nname: ${id}\nkind: sla\nlevel: ${level}\n${parent ? `parent: ${parent}\n` : ''}parties:\n  provider: { id: p, name: P }\n  customer: { id: c, name: C }\nservices: [s]\n`,
          `${id}.yaml`,
        ),
      );
    const missing = chainOf([doc('leaf', 'service', 'ghost')], 'leaf');
    assert.ok(!missing.ok && /parent agreement "ghost" is not in the portfolio/.test(formatIssue(missing.issues[0]!)));
    const cycle = chainOf([doc('x', 'service', 'y'), doc('y', 'customer', 'x')], 'x');
    assert.ok(!cycle.ok && /cycle|more general level/.test(formatIssue(cycle.issues[0]!)));
    const order = chainOf([doc('x', 'customer', 'y'), doc('y', 'service')], 'x');
    assert.ok(!order.ok && /must be a more general level/.test(formatIssue(order.issues[0]!)));
    const two = effectiveTerms([doc('a1', 'service'), doc('a2', 'service')], 'c', 's');
    assert.ok(!two.ok && /2 service-level agreements cover customer "c" and service "s": a1, a2/.test(formatIssue(two.issues[0]!)));
  });

  test('the effective terms are checked as a whole: a target overridden into something invalid is reported', () => {
    const parent = unwrap(
      load(
        `${MIN.replace('id: a', 'id: base')}level: corporate\ntargets:\n  - { id: r, metric: response_time, value: 90, clock: { duration: 4h } }\n`,
        'base.yaml',
      ),
    );
    const child = unwrap(
      load(
        `id: child\nname: C\nkind: sla\nlevel: customer\nparent: base\nparties:\n  provider: { id: p, name: P }\n  customer: { id: c, name: C }\ntargets:\n  - { id: r, metric: response_time, value: 95, calendar: nowhere }\n`,
        'child.yaml',
      ),
    );
    const r = mergeChain([parent, child], 'c', 's');
    assert.ok(!r.ok);
    assert.match(formatIssue(r.issues[0]!), /in the effective terms of base \+ child: no calendar with this name/);
    // Placed where it was written: the child's file, its own path, line and column.
    assert.deepEqual(
      [r.issues[0]!.source, r.issues[0]!.path, r.issues[0]!.line, r.issues[0]!.column],
      ['child.yaml', 'targets[0].calendar', 10, 58],
    );
  });

  test('quiet hours: the most specific level replaces the parent policy whole, and its calendar is checked on the effective terms', () => {
    const parent = unwrap(
      load(
        `${MIN.replace('id: a', 'id: base')}level: corporate\ncalendars:\n  office: office.yaml\n` +
          `support:\n  quietHours: { calendar: office, urgent: [critical, warning] }\n`,
        'base.yaml',
      ),
    );
    const child = (quiet: string) =>
      unwrap(
        load(
          `id: child\nname: C\nkind: sla\nlevel: customer\nparent: base\nparties:\n  provider: { id: p, name: P }\n  customer: { id: c, name: C }\n` +
            `support:\n  quietHours: ${quiet}\n`,
          'child.yaml',
        ),
      );
    const merged = unwrap(mergeChain([parent, child('{ calendar: 24x7 }')], 'c', 's'));
    // The parent's urgent list does not leak into the child's policy: the child's defaults hold.
    assert.deepEqual(merged.terms.support?.quietHours, { calendar: '24x7', urgent: ['critical'], urgentMedia: ['pager', 'phone', 'sms'] });
    assert.deepEqual(
      merged.provenance.filter((p) => p.path.startsWith('support.quietHours')).map((p) => `${p.path} ${p.agreement}`),
      ['support.quietHours.calendar child'],
    );
    // The child may name the calendar its parent declares; a misspelt one is reported in its file.
    assert.ok(mergeChain([parent, child('{ calendar: office }')], 'c', 's').ok);
    const wrong = mergeChain([parent, child('{ calendar: offce }')], 'c', 's');
    assert.ok(!wrong.ok);
    assert.deepEqual([wrong.issues[0]!.source, wrong.issues[0]!.path], ['child.yaml', 'support.quietHours.calendar']);
    assert.match(formatIssue(wrong.issues[0]!), /no calendar with this name; did you mean "office"/);
  });

  test('across documents: a missing parent, a cycle, a wrong level, a duplicate id and inherited references, each at its line', () => {
    const doc = (id: string, level: string, parent?: string, extra = '') =>
      unwrap(
        load(
          `id: ${id}\nname: ${id}\nkind: sla\nlevel: ${level}\n${parent ? `parent: ${parent}\n` : ''}parties:\n  provider: { id: p, name: P }\n  customer: { id: c, name: C }\n${extra}`,
          `${id}.yaml`,
        ),
      );
    const base = unwrap(
      load(
        `${MIN.replace('id: a', 'id: base')}level: corporate\ntargets:\n  - { id: uptime, metric: availability, value: 99.9 }\n`,
        'base.yaml',
      ),
    );
    const at = (issues: ReturnType<typeof checkDocuments>) =>
      issues.map((i) => `${i.source}:${i.line}:${i.column}: ${i.path}: ${i.message}`);
    assert.deepEqual(at(checkDocuments([base, doc('leaf', 'service', 'bose')])), [
      'leaf.yaml:5:9: parent: the parent agreement "bose" is not in the portfolio; did you mean "base"?',
    ]);
    const cycle = at(checkDocuments([doc('x', 'customer', 'y'), doc('y', 'customer', 'x')]));
    assert.equal(cycle.length, 2);
    assert.match(
      cycle[0]!,
      /^x\.yaml:5:9: parent: a customer-level agreement's parent must be a more general level, but "y" is customer-level/,
    );
    assert.match(
      at(checkDocuments([doc('s', 'service', 'c2'), doc('c2', 'customer', 's')]))[0]!,
      /^c2\.yaml:5:9: parent: agreements name each other as parents in a cycle: s -> c2 -> s$/,
    );
    assert.match(at(checkDocuments([base, doc('base', 'customer')]))[0]!, /^base\.yaml:1:\d+: id: another document has the id "base"/);
    // A child may use what its parent declares, and is checked against it.
    const child = doc(
      'child',
      'customer',
      'base',
      `pricing: { currency: USD, fee: { amount: 100, per: month } }\npenalties:\n  rules:\n    - { type: credit_tiers, target: uptme, tiers: [{ below: 99.9, credit: 10% }] }\n`,
    );
    assert.deepEqual(at(checkDocuments([base, child])), [
      'child.yaml:12:37: penalties.rules[0].target: in the effective terms of base + child: no target with this id in the agreement; did you mean "uptime"?',
    ]);
    assert.deepEqual(
      checkDocuments([
        base,
        doc('fine', 'customer', 'base', `penalties:\n  currency: USD\n  rules:\n    - { type: fine, target: uptime, amount: 5 }\n`),
      ]),
      [],
    );
    // One id twice is two versions of an agreement when they take effect on different dates.
    const v1 = doc('acme', 'service', undefined, 'term: { start: 2026-01-01 }\n');
    const v2 = doc('acme', 'service', undefined, 'effective: 2026-10-01\nterm: { start: 2026-01-01 }\n');
    assert.deepEqual(checkDocuments([v1, v2]), []);
    assert.match(
      at(checkDocuments([v2, doc('acme', 'service', undefined, 'effective: 2026-10-01\n')]))[0]!,
      /acme\.yaml:8:12: effective: another document has the id "acme" .*same day, 2026-10-01/,
    );
    // A parent found only in the context (the folder of a file given alone) is enough.
    assert.deepEqual(checkDocuments([doc('alone', 'customer', 'base')], [base]), []);
  });
});

describe('measuring an agreement', () => {
  test('availability and per-ticket targets over a month, from events', () => {
    const terms = unwrap(effectiveTerms(portfolio, 'acme', 'checkout')).terms;
    const always = unwrap(compileCalendar({ timezone: 'UTC', hours: 'always' }));
    const raw = [
      { id: 'o1', type: 'outage.started', at: '2026-10-03T10:00:00Z', service: 'checkout', outage: 'I1' },
      { id: 'o2', type: 'outage.ended', at: '2026-10-03T10:30:00Z', service: 'checkout', outage: 'I1' },
      { id: 'o3', type: 'outage.started', at: '2026-10-04T10:00:00Z', service: 'email', outage: 'OTHER' },
      { id: 't1', type: 'ticket.created', at: '2026-10-05T08:00:00Z', service: 'checkout', customer: 'acme', ticket: 'T1', priority: 'P1' },
      { id: 't2', type: 'ticket.resolved', at: '2026-10-05T13:00:00Z', service: 'checkout', customer: 'acme', ticket: 'T1' },
      { id: 't3', type: 'ticket.created', at: '2026-10-06T08:00:00Z', service: 'checkout', customer: 'acme', ticket: 'T2', priority: 'P1' },
      { id: 't4', type: 'ticket.resolved', at: '2026-10-06T09:00:00Z', service: 'checkout', customer: 'acme', ticket: 'T2' },
      {
        id: 't5',
        type: 'ticket.created',
        at: '2026-10-06T08:00:00Z',
        service: 'checkout',
        customer: 'globex',
        ticket: 'T3',
        priority: 'P1',
      },
    ];
    const events = raw.map((e) => unwrap(parseEvent(e))) as Timed[];
    const window = unwrap(resolveWindow({ kind: 'month', year: 2026, index: 10 }, 'UTC'));
    const r = evaluateAgreement({ terms, calendars: new Map([['24x7', always]]), events, window, now: Date.parse('2026-11-02T00:00:00Z') });
    const uptime = r.targets.find((t) => t.target.id === 'uptime')!;
    assert.equal(uptime.availability!.downtimeMs, 30 * 60_000); // the e-mail outage is another service's
    assert.equal(uptime.evaluation!.state, 'breached'); // 30 min > 0.05% of 31 days (22m 19.2s)
    assert.ok(
      uptime.firstBreachAt !== null &&
        uptime.firstBreachAt > Date.parse('2026-10-03T10:22:00Z') &&
        uptime.firstBreachAt < Date.parse('2026-10-03T10:23:00Z'),
    );
    const p1 = r.targets.find((t) => t.target.id === 'p1-resolution')!;
    assert.equal(p1.evaluation!.value, 50); // T1 took 5h (> 4h), T2 1h; T3 is globex's
    assert.deepEqual(p1.breachedTickets, ['T1']);
    assert.equal(p1.firstBreachAt, Date.parse('2026-10-05T12:00:00Z'));
  });

  test('KPI reports that name no service count for an agreement of services; those of another service do not', () => {
    const terms = unwrap(effectiveTerms(portfolio, 'management', 'revenue')).terms;
    assert.deepEqual(terms.services, ['revenue']);
    const always = unwrap(compileCalendar({ timezone: 'UTC', hours: 'always' }));
    const kpi = (id: string, value: number, service?: string) =>
      unwrap(
        parseEvent({
          id,
          type: 'kpi.reported',
          at: '2026-10-20T12:00:00Z',
          kpi: 'organic_visitors',
          value,
          ...(service ? { service } : {}),
        }),
      ) as Timed;
    const window = unwrap(resolveWindow({ kind: 'month', year: 2026, index: 10 }, 'UTC'));
    const r = evaluateAgreement({
      terms: { ...terms, targets: terms.targets.filter((t) => t.id === 'organic-visitors') },
      calendars: new Map([['24x7', always]]),
      events: [kpi('k1', 700), kpi('k2', 400, 'revenue'), kpi('k3', 5000, 'web-shop')],
      window,
      now: Date.parse('2026-11-02T00:00:00Z'),
    });
    assert.equal(r.targets[0]!.evaluation!.value, 1100);
    assert.equal(r.targets[0]!.evaluation!.state, 'met');
  });
});

test('credit bands must point the way their target does', () => {
  const r = agreementFromText(
    `${MIN}pricing: { currency: USD, fee: { amount: 100, per: month } }\ntargets:\n  - { id: up, metric: availability, value: 99.9 }\npenalties:\n  rules:\n    - { type: credit_tiers, target: up, tiers: [{ above: 99.9, credit: 10% }] }\n`,
    'a.yaml',
  );
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.issues.map(formatIssue).join('\n'), /penalties\.rules\[0\]/);
});
