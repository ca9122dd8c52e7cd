/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdRoutes"

#include "config.h"

#include "kithd-db-contacts.h"
#include "kithd-routes-private.h"

/*
 * /contacts: the list, requests, accepting and removing. The store checks
 * the relation; the hub tells both sides' sockets.
 */

static void
on_contact_list (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  KithdHub *hub = call->ctx->hub;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) contacts = kithd_db_list_contacts_finish (KITHD_DB (source), result, &error);
  g_autoptr (GPtrArray) list = NULL;
  gsize len = 0;
  char *json;

  if (!contacts) {
    kithd_route_call_error_from (call, error);
    return;
  }
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_contact_info_free);
  for (guint i = 0; i < contacts->len; i++) {
    KithdContact *contact = g_ptr_array_index (contacts, i);
    KithContactInfo *info = kith_contact_info_new ();

    info->user = kithd_user_to_info (contact->user, FALSE);
    info->state = contact->state;
    info->presence = contact->state == KITH_CONTACT_ACCEPTED
                     ? kithd_hub_get_presence (hub, contact->user->id)
                     : KITH_PRESENCE_OFFLINE;
    g_ptr_array_add (list, info);
  }
  json = kith_response_contacts (list, &len);
  kithd_route_call_respond (call, 200, json, len);
}

void
kithd_route_contact_list (KithdRouteCall *call)
{
  kithd_db_list_contacts_async (call->ctx->db, call->user->id, NULL, on_contact_list, call);
}

static void
on_contact_added (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdUser) user = NULL;
  g_autoptr (KithdUser) other = NULL;
  KithContactState state = KITH_CONTACT_OUTGOING;

  other = kithd_db_add_contact_finish (KITHD_DB (source), result, &user, &state, &error);
  if (!other) {
    kithd_route_call_error_from (call, error);
    return;
  }
  kithd_hub_contact_requested (call->ctx->hub, user, other, state);
  kithd_route_call_respond_contact (call, 201, other, state);
}

void
kithd_route_contact_add (KithdRouteCall *call)
{
  g_autofree char *email = g_ascii_strdown (call->body->email, -1);

  kithd_db_add_contact_async (call->ctx->db, call->user->id, email, kithd_clock_now_ms (),
                              NULL, on_contact_added, call);
}

static void
on_contact_accepted (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdUser) user = NULL;
  g_autoptr (KithdUser) other = kithd_db_accept_contact_finish (KITHD_DB (source), result, &user, &error);

  if (!other) {
    kithd_route_call_error_from (call, error);
    return;
  }
  kithd_hub_contact_accepted (call->ctx->hub, user, other);
  kithd_route_call_respond_contact (call, 200, other, KITH_CONTACT_ACCEPTED);
}

void
kithd_route_contact_accept (KithdRouteCall *call)
{
  kithd_db_accept_contact_async (call->ctx->db, call->user->id, call->path_id, kithd_clock_now_ms (),
                                 NULL, on_contact_accepted, call);
}

static void
on_contact_removed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  KithdRouteCall *call = user_data;
  g_autoptr (GError) error = NULL;

  if (!kithd_db_remove_contact_finish (KITHD_DB (source), result, &error)) {
    kithd_route_call_error_from (call, error);
    return;
  }
  kithd_hub_contact_removed (call->ctx->hub, call->user->id, call->path_id);
  kithd_route_call_respond (call, 204, NULL, 0);
}

void
kithd_route_contact_remove (KithdRouteCall *call)
{
  kithd_db_remove_contact_async (call->ctx->db, call->user->id, call->path_id,
                                 NULL, on_contact_removed, call);
}
