/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Each sqlite operation, run on the store's one worker thread (op_*, and
 * the write_* parts that op_write () runs in a transaction), sits in the
 * same file as the _async call that queues it. The open, the migrations
 * and the damaged-file recovery are in kith-message-store-open.c.
 */
#define G_LOG_DOMAIN "KithMessageStore"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "kith-message-store-private.h"

enum {
  PROP_0,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithMessageStore, kith_message_store, G_TYPE_OBJECT)

static void
op_free (gpointer data)
{
  Op *op = data;

  g_clear_pointer (&op->items, g_ptr_array_unref);
  g_clear_pointer (&op->counts, g_array_unref);
  g_clear_pointer (&op->message, kith_message_info_free);
  g_free (op->id);
  g_free (op);
}

static gboolean op_close (KithMessageStore *self, GTask *task, gpointer data, GError **error);

gboolean
kith_store_sqlite_error (sqlite3  *db,
                         GError  **error,
                         const char *what)
{
  g_debug ("%s: %s", what, db ? sqlite3_errmsg (db) : "no database");
  g_set_error (error, KITH_ERROR, KITH_ERROR_STORAGE,
               "The local message store cannot be used (%s).", what);
  return FALSE;
}

gboolean
kith_store_exec (sqlite3     *db,
                 const char  *sql,
                 GError     **error)
{
  char *errmsg = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &errmsg) != SQLITE_OK) {
    g_debug ("sqlite: %s", errmsg ? errmsg : "?");
    sqlite3_free (errmsg);
    return kith_store_sqlite_error (db, error, "query failed");
  }
  return TRUE;
}

sqlite3_stmt *
kith_store_prepare (sqlite3     *db,
                    const char  *sql,
                    GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK) {
    kith_store_sqlite_error (db, error, "bad query");
    return NULL;
  }
  return stmt;
}


KithMessageInfo *
kith_store_message_from_row (sqlite3_stmt *stmt)
{
  KithMessageInfo *m = kith_message_info_new ();

  m->id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  m->from = sqlite3_column_int64 (stmt, 1);
  m->to = sqlite3_column_int64 (stmt, 2);
  m->seq = sqlite3_column_int64 (stmt, 3);
  m->body = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
  m->sent_at = sqlite3_column_int64 (stmt, 5);
  /* A history row (the outbox has no kind): kind, call_video,
   * call_outcome, call_duration. */
  if (sqlite3_column_count (stmt) >= 10 && sqlite3_column_type (stmt, 6) != SQLITE_NULL) {
    m->kind = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
    if (sqlite3_column_type (stmt, 8) != SQLITE_NULL) {
      m->call = kith_call_info_new ();
      m->call->video = sqlite3_column_int (stmt, 7) != 0;
      m->call->outcome = g_strdup ((const char *) sqlite3_column_text (stmt, 8));
      m->call->duration = sqlite3_column_int64 (stmt, 9);
    }
  }
  return m;
}

static void
worker_func (gpointer data,
             gpointer user_data)
{
  GTask *task = data;
  KithMessageStore *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  if (g_task_return_error_if_cancelled (task)) {
    g_object_unref (task);
    return;
  }
  if (self->db == NULL && op->func != kith_store_op_open && op->func != op_close) {
    g_task_return_new_error (task, KITH_ERROR, KITH_ERROR_STORAGE,
                             "The local message store is not open.");
  } else if (!op->func (self, task, op, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
  }
  g_object_unref (task);
}

static void
close_db_func (gpointer data,
               gpointer user_data)
{
  sqlite3_close (data);
}

static void
queue_op (KithMessageStore    *self,
          Op                  *op,
          gpointer             source_tag,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, op, op_free);
  g_thread_pool_push (self->worker, task, NULL);
}

/* ---- operations (worker thread) ---- */

/* The op of every write_* part: it runs op->write in one transaction,
 * committed when it succeeds and rolled back when it fails. */
static gboolean
op_write (KithMessageStore  *self,
          GTask             *task,
          gpointer           data,
          GError           **error)
{
  Op *op = data;

  if (!kith_store_exec (self->db, "BEGIN IMMEDIATE;", error))
    return FALSE;
  if (!op->write (self, op, error) || !kith_store_exec (self->db, "COMMIT;", error)) {
    kith_store_exec (self->db, "ROLLBACK;", NULL);
    return FALSE;
  }
  g_task_return_boolean (task, TRUE);
  return TRUE;
}

/* Makes a list's item of the row @stmt stands on. */
typedef gpointer (*RowFunc) (sqlite3_stmt *stmt);

/* What the reading ops share: steps @stmt to its end, each row made into an
 * item by @from_row and added at the end of a list (at its start if
 * @prepend), which @task returns. */
static gboolean
return_rows (KithMessageStore  *self,
             GTask             *task,
             sqlite3_stmt      *stmt,
             RowFunc            from_row,
             GDestroyNotify     free_func,
             gboolean           prepend,
             const char        *what,
             GError           **error)
{
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (free_func);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    if (prepend)
      g_ptr_array_insert (list, 0, from_row (stmt));
    else
      g_ptr_array_add (list, from_row (stmt));
  }
  if (rc != SQLITE_DONE)
    return kith_store_sqlite_error (self->db, error, what);
  g_task_return_pointer (task, g_steal_pointer (&list), (GDestroyNotify) g_ptr_array_unref);
  return TRUE;
}

static gboolean
save_message (sqlite3                *db,
              const KithMessageInfo  *m,
              GError                **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = kith_store_prepare (db,
                             "INSERT INTO messages (id, sender, recipient, seq, body, sent_at, "
                             "kind, call_video, call_outcome, call_duration) "
                             "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                             "ON CONFLICT (sender, id) DO UPDATE SET seq = excluded.seq, "
                             "sent_at = excluded.sent_at WHERE excluded.seq > 0", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, m->id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, m->from);
  sqlite3_bind_int64 (stmt, 3, m->to);
  sqlite3_bind_int64 (stmt, 4, m->seq);
  sqlite3_bind_text (stmt, 5, m->body ? m->body : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 6, m->sent_at);
  if (m->kind != NULL)
    sqlite3_bind_text (stmt, 7, m->kind, -1, SQLITE_TRANSIENT);
  if (m->call != NULL) {
    sqlite3_bind_int (stmt, 8, m->call->video ? 1 : 0);
    sqlite3_bind_text (stmt, 9, m->call->outcome ? m->call->outcome : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64 (stmt, 10, m->call->duration);
  } else {
    sqlite3_bind_int (stmt, 8, 0);
    sqlite3_bind_int64 (stmt, 10, 0);
  }
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return kith_store_sqlite_error (db, error, "cannot save a message");
  return TRUE;
}

static gboolean
save_last_seq (sqlite3  *db,
               gint64    seq,
               GError  **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = kith_store_prepare (db,
                             "INSERT INTO state (key, value) VALUES ('last_seq', ?1) "
                             "ON CONFLICT (key) DO UPDATE SET value = MAX (value, excluded.value)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return kith_store_sqlite_error (db, error, "cannot save the last seq");
  return TRUE;
}

/* The writing ops' part, run by op_write () in one transaction. */
static gboolean
write_messages (KithMessageStore  *self,
                Op                *op,
                GError           **error)
{
  for (guint i = 0; op->items && i < op->items->len; i++) {
    if (!save_message (self->db, g_ptr_array_index (op->items, i), error))
      return FALSE;
  }
  return op->a <= 0 || save_last_seq (self->db, op->a, error);
}

static gboolean
op_outbox_add (KithMessageStore  *self,
               GTask             *task,
               gpointer           data,
               GError           **error)
{
  Op *op = data;
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = kith_store_prepare (self->db,
                             "INSERT OR IGNORE INTO outbox (id, sender, recipient, body, created_at) "
                             "VALUES (?1, ?2, ?3, ?4, ?5)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, op->message->id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, op->message->from);
  sqlite3_bind_int64 (stmt, 3, op->message->to);
  sqlite3_bind_text (stmt, 4, op->message->body ? op->message->body : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, op->message->sent_at);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return kith_store_sqlite_error (self->db, error, "cannot add to the outbox");
  g_task_return_boolean (task, TRUE);
  return TRUE;
}

static gboolean
write_outbox_ack (KithMessageStore  *self,
                  Op                *op,
                  GError           **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = kith_store_prepare (self->db, "SELECT sender, recipient, body FROM outbox WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, op->id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW) {
    g_autoptr (KithMessageInfo) m = kith_message_info_new ();

    m->id = g_strdup (op->id);
    m->from = sqlite3_column_int64 (stmt, 0);
    m->to = sqlite3_column_int64 (stmt, 1);
    m->body = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
    m->seq = op->a;
    m->sent_at = op->b;
    if (!save_message (self->db, m, error))
      return FALSE;
  }
  g_clear_pointer (&stmt, sqlite3_finalize);

  stmt = kith_store_prepare (self->db, "DELETE FROM outbox WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, op->id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return kith_store_sqlite_error (self->db, error, "cannot remove from the outbox");
  return TRUE;
}

static gboolean
op_outbox_list (KithMessageStore  *self,
                GTask             *task,
                gpointer           data,
                GError           **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = kith_store_prepare (self->db,
                             "SELECT id, sender, recipient, 0, body, created_at FROM outbox ORDER BY ordinal",
                             error);
  return stmt != NULL &&
         return_rows (self, task, stmt, (RowFunc) kith_store_message_from_row,
                      (GDestroyNotify) kith_message_info_free, FALSE, "cannot read the outbox", error);
}

static gboolean
op_load_messages (KithMessageStore  *self,
                  GTask             *task,
                  gpointer           data,
                  GError           **error)
{
  Op *op = data;
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = kith_store_prepare (self->db,
                             "SELECT id, sender, recipient, seq, body, sent_at, "
                             "kind, call_video, call_outcome, call_duration FROM messages "
                             "WHERE ((sender = ?1 AND recipient = ?2) OR (sender = ?2 AND recipient = ?1)) "
                             "AND seq > 0 AND (?3 <= 0 OR seq < ?3) ORDER BY seq DESC LIMIT ?4", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, op->a);
  sqlite3_bind_int64 (stmt, 2, op->b);
  sqlite3_bind_int64 (stmt, 3, op->c);
  sqlite3_bind_int (stmt, 4, op->limit ? op->limit : 50);
  return return_rows (self, task, stmt, (RowFunc) kith_store_message_from_row,
                      (GDestroyNotify) kith_message_info_free, TRUE, "cannot read messages", error);
}

static gboolean
write_contacts (KithMessageStore  *self,
                Op                *op,
                GError           **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (!kith_store_exec (self->db, "DELETE FROM contacts;", error))
    return FALSE;
  stmt = kith_store_prepare (self->db,
                             "INSERT OR REPLACE INTO contacts (user_id, email, first_name, last_name, state) "
                             "VALUES (?1, ?2, ?3, ?4, ?5)", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; op->items && i < op->items->len; i++) {
    const KithContactInfo *c = g_ptr_array_index (op->items, i);

    if (c->user == NULL)
      continue;
    sqlite3_reset (stmt);
    sqlite3_bind_int64 (stmt, 1, c->user->id);
    sqlite3_bind_text (stmt, 2, c->user->email ? c->user->email : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (stmt, 3, c->user->first_name ? c->user->first_name : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (stmt, 4, c->user->last_name ? c->user->last_name : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (stmt, 5, kith_contact_state_to_string (c->state), -1, SQLITE_STATIC);
    if (sqlite3_step (stmt) != SQLITE_DONE)
      return kith_store_sqlite_error (self->db, error, "cannot save contacts");
  }
  return TRUE;
}


/* user_id, email, first_name, last_name, state */
static KithContactInfo *
contact_from_row (sqlite3_stmt *stmt)
{
  KithContactInfo *c = kith_contact_info_new ();

  c->user = kith_user_info_new ();
  c->user->id = sqlite3_column_int64 (stmt, 0);
  c->user->email = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  c->user->first_name = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  c->user->last_name = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  kith_contact_state_from_string ((const char *) sqlite3_column_text (stmt, 4), &c->state);
  c->presence = KITH_PRESENCE_OFFLINE;
  return c;
}

static gboolean
op_load_contacts (KithMessageStore  *self,
                  GTask             *task,
                  gpointer           data,
                  GError           **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = kith_store_prepare (self->db,
                             "SELECT user_id, email, first_name, last_name, state FROM contacts "
                             "ORDER BY user_id", error);
  return stmt != NULL &&
         return_rows (self, task, stmt, (RowFunc) contact_from_row,
                      (GDestroyNotify) kith_contact_info_free, FALSE, "cannot read contacts", error);
}

static gboolean
write_unread (KithMessageStore  *self,
              Op                *op,
              GError           **error)
{
  g_autoptr (sqlite3_stmt) set = NULL;
  g_autoptr (sqlite3_stmt) drop = NULL;

  set = kith_store_prepare (self->db,
                            "INSERT OR REPLACE INTO unread (peer_id, count) VALUES (?1, ?2)", error);
  drop = set != NULL ? kith_store_prepare (self->db, "DELETE FROM unread WHERE peer_id = ?1", error) : NULL;
  if (drop == NULL)
    return FALSE;
  for (guint i = 0; i < op->counts->len; i++) {
    const KithUnreadCount *c = &g_array_index (op->counts, KithUnreadCount, i);
    sqlite3_stmt *stmt = c->count > 0 ? set : drop;

    sqlite3_reset (stmt);
    sqlite3_bind_int64 (stmt, 1, c->peer_id);
    if (c->count > 0)
      sqlite3_bind_int64 (stmt, 2, c->count);
    if (sqlite3_step (stmt) != SQLITE_DONE)
      return kith_store_sqlite_error (self->db, error, "cannot save the unread counts");
  }
  return TRUE;
}

static gboolean
op_load_unread (KithMessageStore  *self,
                GTask             *task,
                gpointer           data,
                GError           **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GArray) counts = g_array_new (FALSE, FALSE, sizeof (KithUnreadCount));
  int rc;

  stmt = kith_store_prepare (self->db, "SELECT peer_id, count FROM unread WHERE count > 0", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    KithUnreadCount c = {
      .peer_id = sqlite3_column_int64 (stmt, 0),
      .count = (guint) CLAMP (sqlite3_column_int64 (stmt, 1), 0, G_MAXUINT),
    };

    g_array_append_val (counts, c);
  }
  if (rc != SQLITE_DONE)
    return kith_store_sqlite_error (self->db, error, "cannot read the unread counts");
  g_task_return_pointer (task, g_steal_pointer (&counts), (GDestroyNotify) g_array_unref);
  return TRUE;
}

static gboolean
op_get_last_seq (KithMessageStore  *self,
                 GTask             *task,
                 gpointer           data,
                 GError           **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gint64 seq = 0;
  int rc;

  stmt = kith_store_prepare (self->db, "SELECT value FROM state WHERE key = 'last_seq'", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    seq = sqlite3_column_int64 (stmt, 0);
  else if (rc != SQLITE_DONE)
    return kith_store_sqlite_error (self->db, error, "cannot read the last seq");
  g_task_return_int (task, seq);
  return TRUE;
}

static gboolean
op_close (KithMessageStore  *self,
          GTask             *task,
          gpointer           data,
          GError           **error)
{
  g_clear_pointer (&self->db, sqlite3_close);
  g_task_return_boolean (task, TRUE);
  return TRUE;
}

/* ---- GObject ---- */

static void
kith_message_store_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  KithMessageStore *self = KITH_MESSAGE_STORE (object);

  switch (prop_id) {
  case PROP_PATH:
    g_value_set_string (value, self->path);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_message_store_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  KithMessageStore *self = KITH_MESSAGE_STORE (object);

  switch (prop_id) {
  case PROP_PATH:
    self->path = g_value_dup_string (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_message_store_finalize (GObject *object)
{
  KithMessageStore *self = KITH_MESSAGE_STORE (object);

  /* No task is pending (each holds a reference); this may even run on the
   * worker thread itself, so close the database there and never wait. */
  if (self->db != NULL) {
    GThreadPool *closer = g_thread_pool_new (close_db_func, NULL, 1, FALSE, NULL);

    g_thread_pool_push (closer, g_steal_pointer (&self->db), NULL);
    g_thread_pool_free (closer, FALSE, FALSE);
  }
  g_thread_pool_free (self->worker, FALSE, FALSE);
  g_free (self->path);
  g_free (self->aside);

  G_OBJECT_CLASS (kith_message_store_parent_class)->finalize (object);
}

static void
kith_message_store_class_init (KithMessageStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = kith_message_store_get_property;
  object_class->set_property = kith_message_store_set_property;
  object_class->finalize = kith_message_store_finalize;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kith_message_store_init (KithMessageStore *self)
{
  self->worker = g_thread_pool_new (worker_func, self, 1, FALSE, NULL);
}

KithMessageStore *
kith_message_store_new (const char *path)
{
  g_return_val_if_fail (path != NULL, NULL);

  return g_object_new (KITH_TYPE_MESSAGE_STORE, "path", path, NULL);
}

const char *
kith_message_store_get_path (KithMessageStore *self)
{
  g_return_val_if_fail (KITH_IS_MESSAGE_STORE (self), NULL);
  return self->path;
}

const char *
kith_message_store_get_damaged_path (KithMessageStore *self,
                                     guint            *salvaged)
{
  g_return_val_if_fail (KITH_IS_MESSAGE_STORE (self), NULL);
  if (salvaged != NULL)
    *salvaged = self->salvaged;
  return self->aside;
}

static Op *
op_new (OpFunc func)
{
  Op *op = g_new0 (Op, 1);

  op->func = func;
  return op;
}

static Op *
op_new_write (WriteFunc write)
{
  Op *op = op_new (op_write);

  op->write = write;
  return op;
}

void
kith_message_store_open_async (KithMessageStore    *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (KITH_IS_MESSAGE_STORE (self));
  queue_op (self, op_new (kith_store_op_open), kith_message_store_open_async,
            cancellable, callback, user_data);
}

gboolean
kith_message_store_finish (KithMessageStore  *self,
                           GAsyncResult      *result,
                           GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static GPtrArray *
copy_messages (GPtrArray *messages)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_message_info_free);

  for (guint i = 0; messages && i < messages->len; i++)
    g_ptr_array_add (copy, kith_message_info_copy (g_ptr_array_index (messages, i)));
  return copy;
}

void
kith_message_store_save_messages_async (KithMessageStore    *self,
                                        GPtrArray           *messages,
                                        gint64               last_seq,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  Op *op = op_new_write (write_messages);

  g_return_if_fail (KITH_IS_MESSAGE_STORE (self));

  op->items = copy_messages (messages);
  op->a = last_seq;
  queue_op (self, op, kith_message_store_save_messages_async, cancellable, callback, user_data);
}

void
kith_message_store_outbox_add_async (KithMessageStore      *self,
                                     const KithMessageInfo *message,
                                     GCancellable          *cancellable,
                                     GAsyncReadyCallback    callback,
                                     gpointer               user_data)
{
  Op *op = op_new (op_outbox_add);

  g_return_if_fail (KITH_IS_MESSAGE_STORE (self));
  g_return_if_fail (message != NULL && message->id != NULL);

  op->message = kith_message_info_copy (message);
  queue_op (self, op, kith_message_store_outbox_add_async, cancellable, callback, user_data);
}

void
kith_message_store_outbox_ack_async (KithMessageStore    *self,
                                     const char          *id,
                                     gint64               seq,
                                     gint64               sent_at,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  Op *op = op_new_write (write_outbox_ack);

  g_return_if_fail (KITH_IS_MESSAGE_STORE (self));
  g_return_if_fail (id != NULL);

  op->id = g_strdup (id);
  op->a = seq;
  op->b = sent_at;
  queue_op (self, op, kith_message_store_outbox_ack_async, cancellable, callback, user_data);
}

void
kith_message_store_outbox_list_async (KithMessageStore    *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (KITH_IS_MESSAGE_STORE (self));
  queue_op (self, op_new (op_outbox_list), kith_message_store_outbox_list_async,
            cancellable, callback, user_data);
}

void
kith_message_store_load_messages_async (KithMessageStore    *self,
                                        gint64               self_id,
                                        gint64               peer_id,
                                        gint64               before,
                                        guint                limit,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  Op *op = op_new (op_load_messages);

  g_return_if_fail (KITH_IS_MESSAGE_STORE (self));

  op->a = self_id;
  op->b = peer_id;
  op->c = before;
  op->limit = limit;
  queue_op (self, op, kith_message_store_load_messages_async, cancellable, callback, user_data);
}

GPtrArray *
kith_message_store_messages_finish (KithMessageStore  *self,
                                    GAsyncResult      *result,
                                    GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
kith_message_store_save_contacts_async (KithMessageStore    *self,
                                        GPtrArray           *contacts,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  Op *op = op_new_write (write_contacts);

  g_return_if_fail (KITH_IS_MESSAGE_STORE (self));

  op->items = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_contact_info_free);
  for (guint i = 0; contacts && i < contacts->len; i++) {
    const KithContactInfo *c = g_ptr_array_index (contacts, i);
    KithContactInfo *copy = kith_contact_info_new ();

    copy->user = c->user ? kith_user_info_copy (c->user) : NULL;
    copy->state = c->state;
    copy->presence = c->presence;
    g_ptr_array_add (op->items, copy);
  }
  queue_op (self, op, kith_message_store_save_contacts_async, cancellable, callback, user_data);
}

void
kith_message_store_load_contacts_async (KithMessageStore    *self,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_return_if_fail (KITH_IS_MESSAGE_STORE (self));
  queue_op (self, op_new (op_load_contacts), kith_message_store_load_contacts_async,
            cancellable, callback, user_data);
}

GPtrArray *
kith_message_store_contacts_finish (KithMessageStore  *self,
                                    GAsyncResult      *result,
                                    GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
kith_message_store_save_unread_async (KithMessageStore      *self,
                                      const KithUnreadCount *counts,
                                      guint                  n_counts,
                                      GCancellable          *cancellable,
                                      GAsyncReadyCallback    callback,
                                      gpointer               user_data)
{
  Op *op = op_new_write (write_unread);

  g_return_if_fail (KITH_IS_MESSAGE_STORE (self));
  g_return_if_fail (counts != NULL || n_counts == 0);

  op->counts = g_array_sized_new (FALSE, FALSE, sizeof (KithUnreadCount), n_counts);
  g_array_append_vals (op->counts, counts, n_counts);
  queue_op (self, op, kith_message_store_save_unread_async, cancellable, callback, user_data);
}

void
kith_message_store_load_unread_async (KithMessageStore    *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (KITH_IS_MESSAGE_STORE (self));
  queue_op (self, op_new (op_load_unread), kith_message_store_load_unread_async,
            cancellable, callback, user_data);
}

GArray *
kith_message_store_unread_finish (KithMessageStore  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
kith_message_store_get_last_seq_async (KithMessageStore    *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_return_if_fail (KITH_IS_MESSAGE_STORE (self));
  queue_op (self, op_new (op_get_last_seq), kith_message_store_get_last_seq_async,
            cancellable, callback, user_data);
}

gint64
kith_message_store_get_last_seq_finish (KithMessageStore  *self,
                                        GAsyncResult      *result,
                                        GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  return g_task_propagate_int (G_TASK (result), error);
}

void
kith_message_store_close_async (KithMessageStore    *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (KITH_IS_MESSAGE_STORE (self));
  queue_op (self, op_new (op_close), kith_message_store_close_async,
            cancellable, callback, user_data);
}
