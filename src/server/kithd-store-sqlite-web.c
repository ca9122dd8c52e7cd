/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdStoreSqlite"

#include "config.h"

#include "kithd-store-sqlite-private.h"

/* The sqlite store's part for kithd's web pages: their sessions
 * (web_sessions, migration 0004) and a reset link's check. */

static gboolean
kithd_store_sqlite_reset_check (KithdStore  *store,
                                const char  *token_hash,
                                gint64       now,
                                GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;
  int rc;

  /* What reset_consume() would accept, without spending it. */
  stmt = prepare (self,
                  "SELECT 1 FROM password_resets "
                  "WHERE token_hash = ?1 AND used = 0 AND expires_at > ?2", error);
  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, 1, token_hash);
  sqlite3_bind_int64 (stmt, 2, now);

  rc = step (self, stmt, error);
  if (rc == SQLITE_DONE)
    g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_RESET_TOKEN,
                 "This password reset link is unknown, already used or expired");
  return rc == SQLITE_ROW;
}

static gint64
kithd_store_sqlite_web_session_create (KithdStore  *store,
                                       gint64       user_id,
                                       const char  *token_hash,
                                       gint64       now,
                                       GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;

  stmt = prepare (self,
                  "INSERT INTO web_sessions (user_id, token_hash, created_at, last_used_at) "
                  "VALUES (?1, ?2, ?3, ?3)", error);
  if (stmt == NULL)
    return 0;

  sqlite3_bind_int64 (stmt, 1, user_id);
  bind_text (stmt, 2, token_hash);
  sqlite3_bind_int64 (stmt, 3, now);

  if (!run_insert (self, stmt, error))
    return 0;

  return sqlite3_last_insert_rowid (self->db);
}

static gboolean
kithd_store_sqlite_web_session_delete (KithdStore  *store,
                                       gint64       session_id,
                                       GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = prepare (self, "DELETE FROM web_sessions WHERE id = ?1", error);

  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, session_id);

  return run_changed (self, stmt, "No such session", error);
}

static gint64
kithd_store_sqlite_web_session_touch (KithdStore  *store,
                                      const char  *token_hash,
                                      gint64       now,
                                      gint64       idle_cutoff,
                                      gint64       created_cutoff,
                                      gint64      *user_id,
                                      GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;
  gint64 id;
  gboolean expired;
  int rc;

  stmt = prepare (self,
                  "SELECT id, user_id, last_used_at <= ?2 OR created_at <= ?3 "
                  "FROM web_sessions WHERE token_hash = ?1", error);
  if (stmt == NULL)
    return 0;

  bind_text (stmt, 1, token_hash);
  sqlite3_bind_int64 (stmt, 2, idle_cutoff);
  sqlite3_bind_int64 (stmt, 3, created_cutoff);

  rc = step (self, stmt, error);
  if (rc == SQLITE_DONE) {
    not_found (error, "No such session");
    return 0;
  } else if (rc != SQLITE_ROW) {
    return 0;
  }
  id = sqlite3_column_int64 (stmt, 0);
  *user_id = sqlite3_column_int64 (stmt, 1);
  expired = sqlite3_column_int (stmt, 2) != 0;
  g_clear_pointer (&stmt, stmt_release);

  if (expired) {
    if (kithd_store_sqlite_web_session_delete (store, id, error))
      not_found (error, "This session has expired");
    return 0;
  }

  stmt = prepare (self, "UPDATE web_sessions SET last_used_at = max (last_used_at, ?2) WHERE id = ?1", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, now);
  if (!run (self, stmt, error))
    return 0;

  return id;
}

static gboolean
kithd_store_sqlite_web_session_sweep (KithdStore  *store,
                                      gint64       idle_cutoff,
                                      gint64       created_cutoff,
                                      GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;

  stmt = prepare (self, "DELETE FROM web_sessions WHERE last_used_at <= ?1 OR created_at <= ?2", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, idle_cutoff);
  sqlite3_bind_int64 (stmt, 2, created_cutoff);

  return run (self, stmt, error);
}

void
kithd_store_sqlite_web_init (KithdStoreInterface *iface)
{
  iface->reset_check = kithd_store_sqlite_reset_check;
  iface->web_session_create = kithd_store_sqlite_web_session_create;
  iface->web_session_touch = kithd_store_sqlite_web_session_touch;
  iface->web_session_delete = kithd_store_sqlite_web_session_delete;
  iface->web_session_sweep = kithd_store_sqlite_web_session_sweep;
}
