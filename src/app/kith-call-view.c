/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithCallView"

#include "config.h"

#include <glib/gi18n.h>

#include "kith-call-view.h"

/* How often the duration is read while the call runs: a second would
 * drift against the call's own count and skip a number now and then. */
#define TICK_MS 250
/* The peer's camera off: the media sends black frames (docs/service.md,
 * "Call media"); after this long of them the avatar shows instead. */
#define BLACK_MS 1000
/* A sampled channel above this is picture, not black (VP8 leaves a little
 * noise on black; a dark room is still well above it somewhere). */
#define BLACK_LEVEL 24
/* Samples per side of the grid a frame is checked on: cheap at 30 fps. */
#define BLACK_GRID 16

struct _KithCallView
{
  GtkWidget     parent_instance;

  KithCall     *call;
  GSignalGroup *call_signals;
  guint         tick_id;
  gboolean      has_video;        /* a frame of the peer's video came */
  gint64        black_since;      /* monotonic µs of the first of the black frames now, or 0 */
  gboolean      peer_camera_off;  /* black for BLACK_MS: the peer's camera is off */
  gboolean      has_self_video;   /* a frame of the camera came (since it was last off) */
  char         *status_text;

  GtkWidget    *overlay;
  GtkWidget    *picture;
  GtkWidget    *header_bar;
  GtkWidget    *back_button;
  GtkWidget    *peer_box;
  GtkWidget    *avatar;
  GtkWidget    *name_label;
  GtkWidget    *status_label;
  GtkWidget    *self_picture;
  GtkWidget    *controls;
  GtkWidget    *mute_button;
  GtkWidget    *camera_button;
  GtkWidget    *hang_up_button;
  GtkWidget    *close_button;
};

enum {
  PROP_0,
  PROP_CALL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CLOSE,
  BACK,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KithCallView, kith_call_view, GTK_TYPE_WIDGET)

/* ---- what it shows ---- */

static const char *
peer_name (KithCallView *self)
{
  KithContact *peer = self->call != NULL ? kith_call_get_peer (self->call) : NULL;

  return peer != NULL ? kith_contact_get_display_name (peer) : _("Unknown contact");
}

static gboolean
call_ended (KithCallView *self)
{
  return self->call == NULL || kith_call_get_state (self->call) == KITH_CALL_ENDED;
}

static char *
status_text (KithCallView *self)
{
  return self->call != NULL ? kith_call_view_describe_state (self->call) : g_strdup ("");
}

static void
update_status (KithCallView *self)
{
  g_autofree char *text = status_text (self);

  if (g_strcmp0 (text, self->status_text) == 0)
    return;
  g_free (self->status_text);
  self->status_text = g_steal_pointer (&text);
  gtk_label_set_label (GTK_LABEL (self->status_label), self->status_text);
}

static gboolean
on_tick (gpointer user_data)
{
  update_status (KITH_CALL_VIEW (user_data));
  return G_SOURCE_CONTINUE;
}

/* The duration is read while it runs and shows: out of sight, the
 * window's call bar counts it (and the view catches up on map). */
static void
update_tick (KithCallView *self)
{
  gboolean running = self->call != NULL && gtk_widget_get_mapped (GTK_WIDGET (self)) &&
                     (kith_call_get_state (self->call) == KITH_CALL_ACTIVE ||
                      kith_call_get_state (self->call) == KITH_CALL_RECONNECTING);

  if (running && self->tick_id == 0)
    self->tick_id = g_timeout_add (TICK_MS, on_tick, self);
  else if (!running)
    g_clear_handle_id (&self->tick_id, g_source_remove);
}

/* Mute and camera follow the call (another part may change them too). */
static void
update_toggles (KithCallView *self)
{
  gboolean muted = self->call != NULL && kith_call_get_muted (self->call);
  gboolean camera_off = self->call != NULL && !kith_call_get_camera (self->call);

  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->mute_button), muted);
  gtk_button_set_icon_name (GTK_BUTTON (self->mute_button),
                            muted ? "microphone-disabled-symbolic" : "audio-input-microphone-symbolic");
  gtk_widget_set_tooltip_text (self->mute_button, muted ? _("Unmute (Ctrl+D)") : _("Mute (Ctrl+D)"));

  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->camera_button), camera_off);
  gtk_button_set_icon_name (GTK_BUTTON (self->camera_button),
                            camera_off ? "camera-disabled-symbolic" : "camera-video-symbolic");
  gtk_widget_set_tooltip_text (self->camera_button,
                               camera_off ? _("Turn Camera On (Ctrl+E)") : _("Turn Camera Off (Ctrl+E)"));
}

/* The peer's video fills the view once it comes (its name and the state at
 * the top); before, for an audio call and once ended, the avatar. */
static void
update_layout (KithCallView *self)
{
  gboolean ended = call_ended (self);
  gboolean video = self->call != NULL && kith_call_get_video (self->call);
  gboolean showing_video = video && self->has_video && !self->peer_camera_off && !ended;
  gboolean camera = video && kith_call_get_camera (self->call);

  gtk_widget_set_visible (self->picture, showing_video);
  gtk_widget_set_visible (self->avatar, !showing_video);
  gtk_widget_set_valign (self->peer_box, showing_video ? GTK_ALIGN_START : GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (self->peer_box, showing_video ? 12 : 0);
  if (showing_video) {
    gtk_widget_remove_css_class (self->name_label, "title-1");
    gtk_widget_add_css_class (self->name_label, "title-3");
  } else {
    gtk_widget_remove_css_class (self->name_label, "title-3");
    gtk_widget_add_css_class (self->name_label, "title-1");
  }
  gtk_widget_set_visible (self->self_picture, camera && self->has_self_video && !ended);

  gtk_widget_set_visible (self->mute_button, !ended);
  gtk_widget_set_visible (self->camera_button, video && !ended);
  gtk_widget_set_visible (self->hang_up_button, !ended);
  gtk_widget_set_visible (self->close_button, ended && self->call != NULL);
  gtk_widget_set_visible (self->back_button, !ended);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "call.toggle-mute", !ended);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "call.toggle-camera", video && !ended);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "call.hang-up", !ended);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "call.close", ended && self->call != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "call.back", !ended);
}

static void
update_peer (KithCallView *self)
{
  const char *name = peer_name (self);
  g_autofree char *video_label = g_strdup_printf (_("Video of %s"), name);

  gtk_label_set_label (GTK_LABEL (self->name_label), name);
  adw_avatar_set_text (ADW_AVATAR (self->avatar), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->picture),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, video_label,
                                  -1);
}

static void
update_all (KithCallView *self)
{
  update_peer (self);
  update_status (self);
  update_toggles (self);
  update_layout (self);
  update_tick (self);
}

/* ---- the call's signals ---- */

static void
on_state_changed (KithCallView  *self,
                  KithCallState  state,
                  KithCallState  old)
{
  update_status (self);
  update_layout (self);
  update_tick (self);
  /* The buttons went: Close takes the focus, so that Enter closes. */
  if (state == KITH_CALL_ENDED && gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_widget_grab_focus (self->close_button);
}

/* Every sample of a BLACK_GRID × BLACK_GRID grid over the frame (RGBA,
 * its sizes checked) is black. */
static gboolean
frame_is_black (const guint8 *data,
                int           width,
                int           height,
                int           stride)
{
  for (int i = 0; i < BLACK_GRID; i++) {
    const guint8 *row = data + (gsize) stride * (height * (2 * i + 1) / (2 * BLACK_GRID));

    for (int j = 0; j < BLACK_GRID; j++) {
      const guint8 *p = row + 4 * (gsize) (width * (2 * j + 1) / (2 * BLACK_GRID));

      if (p[0] > BLACK_LEVEL || p[1] > BLACK_LEVEL || p[2] > BLACK_LEVEL)
        return FALSE;
    }
  }
  return TRUE;
}

/* A frame (RGBA) into @picture, in place of the last, which goes with its
 * texture; FALSE when its sizes do not fit its bytes. */
static gboolean
show_frame (GtkWidget *picture,
            GBytes    *pixels,
            int        width,
            int        height,
            int        stride)
{
  g_autoptr (GdkTexture) texture = NULL;

  if (width <= 0 || height <= 0 || stride < width * 4 ||
      g_bytes_get_size (pixels) < (gsize) stride * (height - 1) + width * 4)
    return FALSE;
  texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, pixels, stride);
  gtk_picture_set_paintable (GTK_PICTURE (picture), GDK_PAINTABLE (texture));
  return TRUE;
}

static void
on_video_frame (KithCallView *self,
                GBytes       *pixels,
                int           width,
                int           height,
                int           stride)
{
  gint64 now = g_get_monotonic_time ();
  gboolean camera_off;

  if (call_ended (self) || !show_frame (self->picture, pixels, width, height, stride))
    return;
  if (!frame_is_black (g_bytes_get_data (pixels, NULL), width, height, stride))
    self->black_since = 0;
  else if (self->black_since == 0)
    self->black_since = now;
  camera_off = self->black_since != 0 && now - self->black_since >= BLACK_MS * 1000;
  if (!self->has_video || camera_off != self->peer_camera_off) {
    self->has_video = TRUE;
    self->peer_camera_off = camera_off;
    update_layout (self);
  }
}

static void
on_self_video_frame (KithCallView *self,
                     GBytes       *pixels,
                     int           width,
                     int           height,
                     int           stride)
{
  if (call_ended (self) || !kith_call_get_camera (self->call) ||
      !show_frame (self->self_picture, pixels, width, height, stride))
    return;
  if (!self->has_self_video) {
    self->has_self_video = TRUE;
    update_layout (self);
  }
}

static void
on_camera_changed (KithCallView *self)
{
  /* Off: the preview goes; on again, it comes back with a new frame. */
  if (!kith_call_get_camera (self->call)) {
    self->has_self_video = FALSE;
    gtk_picture_set_paintable (GTK_PICTURE (self->self_picture), NULL);
  }
  update_toggles (self);
  update_layout (self);
}

/* ---- the buttons and keys ---- */

static void
on_mute_toggled (KithCallView *self)
{
  if (self->call != NULL)
    kith_call_set_muted (self->call, gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->mute_button)));
}

static void
on_camera_toggled (KithCallView *self)
{
  if (self->call != NULL)
    kith_call_set_camera (self->call, !gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->camera_button)));
}

static void
call_toggle_mute_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  KithCallView *self = KITH_CALL_VIEW (widget);

  if (!call_ended (self))
    kith_call_set_muted (self->call, !kith_call_get_muted (self->call));
}

static void
call_toggle_camera_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  KithCallView *self = KITH_CALL_VIEW (widget);

  if (!call_ended (self) && kith_call_get_video (self->call))
    kith_call_set_camera (self->call, !kith_call_get_camera (self->call));
}

static void
call_hang_up_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  KithCallView *self = KITH_CALL_VIEW (widget);

  if (self->call != NULL)
    kith_call_hang_up (self->call);
}

static void
call_close_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  g_signal_emit (widget, signals[CLOSE], 0);
}

static void
call_back_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  g_signal_emit (widget, signals[BACK], 0);
}

/* Shown: the focus on the first button (mute), never on hang-up, so that
 * a stray Enter or Space does not end the call. */
static void
kith_call_view_map (GtkWidget *widget)
{
  KithCallView *self = KITH_CALL_VIEW (widget);
  GtkRoot *root;
  GtkWidget *focus;

  GTK_WIDGET_CLASS (kith_call_view_parent_class)->map (widget);

  update_status (self);
  update_tick (self);
  root = gtk_widget_get_root (widget);
  focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  if (focus == NULL || !gtk_widget_is_ancestor (focus, widget))
    gtk_widget_grab_focus (call_ended (self) ? self->close_button : self->mute_button);
}

static void
kith_call_view_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (kith_call_view_parent_class)->unmap (widget);

  update_tick (KITH_CALL_VIEW (widget));
}

/* ---- GObject ---- */

static void
kith_call_view_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  KithCallView *self = KITH_CALL_VIEW (object);

  switch (prop_id) {
  case PROP_CALL:
    g_value_set_object (value, self->call);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_call_view_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  KithCallView *self = KITH_CALL_VIEW (object);

  switch (prop_id) {
  case PROP_CALL:
    kith_call_view_set_call (self, g_value_get_object (value));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_call_view_dispose (GObject *object)
{
  KithCallView *self = KITH_CALL_VIEW (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->call_signals != NULL)
    g_signal_group_set_target (self->call_signals, NULL);
  g_clear_object (&self->call_signals);
  g_clear_object (&self->call);
  gtk_widget_dispose_template (GTK_WIDGET (self), KITH_TYPE_CALL_VIEW);

  G_OBJECT_CLASS (kith_call_view_parent_class)->dispose (object);
}

static void
kith_call_view_finalize (GObject *object)
{
  KithCallView *self = KITH_CALL_VIEW (object);

  g_free (self->status_text);

  G_OBJECT_CLASS (kith_call_view_parent_class)->finalize (object);
}

static void
kith_call_view_class_init (KithCallViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = kith_call_view_get_property;
  object_class->set_property = kith_call_view_set_property;
  object_class->dispose = kith_call_view_dispose;
  object_class->finalize = kith_call_view_finalize;
  widget_class->map = kith_call_view_map;
  widget_class->unmap = kith_call_view_unmap;

  properties[PROP_CALL] =
    g_param_spec_object ("call", NULL, NULL, KITH_TYPE_CALL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CLOSE] =
    g_signal_new ("close", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[BACK] =
    g_signal_new ("back", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (ADW_TYPE_AVATAR);
  g_type_ensure (ADW_TYPE_CLAMP);
  g_type_ensure (ADW_TYPE_HEADER_BAR);
  g_type_ensure (ADW_TYPE_WINDOW_TITLE);
  gtk_widget_class_set_template_from_resource (widget_class, "/im/kith/Kith/kith-call-view.ui");
  gtk_widget_class_bind_template_child (widget_class, KithCallView, overlay);
  gtk_widget_class_bind_template_child (widget_class, KithCallView, picture);
  gtk_widget_class_bind_template_child (widget_class, KithCallView, header_bar);
  gtk_widget_class_bind_template_child (widget_class, KithCallView, back_button);
  gtk_widget_class_bind_template_child (widget_class, KithCallView, peer_box);
  gtk_widget_class_bind_template_child (widget_class, KithCallView, avatar);
  gtk_widget_class_bind_template_child (widget_class, KithCallView, name_label);
  gtk_widget_class_bind_template_child (widget_class, KithCallView, status_label);
  gtk_widget_class_bind_template_child (widget_class, KithCallView, self_picture);
  gtk_widget_class_bind_template_child (widget_class, KithCallView, controls);
  gtk_widget_class_bind_template_child (widget_class, KithCallView, mute_button);
  gtk_widget_class_bind_template_child (widget_class, KithCallView, camera_button);
  gtk_widget_class_bind_template_child (widget_class, KithCallView, hang_up_button);
  gtk_widget_class_bind_template_child (widget_class, KithCallView, close_button);
  gtk_widget_class_bind_template_callback (widget_class, on_mute_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_camera_toggled);

  gtk_widget_class_install_action (widget_class, "call.toggle-mute", NULL, call_toggle_mute_action);
  gtk_widget_class_install_action (widget_class, "call.toggle-camera", NULL, call_toggle_camera_action);
  gtk_widget_class_install_action (widget_class, "call.hang-up", NULL, call_hang_up_action);
  gtk_widget_class_install_action (widget_class, "call.close", NULL, call_close_action);
  gtk_widget_class_install_action (widget_class, "call.back", NULL, call_back_action);

  /* As in the web's meeting apps; M alone, since nothing here takes text.
   * Escape never ends a call: it closes the view of one that has ended
   * (call.close is off before; the window's Escape gets the key then). */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK, "call.toggle-mute", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_m, 0, "call.toggle-mute", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "call.toggle-camera", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "call.close", NULL);

  gtk_widget_class_set_css_name (widget_class, "kithcallview");
}

static void
kith_call_view_init (KithCallView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->call_signals = g_signal_group_new (KITH_TYPE_CALL);
  g_signal_group_connect_swapped (self->call_signals, "state-changed",
                                  G_CALLBACK (on_state_changed), self);
  g_signal_group_connect_swapped (self->call_signals, "video-frame",
                                  G_CALLBACK (on_video_frame), self);
  g_signal_group_connect_swapped (self->call_signals, "self-video-frame",
                                  G_CALLBACK (on_self_video_frame), self);
  g_signal_group_connect_swapped (self->call_signals, "notify::muted",
                                  G_CALLBACK (update_toggles), self);
  g_signal_group_connect_swapped (self->call_signals, "notify::camera",
                                  G_CALLBACK (on_camera_changed), self);

  update_all (self);
}

GtkWidget *
kith_call_view_new (void)
{
  return g_object_new (KITH_TYPE_CALL_VIEW, NULL);
}

KithCall *
kith_call_view_get_call (KithCallView *self)
{
  g_return_val_if_fail (KITH_IS_CALL_VIEW (self), NULL);

  return self->call;
}

void
kith_call_view_set_call (KithCallView *self,
                         KithCall     *call)
{
  g_return_if_fail (KITH_IS_CALL_VIEW (self));
  g_return_if_fail (call == NULL || KITH_IS_CALL (call));

  if (!g_set_object (&self->call, call))
    return;

  g_signal_group_set_target (self->call_signals, call);
  self->has_video = FALSE;
  self->black_since = 0;
  self->peer_camera_off = FALSE;
  self->has_self_video = FALSE;
  gtk_picture_set_paintable (GTK_PICTURE (self->picture), NULL);
  gtk_picture_set_paintable (GTK_PICTURE (self->self_picture), NULL);
  update_all (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALL]);
}

GtkPicture *
kith_call_view_get_picture (KithCallView *self)
{
  g_return_val_if_fail (KITH_IS_CALL_VIEW (self), NULL);

  return GTK_PICTURE (self->picture);
}

GtkPicture *
kith_call_view_get_self_picture (KithCallView *self)
{
  g_return_val_if_fail (KITH_IS_CALL_VIEW (self), NULL);

  return GTK_PICTURE (self->self_picture);
}

const char *
kith_call_view_get_status_text (KithCallView *self)
{
  g_return_val_if_fail (KITH_IS_CALL_VIEW (self), NULL);

  return self->status_text != NULL ? self->status_text : "";
}

char *
kith_call_view_format_duration (guint seconds)
{
  if (seconds >= 3600)
    return g_strdup_printf ("%u:%02u:%02u", seconds / 3600, seconds / 60 % 60, seconds % 60);
  return g_strdup_printf ("%u:%02u", seconds / 60, seconds % 60);
}

char *
kith_call_view_describe_state (KithCall *call)
{
  const char *message;

  g_return_val_if_fail (KITH_IS_CALL (call), NULL);

  switch (kith_call_get_state (call)) {
  case KITH_CALL_RINGING_OUT:
    return g_strdup (_("Calling…"));
  case KITH_CALL_RINGING_IN:
    return g_strdup (_("Incoming call…"));
  case KITH_CALL_CONNECTING:
    return g_strdup (_("Connecting…"));
  case KITH_CALL_ACTIVE:
    return kith_call_view_format_duration (kith_call_get_duration (call));
  case KITH_CALL_RECONNECTING:
    return g_strdup (_("Reconnecting…"));
  case KITH_CALL_ENDED:
  default:
    /* "No microphone found" says more than "Call failed". */
    message = kith_call_get_error_message (call);
    if (kith_call_get_end_reason (call) == KITH_CALL_END_FAILED && message != NULL)
      return g_strdup (message);
    return g_strdup (kith_call_end_reason_to_string (kith_call_get_end_reason (call)));
  }
}
