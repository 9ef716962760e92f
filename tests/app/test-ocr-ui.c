/* test-ocr-ui.c — OCR suggestions on the live checklist, in a real window under Xvfb while a real
 * capture (the test source) runs: a suggestion shows on its item's row with the text found and a
 * thumbnail; Enter confirms it into a mark with the text as its note, Esc dismisses another; a
 * text field keeps its Enter; the sealed manifest lists both decisions. Screenshot of the panel:
 * tests/screenshots/ocr-ui-LANG.png in the build folder. */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <string.h>

#include "pd-capture-page.h"
#include "pd-catalog-page.h"
#include "pd-checklist-panel.h"
#include "pd-core.h"
#include "ocr/pd-ocr.h"
#include "evidence/pd-package.h"
#include "pd-test-frames.h"
#include "test-common-gtk.h"
#include "test-common.h"

static const char *test_language = "en";

typedef struct
{
  GSettings *settings;
  char      *root;
  GtkWindow *window;
  GtkWidget *page;
  GtkWidget *panel;
} Fixture;

/* Presses Enter/Esc as the window would; those shortcuts must run before the focused widget
 * (the Record button), so their controller is in the capture phase. */
static gboolean
press_key (GtkWidget *owner, guint keyval)
{
  GtkPropagationPhase phase = GTK_PHASE_NONE;
  gboolean handled = pd_test_press_shortcut (owner, keyval, 0, &phase);

  g_assert_cmpint (phase, ==, GTK_PHASE_CAPTURE);
  return handled;
}

static gboolean
has_package (gpointer data)
{
  return pd_capture_page_get_package (PD_CAPTURE_PAGE (data)) != NULL;
}

static void
run_until_package (PdCapturePage *page, guint seconds)
{
  pd_test_run_until (has_package, page, seconds);
}

static GtkWidget *
find_descendant (GtkWidget *widget, GType type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type) && gtk_widget_get_visible (child))
        return child;
      if ((found = find_descendant (child, type)) != NULL)
        return found;
    }
  return NULL;
}

/* A menu button under `widget` that is on screen in `window` (a popover needs its anchor visible). */
static GtkWidget *
find_onscreen_menu_button (GtkWidget *widget, GtkWidget *window)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      graphene_rect_t bounds;
      GtkWidget      *found;

      if (GTK_IS_MENU_BUTTON (child) && gtk_widget_get_mapped (child)
          && gtk_widget_compute_bounds (child, window, &bounds) && bounds.origin.y >= 0
          && bounds.origin.y + bounds.size.height <= gtk_widget_get_height (window))
        return child;
      if ((found = find_onscreen_menu_button (child, window)) != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_button (GtkWidget *widget, const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_BUTTON (child) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), label) == 0)
        return child;
      if ((found = find_button (child, label)) != NULL)
        return found;
    }
  return NULL;
}

/* Session details: "Find Missing Items (OCR)" reads the sealed recording in the background (a
 * spinner, the button insensitive) and lists what it found, or says it found nothing. */
static void
check_catalog_scan (const char *session_uuid)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  PdCatalogPage *catalog = pd_catalog_page_new ();
  GtkWidget *button, *group, *row;
  gint64     deadline;
  g_autoptr (GError) error = NULL;

  if (!pd_ocr_is_available (&error))
    {
      g_test_message ("catalog scan not checked: OCR is not available (%s)", error->message);
      gtk_window_destroy (window);
      return;
    }
  gtk_window_set_default_size (window, 1100, 760);
  gtk_window_set_child (window, GTK_WIDGET (catalog));
  gtk_window_present (window);
  pd_test_wait_for_frames (GTK_WIDGET (window), 3);
  g_assert_true (pd_catalog_page_reload (catalog));
  g_assert_true (pd_catalog_page_select_session (catalog, session_uuid));
  button = find_button (GTK_WIDGET (catalog), g_dgettext (GETTEXT_PACKAGE, "_Find Missing Items (OCR)"));
  g_assert_nonnull (button);
  group = gtk_widget_get_ancestor (button, ADW_TYPE_PREFERENCES_GROUP);
  g_assert_nonnull (group);
  g_assert_null (find_descendant (group, ADW_TYPE_ACTION_ROW));
  g_signal_emit_by_name (button, "clicked");
  g_assert_false (gtk_widget_get_sensitive (button));
  deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (!gtk_widget_get_sensitive (button) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (gtk_widget_get_sensitive (button));
  row = find_descendant (group, ADW_TYPE_ACTION_ROW);
  g_assert_nonnull (row);
  g_test_message ("catalog scan: %s — %s", adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                  adw_action_row_get_subtitle (ADW_ACTION_ROW (row)) ? adw_action_row_get_subtitle (ADW_ACTION_ROW (row)) : "");
  /* The test pattern shows no text a scenario asks for; a row that says the scan failed would
   * say so in its title. */
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), !=,
                   g_dgettext (GETTEXT_PACKAGE, "The recording could not be read"));
  pd_test_save_screenshot (GTK_WIDGET (window), "ocr-catalog", test_language, 3);
  gtk_window_destroy (window);
  pd_test_iterate ();
}

/* A suggestion as the worker makes one, with a real frame (drawn chat, BGRA) and its box. */
static PdOcrSuggestion *
make_suggestion (const char *item_id, PdOcrMatchKind kind, const char *text, const char *value,
                 guint64 stream_time)
{
  PdTestFrameBoxes boxes = { 0 };
  cairo_surface_t *surface = pd_test_frame_render (g_str_equal (item_id, "party.identity")
                                                   ? PD_TEST_FRAME_REAL_NAME : PD_TEST_FRAME_CHAT,
                                                   360, 800, &boxes);
  PdOcrSuggestion  s = { 0 };
  const PdTestBox *box = kind == PD_OCR_MATCH_AMOUNT ? &boxes.amount : &boxes.title;
  PdOcrSuggestion *copy;

  s.item_id = (char *) item_id;
  s.item_title = (char *) item_id;
  s.kind = kind;
  s.text = (char *) text;
  s.value = (char *) value;
  s.line = (char *) text;
  s.x = box->x, s.y = box->y, s.width = box->width, s.height = box->height;
  s.confidence = 0.87;
  s.stream_time = stream_time;
  s.frame = pd_test_frame_to_sample (surface);
  cairo_surface_destroy (surface);
  copy = pd_ocr_suggestion_copy (&s);
  gst_sample_unref (s.frame);
  return copy;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->root = g_dir_make_tmp ("pd-ocr-ui-XXXXXX", &error);
  g_assert_no_error (error);
  f->settings = g_settings_new (APP_ID);
  g_settings_set_string (f->settings, "evidence-root", f->root);
  g_settings_set_string (f->settings, "tsa-url", "");
  g_settings_set_uint (f->settings, "checkpoint-interval", 2);
  /* The suggestions here come from the test, not from reading the test pattern. */
  g_settings_set_boolean (f->settings, "ocr-suggestions", FALSE);

  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 1100, 760);
  f->page = pd_capture_page_new ();
  gtk_window_set_child (f->window, f->page);
  gtk_window_present (f->window);
  f->panel = GTK_WIDGET (gtk_widget_get_template_child (f->page, PD_TYPE_CAPTURE_PAGE, "checklist_panel"));
  g_assert_nonnull (f->panel);
  pd_test_wait_for_frames (GTK_WIDGET (f->window), 3);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  GtkWidget *page = f->page;

  g_object_add_weak_pointer (G_OBJECT (page), (gpointer *) &page);
  gtk_window_destroy (f->window);
  pd_test_iterate ();
  g_assert_null (page);
  for (const char *const *k = (const char *const[]){ "evidence-root", "tsa-url", "checkpoint-interval",
                                                      "ocr-suggestions", NULL }; *k; k++)
    g_settings_reset (f->settings, *k);
  g_clear_object (&f->settings);
  pd_test_rm_rf (f->root);
  g_free (f->root);
}

static JsonObject *
find_decision (JsonArray *decisions, const char *item)
{
  for (guint i = 0; decisions != NULL && i < json_array_get_length (decisions); i++)
    {
      JsonObject *o = json_array_get_object_element (decisions, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (o, "item", NULL), item) == 0)
        return o;
    }
  return NULL;
}

static void
test_confirm_dismiss (Fixture *f, gconstpointer data)
{
  PdChecklistPanel *panel = PD_CHECKLIST_PANEL (f->panel);
  PdCapturePage    *page = PD_CAPTURE_PAGE (f->page);
  g_autoptr (PdOcrSuggestion) transfer = make_suggestion ("chat.transfers", PD_OCR_MATCH_AMOUNT, "¥50,000.00",
                                                         "50000.00", 3 * GST_SECOND + 200 * GST_MSECOND);
  g_autoptr (PdOcrSuggestion) identity = make_suggestion ("party.identity", PD_OCR_MATCH_KEYWORD, "实名认证",
                                                         "实名认证", 2 * GST_SECOND);
  g_autoptr (PdOcrSuggestion) network = make_suggestion ("env.network", PD_OCR_MATCH_KEYWORD, "移动数据",
                                                        "移动数据", 2 * GST_SECOND);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *manifest_path = NULL;
  PdChecklist      *checklist;
  PdChecklistItem  *item;
  GtkWidget        *note_button, *popover, *entry;
  AdwMessageDialog *dialog;
  JsonObject       *manifest, *confirmed, *dismissed;
  JsonArray        *decisions, *marks;
  const char       *label;
  guint             confirmed_mark = 0;

  g_assert_true (pd_capture_page_select_source (page, "test", NULL));
  g_assert_true (pd_capture_page_select_scenario (page, "wechat-chat"));
  pd_capture_page_select_case (page, "OCR suggestions");

  /* Not recording: nothing can be suggested. */
  g_assert_false (pd_checklist_panel_add_suggestion (panel, transfer));
  g_assert_cmpuint (pd_checklist_panel_get_n_suggestions (panel), ==, 0);

  g_assert_true (gtk_widget_activate_action (f->page, "capture.record-toggle", NULL));
  g_assert_true (pd_capture_page_is_recording (page));
  pd_test_run_for (1500);
  checklist = pd_checklist_panel_get_checklist (panel);
  g_assert_nonnull (checklist);

  /* Two suggestions: the newest (the transfer) answers Enter. */
  g_assert_true (pd_checklist_panel_add_suggestion (panel, identity));
  g_assert_true (pd_checklist_panel_add_suggestion (panel, transfer));
  g_assert_cmpuint (pd_checklist_panel_get_n_suggestions (panel), ==, 2);
  label = pd_checklist_panel_get_suggestion_label (panel, "chat.transfers");
  g_assert_cmpstr (label, ==, "¥50,000.00 · 00:00:03");
  g_assert_cmpstr (pd_checklist_panel_get_suggestion_label (panel, "party.identity"), ==, "实名认证 · 00:00:02");
  g_assert_null (pd_checklist_panel_get_suggestion_label (panel, "chat.calls"));
  /* Nothing is marked by a suggestion alone. */
  g_assert_false (pd_checklist_item_is_marked (pd_checklist_lookup_item (checklist, "chat.transfers")));
  {
    GtkWidget *picture = find_descendant (f->panel, GTK_TYPE_PICTURE);
    GdkPaintable *thumb = picture != NULL ? gtk_picture_get_paintable (GTK_PICTURE (picture)) : NULL;

    /* The thumbnail: the frame (360 × 800) made small, keeping its shape. */
    g_assert_nonnull (thumb);
    g_assert_cmpint (gdk_paintable_get_intrinsic_height (thumb), <=, 96);
    g_assert_cmpint (gdk_paintable_get_intrinsic_width (thumb), <, gdk_paintable_get_intrinsic_height (thumb));
  }

  pd_test_save_screenshot (f->panel, "ocr-ui", test_language, 3);

  /* Enter in a text field is the text field's: the note popover's entry keeps it. */
  note_button = find_onscreen_menu_button (f->panel, GTK_WIDGET (f->window));
  g_assert_nonnull (note_button);
  gtk_menu_button_popup (GTK_MENU_BUTTON (note_button));
  popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (note_button)));
  g_assert_nonnull (popover);
  pd_test_wait_for_frames (popover, 2);
  entry = find_descendant (popover, GTK_TYPE_TEXT);
  g_assert_nonnull (entry);
  g_assert_true (gtk_widget_grab_focus (entry));
  g_assert_false (press_key (f->panel, GDK_KEY_Return));
  g_assert_false (press_key (f->panel, GDK_KEY_Escape));
  g_assert_cmpuint (pd_checklist_panel_get_n_suggestions (panel), ==, 2);
  gtk_menu_button_popdown (GTK_MENU_BUTTON (note_button));
  gtk_widget_grab_focus (GTK_WIDGET (gtk_widget_get_template_child (f->page, PD_TYPE_CAPTURE_PAGE,
                                                                    "record_button")));
  pd_test_iterate ();

  /* Enter: the transfer becomes a mark with the text as its note; the recording goes on. */
  g_assert_true (press_key (f->panel, GDK_KEY_Return));
  g_assert_true (pd_capture_page_is_recording (page));
  item = pd_checklist_lookup_item (checklist, "chat.transfers");
  g_assert_true (pd_checklist_item_is_marked (item));
  g_assert_cmpstr (pd_checklist_item_get_last_note (item), ==, "¥50,000.00");
  confirmed_mark = pd_checklist_item_get_last_mark (item);
  g_assert_cmpuint (confirmed_mark, >, 0);
  g_assert_null (pd_checklist_panel_get_suggestion_label (panel, "chat.transfers"));
  g_assert_cmpuint (pd_checklist_panel_get_n_suggestions (panel), ==, 1);
  /* Let the "Marked" toast finish appearing: libadwaita 1.2 crashes when a toast is dismissed
   * (replaced by the next mark's) while its animation runs. */
  pd_test_run_for (800);

  /* Esc: the real-name suggestion is dismissed, nothing marked. */
  g_assert_true (press_key (f->panel, GDK_KEY_Escape));
  g_assert_false (pd_checklist_item_is_marked (pd_checklist_lookup_item (checklist, "party.identity")));
  g_assert_cmpuint (pd_checklist_panel_get_n_suggestions (panel), ==, 0);
  /* Nothing pending: Enter goes on to whoever wants it. */
  g_assert_false (press_key (f->panel, GDK_KEY_Return));

  /* An item marked some other way drops its suggestion, undecided. */
  g_assert_true (pd_checklist_panel_add_suggestion (panel, network));
  g_assert_cmpuint (pd_checklist_panel_get_n_suggestions (panel), ==, 1);
  g_assert_cmpuint (pd_checklist_panel_mark (panel, "env.network", NULL, &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpuint (pd_checklist_panel_get_n_suggestions (panel), ==, 0);
  /* …and a marked item takes no new one. */
  g_assert_false (pd_checklist_panel_add_suggestion (panel, network));
  pd_test_run_for (500);

  /* The phone's environment report ticks what it checked and flags what failed, on the rows. */
  {
    g_autoptr (JsonParser) env = json_parser_new ();
    guint done_before, done_after;

    pd_checklist_get_progress (checklist, &done_before, NULL);
    g_assert_true (json_parser_load_from_data (env,
      "{\"checks\": [{\"id\": \"env.storage\", \"result\": \"passed\", \"message\": \"52 GB free\"},"
      " {\"id\": \"env.app\", \"result\": \"failed\", \"message\": \"side-loaded\"}]}", -1, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (pd_checklist_apply_environment (checklist,
                                                      json_node_get_object (json_parser_get_root (env))),
                      ==, 2);
    pd_test_run_for (100);
    g_assert_nonnull (strstr (pd_checklist_panel_get_item_subtitle (panel, "env.storage"), "52 GB free"));
    g_assert_nonnull (strstr (pd_checklist_panel_get_item_subtitle (panel, "env.app"), "side-loaded"));
    g_assert_cmpstr (pd_checklist_panel_get_item_subtitle (panel, "env.storage"), !=,
                     pd_checklist_panel_get_item_subtitle (panel, "env.app"));
    pd_checklist_get_progress (checklist, &done_after, NULL);
    g_assert_cmpuint (done_after, ==, done_before + 1);
    g_assert_null (pd_checklist_panel_get_item_subtitle (panel, "no.such.item"));
    pd_test_save_screenshot (f->panel, "checklist-environment", test_language, 3);
  }

  /* End to end with a real worker (Tesseract) given a drawn chat: its suggestions reach the
   * rows, for items not marked only (the transfer is marked by now). */
  {
    g_autoptr (GError) ocr_error = NULL;

    if (pd_ocr_is_available (&ocr_error))
      {
        g_autoptr (PdOcrWorker) worker = pd_ocr_worker_new (checklist, &ocr_error);
        cairo_surface_t *chat = pd_test_frame_render (PD_TEST_FRAME_CHAT, 720, 1600, NULL);
        GstSample       *sample = pd_test_frame_to_sample (chat);
        gint64           deadline = g_get_monotonic_time () + 90 * G_USEC_PER_SEC;

        g_assert_no_error (ocr_error);
        cairo_surface_destroy (chat);
        pd_checklist_panel_set_ocr_worker (panel, worker);
        pd_ocr_worker_offer (worker, sample, 5 * GST_SECOND);
        gst_sample_unref (sample);
        while (pd_checklist_panel_get_n_suggestions (panel) == 0 && g_get_monotonic_time () < deadline)
          g_main_context_iteration (NULL, TRUE);
        pd_test_run_for (300);
        g_assert_cmpuint (pd_checklist_panel_get_n_suggestions (panel), >, 0);
        g_assert_null (pd_checklist_panel_get_suggestion_label (panel, "chat.transfers"));
        for (const char *const *id = (const char *const[]){ "loan.terms", "chat.promise", "chat.conversation",
                                                             "wrong.default", NULL }; *id; id++)
          if (pd_checklist_panel_get_suggestion_label (panel, *id) != NULL)
            g_test_message ("worker suggested %s: %s", *id, pd_checklist_panel_get_suggestion_label (panel, *id));
        pd_test_save_screenshot (f->panel, "ocr-ui-worker", test_language, 3);
        pd_checklist_panel_set_ocr_worker (panel, NULL);
        pd_ocr_worker_stop (worker);
      }
    else
      g_test_message ("worker not checked end to end: OCR is not available (%s)", ocr_error->message);
  }

  /* Stop (required items are missing: seal anyway). */
  g_assert_true (gtk_widget_activate_action (f->page, "capture.record-toggle", NULL));
  dialog = pd_test_find_message_dialog ();
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "seal");
  gtk_window_close (GTK_WINDOW (dialog));
  run_until_package (page, 90);

  manifest_path = g_build_filename (pd_package_get_path (pd_capture_page_get_package (page)),
                                    PD_MANIFEST_NAME, NULL);
  g_assert_true (json_parser_load_from_file (parser, manifest_path, &error));
  g_assert_no_error (error);
  manifest = json_node_get_object (json_parser_get_root (parser));
  decisions = json_object_get_array_member (manifest, "ocr_suggestions");
  g_assert_nonnull (decisions);
  g_assert_cmpuint (json_array_get_length (decisions), ==, 2);
  confirmed = find_decision (decisions, "chat.transfers");
  dismissed = find_decision (decisions, "party.identity");
  g_assert_nonnull (confirmed);
  g_assert_nonnull (dismissed);
  g_assert_cmpstr (json_object_get_string_member (confirmed, "decision"), ==, "confirmed");
  g_assert_cmpint (json_object_get_int_member (confirmed, "mark"), ==, confirmed_mark);
  g_assert_cmpstr (json_object_get_string_member (confirmed, "text"), ==, "¥50,000.00");
  g_assert_cmpstr (json_object_get_string_member (dismissed, "decision"), ==, "dismissed");
  g_assert_null (find_decision (decisions, "env.network"));
  /* The confirmed suggestion is an ordinary mark, with the OCR text as its note. */
  marks = json_object_get_array_member (manifest, "marks");
  {
    gboolean found = FALSE;

    for (guint i = 0; i < json_array_get_length (marks); i++)
      {
        JsonObject *m = json_array_get_object_element (marks, i);

        if (json_object_get_int_member (m, "id") == confirmed_mark)
          {
            g_assert_cmpstr (json_object_get_string_member (m, "item"), ==, "chat.transfers");
            g_assert_cmpstr (json_object_get_string_member (m, "note"), ==, "¥50,000.00");
            found = TRUE;
          }
      }
    g_assert_true (found);
  }

  /* The page verifies the fresh package in the background: let it finish before closing. */
  {
    AdwActionRow *check = ADW_ACTION_ROW (gtk_widget_get_template_child (f->page, PD_TYPE_CAPTURE_PAGE,
                                                                         "result_check_row"));
    const char   *verifying = g_dgettext (GETTEXT_PACKAGE, "Verifying the fresh package…");
    gint64        deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

    while (g_strcmp0 (adw_action_row_get_subtitle (check), verifying) == 0 && g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpstr (adw_action_row_get_subtitle (check), !=, verifying);
  }

  check_catalog_scan (json_object_get_string_member (manifest, "session"));
}

int
main (int argc, char **argv)
{
  g_autofree char *localedir = NULL;
  g_autofree char *data_dir = g_dir_make_tmp ("pd-ocr-ui-data-XXXXXX", NULL);
  int              status;

  for (int i = 1; i < argc; i++)
    if (g_str_has_prefix (argv[i], "--language="))
      {
        test_language = argv[i] + strlen ("--language=");
        memmove (&argv[i], &argv[i + 1], (argc - i) * sizeof (char *));
        argc--;
        break;
      }
  g_assert_nonnull (data_dir);
  g_setenv ("PROOFDESK_DATA_DIR", data_dir, TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", test_language, TRUE);
  g_setenv ("PANGO_LANGUAGE", test_language, TRUE);
  if (g_getenv ("PROOFDESK_LOCALEDIR") == NULL && g_getenv ("G_TEST_BUILDDIR") != NULL)
    {
      localedir = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), "..", "po", NULL);
      g_setenv ("PROOFDESK_LOCALEDIR", localedir, TRUE);
    }
  g_unsetenv ("PROOFDESK_CHECKLIST_DIR");
  g_unsetenv ("PROOFDESK_TSA_URL");
  g_setenv ("GTK_A11Y", "none", FALSE);

  gtk_test_init (&argc, &argv, NULL);
  setlocale (LC_ALL, "");
  adw_init ();
  pd_core_init (&argc, &argv);
  textdomain (GETTEXT_PACKAGE);

  g_test_add ("/app/ocr-ui/confirm-dismiss", Fixture, NULL, fixture_setup, test_confirm_dismiss,
              fixture_teardown);
  status = g_test_run ();
  pd_test_rm_rf (data_dir);
  return status;
}
