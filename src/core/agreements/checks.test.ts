import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agreementFromText, type LoadedAgreement } from './load.ts';
import { checkPortfolio, type Finding } from './checks.ts';
import { unwrap } from '../validation/issues.ts';

const doc = (yaml: string): LoadedAgreement => unwrap(agreementFromText(yaml, 'x.yaml'));
const sla = (targets: string, extra = '') =>
  doc(
    `id: sla\nname: S\nkind: sla\nparties:\n  provider: { id: p, name: P }\n  customer: { id: acme, name: Acme }\nservices: [web]\n${extra}targets:\n${targets}`,
  );
const ola = (id: string, targets: string, kind = 'ola') =>
  doc(`id: ${id}\nname: ${id}\nkind: ${kind}\nparties:\n  provider: { id: t, name: T }\nservices: [web]\ntargets:\n${targets}`);
const problems = (f: Finding[]) => f.filter((x) => x.severity === 'problem').map((x) => x.message);

test('OLA 2h + UC 1h fits an SLA of 4h; 3h + 2h does not, with the numbers', () => {
  const s = sla(
    `  - { id: fix, metric: resolution_time, value: 90, clock: { byPriority: { P1: 4h, P2: 1wd } }, dependsOn: [ola#fix, uc#resp] }\n`,
  );
  const good = [
    s,
    ola('ola', `  - { id: fix, metric: resolution_time, value: 95, clock: { byPriority: { P1: 2h, P2: 4h } } }\n`),
    ola('uc', `  - { id: resp, metric: response_time, value: 99, clock: { byPriority: { P1: 1h, P2: 2h } } }\n`, 'uc'),
  ];
  const f = checkPortfolio({ portfolio: good });
  assert.deepEqual(problems(f), []);
  assert.ok(f.some((x) => x.kind === 'fits' && /P1: 2h \(ola#fix\) \+ 1h \(uc#resp\) = 3h fits within 4h/.test(x.message)));
  assert.ok(f.some((x) => x.kind === 'fits' && /P2: 4h \(ola#fix\) \+ 2h \(uc#resp\) = 6h fits within 1wd/.test(x.message))); // 1wd = 8h
  const bad = [
    s,
    ola('ola', `  - { id: fix, metric: resolution_time, value: 95, clock: { byPriority: { P1: 3h, P2: 4h } } }\n`),
    ola('uc', `  - { id: resp, metric: response_time, value: 80, clock: { byPriority: { P1: 2h, P2: 2h } } }\n`, 'uc'),
  ];
  const p = problems(checkPortfolio({ portfolio: bad }));
  assert.ok(
    p.some((m) => /sla#fix for P1: 3h \(ola#fix\) \+ 2h \(uc#resp\) = 5h does not fit within 4h/.test(m)),
    p.join('\n'),
  );
  assert.ok(p.some((m) => /sla#fix promises 90% within target but uc#resp promises only 80%/.test(m)));
});

test('availability of serial dependencies multiplies', () => {
  const s = sla(`  - { id: up, metric: availability, value: 99.95, dependsOn: [net#up, cloud#up] }\n`);
  const ok = checkPortfolio({
    portfolio: [
      s,
      ola('net', `  - { id: up, metric: availability, value: 99.995 }\n`),
      ola('cloud', `  - { id: up, metric: availability, value: 99.99 }\n`, 'uc'),
    ],
  });
  assert.deepEqual(problems(ok), []);
  const low = checkPortfolio({
    portfolio: [
      s,
      ola('net', `  - { id: up, metric: availability, value: 99.98 }\n`),
      ola('cloud', `  - { id: up, metric: availability, value: 99.95 }\n`, 'uc'),
    ],
  });
  assert.deepEqual(problems(low), ['sla#up promises 99.95% but its serial dependencies allow at most 99.98% x 99.95% = 99.93%']);
  assert.equal(low.find((x) => x.kind === 'availability_too_low')!.figures!.combined, 99.93001);
});

test('coverage: pairs in use without an agreement are gaps; dangling dependencies are problems', () => {
  const s = sla(`  - { id: up, metric: availability, value: 99, dependsOn: [ghost#up, net#nothing] }\n`);
  const f = checkPortfolio({
    portfolio: [s, ola('net', `  - { id: up, metric: availability, value: 99.9 }\n`)],
    pairs: [
      { customer: 'acme', service: 'web' },
      { customer: 'acme', service: 'mail' },
      { customer: 'zeta', service: 'web' },
    ],
  });
  const p = problems(f);
  assert.ok(p.includes('no agreement covers customer "acme" and service "mail"'));
  assert.ok(p.includes('no agreement covers customer "zeta" and service "web"'));
  assert.ok(p.includes('sla#up depends on ghost#up, which is not in the portfolio'));
  assert.ok(p.includes('sla#up depends on net#nothing, which has no target "nothing"'));
  assert.ok(f.some((x) => x.severity === 'ok' && /customer "acme", service "web" is covered by sla/.test(x.message)));
});

test('eod durations cannot be added up and are reported as not checkable', () => {
  const s = sla(`  - { id: fix, metric: resolution_time, value: 90, clock: { duration: 1eod }, dependsOn: [ola#fix] }\n`);
  const f = checkPortfolio({
    portfolio: [s, ola('ola', `  - { id: fix, metric: resolution_time, value: 95, clock: { duration: 2h } }\n`)],
  });
  assert.deepEqual(problems(f), []);
  assert.ok(f.some((x) => x.kind === 'not_checkable' && /eod/.test(x.message)));
});

test('coverage: an OLA covers its internal team, and the pairs OLAs and UCs name are checked too', () => {
  const team = doc(
    `id: it-ola\nname: IT\nkind: ola\nparties:\n  provider: { id: it, name: IT }\n  customer: { id: hr, name: HR }\nservices: [laptops]\ntargets:\n  - { id: up, metric: availability, value: 99 }\n`,
  );
  const corporate = doc(`id: corp\nname: Corp\nkind: sla\nlevel: corporate\nparties:\n  provider: { id: p, name: P }\n`);
  const f = checkPortfolio({ portfolio: [corporate, team], pairs: [{ customer: 'hr', service: 'payroll' }] });
  assert.ok(
    f.some((x) => x.severity === 'ok' && x.message === 'customer "hr", service "laptops" is covered by it-ola'),
    f.map((x) => x.message).join('\n'),
  );
  // A pair of the team no OLA names falls back to the corporate terms.
  assert.ok(f.some((x) => x.severity === 'ok' && x.message === 'customer "hr", service "payroll" is covered by corp'));
});
