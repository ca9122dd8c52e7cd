/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithCredentials"

#include "config.h"

#include <libsecret/secret.h>

#include "kith-credentials.h"
#include "kith-error.h"

struct _KithCredentials
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (KithCredentials, kith_credentials, G_TYPE_OBJECT)

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    "im.kith.Kith.Session", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "email", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };
  return &schema;
}

static GError *
keyring_error_new (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_new_literal (KITH_ERROR, KITH_ERROR_CANCELLED,
                                kith_error_code_describe (KITH_ERROR_CANCELLED));
  g_debug ("keyring: %s", error ? error->message : "?");
  return g_error_new_literal (KITH_ERROR, KITH_ERROR_KEYRING,
                              kith_error_code_describe (KITH_ERROR_KEYRING));
}

static void
kith_credentials_class_init (KithCredentialsClass *klass)
{
}

static void
kith_credentials_init (KithCredentials *self)
{
}

KithCredentials *
kith_credentials_new (void)
{
  return g_object_new (KITH_TYPE_CREDENTIALS, NULL);
}

static void
on_stored (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    g_task_return_error (task, keyring_error_new (error));
  else
    g_task_return_boolean (task, TRUE);
}

void
kith_credentials_store_async (KithCredentials     *self,
                              const char          *server,
                              const char          *email,
                              const char          *token,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autofree char *label = NULL;

  g_return_if_fail (KITH_IS_CREDENTIALS (self));
  g_return_if_fail (server != NULL && email != NULL && token != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_credentials_store_async);

  label = g_strdup_printf ("Kith session for %s", email);
  secret_password_store (get_schema (), SECRET_COLLECTION_DEFAULT, label, token,
                         cancellable, on_stored, g_steal_pointer (&task),
                         "server", server, "email", email, NULL);
}

gboolean
kith_credentials_store_finish (KithCredentials  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct {
  char *email;
  char *token;
} LookupResult;

static void
lookup_result_free (gpointer data)
{
  LookupResult *r = data;

  g_free (r->email);
  if (r->token)
    secret_password_wipe (r->token);
  g_free (r->token);
  g_free (r);
}

static void
on_secret_retrieved (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (SecretValue) value = NULL;
  g_autoptr (GHashTable) attributes = NULL;
  LookupResult *r;

  value = secret_retrievable_retrieve_secret_finish (SECRET_RETRIEVABLE (source), result, &error);
  if (value == NULL) {
    if (error != NULL)
      g_task_return_error (task, keyring_error_new (error));
    else
      g_task_return_pointer (task, NULL, NULL);
    return;
  }

  attributes = secret_retrievable_get_attributes (SECRET_RETRIEVABLE (source));
  r = g_new0 (LookupResult, 1);
  r->email = g_strdup (g_hash_table_lookup (attributes, "email"));
  r->token = g_strdup (secret_value_get_text (value));
  g_task_return_pointer (task, r, lookup_result_free);
}

static void
on_searched (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  GList *items;

  items = secret_password_search_finish (result, &error);
  if (error != NULL) {
    g_task_return_error (task, keyring_error_new (error));
    return;
  }
  if (items == NULL) {
    g_task_return_pointer (task, NULL, NULL);
    return;
  }

  secret_retrievable_retrieve_secret (items->data, g_task_get_cancellable (task),
                                      on_secret_retrieved, g_object_ref (task));
  g_list_free_full (items, g_object_unref);
}

void
kith_credentials_lookup_async (KithCredentials     *self,
                               const char          *server,
                               const char          *email,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GHashTable) attributes = NULL;

  g_return_if_fail (KITH_IS_CREDENTIALS (self));
  g_return_if_fail (server != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_credentials_lookup_async);

  /* libsecret reads the table after this returns: it owns copies. */
  attributes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_hash_table_insert (attributes, (char *) "server", g_strdup (server));
  if (email != NULL)
    g_hash_table_insert (attributes, (char *) "email", g_strdup (email));

  secret_password_searchv (get_schema (), attributes, SECRET_SEARCH_UNLOCK,
                           cancellable, on_searched, g_steal_pointer (&task));
}

gboolean
kith_credentials_lookup_finish (KithCredentials  *self,
                                GAsyncResult     *result,
                                char            **email,
                                char            **token,
                                GError          **error)
{
  LookupResult *r;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  r = g_task_propagate_pointer (G_TASK (result), error);
  if (r == NULL)
    return FALSE;
  if (email)
    *email = g_steal_pointer (&r->email);
  if (token)
    *token = g_strdup (r->token);
  lookup_result_free (r);
  return TRUE;
}

static void
on_cleared (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;

  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, keyring_error_new (error));
  else
    g_task_return_boolean (task, TRUE);
}

void
kith_credentials_clear_async (KithCredentials     *self,
                              const char          *server,
                              const char          *email,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_CREDENTIALS (self));
  g_return_if_fail (server != NULL && email != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_credentials_clear_async);

  secret_password_clear (get_schema (), cancellable, on_cleared, g_steal_pointer (&task),
                         "server", server, "email", email, NULL);
}

gboolean
kith_credentials_clear_finish (KithCredentials  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
