/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kithd-mailer-private.h"
#include "kithd-store-sqlite.h"

G_BEGIN_DECLS

/*
 * The fixture of the mailer's tests (test-mailer.c, test-mailer-smtp.c): a
 * sqlite store and its db worker in a directory of their own, the outbox
 * beside them; waiting on the main context, bounded; the queue and the
 * outbox read back; a mail's headers and body. Short names: test code only.
 */

#define FROM "Kith <noreply@kith.test>"

typedef struct {
  char        *dir;
  char        *db_path;
  char        *outbox;
  KithdStore  *store;
  KithdDb     *db;
} Fixture;

void        fixture_setup    (Fixture       *fixture,
                              gconstpointer  data);
void        fixture_teardown (Fixture       *fixture,
                              gconstpointer  data);
/* The store and its worker, as kithd opens and closes them. */
void        open_store       (Fixture       *fixture);
void        close_store      (Fixture       *fixture);

/* Iterates the main context until *@flag is set; bounded. */
void        wait_for         (gboolean      *flag,
                              guint          seconds);
/* TRUE if everything was delivered */
gboolean    flush_mailer     (KithdMailer   *mailer,
                              GError       **error);
/* The mails waiting in the store's queue. */
guint       queue_length     (Fixture       *fixture);

/* The files in @dir, sorted. */
GPtrArray  *list_dir         (const char    *dir);
/* The outbox's new/@name. */
char       *read_outbox_file (Fixture       *fixture,
                              const char    *name);
/* The value of header @name (unfolded), or NULL. */
char       *header           (const char    *message,
                              const char    *name);
const char *body_of          (const char    *message);

G_END_DECLS
