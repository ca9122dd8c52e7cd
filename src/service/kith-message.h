/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "kith-service-types.h"

G_BEGIN_DECLS

typedef enum {
  KITH_MESSAGE_INCOMING,
  KITH_MESSAGE_OUTGOING,
} KithMessageDirection;

typedef enum {
  KITH_MESSAGE_PENDING,   /* in the outbox, not yet acknowledged by kithd */
  KITH_MESSAGE_SENT,      /* committed by kithd (has a seq) */
  KITH_MESSAGE_READ,      /* the peer has read it */
} KithMessageState;

#define KITH_TYPE_MESSAGE (kith_message_get_type ())

G_DECLARE_FINAL_TYPE (KithMessage, kith_message, KITH, MESSAGE, GObject)

/*
 * One chat message in a conversation GListModel. Properties:
 *   id (client id, construct-only), seq (gint64, 0 while pending),
 *   direction (KithMessageDirection), peer-id (gint64), body,
 *   sent-at (GDateTime, local time; for a pending message the time it was
 *   typed), state (KithMessageState),
 *   kind (string: NULL for what a person wrote, KITH_MESSAGE_KIND_CALL for a
 *   call event), is-call (gboolean: a call event with a call to show;
 *   else the body is what to show), call-outcome (KithCallOutcome; one this
 *   client does not know reads as missed), call-video (gboolean),
 *   call-duration (gint64 seconds; "ended" only).
 */
KithMessage          *kith_message_new           (const char           *id,
                                                  KithMessageDirection  direction,
                                                  gint64                peer_id,
                                                  const char           *body,
                                                  gint64                sent_at_ms,
                                                  gint64                seq,
                                                  KithMessageState      state);

const char           *kith_message_get_id        (KithMessage *self);
gint64                kith_message_get_seq       (KithMessage *self);
KithMessageDirection  kith_message_get_direction (KithMessage *self);
gint64                kith_message_get_peer_id   (KithMessage *self);
const char           *kith_message_get_body      (KithMessage *self);
GDateTime            *kith_message_get_sent_at   (KithMessage *self);
gint64                kith_message_get_sent_at_ms(KithMessage *self);
KithMessageState      kith_message_get_state     (KithMessage *self);

/* A message's kind and call (a call event); set as it is made. */
void                  kith_message_set_kind      (KithMessage        *self,
                                                  const char         *kind,
                                                  const KithCallInfo *call);
const char           *kith_message_get_kind      (KithMessage *self);
gboolean              kith_message_get_is_call   (KithMessage *self);
KithCallOutcome       kith_message_get_call_outcome  (KithMessage *self);
gboolean              kith_message_get_call_video    (KithMessage *self);
gint64                kith_message_get_call_duration (KithMessage *self);

void                  kith_message_set_acked     (KithMessage *self,
                                                  gint64       seq,
                                                  gint64       sent_at_ms);
void                  kith_message_set_state     (KithMessage      *self,
                                                  KithMessageState  state);

/* Sort order of a conversation: by seq, pending (seq 0) last in typing order. */
int                   kith_message_compare       (gconstpointer a,
                                                  gconstpointer b,
                                                  gpointer      user_data);

G_END_DECLS
