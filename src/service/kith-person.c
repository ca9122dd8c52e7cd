/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithPerson"

#include "config.h"

#include "kith-person.h"

typedef struct
{
  gint64        id;
  char         *email;
  char         *first_name;
  char         *last_name;
  char         *display_name;
  char         *initials;
  KithPresence  presence;
} KithPersonPrivate;

enum {
  PROP_0,
  PROP_ID,
  PROP_EMAIL,
  PROP_FIRST_NAME,
  PROP_LAST_NAME,
  PROP_DISPLAY_NAME,
  PROP_INITIALS,
  PROP_PRESENCE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (KithPerson, kith_person, G_TYPE_OBJECT)

static gunichar
first_char (const char *str)
{
  if (str == NULL || *str == '\0' || !g_utf8_validate (str, -1, NULL))
    return 0;
  return g_unichar_toupper (g_utf8_get_char (str));
}

/* Replaces *@field with a copy of @value; TRUE when it changed. */
static gboolean
set_string (char       **field,
            const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
kith_person_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  KithPerson *self = KITH_PERSON (object);
  KithPersonPrivate *priv = kith_person_get_instance_private (self);

  switch (prop_id) {
  case PROP_ID:
    g_value_set_int64 (value, priv->id);
    break;
  case PROP_EMAIL:
    g_value_set_string (value, priv->email);
    break;
  case PROP_FIRST_NAME:
    g_value_set_string (value, priv->first_name);
    break;
  case PROP_LAST_NAME:
    g_value_set_string (value, priv->last_name);
    break;
  case PROP_DISPLAY_NAME:
    g_value_set_string (value, priv->display_name);
    break;
  case PROP_INITIALS:
    g_value_set_string (value, priv->initials);
    break;
  case PROP_PRESENCE:
    g_value_set_enum (value, priv->presence);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_person_finalize (GObject *object)
{
  KithPerson *self = KITH_PERSON (object);
  KithPersonPrivate *priv = kith_person_get_instance_private (self);

  g_free (priv->email);
  g_free (priv->first_name);
  g_free (priv->last_name);
  g_free (priv->display_name);
  g_free (priv->initials);

  G_OBJECT_CLASS (kith_person_parent_class)->finalize (object);
}

static void
kith_person_class_init (KithPersonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = kith_person_get_property;
  object_class->finalize = kith_person_finalize;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_EMAIL] = g_param_spec_string ("email", NULL, NULL, NULL, flags);
  properties[PROP_FIRST_NAME] = g_param_spec_string ("first-name", NULL, NULL, NULL, flags);
  properties[PROP_LAST_NAME] = g_param_spec_string ("last-name", NULL, NULL, NULL, flags);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, flags);
  properties[PROP_INITIALS] = g_param_spec_string ("initials", NULL, NULL, NULL, flags);
  properties[PROP_PRESENCE] =
    g_param_spec_enum ("presence", NULL, NULL, KITH_TYPE_PRESENCE, KITH_PRESENCE_OFFLINE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kith_person_init (KithPerson *self)
{
  KithPersonPrivate *priv = kith_person_get_instance_private (self);

  priv->presence = KITH_PRESENCE_OFFLINE;
}

char *
kith_initials_for (const char *first_name,
                   const char *last_name,
                   const char *email)
{
  GString *str = g_string_new (NULL);
  gunichar c;

  if ((c = first_char (first_name)))
    g_string_append_unichar (str, c);
  if ((c = first_char (last_name)))
    g_string_append_unichar (str, c);
  if (str->len == 0 && (c = first_char (email)))
    g_string_append_unichar (str, c);

  return g_string_free (str, FALSE);
}

char *
kith_display_name_for (const char *first_name,
                       const char *last_name,
                       const char *email)
{
  char *display = g_strstrip (g_strdup_printf ("%s %s",
                                               first_name ? first_name : "",
                                               last_name ? last_name : ""));

  if (*display == '\0') {
    g_free (display);
    display = g_strdup (email ? email : "");
  }
  return display;
}

void
kith_person_update (KithPerson         *self,
                    const KithUserInfo *info)
{
  KithPersonPrivate *priv;
  g_autofree char *display = NULL;
  g_autofree char *initials = NULL;

  g_return_if_fail (KITH_IS_PERSON (self));
  g_return_if_fail (info != NULL);

  priv = kith_person_get_instance_private (self);
  g_object_freeze_notify (G_OBJECT (self));

  if (priv->id != info->id) {
    priv->id = info->id;
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ID]);
  }
  if (set_string (&priv->email, info->email))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMAIL]);
  if (set_string (&priv->first_name, info->first_name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIRST_NAME]);
  if (set_string (&priv->last_name, info->last_name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_NAME]);

  display = kith_display_name_for (priv->first_name, priv->last_name, priv->email);
  if (set_string (&priv->display_name, display))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);

  initials = kith_initials_for (priv->first_name, priv->last_name, priv->email);
  if (set_string (&priv->initials, initials))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INITIALS]);

  g_object_thaw_notify (G_OBJECT (self));
}

void
kith_person_set_presence (KithPerson   *self,
                          KithPresence  presence)
{
  KithPersonPrivate *priv;

  g_return_if_fail (KITH_IS_PERSON (self));

  priv = kith_person_get_instance_private (self);
  if (priv->presence == presence)
    return;
  priv->presence = presence;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESENCE]);
}

gint64
kith_person_get_id (KithPerson *self)
{
  KithPersonPrivate *priv;

  g_return_val_if_fail (KITH_IS_PERSON (self), 0);

  priv = kith_person_get_instance_private (self);
  return priv->id;
}

const char *
kith_person_get_email (KithPerson *self)
{
  KithPersonPrivate *priv;

  g_return_val_if_fail (KITH_IS_PERSON (self), NULL);

  priv = kith_person_get_instance_private (self);
  return priv->email;
}

const char *
kith_person_get_first_name (KithPerson *self)
{
  KithPersonPrivate *priv;

  g_return_val_if_fail (KITH_IS_PERSON (self), NULL);

  priv = kith_person_get_instance_private (self);
  return priv->first_name;
}

const char *
kith_person_get_last_name (KithPerson *self)
{
  KithPersonPrivate *priv;

  g_return_val_if_fail (KITH_IS_PERSON (self), NULL);

  priv = kith_person_get_instance_private (self);
  return priv->last_name;
}

const char *
kith_person_get_display_name (KithPerson *self)
{
  KithPersonPrivate *priv;

  g_return_val_if_fail (KITH_IS_PERSON (self), NULL);

  priv = kith_person_get_instance_private (self);
  return priv->display_name;
}

const char *
kith_person_get_initials (KithPerson *self)
{
  KithPersonPrivate *priv;

  g_return_val_if_fail (KITH_IS_PERSON (self), NULL);

  priv = kith_person_get_instance_private (self);
  return priv->initials;
}

KithPresence
kith_person_get_presence (KithPerson *self)
{
  KithPersonPrivate *priv;

  g_return_val_if_fail (KITH_IS_PERSON (self), KITH_PRESENCE_OFFLINE);

  priv = kith_person_get_instance_private (self);
  return priv->presence;
}
