/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "kith-service-types.h"

G_BEGIN_DECLS

#define KITH_TYPE_USER (kith_user_get_type ())

G_DECLARE_FINAL_TYPE (KithUser, kith_user, KITH, USER, GObject)

/*
 * The signed-in user. Properties (all notify):
 *   id (gint64), email, first-name, last-name, display-name ("First Last",
 *   else the email), initials ("AL"), offline-email-notification (gboolean),
 *   plan ("free" | "paid"), presence (KithPresence: what contacts see of us).
 */
KithUser     *kith_user_new                            (const KithUserInfo *info);
void          kith_user_update                         (KithUser           *self,
                                                        const KithUserInfo *info);
void          kith_user_set_presence                   (KithUser           *self,
                                                        KithPresence        presence);

gint64        kith_user_get_id                         (KithUser *self);
const char   *kith_user_get_email                      (KithUser *self);
const char   *kith_user_get_first_name                 (KithUser *self);
const char   *kith_user_get_last_name                  (KithUser *self);
const char   *kith_user_get_display_name               (KithUser *self);
const char   *kith_user_get_initials                   (KithUser *self);
gboolean      kith_user_get_offline_email_notification (KithUser *self);
const char   *kith_user_get_plan                       (KithUser *self);
KithPresence  kith_user_get_presence                   (KithUser *self);

/* "Ada", "Lovelace", "ada@x" -> "Ada Lovelace"; no names -> the email. */
char         *kith_display_name_for                    (const char *first_name,
                                                        const char *last_name,
                                                        const char *email);
/* "Ada", "Lovelace", "ada@x" -> "AL"; no names -> first letter of the email. */
char         *kith_initials_for                        (const char *first_name,
                                                        const char *last_name,
                                                        const char *email);

G_END_DECLS
