# SPDX-License-Identifier: GPL-3.0-or-later
#
# Every block of glibc's malloc arenas in a running process, with its state
# and first two words, and whether its page is resident: what is left
# where, between two moments of a process (docs/performance-calls.md,
# "The echo probe's latency queries").
#
#   HEAPSNAP_OUT=FILE gdb -p PID -batch -x bench/heap/snapshot.py
#
# Needs glibc's debugging symbols (libc6-dbg; bench/heap/bot-after-calls
# installs them) and root (/proc/PID/pagemap and /proc/kpageflags). Lines: "# arena N ..." headers, then per block
# "ARENA ADDRESS SIZE STATE WORD0 WORD1 RESIDENT", STATE U (in use),
# F (free), f (in a fastbin), t (in a thread's tcache). Pages are read
# for residence before the blocks are read (reading faults them in).

import os
import struct

import gdb

HEAP_MAX = 64 << 20           # a non-main arena's heap: aligned to this (64-bit)
KPF_ZERO_PAGE = 24

out_path = os.environ.get("HEAPSNAP_OUT", "heapsnap.txt")
inferior = gdb.selected_inferior()
pid = inferior.pid


def u64(data, offset=0):
    return struct.unpack_from("<Q", data, offset)[0]


def read(address, size):
    return bytes(inferior.read_memory(address, size))


pagemap = open("/proc/%d/pagemap" % pid, "rb")
kpageflags = open("/proc/kpageflags", "rb")


def resident(page):
    """A page of the process's own (not the shared zero page)."""
    pagemap.seek((page >> 12) * 8)
    entry = u64(pagemap.read(8))
    if not (entry >> 63) & 1:
        return 0
    kpageflags.seek((entry & ((1 << 55) - 1)) * 8)
    return 0 if (u64(kpageflags.read(8)) >> KPF_ZERO_PAGE) & 1 else 1


def fastbin_blocks(arena):
    blocks = set()
    for i in range(10):
        block = int(arena["fastbinsY"][i])
        while block and len(blocks) < 1000000:
            blocks.add(block)
            # safe-linking (glibc 2.32+)
            block = u64(read(block + 16, 8)) ^ ((block + 16) >> 12)
    return blocks


main_arena = gdb.parse_and_eval("&main_arena")
tcache_key = int(gdb.parse_and_eval("tcache_key"))
sbrk_base = int(gdb.parse_and_eval("(unsigned long) mp_.sbrk_base"))
state_size = int(gdb.parse_and_eval("sizeof (struct malloc_state)"))

arenas = []
arena = main_arena
while True:
    arenas.append(arena)
    arena = arena.dereference()["next"]
    if int(arena) == int(main_arena):
        break

with open(out_path, "w") as out:
    for index, arena in enumerate(arenas):
        state = arena.dereference()
        top = int(state["top"])
        fast = fastbin_blocks(state)
        if int(arena) == int(main_arena):
            start = (sbrk_base + 15) & ~15
        else:
            heap = int(arena) & ~(HEAP_MAX - 1)
            if u64(read(heap + 8, 8)):
                out.write("# arena %d: more than one heap, only the newest read\n" % index)
            start = (int(arena) + state_size + 15) & ~15
        top_size = u64(read(top + 8, 8)) & ~7
        pages = {}
        page = start & ~4095
        while page < top + top_size:
            pages[page] = resident(page)
            page += 4096
        memory = read(start, top + 16 - start)
        out.write("# arena %d at %x start %x top %x topsize %d resident_pages %d\n"
                  % (index, int(arena), start, top, top_size, sum(pages.values())))
        block = start
        while block < top:
            size = u64(memory, block - start + 8) & ~7
            if size == 0:
                out.write("# arena %d: a block of size 0 at %x, stopped\n" % (index, block))
                break
            after = block + size
            in_use = u64(memory, after - start + 8) & 1
            word0 = u64(memory, block - start + 16) if block + 24 <= top + 16 else 0
            word1 = u64(memory, block - start + 24) if block + 32 <= top + 16 else 0
            if not in_use:
                kind = "F"
            elif block in fast:
                kind = "f"
            elif word1 == tcache_key:
                kind = "t"
            else:
                kind = "U"
            out.write("%d %x %d %s %x %x %d\n" % (index, block, size, kind, word0, word1,
                                                  pages.get(block & ~4095, 0)))
            block = after

gdb.write("heap snapshot: %d arenas in %s\n" % (len(arenas), out_path))
