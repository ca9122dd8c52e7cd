/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithJsonStrict"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "kith-error.h"
#include "kith-json-strict.h"

/* json-glib is lenient (single quotes, comments, hex numbers, raw control
 * characters in strings, text after the root value…). This checks the
 * strict grammar of RFC 8259 first, in one pass, with a nesting limit. */

/* A string with a \u0000 escape is refused, everywhere: json-glib would
 * cut the value at the NUL (a body, an id, a password that then matches on
 * its prefix). The check notes where each one is, named as the codec
 * names a field ("user.first_name", "messages[2].body"). */
/* A field named in an error: at most this many characters of its path. */
#define MAX_NAMED_PATH_CHARS 40

typedef struct {
  const char *key;            /* the member name as written, or NULL: an array element */
  gsize       key_len;
  guint       index;
} JsonCheckStep;

typedef struct {
  const char    *p;
  const char    *end;
  const char    *problem;
  JsonCheckStep  path[KITH_MAX_JSON_DEPTH];
  GPtrArray     *nul_paths;   /* char *: where a \u0000 is; NULL: nowhere */
} JsonCheck;

static void
check_ws (JsonCheck *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    c->p++;
}

static gboolean
check_fail (JsonCheck  *c,
            const char *problem)
{
  if (c->problem == NULL)
    c->problem = problem;

  return FALSE;
}

/* Reads the 4 hex digits of a \u escape at @p (checked before). */
static gunichar
hex4 (const char *p)
{
  gunichar value = 0;

  for (int i = 0; i < 4; i++)
    value = (value << 4) | g_ascii_xdigit_value (p[i]);

  return value;
}

/* A member name as json-glib reads it (escapes decoded, cut at a NUL). */
static void
append_unescaped (GString    *out,
                  const char *key,
                  gsize       len)
{
  const char *end = key + len;

  for (const char *p = key; p < end; p++) {
    gunichar ch;

    if (*p != '\\') {
      g_string_append_c (out, *p);
      continue;
    }

    p++;
    switch (*p) {
    case 'b': ch = '\b'; break;
    case 'f': ch = '\f'; break;
    case 'n': ch = '\n'; break;
    case 'r': ch = '\r'; break;
    case 't': ch = '\t'; break;
    case 'u':
      ch = hex4 (p + 1);
      p += 4;
      if (ch >= 0xd800 && ch < 0xdc00 && end - p > 6 && p[1] == '\\' && p[2] == 'u') {
        gunichar low = hex4 (p + 3);

        if (low >= 0xdc00 && low < 0xe000) {
          ch = 0x10000 + ((ch - 0xd800) << 10) + (low - 0xdc00);
          p += 6;
        }
      }
      if (ch >= 0xd800 && ch < 0xe000)
        ch = 0xfffd;
      break;
    default: ch = (guchar) *p; break;
    }

    if (ch == 0)
      return;
    g_string_append_unichar (out, ch);
  }
}

/* Notes that the value at c->path[0 .. depth-1] holds a \u0000. */
static void
note_nul (JsonCheck *c,
          guint      depth)
{
  GString *path = g_string_new (NULL);

  for (guint i = 0; i < depth; i++) {
    const JsonCheckStep *step = &c->path[i];

    if (step->key == NULL) {
      g_string_append_printf (path, "[%u]", step->index);
    } else {
      if (i > 0)
        g_string_append_c (path, '.');
      append_unescaped (path, step->key, step->key_len);
    }
  }

  if (c->nul_paths == NULL)
    c->nul_paths = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (c->nul_paths, g_string_free (path, FALSE));
}

/* Four hex digits of a \u escape; c->p past them. */
static gboolean
check_hex4 (JsonCheck *c)
{
  for (int i = 0; i < 4; i++) {
    if (c->p >= c->end || !g_ascii_isxdigit (*c->p))
      return FALSE;
    c->p++;
  }
  return TRUE;
}

/* @has_nul: set when the string has a \u0000 escape. */
static gboolean
check_string (JsonCheck *c,
              gboolean  *has_nul)
{
  c->p++; /* the opening quote */
  *has_nul = FALSE;

  while (c->p < c->end) {
    guchar ch = (guchar) *c->p++;

    if (ch == '"')
      return TRUE;
    if (ch < 0x20)
      return check_fail (c, _("a control character in a string"));
    if (ch == '\\') {
      if (c->p >= c->end)
        break;
      ch = (guchar) *c->p++;
      if (ch == 'u') {
        gunichar u;

        if (!check_hex4 (c))
          return check_fail (c, _("a bad \\u escape"));
        u = hex4 (c->p - 4);
        if (u == 0)
          *has_nul = TRUE;
        /* Half of a UTF-16 surrogate pair alone is no character; and
         * json-glib leaks memory on a high half followed by another
         * escape that is not a low half. */
        if (u >= 0xdc00 && u < 0xe000)
          return check_fail (c, _("half a character in a \\u escape"));
        if (u >= 0xd800 && u < 0xdc00) {
          if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u')
            return check_fail (c, _("half a character in a \\u escape"));
          c->p += 2;
          if (!check_hex4 (c))
            return check_fail (c, _("a bad \\u escape"));
          u = hex4 (c->p - 4);
          if (u < 0xdc00 || u >= 0xe000)
            return check_fail (c, _("half a character in a \\u escape"));
        }
      } else if (strchr ("\"\\/bfnrt", ch) == NULL || ch == '\0') {
        return check_fail (c, _("a bad escape in a string"));
      }
    }
  }

  return check_fail (c, _("an unterminated string"));
}

static gboolean
check_digits (JsonCheck *c)
{
  const char *start = c->p;

  while (c->p < c->end && g_ascii_isdigit (*c->p))
    c->p++;

  return c->p > start;
}

static gboolean
check_number (JsonCheck *c)
{
  if (*c->p == '-')
    c->p++;
  if (c->p < c->end && *c->p == '0')
    c->p++;
  else if (c->p >= c->end || *c->p < '1' || *c->p > '9' || !check_digits (c))
    return check_fail (c, _("a bad number"));

  if (c->p < c->end && *c->p == '.') {
    c->p++;
    if (!check_digits (c))
      return check_fail (c, _("a bad number"));
  }
  if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
    c->p++;
    if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
      c->p++;
    if (!check_digits (c))
      return check_fail (c, _("a bad number"));
  }

  return TRUE;
}

static gboolean
check_literal (JsonCheck  *c,
               const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (c->end - c->p) < len || memcmp (c->p, word, len) != 0)
    return check_fail (c, _("an unexpected character"));
  c->p += len;

  return TRUE;
}

static gboolean
check_value (JsonCheck *c,
             guint      depth)
{
  check_ws (c);
  if (c->p >= c->end)
    return check_fail (c, _("an unexpected end"));

  switch (*c->p) {
  case '{':
  case '[': {
    char close = *c->p == '{' ? '}' : ']';
    gboolean object = *c->p == '{';

    if (depth >= KITH_MAX_JSON_DEPTH)
      return check_fail (c, _("nesting that is too deep"));
    c->p++;
    check_ws (c);
    if (c->p < c->end && *c->p == close) {
      c->p++;
      return TRUE;
    }

    c->path[depth].key = NULL;
    c->path[depth].index = 0;

    for (;;) {
      if (object) {
        const char *key;
        gboolean has_nul;

        check_ws (c);
        if (c->p >= c->end || *c->p != '"')
          return check_fail (c, _("a member name that is not a string"));
        key = c->p + 1;
        if (!check_string (c, &has_nul))
          return FALSE;
        c->path[depth].key = key;
        c->path[depth].key_len = c->p - 1 - key;
        if (has_nul)
          note_nul (c, depth + 1);
        check_ws (c);
        if (c->p >= c->end || *c->p != ':')
          return check_fail (c, _("a missing colon"));
        c->p++;
      }
      if (!check_value (c, depth + 1))
        return FALSE;
      check_ws (c);
      if (c->p < c->end && *c->p == ',') {
        c->p++;
        c->path[depth].index++;
        continue;
      }
      if (c->p < c->end && *c->p == close) {
        c->p++;
        return TRUE;
      }
      return check_fail (c, _("a missing comma or closing bracket"));
    }
  }

  case '"': {
    gboolean has_nul;

    if (!check_string (c, &has_nul))
      return FALSE;
    if (has_nul)
      note_nul (c, depth);
    return TRUE;
  }
  case 't':
    return check_literal (c, "true");
  case 'f':
    return check_literal (c, "false");
  case 'n':
    return check_literal (c, "null");
  case '-':
  case '0': case '1': case '2': case '3': case '4':
  case '5': case '6': case '7': case '8': case '9':
    return check_number (c);
  default:
    return check_fail (c, _("an unexpected character"));
  }
}

/* @nul_paths: where the text has a \u0000 (NULL: nowhere). */
static gboolean
check_json_syntax (const char  *data,
                   gsize        length,
                   GPtrArray  **nul_paths,
                   GError     **error)
{
  JsonCheck c = { .p = data, .end = data + length };

  if (check_value (&c, 0)) {
    check_ws (&c);
    if (c.p == c.end) {
      *nul_paths = c.nul_paths;
      return TRUE;
    }
    check_fail (&c, _("text after the JSON value"));
  }

  g_clear_pointer (&c.nul_paths, g_ptr_array_unref);
  g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_JSON,
               _("This is not valid JSON: %s at byte %u."),
               c.problem, (guint) (c.p - data));

  return FALSE;
}

JsonNode *
kith_json_parse_object (const char  *data,
                        gsize        length,
                        GPtrArray  **nul_paths,
                        GError     **error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GPtrArray) nuls = NULL;
  JsonNode *root;

  if (data == NULL || length == 0) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_JSON,
                         _("The request is empty; a JSON object was expected."));
    return NULL;
  }

  /* JSON text is UTF-8 (RFC 8259): say which rule was broken. */
  if (memchr (data, '\0', length) != NULL) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_JSON,
                         _("This is not valid JSON: it contains a NUL byte."));
    return NULL;
  }
  if (!g_utf8_validate_len (data, length, NULL)) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                         _("The text is not valid UTF-8."));
    return NULL;
  }

  if (!check_json_syntax (data, length, &nuls, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, &local_error)) {
    /* json-glib may quote what it read, e.g. a lone \ud800 decoded to
     * invalid UTF-8; our messages are always valid UTF-8. */
    g_autofree char *detail = g_utf8_make_valid (local_error->message, -1);

    g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_JSON,
                 _("This is not valid JSON: %s"), detail);
    return NULL;
  }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_JSON,
                         _("A JSON object was expected."));
    return NULL;
  }

  if (nul_paths != NULL) {
    *nul_paths = g_steal_pointer (&nuls);
  } else if (nuls != NULL) {
    const char *path = g_ptr_array_index (nuls, 0);
    g_autofree char *shown = NULL;

    /* The name is the sender's: cut short, an error frame naming it stays
     * within its limit (KITH_MAX_ERROR_MESSAGE_BYTES). */
    if (g_utf8_strlen (path, -1) > MAX_NAMED_PATH_CHARS) {
      g_autofree char *start = g_utf8_substring (path, 0, MAX_NAMED_PATH_CHARS);

      shown = g_strconcat (start, "…", NULL);
    }
    /* Translators: %s is a field name; \u0000 is the JSON escape of a NUL character */
    g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                 _("The field “%s” contains a NUL character (\\u0000), which is not allowed."),
                 shown != NULL ? shown : path);
    return NULL;
  }

  return json_node_ref (root);
}

gboolean
kith_json_node_holds (JsonNode *node,
                      GType     type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}
