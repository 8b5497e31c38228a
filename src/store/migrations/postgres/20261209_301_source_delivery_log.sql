-- The delivery log of a source (issue 11, docs/sources.md "Checking deliveries"). Forward-only.
--
-- Every delivery attempt to a known source leaves an entry: stored, duplicate or refused, the
-- HTTP status answered, the events' counts and a short detail (the first issue; never the body,
-- a secret or a header value). Only the newest entries of a source are kept: the append prunes the
-- older ones in its transaction, so the table is bounded by sources, not by traffic. It is not the
-- idempotency record (source_deliveries is): a refused delivery retried is processed again.
-- `seq` orders the entries (several may share a millisecond); entries go with their source.
CREATE TABLE source_delivery_log (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant TEXT NOT NULL,
  source_id TEXT NOT NULL,
  at BIGINT NOT NULL,
  delivery TEXT,
  outcome TEXT NOT NULL CHECK (outcome IN ('stored', 'duplicate', 'refused')),
  status INTEGER NOT NULL,
  accepted INTEGER NOT NULL,
  duplicates INTEGER NOT NULL,
  rejected INTEGER NOT NULL,
  detail TEXT NOT NULL,
  FOREIGN KEY (tenant, source_id) REFERENCES sources(tenant, id) ON DELETE CASCADE
);

CREATE INDEX source_delivery_log_newest ON source_delivery_log (tenant, source_id, seq);
