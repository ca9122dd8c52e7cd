/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithFakeKithd"

#include "config.h"

#include <string.h>

#include "fake-kithd.h"

#define USER_JSON "{\"id\": 7, \"email\": \"ada@example.com\", \"first_name\": \"Ada\", " \
                  "\"last_name\": \"Lovelace\", \"offline_email_notification\": true, \"plan\": \"free\"}"
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

struct _FakeKithd
{
  GSocketService *service;
  char           *url;
  GHashTable     *rest;       /* path -> FakeRest */
  GHashTable     *counts;     /* path -> count */
  FakeSocket      socket;
  GList          *conns;      /* Conn */
  GArray         *upgrades;   /* gint64 */
  GPtrArray      *frames;     /* char*: what the client sent */
};

typedef struct {
  gint               ref_count;   /* the server's, and a pending read's */
  FakeKithd         *server;
  GSocketConnection *conn;
  GByteArray        *buffer;
  guint8             chunk[4096];
  GCancellable      *cancellable;
  gboolean           websocket;
  gboolean           closed;
} Conn;

static void read_more (Conn *c);

/* Closed at once (the client sees the end of the stream), whatever is
 * pending on it. */
static void
conn_close (Conn *c)
{
  if (c->closed)
    return;
  c->closed = TRUE;
  g_cancellable_cancel (c->cancellable);
  g_socket_close (g_socket_connection_get_socket (c->conn), NULL);
}

static void
conn_unref (Conn *c)
{
  if (--c->ref_count > 0)
    return;
  g_clear_object (&c->cancellable);
  g_clear_object (&c->conn);
  g_byte_array_unref (c->buffer);
  g_free (c);
}

static void
conn_free (Conn *c)
{
  conn_close (c);
  conn_unref (c);
}

static void
conn_write (Conn       *c,
            const void *data,
            gsize       len)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (c->conn));

  /* A few kilobytes to loopback: never blocks for long. */
  if (!c->closed)
    g_output_stream_write_all (out, data, len, NULL, NULL, NULL);
}

static void
respond (Conn       *c,
         guint       status,
         const char *reason,
         const char *type,
         const char *body,
         gssize      claimed_length)
{
  g_autoptr (GString) head = g_string_new (NULL);
  gsize len = body ? strlen (body) : 0;

  g_string_append_printf (head, "HTTP/1.1 %u %s\r\n", status, reason);
  if (type != NULL)
    g_string_append_printf (head, "Content-Type: %s\r\n", type);
  g_string_append_printf (head, "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n",
                          claimed_length >= 0 ? (gsize) claimed_length : len);
  conn_write (c, head->str, head->len);
  if (len > 0)
    conn_write (c, body, len);
}

/* ---- REST ---- */

static void
answer_ok (Conn       *c,
           const char *method,
           const char *path)
{
  if (g_str_equal (path, "/api/v1/sessions") || g_str_equal (path, "/api/v1/accounts"))
    respond (c, 201, "Created", "application/json",
             "{\"token\": \"kt_fake\", \"user\": " USER_JSON "}", -1);
  else if (g_str_equal (path, "/api/v1/sessions/current"))
    respond (c, 204, "No Content", NULL, NULL, -1);
  else if (g_str_equal (path, "/api/v1/me"))
    respond (c, 200, "OK", "application/json", USER_JSON, -1);
  else if (g_str_equal (path, "/api/v1/contacts"))
    respond (c, 200, "OK", "application/json",
             "{\"contacts\": [{\"user\": {\"id\": 9, \"email\": \"bob@example.com\", "
             "\"first_name\": \"Bob\", \"last_name\": \"Tester\"}, \"state\": \"accepted\", "
             "\"presence\": \"offline\"}]}", -1);
  else if (g_str_equal (path, "/api/v1/server"))
    respond (c, 200, "OK", "application/json",
             "{\"name\": \"fake\", \"version\": \"0\", \"protocol\": 1, \"login_flows\": [\"password\"], "
             "\"password_policy\": {\"min_length\": 8, "
             "\"rules\": [\"length\", \"upper\", \"lower\", \"digit\", \"symbol\"]}}", -1);
  else if (g_str_has_prefix (path, "/api/v1/conversations/"))
    respond (c, 200, "OK", "application/json", "{\"messages\": []}", -1);
  else
    respond (c, 404, "Not Found", "application/json",
             "{\"error\": {\"code\": \"not_found\", \"message\": \"No such route.\"}}", -1);
}

static void
answer_rest (Conn       *c,
             const char *method,
             const char *path)
{
  FakeRest how = GPOINTER_TO_UINT (g_hash_table_lookup (c->server->rest, path));

  switch (how) {
  case FAKE_REST_OK:
    answer_ok (c, method, path);
    break;
  case FAKE_REST_NOT_JSON:
    respond (c, 200, "OK", "text/plain", "Hello! This is not JSON.\n", -1);
    break;
  case FAKE_REST_WRONG_SHAPE:
    respond (c, 200, "OK", "application/json", "{\"unexpected\": [1, 2, 3], \"contacts\": 5}", -1);
    break;
  case FAKE_REST_TRUNCATED:
    respond (c, 200, "OK", "application/json", "{\"token\": \"kt_fa", 4096);
    break;
  case FAKE_REST_HTML_ERROR:
    respond (c, 502, "Bad Gateway", "text/html",
             "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
             "<body><h1>Bad Gateway</h1><p>The upstream server is down.</p></body></html>\n", -1);
    break;
  case FAKE_REST_CLOSED:
    conn_write (c, "HTTP/1.1 200 O", 14);
    break;
  case FAKE_REST_CLOSED_AT_ONCE:
    break;
  case FAKE_REST_SILENT:
    return;   /* kept open, never answered */
  default:
    g_assert_not_reached ();
  }
  conn_close (c);
}

/* ---- WebSocket ---- */

static void
ws_send (Conn       *c,
         guint8      opcode,
         const char *payload,
         gsize       len)
{
  guint8 head[4];
  gsize head_len = 2;

  head[0] = 0x80 | opcode;
  if (len < 126) {
    head[1] = len;
  } else {
    head[1] = 126;
    head[2] = (len >> 8) & 0xff;
    head[3] = len & 0xff;
    head_len = 4;
  }
  conn_write (c, head, head_len);
  if (len > 0)
    conn_write (c, payload, len);
}

static void
ws_text (Conn       *c,
         const char *json)
{
  ws_send (c, 0x1, json, strlen (json));
}

#define WELCOME "{\"type\": \"welcome\", \"user\": " USER_JSON ", \"seq\": 0}"

static void
on_hello (Conn *c)
{
  static const guint8 half_frame[] = { 0x81, 0x7e, 0x03, 0xe8, '{', '"', 't', 'y', 'p', 'e', '"', ':' };

  switch (c->server->socket) {
  case FAKE_SOCKET_OK:
    ws_text (c, WELCOME);
    break;
  case FAKE_SOCKET_GARBAGE:
    ws_text (c, "<html><body>Hello there, this is not a frame.</body></html>");
    break;
  case FAKE_SOCKET_INVALID_FRAME:
    ws_send (c, 0x3, NULL, 0);   /* a reserved opcode */
    break;
  case FAKE_SOCKET_CLOSED_MID_FRAME:
    conn_write (c, half_frame, sizeof half_frame);
    conn_close (c);
    break;
  case FAKE_SOCKET_REFUSED_FRAME:
    ws_text (c, "{\"type\": \"welcome\", \"user\": " USER_JSON ", \"seq\": \"forty-two\"}");
    break;
  case FAKE_SOCKET_WELCOME_CLOSE:
    ws_text (c, WELCOME);
    conn_close (c);
    break;
  case FAKE_SOCKET_WELCOME_GARBAGE:
    ws_text (c, WELCOME);
    ws_text (c, "garbage garbage garbage");
    break;
  case FAKE_SOCKET_WELCOME_UNKNOWN:
    ws_text (c, WELCOME);
    ws_text (c, "{\"type\": \"hologram.call\", \"from\": 9}");
    break;
  case FAKE_SOCKET_NO_UPGRADE:
  default:
    g_assert_not_reached ();
  }
}

static void
on_ws_text (Conn       *c,
            const char *json)
{
  g_ptr_array_add (c->server->frames, g_strdup (json));
  if (strstr (json, "\"hello\"") != NULL)
    on_hello (c);
  else if (strstr (json, "\"ping\"") != NULL)
    ws_text (c, "{\"type\": \"pong\"}");
}

/* Frames from the client: masked, one at a time. */
static void
process_ws (Conn *c)
{
  while (!c->closed && c->buffer->len >= 2) {
    const guint8 *d = c->buffer->data;
    guint8 opcode = d[0] & 0x0f;
    guint64 len = d[1] & 0x7f;
    gsize pos = 2;
    g_autofree char *payload = NULL;

    if (len == 126) {
      if (c->buffer->len < 4)
        return;
      len = (d[2] << 8) | d[3];
      pos = 4;
    } else if (len == 127) {
      if (c->buffer->len < 10)
        return;
      len = 0;
      for (guint i = 0; i < 8; i++)
        len = (len << 8) | d[2 + i];
      pos = 10;
    }
    g_assert_true (d[1] & 0x80);   /* clients mask */
    if (c->buffer->len < pos + 4 + len)
      return;
    payload = g_malloc (len + 1);
    for (guint64 i = 0; i < len; i++)
      payload[i] = d[pos + 4 + i] ^ d[pos + (i % 4)];
    payload[len] = '\0';
    g_byte_array_remove_range (c->buffer, 0, pos + 4 + len);

    if (opcode == 0x1) {
      on_ws_text (c, payload);
    } else if (opcode == 0x8) {
      ws_send (c, 0x8, payload, MIN (len, 2));
      conn_close (c);
    } else if (opcode == 0x9) {
      ws_send (c, 0xa, payload, len);
    }
  }
}

static void
upgrade (Conn       *c,
         const char *key)
{
  g_autoptr (GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  g_autofree char *accept = NULL;
  g_autofree char *head = NULL;
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  gint64 now = g_get_monotonic_time ();

  g_array_append_val (c->server->upgrades, now);
  if (c->server->socket == FAKE_SOCKET_NO_UPGRADE || key == NULL) {
    respond (c, 502, "Bad Gateway", "text/html",
             "<html><body><h1>502 Bad Gateway</h1></body></html>\n", -1);
    conn_close (c);
    return;
  }

  g_checksum_update (sha1, (const guchar *) key, -1);
  g_checksum_update (sha1, (const guchar *) WS_GUID, -1);
  g_checksum_get_digest (sha1, digest, &digest_len);
  accept = g_base64_encode (digest, digest_len);
  head = g_strdup_printf ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
  conn_write (c, head, strlen (head));
  c->websocket = TRUE;
}

/* ---- HTTP requests ---- */

static void
process_http (Conn *c)
{
  const char *data = (const char *) c->buffer->data;
  const char *end = g_strstr_len (data, c->buffer->len, "\r\n\r\n");
  g_autofree char *head = NULL;
  g_auto (GStrv) lines = NULL;
  g_auto (GStrv) request = NULL;
  g_autofree char *path = NULL;
  const char *key = NULL;
  gsize body_len = 0;
  gsize head_len;
  guint count;

  if (end == NULL)
    return;
  head_len = end - data + 4;
  head = g_strndup (data, end - data);
  lines = g_strsplit (head, "\r\n", -1);
  request = g_strsplit (lines[0], " ", 3);
  g_assert_cmpuint (g_strv_length (request), ==, 3);
  for (guint i = 1; lines[i] != NULL; i++) {
    if (g_ascii_strncasecmp (lines[i], "Content-Length:", 15) == 0)
      body_len = g_ascii_strtoull (lines[i] + 15, NULL, 10);
    else if (g_ascii_strncasecmp (lines[i], "Sec-WebSocket-Key:", 18) == 0)
      key = g_strstrip (lines[i] + 18);
  }
  if (c->buffer->len < head_len + body_len)
    return;   /* the body is still coming */
  g_byte_array_remove_range (c->buffer, 0, head_len + body_len);

  path = g_strndup (request[1], strcspn (request[1], "?"));
  count = GPOINTER_TO_UINT (g_hash_table_lookup (c->server->counts, path));
  g_hash_table_insert (c->server->counts, g_strdup (path), GUINT_TO_POINTER (count + 1));

  if (g_str_equal (path, "/api/v1/socket"))
    upgrade (c, key);
  else
    answer_rest (c, request[0], path);
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Conn *c = user_data;
  g_autoptr (GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (c->closed || n <= 0) {
    conn_close (c);
    conn_unref (c);
    return;
  }
  g_byte_array_append (c->buffer, c->chunk, n);
  if (c->websocket)
    process_ws (c);
  else
    process_http (c);
  if (c->websocket)
    process_ws (c);   /* frames that came with the request */
  read_more (c);
  conn_unref (c);
}

static void
read_more (Conn *c)
{
  if (c->closed)
    return;
  c->ref_count++;
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (c->conn)),
                             c->chunk, sizeof c->chunk, G_PRIORITY_DEFAULT, c->cancellable,
                             on_read, c);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source,
             gpointer           user_data)
{
  FakeKithd *self = user_data;
  Conn *c = g_new0 (Conn, 1);

  c->ref_count = 1;
  c->server = self;
  c->conn = g_object_ref (connection);
  c->buffer = g_byte_array_new ();
  c->cancellable = g_cancellable_new ();
  self->conns = g_list_prepend (self->conns, c);
  read_more (c);
  return TRUE;
}

FakeKithd *
fake_kithd_new (void)
{
  FakeKithd *self = g_new0 (FakeKithd, 1);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) error = NULL;

  self->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  self->url = g_strdup_printf ("http://127.0.0.1:%u",
                               g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  self->rest = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->upgrades = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->frames = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);
  g_socket_service_start (self->service);
  return self;
}

const char *
fake_kithd_get_url (FakeKithd *self)
{
  return self->url;
}

void
fake_kithd_set_rest (FakeKithd  *self,
                     const char *path,
                     FakeRest    how)
{
  g_hash_table_insert (self->rest, g_strdup (path), GUINT_TO_POINTER (how));
}

void
fake_kithd_set_socket (FakeKithd  *self,
                       FakeSocket  how)
{
  self->socket = how;
}

void
fake_kithd_close_sockets (FakeKithd *self)
{
  for (GList *l = self->conns; l != NULL; l = l->next) {
    Conn *c = l->data;

    if (c->websocket)
      conn_close (c);
  }
}

guint
fake_kithd_count (FakeKithd  *self,
                  const char *path)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, path));
}

GArray *
fake_kithd_get_upgrade_times (FakeKithd *self)
{
  return self->upgrades;
}

GPtrArray *
fake_kithd_get_frames (FakeKithd *self)
{
  return self->frames;
}

void
fake_kithd_free (FakeKithd *self)
{
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_signal_handlers_disconnect_by_data (self->service, self);
  g_clear_object (&self->service);
  g_list_free_full (self->conns, (GDestroyNotify) conn_free);
  g_hash_table_unref (self->rest);
  g_hash_table_unref (self->counts);
  g_array_unref (self->upgrades);
  g_ptr_array_unref (self->frames);
  g_free (self->url);
  g_free (self);
}
