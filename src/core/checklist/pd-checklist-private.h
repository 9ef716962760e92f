/* pd-checklist-private.h — the checklist classes' fields, shared by pd-checklist.c (the objects
 * and their marks) and pd-checklist-template.c (the template reader that fills them). */
#pragma once

#include "checklist/pd-checklist.h"

G_BEGIN_DECLS

struct _PdChecklistItem
{
  GObject     parent_instance;

  char       *id;
  char       *title;
  char       *description;
  char       *section_id;
  gboolean    required;
  guint       number;
  GStrv       keywords;
  GHashTable *hints;        /* pattern key → pattern */

  /* Marks not undone, oldest first, with their notes (NULL or text). */
  GArray     *marks;
  GPtrArray  *notes;

  /* What the phone's environment report said about this item (environment section). */
  PdChecklistAutoCheck auto_check;
  char       *auto_message;
};

struct _PdChecklistSection
{
  GObject     parent_instance;

  char       *id;
  char       *title;
  gboolean    optional;
  GListStore *items;
};

typedef struct
{
  guint            id;
  PdChecklistItem *item;   /* borrowed from the sections */
  gboolean         undone;
} Mark;

struct _PdChecklist
{
  GObject     parent_instance;

  char       *id;
  char       *title;
  char       *description;
  GListStore *sections;
  GPtrArray  *items;       /* every PdChecklistItem in display order (owned refs) */
  GHashTable *items_by_id; /* id → borrowed item */
  GArray     *marks;       /* Mark, in the order they were made */
};

G_END_DECLS
