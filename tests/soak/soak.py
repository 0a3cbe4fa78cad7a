#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Soak: many rounds of random edits on both sides of a pair, syncs through
crmsync-cli with injected faults and random SIGKILLs, then clean final syncs; the
end state is checked against a model of what the rules say both sides hold.

  soak.py --cli CRMSYNC_CLI --emulator CRMSYNC_EMULATOR --plugins DIR
          [--pair folder|orocrm|webcrm|graph|all|A,B] [--rounds N] [--seed S]
          [--faults SPEC] [--kill P]

Pairs (contacts, two-way):
- folder <-> folder, and OroCRM (emulator) <-> folder (Outlook schema): deletions
  propagate both ways (on-crm-delete=propagate, on-outlook-delete=propagate).
- webCRM (emulator, preset webcrm-b2b) <-> folder (Outlook schema): the preset's
  rules. A deletion never propagates (on-*-delete=ignore): an Outlook deletion
  leaves the person in webCRM, and later CRM edits of it do not bring it back
  (the API cannot delete a person, so the CRM side only creates and edits).
  A contact needs a company to reach webCRM: Outlook contacts join one of the
  organisations made at the start, name a new one (created by the sync) or have
  none (kept in Outlook only and reported skipped on every run, until the user
  gives one a company, which then sends it). Other kinds are off.
- folder (schema=orocrm, preset orocrm, as the CRM) <-> Microsoft Graph (emulator, as Outlook;
  the CLI signs in through the emulator's device code flow, tokens in
  CRMSYNC_SECRETS=file): deletions propagate both ways; contacts are made in the
  default folder or a second one, and moved between folders (the emulator's
  /_emulator/move hook: Graph v1.0 has no move for contacts), now and then into
  a folder made after the first sync: a moved contact keeps its link, no copy,
  no deletion, later edits still flow.
Every pair: a sync is now and then a Sync all (--all, --all-p), and the profile's
path is spelled at random (profile.ini, ./profile.ini, its absolute path, through
its folder's parent) with the working directory in the soak's folder. The orocrm
pair keeps the preset's CRM filter (condition=owned). The graph pair also holds
--events CRM events spread over three years (30 months back, 6 ahead: most older
than Graph's calendar window), synced both ways and never edited: at the end
each must be exactly once on each side (no Sync all re-creates one).
The model: each record carries a unique token in its last name, and the sides
that must hold it; per round each record is touched on at most one side, and
only once both sides agree on it, so the rules allow one outcome. Checked at
the end: every record exactly once on each side that must hold it, with the
model's values (no duplicate, no lost edit), and on no other side (deletions as
the policy says).
The emulator sides are edited through their REST APIs on the same faulty
emulator, each call repeated through faults, and checked in a listing before
it is repeated where a fault may have hidden its effect. webCRM's rate limit
(250 a minute) counts the soak's calls too: it lists once per round.
Output: TAP, with the figures (rounds, operations, faults, kills) as comments.
A default run (SOAK_ROUNDS=30, all pairs) takes about 5 minutes on 2 shared cores
(folder 1 s, orocrm 1.5 min, webcrm 2 min, graph 1 min); the soak suite with the
webcrm plugin's own soak about 7."""
import argparse, json, os, random, re, shutil, signal, subprocess, sys, tempfile, time
import urllib.error, urllib.parse, urllib.request

ap = argparse.ArgumentParser()
ap.add_argument('--cli', required=True)
ap.add_argument('--emulator', required=True)
ap.add_argument('--plugins', required=True)
ap.add_argument('--pair', default='all')
ap.add_argument('--rounds', type=int, default=int(os.environ.get('SOAK_ROUNDS', '30')))
ap.add_argument('--seed', type=int, default=int(os.environ.get('SOAK_SEED', '0')) or None)
ap.add_argument('--faults', default=os.environ.get(
    'SOAK_FAULTS', '500=0.1,429=0.05,reset=0.02,slow=0.02,garbage=0.02,slow-ms=1500,retry-after=1'))
ap.add_argument('--kill', type=float, default=0.3, help='chance of a SIGKILL per sync')
ap.add_argument('--all-p', type=float, default=float(os.environ.get('SOAK_ALL', '0.2')),
                help='chance that a sync is a Sync all (--all: full listings, relink by key)')
ap.add_argument('--default-state', action='store_true',
                help='no state= in the profile: the state file follows the profile, whichever '
                     'way its path is spelled')
ap.add_argument('--events', type=int, default=int(os.environ.get('SOAK_EVENTS', '36')),
                help='graph pair: CRM events spread over three years, never edited: each must be '
                     'once on each side at the end, whatever the calendar window lists')
args = ap.parse_args()
seed = args.seed if args.seed is not None else random.randrange(1 << 30)
rnd = random.Random(seed)
print('# seed %d' % seed)

WORDS = ['Zoë', 'Ørsted', 'Łukasz', 'Ärger', 'São', 'Ñandú', '東京', 'Ελλάδα', 'Dvořák', 'naïve',
         'Straße', '🎉', 'O\'Brien', 'a"b', 'back\\slash', 'tab\there', 'x']
def text(long=False):
    n = rnd.randint(200, 3000) if long else rnd.randint(1, 6)
    s = ' '.join(rnd.choice(WORDS) for _ in range(n))
    if long and rnd.random() < 0.5:
        s = s.replace(' ', '\n', n // 10)
    return s

n_test = 0
failures = 0
def ok(cond, what):
    global n_test, failures
    n_test += 1
    print('%s %d %s' % ('ok' if cond else 'not ok', n_test, what), flush=True)
    if not cond:
        failures += 1

# ---- sides: a record is {'token', 'given', 'notes', 'job'} -------------------------------
class FolderSide:
    """a folder side; `names` maps the model's keys (given, last, notes, job and
    optionally company) to its field names"""
    def __init__(self, path, names):
        self.dir = os.path.join(path, 'contact')
        os.makedirs(self.dir, exist_ok=True)
        self.names = dict(names)
        self.n = 0
    def _files(self):
        return [f for f in os.listdir(self.dir) if f.endswith('.json') and not f.startswith('.')]
    def read(self):
        out = {}
        for f in self._files():
            try:
                with open(os.path.join(self.dir, f), encoding='utf-8') as fh:
                    r = json.load(fh)
            except (ValueError, OSError):
                continue
            m = re.search(r'T\d+', str(r.get(self.names['last'], '')))
            if m:
                out.setdefault(m.group(0), []).append(
                    (f, {k: r.get(n) or '' for k, n in self.names.items() if k != 'last'}))
        return out
    def _write(self, f, r):
        tmp = os.path.join(self.dir, '.tmp')
        with open(tmp, 'w', encoding='utf-8') as fh:
            json.dump(r, fh, ensure_ascii=False)
        os.replace(tmp, os.path.join(self.dir, f))
    def create(self, token, v):
        self.n += 1
        rec = {self.names[k]: x for k, x in v.items() if k in self.names and x != ''}
        rec[self.names['last']] = 'Soak ' + token
        self._write('new-%s.json' % token, rec)
    def update(self, handle, v):
        with open(os.path.join(self.dir, handle), encoding='utf-8') as fh:
            r = json.load(fh)
        for key, x in v.items():
            if x == '':
                r.pop(self.names[key], None)
            else:
                r[self.names[key]] = x
        self._write(handle, r)
    def delete(self, handle):
        os.unlink(os.path.join(self.dir, handle))

class OroSide:
    """OroCRM contacts through the same (faulty) emulator: each call is repeated
    until its effect shows in a listing (a create only while its record is absent)"""
    KEY = 'dd1c18d06773cc377c9df6166c54c6e5fefa50fa'
    def __init__(self, url):
        self.url = url
        self.token = None
        body = json.dumps({'grant_type': 'client_credentials', 'client_id': 'admin',
                           'client_secret': self.KEY}).encode()
        self.token = self._retry(lambda: json.loads(self._req('POST', '/oauth2-token', body,
                                                              'application/json'))['access_token'])
    def _req(self, method, path, body=None, ctype='application/vnd.api+json'):
        h = {'Accept': 'application/vnd.api+json', 'Content-Type': ctype}
        self.requests = getattr(self, 'requests', 0) + 1
        if self.token:
            h['Authorization'] = 'Bearer ' + self.token
        r = urllib.request.Request(self.url + path, data=body, method=method, headers=h)
        with urllib.request.urlopen(r, timeout=60) as resp:
            return resp.read()
    def _retry(self, fn, done=None):
        for attempt in range(200):
            try:
                return fn()
            except urllib.error.HTTPError as e:
                if e.code == 404 and done is not None and done():
                    return None
                if e.code < 429 and e.code != 404:
                    raise
            except (urllib.error.URLError, ConnectionError, ValueError, KeyError, OSError):
                pass
            if done is not None and done():
                return None
            time.sleep(0.05)
        raise RuntimeError('the emulator never answered')
    def _read_once(self):
        out = {}
        doc = json.loads(self._req('GET', '/api/contacts?page%5Bsize%5D=-1'))
        for res in doc['data']:
            a = res.get('attributes') or {}
            m = re.search(r'T\d+', str(a.get('lastName') or ''))
            if m:
                out.setdefault(m.group(0), []).append(
                    (res['id'], {'given': a.get('firstName') or '', 'notes': a.get('description') or '',
                                 'job': a.get('jobTitle') or ''}))
        return out
    def read(self):
        return self._retry(self._read_once)
    def _attrs(self, v):
        m = {'given': 'firstName', 'notes': 'description', 'job': 'jobTitle'}
        return {m[k]: (x if x != '' else None) for k, x in v.items() if k in m}
    def _until(self, call, check):
        """a fault may answer for the emulator without doing the call (garbage, 5xx,
        reset): repeat it until its effect shows"""
        for attempt in range(100):
            try:
                call()
            except (urllib.error.URLError, ConnectionError, ValueError, OSError):
                pass
            if check(self.read()):
                return
        raise RuntimeError('the emulator never took the call')
    def create(self, token, v):
        a = self._attrs(v)
        a['lastName'] = 'Soak ' + token
        body = json.dumps({'data': {'type': 'contacts', 'attributes': a}}).encode()
        self._until(lambda: self._req('POST', '/api/contacts', body), lambda r: token in r)
    def update(self, handle, v):
        body = json.dumps({'data': {'type': 'contacts', 'id': handle,
                                    'attributes': self._attrs(v)}}).encode()
        def took(recs):
            mine = [f for rs in recs.values() for h, f in rs if h == handle]
            return bool(mine) and all(mine[0][k] == x for k, x in v.items())
        self._until(lambda: self._req('PATCH', '/api/contacts/%s' % handle, body), took)
    def delete(self, handle):
        self._until(lambda: self._req('DELETE', '/api/contacts/%s' % handle),
                    lambda recs: all(h != handle for rs in recs.values() for h, _ in rs))

class RestSide:
    """common to the sides edited through a faulty emulator: a call that meets a
    fault (5xx, 429, reset, garbage) is repeated; one whose effect may have
    happened is checked in a listing before it is repeated"""
    def _http(self, method, path, body=None, ctype='application/json', headers=None):
        h = {'Accept': 'application/json'}
        if body is not None:
            h['Content-Type'] = ctype
        h.update(headers or {})
        if self.token:
            h['Authorization'] = 'Bearer ' + self.token
        url = path if path.startswith('http') else self.url + path
        r = urllib.request.Request(url, data=body, method=method, headers=h)
        self.requests += 1
        with urllib.request.urlopen(r, timeout=60) as resp:
            return resp.status, resp.read()
    def _retry(self, fn, check=None):
        for attempt in range(300):
            try:
                return fn()
            except urllib.error.HTTPError as e:
                if e.code == 401:
                    self.login()
                elif e.code == 429:
                    # the real rate limit (webCRM: 250 a minute) or a fault
                    time.sleep(min(float(e.headers.get('Retry-After') or 1), 30))
                elif e.code < 500:
                    raise
            except (urllib.error.URLError, ConnectionError, ValueError, KeyError, OSError):
                pass
            if check is not None and check():
                return None
            time.sleep(0.05)
        raise RuntimeError('the emulator never answered')

class WebcrmSide(RestSide):
    """webCRM persons (B2B) through the emulator's REST API; a person belongs to
    one of the organisations made at the start, all owned by the Outlook user"""
    AUTH = '0f9c1e2a-7b4d-4c1e-9a53-5e2f8d6b7a10'
    COMPANIES = ['Soak Ørsted A/S', 'Soak 東京 KK', 'Soak & Søn']
    JOIN = ('SELECT * FROM Person JOIN Organisation ON '
            '(Person.PersonOrganisationId = Organisation.OrganisationId)')
    def __init__(self, url):
        self.url, self.token, self.requests = url, None, 0
        self.rows = {}
        self.login()
        # POST /Organisations answers no body: a fault's answer looks the same,
        # so the listing says which are still missing
        orgs = {}
        while any(n not in orgs for n in self.COMPANIES):
            for name in self.COMPANIES:
                if name not in orgs:
                    body = json.dumps({'OrganisationId': 0, 'OrganisationName': name,
                                       'OrganisationOwner': 1}).encode()
                    self._retry(lambda: self._http('POST', '/Organisations', body))
            orgs = self._orgs()
        self.org_ids = {n: orgs[n] for n in self.COMPANIES}
    def login(self):
        self.token = None
        form = ('authCode=' + self.AUTH).encode()
        def go():
            st, b = self._http('POST', '/Auth/ApiLogin', form, 'application/x-www-form-urlencoded')
            return json.loads(b)['AccessToken']
        self.token = self._retry(go)
    def _orgs(self):
        def go():
            st, b = self._http('GET', '/Organisations?Page=1&Size=1000')
            return {o['OrganisationName']: o['OrganisationId'] for o in json.loads(b)}
        return self._retry(go)
    def _read_once(self):
        q = urllib.parse.quote(self.JOIN)
        st, b = self._http('GET', '/Queries?script=%s&Page=1&Size=1000' % q)
        rows = json.loads(b)
        if not isinstance(rows, list):
            raise ValueError('not a listing')
        out, self.rows = {}, {}
        for r in rows:
            m = re.search(r'T\d+', str(r.get('PersonLastName') or ''))
            if not m:
                continue
            org = r.get('OrganisationName') or ''
            if r.get('OrganisationDivisionName'):
                org += ' - ' + r['OrganisationDivisionName']
            self.rows[r['PersonId']] = r
            out.setdefault(m.group(0), []).append(
                (r['PersonId'], {'given': r.get('PersonFirstName') or '',
                                 'notes': r.get('PersonComment') or '',
                                 'job': r.get('PersonTitle') or '', 'company': org}))
        return out
    def read(self):
        return self._retry(self._read_once)
    MAP = {'given': 'PersonFirstName', 'notes': 'PersonComment', 'job': 'PersonTitle'}
    def create(self, token, v):
        dto = {'PersonId': 0, 'PersonOrganisationId': self.org_ids[v['company']],
               'PersonLastName': 'Soak ' + token, 'PersonStatus': 'Active'}
        dto.update({self.MAP[k]: x for k, x in v.items() if k in self.MAP and x != ''})
        body = json.dumps(dto).encode()
        def go():
            st, b = self._http('POST', '/Persons', body)
            int(json.loads(b))   # a garbage answer did nothing
        self._retry(go, check=lambda: token in self.read())
    def update(self, handle, v):
        # PUT replaces the whole person (fields left out are cleared): the
        # person as last listed, changed
        dto = {k: x for k, x in self.rows[handle].items() if k.startswith('Person')}
        for k, x in v.items():
            dto[self.MAP[k]] = x if x != '' else None
        body = json.dumps(dto).encode()
        def go():
            st, b = self._http('PUT', '/Persons/%s' % handle, body)
            if b.strip():
                raise ValueError('a PUT answers no body: a fault answered')
        def took():
            mine = [f for rs in self.read().values() for h, f in rs if h == handle]
            return bool(mine) and all(mine[0][k] == x for k, x in v.items())
        self._retry(go, check=took)

class GraphSide(RestSide):
    """the Outlook mailbox through the Graph emulator: contacts in the default
    folder and in a second one made at the start"""
    PREFER = {'Prefer': 'IdType="ImmutableId", odata.maxpagesize=1000'}
    def __init__(self, url):
        self.url, self.token, self.requests = url, None, 0
        self.login()
        self.default = None
        self.folders = []
        self.second = self.new_folder('Soak Kunder')
        self.default = [f for f in self._folders().values() if f != self.second][0]
        self.folders = [self.default, self.second]
        self.folder_of = {}
    def _folders(self):
        def go():
            st, b = self._http('GET', '/v1.0/me/contactFolders')
            return {f['displayName']: f['id'] for f in json.loads(b)['value']}
        return self._retry(go)
    def new_folder(self, name=None):
        """a contact folder; made after the first sync, the sync finds it when a
        contact moves into it. Its POST answer may be a fault's: the listing says"""
        name = name or 'Soak %d' % len(self.folders)
        body = json.dumps({'displayName': name}).encode()
        while name not in self._folders():
            try:
                self._retry(lambda: self._http('POST', '/v1.0/me/contactFolders', body))
            except urllib.error.HTTPError as e:
                if e.code != 409:   # an earlier try made it, its answer was lost
                    raise
        fid = self._folders()[name]
        if self.default is not None:
            self.folders.append(fid)
        return fid
    def login(self):
        self.token = None
        form = 'application/x-www-form-urlencoded'
        st, b = self._http('POST', '/common/oauth2/v2.0/devicecode',
                           b'client_id=soak&scope=Contacts.ReadWrite+Calendars.ReadWrite+offline_access', form)
        poll = ('grant_type=urn:ietf:params:oauth:grant-type:device_code&client_id=soak&'
                'device_code=%s' % json.loads(b)['device_code']).encode()
        for attempt in range(5):
            try:
                st, b = self._http('POST', '/common/oauth2/v2.0/token', poll, form)
                self.token = json.loads(b)['access_token']
                return
            except urllib.error.HTTPError:
                pass   # authorization_pending once
        raise RuntimeError('no Graph sign-in')
    def _read_once(self):
        out, self.folder_of = {}, {}
        url = '/v1.0/me/contacts'
        while url:
            st, b = self._http('GET', url, headers=self.PREFER)
            page = json.loads(b)
            for c in page['value']:
                m = re.search(r'T\d+', str(c.get('surname') or ''))
                if not m:
                    continue
                self.folder_of[c['id']] = c.get('parentFolderId')
                out.setdefault(m.group(0), []).append(
                    (c['id'], {'given': c.get('givenName') or '', 'notes': c.get('personalNotes') or '',
                               'job': c.get('jobTitle') or ''}))
            url = page.get('@odata.nextLink')
        return out
    def read(self):
        return self._retry(self._read_once)
    MAP = {'given': 'givenName', 'notes': 'personalNotes', 'job': 'jobTitle'}
    def create(self, token, v):
        rec = {self.MAP[k]: x for k, x in v.items() if k in self.MAP and x != ''}
        rec['surname'] = 'Soak ' + token
        body = json.dumps(rec).encode()
        # some go straight into the second folder
        path = ('/v1.0/me/contactFolders/%s/contacts' % self.second if rnd.random() < 0.3
                else '/v1.0/me/contacts')
        def go():
            st, b = self._http('POST', path, body, headers=self.PREFER)
            json.loads(b)['id']
        self._retry(go, check=lambda: token in self.read())
    def update(self, handle, v):
        body = json.dumps({self.MAP[k]: (x if x != '' else None) for k, x in v.items()}).encode()
        def go():
            st, b = self._http('PATCH', '/v1.0/me/contacts/%s' % handle, body, headers=self.PREFER)
            json.loads(b)['id']
        def took():
            mine = [f for rs in self.read().values() for h, f in rs if h == handle]
            return bool(mine) and all(mine[0][k] == x for k, x in v.items())
        self._retry(go, check=took)
    def delete(self, handle):
        def go():
            try:
                st, b = self._http('DELETE', '/v1.0/me/contacts/%s' % handle, headers=self.PREFER)
            except urllib.error.HTTPError as e:
                if e.code != 404:
                    raise
                return
            if st != 204 or b.strip():
                raise ValueError('a DELETE answers 204 without a body: a fault answered')
        self._retry(go, check=lambda: all(h != handle for rs in self.read().values() for h, _ in rs))
    def event_subjects(self):
        def go():
            out, url = [], '/v1.0/me/events?$top=200'
            while url:
                st, b = self._http('GET', url, headers=self.PREFER)
                page = json.loads(b)
                out += [e.get('subject') for e in page['value']]
                url = page.get('@odata.nextLink')
            return out
        return self._retry(go)
    def move(self, handle):
        """the user drags the contact to the other folder (an emulator hook:
        Graph v1.0 has no move for contacts); immutable ids stay"""
        if not self.folder_of:
            self.read()
        if len(self.folders) < 4 and rnd.random() < 0.05:
            to = self.new_folder()
        else:
            to = rnd.choice([f for f in self.folders if f != self.folder_of.get(handle)])
        self._retry(lambda: self._http('POST', '/_emulator/move?kind=contact&id=%s&folder=%s'
                                       % (urllib.parse.quote(handle), urllib.parse.quote(to)),
                                       b'', headers=self.PREFER))
        self.folder_of[handle] = to

def seed_events(crm_dir, n):
    """n CRM events (OroCRM's schema), one a month from 30 months back"""
    d = os.path.join(crm_dir, 'event')
    os.makedirs(d, exist_ok=True)
    now = time.gmtime()
    for i in range(n):
        months = now.tm_year * 12 + (now.tm_mon - 1) - 30 + i
        y, m = divmod(months, 12)
        day = 1 + i % 27
        ev = {'title': 'Soak E%d' % i, 'allDay': False,
              'start': '%04d-%02d-%02dT09:00:00Z' % (y, m + 1, day),
              'end': '%04d-%02d-%02dT10:00:00Z' % (y, m + 1, day)}
        with open(os.path.join(d, 'soak-e%d.json' % i), 'w') as f:
            json.dump(ev, f)

def folder_event_titles(crm_dir):
    d = os.path.join(crm_dir, 'event')
    out = []
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        try:
            with open(os.path.join(d, name)) as f:
                out.append(json.load(f).get('title'))
        except (OSError, ValueError):
            out.append(None)
    return out

def start_emulator(api, db, faults=None):
    cmd = [args.emulator, '--api', api, '--port', '0', '--db', db]
    if faults:
        cmd += ['--faults', faults + ',seed=%d' % rnd.randrange(1 << 20)]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    return p, re.search(r'http://\S+', line).group(0)

# ---- one pair -------------------------------------------------------------------------
def soak(pair):
    top = tempfile.mkdtemp(prefix='crmsync-soak-%s-' % pair)
    env = dict(os.environ, XDG_DATA_HOME=os.path.join(top, 'xdg'), CRMSYNC_SECRETS='file',
               CRMSYNC_PLUGIN_DIR=args.plugins)
    env.pop('CRMSYNC_FAULT', None)
    env.pop('CRMSYNC_EMU_WEBCRM', None)
    profile = os.path.join(top, 'profile.ini')
    rules = '[contact]\ndirection=both\non-crm-delete=propagate\non-outlook-delete=propagate\n'
    others = '[task]\ndirection=none\n[event]\ndirection=none\n[email]\ndirection=none\n'
    emus = []
    outlook_names = {'given': 'givenName', 'last': 'surname', 'notes': 'notes', 'job': 'jobTitle'}
    # what a deletion on a side leaves behind (the sides still holding the record)
    after_delete = {'crm': set(), 'outlook': set()}
    deletable = {'crm': True, 'outlook': True}
    faults = args.faults
    if pair == 'folder':
        faults = None
        crm = FolderSide(os.path.join(top, 'crm'), outlook_names)
        outlook = FolderSide(os.path.join(top, 'outlook'), outlook_names)
        text_profile = ('[profile]\nname=Soak\ncrm=folder\noutlook=folder\nstate=%s/state.db\n'
                        '[crm]\npath=%s/crm\n[outlook]\npath=%s/outlook\n%s' % (top, top, top, rules))
    elif pair == 'orocrm':
        faulty, url = start_emulator('orocrm', os.path.join(top, 'emu.db'), faults)
        emus.append(faulty)
        crm = OroSide(url)
        outlook = FolderSide(os.path.join(top, 'outlook'), outlook_names)
        with open(os.path.join(top, 'key'), 'w') as f:
            f.write(OroSide.KEY)
        os.chmod(os.path.join(top, 'key'), 0o600)
        text_profile = ('[profile]\nname=Soak\ncrm=orocrm\noutlook=folder\npreset=orocrm\n'
                        'state=%s/state.db\n[crm]\nurl=%s\nuser=admin\nsecret-file=%s/key\n'
                        '[outlook]\npath=%s/outlook\nschema=outlook\n%scondition=owned\n'
                        % (top, url, top, top, rules))
    elif pair == 'webcrm':
        # the preset's own rules: deletions are never propagated (on-*-delete=ignore),
        # and the API cannot delete a person anyway
        faulty, url = start_emulator('webcrm', os.path.join(top, 'emu.db'), faults)
        emus.append(faulty)
        crm = WebcrmSide(url)
        outlook = FolderSide(os.path.join(top, 'outlook'), dict(outlook_names, company='companyName'))
        with open(os.path.join(top, 'authcode'), 'w') as f:
            f.write(WebcrmSide.AUTH)
        os.chmod(os.path.join(top, 'authcode'), 0o600)
        after_delete = {'crm': {'outlook'}, 'outlook': {'crm'}}
        deletable['crm'] = False
        text_profile = ('[profile]\nname=Soak\ncrm=webcrm\noutlook=folder\npreset=webcrm-b2b\n'
                        'state=%s/state.db\n[crm]\nurl=%s\nuser=ada@example.org\n'
                        'secret-file=%s/authcode\n[outlook]\npath=%s/outlook\nschema=outlook\n%s'
                        % (top, url, top, top, others))
    elif pair == 'graph':
        faulty, url = start_emulator('graph', os.path.join(top, 'emu.db'), faults)
        emus.append(faulty)
        # the CRM is a folder speaking OroCRM's schema, so the real mapping and its
        # match keys apply (a free schema has no key: a create whose id a killed
        # run never committed could not be found again)
        crm = FolderSide(os.path.join(top, 'crm'), {'given': 'firstName', 'last': 'lastName',
                                                    'notes': 'description', 'job': 'jobTitle'})
        outlook = GraphSide(url)
        event_rules = ('[event]\ndirection=both\ncondition=all\non-crm-delete=propagate\n'
                       'on-outlook-delete=restore\n' if args.events > 0 else '[event]\ndirection=none\n')
        text_profile = ('[profile]\nname=Soak\ncrm=folder\noutlook=graph\npreset=orocrm\n'
                        'state=%s/state.db\n[crm]\npath=%s/crm\nschema=orocrm\n[outlook]\nurl=%s\n'
                        'authority=%s\nclient-id=crmsync-soak\n%scondition=all\n'
                        '[task]\ndirection=none\n%s[email]\ndirection=none\n'
                        % (top, top, url, url, rules, event_rules))
        seed_events(os.path.join(top, 'crm'), args.events)
    else:
        raise SystemExit('unknown pair %s (folder, orocrm, webcrm, graph)' % pair)
    if args.default_state:
        text_profile = re.sub(r'(?m)^state=.*\n', '', text_profile)
    with open(profile, 'w') as f:
        f.write(text_profile)
    # the same profile, its path spelled four ways (the state must not care)
    spellings = ['profile.ini', './profile.ini', profile,
                 os.path.join('..', os.path.basename(top), 'profile.ini')]
    spelled = {}
    b2b = pair == 'webcrm'
    keys = ('given', 'notes', 'job', 'company') if b2b else ('given', 'notes', 'job')

    # token -> {'where': sides that must hold it, and its values}
    model = {}
    stats = {'ops': 0, 'creates': 0, 'updates': 0, 'deletes': 0, 'moves': 0, 'moves-new': 0, 'skips': 0,
             'fixes': 0, 'orphan-edits': 0, 'syncs': 0, 'kills': 0, 'partial': 0, 'failed': 0,
             'all': 0}
    next_token = [0]
    history = {}
    log = open(os.path.join(top, 'soak.log'), 'w')
    durations = []
    completed_rounds = set()   # rounds with a sync that was not killed

    def run_sync(kill_p):
        stats['syncs'] += 1
        spelling = rnd.choice(spellings)
        spelled[spelling] = spelled.get(spelling, 0) + 1
        cmd = [args.cli, 'sync', '--profile', spelling, '--json']
        if kill_p > 0 and rnd.random() < args.all_p:
            cmd.append('--all')
            stats['all'] += 1
        p = subprocess.Popen(cmd, env=env, cwd=top,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        t0 = time.monotonic()
        if rnd.random() < kill_p:
            # at a random moment of a typical run (they take from ms to seconds)
            typical = sorted(durations)[len(durations) // 2] if durations else 0.5
            deadline = t0 + rnd.uniform(0.0, typical * 1.2)
            while p.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                stats['kills'] += 1
                log.write('SIGKILL after %.3f s\n' % (time.monotonic() - t0))
        out, err = p.communicate()
        if p.returncode == -9 and pair != 'folder':
            # the killed run's requests still being served (slow answers) land
            # later; a person edits after them, so the model's order holds
            time.sleep(slow_s + 0.5)
        log.write('round %d sync exit %d %s\n' % (len(durations), p.returncode, err.strip()[-300:]))
        log.flush()
        if p.returncode != -9:
            durations.append(time.monotonic() - t0)
            completed_rounds.add(rnd_i)
        if p.returncode == 1:
            stats['partial'] += 1
        elif p.returncode not in (0, -9):
            stats['failed'] += 1
        if p.returncode < 0 and p.returncode != -9 or p.returncode >= 128:
            ok(False, '%s: crmsync-cli crashed (%d): %s' % (pair, p.returncode, err[-300:]))
        return p.returncode, out, err

    def agrees(token, c, o):
        m = model[token]
        want = {k: m[k] for k in keys}
        for side, view in (('crm', c), ('outlook', o)):
            if side in m['where']:
                if len(view.get(token, [])) != 1 or view[token][0][1] != want:
                    return False
            elif token in view:
                return False
        return True

    def note(t, what, side, handle=None):
        history.setdefault(t, []).append((rnd_i, what, side, handle))

    def new_values(side):
        v = {'given': text(), 'notes': text(long=rnd.random() < 0.3), 'job': text()}
        if b2b:
            # the company rule: an existing company is joined, a new one created;
            # a contact without one stays in Outlook, skipped with the reason
            r = rnd.random()
            if side is crm or r < 0.6:
                v['company'] = rnd.choice(WebcrmSide.COMPANIES)
            elif r < 0.85:
                v['company'] = 'Soak Ny %d' % next_token[0]
            else:
                v['company'] = ''
        return v

    def edit_values():
        v = {}
        for k in rnd.sample(['given', 'notes', 'job'], rnd.randint(1, 3)):
            # clearing a field is an edit too; not the first name, which the
            # Oro mapping fills from the last name when empty (name-fallback)
            clear = k != 'given' and rnd.random() < 0.1
            v[k] = '' if clear else text(long=(k == 'notes' and rnd.random() < 0.3))
        return v

    for rnd_i in range(args.rounds):
        c, o = crm.read(), outlook.read()
        settled = [t for t in model if model[t]['where'] == {'crm', 'outlook'} and agrees(t, c, o)]
        # kept on one side by the rules: a CRM record whose Outlook copy was
        # deleted (webCRM), an Outlook contact without a company (B2B)
        orphans = [t for t in model if model[t]['where'] == {'crm'} and agrees(t, c, o)]
        skipped = [t for t in model if model[t]['where'] == {'outlook'} and agrees(t, c, o)]
        rnd.shuffle(settled)
        n_ops = rnd.randint(1, 8)
        deletes = 0
        for _ in range(n_ops):
            side = crm if rnd.random() < 0.5 else outlook
            sname = 'crm' if side is crm else 'outlook'
            view = c if side is crm else o
            kind = rnd.random()
            if kind < 0.35 or not settled:
                next_token[0] += 1
                t = 'T%d' % next_token[0]
                v = new_values(side)
                side.create(t, v)
                model[t] = dict(v, where={'crm', 'outlook'})
                if b2b and v['company'] == '':
                    model[t]['where'] = {'outlook'}
                    stats['skips'] += 1
                note(t, 'create', sname)
                stats['creates'] += 1
            elif kind < 0.42 and orphans:
                t = orphans.pop()
                v = edit_values()
                crm.update(c[t][0][0], v)
                model[t].update(v)
                note(t, 'update (CRM only)', 'crm', c[t][0][0])
                stats['orphan-edits'] += 1
            elif kind < 0.47 and skipped:
                # the user gives the skipped contact its company: now it goes
                t = skipped.pop()
                v = {'company': rnd.choice(WebcrmSide.COMPANIES)}
                if rnd.random() < 0.5:
                    v.update(edit_values())
                outlook.update(o[t][0][0], v)
                model[t].update(v)
                model[t]['where'] = {'crm', 'outlook'}
                note(t, 'company added', 'outlook', o[t][0][0])
                stats['fixes'] += 1
            elif kind < 0.55 and hasattr(outlook, 'move'):
                t = settled.pop()
                n_folders = len(outlook.folders)
                outlook.move(o[t][0][0])
                stats['moves-new'] += len(outlook.folders) - n_folders
                note(t, 'move', 'outlook', o[t][0][0])
                stats['moves'] += 1
            elif kind < 0.85 or deletes >= 4 or not deletable[sname]:
                t = settled.pop()
                v = edit_values()
                side.update(view[t][0][0], v)
                model[t].update(v)
                note(t, 'update', sname, view[t][0][0])
                stats['updates'] += 1
            else:
                t = settled.pop()
                side.delete(view[t][0][0])
                model[t]['where'] = set(after_delete[sname])
                note(t, 'delete', sname, view[t][0][0])
                deletes += 1
                stats['deletes'] += 1
            stats['ops'] += 1
        log.write('== round %d\n' % rnd_i)
        for _ in range(rnd.randint(1, 2)):
            run_sync(args.kill)

    # a clean end: the rules applied until nothing is left to do (the emulator
    # keeps its faults: the engine retries them; a run is not killed). A
    # contact the rules skip (B2B without a company) is reported each time.
    want_skipped = sorted(t for t in model if b2b and model[t]['where'] == {'outlook'})
    for attempt in range(10):
        rc, out, err = run_sync(0.0)
        try:
            rep = json.loads(out)
            changes = sum(sum(s.values()) for k in ('created', 'updated', 'deleted', 'linked')
                          for s in rep.get(k, {}).values())
            skips = [x for x in rep.get('skipped', []) if x.get('kind') == 'contact']
        except (ValueError, AttributeError):
            changes, skips = -1, []
        want_rc = 1 if want_skipped else 0
        if rc == want_rc and changes == 0:
            break
    ok(rc == want_rc and changes == 0, '%s: clean final syncs end with nothing to do (%d runs, exit %d: %s)'
       % (pair, attempt + 1, rc, err.strip()[-200:]))
    c, o = crm.read(), outlook.read()
    if b2b:
        skipped_ids = {x.get('id') for x in skips if 'company' in (x.get('reason') or '')}
        # the folder provider's id is the file name without .json
        want_ids = {o[t][0][0][:-len('.json')] for t in want_skipped if t in o}
        ok(skipped_ids == want_ids and len(skips) == len(want_skipped),
           '%s: every contact without a company is reported skipped, and only those (%d of %d) %s'
           % (pair, len(skipped_ids & want_ids), len(want_ids), [x.get('reason') for x in skips][:2]))
    dup = [t for t in set(c) | set(o) if len(c.get(t, [])) > 1 or len(o.get(t, [])) > 1]
    lost = [t for t in model if model[t]['where'] and not agrees(t, c, o) and t not in dup]
    undeleted = [t for t in model if not model[t]['where'] and (t in c or t in o)]
    # a deletion made after an edit whose every sync was killed: whether the
    # killed run's write reached the side deleted cannot be known, and an
    # edit is never lost to a deletion, so the record is restored (the rule);
    # it must then be on both sides once, with the edited values
    def restored_by_rule(t):
        events = history.get(t, [])
        dels = [i for i, e in enumerate(events) if e[1] == 'delete']
        if not dels or dels[-1] == 0:
            return False
        r_d, r_u = events[dels[-1]][0], events[dels[-1] - 1][0]
        want = {k: model[t][k] for k in ('given', 'notes', 'job')}
        return (not any(r in completed_rounds for r in range(r_u, r_d)) and
                len(c.get(t, [])) == 1 and len(o.get(t, [])) == 1 and
                c[t][0][1] == want and o[t][0][1] == want)
    restored = [t for t in undeleted if restored_by_rule(t)]
    undeleted = [t for t in undeleted if t not in restored]
    # a record the rules keep on one side that came back on the other
    revived = [t for t in model if len(model[t]['where']) == 1 and t not in dup and
               t in (o if model[t]['where'] == {'crm'} else c)]
    lost = [t for t in lost if t not in revived]
    unknown = [t for t in set(c) | set(o) if t not in model]
    for t in sorted(set(dup) | set(lost) | set(undeleted) | set(unknown) | set(revived)):
        log.write('%s: %s\n    crm %s\n    outlook %s\n' % (t, history.get(t), [h for h, _ in c.get(t, [])],
                                                         [h for h, _ in o.get(t, [])]))
    log.close()
    ok(not dup, '%s: no duplicates (%d) %s' % (pair, len(dup), dup[:5]))
    ok(not lost, '%s: no lost record or edit (%d) %s' % (pair, len(lost), [
        (t, str(model[t])[:120], str(c.get(t))[:120], str(o.get(t))[:120]) for t in lost[:3]]))
    if after_delete['crm'] or after_delete['outlook']:
        ok(not revived, '%s: a deletion is not propagated and the deleted copy does not come back '
           '(%d) %s' % (pair, len(revived), revived[:5]))
    else:
        ok(not undeleted, '%s: deletions propagated both ways (%d left; %d restored by the '
           'edit-vs-delete rule after killed runs) %s' % (pair, len(undeleted), len(restored), undeleted[:5]))
    ok(not unknown, '%s: nothing appeared that was never created %s' % (pair, unknown[:5]))
    n_events = 0
    if pair == 'graph' and args.events > 0:
        crm_ev = folder_event_titles(os.path.join(top, 'crm'))
        out_ev = outlook.event_subjects()
        want = ['Soak E%d' % i for i in range(args.events)]
        bad = [t for t in want if crm_ev.count(t) != 1 or out_ev.count(t) != 1]
        n_events = len(want)
        ok(not bad, '%s: every event of the three years once on each side, none re-created '
           'outside the calendar window (%d of %d wrong) %s'
           % (pair, len(bad), len(want), [(t, crm_ev.count(t), out_ev.count(t)) for t in bad[:5]]))
    alive = sum(1 for m in model.values() if m['where'])
    extra = ''
    if b2b:
        extra = (', %d created without a company (skipped), %d of them given one later, '
                 '%d edits of CRM-only records' % (stats['skips'], stats['fixes'], stats['orphan-edits']))
    if pair == 'graph':
        extra = ', %d of them into %d contact folders made during the run' % (
            stats['moves-new'], len(outlook.folders) - 2)
    rest = sum(getattr(x, 'requests', 0) for x in (crm, outlook))
    print('# %s: %d rounds, %d operations (%d creates, %d updates, %d deletes, %d moves%s), %d syncs, '
          '%d SIGKILLs, %d partial and %d failed runs (faults: %s), %d records alive at the end, '
          '%d REST calls by the soak itself, %.0f s'
          % (pair, args.rounds, stats['ops'], stats['creates'], stats['updates'], stats['deletes'],
             stats['moves'], extra, stats['syncs'], stats['kills'], stats['partial'], stats['failed'],
             faults or 'none', alive, rest, time.monotonic() - t_start), flush=True)
    print('# %s: %d Sync all runs; profile spelled %s; %d records checked (%d contacts, %d events); '
          '%d duplicates, %d lost edits'
          % (pair, stats['all'], ', '.join('%s x%d' % (k if k != profile else '<absolute>', n)
                                          for k, n in sorted(spelled.items())),
             len(model) + n_events, len(model), n_events, len(dup), len(lost)), flush=True)
    for e in emus:
        e.terminate()
        e.wait()
    if failures == 0 and 'CRMSYNC_KEEP_TEST_DIRS' not in os.environ:
        shutil.rmtree(top, ignore_errors=True)
    else:
        print('# kept %s' % top)

m = re.search(r'slow-ms=(\d+)', args.faults)
slow_s = int(m.group(1)) / 1000 if m else 3.0
pairs = ['folder', 'orocrm', 'webcrm', 'graph'] if args.pair == 'all' else args.pair.split(',')
for p in pairs:
    t_start = time.monotonic()
    soak(p)
print('1..%d' % n_test)
sys.exit(1 if failures else 0)
