/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "TestMailer"

#include "config.h"

#include <string.h>

#include "kithd-test-mailer.h"

/* The mail itself: its text (headers, RFC 2047, what comes from an
 * account) and the outbox. Delivery over SMTP, its retries and a restart
 * are test-mailer-smtp.c. */

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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mailer/format", test_format);
  g_test_add ("/mailer/outbox", Fixture, NULL, fixture_setup, test_outbox, fixture_teardown);
  g_test_add ("/mailer/user-text", Fixture, NULL, fixture_setup, test_user_text, fixture_teardown);

  return g_test_run ();
}
