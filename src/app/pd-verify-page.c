/* pd-verify-page.c — the Verify view: pairs dropped files, verifies in a worker, shows the verdict. */
#define G_LOG_DOMAIN "pd-verify-page"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "report/pd-certificate.h"
#include "evidence/pd-package.h"
#include "pd-verify-page.h"
#include "pd-resources.h"
#include "verify/pd-verify-report.h"
#include "util/pd-util.h"

/* A manifest larger than this is not a Proofdesk manifest; its lists are not shown. */
#define MAX_MANIFEST_SIZE (8 * 1024 * 1024)

struct _PdVerifyPage
{
  AdwBin parent_instance;

  /* Template widgets */
  AdwToastOverlay     *toasts;
  GtkStack            *stack;
  GtkWidget           *drop_zone;
  GtkListBox          *waiting_list;
  AdwActionRow        *waiting_row;
  GtkImage            *waiting_icon;
  GtkLabel            *drop_error;
  AdwStatusPage       *progress_status;
  GtkProgressBar      *progress_bar;
  GtkLabel            *progress_label;
  GtkScrolledWindow   *result_scroll;
  GtkImage            *verdict_icon;
  GtkLabel            *verdict_title;
  GtkLabel            *verdict_summary;
  GtkLabel            *verdict_inputs;
  GtkListBox          *tamper_list;
  AdwActionRow        *tamper_row;
  GtkButton           *save_button;
  AdwPreferencesGroup *timestamp_group;
  AdwActionRow        *time_local_row;
  AdwActionRow        *time_utc_row;
  AdwActionRow        *tsa_row;
  AdwActionRow        *serial_row;
  AdwActionRow        *policy_row;
  AdwActionRow        *accuracy_row;
  AdwActionRow        *digest_row;
  AdwPreferencesGroup *checks_group;
  AdwPreferencesGroup *files_group;
  AdwPreferencesGroup *checkpoints_group;
  AdwPreferencesGroup *marks_group;

  /* Owned references */
  GFile                *pending_data;   /* a dropped file waiting for its token */
  GFile                *pending_token;  /* a dropped token or certificate waiting for its file */
  GFile                *package_dir;    /* the package being verified or shown */
  char                 *inputs;         /* what is being verified, for people */
  GCancellable         *cancellable;    /* the running verification */
  PdVerifyResult       *result;
  char                 *headline;
  char                 *message;
  GPtrArray            *dynamic_rows;   /* rows added to the result's groups */
  GtkFileChooserNative *chooser;

  PdVerifyPageState     state;
  gboolean              message_is_error;
  guint                 pulse_id;
  gint64                started_usec;
  gint64                label_usec;
  guint64               file_size;      /* file + token: what the worker reads */
};

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_ENUM_TYPE (PdVerifyPageState, pd_verify_page_state,
                    G_DEFINE_ENUM_VALUE (PD_VERIFY_PAGE_EMPTY, "empty"),
                    G_DEFINE_ENUM_VALUE (PD_VERIFY_PAGE_WAITING, "waiting"),
                    G_DEFINE_ENUM_VALUE (PD_VERIFY_PAGE_VERIFYING, "verifying"),
                    G_DEFINE_ENUM_VALUE (PD_VERIFY_PAGE_RESULT, "result"))

G_DEFINE_FINAL_TYPE (PdVerifyPage, pd_verify_page, ADW_TYPE_BIN)

static const char page_css[] =
  ".pd-drop-zone {"
  "  border: 2px dashed alpha(currentColor, 0.18);"
  "  border-radius: 18px;"
  "  padding: 42px 24px 36px 24px;"
  "  transition: background-color 150ms, border-color 150ms;"
  "}"
  ".pd-drop-zone.drop-hover {"
  "  border-color: @accent_color;"
  "  background-color: alpha(@accent_bg_color, 0.08);"
  "}";

/* ------------------------------------------------------------------------------------------ */
/* Small helpers                                                                              */

/* "12,345,678": grouping that does not depend on the locale's printf. */
static char *
format_thousands (guint64 n)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GUINT64_FORMAT, n);
  GString *out = g_string_new (NULL);
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}

static char *
format_duration (double seconds)
{
  guint s = (guint) MAX (seconds + 0.5, 1);

  if (s < 60)
    /* Translators: a short duration in seconds. */
    return g_strdup_printf (_("%u s"), s);
  if (s < 3600)
    /* Translators: a duration in minutes and seconds. */
    return g_strdup_printf (_("%u min %u s"), s / 60, s % 60);
  /* Translators: a duration in hours and minutes. */
  return g_strdup_printf (_("%u h %u min"), s / 3600, s % 3600 / 60);
}

static char *
file_display_name (GFile *file)
{
  g_autofree char *base = g_file_get_basename (file);

  return base ? g_filename_display_name (base) : g_strdup ("?");
}

static void
set_message (PdVerifyPage *self, gboolean is_error, const char *message)
{
  g_free (self->message);
  self->message = g_strdup (message);
  self->message_is_error = is_error;
}

static void
set_row_value (AdwActionRow *row, const char *value)
{
  adw_action_row_set_subtitle (row, value && *value ? value : "—");
}

static GtkWidget *
status_icon (PdCheckStatus status, gboolean trust_only)
{
  GtkWidget *image;

  switch (status)
    {
    case PD_CHECK_PASSED:
      image = gtk_image_new_from_icon_name ("object-select-symbolic");
      gtk_widget_add_css_class (image, "success");
      /* Translators: accessible name of a check mark. */
      gtk_widget_set_tooltip_text (image, _("Passed"));
      break;
    case PD_CHECK_FAILED:
      image = gtk_image_new_from_icon_name (trust_only ? "dialog-warning-symbolic"
                                                       : "window-close-symbolic");
      gtk_widget_add_css_class (image, trust_only ? "warning" : "error");
      gtk_widget_set_tooltip_text (image, _("Failed"));
      break;
    case PD_CHECK_INFO:
    default:
      image = gtk_image_new_from_icon_name ("dialog-information-symbolic");
      gtk_widget_add_css_class (image, "dim-label");
      gtk_widget_set_tooltip_text (image, _("Note"));
      break;
    }
  return image;
}

/* ------------------------------------------------------------------------------------------ */
/* State                                                                                      */

static void
update_actions (PdVerifyPage *self)
{
  gboolean busy = self->state == PD_VERIFY_PAGE_VERIFYING;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "verify.open-files", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "verify.open-folder", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "verify.cancel", busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "verify.another", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "verify.save-report",
                                 self->state == PD_VERIFY_PAGE_RESULT && self->result != NULL);
}

static void
update_drop_page (PdVerifyPage *self)
{
  GFile *waiting = self->pending_data ? self->pending_data : self->pending_token;

  gtk_widget_set_visible (GTK_WIDGET (self->waiting_list), waiting != NULL);
  if (waiting != NULL)
    {
      g_autofree char *name = file_display_name (waiting);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->waiting_row), name);
      adw_action_row_set_subtitle (self->waiting_row,
                                   self->pending_data
                                     ? _("Now drop its certificate or token")
                                     : _("Now drop the recording it belongs to"));
      gtk_image_set_from_icon_name (self->waiting_icon, self->pending_data
                                                          ? "video-x-generic-symbolic"
                                                          : "x-office-document-symbolic");
    }
  gtk_widget_set_visible (GTK_WIDGET (self->drop_error),
                          self->message != NULL && self->message_is_error);
  gtk_label_set_text (self->drop_error, self->message_is_error && self->message ? self->message : "");
}

static void
set_state (PdVerifyPage *self, PdVerifyPageState state)
{
  static const char *const pages[] = { "drop", "drop", "progress", "result" };

  self->state = state;
  if (state == PD_VERIFY_PAGE_EMPTY || state == PD_VERIFY_PAGE_WAITING)
    update_drop_page (self);
  gtk_stack_set_visible_child_name (self->stack, pages[state]);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
forget_pending (PdVerifyPage *self)
{
  g_clear_object (&self->pending_data);
  g_clear_object (&self->pending_token);
}

/* A refused drop: say why on the drop page; what was waiting stays waiting. */
static gboolean
refuse (PdVerifyPage *self, const char *message)
{
  g_clear_pointer (&self->result, pd_verify_result_unref);
  set_message (self, TRUE, message);
  set_state (self, self->pending_data || self->pending_token ? PD_VERIFY_PAGE_WAITING
                                                              : PD_VERIFY_PAGE_EMPTY);
  return FALSE;
}

static void
stop_pulse (PdVerifyPage *self)
{
  if (self->pulse_id != 0)
    {
      g_source_remove (self->pulse_id);
      self->pulse_id = 0;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Result                                                                                     */

static void
clear_result_rows (PdVerifyPage *self)
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
  adw_expander_row_add_prefix (ADW_EXPANDER_ROW (row), status_icon (check->status, check->trust_only));

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
  static const PdCheckStatus order[] = { PD_CHECK_FAILED, PD_CHECK_PASSED, PD_CHECK_INFO };

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
  adw_preferences_group_set_description (self->timestamp_group, facts->subject);
  set_row_value (self->time_local_row, local);
  set_row_value (self->time_utc_row, utc);
  set_row_value (self->tsa_row, facts->tsa_name);
  set_row_value (self->serial_row, facts->serial);
  set_row_value (self->policy_row, facts->policy);
  set_row_value (self->accuracy_row, facts->accuracy);
  set_row_value (self->digest_row, digest);
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
      g_autofree char *offset = format_thousands (intact);

      /* Translators: "intact until 00:04:00 (offset 1,234,567 bytes), changed after". */
      title = g_strdup_printf (_("Intact until %s (offset %s bytes), changed after"),
                               stream_time ? stream_time : "?", offset);
      subtitle = g_strdup_printf (_("Checkpoint %u is the last part of the recording proven unchanged; what follows differs from what was recorded."),
                                  checkpoint);
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->tamper_row), title);
  adw_action_row_set_subtitle (self->tamper_row, subtitle);
}

static JsonObject *
load_manifest (PdVerifyPage *self, JsonParser *parser)
{
  g_autoptr (GFile) file = g_file_get_child (self->package_dir, PD_MANIFEST_NAME);
  g_autoptr (GFileInfo) info = NULL;
  g_autofree char *contents = NULL;
  gsize len = 0;
  JsonNode *root;

  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                            G_FILE_ATTRIBUTE_STANDARD_TYPE, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                            NULL, NULL);
  if (info == NULL || g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR ||
      g_file_info_get_size (info) > MAX_MANIFEST_SIZE)
    return NULL;
  if (!g_file_load_contents (file, NULL, &contents, &len, NULL, NULL) ||
      len > MAX_MANIFEST_SIZE || !json_parser_load_from_data (parser, contents, len, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  return root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
}

static gint64
member_int (JsonObject *o, const char *key)
{
  JsonNode *n = json_object_get_member (o, key);

  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64
           ? json_node_get_int (n) : -1;
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
    return status_icon (PD_CHECK_FAILED, trust_only);
  if (passed)
    return status_icon (PD_CHECK_PASSED, FALSE);
  return NULL;
}

static void
fill_package_lists (PdVerifyPage *self)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (PdCertificateInfo) info = NULL;
  JsonObject *manifest = NULL;
  JsonNode *node;

  gtk_widget_set_visible (GTK_WIDGET (self->files_group), self->package_dir != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->checkpoints_group), self->package_dir != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->marks_group), self->package_dir != NULL);
  if (self->package_dir == NULL)
    return;
  manifest = load_manifest (self, parser);
  if (manifest == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->files_group), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->checkpoints_group), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->marks_group), FALSE);
      return;
    }

  /* Files */
  node = json_object_get_member (manifest, "files");
  if (node && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *files = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (files); i++)
        {
          JsonNode *e = json_array_get_element (files, i);
          const char *name;
          gint64 size;
          g_autofree char *size_text = NULL;
          GtkWidget *icon;
          AdwActionRow *row;

          if (!JSON_NODE_HOLDS_OBJECT (e))
            continue;
          name = pd_json_string (json_node_get_object (e), "name");
          size = member_int (json_node_get_object (e), "size");
          if (name == NULL)
            continue;
          size_text = size >= 0 ? g_format_size ((guint64) size) : NULL;
          row = add_plain_row (self, self->files_group, name, size_text, NULL);
          icon = subject_icon (self->result, name, NULL);
          if (icon)
            adw_action_row_add_suffix (row, icon);
        }
    }

  /* Checkpoints */
  node = json_object_get_member (manifest, "checkpoints");
  if (node && JSON_NODE_HOLDS_ARRAY (node) && json_array_get_length (json_node_get_array (node)) > 0)
    {
      JsonArray *cps = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (cps); i++)
        {
          JsonNode *e = json_array_get_element (cps, i);
          JsonObject *o;
          gint64 index, offset;
          const char *stream_time, *gen_time, *token;
          g_autofree char *label = NULL;
          g_autofree char *title = NULL;
          g_autofree char *offset_text = NULL;
          g_autofree char *subtitle = NULL;
          g_autofree char *when = NULL;
          GtkWidget *icon;
          AdwActionRow *row;

          if (!JSON_NODE_HOLDS_OBJECT (e))
            continue;
          o = json_node_get_object (e);
          index = member_int (o, "index");
          offset = member_int (o, "offset");
          stream_time = pd_json_string (o, "stream_time");
          gen_time = pd_json_string (o, "gen_time");
          token = pd_json_string (o, "token");
          if (gen_time)
            {
              g_autoptr (GDateTime) t = g_date_time_new_from_iso8601 (gen_time, NULL);
              g_autoptr (GDateTime) l = t ? g_date_time_to_local (t) : NULL;

              when = l ? g_date_time_format (l, "%Y-%m-%d %H:%M:%S") : NULL;
            }
          /* Translators: "Checkpoint 3 · 00:00:03". */
          title = g_strdup_printf (_("Checkpoint %lld · %s"), (long long) index,
                                   stream_time ? stream_time : "?");
          offset_text = format_thousands ((guint64) MAX (offset, 0));
          subtitle = token && when
                       /* Translators: "1,234 bytes covered · stamped 2026-…". */
                       ? g_strdup_printf (_("%s bytes covered · stamped %s"), offset_text, when)
                       : g_strdup_printf (_("%s bytes covered · not stamped"), offset_text);
          row = add_plain_row (self, self->checkpoints_group, title, subtitle, NULL);
          label = g_strdup_printf ("checkpoint %" G_GINT64_FORMAT, index);
          icon = subject_icon (self->result, label, token);
          if (icon)
            adw_action_row_add_suffix (row, icon);
        }
    }
  else
    add_plain_row (self, self->checkpoints_group, _("No checkpoints were taken."), NULL, NULL);

  /* Marks */
  info = pd_certificate_info_new_from_manifest (manifest);
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
  clear_result_rows (self);
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
  set_message (self, result == NULL, reason);

  set_verdict_style (self, outcome);
  gtk_label_set_text (self->verdict_title, self->headline);
  gtk_label_set_text (self->verdict_summary, summary->str);
  gtk_label_set_text (self->verdict_inputs, self->inputs ? self->inputs : "");
  gtk_widget_set_visible (GTK_WIDGET (self->save_button), result != NULL);

  if (result != NULL)
    {
      fill_tamper (self);
      fill_timestamp (self);
      fill_checks (self);
      fill_package_lists (self);
    }
  else
    {
      gtk_widget_set_visible (GTK_WIDGET (self->tamper_list), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->timestamp_group), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->files_group), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->checkpoints_group), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->marks_group), FALSE);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->checks_group), result != NULL);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->result_scroll), 0);
  set_state (self, PD_VERIFY_PAGE_RESULT);
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
          g_autofree char *left = format_duration ((total - done) / rate);

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
  g_autofree char *spent = format_duration (elapsed);
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
  stop_pulse (self);
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
  set_message (self, FALSE, NULL);
  self->cancellable = g_cancellable_new ();
  self->started_usec = g_get_monotonic_time ();
  self->label_usec = 0;
  adw_status_page_set_title (self->progress_status, title);
  adw_status_page_set_description (self->progress_status, inputs);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  gtk_label_set_text (self->progress_label, "");
  set_state (self, PD_VERIFY_PAGE_VERIFYING);
  return TRUE;
}

static PdTrustStore *
trust_store (PdVerifyPage *self, GError **error)
{
  /* Made afresh each time: CAs configured in the meantime count. */
  return pd_trust_store_new_default (error);
}

static gboolean
start_package (PdVerifyPage *self, GFile *dir)
{
  g_autofree char *path = g_file_get_path (dir);
  g_autofree char *name = file_display_name (dir);
  g_autoptr (PdTrustStore) trust = NULL;
  g_autoptr (GError) error = NULL;

  forget_pending (self);
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

static gboolean
start_file (PdVerifyPage *self, GFile *data, GFile *token)
{
  g_autofree char *data_path = g_file_get_path (data);
  g_autofree char *token_path = g_file_get_path (token);
  g_autofree char *data_name = file_display_name (data);
  g_autofree char *token_name = file_display_name (token);
  /* Translators: "recording.mp4 with certificate.pdf". */
  g_autofree char *inputs = g_strdup_printf (_("%s with %s"), data_name, token_name);
  g_autoptr (GFileInfo) info = NULL;
  g_autoptr (PdTrustStore) trust = NULL;
  g_autoptr (GError) error = NULL;

  forget_pending (self);
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

/* ------------------------------------------------------------------------------------------ */
/* Pairing what was dropped                                                                   */

typedef enum {
  KIND_DATA,
  KIND_TOKEN,       /* .tsr */
  KIND_CERTIFICATE, /* .pdf: a certificate, unless a .tsr says it is the data */
  KIND_PACKAGE,
} Kind;

/* What a dropped file is. FALSE and a translated message when it cannot be used. */
static gboolean
classify (GFile *file, Kind *kind, GFile **package, char **message)
{
  g_autoptr (GFileInfo) info = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *name = file_display_name (file);
  g_autofree char *base = g_file_get_basename (file);
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *lower = NULL;

  if (path == NULL)
    {
      *message = g_strdup_printf (_("“%s” is not on this computer; copy it here first."), name);
      return FALSE;
    }
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_TYPE "," G_FILE_ATTRIBUTE_STANDARD_SIZE,
                            G_FILE_QUERY_INFO_NONE, NULL, &error);
  if (info == NULL)
    {
      /* Translators: the first %s is a file name, the second why it cannot be read. */
      *message = g_strdup_printf (_("Cannot read “%s”: %s"), name, error->message);
      return FALSE;
    }
  if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
    {
      g_autoptr (GFile) manifest = g_file_get_child (file, PD_MANIFEST_NAME);

      if (g_file_query_file_type (manifest, G_FILE_QUERY_INFO_NONE, NULL) != G_FILE_TYPE_REGULAR)
        {
          *message = g_strdup_printf (_("“%s” is not an evidence folder: it has no manifest.json."), name);
          return FALSE;
        }
      *kind = KIND_PACKAGE;
      *package = g_object_ref (file);
      return TRUE;
    }
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      *message = g_strdup_printf (_("“%s” is not a regular file."), name);
      return FALSE;
    }
  if (g_file_info_get_size (info) == 0)
    {
      *message = g_strdup_printf (_("“%s” is empty (0 bytes): there is nothing to verify."), name);
      return FALSE;
    }
  lower = g_utf8_strdown (base, -1);
  if (g_str_equal (base, PD_MANIFEST_NAME))
    {
      *kind = KIND_PACKAGE;
      *package = g_file_get_parent (file);
      return TRUE;
    }
  if (g_str_has_suffix (lower, ".tsr"))
    *kind = KIND_TOKEN;
  else if (g_str_has_suffix (lower, ".pdf"))
    *kind = KIND_CERTIFICATE;
  else
    *kind = KIND_DATA;
  return TRUE;
}

/* Among several data files and tokens, the one pair whose names match ("x" and "x.tsr"). */
static gboolean
match_by_name (GPtrArray *data, GPtrArray *tokens, GFile **data_out, GFile **token_out)
{
  guint found = 0;

  for (guint t = 0; t < tokens->len; t++)
    {
      g_autofree char *tname = g_file_get_basename (tokens->pdata[t]);

      for (guint d = 0; d < data->len; d++)
        {
          g_autofree char *dname = g_file_get_basename (data->pdata[d]);
          g_autofree char *want = g_strconcat (dname, ".tsr", NULL);

          if (g_str_equal (tname, want))
            {
              *data_out = data->pdata[d];
              *token_out = tokens->pdata[t];
              found++;
            }
        }
    }
  return found == 1;
}

gboolean
pd_verify_page_add_files (PdVerifyPage *self, GSList *files)
{
  g_autoptr (GPtrArray) data = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) tokens = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) certificates = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GFile) package = NULL;
  GFile *data_file = NULL, *token_file = NULL;
  gboolean all_in_package = TRUE;

  g_return_val_if_fail (PD_IS_VERIFY_PAGE (self), FALSE);

  if (self->state == PD_VERIFY_PAGE_VERIFYING)
    return FALSE;
  if (files == NULL)
    return refuse (self, _("Nothing was dropped."));
  /* A new drop after a result starts over. */
  if (self->state == PD_VERIFY_PAGE_RESULT)
    {
      g_clear_pointer (&self->result, pd_verify_result_unref);
      forget_pending (self);
    }

  for (GSList *l = files; l != NULL; l = l->next)
    {
      g_autofree char *message = NULL;
      g_autoptr (GFile) pkg = NULL;
      Kind kind;

      if (!G_IS_FILE (l->data))
        continue;
      if (!classify (l->data, &kind, &pkg, &message))
        return refuse (self, message);
      switch (kind)
        {
        case KIND_PACKAGE:
          if (package != NULL && !g_file_equal (package, pkg))
            return refuse (self, _("Drop one evidence folder at a time."));
          g_set_object (&package, pkg);
          break;
        case KIND_TOKEN:
          g_ptr_array_add (tokens, g_object_ref (l->data));
          break;
        case KIND_CERTIFICATE:
          g_ptr_array_add (certificates, g_object_ref (l->data));
          break;
        case KIND_DATA:
        default:
          g_ptr_array_add (data, g_object_ref (l->data));
          break;
        }
    }

  /* A package: everything else dropped with it must be inside it (e.g. "select all"). */
  if (package != NULL)
    {
      GPtrArray *lists[] = { data, tokens, certificates };

      for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
        for (guint j = 0; j < lists[i]->len; j++)
          if (!g_file_has_prefix (lists[i]->pdata[j], package))
            all_in_package = FALSE;
      if (!all_in_package)
        return refuse (self, _("Drop either an evidence folder or a file with its token, not both."));
      return start_package (self, package);
    }

  /* With a .tsr in play a PDF is a document that was stamped, not a certificate. */
  if (tokens->len > 0 ||
      (certificates->len > 0 && data->len == 0 && self->pending_token != NULL &&
       self->pending_data == NULL))
    {
      for (guint i = 0; i < certificates->len; i++)
        g_ptr_array_add (data, g_object_ref (certificates->pdata[i]));
      g_ptr_array_set_size (certificates, 0);
    }
  else
    for (guint i = 0; i < certificates->len; i++)
      g_ptr_array_add (tokens, g_object_ref (certificates->pdata[i]));

  /* What this drop lacks comes from what is waiting. */
  if (data->len == 0 && self->pending_data != NULL)
    g_ptr_array_add (data, g_object_ref (self->pending_data));
  if (tokens->len == 0 && self->pending_token != NULL)
    g_ptr_array_add (tokens, g_object_ref (self->pending_token));

  if (data->len == 0 && tokens->len == 0)
    return refuse (self, _("Nothing usable was dropped."));

  if (data->len >= 1 && tokens->len >= 1)
    {
      if (data->len == 1 && tokens->len == 1)
        {
          data_file = data->pdata[0];
          token_file = tokens->pdata[0];
        }
      else if (!match_by_name (data, tokens, &data_file, &token_file))
        {
          forget_pending (self);
          return refuse (self, _("Drop one recording with one certificate or token at a time."));
        }
      return start_file (self, data_file, token_file);
    }

  if (data->len > 1 || tokens->len > 1)
    {
      forget_pending (self);
      return refuse (self, data->len > 1
                             ? _("Drop one recording at a time, with its certificate or token.")
                             : _("Drop one certificate or token at a time, with its recording."));
    }

  /* One half: wait for the other. */
  forget_pending (self);
  if (data->len == 1)
    {
      g_autofree char *name = file_display_name (data->pdata[0]);
      /* Translators: %s is a file name. */
      g_autofree char *message = g_strdup_printf (_("%s — now drop its certificate or token"), name);

      self->pending_data = g_object_ref (data->pdata[0]);
      set_message (self, FALSE, message);
    }
  else
    {
      g_autofree char *name = file_display_name (tokens->pdata[0]);
      /* Translators: %s is the name of a token or certificate. */
      g_autofree char *message = g_strdup_printf (_("%s — now drop the recording it belongs to"), name);

      self->pending_token = g_object_ref (tokens->pdata[0]);
      set_message (self, FALSE, message);
    }
  set_state (self, PD_VERIFY_PAGE_WAITING);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Drag and drop, file choosers, actions                                                      */

static GdkDragAction
on_drop_enter (GtkDropTarget *target, double x, double y, PdVerifyPage *self)
{
  if (self->state == PD_VERIFY_PAGE_VERIFYING)
    return 0;
  gtk_widget_add_css_class (self->drop_zone, "drop-hover");
  return GDK_ACTION_COPY;
}

static void
on_drop_leave (GtkDropTarget *target, PdVerifyPage *self)
{
  gtk_widget_remove_css_class (self->drop_zone, "drop-hover");
}

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, PdVerifyPage *self)
{
  GSList *files;
  gboolean accepted;

  gtk_widget_remove_css_class (self->drop_zone, "drop-hover");
  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = gdk_file_list_get_files (g_value_get_boxed (value));
  accepted = pd_verify_page_add_files (self, files);
  g_slist_free (files);
  return accepted;
}

static void
on_open_response (GtkNativeDialog *dialog, int response, PdVerifyPage *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GListModel) model = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
      GSList *files = NULL;

      for (guint i = g_list_model_get_n_items (model); i > 0; i--)
        files = g_slist_prepend (files, g_list_model_get_item (model, i - 1));
      pd_verify_page_add_files (self, files);
      g_slist_free_full (files, g_object_unref);
    }
  gtk_native_dialog_destroy (dialog);
  g_clear_object (&self->chooser);
}

static GtkWindow *
parent_window (PdVerifyPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
open_chooser (PdVerifyPage *self, GtkFileChooserAction action)
{
  gboolean folder = action == GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER;

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (folder ? _("Open Evidence Folder")
                                                      : _("Open a Recording and Its Certificate"),
                                               parent_window (self), action, _("_Open"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  if (!folder)
    gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
on_save_response (GtkNativeDialog *dialog, int response, PdVerifyPage *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      g_autoptr (GError) error = NULL;

      if (path == NULL)
        adw_toast_overlay_add_toast (self->toasts,
                                     adw_toast_new (_("Reports can only be saved on this computer")));
      else if (!pd_verify_page_save_report (self, path, &error))
        adw_toast_overlay_add_toast (self->toasts, adw_toast_new (error->message));
      else
        adw_toast_overlay_add_toast (self->toasts, adw_toast_new (_("Report saved")));
    }
  gtk_native_dialog_destroy (dialog);
  g_clear_object (&self->chooser);
}

static void
action_save_report (GtkWidget *widget, const char *action_name, GVariant *param)
{
  PdVerifyPage *self = PD_VERIFY_PAGE (widget);

  if (self->result == NULL)
    return;
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Save Verification Report"), parent_window (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  /* Translators: the default file name of a saved report; keep it a valid file name. */
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), _("verification-report.pdf"));
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
action_open_files (GtkWidget *widget, const char *action_name, GVariant *param)
{
  open_chooser (PD_VERIFY_PAGE (widget), GTK_FILE_CHOOSER_ACTION_OPEN);
}

static void
action_open_folder (GtkWidget *widget, const char *action_name, GVariant *param)
{
  open_chooser (PD_VERIFY_PAGE (widget), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER);
}

static void
action_cancel (GtkWidget *widget, const char *action_name, GVariant *param)
{
  pd_verify_page_cancel (PD_VERIFY_PAGE (widget));
}

static void
action_another (GtkWidget *widget, const char *action_name, GVariant *param)
{
  pd_verify_page_reset (PD_VERIFY_PAGE (widget));
}

/* ------------------------------------------------------------------------------------------ */
/* GObject                                                                                    */

static void
pd_verify_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PdVerifyPage *self = PD_VERIFY_PAGE (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pd_verify_page_dispose (GObject *object)
{
  PdVerifyPage *self = PD_VERIFY_PAGE (object);

  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  stop_pulse (self);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_pointer (&self->dynamic_rows, g_ptr_array_unref);
  forget_pending (self);
  g_clear_object (&self->package_dir);
  g_clear_pointer (&self->result, pd_verify_result_unref);

  G_OBJECT_CLASS (pd_verify_page_parent_class)->dispose (object);
}

static void
pd_verify_page_finalize (GObject *object)
{
  PdVerifyPage *self = PD_VERIFY_PAGE (object);

  g_free (self->inputs);
  g_free (self->headline);
  g_free (self->message);

  G_OBJECT_CLASS (pd_verify_page_parent_class)->finalize (object);
}

static void
pd_verify_page_class_init (PdVerifyPageClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = pd_verify_page_get_property;
  object_class->dispose = pd_verify_page_dispose;
  object_class->finalize = pd_verify_page_finalize;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, PD_TYPE_VERIFY_PAGE_STATE, PD_VERIFY_PAGE_EMPTY,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  pd_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/proofdesk/Proofdesk/pd-verify-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, toasts);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, stack);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, drop_zone);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, waiting_list);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, waiting_row);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, waiting_icon);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, drop_error);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, progress_status);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, progress_label);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, result_scroll);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, verdict_icon);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, verdict_title);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, verdict_summary);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, verdict_inputs);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, tamper_list);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, tamper_row);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, save_button);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, timestamp_group);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, time_local_row);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, time_utc_row);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, tsa_row);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, serial_row);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, policy_row);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, accuracy_row);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, digest_row);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, checks_group);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, files_group);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, checkpoints_group);
  gtk_widget_class_bind_template_child (widget_class, PdVerifyPage, marks_group);

  gtk_widget_class_install_action (widget_class, "verify.open-files", NULL, action_open_files);
  gtk_widget_class_install_action (widget_class, "verify.open-folder", NULL, action_open_folder);
  gtk_widget_class_install_action (widget_class, "verify.cancel", NULL, action_cancel);
  gtk_widget_class_install_action (widget_class, "verify.another", NULL, action_another);
  gtk_widget_class_install_action (widget_class, "verify.save-report", NULL, action_save_report);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                       "verify.open-files", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "verify.cancel", NULL);
}

static void
ensure_css (void)
{
  static GtkCssProvider *provider;
  GdkDisplay *display = gdk_display_get_default ();

  if (provider != NULL || display == NULL)
    return;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider, page_css, -1);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
pd_verify_page_init (PdVerifyPage *self)
{
  GtkDropTarget *target;

  gtk_widget_init_template (GTK_WIDGET (self));
  ensure_css ();
  self->dynamic_rows = g_ptr_array_new_with_free_func (g_object_unref);

  target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (target, "enter", G_CALLBACK (on_drop_enter), self);
  g_signal_connect (target, "leave", G_CALLBACK (on_drop_leave), self);
  g_signal_connect (target, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));

  set_state (self, PD_VERIFY_PAGE_EMPTY);
}

/* ------------------------------------------------------------------------------------------ */
/* Public API                                                                                 */

PdVerifyPage *
pd_verify_page_new (void)
{
  return g_object_new (PD_TYPE_VERIFY_PAGE, NULL);
}

void
pd_verify_page_cancel (PdVerifyPage *self)
{
  g_return_if_fail (PD_IS_VERIFY_PAGE (self));

  if (self->state != PD_VERIFY_PAGE_VERIFYING)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  stop_pulse (self);
  g_clear_object (&self->package_dir);
  forget_pending (self);
  set_message (self, FALSE, _("Verification cancelled."));
  set_state (self, PD_VERIFY_PAGE_EMPTY);
}

void
pd_verify_page_reset (PdVerifyPage *self)
{
  g_return_if_fail (PD_IS_VERIFY_PAGE (self));

  if (self->state == PD_VERIFY_PAGE_VERIFYING)
    return;
  g_clear_pointer (&self->result, pd_verify_result_unref);
  g_clear_object (&self->package_dir);
  g_clear_pointer (&self->headline, g_free);
  forget_pending (self);
  clear_result_rows (self);
  set_message (self, FALSE, NULL);
  set_state (self, PD_VERIFY_PAGE_EMPTY);
}

gboolean
pd_verify_page_save_report (PdVerifyPage *self, const char *path, GError **error)
{
  g_return_val_if_fail (PD_IS_VERIFY_PAGE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->result == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no result to save."));
      return FALSE;
    }
  return pd_verify_report_write_pdf (self->result, path, error);
}

PdVerifyPageState
pd_verify_page_get_state (PdVerifyPage *self)
{
  g_return_val_if_fail (PD_IS_VERIFY_PAGE (self), PD_VERIFY_PAGE_EMPTY);
  return self->state;
}

PdVerifyResult *
pd_verify_page_get_result (PdVerifyPage *self)
{
  g_return_val_if_fail (PD_IS_VERIFY_PAGE (self), NULL);
  return self->result;
}

PdVerdict
pd_verify_page_get_verdict (PdVerifyPage *self)
{
  g_return_val_if_fail (PD_IS_VERIFY_PAGE (self), PD_VERDICT_ERROR);
  return self->result ? pd_verify_result_get_verdict (self->result) : PD_VERDICT_ERROR;
}

const char *
pd_verify_page_get_headline (PdVerifyPage *self)
{
  g_return_val_if_fail (PD_IS_VERIFY_PAGE (self), NULL);
  return self->state == PD_VERIFY_PAGE_RESULT ? self->headline : NULL;
}

const char *
pd_verify_page_get_message (PdVerifyPage *self)
{
  g_return_val_if_fail (PD_IS_VERIFY_PAGE (self), NULL);
  return self->message;
}
