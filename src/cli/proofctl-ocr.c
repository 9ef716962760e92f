/* proofctl-ocr.c — `proofctl ocr`: read a finished recording and list candidate marks for the
 * checklist items still missing, with their times. */
#define G_LOG_DOMAIN "proofctl"

#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "checklist/pd-checklist.h"
#include "ocr/pd-ocr.h"
#include "util/pd-util.h"
#include "proofctl.h"

/* Longer intervals read almost nothing of a chat that scrolls; shorter ones only cost time. */
#define MIN_INTERVAL 0.2
#define MAX_INTERVAL 600.0

static void
print_human (GPtrArray *found)
{
  if (found->len == 0)
    {
      printf ("%s\n", _("No candidate marks found for the missing items."));
      return;
    }
  for (guint i = 0; i < found->len; i++)
    {
      const PdOcrSuggestion *s = g_ptr_array_index (found, i);
      g_autofree char *at = pd_format_stream_time (s->stream_time);
      /* Template titles are English in the data and translated for display. */
      g_autofree char *title = pd_text_sanitize_terminal (
        s->item_title != NULL ? g_dgettext (GETTEXT_PACKAGE, s->item_title) : "");
      g_autofree char *item = pd_text_sanitize_terminal (s->item_id);
      /* What was on the screen: it may hold anything, escape sequences included. */
      g_autofree char *text = pd_text_sanitize_terminal (s->text);

      printf ("%s  %-20s %s\n", at, item, title);
      /* Translators: the text OCR found on screen, then how sure it is (a percentage). */
      printf (_("          “%s” · %.0f%%\n"), text, s->confidence * 100.0);
    }
}

int
pctl_ocr (int argc, char **argv)
{
  double   interval = 2.0;
  gboolean json = FALSE;
  g_autofree char *scenario = NULL;
  g_auto (GStrv) args = NULL;
  GOptionEntry entries[] = {
    { "interval", 'i', 0, G_OPTION_ARG_DOUBLE, &interval,
      N_("Read one frame every SECONDS of the recording (default 2)"), N_("SECONDS") },
    { "scenario", 's', 0, G_OPTION_ARG_STRING, &scenario,
      N_("Look for the items of this scenario, none marked (default: the package's, with its marks)"),
      N_("ID") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print a JSON array"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args, NULL, N_("PACKAGE_DIR") },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PdChecklist) checklist = NULL;
  g_autoptr (GPtrArray) found = NULL;

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                _("Read the text on screen in a finished recording and list candidate marks for the checklist items still missing, with their times.\n"
                                  "The text found is a hint for where to look, never evidence by itself."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return pctl_fail ("%s", error->message);
  if (args == NULL || g_strv_length (args) != 1)
    return pctl_fail ("%s", _("give one package folder"));
  if (!(interval >= MIN_INTERVAL && interval <= MAX_INTERVAL))
    return pctl_fail (_("the interval must be between %.1f and %.0f seconds"), MIN_INTERVAL, MAX_INTERVAL);
  if (scenario != NULL)
    {
      checklist = pd_checklist_load (NULL, scenario, &error);
      if (checklist == NULL)
        return pctl_fail ("%s", error->message);
    }

  found = pd_ocr_scan_package (args[0], checklist, (guint64) (interval * GST_SECOND), NULL, &error);
  if (found == NULL)
    return pctl_fail ("%s", error->message);

  if (json)
    {
      g_autoptr (JsonNode) root = json_node_new (JSON_NODE_ARRAY);
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < found->len; i++)
        {
          const PdOcrSuggestion *s = g_ptr_array_index (found, i);
          JsonObject      *o = pd_ocr_suggestion_to_json (s);
          g_autofree char *at = pd_format_stream_time (s->stream_time);

          json_object_set_string_member (o, "stream_time", at);
          if (s->item_title != NULL)
            json_object_set_string_member (o, "title", s->item_title);
          json_array_add_object_element (array, o);
        }
      json_node_take_array (root, array);
      pctl_print_json (root);
    }
  else
    print_human (found);
  return PCTL_EXIT_OK;
}
