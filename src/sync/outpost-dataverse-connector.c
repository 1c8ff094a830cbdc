/* outpost-dataverse-connector.c: the Dataverse Web API connector: the object, downloads
 * (full, change-tracked delta, ids) and actions. Metadata: outpost-dataverse-metadata.c;
 * $batch uploads: outpost-dataverse-batch.c; HTTP: outpost-dataverse-http.c; pages of rows:
 * outpost-dataverse-page.c. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "outpost-dataverse-fuzz.h"
#include "outpost-dataverse-private.h"

static void connector_iface_init (OutpostConnectorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OutpostDataverseConnector, outpost_dataverse_connector,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OUTPOST_TYPE_CONNECTOR,
                                                      connector_iface_init))

static void
outpost_dataverse_connector_finalize (GObject *object)
{
  OutpostDataverseConnector *self = OUTPOST_DATAVERSE_CONNECTOR (object);

  g_free (self->org_url);
  g_free (self->api_root);
  g_free (self->api_path);
  g_clear_object (&self->auth);
  g_async_queue_unref (self->sessions);
  g_mutex_clear (&self->auth_lock);
  g_hash_table_unref (self->tracking);
  g_hash_table_unref (self->entity_sets);
  g_clear_pointer (&self->relationships, json_object_unref);
  g_free (self->trusted_certificate);
  g_ptr_array_unref (self->chains);   /* frees (stops) chains no caller came back for */
  g_mutex_clear (&self->chains_lock);
  G_OBJECT_CLASS (outpost_dataverse_connector_parent_class)->finalize (object);
}

static void
outpost_dataverse_connector_class_init (OutpostDataverseConnectorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = outpost_dataverse_connector_finalize;
}

static void
outpost_dataverse_connector_init (OutpostDataverseConnector *self)
{
  self->sessions = g_async_queue_new_full (g_object_unref);
  g_mutex_init (&self->auth_lock);
  self->max_retries = 5;
  self->max_backoff_ms = 8000;
  self->timeout = 60;
  self->max_request_seconds = 600;
  self->max_page_bytes = 256 * 1024 * 1024;
  self->max_answer_bytes = 16 * 1024 * 1024;
  self->tracking = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->entity_sets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->chains = g_ptr_array_new_with_free_func ((GDestroyNotify) outpost_dv_chain_free);
  g_mutex_init (&self->chains_lock);
}

OutpostDataverseConnector *
outpost_dataverse_connector_new (const char          *org_url,
                                 const char          *api_version,
                                 OutpostAuthProvider *auth)
{
  OutpostDataverseConnector *self = g_object_new (OUTPOST_TYPE_DATAVERSE_CONNECTOR, NULL);
  g_autoptr(GUri) uri = NULL;

  /* Online orgs live at the host root, on-premises ones under /ORG/: keep the path. */
  self->org_url = g_str_has_suffix (org_url, "/") ? g_strdup (org_url)
                                                  : g_strconcat (org_url, "/", NULL);
  self->api_root = g_strdup_printf ("%sapi/data/%s/", self->org_url,
                                    api_version ? api_version : "v9.2");
  uri = g_uri_parse (self->api_root, G_URI_FLAGS_ENCODED, NULL);
  self->api_path = g_strdup (uri ? g_uri_get_path (uri) : "/api/data/v9.2/");
  self->auth = auth ? g_object_ref (auth) : outpost_auth_none_new ();
  return self;
}

const char *
outpost_dataverse_connector_get_api_root (OutpostDataverseConnector *self)
{
  return self->api_root;
}

void
outpost_dataverse_connector_set_retry (OutpostDataverseConnector *self,
                                       guint max_retries, guint max_backoff_ms)
{
  self->max_retries = max_retries;
  self->max_backoff_ms = max_backoff_ms;
}

void
outpost_dataverse_connector_set_timeout (OutpostDataverseConnector *self, guint seconds)
{
  self->timeout = seconds;
}

void
outpost_dataverse_connector_set_limits (OutpostDataverseConnector *self, gsize max_page_bytes,
                                        gsize max_answer_bytes, guint max_request_seconds)
{
  if (max_page_bytes > 0)
    self->max_page_bytes = max_page_bytes;
  if (max_answer_bytes > 0)
    self->max_answer_bytes = max_answer_bytes;
  if (max_request_seconds > 0)
    self->max_request_seconds = max_request_seconds;
}

/* ---- building the first URL of a query ------------------------------------------------- */

static void
append_select (GString *url, OutpostEntity *entity, OutpostDownloadMode mode)
{
  g_string_append_printf (url, "?$select=%s", entity->primary_id);
  if (mode == OUTPOST_DOWNLOAD_IDS)
    {
      if (outpost_entity_lookup_field (entity, "modifiedon") != NULL)
        g_string_append (url, ",modifiedon");
      return;
    }
  for (guint i = 0; i < entity->fields->len; i++)
    {
      OutpostField *f = g_ptr_array_index (entity->fields, i);

      if (f->type == OUTPOST_FIELD_LOOKUP)
        g_string_append_printf (url, ",_%s_value", f->name);
      else
        g_string_append_printf (url, ",%s", f->name);
    }
}

static char *
build_filter (OutpostEntity *entity, const OutpostDownloadRequest *request)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  if (request->apply_filter && entity->filter != NULL && *entity->filter != '\0')
    g_ptr_array_add (parts, g_strdup_printf ("(%s)", entity->filter));
  if (request->since != NULL)
    g_ptr_array_add (parts, g_strdup_printf ("modifiedon gt %s", request->since));
  if (request->only_ids != NULL && request->only_ids[0] != NULL)
    {
      GString *s = g_string_new ("(");

      for (guint i = 0; request->only_ids[i]; i++)
        g_string_append_printf (s, "%s%s eq %s", i ? " or " : "", entity->primary_id,
                                request->only_ids[i]);
      g_string_append_c (s, ')');
      g_ptr_array_add (parts, g_string_free (s, FALSE));
    }
  if (parts->len == 0)
    return NULL;
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" and ", (char **) parts->pdata);
}

/* ---- server links ---------------------------------------------------------------------- *
 * A page's nextLink and deltaLink are kept (checkpoint, delta link) and followed later, maybe
 * after the account's URL changed (the demo server listens on a new port at each start, an
 * org can move) while its tokens stay valid. So a link is kept relative to the service root
 * (the part after api_path) and followed only on the account's own origin: whatever scheme,
 * host and port a link names, it is rebased onto api_root, so our bearer token never goes to
 * another host. A link whose path is not under the service root is refused. */

/* @link (absolute, host-relative or relative to api_root) as "entityset?query", or NULL. */
static char *
link_relative (OutpostDataverseConnector *self, const char *link, GError **error)
{
  g_autoptr(GUri) base = g_uri_parse (self->api_root, G_URI_FLAGS_ENCODED, NULL);
  g_autoptr(GUri) uri = base ? g_uri_parse_relative (base, link, G_URI_FLAGS_ENCODED, NULL) : NULL;
  const char *path = uri ? g_uri_get_path (uri) : NULL;
  const char *query = uri ? g_uri_get_query (uri) : NULL;

  if (path == NULL || !g_str_has_prefix (path, self->api_path))
    {
      g_set_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                   _("The server sent a link outside its service root"));
      return NULL;
    }
  return g_strconcat (path + strlen (self->api_path), query ? "?" : "", query ? query : "", NULL);
}

/* The nextLink at the end of a raw page, relative to the service root, or NULL. */
static char *
relative_tail (OutpostDataverseConnector *self, GBytes *body)
{
  g_autofree char *tail = outpost_dv_tail_link (body);

  return tail ? link_relative (self, tail, NULL) : NULL;
}

/* The URL to request for a kept link: always under this account's api_root. */
static char *
link_url (OutpostDataverseConnector *self, const char *link, GError **error)
{
  g_autofree char *relative = link_relative (self, link, error);

  return relative ? g_strconcat (self->api_root, relative, NULL) : NULL;
}

/* A parsed page's links, made relative to the service root (what the sync keeps). */
static gboolean
page_links_relative (OutpostDataverseConnector *self, OutpostPage *page, GError **error)
{
  char **links[] = { &page->next_link, &page->delta_link };

  for (guint i = 0; i < G_N_ELEMENTS (links); i++)
    if (*links[i] != NULL)
      {
        char *relative = link_relative (self, *links[i], error);

        if (relative == NULL)
          return FALSE;
        g_free (*links[i]);
        *links[i] = relative;
      }
  return TRUE;
}

static char *
first_url (OutpostDataverseConnector *self, OutpostEntity *entity,
           const OutpostDownloadRequest *request)
{
  GString *url = g_string_new (self->api_root);
  g_autofree char *filter = build_filter (entity, request);

  g_string_append (url, entity->entity_set);
  append_select (url, entity, request->mode);
  if (filter != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (filter, "()',:", FALSE);
      g_string_append_printf (url, "&$filter=%s", escaped);
    }
  if (request->count && request->mode == OUTPOST_DOWNLOAD_FULL)
    g_string_append (url, "&$count=true");
  return g_string_free (url, FALSE);
}

/* Parsing a page: outpost-dataverse-page.c. */

/* ---- read-ahead of a full download ------------------------------------------------------- *
 * A full download is a nextLink chain: page N+1 can only be asked for once page N's link is
 * known, and parsing a 5000-row page costs several times its request. The link is the last
 * member of a Dataverse page, so it is read from the end of the raw body (outpost_dv_tail_link)
 * and a per-caller chain fetches the following pages on its own thread and parses them on a
 * small pool while the caller parses (and the sync writes) the earlier ones. At most
 * PREFETCH_AHEAD parsed pages (and one raw body) are in hand per chain. Every page is still fully parsed and its parsed
 * nextLink compared with the one read ahead: any difference ends the chain, and the caller's
 * next request goes out directly, so a link read wrongly costs a request, never a wrong page. */

#define PREFETCH_AHEAD 1

typedef struct {
  char        *url;
  char        *tail_link;  /* the next link read from the raw body */
  GBytes      *body;
  OutpostPage *page;
  GError      *error;
  gboolean     done;
  gint64       request_us;
} Ahead;

struct _OutpostDvChain {
  OutpostDataverseConnector *self;   /* not owned: chains end before the connector */
  GThread             *owner;        /* the thread whose requests the chain answers */
  OutpostEntity       *entity;
  OutpostDownloadMode  mode;
  char                *prefer;
  char                *next_url;     /* the fetcher's next request */
  GCancellable        *cancellable;  /* ours: ends the fetcher's request */
  GCancellable        *caller_cancellable;
  gulong               handler;
  GThread             *fetcher;
  GThreadPool         *parsers;
  GMutex               lock;
  GCond                cond;
  GQueue               items;        /* Ahead*, in page order */
  gboolean             stop;
};

static void
ahead_free (Ahead *a)
{
  g_free (a->url);
  g_free (a->tail_link);
  g_clear_pointer (&a->body, g_bytes_unref);
  g_clear_pointer (&a->page, outpost_page_free);
  g_clear_error (&a->error);
  g_free (a);
}

/* The "@odata.nextLink" at the end of a raw page, or NULL (none there, or escaped beyond
 * "\/": the parsed page then decides alone). */
char *
outpost_dv_tail_link (GBytes *body)
{
  static const char key[] = "\"@odata.nextLink\"";
  gsize len = 0;
  const char *data = body ? g_bytes_get_data (body, &len) : NULL;
  gsize from = len > 65536 ? len - 65536 : 0;
  const char *p, *end = data + len;
  GString *out;

  if (data == NULL || (p = g_strrstr_len (data + from, len - from, key)) == NULL)
    return NULL;
  for (p += sizeof key - 1; p < end && g_ascii_isspace (*p); p++);
  if (p >= end || *p++ != ':')
    return NULL;
  for (; p < end && g_ascii_isspace (*p); p++);
  if (p >= end || *p++ != '"')
    return NULL;
  out = g_string_new (NULL);
  for (; p < end && *p != '"'; p++)
    {
      if (*p == '\\' && p + 1 < end && p[1] == '/')
        p++;
      else if (*p == '\\' || (guchar) *p < 0x20)
        return (g_string_free (out, TRUE), NULL);
      g_string_append_c (out, *p);
    }
  if (p >= end)
    return (g_string_free (out, TRUE), NULL);
  return g_string_free (out, FALSE);
}

static OutpostPage *
parse_or_explain (OutpostEntity *entity, OutpostDownloadMode mode, GBytes *body, GError **error)
{
  g_autoptr(GError) local = NULL;
  OutpostPage *page = outpost_dv_parse_page (entity, mode, body, &local);

  if (page == NULL)
    g_set_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                 _("A page of %s was rejected: %s"), entity->display_plural ? entity->display_plural
                 : entity->logical_name, local ? local->message : _("unreadable"));
  return page;
}

static void
chain_parse (gpointer data, gpointer user_data)
{
  Ahead *a = data;
  OutpostDvChain *chain = user_data;
  GError *error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  OutpostPage *page = parse_or_explain (chain->entity, chain->mode, a->body, &error);

  if (page != NULL && !page_links_relative (chain->self, page, &error))
    g_clear_pointer (&page, outpost_page_free);

  g_debug ("%s page (read ahead): %.1f ms request, %.1f ms parse, %zu bytes",
           chain->entity->logical_name, a->request_us / 1e3,
           (g_get_monotonic_time () - t0) / 1e3, g_bytes_get_size (a->body));
  g_mutex_lock (&chain->lock);
  a->page = page;
  a->error = error;
  a->done = TRUE;
  g_clear_pointer (&a->body, g_bytes_unref);
  g_cond_broadcast (&chain->cond);
  g_mutex_unlock (&chain->lock);
}

static gpointer
chain_fetch (gpointer data)
{
  OutpostDvChain *chain = data;

  g_mutex_lock (&chain->lock);
  while (!chain->stop && chain->next_url != NULL)
    {
      OutpostDvRequest r = { .method = "GET", .prefer = chain->prefer,
                             .max_bytes = chain->self->max_page_bytes };
      g_autoptr(OutpostDvResponse) response = NULL;
      GError *error = NULL;
      Ahead *a;
      gint64 t0;

      /* PREFETCH_AHEAD pages parsed or parsing, and the next one's raw body (small) */
      if (g_queue_get_length (&chain->items) > PREFETCH_AHEAD)
        {
          g_cond_wait (&chain->cond, &chain->lock);
          continue;
        }
      a = g_new0 (Ahead, 1);
      a->url = g_steal_pointer (&chain->next_url);
      g_queue_push_tail (&chain->items, a);
      g_mutex_unlock (&chain->lock);
      r.url = a->url;
      t0 = g_get_monotonic_time ();
      response = outpost_dv_send (chain->self, &r, chain->cancellable, &error);
      g_mutex_lock (&chain->lock);
      a->request_us = g_get_monotonic_time () - t0;
      if (response == NULL)
        {
          a->error = error;   /* the caller gets it when it asks for this page */
          a->done = TRUE;
          g_cond_broadcast (&chain->cond);
          break;
        }
      a->body = g_bytes_ref (response->body);
      a->tail_link = relative_tail (chain->self, a->body);
      chain->next_url = a->tail_link ? link_url (chain->self, a->tail_link, NULL) : NULL;
      g_thread_pool_push (chain->parsers, a, NULL);
    }
  g_mutex_unlock (&chain->lock);
  return NULL;
}

static void
chain_cancel_cb (GCancellable *caller, gpointer data)
{
  g_cancellable_cancel (G_CANCELLABLE (data));
}

static OutpostDvChain *
chain_start (OutpostDataverseConnector *self, OutpostEntity *entity, OutpostDownloadMode mode,
             const char *prefer, const char *url, GCancellable *cancellable)
{
  OutpostDvChain *chain = g_new0 (OutpostDvChain, 1);

  chain->self = self;
  chain->owner = g_thread_self ();
  chain->entity = entity;
  chain->mode = mode;
  chain->prefer = g_strdup (prefer);
  chain->next_url = g_strdup (url);
  chain->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      chain->caller_cancellable = g_object_ref (cancellable);
      chain->handler = g_cancellable_connect (cancellable, G_CALLBACK (chain_cancel_cb),
                                              chain->cancellable, NULL);
    }
  g_mutex_init (&chain->lock);
  g_cond_init (&chain->cond);
  g_queue_init (&chain->items);
  /* exclusive: its threads are started here, by the downloading thread, so they inherit its
   * priority (a background sync's; GLib starts shared pool threads from its own thread) */
  chain->parsers = g_thread_pool_new (chain_parse, chain, PREFETCH_AHEAD, TRUE, NULL);
  chain->fetcher = g_thread_new ("outpost-read-ahead", chain_fetch, chain);
  return chain;
}

/* Stops the fetcher, drops pages not started, waits for parses running, frees the rest. */
void
outpost_dv_chain_free (OutpostDvChain *chain)
{
  g_mutex_lock (&chain->lock);
  chain->stop = TRUE;
  g_cond_broadcast (&chain->cond);
  g_mutex_unlock (&chain->lock);
  g_cancellable_cancel (chain->cancellable);
  g_thread_join (chain->fetcher);
  g_thread_pool_free (chain->parsers, TRUE, TRUE);
  g_queue_clear_full (&chain->items, (GDestroyNotify) ahead_free);
  if (chain->caller_cancellable != NULL)
    {
      g_cancellable_disconnect (chain->caller_cancellable, chain->handler);
      g_object_unref (chain->caller_cancellable);
    }
  g_object_unref (chain->cancellable);
  g_free (chain->prefer);
  g_free (chain->next_url);
  g_mutex_clear (&chain->lock);
  g_cond_clear (&chain->cond);
  g_free (chain);
}

/* The calling thread's chain, taken out of the connector's list (or NULL). */
static OutpostDvChain *
chain_take (OutpostDataverseConnector *self)
{
  OutpostDvChain *found = NULL;

  g_mutex_lock (&self->chains_lock);
  for (guint i = 0; i < self->chains->len && found == NULL; i++)
    if (((OutpostDvChain *) g_ptr_array_index (self->chains, i))->owner == g_thread_self ())
      found = g_ptr_array_steal_index_fast (self->chains, i);
  g_mutex_unlock (&self->chains_lock);
  return found;
}

static void
chain_keep (OutpostDataverseConnector *self, OutpostDvChain *chain)
{
  g_mutex_lock (&self->chains_lock);
  g_ptr_array_add (self->chains, chain);
  g_mutex_unlock (&self->chains_lock);
}

/* The page for @url if the chain has it as its next one: waits for it. NULL and *hit FALSE
 * when the chain does not (it is then of no further use). */
static OutpostPage *
chain_next (OutpostDvChain *chain, const char *url, gboolean *hit, gboolean *ok, GError **error)
{
  Ahead *a;
  OutpostPage *page;

  g_mutex_lock (&chain->lock);
  a = g_queue_peek_head (&chain->items);
  *hit = a != NULL && g_str_equal (a->url, url);
  if (!*hit)
    {
      g_mutex_unlock (&chain->lock);
      return NULL;
    }
  while (!a->done)
    g_cond_wait (&chain->cond, &chain->lock);
  g_queue_pop_head (&chain->items);
  g_cond_broadcast (&chain->cond);   /* room for the fetcher */
  g_mutex_unlock (&chain->lock);
  page = g_steal_pointer (&a->page);
  /* the following page was asked for with the link read ahead: it must be the parsed one */
  *ok = page != NULL && g_strcmp0 (page->next_link, a->tail_link) == 0;
  if (page == NULL)
    g_propagate_error (error, g_steal_pointer (&a->error));
  ahead_free (a);
  return page;
}

static OutpostPage *
dv_download_page (OutpostConnector *connector, OutpostEntity *entity,
                  const OutpostDownloadRequest *request,
                  GCancellable *cancellable, GError **error)
{
  OutpostDataverseConnector *self = OUTPOST_DATAVERSE_CONNECTOR (connector);
  g_autofree char *url = request->link ? link_url (self, request->link, NULL)
                                       : first_url (self, entity, request);
  gboolean track = request->mode == OUTPOST_DOWNLOAD_DELTA || request->track_changes;
  g_autofree char *prefer = g_strdup_printf (
      "odata.maxpagesize=%u,odata.include-annotations=\"Microsoft.Dynamics.CRM.lookuplogicalname\"%s",
      request->page_size ? MIN (request->page_size, 5000) : 5000,
      track ? ",odata.track-changes" : "");
  OutpostDvRequest r = { .method = "GET", .url = url, .prefer = prefer,
                         .max_bytes = self->max_page_bytes };
  OutpostDvChain *chain = chain_take (self);
  g_autoptr(OutpostDvResponse) response = NULL;
  g_autofree char *tail = NULL;
  OutpostPage *page;
  gint64 t0, t1;

  if (url == NULL)
    {
      /* a kept link this account cannot follow: a delta link is then as good as expired */
      g_set_error (error, OUTPOST_SYNC_ERROR, request->mode == OUTPOST_DOWNLOAD_DELTA
                   ? OUTPOST_SYNC_ERROR_EXPIRED_TOKEN : OUTPOST_SYNC_ERROR_PROTOCOL,
                   _("A stored link of %s is outside the service root"), entity->logical_name);
      return NULL;
    }
  if (chain != NULL)
    {
      gboolean hit = FALSE, ok = FALSE;

      page = chain_next (chain, url, &hit, &ok, error);
      if (hit && ok)
        chain_keep (self, chain);
      else
        outpost_dv_chain_free (chain);
      if (hit)
        return page;
    }
  t0 = g_get_monotonic_time ();
  if ((response = outpost_dv_send (self, &r, cancellable, error)) == NULL)
    return NULL;
  t1 = g_get_monotonic_time ();
  /* only full downloads read ahead: a delta's last page ends with its delta link */
  if (request->mode == OUTPOST_DOWNLOAD_FULL && request->only_ids == NULL &&
      (tail = relative_tail (self, response->body)) != NULL)
    {
      g_autofree char *next = link_url (self, tail, NULL);
      chain = chain_start (self, entity, request->mode, prefer, next, cancellable);
    }
  else
    chain = NULL;
  page = parse_or_explain (entity, request->mode, response->body, error);
  if (page != NULL && !page_links_relative (self, page, error))
    g_clear_pointer (&page, outpost_page_free);
  g_debug ("%s page: %.1f ms request, %.1f ms parse, %zu bytes", entity->logical_name,
           (t1 - t0) / 1e3, (g_get_monotonic_time () - t1) / 1e3, g_bytes_get_size (response->body));
  if (chain != NULL && page != NULL && g_strcmp0 (page->next_link, tail) == 0)
    chain_keep (self, chain);
  else if (chain != NULL)
    outpost_dv_chain_free (chain);
  return page;
}

/* ---- the rest of the interface ---------------------------------------------------------- */

static gboolean
dv_connect (OutpostConnector *connector, OutpostProfile *profile,
            GCancellable *cancellable, GError **error)
{
  return outpost_dv_read_metadata (OUTPOST_DATAVERSE_CONNECTOR (connector), profile,
                                   cancellable, error);
}

static gboolean
dv_has_change_tracking (OutpostConnector *connector, OutpostEntity *entity)
{
  OutpostDataverseConnector *self = OUTPOST_DATAVERSE_CONNECTOR (connector);

  return g_hash_table_contains (self->tracking, entity->logical_name);
}

static JsonNode *
dv_call_action (OutpostConnector *connector, OutpostEntity *entity, const char *id,
                const char *action, JsonObject *params, GCancellable *cancellable,
                GError **error)
{
  OutpostDataverseConnector *self = OUTPOST_DATAVERSE_CONNECTOR (connector);
  g_autofree char *url = g_strdup_printf ("%s%s(%s)/Microsoft.Dynamics.CRM.%s", self->api_root,
                                          entity->entity_set, id, action);
  g_autoptr(JsonObject) empty = json_object_new ();
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), params ? params : empty);
  char *json = json_to_string (node, FALSE);
  gsize len = strlen (json);
  g_autoptr(GBytes) body = g_bytes_new_take (json, len);
  /* an action whose answer was lost may have run: never resent blindly (SendEmail) */
  OutpostDvRequest r = { .method = "POST", .url = url, .content_type = "application/json",
                         .body = body, .not_idempotent = TRUE };
  g_autoptr(OutpostDvResponse) response = outpost_dv_send (self, &r, cancellable, error);
  g_autoptr(JsonObject) result = NULL;

  if (response == NULL)
    return NULL;
  if (g_bytes_get_size (response->body) == 0)
    return json_node_new (JSON_NODE_NULL);
  result = outpost_dv_parse_object (response->body, error);
  return result ? json_node_init_object (json_node_alloc (), result) : NULL;
}

static guint64
dv_get_request_count (OutpostConnector *connector)
{
  return (guint64) g_atomic_int_get ((gint *) &OUTPOST_DATAVERSE_CONNECTOR (connector)->requests);
}

static JsonObject *
dv_save_metadata (OutpostConnector *connector)
{
  OutpostDataverseConnector *self = OUTPOST_DATAVERSE_CONNECTOR (connector);
  JsonObject *out = json_object_new ();
  JsonObject *sets = json_object_new ();
  JsonArray *tracked = json_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->entity_sets);
  while (g_hash_table_iter_next (&iter, &key, &value))
    json_object_set_string_member (sets, key, value);
  g_hash_table_iter_init (&iter, self->tracking);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    json_array_add_string_element (tracked, key);
  json_object_set_object_member (out, "entity_sets", sets);
  json_object_set_array_member (out, "tracked", tracked);
  outpost_dv_save_relationships (self, out);
  return out;
}

static gboolean
dv_restore_metadata (OutpostConnector *connector, JsonObject *metadata)
{
  OutpostDataverseConnector *self = OUTPOST_DATAVERSE_CONNECTOR (connector);
  JsonObject *sets = outpost_dv_get_object (metadata, "entity_sets");
  JsonArray *tracked = outpost_dv_get_array (metadata, "tracked");
  g_autoptr(GList) names = NULL;

  if (sets == NULL || tracked == NULL)
    return FALSE;
  names = json_object_get_members (sets);
  for (GList *l = names; l; l = l->next)
    if (outpost_dv_get_string (sets, l->data) != NULL)
      g_hash_table_replace (self->entity_sets, g_strdup (l->data),
                            g_strdup (outpost_dv_get_string (sets, l->data)));
  for (guint i = 0; i < json_array_get_length (tracked); i++)
    {
      JsonNode *n = json_array_get_element (tracked, i);
      if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
        g_hash_table_add (self->tracking, g_strdup (json_node_get_string (n)));
    }
  outpost_dv_restore_relationships (self, metadata);
  return TRUE;
}

static void
connector_iface_init (OutpostConnectorInterface *iface)
{
  iface->connect = dv_connect;
  iface->has_change_tracking = dv_has_change_tracking;
  iface->download_page = dv_download_page;
  iface->upload_batch = outpost_dv_upload_batch;
  iface->call_action = dv_call_action;
  iface->get_request_count = dv_get_request_count;
  iface->save_metadata = dv_save_metadata;
  iface->restore_metadata = dv_restore_metadata;
}
