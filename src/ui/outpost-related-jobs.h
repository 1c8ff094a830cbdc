/* outpost-related-jobs.h: worker jobs of the related-records sections and the email compose
 * view (N:N links, emails marked for sending), run through the UI's store client like
 * outpost-store-jobs.h. Results come back with outpost_jobs_finish(). */
#pragma once

#include "outpost-store-client.h"

G_BEGIN_DECLS

/* The records of @other_entity linked to (@entity, @id) through the N:N @relationship, in
 * primary-name order (links removed here are left out): GPtrArray of OutpostRecord*. */
void outpost_related_jobs_list_linked (OutpostStoreClient *client, const char *relationship,
                                       const char *entity, const char *id,
                                       const char *other_entity, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
/* Associates (@add) or disassociates the pair (journaled; an add that undoes a removal not yet
 * uploaded cancels it). Never cancelled: a change the user made always lands. */
void outpost_related_jobs_link        (OutpostStoreClient *client, gboolean add,
                                       const char *relationship, const char *entity,
                                       const char *id, const char *other_entity,
                                       const char *other_id,
                                       GAsyncReadyCallback callback, gpointer user_data);
/* The ids of the emails marked for sending: a GHashTable (id -> id, a set). */
void outpost_related_jobs_marked_emails (OutpostStoreClient *client, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
/* Saves the email (@id NULL creates it) with @values, then, when @send, marks it for sending;
 * returns its id (char*). */
void outpost_related_jobs_save_email  (OutpostStoreClient *client, const char *id,
                                       JsonObject *values, gboolean send,
                                       GAsyncReadyCallback callback, gpointer user_data);

G_END_DECLS
