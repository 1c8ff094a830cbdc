#!/usr/bin/python3
"""GUI test for automatic sync as the window shows it (issue 6): the "Work Offline" toggle in
the sidebar (bound to the work-offline setting) pauses automatic sync, and the sidebar says why
automatic sync is blocked; turning it off again clears the reason. Then the keyboard shortcuts
window (Ctrl+?). A store filled offline (no
server needed: the scheduler only decides, and nothing becomes due within the test).
Run under tests/gui/gui-session; output is TAP; screenshots go to $OUTPOST_SHOTS."""
import os, shutil, subprocess, sys, traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guilib import (BUILD, BUTTON, Shots, app_env, find_button, finish, is_pressed as is_on, labels, make_tmp,
                    stop, tap, tree, wait_for)
from dogtail.rawinput import keyCombo

shot = Shots(os.path.join(BUILD, 'gui', 'gui-shots', 'auto-sync'))
PAUSED = 'Automatic sync is paused while you work offline'


def toggle(app):
    return app.findChild(lambda n: n.roleName in BUTTON and n.name == 'Work Offline',
                         retry=False, requireResult=False)


def paused(app):
    return [l for l in labels(app) if PAUSED in l]


def walk(app):
    button = wait_for(lambda: toggle(app), 20)
    if not tap(button is not None, 'the sidebar has a "Work Offline" toggle with that accessible name'):
        return
    wait_for(lambda: '50 records' in labels(app), 10)
    tap(not is_on(button) and not paused(app), 'at start the app is not working offline and nothing says so')
    button.click()
    reason = wait_for(lambda: paused(app), 10)
    shot('01-work-offline')
    tap(reason, 'Work Offline on: the sidebar says automatic sync is paused and how to resume',
        str(labels(app)[-12:]))
    tap(wait_for(lambda: is_on(toggle(app)), 5), 'the toggle shows it is on')
    toggle(app).click()
    # Going online, the default going-online-mode may ask whether to synchronize now: answer
    # "Not Now" if it does. (Not asserted: the question came in a manual run but not under
    # `meson test` on a loaded machine; see the ui3 report.)
    ask = wait_for(lambda: app.findChild(lambda n: n.roleName == 'label' and n.name == 'Back Online',
                                         retry=False, requireResult=False), 10)
    shot('02-back-online')
    later = ask and wait_for(lambda: find_button(app, 'Not Now'), 10)
    if later:
        later.click()
    cleared = wait_for(lambda: not paused(app), 10)
    shot('03-online')
    tap(cleared, 'Work Offline off: the reason goes away', str(labels(app)[-12:]))
    tap(wait_for(lambda: not is_on(toggle(app)), 5), 'the toggle shows it is off')
    shortcuts_window(app)


def shortcuts(app):
    return app.findChild(lambda n: n.roleName in ('frame', 'window', 'dialog') and n.name == 'Shortcuts'
                         or n.roleName == 'label' and n.name == 'Synchronize',
                         retry=False, requireResult=False)


def shortcuts_window(app):
    """Ctrl+? opens the keyboard shortcuts window (the main menu's "Keyboard Shortcuts" item was
    greyed out while the app had no gtk/help-overlay.ui); Escape closes it."""
    keyCombo('<Control><Shift>question')
    shown = wait_for(lambda: shortcuts(app), 10)
    shot('04-keyboard-shortcuts')
    names = labels(app)
    tap(shown and 'Synchronize' in names and 'Save the record' in names,
        'Ctrl+? shows the keyboard shortcuts (Synchronize, Save the record)', str(names[-20:]))
    keyCombo('Escape')
    tap(wait_for(lambda: not shortcuts(app), 10), 'Escape closes the shortcuts window')


def main():
    tmp = make_tmp()
    env = app_env(tmp)
    subprocess.run([os.path.join(BUILD, 'gui', 'outpost-fill-store'), 'fixture', '50'], env=env, check=True)
    proc = subprocess.Popen([os.environ['OUTPOST_BIN']], env=env)
    try:
        app = wait_for(lambda: tree.root.application('outpost'), 30)
        if tap(app is not None, 'the window appears in the accessibility tree'):
            walk(app)
    except Exception:
        tap(False, 'the test ran to its end', traceback.format_exc())
    finally:
        code = stop(proc, 30)
        tap(code == 0, 'the app quits cleanly on SIGTERM', 'exit status %s' % code)
        shutil.rmtree(tmp, ignore_errors=True)
    return finish()


if __name__ == '__main__':
    sys.exit(main())
