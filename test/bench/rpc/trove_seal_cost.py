#!/usr/bin/python3
"""Seal/open cost of one heartbeat in stock Trove 18 (python3-trove): ConductorGuestSerializer on the guest,
ConductorHostSerializer on the conductor, exactly as trove-guestagent and trove-conductor run them.
Reads {"key", "instance_id", "args", "context", "rounds"} on stdin; prints {"seal_us", "open_us"}."""
import json
import sys
import time

from trove.common import cfg
from trove.common.rpc import conductor_guest_serializer
from trove.common.rpc import conductor_host_serializer


def main():
    cfg.CONF([], project='trove')
    request = json.load(sys.stdin)
    cfg.CONF.set_override('guest_id', request['instance_id'])
    key = request['key']
    conductor_host_serializer.get_instance_encryption_key = lambda instance_id: key
    guest = conductor_guest_serializer.ConductorGuestSerializer(None, key)
    host = conductor_host_serializer.ConductorHostSerializer(None)
    args, context, rounds = request['args'], request['context'], request['rounds']

    def seal():
        return ({k: guest.serialize_entity(None, v) for k, v in args.items()}, guest.serialize_context(context))

    sealed = [seal() for _ in range(100)]
    start = time.perf_counter()
    for _ in range(rounds):
        sealed_args, sealed_context = seal()
    seal_s = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(rounds):
        opened = ({k: host.deserialize_entity(None, v) for k, v in sealed_args.items()}, host.deserialize_context(dict(sealed_context)))
    open_s = time.perf_counter() - start
    assert opened[0] == args, 'round trip failed'
    del sealed
    json.dump({'seal_us': seal_s / rounds * 1e6, 'open_us': open_s / rounds * 1e6}, sys.stdout)


if __name__ == '__main__':
    main()
