/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/*
 * The enums that travel on the wire as strings. Each has one table of its
 * names (kith-wire-enums.c), and everything reads that table:
 * kith_…_to_string() and kith_…_from_string(), the codec's field tables
 * (kith-frame.c, kith-body.c, kith-objects.c) and the GType the service's
 * objects carry as a property (its nicks are the wire names).
 */

typedef struct {
  const char       *type_name;  /* the GType's name, e.g. "KithPresence" */
  const GEnumValue *values;     /* indexed by value (0 … n_values - 1); nick: the wire name */
  guint             n_values;
  const char       *expected;   /* untranslated (N_): what an error says the value must be */
} KithWireEnum;

/* What the user chooses in the status menu. Wire: "online" | "busy" | "hidden". */
typedef enum {
  KITH_CHOSEN_ONLINE,
  KITH_CHOSEN_BUSY,
  KITH_CHOSEN_HIDDEN,
} KithChosenStatus;

/* What contacts see. Wire: "offline" | "online" | "busy" | "idle" | "mobile". */
typedef enum {
  KITH_PRESENCE_OFFLINE,
  KITH_PRESENCE_ONLINE,
  KITH_PRESENCE_BUSY,
  KITH_PRESENCE_IDLE,
  KITH_PRESENCE_MOBILE,
} KithPresence;

/* Wire: "desktop" | "mobile". */
typedef enum {
  KITH_DEVICE_DESKTOP,
  KITH_DEVICE_MOBILE,
} KithDeviceKind;

typedef enum {
  KITH_CONTACT_ACCEPTED,            /* "accepted" */
  KITH_CONTACT_INCOMING,            /* "incoming": they asked us */
  KITH_CONTACT_OUTGOING,            /* "outgoing": we asked them */
} KithContactState;

/* How a call ended, as its event in the conversation tells
 * (docs/protocol.md, "Call events"). Wire: "missed" | "declined" | "busy" |
 * "unreachable" | "ended". */
typedef enum {
  KITH_CALL_OUTCOME_MISSED,         /* not answered: it rang out, or the caller gave up */
  KITH_CALL_OUTCOME_DECLINED,       /* the callee declined */
  KITH_CALL_OUTCOME_BUSY,           /* the callee was in another call */
  KITH_CALL_OUTCOME_UNREACHABLE,    /* the callee had no device connected */
  KITH_CALL_OUTCOME_ENDED,          /* answered, then ended (with a duration) */
} KithCallOutcome;

extern const KithWireEnum kith_chosen_status_wire;
extern const KithWireEnum kith_presence_wire;
extern const KithWireEnum kith_device_kind_wire;
extern const KithWireEnum kith_contact_state_wire;
extern const KithWireEnum kith_call_outcome_wire;

/* The wire name of @value; a value out of range gives the first name. */
const char *kith_wire_enum_to_string        (const KithWireEnum *wire,
                                             int                 value);
/* The value named @str; FALSE (and the first value) when @str names none. */
gboolean    kith_wire_enum_from_string      (const KithWireEnum *wire,
                                             const char         *str,
                                             int                *value);

const char *kith_chosen_status_to_string    (KithChosenStatus   chosen);
gboolean    kith_chosen_status_from_string  (const char        *str,
                                             KithChosenStatus  *chosen);
const char *kith_presence_to_string         (KithPresence       presence);
gboolean    kith_presence_from_string       (const char        *str,
                                             KithPresence      *presence);
const char *kith_device_kind_to_string      (KithDeviceKind     kind);
gboolean    kith_device_kind_from_string    (const char        *str,
                                             KithDeviceKind    *kind);
const char *kith_contact_state_to_string    (KithContactState   state);
gboolean    kith_contact_state_from_string  (const char        *str,
                                             KithContactState  *state);
const char *kith_call_outcome_to_string     (KithCallOutcome    outcome);
gboolean    kith_call_outcome_from_string   (const char        *str,
                                             KithCallOutcome   *outcome);

/* GTypes, so that GObjects can carry these enums as properties
 * (KithContact:presence, :state, …). */
#define KITH_TYPE_PRESENCE      (kith_presence_get_type ())
#define KITH_TYPE_CHOSEN_STATUS (kith_chosen_status_get_type ())
#define KITH_TYPE_DEVICE_KIND   (kith_device_kind_get_type ())
#define KITH_TYPE_CONTACT_STATE (kith_contact_state_get_type ())
#define KITH_TYPE_CALL_OUTCOME  (kith_call_outcome_get_type ())

GType kith_presence_get_type      (void) G_GNUC_CONST;
GType kith_chosen_status_get_type (void) G_GNUC_CONST;
GType kith_device_kind_get_type   (void) G_GNUC_CONST;
GType kith_contact_state_get_type (void) G_GNUC_CONST;
GType kith_call_outcome_get_type  (void) G_GNUC_CONST;

G_END_DECLS
