/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdStoreSqlite"

#include "config.h"

#include "kithd-store-sqlite-private.h"

/* The sqlite store's users, sessions and password reset links. */

/* ---- users ---- */

static gint64
kithd_store_sqlite_user_create (KithdStore  *store,
                                const char  *email,
                                const char  *password_hash,
                                const char  *first_name,
                                const char  *last_name,
                                gint64       now,
                                GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;
  g_autofree char *lower = g_utf8_strdown (email, -1);
  int rc;

  stmt = prepare (self,
                  "INSERT INTO users (email, password_hash, first_name, last_name, created_at) "
                  "VALUES (?1, ?2, ?3, ?4, ?5)", error);
  if (stmt == NULL)
    return 0;

  bind_text (stmt, 1, lower);
  bind_text (stmt, 2, password_hash);
  bind_text (stmt, 3, first_name ? first_name : "");
  bind_text (stmt, 4, last_name ? last_name : "");
  sqlite3_bind_int64 (stmt, 5, now);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT_UNIQUE) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_EMAIL_TAKEN,
                 "An account with this email address already exists");
    return 0;
  } else if (rc != SQLITE_DONE) {
    set_db_error (self, error);
    return 0;
  }

  return sqlite3_last_insert_rowid (self->db);
}

static KithdUser *
kithd_store_sqlite_user_get (KithdStore  *store,
                             gint64       id,
                             GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;
  int rc;

  stmt = prepare (self, "SELECT " USER_COLUMNS " FROM users WHERE id = ?1", error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, id);
  rc = step (self, stmt, error);
  if (rc == SQLITE_ROW)
    return user_from_row (stmt);
  if (rc == SQLITE_DONE)
    not_found (error, "No such user");

  return NULL;
}

static KithdUser *
kithd_store_sqlite_user_get_by_email (KithdStore  *store,
                                      const char  *email,
                                      GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;
  g_autofree char *lower = g_utf8_strdown (email, -1);
  int rc;

  stmt = prepare (self, "SELECT " USER_COLUMNS " FROM users WHERE email = ?1", error);
  if (stmt == NULL)
    return NULL;

  bind_text (stmt, 1, lower);
  rc = step (self, stmt, error);
  if (rc == SQLITE_ROW)
    return user_from_row (stmt);
  if (rc == SQLITE_DONE)
    not_found (error, "No account with this email address");

  return NULL;
}

/* For UPDATE/DELETE by key: NOT_FOUND when no row changed. */
static gboolean
kithd_store_sqlite_user_update_profile (KithdStore  *store,
                                        gint64       id,
                                        const char  *first_name,
                                        const char  *last_name,
                                        int          offline_email_notification,
                                        GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;

  stmt = prepare (self,
                  "UPDATE users SET"
                  "  first_name = coalesce (?1, first_name),"
                  "  last_name = coalesce (?2, last_name),"
                  "  offline_email_notification = CASE WHEN ?3 < 0 THEN offline_email_notification ELSE ?3 END "
                  "WHERE id = ?4", error);
  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, 1, first_name);
  bind_text (stmt, 2, last_name);
  sqlite3_bind_int (stmt, 3, offline_email_notification < 0 ? -1 : offline_email_notification != 0);
  sqlite3_bind_int64 (stmt, 4, id);

  return run_changed (self, stmt, "No such user", error);
}

/* @sql: "UPDATE users SET <column> = ?1 WHERE id = ?2" */
static gboolean
update_user_text (KithdStoreSqlite  *self,
                  const char        *sql,
                  gint64             id,
                  const char        *value,
                  GError           **error)
{
  g_autoptr (Stmt) stmt = prepare (self, sql, error);

  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, 1, value);
  sqlite3_bind_int64 (stmt, 2, id);

  return run_changed (self, stmt, "No such user", error);
}

/* Spends every reset link of @user_id not used yet. */
static gboolean
end_resets (KithdStoreSqlite  *self,
            gint64             user_id,
            GError           **error)
{
  g_autoptr (Stmt) stmt = prepare (self, "UPDATE password_resets SET used = 1 WHERE user_id = ?1 AND used = 0",
                                   error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, user_id);
  if (sqlite3_step (stmt) != SQLITE_DONE) {
    set_db_error (self, error);
    return FALSE;
  }
  return TRUE;
}

static gboolean
kithd_store_sqlite_user_set_password (KithdStore  *store,
                                      gint64       id,
                                      const char  *password_hash,
                                      GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);

  /* A new password ends the reset links asked for before it. */
  return update_user_text (self, "UPDATE users SET password_hash = ?1 WHERE id = ?2",
                           id, password_hash, error) &&
         end_resets (self, id, error);
}

static gboolean
kithd_store_sqlite_user_set_plan (KithdStore  *store,
                                  gint64       id,
                                  const char  *plan,
                                  GError     **error)
{
  return update_user_text (KITHD_STORE_SQLITE (store),
                           "UPDATE users SET plan = ?1 WHERE id = ?2",
                           id, plan, error);
}

static GPtrArray *
kithd_store_sqlite_user_list (KithdStore  *store,
                              GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;
  g_autoptr (GPtrArray) users = g_ptr_array_new_with_free_func ((GDestroyNotify) kithd_user_free);
  int rc;

  stmt = prepare (self, "SELECT " USER_COLUMNS " FROM users ORDER BY id", error);
  if (stmt == NULL)
    return NULL;

  while ((rc = step (self, stmt, error)) == SQLITE_ROW)
    g_ptr_array_add (users, user_from_row (stmt));

  if (rc != SQLITE_DONE)
    return NULL;

  return g_steal_pointer (&users);
}

/* Every row of a user, in every table that names one. */
static const char * const user_delete_sql[] = {
  "DELETE FROM messages WHERE from_id = ?1",
  "DELETE FROM messages WHERE to_id = ?1",
  "DELETE FROM contacts WHERE user_id = ?1",
  "DELETE FROM contacts WHERE other_id = ?1",
  "DELETE FROM sessions WHERE user_id = ?1",
  "DELETE FROM password_resets WHERE user_id = ?1",
  "DELETE FROM offline_notices WHERE user_id = ?1",
  "DELETE FROM offline_notices WHERE sender_id = ?1",
  "DELETE FROM mail_queue WHERE to_user_id = ?1 OR to_address = ?2 COLLATE NOCASE",
  "DELETE FROM users WHERE id = ?1",
};

/* Deletes every row of @id (user_delete_sql), inside a transaction. */
static gboolean
delete_user_rows (KithdStoreSqlite  *self,
                  gint64             id,
                  GError           **error)
{
  g_autoptr (KithdUser) user = kithd_store_sqlite_user_get (KITHD_STORE (self), id, error);

  if (user == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (user_delete_sql); i++) {
    g_autoptr (Stmt) stmt = prepare (self, user_delete_sql[i], error);

    if (stmt == NULL)
      return FALSE;

    sqlite3_bind_int64 (stmt, 1, id);
    if (sqlite3_bind_parameter_count (stmt) >= 2)
      bind_text (stmt, 2, user->email);

    if (!run (self, stmt, error))
      return FALSE;
  }

  return TRUE;
}

static gboolean
kithd_store_sqlite_user_delete (KithdStore  *store,
                                gint64       id,
                                GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);

  return begin (self, error) &&
         end_transaction (self, delete_user_rows (self, id, error), error);
}

/* ---- sessions ---- */

static gint64
kithd_store_sqlite_session_create (KithdStore      *store,
                                   gint64           user_id,
                                   const char      *token_hash,
                                   const char      *device_name,
                                   KithDeviceKind   kind,
                                   gint64           now,
                                   GError         **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;

  stmt = prepare (self,
                  "INSERT INTO sessions (user_id, token_hash, device_name, device_kind, created_at) "
                  "VALUES (?1, ?2, ?3, ?4, ?5)", error);
  if (stmt == NULL)
    return 0;

  sqlite3_bind_int64 (stmt, 1, user_id);
  bind_text (stmt, 2, token_hash);
  bind_text (stmt, 3, device_name);
  sqlite3_bind_int (stmt, 4, kind);
  sqlite3_bind_int64 (stmt, 5, now);

  if (!run_insert (self, stmt, error))
    return 0;

  return sqlite3_last_insert_rowid (self->db);
}

static KithdSession *
kithd_store_sqlite_session_lookup (KithdStore  *store,
                                   const char  *token_hash,
                                   GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;
  KithdSession *session;
  int rc;

  stmt = prepare (self,
                  "SELECT id, user_id, device_name, device_kind, created_at "
                  "FROM sessions WHERE token_hash = ?1", error);
  if (stmt == NULL)
    return NULL;

  bind_text (stmt, 1, token_hash);
  rc = step (self, stmt, error);
  if (rc == SQLITE_DONE)
    not_found (error, "No such session");
  if (rc != SQLITE_ROW)
    return NULL;

  session = g_new0 (KithdSession, 1);
  session->id = sqlite3_column_int64 (stmt, 0);
  session->user_id = sqlite3_column_int64 (stmt, 1);
  session->device_name = column_dup (stmt, 2);
  session->device_kind = sqlite3_column_int (stmt, 3);
  session->created_at = sqlite3_column_int64 (stmt, 4);

  return session;
}

static gboolean
kithd_store_sqlite_session_delete (KithdStore  *store,
                                   gint64       session_id,
                                   GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;

  stmt = prepare (self, "DELETE FROM sessions WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, session_id);

  return run_changed (self, stmt, "No such session", error);
}

static gboolean
kithd_store_sqlite_session_delete_user (KithdStore  *store,
                                        gint64       user_id,
                                        gint64       except_id,
                                        GArray      *deleted_ids,
                                        GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;
  int rc;

  /* one statement: atomic without a transaction */
  stmt = prepare (self, "DELETE FROM sessions WHERE user_id = ?1 AND id <> ?2 RETURNING id", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, user_id);
  sqlite3_bind_int64 (stmt, 2, except_id);

  while ((rc = step (self, stmt, error)) == SQLITE_ROW) {
    gint64 id = sqlite3_column_int64 (stmt, 0);

    if (deleted_ids != NULL)
      g_array_append_val (deleted_ids, id);
  }

  return rc == SQLITE_DONE;
}

/* ---- password reset ---- */

static gboolean
kithd_store_sqlite_reset_create (KithdStore  *store,
                                 gint64       user_id,
                                 const char  *token_hash,
                                 gint64       expires_at,
                                 GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;

  /* Only the newest link works. */
  if (!end_resets (self, user_id, error))
    return FALSE;
  stmt = prepare (self,
                  "INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
                  error);
  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, 1, token_hash);
  sqlite3_bind_int64 (stmt, 2, user_id);
  sqlite3_bind_int64 (stmt, 3, expires_at);

  return run_insert (self, stmt, error);
}

static gint64
kithd_store_sqlite_reset_consume (KithdStore  *store,
                                  const char  *token_hash,
                                  gint64       now,
                                  GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;
  gint64 user_id;
  int rc;

  /* check and spend in one statement: a token is used at most once */
  stmt = prepare (self,
                  "UPDATE password_resets SET used = 1 "
                  "WHERE token_hash = ?1 AND used = 0 AND expires_at > ?2 "
                  "RETURNING user_id", error);
  if (stmt == NULL)
    return 0;

  bind_text (stmt, 1, token_hash);
  sqlite3_bind_int64 (stmt, 2, now);

  rc = step (self, stmt, error);
  if (rc == SQLITE_DONE) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_RESET_TOKEN,
                 "This password reset link is unknown, already used or expired");
    return 0;
  } else if (rc != SQLITE_ROW) {
    return 0;
  }

  user_id = sqlite3_column_int64 (stmt, 0);
  if (step (self, stmt, error) != SQLITE_DONE)
    return 0;

  return user_id;
}

void
kithd_store_sqlite_accounts_init (KithdStoreInterface *iface)
{
  iface->user_create = kithd_store_sqlite_user_create;
  iface->user_get = kithd_store_sqlite_user_get;
  iface->user_get_by_email = kithd_store_sqlite_user_get_by_email;
  iface->user_update_profile = kithd_store_sqlite_user_update_profile;
  iface->user_set_password = kithd_store_sqlite_user_set_password;
  iface->user_set_plan = kithd_store_sqlite_user_set_plan;
  iface->user_list = kithd_store_sqlite_user_list;
  iface->user_delete = kithd_store_sqlite_user_delete;
  iface->session_create = kithd_store_sqlite_session_create;
  iface->session_lookup = kithd_store_sqlite_session_lookup;
  iface->session_delete = kithd_store_sqlite_session_delete;
  iface->session_delete_user = kithd_store_sqlite_session_delete_user;
  iface->reset_create = kithd_store_sqlite_reset_create;
  iface->reset_consume = kithd_store_sqlite_reset_consume;
}
