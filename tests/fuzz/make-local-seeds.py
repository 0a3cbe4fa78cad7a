#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Seeds for the parsers that read local input: the profiles and mappings of
data/, the JSON examples of the API specs (as folder records), folder records
and synthetic pst reader streams. Usage: make-local-seeds.py SRCDIR SPECS.md CORPUS_DIR"""
import glob, json, os, re, shutil, sys

src, specs, out = sys.argv[1:4]

def save(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode())

for f in glob.glob(os.path.join(src, 'data/profiles/*.ini')):
    save('profile', os.path.basename(f), open(f, 'rb').read())
save('profile', 'folder-folder.ini', """[profile]
id=p1
name=Folder ↔ folder
[outlook]
plugin=folder
path=/tmp/a
[crm]
plugin=folder
path=/tmp/b
[sync]
conflict=newest
interval-outlook=5
interval-crm=15
[contact]
direction=both
key=Email1Address;LastName
on-crm-delete=delete
on-outlook-delete=keep
[task]
direction=to-outlook
condition=owned
reminder=15m
[email]
since=2024-01-01
attachments=true
""")
for f in glob.glob(os.path.join(src, 'data/mappings/*.json')):
    save('mapping', os.path.basename(f), open(f, 'rb').read())

# the specs' JSON examples: folder records (objects), and Oro error documents
blocks = re.findall(r'```json\n(.*?)```', open(specs, encoding='utf-8').read(), re.S)
n = 0
for b in blocks:
    try:
        doc = json.loads(b)
    except ValueError:
        continue
    n += 1
    save('folder', 'spec-%02d' % n, b)
    save('orocrm', 'spec-%02d' % n, b'\x03' + b.encode())
save('folder', 'contact', json.dumps({
    'FirstName': 'Zoë', 'LastName': 'Ünal-Ørsted', 'Email1Address': 'z@example.org',
    'Birthday': '1980-02-29', 'Categories': ['CRM', 'VIP'], 'Private': True, 'Count': 3,
    'Ratio': 0.5, 'Notes': 'line 1\nline 2 — 🎉', 'Empty': None, 'Nested': {'a': [1, 2]}},
    ensure_ascii=False))
save('folder', 'empty', '{}')

# pst: the reader's JSON lines (synthetic), the first byte sets the kind and the chunk size
def sel(kind, chunk):  # kind = byte % 5 (contact, organisation, task, event, email), chunk = byte / 8 + 1
    return next(b for b in range(256) if b % 5 == kind and (b >> 3) + 1 >= chunk)
def stream(sel, lines):
    return bytes([sel]) + ''.join(json.dumps(l, ensure_ascii=False) + '\n' for l in lines).encode()
file_line = {'type': 'file', 'format': 'unicode', 'folders': 3}
folder_line = {'type': 'folder', 'path': '/Kontakte', 'id': '8226', 'class': 'IPF.Contact',
               'excluded': False}
contact = {'type': 'item', 'kind': 'contact', 'id': '2097188', 'folder': '/Kontakte',
           'class': 'IPM.Contact', 'modified': 1700000000000000,
           'fields': {'FirstName': 'Søren', 'LastName': 'Jørgensen', 'Email1Address': 's@example.dk',
                      'Categories': ['CRM'], 'Body': 'x' * 300}}
task = {'type': 'item', 'kind': 'task', 'id': '2097220', 'folder': '/Aufgaben', 'modified': 1,
        'fields': {'Subject': 'Ring', 'DueDate': '2026-01-02', 'Complete': False}}
event = {'type': 'item', 'kind': 'event', 'id': '2097252', 'folder': '/Kalender',
         'fields': {'Subject': 'Messe', 'Start': '2026-01-01T09:00:00Z', 'AllDayEvent': False,
                    'recurrence': {'pattern': {'type': 'weekly', 'interval': 1,
                                               'daysOfWeek': ['monday']},
                                   'range': {'type': 'numbered', 'numberOfOccurrences': 3}}}}
email = {'type': 'item', 'kind': 'email', 'id': '2097284', 'folder': '/Posteingang',
         'fields': {'Subject': 'Tilbud', 'attachments': [{'name': 'a.pdf', 'size': 10}]}}
skip = {'type': 'skip', 'kind': 'contact', 'id': '2097316', 'reason': 'cannot read'}
end = {'type': 'end'}
save('pst', 'contacts', stream(sel(0, 30), [file_line, folder_line, contact, skip, task, end]))
save('pst', 'tasks', stream(sel(2, 1), [file_line, task, contact, end]))
save('pst', 'events', stream(sel(3, 4), [event, end]))
save('pst', 'emails', stream(sel(4, 20), [email, email, end]))
save('pst', 'error', stream(sel(0, 7), [file_line, {'type': 'error', 'message': 'not a PST file'}]))
save('pst', 'stray', b'\x00libpst: warning\n' + stream(0, [contact])[1:] + b'{"type":"item"')
