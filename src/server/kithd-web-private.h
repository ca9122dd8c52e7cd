/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <locale.h>

#include "kith-body.h"
#include "kith-error.h"
#include "kith-password-policy.h"
#include "kithd-html.h"
#include "kithd-routes-private.h"
#include "kithd-store.h"
#include "kithd-web.h"

G_BEGIN_DECLS

/*
 * Between the web pages' dispatch (kithd-web.c: the page table, headers,
 * cookies, the Origin and CSRF checks, the browser's session, running the
 * API's handlers), their languages (kithd-web-i18n.c) and the pages, one
 * file per part: kithd-web-pages.c (the frame of every page, the landing
 * page, errors, the stylesheet and logo), -account.c (log in, with a
 * password or a provider, and out; profile, password, deletion) and
 * -reset.c (the password reset).
 */

/* A web session ends after this long unused, or this long after it began. */
#define KITHD_WEB_SESSION_IDLE_MS     (12 * 60 * 60 * 1000LL)
#define KITHD_WEB_SESSION_LIFETIME_MS (7 * 24 * 60 * 60 * 1000LL)
/* A reset link's token is kept in a cookie this long once opened (s). */
#define KITHD_WEB_RESET_COOKIE_S      (30 * 60)
/* A sign-in with a provider's state and verifier are kept this long (s):
 * as long as kithd keeps the flow (KITHD_OIDC_FLOW_VALIDITY_MS). */
#define KITHD_WEB_OIDC_COOKIE_S       (10 * 60)

/* The cookies, each HttpOnly; SameSite=Strict; Path=/ (and Secure over HTTPS). */
#define KITHD_WEB_COOKIE_SESSION "kith_session"
#define KITHD_WEB_COOKIE_CSRF    "kith_csrf"
#define KITHD_WEB_COOKIE_RESET   "kith_reset"
#define KITHD_WEB_COOKIE_OIDC    "kith_oidc"

typedef struct {
  char     *tag;        /* the catalogue's folder: "en", "de", "pt_BR" */
  char     *html_tag;   /* for lang="…": "pt-BR" */
  locale_t  locale;
} KithdWebLanguage;

/* kithd-web-i18n.c: the language of a request (English without a match). */
const KithdWebLanguage *kithd_web_language_choose (const char *accept_language);

typedef struct _KithdWebCall KithdWebCall;

typedef enum {
  KITHD_WEB_PUBLIC,        /* nobody's session is looked up */
  KITHD_WEB_MAYBE_SIGNED,  /* the browser's session, if any, is looked up */
  KITHD_WEB_SIGNED_IN,     /* a session is needed: else the log-in page */
} KithdWebAccess;

/* Notices a page may show after a redirect (?notice=NAME). */
typedef enum {
  KITHD_WEB_NOTICE_NONE,
  KITHD_WEB_NOTICE_SIGNED_OUT,
  KITHD_WEB_NOTICE_SESSION_ENDED,
  KITHD_WEB_NOTICE_SAVED,
  KITHD_WEB_NOTICE_PASSWORD_CHANGED,
} KithdWebNotice;

typedef void (*KithdWebHandler) (KithdWebCall *call);

/* What the API answered: @status, and for a status of 400 or more its
 * error @code. */
typedef void (*KithdWebAnswer) (KithdWebCall  *call,
                                guint          status,
                                KithErrorCode  code);

/* One row of the page table. */
typedef struct {
  const char         *method;
  const char         *path;
  KithdWebAccess      access;
  const char * const *fields;     /* a POST's form fields besides "csrf" */
  KithdWebHandler     handler;
} KithdWebRoute;

struct _KithdWebCall
{
  const KithdRouteContext *ctx;
  KithdRequest            *http;
  const KithdWebRoute     *route;
  const KithdWebLanguage  *language;
  GHashTable              *form;          /* a POST's fields */
  char                    *csrf_cookie;   /* the browser's, or a new one */
  gboolean                 csrf_new;
  char                    *session_token; /* the browser's session cookie */
  gint64                   session_id;    /* its web session; 0: none */
  KithdUser               *user;          /* signed in */
  KithdWebAnswer           api_answer;    /* hears the API's answer (kithd_web_call_run_api()) */

  /* what the page says */
  KithErrorCode            error;
  gboolean                 has_error;
  const char              *problem;       /* a sentence of the page's own, marked for translation */
  const char              *problem_arg;   /* ... its one %s, if it has one */
  const char              *heading;       /* an error page's, marked for translation; NULL: "Something went wrong" */
  KithPasswordRules        missing;       /* rules the submitted password fails */
  gboolean                 checked;       /* ... after a submitted password */
  KithdWebNotice           notice;
  const char              *refresh_to;    /* a path the page moves on to at once */
};

/* ---- answers: each frees @call ---- */

/* Writes <main>'s content; returns the page's title (translated). */
typedef const char *(*KithdWebPageFunc) (KithdWebCall *call,
                                         KithdHtml    *html);

/* A page: @func runs in the call's language, inside the frame of every
 * page (kithd-web-pages.c). */
void         kithd_web_call_page          (KithdWebCall     *call,
                                           guint             status,
                                           KithdWebPageFunc  func);
/* Any answer, with the headers of every answer (kithd-web.c); @body is
 * taken. */
void         kithd_web_call_respond       (KithdWebCall     *call,
                                           guint             status,
                                           const char       *content_type,
                                           char             *body,
                                           gsize             len);
/* 303 See Other to @path (a path of kithd's own). */
void         kithd_web_call_redirect      (KithdWebCall     *call,
                                           const char       *path);
/* A page for @code (its sentence, kith_error_code_describe()) with the
 * code's HTTP status. */
void         kithd_web_call_error         (KithdWebCall     *call,
                                           KithErrorCode     code);
void         kithd_web_call_free          (KithdWebCall     *call);

/* ---- what goes with an answer ---- */

/* Set-Cookie @name=@value (NULL: deleted); @max_age in seconds, 0 for a
 * cookie that ends with the browser's session. */
void         kithd_web_call_set_cookie    (KithdWebCall     *call,
                                           const char       *name,
                                           const char       *value,
                                           guint             max_age);
/* The browser's cookie @name, when it is well-formed (else NULL). */
char        *kithd_web_call_cookie        (KithdWebCall     *call,
                                           const char       *name);
/* The hidden CSRF field of a form. */
void         kithd_web_call_csrf_field    (KithdWebCall     *call,
                                           KithdHtml        *html);
/* A field of the POST's form ("" when absent). */
const char  *kithd_web_call_field         (KithdWebCall     *call,
                                           const char       *name);
/* The page's error, from an error code. */
void         kithd_web_call_set_error     (KithdWebCall     *call,
                                           KithErrorCode     code);
/* The notice named by the query's "notice", if any. */
void         kithd_web_call_read_notice   (KithdWebCall     *call);
/* A new web session for @user_id: the cookie, then a redirect to @path. */
void         kithd_web_call_sign_in       (KithdWebCall     *call,
                                           gint64            user_id,
                                           const char       *path);

/* ---- the API's handlers, for the forms ---- */

/* Runs the API's @handler (kithd-routes-private.h) for this request (its
 * address: the throttle counts it as the API's own) and the signed-in
 * user, if any, on @draft (taken) as the API would read it
 * (kith_body_parse(): names trimmed and checked, emails checked); @answer
 * hears the API's answer instead of the browser. When the body is not
 * acceptable, @page says why (400). The API's call holds no
 * session of the API's (its id is 0): a password change keeps none. */
void         kithd_web_call_run_api       (KithdWebCall      *call,
                                           KithBody          *draft,
                                           KithdRouteHandler  handler,
                                           KithdWebAnswer     answer,
                                           KithdWebPageFunc   page);
/* @page with @status, for a @password that was refused: the checklist
 * shows which rules it meets. */
void         kithd_web_call_password_page (KithdWebCall      *call,
                                           const char        *password,
                                           guint              status,
                                           KithdWebPageFunc   page);

/* ---- pieces of pages (kithd-web-pages.c) ---- */

/* The page's error or notice, when it has one. */
void         kithd_web_page_messages      (KithdWebCall     *call,
                                           KithdHtml        *html);
/* The password policy as a checklist; after a submitted password, each
 * rule met or not. */
void         kithd_web_page_checklist     (KithdWebCall     *call,
                                           KithdHtml        *html,
                                           const char       *id);

/* ---- the pages' handlers ---- */

/* kithd-web-pages.c */
void kithd_web_page_landing          (KithdWebCall *call);
void kithd_web_page_stylesheet       (KithdWebCall *call);
void kithd_web_page_logo             (KithdWebCall *call);

/* kithd-web-pages-account.c */
void kithd_web_page_login            (KithdWebCall *call);
void kithd_web_page_login_post       (KithdWebCall *call);
void kithd_web_page_oidc_start       (KithdWebCall *call);
void kithd_web_page_oidc_done        (KithdWebCall *call);
void kithd_web_page_oidc_finish      (KithdWebCall *call);
void kithd_web_page_logout_post      (KithdWebCall *call);
void kithd_web_page_profile          (KithdWebCall *call);
void kithd_web_page_profile_post     (KithdWebCall *call);
void kithd_web_page_password_post    (KithdWebCall *call);
void kithd_web_page_delete           (KithdWebCall *call);
void kithd_web_page_delete_post      (KithdWebCall *call);

/* kithd-web-pages-reset.c */
void kithd_web_page_reset            (KithdWebCall *call);
void kithd_web_page_reset_post       (KithdWebCall *call);
void kithd_web_page_reset_new_post   (KithdWebCall *call);

G_END_DECLS
