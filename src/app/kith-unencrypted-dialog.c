/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithUnencryptedDialog"

#include "config.h"

#include <glib/gi18n.h>

#include "kith-unencrypted-dialog.h"

struct _KithUnencryptedDialog
{
  AdwMessageDialog  parent_instance;

  GSettings        *settings;
  char             *server_url;
};

G_DEFINE_FINAL_TYPE (KithUnencryptedDialog, kith_unencrypted_dialog, ADW_TYPE_MESSAGE_DIALOG)

/* Remembered for this server: the application keeps the session's
 * allow-unencrypted in step with the list. */
static void
remember_server (KithUnencryptedDialog *self)
{
  g_auto (GStrv) servers = g_settings_get_strv (self->settings, "unencrypted-servers");
  g_autoptr (GStrvBuilder) builder = NULL;
  g_auto (GStrv) updated = NULL;

  if (g_strv_contains ((const char * const *) servers, self->server_url))
    return;

  builder = g_strv_builder_new ();
  g_strv_builder_addv (builder, (const char **) servers);
  g_strv_builder_add (builder, self->server_url);
  updated = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "unencrypted-servers", (const char * const *) updated);
}

static void
kith_unencrypted_dialog_response (AdwMessageDialog *dialog,
                                  const char       *response)
{
  KithUnencryptedDialog *self = KITH_UNENCRYPTED_DIALOG (dialog);

  if (g_strcmp0 (response, "connect") == 0)
    remember_server (self);
}

static void
kith_unencrypted_dialog_finalize (GObject *object)
{
  KithUnencryptedDialog *self = KITH_UNENCRYPTED_DIALOG (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->server_url, g_free);

  G_OBJECT_CLASS (kith_unencrypted_dialog_parent_class)->finalize (object);
}

static void
kith_unencrypted_dialog_class_init (KithUnencryptedDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AdwMessageDialogClass *dialog_class = ADW_MESSAGE_DIALOG_CLASS (klass);

  object_class->finalize = kith_unencrypted_dialog_finalize;
  dialog_class->response = kith_unencrypted_dialog_response;
}

static void
kith_unencrypted_dialog_init (KithUnencryptedDialog *self)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (self);

  adw_message_dialog_set_heading (dialog, _("Connect Without Encryption?"));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "connect", _("Connect _Without Encryption"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "connect", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
}

GtkWidget *
kith_unencrypted_dialog_new (GtkWindow  *parent,
                             GSettings  *settings,
                             const char *server_url)
{
  KithUnencryptedDialog *self;
  g_autoptr (GUri) uri = NULL;
  g_autofree char *body = NULL;
  const char *host;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (server_url != NULL, NULL);

  self = g_object_new (KITH_TYPE_UNENCRYPTED_DIALOG, "transient-for", parent, "modal", TRUE, NULL);
  self->settings = g_object_ref (settings);
  self->server_url = g_strdup (server_url);

  uri = g_uri_parse (server_url, G_URI_FLAGS_NONE, NULL);
  host = uri != NULL && g_uri_get_host (uri) != NULL ? g_uri_get_host (uri) : "?";
  body = g_strdup_printf (_("The address of the server %s starts with http://, so the connection "
                            "is not encrypted. Your password, and then your messages, would cross "
                            "the network readable by anyone on the way, and someone there could "
                            "pretend to be the server.\n\nConnect only if you trust every network "
                            "between you and this server. Kith will not ask again for this server."),
                          host);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), body);

  return GTK_WIDGET (self);
}

const char *
kith_unencrypted_dialog_get_server_url (KithUnencryptedDialog *self)
{
  g_return_val_if_fail (KITH_IS_UNENCRYPTED_DIALOG (self), NULL);
  return self->server_url;
}
