/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kithd-store-sqlite.h"

G_BEGIN_DECLS

/*
 * The fixture of the store's tests (test-store.c, test-store-sqlite.c): a
 * fresh sqlite store in a directory of its own, and users and messages made
 * in it, asserting that each works. Short names: test code only.
 */

#define NOW 1700000000000

typedef struct {
  char       *dir;
  char       *path;
  KithdStore *store;
} Fixture;

void   fixture_setup    (Fixture       *fixture,
                         gconstpointer  data);
void   fixture_teardown (Fixture       *fixture,
                         gconstpointer  data);

gint64 make_user        (KithdStore    *store,
                         const char    *email,
                         const char    *first_name);
/* Sends "hello" from @from to @to; the message's seq. */
gint64 send_message     (KithdStore    *store,
                         gint64         from,
                         gint64         to,
                         const char    *client_id,
                         gint64         now);

G_END_DECLS
