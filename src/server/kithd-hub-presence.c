/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdHub"

#include "config.h"

#include "kithd-hub-private.h"

/*
 * What a user's accepted contacts see: kith_presence_resolve() of the
 * chosen status, the devices (kind, idle) and whether a call is answered,
 * recomputed on every change and published only when it changed, as one
 * frame serialised once for every receiver: work proportional to the
 * user's contacts, never to the connected users. And the contact events
 * of the REST side, which change who sees whom.
 */

GBytes *
kithd_hub_presence_bytes (gint64       user_id,
                          KithPresence presence)
{
  g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_PRESENCE);

  frame->user_id = user_id;
  frame->presence = presence;
  return kithd_hub_frame_bytes (frame);
}

void
kithd_hub_user_update_presence (KithdHub *self,
                                HubUser  *user)
{
  g_autoptr (GArray) devices = g_array_new (FALSE, FALSE, sizeof (KithDeviceState));
  g_autoptr (GArray) ids = NULL;
  g_autoptr (GBytes) bytes = NULL;
  GHashTableIter iter;
  gint64 *id;
  gboolean in_call = FALSE;
  KithPresence presence;

  for (guint i = 0; i < user->conns->len; i++) {
    HubConn *conn = g_ptr_array_index (user->conns, i);
    KithDeviceState state = { conn->kind, conn->idle };

    g_array_append_val (devices, state);
  }
  in_call = user->n_answered > 0;

  presence = kith_presence_resolve (user->chosen, (const KithDeviceState *) devices->data,
                                    devices->len, in_call);
  if (presence == user->visible)
    return;
  user->visible = presence;

  /* One frame, serialised once, shared by every receiver. */
  bytes = kithd_hub_presence_bytes (user->id, presence);
  ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), g_hash_table_size (user->contacts));
  g_hash_table_iter_init (&iter, user->contacts);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
    g_array_append_val (ids, *id);
  self->publish (self, (const gint64 *) ids->data, ids->len, 0, bytes);
}

KithPresence
kithd_hub_get_presence (KithdHub *self,
                        gint64    user_id)
{
  HubUser *user;

  g_return_val_if_fail (KITHD_IS_HUB (self), KITH_PRESENCE_OFFLINE);

  user = kithd_hub_user_get (self, user_id);
  return user ? user->visible : KITH_PRESENCE_OFFLINE;
}


void
kithd_hub_profile_changed (KithdHub        *self,
                           const KithdUser *user,
                           GArray          *contact_ids)
{
  g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_PROFILE);
  g_autoptr (GBytes) bytes = NULL;

  g_return_if_fail (KITHD_IS_HUB (self));

  frame->user = kithd_user_to_info (user, FALSE);
  bytes = kithd_hub_frame_bytes (frame);
  if (contact_ids)
    self->publish (self, (const gint64 *) contact_ids->data, contact_ids->len, 0, bytes);
}

void
kithd_hub_contact_requested (KithdHub         *self,
                             const KithdUser  *from,
                             const KithdUser  *to,
                             KithContactState  state)
{
  g_autoptr (KithFrame) frame = NULL;
  g_autoptr (GBytes) bytes = NULL;

  g_return_if_fail (KITHD_IS_HUB (self));

  if (state == KITH_CONTACT_ACCEPTED) {
    kithd_hub_contact_accepted (self, from, to);
    return;
  }

  frame = kith_frame_new (KITH_FRAME_CONTACT_REQUEST);
  frame->user = kithd_user_to_info (from, FALSE);
  bytes = kithd_hub_frame_bytes (frame);
  kithd_hub_publish_one (self, to->id, bytes);
}

static void
send_presence_of (KithdHub *self,
                  gint64    of,
                  gint64    to,
                  gboolean  always)
{
  KithPresence presence = kithd_hub_get_presence (self, of);
  g_autoptr (GBytes) bytes = NULL;

  if (presence == KITH_PRESENCE_OFFLINE && !always)
    return;
  bytes = kithd_hub_presence_bytes (of, presence);
  kithd_hub_publish_one (self, to, bytes);
}

void
kithd_hub_contact_accepted (KithdHub        *self,
                            const KithdUser *a,
                            const KithdUser *b)
{
  const KithdUser *pair[2] = { a, b };

  g_return_if_fail (KITHD_IS_HUB (self));

  for (guint i = 0; i < 2; i++) {
    const KithdUser *me = pair[i];
    const KithdUser *other = pair[1 - i];
    HubUser *user = kithd_hub_user_get (self, me->id);
    g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_CONTACT_ACCEPTED);
    g_autoptr (GBytes) bytes = NULL;

    if (user && !kithd_hub_user_has_contact (user, other->id))
      kithd_hub_user_add_contact (user, other->id);
    frame->user = kithd_user_to_info (other, FALSE);
    bytes = kithd_hub_frame_bytes (frame);
    kithd_hub_publish_one (self, me->id, bytes);
  }

  send_presence_of (self, a->id, b->id, FALSE);
  send_presence_of (self, b->id, a->id, FALSE);
}

void
kithd_hub_contact_removed (KithdHub *self,
                           gint64    a,
                           gint64    b)
{
  gint64 pair[2] = { a, b };

  g_return_if_fail (KITHD_IS_HUB (self));

  for (guint i = 0; i < 2; i++) {
    HubUser *user = kithd_hub_user_get (self, pair[i]);
    gboolean was_contact = user && kithd_hub_user_has_contact (user, pair[1 - i]);
    g_autoptr (KithFrame) frame = kith_frame_new (KITH_FRAME_CONTACT_REMOVED);
    g_autoptr (GBytes) bytes = NULL;

    frame->user_id = pair[1 - i];
    bytes = kithd_hub_frame_bytes (frame);
    kithd_hub_publish_one (self, pair[i], bytes);

    if (was_contact) {
      g_autoptr (GBytes) offline = kithd_hub_presence_bytes (pair[1 - i], KITH_PRESENCE_OFFLINE);

      g_hash_table_remove (user->contacts, &pair[1 - i]);
      kithd_hub_publish_one (self, pair[i], offline);
    }
  }
}
