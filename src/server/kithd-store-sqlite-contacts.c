/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "KithdStoreSqlite"

#include "config.h"

#include "kithd-store-sqlite-private.h"

/* The sqlite store's contacts: one row per ordered pair, both written in
 * one transaction. */

/* ---- contacts ---- */

/* The state of (user, other) as @user sees it; FALSE in @found without a row. */
static gboolean
contact_state (KithdStoreSqlite  *self,
               gint64             user,
               gint64             other,
               gboolean          *found,
               KithContactState  *state,
               GError           **error)
{
  g_autoptr (Stmt) stmt = NULL;
  int rc;

  stmt = prepare (self, "SELECT state FROM contacts WHERE user_id = ?1 AND other_id = ?2", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, user);
  sqlite3_bind_int64 (stmt, 2, other);

  rc = step (self, stmt, error);
  *found = rc == SQLITE_ROW;
  if (*found)
    *state = sqlite3_column_int (stmt, 0);

  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

static gboolean
set_contact_state (KithdStoreSqlite  *self,
                   gint64             user,
                   gint64             other,
                   KithContactState   state,
                   gint64             now,
                   GError           **error)
{
  g_autoptr (Stmt) stmt = NULL;

  stmt = prepare (self,
                  "INSERT INTO contacts (user_id, other_id, state, created_at) VALUES (?1, ?2, ?3, ?4) "
                  "ON CONFLICT (user_id, other_id) DO UPDATE SET state = excluded.state", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, user);
  sqlite3_bind_int64 (stmt, 2, other);
  sqlite3_bind_int (stmt, 3, state);
  sqlite3_bind_int64 (stmt, 4, now);

  return run_insert (self, stmt, error);
}

/* @from asks @to, inside a transaction: the state as @from sees it in @result. */
static gboolean
request_contact (KithdStoreSqlite  *self,
                 gint64             from,
                 gint64             to,
                 gint64             now,
                 KithContactState  *result,
                 GError           **error)
{
  KithContactState current = KITH_CONTACT_ACCEPTED;
  gboolean found = FALSE;

  if (!contact_state (self, from, to, &found, &current, error))
    return FALSE;

  if (found && current != KITH_CONTACT_INCOMING) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_ALREADY_CONTACT,
                 current == KITH_CONTACT_ACCEPTED ? "Already a contact"
                                                  : "A contact request was already sent");
    return FALSE;
  }

  if (found) {
    /* they had asked us: asking back accepts */
    *result = KITH_CONTACT_ACCEPTED;
    return set_contact_state (self, from, to, KITH_CONTACT_ACCEPTED, now, error) &&
           set_contact_state (self, to, from, KITH_CONTACT_ACCEPTED, now, error);
  }

  *result = KITH_CONTACT_OUTGOING;
  return set_contact_state (self, from, to, KITH_CONTACT_OUTGOING, now, error) &&
         set_contact_state (self, to, from, KITH_CONTACT_INCOMING, now, error);
}

static gboolean
kithd_store_sqlite_contact_request (KithdStore        *store,
                                    gint64             from,
                                    gint64             to,
                                    gint64             now,
                                    KithContactState  *state,
                                    GError           **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  KithContactState result = KITH_CONTACT_ACCEPTED;

  if (from == to) {
    g_set_error (error, KITH_ERROR, KITH_ERROR_INVALID_FIELD,
                 "You cannot add yourself as a contact");
    return FALSE;
  }

  if (!begin (self, error) ||
      !end_transaction (self, request_contact (self, from, to, now, &result, error), error))
    return FALSE;

  if (state != NULL)
    *state = result;

  return TRUE;
}

/* @user accepts @requester's request, inside a transaction. */
static gboolean
accept_request (KithdStoreSqlite  *self,
                gint64             user,
                gint64             requester,
                gint64             now,
                GError           **error)
{
  KithContactState current = KITH_CONTACT_ACCEPTED;
  gboolean found = FALSE;

  if (!contact_state (self, user, requester, &found, &current, error))
    return FALSE;

  if (!found || current != KITH_CONTACT_INCOMING)
    return not_found (error, "No contact request from this user");

  return set_contact_state (self, user, requester, KITH_CONTACT_ACCEPTED, now, error) &&
         set_contact_state (self, requester, user, KITH_CONTACT_ACCEPTED, now, error);
}

static gboolean
kithd_store_sqlite_contact_accept (KithdStore  *store,
                                   gint64       user,
                                   gint64       requester,
                                   gint64       now,
                                   GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);

  return begin (self, error) &&
         end_transaction (self, accept_request (self, user, requester, now, error), error);
}

static gboolean
kithd_store_sqlite_contact_remove (KithdStore  *store,
                                   gint64       user,
                                   gint64       other,
                                   GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;

  /* both rows in one statement */
  stmt = prepare (self,
                  "DELETE FROM contacts "
                  "WHERE (user_id = ?1 AND other_id = ?2) OR (user_id = ?2 AND other_id = ?1)", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_int64 (stmt, 1, user);
  sqlite3_bind_int64 (stmt, 2, other);

  return run_changed (self, stmt, "Not a contact and no pending request", error);
}

static GPtrArray *
kithd_store_sqlite_contact_list (KithdStore  *store,
                                 gint64       user,
                                 GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;
  g_autoptr (GPtrArray) contacts = g_ptr_array_new_with_free_func ((GDestroyNotify) kithd_contact_free);
  int rc;

  /* no password hash: these are other people's records */
  stmt = prepare (self,
                  "SELECT u.id, u.email, u.first_name, u.last_name, NULL, u.offline_email_notification,"
                  "       u.plan, u.created_at, c.state "
                  "FROM contacts c JOIN users u ON u.id = c.other_id "
                  "WHERE c.user_id = ?1 "
                  "ORDER BY u.first_name COLLATE NOCASE, u.last_name COLLATE NOCASE, u.id", error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, user);

  while ((rc = step (self, stmt, error)) == SQLITE_ROW) {
    KithdContact *contact = g_new0 (KithdContact, 1);

    contact->user = user_from_row (stmt);
    contact->state = sqlite3_column_int (stmt, 8);
    g_ptr_array_add (contacts, contact);
  }

  if (rc != SQLITE_DONE)
    return NULL;

  return g_steal_pointer (&contacts);
}

static GArray *
kithd_store_sqlite_contact_accepted_ids (KithdStore  *store,
                                         gint64       user,
                                         GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  g_autoptr (Stmt) stmt = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  stmt = prepare (self,
                  "SELECT other_id FROM contacts WHERE user_id = ?1 AND state = 0 ORDER BY other_id",
                  error);
  if (stmt == NULL)
    return NULL;

  sqlite3_bind_int64 (stmt, 1, user);

  while ((rc = step (self, stmt, error)) == SQLITE_ROW) {
    gint64 id = sqlite3_column_int64 (stmt, 0);

    g_array_append_val (ids, id);
  }

  if (rc != SQLITE_DONE)
    return NULL;

  return g_steal_pointer (&ids);
}

static gboolean
kithd_store_sqlite_contact_is_accepted (KithdStore  *store,
                                        gint64       a,
                                        gint64       b,
                                        GError     **error)
{
  KithdStoreSqlite *self = KITHD_STORE_SQLITE (store);
  KithContactState state = KITH_CONTACT_INCOMING;
  gboolean found = FALSE;

  if (!contact_state (self, a, b, &found, &state, error))
    return FALSE;

  return found && state == KITH_CONTACT_ACCEPTED;
}

void
kithd_store_sqlite_contacts_init (KithdStoreInterface *iface)
{
  iface->contact_request = kithd_store_sqlite_contact_request;
  iface->contact_accept = kithd_store_sqlite_contact_accept;
  iface->contact_remove = kithd_store_sqlite_contact_remove;
  iface->contact_list = kithd_store_sqlite_contact_list;
  iface->contact_accepted_ids = kithd_store_sqlite_contact_accepted_ids;
  iface->contact_is_accepted = kithd_store_sqlite_contact_is_accepted;
}
