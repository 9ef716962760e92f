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

static PdAuditReport *
audit_verify_snapshot (PdCatalog *self, PdTrustStore *trust, GError **error)
{
  g_autoptr (PdAuditReport) report = audit_report_new ();
  g_autoptr (sqlite3_stmt) rows = NULL;
  g_autoptr (sqlite3_stmt) stamps = NULL;
  g_autoptr (GHashTable) by_seq = NULL;   /* seq → stored row_hash */
  g_autofree char *expected_prev = g_strdup (PD_AUDIT_GENESIS_HASH);
  gint64 expected_seq = 1;
  gint64 n_triggers = 0;
  gboolean has_row;

  report->trust_checked = trust != NULL;
  by_seq = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);

  /* With the triggers gone anything may have been rewritten: say so even when the chain
   * happens to be intact. */
  if (!query_int (self, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN"
                        " ('audit_log_no_update', 'audit_log_no_delete',"
                        " 'audit_stamps_no_update', 'audit_stamps_no_delete')",
                  &n_triggers, error))
    return NULL;
  if (n_triggers != 4)
    audit_report_add (report, "triggers", 0,
                      _("The triggers that keep the audit log append-only have been removed."));

  rows = prepare (self, "SELECT seq, time, actor, action, session, details, prev_hash, row_hash"
                        " FROM audit_log ORDER BY seq", error);
  if (rows == NULL)
    return NULL;
  while (TRUE)
    {
      g_autoptr (PdAuditEntry) e = NULL;
      g_autofree char *computed = NULL;
      gint64 *key;

      if (!step_row (self, rows, &has_row, error))
        return NULL;
      if (!has_row)
        break;
      e = pd_catalog_audit_entry_from_row (rows);
      report->n_rows++;

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

  stamps = prepare (self, "SELECT id, seq, row_hash, token FROM audit_stamps ORDER BY id", error);
  if (stamps == NULL)
    return NULL;
  while (TRUE)
    {
      g_autoptr (GBytes) der = NULL;
      g_autoptr (PdTsaToken) token = NULL;
      g_autoptr (GError) local = NULL;
      g_autofree char *stamped_hash = NULL;
      const char *row_hash;
      gint64 seq;
      guint8 digest[PD_SHA256_LEN];
      gboolean good = TRUE;

      if (!step_row (self, stamps, &has_row, error))
        return NULL;
      if (!has_row)
        break;
      report->n_stamps++;
      seq = sqlite3_column_int64 (stamps, 1);
      stamped_hash = column_dup (stamps, 2);
      der = g_bytes_new (sqlite3_column_blob (stamps, 3), (gsize) sqlite3_column_bytes (stamps, 3));

      token = pd_tsa_token_new_from_der (der, &local);
      if (token == NULL)
        {
          audit_report_add (report, "stamp.token", seq,
                            _("The timestamp over audit row %lld"
                              " cannot be read: %s"), (long long) seq, local->message);
          continue;
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
      if (trust != NULL && pd_catalog_audit_decode_hash (pd_tsa_token_get_imprint_hex (token), digest, NULL))
        {
          g_autoptr (PdVerifyResult) result = NULL;
          PdVerdict verdict;

          result = pd_verify_token_bytes (der, "SHA256", digest, sizeof digest, trust, &local);
          verdict = result ? pd_verify_result_get_verdict (result) : PD_VERDICT_ERROR;
          if (verdict == PD_VERDICT_VALID || verdict == PD_VERDICT_VALID_PRACTICE)
            report->n_stamps_trusted++;
          else
            {
              audit_report_add (report, "stamp.signature", seq,
                                _("The timestamp over audit row %lld"
                                  " does not verify: %s"), (long long) seq,
                                result ? pd_verify_result_get_summary (result)
                                       : (local ? local->message : "?"));
              good = FALSE;
            }
        }
      if (good && seq > report->stamped_seq)
        report->stamped_seq = seq;
    }

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
