/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithUser"

#include "config.h"

#include "kith-user.h"

struct _KithUser
{
  GObject       parent_instance;

  gint64        id;
  char         *email;
  char         *first_name;
  char         *last_name;
  char         *display_name;
  char         *initials;
  char         *plan;
  gboolean      offline_email_notification;
  KithPresence  presence;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_EMAIL,
  PROP_FIRST_NAME,
  PROP_LAST_NAME,
  PROP_DISPLAY_NAME,
  PROP_INITIALS,
  PROP_OFFLINE_EMAIL_NOTIFICATION,
  PROP_PLAN,
  PROP_PRESENCE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithUser, kith_user, G_TYPE_OBJECT)

static gunichar
first_char (const char *str)
{
  if (str == NULL || *str == '\0' || !g_utf8_validate (str, -1, NULL))
    return 0;
  return g_unichar_toupper (g_utf8_get_char (str));
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

/* "First Last", or the email when there is no name. */
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
kith_user_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  KithUser *self = KITH_USER (object);

  switch (prop_id) {
  case PROP_ID:
    g_value_set_int64 (value, self->id);
    break;
  case PROP_EMAIL:
    g_value_set_string (value, self->email);
    break;
  case PROP_FIRST_NAME:
    g_value_set_string (value, self->first_name);
    break;
  case PROP_LAST_NAME:
    g_value_set_string (value, self->last_name);
    break;
  case PROP_DISPLAY_NAME:
    g_value_set_string (value, self->display_name);
    break;
  case PROP_INITIALS:
    g_value_set_string (value, self->initials);
    break;
  case PROP_OFFLINE_EMAIL_NOTIFICATION:
    g_value_set_boolean (value, self->offline_email_notification);
    break;
  case PROP_PLAN:
    g_value_set_string (value, self->plan);
    break;
  case PROP_PRESENCE:
    g_value_set_enum (value, self->presence);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_user_finalize (GObject *object)
{
  KithUser *self = KITH_USER (object);

  g_free (self->email);
  g_free (self->first_name);
  g_free (self->last_name);
  g_free (self->display_name);
  g_free (self->initials);
  g_free (self->plan);

  G_OBJECT_CLASS (kith_user_parent_class)->finalize (object);
}

static void
kith_user_class_init (KithUserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = kith_user_get_property;
  object_class->finalize = kith_user_finalize;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_EMAIL] = g_param_spec_string ("email", NULL, NULL, NULL, flags);
  properties[PROP_FIRST_NAME] = g_param_spec_string ("first-name", NULL, NULL, NULL, flags);
  properties[PROP_LAST_NAME] = g_param_spec_string ("last-name", NULL, NULL, NULL, flags);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, flags);
  properties[PROP_INITIALS] = g_param_spec_string ("initials", NULL, NULL, NULL, flags);
  properties[PROP_OFFLINE_EMAIL_NOTIFICATION] =
    g_param_spec_boolean ("offline-email-notification", NULL, NULL, FALSE, flags);
  properties[PROP_PLAN] = g_param_spec_string ("plan", NULL, NULL, NULL, flags);
  properties[PROP_PRESENCE] =
    g_param_spec_enum ("presence", NULL, NULL, KITH_TYPE_PRESENCE, KITH_PRESENCE_OFFLINE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kith_user_init (KithUser *self)
{
  self->presence = KITH_PRESENCE_OFFLINE;
}

KithUser *
kith_user_new (const KithUserInfo *info)
{
  KithUser *self = g_object_new (KITH_TYPE_USER, NULL);

  kith_user_update (self, info);

  return self;
}

void
kith_user_update (KithUser           *self,
                  const KithUserInfo *info)
{
  g_autofree char *initials = NULL;
  g_autofree char *display = NULL;

  g_return_if_fail (KITH_IS_USER (self));
  g_return_if_fail (info != NULL);

  g_object_freeze_notify (G_OBJECT (self));

  if (self->id != info->id) {
    self->id = info->id;
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ID]);
  }
  if (set_string (&self->email, info->email))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMAIL]);
  if (set_string (&self->first_name, info->first_name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIRST_NAME]);
  if (set_string (&self->last_name, info->last_name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_NAME]);
  if (info->has_settings) {
    if (self->offline_email_notification != info->offline_email_notification) {
      self->offline_email_notification = info->offline_email_notification;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFLINE_EMAIL_NOTIFICATION]);
    }
    if (set_string (&self->plan, info->plan))
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAN]);
  }

  display = kith_display_name_for (self->first_name, self->last_name, self->email);
  if (set_string (&self->display_name, display))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);

  initials = kith_initials_for (self->first_name, self->last_name, self->email);
  if (set_string (&self->initials, initials))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INITIALS]);

  g_object_thaw_notify (G_OBJECT (self));
}

void
kith_user_set_presence (KithUser     *self,
                        KithPresence  presence)
{
  g_return_if_fail (KITH_IS_USER (self));

  if (self->presence == presence)
    return;
  self->presence = presence;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESENCE]);
}

gint64
kith_user_get_id (KithUser *self)
{
  g_return_val_if_fail (KITH_IS_USER (self), 0);
  return self->id;
}

const char *
kith_user_get_email (KithUser *self)
{
  g_return_val_if_fail (KITH_IS_USER (self), NULL);
  return self->email;
}

const char *
kith_user_get_first_name (KithUser *self)
{
  g_return_val_if_fail (KITH_IS_USER (self), NULL);
  return self->first_name;
}

const char *
kith_user_get_last_name (KithUser *self)
{
  g_return_val_if_fail (KITH_IS_USER (self), NULL);
  return self->last_name;
}

const char *
kith_user_get_display_name (KithUser *self)
{
  g_return_val_if_fail (KITH_IS_USER (self), NULL);
  return self->display_name;
}

const char *
kith_user_get_initials (KithUser *self)
{
  g_return_val_if_fail (KITH_IS_USER (self), NULL);
  return self->initials;
}

gboolean
kith_user_get_offline_email_notification (KithUser *self)
{
  g_return_val_if_fail (KITH_IS_USER (self), FALSE);
  return self->offline_email_notification;
}

const char *
kith_user_get_plan (KithUser *self)
{
  g_return_val_if_fail (KITH_IS_USER (self), NULL);
  return self->plan;
}

KithPresence
kith_user_get_presence (KithUser *self)
{
  g_return_val_if_fail (KITH_IS_USER (self), KITH_PRESENCE_OFFLINE);
  return self->presence;
}
