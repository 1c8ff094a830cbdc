#!/usr/bin/python3
"""GUI walk on an offline store, as a field worker would: the list of accounts, search,
open an account, edit and save it, create a contact. Run under tests/gui/gui-session.

The app runs with its own temporary XDG_* directories and settings (guilib.keyfile_env); this
script keeps the session's environment (dogtail reads the session's accessibility setting).
Each step saves a screenshot under $OUTPOST_SHOTS (default: the build dir's gui-shots/).
Output is TAP."""
import os, shutil, subprocess, sys, traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guilib import (BUILD, Shots, click_settled, db_row, find, finish, keyCombo, keyfile_env, labels, make_tmp,
                    search, select_entity, set_text, stop, tap, tree, typeText, wait_for)

shot = Shots(os.path.join(BUILD, 'gui', 'gui-shots', 'offline'))
NAME = 'Account 000042'


def main():
    tmp = make_tmp()
    # This walk is about working with no server: automatic sync (which would try the fixture
    # account's unreachable server and show its progress mid-walk) is off, as a user can set it
    # in Preferences.
    env = keyfile_env(tmp, {'auto-sync-after-start': -1, 'auto-sync-delay': -1, 'auto-sync-after-change': -1})
    subprocess.run([os.path.join(BUILD, 'gui', 'outpost-fill-store'), 'fixture', '3000'], env=env, check=True)
    db = os.path.join(tmp, 'data', 'outpost', 'fixture', 'outpost.db')
    proc = subprocess.Popen([os.environ['OUTPOST_BIN']], env=env)
    try:
        walk(db)
    except Exception:
        tap(False, 'the walk ran to its end', traceback.format_exc())
    finally:
        code = stop(proc, 10)
        tap(code == 0, 'the app quits cleanly on SIGTERM', 'exit status %s' % code)
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


def account(db):
    return db_row(db, 'SELECT telephone1, __state FROM e_account WHERE name = ?', NAME)


def walk(db):
    app = wait_for(lambda: tree.root.application('outpost'), 20)
    if not tap(app is not None, 'the window appears in the accessibility tree'):
        return
    first = wait_for(lambda: 'Account 000000' in labels(app), 15)
    shot('01-list')
    tap(bool(first), 'the account list shows its first page')
    tap('3000' in labels(app), 'the sidebar counts 3000 accounts')
    tap(wait_for(lambda: 'All changes synced' in labels(app)) is not None, 'nothing unsynced yet')

    # Search as you type (Ctrl+F focuses the search entry).
    search(app, NAME)
    found = wait_for(lambda: NAME in labels(app) and 'Account 000000' not in labels(app), 10)
    shot('02-search')
    tap(bool(found), 'searching narrows the list to the match', str(labels(app)[:20]))

    # Open the record.
    cell = app.findChild(lambda n: n.roleName == 'label' and n.name == NAME, retry=True, requireResult=False)
    if cell is not None:
        click_settled(cell)
    # The welcome page has an "Account Name" entry too: take the form's, which holds the name.
    # GTK 4.8 does not expose an entry's text over AT-SPI: the form's title and its sync
    # state show that the record is open.
    entry = wait_for(lambda: labels(app).count(NAME) >= 2 and 'Synced' in labels(app), 10)
    phone = wait_for(lambda: find(app, 'text', 'Main Phone'), 5)
    shot('03-form')
    tap(bool(entry), 'the form shows the account', str(labels(app)[:40]))

    # Edit and save offline.
    if phone is not None and click_settled(phone):
        keyCombo('<Control>a')
        typeText('+1 555 9999')
        keyCombo('<Control>s')
    saved = wait_for(lambda: account(db) == ('+1 555 9999', 2), 10)
    tap(bool(saved), 'the change is in the store, marked changed here', str(account(db)))
    journal = db_row(db, "SELECT count(*) FROM outpost_journal WHERE entity = 'account'")[0]
    tap(journal == 1, 'one journal entry waits for upload', 'journal: %d' % journal)
    state = wait_for(lambda: 'Changed here' in labels(app) and '1 unsynced change' in labels(app), 10)
    shot('04-saved')
    tap(bool(state), 'the form and the sidebar show the unsynced change', str(labels(app)[:40]))

    # A new contact (select_entity clears the search first: it applies to every list; on a
    # folded window it goes back to the sidebar). Generous waits: the accessibility tree is slow
    # to answer on a loaded machine.
    select_entity(app, 'Contacts', 15)
    wait_for(lambda: 'Pat0 Doe' in labels(app), 10)
    keyCombo('<Control>n')
    set_text(app, 'Last Name', 'Tester', timeout=15)
    created = wait_for(lambda: db_row(
        db, "SELECT count(*) FROM e_contact WHERE lastname = 'Tester' AND __state = 1")[0] == 1, 20)
    shot('05-new-contact')
    tap(bool(created), 'the new contact is in the store, created here')


if __name__ == '__main__':
    sys.exit(main())
