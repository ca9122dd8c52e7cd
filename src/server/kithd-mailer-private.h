/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kithd-mailer.h"

G_BEGIN_DECLS

/*
 * Between the mailer (kithd-mailer.c: the queue, the passes, the text of
 * the mails) and the delivery it runs on a thread (kithd-mail-delivery.c).
 */

typedef struct {
  char      *outbox_dir;
  char      *smtp_url;
  char      *from_address;
  GPtrArray *mails;           /* KithdMail */
} Delivery;

typedef struct {
  GArray   *done;             /* gint64: delivered, or refused for good */
  GArray   *delivered;        /* gint64: the ones that actually left */
  gboolean  failed;           /* some mail is to be tried again */
} DeliveryResult;

void            kithd_mail_delivery_free        (Delivery       *delivery);
void            kithd_mail_delivery_result_free (DeliveryResult *result);
/* Delivers @delivery's mails: blocks (disk, SMTP up to its timeout). */
DeliveryResult *kithd_mail_deliver              (Delivery       *delivery);

/* Text from an account or for a header on one line: every control
 * character a space. */
char           *kithd_mail_one_line             (const char     *value);
/* "Kith <noreply@example.com>" -> "noreply@example.com" */
char           *kithd_mail_bare_address         (const char     *address);

G_END_DECLS
