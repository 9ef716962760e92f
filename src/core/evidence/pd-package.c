/* pd-package.c — evidence package folders: created once, files written once, manifest last. */
#define G_LOG_DOMAIN "pd-package"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "util/pd-error.h"
#include "evidence/pd-manifest.h"
#include "evidence/pd-package.h"
#include "util/pd-util.h"

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
  g_autoptr (PdManifest) manifest = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_IO,
                   _("“%s” is not a folder."), path);
      return NULL;
    }
  self->path = g_canonicalize_filename (path, NULL);
  manifest = pd_manifest_load (self->path, error);
  if (manifest == NULL)
    {
      g_prefix_error (error, _("Cannot read the manifest of “%s”: "), path);
      return NULL;
    }
  json_object_unref (self->manifest);
  self->manifest = json_object_ref (pd_manifest_get_object (manifest));
  return g_steal_pointer (&self);
}

PdPackage *
pd_package_open_unsealed (const char *path, GError **error)
{
  g_autoptr (PdPackage) self = NULL;
  g_autofree char *manifest_path = g_build_filename (path, PD_MANIFEST_NAME, NULL);

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_IO, _("“%s” is not a folder."), path);
      return NULL;
    }
  if (g_file_test (manifest_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_EXISTS,
                   _("“%s” is already sealed: it has a manifest."), path);
      return NULL;
    }
  self = g_object_new (PD_TYPE_PACKAGE, NULL);
  self->path = g_canonicalize_filename (path, NULL);
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

/* manifest.sha256, before the manifest itself. One left without a manifest (the process died in
 * between) vouches for nothing and is replaced; with a manifest, nothing is replaced. */
static gboolean
write_sealed_digest (PdPackage *self, const char *text, gsize len, GError **error)
{
  g_autofree char *manifest = g_build_filename (self->path, PD_MANIFEST_NAME, NULL);
  g_autofree char *path = g_build_filename (self->path, PD_SEALED_DIGEST_NAME, NULL);
  g_autofree char *sha = pd_sha256_bytes ((const guint8 *) text, len);
  g_autofree char *line = g_strdup_printf ("%s  %s\n", sha, PD_MANIFEST_NAME);

  if (!g_file_test (manifest, G_FILE_TEST_EXISTS) && !g_file_test (manifest, G_FILE_TEST_IS_SYMLINK))
    g_unlink (path);
  return pd_write_file_once (path, line, strlen (line), error);
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
  if (!write_sealed_digest (self, text, len, error) || !pd_write_file_once (path, text, len, error))
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

/* Step 0 of VERIFY.txt: the root is pinned by its fingerprint, and the reader is told to
 * compare it with the authority's published one instead of trusting the package's own
 * tsa-chain.pem (which whoever made the package could have written). */
static void
append_root_pin (GString *t, JsonObject *auth, gboolean practice)
{
  const char *fp = pd_json_string (auth, "root_sha256_fingerprint");

  g_string_append_printf (t,
    "0. Which authority? Check this before anything else.\n"
    "   确认时间戳机构（请先做这一步）：\n\n"
    "   %s is part of this package, so by itself it proves nothing: whoever made the\n"
    "   package could have written it. The commands below with \"-CAfile %s\" only show\n"
    "   that the tokens chain to the root inside this package.\n"
    "   %s 是证据包的一部分，本身不能证明任何事；下面使用 \"-CAfile %s\" 的命令\n"
    "   只说明时间戳链接到包内的根证书。\n\n"
    "   Expected root certificate SHA-256 fingerprint 预期的根证书 SHA-256 指纹:\n"
    "   %s\n\n"
    "   The root inside the package, and its fingerprint 包内根证书及其指纹:\n\n"
    "   openssl crl2pkcs7 -nocrl -certfile %s | openssl pkcs7 -print_certs -noout\n"
    "   awk '/BEGIN CERT/{c=\"\"} {c=c $0 \"\\n\"} /END CERT/{r=c} END{printf \"%%s\", r}' %s | openssl x509 -noout -subject -fingerprint -sha256\n\n",
    PD_TSA_CHAIN_NAME, PD_TSA_CHAIN_NAME, PD_TSA_CHAIN_NAME, PD_TSA_CHAIN_NAME, fp ? fp : "?",
    PD_TSA_CHAIN_NAME, PD_TSA_CHAIN_NAME);
  if (practice)
    g_string_append (t,
      "   This package was stamped by the practice authority built into Proofdesk. Its root is\n"
      "   this desk's own practice root, made on the computer that recorded: no authority\n"
      "   publishes it, and checking it proves nothing about when the recording was made.\n"
      "   本证据包由 Proofdesk 内置的练习用时间戳机构盖戳；其根证书是本工作站自己生成的\n"
      "   练习用根证书，没有任何机构公布它，核对它也不能证明录制时间。\n\n");
  else
    g_string_append_printf (t,
      "   Both must equal the fingerprint the authority publishes (on its website or in its\n"
      "   practice statement); if they differ, the timestamps prove nothing. Better still, use\n"
      "   the root certificate you obtained from the authority itself: in the commands below\n"
      "   replace \"-CAfile %s\" by \"-CAfile ROOT.pem -untrusted %s\".\n"
      "   两者都必须与机构公布的指纹（其网站或业务规则中）一致，否则时间戳不能证明任何事。\n"
      "   更稳妥的做法是使用从机构直接获得的根证书：把下面命令中的 \"-CAfile %s\"\n"
      "   换成 \"-CAfile ROOT.pem -untrusted %s\"。\n\n",
      PD_TSA_CHAIN_NAME, PD_TSA_CHAIN_NAME, PD_TSA_CHAIN_NAME, PD_TSA_CHAIN_NAME);
}

/* Written in English and Chinese: it is read by a court's technical expert, who may be either. */
char *
pd_package_build_verify_text (JsonObject *manifest)
{
  GString *t = g_string_new (NULL);
  JsonObject *rec = json_object_get_object_member (manifest, "recording");
  JsonObject *ts = json_object_has_member (manifest, "timestamps")
                     ? json_object_get_object_member (manifest, "timestamps") : NULL;
  JsonObject *auth = ts && json_object_has_member (ts, "authority")
                       ? json_object_get_object_member (ts, "authority") : NULL;
  JsonArray *cps = json_object_has_member (manifest, "checkpoints")
                     ? json_object_get_array_member (manifest, "checkpoints") : NULL;
  const char *sha = pd_json_string (rec, "sha256");
  gboolean practice = auth && json_object_get_boolean_member_with_default (auth, "practice", FALSE);
  guint n_cps = cps ? json_array_get_length (cps) : 0;
  guint stamped = 0;

  g_string_append (t,
    "HOW TO VERIFY THIS EVIDENCE PACKAGE WITH STANDARD TOOLS\n"
    "如何用通用工具校验本证据包\n"
    "=======================================================\n\n"
    "Run these commands inside this folder (Linux/macOS; on Windows use Git Bash or WSL).\n"
    "Each must print \"OK\" or \"Verification: OK\". 在本文件夹中运行以下命令，每条都应输出 OK。\n\n");

  if (practice)
    g_string_append (t,
      "WARNING: these timestamps come from the practice authority built into Proofdesk.\n"
      "They show how verification works but prove nothing in court.\n"
      "警告：本证据包的时间戳来自 Proofdesk 内置的练习用时间戳机构，不可用于诉讼。\n\n");

  if (ts != NULL)
    append_root_pin (t, auth, practice);

  g_string_append_printf (t,
    "1. The recording is unchanged (its SHA-256 is fixed in manifest.json and its token):\n"
    "   录像文件未被改动：\n\n"
    "   echo \"%s  %s\" | sha256sum -c -\n\n",
    sha ? sha : "?", PD_RECORDING_NAME);

  if (ts != NULL)
    {
      g_string_append_printf (t,
        "2. The trusted timestamp over the recording (prints the TSA's time with -text):\n"
        "   录像文件的可信时间戳：\n\n"
        "   openssl ts -verify -data %s -in %s -CAfile %s\n"
        "   openssl ts -reply -in %s -text\n\n",
        PD_RECORDING_NAME, PD_RECORDING_TOKEN_NAME, PD_TSA_CHAIN_NAME, PD_RECORDING_TOKEN_NAME);

      g_string_append (t,
        "3. Checkpoints: the first OFFSET bytes of the recording were timestamped while it was\n"
        "   still being recorded, which shows it was made in real time, not edited afterwards:\n"
        "   检查点：录制过程中对录像前 OFFSET 字节所做的时间戳，证明录像是实时录制的：\n\n");
      for (guint i = 0; i < n_cps; i++)
        {
          JsonObject *cp = pd_json_array_object (cps, i);
          const char *token = pd_json_string (cp, "token");

          if (token == NULL)
            continue;
          stamped++;
          g_string_append_printf (t,
            "   head -c %" G_GINT64_FORMAT " %s | openssl ts -verify -data /dev/stdin -in %s -CAfile %s   # %s\n",
            json_object_get_int_member (cp, "offset"), PD_RECORDING_NAME, token, PD_TSA_CHAIN_NAME,
            pd_json_string (cp, "stream_time") ? pd_json_string (cp, "stream_time") : "");
        }
      if (stamped == 0)
        g_string_append (t, "   (no checkpoint was timestamped 无已盖时间戳的检查点)\n");
      g_string_append_printf (t, "\n"
        "4. The manifest (every other file's size and SHA-256, the checkpoints, the marks):\n"
        "   清单文件（其他所有文件的大小和 SHA-256）：\n\n"
        "   openssl ts -verify -data %s -in %s -CAfile %s\n"
        "   sha256sum FILE   # compare with \"files\" in %s\n\n",
        PD_MANIFEST_NAME, PD_MANIFEST_TOKEN_NAME, PD_TSA_CHAIN_NAME, PD_MANIFEST_NAME);
    }
  else
    g_string_append (t, "This package was sealed without a timestamp authority.\n"
                        "本证据包未加盖可信时间戳。\n\n");

  g_string_append (t,
    "Proofdesk does all of the above in one step: proofctl verify .\n"
    "Proofdesk 可一步完成以上全部校验：proofctl verify .\n");
  return g_string_free (t, FALSE);
}
