/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The call tests' sources as a GStreamer plugin ("kithtest"), for a call's
 * media in its own process (kith-call-media), which loads it from
 * GST_PLUGIN_PATH (tests/meson.build) and is told of it by KITH_AUDIOSRC.
 *
 * "kithunplugsrc": a live test tone (as kithunplugaudiosrc,
 * kith-test-sources.h) that is unplugged, as a USB headset pulled out
 * mid-call, once a file named after its process's id appears in its
 * unplug-dir: from its next buffer on it posts a resource error on the bus
 * and sends nothing more, as pulsesrc does when its device goes.
 */
#define G_LOG_DOMAIN "KithTestPlugin"

#include "config.h"

#include <unistd.h>

#define PACKAGE "kith"   /* GST_PLUGIN_DEFINE names it */

#include "kith-test-sources.h"

typedef struct {
  GstBin  parent_instance;
  char   *unplug_file;   /* set before PLAYING: <unplug-dir>/<pid> */
  gint    posted;        /* atomic */
} KithTestPluginSrc;

typedef struct {
  GstBinClass parent_class;
} KithTestPluginSrcClass;

static GType kith_test_plugin_src_get_type (void);
G_DEFINE_TYPE (KithTestPluginSrc, kith_test_plugin_src, GST_TYPE_BIN)

enum {
  PROP_0,
  PROP_UNPLUG_DIR,
};

static GstStaticPadTemplate src_template =
  GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static GstPadProbeReturn
on_buffer (GstPad          *pad,
           GstPadProbeInfo *info,
           gpointer         user_data)
{
  KithTestPluginSrc *self = user_data;

  if (g_atomic_int_get (&self->posted))
    return GST_PAD_PROBE_DROP;
  if (self->unplug_file == NULL || !g_file_test (self->unplug_file, G_FILE_TEST_EXISTS))
    return GST_PAD_PROBE_OK;
  if (g_atomic_int_compare_and_exchange (&self->posted, FALSE, TRUE))
    GST_ELEMENT_ERROR (self, RESOURCE, READ, ("The device was unplugged."), (NULL));
  return GST_PAD_PROBE_DROP;
}

static void
kith_test_plugin_src_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  KithTestPluginSrc *self = (KithTestPluginSrc *) object;

  switch (prop_id) {
  case PROP_UNPLUG_DIR:
    g_free (self->unplug_file);
    self->unplug_file = g_value_get_string (value) != NULL
      ? g_strdup_printf ("%s/%d", g_value_get_string (value), (int) getpid ())
      : NULL;
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
kith_test_plugin_src_finalize (GObject *object)
{
  g_free (((KithTestPluginSrc *) object)->unplug_file);
  G_OBJECT_CLASS (kith_test_plugin_src_parent_class)->finalize (object);
}

static void
kith_test_plugin_src_class_init (KithTestPluginSrcClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  object_class->set_property = kith_test_plugin_src_set_property;
  object_class->finalize = kith_test_plugin_src_finalize;
  g_object_class_install_property (object_class, PROP_UNPLUG_DIR,
    g_param_spec_string ("unplug-dir", NULL, NULL, NULL,
                         G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS));
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Unpluggable test source", "Source/Audio",
                                         "A live test tone whose device can be pulled out", "Kith");
}

static void
kith_test_plugin_src_init (KithTestPluginSrc *self)
{
  gst_pad_add_probe (kith_test_add_live_tone (GST_BIN (self)), GST_PAD_PROBE_TYPE_BUFFER,
                     on_buffer, self, NULL);
}

static gboolean
plugin_init (GstPlugin *plugin)
{
  return gst_element_register (plugin, "kithunplugsrc", GST_RANK_NONE,
                               kith_test_plugin_src_get_type ());
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, kithtest,
                   "Kith's call tests' sources", plugin_init, PACKAGE_VERSION,
                   "GPL", "kith", "https://kith.im")
