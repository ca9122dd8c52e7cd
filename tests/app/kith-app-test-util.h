/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "kith-application.h"

G_BEGIN_DECLS

/* Iterate the default main context until @cond holds, for at most
 * @seconds; fails the test (naming @cond) on time-out. */
#define KITH_WAIT_FOR_SECONDS(cond, seconds) G_STMT_START { \
    gint64 wait_deadline = g_get_monotonic_time () + (seconds) * G_USEC_PER_SEC; \
    guint wait_tick = g_timeout_add (20, kith_test_tick, NULL); \
    while (!(cond)) { \
      if (g_get_monotonic_time () > wait_deadline) \
        g_error ("Timed out waiting for %s", #cond); \
      g_main_context_iteration (NULL, TRUE); \
    } \
    g_source_remove (wait_tick); \
  } G_STMT_END

#define KITH_WAIT_FOR(cond) KITH_WAIT_FOR_SECONDS (cond, 20)

gboolean kith_test_tick            (gpointer user_data);
/* Runs the main context for a few frames of @widget's window, so that
 * layout and drawing have caught up. */
void     kith_test_settle          (GtkWidget  *widget);
/* The widget under @root (or @root) with the buildable id @id, as given in a
 * UI file: a template's, or one built later with GtkBuilder. */
GtkWidget *kith_test_find_by_id    (GtkWidget  *root,
                                    const char *id);
/* The first widget of @type under @root (or @root), depth first. This,
 * kith_test_find_by_id () and kith_test_find () do not look into a chat
 * history kept hidden (the chat view keeps the last chats left, in no
 * particular order): what they find of a chat is the chat shown. */
GtkWidget *kith_test_find_by_type  (GtkWidget  *root,
                                    GType       type);
/* Does @widget match @data? What kith_test_find () looks for. */
typedef gboolean (*KithTestMatch) (GtkWidget     *widget,
                                   gconstpointer  data);
/* The first widget under @root (or @root) that @match accepts with @data,
 * depth first. */
GtkWidget *kith_test_find          (GtkWidget     *root,
                                    KithTestMatch  match,
                                    gconstpointer  data);
/* Matches for kith_test_find (): an actionable whose action is @data; a
 * label that says @data, shown with all its ancestors (visible_label: a
 * message's text, drawn by its body, too), or
 * shown itself with the "error" style class (error_label); the mapped
 * AdwStatusPage titled @data (mapped: a stack's other pages are visible
 * too). */
gboolean kith_test_match_action        (GtkWidget     *widget,
                                        gconstpointer  data);
gboolean kith_test_match_visible_label (GtkWidget     *widget,
                                        gconstpointer  data);
gboolean kith_test_match_error_label   (GtkWidget     *widget,
                                        gconstpointer  data);
gboolean kith_test_match_status_page   (GtkWidget     *widget,
                                        gconstpointer  data);
/* The first toplevel of @type (borrowed); with @heading, an AdwMessageDialog
 * with that heading. */
GtkWidget *kith_test_find_toplevel (GType       type,
                                    const char *heading);
/* Renders @native (a window, a popover) as drawn; @bounds: the rendered
 * area in @native's surface (it starts at the surface's shadow, not at the
 * widget's 0,0: see gtk_native_get_surface_transform()). */
GdkTexture *kith_test_render       (GtkWidget       *native,
                                    graphene_rect_t *bounds);
/* Renders @window (as drawn) into $KITH_SCREENSHOT_DIR/@name (default: the
 * current directory) as PNG; returns the path. */
char    *kith_test_save_screenshot (GtkWidget  *window,
                                    const char *name);

/* g_test_init (), GSettings in memory, and screenshots in ./screenshots
 * unless $KITH_SCREENSHOT_DIR names a directory (meson test does). */
void     kith_test_init            (int             *argc,
                                    char          ***argv);
/* kith_test_init (), and GTK on the X server of $DISPLAY
 * (tests/app/with-own-display); FALSE, the test skipped, when there is
 * none: main () then returns 77. */
gboolean kith_test_init_x11        (int             *argc,
                                    char          ***argv);
/* Runs @application (non-unique, without command-line arguments) and, once
 * its window is mapped and focused with animations off, the tests added
 * with g_test_add_func(); then quits it. Returns g_test_run()'s status. */
int      kith_test_run_in_application (GtkApplication *application,
                                       const char     *name);
/* The same in a new KithApplication, which *@app points at meanwhile: NULL
 * again, and the application freed, when it returns. */
int      kith_test_run_in_new_application (KithApplication **app,
                                           const char       *name);

/* A connection of its own to the session bus, as another process would
 * have (not closing the process when it closes). */
GDBusConnection *kith_test_new_bus_connection (void);

/* A fake desktop service on the test's bus: @xml's first interface at
 * @path, its calls answered by @vtable with @user_data, and the bus name
 * @name asked for; @owned once the bus gave it. */
typedef struct {
  GDBusConnection *connection;
  GDBusNodeInfo   *info;
  guint            registration_id;
  guint            owner_id;
  gboolean         owned;
} KithFakeService;

void     kith_fake_service_start   (KithFakeService            *service,
                                    GDBusConnection            *connection,
                                    const char                 *xml,
                                    const char                 *path,
                                    const char                 *name,
                                    const GDBusInterfaceVTable *vtable,
                                    gpointer                    user_data);
/* Lets go of the name and the object. */
void     kith_fake_service_stop    (KithFakeService            *service);

G_END_DECLS
