/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestAccountCalls"

#include "config.h"

#include "kith-account-calls.h"
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
  g_test_add_func ("/account-calls/profile-and-password", test_profile_and_password);
  g_test_add_func ("/account-calls/delete-account", test_delete_account);

  server = svc_test_server_start ();
  return svc_test_run (server);
}
