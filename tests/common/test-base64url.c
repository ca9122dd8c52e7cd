/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestBase64url"

#include "config.h"

#include "kith-base64url.h"

/* RFC 4648's alphabet with - and _, never padded. */
static void
test_encode (void)
{
  static const guint8 bytes[] = { 0xfb, 0xff, 0xbf, 0x00 };
  g_autofree char *empty = kith_base64url_encode (bytes, 0);
  g_autofree char *three = kith_base64url_encode (bytes, 3);
  g_autofree char *four = kith_base64url_encode (bytes, 4);

  g_assert_cmpstr (empty, ==, "");
  g_assert_cmpstr (three, ==, "-_-_");
  g_assert_cmpstr (four, ==, "-_-_AA");
}

/* RFC 7636, appendix B. */
static void
test_pkce (void)
{
  g_autofree char *challenge = kith_pkce_s256 ("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");

  g_assert_cmpstr (challenge, ==, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/base64url/encode", test_encode);
  g_test_add_func ("/base64url/pkce-s256", test_pkce);
  return g_test_run ();
}
