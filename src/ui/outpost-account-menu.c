/* outpost-account-menu.c: the main menu's Accounts section (see the header). */
#include "config.h"

#include "outpost-account-menu.h"
#include "outpost-account.h"

/* Menu labels take mnemonics: an account named "my_org" must not read "myorg". */
static char *
escape_mnemonic (const char *name)
{
  GString *out = g_string_new (NULL);

  for (const char *p = name; *p != '\0'; p++)
    {
      if (*p == '_')
        g_string_append_c (out, '_');
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static gboolean
same_names (GMenu *menu, GPtrArray *accounts)
{
  GMenuModel *model = G_MENU_MODEL (menu);

  if ((guint) g_menu_model_get_n_items (model) != accounts->len)
    return FALSE;
  for (guint i = 0; i < accounts->len; i++)
    {
      g_autoptr(GVariant) target = g_menu_model_get_item_attribute_value (model, (int) i,
                                                                          G_MENU_ATTRIBUTE_TARGET,
                                                                          G_VARIANT_TYPE_STRING);
      const char *name = outpost_account_get_name (g_ptr_array_index (accounts, i));

      if (target == NULL || g_strcmp0 (g_variant_get_string (target, NULL), name) != 0)
        return FALSE;
    }
  return TRUE;
}

gboolean
outpost_account_menu_refresh (GMenu *menu)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = outpost_account_list (&error);

  g_return_val_if_fail (G_IS_MENU (menu), FALSE);
  if (accounts == NULL)
    {
      g_warning ("Listing the accounts failed: %s", error->message);
      return FALSE;
    }
  if (same_names (menu, accounts))
    return FALSE;
  g_menu_remove_all (menu);
  for (guint i = 0; i < accounts->len; i++)
    {
      const char *name = outpost_account_get_name (g_ptr_array_index (accounts, i));
      g_autofree char *label = escape_mnemonic (name);
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

      g_menu_item_set_action_and_target_value (item, "app.open-account", g_variant_new_string (name));
      g_menu_append_item (menu, item);
    }
  return TRUE;
}

static GtkMenuButton *
find_primary_button (GtkWidget *widget)
{
  if (GTK_IS_MENU_BUTTON (widget) && gtk_menu_button_get_primary (GTK_MENU_BUTTON (widget)))
    return GTK_MENU_BUTTON (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkMenuButton *found = find_primary_button (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

gboolean
outpost_account_menu_attach (GtkWidget *window, GMenuModel *accounts)
{
  GtkMenuButton *button = find_primary_button (window);
  GMenuModel *model = button != NULL ? gtk_menu_button_get_menu_model (button) : NULL;

  if (!G_IS_MENU (model))
    return FALSE;
  for (int i = 0; i < g_menu_model_get_n_items (model); i++)
    {
      g_autofree char *mark = NULL;
      g_autoptr(GMenuItem) item = NULL;

      if (!g_menu_model_get_item_attribute (model, i, OUTPOST_ACCOUNT_MENU_MARK, "s", &mark))
        continue;
      /* the same item (its label and mark) linked to the shared list instead of its empty
       * section: the mark stays, so attaching twice does no harm */
      item = g_menu_item_new_from_model (model, i);
      g_menu_item_set_section (item, accounts);
      g_menu_remove (G_MENU (model), i);
      g_menu_insert_item (G_MENU (model), i, item);
      return TRUE;
    }
  return FALSE;
}
