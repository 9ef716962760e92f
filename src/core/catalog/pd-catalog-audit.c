/* pd-catalog-audit.c — the audit log: entries and their row hash, appending, listing, stamping. */
#define G_LOG_DOMAIN "pd-catalog"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <sqlite3.h>
#include <string.h>

#include "catalog/pd-catalog-private.h"
#include "util/pd-json.h"
#include "util/pd-error.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-util.h"

/* ------------------------------------------------------------------------------------------ */
/* Audit entries                                                                              */

PdAuditEntry *
pd_audit_entry_copy (const PdAuditEntry *entry)
{
  PdAuditEntry *copy;

  g_return_val_if_fail (entry != NULL, NULL);
  copy = g_new0 (PdAuditEntry, 1);
  copy->seq = entry->seq;
  copy->time = g_strdup (entry->time);
  copy->actor = g_strdup (entry->actor);
  copy->action = g_strdup (entry->action);
  copy->session = g_strdup (entry->session);
  copy->details = g_strdup (entry->details);
  copy->prev_hash = g_strdup (entry->prev_hash);
  copy->row_hash = g_strdup (entry->row_hash);
  return copy;
}

void
pd_audit_entry_free (PdAuditEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->time);
  g_free (entry->actor);
  g_free (entry->action);
  g_free (entry->session);
  g_free (entry->details);
  g_free (entry->prev_hash);
  g_free (entry->row_hash);
  g_free (entry);
}

G_DEFINE_BOXED_TYPE (PdAuditEntry, pd_audit_entry, pd_audit_entry_copy, pd_audit_entry_free)

static void
append_netstring (GString *out, const char *s)
{
  gsize len = s ? strlen (s) : 0;

  g_string_append_printf (out, "%" G_GSIZE_FORMAT ":", len);
  g_string_append_len (out, s ? s : "", (gssize) len);
  g_string_append_c (out, ',');
}

/* The row hash. So that anyone can recompute it without this code:
 *
 *   row_hash = lowercase hex of SHA-256( NS("proofdesk-audit-1") ‖ NS(seq) ‖ NS(time) ‖
 *                                        NS(actor) ‖ NS(action) ‖ NS(session) ‖
 *                                        NS(details) ‖ NS(prev_hash) )
 *
 * where NS(x) is a netstring: the length of x in bytes as ASCII decimal, ':', the UTF-8 bytes
 * of x exactly as stored in the audit_log column, ','. seq is ASCII decimal with no sign or
 * leading zeros; a NULL session is the empty string (append stores "" as NULL, so they cannot
 * differ); prev_hash is the previous row's row_hash (lowercase hex), 64 '0's for seq 1.
 * In Python:
 *
 *   ns = lambda b: b"%d:%s," % (len(b), b)
 *   for seq, t, a, act, s, d, p, h in db.execute("SELECT seq, time, actor, action, session,"
 *           " details, prev_hash, row_hash FROM audit_log ORDER BY seq"):
 *       f = [b"proofdesk-audit-1", str(seq).encode(), t.encode(), a.encode(), act.encode(),
 *            (s or "").encode(), d.encode(), p.encode()]
 *       assert hashlib.sha256(b"".join(map(ns, f))).hexdigest() == h
 *
 * A timestamp over a row (audit_stamps) uses the 32 bytes of row_hash as the SHA-256 message
 * imprint, so `openssl ts -verify -digest ROW_HASH -in token.tsr -CAfile …` checks it. */
char *
pd_audit_entry_compute_hash (const PdAuditEntry *entry)
{
  g_autoptr (GString) buf = g_string_new (NULL);
  char seq[32];

  g_return_val_if_fail (entry != NULL, NULL);

  g_snprintf (seq, sizeof seq, "%" G_GINT64_FORMAT, entry->seq);
  append_netstring (buf, "proofdesk-audit-1");
  append_netstring (buf, seq);
  append_netstring (buf, entry->time);
  append_netstring (buf, entry->actor);
  append_netstring (buf, entry->action);
  append_netstring (buf, entry->session);
  append_netstring (buf, entry->details);
  append_netstring (buf, entry->prev_hash);
  return pd_sha256_bytes ((const guint8 *) buf->str, buf->len);
}

JsonNode *
pd_audit_entry_to_json (const PdAuditEntry *entry)
{
  JsonObject *o = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  JsonNode *details = entry && entry->details
                        ? pd_json_parse (entry->details, strlen (entry->details), 0,
                                         "details", NULL)
                        : NULL;

  g_return_val_if_fail (entry != NULL, NULL);
  json_object_set_int_member (o, "seq", entry->seq);
  json_object_set_string_member (o, "time", entry->time);
  json_object_set_string_member (o, "actor", entry->actor);
  json_object_set_string_member (o, "action", entry->action);
  json_set_string_or_null (o, "session", entry->session);
  /* details as the object it is; the exact stored text is what is hashed, so keep that too */
  if (details != NULL)
    json_object_set_member (o, "details", details);
  else
    json_object_set_null_member (o, "details");
  json_set_string_or_null (o, "details_text", entry->details);
  json_object_set_string_member (o, "prev_hash", entry->prev_hash);
  json_object_set_string_member (o, "row_hash", entry->row_hash);
  json_node_take_object (node, o);
  return node;
}

/* ------------------------------------------------------------------------------------------ */
/* Audit log                                                                                  */

/* Appends one row; the caller holds a transaction. */
static gboolean
audit_append_locked (PdCatalog *self, const char *actor, const char *action,
                     const char *session_uuid, const char *details_json, GError **error)
{
  g_autoptr (sqlite3_stmt) head = NULL;
  g_autoptr (sqlite3_stmt) insert = NULL;
  PdAuditEntry entry = { 0 };
  g_autofree char *prev = NULL;
  g_autofree char *time = now_utc ();
  g_autofree char *hash = NULL;
  gboolean has_row;

  g_assert (self->txn_depth > 0);

  head = prepare (self, "SELECT seq, row_hash FROM audit_log ORDER BY seq DESC LIMIT 1", error);
  if (head == NULL || !step_row (self, head, &has_row, error))
    return FALSE;
  entry.seq = has_row ? sqlite3_column_int64 (head, 0) + 1 : 1;
  prev = has_row ? column_dup (head, 1) : g_strdup (PD_AUDIT_GENESIS_HASH);

  entry.time = time;
  entry.actor = (char *) actor;
  entry.action = (char *) action;
  entry.session = (char *) nonempty (session_uuid);
  entry.details = (char *) details_json;
  entry.prev_hash = prev;
  hash = pd_audit_entry_compute_hash (&entry);

  insert = prepare (self, "INSERT INTO audit_log (seq, time, actor, action, session, details,"
                          " prev_hash, row_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", error);
  if (insert == NULL)
    return FALSE;
  sqlite3_bind_int64 (insert, 1, entry.seq);
  bind_text (insert, 2, entry.time);
  bind_text (insert, 3, entry.actor);
  bind_text (insert, 4, entry.action);
  bind_text (insert, 5, entry.session);
  bind_text (insert, 6, entry.details);
  bind_text (insert, 7, entry.prev_hash);
  bind_text (insert, 8, hash);
  return step_done (self, insert, error);
}

/* Serialises a details object built by this file. */
static char *
details_to_text (JsonObject *details)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (JsonGenerator) gen = json_generator_new ();

  json_node_set_object (node, details);
  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

gboolean
pd_catalog_audit_append_object (PdCatalog *self, const char *action, const char *session_uuid,
                                JsonObject *details, GError **error)
{
  g_autofree char *text = details_to_text (details);

  return audit_append_locked (self, self->actor, action, session_uuid, text, error);
}

gboolean
pd_catalog_audit_append (PdCatalog *self, const char *actor, const char *action,
                         const char *session_uuid, const char *details_json, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (action != NULL && *action != '\0', FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!nonempty (actor))
    actor = self->actor;
  if (details_json == NULL)
    details_json = "{}";
  if (!pd_catalog_check_utf8 (_("actor"), actor, error) ||
      !pd_catalog_check_utf8 (_("action"), action, error) ||
      !pd_catalog_check_utf8 (_("session"), session_uuid, error) ||
      !pd_catalog_check_utf8 (_("details"), details_json, error))
    return FALSE;
  {
    g_autoptr (GError) local = NULL;
    g_autoptr (JsonNode) parsed = pd_json_parse (details_json, strlen (details_json), 0,
                                                 _("details"), &local);

    if (parsed == NULL)
      {
        g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID,
                     _("Audit details are not JSON: %s"),
                     local ? local->message : _("empty"));
        return FALSE;
      }
  }

  if (!pd_catalog_txn_begin (self, error))
    return FALSE;
  ok = audit_append_locked (self, actor, action, session_uuid, details_json, error);
  return pd_catalog_txn_end (self, ok, error);
}

PdAuditEntry *
pd_catalog_audit_entry_from_row (sqlite3_stmt *stmt)
{
  PdAuditEntry *e = g_new0 (PdAuditEntry, 1);

  e->seq = sqlite3_column_int64 (stmt, 0);
  e->time = column_dup (stmt, 1);
  e->actor = column_dup (stmt, 2);
  e->action = column_dup (stmt, 3);
  e->session = column_dup (stmt, 4);
  e->details = column_dup (stmt, 5);
  e->prev_hash = column_dup (stmt, 6);
  e->row_hash = column_dup (stmt, 7);
  return e;
}

GPtrArray *
pd_catalog_audit_list (PdCatalog *self, const char *session_uuid, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  gboolean has_row;

  g_return_val_if_fail (PD_IS_CATALOG (self), NULL);

  stmt = prepare (self, "SELECT seq, time, actor, action, session, details, prev_hash, row_hash"
                        " FROM audit_log WHERE ?1 IS NULL OR session = ?1 ORDER BY seq", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, session_uuid);
  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_audit_entry_free);
  while (TRUE)
    {
      if (!step_row (self, stmt, &has_row, error))
        return NULL;
      if (!has_row)
        break;
      g_ptr_array_add (rows, pd_catalog_audit_entry_from_row (stmt));
    }
  return g_steal_pointer (&rows);
}

/* The head row, if any, and whether it is already stamped. */
static gboolean
audit_head (PdCatalog *self, gint64 *seq, char **hash, gboolean *stamped, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (sqlite3_stmt) st = NULL;
  gboolean has_row;

  *seq = 0;
  *hash = NULL;
  *stamped = FALSE;
  stmt = prepare (self, "SELECT seq, row_hash FROM audit_log ORDER BY seq DESC LIMIT 1", error);
  if (stmt == NULL || !step_row (self, stmt, &has_row, error))
    return FALSE;
  if (!has_row)
    return TRUE;
  *seq = sqlite3_column_int64 (stmt, 0);
  *hash = column_dup (stmt, 1);

  st = prepare (self, "SELECT 1 FROM audit_stamps WHERE seq = ?1 AND row_hash = ?2", error);
  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, *seq);
  bind_text (st, 2, *hash);
  if (!step_row (self, st, stamped, error))
    return FALSE;
  return TRUE;
}

static gboolean
audit_store_stamp (PdCatalog *self, gint64 seq, const char *hash, PdTsaToken *token,
                   GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  GBytes *der = pd_tsa_token_get_response_der (token);   /* borrowed */
  g_autofree char *gen_time = pd_time_format_utc (pd_tsa_token_get_gen_time (token));
  g_autofree char *now = now_utc ();
  gboolean ok;

  /* the TSA client checked the imprint already; a stored stamp over the wrong hash would
   * only be found at the next verify, so refuse it here too */
  if (g_ascii_strcasecmp (pd_tsa_token_get_imprint_hex (token), hash) != 0)
    {
      g_set_error (error, PD_TSA_ERROR, PD_TSA_ERROR_IMPRINT,
                   _("The timestamp is not over the audit log head."));
      return FALSE;
    }
  if (!pd_catalog_txn_begin (self, error))
    return FALSE;
  stmt = prepare (self, "INSERT INTO audit_stamps (seq, row_hash, token, gen_time, serial,"
                        " tsa_name, practice, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                  error);
  ok = stmt != NULL;
  if (ok)
    {
      gsize len;
      const void *data = g_bytes_get_data (der, &len);

      sqlite3_bind_int64 (stmt, 1, seq);
      bind_text (stmt, 2, hash);
      sqlite3_bind_blob64 (stmt, 3, data, len, SQLITE_TRANSIENT);
      bind_text (stmt, 4, gen_time);
      bind_text (stmt, 5, pd_tsa_token_get_serial (token));
      bind_text (stmt, 6, pd_tsa_token_get_tsa_name (token));
      sqlite3_bind_int (stmt, 7, pd_tsa_token_is_practice (token) ? 1 : 0);
      bind_text (stmt, 8, now);
      ok = step_done (self, stmt, error);
    }
  return pd_catalog_txn_end (self, ok, error);
}

gboolean
pd_catalog_audit_decode_hash (const char *hex, guint8 digest[PD_SHA256_LEN], GError **error)
{
  if (hex == NULL || strlen (hex) != PD_SHA256_HEX_LEN ||
      !pd_hex_decode (hex, digest, PD_SHA256_LEN))
    {
      g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_CORRUPT,
                   _("The audit log head has a malformed hash."));
      return FALSE;
    }
  return TRUE;
}

gboolean
pd_catalog_audit_stamp_head (PdCatalog *self, PdTsaClient *tsa, GError **error)
{
  g_autofree char *hash = NULL;
  g_autoptr (PdTsaToken) token = NULL;
  guint8 digest[PD_SHA256_LEN];
  gint64 seq;
  gboolean stamped;

  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (PD_IS_TSA_CLIENT (tsa), FALSE);

  if (!audit_head (self, &seq, &hash, &stamped, error))
    return FALSE;
  if (seq == 0 || stamped)
    return TRUE;
  if (!pd_catalog_audit_decode_hash (hash, digest, error))
    return FALSE;
  token = pd_tsa_client_stamp (tsa, PD_TSA_DIGEST_SHA256, digest, sizeof digest, NULL, error);
  if (token == NULL)
    return FALSE;
  return audit_store_stamp (self, seq, hash, token, error);
}

typedef struct
{
  gint64 seq;
  char  *hash;
} StampData;

static void
stamp_data_free (StampData *data)
{
  g_free (data->hash);
  g_free (data);
}

static void
stamp_head_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  PdCatalog *self = g_task_get_source_object (task);
  StampData *data = g_task_get_task_data (task);
  g_autoptr (PdTsaToken) token = NULL;
  GError *error = NULL;

  token = pd_tsa_client_stamp_finish (PD_TSA_CLIENT (source), result, &error);
  if (token == NULL || !audit_store_stamp (self, data->seq, data->hash, token, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
pd_catalog_audit_stamp_head_async (PdCatalog *self, PdTsaClient *tsa, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  StampData *data;
  guint8 digest[PD_SHA256_LEN];
  gboolean stamped;
  GError *error = NULL;

  g_return_if_fail (PD_IS_CATALOG (self));
  g_return_if_fail (PD_IS_TSA_CLIENT (tsa));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pd_catalog_audit_stamp_head_async);
  data = g_new0 (StampData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) stamp_data_free);

  if (!audit_head (self, &data->seq, &data->hash, &stamped, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (data->seq == 0 || stamped)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (!pd_catalog_audit_decode_hash (data->hash, digest, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  pd_tsa_client_stamp_async (tsa, PD_TSA_DIGEST_SHA256, digest, sizeof digest, cancellable,
                             stamp_head_cb, g_steal_pointer (&task));
}

gboolean
pd_catalog_audit_stamp_head_finish (PdCatalog *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
pd_catalog_audit_stamp_is_due (PdCatalog *self, GTimeSpan interval)
{
  g_autofree char *hash = NULL;
  g_autofree char *last = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GDateTime) last_dt = NULL;
  g_autoptr (GDateTime) now = NULL;
  gint64 seq;
  gboolean stamped, has_row;

  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);

  if (!audit_head (self, &seq, &hash, &stamped, NULL) || seq == 0 || stamped)
    return FALSE;
  stmt = prepare (self, "SELECT time FROM audit_stamps ORDER BY id DESC LIMIT 1", NULL);
  if (stmt == NULL || !step_row (self, stmt, &has_row, NULL))
    return FALSE;
  if (!has_row)
    return TRUE;
  last = column_dup (stmt, 0);
  last_dt = last ? pd_time_parse (last) : NULL;
  if (last_dt == NULL)
    return TRUE;
  now = g_date_time_new_now_utc ();
  return g_date_time_difference (now, last_dt) >= interval;
}

gboolean
pd_catalog_audit_stamp_if_due (PdCatalog *self, PdTsaClient *tsa, GTimeSpan interval,
                               gboolean *stamped, GError **error)
{
  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);

  if (stamped)
    *stamped = FALSE;
  if (!pd_catalog_audit_stamp_is_due (self, interval))
    return TRUE;
  if (!pd_catalog_audit_stamp_head (self, tsa, error))
    return FALSE;
  if (stamped)
    *stamped = TRUE;
  return TRUE;
}
