-- SPDX-License-Identifier: GPL-3.0-or-later
-- Schema version 1: accounts, sessions, reset tokens, contacts, messages.
-- (kithd-store-sqlite.c applies each NNNN-*.sql of this folder once, in
-- order, in one transaction with PRAGMA user_version = NNNN.)

CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  first_name TEXT NOT NULL DEFAULT '',
  last_name TEXT NOT NULL DEFAULT '',
  password_hash TEXT,
  offline_email_notification INTEGER NOT NULL DEFAULT 1,
  plan TEXT NOT NULL DEFAULT 'free',
  created_at INTEGER NOT NULL
);

CREATE TABLE sessions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  device_name TEXT NOT NULL,
  device_kind INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE password_resets (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  token_hash TEXT NOT NULL UNIQUE,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at INTEGER NOT NULL,
  used INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- One row per ordered pair: state is KithContactState as user_id sees
-- other_id (0 accepted, 1 incoming, 2 outgoing).
CREATE TABLE contacts (
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  other_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  state INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, other_id)
) WITHOUT ROWID;
CREATE INDEX contacts_state ON contacts (user_id, state, other_id);
CREATE INDEX contacts_other ON contacts (other_id);

CREATE TABLE messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  client_id TEXT NOT NULL,
  from_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  to_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  body TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  UNIQUE (from_id, client_id)
);
CREATE INDEX messages_to ON messages (to_id, seq);
CREATE INDEX messages_from ON messages (from_id, seq);
