/* outpost-window.c: the main window (sidebar, list, form). Sync UI: outpost-window-sync.c. */
#include "config.h"

#include <glib/gi18n.h>

#include "outpost-row-item.h"
#include "outpost-store-jobs.h"
#include "outpost-ui-format.h"
#include "outpost-welcome-page.h"
#include "outpost-email-compose.h"
#include "outpost-window-private.h"

G_DEFINE_FINAL_TYPE (OutpostWindow, outpost_window, ADW_TYPE_APPLICATION_WINDOW)

enum { PROP_0, PROP_CONTEXT, N_PROPS };
static GParamSpec *properties[N_PROPS];

static OutpostProfile *
profile_of (OutpostWindow *self)
{
  return outpost_context_get_profile (self->context);
}

static OutpostEntity *
current_entity (OutpostWindow *self)
{
  return self->entity != NULL ? outpost_profile_lookup_entity (profile_of (self), self->entity) : NULL;
}

void
outpost_window_toast (OutpostWindow *self, const char *message)
{
  g_autofree char *escaped = g_markup_escape_text (message, -1);
  AdwToast *toast = adw_toast_new (escaped);

  adw_toast_set_timeout (toast, 4);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* libadwaita shows one toast at a time and queues the rest, so without this a sync that ends
 * within 4 s of the previous one would first show the previous sync's counts as its own. */
void
outpost_window_toast_result (OutpostWindow *self, const char *message)
{
  g_autofree char *escaped = g_markup_escape_text (message, -1);
  AdwToast *toast = adw_toast_new (escaped);

  if (self->result_toast != NULL)
    adw_toast_dismiss (self->result_toast);
  adw_toast_set_timeout (toast, 4);
  g_set_weak_pointer (&self->result_toast, toast);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* ---- sidebar ----------------------------------------------------------------------------- */

static GtkWidget *
sidebar_row_new (OutpostEntity *entity)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *name = gtk_label_new (entity->display_plural);
  GtkWidget *badge = gtk_label_new (NULL);
  GtkWidget *count = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_widget_set_hexpand (name, TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (badge, "outpost-badge");
  gtk_widget_set_visible (badge, FALSE);
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (count, "dim-label");
  gtk_widget_add_css_class (count, "numeric");
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), badge);
  gtk_box_append (GTK_BOX (box), count);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  g_object_set_data (G_OBJECT (row), "badge", badge);
  g_object_set_data (G_OBJECT (row), "count", count);
  g_object_set_data_full (G_OBJECT (row), "entity", g_strdup (entity->logical_name), g_free);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  entity->display_plural, -1);
  return row;
}

static void
sidebar_row_set_counts (GtkWidget *row, OutpostEntity *entity, OutpostEntityCount *c)
{
  GtkWidget *badge = g_object_get_data (G_OBJECT (row), "badge");
  g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT, c->count);
  g_autofree char *unsynced = g_strdup_printf ("%" G_GINT64_FORMAT, c->unsynced);
  g_autofree char *a11y = NULL;

  gtk_label_set_text (g_object_get_data (G_OBJECT (row), "count"), count);
  gtk_label_set_text (GTK_LABEL (badge), unsynced);
  gtk_widget_set_visible (badge, c->unsynced > 0);
  gtk_widget_set_tooltip_text (badge, g_dngettext (GETTEXT_PACKAGE, "Unsynced change",
                                                    "Unsynced changes", (gulong) c->unsynced));
  /* TRANSLATORS: sidebar row for screen readers: "Accounts, 120 records, 2 unsynced" */
  a11y = g_strdup_printf (_("%s, %s records, %s unsynced"), entity->display_plural, count, unsynced);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, a11y, -1);
}

static void
counts_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OutpostWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) counts = outpost_jobs_finish (result, &error);

  self->counting = FALSE;
  if (counts == NULL)
    g_warning ("Could not count records: %s", error->message);
  else if (self->context != NULL)
    {
      self->unsynced = 0;
      for (guint i = 0; i < counts->len; i++)
        {
          OutpostEntityCount *c = g_ptr_array_index (counts, i);
          GtkWidget *row = g_hash_table_lookup (self->sidebar_rows, c->entity);
          OutpostEntity *entity = outpost_profile_lookup_entity (profile_of (self), c->entity);

          self->unsynced += c->unsynced;
          if (row != NULL && entity != NULL)
            sidebar_row_set_counts (row, entity, c);
        }
      outpost_window_update_sync_state (self);
      outpost_window_count_issues (self);
    }
  if (self->count_again)
    {
      self->count_again = FALSE;
      outpost_window_refresh_counts (self);
    }
}

void
outpost_window_refresh_counts (OutpostWindow *self)
{
  if (self->context == NULL)
    return;
  if (self->counting)
    {
      self->count_again = TRUE;
      return;
    }
  self->counting = TRUE;
  outpost_jobs_count_entities (outpost_context_get_client (self->context), counts_ready,
                               g_object_ref (self));
}

static void
build_sidebar (OutpostWindow *self)
{
  OutpostProfile *profile = profile_of (self);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->entity_list))) != NULL)
    gtk_list_box_remove (self->entity_list, child);
  g_hash_table_remove_all (self->sidebar_rows);
  for (guint i = 0; i < outpost_profile_get_n_entities (profile); i++)
    {
      OutpostEntity *entity = outpost_profile_get_entity_at (profile, i);
      GtkWidget *row = sidebar_row_new (entity);

      gtk_list_box_append (self->entity_list, row);
      g_hash_table_insert (self->sidebar_rows, g_strdup (entity->logical_name), row);
    }
}

/* ---- list columns ------------------------------------------------------------------------- */

static void
cell_setup (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  GtkWidget *label = gtk_inscription_new (NULL);

  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (label), GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  gtk_inscription_set_min_chars (GTK_INSCRIPTION (label), 3);
  gtk_inscription_set_nat_chars (GTK_INSCRIPTION (label), 20);
  gtk_list_item_set_child (item, label);
}

static void
cell_update (GtkListItem *item)
{
  OutpostRowItem *row = gtk_list_item_get_item (item);
  OutpostField *field = g_object_get_data (G_OBJECT (item), "field");
  OutpostRecord *record = row != NULL ? outpost_row_item_get_record (row) : NULL;
  g_autofree char *text = record != NULL ? outpost_format_record_field (record, field) : NULL;

  /* GtkInscription shows text, never markup: server values are safe here. */
  gtk_inscription_set_text (GTK_INSCRIPTION (gtk_list_item_get_child (item)),
                            record != NULL ? text : "…");
}

static void
cell_bind (GtkSignalListItemFactory *factory, GtkListItem *item, OutpostField *field)
{
  g_object_set_data (G_OBJECT (item), "field", field);
  g_signal_connect_object (gtk_list_item_get_item (item), "notify::record",
                           G_CALLBACK (cell_update), item, G_CONNECT_SWAPPED);
  cell_update (item);
}

static void
cell_unbind (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  g_signal_handlers_disconnect_by_func (gtk_list_item_get_item (item), cell_update, item);
}

static void
state_cell_setup (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  gtk_list_item_set_child (item, gtk_image_new ());
}

static void
state_cell_update (GtkListItem *item)
{
  OutpostRowItem *row = gtk_list_item_get_item (item);
  OutpostRecord *record = row != NULL ? outpost_row_item_get_record (row) : NULL;
  GtkWidget *image = gtk_list_item_get_child (item);
  const char *icon = record != NULL ? outpost_row_state_icon (record) : NULL;

  gtk_image_set_from_icon_name (GTK_IMAGE (image), icon);
  gtk_widget_set_tooltip_text (image, icon != NULL ? outpost_row_state_label (record) : NULL);
}

static void
state_cell_bind (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  g_signal_connect_object (gtk_list_item_get_item (item), "notify::record",
                           G_CALLBACK (state_cell_update), item, G_CONNECT_SWAPPED);
  state_cell_update (item);
}

static void
state_cell_unbind (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  g_signal_handlers_disconnect_by_func (gtk_list_item_get_item (item), state_cell_update, item);
}

/* GTK 4.8 cannot tell which column the user sorted by (that API is 4.10), so each column's
 * sorter notes its name when the column view's sorter compares two probe objects; the sign of
 * the result gives the direction. Rows are never sorted in memory: the store sorts. */
static int
probe_compare (gconstpointer a, gconstpointer b, gpointer user_data)
{
  OutpostWindow *self = g_object_get_data (G_OBJECT (a), "window");

  if (self != NULL && self->probe_hit == NULL)
    self->probe_hit = user_data;
  return GTK_ORDERING_SMALLER;
}

/* A new query (search, filters, sort) gives the list's row items new rows: they are reused
 * so the view keeps its row widgets (outpost-record-list-model.c), so the selection would stay
 * on a row now showing another record. Called before each new query. */
static void
drop_selection (OutpostWindow *self)
{
  if (self->selection != NULL)
    gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
}

static void
sort_changed (GtkSorter *sorter, GtkSorterChange change, OutpostWindow *self)
{
  g_autoptr(GObject) a = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GObject) b = g_object_new (G_TYPE_OBJECT, NULL);
  GtkOrdering order;

  g_object_set_data (a, "window", self);
  self->probe_hit = NULL;
  order = gtk_sorter_compare (sorter, a, b);
  drop_selection (self);
  if (self->model != NULL)
    outpost_record_list_model_set_sort (self->model, self->probe_hit, order == GTK_ORDERING_LARGER);
  self->probe_hit = NULL;
}

static GtkColumnViewColumn *
column_new (OutpostWindow *self, OutpostField *field, gboolean expand)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;

  g_signal_connect (factory, "setup", G_CALLBACK (cell_setup), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind), field);
  g_signal_connect (factory, "unbind", G_CALLBACK (cell_unbind), NULL);
  column = gtk_column_view_column_new (field->label != NULL ? field->label : field->name, factory);
  gtk_column_view_column_set_resizable (column, TRUE);
  gtk_column_view_column_set_expand (column, expand);
  gtk_column_view_column_set_sorter (column,
    GTK_SORTER (gtk_custom_sorter_new (probe_compare, (gpointer) field->name, NULL)));
  g_object_unref (gtk_column_view_column_get_sorter (column));
  return column;
}

static void
clear_columns (OutpostWindow *self)
{
  GListModel *columns = gtk_column_view_get_columns (self->column_view);

  while (g_list_model_get_n_items (columns) > 0)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, 0);

      gtk_column_view_remove_column (self->column_view, column);
    }
}

static void
build_columns (OutpostWindow *self, OutpostEntity *entity)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkColumnViewColumn) state = NULL;

  clear_columns (self);
  g_signal_connect (factory, "setup", G_CALLBACK (state_cell_setup), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (state_cell_bind), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (state_cell_unbind), NULL);
  state = gtk_column_view_column_new (NULL, factory);
  gtk_column_view_column_set_fixed_width (state, 28);
  gtk_column_view_append_column (self->column_view, state);
  for (guint i = 0; entity->list_columns != NULL && entity->list_columns[i] != NULL; i++)
    {
      OutpostField *field = outpost_entity_lookup_field (entity, entity->list_columns[i]);
      g_autoptr(GtkColumnViewColumn) column = NULL;

      if (field == NULL)
        continue;
      column = column_new (self, field, i == 0);
      /* the profile's sort columns have an index; sorting by any other column scans every row */
      if (!outpost_entity_is_sortable (entity, field->name))
        gtk_column_view_column_set_sorter (column, NULL);
      gtk_column_view_append_column (self->column_view, column);
      if (i == 0)
        gtk_column_view_sort_by_column (self->column_view, column, GTK_SORT_ASCENDING);
    }
}

/* ---- the list ----------------------------------------------------------------------------- */

static void
update_list_title (OutpostWindow *self)
{
  OutpostEntity *entity = current_entity (self);
  guint n = self->model != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->model)) : 0;
  gboolean loading = self->model != NULL && outpost_record_list_model_get_loading (self->model);
  g_autofree char *subtitle = NULL;

  if (self->model != NULL && outpost_record_list_model_get_capped (self->model))
    subtitle = g_strdup_printf (_("%u+ records"), MAX (n, 1000u));
  else if (self->model != NULL && !outpost_record_list_model_get_exact (self->model) && n > 0)
    subtitle = g_strdup_printf (_("%u+ records"), n);
  else
    subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u record", "%u records", n), n);

  adw_window_title_set_title (self->list_title, entity != NULL ? entity->display_plural : "");
  adw_window_title_set_subtitle (self->list_title, entity != NULL ? subtitle : "");
  gtk_spinner_set_spinning (self->list_spinner, loading);
  gtk_stack_set_visible_child_name (self->list_stack, n == 0 && !loading ? "empty" : "list");
}

/* AdwLeaflet moves the keyboard focus into the pane it makes visible, also when it shows all
 * panes side by side: a click on a list row left the focus in the form's first control (the
 * Delete button, or the name entry with its text selected), where the next keys went. Side by
 * side the focus stays where the user put it; folded, the leaflet's move is what the user needs. */
static void
show_pane_keeping_focus (OutpostWindow *self, const char *name)
{
  g_autoptr(GtkWidget) focus = NULL;

  if (!adw_leaflet_get_folded (self->leaflet) && gtk_root_get_focus (GTK_ROOT (self)) != NULL)
    focus = g_object_ref (gtk_root_get_focus (GTK_ROOT (self)));
  adw_leaflet_set_visible_child_name (self->leaflet, name);
  if (focus != NULL && gtk_widget_get_root (focus) == GTK_ROOT (self)
      && gtk_root_get_focus (GTK_ROOT (self)) != focus)
    gtk_widget_grab_focus (focus);
}

static void
open_selected (OutpostWindow *self)
{
  OutpostRowItem *item = gtk_single_selection_get_selected_item (self->selection);
  OutpostRecord *record = item != NULL ? outpost_row_item_get_record (item) : NULL;

  if (record == NULL)
    return;
  if (g_strcmp0 (outpost_record_form_get_id (self->form), record->id) != 0)
    outpost_record_form_show (self->form, record->entity, record->id);
  show_pane_keeping_focus (self, "form");
}

/* Side by side, the form follows the selection. Folded, the form would cover the list at each
 * arrow key (audit 4 #10): there a record opens only when activated (Enter, a click). */
static void
selection_changed (OutpostWindow *self)
{
  if (!adw_leaflet_get_folded (self->leaflet))
    open_selected (self);
}

static void
row_activated (OutpostWindow *self, guint position)
{
  gtk_single_selection_set_selected (self->selection, position);
  open_selected (self);
}

static OutpostQueryFlags
current_flags (OutpostWindow *self)
{
  OutpostQueryFlags flags = OUTPOST_QUERY_ALL;

  if (gtk_toggle_button_get_active (self->filter_changed))
    flags |= OUTPOST_QUERY_CHANGED_HERE;
  if (gtk_toggle_button_get_active (self->filter_issues))
    flags |= OUTPOST_QUERY_WITH_ISSUES;
  return flags;
}

static void
show_entity (OutpostWindow *self, const char *logical_name)
{
  OutpostEntity *entity = outpost_profile_lookup_entity (profile_of (self), logical_name);

  if (entity == NULL || g_strcmp0 (self->entity, logical_name) == 0)
    return;
  g_free (self->entity);
  self->entity = g_strdup (logical_name);
  /* another entity's record does not stay beside this list (audit 4 #15); unsaved edits do */
  if (self->form != NULL && outpost_record_form_get_entity (self->form) != NULL
      && g_strcmp0 (outpost_record_form_get_entity (self->form), logical_name) != 0
      && !outpost_record_form_get_dirty (self->form))
    outpost_record_form_clear (self->form);
  gtk_column_view_set_model (self->column_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->model);
  build_columns (self, entity);
  self->model = outpost_record_list_model_new (outpost_context_get_client (self->context), logical_name);
  outpost_record_list_model_set_search (self->model, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  outpost_record_list_model_set_flags (self->model, current_flags (self));
  g_signal_connect_object (self->model, "notify::loading", G_CALLBACK (update_list_title), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->model, "notify::n-items", G_CALLBACK (update_list_title), self, G_CONNECT_SWAPPED);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->model)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  g_signal_connect_object (self->selection, "notify::selected", G_CALLBACK (selection_changed), self, G_CONNECT_SWAPPED);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
  update_list_title (self);
}

static void
entity_row_selected (OutpostWindow *self, GtkListBoxRow *row)
{
  if (row == NULL)
    return;
  show_entity (self, g_object_get_data (G_OBJECT (row), "entity"));
}

static void
entity_row_activated (OutpostWindow *self, GtkListBoxRow *row)
{
  adw_leaflet_set_visible_child_name (self->leaflet, "list");
}

static void
search_changed (OutpostWindow *self)
{
  drop_selection (self);
  if (self->model != NULL)
    outpost_record_list_model_set_search (self->model, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

static void
filters_toggled (OutpostWindow *self)
{
  drop_selection (self);
  if (self->model != NULL)
    outpost_record_list_model_set_flags (self->model, current_flags (self));
}

void
outpost_window_refresh_list (OutpostWindow *self)
{
  if (self->model != NULL)
    outpost_record_list_model_refresh (self->model);
  outpost_window_refresh_counts (self);
}

/* ---- the form ----------------------------------------------------------------------------- */

static void
form_saved (OutpostWindow *self, const char *entity, const char *id)
{
  outpost_window_refresh_list (self);
  if (self->scheduler != NULL)
    outpost_scheduler_record_changed (self->scheduler);
}

static void
form_deleted (OutpostWindow *self, const char *entity, const char *id)
{
  outpost_window_toast (self, _("Record deleted"));
  adw_leaflet_set_visible_child_name (self->leaflet, "list");
  outpost_window_refresh_list (self);
  if (self->scheduler != NULL)
    outpost_scheduler_record_changed (self->scheduler);
}

static void
form_open_record (OutpostWindow *self, const char *entity, const char *id)
{
  outpost_record_form_show (self->form, entity, id);
  adw_leaflet_set_visible_child_name (self->leaflet, "form");
}

static void
form_back (OutpostWindow *self)
{
  adw_leaflet_set_visible_child_name (self->leaflet, "list");
}

static void
leaflet_folded_changed (OutpostWindow *self)
{
  gboolean folded = adw_leaflet_get_folded (self->leaflet);

  if (self->form != NULL)
    outpost_record_form_set_show_back (self->form, folded);
  /* folded, a click opens the record although selecting no longer does (selection_changed) */
  gtk_column_view_set_single_click_activate (self->column_view, folded);
}

/* ---- context ------------------------------------------------------------------------------ */

static void
client_busy (OutpostWindow *self)
{
  outpost_window_toast (self, _("Synchronization is writing. Your change will be saved."));
}

static void
detach_context (OutpostWindow *self)
{
  if (self->context == NULL)
    return;
  outpost_window_auto_detach (self);
  outpost_window_sync_detach (self);
  self->conflicts = self->sync_errors = self->unsynced = 0;
  g_clear_pointer (&self->last_sync_error, g_free);
  g_signal_handlers_disconnect_by_data (outpost_context_get_client (self->context), self);
  gtk_column_view_set_model (self->column_view, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->model);
  g_clear_pointer (&self->entity, g_free);
  if (self->form != NULL)
    {
      /* See release_focus_within in outpost-record-form.c: focus never stays in a removed form. */
      gtk_window_set_focus (GTK_WINDOW (self), NULL);
      gtk_box_remove (GTK_BOX (self->form_pane), GTK_WIDGET (self->form));
    }
  self->form = NULL;
  g_clear_object (&self->context);
}

void
outpost_window_set_context (OutpostWindow *self, OutpostContext *context)
{
  g_return_if_fail (OUTPOST_IS_WINDOW (self));
  if (self->context == context)
    return;
  detach_context (self);
  if (context == NULL)
    {
      outpost_window_show_welcome (self, NULL);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTEXT]);
      return;
    }
  self->context = g_object_ref (context);
  adw_window_title_set_title (self->account_title, _("Outpost"));
  adw_window_title_set_subtitle (self->account_title,
                                 outpost_account_get_name (outpost_context_get_account (context)));
  g_signal_connect_swapped (outpost_context_get_client (context), "busy", G_CALLBACK (client_busy), self);
  self->form = OUTPOST_RECORD_FORM (outpost_record_form_new (context));
  gtk_widget_set_vexpand (GTK_WIDGET (self->form), TRUE);
  gtk_box_append (GTK_BOX (self->form_pane), GTK_WIDGET (self->form));
  g_signal_connect_swapped (self->form, "saved", G_CALLBACK (form_saved), self);
  g_signal_connect_swapped (self->form, "deleted", G_CALLBACK (form_deleted), self);
  g_signal_connect_swapped (self->form, "open-record", G_CALLBACK (form_open_record), self);
  g_signal_connect_swapped (self->form, "back", G_CALLBACK (form_back), self);
  g_signal_connect_swapped (self->form, "toast", G_CALLBACK (outpost_window_toast), self);
  leaflet_folded_changed (self);
  build_sidebar (self);
  outpost_window_sync_attach (self);
  outpost_window_auto_attach (self);
  gtk_list_box_select_row (self->entity_list, gtk_list_box_get_row_at_index (self->entity_list, 0));
  outpost_window_refresh_counts (self);
  gtk_stack_set_visible_child_name (self->main_stack, "main");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTEXT]);
}

OutpostContext *
outpost_window_get_context (OutpostWindow *self)
{
  return self->context;
}

void
outpost_window_show_busy (OutpostWindow *self, const char *title, const char *message)
{
  adw_status_page_set_title (self->busy_page, title);
  gtk_label_set_text (self->busy_label, message != NULL ? message : "");
  gtk_spinner_set_spinning (self->busy_spinner, TRUE);
  gtk_stack_set_visible_child_name (self->main_stack, "busy");
}

void
outpost_window_show_welcome (OutpostWindow *self, const char *error)
{
  gtk_spinner_set_spinning (self->busy_spinner, FALSE);
  outpost_welcome_page_set_error (OUTPOST_WELCOME_PAGE (self->welcome_page), error);
  if (error != NULL)
    outpost_window_toast (self, error);
  gtk_stack_set_visible_child_name (self->main_stack, "welcome");
}

void
outpost_window_show_open_error (OutpostWindow *self, const char *title, const char *message)
{
  gtk_spinner_set_spinning (self->busy_spinner, FALSE);
  adw_status_page_set_title (self->open_error_page,
                             title != NULL ? title : _("This Account’s Data Cannot Be Opened"));
  gtk_label_set_text (self->open_error_label, message != NULL ? message : "");
  gtk_stack_set_visible_child_name (self->main_stack, "open-error");
}

static void
open_error_sign_in (OutpostWindow *self)
{
  outpost_window_show_welcome (self, NULL);
  outpost_welcome_page_show_sign_in (OUTPOST_WELCOME_PAGE (self->welcome_page));
}

/* ---- actions ------------------------------------------------------------------------------ */

/* The email compose window (outpost-email-compose.h): its saves and sends change the lists and
 * the related records of the form (the compose tells the scheduler itself). */
static void
email_changed (OutpostWindow *self)
{
  outpost_window_refresh_list (self);
  if (self->form != NULL)
    outpost_record_form_reload (self->form);
}

static void
open_email_compose (OutpostWindow *self, const char *entity, const char *id)
{
  GtkWidget *compose = outpost_email_compose_new (self->context, entity, id);

  gtk_window_set_transient_for (GTK_WINDOW (compose), GTK_WINDOW (self));
  g_signal_connect_object (compose, "saved", G_CALLBACK (email_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (compose, "sent", G_CALLBACK (email_changed), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (compose));
}

/* win.new-email ("entity", "id"): an email to / regarding that record, a draft ("email", id),
 * or an empty one ("", ""). */
static void
new_email_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OutpostWindow *self = OUTPOST_WINDOW (widget);
  const char *entity, *id;

  if (self->context == NULL)
    return;
  g_variant_get (parameter, "(&s&s)", &entity, &id);
  open_email_compose (self, entity, id);
}

static void
new_record_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OutpostWindow *self = OUTPOST_WINDOW (widget);

  if (self->form == NULL || self->entity == NULL)
    return;
  if (g_str_equal (self->entity, "email"))
    {
      open_email_compose (self, NULL, NULL);
      return;
    }
  outpost_record_form_new_record (self->form, self->entity, NULL);
  adw_leaflet_set_visible_child_name (self->leaflet, "form");
}

static void
search_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OutpostWindow *self = OUTPOST_WINDOW (widget);

  if (self->context == NULL)
    return;
  adw_leaflet_set_visible_child_name (self->leaflet, "list");
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* A hidden search bar never filters: the list would show fewer records for text nobody sees
 * (audit 4 #4: Escape, then typing into the hidden entry). Hiding it clears the search. */
static void
search_mode_changed (OutpostWindow *self)
{
  if (gtk_search_bar_get_search_mode (self->search_bar))
    return;
  if (*gtk_editable_get_text (GTK_EDITABLE (self->search_entry)) != '\0')
    {
      gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
      search_changed (self);
    }
}

static void
save_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OutpostWindow *self = OUTPOST_WINDOW (widget);

  if (self->form != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self->form), "form.save", NULL);
}

static void
go_sidebar_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  adw_leaflet_set_visible_child_name (OUTPOST_WINDOW (widget)->leaflet, "sidebar");
}

/* ---- GObject ------------------------------------------------------------------------------ */

static void
outpost_window_dispose (GObject *object)
{
  OutpostWindow *self = OUTPOST_WINDOW (object);

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  g_clear_weak_pointer (&self->result_toast);
  detach_context (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), OUTPOST_TYPE_WINDOW);
  G_OBJECT_CLASS (outpost_window_parent_class)->dispose (object);
}

static void
outpost_window_finalize (GObject *object)
{
  OutpostWindow *self = OUTPOST_WINDOW (object);

  g_hash_table_unref (self->sidebar_rows);
  g_free (self->last_sync_error);
  G_OBJECT_CLASS (outpost_window_parent_class)->finalize (object);
}

static void
outpost_window_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_CONTEXT:
      outpost_window_set_context (OUTPOST_WINDOW (object), g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
outpost_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_CONTEXT:
      g_value_set_object (value, OUTPOST_WINDOW (object)->context);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bind_children (GtkWidgetClass *widget_class)
{
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, OutpostWindow, name)
  BIND (toast_overlay); BIND (main_stack); BIND (welcome_page); BIND (busy_page);
  BIND (busy_spinner); BIND (busy_label); BIND (open_error_page); BIND (open_error_label); BIND (leaflet); BIND (account_title);
  BIND (entity_list); BIND (sync_state_button); BIND (sync_state_icon); BIND (sync_state_label);
  BIND (auto_status_label); BIND (work_offline_button);
  BIND (list_title); BIND (sync_button); BIND (search_button); BIND (progress_revealer);
  BIND (progress_label); BIND (progress_bar); BIND (search_bar); BIND (search_entry);
  BIND (filter_changed); BIND (filter_issues); BIND (list_spinner); BIND (list_stack);
  BIND (empty_page); BIND (column_view); BIND (form_pane);
#undef BIND
}

static void
install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.new-record", NULL, new_record_action);
  gtk_widget_class_install_action (widget_class, "win.new-email", "(ss)", new_email_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "win.go-sidebar", NULL, go_sidebar_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.new-record", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "win.save", NULL);
}

void outpost_window_class_init_sync (GtkWidgetClass *widget_class);

static void
outpost_window_class_init (OutpostWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = outpost_window_dispose;
  object_class->finalize = outpost_window_finalize;
  object_class->set_property = outpost_window_set_property;
  object_class->get_property = outpost_window_get_property;
  properties[PROP_CONTEXT] =
    g_param_spec_object ("context", NULL, NULL, OUTPOST_TYPE_CONTEXT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (OUTPOST_TYPE_WELCOME_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/outpostcrm/Outpost/outpost-window.ui");
  bind_children (widget_class);
  install_actions (widget_class);
  gtk_widget_class_bind_template_callback (widget_class, open_error_sign_in);
  outpost_window_class_init_sync (widget_class);
}

static void
outpost_window_init (OutpostWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_object_set_data (G_OBJECT (self), "welcome-page", self->welcome_page);
  self->sidebar_rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_search_entry_set_search_delay (self->search_entry, 150);
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (search_changed), self);
  g_object_bind_property (self->search_button, "active", self->search_bar, "search-mode-enabled",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect_swapped (self->search_bar, "notify::search-mode-enabled", G_CALLBACK (search_mode_changed), self);
  g_signal_connect_swapped (self->filter_changed, "toggled", G_CALLBACK (filters_toggled), self);
  g_signal_connect_swapped (self->filter_issues, "toggled", G_CALLBACK (filters_toggled), self);
  g_signal_connect_swapped (self->entity_list, "row-selected", G_CALLBACK (entity_row_selected), self);
  g_signal_connect_swapped (self->entity_list, "row-activated", G_CALLBACK (entity_row_activated), self);
  g_signal_connect_swapped (self->column_view, "activate", G_CALLBACK (row_activated), self);
  g_signal_connect_swapped (self->leaflet, "notify::folded", G_CALLBACK (leaflet_folded_changed), self);
  g_signal_connect (gtk_column_view_get_sorter (self->column_view), "changed",
                    G_CALLBACK (sort_changed), self);
  gtk_stack_set_visible_child_name (self->main_stack, "welcome");
}

OutpostWindow *
outpost_window_new (OutpostApplication *application, OutpostContext *context)
{
  return g_object_new (OUTPOST_TYPE_WINDOW, "application", application, "context", context, NULL);
}
