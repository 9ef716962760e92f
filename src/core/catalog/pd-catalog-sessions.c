/* pd-catalog-sessions.c — cases and sessions: the session record, creating, changing, reading. */
#define G_LOG_DOMAIN "pd-catalog"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <sqlite3.h>

#include "catalog/pd-catalog-private.h"
#include "util/pd-error.h"
#include "util/pd-util.h"

/* ------------------------------------------------------------------------------------------ */
/* Session records                                                                            */

G_DEFINE_BOXED_TYPE (PdCatalogSession, pd_catalog_session, pd_catalog_session_ref,
                     pd_catalog_session_unref)

PdCatalogSession *
pd_catalog_session_ref (PdCatalogSession *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
pd_catalog_session_unref (PdCatalogSession *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->uuid);
  g_free (self->case_name);
  g_free (self->parties);
  g_free (self->dispute_type);
  g_free (self->state);
  g_free (self->state_reason);
  g_free (self->source);
  g_free (self->scenario);
  g_free (self->package_path);
  g_free (self->started_text);
  g_free (self->stopped_text);
  g_free (self->stamp_time_text);
  g_clear_pointer (&self->started, g_date_time_unref);
  g_clear_pointer (&self->stopped, g_date_time_unref);
  g_clear_pointer (&self->stamp_time, g_date_time_unref);
  g_free (self->recording_sha256);
  g_free (self->manifest_sha256);
  g_free (self);
}

#define GETTER(type, name, field, fallback)                       \
  type pd_catalog_session_get_##name (PdCatalogSession *self)    \
  {                                                               \
    g_return_val_if_fail (self != NULL, fallback);                \
    return self->field;                                           \
  }

GETTER (gint64, id, id, 0)
GETTER (const char *, uuid, uuid, NULL)
GETTER (const char *, case_name, case_name, NULL)
GETTER (const char *, parties, parties, NULL)
GETTER (const char *, dispute_type, dispute_type, NULL)
GETTER (const char *, state, state, NULL)
GETTER (const char *, state_reason, state_reason, NULL)
GETTER (const char *, source, source, NULL)
GETTER (const char *, scenario, scenario, NULL)
GETTER (const char *, package_path, package_path, NULL)
GETTER (GDateTime *, started, started, NULL)
GETTER (GDateTime *, stopped, stopped, NULL)
GETTER (GDateTime *, stamp_time, stamp_time, NULL)
GETTER (double, capture_time, capture_time, -1)
GETTER (const char *, recording_sha256, recording_sha256, NULL)
GETTER (gint64, recording_size, recording_size, -1)
GETTER (const char *, manifest_sha256, manifest_sha256, NULL)
GETTER (gboolean, practice, practice, FALSE)

#undef GETTER

JsonNode *
pd_catalog_session_to_json (PdCatalogSession *self)
{
  JsonObject *o;
  JsonNode *node;

  g_return_val_if_fail (self != NULL, NULL);

  o = json_object_new ();
  json_object_set_int_member (o, "id", self->id);
  json_object_set_string_member (o, "uuid", self->uuid);
  json_set_string_or_null (o, "case", self->case_name);
  json_set_string_or_null (o, "parties", self->parties);
  json_set_string_or_null (o, "dispute_type", self->dispute_type);
  json_object_set_string_member (o, "state", self->state);
  json_set_string_or_null (o, "state_reason", self->state_reason);
  json_set_string_or_null (o, "source", self->source);
  json_set_string_or_null (o, "scenario", self->scenario);
  json_set_string_or_null (o, "package_path", self->package_path);
  json_set_string_or_null (o, "started", self->started_text);
  json_set_string_or_null (o, "stopped", self->stopped_text);
  if (self->capture_time >= 0)
    json_object_set_double_member (o, "capture_time", self->capture_time);
  else
    json_object_set_null_member (o, "capture_time");
  json_set_string_or_null (o, "stamp_time", self->stamp_time_text);
  json_set_string_or_null (o, "recording_sha256", self->recording_sha256);
  if (self->recording_size >= 0)
    json_object_set_int_member (o, "recording_size", self->recording_size);
  else
    json_object_set_null_member (o, "recording_size");
  json_set_string_or_null (o, "manifest_sha256", self->manifest_sha256);
  json_object_set_boolean_member (o, "practice", self->practice);

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, o);
  return node;
}

/* ------------------------------------------------------------------------------------------ */
/* Cases and sessions                                                                         */

gboolean
pd_catalog_case_id_locked (PdCatalog *self, const char *name, const char *parties,
                           const char *dispute_type, gint64 *id, GError **error)
{
  g_autoptr (sqlite3_stmt) upsert = NULL;
  g_autoptr (sqlite3_stmt) select = NULL;
  g_autofree char *now = now_utc ();
  gboolean has_row, changed;

  /* the WHERE makes an unchanged case no change at all (sqlite3_changes() = 0), so the
   * search index is only rewritten when parties or dispute type really change */
  upsert = prepare (self, "INSERT INTO cases (name, parties, dispute_type, created)"
                          " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO UPDATE SET"
                          " parties = coalesce (excluded.parties, parties),"
                          " dispute_type = coalesce (excluded.dispute_type, dispute_type)"
                          " WHERE parties IS NOT coalesce (excluded.parties, parties)"
                          " OR dispute_type IS NOT coalesce (excluded.dispute_type, dispute_type)",
                    error);
  if (upsert == NULL)
    return FALSE;
  bind_text (upsert, 1, name);
  bind_text (upsert, 2, parties);
  bind_text (upsert, 3, dispute_type);
  bind_text (upsert, 4, now);
  if (!step_done (self, upsert, error))
    return FALSE;
  changed = sqlite3_changes (self->db) > 0;

  select = prepare (self, "SELECT id FROM cases WHERE name = ?1", error);
  if (select == NULL)
    return FALSE;
  bind_text (select, 1, name);
  if (!step_row (self, select, &has_row, error))
    return FALSE;
  if (!has_row)
    {
      g_set_error_literal (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_SQL,
                           _("The case vanished while it was being created."));
      return FALSE;
    }
  *id = sqlite3_column_int64 (select, 0);
  /* a new case has no sessions yet; an updated one re-indexes those it has */
  if (changed && (parties != NULL || dispute_type != NULL))
    return pd_catalog_search_index_update (self, 0, *id, error);
  return TRUE;
}

gint64
pd_catalog_ensure_case (PdCatalog *self, const char *name, const char *parties,
                        const char *dispute_type, GError **error)
{
  gint64 id = -1;
  gboolean ok;

  g_return_val_if_fail (PD_IS_CATALOG (self), -1);
  g_return_val_if_fail (name != NULL, -1);

  if (*name == '\0')
    {
      g_set_error_literal (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID,
                           _("A case needs a name."));
      return -1;
    }
  if (!pd_catalog_check_utf8 (_("case name"), name, error) ||
      !pd_catalog_check_utf8 (_("parties"), parties, error) ||
      !pd_catalog_check_utf8 (_("dispute type"), dispute_type, error))
    return -1;
  if (!pd_catalog_txn_begin (self, error))
    return -1;
  ok = pd_catalog_case_id_locked (self, name, parties, dispute_type, &id, error);
  if (!pd_catalog_txn_end (self, ok, error))
    return -1;
  return id;
}

GStrv
pd_catalog_list_cases (PdCatalog *self, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  gboolean has_row;

  g_return_val_if_fail (PD_IS_CATALOG (self), NULL);

  stmt = prepare (self, "SELECT name FROM cases ORDER BY name", error);
  if (stmt == NULL)
    return NULL;
  while (TRUE)
    {
      if (!step_row (self, stmt, &has_row, error))
        return NULL;
      if (!has_row)
        break;
      g_strv_builder_add (builder, (const char *) sqlite3_column_text (stmt, 0));
    }
  return g_strv_builder_end (builder);
}

gboolean
pd_catalog_get_case_details (PdCatalog *self, const char *name, char **parties,
                             char **dispute_type, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gboolean has_row;

  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  stmt = prepare (self, "SELECT parties, dispute_type FROM cases WHERE name = ?1", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, name);
  if (!step_row (self, stmt, &has_row, error))
    return FALSE;
  if (!has_row)
    {
      g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_NOT_FOUND,
                   _("No case “%s” in the catalog."), name);
      return FALSE;
    }
  if (parties)
    *parties = column_dup (stmt, 0);
  if (dispute_type)
    *dispute_type = column_dup (stmt, 1);
  return TRUE;
}

static PdCatalogSession *
session_from_row (sqlite3_stmt *stmt)
{
  PdCatalogSession *s = g_new0 (PdCatalogSession, 1);

  g_atomic_ref_count_init (&s->ref_count);
  s->id = sqlite3_column_int64 (stmt, 0);
  s->uuid = column_dup (stmt, 1);
  s->case_name = column_dup (stmt, 2);
  s->state = column_dup (stmt, 3);
  s->state_reason = column_dup (stmt, 4);
  s->source = column_dup (stmt, 5);
  s->scenario = column_dup (stmt, 6);
  s->package_path = column_dup (stmt, 7);
  s->started_text = column_dup (stmt, 8);
  s->stopped_text = column_dup (stmt, 9);
  s->capture_time = sqlite3_column_type (stmt, 10) == SQLITE_NULL
                      ? -1 : sqlite3_column_double (stmt, 10);
  s->stamp_time_text = column_dup (stmt, 11);
  s->recording_sha256 = column_dup (stmt, 12);
  s->recording_size = sqlite3_column_type (stmt, 13) == SQLITE_NULL
                        ? -1 : sqlite3_column_int64 (stmt, 13);
  s->manifest_sha256 = column_dup (stmt, 14);
  s->practice = sqlite3_column_int (stmt, 15) != 0;
  s->parties = column_dup (stmt, 16);
  s->dispute_type = column_dup (stmt, 17);
  s->started = s->started_text ? pd_time_parse (s->started_text) : NULL;
  s->stopped = s->stopped_text ? pd_time_parse (s->stopped_text) : NULL;
  s->stamp_time = s->stamp_time_text ? pd_time_parse (s->stamp_time_text) : NULL;
  return s;
}

GPtrArray *
pd_catalog_collect_sessions (PdCatalog *self, sqlite3_stmt *stmt, GError **error)
{
  g_autoptr (GPtrArray) out = NULL;
  gboolean has_row;

  out = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_catalog_session_unref);
  while (TRUE)
    {
      if (!step_row (self, stmt, &has_row, error))
        return NULL;
      if (!has_row)
        break;
      g_ptr_array_add (out, session_from_row (stmt));
    }
  return g_steal_pointer (&out);
}

/* Exact UUID only; NULL without an error when absent. */
PdCatalogSession *
pd_catalog_session_by_uuid (PdCatalog *self, const char *uuid, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = prepare (self, SESSION_SELECT " WHERE s.uuid = ?1", error);
  gboolean has_row;

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, uuid);
  if (!step_row (self, stmt, &has_row, error) || !has_row)
    return NULL;
  return session_from_row (stmt);
}

gboolean
pd_catalog_session_row_id (PdCatalog *self, const char *uuid, gint64 *id, char **state,
                           GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = prepare (self, "SELECT id, state FROM sessions WHERE uuid = ?1",
                                           error);
  gboolean has_row;

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, uuid);
  if (!step_row (self, stmt, &has_row, error))
    return FALSE;
  if (!has_row)
    {
      g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_NOT_FOUND,
                   _("No session “%s” in the catalog."), uuid);
      return FALSE;
    }
  *id = sqlite3_column_int64 (stmt, 0);
  if (state)
    *state = column_dup (stmt, 1);
  return TRUE;
}

gboolean
pd_catalog_session_create_locked (PdCatalog *self, const char *uuid, const char *case_name,
                                  const char *scenario, const char *source,
                                  const char *package_path, GDateTime *started, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonObject) details = json_object_new ();
  g_autofree char *started_text = started ? pd_time_format_utc (started) : NULL;
  gint64 case_id = -1;

  if (nonempty (case_name) &&
      !pd_catalog_case_id_locked (self, case_name, NULL, NULL, &case_id, error))
    return FALSE;

  stmt = prepare (self, "INSERT INTO sessions (uuid, case_id, state, source, scenario,"
                        " package_path, started) VALUES (?1, ?2, 'created', ?3, ?4, ?5, ?6)",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, uuid);
  bind_int64_or_null (stmt, 2, case_id, case_id >= 0);
  bind_text (stmt, 3, nonempty (source));
  bind_text (stmt, 4, nonempty (scenario));
  bind_text (stmt, 5, nonempty (package_path));
  bind_text (stmt, 6, started_text);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      if (sqlite3_extended_errcode (self->db) == SQLITE_CONSTRAINT_UNIQUE)
        {
          g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_EXISTS,
                       _("Session “%s” is already in the catalog."), uuid);
          return FALSE;
        }
      return pd_catalog_sql_fail (self, error);
    }
  if (!pd_catalog_search_index_update (self, sqlite3_last_insert_rowid (self->db), 0, error))
    return FALSE;

  json_object_set_string_member (details, "state", PD_SESSION_STATE_CREATED);
  if (nonempty (case_name))
    json_object_set_string_member (details, "case", case_name);
  if (nonempty (scenario))
    json_object_set_string_member (details, "scenario", scenario);
  if (nonempty (source))
    json_object_set_string_member (details, "source", source);
  if (nonempty (package_path))
    json_object_set_string_member (details, "package", package_path);
  return pd_catalog_audit_append_object (self, "session.create", uuid, details, error);
}

gboolean
pd_catalog_session_create (PdCatalog *self, const char *uuid, const char *case_name,
                           const char *scenario, const char *source, const char *package_path,
                           GDateTime *started, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (uuid != NULL, FALSE);

  if (*uuid == '\0')
    {
      g_set_error_literal (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID,
                           _("A session needs a UUID."));
      return FALSE;
    }
  if (!pd_catalog_check_utf8 (_("session"), uuid, error) ||
      !pd_catalog_check_utf8 (_("case name"), case_name, error) ||
      !pd_catalog_check_utf8 (_("scenario"), scenario, error) ||
      !pd_catalog_check_utf8 (_("source"), source, error) ||
      !pd_catalog_check_utf8 (_("package path"), package_path, error))
    return FALSE;
  if (!pd_catalog_txn_begin (self, error))
    return FALSE;
  ok = pd_catalog_session_create_locked (self, uuid, case_name, scenario, source, package_path,
                                         started, error);
  return pd_catalog_txn_end (self, ok, error);
}

gboolean
pd_catalog_set_state_locked (PdCatalog *self, const char *uuid, const char *state,
                             const char *reason, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonObject) details = json_object_new ();
  g_autofree char *old = NULL;
  gint64 id;

  if (!pd_catalog_session_row_id (self, uuid, &id, &old, error))
    return FALSE;
  stmt = prepare (self, "UPDATE sessions SET state = ?1, state_reason = ?2 WHERE id = ?3", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, state);
  bind_text (stmt, 2, nonempty (reason));
  sqlite3_bind_int64 (stmt, 3, id);
  if (!step_done (self, stmt, error))
    return FALSE;

  json_object_set_string_member (details, "from", old);
  json_object_set_string_member (details, "to", state);
  if (nonempty (reason))
    json_object_set_string_member (details, "reason", reason);
  return pd_catalog_audit_append_object (self, "session.state", uuid, details, error);
}

gboolean
pd_catalog_session_set_state (PdCatalog *self, const char *uuid, const char *state,
                              const char *reason, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (PD_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (uuid != NULL, FALSE);
  g_return_val_if_fail (state != NULL, FALSE);

  if (!pd_catalog_state_is_valid (state))
    {
      g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID,
                   _("“%s” is not a session state."), state);
      return FALSE;
    }
  if (!pd_catalog_check_utf8 (_("reason"), reason, error))
    return FALSE;
  if (!pd_catalog_txn_begin (self, error))
    return FALSE;
  ok = pd_catalog_set_state_locked (self, uuid, state, reason, error);
  return pd_catalog_txn_end (self, ok, error);
}

GPtrArray *
pd_catalog_list_sessions (PdCatalog *self, const char *case_name, const char *state,
                          GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (PD_IS_CATALOG (self), NULL);

  /* two statements: with "?1 IS NULL OR c.name = ?1" the planner cannot know that ?1 is set
   * and scans and sorts every session (25–50 ms at 100 000); this way one case is a range of
   * sessions_case and a sort of its few sessions (0.1 ms) */
  if (case_name != NULL)
    stmt = prepare (self, SESSION_SELECT " WHERE s.case_id = (SELECT id FROM cases WHERE name = ?1)"
                          " AND (?2 IS NULL OR s.state = ?2)"
                          " ORDER BY s.started DESC, s.id DESC", error);
  else
    stmt = prepare (self, SESSION_SELECT " WHERE (?2 IS NULL OR s.state = ?2)"
                          " ORDER BY s.started DESC, s.id DESC", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, case_name);
  bind_text (stmt, 2, state);
  return pd_catalog_collect_sessions (self, stmt, error);
}

PdCatalogSession *
pd_catalog_get_session (PdCatalog *self, const char *uuid_or_prefix, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GPtrArray) found = NULL;
  GError *local = NULL;
  PdCatalogSession *exact;

  g_return_val_if_fail (PD_IS_CATALOG (self), NULL);
  g_return_val_if_fail (uuid_or_prefix != NULL, NULL);

  if (*uuid_or_prefix == '\0')
    {
      g_set_error_literal (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID,
                           _("Give a session UUID or the start of one."));
      return NULL;
    }
  exact = pd_catalog_session_by_uuid (self, uuid_or_prefix, &local);
  if (exact != NULL || local != NULL)
    {
      if (local)
        g_propagate_error (error, local);
      return exact;
    }
  /* substr, not LIKE: a prefix holding % or _ must match literally */
  stmt = prepare (self, SESSION_SELECT " WHERE substr (s.uuid, 1, length (?1)) = ?1"
                        " ORDER BY s.id LIMIT 2", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, uuid_or_prefix);
  found = pd_catalog_collect_sessions (self, stmt, error);
  if (found == NULL)
    return NULL;
  if (found->len == 0)
    {
      g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_NOT_FOUND,
                   _("No session “%s” in the catalog."), uuid_or_prefix);
      return NULL;
    }
  if (found->len > 1)
    {
      g_set_error (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_AMBIGUOUS,
                   _("“%s” is the start of more than one session; give more of the UUID."),
                   uuid_or_prefix);
      return NULL;
    }
  return pd_catalog_session_ref (g_ptr_array_index (found, 0));
}

GPtrArray *
pd_catalog_sessions_in_states (PdCatalog *self, const char *const *states, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *list = NULL;

  g_return_val_if_fail (PD_IS_CATALOG (self), NULL);
  g_return_val_if_fail (states != NULL, NULL);

  /* the states travel as one bound JSON array, expanded by json_each */
  json_builder_begin_array (b);
  for (guint i = 0; states[i]; i++)
    json_builder_add_string_value (b, states[i]);
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  list = json_generator_to_data (gen, NULL);

  stmt = prepare (self, SESSION_SELECT " WHERE s.state IN (SELECT value FROM json_each (?1))"
                        " ORDER BY s.id", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, list);
  return pd_catalog_collect_sessions (self, stmt, error);
}

/* Rows of a query as JSON objects keyed by column name. */
static JsonArray *
rows_to_json (PdCatalog *self, sqlite3_stmt *stmt, GError **error)
{
  g_autoptr (JsonArray) out = json_array_new ();
  gboolean has_row;

  while (TRUE)
    {
      JsonObject *o;

      if (!step_row (self, stmt, &has_row, error))
        return NULL;
      if (!has_row)
        break;
      o = json_object_new ();
      for (int i = 0; i < sqlite3_column_count (stmt); i++)
        {
          const char *name = sqlite3_column_name (stmt, i);

          switch (sqlite3_column_type (stmt, i))
            {
            case SQLITE_INTEGER:
              json_object_set_int_member (o, name, sqlite3_column_int64 (stmt, i));
              break;
            case SQLITE_FLOAT:
              json_object_set_double_member (o, name, sqlite3_column_double (stmt, i));
              break;
            case SQLITE_NULL:
              json_object_set_null_member (o, name);
              break;
            default:
              {
                g_autofree char *text = column_dup (stmt, i);
                json_object_set_string_member (o, name, text);
              }
              break;
            }
        }
      json_array_add_object_element (out, o);
    }
  return g_steal_pointer (&out);
}

JsonNode *
pd_catalog_describe_session (PdCatalog *self, const char *uuid_or_prefix, GError **error)
{
  static const struct
  {
    const char *member;
    const char *sql;
  } parts[] = {
    { "files", "SELECT name, size, sha256 FROM files WHERE session = ?1 ORDER BY name" },
    { "tokens", "SELECT name, kind, gen_time, serial, tsa_name, practice FROM tokens"
                " WHERE session = ?1 ORDER BY kind, name" },
    { "checkpoints", "SELECT idx AS 'index', offset, sha256, stream_time, token, gen_time"
                     " FROM checkpoints WHERE session = ?1 ORDER BY idx" },
    { "marks", "SELECT item, title, stream_time_ns, wall_time, note, still, undone FROM marks"
               " WHERE session = ?1 ORDER BY id" },
    { "exports", "SELECT e.id, e.target_kind, e.target, e.label, e.time, e.result"
                 " FROM exports e JOIN export_sessions x ON x.export = e.id"
                 " WHERE x.session = ?1 ORDER BY e.id" },
  };
  g_autoptr (PdCatalogSession) session = NULL;
  g_autoptr (GPtrArray) audit = NULL;
  JsonObject *o;
  JsonArray *audit_json;
  JsonNode *node;

  g_return_val_if_fail (PD_IS_CATALOG (self), NULL);

  session = pd_catalog_get_session (self, uuid_or_prefix, error);
  if (session == NULL)
    return NULL;
  node = json_node_new (JSON_NODE_OBJECT);
  o = json_object_new ();
  json_node_take_object (node, o);
  json_object_set_member (o, "session", pd_catalog_session_to_json (session));
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      g_autoptr (sqlite3_stmt) stmt = prepare (self, parts[i].sql, error);
      JsonArray *rows;

      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, session->id);
      rows = rows_to_json (self, stmt, error);
      if (rows == NULL)
        goto fail;
      json_object_set_array_member (o, parts[i].member, rows);
    }
  audit = pd_catalog_audit_list (self, session->uuid, error);
  if (audit == NULL)
    goto fail;
  audit_json = json_array_new ();
  for (guint i = 0; i < audit->len; i++)
    json_array_add_element (audit_json, pd_audit_entry_to_json (g_ptr_array_index (audit, i)));
  json_object_set_array_member (o, "audit", audit_json);
  return node;

fail:
  json_node_unref (node);
  return NULL;
}
