/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestLocalAccount"

#include "config.h"

#include <glib/gstdio.h>

#include "kith-local-account.h"
#include "service-test-util.h"

#define SERVER "http://127.0.0.1:8480"

static KithLocalAccount *
new_account (const char      *dir,
             KithContactList *contacts)
{
  KithLocalAccount *account = kith_local_account_new (dir, contacts);

  kith_local_account_set_server_url (account, SERVER);
  return account;
}

/* Written whole: a new file is written in place, so it exists first empty. */
static gboolean
record_written (gpointer path)
{
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();

  return g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, NULL) &&
         g_key_file_get_int64 (keyfile, "account", "id", NULL) > 0;
}

static gboolean
file_gone (gpointer path)
{
  return !g_file_test (path, G_FILE_TEST_EXISTS);
}

/* A store with one cached contact, as a stay-signed-in session leaves it. */
static void
make_cache (const char *path,
            gint64      contact_id)
{
  g_autoptr (KithMessageStore) store = svc_test_store_open (path);
  g_autoptr (GPtrArray) contacts = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_contact_info_free);
  KithContactInfo *info = kith_contact_info_new ();

  info->user = kith_user_info_new ();
  info->user->id = contact_id;
  info->user->email = g_strdup ("bob@example.com");
  g_ptr_array_add (contacts, info);
  kith_message_store_save_contacts_async (store, contacts, NULL, NULL, NULL);
  svc_test_store_close (store);
}

static gboolean
is_from_cache (gpointer account)
{
  return kith_local_account_get_from_cache (account);
}

static gboolean
open_store (KithLocalAccount  *account,
            gint64             user_id,
            GError           **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  kith_local_account_open_async (account, user_id, NULL, svc_test_store_result, &result);
  return kith_local_account_open_finish (account, svc_test_wait_result (&result), error);
}

/* Ada (user 7) signed in here with "stay signed in", and left. */
static void
remember_ada (KithLocalAccount *account,
              const char       *dir)
{
  g_autofree char *record = g_build_filename (dir, "127.0.0.1_8480", "last-account", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (open_store (account, 7, &error));
  g_assert_no_error (error);
  kith_local_account_remember (account, 7, "ada@example.com");
  g_assert_true (kithd_test_wait_until (record_written, record, 10000));
  kith_local_account_close (account);
}

/* The record: written, seen, removed; the store where docs/service.md says. */
static void
test_record (void)
{
  g_autofree char *dir = svc_test_make_dir ("local");
  g_autofree char *record = g_build_filename (dir, "127.0.0.1_8480", "last-account", NULL);
  g_autofree char *db = g_build_filename (dir, "127.0.0.1_8480", "7.db", NULL);
  g_autoptr (KithContactList) contacts = kith_contact_list_new ();
  g_autoptr (KithLocalAccount) account = new_account (dir, contacts);
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *email = NULL;

  g_assert_false (kith_local_account_has_record (account));
  g_assert_true (open_store (account, 7, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (kith_message_store_get_path (kith_local_account_get_store (account)), ==, db);

  kith_local_account_remember (account, 7, "ada@example.com");
  g_assert_true (kithd_test_wait_until (record_written, record, 10000));
  g_assert_true (kith_local_account_has_record (account));
  g_assert_true (g_key_file_load_from_file (keyfile, record, G_KEY_FILE_NONE, NULL));
  g_assert_cmpint (g_key_file_get_int64 (keyfile, "account", "id", NULL), ==, 7);
  email = g_key_file_get_string (keyfile, "account", "email", NULL);
  g_assert_cmpstr (email, ==, "ada@example.com");

  kith_local_account_forget (account);
  g_assert_true (kithd_test_wait_until (file_gone, record, 10000));
  g_assert_false (kith_local_account_has_record (account));

  kith_local_account_close (account);
  g_assert_null (kith_local_account_get_store (account));
}

/* Restoring the recorded account shows its cache; its store goes on. */
static void
test_cache_adopted (void)
{
  g_autofree char *dir = svc_test_make_dir ("local");
  g_autofree char *db = g_build_filename (dir, "127.0.0.1_8480", "7.db", NULL);
  g_autoptr (KithContactList) contacts = kith_contact_list_new ();
  g_autoptr (KithLocalAccount) account = new_account (dir, contacts);
  g_autoptr (GError) error = NULL;
  KithMessageStore *cache;

  remember_ada (account, dir);
  make_cache (db, 2);

  /* Another email: never that account's data. */
  g_assert_false (kith_local_account_show_cache (account, "eve@example.com"));
  g_assert_null (kith_local_account_get_store (account));

  g_assert_true (kith_local_account_show_cache (account, "ada@example.com"));
  cache = kith_local_account_get_store (account);
  g_assert_nonnull (cache);
  g_assert_cmpint (kith_local_account_get_cache_user_id (account), ==, 7);
  kith_contact_list_attach (contacts, NULL, NULL, cache);
  g_assert_true (kithd_test_wait_until (is_from_cache, account, 10000));
  g_assert_nonnull (kith_contact_list_find (contacts, 2));

  g_assert_true (open_store (account, 7, &error));
  g_assert_no_error (error);
  g_assert_true (kith_local_account_get_store (account) == cache);
  g_assert_nonnull (kith_contact_list_find (contacts, 2));

  kith_local_account_online (account);
  g_assert_false (kith_local_account_get_from_cache (account));
  kith_contact_list_attach (contacts, NULL, NULL, NULL);
  kith_local_account_close (account);
}

/* Another account signs in than the cache's: nothing of it stays. */
static void
test_cache_dropped (void)
{
  g_autofree char *dir = svc_test_make_dir ("local");
  g_autofree char *db = g_build_filename (dir, "127.0.0.1_8480", "7.db", NULL);
  g_autofree char *other = g_build_filename (dir, "127.0.0.1_8480", "8.db", NULL);
  g_autoptr (KithContactList) contacts = kith_contact_list_new ();
  g_autoptr (KithLocalAccount) account = new_account (dir, contacts);
  g_autoptr (GError) error = NULL;

  remember_ada (account, dir);
  make_cache (db, 2);

  g_assert_true (kith_local_account_show_cache (account, "ada@example.com"));
  kith_contact_list_attach (contacts, NULL, NULL, kith_local_account_get_store (account));
  g_assert_true (kithd_test_wait_until (is_from_cache, account, 10000));

  g_assert_true (open_store (account, 8, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (kith_message_store_get_path (kith_local_account_get_store (account)), ==, other);
  g_assert_false (kith_local_account_get_from_cache (account));
  g_assert_cmpint (kith_local_account_get_cache_user_id (account), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (kith_contact_list_get_model (contacts)), ==, 0);

  kith_contact_list_attach (contacts, NULL, NULL, NULL);
  kith_local_account_close (account);
}

/* Deleting the account deletes its store, with its -wal and -shm. */
static void
test_delete_files (void)
{
  g_autofree char *dir = svc_test_make_dir ("local");
  g_autofree char *db = g_build_filename (dir, "1.db", NULL);
  g_autofree char *wal = g_build_filename (dir, "1.db-wal", NULL);
  g_autofree char *shm = g_build_filename (dir, "1.db-shm", NULL);
  g_autoptr (KithContactList) contacts = kith_contact_list_new ();
  g_autoptr (KithLocalAccount) account = new_account (dir, contacts);
  const char *paths[] = { db, wal, shm };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    g_assert_true (g_file_set_contents (paths[i], "x", 1, NULL));
  kith_local_account_delete_files (account, db);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    g_assert_false (g_file_test (paths[i], G_FILE_TEST_EXISTS));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/local-account/record", test_record);
  g_test_add_func ("/local-account/cache-adopted", test_cache_adopted);
  g_test_add_func ("/local-account/cache-dropped", test_cache_dropped);
  g_test_add_func ("/local-account/delete-files", test_delete_files);

  return svc_test_run (NULL);
}
