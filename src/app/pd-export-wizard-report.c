/* pd-export-wizard-report.c — the Export wizard's last pages: the export running, its progress, and the report. */
#define G_LOG_DOMAIN "pd-export-wizard"

#include "config.h"

#include <glib/gi18n.h>

#include "pd-export-wizard-private.h"

/* ------------------------------------------------------------------------------------------ */
/* Pages 5 and 6: progress and report                                                         */

static void
on_progress (PdExportPhase phase, guint64 done, guint64 total, gpointer user_data)
{
  PdExportWizard *self = user_data;
  g_autofree char *done_s = g_format_size (done);
  g_autofree char *total_s = g_format_size (total);
  g_autofree char *text = NULL;
  const char *title;

  self->phase = phase;
  switch (phase)
    {
    case PD_EXPORT_PHASE_VERIFY:
      title = _("Verifying Packages");
      break;
    case PD_EXPORT_PHASE_WRITE:
      title = self->target == TARGET_DISC ? _("Burning the Disc") : _("Writing");
      break;
    case PD_EXPORT_PHASE_FINALISE:
      title = _("Finishing");
      break;
    case PD_EXPORT_PHASE_READ_BACK:
    default:
      title = _("Reading Back and Comparing");
      break;
    }
  adw_status_page_set_title (self->progress_page, title);
  /* Translators: bytes done of bytes in this step, "1.2 MB of 3.4 MB". */
  text = g_strdup_printf (_("%s of %s"), done_s, total_s);
  gtk_progress_bar_set_text (self->progress_bar, text);
  gtk_progress_bar_set_fraction (self->progress_bar, total ? MIN ((double) done / (double) total, 1.0) : 1.0);
}

static const char *
file_status_text (PdExportFileStatus status)
{
  switch (status)
    {
    case PD_EXPORT_FILE_OK:
      return _("Read back equal");
    case PD_EXPORT_FILE_MISMATCH:
      return _("Different on the destination");
    case PD_EXPORT_FILE_MISSING:
      return _("Missing or unreadable on the destination");
    case PD_EXPORT_FILE_NOT_CHECKED:
    default:
      return _("Not read back");
    }
}

static int
file_rank (const PdExportFile *f)
{
  return f->status == PD_EXPORT_FILE_OK ? 2 : f->status == PD_EXPORT_FILE_NOT_CHECKED ? 1 : 0;
}

static int
compare_files (gconstpointer a, gconstpointer b)
{
  const PdExportFile *fa = *(const PdExportFile **) a;
  const PdExportFile *fb = *(const PdExportFile **) b;

  return file_rank (fa) - file_rank (fb);
}

static void
add_package_row (PdExportWizard *self, const char *title, const char *subtitle, gboolean good)
{
  GtkWidget *row = adw_action_row_new ();

  /* Package folders and file names: plain text, never Pango markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                             pd_export_wizard_status_icon (good ? "emblem-ok-symbolic" : "dialog-error-symbolic",
                                          good ? "success" : "error"));
  gtk_list_box_append (self->packages_list, row);
}

/* The icon, title and sentence at the top of the report. */
static void
show_headline (PdExportWizard *self, PdExportResult *r)
{
  g_autofree char *description = NULL;
  guint ok = pd_export_job_count_equal (self->job);

  if (pd_export_result_get_ok (r))
    {
      gtk_image_set_from_icon_name (self->report_icon, "emblem-ok-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (self->report_icon), "success");
      gtk_label_set_text (self->report_title, _("Export Complete"));
      if (r->simulated)
        description = g_strdup (_("Simulated burn: nothing was written and nothing read back."));
      else
        description = g_strdup_printf (ngettext ("%1$u file was read back from “%2$s” and matches its hash.",
                                                 "All %1$u files were read back from “%2$s” and match their hashes.",
                                                 ok),
                                       ok, r->target);
    }
  else
    {
      gtk_image_set_from_icon_name (self->report_icon, "dialog-error-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (self->report_icon), "error");
      gtk_label_set_text (self->report_title, _("Export Differs from the Evidence"));
      description = g_strdup_printf (ngettext ("%u file on “%s” is not the same as the evidence. Do not hand this copy over.",
                                               "%u files on “%s” are not the same as the evidence. Do not hand this copy over.",
                                               r->n_bad),
                                     r->n_bad, r->target);
    }
  gtk_label_set_text (self->report_description, description);
}

static void
add_file_row (PdExportWizard *self, const PdExportFile *f)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *size = g_format_size (f->size);
  g_autofree char *subtitle = NULL;
  gboolean good = f->status == PD_EXPORT_FILE_OK;

  /* Translators: "<read-back status> · <size>" or "… · <what is wrong>". */
  subtitle = g_strdup_printf (_("%s · %s"), file_status_text (f->status),
                              f->problem && !good ? f->problem : size);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), f->path);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                             pd_export_wizard_status_icon (good ? "emblem-ok-symbolic"
                                               : f->status == PD_EXPORT_FILE_NOT_CHECKED ? "dialog-question-symbolic"
                                                                                         : "dialog-error-symbolic",
                                          good ? "success" : f->status == PD_EXPORT_FILE_NOT_CHECKED ? "dim-label" : "error"));
  gtk_list_box_append (self->files_list, row);
}

static void
show_result (PdExportWizard *self)
{
  PdExportResult *r = pd_export_job_get_result (self->job);
  g_autoptr (GPtrArray) files = g_ptr_array_new ();

  for (guint i = 0; i < r->files->len; i++)
    g_ptr_array_add (files, g_ptr_array_index (r->files, i));
  /* Stable: writing order within failures and within good files. */
  g_ptr_array_sort (files, compare_files);
  show_headline (self, r);

  for (guint i = 0; i < r->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (r->packages, i);
      g_autofree char *subtitle = NULL;

      if (p->reverified)
        /* Translators: "<verdict before writing>; on the destination: <verdict after>". */
        subtitle = g_strdup_printf (_("%s; verified again on the destination: %s"),
                                    pd_verdict_describe (p->verdict), pd_verdict_describe (p->reverify_verdict));
      else
        subtitle = g_strdup (pd_verdict_describe (p->verdict));
      add_package_row (self, p->export_dir, subtitle,
                       p->verdict != PD_VERDICT_INVALID && p->verdict != PD_VERDICT_ERROR &&
                       (!p->reverified || (p->reverify_verdict != PD_VERDICT_INVALID &&
                                           p->reverify_verdict != PD_VERDICT_ERROR)));
    }
  for (guint i = 0; i < files->len; i++)
    add_file_row (self, g_ptr_array_index (files, i));
  gtk_widget_set_visible (GTK_WIDGET (self->files_group), files->len > 0);
  /* As `proofctl export`: a disc label only for an export that read back equal. */
  gtk_widget_set_visible (GTK_WIDGET (self->save_label_button), pd_export_job_can_write_label (self->job));
  gtk_widget_set_visible (GTK_WIDGET (self->open_folder_button), r->kind != PD_EXPORT_TARGET_DISC);
}

/* Nothing usable was written: refused, cancelled, or an I/O error before the write finished. */
static void
show_error (PdExportWizard *self)
{
  const GError *error = pd_export_job_get_error (self->job);
  gboolean refused = pd_export_job_get_refused (self->job);
  gboolean cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_auto (GStrv) named = pd_export_job_dup_refused_packages (self->job);

  gtk_image_set_from_icon_name (self->report_icon, cancelled ? "process-stop-symbolic" : "dialog-error-symbolic");
  gtk_widget_add_css_class (GTK_WIDGET (self->report_icon), cancelled ? "dim-label" : "error");
  if (cancelled)
    {
      gtk_label_set_text (self->report_title, _("Export Cancelled"));
      gtk_label_set_text (self->report_description,
                          _("Nothing usable was written. Files already copied are incomplete: do not hand them over."));
    }
  else if (refused)
    {
      gtk_label_set_text (self->report_title, _("Export Refused"));
      gtk_label_set_text (self->report_description,
                          _("A package did not pass verification, so nothing was written. Verify it on the Verify page to see every check."));
    }
  else
    {
      gtk_label_set_text (self->report_title, _("Export Failed"));
      gtk_label_set_text (self->report_description, error->message);
    }

  /* Name the package: the core's message starts with its folder. */
  for (guint i = 0; named[i] != NULL; i++)
    {
      g_autofree char *base = g_path_get_basename (named[i]);

      add_package_row (self, base, error->message, FALSE);
    }
  if (refused && named[0] == NULL)
    add_package_row (self, _("Package"), error->message, FALSE);
  gtk_widget_set_visible (gtk_widget_get_ancestor (GTK_WIDGET (self->packages_list), ADW_TYPE_PREFERENCES_GROUP),
                          refused);
  gtk_widget_set_visible (GTK_WIDGET (self->files_group), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->save_label_button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->open_folder_button), FALSE);
}

/* The job recorded the export (or the refusal) in the catalog and its audit log; say so
 * when it could not. */
static void
show_record_error (PdExportWizard *self)
{
  const GError *error = pd_export_job_get_record_error (self->job);
  g_autofree char *text = NULL;

  if (error == NULL)
    return;
  text = g_strdup_printf ("%s\n\n%s %s", gtk_label_get_text (self->report_description),
                          _("The export could not be recorded in the catalog:"), error->message);
  gtk_label_set_text (self->report_description, text);
}

static void
on_run_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (PdExportWizard) self = user_data;
  g_autoptr (PdExportResult) result = pd_export_job_run_finish (PD_EXPORT_JOB (source), res, NULL);

  self->busy = FALSE;
  g_clear_object (&self->cancellable);
  pd_export_wizard_clear_list (self->packages_list);
  pd_export_wizard_clear_list (self->files_list);
  if (result != NULL)
    show_result (self);
  else
    show_error (self);
  show_record_error (self);
  gtk_stack_set_visible_child_name (self->stack, "report");
  pd_export_wizard_update_buttons (self);
}

/* Runs the job the summary page made (pd_export_wizard_update_summary() just before). */
void
pd_export_wizard_start_export (PdExportWizard *self)
{
  g_return_if_fail (self->job != NULL);

  pd_export_job_set_progress_func (self->job, on_progress, self, NULL);
  self->busy = TRUE;
  self->cancellable = g_cancellable_new ();
  adw_status_page_set_title (self->progress_page, _("Verifying Packages"));
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_progress_bar_set_text (self->progress_bar, "");
  gtk_stack_set_visible_child_name (self->stack, "progress");
  pd_export_job_run_async (self->job, self->cancellable, on_run_done, g_object_ref (self));
  pd_export_wizard_update_buttons (self);
}
