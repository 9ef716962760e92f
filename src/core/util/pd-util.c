/* pd-util.c — small helpers shared across libproofdesk. */
#define G_LOG_DOMAIN "pd-util"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/pd-error.h"
#include "util/pd-private.h"
#include "util/pd-util.h"

char *
pd_hex_encode (const guint8 *data, gsize len)
{
  static const char hex[] = "0123456789abcdef";
  char *out = g_malloc (len * 2 + 1);

  for (gsize i = 0; i < len; i++)
    {
      out[2 * i] = hex[data[i] >> 4];
      out[2 * i + 1] = hex[data[i] & 0xf];
    }
  out[len * 2] = '\0';
  return out;
}

gboolean
pd_hex_decode (const char *hex, guint8 *out, gsize out_len)
{
  if (hex == NULL || strlen (hex) != out_len * 2)
    return FALSE;
  for (gsize i = 0; i < out_len; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]);
      int lo = g_ascii_xdigit_value (hex[2 * i + 1]);

      if (hi < 0 || lo < 0)
        return FALSE;
      out[i] = (guint8) (hi << 4 | lo);
    }
  return TRUE;
}

char *
pd_sha256_bytes (const guint8 *data, gsize len)
{
  guint8 md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;

  if (!EVP_Digest (data, len, md, &md_len, EVP_sha256 (), NULL))
    return NULL;
  return pd_hex_encode (md, md_len);
}

char *
pd_sha256_file (const char *path, guint64 *size_out, GCancellable *cancellable, GError **error)
{
  return pd_sha256_file_prefixes (path, NULL, 0, NULL, size_out, cancellable, error);
}

/* Opens `path` for hashing without blocking on a FIFO or device, refusing anything that is not
 * a regular file (a folder keeps G_IO_ERROR_IS_DIRECTORY). A descriptor or -1. */
static int
open_for_hash (const char *path, GError **error)
{
  struct stat st = { 0 };
  int fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot open “%s”: %s"), path, g_strerror (saved));
      return -1;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      if (S_ISDIR (st.st_mode))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY, _("Cannot read “%s”: %s"), path,
                     g_strerror (EISDIR));
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                     _("“%s” is not a regular file."), path);
      return -1;
    }
  return fd;
}

char *
pd_sha256_file_prefixes (const char *path, const guint64 *offsets, guint n_offsets,
                         char ***prefix_out, guint64 *size_out, GCancellable *cancellable,
                         GError **error)
{
  char *hex;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);

  fd = open_for_hash (path, error);
  if (fd < 0)
    return NULL;
  hex = pd_sha256_fd_prefixes (fd, path, offsets, n_offsets, prefix_out, size_out, cancellable,
                               error);
  close (fd);
  return hex;
}

char *
pd_sha256_fd (int fd, const char *name, guint64 *size_out, GCancellable *cancellable,
              GError **error)
{
  return pd_sha256_fd_prefixes (fd, name, NULL, 0, NULL, size_out, cancellable, error);
}

char *
pd_sha256_fd_prefixes (int fd, const char *name, const guint64 *offsets, guint n_offsets,
                       char ***prefix_out, guint64 *size_out, GCancellable *cancellable,
                       GError **error)
{
  g_autoptr (EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
  g_autoptr (EVP_MD_CTX) scratch = EVP_MD_CTX_new ();
  g_autofree guint8 *buf = NULL;
  g_auto (GStrv) prefixes = NULL;
  guint8 md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  guint64 total = 0;
  guint next = 0;

  g_return_val_if_fail (fd >= 0, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (ctx == NULL || scratch == NULL || !EVP_DigestInit_ex (ctx, EVP_sha256 (), NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("SHA-256 is not available."));
      return NULL;
    }
  prefixes = g_new0 (char *, n_offsets + 1);
#ifdef POSIX_FADV_SEQUENTIAL
  posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  buf = g_malloc (1 << 20);
  for (;;)
    {
      ssize_t n;
      gsize want = 1 << 20;

      /* Stop reading exactly at the next prefix boundary so its digest can be taken. */
      while (next < n_offsets && offsets[next] == total)
        {
          if (EVP_MD_CTX_copy_ex (scratch, ctx) && EVP_DigestFinal_ex (scratch, md, &md_len))
            prefixes[next] = pd_hex_encode (md, md_len);
          next++;
        }
      if (next < n_offsets && offsets[next] > total && offsets[next] - total < want)
        want = (gsize) (offsets[next] - total);

      n = read (fd, buf, want);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Cannot read “%s”: %s"), name, g_strerror (saved));
          return NULL;
        }
      if (n == 0)
        break;
      EVP_DigestUpdate (ctx, buf, (size_t) n);
      total += (guint64) n;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
    }
  EVP_DigestFinal_ex (ctx, md, &md_len);
  if (size_out)
    *size_out = total;
  if (prefix_out)
    *prefix_out = g_steal_pointer (&prefixes);
  return pd_hex_encode (md, md_len);
}

char *
pd_time_format_utc (GDateTime *dt)
{
  g_autoptr (GDateTime) utc = g_date_time_to_utc (dt);
  g_autofree char *base = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", base, g_date_time_get_microsecond (utc) / 1000);
}

GDateTime *
pd_time_parse (const char *rfc3339)
{
  if (rfc3339 == NULL)
    return NULL;
  return g_date_time_new_from_iso8601 (rfc3339, NULL);
}

GDateTime *
pd_time_from_unix_usec (gint64 usec)
{
  g_autoptr (GDateTime) secs = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);

  return g_date_time_add (secs, usec % G_USEC_PER_SEC);
}

char *
pd_format_stream_time (guint64 ns)
{
  guint64 s = ns / G_GUINT64_CONSTANT (1000000000);

  return g_strdup_printf ("%02u:%02u:%02u", (guint) (s / 3600), (guint) (s / 60 % 60),
                          (guint) (s % 60));
}

char *
pd_safe_component (const char *name, const char *fallback)
{
  GString *out;
  const char *p;

  if (name == NULL || !g_utf8_validate (name, -1, NULL))
    return g_strdup (fallback);

  out = g_string_new (NULL);
  for (p = name; *p && out->len < 120; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      /* Separators, controls and bidi overrides would make a path lie about itself. */
      if (c == '/' || c == '\\' || c == ':' || g_unichar_iscntrl (c) ||
          (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) ||
          g_unichar_type (c) == G_UNICODE_FORMAT)
        g_string_append_c (out, '_');
      else if (g_unichar_isspace (c))
        g_string_append_c (out, '-');
      else
        g_string_append_unichar (out, c);
    }
  while (out->len > 0 && out->str[0] == '.')
    g_string_erase (out, 0, 1);
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return g_strdup (fallback);
    }
  return g_string_free (out, FALSE);
}

/* Characters that move the cursor, change colours or reorder what the reader sees. */
static gboolean
unichar_needs_escape (gunichar c)
{
  return c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x061c || c == 0x200e || c == 0x200f ||
         c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e) ||
         (c >= 0x2066 && c <= 0x2069);
}

char *
pd_text_sanitize_terminal (const char *s)
{
  GString *out;
  const char *p, *end;

  if (s == NULL)
    return g_strdup ("");
  out = g_string_sized_new (strlen (s));
  end = s + strlen (s);
  for (p = s; p < end;)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_printf (out, "\\x%02x", (guchar) *p);
          p++;
          continue;
        }
      if (c == '\\')
        g_string_append (out, "\\\\");
      else if (c < 0x80 && unichar_needs_escape (c))
        g_string_append_printf (out, "\\x%02x", c);
      else if (unichar_needs_escape (c))
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
      p = g_utf8_next_char (p);
    }
  return g_string_free (out, FALSE);
}

gboolean
pd_mkdir_private (const char *path, GError **error)
{
  if (g_mkdir_with_parents (path, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_IO,
                   _("Cannot create the folder “%s”: %s"), path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

gboolean
pd_write_file_once (const char *path, const void *data, gsize len, GError **error)
{
  const guint8 *p = data;
  int fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, PD_PACKAGE_ERROR,
                   saved == EEXIST ? PD_PACKAGE_ERROR_EXISTS : PD_PACKAGE_ERROR_IO,
                   saved == EEXIST ? _("Refusing to overwrite the evidence file “%s”.")
                                   : _("Cannot create “%s”: %s"),
                   path, g_strerror (saved));
      return FALSE;
    }
  while (len > 0)
    {
      ssize_t n = write (fd, p, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          close (fd);
          g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_IO,
                       _("Cannot write “%s”: %s"), path, g_strerror (saved));
          return FALSE;
        }
      p += n;
      len -= (gsize) n;
    }
  if (fsync (fd) != 0 || close (fd) != 0)
    {
      int saved = errno;
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_IO,
                   _("Cannot write “%s”: %s"), path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

char *
pd_data_dir (void)
{
  const char *override = g_getenv ("PROOFDESK_DATA_DIR");

  if (override != NULL && *override != '\0')
    return g_strdup (override);
  return g_build_filename (g_get_user_data_dir (), "proofdesk", NULL);
}

char *
pd_default_evidence_root (void)
{
  g_autofree char *data = pd_data_dir ();

  return g_build_filename (data, "evidence", NULL);
}

/* GSettings aborts on a missing schema; the CLI must work uninstalled, so look it up first. */
static char *
config_string (const char *key)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;
  g_autoptr (GSettings) settings = NULL;
  char *value;

  if (source == NULL)
    return NULL;
  schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, key))
    return NULL;
  settings = g_settings_new_full (schema, NULL, NULL);
  value = g_settings_get_string (settings, key);
  if (value != NULL && *value == '\0')
    g_clear_pointer (&value, g_free);
  return value;
}

char *
pd_config_get_tsa_url (void)
{
  const char *env = g_getenv ("PROOFDESK_TSA_URL");
  char *value;

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  value = config_string ("tsa-url");
  return value ? value : g_strdup ("local");
}

char *
pd_config_get_evidence_root (void)
{
  char *value = config_string ("evidence-root");

  return value ? value : pd_default_evidence_root ();
}

const char *
pd_json_string (JsonObject *o, const char *key)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, key) : NULL;

  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
           ? json_node_get_string (n) : NULL;
}

JsonObject *
pd_json_object (JsonObject *o, const char *key)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, key) : NULL;

  return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

JsonArray *
pd_json_array (JsonObject *o, const char *key)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, key) : NULL;

  return n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

JsonObject *
pd_json_array_object (JsonArray *a, guint i)
{
  JsonNode *n = a != NULL && i < json_array_get_length (a) ? json_array_get_element (a, i) : NULL;

  return n != NULL && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

char *
pd_format_thousands (guint64 n)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GUINT64_FORMAT, n);
  GString *out = g_string_new (NULL);
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}
