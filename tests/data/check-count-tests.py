#!/usr/bin/env python3
"""build-aux/count-tests.py turns meson's logs into .ci/run's summary line: a skipped case must
be counted as skipped, never as passed, and a crash after passing cases as a failure."""
import json
import os
import subprocess
import sys
import tempfile

SCRIPT = os.path.join(os.environ['OUTPOST_SOURCE_DIR'], 'build-aux', 'count-tests.py')
TESTS = [
    {'name': 'a', 'result': 'OK', 'stdout': 'ok 1 /x\nok 2 /y # SKIP not here\nnot ok 3 /z\n'},
    {'name': 'b', 'result': 'FAIL', 'stdout': 'ok 1 /x\n'},          # crashed after a pass
    {'name': 'c', 'result': 'OK', 'stdout': 'no tap lines\n'},
    {'name': 'd', 'result': 'SKIP', 'stdout': ''},
]
EXPECTED = '3 passed, 2 failed, 2 skipped'

with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as log:
    for test in TESTS:
        log.write(json.dumps(test) + '\n')
try:
    out = subprocess.run([sys.executable, SCRIPT, 'g=' + log.name], capture_output=True, text=True,
                         check=True).stdout.strip()
finally:
    os.unlink(log.name)
print('1..1')
print(('ok' if out == EXPECTED else 'not ok') + ' 1 - summary %r (expected %r)' % (out, EXPECTED))
sys.exit(0 if out == EXPECTED else 1)
