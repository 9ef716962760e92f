/* proofctl-catalog.c — `proofctl list`, `show`, `audit` and `import`: the catalog from a shell. */
#define G_LOG_DOMAIN "proofctl"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "catalog/pd-catalog.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"
#include "verify/pd-verify.h"
#include "proofctl.h"

/* Catalog text (case names, details) may hold anything: escape controls and bidirectional
 * overrides so it cannot rewrite the terminal or reorder what the reader sees. */
static char *
safe_text (const char *s)
{
  GString *out;

  if (s == NULL)
    return g_strdup ("-");
  if (!g_utf8_validate (s, -1, NULL))
    return g_strescape (s, NULL);
  out = g_string_new (NULL);
  for (const char *p = s; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x061c || c == 0x200e || c == 0x200f ||
          (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
        g_string_append_printf (out, "\\u{%04X}", c);
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

static void
print_field (const char *label, const char *value)
{
  g_autofree char *safe = safe_text (value);

  printf ("  %-18s %s\n", label, safe);
}

static PdCatalog *
open_catalog (const char *path, GError **error)
{
  return pd_catalog_open (path, error);
}

static gboolean
parse_options (GOptionContext *context, const char *summary, GOptionEntry *entries, int *argc,
               char ***argv, GError **error)
{
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  return g_option_context_parse (context, argc, argv, error);
}

static char *
time_text (GDateTime *dt)
{
  return dt ? pd_time_format_utc (dt) : g_strdup ("-");
}

/* ---- list ---- */

/* --case and --state narrow the matches of --search. */
static void
list_narrow (GPtrArray *sessions, const char *case_name, const char *state)
{
  for (guint i = sessions ? sessions->len : 0; i > 0; i--)
    {
      PdCatalogSession *s = g_ptr_array_index (sessions, i - 1);

      if ((case_name && g_strcmp0 (case_name, pd_catalog_session_get_case_name (s)) != 0) ||
          (state && g_strcmp0 (state, pd_catalog_session_get_state (s)) != 0))
        g_ptr_array_remove_index (sessions, i - 1);
    }
}

static void
list_print_json (GPtrArray *sessions)
{
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_ARRAY);
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < sessions->len; i++)
    json_array_add_element (array, pd_catalog_session_to_json (g_ptr_array_index (sessions, i)));
  json_node_take_array (root, array);
  pctl_print_json (root);
}

static void
list_print_text (GPtrArray *sessions)
{
  if (sessions->len == 0)
    {
      printf ("%s\n", _("No sessions."));
      return;
    }
  printf ("%-36s  %-14s  %-24s  %s\n", _("SESSION"), _("STATE"), _("STARTED"), _("CASE"));
  for (guint i = 0; i < sessions->len; i++)
    {
      PdCatalogSession *s = g_ptr_array_index (sessions, i);
      g_autofree char *started = time_text (pd_catalog_session_get_started (s));
      g_autofree char *case_text = safe_text (pd_catalog_session_get_case_name (s));

      printf ("%-36s  %-14s  %-24s  %s%s\n", pd_catalog_session_get_uuid (s),
              pd_catalog_session_get_state (s), started, case_text,
              pd_catalog_session_get_practice (s) ? _("  (practice stamps)") : "");
    }
}

int
pctl_list (int argc, char **argv)
{
  g_autofree char *catalog_path = NULL;
  g_autofree char *case_name = NULL;
  g_autofree char *state = NULL;
  g_autofree char *search = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "case", 0, 0, G_OPTION_ARG_STRING, &case_name, N_("Only sessions of this case"), N_("NAME") },
    { "search", 0, 0, G_OPTION_ARG_STRING, &search,
      N_("Only sessions whose case, parties, dispute type, scenario, source or marks contain "
         "every word of TEXT"), N_("TEXT") },
    { "state", 0, 0, G_OPTION_ARG_STRING, &state,
      N_("Only sessions in this state (created, recording, sealing, stamped, awaiting-stamp, "
         "failed, recovered)"), N_("STATE") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print a JSON array"), NULL },
    { "catalog", 0, 0, G_OPTION_ARG_FILENAME, &catalog_path,
      N_("Catalog database (default: the one in the data folder)"), N_("FILE") },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PdCatalog) catalog = NULL;
  g_autoptr (GPtrArray) sessions = NULL;

  if (!parse_options (context, _("List the sessions in the catalog, newest first."), entries,
                      &argc, &argv, &error))
    return pctl_fail ("%s", error->message);
  if (argc > 1)
    return pctl_fail ("%s", _("unexpected argument"));
  if (state && !pd_catalog_state_is_valid (state))
    return pctl_fail (_("“%s” is not a session state"), state);

  catalog = open_catalog (catalog_path, &error);
  if (catalog == NULL)
    return pctl_fail ("%s", error->message);
  if (search != NULL)
    {
      sessions = pd_catalog_search_sessions (catalog, search, 0, &error);
      list_narrow (sessions, case_name, state);
    }
  else
    sessions = pd_catalog_list_sessions (catalog, case_name, state, &error);
  if (sessions == NULL)
    return pctl_fail ("%s", error->message);

  if (json)
    list_print_json (sessions);
  else
    list_print_text (sessions);
  return PCTL_EXIT_OK;
}

/* ---- show ---- */

static const char *
member_text (JsonObject *o, const char *key, char buf[64])
{
  JsonNode *n = json_object_get_member (o, key);

  if (n == NULL || JSON_NODE_HOLDS_NULL (n) || !JSON_NODE_HOLDS_VALUE (n))
    return NULL;
  switch (json_node_get_value_type (n))
    {
    case G_TYPE_STRING:
      return json_node_get_string (n);
    case G_TYPE_INT64:
      g_snprintf (buf, 64, "%" G_GINT64_FORMAT, json_node_get_int (n));
      return buf;
    case G_TYPE_DOUBLE:
      g_snprintf (buf, 64, "%.3f", json_node_get_double (n));
      return buf;
    case G_TYPE_BOOLEAN:
      return json_node_get_boolean (n) ? _("yes") : _("no");
    default:
      return NULL;
    }
}

static void
print_rows (const char *title, JsonArray *rows, const char *const *keys)
{
  if (rows == NULL || json_array_get_length (rows) == 0)
    return;
  printf ("\n%s (%u)\n", title, json_array_get_length (rows));
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *o = json_array_get_object_element (rows, i);
      GString *line = g_string_new ("  ");

      for (guint k = 0; keys[k]; k++)
        {
          char buf[64];
          const char *v = member_text (o, keys[k], buf);
          g_autofree char *safe = safe_text (v);

          if (k > 0)
            g_string_append (line, "  ");
          g_string_append (line, safe);
        }
      printf ("%s\n", line->str);
      g_string_free (line, TRUE);
    }
}

int
pctl_show (int argc, char **argv)
{
  static const char *const session_keys[] = {
    "uuid", "case", "state", "state_reason", "source", "scenario", "package_path", "started",
    "stopped", "capture_time", "stamp_time", "recording_sha256", "recording_size",
    "manifest_sha256", "practice", NULL
  };
  static const char *const file_keys[] = { "sha256", "size", "name", NULL };
  static const char *const token_keys[] = { "kind", "name", "gen_time", "serial", "tsa_name", NULL };
  static const char *const checkpoint_keys[] = { "index", "offset", "stream_time", "sha256",
                                                 "gen_time", NULL };
  static const char *const mark_keys[] = { "item", "stream_time_ns", "wall_time", "note",
                                           "undone", NULL };
  static const char *const export_keys[] = { "time", "target_kind", "target", "result", NULL };
  static const char *const audit_keys[] = { "seq", "time", "actor", "action", "details_text",
                                            NULL };
  g_autofree char *catalog_path = NULL;
  g_auto (GStrv) args = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print everything as JSON"), NULL },
    { "catalog", 0, 0, G_OPTION_ARG_FILENAME, &catalog_path,
      N_("Catalog database (default: the one in the data folder)"), N_("FILE") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, N_("SESSION") },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PdCatalog) catalog = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *o;

  if (!parse_options (context,
                      _("Show one session: its package, files, tokens, checkpoints, marks, "
                        "exports and audit trail. SESSION is a UUID or the start of one."),
                      entries, &argc, &argv, &error))
    return pctl_fail ("%s", error->message);
  if (args == NULL || g_strv_length (args) != 1)
    return pctl_fail ("%s", _("give one SESSION (a UUID or the start of one)"));

  catalog = open_catalog (catalog_path, &error);
  if (catalog == NULL)
    return pctl_fail ("%s", error->message);
  node = pd_catalog_describe_session (catalog, args[0], &error);
  if (node == NULL)
    return pctl_fail ("%s", error->message);
  if (json)
    {
      pctl_print_json (node);
      return PCTL_EXIT_OK;
    }

  o = json_node_get_object (node);
  {
    JsonObject *s = json_object_get_object_member (o, "session");

    printf ("%s\n", _("Session"));
    for (guint i = 0; session_keys[i]; i++)
      {
        char buf[64];
        print_field (session_keys[i], member_text (s, session_keys[i], buf));
      }
  }
  print_rows (_("Files"), json_object_get_array_member (o, "files"), file_keys);
  print_rows (_("Tokens"), json_object_get_array_member (o, "tokens"), token_keys);
  print_rows (_("Checkpoints"), json_object_get_array_member (o, "checkpoints"), checkpoint_keys);
  print_rows (_("Marks"), json_object_get_array_member (o, "marks"), mark_keys);
  print_rows (_("Exports"), json_object_get_array_member (o, "exports"), export_keys);
  print_rows (_("Audit trail"), json_object_get_array_member (o, "audit"), audit_keys);
  return PCTL_EXIT_OK;
}

/* ---- audit ---- */

static gboolean
fill_trust (PdTrustStore *trust, GStrv ca_files, GError **error)
{
  if (!pd_trust_store_add_system (trust, error) ||
      !pd_trust_store_add_configured (trust, error) ||
      !pd_trust_store_add_practice_root (trust, error))
    return FALSE;
  for (guint i = 0; ca_files && ca_files[i]; i++)
    if (!pd_trust_store_add_ca_file (trust, ca_files[i], error))
      return FALSE;
  return TRUE;
}

/* --stamp: the head row, by `tsa_url` or the configured authority. */
static gboolean
audit_stamp_head (PdCatalog *catalog, const char *tsa_url, GError **error)
{
  g_autofree char *url = tsa_url ? g_strdup (tsa_url) : pd_config_get_tsa_url ();
  g_autoptr (PdTsaClient) tsa = pd_tsa_client_new (url, error);

  return tsa != NULL && pd_catalog_audit_stamp_head (catalog, tsa, error);
}

/* --verify: against the system, configured and practice roots and the --ca files. */
static PdAuditReport *
audit_verify (PdCatalog *catalog, GStrv ca_files, GError **error)
{
  g_autoptr (PdTrustStore) trust = pd_trust_store_new ();

  if (!fill_trust (trust, ca_files, error))
    return NULL;
  return pd_catalog_audit_verify (catalog, trust, error);
}

static void
audit_print_json (GPtrArray *entries_list, PdAuditReport *report)
{
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  JsonObject *o = json_object_new ();
  JsonArray *rows = json_array_new ();

  for (guint i = 0; i < entries_list->len; i++)
    json_array_add_element (rows, pd_audit_entry_to_json (g_ptr_array_index (entries_list, i)));
  json_object_set_array_member (o, "entries", rows);
  if (report)
    json_object_set_member (o, "verification", pd_audit_report_to_json (report));
  json_node_take_object (root, o);
  pctl_print_json (root);
}

static void
audit_print_report (PdAuditReport *report)
{
  GPtrArray *problems = pd_audit_report_get_problems (report);

  printf ("\n");
  for (guint i = 0; i < problems->len; i++)
    {
      const PdAuditProblem *p = g_ptr_array_index (problems, i);
      printf ("✗ [%s] %s\n", p->kind, p->message);
    }
  if (pd_audit_report_get_ok (report))
    printf (_("✓ Audit log intact: %u rows, %u timestamps (newest stamped row %lld, "
              "head %lld).\n"),
            pd_audit_report_get_n_rows (report), pd_audit_report_get_n_stamps (report),
            (long long) pd_audit_report_get_stamped_seq (report),
            (long long) pd_audit_report_get_head_seq (report));
  else
    printf (_("Audit log BROKEN: %u problems.\n"), problems->len);
}

static void
audit_print_text (GPtrArray *entries_list, PdAuditReport *report)
{
  for (guint i = 0; i < entries_list->len; i++)
    {
      const PdAuditEntry *e = g_ptr_array_index (entries_list, i);
      g_autofree char *actor = safe_text (e->actor);
      g_autofree char *action = safe_text (e->action);
      g_autofree char *details = safe_text (e->details);

      printf ("%6" G_GINT64_FORMAT "  %s  %-12s  %-16s  %s  %s\n", e->seq, e->time, actor,
              action, e->session ? e->session : "-", details);
    }
  if (report)
    audit_print_report (report);
}

int
pctl_audit (int argc, char **argv)
{
  g_autofree char *catalog_path = NULL;
  g_autofree char *tsa_url = NULL;
  g_auto (GStrv) ca_files = NULL;
  gboolean json = FALSE;
  gboolean verify = FALSE;
  gboolean stamp = FALSE;
  GOptionEntry entries[] = {
    { "verify", 0, 0, G_OPTION_ARG_NONE, &verify,
      N_("Recompute the hash chain and check every timestamp (exit 1 if broken)"), NULL },
    { "stamp", 0, 0, G_OPTION_ARG_NONE, &stamp,
      N_("Timestamp the newest row first (if it is not stamped yet)"), NULL },
    { "tsa", 0, 0, G_OPTION_ARG_STRING, &tsa_url,
      N_("Timestamp authority for --stamp (default: the configured one)"), N_("URL") },
    { "ca", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &ca_files,
      N_("Also trust the certificate authorities in PEM (repeatable)"), N_("PEM") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the log (and the report) as JSON"), NULL },
    { "catalog", 0, 0, G_OPTION_ARG_FILENAME, &catalog_path,
      N_("Catalog database (default: the one in the data folder)"), N_("FILE") },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PdCatalog) catalog = NULL;
  g_autoptr (GPtrArray) entries_list = NULL;
  g_autoptr (PdAuditReport) report = NULL;

  if (!parse_options (context,
                      _("Print the catalog's append-only audit log. With --verify, recompute its "
                        "hash chain and check its timestamps.\n"
                        "Exit status: 0 intact, 1 broken, 2 error."),
                      entries, &argc, &argv, &error))
    return pctl_fail ("%s", error->message);
  if (argc > 1)
    return pctl_fail ("%s", _("unexpected argument"));

  catalog = open_catalog (catalog_path, &error);
  if (catalog == NULL)
    return pctl_fail ("%s", error->message);

  if (stamp && !audit_stamp_head (catalog, tsa_url, &error))
    return pctl_fail ("%s", error->message);

  entries_list = pd_catalog_audit_list (catalog, NULL, &error);
  if (entries_list == NULL)
    return pctl_fail ("%s", error->message);
  if (verify)
    {
      report = audit_verify (catalog, ca_files, &error);
      if (report == NULL)
        return pctl_fail ("%s", error->message);
    }

  if (json)
    audit_print_json (entries_list, report);
  else
    audit_print_text (entries_list, report);
  if (report && !pd_audit_report_get_ok (report))
    return PCTL_EXIT_INVALID;
  return PCTL_EXIT_OK;
}

/* ---- import ---- */

int
pctl_import (int argc, char **argv)
{
  g_autofree char *catalog_path = NULL;
  g_auto (GStrv) ca_files = NULL;
  g_auto (GStrv) args = NULL;
  GOptionEntry entries[] = {
    { "ca", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &ca_files,
      N_("Also trust the certificate authorities in PEM (repeatable)"), N_("PEM") },
    { "catalog", 0, 0, G_OPTION_ARG_FILENAME, &catalog_path,
      N_("Catalog database (default: the one in the data folder)"), N_("FILE") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, N_("PACKAGE_DIR") },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTrustStore) trust = pd_trust_store_new ();
  g_autoptr (PdVerifyResult) result = NULL;
  g_autoptr (PdCatalog) catalog = NULL;
  g_autofree char *uuid = NULL;
  PdVerdict verdict;
  gboolean already = FALSE;

  if (!parse_options (context,
                      _("Verify an evidence package and add it to the catalog. A package that "
                        "does not verify is refused.\n"
                        "Exit status: 0 imported, 1 verification failed, 2 error."),
                      entries, &argc, &argv, &error))
    return pctl_fail ("%s", error->message);
  if (args == NULL || g_strv_length (args) != 1)
    return pctl_fail ("%s", _("give one PACKAGE_DIR"));

  if (!fill_trust (trust, ca_files, &error))
    return pctl_fail ("%s", error->message);
  result = pd_verify_package (args[0], trust, NULL, NULL, NULL, &error);
  if (result == NULL)
    return pctl_fail (_("cannot verify “%s”: %s"), args[0], error->message);
  verdict = pd_verify_result_get_verdict (result);
  if (verdict == PD_VERDICT_INVALID || verdict == PD_VERDICT_ERROR)
    {
      GPtrArray *checks = pd_verify_result_get_checks (result);

      for (guint i = 0; i < checks->len; i++)
        {
          const PdVerifyCheck *check = g_ptr_array_index (checks, i);

          if (check->status == PD_CHECK_FAILED)
            g_printerr ("✗ %s: %s\n", check->subject ? check->subject : "", check->message);
        }
      g_printerr ("proofctl: %s %s\n", _("not imported:"), pd_verify_result_get_summary (result));
      return verdict == PD_VERDICT_INVALID ? PCTL_EXIT_INVALID : PCTL_EXIT_ERROR;
    }
  if (verdict == PD_VERDICT_UNTRUSTED_AUTHORITY)
    g_printerr ("proofctl: %s\n",
                _("warning: the package is intact but its timestamp authority is not trusted; "
                  "importing it, with that verdict recorded."));

  catalog = open_catalog (catalog_path, &error);
  if (catalog == NULL)
    return pctl_fail ("%s", error->message);
  if (!pd_catalog_import_package (catalog, args[0], pd_verdict_to_string (verdict), &already,
                                  &uuid, &error))
    return pctl_fail ("%s", error->message);

  if (already)
    printf (_("Session %s is already in the catalog.\n"), uuid);
  else
    {
      g_autoptr (PdCatalogSession) s = pd_catalog_get_session (catalog, uuid, NULL);

      printf (_("Imported session %s (%s): %s.\n"), uuid,
              s ? pd_catalog_session_get_state (s) : "?", pd_verdict_describe (verdict));
    }
  return PCTL_EXIT_OK;
}
