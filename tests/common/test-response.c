/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestResponse"

#include "config.h"

#include <string.h>

#include "kith-password-policy.h"
#include "kith-protocol.h"
#include "protocol-test-util.h"

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
  g_ptr_array_add (info->oidc_providers, kith_oidc_provider_info_new ("google", "Google"));

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
  g_assert_cmpuint (parsed->oidc_providers->len, ==, 1);
  g_assert_cmpstr (((KithOidcProviderInfo *) parsed->oidc_providers->pdata[0])->id, ==, "google");
  g_assert_cmpstr (((KithOidcProviderInfo *) parsed->oidc_providers->pdata[0])->name, ==, "Google");

  {
    const char *bad = "{\"name\":\"k\",\"version\":\"1\",\"protocol\":1,\"login_flows\":[],"
                      "\"oidc_providers\":[{\"id\":\"google\"}]}";
    g_autoptr (KithServerInfo) result = kith_response_parse_server_info (bad, strlen (bad), &error);

    g_assert_null (result);
    g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD);
    g_assert_nonnull (strstr (error->message, "oidc_providers[0]"));
    g_clear_error (&error);
  }

  {
    const char *bad = "{\"name\":\"k\",\"version\":\"1\",\"protocol\":1,\"login_flows\":[\"password\",3]}";
    g_autoptr (KithServerInfo) result = kith_response_parse_server_info (bad, strlen (bad), &error);

    g_assert_null (result);
    g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD);
    g_assert_nonnull (strstr (error->message, "login_flows"));
  }
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/response/error", test_response_error);
  g_test_add_func ("/response/session-user", test_response_session_user);
  g_test_add_func ("/response/contacts", test_response_contacts);
  g_test_add_func ("/response/messages", test_response_messages);
  g_test_add_func ("/response/server-info", test_response_server_info);
  g_test_add_func ("/response/nul", test_response_nul);

  return g_test_run ();
}
