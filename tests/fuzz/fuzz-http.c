/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithFuzzHttp"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "kith-fuzz.h"
#include "kith-protocol.h"
#include "kithd-crypto.h"
#include "kithd-db-accounts.h"
#include "kithd-db-contacts.h"
#include "kithd-db-messages.h"
#include "kithd-server.h"
#include "kithd-ws.h"

/*
 * kithd's HTTP handling end to end: one KithdServer per process, on
 * 127.0.0.1 and a sqlite store in a temporary directory; each input is
 * what one client writes on one new TCP connection (any number of
 * requests, and after a WebSocket upgrade, socket frames), after which
 * the client ends its side of the stream and reads until kithd closes.
 * Where the input has WAIT_MARK, the client stops writing until kithd has
 * done all it can (its main context and database queue idle): socket
 * frames after a hello then come after the welcome, as a real client's do.
 *
 * kithd trusts 127.0.0.1 as a reverse proxy, so that X-Forwarded-For, as
 * the input writes it, names the client (its throttles count by address).
 *
 * Two accounts exist whatever the inputs did before (remade when an input
 * deleted them or ended their sessions), with fixed tokens, so that the
 * corpus can reach every signed-in route and the socket's hello:
 *   alice@example.com  Bearer ALICE_TOKEN  password PASSWORD
 *   bob@example.com    Bearer BOB_TOKEN    password PASSWORD
 * (alice and bob are contacts at the start; user ids 1 and 2.)
 *
 * Checked: kithd closes the connection in bounded time; what it wrote is
 * a sequence of well-formed HTTP/1.1 responses (status line, headers,
 * a body of its Content-Length); its JSON bodies are JSON, error bodies
 * ones the client reads (kith_response_parse_error()); after a 101, the
 * rest is well-formed server WebSocket frames whose texts are frames the
 * client accepts (kith_frame_parse()).
 */

#define ALICE_TOKEN "AliceFuzzToken_0123456789abcdefghijklmnopqr"
#define BOB_TOKEN   "BobFuzzToken-0123456789abcdefghijklmnopqrst"
#define PASSWORD    "Corr3ct-Horse!"
#define WAIT_MS     30000
/* In an input: write what came before, let kithd settle, go on. */
#define WAIT_MARK   "KITHWAIT"

static KithdServer *server;
static guint16 port;
static char *password_hash;

/* ---- the two accounts ---- */

/* Waits for a db worker call of kithd's: its result, for the _finish. */
typedef struct {
  GAsyncResult *result;
  gboolean      done;
} CallWait;

static void
on_call_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  CallWait *wait = user_data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

static GAsyncResult *
wait_call (CallWait *wait)
{
  if (!kith_fuzz_run_until (&wait->done, WAIT_MS))
    kith_fuzz_fail ("a database job did not finish");
  return wait->result;
}

static KithdDb *
db (void)
{
  return kithd_server_get_db (server);
}

static gint64
ensure_account (const char *email,
                const char *first_name,
                const char *token)
{
  g_autofree char *token_hash = kithd_crypto_token_hash (token);
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdSession) session = NULL;
  g_autoptr (KithdUser) user = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  CallWait auth = { NULL, FALSE };
  CallWait lookup = { NULL, FALSE };
  CallWait create = { NULL, FALSE };

  kithd_db_authenticate_async (db (), token_hash, NULL, on_call_done, &auth);
  result = wait_call (&auth);
  session = kithd_db_authenticate_finish (db (), result, NULL, NULL);
  if (session)
    return session->user_id;
  g_clear_object (&result);

  kithd_db_find_user_async (db (), email, NULL, on_call_done, &lookup);
  result = wait_call (&lookup);
  user = kithd_db_find_user_finish (db (), result, NULL);
  g_clear_object (&result);
  if (!user) {
    kithd_db_sign_up_async (db (), email, password_hash, first_name, "Fuzz", token_hash,
                            kithd_clock_now_ms (), NULL, on_call_done, &create);
    result = wait_call (&create);
    user = kithd_db_sign_up_finish (db (), result, &error);
  } else {
    kithd_db_create_session_async (db (), user->id, token_hash, "fuzz", KITH_DEVICE_DESKTOP,
                                   kithd_clock_now_ms (), NULL, on_call_done, &create);
    result = wait_call (&create);
    if (kithd_db_create_session_finish (db (), result, &error) <= 0)
      g_clear_pointer (&user, kithd_user_free);
  }
  if (!user)
    kith_fuzz_fail ("cannot make the account %s: %s", email, error->message);
  return user->id;
}

static void
make_contacts (gint64 alice,
               gint64 bob)
{
  g_autoptr (GAsyncResult) added = NULL;
  g_autoptr (GAsyncResult) accepted = NULL;
  g_autoptr (GAsyncResult) sent = NULL;
  g_autoptr (KithdUser) added_user = NULL;
  g_autoptr (KithdUser) accepted_user = NULL;
  g_autoptr (KithMessageInfo) message = NULL;
  CallWait add_wait = { NULL, FALSE };
  CallWait accept_wait = { NULL, FALSE };
  CallWait send_wait = { NULL, FALSE };

  kithd_db_add_contact_async (db (), alice, "bob@example.com", kithd_clock_now_ms (),
                              NULL, on_call_done, &add_wait);
  added = wait_call (&add_wait);
  added_user = kithd_db_add_contact_finish (db (), added, NULL, NULL, NULL);

  kithd_db_accept_contact_async (db (), bob, alice, kithd_clock_now_ms (),
                                 NULL, on_call_done, &accept_wait);
  accepted = wait_call (&accept_wait);
  accepted_user = kithd_db_accept_contact_finish (db (), accepted, NULL, NULL);

  kithd_db_store_message_async (db (), "fuzz-1", alice, bob, "Hello, Bob", kithd_clock_now_ms (),
                                FALSE, NULL, on_call_done, &send_wait);
  sent = wait_call (&send_wait);
  message = kithd_db_store_message_finish (db (), sent, NULL, NULL, NULL, NULL);
  if (!added_user || !accepted_user || !message)
    kith_fuzz_fail ("cannot make alice and bob contacts");
}

/* ---- checking what kithd wrote ---- */

/* Server WebSocket frames after a 101: a frame cut off at the end is
 * allowed (kithd dropped the connection), nothing after a close frame. */
static void
check_ws_output (const guint8 *p,
                 gsize         len)
{
  gboolean closed = FALSE;

  while (len >= 2) {
    guint8 opcode = p[0] & 0x0f;
    guint64 plen;
    gsize hdr;

    kith_fuzz_check (!closed, "a frame after kithd's close frame");
    kith_fuzz_check ((p[0] & 0xf0) == 0x80 && !(p[1] & 0x80),
                     "a server frame without FIN, with reserved bits or masked");
    if (!kithd_ws_frame_length (p, len, &plen, &hdr))
      return;
    if (len - hdr < plen)
      return;

    if (opcode == 0x1) {
      g_autoptr (GError) error = NULL;
      g_autoptr (KithFrame) frame = kith_frame_parse ((const char *) p + hdr, plen,
                                                       KITH_ORIGIN_SERVER, &error);

      kith_fuzz_check (frame != NULL, "kithd sent a frame the client refuses: %s\n%.*s",
                       error->message, (int) MIN (plen, 2000), p + hdr);
    } else if (opcode == 0x8) {
      kith_fuzz_check (plen != 1, "a close frame of one byte");
      closed = TRUE;
    } else {
      kith_fuzz_check (opcode == 0x9 || opcode == 0xA, "a server frame with opcode %u", opcode);
    }
    p += hdr + plen;
    len -= hdr + plen;
  }
}

static const char *
find_header (char      **lines,
             const char *name)
{
  gsize name_len = strlen (name);

  for (guint i = 1; lines[i]; i++) {
    if (g_ascii_strncasecmp (lines[i], name, name_len) == 0 && lines[i][name_len] == ':')
      return g_strchug (lines[i] + name_len + 1);
  }
  return NULL;
}

static void
check_body (guint       status,
            const char *content_type,
            const char *body,
            gsize       len)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *message = NULL;
  KithErrorCode code;

  if (g_strcmp0 (content_type, "application/json") != 0)
    return;
  kith_fuzz_check (json_parser_load_from_data (parser, body, len, NULL),
                   "a JSON answer that is not JSON: %.*s", (int) MIN (len, 2000), body);
  if (status >= 400)
    kith_fuzz_check (kith_response_parse_error (body, len, &code, &message),
                     "an error answer the client cannot read: %.*s", (int) MIN (len, 2000), body);
}

/* @head_sent: the input had a HEAD request (its answer has no body). */
static void
check_output (const char *p,
              gsize       len,
              gboolean    head_sent)
{
  while (len > 0) {
    g_auto (GStrv) lines = NULL;
    g_autofree char *head = NULL;
    const char *end = g_strstr_len (p, len, "\r\n\r\n");
    const char *value;
    guint64 length = 0;
    guint status;
    char *rest;

    kith_fuzz_check (end != NULL, "an answer without the end of its headers: %.*s",
                     (int) MIN (len, 2000), p);
    head = g_strndup (p, end - p);
    kith_fuzz_check (strlen (head) == (gsize) (end - p), "a NUL byte in an answer's headers");
    len -= end + 4 - p;
    p = end + 4;

    /* libmicrohttpd 0.9.75 writes the header block of some error answers
     * of its own twice (400: no Host in an HTTP/1.1 request, a
     * Content-Length that is no number, a folded header line; 413: a
     * Content-Length past 2^64): known, not kithd's (docs/reliability.md);
     * the second block is the answer. kithd's own answers have a type. */
    if ((g_str_has_prefix (head, "HTTP/1.1 4") || g_str_has_prefix (head, "HTTP/1.1 5")) &&
        !strstr (head, "Content-Type:") &&
        len > strcspn (head, "\r") && memcmp (p, head, strcspn (head, "\r") + 1) == 0)
      continue;

    lines = g_strsplit (head, "\r\n", -1);
    kith_fuzz_check ((g_str_has_prefix (lines[0], "HTTP/1.1 ") || g_str_has_prefix (lines[0], "HTTP/1.0 ")) &&
                     g_ascii_isdigit (lines[0][9]) && g_ascii_isdigit (lines[0][10]) &&
                     g_ascii_isdigit (lines[0][11]) && (lines[0][12] == ' ' || lines[0][12] == '\0'),
                     "a bad status line: %s", lines[0]);
    status = g_ascii_strtoull (lines[0] + 9, NULL, 10);
    kith_fuzz_check (status >= 100 && status <= 599, "a status out of range: %u", status);
    for (guint i = 1; lines[i]; i++) {
      const char *colon = strchr (lines[i], ':');

      kith_fuzz_check (colon && colon > lines[i] && !strpbrk (lines[i], "\r\n"),
                       "a bad header line: %s", lines[i]);
    }

    if (status == 101) {
      kith_fuzz_check (find_header (lines, "Sec-WebSocket-Accept") != NULL,
                       "a 101 without Sec-WebSocket-Accept");
      check_ws_output ((const guint8 *) p, len);
      return;
    }
    if (status < 200)
      continue;

    value = find_header (lines, "Content-Length");
    if (value) {
      length = g_ascii_strtoull (value, &rest, 10);
      kith_fuzz_check (*value && *rest == '\0', "a bad Content-Length: %s", value);
    } else {
      kith_fuzz_check (status == 204 || status == 304, "an answer without a Content-Length");
    }
    if (head_sent && length > 0 && (len < length || g_str_has_prefix (p, "HTTP/1.")))
      continue;   /* the answer to HEAD */
    kith_fuzz_check (len >= length, "an answer cut short: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes",
                     (guint64) len, length);
    check_body (status, find_header (lines, "Content-Type"), p, length);
    p += length;
    len -= length;
  }
}

static const guint8 *
find_bytes (const guint8 *data,
            gsize         size,
            const char   *word)
{
  gsize len = strlen (word);

  for (gsize i = 0; i + len <= size; i++) {
    if (memcmp (data + i, word, len) == 0)
      return data + i;
  }
  return NULL;
}

/* ---- the client ---- */

typedef struct {
  GByteArray *output;
  guint       read_id;
  gboolean    eof;
} Client;

static gboolean
on_readable (int          fd,
             GIOCondition condition,
             gpointer     user_data)
{
  Client *client = user_data;

  for (;;) {
    guint8 buf[16384];
    gssize n = recv (fd, buf, sizeof buf, MSG_DONTWAIT);

    if (n > 0) {
      g_byte_array_append (client->output, buf, n);
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return G_SOURCE_CONTINUE;
    client->eof = TRUE;
    client->read_id = 0;
    return G_SOURCE_REMOVE;
  }
}

/* Runs kithd until it has nothing left to do: its main context and its
 * database queue drained, in turns, until neither moves. (Password
 * hashing on its own pool is not waited for.) */
static void
settle (void)
{
  for (int i = 0; i < 32; i++) {
    gboolean progress = FALSE;

    while (g_main_context_iteration (NULL, FALSE))
      progress = TRUE;
    kithd_db_flush (kithd_server_get_db (server));
    while (g_main_context_iteration (NULL, FALSE))
      progress = TRUE;
    if (!progress)
      break;
  }
}

/* Writes @len bytes, as fast as kithd reads; FALSE once kithd closed. */
static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         len,
           gint64        deadline)
{
  while (len > 0) {
    gssize n = send (fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);

    if (n > 0) {
      data += n;
      len -= n;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      kith_fuzz_check (g_get_monotonic_time () < deadline,
                       "kithd did not read a request in %d ms", WAIT_MS);
      g_main_context_iteration (NULL, TRUE);
    } else {
      return FALSE;
    }
  }
  return TRUE;
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_autoptr (GError) error = NULL;
  KithdConfig *config;
  gint64 alice, bob;

  kith_fuzz_init_logging ();

  config = kithd_config_new ();
  g_free (config->data_dir);
  config->data_dir = kith_fuzz_make_temp_dir ("kith-fuzz-http");
  g_free (config->listen_host);
  config->listen_host = g_strdup ("127.0.0.1");
  config->listen_port = 0;
  config->request_timeout_ms = 5000;
  config->idle_timeout_ms = 300;
  config->hello_timeout_ms = 2000;
  config->max_send_queue = 64 * 1024;
  /* The peer is a trusted proxy: X-Forwarded-For names the client. */
  config->trusted_proxies = g_strsplit ("127.0.0.1", ",", -1);

  server = kithd_server_new (config, &error);
  if (!server || !kithd_server_listen (server, &error))
    kith_fuzz_fail ("cannot start kithd: %s", error->message);
  port = kithd_server_get_port (server);

  password_hash = kithd_crypto_hash_password (PASSWORD, &error);
  if (!password_hash)
    kith_fuzz_fail ("cannot hash a password: %s", error->message);
  alice = ensure_account ("alice@example.com", "Alice", ALICE_TOKEN);
  bob = ensure_account ("bob@example.com", "Bob", BOB_TOKEN);
  make_contacts (alice, bob);

  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr (GByteArray) output = g_byte_array_new ();
  struct sockaddr_in addr = { 0 };
  struct linger reset = { 1, 0 };
  Client client = { output, 0, FALSE };
  gint64 deadline = g_get_monotonic_time () + (gint64) WAIT_MS * 1000;
  const guint8 *segment = data;
  const guint8 *end = data + size;
  int fd;

  ensure_account ("alice@example.com", "Alice", ALICE_TOKEN);
  ensure_account ("bob@example.com", "Bob", BOB_TOKEN);

  fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    kith_fuzz_fail ("socket: %s", g_strerror (errno));
  addr.sin_family = AF_INET;
  addr.sin_port = g_htons (port);
  addr.sin_addr.s_addr = g_htonl (INADDR_LOOPBACK);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    kith_fuzz_fail ("connect: %s", g_strerror (errno));
  client.read_id = g_unix_fd_add (fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_readable, &client);

  /* Segments of the input are written one by one, kithd settling in
   * between: a socket's frames after its hello get there after welcome. */
  for (;;) {
    const guint8 *wait = find_bytes (segment, end - segment, WAIT_MARK);
    const guint8 *stop = wait ? wait : end;

    if (!write_all (fd, segment, stop - segment, deadline) || !wait)
      break;
    settle ();
    segment = wait + strlen (WAIT_MARK);
  }

  /* The end of the stream once kithd has read the rest and answered what
   * it can: libmicrohttpd reads on edges, and sees an end that came with
   * the last bytes, or while it waited for an answer, only at the idle
   * timeout (docs/reliability.md), short here for what settle() cannot
   * wait for (password hashing). */
  settle ();
  shutdown (fd, SHUT_WR);

  kith_fuzz_check (kith_fuzz_run_until (&client.eof, MAX (1, (deadline - g_get_monotonic_time ()) / 1000)),
                   "kithd did not close the connection in %d ms (%u bytes answered)",
                   WAIT_MS, output->len);

  /* No TIME_WAIT: many thousand connections a minute. */
  setsockopt (fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  close (fd);

  if (g_getenv ("KITH_FUZZ_VERBOSE")) {
    fprintf (stderr, "== kithd answered %u bytes:\n", output->len);
    fwrite (output->data, 1, output->len, stderr);
    fprintf (stderr, "\n");
  }
  check_output ((const char *) output->data, output->len, find_bytes (data, size, "HEAD") != NULL);

  return 0;
}
