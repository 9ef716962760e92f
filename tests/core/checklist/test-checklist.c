/* test-checklist.c — checklist templates: the shipped ones load, marks and progress, the summary,
 * and hostile templates fail with typed errors instead of crashing. */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>

#include "checklist/pd-checklist.h"
#include "test-common.h"

static char *
template_dir (void)
{
  return g_build_filename (PD_SOURCE_DATADIR, "checklists", NULL);
}

/* A minimal valid template, as a format string with the schema, two sections and two items
 * that tests can spoil. */
static const char valid_template[] =
  "{ \"schema\": 1, \"id\": \"t\", \"title\": \"T\", \"description\": \"d\", \"sections\": ["
  "  { \"id\": \"environment\", \"title\": \"Env\", \"optional\": false, \"items\": ["
  "    { \"id\": \"env.network\", \"title\": \"Net\", \"required\": true,"
  "      \"hints\": { \"keywords\": [\"WLAN\"], \"date_pattern\": \"\\\\d{4}\", \"future\": 1 } },"
  "    { \"id\": \"env.clock\", \"title\": \"Clock\", \"required\": true } ] },"
  "  { \"id\": \"damages\", \"title\": \"Damages\", \"optional\": true, \"items\": ["
  "    { \"id\": \"damages.fees\", \"title\": \"Fees\", \"required\": false } ] } ],"
  "  \"unknown_key\": [1, 2, 3] }";

static PdChecklist *
load_string (const char *json, GError **error)
{
  return pd_checklist_new_from_data (json, strlen (json), NULL, "test.json", error);
}

static void
test_shipped (void)
{
  g_autofree char *dir = template_dir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) d = g_dir_open (dir, 0, &error);
  g_autoptr (GPtrArray) list = NULL;
  const char *name;
  guint       n_files = 0;

  g_assert_no_error (error);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autoptr (PdChecklist) checklist = NULL;
      g_autoptr (PdChecklistSection) first = NULL;
      g_autoptr (PdChecklistSection) second = NULL;
      GListModel *sections;

      if (!g_str_has_suffix (name, ".json"))
        continue;
      n_files++;
      path = g_build_filename (dir, name, NULL);
      checklist = pd_checklist_new_from_file (path, &error);
      g_assert_no_error (error);
      g_assert_nonnull (checklist);
      g_assert_true (g_str_has_prefix (name, pd_checklist_get_id (checklist)));
      g_assert_cmpstr (pd_checklist_get_title (checklist), !=, "");

      /* README: every template starts with the environment and the parties, and the ids other
       * code relies on are there. */
      sections = pd_checklist_get_sections (checklist);
      g_assert_cmpuint (g_list_model_get_n_items (sections), >=, 3);
      first = g_list_model_get_item (sections, 0);
      second = g_list_model_get_item (sections, 1);
      g_assert_cmpstr (pd_checklist_section_get_id (first), ==, "environment");
      for (const char *const *id = (const char *const[]){ "env.network", "env.storage", "env.clock", NULL };
           *id; id++)
        {
          PdChecklistItem *item = pd_checklist_lookup_item (checklist, *id);

          g_assert_nonnull (item);
          g_assert_true (pd_checklist_item_get_required (item));
        }
      /* The lending scenarios name the parties and the terms; the generic "screen-evidence"
       * template (any other content) has a content section instead. */
      if (g_str_equal (pd_checklist_get_id (checklist), "screen-evidence"))
        g_assert_nonnull (pd_checklist_lookup_item (checklist, "content.subject"));
      else
        {
          g_assert_cmpstr (pd_checklist_section_get_id (second), ==, "parties");
          for (const char *const *id = (const char *const[]){ "env.app", "party.identity",
                                                               "party.accounts", "loan.terms", NULL };
               *id; id++)
            {
              PdChecklistItem *item = pd_checklist_lookup_item (checklist, *id);

              g_assert_nonnull (item);
              g_assert_true (pd_checklist_item_get_required (item));
            }
        }
      for (guint i = 0; i < pd_checklist_get_n_items (checklist); i++)
        g_assert_cmpuint (pd_checklist_item_get_number (pd_checklist_get_item (checklist, i)), ==, i + 1);
    }
  g_assert_cmpuint (n_files, >=, 4);

  list = pd_checklist_list_scenarios (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, n_files);
  for (guint i = 1; i < list->len; i++)
    g_assert_cmpint (strcmp (pd_checklist_get_id (list->pdata[i - 1]),
                             pd_checklist_get_id (list->pdata[i])), <, 0);
}

static void
test_counts (void)
{
  static const struct { const char *id; guint items, required; } expected[] = {
    { "alipay", 20, 8 },
    { "mini-program", 21, 12 },
    { "screen-evidence", 10, 7 },
    { "wechat-chat", 20, 11 },
    { "wechat-wallet", 19, 10 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PdChecklist) checklist = pd_checklist_load (NULL, expected[i].id, &error);
      guint marked = 99, required = 0, optional = 0;

      g_assert_no_error (error);
      g_assert_cmpuint (pd_checklist_get_n_items (checklist), ==, expected[i].items);
      pd_checklist_get_progress (checklist, &marked, &required);
      g_assert_cmpuint (marked, ==, 0);
      g_assert_cmpuint (required, ==, expected[i].required);
      for (guint j = 0; j < pd_checklist_get_n_items (checklist); j++)
        if (!pd_checklist_item_get_required (pd_checklist_get_item (checklist, j)))
          optional++;
      g_assert_cmpuint (optional, ==, expected[i].items - expected[i].required);
    }
}

static void
on_changed (PdChecklist *checklist, PdChecklistItem *item, gpointer user_data)
{
  (*(guint *) user_data)++;
}

static void
test_progress (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdChecklist) checklist = pd_checklist_load (NULL, "wechat-chat", &error);
  PdChecklistItem *network, *calls, *item;
  guint            marked, required, changes = 0;

  g_assert_no_error (error);
  g_signal_connect (checklist, "changed", G_CALLBACK (on_changed), &changes);
  network = pd_checklist_lookup_item (checklist, "env.network");
  calls = pd_checklist_lookup_item (checklist, "chat.calls");
  g_assert_false (pd_checklist_item_get_required (calls));
  g_assert_cmpuint (pd_checklist_get_last_mark (checklist), ==, 0);

  g_assert_true (pd_checklist_mark (checklist, "env.network", 1, NULL, &error));
  g_assert_true (pd_checklist_mark (checklist, "env.network", 2, "¥50,000", &error));
  g_assert_true (pd_checklist_mark (checklist, "chat.calls", 3, "", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (changes, ==, 3);
  g_assert_cmpuint (pd_checklist_item_get_n_marks (network), ==, 2);
  g_assert_cmpuint (pd_checklist_item_get_last_mark (network), ==, 2);
  g_assert_cmpstr (pd_checklist_item_get_last_note (network), ==, "¥50,000");
  g_assert_null (pd_checklist_item_get_last_note (calls));
  pd_checklist_get_progress (checklist, &marked, &required);
  /* Two marks on one item count once; optional items do not count. */
  g_assert_cmpuint (marked, ==, 1);
  g_assert_cmpuint (required, ==, 11);

  /* Unknown items and reused mark ids are refused. */
  g_assert_false (pd_checklist_mark (checklist, "no.such", 4, NULL, &error));
  g_assert_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (pd_checklist_mark (checklist, "env.clock", 2, NULL, &error));
  g_assert_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_DUPLICATE);
  g_clear_error (&error);

  /* Undo goes newest first; undoing the last mark of an item unmarks it. */
  g_assert_cmpuint (pd_checklist_get_last_mark (checklist), ==, 3);
  item = pd_checklist_unmark (checklist, 3, &error);
  g_assert_no_error (error);
  g_assert_true (item == calls);
  g_assert_false (pd_checklist_item_is_marked (calls));
  g_assert_null (pd_checklist_unmark (checklist, 3, &error));
  g_assert_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpuint (pd_checklist_get_last_mark (checklist), ==, 2);
  g_assert_true (pd_checklist_unmark (checklist, 2, &error) == network);
  g_assert_cmpuint (pd_checklist_item_get_n_marks (network), ==, 1);
  g_assert_cmpuint (pd_checklist_item_get_last_mark (network), ==, 1);
  g_assert_null (pd_checklist_item_get_last_note (network));
  pd_checklist_get_progress (checklist, &marked, NULL);
  g_assert_cmpuint (marked, ==, 1);

  pd_checklist_reset (checklist);
  pd_checklist_get_progress (checklist, &marked, NULL);
  g_assert_cmpuint (marked, ==, 0);
  g_assert_cmpuint (pd_checklist_get_last_mark (checklist), ==, 0);
}

static void
test_missing_required (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdChecklist) checklist = pd_checklist_load (NULL, "alipay", &error);
  g_autoptr (GPtrArray) missing = NULL;
  g_autoptr (JsonObject) summary = NULL;
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;
  JsonArray *array;
  guint      n_required;

  g_assert_no_error (error);
  pd_checklist_get_progress (checklist, NULL, &n_required);
  missing = pd_checklist_missing_required (checklist);
  g_assert_cmpuint (missing->len, ==, n_required);
  g_clear_pointer (&missing, g_ptr_array_unref);

  /* Mark every required item but the transfer page, plus an optional one. */
  for (guint i = 0, id = 1; i < pd_checklist_get_n_items (checklist); i++)
    {
      PdChecklistItem *item = pd_checklist_get_item (checklist, i);
      const char      *item_id = pd_checklist_item_get_id (item);

      if (pd_checklist_item_get_required (item) && g_strcmp0 (item_id, "alipay.transfer") != 0)
        g_assert_true (pd_checklist_mark (checklist, item_id, id++, NULL, &error));
      else if (g_strcmp0 (item_id, "alipay.bills") == 0)
        {
          g_assert_true (pd_checklist_mark (checklist, item_id, id++, NULL, &error));
          g_assert_true (pd_checklist_mark (checklist, item_id, id++, NULL, &error));
          g_assert_nonnull (pd_checklist_unmark (checklist, id - 1, &error));
        }
    }
  g_assert_no_error (error);
  missing = pd_checklist_missing_required (checklist);
  g_assert_cmpuint (missing->len, ==, 1);
  g_assert_cmpstr (pd_checklist_item_get_id (missing->pdata[0]), ==, "alipay.transfer");

  summary = pd_checklist_build_summary (checklist, PD_CHECKLIST_DECISION_SEALED_ANYWAY);
  g_assert_cmpstr (json_object_get_string_member (summary, "scenario"), ==, "alipay");
  g_assert_cmpstr (json_object_get_string_member (summary, "decision"), ==, "sealed-anyway");
  g_assert_cmpint (json_object_get_int_member (summary, "required"), ==, n_required);
  g_assert_cmpint (json_object_get_int_member (summary, "required_marked"), ==, n_required - 1);
  array = json_object_get_array_member (summary, "missing_required");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (array, 0), ==, "alipay.transfer");
  array = json_object_get_array_member (summary, "marked");
  g_assert_cmpuint (json_array_get_length (array), ==, n_required);   /* n-1 required + bills */
  array = json_object_get_array_member (summary, "undone");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  json_node_set_object (node, summary);
  text = json_to_string (node, FALSE);
  g_test_message ("summary: %s", text);
}

static void
test_valid_minimal (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdChecklist) checklist = load_string (valid_template, &error);
  PdChecklistItem *item;

  g_assert_no_error (error);
  g_assert_cmpuint (pd_checklist_get_n_items (checklist), ==, 3);
  item = pd_checklist_lookup_item (checklist, "env.network");
  g_assert_cmpstr (pd_checklist_item_get_keywords (item)[0], ==, "WLAN");
  g_assert_cmpstr (pd_checklist_item_get_hint (item, "date_pattern"), ==, "\\d{4}");
  g_assert_null (pd_checklist_item_get_hint (item, "amount_pattern"));
  g_assert_cmpstr (pd_checklist_item_get_description (item), ==, "");
  g_assert_cmpstr (pd_checklist_item_get_section_id (item), ==, "environment");
}

/* Replaces the first `from` in the valid template with `to` and expects `code`. */
static void
expect_spoiled (const char *from, const char *to, int code, const char *in_message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) json = g_string_new (valid_template);
  g_autoptr (PdChecklist) checklist = NULL;

  g_assert_cmpuint (g_string_replace (json, from, to, 1), ==, 1);
  checklist = load_string (json->str, &error);
  g_assert_null (checklist);
  g_assert_error (error, PD_CHECKLIST_ERROR, code);
  g_test_message ("%s → %s", to, error->message);
  /* The message names the file and the problem. */
  g_assert_true (g_str_has_prefix (error->message, "test.json: "));
  if (in_message != NULL)
    g_assert_nonnull (strstr (error->message, in_message));
}

static void
test_hostile_not_json (void)
{
  static const char *const inputs[] = {
    "", "not json", "{", "{\"schema\": 1,}", "[1, 2", "\"just a string\"", "{} {}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PdChecklist) checklist = load_string (inputs[i], &error);

      g_assert_null (checklist);
      g_assert_nonnull (error);
      g_assert_true (error->domain == PD_CHECKLIST_ERROR);
      g_assert_true (error->code == PD_CHECKLIST_ERROR_SYNTAX || error->code == PD_CHECKLIST_ERROR_INVALID);
    }
  {
    static const char bad_utf8[] = "{\"schema\": 1, \"id\": \"\xff\xfe\"}";
    static const char with_nul[] = "{\"schema\": 1}\0trailing";
    g_autoptr (GError) error = NULL;

    g_assert_null (pd_checklist_new_from_data (bad_utf8, sizeof bad_utf8 - 1, NULL, "x.json", &error));
    g_assert_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_SYNTAX);
    g_clear_error (&error);
    g_assert_null (pd_checklist_new_from_data (with_nul, sizeof with_nul - 1, NULL, "x.json", &error));
    g_assert_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_SYNTAX);
  }
  {
    g_autoptr (GError) error = NULL;

    g_assert_null (load_string ("[1, 2, 3]", &error));
    g_assert_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_INVALID);
  }
}

static void
test_hostile_wrong_types (void)
{
  expect_spoiled ("\"schema\": 1", "\"schema\": \"1\"", PD_CHECKLIST_ERROR_INVALID, "schema");
  expect_spoiled ("\"schema\": 1", "\"schema\": 1.5", PD_CHECKLIST_ERROR_INVALID, "schema");
  expect_spoiled ("\"schema\": 1", "\"schema\": 2", PD_CHECKLIST_ERROR_SCHEMA, NULL);
  expect_spoiled ("\"schema\": 1,", "", PD_CHECKLIST_ERROR_INVALID, "schema");
  expect_spoiled ("\"title\": \"T\"", "\"title\": 7", PD_CHECKLIST_ERROR_INVALID, "title");
  expect_spoiled ("\"title\": \"T\"", "\"title\": \"\"", PD_CHECKLIST_ERROR_INVALID, "title");
  expect_spoiled ("\"id\": \"t\"", "\"id\": \"../../etc\"", PD_CHECKLIST_ERROR_INVALID, "../../etc");
  expect_spoiled ("\"sections\": [", "\"sections\": {\"a\": [", PD_CHECKLIST_ERROR_SYNTAX, NULL);
  expect_spoiled ("\"sections\": [", "\"sections\": 3, \"x\": [", PD_CHECKLIST_ERROR_INVALID, "sections");
  expect_spoiled ("\"optional\": false", "\"optional\": \"no\"", PD_CHECKLIST_ERROR_INVALID,
                  "sections[0]");
  expect_spoiled ("\"required\": true", "\"required\": \"yes\"", PD_CHECKLIST_ERROR_INVALID,
                  "sections[0].items[0]");
  expect_spoiled ("\"id\": \"env.clock\", \"title\": \"Clock\",", "\"id\": \"env.clock\",",
                  PD_CHECKLIST_ERROR_INVALID, "sections[0].items[1]");
  expect_spoiled ("\"id\": \"env.network\"", "\"id\": \"Env Network/x\"", PD_CHECKLIST_ERROR_INVALID,
                  "sections[0].items[0]");
  expect_spoiled ("\"keywords\": [\"WLAN\"]", "\"keywords\": [1]", PD_CHECKLIST_ERROR_INVALID, "keyword");
  expect_spoiled ("\"keywords\": [\"WLAN\"]", "\"keywords\": \"WLAN\"", PD_CHECKLIST_ERROR_INVALID,
                  "keywords");
  expect_spoiled ("\"date_pattern\": \"\\\\d{4}\"", "\"date_pattern\": \"([\"",
                  PD_CHECKLIST_ERROR_INVALID, "date_pattern");
  expect_spoiled ("\"hints\": {", "\"hints\": 5, \"h\": {", PD_CHECKLIST_ERROR_INVALID, "hints");
  expect_spoiled ("{ \"id\": \"damages.fees\", \"title\": \"Fees\", \"required\": false }",
                  "3", PD_CHECKLIST_ERROR_INVALID, "sections[1].items[0]");
  /* A required item in an optional section contradicts itself. */
  expect_spoiled ("\"title\": \"Fees\", \"required\": false", "\"title\": \"Fees\", \"required\": true",
                  PD_CHECKLIST_ERROR_INVALID, "damages");
  {
    g_autoptr (GError) error = NULL;

    g_assert_null (load_string ("{ \"schema\": 1, \"id\": \"t\", \"title\": \"T\", \"sections\": [] }", &error));
    g_assert_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_INVALID);
    g_clear_error (&error);
    /* The id must match the file name. */
    g_assert_null (pd_checklist_new_from_data (valid_template, strlen (valid_template), "alipay",
                                               "alipay.json", &error));
    g_assert_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_INVALID);
  }
}

static void
test_hostile_duplicates (void)
{
  expect_spoiled ("\"id\": \"env.clock\"", "\"id\": \"env.network\"", PD_CHECKLIST_ERROR_DUPLICATE,
                  "env.network");
  expect_spoiled ("\"id\": \"damages.fees\"", "\"id\": \"env.network\"", PD_CHECKLIST_ERROR_DUPLICATE,
                  "sections[1].items[0]");
  expect_spoiled ("\"id\": \"damages\"", "\"id\": \"environment\"", PD_CHECKLIST_ERROR_DUPLICATE,
                  "environment");
}

static void
test_hostile_large (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pd-checklist-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "huge.json", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo.json", NULL);
  g_autofree char *huge = NULL;
  gsize size = 10 * 1024 * 1024;
  g_autoptr (GString) many = g_string_new ("{ \"schema\": 1, \"id\": \"t\", \"title\": \"T\", \"sections\": [");
  g_autoptr (GString) long_title = g_string_new (valid_template);

  g_assert_no_error (error);
  /* 10 MB of valid JSON: refused by size, before it is read. */
  huge = g_malloc (size);
  memset (huge, ' ', size);
  memcpy (huge, valid_template, strlen (valid_template));
  g_assert_true (g_file_set_contents (path, huge, size, &error));
  g_assert_null (pd_checklist_new_from_file (path, &error));
  g_assert_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "huge.json"));
  g_clear_error (&error);
  g_assert_null (pd_checklist_new_from_data (huge, size, NULL, "huge.json", &error));
  g_assert_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* Not a regular file: never opened for reading (a FIFO would block). */
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_null (pd_checklist_new_from_file (fifo, &error));
  g_assert_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_IO);
  g_clear_error (&error);
  g_assert_null (pd_checklist_new_from_file ("/nonexistent/x.json", &error));
  g_assert_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_IO);
  g_clear_error (&error);

  /* Too many sections, though small. */
  for (guint i = 0; i <= PD_CHECKLIST_MAX_SECTIONS; i++)
    g_string_append_printf (many, "%s{\"id\": \"s%u\", \"title\": \"S\", \"items\": ["
                                  "{\"id\": \"i%u\", \"title\": \"I\", \"required\": false}]}",
                            i ? "," : "", i, i);
  g_string_append (many, "]}");
  g_assert_null (load_string (many->str, &error));
  g_assert_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* A title of 100 kB. */
  {
    g_autoptr (GString) title = g_string_new ("\"title\": \"");

    for (guint i = 0; i < 100000; i++)
      g_string_append_c (title, 'x');
    g_string_append_c (title, '"');
    g_string_replace (long_title, "\"title\": \"T\"", title->str, 1);
    g_assert_null (load_string (long_title->str, &error));
    g_assert_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_TOO_LARGE);
  }

  g_unlink (fifo);
  pd_test_rm_rf (dir);
}

static void
test_hostile_deep (void)
{
  gsize depth = 200000;
  g_autoptr (GString) deep = g_string_new ("{ \"schema\": 1, \"id\": \"t\", \"x\": ");
  g_autoptr (GError) error = NULL;

  /* Deep enough to overflow the stack of a recursive parser, small enough to pass the size
   * check. */
  for (gsize i = 0; i < depth; i++)
    g_string_append_c (deep, '[');
  for (gsize i = 0; i < depth; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');
  g_assert_cmpuint (deep->len, <, PD_CHECKLIST_MAX_FILE_SIZE * 2);
  g_assert_null (pd_checklist_new_from_data (deep->str, deep->len, NULL, "deep.json", &error));
  g_assert_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* Brackets inside strings do not count. */
  {
    g_autoptr (GString) json = g_string_new (valid_template);

    g_string_replace (json, "\"description\": \"d\"",
                      "\"description\": \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[\"", 1);
    g_autoptr (PdChecklist) checklist = load_string (json->str, &error);
    g_assert_no_error (error);
    g_assert_nonnull (checklist);
  }
  /* Just past the limit of 16 levels. */
  {
    g_autoptr (GString) json = g_string_new (valid_template);
    g_autoptr (GString) nest = g_string_new ("\"unknown_key\": ");

    for (guint i = 0; i < PD_CHECKLIST_MAX_DEPTH; i++)
      g_string_append_c (nest, '[');
    for (guint i = 0; i < PD_CHECKLIST_MAX_DEPTH; i++)
      g_string_append_c (nest, ']');
    g_string_replace (json, "\"unknown_key\": ", nest->str, 1);
    g_assert_null (load_string (json->str, &error));
    g_assert_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_TOO_LARGE);
  }
}

/* A broken template beside good ones is skipped, and PROOFDESK_CHECKLIST_DIR picks the folder. */
static void
test_list_skips_broken (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pd-checklist-XXXXXX", &error);
  g_autofree char *good = g_build_filename (dir, "t.json", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.json", NULL);
  g_autofree char *other = g_build_filename (dir, "README.md", NULL);
  g_autofree char *old = g_strdup (g_getenv ("PROOFDESK_CHECKLIST_DIR"));
  g_autofree char *resolved = NULL;
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (PdChecklist) loaded = NULL;

  g_assert_true (g_file_set_contents (good, valid_template, -1, &error));
  g_assert_true (g_file_set_contents (bad, "{ nope", -1, &error));
  g_assert_true (g_file_set_contents (other, "# hi", -1, &error));
  g_setenv ("PROOFDESK_CHECKLIST_DIR", dir, TRUE);
  resolved = pd_checklist_get_template_dir ();
  g_assert_cmpstr (resolved, ==, dir);

  list = pd_checklist_list_scenarios (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (pd_checklist_get_id (list->pdata[0]), ==, "t");

  loaded = pd_checklist_load (NULL, "bad", &error);
  g_assert_null (loaded);
  g_assert_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_SYNTAX);
  g_assert_nonnull (strstr (error->message, "bad.json"));
  g_clear_error (&error);
  g_assert_null (pd_checklist_load (NULL, "../t", &error));
  g_assert_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (pd_checklist_load (NULL, "missing", &error));
  g_assert_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_NOT_FOUND);
  g_clear_error (&error);

  if (old != NULL)
    g_setenv ("PROOFDESK_CHECKLIST_DIR", old, TRUE);
  else
    g_unsetenv ("PROOFDESK_CHECKLIST_DIR");
  g_assert_null (pd_checklist_list_scenarios ("/nonexistent", &error));
  g_assert_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_IO);
  pd_test_rm_rf (dir);
}

/* The phone's environment report ticks what it could check and flags what failed; a failed
 * check does not count as done, a hostile report changes nothing. */
static void
test_environment_checks (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PdChecklist) checklist = pd_checklist_load (NULL, "wechat-wallet", &error);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (JsonObject) summary = NULL;
  g_autoptr (GPtrArray) missing = NULL;
  guint done_before, done_after, required;
  const char *message = NULL;
  JsonArray *checks;

  g_assert_no_error (error);
  pd_checklist_get_progress (checklist, &done_before, &required);
  g_assert_true (json_parser_load_from_data (parser,
    "{\"checks\": ["
    " {\"id\": \"env.network\", \"result\": \"passed\", \"message\": \"Wi-Fi off, mobile data on\"},"
    " {\"id\": \"env.storage\", \"result\": \"failed\", \"message\": \"1.2 GB free\"},"
    " {\"id\": \"env.clock\", \"result\": \"unknown\"},"
    " {\"id\": \"no.such.item\", \"result\": \"passed\"},"
    " {\"id\": 7, \"result\": \"passed\"}, 3, null]}", -1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pd_checklist_apply_environment (checklist,
                                                    json_node_get_object (json_parser_get_root (parser))),
                    ==, 3);
  g_assert_cmpint (pd_checklist_item_get_auto_check (pd_checklist_lookup_item (checklist, "env.network"),
                                                     &message), ==, PD_CHECKLIST_AUTO_PASSED);
  g_assert_cmpstr (message, ==, "Wi-Fi off, mobile data on");
  g_assert_true (pd_checklist_item_is_done (pd_checklist_lookup_item (checklist, "env.network")));
  g_assert_false (pd_checklist_item_is_marked (pd_checklist_lookup_item (checklist, "env.network")));
  g_assert_cmpint (pd_checklist_item_get_auto_check (pd_checklist_lookup_item (checklist, "env.storage"),
                                                     NULL), ==, PD_CHECKLIST_AUTO_FAILED);
  g_assert_false (pd_checklist_item_is_done (pd_checklist_lookup_item (checklist, "env.storage")));
  pd_checklist_get_progress (checklist, &done_after, NULL);
  g_assert_cmpuint (done_after, ==, done_before + 1);
  missing = pd_checklist_missing_required (checklist);
  for (guint i = 0; i < missing->len; i++)
    g_assert_cmpstr (pd_checklist_item_get_id (missing->pdata[i]), !=, "env.network");

  summary = pd_checklist_build_summary (checklist, PD_CHECKLIST_DECISION_SEALED_ANYWAY);
  checks = json_object_get_array_member (summary, "environment_checks");
  g_assert_cmpuint (json_array_get_length (checks), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (checks, 0), "result"),
                   ==, "passed");

  g_assert_false (pd_checklist_set_auto_check (checklist, "nope", PD_CHECKLIST_AUTO_PASSED, NULL, &error));
  g_assert_error (error, PD_CHECKLIST_ERROR, PD_CHECKLIST_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpuint (pd_checklist_apply_environment (checklist, NULL), ==, 0);
  /* a message over the limit is cut to it, in characters */
  {
    g_autoptr (GString) huge = g_string_new (NULL);

    for (guint i = 0; i < PD_CHECKLIST_MAX_TEXT_LEN + 10; i++)
      g_string_append (huge, "存");
    g_assert_true (pd_checklist_set_auto_check (checklist, "env.storage", PD_CHECKLIST_AUTO_FAILED,
                                                huge->str, &error));
    g_assert_no_error (error);
    pd_checklist_item_get_auto_check (pd_checklist_lookup_item (checklist, "env.storage"), &message);
    g_assert_cmpint (g_utf8_strlen (message, -1), ==, PD_CHECKLIST_MAX_TEXT_LEN);
  }

  pd_checklist_reset (checklist);
  g_assert_cmpint (pd_checklist_item_get_auto_check (pd_checklist_lookup_item (checklist, "env.network"),
                                                     NULL), ==, PD_CHECKLIST_AUTO_NONE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* The shipped templates, not whatever the environment points at. */
  g_unsetenv ("PROOFDESK_CHECKLIST_DIR");

  g_test_add_func ("/core/checklist/shipped-templates-load", test_shipped);
  g_test_add_func ("/core/checklist/required-optional-counts", test_counts);
  g_test_add_func ("/core/checklist/progress", test_progress);
  g_test_add_func ("/core/checklist/missing-required-summary", test_missing_required);
  g_test_add_func ("/core/checklist/minimal", test_valid_minimal);
  g_test_add_func ("/core/checklist/list-skips-broken", test_list_skips_broken);
  g_test_add_func ("/core/checklist/hostile/not-json", test_hostile_not_json);
  g_test_add_func ("/core/checklist/hostile/wrong-types", test_hostile_wrong_types);
  g_test_add_func ("/core/checklist/hostile/duplicate-ids", test_hostile_duplicates);
  g_test_add_func ("/core/checklist/hostile/large", test_hostile_large);
  g_test_add_func ("/core/checklist/hostile/deep-nesting", test_hostile_deep);
  g_test_add_func ("/core/checklist/environment-checks", test_environment_checks);
  return g_test_run ();
}
