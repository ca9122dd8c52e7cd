/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithPasswordChecklist"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "kith-password-checklist.h"

#define N_RULES 5

struct _KithPasswordChecklist
{
  GtkWidget          parent_instance;

  GtkWidget         *box;
  GtkWidget         *rows[N_RULES];
  GtkWidget         *icons[N_RULES];
  char              *password;
  KithPasswordRules  missing;
};

enum {
  PROP_0,
  PROP_PASSWORD,
  PROP_VALID,
  PROP_MISSING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const KithPasswordRules rules[N_RULES] = {
  KITH_PASSWORD_RULE_LENGTH,
  KITH_PASSWORD_RULE_UPPER,
  KITH_PASSWORD_RULE_LOWER,
  KITH_PASSWORD_RULE_DIGIT,
  KITH_PASSWORD_RULE_SYMBOL,
};

G_DEFINE_FINAL_TYPE (KithPasswordChecklist, kith_password_checklist, GTK_TYPE_WIDGET)

static void
update_rows (KithPasswordChecklist *self)
{
  for (guint i = 0; i < N_RULES; i++) {
    gboolean met = (self->missing & rules[i]) == 0;
    g_autofree char *description = NULL;

    gtk_image_set_from_icon_name (GTK_IMAGE (self->icons[i]),
                                  met ? "object-select-symbolic" : "window-close-symbolic");
    if (met) {
      gtk_widget_add_css_class (self->rows[i], "met");
      gtk_widget_remove_css_class (self->rows[i], "missing");
    } else {
      gtk_widget_add_css_class (self->rows[i], "missing");
      gtk_widget_remove_css_class (self->rows[i], "met");
    }

    /* Translators: a password rule, then whether the password meets it */
    description = g_strdup_printf (met ? _("%s: met") : _("%s: missing"),
                                   kith_password_rule_describe (rules[i]));
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->rows[i]),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, description,
                                    -1);
  }
}

static void
kith_password_checklist_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  KithPasswordChecklist *self = KITH_PASSWORD_CHECKLIST (object);

  switch (prop_id) {
  case PROP_PASSWORD:
    g_value_set_string (value, self->password);
    break;
  case PROP_VALID:
    g_value_set_boolean (value, kith_password_checklist_get_valid (self));
    break;
  case PROP_MISSING:
    g_value_set_uint (value, self->missing);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_password_checklist_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  KithPasswordChecklist *self = KITH_PASSWORD_CHECKLIST (object);

  switch (prop_id) {
  case PROP_PASSWORD:
    kith_password_checklist_set_password (self, g_value_get_string (value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_password_checklist_dispose (GObject *object)
{
  KithPasswordChecklist *self = KITH_PASSWORD_CHECKLIST (object);

  g_clear_pointer (&self->box, gtk_widget_unparent);

  G_OBJECT_CLASS (kith_password_checklist_parent_class)->dispose (object);
}

static void
kith_password_checklist_finalize (GObject *object)
{
  KithPasswordChecklist *self = KITH_PASSWORD_CHECKLIST (object);

  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);

  G_OBJECT_CLASS (kith_password_checklist_parent_class)->finalize (object);
}

static void
kith_password_checklist_class_init (KithPasswordChecklistClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = kith_password_checklist_get_property;
  object_class->set_property = kith_password_checklist_set_property;
  object_class->dispose = kith_password_checklist_dispose;
  object_class->finalize = kith_password_checklist_finalize;

  properties[PROP_PASSWORD] =
    g_param_spec_string ("password", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VALID] =
    g_param_spec_boolean ("valid", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MISSING] =
    g_param_spec_uint ("missing", NULL, NULL, 0, G_MAXUINT, KITH_PASSWORD_RULE_ALL,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "passwordchecklist");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
kith_password_checklist_init (KithPasswordChecklist *self)
{
  self->missing = KITH_PASSWORD_RULE_ALL;
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  for (guint i = 0; i < N_RULES; i++) {
    GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
    GtkWidget *label = gtk_label_new (kith_password_rule_describe (rules[i]));
    GtkWidget *icon_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

    self->icons[i] = gtk_image_new ();
    gtk_widget_add_css_class (self->icons[i], "rule-icon");
    gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
    /* A long rule (a translation) wraps rather than widening the dialog
     * or form around it; its natural width is bounded by max-width-chars. */
    gtk_label_set_wrap (GTK_LABEL (label), TRUE);
    gtk_label_set_max_width_chars (GTK_LABEL (label), 30);
    gtk_widget_set_hexpand (label, TRUE);
    /* The icon sits in a box of its own: GTK 4.8's horizontal box lines up
     * its children's baselines (the icon's is 1 px above the label's) only
     * when measured for a width, so a wrapping label beside a bare icon
     * made the row 1 px taller for a width than without one (a critical). */
    gtk_box_append (GTK_BOX (icon_box), self->icons[i]);
    gtk_box_append (GTK_BOX (row), icon_box);
    gtk_box_append (GTK_BOX (row), label);
    gtk_widget_add_css_class (row, "password-rule");
    gtk_box_append (GTK_BOX (self->box), row);
    self->rows[i] = row;
  }

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Password requirements"),
                                  -1);
  update_rows (self);
}

GtkWidget *
kith_password_checklist_new (void)
{
  return g_object_new (KITH_TYPE_PASSWORD_CHECKLIST, NULL);
}

void
kith_password_checklist_set_password (KithPasswordChecklist *self,
                                      const char            *password)
{
  KithPasswordRules missing;
  gboolean was_valid;

  g_return_if_fail (KITH_IS_PASSWORD_CHECKLIST (self));

  if (g_strcmp0 (self->password, password) == 0)
    return;

  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  self->password = g_strdup (password);

  was_valid = kith_password_checklist_get_valid (self);
  missing = kith_password_policy_check (password != NULL ? password : "");
  if (password != NULL && strlen (password) > KITH_PASSWORD_MAX_BYTES)
    missing |= KITH_PASSWORD_RULE_LENGTH;

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PASSWORD]);
  if (missing != self->missing) {
    self->missing = missing;
    update_rows (self);
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MISSING]);
  }
  if (was_valid != kith_password_checklist_get_valid (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALID]);
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
kith_password_checklist_get_password (KithPasswordChecklist *self)
{
  g_return_val_if_fail (KITH_IS_PASSWORD_CHECKLIST (self), NULL);

  return self->password;
}

gboolean
kith_password_checklist_get_valid (KithPasswordChecklist *self)
{
  g_return_val_if_fail (KITH_IS_PASSWORD_CHECKLIST (self), FALSE);

  return self->missing == KITH_PASSWORD_RULE_NONE;
}

KithPasswordRules
kith_password_checklist_get_missing (KithPasswordChecklist *self)
{
  g_return_val_if_fail (KITH_IS_PASSWORD_CHECKLIST (self), KITH_PASSWORD_RULE_ALL);

  return self->missing;
}

GtkWidget *
kith_password_checklist_get_row (KithPasswordChecklist *self,
                                 KithPasswordRules      rule)
{
  g_return_val_if_fail (KITH_IS_PASSWORD_CHECKLIST (self), NULL);

  for (guint i = 0; i < N_RULES; i++) {
    if (rules[i] == rule)
      return self->rows[i];
  }

  return NULL;
}
