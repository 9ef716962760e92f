/* hostile-corpus-time.c — corpus cases on what the tokens say together: genuine controls,
 * spliced and re-dated timelines, missing and unlisted checkpoints, state and journal lies, and
 * honestly recorded gaps. */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "evidence/pd-package.h"
#include "util/pd-util.h"
#include "hostile-corpus.h"

#define MINUTE 60.0
#define HOUR   3600.0
#define DAY    86400.0
/* Far enough back that every re-stamp "hours later" is still in the past. */
#define BACK   (-5 * HOUR)

/* ------------------------------------------------------------------------------------------ */
/* Genuine                                                                                    */

static gboolean
genuine (Case *c)
{
  return TRUE;
}

/* The toolkit alone changes nothing a verifier can see: same bytes, same claims, tokens
 * re-minted at the same (whole) seconds. */
static gboolean
resealed (Case *c)
{
  case_seal (c, 0);
  return TRUE;
}

/* A package made five hours earlier, as far as anyone can tell. */
static gboolean
shifted (Case *c)
{
  case_shift_all (c, BACK);
  case_seal (c, 0);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Time                                                                                       */

/* Checkpoints `from`… and the end re-stamped `delta` later, the manifest's claims moved along:
 * two recordings joined, with the later part stamped when it was made. */
static void
splice (Case *c, guint from, double delta)
{
  guint n = case_n_checkpoints (c);

  case_shift_all (c, BACK);
  for (guint i = from; i <= n; i++)
    {
      double t = case_checkpoint_time (c, i);

      case_restamp_checkpoint (c, i, t + delta);
      json_move_time (case_checkpoint (c, i), "wall_time", delta);
    }
  json_move_time (c->manifest, "stopped", delta);
  case_restamp_recording (c, c->recording_time + delta);
  case_seal (c, c->manifest_time + delta);
}

static gboolean splice_2_10min (Case *c) { splice (c, 2, 10 * MINUTE); return TRUE; }
static gboolean splice_2_1h (Case *c) { splice (c, 2, HOUR); return TRUE; }
static gboolean splice_3_1h (Case *c) { splice (c, 3, HOUR); return TRUE; }
static gboolean splice_3_3h (Case *c) { splice (c, 3, 3 * HOUR); return TRUE; }
static gboolean splice_last_30min (Case *c) { splice (c, case_n_checkpoints (c), 30 * MINUTE); return TRUE; }
static gboolean splice_3_back_1h (Case *c) { splice (c, 3, -HOUR); return TRUE; }

/* One checkpoint re-stamped `delta` from its time, nothing else changed but its claim. */
static void
one_apart (Case *c, guint index, double delta)
{
  case_shift_all (c, BACK);
  case_restamp_checkpoint (c, index, case_checkpoint_time (c, index) + delta);
  case_seal (c, 0);
}

static gboolean first_30min_early (Case *c) { one_apart (c, 1, -30 * MINUTE); return TRUE; }
static gboolean first_1min_early (Case *c) { one_apart (c, 1, -MINUTE); return TRUE; }
static gboolean last_30min_late (Case *c) { one_apart (c, case_n_checkpoints (c), 30 * MINUTE); return TRUE; }
static gboolean cp2_30min_late (Case *c) { one_apart (c, 2, 30 * MINUTE); return TRUE; }
static gboolean cp3_30min_early (Case *c) { one_apart (c, 3, -30 * MINUTE); return TRUE; }

/* Checkpoint i+1 re-stamped at the first checkpoint's time + `offsets[i]` seconds. */
static void
restamp_at (Case *c, const double *offsets)
{
  guint n = case_n_checkpoints (c);
  double t1 = case_checkpoint_time (c, 1);

  for (guint i = 1; i <= n; i++)
    case_restamp_checkpoint (c, i, t1 + offsets[MIN (i, 8) - 1]);
  case_seal (c, 0);
}

/* Genuine checkpoints are 3 s apart; these go back by far more than the 1 s + accuracies
 * allowed. */
static gboolean
reversed (Case *c)
{
  guint n = case_n_checkpoints (c);
  double offsets[8];

  for (guint i = 0; i < 8; i++)
    offsets[i] = (double) (MAX (n, i + 1) - (i + 1)) * 30;
  restamp_at (c, offsets);
  return TRUE;
}

static gboolean
first_after_second (Case *c)
{
  restamp_at (c, (double[]) { 33, 3, 6, 9, 12, 15, 18, 21 });
  return TRUE;
}

static gboolean
second_before_first (Case *c)
{
  restamp_at (c, (double[]) { 0, -10, 6, 9, 12, 15, 18, 21 });
  return TRUE;
}

/* The recording token over the real digest, but stamped a minute before the first checkpoint. */
static gboolean
final_before_checkpoints (Case *c)
{
  case_restamp_recording (c, case_checkpoint_time (c, 1) - 60);
  case_seal (c, case_checkpoint_time (c, case_n_checkpoints (c)) + 2);
  return TRUE;
}

/* Bytes after the last checkpoint changed (or added, or cut), the recording token and the
 * manifest re-stamped `delta` after the end. */
static void
tail_edit (Case *c, double back, double delta, int how)
{
  JsonObject *rec = pd_json_object (c->manifest, "recording");
  JsonObject *last = case_checkpoint (c, case_n_checkpoints (c));
  g_autofree char *path = case_path (c, PD_RECORDING_NAME);
  g_autofree char *data = NULL;
  g_autofree char *hex = NULL;
  gsize len = 0;
  gint64 off = json_object_get_int_member (last, "offset");

  if (back != 0)
    case_shift_all (c, back);
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_cmpint ((gint64) len, >, off + 16);
  if (how == 0)
    data[off + (len - off) / 2] ^= 0x55;
  else if (how < 0)
    len = off + (len - off) / 2;
  else
    {
      data = g_realloc (data, len + 65536);
      memset (data + len, 0x42, 65536);
      len += 65536;
    }
  case_write (c, PD_RECORDING_NAME, data, len);
  hex = pd_sha256_bytes ((const guint8 *) data, len);
  json_object_set_string_member (rec, "sha256", hex);
  json_object_set_int_member (rec, "size", (gint64) len);
  case_refresh_entry (c, PD_RECORDING_NAME);
  case_restamp_recording (c, c->recording_time + delta);
  case_seal (c, c->recording_time + 1);
}

static gboolean tail_now_1h (Case *c) { tail_edit (c, 0, HOUR, 0); return TRUE; }
static gboolean tail_1h (Case *c) { tail_edit (c, BACK, HOUR, 0); return TRUE; }
static gboolean tail_10min (Case *c) { tail_edit (c, BACK, 10 * MINUTE, 0); return TRUE; }
static gboolean tail_appended (Case *c) { tail_edit (c, BACK, HOUR, 1); return TRUE; }
static gboolean tail_cut (Case *c) { tail_edit (c, BACK, 20 * MINUTE, -1); return TRUE; }

/* Every claim of the manifest and journal moved by `delta`; the tokens cannot move. */
static void
redate (Case *c, double delta)
{
  case_shift_claims (c, delta);
  case_seal (c, 0);
}

static gboolean redated_year (Case *c) { redate (c, -365 * DAY); return TRUE; }
static gboolean redated_day (Case *c) { redate (c, -DAY); return TRUE; }
static gboolean redated_hour (Case *c) { redate (c, -HOUR); return TRUE; }
static gboolean redated_later (Case *c) { redate (c, HOUR); return TRUE; }

static gboolean
started_earlier (Case *c)
{
  json_move_time (c->manifest, "started", -10 * MINUTE);
  case_seal (c, 0);
  return TRUE;
}

static gboolean
manifest_before_recording (Case *c)
{
  case_seal (c, c->recording_time - MINUTE);
  return TRUE;
}

static gboolean
manifest_before_all (Case *c)
{
  case_seal (c, case_checkpoint_time (c, 1) - HOUR);
  return TRUE;
}

static gboolean
future_checkpoint (Case *c)
{
  case_restamp_checkpoint (c, 2, (double) g_get_real_time () / 1e6 + DAY);
  case_seal (c, 0);
  return TRUE;
}

static gboolean
future_recording (Case *c)
{
  case_restamp_recording (c, (double) g_get_real_time () / 1e6 + DAY);
  case_seal (c, 0);
  return TRUE;
}

static gboolean
future_manifest (Case *c)
{
  case_seal (c, (double) g_get_real_time () / 1e6 + DAY);
  return TRUE;
}

static gboolean
future_all (Case *c)
{
  case_shift_all (c, DAY);
  case_seal (c, 0);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Completeness                                                                               */

static JsonObject *journal_checkpoint (Case *c, guint index, const char *event);

/* Checkpoints `from`..`to` removed: tokens, manifest entries, files[] entries and (unless
 * `keep_journal`) their journal lines. */
static void
drop (Case *c, guint from, guint to, gboolean keep_journal)
{
  for (guint i = from; i <= to; i++)
    {
      case_drop_checkpoint (c, i, TRUE);
      if (!keep_journal)
        {
          g_ptr_array_remove (case_journal (c), journal_checkpoint (c, i, "checkpoint"));
          g_ptr_array_remove (case_journal (c), journal_checkpoint (c, i, "stamped"));
        }
    }
  if (!keep_journal)
    case_journal_save (c);
  case_seal (c, 0);
}

static gboolean drop_1 (Case *c) { drop (c, 1, 1, FALSE); return TRUE; }
static gboolean drop_2 (Case *c) { drop (c, 2, 2, FALSE); return TRUE; }
static gboolean drop_3 (Case *c) { drop (c, 3, 3, FALSE); return TRUE; }
/* The last checkpoint is taken at the stop, right before the recording token: without it the
 * spacing still fits, so only the journal can tell. */
static gboolean drop_last (Case *c) { guint n = case_n_checkpoints (c); drop (c, n, n, TRUE); return TRUE; }
static gboolean drop_last_two (Case *c) { guint n = case_n_checkpoints (c); drop (c, n - 1, n, FALSE); return TRUE; }
static gboolean drop_all (Case *c) { drop (c, 1, case_n_checkpoints (c), FALSE); return TRUE; }

/* Checkpoint 2 taken out of the manifest, its token left in the folder. */
static gboolean
unlisted_token (Case *c)
{
  case_drop_checkpoint (c, 2, FALSE);
  case_seal (c, 0);
  return TRUE;
}

static gboolean
added_token (Case *c)
{
  g_autofree char *from = case_path (c, "checkpoints/000001.tsr");
  g_autofree char *data = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (from, &data, &len, NULL));
  case_write (c, "checkpoints/000099.tsr", data, len);
  return TRUE;
}

static gboolean
listed_token_missing (Case *c)
{
  g_autofree char *path = case_path (c, "checkpoints/000002.tsr");

  g_assert_cmpint (g_unlink (path), ==, 0);
  return TRUE;
}

static gboolean
unlisted_file (Case *c)
{
  case_write (c, "notes.txt", "added later\n", 12);
  return TRUE;
}

static void
set_state (Case *c, const char *state)
{
  if (state)
    json_object_set_string_member (c->manifest, "state", state);
  else
    json_object_set_int_member (c->manifest, "state", 5);
  case_seal (c, 0);
}

static gboolean state_sealing (Case *c) { set_state (c, "sealing"); return TRUE; }
static gboolean state_recording (Case *c) { set_state (c, "recording"); return TRUE; }
static gboolean state_garbage (Case *c) { set_state (c, "st\xc3\xa4mped!"); return TRUE; }
static gboolean state_empty (Case *c) { set_state (c, ""); return TRUE; }
static gboolean state_number (Case *c) { set_state (c, NULL); return TRUE; }
static gboolean state_awaiting (Case *c) { set_state (c, "awaiting-stamp"); return TRUE; }

static gboolean
state_missing (Case *c)
{
  json_object_remove_member (c->manifest, "state");
  case_seal (c, 0);
  return TRUE;
}

/* A recovered package passed off as one that stopped normally. */
static gboolean
recovered_relabelled (Case *c)
{
  if (g_strcmp0 (pd_json_string (c->manifest, "state"), "recovered") != 0)
    {
      g_test_skip ("the killed capture was not sealed as recovered");
      return FALSE;
    }
  json_object_set_string_member (c->manifest, "state", "stamped");
  json_object_remove_member (c->manifest, "recovered");
  json_object_remove_member (c->manifest, "recovery");
  case_seal (c, 0);
  return TRUE;
}

/* The journal line of checkpoint `index` for `event`, or NULL (the last checkpoint's
 * "stamped" line may come after the journal was closed). */
static JsonObject *
journal_checkpoint (Case *c, guint index, const char *event)
{
  GPtrArray *j = case_journal (c);

  for (guint i = 0; i < j->len; i++)
    {
      JsonObject *e = g_ptr_array_index (j, i);
      if (g_strcmp0 (pd_json_string (e, "event"), event) == 0 &&
          json_object_get_int_member_with_default (e, "index", 0) == index)
        return e;
    }
  return NULL;
}

static gboolean
journal_offset (Case *c)
{
  JsonObject *e = journal_checkpoint (c, 2, "checkpoint");

  g_assert_nonnull (e);
  json_object_set_int_member (e, "offset", json_object_get_int_member (e, "offset") + 4096);
  case_journal_save (c);
  case_seal (c, 0);
  return TRUE;
}

static gboolean
journal_digest (Case *c)
{
  g_assert_nonnull (journal_checkpoint (c, 2, "checkpoint"));
  json_object_set_string_member (journal_checkpoint (c, 2, "checkpoint"), "sha256",
                                 "0000000000000000000000000000000000000000000000000000000000000000");
  case_journal_save (c);
  case_seal (c, 0);
  return TRUE;
}

static gboolean
journal_line_removed (Case *c)
{
  g_assert_true (g_ptr_array_remove (case_journal (c), journal_checkpoint (c, 3, "checkpoint")));
  case_journal_save (c);
  case_seal (c, 0);
  return TRUE;
}

static gboolean
journal_line_added (Case *c)
{
  JsonObject *e = json_object_new ();

  json_object_set_string_member (e, "event", "checkpoint");
  json_object_set_int_member (e, "index", 99);
  json_object_set_int_member (e, "offset", 99);
  json_object_set_string_member (e, "sha256",
                                 "1111111111111111111111111111111111111111111111111111111111111111");
  g_ptr_array_insert (case_journal (c), 2, e);
  case_journal_save (c);
  case_seal (c, 0);
  return TRUE;
}

/* The manifest says checkpoint 2 could not be stamped; the journal says it was. */
static gboolean
unstamped_unjournalled (Case *c)
{
  JsonObject *o = case_checkpoint (c, 2);

  case_drop_entry (c, pd_json_string (o, "token"));
  {
    g_autofree char *path = case_path (c, pd_json_string (o, "token"));
    g_unlink (path);
  }
  json_object_remove_member (o, "token");
  json_object_remove_member (o, "gen_time");
  json_object_set_string_member (o, "stamp_error", "Could not connect: Connection refused");
  case_seal (c, 0);
  return TRUE;
}

static gboolean
checkpoint_digest_edited (Case *c)
{
  json_object_set_string_member (case_checkpoint (c, 2), "sha256",
                                 "2222222222222222222222222222222222222222222222222222222222222222");
  case_seal (c, 0);
  return TRUE;
}

static gboolean
checkpoint_offset_moved (Case *c)
{
  JsonObject *o = case_checkpoint (c, 2);

  json_object_set_int_member (o, "offset", json_object_get_int_member (o, "offset") + 1);
  case_seal (c, 0);
  return TRUE;
}

static gboolean
checkpoint_entries_swapped (Case *c)
{
  JsonArray *a = pd_json_array (c->manifest, "checkpoints");
  JsonNode *second = json_node_copy (json_array_get_element (a, 1));

  json_array_remove_element (a, 1);
  json_array_add_element (a, second);
  case_seal (c, 0);
  return TRUE;
}

static gboolean
checkpoint_listed_twice (Case *c)
{
  JsonArray *a = pd_json_array (c->manifest, "checkpoints");

  json_array_add_element (a, json_node_copy (json_array_get_element (a, 1)));
  case_seal (c, 0);
  return TRUE;
}

static gboolean
tokens_swapped (Case *c)
{
  g_autofree char *a = case_path (c, "checkpoints/000002.tsr");
  g_autofree char *b = case_path (c, "checkpoints/000003.tsr");
  g_autofree char *t = case_path (c, "checkpoints/swap");

  g_assert_cmpint (g_rename (a, t), ==, 0);
  g_assert_cmpint (g_rename (b, a), ==, 0);
  g_assert_cmpint (g_rename (t, b), ==, 0);
  case_refresh_entry (c, "checkpoints/000002.tsr");
  case_refresh_entry (c, "checkpoints/000003.tsr");
  case_seal (c, 0);
  return TRUE;
}

static gboolean
recording_size_lie (Case *c)
{
  JsonObject *rec = pd_json_object (c->manifest, "recording");

  json_object_set_int_member (rec, "size", json_object_get_int_member (rec, "size") + 1);
  case_seal (c, 0);
  return TRUE;
}

/* One byte of the recording changed and the manifest rewritten to match; the recording token
 * cannot follow. */
static gboolean
recording_edited (Case *c)
{
  g_autofree char *path = case_path (c, PD_RECORDING_NAME);
  g_autofree char *data = NULL;
  g_autofree char *hex = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  data[len / 3] ^= 0x01;
  case_write (c, PD_RECORDING_NAME, data, len);
  hex = pd_sha256_bytes ((const guint8 *) data, len);
  json_object_set_string_member (pd_json_object (c->manifest, "recording"), "sha256", hex);
  case_refresh_entry (c, PD_RECORDING_NAME);
  case_seal (c, 0);
  return TRUE;
}

static gboolean
recording_missing (Case *c)
{
  g_autofree char *path = case_path (c, PD_RECORDING_NAME);

  g_assert_cmpint (g_unlink (path), ==, 0);
  return TRUE;
}

static gboolean
manifest_token_missing (Case *c)
{
  g_autofree char *path = case_path (c, PD_MANIFEST_TOKEN_NAME);

  g_assert_cmpint (g_unlink (path), ==, 0);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Gaps                                                                                       */

/* Checkpoints `from`..`to` could not be stamped while recording, and manifest and journal say
 * so, as the capture writes them. */
static void
unstamped (Case *c, guint from, guint to)
{
  for (guint i = from; i <= to; i++)
    {
      JsonObject *o = case_checkpoint (c, i);
      JsonObject *e = journal_checkpoint (c, i, "stamped");
      g_autofree char *path = case_path (c, pd_json_string (o, "token"));

      g_assert_nonnull (e);
      case_drop_entry (c, pd_json_string (o, "token"));
      g_assert_cmpint (g_unlink (path), ==, 0);
      json_object_remove_member (o, "token");
      json_object_remove_member (o, "gen_time");
      json_object_set_string_member (o, "stamp_error", "Could not connect: Connection refused");
      json_object_set_string_member (e, "event", "stamp-failed");
      json_object_remove_member (e, "token");
      json_object_remove_member (e, "gen_time");
      json_object_set_string_member (e, "error", "Could not connect: Connection refused");
    }
  case_journal_save (c);
  case_seal (c, 0);
}

static gboolean unstamped_1 (Case *c) { unstamped (c, 1, 1); return TRUE; }
static gboolean unstamped_2 (Case *c) { unstamped (c, 2, 2); return TRUE; }
static gboolean unstamped_3 (Case *c) { unstamped (c, 3, 3); return TRUE; }
static gboolean unstamped_2_3 (Case *c) { unstamped (c, 2, 3); return TRUE; }

/* ------------------------------------------------------------------------------------------ */
/* The table                                                                                  */

const CorpusRow corpus_time_rows[] = {
  ROW ("genuine", "base", genuine, VALID, "recording.digest", PASSED),
  ROW ("genuine", "resealed", resealed, VALID, "recording.digest", PASSED),
  ROW ("genuine", "shifted-5h", shifted, VALID, "recording.digest", PASSED),
  ROW ("genuine", "recovered", genuine, VALID, "recording.digest", PASSED, .from_recovered = TRUE,
       .or_gaps = TRUE),

  ROW ("time", "splice-2-10min", splice_2_10min, INVALID, "time.pace", FAILED),
  ROW ("time", "splice-2-1h", splice_2_1h, INVALID, "time.pace", FAILED),
  ROW ("time", "splice-3-1h", splice_3_1h, INVALID, "time.pace", FAILED),
  ROW ("time", "splice-3-3h", splice_3_3h, INVALID, "time.pace", FAILED),
  ROW ("time", "splice-last-30min", splice_last_30min, INVALID, "time.pace", FAILED),
  ROW ("time", "splice-3-back-1h", splice_3_back_1h, INVALID, "time.order", FAILED),
  ROW ("time", "first-30min-early", first_30min_early, INVALID, "time.pace", FAILED),
  ROW ("time", "first-1min-early", first_1min_early, INVALID, "time.pace", FAILED),
  ROW ("time", "last-30min-late", last_30min_late, INVALID, "time.pace", FAILED),
  ROW ("time", "cp2-30min-late", cp2_30min_late, INVALID, "time.order", FAILED),
  ROW ("time", "cp3-30min-early", cp3_30min_early, INVALID, "time.order", FAILED),
  ROW ("time", "reversed", reversed, INVALID, "time.order", FAILED),
  ROW ("time", "first-after-second", first_after_second, INVALID, "time.order", FAILED),
  ROW ("time", "second-before-first", second_before_first, INVALID, "time.order", FAILED),
  ROW ("time", "final-before-checkpoints", final_before_checkpoints, INVALID, "time.final-token", FAILED),
  /* A token an hour ahead is refused as from the future before its lateness is judged. */
  ROW ("time", "tail-edited-now-1h", tail_now_1h, INVALID, "time.final-token", FAILED,
       .alt_id = "token.gen-time-future"),
  ROW ("time", "tail-edited-1h", tail_1h, INVALID, "time.final-token", FAILED),
  ROW ("time", "tail-edited-10min", tail_10min, INVALID, "time.final-token", FAILED),
  ROW ("time", "tail-appended-1h", tail_appended, INVALID, "time.final-token", FAILED),
  ROW ("time", "tail-cut-20min", tail_cut, INVALID, "time.final-token", FAILED),
  ROW ("time", "redated-year", redated_year, INVALID, "time.start", FAILED),
  ROW ("time", "redated-day", redated_day, INVALID, "time.start", FAILED),
  ROW ("time", "redated-hour", redated_hour, INVALID, "time.start", FAILED),
  ROW ("time", "redated-later", redated_later, INVALID, "time.start", FAILED),
  ROW ("time", "started-10min-earlier", started_earlier, INVALID, "time.start", FAILED),
  ROW ("time", "manifest-before-recording", manifest_before_recording, INVALID, "time.manifest-token", FAILED),
  ROW ("time", "manifest-before-all", manifest_before_all, INVALID, "time.manifest-token", FAILED),
  ROW ("time", "future-checkpoint", future_checkpoint, INVALID, "token.gen-time-future", FAILED),
  ROW ("time", "future-recording", future_recording, INVALID, "token.gen-time-future", FAILED),
  ROW ("time", "future-manifest", future_manifest, INVALID, "token.gen-time-future", FAILED),
  ROW ("time", "future-all", future_all, INVALID, "token.gen-time-future", FAILED),

  ROW ("completeness", "drop-1", drop_1, INVALID, "checkpoint.missing", FAILED),
  ROW ("completeness", "drop-2", drop_2, INVALID, "checkpoint.missing", FAILED),
  ROW ("completeness", "drop-3", drop_3, INVALID, "checkpoint.missing", FAILED),
  ROW ("completeness", "drop-last-journal-kept", drop_last, INVALID, "journal.consistency", FAILED),
  ROW ("completeness", "drop-last-two", drop_last_two, INVALID, "checkpoint.missing", FAILED),
  ROW ("completeness", "drop-all", drop_all, INVALID, "checkpoint.missing", FAILED),
  ROW ("completeness", "unlisted-token", unlisted_token, INVALID, "package.extra-file", FAILED,
       .subject = "checkpoints/000002.tsr"),
  ROW ("completeness", "added-token", added_token, INVALID, "package.extra-file", FAILED,
       .subject = "checkpoints/000099.tsr"),
  ROW ("completeness", "listed-token-missing", listed_token_missing, INVALID, "file.missing", FAILED,
       .subject = "checkpoints/000002.tsr"),
  ROW ("completeness", "unlisted-file", unlisted_file, INVALID, "package.extra-file", FAILED, .subject = "notes.txt"),
  ROW ("completeness", "state-sealing", state_sealing, INVALID, "package.state", FAILED),
  ROW ("completeness", "state-recording", state_recording, INVALID, "package.state", FAILED),
  ROW ("completeness", "state-garbage", state_garbage, INVALID, "package.state", FAILED),
  ROW ("completeness", "state-empty", state_empty, INVALID, "package.state", FAILED),
  ROW ("completeness", "state-number", state_number, INVALID, "package.state", FAILED),
  ROW ("completeness", "state-missing", state_missing, INVALID, "package.state", FAILED),
  ROW ("completeness", "state-awaiting-with-token", state_awaiting, INVALID, "package.state", FAILED),
  ROW ("completeness", "recovered-relabelled", recovered_relabelled, INVALID, "journal.consistency", FAILED,
       .alt_id = "package.state", .from_recovered = TRUE),
  ROW ("completeness", "journal-offset", journal_offset, INVALID, "journal.consistency", FAILED),
  ROW ("completeness", "journal-digest", journal_digest, INVALID, "journal.consistency", FAILED),
  ROW ("completeness", "journal-line-removed", journal_line_removed, INVALID, "journal.consistency", FAILED),
  ROW ("completeness", "journal-line-added", journal_line_added, INVALID, "journal.consistency", FAILED),
  ROW ("completeness", "unstamped-unjournalled", unstamped_unjournalled, INVALID, "journal.consistency", FAILED),
  ROW ("completeness", "checkpoint-digest-edited", checkpoint_digest_edited, INVALID, "checkpoint.digest", FAILED),
  ROW ("completeness", "checkpoint-offset-moved", checkpoint_offset_moved, INVALID, "checkpoint.digest", FAILED),
  ROW ("completeness", "checkpoint-entries-swapped", checkpoint_entries_swapped, INVALID, "checkpoint.order", FAILED),
  ROW ("completeness", "checkpoint-listed-twice", checkpoint_listed_twice, INVALID, "checkpoint.order", FAILED,
       .alt_id = "checkpoint.listed"),
  ROW ("completeness", "tokens-swapped", tokens_swapped, INVALID, "token.imprint", FAILED,
       .subject = "checkpoints/000002.tsr"),
  ROW ("completeness", "recording-size-lie", recording_size_lie, INVALID, "recording.size", FAILED),
  ROW ("completeness", "recording-edited", recording_edited, INVALID, "token.imprint", FAILED,
       .subject = "recording.mp4.tsr"),
  ROW ("completeness", "recording-missing", recording_missing, INVALID, "recording.present", FAILED),
  ROW ("completeness", "manifest-token-missing", manifest_token_missing, INVALID, "token.present", FAILED,
       .subject = "manifest.json.tsr"),

  ROW ("gaps", "unstamped-1", unstamped_1, VALID_WITH_GAPS, "checkpoint.unstamped", GAP),
  ROW ("gaps", "unstamped-2", unstamped_2, VALID_WITH_GAPS, "checkpoint.unstamped", GAP),
  ROW ("gaps", "unstamped-3", unstamped_3, VALID_WITH_GAPS, "checkpoint.unstamped", GAP),
  ROW ("gaps", "unstamped-2-3", unstamped_2_3, VALID_WITH_GAPS, "checkpoint.unstamped", GAP),
};
const guint corpus_time_n_rows = G_N_ELEMENTS (corpus_time_rows);
