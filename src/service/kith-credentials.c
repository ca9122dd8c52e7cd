/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithCredentials"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>

#include "kith-credentials.h"
#include "kith-error.h"

#define DEFAULT_TIMEOUT_MS 60000

struct _KithCredentials
{
  GObject parent_instance;

  guint   timeout_ms;
};

enum {
  PROP_0,
  PROP_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithCredentials, kith_credentials, G_TYPE_OBJECT)

/* What went wrong, as far as the person is concerned. */
typedef enum {
  PROBLEM_OTHER,
  PROBLEM_NO_SERVICE,   /* nothing answers on the bus for org.freedesktop.secrets */
  PROBLEM_LOCKED,       /* locked, and the unlock prompt was dismissed, or got no answer */
  PROBLEM_NO_ANSWER,    /* the keyring itself did not answer in time */
} Problem;

/*
 * One keyring call: its own steps on libsecret, bounded in time. A prompt
 * nobody answers (the login keyring locked, a screen nobody looks at) would
 * otherwise keep the call, and whatever waits for it, pending for ever.
 */
typedef struct {
  char          *server;
  char          *email;
  char          *token;
  GHashTable    *attributes;    /* the copies libsecret reads */
  SecretService *service;
  GCancellable  *cancellable;   /* libsecret's: the caller's, or the time-out */
  GCancellable  *caller;
  gulong         caller_handler;
  guint          timeout_source;
  gboolean       timed_out;
  gboolean       returned;
  /* unlocking */
  GDBusConnection *bus;
  char          *prompt;         /* the Secret Service's prompt object, while it is up */
  guint          completed_sub;
  void         (*unlocked) (GTask *task);
  /* clear */
  guint          pending;
  gboolean       locked;
} Op;

static void stop_prompt (Op *op);

static void
op_free (gpointer data)
{
  Op *op = data;

  stop_prompt (op);
  g_clear_object (&op->bus);
  g_clear_handle_id (&op->timeout_source, g_source_remove);
  if (op->caller != NULL)
    g_cancellable_disconnect (op->caller, op->caller_handler);
  g_clear_object (&op->caller);
  g_clear_object (&op->cancellable);
  g_clear_object (&op->service);
  g_clear_pointer (&op->attributes, g_hash_table_unref);
  g_free (op->server);
  g_free (op->email);
  if (op->token != NULL)
    secret_password_wipe (op->token);
  g_free (op->token);
  g_free (op);
}

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
keyring_error_new (Op           *op,
                   const GError *error,
                   Problem       problem)
{
  if (!op->timed_out && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_new_literal (KITH_ERROR, KITH_ERROR_CANCELLED,
                                kith_error_code_describe (KITH_ERROR_CANCELLED));

  g_debug ("keyring: %s (problem %d)", error ? error->message : "-", problem);
  if (g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
    problem = PROBLEM_LOCKED;
  else if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY) ||
           g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_TIMEOUT) ||
           g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_TIMED_OUT) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    problem = PROBLEM_NO_ANSWER;

  switch (problem) {
  case PROBLEM_NO_ANSWER:
    return g_error_new_literal (KITH_ERROR, KITH_ERROR_KEYRING,
                                _("The keyring did not answer, so Kith cannot keep you signed in."));
  case PROBLEM_NO_SERVICE:
    return g_error_new_literal (KITH_ERROR, KITH_ERROR_KEYRING,
                                _("No keyring is running, so Kith cannot keep you signed in."));
  case PROBLEM_LOCKED:
    return g_error_new_literal (KITH_ERROR, KITH_ERROR_KEYRING,
                                _("The keyring is locked, so Kith cannot keep you signed in."));
  case PROBLEM_OTHER:
  default:
    return g_error_new_literal (KITH_ERROR, KITH_ERROR_KEYRING,
                                kith_error_code_describe (KITH_ERROR_KEYRING));
  }
}

/* Each task returns once: the time-out may have answered already, while
 * libsecret is still busy (its callbacks come later and find it done). */
static gboolean
op_done (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  return op->returned;
}

/* What the op_return_* share: FALSE if @task has answered already;
 * otherwise it is marked answered, its time-out and prompt stopped. */
static gboolean
op_begin_return (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  if (op->returned)
    return FALSE;
  op->returned = TRUE;
  g_clear_handle_id (&op->timeout_source, g_source_remove);
  stop_prompt (op);
  return TRUE;
}

static void
op_return_error (GTask        *task,
                 const GError *error,
                 Problem       problem)
{
  if (op_begin_return (task))
    g_task_return_error (task, keyring_error_new (g_task_get_task_data (task), error, problem));
}

static void
op_return_boolean (GTask    *task,
                   gboolean  value)
{
  if (op_begin_return (task))
    g_task_return_boolean (task, value);
}

static void
op_return_pointer (GTask          *task,
                   gpointer        value,
                   GDestroyNotify  destroy)
{
  if (op_begin_return (task))
    g_task_return_pointer (task, value, destroy);
  else if (value != NULL && destroy != NULL)
    destroy (value);
}

static gboolean
on_op_timeout (gpointer user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);

  op->timeout_source = 0;
  op->timed_out = TRUE;
  g_cancellable_cancel (op->cancellable);
  /* An unlock prompt nobody answered: still locked. Otherwise the keyring
   * itself is silent. */
  op_return_error (task, NULL, op->prompt != NULL ? PROBLEM_LOCKED : PROBLEM_NO_ANSWER);
  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled (GCancellable *caller,
                     gpointer      user_data)
{
  g_cancellable_cancel (user_data);
}

static GTask *
op_new (KithCredentials     *self,
        gpointer             source_tag,
        const char          *server,
        const char          *email,
        GCancellable        *cancellable,
        GAsyncReadyCallback  callback,
        gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Op *op = g_new0 (Op, 1);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, op, op_free);

  op->server = g_strdup (server);
  op->email = g_strdup (email);
  /* libsecret reads the table after the call returns: it holds copies. */
  op->attributes = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (op->attributes, (char *) "server", op->server);
  if (op->email != NULL)
    g_hash_table_insert (op->attributes, (char *) "email", op->email);

  op->cancellable = g_cancellable_new ();
  if (cancellable != NULL) {
    op->caller = g_object_ref (cancellable);
    op->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled),
                                                g_object_ref (op->cancellable), g_object_unref);
  }
  /* The source holds the task: it is removed when the task returns. */
  op->timeout_source = g_timeout_add_full (G_PRIORITY_DEFAULT, self->timeout_ms, on_op_timeout,
                                           g_object_ref (task), g_object_unref);
  return task;
}

/* ---- unlocking ----
 *
 * Done on the Secret Service's D-Bus interface itself (Unlock, then the
 * prompt's Prompt and its Completed signal) rather than through libsecret's
 * unlock, which, when the prompt cannot be shown, returns an error it does
 * not have (a critical) and never finishes. A dismissed prompt, or one
 * that cannot be shown, is an answer here: the keyring stays locked. */

#define SECRETS_NAME "org.freedesktop.secrets"
#define SECRETS_PATH "/org/freedesktop/secrets"
#define PROMPT_IFACE "org.freedesktop.Secret.Prompt"

static void
stop_prompt (Op *op)
{
  if (op->completed_sub != 0) {
    g_dbus_connection_signal_unsubscribe (op->bus, op->completed_sub);
    op->completed_sub = 0;
  }
  /* A prompt given up on is left alone (gnome-keyring 42 does not
   * implement Dismiss): on a desktop the dialog stays up, and answering it
   * later unlocks the keyring for the next start. */
  g_clear_pointer (&op->prompt, g_free);
}

static void
on_prompt_completed (GDBusConnection *connection,
                     const char      *sender,
                     const char      *path,
                     const char      *iface,
                     const char      *signal,
                     GVariant        *parameters,
                     gpointer         user_data)
{
  GTask *task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr (GVariant) result = NULL;
  gboolean dismissed = TRUE;

  if (g_strcmp0 (path, op->prompt) != 0 ||
      !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(bv)")))
    return;
  g_variant_get (parameters, "(bv)", &dismissed, &result);
  g_clear_pointer (&op->prompt, g_free);   /* answered: nothing to dismiss */

  if (dismissed) {
    op_return_error (task, NULL, PROBLEM_LOCKED);
    return;
  }
  g_dbus_connection_signal_unsubscribe (op->bus, op->completed_sub);
  op->completed_sub = 0;
  op->unlocked (task);
}

static void
on_prompt_shown (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  /* The prompt could not be shown (no prompter, no display): locked. */
  if (reply == NULL && !op_done (task))
    op_return_error (task, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? error : NULL,
                     PROBLEM_LOCKED);
}

static void
on_unlock_called (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) unlocked = NULL;
  g_autoptr (GError) error = NULL;
  const char *prompt = "/";

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (op_done (task))
    return;
  if (reply == NULL) {
    op_return_error (task, error, PROBLEM_LOCKED);
    return;
  }
  g_variant_get (reply, "(@ao&o)", &unlocked, &prompt);
  if (g_variant_n_children (unlocked) > 0) {
    op->unlocked (task);
    return;
  }
  if (g_str_equal (prompt, "/")) {
    op_return_error (task, NULL, PROBLEM_LOCKED);
    return;
  }

  /* The desktop asks for the keyring's password. */
  op->prompt = g_strdup (prompt);
  op->completed_sub = g_dbus_connection_signal_subscribe (op->bus, NULL, PROMPT_IFACE, "Completed",
                                                          op->prompt, NULL,
                                                          G_DBUS_SIGNAL_FLAGS_NONE,
                                                          on_prompt_completed,
                                                          g_object_ref (task), g_object_unref);
  g_dbus_connection_call (op->bus, SECRETS_NAME, op->prompt, PROMPT_IFACE, "Prompt",
                          g_variant_new ("(s)", ""), G_VARIANT_TYPE ("()"),
                          G_DBUS_CALL_FLAGS_NONE, -1, op->cancellable, on_prompt_shown,
                          g_object_ref (task));
}

/* Unlocks the object at @path (a collection or an item), asking the
 * desktop for the password if need be, then runs @unlocked. */
static void
unlock (GTask       *task,
        const char  *path,
        void       (*unlocked) (GTask *task))
{
  Op *op = g_task_get_task_data (task);
  const char *paths[] = { path, NULL };

  op->unlocked = unlocked;
  if (op->bus == NULL)
    op->bus = g_object_ref (g_dbus_proxy_get_connection (G_DBUS_PROXY (op->service)));
  g_dbus_connection_call (op->bus, SECRETS_NAME, SECRETS_PATH, "org.freedesktop.Secret.Service",
                          "Unlock", g_variant_new ("(^ao)", paths), G_VARIANT_TYPE ("(aoo)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, op->cancellable, on_unlock_called,
                          g_object_ref (task));
}

/* ---- the service ---- */

typedef void (*ServiceFunc) (GTask *task);

static void
on_service (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  ServiceFunc next = g_object_get_data (G_OBJECT (task), "kith-next");
  g_autoptr (GError) error = NULL;

  op->service = secret_service_get_finish (result, &error);
  if (op_done (task))
    return;
  if (op->service == NULL) {
    op_return_error (task, error, PROBLEM_NO_SERVICE);
    return;
  }
  next (task);
}

/* Connects to the Secret Service (opening a session for secrets), then
 * runs @next. */
static void
with_service (GTask       *task,
              ServiceFunc  next)
{
  g_object_set_data (G_OBJECT (task), "kith-next", next);
  /* Not cancelled: libsecret keeps its half-made proxy when this is
   * cancelled. A call given up on finishes later, unseen. */
  secret_service_get (SECRET_SERVICE_OPEN_SESSION, NULL, on_service, g_object_ref (task));
}

/* ---- store ---- */

static void
on_stored (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;

  if (!secret_service_store_finish (SECRET_SERVICE (source), result, &error))
    op_return_error (task, error, PROBLEM_OTHER);
  else
    op_return_boolean (task, TRUE);
}

static void
store_now (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  g_autoptr (SecretValue) value = secret_value_new (op->token, -1, "text/plain");
  g_autofree char *label = g_strdup_printf ("Kith session for %s", op->email);

  secret_service_store (op->service, get_schema (), op->attributes, SECRET_COLLECTION_DEFAULT,
                        label, value, op->cancellable, on_stored, g_object_ref (task));
}

static void
on_default_collection (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (SecretCollection) collection = NULL;
  g_autoptr (GError) error = NULL;

  collection = secret_collection_for_alias_finish (result, &error);
  if (op_done (task))
    return;
  if (error != NULL) {
    op_return_error (task, error, PROBLEM_OTHER);
    return;
  }
  /* No default collection yet: libsecret makes one (it may ask for its
   * password). */
  if (collection == NULL || !secret_collection_get_locked (collection)) {
    store_now (task);
    return;
  }

  /* Locked: unlocked first (the desktop asks for its password), so that a
   * dismissed prompt is an answer, not a store that never finishes. */
  unlock (task, g_dbus_proxy_get_object_path (G_DBUS_PROXY (collection)), store_now);
}

static void
store_with_service (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  secret_collection_for_alias (op->service, SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE,
                               op->cancellable, on_default_collection, g_object_ref (task));
}

/* ---- lookup ---- */

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
on_secret_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  SecretItem *item = SECRET_ITEM (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (SecretValue) value = NULL;
  g_autoptr (GHashTable) attributes = NULL;
  LookupResult *r;

  if (!secret_item_load_secret_finish (item, result, &error)) {
    op_return_error (task, error, PROBLEM_OTHER);
    return;
  }
  value = secret_item_get_secret (item);
  if (value == NULL) {
    op_return_error (task, NULL, secret_item_get_locked (item) ? PROBLEM_LOCKED : PROBLEM_OTHER);
    return;
  }

  attributes = secret_item_get_attributes (item);
  r = g_new0 (LookupResult, 1);
  r->email = g_strdup (g_hash_table_lookup (attributes, "email"));
  r->token = g_strdup (secret_value_get_text (value));
  op_return_pointer (task, r, lookup_result_free);
}

static void
load_secret (GTask *task)
{
  Op *op = g_task_get_task_data (task);
  SecretItem *item = g_object_get_data (G_OBJECT (task), "kith-item");

  secret_item_load_secret (item, op->cancellable, on_secret_loaded, g_object_ref (task));
}

/* Searches for @task's entries (those of its server and email), for a
 * lookup or a clear; @done ends it with search_done (). */
static void
search (GTask               *task,
        SecretSearchFlags    flags,
        GAsyncReadyCallback  done)
{
  Op *op = g_task_get_task_data (task);

  secret_service_search (op->service, get_schema (), op->attributes, flags,
                         op->cancellable, done, g_object_ref (task));
}

/* Ends the search of a lookup or a clear: FALSE if @task has answered
 * (before, or now with the search's error); otherwise @items holds what it
 * found, a list to free. */
static gboolean
search_done (GTask         *task,
             GObject       *source,
             GAsyncResult  *result,
             GList        **items)
{
  g_autoptr (GError) error = NULL;

  *items = secret_service_search_finish (SECRET_SERVICE (source), result, &error);
  if (op_done (task)) {
    g_list_free_full (g_steal_pointer (items), g_object_unref);
    return FALSE;
  }
  if (error != NULL) {
    op_return_error (task, error, PROBLEM_OTHER);
    return FALSE;
  }
  return TRUE;
}

static void
on_searched (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GList *items;
  SecretItem *item;

  if (!search_done (task, source, result, &items))
    return;
  if (items == NULL) {
    op_return_pointer (task, NULL, NULL);
    return;
  }

  item = items->data;
  g_object_set_data_full (G_OBJECT (task), "kith-item", g_object_ref (item), g_object_unref);
  if (secret_item_get_locked (item))
    unlock (task, g_dbus_proxy_get_object_path (G_DBUS_PROXY (item)), load_secret);
  else
    load_secret (task);
  g_list_free_full (items, g_object_unref);
}

static void
lookup_with_service (GTask *task)
{
  search (task, SECRET_SEARCH_NONE, on_searched);
}

/* ---- clear ---- */

static void
clear_step_done (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  if (--op->pending > 0)
    return;
  /* A locked entry stays: removing it would need the keyring's password,
   * and a stale token is harmless (the server no longer knows it). */
  if (op->locked)
    op_return_error (task, NULL, PROBLEM_LOCKED);
  else
    op_return_boolean (task, TRUE);
}

static void
on_item_deleted (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;

  if (!secret_item_delete_finish (SECRET_ITEM (source), result, &error)) {
    op_return_error (task, error, PROBLEM_OTHER);
    return;
  }
  clear_step_done (task);
}

static void
on_searched_for_clear (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  Op *op = g_task_get_task_data (task);
  GList *items;

  if (!search_done (task, source, result, &items))
    return;

  op->pending = 1;
  for (GList *l = items; l != NULL; l = l->next) {
    SecretItem *item = l->data;

    if (secret_item_get_locked (item)) {
      op->locked = TRUE;
      continue;
    }
    op->pending++;
    secret_item_delete (item, op->cancellable, on_item_deleted, g_object_ref (task));
  }
  g_list_free_full (items, g_object_unref);
  clear_step_done (task);
}

static void
clear_with_service (GTask *task)
{
  search (task, SECRET_SEARCH_ALL, on_searched_for_clear);
}

/* ---- GObject ---- */

static void
kith_credentials_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  KithCredentials *self = KITH_CREDENTIALS (object);

  switch (prop_id) {
  case PROP_TIMEOUT:
    g_value_set_uint (value, self->timeout_ms);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_credentials_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  KithCredentials *self = KITH_CREDENTIALS (object);

  switch (prop_id) {
  case PROP_TIMEOUT:
    if (self->timeout_ms != g_value_get_uint (value)) {
      self->timeout_ms = g_value_get_uint (value);
      g_object_notify_by_pspec (object, pspec);
    }
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_credentials_class_init (KithCredentialsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = kith_credentials_get_property;
  object_class->set_property = kith_credentials_set_property;

  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, G_MAXUINT, DEFAULT_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kith_credentials_init (KithCredentials *self)
{
  const char *value = g_getenv ("KITH_KEYRING_TIMEOUT_MS");
  guint64 ms;

  self->timeout_ms = DEFAULT_TIMEOUT_MS;
  if (value != NULL && g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT, &ms, NULL))
    self->timeout_ms = (guint) ms;
}

KithCredentials *
kith_credentials_new (void)
{
  return g_object_new (KITH_TYPE_CREDENTIALS, NULL);
}

/* ---- public API ---- */

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
  Op *op;

  g_return_if_fail (KITH_IS_CREDENTIALS (self));
  g_return_if_fail (server != NULL && email != NULL && token != NULL);

  task = op_new (self, kith_credentials_store_async, server, email, cancellable,
                 callback, user_data);
  op = g_task_get_task_data (task);
  op->token = g_strdup (token);
  with_service (task, store_with_service);
}

gboolean
kith_credentials_store_finish (KithCredentials  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
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

  g_return_if_fail (KITH_IS_CREDENTIALS (self));
  g_return_if_fail (server != NULL);

  task = op_new (self, kith_credentials_lookup_async, server, email, cancellable,
                 callback, user_data);
  with_service (task, lookup_with_service);
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

  task = op_new (self, kith_credentials_clear_async, server, email, cancellable,
                 callback, user_data);
  with_service (task, clear_with_service);
}

gboolean
kith_credentials_clear_finish (KithCredentials  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
