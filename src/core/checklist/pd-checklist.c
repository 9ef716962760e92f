/* pd-checklist.c — the checklist, its sections and items, and the marks of one recording
 * (templates are read in pd-checklist-template.c). */
#define G_LOG_DOMAIN "pd-checklist"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "checklist/pd-checklist-private.h"
#include "util/pd-util.h"

G_DEFINE_QUARK (pd-checklist-error-quark, pd_checklist_error)

/* ---- Items ---- */

static const char *const auto_check_names[] = { "none", "passed", "failed", "unknown" };

G_DEFINE_FINAL_TYPE (PdChecklistItem, pd_checklist_item, G_TYPE_OBJECT)

static void
pd_checklist_item_finalize (GObject *object)
{
  PdChecklistItem *self = PD_CHECKLIST_ITEM (object);

  g_free (self->id);
  g_free (self->title);
  g_free (self->description);
  g_free (self->section_id);
  g_strfreev (self->keywords);
  g_hash_table_unref (self->hints);
  g_array_unref (self->marks);
  g_ptr_array_unref (self->notes);
  g_free (self->auto_message);
  G_OBJECT_CLASS (pd_checklist_item_parent_class)->finalize (object);
}

static void
pd_checklist_item_class_init (PdChecklistItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pd_checklist_item_finalize;
}

static void
pd_checklist_item_init (PdChecklistItem *self)
{
  self->hints = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->marks = g_array_new (FALSE, FALSE, sizeof (guint));
  self->notes = g_ptr_array_new_with_free_func (g_free);
}

const char *
pd_checklist_item_get_id (PdChecklistItem *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_ITEM (self), NULL);
  return self->id;
}

const char *
pd_checklist_item_get_title (PdChecklistItem *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_ITEM (self), NULL);
  return self->title;
}

const char *
pd_checklist_item_get_description (PdChecklistItem *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_ITEM (self), NULL);
  return self->description;
}

const char *
pd_checklist_item_get_display_title (PdChecklistItem *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_ITEM (self), NULL);
  return g_dgettext (GETTEXT_PACKAGE, self->title);
}

const char *
pd_checklist_item_get_display_description (PdChecklistItem *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_ITEM (self), NULL);
  return self->description[0] != '\0' ? g_dgettext (GETTEXT_PACKAGE, self->description) : "";
}

gboolean
pd_checklist_item_get_required (PdChecklistItem *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_ITEM (self), FALSE);
  return self->required;
}

const char *
pd_checklist_item_get_section_id (PdChecklistItem *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_ITEM (self), NULL);
  return self->section_id;
}

guint
pd_checklist_item_get_number (PdChecklistItem *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_ITEM (self), 0);
  return self->number;
}

const char * const *
pd_checklist_item_get_keywords (PdChecklistItem *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_ITEM (self), NULL);
  return (const char * const *) self->keywords;
}

const char *
pd_checklist_item_get_hint (PdChecklistItem *self, const char *key)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_ITEM (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  return g_hash_table_lookup (self->hints, key);
}

guint
pd_checklist_item_get_n_marks (PdChecklistItem *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_ITEM (self), 0);
  return self->marks->len;
}

guint
pd_checklist_item_get_last_mark (PdChecklistItem *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_ITEM (self), 0);
  return self->marks->len > 0 ? g_array_index (self->marks, guint, self->marks->len - 1) : 0;
}

const char *
pd_checklist_item_get_last_note (PdChecklistItem *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_ITEM (self), NULL);
  return self->notes->len > 0 ? g_ptr_array_index (self->notes, self->notes->len - 1) : NULL;
}

gboolean
pd_checklist_item_is_marked (PdChecklistItem *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_ITEM (self), FALSE);
  return self->marks->len > 0;
}

PdChecklistAutoCheck
pd_checklist_item_get_auto_check (PdChecklistItem *self, const char **message)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_ITEM (self), PD_CHECKLIST_AUTO_NONE);
  if (message != NULL)
    *message = self->auto_message;
  return self->auto_check;
}

gboolean
pd_checklist_item_is_done (PdChecklistItem *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_ITEM (self), FALSE);
  return self->marks->len > 0 || self->auto_check == PD_CHECKLIST_AUTO_PASSED;
}

/* ---- Sections ---- */

G_DEFINE_FINAL_TYPE (PdChecklistSection, pd_checklist_section, G_TYPE_OBJECT)

static void
pd_checklist_section_finalize (GObject *object)
{
  PdChecklistSection *self = PD_CHECKLIST_SECTION (object);

  g_free (self->id);
  g_free (self->title);
  g_object_unref (self->items);
  G_OBJECT_CLASS (pd_checklist_section_parent_class)->finalize (object);
}

static void
pd_checklist_section_class_init (PdChecklistSectionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pd_checklist_section_finalize;
}

static void
pd_checklist_section_init (PdChecklistSection *self)
{
  self->items = g_list_store_new (PD_TYPE_CHECKLIST_ITEM);
}

const char *
pd_checklist_section_get_id (PdChecklistSection *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_SECTION (self), NULL);
  return self->id;
}

const char *
pd_checklist_section_get_title (PdChecklistSection *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_SECTION (self), NULL);
  return self->title;
}

const char *
pd_checklist_section_get_display_title (PdChecklistSection *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_SECTION (self), NULL);
  return g_dgettext (GETTEXT_PACKAGE, self->title);
}

gboolean
pd_checklist_section_get_optional (PdChecklistSection *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_SECTION (self), FALSE);
  return self->optional;
}

GListModel *
pd_checklist_section_get_items (PdChecklistSection *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST_SECTION (self), NULL);
  return G_LIST_MODEL (self->items);
}

/* ---- Checklists ---- */

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PdChecklist, pd_checklist, G_TYPE_OBJECT)

static void
pd_checklist_finalize (GObject *object)
{
  PdChecklist *self = PD_CHECKLIST (object);

  g_free (self->id);
  g_free (self->title);
  g_free (self->description);
  g_object_unref (self->sections);
  g_hash_table_unref (self->items_by_id);
  g_ptr_array_unref (self->items);
  g_array_unref (self->marks);
  G_OBJECT_CLASS (pd_checklist_parent_class)->finalize (object);
}

static void
pd_checklist_class_init (PdChecklistClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pd_checklist_finalize;

  /**
   * PdChecklist::changed:
   * @item: (nullable): the item whose marks changed, or NULL after a reset
   */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, PD_TYPE_CHECKLIST_ITEM);
}

static void
pd_checklist_init (PdChecklist *self)
{
  self->sections = g_list_store_new (PD_TYPE_CHECKLIST_SECTION);
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->items_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->marks = g_array_new (FALSE, FALSE, sizeof (Mark));
}

/* ---- Accessors ---- */

const char *
pd_checklist_get_id (PdChecklist *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST (self), NULL);
  return self->id;
}

const char *
pd_checklist_get_title (PdChecklist *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST (self), NULL);
  return self->title;
}

const char *
pd_checklist_get_description (PdChecklist *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST (self), NULL);
  return self->description;
}

const char *
pd_checklist_get_display_title (PdChecklist *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST (self), NULL);
  return g_dgettext (GETTEXT_PACKAGE, self->title);
}

const char *
pd_checklist_get_display_description (PdChecklist *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST (self), NULL);
  return self->description[0] != '\0' ? g_dgettext (GETTEXT_PACKAGE, self->description) : "";
}

GListModel *
pd_checklist_get_sections (PdChecklist *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST (self), NULL);
  return G_LIST_MODEL (self->sections);
}

guint
pd_checklist_get_n_items (PdChecklist *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST (self), 0);
  return self->items->len;
}

PdChecklistItem *
pd_checklist_get_item (PdChecklist *self, guint position)
{
  g_return_val_if_fail (PD_IS_CHECKLIST (self), NULL);
  return position < self->items->len ? g_ptr_array_index (self->items, position) : NULL;
}

PdChecklistItem *
pd_checklist_lookup_item (PdChecklist *self, const char *item_id)
{
  g_return_val_if_fail (PD_IS_CHECKLIST (self), NULL);
  g_return_val_if_fail (item_id != NULL, NULL);
  return g_hash_table_lookup (self->items_by_id, item_id);
}

/* ---- Marks ---- */

gboolean
pd_checklist_mark (PdChecklist *self, const char *item_id, guint mark_id, const char *note,
                   GError **error)
{
  PdChecklistItem *item;
  Mark             mark;

  g_return_val_if_fail (PD_IS_CHECKLIST (self), FALSE);
  g_return_val_if_fail (item_id != NULL, FALSE);
  g_return_val_if_fail (mark_id > 0, FALSE);

  item = pd_checklist_lookup_item (self, item_id);
  if (item == NULL)
    {
      g_set_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_NOT_FOUND,
                   _("The checklist has no item “%s”."), item_id);
      return FALSE;
    }
  for (guint i = 0; i < self->marks->len; i++)
    if (g_array_index (self->marks, Mark, i).id == mark_id)
      {
        g_set_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_DUPLICATE,
                     _("Mark %u was recorded already."), mark_id);
        return FALSE;
      }
  mark = (Mark) { mark_id, item, FALSE };
  g_array_append_val (self->marks, mark);
  g_array_append_val (item->marks, mark_id);
  g_ptr_array_add (item->notes, note != NULL && note[0] != '\0'
                                  ? g_utf8_substring (note, 0, MIN (g_utf8_strlen (note, -1),
                                                                    PD_CHECKLIST_MAX_NOTE_LEN))
                                  : NULL);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0, item);
  return TRUE;
}

PdChecklistItem *
pd_checklist_unmark (PdChecklist *self, guint mark_id, GError **error)
{
  g_return_val_if_fail (PD_IS_CHECKLIST (self), NULL);

  for (guint i = 0; i < self->marks->len; i++)
    {
      Mark *mark = &g_array_index (self->marks, Mark, i);

      if (mark->id != mark_id || mark->undone)
        continue;
      mark->undone = TRUE;
      for (guint j = 0; j < mark->item->marks->len; j++)
        if (g_array_index (mark->item->marks, guint, j) == mark_id)
          {
            g_array_remove_index (mark->item->marks, j);
            g_ptr_array_remove_index (mark->item->notes, j);
            break;
          }
      g_signal_emit (self, signals[SIGNAL_CHANGED], 0, mark->item);
      return mark->item;
    }
  g_set_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_NOT_FOUND,
               _("There is no mark %u to undo."), mark_id);
  return NULL;
}

guint
pd_checklist_get_last_mark (PdChecklist *self)
{
  g_return_val_if_fail (PD_IS_CHECKLIST (self), 0);

  for (guint i = self->marks->len; i > 0; i--)
    if (!g_array_index (self->marks, Mark, i - 1).undone)
      return g_array_index (self->marks, Mark, i - 1).id;
  return 0;
}

void
pd_checklist_reset (PdChecklist *self)
{
  g_return_if_fail (PD_IS_CHECKLIST (self));

  g_array_set_size (self->marks, 0);
  for (guint i = 0; i < self->items->len; i++)
    {
      PdChecklistItem *item = g_ptr_array_index (self->items, i);

      g_array_set_size (item->marks, 0);
      g_ptr_array_set_size (item->notes, 0);
      item->auto_check = PD_CHECKLIST_AUTO_NONE;
      g_clear_pointer (&item->auto_message, g_free);
    }
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0, NULL);
}

void
pd_checklist_get_progress (PdChecklist *self, guint *n_required_marked, guint *n_required)
{
  guint marked = 0, required = 0;

  g_return_if_fail (PD_IS_CHECKLIST (self));

  for (guint i = 0; i < self->items->len; i++)
    {
      PdChecklistItem *item = g_ptr_array_index (self->items, i);

      if (!item->required)
        continue;
      required++;
      if (pd_checklist_item_is_done (item))
        marked++;
    }
  if (n_required_marked != NULL)
    *n_required_marked = marked;
  if (n_required != NULL)
    *n_required = required;
}

GPtrArray *
pd_checklist_missing_required (PdChecklist *self)
{
  GPtrArray *missing;

  g_return_val_if_fail (PD_IS_CHECKLIST (self), NULL);

  missing = g_ptr_array_new ();
  for (guint i = 0; i < self->items->len; i++)
    {
      PdChecklistItem *item = g_ptr_array_index (self->items, i);

      if (item->required && !pd_checklist_item_is_done (item))
        g_ptr_array_add (missing, item);
    }
  return missing;
}

JsonObject *
pd_checklist_build_summary (PdChecklist *self, const char *decision)
{
  g_autoptr (GPtrArray) missing = NULL;
  JsonObject *summary;
  JsonArray  *missing_ids, *marked, *undone, *auto_checks, *items;
  guint       n_marked, n_required;

  g_return_val_if_fail (PD_IS_CHECKLIST (self), NULL);
  g_return_val_if_fail (decision != NULL, NULL);

  pd_checklist_get_progress (self, &n_marked, &n_required);
  missing = pd_checklist_missing_required (self);

  summary = json_object_new ();
  json_object_set_string_member (summary, "scenario", self->id);
  json_object_set_int_member (summary, "schema", PD_CHECKLIST_SCHEMA);
  json_object_set_string_member (summary, "decision", decision);
  json_object_set_int_member (summary, "required", n_required);
  json_object_set_int_member (summary, "required_marked", n_marked);

  missing_ids = json_array_new ();
  for (guint i = 0; i < missing->len; i++)
    json_array_add_string_element (missing_ids, PD_CHECKLIST_ITEM (missing->pdata[i])->id);
  json_object_set_array_member (summary, "missing_required", missing_ids);

  marked = json_array_new ();
  for (guint i = 0; i < self->items->len; i++)
    {
      PdChecklistItem *item = g_ptr_array_index (self->items, i);
      JsonObject      *entry;
      JsonArray       *ids;

      if (item->marks->len == 0)
        continue;
      entry = json_object_new ();
      ids = json_array_new ();
      json_object_set_string_member (entry, "item", item->id);
      for (guint j = 0; j < item->marks->len; j++)
        json_array_add_int_element (ids, g_array_index (item->marks, guint, j));
      json_object_set_array_member (entry, "marks", ids);
      json_array_add_object_element (marked, entry);
    }
  json_object_set_array_member (summary, "marked", marked);

  undone = json_array_new ();
  for (guint i = 0; i < self->marks->len; i++)
    if (g_array_index (self->marks, Mark, i).undone)
      json_array_add_int_element (undone, g_array_index (self->marks, Mark, i).id);
  json_object_set_array_member (summary, "undone", undone);

  /* What the environment report checked by itself, passed or not. */
  auto_checks = json_array_new ();
  for (guint i = 0; i < self->items->len; i++)
    {
      PdChecklistItem *item = g_ptr_array_index (self->items, i);
      JsonObject      *entry;

      if (item->auto_check == PD_CHECKLIST_AUTO_NONE)
        continue;
      entry = json_object_new ();
      json_object_set_string_member (entry, "item", item->id);
      json_object_set_string_member (entry, "result", auto_check_names[item->auto_check]);
      if (item->auto_message != NULL)
        json_object_set_string_member (entry, "message", item->auto_message);
      json_array_add_object_element (auto_checks, entry);
    }
  json_object_set_array_member (summary, "environment_checks", auto_checks);

  /* Every item by name, so a certificate can list them without the template: the template's
   * English title (a msgid the reader's language translates) and the title the operator saw. */
  json_object_set_string_member (summary, "title", self->title);
  json_object_set_string_member (summary, "display_title", pd_checklist_get_display_title (self));
  items = json_array_new ();
  for (guint i = 0; i < self->items->len; i++)
    {
      PdChecklistItem *item = g_ptr_array_index (self->items, i);
      JsonObject      *entry = json_object_new ();
      PdChecklistItemState state = pd_checklist_item_get_state (self, item);

      json_object_set_string_member (entry, "id", item->id);
      json_object_set_string_member (entry, "title", item->title);
      json_object_set_string_member (entry, "display_title", pd_checklist_item_get_display_title (item));
      json_object_set_boolean_member (entry, "required", item->required);
      json_object_set_string_member (entry, "state", pd_checklist_item_state_to_string (state));
      json_array_add_object_element (items, entry);
    }
  json_object_set_array_member (summary, "items", items);
  return summary;
}

PdChecklistItemState
pd_checklist_item_get_state (PdChecklist *self, PdChecklistItem *item)
{
  g_return_val_if_fail (PD_IS_CHECKLIST (self), PD_CHECKLIST_ITEM_NOT_SHOWN);
  g_return_val_if_fail (PD_IS_CHECKLIST_ITEM (item), PD_CHECKLIST_ITEM_NOT_SHOWN);

  if (item->marks->len > 0)
    return PD_CHECKLIST_ITEM_MARKED;
  if (item->auto_check == PD_CHECKLIST_AUTO_PASSED)
    return PD_CHECKLIST_ITEM_PASSED;
  for (guint i = 0; i < self->marks->len; i++)
    if (g_array_index (self->marks, Mark, i).item == item)
      return PD_CHECKLIST_ITEM_UNDONE;
  return item->auto_check == PD_CHECKLIST_AUTO_FAILED ? PD_CHECKLIST_ITEM_FAILED
                                                      : PD_CHECKLIST_ITEM_NOT_SHOWN;
}

static const char *const item_state_names[] = { "marked", "passed", "undone", "failed", "not-shown" };

const char *
pd_checklist_item_state_to_string (PdChecklistItemState state)
{
  return (guint) state < G_N_ELEMENTS (item_state_names) ? item_state_names[state] : "not-shown";
}

PdChecklistItemState
pd_checklist_item_state_from_string (const char *name)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (item_state_names); i++)
    if (g_str_equal (name, item_state_names[i]))
      return (PdChecklistItemState) i;
  return PD_CHECKLIST_ITEM_NOT_SHOWN;
}

gboolean
pd_checklist_set_auto_check (PdChecklist *self, const char *item_id, PdChecklistAutoCheck check,
                             const char *message, GError **error)
{
  PdChecklistItem *item;

  g_return_val_if_fail (PD_IS_CHECKLIST (self), FALSE);
  g_return_val_if_fail (item_id != NULL, FALSE);
  g_return_val_if_fail (check <= PD_CHECKLIST_AUTO_UNKNOWN, FALSE);

  item = pd_checklist_lookup_item (self, item_id);
  if (item == NULL)
    {
      g_set_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_NOT_FOUND,
                   _("The checklist has no item “%s”."), item_id);
      return FALSE;
    }
  item->auto_check = check;
  g_free (item->auto_message);
  item->auto_message = NULL;
  if (message != NULL && g_utf8_validate (message, -1, NULL))
    /* g_utf8_substring() must not be asked for more characters than there are. */
    item->auto_message = g_utf8_strlen (message, -1) > PD_CHECKLIST_MAX_TEXT_LEN
                           ? g_utf8_substring (message, 0, PD_CHECKLIST_MAX_TEXT_LEN)
                           : g_strdup (message);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0, item);
  return TRUE;
}

guint
pd_checklist_apply_environment (PdChecklist *self, JsonObject *report)
{
  JsonArray *checks;
  guint      applied = 0;

  g_return_val_if_fail (PD_IS_CHECKLIST (self), 0);

  checks = pd_json_array (report, "checks");
  for (guint i = 0; checks != NULL && i < json_array_get_length (checks); i++)
    {
      JsonNode             *node = json_array_get_element (checks, i);
      JsonObject           *c = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char           *id = pd_json_string (c, "id");
      const char           *result = pd_json_string (c, "result");
      PdChecklistAutoCheck  check;

      if (id == NULL || result == NULL || pd_checklist_lookup_item (self, id) == NULL)
        continue;
      if (g_str_equal (result, "passed"))
        check = PD_CHECKLIST_AUTO_PASSED;
      else if (g_str_equal (result, "failed"))
        check = PD_CHECKLIST_AUTO_FAILED;
      else
        check = PD_CHECKLIST_AUTO_UNKNOWN;
      if (pd_checklist_set_auto_check (self, id, check, pd_json_string (c, "message"), NULL))
        applied++;
    }
  return applied;
}
