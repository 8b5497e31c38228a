/**
 * The live loop end to end, as a customer would see it (issue 9, §6): real `pledge serve`
 * processes, scripted tickets posted through POST /v1/events, the alert scheduler firing their
 * levels, the delivery loop sending them to a real HTTP receiver that verifies every request with
 * the maintained `standardwebhooks` verifier and records webhook-ids. Shared by
 * test/live-exactly-once.test.ts (a few hundred clocks) and bench/live.bench.ts (10,000).
 *
 * The agreement: one resolution target of `targetMs` on no calendar (round the clock), paused by
 * waiting_on_customer, and a matrix routing 50% and 75% to the on-call channel and the breach to
 * the on-call and the duty manager channels (two webhook channels, told apart by their path at the
 * receiver, so a notification's recipient is visible at the receiver).
 *
 * What is expected is derived from the facts, never from timing: each ticket is opened back-dated
 * (OPENED_AGO of its target ago, so its levels come within seconds), and its script is
 * - `early`: resolved in the same batch as it is opened, before 50%: nothing, ever;
 * - `breach`: left open: the breach (to both recipients) exactly once; its 50% and 75% at most once
 *   (normally once; a warning the scheduler reaches only after the breach instant, on a machine
 *   starved of CPU, is inhibited by the breach, as docs/alerts.md "Inhibition" says);
 * - `answered` / `paused`: resolved, or put waiting_on_customer, as soon as its 50% warning arrives
 *   at the receiver, with the event's instant the instant it is sent. A level whose instant lies
 *   before the event's is reached (a paused clock still warns at a level it reached; a stopped one
 *   still reports its breach); a level whose instant comes after the event was acknowledged (so
 *   committed) must never arrive: the scheduler judges every subject on its live clock before it
 *   notifies. The few levels whose instant falls between the two are allowed once or not at all.
 * Every (ticket, level, recipient) arrives under at most one webhook-id; every request with one id
 * carries the same body; the store's delivery log shows every notification delivered exactly once,
 * and an id arrives again only after an abandoned attempt (a killed sender).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { Webhook } from 'standardwebhooks';
import { setupTenant } from '../src/app/alerts/testkit.ts';
import { createApiToken } from '../src/app/tokens.ts';
import { unwrap } from '../src/core/validation/issues.ts';
import { webhookId } from '../src/core/delivery/ids.ts';
import { generateWebhookSecret } from '../src/delivery/secrets.ts';
import { startReceiver, type Received } from '../src/delivery/testing/receiver.ts';
import type { Store } from '../src/store/types.ts';
import { root } from './helpers.ts';

export const TENANT = 'live-e2e';
export const AGREEMENT_ID = 'e2e-desk';
/** How much of its target a ticket has used when it is posted. */
const OPENED_AGO = 0.45;
/** Instants closer than this to an event's are not judged (the scheduler and the test read the same clock, but not at once). */
const EPSILON = 250;
const LEVELS = [
  { id: 'consumed-50', share: 0.5, recipients: ['oncall'] },
  { id: 'consumed-75', share: 0.75, recipients: ['oncall'] },
  { id: 'breach', share: 1, recipients: ['oncall', 'manager'] },
] as const;
type Kind = 'early' | 'breach' | 'answered' | 'paused';
const KINDS: readonly Kind[] = ['early', 'answered', 'paused', 'breach', 'breach'];

export function agreementText(targetMs: number): string {
  const t = `${Math.round(targetMs / 1000)}s`;
  return `id: ${AGREEMENT_ID}
name: End-to-end desk
kind: sla
parties:
  provider: { id: northwind, name: Northwind }
  customer: { id: acme, name: Acme }
targets:
  - id: resolution
    metric: resolution_time
    value: 50
    window: month
    clock: { byPriority: { P1: ${t}, P2: ${t} }, pauseOn: [waiting_on_customer] }
support:
  escalation:
    - { level: 1, who: On-call, to: [oncall], when: { consumed: 0.5 } }
    - { level: 2, who: On-call, to: [oncall], when: { consumed: 0.75 } }
    - { level: 3, who: On-call, to: [oncall], when: { atBreach: true } }
    - { level: 3, who: Duty manager, to: [manager], when: { atBreach: true } }
`;
}

// --- servers ------------------------------------------------------------------------------------

export interface Server {
  name: string;
  url: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  alive(): boolean;
}

/** `pledge serve --port 0 --json` with the loop's settings shortened for a run of seconds. */
export async function startServer(name: string, env: Record<string, string>, secret: string): Promise<Server> {
  const child = spawn(process.execPath, ['bin/pledge.js', 'serve', '--port', '0', '--json'], {
    cwd: root,
    env: {
      ...process.env,
      PLEDGE_LOG_LEVEL: 'warn',
      PLEDGE_DATA_DIR: '',
      DATABASE_URL: '',
      HOOK_SECRET: secret,
      PLEDGE_SCHEDULER_POLL: '500ms',
      PLEDGE_SCHEDULER_LEASE: '5s',
      // Long enough for a loaded machine: a send is cut to what is left of its lease, and a cut send waits 5 min.
      PLEDGE_DELIVERY_LEASE: '30s',
      PLEDGE_DELIVERY_POLL: '100ms',
      // One message per notification: this run counts notifications; storm grouping has its own tests.
      PLEDGE_DELIVERY_GROUP_BURST: '1000000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      try {
        resolve((JSON.parse(out) as { url: string }).url);
      } catch {
        /* not all of it yet */
      }
    });
    void exited.then(({ code, signal }) => reject(new Error(`pledge serve ${name} ended (${signal ?? code}) before listening: ${err}`)));
  });
  for (;;) {
    const r = await fetch(`${url}/readyz`).catch(() => undefined);
    if (r?.status === 200) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  return { name, url, child, exited, stderr: () => err, alive: () => child.exitCode === null && child.signalCode === null };
}

// --- the tenant ---------------------------------------------------------------------------------

/** The tenant, its agreement, the two webhook channels (to `receiverUrl`/oncall and /manager) and an API token. */
export async function seedTenant(store: Store, targetMs: number, receiverUrl: string): Promise<string> {
  const now = Date.now();
  await setupTenant(store, TENANT, now - 86_400_000, [agreementText(targetMs)]);
  for (const id of ['oncall', 'manager'])
    await store.putChannel(TENANT, {
      id,
      kind: 'webhook',
      config: { settings: { url: `${receiverUrl}/${id}`, secrets: ['env:HOOK_SECRET'] } },
      at: now,
      by: 'test',
    });
  return unwrap(await createApiToken({ store, now, actor: 'test' }, { tenant: TENANT, user: 'e2e', name: 'e2e', role: 'admin' })).secret;
}

// --- the run ------------------------------------------------------------------------------------

interface Ticket {
  id: string;
  kind: Kind;
  opened: number;
  /** The reacting event (answered, paused): its instant, and when the server acknowledged it. */
  reaction?: { at: number; ackAt?: number };
}

interface Arrival {
  id: string;
  body: string;
  path: string;
  at: number;
  type: string;
  dedupeKey: string;
}

export interface LiveRun {
  receiverUrl: string;
  secret: string;
  /** Where events go: the live servers (tickets alternate among them). */
  servers: Server[];
  /** The API token events are posted with (seedTenant's). */
  setToken(token: string): void;
  /**
   * No scheduler could fire from `from` to `to` (a process killed, its claims not yet run out, or no
   * process at all): a warning due then may be overtaken by its breach, which inhibits it.
   */
  outage(from: number, to: number): void;
  /** Posts `n` new tickets, alternating servers, in batches. */
  post(n: number): Promise<void>;
  /** Resolves when a request is stalled at the receiver (armed by stall()): its webhook-id. */
  stall(): Promise<string>;
  /** Waits until every level that must arrive did, nothing is due and the outbox is empty. */
  settle(store: Store, hangMs: number): Promise<void>;
  /** The assertions of the header; returns the figures. */
  check(store: Store, opts: { redeliveriesAllowed: boolean }): Promise<RunFigures>;
  close(): Promise<void>;
}

export interface RunFigures {
  tickets: number;
  notifications: number;
  requests: number;
  distinctIds: number;
  redelivered: number;
  must: number;
  never: number;
  maybeArrived: number;
  maybeAbsent: number;
  /** Per arrival of a level that had to arrive: arrival - the level's exact instant, ms. */
  lateness: number[];
  firstPost: number;
  lastArrival: number;
}

export async function startRun(opts: { targetMs: number; batch?: number; prefix: string }): Promise<LiveRun> {
  const { targetMs } = opts;
  const batch = opts.batch ?? 50;
  const secret = generateWebhookSecret();
  const verifier = new Webhook(secret);
  const tickets = new Map<string, Ticket>();
  const arrivals: Arrival[] = [];
  const refused: string[] = [];
  const reacted = new Set<string>();
  const reactions: Ticket[] = [];
  let stallArmed: ((id: string) => void) | null = null;
  let firstPost = Number.POSITIVE_INFINITY;
  const run = {} as LiveRun;

  const receiver = await startReceiver((req: Received) => {
    let event: { type: string; data: { alert?: { dedupeKey: string } } };
    try {
      event = verifier.verify(req.body, req.headers as Record<string, string>) as typeof event;
    } catch (e) {
      refused.push((e as Error).message);
      return { status: 401, body: (e as Error).message };
    }
    const id = String(req.headers['webhook-id']);
    const dedupeKey = event.data.alert?.dedupeKey ?? '';
    arrivals.push({ id, body: req.body, path: req.path, at: Date.now(), type: event.type, dedupeKey });
    if (stallArmed) {
      const f = stallArmed;
      stallArmed = null;
      f(id);
      return 'hang';
    }
    const parts = dedupeKey.split('/').map(decodeURIComponent);
    const t = tickets.get(parts[4] ?? '');
    if (
      event.type === 'alert.firing' &&
      parts[6] === 'consumed-50' &&
      t &&
      (t.kind === 'answered' || t.kind === 'paused') &&
      !reacted.has(t.id)
    ) {
      reacted.add(t.id);
      t.reaction = { at: Date.now() };
      reactions.push(t);
      kick();
    }
    return { status: 204 };
  });

  let rr = 0;
  async function send(events: Record<string, unknown>[]): Promise<void> {
    for (;;) {
      const live = run.servers.filter((s) => s.alive());
      const s = live[rr++ % Math.max(1, live.length)];
      if (s) {
        const r = await fetch(`${s.url}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(events),
        }).catch(() => undefined);
        if (r?.status === 200) {
          const report = (await r.json()) as { rejected?: number };
          assert.equal(report.rejected ?? 0, 0, `events refused: ${JSON.stringify(report).slice(0, 500)}`);
          return;
        }
        if (r) assert.fail(`POST /v1/events: ${r.status} ${await r.text()}`);
      }
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  // Reactions are posted one batch at a time, in order, to whichever server is alive.
  let reacting: Promise<void> = Promise.resolve();
  function kick(): void {
    reacting = reacting.then(async () => {
      const now = reactions.splice(0);
      if (now.length === 0) return;
      const events = now.map((t) =>
        t.kind === 'answered'
          ? { id: `${t.id}-r`, type: 'ticket.resolved', ticket: t.id, at: new Date(t.reaction!.at).toISOString() }
          : {
              id: `${t.id}-s1`,
              type: 'ticket.status_changed',
              ticket: t.id,
              status: 'waiting_on_customer',
              at: new Date(t.reaction!.at).toISOString(),
            },
      );
      await send(events);
      const ack = Date.now();
      for (const t of now) t.reaction!.ackAt = ack;
    });
  }

  let token = '';
  let seq = 0;
  const outages: Array<[number, number]> = [];
  Object.assign(run, {
    receiverUrl: receiver.url,
    secret,
    servers: [] as Server[],
    setToken(t: string) {
      token = t;
    },
    outage(from: number, to: number) {
      outages.push([from, to]);
    },
    async post(n: number) {
      for (let done = 0; done < n; ) {
        const k = Math.min(batch, n - done);
        const opened = Date.now() - OPENED_AGO * targetMs;
        firstPost = Math.min(firstPost, Date.now());
        const events: Record<string, unknown>[] = [];
        for (let i = 0; i < k; i++) {
          const n2 = seq++;
          const t: Ticket = { id: `${opts.prefix}-${n2}`, kind: KINDS[n2 % KINDS.length]!, opened };
          tickets.set(t.id, t);
          const at = new Date(opened).toISOString();
          events.push({ id: `${t.id}-c`, type: 'ticket.created', ticket: t.id, at, priority: 'P2', customer: 'acme' });
          if (t.kind === 'early')
            events.push({ id: `${t.id}-r`, type: 'ticket.resolved', ticket: t.id, at: new Date(Date.now()).toISOString() });
        }
        await send(events);
        done += k;
      }
    },
    stall() {
      return new Promise<string>((resolve) => {
        stallArmed = resolve;
      });
    },
    async settle(store: Store, hangMs: number) {
      const deadline = Date.now() + hangMs;
      const lastInstant = Math.max(...[...tickets.values()].map((t) => t.opened + targetMs)) + EPSILON;
      for (;;) {
        const got = firingKeys();
        const missing = [...expectations()].filter(([k, e]) => e === 'must' && !got.has(k));
        const ready =
          missing.length === 0 &&
          Date.now() > lastInstant &&
          reactions.length === 0 &&
          [...tickets.values()].every((t) => !t.reaction || t.reaction.ackAt !== undefined) &&
          (await store.listTimers(TENANT, { dueBy: Date.now() - 2000, limit: 1 })).items.length === 0 &&
          (await store.listNotifications(TENANT, { state: ['pending', 'claimed'], limit: 1 })).items.length === 0;
        if (ready) return;
        if (Date.now() >= deadline) {
          const alerts = (await store.listAlerts(TENANT, { limit: 1000 })).items as unknown as Array<Record<string, unknown>>;
          const which = new Set(missing.slice(0, 3).map(([k]) => k.split(' ')[0]));
          const t0 = (id: string) => tickets.get(id)!.opened;
          const about = alerts
            .filter((x) => which.has((x.subject as { ticket?: string }).ticket ?? ''))
            .map((x) => {
              const tk = (x.subject as { ticket: string }).ticket;
              const d = x.details as Record<string, unknown>;
              return `${tk} ${x.level} ${x.state} firedAt+${(x.firedAt as number) - t0(tk)} updatedAt+${(x.updatedAt as number) - t0(tk)} ${x.resolvedReason ?? ''} ${JSON.stringify(d).slice(0, 400)}`;
            });
          const timers = (await store.listTimers(TENANT, { limit: 20 })).items.map((x) => `${x.key} ${x.fireAt - Date.now()}`);
          const open = (await store.listNotifications(TENANT, { state: ['pending', 'claimed'], limit: 5 })).items;
          const outbox: string[] = [];
          for (const n of open)
            outbox.push(`${n.idempotencyKey} ${n.state} ${JSON.stringify(await store.listNotificationAttempts(TENANT, n.id))}`);
          const waiting = [...tickets.values()].filter((t) => t.reaction && t.reaction.ackAt === undefined).length;
          console.error(
            `alerts of ${[...which]}:\n${about.join('\n')}\ntimers:\n${timers.join('\n')}\noutbox:\n${outbox.join('\n')}\nreactions waiting: ${reactions.length} unacknowledged: ${waiting}`,
          );
        }
        assert.ok(
          Date.now() < deadline,
          `not settled: ${missing.length} levels missing (${missing.slice(0, 5).map(([k]) => k)}); ${run.servers
            .map((s) => `${s.name}: ${s.stderr().slice(-2000)}`)
            .join('\n')}`,
        );
        await new Promise((res) => setTimeout(res, 200));
      }
    },
    async check(store: Store, { redeliveriesAllowed }: { redeliveriesAllowed: boolean }): Promise<RunFigures> {
      await reacting;
      assert.deepEqual(refused, [], 'every request verified');
      // One id, one message: a redelivery carries the same body.
      const bodyOf = new Map<string, string>();
      const seen = new Map<string, number>();
      for (const a of arrivals) {
        const b = bodyOf.get(a.id);
        if (b === undefined) bodyOf.set(a.id, a.body);
        else assert.equal(a.body, b, `webhook-id ${a.id} arrived with another body`);
        seen.set(a.id, (seen.get(a.id) ?? 0) + 1);
      }
      // Each (ticket, level, recipient): as expected, under at most one id.
      const got = firingKeys();
      const want = expectations();
      const figures: RunFigures = {
        tickets: tickets.size,
        notifications: 0,
        requests: arrivals.length,
        distinctIds: bodyOf.size,
        redelivered: [...seen.values()].filter((n) => n > 1).length,
        must: 0,
        never: 0,
        maybeArrived: 0,
        maybeAbsent: 0,
        lateness: [],
        firstPost,
        lastArrival: Math.max(...arrivals.map((a) => a.at)),
      };
      for (const [k, ids] of got) {
        assert.ok(want.has(k), `unexpected notification: ${k}`);
        assert.equal(ids.size, 1, `${k} arrived under ${ids.size} distinct webhook-ids`);
      }
      for (const [k, e] of want) {
        if (e === 'must') {
          figures.must++;
          assert.ok(got.has(k), `${k} never arrived`);
        } else if (e === 'never') {
          figures.never++;
          assert.ok(!got.has(k), `${k} arrived though its event was committed before its instant`);
        } else if (got.has(k)) figures.maybeArrived++;
        else figures.maybeAbsent++;
      }
      for (const a of arrivals) {
        const [ticket, level] = subjectOf(a);
        const t = ticket ? tickets.get(ticket) : undefined;
        const l = LEVELS.find((x) => x.id === level);
        if (
          a.type === 'alert.firing' &&
          t &&
          l &&
          want.get(`${t.id} ${l.id} ${a.path.split('/').pop()}`) === 'must' &&
          seen.get(a.id) === 1
        )
          figures.lateness.push(a.at - (t.opened + l.share * targetMs));
      }
      // The delivery log: exactly the stored notifications arrived, each completed once.
      const rows = [];
      for (let after: string | undefined; ; ) {
        const p = await store.listNotifications(TENANT, { limit: 1000, ...(after ? { after } : {}) });
        rows.push(...p.items);
        if (!p.next) break;
        after = p.next;
      }
      figures.notifications = rows.length;
      assert.deepEqual(
        new Set(bodyOf.keys()),
        new Set(rows.map((r) => webhookId(r.idempotencyKey))),
        'the receiver saw exactly the stored notifications',
      );
      for (const n of rows) {
        assert.equal(n.state, 'delivered', `${n.idempotencyKey} delivered`);
        const times = seen.get(webhookId(n.idempotencyKey)) ?? 0;
        if (times === 1) continue;
        assert.ok(redeliveriesAllowed, `${n.idempotencyKey} arrived ${times} times, and no process died`);
        const attempts = await store.listNotificationAttempts(TENANT, n.id);
        assert.equal(attempts.filter((x) => x.outcome === 'delivered').length, 1, `${n.idempotencyKey} completed exactly once`);
        const abandoned = attempts.filter((x) => x.outcome === 'abandoned').length;
        assert.ok(times <= 1 + abandoned, `${n.idempotencyKey} arrived ${times} times with ${abandoned} abandoned attempts`);
      }
      return figures;
    },
    async close() {
      await receiver.close();
    },
  });

  function subjectOf(a: Arrival): [string | undefined, string | undefined] {
    const parts = a.dedupeKey.split('/').map(decodeURIComponent);
    return parts[0] === 'clock' ? [parts[4], parts[6]] : [undefined, undefined];
  }

  /** `ticket level recipient` -> the webhook-ids it arrived under (firing clock alerts only). */
  function firingKeys(): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const a of arrivals) {
      if (a.type !== 'alert.firing') continue;
      const [ticket, level] = subjectOf(a);
      if (!ticket) continue;
      const k = `${ticket} ${level} ${a.path.split('/').pop()}`;
      const s = out.get(k) ?? new Set<string>();
      s.add(a.id);
      out.set(k, s);
    }
    return out;
  }

  /** Every (ticket, level, recipient) the script implies: must, never, or maybe (see the header). */
  function expectations(): Map<string, 'must' | 'never' | 'maybe'> {
    const out = new Map<string, 'must' | 'never' | 'maybe'>();
    for (const t of tickets.values()) {
      for (const l of LEVELS) {
        const instant = t.opened + l.share * targetMs;
        let e: 'must' | 'never' | 'maybe';
        if (t.kind === 'early') e = 'never';
        else if (l.id !== 'breach' && outages.some(([from, to]) => instant >= from - EPSILON && t.opened + targetMs <= to)) e = 'maybe';
        // A ticket left to breach: the breach must arrive; a warning whose timer fires after the
        // breach instant (a scheduler starved of CPU) is inhibited by the breach, by design
        // (docs/alerts.md "Inhibition"), so its warnings arrive at most once, not surely.
        else if (t.kind === 'breach' && l.id !== 'breach') e = 'maybe';
        else if (t.kind === 'breach' || !t.reaction || l.id === 'consumed-50') e = 'must';
        else {
          const r = t.reaction;
          const reached = r !== undefined && instant < r.at - EPSILON;
          const before = r?.ackAt !== undefined && instant > r.ackAt + EPSILON;
          // A stopped clock reports only its breach; a paused one every level it reached.
          if (before) e = 'never';
          else if (reached && (t.kind === 'paused' || l.id === 'breach')) e = 'must';
          else e = 'maybe';
        }
        for (const who of l.recipients) out.set(`${t.id} ${l.id} ${who}`, e);
      }
    }
    return out;
  }

  return run;
}

/** The server whose delivery worker holds the claim on the notification `id` (worker names are host:pid:suffix). */
export async function senderOf(store: Store, id: string, servers: Server[]): Promise<Server> {
  const claimed = (await store.listNotifications(TENANT, { state: 'claimed', limit: 1000 })).items;
  const row = claimed.find((n) => webhookId(n.idempotencyKey) === id);
  assert.ok(row?.lease, `the stalled notification ${id} is claimed`);
  const pid = Number(row.lease.worker.split(':')[1]);
  const s = servers.find((x) => x.child.pid === pid);
  assert.ok(s, `a server with pid ${pid} (${row.lease.worker})`);
  return s;
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
