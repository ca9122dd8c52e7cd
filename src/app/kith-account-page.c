/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithAccountPage"

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>

#include "kith-account-page.h"
#include "kith-change-password-dialog.h"
#include "kith-delete-account-dialog.h"

struct _KithAccountPage
{
  GtkWidget     parent_instance;

  KithSession  *session;
  KithUser     *user;
  GCancellable *cancellable;
  gboolean      syncing;       /* setting widgets from the user, not from the person */

  GtkWidget    *toast_overlay;
  GtkWidget    *back_button;
  GtkWidget    *prefs_page;
  GtkWidget    *avatar;
  GtkWidget    *name_label;
  GtkWidget    *email_row;
  GtkWidget    *first_name_row;
  GtkWidget    *last_name_row;
  GtkWidget    *password_row;
  GtkWidget    *password_button;
  GtkWidget    *notification_row;
  GtkWidget    *notification_switch;
  GtkWidget    *delete_row;
  GtkWidget    *delete_button;
};

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

enum {
  DONE,
  ACCOUNT_DELETED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KithAccountPage, kith_account_page, GTK_TYPE_WIDGET)

static void
show_toast (KithAccountPage *self,
            const char      *title)
{
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (self->toast_overlay), adw_toast_new (title));
}

static gboolean
is_editing (GtkWidget *row)
{
  return (gtk_widget_get_state_flags (row) & GTK_STATE_FLAG_FOCUS_WITHIN) != 0;
}

static void
set_row_text (GtkWidget  *row,
              const char *text)
{
  if (is_editing (row))
    return;
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (row)), text ? text : "") != 0)
    gtk_editable_set_text (GTK_EDITABLE (row), text ? text : "");
}

/* Shows the user's profile; runs again on every change (profile frames
 * from kithd, our own updates). */
static void
sync_user (KithAccountPage *self)
{
  g_autofree char *email_a11y = NULL;
  gboolean notify;

  if (self->user == NULL)
    return;

  self->syncing = TRUE;
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->email_row), kith_user_get_email (self->user));
  email_a11y = g_strdup_printf (_("Email address: %s"), kith_user_get_email (self->user));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->email_row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, email_a11y,
                                  -1);
  adw_avatar_set_text (ADW_AVATAR (self->avatar), kith_user_get_display_name (self->user));
  gtk_label_set_label (GTK_LABEL (self->name_label), kith_user_get_display_name (self->user));
  set_row_text (self->first_name_row, kith_user_get_first_name (self->user));
  set_row_text (self->last_name_row, kith_user_get_last_name (self->user));
  notify = kith_user_get_offline_email_notification (self->user);
  gtk_switch_set_active (GTK_SWITCH (self->notification_switch), notify);
  gtk_switch_set_state (GTK_SWITCH (self->notification_switch), notify);
  self->syncing = FALSE;
}

static void
set_user (KithAccountPage *self,
          KithUser        *user)
{
  if (self->user == user)
    return;
  if (self->user != NULL)
    g_signal_handlers_disconnect_by_func (self->user, sync_user, self);
  g_set_object (&self->user, user);
  if (user != NULL)
    g_signal_connect_swapped (user, "notify", G_CALLBACK (sync_user), self);
  sync_user (self);
}

static void
on_session_user (KithAccountPage *self)
{
  set_user (self, kith_session_get_user (self->session));
}

/* Ends a call of the account's (a name, the offline notification): TRUE
 * when it worked. A failure shows as a toast and the rows go back to what
 * the account says; a cancelled call (the page is going) does nothing. */
static gboolean
finish_account_call (KithAccountPage *self,
                     GObject         *source,
                     GAsyncResult    *result)
{
  g_autoptr (GError) error = NULL;

  if (kith_account_calls_finish (KITH_ACCOUNT_CALLS (source), result, &error))
    return TRUE;
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    show_toast (self, error->message);
    sync_user (self);
  }
  return FALSE;
}

/* ---- name ---- */

static void
on_name_updated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (KithAccountPage) self = user_data;

  if (!finish_account_call (self, source, result))
    return;
  show_toast (self, _("Name changed"));
}

static void
apply_name (KithAccountPage *self,
            GtkWidget       *row,
            gboolean         first)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  if (*name == '\0' && first) {
    show_toast (self, _("The first name cannot be empty"));
    sync_user (self);
    return;
  }
  kith_account_calls_update_profile_async (kith_session_get_account_calls (self->session),
                                           first ? name : NULL, first ? NULL : name, -1,
                                           self->cancellable, on_name_updated, g_object_ref (self));
}

static void
on_first_name_apply (KithAccountPage *self)
{
  apply_name (self, self->first_name_row, TRUE);
}

static void
on_last_name_apply (KithAccountPage *self)
{
  apply_name (self, self->last_name_row, FALSE);
}

/* ---- offline notification ---- */

typedef struct {
  KithAccountPage *self;
  gboolean         enabled;
} SwitchData;

static void
on_notification_updated (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  SwitchData *data = user_data;
  g_autoptr (KithAccountPage) self = data->self;
  gboolean enabled = data->enabled;

  g_free (data);
  if (!finish_account_call (self, source, result))
    return;
  self->syncing = TRUE;
  gtk_switch_set_state (GTK_SWITCH (self->notification_switch), enabled);
  self->syncing = FALSE;
  show_toast (self, enabled ? _("Offline notification turned on")
                            : _("Offline notification turned off"));
}

static gboolean
on_notification_state_set (KithAccountPage *self,
                           gboolean         state)
{
  SwitchData *data;

  if (self->syncing)
    return FALSE;

  data = g_new0 (SwitchData, 1);
  data->self = g_object_ref (self);
  data->enabled = state;
  kith_account_calls_update_profile_async (kith_session_get_account_calls (self->session), NULL,
                                           NULL, state ? 1 : 0, self->cancellable,
                                           on_notification_updated, data);
  /* The state follows once kithd has it. */
  return TRUE;
}

/* ---- dialogs ---- */

static void
on_password_changed (KithAccountPage *self)
{
  show_toast (self, _("Password changed"));
}

static void
on_account_deleted (KithAccountPage *self)
{
  g_signal_emit (self, signals[ACCOUNT_DELETED], 0);
}

static GtkWindow *
get_window (KithAccountPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

/* account.change-password and account.delete: the dialog, over the
 * window; the page hears when it is done ("changed", "deleted"). */
static void
account_dialog_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  KithAccountPage *self = KITH_ACCOUNT_PAGE (widget);
  GtkWidget *dialog;

  if (g_str_equal (action_name, "account.change-password")) {
    dialog = kith_change_password_dialog_new (get_window (self), self->session);
    g_signal_connect_object (dialog, "changed", G_CALLBACK (on_password_changed), self, G_CONNECT_SWAPPED);
  } else {
    dialog = kith_delete_account_dialog_new (get_window (self), self->session);
    g_signal_connect_object (dialog, "deleted", G_CALLBACK (on_account_deleted), self, G_CONNECT_SWAPPED);
  }
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
account_done_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  g_signal_emit (widget, signals[DONE], 0);
}

/* ---- GObject ---- */

static void
kith_account_page_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  KithAccountPage *self = KITH_ACCOUNT_PAGE (object);

  switch (prop_id) {
  case PROP_SESSION:
    g_value_set_object (value, self->session);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_account_page_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  KithAccountPage *self = KITH_ACCOUNT_PAGE (object);

  switch (prop_id) {
  case PROP_SESSION:
    self->session = g_value_dup_object (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_account_page_constructed (GObject *object)
{
  KithAccountPage *self = KITH_ACCOUNT_PAGE (object);

  G_OBJECT_CLASS (kith_account_page_parent_class)->constructed (object);

  g_assert (KITH_IS_SESSION (self->session));
  g_signal_connect_object (self->session, "notify::user", G_CALLBACK (on_session_user),
                           self, G_CONNECT_SWAPPED);
  on_session_user (self);
}

static void
kith_account_page_dispose (GObject *object)
{
  KithAccountPage *self = KITH_ACCOUNT_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  set_user (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), KITH_TYPE_ACCOUNT_PAGE);
  /* The template's unnamed top child too. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (kith_account_page_parent_class)->dispose (object);
}

static void
kith_account_page_class_init (KithAccountPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = kith_account_page_get_property;
  object_class->set_property = kith_account_page_set_property;
  object_class->constructed = kith_account_page_constructed;
  object_class->dispose = kith_account_page_dispose;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, KITH_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[DONE] =
    g_signal_new ("done",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
  signals[ACCOUNT_DELETED] =
    g_signal_new ("account-deleted",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  g_type_ensure (ADW_TYPE_AVATAR);
  g_type_ensure (ADW_TYPE_ENTRY_ROW);
  g_type_ensure (ADW_TYPE_TOAST_OVERLAY);
  g_type_ensure (ADW_TYPE_PREFERENCES_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, "/im/kith/Kith/kith-account-page.ui");
  gtk_widget_class_bind_template_child (widget_class, KithAccountPage, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, KithAccountPage, back_button);
  gtk_widget_class_bind_template_child (widget_class, KithAccountPage, prefs_page);
  gtk_widget_class_bind_template_child (widget_class, KithAccountPage, avatar);
  gtk_widget_class_bind_template_child (widget_class, KithAccountPage, name_label);
  gtk_widget_class_bind_template_child (widget_class, KithAccountPage, email_row);
  gtk_widget_class_bind_template_child (widget_class, KithAccountPage, first_name_row);
  gtk_widget_class_bind_template_child (widget_class, KithAccountPage, last_name_row);
  gtk_widget_class_bind_template_child (widget_class, KithAccountPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, KithAccountPage, password_button);
  gtk_widget_class_bind_template_child (widget_class, KithAccountPage, notification_row);
  gtk_widget_class_bind_template_child (widget_class, KithAccountPage, notification_switch);
  gtk_widget_class_bind_template_child (widget_class, KithAccountPage, delete_row);
  gtk_widget_class_bind_template_child (widget_class, KithAccountPage, delete_button);
  gtk_widget_class_bind_template_callback (widget_class, on_first_name_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_last_name_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_notification_state_set);

  gtk_widget_class_install_action (widget_class, "account.done", NULL, account_done_action);
  gtk_widget_class_install_action (widget_class, "account.change-password", NULL, account_dialog_action);
  gtk_widget_class_install_action (widget_class, "account.delete", NULL, account_dialog_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "account.done", NULL);

  gtk_widget_class_set_css_name (widget_class, "kithaccountpage");
}

static void
kith_account_page_init (KithAccountPage *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
kith_account_page_new (KithSession *session)
{
  g_return_val_if_fail (KITH_IS_SESSION (session), NULL);

  return g_object_new (KITH_TYPE_ACCOUNT_PAGE, "session", session, NULL);
}
