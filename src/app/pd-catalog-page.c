/* pd-catalog-page.c — the Catalog view: cases in a sidebar, their sessions in a column view, one session's details. */
#define G_LOG_DOMAIN "pd-catalog-page"

#include "config.h"

#include <fcntl.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <unistd.h>

#include "evidence/pd-evidence-file.h"
#include "evidence/pd-manifest.h"
#include "evidence/pd-package.h"
#include "pd-catalog-page-private.h"
#include "pd-resources.h"
#include "ocr/pd-ocr.h"
#include "capture/pd-seal.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"

/* A manifest larger than this is not read for the list's checklist column. */

/* ------------------------------------------------------------------------------------------ */
/* List items                                                                                 */

struct _PdCatalogPageItem
{
  GObject parent_instance;

  PdCatalogSession *session;
  char             *checklist;  /* "4 / 7", "—"; read from the manifest on first display */
  const char       *stamp;      /* the Timestamp column, worked out on first display */
};

G_DEFINE_FINAL_TYPE (PdCatalogPageItem, pd_catalog_page_item, G_TYPE_OBJECT)

static void
pd_catalog_page_item_finalize (GObject *object)
{
  PdCatalogPageItem *self = PD_CATALOG_PAGE_ITEM (object);

  g_clear_pointer (&self->session, pd_catalog_session_unref);
  g_clear_pointer (&self->checklist, g_free);
  G_OBJECT_CLASS (pd_catalog_page_item_parent_class)->finalize (object);
}

static void
pd_catalog_page_item_class_init (PdCatalogPageItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pd_catalog_page_item_finalize;
}

static void
pd_catalog_page_item_init (PdCatalogPageItem *self)
{
}

static PdCatalogPageItem *
pd_catalog_page_item_new (PdCatalogSession *session)
{
  PdCatalogPageItem *self = g_object_new (PD_TYPE_CATALOG_PAGE_ITEM, NULL);

  self->session = pd_catalog_session_ref (session);
  return self;
}

PdCatalogSession *
pd_catalog_page_item_get_session (PdCatalogPageItem *self)
{
  g_return_val_if_fail (PD_IS_CATALOG_PAGE_ITEM (self), NULL);
  return self->session;
}

/* ------------------------------------------------------------------------------------------ */
/* The page                                                                                   */


enum {
  PROP_0,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (PdCatalogPage, pd_catalog_page, ADW_TYPE_BIN)

static void
set_busy (PdCatalogPage *self, gboolean busy)
{
  if (self->busy == busy)
    return;
  self->busy = busy;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "catalog.verify", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "catalog.stamp-now", !busy);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
set_message (PdCatalogPage *self, const char *message)
{
  g_free (self->message);
  self->message = g_strdup (message);
}

void
pd_catalog_page_toast (PdCatalogPage *self, const char *text)
{
  /* A toast's title is Pango markup in libadwaita 1.2; the text (often naming a package) is
   * plain. */
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  AdwToast *t = adw_toast_new (escaped);

  adw_toast_set_timeout (t, 4);
  adw_toast_overlay_add_toast (self->toasts, t);
}

/* ---- Formatting ---- */

char *
pd_catalog_page_format_local_time (GDateTime *time)
{
  g_autoptr (GDateTime) local = NULL;

  if (time == NULL)
    return NULL;
  local = g_date_time_to_local (time);
  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
}

char *
pd_catalog_page_format_duration (double seconds)
{
  guint64 s;

  if (seconds < 0)
    return g_strdup ("—");
  s = (guint64) (seconds + 0.5);
  if (s >= 3600)
    return g_strdup_printf ("%" G_GUINT64_FORMAT ":%02u:%02u", s / 3600, (guint) (s / 60 % 60),
                            (guint) (s % 60));
  return g_strdup_printf ("%u:%02u", (guint) (s / 60), (guint) (s % 60));
}

const char *
pd_catalog_page_describe_state (const char *state)
{
  if (g_strcmp0 (state, PD_SESSION_STATE_CREATED) == 0)
    return C_("session state", "Created");
  if (g_strcmp0 (state, PD_SESSION_STATE_RECORDING) == 0)
    return C_("session state", "Recording");
  if (g_strcmp0 (state, PD_SESSION_STATE_SEALING) == 0)
    return C_("session state", "Sealing");
  if (g_strcmp0 (state, PD_SESSION_STATE_STAMPED) == 0)
    return C_("session state", "Stamped");
  if (g_strcmp0 (state, PD_SESSION_STATE_AWAITING_STAMP) == 0)
    return C_("session state", "Awaiting Timestamp");
  if (g_strcmp0 (state, PD_SESSION_STATE_FAILED) == 0)
    return C_("session state", "Failed");
  if (g_strcmp0 (state, PD_SESSION_STATE_RECOVERED) == 0)
    return C_("session state", "Recovered");
  return state;
}

/* The style class that colours a state: success, warning or error. */
static const char *
state_style (const char *state)
{
  if (g_strcmp0 (state, PD_SESSION_STATE_STAMPED) == 0)
    return "success";
  if (g_strcmp0 (state, PD_SESSION_STATE_FAILED) == 0)
    return "error";
  if (g_strcmp0 (state, PD_SESSION_STATE_AWAITING_STAMP) == 0 ||
      g_strcmp0 (state, PD_SESSION_STATE_RECOVERED) == 0)
    return "warning";
  return NULL;
}

/* The recording's token from the package. A package stamped late (Stamp Now, proofctl stamp
 * --pending) has one while its catalog row may still have no stamp time. */
PdTsaToken *
pd_catalog_page_read_recording_token (PdCatalogSession *session)
{
  const char *dir = pd_catalog_session_get_package_path (session);
  g_autoptr (GBytes) bytes = NULL;
  int dirfd;

  if (dir == NULL)
    return NULL;
  /* Through the evidence reader: a FIFO or a huge file in the token's place must not hang or
   * swamp the page. */
  dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    return NULL;
  bytes = pd_evidence_read_at (dirfd, PD_RECORDING_TOKEN_NAME, 1024 * 1024, NULL);
  close (dirfd);
  return bytes ? pd_tsa_token_new_from_der (bytes, NULL) : NULL;
}

static const char *
describe_stamp (PdCatalogSession *session)
{
  if (pd_catalog_session_get_stamp_time (session) == NULL &&
      g_strcmp0 (pd_catalog_session_get_state (session), PD_SESSION_STATE_STAMPED) == 0)
    {
      g_autoptr (PdTsaToken) token = pd_catalog_page_read_recording_token (session);

      if (token != NULL)
        return pd_tsa_token_is_practice (token) ? C_("timestamp", "Practice")
                                                : C_("timestamp", "Trusted");
    }
  if (pd_catalog_session_get_stamp_time (session) != NULL)
    return pd_catalog_session_get_practice (session) ? C_("timestamp", "Practice")
                                                     : C_("timestamp", "Trusted");
  if (g_strcmp0 (pd_catalog_session_get_state (session), PD_SESSION_STATE_AWAITING_STAMP) == 0)
    return C_("timestamp", "Waiting");
  return "—";
}

const char *
pd_catalog_page_describe_scenario (PdCatalogSession *session)
{
  const char *scenario = pd_catalog_session_get_scenario (session);

  const char *title = pd_checklist_lookup_scenario_title (scenario);

  /* The template's title in the user's language; a scenario no template knows (a label given
   * on the command line) as it was given. */
  if (title != NULL)
    return title;
  return scenario != NULL && scenario[0] != '\0' ? scenario : _("Free recording");
}

/* "required marked / required" from the manifest's checklist summary, else "—". */
static char *
read_checklist (PdCatalogSession *session)
{
  const char *dir = pd_catalog_session_get_package_path (session);
  g_autoptr (PdManifest) manifest = dir ? pd_manifest_load (dir, NULL) : NULL;
  gint64 required = 0, marked = 0;

  if (manifest == NULL || !pd_manifest_get_checklist_counts (manifest, &required, &marked))
    return g_strdup ("—");
  return g_strdup_printf ("%" G_GINT64_FORMAT " / %" G_GINT64_FORMAT, marked, required);
}

/* ---- Column view cells ---- */

typedef enum {
  COLUMN_TIME,
  COLUMN_SCENARIO,
  COLUMN_DURATION,
  COLUMN_STATE,
  COLUMN_CHECKLIST,
  COLUMN_STAMP,
} Column;

static void
on_cell_setup (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  Column     column = GPOINTER_TO_INT (user_data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (column == COLUMN_TIME || column == COLUMN_DURATION || column == COLUMN_CHECKLIST)
    gtk_widget_add_css_class (label, "numeric");
  if (column == COLUMN_CHECKLIST || column == COLUMN_STAMP)
    gtk_widget_add_css_class (label, "dim-label");
  gtk_list_item_set_child (list_item, label);
}

static void
on_cell_bind (GtkSignalListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  Column             column = GPOINTER_TO_INT (user_data);
  PdCatalogPageItem *item = gtk_list_item_get_item (list_item);
  GtkLabel          *label = GTK_LABEL (gtk_list_item_get_child (list_item));
  PdCatalogSession  *session = item->session;
  g_autofree char   *text = NULL;
  const char        *style;

  for (const char *const *c = (const char *const[]) { "success", "warning", "error", NULL }; *c; c++)
    gtk_widget_remove_css_class (GTK_WIDGET (label), *c);
  switch (column)
    {
    case COLUMN_TIME:
      text = pd_catalog_page_format_local_time (pd_catalog_session_get_started (session));
      gtk_label_set_text (label, text ? text : "—");
      break;
    case COLUMN_SCENARIO:
      gtk_label_set_text (label, pd_catalog_page_describe_scenario (session));
      break;
    case COLUMN_DURATION:
      text = pd_catalog_page_format_duration (pd_catalog_session_get_capture_time (session));
      gtk_label_set_text (label, text);
      break;
    case COLUMN_STATE:
      gtk_label_set_text (label, pd_catalog_page_describe_state (pd_catalog_session_get_state (session)));
      style = state_style (pd_catalog_session_get_state (session));
      if (style != NULL)
        gtk_widget_add_css_class (GTK_WIDGET (label), style);
      break;
    case COLUMN_CHECKLIST:
      if (item->checklist == NULL)
        item->checklist = read_checklist (session);
      gtk_label_set_text (label, item->checklist);
      break;
    case COLUMN_STAMP:
      if (item->stamp == NULL)
        item->stamp = describe_stamp (session);
      gtk_label_set_text (label, item->stamp);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
set_column_factory (GtkColumnViewColumn *column, Column which)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (on_cell_setup), GINT_TO_POINTER (which));
  g_signal_connect (factory, "bind", G_CALLBACK (on_cell_bind), GINT_TO_POINTER (which));
  gtk_column_view_column_set_factory (column, factory);
}

/* ---- Loading ---- */

static gboolean
ensure_catalog (PdCatalogPage *self, GError **error)
{
  if (self->catalog == NULL)
    self->catalog = pd_catalog_open (NULL, error);
  return self->catalog != NULL;
}

static GtkWidget *
make_case_row (const char *name, const char *title, guint count)
{
  GtkWidget       *row = gtk_list_box_row_new ();
  GtkWidget       *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget       *label = gtk_label_new (title);
  g_autofree char *count_text = g_strdup_printf ("%u", count);
  GtkWidget       *count_label = gtk_label_new (count_text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (count_label, "dim-label");
  gtk_widget_add_css_class (count_label, "numeric");
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), count_label);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_widget_set_tooltip_text (row, title);
  g_object_set_data_full (G_OBJECT (row), "case-name", g_strdup (name), g_free);
  return row;
}

static void
rebuild_case_list (PdCatalogPage *self, GPtrArray *all)
{
  GtkWidget     *child;
  GtkListBoxRow *selected = NULL;
  GtkWidget     *row;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->case_list))) != NULL)
    gtk_list_box_remove (self->case_list, child);

  row = make_case_row (NULL, _("All Cases"), all->len);
  gtk_list_box_append (self->case_list, row);
  selected = GTK_LIST_BOX_ROW (row);
  for (guint i = 0; self->cases[i] != NULL; i++)
    {
      guint count = 0;

      for (guint j = 0; j < all->len; j++)
        if (g_strcmp0 (pd_catalog_session_get_case_name (all->pdata[j]), self->cases[i]) == 0)
          count++;
      row = make_case_row (self->cases[i], self->cases[i], count);
      gtk_list_box_append (self->case_list, row);
      if (g_strcmp0 (self->case_filter, self->cases[i]) == 0)
        selected = GTK_LIST_BOX_ROW (row);
    }
  if (g_object_get_data (G_OBJECT (selected), "case-name") == NULL)
    g_clear_pointer (&self->case_filter, g_free);
  gtk_list_box_select_row (self->case_list, selected);
}

/* Refills the session list from `all`, the search and the case filter, keeping the selection. */
static gboolean
rebuild_session_list (PdCatalogPage *self, GPtrArray *all, GError **error)
{
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autoptr (GHashTable) matches = NULL;
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  guint selected = GTK_INVALID_LIST_POSITION;

  if (query != NULL && query[strspn (query, " \t\n")] != '\0')
    {
      /* Full-text search over case, parties, scenario and mark notes, then the case filter. */
      g_autoptr (GPtrArray) found = pd_catalog_search_sessions (self->catalog, query, 0, error);

      if (found == NULL)
        return FALSE;
      matches = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (guint i = 0; i < found->len; i++)
        g_hash_table_add (matches, g_strdup (pd_catalog_session_get_uuid (found->pdata[i])));
    }

  for (guint i = 0; i < all->len; i++)
    {
      PdCatalogSession *session = all->pdata[i];

      if (self->case_filter != NULL &&
          g_strcmp0 (pd_catalog_session_get_case_name (session), self->case_filter) != 0)
        continue;
      if (matches != NULL && !g_hash_table_contains (matches, pd_catalog_session_get_uuid (session)))
        continue;
      if (g_strcmp0 (pd_catalog_session_get_uuid (session), self->selected_uuid) == 0)
        selected = items->len;
      g_ptr_array_add (items, pd_catalog_page_item_new (session));
    }

  self->updating = TRUE;
  g_list_store_splice (self->sessions, 0, g_list_model_get_n_items (G_LIST_MODEL (self->sessions)),
                       items->pdata, items->len);
  if (selected == GTK_INVALID_LIST_POSITION && items->len > 0)
    selected = 0;
  gtk_single_selection_set_selected (self->selection, selected);
  self->updating = FALSE;

  g_clear_pointer (&self->selected_uuid, g_free);
  if (selected != GTK_INVALID_LIST_POSITION)
    self->selected_uuid =
      g_strdup (pd_catalog_session_get_uuid (PD_CATALOG_PAGE_ITEM (items->pdata[selected])->session));
  gtk_stack_set_visible_child_name (self->list_stack, items->len > 0 ? "list" : "no-results");
  pd_catalog_page_show_details (self);
  return TRUE;
}

static gboolean
reload (PdCatalogPage *self, gboolean cases_too)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) all = NULL;

  if (!ensure_catalog (self, &error) ||
      (all = pd_catalog_list_sessions (self->catalog, NULL, NULL, &error)) == NULL)
    goto failed;
  if (cases_too)
    {
      g_auto (GStrv) cases = pd_catalog_list_cases (self->catalog, &error);

      if (cases == NULL)
        goto failed;
      g_strfreev (self->cases);
      self->cases = g_steal_pointer (&cases);
      self->updating = TRUE;
      rebuild_case_list (self, all);
      self->updating = FALSE;
    }
  if (!rebuild_session_list (self, all, &error))
    goto failed;
  gtk_stack_set_visible_child_name (self->stack, all->len > 0 ? "content" : "empty");
  return TRUE;

failed:
  g_warning ("Cannot read the catalog: %s", error->message);
  {
    /* A status page's description is Pango markup. */
    g_autofree char *escaped = g_markup_escape_text (error->message, -1);
    adw_status_page_set_description (self->error_status, escaped);
  }
  gtk_stack_set_visible_child_name (self->stack, "error");
  return FALSE;
}

/* ---- Signals ---- */

static void
on_case_selected (PdCatalogPage *self, GtkListBoxRow *row, GtkListBox *list)
{
  if (self->updating || row == NULL)
    return;
  g_free (self->case_filter);
  self->case_filter = g_strdup (g_object_get_data (G_OBJECT (row), "case-name"));
  reload (self, FALSE);
}

static void
on_search_changed (PdCatalogPage *self, GtkSearchEntry *entry)
{
  if (self->catalog != NULL)
    reload (self, FALSE);
}

static void
on_selection_changed (PdCatalogPage *self, guint position, guint n_items, GtkSelectionModel *model)
{
  PdCatalogPageItem *item;

  if (self->updating)
    return;
  item = gtk_single_selection_get_selected_item (self->selection);
  g_clear_pointer (&self->selected_uuid, g_free);
  if (item != NULL)
    self->selected_uuid = g_strdup (pd_catalog_session_get_uuid (item->session));
  pd_catalog_page_show_details (self);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->details_scroll), 0);
}

/* ---- Actions ---- */

typedef struct
{
  PdCatalogPage *self;  /* owned */
  char          *uuid;
  char          *package_dir;
  char          *catalog_path;
  char          *tsa_url;
} ActionData;

static void
action_data_free (ActionData *data)
{
  g_clear_object (&data->self);
  g_free (data->uuid);
  g_free (data->package_dir);
  g_free (data->catalog_path);
  g_free (data->tsa_url);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ActionData, action_data_free)

/* Starts an action on the selected session; NULL when nothing is selected or one is running. */
static ActionData *
begin_action (PdCatalogPage *self)
{
  g_autoptr (PdCatalogSession) session = NULL;
  ActionData *data;

  if (self->busy || self->selected_uuid == NULL || self->catalog == NULL)
    return NULL;
  session = pd_catalog_get_session (self->catalog, self->selected_uuid, NULL);
  if (session == NULL || pd_catalog_session_get_package_path (session) == NULL)
    return NULL;
  data = g_new0 (ActionData, 1);
  data->self = g_object_ref (self);
  data->uuid = g_strdup (pd_catalog_session_get_uuid (session));
  data->package_dir = g_strdup (pd_catalog_session_get_package_path (session));

  g_free (self->action_uuid);
  self->action_uuid = g_strdup (data->uuid);
  self->verdict = -1;
  set_message (self, NULL);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_busy (self, TRUE);
  return data;
}

static void
end_action (PdCatalogPage *self, int verdict, const char *title, const char *message)
{
  self->verdict = verdict;
  set_message (self, message);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->verdict_row), title);
  adw_action_row_set_subtitle (self->verdict_row, message ? message : "");
  set_busy (self, FALSE);
  pd_catalog_page_update_verdict_row (self);
}

static void
on_verified (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ActionData) data = user_data;
  PdCatalogPage *self = data->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (PdVerifyResult) verified = pd_verify_package_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (verified == NULL)
    {
      end_action (self, PD_VERDICT_ERROR, _("Cannot verify"), error->message);
      pd_catalog_page_toast (self, error->message);
      return;
    }
  end_action (self, pd_verify_result_get_verdict (verified),
              pd_verdict_describe (pd_verify_result_get_verdict (verified)),
              pd_verify_result_get_summary (verified));
}

static void
verify_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PdCatalogPage *self = PD_CATALOG_PAGE (widget);
  g_autoptr (GError) error = NULL;
  ActionData *data;

  if (self->trust == NULL)
    {
      self->trust = pd_trust_store_new_default (&error);
      if (self->trust == NULL)
        {
          pd_catalog_page_toast (self, error->message);
          return;
        }
    }
  if ((data = begin_action (self)) == NULL)
    return;
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->verdict_row), _("Verifying…"));
  adw_action_row_set_subtitle (self->verdict_row, _("Reading every file of the package"));
  pd_catalog_page_update_verdict_row (self);
  pd_verify_package_async (data->package_dir, self->trust, NULL, NULL, NULL, self->cancellable,
                           on_verified, data);
}

static void
stamp_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ActionData *data = task_data;
  g_autoptr (PdCatalog) catalog = NULL;
  g_autoptr (PdTsaClient) tsa = NULL;
  GError *error = NULL;

  /* One catalog connection per thread: the page's stays with the main thread. */
  if ((catalog = pd_catalog_open (data->catalog_path, &error)) == NULL ||
      (tsa = pd_tsa_client_new (data->tsa_url, &error)) == NULL ||
      !pd_seal_stamp_pending (data->package_dir, tsa, catalog, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_stamped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PdCatalogPage *self = PD_CATALOG_PAGE (source);
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      end_action (self, -1, _("Cannot timestamp"), error->message);
      pd_catalog_page_toast (self, error->message);
      return;
    }
  end_action (self, -1, _("Timestamped"), _("The package now carries a timestamp and a certificate."));
  pd_catalog_page_toast (self, _("Package timestamped"));
  reload (self, TRUE);
}

static void
stamp_now_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PdCatalogPage *self = PD_CATALOG_PAGE (widget);
  g_autoptr (GTask) task = NULL;
  ActionData *data;

  if ((data = begin_action (self)) == NULL)
    return;
  data->catalog_path = g_strdup (pd_catalog_get_path (self->catalog));
  data->tsa_url = pd_config_get_tsa_url ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->verdict_row), _("Timestamping…"));
  adw_action_row_set_subtitle (self->verdict_row, data->tsa_url);
  pd_catalog_page_update_verdict_row (self);

  task = g_task_new (self, self->cancellable, on_stamped, NULL);
  g_task_set_source_tag (task, stamp_now_action);
  g_task_set_task_data (task, data, (GDestroyNotify) action_data_free);
  g_task_run_in_thread (task, stamp_thread);
}

static void
show_in_folder_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PdCatalogPage *self = PD_CATALOG_PAGE (widget);
  g_autoptr (PdCatalogSession) session = NULL;
  g_autoptr (GFile) folder = NULL;
  g_autoptr (GAppLaunchContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *uri = NULL;

  if (self->selected_uuid == NULL || self->catalog == NULL)
    return;
  session = pd_catalog_get_session (self->catalog, self->selected_uuid, NULL);
  if (session == NULL || pd_catalog_session_get_package_path (session) == NULL)
    return;
  folder = g_file_new_for_path (pd_catalog_session_get_package_path (session));
  uri = g_file_get_uri (folder);
  context = G_APP_LAUNCH_CONTEXT (gdk_display_get_app_launch_context (gtk_widget_get_display (widget)));
  if (!g_app_info_launch_default_for_uri (uri, context, &error))
    pd_catalog_page_toast (self, error->message);
}

static void
copy_digest_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  PdCatalogPage *self = PD_CATALOG_PAGE (widget);
  g_autoptr (PdCatalogSession) session = NULL;

  if (self->selected_uuid == NULL || self->catalog == NULL)
    return;
  session = pd_catalog_get_session (self->catalog, self->selected_uuid, NULL);
  if (session == NULL || pd_catalog_session_get_recording_sha256 (session) == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                          pd_catalog_session_get_recording_sha256 (session));
  pd_catalog_page_toast (self, _("Digest copied"));
}

static void
reload_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  pd_catalog_page_reload (PD_CATALOG_PAGE (widget));
}

/* ---- GObject ---- */

static void
pd_catalog_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (pd_catalog_page_parent_class)->map (widget);
  /* Other pages and proofctl add sessions: the page is fresh whenever it is shown. */
  pd_catalog_page_reload (PD_CATALOG_PAGE (widget));
}

static void
pd_catalog_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PdCatalogPage *self = PD_CATALOG_PAGE (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pd_catalog_page_dispose (GObject *object)
{
  PdCatalogPage *self = PD_CATALOG_PAGE (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->ocr_cancellable != NULL)
    g_cancellable_cancel (self->ocr_cancellable);
  g_clear_object (&self->ocr_cancellable);
  g_clear_pointer (&self->ocr_rows, g_ptr_array_unref);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  if (self->detail_rows != NULL)
    g_ptr_array_set_size (self->detail_rows, 0);
  g_clear_object (&self->selection);
  g_clear_object (&self->sessions);
  g_clear_object (&self->catalog);
  g_clear_pointer (&self->trust, pd_trust_store_unref);

  G_OBJECT_CLASS (pd_catalog_page_parent_class)->dispose (object);
}

static void
pd_catalog_page_finalize (GObject *object)
{
  PdCatalogPage *self = PD_CATALOG_PAGE (object);

  g_clear_pointer (&self->detail_rows, g_ptr_array_unref);
  g_clear_pointer (&self->cases, g_strfreev);
  g_free (self->case_filter);
  g_free (self->selected_uuid);
  g_free (self->action_uuid);
  g_free (self->message);
  g_free (self->ocr_uuid);

  G_OBJECT_CLASS (pd_catalog_page_parent_class)->finalize (object);
}

static void
pd_catalog_page_class_init (PdCatalogPageClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = pd_catalog_page_get_property;
  object_class->dispose = pd_catalog_page_dispose;
  object_class->finalize = pd_catalog_page_finalize;
  widget_class->map = pd_catalog_page_map;

  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  pd_resources_ensure ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/proofdesk/Proofdesk/pd-catalog-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, toasts);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, stack);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, error_status);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, case_list);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, list_stack);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, session_view);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, time_column);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, scenario_column);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, duration_column);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, state_column);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, checklist_column);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, stamp_column);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, details_stack);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, details_scroll);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, details_title);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, details_subtitle);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, stamp_button);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, verdict_list);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, verdict_row);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, verdict_icon_stack);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, verdict_spinner);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, verdict_icon);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, state_row);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, duration_row);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, digest_row);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, stamp_row);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, authority_row);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, authority_icon);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, marks_group);
  gtk_widget_class_bind_template_child (widget_class, PdCatalogPage, files_group);
  gtk_widget_class_bind_template_callback (widget_class, on_case_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);

  gtk_widget_class_install_action (widget_class, "catalog.verify", NULL, verify_action);
  gtk_widget_class_install_action (widget_class, "catalog.stamp-now", NULL, stamp_now_action);
  gtk_widget_class_install_action (widget_class, "catalog.show-in-folder", NULL, show_in_folder_action);
  gtk_widget_class_install_action (widget_class, "catalog.copy-digest", NULL, copy_digest_action);
  gtk_widget_class_install_action (widget_class, "catalog.reload", NULL, reload_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "catalog.reload", NULL);
}

static void
pd_catalog_page_init (PdCatalogPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->verdict = -1;
  self->detail_rows = g_ptr_array_new ();
  pd_catalog_page_create_ocr_group (self);
  self->cases = g_new0 (char *, 1);
  self->sessions = g_list_store_new (PD_TYPE_CATALOG_PAGE_ITEM);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->sessions)));
  gtk_single_selection_set_can_unselect (self->selection, FALSE);
  g_signal_connect_object (self->selection, "selection-changed", G_CALLBACK (on_selection_changed),
                           self, G_CONNECT_SWAPPED);
  gtk_column_view_set_model (self->session_view, GTK_SELECTION_MODEL (self->selection));
  set_column_factory (self->time_column, COLUMN_TIME);
  set_column_factory (self->scenario_column, COLUMN_SCENARIO);
  set_column_factory (self->duration_column, COLUMN_DURATION);
  set_column_factory (self->state_column, COLUMN_STATE);
  set_column_factory (self->checklist_column, COLUMN_CHECKLIST);
  set_column_factory (self->stamp_column, COLUMN_STAMP);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

/* ------------------------------------------------------------------------------------------ */
/* Public API                                                                                 */

PdCatalogPage *
pd_catalog_page_new (void)
{
  return g_object_new (PD_TYPE_CATALOG_PAGE, NULL);
}

gboolean
pd_catalog_page_reload (PdCatalogPage *self)
{
  g_return_val_if_fail (PD_IS_CATALOG_PAGE (self), FALSE);
  return reload (self, TRUE);
}

const char *const *
pd_catalog_page_get_cases (PdCatalogPage *self)
{
  g_return_val_if_fail (PD_IS_CATALOG_PAGE (self), NULL);
  return (const char *const *) self->cases;
}

gboolean
pd_catalog_page_select_case (PdCatalogPage *self, const char *case_name)
{
  GtkWidget *child;

  g_return_val_if_fail (PD_IS_CATALOG_PAGE (self), FALSE);
  for (child = gtk_widget_get_first_child (GTK_WIDGET (self->case_list)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_strcmp0 (g_object_get_data (G_OBJECT (child), "case-name"), case_name) == 0)
      {
        gtk_list_box_select_row (self->case_list, GTK_LIST_BOX_ROW (child));
        return TRUE;
      }
  return FALSE;
}

void
pd_catalog_page_set_search_text (PdCatalogPage *self, const char *text)
{
  g_return_if_fail (PD_IS_CATALOG_PAGE (self));
  g_signal_handlers_block_by_func (self->search_entry, on_search_changed, self);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text ? text : "");
  g_signal_handlers_unblock_by_func (self->search_entry, on_search_changed, self);
  reload (self, FALSE);
}

GListModel *
pd_catalog_page_get_sessions (PdCatalogPage *self)
{
  g_return_val_if_fail (PD_IS_CATALOG_PAGE (self), NULL);
  return G_LIST_MODEL (self->sessions);
}

gboolean
pd_catalog_page_select_session (PdCatalogPage *self, const char *uuid)
{
  guint n;

  g_return_val_if_fail (PD_IS_CATALOG_PAGE (self), FALSE);
  g_return_val_if_fail (uuid != NULL, FALSE);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->sessions));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (PdCatalogPageItem) item = g_list_model_get_item (G_LIST_MODEL (self->sessions), i);

      if (g_str_has_prefix (pd_catalog_session_get_uuid (item->session), uuid))
        {
          gtk_single_selection_set_selected (self->selection, i);
          return TRUE;
        }
    }
  return FALSE;
}

PdCatalogSession *
pd_catalog_page_get_selected (PdCatalogPage *self)
{
  PdCatalogPageItem *item;

  g_return_val_if_fail (PD_IS_CATALOG_PAGE (self), NULL);
  item = gtk_single_selection_get_selected_item (self->selection);
  return item ? item->session : NULL;
}

gboolean
pd_catalog_page_get_busy (PdCatalogPage *self)
{
  g_return_val_if_fail (PD_IS_CATALOG_PAGE (self), FALSE);
  return self->busy;
}

int
pd_catalog_page_get_verdict (PdCatalogPage *self)
{
  g_return_val_if_fail (PD_IS_CATALOG_PAGE (self), -1);
  return self->verdict;
}

const char *
pd_catalog_page_get_message (PdCatalogPage *self)
{
  g_return_val_if_fail (PD_IS_CATALOG_PAGE (self), NULL);
  return self->message;
}
