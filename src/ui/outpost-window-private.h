/* outpost-window-private.h: shared between outpost-window.c and outpost-window-sync.c. */
#pragma once

#include "outpost-record-form.h"
#include "outpost-record-list-model.h"
#include "outpost-window.h"

G_BEGIN_DECLS

struct _OutpostWindow
{
  AdwApplicationWindow    parent_instance;
  OutpostContext         *context;

  /* template */
  AdwToastOverlay        *toast_overlay;
  AdwToast               *result_toast;   /* weak: the last sync result shown */
  GtkStack               *main_stack;
  GtkWidget              *welcome_page;
  AdwStatusPage          *busy_page;
  GtkSpinner             *busy_spinner;
  GtkLabel               *busy_label;
  AdwStatusPage          *open_error_page;
  GtkLabel               *open_error_label;
  AdwLeaflet             *leaflet;
  AdwWindowTitle         *account_title;
  GtkListBox             *entity_list;
  GtkWidget              *sync_state_button;
  GtkImage               *sync_state_icon;
  GtkLabel               *sync_state_label;
  AdwWindowTitle         *list_title;
  GtkWidget              *sync_button;
  GtkToggleButton        *search_button;
  GtkRevealer            *progress_revealer;
  GtkLabel               *progress_label;
  GtkProgressBar         *progress_bar;
  GtkSearchBar           *search_bar;
  GtkSearchEntry         *search_entry;
  GtkToggleButton        *filter_changed;
  GtkToggleButton        *filter_issues;
  GtkSpinner             *list_spinner;
  GtkStack               *list_stack;
  AdwStatusPage          *empty_page;
  GtkColumnView          *column_view;
  GtkWidget              *form_pane;

  /* state */
  OutpostRecordForm      *form;
  OutpostRecordListModel *model;
  GtkSingleSelection     *selection;
  char                   *entity;          /* logical name shown */
  GHashTable             *sidebar_rows;    /* logical name -> GtkListBoxRow */
  const char             *probe_hit;       /* sort probe, see sort_changed */
  guint                   refresh_source;
  gint64                  unsynced;
  gint64                  issues;          /* unused */
  gint64                  conflicts;       /* waiting in Sync Issues */
  gint64                  sync_errors;
  char                   *last_sync_error; /* the last run's failure, NULL after a success */
  gboolean                counting;
  gboolean                count_again;

  /* sync */
  GCancellable           *sync_cancellable;
  AdwMessageDialog       *sync_dialog;
  GtkProgressBar         *sync_dialog_bar;
  GtkLabel               *sync_dialog_label;
  gulong                  engine_handlers[3];

  /* automatic sync (outpost-window-auto.c) */
  GtkLabel               *auto_status_label;
  GtkToggleButton        *work_offline_button;
  OutpostScheduler       *scheduler;       /* the context's, while attached */
  AdwMessageDialog       *ask_dialog;
};

void outpost_window_refresh_counts   (OutpostWindow *self);
void outpost_window_refresh_list     (OutpostWindow *self);
void outpost_window_sync_attach      (OutpostWindow *self);
void outpost_window_sync_detach      (OutpostWindow *self);
void outpost_window_update_sync_state (OutpostWindow *self);
void outpost_window_count_issues     (OutpostWindow *self);
void outpost_window_auto_attach      (OutpostWindow *self);
void outpost_window_auto_detach      (OutpostWindow *self);

G_END_DECLS
