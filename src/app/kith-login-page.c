/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithLoginPage"

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>

#include "kith-error.h"
#include "kith-login-password-step.h"
#include "kith-scroll.h"
#include "kith-sign-up-form.h"
#include "kith-text-rules.h"
#include "kith-unencrypted-dialog.h"

#include "kith-login-page-private.h"

enum {
  PROP_0,
  PROP_SESSION,
  PROP_SETTINGS,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithLoginPage, kith_login_page, GTK_TYPE_WIDGET)

static const char *
row_text (GtkWidget *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static char *
row_text_stripped (GtkWidget *row)
{
  return g_strstrip (g_strdup (row_text (row)));
}

void
kith_login_page_set_busy (KithLoginPage *self,
                          gboolean       busy)
{
  if (self->busy == busy)
    return;

  self->busy = busy;

  /* Take the focus out of the form before it turns insensitive, so that
   * its entries see the focus leave. */
  if (busy) {
    GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
    GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

    if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self)))
      gtk_root_set_focus (root, NULL);
  }

  gtk_widget_set_visible (self->spinner, busy);
  gtk_spinner_set_spinning (GTK_SPINNER (self->spinner), busy);
  gtk_widget_set_sensitive (self->stack, !busy);
  if (self->server_row != NULL)
    gtk_widget_set_sensitive (self->server_row, !busy);
  if (busy)
    gtk_widget_set_visible (self->error_label, FALSE);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/* The error goes right under what it is about: the fields of the step shown
 * (the first child of its page) or, for the server address, Advanced. */
static void
place_error_after (KithLoginPage *self,
                   GtkWidget     *anchor)
{
  GtkWidget *parent = gtk_widget_get_parent (anchor);

  if (gtk_widget_get_parent (self->error_label) == parent &&
      gtk_widget_get_prev_sibling (self->error_label) == anchor)
    return;

  g_object_ref (self->error_label);
  gtk_widget_unparent (self->error_label);
  gtk_box_insert_child_after (GTK_BOX (parent), self->error_label, anchor);
  g_object_unref (self->error_label);
}

static GtkWidget *
step_fields (KithLoginPage *self)
{
  return gtk_widget_get_first_child (gtk_stack_get_visible_child (GTK_STACK (self->stack)));
}

static void
show_error_after (KithLoginPage *self,
                  GtkWidget     *anchor,
                  const char    *error)
{
  place_error_after (self, anchor);
  gtk_label_set_label (GTK_LABEL (self->error_label), error != NULL ? error : "");
  gtk_widget_set_visible (self->error_label, error != NULL && *error != '\0');
  /* On a short window the sign-up form's error would be below the fold. */
  if (gtk_widget_get_visible (self->error_label))
    kith_scroll_into_view (GTK_SCROLLED_WINDOW (self->scroller), anchor, self->error_label);
}

void
kith_login_page_hide_notices (KithLoginPage *self)
{
  gtk_widget_set_visible (self->error_label, FALSE);
  gtk_widget_set_visible (self->message_box, FALSE);
}

static char *
describe_error (KithLoginPage *self,
                const GError  *error)
{
  if (error->domain == KITH_ERROR) {
    switch ((KithErrorCode) error->code) {
    case KITH_ERROR_INVALID_CREDENTIALS:
      return g_strdup (_("The email address or the password is wrong. Check them and try again."));
    case KITH_ERROR_NETWORK:
      return g_strdup_printf (_("Kith cannot reach the server at %s. Check your connection, or the server address under Advanced."),
                              kith_session_get_server_url (self->session));
    case KITH_ERROR_RATE_LIMITED:
      return g_strdup (_("Too many attempts. Wait a minute, then try again."));
    case KITH_ERROR_EMAIL_TAKEN:
      return g_strdup (_("An account with this email address already exists. Log in instead, or use “Forgot password?”."));
    case KITH_ERROR_INVALID_EMAIL:
      return g_strdup (_("This is not a valid email address."));
    case KITH_ERROR_UNSUPPORTED_FLOW:
      return g_strdup (_("This server does not offer this way of signing in."));
    case KITH_ERROR_INTERNAL:
    default:
      break;
    }
  }

  if (error->message != NULL && *error->message != '\0')
    return g_strdup (error->message);

  return g_strdup (_("Something went wrong. Try again."));
}

static void
update_forgot (KithLoginPage *self)
{
  g_autofree char *email = row_text_stripped (self->email_row);

  /* The help article: the email address is typed first, then the option
   * to click on "Forgot password?" appears. */
  gtk_widget_set_visible (self->forgot_button, *email != '\0');
  if (self->password_step != NULL)
    kith_login_password_step_set_forgot_visible (KITH_LOGIN_PASSWORD_STEP (self->password_step),
                                                 *email != '\0');
}

static void ensure_step (KithLoginPage *self,
                         const char    *step);

static void
show_step (KithLoginPage *self,
           const char    *step)
{
  ensure_step (self, step);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), step);
  if (!gtk_widget_get_visible (self->error_label))
    place_error_after (self, step_fields (self));
  /* The sign-up form is long: it gets the logo's room. */
  gtk_widget_set_visible (self->logo, !g_str_equal (step, "sign-up"));

  if (g_str_equal (step, "sign-up")) {
    gtk_label_set_label (GTK_LABEL (self->title_label), _("Create a Kith Account"));
    gtk_label_set_label (GTK_LABEL (self->subtitle_label),
                         _("Your email address will be your Kith ID"));
    kith_sign_up_form_focus_first (KITH_SIGN_UP_FORM (self->sign_up_form));
  } else {
    gtk_label_set_label (GTK_LABEL (self->title_label), _("Log in to Kith"));
    gtk_label_set_label (GTK_LABEL (self->subtitle_label),
                         _("Chat with your contacts and see who is online"));
    if (g_str_equal (step, "password"))
      kith_login_password_step_focus_password (KITH_LOGIN_PASSWORD_STEP (self->password_step));
    else
      gtk_widget_grab_focus (self->email_row);
  }
}

static void
on_email_changed (KithLoginPage *self)
{
  update_forgot (self);
  gtk_widget_set_visible (self->error_label, FALSE);
}

static void
on_continue (KithLoginPage *self)
{
  g_autofree char *email = row_text_stripped (self->email_row);

  if (self->busy)
    return;

  kith_login_page_hide_notices (self);

  if (*email == '\0') {
    kith_login_page_show_error (self, _("Type your Kith ID: the email address you signed up with."));
    gtk_widget_grab_focus (self->email_row);
    return;
  }

  if (!kith_email_is_valid (email)) {
    kith_login_page_show_error (self, _("This is not a valid email address."));
    gtk_widget_grab_focus (self->email_row);
    return;
  }

  ensure_step (self, "password");
  kith_login_password_step_set_email (KITH_LOGIN_PASSWORD_STEP (self->password_step), email);
  show_step (self, "password");
}

static void
on_show_email (KithLoginPage *self)
{
  kith_login_page_hide_notices (self);
  show_step (self, "email");
}

static void
on_show_sign_up (KithLoginPage *self)
{
  g_autofree char *email = row_text_stripped (self->email_row);

  kith_login_page_hide_notices (self);
  ensure_step (self, "sign-up");
  kith_sign_up_form_suggest_email (KITH_SIGN_UP_FORM (self->sign_up_form), email);
  show_step (self, "sign-up");
}

/* Signed in, or back to the start: the form does not keep a password. */
void
kith_login_page_forget_passwords (KithLoginPage *self)
{
  if (self->password_step != NULL)
    kith_login_password_step_clear_password (KITH_LOGIN_PASSWORD_STEP (self->password_step));
  if (self->sign_up_form != NULL)
    kith_sign_up_form_clear_password (KITH_SIGN_UP_FORM (self->sign_up_form));
}

static void ask_unencrypted (KithLoginPage *self,
                             const GError  *error);

/* A sign-in (password or Google) failed: TRUE when the page shows why,
 * FALSE when there is nothing to show (cancelled, or the question about
 * a server without encryption is asked instead). */
gboolean
kith_login_page_sign_in_failed (KithLoginPage *self,
                                const GError  *error)
{
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;

  kith_login_page_set_busy (self, FALSE);
  /* Nothing was sent: ask, and try again if the user says so. */
  if (g_error_matches (error, KITH_ERROR, KITH_ERROR_UNENCRYPTED)) {
    ask_unencrypted (self, error);
    return FALSE;
  }
  text = describe_error (self, error);
  g_debug ("Signing in failed: %s", error->message);
  kith_login_page_show_error (self, text);
  return TRUE;
}

static void
on_signed_in (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (KithLoginPage) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!kith_session_finish (KITH_SESSION (object), result, &error)) {
    if (!kith_login_page_sign_in_failed (self, error))
      return;
    if (g_str_equal (kith_login_page_get_step (self), "password"))
      kith_login_password_step_focus_password (KITH_LOGIN_PASSWORD_STEP (self->password_step));
    return;
  }

  kith_login_page_set_busy (self, FALSE);
  kith_login_page_forget_passwords (self);
}

static void
on_sign_in (KithLoginPage *self)
{
  g_autofree char *email = row_text_stripped (self->email_row);
  KithLoginPasswordStep *step = KITH_LOGIN_PASSWORD_STEP (self->password_step);
  const char *password = kith_login_password_step_get_password (step);

  if (self->busy)
    return;

  kith_login_page_hide_notices (self);

  if (*password == '\0') {
    kith_login_page_show_error (self, _("Type your password."));
    kith_login_password_step_focus_password (step);
    return;
  }

  g_settings_set_string (self->settings, "last-email", email);
  kith_login_page_stop_google (self);
  self->retry = on_sign_in;
  kith_login_page_set_busy (self, TRUE);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  kith_session_sign_in_async (self->session, email, password,
                              kith_login_password_step_get_stay_signed_in (step),
                              self->cancellable, on_signed_in, g_object_ref (self));
}

static void
on_reset_requested (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (KithLoginPage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *email = g_object_steal_data (G_OBJECT (self), "reset-email");
  g_autofree char *text = NULL;

  if (!kith_account_calls_finish (KITH_ACCOUNT_CALLS (object), result, &error)) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return;

    kith_login_page_set_busy (self, FALSE);
    text = describe_error (self, error);
    kith_login_page_show_error (self, text);
    return;
  }

  kith_login_page_set_busy (self, FALSE);
  text = g_strdup_printf (_("If an account exists for %s, we sent a link to reset the password. "
                            "Look in your Inbox and your Spam or Junk folder. "
                            "The link works for 24 hours."),
                          email);
  kith_login_page_show_message (self, text);
  gtk_image_set_from_icon_name (GTK_IMAGE (self->message_icon), "mail-unread-symbolic");
}

static void
on_forgot_clicked (KithLoginPage *self)
{
  g_autofree char *email = row_text_stripped (self->email_row);

  if (self->busy || *email == '\0')
    return;

  kith_login_page_hide_notices (self);
  if (!kith_email_is_valid (email)) {
    kith_login_page_show_error (self, _("This is not a valid email address."));
    return;
  }

  kith_login_page_set_busy (self, TRUE);
  g_object_set_data_full (G_OBJECT (self), "reset-email", g_strdup (email), g_free);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  kith_account_calls_request_password_reset_async (kith_session_get_account_calls (self->session),
                                                   email, self->cancellable, on_reset_requested,
                                                   g_object_ref (self));
}

static void
on_sign_up (KithLoginPage *self)
{
  KithSignUpForm *form = KITH_SIGN_UP_FORM (self->sign_up_form);
  g_autofree char *first = kith_sign_up_form_dup_first_name (form);
  g_autofree char *last = kith_sign_up_form_dup_last_name (form);
  g_autofree char *email = kith_sign_up_form_dup_email (form);

  if (self->busy || !kith_sign_up_form_get_ready (form))
    return;

  kith_login_page_hide_notices (self);
  g_settings_set_string (self->settings, "last-email", email);
  gtk_editable_set_text (GTK_EDITABLE (self->email_row), email);
  kith_login_page_stop_google (self);
  self->retry = on_sign_up;
  kith_login_page_set_busy (self, TRUE);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  kith_session_sign_up_async (self->session, email, kith_sign_up_form_get_password (form),
                              first, last, kith_sign_up_form_get_stay_signed_in (form),
                              self->cancellable, on_signed_in, g_object_ref (self));
}

/* ---- a server without encryption: asked once per server ---- */

static void
on_unencrypted_response (KithUnencryptedDialog *dialog,
                         const char            *response,
                         KithLoginPage         *self)
{
  g_autofree char *refusal = g_strdup (g_object_get_data (G_OBJECT (dialog), "refusal"));

  g_clear_weak_pointer (&self->unencrypted_dialog);
  if (g_strcmp0 (response, "connect") != 0 ||
      g_strcmp0 (kith_session_get_server_url (self->session),
                 kith_unencrypted_dialog_get_server_url (dialog)) != 0) {
    kith_login_page_show_error (self, refusal);
    return;
  }

  /* The dialog remembered the server; then the same again. */
  kith_session_set_allow_unencrypted (self->session, TRUE);
  if (self->retry != NULL)
    self->retry (self);
}

static void
ask_unencrypted (KithLoginPage *self,
                 const GError  *error)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;

  if (self->unencrypted_dialog != NULL || kith_session_get_server_url (self->session) == NULL)
    return;

  dialog = kith_unencrypted_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        self->settings, kith_session_get_server_url (self->session));
  g_object_set_data_full (G_OBJECT (dialog), "refusal", g_strdup (error->message), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_unencrypted_response), self, 0);
  g_set_weak_pointer (&self->unencrypted_dialog, dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_server_info (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (KithLoginPage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KithServerInfo) info = NULL;
  gboolean google = FALSE;

  info = kith_account_calls_server_info_finish (KITH_ACCOUNT_CALLS (object), result, &error);
  if (info == NULL) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_debug ("No server information: %s", error->message);
      gtk_widget_set_visible (self->google_button, FALSE);
    }
    return;
  }

  if (info->login_flows != NULL)
    google = g_strv_contains ((const char * const *) info->login_flows, KITH_LOGIN_FLOW_OIDC_GOOGLE);
  /* Set here rather than in the template: setting a tooltip costs a round
   * trip to the X server, which the first frame need not wait for. */
  if (google && gtk_widget_get_tooltip_text (self->google_button) == NULL)
    gtk_widget_set_tooltip_text (self->google_button, _("Use your Google account"));
  gtk_widget_set_visible (self->google_button, google);
}

static void
on_server_apply (KithLoginPage *self)
{
  g_autofree char *server = row_text_stripped (self->server_row);

  if (*server == '\0' || !(g_str_has_prefix (server, "http://") || g_str_has_prefix (server, "https://"))) {
    show_error_after (self, self->advanced_group, _("The server address starts with https:// or http://"));
    return;
  }

  kith_login_page_hide_notices (self);
  g_settings_set_string (self->settings, "server", server);
  if (kith_session_get_state (self->session) == KITH_SESSION_SIGNED_OUT)
    kith_session_set_server_url (self->session, server);
  kith_login_page_refresh_server_info (self);
}

static void
on_session_server_changed (KithLoginPage *self)
{
  const char *url = kith_session_get_server_url (self->session);

  if (self->server_row != NULL && g_strcmp0 (url, row_text (self->server_row)) != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->server_row), url != NULL ? url : "");
}

/* The server address row, made the first time Advanced is expanded: the
 * first frame does not measure an entry that nobody sees. */
static void
on_advanced_expanded (KithLoginPage *self)
{
  if (self->server_row != NULL || !adw_expander_row_get_expanded (ADW_EXPANDER_ROW (self->advanced_row)))
    return;

  self->server_row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->server_row), _("Server address"));
  adw_entry_row_set_input_purpose (ADW_ENTRY_ROW (self->server_row), GTK_INPUT_PURPOSE_URL);
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (self->server_row), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->server_row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Server address"), -1);
  gtk_widget_set_sensitive (self->server_row, !self->busy);
  g_signal_connect_object (self->server_row, "apply", G_CALLBACK (on_server_apply), self,
                           G_CONNECT_SWAPPED);
  on_session_server_changed (self);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (self->advanced_row), self->server_row);
}

static void
on_session_state_changed (KithLoginPage *self)
{
  KithSessionState state = kith_session_get_state (self->session);

  /* Signed in: the form does not keep the password a moment longer. */
  if (state == KITH_SESSION_ONLINE || state == KITH_SESSION_RECONNECTING)
    kith_login_page_forget_passwords (self);
}

/* ---- the steps made when first shown ----
 *
 * Only the first step (the email address) is in the template: the password
 * step and the sign-up form are widgets of their own, made the first time
 * they are shown, which keeps the login page's first frame short. */

static void
ensure_step (KithLoginPage *self,
             const char    *step)
{
  if (g_str_equal (step, "password") && self->password_step == NULL) {
    self->password_step = kith_login_password_step_new ();
    g_settings_bind (self->settings, "stay-signed-in", self->password_step, "stay-signed-in",
                     G_SETTINGS_BIND_DEFAULT);
    g_signal_connect_object (self->password_step, "sign-in", G_CALLBACK (on_sign_in), self,
                             G_CONNECT_SWAPPED);
    g_signal_connect_object (self->password_step, "change-email", G_CALLBACK (on_show_email), self,
                             G_CONNECT_SWAPPED);
    g_signal_connect_object (self->password_step, "forgot", G_CALLBACK (on_forgot_clicked), self,
                             G_CONNECT_SWAPPED);
    gtk_stack_add_named (GTK_STACK (self->stack), self->password_step, "password");
    update_forgot (self);
  } else if (g_str_equal (step, "sign-up") && self->sign_up_form == NULL) {
    self->sign_up_form = kith_sign_up_form_new ();
    g_settings_bind (self->settings, "stay-signed-in", self->sign_up_form, "stay-signed-in",
                     G_SETTINGS_BIND_DEFAULT);
    g_signal_connect_object (self->sign_up_form, "submit", G_CALLBACK (on_sign_up), self,
                             G_CONNECT_SWAPPED);
    g_signal_connect_object (self->sign_up_form, "have-account", G_CALLBACK (on_show_email), self,
                             G_CONNECT_SWAPPED);
    gtk_stack_add_named (GTK_STACK (self->stack), self->sign_up_form, "sign-up");
  }
}

static gboolean
refresh_info_idle (gpointer user_data)
{
  KithLoginPage *self = user_data;

  kith_login_page_refresh_server_info (self);

  return G_SOURCE_REMOVE;
}

static void
kith_login_page_map (GtkWidget *widget)
{
  KithLoginPage *self = KITH_LOGIN_PAGE (widget);

  GTK_WIDGET_CLASS (kith_login_page_parent_class)->map (widget);

  /* Ask which flows the server offers once the page is up, never before
   * the first frame. */
  if (!self->info_requested) {
    self->info_requested = TRUE;
    g_idle_add_full (G_PRIORITY_LOW, refresh_info_idle, g_object_ref (self), g_object_unref);
  }
}

static void
kith_login_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  KithLoginPage *self = KITH_LOGIN_PAGE (object);

  switch (prop_id) {
  case PROP_SESSION:
    g_value_set_object (value, self->session);
    break;
  case PROP_SETTINGS:
    g_value_set_object (value, self->settings);
    break;
  case PROP_BUSY:
    g_value_set_boolean (value, self->busy);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_login_page_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  KithLoginPage *self = KITH_LOGIN_PAGE (object);

  switch (prop_id) {
  case PROP_SESSION:
    self->session = g_value_dup_object (value);
    break;
  case PROP_SETTINGS:
    self->settings = g_value_dup_object (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_login_page_constructed (GObject *object)
{
  KithLoginPage *self = KITH_LOGIN_PAGE (object);

  G_OBJECT_CLASS (kith_login_page_parent_class)->constructed (object);

  g_assert (KITH_IS_SESSION (self->session));
  g_assert (G_IS_SETTINGS (self->settings));

  g_signal_connect_object (self->session, "notify::server-url",
                           G_CALLBACK (on_session_server_changed), self, G_CONNECT_SWAPPED);
  on_session_server_changed (self);
  g_signal_connect_object (self->session, "notify::state",
                           G_CALLBACK (on_session_state_changed), self, G_CONNECT_SWAPPED);

  kith_login_page_reset (self);
}

static void
kith_login_page_dispose (GObject *object)
{
  KithLoginPage *self = KITH_LOGIN_PAGE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->info_cancellable);
  g_clear_object (&self->info_cancellable);
  kith_login_page_stop_google (self);
  if (self->google != NULL)
    g_signal_handlers_disconnect_by_data (self->google, self);
  g_clear_object (&self->google);
  if (self->unencrypted_dialog != NULL) {
    g_signal_handlers_disconnect_by_data (self->unencrypted_dialog, self);
    gtk_window_destroy (GTK_WINDOW (self->unencrypted_dialog));
    g_clear_weak_pointer (&self->unencrypted_dialog);
  }

  gtk_widget_dispose_template (GTK_WIDGET (self), KITH_TYPE_LOGIN_PAGE);
  /* The template's unnamed top child too. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  /* The steps made later went with the template's stack. */
  self->password_step = self->sign_up_form = self->server_row = NULL;

  G_OBJECT_CLASS (kith_login_page_parent_class)->dispose (object);
}

static void
kith_login_page_finalize (GObject *object)
{
  KithLoginPage *self = KITH_LOGIN_PAGE (object);

  g_clear_object (&self->session);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (kith_login_page_parent_class)->finalize (object);
}

static void
kith_login_page_class_init (KithLoginPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = kith_login_page_get_property;
  object_class->set_property = kith_login_page_set_property;
  object_class->constructed = kith_login_page_constructed;
  object_class->dispose = kith_login_page_dispose;
  object_class->finalize = kith_login_page_finalize;

  widget_class->map = kith_login_page_map;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, KITH_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/im/kith/Kith/kith-login-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, KithLoginPage, name)
  BIND (logo);
  BIND (title_label);
  BIND (subtitle_label);
  BIND (message_box);
  BIND (message_icon);
  BIND (message_label);
  BIND (stack);
  BIND (email_row);
  BIND (continue_button);
  BIND (google_button);
  BIND (google_waiting_box);
  BIND (google_spinner);
  BIND (google_cancel_button);
  BIND (google_stay_check);
  BIND (forgot_button);
  BIND (sign_up_link);
  BIND (spinner);
  BIND (error_label);
  BIND (scroller);
  BIND (advanced_group);
  BIND (advanced_row);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_email_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_continue);
  gtk_widget_class_bind_template_callback (widget_class, on_show_sign_up);
  gtk_widget_class_bind_template_callback (widget_class, on_forgot_clicked);
  gtk_widget_class_bind_template_callback_full (widget_class, "on_google_clicked",
                                                G_CALLBACK (kith_login_page_on_google_clicked));
  gtk_widget_class_bind_template_callback (widget_class, on_advanced_expanded);

  gtk_widget_class_install_action (widget_class, "login.cancel-google", NULL,
                                   kith_login_page_on_cancel_google);
  /* Only while waiting: otherwise the action is off and Escape goes on. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "login.cancel-google", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "loginpage");
}

static void
kith_login_page_init (KithLoginPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "login.cancel-google", FALSE);
}

GtkWidget *
kith_login_page_new (KithSession *session,
                     GSettings   *settings)
{
  g_return_val_if_fail (KITH_IS_SESSION (session), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (KITH_TYPE_LOGIN_PAGE,
                       "session", session,
                       "settings", settings,
                       NULL);
}

void
kith_login_page_reset (KithLoginPage *self)
{
  g_autofree char *last_email = NULL;

  g_return_if_fail (KITH_IS_LOGIN_PAGE (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  kith_login_page_stop_google (self);
  kith_login_page_set_busy (self, FALSE);
  kith_login_page_hide_notices (self);

  last_email = g_settings_get_string (self->settings, "last-email");
  if (*row_text (self->email_row) == '\0' && *last_email != '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->email_row), last_email);
  kith_login_page_forget_passwords (self);
  update_forgot (self);
  show_step (self, "email");
}

void
kith_login_page_forget_email (KithLoginPage *self)
{
  g_return_if_fail (KITH_IS_LOGIN_PAGE (self));

  g_settings_set_string (self->settings, "last-email", "");
  gtk_editable_set_text (GTK_EDITABLE (self->email_row), "");
  if (self->sign_up_form != NULL)
    kith_sign_up_form_set_email (KITH_SIGN_UP_FORM (self->sign_up_form), "");
  kith_login_page_reset (self);
}

void
kith_login_page_show_message (KithLoginPage *self,
                              const char    *message)
{
  g_return_if_fail (KITH_IS_LOGIN_PAGE (self));

  gtk_label_set_label (GTK_LABEL (self->message_label), message != NULL ? message : "");
  gtk_image_set_from_icon_name (GTK_IMAGE (self->message_icon), "dialog-information-symbolic");
  gtk_widget_set_visible (self->message_box, message != NULL && *message != '\0');
}

void
kith_login_page_show_error (KithLoginPage *self,
                            const char    *error)
{
  g_return_if_fail (KITH_IS_LOGIN_PAGE (self));

  show_error_after (self, step_fields (self), error);
}

void
kith_login_page_refresh_server_info (KithLoginPage *self)
{
  g_return_if_fail (KITH_IS_LOGIN_PAGE (self));

  g_cancellable_cancel (self->info_cancellable);
  g_clear_object (&self->info_cancellable);
  self->info_cancellable = g_cancellable_new ();
  kith_account_calls_server_info_async (kith_session_get_account_calls (self->session),
                                        self->info_cancellable, on_server_info,
                                        g_object_ref (self));
}

gboolean
kith_login_page_get_busy (KithLoginPage *self)
{
  g_return_val_if_fail (KITH_IS_LOGIN_PAGE (self), FALSE);

  return self->busy;
}

const char *
kith_login_page_get_step (KithLoginPage *self)
{
  g_return_val_if_fail (KITH_IS_LOGIN_PAGE (self), NULL);

  return gtk_stack_get_visible_child_name (GTK_STACK (self->stack));
}
