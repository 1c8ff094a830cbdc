/* outpost-record-form.c: the generated record form. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "outpost-field-editor.h"
#include "outpost-record-form.h"
#include "outpost-related-view.h"
#include "outpost-store-jobs.h"
#include "outpost-ui-format.h"

struct _OutpostRecordForm
{
  GtkBox          parent_instance;
  OutpostContext *context;

  AdwWindowTitle *title;
  GtkLabel       *name_heading;
  GtkWidget      *back_button;
  GtkWidget      *save_button;
  GtkWidget      *revert_button;
  GtkWidget      *delete_button;
  GtkWidget      *stack;
  GtkWidget      *state_icon;
  GtkLabel       *state_label;
  GtkLabel       *form_error;
  GtkWidget      *changed_notice; /* the row changed under unsaved edits */
  GtkWidget      *fields_box;
  GtkWidget      *scroller;
  GtkWidget      *related_box;
  GtkWidget      *email_button;
  GtkWidget      *related;     /* OutpostRelatedView, in related_box */

  OutpostEntity  *entity;      /* from the profile */
  char           *id;          /* NULL for a new record */
  OutpostRecord  *record;      /* as loaded (NULL for a new record) */
  GPtrArray      *editors;     /* OutpostFieldEditor* */
  gboolean        dirty;
  gboolean        saving;
  guint           edits;       /* editor changes so far: typing during a save is kept */
  gboolean        reloading;   /* the read in flight is a reload of the record shown */
  guint           validate_source;
  guint           check_serial; /* the latest check of the fields (see start_check) */
  gboolean        checking;     /* Save waits for its check */
  GCancellable   *cancellable; /* reads for the record shown */
};

enum { PROP_0, PROP_CONTEXT, PROP_DIRTY, N_PROPS };
static GParamSpec *properties[N_PROPS];
enum { SIGNAL_SAVED, SIGNAL_DELETED, SIGNAL_OPEN_RECORD, SIGNAL_BACK, SIGNAL_TOAST, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OutpostRecordForm, outpost_record_form, GTK_TYPE_BOX)

/* The forms alive, for outpost_record_form_reload_all (main thread only). */
static GSList *live_forms;

static OutpostStoreClient *
client_of (OutpostRecordForm *self)
{
  return outpost_context_get_client (self->context);
}

static void
set_dirty (OutpostRecordForm *self, gboolean dirty)
{
  if (self->dirty == dirty)
    return;
  self->dirty = dirty;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRTY]);
}

/* Records an email can be written to: they have an address and an email can regard them. */
static gboolean
can_email (OutpostRecordForm *self)
{
  OutpostEntity *email = outpost_profile_lookup_entity (outpost_context_get_profile (self->context), "email");
  OutpostField *regarding = email != NULL ? outpost_entity_lookup_field (email, "regardingobjectid") : NULL;

  return self->entity != NULL && self->record != NULL && regarding != NULL && regarding->targets != NULL
         && g_strv_contains ((const char * const *) regarding->targets, self->entity->logical_name)
         && outpost_entity_lookup_field (self->entity, "emailaddress1") != NULL;
}

/* An email still open (a draft, not sent): it continues in the compose window. */
static gboolean
is_open_email (OutpostRecordForm *self)
{
  JsonNode *state;

  if (self->entity == NULL || self->record == NULL || !g_str_equal (self->entity->logical_name, "email"))
    return FALSE;
  state = json_object_get_member (self->record->values, "statecode");
  return state == NULL || JSON_NODE_HOLDS_NULL (state) || json_node_get_int (state) == 0;
}

static void
update_email_button (OutpostRecordForm *self)
{
  gboolean shown = can_email (self);

  gboolean draft = is_open_email (self);
  const char *text = draft ? _("Open in Email Editor") : _("New Email");

  gtk_widget_set_visible (self->email_button, shown || draft);
  if (!shown && !draft)
    return;
  gtk_widget_set_tooltip_text (self->email_button, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->email_button), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->email_button), "(ss)",
                                    self->entity->logical_name, self->id);
  /* the action name only once there is a target: without one GTK warns (parameter mismatch) */
  if (gtk_actionable_get_action_name (GTK_ACTIONABLE (self->email_button)) == NULL)
    gtk_actionable_set_action_name (GTK_ACTIONABLE (self->email_button), "win.new-email");
}

static void
update_actions (OutpostRecordForm *self)
{
  gboolean shown = self->entity != NULL;

  update_email_button (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "form.save", shown && self->dirty && !self->saving);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "form.revert", shown && self->dirty && !self->saving);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "form.delete", shown && self->id != NULL && !self->saving);
  /* With no record open there is nothing to save: the header stays empty. */
  gtk_widget_set_visible (self->save_button, shown);
  gtk_widget_set_visible (self->revert_button, shown);
  gtk_widget_set_visible (self->delete_button, shown && self->id != NULL);
}

static void
show_form_error (OutpostRecordForm *self, const char *message)
{
  gtk_label_set_text (self->form_error, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->form_error), message != NULL);
}

static void
update_state (OutpostRecordForm *self)
{
  const char *icon = "emblem-ok-symbolic";
  const char *text = _("Not saved yet");

  if (self->record != NULL)
    {
      text = outpost_row_state_label (self->record);
      icon = outpost_row_state_icon (self->record) ?: "emblem-ok-symbolic";
    }
  gtk_image_set_from_icon_name (GTK_IMAGE (self->state_icon), icon);
  gtk_label_set_text (self->state_label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->state_label),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, _("Sync state"), -1);
}

static void
update_title (OutpostRecordForm *self)
{
  g_autofree char *name = NULL;

  if (self->entity == NULL)
    {
      adw_window_title_set_title (self->title, "");
      adw_window_title_set_subtitle (self->title, "");
      return;
    }
  name = self->record != NULL ? outpost_record_title (self->record, self->entity)
                              : g_strdup_printf (_("New %s"), self->entity->display_name);
  /* AdwWindowTitle shows plain text: a name like "<b>" is not markup. */
  adw_window_title_set_title (self->title, name);
  adw_window_title_set_subtitle (self->title, self->entity->display_name);
  gtk_label_set_text (self->name_heading, name);
}

/* ---- building the fields ------------------------------------------------------------------ */

/* Removing the focused editor leaves the window to move the focus at its next layout, and
 * GTK 4.8 then gives the selectable label of a read-only field a stale "previous focus" (a
 * critical in gtk_label_grab_focus). Letting go of the focus first avoids that. */
static void
release_focus_within (GtkWidget *box)
{
  GtkRoot *root = gtk_widget_get_root (box);
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  if (focus != NULL && gtk_widget_is_ancestor (focus, box))
    gtk_root_set_focus (root, NULL);
}

static void
clear_box (GtkWidget *box)
{
  GtkWidget *child;

  release_focus_within (box);
  while ((child = gtk_widget_get_first_child (box)) != NULL)
    gtk_box_remove (GTK_BOX (box), child);
}

static void editor_changed (OutpostRecordForm *self);

static void
build_editors (OutpostRecordForm *self)
{
  clear_box (self->fields_box);
  g_ptr_array_set_size (self->editors, 0);
  for (guint i = 0; i < self->entity->fields->len; i++)
    {
      OutpostField *field = g_ptr_array_index (self->entity->fields, i);
      GtkWidget *editor;

      /* A new record has no server-computed values to show, except the full name the form
       * composes as the user types. */
      if (self->id == NULL && field->read_only && !outpost_field_is_composed_name (field))
        continue;
      editor = outpost_field_editor_new (field, client_of (self));
      g_signal_connect_swapped (editor, "changed", G_CALLBACK (editor_changed), self);
      g_ptr_array_add (self->editors, editor);
      gtk_box_append (GTK_BOX (self->fields_box), editor);
    }
}

static void
load_editors (OutpostRecordForm *self, OutpostRecord *record)
{
  for (guint i = 0; i < self->editors->len; i++)
    outpost_field_editor_load (g_ptr_array_index (self->editors, i), record);
  show_form_error (self, NULL);
  gtk_widget_set_visible (self->changed_notice, FALSE);
  set_dirty (self, FALSE);
  update_actions (self);
}

/* ---- collecting and validating ------------------------------------------------------------ */

/* The values to save (all editable fields for a create, the changed ones for an update). A
 * field that cannot be read is left out; with @first_bad its editor shows why and *@first_bad
 * is the first such editor's index (kept if already lower). */
static JsonObject *
collect_values (OutpostRecordForm *self, gboolean only_changed, gint *first_bad)
{
  JsonObject *values = json_object_new ();

  for (guint i = 0; i < self->editors->len; i++)
    {
      OutpostFieldEditor *editor = g_ptr_array_index (self->editors, i);
      OutpostField *field = outpost_field_editor_get_field (editor);
      g_autofree char *message = NULL;
      JsonNode *value;

      if (!outpost_field_editor_is_editable (editor))
        continue;
      value = outpost_field_editor_get_value (editor, &message);
      if (value == NULL)
        {
          if (first_bad != NULL)
            {
              outpost_field_editor_set_error (editor, message);
              if (*first_bad < 0 || (gint) i < *first_bad)
                *first_bad = (gint) i;
            }
          continue;
        }
      if (only_changed && self->record != NULL
          && outpost_ui_value_equal (value, json_object_get_member (self->record->values, field->name)))
        {
          json_node_unref (value);
          continue;
        }
      if (only_changed && self->record == NULL && JSON_NODE_HOLDS_NULL (value))
        {
          json_node_unref (value);
          continue;
        }
      json_object_set_member (values, field->name, value);
      if (outpost_field_editor_get_target (editor) != NULL && field->targets != NULL
          && field->targets[0] != NULL && field->targets[1] != NULL)
        {
          g_autofree char *key = g_strconcat (field->name, "@target", NULL);
          json_object_set_string_member (values, key, outpost_field_editor_get_target (editor));
        }
    }
  return values;
}

/* The store's messages read "Label (logicalname): what is wrong"; the form names a field by
 * its label only. */
static char *
field_message (OutpostField *field, const char *message)
{
  const char *label = field->label != NULL ? field->label : field->name;
  g_autofree char *prefix = g_strdup_printf ("%s (%s): ", label, field->name);

  if (g_str_has_prefix (message, prefix))
    /* TRANSLATORS: a form field's label, then what is wrong with its value */
    return g_strdup_printf (_("%s: %s"), label, message + strlen (prefix));
  return g_strdup (message);
}

/* The store's message starts with the field's label: show it under that field. */
static gint
editor_for_message (OutpostRecordForm *self, const char *message)
{
  gint best = -1;
  gsize best_len = 0;

  for (guint i = 0; i < self->editors->len; i++)
    {
      OutpostFieldEditor *editor = g_ptr_array_index (self->editors, i);
      OutpostField *field = outpost_field_editor_get_field (editor);
      const char *label = field->label != NULL ? field->label : field->name;

      if (g_str_has_prefix (message, label) && strlen (label) > best_len)
        {
          best = (gint) i;
          best_len = strlen (label);
        }
      else if (g_str_has_prefix (message, field->name) && strlen (field->name) > best_len)
        {
          best = (gint) i;
          best_len = strlen (field->name);
        }
    }
  return best;
}

static void
clear_field_errors (OutpostRecordForm *self)
{
  for (guint i = 0; i < self->editors->len; i++)
    outpost_field_editor_set_error (g_ptr_array_index (self->editors, i), NULL);
  show_form_error (self, NULL);
}

static void
show_editor_error (OutpostRecordForm *self, guint index, const char *message)
{
  OutpostFieldEditor *editor = g_ptr_array_index (self->editors, index);
  g_autofree char *text = field_message (outpost_field_editor_get_field (editor), message);

  outpost_field_editor_set_error (editor, text);
}

static void
show_validation_error (OutpostRecordForm *self, const GError *error)
{
  gint index = editor_for_message (self, error->message);

  if (index >= 0)
    {
      show_editor_error (self, (guint) index, error->message);
      outpost_field_editor_focus (g_ptr_array_index (self->editors, index));
    }
  else
    show_form_error (self, error->message);
}

/* One check of the form: every field is validated by the store on its own (the store stops at
 * the first bad value of an object), so every message shows at once. */
typedef struct {
  OutpostRecordForm *form;
  guint              serial;     /* the form's check_serial when it started */
  guint              pending;
  gint               first_bad;  /* index of the first editor with a message, or -1 */
  JsonObject        *save;       /* the values to save once every field passed; NULL: a live check */
  guint              edits;
} Check;

typedef struct {
  Check *check;
  guint  index;
} CheckItem;

static void do_save (OutpostRecordForm *self, JsonObject *values, guint edits);

static void
check_finish (Check *check)
{
  OutpostRecordForm *self = check->form;

  if (check->serial == self->check_serial && check->save != NULL)
    {
      self->saving = FALSE;
      self->checking = FALSE;
      if (check->first_bad >= 0)
        outpost_field_editor_focus (g_ptr_array_index (self->editors, check->first_bad));
      else
        do_save (self, check->save, check->edits);
      update_actions (self);
    }
  g_clear_pointer (&check->save, json_object_unref);
  g_object_unref (check->form);
  g_free (check);
}

static void
check_item_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CheckItem *item = user_data;
  Check *check = item->check;
  OutpostRecordForm *self = check->form;
  g_autoptr(GError) error = NULL;

  if (outpost_jobs_finish (result, &error) == NULL && check->serial == self->check_serial
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && item->index < self->editors->len)
    {
      show_editor_error (self, item->index, error->message);
      if (check->first_bad < 0 || (gint) item->index < check->first_bad)
        check->first_bad = (gint) item->index;
    }
  g_free (item);
  if (--check->pending == 0)
    check_finish (check);
}

static gint
editor_index (OutpostRecordForm *self, const char *name)
{
  for (guint i = 0; i < self->editors->len; i++)
    if (g_strcmp0 (outpost_field_editor_get_field (g_ptr_array_index (self->editors, i))->name, name) == 0)
      return (gint) i;
  return -1;
}

/* Validates each member of @values (with its "@target") as a one-field change. */
static void
check_members (OutpostRecordForm *self, Check *check, JsonObject *values)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *node;

  json_object_iter_init (&iter, values);
  while (json_object_iter_next (&iter, &key, &node))
    {
      g_autoptr(JsonObject) one = json_object_new ();
      g_autofree char *target = g_strconcat (key, "@target", NULL);
      gint index = editor_index (self, key);
      CheckItem *item;

      if (index < 0)
        continue;   /* "field@target": checked with its field */
      json_object_set_member (one, key, json_node_copy (node));
      if (json_object_has_member (values, target))
        json_object_set_member (one, target, json_node_copy (json_object_get_member (values, target)));
      item = g_new0 (CheckItem, 1);
      item->check = check;
      item->index = (guint) index;
      check->pending++;
      outpost_jobs_validate (client_of (self), self->entity->logical_name, one, FALSE,
                             self->cancellable, check_item_done, item);
    }
}

/* A live check (@save FALSE) looks at what was typed; Save also checks the required fields a new
 * record leaves empty, and saves when every field passed. */
static void
start_check (OutpostRecordForm *self, gboolean save)
{
  Check *check = g_new0 (Check, 1);
  g_autoptr(JsonObject) values = NULL;

  clear_field_errors (self);
  check->form = g_object_ref (self);
  check->serial = ++self->check_serial;
  check->first_bad = -1;
  check->pending = 1;   /* this function's own hold, released below */
  check->edits = self->edits;
  values = collect_values (self, self->id != NULL || !save, &check->first_bad);
  if (save)
    {
      check->save = collect_values (self, TRUE, NULL);
      self->saving = TRUE;
      self->checking = TRUE;
      update_actions (self);
    }
  check_members (self, check, values);
  if (--check->pending == 0)
    check_finish (check);
}

static gboolean
validate_now (gpointer data)
{
  OutpostRecordForm *self = data;

  self->validate_source = 0;
  /* a Save's check is running: its messages come next */
  if (self->entity != NULL && !self->checking)
    start_check (self, FALSE);
  return G_SOURCE_REMOVE;
}

static OutpostFieldEditor *
editor_named (OutpostRecordForm *self, const char *name)
{
  gint index = editor_index (self, name);

  return index >= 0 ? g_ptr_array_index (self->editors, index) : NULL;
}

static char *
editor_text (OutpostRecordForm *self, const char *name)
{
  OutpostFieldEditor *editor = editor_named (self, name);
  g_autofree char *message = NULL;
  g_autoptr(JsonNode) value = editor != NULL ? outpost_field_editor_get_value (editor, &message) : NULL;

  return value != NULL && json_node_get_value_type (value) == G_TYPE_STRING ? json_node_dup_string (value) : NULL;
}

/* The full name the server computes (contacts, leads) follows the first and last name as they
 * are typed; the store never keeps it (see outpost_field_is_composed_name). */
static void
update_composed_name (OutpostRecordForm *self)
{
  OutpostFieldEditor *editor = self->entity != NULL ? editor_named (self, self->entity->primary_name) : NULL;
  g_autofree char *first = NULL, *last = NULL, *name = NULL;

  if (editor == NULL || !outpost_field_is_composed_name (outpost_field_editor_get_field (editor)))
    return;
  first = editor_text (self, "firstname");
  last = editor_text (self, "lastname");
  name = outpost_compose_full_name (first, last);
  outpost_field_editor_show_text (editor, name);
  if (*name == '\0')
    {
      update_title (self);
      return;
    }
  adw_window_title_set_title (self->title, name);
  gtk_label_set_text (self->name_heading, name);
}

static void
editor_changed (OutpostRecordForm *self)
{
  update_composed_name (self);
  self->edits++;
  set_dirty (self, TRUE);
  update_actions (self);
  g_clear_handle_id (&self->validate_source, g_source_remove);
  self->validate_source = g_timeout_add (300, validate_now, self);
}

/* ---- loading ------------------------------------------------------------------------------ */

static void
reset_cancellable (OutpostRecordForm *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
}

static gboolean
record_differs (OutpostRecord *a, OutpostRecord *b)
{
  return a->state != b->state || a->has_conflict != b->has_conflict || a->has_error != b->has_error
         || g_strcmp0 (a->etag, b->etag) != 0 || !json_object_equal (a->values, b->values);
}

/* Loads @record into the editors whose value is still the one loaded before (self->record). */
static void
merge_untouched (OutpostRecordForm *self, OutpostRecord *record)
{
  for (guint i = 0; i < self->editors->len; i++)
    {
      OutpostFieldEditor *editor = g_ptr_array_index (self->editors, i);
      OutpostField *field = outpost_field_editor_get_field (editor);
      g_autofree char *message = NULL;
      g_autoptr(JsonNode) value = NULL;

      if (!outpost_field_editor_is_editable (editor))
        {
          outpost_field_editor_load (editor, record);
          continue;
        }
      value = outpost_field_editor_get_value (editor, &message);
      if (value != NULL && outpost_ui_value_equal (value, json_object_get_member (self->record->values, field->name)))
        outpost_field_editor_load (editor, record);
    }
}

static void
record_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OutpostRecordForm *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostRecord) record = outpost_jobs_finish (result, &error);
  gboolean changed;

  if (record == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      outpost_record_form_clear (self);
      g_signal_emit (self, signals[SIGNAL_TOAST], 0, error->message);
      return;
    }
  changed = self->record != NULL && record_differs (self->record, record);
  /* A reload that finds unsaved edits keeps them: their text is newer than the row. If the row
   * itself changed (a sync, a resolved conflict), the fields the user did not touch take the
   * new values (a save must not put the old ones back) and the form says so. */
  if (self->reloading && self->dirty && changed)
    {
      merge_untouched (self, record);
      gtk_widget_set_visible (self->changed_notice, TRUE);
    }
  g_clear_pointer (&self->record, outpost_record_unref);
  self->record = g_steal_pointer (&record);
  if (!(self->reloading && self->dirty))
    load_editors (self, self->record);
  self->reloading = FALSE;
  update_title (self);
  update_state (self);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "form");
  update_actions (self);
  outpost_related_view_load (OUTPOST_RELATED_VIEW (self->related), self->entity, self->id);
}

static gboolean
set_entity (OutpostRecordForm *self, const char *entity, const char *id)
{
  OutpostEntity *e = outpost_profile_lookup_entity (outpost_context_get_profile (self->context), entity);

  if (e == NULL)
    return FALSE;
  reset_cancellable (self);
  g_clear_handle_id (&self->validate_source, g_source_remove);
  g_clear_pointer (&self->record, outpost_record_unref);
  g_free (self->id);
  self->id = g_strdup (id);
  self->entity = e;
  self->saving = FALSE;
  self->checking = FALSE;
  self->check_serial++;
  self->reloading = FALSE;
  gtk_widget_set_visible (self->changed_notice, FALSE);
  /* another record starts at its top, not where the last one was scrolled to */
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->scroller)), 0);
  build_editors (self);
  outpost_related_view_clear (OUTPOST_RELATED_VIEW (self->related));
  return TRUE;
}

void
outpost_record_form_show (OutpostRecordForm *self, const char *entity, const char *id)
{
  g_return_if_fail (OUTPOST_IS_RECORD_FORM (self));
  if (!set_entity (self, entity, id))
    return;
  set_dirty (self, FALSE);
  update_actions (self);
  outpost_jobs_get_record (client_of (self), entity, id, self->cancellable, record_loaded, self);
}

void
outpost_record_form_reload (OutpostRecordForm *self)
{
  g_return_if_fail (OUTPOST_IS_RECORD_FORM (self));
  /* With unsaved edits the row is read all the same (the editors keep what is typed: see
   * record_loaded). */
  if (self->id == NULL || self->saving)
    return;
  reset_cancellable (self);
  self->reloading = TRUE;
  outpost_jobs_get_record (client_of (self), self->entity->logical_name, self->id,
                           self->cancellable, record_loaded, self);
}

void
outpost_record_form_reload_all (void)
{
  for (GSList *l = live_forms; l != NULL; l = l->next)
    outpost_record_form_reload (l->data);
}

void
outpost_record_form_new_record (OutpostRecordForm *self, const char *entity, OutpostRecord *preset)
{
  g_return_if_fail (OUTPOST_IS_RECORD_FORM (self));
  if (!set_entity (self, entity, NULL))
    return;
  load_editors (self, preset);
  set_dirty (self, preset != NULL);
  update_actions (self);
  update_title (self);
  update_state (self);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "form");
  if (self->editors->len > 0)
    gtk_widget_child_focus (g_ptr_array_index (self->editors, 0), GTK_DIR_TAB_FORWARD);
}

void
outpost_record_form_clear (OutpostRecordForm *self)
{
  g_return_if_fail (OUTPOST_IS_RECORD_FORM (self));
  reset_cancellable (self);
  g_clear_handle_id (&self->validate_source, g_source_remove);
  g_clear_pointer (&self->record, outpost_record_unref);
  g_clear_pointer (&self->id, g_free);
  self->entity = NULL;
  self->saving = FALSE;
  self->checking = FALSE;
  self->check_serial++;
  outpost_related_view_clear (OUTPOST_RELATED_VIEW (self->related));
  set_dirty (self, FALSE);
  update_actions (self);
  update_title (self);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
}

/* ---- save, revert, delete ------------------------------------------------------------------ */

typedef struct {
  OutpostRecordForm *form;
  char              *entity;
  guint              edits;     /* the form's edit count when the save started */
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_object_unref (data->form);
  g_free (data->entity);
  g_free (data);
}

static void
save_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SaveData *data = user_data;
  OutpostRecordForm *self = data->form;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = outpost_jobs_finish (result, &error);
  gboolean same = self->entity != NULL && g_strcmp0 (self->entity->logical_name, data->entity) == 0;

  self->saving = FALSE;
  if (id == NULL)
    {
      if (same)
        show_validation_error (self, error);
      update_actions (self);
      save_data_free (data);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_SAVED], 0, data->entity, id);
  /* The user may have moved on while the save waited: only reload what is still shown. An
   * update keeps the editors (and the focus and cursor in them); if the user typed while the
   * save waited (e.g. on the sync's write lock), that text stays, still to be saved. */
  if (same && self->id != NULL && g_strcmp0 (self->id, id) == 0)
    {
      if (self->edits == data->edits)
        {
          set_dirty (self, FALSE);
          outpost_record_form_reload (self);
        }
      update_actions (self);
    }
  else if (same && self->id == NULL)
    {
      g_free (self->id);
      self->id = g_strdup (id);
      set_dirty (self, FALSE);
      outpost_record_form_show (self, data->entity, id);
    }
  save_data_free (data);
}

static void
do_save (OutpostRecordForm *self, JsonObject *values, guint edits)
{
  SaveData *data = g_new0 (SaveData, 1);

  data->form = g_object_ref (self);
  data->entity = g_strdup (self->entity->logical_name);
  data->edits = edits;
  self->saving = TRUE;
  update_actions (self);
  outpost_jobs_save (client_of (self), data->entity, self->id, values, save_done, data);
}

static void
form_save (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OutpostRecordForm *self = OUTPOST_RECORD_FORM (widget);

  if (self->entity == NULL || !self->dirty || self->saving)
    return;
  g_clear_handle_id (&self->validate_source, g_source_remove);
  start_check (self, TRUE);
}

static void
form_revert (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OutpostRecordForm *self = OUTPOST_RECORD_FORM (widget);

  if (self->entity == NULL)
    return;
  if (self->id == NULL)
    {
      outpost_record_form_clear (self);
      g_signal_emit (self, signals[SIGNAL_BACK], 0);
      return;
    }
  g_clear_handle_id (&self->validate_source, g_source_remove);
  load_editors (self, self->record);
}

static void
delete_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SaveData *data = user_data;
  OutpostRecordForm *self = data->form;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_strdup (self->id);

  self->saving = FALSE;
  if (outpost_jobs_finish (result, &error) == NULL)
    {
      show_form_error (self, error->message);
      update_actions (self);
    }
  else
    {
      outpost_record_form_clear (self);
      g_signal_emit (self, signals[SIGNAL_DELETED], 0, data->entity, id);
    }
  save_data_free (data);
}

static void
delete_response (AdwMessageDialog *dialog, const char *response, OutpostRecordForm *self)
{
  SaveData *data;

  if (g_strcmp0 (response, "delete") != 0 || self->id == NULL)
    return;
  data = g_new0 (SaveData, 1);
  data->form = g_object_ref (self);
  data->entity = g_strdup (self->entity->logical_name);
  data->edits = self->edits;
  self->saving = TRUE;
  update_actions (self);
  outpost_jobs_delete (client_of (self), data->entity, self->id, delete_done, data);
}

static void
form_delete (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OutpostRecordForm *self = OUTPOST_RECORD_FORM (widget);
  g_autofree char *name = NULL;
  GtkWidget *dialog;

  if (self->id == NULL || self->record == NULL)
    return;
  name = outpost_record_title (self->record, self->entity);
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)),
                                   _("Delete Record?"), NULL);
  /* The body is plain text (body-use-markup is off): the name comes from the server. */
  /* a record created here and not uploaded yet exists only on this computer */
  if (self->record->state == OUTPOST_ROW_LOCALLY_CREATED)
    adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                    _("“%s” has never been synchronized: it exists only on this computer and will be deleted."),
                                    name);
  else
    adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                    _("“%s” will be deleted here and, at the next synchronization, on the server."),
                                    name);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"), "delete", _("_Delete"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- GObject ------------------------------------------------------------------------------- */

static void
back_clicked (OutpostRecordForm *self)
{
  g_signal_emit (self, signals[SIGNAL_BACK], 0);
}

void
outpost_record_form_set_show_back (OutpostRecordForm *self, gboolean show)
{
  gtk_widget_set_visible (self->back_button, show);
}

const char *
outpost_record_form_get_entity (OutpostRecordForm *self)
{
  return self->entity != NULL ? self->entity->logical_name : NULL;
}

const char *
outpost_record_form_get_id (OutpostRecordForm *self)
{
  return self->id;
}

gboolean
outpost_record_form_get_dirty (OutpostRecordForm *self)
{
  return self->dirty;
}

static void
outpost_record_form_dispose (GObject *object)
{
  OutpostRecordForm *self = OUTPOST_RECORD_FORM (object);

  live_forms = g_slist_remove (live_forms, self);
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->validate_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), OUTPOST_TYPE_RECORD_FORM);
  G_OBJECT_CLASS (outpost_record_form_parent_class)->dispose (object);
}

static void
outpost_record_form_finalize (GObject *object)
{
  OutpostRecordForm *self = OUTPOST_RECORD_FORM (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->record, outpost_record_unref);
  g_clear_pointer (&self->editors, g_ptr_array_unref);
  g_free (self->id);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (outpost_record_form_parent_class)->finalize (object);
}

static void
outpost_record_form_set_property (GObject *object, guint prop_id, const GValue *value,
                                  GParamSpec *pspec)
{
  OutpostRecordForm *self = OUTPOST_RECORD_FORM (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      self->context = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
outpost_record_form_get_property (GObject *object, guint prop_id, GValue *value,
                                  GParamSpec *pspec)
{
  OutpostRecordForm *self = OUTPOST_RECORD_FORM (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      g_value_set_object (value, self->context);
      break;
    case PROP_DIRTY:
      g_value_set_boolean (value, self->dirty);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
add_signals (GObjectClass *object_class)
{
  GType type = G_TYPE_FROM_CLASS (object_class);

  signals[SIGNAL_SAVED] = g_signal_new ("saved", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_DELETED] = g_signal_new ("deleted", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_OPEN_RECORD] = g_signal_new ("open-record", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                              NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_BACK] = g_signal_new ("back", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 0);
  signals[SIGNAL_TOAST] = g_signal_new ("toast", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void outpost_record_form_constructed (GObject *object);

static void
outpost_record_form_class_init (OutpostRecordFormClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = outpost_record_form_dispose;
  object_class->finalize = outpost_record_form_finalize;
  object_class->constructed = outpost_record_form_constructed;
  object_class->set_property = outpost_record_form_set_property;
  object_class->get_property = outpost_record_form_get_property;
  properties[PROP_CONTEXT] =
    g_param_spec_object ("context", NULL, NULL, OUTPOST_TYPE_CONTEXT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DIRTY] =
    g_param_spec_boolean ("dirty", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  add_signals (object_class);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/outpostcrm/Outpost/outpost-record-form.ui");
  gtk_widget_class_bind_template_child (widget_class, OutpostRecordForm, title);
  gtk_widget_class_bind_template_child (widget_class, OutpostRecordForm, name_heading);
  gtk_widget_class_bind_template_child (widget_class, OutpostRecordForm, back_button);
  gtk_widget_class_bind_template_child (widget_class, OutpostRecordForm, save_button);
  gtk_widget_class_bind_template_child (widget_class, OutpostRecordForm, revert_button);
  gtk_widget_class_bind_template_child (widget_class, OutpostRecordForm, delete_button);
  gtk_widget_class_bind_template_child (widget_class, OutpostRecordForm, stack);
  gtk_widget_class_bind_template_child (widget_class, OutpostRecordForm, state_icon);
  gtk_widget_class_bind_template_child (widget_class, OutpostRecordForm, state_label);
  gtk_widget_class_bind_template_child (widget_class, OutpostRecordForm, form_error);
  gtk_widget_class_bind_template_child (widget_class, OutpostRecordForm, changed_notice);
  gtk_widget_class_bind_template_child (widget_class, OutpostRecordForm, fields_box);
  gtk_widget_class_bind_template_child (widget_class, OutpostRecordForm, scroller);
  gtk_widget_class_bind_template_child (widget_class, OutpostRecordForm, related_box);
  gtk_widget_class_bind_template_child (widget_class, OutpostRecordForm, email_button);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked);
  gtk_widget_class_install_action (widget_class, "form.save", NULL, form_save);
  gtk_widget_class_install_action (widget_class, "form.revert", NULL, form_revert);
  gtk_widget_class_install_action (widget_class, "form.delete", NULL, form_delete);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "form.save", NULL);
}

static void
outpost_record_form_init (OutpostRecordForm *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->editors = g_ptr_array_new ();
  self->cancellable = g_cancellable_new ();
  live_forms = g_slist_prepend (live_forms, self);
}

static void
related_open_record (OutpostRecordForm *self, const char *entity, const char *id)
{
  g_signal_emit (self, signals[SIGNAL_OPEN_RECORD], 0, entity, id);
}

/* An N:N link of the record shown changed: for the window that is a change like a save
 * (counts, the list, auto-sync-after-change). */
static void
related_changed (OutpostRecordForm *self)
{
  if (self->entity != NULL && self->id != NULL)
    g_signal_emit (self, signals[SIGNAL_SAVED], 0, self->entity->logical_name, self->id);
}

static void
outpost_record_form_constructed (GObject *object)
{
  OutpostRecordForm *self = OUTPOST_RECORD_FORM (object);

  G_OBJECT_CLASS (outpost_record_form_parent_class)->constructed (object);
  self->related = outpost_related_view_new (self->context);
  g_signal_connect_swapped (self->related, "open-record", G_CALLBACK (related_open_record), self);
  g_signal_connect_swapped (self->related, "changed", G_CALLBACK (related_changed), self);
  gtk_box_append (GTK_BOX (self->related_box), self->related);
  update_actions (self);
}

GtkWidget *
outpost_record_form_new (OutpostContext *context)
{
  return g_object_new (OUTPOST_TYPE_RECORD_FORM, "context", context, NULL);
}
