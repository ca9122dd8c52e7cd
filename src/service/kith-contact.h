/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "kith-person.h"
#include "kith-service-types.h"

G_BEGIN_DECLS

#define KITH_TYPE_CONTACT (kith_contact_get_type ())

G_DECLARE_FINAL_TYPE (KithContact, kith_contact, KITH, CONTACT, KithPerson)

/*
 * One entry of KithSession:contacts, a KithPerson (id, email, first-name,
 * last-name, display-name, initials, presence: offline unless accepted).
 * Its own properties (all notify):
 *   state (KithContactState: accepted / incoming request / outgoing request),
 *   unread-count (guint), is-request (gboolean: state != accepted).
 * Its conversation: kith_session_get_conversation().
 */
KithContact      *kith_contact_new               (const KithContactInfo *info);
void              kith_contact_update            (KithContact           *self,
                                                  const KithContactInfo *info);
void              kith_contact_update_user       (KithContact           *self,
                                                  const KithUserInfo    *user);
void              kith_contact_set_presence      (KithContact           *self,
                                                  KithPresence           presence);
void              kith_contact_set_state         (KithContact           *self,
                                                  KithContactState       state);
void              kith_contact_set_unread_count  (KithContact           *self,
                                                  guint                  unread_count);

KithContactState  kith_contact_get_state         (KithContact *self);
guint             kith_contact_get_unread_count  (KithContact *self);
gboolean          kith_contact_get_is_request    (KithContact *self);

/* KithPerson's getters under the contact's name. */
static inline gint64
kith_contact_get_id (KithContact *self)
{
  return kith_person_get_id (KITH_PERSON (self));
}

static inline const char *
kith_contact_get_email (KithContact *self)
{
  return kith_person_get_email (KITH_PERSON (self));
}

static inline const char *
kith_contact_get_first_name (KithContact *self)
{
  return kith_person_get_first_name (KITH_PERSON (self));
}

static inline const char *
kith_contact_get_last_name (KithContact *self)
{
  return kith_person_get_last_name (KITH_PERSON (self));
}

static inline const char *
kith_contact_get_display_name (KithContact *self)
{
  return kith_person_get_display_name (KITH_PERSON (self));
}

static inline const char *
kith_contact_get_initials (KithContact *self)
{
  return kith_person_get_initials (KITH_PERSON (self));
}

static inline KithPresence
kith_contact_get_presence (KithContact *self)
{
  return kith_person_get_presence (KITH_PERSON (self));
}

G_END_DECLS
