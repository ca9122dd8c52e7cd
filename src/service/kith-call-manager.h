/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "kith-api-client.h"
#include "kith-call.h"
#include "kith-contact-list.h"
#include "kith-signalling.h"
#include "kith-status-manager.h"
#include "kith-user.h"

G_BEGIN_DECLS

#define KITH_TYPE_CALL_MANAGER (kith_call_manager_get_type ())

G_DECLARE_FINAL_TYPE (KithCallManager, kith_call_manager, KITH, CALL_MANAGER, GObject)

/*
 * The calls of the signed-in user, owned by KithSession
 * (kith_session_get_calls ()): a GListModel of the KithCalls that have not
 * ended (at most one rings or runs at a time; a call leaves the model when
 * it ends). It routes the call.* frames by call_id, answers an invite that
 * comes during a call with call.reject "busy", resolves glare, fetches the
 * ICE servers before a call's media starts, gives the socket the answered
 * call to claim on hello, sets the status manager's in-call, and hangs up
 * on sign-out and exit. docs/service.md, "Calls".
 *
 * Properties:
 *   connect-timeout (guint ms, default 20000): answered, not connected
 *     within this: the call fails.
 *   ring-timeout (guint ms, default 65000): ringing this long ends the call
 *     as missed (kithd's own 60 s comes first; this is the fallback).
 *   lost-timeout (guint ms, default 10000): media away this long once
 *     active: the connection is lost.
 *   loopback (gboolean, default: $KITH_CALL_LOOPBACK is "1"): the media
 *     uses 127.0.0.1 (two peers on one machine: tests, the demo bot).
 *   current (KithCall, nullable, read-only): the call that has not ended.
 * Signal: incoming-call (KithCall *call): a call rings here.
 */
KithCallManager *kith_call_manager_new              (KithContactList   *contacts,
                                                     KithStatusManager *status);
/* What the manager works with: the signed-in user and the REST client (NULL
 * each while signed out). */
void             kith_call_manager_attach           (KithCallManager   *self,
                                                     KithUser          *user,
                                                     KithApiClient     *api);
/* The socket call frames go out on (NULL while there is none). */
void             kith_call_manager_set_signalling   (KithCallManager   *self,
                                                     KithSignalling    *signalling);
/* The frames of kithd that are the calls' (KithSession routes them here):
 * call.* and error (one whose ref names a call ends it). */
void             kith_call_manager_handle_frame     (KithCallManager   *self,
                                                     const KithFrame   *frame);
/* Ends every call: with call.hangup / call.reject while the socket is up
 * (sign-out, exit), at once otherwise. */
void             kith_call_manager_hang_up_all      (KithCallManager   *self);

/* Places a call to @contact (an accepted contact, while online). Returns
 * the call (ringing out; a new reference), or NULL with
 * KITH_ERROR_NOT_SIGNED_IN (signed out), KITH_ERROR_NETWORK (the socket is
 * down), KITH_ERROR_FORBIDDEN (already in a call) or KITH_ERROR_NOT_CONTACT. */
KithCall        *kith_call_manager_place            (KithCallManager   *self,
                                                     KithContact       *contact,
                                                     gboolean           video,
                                                     GError           **error);
KithCall        *kith_call_manager_get_current      (KithCallManager   *self);

guint            kith_call_manager_get_connect_timeout (KithCallManager *self);
void             kith_call_manager_set_connect_timeout (KithCallManager *self,
                                                        guint            ms);
guint            kith_call_manager_get_ring_timeout    (KithCallManager *self);
void             kith_call_manager_set_ring_timeout    (KithCallManager *self,
                                                        guint            ms);
guint            kith_call_manager_get_lost_timeout    (KithCallManager *self);
void             kith_call_manager_set_lost_timeout    (KithCallManager *self,
                                                        guint            ms);
gboolean         kith_call_manager_get_loopback        (KithCallManager *self);
void             kith_call_manager_set_loopback        (KithCallManager *self,
                                                        gboolean         loopback);

G_END_DECLS
