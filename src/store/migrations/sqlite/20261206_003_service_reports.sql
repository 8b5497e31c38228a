-- Service reports: frozen, each revision stored with its hash, never rewritten (issue: the web app).
-- Forward-only.
--
-- A revision is the report's content (canonical JSON: the same figures give the same bytes), the
-- SHA-256 of those bytes, and the last event sequence number its results had seen. Producing a
-- report again stores a new revision only when its content differs: a later event that changes a
-- figure makes revision 2, never a silent change of revision 1. Rendered files (a PDF per language)
-- are kept once per revision, so a download gives the same bytes every time.
CREATE TABLE service_reports (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  agreement_id TEXT NOT NULL,
  period_label TEXT NOT NULL,
  revision INTEGER NOT NULL,
  event_seq INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  content TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  PRIMARY KEY (tenant, agreement_id, period_label, revision)
) STRICT;
CREATE TRIGGER service_reports_no_update BEFORE UPDATE ON service_reports BEGIN SELECT RAISE(ABORT, 'service reports are append-only'); END;
CREATE TRIGGER service_reports_no_delete BEFORE DELETE ON service_reports BEGIN SELECT RAISE(ABORT, 'service reports are append-only'); END;

CREATE TABLE service_report_files (
  tenant TEXT NOT NULL,
  agreement_id TEXT NOT NULL,
  period_label TEXT NOT NULL,
  revision INTEGER NOT NULL,
  -- e.g. 'pdf:en', 'pdf:ar'
  variant TEXT NOT NULL,
  media_type TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, agreement_id, period_label, revision, variant),
  FOREIGN KEY (tenant, agreement_id, period_label, revision) REFERENCES service_reports(tenant, agreement_id, period_label, revision)
) STRICT;
CREATE TRIGGER service_report_files_no_update BEFORE UPDATE ON service_report_files BEGIN SELECT RAISE(ABORT, 'service report files are never rewritten'); END;
