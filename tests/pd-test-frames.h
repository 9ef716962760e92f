/* pd-test-frames.h — phone-sized screens drawn with cairo and pango (a WeChat chat with a
 * transfer and a repayment date, a real-name page, a page of unrelated text), for the OCR tests
 * and bench/ocr. */
#pragma once

#include <cairo.h>
#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum {
  PD_TEST_FRAME_CHAT,       /* chat with a transfer card "¥50,000.00" and "2025年6月30日" */
  PD_TEST_FRAME_REAL_NAME,  /* 实名认证: 姓名 张三, 身份证号, 手机号 138****5678 */
  PD_TEST_FRAME_UNRELATED,  /* a poem and a weather line: nothing any template asks for */
} PdTestFrameKind;

typedef struct {
  int x, y, width, height;
} PdTestBox;

/* Where the interesting strings were drawn, in the frame's pixels (zero when not drawn). */
typedef struct {
  PdTestBox amount;    /* "¥50,000.00" */
  PdTestBox date;      /* the line with "2025年6月30日" */
  PdTestBox title;     /* "实名认证" */
  PdTestBox phone;     /* "138****5678" */
} PdTestFrameBoxes;

/* A `width` × `height` frame (drawn for 1080 px wide and scaled), CAIRO_FORMAT_RGB24, which is
 * BGRx in memory on little-endian machines. `boxes` may be NULL. */
cairo_surface_t *pd_test_frame_render    (PdTestFrameKind kind, int width, int height,
                                          PdTestFrameBoxes *boxes);
/* The surface as a GstSample with BGRA caps (the capture's preview format). */
GstSample       *pd_test_frame_to_sample (cairo_surface_t *surface);
/* Whether the box x, y, width, height and `expected` overlap by at least half of the smaller
 * of the two (a suggestion's box may be its whole line or just the value). */
gboolean         pd_test_box_overlaps    (const PdTestBox *expected, int x, int y, int width,
                                          int height);

G_END_DECLS
