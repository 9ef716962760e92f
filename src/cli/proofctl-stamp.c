/* proofctl-stamp.c — `proofctl stamp`: timestamp one file's SHA-256 into FILE.tsr. */
#define G_LOG_DOMAIN "proofctl"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "catalog/pd-catalog.h"
#include "capture/pd-seal.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"
#include "proofctl.h"

/* `proofctl stamp --pending [DIR…]`: stamp packages sealed while the TSA was unreachable. */
static int
stamp_pending (PdTsaClient *client, const char *root, const char *catalog_path, char **dirs)
{
  g_autoptr (PdCatalog) catalog = pctl_open_catalog_for_recording (catalog_path);
  g_auto (GStrv) found = NULL;
  g_autofree char *default_root = NULL;
  guint done = 0, failed = 0;

  if (dirs == NULL || dirs[0] == NULL)
    {
      if (root == NULL)
        root = default_root = pd_config_get_evidence_root ();
      dirs = found = pd_seal_find_pending (root);
    }
  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;

      g_autofree char *dir = NULL;

      if (!pd_seal_stamp_pending (dirs[i], client, catalog, NULL, &error))
        {
          pctl_warn ("%s", error->message);
          failed++;
          continue;
        }
      dir = pctl_safe (dirs[i]);
      printf ("%s\n", dir);
      done++;
    }
  g_printerr (ngettext ("%u package stamped", "%u packages stamped", done), done);
  g_printerr (ngettext (", %u failed\n", ", %u failed\n", failed), failed);
  if (pd_tsa_client_is_practice (client) && done > 0)
    g_printerr ("%s\n", _("Stamped by the built-in practice authority: practice, not for court."));
  return failed > 0 ? PCTL_EXIT_ERROR : PCTL_EXIT_OK;
}

/* What `proofctl stamp FILE` got back. The authority's name, serial, policy and status text
 * come from its reply and are shown through pctl_safe. */
static void
print_stamped (const char *file, const char *out, const char *hex, PdTsaToken *token)
{
  g_autofree char *when = pd_time_format_utc (pd_tsa_token_get_gen_time (token));
  g_autofree char *safe_file = pctl_safe (file);
  g_autofree char *safe_out = pctl_safe (out);
  g_autofree char *authority = pctl_safe (pd_tsa_token_get_tsa_name (token));
  g_autofree char *serial = pctl_safe (pd_tsa_token_get_serial (token));
  g_autofree char *policy = pctl_safe (pd_tsa_token_get_policy (token));
  g_autofree char *status = pctl_safe (pd_tsa_token_get_status_text (token));

  printf (_("Timestamped %s\n"), safe_file);
  printf ("  %-10s %s\n", _("SHA-256:"), hex);
  printf ("  %-10s %s\n", _("Time:"), when);
  printf ("  %-10s %s\n", _("Authority:"), authority);
  printf ("  %-10s %s\n", _("Serial:"), serial);
  printf ("  %-10s %s\n", _("Policy:"), policy);
  printf ("  %-10s %s\n", _("Token:"), safe_out);
  if (pd_tsa_token_get_granted_with_mods (token))
    printf (_("Note: the authority changed the request: %s\n"), status);
}

int
pctl_stamp (int argc, char **argv)
{
  g_autofree char *tsa_url = NULL;
  g_autofree char *out = NULL;
  g_autofree char *policy = NULL;
  int timeout = PD_TSA_DEFAULT_TIMEOUT;
  gboolean pending = FALSE;
  g_autofree char *root = NULL;
  g_autofree char *catalog_path = NULL;
  GOptionEntry entries[] = {
    { "pending", 0, 0, G_OPTION_ARG_NONE, &pending, N_("Stamp the packages sealed while the authority was unreachable (all under the evidence root, or the PACKAGE_DIRs given)"), NULL },
    { "root", 0, 0, G_OPTION_ARG_FILENAME, &root, N_("Evidence root for --pending (default: the configured one)"), "DIR" },
    { "catalog", 0, 0, G_OPTION_ARG_FILENAME, &catalog_path, N_("Catalog file for --pending (default: the standard one)"), "FILE" },
    { "tsa", 0, 0, G_OPTION_ARG_STRING, &tsa_url, N_("Timestamp authority: an http(s) URL or “local” (practice, not for court); default $PROOFDESK_TSA_URL, else local"), "URL" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out, N_("Where to write the token (default FILE.tsr; never overwritten)"), "OUT.tsr" },
    { "policy", 0, 0, G_OPTION_ARG_STRING, &policy, N_("Ask for this TSA policy OID"), "OID" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout, N_("Give up after this many seconds (default 20)"), "SECONDS" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("FILE"));
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaClient) client = NULL;
  g_autoptr (PdTsaToken) token = NULL;
  g_autofree char *hex = NULL;
  guint8 digest[PD_SHA256_LEN];
  GBytes *der;
  const char *file;

  g_option_context_set_summary (ctx, _("Timestamp FILE's SHA-256 with an RFC 3161 authority and write the token next to it."));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return pctl_fail ("%s", error->message);
  if (!pending && argc != 2)
    return pctl_fail ("%s", _("Give exactly one FILE to timestamp."));
  if (timeout < 1 || timeout > 3600)
    return pctl_fail ("%s", _("--timeout must be between 1 and 3600 seconds."));
  if (tsa_url == NULL)
    tsa_url = pd_config_get_tsa_url ();
  if (pending)
    {
      client = pd_tsa_client_new (tsa_url, &error);
      if (client == NULL || !pd_tsa_client_set_policy (client, policy, &error))
        return pctl_fail ("%s", error->message);
      pd_tsa_client_set_timeout (client, (guint) timeout);
      return stamp_pending (client, root, catalog_path, argv + 1);
    }
  file = argv[1];
  if (out == NULL)
    out = g_strconcat (file, ".tsr", NULL);
  /* Checked early so no timestamp is spent on a token that cannot be written. */
  if (g_file_test (out, G_FILE_TEST_EXISTS) || g_file_test (out, G_FILE_TEST_IS_SYMLINK))
    return pctl_fail (_("Refusing to overwrite “%s”."), out);

  client = pd_tsa_client_new (tsa_url, &error);
  if (client == NULL || !pd_tsa_client_set_policy (client, policy, &error))
    return pctl_fail ("%s", error->message);
  pd_tsa_client_set_timeout (client, (guint) timeout);

  hex = pd_sha256_file (file, NULL, NULL, &error);
  if (hex == NULL)
    return pctl_fail ("%s", error->message);
  if (!pd_hex_decode (hex, digest, sizeof digest))
    return pctl_fail ("%s", _("Cannot hash the file."));

  token = pd_tsa_client_stamp (client, PD_TSA_DIGEST_SHA256, digest, sizeof digest, NULL, &error);
  if (token == NULL)
    return pctl_fail ("%s", error->message);
  der = pd_tsa_token_get_response_der (token);
  if (!pd_write_file_once (out, g_bytes_get_data (der, NULL), g_bytes_get_size (der), &error))
    return pctl_fail ("%s", error->message);

  print_stamped (file, out, hex, token);
  if (pd_tsa_token_is_practice (token))
    printf ("%s\n", _("Warning: stamped by the practice authority, not for court."));
  return PCTL_EXIT_OK;
}
