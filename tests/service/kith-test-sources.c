/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithTestSources"

#include "config.h"

#include <unistd.h>

#include "kith-test-sources.h"

typedef struct {
  GstBin parent_instance;
  gint   unplugged;     /* atomic: set from the test's thread, read on streaming threads */
  gint   posted;
  char  *unplug_file;   /* set before PLAYING: <unplug-dir>/<pid> */
} KithTestUnplugSrc;

typedef struct {
  GstBinClass parent_class;
} KithTestUnplugSrcClass;

enum {
  PROP_0,
  PROP_UNPLUG_DIR,
};

G_DEFINE_TYPE (KithTestUnplugSrc, kith_test_unplug_src, GST_TYPE_BIN)

/* The live instances, oldest first (made and finalized on any thread). */
static GMutex instances_lock;
static GPtrArray *instances;

static GstStaticPadTemplate unplug_src_template =
  GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static GstPadProbeReturn
on_buffer (GstPad          *pad,
           GstPadProbeInfo *info,
           gpointer         user_data)
{
  KithTestUnplugSrc *self = user_data;

  if (!g_atomic_int_get (&self->unplugged) &&
      (self->unplug_file == NULL || !g_file_test (self->unplug_file, G_FILE_TEST_EXISTS)))
    return GST_PAD_PROBE_OK;
  if (g_atomic_int_compare_and_exchange (&self->posted, FALSE, TRUE))
    GST_ELEMENT_ERROR (self, RESOURCE, READ, ("The device was unplugged."), (NULL));
  return GST_PAD_PROBE_DROP;
}

static void
kith_test_unplug_src_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  KithTestUnplugSrc *self = (KithTestUnplugSrc *) object;

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
kith_test_unplug_src_finalize (GObject *object)
{
  g_free (((KithTestUnplugSrc *) object)->unplug_file);
  g_mutex_lock (&instances_lock);
  if (instances != NULL)
    g_ptr_array_remove (instances, object);
  g_mutex_unlock (&instances_lock);
  G_OBJECT_CLASS (kith_test_unplug_src_parent_class)->finalize (object);
}

static void
kith_test_unplug_src_class_init (KithTestUnplugSrcClass *klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = kith_test_unplug_src_finalize;
  G_OBJECT_CLASS (klass)->set_property = kith_test_unplug_src_set_property;
  g_object_class_install_property (G_OBJECT_CLASS (klass), PROP_UNPLUG_DIR,
    g_param_spec_string ("unplug-dir", NULL, NULL, NULL,
                         G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS));
  gst_element_class_add_static_pad_template (element_class, &unplug_src_template);
  gst_element_class_set_static_metadata (element_class, "Unpluggable test source", "Source/Audio",
                                         "A live test tone whose device can be pulled out", "Kith");
}

static void
kith_test_unplug_src_init (KithTestUnplugSrc *self)
{
  gst_pad_add_probe (kith_test_add_live_tone (GST_BIN (self)), GST_PAD_PROBE_TYPE_BUFFER,
                     on_buffer, self, NULL);
  g_mutex_lock (&instances_lock);
  if (instances != NULL)
    g_ptr_array_add (instances, self);
  g_mutex_unlock (&instances_lock);
}

GstPad *
kith_test_add_live_tone (GstBin *bin)
{
  GstElement *tone = gst_element_factory_make ("audiotestsrc", NULL);
  g_autoptr (GstPad) pad = NULL;

  g_object_set (tone, "is-live", TRUE, NULL);
  gst_bin_add (bin, tone);
  pad = gst_element_get_static_pad (tone, "src");
  gst_element_add_pad (GST_ELEMENT (bin),
                       gst_ghost_pad_new_from_template ("src", pad,
                                                        gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (bin), "src")));
  return pad;   /* the tone holds it */
}

void
kith_test_unplug_src_register (void)
{
  instances = g_ptr_array_new ();
  gst_element_register (NULL, "kithunplugaudiosrc", GST_RANK_NONE, kith_test_unplug_src_get_type ());
}

void
kith_test_unplug_src_unplug (GstElement *src)
{
  g_atomic_int_set (&((KithTestUnplugSrc *) src)->unplugged, TRUE);
}

GstElement *
kith_test_unplug_src_find (GstElement *pipeline)
{
  g_autoptr (GstIterator) iter = gst_bin_iterate_all_by_element_factory_name (GST_BIN (pipeline),
                                                                               "kithunplugaudiosrc");
  g_auto (GValue) item = G_VALUE_INIT;

  if (iter == NULL || gst_iterator_next (iter, &item) != GST_ITERATOR_OK)
    return NULL;
  return g_value_dup_object (&item);
}

gboolean
kith_test_unplug_src_unplug_oldest (void)
{
  gboolean found;

  g_mutex_lock (&instances_lock);
  found = instances->len > 0;
  if (found)
    kith_test_unplug_src_unplug (g_ptr_array_index (instances, 0));
  g_mutex_unlock (&instances_lock);
  return found;
}
