/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "kith-fake-oidc.h"
#include "kithd-test-helper.h"

G_BEGIN_DECLS

/*
 * Sign in with Google for kithd's tests (test-oidc.c, test-oidc-refusals.c):
 * the fake provider, a kithd naming it, a loopback listener standing in for
 * the app's redirect, and a browser (libsoup following the redirects) going
 * from kithd's start through the provider to that listener; the app's side
 * (PKCE, redeeming the one-time code). Short names: test code only.
 */

#define CLIENT_ID     "1234.apps.example.com"
#define CLIENT_SECRET "fake-client-secret"
#define WAIT_MS       KITHD_TEST_WAIT_MS

extern KithFakeOidc    *fake;
extern KithdTestServer *server;        /* kithd naming the fake provider */
extern char            *listener_url;  /* the app's redirect */

/* What the app keeps for one sign-in. */
typedef struct {
  char *verifier;
  char *challenge;
  char *state;
  char *redirect_uri;
} App;

void             app_free               (App              *app);
App             *app_new                (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (App, app_free)

/* @method @url with libsoup, running the main context meanwhile (so that
 * listeners of the test answer); the status, the final URI in @final_uri,
 * the body in @body. Follows redirects unless @no_redirect. */
guint            http_request           (SoupSession      *session,
                                         const char       *method,
                                         const char       *url,
                                         const char       *form,
                                         gboolean          no_redirect,
                                         char            **final_uri,
                                         char            **location,
                                         char            **body);
GHashTable      *query_of               (const char       *uri);

char            *start_url              (KithdTestServer  *kithd,
                                         const char       *provider,
                                         const App        *app);
/* The whole sign-in in the browser, from kithd's start to the app's
 * listener: the query the listener got (code and state, or error,
 * error_description and state). */
GHashTable      *browse_sign_in         (KithdTestServer  *kithd,
                                         const App        *app);
/* A sign-in that must end with @error at the app (and no code). */
void             assert_sign_in_refused (KithdTestServer  *kithd,
                                         const char       *error);
char            *redeem_body            (const char       *code,
                                         const char       *verifier,
                                         const char       *redirect_uri);
/* Redeems @code as the app: the session's answer (201 asserted). */
JsonObject      *redeem                 (KithdTestServer  *kithd,
                                         const App        *app,
                                         const char       *code);
/* A whole sign-in that succeeds: the session (token, user). */
JsonObject      *sign_in                (KithdTestServer  *kithd);
gint64           count_users            (KithdTestServer  *kithd,
                                         const char       *email);

/* kithd with the fake provider and @extra (more kithd.conf text, nullable). */
KithdTestServer *start_kithd            (const char       *extra,
                                         char            **conf_dir);
void             stop_kithd             (KithdTestServer  *kithd,
                                         char             *conf_dir);
void             reset_fake             (void);

/* The fake provider, the app's loopback listener and a kithd naming the
 * provider (server) around g_test_run(). */
int              oidc_test_run          (void);

G_END_DECLS
