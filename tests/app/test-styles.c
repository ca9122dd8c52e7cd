/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestStyles"

#include "config.h"

#include <math.h>

#include <adwaita.h>

#include "kith-app-test-util.h"
#include "kith-application.h"
#include "kith-login-page.h"
#include "kith-message-body.h"
#include "kith-status-menu.h"
#include "kith-window.h"
#include "kithd-test-helper.h"

/*
 * Every page of the real application in the light and the dark style,
 * under Xvfb against a real kithd: the login page's steps, the main window
 * with contacts and a chat, the status menu, My Account, Change Password and
 * Preferences. Each is saved as a screenshot (styles-light-NAME.png,
 * styles-dark-NAME.png in the build's tests/app/screenshots) and checked:
 *
 *  - the style is the one asked for (the window's most common colour is
 *    dark in the dark style, light in the light one);
 *  - every label drawn is legible: its colour (with the opacity of it and
 *    its parents, as .dim-label has) over the colour most common behind it
 *    has a contrast ratio of at least 3:1, WCAG's minimum for large text and
 *    controls (Adwaita's own dim labels have about 4.5:1 in both styles).
 *
 * A colour of our own CSS that works in one style only (a fixed grey, a
 * light badge) fails here, naming the label.
 */

#define PASSWORD "Corr3ct-Horse!"
#define MIN_CONTRAST 3.0

static KithdTestServer *server;
static KithApplication *app;
static int test_status;

/* ---- colours ---- */

typedef struct {
  double r, g, b;
} Rgb;

static double
channel_luminance (double c)
{
  return c <= 0.04045 ? c / 12.92 : pow ((c + 0.055) / 1.055, 2.4);
}

static double
luminance (Rgb c)
{
  return 0.2126 * channel_luminance (c.r) + 0.7152 * channel_luminance (c.g) +
         0.0722 * channel_luminance (c.b);
}

static double
contrast (Rgb a,
          Rgb b)
{
  double la = luminance (a), lb = luminance (b);

  return (MAX (la, lb) + 0.05) / (MIN (la, lb) + 0.05);
}

/* A rendering of one surface (a window, a popover) as straight RGB bytes. */
typedef struct {
  GtkWidget *native;
  guchar    *pixels;   /* B8G8R8A8 premultiplied, as GdkTexture downloads */
  gsize      stride;
  int        width, height;
  double     x0, y0;   /* the native's (0, 0) in the texture */
} Shot;

static void
shot_clear (Shot *shot)
{
  g_clear_pointer (&shot->pixels, g_free);
}

static void
shot_take (Shot      *shot,
           GtkWidget *native)
{
  g_autoptr (GdkTexture) texture = NULL;
  graphene_rect_t bounds;
  double sx, sy;

  texture = kith_test_render (native, &bounds);
  shot->native = native;
  shot->width = gdk_texture_get_width (texture);
  shot->height = gdk_texture_get_height (texture);
  shot->stride = (gsize) shot->width * 4;
  shot->pixels = g_malloc (shot->stride * shot->height);
  gdk_texture_download (texture, shot->pixels, shot->stride);
  /* Widget coordinates start inside the surface's shadow margin. */
  gtk_native_get_surface_transform (GTK_NATIVE (native), &sx, &sy);
  shot->x0 = sx - bounds.origin.x;
  shot->y0 = sy - bounds.origin.y;
}

/* The most common opaque colour in a rectangle of the native. */
static gboolean
shot_background (Shot                  *shot,
                 const graphene_rect_t *rect,
                 Rgb                   *out)
{
  g_autoptr (GHashTable) counts = g_hash_table_new (NULL, NULL);
  int x0 = (int) floor (rect->origin.x + shot->x0), y0 = (int) floor (rect->origin.y + shot->y0);
  int x1 = (int) ceil (rect->origin.x + rect->size.width + shot->x0);
  int y1 = (int) ceil (rect->origin.y + rect->size.height + shot->y0);
  guint32 best = 0;
  guint best_count = 0;

  x0 = CLAMP (x0, 0, shot->width);
  x1 = CLAMP (x1, 0, shot->width);
  y0 = CLAMP (y0, 0, shot->height);
  y1 = CLAMP (y1, 0, shot->height);
  for (int y = y0; y < y1; y++) {
    for (int x = x0; x < x1; x++) {
      const guchar *p = shot->pixels + y * shot->stride + x * 4;
      guint32 key;
      guint count;

      if (p[3] != 0xff)
        continue;
      key = 0xff000000u | ((guint32) p[2] << 16) | ((guint32) p[1] << 8) | p[0];
      count = GPOINTER_TO_UINT (g_hash_table_lookup (counts, GUINT_TO_POINTER (key))) + 1;
      g_hash_table_insert (counts, GUINT_TO_POINTER (key), GUINT_TO_POINTER (count));
      if (count > best_count) {
        best_count = count;
        best = key;
      }
    }
  }
  if (best_count == 0)
    return FALSE;
  out->r = ((best >> 16) & 0xff) / 255.0;
  out->g = ((best >> 8) & 0xff) / 255.0;
  out->b = (best & 0xff) / 255.0;
  return TRUE;
}

/* ---- the checks ---- */

static gboolean
inside_type (GtkWidget *widget,
             GType      type,
             GtkWidget *top)
{
  for (GtkWidget *w = widget; w != NULL && w != top; w = gtk_widget_get_parent (w))
    if (G_TYPE_CHECK_INSTANCE_TYPE (w, type))
      return TRUE;
  return FALSE;
}

static void
check_labels (Shot      *shot,
              GtkWidget *widget,
              GString   *failures,
              guint     *checked)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    /* Another surface (a popover) is checked on its own. */
    if (GTK_IS_NATIVE (child) || !gtk_widget_get_mapped (child))
      continue;
    check_labels (shot, child, failures, checked);
  }

  /* A label, or a message's text that its body draws (a label is made
   * there only under the pointer). */
  if (GTK_IS_LABEL (widget) ||
      (KITH_IS_MESSAGE_BODY (widget) && kith_message_body_get_label (KITH_MESSAGE_BODY (widget)) == NULL)) {
    const char *text = GTK_IS_LABEL (widget) ? gtk_label_get_text (GTK_LABEL (widget))
                                             : kith_message_body_get_text (KITH_MESSAGE_BODY (widget));
    graphene_rect_t bounds, visible;
    graphene_rect_t surface = GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (shot->native),
                                                  gtk_widget_get_height (shot->native));
    GdkRGBA color;
    double alpha;
    Rgb background, foreground;
    double ratio;

    /* Insensitive text is faint on purpose; avatars' initials are drawn on
     * a gradient, next to the name they stand for. */
    if (text == NULL || *text == '\0' || !gtk_widget_is_sensitive (widget) ||
        inside_type (widget, ADW_TYPE_AVATAR, shot->native) ||
        !gtk_widget_compute_bounds (widget, shot->native, &bounds) ||
        !graphene_rect_intersection (&bounds, &surface, &visible) ||
        visible.size.width < 4 || visible.size.height < 4 ||
        visible.size.height < bounds.size.height / 2 ||
        !shot_background (shot, &visible, &background))
      return;

    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
    G_GNUC_END_IGNORE_DEPRECATIONS
    alpha = color.alpha;
    for (GtkWidget *w = widget; w != NULL && w != shot->native; w = gtk_widget_get_parent (w))
      alpha *= gtk_widget_get_opacity (w);
    /* Not drawn (AdwEntryRow fades out its empty-state title). */
    if (alpha < 0.05)
      return;
    foreground.r = alpha * color.red + (1 - alpha) * background.r;
    foreground.g = alpha * color.green + (1 - alpha) * background.g;
    foreground.b = alpha * color.blue + (1 - alpha) * background.b;
    ratio = contrast (foreground, background);
    (*checked)++;
    if (ratio < MIN_CONTRAST)
      g_string_append_printf (failures, "  “%s” (%s): %.2f:1, text #%02x%02x%02x on #%02x%02x%02x\n",
                              text, gtk_widget_get_css_name (gtk_widget_get_parent (widget)), ratio,
                              (int) (foreground.r * 255), (int) (foreground.g * 255), (int) (foreground.b * 255),
                              (int) (background.r * 255), (int) (background.g * 255), (int) (background.b * 255));
  }
}

static const char *
scheme_name (AdwColorScheme scheme)
{
  return scheme == ADW_COLOR_SCHEME_FORCE_DARK ? "dark" : "light";
}

/* @native (a window, a popover) in both styles: screenshots, the style's
 * background, every label's contrast. */
static void
check_both_styles (GtkWidget  *native,
                   const char *name)
{
  const AdwColorScheme schemes[] = { ADW_COLOR_SCHEME_FORCE_LIGHT, ADW_COLOR_SCHEME_FORCE_DARK };
  AdwStyleManager *manager = adw_style_manager_get_default ();

  for (guint i = 0; i < G_N_ELEMENTS (schemes); i++) {
    g_autofree char *file = g_strdup_printf ("styles-%s-%s.png", scheme_name (schemes[i]), name);
    g_autoptr (GString) failures = g_string_new (NULL);
    graphene_rect_t all;
    Shot shot = { 0 };
    Rgb background;
    guint checked = 0;

    adw_style_manager_set_color_scheme (manager, schemes[i]);
    g_assert_cmpint (adw_style_manager_get_dark (manager), ==, schemes[i] == ADW_COLOR_SCHEME_FORCE_DARK);
    kith_test_settle (native);
    g_free (kith_test_save_screenshot (native, file));

    shot_take (&shot, native);
    all = GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (native), gtk_widget_get_height (native));
    g_assert_true (shot_background (&shot, &all, &background));
    if (adw_style_manager_get_dark (manager))
      g_assert_cmpfloat (luminance (background), <, 0.1);
    else
      g_assert_cmpfloat (luminance (background), >, 0.6);

    check_labels (&shot, native, failures, &checked);
    shot_clear (&shot);
    g_test_message ("%s, %s style: %u labels checked", name, scheme_name (schemes[i]), checked);
    g_assert_cmpuint (checked, >, 0);
    if (failures->len > 0)
      g_error ("%s in the %s style: labels below %.1f:1 contrast\n%s", name,
               scheme_name (schemes[i]), MIN_CONTRAST, failures->str);
  }
  adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_DEFAULT);
  kith_test_settle (native);
}

/* ---- driving the window ---- */

static KithWindow *
window (void)
{
  return kith_application_get_window (app);
}

static GtkWidget *
login_child (const char *id)
{
  GtkWidget *page = kith_window_get_login_page (window ());
  GObject *object = gtk_widget_get_template_child (page, KITH_TYPE_LOGIN_PAGE, id);

  if (object == NULL)
    object = G_OBJECT (kith_test_find_by_id (page, id));
  g_assert_nonnull (object);
  return GTK_WIDGET (object);
}

static void
type_into (const char *id,
           const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (login_child (id)), text);
}

static gboolean
page_is (const char *name)
{
  return g_strcmp0 (kith_window_get_page (window ()), name) == 0;
}

/* ---- the test ---- */

static void
test_every_page (void)
{
  g_autoptr (KithdTestUser) ada = kithd_test_server_sign_up (server, "ada@example.org", PASSWORD, "Ada", "Lovelace");
  g_autoptr (KithdTestUser) bob = kithd_test_server_sign_up (server, "bob@example.org", PASSWORD, "Bob", "Marley");
  g_autoptr (KithdTestUser) fay = kithd_test_server_sign_up (server, "fay@example.org", PASSWORD, "Fay", "Wray");
  g_autoptr (KithdTestSocket) bob_socket = NULL;
  g_autofree char *request = NULL;
  KithSession *session = kith_application_get_session (app);
  GtkWidget *native = GTK_WIDGET (window ());
  KithContact *contact;
  GtkWidget *menu, *popover, *dialog, *account;

  kithd_test_server_make_contacts (server, ada, bob);
  request = g_strdup_printf ("{\"email\": \"%s\"}", ada->email);
  kithd_test_server_request (server, "POST", "/api/v1/contacts", fay->token, request, NULL, NULL);
  bob_socket = kithd_test_socket_connect (server, bob->token, 0);
  kithd_test_socket_send_printf (bob_socket,
                                 "{\"type\": \"message.send\", \"id\": \"b-1\", \"to\": %" G_GINT64_FORMAT
                                 ", \"body\": \"Are we still on for Friday?\"}", ada->id);

  /* The login page: the email step, the password step with an error,
   * the sign-up form. */
  KITH_WAIT_FOR (page_is ("login"));
  type_into ("email_row", ada->email);
  check_both_styles (native, "login");
  g_signal_emit_by_name (login_child ("continue_button"), "clicked");
  type_into ("password_row", "Not-the-passw0rd");
  g_signal_emit_by_name (login_child ("sign_in_button"), "clicked");
  KITH_WAIT_FOR (gtk_widget_get_visible (login_child ("error_label")));
  check_both_styles (native, "login-error");
  kith_login_page_reset (KITH_LOGIN_PAGE (kith_window_get_login_page (window ())));
  g_signal_emit_by_name (login_child ("sign_up_link"), "clicked");
  type_into ("first_name_row", "Grace");
  type_into ("sign_up_password_row", "abcdefG1");
  check_both_styles (native, "sign-up");

  /* Signed in: the contacts (one asking), a chat with both sides. */
  kith_login_page_reset (KITH_LOGIN_PAGE (kith_window_get_login_page (window ())));
  type_into ("email_row", ada->email);
  g_signal_emit_by_name (login_child ("continue_button"), "clicked");
  type_into ("password_row", PASSWORD);
  g_signal_emit_by_name (login_child ("sign_in_button"), "clicked");
  KITH_WAIT_FOR (page_is ("main"));
  KITH_WAIT_FOR ((contact = kith_session_find_contact_by_email (session, bob->email)) != NULL);
  KITH_WAIT_FOR (kith_session_find_contact_by_email (session, fay->email) != NULL);
  kith_window_open_chat (window (), contact);
  kith_conversations_send_async (kith_session_get_conversations (session), contact,
                                 "Yes, at the Italian place.", NULL, NULL, NULL);
  KITH_WAIT_FOR (kith_contact_get_unread_count (contact) == 0);
  check_both_styles (native, "main");

  /* The status menu, a surface of its own. */
  menu = kith_window_get_status_menu (window ());
  kith_status_menu_popup (KITH_STATUS_MENU (menu));
  popover = kith_test_find_by_type (menu, GTK_TYPE_POPOVER);
  g_assert_nonnull (popover);
  KITH_WAIT_FOR (gtk_widget_get_mapped (popover));
  check_both_styles (popover, "status-menu");
  gtk_popover_popdown (GTK_POPOVER (popover));

  /* My Account, and its Change Password dialog. */
  kith_window_show_account (window ());
  KITH_WAIT_FOR (page_is ("account"));
  check_both_styles (native, "account");
  account = kith_test_find_by_type (native, g_type_from_name ("KithAccountPage"));
  g_assert_nonnull (account);
  g_assert_true (gtk_widget_activate_action (account, "account.change-password", NULL));
  KITH_WAIT_FOR ((dialog = kith_test_find_toplevel (g_type_from_name ("KithChangePasswordDialog"), NULL)) != NULL);
  KITH_WAIT_FOR (gtk_widget_get_mapped (dialog));
  check_both_styles (dialog, "change-password");
  /* Closed as Escape does (it once read a freed row on the way). */
  gtk_window_close (GTK_WINDOW (dialog));

  /* Preferences. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  KITH_WAIT_FOR ((dialog = kith_test_find_toplevel (g_type_from_name ("KithPreferencesWindow"), NULL)) != NULL);
  KITH_WAIT_FOR (gtk_widget_get_mapped (dialog));
  check_both_styles (dialog, "preferences");
  gtk_window_close (GTK_WINDOW (dialog));
}

int
main (int   argc,
      char *argv[])
{
  kith_test_init (&argc, &argv);
  server = kithd_test_server_startv (NULL);
  g_setenv ("KITH_SERVER_URL", kithd_test_server_get_url (server), TRUE);

  g_test_add_func ("/styles/every-page", test_every_page);

  test_status = kith_test_run_in_new_application (&app, "test-styles");

  kithd_test_server_free (server);
  return test_status;
}
