/**
 * HTML to PDF through a headless Chromium (Debian's `chromium` package), the same engine the web
 * app is tested in: it lays out right-to-left text and shapes Arabic as a browser does. It is
 * started as a program (`--print-to-pdf`), once per PDF, with a throwaway profile and no network
 * features; nothing is downloaded.
 *
 * Which Chromium: PLEDGE_CHROMIUM (a path), else the first of chromium, chromium-browser,
 * google-chrome-stable, google-chrome on PATH. Without one, `pdfUnavailable` says what to install,
 * and callers answer that while the HTML and CSV forms keep working.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];
/** A PDF that takes longer than this is abandoned (a wedged browser must not hold a request for ever). */
const TIMEOUT_MS = 60_000;

export const PDF_INSTALL_HINT =
  'PDF reports need Chromium: install it (Debian/Ubuntu: apt-get install chromium; fonts-noto-core for Arabic), or set PLEDGE_CHROMIUM to its path. The HTML and CSV forms work without it.';

/** The Chromium to use, or null (see the module comment). */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  const given = env.PLEDGE_CHROMIUM;
  if (given !== undefined && given !== '') return executable(given) ? given : null;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const name of NAMES) {
      const p = join(dir, name);
      if (executable(p)) return p;
    }
  }
  return null;
}

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export class PdfUnavailableError extends Error {
  constructor(message = PDF_INSTALL_HINT) {
    super(message);
    this.name = 'PdfUnavailableError';
  }
}

/** The page as an A4 PDF (margins from its own print style). */
export async function htmlToPdf(html: string, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  const chromium = findChromium(env);
  if (!chromium) throw new PdfUnavailableError();
  const dir = mkdtempSync(join(tmpdir(), 'pledge-pdf-'));
  try {
    const page = join(dir, 'report.html');
    const out = join(dir, 'report.pdf');
    writeFileSync(page, html);
    const args = [
      '--headless',
      '--disable-gpu',
      '--no-sandbox',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-extensions',
      '--no-pdf-header-footer',
      `--user-data-dir=${join(dir, 'profile')}`,
      `--print-to-pdf=${out}`,
      pathToFileURL(page).href,
    ];
    await new Promise<void>((resolve, reject) => {
      execFile(chromium, args, { timeout: TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 }, (e, _stdout, stderr) => {
        if (e)
          reject(
            new Error(`Chromium (${chromium}) could not print the PDF: ${e.message}${stderr ? `\n${String(stderr).slice(-2000)}` : ''}`),
          );
        else resolve();
      });
    });
    const bytes = readFileSync(out);
    if (bytes.subarray(0, 5).toString('latin1') !== '%PDF-') throw new Error(`Chromium (${chromium}) wrote something that is not a PDF`);
    return bytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
