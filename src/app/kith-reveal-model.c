/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithRevealModel"

#include "config.h"

#include "kith-reveal-model.h"

struct _KithRevealModel
{
  GObject     parent_instance;

  GListModel *model;
  guint       hidden;   /* the first items of model, not shown yet */
  gboolean    holding;  /* items added at the start are hidden */
};

static GType
kith_reveal_model_get_item_type (GListModel *list)
{
  KithRevealModel *self = KITH_REVEAL_MODEL (list);

  return g_list_model_get_item_type (self->model);
}

static guint
kith_reveal_model_get_n_items (GListModel *list)
{
  KithRevealModel *self = KITH_REVEAL_MODEL (list);

  return g_list_model_get_n_items (self->model) - self->hidden;
}

static gpointer
kith_reveal_model_get_item (GListModel *list,
                            guint       position)
{
  KithRevealModel *self = KITH_REVEAL_MODEL (list);

  if (position >= g_list_model_get_n_items (self->model) - self->hidden)
    return NULL;
  return g_list_model_get_item (self->model, position + self->hidden);
}

static void
kith_reveal_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = kith_reveal_model_get_item_type;
  iface->get_n_items = kith_reveal_model_get_n_items;
  iface->get_item = kith_reveal_model_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (KithRevealModel, kith_reveal_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      kith_reveal_model_list_model_init))

static void
on_items_changed (KithRevealModel *self,
                  guint            position,
                  guint            removed,
                  guint            added,
                  GListModel      *model)
{
  guint shown = g_list_model_get_n_items (model) - added + removed - self->hidden;

  /* Inside what is hidden, or added just above what is shown while
   * holding (not at the end: new items, not older ones): hidden. */
  if (position + removed <= self->hidden &&
      (position < self->hidden || (removed == 0 && self->holding && shown > 0))) {
    self->hidden = self->hidden - removed + added;
    return;
  }
  /* Shown. */
  if (position >= self->hidden) {
    g_list_model_items_changed (G_LIST_MODEL (self), position - self->hidden, removed, added);
    return;
  }
  /* Removed across the line: what was hidden before it goes unseen. */
  removed = position + removed - self->hidden;
  self->hidden = position;
  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, added);
}

static void
kith_reveal_model_dispose (GObject *object)
{
  KithRevealModel *self = KITH_REVEAL_MODEL (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, on_items_changed, self);
  g_clear_object (&self->model);

  G_OBJECT_CLASS (kith_reveal_model_parent_class)->dispose (object);
}

static void
kith_reveal_model_class_init (KithRevealModelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = kith_reveal_model_dispose;
}

static void
kith_reveal_model_init (KithRevealModel *self)
{
}

KithRevealModel *
kith_reveal_model_new (GListModel *model)
{
  KithRevealModel *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (model), NULL);

  self = g_object_new (KITH_TYPE_REVEAL_MODEL, NULL);
  self->model = g_object_ref (model);
  g_signal_connect_swapped (model, "items-changed", G_CALLBACK (on_items_changed), self);
  return self;
}

GListModel *
kith_reveal_model_get_model (KithRevealModel *self)
{
  g_return_val_if_fail (KITH_IS_REVEAL_MODEL (self), NULL);

  return self->model;
}

void
kith_reveal_model_set_holding (KithRevealModel *self,
                               gboolean         holding)
{
  g_return_if_fail (KITH_IS_REVEAL_MODEL (self));

  self->holding = holding;
}

guint
kith_reveal_model_get_hidden (KithRevealModel *self)
{
  g_return_val_if_fail (KITH_IS_REVEAL_MODEL (self), 0);

  return self->hidden;
}

/* Shows up to @max of the hidden items, the newest of them (just above
 * what is shown); returns how many are still hidden. */
guint
kith_reveal_model_reveal (KithRevealModel *self,
                          guint            max)
{
  guint n;

  g_return_val_if_fail (KITH_IS_REVEAL_MODEL (self), 0);

  n = MIN (max, self->hidden);
  if (n > 0) {
    self->hidden -= n;
    g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, n);
  }
  return self->hidden;
}
