/* pd-screenrecord.c — feeds a phone's own H.264 (adb exec-out screenrecord) into a pipeline, without re-encoding. */
#define G_LOG_DOMAIN "pd-screenrecord"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <gst/app/gstappsrc.h>
#include <string.h>

#include "sources/pd-device.h"
#include "sources/pd-screenrecord.h"

#define READ_CHUNK 65536
#define MAX_EMPTY_RUNS 3

struct _PdScreenrecord
{
  GObject parent_instance;

  char         *serial;
  GstElement   *appsrc;        /* owned */
  GMainContext *context;       /* where "gap" is emitted */
  GThread      *thread;
  GMutex        lock;          /* guards proc and stopping */
  GSubprocess  *proc;
  gboolean      stopping;
  guint         runs;          /* atomic */

  /* Pump thread only */
  GByteArray   *au;            /* the access unit being collected, Annex-B */
  gboolean      au_has_vcl;
  gboolean      au_is_key;
  GstClockTime  last_pts;
  gint64        last_wall_us;
  guint64       frames_this_run;
};

enum {
  SIGNAL_GAP,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PdScreenrecord, pd_screenrecord, G_TYPE_OBJECT)

static void
request_stop (PdScreenrecord *self)
{
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  if (self->proc)
    g_subprocess_force_exit (self->proc);
  g_mutex_unlock (&self->lock);
}

static gboolean
is_stopping (PdScreenrecord *self)
{
  gboolean stopping;

  g_mutex_lock (&self->lock);
  stopping = self->stopping;
  g_mutex_unlock (&self->lock);
  return stopping;
}

static void
pd_screenrecord_dispose (GObject *object)
{
  PdScreenrecord *self = PD_SCREENRECORD (object);

  /* The adb child must not outlive the recording. */
  request_stop (self);
  if (self->thread)
    g_thread_join (g_steal_pointer (&self->thread));
  G_OBJECT_CLASS (pd_screenrecord_parent_class)->dispose (object);
}

static void
pd_screenrecord_finalize (GObject *object)
{
  PdScreenrecord *self = PD_SCREENRECORD (object);

  g_clear_object (&self->proc);
  g_clear_object (&self->appsrc);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->au, g_byte_array_unref);
  g_free (self->serial);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (pd_screenrecord_parent_class)->finalize (object);
}

static void
pd_screenrecord_class_init (PdScreenrecordClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pd_screenrecord_dispose;
  object_class->finalize = pd_screenrecord_finalize;
  signals[SIGNAL_GAP] =
    g_signal_new ("gap", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 6, G_TYPE_INT64, G_TYPE_INT64, G_TYPE_UINT64, G_TYPE_UINT64,
                  G_TYPE_UINT, G_TYPE_INT);
}

static void
pd_screenrecord_init (PdScreenrecord *self)
{
  g_mutex_init (&self->lock);
  self->au = g_byte_array_new ();
  self->last_pts = GST_CLOCK_TIME_NONE;
}

/* ---------------------------------------------------------------- gap signal */

typedef struct
{
  PdScreenrecord *self;
  gint64  before_us, after_us;
  guint64 before_rt, after_rt;
  guint   run;
  int     status;
} Gap;

static gboolean
emit_gap (gpointer user_data)
{
  Gap *g = user_data;

  g_signal_emit (g->self, signals[SIGNAL_GAP], 0, g->before_us, g->after_us, g->before_rt,
                 g->after_rt, g->run, g->status);
  return G_SOURCE_REMOVE;
}

static void
gap_free (gpointer data)
{
  Gap *g = data;

  g_object_unref (g->self);
  g_free (g);
}

/* ---------------------------------------------------------------- pump thread */

static GstClockTime
now_running_time (PdScreenrecord *self)
{
  g_autoptr (GstClock) clock = gst_element_get_clock (self->appsrc);
  GstClockTime now, base;

  if (clock == NULL)
    return 0;
  now = gst_clock_get_time (clock);
  base = gst_element_get_base_time (self->appsrc);
  return now > base ? now - base : 0;
}

static void
post_error (PdScreenrecord *self, const char *text)
{
  GError *error = g_error_new_literal (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ, text);

  gst_element_post_message (self->appsrc,
                            gst_message_new_error (GST_OBJECT (self->appsrc), error, "screenrecord"));
  g_error_free (error);
}

/* Pushes the collected access unit, stamped with its arrival time. Returns FALSE when the
 * pipeline no longer takes data. */
static gboolean
flush_au (PdScreenrecord *self, gboolean *first_of_run, gint64 *gap_before_us, guint64 *gap_before_rt,
          int last_status)
{
  GstBuffer *buf;
  GstClockTime pts;
  GstFlowReturn ret;

  if (self->au->len == 0)
    return TRUE;
  if (!self->au_has_vcl)
    return TRUE;   /* parameter sets stay and lead the next picture */

  pts = now_running_time (self);
  /* Strictly increasing, even across a restart. */
  if (GST_CLOCK_TIME_IS_VALID (self->last_pts) && pts <= self->last_pts)
    pts = self->last_pts + GST_MSECOND;
  buf = gst_buffer_new_memdup (self->au->data, self->au->len);
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DTS (buf) = pts;
  if (!self->au_is_key)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  g_byte_array_set_size (self->au, 0);
  self->au_has_vcl = FALSE;
  self->au_is_key = FALSE;

  if (*first_of_run && *gap_before_us != 0)
    {
      Gap *g = g_new0 (Gap, 1);

      g->self = g_object_ref (self);
      g->before_us = *gap_before_us;
      g->after_us = g_get_real_time ();
      g->before_rt = *gap_before_rt;
      g->after_rt = pts;
      g->run = g_atomic_int_get (&self->runs);
      g->status = last_status;
      g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_gap, g, gap_free);
    }
  *first_of_run = FALSE;
  self->last_pts = pts;
  self->last_wall_us = g_get_real_time ();
  self->frames_this_run++;

  ret = gst_app_src_push_buffer (GST_APP_SRC (self->appsrc), buf);
  return ret == GST_FLOW_OK;
}

/* Adds one NAL unit (without start code) to the access unit, flushing the previous access unit
 * when this NAL begins a new one (H.264 7.4.1.2.3: AUD, SPS, PPS, SEI after a picture, or a
 * slice with first_mb_in_slice = 0). */
static gboolean
add_nal (PdScreenrecord *self, const guint8 *nal, gsize len, gboolean *first_of_run,
         gint64 *gap_before_us, guint64 *gap_before_rt, int last_status)
{
  static const guint8 start_code[] = { 0, 0, 0, 1 };
  guint type;
  gboolean vcl;

  /* Trailing zero bytes belong to the next start code. */
  while (len > 0 && nal[len - 1] == 0)
    len--;
  if (len < 1)
    return TRUE;
  type = nal[0] & 0x1f;
  vcl = type >= 1 && type <= 5;
  if (self->au_has_vcl && (type == 9 || type == 7 || type == 8 || type == 6 ||
                           (vcl && len > 1 && (nal[1] & 0x80))))
    if (!flush_au (self, first_of_run, gap_before_us, gap_before_rt, last_status))
      return FALSE;
  g_byte_array_append (self->au, start_code, sizeof start_code);
  g_byte_array_append (self->au, nal, len);
  if (vcl)
    self->au_has_vcl = TRUE;
  if (type == 5)
    self->au_is_key = TRUE;
  return TRUE;
}

/* Reads one run of screenrecord. Returns FALSE when the pipeline stopped taking data. */
static gboolean
pump_run (PdScreenrecord *self, GInputStream *in, gboolean *first_of_run, gint64 *gap_before_us,
          guint64 *gap_before_rt, int last_status)
{
  g_autoptr (GByteArray) pending = g_byte_array_new ();
  guint8 *chunk = g_malloc (READ_CHUNK);
  gboolean ok = TRUE;
  gssize n;

  while (ok && (n = g_input_stream_read (in, chunk, READ_CHUNK, NULL, NULL)) > 0)
    {
      gsize start = G_MAXSIZE, i;

      g_byte_array_append (pending, chunk, n);
      /* Complete NAL units lie between two start codes; the last one waits for more data. */
      for (i = 0; i + 3 <= pending->len; i++)
        {
          if (pending->data[i] != 0 || pending->data[i + 1] != 0 || pending->data[i + 2] != 1)
            continue;
          if (start != G_MAXSIZE)
            ok = add_nal (self, pending->data + start, i - start, first_of_run, gap_before_us,
                          gap_before_rt, last_status);
          start = i + 3;
          i += 2;
          if (!ok)
            break;
        }
      if (start != G_MAXSIZE)
        g_byte_array_remove_range (pending, 0, start - 3);
    }
  /* The end of the stream ends the last NAL unit and access unit. */
  if (ok && pending->len > 3)
    ok = add_nal (self, pending->data + 3, pending->len - 3, first_of_run, gap_before_us,
                  gap_before_rt, last_status);
  if (ok)
    ok = flush_au (self, first_of_run, gap_before_us, gap_before_rt, last_status);
  g_byte_array_set_size (self->au, 0);
  self->au_has_vcl = FALSE;
  self->au_is_key = FALSE;
  g_free (chunk);
  return ok;
}

/* screenrecord says little; a few kB of stderr is all there is to read. */
static char *
read_stderr (GSubprocess *proc)
{
  char err[4096];
  gsize got = 0;

  g_input_stream_read_all (g_subprocess_get_stderr_pipe (proc), err, sizeof err - 1, &got, NULL, NULL);
  err[got] = '\0';
  return g_strstrip (g_utf8_make_valid (err, got));
}

static gpointer
pump_thread (gpointer user_data)
{
  PdScreenrecord *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *adb = pd_adb_find (&error);
  guint empty_runs = 0;
  gint64 gap_before_us = 0;
  guint64 gap_before_rt = 0;
  int last_status = 0;
  g_autofree char *last_stderr = NULL;

  if (adb == NULL)
    {
      post_error (self, error->message);
      return NULL;
    }
  while (!is_stopping (self))
    {
      const char *argv[] = { adb, "-s", self->serial, "exec-out", "screenrecord",
                             "--output-format=h264", "-", NULL };
      g_autoptr (GSubprocess) proc = NULL;
      g_autoptr (GError) spawn_error = NULL;
      gboolean first_of_run = TRUE;
      gboolean ok;

      proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                &spawn_error);
      if (proc == NULL)
        {
          post_error (self, spawn_error->message);
          break;
        }
      g_mutex_lock (&self->lock);
      g_set_object (&self->proc, proc);
      if (self->stopping)
        g_subprocess_force_exit (proc);
      g_mutex_unlock (&self->lock);
      g_atomic_int_inc (&self->runs);
      self->frames_this_run = 0;

      ok = pump_run (self, g_subprocess_get_stdout_pipe (proc), &first_of_run, &gap_before_us,
                     &gap_before_rt, last_status);
      if (!ok)
        request_stop (self);
      g_free (last_stderr);
      last_stderr = read_stderr (proc);
      g_subprocess_wait (proc, NULL, NULL);
      last_status = g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
      g_mutex_lock (&self->lock);
      g_clear_object (&self->proc);
      g_mutex_unlock (&self->lock);
      if (is_stopping (self))
        break;

      if (self->frames_this_run == 0)
        {
          if (++empty_runs >= MAX_EMPTY_RUNS)
            {
              g_autofree char *msg =
                g_strdup_printf (_("The phone stopped sending its screen (it was unplugged, locked, or screenrecord failed): %s"),
                                 last_stderr && *last_stderr ? last_stderr : _("no reason given"));
              post_error (self, msg);
              break;
            }
          g_usleep (G_USEC_PER_SEC / 2);
        }
      else
        empty_runs = 0;
      /* The time limit (or a hiccup) ended this run: the next frame closes the gap. */
      if (self->frames_this_run > 0)
        {
          gap_before_us = self->last_wall_us;
          gap_before_rt = self->last_pts;
        }
      g_debug ("screenrecord run %u ended (status %d, %" G_GUINT64_FORMAT " frames), restarting",
               g_atomic_int_get (&self->runs), last_status, self->frames_this_run);
    }
  return NULL;
}

static void
on_need_data (GstAppSrc *src, guint length, gpointer user_data)
{
  PdScreenrecord *self = user_data;

  /* Start on the first request, when the pipeline plays and has a clock. */
  g_mutex_lock (&self->lock);
  if (self->thread == NULL && !self->stopping)
    self->thread = g_thread_new ("pd-screenrecord", pump_thread, self);
  g_mutex_unlock (&self->lock);
}

static GstPadProbeReturn
on_src_event (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

  /* Stop asked (EOS sent to the pipeline): end adb now rather than at the next frame. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
    request_stop (user_data);
  return GST_PAD_PROBE_OK;
}

PdScreenrecord *
pd_screenrecord_new (const char *serial)
{
  PdScreenrecord *self;
  g_autoptr (GstCaps) caps = NULL;
  GstPad *pad;

  g_return_val_if_fail (serial != NULL, NULL);

  self = g_object_new (PD_TYPE_SCREENRECORD, NULL);
  self->serial = g_strdup (serial);
  self->context = g_main_context_ref_thread_default ();
  self->appsrc = gst_object_ref_sink (gst_element_factory_make ("appsrc", "screenrecord"));
  caps = gst_caps_new_simple ("video/x-h264", "stream-format", G_TYPE_STRING, "byte-stream",
                              "alignment", G_TYPE_STRING, "au", NULL);
  /* Never block the reader (adb would stall the phone's encoder); 256 MB is minutes of video. */
  g_object_set (self->appsrc, "caps", caps, "is-live", TRUE, "format", GST_FORMAT_TIME,
                "do-timestamp", FALSE, "block", FALSE, "max-bytes", (guint64) 256 * 1024 * 1024,
                NULL);
  {
    GstAppSrcCallbacks callbacks = { on_need_data, NULL, NULL };
    gst_app_src_set_callbacks (GST_APP_SRC (self->appsrc), &callbacks, self, NULL);
  }
  pad = gst_element_get_static_pad (self->appsrc, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_src_event, self, NULL);
  gst_object_unref (pad);
  return self;
}

GstElement *
pd_screenrecord_get_element (PdScreenrecord *self)
{
  g_return_val_if_fail (PD_IS_SCREENRECORD (self), NULL);
  return self->appsrc;
}

guint
pd_screenrecord_get_runs (PdScreenrecord *self)
{
  g_return_val_if_fail (PD_IS_SCREENRECORD (self), 0);
  return g_atomic_int_get (&self->runs);
}
