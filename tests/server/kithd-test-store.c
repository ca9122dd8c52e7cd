/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdTestStore"

#include "config.h"

#include "kithd-test-dir.h"
#include "kithd-test-store.h"

void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr (GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("kithd-store-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "kithd.db", NULL);
  fixture->store = KITHD_STORE (kithd_store_sqlite_new (fixture->path, &error));
  g_assert_no_error (error);
  g_assert_nonnull (fixture->store);
}

void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  if (fixture->store != NULL)
    g_assert_finalize_object (fixture->store);
  kithd_test_remove_dir (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
}

gint64
make_user (KithdStore *store,
           const char *email,
           const char *first_name)
{
  g_autoptr (GError) error = NULL;
  gint64 id;

  id = kithd_store_user_create (store, email, "$y$fakehash", first_name, "Tester", NOW, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);

  return id;
}

gint64
send_message (KithdStore *store,
              gint64      from,
              gint64      to,
              const char *client_id,
              gint64      now)
{
  g_autoptr (GError) error = NULL;
  gint64 seq = 0, sent_at = 0;
  gboolean duplicate = TRUE;

  g_assert_true (kithd_store_message_insert (store, client_id, from, to, "hello", now,
                                             &seq, &sent_at, &duplicate, &error));
  g_assert_no_error (error);
  g_assert_false (duplicate);
  g_assert_cmpint (sent_at, ==, now);

  return seq;
}

