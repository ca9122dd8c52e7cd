/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A little over 1,000 lines on purpose: each sqlite operation, run on the
 * store's one worker thread (op_*), sits in the same file as the _async
 * call that queues it, and the struct both touch stays private to it. If
 * it grows, the open and the damaged-file recovery (open_database ()
 * to op_open ()) are the part to move out, over a private header.
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

#include "kith-message-store.h"
#include "kith-private-file.h"

struct _KithMessageStore
{
  GObject      parent_instance;

  char        *path;
  GThreadPool *worker;   /* one thread: every sqlite call, in order */
  sqlite3     *db;       /* touched only on the worker thread */
  char        *aside;    /* where a damaged file was moved (set by the open) */
  guint        salvaged; /* outbox entries read back from it */
};

enum {
  PROP_0,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithMessageStore, kith_message_store, G_TYPE_OBJECT)

typedef gboolean (*OpFunc) (KithMessageStore *self,
                            GTask            *task,
                            gpointer          op,
                            GError          **error);

typedef struct {
  OpFunc           func;
  GPtrArray       *items;
  KithMessageInfo *message;
  char            *id;
  gint64           a;
  gint64           b;
  gint64           c;
  guint            limit;
} Op;

static void
op_free (gpointer data)
{
  Op *op = data;

  g_clear_pointer (&op->items, g_ptr_array_unref);
  g_clear_pointer (&op->message, kith_message_info_free);
  g_free (op->id);
  g_free (op);
}

/* The schema, one step per version; user_version is the step reached. */
static const char *migrations[] = {
  /* 1: messages, outbox, state */
  "CREATE TABLE messages ("
  "  id TEXT NOT NULL,"
  "  sender INTEGER NOT NULL,"
  "  recipient INTEGER NOT NULL,"
  "  seq INTEGER NOT NULL DEFAULT 0,"
  "  body TEXT NOT NULL,"
  "  sent_at INTEGER NOT NULL,"
  "  PRIMARY KEY (sender, id));"
  "CREATE TABLE outbox ("
  "  ordinal INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  id TEXT NOT NULL UNIQUE,"
  "  sender INTEGER NOT NULL,"
  "  recipient INTEGER NOT NULL,"
  "  body TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL);"
  "CREATE TABLE state (key TEXT PRIMARY KEY, value INTEGER NOT NULL);",
  /* 2: contacts cache, conversation index */
  "CREATE TABLE contacts ("
  "  user_id INTEGER PRIMARY KEY,"
  "  email TEXT NOT NULL,"
  "  first_name TEXT NOT NULL DEFAULT '',"
  "  last_name TEXT NOT NULL DEFAULT '',"
  "  state TEXT NOT NULL);"
  "CREATE INDEX messages_by_pair ON messages (sender, recipient, seq);",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == KITH_MESSAGE_STORE_VERSION);

static gboolean
set_sqlite_error (sqlite3  *db,
                  GError  **error,
                  const char *what)
{
  g_debug ("%s: %s", what, db ? sqlite3_errmsg (db) : "no database");
  g_set_error (error, KITH_ERROR, KITH_ERROR_STORAGE,
               "The local message store cannot be used (%s).", what);
  return FALSE;
}

static gboolean
exec (sqlite3     *db,
      const char  *sql,
      GError     **error)
{
  char *errmsg = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &errmsg) != SQLITE_OK) {
    g_debug ("sqlite: %s", errmsg ? errmsg : "?");
    sqlite3_free (errmsg);
    return set_sqlite_error (db, error, "query failed");
  }
  return TRUE;
}

static sqlite3_stmt *
prepare (sqlite3     *db,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK) {
    set_sqlite_error (db, error, "bad query");
    return NULL;
  }
  return stmt;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

static gboolean op_open  (KithMessageStore *self, GTask *task, gpointer data, GError **error);
static gboolean op_close (KithMessageStore *self, GTask *task, gpointer data, GError **error);

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
  if (self->db == NULL && op->func != op_open && op->func != op_close) {
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

static KithMessageInfo *
message_from_row (sqlite3_stmt *stmt)
{
  KithMessageInfo *m = kith_message_info_new ();

  m->id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  m->from = sqlite3_column_int64 (stmt, 1);
  m->to = sqlite3_column_int64 (stmt, 2);
  m->seq = sqlite3_column_int64 (stmt, 3);
  m->body = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
  m->sent_at = sqlite3_column_int64 (stmt, 5);
  return m;
}

/* SQLITE_CORRUPT, SQLITE_NOTADB: the file is not a sound database (as
 * opposed to a full disk, a lock or a newer version). */
static gboolean
is_damage (int rc)
{
  rc &= 0xff;
  return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

static void
close_db (KithMessageStore *self)
{
  g_clear_pointer (&self->db, sqlite3_close);
}

/* Closes @db leaving the file and its write-ahead log as they are: sqlite
 * otherwise checkpoints the log into the file on close and deletes it,
 * even when the file is not a database. */
static void
close_untouched (sqlite3 *db)
{
  int persist = 1;

  if (db == NULL)
    return;
  sqlite3_db_config (db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
  sqlite3_file_control (db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  sqlite3_close (db);
}

/* Opens self->path, checks it, and brings it to the current version.
 * *damaged says whether a failure is the file's (then it can be set aside),
 * and *why what sqlite found. */
static gboolean
open_database (KithMessageStore  *self,
               gboolean          *damaged,
               char             **why,
               GError           **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  const char *check;
  int version;
  int rc;

  *damaged = FALSE;
  kith_make_database_private (self->path);
  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    set_sqlite_error (self->db, error, "cannot open");
    goto fail;
  }
  sqlite3_busy_timeout (self->db, 5000);
  sqlite3_extended_result_codes (self->db, 1);

  if (!exec (self->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", error))
    goto fail_checked;

  stmt = prepare (self->db, "PRAGMA user_version", error);
  if (stmt == NULL)
    goto fail_checked;
  if (sqlite3_step (stmt) != SQLITE_ROW) {
    set_sqlite_error (self->db, error, "cannot read the version");
    goto fail_checked;
  }
  version = sqlite3_column_int (stmt, 0);
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (version > KITH_MESSAGE_STORE_VERSION) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_STORAGE,
                 "The message store was written by a newer Kith (version %d).", version);
    goto fail;
  }

  /* Every page is read once (on the worker thread; about 2 ms per 10,000
   * messages when the file is in the page cache): a damaged table is found
   * now, not halfway through a session. */
  stmt = prepare (self->db, "PRAGMA quick_check", error);
  if (stmt == NULL)
    goto fail_checked;
  rc = sqlite3_step (stmt);
  check = rc == SQLITE_ROW ? (const char *) sqlite3_column_text (stmt, 0) : NULL;
  if (g_strcmp0 (check, "ok") != 0) {
    const char *found = check ? check : sqlite3_errmsg (self->db);

    g_debug ("quick_check: %s", found);
    *damaged = TRUE;
    /* Its first finding says enough ("*** in database main ***" is a title). */
    if (g_str_has_prefix (found, "*** ") && strchr (found, '\n') != NULL)
      found = strchr (found, '\n') + 1;
    *why = g_strndup (found, strcspn (found, "\n"));
    set_sqlite_error (self->db, error, "damaged");
    goto fail;
  }
  g_clear_pointer (&stmt, sqlite3_finalize);

  for (; version < KITH_MESSAGE_STORE_VERSION; version++) {
    g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %d;", version + 1);

    g_debug ("migrating %s to version %d", self->path, version + 1);
    if (!exec (self->db, "BEGIN IMMEDIATE;", error))
      goto fail_checked;
    if (!exec (self->db, migrations[version], error) ||
        !exec (self->db, bump, error) ||
        !exec (self->db, "COMMIT;", error)) {
      *damaged = is_damage (sqlite3_extended_errcode (self->db));
      if (*damaged)
        *why = g_strdup (sqlite3_errmsg (self->db));
      exec (self->db, "ROLLBACK;", NULL);
      goto fail;
    }
  }
  return TRUE;

fail_checked:
  *damaged = is_damage (sqlite3_extended_errcode (self->db));
  if (*damaged)
    *why = g_strdup (sqlite3_errmsg (self->db));
fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  /* Refused or damaged: left as found, for the next Kith or for a look. */
  close_untouched (g_steal_pointer (&self->db));
  return FALSE;
}

/* The outbox rows that can still be read from the damaged file at @path
 * (its header may even claim pages the file no longer has): unsent
 * messages, kept when at all possible. */
static GPtrArray *
salvage_outbox (const char *path)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_message_info_free);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  sqlite3 *db = NULL;
  int rc;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    goto out;
  sqlite3_exec (db, "PRAGMA writable_schema=ON;", NULL, NULL, NULL);
  if (sqlite3_prepare_v2 (db, "SELECT id, sender, recipient, 0, body, created_at FROM outbox "
                              "ORDER BY ordinal", -1, &stmt, NULL) != SQLITE_OK)
    goto out;
  /* Row by row, until the first that cannot be read. */
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    KithMessageInfo *m;

    if (sqlite3_column_type (stmt, 0) != SQLITE_TEXT || sqlite3_column_type (stmt, 4) != SQLITE_TEXT ||
        sqlite3_column_int64 (stmt, 1) <= 0 || sqlite3_column_int64 (stmt, 2) <= 0)
      continue;
    m = message_from_row (stmt);
    if (*m->id == '\0' || !g_utf8_validate (m->body, -1, NULL)) {
      kith_message_info_free (m);
      continue;
    }
    g_ptr_array_add (list, m);
  }
  if (rc != SQLITE_DONE)
    g_debug ("salvaging the outbox stopped: %s", sqlite3_errmsg (db));

out:
  g_clear_pointer (&stmt, sqlite3_finalize);
  close_untouched (db);
  return list;
}

static gboolean
restore_outbox (KithMessageStore  *self,
                GPtrArray         *outbox,
                GError           **error)
{
  if (outbox->len == 0)
    return TRUE;
  if (!exec (self->db, "BEGIN IMMEDIATE;", error))
    return FALSE;
  for (guint i = 0; i < outbox->len; i++) {
    const KithMessageInfo *m = g_ptr_array_index (outbox, i);
    g_autoptr (sqlite3_stmt) stmt = NULL;

    stmt = prepare (self->db,
                    "INSERT OR IGNORE INTO outbox (id, sender, recipient, body, created_at) "
                    "VALUES (?1, ?2, ?3, ?4, ?5)", error);
    if (stmt == NULL)
      goto fail;
    sqlite3_bind_text (stmt, 1, m->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64 (stmt, 2, m->from);
    sqlite3_bind_int64 (stmt, 3, m->to);
    sqlite3_bind_text (stmt, 4, m->body, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64 (stmt, 5, m->sent_at);
    if (sqlite3_step (stmt) != SQLITE_DONE) {
      set_sqlite_error (self->db, error, "cannot restore the outbox");
      goto fail;
    }
  }
  return exec (self->db, "COMMIT;", error);

fail:
  exec (self->db, "ROLLBACK;", NULL);
  return FALSE;
}

/* The damaged file (with its write-ahead log and index, which belong to
 * it) goes aside under a name of its own, for whoever wants to look. */
static char *
move_aside (KithMessageStore  *self,
            GError           **error)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *aside = NULL;
  const char *suffixes[] = { "-wal", "-shm" };

  for (guint n = 0; aside == NULL || g_file_test (aside, G_FILE_TEST_EXISTS); n++) {
    g_free (aside);
    aside = n == 0 ? g_strdup_printf ("%s.broken-%s", self->path, stamp)
                   : g_strdup_printf ("%s.broken-%s-%u", self->path, stamp, n);
  }
  if (g_rename (self->path, aside) != 0) {
    int saved = errno;

    g_set_error (error, KITH_ERROR, KITH_ERROR_STORAGE,
                 "The local message store %s is damaged and cannot be moved aside (%s).",
                 self->path, g_strerror (saved));
    return NULL;
  }
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++) {
    g_autofree char *from = g_strconcat (self->path, suffixes[i], NULL);
    g_autofree char *to = g_strconcat (aside, suffixes[i], NULL);

    /* Never applied to the new file: it is the old one's. */
    if (g_rename (from, to) != 0 && errno != ENOENT)
      g_unlink (from);
  }
  return g_steal_pointer (&aside);
}

static gboolean
op_open (KithMessageStore  *self,
         GTask             *task,
         gpointer           data,
         GError           **error)
{
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autoptr (GError) damage = NULL;
  g_autoptr (GPtrArray) outbox = NULL;
  g_autofree char *aside = NULL;
  g_autofree char *why = NULL;
  gboolean damaged;

  if (self->db != NULL) {
    g_task_return_boolean (task, TRUE);
    return TRUE;
  }

  if (g_mkdir_with_parents (dir, 0700) != 0) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_STORAGE,
                 "Cannot create the folder %s for the message store.", dir);
    return FALSE;
  }
  if (open_database (self, &damaged, &why, &damage)) {
    g_task_return_boolean (task, TRUE);
    return TRUE;
  }
  if (!damaged) {
    g_propagate_error (error, g_steal_pointer (&damage));
    return FALSE;
  }

  /* Damaged (not a database, cut short, a broken table): it is only a
   * cache. The unsent messages that can still be read are kept; the file
   * is kept aside; a new one starts empty, and the session fills it again
   * from the server (history replayed from seq 0). */
  outbox = salvage_outbox (self->path);
  aside = move_aside (self, error);
  if (aside == NULL)
    return FALSE;
  g_message ("The local message store %s is damaged (%s). It was moved to %s; "
             "a new one is made, and the history comes again from the server "
             "(%u unsent message%s kept).",
             self->path, why, aside, outbox->len, outbox->len == 1 ? "" : "s");

  g_clear_pointer (&why, g_free);
  if (!open_database (self, &damaged, &why, error))
    return FALSE;
  if (!restore_outbox (self, outbox, error)) {
    close_db (self);
    return FALSE;
  }
  self->aside = g_steal_pointer (&aside);
  self->salvaged = outbox->len;
  g_task_return_boolean (task, TRUE);
  return TRUE;
}

static gboolean
save_message (sqlite3                *db,
              const KithMessageInfo  *m,
              GError                **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = prepare (db,
                  "INSERT INTO messages (id, sender, recipient, seq, body, sent_at) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
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
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_sqlite_error (db, error, "cannot save a message");
  return TRUE;
}

static gboolean
save_last_seq (sqlite3  *db,
               gint64    seq,
               GError  **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = prepare (db,
                  "INSERT INTO state (key, value) VALUES ('last_seq', ?1) "
                  "ON CONFLICT (key) DO UPDATE SET value = MAX (value, excluded.value)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return set_sqlite_error (db, error, "cannot save the last seq");
  return TRUE;
}

static gboolean
op_save_messages (KithMessageStore  *self,
                  GTask             *task,
                  gpointer           data,
                  GError           **error)
{
  Op *op = data;

  if (!exec (self->db, "BEGIN IMMEDIATE;", error))
    return FALSE;
  for (guint i = 0; op->items && i < op->items->len; i++) {
    if (!save_message (self->db, g_ptr_array_index (op->items, i), error))
      goto fail;
  }
  if (op->a > 0 && !save_last_seq (self->db, op->a, error))
    goto fail;
  if (!exec (self->db, "COMMIT;", error))
    goto fail;
  g_task_return_boolean (task, TRUE);
  return TRUE;

fail:
  exec (self->db, "ROLLBACK;", NULL);
  return FALSE;
}

static gboolean
op_outbox_add (KithMessageStore  *self,
               GTask             *task,
               gpointer           data,
               GError           **error)
{
  Op *op = data;
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = prepare (self->db,
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
    return set_sqlite_error (self->db, error, "cannot add to the outbox");
  g_task_return_boolean (task, TRUE);
  return TRUE;
}

static gboolean
op_outbox_ack (KithMessageStore  *self,
               GTask             *task,
               gpointer           data,
               GError           **error)
{
  Op *op = data;
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (!exec (self->db, "BEGIN IMMEDIATE;", error))
    return FALSE;

  stmt = prepare (self->db, "SELECT sender, recipient, body FROM outbox WHERE id = ?1", error);
  if (stmt == NULL)
    goto fail;
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
      goto fail;
  }
  g_clear_pointer (&stmt, sqlite3_finalize);

  stmt = prepare (self->db, "DELETE FROM outbox WHERE id = ?1", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, op->id, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_DONE) {
    set_sqlite_error (self->db, error, "cannot remove from the outbox");
    goto fail;
  }
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (!exec (self->db, "COMMIT;", error))
    goto fail;
  g_task_return_boolean (task, TRUE);
  return TRUE;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  exec (self->db, "ROLLBACK;", NULL);
  return FALSE;
}

static gboolean
op_outbox_list (KithMessageStore  *self,
                GTask             *task,
                gpointer           data,
                GError           **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_message_info_free);
  int rc;

  stmt = prepare (self->db,
                  "SELECT id, sender, recipient, 0, body, created_at FROM outbox ORDER BY ordinal",
                  error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (list, message_from_row (stmt));
  if (rc != SQLITE_DONE)
    return set_sqlite_error (self->db, error, "cannot read the outbox");
  g_task_return_pointer (task, g_steal_pointer (&list), (GDestroyNotify) g_ptr_array_unref);
  return TRUE;
}

static gboolean
op_load_messages (KithMessageStore  *self,
                  GTask             *task,
                  gpointer           data,
                  GError           **error)
{
  Op *op = data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_message_info_free);
  int rc;

  stmt = prepare (self->db,
                  "SELECT id, sender, recipient, seq, body, sent_at FROM messages "
                  "WHERE ((sender = ?1 AND recipient = ?2) OR (sender = ?2 AND recipient = ?1)) "
                  "AND seq > 0 AND (?3 <= 0 OR seq < ?3) ORDER BY seq DESC LIMIT ?4", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, op->a);
  sqlite3_bind_int64 (stmt, 2, op->b);
  sqlite3_bind_int64 (stmt, 3, op->c);
  sqlite3_bind_int (stmt, 4, op->limit ? op->limit : 50);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_insert (list, 0, message_from_row (stmt));
  if (rc != SQLITE_DONE)
    return set_sqlite_error (self->db, error, "cannot read messages");
  g_task_return_pointer (task, g_steal_pointer (&list), (GDestroyNotify) g_ptr_array_unref);
  return TRUE;
}

static gboolean
op_save_contacts (KithMessageStore  *self,
                  GTask             *task,
                  gpointer           data,
                  GError           **error)
{
  Op *op = data;
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (!exec (self->db, "BEGIN IMMEDIATE; DELETE FROM contacts;", error))
    return FALSE;
  stmt = prepare (self->db,
                  "INSERT OR REPLACE INTO contacts (user_id, email, first_name, last_name, state) "
                  "VALUES (?1, ?2, ?3, ?4, ?5)", error);
  if (stmt == NULL)
    goto fail;
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
    if (sqlite3_step (stmt) != SQLITE_DONE) {
      set_sqlite_error (self->db, error, "cannot save contacts");
      goto fail;
    }
  }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (!exec (self->db, "COMMIT;", error))
    goto fail;
  g_task_return_boolean (task, TRUE);
  return TRUE;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  exec (self->db, "ROLLBACK;", NULL);
  return FALSE;
}

static gboolean
op_load_contacts (KithMessageStore  *self,
                  GTask             *task,
                  gpointer           data,
                  GError           **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_contact_info_free);
  int rc;

  stmt = prepare (self->db,
                  "SELECT user_id, email, first_name, last_name, state FROM contacts "
                  "ORDER BY user_id", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
    KithContactInfo *c = kith_contact_info_new ();

    c->user = kith_user_info_new ();
    c->user->id = sqlite3_column_int64 (stmt, 0);
    c->user->email = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    c->user->first_name = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
    c->user->last_name = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
    kith_contact_state_from_string ((const char *) sqlite3_column_text (stmt, 4), &c->state);
    c->presence = KITH_PRESENCE_OFFLINE;
    g_ptr_array_add (list, c);
  }
  if (rc != SQLITE_DONE)
    return set_sqlite_error (self->db, error, "cannot read contacts");
  g_task_return_pointer (task, g_steal_pointer (&list), (GDestroyNotify) g_ptr_array_unref);
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

  stmt = prepare (self->db, "SELECT value FROM state WHERE key = 'last_seq'", error);
  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    seq = sqlite3_column_int64 (stmt, 0);
  else if (rc != SQLITE_DONE)
    return set_sqlite_error (self->db, error, "cannot read the last seq");
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

void
kith_message_store_open_async (KithMessageStore    *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (KITH_IS_MESSAGE_STORE (self));
  queue_op (self, op_new (op_open), kith_message_store_open_async,
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
  Op *op = op_new (op_save_messages);

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
  Op *op = op_new (op_outbox_ack);

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
  Op *op = op_new (op_save_contacts);

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
