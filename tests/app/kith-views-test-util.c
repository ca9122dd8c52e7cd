/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithViewsTest"

#include "config.h"

#include <adwaita.h>

#include "kith-chat-view.h"
#include "kith-contact-row.h"
#include "kith-contacts-view.h"
#include "kith-message-row.h"
#include "kith-views-test-util.h"

static void
on_session_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr (GError) error = NULL;

  kith_session_finish (KITH_SESSION (source), result, &error);
  g_assert_no_error (error);
  *done = TRUE;
}

KithSession *
kith_views_sign_in (KithViewsTest   *test,
                    KithdTestServer *server,
                    const char      *email)
{
  g_autofree char *dir = g_build_filename (test->tmp, email, NULL);
  KithSession *session;
  gboolean done = FALSE;

  session = g_object_new (KITH_TYPE_SESSION,
                          "server-url", kithd_test_server_get_url (server),
                          "data-dir", dir,
                          NULL);
  kith_session_sign_in_async (session, email, KITH_VIEWS_PASSWORD, FALSE, NULL, on_session_done, &done);
  KITH_WAIT_FOR (done);
  g_assert_cmpint (kith_session_get_state (session), ==, KITH_SESSION_ONLINE);
  return session;
}

void
kith_views_sign_out (KithSession *session)
{
  gboolean done = FALSE;

  if (kith_session_get_state (session) == KITH_SESSION_SIGNED_OUT)
    return;
  kith_session_log_out_async (session, NULL, on_session_done, &done);
  KITH_WAIT_FOR (done);
}

gboolean
kith_views_has_contact (KithSession      *session,
                        const char       *email,
                        KithContactState  state)
{
  KithContact *contact = kith_session_find_contact_by_email (session, email);

  return contact != NULL && kith_contact_get_state (contact) == state;
}

int
kith_views_message_state (KithSession *session,
                          const char  *peer_email,
                          const char  *body)
{
  KithContact *contact = kith_session_find_contact_by_email (session, peer_email);
  GListModel *model;

  if (contact == NULL)
    return -1;
  model = kith_conversations_get (kith_session_get_conversations (session), contact);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++) {
    g_autoptr (KithMessage) message = g_list_model_get_item (model, i);

    if (g_strcmp0 (kith_message_get_body (message), body) == 0)
      return kith_message_get_state (message);
  }
  return -1;
}

gboolean
kith_views_conversation_has (KithSession *session,
                             const char  *peer_email,
                             const char  *body)
{
  return kith_views_message_state (session, peer_email, body) != -1;
}

GtkWidget *
kith_views_new_window (int width,
                       int height)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_set_title (GTK_WINDOW (window), "Kith");
  return window;
}

GtkWidget *
kith_views_panes_new (KithSession  *session,
                      int           contacts_width,
                      GtkWidget   **contacts_view,
                      GtkWidget   **chat_view)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *view = kith_contacts_view_new (session);
  GtkWidget *chat = kith_chat_view_new (session);

  gtk_widget_set_size_request (view, contacts_width, -1);
  gtk_widget_set_hexpand (chat, TRUE);
  gtk_box_append (GTK_BOX (box), view);
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_VERTICAL));
  gtk_box_append (GTK_BOX (box), chat);
  *contacts_view = view;
  *chat_view = chat;
  return box;
}

static void
on_contact_activated (KithContactsView *view,
                      KithContact      *contact,
                      KithChatView     *chat)
{
  kith_chat_view_set_contact (chat, contact);
}

void
kith_views_open_chats_in (GtkWidget *contacts_view,
                          GtkWidget *chat_view)
{
  g_signal_connect (contacts_view, "contact-activated", G_CALLBACK (on_contact_activated), chat_view);
}

void
kith_views_activate_contact (GtkWidget  *contacts_view,
                             const char *email)
{
  GtkWidget *list = kith_test_find_by_type (contacts_view, GTK_TYPE_LIST_VIEW);
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list)));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++) {
    g_autoptr (KithContact) contact = g_list_model_get_item (model, i);

    if (g_strcmp0 (kith_contact_get_email (contact), email) == 0) {
      g_signal_emit_by_name (list, "activate", i);
      return;
    }
  }
  g_assert_not_reached ();
}

gboolean
kith_views_match_contact_row (GtkWidget     *widget,
                              gconstpointer  data)
{
  KithContact *contact;

  if (!KITH_IS_CONTACT_ROW (widget) || !gtk_widget_get_mapped (widget))
    return FALSE;
  contact = kith_contact_row_get_contact (KITH_CONTACT_ROW (widget));
  return contact != NULL && g_strcmp0 (kith_contact_get_email (contact), data) == 0;
}

gboolean
kith_views_match_message_row (GtkWidget     *widget,
                              gconstpointer  data)
{
  KithMessage *message;

  /* The chat's list view keeps rows it has unbound (no message). */
  if (!KITH_IS_MESSAGE_ROW (widget))
    return FALSE;
  message = kith_message_row_get_message (KITH_MESSAGE_ROW (widget));
  return message != NULL && g_strcmp0 (kith_message_get_body (message), data) == 0;
}

void
kith_views_test_init (KithViewsTest   *test,
                      int             *argc,
                      char          ***argv)
{
  g_autoptr (GtkCssProvider) css = NULL;

  g_test_init (argc, argv, NULL);
  gtk_init ();
  adw_init ();
  /* Screenshots of settled widgets, not of transitions. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/im/kith/Kith/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/im/kith/Kith/icons");

  test->tmp = g_dir_make_tmp ("kith-test-views-XXXXXX", NULL);
  test->server = kithd_test_server_startv (NULL);
  test->alice = kithd_test_server_sign_up (test->server, "alice@example.com", KITH_VIEWS_PASSWORD, "Alice", "Liddell");
  test->bob = kithd_test_server_sign_up (test->server, "bob@example.com", KITH_VIEWS_PASSWORD, "Bob", "Marley");
  kithd_test_server_make_contacts (test->server, test->alice, test->bob);
  test->alice_session = kith_views_sign_in (test, test->server, test->alice->email);
  test->bob_session = kith_views_sign_in (test, test->server, test->bob->email);
}

void
kith_views_test_clear (KithViewsTest *test)
{
  const char *rm[] = { "rm", "-rf", test->tmp, NULL };

  kith_views_sign_out (test->alice_session);
  kith_views_sign_out (test->bob_session);
  g_clear_object (&test->alice_session);
  g_clear_object (&test->bob_session);
  g_clear_pointer (&test->alice, kithd_test_user_free);
  g_clear_pointer (&test->bob, kithd_test_user_free);
  kithd_test_server_free (test->server);
  g_assert_true (g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               NULL, NULL, NULL, NULL));
  g_free (test->tmp);
}
