/**
 * What every browser test file shares: Debian's Chromium through playwright-core, a real
 * `pledge serve --demo` on a free port with a temporary SQLite file serving the build (dist/web),
 * people invited and signed in through the API, axe-core, and a page's console errors.
 *
 * `browserSkipReason` is null when Chromium and dist/web are there. A file calls `requireBrowser(name)`
 * at its top: with PLEDGE_REQUIRE_CHROMIUM=1 (CI, which installs Chromium) a missing browser is a
 * failing test, otherwise the skip is printed loudly.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { root } from '../helpers.ts';
import { type ServeProcess, startServe } from '../serve-process.ts';

export const CHROMIUM = process.env.PLEDGE_CHROMIUM ?? '/usr/bin/chromium';
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** With PLEDGE_SCREENSHOTS=<folder> (npm run screenshots: docs/screenshots), the pages the README shows are saved there. */
export const SHOTS = process.env.PLEDGE_SCREENSHOTS;

export type Person = { email: string; password: string };

function skipReason(): string | null {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install chromium, or set PLEDGE_CHROMIUM)`;
  if (!existsSync(join(root, 'dist', 'web', 'index.html'))) return 'dist/web is not built (npm run build)';
  return null;
}

export const browserSkipReason = skipReason();

/** Call once at a browser test file's top; pass the result as the describe's `skip`. */
export function requireBrowser(file: string): string | false {
  const reason = browserSkipReason;
  if (reason && process.env.PLEDGE_REQUIRE_CHROMIUM === '1')
    test('Chromium and the built app are available for the browser tests', () => assert.fail(reason));
  else if (reason) process.stderr.write(`\n*** ${file} SKIPPED: ${reason} ***\n\n`);
  return reason ?? false;
}

export const text = async (l: { textContent(): Promise<string | null> }) => (await l.textContent()) ?? '';

/** Waits for the page's heading and for every loading placeholder in main to be gone. */
export async function settled(page: Page): Promise<void> {
  await page.waitForSelector('main h1');
  await page.waitForFunction(() => !(globalThis as any).document.querySelector('main .loading'), null, { timeout: 30_000 });
}

/** axe-core's serious and critical violations on the page, one line each. */
export async function axe(page: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol: the page's own CSP (script-src 'self') stays in force for
  // the app, and refuses an injected <script> (page.addScriptTag), which is what it should do.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(axeSource);
  const result = (await page.evaluate(() =>
    (globalThis as any).axe.run((globalThis as any).document, { resultTypes: ['violations'] }),
  )) as {
    violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
  };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

export async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

/** Debian's Chromium, headless, with nothing of its own on the network: the browser tests' and benches' browser. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export type WebSuite = {
  server: ServeProcess;
  browser: Browser;
  /** The demo's admin API token. */
  token: string;
  /** A request with the admin token; the body parsed as JSON when there is one. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  /** Invites a person and accepts the invitation over the API, so that it can sign in with a password. */
  person(who: Person, role: string, customer?: string): Promise<void>;
  /** A fresh browser context (no cookie), its page, and the console errors it collects. */
  open(lang?: 'en' | 'ar'): Promise<{ ctx: BrowserContext; page: Page; errors: string[] }>;
  /** Signs in through the sign-in page and waits for the navigation. */
  signIn(page: Page, who: Person): Promise<void>;
  stop(): Promise<void>;
};

/** Starts `pledge serve --demo --no-live` (plus `args`) and Chromium. Call in `before`, stop in `after`. */
export async function startWebSuite(opts: { args?: string[]; env?: Record<string, string> } = {}): Promise<WebSuite> {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-web-'));
  const server = await startServe({
    args: ['--demo', '--no-live', ...(opts.args ?? [])],
    env: { PLEDGE_DATA_DIR: dir, ...(opts.env ?? {}) },
  });
  const token = server.info.token!;
  const home = await fetch(`${server.url}/`, { headers: { Accept: 'text/html' } });
  assert.equal(home.status, 200, 'GET / answers the app');
  assert.match(home.headers.get('content-type') ?? '', /text\/html/);
  const browser = await launchChromium();

  const api: WebSuite['api'] = async (method, path, body) => {
    const r = await fetch(server.url + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const t = await r.text();
    return { status: r.status, json: t ? (JSON.parse(t) as any) : undefined };
  };

  return {
    server,
    browser,
    token,
    api,
    async person(who, role, customer) {
      const inv = await api('POST', '/v1/invites', { email: who.email, role, ...(customer ? { customer } : {}) });
      assert.ok(inv.status === 201 || inv.status === 200, `POST /v1/invites: ${inv.status} ${JSON.stringify(inv.json)}`);
      const link = String(inv.json.path).split('/invite/')[1] ?? '';
      assert.ok(link, `no invitation token in ${JSON.stringify(inv.json)}`);
      const acc = await fetch(`${server.url}/v1/invites/${encodeURIComponent(link)}/accept`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ password: who.password }),
      });
      assert.equal(acc.status, 200, `accept: ${acc.status} ${await acc.text()}`);
    },
    async open(lang = 'en') {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await ctx.addInitScript((l) => (globalThis as any).localStorage.setItem('pledge.lang', l), lang);
      const page = await ctx.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`${page.url()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
      return { ctx, page, errors };
    },
    async signIn(page, who) {
      await page.goto(`${server.url}/`);
      // A form that never shows says what the page showed instead (a timeout alone told nothing).
      await page
        .getByLabel(/e-mail|البريد/i)
        .waitFor()
        .catch(async (e: Error) => {
          const shown = await page
            .locator('body')
            .textContent()
            .catch(() => '(unreadable)');
          throw new Error(`the sign-in form did not show at ${page.url()}; the page showed: ${(shown ?? '').slice(0, 500)}`, { cause: e });
        });
      await page.getByLabel(/e-mail|البريد/i).fill(who.email);
      await page.getByLabel(/^password$|^كلمة المرور$/i).fill(who.password);
      await page.getByRole('button', { name: /sign in|تسجيل الدخول/i }).click();
      await page.waitForSelector('nav');
    },
    async stop() {
      await browser.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
