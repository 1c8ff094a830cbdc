#!/usr/bin/python3
"""GUI test of signing in (issues 5 and 6), as a new user would, against outpost-server
--auth oauth (which speaks Entra ID's device code protocol): first run -> Sign In -> the address
is checked as it is typed (plain http to another computer refused) -> Connect -> the code page
shows the code and the address -> the test approves that code through the server's admin API
(as the user would in a browser) -> the initial sync runs and the window shows the records; the
refresh token is in the Secret Service only. Then the preferences: every sync key changed
through the window and read back from the settings keyfile; with "Ask for credentials at
every synchronization" (sync-login) now on, the next Sync shows the Microsoft sign-in again (a
new code; approved, the sync runs). Then Sign Out from the setup page removes the account's
secrets, and a declined code shows a clear message.

Then user name and password against a second outpost-server --auth basic: a wrong password is
refused on the sign-in page before the account exists; signed in without "Remember Password"
(so sync-login is on), each Sync asks for the password in a dialog naming the account, user and
server; a wrong one brings the dialog back saying it was not accepted, the right one syncs, and
the password is never in the keyring or a file; Cancel leaves no error and automatic sync says
why it is off. Last, Add Account opens a second window at the sign-in form and the new account
opens there while the first window keeps its own. Each part's time goes to stderr.

The Secret Service is a real gnome-keyring started on the session's private bus with a
temporary home, never the user's. Run under tests/gui/gui-session; output is TAP; screenshots
go to $OUTPOST_SHOTS."""
import configparser, os, re, shutil, subprocess, sys, time, traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guilib import (BUILD, BUTTON, Shots, admin, app_env, db_row, finish, is_pressed, keyCombo, make_tmp,
                    stop, tap, toasts, tree, typeText, wait_for)

shot = Shots(os.path.join(BUILD, 'gui', 'gui-shots', 'sign-in'))
CODE = re.compile(r'^[A-Z0-9]{9}$')
GROUP = 'io/github/outpostcrm/Outpost'


def start_keyring(tmp):
    """An unlocked gnome-keyring on this session's bus, its files under @tmp."""
    home = os.path.join(tmp, 'keyring-home')
    os.makedirs(home, mode=0o700)
    env = dict(os.environ, HOME=home, XDG_DATA_HOME=home + '/data', XDG_CONFIG_HOME=home + '/config')
    out = subprocess.run(['gnome-keyring-daemon', '--unlock', '--components=secrets'], input=b'outpost-test',
                         env=env, stdout=subprocess.PIPE, check=True).stdout.decode().replace('\0', '')
    return dict(line.split('=', 1) for line in out.split() if '=' in line)


def secret(account, kind):
    r = subprocess.run(['secret-tool', 'lookup', 'account', account, 'kind', kind],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return r.stdout.decode() if r.returncode == 0 and r.stdout else None


def start_server(tmp):
    p = subprocess.Popen([os.environ['OUTPOST_SERVER'], '--listen', '127.0.0.1:0', '--data', tmp + '/server',
                          '--seed', 'accounts=7,contacts=4', '--auth', 'oauth', '--device-interval', '1'],
                         stdout=subprocess.PIPE)
    return p, p.stdout.readline().decode().strip()


def settings(tmp):
    kf = configparser.ConfigParser(interpolation=None)
    kf.read(os.path.join(tmp, 'config', 'glib-2.0', 'settings', 'keyfile'))
    return kf[GROUP] if kf.has_section(GROUP) else {}


def write_settings(tmp, values):
    path = os.path.join(tmp, 'config', 'glib-2.0', 'settings')
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, 'keyfile'), 'w') as f:
        f.write('[%s]\n' % GROUP + ''.join('%s=%s\n' % kv for kv in values.items()))


def walk_showing(node, pred, out, first=False):
    """Nodes under @node for which @pred holds, never descending into text entries: once the
    code page replaced the sign-in page, reading the children of its entry rows made AT-SPI
    calls time out (GTK 4.8; the whole-tree walks of guilib.labels stalled for minutes)."""
    for child in node.children:
        try:
            if pred(child):
                out.append(child)
                if first:
                    return out
            if child.roleName != 'text':
                walk_showing(child, pred, out, first)
            if first and out:
                return out
        except Exception:
            continue
    return out


def seen(app, pred):
    found = walk_showing(app, pred, [], first=True)
    return found[0] if found else None


def visible_labels(app):
    return [n.name for n in walk_showing(app, lambda n: n.roleName == 'label', [])]


def vfind(app, role, name):
    roles = role if isinstance(role, tuple) else (role,)
    return seen(app, lambda n: n.roleName in roles and n.name == name)


def vbutton(app, text):
    return seen(app, lambda n: n.roleName in BUTTON and text in n.name.replace('_', ''))


def found_in_files(root, needle):
    for d, _, files in os.walk(root):
        for name in files:
            try:
                if needle.encode() in open(os.path.join(d, name), 'rb').read():
                    return os.path.join(d, name)
            except OSError:
                pass
    return None


def code_label(app):
    return seen(app, lambda n: n.roleName == 'label' and CODE.match(n.name or ''))


def type_into(app, name, text):
    entry = wait_for(lambda: vfind(app, 'text', name), 10)
    if entry is None:
        return False
    entry.click()
    keyCombo('<Control>a')
    typeText(text)
    return True


def start_sign_in(app, url):
    button = wait_for(lambda: vbutton(app, 'Sign In to Dataverse'), 20)
    if not tap(button is not None, 'the first-run page offers to sign in to Dataverse'):
        return None
    press(button)
    type_into(app, 'Organization Address', 'http://crm.example.com')
    refused = wait_for(lambda: [l for l in visible_labels(app) if 'must start with https://' in l], 10)
    connect = vbutton(app, 'Connect')
    shot('01-http-refused')
    tap(refused and connect is not None and not connect.sensitive,
        'plain http to another computer is refused as it is typed, and Connect is off',
        str(visible_labels(app)[-8:]))
    type_into(app, 'Organization Address', url)
    tap(wait_for(lambda: vbutton(app, 'Connect').sensitive, 10), 'a loopback http address is accepted')
    shot('02-address')
    press(vbutton(app, 'Connect'))
    code = wait_for(lambda: code_label(app), 20)
    shot('03-code')
    return code


def sign_in(app, base, tmp):
    code = start_sign_in(app, base)
    if not tap(code is not None, 'the code page shows a sign-in code', str(visible_labels(app)[-10:])):
        return False
    address = base + 'devicelogin'
    tap(wait_for(lambda: vfind(app, ('push button', 'link'), address) or address in visible_labels(app), 5),
        'the code page shows the address to open', str(visible_labels(app)[-10:]))
    # Not clicked: nothing in this session reads the clipboard back to check it.
    tap(wait_for(lambda: vbutton(app, 'Copy the Code'), 5), 'the code page has a Copy button')
    tap(wait_for(lambda: 'Waiting for you to sign in…' in visible_labels(app), 5), 'it says it waits for the user')
    time.sleep(1.5)   # a few authorization_pending polls
    result = admin(base, 'POST', '/_admin/device/approve', {'user_code': code.name})
    tap(result == {'ok': True}, 'the code shown is the server\'s pending code (approved through the admin API)')
    landed = wait_for(lambda: '7 records' in visible_labels(app) or any('7 records' in l for l in visible_labels(app)), 60, 0.5)
    shot('04-signed-in')
    tap(landed, 'after the approval the initial sync runs and the window lists the 7 accounts',
        str(visible_labels(app)[-15:]))
    refresh = secret('work', 'refresh-token')
    tap(refresh and len(refresh) > 20, 'the refresh token is in the Secret Service')
    ini = open(os.path.join(tmp, 'data', 'outpost', 'work', 'account.ini')).read()
    tap('Auth=device-code' in ini and 'Authority=' + base.rstrip('/') in ini,
        'account.ini names the sign-in kind and the authority found through the server', ini)
    leak = refresh and (found_in_files(os.path.join(tmp, 'data'), refresh)
                        or found_in_files(os.path.join(tmp, 'config'), refresh))
    tap(refresh and not leak, 'the refresh token is in no file of the data or settings folders', str(leak))
    return bool(landed)


def press(node):
    """The widget's own "click" action (no pointer: it works for a control scrolled out of
    view); the pointer when it has none."""
    try:
        node.doActionNamed('click')
    except Exception:
        node.click()


def switch(app, name):
    return seen(app, lambda n: n.roleName in ('switch', 'toggle button', 'check box') and n.name == name)


def set_spin(app, name, value):
    spin = wait_for(lambda: vfind(app, ('spin button', 'text'), name), 5)
    if spin is None:
        return False
    spin.click()
    keyCombo('<Control>a')
    typeText(str(value))
    keyCombo('Tab')
    return True


def choose(app, row_name, downs):
    """Opens the combo row's list and moves @downs items down from the first with the
    keyboard (the list opens with the first item focused)."""
    row = wait_for(lambda: seen(app, lambda n: n.name == row_name and n.roleName == 'combo box'), 5)
    if row is None:
        return False
    row.click()
    time.sleep(1)
    for _ in range(downs):
        keyCombo('Down')
    keyCombo('Return')
    time.sleep(0.5)
    return True


def preferences(app, tmp, env):
    # app.preferences is exported on the bus (as Ctrl+, and the menu item run it)
    subprocess.run(['gapplication', 'action', 'io.github.outpostcrm.Outpost', 'preferences'], env=env,
                   timeout=30)
    if not tap(wait_for(lambda: switch(app, 'Synchronize Emails When Sending'), 10),
               'the preferences window opens with the sync settings'):
        return
    shot('05-preferences')
    for name in ('After Start', 'Periodically', 'After a Change', 'Synchronize Emails When Sending',
                 'Synchronize in the Background', 'Ask for Credentials at Every Synchronization'):
        tap(switch(app, name) is not None, 'the "%s" switch has that accessible name' % name)
    for name in ('Seconds after start', 'Minutes between synchronizations', 'Minutes after a change'):
        tap(vfind(app, ('spin button', 'text'), name) is not None, 'the spin button "%s" has that name' % name)

    press(switch(app, 'After Start'))                  # -1 -> on: the default, 30 s
    set_spin(app, 'Seconds after start', 45)
    set_spin(app, 'Minutes between synchronizations', 15)
    press(switch(app, 'After a Change'))               # 300 -> off
    press(switch(app, 'Synchronize Emails When Sending'))
    chose_online = choose(app, 'When the Computer Goes Online', 2)      # no-action -> warn
    chose_offline = choose(app, 'When Going Offline', 3)               # warn -> force
    press(switch(app, 'Ask for Credentials at Every Synchronization'))
    background = switch(app, 'Synchronize in the Background')
    time.sleep(1)
    shot('06-preferences-changed')
    s = wait_for(lambda: settings(tmp).get('auto-sync-after-change') == '-1' and settings(tmp), 10)
    s = s or settings(tmp)
    tap(s.get('auto-sync-after-start') == '45', 'after start switched on and set to 45 s -> 45', dict(s))
    tap(s.get('auto-sync-delay') == '900', 'periodically 15 minutes -> 900', dict(s))
    tap(s.get('auto-sync-after-change') == '-1', 'after a change switched off -> -1', dict(s))
    tap(s.get('sync-email-on-send') == 'false', 'email on send off', dict(s))
    tap(chose_online and s.get('going-online-mode') == "'warn-user-must-sync'", 'going online: warn', dict(s))
    tap(chose_offline and s.get('going-offline-mode') == "'force-sync'", 'going offline: force sync', dict(s))
    tap(s.get('sync-login') == 'true', 'ask for credentials at every sync on', dict(s))
    tap(background is not None and not background.sensitive,
        'with sync-login on, the background switch is insensitive')
    keyCombo('Escape')


def oauth_sync_login(app, base, tmp):
    """sync-login is on now (the preferences step): a Microsoft account signs in again at the
    next sync — a window shows a new code; approved, the sync runs."""
    db = os.path.join(tmp, 'data', 'outpost', 'work', 'outpost.db')
    main = app.children[0].name
    runs = succeeded_runs(db)
    keyCombo('F5')
    window = wait_for(lambda: next((w for w in dialogs(app, main) if code_label(w)), None), 20)
    shot('06b-sign-in-at-sync')
    if not tap(window, 'with sync-login on, Sync shows the Microsoft sign-in again with a code',
               str([w.name for w in app.children])):
        return
    code = code_label(window).name
    tap(not wait_for(lambda: succeeded_runs(db) > runs, 1), 'no sync runs before the sign-in')
    tap(admin(base, 'POST', '/_admin/device/approve', {'user_code': code}) == {'ok': True},
        'the code shown is the server\'s new pending code')
    done = wait_for(lambda: succeeded_runs(db) > runs and not dialogs(app, main), 30, 0.5)
    tap(done, 'once approved the window closes and the sync succeeds', 'runs %s -> %s' % (runs, succeeded_runs(db)))


def sign_out(app, tmp):
    ini = os.path.join(tmp, 'data', 'outpost', 'work', 'account.ini')
    menu = wait_for(lambda: vfind(app, BUTTON, 'Main Menu'), 10)
    if not tap(menu is not None, 'the main menu button is there'):
        return False
    # The popover menu's items are not in the AT-SPI tree here (GTK 4.8): the keyboard picks
    # "Account Setup", the third item, as a person using the keyboard would (the menu opens
    # with the first item focused: two steps down; "Add Account…" follows it).
    button = None
    for downs in (2, 3):
        menu.click()
        time.sleep(1)
        for _ in range(downs):
            keyCombo('Down')
        keyCombo('Return')
        button = wait_for(lambda: vbutton(app, 'Delete Data and Sign Out'), 5)
        if button is not None:
            break
        keyCombo('Escape')
    if not tap(button is not None, 'the setup page has Delete Data and Sign Out'):
        return False
    press(button)
    confirm = wait_for(lambda: seen(app, lambda n: n.roleName in BUTTON
                                    and re.match(r'^_?Delete( Delete)?$', n.name or '')), 10)
    shot('07-sign-out')
    if not tap(confirm is not None, 'signing out asks for confirmation'):
        return False
    press(confirm)
    gone = wait_for(lambda: secret('work', 'refresh-token') is None, 10)
    tap(gone, 'signing out removed the refresh token from the Secret Service')
    tap(wait_for(lambda: not os.path.exists(ini), 10), 'signing out removed the account')
    return True


def declined(app, base):
    code = start_sign_in(app, base)
    if not tap(code is not None, 'a second sign-in shows a new code'):
        return
    admin(base, 'POST', '/_admin/device/decline', {'user_code': code.name})
    message = wait_for(lambda: [l for l in visible_labels(app) if 'The sign-in was declined' in l], 15)
    shot('08-declined')
    tap(message, 'a declined code says so clearly on the sign-in page', str(visible_labels(app)[-10:]))
    tap(secret('work', 'refresh-token') is None, 'a declined sign-in saves nothing in the keyring')


BASIC_USER = 'field.agent'
BASIC_PASSWORD = 'Right-Horse-7431'
WRONG_PASSWORD = 'wrong-battery-staple'


def start_basic_server(tmp):
    p = subprocess.Popen([os.environ['OUTPOST_SERVER'], '--listen', '127.0.0.1:0', '--data', tmp + '/server-basic',
                          '--seed', 'accounts=5,contacts=2,leads=2', '--auth', 'basic', '--basic-user', BASIC_USER,
                          '--basic-password', BASIC_PASSWORD], stdout=subprocess.PIPE)
    return p, p.stdout.readline().decode().strip()


def password_entry(app, name='Password'):
    return seen(app, lambda n: n.roleName in ('password text', 'text') and n.name == name)


def type_password(app, text):
    entry = wait_for(lambda: password_entry(app), 10)
    if entry is None:
        return False
    entry.click()
    keyCombo('<Control>a')
    typeText(text)
    return True


def has_label(node, text):
    """Whether a label under @node holds @text (the walk stops at the first one: reading every
    label of a window with a list takes seconds per walk on a loaded machine)."""
    return seen(node, lambda n: n.roleName == 'label' and text in (n.name or '')) is not None


def succeeded_runs(db):
    try:
        return db_row(db, "select count(*) from outpost_sync_run where status = 'succeeded'")[0]
    except Exception:
        return 0


def failed_runs(db):
    try:
        return db_row(db, "select count(*) from outpost_sync_run where status != 'succeeded'")[0]
    except Exception:
        return 0


def form_nodes(node):
    """The sign-in form's controls under @node, found in one walk (each walk of the tree is a
    few seconds on a loaded machine): entries by name, the sign-in method, the Remember
    Password check box and its row, Connect."""
    out = {}

    def pick(n):
        role, name = n.roleName, n.name or ''
        if role in ('text', 'password text'):
            out.setdefault(name, n)
        elif role == 'combo box' and name == 'Sign-in Method':
            out['method'] = n
        elif role == 'check box' and name.startswith('Remember Password'):
            out['remember'] = n
        elif role == 'list item' and name == 'Remember Password':
            out['remember-row'] = n
        elif role in BUTTON and 'Connect' in name.replace('_', ''):
            out['connect'] = n
        return False
    walk_showing(node, pick, [])
    return out


def fill(entry, text):
    if entry is None:
        return False
    entry.click()
    keyCombo('<Control>a')
    typeText(text)
    return True


def fill_basic_form(node, base, name, password, remember):
    """User name and password sign-in: method, address, name, user, password, Remember. The
    credentials appear once the method is chosen (hidden widgets are not in the tree): two
    walks. Returns the form's controls, and whether all were there."""
    method = seen(node, lambda n: n.roleName == 'combo box' and n.name == 'Sign-in Method')
    if method is not None:
        method.click()                   # the list opens with the first item focused
        time.sleep(1)
        keyCombo('Down')
        keyCombo('Return')
        time.sleep(0.5)
    f = form_nodes(node)
    fill(f.get('Organization Address'), base)
    fill(f.get('Account Name'), name)
    fill(f.get('User Name'), BASIC_USER)
    check = f.get('remember')
    if check is not None and is_pressed(check) != remember:
        # no accessible action and no pointer (GTK 4.8 reports no screen coordinates):
        # activating its row toggles it
        press(f.get('remember-row'))
    fill(f.get('Password'), password)
    ok = method is not None and check is not None and is_pressed(check) == remember and 'connect' in f
    return f, ok


def basic_sign_in(app, base, tmp):
    """On the sign-in page (after the declined code): user name and password."""
    ini = os.path.join(tmp, 'data', 'outpost', 'office', 'account.ini')
    clock = Clock()
    f, ok = fill_basic_form(app, base, 'office', WRONG_PASSWORD, False)
    if not tap(ok, 'the form takes user name and password, "Remember Password" unticked', str(sorted(f))):
        return False
    clock('  form filled')
    press(f['connect'])
    refused = wait_for(lambda: has_label(app, 'did not accept this user name and password'), 15)
    shot('09-basic-wrong-password')
    tap(refused, 'a wrong password is refused on the sign-in page', '' if refused else str(visible_labels(app)[-8:]))
    tap(not os.path.exists(ini), 'the refused sign-in saved no account')
    clock('  wrong password refused')
    fill(f.get('Password'), BASIC_PASSWORD)
    press(f['connect'])
    db = os.path.join(tmp, 'data', 'outpost', 'office', 'outpost.db')
    landed = wait_for(lambda: succeeded_runs(db) >= 1, 40, 0.5) and wait_for(lambda: has_label(app, '5 records'), 10)
    clock('  signed in, first sync')
    shot('10-basic-signed-in')
    tap(landed, 'with the right password the account is saved and the first sync lists 5 accounts',
        '' if landed else str(visible_labels(app)[-12:]))
    tap(secret('office', 'password') is None, 'the password was not remembered: it is not in the keyring')
    return bool(landed)


PROMPT_TITLE = 'Password for “office”'


def dialogs(app, main):
    """The app's top-level windows other than the main one (walking only those is fast; the
    main window's list makes a whole-tree walk take seconds)."""
    out = []
    for w in app.children:
        try:
            if w.name != main:
                out.append(w)
        except Exception:
            pass
    return out


def prompt(app, main):
    """The password dialog, or None."""
    for w in dialogs(app, main):
        if seen(w, lambda n: n.roleName == 'label' and n.name == PROMPT_TITLE):
            return w
    return None


def prompt_has(app, main, text):
    w = prompt(app, main)
    return w is not None and any(text in l for l in visible_labels(w))


def answer(dialog, password):
    entry = wait_for(lambda: password_entry(dialog), 5)
    if entry is None:
        return False
    keyCombo('<Control>a')      # the entry has the focus when the dialog opens
    typeText(password)
    keyCombo('Return')
    return True


def basic_api(base, method, path, body=None):
    """The basic server's Web API, as another user signed in there."""
    import base64, json, urllib.request
    token = base64.b64encode(('%s:%s' % (BASIC_USER, BASIC_PASSWORD)).encode()).decode()
    req = urllib.request.Request('%sapi/data/v9.2/%s' % (base, path), method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={'Content-Type': 'application/json', 'Authorization': 'Basic ' + token})
    with urllib.request.urlopen(req, timeout=10) as r:
        text = r.read().decode()
        return json.loads(text) if text else None


def server_link(base):
    """Another user links a lead to an account on the server (accountleads, $ref associate): the
    next sync brings one link and no record down. The link's (account, lead) ids."""
    account = basic_api(base, 'GET', 'accounts?$select=accountid&$top=1')['value'][0]['accountid']
    linked = {v['leadid'] for v in basic_api(base, 'GET', 'accounts(%s)/accountleads_association?$select=leadid'
                                             % account)['value']}
    lead = next(v['leadid'] for v in basic_api(base, 'GET', 'leads?$select=leadid')['value'] if v['leadid'] not in linked)
    basic_api(base, 'POST', 'accounts(%s)/accountleads_association/$ref' % account,
              {'@odata.id': '%sapi/data/v9.2/leads(%s)' % (base, lead)})
    return account, lead


def prompted_sync(app, base, tmp):
    db = os.path.join(tmp, 'data', 'outpost', 'office', 'outpost.db')
    main = app.children[0].name
    runs = succeeded_runs(db)
    keyCombo('F5')
    dialog = wait_for(lambda: prompt(app, main), 10)
    shot('11-password-prompt')
    if not tap(dialog, 'Sync asks for the password in a dialog naming the account',
               str([w.name for w in app.children])):
        return
    texts = visible_labels(dialog)
    tap([t for t in texts if BASIC_USER in t and base.rstrip('/') in t],
        'the dialog names the user and the server', str(texts))
    answer(dialog, WRONG_PASSWORD)
    again = wait_for(lambda: prompt_has(app, main, 'The server did not accept the password'), 20)
    shot('12-password-not-accepted')
    tap(again, 'a wrong password brings the dialog back saying it was not accepted',
        str([visible_labels(w) for w in dialogs(app, main)]))
    tap(not [t for t in toasts(app) if t.startswith('Synchronization failed')],
        'the wrong password is not reported as a failed sync')
    link = server_link(base)      # the sync brings only this link: the toast counts it
    answer(prompt(app, main), BASIC_PASSWORD)
    done = wait_for(lambda: succeeded_runs(db) > runs and prompt(app, main) is None, 30, 0.5)
    said = wait_for(lambda: [t for t in toasts(app) if t.startswith('Synchronized:')], 5, 0.1)
    shot('13-prompted-sync-done')
    tap(done, 'with the right password the sync runs and succeeds', 'runs %s -> %s' % (runs, succeeded_runs(db)))
    stored = db_row(db, 'SELECT count(*) FROM outpost_association WHERE record_id = ? AND related_id = ?', *link)
    last = db_row(db, 'SELECT downloaded FROM outpost_sync_run ORDER BY id DESC LIMIT 1')
    # Nothing but the link changed since the sign-in's sync. That sync's toast ("9 downloaded")
    # may still be up when this one ends: the window replaces it, so the first result toast seen
    # now is this sync's own.
    expected = 'Synchronized: 0 downloaded, 0 uploaded, 1 link added'
    tap(said and expected in said and not [t for t in said if t != expected] and stored and stored[0] == 1
        and last == (0,), 'the toast counts the link the sync brought down, and only that ("%s")' % expected,
        '%s, stored %s, last run downloaded %s' % (said, stored, last))
    tap(secret('office', 'password') is None, 'the password typed at the sync is not in the keyring')
    leak = (found_in_files(os.path.join(tmp, 'data'), BASIC_PASSWORD)
            or found_in_files(os.path.join(tmp, 'config'), BASIC_PASSWORD)
            or found_in_files(os.path.join(tmp, 'data'), WRONG_PASSWORD))
    tap(not leak, 'neither password is in any file of the data or settings folders', str(leak))

    # Cancel: no sync, no error, automatic sync not paused by a failure
    runs, failed = succeeded_runs(db), failed_runs(db)
    keyCombo('F5')
    dialog = wait_for(lambda: prompt(app, main), 10)
    cancel = dialog and vbutton(dialog, 'Cancel')
    if not tap(cancel, 'the next Sync asks again (the password was not kept)'):
        return
    press(cancel)
    gone = wait_for(lambda: prompt(app, main) is None, 10)
    time.sleep(0.5)
    shot('14-prompt-cancelled')
    tap(gone and succeeded_runs(db) == runs and failed_runs(db) == failed,
        'Cancel closes the dialog and runs no sync', 'runs %s, failed %s -> %s' % (runs, failed, failed_runs(db)))
    labels = visible_labels(app)
    tap(not [l for l in labels if 'the last sync failed' in l or l.startswith('Synchronization failed')],
        'a cancelled prompt leaves no error state', str(labels[-10:]))
    tap([l for l in labels if l.startswith('Automatic sync is off because you are asked to sign in at every sync')],
        'the window says why automatic sync is off', str(labels[-10:]))


def add_account(app, base, tmp, env):
    """Add Account (the main menu's item runs app.add-account; its popover is not in the
    accessibility tree here, so the test runs the action over D-Bus): a second window opens at
    the sign-in form; the new account (a Microsoft account on the first server) opens in it,
    the first window keeps its account."""
    before = len(app.children)
    subprocess.run(['gapplication', 'action', 'io.github.outpostcrm.Outpost', 'add-account'], env=env, timeout=30)
    if not tap(wait_for(lambda: len(app.children) > before, 10), 'Add Account opens a second window'):
        return
    w = app.children[-1]
    clock = Clock()
    f = wait_for(lambda: (lambda f: 'Organization Address' in f and f)(form_nodes(w)), 10)
    if not tap(f, 'the new window starts at the sign-in form'):
        return
    fill(f.get('Organization Address'), base)
    fill(f.get('Account Name'), 'second')
    press(f['connect'])
    code = wait_for(lambda: code_label(w), 20)
    clock('  new window, form filled')
    if not tap(code is not None, 'the new window shows a sign-in code'):
        return
    admin(base, 'POST', '/_admin/device/approve', {'user_code': code.name})
    db = os.path.join(tmp, 'data', 'outpost', 'second', 'outpost.db')
    landed = wait_for(lambda: succeeded_runs(db) >= 1, 40, 0.5) and wait_for(lambda: has_label(w, '7 records'), 10)
    clock('  signed in, first sync')
    shot('15-added-account')
    ok = landed and has_label(w, 'second')
    tap(ok, 'the added account opens and syncs in the new window', '' if ok else str(visible_labels(w)[:6]))
    tap(has_label(app.children[0], 'office'), 'the first window still shows its own account')
    tap(secret('second', 'refresh-token') and secret('office', 'password') is None,
        'the added account\'s refresh token is in the keyring, the first account\'s password still is not')


def menu_pick(app, window, downs_tried, done, shot_name=None):
    """Open @window's main menu and pick an item by keyboard, @downs steps below the first (the
    popover's items are not in the AT-SPI tree here, GTK 4.8); the next count in @downs_tried
    until @done() holds. The number of @done's tries that failed, or None if none held."""
    menu = wait_for(lambda: vfind(window, BUTTON, 'Main Menu'), 10)
    if menu is None:
        return None
    for tries, downs in enumerate(downs_tried):
        menu.click()
        time.sleep(1)
        for _ in range(downs):
            keyCombo('Down')
        if shot_name:
            shot(shot_name)
        keyCombo('Return')
        if wait_for(done, 15):
            return tries
        keyCombo('Escape')
    return None


def reopen_account(app, env):
    """The main menu's Accounts section lists the configured accounts (office, second: after
    Sync Issues, Sync Log, Account Setup and Add Account…): with the second window closed, its
    account opens again from the first window's menu in a window of its own; asked for again
    (app.open-account over D-Bus), the window that shows it comes forward, no third opens."""
    second, first = app.children[-1], app.children[0]
    close = wait_for(lambda: vfind(second, BUTTON, 'Close'), 10)
    if not tap(close is not None, 'the second window has a Close button'):
        return
    press(close)
    if not tap(wait_for(lambda: len(app.children) == 1, 10), 'closing the second window leaves one'):
        return
    # "second" is the sixth item: five steps down (six if the menu opens with nothing focused;
    # five then picks "office", which only brings this window forward)
    picked = menu_pick(app, first, (5, 6), lambda: len(app.children) == 2 and has_label(app.children[-1], 'second'),
                       '16-accounts-menu')
    if not tap(picked is not None, 'the main menu\'s "second" item opens a second window'):
        return
    w = app.children[-1]
    ok = wait_for(lambda: has_label(w, 'second') and has_label(w, '7 records'), 20)
    shot('17-reopened-account')
    tap(ok, 'the reopened window shows the account "second" and its 7 records from the store',
        '' if ok else str(visible_labels(w)[:6]))
    tap(has_label(app.children[0], 'office'), 'the first window still shows "office"')
    subprocess.run(['gapplication', 'action', 'io.github.outpostcrm.Outpost', 'open-account', "'second'"],
                   env=env, timeout=30)
    time.sleep(2)
    tap(len(app.children) == 2, 'opening an account a window shows brings that window forward, no new one',
        '%d windows' % len(app.children))


class Clock:
    """How long each part of the walk took (stderr), to keep the test's time in view."""
    def __init__(self):
        self.t = time.monotonic()

    def __call__(self, part):
        now = time.monotonic()
        print('# %s: %.1f s' % (part, now - self.t), file=sys.stderr)
        self.t = now


def walk(app, base, tmp, env):
    clock = Clock()
    from dogtail.config import config
    if not sign_in(app, base, tmp):
        return
    clock('device code sign-in')
    preferences(app, tmp, env)
    clock('preferences')
    oauth_sync_login(app, base, tmp)
    clock('sync-login: the Microsoft sign-in at a sync')
    if not sign_out(app, tmp):
        return
    declined(app, base)
    clock('sign out, declined code')
    basic_server, basic_base = start_basic_server(tmp)
    config.typingDelay = 0.02            # these steps type ~150 characters
    try:
        ok = basic_sign_in(app, basic_base, tmp)
        clock('user name and password sign-in')
        if ok:
            prompted_sync(app, basic_base, tmp)
            clock('the password asked for at a sync')
            add_account(app, base, tmp, env)
            clock('add account')
            reopen_account(app, env)
            clock('reopen an account from the main menu')
    finally:
        stop(basic_server)


def main():
    tmp = make_tmp()
    server = None
    proc = None
    try:
        start_keyring(tmp)
        server, base = start_server(tmp)
        # the start-up sync and the going-online question would race the walk
        write_settings(tmp, {'auto-sync-after-start': '-1', 'going-online-mode': "'no-action'"})
        env = app_env(tmp, GSETTINGS_BACKEND='keyfile')
        proc = subprocess.Popen([os.environ['OUTPOST_BIN']], env=env)
        app = wait_for(lambda: tree.root.application('outpost'), 30)
        if tap(app is not None, 'the window appears in the accessibility tree'):
            walk(app, base, tmp, env)
    except Exception:
        tap(False, 'the test ran to its end', traceback.format_exc())
    finally:
        if proc is not None:
            code = stop(proc, 30)
            tap(code == 0, 'the app quits cleanly on SIGTERM', 'exit status %s' % code)
        if server is not None:
            stop(server)
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == '__main__':
    sys.exit(main())
