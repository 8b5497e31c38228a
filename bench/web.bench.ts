/**
 * The web app in a browser at portfolio scale: Debian's Chromium (playwright-core) against the
 * real server on SQLite holding 1,000 agreements with 24 months of results each (the portfolio
 * bench's data set), signed in as an admin. Measured: from navigation until the overview lists the
 * last of the 1,000 agreements, and until an agreement page has loaded every section. The
 * ceiling is the issue's: every page usable within 1 s. Also the initial JavaScript, gzipped,
 * beside its 200 KB ceiling.
 *
 * Skipped (a figure of NaN with the reason) when Chromium or the build (dist/web) is missing.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { acceptInvite, invite } from '../src/app/sign-in.ts';
import { testConfig } from '../test/http/helpers.ts';
import { CHROMIUM, launchChromium } from '../test/web/harness.ts';
import { buildServer } from '../src/http/server.ts';
import { WEB_ROOT } from '../src/http/web.ts';
import { openStore } from '../src/store/index.ts';
import { seedPortfolio } from './portfolio.bench.ts';
import type { BenchResult } from './types.ts';

const AGREEMENTS = Number(process.env.PLEDGE_BENCH_PORTFOLIO_AGREEMENTS ?? 1000);
const NOW = Date.UTC(2026, 11, 5, 12);
const RUNS = 7;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const assets = join(WEB_ROOT, 'assets');
  if (existsSync(assets)) {
    const js = readdirSync(assets).filter((f) => f.endsWith('.js'));
    const bytes = js.reduce((n, f) => n + gzipSync(readFileSync(join(assets, f)), { level: 9 }).length, 0);
    out.push({ name: 'initial JavaScript, gzipped', value: bytes / 1024, unit: 'KiB', note: `${js.length} file(s); ceiling 200 KB` });
  }
  if (!existsSync(CHROMIUM) || !existsSync(join(WEB_ROOT, 'index.html'))) {
    out.push({
      name: 'overview in a browser',
      value: Number.NaN,
      unit: 'ms',
      note: `skipped: ${existsSync(CHROMIUM) ? 'dist/web not built' : `${CHROMIUM} missing`}`,
    });
    return out;
  }
  const dir = mkdtempSync(join(tmpdir(), 'pledge-bench-web-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'w.db') });
  const browser = await launchChromium();
  try {
    const tenant = 'bench';
    await store.createTenant({ id: tenant, name: 'bench', createdAt: NOW });
    await seedPortfolio(store, tenant, AGREEMENTS);
    const inv = await invite(store, tenant, { email: 'bench@example.com', role: 'admin', now: NOW, actor: 'bench' });
    if (!inv.ok) throw new Error(`invite: ${inv.reason}`);
    const password = 'a bench password of some length';
    const acc = await acceptInvite(store, { secret: inv.secret, password, now: NOW });
    if (!acc.ok) throw new Error(`accept: ${acc.reason}`);
    const app = buildServer({
      store,
      config: testConfig(),
      now: () => NOW,
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await ctx.newPage();
      await page.goto(`${url}/`);
      await page.getByLabel(/e-mail/i).fill('bench@example.com');
      await page.getByLabel(/^password$/i).fill(password);
      await page.getByRole('button', { name: /sign in/i }).click();
      await page.waitForSelector('nav');
      const last = `Agreement ${AGREEMENTS - 1}`;
      const overview: number[] = [];
      const everything: number[] = [];
      const agreement: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        let t0 = performance.now();
        await page.goto(`${url}/`);
        // Usable: the counts, and the first agreements that need attention, listed.
        const more = page.getByRole('button', { name: /show all/i });
        await more.waitFor({ timeout: 60_000 });
        overview.push(performance.now() - t0);
        t0 = performance.now();
        await more.click();
        await page.getByText(last, { exact: true }).first().waitFor({ timeout: 60_000 });
        everything.push(performance.now() - t0);
        t0 = performance.now();
        await page.goto(`${url}/agreements/agr-0007`);
        await page.locator('main h1').waitFor({ timeout: 60_000 });
        await page.locator('main .loading').waitFor({ state: 'detached', timeout: 60_000 });
        agreement.push(performance.now() - t0);
      }
      await ctx.close();
      out.push(
        {
          name: `overview of ${AGREEMENTS.toLocaleString('en-US')} agreements: navigation until the counts and the 100 needing attention first are listed, median of ${RUNS}`,
          value: median(overview),
          unit: 'ms',
          note: `max ${Math.round(Math.max(...overview))} ms; ceiling 1,000 ms; Chromium headless, signed in`,
        },
        {
          name: `overview: "show all" until all ${AGREEMENTS.toLocaleString('en-US')} are listed, median of ${RUNS}`,
          value: median(everything),
          unit: 'ms',
          note: `max ${Math.round(Math.max(...everything))} ms; rendering every row with its targets`,
        },
        {
          name: `agreement page: navigation until every section has loaded, median of ${RUNS}`,
          value: median(agreement),
          unit: 'ms',
          note: `max ${Math.round(Math.max(...agreement))} ms; 24 months of results per target; ceiling 1,000 ms`,
        },
      );
    } finally {
      await app.close();
    }
  } finally {
    await browser.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
