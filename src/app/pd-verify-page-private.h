/* pd-verify-page-private.h — PdVerifyPage's struct and the functions shared by pd-verify-page.c
 * (files, state, drag and drop, object) and pd-verify-page-results.c (result, worker). Included
 * only by those two files. */
#pragma once

#include <adwaita.h>

#include "report/pd-certificate.h"
#include "evidence/pd-package.h"
#include "pd-verify-page.h"
#include "verify/pd-verify-report.h"
#include "util/pd-util.h"

G_BEGIN_DECLS

/* A manifest larger than this is not a Proofdesk manifest; its lists are not shown. */

struct _PdVerifyPage
{
  AdwBin parent_instance;

  /* Template widgets */
  AdwToastOverlay     *toasts;
  GtkStack            *stack;
  GtkWidget           *drop_zone;
  GtkListBox          *waiting_list;
  AdwActionRow        *waiting_row;
  GtkImage            *waiting_icon;
  GtkLabel            *drop_error;
  AdwStatusPage       *progress_status;
  GtkProgressBar      *progress_bar;
  GtkLabel            *progress_label;
  GtkScrolledWindow   *result_scroll;
  GtkImage            *verdict_icon;
  GtkLabel            *verdict_title;
  GtkLabel            *verdict_summary;
  GtkLabel            *verdict_inputs;
  GtkListBox          *tamper_list;
  AdwActionRow        *tamper_row;
  GtkButton           *save_button;
  AdwPreferencesGroup *timestamp_group;
  AdwActionRow        *time_local_row;
  AdwActionRow        *time_utc_row;
  AdwActionRow        *tsa_row;
  AdwActionRow        *serial_row;
  AdwActionRow        *policy_row;
  AdwActionRow        *accuracy_row;
  AdwActionRow        *digest_row;
  AdwPreferencesGroup *spans_group;
  AdwPreferencesGroup *checks_group;
  AdwPreferencesGroup *files_group;
  AdwPreferencesGroup *checkpoints_group;
  AdwPreferencesGroup *marks_group;

  /* Owned references */
  GFile                *pending_data;   /* a dropped file waiting for its token */
  GFile                *pending_token;  /* a dropped token or certificate waiting for its file */
  GFile                *package_dir;    /* the package being verified or shown */
  char                 *inputs;         /* what is being verified, for people */
  GCancellable         *cancellable;    /* the running verification */
  PdVerifyResult       *result;
  char                 *headline;
  char                 *message;
  GPtrArray            *dynamic_rows;   /* rows added to the result's groups */
  GtkFileChooserNative *chooser;

  PdVerifyPageState     state;
  gboolean              message_is_error;
  guint                 pulse_id;
  gint64                started_usec;
  gint64                label_usec;
  guint64               file_size;      /* file + token: what the worker reads */
};

/* pd-verify-page.c */
char *pd_verify_page_file_display_name (GFile *file);
void pd_verify_page_forget_pending (PdVerifyPage *self);
char *pd_verify_page_format_duration (double seconds);
char *pd_verify_page_format_thousands (guint64 n);
void pd_verify_page_set_message (PdVerifyPage *self, gboolean is_error, const char *message);
void pd_verify_page_set_row_value (AdwActionRow *row, const char *value);
void pd_verify_page_set_state (PdVerifyPage *self, PdVerifyPageState state);
GtkWidget *pd_verify_page_status_icon (PdCheckStatus status, gboolean trust_only);
void pd_verify_page_stop_pulse (PdVerifyPage *self);

/* pd-verify-page-results.c */
void pd_verify_page_clear_result_rows (PdVerifyPage *self);
gboolean pd_verify_page_start_file (PdVerifyPage *self, GFile *data, GFile *token);
gboolean pd_verify_page_start_package (PdVerifyPage *self, GFile *dir);

G_END_DECLS
