#!/usr/bin/python3
"""Test vectors from Trove 18's own code (Debian python3-trove), for the trove-compat codec tests.

Run with Debian's interpreter: /usr/bin/python3 trove_vectors.py encrypt|decrypt < request.json

encrypt: seals values and contexts with trove.common.rpc.SecureSerializer and ConductorGuestSerializer
         (os.urandom pinned to the given IV, so the output is byte-exact), plus an instance key wrapped as
         DBInstance does, and a few entities with Trove's random IVs.
decrypt: opens what trove-ts sealed, with SecureSerializer and ConductorHostSerializer (its key lookup
         replaced by the given key), and unwraps a trove-ts-written Trove-format instance key.
Writes one JSON object to stdout.
"""
import json
import os
import sys

from trove.common import cfg
from trove.common import crypto_utils
from trove.common.rpc import conductor_guest_serializer
from trove.common.rpc import conductor_host_serializer
from trove.common.rpc import secure_serializer


def pinned_iv(iv):
    real = os.urandom

    def urandom(count):
        return iv[:count] if count == len(iv) else real(count)
    return urandom


def encrypt(request):
    key = request['key']
    cfg.CONF.set_override('guest_id', request['guest_id'])
    iv = bytes.fromhex(request['iv_hex'])
    secure = secure_serializer.SecureSerializer(None, key)
    guest = conductor_guest_serializer.ConductorGuestSerializer(None, key)
    random_entities = [secure.serialize_entity(None, v) for v in request['values']]
    real = os.urandom
    os.urandom = pinned_iv(iv)
    try:
        out = {
            'secure_entities': [secure.serialize_entity(None, v) for v in request['values']],
            'secure_context': secure.serialize_context(request['context']),
            'guest_entities': [guest.serialize_entity(None, v) for v in request['values']],
            'guest_context': guest.serialize_context(request['context']),
            'wrapped_key': crypto_utils.encode_data(crypto_utils.encrypt_data(request['instance_key'], request['kek'])),
        }
    finally:
        os.urandom = real
    out['random_entities'] = random_entities
    return out


def decrypt(request):
    key = request['key']
    secure = secure_serializer.SecureSerializer(None, key)
    conductor_host_serializer.get_instance_encryption_key = lambda instance_id: key
    host = conductor_host_serializer.ConductorHostSerializer(None)
    return {
        'secure_args': {k: secure.deserialize_entity(None, v) for k, v in request['secure_args'].items()},
        'secure_context': secure.deserialize_context({'context': request['secure_context']}),
        'guest_args': {k: host.deserialize_entity(None, v) for k, v in request['guest_args'].items()},
        'guest_context': host.deserialize_context(request['guest_context']),
        'result': secure.deserialize_entity(None, request['result']),
        'unwrapped_key': crypto_utils.decrypt_data(crypto_utils.decode_data(request['wrapped_key']), request['kek']).decode('ascii'),
    }


def main():
    cfg.CONF([], project='trove')
    request = json.load(sys.stdin)
    mode = sys.argv[1]
    result = encrypt(request) if mode == 'encrypt' else decrypt(request)
    json.dump(result, sys.stdout)


if __name__ == '__main__':
    main()
