/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithAddContactDialog"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "kith-add-contact-dialog.h"
#include "kith-error.h"
#include "kith-error-label.h"
#include "kith-text-rules.h"

struct _KithAddContactDialog
{
  AdwMessageDialog  parent_instance;

  KithSession      *session;
  GCancellable     *cancellable;
  GtkWidget        *entry;
  GtkWidget        *error_label;
  gboolean          busy;
  gboolean          destroyed;
};

enum {
  PROP_0,
  PROP_SESSION,
  PROP_CANCELLABLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  REQUEST_SENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KithAddContactDialog, kith_add_contact_dialog, ADW_TYPE_MESSAGE_DIALOG)

static void
on_entry_changed (KithAddContactDialog *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));

  gtk_widget_set_visible (self->error_label, FALSE);
  gtk_widget_remove_css_class (self->entry, "error");
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "add",
                                           !self->busy && kith_email_is_valid (text));
}

static void
set_error (KithAddContactDialog *self,
           const char           *message)
{
  kith_error_label_show (self->error_label, self->entry, message);
  gtk_widget_add_css_class (self->entry, "error");
  gtk_widget_grab_focus (self->entry);
}

static void
on_contact_added (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (KithAddContactDialog) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!kith_contact_list_finish (KITH_CONTACT_LIST (source), result, &error)) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return;
    g_debug ("add contact failed: %s", error->message);
    if (self->destroyed)
      return;
    self->busy = FALSE;
    gtk_editable_set_editable (GTK_EDITABLE (self->entry), TRUE);
    on_entry_changed (self);
    if (g_error_matches (error, KITH_ERROR, KITH_ERROR_NOT_FOUND))
      set_error (self, _("No Kith account uses this email address."));
    else if (g_error_matches (error, KITH_ERROR, KITH_ERROR_ALREADY_CONTACT))
      set_error (self, _("This person is already one of your contacts."));
    else if (g_error_matches (error, KITH_ERROR, KITH_ERROR_INVALID_EMAIL))
      set_error (self, _("This is not a valid email address."));
    else
      set_error (self, error->message);
    return;
  }

  if (!self->destroyed) {
    self->busy = FALSE;
    gtk_window_destroy (GTK_WINDOW (self));
  }
  g_signal_emit (self, signals[REQUEST_SENT], 0);
}

static void
on_response (KithAddContactDialog *self,
             const char           *response)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (self);
  g_autofree char *email = NULL;
  KithContact *existing;
  KithUser *user;

  if (g_strcmp0 (response, "add") != 0) {
    gtk_window_destroy (GTK_WINDOW (dialog));
    return;
  }

  email = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry))));
  existing = kith_session_find_contact_by_email (self->session, email);
  user = kith_session_get_user (self->session);
  if (user != NULL && g_ascii_strcasecmp (kith_user_get_email (user), email) == 0) {
    set_error (self, _("This is your own email address."));
    return;
  }
  if (existing != NULL) {
    if (kith_contact_get_state (existing) == KITH_CONTACT_OUTGOING)
      set_error (self, _("You have already sent this person a request."));
    else
      set_error (self, _("This person is already one of your contacts."));
    return;
  }

  self->busy = TRUE;
  gtk_editable_set_editable (GTK_EDITABLE (self->entry), FALSE);
  adw_message_dialog_set_response_enabled (dialog, "add", FALSE);
  kith_contact_list_add_async (kith_session_get_contact_list (self->session), email,
                               self->cancellable, on_contact_added, g_object_ref (self));
}

/* An AdwMessageDialog closes itself before it emits a response; this one
 * stays open until kithd answered, so that errors show in it. Connected
 * after the class handler, which emits the close response for Escape. */
static gboolean
on_close_request (KithAddContactDialog *self)
{
  return TRUE;
}

static void
on_destroy (KithAddContactDialog *self)
{
  self->destroyed = TRUE;
  self->busy = FALSE;
}

static void
kith_add_contact_dialog_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  KithAddContactDialog *self = KITH_ADD_CONTACT_DIALOG (object);

  switch (prop_id) {
  case PROP_SESSION:
    g_value_set_object (value, self->session);
    break;
  case PROP_CANCELLABLE:
    g_value_set_object (value, self->cancellable);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_add_contact_dialog_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  KithAddContactDialog *self = KITH_ADD_CONTACT_DIALOG (object);

  switch (prop_id) {
  case PROP_SESSION:
    self->session = g_value_dup_object (value);
    break;
  case PROP_CANCELLABLE:
    self->cancellable = g_value_dup_object (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_add_contact_dialog_constructed (GObject *object)
{
  KithAddContactDialog *self = KITH_ADD_CONTACT_DIALOG (object);

  G_OBJECT_CLASS (kith_add_contact_dialog_parent_class)->constructed (object);

  g_assert (KITH_IS_SESSION (self->session));
}

static void
kith_add_contact_dialog_dispose (GObject *object)
{
  KithAddContactDialog *self = KITH_ADD_CONTACT_DIALOG (object);

  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (kith_add_contact_dialog_parent_class)->dispose (object);
}

static void
kith_add_contact_dialog_class_init (KithAddContactDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = kith_add_contact_dialog_get_property;
  object_class->set_property = kith_add_contact_dialog_set_property;
  object_class->constructed = kith_add_contact_dialog_constructed;
  object_class->dispose = kith_add_contact_dialog_dispose;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, KITH_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CANCELLABLE] =
    g_param_spec_object ("cancellable", NULL, NULL, G_TYPE_CANCELLABLE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[REQUEST_SENT] =
    g_signal_new ("request-sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

/* Built in code: a heading, a body, an entry and its error. */
static void
kith_add_contact_dialog_init (KithAddContactDialog *self)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (self);
  GtkWidget *box;

  adw_message_dialog_set_heading (dialog, _("Add Contact"));
  adw_message_dialog_set_body (dialog, _("Enter the email address of the person’s Kith account. They will see your request and can accept it."));

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  self->entry = gtk_entry_new ();
  gtk_entry_set_input_purpose (GTK_ENTRY (self->entry), GTK_INPUT_PURPOSE_EMAIL);
  gtk_entry_set_placeholder_text (GTK_ENTRY (self->entry), _("name@example.com"));
  gtk_entry_set_activates_default (GTK_ENTRY (self->entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Email address"),
                                  -1);
  self->error_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->error_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->error_label), 0);
  gtk_widget_add_css_class (self->error_label, "error");
  gtk_widget_set_visible (self->error_label, FALSE);
  gtk_box_append (GTK_BOX (box), self->entry);
  gtk_box_append (GTK_BOX (box), self->error_label);
  adw_message_dialog_set_extra_child (dialog, box);

  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "add", _("_Send Request"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "add", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "add");
  adw_message_dialog_set_close_response (dialog, "cancel");
  adw_message_dialog_set_response_enabled (dialog, "add", FALSE);

  g_signal_connect_swapped (self->entry, "changed", G_CALLBACK (on_entry_changed), self);
  g_signal_connect (self, "response", G_CALLBACK (on_response), NULL);
  g_signal_connect_after (self, "close-request", G_CALLBACK (on_close_request), NULL);
  g_signal_connect (self, "destroy", G_CALLBACK (on_destroy), NULL);
}

GtkWidget *
kith_add_contact_dialog_new (GtkWindow    *parent,
                             KithSession  *session,
                             GCancellable *cancellable)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (KITH_IS_SESSION (session), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  return g_object_new (KITH_TYPE_ADD_CONTACT_DIALOG,
                       "transient-for", parent,
                       "session", session,
                       "cancellable", cancellable,
                       NULL);
}
