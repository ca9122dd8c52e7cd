/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "kith-person.h"
#include "kith-service-types.h"

G_BEGIN_DECLS

#define KITH_TYPE_USER (kith_user_get_type ())

G_DECLARE_FINAL_TYPE (KithUser, kith_user, KITH, USER, KithPerson)

/*
 * The signed-in user, a KithPerson (id, email, first-name, last-name,
 * display-name, initials, presence: what contacts see of us). Its own
 * properties (all notify): offline-email-notification (gboolean),
 * plan ("free" | "paid").
 */
KithUser     *kith_user_new                            (const KithUserInfo *info);
void          kith_user_update                         (KithUser           *self,
                                                        const KithUserInfo *info);
void          kith_user_set_presence                   (KithUser           *self,
                                                        KithPresence        presence);

gboolean      kith_user_get_offline_email_notification (KithUser *self);
const char   *kith_user_get_plan                       (KithUser *self);

/* KithPerson's getters under the user's name. */
static inline gint64
kith_user_get_id (KithUser *self)
{
  return kith_person_get_id (KITH_PERSON (self));
}

static inline const char *
kith_user_get_email (KithUser *self)
{
  return kith_person_get_email (KITH_PERSON (self));
}

static inline const char *
kith_user_get_first_name (KithUser *self)
{
  return kith_person_get_first_name (KITH_PERSON (self));
}

static inline const char *
kith_user_get_last_name (KithUser *self)
{
  return kith_person_get_last_name (KITH_PERSON (self));
}

static inline const char *
kith_user_get_display_name (KithUser *self)
{
  return kith_person_get_display_name (KITH_PERSON (self));
}

static inline const char *
kith_user_get_initials (KithUser *self)
{
  return kith_person_get_initials (KITH_PERSON (self));
}

static inline KithPresence
kith_user_get_presence (KithUser *self)
{
  return kith_person_get_presence (KITH_PERSON (self));
}

G_END_DECLS
