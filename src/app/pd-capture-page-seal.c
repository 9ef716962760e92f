/* pd-capture-page-seal.c — the Capture view's honest seal states: a banner when a checkpoint
 * could not be timestamped, "Sealed — awaiting timestamp" with Retry, the practice banner by the
 * authority's identity, and the logout inhibit while recording. */
#define G_LOG_DOMAIN "pd-capture-page"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pd-capture-page-private.h"
#include "capture/pd-seal.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"

/* ---- Setup ---- */

static void
on_retry_clicked (GtkButton *button, PdCapturePage *self)
{
  pd_capture_page_retry_stamp (self);
}

void
pd_capture_page_seal_init (PdCapturePage *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
  GtkWidget *label = gtk_label_new (NULL);
  GtkWidget *parent = gtk_widget_get_parent (GTK_WIDGET (self->disk_revealer));

  /* Built like the practice banner (libadwaita 1.2 has no AdwBanner), below it. */
  gtk_widget_add_css_class (box, "pd-banner");
  gtk_widget_add_css_class (box, "pd-stamp-failed");
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), label);
  self->stamp_banner_label = GTK_LABEL (label);
  self->stamp_revealer = GTK_REVEALER (gtk_revealer_new ());
  gtk_revealer_set_transition_type (self->stamp_revealer, GTK_REVEALER_TRANSITION_TYPE_SLIDE_DOWN);
  gtk_revealer_set_child (self->stamp_revealer, box);
  gtk_box_insert_child_after (GTK_BOX (parent), GTK_WIDGET (self->stamp_revealer),
                              GTK_WIDGET (self->disk_revealer));

  self->retry_button = gtk_button_new_with_mnemonic (_("_Retry"));
  gtk_widget_set_valign (self->retry_button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (self->retry_button, _("Ask the timestamp authority again now"));
  gtk_widget_set_visible (self->retry_button, FALSE);
  g_signal_connect (self->retry_button, "clicked", G_CALLBACK (on_retry_clicked), self);
  adw_action_row_add_suffix (self->result_stamp_row, self->retry_button);
  self->practice_known = -1;
}

void
pd_capture_page_seal_dispose (PdCapturePage *self)
{
  g_cancellable_cancel (self->retry_cancellable);
  g_clear_object (&self->retry_cancellable);
  g_cancellable_cancel (self->practice_cancellable);
  g_clear_object (&self->practice_cancellable);
  if (self->inhibit_app != NULL && self->inhibit_cookie != 0)
    gtk_application_uninhibit (self->inhibit_app, self->inhibit_cookie);
  self->inhibit_cookie = 0;
  g_clear_object (&self->inhibit_app);
  g_clear_pointer (&self->practice_url, g_free);
}

/* ---- Logout while recording ---- */

/* The session manager asks before logging out while this page records or seals. */
void
pd_capture_page_update_inhibit (PdCapturePage *self)
{
  GtkRoot        *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkApplication *app = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root)) : NULL;
  gboolean        busy = pd_capture_page_is_busy (self) && app != NULL;

  if (busy && self->inhibit_cookie == 0)
    {
      self->inhibit_cookie = gtk_application_inhibit (app, GTK_WINDOW (root), GTK_APPLICATION_INHIBIT_LOGOUT,
                                                      _("A recording is in progress: stop and seal it first"));
      if (self->inhibit_cookie != 0)
        g_set_object (&self->inhibit_app, app);
    }
  else if (!busy && self->inhibit_cookie != 0)
    {
      gtk_application_uninhibit (self->inhibit_app, self->inhibit_cookie);
      self->inhibit_cookie = 0;
      g_clear_object (&self->inhibit_app);
    }
}

/* ---- A checkpoint the authority did not stamp ---- */

void
pd_capture_page_show_stamp_failure (PdCapturePage *self, guint index, const char *message)
{
  g_autofree char *text = NULL;

  /* Translators: a checkpoint number, then the authority's error. */
  text = g_strdup_printf (_("Checkpoint %u could not be timestamped: %s. This part of the recording will be proven only by a later timestamp."),
                          index, message);
  gtk_label_set_label (self->stamp_banner_label, text);
  gtk_revealer_set_reveal_child (self->stamp_revealer, TRUE);
}

void
pd_capture_page_hide_stamp_failure (PdCapturePage *self)
{
  if (self->stamp_revealer != NULL)
    gtk_revealer_set_reveal_child (self->stamp_revealer, FALSE);
}

/* ---- Sealed, awaiting its timestamp ---- */

void
pd_capture_page_show_awaiting (PdCapturePage *self)
{
  gtk_image_set_from_icon_name (self->result_icon, "dialog-warning-symbolic");
  gtk_widget_remove_css_class (GTK_WIDGET (self->result_icon), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->result_icon), "error");
  gtk_widget_add_css_class (GTK_WIDGET (self->result_icon), "warning");
  gtk_label_set_label (self->result_title, _("Sealed — awaiting timestamp"));
  gtk_label_set_label (self->result_description,
                       _("The recording and its manifest are hashed and written once, but the timestamp authority could not be reached: nothing proves yet when they were recorded. Proofdesk keeps asking the authority; Retry asks now."));
}

void
pd_capture_page_set_retry_visible (PdCapturePage *self, gboolean visible)
{
  gtk_widget_set_visible (self->retry_button, visible);
  gtk_widget_set_sensitive (self->retry_button, self->retry_cancellable == NULL);
}

/* The manifest is written once: a package stamped later still says "awaiting-stamp" there,
 * and its recording token beside it says otherwise. */
static PdTsaToken *
late_token (PdCapturePage *self)
{
  g_autofree char *path = NULL;
  g_autoptr (GBytes) der = NULL;
  char  *data = NULL;
  gsize  len = 0;

  if (self->package == NULL)
    return NULL;
  path = g_build_filename (pd_package_get_path (self->package), PD_RECORDING_TOKEN_NAME, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR) || !g_file_get_contents (path, &data, &len, NULL))
    return NULL;
  der = g_bytes_new_take (data, len);
  return pd_tsa_token_new_from_der (der, NULL);
}

const char *
pd_capture_page_effective_state (PdCapturePage *self, PdTsaToken **token)
{
  JsonObject *manifest = self->package ? pd_package_get_manifest (self->package) : NULL;
  const char *state = pd_json_string (manifest, "state");
  g_autoptr (PdTsaToken) late = NULL;

  if (g_strcmp0 (state, "awaiting-stamp") != 0)
    return state;
  late = late_token (self);
  if (late == NULL)
    return state;
  if (token != NULL)
    *token = g_steal_pointer (&late);
  return "stamped";
}

static gboolean
package_is_awaiting (PdCapturePage *self)
{
  return g_strcmp0 (pd_capture_page_effective_state (self, NULL), "awaiting-stamp") == 0;
}

/* A check that fails only because a token is not there yet. */
static gboolean
check_waits_for_token (const PdVerifyCheck *check)
{
  if (check->status != PD_CHECK_FAILED)
    return TRUE;
  return (check->subject != NULL && g_str_has_suffix (check->subject, ".tsr"))
         || g_str_has_prefix (check->id, "token.") || g_str_has_suffix (check->id, ".token")
         || strstr (check->id, "stamp") != NULL;
}

char *
pd_capture_page_awaiting_check_text (PdCapturePage *self, PdVerifyResult *r)
{
  GPtrArray *checks = pd_verify_result_get_checks (r);
  PdVerdict  verdict = pd_verify_result_get_verdict (r);

  if (!package_is_awaiting (self) || verdict == PD_VERDICT_ERROR)
    return NULL;
  for (guint i = 0; checks != NULL && i < checks->len; i++)
    if (!check_waits_for_token (checks->pdata[i]))
      return NULL;
  return g_strdup (_("Awaiting timestamp — every file matches the digest sealed in its manifest; the timestamp that proves when it was recorded is still to come."));
}

/* ---- Retry ---- */

static void
show_reloaded (PdCapturePage *self, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdPackage) package = pd_package_open (path, &error);

  if (package == NULL)
    {
      pd_capture_page_toast (self, error->message);
      return;
    }
  g_set_object (&self->package, package);
  pd_capture_page_show_result (self, NULL, NULL);
}

static void
retry_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const char *path = task_data;
  g_autofree char *url = pd_config_get_tsa_url ();
  g_autoptr (PdTsaClient) tsa = NULL;
  g_autoptr (PdCatalog) catalog = NULL;
  g_autoptr (GError) error = NULL;

  /* The client belongs to the thread that made it; the catalog connection too. */
  tsa = pd_tsa_client_new (url, &error);
  if (tsa == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  catalog = pd_catalog_open (NULL, NULL);
  if (!pd_seal_stamp_pending (path, tsa, catalog, cancellable, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_retry_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PdCapturePage *self = PD_CAPTURE_PAGE (source);
  const char    *path = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->retry_cancellable);
  if (self->main_stack == NULL)   /* the page closed meanwhile */
    return;
  gtk_widget_set_sensitive (self->retry_button, TRUE);
  if (self->package == NULL || g_strcmp0 (pd_package_get_path (self->package), path) != 0)
    return;
  /* The maintenance may have stamped it meanwhile: what is on disk decides. */
  show_reloaded (self, path);
  if (!package_is_awaiting (self))
    pd_capture_page_toast (self, _("Timestamped"));
  else if (error != NULL)
    {
      /* Translators: %s is why the timestamp authority gave no timestamp. */
      g_autofree char *text = g_strdup_printf (_("Still no timestamp: %s"), error->message);

      pd_capture_page_toast (self, text);
    }
}

void
pd_capture_page_retry_stamp (PdCapturePage *self)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (PD_IS_CAPTURE_PAGE (self));
  if (self->retry_cancellable != NULL || !package_is_awaiting (self))
    return;
  self->retry_cancellable = g_cancellable_new ();
  gtk_widget_set_sensitive (self->retry_button, FALSE);
  adw_action_row_set_subtitle (self->result_stamp_row, _("Asking the timestamp authority…"));
  task = g_task_new (self, self->retry_cancellable, on_retry_done, NULL);
  g_task_set_source_tag (task, pd_capture_page_retry_stamp);
  g_task_set_task_data (task, g_strdup (pd_package_get_path (self->package)), g_free);
  g_task_run_in_thread (task, retry_in_thread);
}

void
pd_capture_page_package_stamped (PdCapturePage *self, const char *path)
{
  g_return_if_fail (PD_IS_CAPTURE_PAGE (self));
  if (self->package != NULL && path != NULL && self->retry_cancellable == NULL &&
      g_strcmp0 (pd_package_get_path (self->package), path) == 0)
    show_reloaded (self, path);
}

/* ---- The practice authority, by its identity ---- */

typedef struct
{
  PdCapturePage *self;
  PdTsaClient   *client;
  char          *url;
} Probe;

static void
probe_free (Probe *p)
{
  g_object_unref (p->self);
  g_object_unref (p->client);
  g_free (p->url);
  g_free (p);
}

static void
on_probe_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Probe *p = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (PdTsaToken) token = pd_tsa_client_stamp_finish (p->client, result, &error);
  PdCapturePage *self = p->self;

  if (token == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      probe_free (p);
      return;
    }
  if (g_strcmp0 (self->practice_url, p->url) == 0)
    {
      /* Unreachable: unknown, asked again the next time the page is shown. */
      self->practice_known = token == NULL ? -1 : pd_tsa_token_is_practice (token) ? 1 : 0;
      if (token == NULL)
        g_clear_pointer (&self->practice_url, g_free);
      g_clear_object (&self->practice_cancellable);
      gtk_revealer_set_reveal_child (self->practice_revealer, self->practice_known == 1);
    }
  probe_free (p);
}

/* The practice banner shows when the configured authority is the practice one: "local", or
 * an HTTP address whose tokens are signed by this workstation's practice authority (`proofctl
 * tsa serve`). A remote address is asked once per address for a token over a fixed digest. */
void
pd_capture_page_update_practice (PdCapturePage *self)
{
  g_autofree char *url = pd_config_get_tsa_url ();
  static const char probe_text[] = "Proofdesk: which authority is this?";
  guint8  digest[32];
  gsize   digest_len = sizeof digest;
  Probe  *p;
  g_autoptr (GChecksum) sum = NULL;
  g_autoptr (PdTsaClient) client = NULL;

  if (g_strcmp0 (url, PD_TSA_LOCAL) == 0)
    {
      gtk_revealer_set_reveal_child (self->practice_revealer, TRUE);
      return;
    }
  if (g_strcmp0 (url, self->practice_url) == 0)
    {
      gtk_revealer_set_reveal_child (self->practice_revealer, self->practice_known == 1);
      return;
    }
  g_cancellable_cancel (self->practice_cancellable);
  g_clear_object (&self->practice_cancellable);
  g_free (self->practice_url);
  self->practice_url = g_strdup (url);
  self->practice_known = -1;
  gtk_revealer_set_reveal_child (self->practice_revealer, FALSE);
  client = pd_tsa_client_new (url, NULL);
  if (client == NULL)
    return;
  sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sum, (const guchar *) probe_text, sizeof probe_text - 1);
  g_checksum_get_digest (sum, digest, &digest_len);
  self->practice_cancellable = g_cancellable_new ();
  p = g_new0 (Probe, 1);
  p->self = g_object_ref (self);
  p->client = g_steal_pointer (&client);
  p->url = g_strdup (url);
  pd_tsa_client_stamp_async (p->client, PD_TSA_DIGEST_SHA256, digest, digest_len, self->practice_cancellable,
                             on_probe_done, p);
}
