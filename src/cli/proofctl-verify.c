/* proofctl-verify.c — `proofctl verify`: a file with its token or certificate, or a whole package. */
#define G_LOG_DOMAIN "proofctl"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <unistd.h>

#include "verify/pd-verify.h"
#include "proofctl.h"

/* --json on an error still prints an object with the verdict, so scripts need one parser. */
static int
fail_verify (gboolean json, GError *error)
{
  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "verdict");
      json_builder_add_string_value (b, pd_verdict_to_string (PD_VERDICT_ERROR));
      json_builder_set_member_name (b, "summary");
      json_builder_add_string_value (b, error->message);
      json_builder_set_member_name (b, "checks");
      json_builder_begin_array (b);
      json_builder_end_array (b);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      pctl_print_json (root);
    }
  return pctl_fail ("%s", error->message);
}

static void
on_progress (guint64 done, guint64 total, gpointer user_data)
{
  gint64 *last = user_data;
  gint64 now = g_get_monotonic_time ();

  if (now - *last < G_USEC_PER_SEC / 4 && done < total)
    return;
  *last = now;
  g_printerr ("\r%s %3u%%", _("Reading…"), total ? (guint) (done * 100 / total) : 100);
  if (done >= total)
    g_printerr ("\n");
}

static void
print_human (PdVerifyResult *result)
{
  GPtrArray *checks = pd_verify_result_get_checks (result);
  PdVerdict verdict = pd_verify_result_get_verdict (result);

  for (guint i = 0; i < checks->len; i++)
    {
      const PdVerifyCheck *check = g_ptr_array_index (checks, i);
      const char *mark = check->status == PD_CHECK_PASSED ? "✓"
                         : check->status == PD_CHECK_FAILED ? "✗"
                         : check->status == PD_CHECK_GAP ? "!" : "·";

      printf ("%s %s: %s\n", mark, check->subject ? check->subject : "", check->message);
      if (check->detail && check->status != PD_CHECK_INFO)
        printf ("    [%s] %s\n", check->id, check->detail);
    }
  printf ("\n%s %s\n", _("Verdict:"), pd_verdict_describe (verdict));
  printf ("%s\n", pd_verify_result_get_summary (result));
}

int
pctl_verify (int argc, char **argv)
{
  g_auto (GStrv) ca_files = NULL;
  g_auto (GStrv) untrusted_files = NULL;
  g_auto (GStrv) crl_files = NULL;
  g_auto (GStrv) args = NULL;
  gboolean json = FALSE;
  gboolean no_system = FALSE;
  GOptionEntry entries[] = {
    { "ca", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &ca_files,
      N_("Trust the certificate authorities in PEM (repeatable)"), N_("PEM") },
    { "untrusted", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &untrusted_files,
      N_("Extra certificates to build the chain, never trusted (repeatable)"), N_("PEM") },
    { "crl", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &crl_files,
      N_("Check the authority's certificates against this revocation list, as of the time of stamping (PEM or DER, repeatable)"), N_("CRL") },
    { "no-system-ca", 0, 0, G_OPTION_ARG_NONE, &no_system,
      N_("Do not trust the system's certificate authorities"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the verdict and every check as JSON"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL,
      N_("FILE TOKEN|CERTIFICATE.pdf | PACKAGE") },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTrustStore) trust = pd_trust_store_new ();
  g_autoptr (PdVerifyResult) result = NULL;
  guint n_args;

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("Verify a file against its RFC 3161 token or certificate, or a whole evidence package.\n"
                                  "Exit status: 0 valid (practice included), 1 invalid, 2 error, 3 intact but authority untrusted, 4 valid with named gaps in the real-time proof."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return pctl_fail ("%s", error->message);

  n_args = args ? g_strv_length (args) : 0;
  if (n_args != 1 && n_args != 2)
    return pctl_fail ("%s", _("give FILE and TOKEN (or CERTIFICATE.pdf), or one package folder"));

  if ((!no_system && !pd_trust_store_add_system (trust, &error)) ||
      !pd_trust_store_add_configured (trust, &error) ||
      !pd_trust_store_add_practice_root (trust, &error))
    return fail_verify (json, error);
  for (guint i = 0; ca_files && ca_files[i]; i++)
    if (!pd_trust_store_add_ca_file (trust, ca_files[i], &error))
      return fail_verify (json, error);
  for (guint i = 0; crl_files && crl_files[i]; i++)
    if (!pd_trust_store_add_crl_file (trust, crl_files[i], &error))
      return fail_verify (json, error);
  for (guint i = 0; untrusted_files && untrusted_files[i]; i++)
    if (!pd_trust_store_add_untrusted_file (trust, untrusted_files[i], &error))
      return fail_verify (json, error);

  if (n_args == 2)
    result = pd_verify_token_for_file (args[0], args[1], trust, NULL, &error);
  else
    {
      gint64 last = 0;
      gboolean show = !json && isatty (STDERR_FILENO);

      result = pd_verify_package (args[0], trust, show ? on_progress : NULL, &last, NULL, &error);
    }
  if (result == NULL)
    return fail_verify (json, error);

  if (json)
    {
      g_autoptr (JsonNode) node = pd_verify_result_to_json (result);
      pctl_print_json (node);
    }
  else
    print_human (result);

  switch (pd_verify_result_get_verdict (result))
    {
    case PD_VERDICT_VALID:
    case PD_VERDICT_VALID_PRACTICE:
      return PCTL_EXIT_OK;
    case PD_VERDICT_UNTRUSTED_AUTHORITY:
      return PCTL_EXIT_UNTRUSTED;
    case PD_VERDICT_VALID_WITH_GAPS:
      return PCTL_EXIT_GAPS;
    case PD_VERDICT_INVALID:
      return PCTL_EXIT_INVALID;
    case PD_VERDICT_ERROR:
    default:
      return PCTL_EXIT_ERROR;
    }
}
