/* proofctl-export.c — `proofctl export`: packages to a folder/USB drive, an ISO image or a disc, read back. */
#define G_LOG_DOMAIN "proofctl"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <unistd.h>

#include "util/pd-error.h"
#include "util/pd-util.h"
#include "export/pd-export-job.h"
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

static void
print_summary (PdExportJob *job, const char *label_pdf)
{
  PdExportResult *result = pd_export_job_get_result (job);
  g_autofree char *label = NULL;
  g_autofree char *volume_id = NULL;
  g_autofree char *media = NULL;

  for (guint i = 0; i < result->files->len; i++)
    {
      PdExportFile *f = g_ptr_array_index (result->files, i);

      g_autofree char *path = NULL;
      g_autofree char *problem = NULL;

      if (f->status == PD_EXPORT_FILE_OK || f->status == PD_EXPORT_FILE_NOT_CHECKED)
        continue;
      path = pctl_safe (f->path);
      problem = pd_text_sanitize_terminal (f->problem);
      printf ("✗ %s: %s\n", path, problem);
    }
  for (guint i = 0; i < result->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (result->packages, i);
      g_autofree char *dir = pctl_safe (p->export_dir);
      g_autofree char *sha = pctl_safe (p->recording_sha256);

      printf ("%s  %s  %s\n", pd_verdict_to_string (p->verdict), dir, sha);
    }
  label = pctl_safe (result->label);
  volume_id = pctl_safe (result->volume_id);
  media = result->media ? pctl_safe (result->media) : g_strdup ("?");
  printf (_("Label: %s\n"), label);
  if (result->volume_id && result->kind != PD_EXPORT_TARGET_FOLDER)
    printf (_("Volume id: %s\n"), volume_id);
  if (result->kind == PD_EXPORT_TARGET_DISC)
    printf (_("Media: %s%s\n"), media, result->closed ? _(", closed") : "");
  if (result->simulated)
    printf ("%s\n", _("Simulated burn: nothing was written and nothing read back."));
  else
    printf (_("Read back %u of %u files: %s\n"), pd_export_job_count_equal (job),
            result->files->len,
            pd_export_result_get_ok (result) ? _("all equal") : _("DIFFERENCES FOUND"));
  if (label_pdf)
    printf (_("Disc label: %s\n"), label_pdf);
}

typedef struct
{
  char     *to, *iso, *burn, *label, *dispute, *label_pdf, *catalog_path;
  GStrv     ca_files, args;
  gboolean  simulate, quiet, json, no_label, no_catalog;
  gint64    capacity;
} Options;

static void
options_clear (Options *o)
{
  g_free (o->to);
  g_free (o->iso);
  g_free (o->burn);
  g_free (o->label);
  g_free (o->dispute);
  g_free (o->label_pdf);
  g_free (o->catalog_path);
  g_strfreev (o->ca_files);
  g_strfreev (o->args);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Options, options_clear)

/* PCTL_EXIT_OK when the options make sense, else what pctl_fail() returned. */
static int
parse_options (Options *o, int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "to", 0, 0, G_OPTION_ARG_FILENAME, &o->to, N_("Copy to this new or empty folder (e.g. a USB drive)"), N_("DIR") },
    { "iso", 0, 0, G_OPTION_ARG_FILENAME, &o->iso, N_("Write a new ISO 9660 image file"), N_("FILE") },
    { "burn", 0, 0, G_OPTION_ARG_FILENAME, &o->burn, N_("Burn to a blank disc in this drive (/dev/sr0; stdio:FILE for a test)"), N_("DRIVE") },
    { "label", 0, 0, G_OPTION_ARG_STRING, &o->label, N_("Label (default: platform, dispute type and capture date)"), N_("TEXT") },
    { "dispute-type", 0, 0, G_OPTION_ARG_STRING, &o->dispute, N_("Dispute type in the label (default 民间借贷)"), N_("TEXT") },
    { "simulate", 0, 0, G_OPTION_ARG_NONE, &o->simulate, N_("Burn: a test write, where the drive supports it"), NULL },
    { "capacity", 0, 0, G_OPTION_ARG_INT64, &o->capacity, N_("Treat the target as holding at most this many bytes"), N_("BYTES") },
    { "label-pdf", 0, 0, G_OPTION_ARG_FILENAME, &o->label_pdf, N_("Where to write the disc label PDF (default: beside the target)"), N_("FILE") },
    { "no-label-pdf", 0, 0, G_OPTION_ARG_NONE, &o->no_label, N_("Do not write a disc label PDF"), NULL },
    { "ca", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->ca_files, N_("Also trust the certificate authorities in PEM (repeatable)"), N_("PEM") },
    { "catalog", 0, 0, G_OPTION_ARG_FILENAME, &o->catalog_path, N_("Catalog database (default: the one in the data folder)"), N_("FILE") },
    { "no-catalog", 0, 0, G_OPTION_ARG_NONE, &o->no_catalog, N_("Do not record the export in the catalog"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &o->json, N_("Print the result as JSON"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, N_("No progress on stderr"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->args, NULL, N_("PACKAGE_DIR…") },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (N_("PACKAGE_DIR…"));
  g_autoptr (GError) error = NULL;

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
  if (o->args == NULL || o->args[0] == NULL)
    return pctl_fail ("%s", _("give at least one PACKAGE_DIR"));
  if ((o->to != NULL) + (o->iso != NULL) + (o->burn != NULL) != 1)
    return pctl_fail ("%s", _("give exactly one of --to DIR, --iso FILE, --burn DRIVE"));
  if (o->simulate && o->burn == NULL)
    return pctl_fail ("%s", _("--simulate applies to --burn only"));
  if (o->capacity < 0)
    return pctl_fail ("%s", _("--capacity must not be negative"));
  return PCTL_EXIT_OK;
}

/* The export the options describe; NULL and the error when a --ca file cannot be read. */
static PdExportJob *
make_job (Options *o, Progress *progress, GError **error)
{
  PdExportTargetKind kind = o->to ? PD_EXPORT_TARGET_FOLDER : o->iso ? PD_EXPORT_TARGET_ISO
                                                                     : PD_EXPORT_TARGET_DISC;
  g_autoptr (PdTrustStore) trust = pd_trust_store_new_default (error);
  g_autoptr (PdExportJob) job = NULL;

  if (trust == NULL)
    return NULL;
  for (guint i = 0; o->ca_files && o->ca_files[i]; i++)
    if (!pd_trust_store_add_ca_file (trust, o->ca_files[i], error))
      return NULL;
  job = pd_export_job_new (kind, o->to ? o->to : o->iso ? o->iso : o->burn);
  /* The same folder twice is exported once. */
  for (guint i = 0; o->args[i]; i++)
    pd_export_job_add_package (job, o->args[i]);
  pd_export_job_set_label (job, o->label);
  pd_export_job_set_dispute_type (job, o->dispute);
  pd_export_job_set_trust_store (job, trust);
  pd_export_job_set_simulate (job, o->simulate);
  pd_export_job_set_capacity_limit (job, (guint64) o->capacity);
  pd_export_job_set_catalog (job, o->catalog_path, !o->no_catalog);
  progress->quiet = o->quiet || !isatty (STDERR_FILENO);
  pd_export_job_set_progress_func (job, on_progress, progress, NULL);
  return g_steal_pointer (&job);
}

/* The disc label PDF of an export read back equal; NULL when none was written. */
static char *
write_label_pdf (PdExportJob *job, Options *o, int *exit_code)
{
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;

  if (*exit_code != PCTL_EXIT_OK || o->no_label || !pd_export_job_can_write_label (job))
    return NULL;
  path = o->label_pdf ? g_strdup (o->label_pdf) : pd_export_job_default_label_path (job);
  if (pd_export_job_write_label (job, path, &error))
    return g_steal_pointer (&path);
  pctl_warn ("%s", error->message);
  *exit_code = PCTL_EXIT_ERROR;
  return NULL;
}

int
pctl_export (int argc, char **argv)
{
  g_auto (Options) o = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (PdExportJob) job = NULL;
  g_autoptr (PdExportResult) result = NULL;
  g_autofree char *written_label = NULL;
  const GError *record_error;
  Progress progress = { 0 };
  int exit_code = parse_options (&o, argc, argv);

  if (exit_code != PCTL_EXIT_OK)
    return exit_code;
  job = make_job (&o, &progress, &error);
  if (job == NULL)
    return pctl_fail ("%s", error->message);

  result = pd_export_job_run (job, NULL, &error);
  if (progress.line_open)
    g_printerr ("\n");
  record_error = pd_export_job_get_record_error (job);
  if (result == NULL)
    {
      if (record_error != NULL)
        pctl_warn ("%s %s", _("warning: the refusal was not logged:"), record_error->message);
      pctl_warn ("%s", error->message);
      return pd_export_job_get_refused (job) ? PCTL_EXIT_INVALID : PCTL_EXIT_ERROR;
    }

  exit_code = pd_export_result_get_ok (result) ? PCTL_EXIT_OK : PCTL_EXIT_INVALID;
  written_label = write_label_pdf (job, &o, &exit_code);
  if (record_error != NULL)
    {
      pctl_warn ("%s %s", _("the export was written but could not be recorded in the catalog:"),
                 record_error->message);
      if (exit_code == PCTL_EXIT_OK)
        exit_code = PCTL_EXIT_ERROR;
    }

  if (o.json)
    {
      g_autoptr (JsonNode) node = pd_export_result_to_json (result);

      if (written_label)
        json_object_set_string_member (json_node_get_object (node), "label_pdf", written_label);
      pctl_print_json (node);
    }
  else
    print_summary (job, written_label);
  return exit_code;
}
