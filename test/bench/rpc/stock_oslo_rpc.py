#!/usr/bin/python3
"""The stock baseline of roundtrip.ts: oslo.messaging 14 (kombu, AMQP 0-9-1) as Trove 18 uses it, on the
same broker, with Trove's SecureSerializer when a key is given. Reads {"url", "exchange", "topic", "calls",
"casts", "key"} on stdin; prints {"p50_ms", "p99_ms", "calls_per_s", "casts_accepted_per_s",
"casts_handled_per_s"}. Queues it creates are short-lived (rabbit_transient_queues_ttl) or deleted by the
caller."""
import json
import sys
import threading
import time

from oslo_config import cfg
import oslo_messaging as messaging

from trove.common.rpc import secure_serializer


def main():
    request = json.load(sys.stdin)
    conf = cfg.CONF
    conf([], project='bench')
    messaging.set_transport_defaults(control_exchange=request['exchange'])
    transport = messaging.get_rpc_transport(conf, url=request['url'])
    conf.set_override('rabbit_transient_queues_ttl', 60, group='oslo_messaging_rabbit')
    key = request.get('key')
    serializer = secure_serializer.SecureSerializer(None, key) if key else None
    handled = {'casts': 0}
    lock = threading.Lock()

    class Endpoint(object):
        target = messaging.Target(version='1.0')

        def ping(self, ctxt, instance_id, payload, sent):
            return True

        def heartbeat(self, ctxt, instance_id, payload, sent):
            with lock:
                handled['casts'] += 1

    server = messaging.get_rpc_server(transport, messaging.Target(topic=request['topic'], server='bench'), [Endpoint()],
                                      executor='threading', serializer=serializer)
    server.start()
    client = messaging.RPCClient(transport, messaging.Target(topic=request['topic'], version='1.0'), serializer=serializer)
    context = {'request_id': 'req-bench'}

    def args():
        return {'instance_id': 'inst-bench', 'payload': {'service_status': 'running'}, 'sent': time.time()}

    for _ in range(200):
        client.call(context, 'ping', **args())
    latencies = []
    for _ in range(request['calls']):
        started = time.perf_counter()
        client.call(context, 'ping', **args())
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()

    remaining = {'n': request['calls']}

    def worker():
        while True:
            with lock:
                if remaining['n'] <= 0:
                    return
                remaining['n'] -= 1
            client.call(context, 'ping', **args())
    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    calls_per_s = request['calls'] / (time.perf_counter() - started)

    started = time.perf_counter()
    for _ in range(request['casts']):
        client.cast(context, 'heartbeat', **args())
    accepted_s = time.perf_counter() - started
    while handled['casts'] < request['casts']:
        time.sleep(0.005)
    handled_s = time.perf_counter() - started

    server.stop()
    server.wait()
    transport.cleanup()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100.0 * len(latencies)))]
    json.dump({'p50_ms': pct(50), 'p99_ms': pct(99), 'calls_per_s': calls_per_s,
               'casts_accepted_per_s': request['casts'] / accepted_s, 'casts_handled_per_s': request['casts'] / handled_s}, sys.stdout)


if __name__ == '__main__':
    main()
