/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithAutostart"

#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "kith-autostart.h"

/* "Start Kith when I log in" (docs/desktop.md, "Preferences"): the
 * Background portal's RequestBackground with autostart where the desktop
 * has the portal, else an XDG autostart file. No window code here. */

#define PORTAL_BUS_NAME    "org.freedesktop.portal.Desktop"
#define PORTAL_OBJECT_PATH "/org/freedesktop/portal/desktop"
#define PORTAL_BACKGROUND  "org.freedesktop.portal.Background"
#define PORTAL_REQUEST     "org.freedesktop.portal.Request"

struct _KithAutostart
{
  GObject          parent_instance;

  GDBusConnection *connection;
};

G_DEFINE_FINAL_TYPE (KithAutostart, kith_autostart, G_TYPE_OBJECT)

typedef struct {
  gboolean         enabled;
  GDBusConnection *connection;
  char            *request_path;
  guint            response_id;
  gulong           cancelled_id;
} Request;

static void
request_free (Request *request)
{
  if (request->response_id != 0)
    g_dbus_connection_signal_unsubscribe (request->connection, request->response_id);
  g_clear_object (&request->connection);
  g_free (request->request_path);
  g_free (request);
}

/* ---- the autostart file ---- */

static void
write_file_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  Request *request = task_data;
  g_autofree char *path = kith_autostart_get_file_path ();
  g_autoptr (GError) error = NULL;

  if (request->enabled) {
    g_autofree char *dir = g_path_get_dirname (path);
    static const char contents[] =
      "[Desktop Entry]\n"
      "Type=Application\n"
      "Name=Kith\n"
      "Icon=" APP_ID "\n"
      "Exec=" KITH_AUTOSTART_COMMAND "\n"
      "NoDisplay=true\n"
      "X-GNOME-Autostart-enabled=true\n";

    if (g_mkdir_with_parents (dir, 0700) != 0) {
      int saved_errno = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                               _("Could not create the folder %s: %s"), dir, g_strerror (saved_errno));
      return;
    }
    if (!g_file_set_contents (path, contents, -1, &error)) {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
    g_debug ("Wrote %s", path);
  } else if (g_unlink (path) != 0 && errno != ENOENT) {
    int saved_errno = errno;

    g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                             _("Could not remove %s: %s"), path, g_strerror (saved_errno));
    return;
  }

  g_task_return_boolean (task, TRUE);
}

static void
use_file (GTask *task)
{
  g_task_run_in_thread (task, write_file_thread);
}

/* ---- the Background portal ---- */

static void
on_response (GDBusConnection *connection,
             const char      *sender_name,
             const char      *object_path,
             const char      *interface_name,
             const char      *signal_name,
             GVariant        *parameters,
             gpointer         user_data)
{
  g_autoptr (GTask) task = g_object_ref (user_data);
  Request *request = g_task_get_task_data (task);
  g_autoptr (GVariant) results = NULL;
  guint32 response;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ua{sv})")))
    return;
  g_dbus_connection_signal_unsubscribe (connection, request->response_id);
  request->response_id = 0;
  if (g_task_get_completed (task) || g_task_had_error (task))
    return;

  g_variant_get (parameters, "(u@a{sv})", &response, &results);
  g_debug ("The Background portal answered %u", response);
  if (response == 0) {
    gboolean autostart = request->enabled;

    g_variant_lookup (results, "autostart", "b", &autostart);
    if (autostart != request->enabled)
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                               _("The desktop did not allow Kith to start when you log in"));
    else
      g_task_return_boolean (task, TRUE);
  } else if (response == 1) {
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             _("The desktop did not allow Kith to start when you log in"));
  } else {
    /* The portal failed on its side: the autostart file does the same. */
    use_file (task);
  }
}

static void
subscribe_response (GTask      *task,
                    const char *path)
{
  Request *request = g_task_get_task_data (task);

  if (request->response_id != 0)
    g_dbus_connection_signal_unsubscribe (request->connection, request->response_id);
  g_free (request->request_path);
  request->request_path = g_strdup (path);
  /* The signal holds a reference on the task until it comes. */
  request->response_id =
    g_dbus_connection_signal_subscribe (request->connection, PORTAL_BUS_NAME, PORTAL_REQUEST,
                                        "Response", path, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_response, g_object_ref (task), g_object_unref);
}

static void
on_request_background (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  const char *handle = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  /* The Response came before the reply, and decided. */
  if (request->response_id == 0)
    return;
  if (reply == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_dbus_connection_signal_unsubscribe (request->connection, request->response_id);
    request->response_id = 0;
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (reply == NULL) {
    /* No portal, or one without the Background interface. */
    g_debug ("No Background portal (%s): the autostart file", error->message);
    g_dbus_connection_signal_unsubscribe (request->connection, request->response_id);
    request->response_id = 0;
    use_file (task);
    return;
  }

  /* Older portals chose the request path themselves. */
  g_variant_get (reply, "(&o)", &handle);
  if (g_strcmp0 (handle, request->request_path) != 0)
    subscribe_response (task, handle);
}

static void
request_background (KithAutostart *self,
                    GTask         *task)
{
  Request *request = g_task_get_task_data (task);
  g_autofree char *sender = NULL;
  g_autofree char *token = NULL;
  g_autofree char *path = NULL;
  const char *commandline[] = { "kith", "--hidden", NULL };
  GVariantBuilder options;

  /* The Response may come before the call's reply: subscribe first, on the
   * path the portal will use (org.freedesktop.portal.Request). */
  sender = g_strdup (g_dbus_connection_get_unique_name (self->connection) + 1);
  g_strdelimit (sender, ".", '_');
  token = g_strdup_printf ("kith%u", g_random_int ());
  path = g_strconcat (PORTAL_OBJECT_PATH "/request/", sender, "/", token, NULL);
  subscribe_response (task, path);

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_("Kith starts when you log in, hidden in the system tray, so that messages and calls reach you.")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (request->enabled));
  g_variant_builder_add (&options, "{sv}", "commandline", g_variant_new_strv (commandline, -1));
  g_variant_builder_add (&options, "{sv}", "dbus-activatable", g_variant_new_boolean (FALSE));

  g_dbus_connection_call (self->connection, PORTAL_BUS_NAME, PORTAL_OBJECT_PATH, PORTAL_BACKGROUND,
                          "RequestBackground", g_variant_new ("(sa{sv})", "", &options),
                          G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          g_task_get_cancellable (task), on_request_background, g_object_ref (task));
}

/* ---- GObject ---- */

static void
kith_autostart_dispose (GObject *object)
{
  KithAutostart *self = KITH_AUTOSTART (object);

  g_clear_object (&self->connection);

  G_OBJECT_CLASS (kith_autostart_parent_class)->dispose (object);
}

static void
kith_autostart_class_init (KithAutostartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = kith_autostart_dispose;
}

static void
kith_autostart_init (KithAutostart *self)
{
}

/**
 * kith_autostart_new:
 * @connection: (nullable): the session bus, or %NULL for the file only
 */
KithAutostart *
kith_autostart_new (GDBusConnection *connection)
{
  KithAutostart *self = g_object_new (KITH_TYPE_AUTOSTART, NULL);

  g_return_val_if_fail (connection == NULL || G_IS_DBUS_CONNECTION (connection), NULL);

  if (connection != NULL)
    self->connection = g_object_ref (connection);

  return self;
}

char *
kith_autostart_get_file_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "autostart", APP_ID ".desktop", NULL);
}

void
kith_autostart_set_enabled_async (KithAutostart       *self,
                                  gboolean             enabled,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;
  Request *request;

  g_return_if_fail (KITH_IS_AUTOSTART (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_autostart_set_enabled_async);
  request = g_new0 (Request, 1);
  request->enabled = !!enabled;
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);

  if (self->connection != NULL && !g_dbus_connection_is_closed (self->connection) &&
      g_dbus_connection_get_unique_name (self->connection) != NULL) {
    request->connection = g_object_ref (self->connection);
    request_background (self, task);
  } else {
    use_file (task);
  }
}

gboolean
kith_autostart_set_enabled_finish (KithAutostart  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
