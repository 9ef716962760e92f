/* pd-verify-page-results.c — the Verify view's result (verdict, token facts, the package's lists)
 * and the verification that runs in a worker. */
#define G_LOG_DOMAIN "pd-verify-page"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "evidence/pd-manifest.h"
#include "pd-verify-page-private.h"

/* ------------------------------------------------------------------------------------------ */
/* Result                                                                                     */

void
pd_verify_page_clear_result_rows (PdVerifyPage *self)
{
  for (guint i = 0; i < self->dynamic_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->dynamic_rows, i);
      GtkWidget *group = gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP);

      if (group != NULL)
        adw_preferences_group_remove (ADW_PREFERENCES_GROUP (group), row);
    }
  g_ptr_array_set_size (self->dynamic_rows, 0);
}

static void
add_row (PdVerifyPage *self, AdwPreferencesGroup *group, GtkWidget *row)
{
  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->dynamic_rows, g_object_ref (row));
}

static AdwActionRow *
add_plain_row (PdVerifyPage *self, AdwPreferencesGroup *group, const char *title,
               const char *subtitle, GtkWidget *prefix)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (prefix)
    adw_action_row_add_prefix (ADW_ACTION_ROW (row), prefix);
  add_row (self, group, row);
  return ADW_ACTION_ROW (row);
}

static gboolean
is_token_fact (const PdVerifyCheck *check)
{
  static const char *const ids[] = {
    "token.gen-time", "token.policy", "token.accuracy", "token.tsa-name", "token.serial",
    "token.nonce", "token.signer", "file.name", "recording.tamper-location", NULL,
  };

  return check->status == PD_CHECK_INFO && g_strv_contains (ids, check->id);
}

static void
add_check_row (PdVerifyPage *self, const PdVerifyCheck *check)
{
  GtkWidget *row = adw_expander_row_new ();
  GtkWidget *label;
  g_autofree char *detail = NULL;

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), check->message);
  if (check->subject)
    adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), check->subject);
  adw_expander_row_add_prefix (ADW_EXPANDER_ROW (row), pd_verify_page_status_icon (check->status, check->trust_only));

  detail = check->detail ? g_strdup_printf ("%s\n%s", check->id, check->detail)
                         : g_strdup (check->id);
  label = gtk_label_new (detail);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "monospace");
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_end (label, 12);
  gtk_widget_set_margin_top (label, 8);
  gtk_widget_set_margin_bottom (label, 8);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row), label);
  add_row (self, self->checks_group, row);
}

static void
fill_checks (PdVerifyPage *self)
{
  GPtrArray *checks = pd_verify_result_get_checks (self->result);
  guint n_failed = pd_verify_result_count_failed (self->result);
  guint n_passed = 0;
  g_autofree char *description = NULL;
  /* Failures first: they are what a reader came for. */
  static const PdCheckStatus order[] = { PD_CHECK_FAILED, PD_CHECK_GAP, PD_CHECK_PASSED, PD_CHECK_INFO };

  for (guint o = 0; o < G_N_ELEMENTS (order); o++)
    for (guint i = 0; i < checks->len; i++)
      {
        const PdVerifyCheck *check = g_ptr_array_index (checks, i);

        if (check->status != order[o] || is_token_fact (check))
          continue;
        if (check->status == PD_CHECK_PASSED)
          n_passed++;
        add_check_row (self, check);
      }

  description = g_strdup_printf (_("%u passed, %u failed"), n_passed, n_failed);
  adw_preferences_group_set_description (self->checks_group, description);
}

/* "00:00:10–00:00:30 · bytes 262,144–786,432" (stream times only when known). */
static char *
span_subtitle (const PdVerifySpan *span)
{
  g_autofree char *from = pd_verify_page_format_thousands (span->from_offset);
  g_autofree char *to = pd_verify_page_format_thousands (span->to_offset);
  /* Translators: a byte range of the recording, "bytes 1,024–2,048". */
  g_autofree char *bytes = g_strdup_printf (_("bytes %s–%s"), from, to);

  if (span->from_stream_ns >= 0 && span->to_stream_ns >= 0)
    {
      g_autofree char *t0 = pd_format_stream_time ((guint64) span->from_stream_ns);
      g_autofree char *t1 = pd_format_stream_time ((guint64) span->to_stream_ns);

      return g_strdup_printf ("%s–%s · %s", t0, t1, bytes);
    }
  return g_steal_pointer (&bytes);
}

/* The spans of the recording covered only by a later token, above the checks: a gap (warning)
 * or the normal tail after the last checkpoint (note). */
static void
fill_spans (PdVerifyPage *self)
{
  GPtrArray *spans = pd_verify_result_get_spans (self->result);
  guint n_gaps = 0;
  g_autofree char *description = NULL;

  for (guint i = 0; i < spans->len; i++)
    {
      const PdVerifySpan *span = g_ptr_array_index (spans, i);
      g_autofree char *subtitle = span_subtitle (span);
      AdwActionRow *row;

      n_gaps += span->degrades;
      row = add_plain_row (self, self->spans_group, span->message, subtitle,
                           pd_verify_page_status_icon (span->degrades ? PD_CHECK_GAP : PD_CHECK_INFO, FALSE));
      adw_action_row_set_title_lines (row, 0);
      gtk_widget_set_name (GTK_WIDGET (row), span->degrades ? "gap" : "span");
    }
  description = n_gaps > 0
                  ? g_strdup_printf (ngettext ("%u gap in the real-time proof: this span is covered only by a later token.",
                                               "%u gaps in the real-time proof: these spans are covered only by a later token.",
                                               n_gaps), n_gaps)
                  : g_strdup (_("No gaps in the real-time proof."));
  adw_preferences_group_set_description (self->spans_group, description);
  gtk_widget_set_visible (GTK_WIDGET (self->spans_group), spans->len > 0);
}

static void
fill_timestamp (PdVerifyPage *self)
{
  g_autoptr (PdVerifyTokenFacts) facts = pd_verify_token_facts_new (self->result);
  g_autofree char *local = NULL;
  g_autofree char *utc = NULL;
  g_autofree char *digest = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->timestamp_group), facts != NULL);
  if (facts == NULL)
    return;
  if (facts->gen_time)
    {
      g_autoptr (GDateTime) l = g_date_time_to_local (facts->gen_time);

      local = g_date_time_format (l, "%Y-%m-%d %H:%M:%S %Z (UTC%:z)");
      utc = g_date_time_format (facts->gen_time, "%Y-%m-%d %H:%M:%S UTC");
    }
  if (facts->digest)
    digest = g_strdup_printf ("%s %s", facts->digest_algorithm ? facts->digest_algorithm : "",
                              facts->digest);
  {
    /* The TSA's subject is the token's; a group's description is Pango markup. */
    g_autofree char *subject = facts->subject ? g_markup_escape_text (facts->subject, -1) : NULL;
    adw_preferences_group_set_description (self->timestamp_group, subject);
  }
  pd_verify_page_set_row_value (self->time_local_row, local);
  pd_verify_page_set_row_value (self->time_utc_row, utc);
  pd_verify_page_set_row_value (self->tsa_row, facts->tsa_name);
  pd_verify_page_set_row_value (self->serial_row, facts->serial);
  pd_verify_page_set_row_value (self->policy_row, facts->policy);
  pd_verify_page_set_row_value (self->accuracy_row, facts->accuracy);
  pd_verify_page_set_row_value (self->digest_row, digest);
}

static void
fill_tamper (PdVerifyPage *self)
{
  guint64 intact = 0;
  guint checkpoint = 0;
  const char *stream_time = NULL;
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  gboolean has = pd_verify_result_get_tamper_location (self->result, &intact, &checkpoint,
                                                       &stream_time);

  gtk_widget_set_visible (GTK_WIDGET (self->tamper_list), has);
  if (!has)
    return;
  if (checkpoint == 0)
    {
      title = g_strdup (_("Changed before the first checkpoint"));
      subtitle = g_strdup (_("No part of the recording is provably intact."));
    }
  else
    {
      g_autofree char *offset = pd_verify_page_format_thousands (intact);

      /* Translators: "intact until 00:04:00 (offset 1,234,567 bytes), changed after". */
      title = g_strdup_printf (_("Intact until %s (offset %s bytes), changed after"),
                               stream_time ? stream_time : "?", offset);
      subtitle = g_strdup_printf (_("Checkpoint %u is the last part of the recording proven unchanged; what follows differs from what was recorded."),
                                  checkpoint);
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->tamper_row), title);
  adw_action_row_set_subtitle (self->tamper_row, subtitle);
}

/* ✓ when every check about `subject` passed, ✗ when one failed, nothing when none was made. */
static GtkWidget *
subject_icon (PdVerifyResult *result, const char *subject, const char *subject2)
{
  GPtrArray *checks = pd_verify_result_get_checks (result);
  gboolean   passed = FALSE, failed = FALSE, trust_only = TRUE;

  for (guint i = 0; i < checks->len; i++)
    {
      const PdVerifyCheck *check = g_ptr_array_index (checks, i);

      if (g_strcmp0 (check->subject, subject) != 0 &&
          (subject2 == NULL || g_strcmp0 (check->subject, subject2) != 0))
        continue;
      if (check->status == PD_CHECK_PASSED)
        passed = TRUE;
      else if (check->status == PD_CHECK_FAILED)
        {
          failed = TRUE;
          trust_only = trust_only && check->trust_only;
        }
    }
  if (failed)
    return pd_verify_page_status_icon (PD_CHECK_FAILED, trust_only);
  if (passed)
    return pd_verify_page_status_icon (PD_CHECK_PASSED, FALSE);
  return NULL;
}

static void
fill_files (PdVerifyPage *self, PdManifest *manifest)
{
  guint n = 0;
  const PdManifestFile *files = pd_manifest_get_files (manifest, &n, NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *size_text = NULL;
      GtkWidget *icon;
      AdwActionRow *row;

      if (files[i].name == NULL)
        continue;
      size_text = files[i].size >= 0 ? g_format_size ((guint64) files[i].size) : NULL;
      row = add_plain_row (self, self->files_group, files[i].name, size_text, NULL);
      icon = subject_icon (self->result, files[i].name, NULL);
      if (icon)
        adw_action_row_add_suffix (row, icon);
    }
}

static void
add_checkpoint_row (PdVerifyPage *self, const PdManifestCheckpoint *cp)
{
  g_autofree char *label = NULL;
  g_autofree char *title = NULL;
  g_autofree char *offset_text = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *when = NULL;
  GtkWidget *icon;
  AdwActionRow *row;

  if (cp->gen_time)
    {
      g_autoptr (GDateTime) t = g_date_time_new_from_iso8601 (cp->gen_time, NULL);
      g_autoptr (GDateTime) l = t ? g_date_time_to_local (t) : NULL;

      when = l ? g_date_time_format (l, "%Y-%m-%d %H:%M:%S") : NULL;
    }
  /* Translators: "Checkpoint 3 · 00:00:03". */
  title = g_strdup_printf (_("Checkpoint %lld · %s"), (long long) cp->index,
                           cp->stream_time ? cp->stream_time : "?");
  offset_text = pd_verify_page_format_thousands ((guint64) MAX (cp->offset, 0));
  subtitle = cp->token && when
               /* Translators: "1,234 bytes covered · stamped 2026-…". */
               ? g_strdup_printf (_("%s bytes covered · stamped %s"), offset_text, when)
               : g_strdup_printf (_("%s bytes covered · not stamped"), offset_text);
  row = add_plain_row (self, self->checkpoints_group, title, subtitle, NULL);
  label = g_strdup_printf ("checkpoint %" G_GINT64_FORMAT, cp->index);
  icon = subject_icon (self->result, label, cp->token);
  if (icon)
    adw_action_row_add_suffix (row, icon);
}

static void
fill_marks (PdVerifyPage *self, PdManifest *manifest)
{
  g_autoptr (PdCertificateInfo) info = pd_certificate_info_new_from_manifest (pd_manifest_get_object (manifest));

  if (info->marks->len == 0)
    add_plain_row (self, self->marks_group, _("No checklist items were marked."), NULL, NULL);
  for (guint i = 0; i < info->marks->len; i++)
    {
      PdCertificateMark *mark = g_ptr_array_index (info->marks, i);
      g_autofree char *subtitle = mark->note
                                    ? g_strdup_printf ("%s · %s", mark->stream_time ? mark->stream_time : "?", mark->note)
                                    : g_strdup (mark->stream_time ? mark->stream_time : "?");

      add_plain_row (self, self->marks_group, mark->item ? mark->item : "?", subtitle,
                     gtk_image_new_from_icon_name ("emblem-ok-symbolic"));
    }
}

/* Files, checkpoints and marks of the package, from its manifest (read by the one evidence
 * reader; the verdict above is the verifier's, this list only shows what the manifest says). */
static void
fill_package_lists (PdVerifyPage *self)
{
  g_autoptr (PdManifest) manifest = NULL;
  g_autofree char *dir = NULL;
  const PdManifestCheckpoint *cps;
  guint n_cps = 0;

  gtk_widget_set_visible (GTK_WIDGET (self->files_group), self->package_dir != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->checkpoints_group), self->package_dir != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->marks_group), self->package_dir != NULL);
  if (self->package_dir == NULL)
    return;
  dir = g_file_get_path (self->package_dir);
  manifest = dir ? pd_manifest_load (dir, NULL) : NULL;
  if (manifest == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->files_group), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->checkpoints_group), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->marks_group), FALSE);
      return;
    }
  fill_files (self, manifest);
  cps = pd_manifest_get_checkpoints (manifest, &n_cps, NULL);
  for (guint i = 0; i < n_cps; i++)
    add_checkpoint_row (self, &cps[i]);
  if (n_cps == 0)
    add_plain_row (self, self->checkpoints_group, _("No checkpoints were taken."), NULL, NULL);
  fill_marks (self, manifest);
}

static void
set_verdict_style (PdVerifyPage *self, PdVerifyOutcome outcome)
{
  static const char *const classes[] = { "success", "warning", "error", "dim-label" };
  const char *icon, *klass;

  switch (outcome)
    {
    case PD_VERIFY_OUTCOME_VALID:
      icon = "security-high-symbolic";
      klass = "success";
      break;
    case PD_VERIFY_OUTCOME_VALID_PRACTICE:
    case PD_VERIFY_OUTCOME_VALID_WITH_GAPS:
      icon = "security-medium-symbolic";
      klass = "warning";
      break;
    case PD_VERIFY_OUTCOME_UNTRUSTED:
      icon = "security-low-symbolic";
      klass = "warning";
      break;
    case PD_VERIFY_OUTCOME_CHANGED:
    case PD_VERIFY_OUTCOME_NOT_VALID:
      icon = "dialog-error-symbolic";
      klass = "error";
      break;
    case PD_VERIFY_OUTCOME_CANNOT_VERIFY:
    default:
      icon = "action-unavailable-symbolic";
      klass = "dim-label";
      break;
    }
  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_icon), classes[i]);
      gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_title), classes[i]);
    }
  gtk_image_set_from_icon_name (self->verdict_icon, icon);
  gtk_widget_add_css_class (GTK_WIDGET (self->verdict_icon), klass);
  if (!g_str_equal (klass, "dim-label"))
    gtk_widget_add_css_class (GTK_WIDGET (self->verdict_title), klass);
}

/* `result` NULL: the input could not be read, `error` says why. */
static void
show_result (PdVerifyPage *self, PdVerifyResult *result, const GError *error)
{
  PdVerifyOutcome outcome = pd_verify_outcome_from_result (result);
  g_autoptr (GString) summary = g_string_new (NULL);
  const char *reason = NULL;

  g_clear_pointer (&self->result, pd_verify_result_unref);
  self->result = result ? pd_verify_result_ref (result) : NULL;
  pd_verify_page_clear_result_rows (self);
  g_free (self->headline);
  self->headline = g_strdup (pd_verify_outcome_get_title (outcome));

  if (result != NULL)
    {
      GPtrArray *checks = pd_verify_result_get_checks (result);

      g_string_append (summary, pd_verify_result_get_summary (result));
      /* When the verdict is not about the data, the first failure is the clearest reason. */
      if (outcome == PD_VERIFY_OUTCOME_CANNOT_VERIFY || outcome == PD_VERIFY_OUTCOME_NOT_VALID)
        for (guint i = 0; i < checks->len && reason == NULL; i++)
          {
            const PdVerifyCheck *check = g_ptr_array_index (checks, i);

            if (check->status == PD_CHECK_FAILED)
              reason = check->message;
          }
      if (reason)
        g_string_append_printf (summary, "\n%s", reason);
    }
  else
    {
      reason = error ? error->message : _("The input could not be read.");
      g_string_append (summary, reason);
    }
  pd_verify_page_set_message (self, result == NULL, reason);

  set_verdict_style (self, outcome);
  gtk_label_set_text (self->verdict_title, self->headline);
  gtk_label_set_text (self->verdict_summary, summary->str);
  gtk_label_set_text (self->verdict_inputs, self->inputs ? self->inputs : "");
  gtk_widget_set_visible (GTK_WIDGET (self->save_button), result != NULL);

  if (result != NULL)
    {
      fill_tamper (self);
      fill_timestamp (self);
      fill_spans (self);
      fill_checks (self);
      fill_package_lists (self);
    }
  else
    {
      gtk_widget_set_visible (GTK_WIDGET (self->tamper_list), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->timestamp_group), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->spans_group), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->files_group), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->checkpoints_group), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->marks_group), FALSE);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->checks_group), result != NULL);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->result_scroll), 0);
  pd_verify_page_set_state (self, PD_VERIFY_PAGE_RESULT);
}

void
pd_verify_page_show_result (PdVerifyPage *self, PdVerifyResult *result, const char *inputs)
{
  g_return_if_fail (PD_IS_VERIFY_PAGE (self));
  g_return_if_fail (result != NULL);

  if (self->cancellable != NULL)
    return;
  pd_verify_page_forget_pending (self);
  g_clear_object (&self->package_dir);
  g_free (self->inputs);
  self->inputs = g_strdup (inputs);
  show_result (self, result, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Verification in a worker                                                                   */

/* Shared by the progress relay and the completion callback; either may outlive the page. */
typedef struct
{
  GWeakRef      page;
  GCancellable *cancellable;
  gboolean      package;
} Job;

static void
job_clear (Job *job)
{
  g_weak_ref_clear (&job->page);
  g_clear_object (&job->cancellable);
}

static Job *
job_new (PdVerifyPage *self, gboolean package)
{
  Job *job = g_atomic_rc_box_new0 (Job);

  g_weak_ref_init (&job->page, self);
  job->cancellable = g_object_ref (self->cancellable);
  job->package = package;
  return job;
}

static void
job_unref (gpointer job)
{
  g_atomic_rc_box_release_full (job, (GDestroyNotify) job_clear);
}

/* The page the job belongs to, if it still waits for this job. */
static PdVerifyPage *
job_get_page (Job *job)
{
  PdVerifyPage *self = g_weak_ref_get (&job->page);

  if (self != NULL && self->cancellable != job->cancellable)
    g_clear_object (&self);
  return self;
}

static void
on_progress (guint64 done, guint64 total, gpointer user_data)
{
  g_autoptr (PdVerifyPage) self = job_get_page (user_data);
  gint64 now = g_get_monotonic_time ();
  double elapsed;
  g_autofree char *done_text = NULL;
  g_autofree char *total_text = NULL;
  g_autoptr (GString) text = g_string_new (NULL);

  if (self == NULL)
    return;
  gtk_progress_bar_set_fraction (self->progress_bar, total ? (double) done / total : 0);
  /* A few label updates a second are readable; more only cost redraws. */
  if (now - self->label_usec < G_USEC_PER_SEC / 5 && done < total)
    return;
  self->label_usec = now;
  elapsed = (now - self->started_usec) / (double) G_USEC_PER_SEC;
  done_text = g_format_size (done);
  total_text = g_format_size (total);
  /* Translators: "12.3 MB of 45.6 MB". */
  g_string_append_printf (text, _("%s of %s"), done_text, total_text);
  if (elapsed > 0.25 && done > 0)
    {
      double rate = done / elapsed;
      g_autofree char *rate_text = g_format_size ((guint64) rate);

      /* Translators: a reading speed, e.g. "85.2 MB/s". */
      g_string_append (text, " · ");
      g_string_append_printf (text, _("%s/s"), rate_text);
      if (done < total)
        {
          g_autofree char *left = pd_verify_page_format_duration ((total - done) / rate);

          g_string_append (text, " · ");
          /* Translators: time left, e.g. "about 12 s left". */
          g_string_append_printf (text, _("about %s left"), left);
        }
    }
  gtk_label_set_text (self->progress_label, text->str);
}

static gboolean
on_pulse (gpointer user_data)
{
  PdVerifyPage *self = user_data;
  double elapsed = (g_get_monotonic_time () - self->started_usec) / (double) G_USEC_PER_SEC;
  g_autofree char *size = g_format_size (self->file_size);
  g_autofree char *spent = pd_verify_page_format_duration (elapsed);
  g_autofree char *text = NULL;

  gtk_progress_bar_pulse (self->progress_bar);
  /* Translators: "Reading 2.8 MB · 3 s so far". */
  text = g_strdup_printf (_("Reading %s · %s so far"), size, spent);
  gtk_label_set_text (self->progress_label, text);
  return G_SOURCE_CONTINUE;
}

static void
on_verified (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Job *job = user_data;
  g_autoptr (PdVerifyPage) self = job_get_page (job);
  g_autoptr (PdVerifyResult) result = NULL;
  g_autoptr (GError) error = NULL;

  result = job->package ? pd_verify_package_finish (res, &error)
                        : pd_verify_token_for_file_finish (res, &error);
  job_unref (job);
  /* Gone, cancelled or superseded: nobody waits for this answer. */
  if (self == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  pd_verify_page_stop_pulse (self);
  g_clear_object (&self->cancellable);
  if (result == NULL)
    g_debug ("Cannot verify %s: %s", self->inputs, error->message);
  show_result (self, result, error);
}

static gboolean
begin (PdVerifyPage *self, const char *title, const char *inputs)
{
  g_clear_pointer (&self->result, pd_verify_result_unref);
  g_free (self->inputs);
  self->inputs = g_strdup (inputs);
  pd_verify_page_set_message (self, FALSE, NULL);
  self->cancellable = g_cancellable_new ();
  self->started_usec = g_get_monotonic_time ();
  self->label_usec = 0;
  adw_status_page_set_title (self->progress_status, title);
  {
    /* File names; a status page's description is Pango markup. */
    g_autofree char *escaped = inputs ? g_markup_escape_text (inputs, -1) : NULL;
    adw_status_page_set_description (self->progress_status, escaped);
  }
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_label_set_text (self->progress_label, "");
  pd_verify_page_set_state (self, PD_VERIFY_PAGE_VERIFYING);
  return TRUE;
}

static PdTrustStore *
trust_store (PdVerifyPage *self, GError **error)
{
  /* Made afresh each time: CAs configured in the meantime count. */
  return pd_trust_store_new_default (error);
}

gboolean
pd_verify_page_start_package (PdVerifyPage *self, GFile *dir)
{
  g_autofree char *path = g_file_get_path (dir);
  g_autofree char *name = pd_verify_page_file_display_name (dir);
  g_autoptr (PdTrustStore) trust = NULL;
  g_autoptr (GError) error = NULL;

  pd_verify_page_forget_pending (self);
  g_set_object (&self->package_dir, dir);
  begin (self, _("Verifying Evidence Folder…"), name);
  trust = trust_store (self, &error);
  if (trust == NULL)
    {
      g_clear_object (&self->cancellable);
      show_result (self, NULL, error);
      return TRUE;
    }
  pd_verify_package_async (path, trust, on_progress, job_new (self, TRUE), job_unref,
                           self->cancellable, on_verified, job_new (self, TRUE));
  return TRUE;
}

gboolean
pd_verify_page_start_file (PdVerifyPage *self, GFile *data, GFile *token)
{
  g_autofree char *data_path = g_file_get_path (data);
  g_autofree char *token_path = g_file_get_path (token);
  g_autofree char *data_name = pd_verify_page_file_display_name (data);
  g_autofree char *token_name = pd_verify_page_file_display_name (token);
  /* Translators: "recording.mp4 with certificate.pdf". */
  g_autofree char *inputs = g_strdup_printf (_("%s with %s"), data_name, token_name);
  g_autoptr (GFileInfo) info = NULL;
  g_autoptr (PdTrustStore) trust = NULL;
  g_autoptr (GError) error = NULL;

  pd_verify_page_forget_pending (self);
  g_clear_object (&self->package_dir);
  info = g_file_query_info (data, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, NULL, NULL);
  self->file_size = info ? (guint64) g_file_info_get_size (info) : 0;
  begin (self, _("Verifying…"), inputs);
  trust = trust_store (self, &error);
  if (trust == NULL)
    {
      g_clear_object (&self->cancellable);
      show_result (self, NULL, error);
      return TRUE;
    }
  /* The core reports no progress for a single file: pulse, with the size and time spent. */
  gtk_progress_bar_set_pulse_step (self->progress_bar, 0.08);
  on_pulse (self);
  self->pulse_id = g_timeout_add (120, on_pulse, self);
  pd_verify_token_for_file_async (data_path, token_path, trust, self->cancellable, on_verified,
                                  job_new (self, FALSE));
  return TRUE;
}
