#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the backends' seed corpora from the emulators' answers (run by hand;
the seeds are committed). Usage: make-seeds.py EMULATOR CORPUS_DIR
Each seed is the fuzz target's selector byte followed by one answer body."""
import json, os, re, subprocess, sys, urllib.parse, urllib.request

emu, out = sys.argv[1], sys.argv[2]

def start(api):
    p = subprocess.Popen([emu, '--api', api, '--port', '0', '--generate', '3'],
                         stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    return p, re.search(r'http://\S+', line).group(0)

def req(url, method='GET', data=None, headers=None, form=None):
    body = urllib.parse.urlencode(form).encode() if form else data
    r = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(r) as resp:
            return resp.read()
    except urllib.error.HTTPError as e:
        return e.read()

def save(target, name, selector, body):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(bytes([selector]) + body)

# OroCRM: 0 contacts page, 1 tasks page, 2 calendar events, 3 an error document
p, base = start('orocrm')
tok = json.loads(req(base + '/oauth2-token', 'POST', form={
    'grant_type': 'client_credentials', 'client_id': 'admin',
    'client_secret': 'dd1c18d06773cc377c9df6166c54c6e5fefa50fa'}))['access_token']
h = {'Authorization': 'Bearer ' + tok, 'Accept': 'application/vnd.api+json'}
save('orocrm', 'contacts', 0, req(base + '/api/contacts?include=addresses&page%5Bsize%5D=2', headers=h))
save('orocrm', 'tasks', 1, req(base + '/api/tasks?page%5Bsize%5D=2', headers=h))
save('orocrm', 'events', 2, req(base + '/api/rest/latest/calendarevents?calendar=1&page=1&limit=3',
                                headers={'Authorization': 'Bearer ' + tok}))
save('orocrm', 'error-404', 3, req(base + '/api/contacts/999999', headers=h))
save('orocrm', 'error-400', 3, req(base + '/api/contacts', 'POST', b'{"data":{"type":"contacts"}}',
                                   headers=dict(h, **{'Content-Type': 'application/vnd.api+json'})))
save('orocrm', 'error-oauth', 3, req(base + '/oauth2-token', 'POST', form={'grant_type': 'x'}))
p.terminate()

# webCRM: selector = body type (0 rows, 1 users, 2 organisations, 3 metadata)
#         + 4 * kind (contact, organisation, task, e-mail, event), 0x80 = B2C
p, base = start('webcrm')
tok = json.loads(req(base + '/Auth/ApiLogin', 'POST',
                     form={'authCode': '0f9c1e2a-7b4d-4c1e-9a53-5e2f8d6b7a10'}))['AccessToken']
h = {'Authorization': 'Bearer ' + tok}
q = lambda s: base + '/Queries?' + urllib.parse.urlencode({'script': s}) + '&Page=1&Size=3'
save('webcrm', 'persons-b2b', 0, req(q('SELECT * FROM Person JOIN Organisation ON '
                                       '(Person.PersonOrganisationId = Organisation.OrganisationId)'), headers=h))
save('webcrm', 'persons-b2c', 0x80, req(base + '/Persons?Page=1&Size=3', headers=h))
save('webcrm', 'organisations', 4, req(base + '/Organisations?Page=1&Size=3', headers=h))
save('webcrm', 'activities-task', 8, req(base + '/Activities?Page=1&Size=3', headers=h))
save('webcrm', 'activities-email', 12, req(base + '/Activities?Page=1&Size=3', headers=h))
meetings = req(base + '/Meetings?from=2026-01-01T00:00:00&to=2026-12-01T00:00:00&userId=1&Page=1&Size=3', headers=h)
save('webcrm', 'meetings', 16, meetings)
try:
    first = json.loads(meetings)['Meetings'][0]['MeetingId']
    save('webcrm', 'meeting', 16, req(base + '/Meetings/%s' % first, headers=h))
except (ValueError, KeyError, IndexError):
    pass
save('webcrm', 'users', 1, req(base + '/Users?Page=1&Size=3', headers=h))
save('webcrm', 'organisations-lookup', 2, req(base + '/Organisations?Page=1&Size=3', headers=h))
save('webcrm', 'metadata', 3, req(base + '/FieldsMetadata', headers=h))
save('webcrm', 'error', 0, req(base + '/Persons/999999', headers=h))
# /Queries pages of "updated since" reads: selector (5 + kind) * 4 + since (0 none,
# 1 "S", 2 ">S", 3 the changed organisations)
since = " WHERE %sUpdatedAt >= '2000-01-01T00:00:00' ORDER BY %sUpdatedAt ASC"
save('webcrm', 'query-persons', 21, req(q('SELECT * FROM Person JOIN Organisation ON (Person.PersonOrganisationId = '
                                          'Organisation.OrganisationId)' + since % ('Person', 'Person')), headers=h))
save('webcrm', 'query-organisations', 26, req(q('SELECT * FROM Organisation' + since % ('Organisation', 'Organisation')), headers=h))
save('webcrm', 'query-activities', 28 | 1, req(q('SELECT * FROM Activity' + since % ('Activity', 'Activity')), headers=h))
save('webcrm', 'query-org-stamps', 23, req(q('SELECT * FROM Organisation' + since % ('Organisation', 'Organisation')), headers=h))
# write answers: PATCH to creates (10 + kind) * 4 + records - 1, to updates (15 + kind) * 4 + ...;
# POST /Meetings (24 * 4)
js = dict(h, **{'Content-Type': 'application/json'})
persons = [{'PersonId': 0, 'PersonOrganisationId': 1001, 'PersonFirstName': 'Ada', 'PersonLastName': 'Lovelace'},
           {'PersonId': 0, 'PersonOrganisationId': 1001, 'PersonFirstName': 'Bo'},
           {'PersonId': 0, 'PersonOrganisationId': 999999, 'PersonLastName': 'Nowhere'}]
created = req(base + '/Persons', 'PATCH', json.dumps(persons).encode(), js)
save('webcrm', 'patch-creates', 40 | 2, created)
ids = [int(x) for x in json.loads(created) if x.isdigit()]
updates = [{'PersonId': i, 'PersonOrganisationId': 1001, 'PersonFirstName': 'Ada2'} for i in ids]
updates.append({'PersonId': 888888, 'PersonOrganisationId': 999999})
save('webcrm', 'patch-updates', 60 | (len(updates) - 1), req(base + '/Persons', 'PATCH', json.dumps(updates).encode(), js))
meeting = {'MeetingUserId': '1', 'MeetingSubject': 'Messe', 'MeetingDescription': 'Messe',
           'MeetingStart': '2026-03-01T09:00:00Z', 'MeetingEnd': '2026-03-01T10:00:00Z', 'MeetingSendInvitations': False}
save('webcrm', 'post-meeting', 96, req(base + '/Meetings', 'POST', json.dumps(meeting).encode(), js))
p.terminate()
# PATCH answering the ids of inserted elements only (an option of the emulator, the format is unconfirmed)
os.environ['CRMSYNC_EMU_WEBCRM'] = 'patch-inserted-only=true'
p, base = start('webcrm')
tok = json.loads(req(base + '/Auth/ApiLogin', 'POST',
                     form={'authCode': '0f9c1e2a-7b4d-4c1e-9a53-5e2f8d6b7a10'}))['AccessToken']
js = {'Authorization': 'Bearer ' + tok, 'Content-Type': 'application/json'}
renamed = [{'OrganisationId': 1001, 'OrganisationName': 'Renamed'}, {'OrganisationId': 1002, 'OrganisationName': 'Also'}]
save('webcrm', 'patch-inserted-only', 64 | 1, req(base + '/Organisations', 'PATCH', json.dumps(renamed).encode(), js))
p.terminate()
del os.environ['CRMSYNC_EMU_WEBCRM']

# Graph: selector = kind (contact, task, event, e-mail) + 4 * (0 page, 1 $batch of writes, 2 error)
p, base = start('graph')
dc = json.loads(req(base + '/common/oauth2/v2.0/devicecode', 'POST', form={
    'client_id': 'x', 'scope': 'Contacts.ReadWrite Calendars.ReadWrite Tasks.ReadWrite Mail.ReadWrite offline_access'}))
req(base + '/devicelogin', 'POST', form={'user_code': dc['user_code'], 'login': 'ada@contoso.example',
                                         'password': 'emulator'})
tok = json.loads(req(base + '/common/oauth2/v2.0/token', 'POST', form={
    'grant_type': 'urn:ietf:params:oauth:grant-type:device_code', 'device_code': dc['device_code'],
    'client_id': 'x'}))['access_token']
h = {'Authorization': 'Bearer ' + tok}
g = lambda path: req(base + '/v1.0' + path, headers=h)
folders = json.loads(g('/me/contactFolders'))['value']
folder = folders[0]['id'] if folders else json.loads(g('/me/contacts?$top=1&$select=parentFolderId'))['value'][0]['parentFolderId']
save('graph', 'contacts-delta', 0, g('/me/contactFolders/%s/contacts/delta' % folder))
lst = json.loads(g('/me/todo/lists'))['value'][0]['id']
save('graph', 'tasks-delta', 1, g('/me/todo/lists/%s/tasks/delta' % lst))
save('graph', 'events-delta', 2, g('/me/calendarView/delta?startDateTime=2025-01-01T00:00:00Z&endDateTime=2027-12-31T00:00:00Z'))
save('graph', 'messages-in', 3, g('/me/mailFolders/inbox/messages/delta'))
save('graph', 'messages-out', 3 | 0x80, g('/me/mailFolders/sentitems/messages/delta'))
# a $batch of writes as the provider sends them (ids 0..n-1, four dependsOn chains):
# selector 4 + kind, then the writes byte (n - 1, bits 5-6 3 = create, update, delete, ...)
ct = {'Content-Type': 'application/json'}
some = json.loads(g('/me/contacts?$top=2'))['value']
writes = json.dumps({'requests': [
    {'id': '0', 'method': 'POST', 'url': '/me/contacts', 'headers': ct,
     'body': {'givenName': 'Zoë', 'surname': 'Ünal', 'emailAddresses': [{'address': 'z@example.org'}]}},
    {'id': '1', 'method': 'PATCH', 'url': '/me/contacts/AAMk-gone', 'headers': ct, 'body': {'jobTitle': 'x'}},
    {'id': '2', 'method': 'DELETE', 'url': '/me/contacts/' + some[0]['id']},
    {'id': '3', 'method': 'POST', 'url': '/me/contacts', 'headers': ct, 'body': {'surname': 'Chain'}},
    {'id': '4', 'method': 'PATCH', 'url': '/me/contacts/' + some[1]['id'], 'headers': ct,
     'body': {'jobTitle': 'Analyst'}, 'dependsOn': ['1']}]}).encode()
save('graph', 'batch-writes', 4, bytes([0x60 | 4]) + req(base + '/v1.0/$batch', 'POST', writes, dict(h, **ct)))
creates = json.dumps({'requests': [
    dict({'id': str(i), 'method': 'POST', 'url': '/me/contacts', 'headers': ct, 'body': {'surname': 'N%d' % i}},
         **({'dependsOn': [str(i - 4)]} if i >= 4 else {})) for i in range(20)]}).encode()
save('graph', 'batch-creates', 4, bytes([19]) + req(base + '/v1.0/$batch', 'POST', creates, dict(h, **ct)))
save('graph', 'error', 8, g('/me/nonexistent'))
save('graph', 'error-token', 8, req(base + '/common/oauth2/v2.0/token', 'POST', form={'grant_type': 'nope'}))
p.terminate()
