/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

/*
 * What every libFuzzer target of tests/fuzz shares. A target defines
 * LLVMFuzzerTestOneInput, and LLVMFuzzerInitialize when it keeps a server
 * or a directory for the whole process (kith-fuzz.c's default only calls
 * kith_fuzz_init_logging ()). It checks what a client or an operator would
 * observe with kith_fuzz_check(): a broken invariant is a crash to the
 * fuzzer, like a sanitizer report.
 */

int  LLVMFuzzerInitialize   (int            *argc,
                             char         ***argv);
int  LLVMFuzzerTestOneInput (const uint8_t  *data,
                             size_t          size);

/* Once per process: GLib warnings and criticals abort (a g_return_if_fail()
 * reached from outside input is a bug); messages, info and debug output
 * are dropped unless KITH_FUZZ_VERBOSE is set. */
void kith_fuzz_init_logging (void);

/* A fresh directory under $TMPDIR, removed with everything in it at exit
 * (or before, with kith_fuzz_remove_tree()). */
char *kith_fuzz_make_temp_dir (const char *prefix);
void  kith_fuzz_remove_tree   (const char *path);

G_NORETURN void kith_fuzz_fail (const char *format,
                                ...) G_GNUC_PRINTF (1, 2);

#define kith_fuzz_check(cond, ...) \
  G_STMT_START { if (G_UNLIKELY (!(cond))) kith_fuzz_fail (__VA_ARGS__); } G_STMT_END

/* Runs the default main context until *@done is TRUE or @timeout_ms has
 * passed; FALSE on timeout. */
gboolean kith_fuzz_run_until (const gboolean *done,
                              guint           timeout_ms);

G_END_DECLS
