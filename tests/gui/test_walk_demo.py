#!/usr/bin/python3
"""GUI walk on the demo, as a new user would (issue 5): first run -> Try the Demo -> initial sync
with progress -> accounts list -> search -> open an account -> edit and save offline -> create a
contact -> sync -> the server has both changes -> a second user changes the same field on the
server -> the next sync shows a conflict -> resolved side by side in Sync Issues -> sync -> the
server has the chosen value; then a background sync while a save is made shows the write notice,
the save lands, and the next sync takes it to the server. Run under tests/gui/gui-session;
output is TAP; screenshots of every step go to $OUTPOST_SHOTS.

    test_walk_demo.py          the whole walk (light style)
    test_walk_demo.py --dark   its first screens with the dark style (ADW_DEBUG_COLOR_SCHEME)

The demo server's data folder is seeded before the first start with the demo's kinds of records
but 30,000 accounts, so the initial sync takes long enough to be seen and a full sync of the
accounts writes six pages of 5,000 rows, each in its own write transaction."""
import os, shutil, subprocess, sys, time, traceback, urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guilib import (BUTTON, SOURCE, SYNCING, Shots, WriteLockProbe, admin, app_env, click_settled, db_row, find, find_button,
                    finish, hard_coded_colours, keyCombo, labels, make_tmp, open_record, press, record_count,
                    select_entity, set_text, stop, sync_and_wait, tap, toasts, tree, typeText, wait_for, window_tone)

DARK = '--dark' in sys.argv[1:]
shot = Shots(os.path.join(os.environ.get('G_TEST_BUILDDIR', '.'), 'gui', 'gui-shots',
                          'demo-dark' if DARK else 'demo'))
ACCOUNTS = 30000
SEED = ('accounts=%d,contacts=60,leads=16,opportunities=20,tasks=40,phonecalls=24,'
        'appointments=16,emails=24,annotations=20' % ACCOUNTS)
NOTICE = 'Synchronization is writing. Your change will be saved.'
STYLE = os.path.join(SOURCE, 'src', 'ui', 'style.css')


def preseed(data_dir):
    """The demo server seeds only an empty folder: fill it first, with more accounts."""
    os.makedirs(data_dir, exist_ok=True)
    p = subprocess.Popen([os.environ['OUTPOST_SERVER'], '--listen', '127.0.0.1:0', '--data', data_dir,
                          '--seed', SEED], stdout=subprocess.PIPE)
    p.stdout.readline()
    stop(p)


def server_url(tmp):
    path = os.path.join(tmp, 'data', 'outpost', 'demo', 'account.ini')
    for line in open(path):
        if line.startswith('Url='):
            return line[4:].strip()
    return None


def records(base, entity_set, **query):
    return admin(base, 'GET', '/_admin/records/%s?%s' % (entity_set, urllib.parse.urlencode(query)))['value']


def tone(name, dark):
    """Shoot @name and check the windows' tone: dark (mean luma under 90 of 255 and under 15 %
    light pixels) or light (mean over 200)."""
    shot(name)
    mean, light = window_tone(os.path.join(shot.dir, name + '.png'))
    ok = mean is not None and ((mean < 90 and light < 0.15) if dark else mean > 200)
    tap(ok, '%s: the window is %s (pixels)' % (name, 'dark' if dark else 'light'),
        'mean luma %s, light share %s' % (mean, light))


def main():
    tmp = make_tmp()
    # A slow disk (the sync keeps each page's transaction open 400 ms longer): a save made while
    # the sync writes waits past the window's 150 ms notice threshold on any machine, not only on
    # a loaded one (outpost-sync-download.c, simulate_slow_disk).
    extra = {'OUTPOST_TEST_SLOW_PAGE_WRITE_MS': '400'}
    if DARK:
        extra['ADW_DEBUG_COLOR_SCHEME'] = 'prefer-dark'
    env = app_env(tmp, **extra)
    preseed(os.path.join(tmp, 'data', 'outpost', 'demo-server'))
    proc = subprocess.Popen([os.environ['OUTPOST_BIN']], env=env)
    try:
        (walk_dark if DARK else walk)(tmp)
    except Exception:
        tap(False, 'the walk ran to its end', traceback.format_exc())
    finally:
        code = stop(proc, 30)
        tap(code == 0, 'the app quits cleanly on SIGTERM (and stops its demo server)', 'exit status %s' % code)
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


def start_demo(app):
    demo = wait_for(lambda: find_button(app, 'Try the Demo'), 15)
    return demo


def initial_sync(app, db, name):
    """Try the Demo was clicked: the foreground sync's dialog, then the accounts list."""
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
    shot(name)
    tap(dialog is not None, 'the initial sync runs in a progress dialog')
    tap(progress is not None, 'the dialog shows the phase, the entity and the counts', str(progress))
    done = wait_for(lambda: text not in labels(app) and str(ACCOUNTS) in labels(app), 180, 0.5)
    wait_for(lambda: 'All changes synced' in labels(app), 10)
    tap(done, 'after the sync the sidebar counts %d accounts' % ACCOUNTS)
    tap(db_row(db, 'SELECT count(*) FROM e_account')[0] == ACCOUNTS, 'the store holds every account')


def walk_dark(tmp):
    """The first screens with the dark style: the window, the sync dialog, the list and a form
    are dark by their pixels, and the app's own style sheet has no colour of its own."""
    db = os.path.join(tmp, 'data', 'outpost', 'demo', 'outpost.db')
    bad = hard_coded_colours(STYLE)
    tap(not bad, 'style.css uses only libadwaita named colours (no hard-coded colour)', str(bad))
    app = wait_for(lambda: tree.root.application('outpost'), 30)
    if not tap(app is not None, 'the window appears in the accessibility tree'):
        return
    demo = start_demo(app)
    tone('01-welcome-dark', True)
    if not tap(demo is not None, 'first run: the welcome page offers the demo'):
        return
    press(demo)
    initial_sync(app, db, '02-initial-sync-dark')
    mean, light = window_tone(os.path.join(shot.dir, '02-initial-sync-dark.png'))
    tap(mean is not None and mean < 90, '02-initial-sync-dark: the window and the dialog are dark (pixels)',
        'mean luma %s, light share %s' % (mean, light))
    tone('03-accounts-dark', True)
    name = db_row(db, 'SELECT name FROM e_account GROUP BY name HAVING count(*) = 1 ORDER BY name LIMIT 1')[0]
    opened = open_record(app, name, name)
    tap(opened, 'an account opens in the form')
    wait_for(lambda: find(app, 'text', 'Main Phone'), 10)
    tone('04-form-dark', True)


def walk(tmp):
    db = os.path.join(tmp, 'data', 'outpost', 'demo', 'outpost.db')
    app = wait_for(lambda: tree.root.application('outpost'), 30)
    if not tap(app is not None, 'the window appears in the accessibility tree'):
        return
    demo = start_demo(app)
    tone('01-welcome', False)
    if not tap(demo is not None, 'first run: the welcome page offers the demo'):
        return
    press(demo)

    # The initial sync runs in the foreground: a progress dialog with phase and counts.
    initial_sync(app, db, '02-initial-sync')
    tone('03-accounts', False)
    tap(db_row(db, 'PRAGMA quick_check') == ('ok',), 'the store is intact after the initial sync')
    base = server_url(tmp)
    tap(base is not None, 'the demo account points at the demo server', base)

    # Search, open, edit offline (no sync happens: nothing triggers one). The seeded names
    # repeat: take one that is unique.
    name = db_row(db, 'SELECT name FROM e_account GROUP BY name HAVING count(*) = 1 ORDER BY name LIMIT 1')[0]
    opened = open_record(app, name, name)
    shot('04-search-open')
    count = record_count(app)
    tap(opened and count and count[0] != '%d records' % ACCOUNTS,
        'search narrows the list and the account opens', str(count))
    set_text(app, 'Main Phone', '+1 555 0100')
    saved = wait_for(lambda: db_row(db, "SELECT telephone1, __state FROM e_account WHERE name = ?", name)
                     == ('+1 555 0100', 2), 10)
    wait_for(lambda: 'Changed here' in labels(app), 5)
    shot('05-saved-offline')
    tap(saved, 'the edit is saved offline, marked changed here',
        db_row(db, "SELECT telephone1, __state FROM e_account WHERE name = ?", name))

    # A new contact.
    select_entity(app, 'Contacts')
    wait_for(lambda: 'Contacts' in labels(app) and '60 records' in labels(app), 10)
    keyCombo('<Control>n')
    wait_for(lambda: 'Not saved yet' in labels(app), 10)
    time.sleep(1)               # a folded window slides the new form in
    first = wait_for(lambda: find(app, 'text', 'First Name'), 10)
    if first is not None and click_settled(first):
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
    acc = records(base, 'accounts', name=name)
    tap(len(acc) == 1 and acc[0].get('telephone1') == '+1 555 0100', 'the server has the account edit',
        str([a.get('telephone1') for a in acc]))
    con = records(base, 'contacts', lastname='Walkthrough')
    tap(len(con) == 1 and con[0].get('firstname') == 'Robin', 'the server has the new contact', str(con)[:300])

    conflict_walk(app, db, base)
    background_save(app, db, base, name)


def conflict_walk(app, db, base):
    """A conflict on a lead (its policy is Manual): changed here and by another user on the
    server; resolved side by side, keeping my value."""
    lead_id, lead_name = db_row(db, 'SELECT __id, fullname FROM e_lead ORDER BY fullname LIMIT 1')
    select_entity(app, 'Leads')
    wait_for(lambda: '16 records' in labels(app), 10)
    open_record(app, lead_name, lead_name)
    set_text(app, 'Company Name', 'Client Side Ltd')
    wait_for(lambda: db_row(db, 'SELECT companyname FROM e_lead WHERE __id = ?', lead_id) == ('Client Side Ltd',), 10)
    admin(base, 'PATCH', '/_admin/records/leads/' + lead_id, {'companyname': 'Server Side Ltd'})
    sync_and_wait(app)
    # The toast says so (it goes after a few seconds); the open lead's state says so too.
    conflict = wait_for(lambda: [l for l in labels(app) if l.startswith('Synchronized with 1 conflict and')
                                 or l == 'Conflict'], 10)
    shot('08-conflict')
    tap(conflict, 'the next sync reports a conflict', str(labels(app)[-30:]))

    state = find(app, BUTTON, 'Sync State') or app.findChild(
        lambda n: n.roleName in BUTTON and ('unsynced' in n.name or 'synced' in n.name or 'to resolve' in n.name),
        retry=False, requireResult=False)
    if state is not None:
        press(state)
    issues = wait_for(lambda: tree.root.application('outpost').findChild(
        lambda n: 'Resolve…' in n.name.replace('_', '') and n.roleName in BUTTON, retry=False, requireResult=False), 10)
    shot('09-sync-issues')
    tap(issues is not None, 'the Sync Issues window lists the conflict with Resolve…')
    if issues is None:
        return
    press(issues)
    mine = wait_for(lambda: find(app, ('check box', 'radio button'), 'Keep my Company Name'), 10)
    theirs = find(app, ('check box', 'radio button'), 'Take server Company Name')
    shot('10-merge')
    tap(mine is not None and theirs is not None, 'the merge shows my value and the server value side by side')
    if mine is None:
        return
    press(mine)
    apply = find_button(app, 'Apply')
    if apply is not None:
        press(apply)
    wait_for(lambda: 'No conflicts.' in labels(app), 10)
    toast = wait_for(lambda: 'Resolved. The chosen values are sent at the next synchronization.' in labels(app), 10)
    shot('11-resolved')
    tap(bool(toast), 'resolving says when the chosen values go to the server', str(labels(app)[-10:]))
    # Close Sync Issues with its own button: F5 must reach the main window.
    for w in app.findChildren(lambda n: n.roleName == 'frame' and n.name == 'Sync Issues'):
        button = w.findChild(lambda n: n.roleName in BUTTON and n.name == 'Close', retry=False, requireResult=False)
        if button is not None:
            press(button)
    wait_for(lambda: not app.findChildren(lambda n: n.roleName == 'frame' and n.name == 'Sync Issues'), 10)
    tap(sync_and_wait(app), 'the sync after the merge runs')
    lead = records(base, 'leads', leadid=lead_id)
    tap(lead and lead[0].get('companyname') == 'Client Side Ltd', 'after the merge and a sync the server has my value',
        str([l.get('companyname') for l in lead]))
    shot('12-after-merge-sync')


def phone(db, name):
    return db_row(db, 'SELECT telephone1 FROM e_account WHERE name = ?', name)


def save_outcome(app, db, name, value, sent):
    """(notice seen, when the save landed) for a save started at @sent. The notice comes 150 ms
    into a wait for the lock, before the save lands, and stays 4 s: look for it at once, and
    until a second after the save landed (on a loaded machine the window may lag)."""
    landed = None
    while time.monotonic() < sent + 30:
        if NOTICE in toasts(app):
            shot('13-write-notice')
            return True, landed or wait_for(lambda: phone(db, name) == (value,) and time.monotonic(), 30, 0.05)
        if landed is None and phone(db, name) == (value,):
            landed = time.monotonic()
        if landed is not None and time.monotonic() - landed > 1.0:
            break
        time.sleep(0.05)
    return False, landed


def background_save(app, db, base, name):
    """A background sync that writes (every delta token expired: a full download of every table;
    the accounts come in six pages of 5,000 rows, each written in one transaction) while the user
    saves. A save only waits when the sync holds the store's write lock at that moment, and the
    window only says so once the wait passes 150 ms (outpost-store.c). So the save is made the
    moment a write transaction of the sync is seen taking the lock (WriteLockProbe watches the
    lock from outside; it takes none), once per page until a save has shown the notice. The sync
    holds the lock only while it writes a page (never across a network wait): 70 ms to 1.3 s
    here depending on the machine's load, so the app runs with a simulated slow disk (400 ms
    more per page transaction, main()) and the save meets the lock for long enough on a fast
    machine too; each save's timing is printed. The
    server holds each accounts request back 4 s: the small tables are written before the first
    accounts page, and the test (slow on a loaded machine) is ready again before the next one."""
    select_entity(app, 'Accounts')
    open_record(app, name, name)
    value = '+1 555 0200'
    set_text(app, 'Main Phone', value)
    wait_for(lambda: phone(db, name) == (value,), 10)
    admin(base, 'POST', '/_admin/expire-delta-tokens', {})
    admin(base, 'POST', '/_admin/faults', {'kind': 'latency', 'ms': 4000, 'method': 'GET',
                                           'path_prefix': '/api/data/v9.2/accounts'})
    probe = WriteLockProbe(db).start()
    # The header's Synchronize button: a background sync, the user keeps working.
    sync_button = find_button(app, 'Synchronize')
    if sync_button is not None:
        press(sync_button)
    entry = find(app, 'text', 'Main Phone')
    if entry is not None and click_settled(entry):
        keyCombo('End')
    started = wait_for(lambda: SYNCING in labels(app), 10, 0.1)
    tap(started, 'the Synchronize button starts a background sync')
    seen, tries = False, []
    try:
        for attempt in range(16):
            digit = str((int(value[-1]) + 1) % 10)
            keyCombo('BackSpace')
            typeText(digit)          # the form has an unsaved change, nothing is written yet
            value = value[:-1] + digit
            taken = probe.wait_held(0, 60)
            if taken is None:
                break                # nothing written for a minute: the sync is over
            sent = time.monotonic()  # keyCombo returns after dogtail's delay: take the time first
            keyCombo('<Control>s')
            notice, landed = save_outcome(app, db, name, value, sent)
            hit = probe.hold_around(sent)
            tries.append('Ctrl+S %.0f ms after the sync took the write lock (%s); notice %s, landed %s' % (
                (sent - taken) * 1000, 'held %.0f ms in all, with the save behind it' % ((hit[1] - hit[0]) * 1000)
                if hit else 'already free', notice, bool(landed)))
            if notice:
                seen = True
                break
    finally:
        probe.close()
        admin(base, 'DELETE', '/_admin/faults')
    if phone(db, name) != (value,):
        keyCombo('<Control>s')      # the last digit typed, not saved yet: as the Save button invites
    tap(seen, 'a save made while the background sync holds the write lock shows the write notice',
        '\n'.join(tries))
    print('# ' + '\n# '.join(tries), file=sys.stderr)
    landed = wait_for(lambda: phone(db, name) == (value,), 30)
    tap(landed, 'the save made during the sync lands in the store', '%s != %s' % (phone(db, name), value))
    done = wait_for(lambda: SYNCING not in labels(app), 180, 0.5)
    shot('14-after-background-sync')
    tap(done, 'the background sync ends')
    # The save was made after the sync's upload: the next sync takes it to the server.
    sync_and_wait(app)
    acc = records(base, 'accounts', name=name)
    shot('15-synced-after-background')
    tap(len(acc) == 1 and acc[0].get('telephone1') == value, 'the next sync takes that save to the server',
        '%s != %s' % ([a.get('telephone1') for a in acc], value))
    tap(wait_for(lambda: 'All changes synced' in labels(app), 10), 'nothing is left unsynced')


if __name__ == '__main__':
    sys.exit(main())
