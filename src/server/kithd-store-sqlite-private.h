/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <sqlite3.h>

#include "kithd-store-sqlite.h"

G_BEGIN_DECLS

/*
 * Inside KithdStoreSqlite, split per domain over this header:
 * kithd-store-sqlite.c (the object, opening, the migrations of
 * migrations/NNNN-*.sql), -accounts.c (users, sessions, reset links),
 * -contacts.c, -messages.c (messages, offline notices), -mail.c (the
 * mail queue) and -web.c (the web pages' sessions, a reset link's
 * check). Each domain fills its part of the KithdStoreInterface; the
 * statement helpers below are shared.
 *
 * Every statement is prepared once (SQLITE_PREPARE_PERSISTENT), kept in
 * self->stmts keyed by its SQL text's address, and reset and unbound after
 * each use (the Stmt autoptr). Changes that take more than one statement
 * run in one BEGIN IMMEDIATE … COMMIT transaction.
 */

struct _KithdStoreSqlite
{
  GObject     parent_instance;

  sqlite3    *db;
  GHashTable *stmts;          /* const char *sql -> sqlite3_stmt */
  int         schema_version;
};

void kithd_store_sqlite_accounts_init (KithdStoreInterface *iface);
void kithd_store_sqlite_contacts_init (KithdStoreInterface *iface);
void kithd_store_sqlite_messages_init (KithdStoreInterface *iface);
void kithd_store_sqlite_mail_init     (KithdStoreInterface *iface);
void kithd_store_sqlite_web_init      (KithdStoreInterface *iface);

/* ---- statements ---- */

typedef sqlite3_stmt Stmt;

static inline void
stmt_release (Stmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Stmt, stmt_release)

static inline void
set_db_error (KithdStoreSqlite  *self,
              GError           **error)
{
  g_set_error (error, KITH_ERROR, KITH_ERROR_INTERNAL,
               "Database error: %s", sqlite3_errmsg (self->db));
}

/* The cached statement for @sql, which must be a string literal (it is
 * keyed by address). Use with g_autoptr (Stmt) so it is reset after use. */
static inline Stmt *
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
static inline int
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
static inline gboolean
run (KithdStoreSqlite  *self,
     Stmt              *stmt,
     GError           **error)
{
  return step (self, stmt, error) == SQLITE_DONE;
}

static inline gboolean
exec (KithdStoreSqlite  *self,
      const char        *sql,
      GError           **error)
{
  g_autoptr (Stmt) stmt = prepare (self, sql, error);

  if (stmt == NULL)
    return FALSE;

  return step (self, stmt, error) == SQLITE_DONE;
}

static inline gboolean
begin (KithdStoreSqlite  *self,
       GError           **error)
{
  return exec (self, "BEGIN IMMEDIATE", error);
}

static inline gboolean
commit (KithdStoreSqlite  *self,
        GError           **error)
{
  return exec (self, "COMMIT", error);
}

static inline void
rollback (KithdStoreSqlite *self)
{
  if (!sqlite3_get_autocommit (self->db))
    exec (self, "ROLLBACK", NULL);
}

/* Ends the transaction begin () opened: COMMIT when @ok, else (and when
 * COMMIT fails) ROLLBACK. TRUE when the change was committed. */
static inline gboolean
end_transaction (KithdStoreSqlite  *self,
                 gboolean           ok,
                 GError           **error)
{
  if (ok && commit (self, error))
    return TRUE;

  rollback (self);
  return FALSE;
}

static inline void
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

static inline char *
column_dup (Stmt *stmt,
            int   column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

#define USER_COLUMNS "id, email, first_name, last_name, password_hash, offline_email_notification, plan, created_at"

static inline KithdUser *
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

/* 0 means "no limit" for the list calls (sqlite: LIMIT -1). */
static inline gint64
sql_limit (guint limit)
{
  return limit == 0 ? -1 : (gint64) limit;
}

static inline gboolean
not_found (GError     **error,
           const char  *what)
{
  g_set_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND, "%s", what);
  return FALSE;
}

/* Runs an INSERT whose foreign keys name users: NOT_FOUND ("No such
 * user") when one of them is not there. */
static inline gboolean
run_insert (KithdStoreSqlite  *self,
            Stmt              *stmt,
            GError           **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
    return not_found (error, "No such user");
  if (rc != SQLITE_DONE) {
    set_db_error (self, error);
    return FALSE;
  }
  return TRUE;
}

/* For UPDATE/DELETE by key: NOT_FOUND when no row changed. */
static inline gboolean
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

G_END_DECLS
