/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestContactList"

#include "config.h"

#include "kith-contact-list.h"
#include "service-test-util.h"

static KithdTestServer *server;

static KithUserInfo *
user_info (gint64      id,
           const char *email,
           const char *first_name)
{
  KithUserInfo *info = kith_user_info_new ();

  info->id = id;
  info->email = g_strdup (email);
  info->first_name = g_strdup (first_name);
  return info;
}

static KithFrame *
user_frame (KithFrameType  type,
            gint64         id,
            const char    *email,
            const char    *first_name)
{
  KithFrame *frame = kith_frame_new (type);

  frame->user = user_info (id, email, first_name);
  return frame;
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  guint      *count)
{
  (*count)++;
}

static void
on_request (KithContactList *list,
            KithContact     *contact,
            KithContact    **out)
{
  *out = contact;
}

static gboolean
finish (KithContactList  *list,
        GAsyncResult    **slot,
        GError          **error)
{
  g_autoptr (GAsyncResult) result = g_object_ref (svc_test_wait_result (slot));

  g_clear_object (slot);
  return kith_contact_list_finish (list, result, error);
}

/* What kithd says about contacts changes the model. */
static void
test_frames (void)
{
  g_autoptr (KithContactList) list = kith_contact_list_new ();
  g_autoptr (KithFrame) request = user_frame (KITH_FRAME_CONTACT_REQUEST, 2, "bob@example.com", NULL);
  g_autoptr (KithFrame) accepted = user_frame (KITH_FRAME_CONTACT_ACCEPTED, 2, "bob@example.com", NULL);
  g_autoptr (KithFrame) profile = user_frame (KITH_FRAME_PROFILE, 2, "bob@example.com", "Bob");
  g_autoptr (KithFrame) presence = kith_frame_new (KITH_FRAME_PRESENCE);
  g_autoptr (KithFrame) removed = kith_frame_new (KITH_FRAME_CONTACT_REMOVED);
  GListModel *model = kith_contact_list_get_model (list);
  KithContact *asked = NULL;
  KithContact *bob;

  g_signal_connect (list, "contact-request", G_CALLBACK (on_request), &asked);
  presence->user_id = 2;
  presence->presence = KITH_PRESENCE_BUSY;

  kith_contact_list_handle_change (list, request);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  bob = kith_contact_list_find (list, 2);
  g_assert_true (asked == bob);
  g_assert_cmpint (kith_contact_get_state (bob), ==, KITH_CONTACT_INCOMING);
  g_assert_true (kith_contact_list_find_by_email (list, "BOB@example.com") == bob);

  /* A request shows no presence. */
  kith_contact_list_handle_presence (list, presence);
  g_assert_cmpint (kith_contact_get_presence (bob), ==, KITH_PRESENCE_OFFLINE);

  asked = NULL;
  kith_contact_list_handle_change (list, accepted);
  g_assert_null (asked);
  g_assert_true (kith_contact_list_find (list, 2) == bob);
  g_assert_cmpint (kith_contact_get_state (bob), ==, KITH_CONTACT_ACCEPTED);
  kith_contact_list_handle_presence (list, presence);
  g_assert_cmpint (kith_contact_get_presence (bob), ==, KITH_PRESENCE_BUSY);

  /* Accepted again (another device of theirs): the presence stays. */
  kith_contact_list_handle_change (list, accepted);
  g_assert_cmpint (kith_contact_get_presence (bob), ==, KITH_PRESENCE_BUSY);

  kith_contact_list_handle_profile (list, profile);
  g_assert_cmpstr (kith_contact_get_display_name (bob), ==, "Bob");

  /* Someone not listed: nothing happens. */
  presence->user_id = 3;
  kith_contact_list_handle_presence (list, presence);
  profile->user->id = 3;
  kith_contact_list_handle_profile (list, profile);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);

  removed->user_id = 2;
  kith_contact_list_handle_change (list, removed);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  g_assert_null (kith_contact_list_find (list, 2));
}

/* Each change goes to the store's contacts cache; loading the cache
 * shows it offline, in one splice. */
static void
test_cache (void)
{
  g_autofree char *dir = svc_test_make_dir ("contact-list");
  g_autofree char *path = g_build_filename (dir, "1.db", NULL);
  g_autoptr (KithMessageStore) store = svc_test_store_open (path);
  g_autoptr (KithMessageStore) other = NULL;
  g_autoptr (KithContactList) list = kith_contact_list_new ();
  g_autoptr (KithContactList) fresh = kith_contact_list_new ();
  g_autoptr (KithFrame) accepted = user_frame (KITH_FRAME_CONTACT_ACCEPTED, 2, "bob@example.com", "Bob");
  g_autoptr (KithFrame) request = user_frame (KITH_FRAME_CONTACT_REQUEST, 3, "cy@example.com", NULL);
  g_autoptr (KithFrame) presence = kith_frame_new (KITH_FRAME_PRESENCE);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GListModel *model = kith_contact_list_get_model (fresh);
  KithContact *bob;
  guint changes = 0;

  kith_contact_list_attach (list, NULL, NULL, store);
  kith_contact_list_handle_change (list, accepted);
  kith_contact_list_handle_change (list, request);
  presence->user_id = 2;
  presence->presence = KITH_PRESENCE_ONLINE;
  kith_contact_list_handle_presence (list, presence);

  /* Not the attached store: nothing is taken. */
  kith_contact_list_load_async (fresh, store, NULL, svc_test_store_result, &result);
  g_assert_false (finish (fresh, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);

  kith_contact_list_attach (fresh, NULL, NULL, store);
  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), &changes);
  kith_contact_list_load_async (fresh, store, NULL, svc_test_store_result, &result);
  g_assert_true (finish (fresh, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (changes, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);
  bob = kith_contact_list_find (fresh, 2);
  g_assert_cmpstr (kith_contact_get_display_name (bob), ==, "Bob");
  g_assert_cmpint (kith_contact_get_presence (bob), ==, KITH_PRESENCE_OFFLINE);
  g_assert_cmpint (kith_contact_get_state (kith_contact_list_find (fresh, 3)), ==,
                   KITH_CONTACT_INCOMING);

  /* Loaded again, the same contacts are updated, not added twice. */
  kith_contact_list_load_async (fresh, store, NULL, svc_test_store_result, &result);
  g_assert_true (finish (fresh, &result, &error));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 2);
  g_assert_true (kith_contact_list_find (fresh, 2) == bob);

  kith_contact_list_clear (fresh);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  g_assert_null (kith_contact_list_find (fresh, 2));

  kith_contact_list_attach (list, NULL, NULL, NULL);
  kith_contact_list_attach (fresh, NULL, NULL, NULL);
  svc_test_store_close (store);
}

/* Add, accept, remove and refresh over REST, against kithd. */
static void
test_rest (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_sign_up (server, "ada@example.com", PASSWORD, "Ada", "Tester");
  g_autoptr (KithdTestUser) bob = kithd_test_server_sign_up (server, "bob@example.com", PASSWORD, "Bob", "Tester");
  g_autoptr (KithdTestUser) cy = kithd_test_server_sign_up (server, "cy@example.com", PASSWORD, "Cy", "Tester");
  g_autoptr (KithUserInfo) ada_info = user_info (ada->id, ada->email, "Ada");
  g_autoptr (KithUserInfo) bob_info = user_info (bob->id, bob->email, "Bob");
  g_autoptr (KithUser) ada_user = kith_user_new (ada_info);
  g_autoptr (KithUser) bob_user = kith_user_new (bob_info);
  g_autoptr (KithApiClient) ada_api = svc_test_api_new (server, ada->token);
  g_autoptr (KithApiClient) bob_api = svc_test_api_new (server, bob->token);
  g_autoptr (KithContactList) ada_list = kith_contact_list_new ();
  g_autoptr (KithContactList) bob_list = kith_contact_list_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  KithContact *contact;

  /* Signed out: refused before anything is sent. */
  kith_contact_list_add_async (ada_list, bob->email, NULL, svc_test_store_result, &result);
  g_assert_false (finish (ada_list, &result, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_UNAUTHORIZED);
  g_clear_error (&error);

  kith_contact_list_attach (ada_list, ada_user, ada_api, NULL);
  kith_contact_list_attach (bob_list, bob_user, bob_api, NULL);

  kith_contact_list_add_async (ada_list, bob->email, NULL, svc_test_store_result, &result);
  g_assert_true (finish (ada_list, &result, &error));
  g_assert_no_error (error);
  contact = kith_contact_list_find (ada_list, bob->id);
  g_assert_nonnull (contact);
  g_assert_cmpint (kith_contact_get_state (contact), ==, KITH_CONTACT_OUTGOING);

  kith_contact_list_refresh_async (bob_list, NULL, svc_test_store_result, &result);
  g_assert_true (finish (bob_list, &result, &error));
  contact = kith_contact_list_find (bob_list, ada->id);
  g_assert_nonnull (contact);
  g_assert_cmpint (kith_contact_get_state (contact), ==, KITH_CONTACT_INCOMING);

  kith_contact_list_accept_async (bob_list, contact, NULL, svc_test_store_result, &result);
  g_assert_true (finish (bob_list, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kith_contact_get_state (contact), ==, KITH_CONTACT_ACCEPTED);

  /* A refresh drops who is not on the server's list any more. */
  kithd_test_server_make_contacts (server, ada, cy);
  kith_contact_list_refresh_async (ada_list, NULL, svc_test_store_result, &result);
  g_assert_true (finish (ada_list, &result, &error));
  g_assert_cmpuint (g_list_model_get_n_items (kith_contact_list_get_model (ada_list)), ==, 2);
  g_assert_cmpint (kith_contact_get_state (kith_contact_list_find (ada_list, bob->id)), ==,
                   KITH_CONTACT_ACCEPTED);

  kith_contact_list_remove_async (bob_list, contact, NULL, svc_test_store_result, &result);
  g_assert_true (finish (bob_list, &result, &error));
  g_assert_no_error (error);
  g_assert_null (kith_contact_list_find (bob_list, ada->id));

  kith_contact_list_refresh_async (ada_list, NULL, svc_test_store_result, &result);
  g_assert_true (finish (ada_list, &result, &error));
  g_assert_null (kith_contact_list_find (ada_list, bob->id));
  g_assert_nonnull (kith_contact_list_find (ada_list, cy->id));
}

/* A presence frame that comes while a refresh is on its way is newer than
 * the list the refresh brings (kithd made it before): the refresh must not
 * put the contact back to what it was (seen after kithd restarted: the
 * contact came online during the refresh and stayed "Offline"). */
static void
test_refresh_keeps_newer_presence (void)
{
  g_autoptr (KithdTestUser) dee = kithd_test_server_sign_up (server, "dee@example.com", PASSWORD, "Dee", "Tester");
  g_autoptr (KithdTestUser) eve = kithd_test_server_sign_up (server, "eve@example.com", PASSWORD, "Eve", "Tester");
  g_autoptr (KithUserInfo) dee_info = user_info (dee->id, dee->email, "Dee");
  g_autoptr (KithUser) dee_user = kith_user_new (dee_info);
  g_autoptr (KithApiClient) dee_api = svc_test_api_new (server, dee->token);
  g_autoptr (KithContactList) list = kith_contact_list_new ();
  g_autoptr (KithFrame) online = kith_frame_new (KITH_FRAME_PRESENCE);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  KithContact *contact;

  kithd_test_server_make_contacts (server, dee, eve);
  kith_contact_list_attach (list, dee_user, dee_api, NULL);
  kith_contact_list_refresh_async (list, NULL, svc_test_store_result, &result);
  g_assert_true (finish (list, &result, &error));
  contact = kith_contact_list_find (list, eve->id);
  g_assert_nonnull (contact);
  /* Eve has no socket: the server's list says offline. */
  g_assert_cmpint (kith_contact_get_presence (contact), ==, KITH_PRESENCE_OFFLINE);

  /* Sent; before its answer is read, the socket says Eve came online. */
  kith_contact_list_refresh_async (list, NULL, svc_test_store_result, &result);
  online->user_id = eve->id;
  online->presence = KITH_PRESENCE_ONLINE;
  kith_contact_list_handle_presence (list, online);
  g_assert_true (finish (list, &result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kith_contact_get_presence (contact), ==, KITH_PRESENCE_ONLINE);

  /* A refresh sent after the frame takes the server's word again. */
  kith_contact_list_refresh_async (list, NULL, svc_test_store_result, &result);
  g_assert_true (finish (list, &result, &error));
  g_assert_cmpint (kith_contact_get_presence (contact), ==, KITH_PRESENCE_OFFLINE);
}

int
main (int   argc,
      char *argv[])
{
  svc_test_init (&argc, &argv);

  g_test_add_func ("/contact-list/frames", test_frames);
  g_test_add_func ("/contact-list/cache", test_cache);
  g_test_add_func ("/contact-list/rest", test_rest);
  g_test_add_func ("/contact-list/refresh-keeps-newer-presence", test_refresh_keeps_newer_presence);

  server = svc_test_server_start ();
  return svc_test_run (server);
}
