/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithProtocol"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "kith-password-policy.h"
#include "kith-protocol.h"

/*
 * The codec is table-driven: every frame type (per origin), REST body and
 * object is a list of FieldSpec rows, and one parser (parse_fields) and one
 * writer (write_fields) walk them. A new frame is one table row.
 */

#define KITH_MAX_ERROR_MESSAGE_BYTES 1024
#define KITH_MAX_PLAN_BYTES          32
#define KITH_MAX_PASSWORD_BYTES      KITH_PASSWORD_MAX_BYTES
#define KITH_MAX_URI_BYTES           2048
#define KITH_MAX_OIDC_BYTES          2048

typedef enum {
  KIND_STRING,
  KIND_INT,            /* gint64 >= 0 */
  KIND_ID,             /* gint64 >= 1: names a user */
  KIND_BOOL,
  KIND_USER,           /* KithUserInfo * */
  KIND_CHOSEN,         /* KithChosenStatus as its string */
  KIND_PRESENCE,       /* KithPresence as its string */
  KIND_DEVICE_KIND,    /* KithDeviceKind as its string */
  KIND_CONTACT_STATE,  /* KithContactState as its string */
  KIND_ERROR_CODE,     /* KithErrorCode as its string */
} FieldKind;

typedef enum {
  F_NONE     = 0,
  F_REQUIRED = 1 << 0,
  F_NONEMPTY = 1 << 1, /* strings: not "" */
  F_TRIM     = 1 << 2, /* strings: stripped of surrounding white space, then not "" */
  F_EMAIL    = 1 << 3, /* strings: kith_email_is_valid() or INVALID_EMAIL */
  F_GATED    = 1 << 4, /* written only when present_flag is given to the writer */
  F_NAME     = 1 << 5, /* strings: kith_name_check() or INVALID_FIELD */
  F_SKIP_0   = 1 << 6, /* integers, optional: not written when 0 */
} FieldFlags;

typedef struct {
  const char *name;
  FieldKind   kind;
  FieldFlags  flags;
  guint       max_bytes;      /* strings; 0: no limit */
  gsize       offset;         /* into the struct being parsed or written */
  guint       present_flag;   /* set in *present when the member is given */
} FieldSpec;

#define FIELD_END { NULL, 0, 0, 0, 0, 0 }

#define FRAME_FIELD(name, kind, flags, max, member) \
  { name, kind, flags, max, G_STRUCT_OFFSET (KithFrame, member), 0 }
#define BODY_FIELD(name, kind, flags, max, member, present) \
  { name, kind, flags, max, G_STRUCT_OFFSET (KithBody, member), present }

#define REQ F_REQUIRED
#define REQ_NONEMPTY (F_REQUIRED | F_NONEMPTY)

/* ---- objects ---- */

#define USER_SETTINGS 1

static const FieldSpec user_fields[] = {
  { "id",         KIND_ID,     REQ, 0,                    G_STRUCT_OFFSET (KithUserInfo, id),         0 },
  { "email",      KIND_STRING, REQ, KITH_MAX_EMAIL_BYTES, G_STRUCT_OFFSET (KithUserInfo, email),      0 },
  { "first_name", KIND_STRING, REQ, KITH_MAX_NAME_BYTES,  G_STRUCT_OFFSET (KithUserInfo, first_name), 0 },
  { "last_name",  KIND_STRING, REQ, KITH_MAX_NAME_BYTES,  G_STRUCT_OFFSET (KithUserInfo, last_name),  0 },
  { "offline_email_notification", KIND_BOOL, F_GATED, 0,
    G_STRUCT_OFFSET (KithUserInfo, offline_email_notification), USER_SETTINGS },
  { "plan",       KIND_STRING, F_GATED, KITH_MAX_PLAN_BYTES, G_STRUCT_OFFSET (KithUserInfo, plan), USER_SETTINGS },
  FIELD_END
};

static const FieldSpec message_fields[] = {
  { "seq",     KIND_INT,    REQ,          0, G_STRUCT_OFFSET (KithMessageInfo, seq),     0 },
  { "id",      KIND_STRING, REQ_NONEMPTY, KITH_MAX_ID_BYTES, G_STRUCT_OFFSET (KithMessageInfo, id), 0 },
  { "from",    KIND_ID,     REQ,          0, G_STRUCT_OFFSET (KithMessageInfo, from),    0 },
  { "to",      KIND_ID,     REQ,          0, G_STRUCT_OFFSET (KithMessageInfo, to),      0 },
  { "body",    KIND_STRING, REQ_NONEMPTY, KITH_MAX_MESSAGE_BODY_BYTES, G_STRUCT_OFFSET (KithMessageInfo, body), 0 },
  { "sent_at", KIND_INT,    REQ,          0, G_STRUCT_OFFSET (KithMessageInfo, sent_at), 0 },
  FIELD_END
};

static const FieldSpec contact_fields[] = {
  { "user",     KIND_USER,          REQ, 0, G_STRUCT_OFFSET (KithContactInfo, user),     0 },
  { "state",    KIND_CONTACT_STATE, REQ, 0, G_STRUCT_OFFSET (KithContactInfo, state),    0 },
  { "presence", KIND_PRESENCE,      REQ, 0, G_STRUCT_OFFSET (KithContactInfo, presence), 0 },
  FIELD_END
};

/* ---- socket frames ---- */

static const FieldSpec no_fields[] = {
  FIELD_END
};

static const FieldSpec hello_fields[] = {
  FRAME_FIELD ("token",        KIND_STRING, REQ_NONEMPTY, KITH_MAX_TOKEN_BYTES, token),
  FRAME_FIELD ("resume_after", KIND_INT,    F_NONE,       0,                    resume_after),
  FIELD_END
};

static const FieldSpec welcome_fields[] = {
  FRAME_FIELD ("user", KIND_USER, REQ, 0, user),
  FRAME_FIELD ("seq",  KIND_INT,  REQ, 0, seq),
  FIELD_END
};

static const FieldSpec presence_set_fields[] = {
  FRAME_FIELD ("status", KIND_CHOSEN, REQ, 0, chosen),
  FIELD_END
};

static const FieldSpec presence_fields[] = {
  FRAME_FIELD ("user_id", KIND_ID,       REQ, 0, user_id),
  FRAME_FIELD ("status",  KIND_PRESENCE, REQ, 0, presence),
  FIELD_END
};

static const FieldSpec activity_fields[] = {
  FRAME_FIELD ("idle", KIND_BOOL, REQ, 0, idle),
  FIELD_END
};

static const FieldSpec message_send_fields[] = {
  FRAME_FIELD ("id",   KIND_STRING, REQ_NONEMPTY, KITH_MAX_ID_BYTES,           id),
  FRAME_FIELD ("to",   KIND_ID,     REQ,          0,                           to),
  FRAME_FIELD ("body", KIND_STRING, REQ_NONEMPTY, KITH_MAX_MESSAGE_BODY_BYTES, body),
  FIELD_END
};

static const FieldSpec message_frame_fields[] = {
  FRAME_FIELD ("seq",     KIND_INT,    REQ,          0,                           seq),
  FRAME_FIELD ("id",      KIND_STRING, REQ_NONEMPTY, KITH_MAX_ID_BYTES,           id),
  FRAME_FIELD ("from",    KIND_ID,     REQ,          0,                           from),
  FRAME_FIELD ("to",      KIND_ID,     REQ,          0,                           to),
  FRAME_FIELD ("body",    KIND_STRING, REQ_NONEMPTY, KITH_MAX_MESSAGE_BODY_BYTES, body),
  FRAME_FIELD ("sent_at", KIND_INT,    REQ,          0,                           sent_at),
  FIELD_END
};

static const FieldSpec message_ack_fields[] = {
  FRAME_FIELD ("id",      KIND_STRING, REQ_NONEMPTY, KITH_MAX_ID_BYTES, id),
  FRAME_FIELD ("seq",     KIND_INT,    REQ,          0,                 seq),
  FRAME_FIELD ("sent_at", KIND_INT,    REQ,          0,                 sent_at),
  FIELD_END
};

static const FieldSpec message_read_client_fields[] = {
  FRAME_FIELD ("to",    KIND_ID,  REQ, 0, to),
  FRAME_FIELD ("up_to", KIND_INT, REQ, 0, up_to),
  FIELD_END
};

static const FieldSpec message_read_server_fields[] = {
  FRAME_FIELD ("from",  KIND_ID,  REQ, 0, from),
  FRAME_FIELD ("to",    KIND_ID,  REQ, 0, to),
  FRAME_FIELD ("up_to", KIND_INT, REQ, 0, up_to),
  FIELD_END
};

static const FieldSpec user_frame_fields[] = {
  FRAME_FIELD ("user", KIND_USER, REQ, 0, user),
  FIELD_END
};

static const FieldSpec user_id_frame_fields[] = {
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

static const FieldSpec call_invite_client_fields[] = { CALL_ID_FIELD, CALL_TO_FIELD, CALL_INVITE_REST, FIELD_END };
static const FieldSpec call_invite_server_fields[] = { CALL_ID_FIELD, CALL_FROM_FIELD, CALL_INVITE_REST, FIELD_END };
static const FieldSpec call_ringing_client_fields[] = { CALL_ID_FIELD, CALL_TO_FIELD, FIELD_END };
static const FieldSpec call_ringing_server_fields[] = { CALL_ID_FIELD, CALL_FROM_FIELD, FIELD_END };
static const FieldSpec call_answer_client_fields[] = { CALL_ID_FIELD, CALL_TO_FIELD, CALL_ANSWER_REST, FIELD_END };
static const FieldSpec call_answer_server_fields[] = { CALL_ID_FIELD, CALL_FROM_FIELD, CALL_ANSWER_REST, FIELD_END };
static const FieldSpec call_candidate_client_fields[] = { CALL_ID_FIELD, CALL_TO_FIELD, CALL_CANDIDATE_REST, FIELD_END };
static const FieldSpec call_candidate_server_fields[] = { CALL_ID_FIELD, CALL_FROM_FIELD, CALL_CANDIDATE_REST, FIELD_END };
static const FieldSpec call_end_client_fields[] = { CALL_ID_FIELD, CALL_TO_FIELD, CALL_REASON_REST, FIELD_END };
static const FieldSpec call_end_server_fields[] = { CALL_ID_FIELD, CALL_FROM_FIELD, CALL_REASON_REST, FIELD_END };

static const FieldSpec error_fields[] = {
  FRAME_FIELD ("code",    KIND_ERROR_CODE, REQ,    0,                            code),
  FRAME_FIELD ("message", KIND_STRING,     REQ,    KITH_MAX_ERROR_MESSAGE_BYTES, message),
  FRAME_FIELD ("ref",     KIND_STRING,     F_NONE, KITH_MAX_ID_BYTES,            ref),
  FRAME_FIELD ("retry_after_ms", KIND_INT, F_SKIP_0, 0,                          retry_after_ms),
  FIELD_END
};

typedef struct {
  const char      *name;
  const FieldSpec *client;   /* NULL: the client may not send it */
  const FieldSpec *server;   /* NULL: kithd may not send it */
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

/* ---- REST bodies ---- */

static const FieldSpec sign_up_fields[] = {
  BODY_FIELD ("email",      KIND_STRING, REQ | F_EMAIL, KITH_MAX_EMAIL_BYTES,    email,      KITH_FIELD_EMAIL),
  BODY_FIELD ("password",   KIND_STRING, REQ,           KITH_MAX_PASSWORD_BYTES, password,   KITH_FIELD_PASSWORD),
  BODY_FIELD ("first_name", KIND_STRING, REQ | F_TRIM | F_NAME, KITH_MAX_NAME_BYTES, first_name, KITH_FIELD_FIRST_NAME),
  BODY_FIELD ("last_name",  KIND_STRING, REQ | F_TRIM | F_NAME, KITH_MAX_NAME_BYTES, last_name,  KITH_FIELD_LAST_NAME),
  FIELD_END
};

static const FieldSpec log_in_fields[] = {
  BODY_FIELD ("email",             KIND_STRING,      F_EMAIL,    KITH_MAX_EMAIL_BYTES,    email,             KITH_FIELD_EMAIL),
  BODY_FIELD ("password",          KIND_STRING,      F_NONE,     KITH_MAX_PASSWORD_BYTES, password,          KITH_FIELD_PASSWORD),
  BODY_FIELD ("oidc_code",         KIND_STRING,      F_NONEMPTY, KITH_MAX_OIDC_BYTES,     oidc_code,         KITH_FIELD_OIDC),
  BODY_FIELD ("oidc_verifier",     KIND_STRING,      F_NONEMPTY, KITH_MAX_OIDC_BYTES,     oidc_verifier,     0),
  BODY_FIELD ("oidc_redirect_uri", KIND_STRING,      F_NONE,     KITH_MAX_URI_BYTES,      oidc_redirect_uri, 0),
  BODY_FIELD ("device_name",       KIND_STRING,      F_TRIM | F_NAME, KITH_MAX_NAME_BYTES, device_name,      0),
  BODY_FIELD ("device_kind",       KIND_DEVICE_KIND, F_NONE,     0,                       device_kind,       0),
  FIELD_END
};

static const FieldSpec profile_update_fields[] = {
  BODY_FIELD ("first_name", KIND_STRING, F_TRIM | F_NAME, KITH_MAX_NAME_BYTES, first_name, KITH_FIELD_FIRST_NAME),
  BODY_FIELD ("last_name",  KIND_STRING, F_TRIM | F_NAME, KITH_MAX_NAME_BYTES, last_name,  KITH_FIELD_LAST_NAME),
  BODY_FIELD ("offline_email_notification", KIND_BOOL, F_NONE, 0, offline_email_notification,
              KITH_FIELD_OFFLINE_EMAIL_NOTIFICATION),
  FIELD_END
};

static const FieldSpec password_change_fields[] = {
  BODY_FIELD ("current_password", KIND_STRING, REQ, KITH_MAX_PASSWORD_BYTES, current_password, 0),
  BODY_FIELD ("new_password",     KIND_STRING, REQ, KITH_MAX_PASSWORD_BYTES, new_password,     0),
  FIELD_END
};

static const FieldSpec reset_request_fields[] = {
  BODY_FIELD ("email", KIND_STRING, REQ | F_EMAIL, KITH_MAX_EMAIL_BYTES, email, KITH_FIELD_EMAIL),
  FIELD_END
};

static const FieldSpec reset_confirm_fields[] = {
  BODY_FIELD ("token",    KIND_STRING, REQ_NONEMPTY, KITH_MAX_TOKEN_BYTES,    token,    0),
  BODY_FIELD ("password", KIND_STRING, REQ,          KITH_MAX_PASSWORD_BYTES, password, KITH_FIELD_PASSWORD),
  FIELD_END
};

static const FieldSpec delete_account_fields[] = {
  BODY_FIELD ("confirm_email", KIND_STRING, REQ, KITH_MAX_EMAIL_BYTES, confirm_email, 0),
  FIELD_END
};

static const FieldSpec contact_add_fields[] = {
  BODY_FIELD ("email", KIND_STRING, REQ | F_EMAIL, KITH_MAX_EMAIL_BYTES, email, KITH_FIELD_EMAIL),
  FIELD_END
};

static const FieldSpec * const body_specs[] = {
  [KITH_BODY_SIGN_UP]         = sign_up_fields,
  [KITH_BODY_LOG_IN]          = log_in_fields,
  [KITH_BODY_PROFILE_UPDATE]  = profile_update_fields,
  [KITH_BODY_PASSWORD_CHANGE] = password_change_fields,
  [KITH_BODY_RESET_REQUEST]   = reset_request_fields,
  [KITH_BODY_RESET_CONFIRM]   = reset_confirm_fields,
  [KITH_BODY_DELETE_ACCOUNT]  = delete_account_fields,
  [KITH_BODY_CONTACT_ADD]     = contact_add_fields,
};

#define KITH_BODY_LAST KITH_BODY_CONTACT_ADD

G_STATIC_ASSERT (G_N_ELEMENTS (body_specs) == KITH_BODY_LAST + 1);

/* ---- enum names ---- */

static const char * const contact_state_names[] = {
  [KITH_CONTACT_ACCEPTED] = "accepted",
  [KITH_CONTACT_INCOMING] = "incoming",
  [KITH_CONTACT_OUTGOING] = "outgoing",
};

static const char * const password_rule_names[] = {
  "length", "upper", "lower", "digit", "symbol",
};

/* ---- field access ---- */

#define FIELD_PTR(base, field) ((gpointer) ((guint8 *) (base) + (field)->offset))
#define FIELD_STRING(base, field) ((char **) FIELD_PTR (base, field))
#define FIELD_INT64(base, field) ((gint64 *) FIELD_PTR (base, field))
#define FIELD_BOOL(base, field) ((gboolean *) FIELD_PTR (base, field))
#define FIELD_ENUM(base, field) ((int *) FIELD_PTR (base, field))
#define FIELD_USER(base, field) ((KithUserInfo **) FIELD_PTR (base, field))

static void
free_string_fields (const FieldSpec *fields,
                    gpointer         base)
{
  for (const FieldSpec *f = fields; f->name != NULL; f++) {
    if (f->kind == KIND_STRING)
      g_clear_pointer (FIELD_STRING (base, f), g_free);
    else if (f->kind == KIND_USER)
      g_clear_pointer (FIELD_USER (base, f), kith_user_info_free);
  }
}

/* ---- JSON writing: compact, hand-written (kithd writes many frames) ---- */

static void
append_json_string (GString    *out,
                    const char *str)
{
  g_autofree char *valid = NULL;
  const char *run;
  const char *p;

  if (str == NULL)
    str = "";

  if (!g_utf8_validate (str, -1, NULL))
    str = valid = g_utf8_make_valid (str, -1);

  g_string_append_c (out, '"');

  run = str;
  for (p = str; *p != '\0'; p++) {
    guchar c = (guchar) *p;
    const char *escape = NULL;
    char buf[8];

    if (c >= 0x20 && c != '"' && c != '\\')
      continue;

    switch (c) {
    case '"': escape = "\\\""; break;
    case '\\': escape = "\\\\"; break;
    case '\b': escape = "\\b"; break;
    case '\f': escape = "\\f"; break;
    case '\n': escape = "\\n"; break;
    case '\r': escape = "\\r"; break;
    case '\t': escape = "\\t"; break;
    default:
      g_snprintf (buf, sizeof buf, "\\u%04x", c);
      escape = buf;
      break;
    }

    g_string_append_len (out, run, p - run);
    g_string_append (out, escape);
    run = p + 1;
  }

  g_string_append_len (out, run, p - run);
  g_string_append_c (out, '"');
}

static void
append_int (GString *out,
            gint64   value)
{
  char buf[24];
  char *p = buf + sizeof buf;
  guint64 v = value < 0 ? -(guint64) value : (guint64) value;

  do {
    *--p = '0' + (v % 10);
    v /= 10;
  } while (v != 0);

  if (value < 0)
    *--p = '-';

  g_string_append_len (out, p, buf + sizeof buf - p);
}

static void
append_key (GString    *out,
            gboolean   *first,
            const char *key)
{
  if (!*first)
    g_string_append_c (out, ',');
  *first = FALSE;

  /* Keys are our own identifiers: no escaping needed. */
  g_string_append_c (out, '"');
  g_string_append (out, key);
  g_string_append (out, "\":");
}

static void write_user (GString            *out,
                        const KithUserInfo *user);

static const char *
enum_field_to_string (FieldKind kind,
                      int       value)
{
  switch (kind) {
  case KIND_CHOSEN:
    return kith_chosen_status_to_string ((KithChosenStatus) value);
  case KIND_PRESENCE:
    return kith_presence_to_string ((KithPresence) value);
  case KIND_DEVICE_KIND:
    return kith_device_kind_to_string ((KithDeviceKind) value);
  case KIND_CONTACT_STATE:
    return kith_contact_state_to_string ((KithContactState) value);
  case KIND_ERROR_CODE:
    return kith_error_code_to_string ((KithErrorCode) value);
  case KIND_STRING:
  case KIND_INT:
  case KIND_ID:
  case KIND_BOOL:
  case KIND_USER:
  default:
    g_assert_not_reached ();
  }
}

/* Writes the members of @fields (without braces). Required members are
 * always written. Optional ones: F_GATED members only when their
 * present_flag is in @present; strings when they are set; members with a
 * present_flag when it is in @present; others always. */
static void
write_fields (GString         *out,
              gboolean        *first,
              const FieldSpec *fields,
              gconstpointer    base,
              guint            present)
{
  for (const FieldSpec *f = fields; f->name != NULL; f++) {
    if (!(f->flags & F_REQUIRED)) {
      gboolean given = f->present_flag != 0 && (present & f->present_flag);

      if ((f->flags & F_GATED) && !given)
        continue;
      if (f->kind == KIND_STRING) {
        if (*FIELD_STRING (base, f) == NULL)
          continue;
      } else if (f->present_flag != 0 && !given) {
        continue;
      } else if ((f->flags & F_SKIP_0) && *FIELD_INT64 (base, f) == 0) {
        continue;
      }
    }

    append_key (out, first, f->name);

    switch (f->kind) {
    case KIND_STRING:
      append_json_string (out, *FIELD_STRING (base, f));
      break;
    case KIND_INT:
    case KIND_ID:
      append_int (out, *FIELD_INT64 (base, f));
      break;
    case KIND_BOOL:
      g_string_append (out, *FIELD_BOOL (base, f) ? "true" : "false");
      break;
    case KIND_USER:
      write_user (out, *FIELD_USER (base, f));
      break;
    case KIND_CHOSEN:
    case KIND_PRESENCE:
    case KIND_DEVICE_KIND:
    case KIND_CONTACT_STATE:
    case KIND_ERROR_CODE:
      append_json_string (out, enum_field_to_string (f->kind, *FIELD_ENUM (base, f)));
      break;
    default:
      g_assert_not_reached ();
    }
  }
}

static void
write_user (GString            *out,
            const KithUserInfo *user)
{
  gboolean first = TRUE;

  if (user == NULL) {
    g_string_append (out, "null");
    return;
  }

  g_string_append_c (out, '{');
  write_fields (out, &first, user_fields, user, user->has_settings ? USER_SETTINGS : 0);
  g_string_append_c (out, '}');
}

static void
write_object (GString         *out,
              const FieldSpec *fields,
              gconstpointer    base)
{
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  write_fields (out, &first, fields, base, 0);
  g_string_append_c (out, '}');
}

static char *
finish_string (GString *out,
               gsize   *length)
{
  if (length != NULL)
    *length = out->len;

  return g_string_free (out, FALSE);
}

/* ---- JSON reading ---- */

/* json-glib is lenient (single quotes, comments, hex numbers, raw control
 * characters in strings, text after the root value…). This checks the
 * strict grammar of RFC 8259 first, in one pass, with a nesting limit. */

#define KITH_MAX_JSON_DEPTH 32

/* A string with a \u0000 escape is refused, everywhere: json-glib would
 * cut the value at the NUL (a body, an id, a password that then matches on
 * its prefix). The check notes where each one is, as the field path
 * parse_fields() would name it ("user.first_name", "messages[2].body"). */
typedef struct {
  const char *key;            /* the member name as written, or NULL: an array element */
  gsize       key_len;
  guint       index;
} JsonCheckStep;

typedef struct {
  const char    *p;
  const char    *end;
  const char    *problem;
  JsonCheckStep  path[KITH_MAX_JSON_DEPTH];
  GPtrArray     *nul_paths;   /* char *: where a \u0000 is; NULL: nowhere */
} JsonCheck;

static void
check_ws (JsonCheck *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    c->p++;
}

static gboolean
check_fail (JsonCheck  *c,
            const char *problem)
{
  if (c->problem == NULL)
    c->problem = problem;

  return FALSE;
}

/* Reads the 4 hex digits of a \u escape at @p (checked before). */
static gunichar
hex4 (const char *p)
{
  gunichar value = 0;

  for (int i = 0; i < 4; i++)
    value = (value << 4) | g_ascii_xdigit_value (p[i]);

  return value;
}

/* A member name as json-glib reads it (escapes decoded, cut at a NUL). */
static void
append_unescaped (GString    *out,
                  const char *key,
                  gsize       len)
{
  const char *end = key + len;

  for (const char *p = key; p < end; p++) {
    gunichar ch;

    if (*p != '\\') {
      g_string_append_c (out, *p);
      continue;
    }

    p++;
    switch (*p) {
    case 'b': ch = '\b'; break;
    case 'f': ch = '\f'; break;
    case 'n': ch = '\n'; break;
    case 'r': ch = '\r'; break;
    case 't': ch = '\t'; break;
    case 'u':
      ch = hex4 (p + 1);
      p += 4;
      if (ch >= 0xd800 && ch < 0xdc00 && end - p > 6 && p[1] == '\\' && p[2] == 'u') {
        gunichar low = hex4 (p + 3);

        if (low >= 0xdc00 && low < 0xe000) {
          ch = 0x10000 + ((ch - 0xd800) << 10) + (low - 0xdc00);
          p += 6;
        }
      }
      if (ch >= 0xd800 && ch < 0xe000)
        ch = 0xfffd;
      break;
    default: ch = (guchar) *p; break;
    }

    if (ch == 0)
      return;
    g_string_append_unichar (out, ch);
  }
}

/* Notes that the value at c->path[0 .. depth-1] holds a \u0000. */
static void
note_nul (JsonCheck *c,
          guint      depth)
{
  GString *path = g_string_new (NULL);

  for (guint i = 0; i < depth; i++) {
    const JsonCheckStep *step = &c->path[i];

    if (step->key == NULL) {
      g_string_append_printf (path, "[%u]", step->index);
    } else {
      if (i > 0)
        g_string_append_c (path, '.');
      append_unescaped (path, step->key, step->key_len);
    }
  }

  if (c->nul_paths == NULL)
    c->nul_paths = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (c->nul_paths, g_string_free (path, FALSE));
}

/* Four hex digits of a \u escape; c->p past them. */
static gboolean
check_hex4 (JsonCheck *c)
{
  for (int i = 0; i < 4; i++) {
    if (c->p >= c->end || !g_ascii_isxdigit (*c->p))
      return FALSE;
    c->p++;
  }
  return TRUE;
}

/* @has_nul: set when the string has a \u0000 escape. */
static gboolean
check_string (JsonCheck *c,
              gboolean  *has_nul)
{
  c->p++; /* the opening quote */
  *has_nul = FALSE;

  while (c->p < c->end) {
    guchar ch = (guchar) *c->p++;

    if (ch == '"')
      return TRUE;
    if (ch < 0x20)
      return check_fail (c, _("a control character in a string"));
    if (ch == '\\') {
      if (c->p >= c->end)
        break;
      ch = (guchar) *c->p++;
      if (ch == 'u') {
        gunichar u;

        if (!check_hex4 (c))
          return check_fail (c, _("a bad \\u escape"));
        u = hex4 (c->p - 4);
        if (u == 0)
          *has_nul = TRUE;
        /* Half of a UTF-16 surrogate pair alone is no character; and
         * json-glib leaks memory on a high half followed by another
         * escape that is not a low half. */
        if (u >= 0xdc00 && u < 0xe000)
          return check_fail (c, _("half a character in a \\u escape"));
        if (u >= 0xd800 && u < 0xdc00) {
          if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u')
            return check_fail (c, _("half a character in a \\u escape"));
          c->p += 2;
          if (!check_hex4 (c))
            return check_fail (c, _("a bad \\u escape"));
          u = hex4 (c->p - 4);
          if (u < 0xdc00 || u >= 0xe000)
            return check_fail (c, _("half a character in a \\u escape"));
        }
      } else if (strchr ("\"\\/bfnrt", ch) == NULL || ch == '\0') {
        return check_fail (c, _("a bad escape in a string"));
      }
    }
  }

  return check_fail (c, _("an unterminated string"));
}

static gboolean
check_digits (JsonCheck *c)
{
  const char *start = c->p;

  while (c->p < c->end && g_ascii_isdigit (*c->p))
    c->p++;

  return c->p > start;
}

static gboolean
check_number (JsonCheck *c)
{
  if (*c->p == '-')
    c->p++;
  if (c->p < c->end && *c->p == '0')
    c->p++;
  else if (c->p >= c->end || *c->p < '1' || *c->p > '9' || !check_digits (c))
    return check_fail (c, _("a bad number"));

  if (c->p < c->end && *c->p == '.') {
    c->p++;
    if (!check_digits (c))
      return check_fail (c, _("a bad number"));
  }
  if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
    c->p++;
    if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
      c->p++;
    if (!check_digits (c))
      return check_fail (c, _("a bad number"));
  }

  return TRUE;
}

static gboolean
check_literal (JsonCheck  *c,
               const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (c->end - c->p) < len || memcmp (c->p, word, len) != 0)
    return check_fail (c, _("an unexpected character"));
  c->p += len;

  return TRUE;
}

static gboolean
check_value (JsonCheck *c,
             guint      depth)
{
  check_ws (c);
  if (c->p >= c->end)
    return check_fail (c, _("an unexpected end"));

  switch (*c->p) {
  case '{':
  case '[': {
    char close = *c->p == '{' ? '}' : ']';
    gboolean object = *c->p == '{';

    if (depth >= KITH_MAX_JSON_DEPTH)
      return check_fail (c, _("nesting that is too deep"));
    c->p++;
    check_ws (c);
    if (c->p < c->end && *c->p == close) {
      c->p++;
      return TRUE;
    }

    c->path[depth].key = NULL;
    c->path[depth].index = 0;

    for (;;) {
      if (object) {
        const char *key;
        gboolean has_nul;

        check_ws (c);
        if (c->p >= c->end || *c->p != '"')
          return check_fail (c, _("a member name that is not a string"));
        key = c->p + 1;
        if (!check_string (c, &has_nul))
          return FALSE;
        c->path[depth].key = key;
        c->path[depth].key_len = c->p - 1 - key;
        if (has_nul)
          note_nul (c, depth + 1);
        check_ws (c);
        if (c->p >= c->end || *c->p != ':')
          return check_fail (c, _("a missing colon"));
        c->p++;
      }
      if (!check_value (c, depth + 1))
        return FALSE;
      check_ws (c);
      if (c->p < c->end && *c->p == ',') {
        c->p++;
        c->path[depth].index++;
        continue;
      }
      if (c->p < c->end && *c->p == close) {
        c->p++;
        return TRUE;
      }
      return check_fail (c, _("a missing comma or closing bracket"));
    }
  }

  case '"': {
    gboolean has_nul;

    if (!check_string (c, &has_nul))
      return FALSE;
    if (has_nul)
      note_nul (c, depth);
    return TRUE;
  }
  case 't':
    return check_literal (c, "true");
  case 'f':
    return check_literal (c, "false");
  case 'n':
    return check_literal (c, "null");
  case '-':
  case '0': case '1': case '2': case '3': case '4':
  case '5': case '6': case '7': case '8': case '9':
    return check_number (c);
  default:
    return check_fail (c, _("an unexpected character"));
  }
}

/* @nul_paths: where the text has a \u0000 (NULL: nowhere). */
static gboolean
check_json_syntax (const char  *data,
                   gsize        length,
                   GPtrArray  **nul_paths,
                   GError     **error)
{
  JsonCheck c = { .p = data, .end = data + length };

  if (check_value (&c, 0)) {
    check_ws (&c);
    if (c.p == c.end) {
      *nul_paths = c.nul_paths;
      return TRUE;
    }
    check_fail (&c, _("text after the JSON value"));
  }

  g_clear_pointer (&c.nul_paths, g_ptr_array_unref);
  g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_JSON,
               _("This is not valid JSON: %s at byte %u."),
               c.problem, (guint) (c.p - data));

  return FALSE;
}

/* The root object of @data. A string or member name with a \u0000 in it
 * is INVALID_FIELD, unless @nul_paths is given: then it gets where they
 * are (NULL: nowhere), for a caller that reads only the other members. */
static JsonNode *
parse_root_object (const char  *data,
                   gsize        length,
                   GPtrArray  **nul_paths,
                   GError     **error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GPtrArray) nuls = NULL;
  JsonNode *root;

  if (data == NULL || length == 0) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_JSON,
                         _("The request is empty; a JSON object was expected."));
    return NULL;
  }

  /* JSON text is UTF-8 (RFC 8259): say which rule was broken. */
  if (memchr (data, '\0', length) != NULL) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_JSON,
                         _("This is not valid JSON: it contains a NUL byte."));
    return NULL;
  }
  if (!g_utf8_validate_len (data, length, NULL)) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                         _("The text is not valid UTF-8."));
    return NULL;
  }

  if (!check_json_syntax (data, length, &nuls, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, &local_error)) {
    /* json-glib may quote what it read, e.g. a lone \ud800 decoded to
     * invalid UTF-8; our messages are always valid UTF-8. */
    g_autofree char *detail = g_utf8_make_valid (local_error->message, -1);

    g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_JSON,
                 _("This is not valid JSON: %s"), detail);
    return NULL;
  }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_JSON,
                         _("A JSON object was expected."));
    return NULL;
  }

  if (nul_paths != NULL) {
    *nul_paths = g_steal_pointer (&nuls);
  } else if (nuls != NULL) {
    const char *path = g_ptr_array_index (nuls, 0);

    /* Translators: %s is a field name; \u0000 is the JSON escape of a NUL character */
    g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                 _("The field “%s” contains a NUL character (\\u0000), which is not allowed."),
                 path);
    return NULL;
  }

  return json_node_ref (root);
}

static char *
field_path (const char *prefix,
            const char *name)
{
  if (prefix == NULL || *prefix == '\0')
    return g_strdup (name);

  return g_strconcat (prefix, ".", name, NULL);
}

static gboolean
set_type_error (GError     **error,
                const char  *prefix,
                const char  *name,
                const char  *expected)
{
  g_autofree char *path = field_path (prefix, name);

  /* Translators: the first %s is a field name, the second e.g. "a string" */
  g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
               _("The field “%s” must be %s."), path, expected);

  return FALSE;
}

static gboolean
node_holds (JsonNode *node,
            GType     type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static gboolean
parse_enum_string (FieldKind   kind,
                   const char *str,
                   int        *value)
{
  switch (kind) {
  case KIND_CHOSEN: {
    KithChosenStatus v;
    gboolean ok = kith_chosen_status_from_string (str, &v);
    *value = v;
    return ok;
  }
  case KIND_PRESENCE: {
    KithPresence v;
    gboolean ok = kith_presence_from_string (str, &v);
    *value = v;
    return ok;
  }
  case KIND_DEVICE_KIND: {
    KithDeviceKind v;
    gboolean ok = kith_device_kind_from_string (str, &v);
    *value = v;
    return ok;
  }
  case KIND_CONTACT_STATE: {
    KithContactState v;
    gboolean ok = kith_contact_state_from_string (str, &v);
    *value = v;
    return ok;
  }
  case KIND_ERROR_CODE: {
    KithErrorCode v;
    /* Forward compatible: a code this build does not know is "internal". */
    kith_error_code_from_string (str, &v);
    *value = v;
    return TRUE;
  }
  case KIND_STRING:
  case KIND_INT:
  case KIND_ID:
  case KIND_BOOL:
  case KIND_USER:
  default:
    g_assert_not_reached ();
  }
}

static const char *
enum_expected (FieldKind kind)
{
  switch (kind) {
  case KIND_CHOSEN:
    return _("one of “online”, “busy” or “hidden”");
  case KIND_PRESENCE:
    return _("one of “offline”, “online”, “busy”, “idle” or “mobile”");
  case KIND_DEVICE_KIND:
    return _("“desktop” or “mobile”");
  case KIND_CONTACT_STATE:
    return _("one of “accepted”, “incoming” or “outgoing”");
  case KIND_ERROR_CODE:
  case KIND_STRING:
  case KIND_INT:
  case KIND_ID:
  case KIND_BOOL:
  case KIND_USER:
  default:
    return _("a string");
  }
}

static gboolean parse_fields (JsonObject       *object,
                              const FieldSpec  *fields,
                              gpointer          base,
                              const char       *prefix,
                              guint            *present,
                              GError          **error);

static gboolean
parse_string_field (JsonNode         *node,
                    const FieldSpec  *f,
                    gpointer          base,
                    const char       *prefix,
                    GError          **error)
{
  g_autofree char *value = NULL;
  const char *str;
  gsize len;

  if (!node_holds (node, G_TYPE_STRING))
    return set_type_error (error, prefix, f->name, _("a string"));

  str = json_node_get_string (node);
  len = strlen (str);

  if (!g_utf8_validate (str, len, NULL)) {
    g_autofree char *path = field_path (prefix, f->name);
    g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                 _("The field “%s” is not valid UTF-8."), path);
    return FALSE;
  }

  if (f->max_bytes > 0 && len > f->max_bytes) {
    g_autofree char *path = field_path (prefix, f->name);
    g_set_error (error, KITH_ERROR, KITH_ERROR_TOO_LONG,
                 _("The field “%s” is too long: at most %u bytes are allowed."),
                 path, f->max_bytes);
    return FALSE;
  }

  if (f->flags & F_NAME) {
    g_autofree char *path = field_path (prefix, f->name);

    if (!kith_name_check (path, str, error))
      return FALSE;
  }

  value = g_strdup (str);
  if (f->flags & F_TRIM)
    g_strstrip (value);

  if ((f->flags & (F_TRIM | F_NONEMPTY)) && *value == '\0') {
    g_autofree char *path = field_path (prefix, f->name);
    g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                 _("The field “%s” must not be empty."), path);
    return FALSE;
  }

  if ((f->flags & F_EMAIL) && !kith_email_check (value, error))
    return FALSE;

  g_free (*FIELD_STRING (base, f));
  *FIELD_STRING (base, f) = g_steal_pointer (&value);

  return TRUE;
}

static gboolean
parse_field (JsonNode         *node,
             const FieldSpec  *f,
             gpointer          base,
             const char       *prefix,
             GError          **error)
{
  switch (f->kind) {
  case KIND_STRING:
    return parse_string_field (node, f, base, prefix, error);

  case KIND_INT:
  case KIND_ID: {
    gint64 value;

    if (!node_holds (node, G_TYPE_INT64))
      return set_type_error (error, prefix, f->name,
                             f->kind == KIND_ID ? _("a positive integer")
                                                : _("a non-negative integer"));
    value = json_node_get_int (node);
    if (value < (f->kind == KIND_ID ? 1 : 0))
      return set_type_error (error, prefix, f->name,
                             f->kind == KIND_ID ? _("a positive integer")
                                                : _("a non-negative integer"));
    *FIELD_INT64 (base, f) = value;
    return TRUE;
  }

  case KIND_BOOL:
    if (!node_holds (node, G_TYPE_BOOLEAN))
      return set_type_error (error, prefix, f->name, _("true or false"));
    *FIELD_BOOL (base, f) = json_node_get_boolean (node);
    return TRUE;

  case KIND_USER: {
    g_autoptr (KithUserInfo) user = NULL;
    g_autofree char *path = NULL;
    guint user_present = 0;

    if (!JSON_NODE_HOLDS_OBJECT (node))
      return set_type_error (error, prefix, f->name, _("an object"));

    path = field_path (prefix, f->name);
    user = kith_user_info_new ();
    if (!parse_fields (json_node_get_object (node), user_fields, user, path,
                       &user_present, error))
      return FALSE;
    user->has_settings = (user_present & USER_SETTINGS) != 0;

    g_clear_pointer (FIELD_USER (base, f), kith_user_info_free);
    *FIELD_USER (base, f) = g_steal_pointer (&user);
    return TRUE;
  }

  case KIND_CHOSEN:
  case KIND_PRESENCE:
  case KIND_DEVICE_KIND:
  case KIND_CONTACT_STATE:
  case KIND_ERROR_CODE: {
    int value = 0;

    if (!node_holds (node, G_TYPE_STRING) ||
        !parse_enum_string (f->kind, json_node_get_string (node), &value))
      return set_type_error (error, prefix, f->name, enum_expected (f->kind));

    *FIELD_ENUM (base, f) = value;
    return TRUE;
  }

  default:
    g_assert_not_reached ();
  }
}

static gboolean
parse_fields (JsonObject       *object,
              const FieldSpec  *fields,
              gpointer          base,
              const char       *prefix,
              guint            *present,
              GError          **error)
{
  for (const FieldSpec *f = fields; f->name != NULL; f++) {
    JsonNode *node = json_object_get_member (object, f->name);

    if (node == NULL) {
      if (f->flags & F_REQUIRED) {
        g_autofree char *path = field_path (prefix, f->name);
        g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                     _("The field “%s” is missing."), path);
        return FALSE;
      }
      continue;
    }

    if (!parse_field (node, f, base, prefix, error))
      return FALSE;

    if (present != NULL)
      *present |= f->present_flag;
  }

  return TRUE;
}

/* ---- users, contacts, messages, server ---- */

KithUserInfo *
kith_user_info_new (void)
{
  return g_new0 (KithUserInfo, 1);
}

KithUserInfo *
kith_user_info_copy (const KithUserInfo *info)
{
  KithUserInfo *copy;

  if (info == NULL)
    return NULL;

  copy = g_new0 (KithUserInfo, 1);
  copy->id = info->id;
  copy->email = g_strdup (info->email);
  copy->first_name = g_strdup (info->first_name);
  copy->last_name = g_strdup (info->last_name);
  copy->has_settings = info->has_settings;
  copy->offline_email_notification = info->offline_email_notification;
  copy->plan = g_strdup (info->plan);

  return copy;
}

void
kith_user_info_free (KithUserInfo *info)
{
  if (info == NULL)
    return;

  free_string_fields (user_fields, info);
  g_free (info);
}

JsonNode *
kith_user_info_to_node (const KithUserInfo *info)
{
  g_autoptr (GString) out = g_string_new (NULL);

  g_return_val_if_fail (info != NULL, NULL);

  write_user (out, info);

  return json_from_string (out->str, NULL);
}

KithUserInfo *
kith_user_info_from_node (JsonNode  *node,
                          GError   **error)
{
  g_autoptr (KithUserInfo) user = NULL;
  guint present = 0;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                         _("A user object was expected."));
    return NULL;
  }

  user = kith_user_info_new ();
  if (!parse_fields (json_node_get_object (node), user_fields, user, NULL, &present, error))
    return NULL;
  user->has_settings = (present & USER_SETTINGS) != 0;

  return g_steal_pointer (&user);
}

const char *
kith_contact_state_to_string (KithContactState state)
{
  if ((guint) state >= G_N_ELEMENTS (contact_state_names))
    return contact_state_names[KITH_CONTACT_ACCEPTED];

  return contact_state_names[state];
}

gboolean
kith_contact_state_from_string (const char       *str,
                                KithContactState *state)
{
  g_return_val_if_fail (state != NULL, FALSE);

  if (str != NULL) {
    for (guint i = 0; i < G_N_ELEMENTS (contact_state_names); i++) {
      if (g_str_equal (str, contact_state_names[i])) {
        *state = (KithContactState) i;
        return TRUE;
      }
    }
  }

  *state = KITH_CONTACT_ACCEPTED;
  return FALSE;
}

KithContactInfo *
kith_contact_info_new (void)
{
  return g_new0 (KithContactInfo, 1);
}

void
kith_contact_info_free (KithContactInfo *info)
{
  if (info == NULL)
    return;

  g_clear_pointer (&info->user, kith_user_info_free);
  g_free (info);
}

KithMessageInfo *
kith_message_info_new (void)
{
  return g_new0 (KithMessageInfo, 1);
}

KithMessageInfo *
kith_message_info_copy (const KithMessageInfo *info)
{
  KithMessageInfo *copy;

  if (info == NULL)
    return NULL;

  copy = g_new0 (KithMessageInfo, 1);
  copy->seq = info->seq;
  copy->id = g_strdup (info->id);
  copy->from = info->from;
  copy->to = info->to;
  copy->body = g_strdup (info->body);
  copy->sent_at = info->sent_at;

  return copy;
}

void
kith_message_info_free (KithMessageInfo *info)
{
  if (info == NULL)
    return;

  free_string_fields (message_fields, info);
  g_free (info);
}

KithServerInfo *
kith_server_info_new (void)
{
  KithServerInfo *info = g_new0 (KithServerInfo, 1);

  info->protocol = KITH_PROTOCOL_VERSION;
  info->password_min_length = KITH_PASSWORD_MIN_LENGTH;

  return info;
}

void
kith_server_info_free (KithServerInfo *info)
{
  if (info == NULL)
    return;

  g_free (info->name);
  g_free (info->version);
  g_strfreev (info->login_flows);
  g_free (info);
}

/* ---- frames ---- */

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

static const FieldSpec *
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
  const FieldSpec *fields = NULL;
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

  root = parse_root_object (data, length, NULL, error);
  if (root == NULL)
    return NULL;

  object = json_node_get_object (root);
  type_node = json_object_get_member (object, "type");
  if (type_node == NULL) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                         _("The field “type” is missing."));
    return NULL;
  }
  if (!node_holds (type_node, G_TYPE_STRING)) {
    set_type_error (error, NULL, "type", _("a string"));
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
  if (!parse_fields (object, fields, frame, NULL, NULL, error))
    return NULL;

  return g_steal_pointer (&frame);
}

char *
kith_frame_to_json (const KithFrame *frame,
                    KithOrigin       origin,
                    gsize           *length)
{
  const FieldSpec *fields;
  gboolean first = FALSE;
  GString *out;

  g_return_val_if_fail (frame != NULL, NULL);

  fields = frame_fields (frame->type, origin);
  g_return_val_if_fail (fields != NULL, NULL);

  out = g_string_sized_new (64);
  g_string_append (out, "{\"type\":");
  append_json_string (out, frame_specs[frame->type].name);
  write_fields (out, &first, fields, frame, 0);
  g_string_append_c (out, '}');

  return finish_string (out, length);
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

  root = parse_root_object (data, length, &nul_paths, NULL);
  if (root == NULL)
    return NULL;

  object = json_node_get_object (root);
  for (guint i = 0; i < G_N_ELEMENTS (members); i++) {
    JsonNode *node = json_object_get_member (object, members[i]);
    const char *str;

    if (node == NULL || !node_holds (node, G_TYPE_STRING))
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

/* ---- REST bodies ---- */

KithBody *
kith_body_new (KithBodyType type)
{
  KithBody *body;

  g_return_val_if_fail ((guint) type <= KITH_BODY_LAST, NULL);

  body = g_new0 (KithBody, 1);
  body->type = type;
  body->device_kind = KITH_DEVICE_DESKTOP;

  return body;
}

void
kith_body_free (KithBody *body)
{
  if (body == NULL)
    return;

  g_free (body->email);
  g_free (body->password);
  g_free (body->first_name);
  g_free (body->last_name);
  g_free (body->device_name);
  g_free (body->oidc_code);
  g_free (body->oidc_verifier);
  g_free (body->oidc_redirect_uri);
  g_free (body->current_password);
  g_free (body->new_password);
  g_free (body->token);
  g_free (body->confirm_email);
  g_free (body);
}

static gboolean
check_log_in (KithBody  *body,
              GError   **error)
{
  if (body->present & KITH_FIELD_OIDC) {
    if (body->present & (KITH_FIELD_EMAIL | KITH_FIELD_PASSWORD)) {
      g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                           _("Give either an email and password or a sign-in code, not both."));
      return FALSE;
    }
    if (body->oidc_verifier == NULL) {
      g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                           _("The field “oidc_verifier” is missing."));
      return FALSE;
    }
  } else {
    if (body->email == NULL) {
      g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                           _("The field “email” is missing."));
      return FALSE;
    }
    if (body->password == NULL) {
      g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                           _("The field “password” is missing."));
      return FALSE;
    }
    /* Only meaningful with a code. */
    g_clear_pointer (&body->oidc_verifier, g_free);
    g_clear_pointer (&body->oidc_redirect_uri, g_free);
  }

  if (body->device_name == NULL)
    body->device_name = g_strdup ("Kith");

  return TRUE;
}

KithBody *
kith_body_parse (KithBodyType   type,
                 const char    *data,
                 gsize          length,
                 GError       **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (KithBody) body = NULL;
  JsonObject *object;
  guint present = 0;

  g_return_val_if_fail ((guint) type <= KITH_BODY_LAST, NULL);

  if (length > KITH_MAX_BODY_BYTES) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_PAYLOAD_TOO_LARGE,
                 _("The request is too large: at most %d bytes are allowed."),
                 KITH_MAX_BODY_BYTES);
    return NULL;
  }

  root = parse_root_object (data, length, NULL, error);
  if (root == NULL)
    return NULL;

  object = json_node_get_object (root);

  if (type == KITH_BODY_PROFILE_UPDATE && json_object_has_member (object, "email")) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_EMAIL_READ_ONLY,
                         _("The email address of an account cannot be changed."));
    return NULL;
  }

  body = kith_body_new (type);
  if (!parse_fields (object, body_specs[type], body, NULL, &present, error))
    return NULL;
  body->present = present;

  if (type == KITH_BODY_LOG_IN && !check_log_in (body, error))
    return NULL;

  return g_steal_pointer (&body);
}

char *
kith_body_to_json (const KithBody *body,
                   gsize          *length)
{
  gboolean first = TRUE;
  GString *out;
  guint present;

  g_return_val_if_fail (body != NULL, NULL);
  g_return_val_if_fail ((guint) body->type <= KITH_BODY_LAST, NULL);

  present = body->present;

  out = g_string_sized_new (128);
  g_string_append_c (out, '{');
  if (body->type == KITH_BODY_LOG_IN) {
    KithBody copy = *body;

    /* Send one flow only: the code when there is one, else email and password. */
    if ((present & KITH_FIELD_OIDC) || body->oidc_code != NULL) {
      copy.email = NULL;
      copy.password = NULL;
    } else {
      copy.oidc_code = NULL;
      copy.oidc_verifier = NULL;
      copy.oidc_redirect_uri = NULL;
    }
    write_fields (out, &first, body_specs[body->type], &copy, present);
  } else {
    write_fields (out, &first, body_specs[body->type], body, present);
  }
  g_string_append_c (out, '}');

  return finish_string (out, length);
}

gboolean
kith_email_is_valid (const char *email)
{
  const char *at;
  const char *domain;
  const char *dot;
  gsize len;

  if (email == NULL)
    return FALSE;

  len = strlen (email);
  if (len == 0 || len > KITH_MAX_EMAIL_BYTES || !g_utf8_validate (email, len, NULL) ||
      strchr (email, ' ') != NULL || kith_text_has_control (email))
    return FALSE;

  at = strchr (email, '@');
  if (at == NULL || at == email || strchr (at + 1, '@') != NULL)
    return FALSE;

  domain = at + 1;
  dot = strchr (domain, '.');
  if (dot == NULL || dot == domain || domain[strlen (domain) - 1] == '.' ||
      strstr (domain, "..") != NULL)
    return FALSE;

  return TRUE;
}

gboolean
kith_email_check (const char  *email,
                  GError     **error)
{
  if (email != NULL && g_utf8_validate (email, -1, NULL) && kith_text_has_control (email)) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_EMAIL,
                         _("An email address must not contain line breaks, tabs or other control characters."));
    return FALSE;
  }

  if (!kith_email_is_valid (email)) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_EMAIL,
                         _("This does not look like an email address."));
    return FALSE;
  }

  return TRUE;
}

gboolean
kith_text_has_control (const char *text)
{
  g_return_val_if_fail (text != NULL, FALSE);

  for (const guchar *p = (const guchar *) text; *p != '\0'; p++) {
    if (*p < 0x20 || *p == 0x7f)
      return TRUE;
    /* C1: U+0080–U+009F is C2 80 – C2 9F */
    if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
      return TRUE;
    /* U+2028, U+2029: E2 80 A8, E2 80 A9 */
    if (*p == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
      return TRUE;
  }

  return FALSE;
}

gboolean
kith_name_check (const char  *field,
                 const char  *name,
                 GError     **error)
{
  g_return_val_if_fail (field != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (kith_text_has_control (name)) {
    /* Translators: %s is a field name, e.g. first_name */
    g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                 _("The field “%s” must not contain line breaks, tabs or other control characters."),
                 field);
    return FALSE;
  }

  return TRUE;
}

/* ---- REST responses ---- */

char *
kith_response_error (KithErrorCode  code,
                     const char    *message,
                     gsize         *length)
{
  GString *out = g_string_sized_new (96);

  g_string_append (out, "{\"error\":{\"code\":");
  append_json_string (out, kith_error_code_to_string (code));
  g_string_append (out, ",\"message\":");
  append_json_string (out, message != NULL ? message : "");
  g_string_append (out, "}}");

  return finish_string (out, length);
}

gboolean
kith_response_parse_error (const char     *data,
                           gsize           length,
                           KithErrorCode  *code,
                           char          **message)
{
  g_autoptr (JsonNode) root = NULL;
  JsonObject *error_object;
  JsonNode *node;
  KithErrorCode parsed = KITH_ERROR_INTERNAL;
  const char *text = NULL;

  root = parse_root_object (data, length, NULL, NULL);
  if (root == NULL)
    return FALSE;

  node = json_object_get_member (json_node_get_object (root), "error");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  error_object = json_node_get_object (node);

  node = json_object_get_member (error_object, "code");
  if (node == NULL || !node_holds (node, G_TYPE_STRING))
    return FALSE;
  kith_error_code_from_string (json_node_get_string (node), &parsed);

  node = json_object_get_member (error_object, "message");
  if (node != NULL && node_holds (node, G_TYPE_STRING) &&
      g_utf8_validate (json_node_get_string (node), -1, NULL))
    text = json_node_get_string (node);

  if (code != NULL)
    *code = parsed;
  if (message != NULL)
    *message = g_strdup (text != NULL ? text : "");

  return TRUE;
}

static JsonObject *
parse_response_object (const char  *data,
                       gsize        length,
                       JsonNode   **root,
                       GError     **error)
{
  *root = parse_root_object (data, length, NULL, error);
  if (*root == NULL)
    return NULL;

  return json_node_get_object (*root);
}

char *
kith_response_session (const char         *token,
                       const KithUserInfo *user,
                       gsize              *length)
{
  GString *out = g_string_sized_new (256);

  g_string_append (out, "{\"token\":");
  append_json_string (out, token);
  g_string_append (out, ",\"user\":");
  write_user (out, user);
  g_string_append_c (out, '}');

  return finish_string (out, length);
}

typedef struct {
  char         *token;
  KithUserInfo *user;
} SessionResponse;

static const FieldSpec session_fields[] = {
  { "token", KIND_STRING, REQ_NONEMPTY, KITH_MAX_TOKEN_BYTES, G_STRUCT_OFFSET (SessionResponse, token), 0 },
  { "user",  KIND_USER,   REQ,          0,                    G_STRUCT_OFFSET (SessionResponse, user),  0 },
  FIELD_END
};

gboolean
kith_response_parse_session (const char     *data,
                             gsize           length,
                             char          **token,
                             KithUserInfo  **user,
                             GError        **error)
{
  g_autoptr (JsonNode) root = NULL;
  SessionResponse response = { NULL, NULL };
  JsonObject *object;

  object = parse_response_object (data, length, &root, error);
  if (object == NULL)
    return FALSE;

  if (!parse_fields (object, session_fields, &response, NULL, NULL, error)) {
    free_string_fields (session_fields, &response);
    return FALSE;
  }

  if (token != NULL)
    *token = g_steal_pointer (&response.token);
  if (user != NULL)
    *user = g_steal_pointer (&response.user);
  free_string_fields (session_fields, &response);

  return TRUE;
}

char *
kith_response_user (const KithUserInfo *user,
                    gsize              *length)
{
  GString *out = g_string_sized_new (128);

  write_user (out, user);

  return finish_string (out, length);
}

KithUserInfo *
kith_response_parse_user (const char  *data,
                          gsize        length,
                          GError     **error)
{
  g_autoptr (JsonNode) root = NULL;

  if (parse_response_object (data, length, &root, error) == NULL)
    return NULL;

  return kith_user_info_from_node (root, error);
}

char *
kith_response_contacts (GPtrArray *contacts,
                        gsize     *length)
{
  GString *out = g_string_sized_new (256);

  g_string_append (out, "{\"contacts\":[");
  for (guint i = 0; contacts != NULL && i < contacts->len; i++) {
    if (i > 0)
      g_string_append_c (out, ',');
    write_object (out, contact_fields, g_ptr_array_index (contacts, i));
  }
  g_string_append (out, "]}");

  return finish_string (out, length);
}

typedef gpointer (*ItemNewFunc) (void);

static GPtrArray *
parse_object_array (const char      *data,
                    gsize            length,
                    const char      *member,
                    const FieldSpec *fields,
                    ItemNewFunc      item_new,
                    GDestroyNotify   item_free,
                    GError         **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) items = NULL;
  JsonObject *object;
  JsonNode *node;
  JsonArray *array;
  guint n;

  object = parse_response_object (data, length, &root, error);
  if (object == NULL)
    return NULL;

  node = json_object_get_member (object, member);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)) {
    set_type_error (error, NULL, member, _("an array"));
    return NULL;
  }

  array = json_node_get_array (node);
  n = json_array_get_length (array);
  items = g_ptr_array_new_full (n, item_free);

  for (guint i = 0; i < n; i++) {
    JsonNode *element = json_array_get_element (array, i);
    g_autofree char *prefix = g_strdup_printf ("%s[%u]", member, i);
    gpointer item;

    if (!JSON_NODE_HOLDS_OBJECT (element)) {
      g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                   _("The field “%s” must be %s."), prefix, _("an object"));
      return NULL;
    }

    item = item_new ();
    g_ptr_array_add (items, item);
    if (!parse_fields (json_node_get_object (element), fields, item, prefix, NULL, error))
      return NULL;
  }

  return g_steal_pointer (&items);
}

static gpointer
contact_item_new (void)
{
  return kith_contact_info_new ();
}

static void
contact_item_free (gpointer item)
{
  kith_contact_info_free (item);
}

GPtrArray *
kith_response_parse_contacts (const char  *data,
                              gsize        length,
                              GError     **error)
{
  return parse_object_array (data, length, "contacts", contact_fields,
                             contact_item_new, contact_item_free, error);
}

char *
kith_response_messages (GPtrArray *messages,
                        gsize     *length)
{
  GString *out = g_string_sized_new (256);

  g_string_append (out, "{\"messages\":[");
  for (guint i = 0; messages != NULL && i < messages->len; i++) {
    if (i > 0)
      g_string_append_c (out, ',');
    write_object (out, message_fields, g_ptr_array_index (messages, i));
  }
  g_string_append (out, "]}");

  return finish_string (out, length);
}

static gpointer
message_item_new (void)
{
  return kith_message_info_new ();
}

static void
message_item_free (gpointer item)
{
  kith_message_info_free (item);
}

GPtrArray *
kith_response_parse_messages (const char  *data,
                              gsize        length,
                              GError     **error)
{
  return parse_object_array (data, length, "messages", message_fields,
                             message_item_new, message_item_free, error);
}

char *
kith_response_server_info (const KithServerInfo *info,
                           gsize                *length)
{
  GString *out;

  g_return_val_if_fail (info != NULL, NULL);

  out = g_string_sized_new (256);
  g_string_append (out, "{\"name\":");
  append_json_string (out, info->name);
  g_string_append (out, ",\"version\":");
  append_json_string (out, info->version);
  g_string_append (out, ",\"protocol\":");
  append_int (out, info->protocol);
  g_string_append (out, ",\"login_flows\":[");
  for (guint i = 0; info->login_flows != NULL && info->login_flows[i] != NULL; i++) {
    if (i > 0)
      g_string_append_c (out, ',');
    append_json_string (out, info->login_flows[i]);
  }
  g_string_append (out, "],\"password_policy\":{\"min_length\":");
  append_int (out, info->password_min_length);
  g_string_append (out, ",\"rules\":[");
  for (guint i = 0; i < G_N_ELEMENTS (password_rule_names); i++) {
    if (i > 0)
      g_string_append_c (out, ',');
    append_json_string (out, password_rule_names[i]);
  }
  g_string_append (out, "]}}");

  return finish_string (out, length);
}

typedef struct {
  char   *name;
  char   *version;
  gint64  protocol;
} ServerInfoHead;

static const FieldSpec server_info_fields[] = {
  { "name",     KIND_STRING, REQ, 256, G_STRUCT_OFFSET (ServerInfoHead, name),     0 },
  { "version",  KIND_STRING, REQ, 64,  G_STRUCT_OFFSET (ServerInfoHead, version),  0 },
  { "protocol", KIND_INT,    REQ, 0,   G_STRUCT_OFFSET (ServerInfoHead, protocol), 0 },
  FIELD_END
};

KithServerInfo *
kith_response_parse_server_info (const char  *data,
                                 gsize        length,
                                 GError     **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (KithServerInfo) info = NULL;
  g_autoptr (GStrvBuilder) flows = NULL;
  ServerInfoHead head = { NULL, NULL, 0 };
  JsonObject *object;
  JsonNode *node;
  JsonArray *array;

  object = parse_response_object (data, length, &root, error);
  if (object == NULL)
    return NULL;

  if (!parse_fields (object, server_info_fields, &head, NULL, NULL, error)) {
    free_string_fields (server_info_fields, &head);
    return NULL;
  }

  info = kith_server_info_new ();
  info->name = g_steal_pointer (&head.name);
  info->version = g_steal_pointer (&head.version);
  info->protocol = head.protocol;

  node = json_object_get_member (object, "login_flows");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)) {
    set_type_error (error, NULL, "login_flows", _("an array"));
    return NULL;
  }
  array = json_node_get_array (node);
  flows = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (array); i++) {
    JsonNode *element = json_array_get_element (array, i);

    if (!node_holds (element, G_TYPE_STRING) ||
        !g_utf8_validate (json_node_get_string (element), -1, NULL)) {
      set_type_error (error, NULL, "login_flows", _("an array of strings"));
      return NULL;
    }
    g_strv_builder_add (flows, json_node_get_string (element));
  }
  info->login_flows = g_strv_builder_end (flows);

  node = json_object_get_member (object, "password_policy");
  if (node != NULL) {
    JsonNode *min_node;

    if (!JSON_NODE_HOLDS_OBJECT (node)) {
      set_type_error (error, NULL, "password_policy", _("an object"));
      return NULL;
    }
    min_node = json_object_get_member (json_node_get_object (node), "min_length");
    if (min_node != NULL) {
      if (!node_holds (min_node, G_TYPE_INT64) || json_node_get_int (min_node) < 0) {
        set_type_error (error, NULL, "password_policy.min_length", _("a non-negative integer"));
        return NULL;
      }
      info->password_min_length = json_node_get_int (min_node);
    }
  }

  return g_steal_pointer (&info);
}
