/* pd-package.c — evidence package folders: created once, files written once, manifest last. */
#define G_LOG_DOMAIN "pd-package"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "pd-error.h"
#include "pd-package.h"
#include "pd-util.h"

typedef struct
{
  char   *name;
  guint64 size;
  char   *sha256;
} PdFileEntry;

struct _PdPackage
{
  GObject parent_instance;

  /* Owned references */
  char       *path;
  JsonObject *manifest;
  GPtrArray  *files;     /* of PdFileEntry */
};

G_DEFINE_FINAL_TYPE (PdPackage, pd_package, G_TYPE_OBJECT)

static void
pd_file_entry_free (PdFileEntry *entry)
{
  g_free (entry->name);
  g_free (entry->sha256);
  g_free (entry);
}

static void
pd_package_finalize (GObject *object)
{
  PdPackage *self = PD_PACKAGE (object);

  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->manifest, json_object_unref);
  g_clear_pointer (&self->files, g_ptr_array_unref);
  G_OBJECT_CLASS (pd_package_parent_class)->finalize (object);
}

static void
pd_package_class_init (PdPackageClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pd_package_finalize;
}

static void
pd_package_init (PdPackage *self)
{
  self->manifest = json_object_new ();
  self->files = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_file_entry_free);
}

PdPackage *
pd_package_create (const char *evidence_root, const char *case_name, const char *scenario,
                   GDateTime *started, GError **error)
{
  g_autoptr (PdPackage) self = NULL;
  g_autofree char *case_dir = NULL;
  g_autofree char *safe_case = pd_safe_component (case_name, "unfiled");
  g_autofree char *safe_scenario = pd_safe_component (scenario, "recording");
  g_autoptr (GDateTime) local = g_date_time_to_local (started);
  g_autofree char *stamp = g_date_time_format (local, "%Y%m%d-%H%M%S");

  g_return_val_if_fail (evidence_root != NULL, NULL);

  case_dir = g_build_filename (evidence_root, safe_case, NULL);
  if (!pd_mkdir_private (case_dir, error))
    return NULL;

  for (guint n = 1; n < 1000; n++)
    {
      g_autofree char *leaf = n == 1 ? g_strdup_printf ("%s-%s", stamp, safe_scenario)
                                     : g_strdup_printf ("%s-%s-%u", stamp, safe_scenario, n);
      g_autofree char *path = g_build_filename (case_dir, leaf, NULL);

      if (g_mkdir (path, 0700) == 0)
        {
          self = g_object_new (PD_TYPE_PACKAGE, NULL);
          self->path = g_steal_pointer (&path);
          break;
        }
      if (errno != EEXIST)
        {
          int saved = errno;
          g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_IO,
                       _("Cannot create the evidence folder “%s”: %s"), path, g_strerror (saved));
          return NULL;
        }
    }
  if (self == NULL)
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_EXISTS,
                   _("Too many evidence folders named “%s-%s” already exist."), stamp, safe_scenario);
      return NULL;
    }
  return g_steal_pointer (&self);
}

PdPackage *
pd_package_open (const char *path, GError **error)
{
  g_autoptr (PdPackage) self = g_object_new (PD_TYPE_PACKAGE, NULL);
  g_autofree char *manifest_path = g_build_filename (path, PD_MANIFEST_NAME, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_IO,
                   _("“%s” is not a folder."), path);
      return NULL;
    }
  self->path = g_canonicalize_filename (path, NULL);
  if (!json_parser_load_from_mapped_file (parser, manifest_path, error))
    {
      g_prefix_error (error, _("Cannot read the manifest of “%s”: "), path);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_MANIFEST,
                   _("The manifest of “%s” is not a JSON object."), path);
      return NULL;
    }
  json_object_unref (self->manifest);
  self->manifest = json_object_ref (json_node_get_object (root));
  return g_steal_pointer (&self);
}

const char *
pd_package_get_path (PdPackage *self)
{
  g_return_val_if_fail (PD_IS_PACKAGE (self), NULL);
  return self->path;
}

char *
pd_package_file_path (PdPackage *self, const char *relname, GError **error)
{
  g_auto (GStrv) parts = NULL;

  g_return_val_if_fail (PD_IS_PACKAGE (self), NULL);

  if (relname == NULL || *relname == '\0' || g_path_is_absolute (relname) ||
      !g_utf8_validate (relname, -1, NULL))
    goto bad;
  parts = g_strsplit (relname, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] == '\0' || g_str_equal (parts[i], ".") || g_str_equal (parts[i], "..") ||
        strchr (parts[i], '\\') != NULL)
      goto bad;
  return g_build_filename (self->path, relname, NULL);

bad:
  g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_NAME,
               _("“%s” is not a file name inside the package."), relname ? relname : "(null)");
  return NULL;
}

void
pd_package_add_file_entry (PdPackage *self, const char *relname, guint64 size, const char *sha256)
{
  PdFileEntry *entry;

  g_return_if_fail (PD_IS_PACKAGE (self));

  entry = g_new0 (PdFileEntry, 1);
  entry->name = g_strdup (relname);
  entry->size = size;
  entry->sha256 = g_strdup (sha256);
  g_ptr_array_add (self->files, entry);
}

gboolean
pd_package_write_file (PdPackage *self, const char *relname, GBytes *contents, GError **error)
{
  g_autofree char *path = pd_package_file_path (self, relname, error);
  g_autofree char *dir = NULL;
  g_autofree char *sha = NULL;
  gsize len;
  const guint8 *data;

  if (path == NULL)
    return FALSE;
  dir = g_path_get_dirname (path);
  if (!pd_mkdir_private (dir, error))
    return FALSE;
  data = g_bytes_get_data (contents, &len);
  if (!pd_write_file_once (path, data, len, error))
    return FALSE;
  sha = pd_sha256_bytes (data, len);
  pd_package_add_file_entry (self, relname, len, sha);
  return TRUE;
}

JsonObject *
pd_package_get_manifest (PdPackage *self)
{
  g_return_val_if_fail (PD_IS_PACKAGE (self), NULL);
  return self->manifest;
}

GBytes *
pd_package_write_manifest (PdPackage *self, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *path = NULL;
  JsonArray *files = json_array_new ();
  char *text;
  gsize len;

  g_return_val_if_fail (PD_IS_PACKAGE (self), NULL);

  for (guint i = 0; i < self->files->len; i++)
    {
      PdFileEntry *entry = g_ptr_array_index (self->files, i);
      JsonObject *o = json_object_new ();

      json_object_set_string_member (o, "name", entry->name);
      json_object_set_int_member (o, "size", (gint64) entry->size);
      json_object_set_string_member (o, "sha256", entry->sha256);
      json_array_add_object_element (files, o);
    }
  json_object_set_array_member (self->manifest, "files", files);

  root = json_node_init_object (json_node_alloc (), self->manifest);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  text = json_generator_to_data (gen, &len);
  /* A trailing newline keeps `cat manifest.json` readable; it is part of the hashed bytes. */
  text = g_realloc (text, len + 2);
  text[len++] = '\n';
  text[len] = '\0';

  path = g_build_filename (self->path, PD_MANIFEST_NAME, NULL);
  if (!pd_write_file_once (path, text, len, error))
    {
      g_free (text);
      return NULL;
    }
  return g_bytes_new_take (text, len);
}

static gboolean
remove_empty_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (!g_file_test (child, G_FILE_TEST_IS_DIR) || g_file_test (child, G_FILE_TEST_IS_SYMLINK) ||
          !remove_empty_tree (child))
        return FALSE;
    }
  return g_rmdir (path) == 0;
}

gboolean
pd_package_discard_if_empty (PdPackage *self)
{
  g_return_val_if_fail (PD_IS_PACKAGE (self), FALSE);
  return remove_empty_tree (self->path);
}
