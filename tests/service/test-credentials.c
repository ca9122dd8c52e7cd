/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestCredentials"

#include "config.h"

#include <string.h>

#include "kith-credentials.h"
#include "kith-error.h"
#include "service-test-util.h"

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  g_assert_true (kithd_test_wait_until (is_set, slot, 20000));
  return *slot;
}

static gboolean
lookup (KithCredentials  *credentials,
        const char       *server,
        const char       *email,
        char            **found_email,
        char            **token)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  gboolean found;

  kith_credentials_lookup_async (credentials, server, email, NULL, store_result, &result);
  found = kith_credentials_lookup_finish (credentials, wait_result (&result), found_email, token, &error);
  g_assert_no_error (error);
  return found;
}

/* The token is stored per (server, email), found again, and removed. */
static void
test_store_lookup_clear (void)
{
  g_autoptr (KithCredentials) credentials = kith_credentials_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GAsyncResult) result2 = NULL;
  g_autoptr (GAsyncResult) result3 = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *email = NULL;
  g_autofree char *token = NULL;
  const char *server = "http://keyring-test.invalid:1";

  if (!svc_test_require_keyring ())
    return;

  g_assert_false (lookup (credentials, server, NULL, NULL, NULL));

  kith_credentials_store_async (credentials, server, "ada@example.com", "tok-ada", NULL,
                                store_result, &result);
  g_assert_true (kith_credentials_store_finish (credentials, wait_result (&result), &error));
  g_assert_no_error (error);
  kith_credentials_store_async (credentials, "http://other.invalid", "ada@example.com", "tok-other",
                                NULL, store_result, &result2);
  g_assert_true (kith_credentials_store_finish (credentials, wait_result (&result2), &error));

  g_assert_true (lookup (credentials, server, NULL, &email, &token));
  g_assert_cmpstr (email, ==, "ada@example.com");
  g_assert_cmpstr (token, ==, "tok-ada");
  g_clear_pointer (&token, g_free);
  g_assert_true (lookup (credentials, server, "ada@example.com", NULL, &token));
  g_assert_cmpstr (token, ==, "tok-ada");
  g_assert_false (lookup (credentials, server, "bob@example.com", NULL, NULL));

  kith_credentials_clear_async (credentials, server, "ada@example.com", NULL, store_result, &result3);
  g_assert_true (kith_credentials_clear_finish (credentials, wait_result (&result3), &error));
  g_assert_false (lookup (credentials, server, NULL, NULL, NULL));
  /* The other server's entry is untouched. */
  g_assert_true (lookup (credentials, "http://other.invalid", NULL, NULL, NULL));
}

/* The caller's strings may be gone as soon as lookup_async returns:
 * libsecret reads the attributes later, so the lookup must use copies. */
static void
test_lookup_copies_attributes (void)
{
  g_autoptr (KithCredentials) credentials = kith_credentials_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GAsyncResult) result2 = NULL;
  g_autoptr (GAsyncResult) result3 = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *found_email = NULL;
  g_autofree char *token = NULL;
  char *server = g_strdup ("http://keyring-copy.invalid:2");
  char *email = g_strdup ("grace@example.com");
  char *scribble[2];

  if (!svc_test_require_keyring ()) {
    g_free (server);
    g_free (email);
    return;
  }

  kith_credentials_store_async (credentials, server, email, "tok-grace", NULL,
                                store_result, &result);
  g_assert_true (kith_credentials_store_finish (credentials, wait_result (&result), &error));
  g_assert_no_error (error);

  kith_credentials_lookup_async (credentials, server, email, NULL, store_result, &result2);
  /* Free them at once and reuse the memory with something else. */
  memset (server, 'x', strlen (server));
  memset (email, 'y', strlen (email));
  g_free (server);
  g_free (email);
  scribble[0] = g_strdup ("http://keyring-copy.invalid:9");
  scribble[1] = g_strdup ("eve@example.com..");

  g_assert_true (kith_credentials_lookup_finish (credentials, wait_result (&result2),
                                                 &found_email, &token, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (found_email, ==, "grace@example.com");
  g_assert_cmpstr (token, ==, "tok-grace");
  g_free (scribble[0]);
  g_free (scribble[1]);

  kith_credentials_clear_async (credentials, "http://keyring-copy.invalid:2", "grace@example.com",
                                NULL, store_result, &result3);
  g_assert_true (kith_credentials_clear_finish (credentials, wait_result (&result3), &error));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/credentials/store-lookup-clear", test_store_lookup_clear);
  g_test_add_func ("/credentials/lookup-copies-attributes", test_lookup_copies_attributes);
  return g_test_run ();
}
