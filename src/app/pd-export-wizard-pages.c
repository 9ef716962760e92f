/* pd-export-wizard-pages.c — the Export wizard's pages for choosing: recordings, label, summary. */
#define G_LOG_DOMAIN "pd-export-wizard"

#include "config.h"

#include <glib/gi18n.h>

#include "checklist/pd-checklist.h"
#include "report/pd-disc-label.h"

#include "pd-export-wizard-private.h"

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */

static const char *
describe_state (PdCatalogSession *session)
{
  const char *state = pd_catalog_session_get_state (session);

  if (pd_catalog_session_get_package_path (session) == NULL ||
      !g_file_test (pd_catalog_session_get_package_path (session), G_FILE_TEST_IS_DIR))
    return _("Package folder missing");
  if (g_strcmp0 (state, PD_SESSION_STATE_STAMPED) == 0)
    return pd_catalog_session_get_practice (session) ? _("Timestamped (practice)") : _("Timestamped");
  if (g_strcmp0 (state, PD_SESSION_STATE_AWAITING_STAMP) == 0)
    return _("Waiting for a timestamp");
  if (g_strcmp0 (state, PD_SESSION_STATE_RECOVERED) == 0)
    return _("Recovered");
  if (g_strcmp0 (state, PD_SESSION_STATE_FAILED) == 0)
    return _("Failed");
  return _("Still recording");
}

static char *
format_local (GDateTime *dt)
{
  g_autoptr (GDateTime) local = NULL;

  if (dt == NULL)
    return g_strdup ("—");
  local = g_date_time_to_local (dt);
  return g_date_time_format (local, "%Y-%m-%d %H:%M");
}

/* ------------------------------------------------------------------------------------------ */
/* Page 1: sessions                                                                           */

static void
on_session_toggled (GtkCheckButton *check, PdExportWizard *self)
{
  const char *uuid = g_object_get_data (G_OBJECT (check), "uuid");

  if (self->updating)
    return;
  if (gtk_check_button_get_active (check))
    g_hash_table_add (self->selected, g_strdup (uuid));
  else
    g_hash_table_remove (self->selected, uuid);
  pd_export_wizard_update_buttons (self);
}

void
pd_export_wizard_rebuild_sessions (PdExportWizard *self)
{
  guint shown = 0;

  self->updating = TRUE;
  pd_export_wizard_clear_list (self->sessions_list);
  for (guint i = 0; i < self->sessions->len; i++)
    {
      PdCatalogSession *s = g_ptr_array_index (self->sessions, i);
      const char *scenario = pd_catalog_session_get_scenario (s);
      const char *case_name = pd_catalog_session_get_case_name (s);
      g_autofree char *when = format_local (pd_catalog_session_get_started (s));
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;
      GtkWidget *row, *check;

      if (self->case_filter != NULL && g_strcmp0 (case_name, self->case_filter) != 0)
        continue;
      /* Translators: "<scenario> · <when recorded>". */
      title = g_strdup_printf (_("%s · %s"),
                               pd_checklist_lookup_scenario_title (scenario) ? pd_checklist_lookup_scenario_title (scenario)
                               : scenario && *scenario ? scenario : _("Free recording"), when);
      /* Translators: "<case> · <state>". */
      subtitle = g_strdup_printf (_("%s · %s"), case_name ? case_name : _("No case"), describe_state (s));
      row = adw_action_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      check = gtk_check_button_new ();
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      g_object_set_data_full (G_OBJECT (check), "uuid", g_strdup (pd_catalog_session_get_uuid (s)), g_free);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                                   g_hash_table_contains (self->selected, pd_catalog_session_get_uuid (s)));
      g_signal_connect (check, "toggled", G_CALLBACK (on_session_toggled), self);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      gtk_widget_set_sensitive (row, pd_export_session_is_exportable (s));
      gtk_list_box_append (self->sessions_list, row);
      shown++;
    }
  gtk_stack_set_visible_child_name (self->sessions_stack, shown ? "list" : "empty");
  self->updating = FALSE;
}

/* Choosing one case ticks all of its recordings: "export the whole case". */
static void
on_case_selected (AdwComboRow *row, GParamSpec *pspec, PdExportWizard *self)
{
  guint index = adw_combo_row_get_selected (row);

  if (self->updating)
    return;
  g_clear_pointer (&self->case_filter, g_free);
  if (index != GTK_INVALID_LIST_POSITION && index > 0 && self->cases && index - 1 < g_strv_length (self->cases))
    self->case_filter = g_strdup (self->cases[index - 1]);
  if (self->case_filter != NULL)
    {
      g_hash_table_remove_all (self->selected);
      for (guint i = 0; i < self->sessions->len; i++)
        {
          PdCatalogSession *s = g_ptr_array_index (self->sessions, i);

          if (g_strcmp0 (pd_catalog_session_get_case_name (s), self->case_filter) == 0 &&
              pd_export_session_is_exportable (s))
            g_hash_table_add (self->selected, g_strdup (pd_catalog_session_get_uuid (s)));
        }
    }
  pd_export_wizard_rebuild_sessions (self);
  pd_export_wizard_update_buttons (self);
}

static void
load_catalog (PdExportWizard *self)
{
  g_autoptr (PdCatalog) catalog = NULL;
  g_autoptr (GPtrArray) sessions = NULL;
  g_autoptr (GtkStringList) model = gtk_string_list_new (NULL);
  g_autoptr (GError) error = NULL;

  gtk_string_list_append (model, _("All Cases"));
  catalog = pd_catalog_open (NULL, &error);
  if (catalog != NULL)
    self->cases = pd_catalog_list_cases (catalog, &error);
  if (catalog != NULL && self->cases != NULL)
    sessions = pd_catalog_list_sessions (catalog, NULL, NULL, &error);
  if (error != NULL)
    g_message ("Cannot read the catalog: %s", error->message);
  for (guint i = 0; sessions != NULL && i < sessions->len; i++)
    if (pd_catalog_session_get_package_path (g_ptr_array_index (sessions, i)) != NULL)
      g_ptr_array_add (self->sessions, pd_catalog_session_ref (g_ptr_array_index (sessions, i)));
  for (guint i = 0; self->cases != NULL && self->cases[i]; i++)
    gtk_string_list_append (model, self->cases[i]);
  self->updating = TRUE;
  adw_combo_row_set_model (self->case_row, G_LIST_MODEL (model));
  adw_combo_row_set_selected (self->case_row, 0);
  self->updating = FALSE;
  pd_export_wizard_rebuild_sessions (self);
}

/* ------------------------------------------------------------------------------------------ */
/* Page 3: label                                                                              */

/* The label pd_disc_label_compose() gives for the ticked recordings: platform + dispute type +
 * capture date, as the export itself would compose it. */
static void
compose_label (PdExportWizard *self)
{
  g_autoptr (GPtrArray) chosen = pd_export_wizard_selected_sessions (self);
  g_autoptr (GPtrArray) scenarios = g_ptr_array_new ();
  g_autoptr (GPtrArray) started = g_ptr_array_new ();
  GDateTime *first = NULL;

  for (guint i = 0; i < chosen->len; i++)
    {
      PdCatalogSession *s = g_ptr_array_index (chosen, i);

      g_ptr_array_add (scenarios, (gpointer) pd_catalog_session_get_scenario (s));
      g_ptr_array_add (started, pd_catalog_session_get_started (s));
    }
  g_free (self->composed_label);
  self->composed_label = pd_export_compose_label (chosen->len, (const char *const *) scenarios->pdata,
                                                  (GDateTime *const *) started->pdata, NULL, &first);
  g_clear_pointer (&self->first_capture, g_date_time_unref);
  if (first != NULL)
    self->first_capture = g_date_time_ref (first);
}

static void
update_volume_id (PdExportWizard *self)
{
  g_autofree char *label = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->label_row))));

  g_free (self->volume_id);
  self->volume_id = pd_disc_label_volume_id (*label ? label : self->composed_label, self->first_capture);
  gtk_label_set_text (self->volume_label, self->volume_id);
  gtk_widget_set_sensitive (GTK_WIDGET (self->label_reset_button), self->label_edited);
}

static void
on_label_changed (GtkEditable *editable, PdExportWizard *self)
{
  if (!self->updating)
    self->label_edited = g_strcmp0 (gtk_editable_get_text (editable), self->composed_label) != 0;
  update_volume_id (self);
  pd_export_wizard_update_buttons (self);
}

static void
set_label_text (PdExportWizard *self, const char *text)
{
  self->updating = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->label_row), text);
  self->updating = FALSE;
  self->label_edited = FALSE;
  update_volume_id (self);
}

static void
on_label_reset_clicked (GtkButton *button, PdExportWizard *self)
{
  set_label_text (self, self->composed_label);
  pd_export_wizard_update_buttons (self);
}

void
pd_export_wizard_enter_label_page (PdExportWizard *self)
{
  compose_label (self);
  /* Keep what the user typed; follow the selection otherwise. */
  if (!self->label_edited)
    set_label_text (self, self->composed_label);
  else
    update_volume_id (self);
}

/* ------------------------------------------------------------------------------------------ */
/* Page 4: summary                                                                            */

static const char *
target_kind_name (Target target)
{
  switch (target)
    {
    case TARGET_FOLDER:
      return _("Folder");
    case TARGET_REMOVABLE:
      return _("Removable drive");
    case TARGET_ISO:
      return _("ISO image file");
    case TARGET_DISC:
      return _("Optical disc");
    case TARGET_NONE:
    default:
      return "—";
    }
}

/* A folder named after the volume id at the drive's root, never one that is already there. */
static char *
removable_folder (PdExportWizard *self)
{
  for (guint n = 1;; n++)
    {
      g_autofree char *name = n == 1 ? g_strdup (self->volume_id)
                                     : g_strdup_printf ("%s_%u", self->volume_id, n);
      g_autofree char *path = g_build_filename (self->mount_root, name, NULL);

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&path);
    }
}

/* What the export writes to for the chosen destination, or NULL. */
static char *
target_path (PdExportWizard *self)
{
  switch (self->target)
    {
    case TARGET_FOLDER:
      return g_strdup (self->folder_path);
    case TARGET_REMOVABLE:
      return removable_folder (self);
    case TARGET_ISO:
      return g_strdup (self->iso_path);
    case TARGET_DISC:
      return g_strdup (self->drive_address);
    case TARGET_NONE:
    default:
      return NULL;
    }
}

/* The export as the pages describe it: ticked recordings, destination, label, capacity. */
static PdExportJob *
make_job (PdExportWizard *self)
{
  g_autoptr (GPtrArray) chosen = pd_export_wizard_selected_sessions (self);
  PdExportTargetKind kind = self->target == TARGET_ISO    ? PD_EXPORT_TARGET_ISO
                            : self->target == TARGET_DISC ? PD_EXPORT_TARGET_DISC
                                                          : PD_EXPORT_TARGET_FOLDER;
  PdExportJob *job;

  if (self->target_path == NULL)
    return NULL;
  job = pd_export_job_new (kind, self->target_path);
  for (guint i = 0; i < chosen->len; i++)
    pd_export_job_add_package (job, pd_catalog_session_get_package_path (g_ptr_array_index (chosen, i)));
  pd_export_job_set_label (job, gtk_editable_get_text (GTK_EDITABLE (self->label_row)));
  pd_export_job_set_capacity_limit (job, self->capacity_limit);
  return job;
}

/* The summary rows, and the problem that keeps Export from running (or NULL). */
void
pd_export_wizard_update_summary (PdExportWizard *self)
{
  g_autofree char *count = NULL, *need_s = NULL, *have_s = NULL, *target_s = NULL;
  g_autofree char *why = NULL;
  g_autoptr (GError) error = NULL;
  guint64 need = 0, available = G_MAXUINT64;
  g_autoptr (GPtrArray) chosen = pd_export_wizard_selected_sessions (self);
  guint n = chosen->len;

  if (self->busy)
    return;
  g_clear_pointer (&self->target_path, g_free);
  self->target_path = target_path (self);
  g_clear_object (&self->job);
  self->job = make_job (self);
  if (self->job != NULL)
    {
      pd_export_job_estimate (self->job, &need, &available);
      if (self->target == TARGET_DISC)
        available = MIN (available, self->drive_capacity);
      if (!pd_export_job_check_target (self->job, &error))
        why = g_strdup (error->message);
    }

  count = g_strdup_printf (ngettext ("%u recording", "%u recordings", n), n);
  adw_action_row_set_subtitle (self->summary_sessions_row, count);
  /* Translators: "<kind of destination>: <path>". */
  target_s = g_strdup_printf (_("%s: %s"), target_kind_name (self->target),
                              self->target_path ? self->target_path : "—");
  adw_action_row_set_subtitle (self->summary_target_row, target_s);
  adw_action_row_set_subtitle (self->summary_label_row, gtk_editable_get_text (GTK_EDITABLE (self->label_row)));
  need_s = g_format_size (need);
  have_s = g_format_size (available);
  adw_action_row_set_subtitle (self->summary_size_row, need_s);
  adw_action_row_set_subtitle (self->summary_capacity_row, have_s);
  gtk_level_bar_set_value (self->capacity_bar, available ? MIN ((double) need / (double) available, 1.0) : 1.0);

  if (why == NULL && need > available)
    {
      why = g_strdup_printf (_("The export needs %s but the destination has room for only %s. Choose a larger destination or fewer recordings."),
                             need_s, have_s);
    }
  pd_export_wizard_set_problem (self, why);
  gtk_label_set_text (self->problem_label, why ? why : "");
  gtk_widget_set_visible (GTK_WIDGET (self->problem_box), why != NULL);
  /* The bar shows how full the destination gets; the sentence says when it does not fit. */
  gtk_widget_set_visible (GTK_WIDGET (self->capacity_bar), why == NULL);
}

void
pd_export_wizard_init_pages (PdExportWizard *self)
{
  g_signal_connect (self->label_row, "changed", G_CALLBACK (on_label_changed), self);
  g_signal_connect (self->label_reset_button, "clicked", G_CALLBACK (on_label_reset_clicked), self);
  g_signal_connect (self->case_row, "notify::selected", G_CALLBACK (on_case_selected), self);
  load_catalog (self);
}
