/**
 * A tenant's delivery channels, configured over the API (one at a time, with ETags) or from a file
 * (`pledge channels apply FILE`, the format of docs/alerts.md "Channels"), both through the one
 * channel schema (src/core/delivery/channel.ts).
 *
 * Invariants:
 * - No secret is stored in clear: the API may take plain secrets, which are sealed (AES-256-GCM
 *   under PLEDGE_SECRET_KEY, src/delivery/secrets.ts) before they reach the store; without a key a
 *   plain secret is refused with a message saying what to do. Files take `env:NAME` or `enc:v1:`
 *   values only (the schema refuses plain ones there).
 * - No secret is returned: every channel read back is redacted (`env:` references stay, being
 *   names; everything else reads `[redacted]`), and sending `[redacted]` back is refused by the
 *   schema.
 * - Storage: `config` holds the channel without its id, kind and enabled flag (the store keeps
 *   those in columns); `channelOf` puts them back together for delivery.
 * - `enabled` in a document is applied only when the document says it (a stored configuration
 *   does not re-enable a channel a 410 disabled); every change is audited, never with a secret.
 */
import { parseChannel, redactChannel, type Channel, channelsFromText, secretFields, secretForm } from '../core/delivery/channel.ts';
import { canonicalJson } from '../core/json.ts';
import type { Issue } from '../core/validation/issues.ts';
import { parseSourceText } from '../core/validation/source.ts';
import { parseSecretKeys, sealChannel } from '../delivery/secrets.ts';
import type { Store, StoredChannel, TenantId } from '../store/types.ts';
import { isoInstant } from './present.ts';

export interface ChannelContext {
  store: Store;
  tenant: TenantId;
  now: number;
  actor: string;
  /** PLEDGE_SECRET_KEY as configured; absent: plain secrets are refused. */
  secretKeys?: string;
}

type ChannelConfig = Omit<Channel, 'id' | 'kind' | 'enabled'>;

/** The channel (schema type) of a stored one. */
export function channelOf(s: StoredChannel): Channel {
  return { ...(s.config as ChannelConfig), id: s.id, kind: s.kind, enabled: s.enabled } as Channel;
}

function configOf(c: Channel): ChannelConfig {
  const { id: _id, kind: _kind, enabled: _enabled, ...config } = c;
  return config;
}

/** A stored channel as shown: redacted, with its state and ETag. */
export function presentChannel(s: StoredChannel) {
  const c = redactChannel(channelOf(s));
  return {
    ...c,
    ...(s.disabledAt !== undefined ? { disabledAt: isoInstant(s.disabledAt) } : {}),
    ...(s.disabledReason !== undefined ? { disabledReason: s.disabledReason } : {}),
    etag: s.etag,
    createdAt: isoInstant(s.createdAt),
    createdBy: s.createdBy,
    updatedAt: isoInstant(s.updatedAt),
    updatedBy: s.updatedBy,
  };
}
export type ChannelView = ReturnType<typeof presentChannel>;

/** The channel with plain secrets sealed; issues when there are plain secrets and no key. */
function seal(ctx: ChannelContext, c: Channel, path: string): { ok: true; value: Channel } | { ok: false; issues: Issue[] } {
  const plain = secretFields(c).filter((f) => secretForm(f.value) === 'plain');
  const encrypted = secretFields(c).some((f) => secretForm(f.value) === 'encrypted');
  if (plain.length === 0 && !encrypted) return { ok: true, value: c };
  if (ctx.secretKeys === undefined) {
    if (plain.length === 0) return { ok: true, value: c };
    return {
      ok: false,
      issues: plain.map((f) => ({
        path: `${path}${f.path.join('.').replace(/\.(\d+)/g, '[$1]')}`,
        message:
          'this server cannot store secrets (PLEDGE_SECRET_KEY is not set): give an env:NAME reference to a variable of the sending process instead',
        received: 'a value (not shown: it is a secret)',
      })),
    };
  }
  const keyring = parseSecretKeys(ctx.secretKeys);
  if (!keyring.ok) return keyring;
  const sealed = sealChannel(c, { tenant: ctx.tenant, keyring: keyring.value });
  return sealed.ok ? sealed : { ok: false, issues: sealed.issues.map((i) => ({ ...i, path: `${path}${i.path}` })) };
}

export type ChannelWritten =
  | { status: 'created' | 'updated' | 'unchanged'; channel: StoredChannel }
  | { status: 'invalid'; issues: Issue[] }
  /** If-Match did not name the current version (`current` absent: there is none). */
  | { status: 'stale'; current?: StoredChannel }
  /** A channel exists and no If-Match was given (the API requires one to replace). */
  | { status: 'precondition_required'; current: StoredChannel };

/**
 * Creates or replaces one channel. `ifMatch`: undefined writes regardless when `requireIfMatch` is
 * false (files, the CLI on a database), else a replacement needs the current ETag.
 */
export async function putChannel(
  ctx: ChannelContext,
  input: { id: string; body: unknown; ifMatch?: string; requireIfMatch: boolean; plainSecrets: boolean },
): Promise<ChannelWritten> {
  const body = input.body;
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && 'id' in body && (body as { id: unknown }).id !== input.id)
    return {
      status: 'invalid',
      issues: [
        {
          path: 'id',
          message: `the body names another channel than the path (${input.id})`,
          received: JSON.stringify((body as { id: unknown }).id),
        },
      ],
    };
  const withId = body !== null && typeof body === 'object' && !Array.isArray(body) ? { id: input.id, ...body } : body;
  const parsed = parseChannel(withId, { plainSecrets: input.plainSecrets });
  if (!parsed.ok) return { status: 'invalid', issues: parsed.issues };
  const explicitEnabled = (withId as { enabled?: unknown }).enabled !== undefined;
  return writeChannel(ctx, parsed.value, explicitEnabled, input.ifMatch, input.requireIfMatch, '');
}

async function writeChannel(
  ctx: ChannelContext,
  given: Channel,
  explicitEnabled: boolean,
  ifMatch: string | undefined,
  requireIfMatch: boolean,
  path: string,
): Promise<ChannelWritten> {
  const { store, tenant, now, actor } = ctx;
  const current = await store.getChannel(tenant, given.id);
  if (current && requireIfMatch && ifMatch === undefined) return { status: 'precondition_required', current };
  if (current && ifMatch !== undefined && ifMatch !== current.etag) return { status: 'stale', current };
  if (!current && ifMatch !== undefined && ifMatch !== '*') return { status: 'stale' };
  const sealed = seal(ctx, given, path);
  if (!sealed.ok) return { status: 'invalid', issues: sealed.issues };
  const c = sealed.value;
  const config = configOf(c);
  const sameConfig = current !== undefined && current.kind === c.kind && canonicalJson(current.config) === canonicalJson(config);
  let stored = current;
  let status: 'created' | 'updated' | 'unchanged' = 'unchanged';
  if (!sameConfig) {
    const r = await store.putChannel(tenant, { id: c.id, kind: c.kind, config, at: now, by: actor }, current ? current.etag : null, {
      at: now,
      actor,
      action: current ? 'channel.update' : 'channel.create',
      subject: `channel:${c.id}`,
      ...(current ? { before: redactChannel(channelOf(current)) } : {}),
      after: redactChannel(c),
    });
    if (r.status === 'stale') return r.current ? { status: 'stale', current: r.current } : { status: 'stale' };
    stored = r.channel;
    status = r.status;
  }
  if (stored && (explicitEnabled || status === 'created') && stored.enabled !== c.enabled) {
    const r = await setChannelEnabled(ctx, c.id, c.enabled, c.enabled ? undefined : 'disabled in its configuration');
    if (r.status === 'changed') {
      stored = r.channel;
      if (status === 'unchanged') status = 'updated';
    }
  }
  return { status, channel: stored! };
}

export type ChannelsApplied =
  | { status: 'applied'; channels: Array<{ id: string; result: 'created' | 'updated' | 'unchanged' }> }
  | { status: 'invalid'; issues: Issue[] };

/**
 * A file of channels (docs/alerts.md "Channels"): each is created or replaced; channels not in the
 * file are left as they are (delete them by name). Everything is checked before anything is
 * written, so a file with one bad channel changes nothing.
 */
export async function applyChannels(ctx: ChannelContext, text: string, source: string): Promise<ChannelsApplied> {
  const parsed = channelsFromText(text, source);
  if (!parsed.ok) return { status: 'invalid', issues: parsed.issues };
  const explicit = explicitEnabledIn(text);
  const out: Array<{ id: string; result: 'created' | 'updated' | 'unchanged' }> = [];
  for (const [i, c] of parsed.value.entries()) {
    const r = await writeChannel(ctx, c, explicit(i), undefined, false, `channels[${i}].`);
    if (r.status === 'invalid') return r;
    if (r.status !== 'created' && r.status !== 'updated' && r.status !== 'unchanged')
      throw new Error(`channel ${c.id} changed while it was being written; apply the file again`);
    out.push({ id: c.id, result: r.status });
  }
  return { status: 'applied', channels: out };
}

/** Whether the i-th channel of a channels file says `enabled` itself (channelsFromText fills the default in). */
function explicitEnabledIn(text: string): (i: number) => boolean {
  const parsed = parseSourceText(text);
  const raw = parsed.ok ? (parsed.value.value as { channels?: Array<{ enabled?: unknown } | null> } | null) : null;
  return (i) => raw?.channels?.[i]?.enabled !== undefined;
}

export type ChannelEnabledResult = { status: 'changed' | 'unchanged'; channel: StoredChannel } | { status: 'not_found' };

export async function setChannelEnabled(ctx: ChannelContext, id: string, enabled: boolean, reason?: string): Promise<ChannelEnabledResult> {
  const r = await ctx.store.setChannelEnabled(
    ctx.tenant,
    id,
    { enabled, ...(reason !== undefined ? { reason } : {}), at: ctx.now, by: ctx.actor },
    {
      at: ctx.now,
      actor: ctx.actor,
      action: enabled ? 'channel.enable' : 'channel.disable',
      subject: `channel:${id}`,
      after: { enabled, reason },
    },
  );
  return r;
}

export async function deleteChannel(ctx: ChannelContext, id: string, ifMatch?: string): Promise<'deleted' | 'not_found' | 'stale'> {
  const current = await ctx.store.getChannel(ctx.tenant, id);
  if (!current) return 'not_found';
  return ctx.store.deleteChannel(ctx.tenant, id, ifMatch, {
    at: ctx.now,
    actor: ctx.actor,
    action: 'channel.delete',
    subject: `channel:${id}`,
    before: redactChannel(channelOf(current)),
  });
}
