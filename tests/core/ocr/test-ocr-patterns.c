/* test-ocr-patterns.c — the OCR text patterns (amounts, dates, rates, phones, ID and account
 * numbers, Chinese numerals) and checklist suggestions from synthetic recognised lines against
 * the shipped templates. No Tesseract needed. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "checklist/pd-checklist.h"
#include "ocr/pd-ocr.h"
#include "test-common.h"

/* ---- Helpers ---- */

typedef GPtrArray *(*FindFunc) (const char *line);

typedef struct
{
  const char *line;
  const char *value;  /* normalised value of the only match; NULL = no match at all */
  gint64      fen;    /* amounts: expected fen */
  const char *text;   /* the matched text in the folded line, or NULL to skip the check */
} Case;

/* Every match is well-formed: its text is exactly its byte range of the folded line. */
static void
check_match_invariants (const char *line, GPtrArray *matches, PdOcrMatchKind kind)
{
  g_autofree char *folded = pd_ocr_fold_text (line);

  g_assert_nonnull (matches);
  for (guint i = 0; i < matches->len; i++)
    {
      PdOcrMatch *m = g_ptr_array_index (matches, i);

      g_assert_cmpint (m->kind, ==, kind);
      g_assert_cmpuint (m->start, <, m->end);
      g_assert_cmpuint (m->end, <=, strlen (folded));
      g_assert_cmpint (strncmp (folded + m->start, m->text, m->end - m->start), ==, 0);
      g_assert_cmpuint (strlen (m->text), ==, m->end - m->start);
      g_assert_true (g_utf8_validate (m->value, -1, NULL));
      if (kind == PD_OCR_MATCH_AMOUNT)
        g_assert_cmpint (m->amount_fen, >=, 0);
      else
        g_assert_cmpint (m->amount_fen, ==, -1);
      if (i > 0)
        g_assert_cmpuint (((PdOcrMatch *) g_ptr_array_index (matches, i - 1))->end, <=, m->start);
    }
}

static void
run_cases (FindFunc find, PdOcrMatchKind kind, const Case *cases, gsize n_cases)
{
  for (gsize i = 0; i < n_cases; i++)
    {
      const Case *c = &cases[i];
      g_autoptr (GPtrArray) matches = find (c->line);

      g_test_message ("line “%s”", c->line);
      check_match_invariants (c->line, matches, kind);
      if (c->value == NULL)
        {
          if (matches->len > 0)
            g_test_message ("unexpected match “%s” → %s",
                            ((PdOcrMatch *) g_ptr_array_index (matches, 0))->text,
                            ((PdOcrMatch *) g_ptr_array_index (matches, 0))->value);
          g_assert_cmpuint (matches->len, ==, 0);
          continue;
        }
      g_assert_cmpuint (matches->len, ==, 1);
      {
        PdOcrMatch *m = g_ptr_array_index (matches, 0);

        g_assert_cmpstr (m->value, ==, c->value);
        if (kind == PD_OCR_MATCH_AMOUNT)
          g_assert_cmpint (m->amount_fen, ==, c->fen);
        if (c->text != NULL)
          g_assert_cmpstr (m->text, ==, c->text);
      }
    }
}

/* ---- Folding and Chinese numerals ---- */

static void
test_fold (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "１２３４５６７８９０", "1234567890" },
    { "￥５０，０００．００", "￥50,000.00" },
    { "时间：１３：５８", "时间:13:58" },
    { "年利率２４％", "年利率24%" },
    { "实名　认证", "实名 认证" },
    { "ＡＢＣｘｙｚ", "ABCxyz" },
    { "１３８＊＊＊＊５６７８", "138****5678" },
    { "2025－05－07", "2025-05-07" },
    { "−1,000.00", "-1,000.00" },
    { "a\u200bb", "ab" },
    { "\u2f49", "月" },  /* Kangxi radical MOON */
    { "¥ stays", "¥ stays" },
    { "", "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = pd_ocr_fold_text (cases[i].in);
      g_autofree char *again = pd_ocr_fold_text (out);

      g_assert_cmpstr (out, ==, cases[i].out);
      g_assert_cmpstr (again, ==, out);  /* idempotent */
    }

  {
    g_autofree char *null_out = pd_ocr_fold_text (NULL);
    g_autofree char *bad = pd_ocr_fold_text ("abc\xff\xfe１２");

    g_assert_cmpstr (null_out, ==, "");
    g_assert_true (g_utf8_validate (bad, -1, NULL));
    g_assert_true (g_str_has_prefix (bad, "abc"));
    g_assert_true (g_str_has_suffix (bad, "12"));
  }
}

static void
test_chinese_numbers (void)
{
  static const struct { const char *text; gint64 value; } good[] = {
    { "伍万", 50000 },
    { "一千二百", 1200 },
    { "十五", 15 },
    { "一千零五", 1005 },
    { "三亿", 300000000 },
    { "零", 0 },
    { "〇", 0 },
    { "两万", 20000 },
    { "一万五", 15000 },
    { "一千五", 1500 },
    { "一百一十", 110 },
    { "壹拾万", 100000 },
    { "贰佰叁拾肆", 234 },
    { "壹仟贰佰", 1200 },
    { "一亿三千万", 130000000 },
    { "三万亿", G_GINT64_CONSTANT (3000000000000) },
    { "十", 10 },
    { "九", 9 },
    { "二十", 20 },
    { "一万零一", 10001 },
    { "玖仟玖佰玖拾玖", 9999 },
    { "九千九百九十九亿九千九百九十九万九千九百九十九", G_GINT64_CONSTANT (999999999999) },
  };
  static const char *const bad[] = {
    "", "5万", "万一", "千万", "一二", "十十", "abc", "伍万a", "百", "二〇二五",
    "一万二万", "一亿亿", "九千亿亿亿亿", "五 万", "元", "\xff\xfe",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      gint64 value = -1;

      g_test_message ("%s", good[i].text);
      g_assert_true (pd_ocr_parse_chinese_number (good[i].text, &value));
      g_assert_cmpint (value, ==, good[i].value);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      gint64 value = 42;

      g_test_message ("bad: %s", bad[i]);
      g_assert_false (pd_ocr_parse_chinese_number (bad[i], &value));
      g_assert_cmpint (value, ==, 0);
    }
  g_assert_false (pd_ocr_parse_chinese_number (NULL, NULL));

  /* A long run of numerals neither overflows nor takes long. */
  {
    GString *s = g_string_new (NULL);
    gint64   value;

    for (int i = 0; i < 200; i++)
      g_string_append (s, "九千九百九十九万");
    g_assert_false (pd_ocr_parse_chinese_number (s->str, &value));
    g_string_assign (s, "");
    for (int i = 0; i < 20; i++)
      g_string_append (s, "九亿");
    g_assert_false (pd_ocr_parse_chinese_number (s->str, &value));
    g_string_free (s, TRUE);
  }
}

/* ---- Amounts ---- */

static const Case amount_cases[] = {
  { "¥50,000", "50000.00", 5000000, "¥50,000" },
  { "￥50,000.00", "50000.00", 5000000, "￥50,000.00" },
  { "50000元", "50000.00", 5000000, "50000元" },
  { "5万元", "50000.00", 5000000, "5万元" },
  { "1.5万", "15000.00", 1500000, "1.5万" },
  { "RMB 1,200", "1200.00", 120000, "RMB 1,200" },
  { "人民币伍万元整", "50000.00", 5000000, "人民币伍万元整" },
  { "伍万元", "50000.00", 5000000, "伍万元" },
  { "壹仟贰佰元伍角", "1200.50", 120050, "壹仟贰佰元伍角" },
  { "壹仟贰佰元伍角叁分", "1200.53", 120053, NULL },
  { "+50,000.00", "50000.00", 5000000, "+50,000.00" },
  { "-1,000.00", "1000.00", 100000, "-1,000.00" },
  { "转账 ¥ 200.00", "200.00", 20000, "¥ 200.00" },
  { "Y200.00", "200.00", 20000, "Y200.00" },
  { "¥ 5 0 , 0 0 0", "50000.00", 5000000, "¥ 5 0 , 0 0 0" },
  { "５００００元", "50000.00", 5000000, "50000元" },
  { "￥５０，０００．００", "50000.00", 5000000, "￥50,000.00" },
  { "借 我 5 千 块", "5000.00", 500000, "5 千 块" },
  { "二十元", "20.00", 2000, NULL },
  { "两万五，下个月还你", "25000.00", 2500000, "两万五" },
  { "人民币50,000元", "50000.00", 5000000, NULL },
  { "50000.5元", "50000.50", 5000050, NULL },
  { "1,200 RMB", "1200.00", 120000, NULL },
  { "¥3.5万", "35000.00", 3500000, NULL },
  { "3 0 0 元", "300.00", 30000, NULL },
  { "壹拾万元整", "100000.00", 10000000, NULL },
  { "收到转账 ¥ 1 , 2 0 0 . 0 0", "1200.00", 120000, NULL },
  { "借款金额：50,000元", "50000.00", 5000000, NULL },
  { "共计3.14元", "3.14", 314, NULL },
  { "CNY 99.9", "99.90", 9990, NULL },
  { "5万多", "50000.00", 5000000, NULL },
  { "本金 2 万 元", "20000.00", 2000000, NULL },
  { "100块钱", "100.00", 10000, NULL },
  { "¥0.01", "0.01", 1, NULL },
  /* Not amounts. */
  { "13812345678", NULL, 0, NULL },
  { "2025-05-07", NULL, 0, NULL },
  { "2025年5月7日 13:58", NULL, 0, NULL },
  { "13:58", NULL, 0, NULL },
  { "110101199003071233", NULL, 0, NULL },
  { "50000", NULL, 0, NULL },
  { "50,000.00", NULL, 0, NULL },
  { "一起去吃饭吧", NULL, 0, NULL },
  { "千万不要告诉别人", NULL, 0, NULL },
  { "统一元素", NULL, 0, NULL },
  { "5万人参加", NULL, 0, NULL },
  { "三万人", NULL, 0, NULL },
  { "第3期", NULL, 0, NULL },
  { "XY200", NULL, 0, NULL },
  { "打折 -1.50%", NULL, 0, NULL },
  { "2025.05.07", NULL, 0, NULL },
  { "订单号 2025050712345678", NULL, 0, NULL },
  { "Y2K", NULL, 0, NULL },
  { "一百多个", NULL, 0, NULL },
  { "", NULL, 0, NULL },
  { "   ", NULL, 0, NULL },
  { "¥", NULL, 0, NULL },
  { "¥99999999999999999999", NULL, 0, NULL },
};

static void
test_amounts (void)
{
  run_cases (pd_ocr_find_amounts, PD_OCR_MATCH_AMOUNT, amount_cases, G_N_ELEMENTS (amount_cases));
}

static void
test_amounts_several (void)
{
  g_autoptr (GPtrArray) m = pd_ocr_find_amounts ("借 你 ¥100 ， 又 借 ¥ 200.50 和 伍佰元");
  g_autoptr (GPtrArray) none = pd_ocr_find_amounts (NULL);

  check_match_invariants ("借 你 ¥100 ， 又 借 ¥ 200.50 和 伍佰元", m, PD_OCR_MATCH_AMOUNT);
  g_assert_cmpuint (m->len, ==, 3);
  g_assert_cmpint (((PdOcrMatch *) g_ptr_array_index (m, 0))->amount_fen, ==, 10000);
  g_assert_cmpint (((PdOcrMatch *) g_ptr_array_index (m, 1))->amount_fen, ==, 20050);
  g_assert_cmpint (((PdOcrMatch *) g_ptr_array_index (m, 2))->amount_fen, ==, 50000);
  g_assert_cmpuint (none->len, ==, 0);
}

static void
test_format_amount (void)
{
  static const struct { gint64 fen; const char *out; } cases[] = {
    { 5000000, "¥50,000.00" },
    { 0, "¥0.00" },
    { 5, "¥0.05" },
    { 99999, "¥999.99" },
    { 100000, "¥1,000.00" },
    { 123456789, "¥1,234,567.89" },
    { -100000, "-¥1,000.00" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = pd_ocr_format_amount (cases[i].fen);

      g_assert_cmpstr (out, ==, cases[i].out);
    }
  {
    g_autofree char *max = pd_ocr_format_amount (G_MAXINT64);
    g_autofree char *min = pd_ocr_format_amount (G_MININT64);

    g_assert_cmpstr (max, ==, "¥92,233,720,368,547,758.07");
    g_assert_cmpstr (min, ==, "-¥92,233,720,368,547,758.08");
  }
}

/* ---- Dates ---- */

static const Case date_cases[] = {
  { "2025-05-07", "2025-05-07", 0, "2025-05-07" },
  { "2025/5/7", "2025-05-07", 0, NULL },
  { "2025.05.07", "2025-05-07", 0, NULL },
  { "2025年5月7日", "2025-05-07", 0, NULL },
  { "2025年5月7日 13:58", "2025-05-07 13:58", 0, "2025年5月7日 13:58" },
  { "5月7日 13:58", "--05-07 13:58", 0, NULL },
  { "5月7日", "--05-07", 0, NULL },
  { "二〇二五年五月七日", "2025-05-07", 0, NULL },
  { "二〇二四年十二月三十一日", "2024-12-31", 0, NULL },
  { "2025-05-07 13:58:02", "2025-05-07 13:58:02", 0, NULL },
  { "转 账 时 间 2025 年 5 月 7 日 13:58:02", "2025-05-07 13:58:02", 0,
    "2025 年 5 月 7 日 13:58:02" },
  { "2 0 2 5 - 0 5 - 0 7", "2025-05-07", 0, NULL },
  { "２０２５－０５－０７", "2025-05-07", 0, NULL },
  { "２０２５年５月７日　１３：５８", "2025-05-07 13:58", 0, NULL },
  { "2025年5月7日 下午1:58", "2025-05-07 13:58", 0, NULL },
  { "2025年5月7日 上午9:05", "2025-05-07 09:05", 0, NULL },
  { "05-07 13:58", "--05-07 13:58", 0, NULL },
  { "2024-02-29", "2024-02-29", 0, NULL },
  { "2025年05月07号", "2025-05-07", 0, NULL },
  { "还款日：2025年6月30日", "2025-06-30", 0, NULL },
  { "2025-05-07 25:61", "2025-05-07", 0, "2025-05-07" },
  { "2025年5月7", "2025-05-07", 0, NULL },
  /* Not dates. */
  { "2025-13-40", NULL, 0, NULL },
  { "2025-02-29", NULL, 0, NULL },
  { "2025-02-30", NULL, 0, NULL },
  { "2025年13月1日", NULL, 0, NULL },
  { "5月32日", NULL, 0, NULL },
  { "13:58", NULL, 0, NULL },
  { "昨天 13:58", NULL, 0, NULL },
  { "13812345678", NULL, 0, NULL },
  { "110101199003071233", NULL, 0, NULL },
  { "¥2025.05", NULL, 0, NULL },
  { "5月", NULL, 0, NULL },
  { "版本 8.0.33", NULL, 0, NULL },
  { "1850-01-01", NULL, 0, NULL },
  { "2025-05/07", NULL, 0, NULL },
  { "二〇二五年十三月一日", NULL, 0, NULL },
  { "", NULL, 0, NULL },
};

static void
test_dates (void)
{
  run_cases (pd_ocr_find_dates, PD_OCR_MATCH_DATE, date_cases, G_N_ELEMENTS (date_cases));
}

/* ---- Rates ---- */

static const Case rate_cases[] = {
  { "年利率24%", "24%", 0, "年利率24%" },
  { "月息2分", "2%/month", 0, "月息2分" },
  { "年化 15.4%", "15.4%", 0, NULL },
  { "年化利率：18%", "18%", 0, NULL },
  { "日息0.05%", "0.05%/day", 0, NULL },
  { "月息5厘", "0.5%/month", 0, NULL },
  { "年息1分", "10%", 0, NULL },
  { "月息两分", "2%/month", 0, NULL },
  { "利息2分", "2%/month", 0, NULL },
  { "年 利 率 2 4 %", "24%", 0, NULL },
  { "月利率1.5%", "1.5%/month", 0, NULL },
  { "年化利率３．６５％", "3.65%", 0, NULL },
  { "利率为 36%", "36%", 0, NULL },
  { "日利率0.5‰", "0.05%/day", 0, NULL },
  /* Not rates. */
  { "利息500元", NULL, 0, NULL },
  { "24%", NULL, 0, NULL },
  { "月息", NULL, 0, NULL },
  { "利息2分钟", NULL, 0, NULL },
  { "打折20%", NULL, 0, NULL },
  { "", NULL, 0, NULL },
};

static void
test_rates (void)
{
  run_cases (pd_ocr_find_rates, PD_OCR_MATCH_RATE, rate_cases, G_N_ELEMENTS (rate_cases));
}

/* ---- Phones ---- */

static const Case phone_cases[] = {
  { "138****5678", "138****5678", 0, "138****5678" },
  { "13812345678", "13812345678", 0, NULL },
  { "138 1234 5678", "13812345678", 0, "138 1234 5678" },
  { "+86 138 1234 5678", "13812345678", 0, NULL },
  { "手机号：１３８１２３４５６７８", "13812345678", 0, NULL },
  { "1 3 8 1 2 3 4 5 6 7 8", "13812345678", 0, NULL },
  { "138-1234-5678", "13812345678", 0, NULL },
  { "138大大大大5678", "138****5678", 0, NULL },
  { "绑定手机 159******21", "159******21", 0, NULL },
  { "联系电话19912345678。", "19912345678", 0, NULL },
  /* Not phones. */
  { "12812345678", NULL, 0, NULL },
  { "1381234567", NULL, 0, NULL },
  { "138123456789", NULL, 0, NULL },
  { "110101199003071233", NULL, 0, NULL },
  { "6222021234567894", NULL, 0, NULL },
  { "138**5678", NULL, 0, NULL },
  { "大大大小小", NULL, 0, NULL },
  { "138*1*345678", NULL, 0, NULL },
  { "2025-05-07 13:58", NULL, 0, NULL },
  { "", NULL, 0, NULL },
};

static void
test_phones (void)
{
  run_cases (pd_ocr_find_phones, PD_OCR_MATCH_PHONE, phone_cases, G_N_ELEMENTS (phone_cases));
}

/* ---- ID numbers ---- */

static const Case id_cases[] = {
  { "11010519491231002X", "11010519491231002X", 0, NULL },
  { "11010519491231002x", "11010519491231002X", 0, NULL },
  { "110101199003071233", "110101199003071233", 0, NULL },
  { "身份证号：440304198510125672", "440304198510125672", 0, "440304198510125672" },
  { "320102200002290013", "320102200002290013", 0, NULL },
  { "1101 0519 4912 3100 2X", "11010519491231002X", 0, NULL },
  { "１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", 0, NULL },
  { "1101**********1234", "1101**********1234", 0, NULL },
  { "110***********123X", "110***********123X", 0, NULL },
  { "证件号 1****************2", "1****************2", 0, NULL },
  /* chi_sim reads masking stars as 大 or 米 */
  { "1101 大大大大大大大大大大1 234", "1101**********1234", 0, "1101 大大大大大大大大大大1 234" },
  { "110 米 米 米 米 米 米 米 米 米 米 米 123X", "110***********123X", 0, NULL },
  /* Not ID numbers. */
  { "110101199003071234", NULL, 0, NULL },  /* check digit */
  { "110101199013321238", NULL, 0, NULL },  /* birth date */
  { "11010519491231002", NULL, 0, NULL },   /* 17 */
  { "11010519491231002X1", NULL, 0, NULL }, /* 19 */
  { "011010519491231002X", NULL, 0, NULL },
  { "13812345678", NULL, 0, NULL },
  { "6228480012345678903", NULL, 0, NULL },
  { "1101*******1234", NULL, 0, NULL },
  { "**************1234", NULL, 0, NULL },
  { "", NULL, 0, NULL },
};

static void
test_id_numbers (void)
{
  run_cases (pd_ocr_find_id_numbers, PD_OCR_MATCH_ID_NUMBER, id_cases, G_N_ELEMENTS (id_cases));
}

/* ---- Accounts ---- */

static const Case account_cases[] = {
  { "6222021234567894", "6222021234567894", 0, NULL },
  { "6222 0212 3456 7894", "6222021234567894", 0, "6222 0212 3456 7894" },
  { "6228480012345678903", "6228480012345678903", 0, NULL },
  { "4111111111111111", "4111111111111111", 0, NULL },
  { "6222 **** **** 1234", "6222********1234", 0, "6222 **** **** 1234" },
  { "6222********1234", "6222********1234", 0, NULL },
  { "6222 大大大大 大大大大 1234", "6222********1234", 0, NULL },
  { "**** **** **** 1234", "************1234", 0, NULL },
  { "尾号1234", "尾号1234", 0, "尾号1234" },
  { "尾 号 1 2 3 4", "尾号1234", 0, NULL },
  { "银行卡尾号为5678", "尾号5678", 0, NULL },
  { "招商银行(1234)", "招商银行(1234)", 0, NULL },
  { "工商银行储蓄卡（５６７８）", "工商银行储蓄卡(5678)", 0, NULL },
  /* Not accounts. */
  { "4111111111111112", NULL, 0, NULL },     /* Luhn */
  { "622202123456789", NULL, 0, NULL },      /* 15 digits */
  { "13812345678", NULL, 0, NULL },
  { "138****5678", NULL, 0, NULL },
  { "11010519491231002X", NULL, 0, NULL },
  { "1101**********1234", NULL, 0, NULL },
  { "尾号12345", NULL, 0, NULL },
  { "交易单号 4200001234202505071234567890", NULL, 0, NULL },
  { "2025-05-07 13:58", NULL, 0, NULL },
  { "", NULL, 0, NULL },
};

static void
test_accounts (void)
{
  run_cases (pd_ocr_find_accounts, PD_OCR_MATCH_ACCOUNT, account_cases,
             G_N_ELEMENTS (account_cases));
}

/* Every finder on hostile input: no crash, well-formed matches, bounded time. */
static void
test_hostile_lines (void)
{
  static const FindFunc finders[] = {
    pd_ocr_find_amounts, pd_ocr_find_dates, pd_ocr_find_rates,
    pd_ocr_find_phones, pd_ocr_find_id_numbers, pd_ocr_find_accounts,
  };
  static const PdOcrMatchKind kinds[] = {
    PD_OCR_MATCH_AMOUNT, PD_OCR_MATCH_DATE, PD_OCR_MATCH_RATE,
    PD_OCR_MATCH_PHONE, PD_OCR_MATCH_ID_NUMBER, PD_OCR_MATCH_ACCOUNT,
  };
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  GString *s;
  gint64   started = g_get_monotonic_time ();

  g_ptr_array_add (lines, g_strdup ("\xff\xfe\xfd ¥5\xff" "0元 2025-05-\xc3"));
  g_ptr_array_add (lines, g_strdup ("\xe4\xb8"));  /* a cut UTF-8 sequence */
  s = g_string_new (NULL);
  for (int i = 0; i < 20000; i++)
    g_string_append (s, "九");
  g_ptr_array_add (lines, g_string_free (s, FALSE));
  s = g_string_new (NULL);
  for (int i = 0; i < 50000; i++)
    g_string_append (s, "1 ");
  g_ptr_array_add (lines, g_string_free (s, FALSE));
  s = g_string_new (NULL);
  for (int i = 0; i < 30000; i++)
    g_string_append (s, "¥1,000,");
  g_ptr_array_add (lines, g_string_free (s, FALSE));
  s = g_string_new (NULL);
  for (int i = 0; i < 30000; i++)
    g_string_append (s, "*");
  g_ptr_array_add (lines, g_string_free (s, FALSE));

  for (guint l = 0; l < lines->len; l++)
    for (gsize f = 0; f < G_N_ELEMENTS (finders); f++)
      {
        const char *line = g_ptr_array_index (lines, l);
        g_autoptr (GPtrArray) m = finders[f] (line);
        g_autofree char *folded = pd_ocr_fold_text (line);

        g_assert_nonnull (m);
        for (guint i = 0; i < m->len; i++)
          {
            PdOcrMatch *match = g_ptr_array_index (m, i);

            g_assert_cmpint (match->kind, ==, kinds[f]);
            g_assert_cmpuint (match->end, <=, strlen (folded));
            g_assert_true (g_utf8_validate (match->text, -1, NULL));
          }
      }
  /* Lines are cut to a few KiB: even the whole battery stays well under a few seconds. */
  g_assert_cmpint (g_get_monotonic_time () - started, <, 20 * G_TIME_SPAN_SECOND);

  {
    g_autoptr (GPtrArray) m = pd_ocr_find_amounts ("\xff\xfe ¥50 \xff");

    g_assert_cmpuint (m->len, ==, 1);
    g_assert_cmpint (((PdOcrMatch *) g_ptr_array_index (m, 0))->amount_fen, ==, 5000);
  }
}

/* ---- Detection ---- */

static PdChecklist *
load_template (const char *id)
{
  g_autofree char *dir = g_build_filename (PD_SOURCE_DATADIR, "checklists", NULL);
  g_autoptr (GError) error = NULL;
  PdChecklist *checklist = pd_checklist_load (dir, id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (checklist);
  return checklist;
}

typedef struct
{
  const char *text;
  int         y;
  double      confidence;
} L;

/* Lines 1080 px wide, 60 px high, at the given y. */
static GPtrArray *
make_lines (const L *spec, gsize n)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_ocr_line_free);

  for (gsize i = 0; i < n; i++)
    g_ptr_array_add (lines, pd_ocr_line_new (spec[i].text, 40, spec[i].y, 1000, 60,
                                             spec[i].confidence));
  return lines;
}

static PdOcrSuggestion *
find_suggestion (GPtrArray *suggestions, const char *item_id)
{
  for (guint i = 0; i < suggestions->len; i++)
    {
      PdOcrSuggestion *s = g_ptr_array_index (suggestions, i);

      if (g_strcmp0 (s->item_id, item_id) == 0)
        return s;
    }
  return NULL;
}

static void
dump (GPtrArray *suggestions)
{
  for (guint i = 0; i < suggestions->len; i++)
    {
      PdOcrSuggestion *s = g_ptr_array_index (suggestions, i);

      g_test_message ("suggested %s: %s “%s” = %s (%.2f) [%d,%d %dx%d]", s->item_id,
                      pd_ocr_match_kind_to_string (s->kind), s->text, s->value, s->confidence,
                      s->x, s->y, s->width, s->height);
    }
}

/* Every suggestion is well-formed: one per item, box inside its line, confidence in 0 … 1. */
static void
check_suggestions (GPtrArray *suggestions, GPtrArray *lines, guint64 stream_time,
                   GstSample *frame)
{
  g_autoptr (GHashTable) items = g_hash_table_new (g_str_hash, g_str_equal);

  dump (suggestions);
  for (guint i = 0; i < suggestions->len; i++)
    {
      PdOcrSuggestion *s = g_ptr_array_index (suggestions, i);
      gboolean in_a_line = FALSE;

      g_assert_nonnull (s->item_id);
      g_assert_true (g_hash_table_add (items, s->item_id));
      g_assert_nonnull (s->item_title);
      g_assert_true (g_utf8_validate (s->text, -1, NULL));
      g_assert_true (g_utf8_validate (s->value, -1, NULL));
      g_assert_true (g_utf8_validate (s->line, -1, NULL));
      g_assert_cmpfloat (s->confidence, >, 0.0);
      g_assert_cmpfloat (s->confidence, <=, 1.0);
      g_assert_cmpuint (s->stream_time, ==, stream_time);
      g_assert_true (s->frame == frame);
      if (i > 0)
        g_assert_cmpfloat (((PdOcrSuggestion *) g_ptr_array_index (suggestions, i - 1))->confidence,
                           >=, s->confidence);
      for (guint l = 0; l < lines->len && !in_a_line; l++)
        {
          PdOcrLine *line = g_ptr_array_index (lines, l);

          in_a_line = s->y == line->y && s->height == line->height && s->x >= line->x
                      && s->width > 0 && s->x + s->width <= line->x + line->width;
        }
      g_assert_true (in_a_line);
    }
}

static const L transfer_screen[] = {
  { "13:58 4G 87%", 10, 0.9 },
  { "账 单 详 情", 120, 0.95 },
  { "转 账 - 张 三", 400, 0.93 },
  { "￥ 5 0 , 0 0 0 . 0 0", 500, 0.92 },
  { "当 前 状 态 已 收 款", 700, 0.9 },
  { "转 账 时 间 2025 年 5 月 7 日 13:58:02", 800, 0.9 },
  { "收 款 时 间 2025 年 5 月 7 日 14:01:15", 880, 0.9 },
  { "交 易 单 号 1000050001202505070123456789", 960, 0.88 },
};

static void
test_detect_transfer (void)
{
  g_autoptr (PdChecklist) checklist = load_template ("wechat-wallet");
  g_autoptr (GPtrArray) lines = make_lines (transfer_screen, G_N_ELEMENTS (transfer_screen));
  g_autoptr (GstSample) frame = gst_sample_new (NULL, NULL, NULL, NULL);
  g_autoptr (GPtrArray) suggestions = pd_ocr_detect (checklist, lines, 192 * GST_SECOND, frame);
  PdOcrSuggestion *s;

  check_suggestions (suggestions, lines, 192 * GST_SECOND, frame);
  g_assert_cmpuint (suggestions->len, >=, 1);
  s = g_ptr_array_index (suggestions, 0);
  g_assert_cmpstr (s->item_id, ==, "wallet.transfer");
  g_assert_cmpstr (s->item_title, ==, "Transaction detail page");
  g_assert_cmpint (s->kind, ==, PD_OCR_MATCH_AMOUNT);
  g_assert_cmpstr (s->value, ==, "50000.00");
  g_assert_cmpstr (s->text, ==, "¥50,000.00");
  g_assert_cmpstr (s->line, ==, "￥ 5 0 , 0 0 0 . 0 0");
  g_assert_cmpint (s->y, ==, 500);
  g_assert_cmpint (s->height, ==, 60);
  g_assert_cmpint (s->width, >, 500);  /* the amount fills its line */
  g_assert_cmpfloat (s->confidence, >, 0.75);
  g_assert_cmpfloat (s->confidence, <=, 0.92);
  g_assert_true (s->frame == frame);
  /* The same amount is not offered again for the weaker fits (chat context, balance). */
  g_assert_null (find_suggestion (suggestions, "wallet.chat-context"));
  g_assert_null (find_suggestion (suggestions, "wallet.balance"));
  /* The status bar's "4G" does not make a network page. */
  g_assert_null (find_suggestion (suggestions, "env.network"));
  g_assert_cmpuint (suggestions->len, ==, 1);

  /* Marked: not suggested again; the next fit may take its place, never the same item. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (GPtrArray) again = NULL;

    g_assert_true (pd_checklist_mark (checklist, "wallet.transfer", 1, NULL, &error));
    g_assert_no_error (error);
    again = pd_ocr_detect (checklist, lines, 200 * GST_SECOND, NULL);
    check_suggestions (again, lines, 200 * GST_SECOND, NULL);
    g_assert_null (find_suggestion (again, "wallet.transfer"));
  }
}

static void
test_detect_amount_box (void)
{
  static const L screen[] = {
    { "转账时间 2025-05-07 13:58", 100, 0.9 },
    /* A wide row: the label on the left, the amount on the right. */
    { "转账金额                    ¥200.00", 300, 0.9 },
  };
  g_autoptr (PdChecklist) checklist = load_template ("wechat-wallet");
  g_autoptr (GPtrArray) lines = make_lines (screen, G_N_ELEMENTS (screen));
  g_autoptr (GPtrArray) suggestions = pd_ocr_detect (checklist, lines, 0, NULL);
  PdOcrSuggestion *s;

  check_suggestions (suggestions, lines, 0, NULL);
  s = find_suggestion (suggestions, "wallet.transfer");
  g_assert_nonnull (s);
  g_assert_cmpint (s->kind, ==, PD_OCR_MATCH_AMOUNT);
  g_assert_cmpstr (s->value, ==, "200.00");
  g_assert_cmpint (s->y, ==, 300);
  /* The box is the amount's part of the line, to the right. */
  g_assert_cmpint (s->x, >, 40 + 500);
  g_assert_cmpint (s->x + s->width, ==, 1040);
}

static const L real_name_page[] = {
  { "13:58 4G 87%", 10, 0.9 },
  { "实 名 认 证", 120, 0.94 },
  { "已 实 名", 300, 0.9 },
  { "姓 名 * 三", 400, 0.9 },
  { "证 件 类 型 身 份 证", 500, 0.91 },
  { "证 件 号 码 1101**********1234", 600, 0.89 },
};

static void
test_detect_real_name (void)
{
  g_autoptr (PdChecklist) checklist = load_template ("wechat-chat");
  g_autoptr (GPtrArray) lines = make_lines (real_name_page, G_N_ELEMENTS (real_name_page));
  g_autoptr (GPtrArray) suggestions = pd_ocr_detect (checklist, lines, 5 * GST_SECOND, NULL);
  PdOcrSuggestion *s;

  check_suggestions (suggestions, lines, 5 * GST_SECOND, NULL);
  s = find_suggestion (suggestions, "party.identity");
  g_assert_nonnull (s);
  g_assert_true (s == g_ptr_array_index (suggestions, 0));
  g_assert_cmpint (s->kind, ==, PD_OCR_MATCH_ID_NUMBER);
  g_assert_cmpstr (s->value, ==, "1101**********1234");
  g_assert_cmpint (s->y, ==, 600);
  g_assert_cmpfloat (s->confidence, >, 0.7);
  g_assert_null (find_suggestion (suggestions, "env.network"));

  /* Without a number read, the keywords alone still point at the ID page, less confidently. */
  {
    g_autoptr (GPtrArray) fewer = make_lines (real_name_page, 5);
    g_autoptr (GPtrArray) keyword_only = pd_ocr_detect (checklist, fewer, 0, NULL);
    PdOcrSuggestion *k;

    check_suggestions (keyword_only, fewer, 0, NULL);
    k = find_suggestion (keyword_only, "party.identity");
    g_assert_nonnull (k);
    g_assert_cmpint (k->kind, ==, PD_OCR_MATCH_KEYWORD);
    g_assert_cmpstr (k->text, ==, "实名认证");
    g_assert_cmpint (k->y, ==, 120);
    g_assert_cmpfloat (k->confidence, <, s->confidence);
  }
}

static const L plain_chat[] = {
  { "13:58 4G 87%", 10, 0.9 },
  { "张 三", 100, 0.95 },
  { "周 末 一 起 去 爬 山 吗 ？", 300, 0.9 },
  { "好 啊 ， 几 点 出 发", 420, 0.92 },
  { "早 上 八 点 ， 老 地 方 见", 540, 0.9 },
  { "13:58", 660, 0.8 },
  { "发 送", 2300, 0.9 },
};

static void
test_detect_nothing (void)
{
  static const char *const templates[] = {
    "wechat-chat", "wechat-wallet", "alipay", "mini-program", "screen-evidence",
  };

  for (gsize t = 0; t < G_N_ELEMENTS (templates); t++)
    {
      g_autoptr (PdChecklist) checklist = load_template (templates[t]);
      g_autoptr (GPtrArray) lines = make_lines (plain_chat, G_N_ELEMENTS (plain_chat));
      g_autoptr (GPtrArray) suggestions = pd_ocr_detect (checklist, lines, 0, NULL);

      g_test_message ("template %s", templates[t]);
      check_suggestions (suggestions, lines, 0, NULL);
      g_assert_cmpuint (suggestions->len, ==, 0);
    }
}

static void
test_detect_amount_needs_keyword (void)
{
  /* A shop page: amounts, but nothing about a loan or a transfer. */
  static const L shop[] = {
    { "爆 款 运 动 鞋", 200, 0.9 },
    { "¥199.00", 300, 0.95 },
    { "已 售 1 0 0 0 +", 400, 0.9 },
    { "立 即 购 买", 2200, 0.9 },
  };
  g_autoptr (PdChecklist) checklist = load_template ("wechat-wallet");
  g_autoptr (GPtrArray) lines = make_lines (shop, G_N_ELEMENTS (shop));
  g_autoptr (GPtrArray) suggestions = pd_ocr_detect (checklist, lines, 0, NULL);

  check_suggestions (suggestions, lines, 0, NULL);
  g_assert_cmpuint (suggestions->len, ==, 0);
}

static void
test_detect_loan_chat (void)
{
  static const L chat[] = {
    { "李 四", 100, 0.95 },
    { "能 借 我 5 万 元 吗 ？", 300, 0.9 },
    { "2025 年 6 月 30 日 前 还 款 ， 月 息 2 分", 420, 0.88 },
    { "好 的", 540, 0.9 },
  };
  g_autoptr (PdChecklist) checklist = load_template ("wechat-chat");
  g_autoptr (GPtrArray) lines = make_lines (chat, G_N_ELEMENTS (chat));
  g_autoptr (GPtrArray) suggestions = pd_ocr_detect (checklist, lines, 0, NULL);
  PdOcrSuggestion *loan, *interest;

  check_suggestions (suggestions, lines, 0, NULL);
  loan = find_suggestion (suggestions, "loan.terms");
  g_assert_nonnull (loan);
  g_assert_true (loan->kind == PD_OCR_MATCH_AMOUNT || loan->kind == PD_OCR_MATCH_RATE);
  interest = find_suggestion (suggestions, "damages.interest");
  if (interest != NULL)
    {
      g_assert_cmpint (interest->kind, ==, PD_OCR_MATCH_RATE);
      g_assert_cmpstr (interest->value, ==, "2%/month");
    }
  g_assert_null (find_suggestion (suggestions, "chat.calls"));
}

static void
test_detect_nearest_amount (void)
{
  /* Two amounts; the one beside the keyword wins. */
  static const L screen[] = {
    { "¥1,000.00", 100, 0.9 },
    { "余 额 宝 收 益", 200, 0.9 },
    { "¥ 8.88", 1500, 0.9 },
    { "红 包 已 领 取", 1600, 0.9 },
  };
  g_autoptr (PdChecklist) checklist = load_template ("wechat-wallet");
  g_autoptr (GPtrArray) lines = make_lines (screen, G_N_ELEMENTS (screen));
  g_autoptr (GPtrArray) suggestions = pd_ocr_detect (checklist, lines, 0, NULL);
  PdOcrSuggestion *s;

  check_suggestions (suggestions, lines, 0, NULL);
  s = find_suggestion (suggestions, "wallet.red-packets");
  g_assert_nonnull (s);
  g_assert_cmpstr (s->value, ==, "8.88");
  g_assert_cmpint (s->y, ==, 1500);
}

static void
test_detect_environment (void)
{
  static const L network[] = {
    { "设 置", 100, 0.9 },
    { "飞 行 模 式", 300, 0.9 },
    { "WLAN 已关闭", 400, 0.9 },
    { "移 动 数 据", 500, 0.9 },
  };
  static const L storage[] = {
    { "存 储", 100, 0.9 },
    { "已 用 45.2 GB / 共 128 GB", 300, 0.9 },
    { "可 用 82.8 GB", 400, 0.9 },
  };
  static const L loan_app[] = {
    { "可 用 额 度", 100, 0.9 },
    { "剩 余 应 还", 300, 0.9 },
    { "13:58 4G 87%", 10, 0.9 },
    { "¥50,000", 400, 0.9 },
  };
  g_autoptr (PdChecklist) checklist = load_template ("alipay");
  g_autoptr (GPtrArray) l1 = make_lines (network, G_N_ELEMENTS (network));
  g_autoptr (GPtrArray) l2 = make_lines (storage, G_N_ELEMENTS (storage));
  g_autoptr (GPtrArray) l3 = make_lines (loan_app, G_N_ELEMENTS (loan_app));
  g_autoptr (GPtrArray) s1 = pd_ocr_detect (checklist, l1, 0, NULL);
  g_autoptr (GPtrArray) s2 = pd_ocr_detect (checklist, l2, 0, NULL);
  g_autoptr (GPtrArray) s3 = pd_ocr_detect (checklist, l3, 0, NULL);

  check_suggestions (s1, l1, 0, NULL);
  check_suggestions (s2, l2, 0, NULL);
  check_suggestions (s3, l3, 0, NULL);
  g_assert_nonnull (find_suggestion (s1, "env.network"));
  g_assert_cmpint (((PdOcrSuggestion *) find_suggestion (s1, "env.network"))->kind, ==,
                   PD_OCR_MATCH_KEYWORD);
  g_assert_nonnull (find_suggestion (s2, "env.storage"));
  g_assert_null (find_suggestion (s3, "env.storage"));
  g_assert_null (find_suggestion (s3, "env.network"));
}

static void
test_detect_bad_input (void)
{
  g_autoptr (PdChecklist) checklist = load_template ("wechat-wallet");
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_ocr_line_free);
  g_autoptr (GPtrArray) empty = g_ptr_array_new ();
  g_autoptr (GPtrArray) s_null = pd_ocr_detect (checklist, NULL, 0, NULL);
  g_autoptr (GPtrArray) s_empty = pd_ocr_detect (checklist, empty, 0, NULL);
  g_autoptr (GPtrArray) s = NULL;
  g_autoptr (GPtrArray) s_nan = NULL;
  GString *huge = g_string_new (NULL);
  PdOcrLine *no_text = pd_ocr_line_new (NULL, 0, 0, 0, 0, 0.5);

  g_assert_nonnull (s_null);
  g_assert_cmpuint (s_null->len, ==, 0);
  g_assert_cmpuint (s_empty->len, ==, 0);

  for (int i = 0; i < 100000; i++)
    g_string_append (huge, "转账¥1");
  g_ptr_array_add (lines, pd_ocr_line_new ("\xff\xfe\xfd", 0, 0, 100, 20, 0.9));
  g_ptr_array_add (lines, pd_ocr_line_new ("", 0, 30, 100, 20, 0.9));
  g_ptr_array_add (lines, pd_ocr_line_new ("   ", 0, 60, 100, 20, 0.9));
  g_ptr_array_add (lines, pd_ocr_line_new ("\xe8\xbd", 0, 90, 100, 20, 0.9));
  g_free (no_text->text);
  no_text->text = NULL;
  g_ptr_array_add (lines, no_text);
  g_ptr_array_add (lines, NULL);
  g_ptr_array_add (lines, pd_ocr_line_new (huge->str, -5, -5, -1, -1, 7.0));
  g_string_free (huge, TRUE);

  s = pd_ocr_detect (checklist, lines, 0, NULL);
  g_assert_nonnull (s);
  for (guint i = 0; i < s->len; i++)
    {
      PdOcrSuggestion *sg = g_ptr_array_index (s, i);

      g_assert_true (g_utf8_validate (sg->line, -1, NULL));
      g_assert_cmpfloat (sg->confidence, <=, 1.0);
    }

  /* A hostile frame: thousands of lines full of amounts and keywords stays quick. */
  {
    g_autoptr (GPtrArray) many = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_ocr_line_free);
    g_autoptr (GPtrArray) r = NULL;
    GString *busy = g_string_new (NULL);
    gint64   started;

    for (int i = 0; i < 400; i++)
      g_string_append (busy, "转账借还红包¥1 ");
    for (int i = 0; i < 3000; i++)
      g_ptr_array_add (many, pd_ocr_line_new (busy->str, 0, i * 10, 1000, 10, 0.9));
    g_string_free (busy, TRUE);
    started = g_get_monotonic_time ();
    r = pd_ocr_detect (checklist, many, 0, NULL);
    g_test_message ("hostile frame: %.0f ms", (g_get_monotonic_time () - started) / 1000.0);
    g_assert_cmpint (g_get_monotonic_time () - started, <, 30 * G_TIME_SPAN_SECOND);
    /* 转账, 借 and 还 beside every amount: the chat around a transfer. */
    g_assert_nonnull (find_suggestion (r, "wallet.chat-context"));
  }

  /* A line with invalid UTF-8 around real content still reads the content. */
  {
    g_autoptr (GPtrArray) l = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_ocr_line_free);
    g_autoptr (GPtrArray) r = NULL;

    g_ptr_array_add (l, pd_ocr_line_new ("\xff 转账 \xfe ¥200.00 \xff", 0, 0, 500, 40, NAN));
    s_nan = pd_ocr_detect (checklist, l, 0, NULL);
    g_assert_cmpuint (s_nan->len, ==, 0);  /* NaN confidence is no confidence */
    ((PdOcrLine *) g_ptr_array_index (l, 0))->confidence = 0.9;
    r = pd_ocr_detect (checklist, l, 0, NULL);
    g_assert_nonnull (find_suggestion (r, "wallet.transfer"));
    g_assert_true (g_utf8_validate (find_suggestion (r, "wallet.transfer")->line, -1, NULL));
  }
}

/* Detection is cheap next to OCR: a busy 60-line frame against the biggest template. */
static void
test_detect_speed (void)
{
  g_autoptr (PdChecklist) checklist = load_template ("wechat-wallet");
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_ocr_line_free);
  gint64 started;
  double per_frame_ms;
  guint  n_runs = 50;

  for (int y = 0; lines->len < 60; y++)
    {
      const L *src = y % 2 == 0 ? &transfer_screen[y % G_N_ELEMENTS (transfer_screen)]
                                : &plain_chat[y % G_N_ELEMENTS (plain_chat)];

      g_ptr_array_add (lines, pd_ocr_line_new (src->text, 40, 40 * y, 1000, 36, src->confidence));
    }
  started = g_get_monotonic_time ();
  for (guint i = 0; i < n_runs; i++)
    {
      g_autoptr (GPtrArray) suggestions = pd_ocr_detect (checklist, lines, i, NULL);

      g_assert_cmpuint (suggestions->len, >=, 1);
    }
  per_frame_ms = (g_get_monotonic_time () - started) / 1000.0 / n_runs;
  g_test_message ("detection: %.2f ms per 60-line frame", per_frame_ms);
  /* Generous: the machine is shared; OCR itself takes hundreds of milliseconds. */
  g_assert_cmpfloat (per_frame_ms, <, 100.0);
}

static void
test_suggestion_boxed_json (void)
{
  g_autoptr (GstSample) frame = gst_sample_new (NULL, NULL, NULL, NULL);
  PdOcrSuggestion s = {
    .item_id = (char *) "wallet.transfer",
    .item_title = (char *) "Transaction detail page",
    .kind = PD_OCR_MATCH_AMOUNT,
    .text = (char *) "¥50,000.00",
    .value = (char *) "50000.00",
    .line = (char *) "￥ 5 0 , 0 0 0 . 0 0",
    .x = 10, .y = 20, .width = 300, .height = 40,
    .confidence = 0.87654,
    .stream_time = 192 * GST_SECOND,
    .frame = frame,
  };
  g_autoptr (PdOcrSuggestion) copy = NULL;
  PdOcrSuggestion *boxed;
  g_autoptr (JsonObject) json = NULL;
  JsonArray *box;

  g_assert_true (G_TYPE_IS_BOXED (PD_TYPE_OCR_SUGGESTION));
  copy = pd_ocr_suggestion_copy (&s);
  g_assert_true (copy->item_id != s.item_id);
  g_assert_cmpstr (copy->item_id, ==, s.item_id);
  g_assert_cmpstr (copy->line, ==, s.line);
  g_assert_true (copy->frame == frame);
  g_assert_cmpint (GST_MINI_OBJECT_REFCOUNT_VALUE (frame), ==, 2);
  boxed = g_boxed_copy (PD_TYPE_OCR_SUGGESTION, copy);
  g_assert_cmpint (GST_MINI_OBJECT_REFCOUNT_VALUE (frame), ==, 3);
  g_boxed_free (PD_TYPE_OCR_SUGGESTION, boxed);
  g_assert_cmpint (GST_MINI_OBJECT_REFCOUNT_VALUE (frame), ==, 2);
  pd_ocr_suggestion_free (NULL);
  g_assert_null (pd_ocr_suggestion_copy (NULL));

  json = pd_ocr_suggestion_to_json (copy);
  g_assert_cmpstr (json_object_get_string_member (json, "item"), ==, "wallet.transfer");
  g_assert_cmpstr (json_object_get_string_member (json, "kind"), ==, "amount");
  g_assert_cmpstr (json_object_get_string_member (json, "text"), ==, "¥50,000.00");
  g_assert_cmpstr (json_object_get_string_member (json, "value"), ==, "50000.00");
  g_assert_cmpstr (json_object_get_string_member (json, "line"), ==, s.line);
  box = json_object_get_array_member (json, "box");
  g_assert_cmpuint (json_array_get_length (box), ==, 4);
  g_assert_cmpint (json_array_get_int_element (box, 0), ==, 10);
  g_assert_cmpint (json_array_get_int_element (box, 3), ==, 40);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (json, "confidence"), 0.88, 1e-9);
  g_assert_cmpint (json_object_get_int_member (json, "stream_time_ns"), ==, 192 * GST_SECOND);
  g_assert_false (json_object_has_member (json, "frame"));

  g_assert_cmpstr (pd_ocr_match_kind_to_string (PD_OCR_MATCH_KEYWORD), ==, "keyword");
  g_assert_cmpstr (pd_ocr_match_kind_to_string (PD_OCR_MATCH_DATE), ==, "date");
  g_assert_cmpstr (pd_ocr_match_kind_to_string (PD_OCR_MATCH_RATE), ==, "rate");
  g_assert_cmpstr (pd_ocr_match_kind_to_string (PD_OCR_MATCH_PHONE), ==, "phone");
  g_assert_cmpstr (pd_ocr_match_kind_to_string (PD_OCR_MATCH_ID_NUMBER), ==, "id-number");
  g_assert_cmpstr (pd_ocr_match_kind_to_string (PD_OCR_MATCH_ACCOUNT), ==, "account");
  g_assert_cmpstr (pd_ocr_match_kind_to_string (99), ==, "unknown");

  g_assert_cmpuint (PD_OCR_ERROR, !=, 0);
  g_assert_cmpuint (PD_OCR_ERROR, ==, pd_ocr_error_quark ());
}

static void
test_line_new (void)
{
  PdOcrLine *line = pd_ocr_line_new ("实 名 认 证", 1, 2, 3, 4, 0.5);

  g_assert_cmpstr (line->text, ==, "实 名 认 证");
  g_assert_cmpint (line->x, ==, 1);
  g_assert_cmpint (line->height, ==, 4);
  g_assert_cmpfloat (line->confidence, ==, 0.5);
  pd_ocr_line_free (line);
  pd_ocr_line_free (NULL);
  pd_ocr_match_free (NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

  g_test_add_func ("/core/ocr/fold", test_fold);
  g_test_add_func ("/core/ocr/chinese-numbers", test_chinese_numbers);
  g_test_add_func ("/core/ocr/amounts", test_amounts);
  g_test_add_func ("/core/ocr/amounts-several", test_amounts_several);
  g_test_add_func ("/core/ocr/format-amount", test_format_amount);
  g_test_add_func ("/core/ocr/dates", test_dates);
  g_test_add_func ("/core/ocr/rates", test_rates);
  g_test_add_func ("/core/ocr/phones", test_phones);
  g_test_add_func ("/core/ocr/id-numbers", test_id_numbers);
  g_test_add_func ("/core/ocr/accounts", test_accounts);
  g_test_add_func ("/core/ocr/hostile-lines", test_hostile_lines);
  g_test_add_func ("/core/ocr/line", test_line_new);
  g_test_add_func ("/core/ocr/suggestion", test_suggestion_boxed_json);
  g_test_add_func ("/core/ocr/detect/transfer", test_detect_transfer);
  g_test_add_func ("/core/ocr/detect/amount-box", test_detect_amount_box);
  g_test_add_func ("/core/ocr/detect/real-name", test_detect_real_name);
  g_test_add_func ("/core/ocr/detect/nothing", test_detect_nothing);
  g_test_add_func ("/core/ocr/detect/amount-needs-keyword", test_detect_amount_needs_keyword);
  g_test_add_func ("/core/ocr/detect/loan-chat", test_detect_loan_chat);
  g_test_add_func ("/core/ocr/detect/nearest-amount", test_detect_nearest_amount);
  g_test_add_func ("/core/ocr/detect/environment", test_detect_environment);
  g_test_add_func ("/core/ocr/detect/bad-input", test_detect_bad_input);
  g_test_add_func ("/core/ocr/detect/speed", test_detect_speed);

  return g_test_run ();
}
