/* pd-certificate.c — the evidence certificate: what it shows (PdCertificateInfo) and writing it
 * (rendered in pd-certificate-render.c, tokens attached in pd-certificate-attach.c). */
#define G_LOG_DOMAIN "pd-certificate"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "checklist/pd-checklist.h"
#include "report/pd-certificate-private.h"
#include "util/pd-error.h"
#include "util/pd-util.h"

/* ------------------------------------------------------------------------------------------ */
/* The info struct                                                                            */
/* ------------------------------------------------------------------------------------------ */

static void
checkpoint_free (PdCertificateCheckpoint *cp)
{
  g_free (cp->stream_time);
  g_free (cp->stamp_error);
  g_clear_pointer (&cp->gen_time, g_date_time_unref);
  g_free (cp);
}

static void
item_free (PdCertificateItem *item)
{
  g_free (item->id);
  g_free (item->title);
  g_free (item->display_title);
  g_free (item->state);
  g_free (item->times);
  g_free (item);
}

static void
mark_free (PdCertificateMark *mark)
{
  g_free (mark->item_title);
  g_free (mark->item);
  g_free (mark->stream_time);
  g_free (mark->note);
  g_free (mark);
}

static void
free_gstring (GString *s)
{
  g_string_free (s, TRUE);
}

PdCertificateAttachment *
pd_certificate_attachment_new (const char *name, GBytes *data, const char *description)
{
  PdCertificateAttachment *attachment;

  g_return_val_if_fail (name != NULL && data != NULL, NULL);

  attachment = g_new0 (PdCertificateAttachment, 1);
  attachment->name = g_strdup (name);
  attachment->data = g_bytes_ref (data);
  attachment->description = g_strdup (description);
  return attachment;
}

void
pd_certificate_attachment_free (PdCertificateAttachment *attachment)
{
  if (attachment == NULL)
    return;
  g_free (attachment->name);
  g_clear_pointer (&attachment->data, g_bytes_unref);
  g_free (attachment->description);
  g_free (attachment);
}

PdCertificateInfo *
pd_certificate_info_new (void)
{
  PdCertificateInfo *info = g_new0 (PdCertificateInfo, 1);

  info->checkpoints = g_ptr_array_new_with_free_func ((GDestroyNotify) checkpoint_free);
  info->marks = g_ptr_array_new_with_free_func ((GDestroyNotify) mark_free);
  info->attachments =
    g_ptr_array_new_with_free_func ((GDestroyNotify) pd_certificate_attachment_free);
  info->items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  info->duration_ns = -1;
  info->interval_ns = -1;
  return info;
}

void
pd_certificate_info_free (PdCertificateInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->title);
  g_free (info->case_name);
  g_free (info->parties);
  g_free (info->dispute_type);
  g_free (info->operator_name);
  g_free (info->source);
  g_free (info->file_name);
  g_free (info->sha256);
  g_clear_pointer (&info->gen_time, g_date_time_unref);
  g_free (info->tsa_name);
  g_free (info->serial);
  g_free (info->policy);
  g_free (info->accuracy);
  g_free (info->language);
  g_clear_pointer (&info->checkpoints, g_ptr_array_unref);
  g_clear_pointer (&info->marks, g_ptr_array_unref);
  g_clear_pointer (&info->environment, json_object_unref);
  g_clear_pointer (&info->attachments, g_ptr_array_unref);
  g_clear_pointer (&info->started, g_date_time_unref);
  g_clear_pointer (&info->stopped, g_date_time_unref);
  g_free (info->scenario_title);
  g_free (info->scenario_display_title);
  g_free (info->decision);
  g_free (info->reason);
  g_clear_pointer (&info->items, g_ptr_array_unref);
  g_free (info);
}

void
pd_certificate_info_add_checkpoint (PdCertificateInfo *info, guint index, const char *stream_time,
                                    guint64 offset, GDateTime *gen_time)
{
  PdCertificateCheckpoint *cp;

  g_return_if_fail (info != NULL);

  cp = g_new0 (PdCertificateCheckpoint, 1);
  cp->index = index;
  cp->stream_time = g_strdup (stream_time);
  cp->offset = offset;
  cp->gen_time = gen_time ? g_date_time_ref (gen_time) : NULL;
  cp->stamped = gen_time != NULL;
  cp->running_time_ns = -1;
  g_ptr_array_add (info->checkpoints, cp);
}

void
pd_certificate_info_add_mark (PdCertificateInfo *info, const char *item, const char *stream_time,
                              const char *note)
{
  PdCertificateMark *mark;

  g_return_if_fail (info != NULL);

  mark = g_new0 (PdCertificateMark, 1);
  mark->item = g_strdup (item);
  mark->stream_time = g_strdup (stream_time);
  mark->note = g_strdup (note);
  g_ptr_array_add (info->marks, mark);
}

void
pd_certificate_info_add_attachment (PdCertificateInfo *info, const char *name, GBytes *data,
                                    const char *description)
{
  g_return_if_fail (info != NULL && name != NULL && data != NULL);

  g_ptr_array_add (info->attachments, pd_certificate_attachment_new (name, data, description));
}

/* Typed accessors: a hostile or older manifest may hold anything under any key. */
JsonNode *
pd_certificate_member (JsonObject *o, const char *key)
{
  return o != NULL && json_object_has_member (o, key) ? json_object_get_member (o, key) : NULL;
}

gboolean
pd_certificate_member_uint (JsonObject *o, const char *key, guint64 *out)
{
  JsonNode *n = pd_certificate_member (o, key);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64 ||
      json_node_get_int (n) < 0)
    return FALSE;
  *out = (guint64) json_node_get_int (n);
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Real-time coverage                                                                         */
/* ------------------------------------------------------------------------------------------ */

char *
pd_certificate_format_thousands (guint64 n)
{
  return pd_format_thousands (n);
}

static int
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Start, stop and duration as the manifest records them, and the checkpoint interval: the
 * manifest's "checkpoint_interval_seconds" when it has one, else the median spacing of the
 * checkpoints' stream times. */
static void
fill_coverage (PdCertificateInfo *info, JsonObject *manifest)
{
  JsonNode *duration = pd_certificate_member (manifest, "duration_seconds");
  guint64 interval = 0;
  g_autoptr (GArray) steps = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 prev = 0;

  if (pd_json_string (manifest, "started"))
    info->started = pd_time_parse (pd_json_string (manifest, "started"));
  if (pd_json_string (manifest, "stopped"))
    info->stopped = pd_time_parse (pd_json_string (manifest, "stopped"));
  if (duration != NULL && JSON_NODE_HOLDS_VALUE (duration) &&
      (json_node_get_value_type (duration) == G_TYPE_DOUBLE ||
       json_node_get_value_type (duration) == G_TYPE_INT64))
    {
      double d = json_node_get_double (duration);

      if (d >= 0 && d < 1e9)
        info->duration_ns = (gint64) (d * 1e9);
    }
  {
    JsonNode *iv = pd_certificate_member (manifest, "checkpoint_interval_seconds");

    if (iv != NULL && JSON_NODE_HOLDS_VALUE (iv) &&
        (json_node_get_value_type (iv) == G_TYPE_DOUBLE || json_node_get_value_type (iv) == G_TYPE_INT64))
      interval = (guint64) CLAMP (json_node_get_double (iv) * 1e9, 0, 1e15);
  }
  if (interval > 0)
    {
      info->interval_ns = (gint64) interval;
      return;
    }
  for (guint i = 0; i < info->checkpoints->len; i++)
    {
      PdCertificateCheckpoint *cp = g_ptr_array_index (info->checkpoints, i);
      gint64 step;

      if (cp->running_time_ns < 0)
        return;
      step = cp->running_time_ns - prev;
      g_array_append_val (steps, step);
      prev = cp->running_time_ns;
    }
  if (steps->len > 0)
    {
      g_array_sort (steps, compare_gint64);
      info->interval_ns = g_array_index (steps, gint64, steps->len / 2);
    }
}

void
pd_certificate_gap_free (PdCertificateGap *gap)
{
  if (gap == NULL)
    return;
  g_free (gap->stream_range);
  g_free (gap->byte_range);
  g_free (gap->reason);
  g_free (gap);
}

static char *
stream_time_of (gint64 ns, const char *fallback)
{
  return ns >= 0 ? pd_format_stream_time ((guint64) ns) : g_strdup (fallback ? fallback : "?");
}

GPtrArray *
pd_certificate_info_get_gaps (const PdCertificateInfo *info)
{
  GPtrArray *gaps = g_ptr_array_new_with_free_func ((GDestroyNotify) pd_certificate_gap_free);
  GPtrArray *cps;

  g_return_val_if_fail (info != NULL, gaps);
  cps = info->checkpoints;
  for (guint i = 0; i < cps->len; i++)
    {
      PdCertificateCheckpoint *cp = g_ptr_array_index (cps, i);
      PdCertificateCheckpoint *before = NULL, *after = NULL;
      PdCertificateGap *gap;
      g_autofree char *from_t = NULL, *to_t = NULL, *from_b = NULL, *to_b = NULL;

      if (cp->stamped)
        continue;
      for (guint j = i; j > 0 && before == NULL; j--)
        if (((PdCertificateCheckpoint *) g_ptr_array_index (cps, j - 1))->stamped)
          before = g_ptr_array_index (cps, j - 1);
      for (guint j = i + 1; j < cps->len && after == NULL; j++)
        if (((PdCertificateCheckpoint *) g_ptr_array_index (cps, j))->stamped)
          after = g_ptr_array_index (cps, j);
      from_t = before ? stream_time_of (before->running_time_ns, before->stream_time)
                      : pd_format_stream_time (0);
      from_b = pd_certificate_format_thousands (before ? before->offset : 0);
      to_t = after ? stream_time_of (after->running_time_ns, after->stream_time)
                   : stream_time_of (info->duration_ns, NULL);
      to_b = pd_certificate_format_thousands (after ? after->offset : info->file_size);
      gap = g_new0 (PdCertificateGap, 1);
      gap->index = cp->index;
      gap->stream_range = g_strdup_printf ("%s–%s", from_t, to_t);
      gap->byte_range = g_strdup_printf ("%s–%s", from_b, to_b);
      gap->reason = g_strdup (cp->stamp_error ? cp->stamp_error : "not stamped");
      g_ptr_array_add (gaps, gap);
    }
  return gaps;
}

gboolean
pd_certificate_info_final_only (const PdCertificateInfo *info, char **byte_range, char **duration)
{
  PdCertificateCheckpoint *last = NULL;
  g_autofree char *from = NULL, *to = NULL;
  guint64 offset = 0;
  gint64 t0 = 0;

  g_return_val_if_fail (info != NULL, FALSE);
  if (info->checkpoints->len > 0)
    {
      last = g_ptr_array_index (info->checkpoints, info->checkpoints->len - 1);
      offset = last->offset;
      t0 = last->running_time_ns;
    }
  if (info->file_size == 0 || offset >= info->file_size)
    return FALSE;
  from = pd_certificate_format_thousands (offset);
  to = pd_certificate_format_thousands (info->file_size);
  if (byte_range)
    *byte_range = g_strdup_printf ("%s–%s", from, to);
  if (duration && info->duration_ns >= 0 && t0 >= 0)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      /* Seconds with one decimal, '.' in every locale: the tail is often under a second. */
      g_ascii_formatd (buf, sizeof buf, "%.1f", MAX (info->duration_ns - t0, 0) / 1e9);
      *duration = g_strdup_printf ("%s s", buf);
    }
  else if (duration)
    *duration = g_strdup ("?");
  return TRUE;
}

/* The manifest's checklist summary: scenario, decision, reason and every item with its state.
 * `item_titles` gets item id → its summary entry (borrowed), `item_ids` the ids in order (one
 * per info->items entry) and `item_times` id → an empty GString for its mark times. */
static void
fill_checklist (PdCertificateInfo *info, JsonObject *manifest, GHashTable *item_titles,
                GPtrArray *item_ids, GHashTable *item_times)
{
  JsonObject *summary = pd_json_object (manifest, "checklist");
  JsonArray *items = pd_json_array (summary, "items");
  const char *scenario = pd_json_string (manifest, "scenario");

  if (summary == NULL)
    {
      /* An older package or one without a summary: the scenario by its template's name. */
      const char *title = pd_checklist_lookup_scenario_title (scenario);

      if (title != NULL)
        info->scenario_display_title = g_strdup (title);
      return;
    }
  info->scenario_title = g_strdup (pd_json_string (summary, "title"));
  info->scenario_display_title = g_strdup (pd_json_string (summary, "display_title"));
  if (info->scenario_title == NULL && info->scenario_display_title == NULL)
    info->scenario_display_title = g_strdup (pd_checklist_lookup_scenario_title (scenario));
  info->decision = g_strdup (pd_json_string (summary, "decision"));
  info->reason = g_strdup (pd_json_string (summary, "reason"));
  /* No template holds more items than this: a hostile manifest's millions are not drawn. */
  for (guint i = 0; items != NULL && i < MIN (json_array_get_length (items), PD_CHECKLIST_MAX_SECTIONS * PD_CHECKLIST_MAX_ITEMS); i++)
    {
      JsonNode *n = json_array_get_element (items, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      JsonNode *required = pd_certificate_member (o, "required");
      const char *id = pd_json_string (o, "id");
      PdCertificateItem *item;

      if (o == NULL || id == NULL || g_hash_table_contains (item_titles, id))
        continue;
      item = g_new0 (PdCertificateItem, 1);
      item->id = g_strdup (id);
      item->title = g_strdup (pd_json_string (o, "title"));
      item->display_title = g_strdup (pd_json_string (o, "display_title"));
      /* Never the id: an entry without a title is named by what the operator saw, else "?". */
      if (item->title == NULL && item->display_title == NULL)
        item->display_title = g_strdup ("?");
      item->required = required != NULL && JSON_NODE_HOLDS_VALUE (required) &&
                       json_node_get_value_type (required) == G_TYPE_BOOLEAN &&
                       json_node_get_boolean (required);
      item->state = g_strdup (pd_checklist_item_state_to_string (
        pd_checklist_item_state_from_string (pd_json_string (o, "state"))));
      g_ptr_array_add (info->items, item);
      g_hash_table_insert (item_titles, (gpointer) id, o);
      g_hash_table_insert (item_times, g_strdup (id), g_string_new (NULL));
      g_ptr_array_add (item_ids, (gpointer) id);
    }
}

const char *
pd_certificate_item_text (const char *title, const char *display_title, gboolean english)
{
  if (title != NULL && *title != '\0')
    return english ? title : g_dgettext (GETTEXT_PACKAGE, title);
  return display_title;
}

const char *
pd_certificate_state_symbol (const char *state)
{
  return g_strcmp0 (state, "marked") == 0 || g_strcmp0 (state, "passed") == 0 ? "✓" : "✗";
}

PdCertificateInfo *
pd_certificate_info_new_from_manifest (JsonObject *manifest)
{
  g_autoptr (GHashTable) item_titles = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) item_times = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                             (GDestroyNotify) free_gstring);
  g_autoptr (GPtrArray) item_ids = g_ptr_array_new ();
  PdCertificateInfo *info;
  JsonObject *source, *recording;
  JsonArray *checkpoints, *marks;
  const char *scenario;
  guint64 size = 0;

  g_return_val_if_fail (manifest != NULL, NULL);

  info = pd_certificate_info_new ();
  source = pd_json_object (manifest, "source");
  recording = pd_json_object (manifest, "recording");
  checkpoints = pd_json_array (manifest, "checkpoints");
  marks = pd_json_array (manifest, "marks");
  scenario = pd_json_string (manifest, "scenario");
  info->title = g_strdup (scenario != NULL && *scenario ? scenario
                                                        : pd_json_string (recording, "name"));
  fill_checklist (info, manifest, item_titles, item_ids, item_times);
  if (info->scenario_title != NULL || info->scenario_display_title != NULL)
    {
      g_free (info->title);
      info->title = g_strdup (pd_certificate_item_text (info->scenario_title,
                                                        info->scenario_display_title, FALSE));
    }
  info->case_name = g_strdup (pd_json_string (manifest, "case"));
  info->parties = g_strdup (pd_json_string (manifest, "parties"));
  info->dispute_type = g_strdup (pd_json_string (manifest, "dispute_type"));
  info->operator_name = g_strdup (pd_json_string (manifest, "operator"));
  info->source = g_strdup (pd_json_string (source, "description"));
  if (info->source == NULL)
    info->source = g_strdup (pd_json_string (source, "kind"));
  info->file_name = g_strdup (pd_json_string (recording, "name"));
  if (pd_certificate_member_uint (recording, "size", &size))
    info->file_size = size;
  info->sha256 = g_strdup (pd_json_string (recording, "sha256"));

  for (guint i = 0; checkpoints != NULL && i < json_array_get_length (checkpoints); i++)
    {
      JsonNode *n = json_array_get_element (checkpoints, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      g_autofree char *stream_time = NULL;
      guint64 index = i + 1, offset = 0, running = 0;

      if (o == NULL)
        continue;
      pd_certificate_member_uint (o, "index", &index);
      pd_certificate_member_uint (o, "offset", &offset);
      stream_time = g_strdup (pd_json_string (o, "stream_time"));
      if (stream_time == NULL && pd_certificate_member_uint (o, "running_time_ns", &running))
        stream_time = pd_format_stream_time (running);
      pd_certificate_info_add_checkpoint (info, (guint) MIN (index, G_MAXUINT), stream_time, offset,
                                          NULL);
      {
        PdCertificateCheckpoint *cp = g_ptr_array_index (info->checkpoints, info->checkpoints->len - 1);

        cp->running_time_ns = pd_certificate_member_uint (o, "running_time_ns", &running)
                                ? (gint64) MIN (running, (guint64) G_MAXINT64) : -1;
        cp->stamped = pd_json_string (o, "token") != NULL;
        cp->stamp_error = cp->stamped ? NULL : g_strdup (pd_json_string (o, "stamp_error"));
      }
    }
  fill_coverage (info, manifest);

  for (guint i = 0; marks != NULL && i < json_array_get_length (marks); i++)
    {
      JsonNode *n = json_array_get_element (marks, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      const char *item_id = pd_json_string (o, "item");
      const char *title = pd_json_string (o, "title");
      JsonNode *undone = pd_certificate_member (o, "undone");
      PdCertificateMark *mark;
      guint64 id = 0;

      if (o == NULL)
        continue;
      /* The title the operator saw; a mark without one (older packages) by its item. */
      pd_certificate_info_add_mark (info, title != NULL ? title : item_id,
                                    pd_json_string (o, "stream_time"), pd_json_string (o, "note"));
      mark = g_ptr_array_index (info->marks, info->marks->len - 1);
      if (pd_certificate_member_uint (o, "id", &id))
        mark->id = (guint) MIN (id, G_MAXUINT);
      mark->undone = undone != NULL && JSON_NODE_HOLDS_VALUE (undone) &&
                     json_node_get_value_type (undone) == G_TYPE_BOOLEAN && json_node_get_boolean (undone);
      mark->item_title = g_strdup (item_id ? pd_json_string (g_hash_table_lookup (item_titles, item_id), "title") : NULL);
      if (!mark->undone && item_id != NULL && g_hash_table_lookup (item_times, item_id) != NULL)
        {
          GString *times = g_hash_table_lookup (item_times, item_id);

          if (mark->stream_time != NULL)
            g_string_append_printf (times, "%s%s", times->len ? ", " : "", mark->stream_time);
        }
    }
  for (guint i = 0; i < info->items->len; i++)
    {
      PdCertificateItem *item = g_ptr_array_index (info->items, i);
      GString *times = g_hash_table_lookup (item_times, g_ptr_array_index (item_ids, i));

      if (times != NULL && times->len > 0)
        item->times = g_strdup (times->str);
    }
  info->environment = pd_json_object (pd_json_object (manifest, "environment"), "before");
  if (info->environment != NULL)
    json_object_ref (info->environment);
  return info;
}

/* ------------------------------------------------------------------------------------------ */
/* Writing                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static gboolean
io_error (GError **error, const char *format, const char *path, int saved)
{
  g_set_error (error, PD_CERTIFICATE_ERROR,
               saved == EEXIST ? PD_CERTIFICATE_ERROR_EXISTS : PD_CERTIFICATE_ERROR_IO, format,
               path, g_strerror (saved));
  return FALSE;
}

/* Writes a temporary file beside `path` (0600, fsynced) and renames it into place without
 * replacing anything, so a certificate is either absent or complete. */
static gboolean
write_new_file_atomically (const char *path, const guint8 *data, gsize len, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmp = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  int fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0600);
  int saved;

  if (fd < 0)
    return io_error (error, _("Cannot create a file beside “%s”: %s"), path, errno);
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        goto fail;
      data += n;
      len -= (gsize) n;
    }
  if (fsync (fd) != 0)
    goto fail;
  if (close (fd) != 0)
    {
      fd = -1;
      goto fail;
    }
  fd = -1;
  if (renameat2 (AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) != 0)
    {
      /* Some file systems lack RENAME_NOREPLACE; link() never replaces either. */
      if ((errno != EINVAL && errno != ENOSYS) || link (tmp, path) != 0)
        goto fail;
      g_unlink (tmp);
    }
  if ((fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)) >= 0)
    {
      fsync (fd); /* makes the new name durable; best effort */
      close (fd);
    }
  return TRUE;

fail:
  saved = errno;
  if (fd >= 0)
    close (fd);
  g_unlink (tmp);
  return io_error (error,
                   saved == EEXIST ? _("Refusing to overwrite the certificate “%s”.")
                                   : _("Cannot write “%s”: %s"),
                   path, saved);
}

static gboolean
check_attachments (GPtrArray *attachments, GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < attachments->len; i++)
    {
      PdCertificateAttachment *a = g_ptr_array_index (attachments, i);
      g_autofree char *safe = pd_safe_component (a->name, "");

      /* `pdfdetach -saveall` writes files under these names: one plain component only. */
      if (a->name == NULL || !g_str_equal (safe, a->name) || !g_hash_table_add (seen, a->name))
        {
          g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_INVALID,
                       _("Cannot attach “%s”: the name is not a plain, unique file name."),
                       a->name ? a->name : "");
          return FALSE;
        }
      if (a->data == NULL || g_bytes_get_size (a->data) > PD_CERTIFICATE_MAX_ATTACHMENT)
        {
          g_set_error (error, PD_CERTIFICATE_ERROR, PD_CERTIFICATE_ERROR_TOO_LARGE,
                       _("Cannot attach “%s”: it is larger than %d bytes."), a->name,
                       PD_CERTIFICATE_MAX_ATTACHMENT);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
pd_certificate_write (const PdCertificateInfo *info, const char *path, GError **error)
{
  g_autoptr (GByteArray) pdf = g_byte_array_new ();
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *generated = g_date_time_format (now, "%Y-%m-%d %H:%M:%S %Z");
  GStatBuf st;
  int n_pages;

  g_return_val_if_fail (info != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Checked early to save the rendering; the final rename checks again, atomically. */
  if (g_lstat (path, &st) == 0)
    return io_error (error, _("Refusing to overwrite the certificate “%s”."), path, EEXIST);
  if (!check_attachments (info->attachments, error))
    return FALSE;

  /* Two passes: the first only counts pages for "Page N of M". */
  n_pages = pd_certificate_render_pdf (info, generated, 0, NULL, error);
  if (n_pages < 0 || pd_certificate_render_pdf (info, generated, n_pages, pdf, error) < 0)
    return FALSE;
  if (info->attachments->len > 0 && !pd_certificate_append_attachments (pdf, info->attachments, error))
    return FALSE;
  return write_new_file_atomically (path, pdf->data, pdf->len, error);
}

