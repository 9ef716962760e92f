/* proofctl-export.c — `proofctl export`: packages to a folder/USB drive, an ISO image or a disc, read back. */
#define G_LOG_DOMAIN "proofctl"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <unistd.h>

#include "catalog/pd-catalog.h"
#include "util/pd-error.h"
#include "export/pd-export.h"
#include "verify/pd-verify.h"
#include "proofctl.h"

static const char *
phase_name (PdExportPhase phase)
{
  switch (phase)
    {
    case PD_EXPORT_PHASE_VERIFY:
      return _("Verifying");
    case PD_EXPORT_PHASE_WRITE:
      return _("Writing");
    case PD_EXPORT_PHASE_FINALISE:
      return _("Finishing");
    case PD_EXPORT_PHASE_READ_BACK:
    default:
      return _("Reading back");
    }
}

typedef struct
{
  gboolean      quiet;
  PdExportPhase phase;
  gboolean      line_open;
} Progress;

static void
on_progress (PdExportPhase phase, guint64 done, guint64 total, gpointer user_data)
{
  Progress *p = user_data;

  if (p->quiet)
    return;
  if (p->line_open && phase != p->phase)
    g_printerr ("\n");
  p->phase = phase;
  p->line_open = TRUE;
  g_printerr ("\r%-13s %3u%%", phase_name (phase),
              total ? (guint) MIN (done * 100 / total, 100) : 100);
}

/* "x.iso" → "x-label.pdf"; a drive → "<volume id>-label.pdf" here; a folder → beside it. */
static char *
default_label_path (PdExportResult *result)
{
  g_autofree char *base = NULL;

  switch (result->kind)
    {
    case PD_EXPORT_TARGET_ISO:
      base = g_str_has_suffix (result->target, ".iso")
               ? g_strndup (result->target, strlen (result->target) - 4)
               : g_strdup (result->target);
      break;
    case PD_EXPORT_TARGET_FOLDER:
      {
        g_autofree char *trimmed = g_strdup (result->target);
        gsize len = strlen (trimmed);

        while (len > 1 && trimmed[len - 1] == '/')
          trimmed[--len] = '\0';
        base = g_steal_pointer (&trimmed);
        break;
      }
    case PD_EXPORT_TARGET_DISC:
    default:
      base = g_strdup (result->volume_id);
      break;
    }
  for (guint n = 1;; n++)
    {
      g_autofree char *path = n == 1 ? g_strdup_printf ("%s-label.pdf", base)
                                     : g_strdup_printf ("%s-label-%u.pdf", base, n);

      if (!g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        return g_steal_pointer (&path);
    }
}

/* Every package is verified again by the export; the catalog must know the sessions before it
 * can link the export to them, so unknown ones are imported (with their verdict). */
static gboolean
record_export (const char *catalog_path, PdExportResult *result, const char *outcome,
               GError **error)
{
  g_autoptr (PdCatalog) catalog = pd_catalog_open (catalog_path, error);
  g_auto (GStrv) sessions = NULL;

  if (catalog == NULL)
    return FALSE;
  for (guint i = 0; i < result->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (result->packages, i);
      g_autoptr (PdCatalogSession) known = NULL;
      gboolean already = FALSE;

      if (p->session == NULL)
        continue;
      known = pd_catalog_get_session (catalog, p->session, NULL);
      if (known == NULL &&
          !pd_catalog_import_package (catalog, p->source_dir, pd_verdict_to_string (p->verdict),
                                      &already, NULL, error))
        return FALSE;
    }
  sessions = pd_export_result_dup_sessions (result);
  return pd_catalog_add_export (catalog, pd_export_result_get_kind_string (result),
                                result->target, result->label,
                                (const char *const *) sessions, outcome, error) >= 0;
}

static void
record_refusal (const char *catalog_path, const char *target_kind, const char *target,
                const GError *why)
{
  g_autoptr (PdCatalog) catalog = pd_catalog_open (catalog_path, NULL);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *details = NULL;
  g_autoptr (GError) error = NULL;

  if (catalog == NULL)
    return;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "target_kind");
  json_builder_add_string_value (b, target_kind);
  json_builder_set_member_name (b, "target");
  json_builder_add_string_value (b, target);
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, why->message);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  details = json_generator_to_data (gen, NULL);
  if (!pd_catalog_audit_append (catalog, NULL, "export.refused", NULL, details, &error))
    g_printerr ("proofctl: %s %s\n", _("warning: the refusal was not logged:"), error->message);
}

static void
print_summary (PdExportResult *result, const char *label_pdf)
{
  guint ok = 0;

  for (guint i = 0; i < result->files->len; i++)
    {
      PdExportFile *f = g_ptr_array_index (result->files, i);

      if (f->status == PD_EXPORT_FILE_OK)
        ok++;
      else if (f->status != PD_EXPORT_FILE_NOT_CHECKED)
        printf ("✗ %s: %s\n", f->path, f->problem ? f->problem : "");
    }
  for (guint i = 0; i < result->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (result->packages, i);

      printf ("%s  %s  %s\n", pd_verdict_to_string (p->verdict), p->export_dir,
              p->recording_sha256 ? p->recording_sha256 : "-");
    }
  printf (_("Label: %s\n"), result->label);
  if (result->volume_id && result->kind != PD_EXPORT_TARGET_FOLDER)
    printf (_("Volume id: %s\n"), result->volume_id);
  if (result->kind == PD_EXPORT_TARGET_DISC)
    printf (_("Media: %s%s\n"), result->media ? result->media : "?",
            result->closed ? _(", closed") : "");
  if (result->simulated)
    printf ("%s\n", _("Simulated burn: nothing was written and nothing read back."));
  else
    printf (_("Read back %u of %u files: %s\n"), ok, result->files->len,
            pd_export_result_get_ok (result) ? _("all equal") : _("DIFFERENCES FOUND"));
  if (label_pdf)
    printf (_("Disc label: %s\n"), label_pdf);
}

int
pctl_export (int argc, char **argv)
{
  g_autofree char *to = NULL, *iso = NULL, *burn = NULL, *label = NULL, *dispute = NULL;
  g_autofree char *label_pdf = NULL, *catalog_path = NULL;
  g_auto (GStrv) ca_files = NULL;
  g_auto (GStrv) args = NULL;
  gboolean simulate = FALSE, quiet = FALSE, json = FALSE, no_label = FALSE, no_catalog = FALSE;
  gint64 capacity = 0;
  GOptionEntry entries[] = {
    { "to", 0, 0, G_OPTION_ARG_FILENAME, &to, N_("Copy to this new or empty folder (e.g. a USB drive)"), N_("DIR") },
    { "iso", 0, 0, G_OPTION_ARG_FILENAME, &iso, N_("Write a new ISO 9660 image file"), N_("FILE") },
    { "burn", 0, 0, G_OPTION_ARG_FILENAME, &burn, N_("Burn to a blank disc in this drive (/dev/sr0; stdio:FILE for a test)"), N_("DRIVE") },
    { "label", 0, 0, G_OPTION_ARG_STRING, &label, N_("Label (default: platform, dispute type and capture date)"), N_("TEXT") },
    { "dispute-type", 0, 0, G_OPTION_ARG_STRING, &dispute, N_("Dispute type in the label (default 民间借贷)"), N_("TEXT") },
    { "simulate", 0, 0, G_OPTION_ARG_NONE, &simulate, N_("Burn: a test write, where the drive supports it"), NULL },
    { "capacity", 0, 0, G_OPTION_ARG_INT64, &capacity, N_("Treat the target as holding at most this many bytes"), N_("BYTES") },
    { "label-pdf", 0, 0, G_OPTION_ARG_FILENAME, &label_pdf, N_("Where to write the disc label PDF (default: beside the target)"), N_("FILE") },
    { "no-label-pdf", 0, 0, G_OPTION_ARG_NONE, &no_label, N_("Do not write a disc label PDF"), NULL },
    { "ca", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &ca_files, N_("Also trust the certificate authorities in PEM (repeatable)"), N_("PEM") },
    { "catalog", 0, 0, G_OPTION_ARG_FILENAME, &catalog_path, N_("Catalog database (default: the one in the data folder)"), N_("FILE") },
    { "no-catalog", 0, 0, G_OPTION_ARG_NONE, &no_catalog, N_("Do not record the export in the catalog"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the result as JSON"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("No progress on stderr"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, N_("PACKAGE_DIR…") },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (N_("PACKAGE_DIR…"));
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTrustStore) trust = NULL;
  g_autoptr (PdExport) export = NULL;
  g_autoptr (PdExportResult) result = NULL;
  g_autofree char *written_label = NULL;
  Progress progress = { 0 };
  PdExportTargetKind kind;
  const char *target, *kind_name;
  int exit_code;

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
    _("Export evidence packages to a folder or USB drive (--to), an ISO image (--iso) or a disc "
      "(--burn). Every package is verified first and refused if it does not verify; every "
      "file is read back from the target and compared with its SHA-256.\n"
      "Exit status: 0 written and read back equal, 1 a package refused or a read-back "
      "difference, 2 usage or I/O error."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return pctl_fail ("%s", error->message);
  if (args == NULL || args[0] == NULL)
    return pctl_fail ("%s", _("give at least one PACKAGE_DIR"));
  if ((to != NULL) + (iso != NULL) + (burn != NULL) != 1)
    return pctl_fail ("%s", _("give exactly one of --to DIR, --iso FILE, --burn DRIVE"));
  if (simulate && burn == NULL)
    return pctl_fail ("%s", _("--simulate applies to --burn only"));
  if (capacity < 0)
    return pctl_fail ("%s", _("--capacity must not be negative"));

  kind = to ? PD_EXPORT_TARGET_FOLDER : iso ? PD_EXPORT_TARGET_ISO : PD_EXPORT_TARGET_DISC;
  target = to ? to : iso ? iso : burn;
  kind_name = to ? "folder" : iso ? "iso" : "disc";

  trust = pd_trust_store_new_default (&error);
  if (trust == NULL)
    return pctl_fail ("%s", error->message);
  for (guint i = 0; ca_files && ca_files[i]; i++)
    if (!pd_trust_store_add_ca_file (trust, ca_files[i], &error))
      return pctl_fail ("%s", error->message);

  export = pd_export_new (kind, target);
  for (guint i = 0; args[i]; i++)
    pd_export_add_package (export, args[i]);
  pd_export_set_label (export, label);
  pd_export_set_dispute_type (export, dispute);
  pd_export_set_trust_store (export, trust);
  pd_export_set_simulate (export, simulate);
  pd_export_set_capacity_limit (export, (guint64) capacity);
  progress.quiet = quiet || !isatty (STDERR_FILENO);
  pd_export_set_progress_func (export, on_progress, &progress, NULL);

  result = pd_export_run (export, NULL, &error);
  if (progress.line_open)
    g_printerr ("\n");
  if (result == NULL)
    {
      gboolean refused = g_error_matches (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_REFUSED) ||
                         g_error_matches (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_BAD_PACKAGE) ||
                         g_error_matches (error, PD_EXPORT_ERROR, PD_EXPORT_ERROR_CHANGED);

      if (refused && !no_catalog)
        record_refusal (catalog_path, kind_name, target, error);
      g_printerr ("proofctl: %s\n", error->message);
      return refused ? PCTL_EXIT_INVALID : PCTL_EXIT_ERROR;
    }

  exit_code = pd_export_result_get_ok (result) ? PCTL_EXIT_OK : PCTL_EXIT_INVALID;
  if (exit_code == PCTL_EXIT_OK && !result->simulated && !no_label)
    {
      g_autofree char *path = label_pdf ? g_strdup (label_pdf) : default_label_path (result);

      if (pd_export_result_write_label_pdf (result, path, &error))
        written_label = g_steal_pointer (&path);
      else
        {
          g_printerr ("proofctl: %s\n", error->message);
          g_clear_error (&error);
          exit_code = PCTL_EXIT_ERROR;
        }
    }
  if (!no_catalog && !result->simulated)
    {
      g_autofree char *outcome = pd_export_result_get_ok (result)
                                   ? g_strdup ("ok")
                                   : g_strdup_printf ("read-back: %u files differ", result->n_bad);

      if (!record_export (catalog_path, result, outcome, &error))
        {
          g_printerr ("proofctl: %s %s\n",
                      _("the export was written but could not be recorded in the catalog:"),
                      error->message);
          g_clear_error (&error);
          if (exit_code == PCTL_EXIT_OK)
            exit_code = PCTL_EXIT_ERROR;
        }
    }

  if (json)
    {
      g_autoptr (JsonNode) node = pd_export_result_to_json (result);

      if (written_label)
        json_object_set_string_member (json_node_get_object (node), "label_pdf", written_label);
      pctl_print_json (node);
    }
  else
    print_summary (result, written_label);
  return exit_code;
}
