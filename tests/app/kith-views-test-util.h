/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kith-app-test-util.h"
#include "kith-session.h"
#include "kithd-test-helper.h"

G_BEGIN_DECLS

/*
 * What the content views' tests (test-chat-view, test-chat-scroll,
 * test-contacts-view, test-account-page) share: a real kithd with Alice
 * and Bob, contacts and both signed in; sessions for more people; their
 * messages; windows and the rows they show.
 */

/* The password of every account these tests make. */
#define KITH_VIEWS_PASSWORD "Corr3ct-Horse!"

typedef struct {
  KithdTestServer *server;
  char            *tmp;              /* the sessions' data directories */
  KithdTestUser   *alice;
  KithdTestUser   *bob;
  KithSession     *alice_session;
  KithSession     *bob_session;
} KithViewsTest;

/* g_test_init (), GTK and libadwaita with Kith's style sheet and icons,
 * animations off; then @test's kithd, Alice and Bob. */
void         kith_views_test_init     (KithViewsTest  *test,
                                       int            *argc,
                                       char         ***argv);
/* Signs both out and stops the kithd; removes the data directories. */
void         kith_views_test_clear    (KithViewsTest  *test);
/* A new session of @email (password KITH_VIEWS_PASSWORD) on @server,
 * signed in and online; its data in @test's temporary directory. */
KithSession *kith_views_sign_in       (KithViewsTest  *test,
                                       KithdTestServer *server,
                                       const char     *email);
/* Signs @session out, if it is not already. */
void         kith_views_sign_out      (KithSession    *session);
/* Whether @session has @email as a contact in @state. */
gboolean     kith_views_has_contact   (KithSession      *session,
                                       const char       *email,
                                       KithContactState  state);
/* The state of the message with @body in @session's conversation with
 * @peer_email; -1: there is none. */
int          kith_views_message_state (KithSession    *session,
                                       const char     *peer_email,
                                       const char     *body);
gboolean     kith_views_conversation_has (KithSession *session,
                                          const char  *peer_email,
                                          const char  *body);
/* A window titled "Kith" of @width × @height. */
GtkWidget   *kith_views_new_window    (int             width,
                                       int             height);
/* @session's contacts pane (@contacts_width wide) beside its chat pane,
 * in a new horizontal box; the panes in *@contacts_view and *@chat_view. */
GtkWidget   *kith_views_panes_new     (KithSession    *session,
                                       int             contacts_width,
                                       GtkWidget     **contacts_view,
                                       GtkWidget     **chat_view);
/* A contact activated in @contacts_view opens its chat in @chat_view, as
 * the main page does. */
void         kith_views_open_chats_in (GtkWidget      *contacts_view,
                                       GtkWidget      *chat_view);
/* Activates @email's row in @contacts_view's list (as a click or Enter
 * would); asserts it is there. */
void         kith_views_activate_contact (GtkWidget  *contacts_view,
                                          const char *email);
/* Matches for kith_test_find (): the mapped KithContactRow of the contact
 * with email @data; the KithMessageRow bound to the message with body @data
 * (the chat's list view has rows only for what is on screen and a margin). */
gboolean     kith_views_match_contact_row (GtkWidget     *widget,
                                           gconstpointer  data);
gboolean     kith_views_match_message_row (GtkWidget     *widget,
                                           gconstpointer  data);

G_END_DECLS
