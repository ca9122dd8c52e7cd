/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithBody"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "kith-body.h"
#include "kith-error.h"
#include "kith-json-fields.h"
#include "kith-json-strict.h"
#include "kith-password-policy.h"

#define KITH_MAX_PASSWORD_BYTES      KITH_PASSWORD_MAX_BYTES
#define KITH_MAX_URI_BYTES           2048
#define KITH_MAX_OIDC_BYTES          2048

#define BODY_FIELD(name, kind, flags, max, member, present) \
  KITH_FIELD (KithBody, name, kind, flags, max, member, present)
#define BODY_ENUM(name, wire, flags, member, present) \
  KITH_ENUM_FIELD (KithBody, name, wire, flags, member, present)

static const KithFieldSpec sign_up_fields[] = {
  BODY_FIELD ("email",      KIND_STRING, REQ | F_EMAIL, KITH_MAX_EMAIL_BYTES,    email,      KITH_FIELD_EMAIL),
  BODY_FIELD ("password",   KIND_STRING, REQ,           KITH_MAX_PASSWORD_BYTES, password,   KITH_FIELD_PASSWORD),
  BODY_FIELD ("first_name", KIND_STRING, REQ | F_TRIM | F_NAME, KITH_MAX_NAME_BYTES, first_name, KITH_FIELD_FIRST_NAME),
  BODY_FIELD ("last_name",  KIND_STRING, REQ | F_TRIM | F_NAME, KITH_MAX_NAME_BYTES, last_name,  KITH_FIELD_LAST_NAME),
  FIELD_END
};

static const KithFieldSpec log_in_fields[] = {
  BODY_FIELD ("email",             KIND_STRING,      F_EMAIL,    KITH_MAX_EMAIL_BYTES,    email,             KITH_FIELD_EMAIL),
  BODY_FIELD ("password",          KIND_STRING,      F_NONE,     KITH_MAX_PASSWORD_BYTES, password,          KITH_FIELD_PASSWORD),
  BODY_FIELD ("oidc_code",         KIND_STRING,      F_NONEMPTY, KITH_MAX_OIDC_BYTES,     oidc_code,         KITH_FIELD_OIDC),
  BODY_FIELD ("oidc_verifier",     KIND_STRING,      F_NONEMPTY, KITH_MAX_OIDC_BYTES,     oidc_verifier,     0),
  BODY_FIELD ("oidc_redirect_uri", KIND_STRING,      F_NONE,     KITH_MAX_URI_BYTES,      oidc_redirect_uri, 0),
  BODY_FIELD ("device_name",       KIND_STRING,      F_TRIM | F_NAME, KITH_MAX_NAME_BYTES, device_name,      0),
  BODY_ENUM  ("device_kind",       &kith_device_kind_wire, F_NONE,                  device_kind,       0),
  FIELD_END
};

static const KithFieldSpec profile_update_fields[] = {
  BODY_FIELD ("first_name", KIND_STRING, F_TRIM | F_NAME, KITH_MAX_NAME_BYTES, first_name, KITH_FIELD_FIRST_NAME),
  BODY_FIELD ("last_name",  KIND_STRING, F_TRIM | F_NAME, KITH_MAX_NAME_BYTES, last_name,  KITH_FIELD_LAST_NAME),
  BODY_FIELD ("offline_email_notification", KIND_BOOL, F_NONE, 0, offline_email_notification,
              KITH_FIELD_OFFLINE_EMAIL_NOTIFICATION),
  FIELD_END
};

static const KithFieldSpec password_change_fields[] = {
  BODY_FIELD ("current_password", KIND_STRING, REQ, KITH_MAX_PASSWORD_BYTES, current_password, 0),
  BODY_FIELD ("new_password",     KIND_STRING, REQ, KITH_MAX_PASSWORD_BYTES, new_password,     0),
  FIELD_END
};

static const KithFieldSpec reset_request_fields[] = {
  BODY_FIELD ("email", KIND_STRING, REQ | F_EMAIL, KITH_MAX_EMAIL_BYTES, email, KITH_FIELD_EMAIL),
  FIELD_END
};

static const KithFieldSpec reset_confirm_fields[] = {
  BODY_FIELD ("token",    KIND_STRING, REQ_NONEMPTY, KITH_MAX_TOKEN_BYTES,    token,    0),
  BODY_FIELD ("password", KIND_STRING, REQ,          KITH_MAX_PASSWORD_BYTES, password, KITH_FIELD_PASSWORD),
  FIELD_END
};

static const KithFieldSpec delete_account_fields[] = {
  BODY_FIELD ("confirm_email", KIND_STRING, REQ, KITH_MAX_EMAIL_BYTES, confirm_email, 0),
  FIELD_END
};

static const KithFieldSpec contact_add_fields[] = {
  BODY_FIELD ("email", KIND_STRING, REQ | F_EMAIL, KITH_MAX_EMAIL_BYTES, email, KITH_FIELD_EMAIL),
  FIELD_END
};

static const KithFieldSpec * const body_specs[] = {
  [KITH_BODY_SIGN_UP]         = sign_up_fields,
  [KITH_BODY_LOG_IN]          = log_in_fields,
  [KITH_BODY_PROFILE_UPDATE]  = profile_update_fields,
  [KITH_BODY_PASSWORD_CHANGE] = password_change_fields,
  [KITH_BODY_RESET_REQUEST]   = reset_request_fields,
  [KITH_BODY_RESET_CONFIRM]   = reset_confirm_fields,
  [KITH_BODY_DELETE_ACCOUNT]  = delete_account_fields,
  [KITH_BODY_CONTACT_ADD]     = contact_add_fields,
};

#define KITH_BODY_LAST KITH_BODY_CONTACT_ADD

G_STATIC_ASSERT (G_N_ELEMENTS (body_specs) == KITH_BODY_LAST + 1);

KithBody *
kith_body_new (KithBodyType type)
{
  KithBody *body;

  g_return_val_if_fail ((guint) type <= KITH_BODY_LAST, NULL);

  body = g_new0 (KithBody, 1);
  body->type = type;
  body->device_kind = KITH_DEVICE_DESKTOP;

  return body;
}

void
kith_body_free (KithBody *body)
{
  if (body == NULL)
    return;

  g_free (body->email);
  g_free (body->password);
  g_free (body->first_name);
  g_free (body->last_name);
  g_free (body->device_name);
  g_free (body->oidc_code);
  g_free (body->oidc_verifier);
  g_free (body->oidc_redirect_uri);
  g_free (body->current_password);
  g_free (body->new_password);
  g_free (body->token);
  g_free (body->confirm_email);
  g_free (body);
}

static gboolean
check_log_in (KithBody  *body,
              GError   **error)
{
  if (body->present & KITH_FIELD_OIDC) {
    if (body->present & (KITH_FIELD_EMAIL | KITH_FIELD_PASSWORD)) {
      g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                           _("Give either an email and password or a sign-in code, not both."));
      return FALSE;
    }
    if (body->oidc_verifier == NULL) {
      g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                           _("The field “oidc_verifier” is missing."));
      return FALSE;
    }
  } else {
    if (body->email == NULL) {
      g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                           _("The field “email” is missing."));
      return FALSE;
    }
    if (body->password == NULL) {
      g_set_error_literal (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                           _("The field “password” is missing."));
      return FALSE;
    }
    /* Only meaningful with a code. */
    g_clear_pointer (&body->oidc_verifier, g_free);
    g_clear_pointer (&body->oidc_redirect_uri, g_free);
  }

  if (body->device_name == NULL)
    body->device_name = g_strdup ("Kith");

  return TRUE;
}

KithBody *
kith_body_parse (KithBodyType   type,
                 const char    *data,
                 gsize          length,
                 GError       **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (KithBody) body = NULL;
  JsonObject *object;
  guint present = 0;

  g_return_val_if_fail ((guint) type <= KITH_BODY_LAST, NULL);

  if (length > KITH_MAX_BODY_BYTES) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_PAYLOAD_TOO_LARGE,
                 _("The request is too large: at most %d bytes are allowed."),
                 KITH_MAX_BODY_BYTES);
    return NULL;
  }

  root = kith_json_parse_object (data, length, NULL, error);
  if (root == NULL)
    return NULL;

  object = json_node_get_object (root);

  if (type == KITH_BODY_PROFILE_UPDATE && json_object_has_member (object, "email")) {
    g_set_error_literal (error, KITH_ERROR, KITH_ERROR_EMAIL_READ_ONLY,
                         _("The email address of an account cannot be changed."));
    return NULL;
  }

  body = kith_body_new (type);
  if (!kith_fields_parse (object, body_specs[type], body, NULL, &present, error))
    return NULL;
  body->present = present;

  if (type == KITH_BODY_LOG_IN && !check_log_in (body, error))
    return NULL;

  return g_steal_pointer (&body);
}

char *
kith_body_to_json (const KithBody *body,
                   gsize          *length)
{
  gboolean first = TRUE;
  GString *out;
  guint present;

  g_return_val_if_fail (body != NULL, NULL);
  g_return_val_if_fail ((guint) body->type <= KITH_BODY_LAST, NULL);

  present = body->present;

  out = g_string_sized_new (128);
  g_string_append_c (out, '{');
  if (body->type == KITH_BODY_LOG_IN) {
    KithBody copy = *body;

    /* Send one flow only: the code when there is one, else email and password. */
    if ((present & KITH_FIELD_OIDC) || body->oidc_code != NULL) {
      copy.email = NULL;
      copy.password = NULL;
    } else {
      copy.oidc_code = NULL;
      copy.oidc_verifier = NULL;
      copy.oidc_redirect_uri = NULL;
    }
    kith_fields_write (out, &first, body_specs[body->type], &copy, present);
  } else {
    kith_fields_write (out, &first, body_specs[body->type], body, present);
  }
  g_string_append_c (out, '}');

  return kith_json_finish (out, length);
}
