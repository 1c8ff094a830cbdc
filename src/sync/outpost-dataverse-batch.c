/* outpost-dataverse-batch.c: uploads as $batch change sets (multipart/mixed, A9).
 *
 * A change set is atomic: when one operation fails the server rolls the whole set back. So a
 * failed set of more than one operation is split in halves and each half is sent again,
 * down to the single operation that fails; it alone gets the server's error and the others
 * go through. Each part asks for return=representation with $select of the primary id, so
 * every success carries the row's new ETag. */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "outpost-dataverse-fuzz.h"
#include "outpost-dataverse-private.h"

/* ---- request bodies ---------------------------------------------------------------------- */

static char *
navigation_for (OutpostEntity *entity, OutpostField *field, const char *target)
{
  /* Dataverse names single-target lookups after the attribute; polymorphic ones (customer,
   * regarding) get one navigation property per target. Owner is the exception. */
  if (g_str_equal (field->name, "ownerid") || field->targets == NULL ||
      g_strv_length (field->targets) <= 1)
    return g_strdup (field->name);
  if (g_str_equal (field->name, "regardingobjectid"))
    return g_strdup_printf ("%s_%s_%s", field->name, target, entity->logical_name);
  return g_strdup_printf ("%s_%s", field->name, target);
}

/* An email's parties (outpost-sync-upload-email.h) as the deep insert Dataverse wants:
 * activityparty rows with "partyid_<target>@odata.bind" or "addressused". */
static JsonArray *
parties_body (OutpostDataverseConnector *self, JsonArray *parties)
{
  JsonArray *out = json_array_new ();

  for (guint i = 0; i < json_array_get_length (parties); i++)
    {
      JsonObject *party = outpost_dv_array_object (parties, i);
      const char *partyid = party ? outpost_dv_get_string (party, "partyid") : NULL;
      const char *target = party ? outpost_dv_get_string (party, "partyid@target") : NULL;
      const char *address = party ? outpost_dv_get_string (party, "addressused") : NULL;
      const char *set = target ? g_hash_table_lookup (self->entity_sets, target) : NULL;
      JsonObject *row;

      if (party == NULL || (address == NULL && (partyid == NULL || set == NULL)))
        continue;
      row = json_object_new ();
      json_object_set_int_member (row, "participationtypemask",
                                  json_object_get_int_member_with_default (party, "participationtypemask", 2));
      if (partyid != NULL && set != NULL)
        {
          g_autofree char *bind = g_strdup_printf ("partyid_%s@odata.bind", target);
          g_autofree char *ref = g_strdup_printf ("/%s(%s)", set, partyid);
          json_object_set_string_member (row, bind, ref);
        }
      else
        json_object_set_string_member (row, "addressused", address);
      json_array_add_object_element (out, row);
    }
  return out;
}

JsonObject *
outpost_dv_body_for_fields (OutpostDataverseConnector *self, OutpostEntity *entity,
                            JsonObject *fields)
{
  JsonObject *body = json_object_new ();
  g_autoptr(GList) names = json_object_get_members (fields);
  JsonArray *parties = g_str_equal (entity->logical_name, "email")
                       ? outpost_dv_get_array (fields, "email_activity_parties") : NULL;

  /* Dataverse sends an email to its parties and computes torecipients from them */
  if (parties != NULL)
    json_object_set_array_member (body, "email_activity_parties", parties_body (self, parties));
  for (GList *l = names; l; l = l->next)
    {
      const char *name = l->data;
      OutpostField *field = outpost_entity_lookup_field (entity, name);
      JsonNode *value = json_object_get_member (fields, name);
      g_autofree char *target_key = NULL, *nav = NULL, *bind = NULL;
      const char *target, *set;

      if (field == NULL || field->read_only || (parties != NULL && g_str_equal (name, "torecipients")))
        continue;
      if (field->type != OUTPOST_FIELD_LOOKUP)
        {
          json_object_set_member (body, name, json_node_copy (value));
          continue;
        }
      target_key = g_strconcat (name, "@target", NULL);
      target = outpost_dv_get_string (fields, target_key);
      if (target == NULL && field->targets != NULL)
        target = field->targets[0];
      nav = navigation_for (entity, field, target ? target : "");
      bind = g_strconcat (nav, "@odata.bind", NULL);
      set = target ? g_hash_table_lookup (self->entity_sets, target) : NULL;
      if (JSON_NODE_HOLDS_NULL (value) || set == NULL)
        json_object_set_null_member (body, bind);
      else
        {
          g_autofree char *ref = g_strdup_printf ("/%s(%s)", set, json_node_get_string (value));
          json_object_set_string_member (body, bind, ref);
        }
    }
  return body;
}

/* ---- one part of a change set ------------------------------------------------------------ */

static void
append_part (OutpostDataverseConnector *self, GString *out, const char *boundary,
             OutpostUploadOp *op, guint content_id)
{
  const char *set = op->entity->entity_set, *method = "PATCH";
  g_autofree char *path = NULL;
  g_autofree char *json = NULL;
  const char *if_match = NULL, *if_none_match = NULL;
  gboolean representation = TRUE;

  switch (op->kind)
    {
    case OUTPOST_UPLOAD_CREATE:
      method = "POST";
      path = g_strdup_printf ("%s?$select=%s", set, op->entity->primary_id);
      break;
    case OUTPOST_UPLOAD_CREATE_ONCE:
      path = g_strdup_printf ("%s(%s)?$select=%s", set, op->id, op->entity->primary_id);
      if_none_match = "*";
      break;
    case OUTPOST_UPLOAD_UPDATE:
      path = g_strdup_printf ("%s(%s)?$select=%s", set, op->id, op->entity->primary_id);
      if_match = op->etag ? op->etag : "*";
      break;
    case OUTPOST_UPLOAD_DELETE:
      method = "DELETE";
      path = g_strdup_printf ("%s(%s)", set, op->id);
      if_match = op->etag ? op->etag : "*";
      representation = FALSE;
      break;
    case OUTPOST_UPLOAD_ASSOCIATE:
      method = "POST";
      path = g_strdup_printf ("%s(%s)/%s/$ref", set, op->id, op->navigation);
      representation = FALSE;
      break;
    case OUTPOST_UPLOAD_DISASSOCIATE:
      method = "DELETE";
      path = g_strdup_printf ("%s(%s)/%s(%s)/$ref", set, op->id, op->navigation, op->related_id);
      representation = FALSE;
      break;
    }
  if (op->kind == OUTPOST_UPLOAD_CREATE || op->kind == OUTPOST_UPLOAD_CREATE_ONCE ||
      op->kind == OUTPOST_UPLOAD_UPDATE)
    {
      g_autoptr(JsonObject) body = outpost_dv_body_for_fields (self, op->entity, op->fields);
      g_autoptr(JsonNode) node = NULL;

      if (op->kind == OUTPOST_UPLOAD_CREATE)   /* the client's own GUID, so children can refer to it */
        json_object_set_string_member (body, op->entity->primary_id, op->id);
      node = json_node_init_object (json_node_alloc (), body);
      json = json_to_string (node, FALSE);
    }
  else if (op->kind == OUTPOST_UPLOAD_ASSOCIATE)
    {
      const char *rset = g_hash_table_lookup (self->entity_sets, op->related_entity);
      g_autoptr(JsonObject) body = json_object_new ();
      g_autoptr(JsonNode) node = NULL;
      g_autofree char *ref = g_strdup_printf ("%s%s(%s)", self->api_root,
                                              rset ? rset : op->related_entity, op->related_id);

      json_object_set_string_member (body, "@odata.id", ref);
      node = json_node_init_object (json_node_alloc (), body);
      json = json_to_string (node, FALSE);
    }

  g_string_append_printf (out, "--%s\r\nContent-Type: application/http\r\n"
                          "Content-Transfer-Encoding: binary\r\nContent-ID: %u\r\n\r\n"
                          "%s %s%s HTTP/1.1\r\n", boundary, content_id, method, self->api_path, path);
  if (json != NULL)
    g_string_append (out, "Content-Type: application/json; type=entry\r\n");
  if (if_match != NULL)
    g_string_append_printf (out, "If-Match: %s\r\n", if_match);
  if (if_none_match != NULL)
    g_string_append_printf (out, "If-None-Match: %s\r\n", if_none_match);
  if (representation)
    g_string_append (out, "Prefer: return=representation\r\n");
  g_string_append (out, "\r\n");
  if (json != NULL)
    g_string_append (out, json);
  g_string_append (out, "\r\n");
}

static GBytes *
build_batch (OutpostDataverseConnector *self, GPtrArray *ops, guint first, guint n,
             char **content_type)
{
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *batch = g_strconcat ("batch_", uuid, NULL);
  g_autofree char *changeset = g_strconcat ("changeset_", uuid, NULL);
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "--%s\r\nContent-Type: multipart/mixed; boundary=%s\r\n\r\n",
                          batch, changeset);
  for (guint i = 0; i < n; i++)
    append_part (self, out, changeset, g_ptr_array_index (ops, first + i), i + 1);
  g_string_append_printf (out, "--%s--\r\n--%s--\r\n", changeset, batch);
  *content_type = g_strdup_printf ("multipart/mixed; boundary=%s", batch);
  return g_string_free_to_bytes (out);
}

/* ---- reading the answer ------------------------------------------------------------------ */

/* One application/http part: "HTTP/1.1 204 No Content\r\nHeaders\r\n\r\nbody". */
static OutpostUploadResult *
parse_http_part (GBytes *part)
{
  gsize len;
  const char *data = g_bytes_get_data (part, &len);
  const char *end = data ? g_strstr_len (data, len, "\r\n\r\n") : NULL;
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  g_autofree char *head = NULL;
  OutpostUploadResult *result = g_new0 (OutpostUploadResult, 1);
  g_autoptr(GBytes) body = NULL;
  guint status = 0;

  /* a part without a body (204) may end right after its last header line */
  if (end != NULL)
    head = g_strndup (data, end - data + 4);
  else
    {
      g_autofree char *all = g_strndup (data ? data : "", len);
      head = g_strconcat (all, g_str_has_suffix (all, "\r\n") ? "\r\n" : "\r\n\r\n", NULL);
    }
  if (!soup_headers_parse_response (head, strlen (head), headers, NULL, &status, NULL))
    {
      result->error = g_error_new_literal (OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                                           _("The server sent an unreadable batch answer"));
      return result;
    }
  result->status = status;
  body = end ? g_bytes_new (end + 4, len - (end + 4 - data)) : g_bytes_new (NULL, 0);
  if (status >= 400)
    {
      result->error = outpost_dv_error_from_body (status, body);
      return result;
    }
  result->etag = g_strdup (soup_message_headers_get_one (headers, "ETag"));
  if (result->etag == NULL && g_bytes_get_size (body) > 0)
    {
      g_autoptr(JsonObject) obj = outpost_dv_parse_object (body, NULL);
      if (obj != NULL)
        result->etag = g_strdup (outpost_dv_get_string (obj, "@odata.etag"));
    }
  return result;
}

/* A copy of @data (+ @extra) followed by a NUL that the GBytes does not count: libsoup's
 * multipart parser strstr()s its input, which must therefore end in a NUL. */
static GBytes *
terminated_copy (const void *data, gsize len, const char *extra)
{
  gsize n = strlen (extra);
  char *copy = g_malloc (len + n + 1);

  if (len > 0)
    memcpy (copy, data, len);
  memcpy (copy + len, extra, n);
  copy[len + n] = '\0';
  return g_bytes_new_take (copy, len + n);
}

/* Flattens the answer to a list of application/http parts (change sets unpacked). */
static gboolean
collect_parts (SoupMessageHeaders *headers, GBytes *body, GPtrArray *out, guint depth)
{
  g_autoptr(SoupMultipart) multipart = NULL;

  if (depth > 1)   /* A9: no nesting beyond batch > change set */
    return FALSE;
  multipart = soup_multipart_new_from_message (headers, body);
  if (multipart == NULL)
    return FALSE;
  for (int i = 0; i < soup_multipart_get_length (multipart); i++)
    {
      SoupMessageHeaders *ph;
      GBytes *pb;
      const char *ct;

      soup_multipart_get_part (multipart, i, &ph, &pb);
      /* libsoup 3.2 computes a part's length as end - 2 - start, which wraps around when the
       * blank line after a part's headers runs into the next delimiter (fuzz finding): a
       * part can never be longer than the whole answer */
      if (pb == NULL || g_bytes_get_size (pb) > g_bytes_get_size (body))
        return FALSE;
      ct = soup_message_headers_get_content_type (ph, NULL);
      if (ct != NULL && g_ascii_strcasecmp (ct, "multipart/mixed") == 0)
        {
          /* a nested part ends at its closing delimiter without the CRLF that libsoup's
           * parser wants after it (that CRLF belongs to the outer delimiter) */
          gsize len;
          const void *data = g_bytes_get_data (pb, &len);
          g_autoptr(GBytes) nested = terminated_copy (data, len, "\r\n");

          if (!collect_parts (ph, nested, out, depth + 1))
            return FALSE;
        }
      else
        g_ptr_array_add (out, parse_http_part (pb));
    }
  return TRUE;
}

GPtrArray *
outpost_dv_parse_batch_answer (const char *content_type, GBytes *body, GError **error)
{
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func ((GDestroyNotify) outpost_upload_result_free);
  gsize len = 0;
  const void *data = body ? g_bytes_get_data (body, &len) : NULL;
  g_autoptr(GBytes) copy = terminated_copy (data, len, "");

  /* a header value never holds a line break (libsoup refuses one with a critical) */
  if (content_type != NULL && strpbrk (content_type, "\r\n") == NULL)
    soup_message_headers_replace (headers, "Content-Type", content_type);
  if (!collect_parts (headers, copy, parts, 0))
    {
      g_set_error_literal (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                           _("The server sent a malformed batch answer"));
      return NULL;
    }
  return g_steal_pointer (&parts);
}

static void
fill_results (GPtrArray *results, guint first, guint n, OutpostUploadResult *only)
{
  for (guint i = 0; i < n; i++)
    {
      OutpostUploadResult *r = g_new0 (OutpostUploadResult, 1);

      r->status = only->status;
      r->error = g_error_copy (only->error);
      g_ptr_array_index (results, first + i) = r;
    }
}

static gboolean send_range (OutpostDataverseConnector *self, GPtrArray *ops, guint first,
                            guint n, GPtrArray *results, GCancellable *cancellable,
                            GError **error);

static gboolean
handle_answer (OutpostDataverseConnector *self, GPtrArray *ops, guint first, guint n,
               GPtrArray *results, OutpostDvResponse *response, GPtrArray *parts,
               GCancellable *cancellable, GError **error)
{
  OutpostUploadResult *failed = NULL;

  for (guint i = 0; i < parts->len; i++)
    g_debug ("batch [%u+%u] part %u: %u %s", first, n, i,
             ((OutpostUploadResult *) g_ptr_array_index (parts, i))->status,
             ((OutpostUploadResult *) g_ptr_array_index (parts, i))->error ?
             ((OutpostUploadResult *) g_ptr_array_index (parts, i))->error->message : "ok");
  for (guint i = 0; i < parts->len; i++)
    if (((OutpostUploadResult *) g_ptr_array_index (parts, i))->error != NULL)
      failed = g_ptr_array_index (parts, i);
  if (failed == NULL && parts->len == n)
    {
      for (guint i = 0; i < n; i++)
        g_ptr_array_index (results, first + i) = g_ptr_array_steal_index (parts, 0);
      return TRUE;
    }
  if (failed == NULL)
    {
      g_set_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                   _("The server answered %u of %u batch operations"), parts->len, n);
      return FALSE;
    }
  if (failed->status == 0)
    {
      /* we could not read the answer: the set may have been applied, so it must not be sent
       * again as it is (the engine re-sends creates in their "create once" form) */
      g_set_error_literal (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_NETWORK, failed->error->message);
      return FALSE;
    }
  if (n == 1)
    {
      fill_results (results, first, 1, failed);
      return TRUE;
    }
  /* the change set was rolled back: find the culprit by halves */
  return send_range (self, ops, first, n / 2, results, cancellable, error) &&
         send_range (self, ops, first + n / 2, n - n / 2, results, cancellable, error);
}

static gboolean
send_range (OutpostDataverseConnector *self, GPtrArray *ops, guint first, guint n,
            GPtrArray *results, GCancellable *cancellable, GError **error)
{
  g_autofree char *content_type = NULL;
  g_autoptr(GBytes) body = build_batch (self, ops, first, n, &content_type);
  g_autofree char *url = g_strconcat (self->api_root, "$batch", NULL);
  OutpostDvRequest r = { .method = "POST", .url = url, .content_type = content_type,
                         .body = body, .prefer = "odata.continue-on-error",
                         .keep_error_body = TRUE, .not_idempotent = TRUE };
  g_autoptr(OutpostDvResponse) response = outpost_dv_send (self, &r, cancellable, error);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func ((GDestroyNotify) outpost_upload_result_free);
  const char *ct;

  if (response == NULL)
    return FALSE;
  ct = soup_message_headers_get_content_type (response->headers, NULL);
  if (ct == NULL || g_ascii_strncasecmp (ct, "multipart/", 10) != 0)
    {
      /* the whole batch was refused (A9: 400 and stop) */
      OutpostUploadResult whole = { response->status, NULL,
                                    outpost_dv_error_from_body (response->status, response->body) };
      gboolean ok;

      if (response->status < 400)
        {
          g_clear_error (&whole.error);
          g_set_error (error, OUTPOST_SYNC_ERROR, OUTPOST_SYNC_ERROR_PROTOCOL,
                       _("The server answered a batch with “%s”"), ct ? ct : "nothing");
          return FALSE;
        }
      g_ptr_array_add (parts, g_memdup2 (&whole, sizeof whole));
      ok = handle_answer (self, ops, first, n, results, response, parts, cancellable, error);
      return ok;
    }
  g_clear_pointer (&parts, g_ptr_array_unref);
  parts = outpost_dv_parse_batch_answer (soup_message_headers_get_one (response->headers, "Content-Type"),
                                         response->body, error);
  if (parts == NULL)
    return FALSE;
  return handle_answer (self, ops, first, n, results, response, parts, cancellable, error);
}

GPtrArray *
outpost_dv_upload_batch (OutpostConnector *connector, GPtrArray *ops,
                         GCancellable *cancellable, GError **error)
{
  OutpostDataverseConnector *self = OUTPOST_DATAVERSE_CONNECTOR (connector);
  g_autoptr(GPtrArray) results = g_ptr_array_new_full (ops->len, (GDestroyNotify) outpost_upload_result_free);

  g_ptr_array_set_size (results, ops->len);
  if (ops->len > 0 && !send_range (self, ops, 0, ops->len, results, cancellable, error))
    return NULL;
  return g_steal_pointer (&results);
}
