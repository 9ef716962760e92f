/* pd-ocr.c — text recognition on frames (Tesseract's C API) and the live worker that reads the
 * preview while recording and turns what it reads into checklist suggestions; see pd-ocr.h. */
#define G_LOG_DOMAIN "pd-ocr"

#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <gst/video/video.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#if HAVE_TESSERACT
#include <tesseract/capi.h>
#endif

#include "ocr/pd-ocr.h"

G_DEFINE_QUARK (pd-ocr-error-quark, pd_ocr_error)

/* ---------------------------------------------------------------- tuning
 *
 * Measured with bench/ocr on rendered 1080×2400 phone frames (a WeChat chat, a real-name page,
 * a page of poems; chat text 46 px, small print 30–36 px), chi_sim+eng: CPU ms per frame and how
 * many of 18 known strings were read exactly (bench/README.md):
 *   1080 px (as is): 297 ms, 14/18;  810 px (×0.75): 277 ms, 15/18;  540 px (×0.5): 227 ms,
 *   15/18, but a whole chat bubble (能借我五万块钱吗) and the digits of a masked ID are lost.
 * Tesseract's cost follows the amount of text more than the pixels, so scaling buys little;
 * 810 px keeps 46-px chat text at 35 px, where chi_sim still reads every line that matters.
 * PROOFDESK_OCR_MAX_WIDTH overrides it for measurements. */
#define PD_OCR_MAX_WIDTH 810
#define PD_OCR_MAX_SIDE  16384

/* SPARSE_TEXT keeps the scattered lines of a phone screen apart: AUTO merged the status bar's
 * clock and battery into one line, lost the chat's title and, at full width, read "¥50,000.00"
 * together with the avatar beside it ("Y50,000.00 a"). Speed about the same (AUTO at 810 px:
 * 334 ms, 16/18). PROOFDESK_OCR_PSM=auto overrides it for measurements. */
#define PD_OCR_PSM PSM_SPARSE_TEXT

/* The live worker's thumbnail: 32 × 48 cells of the frame's mean luma. A frame whose cells all
 * differ from the last read frame's by less than THUMB_THRESHOLD levels is "unchanged"
 * (compression noise moves a cell's mean by a level or so). A scroll or a new message changes
 * many cells by far more; even a blinking text cursor counts as a change, which costs at most
 * one read per min_interval. */
#define THUMB_COLS 32
#define THUMB_ROWS 48
#define THUMB_THRESHOLD 4

#define DEFAULT_MIN_INTERVAL (G_GUINT64_CONSTANT (1500) * 1000 * 1000)  /* 1.5 s, in ns */

/* ---------------------------------------------------------------- availability */

#if HAVE_TESSERACT
static gboolean
language_name_ok (const char *name)
{
  if (*name == '\0' || strlen (name) > 64)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

/* The tessdata folder holding every language of `languages` ("chi_sim+eng"): TESSDATA_PREFIX
 * when set (Tesseract's own rule: the folder of the .traineddata files), else the places
 * distributions install it. */
static char *
find_tessdata (const char *languages, GError **error)
{
  static const char *const system_dirs[] = {
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/app/share/tessdata",
  };
  const char *prefix = g_getenv ("TESSDATA_PREFIX");
  g_auto (GStrv) langs = g_strsplit (languages, "+", -1);
  g_autofree char *missing = NULL;
  guint n_dirs = prefix != NULL && *prefix != '\0' ? 1 : G_N_ELEMENTS (system_dirs);

  for (guint i = 0; langs[i] != NULL; i++)
    if (!language_name_ok (langs[i]))
      {
        g_set_error (error, PD_OCR_ERROR, PD_OCR_ERROR_UNAVAILABLE,
                     _("“%s” is not a Tesseract language name."), langs[i]);
        return NULL;
      }
  for (guint d = 0; d < n_dirs; d++)
    {
      const char *dir = n_dirs == 1 && prefix != NULL && *prefix != '\0' ? prefix : system_dirs[d];
      const char *absent = NULL;

      for (guint i = 0; absent == NULL && langs[i] != NULL; i++)
        {
          g_autofree char *file = g_strconcat (langs[i], ".traineddata", NULL);
          g_autofree char *path = g_build_filename (dir, file, NULL);

          if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
            absent = langs[i];
        }
      if (absent == NULL)
        return g_strdup (dir);
      if (missing == NULL)
        missing = g_strconcat (absent, ".traineddata", NULL);
    }
  if (n_dirs == 1)
    g_set_error (error, PD_OCR_ERROR, PD_OCR_ERROR_UNAVAILABLE,
                 _("Text recognition needs the Tesseract language data “%s”, which is not in “%s” (TESSDATA_PREFIX)."),
                 missing, prefix);
  else
    g_set_error (error, PD_OCR_ERROR, PD_OCR_ERROR_UNAVAILABLE,
                 _("Text recognition needs the Tesseract language data “%s”, which is not installed (on Debian: the packages tesseract-ocr-chi-sim and tesseract-ocr-eng)."),
                 missing);
  return NULL;
}
#endif

gboolean
pd_ocr_is_available (GError **error)
{
#if HAVE_TESSERACT
  g_autofree char *dir = find_tessdata ("chi_sim+eng", error);

  return dir != NULL;
#else
  g_set_error (error, PD_OCR_ERROR, PD_OCR_ERROR_UNAVAILABLE,
               _("This build of Proofdesk has no text recognition: it was built without Tesseract."));
  return FALSE;
#endif
}

/* ---------------------------------------------------------------- engine */

struct _PdOcrEngine
{
#if HAVE_TESSERACT
  TessBaseAPI *api;
#endif
  int          max_width;
  guint8      *grey;
  gsize        grey_size;
};

#if HAVE_TESSERACT
typedef void (*OmpSetInt) (int);

/* Debian's libtesseract is built with OpenMP: its LSTM spreads a line over four threads that
 * spin while they wait, which would take every core from the encoder (measured: 4 threads and
 * ~1100 ms CPU per phone frame without this, 1 thread and ~290 ms with it, and no slower). OMP_THREAD_LIMIT is read when libgomp loads,
 * before main(), so setting it here is too late; libgomp's own calls are not. They are looked
 * up at run time so a Tesseract built without OpenMP needs nothing. Called in the thread that
 * runs Tesseract: omp_set_num_threads is per thread, max-active-levels 0 makes every parallel
 * region (even one asking for num_threads(N)) run in the calling thread alone. */
static void
limit_openmp (void)
{
  OmpSetInt set_levels = (OmpSetInt) dlsym (RTLD_DEFAULT, "omp_set_max_active_levels");
  OmpSetInt set_threads = (OmpSetInt) dlsym (RTLD_DEFAULT, "omp_set_num_threads");

  if (set_levels != NULL)
    set_levels (0);
  if (set_threads != NULL)
    set_threads (1);
}
#endif

PdOcrEngine *
pd_ocr_engine_new (const char *languages, GError **error)
{
#if HAVE_TESSERACT
  g_autofree char *dir = NULL;
  char *names[] = { (char *) "debug_file" };
  char *values[] = { (char *) "/dev/null" };
  PdOcrEngine *engine;

  if (languages == NULL)
    languages = "chi_sim+eng";
  if (!(dir = find_tessdata (languages, error)))
    return NULL;
  limit_openmp ();
  engine = g_new0 (PdOcrEngine, 1);
  engine->api = TessBaseAPICreate ();
  /* debug_file: Tesseract's warnings ("Invalid resolution", "Empty page") go nowhere instead of
   * stderr; errors are reported through the return values. */
  if (TessBaseAPIInit4 (engine->api, dir, languages, OEM_LSTM_ONLY, NULL, 0, names, values,
                        G_N_ELEMENTS (names), FALSE) != 0)
    {
      g_set_error (error, PD_OCR_ERROR, PD_OCR_ERROR_UNAVAILABLE,
                   _("Tesseract could not load the language data “%s” from “%s”."), languages, dir);
      pd_ocr_engine_free (engine);
      return NULL;
    }
  {
    const char *width = g_getenv ("PROOFDESK_OCR_MAX_WIDTH");
    const char *psm = g_getenv ("PROOFDESK_OCR_PSM");

    engine->max_width = width ? CLAMP ((int) g_ascii_strtoll (width, NULL, 10), 320, PD_OCR_MAX_SIDE)
                              : PD_OCR_MAX_WIDTH;
    TessBaseAPISetPageSegMode (engine->api, psm && g_str_equal (psm, "auto") ? PSM_AUTO : PD_OCR_PSM);
  }
  return engine;
#else
  g_set_error (error, PD_OCR_ERROR, PD_OCR_ERROR_UNAVAILABLE,
               _("This build of Proofdesk has no text recognition: it was built without Tesseract."));
  return NULL;
#endif
}

void
pd_ocr_engine_free (PdOcrEngine *engine)
{
  if (engine == NULL)
    return;
#if HAVE_TESSERACT
  if (engine->api != NULL)
    {
      TessBaseAPIEnd (engine->api);
      TessBaseAPIDelete (engine->api);
    }
#endif
  g_free (engine->grey);
  g_free (engine);
}

#if HAVE_TESSERACT
/* 8-bit luma (BT.601 weights) of a BGRx frame, box-filtered down to gw × gh. */
static void
to_grey (const guint8 *pixels, int width, int height, int stride, guint8 *out, int gw, int gh)
{
  if (gw == width && gh == height)
    {
      for (int y = 0; y < height; y++)
        {
          const guint8 *row = pixels + (gsize) y * stride;
          guint8 *o = out + (gsize) y * gw;

          for (int x = 0; x < width; x++, row += 4)
            o[x] = (guint8) ((row[0] * 29 + row[1] * 150 + row[2] * 77) >> 8);
        }
      return;
    }
  for (int gy = 0; gy < gh; gy++)
    {
      int y0 = (int) ((gint64) gy * height / gh);
      int y1 = MAX ((int) ((gint64) (gy + 1) * height / gh), y0 + 1);

      for (int gx = 0; gx < gw; gx++)
        {
          int x0 = (int) ((gint64) gx * width / gw);
          int x1 = MAX ((int) ((gint64) (gx + 1) * width / gw), x0 + 1);
          guint32 sum = 0, n = 0;

          for (int y = y0; y < y1; y++)
            {
              const guint8 *p = pixels + (gsize) y * stride + (gsize) x0 * 4;

              for (int x = x0; x < x1; x++, p += 4, n++)
                sum += p[0] * 29 + p[1] * 150 + p[2] * 77;
            }
          out[(gsize) gy * gw + gx] = (guint8) ((sum / n) >> 8);
        }
    }
}
#endif

#if HAVE_TESSERACT
/* Every non-empty text line of a recognised page, its box scaled by `back` from the grey image
 * to the frame's pixels (and kept inside the frame). */
static void
collect_lines (TessResultIterator *it, double back, int width, int height, GPtrArray *lines)
{
  TessPageIterator *pit = TessResultIteratorGetPageIterator (it);

  do
    {
      char *raw = TessResultIteratorGetUTF8Text (it, RIL_TEXTLINE);
      int l, t, r, b;

      if (raw != NULL && TessPageIteratorBoundingBox (pit, RIL_TEXTLINE, &l, &t, &r, &b))
        {
          g_autofree char *text = g_utf8_make_valid (raw, -1);

          g_strstrip (text);
          if (*text != '\0')
            {
              int x = (int) (l * back), y = (int) (t * back);
              int x2 = MIN ((int) (r * back + 0.5), width);
              int y2 = MIN ((int) (b * back + 0.5), height);
              double conf = TessResultIteratorConfidence (it, RIL_TEXTLINE) / 100.0;

              g_ptr_array_add (lines, pd_ocr_line_new (text, x, y, MAX (x2 - x, 1),
                                                       MAX (y2 - y, 1), CLAMP (conf, 0.0, 1.0)));
            }
        }
      if (raw != NULL)
        TessDeleteText (raw);
    }
  while (TessResultIteratorNext (it, RIL_TEXTLINE));
}
#endif

GPtrArray *
pd_ocr_engine_recognize (PdOcrEngine *engine, const guint8 *pixels, int width, int height,
                         int stride, GError **error)
{
  g_return_val_if_fail (engine != NULL, NULL);

  if (pixels == NULL || width < 8 || height < 8 || width > PD_OCR_MAX_SIDE ||
      height > PD_OCR_MAX_SIDE || stride < width * 4)
    {
      g_set_error (error, PD_OCR_ERROR, PD_OCR_ERROR_FORMAT,
                   _("A frame of %d × %d pixels (row stride %d) cannot be read as text."),
                   width, height, stride);
      return NULL;
    }
#if HAVE_TESSERACT
  {
    GPtrArray *lines = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_ocr_line_free);
    int gw = MIN (width, engine->max_width);
    int gh = (int) ((gint64) height * gw / width);
    double back = (double) width / gw;  /* grey pixels → frame pixels */
    TessResultIterator *it;

    gh = MAX (gh, 1);
    if (engine->grey_size < (gsize) gw * gh)
      {
        g_free (engine->grey);
        engine->grey_size = (gsize) gw * gh;
        engine->grey = g_malloc (engine->grey_size);
      }
    to_grey (pixels, width, height, stride, engine->grey, gw, gh);
    TessBaseAPISetImage (engine->api, engine->grey, gw, gh, 1, gw);
    /* A phone's chat text (40–50 px) is what 11–12 pt print is at 300 dpi. */
    TessBaseAPISetSourceResolution (engine->api, MAX (70, (int) (300.0 * gw / width + 0.5)));
    if (TessBaseAPIRecognize (engine->api, NULL) != 0)
      {
        TessBaseAPIClear (engine->api);
        g_ptr_array_unref (lines);
        g_set_error (error, PD_OCR_ERROR, PD_OCR_ERROR_FAILED,
                     _("Tesseract could not read a frame of %d × %d pixels."), width, height);
        return NULL;
      }
    it = TessBaseAPIGetIterator (engine->api);
    if (it != NULL)
      {
        collect_lines (it, back, width, height, lines);
        TessResultIteratorDelete (it);
      }
    TessBaseAPIClear (engine->api);
    return lines;
  }
#else
  g_set_error (error, PD_OCR_ERROR, PD_OCR_ERROR_UNAVAILABLE,
               _("This build of Proofdesk has no text recognition: it was built without Tesseract."));
  return NULL;
#endif
}

/* Maps a BGRA/BGRx sample for reading; FALSE and an error for anything else. */
static gboolean
map_sample (GstSample *sample, GstVideoInfo *info, GstVideoFrame *frame, GError **error)
{
  GstBuffer *buf = sample ? gst_sample_get_buffer (sample) : NULL;
  GstCaps *caps = sample ? gst_sample_get_caps (sample) : NULL;

  if (buf == NULL || caps == NULL || !gst_video_info_from_caps (info, caps) ||
      (GST_VIDEO_INFO_FORMAT (info) != GST_VIDEO_FORMAT_BGRA &&
       GST_VIDEO_INFO_FORMAT (info) != GST_VIDEO_FORMAT_BGRx))
    {
      g_set_error (error, PD_OCR_ERROR, PD_OCR_ERROR_FORMAT,
                   _("The frame is not a BGRA or BGRx video frame, so it cannot be read as text."));
      return FALSE;
    }
  if (!gst_video_frame_map (frame, info, buf, GST_MAP_READ))
    {
      g_set_error (error, PD_OCR_ERROR, PD_OCR_ERROR_FORMAT,
                   _("The frame's pixels could not be read: its buffer is smaller than its size says."));
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
pd_ocr_engine_recognize_sample (PdOcrEngine *engine, GstSample *sample, GError **error)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GPtrArray *lines;

  g_return_val_if_fail (engine != NULL, NULL);

  if (!map_sample (sample, &info, &frame, error))
    return NULL;
  lines = pd_ocr_engine_recognize (engine, GST_VIDEO_FRAME_PLANE_DATA (&frame, 0),
                                   GST_VIDEO_FRAME_WIDTH (&frame), GST_VIDEO_FRAME_HEIGHT (&frame),
                                   GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0), error);
  gst_video_frame_unmap (&frame);
  return lines;
}

/* ---------------------------------------------------------------- live worker */

struct _PdOcrWorker
{
  GObject parent_instance;

  /* Owned references, used on the creator's context only */
  PdChecklist  *checklist;
  GMainContext *context;
  GHashTable   *seen;          /* "item\nvalue" already suggested */

  GThread      *thread;

  /* Guarded by lock */
  GMutex        lock;
  GCond         cond;
  GstSample    *slot;          /* the newest frame not read yet */
  guint64       slot_time;
  gboolean      stopping;
  guint64       min_interval;  /* ns */
  guint64       extra_delay;   /* ns */
  guint64       offered, read, unchanged, dropped;

  /* Worker thread only */
  guint8        thumb[THUMB_COLS * THUMB_ROWS];
  gboolean      have_thumb;
};

enum {
  SIGNAL_SUGGESTION,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PdOcrWorker, pd_ocr_worker, G_TYPE_OBJECT)

static void
pd_ocr_worker_dispose (GObject *object)
{
  PdOcrWorker *self = PD_OCR_WORKER (object);

  pd_ocr_worker_stop (self);
  g_clear_object (&self->checklist);
  G_OBJECT_CLASS (pd_ocr_worker_parent_class)->dispose (object);
}

static void
pd_ocr_worker_finalize (GObject *object)
{
  PdOcrWorker *self = PD_OCR_WORKER (object);

  g_clear_pointer (&self->slot, gst_sample_unref);
  g_clear_pointer (&self->seen, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (pd_ocr_worker_parent_class)->finalize (object);
}

static void
pd_ocr_worker_class_init (PdOcrWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pd_ocr_worker_dispose;
  object_class->finalize = pd_ocr_worker_finalize;

  /**
   * PdOcrWorker::suggestion:
   * @suggestion: a PdOcrSuggestion (copy it to keep it)
   *
   * Emitted on the creator's main context, at most once per item and value.
   */
  signals[SIGNAL_SUGGESTION] =
    g_signal_new ("suggestion", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, PD_TYPE_OCR_SUGGESTION);
}

static void
pd_ocr_worker_init (PdOcrWorker *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->min_interval = DEFAULT_MIN_INTERVAL;
  self->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* The lowest CPU priority Linux has for this thread alone: SCHED_IDLE runs it only when a core
 * has nothing else to do, nice 19 covers kernels or sandboxes that refuse SCHED_IDLE. Threads
 * it starts (Tesseract's OpenMP team, if any) inherit both. */
static void
lower_priority (void)
{
#ifdef __linux__
  struct sched_param param = { 0 };

  if (setpriority (PRIO_PROCESS, (id_t) gettid (), 19) != 0)
    g_debug ("setpriority: %s", g_strerror (errno));
#ifdef SCHED_IDLE
  if (sched_setscheduler (0, SCHED_IDLE, &param) != 0)
    g_debug ("SCHED_IDLE: %s", g_strerror (errno));
#endif
#endif
}

/* Mean luma per cell, sampling every other pixel of every other row. */
static gboolean
make_thumb (GstSample *sample, guint8 *thumb)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  const guint8 *data;
  int width, height, stride;

  if (!map_sample (sample, &info, &frame, NULL))
    return FALSE;
  data = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
  width = GST_VIDEO_FRAME_WIDTH (&frame);
  height = GST_VIDEO_FRAME_HEIGHT (&frame);
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
  for (int cy = 0; cy < THUMB_ROWS; cy++)
    for (int cx = 0; cx < THUMB_COLS; cx++)
      {
        int x0 = cx * width / THUMB_COLS, x1 = MAX ((cx + 1) * width / THUMB_COLS, x0 + 1);
        int y0 = cy * height / THUMB_ROWS, y1 = MAX ((cy + 1) * height / THUMB_ROWS, y0 + 1);
        guint64 sum = 0, n = 0;

        for (int y = y0; y < y1; y += 2)
          {
            const guint8 *p = data + (gsize) y * stride + (gsize) x0 * 4;

            for (int x = x0; x < x1; x += 2, p += 8, n++)
              sum += p[0] * 29 + p[1] * 150 + p[2] * 77;
          }
        thumb[cy * THUMB_COLS + cx] = n ? (guint8) ((sum / n) >> 8) : 0;
      }
  gst_video_frame_unmap (&frame);
  return TRUE;
}

static gboolean
thumb_differs (const guint8 *a, const guint8 *b)
{
  for (guint i = 0; i < THUMB_COLS * THUMB_ROWS; i++)
    if (ABS ((int) a[i] - (int) b[i]) >= THUMB_THRESHOLD)
      return TRUE;
  return FALSE;
}

typedef struct
{
  GWeakRef   worker;
  GPtrArray *lines;        /* PdOcrLine */
  GstSample *sample;
  guint64    stream_time;
} Delivery;

static void
delivery_free (gpointer data)
{
  Delivery *d = data;

  g_weak_ref_clear (&d->worker);
  g_ptr_array_unref (d->lines);
  gst_sample_unref (d->sample);
  g_free (d);
}

/* A copy of the frame in memory of its own, so a suggestion kept on screen for minutes does
 * not hold a buffer of the pipeline's pool. */
static GstSample *
copy_sample (GstSample *sample)
{
  GstBuffer *buf = gst_sample_get_buffer (sample);
  g_autoptr (GstBuffer) copy = NULL;

  if (buf == NULL)
    return NULL;
  copy = gst_buffer_copy_deep (buf);
  return gst_sample_new (copy, gst_sample_get_caps (sample), gst_sample_get_segment (sample), NULL);
}

/* On the creator's context: detection (which reads the checklist the UI marks), deduplication,
 * and the signal. */
static gboolean
deliver (gpointer data)
{
  Delivery *d = data;
  g_autoptr (PdOcrWorker) self = g_weak_ref_get (&d->worker);
  g_autoptr (GPtrArray) suggestions = NULL;
  g_autoptr (GstSample) frame = NULL;
  gboolean stopping;

  if (self == NULL)
    return G_SOURCE_REMOVE;
  g_mutex_lock (&self->lock);
  stopping = self->stopping;
  g_mutex_unlock (&self->lock);
  if (stopping || self->checklist == NULL)
    return G_SOURCE_REMOVE;

  suggestions = pd_ocr_detect (self->checklist, d->lines, d->stream_time, NULL);
  for (guint i = 0; suggestions != NULL && i < suggestions->len; i++)
    {
      PdOcrSuggestion *s = g_ptr_array_index (suggestions, i);
      g_autofree char *key = g_strconcat (s->item_id, "\n", s->value ? s->value : s->text, NULL);

      if (g_hash_table_contains (self->seen, key))
        continue;
      g_hash_table_add (self->seen, g_steal_pointer (&key));
      if (frame == NULL)
        frame = copy_sample (d->sample);
      if (s->frame == NULL && frame != NULL)
        s->frame = gst_sample_ref (frame);
      g_signal_emit (self, signals[SIGNAL_SUGGESTION], 0, s);
    }
  return G_SOURCE_REMOVE;
}

static void
post_lines (PdOcrWorker *self, GPtrArray *lines, GstSample *sample, guint64 stream_time)
{
  Delivery *d = g_new0 (Delivery, 1);
  g_autoptr (GSource) source = g_idle_source_new ();

  g_weak_ref_init (&d->worker, self);
  d->lines = lines;
  d->sample = gst_sample_ref (sample);
  d->stream_time = stream_time;
  /* Always an idle source, never g_main_context_invoke: that could run detection in this
   * thread when the creator's context is not running. */
  g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (source, deliver, d, delivery_free);
  g_source_set_static_name (source, "[proofdesk] OCR suggestions");
  g_source_attach (source, self->context);
}

static gpointer
worker_thread (gpointer data)
{
  PdOcrWorker *self = data;
  g_autoptr (PdOcrEngine) engine = NULL;
  g_autoptr (GError) error = NULL;

  lower_priority ();
  /* Loaded here, not in pd_ocr_worker_new(): reading chi_sim takes a few hundred ms that the
   * UI should not wait for. */
  engine = pd_ocr_engine_new (NULL, &error);
  if (engine == NULL)
    g_warning ("Text recognition is off for this recording: %s", error->message);

  g_mutex_lock (&self->lock);
  while (!self->stopping)
    {
      g_autoptr (GstSample) sample = NULL;
      g_autoptr (GPtrArray) lines = NULL;
      guint8 thumb[THUMB_COLS * THUMB_ROWS];
      gboolean have_thumb;
      guint64 stream_time, extra;
      gint64 now, until;

      if (self->slot == NULL || engine == NULL)
        {
          g_cond_wait (&self->cond, &self->lock);
          continue;
        }
      sample = g_steal_pointer (&self->slot);
      stream_time = self->slot_time;
      now = g_get_monotonic_time ();
      g_mutex_unlock (&self->lock);

      have_thumb = make_thumb (sample, thumb);
      if (have_thumb && self->have_thumb && !thumb_differs (thumb, self->thumb))
        {
          g_mutex_lock (&self->lock);
          self->unchanged++;
        }
      else
        {
          g_clear_error (&error);
          lines = pd_ocr_engine_recognize_sample (engine, sample, &error);
          if (lines == NULL)
            g_debug ("frame at %" G_GUINT64_FORMAT " ns not read: %s", stream_time, error->message);
          if (have_thumb)
            memcpy (self->thumb, thumb, sizeof thumb);
          self->have_thumb = have_thumb;
          if (lines != NULL && lines->len > 0)
            post_lines (self, g_steal_pointer (&lines), sample, stream_time);
          g_mutex_lock (&self->lock);
          self->read++;
          /* The test hook: an artificially slow OCR. */
          extra = self->extra_delay;
          until = g_get_monotonic_time () + (gint64) (extra / 1000);
          while (extra > 0 && !self->stopping && g_get_monotonic_time () < until)
            g_cond_wait_until (&self->cond, &self->lock, until);
        }
      /* At most one look per min_interval: frames offered meanwhile replace each other. */
      until = now + (gint64) (self->min_interval / 1000);
      while (!self->stopping && g_get_monotonic_time () < until)
        g_cond_wait_until (&self->cond, &self->lock, until);
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

PdOcrWorker *
pd_ocr_worker_new (PdChecklist *checklist, GError **error)
{
  g_autoptr (PdOcrWorker) self = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (PD_IS_CHECKLIST (checklist), NULL);

  if (!pd_ocr_is_available (error))
    return NULL;
  self = g_object_new (PD_TYPE_OCR_WORKER, NULL);
  self->checklist = g_object_ref (checklist);
  self->context = g_main_context_ref_thread_default ();
  self->thread = g_thread_try_new ("pd-ocr", worker_thread, self, &local_error);
  if (self->thread == NULL)
    {
      g_set_error (error, PD_OCR_ERROR, PD_OCR_ERROR_UNAVAILABLE,
                   _("The text recognition thread could not be started: %s"), local_error->message);
      return NULL;
    }
  return g_steal_pointer (&self);
}

void
pd_ocr_worker_set_min_interval (PdOcrWorker *self, guint64 ns)
{
  g_return_if_fail (PD_IS_OCR_WORKER (self));
  g_mutex_lock (&self->lock);
  self->min_interval = ns;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

void
pd_ocr_worker_offer (PdOcrWorker *self, GstSample *sample, guint64 stream_time)
{
  GstSample *old;

  g_return_if_fail (PD_IS_OCR_WORKER (self));
  g_return_if_fail (sample != NULL);

  g_mutex_lock (&self->lock);
  self->offered++;
  if (self->stopping)
    {
      self->dropped++;
      g_mutex_unlock (&self->lock);
      return;
    }
  old = self->slot;
  self->slot = gst_sample_ref (sample);
  self->slot_time = stream_time;
  if (old != NULL)
    self->dropped++;
  else
    g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  /* Outside the lock: the last unref may free a buffer back to its pool. */
  if (old != NULL)
    gst_sample_unref (old);
}

void
pd_ocr_worker_set_extra_delay (PdOcrWorker *self, guint64 ns)
{
  g_return_if_fail (PD_IS_OCR_WORKER (self));
  g_mutex_lock (&self->lock);
  self->extra_delay = ns;
  g_mutex_unlock (&self->lock);
}

void
pd_ocr_worker_get_stats (PdOcrWorker *self, guint64 *offered, guint64 *read, guint64 *unchanged,
                         guint64 *dropped)
{
  g_return_if_fail (PD_IS_OCR_WORKER (self));
  g_mutex_lock (&self->lock);
  if (offered)
    *offered = self->offered;
  if (read)
    *read = self->read;
  if (unchanged)
    *unchanged = self->unchanged;
  if (dropped)
    *dropped = self->dropped;
  g_mutex_unlock (&self->lock);
}

void
pd_ocr_worker_stop (PdOcrWorker *self)
{
  GThread *thread;
  GstSample *left;

  g_return_if_fail (PD_IS_OCR_WORKER (self));
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  thread = g_steal_pointer (&self->thread);
  left = g_steal_pointer (&self->slot);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  if (left != NULL)
    gst_sample_unref (left);
  if (thread == NULL)
    return;
  /* The worker thread holds no reference, so the last unref never happens there; joining is
   * safe. It waits for the frame being read (one Tesseract call, ≤ about a second). */
  if (thread == g_thread_self ())
    g_thread_unref (thread);
  else
    g_thread_join (thread);
}
