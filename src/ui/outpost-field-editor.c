/* outpost-field-editor.c: one generated form field. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "outpost-attachment-view.h"
#include "outpost-field-editor.h"
#include "outpost-field-link.h"
#include "outpost-store-jobs.h"
#include "outpost-sync-upload-email.h"
#include "outpost-ui-format.h"

struct _OutpostFieldEditor
{
  GtkBox              parent_instance;
  OutpostField       *field;
  OutpostStoreClient *client;
  GtkWidget          *caption;
  GtkWidget          *input;        /* the widget that has the value */
  GtkWidget          *error_label;
  GtkWidget          *link_button;  /* web site, e-mail and phone fields (outpost-field-link.h) */
  gboolean            loading;      /* set while a record is loaded: no "changed" */

  GDateTime          *date;         /* date-time fields */
  GtkWidget          *calendar, *hour, *minute;
  GPtrArray          *checks;       /* multi-select: GtkCheckButton* in option order */
  char               *lookup_id;    /* lookups */
  char               *lookup_target;
  GtkWidget          *lookup_results;
  GtkWidget          *lookup_search_entry;
  GtkWidget          *popover;
  gboolean            lookup_refocus;  /* give the focus back to the field when the popover closes */
  GCancellable       *search_cancellable;
};

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OutpostFieldEditor, outpost_field_editor, GTK_TYPE_BOX)

static void
emit_changed (OutpostFieldEditor *self)
{
  if (!self->loading)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static const char *
field_label (OutpostField *field)
{
  return field->label != NULL ? field->label : field->name;
}

static gboolean
is_editable_type (OutpostField *field)
{
  return !field->read_only && field->type != OUTPOST_FIELD_UNIQUEIDENTIFIER
         && field->type != OUTPOST_FIELD_STATE && field->type != OUTPOST_FIELD_STATUS
         && field->format != OUTPOST_FIELD_FORMAT_ATTACHMENT    /* shown, opened, saved; not typed */
         && field->format != OUTPOST_FIELD_FORMAT_HTML;         /* written in the email compose window */
}

gboolean
outpost_field_editor_is_editable (OutpostFieldEditor *self)
{
  return is_editable_type (self->field);
}

static void
label_input (OutpostFieldEditor *self, GtkWidget *widget)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  field_label (self->field), -1);
}

/* A button's text (a lookup's name, chosen options) is ellipsized: a long value must not make
 * the form, and with it the window's three panes, wider (the window would fold). GtkMenuButton
 * makes a new label for each text. */
static void
ellipsize_labels (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child))
        gtk_label_set_ellipsize (GTK_LABEL (child), PANGO_ELLIPSIZE_END);
      else
        ellipsize_labels (child);
    }
}

/* An icon button is announced by its icon ("GtkImage") unless it has a name. */
static void
name_clear_button (OutpostFieldEditor *self, GtkWidget *button)
{
  /* TRANSLATORS: a button that empties the field named %s, e.g. "Clear Owner" */
  g_autofree char *name = g_strdup_printf (_("Clear %s"), field_label (self->field));

  gtk_widget_set_tooltip_text (button, name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
}

/* ---- text and numbers ------------------------------------------------------------------- */

static GtkWidget *
make_entry (OutpostFieldEditor *self)
{
  GtkWidget *entry = gtk_entry_new ();

  /* No gtk_entry_set_max_length: it cuts pasted text silently. A text over the field's length
   * stays as typed and the form's check says how long it may be. */
  switch (self->field->type)
    {
    case OUTPOST_FIELD_INTEGER:
    case OUTPOST_FIELD_BIGINT:
      gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_DIGITS);
      break;
    case OUTPOST_FIELD_DECIMAL:
    case OUTPOST_FIELD_DOUBLE:
    case OUTPOST_FIELD_MONEY:
      gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_NUMBER);
      break;
    default:
      break;
    }
  g_signal_connect_swapped (entry, "changed", G_CALLBACK (emit_changed), self);
  return entry;
}

static GtkWidget *
make_memo (OutpostFieldEditor *self)
{
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *view = gtk_text_view_new ();

  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_accepts_tab (GTK_TEXT_VIEW (view), FALSE);
  gtk_widget_add_css_class (view, "card");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), view);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller), 80);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 200);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  g_signal_connect_swapped (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), "changed",
                            G_CALLBACK (emit_changed), self);
  self->input = view;
  return scroller;
}

static char *
memo_text (OutpostFieldEditor *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->input));
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* ---- option sets ------------------------------------------------------------------------ */

static guint
n_options (OutpostField *field)
{
  return field->options != NULL ? field->options->len : 0;
}

static void
option_setup (GtkSignalListItemFactory *factory, GtkListItem *item)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

static void
option_bind (GtkSignalListItemFactory *factory, GtkListItem *item)
{
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)),
                      gtk_string_object_get_string (gtk_list_item_get_item (item)));
}

/* The chosen option's label ellipsizes (see ellipsize_labels); the list shows them whole. */
static GtkListItemFactory *
option_factory (void)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (option_setup), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (option_bind), NULL);
  return factory;
}

static GtkWidget *
make_dropdown (OutpostFieldEditor *self)
{
  g_autoptr(GtkListItemFactory) factory = option_factory ();
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);
  GtkWidget *dropdown;

  gtk_string_list_append (list, _("(None)"));
  for (guint i = 0; i < n_options (self->field); i++)
    gtk_string_list_append (list, g_array_index (self->field->options, OutpostOption, i).label);
  dropdown = gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&list)), NULL);
  gtk_drop_down_set_factory (GTK_DROP_DOWN (dropdown), factory);
  gtk_widget_set_halign (dropdown, GTK_ALIGN_START);
  g_signal_connect_swapped (dropdown, "notify::selected", G_CALLBACK (emit_changed), self);
  return dropdown;
}

static void
update_multi_label (OutpostFieldEditor *self)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < self->checks->len; i++)
    if (gtk_check_button_get_active (g_ptr_array_index (self->checks, i)))
      {
        if (text->len > 0)
          g_string_append (text, ", ");
        g_string_append (text, g_array_index (self->field->options, OutpostOption, i).label);
      }
  gtk_menu_button_set_label (GTK_MENU_BUTTON (self->input), text->len > 0 ? text->str : _("None"));
  ellipsize_labels (self->input);
  g_string_free (text, TRUE);
}

static void
multi_toggled (OutpostFieldEditor *self)
{
  update_multi_label (self);
  emit_changed (self);
}

static GtkWidget *
make_multi (OutpostFieldEditor *self)
{
  GtkWidget *button = gtk_menu_button_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *popover = gtk_popover_new ();

  self->checks = g_ptr_array_new ();
  for (guint i = 0; i < n_options (self->field); i++)
    {
      GtkWidget *check = gtk_check_button_new_with_label (
        g_array_index (self->field->options, OutpostOption, i).label);

      g_signal_connect_swapped (check, "toggled", G_CALLBACK (multi_toggled), self);
      g_ptr_array_add (self->checks, check);
      gtk_box_append (GTK_BOX (box), check);
    }
  gtk_popover_set_child (GTK_POPOVER (popover), box);
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (button), popover);
  gtk_widget_set_halign (button, GTK_ALIGN_START);
  self->input = button;
  update_multi_label (self);
  return button;
}

/* ---- dates ------------------------------------------------------------------------------ */

static gboolean
is_date_only (OutpostField *field)
{
  return field->datetime_behavior == OUTPOST_DATETIME_DATE_ONLY;
}

static void
update_date_label (OutpostFieldEditor *self)
{
  g_autofree char *text = NULL;

  if (self->date == NULL)
    text = g_strdup (_("No date"));
  else
    text = g_date_time_format (self->date, is_date_only (self->field) ? "%x" : "%x %H:%M");
  gtk_menu_button_set_label (GTK_MENU_BUTTON (self->input), text);
}

static void
set_date (OutpostFieldEditor *self, GDateTime *date)
{
  g_clear_pointer (&self->date, g_date_time_unref);
  self->date = date != NULL ? g_date_time_ref (date) : NULL;
  update_date_label (self);
}

static void
date_picked (OutpostFieldEditor *self)
{
  g_autoptr(GDateTime) day = gtk_calendar_get_date (GTK_CALENDAR (self->calendar));
  g_autoptr(GDateTime) date = NULL;
  gint h = self->hour != NULL ? gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->hour)) : 0;
  gint m = self->minute != NULL ? gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->minute)) : 0;
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();

  if (self->loading)
    return;
  date = g_date_time_new (tz, g_date_time_get_year (day), g_date_time_get_month (day),
                          g_date_time_get_day_of_month (day), h, m, 0);
  set_date (self, date);
  emit_changed (self);
}

static void
date_cleared (OutpostFieldEditor *self)
{
  set_date (self, NULL);
  emit_changed (self);
}

static GtkWidget *
make_spin (OutpostFieldEditor *self, gint max, const char *accessible)
{
  GtkWidget *spin = gtk_spin_button_new_with_range (0, max, 1);

  gtk_spin_button_set_wrap (GTK_SPIN_BUTTON (spin), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  g_signal_connect_swapped (spin, "value-changed", G_CALLBACK (date_picked), self);
  return spin;
}

static GtkWidget *
make_date (OutpostFieldEditor *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *popbox = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *clear = gtk_button_new_from_icon_name ("edit-clear-symbolic");

  self->input = gtk_menu_button_new ();
  self->calendar = gtk_calendar_new ();
  g_signal_connect_swapped (self->calendar, "day-selected", G_CALLBACK (date_picked), self);
  gtk_box_append (GTK_BOX (popbox), self->calendar);
  if (!is_date_only (self->field))
    {
      GtkWidget *time = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

      self->hour = make_spin (self, 23, _("Hour"));
      self->minute = make_spin (self, 59, _("Minute"));
      gtk_box_append (GTK_BOX (time), self->hour);
      gtk_box_append (GTK_BOX (time), gtk_label_new (":"));
      gtk_box_append (GTK_BOX (time), self->minute);
      gtk_widget_set_halign (time, GTK_ALIGN_CENTER);
      gtk_box_append (GTK_BOX (popbox), time);
    }
  gtk_popover_set_child (GTK_POPOVER (popover), popbox);
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (self->input), popover);
  name_clear_button (self, clear);
  g_signal_connect_swapped (clear, "clicked", G_CALLBACK (date_cleared), self);
  gtk_box_append (GTK_BOX (box), self->input);
  gtk_box_append (GTK_BOX (box), clear);
  gtk_widget_add_css_class (box, "linked");
  gtk_widget_set_halign (box, GTK_ALIGN_START);
  update_date_label (self);
  return box;
}

static char *
date_to_iso (OutpostFieldEditor *self)
{
  g_autoptr(GDateTime) utc = NULL;

  if (is_date_only (self->field))
    return g_date_time_format (self->date, "%Y-%m-%d");
  utc = g_date_time_to_utc (self->date);
  return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
}

/* ---- lookups ---------------------------------------------------------------------------- */

static void
set_lookup (OutpostFieldEditor *self, const char *id, const char *target, const char *name)
{
  g_free (self->lookup_id);
  self->lookup_id = g_strdup (id);
  g_free (self->lookup_target);
  self->lookup_target = g_strdup (target);
  gtk_widget_set_tooltip_text (self->input, NULL);   /* the GUID of a record not here (find_lookup_name) */
  gtk_menu_button_set_label (GTK_MENU_BUTTON (self->input),
                             id == NULL ? _("None") : (name != NULL && *name != '\0' ? name : id));
  ellipsize_labels (self->input);
}

/* Closing from the keyboard (a pick, Escape) gives the focus back to the field once the popover
 * is gone (a grab while it is still shown is undone by its hiding). */
static void
lookup_close (OutpostFieldEditor *self)
{
  self->lookup_refocus = TRUE;
  gtk_popover_popdown (GTK_POPOVER (self->popover));
}

static gboolean
lookup_refocus (gpointer data)
{
  g_autoptr(OutpostFieldEditor) self = data;

  if (gtk_widget_get_root (self->input) != NULL)
    gtk_widget_grab_focus (self->input);
  return G_SOURCE_REMOVE;
}

static void
lookup_closed (OutpostFieldEditor *self)
{
  /* after the popover's own hiding has run */
  if (self->lookup_refocus)
    g_idle_add (lookup_refocus, g_object_ref (self));
  self->lookup_refocus = FALSE;
}

static void
lookup_row_activated (OutpostFieldEditor *self, GtkListBoxRow *row)
{
  set_lookup (self, g_object_get_data (G_OBJECT (row), "id"),
              g_object_get_data (G_OBJECT (row), "entity"),
              g_object_get_data (G_OBJECT (row), "name"));
  lookup_close (self);
  emit_changed (self);
}

/* Enter in the search takes the selected result, else the first (as the N:N picker does). */
static void
lookup_search_activated (OutpostFieldEditor *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (GTK_LIST_BOX (self->lookup_results));

  if (row == NULL)
    row = gtk_list_box_get_row_at_index (GTK_LIST_BOX (self->lookup_results), 0);
  if (row != NULL)
    lookup_row_activated (self, row);
}


/* Down in the search goes into the results; Escape anywhere in the popover closes it (the
 * search entry would only clear its text). */
static gboolean
lookup_key_pressed (OutpostFieldEditor *self, guint keyval, guint keycode, GdkModifierType state,
                    GtkEventControllerKey *controller)
{
  GtkWidget *widget = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));
  GtkListBoxRow *first = gtk_list_box_get_row_at_index (GTK_LIST_BOX (self->lookup_results), 0);

  if (keyval == GDK_KEY_Escape)
    {
      lookup_close (self);
      return TRUE;
    }
  if ((keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down) && widget == self->lookup_search_entry
      && first != NULL)
    {
      /* through the list's own focus handling: it sets its cursor row (Enter activates that) */
      gtk_widget_child_focus (self->lookup_results, GTK_DIR_TAB_FORWARD);
      gtk_list_box_select_row (GTK_LIST_BOX (self->lookup_results), first);
      return TRUE;
    }
  if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter || keyval == GDK_KEY_ISO_Enter)
      && widget == self->lookup_results)
    {
      lookup_search_activated (self);   /* the selected row (the cursor moves the selection) */
      return TRUE;
    }
  return FALSE;
}

static void
add_lookup_keys (OutpostFieldEditor *self, GtkWidget *widget)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_swapped (keys, "key-pressed", G_CALLBACK (lookup_key_pressed), self);
  gtk_widget_add_controller (widget, keys);
}

static void
add_lookup_result (OutpostFieldEditor *self, OutpostRecord *record, OutpostEntity *entity)
{
  g_autofree char *title = outpost_record_title (record, entity);
  g_autofree char *text = g_strdup_printf ("%s — %s", title, entity->display_name);
  GtkWidget *label = gtk_label_new (NULL);
  GtkWidget *row = gtk_list_box_row_new ();

  gtk_label_set_text (GTK_LABEL (label), self->field->targets[1] != NULL ? text : title);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  gtk_label_get_text (GTK_LABEL (label)), -1);
  g_object_set_data_full (G_OBJECT (row), "id", g_strdup (record->id), g_free);
  g_object_set_data_full (G_OBJECT (row), "entity", g_strdup (record->entity), g_free);
  g_object_set_data_full (G_OBJECT (row), "name", g_strdup (title), g_free);
  gtk_list_box_append (GTK_LIST_BOX (self->lookup_results), row);
}

static void
lookup_results_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OutpostFieldEditor *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = outpost_jobs_finish (result, &error);
  OutpostProfile *profile;

  if (rows == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Lookup search failed: %s", error->message);
      return;
    }
  profile = outpost_store_client_get_profile (self->client);
  for (guint i = 0; i < rows->len; i++)
    {
      OutpostRecord *record = g_ptr_array_index (rows, i);

      add_lookup_result (self, record, outpost_profile_lookup_entity (profile, record->entity));
    }
}

static void
lookup_search (OutpostFieldEditor *self, GtkEditable *entry)
{
  OutpostProfile *profile = outpost_store_client_get_profile (self->client);
  GtkWidget *child;

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  self->search_cancellable = g_cancellable_new ();
  while ((child = gtk_widget_get_first_child (self->lookup_results)) != NULL)
    gtk_list_box_remove (GTK_LIST_BOX (self->lookup_results), child);
  for (guint i = 0; self->field->targets != NULL && self->field->targets[i] != NULL; i++)
    {
      if (outpost_profile_lookup_entity (profile, self->field->targets[i]) == NULL)
        continue;   /* a target the profile does not keep offline */
      /* The popover lives as long as the editor; the cancellable stops late results. */
      outpost_jobs_query (self->client, self->field->targets[i], NULL, NULL,
                          gtk_editable_get_text (entry), 20, self->search_cancellable,
                          lookup_results_ready, self);
    }
}

static void
lookup_popover_shown (OutpostFieldEditor *self)
{
  lookup_search (self, GTK_EDITABLE (self->lookup_search_entry));
}

static void
lookup_cleared (OutpostFieldEditor *self)
{
  set_lookup (self, NULL, NULL, NULL);
  emit_changed (self);
}

static GtkWidget *
make_lookup (OutpostFieldEditor *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *popbox = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *search = gtk_search_entry_new ();
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *clear = gtk_button_new_from_icon_name ("edit-clear-symbolic");
  g_autofree char *search_label = g_strdup_printf (_("Search %s"), field_label (self->field));

  self->input = gtk_menu_button_new ();
  self->popover = gtk_popover_new ();
  self->lookup_results = gtk_list_box_new ();
  gtk_accessible_update_property (GTK_ACCESSIBLE (search), GTK_ACCESSIBLE_PROPERTY_LABEL, search_label, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->lookup_results), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Search Results"), -1);
  g_signal_connect_swapped (search, "search-changed", G_CALLBACK (lookup_search), self);
  g_signal_connect_swapped (search, "activate", G_CALLBACK (lookup_search_activated), self);
  g_signal_connect_swapped (self->lookup_results, "row-activated", G_CALLBACK (lookup_row_activated), self);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), self->lookup_results);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller), 200);
  gtk_scrolled_window_set_min_content_width (GTK_SCROLLED_WINDOW (scroller), 280);
  gtk_box_append (GTK_BOX (popbox), search);
  gtk_box_append (GTK_BOX (popbox), scroller);
  gtk_popover_set_child (GTK_POPOVER (self->popover), popbox);
  gtk_popover_set_default_widget (GTK_POPOVER (self->popover), search);
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (self->input), self->popover);
  self->lookup_search_entry = search;
  add_lookup_keys (self, search);
  add_lookup_keys (self, self->lookup_results);
  add_lookup_keys (self, self->popover);
  g_signal_connect_swapped (self->popover, "show", G_CALLBACK (lookup_popover_shown), self);
  g_signal_connect_swapped (self->popover, "closed", G_CALLBACK (lookup_closed), self);
  name_clear_button (self, clear);
  g_signal_connect_swapped (clear, "clicked", G_CALLBACK (lookup_cleared), self);
  gtk_box_append (GTK_BOX (box), self->input);
  gtk_box_append (GTK_BOX (box), clear);
  gtk_widget_add_css_class (box, "linked");
  gtk_widget_set_halign (box, GTK_ALIGN_START);
  set_lookup (self, NULL, NULL, NULL);
  return box;
}

/* ---- loading values ---------------------------------------------------------------------- */

static gint
option_index (OutpostField *field, gint64 value)
{
  for (guint i = 0; i < n_options (field); i++)
    if (g_array_index (field->options, OutpostOption, i).value == value)
      return (gint) i;
  return -1;
}

static void
load_multi (OutpostFieldEditor *self, const char *csv)
{
  g_auto(GStrv) parts = g_strsplit (csv != NULL ? csv : "", ",", -1);

  for (guint i = 0; i < self->checks->len; i++)
    gtk_check_button_set_active (g_ptr_array_index (self->checks, i), FALSE);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      gint index = *parts[i] ? option_index (self->field, g_ascii_strtoll (parts[i], NULL, 10)) : -1;

      if (index >= 0)
        gtk_check_button_set_active (g_ptr_array_index (self->checks, index), TRUE);
    }
  update_multi_label (self);
}

static void
load_date (OutpostFieldEditor *self, const char *iso)
{
  g_autoptr(GDateTime) date = outpost_parse_iso_datetime (iso);

  set_date (self, date);
  if (date != NULL)
    {
      gtk_calendar_select_day (GTK_CALENDAR (self->calendar), date);
      if (self->hour != NULL)
        {
          gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->hour), g_date_time_get_hour (date));
          gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->minute), g_date_time_get_minute (date));
        }
    }
}

static void
set_lookup_text (OutpostFieldEditor *self, const char *text)
{
  if (GTK_IS_LABEL (self->input))   /* a read-only lookup */
    {
      gtk_label_set_text (GTK_LABEL (self->input), text);
      return;
    }
  gtk_menu_button_set_label (GTK_MENU_BUTTON (self->input), text);
  ellipsize_labels (self->input);
}

static void
lookup_name_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OutpostFieldEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostRecord) record = outpost_jobs_finish (result, &error);
  OutpostEntity *entity;
  g_autofree char *title = NULL;

  if (record == NULL || g_strcmp0 (record->id, self->lookup_id) != 0)
    return;   /* not here (the "not on this computer" text stays) or another value by now */
  entity = outpost_profile_lookup_entity (outpost_store_client_get_profile (self->client), record->entity);
  title = entity != NULL ? outpost_record_title (record, entity) : NULL;
  if (title != NULL && *title != '\0')
    set_lookup_text (self, title);
}

/* A lookup stored without its name (e.g. the owner, a user): the name of the record when this
 * computer has it, else say it is not here rather than show a GUID. */
static void
find_lookup_name (OutpostFieldEditor *self)
{
  OutpostProfile *profile = outpost_store_client_get_profile (self->client);

  set_lookup_text (self, _("(not on this computer)"));
  gtk_widget_set_tooltip_text (self->input, self->lookup_id);
  for (guint i = 0; self->field->targets != NULL && self->field->targets[i] != NULL; i++)
    {
      const char *target = self->field->targets[i];

      if (self->lookup_target != NULL && g_strcmp0 (self->lookup_target, target) != 0)
        continue;
      if (outpost_profile_lookup_entity (profile, target) == NULL)
        continue;   /* an entity not kept offline */
      outpost_jobs_get_record (self->client, target, self->lookup_id, NULL, lookup_name_ready,
                               g_object_ref (self));
    }
}

static void
load_lookup (OutpostFieldEditor *self, OutpostRecord *record)
{
  g_autofree char *target_key = g_strconcat (self->field->name, "@target", NULL);
  g_autofree char *display_key = g_strconcat (self->field->name, "@display", NULL);
  const char *id = record != NULL ? outpost_record_get_string (record, self->field->name) : NULL;

  if (id == NULL)
    {
      set_lookup (self, NULL, NULL, NULL);
      return;
    }
  set_lookup (self, id,
              json_object_get_string_member_with_default (record->values, target_key, NULL),
              json_object_get_string_member_with_default (record->values, display_key, NULL));
  if (json_object_get_string_member_with_default (record->values, display_key, NULL) == NULL)
    find_lookup_name (self);
}

static void
load_value (OutpostFieldEditor *self, OutpostRecord *record)
{
  OutpostField *field = self->field;
  g_autofree char *text = record != NULL ? outpost_format_record_field (record, field) : g_strdup ("");
  const char *raw = record != NULL ? outpost_record_get_string (record, field->name) : NULL;

  if (field->format == OUTPOST_FIELD_FORMAT_ATTACHMENT)
    {
      outpost_attachment_view_load (OUTPOST_ATTACHMENT_VIEW (self->input), record);
      return;
    }
  if (self->link_button != NULL)
    outpost_field_link_update (self->link_button, raw);
  if (field->format == OUTPOST_FIELD_FORMAT_HTML)
    {
      /* HTML from the server (or the compose window) is read as text: tags dropped, entities
       * decoded, never rendered */
      g_autofree char *plain = outpost_email_html_to_text (raw);
      gtk_label_set_text (GTK_LABEL (self->input), plain != NULL && *plain ? plain : "—");
      return;
    }
  if (!is_editable_type (field))
    {
      gtk_label_set_text (GTK_LABEL (self->input), *text ? text : "—");
      if (field->type == OUTPOST_FIELD_LOOKUP && raw != NULL && g_strcmp0 (text, raw) == 0)
        {
          /* shown as its GUID: the name, or that it is not here */
          g_free (self->lookup_id);
          self->lookup_id = g_strdup (raw);
          find_lookup_name (self);
        }
      return;
    }
  switch (field->type)
    {
    case OUTPOST_FIELD_MEMO:
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->input)), text, -1);
      break;
    case OUTPOST_FIELD_BOOLEAN:
      gtk_switch_set_active (GTK_SWITCH (self->input),
                             record != NULL && outpost_record_get_boolean (record, field->name));
      break;
    case OUTPOST_FIELD_DATETIME:
      load_date (self, raw);
      break;
    case OUTPOST_FIELD_PICKLIST:
      gtk_drop_down_set_selected (GTK_DROP_DOWN (self->input),
                                  record == NULL || outpost_record_is_null (record, field->name) ? 0
                                  : (guint) (option_index (field, outpost_record_get_int (record, field->name)) + 1));
      break;
    case OUTPOST_FIELD_MULTI_PICKLIST:
      load_multi (self, raw);
      break;
    case OUTPOST_FIELD_LOOKUP:
      load_lookup (self, record);
      break;
    default:
      /* the same text again (a reload after a save) keeps the user's cursor where it is */
      if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->input)), text) != 0)
        gtk_editable_set_text (GTK_EDITABLE (self->input), text);
    }
}

void
outpost_field_editor_load (OutpostFieldEditor *self, OutpostRecord *record)
{
  g_return_if_fail (OUTPOST_IS_FIELD_EDITOR (self));
  self->loading = TRUE;
  load_value (self, record);
  outpost_field_editor_set_error (self, NULL);
  self->loading = FALSE;
}

void
outpost_field_editor_show_text (OutpostFieldEditor *self, const char *text)
{
  g_return_if_fail (OUTPOST_IS_FIELD_EDITOR (self));
  g_return_if_fail (!is_editable_type (self->field) && GTK_IS_LABEL (self->input));
  gtk_label_set_text (GTK_LABEL (self->input), text != NULL && *text ? text : "—");
}

/* ---- reading values ---------------------------------------------------------------------- */

static JsonNode *
string_node (const char *text)
{
  JsonNode *node;

  if (text == NULL || *text == '\0')
    return json_node_new (JSON_NODE_NULL);
  node = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (node, text);
  return node;
}

static JsonNode *
multi_value (OutpostFieldEditor *self)
{
  GString *csv = g_string_new (NULL);
  JsonNode *node;

  for (guint i = 0; i < self->checks->len; i++)
    if (gtk_check_button_get_active (g_ptr_array_index (self->checks, i)))
      g_string_append_printf (csv, "%s%d", csv->len > 0 ? "," : "",
                              g_array_index (self->field->options, OutpostOption, i).value);
  node = string_node (csv->str);
  g_string_free (csv, TRUE);
  return node;
}

static JsonNode *
picklist_value (OutpostFieldEditor *self)
{
  guint selected = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->input));
  JsonNode *node;

  if (selected == 0 || selected == GTK_INVALID_LIST_POSITION)
    return json_node_new (JSON_NODE_NULL);
  node = json_node_new (JSON_NODE_VALUE);
  json_node_set_int (node, g_array_index (self->field->options, OutpostOption, selected - 1).value);
  return node;
}

JsonNode *
outpost_field_editor_get_value (OutpostFieldEditor *self, char **message)
{
  OutpostField *field = self->field;
  JsonNode *node = NULL;

  switch (field->type)
    {
    case OUTPOST_FIELD_MEMO:
      {
        g_autofree char *text = memo_text (self);
        return string_node (text);
      }
    case OUTPOST_FIELD_BOOLEAN:
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_boolean (node, gtk_switch_get_active (GTK_SWITCH (self->input)));
      return node;
    case OUTPOST_FIELD_DATETIME:
      {
        g_autofree char *iso = self->date != NULL ? date_to_iso (self) : NULL;
        return string_node (iso);
      }
    case OUTPOST_FIELD_PICKLIST:
      return picklist_value (self);
    case OUTPOST_FIELD_MULTI_PICKLIST:
      return multi_value (self);
    case OUTPOST_FIELD_LOOKUP:
      return string_node (self->lookup_id);
    case OUTPOST_FIELD_INTEGER:
    case OUTPOST_FIELD_BIGINT:
    case OUTPOST_FIELD_DECIMAL:
    case OUTPOST_FIELD_DOUBLE:
    case OUTPOST_FIELD_MONEY:
      if (!outpost_parse_number (field, gtk_editable_get_text (GTK_EDITABLE (self->input)), &node))
        {
          *message = g_strdup_printf (_("%s: enter a number"), field_label (field));
          return NULL;
        }
      return node;
    default:
      return string_node (gtk_editable_get_text (GTK_EDITABLE (self->input)));
    }
}

const char *
outpost_field_editor_get_target (OutpostFieldEditor *self)
{
  return self->field->type == OUTPOST_FIELD_LOOKUP ? self->lookup_target : NULL;
}

void
outpost_field_editor_set_error (OutpostFieldEditor *self, const char *message)
{
  gtk_label_set_text (GTK_LABEL (self->error_label), message != NULL ? message : "");
  gtk_widget_set_visible (self->error_label, message != NULL);
  if (message != NULL)
    gtk_widget_add_css_class (self->input, "error");
  else
    gtk_widget_remove_css_class (self->input, "error");
}

void
outpost_field_editor_focus (OutpostFieldEditor *self)
{
  g_return_if_fail (OUTPOST_IS_FIELD_EDITOR (self));
  gtk_widget_grab_focus (self->input);
}

OutpostField *
outpost_field_editor_get_field (OutpostFieldEditor *self)
{
  return self->field;
}

/* ---- construction ------------------------------------------------------------------------ */

static GtkWidget *
make_read_only (OutpostFieldEditor *self)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_use_markup (GTK_LABEL (label), FALSE);   /* server text is never markup */
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  /* a GUID or a long address has no space to wrap at: break anywhere rather than widen the form */
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  return label;
}

static GtkWidget *
make_attachment (OutpostFieldEditor *self)
{
  g_autofree char *account =
    outpost_attachment_account_for_store_path (outpost_store_client_get_path (self->client));

  return outpost_attachment_view_new (self->field, account);
}

/* ---- links ------------------------------------------------------------------------------- */

static void
link_failed (gpointer user_data, const char *message)
{
  outpost_field_editor_set_error (user_data, message);
}

static void
link_follow_entry (OutpostFieldEditor *self)
{
  outpost_field_link_update (self->link_button, gtk_editable_get_text (GTK_EDITABLE (self->input)));
}

/* The input with its "open" button beside it. */
static GtkWidget *
add_link_button (OutpostFieldEditor *self, GtkWidget *input)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  self->link_button = outpost_field_link_new (self->field, link_failed, self);
  gtk_widget_set_hexpand (input, TRUE);
  if (GTK_IS_EDITABLE (self->input))   /* wide when there is room, never wider than that */
    gtk_editable_set_width_chars (GTK_EDITABLE (self->input), 8);
  gtk_box_append (GTK_BOX (box), input);
  gtk_box_append (GTK_BOX (box), self->link_button);
  if (GTK_IS_EDITABLE (self->input))
    g_signal_connect_swapped (self->input, "changed", G_CALLBACK (link_follow_entry), self);
  return box;
}

static GtkWidget *
make_input (OutpostFieldEditor *self)
{
  GtkWidget *widget;

  if (self->field->format == OUTPOST_FIELD_FORMAT_ATTACHMENT)
    return self->input = make_attachment (self);
  if (!is_editable_type (self->field))
    return self->input = make_read_only (self);
  switch (self->field->type)
    {
    case OUTPOST_FIELD_MEMO:
      return make_memo (self);
    case OUTPOST_FIELD_BOOLEAN:
      widget = self->input = gtk_switch_new ();
      gtk_widget_set_halign (widget, GTK_ALIGN_START);
      g_signal_connect_swapped (widget, "notify::active", G_CALLBACK (emit_changed), self);
      return widget;
    case OUTPOST_FIELD_DATETIME:
      return make_date (self);
    case OUTPOST_FIELD_PICKLIST:
      return self->input = make_dropdown (self);
    case OUTPOST_FIELD_MULTI_PICKLIST:
      return make_multi (self);
    case OUTPOST_FIELD_LOOKUP:
      return make_lookup (self);
    default:
      return self->input = make_entry (self);
    }
}

static void
outpost_field_editor_dispose (GObject *object)
{
  OutpostFieldEditor *self = OUTPOST_FIELD_EDITOR (object);

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  G_OBJECT_CLASS (outpost_field_editor_parent_class)->dispose (object);
}

static void
outpost_field_editor_finalize (GObject *object)
{
  OutpostFieldEditor *self = OUTPOST_FIELD_EDITOR (object);

  g_clear_pointer (&self->date, g_date_time_unref);
  g_clear_pointer (&self->checks, g_ptr_array_unref);
  g_free (self->lookup_id);
  g_free (self->lookup_target);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (outpost_field_editor_parent_class)->finalize (object);
}

static void
outpost_field_editor_class_init (OutpostFieldEditorClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = outpost_field_editor_dispose;
  G_OBJECT_CLASS (klass)->finalize = outpost_field_editor_finalize;
  /* The user changed the value. */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
outpost_field_editor_init (OutpostFieldEditor *self)
{
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 3);
}

GtkWidget *
outpost_field_editor_new (OutpostField *field, OutpostStoreClient *client)
{
  OutpostFieldEditor *self = g_object_new (OUTPOST_TYPE_FIELD_EDITOR, NULL);
  g_autofree char *caption = field->required && is_editable_type (field)
                             ? g_strdup_printf (_("%s *"), field_label (field))
                             : g_strdup (field_label (field));
  GtkWidget *input;

  self->field = field;
  self->client = g_object_ref (client);
  self->caption = gtk_label_new (caption);
  gtk_label_set_xalign (GTK_LABEL (self->caption), 0);
  gtk_widget_add_css_class (self->caption, "caption-heading");
  gtk_widget_add_css_class (self->caption, "dim-label");
  if (field->required && is_editable_type (field))
    gtk_widget_set_tooltip_text (self->caption, _("Required"));
  input = make_input (self);
  if (outpost_field_link_applies (field))
    input = add_link_button (self, input);
  if (is_editable_type (field))   /* a read-only value reads as itself */
    label_input (self, self->input);
  self->error_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->error_label), 0);
  gtk_label_set_wrap (GTK_LABEL (self->error_label), TRUE);
  gtk_widget_add_css_class (self->error_label, "error");
  gtk_widget_add_css_class (self->error_label, "caption");
  gtk_widget_set_visible (self->error_label, FALSE);
  gtk_box_append (GTK_BOX (self), self->caption);
  gtk_box_append (GTK_BOX (self), input);
  gtk_box_append (GTK_BOX (self), self->error_label);
  return GTK_WIDGET (self);
}
