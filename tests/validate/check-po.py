#!/usr/bin/env python3
"""Checks one translation against the sources: extracts every string of po/POTFILES.in with
xgettext (the keywords of meson's glib preset), merges it into po/LANG.po, and fails listing
each msgid that is missing, untranslated or fuzzy there. Also runs msgfmt --check.

usage: check-po.py SRCDIR LANG
"""
import os
import re
import subprocess
import sys
import tempfile

KEYWORDS = ['--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
            '--keyword=Q_', '--keyword=ngettext:1,2', '--keyword=g_dcgettext:2',
            '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
            '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format',
            '--flag=NC_:2:pass-c-format', '--flag=g_dngettext:2:pass-c-format',
            '--flag=g_strdup_printf:1:c-format', '--flag=g_string_printf:2:c-format',
            '--flag=g_string_append_printf:2:c-format', '--flag=g_error_new:3:c-format',
            '--flag=g_set_error:4:c-format', '--flag=g_markup_printf_escaped:1:c-format',
            '--flag=g_log:3:c-format', '--flag=g_print:1:c-format',
            '--flag=g_printerr:1:c-format', '--flag=g_printf:1:c-format',
            '--flag=g_fprintf:2:c-format', '--flag=g_sprintf:2:c-format',
            '--flag=g_snprintf:3:c-format', '--flag=g_prefix_error:2:c-format']


def entries(po_text):
    """msgids of the entries in a .po text (msgctxt joined with \\x04), header excluded"""
    out, cur, key = [], {}, None
    for line in po_text.splitlines() + ['']:
        line = line.strip()
        if not line:
            if 'msgid' in cur and cur['msgid'] != '':
                out.append(cur)
            cur, key = {}, None
            continue
        if line.startswith('#'):
            continue
        for k in ('msgctxt', 'msgid_plural', 'msgid', 'msgstr'):
            if line.startswith(k):
                key = line.split(' ', 1)[0]
                cur[key] = eval(line[len(key):].strip())
                break
        else:
            if line.startswith('"') and key:
                cur[key] += eval(line)
    return out


def main():
    src, lang = sys.argv[1], sys.argv[2]
    po = os.path.join(src, 'po', lang + '.po')
    with open(os.path.join(src, 'po', 'LINGUAS'), encoding='utf-8') as f:
        linguas = f.read().split()
    if lang not in linguas:
        print('%s is not in po/LINGUAS' % lang)
        return 1
    chk = subprocess.run(['msgfmt', '--check', '--check-format', '--check-header',
                          '--statistics', '-o', os.devnull, po],
                         capture_output=True, text=True)
    print(chk.stderr.strip())
    if chk.returncode != 0:
        print('msgfmt --check failed for ' + po)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, 'crmsync.pot')
        x = subprocess.run(['xgettext', '--package-name=crmsync', '--from-code=UTF-8',
                            '--add-comments', '--directory=' + src,
                            '--files-from=' + os.path.join(src, 'po', 'POTFILES.in'),
                            '--output=' + pot] + KEYWORDS, capture_output=True, text=True)
        if x.returncode != 0:
            print('xgettext failed:\n' + x.stderr)
            return 1
        merged = os.path.join(tmp, 'merged.po')
        m = subprocess.run(['msgmerge', '--quiet', '--no-fuzzy-matching', '--output-file=' + merged,
                            po, pot], capture_output=True, text=True)
        if m.returncode != 0:
            print('msgmerge failed:\n' + m.stderr)
            return 1
        with open(merged, encoding='utf-8') as f:
            merged_entries = entries(f.read())
        with open(pot, encoding='utf-8') as f:
            total = len(entries(f.read()))
        # fuzzy flags are comments; msgattrib knows them
        fuzzy = subprocess.run(['msgattrib', '--only-fuzzy', '--no-obsolete', merged],
                               capture_output=True, text=True).stdout
    fuzzy_ids = {e['msgid'] for e in entries(fuzzy)}
    # _("… %" G_GINT64_FORMAT "…"): xgettext stops at the macro, the program looks up the whole
    # string and never finds it; PRId64/PRIu64 (<inttypes.h>) are what gettext understands
    cut = [e['msgid'] for e in merged_entries if re.search(r'(?<!%)%$', e['msgid'])]
    if cut:
        print('strings cut by a format macro (use PRId64/PRIu64/%zu instead of G_*_FORMAT):')
        for m in cut:
            print('  ' + repr(m))
        return 1
    bad = [e for e in merged_entries
           if e['msgid'] in fuzzy_ids
           or not e.get('msgstr') and not e.get('msgstr[0]')
           or ('msgid_plural' in e and not e.get('msgstr[1]'))]
    print('%s: %d messages in the sources, %d translated' % (lang, total, total - len(bad)))
    if bad:
        print('untranslated or fuzzy in po/%s.po (run `ninja -C BUILD crmsync-update-po`, then translate):' % lang)
        for e in bad:
            print('  ' + repr(e['msgid']))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
