/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * JSON as the protocol reads it: strict RFC 8259 (json-glib alone is
 * lenient), valid UTF-8, no NUL byte, at most KITH_MAX_JSON_DEPTH levels,
 * an object at the root, and no string or member name with a \u0000
 * escape in it. Every decoder of the codec (kith-frame, kith-body,
 * kith-response) starts here.
 */

#define KITH_MAX_JSON_DEPTH 32

/* The root object of @data; NULL with INVALID_JSON (or INVALID_FIELD for
 * text that is not UTF-8) when it is not one. A string or member name
 * with a \u0000 in it is INVALID_FIELD naming where it is
 * ("user.first_name", "messages[2].body"), unless @nul_paths is given:
 * then it gets those places (NULL: nowhere), for a caller that reads only
 * the other members. */
JsonNode *kith_json_parse_object (const char  *data,
                                  gsize        length,
                                  GPtrArray  **nul_paths,
                                  GError     **error);

/* Whether @node is a value of @type (G_TYPE_STRING, G_TYPE_INT64, …). */
gboolean  kith_json_node_holds   (JsonNode    *node,
                                  GType        type);

G_END_DECLS
