/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define KITH_TYPE_MESSAGE_BODY (kith_message_body_get_type ())

G_DECLARE_FINAL_TYPE (KithMessageBody, kith_message_body, KITH, MESSAGE_BODY, GtkWidget)

/*
 * A message's text in its bubble, wrapping, that the reader can select
 * text in. Its size is worked out here, from one layout of the text kept
 * while the text stays the same, laid out at the widest a bubble may be
 * (docs/desktop.md, "The chat pane's list", "The text of a row"): a
 * GtkLabel lays its text out anew for each thing it is asked (its minimum
 * width as narrow as a word, its natural width, its height for a width)
 * and again to draw it, which was most of what a chat's rows cost. The
 * same layout draws the text; a selectable label takes its place once
 * kith_message_body_make_selectable () is called (the row does when the
 * pointer comes onto it), kept until the text changes.
 */
GtkWidget  *kith_message_body_new       (void);
const char *kith_message_body_get_text  (KithMessageBody *self);
void        kith_message_body_set_text  (KithMessageBody *self,
                                         const char      *text);
/* A selectable label shows the text from now on, until it changes. */
void        kith_message_body_make_selectable (KithMessageBody *self);
/* The selectable label that shows the text, or NULL (for the tests). */
GtkLabel   *kith_message_body_get_label (KithMessageBody *self);

G_END_DECLS
