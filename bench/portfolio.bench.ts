/**
 * The web app's overview at scale: GET /v1/portfolio over 1,000 agreements (100 customers), each
 * with 3 targets measured over 24 monthly windows (72,000 stored compliance rows, each value with
 * 300 contributing ticket ids, as a busy agreement's are) and 24 settled months, through the real
 * server (in-process inject) on SQLite. The ceiling is the issue's: a page usable within 1 s. The
 * peer is what the overview would cost without the covering index on current windows: listing
 * every stored compliance value (GET /v1/compliance, paged) to pick the current ones.
 *
 * The overview's cost does not grow with the events: it reads current windows and latest
 * settlements, never events (1M stored events change nothing here; BENCHMARKS.md's refresh section
 * measures reads after new events).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer } from '../src/http/server.ts';
import { openStore } from '../src/store/index.ts';
import { generateTokenSecret, hashTokenSecret } from '../src/store/tokens.ts';
import type { ComplianceRow, SettlementRow, Store } from '../src/store/types.ts';
import { testConfig } from '../test/http/helpers.ts';
import type { BenchResult } from './types.ts';

const AGREEMENTS = Number(process.env.PLEDGE_BENCH_PORTFOLIO_AGREEMENTS ?? 1000);
const MONTHS = 24;
const TARGETS = ['uptime', 'response', 'resolution'];
const NOW = Date.UTC(2026, 11, 5, 12);

function month(i: number): { from: number; to: number; label: string } {
  const y = 2025 + Math.floor(i / 12);
  const m = i % 12;
  return { from: Date.UTC(y, m, 1), to: Date.UTC(y, m + 1, 1), label: `${y}-${String(m + 1).padStart(2, '0')}` };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/** AGREEMENTS agreements of 100 customers, each with 3 targets over 24 monthly windows and 24 settled months (see the module comment). */
export async function seedPortfolio(store: Store, tenant: string, agreements: number): Promise<void> {
  const AGREEMENTS = agreements;
  const contributors = Array.from({ length: 300 }, (_, i) => `T-${i}`);
  for (let a = 0; a < AGREEMENTS; a++) {
    const id = `agr-${String(a).padStart(4, '0')}`;
    const customer = `cust-${a % 100}`;
    await store.createAgreement(tenant, {
      id,
      customer,
      createdAt: NOW,
      createdBy: 'bench',
      document: {
        id,
        name: `Agreement ${a}`,
        kind: 'sla',
        level: 'service',
        services: [`svc-${a % 7}`],
        parties: { provider: { id: 'p', name: 'Provider' }, customer: { id: customer, name: `Customer ${a % 100}` } },
      },
    });
    const compliance: ComplianceRow[] = [];
    const settlements: SettlementRow[] = [];
    for (let i = 0; i < MONTHS; i++) {
      const w = month(i);
      for (const t of TARGETS) {
        const state = (a + i + t.length) % 11 === 0 ? 'breached' : (a + i) % 13 === 0 ? 'at_risk' : 'met';
        const value = state === 'met' ? 99.97 : 99.2;
        // Shaped as evaluations are (unit, consumed, sample; availability's figures and downtime
        // budget; a share's numerator), so each row gets its error budget column as real ones do.
        const eligibleMs = Math.min(NOW, w.to) - w.from;
        const usedMs = Math.round((eligibleMs * (100 - value)) / 100);
        const allowedMs = (w.to - w.from) / 1000;
        const uptime = t === 'uptime';
        compliance.push({
          agreementId: id,
          target: t,
          window: w.label,
          updatedAt: NOW,
          value: {
            metric: uptime ? 'availability' : 'resolution_time',
            unit: 'percent',
            state,
            value,
            comparator: '>=',
            target: 99.9,
            consumed: uptime ? usedMs / allowedMs : (100 - value) / 0.1,
            sampleSize: uptime ? 0 : contributors.length,
            reason: state === 'met' ? 'the value meets the target so far' : 'the value misses the target',
            window: { from: w.from, to: w.to, label: w.label, zone: 'UTC' },
            contributors,
            measurement: uptime
              ? { contributors, basis: 'synthetic', figures: { downtimeMs: usedMs, eligibleMs, excludedMs: 0 } }
              : { contributors, basis: 'synthetic', numerator: contributors.slice(state === 'met' ? 0 : 3) },
            ...(uptime ? { budget: { allowedMs, usedMs, remainingMs: allowedMs - usedMs, basis: 'percentage' } } : {}),
          },
        });
      }
      settlements.push({
        agreementId: id,
        period: w.label,
        updatedAt: NOW,
        value: {
          totals: [
            {
              currency: 'EUR',
              amountMinor: (a * i) % 5000,
              amount: `EUR ${(((a * i) % 5000) / 100).toFixed(2)}`,
              beforeCapsMinor: 0,
              reducedByCapsMinor: 0,
              owingLines: 1,
            },
          ],
          lines: [],
          summary: 'synthetic',
        },
      });
    }
    const state = await store.getDerivedState(tenant);
    await store.replaceDerived(tenant, { generation: state.generation, watermark: 0, agreements: [id], compliance, settlements });
  }
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-bench-portfolio-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'p.db') });
  try {
    const tenant = 'bench';
    await store.createTenant({ id: tenant, name: 'bench', createdAt: NOW });
    await store.createUser(tenant, { id: 'viewer', name: 'viewer', createdAt: NOW });
    const secret = generateTokenSecret();
    await store.createToken(tenant, {
      id: 'tv',
      userId: 'viewer',
      name: 'v',
      role: 'viewer',
      tokenHash: hashTokenSecret(secret),
      createdAt: NOW,
    });
    await seedPortfolio(store, tenant, AGREEMENTS);
    const app = buildServer({
      store,
      config: testConfig(),
      now: () => NOW,
    });
    const headers = { authorization: `Bearer ${secret}` };
    const times: number[] = [];
    let bytes = 0;
    let agreements = 0;
    for (let i = 0; i < 25; i++) {
      const t0 = performance.now();
      const r = await app.inject({ method: 'GET', url: '/v1/portfolio', headers });
      times.push(performance.now() - t0);
      if (r.statusCode !== 200) throw new Error(`portfolio: ${r.statusCode} ${r.body.slice(0, 300)}`);
      bytes = r.rawPayload.length;
      agreements = r.json().agreements.length;
    }
    if (agreements !== AGREEMENTS) throw new Error(`portfolio listed ${agreements} agreements, not ${AGREEMENTS}`);
    times.sort((x, y) => x - y);
    // The peer: every stored compliance value, page by page, to find the current windows.
    const t0 = performance.now();
    let rows = 0;
    let after: string | undefined;
    do {
      const r = await app.inject({
        method: 'GET',
        url: `/v1/compliance?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`,
        headers,
      });
      const body = r.json() as { items: unknown[]; next?: string };
      rows += body.items.length;
      after = body.next;
    } while (after);
    const listing = performance.now() - t0;
    await app.close();
    const note = `${AGREEMENTS.toLocaleString('en-US')} agreements, ${(AGREEMENTS * TARGETS.length * MONTHS).toLocaleString('en-US')} stored windows`;
    return [
      {
        name: 'GET /v1/portfolio, p50',
        value: quantile(times, 0.5),
        unit: 'ms',
        note: `${note}; answer ${(bytes / 1024).toFixed(0)} KiB; ceiling: a page usable within 1,000 ms`,
      },
      { name: 'GET /v1/portfolio, p99 (25 reads)', value: quantile(times, 0.99), unit: 'ms', note },
      {
        name: 'peer: listing every stored window to pick the current ones',
        value: listing,
        unit: 'ms',
        note: `${rows.toLocaleString('en-US')} rows through GET /v1/compliance, 1,000 a page`,
      },
    ];
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
