/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>

#include "kith-reveal-model.h"

/* What a list view over the model hears: the changes, applied to a copy. */
typedef struct {
  GListStore *seen;     /* what the view shows, following items-changed */
  guint       max_added;
} View;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  View       *view)
{
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < added; i++)
    g_ptr_array_add (items, g_list_model_get_item (model, position + i));
  g_list_store_splice (view->seen, position, removed, items->pdata, added);
  view->max_added = MAX (view->max_added, added);
}

static void
assert_same (GListModel *a,
             GListModel *b)
{
  g_assert_cmpuint (g_list_model_get_n_items (a), ==, g_list_model_get_n_items (b));
  for (guint i = 0; i < g_list_model_get_n_items (a); i++) {
    g_autoptr (GObject) x = g_list_model_get_item (a, i);
    g_autoptr (GObject) y = g_list_model_get_item (b, i);

    g_assert_true (x == y);
  }
}

static void
add_items (GListStore *store,
           guint       position,
           guint       n)
{
  for (guint i = 0; i < n; i++) {
    g_autoptr (GObject) item = g_object_new (G_TYPE_OBJECT, NULL);

    g_list_store_insert (store, position + i, item);
  }
}

/* An older page added at the start while holding is revealed five at a
 * time, the newest of it first; new items at the end and items removed
 * go through meanwhile; the view always shows the end of the store. */
static void
test_reveal (void)
{
  g_autoptr (GListStore) store = g_list_store_new (G_TYPE_OBJECT);
  g_autoptr (KithRevealModel) reveal = NULL;
  View view = { g_list_store_new (G_TYPE_OBJECT), 0 };
  g_autoptr (GListModel) tail = NULL;

  add_items (store, 0, 50);
  reveal = kith_reveal_model_new (G_LIST_MODEL (store));
  on_items_changed (G_LIST_MODEL (reveal), 0, 0, 50, &view);
  g_signal_connect (reveal, "items-changed", G_CALLBACK (on_items_changed), &view);

  kith_reveal_model_set_holding (reveal, TRUE);
  view.max_added = 0;
  add_items (store, 0, 50);
  kith_reveal_model_set_holding (reveal, FALSE);
  g_assert_cmpuint (kith_reveal_model_get_hidden (reveal), ==, 50);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reveal)), ==, 50);
  assert_same (G_LIST_MODEL (view.seen), G_LIST_MODEL (reveal));

  /* A new item at the end, and the two oldest forgotten, meanwhile. */
  add_items (store, 100, 1);
  g_list_store_splice (store, 0, 2, NULL, 0);
  g_assert_cmpuint (kith_reveal_model_get_hidden (reveal), ==, 48);
  assert_same (G_LIST_MODEL (view.seen), G_LIST_MODEL (reveal));

  while (kith_reveal_model_reveal (reveal, 5) > 0)
    assert_same (G_LIST_MODEL (view.seen), G_LIST_MODEL (reveal));
  g_assert_cmpuint (view.max_added, <=, 5);
  assert_same (G_LIST_MODEL (view.seen), G_LIST_MODEL (store));

  /* Not holding: an older page goes through at once; removing across
   * what is hidden and shown too. */
  add_items (store, 0, 50);
  assert_same (G_LIST_MODEL (view.seen), G_LIST_MODEL (store));
  kith_reveal_model_set_holding (reveal, TRUE);
  add_items (store, 0, 20);
  g_list_store_splice (store, 0, 30, NULL, 0);
  g_assert_cmpuint (kith_reveal_model_get_hidden (reveal), ==, 0);
  assert_same (G_LIST_MODEL (view.seen), G_LIST_MODEL (store));

  /* Holding with nothing shown: the first items are shown. */
  g_list_store_remove_all (store);
  add_items (store, 0, 3);
  g_assert_cmpuint (kith_reveal_model_get_hidden (reveal), ==, 0);
  assert_same (G_LIST_MODEL (view.seen), G_LIST_MODEL (store));

  g_signal_handlers_disconnect_by_func (reveal, on_items_changed, &view);
  g_object_unref (view.seen);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/reveal-model/reveal", test_reveal);
  return g_test_run ();
}
