/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithContact"

#include "config.h"

#include "kith-contact.h"
#include "kith-user.h"

struct _KithContact
{
  GObject           parent_instance;

  gint64            id;
  char             *email;
  char             *first_name;
  char             *last_name;
  char             *display_name;
  char             *initials;
  KithPresence      presence;
  KithContactState  state;
  guint             unread_count;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_EMAIL,
  PROP_FIRST_NAME,
  PROP_LAST_NAME,
  PROP_DISPLAY_NAME,
  PROP_INITIALS,
  PROP_PRESENCE,
  PROP_STATE,
  PROP_UNREAD_COUNT,
  PROP_IS_REQUEST,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithContact, kith_contact, G_TYPE_OBJECT)

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
kith_contact_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  KithContact *self = KITH_CONTACT (object);

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
  case PROP_PRESENCE:
    g_value_set_enum (value, self->presence);
    break;
  case PROP_STATE:
    g_value_set_enum (value, self->state);
    break;
  case PROP_UNREAD_COUNT:
    g_value_set_uint (value, self->unread_count);
    break;
  case PROP_IS_REQUEST:
    g_value_set_boolean (value, self->state != KITH_CONTACT_ACCEPTED);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_contact_finalize (GObject *object)
{
  KithContact *self = KITH_CONTACT (object);

  g_free (self->email);
  g_free (self->first_name);
  g_free (self->last_name);
  g_free (self->display_name);
  g_free (self->initials);

  G_OBJECT_CLASS (kith_contact_parent_class)->finalize (object);
}

static void
kith_contact_class_init (KithContactClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = kith_contact_get_property;
  object_class->finalize = kith_contact_finalize;

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_EMAIL] = g_param_spec_string ("email", NULL, NULL, NULL, flags);
  properties[PROP_FIRST_NAME] = g_param_spec_string ("first-name", NULL, NULL, NULL, flags);
  properties[PROP_LAST_NAME] = g_param_spec_string ("last-name", NULL, NULL, NULL, flags);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, flags);
  properties[PROP_INITIALS] = g_param_spec_string ("initials", NULL, NULL, NULL, flags);
  properties[PROP_PRESENCE] =
    g_param_spec_enum ("presence", NULL, NULL, KITH_TYPE_PRESENCE, KITH_PRESENCE_OFFLINE, flags);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, KITH_TYPE_CONTACT_STATE, KITH_CONTACT_ACCEPTED, flags);
  properties[PROP_UNREAD_COUNT] =
    g_param_spec_uint ("unread-count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_IS_REQUEST] = g_param_spec_boolean ("is-request", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kith_contact_init (KithContact *self)
{
}

KithContact *
kith_contact_new (const KithContactInfo *info)
{
  KithContact *self = g_object_new (KITH_TYPE_CONTACT, NULL);

  kith_contact_update (self, info);

  return self;
}

void
kith_contact_update_user (KithContact        *self,
                          const KithUserInfo *user)
{
  g_autofree char *display = NULL;
  g_autofree char *initials = NULL;

  g_return_if_fail (KITH_IS_CONTACT (self));
  g_return_if_fail (user != NULL);

  g_object_freeze_notify (G_OBJECT (self));

  if (self->id != user->id) {
    self->id = user->id;
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ID]);
  }
  if (set_string (&self->email, user->email))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMAIL]);
  if (set_string (&self->first_name, user->first_name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIRST_NAME]);
  if (set_string (&self->last_name, user->last_name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_NAME]);

  display = kith_display_name_for (self->first_name, self->last_name, self->email);
  if (set_string (&self->display_name, display))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);

  initials = kith_initials_for (self->first_name, self->last_name, self->email);
  if (set_string (&self->initials, initials))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INITIALS]);

  g_object_thaw_notify (G_OBJECT (self));
}

void
kith_contact_update (KithContact           *self,
                     const KithContactInfo *info)
{
  g_return_if_fail (KITH_IS_CONTACT (self));
  g_return_if_fail (info != NULL);

  g_object_freeze_notify (G_OBJECT (self));
  if (info->user != NULL)
    kith_contact_update_user (self, info->user);
  kith_contact_set_state (self, info->state);
  kith_contact_set_presence (self, info->presence);
  g_object_thaw_notify (G_OBJECT (self));
}

void
kith_contact_set_presence (KithContact  *self,
                           KithPresence  presence)
{
  g_return_if_fail (KITH_IS_CONTACT (self));

  if (self->state != KITH_CONTACT_ACCEPTED)
    presence = KITH_PRESENCE_OFFLINE;
  if (self->presence == presence)
    return;
  self->presence = presence;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESENCE]);
}

void
kith_contact_set_state (KithContact      *self,
                        KithContactState  state)
{
  g_return_if_fail (KITH_IS_CONTACT (self));

  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_REQUEST]);
  if (state != KITH_CONTACT_ACCEPTED)
    kith_contact_set_presence (self, KITH_PRESENCE_OFFLINE);
}

void
kith_contact_set_unread_count (KithContact *self,
                               guint        unread_count)
{
  g_return_if_fail (KITH_IS_CONTACT (self));

  if (self->unread_count == unread_count)
    return;
  self->unread_count = unread_count;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD_COUNT]);
}

gint64
kith_contact_get_id (KithContact *self)
{
  g_return_val_if_fail (KITH_IS_CONTACT (self), 0);
  return self->id;
}

const char *
kith_contact_get_email (KithContact *self)
{
  g_return_val_if_fail (KITH_IS_CONTACT (self), NULL);
  return self->email;
}

const char *
kith_contact_get_first_name (KithContact *self)
{
  g_return_val_if_fail (KITH_IS_CONTACT (self), NULL);
  return self->first_name;
}

const char *
kith_contact_get_last_name (KithContact *self)
{
  g_return_val_if_fail (KITH_IS_CONTACT (self), NULL);
  return self->last_name;
}

const char *
kith_contact_get_display_name (KithContact *self)
{
  g_return_val_if_fail (KITH_IS_CONTACT (self), NULL);
  return self->display_name;
}

const char *
kith_contact_get_initials (KithContact *self)
{
  g_return_val_if_fail (KITH_IS_CONTACT (self), NULL);
  return self->initials;
}

KithPresence
kith_contact_get_presence (KithContact *self)
{
  g_return_val_if_fail (KITH_IS_CONTACT (self), KITH_PRESENCE_OFFLINE);
  return self->presence;
}

KithContactState
kith_contact_get_state (KithContact *self)
{
  g_return_val_if_fail (KITH_IS_CONTACT (self), KITH_CONTACT_ACCEPTED);
  return self->state;
}

guint
kith_contact_get_unread_count (KithContact *self)
{
  g_return_val_if_fail (KITH_IS_CONTACT (self), 0);
  return self->unread_count;
}

gboolean
kith_contact_get_is_request (KithContact *self)
{
  g_return_val_if_fail (KITH_IS_CONTACT (self), FALSE);
  return self->state != KITH_CONTACT_ACCEPTED;
}
