/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithContact"

#include "config.h"

#include "kith-contact.h"

struct _KithContact
{
  KithPerson        parent_instance;

  KithContactState  state;
  guint             unread_count;
};

enum {
  PROP_0,
  PROP_STATE,
  PROP_UNREAD_COUNT,
  PROP_IS_REQUEST,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithContact, kith_contact, KITH_TYPE_PERSON)

static void
kith_contact_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  KithContact *self = KITH_CONTACT (object);

  switch (prop_id) {
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
kith_contact_class_init (KithContactClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = kith_contact_get_property;

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
  g_return_if_fail (KITH_IS_CONTACT (self));
  g_return_if_fail (user != NULL);

  kith_person_update (KITH_PERSON (self), user);
}

void
kith_contact_update (KithContact           *self,
                     const KithContactInfo *info)
{
  g_return_if_fail (KITH_IS_CONTACT (self));
  g_return_if_fail (info != NULL);

  g_object_freeze_notify (G_OBJECT (self));
  if (info->user != NULL)
    kith_person_update (KITH_PERSON (self), info->user);
  kith_contact_set_state (self, info->state);
  kith_contact_set_presence (self, info->presence);
  g_object_thaw_notify (G_OBJECT (self));
}

/* A contact shows a presence only once accepted. */
void
kith_contact_set_presence (KithContact  *self,
                           KithPresence  presence)
{
  g_return_if_fail (KITH_IS_CONTACT (self));

  if (self->state != KITH_CONTACT_ACCEPTED)
    presence = KITH_PRESENCE_OFFLINE;
  kith_person_set_presence (KITH_PERSON (self), presence);
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
