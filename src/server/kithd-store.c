/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdStore"

#include "config.h"

#include <string.h>

#include "kithd-store.h"

/*
 * The KithdStore interface: the public wrappers check their arguments and
 * dispatch to the implementation (kithd-store-sqlite.c today). The record
 * types the store hands out live here too.
 */

G_DEFINE_INTERFACE (KithdStore, kithd_store, G_TYPE_OBJECT)

static void
kithd_store_default_init (KithdStoreInterface *iface)
{
}

/* ---- records ---- */

KithdUser *
kithd_user_copy (const KithdUser *user)
{
  KithdUser *copy;

  if (user == NULL)
    return NULL;

  copy = g_new0 (KithdUser, 1);
  copy->id = user->id;
  copy->email = g_strdup (user->email);
  copy->first_name = g_strdup (user->first_name);
  copy->last_name = g_strdup (user->last_name);
  copy->password_hash = g_strdup (user->password_hash);
  copy->offline_email_notification = user->offline_email_notification;
  copy->plan = g_strdup (user->plan);
  copy->created_at = user->created_at;

  return copy;
}

void
kithd_user_free (KithdUser *user)
{
  if (user == NULL)
    return;

  g_free (user->email);
  g_free (user->first_name);
  g_free (user->last_name);
  if (user->password_hash != NULL) {
    /* not a secret, but no reason to leave it lying in freed memory */
    memset (user->password_hash, 0, strlen (user->password_hash));
    g_free (user->password_hash);
  }
  g_free (user->plan);
  g_free (user);
}

KithUserInfo *
kithd_user_to_info (const KithdUser *user,
                    gboolean         self)
{
  KithUserInfo *info;

  g_return_val_if_fail (user != NULL, NULL);

  info = kith_user_info_new ();
  info->id = user->id;
  info->email = g_strdup (user->email);
  info->first_name = g_strdup (user->first_name ? user->first_name : "");
  info->last_name = g_strdup (user->last_name ? user->last_name : "");
  if (self) {
    info->has_settings = TRUE;
    info->offline_email_notification = user->offline_email_notification;
    g_free (info->plan);
    info->plan = g_strdup (user->plan ? user->plan : KITH_PLAN_FREE);
  }

  return info;
}

void
kithd_session_free (KithdSession *session)
{
  if (session == NULL)
    return;

  g_free (session->device_name);
  g_free (session);
}

void
kithd_contact_free (KithdContact *contact)
{
  if (contact == NULL)
    return;

  g_clear_pointer (&contact->user, kithd_user_free);
  g_free (contact);
}

KithdMail *
kithd_mail_copy (const KithdMail *mail)
{
  KithdMail *copy;

  if (mail == NULL)
    return NULL;

  copy = g_new0 (KithdMail, 1);
  copy->id = mail->id;
  copy->to_user_id = mail->to_user_id;
  copy->to_address = g_strdup (mail->to_address);
  copy->subject = g_strdup (mail->subject);
  copy->body = g_strdup (mail->body);
  copy->created_at = mail->created_at;

  return copy;
}

void
kithd_mail_free (KithdMail *mail)
{
  if (mail == NULL)
    return;

  g_free (mail->to_address);
  g_free (mail->subject);
  g_free (mail->body);
  g_free (mail);
}

/* ---- public wrappers ---- */

gint64
kithd_store_user_create (KithdStore  *self,
                         const char  *email,
                         const char  *password_hash,
                         const char  *first_name,
                         const char  *last_name,
                         gint64       now,
                         GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), 0);
  g_return_val_if_fail (email != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  return KITHD_STORE_GET_IFACE (self)->user_create (self, email, password_hash, first_name, last_name, now, error);
}

KithdUser *
kithd_store_user_get (KithdStore  *self,
                      gint64       id,
                      GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return KITHD_STORE_GET_IFACE (self)->user_get (self, id, error);
}

KithdUser *
kithd_store_user_get_by_email (KithdStore  *self,
                               const char  *email,
                               GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), NULL);
  g_return_val_if_fail (email != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return KITHD_STORE_GET_IFACE (self)->user_get_by_email (self, email, error);
}

gboolean
kithd_store_user_update_profile (KithdStore  *self,
                                 gint64       id,
                                 const char  *first_name,
                                 const char  *last_name,
                                 int          offline_email_notification,
                                 GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return KITHD_STORE_GET_IFACE (self)->user_update_profile (self, id, first_name, last_name, offline_email_notification, error);
}

gboolean
kithd_store_user_set_password (KithdStore  *self,
                               gint64       id,
                               const char  *password_hash,
                               GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return KITHD_STORE_GET_IFACE (self)->user_set_password (self, id, password_hash, error);
}

gboolean
kithd_store_user_set_plan (KithdStore  *self,
                           gint64       id,
                           const char  *plan,
                           GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), FALSE);
  g_return_val_if_fail (plan != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return KITHD_STORE_GET_IFACE (self)->user_set_plan (self, id, plan, error);
}

GPtrArray *
kithd_store_user_list (KithdStore  *self,
                       GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return KITHD_STORE_GET_IFACE (self)->user_list (self, error);
}

gboolean
kithd_store_user_delete (KithdStore  *self,
                         gint64       id,
                         GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return KITHD_STORE_GET_IFACE (self)->user_delete (self, id, error);
}

gint64
kithd_store_session_create (KithdStore      *self,
                            gint64           user_id,
                            const char      *token_hash,
                            const char      *device_name,
                            KithDeviceKind   kind,
                            gint64           now,
                            GError         **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), 0);
  g_return_val_if_fail (token_hash != NULL, 0);
  g_return_val_if_fail (device_name != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  return KITHD_STORE_GET_IFACE (self)->session_create (self, user_id, token_hash, device_name, kind, now, error);
}

KithdSession *
kithd_store_session_lookup (KithdStore  *self,
                            const char  *token_hash,
                            GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), NULL);
  g_return_val_if_fail (token_hash != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return KITHD_STORE_GET_IFACE (self)->session_lookup (self, token_hash, error);
}

gboolean
kithd_store_session_delete (KithdStore  *self,
                            gint64       session_id,
                            GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return KITHD_STORE_GET_IFACE (self)->session_delete (self, session_id, error);
}

gboolean
kithd_store_session_delete_user (KithdStore  *self,
                                 gint64       user_id,
                                 gint64       except_id,
                                 GArray      *deleted_ids,
                                 GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return KITHD_STORE_GET_IFACE (self)->session_delete_user (self, user_id, except_id, deleted_ids, error);
}

gboolean
kithd_store_reset_create (KithdStore  *self,
                          gint64       user_id,
                          const char  *token_hash,
                          gint64       expires_at,
                          GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), FALSE);
  g_return_val_if_fail (token_hash != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return KITHD_STORE_GET_IFACE (self)->reset_create (self, user_id, token_hash, expires_at, error);
}

gint64
kithd_store_reset_consume (KithdStore  *self,
                           const char  *token_hash,
                           gint64       now,
                           GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), 0);
  g_return_val_if_fail (token_hash != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  return KITHD_STORE_GET_IFACE (self)->reset_consume (self, token_hash, now, error);
}

gboolean
kithd_store_contact_request (KithdStore        *self,
                             gint64             from,
                             gint64             to,
                             gint64             now,
                             KithContactState  *state,
                             GError           **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return KITHD_STORE_GET_IFACE (self)->contact_request (self, from, to, now, state, error);
}

gboolean
kithd_store_contact_accept (KithdStore  *self,
                            gint64       user,
                            gint64       requester,
                            gint64       now,
                            GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return KITHD_STORE_GET_IFACE (self)->contact_accept (self, user, requester, now, error);
}

gboolean
kithd_store_contact_remove (KithdStore  *self,
                            gint64       user,
                            gint64       other,
                            GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return KITHD_STORE_GET_IFACE (self)->contact_remove (self, user, other, error);
}

GPtrArray *
kithd_store_contact_list (KithdStore  *self,
                          gint64       user,
                          GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return KITHD_STORE_GET_IFACE (self)->contact_list (self, user, error);
}

GArray *
kithd_store_contact_accepted_ids (KithdStore  *self,
                                  gint64       user,
                                  GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return KITHD_STORE_GET_IFACE (self)->contact_accepted_ids (self, user, error);
}

gboolean
kithd_store_contact_is_accepted (KithdStore  *self,
                                 gint64       a,
                                 gint64       b,
                                 GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return KITHD_STORE_GET_IFACE (self)->contact_is_accepted (self, a, b, error);
}

gboolean
kithd_store_message_insert (KithdStore  *self,
                            const char  *client_id,
                            gint64       from,
                            gint64       to,
                            const char  *body,
                            gint64       now,
                            gint64      *seq,
                            gint64      *sent_at,
                            gboolean    *duplicate,
                            GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), FALSE);
  g_return_val_if_fail (client_id != NULL, FALSE);
  g_return_val_if_fail (body != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return KITHD_STORE_GET_IFACE (self)->message_insert (self, client_id, from, to, body, now, seq, sent_at, duplicate, error);
}

GPtrArray *
kithd_store_message_list_after (KithdStore  *self,
                                gint64       user,
                                gint64       after,
                                guint        limit,
                                GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return KITHD_STORE_GET_IFACE (self)->message_list_after (self, user, after, limit, error);
}

GPtrArray *
kithd_store_message_history (KithdStore  *self,
                             gint64       user,
                             gint64       peer,
                             gint64       before,
                             guint        limit,
                             GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return KITHD_STORE_GET_IFACE (self)->message_history (self, user, peer, before, limit, error);
}

gint64
kithd_store_message_last_seq (KithdStore  *self,
                              gint64       user,
                              GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  return KITHD_STORE_GET_IFACE (self)->message_last_seq (self, user, error);
}

gboolean
kithd_store_call_event_insert (KithdStore          *self,
                               const char          *client_id,
                               gint64               from,
                               gint64               to,
                               const char          *body,
                               const KithCallInfo  *call,
                               gint64               now,
                               gint64              *seq,
                               gint64              *sent_at,
                               GError             **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), FALSE);
  g_return_val_if_fail (client_id != NULL, FALSE);
  g_return_val_if_fail (body != NULL, FALSE);
  g_return_val_if_fail (call != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return KITHD_STORE_GET_IFACE (self)->call_event_insert (self, client_id, from, to, body, call, now,
                                                          seq, sent_at, error);
}

gboolean
kithd_store_notice_touch (KithdStore  *self,
                          gint64       user,
                          gint64       sender,
                          gint64       now,
                          gboolean    *opened,
                          GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return KITHD_STORE_GET_IFACE (self)->notice_touch (self, user, sender, now, opened, error);
}

gboolean
kithd_store_notice_clear (KithdStore  *self,
                          gint64       user,
                          GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return KITHD_STORE_GET_IFACE (self)->notice_clear (self, user, error);
}

gint64
kithd_store_mail_enqueue (KithdStore  *self,
                          gint64       to_user_id,
                          const char  *to_address,
                          const char  *subject,
                          const char  *body,
                          gint64       now,
                          GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), 0);
  g_return_val_if_fail (to_address != NULL, 0);
  g_return_val_if_fail (subject != NULL, 0);
  g_return_val_if_fail (body != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  return KITHD_STORE_GET_IFACE (self)->mail_enqueue (self, to_user_id, to_address, subject, body, now, error);
}

GPtrArray *
kithd_store_mail_pending (KithdStore  *self,
                          guint        limit,
                          GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return KITHD_STORE_GET_IFACE (self)->mail_pending (self, limit, error);
}

gboolean
kithd_store_mail_delivered (KithdStore  *self,
                            gint64       mail_id,
                            GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return KITHD_STORE_GET_IFACE (self)->mail_delivered (self, mail_id, error);
}

gboolean
kithd_store_reset_check (KithdStore  *self,
                         const char  *token_hash,
                         gint64       now,
                         GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), FALSE);
  g_return_val_if_fail (token_hash != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return KITHD_STORE_GET_IFACE (self)->reset_check (self, token_hash, now, error);
}

gint64
kithd_store_web_session_create (KithdStore  *self,
                                gint64       user_id,
                                const char  *token_hash,
                                gint64       now,
                                GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), 0);
  g_return_val_if_fail (token_hash != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  return KITHD_STORE_GET_IFACE (self)->web_session_create (self, user_id, token_hash, now, error);
}

gint64
kithd_store_web_session_touch (KithdStore  *self,
                               const char  *token_hash,
                               gint64       now,
                               gint64       idle_cutoff,
                               gint64       created_cutoff,
                               gint64      *user_id,
                               GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), 0);
  g_return_val_if_fail (token_hash != NULL, 0);
  g_return_val_if_fail (user_id != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  return KITHD_STORE_GET_IFACE (self)->web_session_touch (self, token_hash, now, idle_cutoff,
                                                         created_cutoff, user_id, error);
}

gboolean
kithd_store_web_session_delete (KithdStore  *self,
                                gint64       session_id,
                                GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return KITHD_STORE_GET_IFACE (self)->web_session_delete (self, session_id, error);
}

gboolean
kithd_store_web_session_sweep (KithdStore  *self,
                               gint64       idle_cutoff,
                               gint64       created_cutoff,
                               GError     **error)
{
  g_return_val_if_fail (KITHD_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return KITHD_STORE_GET_IFACE (self)->web_session_sweep (self, idle_cutoff, created_cutoff, error);
}
