#!/usr/bin/env python3
# crash-test.py: `outpost sync` killed with SIGKILL at random moments must never lose or
# duplicate an edit. Each trial queues local edits (parent accounts with child contacts that
# refer to them, updates, deletes) while "another user" changes the server through its admin
# endpoint, then starts `outpost sync` and kills it 1-3 times at random moments, then syncs to
# completion and checks: PRAGMA integrity_check, every local edit on the server exactly once
# (found by a unique marker value), the store equal to the server.
#
#   OUTPOST_CRASH_TRIALS=500   number of trials (default 20)
#   OUTPOST_CRASH_SEED=N       replay a run (the seed is printed first)
# Output is TAP, one test point per trial.
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import outpost_rel as rel  # noqa: E402


def queue_local_edits(rng, client, tag, pool, report):
    edits = {'creates': [], 'updates': [], 'deletes': []}
    for i in range(rng.randint(3, 6)):
        marker = '%s-a%d' % (tag, i)
        # statecode and ownerid are read-only in the profile (the server sets them on create)
        aid = client.new('account', name='Crash ' + marker, accountnumber=marker)
        children = []
        for j in range(rng.randint(1, 2)):
            cmarker = '%s-a%d-c%d' % (tag, i, j)
            cid = client.new('contact', lastname=cmarker, parentcustomerid='account:' + aid)
            children.append((cmarker, cid))
        edits['creates'].append((marker, aid, children))
        # sometimes edit the new record again before it was ever uploaded (coalescing)
        if rng.random() < 0.3:
            client.set('account', aid, telephone1='+1 555 %s' % marker)
            report.setdefault('phones', {})[aid] = '+1 555 %s' % marker
    for entity, field in (('account', 'telephone1'), ('contact', 'jobtitle')):
        for rid in pool[entity]['local_update']:
            value = 'upd %s %s' % (tag, rid[:8])
            client.set(entity, rid, **{field: value})
            edits['updates'].append((entity, rid, field, value))
    for rid in pool['contact']['local_delete']:
        client.delete('contact', rid)
        edits['deletes'].append(('contacts', rid))
    return edits


def other_user_edits(rng, server, tag, pool):
    for rid in pool['account']['other_update']:
        status, _ = server.admin('PATCH', 'records/accounts/' + rid, {'name': 'Other %s %s' % (tag, rid[:6])})
        assert status == 200, status
    status, _ = server.admin('POST', 'records/accounts',
                             {'name': 'Other new ' + tag, 'accountnumber': 'other-' + tag})
    assert status == 200, status
    for rid in pool['contact']['other_delete']:
        status, _ = server.admin('DELETE', 'records/contacts/' + rid)
        assert status in (200, 204), status


def pick_targets(rng, client):
    """Disjoint random sets of synced records, so no edit of ours meets one of the other
    user's (conflicts are another test's subject)."""
    pool = {}
    for entity in ('account', 'contact'):
        ids = [r['id'] for r in client.list(entity) if r['state'] == 'synced']
        rng.shuffle(ids)
        pool[entity] = {'local_update': ids[0:4], 'other_update': ids[4:7],
                        'local_delete': ids[7:9] if entity == 'contact' else [],
                        'other_delete': ids[9:10] if entity == 'contact' else []}
    return pool


def kill_runs(rng, client, server):
    """Starts `outpost sync` 1-3 times and SIGKILLs it after a random delay. Requests are
    slowed (a sync then takes about 1-3 s) so most kills land inside the connect, the upload or
    the download instead of after the sync has finished."""
    fid = server.fault(kind='latency', ms=rng.choice([30, 60, 100]))
    killed_mid = 0
    for _ in range(rng.randint(1, 3)):
        proc = client.spawn_sync()
        time.sleep(rng.uniform(0.02, 1.2))
        if proc.poll() is None:
            killed_mid += 1
        proc.kill()
        proc.wait()
    server.admin('DELETE', 'faults')
    return killed_mid, fid


def check(client, server, edits, report):
    problems = []
    ic = client.integrity()
    if ic != 'ok':
        problems.append('integrity_check: ' + ic)
    for marker, aid, children in edits['creates']:
        rows = server.records('accounts', accountnumber=marker)
        if len(rows) != 1 or rows[0]['accountid'] != aid:
            problems.append('account %s: %d rows on the server %s' % (marker, len(rows),
                            [r['accountid'] for r in rows]))
        elif aid in report.get('phones', {}) and rows[0]['telephone1'] != report['phones'][aid]:
            problems.append('account %s: telephone1 %r' % (marker, rows[0]['telephone1']))
        for cmarker, cid in children:
            rows = server.records('contacts', lastname=cmarker)
            if len(rows) != 1 or rows[0]['contactid'] != cid:
                problems.append('contact %s: %d rows on the server' % (cmarker, len(rows)))
            elif rows[0].get('_parentcustomerid_value') != aid:
                problems.append('contact %s: parent %r, expected %s' %
                                (cmarker, rows[0].get('_parentcustomerid_value'), aid))
    for entity, rid, field, value in edits['updates']:
        status, body = server.admin('GET', 'records/%ss/%s' % (entity, rid))
        if status != 200 or body.get(field) != value:
            problems.append('%s %s: %s is %r on the server, expected %r' %
                            (entity, rid, field, body.get(field) if body else status, value))
    for entity_set, rid in edits['deletes']:
        status, _ = server.admin('GET', 'records/%s/%s' % (entity_set, rid))
        if status != 404:
            problems.append('%s %s still on the server (%d)' % (entity_set, rid, status))
    problems += rel.compare_store(client, server)
    st = client.status()
    if st['unsynced'] != 0 or st['errors'] or st['conflicts']:
        problems.append('status: unsynced %d, errors %s, conflicts %s' %
                        (st['unsynced'], st['errors'][:3], st['conflicts'][:3]))
    return problems


def main():
    trials = int(os.environ.get('OUTPOST_CRASH_TRIALS', '20'))
    seed = int(os.environ.get('OUTPOST_CRASH_SEED', str(random.SystemRandom().randrange(1 << 31))))
    rng = random.Random(seed)
    print('# seed %d (replay with OUTPOST_CRASH_SEED=%d), %d trials' % (seed, seed, trials))
    print('1..%d' % trials)
    root = rel.tmpdir('outpost-crash-')
    server = rel.Server(root, 'accounts=400,contacts=800')
    failed = 0
    killed_total = 0
    started = time.monotonic()
    try:
        client = rel.Client(root, server)
        client.sync_until_done()
        for trial in range(1, trials + 1):
            tag = 'k%04x-t%d' % (seed & 0xffff, trial)   # accountnumber holds 20 characters
            report = {}
            edits = {'creates': [], 'updates': [], 'deletes': []}
            killed = 0
            try:
                pool = pick_targets(rng, client)
                edits = queue_local_edits(rng, client, tag, pool, report)
                other_user_edits(rng, server, tag, pool)
                killed, _ = kill_runs(rng, client, server)
                killed_total += killed
                client.sync_until_done()
                problems = check(client, server, edits, report)
            except Exception as e:  # a crash of the harness is a failed trial, not a pass
                problems = ['%s: %s' % (type(e).__name__, e)]
            n_edits = sum(1 + len(c) for _, _, c in edits['creates']) + len(edits['updates']) + \
                len(edits['deletes'])
            if problems:
                failed += 1
                print('not ok %d - trial %d (%d edits, killed mid-sync %d times)' % (trial, trial, n_edits, killed))
                for p in problems[:20]:
                    print('#   ' + p)
            else:
                print('ok %d - trial %d (%d edits, killed mid-sync %d times)' % (trial, trial, n_edits, killed))
            sys.stdout.flush()
    finally:
        server.stop()
        if failed == 0:
            rel.rmtree(root)
        else:
            print('# kept %s for inspection' % root)
    print('# %d trials, %d failed, %d kills landed mid-sync, %.1f s, seed %d' %
          (trials, failed, killed_total, time.monotonic() - started, seed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
