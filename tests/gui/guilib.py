"""Shared helpers for the GUI walks (run under tests/gui/gui-session): TAP output, screenshots,
waiting on the accessibility tree, a temporary home for the app under test, the admin endpoint
of outpost-server.

dogtail chats on stdout, and the bus daemons may too: TAP goes to a private copy of the
original stdout and everything else written to fd 1 goes to stderr."""
import contextlib, json, os, subprocess, sys, tempfile, time, urllib.request

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


def app_env(tmp, **extra):
    env = dict(os.environ, XDG_DATA_HOME=tmp + '/data', XDG_CONFIG_HOME=tmp + '/config',
               XDG_CACHE_HOME=tmp + '/cache', GSETTINGS_BACKEND='memory',
               GSETTINGS_SCHEMA_DIR=SCHEMAS)
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
