/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by kith-conversations.c (the object: incoming, the outbox, read
 * marks, sending) and kith-conversations-pages.c (what a conversation keeps
 * in memory and the pages it loads) only. */

#include "kith-conversations.h"

G_BEGIN_DECLS

/* A page: the newest shown at first, each older one loaded, and what a
 * conversation nobody shows keeps. */
#define PAGE_SIZE 50

typedef struct {
  GListStore *messages;       /* KithMessage, sorted by kith_message_compare() */
  GHashTable *by_id;          /* id -> KithMessage (borrowed) */
  gboolean    loaded;
  gboolean    open;           /* shown (kith_conversations_get): nothing is forgotten */
  gboolean    trimmed;        /* older messages were forgotten: the store has them */
} Conversation;

struct _KithConversations
{
  GObject            parent_instance;

  KithContactList   *contacts;
  KithUser          *user;
  KithApiClient     *api;
  KithMessageStore  *store;
  KithSignalling    *signalling;
  GCancellable      *cancellable;     /* the pages loaded for kith_conversations_get() */

  GHashTable        *conversations;   /* gint64* -> Conversation */

  GQueue             outbox;          /* OutboxEntry, typing order */
  GHashTable        *outbox_by_id;    /* id -> OutboxEntry (borrowed) */
  guint              outbox_hold_source; /* kithd asked us to wait (rate_limited) */
  guint              link;            /* welcomes so far: the current link */

  GPtrArray         *incoming_batch;  /* KithMessageInfo waiting for the store */
  GHashTable        *unread_dirty;    /* gint64 peer ids whose unread count the store lacks */
  GPtrArray         *unannounced;     /* KithMessage from contacts not listed yet */
  guint              batch_source;
  gint64             last_seq;
  gint64             history_upto;    /* a new device: older messages are history, not news */
};

/* kith-conversations.c */
gint64        kith_conversations_my_id       (KithConversations *self);
Conversation *kith_conversations_find_or_add (KithConversations *self,
                                              gint64             peer_id);
/* Adds messages from the cache or the server; returns how many were new. */
guint         kith_conversations_merge       (KithConversations *self,
                                              Conversation      *conv,
                                              GPtrArray         *infos);

/* kith-conversations-pages.c */
void          kith_conversation_trim         (Conversation      *conv,
                                              guint              keep);
gint64        kith_conversation_oldest_seq   (Conversation      *conv);
/* A page of the conversation with @peer_id before seq @before (0: the
 * newest): the cache's at once, then the server's; the task returns how
 * many messages were new. */
void          kith_conversations_load_page   (KithConversations   *self,
                                              gint64               peer_id,
                                              gint64               before,
                                              gpointer             source_tag,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);

G_END_DECLS
