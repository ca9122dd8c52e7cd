/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * Protocol v1: the one place where the wire format is written in code.
 * docs/protocol.md is the prose reference; both must agree.
 *
 * This header gathers the codec's parts, so that a caller includes one:
 *   kith-limits.h       the version and the size limits
 *   kith-wire-enums.h   the enums sent as strings, each name written once
 *   kith-text-rules.h   what names and email addresses may hold
 *   kith-objects.h      users, contacts, messages, the server's description
 *   kith-frame.h        the socket's frames and close codes
 *   kith-body.h         REST request bodies
 *   kith-response.h     REST responses
 * Inside src/common, kith-json-strict.[ch] reads JSON strictly and
 * kith-json-fields.[ch] is the table-driven reader and writer they share.
 *
 * Every parser is strict: not JSON, not an object, a missing required field,
 * a field of the wrong JSON type, an unknown frame type, a string over its
 * limit or a payload over its limit give a GError in KITH_ERROR with the
 * matching code (INVALID_JSON, INVALID_FIELD, UNKNOWN_TYPE, TOO_LONG,
 * PAYLOAD_TOO_LARGE) and a message naming the field. Unknown *fields* are
 * ignored (forward compatibility). Strings must be valid UTF-8 and
 * hold no NUL: a \u0000 escape anywhere in the text (a value or a
 * member name, known or not) is INVALID_FIELD naming where it is.
 * Ids (users, seqs) are JSON integers; times are integers in milliseconds
 * since the Unix epoch (UTC).
 */

#include "kith-error.h"
#include "kith-presence-rules.h"

#include "kith-limits.h"
#include "kith-wire-enums.h"
#include "kith-text-rules.h"
#include "kith-objects.h"
#include "kith-frame.h"
#include "kith-body.h"
#include "kith-response.h"
