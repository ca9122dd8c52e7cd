/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define KITH_TYPE_SIGNING_IN_PAGE (kith_signing_in_page_get_type ())

G_DECLARE_FINAL_TYPE (KithSigningInPage, kith_signing_in_page, KITH, SIGNING_IN_PAGE, GtkWidget)

/*
 * KithWindow's "Signing In…" page (a stay-signed-in start with nothing
 * cached): the logo and a spinner. Made the first time it is shown.
 * Property: spinning (the window sets it while the page is shown).
 */
GtkWidget *kith_signing_in_page_new          (void);
gboolean   kith_signing_in_page_get_spinning (KithSigningInPage *self);
void       kith_signing_in_page_set_spinning (KithSigningInPage *self,
                                              gboolean           spinning);

G_END_DECLS
