/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "kith-objects.h"
#include "kith-wire-enums.h"

G_BEGIN_DECLS

/*
 * The engine of the codec, internal to src/common (kith-protocol.h does not
 * include it). The codec is table-driven: every frame type (per origin),
 * REST body and object is a list of KithFieldSpec rows, and one parser
 * (kith_fields_parse) and one writer (kith_fields_write) walk them. A new
 * frame is one table row in kith-frame.c.
 */

typedef enum {
  KIND_STRING,
  KIND_INT,            /* gint64 >= 0 */
  KIND_ID,             /* gint64 >= 1: names a user */
  KIND_BOOL,
  KIND_USER,           /* KithUserInfo * */
  KIND_ENUM,           /* an enum of kith-wire-enums.h as its string (KithFieldSpec.wire) */
  KIND_ERROR_CODE,     /* KithErrorCode as its string; an unknown one reads as "internal" */
  KIND_OBJECT,         /* a pointer to a struct of KithFieldSpec.sub (sub_size bytes); NULL: absent */
} KithFieldKind;

typedef enum {
  F_NONE     = 0,
  F_REQUIRED = 1 << 0,
  F_NONEMPTY = 1 << 1, /* strings: not "" */
  F_TRIM     = 1 << 2, /* strings: stripped of surrounding white space, then not "" */
  F_EMAIL    = 1 << 3, /* strings: kith_email_check() or INVALID_EMAIL */
  F_GATED    = 1 << 4, /* written only when present_flag is given to the writer */
  F_NAME     = 1 << 5, /* strings: kith_name_check() or INVALID_FIELD */
  F_SKIP_0   = 1 << 6, /* integers, optional: not written when 0 */
} KithFieldFlags;

typedef struct _KithFieldSpec KithFieldSpec;

struct _KithFieldSpec {
  const char         *name;
  KithFieldKind       kind;
  KithFieldFlags      flags;
  guint               max_bytes;      /* strings; 0: no limit */
  gsize               offset;         /* into the struct being parsed or written */
  guint               present_flag;   /* set in *present when the member is given */
  const KithWireEnum *wire;           /* KIND_ENUM: the enum's names */
  const KithFieldSpec *sub;           /* KIND_OBJECT: the nested object's fields */
  gsize               sub_size;       /* KIND_OBJECT: the size of its struct */
};

#define FIELD_END { NULL, 0, 0, 0, 0, 0, NULL, NULL, 0 }

#define KITH_FIELD(type, name, kind, flags, max, member, present) \
  { name, kind, flags, max, G_STRUCT_OFFSET (type, member), present, NULL, NULL, 0 }
#define KITH_ENUM_FIELD(type, name, wire, flags, member, present) \
  { name, KIND_ENUM, flags, 0, G_STRUCT_OFFSET (type, member), present, wire, NULL, 0 }
/* @member points to a @subtype read and written with @sub. */
#define KITH_OBJECT_FIELD(type, name, flags, member, sub, subtype) \
  { name, KIND_OBJECT, flags, 0, G_STRUCT_OFFSET (type, member), 0, NULL, sub, sizeof (subtype) }

#define REQ F_REQUIRED
#define REQ_NONEMPTY (F_REQUIRED | F_NONEMPTY)

/* The objects' tables, and the user object's reader and writer
 * (kith-objects.c). */
extern const KithFieldSpec kith_contact_fields[];
extern const KithFieldSpec kith_message_fields[];
extern const KithFieldSpec kith_call_info_fields[];

/* @prefix: the path of @object in error messages (NULL at the root). */
KithUserInfo *kith_user_info_parse (JsonObject          *object,
                                    const char          *prefix,
                                    GError             **error);
/* {…} of @user, with its settings when it has them; null for NULL. */
void          kith_user_info_write (GString             *out,
                                    const KithUserInfo  *user);

/* Frees the strings, users and objects that @fields name in @base (not @base). */
void      kith_fields_free         (const KithFieldSpec  *fields,
                                    gpointer              base);

/* Reads the members of @object that @fields name into @base; @prefix is
 * the path of @object in error messages (NULL at the root). Required
 * members missing, wrong types, strings over their limit… are errors;
 * unknown members are ignored. Sets in @present (when given) the
 * present_flag of each member found. */
gboolean  kith_fields_parse        (JsonObject           *object,
                                    const KithFieldSpec  *fields,
                                    gpointer              base,
                                    const char           *prefix,
                                    guint                *present,
                                    GError              **error);

/* Writes the members of @fields (without braces), a comma before each but
 * the first (*@first: none written yet). Required members are always
 * written. Optional ones: F_GATED members only when their present_flag is
 * in @present; strings when they are set; members with a present_flag
 * when it is in @present; others always. */
void      kith_fields_write        (GString              *out,
                                    gboolean             *first,
                                    const KithFieldSpec  *fields,
                                    gconstpointer         base,
                                    guint                 present);
/* {…} of @fields in @base. */
void      kith_fields_write_object (GString              *out,
                                    const KithFieldSpec  *fields,
                                    gconstpointer         base);

/* INVALID_FIELD: "The field “PREFIX.NAME” must be EXPECTED."; FALSE. */
gboolean  kith_fields_type_error   (GError              **error,
                                    const char           *prefix,
                                    const char           *name,
                                    const char           *expected);

/* Compact JSON writing, by hand (kithd writes many frames). */
void      kith_json_append_string  (GString              *out,
                                    const char           *str);
void      kith_json_append_int     (GString              *out,
                                    gint64                value);
/* Frees @out and returns its text, its length in @length. */
char     *kith_json_finish         (GString              *out,
                                    gsize                *length);

G_END_DECLS
