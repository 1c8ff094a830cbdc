/* outpost-email-compose.c: the email compose window (see the header). */
#include "config.h"

#include <glib/gi18n.h>

#include "outpost-email-compose.h"
#include "outpost-related-jobs.h"
#include "outpost-store-jobs.h"
#include "outpost-sync-upload-email.h"
#include "outpost-ui-format.h"

/* Quiet autosave: a few seconds after typing stops, so even a crash or a quit keeps the text. */
#define AUTOSAVE_SECONDS 4

struct _OutpostEmailCompose
{
  AdwWindow       parent_instance;
  OutpostContext *context;

  AdwWindowTitle *window_title;
  GtkWidget      *draft_button;
  GtkWidget      *send_button;
  GtkLabel       *error_label;
  GtkLabel       *status_label;
  GtkWidget      *regarding_caption;
  GtkLabel       *regarding_label;
  GtkEntry       *to_entry;
  GtkEntry       *subject_entry;
  GtkTextView    *body_view;

  char           *id;               /* the email's, once stored */
  char           *regarding_entity;
  char           *regarding_id;
  guint           edits;            /* changes typed so far */
  guint           saved_edits;      /* ... of which stored */
  gboolean        loading;          /* filling the fields is no edit */
  gboolean        saving;
  gboolean        queued;           /* another save asked for while one ran */
  gboolean        queued_send;
  gboolean        queued_notify;
  gboolean        close_after;
  guint           autosave_source;
  GCancellable   *cancellable;      /* reads */
};

enum { SIGNAL_SAVED, SIGNAL_SENT, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OutpostEmailCompose, outpost_email_compose, ADW_TYPE_WINDOW)

static gboolean
is_dirty (OutpostEmailCompose *self)
{
  return self->edits != self->saved_edits;
}

static void
show_error (OutpostEmailCompose *self, const char *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
update_buttons (OutpostEmailCompose *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "compose.save-draft", !self->close_after);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "compose.send", !self->close_after);
}

static char *
body_text (OutpostEmailCompose *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static const char *
entry_text (GtkEntry *entry)
{
  return gtk_editable_get_text (GTK_EDITABLE (entry));
}

static gboolean
has_content (OutpostEmailCompose *self)
{
  g_autofree char *body = body_text (self);

  return *entry_text (self->subject_entry) != '\0' || *body != '\0' || self->id != NULL;
}

static void
set_or_null (JsonObject *values, const char *name, const char *text)
{
  if (text != NULL && *text != '\0')
    json_object_set_string_member (values, name, text);
  else
    json_object_set_null_member (values, name);
}

static JsonObject *
collect_values (OutpostEmailCompose *self)
{
  JsonObject *values = json_object_new ();
  g_autofree char *body = body_text (self);
  /* Dataverse's description is HTML: the typed text goes escaped, in paragraphs and <br> */
  g_autofree char *html = outpost_email_text_to_html (body);
  const char *subject = entry_text (self->subject_entry);

  /* the server requires a subject on every activity: a draft without one keeps a placeholder
   * the user sees (and can change) instead of failing at the next sync */
  set_or_null (values, "subject", *subject != '\0' ? subject : _("(No subject)"));
  set_or_null (values, "description", html);
  set_or_null (values, "torecipients", entry_text (self->to_entry));
  json_object_set_boolean_member (values, "directioncode", TRUE);   /* outgoing */
  if (self->regarding_id != NULL)
    {
      json_object_set_string_member (values, "regardingobjectid", self->regarding_id);
      json_object_set_string_member (values, "regardingobjectid@target", self->regarding_entity);
    }
  return values;
}

/* ---- saving -------------------------------------------------------------------------------- */

typedef struct {
  OutpostEmailCompose *compose;
  guint                edits;
  gboolean             send;
  gboolean             notify;   /* tell the scheduler about the change */
} SaveData;

static void start_save (OutpostEmailCompose *self, gboolean send, gboolean notify);

static void
save_failed (OutpostEmailCompose *self, const GError *error)
{
  show_error (self, error->message);
  /* a close that waited for the save shows the window again: the text must not vanish */
  self->close_after = FALSE;
  update_buttons (self);
  gtk_window_present (GTK_WINDOW (self));
}

static void
sent (OutpostEmailCompose *self, const char *id)
{
  outpost_scheduler_email_sent (outpost_context_get_scheduler (self->context));
  g_signal_emit (self, signals[SIGNAL_SENT], 0, id);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
draft_saved (OutpostEmailCompose *self, SaveData *data, const char *id)
{
  if (data->notify)
    outpost_scheduler_record_changed (outpost_context_get_scheduler (self->context));
  g_signal_emit (self, signals[SIGNAL_SAVED], 0, id);
  gtk_label_set_text (self->status_label, _("Draft saved. It is uploaded at the next synchronization."));
  adw_window_title_set_title (self->window_title, _("Draft"));
}

/* What was asked for while the save ran: another save (typed meanwhile) or the close. */
static void
continue_after_save (OutpostEmailCompose *self)
{
  if (self->queued)
    start_save (self, self->queued_send, self->queued_notify);
  else if (self->close_after && is_dirty (self))
    start_save (self, FALSE, TRUE);
  else if (self->close_after)
    gtk_window_destroy (GTK_WINDOW (self));
}

static void
save_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SaveData *data = user_data;
  OutpostEmailCompose *self = data->compose;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = outpost_jobs_finish (result, &error);

  self->saving = FALSE;
  if (id == NULL)
    {
      self->queued = FALSE;
      save_failed (self, error);
    }
  else
    {
      if (self->id == NULL)
        self->id = g_strdup (id);
      self->saved_edits = data->edits;
      show_error (self, NULL);
      if (data->send)
        sent (self, id);
      else
        {
          draft_saved (self, data, id);
          continue_after_save (self);
        }
    }
  g_object_unref (data->compose);
  g_free (data);
}

static void
start_save (OutpostEmailCompose *self, gboolean send, gboolean notify)
{
  g_autoptr(JsonObject) values = NULL;
  SaveData *data;

  g_clear_handle_id (&self->autosave_source, g_source_remove);
  if (self->saving)
    {
      /* one save at a time: the first one's id is needed before the next (no double create) */
      self->queued = TRUE;
      self->queued_send |= send;
      self->queued_notify |= notify;
      return;
    }
  self->queued = self->queued_send = self->queued_notify = FALSE;
  values = collect_values (self);
  data = g_new0 (SaveData, 1);
  data->compose = g_object_ref (self);
  data->edits = self->edits;
  data->send = send;
  data->notify = notify;
  self->saving = TRUE;
  outpost_related_jobs_save_email (outpost_context_get_client (self->context), self->id, values,
                                   send, save_done, data);
}

static gboolean
autosave (gpointer user_data)
{
  OutpostEmailCompose *self = user_data;

  self->autosave_source = 0;
  if (is_dirty (self) && has_content (self))
    start_save (self, FALSE, FALSE);
  return G_SOURCE_REMOVE;
}

static void
edited (OutpostEmailCompose *self)
{
  if (self->loading)
    return;
  self->edits++;
  g_clear_handle_id (&self->autosave_source, g_source_remove);
  self->autosave_source = g_timeout_add_seconds (AUTOSAVE_SECONDS, autosave, self);
}

static void
save_draft_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  start_save (OUTPOST_EMAIL_COMPOSE (widget), FALSE, TRUE);
}

static void
send_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  OutpostEmailCompose *self = OUTPOST_EMAIL_COMPOSE (widget);

  if (*entry_text (self->to_entry) == '\0')
    {
      show_error (self, _("Add a recipient in To."));
      gtk_widget_grab_focus (GTK_WIDGET (self->to_entry));
      return;
    }
  if (*entry_text (self->subject_entry) == '\0')
    {
      show_error (self, _("Add a subject."));
      gtk_widget_grab_focus (GTK_WIDGET (self->subject_entry));
      return;
    }
  gtk_widget_action_set_enabled (widget, "compose.send", FALSE);
  start_save (self, TRUE, FALSE);
}

/* Closing with unsaved text: save it as a draft first (the window hides meanwhile). */
static gboolean
close_request (GtkWindow *window)
{
  OutpostEmailCompose *self = OUTPOST_EMAIL_COMPOSE (window);

  if (!self->saving && !(is_dirty (self) && has_content (self)))
    return FALSE;
  self->close_after = TRUE;
  update_buttons (self);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  if (!self->saving)
    start_save (self, FALSE, TRUE);
  return TRUE;
}

/* ---- loading ------------------------------------------------------------------------------- */

static void
set_regarding (OutpostEmailCompose *self, const char *entity, const char *id, const char *title)
{
  g_free (self->regarding_entity);
  g_free (self->regarding_id);
  self->regarding_entity = g_strdup (entity);
  self->regarding_id = g_strdup (id);
  gtk_label_set_text (self->regarding_label, title != NULL ? title : "");
  gtk_widget_set_visible (self->regarding_caption, id != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->regarding_label), id != NULL);
  if (title != NULL)
    adw_window_title_set_subtitle (self->window_title, title);
}

static void
fill_from_email (OutpostEmailCompose *self, OutpostRecord *email)
{
  const char *regarding = outpost_record_get_string (email, "regardingobjectid");
  /* the stored body is HTML (ours or the server's): its text, never rendered */
  g_autofree char *body = outpost_email_html_to_text (outpost_record_get_string (email, "description"));

  gtk_editable_set_text (GTK_EDITABLE (self->to_entry), outpost_record_get_string (email, "torecipients") ?: "");
  gtk_editable_set_text (GTK_EDITABLE (self->subject_entry), outpost_record_get_string (email, "subject") ?: "");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view), body, -1);
  if (regarding != NULL)
    set_regarding (self, outpost_record_get_string (email, "regardingobjectid@target") ?: "contact", regarding,
                   outpost_record_get_string (email, "regardingobjectid@display"));
  adw_window_title_set_title (self->window_title, _("Draft"));
}

static void
fill_from_recipient (OutpostEmailCompose *self, OutpostRecord *record)
{
  OutpostEntity *entity = outpost_profile_lookup_entity (outpost_context_get_profile (self->context),
                                                         record->entity);
  g_autofree char *title = entity != NULL ? outpost_record_title (record, entity) : NULL;

  gtk_editable_set_text (GTK_EDITABLE (self->to_entry), outpost_record_get_string (record, "emailaddress1") ?: "");
  set_regarding (self, record->entity, record->id, title);
  gtk_widget_grab_focus (GTK_WIDGET (self->subject_entry));
}

static void
record_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OutpostRecord) record = outpost_jobs_finish (result, &error);
  OutpostEmailCompose *self = user_data;

  if (record == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error->message);
      return;
    }
  self->loading = TRUE;
  if (g_str_equal (record->entity, "email"))
    fill_from_email (self, record);
  else
    fill_from_recipient (self, record);
  self->loading = FALSE;
}

GtkWidget *
outpost_email_compose_new (OutpostContext *context, const char *entity, const char *id)
{
  OutpostEmailCompose *self = g_object_new (OUTPOST_TYPE_EMAIL_COMPOSE, NULL);

  self->context = g_object_ref (context);
  if (entity == NULL || *entity == '\0' || id == NULL || *id == '\0')
    return GTK_WIDGET (self);
  if (g_str_equal (entity, "email"))
    self->id = g_strdup (id);
  outpost_jobs_get_record (outpost_context_get_client (context), entity, id, self->cancellable,
                           record_loaded, self);
  return GTK_WIDGET (self);
}

/* ---- GObject ------------------------------------------------------------------------------- */

static void
outpost_email_compose_dispose (GObject *object)
{
  OutpostEmailCompose *self = OUTPOST_EMAIL_COMPOSE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->autosave_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), OUTPOST_TYPE_EMAIL_COMPOSE);
  G_OBJECT_CLASS (outpost_email_compose_parent_class)->dispose (object);
}

static void
outpost_email_compose_finalize (GObject *object)
{
  OutpostEmailCompose *self = OUTPOST_EMAIL_COMPOSE (object);

  g_clear_object (&self->cancellable);
  g_free (self->id);
  g_free (self->regarding_entity);
  g_free (self->regarding_id);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (outpost_email_compose_parent_class)->finalize (object);
}

static void
bind_children (GtkWidgetClass *widget_class)
{
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, OutpostEmailCompose, name)
  BIND (window_title); BIND (draft_button); BIND (send_button); BIND (error_label);
  BIND (status_label); BIND (regarding_caption); BIND (regarding_label); BIND (to_entry);
  BIND (subject_entry); BIND (body_view);
#undef BIND
}

static void
outpost_email_compose_class_init (OutpostEmailComposeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->dispose = outpost_email_compose_dispose;
  object_class->finalize = outpost_email_compose_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = close_request;
  signals[SIGNAL_SAVED] = g_signal_new ("saved", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_SENT] = g_signal_new ("sent", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 1, G_TYPE_STRING);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/outpostcrm/Outpost/outpost-email-compose.ui");
  bind_children (widget_class);
  gtk_widget_class_install_action (widget_class, "compose.save-draft", NULL, save_draft_action);
  gtk_widget_class_install_action (widget_class, "compose.send", NULL, send_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "compose.save-draft", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "compose.send", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
outpost_email_compose_init (OutpostEmailCompose *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  g_signal_connect_swapped (self->to_entry, "changed", G_CALLBACK (edited), self);
  g_signal_connect_swapped (self->subject_entry, "changed", G_CALLBACK (edited), self);
  g_signal_connect_swapped (gtk_text_view_get_buffer (self->body_view), "changed", G_CALLBACK (edited), self);
}
