-- Tickets have owners, and two desks' tickets with one number are two tickets. Forward-only.
--
-- A ticket is its source and its id ('' when its events name no source). It belongs to the customer
-- named by its first stored event that names one, and never changes owner: an event naming another
-- customer is refused at ingestion (a conflict). Reads are filtered on the owner, not on whatever
-- customer the latest event names. The registry is written in the same transaction as the events
-- (under the tenant's event counter lock, so two writers cannot both claim a ticket).

CREATE TABLE tickets (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  source TEXT NOT NULL,
  ticket TEXT NOT NULL,
  -- NULL while no stored event of the ticket names a customer; then set once.
  customer TEXT,
  -- The ticket's first stored event, and the one that named its customer.
  first_seq BIGINT NOT NULL,
  customer_seq BIGINT,
  PRIMARY KEY (tenant, source, ticket),
  CHECK ((customer IS NULL) = (customer_seq IS NULL))
);
-- A ticket id asked for without its source: every desk's ticket with that id.
CREATE INDEX tickets_by_id ON tickets (tenant, ticket);

-- The tickets of the events stored so far, each owned by the customer its first event naming one names.
INSERT INTO tickets (tenant, source, ticket, customer, first_seq, customer_seq)
SELECT g.tenant, g.source, g.ticket, e.customer, g.first_seq, g.customer_seq
  FROM (SELECT tenant, source, ticket, MIN(seq) AS first_seq, MIN(CASE WHEN customer IS NOT NULL THEN seq END) AS customer_seq
          FROM events WHERE ticket IS NOT NULL GROUP BY tenant, source, ticket) g
  LEFT JOIN events e ON e.tenant = g.tenant AND e.seq = g.customer_seq;

-- A ticket is never deleted, and its owner, once set, never changes.
CREATE FUNCTION pledge_ticket_owner_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.customer IS NOT NULL OR NEW.tenant IS DISTINCT FROM OLD.tenant OR NEW.source IS DISTINCT FROM OLD.source
     OR NEW.ticket IS DISTINCT FROM OLD.ticket OR NEW.first_seq IS DISTINCT FROM OLD.first_seq THEN
    RAISE EXCEPTION 'a ticket''s customer is set once and never changes' USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER tickets_owner_once BEFORE UPDATE ON tickets FOR EACH ROW EXECUTE FUNCTION pledge_ticket_owner_once();
CREATE TRIGGER tickets_no_delete BEFORE DELETE ON tickets FOR EACH ROW EXECUTE FUNCTION pledge_refuse_rewrite();
CREATE TRIGGER tickets_no_truncate BEFORE TRUNCATE ON tickets FOR EACH STATEMENT EXECUTE FUNCTION pledge_refuse_rewrite();

-- Derived clocks are per ticket, so per source too. They are rebuildable: the table is made again,
-- and every tenant's results are marked stale (watermark 0), so the next read recomputes them all
-- (with ticket scopes from each ticket's history, which may change figures computed before).
DROP TABLE derived_clocks;
CREATE TABLE derived_clocks (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  agreement_id TEXT NOT NULL,
  target TEXT NOT NULL,
  ticket TEXT NOT NULL,
  -- '' when the ticket's events name no source.
  source TEXT NOT NULL DEFAULT '',
  cycle INTEGER NOT NULL,
  value JSONB NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (tenant, agreement_id, target, ticket, source, cycle)
);
CREATE INDEX derived_clocks_ticket ON derived_clocks (tenant, ticket, source);
UPDATE tenants SET derived_seq = 0;
