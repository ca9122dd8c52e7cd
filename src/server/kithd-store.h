/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "kith-protocol.h"

G_BEGIN_DECLS

/*
 * KithdStore: everything kithd keeps on disk, behind one interface so that a
 * PostgreSQL store can join the sqlite3 one without touching the hub or the
 * routes. Every method is synchronous and may block: call them only from the
 * database worker (kithd-db.h), never from the main loop.
 *
 * Failures are GErrors in KITH_ERROR: NOT_FOUND, EMAIL_TAKEN,
 * INVALID_RESET_TOKEN, ALREADY_CONTACT, NOT_CONTACT as documented per
 * method, INTERNAL for anything the database says. Emails are compared
 * case-insensitively (stored lower-cased). Times are ms since the epoch.
 */

typedef struct {
  gint64  id;
  char   *email;
  char   *first_name;
  char   *last_name;
  char   *password_hash;               /* yescrypt; NULL for accounts without one */
  gboolean offline_email_notification;
  char   *plan;                        /* "free" | "paid" */
  gint64  created_at;
} KithdUser;

KithdUser    *kithd_user_copy          (const KithdUser *user);
void          kithd_user_free          (KithdUser       *user);
/* The public record (no settings) or, with @self, the user's own. */
KithUserInfo *kithd_user_to_info       (const KithdUser *user,
                                        gboolean         self);

typedef struct {
  gint64          id;
  gint64          user_id;
  char           *device_name;
  KithDeviceKind  device_kind;
  gint64          created_at;
} KithdSession;

void          kithd_session_free       (KithdSession *session);

typedef struct {
  KithdUser        *user;
  KithContactState  state;
} KithdContact;

void          kithd_contact_free       (KithdContact *contact);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithdUser, kithd_user_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithdSession, kithd_session_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithdContact, kithd_contact_free)

typedef struct {
  gint64  id;
  gint64  to_user_id;                  /* 0 when not for an account (e.g. unknown) */
  char   *to_address;
  char   *subject;
  char   *body;                        /* plain text, UTF-8 */
  gint64  created_at;
} KithdMail;

KithdMail    *kithd_mail_copy          (const KithdMail *mail);
void          kithd_mail_free          (KithdMail       *mail);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithdMail, kithd_mail_free)

#define KITHD_TYPE_STORE (kithd_store_get_type ())
G_DECLARE_INTERFACE (KithdStore, kithd_store, KITHD, STORE, GObject)

struct _KithdStoreInterface
{
  GTypeInterface parent_iface;

  /* users */
  gint64      (*user_create)          (KithdStore *self, const char *email, const char *password_hash,
                                       const char *first_name, const char *last_name, gint64 now,
                                       GError **error);                      /* EMAIL_TAKEN; returns id */
  KithdUser  *(*user_get)             (KithdStore *self, gint64 id, GError **error);       /* NOT_FOUND */
  KithdUser  *(*user_get_by_email)    (KithdStore *self, const char *email, GError **error); /* NOT_FOUND */
  gboolean    (*user_update_profile)  (KithdStore *self, gint64 id, const char *first_name /* nullable: keep */,
                                       const char *last_name /* nullable */, int offline_email_notification /* -1 keep */,
                                       GError **error);
  gboolean    (*user_set_password)    (KithdStore *self, gint64 id, const char *password_hash, GError **error);
  gboolean    (*user_set_plan)        (KithdStore *self, gint64 id, const char *plan, GError **error);
  GPtrArray  *(*user_list)            (KithdStore *self, GError **error);   /* KithdUser, by id */
  /* Deletes the user and everything of theirs: sessions, reset tokens,
   * contacts on both sides, messages sent or received, offline notices and
   * queued mail addressed to them. */
  gboolean    (*user_delete)          (KithdStore *self, gint64 id, GError **error);

  /* sessions (tokens are stored as their SHA-256, hex) */
  gint64      (*session_create)       (KithdStore *self, gint64 user_id, const char *token_hash,
                                       const char *device_name, KithDeviceKind kind, gint64 now,
                                       GError **error);
  KithdSession *(*session_lookup)     (KithdStore *self, const char *token_hash, GError **error); /* NOT_FOUND */
  gboolean    (*session_delete)       (KithdStore *self, gint64 session_id, GError **error);
  /* Deletes every session of @user_id but @except_id (0: all); returns how many via @n_deleted. */
  gboolean    (*session_delete_user)  (KithdStore *self, gint64 user_id, gint64 except_id,
                                       GArray *deleted_ids /* gint64, nullable */, GError **error);

  /* password reset (single use; tokens stored hashed). A new token ends the
   * user's older ones, and so does user_set_password(). */
  gboolean    (*reset_create)         (KithdStore *self, gint64 user_id, const char *token_hash,
                                       gint64 expires_at, GError **error);
  /* Marks the token used and returns its user id; INVALID_RESET_TOKEN if unknown, used or expired at @now. */
  gint64      (*reset_consume)        (KithdStore *self, const char *token_hash, gint64 now, GError **error);

  /* contacts */
  /* @from asks @to. If @to had already asked @from, both become accepted.
   * Returns the state as seen by @from; ALREADY_CONTACT if accepted or already asked. */
  gboolean    (*contact_request)      (KithdStore *self, gint64 from, gint64 to, gint64 now,
                                       KithContactState *state, GError **error);
  /* @user accepts @requester's request; NOT_FOUND without one. */
  gboolean    (*contact_accept)       (KithdStore *self, gint64 user, gint64 requester, gint64 now, GError **error);
  /* Declines a request, withdraws one, or removes an accepted contact; NOT_FOUND if there is nothing. */
  gboolean    (*contact_remove)       (KithdStore *self, gint64 user, gint64 other, GError **error);
  GPtrArray  *(*contact_list)         (KithdStore *self, gint64 user, GError **error);   /* KithdContact */
  GArray     *(*contact_accepted_ids) (KithdStore *self, gint64 user, GError **error);   /* gint64 */
  gboolean    (*contact_is_accepted)  (KithdStore *self, gint64 a, gint64 b, GError **error);

  /* messages: seq is one increasing sequence over the whole store */
  /* Inserts unless (from, client_id) exists; either way fills @seq and
   * @sent_at of the stored row and sets @duplicate. */
  gboolean    (*message_insert)       (KithdStore *self, const char *client_id, gint64 from, gint64 to,
                                       const char *body, gint64 now, gint64 *seq, gint64 *sent_at,
                                       gboolean *duplicate, GError **error);
  /* Messages sent or received by @user with seq > @after, oldest first, at most @limit. */
  GPtrArray  *(*message_list_after)   (KithdStore *self, gint64 user, gint64 after, guint limit,
                                       GError **error);   /* KithMessageInfo */
  /* The conversation of @user and @peer before @before (0: newest), newest @limit, returned oldest first. */
  GPtrArray  *(*message_history)      (KithdStore *self, gint64 user, gint64 peer, gint64 before,
                                       guint limit, GError **error);   /* KithMessageInfo */
  gint64      (*message_last_seq)     (KithdStore *self, gint64 user, GError **error);
  /* Inserts the event of a call from @from to @to (kind "call"), with
   * @client_id kithd's own; fills @seq and @sent_at. */
  gboolean    (*call_event_insert)    (KithdStore *self, const char *client_id, gint64 from, gint64 to,
                                       const char *body, const KithCallInfo *call, gint64 now,
                                       gint64 *seq, gint64 *sent_at, GError **error);

  /* offline email notification batches: one open notice per (user, sender) */
  /* TRUE in @opened when this call opened a new batch (a mail is due). */
  gboolean    (*notice_touch)         (KithdStore *self, gint64 user, gint64 sender, gint64 now,
                                       gboolean *opened, GError **error);
  gboolean    (*notice_clear)         (KithdStore *self, gint64 user, GError **error);

  /* mail queue: what the mailer has yet to deliver */
  gint64      (*mail_enqueue)         (KithdStore *self, gint64 to_user_id, const char *to_address,
                                       const char *subject, const char *body, gint64 now, GError **error);
  GPtrArray  *(*mail_pending)         (KithdStore *self, guint limit, GError **error);   /* KithdMail */
  gboolean    (*mail_delivered)       (KithdStore *self, gint64 mail_id, GError **error);

  /* A reset link looked at without spending it (the web page it opens):
   * TRUE while it works, else INVALID_RESET_TOKEN as reset_consume(). */
  gboolean    (*reset_check)          (KithdStore *self, const char *token_hash, gint64 now, GError **error);

  /* web sessions: kithd's web pages' own (tokens stored as their SHA-256,
   * hex), ended by any new password (user_set_password()) and with their
   * user. One is expired when last used at or before @idle_cutoff, or made
   * at or before @created_cutoff. */
  gint64      (*web_session_create)   (KithdStore *self, gint64 user_id, const char *token_hash, gint64 now,
                                       GError **error);                      /* returns id */
  /* The session of @token_hash, not expired: its id and (@user_id) its
   * user's, its last use set to @now. NOT_FOUND when unknown or expired
   * (an expired one is deleted). */
  gint64      (*web_session_touch)    (KithdStore *self, const char *token_hash, gint64 now, gint64 idle_cutoff,
                                       gint64 created_cutoff, gint64 *user_id, GError **error);
  gboolean    (*web_session_delete)   (KithdStore *self, gint64 session_id, GError **error);   /* NOT_FOUND */
  /* Deletes every expired web session. */
  gboolean    (*web_session_sweep)    (KithdStore *self, gint64 idle_cutoff, gint64 created_cutoff, GError **error);
};

/* The public wrappers (one per vfunc, same arguments) */
gint64        kithd_store_user_create          (KithdStore *self, const char *email, const char *password_hash,
                                                const char *first_name, const char *last_name, gint64 now,
                                                GError **error);
KithdUser    *kithd_store_user_get             (KithdStore *self, gint64 id, GError **error);
KithdUser    *kithd_store_user_get_by_email    (KithdStore *self, const char *email, GError **error);
gboolean      kithd_store_user_update_profile  (KithdStore *self, gint64 id, const char *first_name,
                                                const char *last_name, int offline_email_notification,
                                                GError **error);
gboolean      kithd_store_user_set_password    (KithdStore *self, gint64 id, const char *password_hash, GError **error);
gboolean      kithd_store_user_set_plan        (KithdStore *self, gint64 id, const char *plan, GError **error);
GPtrArray    *kithd_store_user_list            (KithdStore *self, GError **error);
gboolean      kithd_store_user_delete          (KithdStore *self, gint64 id, GError **error);
gint64        kithd_store_session_create       (KithdStore *self, gint64 user_id, const char *token_hash,
                                                const char *device_name, KithDeviceKind kind, gint64 now,
                                                GError **error);
KithdSession *kithd_store_session_lookup       (KithdStore *self, const char *token_hash, GError **error);
gboolean      kithd_store_session_delete       (KithdStore *self, gint64 session_id, GError **error);
gboolean      kithd_store_session_delete_user  (KithdStore *self, gint64 user_id, gint64 except_id,
                                                GArray *deleted_ids, GError **error);
gboolean      kithd_store_reset_create         (KithdStore *self, gint64 user_id, const char *token_hash,
                                                gint64 expires_at, GError **error);
gint64        kithd_store_reset_consume        (KithdStore *self, const char *token_hash, gint64 now, GError **error);
gboolean      kithd_store_contact_request      (KithdStore *self, gint64 from, gint64 to, gint64 now,
                                                KithContactState *state, GError **error);
gboolean      kithd_store_contact_accept       (KithdStore *self, gint64 user, gint64 requester, gint64 now,
                                                GError **error);
gboolean      kithd_store_contact_remove       (KithdStore *self, gint64 user, gint64 other, GError **error);
GPtrArray    *kithd_store_contact_list         (KithdStore *self, gint64 user, GError **error);
GArray       *kithd_store_contact_accepted_ids (KithdStore *self, gint64 user, GError **error);
gboolean      kithd_store_contact_is_accepted  (KithdStore *self, gint64 a, gint64 b, GError **error);
gboolean      kithd_store_message_insert       (KithdStore *self, const char *client_id, gint64 from, gint64 to,
                                                const char *body, gint64 now, gint64 *seq, gint64 *sent_at,
                                                gboolean *duplicate, GError **error);
GPtrArray    *kithd_store_message_list_after   (KithdStore *self, gint64 user, gint64 after, guint limit,
                                                GError **error);
GPtrArray    *kithd_store_message_history      (KithdStore *self, gint64 user, gint64 peer, gint64 before,
                                                guint limit, GError **error);
gint64        kithd_store_message_last_seq     (KithdStore *self, gint64 user, GError **error);
gboolean      kithd_store_call_event_insert    (KithdStore *self, const char *client_id, gint64 from, gint64 to,
                                                const char *body, const KithCallInfo *call, gint64 now,
                                                gint64 *seq, gint64 *sent_at, GError **error);
gboolean      kithd_store_notice_touch         (KithdStore *self, gint64 user, gint64 sender, gint64 now,
                                                gboolean *opened, GError **error);
gboolean      kithd_store_notice_clear         (KithdStore *self, gint64 user, GError **error);
gint64        kithd_store_mail_enqueue         (KithdStore *self, gint64 to_user_id, const char *to_address,
                                                const char *subject, const char *body, gint64 now,
                                                GError **error);
GPtrArray    *kithd_store_mail_pending         (KithdStore *self, guint limit, GError **error);
gboolean      kithd_store_mail_delivered       (KithdStore *self, gint64 mail_id, GError **error);
gboolean      kithd_store_reset_check          (KithdStore *self, const char *token_hash, gint64 now, GError **error);
gint64        kithd_store_web_session_create   (KithdStore *self, gint64 user_id, const char *token_hash, gint64 now,
                                                GError **error);
gint64        kithd_store_web_session_touch    (KithdStore *self, const char *token_hash, gint64 now,
                                                gint64 idle_cutoff, gint64 created_cutoff, gint64 *user_id,
                                                GError **error);
gboolean      kithd_store_web_session_delete   (KithdStore *self, gint64 session_id, GError **error);
gboolean      kithd_store_web_session_sweep    (KithdStore *self, gint64 idle_cutoff, gint64 created_cutoff,
                                                GError **error);

G_END_DECLS
