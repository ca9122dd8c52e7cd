/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "kith-service-types.h"

G_BEGIN_DECLS

#define KITH_TYPE_PERSON (kith_person_get_type ())

G_DECLARE_DERIVABLE_TYPE (KithPerson, kith_person, KITH, PERSON, GObject)

/*
 * What KithUser (the signed-in user) and KithContact (one of their
 * contacts) have in common, as Chatty's ChattyItem is for its contacts and
 * accounts. Abstract. Properties (all read-only, all notify):
 *   id (gint64, the user id), email, first-name, last-name,
 *   display-name ("First Last", else the email), initials ("AL"),
 *   presence (KithPresence).
 * Subclasses add what is theirs (a contact's state and unread count, the
 * user's plan and settings) and decide who may set the presence.
 */
struct _KithPersonClass
{
  GObjectClass parent_class;
};

gint64        kith_person_get_id           (KithPerson *self);
const char   *kith_person_get_email        (KithPerson *self);
const char   *kith_person_get_first_name   (KithPerson *self);
const char   *kith_person_get_last_name    (KithPerson *self);
const char   *kith_person_get_display_name (KithPerson *self);
const char   *kith_person_get_initials     (KithPerson *self);
KithPresence  kith_person_get_presence     (KithPerson *self);

/* For subclasses: the id, email and names from @info (display name and
 * initials follow); each property notifies only when it changed. */
void          kith_person_update           (KithPerson         *self,
                                            const KithUserInfo *info);
void          kith_person_set_presence     (KithPerson         *self,
                                            KithPresence        presence);

/* "Ada", "Lovelace", "ada@x" -> "Ada Lovelace"; no names -> the email. */
char         *kith_display_name_for        (const char *first_name,
                                            const char *last_name,
                                            const char *email);
/* "Ada", "Lovelace", "ada@x" -> "AL"; no names -> first letter of the email. */
char         *kith_initials_for            (const char *first_name,
                                            const char *last_name,
                                            const char *email);

G_END_DECLS
