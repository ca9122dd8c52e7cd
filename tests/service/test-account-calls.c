/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestAccountCalls"

#include "config.h"

#include "kith-account-calls.h"
#include "kith-service-types.h"
#include "service-test-util.h"

static KithdTestServer *server;

static gboolean
finish (KithAccountCalls  *calls,
        GAsyncResult     **slot,
        GError           **error)
{
  g_autoptr (GAsyncResult) result = g_object_ref (svc_test_wait_result (slot));

  g_clear_object (slot);
  return kith_account_calls_finish (calls, result, error);
}

static KithUser *
user_of (const KithdTestUser *test_user)
{
  g_autoptr (KithUserInfo) info = kith_user_info_new ();

  info->id = test_user->id;
  info->email = g_strdup (test_user->email);
  return kith_user_new (info);
}

/* Without a REST client, or signed out, a call says why at once. */
static void
test_refused (void)
{
  g_autoptr (KithAccountCalls) calls = kith_account_calls_new ();
  g_autoptr (KithApiClient) api = svc_test_api_new (server, NULL);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  kith_account_calls_request_password_reset_async (calls, "ada@example.com", NULL,
                                                   svc_test_store_result, &result);
  g_assert_false (finish (calls, &result, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NETWORK);
  g_clear_error (&error);

  kith_account_calls_attach (calls, NULL, api);
  kith_account_calls_change_password_async (calls, PASSWORD, "N3w-Password!", NULL,
                                            svc_test_store_result, &result);
  g_assert_false (finish (calls, &result, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_UNAUTHORIZED);
  g_clear_error (&error);

  /* Asking for a reset link needs nobody signed in. */
  kith_account_calls_request_password_reset_async (calls, "nobody@example.com", NULL,
                                                   svc_test_store_result, &result);
  g_assert_true (finish (calls, &result, &error));
  g_assert_no_error (error);
}

static void
test_server_info (void)
{
  g_autoptr (KithAccountCalls) calls = kith_account_calls_new ();
  g_autoptr (KithApiClient) api = svc_test_api_new (server, NULL);
  g_autoptr (KithServerInfo) info = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  kith_account_calls_attach (calls, NULL, api);
  kith_account_calls_server_info_async (calls, NULL, svc_test_store_result, &result);
  info = kith_account_calls_server_info_finish (calls, svc_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);
  g_assert_cmpint (info->protocol, ==, KITH_PROTOCOL_VERSION);
  g_assert_true (g_strv_contains ((const char * const *) info->login_flows, "password"));
}

/* KithServerInfo as a boxed type (a GValue, a property) copies all of it,
 * the ICE servers too, each its own copy. */
static void
test_server_info_copy (void)
{
  g_autoptr (KithServerInfo) info = kith_server_info_new ();
  g_autoptr (KithServerInfo) copy = NULL;
  KithIceServer *stun = kith_ice_server_new ();
  KithIceServer *turn = kith_ice_server_new ();
  const KithIceServer *copied;
  const char *stun_urls[] = { "stun:stun.example.com:3478", NULL };
  const char *turn_urls[] = { "turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349", NULL };

  info->name = g_strdup ("kithd");
  info->protocol = KITH_PROTOCOL_VERSION;
  stun->urls = g_strdupv ((char **) stun_urls);
  turn->urls = g_strdupv ((char **) turn_urls);
  turn->username = g_strdup ("1700000000:ada");
  turn->credential = g_strdup ("c2VjcmV0");
  g_ptr_array_add (info->ice_servers, stun);
  g_ptr_array_add (info->ice_servers, turn);

  copy = g_boxed_copy (KITH_TYPE_SERVER_INFO, info);
  g_assert_cmpstr (copy->name, ==, "kithd");
  g_assert_cmpint (copy->protocol, ==, KITH_PROTOCOL_VERSION);
  g_assert_nonnull (copy->ice_servers);
  g_assert_cmpuint (copy->ice_servers->len, ==, 2);
  copied = g_ptr_array_index (copy->ice_servers, 0);
  g_assert_true (copied != stun);
  g_assert_cmpstrv (copied->urls, stun_urls);
  g_assert_null (copied->username);
  g_assert_null (copied->credential);
  copied = g_ptr_array_index (copy->ice_servers, 1);
  g_assert_cmpstrv (copied->urls, turn_urls);
  g_assert_cmpstr (copied->username, ==, "1700000000:ada");
  g_assert_cmpstr (copied->credential, ==, "c2VjcmV0");

  /* The copy outlives the original. */
  g_clear_pointer (&info, kith_server_info_free);
  g_assert_cmpstr (copied->urls[1], ==, "turns:turn.example.com:5349");
}

/* The profile: kithd's answer is the user's new properties. */
static void
test_profile_and_password (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_sign_up (server, "ada@example.com", PASSWORD, "Ada", "Tester");
  g_autoptr (KithAccountCalls) calls = kith_account_calls_new ();
  g_autoptr (KithApiClient) api = svc_test_api_new (server, ada->token);
  g_autoptr (KithUser) user = user_of (ada);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  kith_account_calls_attach (calls, user, api);
  kith_account_calls_update_profile_async (calls, "Ada", "Lovelace", TRUE, NULL,
                                           svc_test_store_result, &result);
  g_assert_true (finish (calls, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (kith_user_get_display_name (user), ==, "Ada Lovelace");
  g_assert_true (kith_user_get_offline_email_notification (user));

  kith_account_calls_change_password_async (calls, "Wr0ng-Password!", "N3w-Password!", NULL,
                                            svc_test_store_result, &result);
  g_assert_false (finish (calls, &result, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_CREDENTIALS);
  g_clear_error (&error);

  kith_account_calls_change_password_async (calls, PASSWORD, "N3w-Password!", NULL,
                                            svc_test_store_result, &result);
  g_assert_true (finish (calls, &result, &error));
  g_assert_no_error (error);
  g_free (kithd_test_server_log_in (server, ada->email, "N3w-Password!", "desktop"));
}

static void
test_delete_account (void)
{
  g_autoptr (KithdTestUser) bob = kithd_test_server_sign_up (server, "bob@example.com", PASSWORD, "Bob", "Tester");
  g_autoptr (KithAccountCalls) calls = kith_account_calls_new ();
  g_autoptr (KithApiClient) api = svc_test_api_new (server, bob->token);
  g_autoptr (KithUser) user = user_of (bob);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  kith_account_calls_attach (calls, user, api);
  kith_account_calls_delete_account_async (calls, "someone@example.com", NULL,
                                           svc_test_store_result, &result);
  g_assert_false (finish (calls, &result, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_CONFIRMATION_MISMATCH);
  g_clear_error (&error);

  kith_account_calls_delete_account_async (calls, bob->email, NULL, svc_test_store_result, &result);
  g_assert_true (finish (calls, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (kithd_test_server_request (server, "GET", "/api/v1/me", bob->token,
                                               NULL, NULL, NULL), ==, 401);
}

int
main (int   argc,
      char *argv[])
{
  svc_test_init (&argc, &argv);

  g_test_add_func ("/account-calls/refused", test_refused);
  g_test_add_func ("/account-calls/server-info", test_server_info);
  g_test_add_func ("/account-calls/server-info-copy", test_server_info_copy);
  g_test_add_func ("/account-calls/profile-and-password", test_profile_and_password);
  g_test_add_func ("/account-calls/delete-account", test_delete_account);

  server = svc_test_server_start ();
  return svc_test_run (server);
}
