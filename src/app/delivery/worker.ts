/**
 * The delivery loop: committed notifications out of the outbox, to their channels, exactly once
 * per notification as far as a receiver that dedupes can tell (docs/alerts.md "Retries and
 * guarantees", docs/operations.md "Delivery workers").
 *
 * One tick, on an injectable clock:
 * 1. Claim due notifications of every tenant (store.claimNotifications: a lease, a fencing token,
 *    FOR UPDATE SKIP LOCKED on PostgreSQL), in rounds of `batch` while rounds come back full.
 *    Nothing is sent that this worker has not claimed.
 * 2. Per tenant: read the channels; resolve each notification's recipient to a channel
 *    (channelFor, src/core/delivery/route.ts); a row that cannot be read or routed is completed
 *    `failed` with the reason (replay it once fixed).
 * 3. Storms: notifications on their first delivery are planned with planDelivery (at most `burst`
 *    messages per channel and audience per interval). A grouped message is first written to the
 *    outbox as a notification of its own (key `grp_...`, derived from its members: planning the same
 *    members again is a no-op), then its members are completed `delivered` with
 *    `{ groupedInto: key }`: from then on the group row carries the guarantee (claimed, leased,
 *    retried, replayable like any other). Held ones are completed `retry` at the next free slot
 *    (`{ held: true }`; not counted as attempts of the retry schedule).
 * 4. Send what is claimed, `concurrency` at a time, each within its lease (the channel's timeout
 *    is cut to what is left of the lease, so choose leases longer than timeouts); complete each with its outcome: delivered; retry at `at` (backoff,
 *    Retry-After); failed; dead (the schedule ran out). A 410 disables the channel (audited).
 *    Every attempt of one row sends the same message (deliveryMessageOf): the same webhook-id and
 *    Message-ID, whether it is a retry, a redelivery after a crash, or a replay.
 *
 * Exactly once, and where it stops: a worker that dies mid-delivery leaves its claims; when their
 * leases end another worker claims them and sends them again with the same key (so a receiver that
 * dedupes on webhook-id / Message-ID sees one notification), and the dead worker's completion, if it
 * ever comes, is refused as stale (completed exactly once). Known gap: a worker that dies after
 * writing a group row and before completing its members leaves members that are delivered on
 * their own later, with their own keys, beside the group (two writes of the local database, no
 * network call between them). Grouping counts messages per worker process, so N workers may send
 * up to N times `burst` messages to one channel per interval.
 *
 * Graceful stop: `stop()` ends the loop after the current tick; the deliveries it started finish
 * and are completed (bounded by the timeouts), nothing new is claimed.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { planDelivery } from '../../core/alerts/grouping.ts';
import type { NotificationIntent } from '../../core/alerts/types.ts';
import type { Channel } from '../../core/delivery/channel.ts';
import type { DeliveryMessage } from '../../core/delivery/message.ts';
import type { DeliveryOutcome } from '../../core/delivery/outcome.ts';
import { deliveryMessageOf, parseOutboxPayload, type GroupPayload, type OutboxPayload } from '../../core/delivery/outbox.ts';
import { channelFor, routedChannel, type Route } from '../../core/delivery/route.ts';
import { formatIssue } from '../../core/validation/issues.ts';
import { deliver, DEFAULT_TIMEOUT_MS } from '../../delivery/deliver.ts';
import type {
  ServiceReportStore,
  ChannelStore,
  AlertStore,
  ClaimedNotification,
  NotificationAttempt,
  NotificationCompletion,
  OutboxStore,
} from '../../store/types.ts';
import type { DeliveryConfig } from '../config.ts';
import { channelOfStored } from './channels.ts';

/** The worker's time: the system's in production, a test's own in tests. */
export interface WorkerClock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: WorkerClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    }),
};

/** What happened to the notifications a tick handled, for /metrics and `pledge worker --json`. */
export const DELIVERY_OUTCOMES = ['delivered', 'retry', 'failed', 'dead', 'grouped', 'held', 'stale', 'skipped'] as const;
export type DeliveryCount = (typeof DELIVERY_OUTCOMES)[number];

export interface TickReport {
  claimed: number;
  /** Notifications completed per outcome; `grouped`: carried by a group row written in this tick. */
  counts: Record<DeliveryCount, number>;
  /** Group rows written (one per grouped message). */
  groups: number;
  /** `tenant/channel` disabled after a 410. */
  disabled: string[];
}

export type LogLevel = 'info' | 'warn' | 'error';

export interface DeliveryWorkerOptions {
  store: OutboxStore & ChannelStore & Pick<AlertStore, 'applyAlertChanges'> & Pick<ServiceReportStore, 'getServiceReportFile'>;
  config: DeliveryConfig;
  /** Where `env:NAME` secrets are read: the process environment, passed in. */
  env: Readonly<Record<string, string | undefined>>;
  clock?: WorkerClock;
  /** This worker's name in claims and the delivery log; host, process and a random suffix by default. */
  name?: string;
  /** Only this tenant's notifications. */
  tenant?: string;
  /** For HTTP channels (tests); the global fetch by default. */
  fetch?: typeof fetch;
  /** Overrides the channels' default timeouts (tests). */
  timeoutMs?: number;
  /** Retry jitter in [0, 1); Math.random by default. */
  random?: () => number;
  log?: (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;
  /** Called with every count, e.g. to feed /metrics. */
  onCount?: (outcome: DeliveryCount, n: number) => void;
}

export interface DeliveryWorker {
  readonly name: string;
  /** One claim-plan-send round. */
  tick(): Promise<TickReport>;
  /** Ticks until a tick claims nothing (what is due now is done; retries due later wait). */
  drain(): Promise<TickReport>;
  /** Runs ticks until stopped, sleeping `pollMs` when idle. */
  start(): void;
  /** Stops after the current tick; resolves when it is done. */
  stop(): Promise<void>;
}

/** Room kept at the end of a lease to record an outcome. */
const LEASE_MARGIN_MS = 1000;
/** A send with less time than this left in its lease is not started. */
const MIN_SEND_MS = 500;

interface Send {
  row: ClaimedNotification;
  channel: Channel;
  message: DeliveryMessage;
  attempt: number;
}

interface Planned {
  row: ClaimedNotification;
  intent: NotificationIntent;
  route: Extract<Route, { ok: true }>;
}

function emptyReport(): TickReport {
  return { claimed: 0, counts: Object.fromEntries(DELIVERY_OUTCOMES.map((o) => [o, 0])) as TickReport['counts'], groups: 0, disabled: [] };
}

function addReports(a: TickReport, b: TickReport): TickReport {
  const counts = { ...a.counts };
  for (const o of DELIVERY_OUTCOMES) counts[o] += b.counts[o];
  return { claimed: a.claimed + b.claimed, counts, groups: a.groups + b.groups, disabled: [...a.disabled, ...b.disabled] };
}

const isHeld = (a: NotificationAttempt) => a.outcome === 'retry' && (a.response as { held?: unknown } | undefined)?.held === true;

/**
 * The attempt number of the retry schedule for this claim, and whether the row was sent before
 * (then it is retried as it is, never planned into a group). Held attempts do not count; a
 * replay (after delivered, failed or dead) starts the schedule again.
 */
function scheduleOf(history: readonly NotificationAttempt[], current: number): { attempt: number; sentBefore: boolean } {
  let sent = 0;
  let ever = false;
  for (const a of history) {
    if (a.attempt >= current) continue;
    if (a.outcome === 'delivered' || a.outcome === 'failed' || a.outcome === 'dead') {
      sent = 0;
      ever = true;
    } else if (!isHeld(a)) {
      sent += 1;
      ever = true;
    }
  }
  return { attempt: sent + 1, sentBefore: ever };
}

function completionOf(outcome: DeliveryOutcome, at: number): NotificationCompletion {
  const { log } = outcome;
  const response = {
    ...(log.status !== undefined ? { status: log.status } : {}),
    ...(log.body ? { body: log.body } : {}),
    ...(log.deliveryId ? { deliveryId: log.deliveryId } : {}),
    channel: log.channel,
  };
  const said = log.status !== undefined ? ` (answer ${log.status})` : log.error ? ` (${log.error})` : '';
  switch (outcome.kind) {
    case 'delivered':
      return { outcome: 'delivered', at, response };
    case 'retry':
      return { outcome: 'retry', at, retryAt: outcome.at, error: `${outcome.reason}${said}`, response };
    case 'failed':
      return outcome.reason === 'exhausted'
        ? { outcome: 'dead', at, error: outcome.detail, response }
        : { outcome: 'failed', at, error: `${outcome.reason}: ${outcome.detail}`, response };
    case 'disabled':
      return { outcome: 'failed', at, error: `disabled: ${outcome.reason}`, response };
  }
}

export function defaultWorkerName(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export function createDeliveryWorker(opts: DeliveryWorkerOptions): DeliveryWorker {
  const { store, config, env } = opts;
  const clock = opts.clock ?? systemClock;
  const name = opts.name ?? defaultWorkerName();
  const log = opts.log ?? (() => {});
  /** tenant NUL audience|target -> instants of messages planned to it, within the grouping interval. */
  const recent = new Map<string, number[]>();
  const stopper = new AbortController();
  let loop: Promise<void> | undefined;

  const count = (report: TickReport, o: DeliveryCount, n = 1) => {
    report.counts[o] += n;
    opts.onCount?.(o, n);
  };

  async function complete(report: TickReport, row: ClaimedNotification, completion: NotificationCompletion, as: DeliveryCount) {
    const r = await store.completeNotification(row.tenant, row.id, { worker: name, attempt: row.lease.attempt }, completion);
    if (r.status === 'completed') count(report, as);
    else {
      count(report, 'stale');
      log('warn', 'a completion was refused: another worker holds the notification now', {
        tenant: row.tenant,
        id: row.id,
        key: row.idempotencyKey,
        status: r.status,
      });
    }
  }

  async function claimAll(now: number): Promise<ClaimedNotification[]> {
    const out: ClaimedNotification[] = [];
    // Rounds while they come back full, so a storm is planned as one (up to 10 rounds a tick).
    for (let round = 0; round < 10; round++) {
      const got = await store.claimNotifications({
        worker: name,
        at: now,
        leaseMs: config.leaseMs,
        limit: config.batch,
        ...(opts.tenant ? { tenant: opts.tenant } : {}),
      });
      out.push(...got);
      if (got.length < config.batch) break;
    }
    return out;
  }

  function recentOf(tenant: string, now: number): Map<string, number[]> {
    const out = new Map<string, number[]>();
    const prefix = `${tenant}\u0000`;
    for (const [k, list] of recent) {
      const kept = list.filter((t) => t > now - config.grouping.intervalMs);
      if (kept.length === 0) recent.delete(k);
      else {
        recent.set(k, kept);
        if (k.startsWith(prefix)) out.set(k.slice(prefix.length), kept);
      }
    }
    return out;
  }

  async function prepareTenant(tenant: string, rows: ClaimedNotification[], now: number, report: TickReport): Promise<Send[]> {
    const channels: Channel[] = [];
    const broken = new Map<string, string>();
    for (const s of await store.listChannels(tenant)) {
      const c = channelOfStored(s);
      if (c.ok) channels.push(c.value);
      else broken.set(s.id, c.issues.map(formatIssue).join('; '));
    }
    const message = (row: ClaimedNotification, p: OutboxPayload) =>
      deliveryMessageOf(tenant, row.idempotencyKey, p, config.publicUrl ? { publicUrl: config.publicUrl } : {});
    const fail = (row: ClaimedNotification, error: string) => complete(report, row, { outcome: 'failed', at: now, error }, 'failed');
    const sends: Send[] = [];
    const planning: Planned[] = [];
    for (const row of rows) {
      const p = parseOutboxPayload(row.payload);
      if (!p.ok) {
        await fail(row, `the notification cannot be read: ${p.issues.map(formatIssue).join('; ')}`);
        continue;
      }
      const history = row.attempts > 1 ? await store.listNotificationAttempts(tenant, row.id) : [];
      const { attempt, sentBefore } = scheduleOf(history, row.lease.attempt);
      const routeError = (id: string, reason: string) =>
        broken.has(id) ? `the channel "${id}" is misconfigured: ${broken.get(id)}` : `no route: ${reason}`;
      if (p.value.kind === 'report') {
        // A scheduled report: sent as it is (never grouped), through its e-mail channel, to its one
        // address, with its stored files attached. A file that is not there fails the row, saying which.
        const r = p.value;
        const c = channels.find((x) => x.id === r.channel);
        if (!c) {
          await fail(row, routeError(r.channel, `no channel with id "${r.channel}"`));
          continue;
        }
        if (c.kind !== 'email') {
          await fail(row, `the channel "${c.id}" is a ${c.kind} channel: service reports are sent by e-mail`);
          continue;
        }
        const attachments: NonNullable<DeliveryMessage['attachments']> = [];
        let missing: string | undefined;
        for (const a of r.attachments) {
          const file = await store.getServiceReportFile(tenant, {
            agreementId: a.agreement,
            period: a.period,
            revision: a.revision,
            variant: a.variant,
          });
          if (!file) {
            missing = `${a.agreement} ${a.period} revision ${a.revision} ${a.variant}`;
            break;
          }
          attachments.push({ filename: a.filename, contentType: a.mediaType, content: file.bytes });
        }
        if (missing !== undefined) {
          await fail(row, `the report file ${missing} is not stored`);
          continue;
        }
        const channel = routedChannel({ ok: true, channel: c, targetKey: `${c.id}>${r.to.join(',')}`, to: r.to });
        sends.push({ row, channel, message: { ...message(row, r), attachments }, attempt });
        continue;
      }
      if (p.value.kind === 'group') {
        const g = p.value;
        const c = channels.find((x) => x.id === g.channel);
        if (!c) {
          await fail(row, routeError(g.channel, `no channel with id "${g.channel}"`));
          continue;
        }
        const channel = routedChannel({ ok: true, channel: c, targetKey: g.targetKey, ...(g.to ? { to: g.to } : {}) });
        sends.push({ row, channel, message: message(row, g), attempt });
        continue;
      }
      const intent = p.value.intent as NotificationIntent;
      const route = channelFor(intent.recipient, channels);
      if (!route.ok) {
        await fail(row, routeError(intent.recipient.destination ?? '', route.reason));
        continue;
      }
      // Sent before (a retry, a redelivery, a replay), or bound to fail (audience): as it is.
      if (sentBefore || (intent.audience === 'internal' && route.channel.audience === 'customer'))
        sends.push({ row, channel: routedChannel(route), message: message(row, p.value), attempt });
      else planning.push({ row, intent, route });
    }
    if (planning.length === 0) return sends;

    const byKey = new Map(planning.map((x) => [x.intent.key, x]));
    const targetOf = (x: Planned) => `${x.intent.audience}|${x.route.targetKey}`;
    const plan = planDelivery(
      planning.map((x) => ({ ...x.intent, recipientKey: targetOf(x) })),
      recentOf(tenant, now),
      now,
      config.grouping,
    );
    for (const m of plan.messages) {
      const k = `${tenant}\u0000${m.recipientKey}`;
      recent.set(k, [...(recent.get(k) ?? []), now]);
      const members = m.intents.map((key) => byKey.get(key)!);
      if (!m.grouped) {
        const x = members[0]!;
        sends.push({
          row: x.row,
          channel: routedChannel(x.route),
          message: message(x.row, { v: 1, kind: 'intent', intent: x.intent }),
          attempt: 1,
        });
        continue;
      }
      const first = members[0]!;
      const payload: GroupPayload = {
        v: 1,
        kind: 'group',
        channel: first.route.channel.id,
        ...(first.route.to ? { to: first.route.to } : {}),
        targetKey: m.recipientKey,
        audience: first.intent.audience,
        severity: m.message.severity,
        message: m.message,
        members: m.intents,
        createdAt: now,
      };
      // The group row first: once it is committed, its members are carried by it.
      await store.applyAlertChanges(tenant, {
        at: now,
        by: name,
        notifications: [{ idempotencyKey: m.key, channelId: first.route.channel.id, recipient: m.recipientKey, payload, notBefore: now }],
      });
      report.groups += 1;
      for (const x of members)
        await complete(report, x.row, { outcome: 'delivered', at: now, response: { groupedInto: m.key } }, 'grouped');
    }
    for (const h of plan.held) {
      const x = byKey.get(h.key)!;
      await complete(
        report,
        x.row,
        {
          outcome: 'retry',
          at: now,
          retryAt: plan.wakeAt ?? now + config.grouping.intervalMs,
          error: `held: ${x.route.channel.id} had ${config.grouping.burst} messages in the last ${config.grouping.intervalMs} ms`,
          response: { held: true },
        },
        'held',
      );
    }
    return sends;
  }

  async function send(s: Send, report: TickReport): Promise<void> {
    const startedAt = clock.now();
    // A send never outlives its claim: the timeout is cut to what is left of the lease (less a
    // margin to record the outcome), and with too little left the row waits for the next claim.
    const room = s.row.lease.until - startedAt - LEASE_MARGIN_MS;
    if (room < MIN_SEND_MS) {
      count(report, 'skipped');
      return;
    }
    const timeoutMs = Math.min(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS[s.channel.kind], room);
    const outcome = await deliver(s.channel, s.message, {
      now: startedAt,
      attempt: s.attempt,
      env,
      timeoutMs,
      ...(config.keyring ? { keyring: config.keyring } : {}),
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(opts.random ? { random: opts.random } : {}),
    });
    const at = clock.now();
    if (outcome.kind === 'disabled' && s.channel.enabled) {
      const changed = await store.setChannelEnabled(
        s.row.tenant,
        s.channel.id,
        { enabled: false, reason: outcome.reason, at, by: name },
        {
          at,
          actor: name,
          action: 'channel.disable',
          subject: `channel:${s.channel.id}`,
          after: { enabled: false, reason: outcome.reason },
        },
      );
      if (changed.status === 'changed') report.disabled.push(`${s.row.tenant}/${s.channel.id}`);
      log('warn', 'a channel was disabled', { tenant: s.row.tenant, channel: s.channel.id, reason: outcome.reason });
    }
    const completion = completionOf(outcome, at);
    await complete(report, s.row, completion, completion.outcome);
  }

  async function tick(): Promise<TickReport> {
    const report = emptyReport();
    const now = clock.now();
    const claimed = await claimAll(now);
    report.claimed = claimed.length;
    if (claimed.length === 0) return report;
    const byTenant = new Map<string, ClaimedNotification[]>();
    for (const row of claimed) byTenant.set(row.tenant, [...(byTenant.get(row.tenant) ?? []), row]);
    const sends: Send[] = [];
    for (const [tenant, rows] of byTenant) sends.push(...(await prepareTenant(tenant, rows, now, report)));
    let next = 0;
    const lane = async () => {
      while (next < sends.length) {
        const s = sends[next++]!;
        try {
          await send(s, report);
        } catch (e) {
          // A store failure while completing: the claim runs out and the row is claimed again.
          log('error', 'a delivery could not be recorded', { tenant: s.row.tenant, id: s.row.id, error: (e as Error).message });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(config.concurrency, sends.length) }, lane));
    return report;
  }

  async function drain(): Promise<TickReport> {
    let total = emptyReport();
    for (;;) {
      const r = await tick();
      total = addReports(total, r);
      if (r.claimed === 0) return total;
    }
  }

  async function run(): Promise<void> {
    while (!stopper.signal.aborted) {
      let r: TickReport | undefined;
      try {
        r = await tick();
      } catch (e) {
        log('error', 'a delivery tick failed; trying again after the poll interval', { error: (e as Error).message });
      }
      if (stopper.signal.aborted) break;
      if (!r || r.claimed === 0) await clock.sleep(config.pollMs, stopper.signal);
    }
  }

  return {
    name,
    tick,
    drain,
    start() {
      loop ??= run();
    },
    async stop() {
      stopper.abort();
      await loop;
    },
  };
}
