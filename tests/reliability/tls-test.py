#!/usr/bin/env python3
# tls-test.py: outpost-server with a self-signed certificate made here (openssl); `outpost sync`
# must refuse it and say why, and nothing may reach the server; `outpost account trust` pins
# exactly that certificate (never without the user's explicit yes or fingerprint), after which
# the sync works, and a certificate with another fingerprint is still refused. TAP.
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import outpost_rel as rel  # noqa: E402


def main():
    print('1..6')
    root = rel.tmpdir('outpost-tls-')
    cert, key = os.path.join(root, 'cert.pem'), os.path.join(root, 'key.pem')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
                    '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
                   check=True, capture_output=True)
    server = rel.Server(root, 'accounts=3', extra=('--tls-cert', cert, '--tls-key', key))
    ok = True
    try:
        assert server.url.startswith('https://'), server.url
        client = rel.Client(root, server)
        p = client.run('sync')
        refused = p.returncode != 0 and 'certificate is not trusted' in p.stderr
        print('%s 1 - sync refuses a self-signed certificate (%s)' %
              ('ok' if refused else 'not ok', p.stderr.strip().splitlines()[-1] if p.stderr.strip() else p.returncode))
        ok &= refused
        stored = client.list('account')
        print('%s 2 - nothing was downloaded (%d accounts in the store)' % ('ok' if not stored else 'not ok', len(stored)))
        ok &= not stored

        # No terminal and no fingerprint: nothing is trusted, the fingerprint is shown.
        p = client.run('account', 'trust', client.name)
        shown = [l.split(':', 1)[1].strip() for l in p.stdout.splitlines() if l.startswith('Fingerprint:')]
        good = p.returncode == 2 and len(shown) == 1 and shown[0].startswith('SHA256:')
        print('%s 3 - trust without a terminal or fingerprint refuses and shows the fingerprint' % ('ok' if good else 'not ok'))
        ok &= good
        fingerprint = shown[0] if shown else 'SHA256:none'

        wrong = 'SHA256:' + ':'.join(['00'] * 32)
        p = client.run('account', 'trust', client.name, '--fingerprint', wrong)
        still = client.run('sync')
        good = p.returncode == 1 and 'NOT trusted' in p.stderr and still.returncode != 0
        print('%s 4 - a wrong fingerprint trusts nothing' % ('ok' if good else 'not ok'))
        ok &= good

        p = client.run('account', 'trust', client.name, '--fingerprint', fingerprint)
        synced = client.run('sync')
        stored = client.list('account') if synced.returncode == 0 else []
        good = p.returncode == 0 and synced.returncode == 0 and len(stored) == 3
        print('%s 5 - after trusting that certificate the sync works (%d accounts)' % ('ok' if good else 'not ok', len(stored)))
        ok &= good

        # The pin names one certificate: pin another one and the same server is refused again.
        ini = os.path.join(client.home, 'data', 'outpost', client.name, 'account.ini')
        text = open(ini).read().replace(fingerprint, wrong)
        open(ini, 'w').write(text)
        p = client.run('sync')
        good = p.returncode != 0 and 'certificate is not trusted' in p.stderr
        print('%s 6 - a pinned fingerprint of another certificate is refused' % ('ok' if good else 'not ok'))
        ok &= good
    finally:
        server.stop()
        rel.rmtree(root)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
