/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "TestCrypto"

#include "config.h"

#include <string.h>

#include "kithd-crypto.h"

static void
test_hash_verify (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *hash2 = NULL;

  hash = kithd_crypto_hash_password ("Correct Horse 9!", &error);
  g_assert_no_error (error);
  g_assert_nonnull (hash);
  g_assert_true (g_str_has_prefix (hash, "$y$"));
  g_assert_null (strstr (hash, "Correct Horse"));

  g_assert_true (kithd_crypto_verify_password ("Correct Horse 9!", hash));
  g_assert_false (kithd_crypto_verify_password ("correct horse 9!", hash));
  g_assert_false (kithd_crypto_verify_password ("", hash));
  g_assert_false (kithd_crypto_verify_password ("Correct Horse 9!", NULL));
  g_assert_false (kithd_crypto_verify_password ("Correct Horse 9!", ""));
  g_assert_false (kithd_crypto_verify_password ("Correct Horse 9!", "not a hash"));

  /* salted: the same password hashes differently */
  hash2 = kithd_crypto_hash_password ("Correct Horse 9!", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hash, !=, hash2);
  g_assert_true (kithd_crypto_verify_password ("Correct Horse 9!", hash2));

  /* UTF-8 passwords */
  g_clear_pointer (&hash, g_free);
  hash = kithd_crypto_hash_password ("pässwörd—ß", &error);
  g_assert_no_error (error);
  g_assert_true (kithd_crypto_verify_password ("pässwörd—ß", hash));
  g_assert_false (kithd_crypto_verify_password ("passwörd—ß", hash));
}

static void
test_tokens (void)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 2000; i++) {
    char *token = kithd_crypto_new_token ();

    g_assert_cmpuint (strlen (token), ==, 43);
    for (const char *p = token; *p != '\0'; p++)
      g_assert_true (g_ascii_isalnum (*p) || *p == '-' || *p == '_');

    g_assert_false (g_hash_table_contains (seen, token));
    g_hash_table_add (seen, token);
  }
}

static void
test_token_hash (void)
{
  g_autofree char *abc = kithd_crypto_token_hash ("abc");
  g_autofree char *token = kithd_crypto_new_token ();
  g_autofree char *hash = kithd_crypto_token_hash (token);
  g_autofree char *again = kithd_crypto_token_hash (token);

  /* FIPS 180-2 test vector */
  g_assert_cmpstr (abc, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

  g_assert_cmpuint (strlen (hash), ==, 64);
  for (const char *p = hash; *p != '\0'; p++)
    g_assert_true (g_ascii_isdigit (*p) || (*p >= 'a' && *p <= 'f'));
  g_assert_cmpstr (hash, ==, again);
  g_assert_cmpstr (hash, !=, token);
}

static void
test_equal (void)
{
  g_assert_true (kithd_crypto_equal ("", ""));
  g_assert_true (kithd_crypto_equal ("abc", "abc"));
  g_assert_false (kithd_crypto_equal ("abc", "abd"));
  g_assert_false (kithd_crypto_equal ("abc", "ab"));
  g_assert_false (kithd_crypto_equal ("ab", "abc"));
  g_assert_false (kithd_crypto_equal ("", "a"));
  g_assert_false (kithd_crypto_equal ("xbc", "abc"));
}

typedef struct {
  guint     pending;
  char     *hash;
  gboolean  results[8];
} AsyncState;

static void
on_hashed (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  AsyncState *state = user_data;
  g_autoptr (GError) error = NULL;

  g_assert_null (object);
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));

  state->hash = kithd_crypto_hash_password_finish (result, &error);
  g_assert_no_error (error);
  state->pending--;
}

typedef struct {
  AsyncState *state;
  guint       index;
} VerifyCall;

static void
on_verified (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  VerifyCall *call = user_data;

  g_assert_true (g_main_context_is_owner (g_main_context_default ()));

  call->state->results[call->index] = kithd_crypto_verify_password_finish (result);
  call->state->pending--;
  g_free (call);
}

static void
wait_pending (AsyncState *state)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (state->pending > 0) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_main_context_iteration (NULL, TRUE);
  }
}

static void
verify_async (AsyncState *state,
              guint       index,
              const char *password,
              const char *hash)
{
  VerifyCall *call = g_new0 (VerifyCall, 1);

  call->state = state;
  call->index = index;
  state->pending++;
  kithd_crypto_verify_password_async (password, hash, NULL, on_verified, call);
}

static void
test_async (void)
{
  AsyncState state = { 0 };

  state.pending = 1;
  kithd_crypto_hash_password_async ("Sekrit-123", NULL, on_hashed, &state);
  wait_pending (&state);
  g_assert_true (g_str_has_prefix (state.hash, "$y$"));

  /* several at once: the pool runs them in parallel, each answers */
  verify_async (&state, 0, "Sekrit-123", state.hash);
  verify_async (&state, 1, "sekrit-123", state.hash);
  verify_async (&state, 2, "Sekrit-123", NULL);   /* unknown account: dummy hash */
  verify_async (&state, 3, "Sekrit-123", state.hash);
  verify_async (&state, 4, "", state.hash);
  wait_pending (&state);

  g_assert_true (state.results[0]);
  g_assert_false (state.results[1]);
  g_assert_false (state.results[2]);
  g_assert_true (state.results[3]);
  g_assert_false (state.results[4]);

  g_free (state.hash);
}

/* The fastest of three runs: robust against a busy machine. */
static gint64
time_verify (const char *password,
             const char *hash)
{
  gint64 best = G_MAXINT64;

  for (guint i = 0; i < 3; i++) {
    gint64 start = g_get_monotonic_time ();

    g_assert_false (kithd_crypto_verify_password (password, hash));
    best = MIN (best, g_get_monotonic_time () - start);
  }

  return best;
}

static void
test_dummy_timing (void)
{
  g_autofree char *hash = kithd_crypto_hash_password ("Timing-Test-1", NULL);
  gint64 known, unknown;

  /* warm the dummy hash up */
  g_assert_false (kithd_crypto_verify_password ("x", NULL));

  known = time_verify ("wrong", hash);
  unknown = time_verify ("wrong", NULL);

  g_test_message ("verify: known account %" G_GINT64_FORMAT " us, unknown %" G_GINT64_FORMAT " us",
                  known, unknown);
  /* same algorithm and cost: the unknown account does real yescrypt work,
   * not a shortcut (bounds loose on purpose: a busy CI machine is noisy) */
  g_assert_cmpint (unknown * 4, >, known);
  g_assert_cmpint (known * 4, >, unknown);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/crypto/hash-verify", test_hash_verify);
  g_test_add_func ("/crypto/tokens", test_tokens);
  g_test_add_func ("/crypto/token-hash", test_token_hash);
  g_test_add_func ("/crypto/equal", test_equal);
  g_test_add_func ("/crypto/async", test_async);
  g_test_add_func ("/crypto/dummy-timing", test_dummy_timing);

  return g_test_run ();
}
