/* pd-catalog-search.c — finding sessions by text: the FTS5 trigram index, or LIKE without it. */
#define G_LOG_DOMAIN "pd-catalog"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <sqlite3.h>
#include <string.h>

#include "catalog/pd-catalog-private.h"
#include "util/pd-error.h"

/* ------------------------------------------------------------------------------------------ */
/* Search index                                                                               */

/* What search sees of a session `s` (LEFT JOINed to its case `c`): one text per session, the
 * fields on lines of their own so that no substring spans two of them by accident, and two
 * newlines at the end so that every character starts a trigram (search_expand_short). Undone
 * marks are left out; a mark from a v1 catalog (no title) is found by its checklist item. */
#define SEARCH_BODY                                                                          \
  "coalesce (c.name, '') || char (10) || coalesce (c.parties, '') || char (10) ||"           \
  " coalesce (c.dispute_type, '') || char (10) || coalesce (s.scenario, '') || char (10) ||" \
  " coalesce (s.source, '') || char (10) || coalesce ((SELECT group_concat ("               \
  "   coalesce (m.title, m.item) || ' ' || coalesce (m.note, ''), char (10))"                \
  "   FROM marks m WHERE m.session = s.id AND m.undone = 0), '') || char (10, 10)"

/* Words shorter than this cannot use the trigram index. */
#define SEARCH_TRIGRAM_MIN 3
/* A longer query is refused (LIKE patterns are limited to 50 000 bytes by default). */
#define SEARCH_MAX_QUERY   (16 * 1024)

/* The trigram tokenizer is in FTS5 since SQLite 3.34. Debian's libsqlite3 has both; a build
 * without them searches with LIKE (slower, same results). */
static gboolean
search_fts_available (void)
{
  return sqlite3_libversion_number () >= 3034000 && sqlite3_compileoption_used ("ENABLE_FTS5");
}

static gboolean
search_index_exists (PdCatalog *self, gboolean *exists, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = prepare (self, "SELECT count(*) FROM sqlite_master"
                                                 " WHERE type = 'table' AND name = 'session_search'",
                                           error);
  gboolean has_row;

  if (stmt == NULL || !step_row (self, stmt, &has_row, error))
    return FALSE;
  *exists = has_row && sqlite3_column_int64 (stmt, 0) > 0;
  return TRUE;
}

/* Creates session_search and indexes every session, unless it is there already. Runs at
 * every open, so a catalog migrated by a build without FTS5 gets its index the first time a
 * build with FTS5 opens it. (Sessions such a build adds after the index exists are not in it
 * until it is rebuilt; Debian's SQLite always has FTS5.) Kept in sync by the write paths
 * below, not by triggers: with SQLITE_DBCONFIG_TRUSTED_SCHEMA off a trigger may not write to
 * a virtual table ("unsafe use of virtual table"). */
gboolean
pd_catalog_search_index_ensure (PdCatalog *self, GError **error)
{
  gboolean exists = FALSE;
  gboolean ok;

  self->have_fts = FALSE;
  if (!search_fts_available ())
    {
      g_debug ("catalog %s: no FTS5 trigram tokenizer in SQLite %s, searching with LIKE",
               self->path, sqlite3_libversion ());
      return TRUE;
    }
  /* read first: opening must not take the write lock when there is nothing to do */
  if (!search_index_exists (self, &exists, error))
    return FALSE;
  if (!exists)
    {
      if (!pd_catalog_txn_begin (self, error))
        return FALSE;
      ok = search_index_exists (self, &exists, error);
      if (ok && !exists)
        {
          g_debug ("catalog %s: building the search index", self->path);
          ok = exec (self, "CREATE VIRTUAL TABLE session_search USING fts5 (body,"
                           " tokenize = 'trigram', detail = full, columnsize = 0);"
                           "INSERT INTO session_search (rowid, body) SELECT s.id, " SEARCH_BODY
                           " FROM sessions s LEFT JOIN cases c ON c.id = s.case_id",
                     error);
        }
      if (!pd_catalog_txn_end (self, ok, error))
        return FALSE;
    }
  /* this connection's list of indexed trigrams, for words shorter than one */
  if (!exec (self, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.session_search_terms"
                   " USING fts5vocab (main, session_search, 'row')", error))
    return FALSE;
  self->have_fts = TRUE;
  return TRUE;
}

/* Re-indexes one session (`session` > 0) or every session of one case (`case_id` > 0); the
 * caller holds the transaction that changed them. */
gboolean
pd_catalog_search_index_update (PdCatalog *self, gint64 session, gint64 case_id, GError **error)
{
  static const char *const by_session[] = {
    "DELETE FROM session_search WHERE rowid = ?1",
    "INSERT INTO session_search (rowid, body) SELECT s.id, " SEARCH_BODY
    " FROM sessions s LEFT JOIN cases c ON c.id = s.case_id WHERE s.id = ?1",
  };
  static const char *const by_case[] = {
    "DELETE FROM session_search WHERE rowid IN (SELECT id FROM sessions WHERE case_id = ?1)",
    "INSERT INTO session_search (rowid, body) SELECT s.id, " SEARCH_BODY
    " FROM sessions s LEFT JOIN cases c ON c.id = s.case_id WHERE s.case_id = ?1",
  };
  const char *const *sql = session > 0 ? by_session : by_case;

  g_assert (self->txn_depth > 0);
  if (!self->have_fts)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (by_session); i++)
    {
      g_autoptr (sqlite3_stmt) stmt = prepare (self, sql[i], error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, session > 0 ? session : case_id);
      if (!step_done (self, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Searching                                                                                  */

/* The query, as FTS5 sees it: a string literal, in which only '"' is special (doubled). No
 * operator, column filter, '*', '^' or NEAR inside it can act. */
static void
fts_quote (GString *out, const char *word, gsize len)
{
  g_string_append_c (out, '"');
  for (gsize i = 0; i < len; i++)
    {
      if (word[i] == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, word[i]);
    }
  g_string_append_c (out, '"');
}

/* '%word%' with LIKE's wildcards and the escape character escaped (ESCAPE '\'). */
static char *
like_pattern (const char *word, gsize len)
{
  GString *like = g_string_new ("%");

  for (gsize i = 0; i < len; i++)
    {
      if (word[i] == '%' || word[i] == '_' || word[i] == '\\')
        g_string_append_c (like, '\\');
      g_string_append_c (like, word[i]);
    }
  g_string_append_c (like, '%');
  return g_string_free (like, FALSE);
}

/* A word too short for a trigram becomes the OR of every indexed trigram that starts with it
 * (SEARCH_BODY ends in two newlines, so each occurrence starts one): "张伟" → ("张伟；" OR
 * "张伟诉" OR …). Appends that to `match` and sets *n_terms (0: the word occurs nowhere).
 * More than `max` trigrams (a one-letter word) appends nothing: LIKE is cheaper then. */
#define SEARCH_EXPAND_MAX   512
#define SEARCH_EXPAND_TOTAL 4096   /* for all the words of one query */
static gboolean
search_expand_short (PdCatalog *self, const char *word, gsize len, guint max, GString *match,
                     guint *n_terms, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GString) group = g_string_new ("(");
  g_autofree char *folded = g_utf8_strdown (word, (gssize) len);
  g_autofree char *upper = g_strconcat (folded, "\xff", NULL);   /* above any UTF-8 */
  gboolean has_row;

  *n_terms = 0;
  stmt = prepare (self, "SELECT term FROM temp.session_search_terms WHERE term >= ?1 AND"
                        " term < ?2 LIMIT ?3", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, folded);
  /* as text (a blob sorts after every text): memcmp order puts every "word…" below it */
  bind_text (stmt, 2, upper);
  sqlite3_bind_int (stmt, 3, (int) max + 1);
  while (TRUE)
    {
      if (!step_row (self, stmt, &has_row, error))
        return FALSE;
      if (!has_row)
        break;
      if (++*n_terms > max)
        return TRUE;
      if (*n_terms > 1)
        g_string_append (group, " OR ");
      fts_quote (group, (const char *) sqlite3_column_text (stmt, 0),
                 (gsize) sqlite3_column_bytes (stmt, 0));
    }
  if (*n_terms > 0)
    {
      g_string_append_c (group, ')');
      if (match->len > 0)
        g_string_append (match, " AND ");
      g_string_append_len (match, group->str, (gssize) group->len);
    }
  return TRUE;
}

/* A query taken apart into what the statement binds. */
typedef struct
{
  GString     *match;          /* the FTS5 query: quoted words and expanded short ones, ANDed */
  JsonBuilder *likes;          /* an array of LIKE patterns, all of which must match */
  guint        n_likes;
  guint        expand_budget;  /* trigrams short words may still expand to */
  gboolean     nowhere;        /* a word occurs in no session at all: nothing matches */
} SearchTerms;

/* One word of the query: into the FTS5 query when the index can find it, else a LIKE pattern. */
static gboolean
search_add_word (PdCatalog *self, SearchTerms *terms, const char *word, gsize len,
                 GError **error)
{
  glong chars = g_utf8_strlen (word, (gssize) len);

  if (self->have_fts && chars >= SEARCH_TRIGRAM_MIN)
    {
      if (terms->match->len > 0)
        g_string_append (terms->match, " AND ");
      fts_quote (terms->match, word, len);
      return TRUE;
    }
  if (self->have_fts)
    {
      guint n_terms;

      if (!search_expand_short (self, word, len, MIN (SEARCH_EXPAND_MAX, terms->expand_budget),
                                terms->match, &n_terms, error))
        return FALSE;
      if (n_terms == 0)   /* in no session at all */
        {
          terms->nowhere = TRUE;
          return TRUE;
        }
      if (n_terms <= MIN (SEARCH_EXPAND_MAX, terms->expand_budget))
        {
          terms->expand_budget -= n_terms;
          return TRUE;
        }
    }
  {
    g_autofree char *pattern = like_pattern (word, len);

    json_builder_add_string_value (terms->likes, pattern);
    terms->n_likes++;
  }
  return TRUE;
}

/* Words, split at any Unicode space (the ideographic one too), all of which must occur. */
static gboolean
search_split_words (PdCatalog *self, const char *query, SearchTerms *terms, GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  json_builder_begin_array (terms->likes);
  for (const char *p = query; *p && !terms->nowhere;)
    {
      const char *word;
      gsize len;

      while (*p && g_unichar_isspace (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      if (*p == '\0')
        break;
      word = p;
      while (*p && !g_unichar_isspace (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      len = (gsize) (p - word);
      /* a repeated word adds nothing but work */
      if (!g_hash_table_add (seen, g_strndup (word, len)))
        continue;
      if (!search_add_word (self, terms, word, len, error))
        return FALSE;
    }
  json_builder_end_array (terms->likes);
  return TRUE;
}

/* The statement for a query with (or without) an FTS5 part and LIKE patterns. */
static const char *
search_sql (PdCatalog *self, const SearchTerms *terms, guint limit)
{
  /* ?1 the FTS5 query, ?2 a JSON array of LIKE patterns (all must match), ?3 the limit (-1:
   * none). With a limit, the matches are first sorted by (started, id) alone and only the
   * first `limit` are joined and read in full: 10 ms instead of 20 for 100 of 8 000 matches. */
#define SEARCH_LIKES(body) \
  " NOT EXISTS (SELECT 1 FROM json_each (?2) j WHERE (" body ") NOT LIKE j.value ESCAPE '\\')"
#define SEARCH_ORDER      " ORDER BY s.started DESC, s.id DESC"
#define SEARCH_ALL(ids)   SESSION_SELECT " WHERE s.id IN (" ids ")" SEARCH_ORDER " LIMIT ?3"
#define SEARCH_TOP(ids)                                                                    \
  SESSION_SELECT " WHERE s.id IN (SELECT id FROM sessions WHERE id IN (" ids ")"           \
  " ORDER BY started DESC, id DESC LIMIT ?3)" SEARCH_ORDER
#define SEARCH_MATCH      "SELECT rowid FROM session_search WHERE session_search MATCH ?1 AND" \
                          SEARCH_LIKES ("body")
#define SEARCH_SCAN_INDEX "SELECT rowid FROM session_search WHERE" SEARCH_LIKES ("body")
  static const char *const sql_match[] = { SEARCH_ALL (SEARCH_MATCH), SEARCH_TOP (SEARCH_MATCH) };
  static const char *const sql_scan_index[] = { SEARCH_ALL (SEARCH_SCAN_INDEX),
                                                SEARCH_TOP (SEARCH_SCAN_INDEX) };
  static const char sql_scan_tables[] =
    SESSION_SELECT " WHERE" SEARCH_LIKES (SEARCH_BODY) SEARCH_ORDER " LIMIT ?3";
#undef SEARCH_LIKES
#undef SEARCH_ORDER
#undef SEARCH_ALL
#undef SEARCH_TOP
#undef SEARCH_MATCH
#undef SEARCH_SCAN_INDEX

  if (terms->match->len > 0)
    return sql_match[limit > 0];
  if (self->have_fts && terms->n_likes > 0)
    return sql_scan_index[limit > 0];   /* only one-letter words: the index's copy is cheapest */
  return sql_scan_tables;  /* no index, or no words at all (every session) */
}

GPtrArray *
pd_catalog_search_sessions (PdCatalog *self, const char *query, guint limit, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GString) match = g_string_new (NULL);
  g_autoptr (JsonBuilder) likes = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) likes_root = NULL;
  g_autofree char *likes_text = NULL;
  SearchTerms terms = { match, likes, 0, SEARCH_EXPAND_TOTAL, FALSE };

  g_return_val_if_fail (PD_IS_CATALOG (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (query == NULL)
    query = "";
  if (!pd_catalog_check_utf8 (_("search text"), query, error))
    return NULL;
  if (strlen (query) > SEARCH_MAX_QUERY)
    {
      g_set_error_literal (error, PD_CATALOG_ERROR, PD_CATALOG_ERROR_INVALID,
                           _("The search text is too long."));
      return NULL;
    }

  if (!search_split_words (self, query, &terms, error))
    return NULL;
  if (terms.nowhere)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) pd_catalog_session_unref);
  likes_root = json_builder_get_root (likes);
  json_generator_set_root (gen, likes_root);
  likes_text = json_generator_to_data (gen, NULL);

  stmt = prepare (self, search_sql (self, &terms, limit), error);
  if (stmt == NULL)
    return NULL;
  if (match->len > 0)
    bind_text (stmt, 1, match->str);
  bind_text (stmt, 2, likes_text);
  sqlite3_bind_int64 (stmt, 3, limit > 0 ? (gint64) limit : -1);
  return pd_catalog_collect_sessions (self, stmt, error);
}

void
pd_catalog_debug_disable_fts (PdCatalog *self)
{
  g_return_if_fail (PD_IS_CATALOG (self));
  self->have_fts = FALSE;
}
