/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdStoreSqlite"

#include "config.h"

#include "kithd-store-sqlite-private.h"

/* The sqlite store's mail queue: what the mailer has yet to deliver. */

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

  if (!run_insert (self, stmt, error))
    return 0;

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

void
kithd_store_sqlite_mail_init (KithdStoreInterface *iface)
{
  iface->mail_enqueue = kithd_store_sqlite_mail_enqueue;
  iface->mail_pending = kithd_store_sqlite_mail_pending;
  iface->mail_delivered = kithd_store_sqlite_mail_delivered;
}
