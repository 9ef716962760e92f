/* pd-catalog-audit-verify.c — checking the audit log: its hash chain, its stamps, the report. */
#define G_LOG_DOMAIN "pd-catalog"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <sqlite3.h>

#include "catalog/pd-catalog-private.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"
#include "verify/pd-verify.h"

/* ------------------------------------------------------------------------------------------ */
/* Audit reports                                                                              */

struct _PdAuditReport
{
  gatomicrefcount ref_count;
  GPtrArray *problems;   /* of PdAuditProblem* */
  guint      n_rows;
  guint      n_stamps;
  guint      n_stamps_trusted;
  gint64     head_seq;
  char      *head_hash;
  gint64     stamped_seq;
  gboolean   trust_checked;
};

static void
audit_problem_free (PdAuditProblem *p)
{
  g_free (p->kind);
  g_free (p->message);
  g_free (p);
}

G_DEFINE_BOXED_TYPE (PdAuditReport, pd_audit_report, pd_audit_report_ref, pd_audit_report_unref)

PdAuditReport *
pd_audit_report_ref (PdAuditReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
pd_audit_report_unref (PdAuditReport *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_ptr_array_unref (self->problems);
  g_free (self->head_hash);
  g_free (self);
}

static PdAuditReport *
audit_report_new (void)
{
  PdAuditReport *self = g_new0 (PdAuditReport, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) audit_problem_free);
  return self;
}

static void audit_report_add (PdAuditReport *self, const char *kind, gint64 seq,
                              const char *format, ...) G_GNUC_PRINTF (4, 5);

static void
audit_report_add (PdAuditReport *self, const char *kind, gint64 seq, const char *format, ...)
{
  PdAuditProblem *p = g_new0 (PdAuditProblem, 1);
  va_list args;

  va_start (args, format);
  p->message = g_strdup_vprintf (format, args);
  va_end (args);
  p->kind = g_strdup (kind);
  p->seq = seq;
  g_ptr_array_add (self->problems, p);
}

gboolean
pd_audit_report_get_ok (PdAuditReport *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->problems->len == 0;
}

GPtrArray *
pd_audit_report_get_problems (PdAuditReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->problems;
}

const PdAuditProblem *
pd_audit_report_find_problem (PdAuditReport *self, const char *kind, gint64 seq)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (kind != NULL, NULL);
  for (guint i = 0; i < self->problems->len; i++)
    {
      const PdAuditProblem *p = g_ptr_array_index (self->problems, i);

      if (g_str_equal (p->kind, kind) && (seq == 0 || p->seq == seq))
        return p;
    }
  return NULL;
}

guint
pd_audit_report_get_n_rows (PdAuditReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_rows;
}

guint
pd_audit_report_get_n_stamps (PdAuditReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_stamps;
}

guint
pd_audit_report_get_n_stamps_trusted (PdAuditReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_stamps_trusted;
}

gint64
pd_audit_report_get_head_seq (PdAuditReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->head_seq;
}

const char *
pd_audit_report_get_head_hash (PdAuditReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->head_hash;
}

gint64
pd_audit_report_get_stamped_seq (PdAuditReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->stamped_seq;
}

JsonNode *
pd_audit_report_to_json (PdAuditReport *self)
{
  JsonObject *o = json_object_new ();
  JsonArray *problems = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  g_return_val_if_fail (self != NULL, NULL);

  json_object_set_boolean_member (o, "ok", pd_audit_report_get_ok (self));
  json_object_set_int_member (o, "rows", self->n_rows);
  json_object_set_int_member (o, "head_seq", self->head_seq);
  json_set_string_or_null (o, "head_hash", self->head_hash);
  json_object_set_int_member (o, "stamps", self->n_stamps);
  json_object_set_int_member (o, "stamps_trusted", self->n_stamps_trusted);
  json_object_set_boolean_member (o, "signatures_checked", self->trust_checked);
  json_object_set_int_member (o, "stamped_seq", self->stamped_seq);
  for (guint i = 0; i < self->problems->len; i++)
    {
      const PdAuditProblem *p = g_ptr_array_index (self->problems, i);
      JsonObject *po = json_object_new ();

      json_object_set_string_member (po, "kind", p->kind);
      json_object_set_int_member (po, "seq", p->seq);
      json_object_set_string_member (po, "message", p->message);
      json_array_add_object_element (problems, po);
    }
  json_object_set_array_member (o, "problems", problems);
  json_node_take_object (node, o);
  return node;
}

/* ------------------------------------------------------------------------------------------ */
/* Verifying the audit log                                                                    */

/* With the triggers gone anything may have been rewritten: say so even when the chain
 * happens to be intact. */
static gboolean
audit_verify_triggers (PdCatalog *self, PdAuditReport *report, GError **error)
{
  gint64 n_triggers = 0;

  if (!query_int (self, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN"
                        " ('audit_log_no_update', 'audit_log_no_delete',"
                        " 'audit_stamps_no_update', 'audit_stamps_no_delete')",
                  &n_triggers, error))
    return FALSE;
  if (n_triggers != 4)
    audit_report_add (report, "triggers", 0,
                      _("The triggers that keep the audit log append-only have been removed."));
  return TRUE;
}

/* One row against what the row before it promised: its seq, its link and its own hash. */
static void
audit_verify_row (PdAuditReport *report, const PdAuditEntry *e, gint64 expected_seq,
                  const char *expected_prev)
{
  g_autofree char *computed = NULL;

  if (e->seq != expected_seq)
    {
      if (e->seq - 1 == expected_seq)
        audit_report_add (report, "row.gap", e->seq,
                          _("Audit row %lld is missing (deleted)."),
                          (long long) expected_seq);
      else
        audit_report_add (report, "row.gap", e->seq,
                          _("Audit rows %lld to %lld"
                            " are missing (deleted)."),
                          (long long) expected_seq, (long long) e->seq - 1);
    }
  /* after a gap the link is broken as a matter of course; report it only once */
  else if (g_strcmp0 (e->prev_hash, expected_prev) != 0)
    audit_report_add (report, "row.link", e->seq,
                      _("Audit row %lld does not follow the row before it "
                        "(rows deleted, inserted or reordered)."),
                      (long long) e->seq);

  computed = pd_audit_entry_compute_hash (e);
  if (e->row_hash == NULL || g_ascii_strcasecmp (computed, e->row_hash) != 0)
    audit_report_add (report, "row.hash", e->seq,
                      _("Audit row %lld was changed after it was written."),
                      (long long) e->seq);
}

/* Walks the chain in seq order; `by_seq` gets each row's stored hash (seq → row_hash). */
static gboolean
audit_verify_rows (PdCatalog *self, PdAuditReport *report, GHashTable *by_seq, GError **error)
{
  g_autoptr (sqlite3_stmt) rows = NULL;
  g_autofree char *expected_prev = g_strdup (PD_AUDIT_GENESIS_HASH);
  gint64 expected_seq = 1;
  gboolean has_row;

  rows = prepare (self, "SELECT seq, time, actor, action, session, details, prev_hash, row_hash"
                        " FROM audit_log ORDER BY seq", error);
  if (rows == NULL)
    return FALSE;
  while (TRUE)
    {
      g_autoptr (PdAuditEntry) e = NULL;
      gint64 *key;

      if (!step_row (self, rows, &has_row, error))
        return FALSE;
      if (!has_row)
        break;
      e = pd_catalog_audit_entry_from_row (rows);
      report->n_rows++;
      audit_verify_row (report, e, expected_seq, expected_prev);

      g_free (expected_prev);
      expected_prev = g_strdup (e->row_hash ? e->row_hash : "");
      expected_seq = e->seq + 1;
      report->head_seq = e->seq;
      g_free (report->head_hash);
      report->head_hash = g_strdup (e->row_hash);
      key = g_new (gint64, 1);
      *key = e->seq;
      g_hash_table_replace (by_seq, key, g_strdup (e->row_hash ? e->row_hash : ""));
    }
  return TRUE;
}

/* The token's signature and chain against `trust`; FALSE when they do not verify. */
static gboolean
audit_verify_stamp_signature (PdAuditReport *report, gint64 seq, GBytes *der, PdTsaToken *token,
                              PdTrustStore *trust)
{
  g_autoptr (PdVerifyResult) result = NULL;
  g_autoptr (GError) local = NULL;
  guint8 digest[PD_SHA256_LEN];
  PdVerdict verdict;

  if (!pd_catalog_audit_decode_hash (pd_tsa_token_get_imprint_hex (token), digest, NULL))
    return TRUE;
  result = pd_verify_token_bytes (der, "SHA256", digest, sizeof digest, trust, &local);
  verdict = result ? pd_verify_result_get_verdict (result) : PD_VERDICT_ERROR;
  if (verdict == PD_VERDICT_VALID || verdict == PD_VERDICT_VALID_PRACTICE ||
      verdict == PD_VERDICT_VALID_WITH_GAPS)
    {
      report->n_stamps_trusted++;
      return TRUE;
    }
  audit_report_add (report, "stamp.signature", seq,
                    _("The timestamp over audit row %lld"
                      " does not verify: %s"), (long long) seq,
                    result ? pd_verify_result_get_summary (result)
                           : (local ? local->message : "?"));
  return FALSE;
}

/* One stored stamp: its token, its imprint, the row it names and (with `trust`) its
 * signature. TRUE when the stamp is good. */
static gboolean
audit_verify_stamp (PdAuditReport *report, GHashTable *by_seq, PdTrustStore *trust, gint64 seq,
                    const char *stamped_hash, GBytes *der)
{
  g_autoptr (PdTsaToken) token = NULL;
  g_autoptr (GError) local = NULL;
  const char *row_hash;
  gboolean good = TRUE;

  token = pd_tsa_token_new_from_der (der, &local);
  if (token == NULL)
    {
      audit_report_add (report, "stamp.token", seq,
                        _("The timestamp over audit row %lld"
                          " cannot be read: %s"), (long long) seq, local->message);
      return FALSE;
    }
  if (g_strcmp0 (pd_tsa_token_get_digest_name (token), "SHA256") != 0 ||
      stamped_hash == NULL ||
      g_ascii_strcasecmp (pd_tsa_token_get_imprint_hex (token), stamped_hash) != 0)
    {
      audit_report_add (report, "stamp.imprint", seq,
                        _("The timestamp over audit row %lld"
                          " is not over the hash stored with it."), (long long) seq);
      good = FALSE;
    }
  row_hash = g_hash_table_lookup (by_seq, &seq);
  if (row_hash == NULL)
    {
      audit_report_add (report, "stamp.row", seq,
                        _("Audit row %lld was timestamped but is missing "
                          "(deleted)."), (long long) seq);
      good = FALSE;
    }
  else if (g_ascii_strcasecmp (row_hash, pd_tsa_token_get_imprint_hex (token)) != 0)
    {
      audit_report_add (report, "stamp.row", seq,
                        _("Audit row %lld no longer has the hash that was "
                          "timestamped: the log was rewritten."), (long long) seq);
      good = FALSE;
    }
  if (trust != NULL && !audit_verify_stamp_signature (report, seq, der, token, trust))
    good = FALSE;
  return good;
}

/* Every stored stamp, in the order stored; the highest good one sets stamped_seq. */
static gboolean
audit_verify_stamps (PdCatalog *self, PdAuditReport *report, GHashTable *by_seq,
                     PdTrustStore *trust, GError **error)
{
  g_autoptr (sqlite3_stmt) stamps = NULL;
  gboolean has_row;

  stamps = prepare (self, "SELECT id, seq, row_hash, token FROM audit_stamps ORDER BY id", error);
  if (stamps == NULL)
    return FALSE;
  while (TRUE)
    {
      g_autoptr (GBytes) der = NULL;
      g_autofree char *stamped_hash = NULL;
      gint64 seq;

      if (!step_row (self, stamps, &has_row, error))
        return FALSE;
      if (!has_row)
        break;
      report->n_stamps++;
      seq = sqlite3_column_int64 (stamps, 1);
      stamped_hash = column_dup (stamps, 2);
      der = g_bytes_new (sqlite3_column_blob (stamps, 3), (gsize) sqlite3_column_bytes (stamps, 3));

      if (audit_verify_stamp (report, by_seq, trust, seq, stamped_hash, der) &&
          seq > report->stamped_seq)
        report->stamped_seq = seq;
    }
  return TRUE;
}

static PdAuditReport *
audit_verify_snapshot (PdCatalog *self, PdTrustStore *trust, GError **error)
{
  g_autoptr (PdAuditReport) report = audit_report_new ();
  g_autoptr (GHashTable) by_seq = NULL;   /* seq → stored row_hash */

  report->trust_checked = trust != NULL;
  by_seq = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);

  if (!audit_verify_triggers (self, report, error) ||
      !audit_verify_rows (self, report, by_seq, error) ||
      !audit_verify_stamps (self, report, by_seq, trust, error))
    return NULL;
  return g_steal_pointer (&report);
}

PdAuditReport *
pd_catalog_audit_verify (PdCatalog *self, PdTrustStore *trust, GError **error)
{
  PdAuditReport *report;
  gboolean own = FALSE;

  g_return_val_if_fail (PD_IS_CATALOG (self), NULL);

  /* one read snapshot, so a row appended meanwhile by another process cannot make a stamp
   * look as if it named a missing row */
  if (sqlite3_get_autocommit (self->db))
    {
      if (!exec (self, "BEGIN", error))
        return NULL;
      own = TRUE;
    }
  report = audit_verify_snapshot (self, trust, error);
  if (own)
    sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL);
  return report;
}
