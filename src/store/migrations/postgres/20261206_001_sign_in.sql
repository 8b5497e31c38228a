-- People sign in to the web app with an e-mail and a password (issue: the web app). Forward-only.
--
-- A login is a user's way in: the e-mail it signs in with (lower-cased, unique across the
-- installation, since signing in names no tenant), the role and customer scope it acts with (the
-- same roles as API tokens, under the same policy), its password hash (scrypt, see
-- src/app/passwords.ts; NULL until an invite is accepted), and its failed attempts (lock-out).
CREATE TABLE logins (
  email TEXT NOT NULL PRIMARY KEY,
  tenant TEXT NOT NULL,
  user_id TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'agent', 'viewer', 'auditor', 'customer')),
  customer TEXT CHECK ((role = 'customer') = (customer IS NOT NULL)),
  password_hash TEXT,
  password_set_at BIGINT,
  failed_count INTEGER NOT NULL DEFAULT 0,
  locked_until BIGINT,
  created_at BIGINT NOT NULL,
  UNIQUE (tenant, user_id),
  FOREIGN KEY (tenant, user_id) REFERENCES users(tenant, id)
);

-- One-time invites: the link's secret is never stored, only its SHA-256 (as for API tokens).
CREATE TABLE invites (
  token_hash TEXT NOT NULL PRIMARY KEY,
  tenant TEXT NOT NULL,
  email TEXT NOT NULL REFERENCES logins(email),
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE INDEX invites_email ON invites (email);

-- Browser sessions: the cookie's secret is never stored, only its SHA-256. The CSRF token is
-- handed to the page that signed in, and every write made with the cookie must repeat it.
CREATE TABLE sessions (
  id_hash TEXT NOT NULL PRIMARY KEY,
  tenant TEXT NOT NULL,
  user_id TEXT NOT NULL,
  csrf TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT,
  FOREIGN KEY (tenant, user_id) REFERENCES users(tenant, id)
);
CREATE INDEX sessions_user ON sessions (tenant, user_id);
