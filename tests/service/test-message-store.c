/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestMessageStore"

#include "config.h"

#include <errno.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "kith-message.h"
#include "kith-message-store.h"

static char *tmp_dir;

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (*slot == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (*slot);
  return *slot;
}

static void
check_ok (KithMessageStore *store,
          GAsyncResult     *result)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (kith_message_store_finish (store, result, &error));
  g_assert_no_error (error);
}

#define RUN(store, call, ...) G_STMT_START {                                   \
  g_autoptr (GAsyncResult) _r = NULL;                                          \
  call (store, __VA_ARGS__, NULL, store_result, &_r);                          \
  check_ok (store, wait_result (&_r));                                         \
} G_STMT_END

static KithMessageStore *
open_store (const char *path)
{
  KithMessageStore *store = kith_message_store_new (path);
  g_autoptr (GAsyncResult) result = NULL;

  kith_message_store_open_async (store, NULL, store_result, &result);
  check_ok (store, wait_result (&result));
  /* A sound file is used as it is. */
  g_assert_null (kith_message_store_get_damaged_path (store, NULL));
  return store;
}

static void
close_store (KithMessageStore *store)
{
  g_autoptr (GAsyncResult) result = NULL;

  kith_message_store_close_async (store, NULL, store_result, &result);
  check_ok (store, wait_result (&result));
  g_object_unref (store);
}

static KithMessageInfo *
make_message (const char *id,
              gint64      from,
              gint64      to,
              gint64      seq,
              const char *body)
{
  KithMessageInfo *m = kith_message_info_new ();

  m->id = g_strdup (id);
  m->from = from;
  m->to = to;
  m->seq = seq;
  m->body = g_strdup (body);
  m->sent_at = 1700000000000 + seq;
  return m;
}

static GPtrArray *
load_messages (KithMessageStore *store,
               gint64            me,
               gint64            peer,
               gint64            before)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *list;

  kith_message_store_load_messages_async (store, me, peer, before, 50, NULL, store_result, &result);
  list = kith_message_store_messages_finish (store, wait_result (&result), &error);
  g_assert_no_error (error);
  return list;
}

static GPtrArray *
list_outbox (KithMessageStore *store)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *list;

  kith_message_store_outbox_list_async (store, NULL, store_result, &result);
  list = kith_message_store_messages_finish (store, wait_result (&result), &error);
  g_assert_no_error (error);
  return list;
}

static gint64
last_seq (KithMessageStore *store)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  gint64 seq;

  kith_message_store_get_last_seq_async (store, NULL, store_result, &result);
  seq = kith_message_store_get_last_seq_finish (store, wait_result (&result), &error);
  g_assert_no_error (error);
  return seq;
}

static int
user_version (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int version;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return version;
}

/* Messages, last seq and the outbox survive closing and opening again. */
static void
test_messages_and_outbox (void)
{
  g_autofree char *path = g_build_filename (tmp_dir, "a", "host", "7.db", NULL);
  KithMessageStore *store = open_store (path);
  g_autoptr (GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_message_info_free);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (KithMessageInfo) pending = make_message ("out-1", 7, 9, 0, "typed offline");
  g_autoptr (KithMessageInfo) pending2 = make_message ("out-2", 7, 9, 0, "second");

  g_assert_cmpint (user_version (path), ==, KITH_MESSAGE_STORE_VERSION);
  g_assert_cmpint (last_seq (store), ==, 0);

  g_ptr_array_add (batch, make_message ("in-1", 9, 7, 10, "hello"));
  g_ptr_array_add (batch, make_message ("in-2", 9, 7, 12, "again"));
  g_ptr_array_add (batch, make_message ("other", 5, 7, 11, "not this peer"));
  RUN (store, kith_message_store_save_messages_async, batch, 12);
  /* Saving the same messages twice changes nothing. */
  RUN (store, kith_message_store_save_messages_async, batch, 11);
  g_assert_cmpint (last_seq (store), ==, 12);

  RUN (store, kith_message_store_outbox_add_async, pending);
  RUN (store, kith_message_store_outbox_add_async, pending2);
  list = list_outbox (store);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (((KithMessageInfo *) list->pdata[0])->id, ==, "out-1");
  g_assert_cmpstr (((KithMessageInfo *) list->pdata[1])->body, ==, "second");
  g_clear_pointer (&list, g_ptr_array_unref);

  close_store (store);
  store = open_store (path);

  g_assert_cmpint (last_seq (store), ==, 12);
  list = list_outbox (store);
  g_assert_cmpuint (list->len, ==, 2);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* The ack moves the first one out of the outbox into the history. */
  RUN (store, kith_message_store_outbox_ack_async, "out-1", 13, 1700000000013);
  list = list_outbox (store);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (((KithMessageInfo *) list->pdata[0])->id, ==, "out-2");
  g_clear_pointer (&list, g_ptr_array_unref);

  list = load_messages (store, 7, 9, 0);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (((KithMessageInfo *) list->pdata[0])->body, ==, "hello");
  g_assert_cmpstr (((KithMessageInfo *) list->pdata[2])->body, ==, "typed offline");
  g_assert_cmpint (((KithMessageInfo *) list->pdata[2])->seq, ==, 13);
  g_clear_pointer (&list, g_ptr_array_unref);

  list = load_messages (store, 7, 9, 12);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (((KithMessageInfo *) list->pdata[0])->id, ==, "in-1");

  close_store (store);
}

static void
test_contacts_cache (void)
{
  g_autofree char *path = g_build_filename (tmp_dir, "c.db", NULL);
  KithMessageStore *store = open_store (path);
  g_autoptr (GPtrArray) contacts = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_contact_info_free);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) loaded = NULL;
  KithContactInfo *c = kith_contact_info_new ();

  c->user = kith_user_info_new ();
  c->user->id = 9;
  c->user->email = g_strdup ("bob@example.com");
  c->user->first_name = g_strdup ("Bob");
  c->user->last_name = g_strdup ("Builder");
  c->state = KITH_CONTACT_INCOMING;
  c->presence = KITH_PRESENCE_BUSY;
  g_ptr_array_add (contacts, c);

  RUN (store, kith_message_store_save_contacts_async, contacts);
  kith_message_store_load_contacts_async (store, NULL, store_result, &result);
  loaded = kith_message_store_contacts_finish (store, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (loaded->len, ==, 1);
  c = loaded->pdata[0];
  g_assert_cmpint (c->user->id, ==, 9);
  g_assert_cmpstr (c->user->email, ==, "bob@example.com");
  g_assert_cmpstr (c->user->last_name, ==, "Builder");
  g_assert_cmpint (c->state, ==, KITH_CONTACT_INCOMING);
  /* Presence is never cached: it is offline until kithd says otherwise. */
  g_assert_cmpint (c->presence, ==, KITH_PRESENCE_OFFLINE);

  close_store (store);
}

/* A database at schema version 1 (as the first release wrote it) is
 * migrated to the current version with its data intact. */
static void
test_migration_from_v1 (void)
{
  g_autofree char *path = g_build_filename (tmp_dir, "v1.db", NULL);
  KithMessageStore *store;
  g_autoptr (GPtrArray) list = NULL;
  sqlite3 *db = NULL;
  char *err = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_exec (db,
                "CREATE TABLE messages (id TEXT NOT NULL, sender INTEGER NOT NULL,"
                "  recipient INTEGER NOT NULL, seq INTEGER NOT NULL DEFAULT 0,"
                "  body TEXT NOT NULL, sent_at INTEGER NOT NULL, PRIMARY KEY (sender, id));"
                "CREATE TABLE outbox (ordinal INTEGER PRIMARY KEY AUTOINCREMENT,"
                "  id TEXT NOT NULL UNIQUE, sender INTEGER NOT NULL, recipient INTEGER NOT NULL,"
                "  body TEXT NOT NULL, created_at INTEGER NOT NULL);"
                "CREATE TABLE state (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
                "INSERT INTO messages VALUES ('m1', 2, 1, 5, 'old message', 1690000000000);"
                "INSERT INTO outbox (id, sender, recipient, body, created_at)"
                "  VALUES ('o1', 1, 2, 'never sent', 1690000000001);"
                "INSERT INTO state VALUES ('last_seq', 5);"
                "PRAGMA user_version = 1;",
                NULL, NULL, &err);
  g_assert_null (err);
  sqlite3_close (db);

  store = open_store (path);
  g_assert_cmpint (user_version (path), ==, KITH_MESSAGE_STORE_VERSION);
  g_assert_cmpint (last_seq (store), ==, 5);

  list = load_messages (store, 1, 2, 0);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (((KithMessageInfo *) list->pdata[0])->body, ==, "old message");
  g_clear_pointer (&list, g_ptr_array_unref);

  list = list_outbox (store);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (((KithMessageInfo *) list->pdata[0])->id, ==, "o1");
  g_clear_pointer (&list, g_ptr_array_unref);

  /* The row from version 1 has no kind (the columns version 4 added). */
  list = load_messages (store, 1, 2, 0);
  g_assert_null (((KithMessageInfo *) list->pdata[0])->kind);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* The table version 2 added works. */
  RUN (store, kith_message_store_save_contacts_async, NULL);
  close_store (store);

  /* Opening again does not migrate twice. */
  store = open_store (path);
  g_assert_cmpint (user_version (path), ==, KITH_MESSAGE_STORE_VERSION);
  close_store (store);
}

/* A database from a newer Kith is refused, not damaged. */
static void
test_newer_version_refused (void)
{
  g_autofree char *path = g_build_filename (tmp_dir, "future.db", NULL);
  g_autoptr (KithMessageStore) store = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_exec (db, "PRAGMA user_version = 99;", NULL, NULL, NULL);
  sqlite3_close (db);

  store = kith_message_store_new (path);
  kith_message_store_open_async (store, NULL, store_result, &result);
  g_assert_false (kith_message_store_finish (store, wait_result (&result), &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_STORAGE);
  g_assert_cmpint (user_version (path), ==, 99);
}

/* Not a database, with a write-ahead log beside it: both go aside, kept as
 * they were, and a new empty store opens in their place. (The session's
 * side, with a real kithd: test-cache.) */
static void
test_damaged_moved_aside (void)
{
  g_autofree char *path = g_build_filename (tmp_dir, "damaged.db", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *aside_wal = NULL;
  g_autofree char *kept = NULL;
  g_autoptr (KithMessageStore) store = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GPtrArray) outbox = NULL;
  g_autoptr (GError) error = NULL;
  const char *junk = "This is not a database.\n";
  const char *aside;
  guint salvaged = 99;

  g_assert_true (g_file_set_contents (path, junk, -1, NULL));
  g_assert_true (g_file_set_contents (wal, "not a log either", -1, NULL));

  store = kith_message_store_new (path);
  kith_message_store_open_async (store, NULL, store_result, &result);
  check_ok (store, wait_result (&result));
  aside = kith_message_store_get_damaged_path (store, &salvaged);
  g_assert_nonnull (aside);
  g_assert_true (g_str_has_prefix (aside, path));
  g_assert_cmpuint (salvaged, ==, 0);
  g_assert_true (g_file_get_contents (aside, &kept, NULL, &error));
  g_assert_cmpstr (kept, ==, junk);
  aside_wal = g_strconcat (aside, "-wal", NULL);
  g_assert_true (g_file_test (aside_wal, G_FILE_TEST_IS_REGULAR));

  /* The new store works, empty. */
  outbox = list_outbox (store);
  g_assert_cmpuint (outbox->len, ==, 0);
  g_assert_cmpint (last_seq (store), ==, 0);
  g_assert_cmpint (user_version (path), ==, KITH_MESSAGE_STORE_VERSION);
  close_store (g_steal_pointer (&store));
}

/* The calls never run on the main thread. */
static void
test_not_on_main_thread (void)
{
  g_autofree char *path = g_build_filename (tmp_dir, "t.db", NULL);
  KithMessageStore *store = open_store (path);
  g_autoptr (GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_message_info_free);
  g_autoptr (GPtrArray) list = NULL;

  /* 2000 messages queued without waiting: they all land, in order. */
  for (guint i = 1; i <= 2000; i++) {
    g_autofree char *id = g_strdup_printf ("id-%u", i);

    g_ptr_array_set_size (batch, 0);
    g_ptr_array_add (batch, make_message (id, 2, 1, i, "x"));
    kith_message_store_save_messages_async (store, batch, i, NULL, NULL, NULL);
  }
  g_assert_cmpint (last_seq (store), ==, 2000);
  list = load_messages (store, 1, 2, 0);
  g_assert_cmpuint (list->len, ==, 50);
  g_assert_cmpint (((KithMessageInfo *) list->pdata[49])->seq, ==, 2000);
  close_store (store);
}

static void
assert_private (const char *path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    g_error ("%s: %s", path, g_strerror (errno));
  if ((st.st_mode & 0777) != 0600)
    g_error ("%s has mode %03o, expected 600", path, (guint) (st.st_mode & 0777));
}

/* The local history is private: the cache's database files are 0600 in a
 * folder open to others and with a umask of 022. */
static void
test_private_files (void)
{
  g_autofree char *dir = g_build_filename (tmp_dir, "open", NULL);
  g_autofree char *path = g_build_filename (dir, "p.db", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  g_autoptr (GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_message_info_free);
  KithMessageStore *store;
  mode_t old_mask;

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
  old_mask = umask (022);
  store = open_store (path);
  g_ptr_array_add (batch, make_message ("p-1", 1, 2, 1, "private"));
  RUN (store, kith_message_store_save_messages_async, batch, 1);
  umask (old_mask);

  /* While it is open: the database in WAL mode has all three. */
  assert_private (path);
  assert_private (wal);
  assert_private (shm);

  close_store (store);

  /* A database an older Kith left readable by others is made private. */
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  store = open_store (path);
  assert_private (path);
  close_store (store);
}

/* The time of a message, to the millisecond, as set and as acknowledged.
 * (Each one leaked a GDateTime once: seen under AddressSanitizer, whose
 * pass runs with G_SLICE=always-malloc; tests/fuzz/corpus/client/
 * crash-message-sent-at-leak.) */
static void
test_message_sent_at (void)
{
  g_autoptr (KithMessage) message = kith_message_new ("m-1", KITH_MESSAGE_INCOMING, 2, "hi",
                                                      1700000000123, 1, KITH_MESSAGE_SENT);
  g_autoptr (GDateTime) utc = NULL;

  utc = g_date_time_to_utc (kith_message_get_sent_at (message));
  g_assert_cmpint (g_date_time_to_unix (utc), ==, 1700000000);
  g_assert_cmpint (g_date_time_get_microsecond (utc), ==, 123000);
  g_clear_pointer (&utc, g_date_time_unref);

  kith_message_set_acked (message, 2, 1700000001999);
  utc = g_date_time_to_utc (kith_message_get_sent_at (message));
  g_assert_cmpint (g_date_time_to_unix (utc), ==, 1700000001);
  g_assert_cmpint (g_date_time_get_microsecond (utc), ==, 999000);
  g_assert_cmpint (kith_message_get_sent_at_ms (message), ==, 1700000001999);
}

/* Call events keep their kind and call through the store (schema 4); an
 * old row (migrated) and a text message have none. */
static void
test_call_events (void)
{
  g_autofree char *path = g_build_filename (tmp_dir, "calls.db", NULL);
  KithMessageStore *store = open_store (path);
  g_autoptr (GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_message_info_free);
  g_autoptr (GPtrArray) list = NULL;
  KithMessageInfo *event = make_message ("call:1", 7, 9, 20, "Video call, 4:12");
  KithMessageInfo *odd = make_message ("call:2", 9, 7, 21, "Missed call");
  const KithMessageInfo *got;

  event->kind = g_strdup (KITH_MESSAGE_KIND_CALL);
  event->call = kith_call_info_new ();
  event->call->video = TRUE;
  event->call->outcome = g_strdup ("ended");
  event->call->duration = 252;
  /* A kind this client does not know, without a call. */
  odd->kind = g_strdup ("future");
  g_ptr_array_add (batch, event);
  g_ptr_array_add (batch, odd);
  g_ptr_array_add (batch, make_message ("text", 7, 9, 22, "hi"));
  RUN (store, kith_message_store_save_messages_async, batch, 22);
  close_store (store);

  store = open_store (path);
  list = load_messages (store, 7, 9, 0);
  g_assert_cmpuint (list->len, ==, 3);
  got = list->pdata[0];
  g_assert_cmpstr (got->kind, ==, KITH_MESSAGE_KIND_CALL);
  g_assert_nonnull (got->call);
  g_assert_true (got->call->video);
  g_assert_cmpstr (got->call->outcome, ==, "ended");
  g_assert_cmpint (got->call->duration, ==, 252);
  got = list->pdata[1];
  g_assert_cmpstr (got->kind, ==, "future");
  g_assert_null (got->call);
  got = list->pdata[2];
  g_assert_null (got->kind);
  g_assert_null (got->call);
  close_store (store);
}

/* What a KithMessage says of a call event. */
static void
test_message_call_event (void)
{
  g_autoptr (KithMessage) message = kith_message_new ("call:1", KITH_MESSAGE_OUTGOING, 2, "Call, 0:07",
                                                      1700000000123, 1, KITH_MESSAGE_SENT);
  g_autoptr (KithMessage) text = kith_message_new ("m-1", KITH_MESSAGE_OUTGOING, 2, "hi",
                                                   1700000000123, 2, KITH_MESSAGE_SENT);
  g_autoptr (KithCallInfo) call = kith_call_info_new ();

  call->outcome = g_strdup ("ended");
  call->duration = 7;
  kith_message_set_kind (message, KITH_MESSAGE_KIND_CALL, call);
  g_assert_true (kith_message_get_is_call (message));
  g_assert_cmpint (kith_message_get_call_outcome (message), ==, KITH_CALL_OUTCOME_ENDED);
  g_assert_false (kith_message_get_call_video (message));
  g_assert_cmpint (kith_message_get_call_duration (message), ==, 7);

  /* An outcome from a newer kithd reads as missed. */
  g_free (call->outcome);
  call->outcome = g_strdup ("teleported");
  kith_message_set_kind (message, KITH_MESSAGE_KIND_CALL, call);
  g_assert_cmpint (kith_message_get_call_outcome (message), ==, KITH_CALL_OUTCOME_MISSED);

  /* A call kind without a call is shown as its body. */
  kith_message_set_kind (message, KITH_MESSAGE_KIND_CALL, NULL);
  g_assert_false (kith_message_get_is_call (message));
  g_assert_null (kith_message_get_kind (text));
  g_assert_false (kith_message_get_is_call (text));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("kith-store-test-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/message-store/messages-and-outbox", test_messages_and_outbox);
  g_test_add_func ("/message-store/contacts-cache", test_contacts_cache);
  g_test_add_func ("/message-store/migration-from-v1", test_migration_from_v1);
  g_test_add_func ("/message-store/newer-version-refused", test_newer_version_refused);
  g_test_add_func ("/message-store/damaged-moved-aside", test_damaged_moved_aside);
  g_test_add_func ("/message-store/burst", test_not_on_main_thread);
  g_test_add_func ("/message-store/private-files", test_private_files);
  g_test_add_func ("/message-store/call-events", test_call_events);
  g_test_add_func ("/message/sent-at", test_message_sent_at);
  g_test_add_func ("/message/call-event", test_message_call_event);

  ret = g_test_run ();
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp_dir);
    g_assert_cmpint (system (cmd), ==, 0);
  }
  g_free (tmp_dir);
  return ret;
}
