/**
 * Who may do what: roles, actions and the scoping of tenants and customers. Pure: every edge (HTTP,
 * CLI on a database) asks `authorize` before calling a use case, and the answer says why.
 *
 * - Tenants are isolated: a principal never acts outside its own tenant, whatever its role.
 * - admin: everything in its tenant, including tokens and rebuilds.
 * - manager: edits agreements and calendars, moves them through their lifecycle (back-dated too:
 *   recording a contract signed in the past changes figures already reported, so it is kept to
 *   the roles that answer for agreements), reads everything except the token list.
 * - agent: sends events and reads measurements (the integration role of a ticket desk or monitor).
 * - viewer: reads agreements and measurements.
 * - auditor: reads like a viewer, and the audit log.
 * - customer: reads only the agreements, measurements, settlements and reports where it is the
 *   customer; nothing else, and never another customer's.
 * - metrics.read (GET /v1/metrics, the tenant's Prometheus figures) goes with reading: every role
 *   but customer. The figures are totals of what those roles can read one by one anyway (events,
 *   breaches), while a customer token must not see totals over other customers. A scraper needs no
 *   more than a viewer token. (No dedicated role: roles are fixed by the stored tokens' schema.)
 * - Alerts: every role reads them (alerts.read); a customer only the customer-audience alerts of
 *   its own agreements (the handler scopes: internal alerts, silences and routing are never shown
 *   to it). alerts.write (acknowledge, resolve, silences) is for admin, manager and agent (the
 *   ticket desk's integration acknowledges from the desk).
 * - Channels and the delivery log hold where alerts go (addresses, URLs): channels.read for admin,
 *   manager and auditor; channels.write (configure, enable, disable, delete, replay) for admin and
 *   manager. Never for customers.
 */
export const ROLES = ['admin', 'manager', 'agent', 'viewer', 'auditor', 'customer'] as const;
export type Role = (typeof ROLES)[number];

export const ACTIONS = [
  'agreements.read',
  'agreements.write',
  'agreements.transition',
  /** A lifecycle transition that takes effect before it is recorded (a contract signed in the past). */
  'agreements.backdate',
  'calendars.read',
  'calendars.write',
  'events.write',
  'events.read',
  'tickets.read',
  'compliance.read',
  'settlements.read',
  'checks.read',
  'audit.read',
  'tokens.manage',
  'derived.rebuild',
  'metrics.read',
  'alerts.read',
  'alerts.write',
  'channels.read',
  'channels.write',
] as const;
export type Action = (typeof ACTIONS)[number];

const READS: Action[] = [
  'agreements.read',
  'calendars.read',
  'events.read',
  'tickets.read',
  'compliance.read',
  'settlements.read',
  'checks.read',
  'metrics.read',
  'alerts.read',
];

const GRANTS: Record<Role, ReadonlySet<Action>> = {
  admin: new Set(ACTIONS),
  manager: new Set<Action>([
    ...READS,
    'agreements.write',
    'agreements.transition',
    'agreements.backdate',
    'calendars.write',
    'audit.read',
    'alerts.write',
    'channels.read',
    'channels.write',
  ]),
  agent: new Set<Action>([...READS, 'events.write', 'alerts.write']),
  viewer: new Set<Action>(READS),
  auditor: new Set<Action>([...READS, 'audit.read', 'channels.read']),
  // Customers see their own agreements, figures and notices; which ones is decided by scope below.
  customer: new Set<Action>(['agreements.read', 'compliance.read', 'settlements.read', 'tickets.read', 'alerts.read']),
};

export interface Principal {
  tenant: string;
  role: Role;
  /** For the customer role: the customer id it may see. */
  customer?: string;
  /** Who, for the audit log. */
  actor: string;
}

/** What is acted on: always a tenant; a customer when the resource belongs to one. */
export interface Resource {
  tenant: string;
  /** The customer the resource belongs to; undefined for provider-internal resources (OLAs, UCs, calendars). */
  customer?: string;
}

export type Decision = { allowed: true } | { allowed: false; code: 'forbidden' | 'not_found'; reason: string };

/**
 * Whether `p` may perform `action` on `resource`. Resources of another tenant, or of another
 * customer for the customer role, are answered `not_found`: their existence is not revealed.
 */
export function authorize(p: Principal, action: Action, resource: Resource): Decision {
  if (resource.tenant !== p.tenant) return { allowed: false, code: 'not_found', reason: 'no such resource in this tenant' };
  if (!GRANTS[p.role].has(action))
    return { allowed: false, code: 'forbidden', reason: `the ${p.role} role may not ${action.replace('.', ' ')}` };
  if (p.role === 'customer') {
    if (p.customer === undefined) return { allowed: false, code: 'forbidden', reason: 'a customer token must name its customer' };
    if (resource.customer !== p.customer) return { allowed: false, code: 'not_found', reason: 'no such resource for this customer' };
  }
  return { allowed: true };
}

/** The actions a role may perform (for documentation and the token listing). */
export function grantsOf(role: Role): Action[] {
  return ACTIONS.filter((a) => GRANTS[role].has(a));
}
