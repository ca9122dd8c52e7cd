# SPDX-License-Identifier: GPL-3.0-or-later
#
# The blocks newly in use between two snapshots (bench/heap/snapshot.py),
# grouped by size and first word, named where gdb can: a symbol, a
# GObject's or a mini object's type (the first word points at a class or
# is a GType), else their first bytes as text.
#
#   HEAPSNAP_BEFORE=A HEAPSNAP_AFTER=B gdb -p PID -batch -x bench/heap/identify.py

import collections
import os
import struct
import sys

import gdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import diff  # noqa: E402  (bench/heap/diff.py)

gdb.execute("set unwindonsignal on")
inferior = gdb.selected_inferior()


def symbol(address):
    try:
        text = gdb.execute("info symbol 0x%x" % address, to_string=True).strip()
    except gdb.error:
        return None
    return None if text.startswith("No symbol") else text.split(" in ")[0]


def type_name(expression):
    try:
        name = gdb.parse_and_eval("(char *) g_type_name (%s)" % expression)
        return name.string() if int(name) else None
    except gdb.error:
        return None


def name(word0):
    if word0 < 0x10000:
        return None
    return (symbol(word0) or
            type_name("*(unsigned long *) 0x%x" % word0) or   # a GObject's class
            type_name("0x%x" % word0))                        # a GstMiniObject's GType


before, _ = diff.load(os.environ["HEAPSNAP_BEFORE"])
after, _ = diff.load(os.environ["HEAPSNAP_AFTER"])
groups = collections.defaultdict(list)
for (arena, address), (size, _, word0) in diff.new_in_use(before, after).items():
    groups[(arena, size, word0)].append(address)

for (arena, size, word0), addresses in sorted(groups.items(),
                                              key=lambda g: -len(g[1]) * g[0][1])[:30]:
    try:
        data = bytes(inferior.read_memory(addresses[0] + 16, min(size - 16, 48)))
    except gdb.MemoryError:
        data = b""
    text = "".join(chr(c) if 32 <= c < 127 else "." for c in data)
    gdb.write("arena %d  %4d × %5d B  first word %x  %s  |%s|\n"
              % (arena, len(addresses), size, word0, name(word0) or "?", text))
