/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithChangePasswordDialog"

#include "config.h"

#include <glib/gi18n.h>

#include "kith-error.h"
#include "kith-error-label.h"
#include "kith-change-password-dialog.h"
#include "kith-password-checklist.h"

struct _KithChangePasswordDialog
{
  AdwMessageDialog  parent_instance;

  KithSession      *session;
  GCancellable     *cancellable;
  gboolean          busy;

  GtkWidget        *content_box;
  GtkWidget        *current_row;
  GtkWidget        *new_row;
  GtkWidget        *confirm_row;
  GtkWidget        *checklist;
  GtkWidget        *error_label;
};

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KithChangePasswordDialog, kith_change_password_dialog, ADW_TYPE_MESSAGE_DIALOG)

static const char *
text_of (GtkWidget *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static gboolean
can_change (KithChangePasswordDialog *self)
{
  return !self->busy &&
         *text_of (self->current_row) != '\0' &&
         kith_password_checklist_get_valid (KITH_PASSWORD_CHECKLIST (self->checklist)) &&
         g_strcmp0 (text_of (self->new_row), text_of (self->confirm_row)) == 0;
}

static void
on_changed (KithChangePasswordDialog *self)
{
  const char *confirm = text_of (self->confirm_row);

  kith_password_checklist_set_password (KITH_PASSWORD_CHECKLIST (self->checklist),
                                        text_of (self->new_row));
  gtk_widget_remove_css_class (self->current_row, "error");
  if (*confirm != '\0' && g_strcmp0 (text_of (self->new_row), confirm) != 0)
    gtk_widget_add_css_class (self->confirm_row, "error");
  else
    gtk_widget_remove_css_class (self->confirm_row, "error");
  if (!self->busy)
    gtk_widget_set_visible (self->error_label, FALSE);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "change", can_change (self));
}

static void
set_busy (KithChangePasswordDialog *self,
          gboolean                  busy)
{
  self->busy = busy;
  /* Not insensitive: that would take the focus from under the person. */
  gtk_editable_set_editable (GTK_EDITABLE (self->current_row), !busy);
  gtk_editable_set_editable (GTK_EDITABLE (self->new_row), !busy);
  gtk_editable_set_editable (GTK_EDITABLE (self->confirm_row), !busy);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "change", can_change (self));
}

static void
show_error (KithChangePasswordDialog *self,
            GtkWidget                *row,
            const char               *message)
{
  kith_error_label_show (self->error_label, row, message);
  gtk_widget_add_css_class (row, "error");
  gtk_widget_grab_focus (row);
}

static void
on_password_changed (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr (KithChangePasswordDialog) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!kith_account_calls_finish (KITH_ACCOUNT_CALLS (source), result, &error)) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return;
    g_debug ("change password: %s", error->message);
    set_busy (self, FALSE);
    if (g_error_matches (error, KITH_ERROR, KITH_ERROR_INVALID_CREDENTIALS))
      show_error (self, self->current_row, _("The current password is not correct."));
    else if (g_error_matches (error, KITH_ERROR, KITH_ERROR_PASSWORD_TOO_WEAK) ||
             g_error_matches (error, KITH_ERROR, KITH_ERROR_TOO_LONG))
      show_error (self, self->new_row, error->message);
    else
      show_error (self, self->current_row, error->message);
    return;
  }

  self->busy = FALSE;
  g_signal_emit (self, signals[CHANGED], 0);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_response (KithChangePasswordDialog *self,
             const char               *response)
{
  if (g_strcmp0 (response, "change") != 0) {
    g_cancellable_cancel (self->cancellable);
    gtk_window_destroy (GTK_WINDOW (self));
    return;
  }
  if (!can_change (self))
    return;

  set_busy (self, TRUE);
  gtk_widget_set_visible (self->error_label, FALSE);
  kith_account_calls_change_password_async (kith_session_get_account_calls (self->session),
                                            text_of (self->current_row), text_of (self->new_row),
                                            self->cancellable, on_password_changed,
                                            g_object_ref (self));
}

/* AdwMessageDialog closes itself on every response; this one stays open
 * until kithd answered (on_response closes it). */
static gboolean
kith_change_password_dialog_close_request (GtkWindow *window)
{
  GTK_WINDOW_CLASS (kith_change_password_dialog_parent_class)->close_request (window);
  return TRUE;
}

static void
kith_change_password_dialog_get_property (GObject    *object,
                                          guint       prop_id,
                                          GValue     *value,
                                          GParamSpec *pspec)
{
  KithChangePasswordDialog *self = KITH_CHANGE_PASSWORD_DIALOG (object);

  switch (prop_id) {
  case PROP_SESSION:
    g_value_set_object (value, self->session);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_change_password_dialog_set_property (GObject      *object,
                                          guint         prop_id,
                                          const GValue *value,
                                          GParamSpec   *pspec)
{
  KithChangePasswordDialog *self = KITH_CHANGE_PASSWORD_DIALOG (object);

  switch (prop_id) {
  case PROP_SESSION:
    self->session = g_value_dup_object (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_change_password_dialog_dispose (GObject *object)
{
  KithChangePasswordDialog *self = KITH_CHANGE_PASSWORD_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  /* The focus leaves the rows before they go: disposed with the focus in
   * an AdwPasswordEntryRow (libadwaita 1.2), the window's later focus
   * change reached a handler of the freed row (valgrind: invalid read in
   * libadwaita after gtk_list_box_remove; /styles/every-page). */
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), KITH_TYPE_CHANGE_PASSWORD_DIALOG);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (kith_change_password_dialog_parent_class)->dispose (object);
}

static void
kith_change_password_dialog_class_init (KithChangePasswordDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->get_property = kith_change_password_dialog_get_property;
  object_class->set_property = kith_change_password_dialog_set_property;
  object_class->dispose = kith_change_password_dialog_dispose;
  window_class->close_request = kith_change_password_dialog_close_request;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, KITH_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  g_type_ensure (ADW_TYPE_PASSWORD_ENTRY_ROW);
  gtk_widget_class_set_template_from_resource (widget_class, "/im/kith/Kith/kith-change-password-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, KithChangePasswordDialog, content_box);
  gtk_widget_class_bind_template_child (widget_class, KithChangePasswordDialog, current_row);
  gtk_widget_class_bind_template_child (widget_class, KithChangePasswordDialog, new_row);
  gtk_widget_class_bind_template_child (widget_class, KithChangePasswordDialog, confirm_row);
  gtk_widget_class_bind_template_child (widget_class, KithChangePasswordDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);
}

static void
kith_change_password_dialog_init (KithChangePasswordDialog *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));

  /* The live policy checklist, under the rows. */
  self->checklist = kith_password_checklist_new ();
  gtk_box_insert_child_after (GTK_BOX (self->content_box), self->checklist,
                              gtk_widget_get_first_child (self->content_box));

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (self),
                                    "cancel", _("_Cancel"),
                                    "change", _("C_hange Password"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (self), "change",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (self), "cancel");
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (self), "change");
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "change", FALSE);
  g_signal_connect (self, "response", G_CALLBACK (on_response), NULL);
}

GtkWidget *
kith_change_password_dialog_new (GtkWindow   *parent,
                                 KithSession *session)
{
  g_return_val_if_fail (KITH_IS_SESSION (session), NULL);

  return g_object_new (KITH_TYPE_CHANGE_PASSWORD_DIALOG,
                       "transient-for", parent,
                       "session", session,
                       NULL);
}
