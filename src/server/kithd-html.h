/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * KithdHtml: the HTML that kithd's web pages write (kithd-web-pages*.c),
 * and its one escaping helper. Markup comes only from the pages' own
 * string literals; everything else that goes in (names, emails, the
 * server's name, translated sentences, numbers) goes through
 * kithd_html_escape(), which kithd_html_add() applies to each %s.
 */

typedef struct _KithdHtml KithdHtml;

/* @text as HTML text or as a quoted attribute's value: & < > " ' as
 * character references; what is not UTF-8, and every control character
 * (kith_text_has_control()'s: C0 with tab and line feed, DEL, C1, U+2028,
 * U+2029), as U+FFFD. NULL: "". */
char      *kithd_html_escape  (const char  *text);

KithdHtml *kithd_html_new     (void);
void       kithd_html_free    (KithdHtml   *self);
/* Appends @markup with its conversions filled in: %s a string (nullable)
 * through kithd_html_escape(), %d an int, %u a guint, %% a '%'. Nothing
 * else is allowed. */
void       kithd_html_add     (KithdHtml   *self,
                               const char  *markup,
                               ...) G_GNUC_PRINTF (2, 3);
/* Appends @text, escaped. */
void       kithd_html_text    (KithdHtml   *self,
                               const char  *text);
/* Appends what @other holds (markup already written this way). */
void       kithd_html_append  (KithdHtml   *self,
                               KithdHtml   *other);
/* The markup so far, and its length; @self is freed. */
char      *kithd_html_steal   (KithdHtml   *self,
                               gsize       *len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithdHtml, kithd_html_free)

G_END_DECLS
