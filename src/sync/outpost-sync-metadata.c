/* outpost-sync-metadata.c: see the header. */
#include "config.h"

#include <string.h>

#include "outpost-sync-metadata.h"

static char *
cache_path (const char *db_path)
{
  return g_strconcat (db_path, ".metadata.json", NULL);
}

static JsonObject *
read_cache (const char *db_path)
{
  g_autofree char *path = cache_path (db_path);
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_file (parser, path, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* The cache is a file on disk: never trust its shape. */
static const char *
string_member (JsonObject *obj, const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
         ? json_node_get_string (node) : NULL;
}

OutpostProfile *
outpost_sync_metadata_load (const char *db_path, OutpostProfile *base,
                            OutpostConnector *connector, gboolean force)
{
  g_autoptr(JsonObject) cache = force ? NULL : read_cache (db_path);
  g_autofree char *base_json = outpost_profile_to_json (base);
  const char *cached_base, *refined;
  JsonObject *meta;

  if (cache == NULL)
    return NULL;
  cached_base = string_member (cache, "base");
  refined = string_member (cache, "profile");
  meta = json_object_has_member (cache, "connector") &&
         JSON_NODE_HOLDS_OBJECT (json_object_get_member (cache, "connector"))
         ? json_object_get_object_member (cache, "connector") : NULL;
  if (cached_base == NULL || refined == NULL || meta == NULL || strcmp (cached_base, base_json) != 0)
    return NULL;
  if (connector != NULL && !outpost_connector_restore_metadata (connector, meta))
    return NULL;
  return outpost_profile_new_from_data (refined, -1, NULL);
}

OutpostProfile *
outpost_sync_metadata_fetch (const char *db_path, OutpostProfile *base,
                             OutpostConnector *connector, GCancellable *cancellable,
                             GError **error)
{
  g_autofree char *base_json = outpost_profile_to_json (base);
  g_autoptr(OutpostProfile) refined = outpost_profile_new_from_data (base_json, -1, error);
  g_autoptr(JsonObject) cache = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *refined_json = NULL, *text = NULL, *path = cache_path (db_path);
  g_autoptr(GError) local = NULL;

  if (refined == NULL || !outpost_connector_connect (connector, refined, cancellable, error))
    return NULL;
  refined_json = outpost_profile_to_json (refined);
  json_object_set_string_member (cache, "base", base_json);
  json_object_set_string_member (cache, "profile", refined_json);
  json_object_set_object_member (cache, "connector", outpost_connector_save_metadata (connector));
  node = json_node_init_object (json_node_alloc (), cache);
  text = json_to_string (node, TRUE);
  if (!g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local))
    g_warning ("Could not cache the server metadata: %s", local->message);
  /* the refined profile must parse again: it is what the store and the UI will use */
  return outpost_profile_new_from_data (refined_json, -1, error);
}
