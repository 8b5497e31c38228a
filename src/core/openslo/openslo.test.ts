/**
 * OpenSLO import and export on the specification's own examples (examples/openslo/spec/, copied
 * from github.com/OpenSLO/OpenSLO) and on ours: every imported agreement is a valid agreement,
 * the export gives valid OpenSLO, import(export(import(x))) = import(x), the fields Pledge keeps
 * are the originals', and what it cannot keep is in the report, not dropped silently.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { agreementFromText } from '../agreements/load.ts';
import { formatIssue, type Result } from '../validation/issues.ts';
import { validate } from '../validation/zod.ts';
import {
  exportOpenSlo,
  importOpenSlo,
  parseOpenSloText,
  toYamlStream,
  type Gap,
  type ImportOptions,
  type SourceDocument,
} from './convert.ts';
import { openSloDocument, type SloDoc } from './schema.ts';

const dir = fileURLToPath(new URL('../../../examples/openslo/', import.meta.url));
const spec = fileURLToPath(new URL('../../../examples/openslo/spec/', import.meta.url));
type Json = Record<string, any>;

const okOf = <T>(r: Result<T>): T => {
  assert.ok(r.ok, r.ok ? '' : r.issues.map(formatIssue).join('\n'));
  return r.value;
};
const read = (path: string, name = path) => okOf(parseOpenSloText(readFileSync(path, 'utf8'), name));

/** import -> valid agreements -> export -> valid OpenSLO -> import again: the same agreements. */
function roundTrip(docs: SourceDocument[], opts: ImportOptions = {}) {
  const first = okOf(importOpenSlo(docs, opts));
  const exported = first.agreements.map((a) => {
    const loaded = okOf(agreementFromText(stringify(a), `${String(a.id)}.yaml`));
    const out = exportOpenSlo(loaded.spec);
    for (const d of out.documents) okOf(validate(openSloDocument, d));
    return out;
  });
  const text = toYamlStream(exported.flatMap((e) => e.documents));
  if (first.agreements.length === 0) return { first, exported, text };
  const again = okOf(importOpenSlo(okOf(parseOpenSloText(text, 'exported.yaml')), opts));
  assert.deepEqual(again.agreements, first.agreements, 'import(export(import(x))) = import(x)');
  return { first, exported, text };
}

const has = (gaps: Gap[], kind: Gap['kind'], path: string | RegExp, document?: string) =>
  assert.ok(
    gaps.some(
      (g) => g.kind === kind && (typeof path === 'string' ? g.path === path : path.test(g.path)) && (!document || g.document === document),
    ),
    `${kind} ${String(path)} ${document ?? ''} in\n${gaps.map((g) => `${g.kind} ${g.document} ${g.path}: ${g.message}`).join('\n')}`,
  );

describe("the OpenSLO specification's examples", () => {
  const files = readdirSync(spec)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

  test('every one parses and round-trips; what Pledge keeps is what the SLO says', () => {
    assert.equal(files.length, 5);
    for (const f of files) {
      const docs = read(spec + f, f);
      const { first, exported } = roundTrip(docs);
      for (const d of docs) {
        if (d.doc.kind !== 'SLO') continue;
        const slo = d.doc as SloDoc;
        const ratio = slo.spec.indicator?.spec.ratioMetric;
        if (!ratio?.good || !ratio.total) continue;
        const target = (first.agreements[0]!.targets as Json[]).find((t) => t.id === slo.metadata.name)!;
        assert.ok(target, `${f}: ${slo.metadata.name} imported`);
        assert.equal(target.prometheus.good, ratio.good.metricSource.spec.query);
        assert.equal(target.prometheus.total, ratio.total.metricSource.spec.query);
        // The exported SLO carries the same service, queries and objectives.
        const back = exported[0]!.documents.find((x) => x.kind === 'SLO' && (x.metadata as Json).name === slo.metadata.name) as Json;
        assert.equal(back.spec.service, slo.spec.service, f);
        assert.equal(back.spec.indicator.spec.ratioMetric.good.metricSource.spec.query, ratio.good.metricSource.spec.query);
        assert.deepEqual(
          back.spec.objectives.map((o: Json) => o.target),
          slo.spec.objectives.map((o) => o.target ?? (o.targetPercent ?? 0) / 100),
          f,
        );
        assert.equal(back.spec.description, slo.spec.description, f);
      }
    }
  });

  test('what has no equivalent is reported, document by document', () => {
    const gapsOf = (f: string) => okOf(importOpenSlo(read(spec + f, f))).gaps;

    // A latency threshold: nothing to measure a ratio with, so nothing imported, and said.
    const threshold = okOf(importOpenSlo(read(`${spec}budgeting-method-occurences-slo.yaml`)));
    assert.deepEqual(threshold.agreements, []);
    has(threshold.gaps, 'no_equivalent', 'spec.indicator.thresholdMetric', 'SLO/search-slo');

    // Rolling two weeks: 14 days. Time slices: measured over the whole window, said so.
    const ratio = okOf(importOpenSlo(read(`${spec}budgeting-method-ratio-timeslices.yaml`)));
    assert.equal((ratio.agreements[0]!.targets as Json[])[0]!.window, '14d');
    has(ratio.gaps, 'changed', 'spec.budgetingMethod', 'SLO/main-page');
    has(ratio.gaps, 'no_equivalent', 'spec.objectives[0].timeSliceTarget');
    has(ratio.gaps, 'changed', 'spec.indicator.ratioMetric.good.metricSource.type');
    has(ratio.gaps, 'default', 'parties.provider');

    // Two objectives: two targets; a calendar window of one minute has no equivalent (the month is used).
    const two = okOf(importOpenSlo(read(`${spec}budgeting-method-timeslices-slo.yaml`)));
    assert.deepEqual(
      (two.agreements[0]!.targets as Json[]).map((t) => [t.id, t.name, t.value, t.window]),
      [
        ['service-availability', 'Internal objective', 99.5, 'month'],
        ['service-availability-2', 'SLA', 99, 'month'],
      ],
    );
    assert.equal(two.agreements[0]!.timezone, 'America/New_York');
    has(two.gaps, 'changed', 'spec.timeWindow[0].duration');
    has(two.gaps, 'no_equivalent', 'metadata.displayName');

    // One week from a calendar date at noon: no equivalent, reported.
    has(gapsOf('treat-low-traffic-as-equally-important-timeslices-slo.yaml'), 'changed', 'spec.timeWindow[0].duration');

    // The README's examples: a Datadog ratio kept as a query with its source reported; alert
    // policies, conditions, notification targets and data sources reported, each by name.
    const readme = gapsOf('readme-examples.yaml');
    has(readme, 'changed', 'spec.indicator.ratioMetric.total.metricSource.type', 'SLO/foo-slo');
    has(readme, 'no_equivalent', 'spec.indicator.ratioMetric.good.metricSource.metricSourceRef', 'SLO/foo-slo');
    has(readme, 'changed', 'spec.timeWindow', 'SLO/foo-slo');
    has(readme, 'default', 'spec.budgetingMethod', 'SLO/foo-slo');
    has(readme, 'no_equivalent', '', 'AlertPolicy/AlertPolicy');
    has(readme, 'no_equivalent', '', 'AlertCondition/cpu-usage-breach');
    has(readme, 'no_equivalent', '', 'AlertNotificationTarget/OnCallDevopsMailNotification');
    has(readme, 'no_equivalent', 'spec.connectionDetails', 'DataSource/string');
  });
});

describe('our example (examples/openslo/checkout-slos.yaml)', () => {
  const opts: ImportOptions = { provider: { id: 'northwind', name: 'Northwind Services' } };

  test('an SLI by reference, two SLOs, a policy: one agreement, the file committed beside it', () => {
    const docs = read(`${dir}checkout-slos.yaml`, 'checkout-slos.yaml');
    const { first, text } = roundTrip(docs, opts);
    assert.equal(first.agreements.length, 1);
    const a = first.agreements[0]! as Json;
    assert.deepEqual(
      [a.id, a.name, a.timezone, a.services, a.serviceDescription.purpose],
      ['checkout', 'Checkout availability', 'Europe/Berlin', ['checkout'], "The web shop's checkout API."],
    );
    assert.deepEqual(
      a.targets.map((t: Json) => [t.id, t.metric, t.value, t.window, t.prometheus.good]),
      [
        ['checkout-availability', 'ratio', 99.9, 'month', 'http_requests_total{job="checkout",code!~"5.."}'],
        ['checkout-availability-28d', 'ratio', 99.5, '28d', 'http_requests_total{job="checkout",code!~"5.."}'],
      ],
    );
    has(first.gaps, 'no_equivalent', 'spec.alertPolicies', 'SLO/checkout-availability-28d');
    has(first.gaps, 'no_equivalent', '', 'AlertPolicy/checkout-fast-burn');
    assert.ok(!first.gaps.some((g) => g.document === 'SLI/checkout-requests' && g.path === ''), 'the SLI is used');
    // The committed files are what the import and the export make (docs/openslo.md shows them).
    const committed = (f: string) => readFileSync(dir + f, 'utf8').replace(/^(#.*\n)+/, '');
    assert.equal(committed('checkout-agreement.yaml'), stringify(a, { lineWidth: 0 }));
    assert.equal(committed('checkout-exported.yaml'), text);
  });

  test('an agreement measured from events exports only its ratio targets, and says why not the rest', () => {
    const loaded = okOf(
      agreementFromText(
        `id: mixed\nname: Mixed\nkind: sla\nparties:\n  provider: { id: p, name: P }\n  customer: { id: c, name: C }\nservices: [web]\n` +
          'targets:\n  - { id: uptime, metric: availability, value: 99.9 }\n' +
          '  - { id: ok-requests, metric: ratio, value: 99, window: 30d, prometheus: { good: a_total, total: b_total } }\n' +
          '  - { id: at-most, metric: ratio, value: 5, comparator: "<=", prometheus: { good: a_total, total: b_total } }\n' +
          'review: { owner: Service level manager }\n',
        'mixed.yaml',
      ),
    );
    const out = exportOpenSlo(loaded.spec);
    assert.deepEqual(
      out.documents.map((d) => `${d.kind}/${(d.metadata as Json).name}`),
      ['Service/web', 'SLO/ok-requests'],
    );
    has(out.gaps, 'no_equivalent', 'metric', 'targets[uptime]');
    has(out.gaps, 'no_equivalent', 'value', 'targets[at-most]');
    has(out.gaps, 'no_equivalent', 'review', 'agreement/mixed');
    has(out.gaps, 'no_equivalent', 'parties', 'agreement/mixed');
  });
});

describe('bad input', () => {
  const issues = (text: string) => {
    const r = parseOpenSloText(text, 'bad.yaml');
    assert.equal(r.ok, false);
    return r.ok ? [] : r.issues;
  };
  const SLO = `apiVersion: openslo/v1\nkind: SLO\nmetadata: { name: a }\nspec:\n  service: s\n  budgetingMethod: Occurrences\n  indicatorRef: x\n  objectives: [{ target: 0.99 }]\n`;

  test('each problem names its document and field, says what was expected, and where in the file', () => {
    const misspelt = issues(`${SLO}---\n${SLO.replace('budgetingMethod', 'budgetMethod')}`);
    assert.ok(
      misspelt.some((i) => i.path.startsWith('[1].spec.budget') && i.line !== undefined && i.line > 9),
      JSON.stringify(misspelt),
    );
    const target = issues(SLO.replace('0.99', '99'));
    assert.ok(
      target.some((i) => i.path === '[0].spec.objectives[0].target' && /below 1/.test(i.message)),
      JSON.stringify(target),
    );
    const kind = issues(SLO.replace('kind: SLO', 'kind: Slo'));
    assert.ok(
      kind.some((i) => i.path === '[0].kind'),
      JSON.stringify(kind),
    );
    const version = issues(SLO.replace('openslo/v1', 'openslo/v2alpha'));
    assert.ok(
      version.some((i) => i.path === '[0].apiVersion'),
      JSON.stringify(version),
    );
    const window = issues(`${SLO}  timeWindow: [{ duration: 2 weeks }]\n`);
    assert.ok(
      window.some((i) => i.path === '[0].spec.timeWindow[0].duration' && /shorthand/.test(i.message)),
      JSON.stringify(window),
    );
    assert.ok(issues('just: a map\n').length > 0);
    assert.deepEqual(
      issues('').map((i) => i.message),
      ['no OpenSLO document in the file'],
    );
  });

  test('a reference to an SLI not given, two SLOs making one target, --id over several services: refused', () => {
    const missing = importOpenSlo(okOf(parseOpenSloText(SLO, 'a.yaml')));
    assert.ok(!missing.ok && missing.issues[0]!.path === '[0].spec.indicatorRef' && /no SLI named "x"/.test(missing.issues[0]!.message));
    const sli = `apiVersion: openslo/v1\nkind: SLI\nmetadata: { name: x }\nspec:\n  ratioMetric:\n    good: { metricSource: { type: Prometheus, spec: { query: g } } }\n    total: { metricSource: { type: Prometheus, spec: { query: t } } }\n`;
    const twice = importOpenSlo(okOf(parseOpenSloText(`${sli}---\n${SLO}---\n${SLO}`, 'a.yaml')));
    assert.ok(!twice.ok && /make a target a/.test(twice.issues[0]!.message), JSON.stringify(twice));
    const two = importOpenSlo(
      okOf(parseOpenSloText(`${sli}---\n${SLO}---\n${SLO.replace('name: a', 'name: b').replace('service: s', 'service: t')}`, 'a.yaml')),
      {
        id: 'one',
      },
    );
    assert.ok(!two.ok && two.issues[0]!.path === '--id', JSON.stringify(two));
  });
});
