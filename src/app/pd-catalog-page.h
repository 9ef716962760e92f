/* pd-catalog-page.h — the Catalog view: cases → sessions, search, and one session's details and actions. */
#pragma once

#include <adwaita.h>

#include "catalog/pd-catalog.h"
#include "verify/pd-verify.h"

G_BEGIN_DECLS

#define PD_TYPE_CATALOG_PAGE (pd_catalog_page_get_type ())
G_DECLARE_FINAL_TYPE (PdCatalogPage, pd_catalog_page, PD, CATALOG_PAGE, AdwBin)

PdCatalogPage    *pd_catalog_page_new              (void);

/* Re-reads the catalog (opening the default one on first use), keeping the selected case,
 * the search and the selected session when they still exist. Also done whenever the page is
 * mapped. FALSE when the catalog cannot be read (the page says why). */
gboolean          pd_catalog_page_reload           (PdCatalogPage *self);

/* Case names in the sidebar, sorted (borrowed, NULL-terminated). */
const char *const *pd_catalog_page_get_cases       (PdCatalogPage *self);
/* Shows only sessions of `case_name` (NULL = every case). FALSE when there is no such case. */
gboolean          pd_catalog_page_select_case      (PdCatalogPage *self,
                                                    const char    *case_name);
/* Sets the search text and applies it at once (the entry applies it after a short delay). */
void              pd_catalog_page_set_search_text  (PdCatalogPage *self,
                                                    const char    *text);

/* The sessions listed, newest first: a model of PdCatalogPageItem. */
GListModel       *pd_catalog_page_get_sessions     (PdCatalogPage *self);
/* Selects a listed session by UUID (or unique prefix). */
gboolean          pd_catalog_page_select_session   (PdCatalogPage *self,
                                                    const char    *uuid);
/* The session whose details are shown, or NULL. */
PdCatalogSession *pd_catalog_page_get_selected     (PdCatalogPage *self);

/* TRUE while Verify or Stamp Now runs. Notified as "busy". */
gboolean          pd_catalog_page_get_busy         (PdCatalogPage *self);
/* The verdict of the last Verify of the selected session, or -1 when there is none. */
int               pd_catalog_page_get_verdict      (PdCatalogPage *self);
/* What the last action said (the verdict sentence or the error), or NULL. */
const char       *pd_catalog_page_get_message      (PdCatalogPage *self);

/* One row of the session list: a catalogued session plus what the list shows of its manifest. */
#define PD_TYPE_CATALOG_PAGE_ITEM (pd_catalog_page_item_get_type ())
G_DECLARE_FINAL_TYPE (PdCatalogPageItem, pd_catalog_page_item, PD, CATALOG_PAGE_ITEM, GObject)

PdCatalogSession *pd_catalog_page_item_get_session (PdCatalogPageItem *self);

G_END_DECLS
