#!/usr/bin/python3
"""GUI walk on the demo, as a new user would (issue 5): first run -> Try the Demo -> initial sync
with progress -> accounts list -> search -> open an account -> edit and save offline -> create a
contact -> sync -> the server has both changes -> a second user changes the same field on the
server -> the next sync shows a conflict -> resolved side by side in Sync Issues -> sync -> the
server has the chosen value; then a background sync while a save is made shows the write notice
and the save lands. Run under tests/gui/gui-session; output is TAP; screenshots of every step go
to $OUTPOST_SHOTS.

The demo server's data folder is seeded before the first start with the demo's kinds of records
but 10,000 accounts, so the initial sync takes long enough to be seen; for the background sync the
server's latency fault slows every answer down, so the sync runs long while the user saves."""
import os, shutil, sqlite3, subprocess, sys, time, traceback, urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guilib import (BUTTON, Shots, admin, app_env, find, find_button, find_prefix, finish, keyCombo, labels,
                    make_tmp, stop, tap, tree, typeText, wait_for)

shot = Shots(os.path.join(os.environ.get('G_TEST_BUILDDIR', '.'), 'gui', 'gui-shots', 'demo'))
ACCOUNTS = 10000
SEED = ('accounts=%d,contacts=60,leads=16,opportunities=20,tasks=40,phonecalls=24,'
        'appointments=16,emails=24,annotations=20' % ACCOUNTS)


def preseed(data_dir):
    """The demo server seeds only an empty folder: fill it first, with more accounts."""
    os.makedirs(data_dir, exist_ok=True)
    p = subprocess.Popen([os.environ['OUTPOST_SERVER'], '--listen', '127.0.0.1:0', '--data', data_dir,
                          '--seed', SEED], stdout=subprocess.PIPE)
    p.stdout.readline()
    stop(p)


def db_row(db, sql, *args):
    with sqlite3.connect(db, timeout=10) as c:
        return c.execute(sql, args).fetchone()


def server_url(tmp):
    path = os.path.join(tmp, 'data', 'outpost', 'demo', 'account.ini')
    for line in open(path):
        if line.startswith('Url='):
            return line[4:].strip()
    return None


def records(base, entity_set, **query):
    return admin(base, 'GET', '/_admin/records/%s?%s' % (entity_set, urllib.parse.urlencode(query)))['value']


def sync_and_wait(app, timeout=120):
    """F5, then wait until the header's progress is gone and the state says so."""
    keyCombo('F5')
    wait_for(lambda: 'Synchronizing…' in labels(app), 5, 0.1)
    return wait_for(lambda: 'Synchronizing…' not in labels(app), timeout, 0.5)


def open_record(app, search, name):
    keyCombo('<Control>f')
    keyCombo('<Control>a')
    typeText(search)
    wait_for(lambda: name in labels(app), 10)
    cell = app.findChild(lambda n: n.roleName == 'label' and n.name == name, retry=True, requireResult=False)
    if cell is not None:
        cell.click()
    return wait_for(lambda: labels(app).count(name) >= 2, 10)


def set_text(app, field, value):
    entry = wait_for(lambda: find(app, 'text', field), 10)
    if entry is None:
        return False
    entry.click()
    keyCombo('<Control>a')
    typeText(value)
    keyCombo('<Control>s')
    return True


def select_entity(app, plural):
    keyCombo('<Control>f')
    keyCombo('<Control>a')
    keyCombo('BackSpace')
    # The sidebar row, or its label (the row is not always in the tree while the list reloads).
    row = wait_for(lambda: find(app, 'list item', plural), 10)
    if row is not None:
        # GtkListBox offers AT-SPI selection: select the row as a screen reader would (a
        # pointer click may land while the list beside it relayouts).
        try:
            row.select()
        except Exception:
            row.click()
    return wait_for(lambda: find(app, 'label', plural) and
                    [l for l in labels(app) if l.endswith(' records') or l.endswith(' record')], 10)


def main():
    tmp = make_tmp()
    env = app_env(tmp)
    preseed(os.path.join(tmp, 'data', 'outpost', 'demo-server'))
    proc = subprocess.Popen([os.environ['OUTPOST_BIN']], env=env)
    try:
        walk(tmp)
    except Exception:
        tap(False, 'the walk ran to its end', traceback.format_exc())
    finally:
        code = stop(proc, 30)
        tap(code == 0, 'the app quits cleanly on SIGTERM (and stops its demo server)', 'exit status %s' % code)
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


def walk(tmp):
    db = os.path.join(tmp, 'data', 'outpost', 'demo', 'outpost.db')
    app = wait_for(lambda: tree.root.application('outpost'), 30)
    if not tap(app is not None, 'the window appears in the accessibility tree'):
        return
    demo = wait_for(lambda: find_button(app, 'Try the Demo'), 15)
    shot('01-welcome')
    if not tap(demo is not None, 'first run: the welcome page offers the demo'):
        return
    demo.click()

    # The initial sync runs in the foreground: a progress dialog with phase and counts.
    # The sync is short: poll the app's top-level windows only (cheap), then read the dialog.
    text = 'Your records are being synchronized with the server.'
    phases = ('Connecting…', 'Downloading', 'Uploading', 'Finishing…')
    dialog = progress = None
    window = wait_for(lambda: next((w for w in app.children if w.roleName in ('dialog', 'alert')
                                    or w.name == 'Synchronizing'), None), 30, 0.02)
    try:
        names = [n.name for n in window.findChildren(lambda n: n.roleName == 'label')] if window else []
        dialog = text if text in names else None
        progress = next((n for n in names if n.split(' ')[0] in phases), None)
    except Exception:
        pass   # the dialog closed while it was read
    progress = type('Seen', (), {'name': progress})() if progress else None
    shot('02-initial-sync')
    tap(dialog is not None, 'the initial sync runs in a progress dialog')
    tap(progress is not None, 'the dialog shows the phase, the entity and the counts',
        progress.name if progress is not None else '')
    done = wait_for(lambda: 'Your records are being synchronized with the server.' not in labels(app)
                    and str(ACCOUNTS) in labels(app), 180, 0.5)
    wait_for(lambda: 'All changes synced' in labels(app), 10)
    shot('03-accounts')
    tap(db_row(db, 'PRAGMA quick_check') == ('ok',), 'the store is intact after the initial sync')
    tap(done, 'after the sync the sidebar counts %d accounts' % ACCOUNTS)
    tap(db_row(db, 'SELECT count(*) FROM e_account')[0] == ACCOUNTS, 'the store holds every account')
    base = server_url(tmp)
    tap(base is not None, 'the demo account points at the demo server', base)

    # Search, open, edit offline (no sync happens: nothing triggers one). The seeded names
    # repeat: take one that is unique.
    global NAME
    NAME = db_row(db, 'SELECT name FROM e_account GROUP BY name HAVING count(*) = 1 ORDER BY name LIMIT 1')[0]
    opened = open_record(app, NAME, NAME)
    shot('04-search-open')
    count = [l for l in labels(app) if l.endswith(' records') or l.endswith(' record')]
    tap(opened and count and count[0] != '%d records' % ACCOUNTS,
        'search narrows the list and the account opens', str(count))
    set_text(app, 'Main Phone', '+1 555 0100')
    saved = wait_for(lambda: db_row(db, "SELECT telephone1, __state FROM e_account WHERE name = ?", NAME)
                     == ('+1 555 0100', 2), 10)
    wait_for(lambda: 'Changed here' in labels(app), 5)
    shot('05-saved-offline')
    tap(saved, 'the edit is saved offline, marked changed here',
        db_row(db, "SELECT telephone1, __state FROM e_account WHERE name = ?", NAME))

    # A new contact.
    select_entity(app, 'Contacts')
    wait_for(lambda: 'Contacts' in labels(app) and '60 records' in labels(app), 10)
    keyCombo('<Control>n')
    first = wait_for(lambda: find(app, 'text', 'First Name'), 5)
    if first is not None:
        first.click()
        typeText('Robin')
    set_text(app, 'Last Name', 'Walkthrough')
    created = wait_for(lambda: db_row(db, "SELECT count(*) FROM e_contact WHERE lastname = 'Walkthrough' AND __state = 1")[0] == 1, 10)
    wait_for(lambda: '2 unsynced changes' in labels(app), 5)
    shot('06-new-contact')
    tap(created, 'the new contact is saved offline, created here')
    tap('2 unsynced changes' in labels(app), 'the sidebar shows 2 unsynced changes')

    # Sync: the server has both changes.
    tap(db_row(db, 'PRAGMA quick_check') == ('ok',), 'the store is intact before the sync')
    synced = sync_and_wait(app)
    wait_for(lambda: 'All changes synced' in labels(app), 10)
    shot('07-synced')
    tap(synced and 'All changes synced' in labels(app), 'the sync uploads both changes')
    acc = records(base, 'accounts', name=NAME)
    tap(len(acc) == 1 and acc[0].get('telephone1') == '+1 555 0100', 'the server has the account edit',
        str([a.get('telephone1') for a in acc]))
    con = records(base, 'contacts', lastname='Walkthrough')
    tap(len(con) == 1 and con[0].get('firstname') == 'Robin', 'the server has the new contact', str(con)[:300])

    # A conflict on a lead (its policy is Manual): changed here and by another user on the server.
    lead_id, lead_name = db_row(db, 'SELECT __id, fullname FROM e_lead ORDER BY fullname LIMIT 1')
    select_entity(app, 'Leads')
    wait_for(lambda: '16 records' in labels(app), 10)
    open_record(app, lead_name, lead_name)
    set_text(app, 'Company Name', 'Client Side Ltd')
    wait_for(lambda: db_row(db, 'SELECT companyname FROM e_lead WHERE __id = ?', lead_id) == ('Client Side Ltd',), 10)
    admin(base, 'PATCH', '/_admin/records/leads/' + lead_id, {'companyname': 'Server Side Ltd'})
    sync_and_wait(app)
    # The toast says so (it goes after a few seconds); the open lead's state says so too.
    conflict = wait_for(lambda: [l for l in labels(app) if l.startswith('Synchronized with 1 conflicts')
                                 or l == 'Conflict'], 10)
    shot('08-conflict')
    tap(conflict, 'the next sync reports a conflict', str(labels(app)[-30:]))

    # Resolve side by side: keep my value.
    state = find(app, BUTTON, 'Sync State') or app.findChild(
        lambda n: n.roleName in BUTTON and ('unsynced' in n.name or 'synced' in n.name), retry=False, requireResult=False)
    if state is not None:
        state.click()
    issues = wait_for(lambda: tree.root.application('outpost').findChild(
        lambda n: 'Resolve…' in n.name.replace('_', '') and n.roleName in BUTTON, retry=False, requireResult=False), 10)
    shot('09-sync-issues')
    tap(issues is not None, 'the Sync Issues window lists the conflict with Resolve…')
    if issues is None:
        return
    issues.click()
    mine = wait_for(lambda: find(app, ('check box', 'radio button'), 'Keep my Company Name'), 10)
    theirs = find(app, ('check box', 'radio button'), 'Take server Company Name')
    shot('10-merge')
    tap(mine is not None and theirs is not None, 'the merge shows my value and the server value side by side')
    if mine is None:
        return
    mine.click()
    apply = find_button(app, 'Apply')
    if apply is not None:
        apply.click()
    wait_for(lambda: 'No conflicts.' in labels(app), 10)
    shot('11-resolved')
    # Close Sync Issues with its own button: F5 must reach the main window.
    for w in app.findChildren(lambda n: n.roleName == 'frame' and n.name == 'Sync Issues'):
        button = w.findChild(lambda n: n.roleName in BUTTON and n.name == 'Close', retry=False, requireResult=False)
        if button is not None:
            button.click()
    wait_for(lambda: not app.findChildren(lambda n: n.roleName == 'frame' and n.name == 'Sync Issues'), 10)
    tap(sync_and_wait(app), 'the sync after the merge runs')
    lead = records(base, 'leads', leadid=lead_id)
    tap(lead and lead[0].get('companyname') == 'Client Side Ltd', 'after the merge and a sync the server has my value',
        str([l.get('companyname') for l in lead]))
    shot('12-after-merge-sync')

    # A background sync that writes a lot (every delta token expired: a full download of every
    # table, each answer delayed by the server) and saves made meanwhile: small saves in a tight
    # loop (one digit changed, Ctrl+S: ~0.3 s each) while the sync runs, so some fall into the
    # download's write transactions; the write notice shows (a toast that stays a few seconds,
    # looked for every few saves) and the last save lands.
    select_entity(app, 'Accounts')
    open_record(app, NAME, NAME)
    notice = 'Synchronization is writing. Your change will be saved.'
    seen, writing, value = False, False, '+1 555 0200'
    set_text(app, 'Main Phone', value)
    admin(base, 'POST', '/_admin/expire-delta-tokens', {})
    admin(base, 'POST', '/_admin/faults', {'kind': 'latency', 'ms': 600})
    # The header's Synchronize button (F5 with the focus in a form field did not start a sync
    # in some runs: see the ui3 report), then the focus back in the field for the save loop.
    sync_button = find_button(app, 'Synchronize')
    if sync_button is not None:
        sync_button.click()
    started = wait_for(lambda: 'Synchronizing…' in labels(app), 5, 0.1)
    tap(started, 'the Synchronize button starts a background sync')
    entry = find(app, 'text', 'Main Phone')
    if entry is not None:
        entry.click()
        keyCombo('End')
    for i in range(200):
        if i % 4 == 3:
            if find(app, 'label', notice) is not None:
                seen = True
                shot('13-write-notice')
                break
            names = labels(app)
            writing = writing or any(l.startswith('Downloading') for l in names)
            if 'Synchronizing…' not in names:
                break
        digit = str((int(value[-1]) + 1) % 10)
        keyCombo('BackSpace')
        typeText(digit)
        keyCombo('<Control>s')
        value = value[:-1] + digit
    if not seen and wait_for(lambda: notice in labels(app), 3, 0.2):
        seen = True
        shot('13-write-notice')
    # A Ctrl+S pressed while the previous save still waited did nothing (the form stays
    # "changed"): save once more, as the enabled Save button invites.
    time.sleep(1)
    keyCombo('<Control>s')
    admin(base, 'DELETE', '/_admin/faults')
    tap(writing, 'the background sync downloads the accounts again')
    tap(seen, 'a save during the sync shows the write notice')
    landed = wait_for(lambda: db_row(db, "SELECT telephone1 FROM e_account WHERE name = ?", NAME) == (value,), 60)
    tap(landed, 'the save made during the sync lands', db_row(db, "SELECT telephone1 FROM e_account WHERE name = ?", NAME))
    wait_for(lambda: 'Synchronizing…' not in labels(app), 120, 0.5)
    shot('14-after-background-sync')


if __name__ == '__main__':
    sys.exit(main())
