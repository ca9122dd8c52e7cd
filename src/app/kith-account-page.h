/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "kith-session.h"

G_BEGIN_DECLS

#define KITH_TYPE_ACCOUNT_PAGE (kith_account_page_get_type ())

G_DECLARE_FINAL_TYPE (KithAccountPage, kith_account_page, KITH, ACCOUNT_PAGE, GtkWidget)

/*
 * My Account: the account profile (email read-only, first and last name,
 * password, offline email notification), each applied at once with a
 * toast (the page has its own AdwToastOverlay), and Manage → Delete My
 * Account. Its own header bar with a back button.
 * Property: session (construct-only).
 * Signals: done () — leave the page (back button, Escape);
 *          account-deleted () — the account is gone and the session signed out.
 */
GtkWidget *kith_account_page_new (KithSession *session);

G_END_DECLS
