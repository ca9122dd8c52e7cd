/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdStoreSqlite"

#include "config.h"

#include "kithd-store-sqlite-private.h"

/* The sqlite store's messages (one seq over the whole store) and offline
 * notification batches. */

#define MESSAGE_COLUMNS "seq, client_id, from_id, to_id, body, sent_at, call_outcome, call_video, call_duration"

static KithMessageInfo *
message_from_row (Stmt *stmt)
{
  KithMessageInfo *info = kith_message_info_new ();

  info->seq = sqlite3_column_int64 (stmt, 0);
  info->id = column_dup (stmt, 1);
  info->from = sqlite3_column_int64 (stmt, 2);
  info->to = sqlite3_column_int64 (stmt, 3);
  info->body = column_dup (stmt, 4);
  info->sent_at = sqlite3_column_int64 (stmt, 5);
  if (sqlite3_column_type (stmt, 6) != SQLITE_NULL) {
    info->kind = g_strdup (KITH_MESSAGE_KIND_CALL);
    info->call = kith_call_info_new ();
    info->call->outcome = g_strdup (kith_call_outcome_to_string (sqlite3_column_int (stmt, 6)));
    info->call->video = sqlite3_column_int (stmt, 7) != 0;
    info->call->duration = sqlite3_column_int64 (stmt, 8);
  }

  return info;
}

/* ---- messages ---- */

static gboolean
kithd_store_sqlite_message_insert (KithdStore  *store,
                                   const char  *client_id,
                                   gint64       from,
                                   gint64       to,
                                   const char  *body,
                                   gint64       now,
                                   gint64      *seq,
                                   gint64      *sent_at,
                                   gboolean    *duplicate,
                                   GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) insert = NULL;
  g_autoptr (Stmt) lookup = NULL;
  int rc;

  /* The common case is one statement in autocommit: no BEGIN/COMMIT
   * round trips. A duplicate inserts nothing and returns no row. */
  insert = prepare (self,
                    "INSERT INTO messages (client_id, from_id, to_id, body, sent_at) "
                    "VALUES (?1, ?2, ?3, ?4, ?5) "
                    "ON CONFLICT (from_id, client_id) DO NOTHING "
                    "RETURNING seq, sent_at", error);
  if (insert == NULL)
    return FALSE;

  bind_text (insert, 1, client_id);
  sqlite3_bind_int64 (insert, 2, from);
  sqlite3_bind_int64 (insert, 3, to);
  bind_text (insert, 4, body);
  sqlite3_bind_int64 (insert, 5, now);

  rc = sqlite3_step (insert);
  if (rc == SQLITE_ROW) {
    if (seq != NULL)
      *seq = sqlite3_column_int64 (insert, 0);
    if (sent_at != NULL)
      *sent_at = sqlite3_column_int64 (insert, 1);
    if (duplicate != NULL)
      *duplicate = FALSE;

    return step (self, insert, error) == SQLITE_DONE;
  } else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return not_found (error, "No such user");
  } else if (rc != SQLITE_DONE) {
    set_db_error (self, error);
    return FALSE;
  }

  lookup = prepare (self, "SELECT seq, sent_at FROM messages WHERE from_id = ?1 AND client_id = ?2", error);
  if (lookup == NULL)
    return FALSE;

  sqlite3_bind_int64 (lookup, 1, from);
  bind_text (lookup, 2, client_id);

  rc = step (self, lookup, error);
  if (rc == SQLITE_DONE) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_INTERNAL, "Message vanished during insert");
    return FALSE;
  } else if (rc != SQLITE_ROW) {
    return FALSE;
  }

  if (seq != NULL)
    *seq = sqlite3_column_int64 (lookup, 0);
  if (sent_at != NULL)
    *sent_at = sqlite3_column_int64 (lookup, 1);
  if (duplicate != NULL)
    *duplicate = TRUE;

  return TRUE;
}

static gboolean
kithd_store_sqlite_call_event_insert (KithdStore          *store,
                                      const char          *client_id,
                                      gint64               from,
                                      gint64               to,
                                      const char          *body,
                                      const KithCallInfo  *call,
                                      gint64               now,
                                      gint64              *seq,
                                      gint64              *sent_at,
                                      GError             **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) insert = NULL;
  KithCallOutcome outcome;
  int rc;

  if (!kith_call_outcome_from_string (call->outcome, &outcome)) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD, "Unknown call outcome");
    return FALSE;
  }

  insert = prepare (self,
                    "INSERT INTO messages (client_id, from_id, to_id, body, sent_at,"
                    "                      call_outcome, call_video, call_duration) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                    "RETURNING seq, sent_at", error);
  if (insert == NULL)
    return FALSE;

  bind_text (insert, 1, client_id);
  sqlite3_bind_int64 (insert, 2, from);
  sqlite3_bind_int64 (insert, 3, to);
  bind_text (insert, 4, body);
  sqlite3_bind_int64 (insert, 5, now);
  sqlite3_bind_int (insert, 6, outcome);
  sqlite3_bind_int (insert, 7, call->video ? 1 : 0);
  sqlite3_bind_int64 (insert, 8, call->duration);

  rc = sqlite3_step (insert);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    return not_found (error, "No such user");
  if (rc != SQLITE_ROW) {
    set_db_error (self, error);
    return FALSE;
  }
  if (seq != NULL)
    *seq = sqlite3_column_int64 (insert, 0);
  if (sent_at != NULL)
    *sent_at = sqlite3_column_int64 (insert, 1);

  return step (self, insert, error) == SQLITE_DONE;
}

static GPtrArray *
collect_messages (KithdStoreSqlite  *self,
                  Stmt              *stmt,
                  GError           **error)
{
  g_autoptr (GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_message_info_free);
  int rc;

  while ((rc = step (self, stmt, error)) == SQLITE_ROW)
    g_ptr_array_add (messages, message_from_row (stmt));

  if (rc != SQLITE_DONE)
    return NULL;

  return g_steal_pointer (&messages);
}

static GPtrArray *
kithd_store_sqlite_message_list_after (KithdStore  *store,
                                       gint64       user,
                                       gint64       after,
                                       guint        limit,
                                       GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;

  /* Two index range scans (messages_to, messages_from), each cut at
   * @limit, merged: no scan of the user's whole history. */
  stmt = prepare (self,
                  "SELECT * FROM ("
                  "  SELECT * FROM (SELECT " MESSAGE_COLUMNS " FROM messages"
                  "                 WHERE to_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3)"
                  "  UNION ALL"
                  "  SELECT * FROM (SELECT " MESSAGE_COLUMNS " FROM messages"
                  "                 WHERE from_id = ?1 AND to_id <> ?1 AND seq > ?2 ORDER BY seq LIMIT ?3)"
                  ") ORDER BY seq LIMIT ?3", error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, user);
  sqlite3_bind_int64 (stmt, 2, after);
  sqlite3_bind_int64 (stmt, 3, sql_limit (limit));

  return collect_messages (self, stmt, error);
}

static GPtrArray *
kithd_store_sqlite_message_history (KithdStore  *store,
                                    gint64       user,
                                    gint64       peer,
                                    gint64       before,
                                    guint        limit,
                                    GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;

  /* Newest @limit of each direction (messages_conversation), merged,
   * cut at @limit and turned oldest first. */
  stmt = prepare (self,
                  "SELECT * FROM ("
                  "  SELECT * FROM ("
                  "    SELECT * FROM (SELECT " MESSAGE_COLUMNS " FROM messages"
                  "                   WHERE from_id = ?1 AND to_id = ?2 AND seq < ?3 ORDER BY seq DESC LIMIT ?4)"
                  "    UNION ALL"
                  "    SELECT * FROM (SELECT " MESSAGE_COLUMNS " FROM messages"
                  "                   WHERE from_id = ?2 AND to_id = ?1 AND ?1 <> ?2 AND seq < ?3"
                  "                   ORDER BY seq DESC LIMIT ?4)"
                  "  ) ORDER BY seq DESC LIMIT ?4"
                  ") ORDER BY seq", error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, user);
  sqlite3_bind_int64 (stmt, 2, peer);
  sqlite3_bind_int64 (stmt, 3, before > 0 ? before : G_MAXINT64);
  sqlite3_bind_int64 (stmt, 4, sql_limit (limit));

  return collect_messages (self, stmt, error);
}

static gint64
kithd_store_sqlite_message_last_seq (KithdStore  *store,
                                     gint64       user,
                                     GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;

  stmt = prepare (self,
                  "SELECT max (coalesce ((SELECT max (seq) FROM messages WHERE to_id = ?1), 0),"
                  "            coalesce ((SELECT max (seq) FROM messages WHERE from_id = ?1), 0))",
                  error);
  if (stmt == NULL)
    return 0;

  sqlite3_bind_int64 (stmt, 1, user);
  if (step (self, stmt, error) != SQLITE_ROW)
    return 0;

  return sqlite3_column_int64 (stmt, 0);
}

/* ---- offline notices ---- */

/* The statement @sql with (user, sender, now) bound to ?1, ?2, ?3: both
 * of notice_touch's statements take those. */
static Stmt *
prepare_notice (KithdStoreSqlite  *self,
                const char        *sql,
                gint64             user,
                gint64             sender,
                gint64             now,
                GError           **error)
{
  Stmt *stmt = prepare (self, sql, error);

  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, user);
  sqlite3_bind_int64 (stmt, 2, sender);
  sqlite3_bind_int64 (stmt, 3, now);

  return stmt;
}

/* Opens (user, sender)'s notice or moves its last_at, inside a transaction:
 * TRUE in @is_new when it opened one. */
static gboolean
touch_notice (KithdStoreSqlite  *self,
              gint64             user,
              gint64             sender,
              gint64             now,
              gboolean          *is_new,
              GError           **error)
{
  {
    g_autoptr (Stmt) insert = prepare_notice (self,
                                              "INSERT OR IGNORE INTO offline_notices (user_id, sender_id, opened_at, last_at) "
                                              "VALUES (?1, ?2, ?3, ?3)", user, sender, now, error);

    if (insert == NULL || !run_insert (self, insert, error))
      return FALSE;

    *is_new = sqlite3_changes (self->db) > 0;
  }

  if (!*is_new) {
    g_autoptr (Stmt) update = prepare_notice (self,
                                              "UPDATE offline_notices SET last_at = ?3 "
                                              "WHERE user_id = ?1 AND sender_id = ?2", user, sender, now, error);

    if (update == NULL || !run (self, update, error))
      return FALSE;
  }

  return TRUE;
}

static gboolean
kithd_store_sqlite_notice_touch (KithdStore  *store,
                                 gint64       user,
                                 gint64       sender,
                                 gint64       now,
                                 gboolean    *opened,
                                 GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  gboolean is_new = FALSE;

  if (!begin (self, error) ||
      !end_transaction (self, touch_notice (self, user, sender, now, &is_new, error), error))
    return FALSE;

  if (opened != NULL)
    *opened = is_new;

  return TRUE;
}

static gboolean
kithd_store_sqlite_notice_clear (KithdStore  *store,
                                 gint64       user,
                                 GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;

  stmt = prepare (self, "DELETE FROM offline_notices WHERE user_id = ?1", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, user);

  return run (self, stmt, error);
}

void
kithd_store_sqlite_messages_init (KithdStoreInterface *iface)
{
  iface->message_insert = kithd_store_sqlite_message_insert;
  iface->message_list_after = kithd_store_sqlite_message_list_after;
  iface->message_history = kithd_store_sqlite_message_history;
  iface->message_last_seq = kithd_store_sqlite_message_last_seq;
  iface->call_event_insert = kithd_store_sqlite_call_event_insert;
  iface->notice_touch = kithd_store_sqlite_notice_touch;
  iface->notice_clear = kithd_store_sqlite_notice_clear;
}
