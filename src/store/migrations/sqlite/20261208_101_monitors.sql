-- Built-in monitors (issue 11): HTTP(S), TCP and heartbeat checks run by Pledge itself. Forward-only.
--
-- A monitor is configuration (spec: kind, target, interval, timeout, retries, the service its
-- results are about) and what its checks found so far (state: up or down, consecutive failures,
-- the last check). Its checks are run by a timer (the timers table, key 'monitor:<id>'), claimed
-- like every timer, so several processes on one database run each check once per interval. Its
-- results are stored as events (check.result, monitoring.started), which stay when it is deleted.
--
-- A heartbeat monitor's push token is kept as its SHA-256 (as API tokens); the unique index finds
-- the monitor from the token alone (the push URL carries no tenant).
CREATE TABLE monitors (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL CHECK (id <> ''),
  spec TEXT NOT NULL,
  paused INTEGER NOT NULL CHECK (paused IN (0, 1)),
  token_hash TEXT,
  state TEXT,
  row_version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY (tenant, id)
) STRICT;
CREATE UNIQUE INDEX monitors_token ON monitors (token_hash) WHERE token_hash IS NOT NULL;
