-- Built-in monitors (issue 11): HTTP(S), TCP and heartbeat checks run by Pledge itself. Forward-only.
--
-- A monitor is configuration (spec: kind, target, interval, timeout, retries, the service its
-- results are about) and what its checks found so far (state: up or down, consecutive failures,
-- the last check). Its checks are run by a timer (the timers table, key 'monitor:<id>'), claimed
-- with FOR UPDATE SKIP LOCKED like every timer, so several processes on one database run each check
-- once per interval. Its results are stored as events (check.result, monitoring.started), which
-- stay when it is deleted.
--
-- A heartbeat monitor's push token is kept as its SHA-256 (as API tokens); the unique index finds
-- the monitor from the token alone (the push URL carries no tenant).
CREATE TABLE monitors (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  id TEXT NOT NULL CHECK (id <> ''),
  spec JSONB NOT NULL,
  paused BOOLEAN NOT NULL,
  token_hash TEXT,
  state JSONB,
  row_version BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY (tenant, id)
);
CREATE UNIQUE INDEX monitors_token ON monitors (token_hash) WHERE token_hash IS NOT NULL;
