/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "TestStoreSqlite"

#include "config.h"

#include <sqlite3.h>

#include "kithd-test-store.h"

/* The sqlite store as its file shows it, read with sqlite3 beside the
 * store: a deleted account leaves no row that names it, a database of the
 * first release is migrated, a newer one refused, a reopened store goes
 * on where it stopped, a file that cannot be opened is an error. The
 * store's contract itself is test-store.c. */

/* ---- account deletion ---- */

static sqlite3 *
open_raw (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  return db;
}

static gint64
raw_count (sqlite3    *db,
           const char *sql,
           gint64      id,
           const char *text)
{
  sqlite3_stmt *stmt = NULL;
  gint64 count;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  if (text != NULL)
    sqlite3_bind_text (stmt, 1, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_int64 (stmt, 1, id);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  count = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);

  return count;
}

/* Rows anywhere that name @id through a column referencing users(id),
 * users.id itself, or any text column holding @email. */
static gint64
rows_of_user (const char *path,
              gint64      id,
              const char *email)
{
  sqlite3 *db = open_raw (path);
  sqlite3_stmt *tables = NULL;
  gint64 total = 0;
  guint n_tables = 0;

  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT name FROM sqlite_master WHERE type = 'table' "
                                       "AND name NOT LIKE 'sqlite_%'", -1, &tables, NULL), ==, SQLITE_OK);

  while (sqlite3_step (tables) == SQLITE_ROW) {
    g_autofree char *table = g_strdup ((const char *) sqlite3_column_text (tables, 0));
    g_autofree char *fk_sql = g_strdup_printf ("SELECT \"from\" FROM pragma_foreign_key_list ('%s') "
                                               "WHERE \"table\" = 'users'", table);
    g_autofree char *col_sql = g_strdup_printf ("SELECT name, type FROM pragma_table_info ('%s')", table);
    sqlite3_stmt *stmt = NULL;
    guint n_refs = 0;

    n_tables++;

    /* integer references to the user */
    g_assert_cmpint (sqlite3_prepare_v2 (db, fk_sql, -1, &stmt, NULL), ==, SQLITE_OK);
    while (sqlite3_step (stmt) == SQLITE_ROW) {
      g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM \"%s\" WHERE \"%s\" = ?1",
                                              table, (const char *) sqlite3_column_text (stmt, 0));

      total += raw_count (db, sql, id, NULL);
      n_refs++;
    }
    sqlite3_finalize (stmt);

    if (g_str_equal (table, "users")) {
      total += raw_count (db, "SELECT count (*) FROM users WHERE id = ?1", id, NULL);
      n_refs++;
    }

    /* every table must say whose its rows are, or this check is blind */
    g_assert_cmpuint (n_refs, >, 0);

    /* the address in any text column */
    g_assert_cmpint (sqlite3_prepare_v2 (db, col_sql, -1, &stmt, NULL), ==, SQLITE_OK);
    while (sqlite3_step (stmt) == SQLITE_ROW) {
      if (g_ascii_strcasecmp ((const char *) sqlite3_column_text (stmt, 1), "TEXT") == 0) {
        g_autofree char *sql = g_strdup_printf ("SELECT count (*) FROM \"%s\" WHERE \"%s\" = ?1 COLLATE NOCASE",
                                                table, (const char *) sqlite3_column_text (stmt, 0));

        total += raw_count (db, sql, 0, email);
      }
    }
    sqlite3_finalize (stmt);
  }
  sqlite3_finalize (tables);
  sqlite3_close (db);

  g_assert_cmpuint (n_tables, >=, 7);

  return total;
}

static void
fill_user (KithdStore *store,
           gint64      user,
           gint64      other,
           gint64      third)
{
  g_autoptr (GError) error = NULL;
  KithContactState state;
  gboolean opened;

  kithd_store_session_create (store, user, "tok-user", "Laptop", KITH_DEVICE_DESKTOP, NOW, &error);
  kithd_store_reset_create (store, user, "reset-user", NOW + 1000, &error);
  kithd_store_contact_request (store, user, other, NOW, &state, &error);
  kithd_store_contact_accept (store, other, user, NOW, &error);
  kithd_store_contact_request (store, third, user, NOW, &state, &error);
  g_assert_no_error (error);
  send_message (store, user, other, "u-1", NOW);
  send_message (store, other, user, "o-1", NOW);
  send_message (store, third, user, "t-1", NOW);
  kithd_store_notice_touch (store, user, other, NOW, &opened, &error);
  kithd_store_notice_touch (store, other, user, NOW, &opened, &error);
  kithd_store_mail_enqueue (store, user, "victim@example.com", "S", "B", NOW, &error);
  kithd_store_mail_enqueue (store, 0, "VICTIM@example.com", "S", "B", NOW, &error);
  g_assert_no_error (error);
}

static void
test_user_delete (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (KithdSession) session = NULL;
  KithContactState state;
  gint64 victim = make_user (fixture->store, "victim@example.com", "Vic");
  gint64 other = make_user (fixture->store, "other@example.com", "Otto");
  gint64 third = make_user (fixture->store, "third@example.com", "Thea");
  gint64 kept_seq;

  fill_user (fixture->store, victim, other, third);
  /* what must survive: the others' own things */
  kithd_store_contact_request (fixture->store, other, third, NOW, &state, &error);
  kithd_store_session_create (fixture->store, other, "tok-other", "Phone", KITH_DEVICE_MOBILE, NOW, &error);
  g_assert_no_error (error);
  kept_seq = send_message (fixture->store, other, third, "kept", NOW);

  g_assert_cmpint (rows_of_user (fixture->path, victim, "victim@example.com"), >, 10);

  g_assert_true (kithd_store_user_delete (fixture->store, victim, &error));
  g_assert_no_error (error);

  g_assert_cmpint (rows_of_user (fixture->path, victim, "victim@example.com"), ==, 0);

  g_assert_null (kithd_store_user_get (fixture->store, victim, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* the others keep theirs */
  session = kithd_store_session_lookup (fixture->store, "tok-other", &error);
  g_assert_no_error (error);
  list = kithd_store_message_list_after (fixture->store, other, 0, 0, &error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpint (((KithMessageInfo *) list->pdata[0])->seq, ==, kept_seq);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = kithd_store_contact_list (fixture->store, other, &error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpint (((KithdContact *) list->pdata[0])->user->id, ==, third);

  /* the address can sign up again */
  g_assert_cmpint (kithd_store_user_create (fixture->store, "victim@example.com", NULL, "V", "N",
                                            NOW, &error), >, 0);
  g_assert_no_error (error);

  g_assert_false (kithd_store_user_delete (fixture->store, victim, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
}

/* ---- migrations and reopening ---- */

static int
raw_user_version (const char *path)
{
  sqlite3 *db = open_raw (path);
  int version = (int) raw_count (db, "SELECT ?1 + (SELECT user_version FROM pragma_user_version)", 0, NULL);

  sqlite3_close (db);
  return version;
}

static void
test_migration (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdStoreSqlite) old = NULL;
  g_autoptr (KithdStoreSqlite) current = NULL;
  g_autoptr (KithdUser) user = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  g_autofree char *path = g_build_filename (fixture->dir, "old.db", NULL);
  int latest = kithd_store_sqlite_get_latest_version ();
  gint64 a, b, seq;
  gboolean opened;

  g_assert_cmpint (latest, >=, 2);
  g_assert_cmpint (kithd_store_sqlite_get_schema_version (KITHD_STORE_SQLITE (fixture->store)), ==, latest);

  /* a database as the first release left it */
  old = kithd_store_sqlite_new_full (path, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kithd_store_sqlite_get_schema_version (old), ==, 1);
  a = make_user (KITHD_STORE (old), "a@example.com", "Ann");
  b = make_user (KITHD_STORE (old), "b@example.com", "Ben");
  seq = send_message (KITHD_STORE (old), a, b, "old-1", NOW);
  /* version 2's tables are not there yet */
  g_assert_false (kithd_store_notice_touch (KITHD_STORE (old), a, b, NOW, &opened, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_INTERNAL);
  g_clear_error (&error);
  g_assert_finalize_object (g_steal_pointer (&old));
  g_assert_cmpint (raw_user_version (path), ==, 1);

  /* opening with a lower cap leaves a newer database alone */
  old = kithd_store_sqlite_new_full (path, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kithd_store_sqlite_get_schema_version (old), ==, 1);
  g_assert_finalize_object (g_steal_pointer (&old));

  /* the new kithd migrates it: data intact, new tables usable */
  current = kithd_store_sqlite_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kithd_store_sqlite_get_schema_version (current), ==, latest);
  user = kithd_store_user_get_by_email (KITHD_STORE (current), "A@example.com", &error);
  g_assert_no_error (error);
  g_assert_cmpint (user->id, ==, a);
  g_assert_cmpstr (user->first_name, ==, "Ann");
  messages = kithd_store_message_history (KITHD_STORE (current), a, b, 0, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_cmpint (((KithMessageInfo *) messages->pdata[0])->seq, ==, seq);
  g_assert_true (kithd_store_notice_touch (KITHD_STORE (current), a, b, NOW, &opened, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kithd_store_mail_enqueue (KITHD_STORE (current), a, "a@example.com", "S", "B",
                                             NOW, &error), >, 0);
  g_assert_true (kithd_store_user_delete (KITHD_STORE (current), a, &error));
  g_assert_no_error (error);
  g_assert_finalize_object (g_steal_pointer (&current));
  g_assert_cmpint (raw_user_version (path), ==, latest);

  /* reopening a current database changes nothing */
  current = kithd_store_sqlite_new (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kithd_store_sqlite_get_schema_version (current), ==, latest);
  g_assert_finalize_object (g_steal_pointer (&current));

  /* a database from a newer kithd is refused, not damaged */
  {
    sqlite3 *db = NULL;

    g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }
  current = kithd_store_sqlite_new (path, &error);
  g_assert_null (current);
  g_assert_error (error, KITH_ERROR, KITH_ERROR_INTERNAL);
  g_assert_cmpint (raw_user_version (path), ==, 99);
}

static void
test_reopen (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdUser) user = NULL;
  gint64 a = make_user (fixture->store, "a@example.com", "Ann");
  gint64 b = make_user (fixture->store, "b@example.com", "Ben");
  gint64 seq = send_message (fixture->store, a, b, "x", NOW);

  g_assert_true (kithd_store_sqlite_set_synchronous_full (KITHD_STORE_SQLITE (fixture->store), TRUE, &error));
  g_assert_no_error (error);
  send_message (fixture->store, a, b, "y", NOW);
  g_assert_true (kithd_store_sqlite_set_synchronous_full (KITHD_STORE_SQLITE (fixture->store), FALSE, &error));

  g_assert_finalize_object (g_steal_pointer (&fixture->store));
  fixture->store = KITHD_STORE (kithd_store_sqlite_new (fixture->path, &error));
  g_assert_no_error (error);

  user = kithd_store_user_get (fixture->store, b, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kithd_store_message_last_seq (fixture->store, b, &error), ==, seq + 1);

  /* the next message continues the sequence */
  g_assert_cmpint (send_message (fixture->store, b, a, "z", NOW), ==, seq + 2);
}

static void
test_open_failure (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdStoreSqlite) store = NULL;

  store = kithd_store_sqlite_new ("/nonexistent-dir/kithd.db", &error);
  g_assert_null (store);
  g_assert_error (error, KITH_ERROR, KITH_ERROR_INTERNAL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/store/user/delete", test_user_delete);
  ADD ("/store/migration", test_migration);
  ADD ("/store/reopen", test_reopen);
#undef ADD
  g_test_add_func ("/store/open-failure", test_open_failure);

  return g_test_run ();
}
