/* pd-export-package.c — reads one package for an export: safe names, the verifier's verdict, the manifest, every file into the plan. */
#define G_LOG_DOMAIN "pd-export"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/pd-disc-label.h"
#include "util/pd-error.h"
#include "evidence/pd-manifest.h"
#include "export/pd-export-private.h"
#include "evidence/pd-package.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"

/* ---- Safe names and safe opening ---- */

/* One path component that every file system a court may use (FAT, NTFS, ISO with Joliet) takes. */
static char *
export_component (const char *name, const char *fallback)
{
  g_autofree char *safe = pd_safe_component (name, fallback);
  GString *out = g_string_new (NULL);
  guint n = 0;

  for (const char *p = safe; *p && n < MAX_COMPONENT; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || (c < 0x80 && strchr ("<>:\"|?*\\/", (int) c) != NULL))
        g_string_append_c (out, '_');
      else
        g_string_append_unichar (out, c);
    }
  while (out->len > 0 && (out->str[out->len - 1] == '.' || out->str[out->len - 1] == ' '))
    g_string_truncate (out, out->len - 1);
  if (out->len == 0)
    g_string_assign (out, fallback);
  return g_string_free (out, FALSE);
}

/* A name from inside a package: the package is ours, so anything odd is refused, not fixed. */
static gboolean
acceptable_name (const char *name)
{
  if (!g_utf8_validate (name, -1, NULL) || *name == '\0' || g_str_equal (name, ".") ||
      g_str_equal (name, "..") || strlen (name) > 200)
    return FALSE;
  for (const char *p = name; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || c == 0x7f || c == '\\' || c == '/' || g_unichar_type (c) == G_UNICODE_FORMAT)
        return FALSE;
    }
  return TRUE;
}

/* A relative '/'-path from a manifest: no absolute paths, no "." or ".." parts. */
static gboolean
acceptable_rel_path (const char *rel)
{
  g_auto (GStrv) parts = NULL;

  if (rel == NULL || *rel == '\0' || *rel == '/')
    return FALSE;
  parts = g_strsplit (rel, "/", -1);
  for (guint i = 0; parts[i]; i++)
    if (!acceptable_name (parts[i]))
      return FALSE;
  return TRUE;
}

/* Opens `rel` below `root` without following a symlink anywhere below `root`; regular files only. */
int
pd_export_open_beneath (const char *root, const char *rel, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (rel, "/", -1);
  int dirfd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct stat st;
  int fd = -1;

  if (dirfd < 0)
    return pd_export_io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot open “%s”"), root), -1;
  for (guint i = 0; parts[i]; i++)
    {
      gboolean last = parts[i + 1] == NULL;
      int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (last ? O_NOCTTY : O_DIRECTORY);

      fd = openat (dirfd, parts[i], flags);
      close (dirfd);
      if (fd < 0)
        {
          int saved = errno;
          g_autofree char *path = g_build_filename (root, rel, NULL);

          return pd_export_io_error (error, saved == ELOOP || saved == ENOTDIR ? PD_EXPORT_ERROR_BAD_PACKAGE
                                                                      : PD_EXPORT_ERROR_IO,
                           saved, _("Cannot open “%s”"), path), -1;
        }
      dirfd = fd;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_autofree char *path = g_build_filename (root, rel, NULL);

      close (fd);
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BAD_PACKAGE,
                   _("“%s” is not a regular file."), path);
      return -1;
    }
  return fd;
}

/* ---- Reading a package ---- */

static JsonNode *
member (JsonObject *o, const char *key)
{
  return o != NULL && json_object_has_member (o, key) ? json_object_get_member (o, key) : NULL;
}

static gboolean
member_uint (JsonObject *o, const char *key, guint64 *out)
{
  JsonNode *n = member (o, key);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64 ||
      json_node_get_int (n) < 0)
    return FALSE;
  *out = (guint64) json_node_get_int (n);
  return TRUE;
}

/* Reads a small file below `root` (no symlinks), at most `max` bytes. */
static GBytes *
read_small (const char *root, const char *rel, gsize max, GError **error)
{
  int fd = pd_export_open_beneath (root, rel, error);
  g_autoptr (GByteArray) buf = NULL;
  guint8 chunk[16384];

  if (fd < 0)
    return NULL;
  buf = g_byte_array_new ();
  for (;;)
    {
      ssize_t n = read (fd, chunk, sizeof chunk);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 || buf->len + (gsize) n > max)
        {
          int saved = n < 0 ? errno : EFBIG;
          g_autofree char *path = g_build_filename (root, rel, NULL);

          close (fd);
          return pd_export_io_error (error, PD_EXPORT_ERROR_IO, saved, _("Cannot read “%s”"), path), NULL;
        }
      if (n == 0)
        break;
      g_byte_array_append (buf, chunk, n);
    }
  close (fd);
  return g_byte_array_free_to_bytes (g_steal_pointer (&buf));
}

typedef struct
{
  char    *rel;
  guint64  size;
  gint64   mtime;
} Found;

static void
found_free (Found *f)
{
  g_free (f->rel);
  g_free (f);
}

static gint
found_cmp (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(Found **) a)->rel, (*(Found **) b)->rel);
}

static gint
found_strcmp (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

/* Every regular file below `dirfd`; symlinks, special files and odd names are refused. Takes `dirfd`. */
static gboolean
scan_tree (int dirfd, const char *pkg, const char *prefix, guint depth, GPtrArray *found,
           GError **error)
{
  DIR *dir = fdopendir (dirfd);
  struct dirent *e;
  gboolean ok = TRUE;

  if (dir == NULL)
    {
      close (dirfd);
      return pd_export_io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot read the package “%s”"), pkg);
    }
  while (ok && (errno = 0, e = readdir (dir)) != NULL)
    {
      g_autofree char *rel = NULL;
      struct stat st;

      if (g_str_equal (e->d_name, ".") || g_str_equal (e->d_name, ".."))
        continue;
      rel = prefix ? g_strconcat (prefix, "/", e->d_name, NULL) : g_strdup (e->d_name);
      if (!acceptable_name (e->d_name))
        {
          g_autofree char *shown = g_utf8_make_valid (rel, -1);

          g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BAD_PACKAGE,
                       _("The package “%s” holds a file with an unusable name: “%s”."), pkg, shown);
          ok = FALSE;
        }
      else if (fstatat (dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        ok = pd_export_io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot read the package “%s”"), pkg);
      else if (S_ISLNK (st.st_mode))
        {
          g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BAD_PACKAGE,
                       _("The package “%s” holds a symbolic link, “%s”; it is not exported."),
                       pkg, rel);
          ok = FALSE;
        }
      else if (S_ISDIR (st.st_mode))
        {
          int sub = openat (dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

          if (depth >= MAX_DEPTH)
            {
              if (sub >= 0)
                close (sub);
              g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BAD_PACKAGE,
                           _("The package “%s” is nested too deeply."), pkg);
              ok = FALSE;
            }
          else if (sub < 0)
            ok = pd_export_io_error (error, PD_EXPORT_ERROR_BAD_PACKAGE, errno,
                           _("Cannot read the package “%s”"), pkg);
          else
            ok = scan_tree (sub, pkg, rel, depth + 1, found, error);
        }
      else if (S_ISREG (st.st_mode))
        {
          Found *f = g_new0 (Found, 1);

          f->rel = g_steal_pointer (&rel);
          f->size = st.st_size;
          f->mtime = st.st_mtime;
          g_ptr_array_add (found, f);
        }
      else
        {
          g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BAD_PACKAGE,
                       _("The package “%s” holds “%s”, which is not a regular file."), pkg, rel);
          ok = FALSE;
        }
    }
  if (ok && errno != 0)
    ok = pd_export_io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot read the package “%s”"), pkg);
  closedir (dir);
  return ok;
}

/* The first failed check, as "id on subject: message". */
static char *
first_failure (PdVerifyResult *vr)
{
  GPtrArray *checks = pd_verify_result_get_checks (vr);

  for (guint i = 0; i < checks->len; i++)
    {
      const PdVerifyCheck *c = g_ptr_array_index (checks, i);

      if (c->status == PD_CHECK_FAILED && !c->trust_only)
        return g_strdup_printf (_("check “%s” on %s: %s"), c->id, c->subject ? c->subject : "—",
                                c->message);
    }
  return g_strdup (pd_verify_result_get_summary (vr));
}

typedef struct
{
  Job     *job;
  guint64  base;
} VerifyProgress;

static void
on_verify_progress (guint64 done, guint64 total, gpointer user_data)
{
  VerifyProgress *vp = user_data;

  pd_export_progress (vp->job, PD_EXPORT_PHASE_VERIFY, vp->base + done, vp->base + total);
}

static void
read_recording_token (PdExportPackage *p, const char *dir, const char *token_rel)
{
  g_autoptr (GBytes) der = NULL;
  g_autoptr (PdTsaToken) token = NULL;

  if (token_rel == NULL || !acceptable_rel_path (token_rel))
    return;
  der = read_small (dir, token_rel, MAX_TOKEN, NULL);
  if (der != NULL)
    token = pd_tsa_token_new_from_der (der, NULL);
  if (token == NULL)
    return;
  p->gen_time = g_date_time_ref (pd_tsa_token_get_gen_time (token));
  p->tsa_name = g_strdup (pd_tsa_token_get_tsa_name (token));
  p->practice = p->practice || pd_tsa_token_is_practice (token);
}

/* 1. The verifier decides whether the package may leave at all. */
static PdVerifyResult *
verify_or_refuse (Job *job, const char *dir, PdVerdict *verdict, GError **error)
{
  g_autoptr (PdVerifyResult) vr = NULL;
  g_autoptr (GError) local_error = NULL;
  VerifyProgress vp = { job, 0 };

  vr = pd_verify_package (dir, job->trust, on_verify_progress, &vp, job->cancellable, &local_error);
  if (vr == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_REFUSED,
                   _("Package “%s” is refused: it cannot be verified (%s)."), dir,
                   local_error->message);
      return NULL;
    }
  *verdict = pd_verify_result_get_verdict (vr);
  if (*verdict == PD_VERDICT_INVALID || *verdict == PD_VERDICT_ERROR)
    {
      g_autofree char *why = first_failure (vr);

      g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_REFUSED,
                   _("Package “%s” is refused: %s — %u failed checks, first %s"), dir,
                   pd_verdict_describe (*verdict), pd_verify_result_count_failed (vr), why);
      return NULL;
    }
  return g_steal_pointer (&vr);
}

/* 2. Its manifest (through the one evidence reader): what each listed file's SHA-256 must be. */
static PdManifest *
load_manifest (const char *dir, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  PdManifest *manifest = pd_manifest_load (dir, &local_error);

  if (manifest == NULL)
    g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_REFUSED,
                 _("Package “%s” is refused: its manifest cannot be read."), dir);
  return manifest;
}

/* The package's entry in the result, from its manifest and the verifier's answer. */
static PdExportPackage *
describe_package (Job *job, const char *dir, JsonObject *manifest, PdVerifyResult *vr,
                  PdVerdict verdict)
{
  JsonObject *recording = pd_json_object (manifest, "recording");
  JsonObject *authority = pd_json_object (pd_json_object (manifest, "timestamps"), "authority");
  PdExportPackage *p = g_new0 (PdExportPackage, 1);
  const char *started;

  g_ptr_array_add (job->result->packages, p);
  p->source_dir = g_strdup (dir);
  p->verdict = verdict;
  p->summary = g_strdup (pd_verify_result_get_summary (vr));
  p->session = g_strdup (pd_json_string (manifest, "session"));
  p->case_name = g_strdup (pd_json_string (manifest, "case"));
  p->scenario = g_strdup (pd_json_string (manifest, "scenario"));
  p->platform = g_strdup (pd_disc_label_platform_for_scenario (p->scenario));
  started = pd_json_string (manifest, "started");
  p->started = started ? pd_time_parse (started) : NULL;
  p->recording_name = g_strdup (pd_json_string (recording, "name"));
  p->recording_sha256 = g_strdup (pd_json_string (recording, "sha256"));
  member_uint (recording, "size", &p->recording_size);
  if (authority != NULL && member (authority, "practice") != NULL &&
      JSON_NODE_HOLDS_VALUE (member (authority, "practice")) &&
      json_node_get_value_type (member (authority, "practice")) == G_TYPE_BOOLEAN)
    p->practice = json_node_get_boolean (member (authority, "practice"));
  read_recording_token (p, dir, pd_json_string (recording, "token"));
  if (p->tsa_name == NULL)
    p->tsa_name = g_strdup (pd_json_string (authority, "name"));
  return p;
}

/* 3. Where it goes: "<case>/<folder>", made unique. Returns the export folder. */
static char *
place_package (Job *job, const char *dir, PdExportPackage *p, GHashTable *export_dirs)
{
  g_autofree char *name = g_path_get_basename (dir);
  g_autofree char *case_dir = NULL, *pkg_dir = NULL, *export_dir = NULL;
  const char *case_name = p->case_name;

  case_dir = export_component (case_name && *case_name ? case_name : NULL, "unfiled");
  pkg_dir = export_component (name, "package");
  export_dir = g_strdup_printf ("%s/%s", case_dir, pkg_dir);
  for (guint n = 2; g_hash_table_contains (export_dirs, export_dir); n++)
    {
      g_free (export_dir);
      export_dir = g_strdup_printf ("%s/%s-%u", case_dir, pkg_dir, n);
    }
  g_hash_table_add (export_dirs, g_strdup (export_dir));
  p->export_dir = g_strdup (export_dir);
  if (!g_ptr_array_find_with_equal_func (job->dirs, case_dir, g_str_equal, NULL))
    g_ptr_array_add (job->dirs, g_strdup (case_dir));
  g_ptr_array_add (job->dirs, g_strdup (export_dir));
  return g_steal_pointer (&export_dir);
}

/* The manifest's files[] by name; FALSE when a name is unusable. */
static gboolean
list_manifest_files (JsonArray *files, const char *dir, GHashTable *listed, GError **error)
{
  for (guint i = 0; files != NULL && i < json_array_get_length (files); i++)
    {
      JsonNode *n = json_array_get_element (files, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      const char *fname = pd_json_string (o, "name");

      if (fname == NULL || !acceptable_rel_path (fname))
        {
          g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BAD_PACKAGE,
                       _("Package “%s” is refused: its manifest lists an unusable file name."), dir);
          return FALSE;
        }
      g_hash_table_insert (listed, (gpointer) fname, o);
    }
  return TRUE;
}

/* The SHA-256 a file must have: the manifest's (whose size must still agree), or, for a file
 * the manifest does not list, hashed now. */
static gboolean
expect_sha256 (Job *job, const char *dir, PlanFile *pf, const Found *f, JsonObject *entry,
               const char *sha, GError **error)
{
  guint64 size = 0;

  if (sha != NULL)
    {
      if (!member_uint (entry, "size", &size) || size != f->size)
        {
          g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_CHANGED,
                       _("“%s” in package “%s” no longer has the size its manifest states."),
                       f->rel, dir);
          return FALSE;
        }
      pf->sha256 = g_ascii_strdown (sha, -1);
      pf->from = "manifest";
    }
  else
    {
      /* Not listed (manifest.json, its token, certificate.pdf, later additions): fixed
       * now, right after the verifier read them. */
      int fd = pd_export_open_beneath (dir, f->rel, error);
      guint64 hashed = 0;

      if (fd < 0)
        return FALSE;
      pf->sha256 = pd_export_hash_fd (job, fd, PD_EXPORT_PHASE_VERIFY, NULL, &hashed, error);
      close (fd);
      if (pf->sha256 == NULL)
        return FALSE;
      if (hashed != f->size)
        {
          g_set_error (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_CHANGED,
                       _("“%s” in package “%s” changed while it was read."), f->rel, dir);
          return FALSE;
        }
      pf->from = "package";
    }
  return TRUE;
}

/* One file found in the package, into the plan. */
static gboolean
plan_file (Job *job, const char *dir, const char *export_dir, PdExportPackage *p,
           const Found *f, GHashTable *listed, JsonObject *recording, GError **error)
{
  JsonObject *entry = g_hash_table_lookup (listed, f->rel);
  PlanFile *pf = g_new0 (PlanFile, 1);
  const char *sha = entry ? pd_json_string (entry, "sha256") : NULL;

  pf->rel = g_strdup_printf ("%s/%s", export_dir, f->rel);
  pf->src_root = g_strdup (dir);
  pf->src_rel = g_strdup (f->rel);
  pf->size = f->size;
  pf->mtime = f->mtime;
  pf->package = p;
  g_ptr_array_add (job->files, pf);
  g_hash_table_insert (job->by_rel, pf->rel, pf);
  job->total += f->size;

  if (sha == NULL && p->recording_name && g_str_equal (f->rel, p->recording_name))
    {
      entry = recording;
      sha = p->recording_sha256;
    }
  return expect_sha256 (job, dir, pf, f, entry, sha, error);
}

/* Subfolders (checkpoints/, stills/): sorted, a parent comes before its children. */
static void
plan_subdirs (Job *job, const char *export_dir, GPtrArray *found)
{
  g_autoptr (GHashTable) subdirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree gpointer *keys = NULL;
  guint n = 0;

  for (guint i = 0; i < found->len; i++)
    {
      Found *f = g_ptr_array_index (found, i);
      g_autofree char *sub = g_path_get_dirname (f->rel);

      while (!g_str_equal (sub, "."))
        {
          char *up = g_path_get_dirname (sub);

          g_hash_table_add (subdirs, g_steal_pointer (&sub));
          sub = up;
        }
    }
  keys = g_hash_table_get_keys_as_array (subdirs, &n);
  qsort (keys, n, sizeof (gpointer), (GCompareFunc) found_strcmp);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (job->dirs, g_strdup_printf ("%s/%s", export_dir, (char *) keys[i]));
}

/* Verifies one package, reads its manifest and lists its files into the plan. */
gboolean
pd_export_read_package (Job *job, const char *dir, GHashTable *export_dirs, GError **error)
{
  g_autoptr (PdVerifyResult) vr = NULL;
  g_autoptr (PdManifest) pm = NULL;
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) found_free);
  g_autoptr (GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *export_dir = NULL;
  JsonObject *manifest;
  PdExportPackage *p;
  PdVerdict verdict = PD_VERDICT_ERROR;
  int dirfd;

  vr = verify_or_refuse (job, dir, &verdict, error);
  if (vr == NULL)
    return FALSE;
  pm = load_manifest (dir, error);
  if (pm == NULL)
    return FALSE;
  manifest = pd_manifest_get_object (pm);
  p = describe_package (job, dir, manifest, vr, verdict);
  export_dir = place_package (job, dir, p, export_dirs);

  /* 4. Every file actually there, with nothing odd among them. */
  dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return pd_export_io_error (error, PD_EXPORT_ERROR_IO, errno, _("Cannot open the package “%s”"), dir);
  if (!scan_tree (dirfd, dir, NULL, 0, found, error))
    return FALSE;
  g_ptr_array_sort (found, found_cmp);
  if (!list_manifest_files (pd_json_array (manifest, "files"), dir, listed, error))
    return FALSE;
  for (guint i = 0; i < found->len; i++)
    if (!plan_file (job, dir, export_dir, p, g_ptr_array_index (found, i), listed,
                    pd_json_object (manifest, "recording"), error))
      return FALSE;
  plan_subdirs (job, export_dir, found);
  return TRUE;
}
