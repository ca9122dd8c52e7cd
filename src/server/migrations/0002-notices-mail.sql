-- SPDX-License-Identifier: GPL-3.0-or-later
-- Schema version 2: offline notification batches, the mail queue, the
-- conversation index.

CREATE TABLE offline_notices (
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  sender_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  opened_at INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, sender_id)
) WITHOUT ROWID;
CREATE INDEX offline_notices_sender ON offline_notices (sender_id);

CREATE TABLE mail_queue (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  to_user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
  to_address TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX mail_queue_user ON mail_queue (to_user_id);

CREATE INDEX messages_conversation ON messages (from_id, to_id, seq);
