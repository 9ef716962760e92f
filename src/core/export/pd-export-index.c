/* pd-export-index.c — the files an export generates at its root: INDEX.html, INDEX.txt, VERIFY.txt, SHA256SUMS. */
#define G_LOG_DOMAIN "pd-export"

#include "config.h"

#include <string.h>

#include "export/pd-export-private.h"
#include "util/pd-util.h"

/* ---- The generated root files ---- */

/* Text safe on one line: controls and direction overrides become U+FFFD. */
static char *
line_text (const char *s)
{
  g_autofree char *valid = g_utf8_make_valid (s ? s : "", -1);
  GString *out = g_string_new (NULL);

  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || g_unichar_type (c) == G_UNICODE_FORMAT)
        g_string_append_unichar (out, 0xFFFD);
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

static char *
html (const char *s)
{
  g_autofree char *line = line_text (s);

  return g_markup_escape_text (line, -1);
}

static char *
time_or_dash (GDateTime *dt)
{
  return dt ? pd_time_format_utc (dt) : g_strdup ("—");
}

static gboolean
is_recording (const PlanFile *f)
{
  return f->package != NULL && f->package->recording_name != NULL &&
         g_str_equal (f->src_rel, f->package->recording_name);
}

static GBytes *
build_index_text (Job *job)
{
  PdExportResult *r = job->result;
  GString *s = g_string_new (NULL);
  g_autofree char *now = pd_time_format_utc (r->started);
  g_autofree char *label = line_text (r->label);

  g_string_append (s, "PROOFDESK EVIDENCE EXPORT — INDEX\n证据导出清单\n");
  g_string_append (s, "=================================\n\n");
  g_string_append_printf (s, "Label 标签:            %s\n", label);
  if (r->kind != PD_EXPORT_TARGET_FOLDER)
    g_string_append_printf (s, "ISO volume id 卷标:    %s\n", r->volume_id);
  g_string_append_printf (s, "Exported 导出时间:     %s\n", now);
  g_string_append_printf (s, "Packages 证据包数:     %u\n\n", r->packages->len);
  g_string_append (s, "Every file below is listed with its SHA-256 and size. Check one with\n"
                      "\"sha256sum FILE\", or all of them with \"sha256sum -c " PD_EXPORT_SUMS_NAME "\".\n"
                      "以下列出每个文件的 SHA-256 和大小。\n\n");

  for (guint i = 0; i < r->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (r->packages, i);
      g_autofree char *case_name = line_text (p->case_name && *p->case_name ? p->case_name : "—");
      g_autofree char *scenario = line_text (p->scenario && *p->scenario ? p->scenario : "—");
      g_autofree char *started = time_or_dash (p->started);
      g_autofree char *gen = time_or_dash (p->gen_time);
      g_autofree char *tsa = line_text (p->tsa_name ? p->tsa_name : "—");

      g_string_append_printf (s, "== %s ==\n", p->export_dir);
      g_string_append_printf (s, "Session 会话:          %s\n", p->session ? p->session : "—");
      g_string_append_printf (s, "Case 案件:             %s\n", case_name);
      g_string_append_printf (s, "Scenario 场景:         %s\n", scenario);
      g_string_append_printf (s, "Capture started 开始:  %s\n", started);
      g_string_append_printf (s, "Recording 录像:        %s, %" G_GUINT64_FORMAT " bytes\n",
                              p->recording_name ? p->recording_name : "—", p->recording_size);
      g_string_append_printf (s, "  SHA-256:             %s\n",
                              p->recording_sha256 ? p->recording_sha256 : "—");
      g_string_append_printf (s, "  TSA time 时间戳时间: %s\n", gen);
      g_string_append_printf (s, "  TSA 时间戳机构:      %s\n", tsa);
      if (p->practice)
        g_string_append (s, "  PRACTICE AUTHORITY — NOT FOR COURT 练习用时间戳，不可用于诉讼\n");
      g_string_append_printf (s, "Verified before export 导出前校验: %s\n\n",
                              pd_verdict_to_string (p->verdict));
      g_string_append (s, "SHA-256                                                           "
                          "bytes  path\n");
      for (guint j = 0; j < job->files->len; j++)
        {
          PlanFile *f = g_ptr_array_index (job->files, j);

          if (f->package != p)
            continue;
          g_string_append_printf (s, "%s %12" G_GUINT64_FORMAT "  %s", f->sha256, f->size, f->rel);
          if (is_recording (f))
            g_string_append_printf (s, "  [TSA %s, %s]", gen, tsa);
          g_string_append_c (s, '\n');
        }
      g_string_append_c (s, '\n');
    }
  return g_string_free_to_bytes (s);
}

static GBytes *
build_index_html (Job *job)
{
  PdExportResult *r = job->result;
  GString *s = g_string_new (NULL);
  g_autofree char *label = html (r->label);
  g_autofree char *now = pd_time_format_utc (r->started);

  g_string_append (s, "<!DOCTYPE html>\n<html lang=\"zh\">\n<head>\n<meta charset=\"utf-8\">\n");
  g_string_append (s, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                      "style-src 'unsafe-inline'\">\n");
  g_string_append_printf (s, "<title>%s</title>\n", label);
  g_string_append (s, "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;"
                      "text-align:left;vertical-align:top}code{font-size:90%}"
                      ".warn{color:#b3261e;font-weight:bold}</style>\n</head>\n<body>\n");
  g_string_append_printf (s, "<h1>%s</h1>\n<p>Proofdesk evidence export 证据导出 · %s", label, now);
  if (r->kind != PD_EXPORT_TARGET_FOLDER)
    g_string_append_printf (s, " · <code>%s</code>", r->volume_id);
  g_string_append (s, "</p>\n<p>Every file with its SHA-256. See <a href=\"VERIFY.txt\">VERIFY.txt</a>"
                      " for how to check them. 每个文件及其 SHA-256；校验方法见 VERIFY.txt。</p>\n");

  for (guint i = 0; i < r->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (r->packages, i);
      g_autofree char *dir = html (p->export_dir);
      g_autofree char *case_name = html (p->case_name && *p->case_name ? p->case_name : "—");
      g_autofree char *scenario = html (p->scenario && *p->scenario ? p->scenario : "—");
      g_autofree char *session = html (p->session ? p->session : "—");
      g_autofree char *started = time_or_dash (p->started);
      g_autofree char *gen = time_or_dash (p->gen_time);
      g_autofree char *tsa = html (p->tsa_name ? p->tsa_name : "—");
      g_autofree char *rec = html (p->recording_sha256 ? p->recording_sha256 : "—");

      g_string_append_printf (s, "<h2>%s</h2>\n<table>\n", dir);
      g_string_append_printf (s, "<tr><th>Case 案件</th><td>%s</td></tr>\n", case_name);
      g_string_append_printf (s, "<tr><th>Scenario 场景</th><td>%s</td></tr>\n", scenario);
      g_string_append_printf (s, "<tr><th>Session 会话</th><td><code>%s</code></td></tr>\n", session);
      g_string_append_printf (s, "<tr><th>Capture started 开始</th><td>%s</td></tr>\n", started);
      g_string_append_printf (s, "<tr><th>Recording SHA-256</th><td><code>%s</code></td></tr>\n", rec);
      g_string_append_printf (s, "<tr><th>TSA time 时间戳时间</th><td>%s</td></tr>\n", gen);
      g_string_append_printf (s, "<tr><th>TSA 时间戳机构</th><td>%s</td></tr>\n", tsa);
      g_string_append_printf (s, "<tr><th>Verified before export</th><td>%s</td></tr>\n</table>\n",
                              pd_verdict_to_string (p->verdict));
      if (p->practice)
        g_string_append (s, "<p class=\"warn\">Practice authority — not for court. "
                            "练习用时间戳，不可用于诉讼。</p>\n");
      g_string_append (s, "<table>\n<tr><th>File 文件</th><th>Bytes</th><th>SHA-256</th>"
                          "<th>TSA</th></tr>\n");
      for (guint j = 0; j < job->files->len; j++)
        {
          PlanFile *f = g_ptr_array_index (job->files, j);
          g_autofree char *uri = NULL, *href = NULL, *shown = NULL;

          if (f->package != p)
            continue;
          uri = g_uri_escape_string (f->rel, "/", FALSE);
          href = g_markup_escape_text (uri, -1);
          shown = html (f->rel);
          g_string_append_printf (s, "<tr><td><a href=\"%s\">%s</a></td><td>%" G_GUINT64_FORMAT
                                     "</td><td><code>%s</code></td><td>",
                                  href, shown, f->size, f->sha256);
          if (is_recording (f))
            g_string_append_printf (s, "%s<br>%s", gen, tsa);
          g_string_append (s, "</td></tr>\n");
        }
      g_string_append (s, "</table>\n");
    }
  g_string_append (s, "</body>\n</html>\n");
  return g_string_free_to_bytes (s);
}

static GBytes *
build_verify_text (Job *job)
{
  PdExportResult *r = job->result;
  GString *s = g_string_new (NULL);
  g_autofree char *label = line_text (r->label);

  g_string_append (s, "HOW TO VERIFY THIS EXPORT WITH STANDARD TOOLS\n"
                      "如何用通用工具校验本导出\n"
                      "=============================================\n\n");
  g_string_append_printf (s, "Label 标签: %s\n\n", label);
  g_string_append (s,
    "Layout 目录结构:\n"
    "  INDEX.html, INDEX.txt   every file with its SHA-256; TSA time of each recording\n"
    "                          每个文件的 SHA-256，以及每段录像的可信时间戳时间\n"
    "  SHA256SUMS              the same SHA-256s, for sha256sum -c\n"
    "  VERIFY.txt              this file 本文件\n"
    "  CASE/PACKAGE/           one evidence package per recording session, copied unchanged;\n"
    "                          each has its own VERIFY.txt with the exact openssl commands\n"
    "                          每个取证会话一个证据包，原样复制，包内 VERIFY.txt 有完整校验命令\n\n"
    "1. Every file is intact (run in this folder, or at the root of the disc):\n"
    "   所有文件完好（在本目录或光盘根目录运行）：\n\n"
    "   sha256sum -c SHA256SUMS\n\n"
    "2. The trusted timestamps of each package: go into the package and follow its VERIFY.txt\n"
    "   (openssl ts -verify …). Each command must print \"Verification: OK\".\n"
    "   每个证据包的可信时间戳：进入证据包目录，按其 VERIFY.txt 操作：\n\n");
  for (guint i = 0; i < r->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (r->packages, i);
      g_autofree char *quoted = g_shell_quote (p->export_dir);

      g_string_append_printf (s, "   cd %s && cat VERIFY.txt\n", quoted);
    }
  g_string_append (s,
    "\n3. Proofdesk does all of it in one step for each package:\n"
    "   Proofdesk 可一步完成：\n\n");
  for (guint i = 0; i < r->packages->len; i++)
    {
      PdExportPackage *p = g_ptr_array_index (r->packages, i);
      g_autofree char *quoted = g_shell_quote (p->export_dir);

      g_string_append_printf (s, "   proofctl verify %s\n", quoted);
    }
  if (r->kind != PD_EXPORT_TARGET_FOLDER)
    g_string_append (s,
      "\nThe disc also carries MD5 checksums of its own (libisofs); check them with\n"
      "光盘另含 libisofs MD5 校验和，可用以下命令检查：\n\n"
      "   xorriso -md5 on -indev /dev/sr0 -check_md5 FAILURE -- \n");
  g_string_append (s,
    "\nA copy is evidence only together with its timestamps: keep each package folder whole.\n"
    "证据包须完整保存，时间戳与文件一起才能证明文件未被改动。\n");
  return g_string_free_to_bytes (s);
}

static void
add_generated (Job *job, const char *name, GBytes *data)
{
  PlanFile *f = g_new0 (PlanFile, 1);

  f->rel = g_strdup (name);
  f->data = data;
  f->size = g_bytes_get_size (data);
  f->mtime = g_date_time_to_unix (job->result->started);
  f->sha256 = pd_sha256_bytes (g_bytes_get_data (data, NULL), f->size);
  f->from = "export";
  g_ptr_array_add (job->files, f);
  g_hash_table_insert (job->by_rel, f->rel, f);
  job->total += f->size;
}

void
pd_export_add_root_files (Job *job)
{
  g_autoptr (GString) sums = g_string_new (NULL);

  add_generated (job, PD_EXPORT_INDEX_HTML_NAME, build_index_html (job));
  add_generated (job, PD_EXPORT_INDEX_TEXT_NAME, build_index_text (job));
  add_generated (job, PD_EXPORT_VERIFY_NAME, build_verify_text (job));
  /* Names are plain (acceptable_name, export_component): no escaping needed for sha256sum. */
  for (guint i = 0; i < job->files->len; i++)
    {
      PlanFile *f = g_ptr_array_index (job->files, i);

      g_string_append_printf (sums, "%s  %s\n", f->sha256, f->rel);
    }
  add_generated (job, PD_EXPORT_SUMS_NAME, g_string_free_to_bytes (g_steal_pointer (&sums)));
}

