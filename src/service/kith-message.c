/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithMessage"

#include "config.h"

#include "kith-message.h"
#include "kith-service-enums.h"

struct _KithMessage
{
  GObject               parent_instance;

  char                 *id;
  gint64                seq;
  KithMessageDirection  direction;
  gint64                peer_id;
  char                 *body;
  gint64                sent_at_ms;
  GDateTime            *sent_at;
  KithMessageState      state;
  guint64               local_order;
  char                 *kind;           /* NULL: what a person wrote */
  KithCallInfo         *call;           /* a call event's, or NULL */
};

enum {
  PROP_0,
  PROP_ID,
  PROP_SEQ,
  PROP_DIRECTION,
  PROP_PEER_ID,
  PROP_BODY,
  PROP_SENT_AT,
  PROP_STATE,
  PROP_KIND,
  PROP_IS_CALL,
  PROP_CALL_OUTCOME,
  PROP_CALL_VIDEO,
  PROP_CALL_DURATION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
static guint64 next_local_order = 1;

G_DEFINE_FINAL_TYPE (KithMessage, kith_message, G_TYPE_OBJECT)

static void
set_sent_at (KithMessage *self,
             gint64       sent_at_ms)
{
  g_autoptr (GDateTime) seconds = NULL;
  g_autoptr (GDateTime) utc = NULL;

  self->sent_at_ms = sent_at_ms;
  g_clear_pointer (&self->sent_at, g_date_time_unref);
  seconds = g_date_time_new_from_unix_utc (sent_at_ms / 1000);
  if (seconds != NULL)
    utc = g_date_time_add (seconds, (sent_at_ms % 1000) * G_TIME_SPAN_MILLISECOND);
  if (utc != NULL)
    self->sent_at = g_date_time_to_local (utc);
}

static void
kith_message_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  KithMessage *self = KITH_MESSAGE (object);

  switch (prop_id) {
  case PROP_ID:
    g_value_set_string (value, self->id);
    break;
  case PROP_SEQ:
    g_value_set_int64 (value, self->seq);
    break;
  case PROP_DIRECTION:
    g_value_set_enum (value, self->direction);
    break;
  case PROP_PEER_ID:
    g_value_set_int64 (value, self->peer_id);
    break;
  case PROP_BODY:
    g_value_set_string (value, self->body);
    break;
  case PROP_SENT_AT:
    g_value_set_boxed (value, self->sent_at);
    break;
  case PROP_STATE:
    g_value_set_enum (value, self->state);
    break;
  case PROP_KIND:
    g_value_set_string (value, self->kind);
    break;
  case PROP_IS_CALL:
    g_value_set_boolean (value, kith_message_get_is_call (self));
    break;
  case PROP_CALL_OUTCOME:
    g_value_set_enum (value, kith_message_get_call_outcome (self));
    break;
  case PROP_CALL_VIDEO:
    g_value_set_boolean (value, kith_message_get_call_video (self));
    break;
  case PROP_CALL_DURATION:
    g_value_set_int64 (value, kith_message_get_call_duration (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_message_finalize (GObject *object)
{
  KithMessage *self = KITH_MESSAGE (object);

  g_free (self->id);
  g_free (self->body);
  g_free (self->kind);
  g_clear_pointer (&self->call, kith_call_info_free);
  g_clear_pointer (&self->sent_at, g_date_time_unref);

  G_OBJECT_CLASS (kith_message_parent_class)->finalize (object);
}

static void
kith_message_class_init (KithMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = kith_message_get_property;
  object_class->finalize = kith_message_finalize;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_SEQ] = g_param_spec_int64 ("seq", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_DIRECTION] =
    g_param_spec_enum ("direction", NULL, NULL, KITH_TYPE_MESSAGE_DIRECTION,
                       KITH_MESSAGE_INCOMING, flags);
  properties[PROP_PEER_ID] = g_param_spec_int64 ("peer-id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_BODY] = g_param_spec_string ("body", NULL, NULL, NULL, flags);
  properties[PROP_SENT_AT] =
    g_param_spec_boxed ("sent-at", NULL, NULL, G_TYPE_DATE_TIME, flags);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, KITH_TYPE_MESSAGE_STATE, KITH_MESSAGE_PENDING, flags);

  properties[PROP_KIND] = g_param_spec_string ("kind", NULL, NULL, NULL, flags);
  properties[PROP_IS_CALL] = g_param_spec_boolean ("is-call", NULL, NULL, FALSE, flags);
  properties[PROP_CALL_OUTCOME] =
    g_param_spec_enum ("call-outcome", NULL, NULL, KITH_TYPE_CALL_OUTCOME,
                       KITH_CALL_OUTCOME_MISSED, flags);
  properties[PROP_CALL_VIDEO] = g_param_spec_boolean ("call-video", NULL, NULL, FALSE, flags);
  properties[PROP_CALL_DURATION] =
    g_param_spec_int64 ("call-duration", NULL, NULL, 0, G_MAXINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kith_message_init (KithMessage *self)
{
  self->local_order = next_local_order++;
}

KithMessage *
kith_message_new (const char           *id,
                  KithMessageDirection  direction,
                  gint64                peer_id,
                  const char           *body,
                  gint64                sent_at_ms,
                  gint64                seq,
                  KithMessageState      state)
{
  KithMessage *self;

  g_return_val_if_fail (id != NULL, NULL);

  self = g_object_new (KITH_TYPE_MESSAGE, NULL);
  self->id = g_strdup (id);
  self->direction = direction;
  self->peer_id = peer_id;
  self->body = g_strdup (body);
  self->seq = seq;
  self->state = state;
  set_sent_at (self, sent_at_ms);

  return self;
}

const char *
kith_message_get_id (KithMessage *self)
{
  g_return_val_if_fail (KITH_IS_MESSAGE (self), NULL);
  return self->id;
}

gint64
kith_message_get_seq (KithMessage *self)
{
  g_return_val_if_fail (KITH_IS_MESSAGE (self), 0);
  return self->seq;
}

KithMessageDirection
kith_message_get_direction (KithMessage *self)
{
  g_return_val_if_fail (KITH_IS_MESSAGE (self), KITH_MESSAGE_INCOMING);
  return self->direction;
}

gint64
kith_message_get_peer_id (KithMessage *self)
{
  g_return_val_if_fail (KITH_IS_MESSAGE (self), 0);
  return self->peer_id;
}

const char *
kith_message_get_body (KithMessage *self)
{
  g_return_val_if_fail (KITH_IS_MESSAGE (self), NULL);
  return self->body;
}

GDateTime *
kith_message_get_sent_at (KithMessage *self)
{
  g_return_val_if_fail (KITH_IS_MESSAGE (self), NULL);
  return self->sent_at;
}

gint64
kith_message_get_sent_at_ms (KithMessage *self)
{
  g_return_val_if_fail (KITH_IS_MESSAGE (self), 0);
  return self->sent_at_ms;
}

KithMessageState
kith_message_get_state (KithMessage *self)
{
  g_return_val_if_fail (KITH_IS_MESSAGE (self), KITH_MESSAGE_PENDING);
  return self->state;
}

void
kith_message_set_acked (KithMessage *self,
                        gint64       seq,
                        gint64       sent_at_ms)
{
  g_return_if_fail (KITH_IS_MESSAGE (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (self->seq != seq) {
    self->seq = seq;
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEQ]);
  }
  if (sent_at_ms > 0 && sent_at_ms != self->sent_at_ms) {
    set_sent_at (self, sent_at_ms);
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SENT_AT]);
  }
  if (self->state == KITH_MESSAGE_PENDING)
    kith_message_set_state (self, KITH_MESSAGE_SENT);
  g_object_thaw_notify (G_OBJECT (self));
}

void
kith_message_set_state (KithMessage      *self,
                        KithMessageState  state)
{
  g_return_if_fail (KITH_IS_MESSAGE (self));

  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

int
kith_message_compare (gconstpointer a,
                      gconstpointer b,
                      gpointer      user_data)
{
  const KithMessage *ma = a;
  const KithMessage *mb = b;

  if (ma->seq != 0 && mb->seq != 0)
    return (ma->seq > mb->seq) - (ma->seq < mb->seq);
  if (ma->seq != 0)
    return -1;
  if (mb->seq != 0)
    return 1;
  return (ma->local_order > mb->local_order) - (ma->local_order < mb->local_order);
}

/* Set once, as the message is made (never changes after). */
void
kith_message_set_kind (KithMessage        *self,
                       const char         *kind,
                       const KithCallInfo *call)
{
  g_return_if_fail (KITH_IS_MESSAGE (self));

  g_free (self->kind);
  self->kind = g_strdup (kind);
  g_clear_pointer (&self->call, kith_call_info_free);
  self->call = kith_call_info_copy (call);
}

const char *
kith_message_get_kind (KithMessage *self)
{
  g_return_val_if_fail (KITH_IS_MESSAGE (self), NULL);
  return self->kind;
}

gboolean
kith_message_get_is_call (KithMessage *self)
{
  g_return_val_if_fail (KITH_IS_MESSAGE (self), FALSE);
  return g_strcmp0 (self->kind, KITH_MESSAGE_KIND_CALL) == 0 && self->call != NULL;
}

KithCallOutcome
kith_message_get_call_outcome (KithMessage *self)
{
  KithCallOutcome outcome = KITH_CALL_OUTCOME_MISSED;

  g_return_val_if_fail (KITH_IS_MESSAGE (self), KITH_CALL_OUTCOME_MISSED);

  /* One this client does not know reads as missed (docs/protocol.md). */
  if (self->call == NULL || !kith_call_outcome_from_string (self->call->outcome, &outcome))
    return KITH_CALL_OUTCOME_MISSED;
  return outcome;
}

gboolean
kith_message_get_call_video (KithMessage *self)
{
  g_return_val_if_fail (KITH_IS_MESSAGE (self), FALSE);
  return self->call != NULL && self->call->video;
}

gint64
kith_message_get_call_duration (KithMessage *self)
{
  g_return_val_if_fail (KITH_IS_MESSAGE (self), 0);
  return self->call != NULL ? MAX (self->call->duration, 0) : 0;
}
