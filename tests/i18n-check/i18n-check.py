#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks that every translatable string reaches the translators.

  i18n-check.py potfiles SOURCE_ROOT
      po/POTFILES.in lists, sorted and once each, every file under src/ and
      data/ with a marked string (_( N_( C_( NC_( g_dngettext ngettext
      translatable="yes") and every desktop, metainfo and GSettings schema
      file; each listed file exists.

  i18n-check.py po PO_FILE SOURCE_ROOT
      msgfmt --check passes; no message is fuzzy or untranslated; and every
      message the sources have now (extracted with xgettext as meson's
      'glib' preset does) has a translation in PO_FILE, so a stale .po fails.
"""

import os
import re
import subprocess
import sys
import tempfile

MARKER = re.compile(r'(?<![A-Za-z0-9_])(?:NC_|C_|N_|_|g_dngettext|g_dpgettext2|ngettext)\s*\('
                    r'|translatable\s*=\s*"yes"')
ALWAYS = re.compile(r'\.(?:desktop\.in|metainfo\.xml\.in|appdata\.xml\.in|gschema\.xml)$')
SOURCE = re.compile(r'\.(?:c|h|ui|in|xml|blp)$')

XGETTEXT_ARGS = [
    '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
]


def fail(problems):
    for p in problems:
        print('FAIL: ' + p)
    print('%d passed, %d failed' % (0 if problems else 1, 1 if problems else 0))
    sys.exit(1 if problems else 0)


def read_potfiles(root):
    with open(os.path.join(root, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        return [l.strip() for l in f if l.strip() and not l.lstrip().startswith('#')]


def check_potfiles(root):
    problems = []
    listed = read_potfiles(root)

    if listed != sorted(listed):
        problems.append('po/POTFILES.in is not sorted')
    seen = set()
    for path in listed:
        if path in seen:
            problems.append('po/POTFILES.in lists %s twice' % path)
        seen.add(path)
        if not os.path.isfile(os.path.join(root, path)):
            problems.append('po/POTFILES.in lists %s, which does not exist' % path)

    for top in ('src', 'data'):
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, root)
                if not SOURCE.search(name):
                    continue
                needed = bool(ALWAYS.search(name))
                if not needed:
                    with open(full, encoding='utf-8', errors='replace') as f:
                        needed = MARKER.search(f.read()) is not None
                if needed and rel not in seen:
                    problems.append('%s has translatable strings but is not in po/POTFILES.in' % rel)

    if not problems:
        print('po/POTFILES.in lists the %d files with translatable strings' % len(listed))
    fail(problems)


def check_po(po, root):
    problems = []
    # LC_ALL=C: the statistics line must be in English to be read.
    env = dict(os.environ, LC_ALL='C', LANGUAGE='')
    r = subprocess.run(['msgfmt', '--check', '--statistics', '-o', os.devnull, po],
                       capture_output=True, text=True, env=env)
    stats = r.stderr.strip()
    print('# ' + os.path.basename(po) + ': ' + stats.replace('\n', '\n# '))
    if r.returncode != 0:
        problems.append('msgfmt --check fails on %s' % po)
    for kind in ('fuzzy translation', 'untranslated message'):
        m = re.search(r'(\d+) ' + kind, stats)
        if m and int(m.group(1)) > 0:
            problems.append('%s has %s %ss' % (po, m.group(1), kind))

    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, 'current.pot')
        r = subprocess.run(['xgettext', '--files-from=po/POTFILES.in', '--directory=.',
                            '--output=' + pot] + XGETTEXT_ARGS,
                           cwd=root, capture_output=True, text=True, env=env)
        if r.returncode != 0:
            problems.append('xgettext failed: ' + r.stderr.strip())
        else:
            r = subprocess.run(['msgcmp', po, pot], capture_output=True, text=True, env=env)
            if r.returncode != 0:
                missing = [l for l in r.stderr.splitlines() if 'not defined' in l or 'untranslated' in l]
                problems.append('%s is not up to date with the sources (run kith-update-po and '
                                'translate):\n  %s' % (po, '\n  '.join(missing or [r.stderr.strip()])))

    if not problems:
        print('%s is complete and up to date' % os.path.basename(po))
    fail(problems)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == 'potfiles':
        check_potfiles(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == 'po':
        check_po(os.path.abspath(sys.argv[2]), sys.argv[3])
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == '__main__':
    main()
