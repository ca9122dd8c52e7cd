/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "TestStore"

#include "config.h"

#include "kithd-test-store.h"

/* The KithdStore contract against the sqlite store, one test per group of
 * operations, each case written out, so that the contract a PostgreSQL
 * store must meet reads in one place. What only the sqlite file can show
 * (account deletion row by row, migrations, reopening) is in
 * test-store-sqlite.c. */

/* ---- users ---- */

static void
test_user_create_get (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdUser) user = NULL;
  g_autoptr (KithdUser) by_email = NULL;
  g_autoptr (KithdUser) copy = NULL;
  gint64 id, id2;

  id = kithd_store_user_create (fixture->store, "Ada.Lovelace@Example.COM", "$y$hash",
                                "Ada", "Lovelace", NOW, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);

  user = kithd_store_user_get (fixture->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (user->id, ==, id);
  g_assert_cmpstr (user->email, ==, "ada.lovelace@example.com");
  g_assert_cmpstr (user->first_name, ==, "Ada");
  g_assert_cmpstr (user->last_name, ==, "Lovelace");
  g_assert_cmpstr (user->password_hash, ==, "$y$hash");
  g_assert_true (user->offline_email_notification);
  g_assert_cmpstr (user->plan, ==, "free");
  g_assert_cmpint (user->created_at, ==, NOW);

  copy = kithd_user_copy (user);
  g_assert_cmpstr (copy->email, ==, user->email);
  g_assert_true (copy->email != user->email);

  /* case-insensitive lookup */
  by_email = kithd_store_user_get_by_email (fixture->store, "ADA.lovelace@example.com", &error);
  g_assert_no_error (error);
  g_assert_cmpint (by_email->id, ==, id);

  /* the same address in another case is taken */
  id2 = kithd_store_user_create (fixture->store, "ada.LOVELACE@example.com", "$y$x", "A", "L", NOW, &error);
  g_assert_error (error, KITH_ERROR, KITH_ERROR_EMAIL_TAKEN);
  g_assert_cmpint (id2, ==, 0);
  g_clear_error (&error);

  /* accounts without a password (OIDC) and without names */
  id2 = kithd_store_user_create (fixture->store, "g@example.com", NULL, NULL, NULL, NOW, &error);
  g_assert_no_error (error);
  g_clear_pointer (&user, kithd_user_free);
  user = kithd_store_user_get (fixture->store, id2, &error);
  g_assert_no_error (error);
  g_assert_null (user->password_hash);
  g_assert_cmpstr (user->first_name, ==, "");

  g_assert_null (kithd_store_user_get (fixture->store, 9999, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_null (kithd_store_user_get_by_email (fixture->store, "nobody@example.com", &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
}

static void
test_user_update (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdUser) user = NULL;
  g_autoptr (GPtrArray) users = NULL;
  gint64 id = make_user (fixture->store, "b@example.com", "Bea");
  gint64 id2 = make_user (fixture->store, "a@example.com", "Al");

  /* first name only: the rest is kept */
  g_assert_true (kithd_store_user_update_profile (fixture->store, id, "Beatrice", NULL, -1, &error));
  g_assert_no_error (error);
  user = kithd_store_user_get (fixture->store, id, &error);
  g_assert_cmpstr (user->first_name, ==, "Beatrice");
  g_assert_cmpstr (user->last_name, ==, "Tester");
  g_assert_true (user->offline_email_notification);
  g_clear_pointer (&user, kithd_user_free);

  g_assert_true (kithd_store_user_update_profile (fixture->store, id, NULL, "Smith", 0, &error));
  user = kithd_store_user_get (fixture->store, id, &error);
  g_assert_cmpstr (user->first_name, ==, "Beatrice");
  g_assert_cmpstr (user->last_name, ==, "Smith");
  g_assert_false (user->offline_email_notification);
  g_clear_pointer (&user, kithd_user_free);

  g_assert_true (kithd_store_user_update_profile (fixture->store, id, NULL, NULL, 1, &error));
  g_assert_true (kithd_store_user_set_password (fixture->store, id, "$y$new", &error));
  g_assert_true (kithd_store_user_set_plan (fixture->store, id, "paid", &error));
  g_assert_no_error (error);
  user = kithd_store_user_get (fixture->store, id, &error);
  g_assert_true (user->offline_email_notification);
  g_assert_cmpstr (user->password_hash, ==, "$y$new");
  g_assert_cmpstr (user->plan, ==, "paid");

  /* unknown ids */
  g_assert_false (kithd_store_user_update_profile (fixture->store, 9999, "X", NULL, -1, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (kithd_store_user_set_password (fixture->store, 9999, "$y$x", &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (kithd_store_user_set_plan (fixture->store, 9999, "paid", &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* list by id */
  users = kithd_store_user_list (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (users->len, ==, 2);
  g_assert_cmpint (((KithdUser *) users->pdata[0])->id, ==, id);
  g_assert_cmpint (((KithdUser *) users->pdata[1])->id, ==, id2);
}

static void
test_user_to_info (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr (KithdUser) user = NULL;
  g_autoptr (KithUserInfo) pub = NULL;
  g_autoptr (KithUserInfo) own = NULL;
  gint64 id = make_user (fixture->store, "c@example.com", "Cy");

  user = kithd_store_user_get (fixture->store, id, NULL);
  pub = kithd_user_to_info (user, FALSE);
  own = kithd_user_to_info (user, TRUE);

  g_assert_cmpint (pub->id, ==, id);
  g_assert_cmpstr (pub->email, ==, "c@example.com");
  g_assert_cmpstr (pub->first_name, ==, "Cy");
  g_assert_false (pub->has_settings);

  g_assert_true (own->has_settings);
  g_assert_true (own->offline_email_notification);
  g_assert_cmpstr (own->plan, ==, "free");
}

/* ---- sessions ---- */

static void
test_sessions (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KithdSession) session = NULL;
  g_autoptr (GArray) deleted = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 id = make_user (fixture->store, "s@example.com", "Sam");
  gint64 s1, s2, s3;

  s1 = kithd_store_session_create (fixture->store, id, "hash1", "Laptop", KITH_DEVICE_DESKTOP, NOW, &error);
  g_assert_no_error (error);
  s2 = kithd_store_session_create (fixture->store, id, "hash2", "Phone", KITH_DEVICE_MOBILE, NOW + 1, &error);
  s3 = kithd_store_session_create (fixture->store, id, "hash3", "Work", KITH_DEVICE_DESKTOP, NOW + 2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (s1, >, 0);
  g_assert_cmpint (s2, >, s1);

  session = kithd_store_session_lookup (fixture->store, "hash2", &error);
  g_assert_no_error (error);
  g_assert_cmpint (session->id, ==, s2);
  g_assert_cmpint (session->user_id, ==, id);
  g_assert_cmpstr (session->device_name, ==, "Phone");
  g_assert_cmpint (session->device_kind, ==, KITH_DEVICE_MOBILE);
  g_assert_cmpint (session->created_at, ==, NOW + 1);

  g_assert_null (kithd_store_session_lookup (fixture->store, "nope", &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_cmpint (kithd_store_session_create (fixture->store, 9999, "hash9", "X",
                                               KITH_DEVICE_DESKTOP, NOW, &error), ==, 0);
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* log out: the token stops working */
  g_assert_true (kithd_store_session_delete (fixture->store, s1, &error));
  g_assert_null (kithd_store_session_lookup (fixture->store, "hash1", &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (kithd_store_session_delete (fixture->store, s1, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* password change: every session but the current one */
  g_assert_true (kithd_store_session_delete_user (fixture->store, id, s2, deleted, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (deleted->len, ==, 1);
  g_assert_cmpint (g_array_index (deleted, gint64, 0), ==, s3);
  g_clear_pointer (&session, kithd_session_free);
  session = kithd_store_session_lookup (fixture->store, "hash2", &error);
  g_assert_no_error (error);

  /* reset: all of them */
  g_assert_true (kithd_store_session_delete_user (fixture->store, id, 0, NULL, &error));
  g_assert_null (kithd_store_session_lookup (fixture->store, "hash2", &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
}

/* ---- password reset ---- */

static void
test_reset (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  gint64 id = make_user (fixture->store, "r@example.com", "Rae");
  gint64 day = 24 * 60 * 60 * 1000;

  g_assert_true (kithd_store_reset_create (fixture->store, id, "t1", NOW + day, &error));
  g_assert_true (kithd_store_reset_create (fixture->store, id, "t2", NOW + day, &error));
  g_assert_no_error (error);

  /* a newer link ends the older one */
  g_assert_cmpint (kithd_store_reset_consume (fixture->store, "t1", NOW + 1000, &error), ==, 0);
  g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_RESET_TOKEN);
  g_clear_error (&error);

  /* valid once */
  g_assert_cmpint (kithd_store_reset_consume (fixture->store, "t2", NOW + 1000, &error), ==, id);
  g_assert_no_error (error);
  g_assert_cmpint (kithd_store_reset_consume (fixture->store, "t2", NOW + 2000, &error), ==, 0);
  g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_RESET_TOKEN);
  g_clear_error (&error);

  /* expired after 24 hours */
  g_assert_true (kithd_store_reset_create (fixture->store, id, "t5", NOW + day, &error));
  g_assert_cmpint (kithd_store_reset_consume (fixture->store, "t5", NOW + day, &error), ==, 0);
  g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_RESET_TOKEN);
  g_clear_error (&error);
  g_assert_cmpint (kithd_store_reset_consume (fixture->store, "t5", NOW + day - 1, &error), ==, id);
  g_assert_no_error (error);

  /* a new password ends the links asked for before it */
  g_assert_true (kithd_store_reset_create (fixture->store, id, "t6", NOW + day, &error));
  g_assert_true (kithd_store_user_set_password (fixture->store, id, "$y$new", &error));
  g_assert_cmpint (kithd_store_reset_consume (fixture->store, "t6", NOW + 1000, &error), ==, 0);
  g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_RESET_TOKEN);
  g_clear_error (&error);

  /* unknown */
  g_assert_cmpint (kithd_store_reset_consume (fixture->store, "t3", NOW, &error), ==, 0);
  g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_RESET_TOKEN);
  g_clear_error (&error);

  g_assert_false (kithd_store_reset_create (fixture->store, 9999, "t4", NOW + day, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
}

/* ---- contacts ---- */

static KithContactState
contact_state_of (KithdStore *store,
                  gint64      user,
                  gint64      other,
                  gboolean   *found)
{
  g_autoptr (GPtrArray) list = kithd_store_contact_list (store, user, NULL);

  g_assert_nonnull (list);
  *found = FALSE;
  for (guint i = 0; i < list->len; i++) {
    KithdContact *contact = list->pdata[i];

    if (contact->user->id == other) {
      *found = TRUE;
      g_assert_null (contact->user->password_hash);
      return contact->state;
    }
  }

  return KITH_CONTACT_ACCEPTED;
}

static void
test_contacts (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ids = NULL;
  KithContactState state = KITH_CONTACT_INCOMING;
  gint64 a = make_user (fixture->store, "a@example.com", "Ann");
  gint64 b = make_user (fixture->store, "b@example.com", "Ben");
  gint64 c = make_user (fixture->store, "c@example.com", "Cat");
  gint64 d = make_user (fixture->store, "d@example.com", "Dan");
  gboolean found;

  /* request */
  g_assert_true (kithd_store_contact_request (fixture->store, a, b, NOW, &state, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state, ==, KITH_CONTACT_OUTGOING);
  g_assert_cmpint (contact_state_of (fixture->store, a, b, &found), ==, KITH_CONTACT_OUTGOING);
  g_assert_true (found);
  g_assert_cmpint (contact_state_of (fixture->store, b, a, &found), ==, KITH_CONTACT_INCOMING);
  g_assert_true (found);
  g_assert_false (kithd_store_contact_is_accepted (fixture->store, a, b, &error));
  g_assert_no_error (error);

  /* asking twice */
  g_assert_false (kithd_store_contact_request (fixture->store, a, b, NOW, &state, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_ALREADY_CONTACT);
  g_clear_error (&error);

  /* only the asked side can accept */
  g_assert_false (kithd_store_contact_accept (fixture->store, a, b, NOW, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (kithd_store_contact_accept (fixture->store, b, a, NOW, &error));
  g_assert_no_error (error);
  g_assert_cmpint (contact_state_of (fixture->store, a, b, &found), ==, KITH_CONTACT_ACCEPTED);
  g_assert_cmpint (contact_state_of (fixture->store, b, a, &found), ==, KITH_CONTACT_ACCEPTED);
  g_assert_true (kithd_store_contact_is_accepted (fixture->store, a, b, &error));
  g_assert_true (kithd_store_contact_is_accepted (fixture->store, b, a, &error));

  g_assert_false (kithd_store_contact_request (fixture->store, b, a, NOW, &state, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_ALREADY_CONTACT);
  g_clear_error (&error);
  g_assert_false (kithd_store_contact_accept (fixture->store, b, a, NOW, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* mutual requests accept each other */
  g_assert_true (kithd_store_contact_request (fixture->store, c, d, NOW, &state, &error));
  g_assert_cmpint (state, ==, KITH_CONTACT_OUTGOING);
  g_assert_true (kithd_store_contact_request (fixture->store, d, c, NOW, &state, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state, ==, KITH_CONTACT_ACCEPTED);
  g_assert_true (kithd_store_contact_is_accepted (fixture->store, c, d, &error));

  /* accepted ids */
  g_assert_true (kithd_store_contact_request (fixture->store, a, c, NOW, &state, &error));
  g_assert_true (kithd_store_contact_accept (fixture->store, c, a, NOW, &error));
  g_assert_true (kithd_store_contact_request (fixture->store, a, d, NOW, &state, &error));
  g_assert_no_error (error);
  ids = kithd_store_contact_accepted_ids (fixture->store, a, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 2);
  g_assert_cmpint (g_array_index (ids, gint64, 0), ==, b);
  g_assert_cmpint (g_array_index (ids, gint64, 1), ==, c);

  /* decline (d declines a) */
  g_assert_true (kithd_store_contact_remove (fixture->store, d, a, &error));
  g_assert_no_error (error);
  contact_state_of (fixture->store, a, d, &found);
  g_assert_false (found);
  contact_state_of (fixture->store, d, a, &found);
  g_assert_false (found);

  /* withdraw (b asks d, b withdraws) */
  g_assert_true (kithd_store_contact_request (fixture->store, b, d, NOW, &state, &error));
  g_assert_true (kithd_store_contact_remove (fixture->store, b, d, &error));
  g_assert_no_error (error);
  contact_state_of (fixture->store, d, b, &found);
  g_assert_false (found);

  /* remove an accepted contact: both sides */
  g_assert_true (kithd_store_contact_remove (fixture->store, b, a, &error));
  g_assert_false (kithd_store_contact_is_accepted (fixture->store, a, b, &error));
  g_assert_no_error (error);
  contact_state_of (fixture->store, a, b, &found);
  g_assert_false (found);
  g_assert_false (kithd_store_contact_remove (fixture->store, a, b, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* oneself, and nobody */
  g_assert_false (kithd_store_contact_request (fixture->store, a, a, NOW, &state, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD);
  g_clear_error (&error);
  g_assert_false (kithd_store_contact_request (fixture->store, a, 9999, NOW, &state, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* and the failed request left nothing behind */
  contact_state_of (fixture->store, a, 9999, &found);
  g_assert_false (found);
}

/* ---- messages ---- */

static void
test_message_insert (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  gint64 a = make_user (fixture->store, "a@example.com", "Ann");
  gint64 b = make_user (fixture->store, "b@example.com", "Ben");
  gint64 seq1, seq2, seq3, seq = 0, sent_at = 0;
  gboolean duplicate = FALSE;

  g_assert_cmpint (kithd_store_message_last_seq (fixture->store, a, &error), ==, 0);
  g_assert_no_error (error);

  seq1 = send_message (fixture->store, a, b, "m-1", NOW);
  seq2 = send_message (fixture->store, b, a, "m-1", NOW + 5);   /* same client id, other sender */
  g_assert_cmpint (seq2, >, seq1);

  /* a resend after a reconnect: same seq and time, nothing new */
  g_assert_true (kithd_store_message_insert (fixture->store, "m-1", a, b, "hello", NOW + 99,
                                             &seq, &sent_at, &duplicate, &error));
  g_assert_no_error (error);
  g_assert_true (duplicate);
  g_assert_cmpint (seq, ==, seq1);
  g_assert_cmpint (sent_at, ==, NOW);

  seq3 = send_message (fixture->store, a, b, "m-2", NOW + 10);
  g_assert_cmpint (seq3, >, seq2);

  g_assert_cmpint (kithd_store_message_last_seq (fixture->store, a, &error), ==, seq3);
  g_assert_cmpint (kithd_store_message_last_seq (fixture->store, b, &error), ==, seq3);

  g_assert_false (kithd_store_message_insert (fixture->store, "m-3", a, 9999, "x", NOW,
                                              &seq, &sent_at, &duplicate, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
}

static void
test_message_list_after (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = NULL;
  gint64 a = make_user (fixture->store, "a@example.com", "Ann");
  gint64 b = make_user (fixture->store, "b@example.com", "Ben");
  gint64 c = make_user (fixture->store, "c@example.com", "Cat");
  gint64 seqs[6];
  KithMessageInfo *info;

  seqs[0] = send_message (fixture->store, a, b, "1", NOW);
  seqs[1] = send_message (fixture->store, b, c, "2", NOW);   /* not a's */
  seqs[2] = send_message (fixture->store, b, a, "3", NOW);
  seqs[3] = send_message (fixture->store, c, a, "4", NOW);
  seqs[4] = send_message (fixture->store, a, c, "5", NOW);
  seqs[5] = send_message (fixture->store, c, b, "6", NOW);   /* not a's */

  list = kithd_store_message_list_after (fixture->store, a, 0, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 4);
  g_assert_cmpint (((KithMessageInfo *) list->pdata[0])->seq, ==, seqs[0]);
  g_assert_cmpint (((KithMessageInfo *) list->pdata[1])->seq, ==, seqs[2]);
  g_assert_cmpint (((KithMessageInfo *) list->pdata[2])->seq, ==, seqs[3]);
  g_assert_cmpint (((KithMessageInfo *) list->pdata[3])->seq, ==, seqs[4]);

  info = list->pdata[2];
  g_assert_cmpstr (info->id, ==, "4");
  g_assert_cmpint (info->from, ==, c);
  g_assert_cmpint (info->to, ==, a);
  g_assert_cmpstr (info->body, ==, "hello");
  g_assert_cmpint (info->sent_at, ==, NOW);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* resume after what was seen, in pages */
  list = kithd_store_message_list_after (fixture->store, a, seqs[0], 2, &error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpint (((KithMessageInfo *) list->pdata[0])->seq, ==, seqs[2]);
  g_assert_cmpint (((KithMessageInfo *) list->pdata[1])->seq, ==, seqs[3]);
  g_clear_pointer (&list, g_ptr_array_unref);

  list = kithd_store_message_list_after (fixture->store, a, seqs[4], 100, &error);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* 0: no limit */
  list = kithd_store_message_list_after (fixture->store, b, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 4);
}

static void
test_message_history (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) expected = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GArray) seen = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 a = make_user (fixture->store, "a@example.com", "Ann");
  gint64 b = make_user (fixture->store, "b@example.com", "Ben");
  gint64 c = make_user (fixture->store, "c@example.com", "Cat");
  gint64 before = 0;
  guint pages = 0;

  for (guint i = 0; i < 47; i++) {
    g_autofree char *id = g_strdup_printf ("h-%u", i);
    g_autofree char *id_ac = g_strdup_printf ("ac-%u", i);
    g_autofree char *id_cb = g_strdup_printf ("cb-%u", i);
    gint64 seq;

    /* both directions, with other conversations in between */
    seq = send_message (fixture->store, i % 3 == 0 ? b : a, i % 3 == 0 ? a : b, id, NOW + i);
    g_array_append_val (expected, seq);
    send_message (fixture->store, a, c, id_ac, NOW + i);
    send_message (fixture->store, c, b, id_cb, NOW + i);
  }

  /* newest first pages of 10, each oldest first, scrolling back */
  for (;;) {
    g_autoptr (GPtrArray) page = kithd_store_message_history (fixture->store, a, b, before, 10, &error);

    g_assert_no_error (error);
    if (page->len == 0)
      break;

    g_assert_cmpuint (page->len, <=, 10);
    for (guint i = 1; i < page->len; i++)
      g_assert_cmpint (((KithMessageInfo *) page->pdata[i - 1])->seq, <,
                       ((KithMessageInfo *) page->pdata[i])->seq);

    for (guint i = page->len; i > 0; i--) {
      KithMessageInfo *info = page->pdata[i - 1];

      g_assert_true ((info->from == a && info->to == b) || (info->from == b && info->to == a));
      g_array_prepend_val (seen, info->seq);
    }

    before = ((KithMessageInfo *) page->pdata[0])->seq;
    pages++;
  }

  g_assert_cmpuint (pages, ==, 5);
  g_assert_cmpuint (seen->len, ==, expected->len);
  for (guint i = 0; i < seen->len; i++)
    g_assert_cmpint (g_array_index (seen, gint64, i), ==, g_array_index (expected, gint64, i));

  /* the same conversation from the other side */
  {
    g_autoptr (GPtrArray) page = kithd_store_message_history (fixture->store, b, a, 0, 3, &error);

    g_assert_cmpuint (page->len, ==, 3);
    g_assert_cmpint (((KithMessageInfo *) page->pdata[2])->seq, ==,
                     g_array_index (expected, gint64, expected->len - 1));
  }
}

static void
test_message_speed (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  gint64 a = make_user (fixture->store, "a@example.com", "Ann");
  gint64 b = make_user (fixture->store, "b@example.com", "Ben");
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;
  const guint n = 5000;

  for (guint i = 0; i < n; i++) {
    char id[32];
    gint64 seq;
    gboolean duplicate;

    g_snprintf (id, sizeof id, "speed-%u", i);
    g_assert_true (kithd_store_message_insert (fixture->store, id, a, b, "a short chat message",
                                               NOW + i, &seq, NULL, &duplicate, &error));
  }
  g_assert_no_error (error);

  elapsed = g_get_monotonic_time () - start;
  g_test_message ("%u acknowledged inserts in %" G_GINT64_FORMAT " ms (%.1f us each)",
                  n, elapsed / 1000, (double) elapsed / n);
  g_assert_cmpint (kithd_store_message_last_seq (fixture->store, a, NULL), ==, n);
}

/* ---- offline notices and mail ---- */

static void
test_notices (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  gint64 a = make_user (fixture->store, "a@example.com", "Ann");
  gint64 b = make_user (fixture->store, "b@example.com", "Ben");
  gint64 c = make_user (fixture->store, "c@example.com", "Cat");
  gboolean opened = FALSE;

  g_assert_true (kithd_store_notice_touch (fixture->store, a, b, NOW, &opened, &error));
  g_assert_no_error (error);
  g_assert_true (opened);
  g_assert_true (kithd_store_notice_touch (fixture->store, a, b, NOW + 1, &opened, &error));
  g_assert_false (opened);
  g_assert_true (kithd_store_notice_touch (fixture->store, a, c, NOW + 2, &opened, &error));
  g_assert_true (opened);
  g_assert_true (kithd_store_notice_touch (fixture->store, b, a, NOW + 2, &opened, &error));
  g_assert_true (opened);

  /* a comes back online: a new batch starts next time */
  g_assert_true (kithd_store_notice_clear (fixture->store, a, &error));
  g_assert_true (kithd_store_notice_touch (fixture->store, a, b, NOW + 3, &opened, &error));
  g_assert_true (opened);
  /* b's batch is untouched */
  g_assert_true (kithd_store_notice_touch (fixture->store, b, a, NOW + 4, &opened, &error));
  g_assert_false (opened);
  g_assert_no_error (error);

  g_assert_false (kithd_store_notice_touch (fixture->store, a, 9999, NOW, &opened, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
}

static void
test_mail_queue (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) pending = NULL;
  gint64 a = make_user (fixture->store, "a@example.com", "Ann");
  gint64 m1, m2, m3;
  KithdMail *mail;

  m1 = kithd_store_mail_enqueue (fixture->store, a, "a@example.com", "S1", "B1", NOW, &error);
  m2 = kithd_store_mail_enqueue (fixture->store, 0, "x@example.com", "S2", "B2", NOW + 1, &error);
  m3 = kithd_store_mail_enqueue (fixture->store, a, "a@example.com", "S3", "B3", NOW + 2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (m1, <, m2);
  g_assert_cmpint (m2, <, m3);

  pending = kithd_store_mail_pending (fixture->store, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pending->len, ==, 2);
  mail = pending->pdata[0];
  g_assert_cmpint (mail->id, ==, m1);
  g_assert_cmpint (mail->to_user_id, ==, a);
  g_assert_cmpstr (mail->to_address, ==, "a@example.com");
  g_assert_cmpstr (mail->subject, ==, "S1");
  g_assert_cmpstr (mail->body, ==, "B1");
  g_assert_cmpint (mail->created_at, ==, NOW);
  mail = pending->pdata[1];
  g_assert_cmpint (mail->to_user_id, ==, 0);
  g_clear_pointer (&pending, g_ptr_array_unref);

  g_assert_true (kithd_store_mail_delivered (fixture->store, m1, &error));
  g_assert_no_error (error);
  g_assert_false (kithd_store_mail_delivered (fixture->store, m1, &error));
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
  g_clear_error (&error);

  pending = kithd_store_mail_pending (fixture->store, 0, &error);
  g_assert_cmpuint (pending->len, ==, 2);
  g_assert_cmpint (((KithdMail *) pending->pdata[0])->id, ==, m2);

  g_assert_cmpint (kithd_store_mail_enqueue (fixture->store, 9999, "z@example.com", "S", "B", NOW, &error), ==, 0);
  g_assert_error (error, KITH_ERROR, KITH_ERROR_NOT_FOUND);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/store/user/create-get", test_user_create_get);
  ADD ("/store/user/update", test_user_update);
  ADD ("/store/user/to-info", test_user_to_info);
  ADD ("/store/sessions", test_sessions);
  ADD ("/store/reset", test_reset);
  ADD ("/store/contacts", test_contacts);
  ADD ("/store/messages/insert", test_message_insert);
  ADD ("/store/messages/list-after", test_message_list_after);
  ADD ("/store/messages/history", test_message_history);
  ADD ("/store/messages/speed", test_message_speed);
  ADD ("/store/notices", test_notices);
  ADD ("/store/mail-queue", test_mail_queue);
#undef ADD

  return g_test_run ();
}
