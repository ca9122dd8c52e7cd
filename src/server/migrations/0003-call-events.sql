-- SPDX-License-Identifier: GPL-3.0-or-later
-- Schema version 3: call events in conversations. A message with a
-- call_outcome (KithCallOutcome: 0 missed, 1 declined, 2 busy,
-- 3 unreachable, 4 ended) is the event of a call from from_id to to_id,
-- stored by kithd when the call ended; its body is the text older clients
-- show. Text messages leave the three columns NULL.

ALTER TABLE messages ADD COLUMN call_outcome INTEGER;
ALTER TABLE messages ADD COLUMN call_video INTEGER;
ALTER TABLE messages ADD COLUMN call_duration INTEGER;
