/* outpost-attachment-view.c: see the header. */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "outpost-attachment-file.h"
#include "outpost-attachment-view.h"

struct _OutpostAttachmentView
{
  GtkBox        parent_instance;
  OutpostField *field;
  char         *account;
  char         *file_name;     /* from the record: untrusted, shown as plain text only */
  char         *mime_type;
  char         *body;          /* Base64 */
  GtkWidget    *title;
  GtkWidget    *open_button;
  GtkWidget    *save_button;
  GtkWidget    *status;
  char         *opened_path;   /* the last copy written to the cache folder */
  GCancellable *cancellable;
  GtkNativeDialog *chooser;
};

G_DEFINE_FINAL_TYPE (OutpostAttachmentView, outpost_attachment_view, GTK_TYPE_BOX)

/* ---- showing ----------------------------------------------------------------------------- */

static void
set_status (OutpostAttachmentView *self, const char *message, gboolean error)
{
  gtk_label_set_text (GTK_LABEL (self->status), message != NULL ? message : "");
  gtk_widget_set_visible (self->status, message != NULL);
  if (error)
    gtk_widget_add_css_class (self->status, "error");
  else
    gtk_widget_remove_css_class (self->status, "error");
}

static gboolean
has_body (OutpostAttachmentView *self)
{
  return self->body != NULL && *self->body != '\0';
}

/* The decoded size: 3 bytes per 4 Base64 characters, less the "=" padding. */
static guint64
body_size (const char *body)
{
  guint64 chars = 0, padding = 0;

  for (const char *p = body; *p != '\0'; p++)
    {
      if (*p == '=')
        padding++;
      else if (!g_ascii_isspace (*p))
        chars++;
    }
  return ((chars + padding) / 4) * 3 - MIN (padding, 2);
}

static char *
title_text (OutpostAttachmentView *self)
{
  g_autofree char *size = g_format_size (body_size (self->body));
  const char *name = self->file_name != NULL && *self->file_name ? self->file_name : _("Unnamed file");

  if (self->mime_type != NULL && *self->mime_type)
    /* Translators: an attachment: file name, type, size, e.g. "notes.txt (text/plain, 1.2 kB)" */
    return g_strdup_printf (_("%s (%s, %s)"), name, self->mime_type, size);
  return g_strdup_printf (_("%s (%s)"), name, size);
}

static void
update (OutpostAttachmentView *self)
{
  g_autofree char *title = has_body (self) ? title_text (self) : g_strdup (_("No attachment"));
  const char *why = has_body (self) ? NULL : _("This record has no attachment");

  gtk_label_set_text (GTK_LABEL (self->title), title);
  gtk_widget_set_sensitive (self->open_button, has_body (self));
  gtk_widget_set_sensitive (self->save_button, has_body (self));
  gtk_widget_set_tooltip_text (self->open_button, why != NULL ? why : _("Open the attachment with its application"));
  gtk_widget_set_tooltip_text (self->save_button, why != NULL ? why : _("Save a copy of the attachment"));
}

void
outpost_attachment_view_load (OutpostAttachmentView *self, OutpostRecord *record)
{
  g_return_if_fail (OUTPOST_IS_ATTACHMENT_VIEW (self));
  g_cancellable_cancel (self->cancellable);   /* a file of the previous record is not opened */
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_free (self->file_name);
  g_free (self->mime_type);
  g_free (self->body);
  self->file_name = g_strdup (record != NULL ? outpost_record_get_string (record, "filename") : NULL);
  self->mime_type = g_strdup (record != NULL ? outpost_record_get_string (record, "mimetype") : NULL);
  self->body = g_strdup (record != NULL ? outpost_record_get_string (record, self->field->name) : NULL);
  set_status (self, NULL, FALSE);
  update (self);
}

/* ---- opening ----------------------------------------------------------------------------- */

typedef struct {
  char *account;
  char *file_name;
  char *body;
  GFile *target;     /* Save As: the chosen file; Open: NULL (the cache folder) */
} WriteJob;

static void
write_job_free (WriteJob *job)
{
  g_free (job->account);
  g_free (job->file_name);
  g_free (job->body);
  g_clear_object (&job->target);
  g_free (job);
}

static WriteJob *
write_job_new (OutpostAttachmentView *self, GFile *target)
{
  WriteJob *job = g_new0 (WriteJob, 1);

  job->account = g_strdup (self->account);
  job->file_name = g_strdup (self->file_name);
  job->body = g_strdup (self->body);
  job->target = target != NULL ? g_object_ref (target) : NULL;
  return job;
}

static gboolean
save_to_file (WriteJob *job, GCancellable *cancellable, GError **error)
{
  g_autoptr(GBytes) data = outpost_attachment_decode (job->body, error);

  return data != NULL &&
         g_file_replace_contents (job->target, g_bytes_get_data (data, NULL), g_bytes_get_size (data),
                                  NULL, FALSE, G_FILE_CREATE_NONE, NULL, cancellable, error);
}

/* Worker thread: decode the body and write it; returns the written file's path. */
static void
write_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  WriteJob *job = data;
  GError *error = NULL;
  char *path = NULL;

  if (job->target == NULL)
    path = outpost_attachment_save_to_cache (NULL, job->account, job->file_name, job->body, &error);
  else if (save_to_file (job, cancellable, &error))
    path = g_file_get_path (job->target);
  if (path == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, path, g_free);
}

static void
start_write (OutpostAttachmentView *self, GFile *target, GAsyncReadyCallback done)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, done, NULL);

  g_task_set_source_tag (task, start_write);
  g_task_set_task_data (task, write_job_new (self, target), (GDestroyNotify) write_job_free);
  g_task_run_in_thread (task, write_thread);
}

static void
launched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OutpostAttachmentView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (gtk_show_uri_full_finish (GTK_WINDOW (source), result, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Opened a copy: %s"), self->opened_path);
      set_status (self, message, FALSE);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *message = g_strdup_printf (_("The attachment was saved in the cache folder "
                                                    "but could not be opened: %s"), error->message);
      set_status (self, message, TRUE);
    }
}

static void
open_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OutpostAttachmentView *self = OUTPOST_ATTACHMENT_VIEW (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *uri = NULL, *base = NULL, *message = NULL;
  GtkRoot *root;

  if (path == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_status (self, error->message, TRUE);
      return;
    }
  base = g_path_get_basename (path);
  g_free (self->opened_path);
  self->opened_path = g_strdup (path);
  /* Translators: %s is the file name in the cache folder */
  message = g_strdup_printf (_("Opening %s…"), base);
  set_status (self, message, FALSE);
  uri = g_filename_to_uri (path, NULL, NULL);
  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (uri != NULL && GTK_IS_WINDOW (root))
    gtk_show_uri_full (GTK_WINDOW (root), uri, GDK_CURRENT_TIME, self->cancellable, launched,
                       g_object_ref (self));
}

static void
open_clicked (OutpostAttachmentView *self)
{
  set_status (self, _("Preparing the attachment…"), FALSE);
  start_write (self, NULL, open_written);
}

/* ---- saving ------------------------------------------------------------------------------ */

static void
save_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OutpostAttachmentView *self = OUTPOST_ATTACHMENT_VIEW (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *message = NULL;

  if (path == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          message = g_strdup_printf (_("Could not save the attachment: %s"), error->message);
          set_status (self, message, TRUE);
        }
      return;
    }
  message = g_strdup_printf (_("Saved as %s"), path);
  set_status (self, message, FALSE);
}

static void
chooser_response (GtkNativeDialog *chooser, int response, OutpostAttachmentView *self)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  if (file != NULL)
    {
      set_status (self, _("Saving the attachment…"), FALSE);
      start_write (self, file, save_written);
    }
  gtk_native_dialog_destroy (chooser);
  g_clear_object (&self->chooser);
}

static void
save_clicked (OutpostAttachmentView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *suggested = outpost_attachment_safe_name (self->file_name, -1);
  const char *downloads = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);
  g_autoptr(GFile) folder = g_file_new_for_path (downloads != NULL ? downloads : g_get_home_dir ());
  GtkFileChooserNative *chooser;

  if (self->chooser != NULL)
    return;
  chooser = gtk_file_chooser_native_new (_("Save Attachment"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  /* the server's name, made safe: no folder parts, nothing hidden; in Downloads (or home) */
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), suggested);
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response), self);
  self->chooser = GTK_NATIVE_DIALOG (chooser);
  gtk_native_dialog_show (self->chooser);
}

/* ---- construction ------------------------------------------------------------------------ */

char *
outpost_attachment_account_for_store_path (const char *db_path)
{
  g_autofree char *dir = db_path != NULL ? g_path_get_dirname (db_path) : NULL;

  return dir != NULL ? g_path_get_basename (dir) : NULL;
}

static GtkWidget *
labeled_button (const char *icon, const char *text)
{
  GtkWidget *button = gtk_button_new ();
  GtkWidget *content = adw_button_content_new ();

  adw_button_content_set_icon_name (ADW_BUTTON_CONTENT (content), icon);
  adw_button_content_set_label (ADW_BUTTON_CONTENT (content), text);
  adw_button_content_set_use_underline (ADW_BUTTON_CONTENT (content), TRUE);
  gtk_button_set_child (GTK_BUTTON (button), content);   /* its label names the button */
  return button;
}

static void
outpost_attachment_view_dispose (GObject *object)
{
  OutpostAttachmentView *self = OUTPOST_ATTACHMENT_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (self->chooser);
  g_clear_object (&self->chooser);
  G_OBJECT_CLASS (outpost_attachment_view_parent_class)->dispose (object);
}

static void
outpost_attachment_view_finalize (GObject *object)
{
  OutpostAttachmentView *self = OUTPOST_ATTACHMENT_VIEW (object);

  g_clear_object (&self->cancellable);
  g_free (self->account);
  g_free (self->file_name);
  g_free (self->mime_type);
  g_free (self->body);
  g_free (self->opened_path);
  G_OBJECT_CLASS (outpost_attachment_view_parent_class)->finalize (object);
}

static void
outpost_attachment_view_class_init (OutpostAttachmentViewClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = outpost_attachment_view_dispose;
  G_OBJECT_CLASS (klass)->finalize = outpost_attachment_view_finalize;
}

static void
outpost_attachment_view_init (OutpostAttachmentView *self)
{
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 6);
  self->cancellable = g_cancellable_new ();
  self->title = gtk_label_new (NULL);
  gtk_label_set_use_markup (GTK_LABEL (self->title), FALSE);   /* the file name is the server's */
  gtk_label_set_xalign (GTK_LABEL (self->title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->title), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_selectable (GTK_LABEL (self->title), TRUE);
  self->open_button = labeled_button ("document-open-symbolic", _("_Open Attachment"));
  self->save_button = labeled_button ("document-save-as-symbolic", _("_Save Attachment As…"));
  g_signal_connect_swapped (self->open_button, "clicked", G_CALLBACK (open_clicked), self);
  g_signal_connect_swapped (self->save_button, "clicked", G_CALLBACK (save_clicked), self);
  gtk_box_append (GTK_BOX (buttons), self->open_button);
  gtk_box_append (GTK_BOX (buttons), self->save_button);
  self->status = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->status), 0);
  gtk_label_set_wrap (GTK_LABEL (self->status), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (self->status), PANGO_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (self->status, "caption");
  gtk_widget_set_visible (self->status, FALSE);
  gtk_box_append (GTK_BOX (self), self->title);
  gtk_box_append (GTK_BOX (self), buttons);
  gtk_box_append (GTK_BOX (self), self->status);
}

GtkWidget *
outpost_attachment_view_new (OutpostField *field, const char *account)
{
  OutpostAttachmentView *self = g_object_new (OUTPOST_TYPE_ATTACHMENT_VIEW, NULL);

  self->field = field;
  self->account = g_strdup (account);
  update (self);
  return GTK_WIDGET (self);
}
