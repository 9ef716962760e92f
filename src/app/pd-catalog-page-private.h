/* pd-catalog-page-private.h — PdCatalogPage's struct and the functions shared by pd-catalog-page.c
 * (items, lists, loading, actions, object) and pd-catalog-page-details.c (details, OCR). Included
 * only by those two files. */
#pragma once

#include <adwaita.h>

#include "pd-catalog-page.h"
#include "ocr/pd-ocr.h"
#include "capture/pd-seal.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"

G_BEGIN_DECLS

struct _PdCatalogPage
{
  AdwBin parent_instance;

  /* Template widgets */
  AdwToastOverlay      *toasts;
  GtkStack             *stack;
  AdwStatusPage        *error_status;
  GtkListBox           *case_list;
  GtkSearchEntry       *search_entry;
  GtkStack             *list_stack;
  GtkColumnView        *session_view;
  GtkColumnViewColumn  *time_column;
  GtkColumnViewColumn  *scenario_column;
  GtkColumnViewColumn  *duration_column;
  GtkColumnViewColumn  *state_column;
  GtkColumnViewColumn  *checklist_column;
  GtkColumnViewColumn  *stamp_column;
  GtkStack             *details_stack;
  GtkScrolledWindow    *details_scroll;
  GtkLabel             *details_title;
  GtkLabel             *details_subtitle;
  GtkButton            *stamp_button;
  GtkListBox           *verdict_list;
  AdwActionRow         *verdict_row;
  GtkStack             *verdict_icon_stack;
  GtkSpinner           *verdict_spinner;
  GtkImage             *verdict_icon;
  AdwActionRow         *state_row;
  AdwActionRow         *duration_row;
  AdwActionRow         *digest_row;
  AdwActionRow         *stamp_row;
  AdwActionRow         *authority_row;
  GtkImage             *authority_icon;
  AdwPreferencesGroup  *marks_group;
  AdwPreferencesGroup  *files_group;

  /* Owned references */
  PdCatalog            *catalog;
  PdTrustStore         *trust;
  GListStore           *sessions;       /* PdCatalogPageItem, what the list shows */
  GtkSingleSelection   *selection;
  GStrv                 cases;
  char                 *case_filter;    /* NULL = every case */
  char                 *selected_uuid;  /* the session whose details are shown */
  char                 *action_uuid;    /* the session the running or last action was for */
  char                 *message;
  GPtrArray            *detail_rows;    /* rows added to marks_group and files_group */
  GCancellable         *cancellable;    /* the running action */
  /* "Find missing items (OCR)": a scan of the selected session's recording */
  AdwPreferencesGroup  *ocr_group;
  GtkWidget            *ocr_button;
  GtkSpinner           *ocr_spinner;
  GPtrArray            *ocr_rows;       /* result rows in ocr_group */
  char                 *ocr_uuid;       /* the session they are for */
  GCancellable         *ocr_cancellable;

  int                   verdict;        /* of action_uuid, -1 when none */
  gboolean              busy;
  gboolean              updating;       /* rebuilding lists: selection signals are ours */
};

/* pd-catalog-page.c */
const char *pd_catalog_page_describe_scenario (PdCatalogSession *session);
const char *pd_catalog_page_describe_state (const char *state);
char *pd_catalog_page_format_duration (double seconds);
char *pd_catalog_page_format_local_time (GDateTime *time);
PdTsaToken *pd_catalog_page_read_recording_token (PdCatalogSession *session);
void pd_catalog_page_toast (PdCatalogPage *self, const char *text);

/* pd-catalog-page-details.c */
void pd_catalog_page_clear_ocr (PdCatalogPage *self);
void pd_catalog_page_create_ocr_group (PdCatalogPage *self);
void pd_catalog_page_show_details (PdCatalogPage *self);
void pd_catalog_page_update_verdict_row (PdCatalogPage *self);

G_END_DECLS
