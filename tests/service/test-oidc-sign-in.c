/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestOidcSignIn"

#include "config.h"

#include <string.h>

#include "kith-fake-browser.h"
#include "kith-fake-oidc.h"
#include "kith-oidc-sign-in.h"
#include "service-test-util.h"

/*
 * KithOidcSignIn against a real kithd, with the system's browser a fake one
 * (kith-fake-browser.c) that only writes down what it was opened on: the
 * test then plays what the provider's redirect brings to the listener, as
 * a browser would deliver it. Following, the browser goes through a kithd
 * that signs in with a fake Google (tests/server/kith-fake-oidc.c).
 */

static KithdTestServer *server;        /* no provider configured */
static KithdTestServer *google_server; /* [oidc:google] is the fake provider */
static KithFakeOidc *provider;
static KithFakeBrowser *browser;

typedef struct {
  char           *dir;
  KithSession    *session;
  KithOidcSignIn *sign_in;
  GAsyncResult   *result;
} Flow;

/* A sign-in of a new session of @on. */
static Flow *
flow_new_on (KithdTestServer *on)
{
  Flow *flow = g_new0 (Flow, 1);

  flow->dir = svc_test_make_dir ("oidc");
  flow->session = svc_test_session_new (on, flow->dir, KITH_DEVICE_DESKTOP);
  flow->sign_in = kith_oidc_sign_in_new (flow->session, "google", "Google");
  return flow;
}

static Flow *
flow_new (void)
{
  return flow_new_on (server);
}

static void
flow_free (Flow *flow)
{
  g_assert_null (flow->result);
  g_clear_object (&flow->sign_in);
  g_clear_object (&flow->session);
  g_free (flow->dir);
  g_free (flow);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Flow, flow_free)

/* Starts the sign-in; the browser's visit (asserted to come). */
static KithFakeBrowserVisit *
flow_start (Flow         *flow,
            GCancellable *cancellable)
{
  guint visits = kith_fake_browser_count_visits (browser);
  g_autofree char *start_url = NULL;
  KithFakeBrowserVisit *visit;

  kith_oidc_sign_in_run_async (flow->sign_in, NULL, cancellable, svc_test_store_result,
                               &flow->result);
  g_assert_cmpint (kith_oidc_sign_in_get_state (flow->sign_in), ==, KITH_OIDC_SIGN_IN_WAITING);
  /* Taken now: a browser that follows the links may bring the sign-in to
   * its end (and its start URL with it) before the visit is seen here
   * (CI, on a busy machine). */
  start_url = g_strdup (kith_oidc_sign_in_get_start_url (flow->sign_in));
  g_assert_nonnull (start_url);
  visit = kith_fake_browser_wait_visit (browser, visits + 1, 10000);
  g_assert_nonnull (visit);
  g_assert_cmpstr (visit->url, ==, start_url);
  return visit;
}

/* The run's end: TRUE, or FALSE with @error. */
static gboolean
flow_finish (Flow    *flow,
             GError **error)
{
  g_autoptr (GAsyncResult) result = g_object_ref (svc_test_wait_result (&flow->result));

  g_clear_object (&flow->result);
  return kith_oidc_sign_in_run_finish (flow->sign_in, result, error);
}

static gboolean
nobody_listens (gpointer data)
{
  return kith_fake_browser_fetch (data, NULL) == 0;
}

static void
assert_listener_closed (const char *redirect_uri)
{
  g_assert_true (kithd_test_wait_until (nobody_listens, (gpointer) redirect_uri, 10000));
}

static gboolean
is_base64url (const char *text,
              gsize       length)
{
  if (text == NULL || strlen (text) != length)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

/* The browser opens kithd's start URL with a loopback redirect URI, an S256
 * challenge and a state, new each time; Cancel closes the listener. */
static void
test_start_url (void)
{
  g_autoptr (Flow) flow = flow_new ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *prefix = g_strdup_printf ("%s/api/v1/oidc/google/start?",
                                             kithd_test_server_get_url (server));
  g_autofree char *first_state = NULL;
  g_autofree char *first_challenge = NULL;

  for (guint i = 0; i < 2; i++) {
    KithFakeBrowserVisit *visit = flow_start (flow, cancellable);
    g_autofree char *redirect_uri = kith_fake_browser_query_param (visit->url, "redirect_uri");
    g_autofree char *challenge = kith_fake_browser_query_param (visit->url, "code_challenge");
    g_autofree char *method = kith_fake_browser_query_param (visit->url, "code_challenge_method");
    g_autofree char *state = kith_fake_browser_query_param (visit->url, "state");
    g_autoptr (GUri) uri = NULL;

    g_assert_true (g_str_has_prefix (visit->url, prefix));
    g_assert_cmpstr (redirect_uri, ==, kith_oidc_sign_in_get_redirect_uri (flow->sign_in));
    uri = g_uri_parse (redirect_uri, G_URI_FLAGS_NONE, NULL);
    g_assert_nonnull (uri);
    g_assert_cmpstr (g_uri_get_scheme (uri), ==, "http");
    g_assert_cmpstr (g_uri_get_host (uri), ==, "127.0.0.1");
    g_assert_cmpint (g_uri_get_port (uri), >, 0);
    g_assert_null (g_uri_get_fragment (uri));
    g_assert_true (is_base64url (challenge, 43));
    g_assert_cmpstr (method, ==, "S256");
    g_assert_true (is_base64url (state, 43));
    /* The listener answers there. */
    g_assert_cmpuint (kith_fake_browser_fetch (redirect_uri, NULL), ==, 400);

    if (i == 0) {
      first_state = g_strdup (state);
      first_challenge = g_strdup (challenge);
    } else {
      g_assert_cmpstr (state, !=, first_state);
      g_assert_cmpstr (challenge, !=, first_challenge);
    }

    g_cancellable_cancel (cancellable);
    g_assert_false (flow_finish (flow, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
    g_assert_cmpint (kith_oidc_sign_in_get_state (flow->sign_in), ==, KITH_OIDC_SIGN_IN_IDLE);
    g_assert_null (kith_oidc_sign_in_get_start_url (flow->sign_in));
    assert_listener_closed (redirect_uri);
    g_cancellable_reset (cancellable);
  }
  g_assert_cmpint (kith_session_get_state (flow->session), ==, KITH_SESSION_SIGNED_OUT);
}

/* Requests that are not the answer (another state, none, another path)
 * get a 400 page and change nothing; the answer ends the wait. */
static void
test_foreign_requests (void)
{
  g_autoptr (Flow) flow = flow_new ();
  g_autoptr (GError) error = NULL;
  KithFakeBrowserVisit *visit = flow_start (flow, NULL);
  g_autofree char *state = kith_fake_browser_query_param (visit->url, "state");
  g_autofree char *redirect_uri = g_strdup (kith_oidc_sign_in_get_redirect_uri (flow->sign_in));
  g_autofree char *other_path = NULL;
  g_autofree char *no_state = g_strdup_printf ("%s?code=abc", redirect_uri);
  g_autofree char *forged = g_strdup_printf ("%s?state=forged&code=abc", redirect_uri);
  g_autofree char *page = NULL;

  g_assert_cmpuint (kith_fake_browser_fetch (forged, &page), ==, 400);
  g_assert_nonnull (strstr (page, "not the sign-in Kith is waiting for"));
  g_assert_cmpuint (kith_fake_browser_fetch (no_state, NULL), ==, 400);
  other_path = g_strdup_printf ("%s/../favicon.ico?state=%s", redirect_uri, state);
  g_assert_cmpuint (kith_fake_browser_fetch (other_path, NULL), ==, 400);
  g_assert_cmpint (kith_oidc_sign_in_get_state (flow->sign_in), ==, KITH_OIDC_SIGN_IN_WAITING);
  g_assert_null (flow->result);

  g_clear_pointer (&page, g_free);
  g_assert_cmpuint (kith_fake_browser_redirect (visit->url, "error=access_denied&error_description=The+user+said+no",
                                                &page), ==, 200);
  g_assert_nonnull (strstr (page, "You can close this tab"));
  g_assert_nonnull (strstr (page, "declined"));
  g_assert_false (flow_finish (flow, &error));
  g_assert_error (error, KITH_OIDC_ERROR, KITH_OIDC_ERROR_DECLINED);
  assert_listener_closed (redirect_uri);
  g_assert_cmpint (kith_oidc_sign_in_get_state (flow->sign_in), ==, KITH_OIDC_SIGN_IN_IDLE);
  g_assert_cmpint (kith_session_get_state (flow->session), ==, KITH_SESSION_SIGNED_OUT);
}

/* Each error code of the redirect is its own sentence; the provider's
 * English description is not shown. */
static void
test_provider_errors (void)
{
  const struct {
    const char   *code;
    KithOidcError error;
    const char   *says;
  } cases[] = {
    { "access_denied", KITH_OIDC_ERROR_DECLINED, "You declined signing in at Google" },
    { "email_not_verified", KITH_OIDC_ERROR_EMAIL_NOT_VERIFIED, "email address of your Google account is not verified" },
    { "invalid_token", KITH_OIDC_ERROR_NOT_VERIFIED, "could not verify the answer from Google" },
    { "server_error", KITH_OIDC_ERROR_PROVIDER, "could not complete the sign-in with Google" },
    { "something_new", KITH_OIDC_ERROR_PROVIDER, "could not complete the sign-in with Google" },
  };
  g_autoptr (Flow) flow = flow_new ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    KithFakeBrowserVisit *visit = flow_start (flow, NULL);
    g_autofree char *rest = g_strdup_printf ("error=%s&error_description=Secret+English", cases[i].code);
    g_autoptr (GError) error = NULL;

    g_assert_cmpuint (kith_fake_browser_redirect (visit->url, rest, NULL), ==, 200);
    g_assert_false (flow_finish (flow, &error));
    g_assert_error (error, KITH_OIDC_ERROR, (int) cases[i].error);
    g_assert_nonnull (strstr (error->message, cases[i].says));
    g_assert_null (strstr (error->message, "Secret English"));
  }
}

/* No answer in time: the wait ends with its sentence, the listener closes,
 * and the next sign-in starts afresh. */
static void
test_timeout (void)
{
  g_autoptr (Flow) flow = flow_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *redirect_uri = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();

  kith_oidc_sign_in_set_timeout (flow->sign_in, 300);
  flow_start (flow, NULL);
  redirect_uri = g_strdup (kith_oidc_sign_in_get_redirect_uri (flow->sign_in));
  g_assert_false (flow_finish (flow, &error));
  g_assert_error (error, KITH_OIDC_ERROR, KITH_OIDC_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, "stopped waiting"));
  assert_listener_closed (redirect_uri);

  kith_oidc_sign_in_set_timeout (flow->sign_in, 5 * 60 * 1000);
  flow_start (flow, cancellable);
  g_cancellable_cancel (cancellable);
  g_clear_error (&error);
  g_assert_false (flow_finish (flow, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Opening the browser again while waiting: the same start URL, the same
 * listener. */
static void
test_reopen (void)
{
  g_autoptr (Flow) flow = flow_new ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  KithFakeBrowserVisit *first = flow_start (flow, cancellable);
  guint visits = kith_fake_browser_count_visits (browser);
  g_autofree char *redirect_uri = g_strdup (kith_oidc_sign_in_get_redirect_uri (flow->sign_in));
  KithFakeBrowserVisit *again;

  kith_oidc_sign_in_reopen_browser (flow->sign_in, NULL);
  again = kith_fake_browser_wait_visit (browser, visits + 1, 10000);
  g_assert_nonnull (again);
  g_assert_cmpstr (again->url, ==, first->url);
  g_assert_cmpstr (kith_oidc_sign_in_get_redirect_uri (flow->sign_in), ==, redirect_uri);
  g_assert_cmpint (kith_oidc_sign_in_get_state (flow->sign_in), ==, KITH_OIDC_SIGN_IN_WAITING);

  g_cancellable_cancel (cancellable);
  g_assert_false (flow_finish (flow, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* Idle: nothing to open again. */
  kith_oidc_sign_in_reopen_browser (flow->sign_in, NULL);
  assert_listener_closed (redirect_uri);
  g_assert_cmpuint (kith_fake_browser_count_visits (browser), ==, visits + 1);
}

/* A code goes to kithd, which refuses it here (no provider configured):
 * the session says why and stays signed out. */
static void
test_code_refused (void)
{
  g_autoptr (Flow) flow = flow_new ();
  g_autoptr (GError) error = NULL;
  KithFakeBrowserVisit *visit = flow_start (flow, NULL);
  g_autofree char *page = NULL;

  g_assert_cmpuint (kith_fake_browser_redirect (visit->url, "code=not-a-real-code", &page), ==, 200);
  g_assert_nonnull (strstr (page, "You can close this tab"));
  g_assert_false (flow_finish (flow, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_UNSUPPORTED_FLOW);
  g_assert_cmpint (kith_session_get_state (flow->session), ==, KITH_SESSION_SIGNED_OUT);
  g_assert_cmpint (kith_oidc_sign_in_get_state (flow->sign_in), ==, KITH_OIDC_SIGN_IN_IDLE);
}

/* A server on plain http:// that is not loopback: refused before the
 * browser opens, since the code would cross the network in the clear. */
static void
test_unencrypted (void)
{
  g_autoptr (Flow) flow = flow_new ();
  g_autoptr (GError) error = NULL;
  guint visits = kith_fake_browser_count_visits (browser);

  kith_session_set_server_url (flow->session, "http://192.0.2.1:8080");
  kith_oidc_sign_in_run_async (flow->sign_in, NULL, NULL, svc_test_store_result, &flow->result);
  g_assert_false (flow_finish (flow, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_UNENCRYPTED);
  g_assert_nonnull (strstr (error->message, "192.0.2.1"));
  g_assert_cmpint (kith_oidc_sign_in_get_state (flow->sign_in), ==, KITH_OIDC_SIGN_IN_IDLE);
  g_assert_cmpuint (kith_fake_browser_count_visits (browser), ==, visits);
}

static KithdTestServer *
start_google_server (void)
{
  g_autofree char *dir = svc_test_make_dir ("conf");
  g_autofree char *conf = g_build_filename (dir, "kithd.conf", NULL);
  g_autofree char *text = kith_fake_oidc_write_config (provider, NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (conf, text, -1, &error));
  g_assert_no_error (error);
  return kithd_test_server_start ("--config", conf, NULL);
}

/* ---- through kithd and the fake provider: the browser follows ---- */

/* The browser went through kithd and the provider and back to the
 * listener (where the redirects ended is in the message otherwise), whose
 * page says the tab may be closed. */
static void
assert_back_at_listener (KithFakeBrowserVisit *visit)
{
  g_autofree char *redirect_uri = kith_fake_browser_query_param (visit->url, "redirect_uri");
  g_autofree char *prefix = g_strdup_printf ("%s?", redirect_uri);
  g_autofree char *expected = g_strdup_printf ("200 %s", redirect_uri);
  g_autofree char *end = NULL;

  g_assert_nonnull (kith_fake_browser_wait_followed (browser, kith_fake_browser_count_visits (browser),
                                                     30000));
  end = g_strdup_printf ("%u %s", visit->status,
                         g_str_has_prefix (visit->final_url, prefix) ? redirect_uri : visit->final_url);
  g_assert_cmpstr (end, ==, expected);
  g_assert_nonnull (strstr (visit->page, "You can close this tab"));
}

/* Signs in with Google as @email, the browser following every redirect;
 * the session is online as that account, and the browser's tab says it
 * may be closed. */
static Flow *
sign_in_through_provider (const char *email,
                          gboolean    stay_signed_in)
{
  Flow *flow = flow_new_on (google_server);
  g_autoptr (GError) error = NULL;
  KithFakeBrowserVisit *visit;
  KithUser *user;

  kith_fake_oidc_set_user (provider, email, email, TRUE, "Grace", "Hopper");
  kith_fake_browser_set_follow (browser, TRUE);
  kith_oidc_sign_in_set_stay_signed_in (flow->sign_in, stay_signed_in);
  visit = flow_start (flow, NULL);
  assert_back_at_listener (visit);
  g_assert_true (flow_finish (flow, &error));
  g_assert_no_error (error);
  kith_fake_browser_set_follow (browser, FALSE);

  g_assert_cmpint (kith_session_get_state (flow->session), ==, KITH_SESSION_ONLINE);
  g_assert_cmpint (kith_oidc_sign_in_get_state (flow->sign_in), ==, KITH_OIDC_SIGN_IN_IDLE);
  user = kith_session_get_user (flow->session);
  g_assert_cmpstr (kith_person_get_email (KITH_PERSON (user)), ==, email);
  g_assert_cmpstr (kith_person_get_display_name (KITH_PERSON (user)), ==, "Grace Hopper");
  g_assert_true (kith_session_get_stay_signed_in (flow->session) == stay_signed_in);
  return flow;
}

/* Whether a new session opens signed in as @email from the keyring. */
static gboolean
restores (const char *email)
{
  g_autofree char *dir = svc_test_make_dir ("restore");
  g_autoptr (KithSession) session = svc_test_session_new (google_server, dir, KITH_DEVICE_DESKTOP);
  g_autoptr (GError) error = NULL;
  gboolean restored = svc_test_restore (session, email, &error);

  g_assert_no_error (error);
  if (restored)
    svc_test_log_out (session);
  return restored;
}

/* Signed in as a password log-in is: the account Google names (made the
 * first time), online; the keyring holds the token only with Stay signed
 * in. */
static void
test_signs_in (void)
{
  g_autofree char *email = g_strdup_printf ("grace.%d@example.com", (int) getpid ());
  g_autoptr (Flow) flow = NULL;

  if (!svc_test_require_keyring ())
    return;

  flow = sign_in_through_provider (email, FALSE);
  svc_test_exit (flow->session);
  g_assert_false (restores (email));
  g_clear_pointer (&flow, flow_free);

  /* The same account again, staying signed in. */
  flow = sign_in_through_provider (email, TRUE);
  svc_test_exit (flow->session);
  g_assert_true (restores (email));
}

/* What the provider or kithd refuse ends the sign-in with its sentence;
 * the browser's tab is told to go back to Kith. */
static void
test_refused_through_provider (void)
{
  const struct {
    KithFakeOidcFault fault;
    gboolean          verified;
    KithOidcError     error;
  } cases[] = {
    { KITH_FAKE_OIDC_FAULT_NONE, FALSE, KITH_OIDC_ERROR_EMAIL_NOT_VERIFIED },
    { KITH_FAKE_OIDC_FAULT_DENIED, TRUE, KITH_OIDC_ERROR_DECLINED },
    { KITH_FAKE_OIDC_FAULT_BAD_SIGNATURE, TRUE, KITH_OIDC_ERROR_NOT_VERIFIED },
    { KITH_FAKE_OIDC_FAULT_TOKEN_ERROR, TRUE, KITH_OIDC_ERROR_PROVIDER },
  };
  g_autoptr (Flow) flow = flow_new_on (google_server);

  kith_fake_browser_set_follow (browser, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;
    KithFakeBrowserVisit *visit;

    kith_fake_oidc_set_user (provider, "sub-unverified", "unverified@example.com", cases[i].verified,
                             "Un", "Verified");
    kith_fake_oidc_set_fault (provider, cases[i].fault);
    visit = flow_start (flow, NULL);
    assert_back_at_listener (visit);
    g_assert_false (flow_finish (flow, &error));
    g_assert_error (error, KITH_OIDC_ERROR, (int) cases[i].error);
    g_assert_cmpint (kith_session_get_state (flow->session), ==, KITH_SESSION_SIGNED_OUT);
  }
  kith_fake_oidc_set_fault (provider, KITH_FAKE_OIDC_FAULT_NONE);
  kith_fake_browser_set_follow (browser, FALSE);
}

/* A code kithd does not know (made up, expired or used): "expired". */
static void
test_expired_code (void)
{
  g_autoptr (Flow) flow = flow_new_on (google_server);
  g_autoptr (GError) error = NULL;
  KithFakeBrowserVisit *visit = flow_start (flow, NULL);

  g_assert_cmpuint (kith_fake_browser_redirect (visit->url, "code=made-up-code", NULL), ==, 200);
  g_assert_false (flow_finish (flow, &error));
  g_assert_error (error, KITH_OIDC_ERROR, KITH_OIDC_ERROR_EXPIRED);
  g_assert_nonnull (strstr (error->message, "expired"));
  g_assert_cmpint (kith_session_get_state (flow->session), ==, KITH_SESSION_SIGNED_OUT);
}

/* kithd gone when the code comes back: the server cannot be reached. */
static void
test_server_unreachable (void)
{
  KithdTestServer *gone = start_google_server ();
  g_autoptr (Flow) flow = flow_new_on (gone);
  g_autoptr (GError) error = NULL;
  KithFakeBrowserVisit *visit = flow_start (flow, NULL);

  kithd_test_server_stop (gone);
  g_assert_cmpuint (kith_fake_browser_redirect (visit->url, "code=any", NULL), ==, 200);
  g_assert_false (flow_finish (flow, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NETWORK);
  kithd_test_server_free (gone);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  /* Before anything reads XDG_DATA_DIRS. */
  browser = kith_fake_browser_new ();
  svc_test_init (&argc, &argv);
  server = svc_test_server_start ();
  provider = kith_fake_oidc_new ("kith-test-client", "kith-test-secret");
  google_server = start_google_server ();

  g_test_add_func ("/oidc-sign-in/start-url", test_start_url);
  g_test_add_func ("/oidc-sign-in/foreign-requests", test_foreign_requests);
  g_test_add_func ("/oidc-sign-in/provider-errors", test_provider_errors);
  g_test_add_func ("/oidc-sign-in/timeout", test_timeout);
  g_test_add_func ("/oidc-sign-in/reopen", test_reopen);
  g_test_add_func ("/oidc-sign-in/code-refused", test_code_refused);
  g_test_add_func ("/oidc-sign-in/unencrypted", test_unencrypted);
  g_test_add_func ("/oidc-sign-in/signs-in", test_signs_in);
  g_test_add_func ("/oidc-sign-in/refused-through-provider", test_refused_through_provider);
  g_test_add_func ("/oidc-sign-in/expired-code", test_expired_code);
  g_test_add_func ("/oidc-sign-in/server-unreachable", test_server_unreachable);

  status = svc_test_run (server);
  kithd_test_server_free (google_server);
  kith_fake_oidc_free (provider);
  kith_fake_browser_free (browser);
  return status;
}
