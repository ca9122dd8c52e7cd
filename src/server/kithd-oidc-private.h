/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "kithd-oidc.h"
#include "kithd-oidc-token.h"

G_BEGIN_DECLS

/*
 * Between KithdOidc's files: kithd-oidc.c (flows, one-time codes, start,
 * callback, redeem), kithd-oidc-provider.c (a provider's discovery
 * document and JWKS, fetched and cached), kithd-oidc-fetch.c (one bounded
 * HTTP fetch) and kithd-oidc-token.c (the ID token, with librhonabwy).
 *
 * kithd-oidc-token.c has a header of its own (kithd-oidc-token.h).
 */

/* ---- kithd-oidc-fetch.c ---- */

/* Sends @msg on @session: its body, at most KITHD_OIDC_FETCH_MAX_BYTES,
 * within KITHD_OIDC_FETCH_TIMEOUT_MS in all; redirects are not followed.
 * Any HTTP status is a result (in @status); G_IO_ERROR on a failed
 * connection, a timeout (G_IO_ERROR_TIMED_OUT) or a body too large
 * (G_IO_ERROR_MESSAGE_TOO_LARGE). */
void        kithd_oidc_fetch_async      (SoupSession          *session,
                                         SoupMessage          *msg,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
GBytes     *kithd_oidc_fetch_finish     (GAsyncResult         *result,
                                         guint                *status,
                                         GError              **error);

/* ---- kithd-oidc-provider.c ---- */

/* One [oidc:ID] provider at run time: its configuration, and its
 * discovery document and keys once fetched. */
typedef struct _KithdOidcProvider KithdOidcProvider;

KithdOidcProvider *kithd_oidc_provider_new     (const KithdOidcProviderConfig *config,
                                                SoupSession                   *session);
void               kithd_oidc_provider_free    (KithdOidcProvider             *self);
const KithdOidcProviderConfig *
                   kithd_oidc_provider_get_config (KithdOidcProvider          *self);

/* The discovery document, fetched once and cached (an hour); after that
 * the endpoints below are set. Waiters on one fetch share it. */
void               kithd_oidc_provider_discover_async  (KithdOidcProvider    *self,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
gboolean           kithd_oidc_provider_discover_finish (KithdOidcProvider    *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
const char        *kithd_oidc_provider_get_authorization_endpoint (KithdOidcProvider *self);
const char        *kithd_oidc_provider_get_token_endpoint         (KithdOidcProvider *self);

/* The keys: the cached ones, or fetched (first time, or with @refresh
 * when the last fetch is KITHD_OIDC_JWKS_REFRESH_MS old). *@fetched: whether
 * this call fetched them. */
void               kithd_oidc_provider_get_keys_async  (KithdOidcProvider    *self,
                                                        gboolean              refresh,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
KithdOidcKeys     *kithd_oidc_provider_get_keys_finish (KithdOidcProvider    *self,
                                                        GAsyncResult         *result,
                                                        gboolean             *fetched,
                                                        GError              **error);

G_END_DECLS
