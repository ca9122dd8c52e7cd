/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kithd-db.h"
#include "kithd-store.h"

G_BEGIN_DECLS

/*
 * The database work of the routes and the hub, as jobs for the db worker
 * (kithd-db.h): one struct in, the same struct out with its results, so
 * every store call of the network half is in one place (kithd-jobs.c) and
 * runs off the main loop.
 */
typedef enum {
  KITHD_JOB_AUTH,            /* token_hash -> session, user */
  KITHD_JOB_SIGN_UP,         /* email, password_hash, first/last_name, token_hash, now -> user, session_id */
  KITHD_JOB_USER_BY_EMAIL,   /* email -> user (NOT_FOUND) */
  KITHD_JOB_SESSION_CREATE,  /* user_id, token_hash, device_name, device_kind, now -> session_id */
  KITHD_JOB_SESSION_DELETE,  /* session_id */
  KITHD_JOB_PROFILE_UPDATE,  /* user_id, first_name?, last_name?, notify -> user, ids (accepted contacts) */
  KITHD_JOB_PASSWORD_SET,    /* user_id, password_hash, session_id (kept) -> ids (revoked sessions) */
  KITHD_JOB_RESET_REQUEST,   /* email, token_hash, expires_at -> user (NULL: no account) */
  KITHD_JOB_RESET_CONFIRM,   /* token_hash, password_hash, now -> user_id, ids (revoked sessions) */
  KITHD_JOB_ACCOUNT_DELETE,  /* user_id -> list (KithdContact, every relation) */
  KITHD_JOB_CONTACT_LIST,    /* user_id -> list (KithdContact) */
  KITHD_JOB_CONTACT_ADD,     /* user_id, email, now -> other, user, state */
  KITHD_JOB_CONTACT_ACCEPT,  /* user_id, other_id, now -> other, user */
  KITHD_JOB_CONTACT_REMOVE,  /* user_id, other_id */
  KITHD_JOB_HISTORY,         /* user_id, other_id, before, limit -> list (KithMessageInfo) */
  KITHD_JOB_HELLO,           /* token_hash -> session, user, seq, ids (accepted contacts); clears notices */
  KITHD_JOB_REPLAY,          /* user_id, after, limit -> list (KithMessageInfo) */
  KITHD_JOB_MESSAGE_INSERT,  /* client_id, user_id (from), other_id (to), body, now, recipient_offline
                                -> seq, sent_at, duplicate; other + user when a notice mail is due */
  KITHD_JOB_NOTICE_CLEAR,    /* user_id */
} KithdJobOp;

typedef struct {
  KithdJobOp      op;
  GError         *error;

  /* in */
  gint64          now;
  gint64          user_id;
  gint64          other_id;
  gint64          session_id;
  gint64          after;             /* replay: seq; history: before */
  guint           limit;
  gint64          expires_at;
  int             notify;            /* -1 keep */
  char           *token_hash;
  char           *email;
  char           *password_hash;
  char           *first_name;
  char           *last_name;
  char           *device_name;
  KithDeviceKind  device_kind;
  char           *client_id;
  char           *body;
  gboolean        recipient_offline;

  /* out */
  KithdUser      *user;
  KithdUser      *other;
  KithdSession   *session;
  GArray         *ids;               /* gint64 */
  GPtrArray      *list;
  gint64          seq;
  gint64          sent_at;
  gboolean        duplicate;
  gboolean        mail_due;
  KithContactState state;
} KithdJob;

typedef void (*KithdJobDone) (KithdJob *job,
                              gpointer  user_data);

KithdJob *kithd_job_new    (KithdJobOp  op);
KithdJob *kithd_job_ref    (KithdJob   *job);
void      kithd_job_unref  (KithdJob   *job);
/* Runs @job (transfer full) on @db's worker; @done gets it back on the main
 * context with its results or job->error set. */
void      kithd_job_submit (KithdDb      *db,
                            KithdJob     *job,
                            KithdJobDone  done,
                            gpointer      user_data);
/* Runs @job right here (blocking): for `kithd admin`, never the main loop. */
void      kithd_job_run_sync (KithdStore *store,
                              KithdJob   *job);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KithdJob, kithd_job_unref)

G_END_DECLS
