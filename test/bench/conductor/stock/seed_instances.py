#!/usr/bin/python3
"""Insert COUNT live instances (+ service_statuses rows, status NEW) into a stock
Trove database the way DBInstance.create() lays them out: task NONE and a
per-instance RPC key encrypted with KEK (inst_rpc_key_encr_key) by Trove's own
crypto_utils. Writes instance_id -> plaintext key to KEYS_JSON.
Adapted from stock-trove-baseline.md section 9.5 (own database, own KEK, no
datastore version needed by the conductor, status NEW so that applied
heartbeats are countable).
usage: seed_instances.py DATABASE COUNT KEYS_JSON KEK
"""
import datetime
import json
import sys
import uuid

import pymysql
from trove.common import crypto_utils as cu

database, count, keys_path, kek = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
db = pymysql.connect(host='127.0.0.1', port=3306, user='root', password='', database=database)
cur = db.cursor()
now = datetime.datetime.utcnow().replace(microsecond=0)
keys, inst_rows, st_rows = {}, [], []
for i in range(count):
    iid = str(uuid.uuid4())
    key = cu.generate_random_key()
    keys[iid] = key
    enc = cu.encode_data(cu.encrypt_data(key, kek))
    if isinstance(enc, bytes):
        enc = enc.decode()
    inst_rows.append((iid, now, now, 'bench-%05d' % i, str(uuid.uuid4()), 1,
                      'No tasks for the instance.', '2', 1, 'bench-tenant', 'ACTIVE', 0,
                      'RegionOne', enc))
    st_rows.append((str(uuid.uuid4()), iid, 0x17, 'new', now))
cur.executemany("INSERT INTO instances (id, created, updated, name, compute_instance_id,"
                " task_id, task_description, flavor_id, volume_size, tenant_id, server_status,"
                " deleted, region_id, encrypted_key) VALUES (%s" + ",%s" * 13 + ")", inst_rows)
cur.executemany("INSERT INTO service_statuses (id, instance_id, status_id, status_description,"
                " updated_at) VALUES (%s,%s,%s,%s,%s)", st_rows)
db.commit()
with open(keys_path, 'w') as out:
    json.dump(keys, out)
print(json.dumps({'inserted': count}))
