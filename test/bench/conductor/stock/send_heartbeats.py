#!/usr/bin/python3
"""Cast N conductor 'heartbeat' messages exactly as a Trove 18 guest agent does
(trove.guestagent.datastore.service.BaseDbStatus.set_status ->
 trove.conductor.api.API(TroveContext()).heartbeat(guest_id, {'service_status': ..},
 sent=utcnow_ts(microsecond=True))), round-robin over the instances in KEYS_JSON.
mode=encrypted: per-instance key (instance_rpc_encr_key) + guest_id set as the
guest's config would, so payload/context are AES-encrypted by
ConductorGuestSerializer (Trove's default, enable_secure_rpc_messaging=True).
mode=plain: no instance key -> unencrypted payload.
stock-trove-baseline.md section 9.7, unchanged.
usage: send_heartbeats.py TROVE_CONF KEYS_JSON N encrypted|plain [status]
"""
import json
import sys
import time

from oslo_utils import timeutils
from trove.common import cfg

CONF = cfg.CONF
conf, keys_path, n, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
status = sys.argv[5] if len(sys.argv) > 5 else 'healthy'
cfg.parse_args(['send_heartbeats', '--config-file', conf])
from trove import rpc  # noqa: E402
rpc.init(CONF)
from trove.common import context as trove_context  # noqa: E402
from trove.conductor import api as conductor_api  # noqa: E402

keys = json.load(open(keys_path))
ids = sorted(keys)
t0 = time.time()
for i in range(n):
    iid = ids[i % len(ids)]
    CONF.set_override('guest_id', iid)
    CONF.set_override('instance_rpc_encr_key', keys[iid] if mode == 'encrypted' else None)
    conductor_api.API(trove_context.TroveContext()).heartbeat(
        iid, {'service_status': status}, sent=timeutils.utcnow_ts(microsecond=True))
dt = time.time() - t0
print(json.dumps({'sent': n, 'mode': mode, 'instances': len(ids), 'send_s': round(dt, 2),
                  'send_rate': round(n / dt, 1)}))
rpc.cleanup()
