/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "TestMailerSmtp"

#include "config.h"

#include <string.h>

#include "kithd-test-mailer.h"

/* The mailer's delivery: SMTP to a tiny server on loopback (a plain
 * relay), its retries and the back-off, a recipient refused for good, mail
 * that survives a restart. The mail's text and the outbox are
 * test-mailer.c. */

/* A pass runs, and some mail is left for a retry. */
static void
assert_flush_waits (KithdMailer *mailer)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (flush_mailer (mailer, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
}

/* ---- a tiny SMTP server on loopback ---- */

typedef struct {
  char *from;
  char *rcpt;
  char *data;
} Received;

static void
received_free (Received *received)
{
  g_free (received->from);
  g_free (received->rcpt);
  g_free (received->data);
  g_free (received);
}

typedef struct {
  GSocketService *service;
  char           *url;
  GMutex          mutex;
  GPtrArray      *received;           /* Received */
  guint           refuse_connections; /* answer 421 to this many first */
  guint           connections;
} SmtpServer;

static gboolean
smtp_reply (GOutputStream *out,
            const char    *reply)
{
  return g_output_stream_write_all (out, reply, strlen (reply), NULL, NULL, NULL);
}

static gboolean
on_smtp_run (GThreadedSocketService *service,
             GSocketConnection      *connection,
             GObject                *source,
             gpointer                user_data)
{
  SmtpServer *server = user_data;
  g_autoptr (GDataInputStream) in = NULL;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  Received *current = NULL;
  gboolean refuse;

  g_mutex_lock (&server->mutex);
  refuse = server->connections++ < server->refuse_connections;
  g_mutex_unlock (&server->mutex);

  if (refuse) {
    smtp_reply (out, "421 test.invalid Try again later\r\n");
    return TRUE;
  }

  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);

  smtp_reply (out, "220 test.invalid ESMTP ready\r\n");

  for (;;) {
    g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, NULL);

    if (line == NULL)
      break;

    if (g_str_has_prefix (line, "HELO ") || g_str_has_prefix (line, "EHLO ")) {
      smtp_reply (out, "250-test.invalid\r\n250 8BITMIME\r\n");
    } else if (g_str_has_prefix (line, "MAIL FROM:<")) {
      g_clear_pointer (&current, received_free);
      current = g_new0 (Received, 1);
      current->from = g_strndup (line + 11, strlen (line) - 12);
      smtp_reply (out, "250 OK\r\n");
    } else if (g_str_has_prefix (line, "RCPT TO:<nobody@") && current != NULL) {
      smtp_reply (out, "550 5.1.1 No such user here\r\n");
    } else if (g_str_has_prefix (line, "RCPT TO:<") && current != NULL) {
      current->rcpt = g_strndup (line + 9, strlen (line) - 10);
      smtp_reply (out, "250 OK\r\n");
    } else if (g_str_equal (line, "DATA") && current != NULL && current->rcpt != NULL) {
      GString *data = g_string_new (NULL);

      smtp_reply (out, "354 End data with <CR><LF>.<CR><LF>\r\n");
      for (;;) {
        g_autofree char *data_line = g_data_input_stream_read_line (in, NULL, NULL, NULL);

        if (data_line == NULL || g_str_equal (data_line, "."))
          break;
        /* undo dot-stuffing */
        g_string_append (data, data_line[0] == '.' ? data_line + 1 : data_line);
        g_string_append (data, "\r\n");
      }
      current->data = g_string_free (data, FALSE);

      g_mutex_lock (&server->mutex);
      g_ptr_array_add (server->received, g_steal_pointer (&current));
      g_mutex_unlock (&server->mutex);

      smtp_reply (out, "250 OK queued\r\n");
    } else if (g_str_equal (line, "RSET")) {
      g_clear_pointer (&current, received_free);
      smtp_reply (out, "250 OK\r\n");
    } else if (g_str_equal (line, "QUIT")) {
      smtp_reply (out, "221 Bye\r\n");
      break;
    } else {
      smtp_reply (out, "500 Unknown command\r\n");
    }
  }

  g_clear_pointer (&current, received_free);
  return TRUE;
}

static SmtpServer *
smtp_server_new (guint refuse_connections)
{
  SmtpServer *server = g_new0 (SmtpServer, 1);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (GError) error = NULL;

  g_mutex_init (&server->mutex);
  server->received = g_ptr_array_new_with_free_func ((GDestroyNotify) received_free);
  server->refuse_connections = refuse_connections;
  server->service = g_threaded_socket_service_new (2);

  g_socket_listener_add_address (G_SOCKET_LISTENER (server->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  server->url = g_strdup_printf ("smtp://127.0.0.1:%u",
                                 g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective)));

  g_signal_connect (server->service, "run", G_CALLBACK (on_smtp_run), server);
  g_socket_service_start (server->service);

  return server;
}

static guint
smtp_server_count (SmtpServer *server)
{
  guint n;

  g_mutex_lock (&server->mutex);
  n = server->received->len;
  g_mutex_unlock (&server->mutex);

  return n;
}

static void
smtp_server_free (SmtpServer *server)
{
  g_socket_service_stop (server->service);
  g_socket_listener_close (G_SOCKET_LISTENER (server->service));
  g_signal_handlers_disconnect_by_data (server->service, server);
  g_object_unref (server->service);
  g_ptr_array_unref (server->received);
  g_mutex_clear (&server->mutex);
  g_free (server->url);
  g_free (server);
}

/* A loopback URL where nothing listens (a port just released). */
static char *
dead_smtp_url (void)
{
  g_autoptr (GSocketListener) listener = g_socket_listener_new ();
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (GError) error = NULL;
  guint port;

  g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_socket_listener_close (listener);

  return g_strdup_printf ("smtp://127.0.0.1:%u", port);
}

/* A mailer that speaks plain SMTP to the fake on loopback (no TLS, no
 * login: a local relay). */
static KithdMailer *
smtp_mailer_new (Fixture    *fixture,
                 const char *url)
{
  KithdSmtpOptions smtp = { .url = url, .timeout = 10 };

  return kithd_mailer_new (fixture->db, NULL, &smtp, FROM);
}

static void
test_smtp (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr (KithdMailer) mailer = NULL;
  g_autoptr (GError) error = NULL;
  SmtpServer *server = smtp_server_new (0);
  Received *received;
  g_autofree char *subject = NULL;
  g_autofree char *to = NULL;

  mailer = smtp_mailer_new (fixture, server->url);
  kithd_mailer_send (mailer, 0, "Ada <ada@example.com>", "You have new messages on Kith",
                     "Bob sent you messages while you were away.\n.\n..two dots\nBye\n");

  g_assert_true (flush_mailer (mailer, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (queue_length (fixture), ==, 0);

  g_assert_cmpuint (smtp_server_count (server), ==, 1);
  received = server->received->pdata[0];
  g_assert_cmpstr (received->from, ==, "noreply@kith.test");
  g_assert_cmpstr (received->rcpt, ==, "ada@example.com");
  subject = header (received->data, "Subject");
  to = header (received->data, "To");
  g_assert_cmpstr (subject, ==, "You have new messages on Kith");
  g_assert_cmpstr (to, ==, "Ada <ada@example.com>");
  /* lines starting with a dot arrive whole */
  g_assert_cmpstr (body_of (received->data), ==,
                   "Bob sent you messages while you were away.\r\n.\r\n..two dots\r\nBye\r\n");

  /* SMTP only: no outbox */
  g_assert_false (g_file_test (fixture->outbox, G_FILE_TEST_EXISTS));

  g_assert_finalize_object (g_steal_pointer (&mailer));
  smtp_server_free (server);
}

static void
on_delivered_flag (KithdMailer *mailer,
                   gint64       mail_id,
                   gboolean    *flag)
{
  *flag = TRUE;
}

static void
on_delivered_count (guint  *count,
                    gint64  mail_id)
{
  (*count)++;
}

static void
test_smtp_retry (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr (KithdMailer) mailer = NULL;
  SmtpServer *server = smtp_server_new (1);
  gboolean delivered = FALSE;

  mailer = smtp_mailer_new (fixture, server->url);
  kithd_mailer_set_retry_interval (mailer, 1);
  g_signal_connect (mailer, "delivered", G_CALLBACK (on_delivered_flag), &delivered);

  kithd_mailer_send (mailer, 0, "ada@example.com", "Retry", "Body\n");

  /* the first try meets a 421: the mail waits */
  assert_flush_waits (mailer);
  g_assert_false (delivered);
  g_assert_cmpuint (queue_length (fixture), ==, 1);

  /* the retry timer delivers it */
  wait_for (&delivered, 20);
  g_assert_cmpuint (smtp_server_count (server), ==, 1);
  g_assert_cmpuint (queue_length (fixture), ==, 0);

  g_signal_handlers_disconnect_by_data (mailer, &delivered);
  g_assert_finalize_object (g_steal_pointer (&mailer));
  smtp_server_free (server);
}

/* A recipient the server refuses for good (550 to RCPT): alone, it may be
 * the settings' fault (relaying denied), so it waits; once the server took
 * another mail, it is that recipient's, and the mail is dropped rather
 * than coming first in every batch. */
static void
test_smtp_recipient_refused (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr (KithdMailer) mailer = NULL;
  g_autoptr (GError) error = NULL;
  SmtpServer *server = smtp_server_new (0);
  Received *received;

  mailer = smtp_mailer_new (fixture, server->url);
  kithd_mailer_send (mailer, 0, "nobody@example.com", "Lost", "Nobody reads this\n");
  assert_flush_waits (mailer);
  g_assert_cmpuint (queue_length (fixture), ==, 1);

  kithd_mailer_send (mailer, 0, "ada@example.com", "Found", "Ada reads this\n");
  g_assert_true (flush_mailer (mailer, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (queue_length (fixture), ==, 0);
  g_assert_cmpuint (smtp_server_count (server), ==, 1);
  received = server->received->pdata[0];
  g_assert_cmpstr (received->rcpt, ==, "ada@example.com");

  g_assert_finalize_object (g_steal_pointer (&mailer));
  smtp_server_free (server);
}

/* After failed tries the wait doubles, up to an hour. */
static void
test_backoff (void)
{
  g_assert_cmpuint (kithd_mail_backoff (60, 1), ==, 60);
  g_assert_cmpuint (kithd_mail_backoff (60, 2), ==, 120);
  g_assert_cmpuint (kithd_mail_backoff (60, 3), ==, 240);
  g_assert_cmpuint (kithd_mail_backoff (60, 6), ==, 1920);
  g_assert_cmpuint (kithd_mail_backoff (60, 7), ==, 3600);
  g_assert_cmpuint (kithd_mail_backoff (60, 1000), ==, 3600);
  g_assert_cmpuint (kithd_mail_backoff (1, 1), ==, 1);
  g_assert_cmpuint (kithd_mail_backoff (1, 5), ==, 16);
  /* a retry interval over the cap stays as it is */
  g_assert_cmpuint (kithd_mail_backoff (7200, 3), ==, 7200);
}

/* New mail does not wait out a long back-off: it goes once the retry
 * interval has passed since the last failed try. */
static void
test_smtp_new_mail_during_backoff (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autoptr (KithdMailer) mailer = NULL;
  SmtpServer *server = smtp_server_new (6);
  guint delivered = 0;
  gint64 start;

  mailer = smtp_mailer_new (fixture, server->url);
  kithd_mailer_set_retry_interval (mailer, 1);
  kithd_mailer_send (mailer, 0, "ada@example.com", "First", "Body\n");

  /* six failed tries in a row: the next retry is 32 s away */
  for (guint i = 0; i < 6; i++)
    assert_flush_waits (mailer);
  g_assert_cmpuint (queue_length (fixture), ==, 1);

  g_signal_connect_swapped (mailer, "delivered", G_CALLBACK (on_delivered_count), &delivered);
  start = g_get_monotonic_time ();
  kithd_mailer_send (mailer, 0, "bob@example.com", "Second", "Body\n");
  while (delivered < 2) {
    g_assert_cmpint (g_get_monotonic_time () - start, <, 20 * G_USEC_PER_SEC);
    g_main_context_iteration (NULL, TRUE);
  }
  g_assert_cmpuint (smtp_server_count (server), ==, 2);
  g_assert_cmpuint (queue_length (fixture), ==, 0);

  g_signal_handlers_disconnect_by_data (mailer, &delivered);
  g_assert_finalize_object (g_steal_pointer (&mailer));
  smtp_server_free (server);
}

static void
test_restart (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr (KithdMailer) mailer = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) files = NULL;
  g_autofree char *dead = dead_smtp_url ();
  g_autofree char *new_dir = g_build_filename (fixture->outbox, "new", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *subject = NULL;

  /* the relay is down: the mail stays queued */
  mailer = smtp_mailer_new (fixture, dead);
  kithd_mailer_send (mailer, 0, "ada@example.com", "Survives a restart", "Still here\n");
  assert_flush_waits (mailer);
  g_assert_finalize_object (g_steal_pointer (&mailer));

  /* kithd stops and starts again */
  close_store (fixture);
  open_store (fixture);
  g_assert_cmpuint (queue_length (fixture), ==, 1);

  /* the new mailer delivers what was left, on its own */
  mailer = kithd_mailer_new (fixture->db, fixture->outbox, NULL, FROM);
  g_assert_true (flush_mailer (mailer, &error));
  g_assert_no_error (error);

  files = list_dir (new_dir);
  g_assert_cmpuint (files->len, ==, 1);
  contents = read_outbox_file (fixture, files->pdata[0]);
  subject = header (contents, "Subject");
  g_assert_cmpstr (subject, ==, "Survives a restart");
  g_assert_cmpstr (body_of (contents), ==, "Still here\r\n");
  g_assert_cmpuint (queue_length (fixture), ==, 0);

  g_assert_finalize_object (g_steal_pointer (&mailer));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/mailer/smtp", Fixture, NULL, fixture_setup, test_smtp, fixture_teardown);
  g_test_add ("/mailer/smtp-retry", Fixture, NULL, fixture_setup, test_smtp_retry, fixture_teardown);
  g_test_add ("/mailer/restart", Fixture, NULL, fixture_setup, test_restart, fixture_teardown);
  g_test_add ("/mailer/smtp-recipient-refused", Fixture, NULL, fixture_setup,
              test_smtp_recipient_refused, fixture_teardown);
  g_test_add_func ("/mailer/backoff", test_backoff);
  g_test_add ("/mailer/smtp-new-mail-during-backoff", Fixture, NULL, fixture_setup,
              test_smtp_new_mail_during_backoff, fixture_teardown);

  return g_test_run ();
}
