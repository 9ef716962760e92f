/* pd-catalog-page-details.c — the Catalog view's details of one session (files, tokens, marks
 * timeline, verdict) and finding missing checklist items with OCR. */
#define G_LOG_DOMAIN "pd-catalog-page"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "pd-catalog-page-private.h"

/* Still frames in the marks timeline. */
#define THUMB_WIDTH  80
#define THUMB_HEIGHT 45

/* ---- Details ---- */

static void
clear_detail_rows (PdCatalogPage *self)
{
  for (guint i = 0; i < self->detail_rows->len; i++)
    {
      GtkWidget *row = self->detail_rows->pdata[i];
      AdwPreferencesGroup *group = g_object_get_data (G_OBJECT (row), "group");

      adw_preferences_group_remove (group, row);
    }
  g_ptr_array_set_size (self->detail_rows, 0);
}

static AdwActionRow *
add_detail_row (PdCatalogPage *self, AdwPreferencesGroup *group, const char *title,
                const char *subtitle)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (row, subtitle);
  g_object_set_data (G_OBJECT (row), "group", group);
  adw_preferences_group_add (group, GTK_WIDGET (row));
  g_ptr_array_add (self->detail_rows, row);
  return row;
}

/* A still frame from the package, small; NULL when missing or unreadable. */
static GtkWidget *
make_thumbnail (const char *package_dir, const char *still)
{
  g_autofree char *path = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  GtkWidget *picture;

  if (package_dir == NULL || still == NULL || still[0] == '\0' || g_path_is_absolute (still) ||
      strstr (still, "..") != NULL)
    return NULL;
  path = g_build_filename (package_dir, still, NULL);
  texture = gdk_texture_new_from_filename (path, NULL);
  if (texture == NULL)
    return NULL;
  picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (texture));
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_COVER);
  gtk_widget_set_size_request (picture, THUMB_WIDTH, THUMB_HEIGHT);
  gtk_widget_set_valign (picture, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (picture, 6);
  gtk_widget_set_margin_bottom (picture, 6);
  gtk_widget_set_overflow (picture, GTK_OVERFLOW_HIDDEN);
  gtk_widget_add_css_class (picture, "card");
  return picture;
}

static void
fill_marks (PdCatalogPage *self, PdCatalogSession *session, JsonArray *marks)
{
  const char *dir = pd_catalog_session_get_package_path (session);
  guint       n = marks ? json_array_get_length (marks) : 0;

  if (n == 0)
    {
      AdwActionRow *row = add_detail_row (self, self->marks_group, _("No marks"), NULL);

      gtk_widget_add_css_class (GTK_WIDGET (row), "dim-label");
      return;
    }
  for (guint i = 0; i < n; i++)
    if (JSON_NODE_HOLDS_OBJECT (json_array_get_element (marks, i)))
    {
      JsonObject      *mark = json_array_get_object_element (marks, i);
      const char      *title = pd_json_string (mark, "title");
      const char      *note = pd_json_string (mark, "note");
      gint64           ns = json_object_get_int_member_with_default (mark, "stream_time_ns", 0);
      gboolean         undone = json_object_get_int_member_with_default (mark, "undone", 0) != 0;
      g_autofree char *at = pd_format_stream_time (ns > 0 ? (guint64) ns : 0);
      g_autofree char *subtitle = NULL;
      AdwActionRow    *row;
      GtkWidget       *thumb;

      if (note != NULL && note[0] != '\0')
        subtitle = g_strdup_printf ("%s · %s", at, note);
      else
        subtitle = g_strdup (at);
      if (undone)
        {
          /* Translators: %s is when a checklist mark was made, maybe with its note. */
          g_autofree char *s = g_strdup_printf (_("%s · undone"), subtitle);
          g_free (subtitle);
          subtitle = g_steal_pointer (&s);
        }
      row = add_detail_row (self, self->marks_group,
                            title ? title : pd_json_string (mark, "item") ? pd_json_string (mark, "item") : "—",
                            subtitle);
      adw_action_row_set_subtitle_lines (row, 2);
      if (undone)
        gtk_widget_add_css_class (GTK_WIDGET (row), "dim-label");
      thumb = make_thumbnail (dir, pd_json_string (mark, "still"));
      if (thumb != NULL)
        adw_action_row_add_prefix (row, thumb);
    }
}

static void
fill_files (PdCatalogPage *self, JsonArray *files)
{
  guint n = files ? json_array_get_length (files) : 0;

  for (guint i = 0; i < n; i++)
    if (JSON_NODE_HOLDS_OBJECT (json_array_get_element (files, i)))
    {
      JsonObject      *file = json_array_get_object_element (files, i);
      const char      *name = pd_json_string (file, "name");
      const char      *sha = pd_json_string (file, "sha256");
      gint64           size = json_object_get_int_member_with_default (file, "size", -1);
      g_autofree char *size_text = size >= 0 ? g_format_size (size) : g_strdup ("—");
      g_autofree char *subtitle = g_strdup_printf ("%s · %s", size_text, sha ? sha : "—");
      AdwActionRow    *row = add_detail_row (self, self->files_group, name ? name : "—", subtitle);

      adw_action_row_set_subtitle_lines (row, 0);
    }
  if (n == 0)
    gtk_widget_add_css_class (GTK_WIDGET (add_detail_row (self, self->files_group,
                                                          _("Not recorded in the catalog yet"), NULL)),
                              "dim-label");
}

void
pd_catalog_page_update_verdict_row (PdCatalogPage *self)
{
  gboolean    mine = self->action_uuid != NULL && g_strcmp0 (self->action_uuid, self->selected_uuid) == 0;
  const char *icon = NULL, *style = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->verdict_list), mine && (self->busy || self->message));
  if (!mine)
    return;
  for (const char *const *c = (const char *const[]) { "success", "warning", "error", NULL }; *c; c++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_icon), *c);
  if (self->busy)
    {
      gtk_spinner_start (self->verdict_spinner);
      gtk_stack_set_visible_child_name (self->verdict_icon_stack, "spinner");
      return;
    }
  gtk_spinner_stop (self->verdict_spinner);
  gtk_stack_set_visible_child_name (self->verdict_icon_stack, "icon");
  switch (self->verdict)
    {
    case PD_VERDICT_VALID:
      icon = "emblem-ok-symbolic", style = "success";
      break;
    case PD_VERDICT_VALID_PRACTICE:
    case PD_VERDICT_VALID_WITH_GAPS:
      icon = "emblem-ok-symbolic", style = "warning";
      break;
    case PD_VERDICT_UNTRUSTED_AUTHORITY:
      icon = "dialog-warning-symbolic", style = "warning";
      break;
    case -1:
      icon = "dialog-information-symbolic";
      break;
    default:
      icon = "dialog-error-symbolic", style = "error";
      break;
    }
  gtk_image_set_from_icon_name (self->verdict_icon, icon);
  if (style != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->verdict_icon), style);
}

/* Title, state, duration and digest of the selected session. */
static void
show_summary (PdCatalogPage *self, PdCatalogSession *session)
{
  g_autofree char *started = NULL;
  g_autofree char *duration = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *digest = NULL;
  const char *state, *reason, *case_name;
  gint64      size;

  case_name = pd_catalog_session_get_case_name (session);
  started = pd_catalog_page_format_local_time (pd_catalog_session_get_started (session));
  /* Translators: "<scenario> · <when recorded> · <source>". */
  subtitle = g_strdup_printf (_("%s · %s · %s"), pd_catalog_page_describe_scenario (session), started ? started : "—",
                              pd_catalog_session_get_source (session) ? pd_catalog_session_get_source (session) : "—");
  gtk_label_set_text (self->details_title, case_name ? case_name : _("No Case"));
  gtk_label_set_text (self->details_subtitle, subtitle);

  state = pd_catalog_session_get_state (session);
  reason = pd_catalog_session_get_state_reason (session);
  adw_action_row_set_subtitle (self->state_row, reason && reason[0] ? reason : pd_catalog_page_describe_state (state));
  if (reason && reason[0])
    {
      g_autofree char *title = g_strdup_printf ("%s — %s", _("State"), pd_catalog_page_describe_state (state));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->state_row), title);
    }
  else
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->state_row), _("State"));

  duration = pd_catalog_page_format_duration (pd_catalog_session_get_capture_time (session));
  size = pd_catalog_session_get_recording_size (session);
  if (size >= 0)
    {
      g_autofree char *size_text = g_format_size (size);
      g_autofree char *text = g_strdup_printf ("%s · %s", duration, size_text);
      adw_action_row_set_subtitle (self->duration_row, text);
    }
  else
    adw_action_row_set_subtitle (self->duration_row, duration);

  if (pd_catalog_session_get_recording_sha256 (session) != NULL)
    digest = g_markup_printf_escaped ("<span font_family=\"monospace\">%s</span>",
                                      pd_catalog_session_get_recording_sha256 (session));
  adw_action_row_set_subtitle (self->digest_row, digest ? digest : "—");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "catalog.copy-digest", digest != NULL);
}

/* When and by whom the recording was stamped, and whether that authority is for court. */
static void
show_stamp (PdCatalogPage *self, PdCatalogSession *session, JsonObject *root)
{
  g_autofree char *stamp = NULL;
  g_autoptr (PdTsaToken) token = NULL;
  GDateTime  *stamp_time;
  gboolean    practice;
  JsonArray  *tokens = NULL;
  const char *tsa_name = NULL;

  tokens = pd_json_array (root, "tokens");
  for (guint i = 0; tokens != NULL && i < json_array_get_length (tokens); i++)
    {
      JsonObject *token;

      if (!JSON_NODE_HOLDS_OBJECT (json_array_get_element (tokens, i)))
        continue;
      token = json_array_get_object_element (tokens, i);

      if (g_strcmp0 (pd_json_string (token, "kind"), "recording") == 0)
        tsa_name = pd_json_string (token, "tsa_name");
    }
  stamp_time = pd_catalog_session_get_stamp_time (session);
  practice = pd_catalog_session_get_practice (session);
  if (stamp_time == NULL && (token = pd_catalog_page_read_recording_token (session)) != NULL)
    {
      stamp_time = pd_tsa_token_get_gen_time (token);
      tsa_name = pd_tsa_token_get_tsa_name (token);
      practice = pd_tsa_token_is_practice (token);
    }
  if (stamp_time != NULL)
    {
      g_autofree char *when = pd_catalog_page_format_local_time (stamp_time);
      stamp = tsa_name ? g_strdup_printf ("%s\n%s", when, tsa_name) : g_strdup (when);
    }
  else
    stamp = g_strdup (_("Not timestamped yet"));
  adw_action_row_set_subtitle (self->stamp_row, stamp);

  for (const char *const *c = (const char *const[]) { "success", "warning", "error", NULL }; *c; c++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->authority_icon), *c);
  if (stamp_time == NULL)
    {
      adw_action_row_set_subtitle (self->authority_row, _("None yet: the package waits for a timestamp"));
      gtk_image_set_from_icon_name (self->authority_icon, "content-loading-symbolic");
    }
  else if (practice)
    {
      adw_action_row_set_subtitle (self->authority_row,
                                   _("Practice authority: for training only, not for court"));
      gtk_image_set_from_icon_name (self->authority_icon, "dialog-warning-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (self->authority_icon), "warning");
    }
  else
    {
      adw_action_row_set_subtitle (self->authority_row, _("Trusted timestamp authority"));
      gtk_image_set_from_icon_name (self->authority_icon, "emblem-ok-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (self->authority_icon), "success");
    }
}

void
pd_catalog_page_show_details (PdCatalogPage *self)
{
  g_autoptr (PdCatalogSession) session = NULL;
  g_autoptr (JsonNode) described = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *root = NULL;

  clear_detail_rows (self);
  if (g_strcmp0 (self->ocr_uuid, self->selected_uuid) != 0)
    pd_catalog_page_clear_ocr (self);
  if (self->selected_uuid == NULL || self->catalog == NULL)
    {
      gtk_stack_set_visible_child_name (self->details_stack, "none");
      return;
    }
  session = pd_catalog_get_session (self->catalog, self->selected_uuid, &error);
  if (session != NULL)
    described = pd_catalog_describe_session (self->catalog, self->selected_uuid, &error);
  if (described == NULL)
    {
      g_warning ("Cannot describe session %s: %s", self->selected_uuid, error->message);
      gtk_stack_set_visible_child_name (self->details_stack, "none");
      return;
    }
  root = json_node_get_object (described);

  show_summary (self, session);
  show_stamp (self, session, root);
  gtk_widget_set_visible (GTK_WIDGET (self->stamp_button),
                          g_strcmp0 (pd_catalog_session_get_state (session), PD_SESSION_STATE_AWAITING_STAMP) == 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "catalog.show-in-folder",
                                 pd_catalog_session_get_package_path (session) != NULL);

  fill_marks (self, session, pd_json_array (root, "marks"));
  fill_files (self, pd_json_array (root, "files"));
  pd_catalog_page_update_verdict_row (self);
  gtk_stack_set_visible_child_name (self->details_stack, "details");
}

/* ---- Find missing items (OCR) ---- */

void
pd_catalog_page_clear_ocr (PdCatalogPage *self)
{
  if (self->ocr_cancellable != NULL)
    g_cancellable_cancel (self->ocr_cancellable);
  g_clear_object (&self->ocr_cancellable);
  for (guint i = 0; i < self->ocr_rows->len; i++)
    adw_preferences_group_remove (self->ocr_group, self->ocr_rows->pdata[i]);
  g_ptr_array_set_size (self->ocr_rows, 0);
  g_clear_pointer (&self->ocr_uuid, g_free);
  gtk_spinner_stop (self->ocr_spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->ocr_spinner), FALSE);
  gtk_widget_set_sensitive (self->ocr_button, TRUE);
}

static AdwActionRow *
add_ocr_row (PdCatalogPage *self, const char *title, const char *subtitle)
{
  AdwActionRow *row = ADW_ACTION_ROW (adw_action_row_new ());

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (row, subtitle);
  adw_action_row_set_subtitle_lines (row, 2);
  adw_preferences_group_add (self->ocr_group, GTK_WIDGET (row));
  g_ptr_array_add (self->ocr_rows, row);
  return row;
}

static void
on_ocr_scanned (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (PdCatalogPage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) found = pd_ocr_scan_package_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->ocr_rows == NULL)
    return;
  g_clear_object (&self->ocr_cancellable);
  gtk_spinner_stop (self->ocr_spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->ocr_spinner), FALSE);
  gtk_widget_set_sensitive (self->ocr_button, TRUE);
  if (found == NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (add_ocr_row (self, _("The recording could not be read"),
                                                          error->message)),
                                "dim-label");
      pd_catalog_page_toast (self, error->message);
      return;
    }
  if (found->len == 0)
    gtk_widget_add_css_class (GTK_WIDGET (add_ocr_row (self, _("No candidates for the missing items"), NULL)),
                              "dim-label");
  for (guint i = 0; i < found->len; i++)
    {
      const PdOcrSuggestion *s = g_ptr_array_index (found, i);
      g_autofree char *at = pd_format_stream_time (s->stream_time);
      /* Translators: when in the recording, the text OCR found there, and how sure it is. */
      g_autofree char *subtitle = g_strdup_printf (_("%s · “%s” · %.0f%%"), at, s->text ? s->text : "",
                                                   s->confidence * 100.0);

      add_ocr_row (self, s->item_title ? g_dgettext (GETTEXT_PACKAGE, s->item_title) : s->item_id, subtitle);
    }
}

static void
on_ocr_clicked (PdCatalogPage *self)
{
  g_autoptr (PdCatalogSession) session = NULL;
  const char *dir;

  if (self->selected_uuid == NULL || self->catalog == NULL)
    return;
  session = pd_catalog_get_session (self->catalog, self->selected_uuid, NULL);
  dir = session != NULL ? pd_catalog_session_get_package_path (session) : NULL;
  if (dir == NULL)
    {
      pd_catalog_page_toast (self, _("This session has no package folder to read."));
      return;
    }
  pd_catalog_page_clear_ocr (self);
  self->ocr_uuid = g_strdup (self->selected_uuid);
  self->ocr_cancellable = g_cancellable_new ();
  gtk_widget_set_sensitive (self->ocr_button, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->ocr_spinner), TRUE);
  gtk_spinner_start (self->ocr_spinner);
  pd_ocr_scan_package_async (dir, NULL, 0, self->ocr_cancellable, on_ocr_scanned, g_object_ref (self));
}

/* The group under the marks, built here so the page's template stays as it is. */
void
pd_catalog_page_create_ocr_group (PdCatalogPage *self)
{
  GtkWidget *suffix = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *parent = gtk_widget_get_parent (GTK_WIDGET (self->marks_group));

  self->ocr_rows = g_ptr_array_new ();
  self->ocr_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->ocr_group, _("Missing Items"));
  adw_preferences_group_set_description (self->ocr_group,
                                         _("Read the recording's text for the checklist items not marked, to find where they are shown. The text is a hint, never evidence by itself."));
  self->ocr_spinner = GTK_SPINNER (gtk_spinner_new ());
  gtk_widget_set_visible (GTK_WIDGET (self->ocr_spinner), FALSE);
  gtk_widget_set_valign (GTK_WIDGET (self->ocr_spinner), GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (suffix), GTK_WIDGET (self->ocr_spinner));
  self->ocr_button = gtk_button_new_with_mnemonic (_("_Find Missing Items (OCR)"));
  gtk_widget_set_valign (self->ocr_button, GTK_ALIGN_CENTER);
  g_signal_connect_object (self->ocr_button, "clicked", G_CALLBACK (on_ocr_clicked), self, G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (suffix), self->ocr_button);
  adw_preferences_group_set_header_suffix (self->ocr_group, suffix);
  gtk_widget_insert_after (GTK_WIDGET (self->ocr_group), parent, GTK_WIDGET (self->marks_group));
}
