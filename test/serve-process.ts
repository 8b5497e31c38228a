/**
 * `pledge serve` as a process of its own, for the tests and benchmarks that need a real server (a
 * socket, a process to kill): started with `--port 0 --json`, it prints where it listens (and, with
 * --demo, the demo token); this waits for that line and for /readyz, with no deadline of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { root } from './helpers.ts';

export interface ServeProcess {
  url: string;
  /** Everything `serve --json` printed: { url, token?, tenant? }. */
  info: { url: string; token?: string; tenant?: string };
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  /** SIGTERM, and the exit code (null when it had ended already by a signal). */
  stop(): Promise<number | null>;
}

export async function startServe(opts: { args?: string[]; env?: Record<string, string> } = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, ['bin/pledge.js', 'serve', '--port', '0', '--json', ...(opts.args ?? [])], {
    cwd: root,
    env: { ...process.env, PLEDGE_LOG_LEVEL: 'warn', PLEDGE_DATA_DIR: '', DATABASE_URL: '', ...(opts.env ?? {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const info = await new Promise<ServeProcess['info']>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      try {
        resolve(JSON.parse(out) as ServeProcess['info']);
      } catch {
        /* not all of it yet */
      }
    });
    void exited.then(({ code, signal }) => reject(new Error(`pledge serve ended (${signal ?? code}) before listening: ${err}`)));
  });
  // Listening is printed after listen(); readiness also asks the database.
  for (;;) {
    const r = await fetch(`${info.url}/readyz`).catch(() => undefined);
    if (r?.status === 200) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  return {
    url: info.url,
    info,
    child,
    exited,
    stderr: () => err,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return (await exited).code;
    },
  };
}
