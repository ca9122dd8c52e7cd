/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestCache"

#include "config.h"

#include <sqlite3.h>
#include <string.h>
#include <glib/gstdio.h>

#include "service-test-util.h"

/*
 * The local cache broken on disk, as a person finds it at the next start:
 * not a database at all, cut short, or a database with a damaged table.
 * The session moves the file aside (kept, and the log says where), starts
 * a fresh cache, and gets everything back from the real kithd: contacts,
 * history (replayed from seq 0, without a notification per message), and
 * an unsent message still readable in the broken file's outbox, which then
 * reaches its recipient exactly once.
 */

#define HISTORY 60
#define UNSENT "typed before the crash"

typedef enum {
  DAMAGE_GARBAGE,      /* not a database */
  DAMAGE_TRUNCATED,    /* the file cut short after its first pages */
  DAMAGE_TABLE,        /* the messages table's root page overwritten */
} Damage;

static KithdTestServer *server;
static GPtrArray *store_log;   /* what KithMessageStore logged at message level */

static GLogWriterOutput
log_writer (GLogLevelFlags   level,
            const GLogField *fields,
            gsize            n_fields,
            gpointer         user_data)
{
  const char *domain = NULL;
  const char *message = NULL;

  for (gsize i = 0; i < n_fields; i++) {
    if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
      domain = fields[i].value;
    else if (g_str_equal (fields[i].key, "MESSAGE"))
      message = fields[i].value;
  }
  /* From the store's worker thread too. */
  if (g_strcmp0 (domain, "KithMessageStore") == 0 && (level & G_LOG_LEVEL_MESSAGE) && message) {
    static GMutex lock;

    g_mutex_lock (&lock);
    g_ptr_array_add (store_log, g_strdup (message));
    g_mutex_unlock (&lock);
  }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (KithMessage) message = NULL;
  g_autoptr (GError) error = NULL;

  message = kith_conversations_send_finish (KITH_CONVERSATIONS (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
outbox_empty (gpointer data)
{
  return kith_session_get_outbox_length (data) == 0;
}

static gboolean
file_gone (gpointer path)
{
  return !g_file_test (path, G_FILE_TEST_EXISTS);
}

static guint
count_bodies (SvcInbox   *inbox,
              const char *body)
{
  guint n = 0;

  for (guint i = 0; i < inbox->bodies->len; i++) {
    if (g_str_equal (g_ptr_array_index (inbox->bodies, i), body))
      n++;
  }
  return n;
}

static char *
history_body (guint i)
{
  /* Long enough that the history takes pages of its own. */
  return g_strdup_printf ("history %03u: %s", i,
                          "The quick brown fox jumps over the lazy dog, then over the lazy dog "
                          "again, and once more, so that this message takes two hundred bytes "
                          "or so of the cache.");
}

/* ---- damaging the file ---- */

static sqlite3 *
open_db (const char *path,
         int         flags)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, flags, NULL), ==, SQLITE_OK);
  return db;
}

/* An unsent message in the outbox, as a client killed before sending it
 * leaves it. */
static void
add_unsent (const char *path,
            gint64      from,
            gint64      to)
{
  sqlite3 *db = open_db (path, SQLITE_OPEN_READWRITE);
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *sql = g_strdup_printf ("INSERT INTO outbox (id, sender, recipient, body, created_at) "
                                          "VALUES ('%s', %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                                          ", '" UNSENT "', %" G_GINT64_FORMAT ");",
                                          id, from, to, g_get_real_time () / 1000);

  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  /* The last connection merges the write-ahead log into the file. */
  sqlite3_close (db);
}

/* What sqlite itself can still read of the file: the outbox's bodies (NULL
 * when even that fails) and whether the whole file is sound. */
static GPtrArray *
readable_outbox (const char *path,
                 gboolean   *sound)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  GPtrArray *bodies = NULL;
  int rc;

  *sound = FALSE;
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    goto out;
  if (sqlite3_prepare_v2 (db, "PRAGMA quick_check", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    *sound = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "ok") == 0;
  g_clear_pointer (&stmt, sqlite3_finalize);
  /* A file shorter than its header says is refused unless the schema is
   * taken as it is. */
  sqlite3_exec (db, "PRAGMA writable_schema=ON;", NULL, NULL, NULL);
  if (sqlite3_prepare_v2 (db, "SELECT body FROM outbox", -1, &stmt, NULL) != SQLITE_OK)
    goto out;
  bodies = g_ptr_array_new_with_free_func (g_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (bodies, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  if (rc != SQLITE_DONE)
    g_clear_pointer (&bodies, g_ptr_array_unref);
out:
  g_clear_pointer (&stmt, sqlite3_finalize);
  sqlite3_close (db);
  return bodies;
}

/* The root page of @name, or with @name NULL the last root page: the
 * schema's pages come first, and the history's grow after them. */
static gint64
root_page (const char *path,
           const char *name)
{
  sqlite3 *db = open_db (path, SQLITE_OPEN_READONLY);
  sqlite3_stmt *stmt = NULL;
  gint64 root;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT MAX (rootpage) FROM sqlite_master "
                                           "WHERE ?1 IS NULL OR name = ?1", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  root = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_assert_cmpint (root, >, 1);
  return root;
}

static void
damage_file (const char *path,
             Damage      damage)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  const gsize page = 4096;
  gint64 schema_pages = root_page (path, NULL);

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  /* The history takes pages of its own, after the schema's. */
  g_assert_cmpuint (length, >, (schema_pages + 2) * page);

  switch (damage) {
  case DAMAGE_GARBAGE:
    {
      g_autoptr (GString) junk = g_string_new (NULL);

      while (junk->len < length)
        g_string_append (junk, "This is not a database. Neither is this line.\n");
      g_file_set_contents (path, junk->str, junk->len, &error);
    }
    break;
  case DAMAGE_TRUNCATED:
    /* Cut after the schema's pages: the history's are gone. */
    g_file_set_contents (path, contents, schema_pages * page, &error);
    break;
  case DAMAGE_TABLE:
    /* The b-tree page header and cell pointers of the messages table's
     * root: garbage. */
    memset (contents + (root_page (path, "messages") - 1) * page, 0xa5, 64);
    g_file_set_contents (path, contents, length, &error);
    break;
  default:
    g_assert_not_reached ();
  }
  g_assert_no_error (error);
}

/* The broken file, kept next to the new one: its name. */
static char *
find_aside (const char *dir,
            const char *db_name)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autofree char *prefix = g_strdup_printf ("%s.broken-", db_name);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
    if (g_str_has_prefix (name, prefix) && !g_str_has_suffix (name, "-wal") &&
        !g_str_has_suffix (name, "-shm"))
      return g_build_filename (dir, name, NULL);
  }
  return NULL;
}

typedef struct {
  GListModel *model;
  guint       n;
} WaitModel;

static gboolean
model_has (gpointer data)
{
  WaitModel *w = data;

  return g_list_model_get_n_items (w->model) >= w->n;
}

/* Older messages of @contact's conversation: how many came. */
static int
load_older (KithSession *session,
            KithContact *contact)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  int added;

  kith_conversations_load_older_async (kith_session_get_conversations (session), contact, NULL,
                                       svc_test_store_result, &result);
  added = kith_conversations_load_older_finish (kith_session_get_conversations (session),
                                                svc_test_wait_result (&result), &error);
  g_assert_no_error (error);
  return added;
}

static void
run_drill (Damage damage)
{
  g_autoptr (KithdTestUser) ada = svc_test_sign_up (server, "ada");
  g_autoptr (KithdTestUser) bob = svc_test_sign_up (server, "bob");
  g_autofree char *a_dir = svc_test_make_dir ("ada");
  g_autofree char *b_dir = svc_test_make_dir ("bob");
  g_autofree char *db_name = g_strdup_printf ("%" G_GINT64_FORMAT ".db", ada->id);
  g_autofree char *store_dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *wal = NULL;
  g_autofree char *aside = NULL;
  g_autofree char *damaged = NULL;
  g_autofree char *kept = NULL;
  g_autoptr (GPtrArray) outbox = NULL;
  g_autoptr (SvcInbox) ada_inbox = NULL;
  g_autoptr (SvcInbox) bob_inbox = NULL;
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) error = NULL;
  KithSession *a;
  KithSession *b;
  KithContact *bob_for_ada;
  KithContact *ada_for_bob;
  GListModel *conversation;
  gboolean sound = TRUE;
  gboolean logged = FALSE;
  gsize damaged_len = 0;
  gsize kept_len = 0;
  WaitModel w;

  kithd_test_server_make_contacts (server, ada, bob);
  uri = g_uri_parse (kithd_test_server_get_url (server), G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  store_dir = g_strdup_printf ("%s/%s_%d", a_dir, g_uri_get_host (uri), g_uri_get_port (uri));
  path = g_build_filename (store_dir, db_name, NULL);
  wal = g_strconcat (path, "-wal", NULL);

  /* Ada's cache knows Bob and their history. */
  a = svc_test_session_signed_in (server, ada, a_dir);
  b = svc_test_session_signed_in (server, bob, b_dir);
  ada_inbox = svc_inbox_new (a);
  bob_for_ada = svc_test_wait_contact (a, bob->email);
  ada_for_bob = svc_test_wait_contact (b, ada->email);
  for (guint i = 0; i < HISTORY; i++) {
    g_autofree char *body = history_body (i);

    kith_conversations_send_async (kith_session_get_conversations (b), ada_for_bob, body, NULL,
                                   on_sent, NULL);
  }
  g_assert_true (svc_inbox_wait (ada_inbox, HISTORY, 30000));
  g_assert_true (kithd_test_wait_until (outbox_empty, b, 10000));
  svc_test_exit (a);
  g_signal_handlers_disconnect_by_data (a, ada_inbox);
  g_clear_object (&a);
  g_assert_true (kithd_test_wait_until (file_gone, wal, 10000));

  /* Something Ada typed was still unsent; then the file breaks. */
  add_unsent (path, ada->id, bob->id);
  damage_file (path, damage);
  g_assert_true (g_file_get_contents (path, &damaged, &damaged_len, NULL));
  outbox = readable_outbox (path, &sound);
  g_assert_false (sound);
  if (damage == DAMAGE_GARBAGE) {
    g_assert_null (outbox);
  } else {
    /* The outbox's page is whole: sqlite still reads it. */
    g_assert_nonnull (outbox);
    g_assert_cmpuint (outbox->len, ==, 1);
    g_assert_cmpstr (g_ptr_array_index (outbox, 0), ==, UNSENT);
  }

  /* The next start: signed in, the file moved aside, a new cache. */
  g_ptr_array_set_size (store_log, 0);
  bob_inbox = svc_inbox_new (b);
  g_clear_pointer (&ada_inbox, svc_inbox_free);
  a = svc_test_session_new (server, a_dir, KITH_DEVICE_DESKTOP);
  ada_inbox = svc_inbox_new (a);
  g_assert_true (svc_test_sign_in (a, ada->email, PASSWORD, FALSE, &error));
  g_assert_no_error (error);

  aside = find_aside (store_dir, db_name);
  g_assert_nonnull (aside);
  g_assert_true (g_file_get_contents (aside, &kept, &kept_len, NULL));
  g_assert_cmpmem (kept, kept_len, damaged, damaged_len);
  for (guint i = 0; i < store_log->len; i++) {
    if (strstr (g_ptr_array_index (store_log, i), aside) != NULL)
      logged = TRUE;
  }
  g_assert_true (logged);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  /* Contacts and the whole history come back from kithd: the newest page
   * shown, the older ones as the chat is scrolled up. */
  bob_for_ada = svc_test_wait_contact (a, bob->email);
  conversation = kith_conversations_get (kith_session_get_conversations (a), bob_for_ada);
  w.model = conversation;
  w.n = MIN (HISTORY, kith_conversations_get_page_size (kith_session_get_conversations (a)));
  g_assert_true (kithd_test_wait_until (model_has, &w, 20000));
  while (load_older (a, bob_for_ada) > 0)
    ;
  g_assert_cmpuint (g_list_model_get_n_items (conversation), >=, HISTORY);
  for (guint i = 0; i < HISTORY; i++) {
    g_autoptr (KithMessage) message = g_list_model_get_item (conversation, i);
    g_autofree char *body = history_body (i);

    g_assert_cmpstr (kith_message_get_body (message), ==, body);
  }

  /* The unsent message, if it could still be read, reaches Bob once. */
  g_assert_true (kithd_test_wait_until (outbox_empty, a, 10000));
  kith_conversations_send_async (kith_session_get_conversations (a), bob_for_ada, "after", NULL,
                                 on_sent, NULL);
  g_assert_true (kithd_test_wait_until (outbox_empty, a, 10000));
  while (count_bodies (bob_inbox, "after") == 0)
    g_assert_true (svc_inbox_wait (bob_inbox, bob_inbox->bodies->len + 1, 10000));
  g_assert_cmpuint (count_bodies (bob_inbox, UNSENT), ==, damage == DAMAGE_GARBAGE ? 0 : 1);
  /* The replayed history is not news: no notification for it. */
  g_assert_cmpuint (ada_inbox->bodies->len, ==, 0);

  /* And the new cache is sound: the next start uses it as it is. */
  svc_test_exit (a);
  g_signal_handlers_disconnect_by_data (a, ada_inbox);
  g_clear_object (&a);
  g_free (kept);
  kept = NULL;
  g_assert_true (kithd_test_wait_until (file_gone, wal, 10000));
  g_clear_pointer (&outbox, g_ptr_array_unref);
  outbox = readable_outbox (path, &sound);
  g_assert_true (sound);
  g_assert_nonnull (outbox);
  g_assert_cmpuint (outbox->len, ==, 0);

  svc_test_exit (b);
  g_signal_handlers_disconnect_by_data (b, bob_inbox);
  g_object_unref (b);
}

static void
test_garbage (void)
{
  run_drill (DAMAGE_GARBAGE);
}

static void
test_truncated (void)
{
  run_drill (DAMAGE_TRUNCATED);
}

static void
test_damaged_table (void)
{
  run_drill (DAMAGE_TABLE);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_log_set_writer_func (log_writer, NULL, NULL);
  store_log = g_ptr_array_new_with_free_func (g_free);
  svc_test_init (&argc, &argv);
  server = svc_test_server_start ();

  g_test_add_func ("/cache/garbage", test_garbage);
  g_test_add_func ("/cache/truncated", test_truncated);
  g_test_add_func ("/cache/damaged-table", test_damaged_table);

  ret = g_test_run ();
  kithd_test_server_free (server);
  svc_test_cleanup ();
  g_ptr_array_unref (store_log);
  return ret;
}
