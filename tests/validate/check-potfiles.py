#!/usr/bin/env python3
"""Fails when a source file with translatable strings is missing from po/POTFILES.in,
or when POTFILES.in names a file that does not exist. Prints the lines to add.

usage: check-potfiles.py SRCDIR
"""
import os
import re
import sys

C_MARK = re.compile(r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|Q_|ngettext|g_dngettext|g_dpgettext2|g_dcgettext)\s*\(')
UI_MARK = re.compile(r'translatable\s*=\s*"(?:yes|true|1)"')
SKIP_DIRS = {'.git', 'tests', 'subprojects', 'po', 'flatpak', '.flatpak-builder'}


def is_build_dir(path, names):
    return 'meson-private' in names or 'build.ninja' in names or 'meson-info' in names


def translatable(path):
    name = os.path.basename(path)
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            text = f.read()
    except OSError:
        return False
    if name.endswith(('.c', '.h')):
        # comments may mention _(); strip them before looking
        text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
        text = re.sub(r'//[^\n]*', '', text)
        return C_MARK.search(text) is not None
    if name.endswith('.ui'):
        return UI_MARK.search(text) is not None
    if name.endswith(('.desktop.in', '.metainfo.xml.in', '.appdata.xml.in')):
        return True
    if name.endswith('.gschema.xml'):
        return 'gettext-domain' in text
    return False


def main():
    src = os.path.abspath(sys.argv[1])
    listed = []
    with open(os.path.join(src, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                listed.append(line)
    skipped = set()
    skip_file = os.path.join(src, 'po', 'POTFILES.skip')
    if os.path.exists(skip_file):
        with open(skip_file, encoding='utf-8') as f:
            skipped = {l.strip() for l in f if l.strip() and not l.startswith('#')}

    found = []
    for dirpath, dirnames, filenames in os.walk(src):
        rel_dir = os.path.relpath(dirpath, src)
        if is_build_dir(dirpath, set(dirnames) | set(filenames)):
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames
                             if d not in SKIP_DIRS and not d.startswith(('_build', 'build')))
        for name in sorted(filenames):
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if translatable(os.path.join(dirpath, name)):
                found.append(rel)

    missing = [f for f in found if f not in listed and f not in skipped]
    gone = [f for f in listed if not os.path.exists(os.path.join(src, f))]
    dupes = sorted({f for f in listed if listed.count(f) > 1})
    ok = True
    if missing:
        ok = False
        print('po/POTFILES.in lacks these files with translatable strings (add the lines):')
        for f in missing:
            print(f)
    if gone:
        ok = False
        print('po/POTFILES.in names files that do not exist:')
        for f in gone:
            print('  ' + f)
    if dupes:
        ok = False
        print('po/POTFILES.in names these files twice: ' + ', '.join(dupes))
    print('%d files with translatable strings, %d listed' % (len(found), len(listed)))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
