/* catalog-scale.c — the catalog at 100 000 sessions: list one case, search, `proofctl list`.
 *
 * usage: catalog-scale [--sessions N] [--cases N] [--runs N] [--proofctl PATH] [--keep]
 *                      [--catalog FILE]
 *
 * Builds a temporary catalog of N sessions (default 100 000) across N cases (default 2 000)
 * through the public API — pd_catalog_ensure_case() with Chinese or English parties,
 * pd_catalog_session_create(), and for one session in five pd_catalog_session_record_package()
 * with a manifest of 1–3 marks whose notes carry amounts and dates ("¥50,000 due 2025-06-30") —
 * 5 000 sessions per pd_catalog_begin_batch() transaction (one transaction per call would be one
 * fsync per call: hours, not seconds). Every call writes its audit row and its search index row
 * as it does in the app. Data come from a fixed seed, so runs are comparable. --catalog FILE
 * fills FILE (kept) if it does not exist and times it either way.
 *
 * Then, on a fresh connection, after one untimed warm-up each, times --runs (default 20) calls
 * of: pd_catalog_list_sessions() of one case, pd_catalog_search_sessions() for a three-character
 * and a two-character Chinese party name, an amount, and a word found nowhere (limit 0 = every
 * match), and `proofctl list --case NAME --catalog FILE` as a subprocess (wall time: fork, exec,
 * open, migrate check, query, print). Prints best and median in ms, the matches, and the size
 * of the catalog file. Target: ≤ 50 ms each. Exit 1 only if a search misses a session it must
 * find (a correctness failure, not a timing). */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "catalog/pd-catalog.h"
#include "evidence/pd-package.h"
#include "util/pd-util.h"

#define BATCH 5000

static const char *const surnames[] = {
  "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
  "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
};
static const char *const given[] = {
  "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇",
  "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "小明",
};
static const char *const pinyin[] = {
  "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
  "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Gao", "Lin", "Luo",
};
static const char *const companies[] = {
  "深圳市华强贸易有限公司", "上海浦江物流有限公司", "Acme Trading Co., Ltd.",
  "北京中关村科技有限公司", "Pearl River Leasing Ltd.", "杭州西湖电子商务有限公司",
};
static const char *const disputes_zh[] = {
  "民间借贷纠纷", "买卖合同纠纷", "劳动争议", "房屋租赁合同纠纷", "网络购物合同纠纷",
};
static const char *const disputes_en[] = {
  "private lending", "sale of goods", "labour dispute", "lease", "online shopping",
};
static const char *const scenarios[] = {
  "lending", "wechat-transfer", "alipay-bill", "sms-evidence", "web-page", "email", "im-chat",
};
static const char *const sources[] = { "x11:0", "x11:1", "screen", "window:微信", "test" };
static const char *const mark_titles[] = {
  "借条", "转账记录", "聊天记录", "还款承诺", "Transfer receipt", "IOU", "Delivery note",
};
static const char *const amounts[] = {
  "3,200", "5,000", "12,500", "50,000", "88,000", "120,000", "250,000", "1,000,000",
};

static const char *
pick (GRand *r, const char *const *list, guint n)
{
  return list[g_rand_int_range (r, 0, (gint32) n)];
}
#define PICK(r, list) pick (r, list, G_N_ELEMENTS (list))

static char *
chinese_name (GRand *r)
{
  return g_strconcat (PICK (r, surnames), PICK (r, given), NULL);
}

static char *
uuid_from (GRand *r)
{
  guint32 a = g_rand_int (r), b = g_rand_int (r), c = g_rand_int (r), d = g_rand_int (r);

  return g_strdup_printf ("%08x-%04x-4%03x-%04x-%04x%08x", a, b >> 16, b & 0xfff,
                          0x8000 | (c >> 16 & 0x3fff), c & 0xffff, d);
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

typedef struct
{
  double best, median;
} Figures;

static Figures
figures (double *ms, guint n)
{
  Figures f;

  qsort (ms, n, sizeof *ms, cmp_double);
  f.best = ms[0];
  f.median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
  return f;
}

/* CPU time of this thread, or of the children waited for, in ms: on a loaded machine the
 * wall time includes waiting for a core, this does not. */
static double
cpu_ms (gboolean children)
{
  if (children)
    {
      struct rusage ru;

      getrusage (RUSAGE_CHILDREN, &ru);
      return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
             (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    }
  else
    {
      struct timespec ts;

      clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
      return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
    }
}

static void
report (const char *what, double *ms, double *cpu, guint n, guint matches)
{
  Figures f = figures (ms, n);
  Figures c = figures (cpu, n);

  printf ("  %-42s best %7.2f  median %7.2f  cpu %7.2f ms  %6u rows  %s\n", what, f.best,
          f.median, c.median, matches, f.median <= 50.0 ? "ok" : "OVER 50 ms");
}

static void
die (const char *what, GError *error)
{
  g_printerr ("catalog-scale: %s: %s\n", what, error ? error->message : "failed");
  exit (2);
}

static void
rm_rf (const char *path)
{
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : 0;
}

int
main (int argc, char **argv)
{
  int n_sessions = 100000, n_cases = 2000, runs = 20;
  gboolean keep = FALSE;
  g_autofree char *proofctl = NULL;
  g_autofree char *reuse = NULL;
  GOptionEntry entries[] = {
    { "sessions", 0, 0, G_OPTION_ARG_INT, &n_sessions, "Sessions (default 100000)", "N" },
    { "cases", 0, 0, G_OPTION_ARG_INT, &n_cases, "Cases (default 2000)", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Timed runs of each query (default 20)", "N" },
    { "proofctl", 0, 0, G_OPTION_ARG_FILENAME, &proofctl,
      "proofctl to run (default: $PROOFCTL, else ../src/cli/proofctl next to this program)", "PATH" },
    { "keep", 0, 0, G_OPTION_ARG_NONE, &keep, "Keep the temporary catalog", NULL },
    { "catalog", 0, 0, G_OPTION_ARG_FILENAME, &reuse,
      "Use this catalog: fill it if it does not exist, then time it (kept)", "FILE" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GRand) r = g_rand_new_with_seed (20250630);
  g_autoptr (PdCatalog) catalog = NULL;
  g_autoptr (GPtrArray) case_names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) party_names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GDateTime) epoch = g_date_time_new_utc (2024, 1, 1, 9, 0, 0);
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *name3 = NULL;
  g_autofree char *name2 = NULL;
  g_autofree double *ms = NULL;
  g_autofree double *cpu = NULL;
  const char *list_case;
  gint64 t0, n_marked = 0;
  gboolean bad = FALSE;
  gboolean existing;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    die ("options", error);
  if (n_sessions < 1 || n_cases < 1 || runs < 1)
    die ("options", NULL);
  if (proofctl == NULL)
    proofctl = g_strdup (g_getenv ("PROOFCTL"));
  if (proofctl == NULL)
    {
      g_autofree char *self_dir = g_path_get_dirname (argv[0]);

      proofctl = g_build_filename (self_dir, "..", "src", "cli", "proofctl", NULL);
    }

  dir = g_dir_make_tmp ("pd-catalog-scale-XXXXXX", &error);
  if (dir == NULL)
    die ("temporary folder", error);
  /* proofctl must not touch the user's data folder */
  g_setenv ("PROOFDESK_DATA_DIR", dir, TRUE);
  path = reuse ? g_canonicalize_filename (reuse, NULL) : g_build_filename (dir, "catalog.db", NULL);
  keep = keep || reuse != NULL;
  existing = g_file_test (path, G_FILE_TEST_EXISTS);
  catalog = pd_catalog_open (path, &error);
  if (catalog == NULL)
    die ("open", error);
  pd_catalog_set_actor (catalog, "bench");

  /* ---- fill ---- */
  {
    g_autoptr (JsonNode) info = pd_catalog_get_info (catalog, &error);

    if (info == NULL)
      die ("info", error);
    printf ("catalog-scale: %d sessions across %d cases in %s (SQLite %s, search: %s)\n",
            n_sessions, n_cases, path,
            json_object_get_string_member (json_node_get_object (info), "sqlite_version"),
            json_object_get_string_member (json_node_get_object (info), "search"));
  }
  t0 = g_get_monotonic_time ();
  if (!existing && !pd_catalog_begin_batch (catalog, &error))
    die ("batch", error);
  for (int i = 0; i < n_cases; i++)
    {
      g_autofree char *plaintiff = chinese_name (r);
      g_autofree char *defendant = chinese_name (r);
      g_autofree char *name = NULL;
      g_autofree char *parties = NULL;
      guint kind = g_rand_int_range (r, 0, 4);
      guint d = g_rand_int_range (r, 0, G_N_ELEMENTS (disputes_zh));

      if (kind == 0)
        {
          /* English caption, pinyin names */
          const char *a = PICK (r, pinyin), *b = PICK (r, pinyin);

          name = g_strdup_printf ("%s v. %s (%d) #%04d", a, b, 2024 + i % 2, i);
          parties = g_strdup_printf ("Plaintiff: %s Wei; Defendant: %s", a,
                                     g_rand_boolean (r) ? PICK (r, companies) : b);
        }
      else
        {
          name = g_strdup_printf ("(%d)粤0305民初%d号 %s诉%s%s", 2024 + i % 2, 10000 + i, plaintiff,
                                  kind == 1 ? PICK (r, companies) : defendant, disputes_zh[d]);
          parties = g_strdup_printf ("原告：%s；被告：%s", plaintiff,
                                     kind == 1 ? PICK (r, companies) : defendant);
        }
      if (!existing &&
          pd_catalog_ensure_case (catalog, name, parties, kind == 0 ? disputes_en[d] : disputes_zh[d],
                                  &error) < 0)
        die ("ensure_case", error);
      g_ptr_array_add (case_names, g_steal_pointer (&name));
      g_ptr_array_add (party_names, g_steal_pointer (&plaintiff));
    }
  for (int i = 0; i < n_sessions && !existing; i++)
    {
      g_autofree char *uuid = uuid_from (r);
      g_autoptr (GDateTime) started = g_date_time_add_seconds (epoch, (double) i * 600 +
                                                               g_rand_int_range (r, 0, 600));
      const char *case_name = g_ptr_array_index (case_names, g_rand_int_range (r, 0, n_cases));

      if (!pd_catalog_session_create (catalog, uuid, case_name, PICK (r, scenarios),
                                      PICK (r, sources), NULL, started, &error))
        die ("session_create", error);
      if (g_rand_int_range (r, 0, 5) == 0)
        {
          g_autoptr (JsonObject) m = json_object_new ();
          JsonArray *marks = json_array_new ();
          int n = g_rand_int_range (r, 1, 4);

          json_object_set_string_member (m, "format", PD_MANIFEST_FORMAT);
          json_object_set_string_member (m, "session", uuid);
          for (int k = 0; k < n; k++)
            {
              JsonObject *mk = json_object_new ();
              g_autofree char *note = NULL;

              if (g_rand_boolean (r))
                note = g_strdup_printf ("¥%s due 2025-%02d-%02d", PICK (r, amounts),
                                        g_rand_int_range (r, 1, 13), g_rand_int_range (r, 1, 29));
              else
                {
                  g_autofree char *who = chinese_name (r);

                  note = g_strdup_printf ("%s承诺于2025年%d月%d日前还款%s元", who,
                                          g_rand_int_range (r, 1, 13), g_rand_int_range (r, 1, 29),
                                          PICK (r, amounts));
                }
              json_object_set_string_member (mk, "item", "iou");
              json_object_set_string_member (mk, "title", PICK (r, mark_titles));
              json_object_set_string_member (mk, "note", note);
              json_object_set_int_member (mk, "stream_time_ns", (gint64) k * 5000000000);
              json_array_add_object_element (marks, mk);
            }
          json_object_set_array_member (m, "marks", marks);
          if (!pd_catalog_session_record_package (catalog, uuid, m, NULL, &error))
            die ("record_package", error);
          n_marked++;
        }
      if ((i + 1) % BATCH == 0 || i + 1 == n_sessions)
        {
          if (!pd_catalog_end_batch (catalog, TRUE, &error))
            die ("commit", error);
          if (i + 1 < n_sessions && !pd_catalog_begin_batch (catalog, &error))
            die ("batch", error);
        }
    }
  if (existing)
    printf ("  existing catalog: not filled (same seed and counts assumed)\n");
  else
    printf ("  filled in %.1f s (%" G_GINT64_FORMAT " sessions with marks; %d per transaction)\n",
          (g_get_monotonic_time () - t0) / 1e6, n_marked, BATCH);
  /* closing the last connection checkpoints the WAL into the file */
  g_clear_object (&catalog);
  printf ("  catalog file: %.1f MiB (%" G_GINT64_FORMAT " bytes)\n", file_size (path) / 1048576.0,
          file_size (path));

  /* ---- time ---- */
  catalog = pd_catalog_open (path, &error);
  if (catalog == NULL)
    die ("reopen", error);
  list_case = g_ptr_array_index (case_names, n_cases / 2);
  name3 = NULL;
  for (guint i = 0; i < party_names->len && name3 == NULL; i++)
    if (g_utf8_strlen (g_ptr_array_index (party_names, i), -1) == 3)
      name3 = g_strdup (g_ptr_array_index (party_names, i));
  for (guint i = 0; i < party_names->len && name2 == NULL; i++)
    if (g_utf8_strlen (g_ptr_array_index (party_names, i), -1) == 2)
      name2 = g_strdup (g_ptr_array_index (party_names, i));
  ms = g_new (double, runs);
  cpu = g_new (double, runs);

  printf ("timings in ms (%d runs after one warm-up; cpu = median CPU time of the call):\n", runs);
  {
    guint matches = 0;

    for (int i = -1; i < runs; i++)
      {
        g_autoptr (GPtrArray) list = NULL;
        gint64 t = g_get_monotonic_time ();
        double c = cpu_ms (FALSE);

        list = pd_catalog_list_sessions (catalog, list_case, NULL, &error);
        if (list == NULL)
          die ("list", error);
        if (i >= 0)
          {
            ms[i] = (g_get_monotonic_time () - t) / 1000.0;
            cpu[i] = cpu_ms (FALSE) - c;
          }
        matches = list->len;
      }
    report ("list_sessions (one case)", ms, cpu, runs, matches);
  }
  {
    const struct
    {
      const char *label;
      const char *query;
      guint       limit;
      gboolean    must_match;
    } searches[] = {
      { "search: party, 3 chars", name3, 0, TRUE },
      { "search: party, 2 chars", name2, 0, TRUE },
      { "search: amount \"50,000\"", "50,000", 0, existing || n_marked > 20 },
      { "search: amount \"50,000\", limit 100", "50,000", 100, existing || n_marked > 20 },
      { "search: \"due 2025-06\" (two words)", "due 2025-06", 0, existing || n_marked > 50 },
      { "search: one letter \"Z\"", "Z", 0, TRUE },
      { "search: no match \"无此当事人xyz\"", "无此当事人xyz", 0, FALSE },
      { "search: no match, 2 chars \"龘龘\"", "龘龘", 0, FALSE },
    };

    for (guint q = 0; q < G_N_ELEMENTS (searches); q++)
      {
        g_autofree char *label = NULL;
        guint matches = 0;

        if (searches[q].query == NULL)
          continue;
        for (int i = -1; i < runs; i++)
          {
            g_autoptr (GPtrArray) found = NULL;
            gint64 t = g_get_monotonic_time ();
            double c = cpu_ms (FALSE);

            found = pd_catalog_search_sessions (catalog, searches[q].query, searches[q].limit,
                                                &error);
            if (found == NULL)
              die ("search", error);
            if (i >= 0)
              {
                ms[i] = (g_get_monotonic_time () - t) / 1000.0;
                cpu[i] = cpu_ms (FALSE) - c;
              }
            matches = found->len;
          }
        label = g_strdup_printf ("%s %s", searches[q].label,
                                 q < 2 ? searches[q].query : "");
        report (label, ms, cpu, runs, matches);
        if (searches[q].must_match && matches == 0)
          {
            g_printerr ("catalog-scale: search for “%s” found nothing\n", searches[q].query);
            bad = TRUE;
          }
        if (g_str_has_prefix (searches[q].label, "search: no match") && matches != 0)
          {
            g_printerr ("catalog-scale: search for “%s” found something\n", searches[q].query);
            bad = TRUE;
          }
      }
  }
  {
    /* the first is the floor: process start, dynamic linking and pd_core_init() (GStreamer,
     * OpenSSL warm-up), no catalog at all */
    const struct
    {
      const char *label;
      const char *argv[7];
    } runs_of[] = {
      { "proofctl --version (start-up floor)", { proofctl, "--version", NULL } },
      { "proofctl list --case NAME (subprocess)",
        { proofctl, "list", "--case", list_case, "--catalog", path, NULL } },
      { "proofctl list --search NAME3 (subprocess)",
        { proofctl, "list", "--search", name3, "--catalog", path, NULL } },
    };

    for (guint k = 0; k < G_N_ELEMENTS (runs_of); k++)
      {
        if (name3 == NULL && k == 2)
          continue;
        for (int i = -1; i < runs; i++)
          {
            g_autoptr (GSubprocess) p = NULL;
            gint64 t = g_get_monotonic_time ();
            double c = cpu_ms (TRUE);

            p = g_subprocess_newv (runs_of[k].argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
            if (p == NULL || !g_subprocess_wait_check (p, NULL, &error))
              die (proofctl, error);
            if (i >= 0)
              {
                ms[i] = (g_get_monotonic_time () - t) / 1000.0;
                cpu[i] = cpu_ms (TRUE) - c;
              }
          }
        report (runs_of[k].label, ms, cpu, runs, 0);
      }
  }

  g_clear_object (&catalog);
  if (keep)
    printf ("kept %s\n", path);
  else
    rm_rf (dir);
  return bad ? 1 : 0;
}
