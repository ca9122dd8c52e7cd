#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# What two snapshots of one process (bench/heap/snapshot.py) say changed:
# per arena, its resident pages, the blocks in use in the second that were
# not in the first (same address, size and state), their sizes, their
# first words (a GObject's class, a mini object's type, text) and how many
# pages they lie on.
#
#   bench/heap/diff.py BEFORE AFTER
#
# bench/heap/identify.py names those first words in the live process.

import collections
import sys


def load(path):
    blocks, headers = {}, []
    for line in open(path):
        if line.startswith("#"):
            headers.append(line.strip())
            continue
        arena, address, size, kind, word0, word1, resident = line.split()
        blocks[(int(arena), int(address, 16))] = (int(size), kind, int(word0, 16))
    return blocks, headers


def new_in_use(before, after):
    return {key: block for key, block in after.items()
            if block[1] == "U" and before.get(key, (0, ""))[:2] != block[:2]}


def main():
    before, headers_before = load(sys.argv[1])
    after, headers_after = load(sys.argv[2])
    for line in headers_before + headers_after:
        print(line)
    new = new_in_use(before, after)
    for arena in sorted({key[0] for key in after}):
        blocks = {key: block for key, block in new.items() if key[0] == arena}
        pages = set()
        for (_, address), (size, _, _) in blocks.items():
            pages.update(range(address >> 12, ((address + size - 1) >> 12) + 1))
        print("arena %d: %d blocks newly in use, %d bytes, on %d pages"
              % (arena, len(blocks), sum(b[0] for b in blocks.values()), len(pages)))
        sizes = collections.Counter(b[0] for b in blocks.values())
        print("  sizes:", ", ".join("%d×%d" % (n, size) for size, n in sizes.most_common(12)))
        words = collections.Counter(b[2] for b in blocks.values())
        print("  first words:", ", ".join("%x×%d" % (word, n) for word, n in words.most_common(12)))


if __name__ == "__main__":
    main()
