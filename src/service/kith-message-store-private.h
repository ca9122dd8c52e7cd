/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by kith-message-store.c (the object, its worker thread and its
 * operations) and kith-message-store-open.c (opening the file, migrating it,
 * and recovering from a damaged one) only. Everything here runs on the
 * store's worker thread. */

#include <sqlite3.h>

#include "kith-message-store.h"

G_BEGIN_DECLS

struct _KithMessageStore
{
  GObject      parent_instance;

  char        *path;
  GThreadPool *worker;   /* one thread: every sqlite call, in order */
  sqlite3     *db;       /* touched only on the worker thread */
  char        *aside;    /* where a damaged file was moved (set by the open) */
  guint        salvaged; /* outbox entries read back from it */
};

typedef gboolean (*OpFunc) (KithMessageStore *self,
                            GTask            *task,
                            gpointer          op,
                            GError          **error);

typedef struct _Op Op;

/* A write, run by the op_write () op in one transaction. */
typedef gboolean (*WriteFunc) (KithMessageStore *self,
                               Op               *op,
                               GError          **error);

struct _Op {
  OpFunc           func;
  WriteFunc        write;
  GPtrArray       *items;
  GArray          *counts;    /* KithUnreadCount */
  KithMessageInfo *message;
  char            *id;
  gint64           a;
  gint64           b;
  gint64           c;
  guint            limit;
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* kith-message-store.c */
gboolean         kith_store_sqlite_error     (sqlite3      *db,
                                              GError      **error,
                                              const char   *what);
gboolean         kith_store_exec             (sqlite3      *db,
                                              const char   *sql,
                                              GError      **error);
sqlite3_stmt    *kith_store_prepare          (sqlite3      *db,
                                              const char   *sql,
                                              GError      **error);
/* id, from, to, seq, body, sent_at */
KithMessageInfo *kith_store_message_from_row (sqlite3_stmt *stmt);

/* kith-message-store-open.c */
void             kith_store_close_db         (KithMessageStore *self);
gboolean         kith_store_op_open          (KithMessageStore  *self,
                                              GTask             *task,
                                              gpointer           data,
                                              GError           **error);

G_END_DECLS
