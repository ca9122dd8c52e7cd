/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithLocalAccount"

#include "config.h"

#include <glib/gstdio.h>

#include "kith-local-account.h"

struct _KithLocalAccount
{
  GObject           parent_instance;

  char             *data_dir;
  char             *server_url;
  KithContactList  *contacts;
  KithMessageStore *store;

  /* Restoring: the last account's cache, shown before the session is online. */
  GCancellable     *cache_cancellable;
  gint64            cache_user_id;
  gboolean          from_cache;
};

enum {
  PROP_0,
  PROP_DATA_DIR,
  PROP_SERVER_URL,
  PROP_STORE,
  PROP_FROM_CACHE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithLocalAccount, kith_local_account, G_TYPE_OBJECT)

static char *
store_path (KithLocalAccount *self,
            gint64            user_id)
{
  g_autoptr (GUri) uri = NULL;
  g_autofree char *host = NULL;
  g_autofree char *file = g_strdup_printf ("%" G_GINT64_FORMAT ".db", user_id);

  if (self->server_url != NULL)
    uri = g_uri_parse (self->server_url, G_URI_FLAGS_NONE, NULL);
  if (uri != NULL && g_uri_get_port (uri) > 0)
    host = g_strdup_printf ("%s_%d", g_uri_get_host (uri), g_uri_get_port (uri));
  else
    host = g_strdup (uri && g_uri_get_host (uri) ? g_uri_get_host (uri) : "server");
  g_strdelimit (host, "/\\:", '_');

  return g_build_filename (self->data_dir, host, file, NULL);
}

/* The account last signed in with "stay signed in" on this server: its
 * cache may be shown at start-up while the session is restored. */
static char *
record_path (KithLocalAccount *self)
{
  g_autofree char *db = store_path (self, 0);
  g_autofree char *dir = g_path_get_dirname (db);

  return g_build_filename (dir, "last-account", NULL);
}

static void
set_from_cache (KithLocalAccount *self,
                gboolean          from_cache)
{
  if (self->from_cache == from_cache)
    return;
  self->from_cache = from_cache;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FROM_CACHE]);
}

static void
set_store (KithLocalAccount *self,
           KithMessageStore *store)
{
  if (self->store == store)
    return;
  if (self->store != NULL)
    kith_message_store_close_async (self->store, NULL, NULL, NULL);
  g_set_object (&self->store, store);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STORE]);
}

static void
end_cache (KithLocalAccount *self)
{
  g_cancellable_cancel (self->cache_cancellable);
  g_clear_object (&self->cache_cancellable);
}

static void
on_record_written (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    g_debug ("cannot remember the last account: %s", error->message);
}

static void
on_record_deleted (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_file_delete_finish (G_FILE (source), result, NULL);
}

static void
on_cache_contacts (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (KithLocalAccount) self = user_data;

  if (kith_contact_list_finish (KITH_CONTACT_LIST (source), result, NULL) &&
      self->cache_cancellable != NULL)
    set_from_cache (self, TRUE);
}

static void
on_cache_opened (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  if (!kith_message_store_finish (KITH_MESSAGE_STORE (source), result, &error))
    g_debug ("cannot open the cache: %s", error->message);
  /* The reference held while the store opened. */
  g_object_unref (user_data);
}

static void
on_store_opened (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!kith_message_store_finish (KITH_MESSAGE_STORE (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
kith_local_account_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  KithLocalAccount *self = KITH_LOCAL_ACCOUNT (object);

  switch (prop_id) {
  case PROP_DATA_DIR:
    g_value_set_string (value, self->data_dir);
    break;
  case PROP_SERVER_URL:
    g_value_set_string (value, self->server_url);
    break;
  case PROP_STORE:
    g_value_set_object (value, self->store);
    break;
  case PROP_FROM_CACHE:
    g_value_set_boolean (value, self->from_cache);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_local_account_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  KithLocalAccount *self = KITH_LOCAL_ACCOUNT (object);

  switch (prop_id) {
  case PROP_DATA_DIR:
    g_free (self->data_dir);
    self->data_dir = g_value_dup_string (value);
    break;
  case PROP_SERVER_URL:
    kith_local_account_set_server_url (self, g_value_get_string (value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_local_account_dispose (GObject *object)
{
  KithLocalAccount *self = KITH_LOCAL_ACCOUNT (object);

  end_cache (self);
  if (self->store != NULL)
    kith_message_store_close_async (self->store, NULL, NULL, NULL);
  g_clear_object (&self->store);
  g_clear_object (&self->contacts);

  G_OBJECT_CLASS (kith_local_account_parent_class)->dispose (object);
}

static void
kith_local_account_finalize (GObject *object)
{
  KithLocalAccount *self = KITH_LOCAL_ACCOUNT (object);

  g_free (self->data_dir);
  g_free (self->server_url);

  G_OBJECT_CLASS (kith_local_account_parent_class)->finalize (object);
}

static void
kith_local_account_class_init (KithLocalAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = kith_local_account_get_property;
  object_class->set_property = kith_local_account_set_property;
  object_class->dispose = kith_local_account_dispose;
  object_class->finalize = kith_local_account_finalize;

  properties[PROP_DATA_DIR] =
    g_param_spec_string ("data-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, KITH_TYPE_MESSAGE_STORE, ro);
  properties[PROP_FROM_CACHE] = g_param_spec_boolean ("from-cache", NULL, NULL, FALSE, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kith_local_account_init (KithLocalAccount *self)
{
}

KithLocalAccount *
kith_local_account_new (const char      *data_dir,
                        KithContactList *contacts)
{
  KithLocalAccount *self;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (KITH_IS_CONTACT_LIST (contacts), NULL);

  self = g_object_new (KITH_TYPE_LOCAL_ACCOUNT, "data-dir", data_dir, NULL);
  self->contacts = g_object_ref (contacts);
  return self;
}

void
kith_local_account_set_server_url (KithLocalAccount *self,
                                   const char       *server_url)
{
  g_return_if_fail (KITH_IS_LOCAL_ACCOUNT (self));

  if (g_strcmp0 (self->server_url, server_url) == 0)
    return;
  g_free (self->server_url);
  self->server_url = g_strdup (server_url);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_URL]);
}

KithMessageStore *
kith_local_account_get_store (KithLocalAccount *self)
{
  g_return_val_if_fail (KITH_IS_LOCAL_ACCOUNT (self), NULL);
  return self->store;
}

gboolean
kith_local_account_get_from_cache (KithLocalAccount *self)
{
  g_return_val_if_fail (KITH_IS_LOCAL_ACCOUNT (self), FALSE);
  return self->from_cache;
}

gboolean
kith_local_account_has_record (KithLocalAccount *self)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (KITH_IS_LOCAL_ACCOUNT (self), FALSE);

  path = record_path (self);
  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

void
kith_local_account_remember (KithLocalAccount *self,
                             gint64            user_id,
                             const char       *email)
{
  g_autofree char *path = NULL;
  g_autoptr (GFile) file = NULL;
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  g_autoptr (GBytes) bytes = NULL;
  char *data;
  gsize len;

  g_return_if_fail (KITH_IS_LOCAL_ACCOUNT (self));
  g_return_if_fail (email != NULL);

  path = record_path (self);
  file = g_file_new_for_path (path);
  g_key_file_set_int64 (keyfile, "account", "id", user_id);
  g_key_file_set_string (keyfile, "account", "email", email);
  data = g_key_file_to_data (keyfile, &len, NULL);
  bytes = g_bytes_new_take (data, len);
  /* The store's directory exists: the store is open. */
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_PRIVATE,
                                       NULL, on_record_written, NULL);
}

void
kith_local_account_forget (KithLocalAccount *self)
{
  g_autofree char *path = NULL;
  g_autoptr (GFile) file = NULL;

  g_return_if_fail (KITH_IS_LOCAL_ACCOUNT (self));

  path = record_path (self);
  file = g_file_new_for_path (path);
  g_file_delete_async (file, G_PRIORITY_DEFAULT, NULL, on_record_deleted, NULL);
}

/* The `last-account` record (a few dozen bytes next to the caches) is read
 * here, on the main thread, like GSettings' and GTK's own small files at
 * start-up: an async read would cost a trip through the main loop, which is
 * busy building the window, and the cache would then miss the first frame.
 * The database itself is opened and read on the store's worker thread, in
 * parallel with the window being built. */
gboolean
kith_local_account_show_cache (KithLocalAccount *self,
                               const char       *email)
{
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  g_autoptr (KithMessageStore) store = NULL;
  g_autofree char *record = NULL;
  g_autofree char *account_email = NULL;
  g_autofree char *path = NULL;
  gint64 id;

  g_return_val_if_fail (KITH_IS_LOCAL_ACCOUNT (self), FALSE);

  if (email == NULL || self->store != NULL)
    return FALSE;
  record = record_path (self);
  if (!g_key_file_load_from_file (keyfile, record, G_KEY_FILE_NONE, NULL))
    return FALSE;

  /* Only the account being restored: never another one's data. */
  account_email = g_key_file_get_string (keyfile, "account", "email", NULL);
  id = g_key_file_get_int64 (keyfile, "account", "id", NULL);
  if (id <= 0 || g_strcmp0 (account_email, email) != 0)
    return FALSE;

  path = store_path (self, id);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return FALSE;
  g_debug ("showing the cache of the last account: %s", path);
  self->cache_user_id = id;
  self->cache_cancellable = g_cancellable_new ();
  store = kith_message_store_new (path);
  set_store (self, store);
  kith_message_store_open_async (store, self->cache_cancellable,
                                 on_cache_opened, g_object_ref (self));
  kith_contact_list_load_async (self->contacts, store, self->cache_cancellable,
                                on_cache_contacts, g_object_ref (self));
  return TRUE;
}

gint64
kith_local_account_get_cache_user_id (KithLocalAccount *self)
{
  g_return_val_if_fail (KITH_IS_LOCAL_ACCOUNT (self), 0);
  return self->cache_user_id;
}

void
kith_local_account_online (KithLocalAccount *self)
{
  g_return_if_fail (KITH_IS_LOCAL_ACCOUNT (self));
  set_from_cache (self, FALSE);
}

void
kith_local_account_open_async (KithLocalAccount    *self,
                               gint64               user_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (KithMessageStore) store = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (KITH_IS_LOCAL_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_local_account_open_async);
  path = store_path (self, user_id);
  if (self->store != NULL && self->cache_user_id == user_id &&
      g_strcmp0 (kith_message_store_get_path (self->store), path) == 0) {
    /* The cache shown while restoring is this account's: go on with it
     * (its operations run in order, after the open). */
    end_cache (self);
    g_task_return_boolean (task, TRUE);
    return;
  }

  /* Another account than the cache's: nothing of it stays shown. */
  if (self->store != NULL) {
    kith_local_account_close (self);
    kith_contact_list_clear (self->contacts);
  }
  g_debug ("message store: %s", path);
  store = kith_message_store_new (path);
  set_store (self, store);
  kith_message_store_open_async (store, cancellable, on_store_opened, g_steal_pointer (&task));
}

gboolean
kith_local_account_open_finish (KithLocalAccount  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
kith_local_account_close (KithLocalAccount *self)
{
  g_return_if_fail (KITH_IS_LOCAL_ACCOUNT (self));

  end_cache (self);
  self->cache_user_id = 0;
  set_store (self, NULL);
  set_from_cache (self, FALSE);
}

void
kith_local_account_delete_files (KithLocalAccount *self,
                                 const char       *path)
{
  g_autofree char *wal = NULL;
  g_autofree char *shm = NULL;

  g_return_if_fail (KITH_IS_LOCAL_ACCOUNT (self));
  g_return_if_fail (path != NULL);

  wal = g_strconcat (path, "-wal", NULL);
  shm = g_strconcat (path, "-shm", NULL);
  g_unlink (path);
  g_unlink (wal);
  g_unlink (shm);
}
