/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithSignUpForm"

#include "config.h"

#include "kith-password-checklist.h"
#include "kith-sign-up-form.h"
#include "kith-text-rules.h"

struct _KithSignUpForm
{
  GtkBox     parent_instance;

  GtkWidget *first_name_row;
  GtkWidget *last_name_row;
  GtkWidget *sign_up_email_row;
  GtkWidget *sign_up_password_row;
  GtkWidget *checklist;
  GtkWidget *sign_up_stay_check;
  GtkWidget *sign_up_button;
};

enum {
  PROP_0,
  PROP_STAY_SIGNED_IN,
  PROP_READY,
  N_PROPS
};

enum {
  SUBMIT,
  HAVE_ACCOUNT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KithSignUpForm, kith_sign_up_form, GTK_TYPE_BOX)

static char *
row_text_stripped (GtkWidget *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static void
on_changed (KithSignUpForm *self)
{
  gboolean was_ready = gtk_widget_get_sensitive (self->sign_up_button);
  gboolean ready;

  kith_password_checklist_set_password (KITH_PASSWORD_CHECKLIST (self->checklist),
                                        kith_sign_up_form_get_password (self));
  ready = kith_sign_up_form_get_ready (self);
  gtk_widget_set_sensitive (self->sign_up_button, ready);
  if (ready != was_ready)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
}

static void
on_submit (KithSignUpForm *self)
{
  if (kith_sign_up_form_get_ready (self))
    g_signal_emit (self, signals[SUBMIT], 0);
}

/* Enter in a field moves to the next empty one, then submits. */
static void
on_next (KithSignUpForm *self)
{
  GtkWidget *rows[] = {
    self->first_name_row, self->last_name_row, self->sign_up_email_row, self->sign_up_password_row,
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++) {
    g_autofree char *text = row_text_stripped (rows[i]);

    if (*text == '\0') {
      gtk_widget_grab_focus (rows[i]);
      return;
    }
  }

  if (kith_sign_up_form_get_ready (self)) {
    on_submit (self);
    return;
  }

  if (!kith_password_checklist_get_valid (KITH_PASSWORD_CHECKLIST (self->checklist)))
    gtk_widget_grab_focus (self->sign_up_password_row);
  else
    gtk_widget_grab_focus (self->sign_up_email_row);
}

static void
on_have_account (KithSignUpForm *self)
{
  g_signal_emit (self, signals[HAVE_ACCOUNT], 0);
}

static void
on_stay_toggled (KithSignUpForm *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STAY_SIGNED_IN]);
}

static void
kith_sign_up_form_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  KithSignUpForm *self = KITH_SIGN_UP_FORM (object);

  switch (prop_id) {
  case PROP_STAY_SIGNED_IN:
    g_value_set_boolean (value, kith_sign_up_form_get_stay_signed_in (self));
    break;
  case PROP_READY:
    g_value_set_boolean (value, kith_sign_up_form_get_ready (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_sign_up_form_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  KithSignUpForm *self = KITH_SIGN_UP_FORM (object);

  switch (prop_id) {
  case PROP_STAY_SIGNED_IN:
    kith_sign_up_form_set_stay_signed_in (self, g_value_get_boolean (value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_sign_up_form_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), KITH_TYPE_SIGN_UP_FORM);

  G_OBJECT_CLASS (kith_sign_up_form_parent_class)->dispose (object);
}

static void
kith_sign_up_form_class_init (KithSignUpFormClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = kith_sign_up_form_get_property;
  object_class->set_property = kith_sign_up_form_set_property;
  object_class->dispose = kith_sign_up_form_dispose;

  properties[PROP_STAY_SIGNED_IN] =
    g_param_spec_boolean ("stay-signed-in", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_READY] =
    g_param_spec_boolean ("ready", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SUBMIT] = g_signal_new ("submit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[HAVE_ACCOUNT] = g_signal_new ("have-account", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (KITH_TYPE_PASSWORD_CHECKLIST);
  gtk_widget_class_set_template_from_resource (widget_class, "/im/kith/Kith/kith-sign-up-form.ui");
  gtk_widget_class_bind_template_child (widget_class, KithSignUpForm, first_name_row);
  gtk_widget_class_bind_template_child (widget_class, KithSignUpForm, last_name_row);
  gtk_widget_class_bind_template_child (widget_class, KithSignUpForm, sign_up_email_row);
  gtk_widget_class_bind_template_child (widget_class, KithSignUpForm, sign_up_password_row);
  gtk_widget_class_bind_template_child (widget_class, KithSignUpForm, checklist);
  gtk_widget_class_bind_template_child (widget_class, KithSignUpForm, sign_up_stay_check);
  gtk_widget_class_bind_template_child (widget_class, KithSignUpForm, sign_up_button);
  gtk_widget_class_bind_template_callback (widget_class, on_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_next);
  gtk_widget_class_bind_template_callback (widget_class, on_submit);
  gtk_widget_class_bind_template_callback (widget_class, on_have_account);
  gtk_widget_class_bind_template_callback (widget_class, on_stay_toggled);
}

static void
kith_sign_up_form_init (KithSignUpForm *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
kith_sign_up_form_new (void)
{
  return g_object_new (KITH_TYPE_SIGN_UP_FORM, NULL);
}

char *
kith_sign_up_form_dup_first_name (KithSignUpForm *self)
{
  g_return_val_if_fail (KITH_IS_SIGN_UP_FORM (self), NULL);

  return row_text_stripped (self->first_name_row);
}

char *
kith_sign_up_form_dup_last_name (KithSignUpForm *self)
{
  g_return_val_if_fail (KITH_IS_SIGN_UP_FORM (self), NULL);

  return row_text_stripped (self->last_name_row);
}

char *
kith_sign_up_form_dup_email (KithSignUpForm *self)
{
  g_return_val_if_fail (KITH_IS_SIGN_UP_FORM (self), NULL);

  return row_text_stripped (self->sign_up_email_row);
}

const char *
kith_sign_up_form_get_password (KithSignUpForm *self)
{
  g_return_val_if_fail (KITH_IS_SIGN_UP_FORM (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->sign_up_password_row));
}

void
kith_sign_up_form_set_email (KithSignUpForm *self,
                             const char     *email)
{
  g_return_if_fail (KITH_IS_SIGN_UP_FORM (self));

  gtk_editable_set_text (GTK_EDITABLE (self->sign_up_email_row), email != NULL ? email : "");
}

void
kith_sign_up_form_suggest_email (KithSignUpForm *self,
                                 const char     *email)
{
  g_return_if_fail (KITH_IS_SIGN_UP_FORM (self));

  if (*gtk_editable_get_text (GTK_EDITABLE (self->sign_up_email_row)) == '\0' &&
      email != NULL && *email != '\0')
    kith_sign_up_form_set_email (self, email);
}

void
kith_sign_up_form_clear_password (KithSignUpForm *self)
{
  g_return_if_fail (KITH_IS_SIGN_UP_FORM (self));

  gtk_editable_set_text (GTK_EDITABLE (self->sign_up_password_row), "");
}

gboolean
kith_sign_up_form_get_ready (KithSignUpForm *self)
{
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;
  g_autofree char *email = NULL;

  g_return_val_if_fail (KITH_IS_SIGN_UP_FORM (self), FALSE);

  first = row_text_stripped (self->first_name_row);
  last = row_text_stripped (self->last_name_row);
  email = row_text_stripped (self->sign_up_email_row);

  return *first != '\0' && *last != '\0' && kith_email_is_valid (email) &&
         kith_password_checklist_get_valid (KITH_PASSWORD_CHECKLIST (self->checklist));
}

gboolean
kith_sign_up_form_get_stay_signed_in (KithSignUpForm *self)
{
  g_return_val_if_fail (KITH_IS_SIGN_UP_FORM (self), FALSE);

  return gtk_check_button_get_active (GTK_CHECK_BUTTON (self->sign_up_stay_check));
}

void
kith_sign_up_form_set_stay_signed_in (KithSignUpForm *self,
                                      gboolean        stay)
{
  g_return_if_fail (KITH_IS_SIGN_UP_FORM (self));

  /* The check button's notify::active says it to our listeners. */
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->sign_up_stay_check), stay);
}

void
kith_sign_up_form_focus_first (KithSignUpForm *self)
{
  g_return_if_fail (KITH_IS_SIGN_UP_FORM (self));

  gtk_widget_grab_focus (self->first_name_row);
}
