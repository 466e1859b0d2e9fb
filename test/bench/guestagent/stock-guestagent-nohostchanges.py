#!/usr/bin/python3
"""Run the stock Trove 18 guest agent entry point (trove.cmd.guest.main) on a
host that is NOT a Trove guest VM, with its host-mutating / external steps
neutralised so it can idle for an RSS measurement (stock-trove-baseline
section 5.1 / 9.6, plus the fourth one that baseline missed):
  * operating_system.create_user  -> no-op (would groupadd/useradd 'database')
  * operating_system.ensure_directory / chown -> no-op (the MySQL manager's
    ConfigurationManager would `mkdir -p /etc/mysql/conf.d` and
    `chown -R 1001:1001 /etc/mysql` on the host)
  * VolumeDevice.mount_points      -> ['/stub'] (skips mkfs + mount of /dev/vdb)
  * Manager.docker_client          -> docker.DockerClient with a pinned API
                                      version on a dummy socket (no daemon call)
Everything else (config, oslo.messaging RPC server on guestagent.<guest_id>,
periodic tasks) is stock. Usage: stock-guestagent-nohostchanges.py --config-file F
"""
import sys

import docker
from trove.guestagent import volume
from trove.guestagent.common import operating_system
from trove.guestagent.datastore import manager as base_manager

operating_system.create_user = lambda *a, **k: None
operating_system.ensure_directory = lambda *a, **k: None
operating_system.chown = lambda *a, **k: None
volume.VolumeDevice.mount_points = lambda self, device_path: ['/stub']
_dc = docker.DockerClient(base_url='unix:///nonexistent/no-docker.sock', version='1.41')
base_manager.Manager.docker_client = property(lambda self: _dc)

from trove.cmd.guest import main  # noqa: E402

sys.exit(main())
