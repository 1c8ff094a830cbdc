#!/usr/bin/env python3
"""Counts test cases from meson's testlog.json files: the TAP lines of each test when it printed
any (GLib tests run with --tap), else the test's own result. Skips are not passes.

Arguments are GROUP=PATH. Within a group a later log replaces an earlier one's result for the
same test (sanitize.sh re-runs its failures with full stacks; the re-run decides); groups are
counted separately and added up."""
import json
import re
import sys


def count(test):
    out = test.get("stdout") or ""
    taps = re.findall(r"^(?:not ok|ok)\b[^\n]*", out, re.M)   # whole lines: "# SKIP" is at the end
    result = test.get("result")
    passed = failed = skipped = 0
    if taps:
        for tap in taps:
            if tap.startswith("not ok"):
                failed += 1
            elif "# SKIP" in tap:
                skipped += 1
            else:
                passed += 1
        # A test that crashed after some passing cases is still a failure.
        if result not in ("OK", "SKIP", "EXPECTEDFAIL") and not failed:
            failed += 1
    elif result in ("OK", "EXPECTEDFAIL"):
        passed = 1
    elif result == "SKIP":
        skipped = 1
    else:
        failed = 1
    return passed, failed, skipped


results = {}
for arg in sys.argv[1:]:
    group, _, path = arg.rpartition("=")
    for line in open(path, encoding="utf-8"):
        test = json.loads(line)
        results[(group, test["name"])] = count(test)

totals = [sum(r[i] for r in results.values()) for i in range(3)]
print("%d passed, %d failed, %d skipped" % tuple(totals))
