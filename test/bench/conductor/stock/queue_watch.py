#!/usr/bin/python3
"""Print a queue's ready-message and consumer counts whenever they change, as
"<epoch ms> <ready> <consumers>" lines, polling a passive queue.declare every
20 ms over AMQP 0-9-1 (py-amqp, as shipped for oslo.messaging). The conductor
benchmark uses the first drop of <ready> as the moment a conductor started
taking messages, for stock and trove-ts alike.
usage: queue_watch.py QUEUE   (runs until killed)
"""
import sys
import time

import amqp

queue = sys.argv[1]
connection = amqp.Connection(host='127.0.0.1:5672', userid='guest', password='guest', virtual_host='/')
connection.connect()
channel = connection.channel()
last = None
while True:
    _, ready, consumers = channel.queue_declare(queue=queue, passive=True)
    if (ready, consumers) != last:
        last = (ready, consumers)
        sys.stdout.write('%d %d %d\n' % (int(time.time() * 1000), ready, consumers))
        sys.stdout.flush()
    time.sleep(0.02)
