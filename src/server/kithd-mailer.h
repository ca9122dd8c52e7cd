/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "kithd-config.h"
#include "kithd-db.h"

G_BEGIN_DECLS

/*
 * KithdMailer: kithd's outgoing mail (reset links, offline notifications).
 *
 * A mail is first queued in the store (mail_queue, through the KithdDb
 * worker), so it survives a restart; delivery then takes it from the queue
 * on a thread of its own and removes it once delivered. Delivery is one
 * RFC 5322 file per mail in OUTBOX/new/ (written to OUTBOX/tmp/, then
 * renamed: maildir-like, named <created-seconds>.<id>.kithd) or, with an
 * SMTP server, libcurl's SMTP (STARTTLS or smtps://, AUTH, the server's
 * certificate verified). A failed delivery stays queued and is tried again
 * after the retry interval, doubled after each further failure of SMTP
 * (at most an hour: kithd_mail_backoff()); mail queued meanwhile is tried
 * once the retry interval has passed since the last try. Mail still queued
 * when the mailer starts is delivered then. docs/server.md, "Mail".
 *
 * Signals: "delivered" (gint64 mail_id) after a mail left and was removed
 * from the queue.
 */

/* An SMTP server to deliver through. */
typedef struct {
  const char *url;            /* smtp://HOST[:PORT] or smtps://HOST[:PORT] */
  const char *username;       /* NULL: no AUTH */
  const char *password;
  gboolean    starttls;       /* smtp://: STARTTLS or nothing is sent */
  const char *ca_file;        /* PEM authorities; NULL: the system's */
  guint       timeout;        /* seconds to reach the server (TCP, TLS, login),
                               * twice that for a mail; 0: 30 */
} KithdSmtpOptions;

#define KITHD_TYPE_MAILER (kithd_mailer_get_type ())
G_DECLARE_FINAL_TYPE (KithdMailer, kithd_mailer, KITHD, MAILER, GObject)

/* @smtp NULL: files in @outbox_dir. */
KithdMailer *kithd_mailer_new                (KithdDb              *db,
                                              const char           *outbox_dir,
                                              const KithdSmtpOptions *smtp,
                                              const char           *from_address);
/* The mailer @config asks for: [mail]'s SMTP server, or the outbox in
 * DATA_DIR. Reads the password file and the authorities now; NULL with an
 * error for the operator (one line) when one cannot be used. */
KithdMailer *kithd_mailer_new_for_config     (KithdDb              *db,
                                              const KithdConfig    *config,
                                              GError              **error);
/* Queues a mail and starts delivery. @to_user_id: 0 when not for an account. */
void         kithd_mailer_send               (KithdMailer          *self,
                                              gint64                to_user_id,
                                              const char           *to_address,
                                              const char           *subject,
                                              const char           *body);
/* The mails kithd sends about an account: the reset @link to @user, and
 * the notice to @recipient that @sender wrote while they were signed out
 * (never the message; @public_url: where to open Kith, or NULL). The
 * names in them are put on one line: control characters (line breaks
 * included) become spaces, also in rows stored before kithd refused them. */
void         kithd_mailer_send_password_reset (KithdMailer        *self,
                                               const KithdUser    *user,
                                               const char         *link);
void         kithd_mailer_send_offline_notice (KithdMailer        *self,
                                               const KithdUser    *recipient,
                                               const KithdUser    *sender,
                                               const char         *public_url);
/* Starts a delivery pass now, for mail queued by other means
 * (kithd_store_mail_enqueue() inside a db job). */
void         kithd_mailer_kick               (KithdMailer          *self);
/* Seconds before a failed delivery is first tried again (default 60). */
void         kithd_mailer_set_retry_interval (KithdMailer          *self,
                                              guint                 seconds);
/* Completes once a delivery pass has run after this call (so everything
 * queued before it was tried): TRUE when the queue is empty, an error when
 * some mail is still waiting for a retry. */
void         kithd_mailer_flush_async        (KithdMailer          *self,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean     kithd_mailer_flush_finish       (KithdMailer          *self,
                                              GAsyncResult         *result,
                                              GError              **error);

/* The message as written or sent: RFC 5322 headers and body, CRLF line
 * ends, header values on one line (control characters become spaces),
 * Subject RFC 2047-encoded when not ASCII. NULL when mail->to_address
 * has a control character or its address (bare or in <>) is not valid
 * (kith_email_is_valid()): such a mail is dropped, never written or sent.
 * Exposed for tests. */
char        *kithd_mailer_format_message     (const char           *from_address,
                                              const KithdMail      *mail);

G_END_DECLS
