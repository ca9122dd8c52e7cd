/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithFuzzClient"

#include "config.h"

#include <string.h>

#include "kith-fuzz.h"
#include "kith-protocol.h"
#include "kith-session.h"
#include "kithd-http.h"
#include "kithd-ws.h"

/*
 * The client's handling of what kithd sends on the socket: a real
 * KithSession (service layer: api client, signalling, message store in a
 * temporary directory) signs in to a stand-in for kithd in this process,
 * and once its hello has come, the stand-in sends the input as socket
 * frames. kithd cannot be made to send arbitrary frames, hence the
 * stand-in: kithd's own HTTP and WebSocket layers (KithdHttp, KithdWsConn)
 * on 127.0.0.1 with fixed answers to the REST calls a sign-in makes
 * (docs/protocol.md). Everything on the client's side is real.
 *
 * Input: one text message per line. A line "WAIT" makes the stand-in wait
 * until the session has handled everything before it (and answered what
 * it asked over REST, e.g. the contact list after a welcome). Lines that
 * are not valid UTF-8 are left out: libsoup closes the socket on them
 * (RFC 6455) before Kith's code sees them.
 *
 * The session signs in as alice (id 1); the contact list has bob (2,
 * accepted) and carol (3, asking). After the last line the session exits,
 * and a new one (with a new directory) takes the next input.
 *
 * Checked: no crash, leak or GLib critical (fatal here); every frame the
 * session got was handled (a sentinel frame after each part is seen), and
 * afterwards the session's contact list has each id once, each found by
 * kith_session_find_contact().
 */

#define TOKEN       "ClientFuzzToken_0123456789abcdefghijklmnopq"
#define WAIT_MS     20000
#define SENTINEL_ID G_GINT64_CONSTANT (1000000000)

static KithdHttp *stand_in;
static char *server_url;

/* The stand-in's socket of the current input. */
static KithdWsConn *socket_conn;
static gboolean hello_seen;
static gboolean socket_closed;

static const char *alice_json =
  "{\"id\":1,\"email\":\"alice@example.com\",\"first_name\":\"Alice\",\"last_name\":\"Fuzz\","
  "\"offline_email_notification\":true,\"plan\":\"free\"}";
static const char *contacts_json =
  "{\"contacts\":["
  "{\"user\":{\"id\":2,\"email\":\"bob@example.com\",\"first_name\":\"Bob\",\"last_name\":\"Fuzz\"},"
  "\"state\":\"accepted\",\"presence\":\"online\"},"
  "{\"user\":{\"id\":3,\"email\":\"carol@example.com\",\"first_name\":\"Carol\",\"last_name\":\"Fuzz\"},"
  "\"state\":\"incoming\",\"presence\":\"offline\"}]}";

/* ---- the stand-in for kithd ---- */

static void
on_socket_text (KithdWsConn *conn,
                const char  *data,
                gsize        len,
                gpointer     user_data)
{
  g_autoptr (KithFrame) frame = kith_frame_parse (data, len, KITH_ORIGIN_CLIENT, NULL);

  /* What the client sends must be valid, whatever it was told. */
  kith_fuzz_check (frame != NULL, "the client sent a frame kithd refuses: %.*s", (int) len, data);
  if (frame->type == KITH_FRAME_HELLO)
    hello_seen = TRUE;
}

static void
on_socket_closed (KithdWsConn *conn,
                  guint16      code,
                  gpointer     user_data)
{
  if (conn == socket_conn)
    socket_closed = TRUE;
}

static const KithdWsCallbacks socket_callbacks = {
  .text = on_socket_text,
  .closed = on_socket_closed,
};

static void
release_upgrade (gpointer data)
{
  kithd_upgrade_close (data);
}

static void
on_upgraded (KithdUpgrade *upgrade,
             int           fd,
             const guint8 *extra,
             gsize         extra_len,
             gpointer      user_data)
{
  KithdWsConn *conn = kithd_ws_conn_new (fd, extra, extra_len, release_upgrade, upgrade,
                                         KITH_MAX_FRAME_BYTES, 16 * 1024 * 1024,
                                         &socket_callbacks, NULL);

  /* One socket per input; a reconnection (after a close) is not served. */
  if (socket_conn) {
    kithd_ws_conn_close (conn, 1001, NULL);
    kithd_ws_conn_unref (conn);
    return;
  }
  socket_conn = conn;
}

static void
respond (KithdRequest *request,
         guint         status,
         const char   *json)
{
  kithd_request_respond (request, status, json ? "application/json" : NULL,
                         g_strdup (json), json ? strlen (json) : 0);
}

static void
on_request (KithdRequest *request,
            gpointer      user_data)
{
  const char *method = kithd_request_get_method (request);
  const char *path = kithd_request_get_path (request);

  if (g_str_equal (path, "/api/v1/sessions") && g_str_equal (method, "POST")) {
    g_autofree char *json = g_strdup_printf ("{\"token\":\"%s\",\"user\":%s}", TOKEN, alice_json);

    respond (request, 201, json);
  } else if (g_str_equal (path, "/api/v1/sessions/current") && g_str_equal (method, "DELETE")) {
    respond (request, 204, NULL);
  } else if (g_str_equal (path, "/api/v1/contacts") && g_str_equal (method, "GET")) {
    respond (request, 200, contacts_json);
  } else if (g_str_has_prefix (path, "/api/v1/conversations/") && g_str_equal (method, "GET")) {
    respond (request, 200, "{\"messages\":[]}");
  } else if (g_str_equal (path, "/api/v1/me") && g_str_equal (method, "GET")) {
    respond (request, 200, alice_json);
  } else if (g_str_equal (path, "/api/v1/socket")) {
    g_autofree char *accept = kithd_ws_accept_key (kithd_request_get_header (request, "Sec-WebSocket-Key"));

    kith_fuzz_check (accept != NULL, "the client's upgrade request has no usable key");
    kithd_request_set_header (request, "Upgrade", "websocket");
    kithd_request_set_header (request, "Sec-WebSocket-Accept", accept);
    kithd_request_upgrade (request, on_upgraded, NULL);
  } else {
    respond (request, 404, "{\"error\":{\"code\":\"not_found\",\"message\":\"There is no such API call\"}}");
  }
}

static void
send_text (const char *data,
           gsize       len)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, len);

  if (socket_conn && !socket_closed)
    kithd_ws_conn_send_text (socket_conn, bytes);
}

/* Runs what is ready on the main context, without blocking. */
static void
run_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ---- the session ---- */

typedef struct {
  gint64   waiting_for;
  gboolean seen;
} Sentinel;

static void
on_contact_request (KithSession *session,
                    KithContact *contact,
                    gpointer     user_data)
{
  Sentinel *sentinel = user_data;

  if (kith_contact_get_id (contact) == sentinel->waiting_for)
    sentinel->seen = TRUE;
}

/* Sends a sentinel frame and waits until the session has handled it (so
 * everything sent before), then until its REST calls are answered. */
static void
sync_session (Sentinel *sentinel)
{
  static gint64 n;
  g_autofree char *frame = NULL;

  sentinel->waiting_for = SENTINEL_ID + ++n;
  sentinel->seen = FALSE;
  frame = g_strdup_printf ("{\"type\":\"contact.request\",\"user\":{\"id\":%" G_GINT64_FORMAT ","
                           "\"email\":\"sentinel@fuzz.invalid\",\"first_name\":\"S\",\"last_name\":\"S\"}}",
                           sentinel->waiting_for);
  send_text (frame, strlen (frame));

  while (!sentinel->seen && !socket_closed)
    g_main_context_iteration (NULL, TRUE);
  /* The stand-in answers at once: what the session asked is answered
   * once nothing is left to run. */
  run_pending ();
}

static void
check_contacts (KithSession *session)
{
  GListModel *contacts = kith_session_get_contacts (session);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  for (guint i = 0; i < g_list_model_get_n_items (contacts); i++) {
    g_autoptr (KithContact) contact = g_list_model_get_item (contacts, i);
    gint64 id = kith_contact_get_id (contact);

    kith_fuzz_check (!g_hash_table_contains (seen, &id), "contact %" G_GINT64_FORMAT " listed twice", id);
    g_hash_table_add (seen, g_memdup2 (&id, sizeof id));
    kith_fuzz_check (kith_session_find_contact (session, id) == contact,
                     "contact %" G_GINT64_FORMAT " listed but not found", id);
  }
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *done = user_data;

  kith_session_finish (KITH_SESSION (source), result, NULL);
  *done = TRUE;
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr (GError) error = NULL;
  KithdHttpOptions options = {
    .host = "127.0.0.1",
    .max_connections = 64,
    .request_timeout_ms = 10000,
    .idle_timeout_ms = 10000,
    .max_body = KITH_MAX_BODY_BYTES,
    .server_header = "kithd-stand-in",
  };

  kith_fuzz_init_logging ();
  /* No keyring, no desktop session: the session manages without them. */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "disabled:", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);

  stand_in = kithd_http_new (&options, on_request, NULL, &error);
  if (!stand_in)
    kith_fuzz_fail ("cannot start the stand-in: %s", error->message);
  server_url = g_strdup_printf ("http://127.0.0.1:%u", kithd_http_get_port (stand_in));

  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *dir = kith_fuzz_make_temp_dir ("kith-fuzz-client");
  g_autoptr (KithSession) session = NULL;
  Sentinel sentinel = { 0, FALSE };
  gboolean signed_in = FALSE;
  gboolean left = FALSE;
  const char *p = (const char *) data;
  const char *end = p + size;

  hello_seen = FALSE;
  socket_closed = FALSE;

  session = g_object_new (KITH_TYPE_SESSION, "server-url", server_url, "data-dir", dir, NULL);
  g_signal_connect (session, "contact-request", G_CALLBACK (on_contact_request), &sentinel);
  kith_session_sign_in_async (session, "alice@example.com", "Corr3ct-Horse!", FALSE, NULL,
                              on_done, &signed_in);
  kith_fuzz_run_until (&hello_seen, WAIT_MS);
  kith_fuzz_check (hello_seen, "the session did not say hello");

  while (p < end) {
    const char *eol = memchr (p, '\n', end - p);
    gsize len = (eol ? eol : end) - p;

    if (len == 4 && memcmp (p, "WAIT", 4) == 0)
      sync_session (&sentinel);
    else if (len > 0 && g_utf8_validate_len (p, len, NULL))
      send_text (p, len);
    p += len + 1;
  }
  sync_session (&sentinel);
  check_contacts (session);

  kith_session_exit_async (session, NULL, on_done, &left);
  kith_fuzz_check (kith_fuzz_run_until (&left, WAIT_MS), "the session did not exit");
  kith_fuzz_check (kith_fuzz_run_until (&signed_in, WAIT_MS), "sign-in never finished");
  g_clear_object (&session);

  /* The session closed its socket as it exited. */
  if (socket_conn) {
    kith_fuzz_check (kith_fuzz_run_until (&socket_closed, WAIT_MS), "the socket did not close");
    g_clear_pointer (&socket_conn, kithd_ws_conn_unref);
  }
  run_pending ();
  kith_fuzz_remove_tree (dir);

  return 0;
}
