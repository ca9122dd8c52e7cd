/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithChatView"

#include "config.h"

#include <glib/gi18n.h>
#include <adwaita.h>

#include "kith-chat-view.h"
#include "kith-chat-history.h"
#include "kith-contact-actions.h"
#include "kith-shown-presence.h"
#include "kith-toast.h"

struct _KithChatView
{
  GtkWidget      parent_instance;

  KithSession   *session;
  KithContact   *contact;
  KithChatHistory *history;       /* the chat shown, first in kept */
  GQueue         kept;            /* the histories (children of histories),
                                   * the last shown first */
  GHashTable    *positions;       /* contact id → id of the message at the top */
  GCancellable  *cancellable;
  GtkWindow     *window;          /* watched for is-active while mapped */
  AdwLeaflet    *leaflet;         /* the ancestor leaflet, if any */
  GBindingGroup *leaflet_bindings; /* its folded: the back button, while mapped */
  GSignalGroup  *contact_signals;
  gboolean       focus_composer;   /* a chat was opened while unmapped */
  guint          read_interval_id; /* a read marker went: the next waits for this */
  gboolean       read_again;       /* messages were read meanwhile */
  KithChatViewClock now_func;

  GtkWidget     *back_button;
  GtkWidget     *menu_button;
  GtkWidget     *audio_call_button;
  GtkWidget     *video_call_button;
  GtkWidget     *stack;
  GtkWidget     *request_page;
  GtkWidget     *accept_button;
  GtkWidget     *histories;
  GtkWidget     *composer_box;
  GtkWidget     *composer;
  GtkWidget     *composer_placeholder;
};

/* The histories kept: the chat shown and the last chats left at their
 * newest message (going back to one makes no row; docs/desktop.md).
 * They stay where they are in the box: moving the one shown to the front
 * took half the time of a switch between two long chats. */
#define MAX_KEPT_HISTORIES 3
/* Read markers go at most this often (ms): the first at once, the
 * messages read meanwhile in one at its end. */
#define READ_INTERVAL_MS 250

enum {
  PROP_0,
  PROP_SESSION,
  PROP_CONTACT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KithChatView, kith_chat_view, GTK_TYPE_WIDGET)

/* ---- reading ---- */

static void send_read_marker (KithChatView *self);

static gboolean
on_read_interval (gpointer user_data)
{
  KithChatView *self = user_data;

  self->read_interval_id = 0;
  if (self->read_again)
    send_read_marker (self);
  return G_SOURCE_REMOVE;
}

/* A chat with an accepted contact is open: its messages can be read. */
static gboolean
has_readable_chat (KithChatView *self)
{
  return self->contact != NULL && self->history != NULL &&
         kith_contact_get_state (self->contact) == KITH_CONTACT_ACCEPTED;
}

static gboolean
has_unread_chat (KithChatView *self)
{
  return has_readable_chat (self) && kith_contact_get_unread_count (self->contact) > 0;
}

static void
send_read_marker (KithChatView *self)
{
  self->read_again = FALSE;
  kith_conversations_mark_read (kith_session_get_conversations (self->session), self->contact);
  self->read_interval_id = g_timeout_add (READ_INTERVAL_MS, on_read_interval, self);
}

/* Messages shown in the active window are read. Not a read marker for
 * each message of a flood (a thousand a second: each one a frame for the
 * server and the unread count saved, queued faster than they went): one
 * at once, then one per READ_INTERVAL_MS for those that came meanwhile.
 * Those are read at once all the same: their unread count goes now, so
 * the open chat's row never shows a badge for them (it did, for up to
 * READ_INTERVAL_MS, each time a message came: a frame more each). */
static void
maybe_mark_read (KithChatView *self)
{
  if (!has_unread_chat (self))
    return;
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)) || self->window == NULL ||
      !gtk_window_is_active (self->window))
    return;
  if (self->read_interval_id != 0) {
    kith_conversations_clear_unread (kith_session_get_conversations (self->session), self->contact);
    self->read_again = TRUE;
    return;
  }
  send_read_marker (self);
}

/* Another chat, or none, or the window hides (to the tray, or Kith exits,
 * which signs out next): what was read in this one goes now. It was read
 * while shown, so it goes whether or not the chat still is. */
static void
flush_mark_read (KithChatView *self)
{
  g_clear_handle_id (&self->read_interval_id, g_source_remove);
  if (self->read_again && has_readable_chat (self))
    kith_conversations_mark_read (kith_session_get_conversations (self->session), self->contact);
  self->read_again = FALSE;
}

/* ---- the header and the page ---- */

/* "Remove Contact…" for a contact, "Withdraw Request" for our request. */
static void
update_menu (KithChatView *self)
{
  g_autoptr (GMenuModel) model = NULL;

  if (self->contact != NULL)
    model = kith_contact_actions_menu (self->contact, "chat", FALSE);
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (self->menu_button), model);
  gtk_widget_set_visible (self->menu_button, model != NULL);
}

/* The header's expressions (kith-chat-view.ui): they follow :contact, its
 * state and presence, and the session's state. */

static gboolean
header_has_contact (KithChatView *self,
                    KithContact  *contact)
{
  return contact != NULL;
}

static gboolean
header_dot_visible (KithChatView     *self,
                    KithContactState  state)
{
  return state == KITH_CONTACT_ACCEPTED;
}

static GStrv
header_dot_classes (KithChatView     *self,
                    KithContactState  state,
                    KithPresence      presence,
                    KithSessionState  session_state)
{
  const char *name = NULL;

  if (state == KITH_CONTACT_ACCEPTED && session_state != KITH_SESSION_ONLINE)
    name = KITH_SHOWN_PRESENCE_UNKNOWN_NAME;   /* the last status heard, as unknown */
  else if (state == KITH_CONTACT_ACCEPTED)
    name = kith_shown_presence_get_name (kith_shown_presence_from_presence (presence));

  return g_strdupv ((char *[]) { (char *) "kith-presence-dot", (char *) name, NULL });
}

static char *
header_presence_text (KithChatView     *self,
                      KithContactState  state,
                      KithPresence      presence,
                      KithSessionState  session_state)
{
  switch (state) {
  case KITH_CONTACT_INCOMING:
    return g_strdup (_("Wants to be your contact"));
  case KITH_CONTACT_OUTGOING:
    return g_strdup (_("Request sent"));
  case KITH_CONTACT_ACCEPTED:
  default:
    if (session_state != KITH_SESSION_ONLINE)
      return g_strdup (kith_shown_presence_get_unknown_label (presence));
    return g_strdup (kith_shown_presence_get_label (kith_shown_presence_from_presence (presence)));
  }
}

/* One call button: its action, its tooltip (what it does, or why it
 * cannot), its accessible label and description. */
static void
update_call_button (KithChatView *self,
                    GtkWidget    *button,
                    const char   *action,
                    const char   *label,
                    const char   *tooltip,
                    const char   *why)
{
  gtk_widget_set_visible (button, self->contact != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), action, self->contact != NULL && why == NULL);
  gtk_widget_set_tooltip_text (button, why != NULL ? why : tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label != NULL ? label : "",
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, why != NULL ? why : "",
                                  -1);
}

/* The call buttons: shown with a contact; insensitive, with a tooltip
 * saying why, when a call cannot be placed to it now. */
static void
update_call_buttons (KithChatView *self)
{
  KithCallManager *calls = kith_session_get_calls (self->session);
  g_autofree char *why = NULL;
  g_autofree char *audio_label = NULL;
  g_autofree char *video_label = NULL;
  const char *name = NULL;

  if (self->contact != NULL) {
    name = kith_contact_get_display_name (self->contact);
    audio_label = g_strdup_printf (_("Start audio call with %s"), name);
    video_label = g_strdup_printf (_("Start video call with %s"), name);
    if (kith_session_get_state (self->session) != KITH_SESSION_ONLINE)
      why = g_strdup (_("Kith is not connected to the server"));
    else if (kith_contact_get_state (self->contact) != KITH_CONTACT_ACCEPTED)
      why = g_strdup_printf (_("%s is not your contact yet"), name);
    else if (kith_call_manager_get_current (calls) != NULL)
      why = g_strdup (_("You are already in a call"));
    else if (kith_contact_get_presence (self->contact) == KITH_PRESENCE_OFFLINE)
      why = g_strdup_printf (_("%s is offline"), name);
  }

  update_call_button (self, self->audio_call_button, "chat.call-audio", audio_label,
                      _("Start Audio Call"), why);
  update_call_button (self, self->video_call_button, "chat.call-video", video_label,
                      _("Start Video Call"), why);
}

/* "Message NAME" while the composer is empty (also what a screen reader
 * says of the empty field). */
static void
update_placeholder (KithChatView *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->composer));
  g_autofree char *text = NULL;

  if (self->contact != NULL)
    text = g_strdup_printf (_("Message %s"), kith_contact_get_display_name (self->contact));
  gtk_label_set_label (GTK_LABEL (self->composer_placeholder), text ? text : "");
  gtk_widget_set_visible (self->composer_placeholder,
                          text != NULL && gtk_text_buffer_get_char_count (buffer) == 0);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->composer),
                                  GTK_ACCESSIBLE_PROPERTY_PLACEHOLDER, text ? text : "",
                                  -1);
}

static void
update_send_enabled (KithChatView *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->composer));
  GtkTextIter start, end;
  g_autofree char *text = NULL;
  gboolean enabled = FALSE;

  if (self->contact != NULL && kith_contact_get_state (self->contact) == KITH_CONTACT_ACCEPTED) {
    gtk_text_buffer_get_bounds (buffer, &start, &end);
    text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
    enabled = *g_strstrip (text) != '\0';
  }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.send", enabled);
  update_placeholder (self);
}

/* ---- the histories ---- */

static void
drop_history (KithChatView    *self,
              KithChatHistory *history)
{
  g_queue_remove (&self->kept, history);
  gtk_box_remove (GTK_BOX (self->histories), GTK_WIDGET (history));
}

/* The chat shown is left: where it was is remembered; kept (hidden) only
 * if left at its newest message and still a contact's. */
static void
leave_history (KithChatView *self)
{
  KithChatHistory *history = self->history;
  KithContact *contact;
  g_autofree char *top = NULL;
  gint64 id;

  if (history == NULL)
    return;
  self->history = NULL;
  g_signal_handlers_disconnect_by_data (history, self);
  contact = kith_chat_history_get_contact (history);
  id = kith_contact_get_id (contact);
  top = kith_chat_history_leave (history);
  gtk_widget_set_visible (GTK_WIDGET (history), FALSE);
  if (top != NULL)
    g_hash_table_replace (self->positions, g_memdup2 (&id, sizeof id), g_steal_pointer (&top));
  else
    g_hash_table_remove (self->positions, &id);
  if (g_hash_table_contains (self->positions, &id) ||
      kith_contact_get_state (contact) != KITH_CONTACT_ACCEPTED ||
      kith_session_find_contact (self->session, id) != contact)
    drop_history (self, history);
}

static KithChatHistory *
find_kept (KithChatView *self,
           KithContact  *contact)
{
  for (GList *l = self->kept.head; l != NULL; l = l->next)
    if (kith_chat_history_get_contact (l->data) == contact)
      return l->data;
  return NULL;
}

static void
on_jumped_to_newest (KithChatView *self)
{
  maybe_mark_read (self);
  gtk_widget_grab_focus (self->composer);
}

/* The open contact's history: kept from before, or made at the message it
 * was left at (or its newest). Shown first; the oldest kept past
 * MAX_KEPT_HISTORIES go. */
static void
open_history (KithChatView *self)
{
  KithChatHistory *history = find_kept (self, self->contact);
  gint64 id = kith_contact_get_id (self->contact);

  if (history != NULL) {
    g_queue_remove (&self->kept, history);
    gtk_widget_set_visible (GTK_WIDGET (history), TRUE);
    kith_chat_history_show_again (history);
  } else {
    history = kith_chat_history_new (self->session, self->contact,
                                     g_hash_table_lookup (self->positions, &id), self->now_func);
    gtk_widget_set_vexpand (GTK_WIDGET (history), TRUE);
    gtk_box_append (GTK_BOX (self->histories), GTK_WIDGET (history));
  }
  g_queue_push_head (&self->kept, history);
  self->history = history;
  g_signal_connect_swapped (history, "messages-changed", G_CALLBACK (maybe_mark_read), self);
  g_signal_connect_swapped (history, "jumped-to-newest", G_CALLBACK (on_jumped_to_newest), self);

  while (self->kept.length > MAX_KEPT_HISTORIES)
    drop_history (self, g_queue_peek_tail (&self->kept));
}

/* Kept histories of contacts that are gone (removed, signed out) go. */
static void
drop_gone_histories (KithChatView *self)
{
  GtkWidget *child = gtk_widget_get_first_child (self->histories);

  while (child != NULL) {
    GtkWidget *next = gtk_widget_get_next_sibling (child);
    KithContact *contact = kith_chat_history_get_contact (KITH_CHAT_HISTORY (child));

    if (child != GTK_WIDGET (self->history) &&
        kith_session_find_contact (self->session, kith_contact_get_id (contact)) != contact)
      drop_history (self, KITH_CHAT_HISTORY (child));
    child = next;
  }
}

/* No chat open: "Select a contact", or nothing at all while there are no
 * contacts (the list's "Add your first contact" is the one empty state). */
static void
update_none (KithChatView *self)
{
  gboolean no_contacts = g_list_model_get_n_items (kith_session_get_contacts (self->session)) == 0;

  if (self->contact != NULL)
    return;
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), no_contacts ? "no-contacts" : "none");
}

static void
show_contact (KithChatView *self)
{
  KithContactState state;
  g_autofree char *description = NULL;

  leave_history (self);

  update_menu (self);
  update_call_buttons (self);
  self->focus_composer = FALSE;

  if (self->contact == NULL) {
    update_none (self);
    gtk_widget_set_visible (self->composer_box, FALSE);
    update_send_enabled (self);
    return;
  }

  state = kith_contact_get_state (self->contact);
  if (state != KITH_CONTACT_ACCEPTED) {
    if (state == KITH_CONTACT_INCOMING)
      description = g_markup_printf_escaped (_("%s wants to be your contact. Accept the request to chat."),
                                             kith_contact_get_display_name (self->contact));
    else
      description = g_markup_printf_escaped (_("You can chat once %s accepts your request."),
                                             kith_contact_get_display_name (self->contact));
    gtk_widget_set_visible (self->accept_button, state == KITH_CONTACT_INCOMING);
    adw_status_page_set_description (ADW_STATUS_PAGE (self->request_page), description);
    gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "request");
    gtk_widget_set_visible (self->composer_box, FALSE);
    update_send_enabled (self);
    return;
  }

  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "chat");
  gtk_widget_set_visible (self->composer_box, TRUE);
  open_history (self);
  update_send_enabled (self);
  maybe_mark_read (self);
  /* The user chose this chat: let them type at once. Shown later (a folded
   * leaflet slides the chat in after this): on map. */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_widget_grab_focus (self->composer);
  else
    self->focus_composer = TRUE;
}

/* ---- the window around us ---- */

static void
on_window_active (KithChatView *self)
{
  if (self->history != NULL)
    kith_chat_history_check_day (self->history);
  maybe_mark_read (self);
}

static void
on_back_clicked (KithChatView *self)
{
  if (self->leaflet != NULL)
    adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
kith_chat_view_map (GtkWidget *widget)
{
  KithChatView *self = KITH_CHAT_VIEW (widget);
  GtkRoot *root;
  GtkWidget *leaflet;

  GTK_WIDGET_CLASS (kith_chat_view_parent_class)->map (widget);

  root = gtk_widget_get_root (widget);
  if (GTK_IS_WINDOW (root) && self->window == NULL) {
    self->window = GTK_WINDOW (root);
    g_signal_connect_swapped (self->window, "notify::is-active", G_CALLBACK (on_window_active), self);
  }
  leaflet = gtk_widget_get_ancestor (widget, ADW_TYPE_LEAFLET);
  if (leaflet != NULL && self->leaflet == NULL) {
    self->leaflet = ADW_LEAFLET (leaflet);
    g_binding_group_set_source (self->leaflet_bindings, leaflet);
  }
  if (self->history != NULL)
    kith_chat_history_check_day (self->history);
  maybe_mark_read (self);
  if (self->focus_composer) {
    self->focus_composer = FALSE;
    if (gtk_widget_get_visible (self->composer_box))
      gtk_widget_grab_focus (self->composer);
  }
}

static void
kith_chat_view_unmap (GtkWidget *widget)
{
  KithChatView *self = KITH_CHAT_VIEW (widget);

  flush_mark_read (self);
  if (self->window != NULL) {
    g_signal_handlers_disconnect_by_func (self->window, on_window_active, self);
    self->window = NULL;
  }
  g_binding_group_set_source (self->leaflet_bindings, NULL);
  self->leaflet = NULL;

  GTK_WIDGET_CLASS (kith_chat_view_parent_class)->unmap (widget);
}

/* ---- sending ---- */

static void
on_message_sent (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (KithChatView) self = user_data;
  g_autoptr (KithMessage) message = NULL;
  g_autoptr (GError) error = NULL;

  message = kith_conversations_send_finish (KITH_CONVERSATIONS (source), result, &error);
  if (message == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    kith_toast_show (GTK_WIDGET (self), error->message);
}

static void
chat_send_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  KithChatView *self = KITH_CHAT_VIEW (widget);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->composer));
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  if (self->contact == NULL || kith_contact_get_state (self->contact) != KITH_CONTACT_ACCEPTED)
    return;
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_strstrip (text);
  if (*text == '\0')
    return;

  if (self->history != NULL)
    kith_chat_history_follow (self->history);
  kith_conversations_send_async (kith_session_get_conversations (self->session), self->contact,
                                 text, self->cancellable, on_message_sent, g_object_ref (self));
  gtk_text_buffer_set_text (buffer, "", 0);
  gtk_widget_grab_focus (self->composer);
}

/* The window shows the call (docs/desktop.md, "Calls"). */
static void
place_call (KithChatView *self,
            gboolean      video)
{
  g_autoptr (KithCall) call = NULL;
  g_autoptr (GError) error = NULL;

  if (self->contact == NULL)
    return;
  call = kith_call_manager_place (kith_session_get_calls (self->session), self->contact, video, &error);
  if (call == NULL)
    kith_toast_show (GTK_WIDGET (self), error->message);
}

static void
chat_call_audio_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  place_call (KITH_CHAT_VIEW (widget), FALSE);
}

static void
chat_call_video_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  place_call (KITH_CHAT_VIEW (widget), TRUE);
}

static void
chat_accept_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  KithChatView *self = KITH_CHAT_VIEW (widget);

  if (self->contact == NULL || kith_contact_get_state (self->contact) != KITH_CONTACT_INCOMING)
    return;
  kith_contact_actions_answer (widget, self->session, self->contact, TRUE, self->cancellable);
}

static void
chat_remove_contact_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *parameter)
{
  KithChatView *self = KITH_CHAT_VIEW (widget);

  if (self->contact == NULL || kith_contact_get_state (self->contact) != KITH_CONTACT_ACCEPTED)
    return;
  kith_contact_actions_confirm_remove (widget, self->session, self->contact);
}

static void
chat_withdraw_request_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *parameter)
{
  KithChatView *self = KITH_CHAT_VIEW (widget);

  if (self->contact == NULL)
    return;
  kith_contact_actions_withdraw (widget, self->session, self->contact);
}

/* The open chat's contact is gone (removed here or by the other side, or
 * signed out): back to the empty pane. */
static void
on_contacts_changed (KithChatView *self)
{
  if (self->contact != NULL &&
      kith_session_find_contact (self->session, kith_contact_get_id (self->contact)) != self->contact)
    kith_chat_view_set_contact (self, NULL);
  drop_gone_histories (self);
  update_none (self);
}

static gboolean
on_composer_key_pressed (GtkEventControllerKey *controller,
                         guint                  keyval,
                         guint                  keycode,
                         GdkModifierType        state,
                         KithChatView          *self)
{
  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return FALSE;
  if (state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK | GDK_ALT_MASK))
    return FALSE;   /* Shift+Enter: a new line */
  gtk_widget_activate_action (GTK_WIDGET (self), "chat.send", NULL);
  return TRUE;
}

/* ---- GObject ---- */

static void
kith_chat_view_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  KithChatView *self = KITH_CHAT_VIEW (object);

  switch (prop_id) {
  case PROP_SESSION:
    g_value_set_object (value, self->session);
    break;
  case PROP_CONTACT:
    g_value_set_object (value, self->contact);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_chat_view_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  KithChatView *self = KITH_CHAT_VIEW (object);

  switch (prop_id) {
  case PROP_SESSION:
    self->session = g_value_dup_object (value);
    break;
  case PROP_CONTACT:
    kith_chat_view_set_contact (self, g_value_get_object (value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

/* Signing out (Log Out, or Exit): the session says so while its socket is
 * still open, and the read marker held back goes now (it was lost when it
 * went as the chat closed, after the socket). */
static void
on_session_state (KithChatView *self)
{
  if (kith_session_get_state (self->session) == KITH_SESSION_SIGNING_OUT)
    flush_mark_read (self);
}

static void
kith_chat_view_constructed (GObject *object)
{
  KithChatView *self = KITH_CHAT_VIEW (object);

  G_OBJECT_CLASS (kith_chat_view_parent_class)->constructed (object);

  g_assert (KITH_IS_SESSION (self->session));
  g_signal_connect_object (kith_session_get_contacts (self->session), "items-changed",
                           G_CALLBACK (on_contacts_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::state",
                           G_CALLBACK (update_call_buttons), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::state",
                           G_CALLBACK (on_session_state), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (kith_session_get_calls (self->session), "notify::current",
                           G_CALLBACK (update_call_buttons), self, G_CONNECT_SWAPPED);
  update_none (self);
  update_call_buttons (self);
}

static void
kith_chat_view_dispose (GObject *object)
{
  KithChatView *self = KITH_CHAT_VIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->read_interval_id, g_source_remove);
  if (self->contact_signals != NULL)
    g_signal_group_set_target (self->contact_signals, NULL);
  g_clear_object (&self->contact_signals);
  if (self->window != NULL) {
    g_signal_handlers_disconnect_by_func (self->window, on_window_active, self);
    self->window = NULL;
  }
  g_clear_object (&self->leaflet_bindings);
  g_queue_clear (&self->kept);
  self->history = NULL;
  /* The header's expressions go with the template, before what they watch. */
  gtk_widget_dispose_template (GTK_WIDGET (self), KITH_TYPE_CHAT_VIEW);
  /* The template's unnamed top child too. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->contact);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->positions, g_hash_table_unref);

  G_OBJECT_CLASS (kith_chat_view_parent_class)->dispose (object);
}

static void
kith_chat_view_class_init (KithChatViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = kith_chat_view_get_property;
  object_class->set_property = kith_chat_view_set_property;
  object_class->constructed = kith_chat_view_constructed;
  object_class->dispose = kith_chat_view_dispose;
  widget_class->map = kith_chat_view_map;
  widget_class->unmap = kith_chat_view_unmap;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, KITH_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONTACT] =
    g_param_spec_object ("contact", NULL, NULL, KITH_TYPE_CONTACT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (KITH_TYPE_CONTACT);
  g_type_ensure (KITH_TYPE_SESSION);
  g_type_ensure (ADW_TYPE_AVATAR);
  g_type_ensure (ADW_TYPE_HEADER_BAR);
  g_type_ensure (ADW_TYPE_STATUS_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, "/im/kith/Kith/kith-chat-view.ui");
  gtk_widget_class_bind_template_child (widget_class, KithChatView, back_button);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, menu_button);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, audio_call_button);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, video_call_button);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, stack);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, request_page);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, accept_button);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, histories);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, composer_box);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, composer);
  gtk_widget_class_bind_template_child (widget_class, KithChatView, composer_placeholder);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, header_has_contact);
  gtk_widget_class_bind_template_callback (widget_class, header_dot_visible);
  gtk_widget_class_bind_template_callback (widget_class, header_dot_classes);
  gtk_widget_class_bind_template_callback (widget_class, header_presence_text);

  gtk_widget_class_install_action (widget_class, "chat.send", NULL, chat_send_action);
  gtk_widget_class_install_action (widget_class, "chat.accept", NULL, chat_accept_action);
  gtk_widget_class_install_action (widget_class, "chat.call-audio", NULL, chat_call_audio_action);
  gtk_widget_class_install_action (widget_class, "chat.call-video", NULL, chat_call_video_action);
  gtk_widget_class_install_action (widget_class, "chat.remove-contact", NULL, chat_remove_contact_action);
  gtk_widget_class_install_action (widget_class, "chat.withdraw-request", NULL,
                                   chat_withdraw_request_action);

  gtk_widget_class_set_css_name (widget_class, "kithchatview");
}

static void
kith_chat_view_init (KithChatView *self)
{
  GtkEventController *keys;

  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  self->positions = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);

  /* Folded, the ancestor leaflet shows a back button (set while mapped). */
  self->leaflet_bindings = g_binding_group_new ();
  g_binding_group_bind (self->leaflet_bindings, "folded", self->back_button, "visible",
                        G_BINDING_SYNC_CREATE);

  /* What of the open contact changes more than the header. */
  self->contact_signals = g_signal_group_new (KITH_TYPE_CONTACT);
  g_signal_group_connect_swapped (self->contact_signals, "notify::state",
                                  G_CALLBACK (show_contact), self);
  g_signal_group_connect_swapped (self->contact_signals, "notify::unread-count",
                                  G_CALLBACK (maybe_mark_read), self);
  g_signal_group_connect_swapped (self->contact_signals, "notify::display-name",
                                  G_CALLBACK (update_placeholder), self);
  g_signal_group_connect_swapped (self->contact_signals, "notify::display-name",
                                  G_CALLBACK (update_call_buttons), self);
  g_signal_group_connect_swapped (self->contact_signals, "notify::presence",
                                  G_CALLBACK (update_call_buttons), self);

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_composer_key_pressed), self);
  gtk_widget_add_controller (self->composer, keys);
  g_signal_connect_object (gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->composer)), "changed",
                           G_CALLBACK (update_send_enabled), self, G_CONNECT_SWAPPED);

  update_send_enabled (self);
}

GtkWidget *
kith_chat_view_new (KithSession *session)
{
  g_return_val_if_fail (KITH_IS_SESSION (session), NULL);

  return g_object_new (KITH_TYPE_CHAT_VIEW, "session", session, NULL);
}

KithContact *
kith_chat_view_get_contact (KithChatView *self)
{
  g_return_val_if_fail (KITH_IS_CHAT_VIEW (self), NULL);

  return self->contact;
}

void
kith_chat_view_set_contact (KithChatView *self,
                            KithContact  *contact)
{
  g_autoptr (KithContact) previous = NULL;

  g_return_if_fail (KITH_IS_CHAT_VIEW (self));
  g_return_if_fail (contact == NULL || KITH_IS_CONTACT (contact));

  if (self->contact == contact)
    return;

  flush_mark_read (self);
  previous = self->contact != NULL ? g_object_ref (self->contact) : NULL;
  g_set_object (&self->contact, contact);
  g_signal_group_set_target (self->contact_signals, contact);
  show_contact (self);
  /* The chat left keeps its newest page only (docs/service.md,
   * "Conversations that forget"). */
  if (previous != NULL)
    kith_conversations_close (kith_session_get_conversations (self->session), previous);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTACT]);
}

void
kith_chat_view_set_clock (KithChatView      *self,
                          KithChatViewClock  now_func)
{
  g_return_if_fail (KITH_IS_CHAT_VIEW (self));

  self->now_func = now_func;
  for (GtkWidget *child = gtk_widget_get_first_child (self->histories); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    kith_chat_history_set_clock (KITH_CHAT_HISTORY (child), now_func);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)) && self->history != NULL)
    kith_chat_history_check_day (self->history);
}
