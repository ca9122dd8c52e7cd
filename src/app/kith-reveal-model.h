/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KITH_TYPE_REVEAL_MODEL (kith_reveal_model_get_type ())

G_DECLARE_FINAL_TYPE (KithRevealModel, kith_reveal_model, KITH, REVEAL_MODEL, GObject)

/*
 * A list model showing another one but the items at its start that are
 * held back: while holding, items added at the start (an older page)
 * stay hidden until revealed a few at a time, so a list view over it
 * makes and measures their rows over several frames rather than all in
 * one (docs/desktop.md, "The chat pane's list"). Everything else (items
 * added at the end, removed, changed) goes through as it comes.
 */
KithRevealModel *kith_reveal_model_new        (GListModel      *model);
GListModel      *kith_reveal_model_get_model  (KithRevealModel *self);
void             kith_reveal_model_set_holding (KithRevealModel *self,
                                                gboolean         holding);
guint            kith_reveal_model_get_hidden (KithRevealModel *self);
guint            kith_reveal_model_reveal     (KithRevealModel *self,
                                               guint            max);

G_END_DECLS
