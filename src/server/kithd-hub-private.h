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
 *   kithd-hub-calls.c     call.* relay and the calls the hub follows
 */

typedef struct _HubUser HubUser;
typedef struct _HubConn HubConn;

typedef struct {
  char    *key;        /* "CALLER CALL_ID": a call id is its caller's own */
  char    *call_id;
  gint64   caller;
  gint64   callee;
  gboolean answered;
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
  guint              tick_id;
  guint64            last_conn_id;

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

/* kithd-hub-sign-in.c: a hello (the connection has none pending, no user). */
void      kithd_hub_sign_in              (HubConn         *conn,
                                          const KithFrame *hello);

/* kithd-hub-messages.c */
void      kithd_hub_message_send         (HubConn         *conn,
                                          KithFrame       *frame);

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
/* The user's last connection is gone: their calls end, peers are told. */
void      kithd_hub_user_end_calls       (KithdHub        *self,
                                          HubUser         *user);
void      kithd_hub_call_free            (HubCall         *call);

G_END_DECLS
