#!/usr/bin/python3
"""GUI walk on an offline store, as a field worker would: the list of accounts, search,
open an account, edit and save it, create a contact. Run under tests/gui/gui-session.

The app runs with its own temporary XDG_* directories and the memory settings backend; this
script keeps the session's environment (dogtail reads the session's accessibility setting).
Each step saves a screenshot under $OUTPOST_SHOTS (default: the build dir's gui-shots/).
Output is TAP."""
import contextlib, os, shutil, sqlite3, subprocess, sys, tempfile, time

with contextlib.redirect_stdout(sys.stderr):   # dogtail chats on stdout; stdout is TAP
    from dogtail import tree
    from dogtail.rawinput import keyCombo, typeText
    from dogtail.utils import config

config.searchShowingOnly = False
config.logDebugToStdOut = False
config.logDebugToFile = False
config.defaultDelay = 0.1
config.searchCutoffCount = 10

BUILD = os.environ.get('G_TEST_BUILDDIR', os.path.join(os.path.dirname(__file__), '..', '..', 'build', 'tests'))
OUTPOST = os.environ['OUTPOST_BIN']
FILL = os.path.join(BUILD, 'gui', 'outpost-fill-store')
SHOTS = os.environ.get('OUTPOST_SHOTS', os.path.join(BUILD, 'gui', 'gui-shots', 'offline'))
SCHEMAS = os.environ['GSETTINGS_SCHEMA_DIR_FOR_APP']

results = []


def tap(ok, name, detail=''):
    results.append(ok)
    print(('ok' if ok else 'not ok') + ' %d - %s' % (len(results), name))
    if detail and not ok:
        print('# ' + detail.replace('\n', '\n# '))
    sys.stdout.flush()


def shot(name):
    os.makedirs(SHOTS, exist_ok=True)
    subprocess.run(['gui-shot', os.path.join(SHOTS, name + '.png')], check=False)


def wait_for(pred, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            value = pred()
            if value:
                return value
        except Exception:
            pass
        time.sleep(0.2)
    return None


def labels(app):
    return [n.name for n in app.findChildren(lambda n: n.roleName == 'label')]


def find(app, role, name):
    return app.findChild(lambda n: n.roleName == role and n.name == name, retry=False, requireResult=False)


def main():
    tmp = tempfile.mkdtemp(prefix='outpost-gui-')
    # This walk is about working with no server: automatic sync (which would try the fixture
    # account's unreachable server and show its progress mid-walk) is off, as a user can set it
    # in Preferences. The keyfile backend lets the test set it before the app starts.
    settings = os.path.join(tmp, 'config', 'glib-2.0', 'settings')
    os.makedirs(settings)
    with open(os.path.join(settings, 'keyfile'), 'w') as f:
        f.write('[io/github/outpostcrm/Outpost]\nauto-sync-after-start=-1\n'
                'auto-sync-delay=-1\nauto-sync-after-change=-1\n')
    env = dict(os.environ, XDG_DATA_HOME=tmp + '/data', XDG_CONFIG_HOME=tmp + '/config',
               XDG_CACHE_HOME=tmp + '/cache', GSETTINGS_BACKEND='keyfile',
               GSETTINGS_SCHEMA_DIR=SCHEMAS)
    subprocess.run([FILL, 'fixture', '3000'], env=env, check=True)
    db = os.path.join(tmp, 'data', 'outpost', 'fixture', 'outpost.db')
    proc = subprocess.Popen([OUTPOST], env=env)
    try:
        walk(db)
    except Exception:
        import traceback
        tap(False, 'the walk ran to its end', traceback.format_exc())
    finally:
        proc.terminate()
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = -9
        tap(code == 0, 'the app quits cleanly on SIGTERM', 'exit status %s' % code)
        shutil.rmtree(tmp, ignore_errors=True)
    print('1..%d' % len(results))
    return 0 if all(results) else 1


def walk(db):
    app = wait_for(lambda: tree.root.application('outpost'), 20)
    tap(app is not None, 'the window appears in the accessibility tree')
    if app is None:
        return
    first = wait_for(lambda: 'Account 000000' in labels(app), 15)
    shot('01-list')
    tap(bool(first), 'the account list shows its first page')
    tap('3000' in labels(app), 'the sidebar counts 3000 accounts')
    tap(wait_for(lambda: 'All changes synced' in labels(app)) is not None, 'nothing unsynced yet')

    # Search as you type (Ctrl+F focuses the search entry).
    keyCombo('<Control>f')
    # The search bar slides in: type only once its entry has the focus, or the first key is lost.
    wait_for(lambda: app.findChild(lambda n: n.roleName == 'text' and n.focused, retry=False,
                                   requireResult=False), 10)
    time.sleep(0.5)
    typeText('Account 000042')
    found = wait_for(lambda: 'Account 000042' in labels(app) and 'Account 000000' not in labels(app), 10)
    shot('02-search')
    tap(bool(found), 'searching narrows the list to the match', str(labels(app)[:20]))

    # Open the record.
    cell = app.findChild(lambda n: n.roleName == 'label' and n.name == 'Account 000042',
                         retry=True, requireResult=False)
    if cell is not None:
        cell.click()
    # The welcome page has an "Account Name" entry too: take the form's, which holds the name.
    # GTK 4.8 does not expose an entry's text over AT-SPI: the form's title and its sync
    # state show that the record is open.
    entry = wait_for(lambda: labels(app).count('Account 000042') >= 2 and 'Synced' in labels(app), 10)
    phone = wait_for(lambda: find(app, 'text', 'Main Phone'), 5)
    shot('03-form')
    tap(bool(entry), 'the form shows the account', str(labels(app)[:40]))

    # Edit and save offline.
    if phone is not None:
        phone.click()
        keyCombo('<Control>a')
        typeText('+1 555 9999')
        keyCombo('<Control>s')
    saved = wait_for(lambda: sqlite3.connect(db).execute(
        "SELECT telephone1, __state FROM e_account WHERE name = 'Account 000042'").fetchone() == ('+1 555 9999', 2), 10)
    tap(bool(saved), 'the change is in the store, marked changed here',
        str(sqlite3.connect(db).execute("SELECT telephone1, __state FROM e_account WHERE name = 'Account 000042'").fetchone()))
    journal = sqlite3.connect(db).execute("SELECT count(*) FROM outpost_journal WHERE entity = 'account'").fetchone()[0]
    tap(journal == 1, 'one journal entry waits for upload', 'journal: %d' % journal)
    state = wait_for(lambda: 'Changed here' in labels(app) and '1 unsynced change' in labels(app), 10)
    shot('04-saved')
    tap(bool(state), 'the form and the sidebar show the unsynced change', str(labels(app)[:40]))

    # A new contact (the search is cleared first: it applies to every list).
    keyCombo('<Control>f')
    keyCombo('<Control>a')
    keyCombo('BackSpace')
    # Generous waits: the accessibility tree is slow to answer on a loaded machine.
    contacts = wait_for(lambda: find(app, 'list item', 'Contacts'), 15)
    if contacts is not None:
        contacts.click()
    wait_for(lambda: 'Pat0 Doe' in labels(app), 10)
    keyCombo('<Control>n')
    last = wait_for(lambda: find(app, 'text', 'Last Name'), 15)
    if last is not None:
        last.click()
        typeText('Tester')
        keyCombo('<Control>s')
    created = wait_for(lambda: sqlite3.connect(db).execute(
        "SELECT count(*) FROM e_contact WHERE lastname = 'Tester' AND __state = 1").fetchone()[0] == 1, 20)
    shot('05-new-contact')
    tap(bool(created), 'the new contact is in the store, created here')


if __name__ == '__main__':
    sys.exit(main())
