-- Service desks that send events by webhook (issue 11, docs/sources.md). Forward-only.
--
-- A source belongs to a tenant; its webhook URL names it by `hook`, a random key unique across
-- tenants (the webhook route has no API token and finds the tenant by it). `config` holds the
-- sealed signing secret, the mapping and the defaults (src/app/sources.ts).
--
-- A delivery is recorded by the vendor's delivery id once its events are stored: a redelivery finds
-- it and stores nothing (the events' ids, derived from the payload, would make it a no-op anyway).
-- Deliveries go with their source.
CREATE TABLE sources (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL CHECK (id <> ''),
  vendor TEXT NOT NULL,
  hook TEXT NOT NULL UNIQUE,
  config TEXT NOT NULL,
  row_version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY (tenant, id)
) STRICT;

CREATE TABLE source_deliveries (
  tenant TEXT NOT NULL,
  source_id TEXT NOT NULL,
  delivery TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  events INTEGER NOT NULL,
  PRIMARY KEY (tenant, source_id, delivery),
  FOREIGN KEY (tenant, source_id) REFERENCES sources(tenant, id) ON DELETE CASCADE
) STRICT;
