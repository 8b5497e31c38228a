-- A recomputation of recent windows reads every event that belongs to no ticket (outages, checks,
-- maintenance, KPI reports: availability's evidence of monitoring reaches back before any window)
-- beside the tickets it needs: this partial index finds them without a walk over every event.
CREATE INDEX events_plain ON events (tenant, seq) WHERE ticket IS NULL;
