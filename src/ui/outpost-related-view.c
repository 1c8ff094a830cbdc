/* outpost-related-view.c: the related-records sections under a record's form (see the header). */
#include "config.h"

#include <glib/gi18n.h>

#include "outpost-related-jobs.h"
#include "outpost-related-nn.h"
#include "outpost-related-view.h"
#include "outpost-store-jobs.h"
#include "outpost-ui-format.h"

struct _OutpostRelatedView
{
  GtkBox          parent_instance;
  OutpostContext *context;
  OutpostEntity  *entity;
  char           *id;
  GHashTable     *marked;       /* ids of the emails marked for sending, when read */
  GCancellable   *cancellable;
};

enum { SIGNAL_OPEN_RECORD, SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OutpostRelatedView, outpost_related_view, GTK_TYPE_BOX)

static OutpostStoreClient *
client_of (OutpostRelatedView *self)
{
  return outpost_context_get_client (self->context);
}

static void
open_record (OutpostRelatedView *self, const char *entity, const char *id)
{
  g_signal_emit (self, signals[SIGNAL_OPEN_RECORD], 0, entity, id);
}

/* ---- lookup sections ------------------------------------------------------------------------ */

typedef struct {
  OutpostRelatedView *view;
  GtkWidget          *list;
} RelatedData;

static void
related_row_activated (GtkListBox *list, GtkListBoxRow *row, OutpostRelatedView *self)
{
  open_record (self, g_object_get_data (G_OBJECT (row), "entity"), g_object_get_data (G_OBJECT (row), "id"));
}

static GtkWidget *
row_label (const char *text, gboolean hexpand)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_text (GTK_LABEL (label), text);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, hexpand);
  return label;
}

static void
add_state (GtkWidget *box, OutpostRecord *record, gboolean marked)
{
  const char *icon = outpost_row_state_icon (record);

  if (marked)
    {
      GtkWidget *pending = row_label (_("Waiting to be sent"), FALSE);

      gtk_widget_add_css_class (pending, "dim-label");
      gtk_box_append (GTK_BOX (box), pending);
    }
  if (icon != NULL)
    {
      GtkWidget *image = gtk_image_new_from_icon_name (icon);

      gtk_widget_set_tooltip_text (image, outpost_row_state_label (record));
      gtk_box_append (GTK_BOX (box), image);
    }
}

static GtkWidget *
related_row (OutpostRecord *record, OutpostEntity *entity, gboolean marked)
{
  g_autofree char *title = outpost_record_title (record, entity);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_box_append (GTK_BOX (box), row_label (title, TRUE));
  add_state (box, record, marked);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 10);
  gtk_widget_set_margin_bottom (box, 10);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  /* a row is announced by its name, not as an empty list item */
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, outpost_row_state_label (record), -1);
  g_object_set_data_full (G_OBJECT (row), "entity", g_strdup (record->entity), g_free);
  g_object_set_data_full (G_OBJECT (row), "id", g_strdup (record->id), g_free);
  return row;
}

static gboolean
is_marked (OutpostRelatedView *self, OutpostRecord *record)
{
  return self->marked != NULL && g_str_equal (record->entity, "email")
         && g_hash_table_contains (self->marked, record->id);
}

static void
related_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RelatedData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = outpost_jobs_finish (result, &error);

  if (rows != NULL)
    {
      OutpostProfile *profile = outpost_context_get_profile (data->view->context);

      for (guint i = 0; i < rows->len; i++)
        {
          OutpostRecord *record = g_ptr_array_index (rows, i);

          gtk_list_box_append (GTK_LIST_BOX (data->list),
                               related_row (record, outpost_profile_lookup_entity (profile, record->entity),
                                            is_marked (data->view, record)));
        }
      gtk_widget_set_visible (gtk_widget_get_parent (data->list), rows->len > 0);
    }
  g_object_unref (data->list);
  g_free (data);
}

static GtkWidget *
related_section (OutpostRelatedView *self, OutpostEntity *other, OutpostField *field)
{
  GtkWidget *section = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *heading = gtk_label_new (NULL);
  GtkWidget *list = gtk_list_box_new ();
  g_autofree char *text = g_strdup_printf (_("%s (%s)"), other->display_plural,
                                           field->label != NULL ? field->label : field->name);

  gtk_label_set_text (GTK_LABEL (heading), text);
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "heading");
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  g_signal_connect_object (list, "row-activated", G_CALLBACK (related_row_activated), self, 0);
  gtk_box_append (GTK_BOX (section), heading);
  gtk_box_append (GTK_BOX (section), list);
  gtk_widget_set_visible (section, FALSE);   /* shown when it has rows */
  return list;
}

static gboolean
field_targets (OutpostField *field, const char *entity)
{
  return field->type == OUTPOST_FIELD_LOOKUP && field->targets != NULL
         && g_strv_contains ((const char * const *) field->targets, entity);
}

static void
lookup_section_load (OutpostRelatedView *self, OutpostEntity *other, OutpostField *field)
{
  GtkWidget *list = related_section (self, other, field);
  RelatedData *data = g_new0 (RelatedData, 1);

  gtk_box_append (GTK_BOX (self), gtk_widget_get_parent (list));
  data->view = self;
  data->list = g_object_ref (list);
  outpost_jobs_query (client_of (self), other->logical_name, field->name, self->id,
                      NULL, 50, self->cancellable, related_ready, data);
}

/* Every lookup of every entity that can point at this record gives a section. */
static void
lookup_sections_load (OutpostRelatedView *self)
{
  OutpostProfile *profile = outpost_context_get_profile (self->context);

  for (guint i = 0; i < outpost_profile_get_n_entities (profile); i++)
    {
      OutpostEntity *other = outpost_profile_get_entity_at (profile, i);

      for (guint j = 0; j < other->fields->len; j++)
        {
          OutpostField *field = g_ptr_array_index (other->fields, j);

          if (field_targets (field, self->entity->logical_name))
            lookup_section_load (self, other, field);
        }
    }
}

/* ---- N:N sections --------------------------------------------------------------------------- */

static void
nn_changed (OutpostRelatedView *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
nn_sections_load (OutpostRelatedView *self)
{
  OutpostProfile *profile = outpost_context_get_profile (self->context);
  GPtrArray *rels = outpost_profile_get_relationships (profile);

  for (guint i = 0; rels != NULL && i < rels->len; i++)
    {
      OutpostRelationship *r = rels->pdata[i];
      gboolean first = g_str_equal (r->entity1, self->entity->logical_name);
      const char *other = first ? r->entity2 : r->entity1;
      GtkWidget *section;

      if ((!first && !g_str_equal (r->entity2, self->entity->logical_name))
          || outpost_profile_lookup_entity (profile, other) == NULL)
        continue;
      section = outpost_related_nn_new (self->context, r, self->entity, self->id);
      g_signal_connect_object (section, "changed", G_CALLBACK (nn_changed), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (section, "open-record", G_CALLBACK (open_record), self, G_CONNECT_SWAPPED);
      gtk_box_append (GTK_BOX (self), section);
    }
}

/* ---- loading ------------------------------------------------------------------------------- */

static void
marked_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  GHashTable *marked = outpost_jobs_finish (result, &error);
  OutpostRelatedView *self = user_data;

  if (marked == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_pointer (&self->marked, g_hash_table_unref);
  self->marked = marked;   /* NULL when it could not be read: rows then just have no mark */
  lookup_sections_load (self);
}

void
outpost_related_view_clear (OutpostRelatedView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  GtkWidget *child;

  g_return_if_fail (OUTPOST_IS_RELATED_VIEW (self));
  /* see release_focus_within in outpost-record-form.c: let go of the focus before removing */
  if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self)))
    gtk_root_set_focus (root, NULL);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_box_remove (GTK_BOX (self), child);
  g_clear_pointer (&self->id, g_free);
  self->entity = NULL;
}

/* The same record again (after a sync or a save): the N:N sections stay (a picker the user has
 * open is not taken away) and reload their rows; the lookup sections are read again. */
static void
reload_same (OutpostRelatedView *self)
{
  GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  while (child != NULL)
    {
      GtkWidget *next = gtk_widget_get_next_sibling (child);

      if (!OUTPOST_IS_RELATED_NN (child))
        gtk_box_remove (GTK_BOX (self), child);
      else
        outpost_related_nn_reload (OUTPOST_RELATED_NN (child));
      child = next;
    }
  outpost_related_jobs_marked_emails (client_of (self), self->cancellable, marked_ready, self);
}

void
outpost_related_view_load (OutpostRelatedView *self, OutpostEntity *entity, const char *id)
{
  g_return_if_fail (OUTPOST_IS_RELATED_VIEW (self));
  if (entity != NULL && entity == self->entity && g_strcmp0 (id, self->id) == 0)
    {
      reload_same (self);
      return;
    }
  outpost_related_view_clear (self);
  if (entity == NULL || id == NULL)
    return;
  self->entity = entity;
  self->id = g_strdup (id);
  /* N:N sections first: they always show (with "Add…"), lookup sections only with rows */
  nn_sections_load (self);
  outpost_related_jobs_marked_emails (client_of (self), self->cancellable, marked_ready, self);
}

/* ---- GObject ------------------------------------------------------------------------------- */

static void
outpost_related_view_dispose (GObject *object)
{
  OutpostRelatedView *self = OUTPOST_RELATED_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (outpost_related_view_parent_class)->dispose (object);
}

static void
outpost_related_view_finalize (GObject *object)
{
  OutpostRelatedView *self = OUTPOST_RELATED_VIEW (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->marked, g_hash_table_unref);
  g_free (self->id);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (outpost_related_view_parent_class)->finalize (object);
}

static void
outpost_related_view_class_init (OutpostRelatedViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->dispose = outpost_related_view_dispose;
  object_class->finalize = outpost_related_view_finalize;
  signals[SIGNAL_OPEN_RECORD] = g_signal_new ("open-record", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                              NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
}

static void
outpost_related_view_init (OutpostRelatedView *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 18);
}

GtkWidget *
outpost_related_view_new (OutpostContext *context)
{
  OutpostRelatedView *self = g_object_new (OUTPOST_TYPE_RELATED_VIEW, NULL);

  self->context = g_object_ref (context);
  return GTK_WIDGET (self);
}
