#!/usr/bin/env python3
"""Counts test cases from meson's testlog.json: the TAP lines of each test when it printed
any (GLib tests run with --tap), else the test's own result. Skips are not passes."""
import json
import re
import sys

passed = failed = skipped = 0
for line in open(sys.argv[1], encoding="utf-8"):
    test = json.loads(line)
    out = test.get("stdout") or ""
    oks = re.findall(r"^(not ok|ok)\b[^\n]*", out, re.M)
    result = test.get("result")
    if oks:
        for tap in oks:
            if tap.startswith("not ok"):
                failed += 1
            elif "# SKIP" in tap:
                skipped += 1
            else:
                passed += 1
        # A test that crashed after some passing cases is still a failure.
        if result not in ("OK", "SKIP", "EXPECTEDFAIL") and not any(t.startswith("not ok") for t in oks):
            failed += 1
    elif result in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif result == "SKIP":
        skipped += 1
    else:
        failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
