/* pd-json.c — the one way libproofdesk parses JSON: limits checked on the raw bytes first. */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "util/pd-json.h"

G_DEFINE_QUARK (pd-json-error-quark, pd_json_error)

/* ---------------------------------------------------------------- the pre-scan */

typedef struct
{
  gboolean    is_object;
  gboolean    expect_key;  /* objects: the next string is a key */
  GHashTable *keys;        /* objects: the keys seen so far (decoded UTF-8) */
} Frame;

static void
frame_clear (gpointer data)
{
  Frame *f = data;

  g_clear_pointer (&f->keys, g_hash_table_unref);
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Four hex digits at p (p + 4 <= end), or -1. */
static int
read_hex4 (const char *p, const char *end)
{
  int v = 0;

  if (end - p < 4)
    return -1;
  for (int i = 0; i < 4; i++)
    {
      int d = hex_value (p[i]);
      if (d < 0)
        return -1;
      v = v * 16 + d;
    }
  return v;
}

static void
put_char (GString *out, gunichar c)
{
  if (out != NULL)
    g_string_append_unichar (out, c);
}

/* Appends the character of one escape sequence (p points after the backslash) to `out` (with
 * `out` NULL it only checks) and returns the first byte after it, or NULL for an escape JSON
 * does not have or a surrogate that is not part of a pair. */
static const char *
decode_escape (const char *p, const char *end, GString *out)
{
  int cp, lo;

  if (p >= end)
    return NULL;
  switch (*p)
    {
    case '"': case '\\': case '/':
      put_char (out, *p);
      return p + 1;
    case 'b': put_char (out, '\b'); return p + 1;
    case 'f': put_char (out, '\f'); return p + 1;
    case 'n': put_char (out, '\n'); return p + 1;
    case 'r': put_char (out, '\r'); return p + 1;
    case 't': put_char (out, '\t'); return p + 1;
    case 'u':
      if ((cp = read_hex4 (p + 1, end)) < 0)
        return NULL;
      p += 5;
      if (cp >= 0xD800 && cp <= 0xDBFF && end - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
          (lo = read_hex4 (p + 2, end)) >= 0xDC00 && lo <= 0xDFFF)
        {
          put_char (out, 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00));
          return p + 6;
        }
      /* A surrogate that is not part of a pair is no character: readers disagree on it. */
      if (cp >= 0xD800 && cp <= 0xDFFF)
        return NULL;
      put_char (out, (gunichar) cp);
      return p;
    default:
      return NULL;
    }
}

/* Scans the string starting after its opening quote; decodes it into `out` when not NULL.
 * Returns the byte after the closing quote, or NULL (unterminated, bad escape, NUL byte). */
static const char *
scan_string (const char *p, const char *end, GString *out)
{
  while (p < end)
    {
      const char *run = p;

      while (p < end && *p != '"' && *p != '\\' && *p != '\0')
        p++;
      if (out != NULL)
        g_string_append_len (out, run, p - run);
      if (p >= end || *p == '\0')
        return NULL;
      if (*p == '"')
        return p + 1;
      p = decode_escape (p + 1, end, out);
      if (p == NULL)
        return NULL;
    }
  return NULL;
}

static gboolean
fail (GError **error, PdJsonError code, const char *data, const char *at, const char *message)
{
  g_set_error (error, PD_JSON_ERROR, code, _("%s (at byte %zu)."), message,
               (gsize) (at - data));
  return FALSE;
}

/* `text` with control characters as \xNN: a key is attacker-chosen and may hold terminal
 * escapes; UTF-8 text (a Chinese key) stays readable. */
static char *
escape_controls (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *c = text; *c; c++)
    if ((guchar) *c < 0x20 || *c == 0x7f)
      g_string_append_printf (out, "\\x%02x", (guchar) *c);
    else
      g_string_append_c (out, *c);
  return g_string_free (out, FALSE);
}

static gboolean
check_key (Frame *top, GString *key, const char *data, const char *at, GError **error)
{
  g_autofree char *cut = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *message = NULL;

  if (top->keys == NULL)
    top->keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (g_hash_table_add (top->keys, g_strndup (key->str, key->len)))
    return TRUE;
  /* Shown cut and with its controls escaped. */
  cut = g_strndup (key->str, MIN (key->len, 64));
  shown = escape_controls (cut);
  message = g_strdup_printf (_("An object holds the key “%s” twice"), shown);
  return fail (error, PD_JSON_ERROR_DUPLICATE_KEY, data, at, message);
}

gboolean
pd_json_check (const char *data, gsize len, guint max_depth, GError **error)
{
  g_autoptr (GArray) stack = g_array_new (FALSE, TRUE, sizeof (Frame));
  g_autoptr (GString) key = g_string_new (NULL);
  const char *p = data, *end = data + len;
  gboolean done = FALSE; /* the root object or array has closed */

  g_array_set_clear_func (stack, frame_clear);
  if (max_depth == 0)
    max_depth = PD_JSON_MAX_DEPTH;
  while (p < end)
    {
      Frame *top = stack->len ? &g_array_index (stack, Frame, stack->len - 1) : NULL;
      const char *at = p;

      if (done && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
        return fail (error, PD_JSON_ERROR_SYNTAX, data, at, _("Something follows the end of the document"));
      switch (*p)
        {
        case '{':
        case '[':
          if (stack->len >= max_depth)
            {
              g_autofree char *m = g_strdup_printf (_("Nested more than %u levels deep"), max_depth);
              return fail (error, PD_JSON_ERROR_TOO_DEEP, data, at, m);
            }
          g_array_set_size (stack, stack->len + 1);
          top = &g_array_index (stack, Frame, stack->len - 1);
          top->is_object = *p == '{';
          top->expect_key = top->is_object;
          p++;
          break;
        case '}':
        case ']':
          if (top == NULL || top->is_object != (*p == '}'))
            return fail (error, PD_JSON_ERROR_SYNTAX, data, at, _("A bracket closes nothing it opened"));
          g_array_set_size (stack, stack->len - 1);
          done = stack->len == 0;
          p++;
          break;
        case ':':
          if (top != NULL && top->is_object)
            top->expect_key = FALSE;
          p++;
          break;
        case ',':
          if (top != NULL && top->is_object)
            top->expect_key = TRUE;
          p++;
          break;
        case '"':
          if (top != NULL && top->is_object && top->expect_key)
            {
              g_string_truncate (key, 0);
              if ((p = scan_string (p + 1, end, key)) == NULL)
                return fail (error, PD_JSON_ERROR_SYNTAX, data, at, _("A string is not terminated or holds a bad escape"));
              if (!check_key (top, key, data, at, error))
                return FALSE;
              top->expect_key = FALSE;
            }
          else if ((p = scan_string (p + 1, end, NULL)) == NULL)
            return fail (error, PD_JSON_ERROR_SYNTAX, data, at, _("A string is not terminated or holds a bad escape"));
          break;
        case '\0':
          return fail (error, PD_JSON_ERROR_SYNTAX, data, at, _("A NUL byte is not JSON"));
        default:
          p++;
          break;
        }
    }
  if (stack->len != 0)
    return fail (error, PD_JSON_ERROR_SYNTAX, data, end, _("The document ends inside an array or object"));
  return TRUE;
}

/* ---------------------------------------------------------------- parsing */

JsonNode *
pd_json_parse (const char *data, gsize len, gsize max_size, const char *what, GError **error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) local = NULL;
  JsonNode *root;

  g_return_val_if_fail (what != NULL, NULL);
  if (max_size != 0 && len > max_size)
    {
      g_set_error (error, PD_JSON_ERROR, PD_JSON_ERROR_TOO_LARGE,
                   _("%s is %zu bytes, more than the %zu allowed."),
                   what, len, max_size);
      return NULL;
    }
  if (len == 0 || data == NULL)
    {
      g_set_error (error, PD_JSON_ERROR, PD_JSON_ERROR_SYNTAX, _("%s is empty."), what);
      return NULL;
    }
  if (!pd_json_check (data, len, 0, &local))
    {
      g_set_error (error, PD_JSON_ERROR, local->code, _("%s is not acceptable JSON: %s"), what,
                   local->message);
      return NULL;
    }
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, (gssize) len, &local))
    {
      g_set_error (error, PD_JSON_ERROR, PD_JSON_ERROR_SYNTAX, _("%s is not JSON: %s"), what,
                   local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error (error, PD_JSON_ERROR, PD_JSON_ERROR_SYNTAX, _("%s is empty."), what);
      return NULL;
    }
  return json_node_copy (root);
}

JsonObject *
pd_json_parse_object (const char *data, gsize len, gsize max_size, const char *what,
                      GError **error)
{
  g_autoptr (JsonNode) root = pd_json_parse (data, len, max_size, what, error);

  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, PD_JSON_ERROR, PD_JSON_ERROR_NOT_OBJECT, _("%s is not a JSON object."),
                   what);
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}
