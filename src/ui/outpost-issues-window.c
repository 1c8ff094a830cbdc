/* outpost-issues-window.c: sync errors and conflicts, and what the user can do about them. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "outpost-issues-window.h"
#include "outpost-record-form.h"
#include "outpost-store-jobs.h"
#include "outpost-ui-format.h"

struct _OutpostIssuesWindow
{
  AdwWindow            parent_instance;
  AdwToastOverlay     *toast_overlay;
  AdwPreferencesPage  *page;
  AdwPreferencesGroup *errors_group;
  AdwPreferencesGroup *conflicts_group;
  OutpostContext      *context;
  GPtrArray           *rows;      /* rows currently shown, to remove on reload */
};

G_DEFINE_FINAL_TYPE (OutpostIssuesWindow, outpost_issues_window, ADW_TYPE_WINDOW)

static void reload (OutpostIssuesWindow *self);

static const char *
entity_label (OutpostIssuesWindow *self, const char *entity)
{
  OutpostEntity *e = outpost_profile_lookup_entity (outpost_context_get_profile (self->context), entity);

  return e != NULL ? e->display_name : entity;
}

/* What the action did, said once it is done: each takes effect at a different moment. */
static const char *
action_done_text (OutpostIssueAction action)
{
  switch (action)
    {
    case OUTPOST_ISSUE_RETRY:
      return _("The change will be sent again at the next synchronization.");
    case OUTPOST_ISSUE_IGNORE:
      return _("Ignored: the change stays on this computer and is not sent.");
    case OUTPOST_ISSUE_TAKE_SERVER:
      return _("Your change was dropped: this record follows the server again.");
    default:
      return _("Resolved. The chosen values are sent at the next synchronization.");
    }
}

/* An action on its way: which one, for the toast when it is done (two may overlap). */
typedef struct {
  OutpostIssuesWindow *window;
  OutpostIssueAction   action;
} ActionCall;

static void
action_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ActionCall *call = user_data;
  g_autoptr(OutpostIssuesWindow) self = call->window;
  OutpostIssueAction action = call->action;
  g_autoptr(GError) error = NULL;

  g_free (call);

  if (outpost_jobs_finish (result, &error) == NULL)
    {
      g_autofree char *escaped = g_markup_escape_text (error->message, -1);

      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (escaped));
    }
  else
    adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (action_done_text (action)));
  reload (self);
  /* a resolved conflict changed the record: an open form shows it (or says so over unsaved edits) */
  outpost_record_form_reload_all ();
}

static void
start_action (OutpostIssuesWindow *self, OutpostIssueAction action, gint64 id, JsonObject *values)
{
  ActionCall *call = g_new0 (ActionCall, 1);

  call->window = g_object_ref (self);
  call->action = action;
  outpost_jobs_issue_action (outpost_context_get_client (self->context), action, id, NULL, values,
                             action_done, call);
}

static void
issue_button_clicked (GtkButton *button, OutpostIssuesWindow *self)
{
  OutpostIssueAction action = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "action"));
  gint64 id = *(gint64 *) g_object_get_data (G_OBJECT (button), "id");

  start_action (self, action, id, NULL);
}

static GtkWidget *
issue_button (OutpostIssuesWindow *self, const char *label, OutpostIssueAction action, gint64 id)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_object_set_data (G_OBJECT (button), "action", GINT_TO_POINTER (action));
  g_object_set_data_full (G_OBJECT (button), "id", g_memdup2 (&id, sizeof id), g_free);
  g_signal_connect (button, "clicked", G_CALLBACK (issue_button_clicked), self);
  return button;
}

/* "Contoso Ltd" for a record still here; a readable label, never its GUID, for one that is not
 * (deleted here or on the server since the issue was written). */
static char *
record_label (OutpostEntity *entity, OutpostStore *store, const char *record_id)
{
  g_autoptr(OutpostRecord) record = entity != NULL ? outpost_store_get (store, entity->logical_name, record_id, NULL)
                                                   : NULL;
  g_autofree char *kind = NULL;

  if (record != NULL)
    return outpost_record_title (record, entity);
  kind = g_utf8_strdown (entity != NULL ? entity->display_name : _("Record"), -1);
  /* Translators: a record that is no longer in the store, e.g. "(deleted account)" */
  return g_strdup_printf (_("(deleted %s)"), kind);
}

/* Worker side: the label of each (entity, record id) pair, in order. */
static gpointer
names_job (OutpostStore *store, gpointer data, GCancellable *cancellable, GError **error)
{
  GPtrArray *pairs = data;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  OutpostProfile *profile = outpost_store_get_profile (store);

  for (guint i = 0; i + 1 < pairs->len; i += 2)
    g_ptr_array_add (names, record_label (outpost_profile_lookup_entity (profile, pairs->pdata[i]),
                                          store, pairs->pdata[i + 1]));
  return names;
}

static GtkWidget *
issue_row (OutpostIssuesWindow *self, const char *entity, const char *name, const char *message)
{
  GtkWidget *row = adw_action_row_new ();
  /* Translators: a sync issue's title: the record's name, then its kind, e.g. "Contoso Ltd — Account" */
  g_autofree char *title = g_strdup_printf (_("%s — %s"), name, entity_label (self, entity));

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), message);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  g_ptr_array_add (self->rows, row);
  return row;
}

static void
add_error (OutpostIssuesWindow *self, OutpostSyncErrorRow *e, const char *name)
{
  GtkWidget *row = issue_row (self, e->entity, name, e->message);

  adw_action_row_add_suffix (ADW_ACTION_ROW (row), issue_button (self, _("_Retry"), OUTPOST_ISSUE_RETRY, e->id));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), issue_button (self, _("_Ignore"), OUTPOST_ISSUE_IGNORE, e->id));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), issue_button (self, _("Take _Server Version"),
                                                                 OUTPOST_ISSUE_TAKE_SERVER, e->id));
  adw_preferences_group_add (self->errors_group, row);
}

/* ---- conflicts: side-by-side merge -------------------------------------------------------- */

typedef struct {
  OutpostIssuesWindow *window;
  OutpostConflict     *conflict;   /* owned copy of what is shown */
  GPtrArray           *local_checks; /* GtkCheckButton* "mine" per field, in field order */
  GPtrArray           *fields;      /* char* field names */
  GtkWidget           *dialog;
} Merge;

static void
merge_free (Merge *merge)
{
  g_ptr_array_unref (merge->local_checks);
  g_ptr_array_unref (merge->fields);
  outpost_conflict_free (merge->conflict);
  g_object_unref (merge->window);
  g_free (merge);
}

static JsonNode *
member_or_null (JsonObject *object, const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL ? json_node_copy (node) : json_node_new (JSON_NODE_NULL);
}

static void
merge_apply (GtkButton *button, Merge *merge)
{
  g_autoptr(JsonObject) chosen = json_object_new ();

  for (guint i = 0; i < merge->fields->len; i++)
    {
      const char *name = g_ptr_array_index (merge->fields, i);
      gboolean mine = gtk_check_button_get_active (g_ptr_array_index (merge->local_checks, i));

      json_object_set_member (chosen, name, member_or_null (mine ? merge->conflict->local
                                                                 : merge->conflict->server, name));
    }
  start_action (merge->window, OUTPOST_ISSUE_RESOLVE, merge->conflict->id, chosen);
  gtk_window_destroy (GTK_WINDOW (merge->dialog));
}

static GtkWidget *
value_label (OutpostField *field, JsonNode *value)
{
  g_autofree char *text = field != NULL ? outpost_format_field (field, value)
                                        : (value != NULL ? json_to_string (value, FALSE) : g_strdup (""));
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_text (GTK_LABEL (label), *text ? text : "—");
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  return label;
}

static void
merge_add_field (Merge *merge, GtkGrid *grid, OutpostEntity *entity, const char *name, gint row)
{
  OutpostField *field = entity != NULL ? outpost_entity_lookup_field (entity, name) : NULL;
  const char *label = field != NULL && field->label != NULL ? field->label : name;
  GtkWidget *mine = gtk_check_button_new ();
  GtkWidget *theirs = gtk_check_button_new ();
  g_autofree char *mine_name = g_strdup_printf (_("Keep my %s"), label);
  g_autofree char *theirs_name = g_strdup_printf (_("Take server %s"), label);

  gtk_check_button_set_group (GTK_CHECK_BUTTON (theirs), GTK_CHECK_BUTTON (mine));
  gtk_check_button_set_child (GTK_CHECK_BUTTON (mine), value_label (field, json_object_get_member (merge->conflict->local, name)));
  gtk_check_button_set_child (GTK_CHECK_BUTTON (theirs), value_label (field, json_object_get_member (merge->conflict->server, name)));
  gtk_accessible_update_property (GTK_ACCESSIBLE (mine), GTK_ACCESSIBLE_PROPERTY_LABEL, mine_name, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (theirs), GTK_ACCESSIBLE_PROPERTY_LABEL, theirs_name, -1);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (mine), TRUE);
  gtk_grid_attach (grid, gtk_label_new (label), 0, row, 1, 1);
  gtk_grid_attach (grid, mine, 1, row, 1, 1);
  gtk_grid_attach (grid, theirs, 2, row, 1, 1);
  g_ptr_array_add (merge->local_checks, mine);
  g_ptr_array_add (merge->fields, g_strdup (name));
}

static GtkWidget *
merge_grid (Merge *merge)
{
  OutpostEntity *entity = outpost_profile_lookup_entity (outpost_context_get_profile (merge->window->context),
                                                         merge->conflict->entity);
  GtkWidget *grid = gtk_grid_new ();
  GList *names = merge->conflict->local != NULL ? json_object_get_members (merge->conflict->local) : NULL;
  gint row = 1;

  gtk_grid_set_column_spacing (GTK_GRID (grid), 18);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 12);
  gtk_grid_attach (GTK_GRID (grid), gtk_label_new (_("Field")), 0, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), gtk_label_new (_("Your Version")), 1, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), gtk_label_new (_("Server Version")), 2, 0, 1, 1);
  for (GList *l = names; l != NULL; l = l->next)
    merge_add_field (merge, GTK_GRID (grid), entity, l->data, row++);
  g_list_free (names);
  return grid;
}

static OutpostConflict *
conflict_copy (const OutpostConflict *c)
{
  OutpostConflict *copy = g_new0 (OutpostConflict, 1);

  copy->id = c->id;
  copy->entity = g_strdup (c->entity);
  copy->record_id = g_strdup (c->record_id);
  copy->local = c->local != NULL ? json_object_ref (c->local) : NULL;
  copy->server = c->server != NULL ? json_object_ref (c->server) : NULL;
  copy->base = c->base != NULL ? json_object_ref (c->base) : NULL;
  copy->server_etag = g_strdup (c->server_etag);
  copy->when = c->when;
  return copy;
}

static void
open_merge (GtkButton *button, OutpostIssuesWindow *self)
{
  Merge *merge = g_new0 (Merge, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *apply = gtk_button_new_with_mnemonic (_("_Apply"));
  GtkWidget *scroller = gtk_scrolled_window_new ();

  merge->window = g_object_ref (self);
  merge->conflict = conflict_copy (g_object_get_data (G_OBJECT (button), "conflict"));
  merge->local_checks = g_ptr_array_new ();
  merge->fields = g_ptr_array_new_with_free_func (g_free);
  merge->dialog = adw_window_new ();
  gtk_window_set_title (GTK_WINDOW (merge->dialog), _("Resolve Conflict"));
  gtk_window_set_modal (GTK_WINDOW (merge->dialog), TRUE);
  gtk_window_set_transient_for (GTK_WINDOW (merge->dialog), GTK_WINDOW (self));
  gtk_window_set_default_size (GTK_WINDOW (merge->dialog), 560, 400);
  gtk_widget_add_css_class (apply, "suggested-action");
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), apply);
  gtk_box_append (GTK_BOX (box), header);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), merge_grid (merge));
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_widget_set_margin_start (scroller, 18);
  gtk_widget_set_margin_end (scroller, 18);
  gtk_box_append (GTK_BOX (box), scroller);
  adw_window_set_content (ADW_WINDOW (merge->dialog), box);
  g_signal_connect (apply, "clicked", G_CALLBACK (merge_apply), merge);
  g_object_set_data_full (G_OBJECT (merge->dialog), "merge", merge, (GDestroyNotify) merge_free);
  gtk_window_present (GTK_WINDOW (merge->dialog));
}

static void
add_conflict (OutpostIssuesWindow *self, OutpostConflict *c, const char *name)
{
  g_autofree char *fields = NULL;
  GList *names = c->local != NULL ? json_object_get_members (c->local) : NULL;
  GString *list = g_string_new (NULL);
  GtkWidget *row, *resolve;
  OutpostEntity *entity = outpost_profile_lookup_entity (outpost_context_get_profile (self->context), c->entity);

  for (GList *l = names; l != NULL; l = l->next)
    {
      /* the fields by their labels; "<field>@target" goes with its field */
      OutpostField *field = entity != NULL ? outpost_entity_lookup_field (entity, l->data) : NULL;

      if (field == NULL && strchr (l->data, '@') != NULL)
        continue;
      g_string_append_printf (list, "%s%s", list->len ? ", " : "",
                              field != NULL && field->label != NULL ? field->label : (char *) l->data);
    }
  g_list_free (names);
  fields = g_strdup_printf (_("Changed here and on the server: %s"), list->str);
  g_string_free (list, TRUE);
  row = issue_row (self, c->entity, name, fields);
  resolve = gtk_button_new_with_mnemonic (_("_Resolve…"));
  gtk_widget_set_valign (resolve, GTK_ALIGN_CENTER);
  g_object_set_data_full (G_OBJECT (resolve), "conflict", conflict_copy (c), (GDestroyNotify) outpost_conflict_free);
  g_signal_connect (resolve, "clicked", G_CALLBACK (open_merge), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), resolve);
  adw_preferences_group_add (self->conflicts_group, row);
}

/* The issues read, waiting for their records' names. */
typedef struct {
  OutpostIssuesWindow *window;
  GPtrArray           *errors;      /* OutpostSyncErrorRow* */
  GPtrArray           *conflicts;   /* OutpostConflict* */
} Pending;

static void
pending_free (Pending *pending)
{
  g_object_unref (pending->window);
  g_ptr_array_unref (pending->errors);
  g_ptr_array_unref (pending->conflicts);
  g_free (pending);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pending, pending_free)

static void
names_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(Pending) pending = user_data;
  OutpostIssuesWindow *self = pending->window;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = outpost_store_client_run_finish (OUTPOST_STORE_CLIENT (source), result, &error);

  if (names == NULL)
    {
      adw_preferences_group_set_description (self->errors_group, error->message);
      return;
    }
  for (guint i = 0; i < pending->errors->len; i++)
    add_error (self, g_ptr_array_index (pending->errors, i), g_ptr_array_index (names, i));
  for (guint i = 0; i < pending->conflicts->len; i++)
    add_conflict (self, g_ptr_array_index (pending->conflicts, i),
                  g_ptr_array_index (names, pending->errors->len + i));
  adw_preferences_group_set_description (self->errors_group,
                                         pending->errors->len == 0 ? _("No sync errors.") : NULL);
  adw_preferences_group_set_description (self->conflicts_group,
                                         pending->conflicts->len == 0 ? _("No conflicts.") : NULL);
}

static void
add_pair (GPtrArray *pairs, const char *entity, const char *record_id)
{
  g_ptr_array_add (pairs, g_strdup (entity));
  g_ptr_array_add (pairs, g_strdup (record_id));
}

/* The issues name their records by GUID: read the records' names in the worker (a record may be
 * gone by now), then show the rows. */
static void
issues_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OutpostIssuesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lists = outpost_jobs_finish (result, &error);
  GPtrArray *pairs;
  Pending *pending;

  if (lists == NULL)
    {
      adw_preferences_group_set_description (self->errors_group, error->message);
      return;
    }
  pending = g_new0 (Pending, 1);
  pending->window = g_object_ref (self);
  pending->errors = g_ptr_array_ref (g_ptr_array_index (lists, 0));
  pending->conflicts = g_ptr_array_ref (g_ptr_array_index (lists, 1));
  pairs = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < pending->errors->len; i++)
    {
      OutpostSyncErrorRow *e = g_ptr_array_index (pending->errors, i);
      add_pair (pairs, e->entity, e->record_id);
    }
  for (guint i = 0; i < pending->conflicts->len; i++)
    {
      OutpostConflict *c = g_ptr_array_index (pending->conflicts, i);
      add_pair (pairs, c->entity, c->record_id);
    }
  outpost_store_client_run_async (outpost_context_get_client (self->context), OUTPOST_JOB_PRIORITY_DEFAULT,
                                  names_job, pairs, (GDestroyNotify) g_ptr_array_unref,
                                  (GDestroyNotify) g_ptr_array_unref, NULL, names_ready, pending);
}

static void
reload (OutpostIssuesWindow *self)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->rows, i);
      GtkWidget *ancestor = gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP);

      if (ancestor != NULL)
        adw_preferences_group_remove (ADW_PREFERENCES_GROUP (ancestor), row);
    }
  g_ptr_array_set_size (self->rows, 0);
  outpost_jobs_list_issues (outpost_context_get_client (self->context), issues_ready, g_object_ref (self));
}

static void
outpost_issues_window_dispose (GObject *object)
{
  OutpostIssuesWindow *self = OUTPOST_ISSUES_WINDOW (object);

  g_clear_object (&self->context);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (object), OUTPOST_TYPE_ISSUES_WINDOW);
  G_OBJECT_CLASS (outpost_issues_window_parent_class)->dispose (object);
}

static void
outpost_issues_window_class_init (OutpostIssuesWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = outpost_issues_window_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outpostcrm/Outpost/outpost-issues-window.ui");
  gtk_widget_class_bind_template_child (widget_class, OutpostIssuesWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, OutpostIssuesWindow, page);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
outpost_issues_window_init (OutpostIssuesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_ptr_array_new ();
  self->conflicts_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->conflicts_group, _("Conflicts"));
  adw_preferences_page_add (self->page, self->conflicts_group);
  self->errors_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->errors_group, _("Sync Errors"));
  adw_preferences_page_add (self->page, self->errors_group);
}

GtkWidget *
outpost_issues_window_new (GtkWindow *parent, OutpostContext *context)
{
  OutpostIssuesWindow *self = g_object_new (OUTPOST_TYPE_ISSUES_WINDOW, "transient-for", parent, NULL);

  self->context = g_object_ref (context);
  reload (self);
  return GTK_WIDGET (self);
}
