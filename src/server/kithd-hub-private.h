/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kithd-hub.h"
#include "kithd-ws.h"

G_BEGIN_DECLS

/*
 * Inside KithdHub, split by concern over this header (main thread only):
 *
 *   kithd-hub.c           the object, its connections and their frames
 *                         (the one switch), the tick, the fan-out step,
 *                         revocation
 *   kithd-hub-sign-in.c   hello → welcome → the replay of missed messages
 *   kithd-hub-messages.c  message.send: the rate, storing, ack, delivery,
 *                         the offline-mail notice
 *   kithd-hub-presence.c  presence, and the contact events of the REST side
 *   kithd-hub-calls.c     call.* relay and the calls the hub follows: the
 *                         two devices of a call, ringing, ending, the
 *                         call events stored in the conversation
 *   kithd-hub-call-claims.c  a hello's "call": a device back in its call
 */

typedef struct _HubUser HubUser;
typedef struct _HubConn HubConn;

/* One call the hub follows (kithd-hub-calls.c tells its states). A side
 * is one device: its connection id (0: none yet, or away) and its session
 * (the same device again after a reconnection). */
typedef struct {
  KithdHub *hub;         /* not owned */
  char     *key;         /* "CALLER CALL_ID": a call id is its caller's own */
  char     *call_id;
  gint64    caller;
  gint64    callee;
  guint64   caller_conn; /* the device that placed it */
  guint64   callee_conn; /* the device that answered or declined; 0 while ringing */
  gint64    caller_session;
  gint64    callee_session;
  gint64    answered_at; /* kithd's clock, ms */
  guint     timer_id;    /* ringing: its timeout; a side away or unclaimed: its wait */
  guint     video : 1;
  guint     answered : 1;/* both sides in it: both busy */
  guint     claimed : 1; /* re-made from one side's hello; the other's to come */
} HubCall;

/* A connected user: at least one welcomed connection. */
struct _HubUser
{
  gint64            id;
  GPtrArray        *conns;      /* HubConn, not owned */
  GHashTable       *contacts;   /* accepted contact ids (gint64*) */
  GHashTable       *calls;      /* HubCall set, not owned */
  guint             n_calls_out;
  guint             n_calls_in;
  guint             n_answered;
  guint             pinned;     /* > 0: not forgotten yet, however idle */
  KithChosenStatus  chosen;
  KithPresence      visible;
};

struct _HubConn
{
  gint          ref_count;
  KithdHub     *hub;            /* not owned; NULL once dropped */
  KithdWsConn  *ws;
  HubUser      *user;           /* set at welcome */
  guint         index;          /* in hub->conns */
  guint64       id;             /* unique: names the connection to publish () */
  gint64        session_id;
  gint64        opened_at;      /* monotonic µs */
  gint64        pinged_at;
  gint64        resume_after;   /* the hello's */
  gint64        welcome_seq;
  gint64        replay_after;   /* where the replay page in flight starts */
  GPtrArray    *held;           /* GBytes published while the replay runs; NULL after */
  KithCallClaim *claim;         /* the hello's "call", until welcome */
  KithDeviceKind kind;
  gdouble       msg_tokens;     /* the message rate's bucket */
  gint64        msg_refill_at;
  gint64        msg_blocked_until;
  guint         idle : 1;
  guint         hello_pending : 1;
  guint         dropped : 1;
};

/* The fan-out step: every frame for other users leaves the hub through it
 * (docs/server.md, "Fan-out interface"). @except_conn: a connection id not
 * to send to (the sender's own; 0: none). */
typedef void (*HubPublishFunc) (KithdHub     *self,
                                const gint64 *user_ids,
                                guint         n_user_ids,
                                guint64       except_conn,
                                GBytes       *frame);

struct _KithdHub
{
  GObject            parent_instance;

  KithdDb           *db;
  KithdMailer       *mailer;
  const KithdConfig *config;

  GPtrArray         *conns;     /* HubConn, every open connection */
  GHashTable        *live;      /* HubConns whose stream is not closed yet */
  GHashTable        *users;     /* gint64* -> HubUser */
  GHashTable        *calls;     /* HubCall.key -> HubCall */
  gint64             started_at;/* monotonic µs: claims of calls kithd does not know are taken only early on */
  guint              tick_id;
  guint64            last_conn_id;
  gboolean           disposed;  /* calls that end now are not stored */

  /* The fan-out step: in-process now, a pub/sub engine later. */
  HubPublishFunc     publish;
};

/* kithd-hub.c */
GBytes   *kithd_hub_frame_bytes          (const KithFrame *frame);
HubConn  *kithd_hub_conn_ref             (HubConn         *conn);
void      kithd_hub_conn_unref           (HubConn         *conn);
/* Not dropped, and its socket still open. */
gboolean  kithd_hub_conn_usable          (HubConn         *conn);
void      kithd_hub_conn_send            (HubConn         *conn,
                                          GBytes          *bytes);
void      kithd_hub_conn_send_frame      (HubConn         *conn,
                                          const KithFrame *frame);
void      kithd_hub_conn_send_error      (HubConn         *conn,
                                          KithErrorCode    code,
                                          const char      *message,
                                          const char      *ref);
/* Takes @conn out of the hub now and closes its socket with @code. */
void      kithd_hub_conn_drop            (HubConn         *conn,
                                          guint16          code);
HubUser  *kithd_hub_user_get             (KithdHub        *self,
                                          gint64           id);
gboolean  kithd_hub_user_has_contact     (HubUser         *user,
                                          gint64           other);
void      kithd_hub_user_add_contact     (HubUser         *user,
                                          gint64           other);
void      kithd_hub_publish_one          (KithdHub        *self,
                                          gint64           user_id,
                                          GBytes          *frame);
/* To one device: the connection @conn_id of @user_id, if it is still there. */
void      kithd_hub_publish_device       (KithdHub        *self,
                                          gint64           user_id,
                                          guint64          conn_id,
                                          GBytes          *frame);
/* Takes @user out of the hub once it has neither connections nor calls. */
void      kithd_hub_user_forget_if_gone  (KithdHub        *self,
                                          HubUser         *user);

/* kithd-hub-sign-in.c: a hello (the connection has none pending, no user). */
void      kithd_hub_sign_in              (HubConn         *conn,
                                          const KithFrame *hello);

/* kithd-hub-messages.c */
void      kithd_hub_message_send         (HubConn         *conn,
                                          KithFrame       *frame);
/* One of the socket's message rate (call.invite counts too): FALSE, and
 * rate_limited with @id sent, when it is spent. */
gboolean  kithd_hub_conn_take_message    (HubConn         *conn,
                                          const char      *id);
/* The message frame of a stored message (a call event too). */
GBytes   *kithd_hub_message_bytes        (const KithMessageInfo *msg);

/* kithd-hub-presence.c */
GBytes   *kithd_hub_presence_bytes       (gint64           user_id,
                                          KithPresence     presence);
/* Resolves @user's presence again; publishes it to their contacts when
 * it changed. */
void      kithd_hub_user_update_presence (KithdHub        *self,
                                          HubUser         *user);

/* kithd-hub-calls.c */
/* Relays a call.* frame (from set, @bytes serialised) and follows the call. */
void      kithd_hub_call_relay           (HubConn         *conn,
                                          KithFrame       *frame,
                                          GBytes          *bytes);
/* @conn (of @user, already out of user->conns) is gone: ringing calls it
 * was in end, answered ones wait for it (at once: end them all). */
void      kithd_hub_conn_leave_calls     (KithdHub        *self,
                                          HubUser         *user,
                                          HubConn         *conn,
                                          gboolean         at_once);
void      kithd_hub_call_free            (HubCall         *call);
/* Shared with kithd-hub-call-claims.c: */
HubCall  *kithd_hub_call_lookup          (KithdHub        *self,
                                          gint64           caller,
                                          gint64           callee,
                                          const char      *call_id);
HubCall  *kithd_hub_call_new             (KithdHub        *self,
                                          gint64           caller,
                                          gint64           callee,
                                          const char      *call_id,
                                          gboolean         video);
/* The call goes: told to whom @reason says (NULL: nobody), its event stored. */
void      kithd_hub_call_end             (KithdHub        *self,
                                          HubCall         *call,
                                          KithCallOutcome  outcome,
                                          const char      *reason);
/* Both sides are in it now: both busy. */
void      kithd_hub_call_set_answered    (KithdHub        *self,
                                          HubCall         *call,
                                          gint64           answered_at);
/* Waits @seconds for a side to come (back), then ends the call. */
void      kithd_hub_call_wait_for_side   (KithdHub        *self,
                                          HubCall         *call,
                                          guint            seconds);
/* A call.hangup from @from about @call_id to one device. */
void      kithd_hub_call_send_hangup     (KithdHub        *self,
                                          gint64           to,
                                          guint64          conn_id,
                                          gint64           from,
                                          const char      *call_id,
                                          const char      *reason);
/* Whether a call lets @user (one of its parties) in: the user's counts
 * and its set; and the reverse. */
void      kithd_hub_user_track_call      (HubUser         *user,
                                          HubCall         *call);

/* kithd-hub-call-claims.c: after welcome, the hello's "call" (or none). */
void      kithd_hub_call_claim           (HubConn         *conn,
                                          const KithCallClaim *claim);

G_END_DECLS
