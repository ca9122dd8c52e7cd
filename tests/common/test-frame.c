/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestFrame"

#include "config.h"

#include <string.h>

#include "kith-protocol.h"
#include "protocol-test-util.h"

#define C KITH_ORIGIN_CLIENT
#define S KITH_ORIGIN_SERVER

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

  /* A long member name with a \u0000: the error names it cut short, so
   * that kithd's error frame stays within what a client takes (1,024 bytes
   * of message; the whole name made it 3 kB, found by fuzz-frame). */
  {
    g_autoptr (GString) json = g_string_new ("{\"type\":\"ping\",\"");
    g_autoptr (GError) error = NULL;
    g_autoptr (KithFrame) frame = NULL;

    for (guint i = 0; i < 500; i++)
      g_string_append (json, "abab");
    g_string_append (json, "\\u0000\":1}");
    frame = kith_frame_parse (json->str, json->len, C, &error);
    g_assert_null (frame);
    g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD);
    g_assert_nonnull (strstr (error->message, "“abab"));
    g_assert_nonnull (strstr (error->message, "…”"));
    g_assert_cmpuint (strlen (error->message), <=, 200);
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/frame/type-names", test_frame_type_names);
  g_test_add_func ("/frame/round-trip", test_frame_round_trip);
  g_test_add_func ("/frame/fields", test_frame_fields);
  g_test_add_func ("/frame/errors", test_frame_errors);
  g_test_add_func ("/frame/unknown-members", test_frame_unknown_members);
  g_test_add_func ("/frame/peek-ref", test_frame_peek_ref);
  g_test_add_func ("/frame/json-syntax", test_frame_json_syntax);
  g_test_add_func ("/frame/limits", test_frame_limits);
  g_test_add_func ("/frame/oversize", test_frame_oversize);
  g_test_add_func ("/frame/escaping", test_frame_escaping);
  g_test_add_func ("/frame/nul", test_frame_nul);
  g_test_add_func ("/frame/fuzz", test_frame_fuzz);

  return g_test_run ();
}
