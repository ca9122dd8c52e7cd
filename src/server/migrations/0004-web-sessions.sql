-- SPDX-License-Identifier: GPL-3.0-or-later
-- Schema version 4: the sessions of kithd's web pages (kithd-web.c), apart
-- from the API's: a browser's cookie is no API token, and it expires (idle
-- and absolute limits, checked at each use against created_at and
-- last_used_at). A new password ends them all, whatever set it (a change,
-- a reset); deleting the user ends them with the user.

CREATE TABLE web_sessions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

CREATE TRIGGER web_sessions_end_with_password
AFTER UPDATE OF password_hash ON users
BEGIN
  DELETE FROM web_sessions WHERE user_id = NEW.id;
END;
