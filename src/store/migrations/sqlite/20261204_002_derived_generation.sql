-- The generation of the inputs of the derived results (agreements, their versions and transitions,
-- calendars): every change of one adds 1, in the same transaction as the change (and sets
-- derived_seq to 0). A recomputation reads it before reading any input and writes its results only
-- if it is unchanged, in the writing transaction. The watermark alone cannot tell "still 0" from
-- "invalidated again", so an invalidation during a full recomputation was lost.
ALTER TABLE tenants ADD COLUMN derived_generation INTEGER NOT NULL DEFAULT 0;
