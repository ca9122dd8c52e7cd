/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "TestDbCalls"

#include "config.h"

#include "kithd-crypto.h"
#include "kithd-db-accounts.h"
#include "kithd-db-contacts.h"
#include "kithd-db-mail.h"
#include "kithd-db-messages.h"
#include "kithd-store-sqlite.h"

/* The db worker's typed calls (kithd-db-*.h) against an sqlite store in
 * memory: what each hands back, and the errors of the store as they are. */

typedef struct {
  KithdStore   *store;
  KithdDb      *db;
  GAsyncResult *result;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr (GError) error = NULL;

  fixture->store = KITHD_STORE (kithd_store_sqlite_new (":memory:", &error));
  g_assert_no_error (error);
  fixture->db = kithd_db_new (fixture->store);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_assert_null (fixture->result);
  /* the last task lets go of the db once its callback has returned */
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_finalize_object (fixture->db);
  g_assert_finalize_object (fixture->store);
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Fixture *fixture = user_data;

  g_assert_true (source == G_OBJECT (fixture->db));
  g_assert_null (fixture->result);
  fixture->result = g_object_ref (result);
}

/* The result of the call just queued, once it is back on this context. */
static GAsyncResult *
wait_result (Fixture *fixture)
{
  while (!fixture->result)
    g_main_context_iteration (NULL, TRUE);
  return g_steal_pointer (&fixture->result);
}

static KithdUser *
sign_up (Fixture    *fixture,
         const char *email,
         const char *first_name,
         const char *token)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree char *token_hash = kithd_crypto_token_hash (token);
  KithdUser *user;

  kithd_db_sign_up_async (fixture->db, email, "$y$hash", first_name, "Test", token_hash,
                          1000, NULL, on_done, fixture);
  result = wait_result (fixture);
  user = kithd_db_sign_up_finish (fixture->db, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (user);
  return user;
}

static void
test_accounts (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (KithdUser) ann = sign_up (fixture, "ann@example.com", "Ann", "ann-token");
  g_autoptr (KithdUser) user = NULL;
  g_autoptr (KithdUser) found = NULL;
  g_autoptr (KithdSession) session = NULL;
  g_autoptr (GArray) ended = NULL;
  g_autoptr (GArray) contact_ids = NULL;
  g_autofree char *ann_hash = kithd_crypto_token_hash ("ann-token");
  g_autofree char *phone_hash = kithd_crypto_token_hash ("phone-token");
  g_autofree char *reset_hash = kithd_crypto_token_hash ("reset-token");
  gint64 phone;

  g_assert_cmpstr (ann->email, ==, "ann@example.com");
  g_assert_cmpstr (ann->first_name, ==, "Ann");

  /* the same email again */
  kithd_db_sign_up_async (fixture->db, "ann@example.com", "$y$hash", "Ann", "Two", phone_hash,
                          1000, NULL, on_done, fixture);
  result = wait_result (fixture);
  g_assert_null (kithd_db_sign_up_finish (fixture->db, result, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_EMAIL_TAKEN);
  g_clear_error (&error);
  g_clear_object (&result);

  /* sign-up made a session: the token authenticates */
  kithd_db_authenticate_async (fixture->db, ann_hash, NULL, on_done, fixture);
  result = wait_result (fixture);
  session = kithd_db_authenticate_finish (fixture->db, result, &user, &error);
  g_assert_no_error (error);
  g_assert_cmpint (session->user_id, ==, ann->id);
  g_assert_cmpstr (session->device_name, ==, "Kith");
  g_assert_cmpint (user->id, ==, ann->id);
  g_clear_object (&result);
  g_clear_pointer (&user, kithd_user_free);

  kithd_db_find_user_async (fixture->db, "ann@example.com", NULL, on_done, fixture);
  result = wait_result (fixture);
  found = kithd_db_find_user_finish (fixture->db, result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (found->id, ==, ann->id);
  g_clear_object (&result);

  kithd_db_find_user_async (fixture->db, "nobody@example.com", NULL, on_done, fixture);
  result = wait_result (fixture);
  g_assert_null (kithd_db_find_user_finish (fixture->db, result, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_object (&result);

  kithd_db_create_session_async (fixture->db, ann->id, phone_hash, "Phone", KITH_DEVICE_MOBILE, 2000,
                                 NULL, on_done, fixture);
  result = wait_result (fixture);
  phone = kithd_db_create_session_finish (fixture->db, result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (phone, >, session->id);
  g_clear_object (&result);

  /* a profile change: the user as it is now, and whom it concerns */
  kithd_db_update_profile_async (fixture->db, ann->id, "Annie", NULL, 0, NULL, on_done, fixture);
  result = wait_result (fixture);
  user = kithd_db_update_profile_finish (fixture->db, result, &contact_ids, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (user->first_name, ==, "Annie");
  g_assert_cmpstr (user->last_name, ==, "Test");
  g_assert_false (user->offline_email_notification);
  g_assert_cmpuint (contact_ids->len, ==, 0);
  g_clear_object (&result);
  g_clear_pointer (&user, kithd_user_free);

  /* a new password ends every session but the one kept */
  kithd_db_set_password_async (fixture->db, ann->id, "$y$new", phone, NULL, on_done, fixture);
  result = wait_result (fixture);
  ended = kithd_db_set_password_finish (fixture->db, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ended->len, ==, 1);
  g_assert_cmpint (g_array_index (ended, gint64, 0), ==, session->id);
  g_clear_object (&result);

  /* a reset for nobody is no error; for Ann it ends her sessions */
  kithd_db_request_reset_async (fixture->db, "nobody@example.com", reset_hash, 10000,
                                NULL, on_done, fixture);
  result = wait_result (fixture);
  g_assert_true (kithd_db_request_reset_finish (fixture->db, result, &user, &error));
  g_assert_no_error (error);
  g_assert_null (user);
  g_clear_object (&result);

  kithd_db_request_reset_async (fixture->db, "ann@example.com", reset_hash, 10000,
                                NULL, on_done, fixture);
  result = wait_result (fixture);
  g_assert_true (kithd_db_request_reset_finish (fixture->db, result, &user, &error));
  g_assert_cmpint (user->id, ==, ann->id);
  g_clear_object (&result);
  g_clear_pointer (&user, kithd_user_free);

  kithd_db_confirm_reset_async (fixture->db, reset_hash, "$y$reset", 5000, NULL, on_done, fixture);
  result = wait_result (fixture);
  g_assert_cmpint (kithd_db_confirm_reset_finish (fixture->db, result, &error), ==, ann->id);
  g_assert_no_error (error);
  g_clear_object (&result);

  /* spent */
  kithd_db_confirm_reset_async (fixture->db, reset_hash, "$y$again", 5000, NULL, on_done, fixture);
  result = wait_result (fixture);
  g_assert_cmpint (kithd_db_confirm_reset_finish (fixture->db, result, &error), ==, 0);
  g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_RESET_TOKEN);
  g_clear_error (&error);
  g_clear_object (&result);

  /* the phone's session went with the reset */
  kithd_db_delete_session_async (fixture->db, phone, NULL, on_done, fixture);
  result = wait_result (fixture);
  g_assert_false (kithd_db_delete_session_finish (fixture->db, result, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_object (&result);
}

static void
test_contacts_and_messages (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (KithdUser) ann = sign_up (fixture, "ann@example.com", "Ann", "ann-token");
  g_autoptr (KithdUser) bob = sign_up (fixture, "bob@example.com", "Bob", "bob-token");
  g_autoptr (KithdUser) user = NULL;
  g_autoptr (KithdUser) other = NULL;
  g_autoptr (KithdUser) notice_to = NULL;
  g_autoptr (KithdUser) notice_from = NULL;
  g_autoptr (KithdSession) session = NULL;
  g_autoptr (KithMessageInfo) msg = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (GArray) contact_ids = NULL;
  g_autofree char *bob_hash = kithd_crypto_token_hash ("bob-token");
  KithContactState state = KITH_CONTACT_ACCEPTED;
  gboolean duplicate = TRUE;
  gint64 last_seq = -1;
  gint64 first_seq;

  /* oneself */
  kithd_db_add_contact_async (fixture->db, ann->id, "ann@example.com", 1000, NULL, on_done, fixture);
  result = wait_result (fixture);
  g_assert_null (kithd_db_add_contact_finish (fixture->db, result, &user, &state, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD);
  g_clear_error (&error);
  g_clear_object (&result);

  kithd_db_add_contact_async (fixture->db, ann->id, "bob@example.com", 1000, NULL, on_done, fixture);
  result = wait_result (fixture);
  other = kithd_db_add_contact_finish (fixture->db, result, &user, &state, &error);
  g_assert_no_error (error);
  g_assert_cmpint (other->id, ==, bob->id);
  g_assert_cmpint (user->id, ==, ann->id);
  g_assert_cmpint (state, ==, KITH_CONTACT_OUTGOING);
  g_clear_object (&result);
  g_clear_pointer (&user, kithd_user_free);
  g_clear_pointer (&other, kithd_user_free);

  /* history before they are contacts, with nothing said: not a contact */
  kithd_db_history_async (fixture->db, bob->id, ann->id, 0, 50, NULL, on_done, fixture);
  result = wait_result (fixture);
  g_assert_null (kithd_db_history_finish (fixture->db, result, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_CONTACT);
  g_clear_error (&error);
  g_clear_object (&result);

  kithd_db_accept_contact_async (fixture->db, bob->id, ann->id, 2000, NULL, on_done, fixture);
  result = wait_result (fixture);
  other = kithd_db_accept_contact_finish (fixture->db, result, &user, &error);
  g_assert_no_error (error);
  g_assert_cmpint (other->id, ==, ann->id);
  g_assert_cmpint (user->id, ==, bob->id);
  g_clear_object (&result);

  kithd_db_list_contacts_async (fixture->db, ann->id, NULL, on_done, fixture);
  result = wait_result (fixture);
  list = kithd_db_list_contacts_finish (fixture->db, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpint (((KithdContact *) g_ptr_array_index (list, 0))->state, ==, KITH_CONTACT_ACCEPTED);
  g_clear_object (&result);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* a message to someone offline who has offline mail on: a mail is due */
  kithd_db_store_message_async (fixture->db, "m-1", ann->id, bob->id, "Hello", 3000, TRUE,
                                NULL, on_done, fixture);
  result = wait_result (fixture);
  msg = kithd_db_store_message_finish (fixture->db, result, &duplicate, &notice_to, &notice_from, &error);
  g_assert_no_error (error);
  g_assert_false (duplicate);
  g_assert_cmpint (msg->seq, >, 0);
  g_assert_cmpint (msg->sent_at, ==, 3000);
  g_assert_cmpstr (msg->id, ==, "m-1");
  g_assert_cmpstr (msg->body, ==, "Hello");
  g_assert_cmpint (notice_to->id, ==, bob->id);
  g_assert_cmpint (notice_from->id, ==, ann->id);
  first_seq = msg->seq;
  g_clear_object (&result);
  g_clear_pointer (&msg, kith_message_info_free);
  g_clear_pointer (&notice_to, kithd_user_free);
  g_clear_pointer (&notice_from, kithd_user_free);

  /* the same id again: the stored row, no second mail */
  kithd_db_store_message_async (fixture->db, "m-1", ann->id, bob->id, "Hello", 4000, TRUE,
                                NULL, on_done, fixture);
  result = wait_result (fixture);
  msg = kithd_db_store_message_finish (fixture->db, result, &duplicate, &notice_to, &notice_from, &error);
  g_assert_no_error (error);
  g_assert_true (duplicate);
  g_assert_cmpint (msg->seq, ==, first_seq);
  g_assert_cmpint (msg->sent_at, ==, 3000);
  g_assert_null (notice_to);
  g_assert_null (notice_from);
  g_clear_object (&result);
  g_clear_pointer (&msg, kith_message_info_free);

  /* Bob's hello: his session, the newest seq, Ann as contact; his
   * notice batch ends, so the next message opens a new one */
  kithd_db_hello_async (fixture->db, bob_hash, NULL, on_done, fixture);
  result = wait_result (fixture);
  g_clear_pointer (&user, kithd_user_free);
  session = kithd_db_hello_finish (fixture->db, result, &user, &last_seq, &contact_ids, &error);
  g_assert_no_error (error);
  g_assert_cmpint (session->user_id, ==, bob->id);
  g_assert_cmpint (user->id, ==, bob->id);
  g_assert_cmpint (last_seq, ==, first_seq);
  g_assert_cmpuint (contact_ids->len, ==, 1);
  g_assert_cmpint (g_array_index (contact_ids, gint64, 0), ==, ann->id);
  g_clear_object (&result);

  kithd_db_store_message_async (fixture->db, "m-2", ann->id, bob->id, "Again", 5000, TRUE,
                                NULL, on_done, fixture);
  result = wait_result (fixture);
  msg = kithd_db_store_message_finish (fixture->db, result, &duplicate, &notice_to, &notice_from, &error);
  g_assert_no_error (error);
  g_assert_nonnull (notice_to);
  g_clear_object (&result);
  g_clear_pointer (&msg, kith_message_info_free);

  kithd_db_list_messages_async (fixture->db, bob->id, 0, 200, NULL, on_done, fixture);
  result = wait_result (fixture);
  list = kithd_db_list_messages_finish (fixture->db, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpint (((KithMessageInfo *) g_ptr_array_index (list, 0))->seq, ==, first_seq);
  g_clear_object (&result);
  g_clear_pointer (&list, g_ptr_array_unref);

  kithd_db_history_async (fixture->db, bob->id, ann->id, 0, 1, NULL, on_done, fixture);
  result = wait_result (fixture);
  list = kithd_db_history_finish (fixture->db, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (((KithMessageInfo *) g_ptr_array_index (list, 0))->body, ==, "Again");
  g_clear_object (&result);
  g_clear_pointer (&list, g_ptr_array_unref);

  kithd_db_remove_contact_async (fixture->db, ann->id, bob->id, NULL, on_done, fixture);
  result = wait_result (fixture);
  g_assert_true (kithd_db_remove_contact_finish (fixture->db, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  /* former contacts still read what was said */
  kithd_db_history_async (fixture->db, ann->id, bob->id, 0, 50, NULL, on_done, fixture);
  result = wait_result (fixture);
  list = kithd_db_history_finish (fixture->db, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_clear_object (&result);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* deleting Ann: every relation she had (none left now) */
  kithd_db_delete_account_async (fixture->db, ann->id, NULL, on_done, fixture);
  result = wait_result (fixture);
  list = kithd_db_delete_account_finish (fixture->db, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_object (&result);
}

static void
test_mail (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GPtrArray) mails = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  KithdMail mail = { 0, 0, (char *) "a@example.com", (char *) "One", (char *) "Body", 1000 };
  gint64 first, second, gone = 9999;

  kithd_db_queue_mail_async (fixture->db, &mail, NULL, on_done, fixture);
  result = wait_result (fixture);
  first = kithd_db_queue_mail_finish (fixture->db, result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (first, >, 0);
  g_clear_object (&result);

  mail.to_address = (char *) "b@example.com";
  mail.subject = (char *) "Two";
  kithd_db_queue_mail_async (fixture->db, &mail, NULL, on_done, fixture);
  result = wait_result (fixture);
  second = kithd_db_queue_mail_finish (fixture->db, result, &error);
  g_assert_cmpint (second, >, first);
  g_clear_object (&result);

  kithd_db_pending_mail_async (fixture->db, 1, NULL, on_done, fixture);
  result = wait_result (fixture);
  mails = kithd_db_pending_mail_finish (fixture->db, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mails->len, ==, 1);
  g_assert_cmpstr (((KithdMail *) g_ptr_array_index (mails, 0))->subject, ==, "One");
  g_clear_object (&result);
  g_clear_pointer (&mails, g_ptr_array_unref);

  /* a mail gone already is no error */
  g_array_append_val (ids, first);
  g_array_append_val (ids, gone);
  kithd_db_mail_delivered_async (fixture->db, ids, NULL, on_done, fixture);
  result = wait_result (fixture);
  g_assert_true (kithd_db_mail_delivered_finish (fixture->db, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  kithd_db_pending_mail_async (fixture->db, 0, NULL, on_done, fixture);
  result = wait_result (fixture);
  mails = kithd_db_pending_mail_finish (fixture->db, result, &error);
  g_assert_cmpuint (mails->len, ==, 1);
  g_assert_cmpint (((KithdMail *) g_ptr_array_index (mails, 0))->id, ==, second);
  g_clear_object (&result);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/db-calls/accounts", Fixture, NULL, fixture_setup, test_accounts, fixture_teardown);
  g_test_add ("/db-calls/contacts-and-messages", Fixture, NULL, fixture_setup,
              test_contacts_and_messages, fixture_teardown);
  g_test_add ("/db-calls/mail", Fixture, NULL, fixture_setup, test_mail, fixture_teardown);

  return g_test_run ();
}
