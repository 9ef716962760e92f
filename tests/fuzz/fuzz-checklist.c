/* fuzz-checklist.c — libFuzzer target: a checklist template (pd_checklist_new_from_data), and
 * when it loads, the calls the capture page makes on it. */
#include "fuzz-common.h"
#include "checklist/pd-checklist.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_common_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (PdChecklist) list = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) summary = NULL;
  g_autoptr (GPtrArray) missing = NULL;
  PdChecklistItem *first;
  guint done, required;

  list = pd_checklist_new_from_data ((const char *) data, size, NULL, "fuzz.json", &error);
  if (list == NULL)
    {
      if (error == NULL)
        abort ();
      return 0;
    }
  (void) pd_checklist_get_display_title (list);
  (void) pd_checklist_get_display_description (list);
  for (guint i = 0; i < pd_checklist_get_n_items (list); i++)
    {
      PdChecklistItem *item = pd_checklist_get_item (list, i);
      (void) pd_checklist_item_get_display_title (item);
      (void) pd_checklist_item_get_display_description (item);
      (void) pd_checklist_item_get_keywords (item);
      (void) pd_checklist_item_get_hint (item, "amount_pattern");
    }
  first = pd_checklist_get_item (list, 0);
  if (first != NULL)
    {
      pd_checklist_mark (list, pd_checklist_item_get_id (first), 1, "note", NULL);
      pd_checklist_unmark (list, 1, NULL);
      pd_checklist_mark (list, pd_checklist_item_get_id (first), 2, NULL, NULL);
    }
  pd_checklist_get_progress (list, &done, &required);
  missing = pd_checklist_missing_required (list);
  summary = pd_checklist_build_summary (list, PD_CHECKLIST_DECISION_SEALED_ANYWAY);
  return 0;
}
