/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithObjects"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "kith-error.h"
#include "kith-json-fields.h"
#include "kith-objects.h"
#include "kith-password-policy.h"

#define KITH_MAX_PLAN_BYTES 32

/* The user object's settings (offline_email_notification, plan) are
 * F_GATED on this: only the signed-in user's own record has them. */
#define USER_SETTINGS 1

#define USER_FIELD(name, kind, flags, max, member, present) \
  KITH_FIELD (KithUserInfo, name, kind, flags, max, member, present)
#define MESSAGE_FIELD(name, kind, flags, max, member) \
  KITH_FIELD (KithMessageInfo, name, kind, flags, max, member, 0)

static const KithFieldSpec user_fields[] = {
  USER_FIELD ("id",         KIND_ID,     REQ, 0,                    id,         0),
  USER_FIELD ("email",      KIND_STRING, REQ, KITH_MAX_EMAIL_BYTES, email,      0),
  USER_FIELD ("first_name", KIND_STRING, REQ, KITH_MAX_NAME_BYTES,  first_name, 0),
  USER_FIELD ("last_name",  KIND_STRING, REQ, KITH_MAX_NAME_BYTES,  last_name,  0),
  USER_FIELD ("offline_email_notification", KIND_BOOL, F_GATED, 0,
              offline_email_notification, USER_SETTINGS),
  USER_FIELD ("plan",       KIND_STRING, F_GATED, KITH_MAX_PLAN_BYTES, plan,    USER_SETTINGS),
  FIELD_END
};

const KithFieldSpec kith_call_info_fields[] = {
  KITH_FIELD (KithCallInfo, "video",    KIND_BOOL,   REQ,          0,                   video,    0),
  KITH_FIELD (KithCallInfo, "outcome",  KIND_STRING, REQ_NONEMPTY, KITH_MAX_KIND_BYTES, outcome,  0),
  KITH_FIELD (KithCallInfo, "duration", KIND_INT,    F_NONE,       0,                   duration, 0),
  FIELD_END
};

const KithFieldSpec kith_message_fields[] = {
  MESSAGE_FIELD ("seq",     KIND_INT,    REQ,          0,                           seq),
  MESSAGE_FIELD ("id",      KIND_STRING, REQ_NONEMPTY, KITH_MAX_ID_BYTES,           id),
  MESSAGE_FIELD ("from",    KIND_ID,     REQ,          0,                           from),
  MESSAGE_FIELD ("to",      KIND_ID,     REQ,          0,                           to),
  MESSAGE_FIELD ("body",    KIND_STRING, REQ_NONEMPTY, KITH_MAX_MESSAGE_BODY_BYTES, body),
  MESSAGE_FIELD ("sent_at", KIND_INT,    REQ,          0,                           sent_at),
  MESSAGE_FIELD ("kind",    KIND_STRING, F_NONEMPTY,   KITH_MAX_KIND_BYTES,         kind),
  KITH_OBJECT_FIELD (KithMessageInfo, "call", F_NONE, call, kith_call_info_fields, KithCallInfo),
  FIELD_END
};

const KithFieldSpec kith_contact_fields[] = {
  KITH_FIELD (KithContactInfo, "user", KIND_USER, REQ, 0, user, 0),
  KITH_ENUM_FIELD (KithContactInfo, "state",    &kith_contact_state_wire, REQ, state,    0),
  KITH_ENUM_FIELD (KithContactInfo, "presence", &kith_presence_wire,      REQ, presence, 0),
  FIELD_END
};

/* ---- the user object, for the codec ---- */

KithUserInfo *
kith_user_info_parse (JsonObject  *object,
                      const char  *prefix,
                      GError     **error)
{
  g_autoptr (KithUserInfo) user = kith_user_info_new ();
  guint present = 0;

  if (!kith_fields_parse (object, user_fields, user, prefix, &present, error))
    return NULL;
  user->has_settings = (present & USER_SETTINGS) != 0;

  return g_steal_pointer (&user);
}

void
kith_user_info_write (GString            *out,
                      const KithUserInfo *user)
{
  gboolean first = TRUE;

  if (user == NULL) {
    g_string_append (out, "null");
    return;
  }

  g_string_append_c (out, '{');
  kith_fields_write (out, &first, user_fields, user, user->has_settings ? USER_SETTINGS : 0);
  g_string_append_c (out, '}');
}

/* ---- users ---- */

KithUserInfo *
kith_user_info_new (void)
{
  return g_new0 (KithUserInfo, 1);
}

KithUserInfo *
kith_user_info_copy (const KithUserInfo *info)
{
  KithUserInfo *copy;

  if (info == NULL)
    return NULL;

  copy = g_new0 (KithUserInfo, 1);
  copy->id = info->id;
  copy->email = g_strdup (info->email);
  copy->first_name = g_strdup (info->first_name);
  copy->last_name = g_strdup (info->last_name);
  copy->has_settings = info->has_settings;
  copy->offline_email_notification = info->offline_email_notification;
  copy->plan = g_strdup (info->plan);

  return copy;
}

void
kith_user_info_free (KithUserInfo *info)
{
  if (info == NULL)
    return;

  kith_fields_free (user_fields, info);
  g_free (info);
}

JsonNode *
kith_user_info_to_node (const KithUserInfo *info)
{
  g_autoptr (GString) out = g_string_new (NULL);

  g_return_val_if_fail (info != NULL, NULL);

  kith_user_info_write (out, info);

  return json_from_string (out->str, NULL);
}

KithUserInfo *
kith_user_info_from_node (JsonNode  *node,
                          GError   **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                         _("A user object was expected."));
    return NULL;
  }

  return kith_user_info_parse (json_node_get_object (node), NULL, error);
}

/* ---- contacts, messages, server ---- */

KithContactInfo *
kith_contact_info_new (void)
{
  return g_new0 (KithContactInfo, 1);
}

void
kith_contact_info_free (KithContactInfo *info)
{
  if (info == NULL)
    return;

  g_clear_pointer (&info->user, kith_user_info_free);
  g_free (info);
}

KithMessageInfo *
kith_message_info_new (void)
{
  return g_new0 (KithMessageInfo, 1);
}

KithMessageInfo *
kith_message_info_copy (const KithMessageInfo *info)
{
  KithMessageInfo *copy;

  if (info == NULL)
    return NULL;

  copy = g_new0 (KithMessageInfo, 1);
  copy->seq = info->seq;
  copy->id = g_strdup (info->id);
  copy->from = info->from;
  copy->to = info->to;
  copy->body = g_strdup (info->body);
  copy->sent_at = info->sent_at;
  copy->kind = g_strdup (info->kind);
  copy->call = kith_call_info_copy (info->call);

  return copy;
}

void
kith_message_info_free (KithMessageInfo *info)
{
  if (info == NULL)
    return;

  kith_fields_free (kith_message_fields, info);
  g_free (info);
}

KithCallInfo *
kith_call_info_new (void)
{
  return g_new0 (KithCallInfo, 1);
}

KithCallInfo *
kith_call_info_copy (const KithCallInfo *info)
{
  KithCallInfo *copy;

  if (info == NULL)
    return NULL;

  copy = kith_call_info_new ();
  copy->video = info->video;
  copy->outcome = g_strdup (info->outcome);
  copy->duration = info->duration;

  return copy;
}

void
kith_call_info_free (KithCallInfo *info)
{
  if (info == NULL)
    return;

  kith_fields_free (kith_call_info_fields, info);
  g_free (info);
}

KithIceServer *
kith_ice_server_new (void)
{
  return g_new0 (KithIceServer, 1);
}

KithIceServer *
kith_ice_server_copy (const KithIceServer *server)
{
  KithIceServer *copy = kith_ice_server_new ();

  copy->urls = g_strdupv (server->urls);
  copy->username = g_strdup (server->username);
  copy->credential = g_strdup (server->credential);
  return copy;
}

void
kith_ice_server_free (KithIceServer *server)
{
  if (server == NULL)
    return;

  g_strfreev (server->urls);
  g_free (server->username);
  g_free (server->credential);
  g_free (server);
}

KithOidcProviderInfo *
kith_oidc_provider_info_new (const char *id,
                             const char *name)
{
  KithOidcProviderInfo *info = g_new0 (KithOidcProviderInfo, 1);

  info->id = g_strdup (id);
  info->name = g_strdup (name);
  return info;
}

void
kith_oidc_provider_info_free (KithOidcProviderInfo *info)
{
  if (info == NULL)
    return;

  g_free (info->id);
  g_free (info->name);
  g_free (info);
}

KithServerInfo *
kith_server_info_new (void)
{
  KithServerInfo *info = g_new0 (KithServerInfo, 1);

  info->protocol = KITH_PROTOCOL_VERSION;
  info->password_min_length = KITH_PASSWORD_MIN_LENGTH;
  info->ice_servers = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_ice_server_free);
  info->oidc_providers = g_ptr_array_new_with_free_func ((GDestroyNotify) kith_oidc_provider_info_free);

  return info;
}

void
kith_server_info_free (KithServerInfo *info)
{
  if (info == NULL)
    return;

  g_free (info->name);
  g_free (info->version);
  g_strfreev (info->login_flows);
  g_clear_pointer (&info->ice_servers, g_ptr_array_unref);
  g_clear_pointer (&info->oidc_providers, g_ptr_array_unref);
  g_free (info);
}
