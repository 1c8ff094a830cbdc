#!/usr/bin/python3
"""Untrusted text in the window (issue 7): another user puts hostile values on the server —
Pango markup, printf formats, strings at the field's maximum length, bidi overrides, script and
file URLs in the web site, an e-mail address and a phone with markup — `outpost sync` brings them
into the store, the window opens the account, and the accessibility tree must show the raw
strings (markup not interpreted, formats not expanded) while the app keeps running.
Run under tests/gui/gui-session; output is TAP."""
import contextlib, os, subprocess, sys, time, traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import outpost_rel as rel

with contextlib.redirect_stdout(sys.stderr):   # dogtail chats on stdout; stdout is TAP
    from dogtail import tree
    from dogtail.rawinput import keyCombo
    from dogtail.utils import config

config.searchShowingOnly = False
config.logDebugToStdOut = False
config.logDebugToFile = False
config.defaultDelay = 0.1
config.searchCutoffCount = 10

MARKUP = "<b>Bold</b> &amp; <span foreground='red'>x</span>"
FORMATS = '%s%n%x%p %1$s'
RTL = '\u202eevil\u202c gpj.exe \u202dAcme\u202c'
LONG = ('Long ' * 40)[:160]                  # the name's maximum length
HOSTILE = [
    {'name': MARKUP, 'address1_city': '<i>Town</i>', 'telephone1': 'tel:123;ext=<1>',
     'emailaddress1': 'a@b.c?subject=<x>', 'websiteurl': 'javascript:alert(1)',
     'description': '<a href="file:///etc/passwd">click</a> %s'},
    {'name': FORMATS, 'address1_city': '%n%n%n%n', 'telephone1': '%08x%08x',
     'websiteurl': 'file:///etc/passwd', 'description': FORMATS * 100},
    {'name': RTL, 'address1_city': '\u202bcity\u202c', 'emailaddress1': 'x@y.z\u202e',
     'websiteurl': 'data:text/html,<script>alert(1)</script>'},
    {'name': LONG, 'address1_city': 'W' * 80, 'description': 'D' * 2000},
]
results = []


def tap(ok, name, detail=''):
    results.append(bool(ok))
    print(('ok' if ok else 'not ok') + ' %d - %s' % (len(results), name))
    if detail and not ok:
        print('# ' + detail.replace('\n', '\n# '))
    sys.stdout.flush()


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


def texts(app):
    """Names and (where GTK exposes it) contents of every text field."""
    out = {}
    for n in app.findChildren(lambda n: n.roleName == 'text'):
        try:
            out[n.name] = n.text
        except Exception:
            out[n.name] = None
    return out


def go_back(app):
    back = app.findChild(lambda n: n.roleName in ('push button', 'button') and n.name == 'Back'
                         and n.showing, retry=False, requireResult=False)
    if back is not None:
        back.doActionNamed('click')
    else:
        keyCombo('<Alt>Left')
    time.sleep(0.5)


def main():
    root = rel.tmpdir('outpost-untrusted-')
    server = rel.Server(root, 'accounts=1')
    proc = None
    try:
        for values in HOSTILE:
            status, body = server.admin('POST', 'records/accounts', values)
            tap(status in (200, 201), 'the server took hostile record %r' % values['name'][:20], str(body))
        client = rel.Client(root, server, name='hostile')
        p = client.run('sync')
        tap(p.returncode == 0, '`outpost sync` brings the hostile records', p.stderr)
        stored = {r['values'].get('name') for r in client.list('account')}
        tap(all(v['name'] in stored for v in HOSTILE), 'the store keeps every name byte for byte',
            repr(stored))
        env = dict(client.env, GSETTINGS_BACKEND='memory',
                   GSETTINGS_SCHEMA_DIR=os.environ['GSETTINGS_SCHEMA_DIR_FOR_APP'],
                   G_DEBUG='fatal-criticals')
        proc = subprocess.Popen([os.environ['OUTPOST_BIN']], env=env)
        walk(proc)
    except Exception:
        tap(False, 'the test ran to its end', traceback.format_exc())
    finally:
        if proc is not None:
            alive = proc.poll() is None
            tap(alive, 'the app is still running (no crash)', 'exit status %s' % proc.returncode)
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        server.stop()
        rel.rmtree(root)
    print('1..%d' % len(results))
    return 0 if all(results) else 1


def walk(proc):
    app = wait_for(lambda: tree.root.application('outpost'), 20)
    tap(app is not None, 'the window appears in the accessibility tree')
    if app is None:
        return
    shown = wait_for(lambda: all(v['name'] in labels(app) for v in HOSTILE), 20)
    tap(shown, 'the list shows every hostile name as raw text', repr(labels(app)[:40]))
    lab = labels(app)
    tap(not any(s in lab for s in ('Bold & x', 'Bold &amp; x', 'Bold')),
        'no label shows the markup interpreted', repr(lab[:40]))
    for field in ('address1_city', 'telephone1', 'emailaddress1'):
        want = [v[field] for v in HOSTILE if field in v]
        tap(all(w in lab for w in want), 'the list column %s shows the raw values' % field,
            'missing: %r' % [w for w in want if w not in lab])

    # Open the markup account: its title and the form show the raw name.
    cell = app.findChild(lambda n: n.roleName == 'label' and n.name == MARKUP, retry=True,
                         requireResult=False)
    if cell is not None:
        cell.click()
    opened = wait_for(lambda: labels(app).count(MARKUP) >= 2, 10)
    tap(opened, 'the form of the markup account opens with the raw name as its title',
        repr(labels(app)[:40]))
    fields = wait_for(lambda: texts(app) if 'Website' in texts(app) else None, 10) or {}
    form = {k: fields.get(k) for k in ('Account Name', 'Website', 'Main Phone', 'Email', 'City')}
    if not any(form.values()):
        # GTK 4.8 does not expose a GtkText's contents over AT-SPI (see tests/gui): the raw
        # values of the form's entries cannot be read here; the list columns above cover them
        print('# the form\'s text fields expose no contents over AT-SPI: %r' % form)
    else:
        for name, want in (('Website', 'javascript:alert(1)'), ('Main Phone', 'tel:123;ext=<1>'),
                           ('Email', 'a@b.c?subject=<x>')):
            tap(form.get(name) == want, 'the form field %s holds the raw value' % name,
                repr(form))
    tap(proc.poll() is None, 'the app survived opening the form')

    # The printf-format account, the long one and the bidi one (back to the list first when
    # the window is narrow enough to show one pane at a time).
    for name in (FORMATS, LONG, RTL):
        cell = None
        # The accessibility tree is read while the list and form rebuild: a node can vanish
        # between finding and clicking it (AT-SPI "no longer exists"). Try the step again.
        for _ in range(3):
            try:
                go_back(app)
                cell = app.findChild(lambda n, name=name: n.roleName == 'label' and n.name == name,
                                     retry=True, requireResult=False)
                if cell is not None:
                    cell.click()
                break
            except Exception:
                time.sleep(1)
        ok = wait_for(lambda name=name: labels(app).count(name) >= 2, 10)
        tap(ok and proc.poll() is None, 'the form of %r opens with the raw name' % name[:12],
            'cell found: %s; labels: %r' % (cell is not None, [l for l in labels(app) if l in [v['name'] for v in HOSTILE]]))


if __name__ == '__main__':
    sys.exit(main())
