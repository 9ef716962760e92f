/* verify-throughput-mkpkg.c — seals a valid evidence package around an existing recording.mp4,
 * for bench/verify-throughput (a multi-GiB recording cannot be captured in reasonable time).
 *
 * usage: verify-throughput-mkpkg DIR [INTERVAL_BYTES]      (default 64 MiB)
 *
 * DIR holds recording.mp4 and nothing else. One read pass (pd_sha256_file_prefixes) gives the
 * SHA-256 of the file and of every prefix [0, k × INTERVAL); each prefix digest, the recording's
 * digest and the manifest's are stamped by the practice TSA (pd_tsa_client_new ("local"); its key
 * lives under PROOFDESK_DATA_DIR). The package is then written through the same libproofdesk
 * calls the capture uses: checkpoints/NNNNNN.tsr, recording.mp4.tsr, tsa-chain.pem, VERIFY.txt
 * (pd_package_write_file / pd_package_build_verify_text), manifest.json in the pd-package.h schema
 * (pd_package_write_manifest, state "sealed", digest_source "read-back"), manifest.json.tsr and
 * certificate.pdf (pd_certificate_write with both tokens attached). Checkpoint running times are
 * synthetic (10 s apart); there is no journal.jsonl and no marks. Prints the package path last. */
#include "config.h"

#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/pd-certificate.h"
#include "pd-core.h"
#include "evidence/pd-package.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"

#define CHECKPOINT_SPACING_NS (G_GUINT64_CONSTANT (10) * 1000000000)

static G_NORETURN void
die (const char *what, GError *error)
{
  fprintf (stderr, "verify-throughput-mkpkg: %s: %s\n", what, error ? error->message : "failed");
  exit (2);
}

static PdTsaToken *
stamp_hex (PdTsaClient *tsa, const char *hex)
{
  guint8 digest[PD_SHA256_LEN];
  GError *error = NULL;
  PdTsaToken *token;

  if (!pd_hex_decode (hex, digest, sizeof digest))
    die ("bad digest", NULL);
  token = pd_tsa_client_stamp (tsa, PD_TSA_DIGEST_SHA256, digest, sizeof digest, NULL, &error);
  if (token == NULL)
    die ("stamp", error);
  return token;
}

static JsonObject *
token_json (PdTsaToken *token, const char *file)
{
  JsonObject *o = json_object_new ();
  g_autofree char *gen = pd_time_format_utc (pd_tsa_token_get_gen_time (token));

  json_object_set_string_member (o, "file", file);
  json_object_set_string_member (o, "gen_time", gen);
  json_object_set_string_member (o, "serial", pd_tsa_token_get_serial (token));
  return o;
}

/* SHA-256 fingerprint AA:BB:… of the last certificate of a PEM chain (as pd-capture.c). */
static char *
root_fingerprint (const char *pem)
{
  BIO *bio = BIO_new_mem_buf (pem, -1);
  X509 *cert, *last = NULL;
  guint8 md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  GString *out;

  while ((cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL)) != NULL)
    {
      if (last)
        X509_free (last);
      last = cert;
    }
  BIO_free (bio);
  if (last == NULL || !X509_digest (last, EVP_sha256 (), md, &len))
    return NULL;
  X509_free (last);
  out = g_string_new (NULL);
  for (unsigned int i = 0; i < len; i++)
    g_string_append_printf (out, i ? ":%02X" : "%02X", md[i]);
  return g_string_free (out, FALSE);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaClient) tsa = NULL;
  g_autoptr (PdPackage) pkg = NULL;
  g_autoptr (PdTsaToken) rec_token = NULL;
  g_autoptr (PdTsaToken) man_token = NULL;
  g_autoptr (GPtrArray) cp_tokens = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GBytes) manifest_bytes = NULL;
  g_autofree char *rec_path = NULL;
  g_autofree char *final_sha = NULL;
  g_autofree guint64 *offsets = NULL;
  g_auto (GStrv) prefixes = NULL;
  g_autofree char *chain = NULL;
  g_autoptr (GDateTime) started = NULL;
  g_autoptr (GDateTime) stopped = NULL;
  JsonObject *m, *o, *rec, *enc, *auth, *ts;
  JsonArray *cps;
  guint64 interval = 64 * 1024 * 1024, size = 0;
  guint n = 0;
  GStatBuf st;
  gint64 t0;

  pd_core_init (&argc, &argv);
  if (argc < 2 || argc > 3)
    {
      fprintf (stderr, "usage: %s DIR [INTERVAL_BYTES]\n", argv[0]);
      return 2;
    }
  if (argc == 3 && !g_ascii_string_to_unsigned (argv[2], 10, 1, G_MAXUINT64, &interval, &error))
    die ("interval", error);
  rec_path = g_build_filename (argv[1], PD_RECORDING_NAME, NULL);
  if (g_stat (rec_path, &st) != 0 || st.st_size == 0)
    die ("no recording.mp4 in DIR", NULL);
  size = (guint64) st.st_size;

  tsa = pd_tsa_client_new (PD_TSA_LOCAL, &error);
  if (tsa == NULL)
    die ("practice TSA", error);
  pkg = pd_package_open_unsealed (argv[1], &error);
  if (pkg == NULL)
    die ("package", error);

  /* Checkpoints strictly inside the file, every `interval` bytes, as proofhash would post them. */
  offsets = g_new0 (guint64, size / interval + 1);
  for (guint64 off = interval; off < size; off += interval)
    offsets[n++] = off;
  t0 = g_get_monotonic_time ();
  final_sha = pd_sha256_file_prefixes (rec_path, offsets, n, &prefixes, &size, NULL, &error);
  if (final_sha == NULL)
    die ("hash", error);
  fprintf (stderr, "hashed %" G_GUINT64_FORMAT " bytes and %u prefixes in %.2f s\n", size, n,
           (g_get_monotonic_time () - t0) / 1e6);

  started = g_date_time_new_now_utc ();
  stopped = g_date_time_add_seconds (started, (double) (n + 1) * CHECKPOINT_SPACING_NS / 1e9);

  for (guint i = 0; i < n; i++)
    {
      PdTsaToken *t = stamp_hex (tsa, prefixes[i]);
      g_autofree char *name = g_strdup_printf (PD_CHECKPOINT_TOKEN_FORMAT, i + 1);

      if (!pd_package_write_file (pkg, name, pd_tsa_token_get_response_der (t), &error))
        die (name, error);
      g_ptr_array_add (cp_tokens, t);
    }
  pd_package_add_file_entry (pkg, PD_RECORDING_NAME, size, final_sha);
  rec_token = stamp_hex (tsa, final_sha);
  if (!pd_package_write_file (pkg, PD_RECORDING_TOKEN_NAME, pd_tsa_token_get_response_der (rec_token), &error))
    die (PD_RECORDING_TOKEN_NAME, error);
  chain = pd_tsa_client_get_chain_pem (tsa);
  if (chain)
    {
      g_autoptr (GBytes) b = g_bytes_new (chain, strlen (chain));
      if (!pd_package_write_file (pkg, PD_TSA_CHAIN_NAME, b, &error))
        die (PD_TSA_CHAIN_NAME, error);
    }

  /* manifest.json, the members fill_manifest() in pd-capture.c writes */
  m = pd_package_get_manifest (pkg);
  {
    g_autofree char *session = g_uuid_string_random ();
    g_autofree char *s0 = pd_time_format_utc (started);
    g_autofree char *s1 = pd_time_format_utc (stopped);
    JsonObject *app = json_object_new ();
    JsonObject *src = json_object_new ();
    JsonObject *settings = json_object_new ();

    json_object_set_string_member (m, "format", PD_MANIFEST_FORMAT);
    json_object_set_int_member (m, "format_version", PD_MANIFEST_FORMAT_VERSION);
    json_object_set_string_member (m, "session", session);
    json_object_set_string_member (m, "state", "sealed");
    json_object_set_string_member (m, "case", "bench");
    json_object_set_string_member (m, "scenario", "verify-throughput");
    json_object_set_string_member (m, "operator", "bench");
    json_object_set_string_member (m, "host", g_get_host_name ());
    json_object_set_string_member (app, "name", "Proofdesk");
    json_object_set_string_member (app, "version", pd_core_version ());
    json_object_set_object_member (m, "app", app);
    json_object_set_string_member (src, "kind", "test");
    json_object_set_string_member (src, "description", "Synthetic recording (bench/verify-throughput)");
    json_object_set_object_member (m, "source", src);
    json_object_set_string_member (m, "started", s0);
    json_object_set_string_member (m, "stopped", s1);
    json_object_set_double_member (m, "duration_seconds", (n + 1) * CHECKPOINT_SPACING_NS / 1e9);
    enc = json_object_new ();
    json_object_set_string_member (enc, "element", "none");
    json_object_set_object_member (enc, "settings", settings);
    json_object_set_string_member (enc, "muxer", "none");
    json_object_set_int_member (enc, "fragment_duration_ms", 1000);
    json_object_set_int_member (enc, "width", 0);
    json_object_set_int_member (enc, "height", 0);
    json_object_set_string_member (enc, "framerate", "30/1");
    json_object_set_int_member (enc, "frames", 0);
    json_object_set_object_member (m, "encoder", enc);
  }
  rec = json_object_new ();
  json_object_set_string_member (rec, "name", PD_RECORDING_NAME);
  json_object_set_int_member (rec, "size", (gint64) size);
  json_object_set_string_member (rec, "sha256", final_sha);
  json_object_set_string_member (rec, "digest_source", "read-back");
  json_object_set_string_member (rec, "token", PD_RECORDING_TOKEN_NAME);
  json_object_set_object_member (rec, "timestamp", token_json (rec_token, PD_RECORDING_TOKEN_NAME));
  json_object_set_object_member (m, "recording", rec);
  cps = json_array_new ();
  for (guint i = 0; i < n; i++)
    {
      PdTsaToken *t = g_ptr_array_index (cp_tokens, i);
      guint64 running = (i + 1) * CHECKPOINT_SPACING_NS;
      g_autoptr (GDateTime) wall = g_date_time_add_seconds (started, running / 1e9);
      g_autofree char *wall_s = pd_time_format_utc (wall);
      g_autofree char *stream_s = pd_format_stream_time (running);
      g_autofree char *name = g_strdup_printf (PD_CHECKPOINT_TOKEN_FORMAT, i + 1);
      g_autofree char *gen = pd_time_format_utc (pd_tsa_token_get_gen_time (t));

      o = json_object_new ();
      json_object_set_int_member (o, "index", i + 1);
      json_object_set_int_member (o, "offset", (gint64) offsets[i]);
      json_object_set_string_member (o, "sha256", prefixes[i]);
      json_object_set_int_member (o, "running_time_ns", (gint64) running);
      json_object_set_string_member (o, "stream_time", stream_s);
      json_object_set_string_member (o, "wall_time", wall_s);
      json_object_set_string_member (o, "token", name);
      json_object_set_string_member (o, "gen_time", gen);
      json_array_add_object_element (cps, o);
    }
  json_object_set_array_member (m, "checkpoints", cps);
  json_object_set_array_member (m, "marks", json_array_new ());
  ts = json_object_new ();
  auth = json_object_new ();
  json_object_set_string_member (auth, "url", pd_tsa_client_get_url (tsa));
  json_object_set_boolean_member (auth, "practice", pd_tsa_client_is_practice (tsa));
  json_object_set_string_member (auth, "name", pd_tsa_token_get_tsa_name (rec_token));
  if (pd_tsa_token_get_policy (rec_token))
    json_object_set_string_member (auth, "policy", pd_tsa_token_get_policy (rec_token));
  json_object_set_string_member (auth, "notice", "Practice authority built into Proofdesk: not for court.");
  {
    g_autofree char *fp = chain ? root_fingerprint (chain) : NULL;
    if (fp)
      json_object_set_string_member (auth, "root_sha256_fingerprint", fp);
  }
  json_object_set_object_member (ts, "authority", auth);
  json_object_set_string_member (ts, "chain", PD_TSA_CHAIN_NAME);
  json_object_set_string_member (ts, "manifest_token", PD_MANIFEST_TOKEN_NAME);
  json_object_set_object_member (m, "timestamps", ts);
  {
    g_autofree char *text = pd_package_build_verify_text (m);
    g_autoptr (GBytes) b = g_bytes_new (text, strlen (text));
    if (!pd_package_write_file (pkg, PD_VERIFY_TEXT_NAME, b, &error))
      die (PD_VERIFY_TEXT_NAME, error);
  }
  manifest_bytes = pd_package_write_manifest (pkg, &error);
  if (manifest_bytes == NULL)
    die (PD_MANIFEST_NAME, error);
  {
    g_autofree char *hex = pd_sha256_bytes (g_bytes_get_data (manifest_bytes, NULL),
                                            g_bytes_get_size (manifest_bytes));
    g_autofree char *path = g_build_filename (pd_package_get_path (pkg), PD_MANIFEST_TOKEN_NAME, NULL);
    GBytes *der;

    man_token = stamp_hex (tsa, hex);
    der = pd_tsa_token_get_response_der (man_token);
    if (!pd_write_file_once (path, g_bytes_get_data (der, NULL), g_bytes_get_size (der), &error))
      die (PD_MANIFEST_TOKEN_NAME, error);
  }

  /* certificate.pdf, as write_certificate() in pd-capture.c */
  {
    g_autoptr (PdCertificateInfo) info = pd_certificate_info_new_from_manifest (m);
    g_autofree char *path = g_build_filename (pd_package_get_path (pkg), PD_CERTIFICATE_NAME, NULL);
    gint64 acc = pd_tsa_token_get_accuracy (rec_token);

    g_clear_pointer (&info->gen_time, g_date_time_unref);
    info->gen_time = g_date_time_ref (pd_tsa_token_get_gen_time (rec_token));
    g_free (info->tsa_name);
    info->tsa_name = g_strdup (pd_tsa_token_get_tsa_name (rec_token));
    g_free (info->serial);
    info->serial = g_strdup (pd_tsa_token_get_serial (rec_token));
    g_free (info->policy);
    info->policy = g_strdup (pd_tsa_token_get_policy (rec_token));
    g_free (info->accuracy);
    info->accuracy = acc < 0 ? NULL : g_strdup_printf ("±%" G_GINT64_FORMAT " s", acc / G_USEC_PER_SEC);
    info->practice = pd_tsa_token_is_practice (rec_token);
    for (guint i = 0; info->checkpoints && i < info->checkpoints->len; i++)
      {
        PdCertificateCheckpoint *c = g_ptr_array_index (info->checkpoints, i);
        if (c->gen_time == NULL && c->index >= 1 && c->index <= cp_tokens->len)
          c->gen_time = g_date_time_ref (pd_tsa_token_get_gen_time (g_ptr_array_index (cp_tokens, c->index - 1)));
      }
    pd_certificate_info_add_attachment (info, PD_RECORDING_TOKEN_NAME,
                                        pd_tsa_token_get_response_der (rec_token), NULL);
    pd_certificate_info_add_attachment (info, PD_MANIFEST_TOKEN_NAME,
                                        pd_tsa_token_get_response_der (man_token), NULL);
    if (!pd_certificate_write (info, path, &error))
      die (PD_CERTIFICATE_NAME, error);
  }
  fprintf (stderr, "sealed: %u checkpoints every %" G_GUINT64_FORMAT " bytes\n", n, interval);
  printf ("%s\n", pd_package_get_path (pkg));
  return 0;
}
