/* outpost-related-nn.c: an N:N relationship as a related section (see the header). */
#include "config.h"

#include <glib/gi18n.h>

#include "outpost-related-jobs.h"
#include "outpost-related-nn.h"
#include "outpost-store-jobs.h"
#include "outpost-ui-format.h"

struct _OutpostRelatedNn
{
  GtkBox          parent_instance;
  OutpostContext *context;
  char           *relationship;
  OutpostEntity  *entity;        /* the record's (from the profile) */
  OutpostEntity  *other;         /* the other side's */
  char           *id;

  GtkWidget      *list;
  GtkWidget      *add_button;
  GtkWidget      *popover;       /* the picker, parented to add_button */
  guint           popup_tick;    /* frames left before the picker opens */
  GtkWidget      *search;
  GtkWidget      *results;
  GHashTable     *linked;        /* ids shown in the list: the picker leaves them out */
  GCancellable   *cancellable;   /* the list read */
  GCancellable   *search_cancellable;
};

enum { SIGNAL_CHANGED, SIGNAL_OPEN_RECORD, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OutpostRelatedNn, outpost_related_nn, GTK_TYPE_BOX)

static OutpostStoreClient *
client_of (OutpostRelatedNn *self)
{
  return outpost_context_get_client (self->context);
}

static GCancellable *
renew (GCancellable **cancellable)
{
  g_cancellable_cancel (*cancellable);
  g_clear_object (cancellable);
  *cancellable = g_cancellable_new ();
  return *cancellable;
}

static void
clear_list (GtkWidget *list)
{
  GtkListBoxRow *row;

  /* rows only: the list's first child can be its placeholder ("No associated …"), which
   * gtk_list_box_remove would take away for good */
  while ((row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (list), 0)) != NULL)
    gtk_list_box_remove (GTK_LIST_BOX (list), GTK_WIDGET (row));
}

static GtkWidget *
title_label (const char *text)
{
  GtkWidget *label = gtk_label_new (NULL);

  /* names come from the server: plain text, never markup */
  gtk_label_set_text (GTK_LABEL (label), text);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  return label;
}

static GtkWidget *
row_with (GtkWidget *box, OutpostRecord *record, const char *title)
{
  GtkWidget *row = gtk_list_box_row_new ();

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  /* a row is announced by its name, not as an empty list item */
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  g_object_set_data_full (G_OBJECT (row), "id", g_strdup (record->id), g_free);
  g_object_set_data_full (G_OBJECT (row), "title", g_strdup (title), g_free);
  return row;
}

/* ---- changing a link ---------------------------------------------------------------------- */

typedef struct {
  OutpostRelatedNn *section;
  gboolean          add;
  char             *other_id;
  char             *title;
  gboolean          offer_undo;
} LinkData;

static void
link_data_free (LinkData *data)
{
  g_object_unref (data->section);
  g_free (data->other_id);
  g_free (data->title);
  g_free (data);
}

static void link_change (OutpostRelatedNn *self, gboolean add, const char *other_id,
                         const char *title, gboolean offer_undo);

static void
undo_clicked (AdwToast *toast, LinkData *data)
{
  link_change (data->section, !data->add, data->other_id, data->title, FALSE);
}

static void
show_toast (OutpostRelatedNn *self, LinkData *data)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  g_autofree char *text = g_strdup_printf (data->add ? _("“%s” added") : _("“%s” removed"), data->title);
  g_autofree char *escaped = g_markup_escape_text (text, -1);   /* toast titles are markup */
  AdwToast *toast;
  LinkData *undo;

  if (overlay == NULL)
    return;
  toast = adw_toast_new (escaped);
  adw_toast_set_timeout (toast, 8);
  if (data->offer_undo)
    {
      undo = g_new0 (LinkData, 1);
      undo->section = g_object_ref (self);
      undo->add = data->add;
      undo->other_id = g_strdup (data->other_id);
      undo->title = g_strdup (data->title);
      adw_toast_set_button_label (toast, _("_Undo"));
      g_signal_connect (toast, "button-clicked", G_CALLBACK (undo_clicked), undo);
      g_object_set_data_full (G_OBJECT (toast), "undo", undo, (GDestroyNotify) link_data_free);
    }
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
}

static void
link_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LinkData *data = user_data;
  OutpostRelatedNn *self = data->section;
  g_autoptr(GError) error = NULL;

  if (outpost_jobs_finish (result, &error) == NULL)
    {
      GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
      g_autofree char *escaped = g_markup_escape_text (error->message, -1);

      if (overlay != NULL)
        adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (escaped));
      g_warning ("link change failed: %s", error->message);
    }
  else
    {
      /* the section may already show another record (Undo from a toast): reload only if shown */
      if (gtk_widget_get_parent (GTK_WIDGET (self)) != NULL)
        outpost_related_nn_reload (self);
      g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
      show_toast (self, data);
    }
  link_data_free (data);
}

static void
link_change (OutpostRelatedNn *self, gboolean add, const char *other_id, const char *title,
             gboolean offer_undo)
{
  LinkData *data = g_new0 (LinkData, 1);

  data->section = g_object_ref (self);
  data->add = add;
  data->other_id = g_strdup (other_id);
  data->title = g_strdup (title);
  data->offer_undo = offer_undo;
  outpost_related_jobs_link (client_of (self), add, self->relationship, self->entity->logical_name,
                             self->id, self->other->logical_name, other_id, link_done, data);
}

static void
remove_clicked (GtkButton *button, OutpostRelatedNn *self)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_LIST_BOX_ROW);

  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
  link_change (self, FALSE, g_object_get_data (G_OBJECT (row), "id"),
               g_object_get_data (G_OBJECT (row), "title"), TRUE);
}

/* ---- the linked records -------------------------------------------------------------------- */

static GtkWidget *
linked_row (OutpostRelatedNn *self, OutpostRecord *record)
{
  g_autofree char *title = outpost_record_title (record, self->other);
  g_autofree char *remove_name = g_strdup_printf (_("Remove %s"), title);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *remove = gtk_button_new_from_icon_name ("list-remove-symbolic");

  gtk_box_append (GTK_BOX (box), title_label (title));
  gtk_widget_set_tooltip_text (remove, _("Remove"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL, remove_name, -1);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  g_signal_connect_object (remove, "clicked", G_CALLBACK (remove_clicked), self, 0);
  gtk_box_append (GTK_BOX (box), remove);
  return row_with (box, record, title);
}

static void
linked_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = outpost_jobs_finish (result, &error);
  OutpostRelatedNn *self = user_data;

  if (rows == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("linked records: %s", error->message);
      return;
    }
  clear_list (self->list);
  g_hash_table_remove_all (self->linked);
  for (guint i = 0; i < rows->len; i++)
    {
      OutpostRecord *record = g_ptr_array_index (rows, i);

      gtk_list_box_append (GTK_LIST_BOX (self->list), linked_row (self, record));
      g_hash_table_add (self->linked, g_strdup (record->id));
    }
}

void
outpost_related_nn_reload (OutpostRelatedNn *self)
{
  g_return_if_fail (OUTPOST_IS_RELATED_NN (self));
  outpost_related_jobs_list_linked (client_of (self), self->relationship, self->entity->logical_name,
                                    self->id, self->other->logical_name, renew (&self->cancellable),
                                    linked_ready, self);
}

static void
linked_activated (GtkListBox *list, GtkListBoxRow *row, OutpostRelatedNn *self)
{
  g_signal_emit (self, signals[SIGNAL_OPEN_RECORD], 0, self->other->logical_name,
                 g_object_get_data (G_OBJECT (row), "id"));
}

/* ---- the "Add…" picker --------------------------------------------------------------------- */

static void
results_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = outpost_jobs_finish (result, &error);
  OutpostRelatedNn *self = user_data;

  if (rows == NULL)
    return;   /* cancelled by a newer search, or the store failed: the old results stay */
  clear_list (self->results);
  for (guint i = 0; i < rows->len; i++)
    {
      OutpostRecord *record = g_ptr_array_index (rows, i);
      g_autofree char *title = NULL;
      GtkWidget *box;

      if (g_hash_table_contains (self->linked, record->id))
        continue;
      title = outpost_record_title (record, self->other);
      box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      gtk_box_append (GTK_BOX (box), title_label (title));
      gtk_list_box_append (GTK_LIST_BOX (self->results), row_with (box, record, title));
    }
}

static void
search_changed (OutpostRelatedNn *self)
{
  outpost_jobs_query (client_of (self), self->other->logical_name, NULL, NULL,
                      gtk_editable_get_text (GTK_EDITABLE (self->search)), 30,
                      renew (&self->search_cancellable), results_ready, self);
}

static void
popover_shown (OutpostRelatedNn *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search), "");
  search_changed (self);
  gtk_widget_grab_focus (self->search);
}

static void
result_activated (GtkListBox *list, GtkListBoxRow *row, OutpostRelatedNn *self)
{
  gtk_popover_popdown (GTK_POPOVER (self->popover));
  link_change (self, TRUE, g_object_get_data (G_OBJECT (row), "id"),
               g_object_get_data (G_OBJECT (row), "title"), TRUE);
}

/* The first result on Enter, as in the lookup pickers. */
static void
search_activated (OutpostRelatedNn *self)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (self->results), 0);

  if (row != NULL)
    result_activated (GTK_LIST_BOX (self->results), row, self);
}

static gboolean
refocus_add (gpointer data)
{
  g_autoptr(OutpostRelatedNn) self = data;

  if (gtk_widget_get_root (self->add_button) != NULL)
    gtk_widget_grab_focus (self->add_button);
  return G_SOURCE_REMOVE;
}

/* As in the lookup pickers: Down in the search goes into the results, Enter there takes the
 * selected one, Escape closes the picker and gives the focus back to Add… (once it is hidden). */
static gboolean
picker_key_pressed (OutpostRelatedNn *self, guint keyval, guint keycode, GdkModifierType state,
                    GtkEventControllerKey *controller)
{
  GtkWidget *widget = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));
  GtkListBoxRow *first = gtk_list_box_get_row_at_index (GTK_LIST_BOX (self->results), 0);
  GtkListBoxRow *selected = gtk_list_box_get_selected_row (GTK_LIST_BOX (self->results));

  if (keyval == GDK_KEY_Escape)
    {
      gtk_popover_popdown (GTK_POPOVER (self->popover));
      g_idle_add (refocus_add, g_object_ref (self));
      return TRUE;
    }
  if ((keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down) && widget == self->search && first != NULL)
    {
      gtk_widget_child_focus (self->results, GTK_DIR_TAB_FORWARD);
      gtk_list_box_select_row (GTK_LIST_BOX (self->results), first);
      return TRUE;
    }
  if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter || keyval == GDK_KEY_ISO_Enter)
      && widget == self->results && selected != NULL)
    {
      result_activated (GTK_LIST_BOX (self->results), selected, self);
      return TRUE;
    }
  return FALSE;
}

static void
add_picker_keys (OutpostRelatedNn *self, GtkWidget *widget)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (picker_key_pressed), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (widget, keys);
}

static GtkWidget *
picker_new (OutpostRelatedNn *self)
{
  g_autofree char *search_name = g_strdup_printf (_("Search %s"), self->other->display_plural);
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  self->search = gtk_search_entry_new ();
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search), GTK_ACCESSIBLE_PROPERTY_LABEL, search_name, -1);
  g_object_set (self->search, "placeholder-text", search_name, NULL);
  g_signal_connect_swapped (self->search, "search-changed", G_CALLBACK (search_changed), self);
  g_signal_connect_swapped (self->search, "activate", G_CALLBACK (search_activated), self);
  self->results = gtk_list_box_new ();
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->results), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  self->other->display_plural, -1);
  g_signal_connect_object (self->results, "row-activated", G_CALLBACK (result_activated), self, 0);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), self->results);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled), 240);
  gtk_widget_set_size_request (scrolled, 280, -1);
  gtk_box_append (GTK_BOX (box), self->search);
  gtk_box_append (GTK_BOX (box), scrolled);
  gtk_popover_set_child (GTK_POPOVER (popover), box);
  g_signal_connect_swapped (popover, "show", G_CALLBACK (popover_shown), self);
  add_picker_keys (self, self->search);
  add_picker_keys (self, self->results);
  add_picker_keys (self, popover);
  return popover;
}

/* Scrolls the form at once (no animation) so @widget is in view. The picker opens on the
 * button: a button out of view (activated from the keyboard or a screen reader) would put the
 * popover off the screen, where it has no monitor. */
static void
scroll_into_view (GtkWidget *widget)
{
  GtkWidget *scrolled = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  graphene_point_t origin = GRAPHENE_POINT_INIT (0, 0), at;
  GtkAdjustment *adj;
  double page, height;

  if (scrolled == NULL || !gtk_widget_compute_point (widget, scrolled, &origin, &at))
    return;
  adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
  page = gtk_adjustment_get_page_size (adj);
  height = gtk_widget_get_height (widget);
  if (at.y < 0 || at.y + height > page)
    gtk_adjustment_set_value (adj, gtk_adjustment_get_value (adj) + at.y - (page - height) / 2);
}

/* The picker opens once the scroll is laid out: a tick runs before the frame's layout, so
 * the second tick comes after the layout that moved the button. */
static gboolean
popup_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  OutpostRelatedNn *self = user_data;

  if (--self->popup_tick > 0)
    return G_SOURCE_CONTINUE;
  gtk_popover_popup (GTK_POPOVER (self->popover));
  return G_SOURCE_REMOVE;
}

static void
add_clicked (OutpostRelatedNn *self)
{
  if (self->popup_tick > 0)
    return;
  scroll_into_view (self->add_button);
  self->popup_tick = 2;
  gtk_widget_add_tick_callback (self->add_button, popup_tick, self, NULL);
}

static GtkWidget *
heading_new (OutpostRelatedNn *self)
{
  g_autofree char *text = g_strdup_printf (_("Associated %s"), self->other->display_plural);
  g_autofree char *add_name = g_strdup_printf (_("Add %s…"), self->other->display_name);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *heading = title_label (text);

  gtk_widget_add_css_class (heading, "heading");
  self->add_button = gtk_button_new_with_label (_("Add…"));
  gtk_widget_set_tooltip_text (self->add_button, add_name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->add_button), GTK_ACCESSIBLE_PROPERTY_LABEL, add_name, -1);
  g_signal_connect_swapped (self->add_button, "clicked", G_CALLBACK (add_clicked), self);
  self->popover = picker_new (self);
  gtk_widget_set_parent (self->popover, self->add_button);
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), self->add_button);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  return box;
}

/* ---- GObject ------------------------------------------------------------------------------- */

static void
outpost_related_nn_dispose (GObject *object)
{
  OutpostRelatedNn *self = OUTPOST_RELATED_NN (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->search_cancellable);
  /* the button does not know the popover is its child: take it away here */
  g_clear_pointer (&self->popover, gtk_widget_unparent);
  G_OBJECT_CLASS (outpost_related_nn_parent_class)->dispose (object);
}

static void
outpost_related_nn_finalize (GObject *object)
{
  OutpostRelatedNn *self = OUTPOST_RELATED_NN (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->search_cancellable);
  g_hash_table_unref (self->linked);
  g_free (self->relationship);
  g_free (self->id);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (outpost_related_nn_parent_class)->finalize (object);
}

static void
outpost_related_nn_class_init (OutpostRelatedNnClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->dispose = outpost_related_nn_dispose;
  object_class->finalize = outpost_related_nn_finalize;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
  signals[SIGNAL_OPEN_RECORD] = g_signal_new ("open-record", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                              NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
outpost_related_nn_init (OutpostRelatedNn *self)
{
  self->linked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  self->search_cancellable = g_cancellable_new ();
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 6);
}

static GtkWidget *
placeholder_new (OutpostRelatedNn *self)
{
  g_autofree char *text = g_strdup_printf (_("No associated %s"), self->other->display_plural);
  GtkWidget *label = title_label (text);

  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_top (label, 10);
  gtk_widget_set_margin_bottom (label, 10);
  gtk_widget_add_css_class (label, "dim-label");
  return label;
}

GtkWidget *
outpost_related_nn_new (OutpostContext *context, OutpostRelationship *relationship,
                        OutpostEntity *entity, const char *id)
{
  OutpostRelatedNn *self = g_object_new (OUTPOST_TYPE_RELATED_NN, NULL);
  gboolean first = g_str_equal (relationship->entity1, entity->logical_name);

  self->context = g_object_ref (context);
  self->relationship = g_strdup (relationship->name);
  self->entity = entity;
  self->other = outpost_profile_lookup_entity (outpost_context_get_profile (context),
                                               first ? relationship->entity2 : relationship->entity1);
  self->id = g_strdup (id);
  self->list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (self->list), GTK_SELECTION_NONE);
  gtk_list_box_set_placeholder (GTK_LIST_BOX (self->list), placeholder_new (self));
  gtk_widget_add_css_class (self->list, "boxed-list");
  g_signal_connect_object (self->list, "row-activated", G_CALLBACK (linked_activated), self, 0);
  gtk_box_append (GTK_BOX (self), heading_new (self));
  gtk_box_append (GTK_BOX (self), self->list);
  outpost_related_nn_reload (self);
  return GTK_WIDGET (self);
}
