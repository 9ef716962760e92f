/* pd-checklist.h — capture scenarios: checklist templates (the JSON files in data/checklists), their
 * sections and items, and which items were marked while recording. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The template schema this build reads. */
#define PD_CHECKLIST_SCHEMA 1

/* Limits on what a template may contain: a template is data from disk, so a hostile or broken
 * one must fail cleanly instead of exhausting memory or the stack. */
#define PD_CHECKLIST_MAX_FILE_SIZE  (256 * 1024)
#define PD_CHECKLIST_MAX_DEPTH      16
#define PD_CHECKLIST_MAX_SECTIONS   32
#define PD_CHECKLIST_MAX_ITEMS      64     /* per section */
#define PD_CHECKLIST_MAX_ID_LEN     64
#define PD_CHECKLIST_MAX_TEXT_LEN   2048   /* titles, descriptions, hint patterns (bytes) */
#define PD_CHECKLIST_MAX_KEYWORDS   64     /* per item */
#define PD_CHECKLIST_MAX_NOTE_LEN   200    /* a mark's note, in characters */

#define PD_CHECKLIST_ERROR (pd_checklist_error_quark ())
typedef enum {
  PD_CHECKLIST_ERROR_IO,         /* cannot read the file or list the folder */
  PD_CHECKLIST_ERROR_TOO_LARGE,  /* file, nesting or a list over the limits above */
  PD_CHECKLIST_ERROR_SYNTAX,     /* not JSON, or not UTF-8 */
  PD_CHECKLIST_ERROR_SCHEMA,     /* a schema version this build cannot read */
  PD_CHECKLIST_ERROR_INVALID,    /* a missing key, a wrong type, a bad id or pattern */
  PD_CHECKLIST_ERROR_DUPLICATE,  /* two sections or two items with the same id */
  PD_CHECKLIST_ERROR_NOT_FOUND,  /* no scenario, item or mark with that id */
} PdChecklistError;

GQuark pd_checklist_error_quark (void);

/* Decisions recorded in the summary when the recording stops. */
#define PD_CHECKLIST_DECISION_COMPLETE      "complete"       /* every required item marked */
#define PD_CHECKLIST_DECISION_SEALED_ANYWAY "sealed-anyway"  /* operator sealed with items missing */
#define PD_CHECKLIST_DECISION_CLOSED        "closed-while-recording" /* window closed or app asked to quit */
#define PD_CHECKLIST_DECISION_UNATTENDED    "unattended"     /* recorded without an operator (proofctl) */

/* What became of an item by the end of a recording (the summary's "items" → "state"). */
typedef enum {
  PD_CHECKLIST_ITEM_MARKED,     /* "marked": shown and marked (a mark not undone) */
  PD_CHECKLIST_ITEM_PASSED,     /* "passed": the phone's environment report checked it */
  PD_CHECKLIST_ITEM_UNDONE,     /* "undone": marked, and every mark undone */
  PD_CHECKLIST_ITEM_FAILED,     /* "failed": the environment report failed it, not marked */
  PD_CHECKLIST_ITEM_NOT_SHOWN,  /* "not-shown": never marked */
} PdChecklistItemState;

const char          *pd_checklist_item_state_to_string   (PdChecklistItemState state);
/* Unknown names (a hostile manifest) read as PD_CHECKLIST_ITEM_NOT_SHOWN. */
PdChecklistItemState pd_checklist_item_state_from_string (const char *name);

/* ---- Items ---- */

/* The environment report's verdict on an item (e.g. env.network): passed ticks it without a
 * mark, failed flags it (the operator must show the setting on screen and mark it). */
typedef enum {
  PD_CHECKLIST_AUTO_NONE,
  PD_CHECKLIST_AUTO_PASSED,
  PD_CHECKLIST_AUTO_FAILED,
  PD_CHECKLIST_AUTO_UNKNOWN,
} PdChecklistAutoCheck;

#define PD_TYPE_CHECKLIST_ITEM (pd_checklist_item_get_type ())
G_DECLARE_FINAL_TYPE (PdChecklistItem, pd_checklist_item, PD, CHECKLIST_ITEM, GObject)

const char         *pd_checklist_item_get_id          (PdChecklistItem *self);
/* English text as in the template; translate with g_dgettext (GETTEXT_PACKAGE, …) for display,
 * or use the _display_ variants. */
const char         *pd_checklist_item_get_title       (PdChecklistItem *self);
const char         *pd_checklist_item_get_description (PdChecklistItem *self);
const char         *pd_checklist_item_get_display_title       (PdChecklistItem *self);
const char         *pd_checklist_item_get_display_description (PdChecklistItem *self);
gboolean            pd_checklist_item_get_required    (PdChecklistItem *self);
const char         *pd_checklist_item_get_section_id  (PdChecklistItem *self);
/* Position in the whole checklist, from 1 (the number keys mark items 1–9). */
guint               pd_checklist_item_get_number      (PdChecklistItem *self);
/* Hint keywords (NULL-terminated, maybe empty) and patterns ("amount_pattern", …; NULL if
 * the template has none). */
const char * const *pd_checklist_item_get_keywords    (PdChecklistItem *self);
const char         *pd_checklist_item_get_hint        (PdChecklistItem *self, const char *key);
/* State while recording: marks not undone, the newest of them (0 when none) and its note. */
guint               pd_checklist_item_get_n_marks     (PdChecklistItem *self);
guint               pd_checklist_item_get_last_mark   (PdChecklistItem *self);
const char         *pd_checklist_item_get_last_note   (PdChecklistItem *self);
gboolean            pd_checklist_item_is_marked       (PdChecklistItem *self);
/* What the phone's environment report said about an item of the environment section (see
 * pd_checklist_apply_environment); `message` (may be NULL) gets its explanation or NULL. */
PdChecklistAutoCheck pd_checklist_item_get_auto_check (PdChecklistItem *self, const char **message);
/* Marked at least once, or passed by the environment report: what progress counts. */
gboolean            pd_checklist_item_is_done         (PdChecklistItem *self);

/* ---- Sections ---- */

#define PD_TYPE_CHECKLIST_SECTION (pd_checklist_section_get_type ())
G_DECLARE_FINAL_TYPE (PdChecklistSection, pd_checklist_section, PD, CHECKLIST_SECTION, GObject)

const char *pd_checklist_section_get_id            (PdChecklistSection *self);
const char *pd_checklist_section_get_title         (PdChecklistSection *self);
const char *pd_checklist_section_get_display_title (PdChecklistSection *self);
gboolean    pd_checklist_section_get_optional      (PdChecklistSection *self);
/* PdChecklistItem, in display order. */
GListModel *pd_checklist_section_get_items         (PdChecklistSection *self);

/* ---- Checklists ---- */

#define PD_TYPE_CHECKLIST (pd_checklist_get_type ())
G_DECLARE_FINAL_TYPE (PdChecklist, pd_checklist, PD, CHECKLIST, GObject)

/* The folder templates are read from: $PROOFDESK_CHECKLIST_DIR, else the source tree's
 * data/checklists when it exists (an uninstalled run), else PKGDATADIR/checklists. */
char        *pd_checklist_get_template_dir  (void);
/* Parses and validates a template. `expected_id` (may be NULL) must equal the template's id:
 * the file name without ".json". `name` is used in error messages only. */
PdChecklist *pd_checklist_new_from_data     (const char *data, gsize length, const char *expected_id,
                                             const char *name, GError **error);
PdChecklist *pd_checklist_new_from_file     (const char *path, GError **error);
/* The template `scenario_id` from `dir` (NULL = pd_checklist_get_template_dir()). */
PdChecklist *pd_checklist_load              (const char *dir, const char *scenario_id, GError **error);
/* Every valid template in `dir` (NULL = the template dir), as PdChecklist sorted by id. Broken
 * templates are skipped and logged; an unreadable folder is an error. */
GPtrArray   *pd_checklist_list_scenarios    (const char *dir, GError **error);

const char  *pd_checklist_get_id            (PdChecklist *self);
const char  *pd_checklist_get_title         (PdChecklist *self);
const char  *pd_checklist_get_description   (PdChecklist *self);
const char  *pd_checklist_get_display_title (PdChecklist *self);
const char  *pd_checklist_get_display_description (PdChecklist *self);
/* PdChecklistSection, in display order. */
GListModel  *pd_checklist_get_sections      (PdChecklist *self);
guint        pd_checklist_get_n_items       (PdChecklist *self);
/* Items by position (from 0) and by id; NULL when there is none. */
PdChecklistItem *pd_checklist_get_item      (PdChecklist *self, guint position);
PdChecklistItem *pd_checklist_lookup_item   (PdChecklist *self, const char *item_id);

/* Records that `item_id` was marked as capture mark `mark_id` (pd_capture_add_mark's id, > 0,
 * unique), with an optional note. Emits ::changed. */
gboolean     pd_checklist_mark              (PdChecklist *self, const char *item_id, guint mark_id,
                                             const char *note, GError **error);
/* Records that mark `mark_id` was undone. Returns the item it belonged to, or NULL (no such mark,
 * or already undone) and an error. Emits ::changed. */
PdChecklistItem *pd_checklist_unmark        (PdChecklist *self, guint mark_id, GError **error);
/* The newest mark not undone yet, 0 when none: what Ctrl+Z undoes. */
guint        pd_checklist_get_last_mark     (PdChecklist *self);
/* Forgets every mark, for a new recording. Emits ::changed. */
void         pd_checklist_reset             (PdChecklist *self);

/* Records the environment report's verdict on `item_id`, with a message. Emits ::changed. */
gboolean     pd_checklist_set_auto_check    (PdChecklist *self, const char *item_id,
                                             PdChecklistAutoCheck check, const char *message,
                                             GError **error);
/* Applies a phone environment report's "checks" ([{ id, result: passed|failed|unknown,
 * message }], see pd_env_report_collect) to the items with those ids. Returns how many. */
guint        pd_checklist_apply_environment (PdChecklist *self, JsonObject *report);

/* Required items done (marked, or passed by the environment report), and required items. */
void         pd_checklist_get_progress      (PdChecklist *self, guint *n_required_marked,
                                             guint *n_required);
/* Required items with no mark, in display order; a new array of borrowed PdChecklistItem. */
GPtrArray   *pd_checklist_missing_required  (PdChecklist *self);
/* The state of `item` (an item of `self`) now. */
PdChecklistItemState pd_checklist_item_get_state (PdChecklist *self, PdChecklistItem *item);
/* The display title (in the locale's language) of the scenario `scenario_id` from the template
 * folder, or NULL when no template has that id. Templates are read once per process. */
const char  *pd_checklist_lookup_scenario_title (const char *scenario_id);
/* What pd_capture_set_checklist_summary() writes into the manifest as "checklist":
 * { scenario, schema, decision, required, required_marked, missing_required[ids],
 *   marked[{ item, marks[ids] }], undone[ids],
 *   environment_checks[{ item, result: passed|failed|unknown, message }],
 *   title, display_title, items[{ id, title, display_title, required, state }] }. `decision` is one of PD_CHECKLIST_DECISION_*. */
JsonObject  *pd_checklist_build_summary     (PdChecklist *self, const char *decision);

G_END_DECLS
