#!/usr/bin/env python3
"""Starts the app (build tree) in a locale under the X server of the test run, with the
cs-snapshot GTK module, and checks what its windows show: no label whose text has a
translation in po/LANG.po is left in English, and several translated labels are shown.
Saves a screenshot of each window in OUTDIR.

usage: test-app-locale.py SRCDIR BUILDDIR APP MODULE LOCALE OUTDIR   (LOCALE like de_DE)
"""
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile

src, build, app, module, locale, outdir = sys.argv[1:7]
lang = locale.split('_')[0]

spec = importlib.util.spec_from_file_location('checkpo', os.path.join(src, 'tests', 'validate', 'check-po.py'))
checkpo = importlib.util.module_from_spec(spec)
spec.loader.exec_module(checkpo)


def plain(msgid):
    """a msgid as GtkLabel shows it: no markup, no mnemonic underscore"""
    text = re.sub(r'<[^>]+>', '', msgid)
    text = text.replace('&lt;', '<').replace('&gt;', '>').replace('&amp;', '&')
    return re.sub(r'_(?=\w)', '', text, count=1)


with open(os.path.join(src, 'po', lang + '.po'), encoding='utf-8') as f:
    catalogue = {plain(e['msgid']): plain(e['msgstr']) for e in checkpo.entries(f.read())
                 if e.get('msgstr') and 'msgid_plural' not in e}

tmp = tempfile.mkdtemp(prefix='crmsync-gui-%s-' % lang)
env = dict(os.environ)
for k in ('LC_ALL', 'LC_MESSAGES', 'LANGUAGE', 'LANG'):
    env.pop(k, None)
# a real da_DK/de_DE locale, made into a private dir (no system change); else LANGUAGE only
loc = os.path.join(tmp, 'locales')
os.makedirs(loc)
made = subprocess.run(['localedef', '-i', locale, '-f', 'UTF-8', os.path.join(loc, locale + '.UTF-8')],
                      capture_output=True, text=True)
if made.returncode in (0, 1) and os.path.isdir(os.path.join(loc, locale + '.UTF-8')):
    env.update(LOCPATH=loc, LANG=locale + '.UTF-8')
    print('locale %s.UTF-8 (localedef)' % locale)
else:
    env.update(LC_ALL='C.UTF-8', LANGUAGE=lang)
    print('localedef failed (%s): LANGUAGE=%s only' % (made.stderr.strip(), lang))
mo_dir = os.path.join(tmp, 'locale', lang, 'LC_MESSAGES')
os.makedirs(mo_dir)
built = [os.path.join(build, 'po', lang, 'LC_MESSAGES', n) for n in ('crmsync.mo', 'crmsync-%s.mo' % lang)]
shutil.copy([b for b in built if os.path.exists(b)][0], os.path.join(mo_dir, 'crmsync.mo'))

# a profile to show: two folder sides
cfg = os.path.join(tmp, 'config', 'crmsync', 'profiles')
os.makedirs(cfg)
os.makedirs(os.path.join(tmp, 'crm', 'contact'))
os.makedirs(os.path.join(tmp, 'outlook'))
with open(os.path.join(cfg, 'demo.ini'), 'w', encoding='utf-8') as f:
    f.write('[profile]\nname=Demo\ncrm=folder\noutlook=folder\nenabled=false\nsync-on-start=false\n'
            '[crm]\npath=%s\n[outlook]\npath=%s\n' % (os.path.join(tmp, 'crm'), os.path.join(tmp, 'outlook')))
shutil.rmtree(outdir, ignore_errors=True)
os.makedirs(outdir)
env.update(GTK3_MODULES=module, LD_PRELOAD=module, CS_SNAPSHOT_DIR=outdir,
           CS_SNAPSHOT_LOCALEDIR=os.path.join(tmp, 'locale'),
           XDG_CONFIG_HOME=os.path.join(tmp, 'config'), XDG_DATA_HOME=os.path.join(tmp, 'data'),
           XDG_CACHE_HOME=os.path.join(tmp, 'cache'), GSETTINGS_BACKEND='memory',
           GSETTINGS_SCHEMA_DIR=os.path.join(build, 'data'), CRMSYNC_SECRETS='file',
           CRMSYNC_PLUGIN_DIR=os.path.join(build, 'plugins'), NO_AT_BRIDGE='1', GTK_THEME='Adwaita')
# a session bus of its own: another running crmsync (same application id) must not take the call
cmd = ['dbus-run-session', '--', app] if shutil.which('dbus-run-session') else [app]
if not env.get('DISPLAY'):
    if not shutil.which('xvfb-run'):
        print('no display and no xvfb-run')
        sys.exit(1)
    cmd = ['xvfb-run', '-a', '-s', '-screen 0 1280x1024x24'] + cmd
try:
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=90)
except subprocess.TimeoutExpired:
    print('the app did not quit within 90 s')
    sys.exit(1)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
print(p.stdout + p.stderr)
texts_file = os.path.join(outdir, 'texts.txt')
if p.returncode != 0 or not os.path.exists(texts_file):
    print('FAIL: the app exited with %d without showing a window' % p.returncode)
    sys.exit(1)
with open(texts_file, encoding='utf-8') as f:
    rows = [l.rstrip('\n').split('\t', 1) for l in f if '\t' in l]
shown = [t for state, t in rows if state == 'mapped']
english = sorted({t for _, t in rows if t in catalogue and catalogue[t] != t})
translated = sorted({t for t in shown if t in catalogue.values() and t not in catalogue})
print('%d texts (%d shown); %d shown translated: %s' % (len(rows), len(shown), len(translated),
                                                         ', '.join(translated[:12])))
pngs = sorted(f for f in os.listdir(outdir) if f.endswith('.png'))
for png in pngs:
    with open(os.path.join(outdir, png), 'rb') as f:
        if f.read(8) != b'\x89PNG\r\n\x1a\n':
            print('FAIL: %s is not a PNG' % png)
            sys.exit(1)
print('screenshots: ' + ', '.join(os.path.join(outdir, p) for p in pngs))
if english:
    print('FAIL: left in English although po/%s.po translates them: %s' % (lang, english))
    sys.exit(1)
if len(translated) < 3 or not pngs:
    print('FAIL: too few translated labels on screen (or no screenshot)')
    sys.exit(1)
print('ok')
