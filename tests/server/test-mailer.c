/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "TestMailer"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "kithd-mailer-private.h"
#include "kithd-store-sqlite.h"

#define FROM "Kith <noreply@kith.test>"

typedef struct {
  char        *dir;
  char        *db_path;
  char        *outbox;
  KithdStore  *store;
  KithdDb     *db;
} Fixture;

static void
open_store (Fixture *fixture)
{
  g_autoptr (GError) error = NULL;

  fixture->store = KITHD_STORE (kithd_store_sqlite_new (fixture->db_path, &error));
  g_assert_no_error (error);
  fixture->db = kithd_db_new (fixture->store);
}

static void
close_store (Fixture *fixture)
{
  kithd_db_flush (fixture->db);
  g_assert_finalize_object (g_steal_pointer (&fixture->db));
  g_assert_finalize_object (g_steal_pointer (&fixture->store));
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr (GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("kithd-mailer-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->db_path = g_build_filename (fixture->dir, "kithd.db", NULL);
  fixture->outbox = g_build_filename (fixture->dir, "outbox", NULL);
  open_store (fixture);
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
    g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
      g_autofree char *child = g_build_filename (path, name, NULL);

      remove_tree (child);
    }
    g_assert_cmpint (g_rmdir (path), ==, 0);
  } else {
    g_assert_cmpint (g_remove (path), ==, 0);
  }
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  if (fixture->db != NULL)
    close_store (fixture);
  remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->db_path);
  g_free (fixture->outbox);
}

static gboolean
on_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the main context until *@flag is set; bounded. */
static void
wait_for (gboolean *flag,
          guint     seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  guint tick = g_timeout_add (100, on_tick, NULL);

  while (!*flag) {
    g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    g_main_context_iteration (NULL, TRUE);
  }

  g_source_remove (tick);
}

typedef struct {
  gboolean  done;
  gboolean  ok;
  GError   *error;
} FlushResult;

static void
on_flushed (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  FlushResult *flush = user_data;

  flush->ok = kithd_mailer_flush_finish (KITHD_MAILER (object), result, &flush->error);
  flush->done = TRUE;
}

/* TRUE if everything was delivered */
static gboolean
flush_mailer (KithdMailer  *mailer,
              GError      **error)
{
  FlushResult flush = { 0 };

  kithd_mailer_flush_async (mailer, NULL, on_flushed, &flush);
  wait_for (&flush.done, 30);

  if (flush.error != NULL)
    g_propagate_error (error, flush.error);

  return flush.ok;
}

/* A pass runs, and some mail is left for a retry. */
static void
assert_flush_waits (KithdMailer *mailer)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (flush_mailer (mailer, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
}

static gpointer
pending_job (KithdStore  *store,
             gpointer     data,
             GError     **error)
{
  return kithd_store_mail_pending (store, 0, error);
}

typedef struct {
  gboolean   done;
  GPtrArray *mails;
} PendingResult;

static void
on_pending (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  PendingResult *pending = user_data;
  g_autoptr (GError) error = NULL;

  pending->mails = kithd_db_run_finish (KITHD_DB (object), result, &error);
  g_assert_no_error (error);
  pending->done = TRUE;
}

static guint
queue_length (Fixture *fixture)
{
  PendingResult pending = { 0 };
  guint len;

  kithd_db_run_async (fixture->db, pending_job, NULL, NULL, (GDestroyNotify) g_ptr_array_unref,
                      NULL, on_pending, &pending);
  wait_for (&pending.done, 10);
  len = pending.mails->len;
  g_ptr_array_unref (pending.mails);

  return len;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The files in @dir, sorted. */
static GPtrArray *
list_dir (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  return names;
}

static char *
read_outbox_file (Fixture    *fixture,
                  const char *name)
{
  g_autofree char *path = g_build_filename (fixture->outbox, "new", name, NULL);
  g_autoptr (GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);

  return contents;
}

/* The value of header @name (unfolded), or NULL. */
static char *
header (const char *message,
        const char *name)
{
  g_autofree char *head = NULL;
  g_auto (GStrv) lines = NULL;
  const char *end = strstr (message, "\r\n\r\n");
  GString *value = NULL;

  g_assert_nonnull (end);
  head = g_strndup (message, end - message);
  lines = g_strsplit (head, "\r\n", -1);

  for (guint i = 0; lines[i] != NULL; i++) {
    if (value != NULL) {
      if (lines[i][0] == ' ' || lines[i][0] == '\t') {
        g_string_append (value, lines[i] + 1);
        continue;
      }
      break;
    }
    if (g_ascii_strncasecmp (lines[i], name, strlen (name)) == 0 && lines[i][strlen (name)] == ':')
      value = g_string_new (g_strchug (lines[i] + strlen (name) + 1));
  }

  return value ? g_string_free (value, FALSE) : NULL;
}

static const char *
body_of (const char *message)
{
  const char *end = strstr (message, "\r\n\r\n");

  g_assert_nonnull (end);
  return end + 4;
}

/* Decodes a run of RFC 2047 B words as written by the mailer. */
static char *
decode_words (const char *value)
{
  GString *out = g_string_new (NULL);
  const char *p = value;

  while ((p = strstr (p, "=?UTF-8?B?")) != NULL) {
    const char *start = p + strlen ("=?UTF-8?B?");
    const char *end = strstr (start, "?=");
    g_autofree char *b64 = NULL;
    g_autofree guchar *raw = NULL;
    gsize len;

    g_assert_nonnull (end);
    g_assert_cmpint (end + 2 - p, <=, 75);
    b64 = g_strndup (start, end - start);
    raw = g_base64_decode (b64, &len);
    g_string_append_len (out, (const char *) raw, len);
    p = end + 2;
  }

  return g_string_free (out, FALSE);
}

/* ---- formatting ---- */

static void
test_format (void)
{
  static const char * const bad_addresses[] = {
    "ada@example.com\r\nBcc: evil@example.com",
    "ada@example.com\nBcc: evil@example.com",
    "ada@example.com\xc2\x85" "Bcc: evil@example.com",
    "ada@example.com\xe2\x80\xa8",
    "ada@example.com, evil@example.com",
    "",
  };
  KithdMail mail = {
    .id = 42,
    .to_user_id = 7,
    .to_address = (char *) "ada@example.com",
    .subject = (char *) "Réinitialisez votre mot de passe Kith — c’est rapide, très rapide, vraiment",
    .body = (char *) "Line one\nLine two\r\nLine three\rLast",
    .created_at = 1700000000000,
  };
  g_autofree char *message = kithd_mailer_format_message (FROM, &mail);
  g_autofree char *subject = header (message, "Subject");
  g_autofree char *decoded = NULL;
  g_autofree char *date = header (message, "Date");
  g_autofree char *ctype = header (message, "Content-Type");
  g_autofree char *cte = header (message, "Content-Transfer-Encoding");
  g_autofree char *mime = header (message, "MIME-Version");
  g_autofree char *msgid = header (message, "Message-ID");
  g_autofree char *from = header (message, "From");
  g_autofree char *bcc = header (message, "Bcc");
  g_auto (GStrv) lines = NULL;
  KithdMail ascii = mail;
  g_autofree char *plain = NULL;
  g_autofree char *plain_subject = NULL;

  g_assert_cmpstr (date, ==, "Tue, 14 Nov 2023 22:13:20 +0000");
  g_assert_cmpstr (from, ==, FROM);
  g_assert_cmpstr (mime, ==, "1.0");
  g_assert_cmpstr (ctype, ==, "text/plain; charset=utf-8");
  g_assert_cmpstr (cte, ==, "8bit");
  g_assert_true (g_str_has_prefix (msgid, "<") && g_str_has_suffix (msgid, "@kith.test>"));

  g_assert_null (bcc);

  /* non-ASCII subject: encoded words, none over 75 characters */
  g_assert_true (g_str_has_prefix (subject, "=?UTF-8?B?"));
  decoded = decode_words (subject);
  g_assert_cmpstr (decoded, ==, mail.subject);

  /* every line ends in CRLF, none over 998 */
  lines = g_strsplit (message, "\r\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    g_assert_null (strchr (lines[i], '\n'));
    g_assert_null (strchr (lines[i], '\r'));
    g_assert_cmpuint (strlen (lines[i]), <=, 998);
  }
  g_assert_cmpstr (body_of (message), ==, "Line one\r\nLine two\r\nLine three\r\nLast\r\n");

  ascii.subject = (char *) "Reset your password";
  plain = kithd_mailer_format_message (FROM, &ascii);
  plain_subject = header (plain, "Subject");
  g_assert_cmpstr (plain_subject, ==, "Reset your password");

  /* no header injection through the address: such a mail is not written */
  for (guint i = 0; i < G_N_ELEMENTS (bad_addresses); i++) {
    KithdMail bad = mail;
    g_autofree char *refused = NULL;

    bad.to_address = (char *) bad_addresses[i];
    refused = kithd_mailer_format_message (FROM, &bad);
    g_assert_null (refused);
  }

  /* header values from elsewhere are put on one line */
  {
    KithdMail injected = ascii;
    g_autofree char *injected_message = NULL;
    g_autofree char *injected_subject = NULL;
    g_autofree char *injected_bcc = NULL;

    injected.subject = (char *) "Hello\r\nBcc: evil@example.com\xe2\x80\xa8X";
    injected_message = kithd_mailer_format_message (FROM, &injected);
    injected_bcc = header (injected_message, "Bcc");
    g_assert_null (injected_bcc);
    injected_subject = header (injected_message, "Subject");
    g_assert_cmpstr (injected_subject, ==, "Hello  Bcc: evil@example.com X");
  }
}

/* ---- the outbox ---- */

typedef struct {
  guint  n;
  GArray *ids;
} Delivered;

static void
on_delivered (KithdMailer *mailer,
              gint64       mail_id,
              Delivered   *delivered)
{
  delivered->n++;
  g_array_append_val (delivered->ids, mail_id);
}

static void
test_outbox (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr (KithdMailer) mailer = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) files = NULL;
  g_autoptr (GPtrArray) tmp_files = NULL;
  g_autofree char *tmp_dir = g_build_filename (fixture->outbox, "tmp", NULL);
  g_autofree char *new_dir = g_build_filename (fixture->outbox, "new", NULL);
  Delivered delivered = { 0, g_array_new (FALSE, FALSE, sizeof (gint64)) };
  gint64 user;

  user = kithd_store_user_create (fixture->store, "ada@example.com", NULL, "Ada", "L", 1, &error);
  g_assert_no_error (error);

  mailer = kithd_mailer_new (fixture->db, fixture->outbox, NULL, FROM);
  g_signal_connect (mailer, "delivered", G_CALLBACK (on_delivered), &delivered);

  kithd_mailer_send (mailer, user, "ada@example.com", "Reset your Kith password",
                     "Hello Ada,\n\nOpen this link to choose a new password:\n"
                     "http://127.0.0.1/account/password-reset?token=abc\n\nKith\n");
  kithd_mailer_send (mailer, 0, "bob@example.com", "Grüße von Kith", "Hallo Bob\n");

  g_assert_true (flush_mailer (mailer, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (delivered.n, ==, 2);
  g_assert_cmpuint (queue_length (fixture), ==, 0);

  files = list_dir (new_dir);
  tmp_files = list_dir (tmp_dir);
  g_assert_cmpuint (files->len, ==, 2);
  g_assert_cmpuint (tmp_files->len, ==, 0);

  for (guint i = 0; i < files->len; i++) {
    const char *name = files->pdata[i];
    g_autofree char *contents = read_outbox_file (fixture, name);
    g_autofree char *to = header (contents, "To");
    g_autofree char *subject = header (contents, "Subject");
    g_auto (GStrv) parts = g_strsplit (name, ".", -1);
    g_autofree char *id_str = NULL;

    /* <time>.<id>.kithd */
    g_assert_cmpuint (g_strv_length (parts), ==, 3);
    g_assert_cmpstr (parts[2], ==, "kithd");
    g_assert_true (g_ascii_string_to_signed (parts[0], 10, 1, G_MAXINT64, NULL, NULL));
    id_str = g_strdup_printf ("%" G_GINT64_FORMAT, g_array_index (delivered.ids, gint64, i));
    g_assert_cmpstr (parts[1], ==, id_str);

    if (g_strcmp0 (to, "ada@example.com") == 0) {
      g_assert_cmpstr (subject, ==, "Reset your Kith password");
      g_assert_cmpstr (body_of (contents), ==,
                       "Hello Ada,\r\n\r\nOpen this link to choose a new password:\r\n"
                       "http://127.0.0.1/account/password-reset?token=abc\r\n\r\nKith\r\n");
    } else {
      g_autofree char *decoded = decode_words (subject);

      g_assert_cmpstr (to, ==, "bob@example.com");
      g_assert_cmpstr (decoded, ==, "Grüße von Kith");
      g_assert_cmpstr (body_of (contents), ==, "Hallo Bob\r\n");
    }
  }

  /* nothing more to do: a flush answers at once */
  g_assert_true (flush_mailer (mailer, &error));
  g_assert_cmpuint (delivered.n, ==, 2);

  g_signal_handlers_disconnect_by_data (mailer, &delivered);
  g_assert_finalize_object (g_steal_pointer (&mailer));
  g_array_unref (delivered.ids);
}

/* ---- what comes from an account ---- */

static const char * const known_headers[] = {
  "Date", "From", "To", "Subject", "Message-ID", "MIME-Version",
  "Content-Type", "Content-Transfer-Encoding",
};

/* Only the mailer's own headers, each once; every line ends in CRLF; no
 * line of the body starts like a header the name tried to add; no control
 * character from the names anywhere. */
static void
assert_no_injection (const char *message)
{
  g_auto (GStrv) lines = g_strsplit (message, "\r\n", -1);
  gboolean in_head = TRUE;

  g_assert_null (strstr (message, "\xc2\x85"));
  g_assert_null (strstr (message, "\xe2\x80\xa8"));

  for (guint i = 0; lines[i] != NULL; i++) {
    const char *line = lines[i];

    g_assert_null (strchr (line, '\r'));
    g_assert_null (strchr (line, '\n'));
    if (g_ascii_strncasecmp (line, "Bcc:", 4) == 0)
      g_error ("an injected line: %s", line);

    if (in_head && *line == '\0') {
      in_head = FALSE;
    } else if (in_head && *line != ' ' && *line != '\t') {
      const char *colon = strchr (line, ':');
      g_autofree char *name = NULL;
      gboolean known = FALSE;

      g_assert_nonnull (colon);
      name = g_strndup (line, colon - line);
      for (guint k = 0; k < G_N_ELEMENTS (known_headers); k++)
        known |= g_ascii_strcasecmp (name, known_headers[k]) == 0;
      if (!known)
        g_error ("an unexpected header: %s", line);
    }
  }
}

static char *
subject_text (const char *message)
{
  g_autofree char *subject = header (message, "Subject");

  g_assert_nonnull (subject);
  if (g_str_has_prefix (subject, "=?UTF-8?B?"))
    return decode_words (subject);

  return g_steal_pointer (&subject);
}

/* Accounts stored before kithd refused control characters in names and
 * emails (here: straight into the store, past the API) still get safe
 * mail: names on one line, and no mail at all to a broken address. */
static void
test_user_text (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr (KithdMailer) mailer = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) files = NULL;
  g_autoptr (KithdUser) eve = NULL;
  g_autoptr (KithdUser) ada = NULL;
  g_autoptr (KithdUser) bad = NULL;
  g_autofree char *new_dir = g_build_filename (fixture->outbox, "new", NULL);
  gboolean seen_notice = FALSE, seen_reset = FALSE;
  gint64 id;

  id = kithd_store_user_create (fixture->store, "eve@example.com", NULL,
                                "Eve\r\nBcc: evil@example.com", "Tester\xe2\x80\xa8X\xc2\x85Y", 1, &error);
  g_assert_no_error (error);
  eve = kithd_store_user_get (fixture->store, id, &error);
  g_assert_no_error (error);
  id = kithd_store_user_create (fixture->store, "ada@example.com", NULL,
                                "Ada\nBcc: evil@example.com", "L", 1, &error);
  g_assert_no_error (error);
  ada = kithd_store_user_get (fixture->store, id, &error);
  g_assert_no_error (error);
  id = kithd_store_user_create (fixture->store, "bad@example.com\r\nBcc: evil@example.com", NULL,
                                "Bad", "Address", 1, &error);
  g_assert_no_error (error);
  bad = kithd_store_user_get (fixture->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (eve->first_name, ==, "Eve\r\nBcc: evil@example.com");

  mailer = kithd_mailer_new (fixture->db, fixture->outbox, NULL, FROM);
  kithd_mailer_send_offline_notice (mailer, ada, eve, "http://127.0.0.1:1");
  kithd_mailer_send_password_reset (mailer, eve, "http://127.0.0.1:1/account/password-reset?token=abc");
  kithd_mailer_send_offline_notice (mailer, bad, eve, NULL);
  kithd_mailer_send_password_reset (mailer, bad, "http://127.0.0.1:1/account/password-reset?token=def");

  /* the two for a broken address are dropped, not kept for a retry */
  g_assert_true (flush_mailer (mailer, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (queue_length (fixture), ==, 0);

  files = list_dir (new_dir);
  g_assert_cmpuint (files->len, ==, 2);
  for (guint i = 0; i < files->len; i++) {
    g_autofree char *contents = read_outbox_file (fixture, files->pdata[i]);
    g_autofree char *to = header (contents, "To");
    g_autofree char *subject = subject_text (contents);
    const char *body = body_of (contents);

    assert_no_injection (contents);

    if (g_strcmp0 (to, "ada@example.com") == 0) {
      g_assert_cmpstr (subject, ==, "New message on Kith from Eve  Bcc: evil@example.com Tester X Y");
      g_assert_true (g_str_has_prefix (body, "Hello Ada Bcc: evil@example.com,\r\n\r\n"
                                       "Eve  Bcc: evil@example.com Tester X Y sent you a message on Kith "
                                       "while you were signed out.\r\n"));
      seen_notice = TRUE;
    } else {
      g_assert_cmpstr (to, ==, "eve@example.com");
      g_assert_cmpstr (subject, ==, "Reset your Kith password (link valid for 24 hours)");
      g_assert_true (g_str_has_prefix (body, "Hello Eve  Bcc: evil@example.com,\r\n\r\n"));
      g_assert_nonnull (strstr (body, "\r\nhttp://127.0.0.1:1/account/password-reset?token=abc\r\n"));
      seen_reset = TRUE;
    }
  }
  g_assert_true (seen_notice);
  g_assert_true (seen_reset);

  g_assert_finalize_object (g_steal_pointer (&mailer));
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

  g_test_add_func ("/mailer/format", test_format);
  g_test_add ("/mailer/outbox", Fixture, NULL, fixture_setup, test_outbox, fixture_teardown);
  g_test_add ("/mailer/user-text", Fixture, NULL, fixture_setup, test_user_text, fixture_teardown);
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
