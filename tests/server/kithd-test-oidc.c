/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestOidc"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <microhttpd.h>

#include "kith-base64url.h"
#include "kithd-test-oidc.h"

typedef struct {
  SoupMessage *msg;
  GBytes      *body;
  GError      *error;
  gboolean     done;
} Fetch;

static void
on_fetched (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fetch *fetch = user_data;

  fetch->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &fetch->error);
  fetch->done = TRUE;
}

static gboolean
fetch_done (gpointer data)
{
  return ((Fetch *) data)->done;
}

/* @method @url with libsoup, running the main context meanwhile (so that
 * listeners of the test answer); the status, the final URI in @final_uri,
 * the body in @body. Follows redirects unless @no_redirect. */
guint
http_request (SoupSession  *session,
              const char   *method,
              const char   *url,
              const char   *form,
              gboolean      no_redirect,
              char        **final_uri,
              char        **location,
              char        **body)
{
  Fetch fetch = { NULL, NULL, NULL, FALSE };
  guint status;

  fetch.msg = soup_message_new (method, url);
  g_assert_nonnull (fetch.msg);
  if (no_redirect)
    soup_message_add_flags (fetch.msg, SOUP_MESSAGE_NO_REDIRECT);
  if (form) {
    g_autoptr (GBytes) bytes = g_bytes_new (form, strlen (form));

    soup_message_set_request_body_from_bytes (fetch.msg, "application/x-www-form-urlencoded", bytes);
  }
  soup_session_send_and_read_async (session, fetch.msg, G_PRIORITY_DEFAULT, NULL, on_fetched, &fetch);
  g_assert_true (kithd_test_wait_until (fetch_done, &fetch, WAIT_MS * 2));
  g_assert_no_error (fetch.error);
  status = soup_message_get_status (fetch.msg);
  if (final_uri)
    *final_uri = g_uri_to_string (soup_message_get_uri (fetch.msg));
  if (location)
    *location = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (fetch.msg), "Location"));
  if (body)
    *body = g_strndup (g_bytes_get_data (fetch.body, NULL), g_bytes_get_size (fetch.body));
  g_bytes_unref (fetch.body);
  g_object_unref (fetch.msg);
  return status;
}

GHashTable *
query_of (const char *uri)
{
  g_autoptr (GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED_QUERY, NULL);

  g_assert_nonnull (parsed);
  g_assert_nonnull (g_uri_get_query (parsed));
  return g_uri_parse_params (g_uri_get_query (parsed), -1, "&", G_URI_PARAMS_NONE, NULL);
}

KithFakeOidc    *fake;
KithdTestServer *server;
char            *listener_url;

static struct MHD_Daemon *listener;  /* the app's redirect */
static gint               listener_hits;

/* The app's loopback listener: one page for whatever comes (libmicrohttpd
 * on its own thread, as the fake provider). */
static enum MHD_Result
on_listener (void                  *cls,
             struct MHD_Connection *conn,
             const char            *url,
             const char            *method,
             const char            *version,
             const char            *upload_data,
             size_t                *upload_data_size,
             void                 **con_cls)
{
  static const char page[] = "<p>You are signed in to Kith. You can close this window.</p>";
  struct MHD_Response *response;
  enum MHD_Result ret;

  g_atomic_int_inc (&listener_hits);
  response = MHD_create_response_from_buffer (strlen (page), (void *) page, MHD_RESPMEM_PERSISTENT);
  MHD_add_response_header (response, "Content-Type", "text/html");
  MHD_add_response_header (response, "Connection", "close");
  ret = MHD_queue_response (conn, 200, response);
  MHD_destroy_response (response);
  return ret;
}

static void
listener_start (void)
{
  struct sockaddr_in address = { 0 };

  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  listener = MHD_start_daemon (MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                               on_listener, NULL,
                               MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &address,
                               MHD_OPTION_END);
  g_assert_nonnull (listener);
  listener_url = g_strdup_printf ("http://127.0.0.1:%u/kith-signed-in",
                                  MHD_get_daemon_info (listener, MHD_DAEMON_INFO_BIND_PORT)->port);
}

void
app_free (App *app)
{
  g_free (app->verifier);
  g_free (app->challenge);
  g_free (app->state);
  g_free (app->redirect_uri);
  g_free (app);
}

App *
app_new (void)
{
  App *app = g_new0 (App, 1);
  static guint n;

  app->verifier = g_strdup_printf ("app-verifier-%08x%08x-%u-0123456789abcdefghijklmnop",
                                   g_random_int (), g_random_int (), ++n);
  app->challenge = kith_pkce_s256 (app->verifier);
  app->state = g_strdup_printf ("app-state.%u~%08x", n, g_random_int ());
  app->redirect_uri = g_strdup (listener_url);
  return app;
}

char *
start_url (KithdTestServer *kithd,
           const char      *provider,
           const App       *app)
{
  g_autofree char *redirect = g_uri_escape_string (app->redirect_uri, NULL, FALSE);

  return g_strdup_printf ("%s/api/v1/oidc/%s/start?redirect_uri=%s&code_challenge=%s"
                          "&code_challenge_method=S256&state=%s",
                          kithd_test_server_get_url (kithd), provider, redirect, app->challenge, app->state);
}

/* The whole sign-in in the browser, from kithd's start to the app's
 * listener: the query the listener got (code and state, or error,
 * error_description and state). */
GHashTable *
browse_sign_in (KithdTestServer *kithd,
                const App       *app)
{
  g_autoptr (SoupSession) browser = soup_session_new ();
  g_autofree char *url = start_url (kithd, "google", app);
  g_autofree char *final = NULL;
  g_autofree char *body = NULL;
  gint hits = g_atomic_int_get (&listener_hits);
  GHashTable *params;

  g_assert_cmpuint (http_request (browser, "GET", url, NULL, FALSE, &final, NULL, &body), ==, 200);
  g_assert_true (g_str_has_prefix (final, app->redirect_uri));
  g_assert_cmpint (g_atomic_int_get (&listener_hits), ==, hits + 1);
  g_assert_nonnull (strstr (body, "You can close this window"));
  params = query_of (final);
  g_assert_cmpstr (g_hash_table_lookup (params, "state"), ==, app->state);
  return params;
}

/* A sign-in that must end with @error at the app (and no code). */
void
assert_sign_in_refused (KithdTestServer *kithd,
                        const char      *error)
{
  g_autoptr (App) app = app_new ();
  g_autoptr (GHashTable) params = browse_sign_in (kithd, app);

  g_assert_cmpstr (g_hash_table_lookup (params, "error"), ==, error);
  g_assert_nonnull (g_hash_table_lookup (params, "error_description"));
  g_assert_null (g_hash_table_lookup (params, "code"));
}

char *
redeem_body (const char *code,
             const char *verifier,
             const char *redirect_uri)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "oidc_code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "oidc_verifier");
  json_builder_add_string_value (builder, verifier);
  json_builder_set_member_name (builder, "oidc_redirect_uri");
  json_builder_add_string_value (builder, redirect_uri);
  json_builder_set_member_name (builder, "device_name");
  json_builder_add_string_value (builder, "Test laptop");
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/* Redeems @code as the app: the session's answer (201 asserted). */
JsonObject *
redeem (KithdTestServer *kithd,
        const App       *app,
        const char      *code)
{
  g_autofree char *body = redeem_body (code, app->verifier, app->redirect_uri);
  g_autofree char *response = kithd_test_server_call (kithd, "POST", "/api/v1/sessions", NULL, body, 201, NULL);

  return kithd_test_parse_object (response);
}

/* A whole sign-in that succeeds: the session (token, user). */
JsonObject *
sign_in (KithdTestServer *kithd)
{
  g_autoptr (App) app = app_new ();
  g_autoptr (GHashTable) params = browse_sign_in (kithd, app);
  const char *code = g_hash_table_lookup (params, "code");

  g_assert_null (g_hash_table_lookup (params, "error"));
  g_assert_nonnull (code);
  g_assert_cmpuint (strlen (code), ==, 43);
  return redeem (kithd, app, code);
}

gint64
count_users (KithdTestServer *kithd,
             const char      *email)
{
  g_autofree char *where = g_strdup_printf ("email = '%s'", email);

  return kithd_test_server_db_count (kithd, "users", where);
}

/* kithd with the fake provider and @extra (more kithd.conf text, nullable). */
KithdTestServer *
start_kithd (const char *extra,
             char      **conf_dir)
{
  g_autofree char *dir = g_dir_make_tmp ("kithd-oidc-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "kithd.conf", NULL);
  g_autofree char *config = kith_fake_oidc_write_config (fake, NULL);
  g_autofree char *text = g_strconcat (config, extra ? extra : "", NULL);
  KithdTestServer *kithd;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  kithd = kithd_test_server_start ("--config", path, NULL);
  *conf_dir = g_steal_pointer (&dir);
  return kithd;
}

void
stop_kithd (KithdTestServer *kithd,
            char            *conf_dir)
{
  g_autofree char *path = g_build_filename (conf_dir, "kithd.conf", NULL);

  kithd_test_server_free (kithd);
  g_unlink (path);
  g_rmdir (conf_dir);
  g_free (conf_dir);
}

void
reset_fake (void)
{
  kith_fake_oidc_set_fault (fake, KITH_FAKE_OIDC_FAULT_NONE);
  kith_fake_oidc_set_user (fake, "fake-sub-1", "ada@example.com", TRUE, "Ada", "Lovelace");
}

/* The fake provider, the app's loopback listener and a kithd naming the
 * provider (server) around g_test_run(). */
int
oidc_test_run (void)
{
  g_autofree char *dir = NULL;
  int status;

  fake = kith_fake_oidc_new (CLIENT_ID, CLIENT_SECRET);
  listener_start ();
  server = start_kithd (NULL, &dir);

  status = g_test_run ();

  stop_kithd (server, g_steal_pointer (&dir));
  MHD_stop_daemon (listener);
  g_free (listener_url);
  kith_fake_oidc_free (fake);
  return status;
}
