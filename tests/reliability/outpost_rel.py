# outpost_rel.py: shared pieces of the reliability scripts — the real outpost-server on port 0,
# the real `outpost` command line with its own XDG_DATA_HOME, the admin endpoint as "another
# user", and the store-versus-server comparison.
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

OWNER = 'systemuser:8d2b6f4e-1c3a-4e5b-9f70-3a1b2c4d5e01'


class Server:
    def __init__(self, root, seed, extra=()):
        self.dir = os.path.join(root, 'server')
        self.log = os.path.join(root, 'server.log')
        self.proc = subprocess.Popen(
            [os.environ['OUTPOST_SERVER'], '--listen', '127.0.0.1:0', '--data', self.dir,
             '--seed', seed, *extra],
            stdout=open(self.log, 'w'), stderr=subprocess.STDOUT)
        self.url = None
        for _ in range(400):
            with open(self.log) as f:
                line = f.readline()
            if line.endswith('\n'):
                self.url = line.strip()
                break
            if self.proc.poll() is not None:
                raise RuntimeError('outpost-server exited: ' + open(self.log).read())
            time.sleep(0.05)
        if not self.url:
            raise RuntimeError('outpost-server printed no URL')
        if not self.url.endswith('/'):
            self.url += '/'

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def admin(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + '_admin/' + path, data=data, method=method,
                                     headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                raw = r.read()
                return r.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw)
            except ValueError:
                return e.code, None

    def records(self, entity_set, **filters):
        q = '&'.join('%s=%s' % (k, urllib.request.quote(str(v))) for k, v in filters.items())
        status, body = self.admin('GET', 'records/%s%s' % (entity_set, '?' + q if q else ''))
        assert status == 200, (status, body)
        return body['value']

    def fault(self, **spec):
        status, body = self.admin('POST', 'faults', spec)
        assert status == 200, (status, body)
        return body['id']

    def clear_faults(self):
        self.admin('DELETE', 'faults')


class Client:
    """One account in its own XDG_DATA_HOME, driven through the `outpost` binary."""

    def __init__(self, root, server, name='rel'):
        self.home = os.path.join(root, 'client')
        os.makedirs(self.home, exist_ok=True)
        self.env = dict(os.environ, XDG_DATA_HOME=os.path.join(self.home, 'data'),
                        XDG_CONFIG_HOME=os.path.join(self.home, 'config'),
                        XDG_CACHE_HOME=os.path.join(self.home, 'cache'),
                        G_DEBUG='')
        self.name = name
        self.db = os.path.join(self.home, 'data', 'outpost', name, 'outpost.db')
        self.run('account', 'add', name, '--url', server.url, '--auth', 'none', check=True)

    def cmd(self, *args):
        return [os.environ['OUTPOST_BIN'], *args]

    def run(self, *args, check=False, timeout=120):
        p = subprocess.run(self.cmd(*args), env=self.env, capture_output=True, text=True,
                           timeout=timeout)
        if check and p.returncode != 0:
            raise RuntimeError('outpost %s failed (%d): %s' % (' '.join(args), p.returncode, p.stderr))
        return p

    def spawn_sync(self, *args):
        return subprocess.Popen(self.cmd('sync', *args), env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def new(self, entity, **values):
        args = ['%s=%s' % (k, v) for k, v in values.items()]
        return self.run('record', 'new', entity, *args, check=True).stdout.strip()

    def set(self, entity, rid, **values):
        args = ['%s=%s' % (k, v) for k, v in values.items()]
        self.run('record', 'set', entity, rid, *args, check=True)

    def delete(self, entity, rid):
        self.run('record', 'delete', entity, rid, check=True)

    def list(self, entity):
        p = self.run('record', 'list', entity, '--json', check=True)
        return json.loads(p.stdout)

    def status(self):
        return json.loads(self.run('status', '--json', check=True).stdout)

    def integrity(self):
        con = sqlite3.connect(self.db, timeout=30)
        try:
            return con.execute('PRAGMA integrity_check').fetchone()[0]
        finally:
            con.close()

    def sync_until_done(self, tries=6):
        last = None
        for _ in range(tries):
            last = self.run('sync')
            if last.returncode == 0:
                return last
        raise RuntimeError('sync did not converge: ' + last.stderr[-2000:])


# Fields compared between the store and the server (server name -> local name).
COMPARED = {
    'account': ('accounts', 'accountid', {'name': 'name', 'accountnumber': 'accountnumber',
                                          'telephone1': 'telephone1'}),
    'contact': ('contacts', 'contactid', {'lastname': 'lastname', 'jobtitle': 'jobtitle',
                                          '_parentcustomerid_value': 'parentcustomerid'}),
}


def compare_store(client, server):
    """Differences between the local store and the server for the profile's filter
    (statecode eq 0) on the compared entities; an empty list means equal."""
    diffs = []
    for entity, (entity_set, pk, fields) in COMPARED.items():
        remote = {r[pk]: r for r in server.records(entity_set, statecode=0)}
        local = {r['id']: r for r in client.list(entity)}
        for rid in sorted(set(remote) - set(local)):
            diffs.append('%s %s on the server only' % (entity, rid))
        for rid in sorted(set(local) - set(remote)):
            diffs.append('%s %s in the store only (%s)' % (entity, rid, local[rid]['state']))
        for rid in sorted(set(local) & set(remote)):
            if local[rid]['state'] != 'synced':
                diffs.append('%s %s is %s locally' % (entity, rid, local[rid]['state']))
            for sname, lname in fields.items():
                sv, lv = remote[rid].get(sname), local[rid]['values'].get(lname)
                if sv != lv:
                    diffs.append('%s %s %s: server %r, store %r' % (entity, rid, lname, sv, lv))
    return diffs


def tmpdir(prefix):
    return tempfile.mkdtemp(prefix=prefix)


def rmtree(path):
    shutil.rmtree(path, ignore_errors=True)
