/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdWs"

/* What RFC 6455 says that needs no connection: the handshake's accept key
 * and the length of a frame (kithd-ws.c, the bench and the fuzz targets). */

#include "config.h"

#include <string.h>

#include "kithd-ws.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

gboolean
kithd_ws_frame_length (const guint8 *data,
                       gsize         len,
                       guint64      *payload_len,
                       gsize        *header_len)
{
  guint64 plen;

  if (len < 2)
    return FALSE;

  plen = data[1] & 0x7f;
  *header_len = 2;
  if (plen == 126) {
    if (len < 4)
      return FALSE;
    plen = ((guint64) data[2] << 8) | data[3];
    *header_len = 4;
  } else if (plen == 127) {
    if (len < 10)
      return FALSE;
    plen = 0;
    for (int i = 0; i < 8; i++)
      plen = (plen << 8) | data[2 + i];
    *header_len = 10;
  }

  *payload_len = plen;
  return TRUE;
}

char *
kithd_ws_accept_key (const char *client_key)
{
  g_autoptr (GChecksum) sha1 = NULL;
  g_autofree guchar *raw = NULL;
  guint8 digest[20];
  gsize digest_len = sizeof digest;
  gsize len = 0;

  /* 16 random bytes in base64: 22 characters and "==". */
  if (!client_key || strlen (client_key) != 24 || !g_str_has_suffix (client_key, "=="))
    return NULL;
  for (guint i = 0; i < 22; i++) {
    if (!g_ascii_isalnum (client_key[i]) && client_key[i] != '+' && client_key[i] != '/')
      return NULL;
  }
  raw = g_base64_decode (client_key, &len);
  if (len != 16)
    return NULL;

  sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  g_checksum_update (sha1, (const guchar *) client_key, 24);
  g_checksum_update (sha1, (const guchar *) WS_GUID, strlen (WS_GUID));
  g_checksum_get_digest (sha1, digest, &digest_len);
  return g_base64_encode (digest, digest_len);
}
