/* pd-test-frames.c — phone screens drawn with cairo and pango for the OCR tests; see
 * pd-test-frames.h. Drawn in a 1080 px wide coordinate space, as a phone renders them. */
#include "config.h"

#include <gst/video/video.h>
#include <pango/pangocairo.h>

#include "pd-test-frames.h"

#define FONT "WenQuanYi Micro Hei"
#define LOGICAL_WIDTH 1080.0

typedef struct {
  cairo_t *cr;
  double   scale;  /* frame pixels per logical pixel */
} Painter;

static void
set_rgb (cairo_t *cr, guint32 rgb)
{
  cairo_set_source_rgb (cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
                        (rgb & 0xff) / 255.0);
}

static void
rounded_rect (cairo_t *cr, double x, double y, double w, double h, double r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

static PangoLayout *
make_layout (Painter *p, const char *text, double px, gboolean bold)
{
  PangoLayout *layout = pango_cairo_create_layout (p->cr);
  PangoFontDescription *desc = pango_font_description_from_string (FONT);

  pango_font_description_set_absolute_size (desc, px * PANGO_SCALE);
  if (bold)
    pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, desc);
  pango_layout_set_text (layout, text, -1);
  pango_font_description_free (desc);
  return layout;
}

/* Text size in logical pixels. */
static void
text_size (Painter *p, const char *text, double px, gboolean bold, int *w, int *h)
{
  g_autoptr (PangoLayout) layout = make_layout (p, text, px, bold);

  pango_layout_get_pixel_size (layout, w, h);
}

/* Draws one line of text with its top-left corner at x, y (logical) and records its ink box in
 * frame pixels. */
static void
draw_text (Painter *p, const char *text, double px, gboolean bold, double x, double y,
           guint32 rgb, PdTestBox *box)
{
  g_autoptr (PangoLayout) layout = make_layout (p, text, px, bold);
  PangoRectangle ink;

  set_rgb (p->cr, rgb);
  cairo_move_to (p->cr, x, y);
  pango_cairo_show_layout (p->cr, layout);
  if (box != NULL)
    {
      pango_layout_get_pixel_extents (layout, &ink, NULL);
      box->x = (int) ((x + ink.x) * p->scale);
      box->y = (int) ((y + ink.y) * p->scale);
      box->width = (int) (ink.width * p->scale + 0.5);
      box->height = (int) (ink.height * p->scale + 0.5);
    }
}

static void
status_bar (Painter *p, guint32 bg)
{
  set_rgb (p->cr, bg);
  cairo_rectangle (p->cr, 0, 0, LOGICAL_WIDTH, 90);
  cairo_fill (p->cr);
  draw_text (p, "13:58", 34, TRUE, 48, 24, 0x111111, NULL);
  draw_text (p, "85%", 32, FALSE, 960, 26, 0x111111, NULL);
}

/* A chat bubble; `left` for the other party (white), else mine (WeChat green). Returns its
 * bottom. */
static double
bubble (Painter *p, const char *text, gboolean left, double y, PdTestBox *box)
{
  const double px = 46, pad_x = 30, pad_y = 24, avatar = 100;
  int w, h;
  double bw, bh, bx;

  text_size (p, text, px, FALSE, &w, &h);
  bw = w + 2 * pad_x;
  bh = h + 2 * pad_y;
  bx = left ? 40 + avatar + 24 : LOGICAL_WIDTH - 40 - avatar - 24 - bw;
  /* avatar */
  set_rgb (p->cr, left ? 0x6A8CAF : 0xC9A27E);
  rounded_rect (p->cr, left ? 40 : LOGICAL_WIDTH - 40 - avatar, y, avatar, avatar, 12);
  cairo_fill (p->cr);
  set_rgb (p->cr, left ? 0xFFFFFF : 0x95EC69);
  rounded_rect (p->cr, bx, y, bw, bh, 14);
  cairo_fill (p->cr);
  draw_text (p, text, px, FALSE, bx + pad_x, y + pad_y, 0x191919, box);
  return y + MAX (bh, avatar);
}

static void
draw_chat (Painter *p, double height, PdTestFrameBoxes *boxes)
{
  double y;
  int w, h;

  set_rgb (p->cr, 0xEDEDED);
  cairo_paint (p->cr);
  status_bar (p, 0xEDEDED);
  /* title bar */
  draw_text (p, "<", 52, FALSE, 40, 110, 0x191919, NULL);
  text_size (p, "李四", 50, TRUE, &w, &h);
  draw_text (p, "李四", 50, TRUE, (LOGICAL_WIDTH - w) / 2, 112, 0x191919, NULL);
  draw_text (p, "···", 52, TRUE, 980, 104, 0x191919, NULL);
  set_rgb (p->cr, 0xD5D5D5);
  cairo_rectangle (p->cr, 0, 210, LOGICAL_WIDTH, 2);
  cairo_fill (p->cr);

  text_size (p, "5月7日 13:58", 34, FALSE, &w, &h);
  draw_text (p, "5月7日 13:58", 34, FALSE, (LOGICAL_WIDTH - w) / 2, 270, 0x9A9A9A, NULL);
  y = bubble (p, "能借我五万块钱吗？急用", TRUE, 360, NULL) + 50;
  y = bubble (p, "好的，马上转给你", FALSE, y, NULL) + 50;

  /* The transfer card: orange, white text, as WeChat draws a transfer in the chat. */
  {
    const double cw = 640, ch = 260, cx = LOGICAL_WIDTH - 40 - 100 - 24 - cw;

    set_rgb (p->cr, 0xC9A27E);
    rounded_rect (p->cr, LOGICAL_WIDTH - 140, y, 100, 100, 12);
    cairo_fill (p->cr);
    set_rgb (p->cr, 0xF79C3B);
    rounded_rect (p->cr, cx, y, cw, ch, 14);
    cairo_fill (p->cr);
    set_rgb (p->cr, 0xFFFFFF);
    cairo_arc (p->cr, cx + 80, y + 90, 44, 0, 2 * G_PI);
    cairo_set_line_width (p->cr, 6);
    cairo_stroke (p->cr);
    draw_text (p, "¥50,000.00", 52, FALSE, cx + 150, y + 36, 0xFFFFFF, boxes ? &boxes->amount : NULL);
    draw_text (p, "转账给李四", 38, FALSE, cx + 150, y + 104, 0xFFFFFF, NULL);
    set_rgb (p->cr, 0xFFFFFF);
    cairo_rectangle (p->cr, cx, y + ch - 62, cw, 62);
    cairo_fill (p->cr);
    draw_text (p, "微信转账", 30, FALSE, cx + 30, y + ch - 50, 0x9A9A9A, NULL);
    y += ch + 50;
  }

  y = bubble (p, "收到，2025年6月30日前还你", TRUE, y, boxes ? &boxes->date : NULL) + 50;
  bubble (p, "好，说定了", FALSE, y, NULL);

  /* input bar */
  set_rgb (p->cr, 0xF7F7F7);
  cairo_rectangle (p->cr, 0, height - 160, LOGICAL_WIDTH, 160);
  cairo_fill (p->cr);
  set_rgb (p->cr, 0xFFFFFF);
  rounded_rect (p->cr, 130, height - 135, 700, 90, 10);
  cairo_fill (p->cr);
}

static void
draw_real_name (Painter *p, PdTestFrameBoxes *boxes)
{
  static const char *rows[][2] = {
    { "姓名", "张三" },
    { "证件类型", "居民身份证" },
    { "身份证号", "1101**********1234" },
    { "手机号", "138****5678" },
    { "认证状态", "已实名" },
  };
  int w, h;
  double y = 330;

  set_rgb (p->cr, 0xEDEDED);
  cairo_paint (p->cr);
  status_bar (p, 0xEDEDED);
  draw_text (p, "<", 52, FALSE, 40, 110, 0x191919, NULL);
  text_size (p, "实名认证", 50, TRUE, &w, &h);
  draw_text (p, "实名认证", 50, TRUE, (LOGICAL_WIDTH - w) / 2, 112, 0x191919,
             boxes ? &boxes->title : NULL);

  set_rgb (p->cr, 0xFFFFFF);
  cairo_rectangle (p->cr, 0, y - 30, LOGICAL_WIDTH, G_N_ELEMENTS (rows) * 140 + 30);
  cairo_fill (p->cr);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++, y += 140)
    {
      draw_text (p, rows[i][0], 46, FALSE, 60, y + 20, 0x191919, NULL);
      text_size (p, rows[i][1], 46, FALSE, &w, &h);
      draw_text (p, rows[i][1], 46, FALSE, LOGICAL_WIDTH - 60 - w, y + 20, 0x7F7F7F,
                 boxes && g_str_equal (rows[i][0], "手机号") ? &boxes->phone : NULL);
      set_rgb (p->cr, 0xE5E5E5);
      cairo_rectangle (p->cr, 60, y + 110, LOGICAL_WIDTH - 60, 2);
      cairo_fill (p->cr);
    }
  draw_text (p, "实名信息仅用于身份验证", 36, FALSE, 60, y + 40, 0x9A9A9A, NULL);
}

static void
draw_unrelated (Painter *p)
{
  static const char *lines[] = {
    "春眠不觉晓，处处闻啼鸟。",
    "夜来风雨声，花落知多少。",
    "床前明月光，疑是地上霜。",
    "举头望明月，低头思故乡。",
    "今天晴，气温二十六度。",
  };
  double y = 330;

  set_rgb (p->cr, 0xFFFFFF);
  cairo_paint (p->cr);
  status_bar (p, 0xFFFFFF);
  draw_text (p, "唐诗", 50, TRUE, 60, 150, 0x191919, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++, y += 120)
    draw_text (p, lines[i], 48, FALSE, 60, y, 0x333333, NULL);
}

cairo_surface_t *
pd_test_frame_render (PdTestFrameKind kind, int width, int height, PdTestFrameBoxes *boxes)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  Painter p;

  if (boxes != NULL)
    memset (boxes, 0, sizeof *boxes);
  p.cr = cairo_create (surface);
  p.scale = width / LOGICAL_WIDTH;
  cairo_scale (p.cr, p.scale, p.scale);
  switch (kind)
    {
    case PD_TEST_FRAME_CHAT:
      draw_chat (&p, height / p.scale, boxes);
      break;
    case PD_TEST_FRAME_REAL_NAME:
      draw_real_name (&p, boxes);
      break;
    case PD_TEST_FRAME_UNRELATED:
    default:
      draw_unrelated (&p);
      break;
    }
  cairo_destroy (p.cr);
  cairo_surface_flush (surface);
  return surface;
}

GstSample *
pd_test_frame_to_sample (cairo_surface_t *surface)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstBuffer) buffer = NULL;
  GstVideoInfo info;
  GstVideoFrame frame;
  guint8 *dst;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_BGRA, width, height);
  caps = gst_video_info_to_caps (&info);
  buffer = gst_buffer_new_allocate (NULL, info.size, NULL);
  gst_video_frame_map (&frame, &info, buffer, GST_MAP_WRITE);
  dst = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
  for (int y = 0; y < height; y++)
    {
      guint8 *row = dst + y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);

      memcpy (row, cairo_image_surface_get_data (surface) + y * stride, (gsize) width * 4);
      for (int x = 0; x < width; x++)
        row[x * 4 + 3] = 0xff;  /* RGB24 leaves the alpha byte undefined */
    }
  gst_video_frame_unmap (&frame);
  return gst_sample_new (buffer, caps, NULL, NULL);
}

gboolean
pd_test_box_overlaps (const PdTestBox *expected, int x, int y, int width, int height)
{
  int ix = MAX (expected->x, x);
  int iy = MAX (expected->y, y);
  int ix2 = MIN (expected->x + expected->width, x + width);
  int iy2 = MIN (expected->y + expected->height, y + height);
  gint64 inter, smaller;

  if (ix2 <= ix || iy2 <= iy)
    return FALSE;
  inter = (gint64) (ix2 - ix) * (iy2 - iy);
  smaller = MIN ((gint64) expected->width * expected->height, (gint64) width * height);
  return smaller > 0 && inter * 2 >= smaller;
}
