/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithUser"

#include "config.h"

#include "kith-user.h"

struct _KithUser
{
  KithPerson    parent_instance;

  char         *plan;
  gboolean      offline_email_notification;
};

enum {
  PROP_0,
  PROP_OFFLINE_EMAIL_NOTIFICATION,
  PROP_PLAN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithUser, kith_user, KITH_TYPE_PERSON)

static void
kith_user_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  KithUser *self = KITH_USER (object);

  switch (prop_id) {
  case PROP_OFFLINE_EMAIL_NOTIFICATION:
    g_value_set_boolean (value, self->offline_email_notification);
    break;
  case PROP_PLAN:
    g_value_set_string (value, self->plan);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_user_finalize (GObject *object)
{
  KithUser *self = KITH_USER (object);

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

  properties[PROP_OFFLINE_EMAIL_NOTIFICATION] =
    g_param_spec_boolean ("offline-email-notification", NULL, NULL, FALSE, flags);
  properties[PROP_PLAN] = g_param_spec_string ("plan", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kith_user_init (KithUser *self)
{
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
  g_return_if_fail (KITH_IS_USER (self));
  g_return_if_fail (info != NULL);

  g_object_freeze_notify (G_OBJECT (self));

  kith_person_update (KITH_PERSON (self), info);
  if (info->has_settings) {
    if (self->offline_email_notification != info->offline_email_notification) {
      self->offline_email_notification = info->offline_email_notification;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFLINE_EMAIL_NOTIFICATION]);
    }
    if (g_strcmp0 (self->plan, info->plan) != 0) {
      g_free (self->plan);
      self->plan = g_strdup (info->plan);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAN]);
    }
  }

  g_object_thaw_notify (G_OBJECT (self));
}

void
kith_user_set_presence (KithUser     *self,
                        KithPresence  presence)
{
  g_return_if_fail (KITH_IS_USER (self));

  kith_person_set_presence (KITH_PERSON (self), presence);
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
