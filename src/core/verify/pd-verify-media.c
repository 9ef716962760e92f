/* pd-verify-media.c — the media time inside a fragmented MP4, fragment by fragment, so that the
 * stream time the manifest gives each checkpoint can be compared with the recording itself.
 *
 * Only box headers and the small moov/moof boxes are read (pread, no mapping): the mdat payload
 * is skipped. ISO/IEC 14496-12: moov/trak/mdia/{mdhd timescale, hdlr handler}, mvex/trex
 * default sample duration; moof/traf/{tfhd, tfdt baseMediaDecodeTime, trun sample durations}.
 * A file that is not a fragmented MP4 gives FALSE: the media-time rule is then not applied. */
#define G_LOG_DOMAIN "pd-verify"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "verify/pd-verify-package-private.h"

#define MAX_TOP_BOXES (16 * 1024 * 1024)
#define MAX_META_BOX  (8 * 1024 * 1024)

typedef struct
{
  const guint8 *p;
  gsize         len;
} Buf;

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static guint64
be64 (const guint8 *p)
{
  return ((guint64) be32 (p) << 32) | be32 (p + 4);
}

/* The next child box of `b` at `*pos`: its type and payload. */
static gboolean
next_child (Buf b, gsize *pos, guint32 *type, Buf *payload)
{
  guint64 size;
  gsize head = 8;

  if (*pos + 8 > b.len)
    return FALSE;
  size = be32 (b.p + *pos);
  *type = be32 (b.p + *pos + 4);
  if (size == 1)
    {
      if (*pos + 16 > b.len)
        return FALSE;
      size = be64 (b.p + *pos + 8);
      head = 16;
    }
  else if (size == 0)
    size = b.len - *pos;
  if (size < head || size > b.len - *pos)
    return FALSE;
  payload->p = b.p + *pos + head;
  payload->len = (gsize) size - head;
  *pos += (gsize) size;
  return TRUE;
}

static gboolean
find_child (Buf b, const char *fourcc, Buf *out)
{
  gsize pos = 0;
  guint32 type, want = be32 ((const guint8 *) fourcc);

  while (next_child (b, &pos, &type, out))
    if (type == want)
      return TRUE;
  return FALSE;
}

typedef struct
{
  guint32 track_id;
  guint32 timescale;
  guint32 default_duration; /* trex */
} Track;

/* moov: the first video track, its timescale and trex default. */
static gboolean
parse_moov (Buf moov, Track *t)
{
  gsize pos = 0;
  guint32 type;
  Buf trak, mvex;

  memset (t, 0, sizeof *t);
  while (next_child (moov, &pos, &type, &trak))
    {
      Buf tkhd, mdia, mdhd, hdlr;

      if (type != be32 ((const guint8 *) "trak") || !find_child (trak, "tkhd", &tkhd) ||
          !find_child (trak, "mdia", &mdia) || !find_child (mdia, "mdhd", &mdhd) ||
          !find_child (mdia, "hdlr", &hdlr) || hdlr.len < 12 || memcmp (hdlr.p + 8, "vide", 4) != 0)
        continue;
      if (tkhd.len < 24 || mdhd.len < 24)
        return FALSE;
      t->track_id = be32 (tkhd.p + (tkhd.p[0] == 1 ? 20 : 12));
      t->timescale = be32 (mdhd.p + (mdhd.p[0] == 1 ? 20 : 12));
      break;
    }
  if (t->timescale == 0)
    return FALSE;
  if (find_child (moov, "mvex", &mvex))
    {
      gsize p2 = 0;
      Buf trex;

      while (next_child (mvex, &p2, &type, &trex))
        if (type == be32 ((const guint8 *) "trex") && trex.len >= 24 && be32 (trex.p + 4) == t->track_id)
          t->default_duration = be32 (trex.p + 12);
    }
  return TRUE;
}

/* One traf of the video track: its decode time at the end, in the track's units. */
static gboolean
parse_traf (Buf traf, const Track *t, guint64 *end, gboolean *is_video)
{
  Buf tfhd, tfdt, trun;
  guint32 flags, dflt = t->default_duration, count;
  guint64 base, sum = 0;
  gsize pos = 0, at;
  guint32 type;

  *is_video = FALSE;
  if (!find_child (traf, "tfhd", &tfhd) || tfhd.len < 8 || be32 (tfhd.p + 4) != t->track_id)
    return TRUE;
  *is_video = TRUE;
  flags = be32 (tfhd.p) & 0xffffff;
  at = 8 + ((flags & 0x01) ? 8 : 0) + ((flags & 0x02) ? 4 : 0);
  if ((flags & 0x08) && tfhd.len >= at + 4)
    dflt = be32 (tfhd.p + at);
  if (!find_child (traf, "tfdt", &tfdt) || tfdt.len < 8)
    return FALSE;
  base = tfdt.p[0] == 1 ? (tfdt.len >= 12 ? be64 (tfdt.p + 4) : 0) : be32 (tfdt.p + 4);
  while (next_child (traf, &pos, &type, &trun))
    {
      guint32 tf, per = 0;

      if (type != be32 ((const guint8 *) "trun") || trun.len < 8)
        continue;
      tf = be32 (trun.p) & 0xffffff;
      count = be32 (trun.p + 4);
      at = 8 + ((tf & 0x01) ? 4 : 0) + ((tf & 0x04) ? 4 : 0);
      per = ((tf & 0x100) ? 4 : 0) + ((tf & 0x200) ? 4 : 0) + ((tf & 0x400) ? 4 : 0) + ((tf & 0x800) ? 4 : 0);
      if (!(tf & 0x100))
        sum += (guint64) count * dflt;
      else if (per == 0 || count > (trun.len - MIN (at, trun.len)) / per)
        return FALSE;
      else
        for (guint32 i = 0; i < count; i++)
          sum += be32 (trun.p + at + (gsize) i * per);
    }
  *end = base + sum;
  return TRUE;
}

static gboolean
read_box (int fd, guint64 offset, guint64 size, GByteArray *buf)
{
  g_byte_array_set_size (buf, (guint) size);
  for (guint64 done = 0; done < size;)
    {
      ssize_t n = pread (fd, buf->data + done, (size_t) (size - done), (off_t) (offset + done));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      done += (guint64) n;
    }
  return TRUE;
}

/* Every complete fragment of the recording in file order: the offset where its mdat ends and
 * the media time (seconds, from the first fragment's start) its video track reaches there. */
gboolean
pd_verify_media_fragments (int fd, guint64 file_size, GArray *out)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  guint64 pos = 0, first_base = G_MAXUINT64;
  Track track = { 0 };
  gboolean have_moov = FALSE, pending = FALSE;
  double pending_time = 0;

  for (guint n = 0; pos + 8 <= file_size && n < MAX_TOP_BOXES; n++)
    {
      guint8 head[16] = { 0 };
      guint64 size, hsize = 8;
      guint32 type;
      ssize_t got = pread (fd, head, 16, (off_t) pos);

      if (got < 8)
        return FALSE;
      size = be32 (head);
      type = be32 (head + 4);
      if (size == 1 && got < 16)
        break;
      if (size == 1)
        size = be64 (head + 8), hsize = 16;
      else if (size == 0)
        size = file_size - pos;
      if (size < hsize || size > file_size - pos)
        break; /* a box cut short: the end of what was written */
      if (type == be32 ((const guint8 *) "moov") || type == be32 ((const guint8 *) "moof"))
        {
          Buf b;
          if (size > MAX_META_BOX || !read_box (fd, pos + hsize, size - hsize, buf))
            return FALSE;
          b.p = buf->data;
          b.len = buf->len;
          if (type == be32 ((const guint8 *) "moov"))
            have_moov = parse_moov (b, &track);
          else if (have_moov)
            {
              gsize p2 = 0;
              guint32 t;
              Buf traf;

              while (next_child (b, &p2, &t, &traf))
                {
                  guint64 end = 0;
                  gboolean video = FALSE;
                  Buf tfdt;

                  if (t != be32 ((const guint8 *) "traf"))
                    continue;
                  if (!parse_traf (traf, &track, &end, &video))
                    return FALSE;
                  if (!video)
                    continue;
                  if (first_base == G_MAXUINT64 && find_child (traf, "tfdt", &tfdt) && tfdt.len >= 8)
                    first_base = tfdt.p[0] == 1 && tfdt.len >= 12 ? be64 (tfdt.p + 4) : be32 (tfdt.p + 4);
                  pending = TRUE;
                  pending_time = (double) (end - MIN (end, first_base)) / track.timescale;
                }
            }
        }
      else if (type == be32 ((const guint8 *) "mdat") && pending)
        {
          PdMediaFragment f = { pos + size, pending_time };
          g_array_append_val (out, f);
          pending = FALSE;
        }
      pos += size;
    }
  return have_moov && out->len > 0;
}
