/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kithd-mailer.h"
#include "kithd-tls-files.h"

G_BEGIN_DECLS

/*
 * Between the mailer (kithd-mailer.c: the queue, the passes), the text of
 * its mails (kithd-mail-text.c) and the delivery it runs on a thread
 * (kithd-mail-delivery.c).
 */

/* An SMTP server, as kithd_mailer_new() got it; shared with the delivery
 * threads, never changed (g_atomic_rc_box: kithd_smtp_settings_ref/unref). */
typedef struct {
  char        *url;           /* smtp://HOST[:PORT] or smtps://HOST[:PORT] */
  char        *username;      /* NULL: no AUTH */
  KithdSecret *password;
  gboolean     starttls;
  char        *ca_file;       /* NULL: the system's authorities */
  guint        timeout;       /* seconds */
} SmtpSettings;

SmtpSettings   *kithd_smtp_settings_new         (const KithdSmtpOptions *options);
SmtpSettings   *kithd_smtp_settings_ref         (SmtpSettings   *smtp);
void            kithd_smtp_settings_unref       (SmtpSettings   *smtp);

typedef struct {
  char         *outbox_dir;
  SmtpSettings *smtp;         /* NULL: the outbox */
  char         *from_address;
  GPtrArray    *mails;        /* KithdMail */
} Delivery;

typedef struct {
  GArray   *done;             /* gint64: delivered, or refused for good */
  GArray   *delivered;        /* gint64: the ones that actually left */
  gboolean  failed;           /* some mail is to be tried again */
  char     *error;            /* why (the first reason), one line, nothing secret */
} DeliveryResult;

/* Once, on the main thread, before any delivery (curl_global_init()). */
void            kithd_mail_delivery_init        (void);
void            kithd_mail_delivery_free        (Delivery       *delivery);
void            kithd_mail_delivery_result_free (DeliveryResult *result);
/* Delivers @delivery's mails: blocks (disk, SMTP up to its timeouts). */
DeliveryResult *kithd_mail_deliver              (Delivery       *delivery);

/* Seconds before the next try after @failures (>= 1) failed passes in a
 * row: @interval, doubled after each further failure, at most
 * max (@interval, KITHD_MAIL_MAX_BACKOFF). */
#define KITHD_MAIL_MAX_BACKOFF 3600
guint           kithd_mail_backoff              (guint           interval,
                                                 guint           failures);

/* Text from an account or for a header on one line: every control
 * character a space. */
char           *kithd_mail_one_line             (const char     *value);
/* "Kith <noreply@example.com>" -> "noreply@example.com" */
char           *kithd_mail_bare_address         (const char     *address);

G_END_DECLS
