/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithLoginPasswordStep"

#include "config.h"

#include "kith-login-password-step.h"

struct _KithLoginPasswordStep
{
  GtkBox     parent_instance;

  GtkWidget *email_summary_row;
  GtkWidget *password_row;
  GtkWidget *stay_check;
  GtkWidget *forgot_button2;
};

enum {
  PROP_0,
  PROP_EMAIL,
  PROP_STAY_SIGNED_IN,
  N_PROPS
};

enum {
  SIGN_IN,
  CHANGE_EMAIL,
  FORGOT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KithLoginPasswordStep, kith_login_password_step, GTK_TYPE_BOX)

static void
on_sign_in (KithLoginPasswordStep *self)
{
  g_signal_emit (self, signals[SIGN_IN], 0);
}

static void
on_change_email (KithLoginPasswordStep *self)
{
  g_signal_emit (self, signals[CHANGE_EMAIL], 0);
}

static void
on_forgot (KithLoginPasswordStep *self)
{
  g_signal_emit (self, signals[FORGOT], 0);
}

static void
on_stay_toggled (KithLoginPasswordStep *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STAY_SIGNED_IN]);
}

static void
kith_login_password_step_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  KithLoginPasswordStep *self = KITH_LOGIN_PASSWORD_STEP (object);

  switch (prop_id) {
  case PROP_EMAIL:
    g_value_set_string (value, kith_login_password_step_get_email (self));
    break;
  case PROP_STAY_SIGNED_IN:
    g_value_set_boolean (value, kith_login_password_step_get_stay_signed_in (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_login_password_step_set_property (GObject      *object,
                                       guint         prop_id,
                                       const GValue *value,
                                       GParamSpec   *pspec)
{
  KithLoginPasswordStep *self = KITH_LOGIN_PASSWORD_STEP (object);

  switch (prop_id) {
  case PROP_EMAIL:
    kith_login_password_step_set_email (self, g_value_get_string (value));
    break;
  case PROP_STAY_SIGNED_IN:
    kith_login_password_step_set_stay_signed_in (self, g_value_get_boolean (value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_login_password_step_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), KITH_TYPE_LOGIN_PASSWORD_STEP);

  G_OBJECT_CLASS (kith_login_password_step_parent_class)->dispose (object);
}

static void
kith_login_password_step_class_init (KithLoginPasswordStepClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = kith_login_password_step_get_property;
  object_class->set_property = kith_login_password_step_set_property;
  object_class->dispose = kith_login_password_step_dispose;

  properties[PROP_EMAIL] =
    g_param_spec_string ("email", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STAY_SIGNED_IN] =
    g_param_spec_boolean ("stay-signed-in", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGN_IN] = g_signal_new ("sign-in", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[CHANGE_EMAIL] = g_signal_new ("change-email", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[FORGOT] = g_signal_new ("forgot", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/im/kith/Kith/kith-login-password-step.ui");
  gtk_widget_class_bind_template_child (widget_class, KithLoginPasswordStep, email_summary_row);
  gtk_widget_class_bind_template_child (widget_class, KithLoginPasswordStep, password_row);
  gtk_widget_class_bind_template_child (widget_class, KithLoginPasswordStep, stay_check);
  gtk_widget_class_bind_template_child (widget_class, KithLoginPasswordStep, forgot_button2);
  gtk_widget_class_bind_template_callback (widget_class, on_sign_in);
  gtk_widget_class_bind_template_callback (widget_class, on_change_email);
  gtk_widget_class_bind_template_callback (widget_class, on_forgot);
  gtk_widget_class_bind_template_callback (widget_class, on_stay_toggled);
}

static void
kith_login_password_step_init (KithLoginPasswordStep *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
kith_login_password_step_new (void)
{
  return g_object_new (KITH_TYPE_LOGIN_PASSWORD_STEP, NULL);
}

void
kith_login_password_step_set_email (KithLoginPasswordStep *self,
                                    const char            *email)
{
  g_return_if_fail (KITH_IS_LOGIN_PASSWORD_STEP (self));

  if (g_strcmp0 (email, kith_login_password_step_get_email (self)) == 0)
    return;
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->email_summary_row),
                                 email != NULL ? email : "");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMAIL]);
}

const char *
kith_login_password_step_get_email (KithLoginPasswordStep *self)
{
  g_return_val_if_fail (KITH_IS_LOGIN_PASSWORD_STEP (self), NULL);

  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->email_summary_row));
}

const char *
kith_login_password_step_get_password (KithLoginPasswordStep *self)
{
  g_return_val_if_fail (KITH_IS_LOGIN_PASSWORD_STEP (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->password_row));
}

void
kith_login_password_step_clear_password (KithLoginPasswordStep *self)
{
  g_return_if_fail (KITH_IS_LOGIN_PASSWORD_STEP (self));

  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
}

gboolean
kith_login_password_step_get_stay_signed_in (KithLoginPasswordStep *self)
{
  g_return_val_if_fail (KITH_IS_LOGIN_PASSWORD_STEP (self), FALSE);

  return gtk_check_button_get_active (GTK_CHECK_BUTTON (self->stay_check));
}

void
kith_login_password_step_set_stay_signed_in (KithLoginPasswordStep *self,
                                             gboolean               stay)
{
  g_return_if_fail (KITH_IS_LOGIN_PASSWORD_STEP (self));

  /* The check button's notify::active says it to our listeners. */
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->stay_check), stay);
}

void
kith_login_password_step_set_forgot_visible (KithLoginPasswordStep *self,
                                             gboolean               visible)
{
  g_return_if_fail (KITH_IS_LOGIN_PASSWORD_STEP (self));

  gtk_widget_set_visible (self->forgot_button2, visible);
}

void
kith_login_password_step_focus_password (KithLoginPasswordStep *self)
{
  g_return_if_fail (KITH_IS_LOGIN_PASSWORD_STEP (self));

  gtk_widget_grab_focus (self->password_row);
}
