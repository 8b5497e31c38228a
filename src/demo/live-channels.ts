/**
 * The demo tenant's channels, all pointing at the demo inbox (src/demo/inbox.ts): a signed webhook
 * (also the tenant's `default` route), e-mail for the on-call (also what `how: [email]` reaches),
 * Slack for `how: [chat]`, and a customer-audience mailbox for Acme's notices, so the demo shows
 * that internal alerts and customer notices go to different places.
 *
 * Secrets are references to environment variables (`env:NAME`), which `pledge serve --demo` sets
 * in its own process each start with a fresh signing secret: nothing secret is stored. The inbox's
 * ports may change from one start to the next, so the channels are written again each start.
 */
import type { AuditInput, Store, TenantId } from '../store/types.ts';
import type { DemoInbox } from './inbox.ts';

export const DEMO_SECRET_ENV = 'PLEDGE_DEMO_WEBHOOK_SECRET';
export const DEMO_SLACK_ENV = 'PLEDGE_DEMO_SLACK_URL';

export interface DemoChannel {
  id: string;
  kind: 'webhook' | 'email' | 'slack';
  config: { audience: 'internal' | 'customer'; description: string; settings: Record<string, unknown> };
}

export function demoChannels(inbox: Pick<DemoInbox, 'smtp' | 'webhookUrl'>): DemoChannel[] {
  const smtp = { host: inbox.smtp.host, port: inbox.smtp.port, security: 'none' };
  const webhook = (description: string) => ({
    audience: 'internal' as const,
    description,
    settings: { url: inbox.webhookUrl, secrets: [`env:${DEMO_SECRET_ENV}`] },
  });
  return [
    { id: 'default', kind: 'webhook', config: webhook('The default route: the demo inbox, signed') },
    { id: 'demo-webhook', kind: 'webhook', config: webhook('The on-call webhook: the demo inbox, signed') },
    {
      id: 'demo-mail',
      kind: 'email',
      config: {
        audience: 'internal',
        description: 'The on-call mailbox (the demo inbox)',
        settings: { from: 'Pledge demo <pledge@localhost>', to: ['oncall@localhost'], smtp },
      },
    },
    {
      id: 'chat',
      kind: 'slack',
      config: {
        audience: 'internal',
        description: 'The operations chat (the demo inbox takes Slack messages)',
        settings: { url: `env:${DEMO_SLACK_ENV}` },
      },
    },
    {
      id: 'acme-notices',
      kind: 'email',
      config: {
        audience: 'customer',
        description: "Acme's notices: what the agreement tells the customer",
        settings: { from: 'Northwind Services <service@localhost>', to: ['acme-it@localhost'], smtp },
      },
    },
  ];
}

/** The environment the demo's channels read when sending (set in the serving process). */
export function demoChannelEnv(inbox: Pick<DemoInbox, 'slackUrl'>, secret: string): Record<string, string> {
  return { [DEMO_SECRET_ENV]: secret, [DEMO_SLACK_ENV]: inbox.slackUrl };
}

/** Writes the demo channels (created, or updated to the inbox's current ports), audited. */
export async function putDemoChannels(
  store: Store,
  tenant: TenantId,
  inbox: Pick<DemoInbox, 'smtp' | 'webhookUrl'>,
  at: number,
): Promise<void> {
  const by = 'pledge serve --demo';
  for (const c of demoChannels(inbox)) {
    const audit: AuditInput = { at, actor: by, action: 'channel.put', subject: `channel:${c.id}` };
    const r = await store.putChannel(tenant, { id: c.id, kind: c.kind, config: c.config, at, by }, undefined, audit);
    if (r.status === 'stale') throw new Error(`the demo channel ${c.id} could not be written`);
  }
}
