/* pd-capture-private.h — what the files of PdCapture share: the object, its checkpoints and
 * marks, and the functions they call across files. Only for src/core/capture/. */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "capture/pd-capture.h"

G_BEGIN_DECLS

typedef enum {
  STATE_IDLE,
  STATE_RECORDING,
  STATE_STOPPING,
  STATE_SEALING,
  STATE_DONE,
} CaptureState;

typedef struct
{
  guint   index;
  guint64 offset;
  char   *sha256;
  guint64 running_time;
  gint64  wall_time_us;
  PdTsaToken *token;       /* NULL until stamped, or if stamping failed */
  char       *stamp_error;
  gboolean    no_data_before; /* more than an interval (+ slack) since the one before: the
                               * source sent nothing in between (a still phone screen) */
} Checkpoint;


typedef struct
{
  guint   id;
  char   *item_id;
  char   *title;
  char   *note;
  guint64 running_time;
  gint64  wall_time_us;
  char   *still;           /* file name inside the package, or NULL */
  gint64  undone_us;       /* 0 = not undone */
} Mark;

struct _PdCapture
{
  GObject parent_instance;
  char   *recording_stamp_error; /* why the recording's token could not be had */

  /* Owned references */
  PdSourceSpec *source;
  char         *evidence_root;
  char         *case_name;
  char         *parties;       /* "张三 v. 李四", NULL when not given */
  char         *dispute_type;  /* "private lending", NULL when not given */
  char         *scenario;
  char         *operator_name;
  char         *session_id;
  GstElement   *pipeline;
  GstElement   *hasher;           /* borrowed from pipeline */
  PdPackage    *package;
  GArray       *checkpoints;      /* of Checkpoint */
  GTask        *stop_task;
  GError       *failure;
  GDateTime    *started;
  GDateTime    *stopped;
  char         *encoder_name;
  GHashTable   *encoder_settings; /* char* → char* */

  guint64       checkpoint_interval;
  PdEncoderChoice encoder_choice;
  PdQuality     quality;
  int           fps;
  int           width, height;
  int           crop_right, crop_bottom;
  guint         bus_watch;
  guint         eos_timeout;
  CaptureState  state;
  gint          frames;           /* atomic: encoded frames */
  guint64       final_size;
  char         *final_sha256;

  /* Timestamping */
  PdTsaClient  *tsa;
  GCancellable *stamp_cancellable;
  guint         pending_stamps;
  guint         pending_timeout;
  gboolean      waiting_for_stamps;
  PdTsaToken   *recording_token;
  PdTsaToken   *manifest_token;

  /* Catalog (optional): session states before and after each step */
  PdCatalog    *catalog;
  char         *manifest_sha256;

  /* Preview, marks and checklist */
  gboolean      preview_enabled;
  GstElement   *preview_sink;     /* borrowed from pipeline */
  GstSample    *last_preview;
  GMutex        preview_lock;
  GstSample    *pending_preview;  /* guarded by preview_lock: newest frame from the streaming thread */
  PdOcrWorker  *ocr;              /* guarded by preview_lock: reads preview frames (optional) */
  GArray       *marks;            /* of Mark */
  JsonObject   *checklist_summary;
  JsonArray    *ocr_suggestions;  /* what the operator decided about OCR suggestions */

  /* Journal and recovery */
  JsonObject   *source_json;      /* built at start, or read back from the journal */
  JsonObject   *encoder_json;
  int           journal_fd;
  int           lock_fd;          /* recovery: holds the journal's lock */
  gboolean      recovered;
  char         *recovery_reason;
  JsonObject   *recovery_json;
  GPtrArray    *warnings;         /* of char*: things the user must know about the seal */
};

enum {
  SIGNAL_CHECKPOINT,
  SIGNAL_CHECKPOINT_STAMPED,
  SIGNAL_FAILED,
  SIGNAL_ENVIRONMENT,
  N_SIGNALS
};
extern guint pd_capture_signals[N_SIGNALS];

/* pd-capture.c */
void        pd_capture_crash_point       (const char *name);
void        pd_capture_add_warning       (PdCapture *self, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* pd-capture-pipeline.c: source ! … ! proofhash ! filesink for the capture's source. */
GstElement *pd_capture_build_pipeline    (PdCapture *self, const char *location, GError **error);

/* pd-capture-stamping.c */
Checkpoint *pd_capture_find_checkpoint   (PdCapture *self, guint index);
void        pd_capture_stamp_checkpoint  (PdCapture *self, Checkpoint *cp);

/* pd-capture-journal.c */
JsonObject *pd_capture_journal_event     (const char *name);
/* Takes `event`, adds the time and appends it as one line (fdatasync'd). */
void        pd_capture_journal_append    (PdCapture *self, JsonObject *event);
gboolean    pd_capture_journal_open      (PdCapture *self, GError **error);
void        pd_capture_journal_close     (PdCapture *self);
/* A deep copy; an empty object for NULL. */
JsonObject *pd_capture_copy_object       (JsonObject *o);

/* pd-capture-manifest.c */
JsonObject *pd_capture_source_to_json    (PdCapture *self);
JsonObject *pd_capture_encoder_to_json   (PdCapture *self);
const char *pd_capture_manifest_state    (PdCapture *self);
void        pd_capture_fill_manifest     (PdCapture *self, const char *digest_source);

/* pd-capture-sealing.c */
void        pd_capture_catalog_state     (PdCapture *self, const char *state, const char *reason);
void        pd_capture_begin_seal        (PdCapture *self);
void        pd_capture_continue_seal     (PdCapture *self);
/* Takes `error`; ends the stop or recovery task. */
void        pd_capture_seal_complete     (PdCapture *self, GError *error);

G_END_DECLS
