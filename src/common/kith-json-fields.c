/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithJsonFields"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "kith-error.h"
#include "kith-json-fields.h"
#include "kith-json-strict.h"
#include "kith-text-rules.h"

/* ---- field access ---- */

#define FIELD_PTR(base, field) ((gpointer) ((guint8 *) (base) + (field)->offset))
#define FIELD_STRING(base, field) ((char **) FIELD_PTR (base, field))
#define FIELD_INT64(base, field) ((gint64 *) FIELD_PTR (base, field))
#define FIELD_BOOL(base, field) ((gboolean *) FIELD_PTR (base, field))
#define FIELD_ENUM(base, field) ((int *) FIELD_PTR (base, field))
#define FIELD_USER(base, field) ((KithUserInfo **) FIELD_PTR (base, field))
#define FIELD_OBJECT(base, field) ((gpointer *) FIELD_PTR (base, field))

static void
free_object (const KithFieldSpec *f,
             gpointer            *slot)
{
  if (*slot == NULL)
    return;
  kith_fields_free (f->sub, *slot);
  g_clear_pointer (slot, g_free);
}

void
kith_fields_free (const KithFieldSpec *fields,
                  gpointer             base)
{
  for (const KithFieldSpec *f = fields; f->name != NULL; f++) {
    if (f->kind == KIND_STRING)
      g_clear_pointer (FIELD_STRING (base, f), g_free);
    else if (f->kind == KIND_USER)
      g_clear_pointer (FIELD_USER (base, f), kith_user_info_free);
    else if (f->kind == KIND_OBJECT)
      free_object (f, FIELD_OBJECT (base, f));
  }
}

/* ---- JSON writing: compact, hand-written (kithd writes many frames) ---- */

void
kith_json_append_string (GString    *out,
                         const char *str)
{
  g_autofree char *valid = NULL;
  const char *run;
  const char *p;

  if (str == NULL)
    str = "";

  if (!g_utf8_validate (str, -1, NULL))
    str = valid = g_utf8_make_valid (str, -1);

  g_string_append_c (out, '"');

  run = str;
  for (p = str; *p != '\0'; p++) {
    guchar c = (guchar) *p;
    const char *escape = NULL;
    char buf[8];

    if (c >= 0x20 && c != '"' && c != '\\')
      continue;

    switch (c) {
    case '"': escape = "\\\""; break;
    case '\\': escape = "\\\\"; break;
    case '\b': escape = "\\b"; break;
    case '\f': escape = "\\f"; break;
    case '\n': escape = "\\n"; break;
    case '\r': escape = "\\r"; break;
    case '\t': escape = "\\t"; break;
    default:
      g_snprintf (buf, sizeof buf, "\\u%04x", c);
      escape = buf;
      break;
    }

    g_string_append_len (out, run, p - run);
    g_string_append (out, escape);
    run = p + 1;
  }

  g_string_append_len (out, run, p - run);
  g_string_append_c (out, '"');
}

void
kith_json_append_int (GString *out,
                      gint64   value)
{
  char buf[24];
  char *p = buf + sizeof buf;
  guint64 v = value < 0 ? -(guint64) value : (guint64) value;

  do {
    *--p = '0' + (v % 10);
    v /= 10;
  } while (v != 0);

  if (value < 0)
    *--p = '-';

  g_string_append_len (out, p, buf + sizeof buf - p);
}

char *
kith_json_finish (GString *out,
                  gsize   *length)
{
  if (length != NULL)
    *length = out->len;

  return g_string_free (out, FALSE);
}

static void
append_key (GString    *out,
            gboolean   *first,
            const char *key)
{
  if (!*first)
    g_string_append_c (out, ',');
  *first = FALSE;

  /* Keys are our own identifiers: no escaping needed. */
  g_string_append_c (out, '"');
  g_string_append (out, key);
  g_string_append (out, "\":");
}

void
kith_fields_write (GString             *out,
                   gboolean            *first,
                   const KithFieldSpec *fields,
                   gconstpointer        base,
                   guint                present)
{
  for (const KithFieldSpec *f = fields; f->name != NULL; f++) {
    if (!(f->flags & F_REQUIRED)) {
      gboolean given = f->present_flag != 0 && (present & f->present_flag);

      if ((f->flags & F_GATED) && !given)
        continue;
      if (f->kind == KIND_STRING || f->kind == KIND_OBJECT) {
        if (*FIELD_STRING (base, f) == NULL)
          continue;
      } else if (f->present_flag != 0 && !given) {
        continue;
      } else if ((f->flags & F_SKIP_0) && *FIELD_INT64 (base, f) == 0) {
        continue;
      }
    }

    append_key (out, first, f->name);

    switch (f->kind) {
    case KIND_STRING:
      kith_json_append_string (out, *FIELD_STRING (base, f));
      break;
    case KIND_INT:
    case KIND_ID:
      kith_json_append_int (out, *FIELD_INT64 (base, f));
      break;
    case KIND_BOOL:
      g_string_append (out, *FIELD_BOOL (base, f) ? "true" : "false");
      break;
    case KIND_USER:
      kith_user_info_write (out, *FIELD_USER (base, f));
      break;
    case KIND_ENUM:
      kith_json_append_string (out, kith_wire_enum_to_string (f->wire, *FIELD_ENUM (base, f)));
      break;
    case KIND_ERROR_CODE:
      kith_json_append_string (out, kith_error_code_to_string ((KithErrorCode) *FIELD_ENUM (base, f)));
      break;
    case KIND_OBJECT:
      if (*FIELD_OBJECT (base, f) == NULL)
        g_string_append (out, "null");
      else
        kith_fields_write_object (out, f->sub, *FIELD_OBJECT (base, f));
      break;
    default:
      g_assert_not_reached ();
    }
  }
}

void
kith_fields_write_object (GString             *out,
                          const KithFieldSpec *fields,
                          gconstpointer        base)
{
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  kith_fields_write (out, &first, fields, base, 0);
  g_string_append_c (out, '}');
}

/* ---- JSON reading ---- */

static char *
field_path (const char *prefix,
            const char *name)
{
  if (prefix == NULL || *prefix == '\0')
    return g_strdup (name);

  return g_strconcat (prefix, ".", name, NULL);
}

gboolean
kith_fields_type_error (GError     **error,
                        const char  *prefix,
                        const char  *name,
                        const char  *expected)
{
  g_autofree char *path = field_path (prefix, name);

  /* Translators: the first %s is a field name, the second e.g. "a string" */
  g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
               _("The field “%s” must be %s."), path, expected);

  return FALSE;
}

static gboolean
parse_string_field (JsonNode             *node,
                    const KithFieldSpec  *f,
                    gpointer              base,
                    const char           *prefix,
                    GError              **error)
{
  g_autofree char *value = NULL;
  const char *str;
  gsize len;

  if (!kith_json_node_holds (node, G_TYPE_STRING))
    return kith_fields_type_error (error, prefix, f->name, _("a string"));

  str = json_node_get_string (node);
  len = strlen (str);

  if (!g_utf8_validate (str, len, NULL)) {
    g_autofree char *path = field_path (prefix, f->name);
    g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                 _("The field “%s” is not valid UTF-8."), path);
    return FALSE;
  }

  if (f->max_bytes > 0 && len > f->max_bytes) {
    g_autofree char *path = field_path (prefix, f->name);
    g_set_error (error, KITH_ERROR, KITH_ERROR_TOO_LONG,
                 _("The field “%s” is too long: at most %u bytes are allowed."),
                 path, f->max_bytes);
    return FALSE;
  }

  if (f->flags & F_NAME) {
    g_autofree char *path = field_path (prefix, f->name);

    if (!kith_name_check (path, str, error))
      return FALSE;
  }

  value = g_strdup (str);
  if (f->flags & F_TRIM)
    g_strstrip (value);

  if ((f->flags & (F_TRIM | F_NONEMPTY)) && *value == '\0') {
    g_autofree char *path = field_path (prefix, f->name);
    g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                 _("The field “%s” must not be empty."), path);
    return FALSE;
  }

  if ((f->flags & F_EMAIL) && !kith_email_check (value, error))
    return FALSE;

  g_free (*FIELD_STRING (base, f));
  *FIELD_STRING (base, f) = g_steal_pointer (&value);

  return TRUE;
}

static gboolean
parse_field (JsonNode             *node,
             const KithFieldSpec  *f,
             gpointer              base,
             const char           *prefix,
             GError              **error)
{
  switch (f->kind) {
  case KIND_STRING:
    return parse_string_field (node, f, base, prefix, error);

  case KIND_INT:
  case KIND_ID: {
    gint64 value;

    if (!kith_json_node_holds (node, G_TYPE_INT64) ||
        (value = json_node_get_int (node)) < (f->kind == KIND_ID ? 1 : 0))
      return kith_fields_type_error (error, prefix, f->name,
                                     f->kind == KIND_ID ? _("a positive integer")
                                                        : _("a non-negative integer"));
    *FIELD_INT64 (base, f) = value;
    return TRUE;
  }

  case KIND_BOOL:
    if (!kith_json_node_holds (node, G_TYPE_BOOLEAN))
      return kith_fields_type_error (error, prefix, f->name, _("true or false"));
    *FIELD_BOOL (base, f) = json_node_get_boolean (node);
    return TRUE;

  case KIND_USER: {
    g_autofree char *path = NULL;
    KithUserInfo *user;

    if (!JSON_NODE_HOLDS_OBJECT (node))
      return kith_fields_type_error (error, prefix, f->name, _("an object"));

    path = field_path (prefix, f->name);
    user = kith_user_info_parse (json_node_get_object (node), path, error);
    if (user == NULL)
      return FALSE;

    g_clear_pointer (FIELD_USER (base, f), kith_user_info_free);
    *FIELD_USER (base, f) = user;
    return TRUE;
  }

  case KIND_ENUM: {
    int value = 0;

    if (!kith_json_node_holds (node, G_TYPE_STRING) ||
        !kith_wire_enum_from_string (f->wire, json_node_get_string (node), &value))
      return kith_fields_type_error (error, prefix, f->name, _(f->wire->expected));

    *FIELD_ENUM (base, f) = value;
    return TRUE;
  }

  case KIND_ERROR_CODE: {
    KithErrorCode code;

    if (!kith_json_node_holds (node, G_TYPE_STRING))
      return kith_fields_type_error (error, prefix, f->name, _("a string"));

    /* Forward compatible: a code this build does not know is "internal". */
    kith_error_code_from_string (json_node_get_string (node), &code);
    *FIELD_ENUM (base, f) = code;
    return TRUE;
  }

  case KIND_OBJECT: {
    g_autofree char *path = NULL;
    gpointer object;

    if (!JSON_NODE_HOLDS_OBJECT (node))
      return kith_fields_type_error (error, prefix, f->name, _("an object"));

    path = field_path (prefix, f->name);
    object = g_malloc0 (f->sub_size);
    if (!kith_fields_parse (json_node_get_object (node), f->sub, object, path, NULL, error)) {
      kith_fields_free (f->sub, object);
      g_free (object);
      return FALSE;
    }

    free_object (f, FIELD_OBJECT (base, f));
    *FIELD_OBJECT (base, f) = object;
    return TRUE;
  }

  default:
    g_assert_not_reached ();
  }
}

gboolean
kith_fields_parse (JsonObject           *object,
                   const KithFieldSpec  *fields,
                   gpointer              base,
                   const char           *prefix,
                   guint                *present,
                   GError              **error)
{
  for (const KithFieldSpec *f = fields; f->name != NULL; f++) {
    JsonNode *node = json_object_get_member (object, f->name);

    if (node == NULL) {
      if (f->flags & F_REQUIRED) {
        g_autofree char *path = field_path (prefix, f->name);
        g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                     _("The field “%s” is missing."), path);
        return FALSE;
      }
      continue;
    }

    if (!parse_field (node, f, base, prefix, error))
      return FALSE;

    if (present != NULL)
      *present |= f->present_flag;
  }

  return TRUE;
}
