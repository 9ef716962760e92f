/* pd-capture-journal.c — journal.jsonl, appended and fsynced while recording, so a crash can be
 * recovered from it. */
#define G_LOG_DOMAIN "pd-capture"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "capture/pd-capture-private.h"
#include "evidence/pd-package.h"
#include "timestamp/pd-tsa.h"
#include "util/pd-error.h"
#include "util/pd-util.h"

/* ---------------------------------------------------------------- journal
 *
 * journal.jsonl is appended (and fsynced) while recording: the session's facts at start, each
 * checkpoint, each checkpoint token as it arrives (the token file is written at once), and the
 * stop. After a crash it is what recovery seals the package from; afterwards it stays in the
 * package, listed in the manifest, as the record of how the capture went. */

void
pd_capture_journal_append (PdCapture *self, JsonObject *event)
{
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), event);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *line = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *time = pd_time_format_utc (now);
  gsize len;

  json_object_unref (event);
  if (self->journal_fd < 0)
    return;
  json_object_set_string_member (json_node_get_object (node), "time", time);
  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, &len);
  line = g_strconcat (text, "\n", NULL);
  len = strlen (line);
  if (write (self->journal_fd, line, len) != (ssize_t) len || fdatasync (self->journal_fd) != 0)
    g_debug ("journal write failed: %s", g_strerror (errno));
}

JsonObject *
pd_capture_journal_event (const char *name)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "event", name);
  return o;
}

gboolean
pd_capture_journal_open (PdCapture *self, GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *started = pd_time_format_utc (self->started);
  JsonObject *e;

  path = g_build_filename (pd_package_get_path (self->package), PD_JOURNAL_NAME, NULL);
  self->journal_fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (self->journal_fd < 0)
    {
      int saved = errno;
      g_set_error (error, PD_PACKAGE_ERROR, PD_PACKAGE_ERROR_IO, _("Cannot create “%s”: %s"),
                   path, g_strerror (saved));
      return FALSE;
    }
  /* Held until the process ends: recovery skips a journal that is locked (still recording). */
  flock (self->journal_fd, LOCK_EX | LOCK_NB);
  e = pd_capture_journal_event ("start");
  json_object_set_string_member (e, "session", self->session_id);
  json_object_set_string_member (e, "case", self->case_name ? self->case_name : "");
  if (self->parties)
    json_object_set_string_member (e, "parties", self->parties);
  if (self->dispute_type)
    json_object_set_string_member (e, "dispute_type", self->dispute_type);
  json_object_set_string_member (e, "scenario", self->scenario ? self->scenario : "");
  json_object_set_string_member (e, "operator", self->operator_name ? self->operator_name : g_get_real_name ());
  json_object_set_string_member (e, "started", started);
  json_object_set_object_member (e, "source", pd_capture_copy_object (self->source_json));
  json_object_set_object_member (e, "encoder", pd_capture_copy_object (self->encoder_json));
  if (self->tsa)
    json_object_set_string_member (e, "tsa", pd_tsa_client_get_url (self->tsa));
  pd_capture_journal_append (self, e);
  return TRUE;
}

void
pd_capture_journal_close (PdCapture *self)
{
  if (self->journal_fd < 0)
    return;
  pd_capture_journal_append (self, pd_capture_journal_event ("stop"));
  close (self->journal_fd);
  self->journal_fd = -1;
}

JsonObject *
pd_capture_copy_object (JsonObject *o)
{
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (JsonNode) copy = NULL;

  if (o == NULL)
    return json_object_new ();
  node = json_node_init_object (json_node_alloc (), o);
  copy = json_node_copy (node);
  return json_object_ref (json_node_get_object (copy));
}
