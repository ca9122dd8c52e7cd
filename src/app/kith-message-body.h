/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define KITH_TYPE_MESSAGE_BODY (kith_message_body_get_type ())

G_DECLARE_FINAL_TYPE (KithMessageBody, kith_message_body, KITH, MESSAGE_BODY, GtkWidget)

/*
 * A message's text in its bubble: a wrapping label the reader can select
 * text in, whose size is worked out here, from one layout of the text
 * kept while the text stays the same: its width on one line, and its
 * height for the last width asked (docs/desktop.md, "The chat pane's
 * rows"). A GtkLabel lays its text out anew for each thing it is asked
 * (its minimum width as narrow as a word, its natural width, its height
 * for a width), which is most of what a chat's rows cost.
 */
GtkWidget  *kith_message_body_new       (void);
const char *kith_message_body_get_text  (KithMessageBody *self);
void        kith_message_body_set_text  (KithMessageBody *self,
                                         const char      *text);
/* The label that shows the text (for the tests). */
GtkLabel   *kith_message_body_get_label (KithMessageBody *self);

G_END_DECLS
