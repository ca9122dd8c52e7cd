/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithDeleteAccountDialog"

#include "config.h"

#include <glib/gi18n.h>

#include "kith-error.h"
#include "kith-error-label.h"
#include "kith-delete-account-dialog.h"

struct _KithDeleteAccountDialog
{
  AdwMessageDialog  parent_instance;

  KithSession      *session;
  GCancellable     *cancellable;
  gboolean          busy;

  GtkWidget        *email_entry;
  GtkWidget        *error_label;
};

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

enum {
  DELETED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KithDeleteAccountDialog, kith_delete_account_dialog, ADW_TYPE_MESSAGE_DIALOG)

static gboolean
email_matches (KithDeleteAccountDialog *self)
{
  KithUser *user = kith_session_get_user (self->session);
  g_autofree char *typed = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  if (user == NULL)
    return FALSE;
  typed = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->email_entry))));
  if (*typed == '\0')
    return FALSE;
  a = g_utf8_casefold (typed, -1);
  b = g_utf8_casefold (kith_user_get_email (user), -1);
  return g_strcmp0 (a, b) == 0;
}

static void
update_response (KithDeleteAccountDialog *self)
{
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "delete",
                                           !self->busy && email_matches (self));
}

static void
on_email_changed (KithDeleteAccountDialog *self)
{
  gtk_widget_set_visible (self->error_label, FALSE);
  update_response (self);
}

static void
show_error (KithDeleteAccountDialog *self,
            const char              *message)
{
  kith_error_label_show (self->error_label, self->email_entry, message);
}

static void
on_deleted (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (KithDeleteAccountDialog) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!kith_session_finish (KITH_SESSION (source), result, &error)) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return;
    g_debug ("delete account: %s", error->message);
    self->busy = FALSE;
    gtk_editable_set_editable (GTK_EDITABLE (self->email_entry), TRUE);
    update_response (self);
    if (g_error_matches (error, KITH_ERROR, KITH_ERROR_CONTACT_SUPPORT))
      show_error (self, _("Accounts on a paid plan are closed by our support team. Please contact support."));
    else if (g_error_matches (error, KITH_ERROR, KITH_ERROR_CONFIRMATION_MISMATCH))
      show_error (self, _("The email address does not match your account."));
    else
      show_error (self, error->message);
    return;
  }

  self->busy = FALSE;
  g_signal_emit (self, signals[DELETED], 0);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_response (KithDeleteAccountDialog *self,
             const char              *response)
{
  g_autofree char *email = NULL;

  if (g_strcmp0 (response, "delete") != 0) {
    g_cancellable_cancel (self->cancellable);
    gtk_window_destroy (GTK_WINDOW (self));
    return;
  }
  if (self->busy || !email_matches (self))
    return;

  self->busy = TRUE;
  gtk_widget_set_visible (self->error_label, FALSE);
  gtk_editable_set_editable (GTK_EDITABLE (self->email_entry), FALSE);
  update_response (self);
  email = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->email_entry))));
  kith_session_delete_account_async (self->session, email, self->cancellable,
                                     on_deleted, g_object_ref (self));
}

/* AdwMessageDialog closes itself on every response; this one stays open
 * until kithd answered (on_response closes it). */
static gboolean
kith_delete_account_dialog_close_request (GtkWindow *window)
{
  GTK_WINDOW_CLASS (kith_delete_account_dialog_parent_class)->close_request (window);
  return TRUE;
}

static void
kith_delete_account_dialog_get_property (GObject    *object,
                                         guint       prop_id,
                                         GValue     *value,
                                         GParamSpec *pspec)
{
  KithDeleteAccountDialog *self = KITH_DELETE_ACCOUNT_DIALOG (object);

  switch (prop_id) {
  case PROP_SESSION:
    g_value_set_object (value, self->session);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_delete_account_dialog_set_property (GObject      *object,
                                         guint         prop_id,
                                         const GValue *value,
                                         GParamSpec   *pspec)
{
  KithDeleteAccountDialog *self = KITH_DELETE_ACCOUNT_DIALOG (object);

  switch (prop_id) {
  case PROP_SESSION:
    self->session = g_value_dup_object (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_delete_account_dialog_constructed (GObject *object)
{
  KithDeleteAccountDialog *self = KITH_DELETE_ACCOUNT_DIALOG (object);
  KithUser *user = kith_session_get_user (self->session);

  G_OBJECT_CLASS (kith_delete_account_dialog_parent_class)->constructed (object);

  if (user != NULL)
    gtk_entry_set_placeholder_text (GTK_ENTRY (self->email_entry), kith_user_get_email (user));
  update_response (self);
}

static void
kith_delete_account_dialog_dispose (GObject *object)
{
  KithDeleteAccountDialog *self = KITH_DELETE_ACCOUNT_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), KITH_TYPE_DELETE_ACCOUNT_DIALOG);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (kith_delete_account_dialog_parent_class)->dispose (object);
}

static void
kith_delete_account_dialog_class_init (KithDeleteAccountDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->get_property = kith_delete_account_dialog_get_property;
  object_class->set_property = kith_delete_account_dialog_set_property;
  object_class->constructed = kith_delete_account_dialog_constructed;
  object_class->dispose = kith_delete_account_dialog_dispose;
  window_class->close_request = kith_delete_account_dialog_close_request;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, KITH_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[DELETED] =
    g_signal_new ("deleted",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/im/kith/Kith/kith-delete-account-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, KithDeleteAccountDialog, email_entry);
  gtk_widget_class_bind_template_child (widget_class, KithDeleteAccountDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_email_changed);
}

static void
kith_delete_account_dialog_init (KithDeleteAccountDialog *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (self),
                                    "cancel", _("_Cancel"),
                                    "delete", _("_Delete My Account"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (self), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (self), "cancel");
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (self), "delete");
  g_signal_connect (self, "response", G_CALLBACK (on_response), NULL);
}

GtkWidget *
kith_delete_account_dialog_new (GtkWindow   *parent,
                                KithSession *session)
{
  g_return_val_if_fail (KITH_IS_SESSION (session), NULL);

  return g_object_new (KITH_TYPE_DELETE_ACCOUNT_DIALOG,
                       "transient-for", parent,
                       "session", session,
                       NULL);
}
