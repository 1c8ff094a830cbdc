#!/usr/bin/env python3
"""Checks of Outpost's packaging files that no stock validator does, as TAP.

Usage: check-packaging.py CHECK [ARGS...]
  manifest FLATPAK_JSON
  icons DESKTOP_FILE METAINFO_FILE INTRO_INSTALLED_JSON SOURCE_ROOT
  dbus DESKTOP_FILE SERVICE_FILE
  schema GSETTINGS SCHEMA_DIR
  potfiles SOURCE_ROOT
"""
import configparser
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

APP_ID = "io.github.outpostcrm.Outpost"
FINISH_ARGS = {"--share=network", "--share=ipc", "--socket=wayland",
               "--socket=fallback-x11", "--device=dri"}
SVG_NS = "{http://www.w3.org/2000/svg}"


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, detail=""):
        self.n += 1
        if not cond:
            self.failed += 1
        print(("ok" if cond else "not ok") + f" {self.n} - {name}")
        if not cond and detail:
            for line in str(detail).splitlines():
                print(f"# {line}")

    def done(self):
        print(f"1..{self.n}")
        return 1 if self.failed or self.n == 0 else 0


def read_desktop(path):
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # keys are case-sensitive
    with open(path, encoding="utf-8") as f:
        parser.read_file(f)
    return parser


def check_manifest(t, path):
    with open(path, encoding="utf-8") as f:
        m = json.load(f)
    app_id = m.get("id", m.get("app-id"))
    t.ok(app_id == APP_ID, "manifest app id", app_id)
    t.ok(m.get("command") == "outpost", "manifest command", m.get("command"))
    args = m.get("finish-args", [])
    t.ok(set(args) == FINISH_ARGS and len(args) == len(FINISH_ARGS),
         "finish-args are exactly network, ipc, wayland, fallback-x11, dri", args)
    t.ok(not any(a.startswith("--filesystem") for a in args), "no filesystem access", args)
    t.ok(m.get("runtime") == "org.gnome.Platform", "runtime is org.gnome.Platform", m.get("runtime"))
    t.ok(m.get("sdk") == "org.gnome.Sdk", "sdk is org.gnome.Sdk", m.get("sdk"))
    version = str(m.get("runtime-version", ""))
    t.ok(version.isdigit() and int(version) >= 47, "runtime version >= 47", version)
    modules = m.get("modules", [])
    app = modules[-1] if modules else {}
    t.ok(app.get("name") == "outpost" and app.get("buildsystem") == "meson",
         "last module is outpost built with meson", app)
    sources = app.get("sources", [])
    t.ok(any(s.get("type") == "dir" and s.get("path") == ".." for s in sources),
         "outpost module builds the source tree (dir ..)", sources)
    # The runtime provides libsoup, json-glib, SQLite, libsecret and libadwaita.
    t.ok(len(modules) == 1, "no extra modules beside outpost", [x.get("name") for x in modules])


def check_svg(t, path, size, symbolic):
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        t.ok(False, f"{os.path.basename(path)} parses as XML", e)
        return
    t.ok(root.tag == SVG_NS + "svg", f"{os.path.basename(path)} is an SVG document", root.tag)
    t.ok(root.get("viewBox") == f"0 0 {size} {size}",
         f"{os.path.basename(path)} has a {size}x{size} viewBox", root.get("viewBox"))
    if symbolic:
        colours = set()
        for el in root.iter():
            for attr in ("fill", "stroke"):
                value = el.get(attr)
                if value and value != "none":
                    colours.add(value.lower())
        t.ok(colours == {"#2e3436"}, "symbolic icon uses only #2e3436", colours)


def check_icons(t, desktop, metainfo, intro_installed, source_root):
    icon = read_desktop(desktop)["Desktop Entry"].get("Icon")
    t.ok(icon == APP_ID, "desktop Icon= is the application id", icon)
    launchable = ET.parse(metainfo).getroot().find("launchable")
    t.ok(launchable is not None and launchable.text == os.path.basename(desktop),
         "metainfo launchable names the desktop file",
         None if launchable is None else launchable.text)
    with open(intro_installed, encoding="utf-8") as f:
        installed = json.load(f)
    wanted = {
        f"icons/hicolor/scalable/apps/{icon}.svg": (128, False),
        f"icons/hicolor/symbolic/apps/{icon}-symbolic.svg": (16, True),
    }
    for rel, (size, symbolic) in wanted.items():
        matches = [src for src, dest in installed.items() if dest.endswith("/share/" + rel)]
        t.ok(len(matches) == 1, f"installs share/{rel}", sorted(installed.values()))
        check_svg(t, matches[0] if matches else os.path.join(source_root, "data", rel),
                  size, symbolic)


def check_dbus(t, desktop, service):
    entry = read_desktop(desktop)["Desktop Entry"]
    t.ok(entry.get("DBusActivatable") == "true", "desktop entry is D-Bus activatable",
         entry.get("DBusActivatable"))
    t.ok(os.path.basename(desktop) == APP_ID + ".desktop", "desktop file named after the bus name")
    svc = read_desktop(service)["D-BUS Service"]
    t.ok(svc.get("Name") == APP_ID, "service Name is the application id", svc.get("Name"))
    exec_line = svc.get("Exec", "")
    t.ok(re.fullmatch(r"/\S+/outpost --gapplication-service", exec_line) is not None,
         "service Exec starts outpost by absolute path as a GApplication service", exec_line)


SCHEMA_DEFAULTS = {
    "window-width": "1000",
    "window-height": "700",
    "window-maximized": "false",
    "default-account": "''",
    "auto-sync-after-start": "30",
    "auto-sync-delay": "3600",
    "auto-sync-after-change": "300",
    "sync-email-on-send": "true",
    "going-online-mode": "'ask-user-to-sync'",
    "going-offline-mode": "'warn-user-must-sync'",
    "sync-login": "false",
    "background-sync": "true",
    "work-offline": "false",
    "download-connections": "4",
    "upload-batch-size": "100",
    "dataverse-client-id": "'51f81489-12ee-4a9e-aaae-a2591f45987d'",
    "dataverse-tenant": "'organizations'",
    "web-api-version": "'v9.2'",
}
SCHEMA_RANGES = {
    "going-online-mode": "enum\n'no-action'\n'ask-user-to-sync'\n'warn-user-must-sync'\n'force-sync'",
    "going-offline-mode": "enum\n'no-action'\n'ask-user-to-sync'\n'warn-user-must-sync'\n'force-sync'",
    "download-connections": "range i 1 16",
    "upload-batch-size": "range i 1 1000",
    "auto-sync-after-start": None, "auto-sync-delay": None, "auto-sync-after-change": None,
}


def gsettings(tool, schema_dir, *args):
    env = dict(os.environ, GSETTINGS_BACKEND="memory")
    r = subprocess.run([tool, "--schemadir", schema_dir, *args], env=env,
                       capture_output=True, text=True)
    return r.returncode, r.stdout.strip(), r.stderr.strip()


def check_schema(t, tool, schema_dir):
    rc, out, err = gsettings(tool, schema_dir, "list-keys", APP_ID)
    t.ok(rc == 0, "compiled schema in the build tree loads", err)
    keys = set(out.split())
    t.ok(keys == set(SCHEMA_DEFAULTS), "schema has exactly the expected keys",
         f"missing {set(SCHEMA_DEFAULTS) - keys}, unexpected {keys - set(SCHEMA_DEFAULTS)}")
    for key, default in SCHEMA_DEFAULTS.items():
        rc, out, err = gsettings(tool, schema_dir, "get", APP_ID, key)
        t.ok(rc == 0 and out == default, f"default of {key} is {default}", out or err)
    for key, expected in SCHEMA_RANGES.items():
        rc, out, err = gsettings(tool, schema_dir, "range", APP_ID, key)
        if expected is None:  # delays: -1 turns them off, so -1 must be in range
            m = re.fullmatch(r"range i (-?\d+) (\d+)", out)
            t.ok(rc == 0 and m is not None and int(m.group(1)) == -1,
                 f"{key} accepts -1 (off)", out or err)
        else:
            t.ok(rc == 0 and out == expected, f"range of {key}", out or err)
    rc, out, err = gsettings(tool, schema_dir, "describe", APP_ID, "sync-login")
    t.ok(rc == 0 and len(out) > 20, "keys have descriptions", out or err)


TRANSLATABLE = re.compile(r'\b(?:N?_|C_|NC_|g_dngettext|ngettext)\s*\(\s*"|translatable="yes"')


def check_potfiles(t, source_root):
    path = os.path.join(source_root, "po", "POTFILES.in")
    with open(path, encoding="utf-8") as f:
        listed = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    t.ok(listed == sorted(listed), "POTFILES.in is sorted")
    t.ok(len(listed) == len(set(listed)), "POTFILES.in has no duplicates")
    missing = [p for p in listed if not os.path.isfile(os.path.join(source_root, p))]
    t.ok(not missing, "every file in POTFILES.in exists", missing)
    unlisted = []
    for top in ("src", "data"):
        for dirpath, _, names in os.walk(os.path.join(source_root, top)):
            for name in names:
                if not name.endswith((".c", ".ui", ".in", ".gschema.xml")):
                    continue
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, source_root)
                with open(full, encoding="utf-8", errors="replace") as f:
                    text = f.read()
                marked = TRANSLATABLE.search(text) or rel.startswith("data/")
                if marked and rel not in listed and not name.endswith(".service.in"):
                    unlisted.append(rel)
    t.ok(not unlisted, "every source file with translatable strings is in POTFILES.in",
         "\n".join(sorted(unlisted)))


def main(argv):
    t = Tap()
    checks = {"manifest": check_manifest, "icons": check_icons, "dbus": check_dbus,
              "schema": check_schema, "potfiles": check_potfiles}
    if len(argv) < 2 or argv[1] not in checks:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        checks[argv[1]](t, *argv[2:])
    except Exception as e:  # a crash is a failure, reported as TAP
        t.ok(False, f"{argv[1]} check ran", repr(e))
    return t.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
