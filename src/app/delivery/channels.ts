/**
 * A stored channel (src/store/types.ts StoredChannel: id, kind, enabled, and `config` as given)
 * read back as the channel schema's Channel (src/core/delivery/channel.ts), for sending.
 *
 * `config` holds the channel as the files and the API describe it: `{ audience?, description?,
 * settings }`, or the settings alone (`{ url, secrets }`). The row's id, kind and enabled flag win
 * over anything in `config` (they are what the store keeps current: a 410 disables the row). A
 * stored channel the schema refuses is a value with the issues, never an exception: the worker
 * fails its deliveries with them.
 */
import { parseChannel, type Channel } from '../../core/delivery/channel.ts';
import type { Result } from '../../core/validation/issues.ts';
import type { StoredChannel } from '../../store/types.ts';

export function channelOfStored(stored: StoredChannel): Result<Channel> {
  const config = (stored.config ?? {}) as Record<string, unknown>;
  const shaped = typeof config === 'object' && config !== null && 'settings' in config;
  const input = shaped
    ? {
        id: stored.id,
        kind: stored.kind,
        enabled: stored.enabled,
        ...(config.audience !== undefined ? { audience: config.audience } : {}),
        ...(config.description !== undefined ? { description: config.description } : {}),
        settings: config.settings,
      }
    : { id: stored.id, kind: stored.kind, enabled: stored.enabled, settings: config };
  return parseChannel(input);
}
