/* pd-checklist-template.c — reads and validates checklist templates (data/checklists, one JSON file
 * per scenario) into the classes of pd-checklist.c. */
#define G_LOG_DOMAIN "pd-checklist"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "checklist/pd-checklist-private.h"
#include "util/pd-json.h"

static const char *const hint_patterns[] = {
  "amount_pattern", "date_pattern", "rate_pattern", "phone_pattern", NULL
};

/* ---- Validation ---- */

static gboolean
is_valid_id (const char *id, gboolean dots)
{
  gsize len = strlen (id);

  if (len == 0 || len > PD_CHECKLIST_MAX_ID_LEN)
    return FALSE;
  for (const char *p = id; *p; p++)
    if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '-' || (dots && (*p == '.' || *p == '_'))))
      return FALSE;
  /* Ids name still files: no leading dot or dash. */
  return g_ascii_isalnum (id[0]);
}

typedef struct
{
  const char *name;   /* file name, for messages */
  GError    **error;
} Ctx;

static gboolean G_GNUC_PRINTF (3, 4)
fail (Ctx *ctx, PdChecklistError code, const char *format, ...)
{
  g_autofree char *what = NULL;
  va_list          args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  /* Translators: "%s: %s" is a template file name and what is wrong with it. */
  g_set_error (ctx->error, PD_CHECKLIST_ERROR, code, _("%s: %s"), ctx->name, what);
  return FALSE;
}

/* The member `key` of `object`, which must be a string (non-empty when `nonempty`). `where` is a
 * JSON path for messages. Returns NULL and sets the error otherwise; with `optional`, an absent
 * member is "" without an error. */
static const char *
get_string (Ctx *ctx, JsonObject *object, const char *where, const char *key, gboolean optional,
            gboolean nonempty)
{
  JsonNode   *node = json_object_get_member (object, key);
  const char *value;

  if (node == NULL)
    {
      if (optional)
        return "";
      fail (ctx, PD_CHECKLIST_ERROR_INVALID, _("%s: “%s” is missing"), where, key);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      fail (ctx, PD_CHECKLIST_ERROR_INVALID, _("%s: “%s” must be a string"), where, key);
      return NULL;
    }
  value = json_node_get_string (node);
  if (nonempty && value[0] == '\0')
    {
      fail (ctx, PD_CHECKLIST_ERROR_INVALID, _("%s: “%s” must not be empty"), where, key);
      return NULL;
    }
  if (strlen (value) > PD_CHECKLIST_MAX_TEXT_LEN)
    {
      fail (ctx, PD_CHECKLIST_ERROR_TOO_LARGE, _("%s: “%s” is longer than %d bytes"), where, key,
            PD_CHECKLIST_MAX_TEXT_LEN);
      return NULL;
    }
  return value;
}

static gboolean
get_boolean (Ctx *ctx, JsonObject *object, const char *where, const char *key, gboolean optional,
             gboolean *out)
{
  JsonNode *node = json_object_get_member (object, key);

  *out = FALSE;
  if (node == NULL)
    return optional ? TRUE : fail (ctx, PD_CHECKLIST_ERROR_INVALID, _("%s: “%s” is missing"), where, key);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fail (ctx, PD_CHECKLIST_ERROR_INVALID, _("%s: “%s” must be true or false"), where, key);
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* A non-empty array of at most `max` elements. */
static JsonArray *
get_array (Ctx *ctx, JsonObject *object, const char *where, const char *key, guint max)
{
  JsonNode  *node = json_object_get_member (object, key);
  JsonArray *array;

  if (node == NULL)
    {
      fail (ctx, PD_CHECKLIST_ERROR_INVALID, _("%s: “%s” is missing"), where, key);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      fail (ctx, PD_CHECKLIST_ERROR_INVALID, _("%s: “%s” must be a list"), where, key);
      return NULL;
    }
  array = json_node_get_array (node);
  if (json_array_get_length (array) == 0)
    {
      fail (ctx, PD_CHECKLIST_ERROR_INVALID, _("%s: “%s” must not be empty"), where, key);
      return NULL;
    }
  if (json_array_get_length (array) > max)
    {
      fail (ctx, PD_CHECKLIST_ERROR_TOO_LARGE, _("%s: “%s” has more than %u entries"), where, key, max);
      return NULL;
    }
  return array;
}

static gboolean
parse_hints (Ctx *ctx, PdChecklistItem *item, JsonObject *object, const char *where)
{
  JsonNode        *node = json_object_get_member (object, "hints");
  JsonObject      *hints;
  JsonNode        *keywords;
  g_autofree char *hwhere = g_strdup_printf ("%s.hints", where);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      item->keywords = g_new0 (char *, 1);
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (ctx, PD_CHECKLIST_ERROR_INVALID, _("%s: “%s” must be an object"), where, "hints");
  hints = json_node_get_object (node);

  keywords = json_object_get_member (hints, "keywords");
  if (keywords == NULL)
    item->keywords = g_new0 (char *, 1);
  else
    {
      g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (keywords))
        return fail (ctx, PD_CHECKLIST_ERROR_INVALID, _("%s: “%s” must be a list"), hwhere, "keywords");
      array = json_node_get_array (keywords);
      if (json_array_get_length (array) > PD_CHECKLIST_MAX_KEYWORDS)
        return fail (ctx, PD_CHECKLIST_ERROR_TOO_LARGE, _("%s: “%s” has more than %u entries"),
                     hwhere, "keywords", (guint) PD_CHECKLIST_MAX_KEYWORDS);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *k = json_array_get_element (array, i);

          if (!JSON_NODE_HOLDS_VALUE (k) || json_node_get_value_type (k) != G_TYPE_STRING
              || json_node_get_string (k)[0] == '\0'
              || strlen (json_node_get_string (k)) > PD_CHECKLIST_MAX_ID_LEN * 2)
            return fail (ctx, PD_CHECKLIST_ERROR_INVALID,
                         _("%s: keyword %u must be a short, non-empty string"), hwhere, i + 1);
          g_strv_builder_add (builder, json_node_get_string (k));
        }
      item->keywords = g_strv_builder_end (builder);
    }

  for (guint i = 0; hint_patterns[i] != NULL; i++)
    {
      g_autoptr (GRegex) regex = NULL;
      g_autoptr (GError) local_error = NULL;
      const char *pattern;

      if (!json_object_has_member (hints, hint_patterns[i]))
        continue;
      pattern = get_string (ctx, hints, hwhere, hint_patterns[i], FALSE, TRUE);
      if (pattern == NULL)
        return FALSE;
      regex = g_regex_new (pattern, 0, 0, &local_error);
      if (regex == NULL)
        return fail (ctx, PD_CHECKLIST_ERROR_INVALID, _("%s: “%s” is not a valid pattern: %s"),
                     hwhere, hint_patterns[i], local_error->message);
      g_hash_table_insert (item->hints, g_strdup (hint_patterns[i]), g_strdup (pattern));
    }
  return TRUE;
}

static PdChecklistItem *
parse_item (Ctx *ctx, PdChecklist *self, PdChecklistSection *section, JsonNode *node,
            const char *where)
{
  g_autoptr (PdChecklistItem) item = g_object_new (PD_TYPE_CHECKLIST_ITEM, NULL);
  JsonObject *object;
  const char *s;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      fail (ctx, PD_CHECKLIST_ERROR_INVALID, _("%s must be an object"), where);
      return NULL;
    }
  object = json_node_get_object (node);
  if ((s = get_string (ctx, object, where, "id", FALSE, TRUE)) == NULL)
    return NULL;
  if (!is_valid_id (s, TRUE))
    {
      fail (ctx, PD_CHECKLIST_ERROR_INVALID,
            _("%s: the id “%s” may only have lowercase letters, digits, “.”, “_” and “-”"), where, s);
      return NULL;
    }
  if (g_hash_table_contains (self->items_by_id, s))
    {
      fail (ctx, PD_CHECKLIST_ERROR_DUPLICATE, _("%s: the item id “%s” is used twice"), where, s);
      return NULL;
    }
  item->id = g_strdup (s);
  if ((s = get_string (ctx, object, where, "title", FALSE, TRUE)) == NULL)
    return NULL;
  item->title = g_strdup (s);
  if ((s = get_string (ctx, object, where, "description", TRUE, FALSE)) == NULL)
    return NULL;
  item->description = g_strdup (s);
  if (!get_boolean (ctx, object, where, "required", FALSE, &item->required))
    return NULL;
  if (item->required && section->optional)
    {
      fail (ctx, PD_CHECKLIST_ERROR_INVALID,
            _("%s: a required item cannot be in the optional section “%s”"), where, section->id);
      return NULL;
    }
  if (!parse_hints (ctx, item, object, where))
    return NULL;
  item->section_id = g_strdup (section->id);
  return g_steal_pointer (&item);
}

/* One entry of "sections": the section and its items, appended to `self`. */
static gboolean
parse_section (Ctx *ctx, PdChecklist *self, GHashTable *section_ids, JsonNode *node, guint i)
{
  g_autoptr (PdChecklistSection) section = g_object_new (PD_TYPE_CHECKLIST_SECTION, NULL);
  g_autofree char *where = g_strdup_printf ("sections[%u]", i);
  JsonObject *so;
  JsonArray  *items;
  const char *s;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (ctx, PD_CHECKLIST_ERROR_INVALID, _("%s must be an object"), where);
  so = json_node_get_object (node);
  if ((s = get_string (ctx, so, where, "id", FALSE, TRUE)) == NULL)
    return FALSE;
  if (!is_valid_id (s, TRUE))
    return fail (ctx, PD_CHECKLIST_ERROR_INVALID,
                 _("%s: the id “%s” may only have lowercase letters, digits, “.”, “_” and “-”"),
                 where, s);
  if (!g_hash_table_add (section_ids, g_strdup (s)))
    return fail (ctx, PD_CHECKLIST_ERROR_DUPLICATE, _("%s: the section id “%s” is used twice"),
                 where, s);
  section->id = g_strdup (s);
  if ((s = get_string (ctx, so, where, "title", FALSE, TRUE)) == NULL)
    return FALSE;
  section->title = g_strdup (s);
  if (!get_boolean (ctx, so, where, "optional", TRUE, &section->optional))
    return FALSE;
  if ((items = get_array (ctx, so, where, "items", PD_CHECKLIST_MAX_ITEMS)) == NULL)
    return FALSE;
  for (guint j = 0; j < json_array_get_length (items); j++)
    {
      g_autofree char *iwhere = g_strdup_printf ("sections[%u].items[%u]", i, j);
      PdChecklistItem *item = parse_item (ctx, self, section, json_array_get_element (items, j),
                                          iwhere);

      if (item == NULL)
        return FALSE;
      item->number = self->items->len + 1;
      g_list_store_append (section->items, item);
      g_hash_table_insert (self->items_by_id, item->id, item);
      g_ptr_array_add (self->items, item);
    }
  g_list_store_append (self->sections, section);
  return TRUE;
}

static gboolean
parse_template (Ctx *ctx, PdChecklist *self, JsonNode *root, const char *expected_id)
{
  g_autoptr (GHashTable) section_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonObject *object;
  JsonNode   *schema;
  JsonArray  *sections;
  const char *s;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return fail (ctx, PD_CHECKLIST_ERROR_INVALID, _("the template must be a JSON object"));
  object = json_node_get_object (root);

  schema = json_object_get_member (object, "schema");
  if (schema == NULL)
    return fail (ctx, PD_CHECKLIST_ERROR_INVALID, _("%s: “%s” is missing"), "$", "schema");
  if (!JSON_NODE_HOLDS_VALUE (schema) || json_node_get_value_type (schema) != G_TYPE_INT64)
    return fail (ctx, PD_CHECKLIST_ERROR_INVALID, _("%s: “%s” must be a whole number"), "$", "schema");
  if (json_node_get_int (schema) != PD_CHECKLIST_SCHEMA)
    return fail (ctx, PD_CHECKLIST_ERROR_SCHEMA,
                 _("schema %lld is not supported (this version reads schema %d)"),
                 (long long) json_node_get_int (schema), PD_CHECKLIST_SCHEMA);

  if ((s = get_string (ctx, object, "$", "id", FALSE, TRUE)) == NULL)
    return FALSE;
  if (!is_valid_id (s, FALSE))
    return fail (ctx, PD_CHECKLIST_ERROR_INVALID,
                 _("the template id “%s” may only have lowercase letters, digits and “-”"), s);
  if (expected_id != NULL && strcmp (s, expected_id) != 0)
    return fail (ctx, PD_CHECKLIST_ERROR_INVALID,
                 _("the template id “%s” differs from the file name “%s”"), s, expected_id);
  self->id = g_strdup (s);
  if ((s = get_string (ctx, object, "$", "title", FALSE, TRUE)) == NULL)
    return FALSE;
  self->title = g_strdup (s);
  if ((s = get_string (ctx, object, "$", "description", TRUE, FALSE)) == NULL)
    return FALSE;
  self->description = g_strdup (s);

  if ((sections = get_array (ctx, object, "$", "sections", PD_CHECKLIST_MAX_SECTIONS)) == NULL)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (sections); i++)
    if (!parse_section (ctx, self, section_ids, json_array_get_element (sections, i), i))
      return FALSE;
  return TRUE;
}

/* ---- Loading ---- */

char *
pd_checklist_get_template_dir (void)
{
  const char      *env = g_getenv ("PROOFDESK_CHECKLIST_DIR");
  g_autofree char *source = g_build_filename (PD_SOURCE_DATADIR, "checklists", NULL);

  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  if (g_file_test (source, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&source);
  return g_build_filename (PKGDATADIR, "checklists", NULL);
}

PdChecklist *
pd_checklist_new_from_data (const char *data, gsize length, const char *expected_id,
                            const char *name, GError **error)
{
  g_autoptr (PdChecklist) self = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) local_error = NULL;
  Ctx ctx = { name != NULL ? name : _("template"), error };

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (data == NULL)
    data = "";
  if (length > PD_CHECKLIST_MAX_FILE_SIZE)
    {
      fail (&ctx, PD_CHECKLIST_ERROR_TOO_LARGE, _("larger than %d KiB"),
            PD_CHECKLIST_MAX_FILE_SIZE / 1024);
      return NULL;
    }
  if (!g_utf8_validate (data, length, NULL))
    {
      fail (&ctx, PD_CHECKLIST_ERROR_SYNTAX, _("not UTF-8 text"));
      return NULL;
    }
  /* The raw-byte checks of the one JSON reader, at the templates' own (smaller) depth. */
  if (!pd_json_check (data, length, PD_CHECKLIST_MAX_DEPTH, &local_error))
    {
      if (local_error->code == PD_JSON_ERROR_TOO_DEEP)
        g_set_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_TOO_LARGE,
                     /* Translators: %s is a template file name, %d a number. */
                     _("%s: nested more than %d levels deep"), ctx.name, PD_CHECKLIST_MAX_DEPTH);
      else
        fail (&ctx, PD_CHECKLIST_ERROR_SYNTAX, _("not valid JSON: %s"), local_error->message);
      return NULL;
    }
  root = length > 0 ? pd_json_parse (data, length, 0, ctx.name, &local_error) : NULL;
  if (root == NULL && local_error != NULL)
    {
      fail (&ctx, PD_CHECKLIST_ERROR_SYNTAX, _("not valid JSON: %s"), local_error->message);
      return NULL;
    }
  self = g_object_new (PD_TYPE_CHECKLIST, NULL);
  if (!parse_template (&ctx, self, root, expected_id))
    return NULL;
  return g_steal_pointer (&self);
}

PdChecklist *
pd_checklist_new_from_file (const char *path, GError **error)
{
  g_autoptr (GFile) file = NULL;
  g_autoptr (GFileInfo) info = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *basename = NULL;
  g_autofree char *expected_id = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);

  file = g_file_new_for_path (path);
  basename = g_file_get_basename (file);
  /* Check the size before reading, so a huge (or endless, like a FIFO) file is never read. */
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                            G_FILE_QUERY_INFO_NONE, NULL, &local_error);
  if (info == NULL)
    {
      g_set_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_IO, _("%s: %s"), basename,
                   local_error->message);
      return NULL;
    }
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      g_set_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_IO, _("%s: not a regular file"),
                   basename);
      return NULL;
    }
  if (g_file_info_get_size (info) > PD_CHECKLIST_MAX_FILE_SIZE)
    {
      g_set_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_TOO_LARGE,
                   _("%s: larger than %d KiB"), basename, PD_CHECKLIST_MAX_FILE_SIZE / 1024);
      return NULL;
    }
  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_IO, _("%s: %s"), basename,
                   local_error->message);
      return NULL;
    }
  expected_id = g_str_has_suffix (basename, ".json")
                ? g_strndup (basename, strlen (basename) - strlen (".json"))
                : g_strdup (basename);
  return pd_checklist_new_from_data (contents, length, expected_id, basename, error);
}

PdChecklist *
pd_checklist_load (const char *dir, const char *scenario_id, GError **error)
{
  g_autofree char *default_dir = NULL;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (scenario_id != NULL, NULL);

  /* The id becomes a file name: refuse anything that could leave the folder. */
  if (!is_valid_id (scenario_id, FALSE))
    {
      g_set_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_NOT_FOUND,
                   _("There is no scenario called “%s”."), scenario_id);
      return NULL;
    }
  if (dir == NULL)
    dir = default_dir = pd_checklist_get_template_dir ();
  file = g_strconcat (scenario_id, ".json", NULL);
  path = g_build_filename (dir, file, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_NOT_FOUND,
                   _("There is no scenario called “%s”."), scenario_id);
      return NULL;
    }
  return pd_checklist_new_from_file (path, error);
}

static int
compare_by_id (gconstpointer a, gconstpointer b)
{
  PdChecklist *ca = *(PdChecklist **) a;
  PdChecklist *cb = *(PdChecklist **) b;

  return strcmp (ca->id, cb->id);
}

GPtrArray *
pd_checklist_list_scenarios (const char *dir, GError **error)
{
  g_autofree char *default_dir = NULL;
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GDir) d = NULL;
  g_autoptr (GError) local_error = NULL;
  const char *name;

  if (dir == NULL)
    dir = default_dir = pd_checklist_get_template_dir ();
  d = g_dir_open (dir, 0, &local_error);
  if (d == NULL)
    {
      g_set_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_IO,
                   _("Cannot read the checklist folder: %s"), local_error->message);
      return NULL;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autoptr (GError) template_error = NULL;
      PdChecklist *checklist;

      if (!g_str_has_suffix (name, ".json") || name[0] == '.')
        continue;
      path = g_build_filename (dir, name, NULL);
      checklist = pd_checklist_new_from_file (path, &template_error);
      if (checklist == NULL)
        {
          /* One broken template must not hide the others. */
          g_message ("Skipping checklist template: %s", template_error->message);
          continue;
        }
      g_ptr_array_add (list, checklist);
    }
  g_ptr_array_sort (list, compare_by_id);
  return g_steal_pointer (&list);
}

/* id → English title of every template, read once (the catalog asks for every row). */
static GHashTable *
scenario_titles (void)
{
  static gsize once = 0;
  static GHashTable *titles;

  if (g_once_init_enter (&once))
    {
      g_autoptr (GPtrArray) list = pd_checklist_list_scenarios (NULL, NULL);
      GHashTable *t = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

      for (guint i = 0; list != NULL && i < list->len; i++)
        {
          PdChecklist *c = g_ptr_array_index (list, i);

          g_hash_table_insert (t, g_strdup (c->id), g_strdup (c->title));
        }
      titles = t;
      g_once_init_leave (&once, 1);
    }
  return titles;
}

const char *
pd_checklist_lookup_scenario_title (const char *scenario_id)
{
  const char *title;

  if (scenario_id == NULL || *scenario_id == '\0')
    return NULL;
  title = g_hash_table_lookup (scenario_titles (), scenario_id);
  return title != NULL ? g_dgettext (GETTEXT_PACKAGE, title) : NULL;
}
