/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "kith-protocol.h"

G_BEGIN_DECLS

/* Helpers shared by the codec's tests (test-frame, test-body, test-response). */

/* User @id with names that need escaping; @own: with the settings of
 * the signed-in user's own record. */
KithUserInfo *make_user         (gint64              id,
                                 gboolean            own);
void          assert_user_equal (const KithUserInfo *a,
                                 const KithUserInfo *b);

/* @prefix, @bytes times 'y', @suffix: a JSON text with a string of
 * @bytes bytes. */
char         *frame_with_string (const char         *prefix,
                                 gsize               bytes,
                                 const char         *suffix);

G_END_DECLS
