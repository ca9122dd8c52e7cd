/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdMailer"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "kithd-mailer-private.h"

/*
 * The delivery of one batch, on a thread of the mailer's (kithd-mailer.c):
 * each mail written to the outbox (DATA_DIR/outbox/{tmp,new}, fsynced,
 * then renamed), or sent over one SMTP connection. Nothing here touches
 * the store or the main loop.
 */

#define SMTP_TIMEOUT_SECONDS 30

void
kithd_mail_delivery_free (Delivery *delivery)
{
  g_free (delivery->outbox_dir);
  g_free (delivery->smtp_url);
  g_free (delivery->from_address);
  g_clear_pointer (&delivery->mails, g_ptr_array_unref);
  g_free (delivery);
}

void
kithd_mail_delivery_result_free (DeliveryResult *result)
{
  g_clear_pointer (&result->done, g_array_unref);
  g_clear_pointer (&result->delivered, g_array_unref);
  g_free (result);
}

static gboolean
write_all (int          fd,
           const char  *data,
           gsize        length,
           GError     **error)
{
  while (length > 0) {
    ssize_t n = write (fd, data, length);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot write a mail: %s", g_strerror (saved));
      return FALSE;
    }

    data += n;
    length -= n;
  }

  return TRUE;
}

/* A mail kithd_mailer_format_message() would not write: dropped for good. */
static void
refuse_bad_address (const KithdMail *mail,
                    DeliveryResult  *result)
{
  g_message ("Mail %" G_GINT64_FORMAT " has no valid recipient address; dropping it", mail->id);
  g_array_append_val (result->done, mail->id);
}

static gboolean
write_outbox (const char       *outbox_dir,
              const KithdMail  *mail,
              const char       *message,
              GError          **error)
{
  g_autofree char *tmp_dir = g_build_filename (outbox_dir, "tmp", NULL);
  g_autofree char *new_dir = g_build_filename (outbox_dir, "new", NULL);
  g_autofree char *cur_dir = g_build_filename (outbox_dir, "cur", NULL);
  g_autofree char *name = NULL;
  g_autofree char *tmp_path = NULL;
  g_autofree char *new_path = NULL;
  int fd;

  if (g_mkdir_with_parents (tmp_dir, 0700) < 0 ||
      g_mkdir_with_parents (new_dir, 0700) < 0 ||
      g_mkdir_with_parents (cur_dir, 0700) < 0) {
    int saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "Cannot create the outbox %s: %s", outbox_dir, g_strerror (saved));
    return FALSE;
  }

  /* named after the mail, so a redelivery after a crash replaces the file */
  name = g_strdup_printf ("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".kithd",
                          mail->created_at / 1000, mail->id);
  tmp_path = g_build_filename (tmp_dir, name, NULL);
  new_path = g_build_filename (new_dir, name, NULL);

  fd = open (tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    int saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "Cannot create %s: %s", tmp_path, g_strerror (saved));
    return FALSE;
  }

  if (!write_all (fd, message, strlen (message), error) ||
      fsync (fd) < 0) {
    if (error && *error == NULL)
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot sync %s", tmp_path);
    close (fd);
    g_unlink (tmp_path);
    return FALSE;
  }
  close (fd);

  if (g_rename (tmp_path, new_path) < 0) {
    int saved = errno;

    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                 "Cannot move a mail into %s: %s", new_dir, g_strerror (saved));
    g_unlink (tmp_path);
    return FALSE;
  }

  return TRUE;
}

typedef struct {
  GIOStream        *stream;
  GDataInputStream *in;
  GOutputStream    *out;
} Smtp;

static void
smtp_clear (Smtp *smtp)
{
  g_clear_object (&smtp->in);
  g_clear_object (&smtp->stream);
}

/* Reads one (possibly multi-line) reply; its code, or 0 with @error set. */
static guint
smtp_reply (Smtp    *smtp,
            GError **error)
{
  for (;;) {
    g_autofree char *line = NULL;
    guint code;

    line = g_data_input_stream_read_line (smtp->in, NULL, NULL, error);
    if (line == NULL) {
      if (error && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                     "The SMTP server closed the connection");
      return 0;
    }

    g_strchomp (line);
    if (strlen (line) < 3 ||
        !g_ascii_isdigit (line[0]) || !g_ascii_isdigit (line[1]) || !g_ascii_isdigit (line[2])) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The SMTP server sent a malformed reply");
      return 0;
    }

    code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (line[3] != '-')
      return code;
  }
}

static gboolean
smtp_write (Smtp        *smtp,
            const char  *data,
            GError     **error)
{
  return g_output_stream_write_all (smtp->out, data, strlen (data), NULL, NULL, error);
}

/* Sends @command and reads the reply code (0 on an I/O error). */
static guint
smtp_command (Smtp        *smtp,
              const char  *command,
              GError     **error)
{
  if (!smtp_write (smtp, command, error))
    return 0;

  return smtp_reply (smtp, error);
}

/* SMTP DATA: dot-stuffed, ended by CRLF.CRLF. @message has CRLF ends. */
static char *
smtp_dot_stuff (const char *message)
{
  GString *out = g_string_sized_new (strlen (message) + 16);
  gboolean line_start = TRUE;

  for (const char *p = message; *p != '\0'; p++) {
    if (line_start && *p == '.')
      g_string_append_c (out, '.');
    g_string_append_c (out, *p);
    line_start = *p == '\n';
  }
  g_string_append (out, ".\r\n");

  return g_string_free (out, FALSE);
}

typedef enum {
  SENT,
  REFUSED,        /* 5xx: will never go; dropped */
  DEFERRED,       /* 4xx: try later */
  BROKEN,         /* I/O error: connection unusable */
} SmtpOutcome;

static SmtpOutcome
smtp_classify (guint code)
{
  if (code == 0)
    return BROKEN;
  if (code >= 500)
    return REFUSED;
  return DEFERRED;
}

static SmtpOutcome
smtp_send_one (Smtp             *smtp,
               const char       *from_bare,
               const KithdMail  *mail,
               const char       *message,
               GError          **error)
{
  g_autofree char *to = kithd_mail_one_line (mail->to_address);
  g_autofree char *to_bare = kithd_mail_bare_address (to);
  g_autofree char *mail_from = g_strdup_printf ("MAIL FROM:<%s>\r\n", from_bare);
  g_autofree char *rcpt_to = g_strdup_printf ("RCPT TO:<%s>\r\n", to_bare);
  g_autofree char *data = NULL;
  guint code;

  code = smtp_command (smtp, mail_from, error);
  if (code != 250)
    return smtp_classify (code);

  code = smtp_command (smtp, rcpt_to, error);
  if (code != 250 && code != 251)
    return smtp_classify (code);

  code = smtp_command (smtp, "DATA\r\n", error);
  if (code != 354)
    return smtp_classify (code);

  data = smtp_dot_stuff (message);
  code = smtp_command (smtp, data, error);
  if (code != 250)
    return smtp_classify (code);

  return SENT;
}

static void
deliver_smtp (Delivery        *delivery,
              DeliveryResult  *result,
              GCancellable    *cancellable)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *helo = NULL;
  g_autofree char *from = kithd_mail_one_line (delivery->from_address);
  g_autofree char *from_bare = kithd_mail_bare_address (from);
  Smtp smtp = { 0 };
  guint code;

  g_socket_client_set_timeout (client, SMTP_TIMEOUT_SECONDS);
  /* a relay is reached directly, never through an HTTP proxy */
  g_socket_client_set_enable_proxy (client, FALSE);
  connection = g_socket_client_connect_to_uri (client, delivery->smtp_url, 25, cancellable, &error);
  if (connection == NULL) {
    g_debug ("Cannot reach the SMTP server: %s", error->message);
    result->failed = TRUE;
    return;
  }

  smtp.stream = G_IO_STREAM (g_object_ref (connection));
  smtp.in = g_data_input_stream_new (g_io_stream_get_input_stream (smtp.stream));
  g_data_input_stream_set_newline_type (smtp.in, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  smtp.out = g_io_stream_get_output_stream (smtp.stream);

  helo = g_strdup_printf ("HELO %s\r\n", g_get_host_name ());
  if (smtp_reply (&smtp, &error) != 220 || smtp_command (&smtp, helo, &error) != 250) {
    g_debug ("The SMTP server did not greet us: %s", error ? error->message : "unexpected reply");
    result->failed = TRUE;
    goto out;
  }

  for (guint i = 0; i < delivery->mails->len; i++) {
    const KithdMail *mail = g_ptr_array_index (delivery->mails, i);
    g_autofree char *message = kithd_mailer_format_message (delivery->from_address, mail);
    SmtpOutcome outcome;

    if (message == NULL) {
      refuse_bad_address (mail, result);
      continue;
    }

    outcome = smtp_send_one (&smtp, from_bare, mail, message, &error);
    switch (outcome) {
    case SENT:
      g_debug ("Mail %" G_GINT64_FORMAT " sent", mail->id);
      g_array_append_val (result->done, mail->id);
      g_array_append_val (result->delivered, mail->id);
      break;

    case REFUSED:
      g_message ("The SMTP server refused mail %" G_GINT64_FORMAT " for good; dropping it", mail->id);
      g_array_append_val (result->done, mail->id);
      break;

    case DEFERRED:
      g_debug ("The SMTP server deferred mail %" G_GINT64_FORMAT, mail->id);
      result->failed = TRUE;
      break;

    case BROKEN:
    default:
      g_debug ("SMTP failed: %s", error ? error->message : "unknown error");
      result->failed = TRUE;
      goto out;
    }

    if (outcome != SENT && smtp_command (&smtp, "RSET\r\n", &error) != 250) {
      result->failed = TRUE;
      goto out;
    }
  }

  code = smtp_command (&smtp, "QUIT\r\n", NULL);
  (void) code;

out:
  g_io_stream_close (smtp.stream, NULL, NULL);
  smtp_clear (&smtp);
}

static void
deliver_outbox (Delivery        *delivery,
                DeliveryResult  *result)
{
  for (guint i = 0; i < delivery->mails->len; i++) {
    const KithdMail *mail = g_ptr_array_index (delivery->mails, i);
    g_autofree char *message = kithd_mailer_format_message (delivery->from_address, mail);
    g_autoptr (GError) error = NULL;

    if (message == NULL) {
      refuse_bad_address (mail, result);
      continue;
    }

    if (!write_outbox (delivery->outbox_dir, mail, message, &error)) {
      g_message ("Cannot deliver mail %" G_GINT64_FORMAT ": %s", mail->id, error->message);
      result->failed = TRUE;
      /* the outbox is broken for all of them: stop here */
      break;
    }

    g_debug ("Mail %" G_GINT64_FORMAT " written to the outbox", mail->id);
    g_array_append_val (result->done, mail->id);
    g_array_append_val (result->delivered, mail->id);
  }
}

DeliveryResult *
kithd_mail_deliver (Delivery *delivery)
{
  DeliveryResult *result = g_new0 (DeliveryResult, 1);

  result->done = g_array_new (FALSE, FALSE, sizeof (gint64));
  result->delivered = g_array_new (FALSE, FALSE, sizeof (gint64));

  if (delivery->smtp_url != NULL)
    deliver_smtp (delivery, result, NULL);
  else
    deliver_outbox (delivery, result);

  return result;
}
