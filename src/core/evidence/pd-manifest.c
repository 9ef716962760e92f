/* pd-manifest.c — the one reader of manifest.json and journal.jsonl (see pd-manifest.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>

#include "evidence/pd-evidence-file.h"
#include "evidence/pd-manifest.h"
#include "evidence/pd-package.h"
#include "util/pd-error.h"
#include "util/pd-json.h"
#include "util/pd-util.h"

struct _PdManifest
{
  gatomicrefcount ref;
  GBytes         *bytes;
  char           *sha256;
  JsonObject     *root;
  /* Typed views, built on first use; their strings point into `root`. */
  gboolean        have_recording;
  PdManifestFile  recording;
  GArray         *files;       /* PdManifestFile */
  guint           files_skipped;
  GArray         *checkpoints; /* PdManifestCheckpoint */
  guint           checkpoints_skipped;
  GArray         *marks;       /* PdManifestMark */
  guint           marks_skipped;
};

G_DEFINE_BOXED_TYPE (PdManifest, pd_manifest, pd_manifest_ref, pd_manifest_unref)

/* ---------------------------------------------------------------- reading */

PdManifest *
pd_manifest_new_from_bytes (GBytes *bytes, GError **error)
{
  g_autoptr (GError) local = NULL;
  PdManifest *self;
  JsonObject *root;
  gsize len = 0;
  const char *data;

  g_return_val_if_fail (bytes != NULL, NULL);
  data = g_bytes_get_data (bytes, &len);
  root = pd_json_parse_object (data, len, PD_MANIFEST_MAX_SIZE, _("The manifest"), &local);
  if (root == NULL)
    {
      g_set_error_literal (error, PD_PACKAGE_ERROR,
                           local->code == PD_JSON_ERROR_TOO_LARGE ? PD_PACKAGE_ERROR_TOO_LARGE
                                                                  : PD_PACKAGE_ERROR_BAD_MANIFEST,
                           local->message);
      return NULL;
    }
  self = g_new0 (PdManifest, 1);
  g_atomic_ref_count_init (&self->ref);
  self->bytes = g_bytes_ref (bytes);
  self->root = root;
  return self;
}

PdManifest *
pd_manifest_load_at (int dirfd, GError **error)
{
  g_autoptr (GBytes) bytes = pd_evidence_read_at (dirfd, PD_MANIFEST_NAME, PD_MANIFEST_MAX_SIZE,
                                                  error);

  return bytes ? pd_manifest_new_from_bytes (bytes, error) : NULL;
}

PdManifest *
pd_manifest_load (const char *package_dir, GError **error)
{
  PdManifest *self;
  int dirfd;

  g_return_val_if_fail (package_dir != NULL, NULL);
  dirfd = open (package_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _("Cannot open “%s”: %s"),
                   package_dir, g_strerror (saved));
      return NULL;
    }
  self = pd_manifest_load_at (dirfd, error);
  close (dirfd);
  return self;
}

PdManifest *
pd_manifest_ref (PdManifest *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

void
pd_manifest_unref (PdManifest *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref))
    return;
  g_bytes_unref (self->bytes);
  g_free (self->sha256);
  json_object_unref (self->root);
  g_clear_pointer (&self->files, g_array_unref);
  g_clear_pointer (&self->checkpoints, g_array_unref);
  g_clear_pointer (&self->marks, g_array_unref);
  g_free (self);
}

/* ---------------------------------------------------------------- plain fields */

GBytes *
pd_manifest_get_bytes (PdManifest *self)
{
  return self->bytes;
}

const char *
pd_manifest_get_sha256 (PdManifest *self)
{
  /* On first use: the verifier hashes the bytes for the manifest's token itself. */
  if (self->sha256 == NULL)
    {
      gsize len = 0;
      const guint8 *data = g_bytes_get_data (self->bytes, &len);

      self->sha256 = pd_sha256_bytes (data, len);
    }
  return self->sha256;
}

JsonObject *
pd_manifest_get_object (PdManifest *self)
{
  return self->root;
}

/* An integer member (json-glib's int64 values only: not doubles, strings or booleans). */
static gint64
member_int (JsonObject *o, const char *key)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;

  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64
           ? json_node_get_int (n) : -1;
}

static gboolean
member_true (JsonObject *o, const char *key)
{
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;

  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (n);
}

gboolean
pd_manifest_is_proofdesk (PdManifest *self)
{
  return g_strcmp0 (pd_json_string (self->root, "format"), PD_MANIFEST_FORMAT) == 0;
}

gint64
pd_manifest_get_format_version (PdManifest *self)
{
  return member_int (self->root, "format_version");
}

gboolean
pd_manifest_is_known_format (PdManifest *self)
{
  return pd_manifest_is_proofdesk (self) &&
         pd_manifest_get_format_version (self) == PD_MANIFEST_FORMAT_VERSION;
}

const char *
pd_manifest_get_string (PdManifest *self, const char *key)
{
  return pd_json_string (self->root, key);
}

const char *
pd_manifest_get_session (PdManifest *self)
{
  return pd_json_string (self->root, "session");
}

const char *
pd_manifest_get_state (PdManifest *self)
{
  return pd_json_string (self->root, "state");
}

const char *
pd_manifest_get_authority_name (PdManifest *self)
{
  return pd_json_string (pd_json_object (pd_json_object (self->root, "timestamps"), "authority"),
                         "name");
}

const char *
pd_manifest_get_authority_url (PdManifest *self)
{
  return pd_json_string (pd_json_object (pd_json_object (self->root, "timestamps"), "authority"),
                         "url");
}

gboolean
pd_manifest_get_checklist_counts (PdManifest *self, gint64 *required, gint64 *required_marked)
{
  JsonObject *checklist = pd_json_object (self->root, "checklist");

  if (checklist == NULL || member_int (checklist, "required") < 0)
    return FALSE;
  if (required)
    *required = member_int (checklist, "required");
  if (required_marked)
    *required_marked = MAX (member_int (checklist, "required_marked"), 0);
  return TRUE;
}

/* ---------------------------------------------------------------- typed lists */

static void
file_from (PdManifestFile *f, JsonObject *o)
{
  f->name = pd_json_string (o, "name");
  f->size = member_int (o, "size");
  f->sha256 = pd_json_string (o, "sha256");
  f->token = pd_json_string (o, "token");
}

const PdManifestFile *
pd_manifest_get_recording (PdManifest *self)
{
  JsonObject *o = pd_json_object (self->root, "recording");

  if (o == NULL)
    return NULL;
  if (!self->have_recording)
    {
      file_from (&self->recording, o);
      self->have_recording = TRUE;
    }
  return &self->recording;
}

/* Calls `fill` for each object element of the array `key`, into a new array of `size`. */
static GArray *
build_list (JsonObject *root, const char *key, guint element_size,
            void (*fill) (gpointer element, JsonObject *o), guint *n_skipped)
{
  JsonArray *array = pd_json_array (root, key);
  guint len = array ? json_array_get_length (array) : 0;
  GArray *out = g_array_sized_new (FALSE, TRUE, element_size, len);

  *n_skipped = 0;
  for (guint i = 0; i < len; i++)
    {
      JsonNode *n = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_OBJECT (n))
        {
          (*n_skipped)++;
          continue;
        }
      g_array_set_size (out, out->len + 1);
      fill (out->data + (gsize) (out->len - 1) * element_size, json_node_get_object (n));
    }
  return out;
}

static void
fill_file (gpointer element, JsonObject *o)
{
  PdManifestFile *f = element;

  file_from (f, o);
  f->token = NULL;
}

static void
fill_checkpoint (gpointer element, JsonObject *o)
{
  PdManifestCheckpoint *c = element;

  c->index = member_int (o, "index");
  c->offset = member_int (o, "offset");
  c->sha256 = pd_json_string (o, "sha256");
  c->token = pd_json_string (o, "token");
  c->gen_time = pd_json_string (o, "gen_time");
  c->stream_time = pd_json_string (o, "stream_time");
  c->wall_time = pd_json_string (o, "wall_time");
  c->running_time_ns = member_int (o, "running_time_ns");
}

static void
fill_mark (gpointer element, JsonObject *o)
{
  PdManifestMark *m = element;

  m->id = member_int (o, "id");
  m->item = pd_json_string (o, "item");
  m->title = pd_json_string (o, "title");
  m->note = pd_json_string (o, "note");
  m->still = pd_json_string (o, "still");
  m->stream_time = pd_json_string (o, "stream_time");
  m->wall_time = pd_json_string (o, "wall_time");
  m->running_time_ns = member_int (o, "running_time_ns");
  m->undone = member_true (o, "undone");
}

/* The typed view of the array `key`, built once. */
static const void *
cached_list (PdManifest *self, GArray **cache, guint *cache_skipped, const char *key,
             guint element_size, void (*fill) (gpointer element, JsonObject *o), guint *n,
             guint *n_skipped)
{
  if (*cache == NULL)
    *cache = build_list (self->root, key, element_size, fill, cache_skipped);
  if (n)
    *n = (*cache)->len;
  if (n_skipped)
    *n_skipped = *cache_skipped;
  return (*cache)->data;
}

const PdManifestFile *
pd_manifest_get_files (PdManifest *self, guint *n_files, guint *n_skipped)
{
  return cached_list (self, &self->files, &self->files_skipped, "files", sizeof (PdManifestFile),
                      fill_file, n_files, n_skipped);
}

const PdManifestCheckpoint *
pd_manifest_get_checkpoints (PdManifest *self, guint *n_checkpoints, guint *n_skipped)
{
  return cached_list (self, &self->checkpoints, &self->checkpoints_skipped, "checkpoints",
                      sizeof (PdManifestCheckpoint), fill_checkpoint, n_checkpoints, n_skipped);
}

const PdManifestMark *
pd_manifest_get_marks (PdManifest *self, guint *n_marks, guint *n_skipped)
{
  return cached_list (self, &self->marks, &self->marks_skipped, "marks", sizeof (PdManifestMark),
                      fill_mark, n_marks, n_skipped);
}

/* ---------------------------------------------------------------- the journal */

GPtrArray *
pd_journal_parse (GBytes *bytes, guint *n_skipped)
{
  g_autoptr (GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  const char *data, *end, *line;
  gsize len = 0;
  guint skipped = 0;

  g_return_val_if_fail (bytes != NULL, NULL);
  data = g_bytes_get_data (bytes, &len);
  end = data + len;
  for (line = data; line != NULL && line < end;)
    {
      const char *nl = memchr (line, '\n', (gsize) (end - line));
      gsize line_len = (gsize) ((nl ? nl : end) - line);
      JsonObject *event;

      /* A line that does not parse is only counted, so its error is not built. */
      if (line_len > 0)
        {
          event = pd_json_parse_object (line, line_len, PD_JOURNAL_MAX_LINE, "journal line", NULL);
          if (event != NULL)
            g_ptr_array_add (events, event);
          else
            skipped++;
        }
      line = nl ? nl + 1 : NULL;
    }
  if (n_skipped)
    *n_skipped = skipped;
  return g_steal_pointer (&events);
}

GPtrArray *
pd_journal_load (const char *path, guint *n_skipped, GError **error)
{
  g_autoptr (GBytes) bytes = NULL;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  if ((fd = pd_open_regular (path, error)) < 0)
    return NULL;
  bytes = pd_read_fd_limited (fd, PD_JOURNAL_MAX_SIZE, path, error);
  close (fd);
  if (bytes == NULL)
    return NULL;
  return pd_journal_parse (bytes, n_skipped);
}
