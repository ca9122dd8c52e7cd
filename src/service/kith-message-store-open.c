/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * KithMessageStore: opening the file on the worker thread, migrating it to
 * the current schema, and recovering from a damaged one (the unsent
 * messages salvaged, the file set aside, a new one made).
 */
#define G_LOG_DOMAIN "KithMessageStore"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "kith-message-store-private.h"
#include "kith-private-file.h"

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
  /* 3: the unread counts, which survive a restart (a contact without a row: 0) */
  "CREATE TABLE unread ("
  "  peer_id INTEGER PRIMARY KEY,"
  "  count INTEGER NOT NULL);",
  /* 4: call events (a message's kind, and its call: NULL outcome when none) */
  "ALTER TABLE messages ADD COLUMN kind TEXT;"
  "ALTER TABLE messages ADD COLUMN call_video INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE messages ADD COLUMN call_outcome TEXT;"
  "ALTER TABLE messages ADD COLUMN call_duration INTEGER NOT NULL DEFAULT 0;",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == KITH_MESSAGE_STORE_VERSION);

/* SQLITE_CORRUPT, SQLITE_NOTADB: the file is not a sound database (as
 * opposed to a full disk, a lock or a newer version). */
static gboolean
is_damage (int rc)
{
  rc &= 0xff;
  return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

void
kith_store_close_db (KithMessageStore *self)
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
    kith_store_sqlite_error (self->db, error, "cannot open");
    goto fail;
  }
  sqlite3_busy_timeout (self->db, 5000);
  sqlite3_extended_result_codes (self->db, 1);

  if (!kith_store_exec (self->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", error))
    goto fail_checked;

  stmt = kith_store_prepare (self->db, "PRAGMA user_version", error);
  if (stmt == NULL)
    goto fail_checked;
  if (sqlite3_step (stmt) != SQLITE_ROW) {
    kith_store_sqlite_error (self->db, error, "cannot read the version");
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
  stmt = kith_store_prepare (self->db, "PRAGMA quick_check", error);
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
    kith_store_sqlite_error (self->db, error, "damaged");
    goto fail;
  }
  g_clear_pointer (&stmt, sqlite3_finalize);

  for (; version < KITH_MESSAGE_STORE_VERSION; version++) {
    g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %d;", version + 1);

    g_debug ("migrating %s to version %d", self->path, version + 1);
    if (!kith_store_exec (self->db, "BEGIN IMMEDIATE;", error))
      goto fail_checked;
    if (!kith_store_exec (self->db, migrations[version], error) ||
        !kith_store_exec (self->db, bump, error) ||
        !kith_store_exec (self->db, "COMMIT;", error)) {
      *damaged = is_damage (sqlite3_extended_errcode (self->db));
      if (*damaged)
        *why = g_strdup (sqlite3_errmsg (self->db));
      kith_store_exec (self->db, "ROLLBACK;", NULL);
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
    m = kith_store_message_from_row (stmt);
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
  if (!kith_store_exec (self->db, "BEGIN IMMEDIATE;", error))
    return FALSE;
  for (guint i = 0; i < outbox->len; i++) {
    const KithMessageInfo *m = g_ptr_array_index (outbox, i);
    g_autoptr (sqlite3_stmt) stmt = NULL;

    stmt = kith_store_prepare (self->db,
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
      kith_store_sqlite_error (self->db, error, "cannot restore the outbox");
      goto fail;
    }
  }
  return kith_store_exec (self->db, "COMMIT;", error);

fail:
  kith_store_exec (self->db, "ROLLBACK;", NULL);
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

gboolean
kith_store_op_open (KithMessageStore  *self,
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
    kith_store_close_db (self);
    return FALSE;
  }
  self->aside = g_steal_pointer (&aside);
  self->salvaged = outbox->len;
  g_task_return_boolean (task, TRUE);
  return TRUE;
}
