/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestPerson"

#include "config.h"

#include "kith-contact.h"
#include "kith-user.h"

static KithUserInfo *
make_user_info (gint64      id,
                const char *email,
                const char *first_name,
                const char *last_name)
{
  KithUserInfo *info = kith_user_info_new ();

  info->id = id;
  info->email = g_strdup (email);
  info->first_name = g_strdup (first_name);
  info->last_name = g_strdup (last_name);
  return info;
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  GHashTable *counts = user_data;
  const char *name = g_param_spec_get_name (pspec);

  g_hash_table_insert (counts, (gpointer) name,
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, name)) + 1));
}

static guint
count_of (GHashTable *counts,
          const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, name));
}

static void
test_names (void)
{
  g_autofree char *full = kith_display_name_for ("Ada", "Lovelace", "ada@example.com");
  g_autofree char *first = kith_display_name_for ("Ada", NULL, "ada@example.com");
  g_autofree char *none = kith_display_name_for (NULL, "", "ada@example.com");
  g_autofree char *initials = kith_initials_for ("ada", "lovelace", "x@example.com");
  g_autofree char *from_email = kith_initials_for (NULL, NULL, "ada@example.com");
  g_autofree char *accented = kith_initials_for ("élodie", NULL, NULL);

  g_assert_cmpstr (full, ==, "Ada Lovelace");
  g_assert_cmpstr (first, ==, "Ada");
  g_assert_cmpstr (none, ==, "ada@example.com");
  g_assert_cmpstr (initials, ==, "AL");
  g_assert_cmpstr (from_email, ==, "A");
  g_assert_cmpstr (accented, ==, "É");
}

/* KithUser and KithContact share their person's properties. */
static void
test_shared_properties (void)
{
  g_autoptr (KithUserInfo) user_info = make_user_info (7, "ada@example.com", "Ada", "Lovelace");
  g_autoptr (KithContactInfo) contact_info = kith_contact_info_new ();
  g_autoptr (KithUser) user = NULL;
  g_autoptr (KithContact) contact = NULL;
  g_autofree char *email = NULL;
  g_autofree char *display = NULL;
  gint64 id = 0;

  user_info->has_settings = TRUE;
  user_info->plan = g_strdup ("free");
  user = kith_user_new (user_info);
  contact_info->user = make_user_info (8, "bob@example.com", NULL, NULL);
  contact = kith_contact_new (contact_info);

  g_assert_true (KITH_IS_PERSON (user));
  g_assert_true (KITH_IS_PERSON (contact));
  g_assert_cmpint (kith_user_get_id (user), ==, 7);
  g_assert_cmpstr (kith_user_get_display_name (user), ==, "Ada Lovelace");
  g_assert_cmpstr (kith_user_get_initials (user), ==, "AL");
  g_assert_cmpstr (kith_user_get_plan (user), ==, "free");
  g_assert_cmpint (kith_contact_get_id (contact), ==, 8);
  g_assert_cmpstr (kith_contact_get_display_name (contact), ==, "bob@example.com");
  g_assert_cmpstr (kith_contact_get_initials (contact), ==, "B");

  g_object_get (contact, "id", &id, "email", &email, "display-name", &display, NULL);
  g_assert_cmpint (id, ==, 8);
  g_assert_cmpstr (email, ==, "bob@example.com");
  g_assert_cmpstr (display, ==, "bob@example.com");
}

/* A property notifies when it changes, and only then. */
static void
test_notify (void)
{
  g_autoptr (KithUserInfo) info = make_user_info (7, "ada@example.com", "Ada", NULL);
  g_autoptr (GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (KithUser) user = kith_user_new (info);

  g_signal_connect (user, "notify", G_CALLBACK (count_notify), counts);
  kith_user_update (user, info);
  g_assert_cmpuint (g_hash_table_size (counts), ==, 0);

  g_free (info->last_name);
  info->last_name = g_strdup ("Lovelace");
  kith_user_update (user, info);
  g_assert_cmpuint (count_of (counts, "last-name"), ==, 1);
  g_assert_cmpuint (count_of (counts, "display-name"), ==, 1);
  g_assert_cmpuint (count_of (counts, "initials"), ==, 1);
  g_assert_cmpuint (count_of (counts, "first-name"), ==, 0);
  g_assert_cmpuint (count_of (counts, "email"), ==, 0);
  /* Settings only count where the record has them. */
  g_assert_cmpuint (count_of (counts, "plan"), ==, 0);

  kith_user_set_presence (user, KITH_PRESENCE_BUSY);
  kith_user_set_presence (user, KITH_PRESENCE_BUSY);
  g_assert_cmpuint (count_of (counts, "presence"), ==, 1);
  g_assert_cmpint (kith_user_get_presence (user), ==, KITH_PRESENCE_BUSY);
}

/* A contact shows a presence only once accepted. */
static void
test_contact_presence (void)
{
  g_autoptr (KithContactInfo) info = kith_contact_info_new ();
  g_autoptr (KithContact) contact = NULL;

  info->user = make_user_info (8, "bob@example.com", "Bob", NULL);
  info->state = KITH_CONTACT_INCOMING;
  info->presence = KITH_PRESENCE_ONLINE;
  contact = kith_contact_new (info);
  g_assert_true (kith_contact_get_is_request (contact));
  g_assert_cmpint (kith_contact_get_presence (contact), ==, KITH_PRESENCE_OFFLINE);

  kith_contact_set_presence (contact, KITH_PRESENCE_ONLINE);
  g_assert_cmpint (kith_contact_get_presence (contact), ==, KITH_PRESENCE_OFFLINE);

  kith_contact_set_state (contact, KITH_CONTACT_ACCEPTED);
  kith_contact_set_presence (contact, KITH_PRESENCE_ONLINE);
  g_assert_false (kith_contact_get_is_request (contact));
  g_assert_cmpint (kith_contact_get_presence (contact), ==, KITH_PRESENCE_ONLINE);

  kith_contact_set_state (contact, KITH_CONTACT_OUTGOING);
  g_assert_cmpint (kith_contact_get_presence (contact), ==, KITH_PRESENCE_OFFLINE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/person/names", test_names);
  g_test_add_func ("/person/shared-properties", test_shared_properties);
  g_test_add_func ("/person/notify", test_notify);
  g_test_add_func ("/person/contact-presence", test_contact_presence);

  return g_test_run ();
}
