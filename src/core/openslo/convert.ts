/**
 * OpenSLO v1 <-> agreement targets (docs/openslo.md has the mapping table). Pure: documents in,
 * documents and a report out.
 *
 * Import: each SLO whose indicator is a good/total ratioMetric becomes one ratio target per
 * objective (measured from Prometheus, docs/prometheus.md), in one agreement per service. Export:
 * an agreement's ratio targets become SLOs, targets with the same queries, window and description
 * going back into one SLO with several objectives.
 *
 * Invariants:
 * - Nothing is dropped silently: every field that has no equivalent, or that Pledge reads
 *   differently (a budgeting method, a window it cannot cut), is a Gap in the report, with the
 *   document and the field's path. Only what the specification calls documentation-only is not
 *   reported when absent.
 * - import(export(import(x))) = import(x): what Pledge keeps survives the round trip unchanged
 *   (tested on the specification's own examples, src/core/openslo/openslo.test.ts).
 * - A document Pledge cannot read at all (not OpenSLO v1, a misspelt field, an indicatorRef to no
 *   SLI) is an Issue with its path, and nothing is imported.
 */
import { stringify } from 'yaml';
import type { AgreementSpec, TargetSpecDoc } from '../agreements/schema.ts';
import { isValidZone } from '../time/zone.ts';
import type { Issue, Result } from '../validation/issues.ts';
import { parseSourceText, type ParsedSource } from '../validation/source.ts';
import { validateSource } from '../validation/zod.ts';
import { openSloDocument, type OpenSloDocument, type SliSpec, type SloDoc } from './schema.ts';

export interface SourceDocument {
  source: string;
  /** 0-based position of the document in its file (files may hold several, separated by ---). */
  index: number;
  doc: OpenSloDocument;
}

/** Something with no equivalent (dropped), read differently (changed) or filled in by Pledge (default). */
export interface Gap {
  kind: 'no_equivalent' | 'changed' | 'default';
  /** The document, as kind/name (SLO/main-page), or the agreement target (targets[uptime]). */
  document: string;
  /** The field, as a path in that document (spec.budgetingMethod); '' for the document itself. */
  path: string;
  message: string;
  source?: string;
}

// ---------------------------------------------------------------------------------------------
// Reading files

/**
 * The OpenSLO documents of one file: YAML (several documents separated by ---) or JSON. Each
 * document is validated on its own, with positions in the whole file.
 */
export function parseOpenSloText(text: string, source: string): Result<SourceDocument[]> {
  const docs: SourceDocument[] = [];
  const issues: Issue[] = [];
  const parts = splitDocuments(text);
  parts.forEach((part, index) => {
    const parsed = parseSourceText(part, source);
    if (!parsed.ok) {
      issues.push(...parsed.issues);
      return;
    }
    if (parsed.value.value === null || parsed.value.value === undefined) return; // an empty document between markers
    const v = validateSource(openSloDocument, parsed.value as ParsedSource);
    // Paths start with the document's position in the file ([0].spec.service), as the import's do.
    if (!v.ok) issues.push(...v.issues.map((i) => ({ ...i, path: `[${index}]${i.path ? `.${i.path}` : ''}` })));
    else docs.push({ source, index, doc: v.value });
  });
  if (issues.length > 0) return { ok: false, issues };
  if (docs.length === 0) return { ok: false, issues: [{ path: '', source, message: 'no OpenSLO document in the file' }] };
  return { ok: true, value: docs };
}

/**
 * Splits at lines that are a document marker (---), keeping every line where it was: each part is
 * the whole text with the other documents' lines blanked, so line and column numbers stay those
 * of the file.
 */
function splitDocuments(text: string): string[] {
  const lines = text.split('\n');
  const starts = [0];
  lines.forEach((l, i) => {
    if (/^---(\s|$)/.test(l) && i > 0) starts.push(i);
  });
  return starts.map((from, k) => {
    const to = starts[k + 1] ?? lines.length;
    return lines.map((l, i) => (i >= from && i < to ? (i === from && /^---/.test(l) ? l.replace(/^---/, '   ') : l) : '')).join('\n');
  });
}

// ---------------------------------------------------------------------------------------------
// Import

export interface ImportOptions {
  /** The agreement id (only when the SLOs name a single service); the service's name otherwise. */
  id?: string;
  kind?: 'sla' | 'ola' | 'uc';
  provider?: { id: string; name: string };
}

export interface Imported {
  /** Agreement documents in Pledge's format (plain data, ready to write as YAML). */
  agreements: Array<Record<string, unknown>>;
  gaps: Gap[];
}

const slugOf = (s: string) =>
  s
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 100) || 'slo';

/** OpenSLO's 0..1 target as Pledge's percent, without binary noise (0.9995 -> 99.95). */
const percentOf = (o: { target?: number | undefined; targetPercent?: number | undefined }): number | undefined =>
  o.targetPercent ?? (o.target === undefined ? undefined : Number((o.target * 100).toPrecision(12)));

export function importOpenSlo(input: readonly SourceDocument[], opts: ImportOptions = {}): Result<Imported> {
  const gaps: Gap[] = [];
  const issues: Issue[] = [];
  const named = (kind: string) => new Map(input.filter((d) => d.doc.kind === kind).map((d) => [d.doc.metadata.name, d]));
  const slis = named('SLI');
  const sources = named('DataSource');
  const services = named('Service');
  const usedSlis = new Set<string>();
  const usedServices = new Set<string>();
  const gap = (d: SourceDocument, kind: Gap['kind'], path: string, message: string) =>
    gaps.push({ kind, document: `${d.doc.kind}/${d.doc.metadata.name}`, path, message, source: d.source });

  // One agreement per service, in the order the services first appear.
  const byService = new Map<string, { targets: TargetSpecDoc[]; zones: Set<string> }>();

  for (const d of input) {
    const doc = d.doc;
    if (doc.kind !== 'SLO') continue;
    const slo = doc as SloDoc;
    const s = slo.spec;
    if (slo.metadata.labels || slo.metadata.annotations)
      gap(d, 'no_equivalent', 'metadata.labels', 'labels and annotations are not kept: an agreement target has none');
    // The indicator: inline, or an SLI document given alongside.
    let sli: SliSpec | undefined;
    let sliPath = 'spec.indicator';
    if (s.indicator) sli = s.indicator.spec;
    else if (s.indicatorRef) {
      const ref = slis.get(s.indicatorRef);
      if (!ref) {
        issues.push({
          path: `[${d.index}].spec.indicatorRef`,
          source: d.source,
          message: `no SLI named "${s.indicatorRef}" among the files given`,
          expected: slis.size > 0 ? `one of ${[...slis.keys()].join(', ')}` : 'the SLI document, in one of the files',
          received: s.indicatorRef,
        });
        continue;
      }
      usedSlis.add(s.indicatorRef);
      sli = ref.doc.spec as SliSpec;
      sliPath = `SLI/${s.indicatorRef}`;
    } else if (!s.objectives.some((o) => o.indicator || o.indicatorRef)) {
      issues.push({ path: `[${d.index}].spec.indicator`, source: d.source, message: 'an SLO needs indicator or indicatorRef' });
      continue;
    }
    if (s.objectives.some((o) => o.indicator || o.indicatorRef || o.compositeWeight !== undefined)) {
      gap(d, 'no_equivalent', 'spec.objectives', 'a composite SLO (an indicator per objective) has no equivalent: not imported');
      continue;
    }
    if (!sli) continue;
    const queries = ratioQueries(sli, sliPath, sources, (path, message, kind = 'no_equivalent') => gap(d, kind, path, message));
    if (!queries) continue;

    const window = windowOf(s.timeWindow?.[0], (path, message) => gap(d, 'changed', path, message));
    if (s.budgetingMethod === undefined)
      gap(d, 'default', 'spec.budgetingMethod', 'no budgetingMethod: read as Occurrences, good / total over the window');
    else if (s.budgetingMethod !== 'Occurrences')
      gap(
        d,
        'changed',
        'spec.budgetingMethod',
        `${s.budgetingMethod} is measured as Occurrences: good / total over the whole window (Pledge has no time slices)`,
      );
    if (s.alertPolicies && s.alertPolicies.length > 0)
      gap(
        d,
        'no_equivalent',
        'spec.alertPolicies',
        "alert policies are not imported: Pledge's burn-rate alerts are built in (docs/alerts.md) and who is told is the agreement's support.escalation",
      );

    let group = byService.get(s.service);
    if (!group) {
      group = { targets: [], zones: new Set() };
      byService.set(s.service, group);
    }
    // UTC is what an agreement without calendars uses anyway: no need to write it.
    if (window.zone && window.zone !== 'UTC' && window.zone !== 'Etc/UTC') group.zones.add(window.zone);
    usedServices.add(s.service);

    s.objectives.forEach((o, i) => {
      const at = `spec.objectives[${i}]`;
      const value = percentOf(o);
      if (value === undefined) {
        issues.push({ path: `[${d.index}].${at}.target`, source: d.source, message: 'an objective needs target (0..1) or targetPercent' });
        return;
      }
      if (o.op !== undefined || o.value !== undefined)
        gap(d, 'no_equivalent', `${at}.op`, 'op and value compare a threshold metric; a ratio objective needs neither: not kept');
      if (o.timeSliceTarget !== undefined || o.timeSliceWindow !== undefined)
        gap(d, 'no_equivalent', `${at}.timeSliceTarget`, 'time slices are not kept: the ratio is taken over the whole window');
      const name = o.displayName ?? (s.objectives.length === 1 ? slo.metadata.displayName : undefined);
      const t: Record<string, unknown> = {
        id: i === 0 ? slugOf(slo.metadata.name) : `${slugOf(slo.metadata.name)}-${i + 1}`,
        ...(name ? { name } : {}),
        ...(s.description ? { description: s.description } : {}),
        metric: 'ratio',
        value,
        comparator: '>=',
        window: window.window,
        prometheus: { good: queries.good, total: queries.total },
      };
      if (group!.targets.some((x) => x.id === t.id)) {
        issues.push({
          path: `[${d.index}].metadata.name`,
          source: d.source,
          message: `two SLOs of service ${s.service} make a target ${String(t.id)}: target ids are unique in an agreement`,
          received: slo.metadata.name,
        });
        return;
      }
      if (o.displayName && slo.metadata.displayName && i === 0)
        gap(d, 'no_equivalent', 'metadata.displayName', "the SLO's displayName is not kept: each objective's displayName names its target");
      group!.targets.push(t as TargetSpecDoc);
    });
  }

  for (const d of input) {
    const k = d.doc.kind;
    if (k === 'SLI' && !usedSlis.has(d.doc.metadata.name)) gap(d, 'no_equivalent', '', 'no SLO given uses this SLI: not imported');
    else if (k === 'AlertPolicy' || k === 'AlertCondition' || k === 'AlertNotificationTarget')
      gap(
        d,
        'no_equivalent',
        '',
        `${k} has no equivalent: Pledge's burn-rate alerts are built in (docs/alerts.md); escalation and notices are the agreement's support section`,
      );
    else if (k === 'DataSource')
      gap(
        d,
        'no_equivalent',
        'spec.connectionDetails',
        "connection details are not kept: the server's Prometheus is its configuration (prometheus.url)",
      );
    else if (k === 'Service' && !usedServices.has(d.doc.metadata.name))
      gap(d, 'no_equivalent', '', 'no SLO given names this service: not imported');
  }
  if (issues.length > 0) return { ok: false, issues };
  if (opts.id !== undefined && byService.size > 1)
    return {
      ok: false,
      issues: [
        {
          path: '--id',
          message: 'the SLOs name several services, and each becomes an agreement named after its service',
          expected: 'no --id, or the files of one service',
          received: [...byService.keys()].join(', '),
        },
      ],
    };

  const agreements: Array<Record<string, unknown>> = [];
  for (const [service, group] of byService) {
    const svc = services.get(service);
    const id = opts.id ?? slugOf(service);
    const agreement: Record<string, unknown> = {
      apiVersion: 'pledge/v1',
      id,
      name: svc?.doc.metadata.displayName ?? service,
      kind: opts.kind ?? 'sla',
      parties: { provider: opts.provider ?? { id: 'provider', name: 'Provider' } },
      services: [slugOf(service)],
    };
    if (!opts.provider)
      gaps.push({
        kind: 'default',
        document: `agreement/${id}`,
        path: 'parties.provider',
        message: 'OpenSLO names no provider: set to "provider" (choose one with --provider)',
      });
    if (slugOf(service) !== service)
      gaps.push({
        kind: 'changed',
        document: `agreement/${id}`,
        path: 'services[0]',
        message: `service "${service}" is written "${slugOf(service)}"`,
      });
    const purpose = (svc?.doc.spec as { description?: string } | undefined)?.description;
    if (purpose) agreement.serviceDescription = { purpose };
    const zones = [...group.zones];
    if (zones.length === 1) agreement.timezone = zones[0];
    else if (zones.length > 1)
      gaps.push({
        kind: 'changed',
        document: `agreement/${id}`,
        path: 'timezone',
        message: `the SLOs' calendars use several zones (${zones.join(', ')}); an agreement has one: windows are in UTC`,
      });
    agreement.targets = group.targets;
    agreements.push(agreement);
  }
  return { ok: true, value: { agreements, gaps } };
}

/** good and total PromQL of a good/total ratioMetric, or undefined (with gaps) when it is not one. */
function ratioQueries(
  sli: SliSpec,
  at: string,
  sources: ReadonlyMap<string, SourceDocument>,
  gap: (path: string, message: string, kind?: Gap['kind']) => void,
): { good: string; total: string } | undefined {
  if (sli.thresholdMetric) {
    gap(
      `${at}.thresholdMetric`,
      'a threshold metric (a latency compared with a value) has no equivalent: only good/total ratios are imported',
    );
    return undefined;
  }
  const r = sli.ratioMetric;
  if (!r) return undefined;
  if (r.raw || r.bad || !r.good || !r.total) {
    gap(
      `${at}.ratioMetric`,
      `${r.raw ? 'a precomputed raw ratio' : 'a bad/total ratio'} has no equivalent: only good/total ratios are imported`,
    );
    return undefined;
  }
  if (r.counter === false) gap(`${at}.ratioMetric.counter`, 'counter: false is read as counters: increase() over the window', 'changed');
  const out: Record<string, string> = {};
  for (const side of ['good', 'total'] as const) {
    const ms = r[side]!.metricSource;
    const query = ms.spec.query;
    if (typeof query !== 'string' || query.trim() === '') {
      gap(`${at}.ratioMetric.${side}.metricSource.spec.query`, 'no query: Pledge reads a PromQL query from spec.query');
      return undefined;
    }
    out[side] = query;
    const type =
      ms.type ?? (ms.metricSourceRef ? (sources.get(ms.metricSourceRef)?.doc.spec as { type?: string } | undefined)?.type : undefined);
    if (ms.metricSourceRef)
      gap(
        `${at}.ratioMetric.${side}.metricSource.metricSourceRef`,
        "not kept: the server's Prometheus is its configuration (prometheus.url)",
      );
    if (type?.toLowerCase() !== 'prometheus')
      gap(
        `${at}.ratioMetric.${side}.metricSource.type`,
        `source type ${type ?? '(none)'}: Pledge measures ratio targets from Prometheus, so the query is kept as PromQL`,
        'changed',
      );
    const extra = Object.keys(ms.spec).filter((k) => k !== 'query');
    if (extra.length > 0) gap(`${at}.ratioMetric.${side}.metricSource.spec`, `${extra.join(', ')}: not kept (only the query is)`);
  }
  return { good: out.good!, total: out.total! };
}

const PER_DAY: Record<string, number> = { d: 1, w: 7 };

/** Pledge's window for an OpenSLO time window; month (Pledge's default) with a gap when there is none. */
function windowOf(
  w: { duration: string; isRolling?: boolean | undefined; calendar?: { startTime: string; timeZone: string } | undefined } | undefined,
  gap: (path: string, message: string) => void,
): { window: string; zone?: string } {
  if (!w) {
    gap('spec.timeWindow', "no time window: Pledge's default, the calendar month");
    return { window: 'month' };
  }
  const n = Number(w.duration.slice(0, -1));
  const unit = w.duration.slice(-1);
  const rolling = w.isRolling ?? w.calendar === undefined;
  if (rolling) {
    if (PER_DAY[unit] && n * PER_DAY[unit]! <= 9999) return { window: `${n * PER_DAY[unit]!}d` };
    gap(
      'spec.timeWindow[0].duration',
      `a rolling window of ${w.duration}: Pledge's rolling windows are whole days; the calendar month is used`,
    );
    return { window: 'month' };
  }
  const kinds: Record<string, string> = { M: 'month', Q: 'quarter', Y: 'year' };
  const zone = w.calendar?.timeZone;
  const zoneOk = zone !== undefined && isValidZone(zone);
  if (zone !== undefined && !zoneOk) gap('spec.timeWindow[0].calendar.timeZone', `unknown time zone "${zone}": windows are in UTC`);
  let window = kinds[unit];
  if (!window || n !== 1) {
    gap(
      'spec.timeWindow[0].duration',
      `a calendar window of ${w.duration}: Pledge's calendar windows are a month, a quarter or a year; the month is used`,
    );
    window = 'month';
  } else if (w.calendar) {
    const [date = '', time = ''] = w.calendar.startTime.split(/[ T]/);
    const [, mm = '', dd = ''] = date.split('-');
    const aligned =
      time === '00:00:00' && dd === '01' && (window === 'month' || (window === 'quarter' ? ['01', '04', '07', '10'] : ['01']).includes(mm));
    if (!aligned)
      gap(
        'spec.timeWindow[0].calendar.startTime',
        `${w.calendar.startTime}: Pledge's ${window}s start on the first day at midnight in the agreement's zone`,
      );
  }
  return zoneOk ? { window, zone: zone! } : { window };
}

// ---------------------------------------------------------------------------------------------
// Export

export interface Exported {
  documents: Array<Record<string, unknown>>;
  gaps: Gap[];
}

/** The first boundary of a window kind at or before the term's start (or 2000-01-01), for calendar.startTime. */
function startTimeFor(window: string, start: string | undefined): string {
  const [y = '2000', m = '01'] = (start ?? '2000-01-01').split('-');
  const month = window === 'year' ? 1 : window === 'quarter' ? Math.floor((Number(m) - 1) / 3) * 3 + 1 : Number(m);
  return `${y}-${String(month).padStart(2, '0')}-01 00:00:00`;
}

export function exportOpenSlo(a: AgreementSpec): Exported {
  const gaps: Gap[] = [];
  const documents: Array<Record<string, unknown>> = [];
  const service = a.services[0] ?? a.id;
  const tgap = (t: { id: string }, path: string, message: string) =>
    gaps.push({ kind: 'no_equivalent', document: `targets[${t.id}]`, path, message });
  if (a.services.length > 1)
    gaps.push({
      kind: 'changed',
      document: `agreement/${a.id}`,
      path: 'services',
      message: `an SLO names one service: ${service} (the first)`,
    });
  documents.push({
    apiVersion: 'openslo/v1',
    kind: 'Service',
    metadata: { name: service, displayName: a.name },
    spec: a.serviceDescription ? { description: a.serviceDescription.purpose.slice(0, 1050) } : {},
  });

  // Targets with the same queries, window and description are one SLO with several objectives.
  const groups = new Map<string, TargetSpecDoc[]>();
  for (const t of a.targets) {
    if (t.metric !== 'ratio' || !t.prometheus) {
      tgap(t, 'metric', `${t.metric} is measured from Pledge's events, not from a metric source: OpenSLO has no equivalent`);
      continue;
    }
    const comparator = t.comparator ?? '>=';
    if (comparator === '<' || comparator === '<=' || t.value >= 100 || t.value < 0) {
      tgap(t, 'value', `${comparator} ${t.value}: an OpenSLO objective is a share of good events below 100%, at least so much`);
      continue;
    }
    if (comparator === '>')
      gaps.push({
        kind: 'changed',
        document: `targets[${t.id}]`,
        path: 'comparator',
        message: '> is written as an objective, which means >=',
      });
    if (t.warnAt !== undefined) tgap(t, 'warnAt', 'no equivalent in OpenSLO');
    if (t.calendar !== undefined) tgap(t, 'calendar', 'service hours have no equivalent in OpenSLO');
    if (t.dependsOn !== undefined) tgap(t, 'dependsOn', 'underpinning targets have no equivalent in OpenSLO');
    const key = JSON.stringify([t.prometheus.good, t.prometheus.total, t.window, t.description ?? null]);
    const g = groups.get(key);
    if (g) g.push(t);
    else groups.set(key, [t]);
  }
  for (const targets of groups.values()) {
    const first = targets[0]!;
    const w = first.window.replace(/^rolling:/, '');
    const timeWindow = /^\d+d$/.test(w)
      ? { duration: w, isRolling: true }
      : {
          duration: w === 'month' ? '1M' : w === 'quarter' ? '1Q' : '1Y',
          isRolling: false,
          calendar: { startTime: startTimeFor(w, a.term?.start), timeZone: a.timezone ?? 'UTC' },
        };
    const query = (q: string) => ({ metricSource: { type: 'Prometheus', spec: { query: q } } });
    const single = targets.length === 1;
    documents.push({
      apiVersion: 'openslo/v1',
      kind: 'SLO',
      metadata: { name: first.id, ...(single && first.name ? { displayName: first.name } : {}) },
      spec: {
        ...(first.description ? { description: first.description.slice(0, 1050) } : {}),
        service,
        indicator: {
          metadata: { name: `${first.id}-ratio` },
          spec: { ratioMetric: { counter: true, good: query(first.prometheus!.good), total: query(first.prometheus!.total) } },
        },
        timeWindow: [timeWindow],
        budgetingMethod: 'Occurrences',
        objectives: targets.map((t) => ({
          ...(!single && t.name ? { displayName: t.name } : {}),
          target: Number((t.value / 100).toPrecision(12)),
        })),
      },
    });
    // Several objectives come back as targets first-id, first-id-2...: other ids do not survive.
    targets.forEach((t, i) => {
      const back = i === 0 ? first.id : `${first.id}-${i + 1}`;
      if (t.id !== back)
        gaps.push({
          kind: 'changed',
          document: `targets[${t.id}]`,
          path: 'id',
          message: `an objective of SLO ${first.id}: imported again as ${back}`,
        });
    });
  }
  const terms = (['penalties', 'support', 'maintenance', 'security', 'pricing', 'term', 'review', 'monitoring'] as const).filter(
    (k) => a[k] !== undefined,
  );
  if (terms.length > 0)
    gaps.push({
      kind: 'no_equivalent',
      document: `agreement/${a.id}`,
      path: terms.join(', '),
      message: 'contract terms OpenSLO does not describe: not exported',
    });
  if (a.parties.customer)
    gaps.push({ kind: 'no_equivalent', document: `agreement/${a.id}`, path: 'parties', message: 'OpenSLO names no parties' });
  return { documents, gaps };
}

/** Documents as one YAML stream (---), as OpenSLO tools read them. */
export function toYamlStream(documents: ReadonlyArray<Record<string, unknown>>): string {
  return documents.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
}
