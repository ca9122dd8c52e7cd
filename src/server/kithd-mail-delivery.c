/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdMailer"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <glib/gstdio.h>

#include "kithd-mailer-private.h"

/*
 * The delivery of one batch, on a thread of the mailer's (kithd-mailer.c):
 * each mail written to the outbox (DATA_DIR/outbox/{tmp,new}, fsynced,
 * then renamed), or sent over one SMTP connection with libcurl's easy
 * interface (blocking: this thread is the mailer's own). Nothing here
 * touches the store or the main loop.
 */

/* A reply as the log shows it: on one line, at most this many bytes. */
#define REPLY_MAX 200

/* The commands whose name is kept (AUTH's further lines carry the
 * password: nothing else of what goes out is). */
static const char * const smtp_verbs[] = {
  "EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "RSET", "QUIT", "NOOP",
};

void
kithd_mail_delivery_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    CURLcode code = curl_global_init (CURL_GLOBAL_DEFAULT);

    if (code != CURLE_OK)
      g_error ("Cannot start libcurl: %s", curl_easy_strerror (code));
    g_once_init_leave (&done, 1);
  }
}

static void
smtp_settings_clear (SmtpSettings *smtp)
{
  g_free (smtp->url);
  g_free (smtp->username);
  g_clear_pointer (&smtp->password, kithd_secret_free);
  g_free (smtp->ca_file);
}

SmtpSettings *
kithd_smtp_settings_new (const KithdSmtpOptions *options)
{
  SmtpSettings *smtp = g_atomic_rc_box_new0 (SmtpSettings);

  smtp->url = g_strdup (options->url);
  smtp->username = g_strdup (options->username);
  smtp->password = g_strdup (options->password);
  smtp->starttls = options->starttls;
  smtp->ca_file = g_strdup (options->ca_file);
  smtp->timeout = options->timeout > 0 ? options->timeout : 30;

  return smtp;
}

SmtpSettings *
kithd_smtp_settings_ref (SmtpSettings *smtp)
{
  return g_atomic_rc_box_acquire (smtp);
}

void
kithd_smtp_settings_unref (SmtpSettings *smtp)
{
  g_atomic_rc_box_release_full (smtp, (GDestroyNotify) smtp_settings_clear);
}

void
kithd_mail_delivery_free (Delivery *delivery)
{
  g_free (delivery->outbox_dir);
  g_clear_pointer (&delivery->smtp, kithd_smtp_settings_unref);
  g_free (delivery->from_address);
  g_clear_pointer (&delivery->mails, g_ptr_array_unref);
  g_free (delivery);
}

void
kithd_mail_delivery_result_free (DeliveryResult *result)
{
  g_clear_pointer (&result->done, g_array_unref);
  g_clear_pointer (&result->delivered, g_array_unref);
  g_free (result->error);
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

/* ---- SMTP, with libcurl ---- */

/* What a transfer said, from libcurl's debug callback: the last command
 * and the server's last reply, or the first refusal (libcurl may say QUIT
 * after it). */
typedef struct {
  const char *verb;           /* static; NULL before the first */
  guint       code;           /* of the last reply; 0: none */
  char        reply[REPLY_MAX + 1];
} Trace;

typedef struct {
  const char *data;
  gsize       length;
  gsize       offset;
} Upload;

static gsize
upload_read (char   *buffer,
             gsize   size,
             gsize   nitems,
             void   *user_data)
{
  Upload *upload = user_data;
  gsize n = MIN (size * nitems, upload->length - upload->offset);

  memcpy (buffer, upload->data + upload->offset, n);
  upload->offset += n;
  return n;
}

static void
trace_command (Trace      *trace,
               const char *data,
               gsize       size)
{
  if (trace->code >= 400)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (smtp_verbs); i++) {
    gsize len = strlen (smtp_verbs[i]);

    if (size >= len && g_ascii_strncasecmp (data, smtp_verbs[i], len) == 0 &&
        (size == len || data[len] == ' ' || data[len] == '\r')) {
      trace->verb = smtp_verbs[i];
      return;
    }
  }
}

static void
trace_reply (Trace      *trace,
             const char *data,
             gsize       size)
{
  g_autofree char *text = g_strndup (data, MIN (size, 4 * REPLY_MAX));
  g_autofree char *line = NULL;

  if (trace->code >= 400 ||
      strlen (text) < 3 || !g_ascii_isdigit (text[0]) || !g_ascii_isdigit (text[1]) ||
      !g_ascii_isdigit (text[2]))
    return;
  trace->code = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');

  line = g_strchomp (kithd_mail_one_line (text));
  if (strlen (line) > REPLY_MAX)
    *g_utf8_find_prev_char (line, line + REPLY_MAX + 1) = '\0';
  g_strlcpy (trace->reply, line, sizeof trace->reply);
}

static int
on_curl_debug (CURL          *curl,
               curl_infotype  type,
               char          *data,
               gsize          size,
               void          *user_data)
{
  Trace *trace = user_data;

  /* Only commands and replies: never the mail (DATA_OUT) nor AUTH's
   * answers, which are neither kept nor logged. */
  if (type == CURLINFO_HEADER_OUT)
    trace_command (trace, data, size);
  else if (type == CURLINFO_HEADER_IN)
    trace_reply (trace, data, size);

  return 0;
}

typedef enum {
  SENT,
  KEPT,               /* this mail refused (4xx/5xx after MAIL): try again */
  RECIPIENT_REFUSED,  /* 5xx to RCPT: for good if another mail went */
  BROKEN,             /* the connection failed: the rest of the batch waits */
} SmtpOutcome;

/* Why a transfer failed, for the operator: one line, nothing secret (no
 * password, no mail, nothing the client sent but a command's name). */
static char *
describe_failure (const SmtpSettings *smtp,
                  CURLcode            code,
                  const char         *errbuf,
                  const Trace        *trace)
{
  const char *detail = *errbuf ? errbuf : curl_easy_strerror (code);
  g_autofree char *why = NULL;

  switch (code) {
  case CURLE_LOGIN_DENIED:
    why = g_strdup ("the server refused the user name or password");
    break;
  case CURLE_USE_SSL_FAILED:
    why = g_strdup ("the server offers no STARTTLS, and smtp-starttls=required: nothing was sent");
    break;
  case CURLE_PEER_FAILED_VERIFICATION:
    why = g_strdup_printf ("the server's certificate is not trusted (%s); for a private authority "
                           "set smtp-ca-file", detail);
    break;
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
    why = g_strdup_printf ("the TLS handshake failed (%s)", detail);
    break;
  case CURLE_OPERATION_TIMEDOUT:
    why = g_strdup_printf ("no answer in time (smtp-timeout=%u): %s", smtp->timeout, detail);
    break;
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_CONNECT:
    why = g_strdup_printf ("cannot connect: %s", detail);
    break;
  default:
    /* the server's refusal says it better than libcurl ("RCPT failed: 550") */
    if (trace->code >= 400 && trace->verb)
      return g_strdup_printf ("the server answered %s with “%s”", trace->verb, trace->reply);
    if (trace->code >= 400)
      return g_strdup_printf ("the server said “%s”", trace->reply);
    why = g_strdup (detail);
    break;
  }

  if (trace->code >= 400)
    return g_strdup_printf ("%s; the server said “%s”", why, trace->reply);
  return g_steal_pointer (&why);
}

/* "smtp://host:587" -> "smtp://host:587/NAME": libcurl says EHLO NAME. */
static char *
url_with_ehlo_name (const char *url)
{
  const char *name = g_get_host_name ();
  gsize len = strlen (url);

  for (const char *p = name; *p; p++) {
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.') {
      name = "localhost";
      break;
    }
  }
  while (len > 0 && url[len - 1] == '/')
    len--;

  return g_strdup_printf ("%.*s/%s", (int) len, url, name);
}

static CURL *
smtp_open (const SmtpSettings *smtp,
           const char         *url,
           char               *errbuf,
           Trace              *trace)
{
  CURL *curl = curl_easy_init ();

  if (curl == NULL)
    return NULL;

  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  /* a relay is reached directly, never through a proxy of the environment */
  curl_easy_setopt (curl, CURLOPT_PROXY, "");
  curl_easy_setopt (curl, CURLOPT_USE_SSL, (long) (smtp->starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
  curl_easy_setopt (curl, CURLOPT_SSLVERSION, (long) CURL_SSLVERSION_TLSv1_2);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt (curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (smtp->ca_file)
    curl_easy_setopt (curl, CURLOPT_CAINFO, smtp->ca_file);
  if (smtp->username) {
    curl_easy_setopt (curl, CURLOPT_USERNAME, smtp->username);
    curl_easy_setopt (curl, CURLOPT_PASSWORD, smtp->password);
    curl_easy_setopt (curl, CURLOPT_LOGIN_OPTIONS, "AUTH=PLAIN;AUTH=LOGIN");
  }
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT, (long) smtp->timeout);
  curl_easy_setopt (curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long) smtp->timeout);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, (long) smtp->timeout * 2);
  curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt (curl, CURLOPT_READFUNCTION, upload_read);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, errbuf);
  /* the debug callback sees the dialogue; nothing goes to stderr */
  curl_easy_setopt (curl, CURLOPT_DEBUGFUNCTION, on_curl_debug);
  curl_easy_setopt (curl, CURLOPT_DEBUGDATA, trace);
  curl_easy_setopt (curl, CURLOPT_VERBOSE, 1L);

  return curl;
}

static SmtpOutcome
smtp_send_one (CURL              *curl,
               const SmtpSettings *smtp,
               const char        *from_bare,
               const KithdMail   *mail,
               const char        *message,
               char              *errbuf,
               Trace             *trace,
               char             **error)
{
  g_autofree char *to = kithd_mail_one_line (mail->to_address);
  g_autofree char *to_bare = kithd_mail_bare_address (to);
  g_autofree char *mail_from = g_strdup_printf ("<%s>", from_bare);
  g_autofree char *rcpt_to = g_strdup_printf ("<%s>", to_bare);
  struct curl_slist *rcpt = curl_slist_append (NULL, rcpt_to);
  Upload upload = { message, strlen (message), 0 };
  CURLcode code;

  errbuf[0] = '\0';
  memset (trace, 0, sizeof *trace);
  curl_easy_setopt (curl, CURLOPT_MAIL_FROM, mail_from);
  curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt (curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt (curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) upload.length);

  code = curl_easy_perform (curl);

  curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, NULL);
  curl_slist_free_all (rcpt);

  if (code == CURLE_OK)
    return SENT;

  *error = describe_failure (smtp, code, errbuf, trace);
  /* refused after MAIL FROM: about this mail, not the connection */
  if (trace->code >= 400 && g_strv_contains ((const char * const[]) { "MAIL", "RCPT", "DATA", NULL },
                                              trace->verb ? trace->verb : ""))
    return trace->code >= 500 && strcmp (trace->verb, "RCPT") == 0 ? RECIPIENT_REFUSED : KEPT;

  return BROKEN;
}

static void
fail (DeliveryResult *result,
      char           *why)
{
  result->failed = TRUE;
  if (result->error == NULL)
    result->error = why;
  else
    g_free (why);
}

static void
deliver_smtp (Delivery       *delivery,
              DeliveryResult *result)
{
  const SmtpSettings *smtp = delivery->smtp;
  g_autofree char *url = url_with_ehlo_name (smtp->url);
  g_autofree char *from = kithd_mail_one_line (delivery->from_address);
  g_autofree char *from_bare = kithd_mail_bare_address (from);
  g_autoptr (GArray) refused = g_array_new (FALSE, FALSE, sizeof (gint64));
  char errbuf[CURL_ERROR_SIZE] = "";
  Trace trace = { 0 };
  CURL *curl = smtp_open (smtp, url, errbuf, &trace);

  if (curl == NULL) {
    fail (result, g_strdup ("Cannot deliver mail: libcurl cannot start a transfer"));
    return;
  }

  /* one connection for the batch: libcurl keeps it between transfers */
  for (guint i = 0; i < delivery->mails->len; i++) {
    const KithdMail *mail = g_ptr_array_index (delivery->mails, i);
    g_autofree char *message = kithd_mailer_format_message (delivery->from_address, mail);
    g_autofree char *why = NULL;

    if (message == NULL) {
      refuse_bad_address (mail, result);
      continue;
    }

    switch (smtp_send_one (curl, smtp, from_bare, mail, message, errbuf, &trace, &why)) {
    case SENT:
      g_debug ("Mail %" G_GINT64_FORMAT " sent", mail->id);
      g_array_append_val (result->done, mail->id);
      g_array_append_val (result->delivered, mail->id);
      break;

    case RECIPIENT_REFUSED:
      g_array_append_val (refused, mail->id);
      G_GNUC_FALLTHROUGH;
    case KEPT:
      fail (result, g_strdup_printf ("Cannot deliver mail %" G_GINT64_FORMAT " through %s: %s",
                                     mail->id, smtp->url, why));
      break;

    case BROKEN:
    default:
      fail (result, g_strdup_printf ("Cannot deliver mail through %s: %s", smtp->url, why));
      i = delivery->mails->len;
      break;
    }
  }

  /* A recipient refused for good while the server took other mail is
   * that mail's fault, not the settings': it is dropped, or it would come
   * first in every batch. Alone, it may be the settings (relaying denied
   * to a client that did not log in): it waits like the rest. */
  if (refused->len > 0 && result->delivered->len > 0) {
    for (guint i = 0; i < refused->len; i++) {
      gint64 id = g_array_index (refused, gint64, i);

      g_message ("The SMTP server refused the recipient of mail %" G_GINT64_FORMAT
                 " for good while it took other mail; dropping it", id);
      g_array_append_val (result->done, id);
    }
    if (result->done->len == delivery->mails->len) {
      result->failed = FALSE;
      g_clear_pointer (&result->error, g_free);
    }
  }

  curl_easy_cleanup (curl);
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
      fail (result, g_strdup_printf ("Cannot deliver mail %" G_GINT64_FORMAT ": %s",
                                     mail->id, error->message));
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

  if (delivery->smtp != NULL)
    deliver_smtp (delivery, result);
  else
    deliver_outbox (delivery, result);

  return result;
}
