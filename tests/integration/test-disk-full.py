#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The state DB on a full disk: a tmpfs of a few hundred KiB (mounted here: needs
root; skipped otherwise). A first sync that runs out of space half-way, and an
incremental sync on a disk filled to the last byte, must each fail cleanly (an
exit code, one line on stderr, no crash) and the next run, with space back, must
converge: both sides hold the same records, no duplicates, no lost edit, and one
more run changes nothing. The same for a folder side's records on a full disk.
Usage: test-disk-full.py CRMSYNC_CLI"""
import json, os, shutil, subprocess, sys, tempfile

cli = sys.argv[1]
N = 1500

def skip(why):
    print('1..0 # SKIP ' + why)
    sys.exit(0)

if os.geteuid() != 0:
    skip('needs root to mount a tmpfs')
top = tempfile.mkdtemp(prefix='crmsync-df-')
mnt = os.path.join(top, 'mnt')
os.makedirs(mnt)
if subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=200k', 'tmpfs', mnt],
                  capture_output=True).returncode != 0:
    shutil.rmtree(top)
    skip('cannot mount a tmpfs')

n_test = 0
failures = 0
def ok(cond, what):
    global n_test, failures
    n_test += 1
    print('%s %d %s' % ('ok' if cond else 'not ok', n_test, what))
    if not cond:
        failures += 1

env = dict(os.environ, XDG_DATA_HOME=os.path.join(top, 'xdg'), CRMSYNC_SECRETS='file')
env.pop('CRMSYNC_FAULT', None)
profile = os.path.join(top, 'profile.ini')
with open(profile, 'w') as f:
    f.write('[profile]\nname=Disk full\ncrm=folder\noutlook=folder\nstate=%s/state.db\n'
            '[crm]\npath=%s/crm\n[outlook]\npath=%s/outlook\n' % (mnt, top, top))

def side(name):
    d = os.path.join(top, name, 'contact')
    os.makedirs(d, exist_ok=True)
    return d

def records(name):
    d = side(name)
    out = []
    for f in sorted(os.listdir(d)):
        with open(os.path.join(d, f), encoding='utf-8') as fh:
            out.append(json.load(fh))
    return out

def sync(prof=None):
    p = subprocess.run([cli, 'sync', '--profile', prof or profile, '--json'], env=env,
                       capture_output=True, text=True)
    try:
        report = json.loads(p.stdout)
    except ValueError:
        report = None
    return p.returncode, p.stderr, report

def clean_failure(rc, err, what):
    lines = [l for l in err.splitlines() if l.strip()]
    ok(rc == 5, '%s: fails with exit code 5, cannot write locally (%d)' % (what, rc))
    ok(len(lines) == 1, '%s: one line on stderr: %r' % (what, err.strip()[:200]))
    ok(any(w in err.lower() for w in ('full', 'space')), '%s: the message says the disk is full' % what)

def converged(what):
    rc, err, report = sync()
    ok(rc == 0, '%s: the next run with space back succeeds (%d %s)' % (what, rc, err.strip()[:200]))
    crm, outlook = records('crm'), records('outlook')
    key = lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False)
    ok(len(crm) == len(outlook), '%s: as many records on both sides (%d, %d)' % (what, len(crm), len(outlook)))
    ok(sorted(map(key, crm)) == sorted(map(key, outlook)), '%s: both sides hold the same records' % what)
    emails = [r.get('Email1Address') for r in crm]
    ok(len(set(emails)) == len(emails), '%s: no duplicates' % what)
    rc, err, report = sync()
    changes = 0
    if report is not None:
        for k in ('created', 'updated', 'deleted'):
            for s in report.get(k, {}).values():
                changes += sum(s.values())
    ok(rc == 0 and report is not None and changes == 0, '%s: one more run changes nothing' % what)
    return crm

mounts = [mnt]
try:
    out = side('outlook')
    side('crm')
    for i in range(N):
        with open(os.path.join(out, 'o%04d.json' % i), 'w', encoding='utf-8') as f:
            json.dump({'FirstName': 'Zoë %d' % i, 'LastName': 'Ørsted-' + 'x' * 40,
                       'Email1Address': 'p%d@example.org' % i, 'Body': 'ü' * 300}, f, ensure_ascii=False)

    # 1. the first sync runs out of space half-way
    rc, err, _ = sync()
    clean_failure(rc, err, 'first sync')
    written = len(os.listdir(side('crm')))
    print('# the first sync wrote %d of %d records before the disk was full' % (written, N))
    subprocess.run(['mount', '-o', 'remount,size=64m', mnt], check=True)
    converged('first sync')

    # 2. an incremental sync on a disk filled to the last byte
    for i in range(0, N, 5):
        p = os.path.join(out, 'o%04d.json' % i)
        with open(p, encoding='utf-8') as f:
            r = json.load(f)
        r['Body'] = 'edited %d ✓' % i
        with open(p, 'w', encoding='utf-8') as f:
            json.dump(r, f, ensure_ascii=False)
    for i in range(N, N + 300):
        with open(os.path.join(out, 'o%04d.json' % i), 'w', encoding='utf-8') as f:
            json.dump({'FirstName': 'Neu %d' % i, 'Email1Address': 'p%d@example.org' % i}, f)
    st = os.statvfs(mnt)
    used_k = (st.f_blocks - st.f_bfree) * st.f_frsize // 1024
    subprocess.run(['mount', '-o', 'remount,size=%dk' % (used_k + 256), mnt], check=True)
    try:
        with open(os.path.join(mnt, 'filler'), 'wb') as f:
            while True:
                f.write(b'\0' * 4096)
                f.flush()
    except OSError:
        pass  # full
    print('# free on the state disk: %d bytes' % (os.statvfs(mnt).f_bavail * os.statvfs(mnt).f_frsize))
    rc, err, _ = sync()
    clean_failure(rc, err, 'incremental sync')
    if os.path.exists(os.path.join(mnt, 'filler')):
        os.unlink(os.path.join(mnt, 'filler'))
    subprocess.run(['mount', '-o', 'remount,size=64m', mnt], check=True)
    crm = converged('incremental sync')
    edited = [r for r in crm if str(r.get('Body', '')).startswith('edited ')]
    ok(len(edited) == N // 5, 'no edit lost (%d of %d edits on the CRM side)' % (len(edited), N // 5))
    ok(len(crm) == N + 300, 'every record on both sides (%d)' % len(crm))

    # 3. the records of a folder side on the full disk (the state elsewhere)
    data_profile = os.path.join(top, 'data.ini')
    mnt2 = os.path.join(top, 'mnt2')
    os.makedirs(mnt2)
    subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt2], check=True)
    mounts.append(mnt2)
    os.makedirs(os.path.join(mnt2, 'crm', 'contact'))
    with open(data_profile, 'w') as f:
        f.write('[profile]\nname=Data disk full\ncrm=folder\noutlook=folder\nstate=%s/data-state.db\n'
                '[crm]\npath=%s/crm\n[outlook]\npath=%s/outlook\n' % (top, mnt2, top))
    rc, err, _ = sync(data_profile)
    clean_failure(rc, err, 'records on a full disk')
    landed = len(os.listdir(os.path.join(mnt2, 'crm', 'contact')))
    print('# %d of %d records fitted on the full disk' % (landed, N + 300))
    subprocess.run(['mount', '-o', 'remount,size=64m', mnt2], check=True)
    rc, err, report = sync(data_profile)
    ok(rc == 0, 'records on a full disk: the next run with space back succeeds (%d %s)'
       % (rc, err.strip()[:200]))
    n_crm = len([f for f in os.listdir(os.path.join(mnt2, 'crm', 'contact')) if f.endswith('.json')])
    ok(n_crm == N + 300, 'records on a full disk: every record written once (%d)' % n_crm)
    rc, err, report = sync(data_profile)
    changes = sum(sum(v.values()) for k in ('created', 'updated', 'deleted')
                  for v in (report or {}).get(k, {}).values()) if report else -1
    ok(rc == 0 and changes == 0, 'records on a full disk: one more run changes nothing (%d)' % changes)
finally:
    for m in mounts:
        subprocess.run(['umount', m])
    if 'CRMSYNC_KEEP_TEST_DIRS' not in os.environ:
        shutil.rmtree(top, ignore_errors=True)
print('1..%d' % n_test)
sys.exit(1 if failures else 0)
