/* pd-proofhash.c — passthrough element keeping a running SHA-256 of every byte that reaches
 * the file sink; checkpoints hash the prefix by copying the context, never by re-reading. */
#define G_LOG_DOMAIN "pd-proofhash"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <openssl/evp.h>

#include "pd-proofhash.h"

GST_DEBUG_CATEGORY_STATIC (pd_proofhash_debug);
#define GST_CAT_DEFAULT pd_proofhash_debug

#define SHA256_LEN 32

struct _PdProofhash
{
  GstBaseTransform parent_instance;

  /* Owned; created in start(), freed in stop() */
  EVP_MD_CTX *ctx;
  EVP_MD_CTX *scratch;

  /* Streaming state, touched only from the streaming thread except where locked */
  guint64      bytes;            /* guarded by object lock for readers */
  char        *digest;           /* guarded by object lock; set once at EOS */
  GstClockTime checkpoint_interval; /* guarded by object lock */
  GstClockTime next_checkpoint;
  guint64      last_checkpoint_offset;
  guint        checkpoint_index;
  GstFormat    segment_format;
  gboolean     have_segment;
  gboolean     failed;
  gboolean     finished;
};

enum {
  PROP_0,
  PROP_CHECKPOINT_INTERVAL,
  PROP_DIGEST,
  PROP_BYTES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GstStaticPadTemplate sink_template =
  GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template =
  GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

G_DEFINE_FINAL_TYPE (PdProofhash, pd_proofhash, GST_TYPE_BASE_TRANSFORM)

static char *
hex_digest (const guint8 *md, guint len)
{
  static const char hex[] = "0123456789abcdef";
  char *out = g_malloc (len * 2 + 1);

  for (guint i = 0; i < len; i++)
    {
      out[2 * i] = hex[md[i] >> 4];
      out[2 * i + 1] = hex[md[i] & 0xf];
    }
  out[len * 2] = '\0';
  return out;
}

/* Digest of everything hashed so far, without disturbing the running context. */
static char *
pd_proofhash_peek_digest (PdProofhash *self)
{
  guint8 md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;

  if (!EVP_MD_CTX_copy_ex (self->scratch, self->ctx) ||
      !EVP_DigestFinal_ex (self->scratch, md, &len))
    return NULL;
  return hex_digest (md, len);
}

static void
pd_proofhash_fail (PdProofhash *self)
{
  self->failed = TRUE;
  GST_OBJECT_LOCK (self);
  g_clear_pointer (&self->digest, g_free);
  GST_OBJECT_UNLOCK (self);
}

static gboolean
pd_proofhash_start (GstBaseTransform *trans)
{
  PdProofhash *self = PD_PROOFHASH (trans);

  self->ctx = EVP_MD_CTX_new ();
  self->scratch = EVP_MD_CTX_new ();
  if (self->ctx == NULL || self->scratch == NULL ||
      !EVP_DigestInit_ex (self->ctx, EVP_sha256 (), NULL))
    {
      GST_ELEMENT_ERROR (self, LIBRARY, INIT, (_("Could not start SHA-256 hashing.")),
                         ("EVP_DigestInit_ex failed"));
      return FALSE;
    }

  GST_OBJECT_LOCK (self);
  self->bytes = 0;
  g_clear_pointer (&self->digest, g_free);
  self->next_checkpoint = self->checkpoint_interval;
  GST_OBJECT_UNLOCK (self);
  self->last_checkpoint_offset = 0;
  self->checkpoint_index = 0;
  self->segment_format = GST_FORMAT_UNDEFINED;
  self->have_segment = FALSE;
  self->failed = FALSE;
  self->finished = FALSE;
  return TRUE;
}

static gboolean
pd_proofhash_stop (GstBaseTransform *trans)
{
  PdProofhash *self = PD_PROOFHASH (trans);

  g_clear_pointer (&self->ctx, EVP_MD_CTX_free);
  g_clear_pointer (&self->scratch, EVP_MD_CTX_free);
  return TRUE;
}

/* Running time of "now": the pipeline clock when there is one (live capture), else the
 * buffer's timestamp in a TIME segment. */
static GstClockTime
pd_proofhash_running_time (PdProofhash *self, GstBuffer *buf)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));

  if (clock != NULL)
    {
      GstClockTime now = gst_clock_get_time (clock);
      GstClockTime base = gst_element_get_base_time (GST_ELEMENT (self));

      gst_object_unref (clock);
      if (GST_CLOCK_TIME_IS_VALID (now) && now >= base)
        return now - base;
      return GST_CLOCK_TIME_NONE;
    }

  if (buf != NULL && trans->segment.format == GST_FORMAT_TIME)
    {
      GstClockTime ts = GST_BUFFER_DTS_OR_PTS (buf);

      if (GST_CLOCK_TIME_IS_VALID (ts))
        return gst_segment_to_running_time (&trans->segment, GST_FORMAT_TIME, ts);
    }
  return GST_CLOCK_TIME_NONE;
}

static void
pd_proofhash_maybe_checkpoint (PdProofhash *self, GstBuffer *buf)
{
  GstClockTime interval, now;
  g_autofree char *digest = NULL;
  GstStructure *s;

  GST_OBJECT_LOCK (self);
  interval = self->checkpoint_interval;
  GST_OBJECT_UNLOCK (self);

  if (interval == 0)
    return;
  now = pd_proofhash_running_time (self, buf);
  if (!GST_CLOCK_TIME_IS_VALID (now) || now < self->next_checkpoint)
    return;

  /* Catch up without posting one message per missed interval. */
  while (self->next_checkpoint <= now)
    self->next_checkpoint += interval;

  if (self->bytes == self->last_checkpoint_offset)
    return;

  digest = pd_proofhash_peek_digest (self);
  if (digest == NULL)
    return;

  self->last_checkpoint_offset = self->bytes;
  self->checkpoint_index++;
  s = gst_structure_new (PD_PROOFHASH_MESSAGE_CHECKPOINT,
                         "index", G_TYPE_UINT, self->checkpoint_index,
                         "offset", G_TYPE_UINT64, self->bytes,
                         "sha256", G_TYPE_STRING, digest,
                         "running-time", G_TYPE_UINT64, now,
                         NULL);
  GST_DEBUG_OBJECT (self, "checkpoint %u at offset %" G_GUINT64_FORMAT,
                    self->checkpoint_index, self->bytes);
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
}

/* Hash one buffer memory by memory (no merging copy). */
static GstFlowReturn
pd_proofhash_consume (PdProofhash *self, GstBuffer *buf)
{
  guint n = gst_buffer_n_memory (buf);
  gsize total = 0;

  if (self->failed)
    return GST_FLOW_ERROR;

  if (self->finished)
    {
      GST_ELEMENT_ERROR (self, STREAM, FAILED,
                         (_("Data arrived after the end of the recording; its hash would not match the file.")),
                         ("buffer after EOS"));
      pd_proofhash_fail (self);
      return GST_FLOW_ERROR;
    }

  /* Buffer offsets are not checked: muxers use them for their own bookkeeping (mp4mux sets
   * fragment offsets that are not file positions). Byte segments are what announce a seek. */
  for (guint i = 0; i < n; i++)
    {
      GstMemory *mem = gst_buffer_peek_memory (buf, i);
      GstMapInfo map;

      if (!gst_memory_map (mem, &map, GST_MAP_READ))
        {
          GST_ELEMENT_ERROR (self, STREAM, FAILED, (_("Could not read recorded data for hashing.")),
                             ("gst_memory_map failed"));
          pd_proofhash_fail (self);
          return GST_FLOW_ERROR;
        }
      if (!EVP_DigestUpdate (self->ctx, map.data, map.size))
        {
          gst_memory_unmap (mem, &map);
          GST_ELEMENT_ERROR (self, LIBRARY, FAILED, (_("SHA-256 hashing failed.")),
                             ("EVP_DigestUpdate failed"));
          pd_proofhash_fail (self);
          return GST_FLOW_ERROR;
        }
      total += map.size;
      gst_memory_unmap (mem, &map);
    }

  GST_OBJECT_LOCK (self);
  self->bytes += total;
  GST_OBJECT_UNLOCK (self);

  pd_proofhash_maybe_checkpoint (self, buf);
  return GST_FLOW_OK;
}

static GstFlowReturn
pd_proofhash_transform_ip (GstBaseTransform *trans, GstBuffer *buf)
{
  return pd_proofhash_consume (PD_PROOFHASH (trans), buf);
}

/* mpegtsmux pushes buffer lists: hash each buffer, then pass the list on whole. */
static GstFlowReturn
pd_proofhash_chain_list (GstPad *pad, GstObject *parent, GstBufferList *list)
{
  PdProofhash *self = PD_PROOFHASH (parent);
  GstBaseTransform *trans = GST_BASE_TRANSFORM (parent);
  guint len = gst_buffer_list_length (list);

  for (guint i = 0; i < len; i++)
    {
      GstFlowReturn ret = pd_proofhash_consume (self, gst_buffer_list_get (list, i));

      if (ret != GST_FLOW_OK)
        {
          gst_buffer_list_unref (list);
          return ret;
        }
    }
  return gst_pad_push_list (trans->srcpad, list);
}

static void
pd_proofhash_finish (PdProofhash *self)
{
  char *digest;
  GstStructure *s;
  guint64 bytes;

  if (self->failed || self->finished || self->ctx == NULL)
    return;

  digest = pd_proofhash_peek_digest (self);
  if (digest == NULL)
    {
      GST_ELEMENT_ERROR (self, LIBRARY, FAILED, (_("SHA-256 hashing failed.")),
                         ("EVP_DigestFinal_ex failed"));
      pd_proofhash_fail (self);
      return;
    }
  self->finished = TRUE;

  GST_OBJECT_LOCK (self);
  g_free (self->digest);
  self->digest = g_strdup (digest);
  bytes = self->bytes;
  GST_OBJECT_UNLOCK (self);

  s = gst_structure_new (PD_PROOFHASH_MESSAGE_FINAL,
                         "size", G_TYPE_UINT64, bytes,
                         "sha256", G_TYPE_STRING, digest,
                         "checkpoints", G_TYPE_UINT, self->checkpoint_index,
                         NULL);
  g_free (digest);
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), s));
}

static gboolean
pd_proofhash_sink_event (GstBaseTransform *trans, GstEvent *event)
{
  PdProofhash *self = PD_PROOFHASH (trans);

  switch (GST_EVENT_TYPE (event))
    {
    case GST_EVENT_SEGMENT:
      {
        const GstSegment *segment;

        gst_event_parse_segment (event, &segment);
        self->segment_format = segment->format;
        /* A byte segment that does not start where hashing stands is a seek in the file. */
        if (segment->format == GST_FORMAT_BYTES && segment->start != self->bytes)
          {
            GST_ELEMENT_ERROR (self, STREAM, FAILED,
                               (_("Something upstream tried to rewrite the recording; a hash of that stream would not match the file.")),
                               ("byte segment starts at %" G_GUINT64_FORMAT " but %" G_GUINT64_FORMAT
                                " bytes were hashed", (guint64) segment->start, self->bytes));
            pd_proofhash_fail (self);
            gst_event_unref (event);
            return FALSE;
          }
        self->have_segment = TRUE;
        break;
      }
    case GST_EVENT_EOS:
      pd_proofhash_finish (self);
      break;
    default:
      break;
    }

  return GST_BASE_TRANSFORM_CLASS (pd_proofhash_parent_class)->sink_event (trans, event);
}

static gboolean
pd_proofhash_src_event (GstBaseTransform *trans, GstEvent *event)
{
  /* Seeking a recording being hashed can only produce a stream that is not the file. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_SEEK)
    {
      GST_DEBUG_OBJECT (trans, "refusing seek");
      gst_event_unref (event);
      return FALSE;
    }
  return GST_BASE_TRANSFORM_CLASS (pd_proofhash_parent_class)->src_event (trans, event);
}

static gboolean
pd_proofhash_query (GstBaseTransform *trans, GstPadDirection direction, GstQuery *query)
{
  /* Upstream (a muxer) asks whether it may seek back: answer no, so it writes strictly forward. */
  if (direction == GST_PAD_SINK && GST_QUERY_TYPE (query) == GST_QUERY_SEEKING)
    {
      GstFormat fmt;

      gst_query_parse_seeking (query, &fmt, NULL, NULL, NULL);
      gst_query_set_seeking (query, fmt, FALSE, 0, -1);
      return TRUE;
    }
  return GST_BASE_TRANSFORM_CLASS (pd_proofhash_parent_class)->query (trans, direction, query);
}

static void
pd_proofhash_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PdProofhash *self = PD_PROOFHASH (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id)
    {
    case PROP_CHECKPOINT_INTERVAL:
      g_value_set_uint64 (value, self->checkpoint_interval);
      break;
    case PROP_DIGEST:
      g_value_set_string (value, self->digest);
      break;
    case PROP_BYTES:
      g_value_set_uint64 (value, self->bytes);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  GST_OBJECT_UNLOCK (self);
}

static void
pd_proofhash_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  PdProofhash *self = PD_PROOFHASH (object);

  switch (prop_id)
    {
    case PROP_CHECKPOINT_INTERVAL:
      GST_OBJECT_LOCK (self);
      self->checkpoint_interval = g_value_get_uint64 (value);
      self->next_checkpoint = self->checkpoint_interval;
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pd_proofhash_finalize (GObject *object)
{
  PdProofhash *self = PD_PROOFHASH (object);

  g_clear_pointer (&self->ctx, EVP_MD_CTX_free);
  g_clear_pointer (&self->scratch, EVP_MD_CTX_free);
  g_clear_pointer (&self->digest, g_free);
  G_OBJECT_CLASS (pd_proofhash_parent_class)->finalize (object);
}

static void
pd_proofhash_class_init (PdProofhashClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  object_class->get_property = pd_proofhash_get_property;
  object_class->set_property = pd_proofhash_set_property;
  object_class->finalize = pd_proofhash_finalize;

  trans_class->start = pd_proofhash_start;
  trans_class->stop = pd_proofhash_stop;
  trans_class->transform_ip = pd_proofhash_transform_ip;
  trans_class->sink_event = pd_proofhash_sink_event;
  trans_class->src_event = pd_proofhash_src_event;
  trans_class->query = pd_proofhash_query;
  trans_class->passthrough_on_same_caps = TRUE;
  trans_class->transform_ip_on_passthrough = TRUE;

  properties[PROP_CHECKPOINT_INTERVAL] =
    g_param_spec_uint64 ("checkpoint-interval", "Checkpoint interval",
                         "Running time between prefix digests in nanoseconds (0 = off)",
                         0, G_MAXUINT64, 0,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  properties[PROP_DIGEST] =
    g_param_spec_string ("digest", "Digest",
                         "Hex SHA-256 of the whole stream, set at EOS; NULL before or after an error",
                         NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BYTES] =
    g_param_spec_uint64 ("bytes", "Bytes", "Number of bytes hashed so far",
                         0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
                                         "Proof hash", "Filter/Analyzer",
                                         "Passes bytes through untouched and hashes them with SHA-256, "
                                         "posting prefix checkpoints and the final digest",
                                         "Proofdesk developers");
}

static void
pd_proofhash_init (PdProofhash *self)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);

  gst_base_transform_set_passthrough (trans, TRUE);
  gst_base_transform_set_in_place (trans, TRUE);
  gst_pad_set_chain_list_function (trans->sinkpad, GST_DEBUG_FUNCPTR (pd_proofhash_chain_list));
}

static gboolean
plugin_init (GstPlugin *plugin)
{
  GST_DEBUG_CATEGORY_INIT (pd_proofhash_debug, "proofhash", 0, "Proofdesk inline hashing");
  return gst_element_register (plugin, "proofhash", GST_RANK_NONE, PD_TYPE_PROOFHASH);
}

gboolean
pd_gst_register_static (void)
{
  static gsize once = 0;
  static gboolean ok = FALSE;

  if (g_once_init_enter (&once))
    {
      ok = gst_plugin_register_static (GST_VERSION_MAJOR, GST_VERSION_MINOR, "proofdesk",
                                       "Proofdesk evidence elements", plugin_init,
                                       PACKAGE_VERSION, "GPL", "proofdesk", "Proofdesk",
                                       "https://github.com/proofdesk/proofdesk");
      g_once_init_leave (&once, 1);
    }
  return ok;
}
