/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithContactList"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "kith-contact-list.h"

struct _KithContactList
{
  GObject           parent_instance;

  GListStore       *contacts;
  GHashTable       *by_id;   /* gint64* -> KithContact (borrowed) */
  /* Presence frames counted, and the count at each contact's last one: a
   * refresh sent before a contact's frame brings an older presence. */
  guint64           presence_serial;
  GHashTable       *presence_at;   /* gint64* -> guint64* */

  KithUser         *user;
  KithApiClient    *api;
  KithMessageStore *store;
};

enum {
  PROP_0,
  PROP_MODEL,
  N_PROPS
};

enum {
  CONTACT_REQUEST,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KithContactList, kith_contact_list, G_TYPE_OBJECT)

static gint64 *
int64_key (gint64 v)
{
  gint64 *key = g_new (gint64, 1);

  *key = v;
  return key;
}

static KithContact *
add_or_update (KithContactList       *self,
               const KithContactInfo *info)
{
  KithContact *contact;

  if (info->user == NULL)
    return NULL;
  contact = g_hash_table_lookup (self->by_id, &info->user->id);
  if (contact != NULL) {
    kith_contact_update (contact, info);
    return contact;
  }

  contact = kith_contact_new (info);
  g_hash_table_insert (self->by_id, int64_key (info->user->id), contact);
  g_list_store_append (self->contacts, contact);
  g_object_unref (contact);
  return contact;
}

static void
remove_contact (KithContactList *self,
                gint64           user_id)
{
  KithContact *contact = g_hash_table_lookup (self->by_id, &user_id);
  guint pos;

  if (contact == NULL)
    return;
  if (g_list_store_find (self->contacts, contact, &pos)) {
    g_hash_table_remove (self->by_id, &user_id);
    g_hash_table_remove (self->presence_at, &user_id);
    g_list_store_remove (self->contacts, pos);
  }
}

/* Writes the whole list to the store's contacts cache. */
static void
save (KithContactList *self)
{
  g_autoptr (GPtrArray) list = NULL;
  guint n;

  if (self->store == NULL)
    return;

  list = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_contact_info_free);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->contacts));
  for (guint i = 0; i < n; i++) {
    g_autoptr (KithContact) contact = g_list_model_get_item (G_LIST_MODEL (self->contacts), i);
    KithPerson *person = KITH_PERSON (contact);
    KithContactInfo *info = kith_contact_info_new ();

    info->user = kith_user_info_new ();
    info->user->id = kith_person_get_id (person);
    info->user->email = g_strdup (kith_person_get_email (person));
    info->user->first_name = g_strdup (kith_person_get_first_name (person));
    info->user->last_name = g_strdup (kith_person_get_last_name (person));
    info->state = kith_contact_get_state (contact);
    g_ptr_array_add (list, info);
  }
  kith_message_store_save_contacts_async (self->store, list, NULL, NULL, NULL);
}

/* A REST call about contacts needs a signed-in user. */
static GTask *
new_call (KithContactList     *self,
          gpointer             source_tag,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  if (self->user == NULL || self->api == NULL) {
    g_task_return_new_error (task, KITH_ERROR, KITH_ERROR_UNAUTHORIZED, _("You are not signed in."));
    g_clear_object (&task);
  }
  return task;
}

/* The cached contacts and their unread counts, read one after the other
 * (the store's calls run in order): the contacts enter the model with
 * their counts. */
static void
on_unread_read (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithContactList *self = g_task_get_source_object (task);
  GPtrArray *list = g_task_get_task_data (task);
  g_autoptr (GArray) unread = NULL;
  g_autoptr (GPtrArray) added = NULL;
  GError *error = NULL;

  unread = kith_message_store_unread_finish (KITH_MESSAGE_STORE (source), result, &error);
  if (unread == NULL) {
    g_task_return_error (task, error);
    return;
  }
  if (g_task_return_error_if_cancelled (task))
    return;
  if (self->store != KITH_MESSAGE_STORE (source)) {
    g_task_return_boolean (task, FALSE);
    return;
  }

  /* Presence is unknown until the socket says. The new contacts go into
   * the model in one splice: one items-changed, not one per contact (the
   * contact list may already be on screen). */
  added = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < list->len; i++) {
    KithContactInfo *info = g_ptr_array_index (list, i);
    KithContact *contact;

    info->presence = KITH_PRESENCE_OFFLINE;
    if (info->user == NULL)
      continue;
    contact = g_hash_table_lookup (self->by_id, &info->user->id);
    if (contact != NULL) {
      kith_contact_update (contact, info);
      continue;
    }
    contact = kith_contact_new (info);
    g_hash_table_insert (self->by_id, int64_key (info->user->id), contact);
    g_ptr_array_add (added, contact);
  }
  for (guint i = 0; i < unread->len; i++) {
    const KithUnreadCount *c = &g_array_index (unread, KithUnreadCount, i);
    KithContact *contact = g_hash_table_lookup (self->by_id, &c->peer_id);

    /* A count that came while the cache was read is newer. */
    if (contact != NULL && kith_contact_get_unread_count (contact) == 0)
      kith_contact_set_unread_count (contact, c->count);
  }
  g_list_store_splice (self->contacts, g_list_model_get_n_items (G_LIST_MODEL (self->contacts)), 0,
                       added->pdata, added->len);
  g_debug ("%u contacts from the cache, %u with unread messages", list->len, unread->len);
  g_task_return_boolean (task, TRUE);
}

static void
on_cache_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GCancellable *cancellable;
  GPtrArray *list;
  GError *error = NULL;

  list = kith_message_store_contacts_finish (KITH_MESSAGE_STORE (source), result, &error);
  if (list == NULL) {
    g_task_return_error (task, error);
    return;
  }
  g_task_set_task_data (task, list, (GDestroyNotify) g_ptr_array_unref);
  if (g_task_return_error_if_cancelled (task))
    return;
  cancellable = g_task_get_cancellable (task);
  kith_message_store_load_unread_async (KITH_MESSAGE_STORE (source), cancellable,
                                        on_unread_read, g_steal_pointer (&task));
}

static void
on_listed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithContactList *self = g_task_get_source_object (task);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GHashTable) seen = NULL;
  g_autoptr (GArray) gone = NULL;
  const guint64 *sent_at = g_task_get_task_data (task);
  GHashTableIter iter;
  gpointer key;
  GError *error = NULL;

  list = kith_api_client_list_contacts_finish (KITH_API_CLIENT (source), result, &error);
  if (list == NULL) {
    g_task_return_error (task, error);
    return;
  }
  if (self->user == NULL) {
    g_task_return_new_error (task, KITH_ERROR, KITH_ERROR_CANCELLED, _("Signed out."));
    return;
  }

  seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  for (guint i = 0; i < list->len; i++) {
    const KithContactInfo *info = g_ptr_array_index (list, i);
    KithContact *contact;
    guint64 *at;

    if (info->user == NULL)
      continue;
    contact = g_hash_table_lookup (self->by_id, &info->user->id);
    at = g_hash_table_lookup (self->presence_at, &info->user->id);
    if (contact != NULL && at != NULL && *at > *sent_at) {
      /* The socket told of this contact after the list was asked for. */
      KithPresence presence = kith_contact_get_presence (contact);

      add_or_update (self, info);
      kith_contact_set_presence (contact, presence);
    } else {
      add_or_update (self, info);
    }
    g_hash_table_add (seen, int64_key (info->user->id));
  }

  gone = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_hash_table_iter_init (&iter, self->by_id);
  while (g_hash_table_iter_next (&iter, &key, NULL)) {
    if (!g_hash_table_contains (seen, key))
      g_array_append_val (gone, *(gint64 *) key);
  }
  for (guint i = 0; i < gone->len; i++)
    remove_contact (self, g_array_index (gone, gint64, i));

  save (self);
  g_task_return_boolean (task, TRUE);
}

static void
on_changed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithContactList *self = g_task_get_source_object (task);
  g_autoptr (KithContactInfo) info = NULL;
  GError *error = NULL;

  info = kith_api_client_contact_finish (KITH_API_CLIENT (source), result, &error);
  if (info == NULL) {
    g_task_return_error (task, error);
    return;
  }
  if (self->user != NULL) {
    add_or_update (self, info);
    save (self);
  }
  g_task_return_boolean (task, TRUE);
}

static void
on_removed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KithContactList *self = g_task_get_source_object (task);
  gint64 *id = g_task_get_task_data (task);
  GError *error = NULL;

  if (!kith_api_client_call_finish (KITH_API_CLIENT (source), result, &error)) {
    g_task_return_error (task, error);
    return;
  }
  remove_contact (self, *id);
  save (self);
  g_task_return_boolean (task, TRUE);
}

static void
kith_contact_list_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  KithContactList *self = KITH_CONTACT_LIST (object);

  switch (prop_id) {
  case PROP_MODEL:
    g_value_set_object (value, self->contacts);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_contact_list_dispose (GObject *object)
{
  KithContactList *self = KITH_CONTACT_LIST (object);

  g_clear_object (&self->user);
  g_clear_object (&self->api);
  g_clear_object (&self->store);
  g_clear_object (&self->contacts);

  G_OBJECT_CLASS (kith_contact_list_parent_class)->dispose (object);
}

static void
kith_contact_list_finalize (GObject *object)
{
  KithContactList *self = KITH_CONTACT_LIST (object);

  g_hash_table_unref (self->by_id);
  g_hash_table_unref (self->presence_at);

  G_OBJECT_CLASS (kith_contact_list_parent_class)->finalize (object);
}

static void
kith_contact_list_class_init (KithContactListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = kith_contact_list_get_property;
  object_class->dispose = kith_contact_list_dispose;
  object_class->finalize = kith_contact_list_finalize;

  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CONTACT_REQUEST] =
    g_signal_new ("contact-request", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, KITH_TYPE_CONTACT);
}

static void
kith_contact_list_init (KithContactList *self)
{
  self->contacts = g_list_store_new (KITH_TYPE_CONTACT);
  self->by_id = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->presence_at = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
}

KithContactList *
kith_contact_list_new (void)
{
  return g_object_new (KITH_TYPE_CONTACT_LIST, NULL);
}

GListModel *
kith_contact_list_get_model (KithContactList *self)
{
  g_return_val_if_fail (KITH_IS_CONTACT_LIST (self), NULL);
  return G_LIST_MODEL (self->contacts);
}

KithContact *
kith_contact_list_find (KithContactList *self,
                        gint64           user_id)
{
  g_return_val_if_fail (KITH_IS_CONTACT_LIST (self), NULL);
  return g_hash_table_lookup (self->by_id, &user_id);
}

KithContact *
kith_contact_list_find_by_email (KithContactList *self,
                                 const char      *email)
{
  guint n;

  g_return_val_if_fail (KITH_IS_CONTACT_LIST (self), NULL);
  g_return_val_if_fail (email != NULL, NULL);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->contacts));
  for (guint i = 0; i < n; i++) {
    g_autoptr (KithContact) contact = g_list_model_get_item (G_LIST_MODEL (self->contacts), i);

    if (g_ascii_strcasecmp (kith_contact_get_email (contact), email) == 0)
      return contact;
  }
  return NULL;
}

void
kith_contact_list_attach (KithContactList  *self,
                          KithUser         *user,
                          KithApiClient    *api,
                          KithMessageStore *store)
{
  g_return_if_fail (KITH_IS_CONTACT_LIST (self));

  g_set_object (&self->user, user);
  g_set_object (&self->api, api);
  g_set_object (&self->store, store);
}

void
kith_contact_list_clear (KithContactList *self)
{
  g_return_if_fail (KITH_IS_CONTACT_LIST (self));

  g_hash_table_remove_all (self->by_id);
  g_list_store_remove_all (self->contacts);
}

void
kith_contact_list_load_async (KithContactList     *self,
                              KithMessageStore    *store,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_CONTACT_LIST (self));
  g_return_if_fail (KITH_IS_MESSAGE_STORE (store));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kith_contact_list_load_async);
  kith_message_store_load_contacts_async (store, cancellable, on_cache_read,
                                          g_steal_pointer (&task));
}

void
kith_contact_list_refresh_async (KithContactList     *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_CONTACT_LIST (self));

  task = new_call (self, kith_contact_list_refresh_async, cancellable, callback, user_data);
  if (task == NULL)
    return;
  /* The caller tells a cancelled refresh by the client's own error. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, g_memdup2 (&self->presence_serial, sizeof self->presence_serial), g_free);
  kith_api_client_list_contacts_async (self->api, cancellable, on_listed,
                                       g_steal_pointer (&task));
}

void
kith_contact_list_add_async (KithContactList     *self,
                             const char          *email,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_CONTACT_LIST (self));
  g_return_if_fail (email != NULL);

  task = new_call (self, kith_contact_list_add_async, cancellable, callback, user_data);
  if (task != NULL)
    kith_api_client_add_contact_async (self->api, email, cancellable, on_changed,
                                       g_steal_pointer (&task));
}

void
kith_contact_list_accept_async (KithContactList     *self,
                                KithContact         *contact,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_CONTACT_LIST (self));
  g_return_if_fail (KITH_IS_CONTACT (contact));

  task = new_call (self, kith_contact_list_accept_async, cancellable, callback, user_data);
  if (task != NULL)
    kith_api_client_accept_contact_async (self->api, kith_contact_get_id (contact), cancellable,
                                          on_changed, g_steal_pointer (&task));
}

void
kith_contact_list_remove_async (KithContactList     *self,
                                KithContact         *contact,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KITH_IS_CONTACT_LIST (self));
  g_return_if_fail (KITH_IS_CONTACT (contact));

  task = new_call (self, kith_contact_list_remove_async, cancellable, callback, user_data);
  if (task == NULL)
    return;
  g_task_set_task_data (task, int64_key (kith_contact_get_id (contact)), g_free);
  kith_api_client_remove_contact_async (self->api, kith_contact_get_id (contact), cancellable,
                                        on_removed, g_steal_pointer (&task));
}

gboolean
kith_contact_list_finish (KithContactList  *self,
                          GAsyncResult     *result,
                          GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
kith_contact_list_handle_presence (KithContactList *self,
                                   const KithFrame *frame)
{
  KithContact *contact;

  g_return_if_fail (KITH_IS_CONTACT_LIST (self));
  g_return_if_fail (frame != NULL && frame->type == KITH_FRAME_PRESENCE);

  contact = g_hash_table_lookup (self->by_id, &frame->user_id);
  if (contact != NULL) {
    kith_contact_set_presence (contact, frame->presence);
    self->presence_serial++;
    g_hash_table_insert (self->presence_at, int64_key (frame->user_id),
                         g_memdup2 (&self->presence_serial, sizeof self->presence_serial));
  }
}

void
kith_contact_list_handle_profile (KithContactList *self,
                                  const KithFrame *frame)
{
  KithContact *contact;

  g_return_if_fail (KITH_IS_CONTACT_LIST (self));
  g_return_if_fail (frame != NULL && frame->type == KITH_FRAME_PROFILE);

  if (frame->user == NULL)
    return;
  contact = g_hash_table_lookup (self->by_id, &frame->user->id);
  if (contact != NULL) {
    kith_contact_update_user (contact, frame->user);
    save (self);
  }
}

void
kith_contact_list_handle_change (KithContactList *self,
                                 const KithFrame *frame)
{
  g_autoptr (KithContactInfo) info = NULL;
  KithContact *contact;

  g_return_if_fail (KITH_IS_CONTACT_LIST (self));
  g_return_if_fail (frame != NULL);
  g_return_if_fail (frame->type == KITH_FRAME_CONTACT_REQUEST ||
                    frame->type == KITH_FRAME_CONTACT_ACCEPTED ||
                    frame->type == KITH_FRAME_CONTACT_REMOVED);

  if (frame->type == KITH_FRAME_CONTACT_REMOVED) {
    remove_contact (self, frame->user_id);
    save (self);
    return;
  }
  if (frame->user == NULL)
    return;

  info = kith_contact_info_new ();
  info->user = kith_user_info_copy (frame->user);
  info->state = frame->type == KITH_FRAME_CONTACT_REQUEST
                  ? KITH_CONTACT_INCOMING : KITH_CONTACT_ACCEPTED;
  contact = g_hash_table_lookup (self->by_id, &frame->user->id);
  if (contact != NULL)
    info->presence = kith_contact_get_presence (contact);
  contact = add_or_update (self, info);
  save (self);
  if (frame->type == KITH_FRAME_CONTACT_REQUEST)
    g_signal_emit (self, signals[CONTACT_REQUEST], 0, contact);
}
