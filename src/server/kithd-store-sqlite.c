/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdStoreSqlite"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "kith-private-file.h"
#include "kithd-store-sqlite.h"

/*
 * The sqlite3 store.
 *
 * Durability: the database runs in WAL mode with synchronous=NORMAL. A
 * transaction is committed once its frames are appended to the -wal file
 * (a write() into the OS page cache); the WAL is fsynced only at
 * checkpoints. Data that reached the page cache belongs to the kernel, not
 * to the process, so a committed transaction survives kithd crashing or
 * being killed with SIGKILL: the next open replays the WAL. That is the
 * promise kithd makes ("acknowledged means durable across a kithd crash"),
 * since a message is acknowledged only after its INSERT returned. What
 * NORMAL does not survive is a power loss or kernel crash shortly after
 * a commit (the last transactions may roll back; the database stays
 * consistent). synchronous=FULL (kithd_store_sqlite_set_synchronous_full)
 * fsyncs the WAL on every commit and covers that too, at the price of one
 * fsync per message.
 *
 * Every statement is prepared once (SQLITE_PREPARE_PERSISTENT), kept in
 * self->stmts keyed by its SQL text's address, and reset and unbound after
 * each use (the Stmt autoptr below). Changes that take more than one
 * statement run in one BEGIN IMMEDIATE … COMMIT transaction.
 *
 * Schema versions: migrations[] holds one SQL script per version; a
 * database at PRAGMA user_version N gets scripts N+1… applied in order, each
 * in its own transaction together with the new user_version.
 */

struct _KithdStoreSqlite
{
  GObject     parent_instance;

  sqlite3    *db;
  GHashTable *stmts;          /* const char *sql -> sqlite3_stmt */
  int         schema_version;
};

static void kithd_store_sqlite_iface_init (KithdStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KithdStoreSqlite, kithd_store_sqlite, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (KITHD_TYPE_STORE, kithd_store_sqlite_iface_init))

static const char * const migrations[] = {
  /* 1: accounts, sessions, reset tokens, contacts, messages */
  "CREATE TABLE users ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
  "  first_name TEXT NOT NULL DEFAULT '',"
  "  last_name TEXT NOT NULL DEFAULT '',"
  "  password_hash TEXT,"
  "  offline_email_notification INTEGER NOT NULL DEFAULT 1,"
  "  plan TEXT NOT NULL DEFAULT 'free',"
  "  created_at INTEGER NOT NULL"
  ");"
  "CREATE TABLE sessions ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
  "  token_hash TEXT NOT NULL UNIQUE,"
  "  device_name TEXT NOT NULL,"
  "  device_kind INTEGER NOT NULL,"
  "  created_at INTEGER NOT NULL"
  ");"
  "CREATE INDEX sessions_user ON sessions (user_id);"
  "CREATE TABLE password_resets ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  token_hash TEXT NOT NULL UNIQUE,"
  "  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
  "  expires_at INTEGER NOT NULL,"
  "  used INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE INDEX password_resets_user ON password_resets (user_id);"
  /* One row per ordered pair: state is KithContactState as user_id sees
   * other_id (0 accepted, 1 incoming, 2 outgoing). */
  "CREATE TABLE contacts ("
  "  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
  "  other_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
  "  state INTEGER NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  PRIMARY KEY (user_id, other_id)"
  ") WITHOUT ROWID;"
  "CREATE INDEX contacts_state ON contacts (user_id, state, other_id);"
  "CREATE INDEX contacts_other ON contacts (other_id);"
  "CREATE TABLE messages ("
  "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  client_id TEXT NOT NULL,"
  "  from_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
  "  to_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
  "  body TEXT NOT NULL,"
  "  sent_at INTEGER NOT NULL,"
  "  UNIQUE (from_id, client_id)"
  ");"
  "CREATE INDEX messages_to ON messages (to_id, seq);"
  "CREATE INDEX messages_from ON messages (from_id, seq);",

  /* 2: offline notification batches, the mail queue, conversation index */
  "CREATE TABLE offline_notices ("
  "  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
  "  sender_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
  "  opened_at INTEGER NOT NULL,"
  "  last_at INTEGER NOT NULL,"
  "  PRIMARY KEY (user_id, sender_id)"
  ") WITHOUT ROWID;"
  "CREATE INDEX offline_notices_sender ON offline_notices (sender_id);"
  "CREATE TABLE mail_queue ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  to_user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,"
  "  to_address TEXT NOT NULL,"
  "  subject TEXT NOT NULL,"
  "  body TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL"
  ");"
  "CREATE INDEX mail_queue_user ON mail_queue (to_user_id);"
  "CREATE INDEX messages_conversation ON messages (from_id, to_id, seq);",
};

/* ---- statements ---- */

typedef sqlite3_stmt Stmt;

static void
stmt_release (Stmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Stmt, stmt_release)

static void
set_db_error (KithdStoreSqlite  *self,
              GError           **error)
{
  g_set_error (error, KITH_ERROR, KITH_ERROR_INTERNAL,
               "Database error: %s", sqlite3_errmsg (self->db));
}

/* The cached statement for @sql, which must be a string literal (it is
 * keyed by address). Use with g_autoptr (Stmt) so it is reset after use. */
static Stmt *
prepare (KithdStoreSqlite  *self,
         const char        *sql,
         GError           **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->stmts, sql);

  if (stmt != NULL)
    return stmt;

  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK) {
    set_db_error (self, error);
    return NULL;
  }

  g_hash_table_insert (self->stmts, (gpointer) sql, stmt);
  return stmt;
}

/* sqlite3_step(); anything but a row or done also sets @error. */
static int
step (KithdStoreSqlite  *self,
      Stmt              *stmt,
      GError           **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    set_db_error (self, error);

  return rc;
}

/* Runs a statement that returns no row. */
static gboolean
run (KithdStoreSqlite  *self,
     Stmt              *stmt,
     GError           **error)
{
  return step (self, stmt, error) == SQLITE_DONE;
}

static gboolean
exec (KithdStoreSqlite  *self,
      const char        *sql,
      GError           **error)
{
  g_autoptr (Stmt) stmt = prepare (self, sql, error);

  if (stmt == NULL)
    return FALSE;

  return step (self, stmt, error) == SQLITE_DONE;
}

static gboolean
begin (KithdStoreSqlite  *self,
       GError           **error)
{
  return exec (self, "BEGIN IMMEDIATE", error);
}

static gboolean
commit (KithdStoreSqlite  *self,
        GError           **error)
{
  return exec (self, "COMMIT", error);
}

static void
rollback (KithdStoreSqlite *self)
{
  if (!sqlite3_get_autocommit (self->db))
    exec (self, "ROLLBACK", NULL);
}

static void
bind_text (Stmt       *stmt,
           int         index,
           const char *text)
{
  /* static: every binding is cleared before the strings go away */
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC);
}

static char *
column_dup (Stmt *stmt,
            int   column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

#define USER_COLUMNS "id, email, first_name, last_name, password_hash, offline_email_notification, plan, created_at"

static KithdUser *
user_from_row (Stmt *stmt)
{
  KithdUser *user = g_new0 (KithdUser, 1);

  user->id = sqlite3_column_int64 (stmt, 0);
  user->email = column_dup (stmt, 1);
  user->first_name = column_dup (stmt, 2);
  user->last_name = column_dup (stmt, 3);
  user->password_hash = column_dup (stmt, 4);
  user->offline_email_notification = sqlite3_column_int (stmt, 5) != 0;
  user->plan = column_dup (stmt, 6);
  user->created_at = sqlite3_column_int64 (stmt, 7);

  return user;
}

#define MESSAGE_COLUMNS "seq, client_id, from_id, to_id, body, sent_at"

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

  return info;
}

/* 0 means "no limit" for the list calls (sqlite: LIMIT -1). */
static gint64
sql_limit (guint limit)
{
  return limit == 0 ? -1 : (gint64) limit;
}

static gboolean
not_found (GError     **error,
           const char  *what)
{
  g_set_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND, "%s", what);
  return FALSE;
}

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
run_changed (KithdStoreSqlite  *self,
             Stmt              *stmt,
             const char        *what,
             GError           **error)
{
  if (!run (self, stmt, error))
    return FALSE;

  if (sqlite3_changes (self->db) == 0)
    return not_found (error, what);

  return TRUE;
}

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

static gboolean
kithd_store_sqlite_user_delete (KithdStore  *store,
                                gint64       id,
                                GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (KithdUser) user = NULL;

  if (!begin (self, error))
    return FALSE;

  user = kithd_store_sqlite_user_get (store, id, error);
  if (user == NULL)
    goto fail;

  for (guint i = 0; i < G_N_ELEMENTS (user_delete_sql); i++) {
    g_autoptr (Stmt) stmt = prepare (self, user_delete_sql[i], error);

    if (stmt == NULL)
      goto fail;

    sqlite3_bind_int64 (stmt, 1, id);
    if (sqlite3_bind_parameter_count (stmt) >= 2)
      bind_text (stmt, 2, user->email);

    if (!run (self, stmt, error))
      goto fail;
  }

  if (!commit (self, error))
    goto fail;

  return TRUE;

fail:
  rollback (self);
  return FALSE;
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
  int rc;

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

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
    not_found (error, "No such user");
    return 0;
  } else if (rc != SQLITE_DONE) {
    set_db_error (self, error);
    return 0;
  }

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
  int rc;

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

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    return not_found (error, "No such user");
  if (rc != SQLITE_DONE) {
    set_db_error (self, error);
    return FALSE;
  }

  return TRUE;
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

/* ---- contacts ---- */

/* The state of (user, other) as @user sees it; FALSE in @found without a row. */
static gboolean
contact_state (KithdStoreSqlite  *self,
               gint64             user,
               gint64             other,
               gboolean          *found,
               KithContactState  *state,
               GError           **error)
{
  g_autoptr (Stmt) stmt = NULL;
  int rc;

  stmt = prepare (self, "SELECT state FROM contacts WHERE user_id = ?1 AND other_id = ?2", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, user);
  sqlite3_bind_int64 (stmt, 2, other);

  rc = step (self, stmt, error);
  *found = rc == SQLITE_ROW;
  if (*found)
    *state = sqlite3_column_int (stmt, 0);

  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

static gboolean
set_contact_state (KithdStoreSqlite  *self,
                   gint64             user,
                   gint64             other,
                   KithContactState   state,
                   gint64             now,
                   GError           **error)
{
  g_autoptr (Stmt) stmt = NULL;
  int rc;

  stmt = prepare (self,
                  "INSERT INTO contacts (user_id, other_id, state, created_at) VALUES (?1, ?2, ?3, ?4) "
                  "ON CONFLICT (user_id, other_id) DO UPDATE SET state = excluded.state", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, user);
  sqlite3_bind_int64 (stmt, 2, other);
  sqlite3_bind_int (stmt, 3, state);
  sqlite3_bind_int64 (stmt, 4, now);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    return not_found (error, "No such user");
  if (rc != SQLITE_DONE) {
    set_db_error (self, error);
    return FALSE;
  }

  return TRUE;
}

static gboolean
kithd_store_sqlite_contact_request (KithdStore        *store,
                                    gint64             from,
                                    gint64             to,
                                    gint64             now,
                                    KithContactState  *state,
                                    GError           **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  KithContactState current = KITH_CONTACT_ACCEPTED;
  KithContactState result;
  gboolean found = FALSE;

  if (from == to) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                 "You cannot add yourself as a contact");
    return FALSE;
  }

  if (!begin (self, error))
    return FALSE;

  if (!contact_state (self, from, to, &found, &current, error))
    goto fail;

  if (found && current != KITH_CONTACT_INCOMING) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_ALREADY_CONTACT,
                 current == KITH_CONTACT_ACCEPTED ? "Already a contact"
                                                  : "A contact request was already sent");
    goto fail;
  }

  if (found) {
    /* they had asked us: asking back accepts */
    result = KITH_CONTACT_ACCEPTED;
    if (!set_contact_state (self, from, to, KITH_CONTACT_ACCEPTED, now, error) ||
        !set_contact_state (self, to, from, KITH_CONTACT_ACCEPTED, now, error))
      goto fail;
  } else {
    result = KITH_CONTACT_OUTGOING;
    if (!set_contact_state (self, from, to, KITH_CONTACT_OUTGOING, now, error) ||
        !set_contact_state (self, to, from, KITH_CONTACT_INCOMING, now, error))
      goto fail;
  }

  if (!commit (self, error))
    goto fail;

  if (state != NULL)
    *state = result;

  return TRUE;

fail:
  rollback (self);
  return FALSE;
}

static gboolean
kithd_store_sqlite_contact_accept (KithdStore  *store,
                                   gint64       user,
                                   gint64       requester,
                                   gint64       now,
                                   GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  KithContactState current = KITH_CONTACT_ACCEPTED;
  gboolean found = FALSE;

  if (!begin (self, error))
    return FALSE;

  if (!contact_state (self, user, requester, &found, &current, error))
    goto fail;

  if (!found || current != KITH_CONTACT_INCOMING) {
    not_found (error, "No contact request from this user");
    goto fail;
  }

  if (!set_contact_state (self, user, requester, KITH_CONTACT_ACCEPTED, now, error) ||
      !set_contact_state (self, requester, user, KITH_CONTACT_ACCEPTED, now, error))
    goto fail;

  if (!commit (self, error))
    goto fail;

  return TRUE;

fail:
  rollback (self);
  return FALSE;
}

static gboolean
kithd_store_sqlite_contact_remove (KithdStore  *store,
                                   gint64       user,
                                   gint64       other,
                                   GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;

  /* both rows in one statement */
  stmt = prepare (self,
                  "DELETE FROM contacts "
                  "WHERE (user_id = ?1 AND other_id = ?2) OR (user_id = ?2 AND other_id = ?1)", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, user);
  sqlite3_bind_int64 (stmt, 2, other);

  return run_changed (self, stmt, "Not a contact and no pending request", error);
}

static GPtrArray *
kithd_store_sqlite_contact_list (KithdStore  *store,
                                 gint64       user,
                                 GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;
  g_autoptr (GPtrArray) contacts = g_ptr_array_new_with_free_func ((GDestroyNotify) kithd_contact_free);
  int rc;

  /* no password hash: these are other people's records */
  stmt = prepare (self,
                  "SELECT u.id, u.email, u.first_name, u.last_name, NULL, u.offline_email_notification,"
                  "       u.plan, u.created_at, c.state "
                  "FROM contacts c JOIN users u ON u.id = c.other_id "
                  "WHERE c.user_id = ?1 "
                  "ORDER BY u.first_name COLLATE NOCASE, u.last_name COLLATE NOCASE, u.id", error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, user);

  while ((rc = step (self, stmt, error)) == SQLITE_ROW) {
    KithdContact *contact = g_new0 (KithdContact, 1);

    contact->user = user_from_row (stmt);
    contact->state = sqlite3_column_int (stmt, 8);
    g_ptr_array_add (contacts, contact);
  }

  if (rc != SQLITE_DONE)
    return NULL;

  return g_steal_pointer (&contacts);
}

static GArray *
kithd_store_sqlite_contact_accepted_ids (KithdStore  *store,
                                         gint64       user,
                                         GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  stmt = prepare (self,
                  "SELECT other_id FROM contacts WHERE user_id = ?1 AND state = 0 ORDER BY other_id",
                  error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, user);

  while ((rc = step (self, stmt, error)) == SQLITE_ROW) {
    gint64 id = sqlite3_column_int64 (stmt, 0);

    g_array_append_val (ids, id);
  }

  if (rc != SQLITE_DONE)
    return NULL;

  return g_steal_pointer (&ids);
}

static gboolean
kithd_store_sqlite_contact_is_accepted (KithdStore  *store,
                                        gint64       a,
                                        gint64       b,
                                        GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  KithContactState state = KITH_CONTACT_INCOMING;
  gboolean found = FALSE;

  if (!contact_state (self, a, b, &found, &state, error))
    return FALSE;

  return found && state == KITH_CONTACT_ACCEPTED;
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

static gboolean
kithd_store_sqlite_notice_touch (KithdStore  *store,
                                 gint64       user,
                                 gint64       sender,
                                 gint64       now,
                                 gboolean    *opened,
                                 GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  gboolean is_new;
  int rc;

  if (!begin (self, error))
    return FALSE;

  {
    g_autoptr (Stmt) insert = prepare (self,
                                       "INSERT OR IGNORE INTO offline_notices (user_id, sender_id, opened_at, last_at) "
                                       "VALUES (?1, ?2, ?3, ?3)", error);

    if (insert == NULL)
      goto fail;

    sqlite3_bind_int64 (insert, 1, user);
    sqlite3_bind_int64 (insert, 2, sender);
    sqlite3_bind_int64 (insert, 3, now);

    rc = sqlite3_step (insert);
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
      not_found (error, "No such user");
      goto fail;
    } else if (rc != SQLITE_DONE) {
      set_db_error (self, error);
      goto fail;
    }

    is_new = sqlite3_changes (self->db) > 0;
  }

  if (!is_new) {
    g_autoptr (Stmt) update = prepare (self,
                                       "UPDATE offline_notices SET last_at = ?3 "
                                       "WHERE user_id = ?1 AND sender_id = ?2", error);

    if (update == NULL)
      goto fail;

    sqlite3_bind_int64 (update, 1, user);
    sqlite3_bind_int64 (update, 2, sender);
    sqlite3_bind_int64 (update, 3, now);

    if (!run (self, update, error))
      goto fail;
  }

  if (!commit (self, error))
    goto fail;

  if (opened != NULL)
    *opened = is_new;

  return TRUE;

fail:
  rollback (self);
  return FALSE;
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

/* ---- mail queue ---- */

static gint64
kithd_store_sqlite_mail_enqueue (KithdStore  *store,
                                 gint64       to_user_id,
                                 const char  *to_address,
                                 const char  *subject,
                                 const char  *body,
                                 gint64       now,
                                 GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;
  int rc;

  stmt = prepare (self,
                  "INSERT INTO mail_queue (to_user_id, to_address, subject, body, created_at) "
                  "VALUES (?1, ?2, ?3, ?4, ?5)", error);
  if (stmt == NULL)
    return 0;

  if (to_user_id > 0)
    sqlite3_bind_int64 (stmt, 1, to_user_id);
  else
    sqlite3_bind_null (stmt, 1);
  bind_text (stmt, 2, to_address);
  bind_text (stmt, 3, subject);
  bind_text (stmt, 4, body);
  sqlite3_bind_int64 (stmt, 5, now);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
    not_found (error, "No such user");
    return 0;
  } else if (rc != SQLITE_DONE) {
    set_db_error (self, error);
    return 0;
  }

  return sqlite3_last_insert_rowid (self->db);
}

static GPtrArray *
kithd_store_sqlite_mail_pending (KithdStore  *store,
                                 guint        limit,
                                 GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;
  g_autoptr (GPtrArray) mails = g_ptr_array_new_with_free_func ((GDestroyNotify) kithd_mail_free);
  int rc;

  stmt = prepare (self,
                  "SELECT id, coalesce (to_user_id, 0), to_address, subject, body, created_at "
                  "FROM mail_queue ORDER BY id LIMIT ?1", error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, sql_limit (limit));

  while ((rc = step (self, stmt, error)) == SQLITE_ROW) {
    KithdMail *mail = g_new0 (KithdMail, 1);

    mail->id = sqlite3_column_int64 (stmt, 0);
    mail->to_user_id = sqlite3_column_int64 (stmt, 1);
    mail->to_address = column_dup (stmt, 2);
    mail->subject = column_dup (stmt, 3);
    mail->body = column_dup (stmt, 4);
    mail->created_at = sqlite3_column_int64 (stmt, 5);
    g_ptr_array_add (mails, mail);
  }

  if (rc != SQLITE_DONE)
    return NULL;

  return g_steal_pointer (&mails);
}

static gboolean
kithd_store_sqlite_mail_delivered (KithdStore  *store,
                                   gint64       mail_id,
                                   GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;

  /* Delivered mail is dropped, not flagged: it may carry a reset link. */
  stmt = prepare (self, "DELETE FROM mail_queue WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, mail_id);

  return run_changed (self, stmt, "No such mail", error);
}

/* ---- opening and migrating ---- */

static gboolean
exec_script (KithdStoreSqlite  *self,
             const char        *sql,
             GError           **error)
{
  char *message = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &message) != SQLITE_OK) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_INTERNAL,
                 "Database error: %s", message ? message : sqlite3_errmsg (self->db));
    sqlite3_free (message);
    return FALSE;
  }

  return TRUE;
}

static int
read_user_version (KithdStoreSqlite  *self,
                   GError           **error)
{
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK) {
    set_db_error (self, error);
    return -1;
  }

  if (sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  else
    set_db_error (self, error);

  sqlite3_finalize (stmt);
  return version;
}

static gboolean
migrate (KithdStoreSqlite  *self,
         int                max_version,
         GError           **error)
{
  int latest = G_N_ELEMENTS (migrations);
  int version = read_user_version (self, error);

  if (version < 0)
    return FALSE;

  if (version > latest) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_INTERNAL,
                 "The database is at schema version %d, newer than this kithd knows (%d); "
                 "run a newer kithd", version, latest);
    return FALSE;
  }

  if (max_version < 0 || max_version > latest)
    max_version = latest;

  while (version < max_version) {
    g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %d", version + 1);

    g_debug ("Migrating the database to schema version %d", version + 1);

    if (!exec_script (self, "BEGIN IMMEDIATE", error))
      return FALSE;

    if (!exec_script (self, migrations[version], error) ||
        !exec_script (self, set_version, error) ||
        !exec_script (self, "COMMIT", error)) {
      exec_script (self, "ROLLBACK", NULL);
      return FALSE;
    }

    version++;
  }

  self->schema_version = version;
  return TRUE;
}

static gboolean
kithd_store_sqlite_open (KithdStoreSqlite  *self,
                         const char        *path,
                         int                max_version,
                         GError           **error)
{
  int rc;

  kith_make_database_private (path);

  /* NOMUTEX: one thread at a time uses the connection (the db worker) */
  rc = sqlite3_open_v2 (path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_INTERNAL,
                 "Cannot open the database %s: %s", path,
                 self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
    return FALSE;
  }

  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, 5000);

  if (!exec_script (self,
                    "PRAGMA journal_mode = WAL;"
                    "PRAGMA synchronous = NORMAL;"
                    "PRAGMA foreign_keys = ON;"
                    "PRAGMA temp_store = MEMORY;",
                    error))
    return FALSE;

  return migrate (self, max_version, error);
}

/* ---- GObject ---- */

static void
kithd_store_sqlite_finalize (GObject *object)
{
  KithdStoreSqlite *self = (KithdStoreSqlite *) object;

  g_clear_pointer (&self->stmts, g_hash_table_unref);
  if (self->db != NULL) {
    sqlite3_close (self->db);
    self->db = NULL;
  }

  G_OBJECT_CLASS (kithd_store_sqlite_parent_class)->finalize (object);
}

static void
kithd_store_sqlite_class_init (KithdStoreSqliteClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = kithd_store_sqlite_finalize;
}

static void
kithd_store_sqlite_iface_init (KithdStoreInterface *iface)
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
  iface->contact_request = kithd_store_sqlite_contact_request;
  iface->contact_accept = kithd_store_sqlite_contact_accept;
  iface->contact_remove = kithd_store_sqlite_contact_remove;
  iface->contact_list = kithd_store_sqlite_contact_list;
  iface->contact_accepted_ids = kithd_store_sqlite_contact_accepted_ids;
  iface->contact_is_accepted = kithd_store_sqlite_contact_is_accepted;
  iface->message_insert = kithd_store_sqlite_message_insert;
  iface->message_list_after = kithd_store_sqlite_message_list_after;
  iface->message_history = kithd_store_sqlite_message_history;
  iface->message_last_seq = kithd_store_sqlite_message_last_seq;
  iface->notice_touch = kithd_store_sqlite_notice_touch;
  iface->notice_clear = kithd_store_sqlite_notice_clear;
  iface->mail_enqueue = kithd_store_sqlite_mail_enqueue;
  iface->mail_pending = kithd_store_sqlite_mail_pending;
  iface->mail_delivered = kithd_store_sqlite_mail_delivered;
}

static void
kithd_store_sqlite_init (KithdStoreSqlite *self)
{
  self->stmts = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                       (GDestroyNotify) sqlite3_finalize);
}

KithdStoreSqlite *
kithd_store_sqlite_new_full (const char  *path,
                             int          max_version,
                             GError     **error)
{
  g_autoptr (KithdStoreSqlite) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (KITHD_TYPE_STORE_SQLITE, NULL);
  if (!kithd_store_sqlite_open (self, path, max_version, error))
    return NULL;

  return g_steal_pointer (&self);
}

KithdStoreSqlite *
kithd_store_sqlite_new (const char  *path,
                        GError     **error)
{
  return kithd_store_sqlite_new_full (path, -1, error);
}

int
kithd_store_sqlite_get_schema_version (KithdStoreSqlite *self)
{
  g_return_val_if_fail (KITHD_IS_STORE_SQLITE (self), 0);

  return self->schema_version;
}

int
kithd_store_sqlite_get_latest_version (void)
{
  return G_N_ELEMENTS (migrations);
}

gboolean
kithd_store_sqlite_set_synchronous_full (KithdStoreSqlite  *self,
                                         gboolean           full,
                                         GError           **error)
{
  g_return_val_if_fail (KITHD_IS_STORE_SQLITE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return exec_script (self, full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", error);
}
