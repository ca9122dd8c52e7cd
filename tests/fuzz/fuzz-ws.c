/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithFuzzWs"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "kith-fuzz.h"
#include "kithd-ws.h"

/*
 * kithd's WebSocket framing (KithdWsConn) on one end of a socket pair; the
 * fuzz target is the client on the other end.
 *
 * Input: one options byte, then what the client sends. Options:
 *   bits 0-5  how much of the client's bytes come with the upgrade request
 *             (first_input), in 64ths; the rest is written to the socket
 *   bit 6     small socket buffers: kithd's send queue fills (slow reader)
 *   bit 7     the client reads only once kithd said the connection is gone
 * kithd's side echoes every text message, and sends a ping first when the
 * message is "ping"; "close" makes it close with 4000 instead.
 *
 * Checked: the text callback gets whole, valid UTF-8 messages of at most
 * MAX_MESSAGE bytes; kithd's output is a sequence of well-formed server
 * frames (unmasked, FIN, known opcodes, control frames at most 125 bytes,
 * text in UTF-8), its text frames are the echoes in order, a close frame
 * carries a code that may be sent and is the last frame; the closed
 * callback comes once and the socket is given back, in bounded time.
 */

#define MAX_MESSAGE 1024
#define MAX_QUEUE   4096
#define WAIT_MS     10000

typedef struct _Client Client;

typedef struct {
  KithdWsConn *conn;
  GPtrArray   *delivered;     /* GBytes: texts kithd received, in order */
  guint        n_closed;
  gboolean     released;
  int          server_fd;
  Client      *client;
  gboolean     done;          /* closed and released */
} Run;

static void client_start_reading (Client *client);

static void
on_text (KithdWsConn *conn,
         const char  *data,
         gsize        len,
         gpointer     user_data)
{
  Run *run = user_data;
  g_autoptr (GBytes) bytes = g_bytes_new (data, len);

  kith_fuzz_check (len <= MAX_MESSAGE, "a message over the limit was delivered");
  kith_fuzz_check (g_utf8_validate_len (data, len, NULL), "a text message in bad UTF-8 was delivered");
  kith_fuzz_check (run->n_closed == 0, "a message after the closed callback");

  if (len == 5 && memcmp (data, "close", 5) == 0) {
    kithd_ws_conn_close (conn, 4000, "fuzz");
    return;
  }
  if (len == 4 && memcmp (data, "ping", 4) == 0)
    kithd_ws_conn_send_ping (conn);

  g_ptr_array_add (run->delivered, g_bytes_ref (bytes));
  kithd_ws_conn_send_text (conn, bytes);
}

static void
on_closed (KithdWsConn *conn,
           guint16      code,
           gpointer     user_data)
{
  Run *run = user_data;

  run->n_closed++;
  kith_fuzz_check (run->n_closed == 1, "the closed callback came twice");
  client_start_reading (run->client);
  run->done = run->released;
}

static void
on_release (gpointer data)
{
  Run *run = data;

  kith_fuzz_check (!run->released, "the socket was given back twice");
  run->released = TRUE;
  close (run->server_fd);
  run->server_fd = -1;
  run->done = run->n_closed > 0;
}

static const KithdWsCallbacks callbacks = {
  .text = on_text,
  .closed = on_closed,
};

static gboolean
close_code_may_be_sent (guint code)
{
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

/* Checks kithd's output; a frame cut off at the end is allowed (the
 * connection was dropped), anything after a close frame is not. */
static void
check_output (const guint8 *p,
              gsize         len,
              GPtrArray    *delivered)
{
  guint n_texts = 0;
  gboolean closed = FALSE;

  while (len >= 2) {
    guint8 opcode = p[0] & 0x0f;
    guint64 plen;
    gsize hdr;

    kith_fuzz_check (!closed, "a frame after kithd's close frame");
    kith_fuzz_check ((p[0] & 0xf0) == 0x80, "a server frame without FIN or with reserved bits");
    kith_fuzz_check (!(p[1] & 0x80), "a masked server frame");
    if (!kithd_ws_frame_length (p, len, &plen, &hdr))
      break;
    kith_fuzz_check (hdr != 4 || plen >= 126, "a 16-bit length for a short frame");
    kith_fuzz_check (hdr != 10 || (plen > G_MAXUINT16 && !(plen >> 63)), "a bad 64-bit length");
    if (len - hdr < plen)
      break;

    switch (opcode) {
    case 0x1: {
      GBytes *expected;

      kith_fuzz_check (g_utf8_validate_len ((const char *) p + hdr, plen, NULL),
                       "a text frame in bad UTF-8");
      kith_fuzz_check (n_texts < delivered->len, "a text frame nobody asked for");
      expected = g_ptr_array_index (delivered, n_texts++);
      kith_fuzz_check (g_bytes_get_size (expected) == plen &&
                       (plen == 0 || memcmp (g_bytes_get_data (expected, NULL), p + hdr, plen) == 0),
                       "an echo that is not the next message");
      break;
    }
    case 0x8:
      kith_fuzz_check (plen != 1 && plen <= 125, "a close frame of %u bytes", (guint) plen);
      if (plen >= 2) {
        guint code = (p[hdr] << 8) | p[hdr + 1];

        kith_fuzz_check (close_code_may_be_sent (code), "close code %u may not be sent", code);
        kith_fuzz_check (g_utf8_validate_len ((const char *) p + hdr + 2, plen - 2, NULL),
                         "a close reason in bad UTF-8");
      }
      closed = TRUE;
      break;
    case 0x9:
    case 0xA:
      kith_fuzz_check (plen <= 125, "a control frame over 125 bytes");
      break;
    default:
      kith_fuzz_fail ("a server frame with opcode %u", opcode);
    }
    p += hdr + plen;
    len -= hdr + plen;
  }
}

/* The client's end: writes the input as far as kithd reads it, then ends
 * its side of the stream; reads kithd's output (from the start, or once the
 * closed callback came). */
struct _Client {
  Run          *run;
  int           fd;
  const guint8 *data;
  gsize         len;
  gsize         written;
  gboolean      late_reader;
  GByteArray   *output;
  guint         write_id;
  guint         read_id;
};

static gboolean on_client_readable (int fd, GIOCondition condition, gpointer user_data);

static void
client_read (Client *client)
{
  for (;;) {
    guint8 buf[4096];
    gssize n = recv (client->fd, buf, sizeof buf, MSG_DONTWAIT);

    if (n > 0) {
      g_byte_array_append (client->output, buf, n);
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
      g_clear_handle_id (&client->read_id, g_source_remove);
    return;
  }
}

static gboolean
on_client_readable (int          fd,
                    GIOCondition condition,
                    gpointer     user_data)
{
  Client *client = user_data;
  guint id = client->read_id;

  client_read (client);
  /* client_read() removed the source at the end of the stream. */
  return id == client->read_id ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
client_start_reading (Client *client)
{
  if (client->read_id == 0)
    client->read_id = g_unix_fd_add (client->fd, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                     on_client_readable, client);
}

static gboolean
client_write (Client *client)
{
  while (client->written < client->len) {
    gssize n = send (client->fd, client->data + client->written, client->len - client->written,
                     MSG_DONTWAIT | MSG_NOSIGNAL);

    if (n > 0) {
      client->written += n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return G_SOURCE_CONTINUE;
    } else {
      break;   /* kithd is gone: nothing more to say */
    }
  }
  shutdown (client->fd, SHUT_WR);
  client->write_id = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
on_client_writable (int          fd,
                    GIOCondition condition,
                    gpointer     user_data)
{
  return client_write (user_data);
}

/* Runs what is ready on the main context, without blocking. */
static void
run_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr (GPtrArray) delivered = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr (GByteArray) output = g_byte_array_new ();
  Run run = { NULL, delivered, 0, FALSE, -1, NULL, FALSE };
  Client client = { 0, };
  guint8 options;
  gsize first_len;
  int fds[2];

  if (size < 1)
    return 0;
  options = data[0];
  data++;
  size--;
  first_len = size * (options & 0x3f) / 64;

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
    kith_fuzz_fail ("socketpair: %s", g_strerror (errno));
  fcntl (fds[0], F_SETFL, O_NONBLOCK);
  fcntl (fds[1], F_SETFL, O_NONBLOCK);
  if (options & 0x40) {
    int small = 1;   /* the kernel's minimum */

    setsockopt (fds[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    setsockopt (fds[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  }
  run.server_fd = fds[0];

  client.run = &run;
  client.fd = fds[1];
  client.data = data + first_len;
  client.len = size - first_len;
  client.late_reader = (options & 0x80) != 0;
  client.output = output;
  run.client = &client;

  run.conn = kithd_ws_conn_new (fds[0], data, first_len, on_release, &run,
                                MAX_MESSAGE, MAX_QUEUE, &callbacks, &run);

  if (client_write (&client) == G_SOURCE_CONTINUE)
    client.write_id = g_unix_fd_add (client.fd, G_IO_OUT, on_client_writable, &client);
  if (!client.late_reader)
    client_start_reading (&client);

  kith_fuzz_check (kith_fuzz_run_until (&run.done, WAIT_MS),
                   "kithd did not let go of the connection in %d ms", WAIT_MS);

  g_clear_pointer (&run.conn, kithd_ws_conn_unref);
  run_pending ();
  g_clear_handle_id (&client.write_id, g_source_remove);
  g_clear_handle_id (&client.read_id, g_source_remove);
  client_read (&client);
  close (fds[1]);

  check_output (output->data, output->len, delivered);

  return 0;
}
