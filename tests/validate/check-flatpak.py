#!/usr/bin/env python3
"""Lints the Flatpak manifest: valid JSON, the app id, command and runtime GNOME apps use,
finish-args limited to what crmsync needs, every remote source pinned by a checksum, the
app built from this tree with meson; then `flatpak-builder --show-manifest` when it is
installed, failing on any warning it prints (it exits 0 on unknown keys).

usage: check-flatpak.py SRCDIR [FLATPAK_BUILDER]
"""
import json
import os
import re
import subprocess
import sys

APP_ID = 'org.crmsync.Crmsync'
# network (CRM, Graph), X11/Wayland and IPC for GTK; the keyring, the file chooser (PSTs)
# and notifications all go through portals, which need no permission
ALLOWED = {'--share=network', '--share=ipc', '--socket=fallback-x11', '--socket=wayland',
           '--device=dri'}
FORBIDDEN = re.compile(r'^--(filesystem|socket=(session-bus|system-bus|x11|pulseaudio)|'
                       r'talk-name=org\.freedesktop\.Flatpak|device=all|persist)')


def fail(msg):
    print('FAIL: ' + msg)
    return 1


def main():
    src = sys.argv[1]
    path = os.path.join(src, 'flatpak', APP_ID + '.json')
    with open(path, encoding='utf-8') as f:
        try:
            m = json.load(f)
        except ValueError as e:
            return fail('%s is not valid JSON: %s' % (path, e))
    errors = 0
    if m.get('id', m.get('app-id')) != APP_ID:
        errors += fail('id is %r, not %s' % (m.get('id'), APP_ID))
    if m.get('runtime') != 'org.gnome.Platform' or m.get('sdk') != 'org.gnome.Sdk':
        errors += fail('runtime/sdk must be org.gnome.Platform/org.gnome.Sdk')
    if not re.match(r'^\d+$', str(m.get('runtime-version', ''))):
        errors += fail('runtime-version must be a GNOME release, not %r' % m.get('runtime-version'))
    with open(os.path.join(src, 'data', APP_ID + '.desktop.in'), encoding='utf-8') as f:
        exec_line = re.search(r'^Exec=(\S+)', f.read(), re.M).group(1)
    if m.get('command') != exec_line:
        errors += fail('command %r differs from the desktop file\'s Exec=%s' % (m.get('command'), exec_line))
    for arg in m.get('finish-args', []):
        if FORBIDDEN.match(arg) or arg not in ALLOWED:
            errors += fail('finish-arg %s is more than crmsync needs' % arg)
    if '--share=network' not in m.get('finish-args', []):
        errors += fail('finish-args lack --share=network')
    modules = m.get('modules', [])
    names = [mod.get('name') if isinstance(mod, dict) else mod for mod in modules]
    for needed in ('libpst', 'crmsync'):
        if needed not in names:
            errors += fail('no %s module' % needed)
    for mod in modules:
        if not isinstance(mod, dict):
            continue
        for s in mod.get('sources', []):
            if s.get('type') in ('archive', 'file') and 'url' in s:
                if not s['url'].startswith('https://'):
                    errors += fail('%s: source %s is not https' % (mod['name'], s['url']))
                if not any(k in s for k in ('sha256', 'sha512')):
                    errors += fail('%s: source %s has no sha256/sha512' % (mod['name'], s['url']))
            if s.get('type') == 'git' and 'commit' not in s:
                errors += fail('%s: git source without a commit' % mod['name'])
    last = modules[-1] if modules else {}
    if last.get('name') != 'crmsync' or last.get('buildsystem') != 'meson':
        errors += fail('the last module must be crmsync, built with meson')
    else:
        dirs = [s for s in last.get('sources', []) if s.get('type') == 'dir']
        if not dirs or not os.path.exists(os.path.join(src, 'flatpak', dirs[0]['path'], 'meson.build')):
            errors += fail('the crmsync module must build this tree (a dir source with meson.build)')
    if len(sys.argv) > 2 and sys.argv[2]:
        p = subprocess.run([sys.argv[2], '--show-manifest', path], capture_output=True, text=True)
        if p.returncode != 0 or p.stderr.strip():
            errors += fail('flatpak-builder --show-manifest:\n' + p.stderr)
        else:
            shown = json.loads(p.stdout)
            if shown.get('id', shown.get('app-id')) != APP_ID:
                errors += fail('flatpak-builder read another id')
            print('flatpak-builder --show-manifest: ok')
    else:
        print('flatpak-builder not installed: only the lint ran')
    if errors == 0:
        print('%s: ok (%d modules, finish-args %s)' % (path, len(modules), ' '.join(m.get('finish-args', []))))
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
