/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdTest"

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kithd-test-helper.h"

/* The helper's clients of a running kithd: a raw HTTP (and WebSocket)
 * client on a plain socket, for what libsoup would not send, and the
 * socket client on libsoup (kithd-test-helper.h). */

/* ---- socket client ---- */

struct _KithdTestSocket
{
  SoupSession              *session;
  SoupWebsocketConnection  *conn;
  GQueue                    frames;   /* JsonObject */
  JsonObject               *welcome;
  gboolean                  connect_done;
  gboolean                  closed;
  GError                   *error;
};

/* ---- a raw HTTP client ---- */

int
kithd_test_raw_open (KithdTestServer *self,
                     const char      *from)
{
  struct sockaddr_in sa = { 0 };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  if (from) {
    struct sockaddr_in local = { 0 };

    local.sin_family = AF_INET;
    g_assert_cmpint (inet_pton (AF_INET, from, &local.sin_addr), ==, 1);
    g_assert_cmpint (bind (fd, (struct sockaddr *) &local, sizeof local), ==, 0);
  }
  sa.sin_family = AF_INET;
  sa.sin_port = g_htons (kithd_test_server_get_port (self));
  sa.sin_addr.s_addr = g_htonl (INADDR_LOOPBACK);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  return fd;
}

gboolean
kithd_test_raw_send (int         fd,
                     const void *data,
                     gsize       len)
{
  const char *p = data;

  while (len > 0) {
    ssize_t n = send (fd, p, len, MSG_NOSIGNAL);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return FALSE;
    p += n;
    len -= n;
  }
  return TRUE;
}

gboolean
kithd_test_raw_send_str (int         fd,
                         const char *text)
{
  return kithd_test_raw_send (fd, text, strlen (text));
}

char *
kithd_test_raw_request (const char *method,
                        const char *path,
                        const char *token,
                        const char *body)
{
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", method, path);
  if (token)
    g_string_append_printf (text, "Authorization: Bearer %s\r\n", token);
  if (body)
    g_string_append_printf (text, "Content-Type: application/json\r\nContent-Length: %zu\r\n",
                            strlen (body));
  g_string_append (text, "\r\n");
  if (body)
    g_string_append (text, body);
  return g_string_free (text, FALSE);
}

/* Reads into @buf until @done says so, the peer closes or @timeout_ms
 * passes. Returns FALSE on timeout. */
static gboolean
raw_read_until (int          fd,
                GString     *buf,
                gboolean   (*done) (GString *buf),
                gboolean    *closed,
                guint        timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000LL;

  *closed = FALSE;
  while (!done (buf)) {
    struct pollfd pfd = { fd, POLLIN, 0 };
    gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
    char chunk[4096];
    ssize_t n;

    if (left <= 0)
      return FALSE;
    if (poll (&pfd, 1, left) <= 0)
      continue;
    n = recv (fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      *closed = TRUE;
      return TRUE;
    }
    g_string_append_len (buf, chunk, n);
  }
  return TRUE;
}

static gboolean
response_complete (GString *buf)
{
  const char *end = strstr (buf->str, "\r\n\r\n");
  const char *cl;
  gsize body_len = 0;

  if (!end)
    return FALSE;
  cl = g_strstr_len (buf->str, end - buf->str, "\r\nContent-Length:");
  if (!cl)
    cl = g_strstr_len (buf->str, end - buf->str, "\r\ncontent-length:");
  if (cl)
    body_len = g_ascii_strtoull (cl + strlen ("\r\nContent-Length:"), NULL, 10);
  return buf->len >= (gsize) (end + 4 - buf->str) + body_len;
}

static gboolean
never_done (GString *buf)
{
  return FALSE;
}

guint
kithd_test_raw_read_response (int     fd,
                              guint   timeout_ms,
                              char  **body,
                              char  **headers)
{
  g_autoptr (GString) buf = g_string_new (NULL);
  gboolean closed;
  const char *end;

  if (!raw_read_until (fd, buf, response_complete, &closed, timeout_ms) ||
      !g_str_has_prefix (buf->str, "HTTP/1.") || buf->len < 12 || !response_complete (buf))
    return 0;
  end = strstr (buf->str, "\r\n\r\n");
  if (body)
    *body = g_strdup (end + 4);
  if (headers)
    *headers = g_strndup (buf->str, end - buf->str);
  return g_ascii_strtoull (buf->str + 9, NULL, 10);
}

gboolean
kithd_test_raw_wait_closed (int   fd,
                            guint timeout_ms)
{
  g_autoptr (GString) buf = g_string_new (NULL);
  gboolean closed;

  raw_read_until (fd, buf, never_done, &closed, timeout_ms);
  return closed;
}

GByteArray *
kithd_test_ws_text_frame (const char *text)
{
  gsize len = strlen (text);
  GByteArray *frame = g_byte_array_new ();
  guint8 hdr[4] = { 0x81, 0, 0, 0 };
  const guint8 mask[4] = { 0, 0, 0, 0 };

  g_assert_cmpuint (len, <, 65536);
  if (len < 126) {
    hdr[1] = 0x80 | len;
    g_byte_array_append (frame, hdr, 2);
  } else {
    hdr[1] = 0x80 | 126;
    hdr[2] = len >> 8;
    hdr[3] = len & 0xff;
    g_byte_array_append (frame, hdr, 4);
  }
  g_byte_array_append (frame, mask, 4);
  g_byte_array_append (frame, (const guint8 *) text, len);
  return frame;
}

gboolean
kithd_test_raw_ws_send (int         fd,
                        const char *text)
{
  g_autoptr (GByteArray) frame = kithd_test_ws_text_frame (text);

  return kithd_test_raw_send (fd, frame->data, frame->len);
}

static gboolean
upgrade_done (GString *buf)
{
  return strstr (buf->str, "\r\n\r\n") != NULL;
}

int
kithd_test_raw_ws_open (KithdTestServer *self,
                        const char      *token,
                        int              rcvbuf)
{
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sa = { 0 };
  g_autoptr (GString) buf = g_string_new (NULL);
  g_autofree char *request = NULL;

  g_assert_cmpint (fd, >=, 0);
  if (rcvbuf > 0)
    g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), ==, 0);
  sa.sin_family = AF_INET;
  sa.sin_port = g_htons (kithd_test_server_get_port (self));
  sa.sin_addr.s_addr = g_htonl (INADDR_LOOPBACK);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);

  request = g_strdup_printf ("GET /api/v1/socket HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\n\r\n", kithd_test_server_get_port (self));
  g_assert_true (kithd_test_raw_send_str (fd, request));
  /* Byte by byte: nothing past the answer is taken from the socket. */
  while (!upgrade_done (buf)) {
    char c;
    struct pollfd pfd = { fd, POLLIN, 0 };

    g_assert_cmpint (poll (&pfd, 1, 20000), ==, 1);
    g_assert_cmpint (recv (fd, &c, 1, 0), ==, 1);
    g_string_append_c (buf, c);
  }
  g_assert_true (g_str_has_prefix (buf->str, "HTTP/1.1 101"));

  if (token) {
    g_autofree char *hello = g_strdup_printf ("{\"type\": \"hello\", \"token\": \"%s\"}", token);

    g_assert_true (kithd_test_raw_ws_send (fd, hello));
  }
  return fd;
}

/* ---- the socket client ---- */

static void
on_socket_message (SoupWebsocketConnection *conn,
                   int                      type,
                   GBytes                  *message,
                   gpointer                 user_data)
{
  KithdTestSocket *self = user_data;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (message, &len);

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  json_parser_load_from_data (parser, data, len, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  g_queue_push_tail (&self->frames, json_object_ref (json_node_get_object (json_parser_get_root (parser))));
}

static void
on_socket_closed (SoupWebsocketConnection *conn,
                  gpointer                 user_data)
{
  KithdTestSocket *self = user_data;

  self->closed = TRUE;
}

static void
on_socket_connected (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  KithdTestSocket *self = user_data;

  self->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &self->error);
  self->connect_done = TRUE;
  if (self->conn) {
    /* Frames up to a whole 64 KiB message and then some, for the size tests. */
    soup_websocket_connection_set_max_incoming_payload_size (self->conn, 4 * 1024 * 1024);
    soup_websocket_connection_set_keepalive_interval (self->conn, 0);
    g_signal_connect (self->conn, "message", G_CALLBACK (on_socket_message), self);
    g_signal_connect (self->conn, "closed", G_CALLBACK (on_socket_closed), self);
  }
}

static gboolean
socket_connect_done (gpointer data)
{
  return ((KithdTestSocket *) data)->connect_done;
}

KithdTestSocket *
kithd_test_socket_connect (KithdTestServer *server,
                           const char      *token,
                           gint64           resume_after)
{
  KithdTestSocket *self = g_new0 (KithdTestSocket, 1);
  g_autofree char *url = kithd_test_server_get_socket_url (server);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);

  g_queue_init (&self->frames);
  self->session = kithd_test_server_new_soup_session (server);
  soup_session_websocket_connect_async (self->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        NULL, on_socket_connected, self);
  g_assert_true (kithd_test_wait_until (socket_connect_done, self, 10000));
  g_assert_no_error (self->error);

  if (token) {
    kithd_test_socket_send_printf (self, "{\"type\": \"hello\", \"token\": \"%s\", \"resume_after\": %" G_GINT64_FORMAT "}",
                                   token, resume_after);
    self->welcome = kithd_test_socket_wait_frame (self, "welcome", NULL, 0, 10000);
    g_assert_nonnull (self->welcome);
  }
  return self;
}

JsonObject *
kithd_test_socket_get_welcome (KithdTestSocket *self)
{
  return self->welcome;
}

void
kithd_test_socket_send (KithdTestSocket *self,
                        const char      *json)
{
  g_assert_nonnull (self->conn);
  soup_websocket_connection_send_text (self->conn, json);
}

void
kithd_test_socket_send_printf (KithdTestSocket *self,
                               const char      *format,
                               ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  kithd_test_socket_send (self, text);
}

void
kithd_test_socket_send_binary (KithdTestSocket *self,
                               const void      *data,
                               gsize            len)
{
  g_assert_nonnull (self->conn);
  soup_websocket_connection_send_binary (self->conn, data, len);
}

typedef struct {
  KithdTestSocket *self;
  const char      *type;
  const char      *member;
  gint64           value;
  GList           *found;
} FrameWait;

static gboolean
frame_matches (JsonObject *frame,
               FrameWait  *wait)
{
  if (g_strcmp0 (json_object_get_string_member_with_default (frame, "type", ""), wait->type) != 0)
    return FALSE;
  if (wait->member &&
      (!json_object_has_member (frame, wait->member) ||
       json_object_get_int_member (frame, wait->member) != wait->value))
    return FALSE;
  return TRUE;
}

static gboolean
frame_arrived (gpointer data)
{
  FrameWait *wait = data;

  for (GList *l = wait->self->frames.head; l; l = l->next) {
    if (frame_matches (l->data, wait)) {
      wait->found = l;
      return TRUE;
    }
  }
  return wait->self->closed;
}

JsonObject *
kithd_test_socket_wait_frame (KithdTestSocket *self,
                              const char      *type,
                              const char      *member,
                              gint64           value,
                              guint            timeout_ms)
{
  FrameWait wait = { self, type, member, value, NULL };
  JsonObject *frame;

  kithd_test_wait_until (frame_arrived, &wait, timeout_ms);
  if (!wait.found)
    return NULL;
  frame = wait.found->data;
  g_queue_delete_link (&self->frames, wait.found);
  return frame;
}

gboolean
kithd_test_socket_await (KithdTestSocket *self,
                         const char      *type,
                         const char      *member,
                         gint64           value,
                         guint            timeout_ms)
{
  g_autoptr (JsonObject) frame = kithd_test_socket_wait_frame (self, type, member, value, timeout_ms);

  return frame != NULL;
}

const char *
kithd_test_socket_wait_presence (KithdTestSocket *self,
                                 gint64           user_id,
                                 guint            timeout_ms)
{
  g_autoptr (JsonObject) frame = kithd_test_socket_wait_frame (self, "presence", "user_id", user_id, timeout_ms);
  static const char *statuses[] = { "offline", "online", "busy", "idle", "mobile" };
  const char *status;

  if (!frame)
    return NULL;
  status = json_object_get_string_member (frame, "status");
  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++) {
    if (g_strcmp0 (status, statuses[i]) == 0)
      return statuses[i];
  }
  g_error ("unknown presence %s", status);
  return NULL;
}

void
kithd_test_socket_assert_presence (KithdTestSocket *self,
                                   gint64           user_id,
                                   const char      *expected)
{
  const char *status = kithd_test_socket_wait_presence (self, user_id, KITHD_TEST_WAIT_MS);

  if (g_strcmp0 (status, expected) != 0)
    g_error ("presence of %" G_GINT64_FORMAT ": expected %s, got %s", user_id, expected, status);
}

void
kithd_test_socket_assert_no_presence (KithdTestSocket *self,
                                      gint64           user_id)
{
  g_autoptr (JsonObject) frame = NULL;

  kithd_test_socket_sync (self);
  frame = kithd_test_socket_wait_frame (self, "presence", "user_id", user_id, 0);
  g_assert_null (frame);
}

void
kithd_test_socket_send_message (KithdTestSocket *self,
                                const char      *id,
                                gint64           to,
                                const char      *body)
{
  kithd_test_socket_send_printf (self, "{\"type\": \"message.send\", \"id\": \"%s\", \"to\": %" G_GINT64_FORMAT
                                 ", \"body\": \"%s\"}", id, to, body);
}

gint64
kithd_test_socket_send_message_acked (KithdTestSocket *self,
                                      const char      *id,
                                      gint64           to,
                                      const char      *body)
{
  g_autoptr (JsonObject) ack = NULL;

  kithd_test_socket_send_message (self, id, to, body);
  ack = kithd_test_socket_wait_frame (self, "message.ack", NULL, 0, KITHD_TEST_WAIT_MS);
  g_assert_nonnull (ack);
  g_assert_cmpstr (json_object_get_string_member (ack, "id"), ==, id);
  return json_object_get_int_member (ack, "seq");
}

guint
kithd_test_socket_count (KithdTestSocket *self,
                         const char      *type)
{
  guint n = 0;

  for (GList *l = self->frames.head; l; l = l->next) {
    if (g_strcmp0 (json_object_get_string_member_with_default (l->data, "type", ""), type) == 0)
      n++;
  }
  return n;
}

void
kithd_test_socket_sync (KithdTestSocket *self)
{
  g_autoptr (JsonObject) pong = NULL;

  kithd_test_socket_send (self, "{\"type\": \"ping\"}");
  pong = kithd_test_socket_wait_frame (self, "pong", NULL, 0, 10000);
  g_assert_nonnull (pong);
}

void
kithd_test_socket_clear (KithdTestSocket *self)
{
  g_queue_clear_full (&self->frames, (GDestroyNotify) json_object_unref);
}

static gboolean
socket_closed (gpointer data)
{
  return ((KithdTestSocket *) data)->closed;
}

guint
kithd_test_socket_wait_closed (KithdTestSocket *self,
                               guint            timeout_ms)
{
  if (!kithd_test_wait_until (socket_closed, self, timeout_ms))
    return 0;
  return soup_websocket_connection_get_close_code (self->conn);
}

gboolean
kithd_test_socket_is_open (KithdTestSocket *self)
{
  return !self->closed;
}

void
kithd_test_socket_free (KithdTestSocket *self)
{
  if (!self)
    return;
  if (self->conn) {
    g_signal_handlers_disconnect_by_data (self->conn, self);
    if (soup_websocket_connection_get_state (self->conn) == SOUP_WEBSOCKET_STATE_OPEN)
      soup_websocket_connection_close (self->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    g_clear_object (&self->conn);
  }
  g_clear_pointer (&self->welcome, json_object_unref);
  kithd_test_socket_clear (self);
  g_clear_error (&self->error);
  g_clear_object (&self->session);
  g_free (self);
}

