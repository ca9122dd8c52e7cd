/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithFrame"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "kith-frame.h"
#include "kith-json-fields.h"
#include "kith-json-strict.h"

#define KITH_MAX_ERROR_MESSAGE_BYTES 1024

#define FRAME_FIELD(name, kind, flags, max, member) \
  KITH_FIELD (KithFrame, name, kind, flags, max, member, 0)
#define FRAME_ENUM(name, wire, flags, member) \
  KITH_ENUM_FIELD (KithFrame, name, wire, flags, member, 0)

/* One table a frame type and origin: the fields, in the order they are
 * checked and written (docs/protocol.md, "Frame reference"). */

static const KithFieldSpec no_fields[] = {
  FIELD_END
};

static const KithFieldSpec call_claim_fields[] = {
  KITH_FIELD (KithCallClaim, "call_id", KIND_STRING, REQ_NONEMPTY, KITH_MAX_ID_BYTES, call_id, 0),
  KITH_FIELD (KithCallClaim, "peer",    KIND_ID,     REQ,          0,                 peer,    0),
  KITH_FIELD (KithCallClaim, "caller",  KIND_BOOL,   REQ,          0,                 caller,  0),
  KITH_FIELD (KithCallClaim, "video",   KIND_BOOL,   REQ,          0,                 video,   0),
  KITH_FIELD (KithCallClaim, "elapsed", KIND_INT,    F_NONE,       0,                 elapsed, 0),
  FIELD_END
};

static const KithFieldSpec hello_fields[] = {
  FRAME_FIELD ("token",        KIND_STRING, REQ_NONEMPTY, KITH_MAX_TOKEN_BYTES, token),
  FRAME_FIELD ("resume_after", KIND_INT,    F_NONE,       0,                    resume_after),
  KITH_OBJECT_FIELD (KithFrame, "call", F_NONE, claim, call_claim_fields, KithCallClaim),
  FIELD_END
};

static const KithFieldSpec welcome_fields[] = {
  FRAME_FIELD ("user", KIND_USER, REQ, 0, user),
  FRAME_FIELD ("seq",  KIND_INT,  REQ, 0, seq),
  FIELD_END
};

static const KithFieldSpec presence_set_fields[] = {
  FRAME_ENUM ("status", &kith_chosen_status_wire, REQ, chosen),
  FIELD_END
};

static const KithFieldSpec presence_fields[] = {
  FRAME_FIELD ("user_id", KIND_ID,             REQ, 0, user_id),
  FRAME_ENUM  ("status",  &kith_presence_wire, REQ,    presence),
  FIELD_END
};

static const KithFieldSpec activity_fields[] = {
  FRAME_FIELD ("idle", KIND_BOOL, REQ, 0, idle),
  FIELD_END
};

static const KithFieldSpec message_send_fields[] = {
  FRAME_FIELD ("id",   KIND_STRING, REQ_NONEMPTY, KITH_MAX_ID_BYTES,           id),
  FRAME_FIELD ("to",   KIND_ID,     REQ,          0,                           to),
  FRAME_FIELD ("body", KIND_STRING, REQ_NONEMPTY, KITH_MAX_MESSAGE_BODY_BYTES, body),
  FIELD_END
};

static const KithFieldSpec message_frame_fields[] = {
  FRAME_FIELD ("seq",     KIND_INT,    REQ,          0,                           seq),
  FRAME_FIELD ("id",      KIND_STRING, REQ_NONEMPTY, KITH_MAX_ID_BYTES,           id),
  FRAME_FIELD ("from",    KIND_ID,     REQ,          0,                           from),
  FRAME_FIELD ("to",      KIND_ID,     REQ,          0,                           to),
  FRAME_FIELD ("body",    KIND_STRING, REQ_NONEMPTY, KITH_MAX_MESSAGE_BODY_BYTES, body),
  FRAME_FIELD ("sent_at", KIND_INT,    REQ,          0,                           sent_at),
  FRAME_FIELD ("kind",    KIND_STRING, F_NONEMPTY,   KITH_MAX_KIND_BYTES,         kind),
  KITH_OBJECT_FIELD (KithFrame, "call", F_NONE, call, kith_call_info_fields, KithCallInfo),
  FIELD_END
};

static const KithFieldSpec message_ack_fields[] = {
  FRAME_FIELD ("id",      KIND_STRING, REQ_NONEMPTY, KITH_MAX_ID_BYTES, id),
  FRAME_FIELD ("seq",     KIND_INT,    REQ,          0,                 seq),
  FRAME_FIELD ("sent_at", KIND_INT,    REQ,          0,                 sent_at),
  FIELD_END
};

static const KithFieldSpec message_read_client_fields[] = {
  FRAME_FIELD ("to",    KIND_ID,  REQ, 0, to),
  FRAME_FIELD ("up_to", KIND_INT, REQ, 0, up_to),
  FIELD_END
};

static const KithFieldSpec message_read_server_fields[] = {
  FRAME_FIELD ("from",  KIND_ID,  REQ, 0, from),
  FRAME_FIELD ("to",    KIND_ID,  REQ, 0, to),
  FRAME_FIELD ("up_to", KIND_INT, REQ, 0, up_to),
  FIELD_END
};

static const KithFieldSpec user_frame_fields[] = {
  FRAME_FIELD ("user", KIND_USER, REQ, 0, user),
  FIELD_END
};

static const KithFieldSpec user_id_frame_fields[] = {
  FRAME_FIELD ("user_id", KIND_ID, REQ, 0, user_id),
  FIELD_END
};

#define CALL_ID_FIELD FRAME_FIELD ("call_id", KIND_STRING, REQ_NONEMPTY, KITH_MAX_ID_BYTES, call_id)
#define CALL_TO_FIELD FRAME_FIELD ("to", KIND_ID, REQ, 0, to)
#define CALL_FROM_FIELD FRAME_FIELD ("from", KIND_ID, REQ, 0, from)

#define CALL_INVITE_REST \
  FRAME_FIELD ("video", KIND_BOOL,   REQ,          0,                  video), \
  FRAME_FIELD ("sdp",   KIND_STRING, REQ_NONEMPTY, KITH_MAX_SDP_BYTES, sdp)
#define CALL_ANSWER_REST \
  FRAME_FIELD ("sdp", KIND_STRING, REQ_NONEMPTY, KITH_MAX_SDP_BYTES, sdp)
#define CALL_CANDIDATE_REST \
  FRAME_FIELD ("candidate",       KIND_STRING, REQ, KITH_MAX_CANDIDATE_BYTES, candidate), \
  FRAME_FIELD ("sdp_mline_index", KIND_INT,    REQ, 0,                        sdp_mline_index)
#define CALL_REASON_REST \
  FRAME_FIELD ("reason", KIND_STRING, F_NONE, KITH_MAX_REASON_BYTES, reason)

static const KithFieldSpec call_invite_client_fields[] = { CALL_ID_FIELD, CALL_TO_FIELD, CALL_INVITE_REST, FIELD_END };
static const KithFieldSpec call_invite_server_fields[] = { CALL_ID_FIELD, CALL_FROM_FIELD, CALL_INVITE_REST, FIELD_END };
static const KithFieldSpec call_ringing_client_fields[] = { CALL_ID_FIELD, CALL_TO_FIELD, FIELD_END };
static const KithFieldSpec call_ringing_server_fields[] = { CALL_ID_FIELD, CALL_FROM_FIELD, FIELD_END };
static const KithFieldSpec call_answer_client_fields[] = { CALL_ID_FIELD, CALL_TO_FIELD, CALL_ANSWER_REST, FIELD_END };
static const KithFieldSpec call_answer_server_fields[] = { CALL_ID_FIELD, CALL_FROM_FIELD, CALL_ANSWER_REST, FIELD_END };
static const KithFieldSpec call_candidate_client_fields[] = { CALL_ID_FIELD, CALL_TO_FIELD, CALL_CANDIDATE_REST, FIELD_END };
static const KithFieldSpec call_candidate_server_fields[] = { CALL_ID_FIELD, CALL_FROM_FIELD, CALL_CANDIDATE_REST, FIELD_END };
static const KithFieldSpec call_end_client_fields[] = { CALL_ID_FIELD, CALL_TO_FIELD, CALL_REASON_REST, FIELD_END };
static const KithFieldSpec call_end_server_fields[] = { CALL_ID_FIELD, CALL_FROM_FIELD, CALL_REASON_REST, FIELD_END };

static const KithFieldSpec error_fields[] = {
  FRAME_FIELD ("code",    KIND_ERROR_CODE, REQ,    0,                            code),
  FRAME_FIELD ("message", KIND_STRING,     REQ,    KITH_MAX_ERROR_MESSAGE_BYTES, message),
  FRAME_FIELD ("ref",     KIND_STRING,     F_NONE, KITH_MAX_ID_BYTES,            ref),
  FRAME_FIELD ("retry_after_ms", KIND_INT, F_SKIP_0, 0,                          retry_after_ms),
  FIELD_END
};

typedef struct {
  const char          *name;
  const KithFieldSpec *client;   /* NULL: the client may not send it */
  const KithFieldSpec *server;   /* NULL: kithd may not send it */
} FrameSpec;

static const FrameSpec frame_specs[] = {
  [KITH_FRAME_HELLO]            = { "hello",            hello_fields,                 NULL },
  [KITH_FRAME_WELCOME]          = { "welcome",          NULL,                         welcome_fields },
  [KITH_FRAME_PRESENCE_SET]     = { "presence.set",     presence_set_fields,          NULL },
  [KITH_FRAME_PRESENCE]         = { "presence",         NULL,                         presence_fields },
  [KITH_FRAME_ACTIVITY]         = { "activity",         activity_fields,              NULL },
  [KITH_FRAME_MESSAGE_SEND]     = { "message.send",     message_send_fields,          NULL },
  [KITH_FRAME_MESSAGE]          = { "message",          NULL,                         message_frame_fields },
  [KITH_FRAME_MESSAGE_ACK]      = { "message.ack",      NULL,                         message_ack_fields },
  [KITH_FRAME_MESSAGE_READ]     = { "message.read",     message_read_client_fields,   message_read_server_fields },
  [KITH_FRAME_PROFILE]          = { "profile",          NULL,                         user_frame_fields },
  [KITH_FRAME_CONTACT_REQUEST]  = { "contact.request",  NULL,                         user_frame_fields },
  [KITH_FRAME_CONTACT_ACCEPTED] = { "contact.accepted", NULL,                         user_frame_fields },
  [KITH_FRAME_CONTACT_REMOVED]  = { "contact.removed",  NULL,                         user_id_frame_fields },
  [KITH_FRAME_CALL_INVITE]      = { "call.invite",      call_invite_client_fields,    call_invite_server_fields },
  [KITH_FRAME_CALL_RINGING]     = { "call.ringing",     call_ringing_client_fields,   call_ringing_server_fields },
  [KITH_FRAME_CALL_ANSWER]      = { "call.answer",      call_answer_client_fields,    call_answer_server_fields },
  [KITH_FRAME_CALL_CANDIDATE]   = { "call.candidate",   call_candidate_client_fields, call_candidate_server_fields },
  [KITH_FRAME_CALL_HANGUP]      = { "call.hangup",      call_end_client_fields,       call_end_server_fields },
  [KITH_FRAME_CALL_REJECT]      = { "call.reject",      call_end_client_fields,       call_end_server_fields },
  [KITH_FRAME_PING]             = { "ping",             no_fields,                    NULL },
  [KITH_FRAME_PONG]             = { "pong",             NULL,                         no_fields },
  [KITH_FRAME_ERROR]            = { "error",            NULL,                         error_fields },
};

G_STATIC_ASSERT (G_N_ELEMENTS (frame_specs) == KITH_FRAME_LAST + 1);

KithCallClaim *
kith_call_claim_new (void)
{
  return g_new0 (KithCallClaim, 1);
}

void
kith_call_claim_free (KithCallClaim *claim)
{
  if (claim == NULL)
    return;

  kith_fields_free (call_claim_fields, claim);
  g_free (claim);
}

KithFrame *
kith_frame_new (KithFrameType type)
{
  KithFrame *frame;

  g_return_val_if_fail ((guint) type <= KITH_FRAME_LAST, NULL);

  frame = g_new0 (KithFrame, 1);
  frame->type = type;

  return frame;
}

void
kith_frame_free (KithFrame *frame)
{
  if (frame == NULL)
    return;

  g_free (frame->token);
  g_clear_pointer (&frame->claim, kith_call_claim_free);
  g_free (frame->kind);
  g_clear_pointer (&frame->call, kith_call_info_free);
  g_clear_pointer (&frame->user, kith_user_info_free);
  g_free (frame->id);
  g_free (frame->body);
  g_free (frame->call_id);
  g_free (frame->sdp);
  g_free (frame->candidate);
  g_free (frame->reason);
  g_free (frame->message);
  g_free (frame->ref);
  g_free (frame);
}

const char *
kith_frame_type_to_string (KithFrameType type)
{
  g_return_val_if_fail ((guint) type <= KITH_FRAME_LAST, NULL);

  return frame_specs[type].name;
}

gboolean
kith_frame_type_from_string (const char    *str,
                             KithFrameType *type)
{
  g_return_val_if_fail (type != NULL, FALSE);

  if (str == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (frame_specs); i++) {
    if (g_str_equal (str, frame_specs[i].name)) {
      *type = (KithFrameType) i;
      return TRUE;
    }
  }

  return FALSE;
}

static const KithFieldSpec *
frame_fields (KithFrameType type,
              KithOrigin    origin)
{
  if ((guint) type > KITH_FRAME_LAST)
    return NULL;

  return origin == KITH_ORIGIN_CLIENT ? frame_specs[type].client : frame_specs[type].server;
}

gboolean
kith_frame_type_allowed (KithFrameType type,
                         KithOrigin    origin)
{
  return frame_fields (type, origin) != NULL;
}

KithFrame *
kith_frame_parse (const char  *data,
                  gsize        length,
                  KithOrigin   origin,
                  GError     **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (KithFrame) frame = NULL;
  const KithFieldSpec *fields = NULL;
  JsonObject *object;
  JsonNode *type_node;
  const char *type_name;
  KithFrameType type;

  if (length > KITH_MAX_FRAME_BYTES) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_PAYLOAD_TOO_LARGE,
                 _("The frame is too large: at most %d bytes are allowed."),
                 KITH_MAX_FRAME_BYTES);
    return NULL;
  }

  root = kith_json_parse_object (data, length, NULL, error);
  if (root == NULL)
    return NULL;

  object = json_node_get_object (root);
  type_node = json_object_get_member (object, "type");
  if (type_node == NULL) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                         _("The field “type” is missing."));
    return NULL;
  }
  if (!kith_json_node_holds (type_node, G_TYPE_STRING)) {
    kith_fields_type_error (error, NULL, "type", _("a string"));
    return NULL;
  }

  type_name = json_node_get_string (type_node);
  if (!kith_frame_type_from_string (type_name, &type) ||
      (fields = frame_fields (type, origin)) == NULL) {
    g_autofree char *shown = g_utf8_make_valid (type_name, MIN (strlen (type_name), 64));
    g_set_error (error, KITH_ERROR, KITH_ERROR_UNKNOWN_TYPE,
                 _("Unknown frame type “%s”."), shown);
    return NULL;
  }

  frame = kith_frame_new (type);
  if (!kith_fields_parse (object, fields, frame, NULL, NULL, error))
    return NULL;

  return g_steal_pointer (&frame);
}

char *
kith_frame_to_json (const KithFrame *frame,
                    KithOrigin       origin,
                    gsize           *length)
{
  const KithFieldSpec *fields;
  gboolean first = FALSE;
  GString *out;

  g_return_val_if_fail (frame != NULL, NULL);

  fields = frame_fields (frame->type, origin);
  g_return_val_if_fail (fields != NULL, NULL);

  out = g_string_sized_new (64);
  g_string_append (out, "{\"type\":");
  kith_json_append_string (out, frame_specs[frame->type].name);
  kith_fields_write (out, &first, fields, frame, 0);
  g_string_append_c (out, '}');

  return kith_json_finish (out, length);
}

char *
kith_frame_peek_ref (const char *data,
                     gsize       length)
{
  static const char * const members[] = { "id", "call_id" };
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) nul_paths = NULL;
  JsonObject *object;

  if (length > KITH_MAX_FRAME_BYTES)
    return NULL;

  root = kith_json_parse_object (data, length, &nul_paths, NULL);
  if (root == NULL)
    return NULL;

  object = json_node_get_object (root);
  for (guint i = 0; i < G_N_ELEMENTS (members); i++) {
    JsonNode *node = json_object_get_member (object, members[i]);
    const char *str;

    if (node == NULL || !kith_json_node_holds (node, G_TYPE_STRING))
      continue;
    /* json-glib cut it at the NUL: not the id the client sent */
    if (nul_paths != NULL &&
        g_ptr_array_find_with_equal_func (nul_paths, members[i], g_str_equal, NULL))
      continue;

    str = json_node_get_string (node);
    if (*str != '\0' && strlen (str) <= KITH_MAX_ID_BYTES && g_utf8_validate (str, -1, NULL))
      return g_strdup (str);
  }

  return NULL;
}

char *
kith_frame_error_json (KithErrorCode  code,
                       const char    *message,
                       const char    *ref,
                       gsize         *length)
{
  KithFrame frame = { 0, };

  frame.type = KITH_FRAME_ERROR;
  frame.code = code;
  frame.message = (char *) (message != NULL ? message : "");
  frame.ref = (char *) ref;

  return kith_frame_to_json (&frame, KITH_ORIGIN_SERVER, length);
}
