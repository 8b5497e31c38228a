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
  event_seq BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  content TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  PRIMARY KEY (tenant, agreement_id, period_label, revision)
);
CREATE TRIGGER service_reports_append_only BEFORE UPDATE OR DELETE ON service_reports FOR EACH ROW EXECUTE FUNCTION pledge_refuse_rewrite();

CREATE TABLE service_report_files (
  tenant TEXT NOT NULL,
  agreement_id TEXT NOT NULL,
  period_label TEXT NOT NULL,
  revision INTEGER NOT NULL,
  variant TEXT NOT NULL,
  media_type TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes BYTEA NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (tenant, agreement_id, period_label, revision, variant),
  FOREIGN KEY (tenant, agreement_id, period_label, revision) REFERENCES service_reports(tenant, agreement_id, period_label, revision)
);
CREATE TRIGGER service_report_files_no_update BEFORE UPDATE ON service_report_files FOR EACH ROW EXECUTE FUNCTION pledge_refuse_rewrite();
