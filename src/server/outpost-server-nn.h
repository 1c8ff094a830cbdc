/* outpost-server-nn.h: the server's N:N relationships (outpost-server-nn.c), as its metadata
 * (outpost-server-metadata.c) and its router (outpost-server-api.c) see them. */
#pragma once

#include "outpost-server-private.h"

G_BEGIN_DECLS

/* One N:N relationship as Dataverse describes it (ManyToManyRelationshipMetadata), and where
 * this server keeps its links: a SQLite table named like the intersect entity with the two
 * intersect attributes as columns. */
typedef struct {
  const char *schema_name;    /* SchemaName; also the navigation property on both sides */
  const char *intersect;      /* IntersectEntityName (and the SQLite table) */
  const char *set_name;       /* the intersect entity's EntitySetName */
  const char *primary_id;     /* the intersect entity's PrimaryIdAttribute */
  const char *entity1, *attribute1;   /* Entity1LogicalName, Entity1IntersectAttribute */
  const char *entity2, *attribute2;
  const char *metadata_id;            /* the relationship's */
  const char *intersect_metadata_id;  /* the intersect entity's */
  gboolean    custom;                 /* IsCustomRelationship */
} OsNnRelationship;

const OsNnRelationship *os_nn_relationships (guint *n);
/* The relationship whose intersect entity is @logical_name, or NULL. */
const OsNnRelationship *os_nn_by_intersect (const char *logical_name);
/* The navigation property @segment ("nav" or "nav(<id>)") names on @entity, or NULL. */
const char             *os_nn_navigation   (const OsEntity *entity, const char *segment);
/* Is @path an intersect entity set (GET accountleadscollection, ...)? */
gboolean                os_nn_is_intersect_set (const char *path);

G_END_DECLS
