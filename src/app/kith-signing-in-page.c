/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithSigningInPage"

#include "config.h"

#include "kith-signing-in-page.h"

struct _KithSigningInPage
{
  GtkWidget  parent_instance;

  GtkWidget *signing_in_spinner;
};

enum {
  PROP_0,
  PROP_SPINNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithSigningInPage, kith_signing_in_page, GTK_TYPE_WIDGET)

static void
kith_signing_in_page_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  KithSigningInPage *self = KITH_SIGNING_IN_PAGE (object);

  switch (prop_id) {
  case PROP_SPINNING:
    g_value_set_boolean (value, kith_signing_in_page_get_spinning (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_signing_in_page_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  KithSigningInPage *self = KITH_SIGNING_IN_PAGE (object);

  switch (prop_id) {
  case PROP_SPINNING:
    kith_signing_in_page_set_spinning (self, g_value_get_boolean (value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_signing_in_page_dispose (GObject *object)
{
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), KITH_TYPE_SIGNING_IN_PAGE);
  /* The template's unnamed top child too. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (kith_signing_in_page_parent_class)->dispose (object);
}

static void
kith_signing_in_page_class_init (KithSigningInPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = kith_signing_in_page_get_property;
  object_class->set_property = kith_signing_in_page_set_property;
  object_class->dispose = kith_signing_in_page_dispose;

  properties[PROP_SPINNING] =
    g_param_spec_boolean ("spinning", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/im/kith/Kith/kith-signing-in-page.ui");
  gtk_widget_class_bind_template_child (widget_class, KithSigningInPage, signing_in_spinner);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
kith_signing_in_page_init (KithSigningInPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
kith_signing_in_page_new (void)
{
  return g_object_new (KITH_TYPE_SIGNING_IN_PAGE, NULL);
}

gboolean
kith_signing_in_page_get_spinning (KithSigningInPage *self)
{
  g_return_val_if_fail (KITH_IS_SIGNING_IN_PAGE (self), FALSE);

  return gtk_spinner_get_spinning (GTK_SPINNER (self->signing_in_spinner));
}

void
kith_signing_in_page_set_spinning (KithSigningInPage *self,
                                   gboolean           spinning)
{
  g_return_if_fail (KITH_IS_SIGNING_IN_PAGE (self));

  spinning = !!spinning;
  if (kith_signing_in_page_get_spinning (self) == spinning)
    return;

  gtk_spinner_set_spinning (GTK_SPINNER (self->signing_in_spinner), spinning);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPINNING]);
}
