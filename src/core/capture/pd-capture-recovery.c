/* pd-capture-recovery.c — a capture that never finished (crash, kill, power loss) sealed from
 * its journal and the recording as it is on disk. */
#define G_LOG_DOMAIN "pd-capture"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/pd-capture-private.h"
#include "evidence/pd-evidence-file.h"
#include "evidence/pd-manifest.h"
#include "catalog/pd-catalog.h"
#include "evidence/pd-package.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-error.h"
#include "util/pd-util.h"

/* ---------------------------------------------------------------- recovery */

static gint64
obj_int (JsonObject *o, const char *name, gint64 fallback)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64
           ? json_node_get_int (n) : fallback;
}

static void
load_start (PdCapture *self, JsonObject *e)
{
  const char *started = pd_json_string (e, "started");
  JsonNode *src = json_object_get_member (e, "source");
  JsonNode *enc = json_object_get_member (e, "encoder");

  self->session_id = g_strdup (pd_json_string (e, "session"));
  self->case_name = g_strdup (pd_json_string (e, "case"));
  self->parties = g_strdup (pd_json_string (e, "parties"));
  self->dispute_type = g_strdup (pd_json_string (e, "dispute_type"));
  self->scenario = g_strdup (pd_json_string (e, "scenario"));
  self->operator_name = g_strdup (pd_json_string (e, "operator"));
  self->started = started ? pd_time_parse (started) : NULL;
  if (src && JSON_NODE_HOLDS_OBJECT (src))
    self->source_json = pd_capture_copy_object (json_node_get_object (src));
  if (enc && JSON_NODE_HOLDS_OBJECT (enc))
    self->encoder_json = pd_capture_copy_object (json_node_get_object (enc));
}

static void
load_checkpoint (PdCapture *self, JsonObject *e)
{
  Checkpoint cp = { 0 };
  const char *sha = pd_json_string (e, "sha256");
  guint8 check[PD_SHA256_LEN];

  cp.index = (guint) obj_int (e, "index", 0);
  cp.offset = (guint64) obj_int (e, "offset", 0);
  cp.running_time = (guint64) obj_int (e, "running_time_ns", 0);
  cp.wall_time_us = obj_int (e, "wall_time_us", 0);
  if (cp.index == 0 || pd_capture_find_checkpoint (self, cp.index) || !pd_hex_decode (sha, check, sizeof check))
    return;
  cp.sha256 = g_strdup (sha);
  g_array_append_val (self->checkpoints, cp);
}

static void
load_mark (PdCapture *self, JsonObject *e)
{
  Mark mk = { 0 };
  const char *still = pd_json_string (e, "still");

  mk.id = (guint) obj_int (e, "id", 0);
  if (mk.id != self->marks->len + 1 || pd_json_string (e, "item") == NULL)
    return;
  mk.item_id = g_strdup (pd_json_string (e, "item"));
  mk.title = g_strdup (pd_json_string (e, "title"));
  mk.note = g_strdup (pd_json_string (e, "note"));
  mk.running_time = (guint64) obj_int (e, "running_time_ns", 0);
  mk.wall_time_us = obj_int (e, "wall_time_us", 0);
  /* Only a still inside stills/ with a plain name is taken back. */
  if (still && g_str_has_prefix (still, "stills/") && strchr (still + 7, '/') == NULL &&
      strstr (still, "..") == NULL)
    mk.still = g_strdup (still);
  g_array_append_val (self->marks, mk);
}

static void
load_ocr_suggestion (PdCapture *self, JsonObject *e)
{
  JsonNode *n = json_object_get_member (e, "suggestion");
  JsonObject *o = n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
  const char *decision = o ? pd_json_string (o, "decision") : NULL;

  if (o != NULL && pd_json_string (o, "item") != NULL && decision != NULL &&
      (g_str_equal (decision, "confirmed") || g_str_equal (decision, "dismissed")))
    json_array_add_object_element (self->ocr_suggestions, pd_capture_copy_object (o));
}

/* A court must see the gaps of a recovered phone recording as well. */
static void
load_gap (PdCapture *self, JsonObject *e)
{
  if (pd_json_array (self->source_json, "gaps") == NULL)
    json_object_set_array_member (self->source_json, "gaps", json_array_new ());
  json_array_add_object_element (pd_json_array (self->source_json, "gaps"),
                                 pd_capture_copy_object (pd_json_object (e, "gap")));
}

static void
load_environment (PdCapture *self, JsonObject *e)
{
  JsonObject *m = pd_package_get_manifest (self->package);

  if (pd_json_object (m, "environment") == NULL)
    json_object_set_object_member (m, "environment", json_object_new ());
  json_object_set_object_member (pd_json_object (m, "environment"), pd_json_string (e, "when"),
                                 pd_capture_copy_object (pd_json_object (e, "report")));
}

/* One event of the journal; `have_start` says whether its "start" has been read. */
static void
load_event (PdCapture *self, JsonObject *e, const char *event, gboolean *have_start)
{
  if (g_str_equal (event, "start") && !*have_start)
    {
      *have_start = TRUE;
      load_start (self, e);
    }
  else if (g_str_equal (event, "checkpoint"))
    load_checkpoint (self, e);
  else if (g_str_equal (event, "mark"))
    load_mark (self, e);
  else if (g_str_equal (event, "ocr-suggestion"))
    load_ocr_suggestion (self, e);
  else if (g_str_equal (event, "gap") && self->source_json != NULL && pd_json_object (e, "gap"))
    load_gap (self, e);
  else if (g_str_equal (event, "environment") && pd_json_object (e, "report") &&
           (g_strcmp0 (pd_json_string (e, "when"), "before") == 0 ||
            g_strcmp0 (pd_json_string (e, "when"), "after") == 0))
    load_environment (self, e);
  else if (g_str_equal (event, "undo-mark"))
    {
      guint id = (guint) obj_int (e, "id", 0);

      if (id >= 1 && id <= self->marks->len)
        g_array_index (self->marks, Mark, id - 1).undone_us = obj_int (e, "wall_time_us", 1);
    }
  else if (g_str_equal (event, "stop"))
    {
      const char *t = pd_json_string (e, "time");
      g_clear_pointer (&self->stopped, g_date_time_unref);
      self->stopped = t ? pd_time_parse (t) : NULL;
    }
}

/* Reads the journal line by line; a line cut short by the crash is ignored. */
static gboolean
load_journal (PdCapture *self, GError **error)
{
  g_autofree char *path = g_build_filename (pd_package_get_path (self->package), PD_JOURNAL_NAME, NULL);
  g_autoptr (GPtrArray) events = NULL;
  gboolean have_start = FALSE;

  /* Through the one journal reader: a line cut short by the crash (or one that is not an
   * acceptable JSON object) is skipped; a FIFO or an oversized journal is an error. */
  events = pd_journal_load (path, NULL, error);
  if (events == NULL)
    return FALSE;
  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *e = g_ptr_array_index (events, i);
      const char *event = pd_json_string (e, "event");

      if (event == NULL)
        continue;
      load_event (self, e, event, &have_start);
    }

  if (!have_start || self->session_id == NULL || self->started == NULL)
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_MANIFEST,
                   _("The capture journal of “%s” does not say how the recording started."),
                   pd_package_get_path (self->package));
      return FALSE;
    }
  if (self->source_json == NULL)
    self->source_json = json_object_new ();
  if (self->encoder_json == NULL)
    self->encoder_json = json_object_new ();
  return TRUE;
}

/* Token files larger than this are not tokens. */
#define TOKEN_MAX_SIZE (1024 * 1024)

/* The package folder, for reading its files through the evidence reader. -1 and an error. */
static int
open_package_dir (PdCapture *self, GError **error)
{
  const char *dir = pd_package_get_path (self->package);
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _("Cannot open “%s”: %s"),
                   dir, g_strerror (saved));
    }
  return fd;
}

/* Checkpoint tokens already on disk are kept when they are over the digest the journal gives
 * for that checkpoint; they are listed in files[] as they are. A token that never came is
 * simply absent; anything else in its place (a FIFO, a device, a link, a huge file) stops the
 * recovery with an error naming it, instead of hanging on it or listing it. */
static gboolean
load_checkpoint_tokens (PdCapture *self, GError **error)
{
  int dirfd = open_package_dir (self, error);

  if (dirfd < 0)
    return FALSE;
  for (guint i = 0; i < self->checkpoints->len; i++)
    {
      Checkpoint *cp = &g_array_index (self->checkpoints, Checkpoint, i);
      g_autofree char *name = g_strdup_printf (PD_CHECKPOINT_TOKEN_FORMAT, cp->index);
      g_autoptr (GBytes) bytes = NULL;
      g_autoptr (PdTsaToken) token = NULL;
      g_autoptr (GError) local = NULL;
      g_autofree char *sha = NULL;
      gsize len;

      bytes = pd_evidence_read_at (dirfd, name, TOKEN_MAX_SIZE, &local);
      if (bytes == NULL && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        continue;
      if (bytes == NULL)
        {
          close (dirfd);
          g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_IO,
                       _("Cannot recover “%s”: %s"), pd_package_get_path (self->package),
                       local->message);
          return FALSE;
        }
      len = g_bytes_get_size (bytes);
      token = pd_tsa_token_new_from_der (bytes, NULL);
      sha = pd_sha256_bytes (g_bytes_get_data (bytes, NULL), len);
      pd_package_add_file_entry (self->package, name, len, sha);
      if (token == NULL || g_strcmp0 (pd_tsa_token_get_imprint_hex (token), cp->sha256) != 0)
        {
          cp->stamp_error = g_strdup (_("the token on disk is not over this checkpoint"));
          continue;
        }
      cp->token = g_steal_pointer (&token);
    }
  close (dirfd);
  return TRUE;
}

PdCapture *
pd_capture_new_for_recovery (const char *package_dir, GError **error)
{
  g_autoptr (PdCapture) self = g_object_new (PD_TYPE_CAPTURE, NULL);
  g_autofree char *rec = NULL;

  g_return_val_if_fail (package_dir != NULL, NULL);

  self->package = pd_package_open_unsealed (package_dir, error);
  if (self->package == NULL)
    return NULL;
  rec = g_build_filename (pd_package_get_path (self->package), PD_RECORDING_NAME, NULL);
  if (!g_file_test (rec, G_FILE_TEST_IS_REGULAR) || g_file_test (rec, G_FILE_TEST_IS_SYMLINK))
    {
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_IO,
                   _("“%s” has no recording to recover."), package_dir);
      return NULL;
    }
  {
    g_autofree char *journal = g_build_filename (pd_package_get_path (self->package), PD_JOURNAL_NAME, NULL);

    struct stat st;

    /* O_NONBLOCK: a FIFO in the journal's place must not hang the open. */
    self->lock_fd = g_open (journal, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0);
    if (self->lock_fd >= 0 && (fstat (self->lock_fd, &st) != 0 || !S_ISREG (st.st_mode)))
      {
        g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_BAD_NAME,
                     _("“%s” in “%s” is not a regular file; refusing to recover from it."),
                     PD_JOURNAL_NAME, package_dir);
        return NULL;
      }
    if (self->lock_fd >= 0 && flock (self->lock_fd, LOCK_EX | LOCK_NB) != 0)
      {
        g_set_error (error, PD_CAPTURE_ERROR, PD_CAPTURE_ERROR_STATE,
                     _("“%s” is still being recorded by another process."), package_dir);
        return NULL;
      }
  }
  if (!load_journal (self, error))
    return NULL;
  self->source = g_new0 (PdSourceSpec, 1);
  self->recovered = TRUE;
  self->state = STATE_STOPPING;
  return g_steal_pointer (&self);
}

/* Stills written before the crash are listed as they are on disk. */
static void
list_stills (PdCapture *self)
{
  int dirfd = open_package_dir (self, NULL);

  for (guint i = 0; i < self->marks->len; i++)
    {
      Mark *mk = &g_array_index (self->marks, Mark, i);
      g_autoptr (GError) local = NULL;
      g_autofree char *sha = NULL;
      guint64 size = 0;
      int fd;

      if (mk->still == NULL)
        continue;
      if ((fd = pd_evidence_open_at (dirfd, mk->still, &local)) >= 0)
        {
          sha = pd_sha256_fd (fd, mk->still, &size, NULL, &local);
          close (fd);
        }
      if (sha != NULL)
        pd_package_add_file_entry (self->package, mk->still, size, sha);
      else
        {
          /* Missing (the crash came first) or not a plain file: the mark stays, without it. */
          if (!g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
            pd_capture_add_warning (self, _("The still “%s” is not listed: %s"), mk->still,
                                    local->message);
          g_clear_pointer (&mk->still, g_free);
        }
    }
  if (dirfd >= 0)
    close (dirfd);
}

/* Hash the file exactly as it is on disk, in one pass, checking each journalled checkpoint
 * against the same bytes. The recording is never modified or truncated. `matching` counts the
 * checkpoints over the file; `last` is the last of them with a token. */
static gboolean
hash_recording (PdCapture *self, const char *rec, GCancellable *cancellable, guint *matching,
                Checkpoint **last, GError **error)
{
  g_autofree guint64 *offsets = g_new0 (guint64, self->checkpoints->len + 1);
  g_auto (GStrv) prefixes = NULL;

  int dirfd, fd;

  for (guint i = 0; i < self->checkpoints->len; i++)
    offsets[i] = g_array_index (self->checkpoints, Checkpoint, i).offset;
  if ((dirfd = open_package_dir (self, error)) < 0)
    return FALSE;
  fd = pd_evidence_open_at (dirfd, PD_RECORDING_NAME, error);
  close (dirfd);
  if (fd < 0)
    return FALSE;
  self->final_sha256 = pd_sha256_fd_prefixes (fd, rec, offsets, self->checkpoints->len, &prefixes,
                                              &self->final_size, cancellable, error);
  close (fd);
  if (self->final_sha256 == NULL)
    return FALSE;
  for (guint i = 0; i < self->checkpoints->len; i++)
    {
      Checkpoint *cp = &g_array_index (self->checkpoints, Checkpoint, i);

      if (g_strcmp0 (prefixes[i], cp->sha256) != 0)
        continue;
      (*matching)++;
      if (cp->token != NULL)
        *last = cp;
    }
  return TRUE;
}

/* The manifest's "recovery": why, when, and how much of the journal the file still matches. */
static JsonObject *
recovery_to_json (PdCapture *self, guint matching, Checkpoint *last)
{
  JsonObject *r = json_object_new ();
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *now_s = pd_time_format_utc (now);

  json_object_set_string_member (r, "reason", self->recovery_reason);
  json_object_set_string_member (r, "recovered_at", now_s);
  json_object_set_int_member (r, "checkpoints_journalled", self->checkpoints->len);
  json_object_set_int_member (r, "checkpoints_matching_file", matching);
  if (last != NULL)
    {
      JsonObject *l = json_object_new ();
      g_autofree char *stream = pd_format_stream_time (last->running_time);
      g_autofree char *gen = pd_time_format_utc (pd_tsa_token_get_gen_time (last->token));

      json_object_set_int_member (l, "index", last->index);
      json_object_set_int_member (l, "offset", (gint64) last->offset);
      json_object_set_string_member (l, "stream_time", stream);
      json_object_set_string_member (l, "gen_time", gen);
      json_object_set_object_member (r, "last_timestamped_checkpoint", l);
    }
  return r;
}

/* A session the catalog does not know yet (the crash came first) is recorded now. */
static void
recovery_catalog (PdCapture *self)
{
  g_autoptr (PdCatalogSession) known = pd_catalog_get_session (self->catalog, self->session_id, NULL);
  g_autoptr (GError) cat_error = NULL;
  g_autofree char *desc = g_strdup (pd_json_string (self->source_json, "description"));

  if (known == NULL &&
      !pd_catalog_session_create (self->catalog, self->session_id, self->case_name, self->scenario,
                                  desc, pd_package_get_path (self->package), self->started,
                                  &cat_error))
    pd_capture_add_warning (self, _("The catalog could not record the session: %s"), cat_error->message);
  pd_capture_catalog_state (self, PD_SESSION_STATE_SEALING, self->recovery_reason);
}

void
pd_capture_recover_async (PdCapture *self, PdTsaClient *tsa, const char *reason,
                          GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
  g_autofree char *rec = NULL;
  g_autoptr (GError) error = NULL;
  Checkpoint *last = NULL;
  guint matching = 0;
  GStatBuf st;

  g_return_if_fail (PD_IS_CAPTURE (self));
  g_return_if_fail (self->recovered && self->stop_task == NULL);

  self->stop_task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->stop_task, pd_capture_recover_async);
  g_set_object (&self->tsa, tsa);
  self->recovery_reason = g_strdup (reason ? reason : _("The capture did not finish (crash or power loss)."));
  if (tsa && !load_checkpoint_tokens (self, &error))
    {
      pd_capture_seal_complete (self, g_steal_pointer (&error));
      return;
    }
  list_stills (self);

  rec = g_build_filename (pd_package_get_path (self->package), PD_RECORDING_NAME, NULL);
  if (!hash_recording (self, rec, cancellable, &matching, &last, &error))
    {
      pd_capture_seal_complete (self, g_steal_pointer (&error));
      return;
    }
  if (self->stopped == NULL)
    self->stopped = g_stat (rec, &st) == 0 ? g_date_time_new_from_unix_utc (st.st_mtime)
                                           : g_date_time_new_now_utc ();
  if (self->tsa == NULL)
    for (guint i = 0; i < self->checkpoints->len; i++)
      if (g_array_index (self->checkpoints, Checkpoint, i).stamp_error == NULL)
        g_array_index (self->checkpoints, Checkpoint, i).stamp_error = g_strdup (_("not stamped"));

  self->recovery_json = recovery_to_json (self, matching, last);
  if (self->catalog)
    recovery_catalog (self);
  pd_capture_begin_seal (self);
}

PdPackage *
pd_capture_recover_finish (PdCapture *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
find_unsealed_in (const char *dir, guint depth, GPtrArray *out)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autofree char *journal = g_build_filename (dir, PD_JOURNAL_NAME, NULL);
  g_autofree char *manifest = g_build_filename (dir, PD_MANIFEST_NAME, NULL);
  const char *name;

  if (g_file_test (journal, G_FILE_TEST_IS_REGULAR) && !g_file_test (manifest, G_FILE_TEST_EXISTS))
    {
      g_ptr_array_add (out, g_strdup (dir));
      return;
    }
  if (d == NULL || depth == 0)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        find_unsealed_in (child, depth - 1, out);
    }
}

char **
pd_capture_find_unsealed (const char *evidence_root)
{
  GPtrArray *out = g_ptr_array_new ();

  /* <root>/<case>/<session>/ */
  find_unsealed_in (evidence_root, 2, out);
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}
