/* outpost-sync-published.c: the sync profile published on the server ("new customization").
 *
 * An administrator publishes a profile as the web resource named OUTPOST_PUBLISHED_PROFILE
 * (webresourceset: name, content = the profile JSON in Base64). A sync reads it (every full
 * sync, otherwise at most once per check interval, so a nothing-changed incremental sync stays
 * at one request per entity); when its "version" is newer than the profile in use it becomes
 * the profile, and ONLY the entities whose synchronized shape changed (entity set, primary id,
 * filter, fields and their types) get a full sync. The state lives beside the database in
 * <db>.published.json: the profile text, the last check and, per entity, the version of the
 * published profile that last changed it; a table whose last full sync is older than that
 * version is owed a full sync (it survives an interrupted run). */
#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <string.h>

#include "outpost-sync-private.h"

#define FINDER_PROFILE \
  "{\"name\":\"published profile finder\",\"version\":1,\"entities\":[{" \
  "\"logical_name\":\"webresource\",\"entity_set\":\"webresourceset\"," \
  "\"primary_id\":\"webresourceid\",\"primary_name\":\"name\"," \
  "\"filter\":\"name eq '" OUTPOST_PUBLISHED_PROFILE "'\",\"fields\":[" \
  "{\"name\":\"name\",\"type\":\"string\",\"max_length\":256}," \
  "{\"name\":\"content\",\"type\":\"memo\"}]}]}"

static char *
state_path (const char *db_path)
{
  return g_strconcat (db_path, ".published.json", NULL);
}

static JsonObject *
read_state (const char *db_path)
{
  g_autofree char *path = state_path (db_path);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_file (parser, path, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return json_object_new ();
  return json_object_ref (json_node_get_object (root));
}

static void
write_state (const char *db_path, JsonObject *state)
{
  g_autofree char *path = state_path (db_path);
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), state);
  g_autofree char *text = json_to_string (node, TRUE);
  g_autoptr(GError) error = NULL;

  if (!g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_warning ("Could not save the published profile: %s", error->message);
}

static const char *
state_string (JsonObject *state, const char *member)
{
  JsonNode *node = json_object_get_member (state, member);

  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
         ? json_node_get_string (node) : NULL;
}

static gint64
state_int (JsonObject *state, const char *member)
{
  JsonNode *node = state ? json_object_get_member (state, member) : NULL;

  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64
         ? json_node_get_int (node) : 0;
}

static JsonObject *
state_object (JsonObject *state, const char *member)
{
  JsonNode *node = json_object_get_member (state, member);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      json_object_set_object_member (state, member, json_object_new ());
      node = json_object_get_member (state, member);
    }
  return json_node_get_object (node);
}

/* The stored published profile when it is newer than @base. */
static OutpostProfile *
stored_profile (JsonObject *state, OutpostProfile *base)
{
  const char *text = state_string (state, "profile");
  OutpostProfile *published = text ? outpost_profile_new_from_data (text, -1, NULL) : NULL;

  if (published != NULL && outpost_profile_get_version (published) > outpost_profile_get_version (base))
    return published;
  g_clear_pointer (&published, outpost_profile_unref);
  return NULL;
}

OutpostProfile *
outpost_sync_effective_profile (const char *db_path, OutpostProfile *base)
{
  g_autoptr(JsonObject) state = read_state (db_path);
  OutpostProfile *published = stored_profile (state, base);

  return published ? published : outpost_profile_ref (base);
}

/* What a full sync depends on; labels, list columns and the like do not need one. */
static char *
entity_signature (OutpostEntity *entity)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%s|%s|%s", entity->entity_set, entity->primary_id,
                          entity->filter ? entity->filter : "");
  for (guint i = 0; i < entity->fields->len; i++)
    {
      OutpostField *f = g_ptr_array_index (entity->fields, i);
      g_string_append_printf (s, "|%s:%d", f->name, (int) f->type);
    }
  return g_string_free (s, FALSE);
}

static void
note_changed_entities (OutpostSyncJob *job, OutpostProfile *old, OutpostProfile *new,
                       JsonObject *versions)
{
  gint64 version = outpost_profile_get_version (new);

  for (guint i = 0; i < outpost_profile_get_n_entities (new); i++)
    {
      OutpostEntity *e = outpost_profile_get_entity_at (new, i);
      OutpostEntity *before = outpost_profile_lookup_entity (old, e->logical_name);
      g_autofree char *a = entity_signature (e);
      g_autofree char *b = before ? entity_signature (before) : NULL;

      if (b != NULL && g_str_equal (a, b))
        continue;
      json_object_set_int_member (versions, e->logical_name, version);
      outpost_sync_job_log (job, e->logical_name, NULL,
                            _("The published sync profile version %" PRId64
                              " changed this table: it is synchronized in full"), version);
    }
}

/* The published profile's text, NULL (no error) when there is none. */
static char *
download_published (OutpostSyncJob *job, GError **error)
{
  g_autoptr(OutpostProfile) finder = outpost_profile_new_from_data (FINDER_PROFILE, -1, error);
  OutpostDownloadRequest req = { OUTPOST_DOWNLOAD_FULL, NULL, FALSE, TRUE, NULL, NULL, 10 };
  g_autoptr(OutpostPage) page = NULL;
  OutpostServerRow *row;
  const char *content;
  g_autofree guchar *decoded = NULL;
  gsize len = 0;

  if (finder == NULL)
    return NULL;
  page = outpost_connector_download_page (job->connector, outpost_profile_get_entity_at (finder, 0),
                                          &req, job->cancellable, error);
  if (page == NULL || page->rows->len == 0)
    return NULL;
  row = g_ptr_array_index (page->rows, 0);
  content = row->values ? json_object_get_string_member_with_default (row->values, "content", NULL) : NULL;
  if (content == NULL)
    return NULL;
  decoded = g_base64_decode (content, &len);
  return g_strndup ((const char *) decoded, len);
}

OutpostProfile *
outpost_sync_published_apply (OutpostSyncJob *job, const char *db_path, OutpostProfile *base,
                              guint check_interval, GError **error)
{
  g_autoptr(JsonObject) state = read_state (db_path);
  g_autoptr(OutpostProfile) current = stored_profile (state, base);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gboolean check = job->options.kind == OUTPOST_SYNC_FULL ||
                   now - state_int (state, "checked") >= (gint64) check_interval ||
                   now < state_int (state, "checked");
  g_autoptr(GError) local = NULL;
  g_autofree char *text = NULL;
  g_autoptr(OutpostProfile) published = NULL;

  if (current == NULL)
    current = outpost_profile_ref (base);
  else
    job->entity_versions = json_object_ref (state_object (state, "entity_versions"));
  if (!check || job->options.kind == OUTPOST_SYNC_UPLOAD_ONLY)
    return g_steal_pointer (&current);
  text = download_published (job, &local);
  if (local != NULL)
    {
      if (g_error_matches (local, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_CANCELLED))
        return (g_propagate_error (error, g_steal_pointer (&local)), NULL);
      /* an org without web resources, or a refusal: the local profile stays in use */
      outpost_sync_job_log (job, NULL, NULL, _("The published sync profile could not be read: %s"),
                            local->message);
      g_clear_error (&local);
    }
  published = text ? outpost_profile_new_from_data (text, -1, &local) : NULL;
  if (text != NULL && published == NULL)
    outpost_sync_job_log (job, NULL, NULL, _("The published sync profile is not valid: %s"), local->message);
  json_object_set_int_member (state, "checked", now);
  if (published != NULL && outpost_profile_get_version (published) > outpost_profile_get_version (current))
    {
      note_changed_entities (job, current, published, state_object (state, "entity_versions"));
      json_object_set_string_member (state, "profile", text);
      g_clear_pointer (&job->entity_versions, json_object_unref);
      job->entity_versions = json_object_ref (state_object (state, "entity_versions"));
      g_clear_pointer (&current, outpost_profile_unref);
      current = g_steal_pointer (&published);
    }
  write_state (db_path, state);
  return g_steal_pointer (&current);
}

gboolean
outpost_sync_published_owes_full (OutpostSyncJob *job, OutpostEntity *entity,
                                  gint64 table_profile_version)
{
  if (job->entity_versions == NULL)   /* no published profile: any new version re-syncs all */
    return table_profile_version != outpost_profile_get_version (job->profile);
  return table_profile_version < state_int (job->entity_versions, entity->logical_name);
}
