/* pd-verify-package.c — an evidence package: its manifest, every file, recording, checkpoints and certificate. */
#define G_LOG_DOMAIN "pd-verify"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/pem.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report/pd-certificate.h"
#include "util/pd-error.h"
#include "timestamp/pd-local-tsa.h"
#include "evidence/pd-package.h"
#include "util/pd-private.h"
#include "util/pd-util.h"
#include "evidence/pd-evidence-file.h"
#include "evidence/pd-manifest.h"
#include "verify/pd-verify.h"
#include "verify/pd-verify-private.h"
#include "verify/pd-verify-package-private.h"

/* A 24-hour recording with a checkpoint a second has 86 400; nothing Proofdesk writes has more. */
#define MAX_MANIFEST_ENTRIES   200000
#define MAX_MALFORMED_REPORTED 100

/* ------------------------------------------------------------------------------------------ */
/* Packages                                                                                   */

static void
file_entry_free (FileEntry *e)
{
  g_free (e->name);
  g_free (e->sha256);
  g_free (e);
}

static void
checkpoint_free (Checkpoint *c)
{
  g_free (c->sha256);
  g_free (c->stream_time);
  g_free (c->token);
  g_free (c->stamp_error);
  g_free (c->token_sha256);
  g_free (c->label);
  g_clear_pointer (&c->gen_time, g_date_time_unref);
  g_free (c);
}

static gboolean
json_get_int (JsonObject *obj, const char *key, gint64 *out)
{
  JsonNode *node = obj ? json_object_get_member (obj, key) : NULL;

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
sha256_hex_ok (const char *hex)
{
  guint8 buf[PD_SHA256_LEN];

  return pd_hex_decode (hex, buf, sizeof buf);
}

static int
compare_marks (gconstpointer a, gconstpointer b)
{
  const Checkpoint *ca = *(Checkpoint *const *) a;
  const Checkpoint *cb = *(Checkpoint *const *) b;

  return ca->offset < cb->offset ? -1 : ca->offset > cb->offset;
}

/* Reads a token file of the package and verifies it against `digest` (SHA-256). Emits
 * token.present when the file cannot be had. */
static gboolean
package_verify_token (PdVerifyResult *r, int dirfd, const char *token_name,
                      const guint8 *digest, PdTrustStore *trust, STACK_OF (X509) *extra,
                      TokenOutcome *out)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GBytes) tsr = pd_evidence_read_at (dirfd, token_name, TOKEN_MAX_SIZE, &local_error);

  memset (out, 0, sizeof *out);
  if (tsr == NULL)
    {
      pd_verify_add_check (r, "token.present", token_name, PD_CHECK_FAILED, local_error->message,
                           _("The timestamp token cannot be read."));
      return FALSE;
    }
  pd_verify_token_verify (r, token_name, tsr, NID_sha256, digest, PD_SHA256_LEN, trust, extra, out);
  return out->ok;
}

/* Folders that some listed name lies below: only these are walked into. A folder no listed
 * name lies below is reported whole, however deep or long the paths inside it are. */
static GHashTable *
listed_folders (GHashTable *known)
{
  GHashTable *dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, known);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_autofree char *name = g_strdup (key);
      char *slash;

      while ((slash = strrchr (name, '/')) != NULL)
        {
          *slash = '\0';
          g_hash_table_add (dirs, g_strdup (name));
        }
    }
  return dirs;
}

static void
walk_extra_in (PdVerifyResult *r, int dirfd, const char *prefix, GHashTable *known, GHashTable *dirs)
{
  DIR *dir;
  struct dirent *de;
  int fd;

  fd = openat (dirfd, prefix ? prefix : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || (dir = fdopendir (fd)) == NULL)
    {
      int saved = errno;
      if (fd >= 0)
        close (fd);
      pd_verify_add_check (r, "package.extra-file", prefix ? prefix : ".", PD_CHECK_FAILED, g_strerror (saved),
                           _("This folder of the package cannot be read, so it cannot be checked for unlisted files."));
      return;
    }
  while ((de = readdir (dir)) != NULL)
    {
      g_autofree char *rel = NULL;
      struct stat st;

      if (g_str_equal (de->d_name, ".") || g_str_equal (de->d_name, ".."))
        continue;
      rel = prefix ? g_build_filename (prefix, de->d_name, NULL) : g_strdup (de->d_name);
      if (fstatat (dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) != 0)
        {
          pd_verify_add_check (r, "package.extra-file", rel, PD_CHECK_FAILED, g_strerror (errno),
                               _("This entry of the package cannot be examined."));
          continue;
        }
      if (S_ISDIR (st.st_mode) && g_hash_table_contains (dirs, rel))
        walk_extra_in (r, dirfd, rel, known, dirs);
      else if (S_ISDIR (st.st_mode))
        pd_verify_add_check (r, "package.extra-file", rel, PD_CHECK_FAILED, NULL,
                             _("This folder is in the package but no file of the manifest lies in it; nothing in it is evidence."));
      else if (S_ISLNK (st.st_mode))
        pd_verify_add_check (r, "package.symlink", rel, PD_CHECK_FAILED, NULL,
                             _("The package contains a symbolic link; evidence files must be real files."));
      else if (!g_hash_table_contains (known, rel))
        pd_verify_add_check (r, "package.extra-file", rel, PD_CHECK_FAILED, NULL,
                             _("This file is in the folder but not in the manifest."));
    }
  closedir (dir);
}

/* Anything in the folder that nobody listed. Listed names are at most 1024 bytes, so the walk
 * is as deep as they are and no deeper. */
static void
walk_extra (PdVerifyResult *r, int dirfd, GHashTable *known)
{
  g_autoptr (GHashTable) dirs = listed_folders (known);

  walk_extra_in (r, dirfd, NULL, known, dirs);
}

static void
locate_tamper (PdVerifyResult *r, GPtrArray *sorted, guint64 size)
{
  Checkpoint *last = NULL;
  g_autofree char *offset_str = NULL;

  for (guint i = 0; i < sorted->len; i++)
    {
      Checkpoint *c = g_ptr_array_index (sorted, i);
      g_autofree char *hex = NULL;

      if (!c->mark.reached || !c->token_ok)
        continue;
      hex = pd_hex_encode (c->mark.digest, c->mark.len);
      if (g_ascii_strcasecmp (hex, c->sha256) == 0)
        last = c;
      else
        break;
    }
  r->has_tamper = TRUE;
  if (last == NULL)
    {
      r->intact_up_to = 0;
      r->tamper_checkpoint = 0;
      r->tamper_sentence = g_strdup (_("The recording was changed before its first verified checkpoint; no part of it is provably intact."));
    }
  else
    {
      r->intact_up_to = (guint64) last->offset;
      r->tamper_checkpoint = (guint) last->index;
      r->tamper_stream_time = g_strdup (last->stream_time ? last->stream_time : "?");
      offset_str = g_strdup_printf ("%" G_GUINT64_FORMAT, r->intact_up_to);
      r->tamper_sentence = g_strdup_printf (_("The recording is intact up to offset %s (checkpoint %u, %s into the recording); it was changed after that."),
                                            offset_str, r->tamper_checkpoint,
                                            r->tamper_stream_time);
    }
  pd_verify_add_check (r, "recording.tamper-location", PD_RECORDING_NAME, PD_CHECK_INFO, NULL, "%s",
                       r->tamper_sentence);
}


/* TSA chain: untrusted intermediates for offline verification. */
static STACK_OF (X509) *
read_tsa_chain (PackageWalk *w)
{
  g_autoptr (GBytes) chain_bytes = NULL;
  g_autoptr (GError) local_error = NULL;

  chain_bytes = pd_evidence_read_at (w->dirfd, TSA_CHAIN_NAME, CHAIN_MAX_SIZE, &local_error);
  if (chain_bytes)
    {
      g_autoptr (BIO) bio = BIO_new_mem_buf (g_bytes_get_data (chain_bytes, NULL),
                                             (int) g_bytes_get_size (chain_bytes));
      X509 *cert;

      w->extra = sk_X509_new_null ();
      while ((cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL)) != NULL)
        sk_X509_push (w->extra, cert);
      ERR_clear_error ();
      if (sk_X509_num (w->extra) == 0)
        pd_verify_add_check (w->r, "package.tsa-chain", TSA_CHAIN_NAME, PD_CHECK_FAILED, NULL,
                             _("The authority's certificate chain file holds no certificate."));
    }
  g_clear_error (&local_error);

  return w->extra;
}

/* The manifest's own token covers its exact bytes: checked before anything in it is trusted.
 * Then its format; FALSE when it is not a manifest this verifier reads. */
static gboolean
check_manifest (PackageWalk *w, GBytes *manifest_bytes, PdManifest **pm)
{
  g_autoptr (GError) local_error = NULL;

  {
    guint8 digest[PD_SHA256_LEN];
    unsigned int len = 0;

    EVP_Digest (g_bytes_get_data (manifest_bytes, NULL), g_bytes_get_size (manifest_bytes),
                digest, &len, EVP_sha256 (), NULL);
    package_verify_token (w->r, w->dirfd, MANIFEST_TSR_NAME, digest, w->trust, w->extra, &w->manifest_outcome);
  }


  *pm = pd_manifest_new_from_bytes (manifest_bytes, &local_error);
  if (*pm == NULL)
    {
      pd_verify_add_check (w->r, "manifest.parse", PD_MANIFEST_NAME, PD_CHECK_FAILED, local_error->message,
                           _("The manifest cannot be read."));
      return FALSE;
    }
  w->manifest = pd_manifest_get_object (*pm);
  {
    gint64 version = 0;
    const char *format = pd_json_string (w->manifest, "format");

    if (g_strcmp0 (format, PD_MANIFEST_FORMAT) == 0 &&
        json_get_int (w->manifest, "format_version", &version) &&
        version == PD_MANIFEST_FORMAT_VERSION)
      pd_verify_add_check (w->r, "manifest.format", PD_MANIFEST_NAME, PD_CHECK_PASSED, format,
                           _("The manifest is a Proofdesk evidence manifest."));
    else
      {
        pd_verify_add_check (w->r, "manifest.format", PD_MANIFEST_NAME, PD_CHECK_FAILED, format,
                             _("The manifest is not a Proofdesk evidence manifest of a known version."));
        return FALSE;
      }
  }
  w->state = pd_json_string (w->manifest, "state");
  {
    JsonObject *ts = pd_json_object (w->manifest, "timestamps");
    JsonObject *authority = pd_json_object (ts, "authority");
    const char *name = pd_json_string (authority, "name");
    const char *url = pd_json_string (authority, "url");

    if (authority)
      pd_verify_add_check (w->r, "package.authority", PD_MANIFEST_NAME, PD_CHECK_INFO, url,
                           _("The manifest names the timestamp authority “%s”."),
                           name ? name : (url ? url : "?"));
  }

  return TRUE;
}

/* files[]: every entry well formed, inside the package, listed once. */
static void
collect_files (PackageWalk *w)
{
  JsonArray *array;
  guint bad = 0;

  array = pd_json_array (w->manifest, "files");
  if (array != NULL && json_array_get_length (array) > MAX_MANIFEST_ENTRIES)
    {
      g_autofree char *detail = g_strdup_printf ("%u entries", json_array_get_length (array));
      pd_verify_add_check (w->r, "manifest.files", PD_MANIFEST_NAME, PD_CHECK_FAILED, detail,
                           _("The manifest lists more files than any package has; they were not read."));
      array = NULL;
    }
  else if (array == NULL)
    pd_verify_add_check (w->r, "manifest.files", PD_MANIFEST_NAME, PD_CHECK_FAILED, NULL,
                         _("The manifest lists no files."));
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonObject *o = pd_json_array_object (array, i);
      const char *name = pd_json_string (o, "name");
      const char *sha = pd_json_string (o, "sha256");
      gint64 size = -1;
      g_autofree char *label = g_strdup_printf ("files[%u]", i);
      FileEntry *e;

      if (o == NULL || name == NULL || sha == NULL || !sha256_hex_ok (sha) ||
          !json_get_int (o, "size", &size) || size < 0)
        {
          /* The first ones named; a million of them are one finding, not a million. */
          if (bad++ < MAX_MALFORMED_REPORTED)
            pd_verify_add_check (w->r, "manifest.file-entry", name ? name : label, PD_CHECK_FAILED, label,
                                 _("A file entry of the manifest is malformed."));
          continue;
        }
      if (!pd_evidence_name_is_safe (name))
        {
          pd_verify_add_check (w->r, "file.name", name, PD_CHECK_FAILED, NULL,
                               _("The manifest names a file outside the package; it was not read."));
          continue;
        }
      if (g_hash_table_contains (w->known, name))
        {
          pd_verify_add_check (w->r, "file.name", name, PD_CHECK_FAILED, NULL,
                               _("The manifest lists this file twice."));
          continue;
        }
      e = g_new0 (FileEntry, 1);
      e->name = g_strdup (name);
      e->size = size;
      e->sha256 = g_ascii_strdown (sha, -1);
      g_ptr_array_add (w->files, e);
      g_hash_table_add (w->known, g_strdup (name));
    }
  if (bad > MAX_MALFORMED_REPORTED)
    {
      g_autofree char *detail = g_strdup_printf ("%u malformed entries", bad);
      pd_verify_add_check (w->r, "manifest.file-entry", PD_MANIFEST_NAME, PD_CHECK_FAILED, detail,
                           _("More file entries of the manifest are malformed (%u in all)."), bad);
    }
  g_hash_table_add (w->known, g_strdup (PD_MANIFEST_NAME));
  g_hash_table_add (w->known, g_strdup (MANIFEST_TSR_NAME));
  g_hash_table_add (w->known, g_strdup (CERTIFICATE_NAME));
  g_hash_table_add (w->known, g_strdup (PD_SEALED_DIGEST_NAME));
}

/* recording{}: its name, size, digest and token (or the token stamped later). */
static void
collect_recording (PackageWalk *w)
{
  JsonObject *recording;

  recording = pd_json_object (w->manifest, "recording");
  w->rec_name = pd_json_string (recording, "name");
  w->rec_token = pd_json_string (recording, "token");
  w->rec_sha = pd_json_string (recording, "sha256");
  if (recording == NULL || w->rec_name == NULL || w->rec_sha == NULL || !sha256_hex_ok (w->rec_sha) ||
      !json_get_int (recording, "size", &w->rec_size) || w->rec_size < 0)
    {
      pd_verify_add_check (w->r, "manifest.recording", PD_MANIFEST_NAME, PD_CHECK_FAILED, NULL,
                           _("The manifest does not describe the recording (name, size and SHA-256)."));
      w->rec_name = NULL;
    }
  else if (!pd_evidence_name_is_safe (w->rec_name))
    {
      pd_verify_add_check (w->r, "file.name", w->rec_name, PD_CHECK_FAILED, NULL,
                           _("The manifest names a file outside the package; it was not read."));
      w->rec_name = NULL;
    }
  if (w->rec_token && !pd_evidence_name_is_safe (w->rec_token))
    {
      pd_verify_add_check (w->r, "file.name", w->rec_token, PD_CHECK_FAILED, NULL,
                           _("The manifest names a file outside the package; it was not read."));
      w->rec_token = NULL;
    }
  if (w->rec_name)
    g_hash_table_add (w->known, g_strdup (w->rec_name));
  if (w->rec_token == NULL && w->rec_name != NULL)
    {
      /* Sealed while the TSA was unreachable ("awaiting-stamp"), then stamped later: the token
       * was added beside the manifest, which is never rewritten. It is checked like any other;
       * its genTime is later than the capture, and the result says so. */
      struct stat st;
      g_autofree char *late = g_strconcat (w->rec_name, ".tsr", NULL);

      if (pd_evidence_name_is_safe (late) && fstatat (w->dirfd, late, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISREG (st.st_mode))
        {
          w->rec_token = g_intern_string (late);
          w->rec_token_late = TRUE;
          pd_verify_add_check (w->r, "recording.late-stamp", late, PD_CHECK_INFO,
                               pd_json_string (w->manifest, "stopped"),
                               _("The recording was sealed while the timestamp authority was unreachable and stamped afterwards."));
        }
    }
  if (w->rec_token)
    g_hash_table_add (w->known, g_strdup (w->rec_token));
  for (guint i = 0; w->rec_name && i < w->files->len; i++)
    if (g_str_equal (((FileEntry *) g_ptr_array_index (w->files, i))->name, w->rec_name))
      w->rec_entry = g_ptr_array_index (w->files, i);
}

/* checkpoints[]: well formed, inside the package, in file order. */
static void
collect_checkpoints (PackageWalk *w)
{
  JsonArray *array;
  guint bad = 0;

  array = pd_json_array (w->manifest, "checkpoints");
  if (array != NULL && json_array_get_length (array) > MAX_MANIFEST_ENTRIES)
    {
      g_autofree char *detail = g_strdup_printf ("%u entries", json_array_get_length (array));
      pd_verify_add_check (w->r, "checkpoint.entry", PD_MANIFEST_NAME, PD_CHECK_FAILED, detail,
                           _("The manifest lists more checkpoints than any recording has; they were not read."));
      array = NULL;
    }
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonObject *o = pd_json_array_object (array, i);
      Checkpoint *c = g_new0 (Checkpoint, 1);
      const char *sha = pd_json_string (o, "sha256");
      const char *token = pd_json_string (o, "token");
      const char *stream_time = pd_json_string (o, "stream_time");
      gint64 running = -1;

      c->running_ns = -1;
      g_ptr_array_add (w->checkpoints, c);
      if (!json_get_int (o, "index", &c->index))
        c->index = i + 1;
      c->label = g_strdup_printf ("checkpoint %" G_GINT64_FORMAT, c->index);
      c->stamp_error = g_strdup (pd_json_string (o, "stamp_error"));
      if (stream_time)
        c->stream_time = g_strdup (stream_time);
      if (json_get_int (o, "running_time_ns", &running) && running >= 0)
        {
          c->running_ns = running;
          if (c->stream_time == NULL)
            c->stream_time = pd_format_stream_time ((guint64) running);
        }
      {
        JsonNode *nd = o ? json_object_get_member (o, "no_data_before") : NULL;
        c->no_data_before = nd && JSON_NODE_HOLDS_VALUE (nd) &&
                            json_node_get_value_type (nd) == G_TYPE_BOOLEAN && json_node_get_boolean (nd);
      }
      if (pd_json_string (o, "token_sha256") && sha256_hex_ok (pd_json_string (o, "token_sha256")))
        c->token_sha256 = g_ascii_strdown (pd_json_string (o, "token_sha256"), -1);
      if (o == NULL || sha == NULL || !sha256_hex_ok (sha) ||
          !json_get_int (o, "offset", &c->offset) || c->offset < 0)
        {
          if (bad++ < MAX_MALFORMED_REPORTED)
            pd_verify_add_check (w->r, "checkpoint.entry", c->label, PD_CHECK_FAILED, NULL,
                                 _("A checkpoint of the manifest is malformed."));
          continue;
        }
      c->sha256 = g_ascii_strdown (sha, -1);
      if (token && !pd_evidence_name_is_safe (token))
        {
          pd_verify_add_check (w->r, "file.name", token, PD_CHECK_FAILED, NULL,
                               _("The manifest names a file outside the package; it was not read."));
          continue;
        }
      c->token = g_strdup (token);
      if (token)
        g_hash_table_add (w->known, g_strdup (token));
      c->usable = TRUE;
      c->mark.offset = (guint64) c->offset;
      c->mark.owner = c;
      g_ptr_array_add (w->sorted, c);
    }
  if (bad > MAX_MALFORMED_REPORTED)
    {
      g_autofree char *detail = g_strdup_printf ("%u malformed entries", bad);
      pd_verify_add_check (w->r, "checkpoint.entry", PD_MANIFEST_NAME, PD_CHECK_FAILED, detail,
                           _("More checkpoints of the manifest are malformed (%u in all)."), bad);
    }
  g_ptr_array_sort (w->sorted, compare_marks);
  {
    /* Manifest order must be file order: checkpoints are taken while writing. */
    gint64 prev = -1;
    gboolean ordered = TRUE;

    for (guint i = 0; i < w->checkpoints->len; i++)
      {
        Checkpoint *c = g_ptr_array_index (w->checkpoints, i);
        if (!c->usable)
          continue;
        if (c->offset <= prev)
          ordered = FALSE;
        prev = c->offset;
      }
    if (!ordered)
      pd_verify_add_check (w->r, "checkpoint.order", PD_MANIFEST_NAME, PD_CHECK_FAILED, NULL,
                           _("The manifest's checkpoints are not in increasing file order."));
  }
}

/* Progress total: every regular file that is going to be read. */
static void
count_progress (PackageWalk *w)
{
  int fd;

  if (w->progress)
    {
      w->progress->total = 0;
      if (w->rec_name && (fd = pd_evidence_open_at (w->dirfd, w->rec_name, NULL)) >= 0)
        {
          struct stat st;
          if (fstat (fd, &st) == 0)
            w->progress->total += (guint64) st.st_size;
          close (fd);
        }
      for (guint i = 0; i < w->files->len; i++)
        {
          FileEntry *e = g_ptr_array_index (w->files, i);
          struct stat st;

          if (e == w->rec_entry || (fd = pd_evidence_open_at (w->dirfd, e->name, NULL)) < 0)
            continue;
          if (fstat (fd, &st) == 0)
            w->progress->total += (guint64) st.st_size;
          close (fd);
        }
    }
}

/* The one sequential pass over the recording: its digest and every checkpoint's. FALSE only
 * when reading fails or is cancelled (then `error` is set). */
static gboolean
read_recording (PackageWalk *w, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GArray) marks = NULL;
  int fd;

  marks = g_array_sized_new (FALSE, TRUE, sizeof (PrefixMark), w->sorted->len);
  for (guint i = 0; i < w->sorted->len; i++)
    g_array_append_val (marks, ((Checkpoint *) g_ptr_array_index (w->sorted, i))->mark);
  if (w->rec_name)
    {
      fd = pd_evidence_open_at (w->dirfd, w->rec_name, &local_error);
      if (fd < 0)
        {
          pd_verify_add_check (w->r, "recording.present", w->rec_name, PD_CHECK_FAILED, local_error->message,
                               _("The recording cannot be read."));
          g_clear_error (&local_error);
        }
      else
        {
          gboolean ok;
          struct stat st;
          guint64 limit = G_MAXUINT64;

          /* A file larger than the manifest says is changed whatever its bytes: read no more of
           * it than the manifest and the checkpoints account for (a 1 TiB sparse file is not
           * hashed to learn that). */
          if (fstat (fd, &st) == 0 && w->rec_size >= 0 && (guint64) st.st_size > (guint64) w->rec_size)
            {
              limit = (guint64) w->rec_size;
              for (guint i = 0; i < w->sorted->len; i++)
                limit = MAX (limit, (guint64) ((Checkpoint *) g_ptr_array_index (w->sorted, i))->offset);
              w->rec_changed = TRUE;
            }
          ok = pd_verify_digest_fd (fd, EVP_sha256 (), (PrefixMark *) marks->data, marks->len,
                                    w->progress, w->cancellable, limit, w->rec_digest, &w->rec_digest_len,
                                    &w->rec_actual, w->rec_name, error);
          if (ok && limit != G_MAXUINT64)
            w->rec_actual = (guint64) st.st_size;
          close (fd);
          if (!ok)
            return FALSE;
          w->rec_read = TRUE;
          for (guint i = 0; i < w->sorted->len; i++)
            ((Checkpoint *) g_ptr_array_index (w->sorted, i))->mark =
              g_array_index (marks, PrefixMark, i);
        }
    }

  return TRUE;
}

/* The recording against the manifest and against its token. */
static void
check_recording (PackageWalk *w)
{
  if (w->rec_read)
    {
      g_autofree char *hex = pd_hex_encode (w->rec_digest, w->rec_digest_len);
      g_autofree char *size_detail = g_strdup_printf ("manifest %" G_GINT64_FORMAT ", file %" G_GUINT64_FORMAT,
                                                      w->rec_size, w->rec_actual);
      g_autofree char *sha_detail = g_strdup_printf ("manifest %s, file %s", w->rec_sha, hex);

      if (w->rec_actual == 0)
        pd_verify_add_check (w->r, "recording.empty", w->rec_name, PD_CHECK_FAILED, NULL,
                             _("The recording is empty: there is nothing to prove."));
      if ((guint64) w->rec_size == w->rec_actual)
        pd_verify_add_check (w->r, "recording.size", w->rec_name, PD_CHECK_PASSED, size_detail,
                             _("The recording has the size the manifest states."));
      else
        {
          w->rec_changed = TRUE;
          pd_verify_add_check (w->r, "recording.size", w->rec_name, PD_CHECK_FAILED, size_detail,
                               _("The recording's size differs from the manifest."));
        }
      if (g_ascii_strcasecmp (hex, w->rec_sha) == 0)
        pd_verify_add_check (w->r, "recording.digest", w->rec_name, PD_CHECK_PASSED, hex,
                             _("The recording's SHA-256 matches the manifest."));
      else
        {
          w->rec_changed = TRUE;
          pd_verify_add_check (w->r, "recording.digest", w->rec_name, PD_CHECK_FAILED, sha_detail,
                               _("The recording's SHA-256 differs from the manifest: the recording was changed."));
        }
      if (w->rec_entry)
        {
          if ((guint64) w->rec_entry->size == w->rec_actual && g_str_equal (w->rec_entry->sha256, hex))
            pd_verify_add_check (w->r, "file.content", w->rec_name, PD_CHECK_PASSED, hex,
                                 _("Size and SHA-256 match the manifest."));
          else
            pd_verify_add_check (w->r, "file.content", w->rec_name, PD_CHECK_FAILED, sha_detail,
                                 _("This file differs from the manifest."));
        }

      if (w->rec_token)
        {
          /* The token's imprint is the stamped digest: if it differs from the file, the file
           * changed even when the manifest was rewritten to match. */
          package_verify_token (w->r, w->dirfd, w->rec_token, w->rec_digest, w->trust, w->extra, &w->recording_outcome);
          if (pd_verify_result_find_check (w->r, "token.imprint", w->rec_token) &&
              !w->recording_outcome.imprint_ok)
            w->rec_changed = TRUE;
        }
      else
        pd_verify_add_check (w->r, "recording.token", w->rec_name, PD_CHECK_FAILED, NULL,
                             _("The recording has no timestamp token."));
    }
}

/* Each checkpoint: prefix digest vs manifest, and its token against the prefix as read. */
static void
check_checkpoints (PackageWalk *w)
{
  for (guint i = 0; i < w->checkpoints->len && w->rec_read; i++)
    {
      Checkpoint *c = g_ptr_array_index (w->checkpoints, i);
      g_autofree char *hex = NULL;
      g_autofree char *detail = NULL;
      g_auto (TokenOutcome) outcome = { 0 };

      if (!c->usable)
        continue;
      if (!c->mark.reached)
        {
          detail = g_strdup_printf ("offset %" G_GINT64_FORMAT ", file size %" G_GUINT64_FORMAT,
                                    c->offset, w->rec_actual);
          pd_verify_add_check (w->r, "checkpoint.digest", c->label, PD_CHECK_FAILED, detail,
                               _("This checkpoint lies beyond the end of the recording: the recording was shortened."));
          continue;
        }
      hex = pd_hex_encode (c->mark.digest, c->mark.len);
      detail = g_strdup_printf ("offset %" G_GINT64_FORMAT ", %s: manifest %s, file %s", c->offset,
                                c->stream_time ? c->stream_time : "?", c->sha256, hex);
      if (g_str_equal (hex, c->sha256))
        pd_verify_add_check (w->r, "checkpoint.digest", c->label, PD_CHECK_PASSED, detail,
                             _("The recording up to this checkpoint matches the manifest."));
      else
        pd_verify_add_check (w->r, "checkpoint.digest", c->label, PD_CHECK_FAILED, detail,
                             _("The recording up to this checkpoint differs from the manifest."));
      if (c->token)
        {
          c->token_ok = package_verify_token (w->r, w->dirfd, c->token, c->mark.digest, w->trust, w->extra,
                                              &outcome);
          c->gen_time = g_steal_pointer (&outcome.gen_time);
          c->mark.owner = c;
          c->accuracy_us = outcome.accuracy_us;
          c->gen_usec = outcome.gen_usec;
          if (c->gen_time)
            {
              /* Keep the fraction: pace is judged to better than a second. */
              GDateTime *whole = c->gen_time;
              c->gen_time = g_date_time_add (whole, outcome.gen_usec % G_USEC_PER_SEC);
              g_date_time_unref (whole);
            }
        }
    }
  if (w->rec_read && w->rec_changed)
    locate_tamper (w->r, w->sorted, w->rec_actual);
}

/* Every other file of files[]. FALSE only when reading fails or is cancelled. */
static gboolean
check_other_files (PackageWalk *w, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  int fd;

  for (guint i = 0; i < w->files->len; i++)
    {
      FileEntry *e = g_ptr_array_index (w->files, i);
      guint8 digest[EVP_MAX_MD_SIZE];
      guint len = 0;
      guint64 size = 0;
      g_autofree char *hex = NULL;
      g_autofree char *detail = NULL;
      gboolean ok;

      if (e == w->rec_entry)
        continue;
      fd = pd_evidence_open_at (w->dirfd, e->name, &local_error);
      if (fd < 0)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
            pd_verify_add_check (w->r, "file.missing", e->name, PD_CHECK_FAILED, local_error->message,
                                 _("This file is listed in the manifest but missing."));
          else
            pd_verify_add_check (w->r, "file.name", e->name, PD_CHECK_FAILED, local_error->message,
                                 _("This file cannot be read safely."));
          g_clear_error (&local_error);
          continue;
        }
      {
        struct stat st;

        /* Sizes first: a file of another size differs, and is not read to learn that. */
        if (fstat (fd, &st) == 0 && (guint64) st.st_size != (guint64) e->size)
          {
            detail = g_strdup_printf ("manifest %" G_GINT64_FORMAT " bytes, file %" G_GUINT64_FORMAT " bytes (not hashed)",
                                      e->size, (guint64) st.st_size);
            pd_verify_add_check (w->r, "file.content", e->name, PD_CHECK_FAILED, detail,
                                 _("This file differs from the manifest (its size is not the size listed)."));
            close (fd);
            continue;
          }
      }
      ok = pd_verify_digest_fd (fd, EVP_sha256 (), NULL, 0, w->progress, w->cancellable, G_MAXUINT64, digest,
                                &len, &size, e->name, error);
      close (fd);
      if (!ok)
        return FALSE;
      hex = pd_hex_encode (digest, len);
      detail = g_strdup_printf ("manifest %" G_GINT64_FORMAT " bytes %s, file %" G_GUINT64_FORMAT " bytes %s",
                                e->size, e->sha256, size, hex);
      if ((guint64) e->size == size && g_str_equal (hex, e->sha256))
        pd_verify_add_check (w->r, "file.content", e->name, PD_CHECK_PASSED, hex,
                             _("Size and SHA-256 match the manifest."));
      else
        pd_verify_add_check (w->r, "file.content", e->name, PD_CHECK_FAILED, detail,
                             _("This file differs from the manifest."));
    }

  return TRUE;
}

/* The certificate is evidence too: pd-verify-certificate.c. */
static void
check_certificate (PackageWalk *w, PdManifest *pm)
{
  g_autofree char *hex = w->rec_read ? pd_hex_encode (w->rec_digest, w->rec_digest_len) : NULL;
  PdCertificateExpect expect = {
    .manifest = pm, .recording_sha256 = hex, .recording_token = w->rec_token,
    .recording_gen_time = w->recording_outcome.ok ? w->recording_outcome.gen_time : NULL,
    .manifest_gen_time = w->manifest_outcome.ok ? w->manifest_outcome.gen_time : NULL,
  };

  pd_verify_certificate_check (w->r, w->dirfd, w->dir, &expect);
}

static PdVerifyResult *
verify_package (const char *path, PdTrustStore *trust, Progress *progress,
                GCancellable *cancellable, GError **error)
{
  g_autoptr (PdVerifyResult) r = NULL;
  g_autofree char *dir = NULL;
  g_autoptr (GBytes) manifest_bytes = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (PdManifest) pm = NULL;
  g_autoptr (PdX509Stack) extra = NULL;
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) file_entry_free);
  g_autoptr (GPtrArray) checkpoints = g_ptr_array_new_with_free_func ((GDestroyNotify) checkpoint_free);
  g_autoptr (GPtrArray) sorted = g_ptr_array_new ();
  g_autoptr (GHashTable) known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  PackageWalk walk = { 0 }, *w = &walk;
  gboolean ok = TRUE;
  int dirfd = -1;
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    dir = g_strdup (path);
  else if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    dir = g_path_get_dirname (path);
  else
    {
      g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_IO,
                   _("“%s” is neither a package folder nor its manifest."), path);
      return NULL;
    }
  dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot open “%s”: %s"), dir, g_strerror (saved));
      return NULL;
    }

  manifest_bytes = pd_evidence_read_at (dirfd, PD_MANIFEST_NAME, PD_MANIFEST_MAX_SIZE, &local_error);
  if (manifest_bytes == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_set_error (error, PD_VERIFY_ERROR, PD_VERIFY_ERROR_FORMAT,
                     _("“%s” has no manifest.json, so it is not an evidence package."), dir);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      close (dirfd);
      return NULL;
    }

  r = pd_verify_result_new ();
  r->manifest_sha256 = pd_sha256_bytes (g_bytes_get_data (manifest_bytes, NULL),
                                        g_bytes_get_size (manifest_bytes));
  *w = (PackageWalk) { .r = r, .trust = trust, .progress = progress, .cancellable = cancellable,
                       .dir = dir, .dirfd = dirfd, .files = files, .checkpoints = checkpoints,
                       .sorted = sorted, .known = known, .rec_size = -1 };
  extra = read_tsa_chain (w);
  if (check_manifest (w, manifest_bytes, &pm))
    {
      collect_files (w);
      collect_recording (w);
      collect_checkpoints (w);
      count_progress (w);
      ok = read_recording (w, error);
      if (ok)
        {
          check_recording (w);
          if (w->recording_outcome.gen_time)
            r->gen_time = g_date_time_ref (w->recording_outcome.gen_time);
          else if (w->manifest_outcome.gen_time)
            r->gen_time = g_date_time_ref (w->manifest_outcome.gen_time);
          check_checkpoints (w);
          ok = check_other_files (w, error);
        }
      if (ok)
        {
          pd_verify_package_state_rules (w);
          pd_verify_package_time_rules (w);
        }
      if (ok)
        {
          check_certificate (w, pm);
          /* Anything in the folder that nobody listed. */
          walk_extra (r, dirfd, known);
        }
    }
  token_outcome_clear (&w->manifest_outcome);
  token_outcome_clear (&w->recording_outcome);
  close (dirfd);
  if (!ok)
    return NULL;
  pd_verify_result_finish (r);
  return g_steal_pointer (&r);
}

PdVerifyResult *
pd_verify_package (const char *dir, PdTrustStore *trust, PdVerifyProgressFunc progress,
                   gpointer progress_data, GCancellable *cancellable, GError **error)
{
  Progress p = { progress, progress_data, 0, 0 };

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (trust != NULL, NULL);

  return verify_package (dir, trust, &p, cancellable, error);
}
