/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "kith-protocol.h"
#include "kithd-config.h"
#include "kithd-db.h"
#include "kithd-http.h"
#include "kithd-mailer.h"
#include "kithd-store.h"

G_BEGIN_DECLS

/*
 * KithdHub: the socket side of kithd, main thread only. It keeps, per
 * connected user, their connections, chosen status, calls and accepted
 * contacts, resolves presence with kith_presence_resolve() and publishes a
 * change to the user's accepted contacts only: the work is proportional to
 * the number of contacts, never to the number of connected users.
 *
 * Every frame that leaves the hub for other users goes through one internal
 * step, publish (user ids, serialised frame), so a pub/sub engine can take
 * the place of the in-process fan-out when several kithd nodes share users.
 */

#define KITHD_TYPE_HUB (kithd_hub_get_type ())
G_DECLARE_FINAL_TYPE (KithdHub, kithd_hub, KITHD, HUB, GObject)

/* @config must outlive the hub. @mailer may be NULL. */
KithdHub     *kithd_hub_new                (KithdDb           *db,
                                            KithdMailer       *mailer,
                                            const KithdConfig *config);
/* Takes over a WebSocket stream whose handshake is done. */
/* A socket upgraded to WebSocket (kithd-http.h): the hub owns it until it
 * ends, then gives it back with kithd_upgrade_close(). */
void          kithd_hub_accept             (KithdHub          *self,
                                            KithdUpgrade      *upgrade,
                                            int                fd,
                                            const guint8      *extra,
                                            gsize              extra_len);
/* Closes every connection with @code (shutdown: 1001). */
void          kithd_hub_close_all          (KithdHub          *self,
                                            guint16            code);
/* Connections whose close is not finished yet. */
guint         kithd_hub_get_n_connections  (KithdHub          *self);
/* What @user_id's accepted contacts see now. */
KithPresence  kithd_hub_get_presence       (KithdHub          *self,
                                            gint64             user_id);

/* Events from the REST side */
/* Closes (4001) @user_id's sockets of the sessions in @session_ids
 * (gint64), or all of them when it is NULL. */
void          kithd_hub_revoke_sessions    (KithdHub          *self,
                                            gint64             user_id,
                                            GArray            *session_ids);
/* @contacts: KithdContact, every relation the user had. */
void          kithd_hub_user_deleted       (KithdHub          *self,
                                            gint64             user_id,
                                            GPtrArray         *contacts);
void          kithd_hub_profile_changed    (KithdHub          *self,
                                            const KithdUser   *user,
                                            GArray            *contact_ids);
/* @from asked @to; @state is what @from sees now (accepted when @to had
 * already asked). */
void          kithd_hub_contact_requested  (KithdHub          *self,
                                            const KithdUser   *from,
                                            const KithdUser   *to,
                                            KithContactState   state);
void          kithd_hub_contact_accepted   (KithdHub          *self,
                                            const KithdUser   *a,
                                            const KithdUser   *b);
void          kithd_hub_contact_removed    (KithdHub          *self,
                                            gint64             a,
                                            gint64             b);

G_END_DECLS
