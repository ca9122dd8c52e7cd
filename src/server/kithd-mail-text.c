/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdMailer"

#include "config.h"

#include <string.h>

#include "kith-protocol.h"
#include "kithd-mailer-private.h"

/*
 * The text of kithd's mails (the mailer's queue and passes are in
 * kithd-mailer.c): the reset and offline-notice mails it composes, and the
 * message as written or sent (kithd_mailer_format_message()): headers and
 * lines kept safe (kithd_mail_one_line()), the Subject RFC 2047-encoded.
 */

/* ---- formatting ---- */

/* Text for one line of a mail, from an account (a name) or put in a
 * header: valid UTF-8 with every control character (kith_text_has_control():
 * C0 with CR, LF and tab, DEL, C1, U+2028, U+2029) turned into a space, so
 * it can neither end a header and start another (injection) nor break a
 * line of the body. kithd refuses such names, but rows stored before it did
 * may still have them. */
char *
kithd_mail_one_line (const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value ? value : "", -1);
  GString *out = g_string_sized_new (strlen (valid));

  for (const char *p = valid; *p != '\0';) {
    const char *next = g_utf8_next_char (p);
    char ch[8] = { 0 };

    memcpy (ch, p, next - p);
    if (kith_text_has_control (ch))
      g_string_append_c (out, ' ');
    else
      g_string_append (out, ch);
    p = next;
  }

  return g_string_free (out, FALSE);
}

static gboolean
needs_encoding (const char *value)
{
  for (const guchar *p = (const guchar *) value; *p != '\0'; p++) {
    if (*p >= 0x80 || *p < 0x20)
      return TRUE;
  }

  return strstr (value, "=?") != NULL;
}

/* RFC 2047 "B" encoded words of at most 75 characters, split between
 * whole UTF-8 characters, folded onto continuation lines. */
static void
append_encoded_header (GString    *out,
                       const char *value)
{
  const char *p = value;
  gboolean first = TRUE;

  if (!g_utf8_validate (value, -1, NULL))
    value = p = "(invalid UTF-8)";

  if (!needs_encoding (value)) {
    g_string_append (out, value);
    return;
  }

  while (*p != '\0') {
    const char *end = p;
    g_autofree char *b64 = NULL;

    /* 45 bytes -> 60 base64 chars; + "=?UTF-8?B?" and "?=" = 72 */
    while (*end != '\0') {
      const char *next = g_utf8_next_char (end);

      if (next - p > 45)
        break;
      end = next;
    }

    b64 = g_base64_encode ((const guchar *) p, end - p);
    if (!first)
      g_string_append (out, "\r\n ");
    g_string_append_printf (out, "=?UTF-8?B?%s?=", b64);

    first = FALSE;
    p = end;
  }
}

/* RFC 5322 date, English names whatever the locale. */
static char *
format_date (gint64 ms)
{
  static const char * const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char * const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (ms / 1000);

  if (dt == NULL)
    dt = g_date_time_new_now_utc ();

  return g_strdup_printf ("%s, %02d %s %04d %02d:%02d:%02d +0000",
                          days[g_date_time_get_day_of_week (dt) - 1],
                          g_date_time_get_day_of_month (dt),
                          months[g_date_time_get_month (dt) - 1],
                          g_date_time_get_year (dt),
                          g_date_time_get_hour (dt),
                          g_date_time_get_minute (dt),
                          g_date_time_get_second (dt));
}

/* "Kith <noreply@example.com>" -> "noreply@example.com" */
char *
kithd_mail_bare_address (const char *address)
{
  const char *lt = strchr (address, '<');
  const char *gt;

  if (lt != NULL && (gt = strchr (lt, '>')) != NULL)
    return g_strndup (lt + 1, gt - lt - 1);

  return g_strstrip (g_strdup (address));
}

/* An address is not text to put on one line: a recipient ("ada@example.com"
 * or "Ada <ada@example.com>") with a control character, or whose address is
 * not a plausible one (an old row with a line break, say), gets no mail. */
static gboolean
recipient_is_valid (const char *to_address)
{
  g_autofree char *bare = NULL;

  if (to_address == NULL || !g_utf8_validate (to_address, -1, NULL) ||
      kith_text_has_control (to_address))
    return FALSE;

  bare = kithd_mail_bare_address (to_address);

  return kith_email_is_valid (bare);
}

char *
kithd_mailer_format_message (const char      *from_address,
                             const KithdMail *mail)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree char *date = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *from_bare = NULL;
  const char *domain;
  const char *body;

  g_return_val_if_fail (from_address != NULL, NULL);
  g_return_val_if_fail (mail != NULL, NULL);

  if (!recipient_is_valid (mail->to_address))
    return NULL;

  date = format_date (mail->created_at);
  from = kithd_mail_one_line (from_address);
  to = kithd_mail_one_line (mail->to_address);
  subject = kithd_mail_one_line (mail->subject);
  from_bare = kithd_mail_bare_address (from);
  domain = strchr (from_bare, '@');
  domain = domain && domain[1] ? domain + 1 : "kithd.invalid";

  g_string_append_printf (out, "Date: %s\r\n", date);
  g_string_append_printf (out, "From: %s\r\n", from);
  g_string_append_printf (out, "To: %s\r\n", to);
  g_string_append (out, "Subject: ");
  append_encoded_header (out, subject);
  g_string_append (out, "\r\n");
  g_string_append_printf (out, "Message-ID: <kithd.%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%08x@%s>\r\n",
                          mail->id, mail->created_at, g_random_int (), domain);
  g_string_append (out, "MIME-Version: 1.0\r\n");
  g_string_append (out, "Content-Type: text/plain; charset=utf-8\r\n");
  g_string_append (out, "Content-Transfer-Encoding: 8bit\r\n");
  g_string_append (out, "\r\n");

  /* body: every line end becomes CRLF, and the body ends with one */
  body = mail->body ? mail->body : "";
  for (const char *p = body; *p != '\0'; p++) {
    if (*p == '\r') {
      g_string_append (out, "\r\n");
      if (p[1] == '\n')
        p++;
    } else if (*p == '\n') {
      g_string_append (out, "\r\n");
    } else {
      g_string_append_c (out, *p);
    }
  }
  if (out->len < 2 || strcmp (out->str + out->len - 2, "\r\n") != 0)
    g_string_append (out, "\r\n");

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---- the mails kithd sends ---- */

void
kithd_mailer_send_password_reset (KithdMailer     *self,
                                  const KithdUser *user,
                                  const char      *link)
{
  g_autofree char *first_name = NULL;
  g_autofree char *body = NULL;

  g_return_if_fail (KITHD_IS_MAILER (self));
  g_return_if_fail (user != NULL);
  g_return_if_fail (link != NULL);

  first_name = kithd_mail_one_line (user->first_name);
  body = g_strdup_printf ("Hello %s,\n\n"
                          "Someone asked to reset the password of your Kith account. "
                          "To choose a new password, open this link:\n\n"
                          "%s\n\n"
                          "The link is valid for 24 hours and works once.\n\n"
                          "If you did not ask for this, ignore this mail: your password "
                          "stays as it is.\n",
                          first_name, link);
  kithd_mailer_send (self, user->id, user->email,
                     "Reset your Kith password (link valid for 24 hours)", body);
}

void
kithd_mailer_send_offline_notice (KithdMailer     *self,
                                  const KithdUser *recipient,
                                  const KithdUser *sender,
                                  const char      *public_url)
{
  g_autofree char *first_name = NULL;
  g_autofree char *name = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;

  g_return_if_fail (KITHD_IS_MAILER (self));
  g_return_if_fail (recipient != NULL);
  g_return_if_fail (sender != NULL);

  /* names from the accounts: each on one line (kithd_mail_one_line()) */
  first_name = kithd_mail_one_line (recipient->first_name);
  {
    g_autofree char *full = g_strdup_printf ("%s %s", sender->first_name, sender->last_name);

    name = kithd_mail_one_line (full);
  }
  subject = g_strdup_printf ("New message on Kith from %s", name);
  body = g_strdup_printf ("Hello %s,\n\n"
                          "%s sent you a message on Kith while you were signed out.\n"
                          "Open Kith to read it%s%s.\n\n"
                          "You get this mail because offline email notification is on in "
                          "your Kith profile. You can turn it off there at any time.\n",
                          first_name, name,
                          public_url ? ": " : "",
                          public_url ? public_url : "");
  kithd_mailer_send (self, recipient->id, recipient->email, subject, body);
}
