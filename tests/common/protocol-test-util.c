/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestProtocol"

#include "config.h"

#include <string.h>

#include "protocol-test-util.h"

KithUserInfo *
make_user (gint64   id,
           gboolean own)
{
  KithUserInfo *user = kith_user_info_new ();

  user->id = id;
  user->email = g_strdup_printf ("user%" G_GINT64_FORMAT "@example.com", id);
  user->first_name = g_strdup ("Ada \"Countess\"");
  user->last_name = g_strdup ("Lovelace–Byron");
  if (own) {
    user->has_settings = TRUE;
    user->offline_email_notification = TRUE;
    user->plan = g_strdup ("free");
  }

  return user;
}

void
assert_user_equal (const KithUserInfo *a,
                   const KithUserInfo *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpint (a->id, ==, b->id);
  g_assert_cmpstr (a->email, ==, b->email);
  g_assert_cmpstr (a->first_name, ==, b->first_name);
  g_assert_cmpstr (a->last_name, ==, b->last_name);
  g_assert_cmpint (a->has_settings, ==, b->has_settings);
  if (a->has_settings) {
    g_assert_cmpint (a->offline_email_notification, ==, b->offline_email_notification);
    g_assert_cmpstr (a->plan, ==, b->plan);
  }
}

char *
frame_with_string (const char *prefix,
                   gsize       bytes,
                   const char *suffix)
{
  g_autoptr (GString) json = g_string_new (prefix);

  for (gsize i = 0; i < bytes; i++)
    g_string_append_c (json, 'y');
  g_string_append (json, suffix);

  return g_string_free (g_steal_pointer (&json), FALSE);
}
