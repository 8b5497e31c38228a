/** Running the pledge command as a user would: a real process in the repository root. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

export function pledge(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/pledge.js', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** As `pledge`, with extra environment variables (e.g. PLEDGE_URL and PLEDGE_TOKEN). */
export function pledgeWith(env: Record<string, string | undefined>, ...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/pledge.js', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC', ...env },
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
