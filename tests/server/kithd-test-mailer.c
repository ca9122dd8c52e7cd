/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdTestMailer"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "kithd-test-mailer.h"

void
open_store (Fixture *fixture)
{
  g_autoptr (GError) error = NULL;

  fixture->store = KITHD_STORE (kithd_store_sqlite_new (fixture->db_path, &error));
  g_assert_no_error (error);
  fixture->db = kithd_db_new (fixture->store);
}

void
close_store (Fixture *fixture)
{
  kithd_db_flush (fixture->db);
  g_assert_finalize_object (g_steal_pointer (&fixture->db));
  g_assert_finalize_object (g_steal_pointer (&fixture->store));
}

void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr (GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("kithd-mailer-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->db_path = g_build_filename (fixture->dir, "kithd.db", NULL);
  fixture->outbox = g_build_filename (fixture->dir, "outbox", NULL);
  open_store (fixture);
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
    g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
      g_autofree char *child = g_build_filename (path, name, NULL);

      remove_tree (child);
    }
    g_assert_cmpint (g_rmdir (path), ==, 0);
  } else {
    g_assert_cmpint (g_remove (path), ==, 0);
  }
}

void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  if (fixture->db != NULL)
    close_store (fixture);
  remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->db_path);
  g_free (fixture->outbox);
}

static gboolean
on_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the main context until *@flag is set; bounded. */
void
wait_for (gboolean *flag,
          guint     seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  guint tick = g_timeout_add (100, on_tick, NULL);

  while (!*flag) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_main_context_iteration (NULL, TRUE);
  }

  g_source_remove (tick);
}

typedef struct {
  gboolean  done;
  gboolean  ok;
  GError   *error;
} FlushResult;

static void
on_flushed (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  FlushResult *flush = user_data;

  flush->ok = kithd_mailer_flush_finish (KITHD_MAILER (object), result, &flush->error);
  flush->done = TRUE;
}

/* TRUE if everything was delivered */
gboolean
flush_mailer (KithdMailer  *mailer,
              GError      **error)
{
  FlushResult flush = { 0 };

  kithd_mailer_flush_async (mailer, NULL, on_flushed, &flush);
  wait_for (&flush.done, 30);

  if (flush.error != NULL)
    g_propagate_error (error, flush.error);

  return flush.ok;
}

static gpointer
pending_job (KithdStore  *store,
             gpointer     data,
             GError     **error)
{
  return kithd_store_mail_pending (store, 0, error);
}

typedef struct {
  gboolean   done;
  GPtrArray *mails;
} PendingResult;

static void
on_pending (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  PendingResult *pending = user_data;
  g_autoptr (GError) error = NULL;

  pending->mails = kithd_db_run_finish (KITHD_DB (object), result, &error);
  g_assert_no_error (error);
  pending->done = TRUE;
}

guint
queue_length (Fixture *fixture)
{
  PendingResult pending = { 0 };
  guint len;

  kithd_db_run_async (fixture->db, pending_job, NULL, NULL, (GDestroyNotify) g_ptr_array_unref,
                      NULL, on_pending, &pending);
  wait_for (&pending.done, 10);
  len = pending.mails->len;
  g_ptr_array_unref (pending.mails);

  return len;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The files in @dir, sorted. */
GPtrArray *
list_dir (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  return names;
}

char *
read_outbox_file (Fixture    *fixture,
                  const char *name)
{
  g_autofree char *path = g_build_filename (fixture->outbox, "new", name, NULL);
  g_autoptr (GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);

  return contents;
}

/* The value of header @name (unfolded), or NULL. */
char *
header (const char *message,
        const char *name)
{
  g_autofree char *head = NULL;
  g_auto (GStrv) lines = NULL;
  const char *end = strstr (message, "\r\n\r\n");
  GString *value = NULL;

  g_assert_nonnull (end);
  head = g_strndup (message, end - message);
  lines = g_strsplit (head, "\r\n", -1);

  for (guint i = 0; lines[i] != NULL; i++) {
    if (value != NULL) {
      if (lines[i][0] == ' ' || lines[i][0] == '\t') {
        g_string_append (value, lines[i] + 1);
        continue;
      }
      break;
    }
    if (g_ascii_strncasecmp (lines[i], name, strlen (name)) == 0 && lines[i][strlen (name)] == ':')
      value = g_string_new (g_strchug (lines[i] + strlen (name) + 1));
  }

  return value ? g_string_free (value, FALSE) : NULL;
}

const char *
body_of (const char *message)
{
  const char *end = strstr (message, "\r\n\r\n");

  g_assert_nonnull (end);
  return end + 4;
}
