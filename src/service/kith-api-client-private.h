/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kith-api-client.h"

G_BEGIN_DECLS

/* What the API client's files share: one request, and its ending. */

/* One of src/common's kith_response_parse_* readers of an answer's body. */
typedef gpointer (*ParseFunc) (const char *data, gsize size, GError **error);

/* Takes @body (JSON, or NULL). */
void     kith_api_client_request        (KithApiClient       *self,
                                         const char          *method,
                                         const char          *path,
                                         char                *body,
                                         gpointer             source_tag,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
GBytes  *kith_api_client_request_finish (KithApiClient       *self,
                                         GAsyncResult        *result,
                                         GError             **error);
/* The one ending of a call whose answer is one thing: what @parse reads from
 * the body, or the request's error (a body it cannot read: a protocol error,
 * worded as @bad_answer if set). */
gpointer kith_api_client_request_parse  (KithApiClient       *self,
                                         GAsyncResult        *result,
                                         ParseFunc            parse,
                                         const char          *bad_answer,
                                         GError             **error);

G_END_DECLS
