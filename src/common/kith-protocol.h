/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "kith-error.h"
#include "kith-presence-rules.h"

G_BEGIN_DECLS

/*
 * Protocol v1: the one place where the wire format is written in code.
 * docs/protocol.md is the prose reference; both must agree.
 *
 * Every parser is strict: not JSON, not an object, a missing required field,
 * a field of the wrong JSON type, an unknown frame type, a string over its
 * limit or a payload over its limit give a GError in KITH_ERROR with the
 * matching code (INVALID_JSON, INVALID_FIELD, UNKNOWN_TYPE, TOO_LONG,
 * PAYLOAD_TOO_LARGE) and a message naming the field. Unknown *fields* are
 * ignored (forward compatibility). Strings must be valid UTF-8 and
 * hold no NUL: a \u0000 escape anywhere in the text (a value or a
 * member name, known or not) is INVALID_FIELD naming where it is.
 * Ids (users, seqs) are JSON integers; times are integers in milliseconds
 * since the Unix epoch (UTC).
 */

#define KITH_PROTOCOL_VERSION        1

#define KITH_MAX_FRAME_BYTES         (64 * 1024)  /* one socket frame, whole */
#define KITH_MAX_BODY_BYTES          (64 * 1024)  /* one REST request body */
#define KITH_MAX_MESSAGE_BODY_BYTES  (16 * 1024)  /* a chat message's text */
#define KITH_MAX_SDP_BYTES           (48 * 1024)
#define KITH_MAX_CANDIDATE_BYTES     1024
#define KITH_MAX_NAME_BYTES          100          /* first_name, last_name, device_name */
#define KITH_MAX_EMAIL_BYTES         254
#define KITH_MAX_ID_BYTES            64           /* client message ids, call ids */
#define KITH_MAX_TOKEN_BYTES         128
#define KITH_MAX_REASON_BYTES        64
#define KITH_MAX_HISTORY_LIMIT       200          /* ?limit= of the history call */

/* ---- users, contacts, messages (REST bodies and frame payloads) ---- */

typedef struct {
  gint64    id;
  char     *email;
  char     *first_name;
  char     *last_name;
  /* Only in the signed-in user's own record (GET /me, welcome, session): */
  gboolean  has_settings;
  gboolean  offline_email_notification;
  char     *plan;                   /* "free" | "paid" */
} KithUserInfo;

KithUserInfo *kith_user_info_new        (void);
KithUserInfo *kith_user_info_copy       (const KithUserInfo *info);
void          kith_user_info_free       (KithUserInfo       *info);
JsonNode     *kith_user_info_to_node    (const KithUserInfo *info);
KithUserInfo *kith_user_info_from_node  (JsonNode           *node,
                                         GError            **error);

typedef enum {
  KITH_CONTACT_ACCEPTED,            /* "accepted" */
  KITH_CONTACT_INCOMING,            /* "incoming": they asked us */
  KITH_CONTACT_OUTGOING,            /* "outgoing": we asked them */
} KithContactState;

const char *kith_contact_state_to_string   (KithContactState  state);
gboolean    kith_contact_state_from_string (const char       *str,
                                            KithContactState *state);

typedef struct {
  KithUserInfo     *user;
  KithContactState  state;
  KithPresence      presence;       /* offline unless accepted */
} KithContactInfo;

KithContactInfo *kith_contact_info_new  (void);
void             kith_contact_info_free (KithContactInfo *info);

typedef struct {
  gint64  seq;                      /* server's order; 0 while unacknowledged */
  char   *id;                       /* the sender's client id (idempotency) */
  gint64  from;
  gint64  to;
  char   *body;
  gint64  sent_at;                  /* ms since epoch, set by kithd */
} KithMessageInfo;

KithMessageInfo *kith_message_info_new  (void);
KithMessageInfo *kith_message_info_copy (const KithMessageInfo *info);
void             kith_message_info_free (KithMessageInfo       *info);

typedef struct {
  char   *name;
  char   *version;
  gint64  protocol;                 /* KITH_PROTOCOL_VERSION */
  char  **login_flows;              /* "password", "oidc:google" */
  gint64  password_min_length;
} KithServerInfo;

KithServerInfo *kith_server_info_new  (void);
void            kith_server_info_free (KithServerInfo *info);

/* ---- socket frames ---- */

typedef enum {
  KITH_ORIGIN_CLIENT,               /* client -> kithd */
  KITH_ORIGIN_SERVER,               /* kithd -> client */
} KithOrigin;

typedef enum {
  KITH_FRAME_HELLO,                 /* "hello"          C: token, resume_after? */
  KITH_FRAME_WELCOME,               /* "welcome"        S: user, seq */
  KITH_FRAME_PRESENCE_SET,          /* "presence.set"   C: status (chosen) */
  KITH_FRAME_PRESENCE,              /* "presence"       S: user_id, status (presence) */
  KITH_FRAME_ACTIVITY,              /* "activity"       C: idle */
  KITH_FRAME_MESSAGE_SEND,          /* "message.send"   C: id, to, body */
  KITH_FRAME_MESSAGE,               /* "message"        S: seq, id, from, to, body, sent_at */
  KITH_FRAME_MESSAGE_ACK,           /* "message.ack"    S: id, seq, sent_at */
  KITH_FRAME_MESSAGE_READ,          /* "message.read"   C: to, up_to   S: from, to, up_to */
  KITH_FRAME_PROFILE,               /* "profile"        S: user */
  KITH_FRAME_CONTACT_REQUEST,       /* "contact.request"  S: user (someone asks us) */
  KITH_FRAME_CONTACT_ACCEPTED,      /* "contact.accepted" S: user */
  KITH_FRAME_CONTACT_REMOVED,       /* "contact.removed"  S: user_id */
  KITH_FRAME_CALL_INVITE,           /* "call.invite"    C: call_id, to, video, sdp   S: from instead of to */
  KITH_FRAME_CALL_RINGING,          /* "call.ringing"   C: call_id, to */
  KITH_FRAME_CALL_ANSWER,           /* "call.answer"    C: call_id, to, sdp */
  KITH_FRAME_CALL_CANDIDATE,        /* "call.candidate" C: call_id, to, candidate, sdp_mline_index */
  KITH_FRAME_CALL_HANGUP,           /* "call.hangup"    C: call_id, to, reason? */
  KITH_FRAME_CALL_REJECT,           /* "call.reject"    C: call_id, to, reason? */
  KITH_FRAME_PING,                  /* "ping"           C */
  KITH_FRAME_PONG,                  /* "pong"           S */
  KITH_FRAME_ERROR,                 /* "error"          S: code, message, ref?, retry_after_ms? */
} KithFrameType;

#define KITH_FRAME_LAST KITH_FRAME_ERROR

/*
 * One struct for every frame; only the fields of its type (and origin) are
 * read by kith_frame_to_json() and set by kith_frame_parse(). Call frames
 * sent by kithd carry `from` (the peer) where the client sent `to`.
 */
typedef struct {
  KithFrameType     type;

  char             *token;          /* hello */
  gint64            resume_after;   /* hello (optional, default 0) */
  KithUserInfo     *user;           /* welcome, profile, contact.request, contact.accepted */
  gint64            seq;            /* welcome (last seq of the user's stream), message, message.ack */

  KithChosenStatus  chosen;         /* presence.set: "status" */
  KithPresence      presence;       /* presence: "status" */
  gint64            user_id;        /* presence, contact.removed */
  gboolean          idle;           /* activity */

  char             *id;             /* message.send, message, message.ack */
  gint64            from;           /* message, message.read (S), call.* (S) */
  gint64            to;             /* message.send, message, message.read, call.* (C) */
  char             *body;           /* message.send, message */
  gint64            sent_at;        /* message, message.ack */
  gint64            up_to;          /* message.read */

  char             *call_id;        /* call.* */
  gboolean          video;          /* call.invite */
  char             *sdp;            /* call.invite, call.answer */
  char             *candidate;      /* call.candidate */
  gint64            sdp_mline_index;/* call.candidate */
  char             *reason;         /* call.hangup, call.reject (optional) */

  KithErrorCode     code;           /* error: "code" as its string */
  char             *message;        /* error */
  char             *ref;            /* error (optional): the id of the frame it answers */
  gint64            retry_after_ms; /* error (optional; 0: not sent): rate_limited, try again after */
} KithFrame;

KithFrame    *kith_frame_new               (KithFrameType  type);
void          kith_frame_free              (KithFrame     *frame);
const char   *kith_frame_type_to_string    (KithFrameType  type);
gboolean      kith_frame_type_from_string  (const char    *str,
                                            KithFrameType *type);
/* Whether @type may be sent by @origin. */
gboolean      kith_frame_type_allowed      (KithFrameType  type,
                                            KithOrigin     origin);

/* Parses a frame sent by @origin. Frames over KITH_MAX_FRAME_BYTES give
 * PAYLOAD_TOO_LARGE; a type @origin may not send gives UNKNOWN_TYPE. */
KithFrame    *kith_frame_parse             (const char    *data,
                                            gsize          length,
                                            KithOrigin     origin,
                                            GError       **error);
/* Serialises the fields of frame->type as sent by @origin; NUL-terminated. */
char         *kith_frame_to_json           (const KithFrame *frame,
                                            KithOrigin       origin,
                                            gsize           *length);

/* For an error reply to a frame kith_frame_parse() refused: its "id" (or
 * else "call_id") when the data is a JSON object that has a usable one
 * (a non-empty string of at most KITH_MAX_ID_BYTES, without \u0000),
 * else NULL. */
char         *kith_frame_peek_ref          (const char    *data,
                                            gsize          length);

/* Convenience for kithd: a serialised error frame. */
char         *kith_frame_error_json        (KithErrorCode  code,
                                            const char    *message,
                                            const char    *ref,
                                            gsize         *length);

/* ---- REST request bodies ---- */

typedef enum {
  KITH_BODY_SIGN_UP,                /* POST /accounts: email, password, first_name, last_name */
  KITH_BODY_LOG_IN,                 /* POST /sessions: (email, password) | (oidc_code, oidc_verifier, oidc_redirect_uri),
                                       device_name, device_kind */
  KITH_BODY_PROFILE_UPDATE,         /* PATCH /me: first_name?, last_name?, offline_email_notification?;
                                       an "email" member gives EMAIL_READ_ONLY */
  KITH_BODY_PASSWORD_CHANGE,        /* PUT /me/password: current_password, new_password */
  KITH_BODY_RESET_REQUEST,          /* POST /password-reset: email */
  KITH_BODY_RESET_CONFIRM,          /* POST /password-reset/confirm: token, password */
  KITH_BODY_DELETE_ACCOUNT,         /* DELETE /me: confirm_email */
  KITH_BODY_CONTACT_ADD,            /* POST /contacts: email */
} KithBodyType;

typedef enum {
  KITH_FIELD_FIRST_NAME                 = 1 << 0,
  KITH_FIELD_LAST_NAME                  = 1 << 1,
  KITH_FIELD_OFFLINE_EMAIL_NOTIFICATION = 1 << 2,
  KITH_FIELD_EMAIL                      = 1 << 3,
  KITH_FIELD_PASSWORD                   = 1 << 4,
  KITH_FIELD_OIDC                       = 1 << 5,
} KithBodyField;

typedef struct {
  KithBodyType    type;
  KithBodyField   present;          /* which optional members were given */

  char           *email;
  char           *password;
  char           *first_name;
  char           *last_name;
  char           *device_name;      /* log in (default "Kith") */
  KithDeviceKind  device_kind;      /* log in (default desktop) */
  char           *oidc_code;
  char           *oidc_verifier;
  char           *oidc_redirect_uri;
  char           *current_password;
  char           *new_password;
  char           *token;            /* reset confirm */
  char           *confirm_email;
  gboolean        offline_email_notification;
} KithBody;

KithBody     *kith_body_new                (KithBodyType    type);
void          kith_body_free               (KithBody       *body);
/* Strict parse; emails are checked for a plausible shape (INVALID_EMAIL)
 * but passwords are not checked against the policy here. */
KithBody     *kith_body_parse              (KithBodyType    type,
                                            const char     *data,
                                            gsize           length,
                                            GError        **error);
char         *kith_body_to_json            (const KithBody *body,
                                            gsize          *length);

/* A plausible email: one '@', non-empty local part, a dot in the domain,
 * no spaces or control characters (kith_text_has_control()), at most
 * KITH_MAX_EMAIL_BYTES. */
gboolean      kith_email_is_valid          (const char     *email);
/* kith_email_is_valid(), or INVALID_EMAIL with a message saying what is
 * wrong. */
gboolean      kith_email_check             (const char     *email,
                                            GError        **error);

/* Whether @text (UTF-8) has a control character: C0 (U+0000–U+001F, tab
 * and line feed included), DEL (U+007F), C1 (U+0080–U+009F), or the line
 * or paragraph separator (U+2028, U+2029). Names and email addresses may
 * have none: they go into mails and other people's screens. */
gboolean      kith_text_has_control        (const char     *text);
/* A person's or a device's name in the member @field: no control
 * character, else INVALID_FIELD naming @field. Every REST body checks its
 * names with this (first_name, last_name, device_name). */
gboolean      kith_name_check              (const char     *field,
                                            const char     *name,
                                            GError        **error);

/* ---- REST responses ---- */

/* {"error": {"code": "...", "message": "..."}} */
char         *kith_response_error          (KithErrorCode   code,
                                            const char     *message,
                                            gsize          *length);
/* Fills @code and @message from an error body; FALSE if it is not one. */
gboolean      kith_response_parse_error    (const char     *data,
                                            gsize           length,
                                            KithErrorCode  *code,
                                            char          **message);

/* {"token": "...", "user": {...}} (POST /sessions, POST /accounts) */
char         *kith_response_session        (const char          *token,
                                            const KithUserInfo  *user,
                                            gsize               *length);
gboolean      kith_response_parse_session  (const char     *data,
                                            gsize           length,
                                            char          **token,
                                            KithUserInfo  **user,
                                            GError        **error);

/* A bare user object (GET/PATCH /me) */
char         *kith_response_user           (const KithUserInfo *user,
                                            gsize              *length);
KithUserInfo *kith_response_parse_user     (const char     *data,
                                            gsize           length,
                                            GError        **error);

/* {"contacts": [{"user": {...}, "state": "...", "presence": "..."}]} */
char         *kith_response_contacts       (GPtrArray      *contacts, /* KithContactInfo */
                                            gsize          *length);
GPtrArray    *kith_response_parse_contacts (const char     *data,
                                            gsize           length,
                                            GError        **error);

/* {"messages": [{"seq", "id", "from", "to", "body", "sent_at"}]} oldest first */
char         *kith_response_messages       (GPtrArray      *messages, /* KithMessageInfo */
                                            gsize          *length);
GPtrArray    *kith_response_parse_messages (const char     *data,
                                            gsize           length,
                                            GError        **error);

/* GET /server: {"name", "version", "protocol", "login_flows": [...],
 *               "password_policy": {"min_length": 8, "rules": ["length","upper","lower","digit","symbol"]}} */
char           *kith_response_server_info       (const KithServerInfo *info,
                                                 gsize                *length);
KithServerInfo *kith_response_parse_server_info (const char     *data,
                                                 gsize           length,
                                                 GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithUserInfo, kith_user_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithContactInfo, kith_contact_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithMessageInfo, kith_message_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithServerInfo, kith_server_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithFrame, kith_frame_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithBody, kith_body_free)

G_END_DECLS
