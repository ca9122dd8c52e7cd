/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdStoreSqlite"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kith-private-file.h"
#include "kithd-resources.h"
#include "kithd-store-sqlite-private.h"

/*
 * The sqlite3 store.
 *
 * Durability: the database runs in WAL mode with synchronous=NORMAL. A
 * transaction is committed once its frames are appended to the -wal file
 * (a write() into the OS page cache); the WAL is fsynced only at
 * checkpoints. Data that reached the page cache belongs to the kernel, not
 * to the process, so a committed transaction survives kithd crashing or
 * being killed with SIGKILL: the next open replays the WAL. That is the
 * promise kithd makes ("acknowledged means durable across a kithd crash"),
 * since a message is acknowledged only after its INSERT returned. What
 * NORMAL does not survive is a power loss or kernel crash shortly after
 * a commit (the last transactions may roll back; the database stays
 * consistent). synchronous=FULL (kithd_store_sqlite_set_synchronous_full)
 * fsyncs the WAL on every commit and covers that too, at the price of one
 * fsync per message.
 *
 * Statements and the files of each domain: kithd-store-sqlite-private.h.
 *
 * Schema versions: migrations/NNNN-what.sql (in the resources,
 * kithd.gresource.xml) holds one SQL script per version, NNNN counting from
 * 0001 without a gap; a database at PRAGMA user_version N gets scripts
 * N+1… applied in order, each in its own transaction together with the new
 * user_version.
 */

#define MIGRATIONS_PATH "/im/kith/kithd/migrations/"

static void kithd_store_sqlite_iface_init (KithdStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KithdStoreSqlite, kithd_store_sqlite, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (KITHD_TYPE_STORE, kithd_store_sqlite_iface_init))

/* ---- opening and migrating ---- */

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The migration scripts (GBytes, NUL-terminated), script i bringing a
 * database to version i + 1. Read once; they are part of the binary, so a
 * name out of order is a mistake of the build, not of the database. */
static GPtrArray *
get_migrations (void)
{
  static GPtrArray *migrations;

  if (g_once_init_enter (&migrations)) {
    GPtrArray *scripts = g_ptr_array_new ();
    g_autoptr (GError) error = NULL;
    g_auto (GStrv) names = g_resource_enumerate_children (kithd_get_resource (), MIGRATIONS_PATH,
                                                          G_RESOURCE_LOOKUP_FLAGS_NONE, &error);

    if (!names)
      g_error ("No schema migrations in kithd's resources: %s", error->message);
    qsort (names, g_strv_length (names), sizeof (char *), compare_names);
    for (guint i = 0; names[i]; i++) {
      g_autofree char *path = g_strconcat (MIGRATIONS_PATH, names[i], NULL);
      g_autofree char *prefix = g_strdup_printf ("%04u-", i + 1);
      GBytes *script;

      if (!g_str_has_prefix (names[i], prefix) || !g_str_has_suffix (names[i], ".sql"))
        g_error ("Schema migration %s is not %s….sql", names[i], prefix);
      script = g_resource_lookup_data (kithd_get_resource (), path,
                                       G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
      if (!script)
        g_error ("Cannot read the schema migration %s: %s", names[i], error->message);
      g_ptr_array_add (scripts, script);
    }
    g_once_init_leave (&migrations, scripts);
  }

  return migrations;
}

static gboolean
exec_script (KithdStoreSqlite  *self,
             const char        *sql,
             GError           **error)
{
  char *message = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &message) != SQLITE_OK) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_INTERNAL,
                 "Database error: %s", message ? message : sqlite3_errmsg (self->db));
    sqlite3_free (message);
    return FALSE;
  }

  return TRUE;
}

static int
read_user_version (KithdStoreSqlite  *self,
                   GError           **error)
{
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK) {
    set_db_error (self, error);
    return -1;
  }

  if (sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  else
    set_db_error (self, error);

  sqlite3_finalize (stmt);
  return version;
}

static gboolean
migrate (KithdStoreSqlite  *self,
         int                max_version,
         GError           **error)
{
  GPtrArray *migrations = get_migrations ();
  int latest = migrations->len;
  int version = read_user_version (self, error);

  if (version < 0)
    return FALSE;

  if (version > latest) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_INTERNAL,
                 "The database is at schema version %d, newer than this kithd knows (%d); "
                 "run a newer kithd", version, latest);
    return FALSE;
  }

  if (max_version < 0 || max_version > latest)
    max_version = latest;

  while (version < max_version) {
    g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %d", version + 1);

    g_debug ("Migrating the database to schema version %d", version + 1);

    if (!exec_script (self, "BEGIN IMMEDIATE", error))
      return FALSE;

    if (!exec_script (self, g_bytes_get_data (g_ptr_array_index (migrations, version), NULL), error) ||
        !exec_script (self, set_version, error) ||
        !exec_script (self, "COMMIT", error)) {
      exec_script (self, "ROLLBACK", NULL);
      return FALSE;
    }

    version++;
  }

  self->schema_version = version;
  return TRUE;
}

static gboolean
kithd_store_sqlite_open (KithdStoreSqlite  *self,
                         const char        *path,
                         int                max_version,
                         GError           **error)
{
  int rc;

  kith_make_database_private (path);

  /* NOMUTEX: one thread at a time uses the connection (the db worker) */
  rc = sqlite3_open_v2 (path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_INTERNAL,
                 "Cannot open the database %s: %s", path,
                 self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
    return FALSE;
  }

  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, 5000);

  if (!exec_script (self,
                    "PRAGMA journal_mode = WAL;"
                    "PRAGMA synchronous = NORMAL;"
                    "PRAGMA foreign_keys = ON;"
                    "PRAGMA temp_store = MEMORY;",
                    error))
    return FALSE;

  return migrate (self, max_version, error);
}

/* ---- GObject ---- */

static void
kithd_store_sqlite_finalize (GObject *object)
{
  KithdStoreSqlite *self = (KithdStoreSqlite *) object;

  g_clear_pointer (&self->stmts, g_hash_table_unref);
  if (self->db != NULL) {
    sqlite3_close (self->db);
    self->db = NULL;
  }

  G_OBJECT_CLASS (kithd_store_sqlite_parent_class)->finalize (object);
}

static void
kithd_store_sqlite_class_init (KithdStoreSqliteClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = kithd_store_sqlite_finalize;
}

static void
kithd_store_sqlite_iface_init (KithdStoreInterface *iface)
{
  kithd_store_sqlite_accounts_init (iface);
  kithd_store_sqlite_contacts_init (iface);
  kithd_store_sqlite_messages_init (iface);
  kithd_store_sqlite_mail_init (iface);
  kithd_store_sqlite_web_init (iface);
}

static void
kithd_store_sqlite_init (KithdStoreSqlite *self)
{
  self->stmts = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                       (GDestroyNotify) sqlite3_finalize);
}

KithdStoreSqlite *
kithd_store_sqlite_new_full (const char  *path,
                             int          max_version,
                             GError     **error)
{
  g_autoptr (KithdStoreSqlite) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (KITHD_TYPE_STORE_SQLITE, NULL);
  if (!kithd_store_sqlite_open (self, path, max_version, error))
    return NULL;

  return g_steal_pointer (&self);
}

KithdStoreSqlite *
kithd_store_sqlite_new (const char  *path,
                        GError     **error)
{
  return kithd_store_sqlite_new_full (path, -1, error);
}

int
kithd_store_sqlite_get_schema_version (KithdStoreSqlite *self)
{
  g_return_val_if_fail (KITHD_IS_STORE_SQLITE (self), 0);

  return self->schema_version;
}

int
kithd_store_sqlite_get_latest_version (void)
{
  return get_migrations ()->len;
}

gboolean
kithd_store_sqlite_set_synchronous_full (KithdStoreSqlite  *self,
                                         gboolean           full,
                                         GError           **error)
{
  g_return_val_if_fail (KITHD_IS_STORE_SQLITE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return exec_script (self, full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", error);
}

