#!/usr/bin/python3
"""GUI walk on an offline store, as a field worker would: the list of accounts, search,
open an account, edit and save it, create a contact. Run under tests/gui/gui-session.

Also checks of defects found in earlier walks (issue 5): at 1000 px the open account (link
buttons, New Email) leaves the list and the form side by side, and the window still folds at
600 px; the new contact's full name is composed as it is typed (the server computes it; the
store never holds ours, so it is never uploaded); the Sync Issues window names records by name,
a record that is gone by a readable label, never by its GUID; the "Changed Here" filter stays
off through the walk.

The app runs with its own temporary XDG_* directories and settings (guilib.keyfile_env); this
script keeps the session's environment (dogtail reads the session's accessibility setting).
Each step saves a screenshot under $OUTPOST_SHOTS (default: the build dir's gui-shots/).
Output is TAP."""
import contextlib, ctypes, json, os, re, shutil, sqlite3, subprocess, sys, time, traceback, uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guilib import (BUILD, BUTTON, Shots, click_settled, db_row, find, find_button, finish, go_back,
                    is_pressed, keyCombo, keyfile_env, labels, make_tmp, press, search, select_entity, set_text, stop, tap,
                    toasts, tree, typeText, wait_for)

shot = Shots(os.path.join(BUILD, 'gui', 'gui-shots', 'offline'))
NAME = 'Account 000042'


def main():
    tmp = make_tmp()
    # This walk is about working with no server: automatic sync (which would try the fixture
    # account's unreachable server and show its progress mid-walk) is off, as a user can set it
    # in Preferences.
    # A manual sync runs in the foreground dialog (cancel_sync).
    env = keyfile_env(tmp, {'auto-sync-after-start': -1, 'auto-sync-delay': -1, 'auto-sync-after-change': -1,
                            'background-sync': 'false'})
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
    try:
        unopenable(env, db)
    except Exception:
        tap(False, 'the unopenable store walk ran to its end', traceback.format_exc())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


def unopenable(env, db):
    """Issue 2 / audit 4 #3: a store written by a newer Outpost (user_version 999) showed the
    plain first-run Welcome page; its message was only in the accessibility tree. The window
    says so where the user looks, offers Try Again, and leaves the file as it is."""
    with contextlib.closing(sqlite3.connect(db, timeout=10)) as c, c:
        c.execute('PRAGMA user_version = 999')
        rows = c.execute('SELECT count(*) FROM e_account').fetchone()[0]
    proc = subprocess.Popen([os.environ['OUTPOST_BIN']], env=env)
    try:
        app = wait_for(lambda: tree.root.application('outpost'), 20)
        title = 'This Account’s Data Cannot Be Opened'
        shown = app is not None and wait_for(
            lambda: title in labels(app) and any('newer version of Outpost' in l for l in labels(app)), 20)
        shot('07-unopenable-store')
        tap(bool(shown), 'a store from a newer version shows the error page with the store\'s message',
            str(labels(app)[:20]) if app is not None else 'no app')
        retry = find_button(app, 'Try Again') if app is not None else None
        tap(retry is not None, 'the error page offers Try Again')
        if retry is not None:
            press(retry)
            time.sleep(1)
            tap(wait_for(lambda: title in labels(app), 10) is not None, 'trying again shows the error again')
        with contextlib.closing(sqlite3.connect(db, timeout=10)) as c:
            after = c.execute('PRAGMA user_version').fetchone()[0], c.execute('SELECT count(*) FROM e_account').fetchone()[0]
        tap(after == (999, rows), 'the file is left as it was', str(after))
    finally:
        stop(proc, 10)


def resize(width, height):
    """Resize the window as a window manager would (there is none in the session): an X
    ConfigureRequest honoured by the X server; GTK lays the window out again."""
    x = ctypes.CDLL('libX11.so.6')
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XResizeWindow.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_uint, ctypes.c_uint]
    x.XFlush.argtypes = x.XCloseDisplay.argtypes = [ctypes.c_void_p]
    tree_text = subprocess.run(['xwininfo', '-root', '-children'], capture_output=True, text=True).stdout
    display = x.XOpenDisplay(None)
    for wid in re.findall(r'(0x[0-9a-f]+) "Outpost"', tree_text):
        x.XResizeWindow(display, int(wid, 16), width, height)
    x.XFlush(display)
    x.XCloseDisplay(display)


def folded(app):
    """The window shows one pane: the form's Back to List button follows the leaflet's folded
    state, and GTK 4.8 leaves a hidden widget out of the accessibility tree (its "showing" state
    is not kept up to date: presence is what tells)."""
    return find(app, BUTTON, 'Back to List') is not None


def side_by_side(app):
    return find(app, BUTTON, 'Back to List') is None and find(app, BUTTON, 'Changed Here') is not None \
        and find(app, 'text', 'Main Phone') is not None


def check_widths(app):
    """Issue 5: the window folded to one pane at 1000 px while an account (e-mail and other link
    buttons, and then a New Email header button) was open: the form's header was too wide for
    three panes; once folded it stayed folded at 1000 px. 600 px folds as it should."""
    ok = wait_for(lambda: side_by_side(app), 5)
    shot('03b-form-1000x700')
    tap(ok, 'at 1000x700 the list and the open account are side by side (not folded)')
    resize(1280, 800)
    ok = wait_for(lambda: side_by_side(app), 5)
    shot('03c-form-1280x800')
    tap(ok, 'at 1280x800 too')
    resize(600, 700)
    ok = wait_for(lambda: folded(app), 5)
    shot('03d-form-600x700')
    tap(ok, 'at 600x700 the window folds to the form, with Back to List')
    resize(1000, 700)
    tap(wait_for(lambda: side_by_side(app), 5), 'back at 1000x700 it unfolds again')


def folded_arrow_keys(app):
    """Audit 4 #10: in a folded window each arrow key in the list opened the record under it
    (the form slid in), so the list could not be browsed by keyboard. Folded, a record opens on
    Enter (or a click) only."""
    # fixed pauses, not waits on the tree: each look for a node that is not there walks the
    # whole tree (seconds on a loaded machine)
    resize(400, 700)
    time.sleep(1)
    keyCombo('<Control>f')
    time.sleep(0.8)
    # Tab reaches the list at its first row: watch that row's few nodes (a walk of the tree,
    # or of the list, after each Tab takes seconds here)
    first = app.findChild(lambda n: n.roleName == 'label' and n.name == 'Pat0 Doe' and inside(n, 'Records'),
                          retry=False, requireResult=False)
    chain = [first, first.parent, first.parent.parent] if first is not None else []
    in_list = None
    for tabs in range(1, 9):
        keyCombo('Tab')
        time.sleep(0.2)
        in_list = next((n for n in chain if n.focused), None)
        if in_list is not None:
            break
    keyCombo('Down')
    keyCombo('Down')
    time.sleep(1.5)
    shot('04b-folded-arrow-keys')
    shown = labels(app)
    # the form's header names the open record's kind ("Account"); an empty form has none (its
    # hidden pages stay in GTK 4.8's accessibility tree, so the record's name alone does not tell)
    tap('Account' not in shown, 'the account\'s form closed when Contacts was selected (audit 4 #15)')
    # an open contact's name is in the list and in the form's heading
    names = [l for l in shown if l.startswith('Pat') and l.endswith(' Doe')]
    twice = [n for n in set(names) if names.count(n) >= 2]
    tap(in_list is not None and names and not twice,
        'folded, arrow keys move in the list without opening a record',
        'focus in list: %s (%d Tabs), open: %s' % (in_list is not None, tabs, twice))
    keyCombo('Return')
    def opened():
        names = [l for l in labels(app) if l.startswith('Pat') and l.endswith(' Doe')]
        return [n for n in set(names) if names.count(n) >= 2]
    shown = wait_for(opened, 5)
    shot('04c-folded-enter')
    tap(bool(shown), 'folded, Enter opens the record', str(shown))
    go_back(app, ('Back to List',))
    resize(1000, 700)
    time.sleep(1)


def changed_here_off(app, step):
    toggle = find(app, BUTTON, 'Changed Here')
    tap(toggle is not None and not is_pressed(toggle), 'the "Changed Here" filter is still off (%s)' % step)


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
    toggle = search_then_escape(app)
    search(app, NAME)
    found = wait_for(lambda: NAME in labels(app) and 'Account 000000' not in labels(app), 10)
    shot('02-search')
    tap(bool(found), 'searching narrows the list to the match', str(labels(app)[:20]))
    tap(toggle is not None and is_pressed(toggle), 'after Escape, Ctrl+F shows the search bar again (toggle pressed)')

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
    check_widths(app)

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
    changed_here_off(app, 'after the save')
    select_entity(app, 'Contacts', 15)
    wait_for(lambda: 'Pat0 Doe' in labels(app), 10)
    changed_here_off(app, 'after selecting Contacts')
    folded_arrow_keys(app)
    keyCombo('<Control>n')
    # The full name is the server's (read-only): the form composes it as the names are typed.
    set_text(app, 'First Name', 'Quinn', save=False, timeout=15)
    set_text(app, 'Last Name', 'Tester', save=False, timeout=15)
    composed = wait_for(lambda: labels(app).count('Quinn Tester') >= 2, 10)
    shot('05-new-contact-typed')
    tap(bool(composed), 'the new contact\'s Full Name and heading follow the typed names before saving',
        str(labels(app)[-40:]))
    keyCombo('<Control>s')
    created = wait_for(lambda: db_row(
        db, "SELECT count(*) FROM e_contact WHERE lastname = 'Tester' AND __state = 1")[0] == 1, 20)
    shot('05-new-contact')
    tap(bool(created), 'the new contact is in the store, created here')
    stored = db_row(db, "SELECT firstname, fullname FROM e_contact WHERE lastname = 'Tester'")
    fields = db_row(db, "SELECT fields FROM outpost_journal WHERE entity = 'contact'")
    tap(stored == ('Quinn', None) and fields is not None and 'fullname' not in json.loads(fields[0] or '{}'),
        'the full name is neither stored nor journaled for upload (the server computes it)',
        '%s / %s' % (stored, fields))
    in_list = wait_for(lambda: app.findChild(lambda n: n.roleName == 'label' and n.name == 'Quinn Tester'
                                             and inside(n, 'Records'), retry=False, requireResult=False), 10)
    tap(in_list is not None, 'the list shows the new contact\'s composed full name at once')
    changed_here_off(app, 'after creating the contact')

    issues(app, db)
    cancel_sync(app)
    sync_failed(app)


def sync_failed(app):
    """Audit 4 #9: after failed syncs the sidebar still said "All changes synced". The fixture's
    server refuses connections: once the retries are spent the sync fails, and the sidebar says
    so (the reason is in its tooltip)."""
    keyCombo('F5')
    wait_for(lambda: any('failed' in t for t in toasts(app)), 40, 0.5)
    failed = wait_for(lambda: sync_state(app, 'Last sync failed'), 10, 0.5)
    shot('09-sync-failed')
    tap(failed is not None, 'after a failed sync the sidebar says the last sync failed')


def cancel_sync(app):
    """Audit 4 #12: cancelling the foreground sync said "Synchronization failed: Synchronization
    was cancelled". The fixture's server (port 9) refuses connections: the engine retries with
    back-off (seconds), time enough to cancel."""
    keyCombo('F5')
    dialog = wait_for(lambda: next((w for w in app.children if w.roleName in ('dialog', 'alert')
                                    or w.name == 'Synchronizing'), None), 5, 0.1)
    keyCombo('Escape')
    seen = set()
    def said():
        seen.update(toasts(app))
        return any('cancelled' in t for t in seen)
    wait_for(said, 10, 0.2)
    shot('08-sync-cancelled')
    tap(bool(dialog) and 'Synchronization cancelled' in seen and not [t for t in seen if 'failed' in t],
        'cancelling the sync says it was cancelled, not that it failed', str(seen))


def search_then_escape(app):
    """Audit 4 #4: Escape hid the search bar but left the Search toggle pressed; Ctrl+F then
    focused the hidden entry and typing filtered the list invisibly. Escape releases the toggle
    and clears the search (a hidden bar never filters); the next search shows the bar (checked
    by the caller)."""
    toggle = find(app, BUTTON, 'Search')
    # (not guilib.search: its wait for the focused entry walks the whole tree, seconds here)
    keyCombo('<Control>f')
    time.sleep(0.8)
    typeText('zq')
    wait_for(lambda: 'Account 000000' not in labels(app), 10)
    keyCombo('Escape')
    cleared = wait_for(lambda: 'Account 000000' in labels(app) and not is_pressed(toggle), 10)
    shot('02a-search-escaped')
    tap(bool(cleared), 'Escape hides the search, releases the Search toggle and unfilters the list',
        'pressed: %s' % (toggle is not None and is_pressed(toggle)))
    return toggle


def inside(node, name, depth=8):
    for _ in range(depth):
        node = node.parent
        if node is None:
            return False
        if node.name == name:
            return True
    return False


def issues(app, db):
    """Sync Issues names the records: a sync error of Account 000042 and a conflict of a contact
    that is no longer in the store (written as a sync would)."""
    acc = db_row(db, 'SELECT __id FROM e_account WHERE name = ?', NAME)[0]
    gone = str(uuid.uuid4())
    now = int(time.time())
    with contextlib.closing(sqlite3.connect(db, timeout=10)) as c, c:
        c.execute("INSERT INTO outpost_sync_error (journal_seq, entity, record_id, message, at)"
                  " VALUES (NULL, 'account', ?, 'The server refused the change (test).', ?)", (acc, now))
        c.execute("INSERT INTO outpost_conflict (entity, record_id, local, server, base, server_etag, at)"
                  " VALUES ('contact', ?, '{\"telephone1\": \"1\"}', '{\"telephone1\": \"2\"}', '{}',"
                  " 'W/\"9\"', ?)", (gone, now))
    # the sidebar's sync state button (named after the state it shows) opens Sync Issues
    button = wait_for(lambda: find(app, BUTTON, 'Sync State') or app.findChild(
        lambda n: n.roleName in BUTTON and ('unsynced change' in n.name or 'to resolve' in n.name),
        retry=False, requireResult=False), 10)
    if button is not None:
        press(button)
    want = ('%s — Account' % NAME, '(deleted contact) — Contact')
    # a new window: read the application's tree afresh
    shown = wait_for(lambda: all(w in labels(tree.root.application('outpost')) for w in want), 15)
    texts = labels(tree.root.application('outpost'))
    shot('06-sync-issues')
    tap(bool(shown), 'Sync Issues names the record and its kind, and a gone record readably',
        str([t for t in texts if '—' in t]))
    tap(not [t for t in texts if acc in t or gone in t], 'no GUID is shown',
        str([t for t in texts if acc in t or gone in t]))
    for w in tree.root.application('outpost').findChildren(lambda n: n.roleName == 'frame' and n.name == 'Sync Issues'):
        button = w.findChild(lambda n: n.roleName in BUTTON and n.name == 'Close', retry=False, requireResult=False)
        if button is not None:
            press(button)
    sync_state_names_issues(app)


def sync_state(app, text):
    """The sidebar's sync state button when it says @text (the sidebar comes early in the tree:
    a search that finds it stops there)."""
    return app.findChild(lambda n: n.roleName in BUTTON and n.name == text, retry=False, requireResult=False)


def sync_state_names_issues(app):
    """Audit 4 #9: the sidebar's sync state never mentioned conflicts or errors, and long texts
    widened the sidebar. With a conflict and an error waiting it says so (checked once Sync
    Issues is closed, which recounts), in a line that keeps the sidebar's width."""
    state = wait_for(lambda: sync_state(app, '2 sync issues to resolve'), 10, 0.5)
    shot('06b-sync-state-issues')
    tap(state is not None, 'the sidebar says that sync issues wait')
    width = state.size[0] if state is not None else -1
    tap(0 < width <= 240, 'the sync state keeps the sidebar narrow', 'width %d' % width)


if __name__ == '__main__':
    sys.exit(main())
