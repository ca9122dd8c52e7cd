/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithContactActions"

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>

#include "kith-contact-actions.h"
#include "kith-toast.h"

/* What a removal, a withdrawal or its undo needs once kithd answers. */
typedef struct {
  GtkWidget   *widget;
  KithSession *session;
  char        *name;
  char        *email;
} ContactRequest;

static ContactRequest *
contact_request_new (GtkWidget   *widget,
                     KithSession *session,
                     KithContact *contact)
{
  ContactRequest *request = g_new0 (ContactRequest, 1);

  request->widget = g_object_ref (widget);
  request->session = g_object_ref (session);
  request->name = g_strdup (kith_contact_get_display_name (contact));
  request->email = g_strdup (kith_contact_get_email (contact));
  return request;
}

static void
contact_request_free (ContactRequest *request)
{
  g_clear_object (&request->widget);
  g_clear_object (&request->session);
  g_clear_pointer (&request->name, g_free);
  g_clear_pointer (&request->email, g_free);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ContactRequest, contact_request_free)

/* Ends a contact-list call: TRUE when it worked; else its error (not a
 * cancellation) shows as a toast on @widget. */
static gboolean
finish_call (GObject      *source,
             GAsyncResult *result,
             GtkWidget    *widget)
{
  g_autoptr (GError) error = NULL;

  if (kith_contact_list_finish (KITH_CONTACT_LIST (source), result, &error))
    return TRUE;
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    kith_toast_show (widget, error->message);
  return FALSE;
}

/* Ends a contact-list call that says nothing when it works (accepting,
 * declining, asking again). @user_data is a reference to the widget that
 * asked. */
static void
on_answered (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GtkWidget) widget = user_data;

  finish_call (source, result, widget);
}

/* ---- removing ---- */

static void
on_removed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (ContactRequest) request = user_data;
  g_autofree char *title = NULL;

  if (!finish_call (source, result, request->widget))
    return;
  /* Translators: a toast; %s is the contact's name */
  title = g_strdup_printf (_("%s was removed from your contacts"), request->name);
  kith_toast_show (request->widget, title);
}

static void
on_remove_response (AdwMessageDialog *dialog,
                    const char       *response,
                    ContactRequest   *request)
{
  KithContact *contact;

  if (g_strcmp0 (response, "remove") != 0)
    return;
  /* Gone meanwhile (the other side removed us): nothing to do. */
  contact = kith_session_find_contact_by_email (request->session, request->email);
  if (contact == NULL)
    return;
  kith_contact_list_remove_async (kith_session_get_contact_list (request->session), contact, NULL,
                                  on_removed,
                                  contact_request_new (request->widget, request->session, contact));
}

/* ---- withdrawing ---- */

static void
on_undo_withdraw (AdwToast       *toast,
                  ContactRequest *request)
{
  kith_contact_list_add_async (kith_session_get_contact_list (request->session), request->email,
                               NULL, on_answered, g_object_ref (request->widget));
}

static void
on_withdrawn (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (ContactRequest) request = user_data;
  g_autofree char *title = NULL;
  GtkWidget *widget = request->widget;
  AdwToast *toast;

  if (!finish_call (source, result, widget))
    return;
  /* Translators: a toast with an Undo button; %s is the person's name */
  title = g_strdup_printf (_("Request to %s withdrawn"), request->name);
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  /* The toast keeps the request (and with it @widget) for its Undo. */
  g_signal_connect_data (toast, "button-clicked", G_CALLBACK (on_undo_withdraw),
                         g_steal_pointer (&request), (GClosureNotify) contact_request_free, 0);
  kith_toast_add (widget, toast);
}

/* ---- public API ---- */

void
kith_contact_actions_answer (GtkWidget    *widget,
                             KithSession  *session,
                             KithContact  *contact,
                             gboolean      accept,
                             GCancellable *cancellable)
{
  KithContactList *list;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (KITH_IS_SESSION (session));
  g_return_if_fail (KITH_IS_CONTACT (contact));

  list = kith_session_get_contact_list (session);
  if (accept)
    kith_contact_list_accept_async (list, contact, cancellable, on_answered, g_object_ref (widget));
  else
    kith_contact_list_remove_async (list, contact, cancellable, on_answered, g_object_ref (widget));
}

GMenuModel *
kith_contact_actions_menu (KithContact *contact,
                           const char  *prefix,
                           gboolean     with_target)
{
  g_autoptr (GMenu) menu = NULL;
  g_autoptr (GMenuItem) item = NULL;
  g_autofree char *action = NULL;

  g_return_val_if_fail (KITH_IS_CONTACT (contact), NULL);
  g_return_val_if_fail (prefix != NULL, NULL);

  switch (kith_contact_get_state (contact)) {
  case KITH_CONTACT_ACCEPTED:
    item = g_menu_item_new (_("_Remove Contact…"), NULL);
    action = g_strconcat (prefix, ".remove-contact", NULL);
    break;
  case KITH_CONTACT_OUTGOING:
    item = g_menu_item_new (_("_Withdraw Request"), NULL);
    action = g_strconcat (prefix, ".withdraw-request", NULL);
    break;
  case KITH_CONTACT_INCOMING:
  default:
    return NULL;
  }

  if (with_target)
    g_menu_item_set_action_and_target_value (item, action,
                                             g_variant_new_int64 (kith_contact_get_id (contact)));
  else
    g_menu_item_set_action_and_target_value (item, action, NULL);
  menu = g_menu_new ();
  g_menu_append_item (menu, item);
  return G_MENU_MODEL (g_steal_pointer (&menu));
}

void
kith_contact_actions_confirm_remove (GtkWidget   *widget,
                                     KithSession *session,
                                     KithContact *contact)
{
  GtkRoot *root;
  g_autofree char *heading = NULL;
  GtkWidget *dialog;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (KITH_IS_SESSION (session));
  g_return_if_fail (KITH_IS_CONTACT (contact));

  root = gtk_widget_get_root (widget);
  /* Translators: the heading of the confirmation; %s is the contact's name */
  heading = g_strdup_printf (_("Remove %s?"), kith_contact_get_display_name (contact));
  /* What kith_contact_list_remove_async (); does: kithd ends the
   * contact for both sides; the cache keeps the conversation (and kithd
   * its copy), shown again when the two are contacts again. */
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading,
                                   _("You will no longer see each other’s status or be able "
                                     "to send each other messages.\n\n"
                                     "Your conversation stays on this computer. It shows again "
                                     "if you become contacts again."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_remove_response),
                         contact_request_new (widget, session, contact),
                         (GClosureNotify) contact_request_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
kith_contact_actions_withdraw (GtkWidget   *widget,
                               KithSession *session,
                               KithContact *contact)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (KITH_IS_SESSION (session));
  g_return_if_fail (KITH_IS_CONTACT (contact));

  if (kith_contact_get_state (contact) != KITH_CONTACT_OUTGOING)
    return;
  kith_contact_list_remove_async (kith_session_get_contact_list (session), contact, NULL,
                                  on_withdrawn, contact_request_new (widget, session, contact));
}
