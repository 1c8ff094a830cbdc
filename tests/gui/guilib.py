"""Shared helpers for the GUI walks (run under tests/gui/gui-session): TAP output, screenshots,
waiting on the accessibility tree, a temporary home for the app under test, the admin endpoint
of outpost-server.

dogtail chats on stdout, and the bus daemons may too: TAP goes to a private copy of the
original stdout and everything else written to fd 1 goes to stderr."""
import contextlib, fcntl, json, os, re, sqlite3, struct, subprocess, sys, tempfile, threading, time, urllib.request

_tap = os.fdopen(os.dup(1), 'w')
os.dup2(2, 1)
sys.stdout = sys.stderr

with contextlib.redirect_stdout(sys.stderr):
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
SERVER = os.environ.get('OUTPOST_SERVER', '')
SCHEMAS = os.environ['GSETTINGS_SCHEMA_DIR_FOR_APP']

results = []


def tap(ok, name, detail=''):
    results.append(bool(ok))
    _tap.write(('ok' if ok else 'not ok') + ' %d - %s\n' % (len(results), name))
    if detail and not ok:
        _tap.write('# ' + str(detail).replace('\n', '\n# ') + '\n')
    _tap.flush()
    return ok


def finish():
    _tap.write('1..%d\n' % len(results))
    _tap.flush()
    return 0 if results and all(results) else 1


class Shots:
    def __init__(self, default_dir):
        self.dir = os.environ.get('OUTPOST_SHOTS', default_dir)

    def __call__(self, name):
        os.makedirs(self.dir, exist_ok=True)
        subprocess.run(['gui-shot', os.path.join(self.dir, name + '.png')], check=False)


def wait_for(pred, timeout=10.0, step=0.2):
    end = time.time() + timeout
    while True:
        try:
            value = pred()
            if value:
                return value
        except Exception:
            pass
        if time.time() >= end:
            return None
        time.sleep(step)


def labels(app, attempts=3):
    """The names of every label. A label that goes away while the tree is read (a toast, a
    list row being recycled) makes AT-SPI raise: read the tree again."""
    for attempt in range(attempts):
        try:
            return [n.name for n in app.findChildren(lambda n: n.roleName == 'label')]
        except Exception:
            if attempt + 1 == attempts:
                raise
            time.sleep(0.2)


def find(app, role, name):
    roles = role if isinstance(role, tuple) else (role,)
    return app.findChild(lambda n: n.roleName in roles and n.name == name, retry=False, requireResult=False)


def find_prefix(app, role, prefix):
    roles = role if isinstance(role, tuple) else (role,)
    return app.findChild(lambda n: n.roleName in roles and n.name.startswith(prefix),
                         retry=False, requireResult=False)


BUTTON = ('push button', 'button', 'toggle button')


def find_button(app, text):
    """A button whose name holds @text (GTK 4.8 names mnemonic buttons "_Label Label")."""
    return app.findChild(lambda n: n.roleName in BUTTON and text in n.name.replace('_', ''),
                         retry=False, requireResult=False)


SOURCE = os.environ.get('OUTPOST_SOURCE_DIR', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))


def app_env(tmp, **extra):
    """The app's environment: its own XDG homes and settings; the source tree's data/ first in
    XDG_DATA_DIRS, so the icon theme finds the app icon as it would once installed (the welcome
    page shows it; uninstalled it is the missing-image icon)."""
    data_dirs = os.environ.get('XDG_DATA_DIRS') or '/usr/local/share:/usr/share'
    env = dict(os.environ, XDG_DATA_HOME=tmp + '/data', XDG_CONFIG_HOME=tmp + '/config',
               XDG_CACHE_HOME=tmp + '/cache', GSETTINGS_BACKEND='memory',
               GSETTINGS_SCHEMA_DIR=SCHEMAS, XDG_DATA_DIRS=os.path.join(SOURCE, 'data') + ':' + data_dirs)
    env.update(extra)
    return env


def make_tmp():
    return tempfile.mkdtemp(prefix='outpost-gui-')


def stop(proc, timeout=15):
    """SIGTERM, as a session manager would; the exit status (0 = clean)."""
    proc.terminate()
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return -9


def admin(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base.rstrip('/') + path, data=data, method=method,
                                 headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(req, timeout=10) as r:
        text = r.read().decode()
        return json.loads(text) if text else None


def db_row(db, sql, *args):
    """One row of the app's store (a second connection: WAL readers never block its writers)."""
    with contextlib.closing(sqlite3.connect(db, timeout=10)) as c:
        return c.execute(sql, args).fetchone()


def keyfile_env(tmp, settings, **extra):
    """app_env with the keyfile settings backend holding @settings (key -> GVariant text) of the
    app's schema, for settings a test needs before the app starts (e.g. automatic sync off)."""
    folder = os.path.join(tmp, 'config', 'glib-2.0', 'settings')
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, 'keyfile'), 'w') as f:
        f.write('[io/github/outpostcrm/Outpost]\n')
        f.writelines('%s=%s\n' % kv for kv in settings.items())
    return app_env(tmp, GSETTINGS_BACKEND='keyfile', **extra)


def is_pressed(node):
    """GTK 4 exposes a toggle button's state as "pressed" (AT-SPI), not "checked"."""
    import pyatspi
    states = node.getState()
    return states.contains(pyatspi.STATE_PRESSED) or states.contains(pyatspi.STATE_CHECKED)


def focused_text(app):
    return app.findChild(lambda n: n.roleName == 'text' and n.focused, retry=False, requireResult=False)


def search(app, text):
    """Ctrl+F, then type @text over what the search entry held. The search bar slides in: type
    only once its entry has the focus, or the first key is lost."""
    keyCombo('<Control>f')
    wait_for(lambda: focused_text(app), 10)
    time.sleep(0.3)
    keyCombo('<Control>a')
    if text:
        typeText(text)
    else:
        keyCombo('BackSpace')


def record_count(app):
    """The list header's "N records" subtitle(s)."""
    return [l for l in labels(app) if l.endswith(' records') or l.endswith(' record')]


def showing(node):
    import pyatspi
    return node is not None and node.getState().contains(pyatspi.STATE_SHOWING)


def press(node):
    """Press a button through its accessible action (no pointer: see go_back), else a click."""
    try:
        action = node.queryAction()
        names = [action.getName(i) for i in range(action.nActions)]
        for name in ('click', 'activate', 'press'):
            if name in names:
                return action.doAction(names.index(name))
    except Exception:
        pass
    return click_settled(node)


def go_back(app, names=('Back to List', 'Back')):
    """In a folded window (AdwLeaflet: one pane at a time on a narrow screen) press the header's
    back buttons that are shown, as a user would to reach the list or the sidebar. Pointer clicks
    go to screen coordinates GTK 4.8 does not report (they land on whatever is there): use the
    buttons' actions."""
    for name in names:
        button = app.findChild(lambda n: n.roleName in BUTTON and n.name == name and showing(n),
                               retry=False, requireResult=False)
        if button is not None:
            press(button)
            time.sleep(0.5)


def click_settled(node, timeout=5):
    """Click a node once it stays where it is (a folded window slides its panes in: a click
    computed mid-slide lands on the pane going away); true if it was clicked."""
    import pyatspi
    def settled():
        a = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        time.sleep(0.3)
        b = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        return a.width > 0 and (a.x, a.y, a.width, a.height) == (b.x, b.y, b.width, b.height)
    if not wait_for(settled, timeout, 0.1):
        return False
    node.click()
    return True


FILTERS = ('Changed Here', 'Errors & Conflicts')


def clear_filters(app):
    """Turn the list's filter toggles off. A click computed while a folded window slides its
    panes can land on one (the list pane is where the form is going to be): the walk needs the
    whole list. Says so on stderr when it had to."""
    for name in FILTERS:
        toggle = app.findChild(lambda n: n.roleName in BUTTON and n.name == name, retry=False, requireResult=False)
        if toggle is not None and is_pressed(toggle):
            print('# the "%s" filter was on: turned off' % name, file=sys.stderr)
            press(toggle)


def open_record(app, query, name, timeout=10):
    """Search for @query, click the list cell @name; true once the form shows it (its title
    repeats the name: GTK 4.8 does not expose an entry's text over AT-SPI)."""
    go_back(app, ('Back to List',))
    clear_filters(app)
    search(app, query)
    wait_for(lambda: name in labels(app), timeout)
    cell = wait_for(lambda: app.findChild(lambda n: n.roleName == 'label' and n.name == name,
                                          retry=False, requireResult=False), timeout)
    if cell is not None:
        click_settled(cell)
    return wait_for(lambda: labels(app).count(name) >= 2, timeout)


def set_text(app, field, value, save=True, timeout=10):
    """Click the form's entry @field, replace its text with @value, Ctrl+S unless not @save."""
    entry = wait_for(lambda: find(app, 'text', field), timeout)
    if entry is None or not click_settled(entry):
        return False
    keyCombo('<Control>a')
    typeText(value)
    if save:
        keyCombo('<Control>s')
    return True


def select_entity(app, plural, timeout=10):
    """Clear the search, select the sidebar row @plural; true once its list counts its rows."""
    search(app, '')
    go_back(app)
    row = wait_for(lambda: find(app, 'list item', plural), timeout)
    if row is not None:
        # GtkListBox offers AT-SPI selection: select the row as a screen reader would (a
        # pointer click may land while the list beside it relayouts).
        try:
            row.select()
        except Exception:
            click_settled(row)
    return wait_for(lambda: find(app, 'label', plural) and record_count(app), timeout)


def toasts(app):
    """The texts of the toasts shown now. A whole-tree search takes seconds on a loaded machine
    (each node is a D-Bus call) and a toast goes after a few: look only where toasts are, beside
    the window's content in its AdwToastOverlay (GTK 4.8 names the toast "AdwToastWidget")."""
    out, level = [], list(app.children)
    for _ in range(5):
        nxt = []
        for node in level:
            try:
                if node.name == 'AdwToastWidget':
                    out.extend(n.name for n in node.findChildren(lambda n: n.roleName == 'label'))
                elif node.childCount <= 2:    # the window's chain of bins; not the content's stack
                    nxt.extend(node.children)
            except Exception:
                pass      # gone while read
        level = nxt
    return out


SYNCING = 'Synchronizing…'


def sync_and_wait(app, timeout=120):
    """F5, then wait until the header's progress is gone."""
    keyCombo('F5')
    wait_for(lambda: SYNCING in labels(app), 5, 0.1)
    return wait_for(lambda: SYNCING not in labels(app), timeout, 0.5)


class WriteLockProbe:
    """Whether some connection holds the write lock of a SQLite database in WAL mode, seen from
    outside without taking any lock: the unix VFS holds a POSIX write lock on byte 120 of the
    -shm file (WAL_WRITE_LOCK) for as long as a write transaction lasts, and F_GETLK reports a
    conflicting lock of another process (Linux struct flock layout). start() samples it every
    millisecond in a thread and keeps the intervals it was held."""
    SHM_WRITE_LOCK = 120
    FLOCK = 'hh4xqqi4x'

    def __init__(self, db):
        self.shm = db + '-shm'
        self.fd = None
        self.intervals = []      # (taken, released), time.monotonic()
        self.since = None        # held since, or None
        self._stop = threading.Event()
        self._thread = None

    def held(self):
        if self.fd is None:
            try:
                self.fd = os.open(self.shm, os.O_RDONLY)
            except OSError:
                return False
        req = struct.pack(self.FLOCK, fcntl.F_WRLCK, os.SEEK_SET, self.SHM_WRITE_LOCK, 1, 0)
        return struct.unpack(self.FLOCK, fcntl.fcntl(self.fd, fcntl.F_GETLK, req))[0] != fcntl.F_UNLCK

    def _run(self):
        while not self._stop.is_set():
            held, now = self.held(), time.monotonic()
            if held and self.since is None:
                self.since = now
            elif not held and self.since is not None:
                self.intervals.append((self.since, now))
                self.since = None
            time.sleep(0.001)

    def start(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def wait_held(self, least, timeout):
        """Wait until a write transaction has held the lock for @least seconds; when it was
        taken, or None."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            since = self.since
            if since is not None and time.monotonic() - since >= least:
                return since
            time.sleep(0.001)
        return None

    def hold_around(self, moment):
        """The (taken, released) interval that holds @moment, or None. A writer that waited takes
        the lock within milliseconds of its release: both may show as one interval."""
        spans = list(self.intervals) + ([(self.since, time.monotonic())] if self.since else [])
        return next((s for s in spans if s[0] <= moment < s[1]), None)

    def close(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def screen_pixels(png, step=8):
    """RGB triples of a screenshot on a grid (every @step-th pixel of every @step-th row), without
    the X root window's pure black (the headless session has no desktop: only our windows)."""
    size = subprocess.run(['identify', '-format', '%w %h', png], check=True, capture_output=True,
                          text=True).stdout.split()
    w, h = int(size[0]), int(size[1])
    raw = subprocess.run(['convert', png, '-depth', '8', 'rgb:-'], check=True, capture_output=True).stdout
    out = []
    for y in range(0, h, step):
        row = y * w * 3
        for x in range(0, w, step):
            p = raw[row + x * 3: row + x * 3 + 3]
            if p != b'\0\0\0':
                out.append(tuple(p))
    return out


def luma(rgb):
    r, g, b = rgb
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def window_tone(png):
    """(mean luma 0-255, share of pixels lighter than 200) of the windows on a screenshot."""
    pixels = screen_pixels(png)
    if not pixels:
        return None, None
    lumas = [luma(p) for p in pixels]
    return sum(lumas) / len(lumas), sum(1 for l in lumas if l > 200) / len(lumas)


# Hard-coded colours in a style sheet: hex, rgb()/hsl() functions, and CSS colour keywords that
# are light or dark by themselves. libadwaita's named colours (@window_bg_color, ...) follow
# the style; mixing them (alpha(@x, .5), mix(@a, @b, .3), shade(@x, 1.1)) is fine.
_CSS_COLOUR = re.compile(r'#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?)\s*\(|'
                         r'(?<![@\w-])(?:white|black|gr[ae]y|silver|whitesmoke|gainsboro|snow|ivory)(?![\w-])',
                         re.IGNORECASE)


def hard_coded_colours(css_path):
    """(line number, text) of each hard-coded colour in a style sheet (comments ignored)."""
    text = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'), open(css_path).read(), flags=re.S)
    return [(i + 1, m.group(0)) for i, line in enumerate(text.split('\n')) for m in _CSS_COLOUR.finditer(line)]
