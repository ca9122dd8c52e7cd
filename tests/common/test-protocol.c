/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestProtocol"

#include "config.h"

#include <string.h>

#include "kith-password-policy.h"
#include "kith-protocol.h"

#define C KITH_ORIGIN_CLIENT
#define S KITH_ORIGIN_SERVER

/* ---- helpers ---- */

static KithUserInfo *
make_user (gint64   id,
           gboolean own)
{
  KithUserInfo *user = kith_user_info_new ();

  user->id = id;
  user->email = g_strdup_printf ("user%" G_GINT64_FORMAT "@example.com", id);
  user->first_name = g_strdup ("Ada \"Countess\"");
  user->last_name = g_strdup ("Lovelace–Byron");
  if (own) {
    user->has_settings = TRUE;
    user->offline_email_notification = TRUE;
    user->plan = g_strdup ("free");
  }

  return user;
}

static void
assert_user_equal (const KithUserInfo *a,
                   const KithUserInfo *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpint (a->id, ==, b->id);
  g_assert_cmpstr (a->email, ==, b->email);
  g_assert_cmpstr (a->first_name, ==, b->first_name);
  g_assert_cmpstr (a->last_name, ==, b->last_name);
  g_assert_cmpint (a->has_settings, ==, b->has_settings);
  if (a->has_settings) {
    g_assert_cmpint (a->offline_email_notification, ==, b->offline_email_notification);
    g_assert_cmpstr (a->plan, ==, b->plan);
  }
}

/* A frame of @type with every field its origin sends filled in. */
static KithFrame *
make_frame (KithFrameType type)
{
  KithFrame *frame = kith_frame_new (type);

  frame->token = g_strdup ("tok-123");
  frame->resume_after = 41;
  frame->user = make_user (7, type == KITH_FRAME_WELCOME);
  frame->seq = 42;
  frame->chosen = KITH_CHOSEN_BUSY;
  frame->presence = KITH_PRESENCE_MOBILE;
  frame->user_id = 9;
  frame->idle = TRUE;
  frame->id = g_strdup ("msg-1");
  frame->from = 7;
  frame->to = 9;
  frame->body = g_strdup ("Hello \"you\"\n\\ tab\t ünïcödé 😀 \x01");
  frame->sent_at = G_GINT64_CONSTANT (1700000000000);
  frame->up_to = 40;
  frame->call_id = g_strdup ("call-1");
  frame->video = TRUE;
  frame->sdp = g_strdup ("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n");
  frame->candidate = g_strdup ("candidate:1 1 UDP 2122252543 192.168.1.2 40000 typ host");
  frame->sdp_mline_index = 1;
  frame->reason = g_strdup ("busy");
  frame->code = KITH_ERROR_NOT_CONTACT;
  frame->message = g_strdup ("Messages go to accepted contacts only.");
  frame->ref = g_strdup ("msg-1");

  return frame;
}

static KithFrame *
parse_ok (const char *json,
          KithOrigin  origin)
{
  g_autoptr (GError) error = NULL;
  KithFrame *frame;

  frame = kith_frame_parse (json, strlen (json), origin, &error);
  if (error != NULL)
    g_error ("parsing %s failed: %s", json, error->message);
  g_assert_nonnull (frame);

  return frame;
}

static void
assert_frame_error (const char *json,
                    gsize       length,
                    KithOrigin  origin,
                    int         code,
                    const char *mention)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KithFrame) frame = NULL;

  frame = kith_frame_parse (json, length, origin, &error);
  if (frame != NULL)
    g_error ("parsing %.200s should fail with %s", json, kith_error_code_to_string (code));
  if (error == NULL || error->domain != KITH_ERROR || error->code != code)
    g_error ("parsing %.200s: expected %s, got %s (%s)", json, kith_error_code_to_string (code),
             error && error->domain == KITH_ERROR ? kith_error_code_to_string (error->code) : "?",
             error ? error->message : "no error");
  if (mention != NULL && strstr (error->message, mention) == NULL)
    g_error ("parsing %.200s: message “%s” does not name “%s”", json, error->message, mention);
}

/* ---- frames ---- */

static void
test_frame_type_names (void)
{
  for (int type = 0; type <= KITH_FRAME_LAST; type++) {
    const char *name = kith_frame_type_to_string (type);
    KithFrameType parsed = -1;

    g_assert_nonnull (name);
    g_assert_true (kith_frame_type_from_string (name, &parsed));
    g_assert_cmpint (parsed, ==, type);
    /* every type is sent by at least one side */
    g_assert_true (kith_frame_type_allowed (type, C) || kith_frame_type_allowed (type, S));
  }

  g_assert_false (kith_frame_type_allowed (KITH_FRAME_WELCOME, C));
  g_assert_false (kith_frame_type_allowed (KITH_FRAME_HELLO, S));
  g_assert_true (kith_frame_type_allowed (KITH_FRAME_CALL_INVITE, C));
  g_assert_true (kith_frame_type_allowed (KITH_FRAME_CALL_INVITE, S));
  g_assert_true (kith_frame_type_allowed (KITH_FRAME_MESSAGE_READ, C));
  g_assert_true (kith_frame_type_allowed (KITH_FRAME_MESSAGE_READ, S));
  g_assert_false (kith_frame_type_allowed (KITH_FRAME_MESSAGE, C));
  g_assert_false (kith_frame_type_allowed (KITH_FRAME_PONG, C));
  g_assert_false (kith_frame_type_allowed (KITH_FRAME_PING, S));
  g_assert_false (kith_frame_type_from_string ("Hello", &(KithFrameType) { 0 }));
  g_assert_false (kith_frame_type_from_string ("", &(KithFrameType) { 0 }));
}

static void
test_frame_round_trip (void)
{
  static const KithOrigin origins[] = { C, S };

  for (int type = 0; type <= KITH_FRAME_LAST; type++) {
    for (guint o = 0; o < G_N_ELEMENTS (origins); o++) {
      g_autoptr (KithFrame) frame = NULL;
      g_autoptr (KithFrame) parsed = NULL;
      g_autoptr (JsonNode) node = NULL;
      g_autofree char *json = NULL;
      g_autofree char *again = NULL;
      g_autoptr (GError) error = NULL;
      gsize length = 0;
      KithOrigin origin = origins[o];

      if (!kith_frame_type_allowed (type, origin)) {
        g_autoptr (KithFrame) other = make_frame (type);
        g_autofree char *other_json = NULL;

        /* what the other side sends is refused from this one */
        other_json = kith_frame_to_json (other, origin == C ? S : C, &length);
        assert_frame_error (other_json, length, origin, KITH_ERROR_UNKNOWN_TYPE, NULL);
        continue;
      }

      frame = make_frame (type);
      json = kith_frame_to_json (frame, origin, &length);
      g_assert_nonnull (json);
      g_assert_cmpuint (length, ==, strlen (json));

      /* compact, valid JSON, with the type first */
      g_assert_null (strstr (json, ": "));
      g_assert_null (strchr (json, '\n'));
      node = json_from_string (json, &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
      g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "type"), ==,
                       kith_frame_type_to_string (type));

      parsed = kith_frame_parse (json, length, origin, &error);
      g_assert_no_error (error);
      g_assert_nonnull (parsed);
      g_assert_cmpint (parsed->type, ==, type);

      again = kith_frame_to_json (parsed, origin, NULL);
      g_assert_cmpstr (again, ==, json);
    }
  }
}

static void
test_frame_fields (void)
{
  g_autoptr (KithFrame) hello = NULL;
  g_autoptr (KithFrame) send = NULL;
  g_autoptr (KithFrame) invite = NULL;
  g_autoptr (KithFrame) relayed = NULL;
  g_autoptr (KithFrame) read_c = NULL;
  g_autoptr (KithFrame) read_s = NULL;
  g_autoptr (KithFrame) welcome = NULL;
  g_autoptr (KithFrame) error = NULL;
  g_autoptr (KithFrame) presence = NULL;
  g_autoptr (KithFrame) set = NULL;
  g_autoptr (KithFrame) hangup = NULL;
  g_autoptr (KithFrame) candidate = NULL;
  g_autoptr (KithFrame) frame = NULL;
  g_autofree char *json = NULL;

  hello = parse_ok ("{\"type\":\"hello\",\"token\":\"abc\"}", C);
  g_assert_cmpstr (hello->token, ==, "abc");
  g_assert_cmpint (hello->resume_after, ==, 0);
  g_clear_pointer (&hello, kith_frame_free);
  hello = parse_ok ("{\"resume_after\":17,\"token\":\"abc\",\"type\":\"hello\"}", C);
  g_assert_cmpint (hello->resume_after, ==, 17);

  send = parse_ok ("{\"type\":\"message.send\",\"id\":\"m1\",\"to\":5,\"body\":\"hi\"}", C);
  g_assert_cmpstr (send->id, ==, "m1");
  g_assert_cmpint (send->to, ==, 5);
  g_assert_cmpstr (send->body, ==, "hi");

  /* client call frames carry "to", relayed ones "from" */
  invite = parse_ok ("{\"type\":\"call.invite\",\"call_id\":\"c\",\"to\":9,\"video\":false,\"sdp\":\"v=0\"}", C);
  g_assert_cmpint (invite->to, ==, 9);
  g_assert_false (invite->video);
  invite->from = 7;
  json = kith_frame_to_json (invite, S, NULL);
  g_assert_cmpstr (json, ==, "{\"type\":\"call.invite\",\"call_id\":\"c\",\"from\":7,\"video\":false,\"sdp\":\"v=0\"}");
  relayed = parse_ok (json, S);
  g_assert_cmpint (relayed->from, ==, 7);
  g_clear_pointer (&json, g_free);
  {
    const char *from_c = "{\"type\":\"call.ringing\",\"call_id\":\"c\",\"from\":9}";
    const char *to_s = "{\"type\":\"call.ringing\",\"call_id\":\"c\",\"to\":9}";

    assert_frame_error (from_c, strlen (from_c), C, KITH_ERROR_INVALID_FIELD, "“to”");
    assert_frame_error (to_s, strlen (to_s), S, KITH_ERROR_INVALID_FIELD, "“from”");
  }

  /* message.read: client {to, up_to}, server {from, to, up_to} */
  read_c = parse_ok ("{\"type\":\"message.read\",\"to\":9,\"up_to\":40}", C);
  g_assert_cmpint (read_c->to, ==, 9);
  g_assert_cmpint (read_c->up_to, ==, 40);
  read_c->from = 7;
  json = kith_frame_to_json (read_c, C, NULL);
  g_assert_cmpstr (json, ==, "{\"type\":\"message.read\",\"to\":9,\"up_to\":40}");
  g_clear_pointer (&json, g_free);
  json = kith_frame_to_json (read_c, S, NULL);
  g_assert_cmpstr (json, ==, "{\"type\":\"message.read\",\"from\":7,\"to\":9,\"up_to\":40}");
  read_s = parse_ok (json, S);
  g_assert_cmpint (read_s->from, ==, 7);
  g_clear_pointer (&json, g_free);

  welcome = parse_ok ("{\"type\":\"welcome\",\"seq\":0,\"user\":{\"id\":3,\"email\":\"a@b.co\","
                      "\"first_name\":\"A\",\"last_name\":\"\",\"offline_email_notification\":true,"
                      "\"plan\":\"paid\"}}", S);
  g_assert_cmpint (welcome->seq, ==, 0);
  g_assert_cmpint (welcome->user->id, ==, 3);
  g_assert_cmpstr (welcome->user->last_name, ==, "");
  g_assert_true (welcome->user->has_settings);
  g_assert_true (welcome->user->offline_email_notification);
  g_assert_cmpstr (welcome->user->plan, ==, "paid");

  presence = parse_ok ("{\"type\":\"presence\",\"user_id\":4,\"status\":\"idle\"}", S);
  g_assert_cmpint (presence->user_id, ==, 4);
  g_assert_cmpint (presence->presence, ==, KITH_PRESENCE_IDLE);
  set = parse_ok ("{\"type\":\"presence.set\",\"status\":\"hidden\"}", C);
  g_assert_cmpint (set->chosen, ==, KITH_CHOSEN_HIDDEN);

  hangup = parse_ok ("{\"type\":\"call.hangup\",\"call_id\":\"c\",\"to\":2}", C);
  g_assert_null (hangup->reason);
  json = kith_frame_to_json (hangup, C, NULL);
  g_assert_cmpstr (json, ==, "{\"type\":\"call.hangup\",\"call_id\":\"c\",\"to\":2}");
  g_clear_pointer (&json, g_free);

  /* an empty candidate is end-of-candidates */
  candidate = parse_ok ("{\"type\":\"call.candidate\",\"call_id\":\"c\",\"to\":2,\"candidate\":\"\",\"sdp_mline_index\":0}", C);
  g_assert_cmpstr (candidate->candidate, ==, "");

  error = parse_ok ("{\"type\":\"error\",\"code\":\"not_contact\",\"message\":\"No.\",\"ref\":\"m1\"}", S);
  g_assert_cmpint (error->code, ==, KITH_ERROR_NOT_CONTACT);
  g_assert_cmpstr (error->message, ==, "No.");
  g_assert_cmpstr (error->ref, ==, "m1");
  g_clear_pointer (&error, kith_frame_free);
  /* a code from a newer server is "internal", not a broken frame */
  error = parse_ok ("{\"type\":\"error\",\"code\":\"brand_new\",\"message\":\"?\"}", S);
  g_assert_cmpint (error->code, ==, KITH_ERROR_INTERNAL);
  g_assert_null (error->ref);

  json = kith_frame_error_json (KITH_ERROR_TOO_LONG, "Too long.", "m\"1", NULL);
  g_assert_cmpstr (json, ==, "{\"type\":\"error\",\"code\":\"too_long\",\"message\":\"Too long.\",\"ref\":\"m\\\"1\"}");
  g_clear_pointer (&json, g_free);
  json = kith_frame_error_json (KITH_ERROR_NOT_SIGNED_IN, "Say hello first.", NULL, NULL);
  g_assert_cmpstr (json, ==, "{\"type\":\"error\",\"code\":\"not_signed_in\",\"message\":\"Say hello first.\"}");
  g_clear_pointer (&json, g_free);

  frame = kith_frame_new (KITH_FRAME_PONG);
  json = kith_frame_to_json (frame, S, NULL);
  g_assert_cmpstr (json, ==, "{\"type\":\"pong\"}");
}

typedef struct {
  KithOrigin  origin;
  const char *json;
  int         code;
  const char *mention;   /* must appear in the message */
} ErrorCase;

static const ErrorCase error_cases[] = {
  /* not JSON, not an object */
  { C, "",                                  KITH_ERROR_INVALID_JSON, NULL },
  { C, "   ",                               KITH_ERROR_INVALID_JSON, NULL },
  { C, "{",                                 KITH_ERROR_INVALID_JSON, NULL },
  { C, "{\"type\":\"ping\"",                KITH_ERROR_INVALID_JSON, NULL },
  { C, "{\"type\":\"ping\"}}",              KITH_ERROR_INVALID_JSON, NULL },
  { C, "[{\"type\":\"ping\"}]",             KITH_ERROR_INVALID_JSON, NULL },
  { C, "\"ping\"",                          KITH_ERROR_INVALID_JSON, NULL },
  { C, "42",                                KITH_ERROR_INVALID_JSON, NULL },
  { C, "null",                              KITH_ERROR_INVALID_JSON, NULL },
  { C, "hello",                             KITH_ERROR_INVALID_JSON, NULL },
  /* json-glib alone would take these */
  { C, "{'type':'ping'}",                   KITH_ERROR_INVALID_JSON, NULL },
  { C, "{\"type\":\"ping\" /* c */}",         KITH_ERROR_INVALID_JSON, NULL },
  { C, "{\"type\":\"ping\"}{\"type\":\"ping\"}", KITH_ERROR_INVALID_JSON, "after" },
  { C, "{\"type\":\"ping\",}",              KITH_ERROR_INVALID_JSON, NULL },
  { C, "{type:\"ping\"}",                   KITH_ERROR_INVALID_JSON, NULL },
  { C, "{\"type\":\"hello\",\"token\":\"a\",\"resume_after\":01}", KITH_ERROR_INVALID_JSON, NULL },
  { C, "{\"type\":\"hello\",\"token\":\"a\",\"resume_after\":0x10}", KITH_ERROR_INVALID_JSON, NULL },
  { C, "{\"type\":\"hello\",\"token\":\"a\",\"resume_after\":+1}", KITH_ERROR_INVALID_JSON, NULL },
  { C, "{\"type\":\"hello\",\"token\":\"a\",\"resume_after\":1.}", KITH_ERROR_INVALID_JSON, NULL },
  { C, "{\"type\":\"hello\",\"token\":\"a\",\"resume_after\":.5}", KITH_ERROR_INVALID_JSON, NULL },
  { C, "{\"type\":\"hello\",\"token\":\"a\",\"resume_after\":1e}", KITH_ERROR_INVALID_JSON, NULL },
  { C, "{\"type\":\"message.send\",\"id\":\"a\",\"to\":5,\"body\":\"tab\there\"}", KITH_ERROR_INVALID_JSON, "control" },
  { C, "{\"type\":\"message.send\",\"id\":\"a\",\"to\":5,\"body\":\"x\\q\"}", KITH_ERROR_INVALID_JSON, "escape" },
  { C, "{\"type\":\"message.send\",\"id\":\"a\",\"to\":5,\"body\":\"x\\u12\"}", KITH_ERROR_INVALID_JSON, "escape" },
  { C, "{\"type\":\"ping\",\"x\":tru}",       KITH_ERROR_INVALID_JSON, NULL },
  { C, "{\"type\":\"ping\",\"x\":[1 2]}",     KITH_ERROR_INVALID_JSON, NULL },
  { C, "{\"type\":\"ping\",\"x\" 1}",         KITH_ERROR_INVALID_JSON, NULL },
  { C, "{\"type\":\"ping\",\"x\":\"open}",    KITH_ERROR_INVALID_JSON, NULL },
  { C, "\xef\xbb\xbf{\"type\":\"ping\"}",      KITH_ERROR_INVALID_JSON, NULL },
  /* a lone surrogate is no character (json-glib refuses it) */
  { C, "{\"type\":\"message.send\",\"id\":\"a\",\"to\":5,\"body\":\"\\ud800\"}", KITH_ERROR_INVALID_JSON, NULL },
  /* half a surrogate pair, refused before json-glib (which leaked on the
   * first of these: tests/fuzz/corpus/frame/crash-surrogate-leak) */
  { C, "{\"type\":\"message.send\",\"id\":\"a\",\"to\":5,\"body\":\"\\ud83d\\u0041\"}", KITH_ERROR_INVALID_JSON, "half a character" },
  { C, "{\"type\":\"ping\",\"x\":\"\\ud800\\ud800\\udc00\"}", KITH_ERROR_INVALID_JSON, "half a character" },
  { C, "{\"type\":\"ping\",\"x\":\"\\udc00\"}", KITH_ERROR_INVALID_JSON, "half a character" },
  { C, "{\"type\":\"ping\",\"x\":\"\\ud83dx\"}", KITH_ERROR_INVALID_JSON, "half a character" },
  { C, "{\"type\":\"ping\",\"x\":\"\\ud83d\\u12\"}", KITH_ERROR_INVALID_JSON, "escape" },

  /* type */
  { C, "{}",                                KITH_ERROR_INVALID_FIELD, "type" },
  { C, "{\"token\":\"x\"}",                 KITH_ERROR_INVALID_FIELD, "type" },
  { C, "{\"type\":7}",                      KITH_ERROR_INVALID_FIELD, "type" },
  { C, "{\"type\":null}",                   KITH_ERROR_INVALID_FIELD, "type" },
  { C, "{\"type\":[\"ping\"]}",             KITH_ERROR_INVALID_FIELD, "type" },
  { C, "{\"type\":\"\"}",                   KITH_ERROR_UNKNOWN_TYPE, NULL },
  { C, "{\"type\":\"teleport\"}",           KITH_ERROR_UNKNOWN_TYPE, "teleport" },
  { C, "{\"type\":\"PING\"}",               KITH_ERROR_UNKNOWN_TYPE, NULL },
  { C, "{\"type\":\"welcome\",\"seq\":1}",  KITH_ERROR_UNKNOWN_TYPE, "welcome" },
  { C, "{\"type\":\"message\"}",            KITH_ERROR_UNKNOWN_TYPE, NULL },
  { C, "{\"type\":\"pong\"}",               KITH_ERROR_UNKNOWN_TYPE, NULL },
  { C, "{\"type\":\"error\",\"code\":\"internal\",\"message\":\"x\"}", KITH_ERROR_UNKNOWN_TYPE, NULL },
  { S, "{\"type\":\"hello\",\"token\":\"x\"}", KITH_ERROR_UNKNOWN_TYPE, NULL },
  { S, "{\"type\":\"message.send\",\"id\":\"a\",\"to\":1,\"body\":\"b\"}", KITH_ERROR_UNKNOWN_TYPE, NULL },
  { S, "{\"type\":\"ping\"}",               KITH_ERROR_UNKNOWN_TYPE, NULL },

  /* missing fields */
  { C, "{\"type\":\"hello\"}",              KITH_ERROR_INVALID_FIELD, "“token”" },
  { C, "{\"type\":\"message.send\",\"to\":5,\"body\":\"hi\"}", KITH_ERROR_INVALID_FIELD, "“id”" },
  { C, "{\"type\":\"message.send\",\"id\":\"a\",\"body\":\"hi\"}", KITH_ERROR_INVALID_FIELD, "“to”" },
  { C, "{\"type\":\"message.send\",\"id\":\"a\",\"to\":5}", KITH_ERROR_INVALID_FIELD, "“body”" },
  { C, "{\"type\":\"presence.set\"}",       KITH_ERROR_INVALID_FIELD, "“status”" },
  { C, "{\"type\":\"activity\"}",           KITH_ERROR_INVALID_FIELD, "“idle”" },
  { C, "{\"type\":\"message.read\",\"to\":1}", KITH_ERROR_INVALID_FIELD, "“up_to”" },
  { C, "{\"type\":\"call.invite\",\"call_id\":\"c\",\"to\":9,\"sdp\":\"v=0\"}", KITH_ERROR_INVALID_FIELD, "“video”" },
  { C, "{\"type\":\"call.answer\",\"call_id\":\"c\",\"to\":9}", KITH_ERROR_INVALID_FIELD, "“sdp”" },
  { C, "{\"type\":\"call.candidate\",\"call_id\":\"c\",\"to\":9,\"candidate\":\"x\"}", KITH_ERROR_INVALID_FIELD, "“sdp_mline_index”" },
  { C, "{\"type\":\"call.reject\",\"to\":9}", KITH_ERROR_INVALID_FIELD, "“call_id”" },
  { S, "{\"type\":\"welcome\",\"seq\":1}",  KITH_ERROR_INVALID_FIELD, "“user”" },
  { S, "{\"type\":\"presence\",\"status\":\"online\"}", KITH_ERROR_INVALID_FIELD, "“user_id”" },
  { S, "{\"type\":\"message.ack\",\"id\":\"a\",\"seq\":1}", KITH_ERROR_INVALID_FIELD, "“sent_at”" },
  { S, "{\"type\":\"error\",\"message\":\"x\"}", KITH_ERROR_INVALID_FIELD, "“code”" },

  /* wrong JSON types */
  { C, "{\"type\":\"message.send\",\"id\":\"a\",\"to\":\"5\",\"body\":\"hi\"}", KITH_ERROR_INVALID_FIELD, "“to”" },
  { C, "{\"type\":\"message.send\",\"id\":\"a\",\"to\":5.0,\"body\":\"hi\"}", KITH_ERROR_INVALID_FIELD, "“to”" },
  { C, "{\"type\":\"message.send\",\"id\":\"a\",\"to\":5.5,\"body\":\"hi\"}", KITH_ERROR_INVALID_FIELD, "“to”" },
  { C, "{\"type\":\"message.send\",\"id\":\"a\",\"to\":null,\"body\":\"hi\"}", KITH_ERROR_INVALID_FIELD, "“to”" },
  { C, "{\"type\":\"message.send\",\"id\":\"a\",\"to\":true,\"body\":\"hi\"}", KITH_ERROR_INVALID_FIELD, "“to”" },
  { C, "{\"type\":\"message.send\",\"id\":\"a\",\"to\":[5],\"body\":\"hi\"}", KITH_ERROR_INVALID_FIELD, "“to”" },
  { C, "{\"type\":\"message.send\",\"id\":\"a\",\"to\":0,\"body\":\"hi\"}", KITH_ERROR_INVALID_FIELD, "“to”" },
  { C, "{\"type\":\"message.send\",\"id\":\"a\",\"to\":-3,\"body\":\"hi\"}", KITH_ERROR_INVALID_FIELD, "“to”" },
  { C, "{\"type\":\"message.send\",\"id\":7,\"to\":5,\"body\":\"hi\"}", KITH_ERROR_INVALID_FIELD, "“id”" },
  { C, "{\"type\":\"message.send\",\"id\":\"a\",\"to\":5,\"body\":{\"text\":\"hi\"}}", KITH_ERROR_INVALID_FIELD, "“body”" },
  { C, "{\"type\":\"message.send\",\"id\":\"a\",\"to\":5,\"body\":null}", KITH_ERROR_INVALID_FIELD, "“body”" },
  { C, "{\"type\":\"message.send\",\"id\":\"\",\"to\":5,\"body\":\"hi\"}", KITH_ERROR_INVALID_FIELD, "“id”" },
  { C, "{\"type\":\"message.send\",\"id\":\"a\",\"to\":5,\"body\":\"\"}", KITH_ERROR_INVALID_FIELD, "“body”" },
  { C, "{\"type\":\"hello\",\"token\":\"\"}", KITH_ERROR_INVALID_FIELD, "“token”" },
  { C, "{\"type\":\"hello\",\"token\":\"x\",\"resume_after\":-1}", KITH_ERROR_INVALID_FIELD, "“resume_after”" },
  { C, "{\"type\":\"hello\",\"token\":\"x\",\"resume_after\":\"3\"}", KITH_ERROR_INVALID_FIELD, "“resume_after”" },
  { C, "{\"type\":\"hello\",\"token\":\"x\",\"resume_after\":1e3}", KITH_ERROR_INVALID_FIELD, "“resume_after”" },
  { C, "{\"type\":\"activity\",\"idle\":1}", KITH_ERROR_INVALID_FIELD, "“idle”" },
  { C, "{\"type\":\"activity\",\"idle\":\"true\"}", KITH_ERROR_INVALID_FIELD, "“idle”" },
  { C, "{\"type\":\"call.invite\",\"call_id\":\"c\",\"to\":9,\"video\":\"yes\",\"sdp\":\"v=0\"}", KITH_ERROR_INVALID_FIELD, "“video”" },
  { C, "{\"type\":\"call.candidate\",\"call_id\":\"c\",\"to\":9,\"candidate\":\"x\",\"sdp_mline_index\":-1}", KITH_ERROR_INVALID_FIELD, "“sdp_mline_index”" },
  { C, "{\"type\":\"message.read\",\"to\":1,\"up_to\":-1}", KITH_ERROR_INVALID_FIELD, "“up_to”" },

  /* enums */
  { C, "{\"type\":\"presence.set\",\"status\":\"offline\"}", KITH_ERROR_INVALID_FIELD, "“status”" },
  { C, "{\"type\":\"presence.set\",\"status\":\"idle\"}", KITH_ERROR_INVALID_FIELD, "“status”" },
  { C, "{\"type\":\"presence.set\",\"status\":\"Busy\"}", KITH_ERROR_INVALID_FIELD, "“status”" },
  { C, "{\"type\":\"presence.set\",\"status\":1}", KITH_ERROR_INVALID_FIELD, "“status”" },
  { S, "{\"type\":\"presence\",\"user_id\":1,\"status\":\"hidden\"}", KITH_ERROR_INVALID_FIELD, "“status”" },
  { S, "{\"type\":\"error\",\"code\":5,\"message\":\"x\"}", KITH_ERROR_INVALID_FIELD, "“code”" },

  /* nested objects */
  { S, "{\"type\":\"profile\",\"user\":\"7\"}", KITH_ERROR_INVALID_FIELD, "“user”" },
  { S, "{\"type\":\"profile\",\"user\":null}", KITH_ERROR_INVALID_FIELD, "“user”" },
  { S, "{\"type\":\"profile\",\"user\":[]}", KITH_ERROR_INVALID_FIELD, "“user”" },
  { S, "{\"type\":\"profile\",\"user\":{}}", KITH_ERROR_INVALID_FIELD, "“user.id”" },
  { S, "{\"type\":\"profile\",\"user\":{\"id\":\"7\",\"email\":\"a@b.c\",\"first_name\":\"A\",\"last_name\":\"B\"}}",
    KITH_ERROR_INVALID_FIELD, "“user.id”" },
  { S, "{\"type\":\"profile\",\"user\":{\"id\":7,\"email\":\"a@b.c\",\"first_name\":\"A\"}}",
    KITH_ERROR_INVALID_FIELD, "“user.last_name”" },
  { S, "{\"type\":\"profile\",\"user\":{\"id\":7,\"email\":\"a@b.c\",\"first_name\":\"A\",\"last_name\":\"B\",\"offline_email_notification\":\"no\"}}",
    KITH_ERROR_INVALID_FIELD, "“user.offline_email_notification”" },
  { S, "{\"type\":\"contact.request\",\"user\":{\"id\":7,\"email\":[],\"first_name\":\"A\",\"last_name\":\"B\"}}",
    KITH_ERROR_INVALID_FIELD, "“user.email”" },

  /* invalid UTF-8 */
  { C, "{\"type\":\"message.send\",\"id\":\"a\",\"to\":5,\"body\":\"\xff\xfe\"}", KITH_ERROR_INVALID_FIELD, "UTF-8" },
  { C, "{\"type\":\"message.send\",\"id\":\"a\",\"to\":5,\"body\":\"\xc3\"}", KITH_ERROR_INVALID_FIELD, "UTF-8" },
  { C, "{\"type\":\"message.send\",\"id\":\"a\",\"to\":5,\"body\":\"\xed\xa0\x80\"}", KITH_ERROR_INVALID_FIELD, "UTF-8" },
};

static void
test_frame_errors (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (error_cases); i++) {
    const ErrorCase *c = &error_cases[i];

    assert_frame_error (c->json, strlen (c->json), c->origin, c->code, c->mention);
  }

  /* NULL data */
  assert_frame_error (NULL, 0, C, KITH_ERROR_INVALID_JSON, NULL);
  /* a NUL byte inside */
  assert_frame_error ("{\"type\":\"ping\"}\0x", 17, C, KITH_ERROR_INVALID_JSON, NULL);
  /* the length is honoured: no NUL terminator needed */
  {
    g_autoptr (KithFrame) frame = NULL;
    g_autoptr (GError) error = NULL;
    const char *data = "{\"type\":\"ping\"}garbage";

    frame = kith_frame_parse (data, 15, C, &error);
    g_assert_no_error (error);
    g_assert_cmpint (frame->type, ==, KITH_FRAME_PING);
  }
}

static void
test_frame_peek_ref (void)
{
  static const struct {
    const char *json;
    const char *ref;
  } table[] = {
    { "{\"type\":\"message.send\",\"id\":\"m1\",\"to\":\"5\",\"body\":\"hi\"}", "m1" },
    { "{\"type\":\"call.invite\",\"call_id\":\"c1\",\"to\":0}", "c1" },
    { "{\"type\":\"x\",\"id\":7,\"call_id\":\"c2\"}", "c2" },
    { "{\"type\":\"ping\"}", NULL },
    { "{\"id\":\"\"}", NULL },
    { "{\"id\":null}", NULL },
    { "{\"id\":\"01234567890123456789012345678901234567890123456789012345678901234\"}", NULL },
    { "[\"id\"]", NULL },
    { "not json", NULL },
    { "", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++) {
    g_autofree char *ref = kith_frame_peek_ref (table[i].json, strlen (table[i].json));

    g_assert_cmpstr (ref, ==, table[i].ref);
  }

  g_assert_null (kith_frame_peek_ref (NULL, 0));
}

static void
test_frame_json_syntax (void)
{
  static const char * const valid[] = {
    "{\"type\":\"ping\"}",
    " \t\r\n{ \"type\" : \"ping\" , \"x\" : [ 1 , -2 , 3.5 , 1e5 , 2E-3 , 0 , -0.0 , true , false , null , { } , [ ] ] } \n",
    "{\"type\":\"ping\",\"esc\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\\uDE00\"}",
    "{\"type\":\"ping\",\"utf8\":\"ünïcödé 😀\"}",
  };
  g_autoptr (GString) deep = g_string_new ("{\"type\":\"ping\",\"x\":");
  g_autoptr (GString) too_deep = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++) {
    g_autoptr (KithFrame) frame = parse_ok (valid[i], C);
    g_assert_cmpint (frame->type, ==, KITH_FRAME_PING);
  }

  /* nesting up to the limit parses; deeper is refused without recursion trouble */
  for (guint i = 0; i < 30; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 30; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');
  {
    g_autoptr (KithFrame) frame = parse_ok (deep->str, C);
  }

  too_deep = g_string_new ("{\"type\":\"ping\",\"x\":");
  for (guint i = 0; i < 60000; i++)
    g_string_append_c (too_deep, '[');
  assert_frame_error (too_deep->str, too_deep->len, C, KITH_ERROR_INVALID_JSON, "deep");
}

static void
test_frame_unknown_members (void)
{
  g_autoptr (KithFrame) send = NULL;
  g_autoptr (KithFrame) welcome = NULL;
  g_autoptr (KithFrame) ping = NULL;

  send = parse_ok ("{\"type\":\"message.send\",\"id\":\"a\",\"to\":5,\"body\":\"hi\","
                   "\"priority\":\"high\",\"nested\":{\"deep\":[1,2,{\"x\":null}]},\"seq\":\"nope\","
                   "\"from\":\"ignored for the client\"}", C);
  g_assert_cmpstr (send->body, ==, "hi");
  g_assert_cmpint (send->from, ==, 0);
  g_assert_cmpint (send->seq, ==, 0);

  welcome = parse_ok ("{\"type\":\"welcome\",\"seq\":5,\"server_time\":1,\"user\":{\"id\":1,"
                      "\"email\":\"a@b.c\",\"first_name\":\"A\",\"last_name\":\"B\",\"avatar\":null}}", S);
  g_assert_cmpint (welcome->seq, ==, 5);
  g_assert_false (welcome->user->has_settings);

  ping = parse_ok ("{\"type\":\"ping\",\"token\":5}", C);
  g_assert_cmpint (ping->type, ==, KITH_FRAME_PING);
}

static char *
message_send_with_body (gsize body_bytes)
{
  g_autoptr (GString) json = g_string_new ("{\"type\":\"message.send\",\"id\":\"a\",\"to\":5,\"body\":\"");

  for (gsize i = 0; i < body_bytes; i++)
    g_string_append_c (json, 'x');
  g_string_append (json, "\"}");

  return g_string_free (g_steal_pointer (&json), FALSE);
}

static char *
frame_with_string (const char *prefix,
                   gsize       bytes,
                   const char *suffix)
{
  g_autoptr (GString) json = g_string_new (prefix);

  for (gsize i = 0; i < bytes; i++)
    g_string_append_c (json, 'y');
  g_string_append (json, suffix);

  return g_string_free (g_steal_pointer (&json), FALSE);
}

typedef struct {
  KithOrigin  origin;
  const char *prefix;
  const char *suffix;
  gsize       limit;
  const char *field;
} LimitCase;

static const LimitCase limit_cases[] = {
  { C, "{\"type\":\"hello\",\"token\":\"", "\"}", KITH_MAX_TOKEN_BYTES, "token" },
  { C, "{\"type\":\"message.send\",\"to\":1,\"body\":\"b\",\"id\":\"", "\"}", KITH_MAX_ID_BYTES, "id" },
  { C, "{\"type\":\"message.send\",\"to\":1,\"id\":\"i\",\"body\":\"", "\"}", KITH_MAX_MESSAGE_BODY_BYTES, "body" },
  { C, "{\"type\":\"call.ringing\",\"to\":1,\"call_id\":\"", "\"}", KITH_MAX_ID_BYTES, "call_id" },
  { C, "{\"type\":\"call.answer\",\"to\":1,\"call_id\":\"c\",\"sdp\":\"", "\"}", KITH_MAX_SDP_BYTES, "sdp" },
  { C, "{\"type\":\"call.invite\",\"to\":1,\"call_id\":\"c\",\"video\":true,\"sdp\":\"", "\"}", KITH_MAX_SDP_BYTES, "sdp" },
  { C, "{\"type\":\"call.candidate\",\"to\":1,\"call_id\":\"c\",\"sdp_mline_index\":0,\"candidate\":\"", "\"}", KITH_MAX_CANDIDATE_BYTES, "candidate" },
  { C, "{\"type\":\"call.hangup\",\"to\":1,\"call_id\":\"c\",\"reason\":\"", "\"}", KITH_MAX_REASON_BYTES, "reason" },
  { C, "{\"type\":\"call.reject\",\"to\":1,\"call_id\":\"c\",\"reason\":\"", "\"}", KITH_MAX_REASON_BYTES, "reason" },
  { S, "{\"type\":\"error\",\"code\":\"internal\",\"message\":\"", "\"}", 1024, "message" },
  { S, "{\"type\":\"message.ack\",\"seq\":1,\"sent_at\":1,\"id\":\"", "\"}", KITH_MAX_ID_BYTES, "id" },
  { S, "{\"type\":\"profile\",\"user\":{\"id\":1,\"email\":\"a@b.c\",\"last_name\":\"l\",\"first_name\":\"", "\"}}",
    KITH_MAX_NAME_BYTES, "user.first_name" },
  { S, "{\"type\":\"profile\",\"user\":{\"id\":1,\"email\":\"a@b.c\",\"first_name\":\"f\",\"last_name\":\"", "\"}}",
    KITH_MAX_NAME_BYTES, "user.last_name" },
  { S, "{\"type\":\"profile\",\"user\":{\"id\":1,\"first_name\":\"f\",\"last_name\":\"l\",\"email\":\"", "\"}}",
    KITH_MAX_EMAIL_BYTES, "user.email" },
};

static void
test_frame_limits (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (limit_cases); i++) {
    const LimitCase *c = &limit_cases[i];
    g_autofree char *at_limit = frame_with_string (c->prefix, c->limit, c->suffix);
    g_autofree char *over = frame_with_string (c->prefix, c->limit + 1, c->suffix);
    g_autofree char *mention = g_strdup_printf ("“%s”", c->field);
    g_autoptr (KithFrame) frame = NULL;

    frame = parse_ok (at_limit, c->origin);
    assert_frame_error (over, strlen (over), c->origin, KITH_ERROR_TOO_LONG, mention);
  }
}

static void
test_frame_oversize (void)
{
  g_autofree char *max_body = message_send_with_body (KITH_MAX_MESSAGE_BODY_BYTES);
  g_autofree char *huge = message_send_with_body (KITH_MAX_FRAME_BYTES);
  g_autoptr (GString) padded = NULL;
  g_autoptr (KithFrame) frame = NULL;
  gsize length = 0;

  frame = parse_ok (max_body, C);
  g_assert_cmpuint (strlen (frame->body), ==, KITH_MAX_MESSAGE_BODY_BYTES);

  /* over the frame limit: refused before parsing, even if it is not JSON */
  assert_frame_error (huge, strlen (huge), C, KITH_ERROR_PAYLOAD_TOO_LARGE, NULL);
  assert_frame_error (huge, KITH_MAX_FRAME_BYTES + 1, C, KITH_ERROR_PAYLOAD_TOO_LARGE, NULL);
  assert_frame_error (huge, KITH_MAX_FRAME_BYTES + 1, S, KITH_ERROR_PAYLOAD_TOO_LARGE, NULL);

  /* exactly at the frame limit is fine (white space padding) */
  padded = g_string_new ("{\"type\":\"ping\"");
  while (padded->len < KITH_MAX_FRAME_BYTES - 1)
    g_string_append_c (padded, ' ');
  g_string_append_c (padded, '}');
  g_assert_cmpuint (padded->len, ==, KITH_MAX_FRAME_BYTES);
  g_clear_pointer (&frame, kith_frame_free);
  frame = parse_ok (padded->str, C);
  g_string_append_c (padded, ' ');
  assert_frame_error (padded->str, padded->len, C, KITH_ERROR_PAYLOAD_TOO_LARGE, NULL);

  /* a multi-byte body is measured in bytes */
  g_clear_pointer (&frame, kith_frame_free);
  frame = kith_frame_new (KITH_FRAME_MESSAGE_SEND);
  frame->id = g_strdup ("a");
  frame->to = 3;
  {
    GString *body = g_string_new (NULL);
    g_autofree char *json = NULL;

    while (body->len <= KITH_MAX_MESSAGE_BODY_BYTES)
      g_string_append (body, "é");
    frame->body = g_string_free (body, FALSE);
    json = kith_frame_to_json (frame, C, &length);
    assert_frame_error (json, length, C, KITH_ERROR_TOO_LONG, "“body”");
  }
}

static void
test_frame_escaping (void)
{
  static const char * const bodies[] = {
    "plain",
    "quote \" backslash \\ slash /",
    "controls \b\f\n\r\t \x01\x1f \x7f",
    "unicode ünïcödé 日本語 😀 \u2028 \u2029",
    "</script><!--",
    "a\\u0000b",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++) {
    g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_MESSAGE);
    g_autoptr (KithFrame) parsed = NULL;
    g_autoptr (JsonNode) node = NULL;
    g_autoptr (GError) error = NULL;
    g_autofree char *json = NULL;

    frame->seq = 1;
    frame->id = g_strdup (bodies[i]);
    frame->from = 1;
    frame->to = 2;
    frame->body = g_strdup (bodies[i]);
    frame->sent_at = 5;
    json = kith_frame_to_json (frame, S, NULL);

    /* json-glib reads back the same string */
    node = json_from_string (json, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "body"), ==, bodies[i]);

    parsed = parse_ok (json, S);
    g_assert_cmpstr (parsed->body, ==, bodies[i]);
  }

  /* invalid UTF-8 handed to the writer still gives valid JSON */
  {
    g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_ERROR);
    g_autoptr (KithFrame) parsed = NULL;
    g_autofree char *json = NULL;

    frame->message = g_strdup ("bad \xff byte");
    json = kith_frame_to_json (frame, S, NULL);
    g_assert_true (g_utf8_validate (json, -1, NULL));
    parsed = parse_ok (json, S);
    g_assert_true (g_str_has_prefix (parsed->message, "bad "));
  }
}

/* json-glib turns \u0000 into a NUL and the value is then cut there: a
 * body, an id (which then collides with another), a password (which then
 * matches on its prefix). Refused everywhere, in both directions. */
static void
test_frame_nul (void)
{
  static const struct {
    KithOrigin  origin;
    const char *json;
    const char *mention;
  } refused[] = {
    { C, "{\"type\":\"message.send\",\"id\":\"m1\",\"to\":5,\"body\":\"hi\\u0000there\"}", "“body”" },
    { C, "{\"type\":\"message.send\",\"id\":\"m1\\u0000x\",\"to\":5,\"body\":\"hi\"}", "“id”" },
    { C, "{\"type\":\"message.send\",\"id\":\"m1\",\"to\":5,\"body\":\"\\u0000\"}", "“body”" },
    { C, "{\"type\":\"hello\",\"token\":\"abc\\u0000def\"}", "“token”" },
    { C, "{\"type\":\"call.hangup\",\"call_id\":\"c1\",\"to\":5,\"reason\":\"x\\u0000\"}", "“reason”" },
    { C, "{\"type\":\"ping\\u0000\"}", "“type”" },
    /* unknown members and member names too */
    { C, "{\"type\":\"ping\",\"extra\":\"\\u0000\"}", "“extra”" },
    { C, "{\"type\":\"ping\",\"extra\":{\"deep\":[1,\"a\\u0000\"]}}", "“extra.deep[1]”" },
    { C, "{\"type\":\"ping\",\"a\\u0000b\":1}", "“a”" },
    /* from kithd: the client refuses them as well */
    { S, "{\"type\":\"message\",\"seq\":1,\"id\":\"m1\",\"from\":1,\"to\":2,\"body\":\"x\\u0000y\",\"sent_at\":1}", "“body”" },
    { S, "{\"type\":\"message.ack\",\"id\":\"m1\\u0000\",\"seq\":1,\"sent_at\":1}", "“id”" },
    { S, "{\"type\":\"profile\",\"user\":{\"id\":1,\"email\":\"a@b.co\",\"first_name\":\"A\\u0000\",\"last_name\":\"B\"}}",
      "“user.first_name”" },
    { S, "{\"type\":\"error\",\"code\":\"internal\",\"message\":\"m\\u0000\"}", "“message”" },
  };
  static const struct {
    const char *json;
    const char *ref;
  } refs[] = {
    /* the frame is refused, yet its id is sound: the error names it */
    { "{\"type\":\"message.send\",\"id\":\"m1\",\"to\":5,\"body\":\"hi\\u0000there\"}", "m1" },
    /* the id itself was cut: no ref rather than a wrong one */
    { "{\"type\":\"message.send\",\"id\":\"m1\\u0000x\",\"to\":5,\"body\":\"hi\"}", NULL },
    { "{\"type\":\"message.send\",\"\\u0069d\":\"m1\\u0000x\",\"to\":5,\"body\":\"hi\"}", NULL },
    { "{\"type\":\"call.invite\",\"id\":\"\\u0000\",\"call_id\":\"c1\",\"to\":5}", "c1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++) {
    assert_frame_error (refused[i].json, strlen (refused[i].json), refused[i].origin,
                        KITH_ERROR_INVALID_FIELD, refused[i].mention);
    assert_frame_error (refused[i].json, strlen (refused[i].json), refused[i].origin,
                        KITH_ERROR_INVALID_FIELD, "\\u0000");
  }

  for (guint i = 0; i < G_N_ELEMENTS (refs); i++) {
    g_autofree char *ref = kith_frame_peek_ref (refs[i].json, strlen (refs[i].json));

    g_assert_cmpstr (ref, ==, refs[i].ref);
  }

  /* JSON checks come first: broken JSON with a \u0000 is still invalid_json */
  {
    const char *unterminated = "{\"type\":\"ping\",\"x\":\"\\u0000\"";
    const char *array = "[\"\\u0000\"]";

    assert_frame_error (unterminated, strlen (unterminated), C, KITH_ERROR_INVALID_JSON, NULL);
    assert_frame_error (array, strlen (array), C, KITH_ERROR_INVALID_JSON, NULL);
  }

  /* an escaped backslash followed by "u0000" is text, and fine; so is \u0001 */
  {
    g_autoptr (KithFrame) frame = parse_ok ("{\"type\":\"message.send\",\"id\":\"a\\\\u0000\","
                                            "\"to\":5,\"body\":\"x\\\\u0000y \\\\\\\\u0000 \\u0001\"}", C);

    g_assert_cmpstr (frame->id, ==, "a\\u0000");
    g_assert_cmpstr (frame->body, ==, "x\\u0000y \\\\u0000 \x01");
  }
  {
    g_autoptr (KithFrame) frame = parse_ok ("{\"type\":\"ping\",\"\\\\u0000\":\"\\\\u0000\"}", C);
  }
  /* but a backslash pair followed by a real \u0000 is not */
  assert_frame_error ("{\"type\":\"message.send\",\"id\":\"a\",\"to\":5,\"body\":\"\\\\\\u0000\"}",
                      strlen ("{\"type\":\"message.send\",\"id\":\"a\",\"to\":5,\"body\":\"\\\\\\u0000\"}"),
                      C, KITH_ERROR_INVALID_FIELD, "“body”");
}

/* Random mutations of valid frames never crash, and either parse or give a
 * KITH_ERROR. Deterministic: g_test_rand_* follows the test seed. */
static void
test_frame_fuzz (void)
{
  guint iterations = g_test_slow () ? 200000 : 20000;
  GPtrArray *seeds = g_ptr_array_new_with_free_func (g_free);
  static const char * const tokens[] = {
    "\"", "\\", "{", "}", "[", "]", ",", ":", "null", "true", "-1", "0", "1e9", "1.5",
    "\"type\"", "\"to\"", "\"user\"", "{}", "[]", "\xff", "\xc3", "\\u0000", "\\ud800",
    "99999999999999999999", "\"hello\"", "\"call.invite\"",
  };

  for (int type = 0; type <= KITH_FRAME_LAST; type++) {
    for (int origin = 0; origin < 2; origin++) {
      if (kith_frame_type_allowed (type, origin)) {
        g_autoptr (KithFrame) frame = make_frame (type);

        g_ptr_array_add (seeds, kith_frame_to_json (frame, origin, NULL));
      }
    }
  }

  for (guint i = 0; i < iterations; i++) {
    const char *seed = g_ptr_array_index (seeds, g_test_rand_int_range (0, seeds->len));
    g_autoptr (GString) data = g_string_new (seed);
    guint n_mutations = g_test_rand_int_range (1, 5);

    for (guint m = 0; m < n_mutations; m++) {
      gsize pos = data->len ? g_test_rand_int_range (0, data->len) : 0;

      switch (g_test_rand_int_range (0, 6)) {
      case 0: /* flip a byte */
        if (data->len)
          data->str[pos] = (char) g_test_rand_int_range (1, 256);
        break;
      case 1: /* truncate */
        g_string_truncate (data, pos);
        break;
      case 2: /* delete a run */
        {
          gsize len = g_test_rand_int_range (1, 8);
          g_string_erase (data, pos, MIN (len, data->len - pos));
        }
        break;
      case 3: /* insert a token */
        g_string_insert (data, pos, tokens[g_test_rand_int_range (0, G_N_ELEMENTS (tokens))]);
        break;
      case 4: /* duplicate a run */
        {
          gsize len = g_test_rand_int_range (1, 16);
          g_autofree char *run = g_strndup (data->str + pos, MIN (len, data->len - pos));
          g_string_insert (data, pos, run);
        }
        break;
      case 5: /* printable ASCII */
      default:
        if (data->len)
          data->str[pos] = (char) g_test_rand_int_range (0x20, 0x7f);
        break;
      }
    }

    for (int origin = 0; origin < 2; origin++) {
      g_autoptr (GError) error = NULL;
      g_autoptr (KithFrame) frame = kith_frame_parse (data->str, data->len, origin, &error);

      if (frame != NULL) {
        g_autofree char *json = NULL;
        g_autoptr (KithFrame) again = NULL;
        g_autoptr (GError) again_error = NULL;

        g_assert_no_error (error);
        /* whatever parses serialises and parses again */
        json = kith_frame_to_json (frame, origin, NULL);
        again = kith_frame_parse (json, strlen (json), origin, &again_error);
        g_assert_no_error (again_error);
        g_assert_nonnull (again);
      } else {
        g_assert_nonnull (error);
        g_assert_true (error->domain == KITH_ERROR);
        g_assert_true (error->code == KITH_ERROR_INVALID_JSON ||
                       error->code == KITH_ERROR_INVALID_FIELD ||
                       error->code == KITH_ERROR_UNKNOWN_TYPE ||
                       error->code == KITH_ERROR_TOO_LONG ||
                       error->code == KITH_ERROR_PAYLOAD_TOO_LARGE);
        g_assert_true (g_utf8_validate (error->message, -1, NULL));
      }
    }

    /* bodies too */
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KithBody) body = kith_body_parse (i % (KITH_BODY_CONTACT_ADD + 1),
                                                   data->str, data->len, &error);
      g_assert_true (body != NULL || error->domain == KITH_ERROR);
    }
  }

  g_ptr_array_unref (seeds);
}

/* ---- bodies ---- */

static KithBody *
body_ok (KithBodyType  type,
         const char   *json)
{
  g_autoptr (GError) error = NULL;
  KithBody *body = kith_body_parse (type, json, strlen (json), &error);

  if (error != NULL)
    g_error ("parsing body %s failed: %s", json, error->message);

  return body;
}

static void
assert_body_error (KithBodyType  type,
                   const char   *json,
                   int           code,
                   const char   *mention)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KithBody) body = kith_body_parse (type, json, strlen (json), &error);

  if (body != NULL)
    g_error ("body %s should fail with %s", json, kith_error_code_to_string (code));
  if (error->domain != KITH_ERROR || error->code != code)
    g_error ("body %s: expected %s, got %s (%s)", json, kith_error_code_to_string (code),
             kith_error_code_to_string (error->code), error->message);
  if (mention != NULL && strstr (error->message, mention) == NULL)
    g_error ("body %s: message “%s” does not name “%s”", json, error->message, mention);
}

static void
assert_body_round_trip (const KithBody *body)
{
  g_autofree char *json = NULL;
  g_autofree char *again = NULL;
  g_autoptr (KithBody) parsed = NULL;
  g_autoptr (GError) error = NULL;
  gsize length = 0;

  json = kith_body_to_json (body, &length);
  g_assert_cmpuint (length, ==, strlen (json));
  parsed = kith_body_parse (body->type, json, length, &error);
  g_assert_no_error (error);
  again = kith_body_to_json (parsed, NULL);
  g_assert_cmpstr (again, ==, json);
}

static void
test_body_sign_up (void)
{
  g_autoptr (KithBody) body = NULL;

  body = body_ok (KITH_BODY_SIGN_UP, "{\"email\":\"ada@example.com\",\"password\":\"weak\","
                  "\"first_name\":\"  Ada \",\"last_name\":\"Lovelace\",\"extra\":1}");
  g_assert_cmpstr (body->email, ==, "ada@example.com");
  g_assert_cmpstr (body->password, ==, "weak");  /* the policy is not checked here */
  g_assert_cmpstr (body->first_name, ==, "Ada");
  g_assert_cmpstr (body->last_name, ==, "Lovelace");
  assert_body_round_trip (body);

  assert_body_error (KITH_BODY_SIGN_UP, "{\"password\":\"x\",\"first_name\":\"A\",\"last_name\":\"B\"}",
                     KITH_ERROR_INVALID_FIELD, "“email”");
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":\"a@b.co\",\"first_name\":\"A\",\"last_name\":\"B\"}",
                     KITH_ERROR_INVALID_FIELD, "“password”");
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":\"a@b.co\",\"password\":\"x\",\"last_name\":\"B\"}",
                     KITH_ERROR_INVALID_FIELD, "“first_name”");
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":\"a@b.co\",\"password\":\"x\",\"first_name\":\" \",\"last_name\":\"B\"}",
                     KITH_ERROR_INVALID_FIELD, "“first_name”");
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":\"a@b.co\",\"password\":\"x\",\"first_name\":\"A\",\"last_name\":\"\"}",
                     KITH_ERROR_INVALID_FIELD, "“last_name”");
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":\"not-an-email\",\"password\":\"x\",\"first_name\":\"A\",\"last_name\":\"B\"}",
                     KITH_ERROR_INVALID_EMAIL, NULL);
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":5,\"password\":\"x\",\"first_name\":\"A\",\"last_name\":\"B\"}",
                     KITH_ERROR_INVALID_FIELD, "“email”");
  assert_body_error (KITH_BODY_SIGN_UP, "[]", KITH_ERROR_INVALID_JSON, NULL);
  assert_body_error (KITH_BODY_SIGN_UP, "{email:1}", KITH_ERROR_INVALID_JSON, NULL);
}

static void
test_body_log_in (void)
{
  g_autoptr (KithBody) body = NULL;
  g_autoptr (KithBody) oidc = NULL;
  g_autoptr (KithBody) mobile = NULL;

  body = body_ok (KITH_BODY_LOG_IN, "{\"email\":\"ada@example.com\",\"password\":\"Password3!\"}");
  g_assert_cmpstr (body->device_name, ==, "Kith");
  g_assert_cmpint (body->device_kind, ==, KITH_DEVICE_DESKTOP);
  g_assert_true (body->present & KITH_FIELD_EMAIL);
  g_assert_true (body->present & KITH_FIELD_PASSWORD);
  g_assert_false (body->present & KITH_FIELD_OIDC);
  assert_body_round_trip (body);

  mobile = body_ok (KITH_BODY_LOG_IN, "{\"email\":\"ada@example.com\",\"password\":\"p\","
                    "\"device_name\":\"Ada's phone\",\"device_kind\":\"mobile\"}");
  g_assert_cmpstr (mobile->device_name, ==, "Ada's phone");
  g_assert_cmpint (mobile->device_kind, ==, KITH_DEVICE_MOBILE);
  assert_body_round_trip (mobile);

  oidc = body_ok (KITH_BODY_LOG_IN, "{\"oidc_code\":\"code\",\"oidc_verifier\":\"ver\","
                  "\"oidc_redirect_uri\":\"http://127.0.0.1:1234/cb\"}");
  g_assert_true (oidc->present & KITH_FIELD_OIDC);
  g_assert_cmpstr (oidc->oidc_code, ==, "code");
  g_assert_cmpstr (oidc->oidc_verifier, ==, "ver");
  g_assert_cmpstr (oidc->oidc_redirect_uri, ==, "http://127.0.0.1:1234/cb");
  g_assert_null (oidc->email);
  assert_body_round_trip (oidc);

  assert_body_error (KITH_BODY_LOG_IN, "{\"email\":\"ada@example.com\"}", KITH_ERROR_INVALID_FIELD, "“password”");
  assert_body_error (KITH_BODY_LOG_IN, "{\"password\":\"x\"}", KITH_ERROR_INVALID_FIELD, "“email”");
  assert_body_error (KITH_BODY_LOG_IN, "{}", KITH_ERROR_INVALID_FIELD, NULL);
  assert_body_error (KITH_BODY_LOG_IN, "{\"oidc_code\":\"c\"}", KITH_ERROR_INVALID_FIELD, "“oidc_verifier”");
  assert_body_error (KITH_BODY_LOG_IN, "{\"oidc_code\":\"c\",\"oidc_verifier\":\"v\",\"email\":\"a@b.co\",\"password\":\"p\"}",
                     KITH_ERROR_INVALID_FIELD, NULL);
  assert_body_error (KITH_BODY_LOG_IN, "{\"email\":\"a@b.co\",\"password\":\"p\",\"device_kind\":\"tablet\"}",
                     KITH_ERROR_INVALID_FIELD, "“device_kind”");
  assert_body_error (KITH_BODY_LOG_IN, "{\"email\":\"a@b.co\",\"password\":\"p\",\"device_name\":7}",
                     KITH_ERROR_INVALID_FIELD, "“device_name”");
  assert_body_error (KITH_BODY_LOG_IN, "{\"email\":\"a@@b.co\",\"password\":\"p\"}", KITH_ERROR_INVALID_EMAIL, NULL);
}

static void
test_body_profile_update (void)
{
  g_autoptr (KithBody) empty = NULL;
  g_autoptr (KithBody) names = NULL;
  g_autoptr (KithBody) notify = NULL;

  empty = body_ok (KITH_BODY_PROFILE_UPDATE, "{}");
  g_assert_cmpint (empty->present, ==, 0);
  assert_body_round_trip (empty);

  names = body_ok (KITH_BODY_PROFILE_UPDATE, "{\"first_name\":\" Augusta \",\"last_name\":\"King\"}");
  g_assert_cmpint (names->present, ==, KITH_FIELD_FIRST_NAME | KITH_FIELD_LAST_NAME);
  g_assert_cmpstr (names->first_name, ==, "Augusta");
  assert_body_round_trip (names);

  notify = body_ok (KITH_BODY_PROFILE_UPDATE, "{\"offline_email_notification\":false}");
  g_assert_cmpint (notify->present, ==, KITH_FIELD_OFFLINE_EMAIL_NOTIFICATION);
  g_assert_false (notify->offline_email_notification);
  assert_body_round_trip (notify);
  {
    g_autofree char *json = kith_body_to_json (notify, NULL);
    g_assert_cmpstr (json, ==, "{\"offline_email_notification\":false}");
  }

  assert_body_error (KITH_BODY_PROFILE_UPDATE, "{\"email\":\"new@example.com\"}",
                     KITH_ERROR_EMAIL_READ_ONLY, "cannot be changed");
  assert_body_error (KITH_BODY_PROFILE_UPDATE, "{\"first_name\":\"A\",\"email\":null}",
                     KITH_ERROR_EMAIL_READ_ONLY, NULL);
  assert_body_error (KITH_BODY_PROFILE_UPDATE, "{\"first_name\":\"   \"}", KITH_ERROR_INVALID_FIELD, "“first_name”");
  assert_body_error (KITH_BODY_PROFILE_UPDATE, "{\"last_name\":\"\"}", KITH_ERROR_INVALID_FIELD, "“last_name”");
  assert_body_error (KITH_BODY_PROFILE_UPDATE, "{\"last_name\":null}", KITH_ERROR_INVALID_FIELD, "“last_name”");
  assert_body_error (KITH_BODY_PROFILE_UPDATE, "{\"offline_email_notification\":\"yes\"}",
                     KITH_ERROR_INVALID_FIELD, "“offline_email_notification”");
  {
    g_autofree char *long_name = frame_with_string ("{\"first_name\":\"", KITH_MAX_NAME_BYTES + 1, "\"}");
    assert_body_error (KITH_BODY_PROFILE_UPDATE, long_name, KITH_ERROR_TOO_LONG, "“first_name”");
  }
}

static void
test_body_others (void)
{
  g_autoptr (KithBody) change = NULL;
  g_autoptr (KithBody) reset = NULL;
  g_autoptr (KithBody) confirm = NULL;
  g_autoptr (KithBody) del = NULL;
  g_autoptr (KithBody) add = NULL;

  change = body_ok (KITH_BODY_PASSWORD_CHANGE, "{\"current_password\":\"old\",\"new_password\":\"New1!pass\"}");
  g_assert_cmpstr (change->current_password, ==, "old");
  g_assert_cmpstr (change->new_password, ==, "New1!pass");
  assert_body_round_trip (change);
  assert_body_error (KITH_BODY_PASSWORD_CHANGE, "{\"current_password\":\"old\"}", KITH_ERROR_INVALID_FIELD, "“new_password”");
  {
    g_autofree char *long_pw = frame_with_string ("{\"current_password\":\"x\",\"new_password\":\"",
                                                  KITH_PASSWORD_MAX_BYTES + 1, "\"}");
    assert_body_error (KITH_BODY_PASSWORD_CHANGE, long_pw, KITH_ERROR_TOO_LONG, "“new_password”");
  }

  reset = body_ok (KITH_BODY_RESET_REQUEST, "{\"email\":\"ada@example.com\"}");
  g_assert_cmpstr (reset->email, ==, "ada@example.com");
  assert_body_round_trip (reset);
  assert_body_error (KITH_BODY_RESET_REQUEST, "{\"email\":\"ada@localhost\"}", KITH_ERROR_INVALID_EMAIL, NULL);

  confirm = body_ok (KITH_BODY_RESET_CONFIRM, "{\"token\":\"t0k\",\"password\":\"Abcdef1!\"}");
  g_assert_cmpstr (confirm->token, ==, "t0k");
  assert_body_round_trip (confirm);
  assert_body_error (KITH_BODY_RESET_CONFIRM, "{\"token\":\"\",\"password\":\"x\"}", KITH_ERROR_INVALID_FIELD, "“token”");

  del = body_ok (KITH_BODY_DELETE_ACCOUNT, "{\"confirm_email\":\"whatever typed\"}");
  g_assert_cmpstr (del->confirm_email, ==, "whatever typed");
  assert_body_round_trip (del);
  assert_body_error (KITH_BODY_DELETE_ACCOUNT, "{}", KITH_ERROR_INVALID_FIELD, "“confirm_email”");

  add = body_ok (KITH_BODY_CONTACT_ADD, "{\"email\":\"bob@example.org\"}");
  g_assert_cmpstr (add->email, ==, "bob@example.org");
  assert_body_round_trip (add);
  assert_body_error (KITH_BODY_CONTACT_ADD, "{\"email\":\"bob\"}", KITH_ERROR_INVALID_EMAIL, NULL);
}

static void
test_body_oversize (void)
{
  g_autoptr (GString) json = g_string_new ("{\"email\":\"a@b.co\"");
  g_autoptr (GError) error = NULL;
  g_autoptr (KithBody) body = NULL;

  while (json->len < KITH_MAX_BODY_BYTES - 1)
    g_string_append_c (json, ' ');
  g_string_append_c (json, '}');
  body = kith_body_parse (KITH_BODY_CONTACT_ADD, json->str, json->len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (body);
  g_clear_pointer (&body, kith_body_free);

  g_string_append_c (json, ' ');
  body = kith_body_parse (KITH_BODY_CONTACT_ADD, json->str, json->len, &error);
  g_assert_error (error, KITH_ERROR, KITH_ERROR_PAYLOAD_TOO_LARGE);
  g_assert_null (body);
}

static void
test_email_valid (void)
{
  static const struct {
    const char *email;
    gboolean    valid;
  } table[] = {
    { "ada@example.com", TRUE },
    { "a.b+tag@sub.example.co.uk", TRUE },
    { "ünï@exämple.de", TRUE },
    { "x@y.z", TRUE },
    { "", FALSE },
    { "ada", FALSE },
    { "@example.com", FALSE },
    { "ada@", FALSE },
    { "ada@localhost", FALSE },
    { "ada@@example.com", FALSE },
    { "ada@exa@mple.com", FALSE },
    { "ada lovelace@example.com", FALSE },
    { "ada@example.com ", FALSE },
    { "ada@example .com", FALSE },
    { "ada\t@example.com", FALSE },
    { "ada@.com", FALSE },
    { "ada@example.", FALSE },
    { "ada@example..com", FALSE },
    { "ada@ex\xffmple.com", FALSE },
    { "ada@example.com\r\nBcc: evil@example.com", FALSE },
    { "ada\xc2\x85@example.com", FALSE },       /* C1 */
    { "ada@example.com\xe2\x80\xa8", FALSE },   /* U+2028 */
    { "ada\x7f@example.com", FALSE },
  };
  g_autoptr (GString) long_email = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (table); i++) {
    if (kith_email_is_valid (table[i].email) != table[i].valid)
      g_error ("“%s” should be %s", table[i].email, table[i].valid ? "valid" : "invalid");
  }
  g_assert_false (kith_email_is_valid (NULL));

  while (long_email->len < KITH_MAX_EMAIL_BYTES - strlen ("@example.com"))
    g_string_append_c (long_email, 'a');
  g_string_append (long_email, "@example.com");
  g_assert_cmpuint (long_email->len, ==, KITH_MAX_EMAIL_BYTES);
  g_assert_true (kith_email_is_valid (long_email->str));
  g_string_prepend_c (long_email, 'a');
  g_assert_false (kith_email_is_valid (long_email->str));
}

static void
test_body_nul (void)
{
  /* a password cut at the NUL would match on its prefix */
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":\"ada@example.com\",\"password\":\"Secret#123\\u0000tail\","
                     "\"first_name\":\"Ada\",\"last_name\":\"L\"}", KITH_ERROR_INVALID_FIELD, "“password”");
  assert_body_error (KITH_BODY_LOG_IN, "{\"email\":\"ada@example.com\",\"password\":\"Secret#123\\u0000\"}",
                     KITH_ERROR_INVALID_FIELD, "“password”");
  assert_body_error (KITH_BODY_LOG_IN, "{\"email\":\"ada@example.com\\u0000.evil\",\"password\":\"p\"}",
                     KITH_ERROR_INVALID_FIELD, "“email”");
  assert_body_error (KITH_BODY_PASSWORD_CHANGE, "{\"current_password\":\"a\\u0000\",\"new_password\":\"b\"}",
                     KITH_ERROR_INVALID_FIELD, "“current_password”");
  assert_body_error (KITH_BODY_RESET_CONFIRM, "{\"token\":\"t\\u0000\",\"password\":\"p\"}",
                     KITH_ERROR_INVALID_FIELD, "“token”");
  assert_body_error (KITH_BODY_PROFILE_UPDATE, "{\"first_name\":\"Ada\\u0000Evil\"}",
                     KITH_ERROR_INVALID_FIELD, "“first_name”");
  assert_body_error (KITH_BODY_DELETE_ACCOUNT, "{\"confirm_email\":\"a@b.co\\u0000\"}",
                     KITH_ERROR_INVALID_FIELD, "“confirm_email”");
  assert_body_error (KITH_BODY_CONTACT_ADD, "{\"email\":\"bob@example.org\",\"note\":\"\\u0000\"}",
                     KITH_ERROR_INVALID_FIELD, "“note”");
}

static void
test_response_nul (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  g_autoptr (KithUserInfo) user = NULL;
  g_autofree char *token = NULL;
  KithErrorCode code;
  g_autofree char *message = NULL;
  const char *history = "{\"messages\":[{\"seq\":1,\"id\":\"a\",\"from\":1,\"to\":2,\"body\":\"ok\",\"sent_at\":1},"
                        "{\"seq\":2,\"id\":\"b\",\"from\":1,\"to\":2,\"body\":\"cut\\u0000here\",\"sent_at\":1}]}";
  const char *session = "{\"token\":\"t\",\"user\":{\"id\":1,\"email\":\"a@b.co\",\"first_name\":\"A\","
                        "\"last_name\":\"B\\u0000\"}}";
  const char *error_body = "{\"error\":{\"code\":\"internal\",\"message\":\"x\\u0000\"}}";

  messages = kith_response_parse_messages (history, strlen (history), &error);
  g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD);
  g_assert_nonnull (strstr (error->message, "“messages[1].body”"));
  g_assert_null (messages);
  g_clear_error (&error);

  g_assert_false (kith_response_parse_session (session, strlen (session), &token, &user, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD);
  g_assert_nonnull (strstr (error->message, "“user.last_name”"));
  g_assert_null (token);
  g_assert_null (user);

  g_assert_false (kith_response_parse_error (error_body, strlen (error_body), &code, &message));
}

/* Names and emails go into mails and onto other people's screens: no
 * line breaks or other control characters. */
static void
test_control_characters (void)
{
  static const struct {
    const char *text;
    gboolean    control;
  } table[] = {
    { "Ada Lovelace", FALSE },
    { "Zoë O’Brien-Łukasiewicz 日本 😀", FALSE },
    { "\xc2\xa0non-breaking space, \xc2\xa9 and \xe2\x80\xa7 are not controls", FALSE },
    { "", FALSE },
    { "line\nfeed", TRUE },
    { "carriage\rreturn", TRUE },
    { "tab\t", TRUE },
    { "\x01", TRUE },
    { "\x1f", TRUE },
    { "del\x7f", TRUE },
    { "c1 \xc2\x80", TRUE },
    { "c1 \xc2\x85", TRUE },
    { "c1 \xc2\x9f", TRUE },
    { "line separator \xe2\x80\xa8", TRUE },
    { "paragraph separator \xe2\x80\xa9", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++) {
    g_autoptr (GError) error = NULL;

    if (kith_text_has_control (table[i].text) != table[i].control)
      g_error ("“%s”: expected %s", table[i].text, table[i].control ? "a control" : "none");
    g_assert_true (kith_name_check ("first_name", table[i].text, &error) == !table[i].control);
    if (table[i].control) {
      g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD);
      g_assert_nonnull (strstr (error->message, "“first_name”"));
      g_assert_nonnull (strstr (error->message, "control characters"));
    }
  }

  /* every body with a name checks it, before trimming */
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":\"a@b.co\",\"password\":\"x\","
                     "\"first_name\":\"Eve\\r\\nBcc: evil@example.com\",\"last_name\":\"B\"}",
                     KITH_ERROR_INVALID_FIELD, "“first_name”");
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":\"a@b.co\",\"password\":\"x\","
                     "\"first_name\":\"Eve\",\"last_name\":\"B\\n\"}",
                     KITH_ERROR_INVALID_FIELD, "“last_name”");
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":\"a@b.co\",\"password\":\"x\","
                     "\"first_name\":\"Eve\\u2028\",\"last_name\":\"B\"}",
                     KITH_ERROR_INVALID_FIELD, "control characters");
  assert_body_error (KITH_BODY_PROFILE_UPDATE, "{\"first_name\":\"Eve\\u0085\"}",
                     KITH_ERROR_INVALID_FIELD, "“first_name”");
  assert_body_error (KITH_BODY_PROFILE_UPDATE, "{\"last_name\":\"\\tEve\"}",
                     KITH_ERROR_INVALID_FIELD, "“last_name”");
  assert_body_error (KITH_BODY_LOG_IN, "{\"email\":\"a@b.co\",\"password\":\"p\",\"device_name\":\"Phone\\u007f\"}",
                     KITH_ERROR_INVALID_FIELD, "“device_name”");
  /* emails: invalid_email, saying why */
  assert_body_error (KITH_BODY_SIGN_UP, "{\"email\":\"a@b.co\\u0085\",\"password\":\"x\","
                     "\"first_name\":\"A\",\"last_name\":\"B\"}",
                     KITH_ERROR_INVALID_EMAIL, "control characters");
  assert_body_error (KITH_BODY_CONTACT_ADD, "{\"email\":\"bob@example.org\\r\\nBcc: evil@example.com\"}",
                     KITH_ERROR_INVALID_EMAIL, "control characters");
  assert_body_error (KITH_BODY_RESET_REQUEST, "{\"email\":\"bob@exa\\u2029mple.org\"}",
                     KITH_ERROR_INVALID_EMAIL, "control characters");
  assert_body_error (KITH_BODY_LOG_IN, "{\"email\":\"bob@example.org\\t\",\"password\":\"p\"}",
                     KITH_ERROR_INVALID_EMAIL, "control characters");
  assert_body_error (KITH_BODY_CONTACT_ADD, "{\"email\":\"bob\"}", KITH_ERROR_INVALID_EMAIL, "does not look like");
}

/* ---- responses ---- */

static void
test_response_error (void)
{
  for (int code = 0; code <= KITH_ERROR_LAST; code++) {
    g_autofree char *json = NULL;
    g_autofree char *message = NULL;
    KithErrorCode parsed = -1;
    gsize length = 0;

    json = kith_response_error (code, "Something \"went\" wrong.", &length);
    g_assert_cmpuint (length, ==, strlen (json));
    g_assert_true (kith_response_parse_error (json, length, &parsed, &message));
    g_assert_cmpint (parsed, ==, code);
    g_assert_cmpstr (message, ==, "Something \"went\" wrong.");
  }

  {
    g_autofree char *json = kith_response_error (KITH_ERROR_EMAIL_TAKEN, "Taken.", NULL);
    g_assert_cmpstr (json, ==, "{\"error\":{\"code\":\"email_taken\",\"message\":\"Taken.\"}}");
  }

  {
    const char *newer = "{\"error\":{\"code\":\"future_thing\",\"message\":\"m\"}}";
    KithErrorCode code = -1;

    g_assert_true (kith_response_parse_error (newer, strlen (newer), &code, NULL));
    g_assert_cmpint (code, ==, KITH_ERROR_INTERNAL);
  }

  {
    static const char * const not_errors[] = {
      "", "{}", "[]", "not json", "{\"error\":\"x\"}", "{\"error\":{}}", "{\"error\":{\"code\":5}}",
      "{\"token\":\"t\"}",
    };
    for (guint i = 0; i < G_N_ELEMENTS (not_errors); i++) {
      KithErrorCode code;
      char *message = NULL;

      g_assert_false (kith_response_parse_error (not_errors[i], strlen (not_errors[i]), &code, &message));
      g_assert_null (message);
    }
  }
}

static void
test_response_session_user (void)
{
  g_autoptr (KithUserInfo) user = make_user (12, TRUE);
  g_autoptr (KithUserInfo) parsed_user = NULL;
  g_autoptr (KithUserInfo) me = NULL;
  g_autoptr (KithUserInfo) copy = NULL;
  g_autoptr (KithUserInfo) from_node = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *token = NULL;
  g_autofree char *user_json = NULL;
  gsize length = 0;

  json = kith_response_session ("secret-token", user, &length);
  g_assert_true (kith_response_parse_session (json, length, &token, &parsed_user, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, "secret-token");
  assert_user_equal (user, parsed_user);

  user_json = kith_response_user (user, &length);
  me = kith_response_parse_user (user_json, length, &error);
  g_assert_no_error (error);
  assert_user_equal (user, me);

  copy = kith_user_info_copy (user);
  assert_user_equal (user, copy);

  node = kith_user_info_to_node (user);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "id"), ==, 12);
  from_node = kith_user_info_from_node (node, &error);
  g_assert_no_error (error);
  assert_user_equal (user, from_node);

  /* someone else's record carries no settings */
  {
    g_autoptr (KithUserInfo) other = make_user (13, FALSE);
    g_autofree char *other_json = NULL;

    other->plan = g_strdup ("paid");
    other_json = kith_response_user (other, NULL);
    g_assert_null (strstr (other_json, "plan"));
    g_assert_null (strstr (other_json, "offline_email_notification"));
  }

  {
    const char *bad = "{\"token\":\"\",\"user\":{\"id\":1,\"email\":\"a@b.c\",\"first_name\":\"A\",\"last_name\":\"B\"}}";
    char *t = NULL;
    KithUserInfo *u = NULL;

    g_assert_false (kith_response_parse_session (bad, strlen (bad), &t, &u, &error));
    g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD);
    g_assert_null (t);
    g_assert_null (u);
    g_clear_error (&error);

    g_assert_null (kith_response_parse_user ("{\"id\":0}", 8, &error));
    g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD);
  }
}

static void
test_response_contacts (void)
{
  g_autoptr (GPtrArray) contacts = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_contact_info_free);
  g_autoptr (GPtrArray) parsed = NULL;
  g_autoptr (GPtrArray) none = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *empty = NULL;
  gsize length = 0;

  for (int i = 0; i < 3; i++) {
    KithContactInfo *contact = kith_contact_info_new ();

    contact->user = make_user (20 + i, FALSE);
    contact->state = (KithContactState) i;
    contact->presence = i == 0 ? KITH_PRESENCE_BUSY : KITH_PRESENCE_OFFLINE;
    g_ptr_array_add (contacts, contact);
  }

  json = kith_response_contacts (contacts, &length);
  parsed = kith_response_parse_contacts (json, length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parsed->len, ==, 3);
  for (guint i = 0; i < 3; i++) {
    KithContactInfo *a = g_ptr_array_index (contacts, i);
    KithContactInfo *b = g_ptr_array_index (parsed, i);

    assert_user_equal (a->user, b->user);
    g_assert_cmpint (a->state, ==, b->state);
    g_assert_cmpint (a->presence, ==, b->presence);
  }

  empty = kith_response_contacts (NULL, &length);
  g_assert_cmpstr (empty, ==, "{\"contacts\":[]}");
  none = kith_response_parse_contacts (empty, length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);

  {
    static const struct {
      const char *json;
      const char *mention;
    } bad[] = {
      { "{}", "contacts" },
      { "{\"contacts\":{}}", "contacts" },
      { "{\"contacts\":[1]}", "contacts[0]" },
      { "{\"contacts\":[{\"state\":\"accepted\",\"presence\":\"online\"}]}", "contacts[0].user" },
      { "{\"contacts\":[{\"user\":{\"id\":1,\"email\":\"a@b.c\",\"first_name\":\"A\",\"last_name\":\"B\"},"
        "\"state\":\"friend\",\"presence\":\"online\"}]}", "contacts[0].state" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
      g_autoptr (GPtrArray) result = kith_response_parse_contacts (bad[i].json, strlen (bad[i].json), &error);

      g_assert_null (result);
      g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD);
      g_assert_nonnull (strstr (error->message, bad[i].mention));
      g_clear_error (&error);
    }
  }
}

static void
test_response_messages (void)
{
  g_autoptr (GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_message_info_free);
  g_autoptr (GPtrArray) parsed = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;
  gsize length = 0;

  for (int i = 0; i < 5; i++) {
    KithMessageInfo *message = kith_message_info_new ();

    message->seq = 100 + i;
    message->id = g_strdup_printf ("client-%d", i);
    message->from = i % 2 ? 7 : 9;
    message->to = i % 2 ? 9 : 7;
    message->body = g_strdup_printf ("message %d: \"quoted\"\n", i);
    message->sent_at = G_GINT64_CONSTANT (1700000000000) + i;
    g_ptr_array_add (messages, message);
  }

  json = kith_response_messages (messages, &length);
  parsed = kith_response_parse_messages (json, length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (parsed->len, ==, messages->len);
  for (guint i = 0; i < parsed->len; i++) {
    KithMessageInfo *a = g_ptr_array_index (messages, i);
    g_autoptr (KithMessageInfo) b = kith_message_info_copy (g_ptr_array_index (parsed, i));

    g_assert_cmpint (a->seq, ==, b->seq);
    g_assert_cmpstr (a->id, ==, b->id);
    g_assert_cmpint (a->from, ==, b->from);
    g_assert_cmpint (a->to, ==, b->to);
    g_assert_cmpstr (a->body, ==, b->body);
    g_assert_cmpint (a->sent_at, ==, b->sent_at);
  }

  {
    const char *bad = "{\"messages\":[{\"seq\":1,\"id\":\"a\",\"from\":1,\"to\":2,\"body\":\"b\",\"sent_at\":1.5}]}";
    g_autoptr (GPtrArray) result = kith_response_parse_messages (bad, strlen (bad), &error);

    g_assert_null (result);
    g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD);
    g_assert_nonnull (strstr (error->message, "messages[0].sent_at"));
  }
}

static void
test_response_server_info (void)
{
  g_autoptr (KithServerInfo) info = kith_server_info_new ();
  g_autoptr (KithServerInfo) parsed = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;
  const char *flows[] = { "password", "oidc:google", NULL };
  JsonObject *policy;
  gsize length = 0;

  g_assert_cmpint (info->protocol, ==, KITH_PROTOCOL_VERSION);
  g_assert_cmpint (info->password_min_length, ==, KITH_PASSWORD_MIN_LENGTH);
  info->name = g_strdup ("kithd");
  info->version = g_strdup ("0.1.0");
  info->login_flows = g_strdupv ((char **) flows);

  json = kith_response_server_info (info, &length);
  node = json_from_string (json, &error);
  g_assert_no_error (error);
  policy = json_object_get_object_member (json_node_get_object (node), "password_policy");
  g_assert_cmpint (json_object_get_int_member (policy, "min_length"), ==, 8);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (policy, "rules")), ==, 5);

  parsed = kith_response_parse_server_info (json, length, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (parsed->name, ==, "kithd");
  g_assert_cmpstr (parsed->version, ==, "0.1.0");
  g_assert_cmpint (parsed->protocol, ==, 1);
  g_assert_cmpint (parsed->password_min_length, ==, 8);
  g_assert_cmpstrv (parsed->login_flows, flows);

  {
    const char *bad = "{\"name\":\"k\",\"version\":\"1\",\"protocol\":1,\"login_flows\":[\"password\",3]}";
    g_autoptr (KithServerInfo) result = kith_response_parse_server_info (bad, strlen (bad), &error);

    g_assert_null (result);
    g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD);
    g_assert_nonnull (strstr (error->message, "login_flows"));
  }
}

static void
test_contact_state_strings (void)
{
  static const char * const names[] = { "accepted", "incoming", "outgoing" };
  KithContactState state;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    g_assert_cmpstr (kith_contact_state_to_string (i), ==, names[i]);
    g_assert_true (kith_contact_state_from_string (names[i], &state));
    g_assert_cmpint (state, ==, i);
  }
  g_assert_false (kith_contact_state_from_string ("pending", &state));
  g_assert_false (kith_contact_state_from_string (NULL, &state));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/protocol/frame/type-names", test_frame_type_names);
  g_test_add_func ("/protocol/frame/round-trip", test_frame_round_trip);
  g_test_add_func ("/protocol/frame/fields", test_frame_fields);
  g_test_add_func ("/protocol/frame/errors", test_frame_errors);
  g_test_add_func ("/protocol/frame/unknown-members", test_frame_unknown_members);
  g_test_add_func ("/protocol/frame/peek-ref", test_frame_peek_ref);
  g_test_add_func ("/protocol/frame/json-syntax", test_frame_json_syntax);
  g_test_add_func ("/protocol/frame/limits", test_frame_limits);
  g_test_add_func ("/protocol/frame/oversize", test_frame_oversize);
  g_test_add_func ("/protocol/frame/escaping", test_frame_escaping);
  g_test_add_func ("/protocol/frame/nul", test_frame_nul);
  g_test_add_func ("/protocol/frame/fuzz", test_frame_fuzz);
  g_test_add_func ("/protocol/body/sign-up", test_body_sign_up);
  g_test_add_func ("/protocol/body/log-in", test_body_log_in);
  g_test_add_func ("/protocol/body/profile-update", test_body_profile_update);
  g_test_add_func ("/protocol/body/others", test_body_others);
  g_test_add_func ("/protocol/body/oversize", test_body_oversize);
  g_test_add_func ("/protocol/body/nul", test_body_nul);
  g_test_add_func ("/protocol/email", test_email_valid);
  g_test_add_func ("/protocol/control-characters", test_control_characters);
  g_test_add_func ("/protocol/response/error", test_response_error);
  g_test_add_func ("/protocol/response/session-user", test_response_session_user);
  g_test_add_func ("/protocol/response/contacts", test_response_contacts);
  g_test_add_func ("/protocol/response/messages", test_response_messages);
  g_test_add_func ("/protocol/response/server-info", test_response_server_info);
  g_test_add_func ("/protocol/response/nul", test_response_nul);
  g_test_add_func ("/protocol/contact-state", test_contact_state_strings);

  return g_test_run ();
}
