/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithContactsView"

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>

#include "kith-add-contact-dialog.h"
#include "kith-contact-actions.h"
#include "kith-contact-row.h"
#include "kith-contacts-view.h"
#include "kith-toast.h"

struct _KithContactsView
{
  GtkWidget           parent_instance;

  KithSession        *session;
  GtkCustomFilter    *filter;
  GtkCustomSorter    *sorter;
  GtkFilterListModel *filter_model;
  GtkSortListModel   *sort_model;
  GtkSliceListModel  *slice;         /* the rows made so far: see grow_rows () */
  guint               grow_id;       /* tick callback adding rows, or 0 */
  gboolean            first_batch_drawn;
  GtkSingleSelection *selection;
  GHashTable         *watched;       /* KithContact (ref) -> NULL */
  guint               resort_id;
  char               *search;        /* casefolded, NULL when empty */
  GCancellable       *cancellable;

  GtkWidget          *search_entry;
  GtkWidget          *add_button;
  GtkWidget          *stack;
  GtkWidget          *list_view;
  GtkWidget          *empty_add_button;
  GtkWidget          *context_menu;  /* made on the first right click */

  GtkWindow          *add_dialog;    /* the Add Contact dialog while it exists */
};

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

enum {
  CONTACT_ACTIVATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KithContactsView, kith_contacts_view, GTK_TYPE_WIDGET)

/* ---- sorting and filtering ---- */

static int
state_rank (KithContact *contact)
{
  switch (kith_contact_get_state (contact)) {
  case KITH_CONTACT_INCOMING:
    return 0;
  case KITH_CONTACT_OUTGOING:
    return 1;
  case KITH_CONTACT_ACCEPTED:
  default:
    return 2;
  }
}

static int
presence_rank (KithContact *contact)
{
  switch (kith_contact_get_presence (contact)) {
  case KITH_PRESENCE_ONLINE:
    return 0;
  case KITH_PRESENCE_MOBILE:
    return 1;
  case KITH_PRESENCE_BUSY:
    return 2;
  case KITH_PRESENCE_IDLE:
    return 3;
  case KITH_PRESENCE_OFFLINE:
  default:
    return 4;
  }
}

/* The name's collation key, made once per name rather than on every
 * comparison (g_utf8_collate normalizes both strings each time). */
typedef struct {
  char *name;
  char *key;
} SortKey;

static void
sort_key_free (gpointer data)
{
  SortKey *sort_key = data;

  g_free (sort_key->name);
  g_free (sort_key->key);
  g_free (sort_key);
}

static const char *
sort_key_for (KithContact *contact)
{
  static GQuark quark;
  const char *name = kith_contact_get_display_name (contact);
  SortKey *sort_key;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("kith-contacts-view-sort-key");
  if (name == NULL)
    name = "";
  sort_key = g_object_get_qdata (G_OBJECT (contact), quark);
  if (sort_key == NULL || strcmp (sort_key->name, name) != 0) {
    sort_key = g_new0 (SortKey, 1);
    sort_key->name = g_strdup (name);
    sort_key->key = g_utf8_collate_key (name, -1);
    g_object_set_qdata_full (G_OBJECT (contact), quark, sort_key, sort_key_free);
  }
  return sort_key->key;
}

static int
compare_contacts (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  KithContact *ca = (KithContact *) a;
  KithContact *cb = (KithContact *) b;
  int d;

  d = state_rank (ca) - state_rank (cb);
  if (d != 0)
    return d < 0 ? -1 : 1;
  d = presence_rank (ca) - presence_rank (cb);
  if (d != 0)
    return d < 0 ? -1 : 1;
  d = strcmp (sort_key_for (ca), sort_key_for (cb));
  if (d != 0)
    return d < 0 ? -1 : 1;
  return kith_contact_get_id (ca) < kith_contact_get_id (cb) ? -1 :
         kith_contact_get_id (ca) > kith_contact_get_id (cb) ? 1 : 0;
}

static gboolean
contains_casefolded (const char *haystack,
                     const char *needle)
{
  g_autofree char *folded = NULL;

  if (haystack == NULL)
    return FALSE;
  folded = g_utf8_casefold (haystack, -1);
  return strstr (folded, needle) != NULL;
}

static gboolean
filter_contact (gpointer item,
                gpointer user_data)
{
  KithContactsView *self = user_data;
  KithContact *contact = item;

  if (self->search == NULL)
    return TRUE;
  return contains_casefolded (kith_contact_get_display_name (contact), self->search) ||
         contains_casefolded (kith_contact_get_email (contact), self->search);
}

static void
update_page (KithContactsView *self)
{
  GListModel *contacts = kith_session_get_contacts (self->session);

  if (g_list_model_get_n_items (contacts) == 0)
    gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->filter_model)) == 0)
    gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "no-results");
  else
    gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "list");
}

static gboolean
on_resort_idle (gpointer user_data)
{
  KithContactsView *self = user_data;

  self->resort_id = 0;
  gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
  if (self->search != NULL)
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  return G_SOURCE_REMOVE;
}

static void
on_contact_changed (KithContactsView *self)
{
  if (self->resort_id == 0)
    self->resort_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE - 10, on_resort_idle, self, NULL);
}

static void show_rows_in_batches (KithContactsView *self,
                                  guint             n_contacts);

static void
watch_contact (KithContactsView *self,
               KithContact      *contact)
{
  if (g_hash_table_contains (self->watched, contact))
    return;
  g_hash_table_add (self->watched, g_object_ref (contact));
  g_signal_connect_swapped (contact, "notify::presence", G_CALLBACK (on_contact_changed), self);
  g_signal_connect_swapped (contact, "notify::state", G_CALLBACK (on_contact_changed), self);
  g_signal_connect_swapped (contact, "notify::display-name", G_CALLBACK (on_contact_changed), self);
}

static void
on_contacts_changed (KithContactsView *self,
                     guint             position,
                     guint             removed,
                     guint             added,
                     GListModel       *contacts)
{
  for (guint i = position; i < position + added; i++) {
    g_autoptr (KithContact) contact = g_list_model_get_item (contacts, i);

    watch_contact (self, contact);
  }
  if (removed == 0 && added > 0 && added == g_list_model_get_n_items (contacts))
    show_rows_in_batches (self, added);
  /* The page follows the filter model's items-changed, which comes after. */
}

/* ---- rows in batches ----
 *
 * GTK 4.8's GtkListView makes a row widget for up to 200 items at once,
 * visible or not: for a long list arriving at once (the cache at start-up,
 * the list after signing in) that is a few hundred milliseconds before the
 * list can be drawn. So the list view sees a slice of the sorted contacts:
 * first as many as fit in the window, then ROW_BATCH more on every frame
 * after the one that draws them, until all are there. A user sees the top
 * of the list in the first frame and can scroll through all of it a few
 * frames later. */

#define ROW_BATCH 16
#define ROW_MIN_HEIGHT 48   /* a contact row is 56 px; a little less to be sure */

static void
show_all_rows (KithContactsView *self)
{
  if (self->grow_id != 0) {
    gtk_widget_remove_tick_callback (self->list_view, self->grow_id);
    self->grow_id = 0;
  }
  gtk_slice_list_model_set_size (self->slice, G_MAXUINT);
}

static gboolean
grow_rows (GtkWidget     *widget,
           GdkFrameClock *clock,
           gpointer       user_data)
{
  KithContactsView *self = user_data;
  guint size = gtk_slice_list_model_get_size (self->slice);

  /* Ticks come before a frame's layout: the first one is the frame that
   * draws the first batch. */
  if (!self->first_batch_drawn) {
    self->first_batch_drawn = TRUE;
    return G_SOURCE_CONTINUE;
  }
  if (size >= g_list_model_get_n_items (G_LIST_MODEL (self->sort_model))) {
    self->grow_id = 0;
    gtk_slice_list_model_set_size (self->slice, G_MAXUINT);
    return G_SOURCE_REMOVE;
  }
  gtk_slice_list_model_set_size (self->slice, size + ROW_BATCH);
  return G_SOURCE_CONTINUE;
}

/* Many contacts at once into an empty list: the first screenful now, the
 * rest frame by frame. */
static void
show_rows_in_batches (KithContactsView *self,
                      guint             n_contacts)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  int width = 0, height = 0;
  guint first;

  if (root != NULL && GTK_IS_WINDOW (root)) {
    height = gtk_widget_get_height (GTK_WIDGET (root));
    if (height <= 0)
      gtk_window_get_default_size (GTK_WINDOW (root), &width, &height);
  }
  if (height <= 0)
    height = 800;
  first = CLAMP ((guint) height / ROW_MIN_HEIGHT + 1, 8, 64);

  if (n_contacts <= first)
    return;
  gtk_slice_list_model_set_size (self->slice, first);
  self->first_batch_drawn = FALSE;
  if (self->grow_id == 0)
    self->grow_id = gtk_widget_add_tick_callback (self->list_view, grow_rows, self, NULL);
}

/* ---- the context menu ---- */

/* "Remove Contact…" or "Withdraw Request" for @row's contact, pointing at
 * (@x, @y) in the row, or below the whole row when @x is negative (the
 * keyboard). One popover for the list, made when first needed. */
static void
popup_context_menu (KithContactsView *self,
                    KithContactRow   *row,
                    double            x,
                    double            y)
{
  KithContact *contact = kith_contact_row_get_contact (row);
  g_autoptr (GMenuModel) model = NULL;
  graphene_rect_t bounds;
  graphene_point_t point;
  GdkRectangle rect;

  if (contact == NULL)
    return;
  model = kith_contact_actions_menu (contact, "contacts", TRUE);
  if (model == NULL)
    return;

  if (self->context_menu == NULL) {
    self->context_menu = gtk_popover_menu_new_from_model (NULL);
    gtk_widget_set_parent (self->context_menu, GTK_WIDGET (self));
    gtk_popover_set_has_arrow (GTK_POPOVER (self->context_menu), FALSE);
    gtk_widget_set_halign (self->context_menu, GTK_ALIGN_START);
  }
  gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (self->context_menu), model);

  if (x >= 0 && gtk_widget_compute_point (GTK_WIDGET (row), GTK_WIDGET (self),
                                          &GRAPHENE_POINT_INIT (x, y), &point)) {
    rect = (GdkRectangle) { point.x, point.y, 1, 1 };
  } else if (gtk_widget_compute_bounds (GTK_WIDGET (row), GTK_WIDGET (self), &bounds)) {
    rect = (GdkRectangle) { bounds.origin.x + 12, bounds.origin.y,
                            1, bounds.size.height };
  } else {
    return;
  }
  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu), &rect);
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
}

/* A right click or a long press on a row (@gesture's widget): the
 * gesture is claimed and the row's context menu opens at (@x, @y). */
static void
popup_for_gesture (KithContactsView *self,
                   GtkGesture       *gesture,
                   double            x,
                   double            y)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));

  gtk_gesture_set_state (gesture, GTK_EVENT_SEQUENCE_CLAIMED);
  popup_context_menu (self, KITH_CONTACT_ROW (row), x, y);
}

static void
on_row_pressed (GtkGestureClick  *gesture,
                int               n_press,
                double            x,
                double            y,
                KithContactsView *self)
{
  popup_for_gesture (self, GTK_GESTURE (gesture), x, y);
}

static void
on_row_long_pressed (GtkGestureLongPress *gesture,
                     double               x,
                     double               y,
                     KithContactsView    *self)
{
  popup_for_gesture (self, GTK_GESTURE (gesture), x, y);
}

/* ---- the list ---- */

/* Presence is known while online only: connecting, a row shows the last
 * status it heard as unknown rather than as current. */
static gboolean
state_to_presence_known (GBinding     *binding,
                         const GValue *from,
                         GValue       *to,
                         gpointer      user_data)
{
  g_value_set_boolean (to, g_value_get_enum (from) == KITH_SESSION_ONLINE);
  return TRUE;
}

static void
on_factory_setup (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  KithContactsView         *self)
{
  GtkWidget *row = kith_contact_row_new ();
  GtkGesture *gesture;

  /* Right click, or a long press on a touchscreen: the context menu. */
  gesture = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_SECONDARY);
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_row_pressed), self);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (gesture));
  gesture = gtk_gesture_long_press_new ();
  gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (gesture), TRUE);
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_row_long_pressed), self);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (gesture));

  g_object_bind_property_full (self->session, "state", row, "presence-known",
                               G_BINDING_SYNC_CREATE, state_to_presence_known,
                               NULL, NULL, NULL);
  gtk_list_item_set_child (item, row);
}

static void
on_factory_bind (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 gpointer                  user_data)
{
  kith_contact_row_set_contact (KITH_CONTACT_ROW (gtk_list_item_get_child (item)),
                                gtk_list_item_get_item (item));
}

static void
on_factory_unbind (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   gpointer                  user_data)
{
  kith_contact_row_set_contact (KITH_CONTACT_ROW (gtk_list_item_get_child (item)), NULL);
}

static void
on_list_activate (KithContactsView *self,
                  guint             position)
{
  g_autoptr (KithContact) contact = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (contact == NULL)
    return;
  gtk_single_selection_set_selected (self->selection, position);
  g_signal_emit (self, signals[CONTACT_ACTIVATED], 0, contact);
}

static void
on_search_changed (KithContactsView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  g_clear_pointer (&self->search, g_free);
  if (*stripped != '\0')
    self->search = g_utf8_casefold (stripped, -1);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

/* ---- the keyboard ---- */

/* Ctrl+F (while the list is shown): the search entry. */
static gboolean
on_search_shortcut (GtkWidget *widget,
                    GVariant  *args,
                    gpointer   user_data)
{
  KithContactsView *self = KITH_CONTACTS_VIEW (widget);

  if (!gtk_widget_is_drawable (self->search_entry))
    return FALSE;
  gtk_widget_grab_focus (self->search_entry);
  return TRUE;
}

/* Down in the search entry moves into the list, on its first contact. */
static gboolean
on_search_key_pressed (GtkEventControllerKey *controller,
                       guint                  keyval,
                       guint                  keycode,
                       GdkModifierType        state,
                       KithContactsView      *self)
{
  g_autoptr (KithContact) first = NULL;

  if ((keyval != GDK_KEY_Down && keyval != GDK_KEY_KP_Down) ||
      (state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0)
    return FALSE;
  if (g_list_model_get_n_items (G_LIST_MODEL (self->selection)) == 0 ||
      !gtk_widget_is_drawable (self->list_view))
    return FALSE;
  /* Entering the list, GtkListView focuses the item it last had the focus
   * on, wherever sorting moved it since; the first match is meant: focus
   * its row (GtkListView makes a focused row its current one). */
  gtk_widget_activate_action (self->list_view, "list.scroll-to-item", "u", 0);
  first = g_list_model_get_item (G_LIST_MODEL (self->selection), 0);
  for (GtkWidget *child = gtk_widget_get_first_child (self->list_view);
       child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    GtkWidget *row = gtk_widget_get_first_child (child);

    if (KITH_IS_CONTACT_ROW (row) &&
        kith_contact_row_get_contact (KITH_CONTACT_ROW (row)) == first &&
        gtk_widget_grab_focus (child))
      return TRUE;
  }
  return gtk_widget_child_focus (self->list_view, GTK_DIR_TAB_FORWARD);
}

/* Enter in the search entry opens the first match. */
static void
on_search_activate (KithContactsView *self)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (self->selection)) > 0)
    on_list_activate (self, 0);
}

/* ---- the Add Contact dialog ---- */

static void
on_request_sent (KithContactsView *self)
{
  kith_toast_show (GTK_WIDGET (self), _("Contact request sent"));
}

static void
on_add_dialog_destroy (KithContactsView *self)
{
  self->add_dialog = NULL;
}

void
kith_contacts_view_add_contact (KithContactsView *self)
{
  GtkRoot *root;

  g_return_if_fail (KITH_IS_CONTACTS_VIEW (self));

  if (self->add_dialog != NULL) {
    gtk_window_present (self->add_dialog);
    return;
  }

  root = gtk_widget_get_root (GTK_WIDGET (self));
  self->add_dialog = GTK_WINDOW (kith_add_contact_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                              self->session, self->cancellable));
  g_signal_connect_object (self->add_dialog, "destroy", G_CALLBACK (on_add_dialog_destroy),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->add_dialog, "request-sent", G_CALLBACK (on_request_sent),
                           self, G_CONNECT_SWAPPED);
  gtk_window_present (self->add_dialog);
}

/* ---- actions ---- */

static void
contacts_add_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  kith_contacts_view_add_contact (KITH_CONTACTS_VIEW (widget));
}

/* The actions on one contact, its id as target: contacts.accept and
 * contacts.decline (a request row's buttons), contacts.remove-contact and
 * contacts.withdraw-request (the context menu). A contact gone meanwhile
 * is left alone. */
static void
contacts_contact_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  KithContactsView *self = KITH_CONTACTS_VIEW (widget);
  KithContact *contact = kith_session_find_contact (self->session, g_variant_get_int64 (parameter));

  if (contact == NULL)
    return;
  if (g_str_equal (action_name, "contacts.remove-contact")) {
    if (kith_contact_get_state (contact) == KITH_CONTACT_ACCEPTED)
      kith_contact_actions_confirm_remove (widget, self->session, contact);
  } else if (g_str_equal (action_name, "contacts.withdraw-request")) {
    kith_contact_actions_withdraw (widget, self->session, contact);
  } else {
    kith_contact_actions_answer (widget, self->session, contact,
                                 g_str_equal (action_name, "contacts.accept"), self->cancellable);
  }
}

/* Menu or Shift+F10: the context menu of the row with the keyboard focus. */
static void
contacts_context_menu_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *parameter)
{
  KithContactsView *self = KITH_CONTACTS_VIEW (widget);
  GtkWidget *item = gtk_widget_get_focus_child (self->list_view);
  GtkWidget *row = item != NULL ? gtk_widget_get_first_child (item) : NULL;

  if (row != NULL && KITH_IS_CONTACT_ROW (row))
    popup_context_menu (self, KITH_CONTACT_ROW (row), -1, -1);
}

/* ---- GObject ---- */

static void
kith_contacts_view_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  KithContactsView *self = KITH_CONTACTS_VIEW (object);

  switch (prop_id) {
  case PROP_SESSION:
    g_value_set_object (value, self->session);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_contacts_view_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  KithContactsView *self = KITH_CONTACTS_VIEW (object);

  switch (prop_id) {
  case PROP_SESSION:
    self->session = g_value_dup_object (value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_contacts_view_constructed (GObject *object)
{
  KithContactsView *self = KITH_CONTACTS_VIEW (object);
  GListModel *contacts;
  g_autoptr (GtkListItemFactory) factory = NULL;

  G_OBJECT_CLASS (kith_contacts_view_parent_class)->constructed (object);

  g_assert (KITH_IS_SESSION (self->session));
  contacts = kith_session_get_contacts (self->session);

  /* Connected before the models below: the slice's size is set before
   * the list view hears of new contacts. */
  g_signal_connect_object (contacts, "items-changed", G_CALLBACK (on_contacts_changed),
                           self, G_CONNECT_SWAPPED);

  self->filter = gtk_custom_filter_new (filter_contact, self, NULL);
  self->sorter = gtk_custom_sorter_new (compare_contacts, NULL, NULL);
  self->filter_model = gtk_filter_list_model_new (g_object_ref (contacts),
                                                  g_object_ref (GTK_FILTER (self->filter)));
  self->sort_model = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->filter_model)),
                                              g_object_ref (GTK_SORTER (self->sorter)));
  self->slice = gtk_slice_list_model_new (g_object_ref (G_LIST_MODEL (self->sort_model)), 0, G_MAXUINT);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->slice)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (on_factory_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (on_factory_bind), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (on_factory_unbind), NULL);
  gtk_list_view_set_factory (GTK_LIST_VIEW (self->list_view), factory);
  gtk_list_view_set_model (GTK_LIST_VIEW (self->list_view), GTK_SELECTION_MODEL (self->selection));

  g_signal_connect_object (self->filter_model, "items-changed", G_CALLBACK (update_page),
                           self, G_CONNECT_SWAPPED);
  on_contacts_changed (self, 0, 0, g_list_model_get_n_items (contacts), contacts);
  update_page (self);
}

static void
kith_contacts_view_dispose (GObject *object)
{
  KithContactsView *self = KITH_CONTACTS_VIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  if (self->add_dialog != NULL)
    gtk_window_destroy (self->add_dialog);   /* on_add_dialog_destroy () clears it */
  g_clear_handle_id (&self->resort_id, g_source_remove);
  if (self->watched != NULL) {
    GHashTableIter iter;
    gpointer contact;

    g_hash_table_iter_init (&iter, self->watched);
    while (g_hash_table_iter_next (&iter, &contact, NULL))
      g_signal_handlers_disconnect_by_func (contact, on_contact_changed, self);
    g_clear_pointer (&self->watched, g_hash_table_unref);
  }
  if (self->list_view != NULL) {
    if (self->grow_id != 0)
      gtk_widget_remove_tick_callback (self->list_view, self->grow_id);
    self->grow_id = 0;
    gtk_list_view_set_model (GTK_LIST_VIEW (self->list_view), NULL);
  }
  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
  gtk_widget_dispose_template (GTK_WIDGET (self), KITH_TYPE_CONTACTS_VIEW);
  /* The template's unnamed top child too. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->selection);
  g_clear_object (&self->slice);
  g_clear_object (&self->sort_model);
  g_clear_object (&self->filter_model);
  g_clear_object (&self->sorter);
  g_clear_object (&self->filter);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->search, g_free);

  G_OBJECT_CLASS (kith_contacts_view_parent_class)->dispose (object);
}

static void
kith_contacts_view_class_init (KithContactsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = kith_contacts_view_get_property;
  object_class->set_property = kith_contacts_view_set_property;
  object_class->constructed = kith_contacts_view_constructed;
  object_class->dispose = kith_contacts_view_dispose;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, KITH_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CONTACT_ACTIVATED] =
    g_signal_new ("contact-activated",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, KITH_TYPE_CONTACT);

  g_type_ensure (ADW_TYPE_STATUS_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, "/im/kith/Kith/kith-contacts-view.ui");
  gtk_widget_class_bind_template_child (widget_class, KithContactsView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, KithContactsView, add_button);
  gtk_widget_class_bind_template_child (widget_class, KithContactsView, stack);
  gtk_widget_class_bind_template_child (widget_class, KithContactsView, list_view);
  gtk_widget_class_bind_template_child (widget_class, KithContactsView, empty_add_button);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_list_activate);

  gtk_widget_class_install_action (widget_class, "contacts.add", NULL, contacts_add_action);
  gtk_widget_class_install_action (widget_class, "contacts.accept", "x", contacts_contact_action);
  gtk_widget_class_install_action (widget_class, "contacts.decline", "x", contacts_contact_action);
  gtk_widget_class_install_action (widget_class, "contacts.remove-contact", "x", contacts_contact_action);
  gtk_widget_class_install_action (widget_class, "contacts.withdraw-request", "x", contacts_contact_action);
  gtk_widget_class_install_action (widget_class, "contacts.context-menu", NULL,
                                   contacts_context_menu_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Menu, 0, "contacts.context-menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK,
                                       "contacts.context-menu", NULL);

  gtk_widget_class_set_css_name (widget_class, "kithcontactsview");
}

static void
kith_contacts_view_init (KithContactsView *self)
{
  GtkEventController *controller;

  self->cancellable = g_cancellable_new ();
  self->watched = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));

  controller = gtk_shortcut_controller_new ();
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (controller), GTK_SHORTCUT_SCOPE_GLOBAL);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_f, GDK_CONTROL_MASK),
                                                          gtk_callback_action_new (on_search_shortcut,
                                                                                   NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_search_key_pressed), self);
  gtk_widget_add_controller (self->search_entry, controller);
  g_signal_connect_swapped (self->search_entry, "activate", G_CALLBACK (on_search_activate), self);
}

GtkWidget *
kith_contacts_view_new (KithSession *session)
{
  g_return_val_if_fail (KITH_IS_SESSION (session), NULL);

  return g_object_new (KITH_TYPE_CONTACTS_VIEW, "session", session, NULL);
}

KithSession *
kith_contacts_view_get_session (KithContactsView *self)
{
  g_return_val_if_fail (KITH_IS_CONTACTS_VIEW (self), NULL);

  return self->session;
}

void
kith_contacts_view_select_contact (KithContactsView *self,
                                   KithContact      *contact)
{
  guint n;

  g_return_if_fail (KITH_IS_CONTACTS_VIEW (self));

  if (contact != NULL)
    show_all_rows (self);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  for (guint i = 0; contact != NULL && i < n; i++) {
    g_autoptr (KithContact) item = g_list_model_get_item (G_LIST_MODEL (self->selection), i);

    if (item == contact) {
      gtk_single_selection_set_selected (self->selection, i);
      return;
    }
  }
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
}
